//! The store's figures, each against a floor measured in the same run:
//!
//! 1. cases opened per second (case row, demand document, audit event with its Merkle
//!    hashes: one transaction each) and audit events appended per second, against a
//!    one-row INSERT per transaction on the same database. SQLite always; PostgreSQL
//!    when WRIT_TEST_DATABASE_URL is set.
//! 2. verifying an audit log of 1,000,000 events on SQLite (what `writ audit verify`
//!    runs: read every event, recompute the tree, check every checkpoint), against
//!    `sha256sum` over the same bytes, the hashing limit.
//!
//! `cargo bench -p writ-store --bench store` (WRIT_BENCH_EVENTS changes the million).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // a bench prints, and stops loudly

use std::io::Write;
use std::time::Instant;

use writ_core::{Actor, AuditEntry, CaseId, Demand, Timestamp};
use writ_ledger::LogKey;
use writ_store::NewCase;
use writ_store::testing::TestDatabase;

const WRITES: usize = 2_000;
const DOCUMENT: &str = include_str!("../../writ-core/tests/demands/policy-example.json");

#[tokio::main]
async fn main() {
    let events: usize = std::env::var("WRIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);

    println!("1. writes: {WRITES} of each, one transaction each, durable commits");
    println!(
        "{:<10} {:>14} {:>14} {:>18} {:>12} {:>12}",
        "backend", "cases/s", "events/s", "floor: 1-row/s", "cases/floor", "events/floor"
    );
    let mut databases = vec![("sqlite", TestDatabase::sqlite().await.unwrap())];
    match TestDatabase::postgres().await.unwrap() {
        Some(db) => databases.push(("postgres", db)),
        None => println!("(PostgreSQL skipped: set WRIT_TEST_DATABASE_URL to include it)"),
    }
    for (name, db) in databases {
        let cases = open_cases(&db).await;
        let appends = append_events(&db).await;
        let floor = one_row_transactions(&db).await;
        println!(
            "{name:<10} {cases:>14.0} {appends:>14.0} {floor:>18.0} {:>12.2} {:>12.2}",
            cases / floor,
            appends / floor
        );
        db.remove().await.unwrap();
    }

    println!("\n2. verify: {events} events on SQLite");
    let db = TestDatabase::sqlite().await.unwrap();
    let (key, _) = LogKey::generate("bench.example/audit").unwrap();
    let loaded = load(&db, &key, events).await;
    let (verify, verification) = verify_seconds(&db, &key.verifier_key()).await;
    assert!(
        verification.problems.is_empty(),
        "{:?}",
        verification.problems
    );
    let (sha256sum, megabytes) = sha256sum_seconds(&db).await;
    println!(
        "loaded in {loaded:.1} s ({} checkpoints)",
        verification.checkpoints
    );
    println!(
        "writ audit verify: {verify:.2} s for {} events ({megabytes:.0} MB of entries)",
        verification.events
    );
    println!("sha256sum over the same bytes: {sha256sum:.2} s");
    println!("ratio (verify / sha256sum): {:.1}", verify / sha256sum);
    db.remove().await.unwrap();
}

fn event(n: usize, case: CaseId) -> AuditEntry {
    let at = Timestamp::from_unix_micros(1_772_442_000_000_000 + n as i64 * 1_000).unwrap();
    AuditEntry::new(at, Actor::Staff("rita.reviewer".into()), "case.approve")
        .for_case(case)
        .with_details(serde_json::json!({"from": "in_review", "to": "approved", "details": {"reason": "warrant checked against 18 U.S.C. 2703"}}))
}

/// Runs `write` `WRITES` times and returns how many it did per second.
#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
async fn per_second<F: std::future::Future<Output = ()>>(mut write: impl FnMut(usize) -> F) -> f64 {
    let started = Instant::now();
    for n in 0..WRITES {
        write(n).await;
    }
    WRITES as f64 / started.elapsed().as_secs_f64()
}

async fn open_cases(db: &TestDatabase) -> f64 {
    let demand = Demand::from_json(DOCUMENT).unwrap();
    let now = Timestamp::parse("2026-03-02T09:00:00Z").unwrap();
    let rules = writ_core::policy::Rules::embedded().unwrap();
    let decision = writ_core::policy::evaluate(&demand, &rules, None, now);
    per_second(|_| async {
        let case = NewCase {
            id: CaseId::random(),
            demand: &demand,
            document: DOCUMENT,
            received_at: now,
            deadline: None,
            decision: Some(&decision),
            agency_id: None,
            documents: &[],
        };
        db.store
            .open_case(&case, &Actor::System, now)
            .await
            .unwrap();
    })
    .await
}

async fn append_events(db: &TestDatabase) -> f64 {
    let case = CaseId::random();
    per_second(|n| async move {
        db.store.record(&event(n, case)).await.unwrap();
    })
    .await
}

async fn one_row_transactions(db: &TestDatabase) -> f64 {
    db.execute_raw("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    per_second(|i| async move {
        let sql = format!("INSERT INTO bench_floor (id, body) VALUES ({i}, 'x')");
        db.execute_raw(&sql).await.unwrap();
    })
    .await
}

/// Appends `events` events in transactions of 10,000, signing a checkpoint after each
/// 100,000. Returns the seconds it took.
#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
async fn load(db: &TestDatabase, key: &LogKey, events: usize) -> f64 {
    let started = Instant::now();
    let case = CaseId::random();
    let now = Timestamp::parse("2026-03-02T09:00:00Z").unwrap();
    let mut n = 0;
    while n < events {
        let batch: Vec<_> = (n..(n + 10_000).min(events))
            .map(|i| event(i, case))
            .collect();
        db.store.record_all(&batch).await.unwrap();
        n += batch.len();
        if n % 100_000 == 0 || n == events {
            let (size, root) = db.store.tree_head().await.unwrap();
            db.store
                .save_checkpoint(&key.sign_checkpoint(size, root).unwrap(), now)
                .await
                .unwrap();
        }
    }
    started.elapsed().as_secs_f64()
}

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
async fn verify_seconds(db: &TestDatabase, key: &str) -> (f64, writ_store::Verification) {
    let started = Instant::now();
    let verification = db.store.verify_audit_log(key).await.unwrap();
    (started.elapsed().as_secs_f64(), verification)
}

/// Writes every entry to one file and times `sha256sum` on it.
#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
async fn sha256sum_seconds(db: &TestDatabase) -> (f64, f64) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let mut bytes = 0usize;
    let mut from = 0;
    loop {
        let batch = db.store.audit_events(from, 50_000).await.unwrap();
        let Some(last) = batch.last() else { break };
        from = last.index + 1;
        for event in &batch {
            file.write_all(&event.entry).unwrap();
            bytes += event.entry.len();
        }
    }
    file.flush().unwrap();
    let started = Instant::now();
    let status = std::process::Command::new("sha256sum")
        .arg(file.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    (started.elapsed().as_secs_f64(), bytes as f64 / 1e6)
}
