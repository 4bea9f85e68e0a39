use std::sync::Arc;

use serde_json::Value;
use writ_app::checkpoint::Checkpointer;
use writ_core::{Actor, AuditEntry, Clock, ManualClock, Timestamp};
use writ_ledger::{Hash, LogKey, verify_checkpoint, verify_consistency, verify_inclusion};

use crate::helpers::{TestApp, spawn_app};

fn checkpointer(app: &TestApp, clock: Arc<ManualClock>) -> (Checkpointer, String) {
    let (key, _) = LogKey::generate("writ.test/audit").unwrap();
    let verifier = key.verifier_key();
    let checkpointer = Checkpointer {
        store: app.db.store.clone(),
        key: Arc::new(key),
        clock,
        every_events: 5,
        every: time::Duration::seconds(10),
    };
    (checkpointer, verifier)
}

async fn record(app: &TestApp, clock: &ManualClock, count: usize) {
    for _ in 0..count {
        let entry = AuditEntry::new(clock.now(), Actor::System, "test.event");
        app.db.store.record(&entry).await.unwrap();
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
    ))
}

/// A proof's hashes, as the API lists them.
pub(crate) fn hashes(value: &Value) -> Vec<Hash> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn checkpoints_are_signed_every_n_events_or_every_t_seconds() {
    let app = spawn_app().await;
    let clock = clock();
    let (checkpointer, _) = checkpointer(&app, clock.clone());
    // The size of the checkpoint signed now, if one is due.
    let signed = async || {
        let checkpoint = checkpointer.checkpoint_if_due().await.unwrap();
        checkpoint.map(|c| c.size)
    };
    assert_eq!(signed().await, None, "nothing to sign");

    record(&app, &clock, 1).await;
    assert_eq!(signed().await, Some(1), "the first event is signed");

    record(&app, &clock, 4).await;
    assert_eq!(signed().await, None, "4 events, 0 s");
    record(&app, &clock, 1).await;
    assert_eq!(signed().await, Some(6), "5 events");

    record(&app, &clock, 1).await;
    clock.advance(time::Duration::seconds(9));
    assert_eq!(signed().await, None, "1 event, 9 s");
    clock.advance(time::Duration::seconds(1));
    assert_eq!(signed().await, Some(7), "10 s");

    clock.advance(time::Duration::hours(1));
    assert_eq!(signed().await, None, "nothing new");
}

#[tokio::test]
async fn the_latest_checkpoint_is_public_and_verifies() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/audit/checkpoint").await.status(), 404);
    let clock = clock();
    let (checkpointer, verifier) = checkpointer(&app, clock.clone());
    record(&app, &clock, 3).await;
    checkpointer.checkpoint().await.unwrap();

    let response = app.get("/api/v1/audit/checkpoint").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let note = response.bytes().await.unwrap();
    let checkpoint = verify_checkpoint(&note, &verifier).unwrap();
    assert_eq!(checkpoint.size, 3);
    assert_eq!(checkpoint.root, app.db.store.tree_head().await.unwrap().1);
    assert!(note.starts_with(b"writ.test/audit\n3\n"));
}

#[tokio::test]
async fn inclusion_proofs_hold_every_event_to_the_checkpoint() {
    let app = spawn_app().await;
    let clock = clock();
    let (checkpointer, verifier) = checkpointer(&app, clock.clone());
    record(&app, &clock, 13).await;
    let note = checkpointer.checkpoint().await.unwrap().unwrap().note;
    let checkpoint = verify_checkpoint(&note, &verifier).unwrap();

    for event in app.db.store.audit_events(0, 100).await.unwrap() {
        let path = format!(
            "/api/v1/audit/proof/inclusion?index={}&size=13",
            event.index
        );
        let body: Value = app.get(&path).await.json().await.unwrap();
        assert_eq!(body["root"], checkpoint.root.to_string());
        let leaf = writ_ledger::leaf_hash(&event.entry);
        verify_inclusion(
            &hashes(&body["proof"]),
            event.index,
            13,
            checkpoint.root,
            leaf,
        )
        .unwrap();
    }
}

#[tokio::test]
async fn consistency_proofs_hold_later_checkpoints_to_earlier_ones() {
    let app = spawn_app().await;
    let clock = clock();
    let (checkpointer, verifier) = checkpointer(&app, clock.clone());
    record(&app, &clock, 4).await;
    let old = verify_checkpoint(
        &checkpointer.checkpoint().await.unwrap().unwrap().note,
        &verifier,
    )
    .unwrap();
    record(&app, &clock, 7).await;
    let new = verify_checkpoint(
        &checkpointer.checkpoint().await.unwrap().unwrap().note,
        &verifier,
    )
    .unwrap();

    let body: Value = app
        .get("/api/v1/audit/proof/consistency?from=4&to=11")
        .await
        .json()
        .await
        .unwrap();
    verify_consistency(&hashes(&body["proof"]), 4, old.root, 11, new.root).unwrap();
}

#[tokio::test]
async fn bad_proof_requests_say_what_is_wrong() {
    let app = spawn_app().await;
    let clock = clock();
    record(&app, &clock, 3).await;
    for (path, says) in [
        ("/api/v1/audit/proof/inclusion?index=3&size=3", "index 3"),
        (
            "/api/v1/audit/proof/inclusion?index=0&size=9",
            "beyond the log",
        ),
        ("/api/v1/audit/proof/inclusion?size=3", "index"),
        ("/api/v1/audit/proof/inclusion?index=-1&size=3", "index"),
        ("/api/v1/audit/proof/consistency?from=0&to=2", "from"),
        ("/api/v1/audit/proof/consistency?from=3&to=2", "from"),
        (
            "/api/v1/audit/proof/consistency?from=1&to=4",
            "beyond the log",
        ),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{path}: {body}"
        );
    }
}
