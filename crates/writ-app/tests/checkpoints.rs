//! Two nodes' checkpointers on one database (each its own connection pool, the same
//! audit key), racing: one checkpoint per size is stored, the one that node reports,
//! and no two different checkpoints of a size exist. On SQLite and on PostgreSQL
//! (ignored, saying so, without `WRIT_TEST_DATABASE_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::collections::BTreeMap;
use std::sync::Arc;

use writ_app::checkpoint::Checkpointer;
use writ_core::{Actor, AuditEntry, Clock, ManualClock, Timestamp};
use writ_ledger::LogKey;
use writ_store::Store;
use writ_store::testing::TestDatabase;

#[tokio::test]
async fn sqlite() {
    two_nodes_never_store_two_checkpoints_of_one_size(TestDatabase::sqlite().await.unwrap()).await;
}

#[tokio::test]
#[cfg_attr(
    not(writ_postgres),
    ignore = "PostgreSQL: set WRIT_TEST_DATABASE_URL to run (scripts/test does)"
)]
async fn postgres() {
    let db = TestDatabase::postgres().await.unwrap();
    two_nodes_never_store_two_checkpoints_of_one_size(
        db.expect("WRIT_TEST_DATABASE_URL names a PostgreSQL server"),
    )
    .await;
}

async fn two_nodes_never_store_two_checkpoints_of_one_size(db: TestDatabase) {
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
    ));
    let (key, _) = LogKey::generate("test.example/audit").unwrap();
    let key = Arc::new(key);
    let node = |store: Store| Checkpointer {
        store,
        key: key.clone(),
        clock: clock.clone(),
        every_events: 1,
        every: time::Duration::seconds(1),
    };
    let a = node(db.store.clone());
    let b = node(Store::open(db.location()).await.unwrap());

    let mut reported = BTreeMap::new();
    for round in 0..20 {
        for _ in 0..=round % 3 {
            let event = AuditEntry::new(clock.now(), Actor::System, "test.event");
            db.store.record(&event).await.unwrap();
        }
        let (from_a, from_b) = tokio::join!(a.checkpoint(), b.checkpoint());
        let signed: Vec<_> = [from_a.unwrap(), from_b.unwrap()]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(
            signed.len(),
            1,
            "round {round}: one node reports the checkpoint"
        );
        let checkpoint = signed.into_iter().next().unwrap();
        assert!(reported.insert(checkpoint.size, checkpoint.note).is_none());
        // Both nodes would have signed the same bytes: one key, one tree.
        let (size, root) = db.store.tree_head().await.unwrap();
        assert_eq!(
            key.sign_checkpoint(size, root).unwrap().note,
            reported[&size],
            "round {round}"
        );
    }
    let stored: BTreeMap<_, _> = db
        .store
        .checkpoints()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.size, c.note))
        .collect();
    assert_eq!(
        stored, reported,
        "what the nodes reported is what is stored"
    );
    let verification = db
        .store
        .verify_audit_log(&key.verifier_key())
        .await
        .unwrap();
    assert_eq!(verification.problems, Vec::<String>::new());
    b.store.close().await;
    db.remove().await.unwrap();
}
