//! How many cases per second the store opens (case row + demand document + audit event,
//! one transaction each), against the same database's floor: a one-row INSERT in its own
//! transaction, measured in the same run. SQLite always; PostgreSQL when
//! WRIT_TEST_DATABASE_URL is set. `cargo bench -p writ-store --bench insert_cases`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // a bench prints, and stops loudly

use std::time::Instant;

use writ_core::{Actor, CaseId, Demand, Timestamp};
use writ_store::NewCase;
use writ_store::testing::TestDatabase;

const CASES: usize = 2_000;
const DOCUMENT: &str = include_str!("../../writ-core/tests/demands/policy-example.json");

#[tokio::main]
async fn main() {
    let mut databases = vec![("sqlite", TestDatabase::sqlite().await.unwrap())];
    match TestDatabase::postgres().await.unwrap() {
        Some(db) => databases.push(("postgres", db)),
        None => println!("(PostgreSQL skipped: set WRIT_TEST_DATABASE_URL to include it)"),
    }
    println!("{CASES} inserts each, sequential, one transaction per insert, durable commits");
    println!(
        "{:<10} {:>22} {:>26} {:>8}",
        "backend", "writ: cases/s", "floor: 1-row txns/s", "ratio"
    );
    for (name, db) in databases {
        let cases = open_cases(&db).await;
        let floor = one_row_transactions(&db).await;
        println!(
            "{name:<10} {cases:>22.0} {floor:>26.0} {:>8.2}",
            cases / floor
        );
        db.remove().await.unwrap();
    }
}

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
async fn open_cases(db: &TestDatabase) -> f64 {
    let demand = Demand::from_json(DOCUMENT).unwrap();
    let now = Timestamp::parse("2026-03-02T09:00:00Z").unwrap();
    let decision = serde_json::json!({"verdict": "accept", "route": "process", "rule": "US-3"});
    let started = Instant::now();
    for _ in 0..CASES {
        let case = NewCase {
            id: CaseId::random(),
            demand: &demand,
            document: DOCUMENT,
            received_at: now,
            deadline: None,
            decision: Some(&decision),
        };
        db.store
            .open_case(&case, &Actor::System, now)
            .await
            .unwrap();
    }
    CASES as f64 / started.elapsed().as_secs_f64()
}

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
async fn one_row_transactions(db: &TestDatabase) -> f64 {
    db.execute_raw("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    let started = Instant::now();
    for i in 0..CASES {
        db.execute_raw(&format!(
            "INSERT INTO bench_floor (id, body) VALUES ({i}, 'x')"
        ))
        .await
        .unwrap();
    }
    CASES as f64 / started.elapsed().as_secs_f64()
}
