//! Decisions per second for a typical demand (the `docs/policy.md` §1 example,
//! parsed once), on one thread, against a baseline in the same run: parsing the same
//! demand's JSON into a `serde_json::Value`, and into a `Demand`.
//!
//! `cargo bench -p writ-core --bench policy`

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use writ_core::policy::{Rules, evaluate};
use writ_core::{Demand, Timestamp};

const EXAMPLE: &str = include_str!("../tests/demands/policy-example.json");

/// How long each measurement runs.
const RUN_FOR: Duration = Duration::from_secs(2);

/// Calls `work` in batches until `RUN_FOR` has passed; returns calls per second.
// Benches measure wall time; the clock ban (clippy.toml) is for library code.
#[allow(clippy::disallowed_methods)]
fn per_second(mut work: impl FnMut()) -> f64 {
    // Warm up caches and the branch predictor.
    for _ in 0..1_000 {
        work();
    }
    let start = Instant::now();
    let mut calls: u64 = 0;
    while start.elapsed() < RUN_FOR {
        for _ in 0..1_000 {
            work();
        }
        calls += 1_000;
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let rules = Rules::embedded().expect("embedded rules");
    let demand = Demand::from_json(EXAMPLE).expect("the example parses");
    let now = Timestamp::parse("2026-03-02T10:00:00Z").expect("a time");

    let decisions = per_second(|| {
        black_box(evaluate(
            black_box(&demand),
            black_box(&rules),
            None,
            black_box(now),
        ));
    });
    let values = per_second(|| {
        black_box(serde_json::from_str::<serde_json::Value>(black_box(EXAMPLE)).expect("json"));
    });
    let demands = per_second(|| {
        black_box(Demand::from_json(black_box(EXAMPLE)).expect("demand"));
    });

    println!("policy::evaluate (example demand)  {decisions:>12.0} decisions/s");
    println!("baseline serde_json::Value parse   {values:>12.0} parses/s");
    println!("baseline Demand::from_json         {demands:>12.0} parses/s");
    println!(
        "evaluate is {:.2}x a JSON Value parse, {:.2}x a Demand parse",
        decisions / values,
        decisions / demands
    );
}
