//! Report time for 1,000,000 case summaries (target: under 2 s), against the same
//! aggregation done by SQLite's `GROUP BY` on the same data, in the same run.
//!
//! 1. generate the summaries (not timed) and their JSON lines;
//! 2. time reading the JSON lines, `Report::build` and the Microsoft-style CSV;
//! 3. load the same summaries into an in-memory SQLite table (load timed, for
//!    information) and time the criminal per-country `GROUP BY` over the period;
//! 4. check both give the same numbers, print the times and the ratio.
//!
//! `cargo bench -p writ-report --bench report` (WRIT_BENCH_SUMMARIES changes the
//! million).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // a bench prints, and stops loudly

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sqlx::{Connection, QueryBuilder, Row, Sqlite, SqliteConnection};
use writ_report::{
    CaseSummary, HalfYear, Outcome, Report, Section, Style, read_json_lines, render_csv,
};

use support::{Lcg, countries, section_and_outcome, settings, summary, timed};

const COUNTRIES: [&str; 60] = [
    "AR", "AU", "AT", "BE", "BR", "BG", "CA", "CL", "CN", "CO", "CR", "CZ", "DK", "DO", "EC", "SV",
    "EE", "FI", "FR", "PF", "DE", "GR", "HK", "HU", "IS", "IN", "IE", "IL", "IT", "JP", "KR", "LV",
    "LT", "LU", "MT", "MX", "MD", "MC", "NL", "NZ", "NO", "PA", "PE", "PL", "PT", "QA", "RU", "SG",
    "SK", "ES", "SE", "CH", "TW", "TH", "TT", "TR", "UA", "GB", "US", "VE",
];

fn generate(count: usize, period: HalfYear) -> Vec<CaseSummary> {
    let countries = countries(&COUNTRIES);
    let start = period.start().unix_micros();
    let span = period.end().unix_micros() - start;
    let mut rng = Lcg(7);
    (0..count)
        .map(|i| {
            // Nine in ten in the period, the rest in the half-year before.
            let offset = rng.next(span as u64) as i64;
            let received = if rng.next(10) == 0 {
                start - 1 - offset
            } else {
                start + offset
            };
            let (section, outcome) = section_and_outcome(&mut rng);
            let instrument = match section {
                Section::NationalSecurity => "us.nsl",
                _ if outcome == Outcome::Content => "us.search_warrant",
                _ => "foreign.legal_process",
            };
            summary(
                i,
                received,
                (section, outcome),
                instrument,
                &countries,
                &mut rng,
            )
        })
        .collect()
}

fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
async fn timed_async<T>(what: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let value = what.await;
    (value, started.elapsed())
}

type Counts = [i64; 6];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count: usize = std::env::var("WRIT_BENCH_SUMMARIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let period = HalfYear::parse("2026-H1").unwrap();
    let summaries = generate(count, period);
    let lines: String = summaries.iter().map(|s| s.to_json_line() + "\n").collect();
    println!(
        "{count} case summaries ({:.0} MB of JSON lines), report for {period}",
        lines.len() as f64 / 1e6
    );

    let (options, anchor) = settings();

    let (parsed, read) = timed(|| read_json_lines(lines.as_bytes()).unwrap());
    assert_eq!(parsed.len(), count);
    drop(parsed);
    let (report, build) =
        timed(|| Report::build(&summaries, period, anchor.clone(), &options).unwrap());
    let (csv, render) = timed(|| render_csv(&report, Style::Microsoft));
    assert!(csv.starts_with(writ_report::MICROSOFT_COLUMNS));
    let report_time = build + render;

    // SQLite: the same rows in an in-memory table.
    let mut db = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::query(
        "CREATE TABLE summaries (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, \
         authority_country TEXT NOT NULL, instrument TEXT NOT NULL, section TEXT NOT NULL, \
         customer TEXT NOT NULL, accounts INTEGER NOT NULL, outcome TEXT NOT NULL, \
         data_stored_abroad INTEGER NOT NULL)",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let ((), load) = timed_async(async {
        let mut tx = db.begin().await.unwrap();
        // 9 columns × 3,000 rows stays under SQLite's 32,766 bound parameters.
        for chunk in summaries.chunks(3_000) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO summaries (id, received_at, authority_country, instrument, \
                 section, customer, accounts, outcome, data_stored_abroad) ",
            );
            insert.push_values(chunk, |mut row, s| {
                row.push_bind(s.id.to_string())
                    .push_bind(s.received_at.unix_micros())
                    .push_bind(s.authority_country.to_string())
                    .push_bind(s.instrument.clone())
                    .push_bind(name(&s.section))
                    .push_bind(name(&s.customer))
                    .push_bind(s.accounts as i64)
                    .push_bind(name(&s.outcome))
                    .push_bind(s.data_stored_abroad);
            });
            insert.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    })
    .await;

    let (rows, query) = timed_async(
        sqlx::query(
            "SELECT authority_country, count(*), sum(accounts), sum(outcome = 'content'), \
             sum(outcome = 'non_content'), sum(outcome = 'no_data'), sum(outcome = 'rejected') \
             FROM summaries WHERE section = 'criminal' AND received_at >= ? AND received_at < ? \
             GROUP BY authority_country",
        )
        .bind(period.start().unix_micros())
        .bind(period.end().unix_micros())
        .fetch_all(&mut db),
    )
    .await;
    let rows = rows.unwrap();
    let sqlite: BTreeMap<String, Counts> = rows
        .iter()
        .map(|r| {
            let counts: Counts = std::array::from_fn(|i| r.get::<i64, _>(i + 1));
            (r.get::<String, _>(0), counts)
        })
        .collect();
    let ours: BTreeMap<String, Counts> = report
        .criminal
        .iter()
        .map(|(code, r)| {
            let counts = [
                r.requests,
                r.accounts,
                r.content,
                r.non_content,
                r.no_data,
                r.rejected,
            ]
            .map(|v| v as i64);
            (code.to_string(), counts)
        })
        .collect();
    assert_eq!(ours, sqlite, "writ-report and SQLite disagree");

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("writ-report");
    println!("  read JSON lines         {:>9.1} ms", ms(read));
    println!("  Report::build           {:>9.1} ms", ms(build));
    println!("  render CSV (microsoft)  {:>9.1} ms", ms(render));
    println!(
        "  report (build + CSV)    {:>9.1} ms   target < 2000 ms: {}",
        ms(report_time),
        if report_time < Duration::from_secs(2) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  with reading the input  {:>9.1} ms",
        ms(read + report_time)
    );
    println!("SQLite (in memory, sqlx)");
    println!("  load (one transaction)  {:>9.1} ms", ms(load));
    println!("  GROUP BY country        {:>9.1} ms", ms(query));
    println!(
        "ratio Report::build / GROUP BY: {:.2}   (build + CSV) / GROUP BY: {:.2}",
        build.as_secs_f64() / query.as_secs_f64(),
        report_time.as_secs_f64() / query.as_secs_f64()
    );
    println!("same numbers: {} countries checked", ours.len());
}
