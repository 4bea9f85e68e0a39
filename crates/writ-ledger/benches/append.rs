//! How fast `MemoryLog::append` takes events (~250-byte canonical events, 1,000,000 of
//! them), against the floor measured in the same run: one plain SHA-256 over the same
//! bytes. The difference is the tree: a leaf prefix byte, about one node hash per leaf,
//! and the bookkeeping. `cargo bench -p writ-ledger --bench append`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // a bench prints, and stops loudly

use std::hint::black_box;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use writ_ledger::MemoryLog;

const EVENTS: u64 = 1_000_000;
const EVENT_BYTES: usize = 250;
const RUNS: usize = 3;

fn main() {
    println!("{EVENTS} events of {EVENT_BYTES} bytes, best of {RUNS} runs each");
    let mut best_log = Duration::MAX;
    let mut best_floor = Duration::MAX;
    for _ in 0..RUNS {
        best_log = best_log.min(timed(append_all));
        best_floor = best_floor.min(timed(hash_all));
    }
    let per_second = |d: Duration| EVENTS as f64 / d.as_secs_f64();
    let (log, floor) = (per_second(best_log), per_second(best_floor));
    println!("{:<34} {:>14} {:>10}", "", "events/s", "ns/event");
    for (name, rate) in [
        ("writ: MemoryLog::append", log),
        ("floor: SHA-256 of the event", floor),
    ] {
        println!("{name:<34} {rate:>14.0} {:>10.0}", 1e9 / rate);
    }
    println!("ratio (floor / writ): {:.2}", floor / log);
}

#[allow(clippy::disallowed_methods)] // a bench measures wall time
fn timed(work: fn()) -> Duration {
    let start = Instant::now();
    work();
    start.elapsed()
}

/// Event `i`: a JSON-ish template with the sequence number stamped in, so both loops do
/// the same (negligible) preparation and hash the same bytes.
fn stamp(event: &mut [u8; EVENT_BYTES], i: u64) {
    event[8..16].copy_from_slice(&i.to_be_bytes());
}

fn template() -> [u8; EVENT_BYTES] {
    let mut event = [b' '; EVENT_BYTES];
    let text = br#"{"seq":________,"case":"0190c0de-7a11-7000-8000-00000000beef","actor":"officer@agency.example","kind":"demand.received","at":"2026-11-28T12:00:00Z","detail":{"demand_id":"d-000001","scope":"account","period":"2026-01-01/2026-06-30"}}"#;
    event[..text.len()].copy_from_slice(text);
    event
}

fn append_all() {
    let mut log = MemoryLog::new();
    let mut event = template();
    for i in 0..EVENTS {
        stamp(&mut event, i);
        black_box(log.append(&event).unwrap());
    }
    assert_eq!(log.size(), EVENTS);
    black_box(log.root().unwrap());
}

fn hash_all() {
    let mut event = template();
    for i in 0..EVENTS {
        stamp(&mut event, i);
        black_box(Sha256::digest(event));
    }
}
