//! HI-1 messages parsed and mapped per second, on one thread, against baselines in the
//! same run: quick-xml reading the same bytes into its generic event stream (no tree,
//! no namespaces resolved), and serde_json reading the JSON encoding into a `Value`.
//! The message is the EU production order of the tests (two tasks, a PDF document).
//!
//! `cargo bench -p writ-hi1 --bench parse`

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use quick_xml::Reader;
use quick_xml::events::Event;
use writ_core::demand::Authority;
use writ_core::{CountryCode, Timestamp};
use writ_hi1::{Context, Hi1Config, Message, map_message, tree};

const EPOC: &[u8] = include_bytes!("../tests/fixtures/epoc.xml");

/// How long each measurement runs.
const RUN_FOR: Duration = Duration::from_secs(2);

/// Calls `work` in batches until `RUN_FOR` has passed; returns calls per second.
// Benches measure wall time; the clock ban (clippy.toml) is for library code.
#[allow(clippy::disallowed_methods)]
fn per_second(mut work: impl FnMut()) -> f64 {
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
    let authority = Authority {
        name: "Landeskriminalamt Berlin".to_owned(),
        country: CountryCode::parse("DE").unwrap(),
        contact: None,
    };
    let config = Hi1Config::default();
    let context = Context {
        authority: &authority,
        received_at: Timestamp::parse("2026-09-01T08:00:00Z").unwrap(),
        config: &config,
    };
    let json = tree::to_json(&tree::from_xml(EPOC).unwrap()).to_string();
    assert_eq!(
        map_message(&Message::from_json(json.as_bytes()).unwrap(), &context).unwrap(),
        map_message(&Message::from_xml(EPOC).unwrap(), &context).unwrap(),
        "both encodings map alike"
    );

    let events = per_second(|| {
        let mut reader = Reader::from_reader(black_box(EPOC));
        let mut buffer = Vec::new();
        let mut count = 0usize;
        loop {
            match reader.read_event_into(&mut buffer).unwrap() {
                Event::Eof => break,
                event => {
                    black_box(&event);
                    count += 1;
                }
            }
            buffer.clear();
        }
        black_box(count);
    });
    let tree = per_second(|| {
        black_box(tree::from_xml(black_box(EPOC)).unwrap());
    });
    let parsed = per_second(|| {
        black_box(Message::from_xml(black_box(EPOC)).unwrap());
    });
    let mapped = per_second(|| {
        let message = Message::from_xml(black_box(EPOC)).unwrap();
        black_box(map_message(&message, &context).unwrap());
    });
    let json_value = per_second(|| {
        black_box(serde_json::from_str::<serde_json::Value>(black_box(&json)).unwrap());
    });
    let json_mapped = per_second(|| {
        let message = Message::from_json(black_box(json.as_bytes())).unwrap();
        black_box(map_message(&message, &context).unwrap());
    });

    println!(
        "HI-1 EU production order, {} bytes of XML, {} of JSON",
        EPOC.len(),
        json.len()
    );
    println!("{:<52} {:>12}", "", "messages/s");
    println!(
        "{:<52} {:>12.0}",
        "quick-xml generic event stream (baseline)", events
    );
    println!(
        "{:<52} {:>12.0}",
        "XML into writ's namespace-resolved element tree", tree
    );
    println!("{:<52} {:>12.0}", "XML parsed into a typed Message", parsed);
    println!(
        "{:<52} {:>12.0}",
        "XML parsed and mapped to demands", mapped
    );
    println!(
        "{:<52} {:>12.0}",
        "JSON into a serde_json::Value (baseline)", json_value
    );
    println!(
        "{:<52} {:>12.0}",
        "JSON parsed and mapped to demands", json_mapped
    );
}
