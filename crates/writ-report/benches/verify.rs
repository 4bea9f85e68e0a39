//! Verifying a published half-year from its records (issue 20), against `sha256sum`
//! over the same records file in the same run (target: within 5×).
//!
//! For 100,000 and 1,000,000 generated cases:
//! 1. build the report tree and the report (timed: the publishing side's cost), write
//!    `records.jsonl` to a temporary file and render the report's JSON;
//! 2. three interleaved rounds of `sha256sum FILE` and `verify_records` reading the
//!    same file (every figure and the root recomputed); the best of each is kept;
//! 3. print a Markdown row for bench/RESULTS.md.
//!
//! `cargo bench -p writ-report --bench verify` (`WRIT_BENCH_VERIFY_CASES=10000,50000`
//! changes the sizes).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // a bench prints, and stops loudly

mod support;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use writ_report::{
    CaseSecret, CaseSummary, HalfYear, PublishedReport, Report, ReportTree, Section, render_json,
    verify_records,
};

use support::{Lcg, countries, section_and_outcome, settings, summary, timed};

const COUNTRIES: [&str; 20] = [
    "AR", "AU", "BR", "CA", "DE", "ES", "FR", "GB", "IE", "IN", "IT", "JP", "KR", "MX", "NL", "PL",
    "SE", "TR", "TW", "US",
];

/// `count` cases of the half-year (one in fifty national-security, which have no
/// record), each with a distinct secret.
fn generate(count: usize, period: HalfYear) -> Vec<(CaseSummary, CaseSecret)> {
    let countries = countries(&COUNTRIES);
    let start = period.start().unix_micros();
    let span = (period.end().unix_micros() - start) as u64;
    let mut rng = Lcg(20);
    (0..count)
        .map(|i| {
            let (section, outcome) = section_and_outcome(&mut rng);
            let instrument = match (section, rng.next(3)) {
                (Section::NationalSecurity, _) => "us.nsl",
                (_, 0) => "us.search_warrant",
                (_, 1) => "us.subpoena",
                _ => "foreign.legal_process",
            };
            let received = start + rng.next(span) as i64;
            let mut case = summary(
                i,
                received,
                (section, outcome),
                instrument,
                &countries,
                &mut rng,
            );
            case.customer_notified = rng.next(200) == 0;
            case.red_line = rng.next(1000) == 0;
            let mut secret = [0; 32];
            secret[..8].copy_from_slice(&(i as u64).to_le_bytes());
            secret[8..16].copy_from_slice(&rng.0.to_le_bytes());
            (case, CaseSecret::from_bytes(secret))
        })
        .collect()
}

fn sha256sum(path: &Path) -> Duration {
    let (output, took) = timed(|| Command::new("sha256sum").arg(path).output().unwrap());
    assert!(output.status.success(), "sha256sum failed");
    took
}

struct Row {
    cases: usize,
    records: u64,
    megabytes: f64,
    publish: Duration,
    sha256sum: Duration,
    verify: Duration,
}

fn run(count: usize, period: HalfYear) -> Row {
    let cases = generate(count, period);
    let ((tree, json), publish) = timed(|| {
        let tree = ReportTree::of_cases(period, cases.iter().map(|(s, k)| (s, k))).unwrap();
        let summaries: Vec<CaseSummary> = cases.iter().map(|(s, _)| s.clone()).collect();
        let (options, anchor) = settings();
        let mut report = Report::build(&summaries, period, anchor, &options).unwrap();
        report.records = Some(tree.head());
        (tree, render_json(&report))
    });
    drop(cases);

    let path = std::env::temp_dir().join(format!(
        "writ-verify-bench-{}-{count}.jsonl",
        std::process::id()
    ));
    let mut out = BufWriter::new(File::create(&path).unwrap());
    tree.write_jsonl(&mut out).unwrap();
    out.flush().unwrap();
    drop(out);
    let head = tree.head();
    drop(tree);
    let megabytes = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    let published = PublishedReport::from_json(&json).unwrap();

    let (mut best_sha, mut best_verify) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        best_sha = best_sha.min(sha256sum(&path));
        let (verified, took) = timed(|| {
            let file = BufReader::with_capacity(1 << 20, File::open(&path).unwrap());
            verify_records(file, &published).unwrap()
        });
        assert_eq!(verified.head, head);
        best_verify = best_verify.min(took);
    }
    std::fs::remove_file(&path).unwrap();
    Row {
        cases: count,
        records: head.size,
        megabytes,
        publish,
        sha256sum: best_sha,
        verify: best_verify,
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("WRIT_BENCH_VERIFY_CASES")
        .ok()
        .map(|v| v.split(',').map(|n| n.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    let period = HalfYear::parse("2026-H1").unwrap();
    println!(
        "| cases | records | records.jsonl | publish (tree + report) | sha256sum | verify_records | ratio | target |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for count in sizes {
        let row = run(count, period);
        let ratio = row.verify.as_secs_f64() / row.sha256sum.as_secs_f64();
        println!(
            "| {} | {} | {:.0} MB | {:.2} s | {:.3} s | {:.3} s | {:.1}× | within 5×: {} |",
            row.cases,
            row.records,
            row.megabytes,
            row.publish.as_secs_f64(),
            row.sha256sum.as_secs_f64(),
            row.verify.as_secs_f64(),
            ratio,
            if ratio <= 5.0 { "met" } else { "MISSED" },
        );
    }
}
