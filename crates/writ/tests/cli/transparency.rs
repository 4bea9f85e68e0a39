//! The verifiable report end to end: a demo history's half-year published with `writ
//! report publish`, then checked from the public endpoints alone by `writ report
//! verify`, `writ report prove` and `writ audit watch`; and, served by a stand-in that
//! changes one thing at a time, each tampering caught and named.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use writ_report::{CaseSecret, HalfYear, PublicRecord, Receipt};
use writ_store::{DatabaseLocation, Store};

use crate::helpers::{Server, assert_exit, run, stderr, writ};

const PERIOD: &str = "2026-H1";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn verify(url: &str, key: &str) -> Output {
    run(writ().args([
        "report", "verify", "--url", url, "--period", PERIOD, "--key", key,
    ]))
}

fn get(base: &str, path: &str) -> String {
    let response = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    assert!(response.status().is_success(), "{path}");
    response.text().unwrap()
}

/// Serves `pages` (path and query → body) on a free port; anything else is a 404.
fn stand_in(pages: BTreeMap<String, String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = request.split(' ').nth(1).unwrap_or_default();
            let (status, body) = match pages.get(path) {
                Some(body) => ("200 OK", body.as_str()),
                None => ("404 Not Found", ""),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    address
}

/// A case of the period that has a public record, and its secret.
fn a_counted_case(data: &Path) -> (CaseSecret, CaseSecret) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = Store::open(&DatabaseLocation::in_data_dir(data))
            .await
            .unwrap();
        let period = HalfYear::parse(PERIOD).unwrap();
        let mut inside = None;
        let mut outside = None;
        store
            .export_summaries(|s| {
                if !PublicRecord::published(s.section) {
                } else if period.contains(s.received_at) {
                    inside.get_or_insert(s.id);
                } else {
                    outside.get_or_insert(s.id);
                }
                Ok::<_, ()>(())
            })
            .await
            .unwrap()
            .unwrap();
        let secret = |id| {
            let store = &store;
            async move { store.case_secret(id).await.unwrap().unwrap() }
        };
        let pair = (
            secret(inside.unwrap()).await,
            secret(outside.unwrap()).await,
        );
        store.close().await;
        pair
    })
}

#[test]
fn a_published_half_year_is_verified_proved_and_watched_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (data, credentials) = (dir.path().join("demo"), dir.path().join("credentials.json"));
    let (server, _) = Server::start_demo(&data, &credentials, |command| {
        command
            .args(["--history", "600"])
            .env("WRIT_AUDIT__CHECKPOINT_EVERY_SECONDS", "1");
    });
    let base = server.address.clone();
    let key = stdout(&run(writ().args(["audit", "key", "--data"]).arg(&data)));
    let key = key.trim();

    // Unpublished: nothing to verify yet.
    let early = verify(&base, key);
    assert_exit(&early, 1, "provisional");

    let published = run(writ()
        .args(["report", "publish", "--period", PERIOD, "--data"])
        .arg(&data));
    assert!(published.status.success(), "{}", stderr(&published));
    assert!(stdout(&published).starts_with("published 2026-H1 version 1: "));
    let again = run(writ()
        .args(["report", "publish", "--period", PERIOD, "--data"])
        .arg(&data));
    assert_eq!(again.status.code(), Some(2), "a correction says why");
    assert!(stderr(&again).contains("--reason"), "{}", stderr(&again));

    // Verified once a signed checkpoint holds the report.published event.
    let mut verified = verify(&base, key);
    for _ in 0..100 {
        if verified.status.success() || !stderr(&verified).contains("not in the latest signed") {
            break;
        }
        #[allow(clippy::disallowed_methods)] // waits for the next checkpoint
        std::thread::sleep(Duration::from_millis(200));
        verified = verify(&base, key);
    }
    assert!(verified.status.success(), "{}", stderr(&verified));
    let said = stdout(&verified);
    assert!(said.starts_with("ok: 2026-H1 version 1: "), "{said}");
    assert!(said.contains("report.published event"), "{said}");

    // A receipt proves its case; one for a case of another half-year is refused.
    let (inside, outside) = a_counted_case(&data);
    let period = HalfYear::parse(PERIOD).unwrap();
    let prove = |secret: CaseSecret| {
        let receipt = Receipt::new(period, secret).to_string();
        run(writ().args([
            "report",
            "prove",
            "--url",
            &base,
            "--receipt",
            &receipt,
            "--key",
            key,
        ]))
    };
    let proved = prove(inside);
    assert!(proved.status.success(), "{}", stderr(&proved));
    assert!(stdout(&proved).starts_with("ok: this case is counted in 2026-H1 version 1"));
    let refused = prove(outside);
    assert_exit(&refused, 1, "not counted");

    // The monitor pins, then follows the log; a fork or a rollback is loud.
    let state = dir.path().join("watch.json");
    let watch = |key: Option<&str>| {
        let mut command = writ();
        command
            .args(["audit", "watch", "--url", &base, "--state"])
            .arg(&state);
        if let Some(key) = key {
            command.args(["--key", key]);
        }
        run(&mut command)
    };
    assert_eq!(
        watch(None).status.code(),
        Some(2),
        "the key, the first time"
    );
    let first = watch(Some(key));
    assert!(first.status.success(), "{}", stderr(&first));
    let second = watch(None);
    assert!(second.status.success(), "{}", stderr(&second));
    let pinned: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let mut forked = pinned.clone();
    forked["root"] = Value::from(writ_ledger::EMPTY_TREE_HASH.to_string());
    std::fs::write(&state, forked.to_string()).unwrap();
    let fork = watch(None);
    assert_exit(&fork, 1, "ALERT: FORK");
    let mut ahead = pinned.clone();
    ahead["size"] = Value::from(pinned["size"].as_u64().unwrap() + 1_000_000);
    std::fs::write(&state, ahead.to_string()).unwrap();
    let rollback = watch(None);
    assert_exit(&rollback, 1, "ALERT: ROLLBACK");

    // What the verifier fetches, captured, then served with one thing changed at a time.
    let report_path = format!("/transparency/report.json?period={PERIOD}");
    let records_path = format!("/transparency/{PERIOD}/records.jsonl?version=1");
    let checkpoint_path = "/api/v1/audit/checkpoint".to_owned();
    let report = get(&base, &report_path);
    let records = get(&base, &records_path);
    let checkpoint = get(&base, &checkpoint_path);
    let size: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
    let json: Value = serde_json::from_str(&report).unwrap();
    let event = &json["publications"][0]["event"];
    let inclusion_path = format!(
        "/api/v1/audit/proof/inclusion?index={}&size={size}",
        event["index"]
    );
    let inclusion = get(&base, &inclusion_path);
    drop(server);
    let pages = |report: &str, records: &str, checkpoint: &str| {
        stand_in(BTreeMap::from([
            (report_path.clone(), report.to_owned()),
            (records_path.clone(), records.to_owned()),
            (checkpoint_path.clone(), checkpoint.to_owned()),
            (inclusion_path.clone(), inclusion.clone()),
        ]))
    };
    let untouched = verify(&pages(&report, &records, &checkpoint), key);
    assert!(untouched.status.success(), "{}", stderr(&untouched));
    let caught = |url: String, names: &str| {
        let output = verify(&url, key);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{names}: {}",
            stdout(&output)
        );
        assert!(
            stderr(&output).contains(names),
            "{names}: {}",
            stderr(&output)
        );
    };

    // A record changed, dropped or added.
    let lines: Vec<&str> = records.lines().collect();
    let changed = records.replacen(r#""accounts":1,"#, r#""accounts":7,"#, 1);
    caught(pages(&report, &changed, &checkpoint), "figure ");
    let dropped: String = lines[1..].iter().map(|l| format!("{l}\n")).collect();
    caught(pages(&report, &dropped, &checkpoint), "figure ");
    let hex = lines[0].find(r#""commitment":""#).unwrap() + 14;
    let extra = format!("{}00000000{}", &lines[0][..hex], &lines[0][hex + 8..]);
    let added = format!("{extra}\n{records}");
    caught(pages(&report, &added, &checkpoint), "figure ");
    // A figure changed in the published report.
    let mut figure = json.clone();
    figure["case_summaries"] = Value::from(figure["case_summaries"].as_u64().unwrap() + 1);
    caught(
        pages(&figure.to_string(), &records, &checkpoint),
        "figure case_summaries",
    );
    // A report served from another root.
    let mut rooted = json.clone();
    rooted["records"]["root"] = Value::from(writ_ledger::EMPTY_TREE_HASH.to_string());
    caught(
        pages(&rooted.to_string(), &records, &checkpoint),
        "root: the report says",
    );
    // A report.published event missing from the log (another entry in its place).
    let mut missing = json.clone();
    let entry = event["entry"]
        .as_str()
        .unwrap()
        .replace("\"at\":\"", "\"at\":\"1");
    missing["publications"][0]["event"]["entry"] = Value::from(entry);
    caught(
        pages(&missing.to_string(), &records, &checkpoint),
        "not in the log",
    );
    // A checkpoint from another key, named like the log's.
    let origin = key.split('+').next().unwrap();
    let (other, _) = writ_ledger::LogKey::generate(origin).unwrap();
    let root = checkpoint.lines().nth(2).unwrap().parse().unwrap();
    let forged = String::from_utf8(other.sign_checkpoint(size, root).unwrap().note).unwrap();
    caught(
        pages(&report, &records, &forged),
        "not signed by the key given",
    );
}
