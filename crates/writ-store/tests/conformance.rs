//! The storage conformance suite: one set of tests, run on SQLite always and on
//! PostgreSQL when `WRIT_TEST_DATABASE_URL` is set (`scripts/test` sets it). Each test
//! gets a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;
use writ_core::ProductionId;
use writ_core::case::CallbackOutcome;
use writ_core::identifier::PhoneNumber;
use writ_core::policy::{Decision, Rules, evaluate};
use writ_core::review::{RecommendationKind, Scope};
use writ_core::workflow::{RecordedApproval, RecordedRecommendation};
use writ_core::{Actor, AuditEntry, CaseEvent, CaseId, CaseState, Demand, Timestamp};
use writ_core::{AgencyId, CountryCode, Role, UserId, Username};
use writ_report::{
    Anchor, BandOption, CaseSummary, Customer, Half, HalfYear, NsOptions, Outcome, PublicRecord,
    Report, ReportOptions, ReportSpan, ReportTree, Section,
};
use writ_store::testing::TestDatabase;
use writ_store::{
    Agency, Callback, CaseRecord, CaseUpdate, NewCase, NewJob, NewUser, Notice, NoticeRecipient,
    NoticeState, ProductionChange, ProductionItem, ProductionState, SealedFile, SecretsKey, Store,
    StoreError, Transition,
};
use writ_store::{CaseQuery, GagChange, NewHold, PastCase};

macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = writ_store::testing::TestDatabase::sqlite().await.unwrap();
                    super::$test(&db).await;
                    db.remove().await.unwrap();
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    not(writ_postgres),
                    ignore = "PostgreSQL: set WRIT_TEST_DATABASE_URL to run (scripts/test does)"
                )]
                async fn $test() {
                    let db = writ_store::testing::TestDatabase::postgres()
                        .await
                        .unwrap()
                        .expect("WRIT_TEST_DATABASE_URL names a PostgreSQL server");
                    super::$test(&db).await;
                    db.remove().await.unwrap();
                }
            )*
        }
    };
}

conformance!(
    an_idempotency_key_opens_one_case,
    an_hi1_message_is_taken_whole_once_and_its_last_task_withdraws_the_case,
    every_case_has_a_secret_and_a_periods_records_stream_in_commitment_order,
    publishing_freezes_the_records_and_a_correction_keeps_both_versions,
    an_account_awaiting_confirmation_has_no_token_until_a_second_admin_confirms,
    a_disabled_account_has_no_token_and_enabling_it_is_audited,
    an_agency_change_takes_effect_at_confirmation_unless_its_domain_is_taken,
    opening_a_case_stores_it_with_its_audit_event,
    transitions_follow_the_state_machine_and_are_audited,
    an_illegal_transition_writes_nothing,
    concurrent_changes_to_one_case_let_exactly_one_through,
    a_failed_write_leaves_no_trace,
    audit_indices_are_dense_under_concurrent_appends,
    the_audit_log_refuses_updates_and_deletes,
    cases_are_listed_in_deadline_order_and_filtered_by_state,
    times_keep_microseconds,
    a_case_whose_json_does_not_decode_is_corrupt,
    reopening_finds_everything,
    due_jobs_are_claimed_once_each_by_concurrent_workers,
    jobs_wait_for_their_time_and_leases,
    failed_jobs_retry_or_finish_with_their_error,
    the_stored_tree_matches_the_events_and_proves_inclusion_and_consistency,
    checkpoints_are_kept_once_per_size,
    the_tree_and_checkpoints_refuse_updates_and_deletes,
    an_untouched_log_verifies,
    a_changed_byte_in_any_event_is_found_and_named,
    a_deleted_event_is_found_and_named,
    swapped_events_are_found_and_named,
    a_replaced_checkpoint_signature_is_found,
    agencies_and_people_are_kept_with_their_audit_events,
    tokens_sessions_and_totp_steps,
    totp_secrets_are_sealed_at_rest_and_old_plaintext_ones_at_start,
    each_failed_sign_in_sets_the_next_wait_and_the_fifth_is_audited,
    a_case_update_is_one_transaction,
    a_stale_or_illegal_case_update_writes_nothing,
    documents_come_with_their_case,
    a_production_is_collected_once_per_item_sealed_and_released_with_audit_events,
    an_approval_is_kept_with_its_case,
    a_case_is_assigned_and_found_by_its_assignee,
    a_production_step_out_of_order_writes_nothing,
    a_demands_gag_is_registered_extended_and_lifted_with_audit_events,
    a_notice_is_claimed_by_one_worker_sent_once_or_held,
    a_hold_is_extended_once_and_expires_once,
    escalations_are_recorded_once_per_step_and_cases_open_with_their_jobs,
    waiting_jobs_of_a_kind_can_be_made_due_unless_held,
    a_cases_summary_follows_every_change_to_it,
    the_sql_aggregation_equals_the_reports_own_build,
    a_bulk_load_builds_again_the_indexes_it_dropped,
    a_history_prepared_ahead_extends_the_log_and_verifies,
    batches_written_in_one_transaction_are_written_together,
    the_queue_pages_filters_and_searches,
    pages_fetched_while_cases_arrive_show_each_earlier_case_once,
    a_broad_search_pages_like_the_queue_and_a_narrow_one_finds_its_case,
    a_cases_history_pages_through_its_own_events_only,
    an_enforcing_authoritys_answer_is_kept_once_with_its_event,
    a_production_order_following_a_preservation_is_kept_with_its_event,
    a_form3_is_kept_once_with_its_reasons,
);

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

const NOW: &str = "2026-03-02T09:00:00Z";

fn demand_json(reference: &str) -> String {
    json!({
        "reference": reference,
        "authority": {"name": "Seattle Police Department", "country": "US"},
        "instrument": {"type": "us.search_warrant", "issuer": {"role": "judge"}, "issued_at": "2026-03-01T16:00:00Z"},
        "categories": ["subscriber", "content"],
        "period": {"from": "2026-01-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"},
        "targets": [{"type": "email", "value": "alice@example.com"}]
    })
    .to_string()
}

/// The policy engine's decision on `demand`, as a case keeps it.
fn decision_of(demand: &Demand) -> Decision {
    evaluate(demand, &Rules::embedded().unwrap(), None, at(NOW))
}

/// A reviewer's recommendation to approve everything the engine allowed.
fn recommended(reference: &str) -> RecordedRecommendation {
    let demand = Demand::from_json(&demand_json(reference)).unwrap();
    RecordedRecommendation {
        by: UserId::random(),
        by_name: "rita".into(),
        recommendation: RecommendationKind::Approve,
        reason: "within the warrant".into(),
        scope: Scope::allowed_by(&demand, &decision_of(&demand)),
        at: at(NOW),
    }
}

async fn open_case(store: &Store, reference: &str, deadline: Option<&str>) -> CaseRecord {
    let document = demand_json(reference);
    let demand = Demand::from_json(&document).unwrap();
    let decision = decision_of(&demand);
    let case = NewCase {
        id: CaseId::random(),
        demand: &demand,
        document: &document,
        received_at: at(NOW),
        deadline: deadline.map(at),
        decision: Some(&decision),
        agency_id: None,
        documents: &[],
    };
    store
        .open_case(&case, &Actor::Agency("spd".into()), at(NOW))
        .await
        .unwrap()
}

fn step(case: &CaseRecord, event: CaseEvent, actor: &str) -> Transition {
    Transition {
        case_id: case.id,
        event,
        actor: Actor::Staff(actor.into()),
        at: at("2026-03-02T10:00:00Z"),
        details: json!({"reason": "test"}),
    }
}

async fn entries(store: &Store) -> Vec<AuditEntry> {
    let events = store.audit_events(0, 10_000).await.unwrap();
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.index, i as u64, "audit indices are dense from 0");
    }
    events
        .iter()
        .map(|e| AuditEntry::from_canonical_bytes(&e.entry).unwrap())
        .collect()
}

async fn opening_a_case_stores_it_with_its_audit_event(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "SEA-1", Some("2026-03-12T09:00:00Z")).await;
    assert_eq!(case.state, CaseState::Received);
    assert_eq!(case.reference, "SEA-1");
    assert_eq!(case.authority_country.as_str(), "US");
    assert_eq!(case.instrument, "us.search_warrant");
    assert!(!case.emergency);
    assert_eq!(case.deadline, Some(at("2026-03-12T09:00:00Z")));
    let demand = Demand::from_json(&demand_json("SEA-1")).unwrap();
    assert_eq!(case.decision, Some(decision_of(&demand)));
    assert_eq!(case.version, 0);
    assert_eq!(store.case(case.id).await.unwrap(), case);
    assert_eq!(
        store.demand_document(case.id).await.unwrap(),
        demand_json("SEA-1")
    );

    let log = entries(store).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "case.opened");
    assert_eq!(log[0].case_id, Some(case.id));
    assert_eq!(log[0].actor, Actor::Agency("spd".into()));
    assert_eq!(log[0].details["reference"], "SEA-1");

    let missing = store.case(CaseId::random()).await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
}

async fn transitions_follow_the_state_machine_and_are_audited(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "SEA-2", None).await;
    let mut current = case.clone();
    for event in [
        CaseEvent::StartReview,
        CaseEvent::Approve,
        CaseEvent::StartCollection,
    ] {
        let next = store
            .transition(&step(&current, event, "rita"))
            .await
            .unwrap();
        assert_eq!(next.state, current.state.after(event).unwrap());
        assert_eq!(next.version, current.version + 1);
        assert_eq!(next.updated_at, at("2026-03-02T10:00:00Z"));
        current = next;
    }
    assert_eq!(current.state, CaseState::Collecting);
    let log = entries(store).await;
    let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "case.opened",
            "case.start_review",
            "case.approve",
            "case.start_collection"
        ]
    );
    assert_eq!(log[2].details["from"], "in_review");
    assert_eq!(log[2].details["to"], "approved");
    assert_eq!(log[2].details["details"]["reason"], "test");
    assert_eq!(log[2].actor, Actor::Staff("rita".into()));
}

async fn an_illegal_transition_writes_nothing(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "SEA-3", None).await;
    let err = store
        .transition(&step(&case, CaseEvent::Approve, "rita"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::IllegalTransition(_)), "{err}");
    assert_eq!(store.case(case.id).await.unwrap(), case);
    assert_eq!(store.audit_size().await.unwrap(), 1);
}

async fn concurrent_changes_to_one_case_let_exactly_one_through(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "SEA-4", None).await;
    let attempts = (0..8).map(|i| {
        let store = store.clone();
        let change = step(&case, CaseEvent::StartReview, &format!("reviewer{i}"));
        tokio::spawn(async move { store.transition(&change).await })
    });
    let mut succeeded = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(StoreError::Conflict(_) | StoreError::IllegalTransition(_)) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(succeeded, 1);
    assert_eq!(store.case(case.id).await.unwrap().version, 1);
    assert_eq!(store.audit_size().await.unwrap(), 2);
}

async fn a_failed_write_leaves_no_trace(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "SEA-5", None).await;
    let document = demand_json("SEA-5-again");
    let demand = Demand::from_json(&document).unwrap();
    let duplicate = NewCase {
        id: case.id,
        demand: &demand,
        document: &document,
        received_at: at(NOW),
        deadline: None,
        decision: None,
        agency_id: None,
        documents: &[],
    };
    assert!(
        store
            .open_case(&duplicate, &Actor::System, at(NOW))
            .await
            .is_err()
    );
    assert_eq!(
        store.audit_size().await.unwrap(),
        1,
        "the audit event rolled back with the case"
    );
    assert_eq!(store.cases(None).await.unwrap().len(), 1);
    assert_eq!(
        store.demand_document(case.id).await.unwrap(),
        demand_json("SEA-5")
    );
}

async fn audit_indices_are_dense_under_concurrent_appends(db: &TestDatabase) {
    let store = &db.store;
    let writers = (0..8).map(|w| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut indices = Vec::new();
            for i in 0..10 {
                let entry = AuditEntry::new(at(NOW), Actor::System, "test.event")
                    .with_details(json!({"writer": w, "n": i}));
                indices.push(store.record(&entry).await.unwrap());
            }
            indices
        })
    });
    let mut all = BTreeSet::new();
    for writer in writers {
        all.extend(writer.await.unwrap());
    }
    assert_eq!(all, (0..80).collect());
    assert_eq!(store.audit_size().await.unwrap(), 80);
    assert_eq!(entries(store).await.len(), 80);
}

async fn the_audit_log_refuses_updates_and_deletes(db: &TestDatabase) {
    let store = &db.store;
    open_case(store, "SEA-6", None).await;
    let before = store.audit_events(0, 10).await.unwrap();
    for tamper in [
        "UPDATE audit_events SET actor = 'staff:mallory'",
        "DELETE FROM audit_events",
    ] {
        let err = db.execute_raw(tamper).await.unwrap_err();
        assert!(
            format!("{:?}", err).contains("append-only"),
            "{tamper}: {err:?}"
        );
    }
    assert_eq!(store.audit_events(0, 10).await.unwrap(), before);
}

async fn cases_are_listed_in_deadline_order_and_filtered_by_state(db: &TestDatabase) {
    let store = &db.store;
    let late = open_case(store, "LATE", Some("2026-03-20T00:00:00Z")).await;
    let none = open_case(store, "NONE", None).await;
    let soon = open_case(store, "SOON", Some("2026-03-02T17:00:00Z")).await;
    let mid = open_case(store, "MID", Some("2026-03-09T00:00:00Z")).await;
    let order: Vec<_> = store
        .cases(None)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(order, [soon.id, mid.id, late.id, none.id]);

    store
        .transition(&step(&mid, CaseEvent::StartReview, "rita"))
        .await
        .unwrap();
    let in_review = store.cases(Some(CaseState::InReview)).await.unwrap();
    assert_eq!(in_review.iter().map(|c| c.id).collect::<Vec<_>>(), [mid.id]);
    assert_eq!(
        store.cases(Some(CaseState::Received)).await.unwrap().len(),
        3
    );
    assert!(
        store
            .cases(Some(CaseState::Closed))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn times_keep_microseconds(db: &TestDatabase) {
    let store = &db.store;
    let document = demand_json("MICRO");
    let demand = Demand::from_json(&document).unwrap();
    let received = at("2026-03-02T09:00:00.123456Z");
    let case = NewCase {
        id: CaseId::random(),
        demand: &demand,
        document: &document,
        received_at: received,
        deadline: Some(at("1999-12-31T23:59:59.999999Z")),
        decision: None,
        agency_id: None,
        documents: &[],
    };
    let stored = store
        .open_case(&case, &Actor::System, at(NOW))
        .await
        .unwrap();
    assert_eq!(stored.received_at, received);
    assert_eq!(stored.deadline, Some(at("1999-12-31T23:59:59.999999Z")));
    assert_eq!(stored.decision, None);
}

async fn a_case_whose_json_does_not_decode_is_corrupt(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "CORRUPT-1", None).await;
    assert!(case.decision.is_some());
    // Well-formed JSON, but not what writ wrote: refused at the row, not at some later use.
    for (set, column) in [
        (r#"decision = '{"verdict": "accept"}'"#, "cases.decision"),
        (
            r#"decision = NULL, scope = '{"categories": ["content"]}'"#,
            "cases.scope",
        ),
    ] {
        db.execute_raw(&format!("UPDATE cases SET {set} WHERE id = '{}'", case.id))
            .await
            .unwrap();
        let refused = store.case(case.id).await.unwrap_err();
        assert!(
            matches!(&refused, StoreError::Corrupt(what) if what.contains(column)),
            "{column}: {refused:?}"
        );
    }
}

async fn reopening_finds_everything(db: &TestDatabase) {
    let case = open_case(&db.store, "KEEP", None).await;
    let again = Store::open(db.location()).await.unwrap();
    assert_eq!(again.case(case.id).await.unwrap(), case);
    assert_eq!(again.audit_size().await.unwrap(), 1);
    again.close().await;
}

fn job(kind: &str, run_at: &str) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: json!({"kind": kind}),
        run_at: at(run_at),
    }
}

async fn due_jobs_are_claimed_once_each_by_concurrent_workers(db: &TestDatabase) {
    let store = &db.store;
    let mut enqueued = BTreeSet::new();
    for i in 0..40 {
        enqueued.insert(
            store
                .enqueue(&job(&format!("job{i}"), NOW), at(NOW))
                .await
                .unwrap(),
        );
    }
    let done = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let workers = (0..4).map(|w| {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let name = format!("worker{w}");
            let lease = time::Duration::minutes(5);
            while let Some(job) = store.claim_job(&name, at(NOW), lease).await.unwrap() {
                assert_eq!(job.attempts, 1);
                assert_eq!(job.payload["kind"], job.kind);
                assert!(store.finish_job(job.id, &name, at(NOW)).await.unwrap());
                done.lock().await.push(job.id);
            }
        })
    });
    for worker in workers {
        worker.await.unwrap();
    }
    let done = done.lock().await;
    assert_eq!(done.len(), 40, "every job ran exactly once");
    assert_eq!(done.iter().copied().collect::<BTreeSet<_>>(), enqueued);
}

async fn jobs_wait_for_their_time_and_leases(db: &TestDatabase) {
    let store = &db.store;
    let lease = time::Duration::minutes(5);
    store
        .enqueue(&job("later", "2026-03-02T12:00:00Z"), at(NOW))
        .await
        .unwrap();
    assert_eq!(
        store.claim_job("w1", at(NOW), lease).await.unwrap(),
        None,
        "not due yet"
    );

    let due = at("2026-03-02T12:00:00Z");
    let claimed = store.claim_job("w1", due, lease).await.unwrap().unwrap();
    assert_eq!(claimed.kind, "later");
    assert_eq!(
        store.claim_job("w2", due, lease).await.unwrap(),
        None,
        "leased to w1"
    );

    // w1 goes silent; once its lease has run out, w2 may take the job over.
    let after_lease = at("2026-03-02T12:05:00Z");
    let taken = store
        .claim_job("w2", after_lease, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.id, claimed.id);
    assert_eq!(taken.attempts, 2);
    assert!(
        !store
            .finish_job(claimed.id, "w1", after_lease)
            .await
            .unwrap(),
        "w1 lost it"
    );
    assert!(store.finish_job(taken.id, "w2", after_lease).await.unwrap());
    assert_eq!(
        store
            .claim_job("w3", at("2026-04-01T00:00:00Z"), lease)
            .await
            .unwrap(),
        None
    );
}

async fn failed_jobs_retry_or_finish_with_their_error(db: &TestDatabase) {
    let store = &db.store;
    let lease = time::Duration::minutes(5);
    store.enqueue(&job("flaky", NOW), at(NOW)).await.unwrap();
    let first = store
        .claim_job("w1", at(NOW), lease)
        .await
        .unwrap()
        .unwrap();
    let retry_at = at("2026-03-02T09:10:00Z");
    assert!(
        store
            .release_job(first.id, "w1", Some(retry_at), "smtp down", at(NOW))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .claim_job("w1", at("2026-03-02T09:09:59Z"), lease)
            .await
            .unwrap(),
        None
    );
    let second = store
        .claim_job("w1", retry_at, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((second.id, second.attempts), (first.id, 2));
    assert!(
        store
            .release_job(second.id, "w1", None, "gave up", retry_at)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .claim_job("w1", at("2027-01-01T00:00:00Z"), lease)
            .await
            .unwrap(),
        None
    );
}

async fn record_events(store: &Store, count: usize) {
    for i in 0..count {
        let entry =
            AuditEntry::new(at(NOW), Actor::System, "test.event").with_details(json!({"n": i}));
        store.record(&entry).await.unwrap();
    }
}

async fn the_stored_tree_matches_the_events_and_proves_inclusion_and_consistency(
    db: &TestDatabase,
) {
    let store = &db.store;
    record_events(store, 40).await;
    let mut reference = writ_ledger::MemoryLog::new();
    for event in store.audit_events(0, 100).await.unwrap() {
        reference.append(&event.entry).unwrap();
    }
    let (size, root) = store.tree_head().await.unwrap();
    assert_eq!((size, root), (40, reference.tree_hash(40).unwrap()));
    let stored: Vec<_> = store
        .stored_hashes(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    assert_eq!(
        stored,
        reference.stored_hashes(),
        "the same stored hashes as the reference tree"
    );

    for size in 1..=40 {
        let root = store.tree_hash(size).await.unwrap();
        assert_eq!(root, reference.tree_hash(size).unwrap());
        for index in [0, size / 2, size - 1] {
            let proof = store.inclusion_proof(index, size).await.unwrap();
            let leaf = reference.leaf(index).unwrap();
            writ_ledger::verify_inclusion(&proof, index, size, root, leaf).unwrap();
        }
        for from in [1, size / 3, size - 1] {
            if from == 0 {
                continue;
            }
            let proof = store.consistency_proof(from, size).await.unwrap();
            let from_root = reference.tree_hash(from).unwrap();
            writ_ledger::verify_consistency(&proof, from, from_root, size, root).unwrap();
        }
    }
    assert!(matches!(
        store.inclusion_proof(40, 40).await,
        Err(StoreError::OutOfRange(_))
    ));
    assert!(matches!(
        store.tree_hash(41).await,
        Err(StoreError::OutOfRange(_))
    ));
    assert!(matches!(
        store.consistency_proof(0, 10).await,
        Err(StoreError::OutOfRange(_))
    ));
    assert!(matches!(
        store.consistency_proof(10, 41).await,
        Err(StoreError::OutOfRange(_))
    ));
}

async fn checkpoints_are_kept_once_per_size(db: &TestDatabase) {
    let store = &db.store;
    assert_eq!(store.latest_checkpoint().await.unwrap(), None);
    let (key, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    record_events(store, 3).await;
    let (size, root) = store.tree_head().await.unwrap();
    let first = key.sign_checkpoint(size, root).unwrap();
    assert!(store.save_checkpoint(&first, at(NOW)).await.unwrap());
    assert!(
        !store.save_checkpoint(&first, at(NOW)).await.unwrap(),
        "one checkpoint per size"
    );
    record_events(store, 2).await;
    let (size, root) = store.tree_head().await.unwrap();
    let second = key.sign_checkpoint(size, root).unwrap();
    assert!(
        store
            .save_checkpoint(&second, at("2026-03-02T09:00:10Z"))
            .await
            .unwrap()
    );

    let latest = store.latest_checkpoint().await.unwrap().unwrap();
    assert_eq!(
        (latest.size, latest.root, &latest.note),
        (5, root, &second.note)
    );
    assert_eq!(latest.signed_at, at("2026-03-02T09:00:10Z"));
    let all = store.checkpoints().await.unwrap();
    assert_eq!(all.iter().map(|c| c.size).collect::<Vec<_>>(), [3, 5]);
    let verified = writ_ledger::verify_checkpoint(&all[0].note, &key.verifier_key()).unwrap();
    assert_eq!((verified.size, verified.root), (3, all[0].root));
}

async fn the_tree_and_checkpoints_refuse_updates_and_deletes(db: &TestDatabase) {
    let store = &db.store;
    record_events(store, 2).await;
    let (key, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    let (size, root) = store.tree_head().await.unwrap();
    store
        .save_checkpoint(&key.sign_checkpoint(size, root).unwrap(), at(NOW))
        .await
        .unwrap();
    for tamper in [
        "UPDATE audit_hashes SET idx = idx + 100",
        "DELETE FROM audit_hashes",
        "UPDATE audit_checkpoints SET size = 1",
        "DELETE FROM audit_checkpoints",
    ] {
        let err = db.execute_raw(tamper).await.unwrap_err();
        assert!(
            format!("{err:?}").contains("append-only"),
            "{tamper}: {err:?}"
        );
    }
    assert_eq!(store.tree_head().await.unwrap(), (size, root));
}

/// Twelve events, checkpoints at 4, 8 and 12, and a backup of every row to restore from.
async fn signed_log(db: &TestDatabase) -> String {
    let store = &db.store;
    let (key, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    for _ in 0..3 {
        record_events(store, 4).await;
        let (size, root) = store.tree_head().await.unwrap();
        store
            .save_checkpoint(&key.sign_checkpoint(size, root).unwrap(), at(NOW))
            .await
            .unwrap();
    }
    db.execute_raw(
        "CREATE TABLE events_backup AS SELECT * FROM audit_events; \
         CREATE TABLE checkpoints_backup AS SELECT * FROM audit_checkpoints;",
    )
    .await
    .unwrap();
    key.verifier_key()
}

async fn problems(db: &TestDatabase, key: &str) -> Vec<String> {
    db.store.verify_audit_log(key).await.unwrap().problems
}

/// Whether `problem` names event `index`.
fn names_event(problem: &str, index: u64) -> bool {
    problem.contains(&format!("event {index} ")) || problem.contains(&format!("event {index}:"))
}

async fn restore_events(db: &TestDatabase, indices: &[u64]) {
    for index in indices {
        db.tamper(&format!(
            "DELETE FROM audit_events WHERE idx = {index}; \
             INSERT INTO audit_events SELECT * FROM events_backup WHERE idx = {index};"
        ))
        .await
        .unwrap();
    }
}

async fn an_untouched_log_verifies(db: &TestDatabase) {
    let key = signed_log(db).await;
    let verification = db.store.verify_audit_log(&key).await.unwrap();
    assert_eq!(verification.problems, Vec::<String>::new());
    assert_eq!(
        (
            verification.events,
            verification.checkpoints,
            verification.unsigned_tail
        ),
        (12, 3, 0)
    );
    let (other, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    let with_wrong_key = problems(db, &other.verifier_key()).await;
    assert_eq!(
        with_wrong_key.len(),
        3,
        "no checkpoint verifies with another key: {with_wrong_key:?}"
    );
}

async fn a_changed_byte_in_any_event_is_found_and_named(db: &TestDatabase) {
    let key = signed_log(db).await;
    for event in db.store.audit_events(0, 100).await.unwrap() {
        let index = event.index;
        for position in [0, event.entry.len() / 2, event.entry.len() - 1] {
            let mut changed = event.entry.clone();
            changed[position] ^= 0x01;
            let literal = db.blob_literal(&changed);
            db.tamper(&format!(
                "UPDATE audit_events SET entry = {literal} WHERE idx = {index}"
            ))
            .await
            .unwrap();
            let found = problems(db, &key).await;
            assert!(
                !found.is_empty() && names_event(&found[0], index),
                "byte {position} of event {index}: {found:?}"
            );
            restore_events(db, &[index]).await;
        }
    }
    assert_eq!(problems(db, &key).await, Vec::<String>::new(), "restored");
}

async fn a_deleted_event_is_found_and_named(db: &TestDatabase) {
    let key = signed_log(db).await;
    for index in 0..12 {
        db.tamper(&format!("DELETE FROM audit_events WHERE idx = {index}"))
            .await
            .unwrap();
        let found = problems(db, &key).await;
        assert!(
            !found.is_empty() && names_event(&found[0], index),
            "event {index}: {found:?}"
        );
        restore_events(db, &[index]).await;
    }
    assert_eq!(problems(db, &key).await, Vec::<String>::new(), "restored");
}

async fn swapped_events_are_found_and_named(db: &TestDatabase) {
    let key = signed_log(db).await;
    for (i, j) in [(0, 1), (2, 9), (10, 11), (3, 4)] {
        for (to, from) in [(i, j), (j, i)] {
            db.tamper(&format!(
                "UPDATE audit_events SET (at, actor, action, case_id, entry) = \
                 (SELECT at, actor, action, case_id, entry FROM events_backup b WHERE b.idx = {from}) \
                 WHERE idx = {to}"
            ))
            .await
            .unwrap();
        }
        let found = problems(db, &key).await;
        assert!(
            !found.is_empty() && names_event(&found[0], i),
            "swap {i}, {j}: {found:?}"
        );
        restore_events(db, &[i, j]).await;
    }
    assert_eq!(problems(db, &key).await, Vec::<String>::new(), "restored");
}

async fn a_replaced_checkpoint_signature_is_found(db: &TestDatabase) {
    let key = signed_log(db).await;
    let (forger, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    for checkpoint in db.store.checkpoints().await.unwrap() {
        let forged = forger
            .sign_checkpoint(checkpoint.size, checkpoint.root)
            .unwrap();
        let literal = db.blob_literal(&forged.note);
        let size = checkpoint.size;
        db.tamper(&format!(
            "UPDATE audit_checkpoints SET note = {literal} WHERE size = {size}"
        ))
        .await
        .unwrap();
        let found = problems(db, &key).await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!("checkpoint at size {size}:")),
            "{found:?}"
        );
        db.tamper(&format!(
            "DELETE FROM audit_checkpoints WHERE size = {size}; \
             INSERT INTO audit_checkpoints SELECT * FROM checkpoints_backup WHERE size = {size};"
        ))
        .await
        .unwrap();
    }
    assert_eq!(problems(db, &key).await, Vec::<String>::new(), "restored");
}

fn agency() -> Agency {
    Agency {
        id: AgencyId::parse("seattle-pd").unwrap(),
        name: "Seattle Police Department".into(),
        country: CountryCode::parse("US").unwrap(),
        email_domains: vec!["seattle.gov".into()],
        callback_phone: PhoneNumber::parse("+12065550100").unwrap(),
        age_recipient: Some(
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p".into(),
        ),
        created_at: at(NOW),
    }
}

async fn add_user(store: &Store, name: &str, role: Role, agency: Option<&AgencyId>) -> UserId {
    let id = UserId::random();
    let username = Username::parse(name).unwrap();
    let user = NewUser {
        id,
        username: &username,
        role,
        agency_id: agency,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        totp_secret: "JBSWY3DPEHPK3PXP",
    };
    store
        .add_user(&user, &Actor::Operator, at(NOW))
        .await
        .unwrap();
    id
}

/// A TOTP secret is stored sealed with the store's key; one an older writ left in
/// plaintext is sealed at start (with its audit event), and a key that is not the
/// database's stops writ there.
async fn totp_secrets_are_sealed_at_rest_and_old_plaintext_ones_at_start(db: &TestDatabase) {
    let store = &db.store;
    let rita = add_user(store, "rita", Role::Reviewer, None).await;
    let name = Username::parse("rita").unwrap();
    let plain = "JBSWY3DPEHPK3PXP";
    // Counts the rows an UPDATE matches: 1 only if the secret is there in plaintext.
    let in_plaintext =
        format!("UPDATE users SET role = role WHERE id = '{rita}' AND totp_secret = '{plain}'");
    assert_eq!(db.execute_raw(&in_plaintext).await.unwrap(), 0, "sealed");
    let user = store.user_by_name(&name).await.unwrap().unwrap();
    assert_eq!(user.totp_secret, plain, "opened when read");

    // The row as a writ before sealing left it.
    db.execute_raw(&format!(
        "UPDATE users SET totp_secret = '{plain}' WHERE id = '{rita}'"
    ))
    .await
    .unwrap();
    assert_eq!(db.execute_raw(&in_plaintext).await.unwrap(), 1);
    assert!(
        matches!(store.user_by_name(&name).await, Err(StoreError::Secrets(_))),
        "a keyed store refuses a secret in plaintext"
    );
    let key = db.secrets_key().unwrap().clone();
    let restarted = Store::open(db.location())
        .await
        .unwrap()
        .with_secrets_key(key);
    let before = restarted.audit_size().await.unwrap();
    assert_eq!(restarted.seal_plaintext_secrets(at(NOW)).await.unwrap(), 1);
    assert_eq!(
        db.execute_raw(&in_plaintext).await.unwrap(),
        0,
        "sealed now"
    );
    let user = restarted.user_by_name(&name).await.unwrap().unwrap();
    assert_eq!(user.totp_secret, plain);
    assert_eq!(
        entries(&restarted).await.pop().unwrap().action,
        "system.totp_secrets_sealed"
    );
    assert_eq!(restarted.seal_plaintext_secrets(at(NOW)).await.unwrap(), 0);
    assert_eq!(
        restarted.audit_size().await.unwrap(),
        before + 1,
        "sealed once"
    );

    let wrong_key = Store::open(db.location())
        .await
        .unwrap()
        .with_secrets_key(SecretsKey::generate().unwrap());
    let refused = wrong_key.seal_plaintext_secrets(at(NOW)).await;
    assert!(
        matches!(refused, Err(StoreError::Secrets(_))),
        "{refused:?}"
    );
    wrong_key.close().await;
    restarted.close().await;
}

async fn each_failed_sign_in_sets_the_next_wait_and_the_fifth_is_audited(db: &TestDatabase) {
    let store = &db.store;
    add_user(store, "rita", Role::Reviewer, None).await;
    let name = Username::parse("rita").unwrap();
    let user = store.user_by_name(&name).await.unwrap().unwrap();
    let until = |failures: i32| {
        at(NOW)
            .checked_add(time::Duration::seconds(i64::from(failures) * 10))
            .unwrap()
    };
    for failures in 1..=6 {
        let next = store
            .count_login_failure(&user, 5, at(NOW), &until)
            .await
            .unwrap();
        assert_eq!(next, until(failures));
        let now = store.user_by_name(&name).await.unwrap().unwrap();
        assert_eq!(
            (now.failed_logins, now.locked_until),
            (failures, Some(until(failures)))
        );
    }
    let throttled = entries(store)
        .await
        .iter()
        .filter(|e| e.action == "user.throttled")
        .count();
    assert_eq!(throttled, 1, "once, at the fifth failure in a row");
    store.clear_login_failures(&user).await.unwrap();
    let now = store.user_by_name(&name).await.unwrap().unwrap();
    assert_eq!((now.failed_logins, now.locked_until), (0, None));
}

async fn agencies_and_people_are_kept_with_their_audit_events(db: &TestDatabase) {
    let store = &db.store;
    store.add_agency(&agency(), &Actor::Operator).await.unwrap();
    assert_eq!(store.agency(&agency().id).await.unwrap(), agency());
    assert_eq!(store.agencies().await.unwrap(), [agency()]);
    assert!(
        store
            .agency(&AgencyId::parse("nope").unwrap())
            .await
            .unwrap_err()
            .is_not_found()
    );

    let id = add_user(
        store,
        "areyes@seattle.gov",
        Role::Agency,
        Some(&agency().id),
    )
    .await;
    add_user(store, "rita", Role::Reviewer, None).await;
    let user = store
        .user_by_name(&Username::parse("AReyes@Seattle.gov").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (user.id, user.role, user.agency_id.clone()),
        (id, Role::Agency, Some(agency().id))
    );
    assert!(
        !format!("{user:?}").contains("argon2"),
        "no secrets in Debug"
    );

    // Usernames are unique, and an agency user must belong to an agency.
    let username = Username::parse("rita").unwrap();
    let twin = NewUser {
        id: UserId::random(),
        username: &username,
        role: Role::Approver,
        agency_id: None,
        password_hash: "x",
        totp_secret: "y",
    };
    assert!(
        store
            .add_user(&twin, &Actor::Operator, at(NOW))
            .await
            .is_err()
    );
    let orphan_name = Username::parse("orphan@seattle.gov").unwrap();
    let orphan = NewUser {
        id: UserId::random(),
        username: &orphan_name,
        role: Role::Agency,
        agency_id: None,
        password_hash: "x",
        totp_secret: "y",
    };
    assert!(
        store
            .add_user(&orphan, &Actor::Operator, at(NOW))
            .await
            .is_err()
    );

    // Cases are found by the authority that submitted them.
    let document = demand_json("BY-AGENCY");
    let demand = Demand::from_json(&document).unwrap();
    let theirs = NewCase {
        id: CaseId::random(),
        demand: &demand,
        document: &document,
        received_at: at(NOW),
        deadline: None,
        decision: None,
        agency_id: Some(&agency().id),
        documents: &[],
    };
    store
        .open_case(&theirs, &Actor::System, at(NOW))
        .await
        .unwrap();
    open_case(store, "NOBODYS", None).await;
    let found = store
        .cases_of_agency(&agency().id, None, 50)
        .await
        .unwrap()
        .cases;
    assert_eq!(
        found
            .iter()
            .map(|c| c.reference.as_str())
            .collect::<Vec<_>>(),
        ["BY-AGENCY"]
    );

    // Its list pages newest first, by key: cases received at the same time (ties on
    // the time, ordered by id) and later ones, each shown once across pages of two.
    let mut opened = vec![(at(NOW), theirs.id)];
    for (n, received) in [
        "2026-03-03T00:00:00Z",
        NOW,
        NOW,
        "2026-03-01T00:00:00Z",
        NOW,
    ]
    .into_iter()
    .enumerate()
    {
        let document = demand_json(&format!("BY-AGENCY-{n}"));
        let demand = Demand::from_json(&document).unwrap();
        let case = NewCase {
            id: CaseId::random(),
            received_at: at(received),
            demand: &demand,
            document: &document,
            ..theirs
        };
        store
            .open_case(&case, &Actor::System, at(NOW))
            .await
            .unwrap();
        opened.push((at(received), case.id));
    }
    opened.sort();
    opened.reverse();
    let mut listed = Vec::new();
    let mut after = None;
    loop {
        let page = store.cases_of_agency(&agency().id, after, 2).await.unwrap();
        assert!(page.cases.len() <= 2);
        listed.extend(page.cases.iter().map(|c| (c.received_at, c.id)));
        match page.next {
            Some(next) => after = Some(writ_store::parse_agency_cursor(&next).unwrap()),
            None => break,
        }
    }
    assert_eq!(listed, opened);

    let actions: Vec<_> = entries(store)
        .await
        .into_iter()
        .map(|e| e.action)
        .filter(|a| !a.starts_with("case."))
        .collect();
    assert_eq!(
        actions,
        ["agency.added", "user.added", "user.added"],
        "failed adds leave no event"
    );
    let log = entries(store).await;
    assert!(
        !log[1].details.to_string().contains("argon2"),
        "no secrets in the audit log"
    );
}

async fn tokens_sessions_and_totp_steps(db: &TestDatabase) {
    let store = &db.store;
    store.add_agency(&agency(), &Actor::Operator).await.unwrap();
    add_user(
        store,
        "areyes@seattle.gov",
        Role::Agency,
        Some(&agency().id),
    )
    .await;
    let user = store
        .user_by_name(&Username::parse("areyes@seattle.gov").unwrap())
        .await
        .unwrap()
        .unwrap();

    store
        .issue_token(
            "hash-of-token",
            &user,
            "case system",
            &Actor::Operator,
            at(NOW),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_token("hash-of-token")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(user.id)
    );
    assert_eq!(store.user_by_token("another").await.unwrap(), None);

    let expires = at("2026-03-02T17:00:00Z");
    store
        .start_session(
            "hash-of-session",
            &user,
            &Actor::Agency("seattle-pd".into()),
            at(NOW),
            expires,
        )
        .await
        .unwrap();
    assert!(
        store
            .user_by_session("hash-of-session", at("2026-03-02T16:59:59Z"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .user_by_session("hash-of-session", expires)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store
        .end_session(
            "hash-of-session",
            &Actor::Agency("seattle-pd".into()),
            at(NOW),
        )
        .await
        .unwrap();
    assert!(
        store
            .user_by_session("hash-of-session", at(NOW))
            .await
            .unwrap()
            .is_none(),
        "ended"
    );

    assert!(store.spend_totp_step(user.id, 100).await.unwrap());
    assert!(
        !store.spend_totp_step(user.id, 100).await.unwrap(),
        "a code is good once"
    );
    assert!(
        !store.spend_totp_step(user.id, 99).await.unwrap(),
        "and never an older one"
    );
    assert!(store.spend_totp_step(user.id, 101).await.unwrap());
}

async fn a_case_update_is_one_transaction(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "UPD-1", None).await;
    let mut update = CaseUpdate::new(
        &case,
        "case.clarification_requested",
        Actor::Staff("rita".into()),
        at("2026-03-02T10:00:00Z"),
    );
    update.events = vec![CaseEvent::StartReview, CaseEvent::RequestClarification];
    update.message = Some("Which account does the warrant name?".into());
    let recommendation = recommended("UPD-1");
    update.recommendation = Some(recommendation.clone());
    update.details = json!({"note": "asked"});
    let updated = store.update_case(&update).await.unwrap();
    assert_eq!(updated.state, CaseState::AwaitingClarification);
    assert_eq!(updated.version, case.version + 1);
    assert_eq!(updated.recommendation, Some(recommendation));

    let mut answer = CaseUpdate::new(
        &updated,
        "case.clarification_answered",
        Actor::Agency("seattle-pd".into()),
        at("2026-03-02T11:00:00Z"),
    );
    answer.events = vec![CaseEvent::ClarificationAnswered];
    answer.message = Some("alice@example.com".into());
    answer.callback = Some(Callback {
        caller: Actor::Staff("rita".into()),
        number: "+12065550100".into(),
        called_at: at("2026-03-02T10:55:00Z"),
        outcome: CallbackOutcome::Confirmed,
        notes: "Sgt. Park confirmed".into(),
    });
    answer.notices = vec![Notice::pending(
        NoticeRecipient::TenantAdmin,
        "it@contoso.example",
        "A demand about your organisation".into(),
        "…".into(),
        "<p>…</p>".into(),
        None,
        at("2026-03-02T11:00:00Z"),
    )];
    answer.rejection_reason = Some("not yet".into());
    let answered = store.update_case(&answer).await.unwrap();
    assert_eq!(answered.state, CaseState::InReview);
    assert_eq!(answered.rejection_reason.as_deref(), Some("not yet"));
    assert_eq!(
        answered.recommendation, updated.recommendation,
        "unset fields are kept"
    );

    let messages = store.messages(case.id).await.unwrap();
    assert_eq!(
        messages
            .iter()
            .map(|m| (m.from_authority, m.body.as_str()))
            .collect::<Vec<_>>(),
        [
            (false, "Which account does the warrant name?"),
            (true, "alice@example.com")
        ]
    );
    assert_eq!(
        store.callbacks(case.id).await.unwrap()[0].outcome,
        CallbackOutcome::Confirmed
    );
    assert_eq!(
        store.notices(case.id).await.unwrap()[0].address,
        "it@contoso.example"
    );

    let log = entries(store).await;
    let last = log.last().unwrap();
    assert_eq!(last.action, "case.clarification_answered");
    assert_eq!(
        (last.details["from"].as_str(), last.details["to"].as_str()),
        (Some("awaiting_clarification"), Some("in_review"))
    );
}

async fn an_enforcing_authoritys_answer_is_kept_once_with_its_event(db: &TestDatabase) {
    use writ_core::workflow::EnforcingAuthorityOutcome;
    use writ_store::EnforcingAuthorityAnswer;
    let store = &db.store;
    let case = open_case(store, "EA-1", None).await;
    assert_eq!(
        store.enforcing_authority_answer(case.id).await.unwrap(),
        None
    );
    let answer = EnforcingAuthorityAnswer {
        outcome: EnforcingAuthorityOutcome::GroundsRaised,
        reason: "Art. 12(1)(b): immunity".into(),
        answered_by: Actor::Staff("rita".into()),
        answered_at: at("2026-09-03T10:00:00.123456Z"),
    };
    let mut update = CaseUpdate::new(
        &case,
        "case.enforcing_authority_answered",
        Actor::Staff("rita".into()),
        answer.answered_at,
    );
    update.enforcing_authority = Some(answer.clone());
    let updated = store.update_case(&update).await.unwrap();
    assert_eq!(
        store.enforcing_authority_answer(case.id).await.unwrap(),
        Some(answer.clone())
    );
    assert_eq!(
        entries(store).await.last().unwrap().action,
        "case.enforcing_authority_answered"
    );

    // A second answer is refused, and the whole update with it.
    let size = store.audit_size().await.unwrap();
    let mut again = CaseUpdate::new(
        &updated,
        "case.enforcing_authority_answered",
        Actor::Staff("sam".into()),
        at("2026-09-04T10:00:00Z"),
    );
    again.enforcing_authority = Some(EnforcingAuthorityAnswer {
        outcome: EnforcingAuthorityOutcome::NoGrounds,
        ..answer.clone()
    });
    assert!(store.update_case(&again).await.is_err());
    assert_eq!(store.audit_size().await.unwrap(), size);
    assert_eq!(store.case(case.id).await.unwrap().version, updated.version);
    assert_eq!(
        store.enforcing_authority_answer(case.id).await.unwrap(),
        Some(answer)
    );
}

async fn a_stale_or_illegal_case_update_writes_nothing(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "UPD-2", None).await;
    let mut first = CaseUpdate::new(
        &case,
        "case.recommended",
        Actor::Staff("rita".into()),
        at(NOW),
    );
    first.events = vec![CaseEvent::StartReview];
    store.update_case(&first).await.unwrap();

    // Decided on the old version: refused.
    let mut stale = CaseUpdate::new(&case, "case.note", Actor::Staff("sam".into()), at(NOW));
    stale.message = Some("late".into());
    assert!(matches!(
        store.update_case(&stale).await,
        Err(StoreError::Conflict(_))
    ));

    // Not a step the state machine allows: refused.
    let current = store.case(case.id).await.unwrap();
    let mut illegal = CaseUpdate::new(&current, "case.sealed", Actor::Staff("sam".into()), at(NOW));
    illegal.events = vec![CaseEvent::Seal];
    illegal.message = Some("sealed".into());
    assert!(matches!(
        store.update_case(&illegal).await,
        Err(StoreError::IllegalTransition(_))
    ));

    assert_eq!(store.case(case.id).await.unwrap(), current);
    assert!(store.messages(case.id).await.unwrap().is_empty());
    assert_eq!(store.audit_size().await.unwrap(), 2);
}

async fn documents_come_with_their_case(db: &TestDatabase) {
    let store = &db.store;
    let document = demand_json("DOC-1");
    let demand = Demand::from_json(&document).unwrap();
    let pdf = b"%PDF-1.4 signed order".to_vec();
    let order = writ_store::NewDocument {
        filename: "warrant.pdf",
        media_type: "application/pdf",
        sha256: "not-checked-by-the-store",
        content: &pdf,
    };
    let case = NewCase {
        id: CaseId::random(),
        demand: &demand,
        document: &document,
        received_at: at(NOW),
        deadline: None,
        decision: None,
        agency_id: None,
        documents: std::slice::from_ref(&order),
    };
    let opened = store
        .open_case(&case, &Actor::System, at(NOW))
        .await
        .unwrap();
    let documents = store.documents(opened.id).await.unwrap();
    assert_eq!(documents.len(), 1);
    assert_eq!(
        (documents[0].filename.as_str(), documents[0].size),
        ("warrant.pdf", pdf.len() as i64)
    );
    assert_eq!(
        store
            .document_content(opened.id, documents[0].id)
            .await
            .unwrap(),
        pdf
    );
    assert!(
        store
            .document_content(CaseId::random(), documents[0].id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    let log = entries(store).await;
    assert_eq!(log[0].details["documents"][0]["filename"], "warrant.pdf");
}

fn item(key: &str, size: u64) -> ProductionItem {
    ProductionItem {
        source: "mail".into(),
        account: "acc-alice".into(),
        key: key.into(),
        path: format!("items/acc-alice/mail/INBOX/{key}.eml"),
        sha256: "ab".repeat(32),
        size,
        category: "content".into(),
        timestamp: Some(at("2026-01-05T10:00:00.123456Z")),
        rows: None,
    }
}

/// A case approved and ready to collect.
async fn approved_case(store: &Store) -> CaseRecord {
    let case = open_case(store, "SEA-P", None).await;
    store
        .transition(&step(&case, CaseEvent::StartReview, "rita"))
        .await
        .unwrap();
    let case = store.case(case.id).await.unwrap();
    store
        .transition(&step(&case, CaseEvent::Approve, "alex"))
        .await
        .unwrap()
}

async fn a_production_is_collected_once_per_item_sealed_and_released_with_audit_events(
    db: &TestDatabase,
) {
    let store = &db.store;
    let case = approved_case(store).await;
    let production = ProductionId::random();
    let mut start = CaseUpdate::new(&case, "production.started", Actor::System, at(NOW));
    start.events = vec![CaseEvent::StartCollection];
    start.production = Some(ProductionChange::Start(production));
    start.jobs = vec![job("seal", NOW)];
    let case = store.update_case(&start).await.unwrap();
    assert_eq!(case.state, CaseState::Collecting);

    store.set_items_total(production, 2).await.unwrap();
    assert!(store.record_item(production, &item("2", 20)).await.unwrap());
    assert!(store.record_item(production, &item("1", 10)).await.unwrap());
    // A resumed collection recording an item again changes nothing.
    assert!(!store.record_item(production, &item("1", 10)).await.unwrap());
    let collecting = store.production(production).await.unwrap();
    assert_eq!(
        (
            collecting.state,
            collecting.items_total,
            collecting.items_done,
            collecting.bytes_done
        ),
        (ProductionState::Collecting, Some(2), 2, 30)
    );
    assert_eq!(
        store.production_items(production).await.unwrap(),
        [item("1", 10), item("2", 20)],
        "by path, times to the microsecond"
    );

    let sealed = SealedFile {
        file_name: format!("{production}.age"),
        sha256: "cd".repeat(32),
        size: 4096,
        manifest_sha256: "ef".repeat(32),
        no_data: false,
        sealed_at: at("2026-03-02T11:00:00Z"),
    };
    let mut seal = CaseUpdate::new(&case, "production.sealed", Actor::System, sealed.sealed_at);
    seal.events = vec![CaseEvent::Seal];
    seal.production = Some(ProductionChange::Seal(production, sealed.clone()));
    let case = store.update_case(&seal).await.unwrap();
    assert_eq!(case.state, CaseState::Sealed);

    let releaser = add_user(store, "rhea.release", Role::Approver, None).await;
    let mut release = CaseUpdate::new(
        &case,
        "production.released",
        Actor::Staff("rhea.release".into()),
        at("2026-03-02T12:00:00Z"),
    );
    release.production = Some(ProductionChange::Release(production, releaser));
    release.events = vec![CaseEvent::Release];
    let case = store.update_case(&release).await.unwrap();
    assert_eq!(case.state, CaseState::Released);

    let released = store.production(production).await.unwrap();
    assert_eq!(released.state, ProductionState::Released);
    assert_eq!(released.sealed, Some(sealed));
    assert_eq!(released.released_by, Some(releaser));
    assert_eq!(released.released_by_name.as_deref(), Some("rhea.release"));
    assert_eq!(released.released_at, Some(at("2026-03-02T12:00:00Z")));
    assert_eq!(store.productions(case.id).await.unwrap(), [released]);

    let actions: Vec<String> = entries(store).await.into_iter().map(|e| e.action).collect();
    for action in [
        "production.started",
        "production.sealed",
        "production.released",
    ] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            1,
            "{action}"
        );
    }
    let queued = store
        .claim_job("w", at(NOW), time::Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queued.kind, "seal", "the update's job is queued with it");
}

async fn an_approval_is_kept_with_its_case(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "SEA-A", None).await;
    let case = store
        .transition(&step(&case, CaseEvent::StartReview, "rita"))
        .await
        .unwrap();
    assert_eq!(case.approval, None);
    let approver = add_user(store, "alex.approver", Role::Approver, None).await;
    let approval = RecordedApproval {
        by: approver,
        by_name: "alex.approver".into(),
        reason: "The warrant is in order.\nSubscriber data only.".into(),
        at: at("2026-03-02T10:00:00Z"),
    };
    let mut approve = CaseUpdate::new(
        &case,
        "case.approved",
        Actor::Staff("alex.approver".into()),
        approval.at,
    );
    approve.events = vec![CaseEvent::Approve];
    approve.approval = Some(approval.clone());
    let approved = store.update_case(&approve).await.unwrap();
    assert_eq!(approved.approval.as_ref(), Some(&approval));
    // A later step that sets no approval keeps it.
    let mut start = CaseUpdate::new(&approved, "production.started", Actor::System, at(NOW));
    start.events = vec![CaseEvent::StartCollection];
    store.update_case(&start).await.unwrap();
    assert_eq!(store.case(case.id).await.unwrap().approval, Some(approval));
}

async fn a_case_is_assigned_and_found_by_its_assignee(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "SEA-M", None).await;
    let other = open_case(store, "SEA-N", None).await;
    assert_eq!((case.assignee, case.escalated), (None, false));
    let rita = add_user(store, "rita.reviewer", Role::Reviewer, None).await;
    let mut assign = CaseUpdate::new(
        &case,
        "case.assigned",
        Actor::Staff("rita.reviewer".into()),
        at(NOW),
    );
    assign.assign = Some(rita);
    let assigned = store.update_case(&assign).await.unwrap();
    assert_eq!(assigned.assignee, Some(rita));
    assert_eq!(assigned.assignee_name.as_deref(), Some("rita.reviewer"));
    let mine = store
        .queue(&CaseQuery {
            assignee: Some(rita),
            limit: 50,
            ..CaseQuery::default()
        })
        .await
        .unwrap();
    let ids: Vec<CaseId> = mine.cases.iter().map(|c| c.id).collect();
    assert_eq!(ids, [case.id]);
    assert_ne!(ids, [other.id]);
    let actions: Vec<String> = entries(store).await.into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"case.assigned".to_owned()), "{actions:?}");
}

async fn a_production_step_out_of_order_writes_nothing(db: &TestDatabase) {
    let store = &db.store;
    let case = approved_case(store).await;
    let production = ProductionId::random();
    let before = store.audit_size().await.unwrap();

    // Releasing what was never sealed: refused, and the case and log are untouched.
    let releaser = add_user(store, "rhea.release", Role::Approver, None).await;
    let after_user = store.audit_size().await.unwrap();
    assert!(after_user > before);
    let mut release = CaseUpdate::new(&case, "production.released", Actor::System, at(NOW));
    release.production = Some(ProductionChange::Release(production, releaser));
    let error = store.update_case(&release).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(store.audit_size().await.unwrap(), after_user);
    assert_eq!(store.case(case.id).await.unwrap(), case);
    assert!(store.productions(case.id).await.unwrap().is_empty());

    // Starting twice: the second is refused (one production per case).
    let mut start = CaseUpdate::new(&case, "production.started", Actor::System, at(NOW));
    start.events = vec![CaseEvent::StartCollection];
    start.production = Some(ProductionChange::Start(production));
    let case = store.update_case(&start).await.unwrap();
    let mut again = CaseUpdate::new(&case, "production.started", Actor::System, at(NOW));
    again.production = Some(ProductionChange::Start(ProductionId::random()));
    assert!(store.update_case(&again).await.is_err());
    assert_eq!(store.productions(case.id).await.unwrap().len(), 1);
}

async fn open_gagged_case(store: &Store, nondisclosure: serde_json::Value) -> CaseRecord {
    let mut document: serde_json::Value = serde_json::from_str(&demand_json("GAG-1")).unwrap();
    document["instrument"]["nondisclosure"] = nondisclosure;
    let document = document.to_string();
    let demand = Demand::from_json(&document).unwrap();
    let case = NewCase {
        id: CaseId::random(),
        demand: &demand,
        document: &document,
        received_at: at(NOW),
        deadline: None,
        decision: None,
        agency_id: None,
        documents: &[],
    };
    store
        .open_case(&case, &Actor::Agency("spd".into()), at(NOW))
        .await
        .unwrap()
}

async fn a_demands_gag_is_registered_extended_and_lifted_with_audit_events(db: &TestDatabase) {
    let store = &db.store;
    let plain = open_case(store, "NO-GAG", None).await;
    assert_eq!(store.gag_of_case(plain.id).await.unwrap(), None);
    let case = open_gagged_case(
        store,
        json!({"until": "2026-09-01T00:00:00Z", "basis": "18 U.S.C. 2705(b)"}),
    )
    .await;
    let gag = store.gag_of_case(case.id).await.unwrap().unwrap();
    assert_eq!(gag.basis.as_deref(), Some("18 U.S.C. 2705(b)"));
    assert_eq!(gag.until, Some(at("2026-09-01T00:00:00Z")));
    assert!(gag.in_force(at("2026-08-31T23:59:59Z")));
    assert!(!gag.in_force(at("2026-09-01T00:00:00Z")));
    let indefinite = open_gagged_case(store, json!({"indefinite": true})).await;
    let forever = store.gag_of_case(indefinite.id).await.unwrap().unwrap();
    assert_eq!(forever.until, None);
    assert!(forever.in_force(at("2099-01-01T00:00:00Z")));
    assert_eq!(store.gags().await.unwrap().len(), 2);

    let staff = Actor::Staff("alex".into());
    let job = NewJob {
        kind: "notice.send".into(),
        payload: json!({"case": case.id}),
        run_at: at("2026-04-01T00:00:00Z"),
    };
    let extended = GagChange::Extend(Some(at("2027-01-01T00:00:00Z")));
    assert!(
        store
            .change_gag(
                gag.id,
                &extended,
                "court order",
                &staff,
                at("2026-04-01T00:00:00Z"),
                &[]
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.gag(gag.id).await.unwrap().until,
        Some(at("2027-01-01T00:00:00Z"))
    );
    assert!(
        store
            .change_gag(
                gag.id,
                &GagChange::Lift,
                "lifted",
                &staff,
                at("2026-04-01T00:00:00Z"),
                std::slice::from_ref(&job)
            )
            .await
            .unwrap()
    );
    let lifted = store.gag(gag.id).await.unwrap();
    assert!(!lifted.in_force(at("2026-04-01T00:00:00Z")));
    assert!(
        !store
            .change_gag(
                gag.id,
                &GagChange::Lift,
                "again",
                &staff,
                at("2026-04-02T00:00:00Z"),
                &[job]
            )
            .await
            .unwrap(),
        "lifted once"
    );
    let claimed = store
        .claim_job("w", at("2026-04-03T00:00:00Z"), time::Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        claimed.kind, "notice.send",
        "the lifting queued the notices"
    );
    assert!(
        store
            .claim_job("w", at("2026-04-03T00:00:00Z"), time::Duration::minutes(1))
            .await
            .unwrap()
            .is_none(),
        "the refused change queued nothing"
    );
    let actions: Vec<String> = entries(store).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "gag.extended").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "gag.lifted").count(), 1);
    assert!(matches!(
        store.gag(9_999).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn a_notice_is_claimed_by_one_worker_sent_once_or_held(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "NOTICE-1", None).await;
    let mut update = CaseUpdate::new(&case, "case.noted", Actor::System, at(NOW));
    update.notices = vec![
        Notice::pending(
            NoticeRecipient::User,
            "alice@example.com",
            "s".into(),
            "b".into(),
            "<p>b</p>".into(),
            Some(at("2026-06-01T00:00:00Z")),
            at(NOW),
        ),
        Notice::pending(
            NoticeRecipient::User,
            "bob@example.com",
            "s".into(),
            "b".into(),
            String::new(),
            None,
            at(NOW),
        ),
    ];
    store.update_case(&update).await.unwrap();
    let notices = store.notices(case.id).await.unwrap();
    assert_eq!(notices.len(), 2);
    assert_eq!(notices[0].not_before, Some(at("2026-06-01T00:00:00Z")));
    assert_eq!(notices[0].body_html, "<p>b</p>");
    let (alice, bob) = (notices[0].id, notices[1].id);
    assert_eq!(store.notice(alice).await.unwrap().0, case.id);

    let now = at("2026-03-03T00:00:00Z");
    let lease = at("2026-03-03T00:05:00Z");
    // Two workers race for alice's notice: one gets it.
    let (a, b) = tokio::join!(
        store.claim_notice(alice, now, lease),
        store.claim_notice(alice, now, lease)
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|x| **x).count(), 1);
    // The sending failed: given back, it can be taken again; a claim that ran out too.
    store.unclaim_notice(alice, now).await.unwrap();
    assert!(store.claim_notice(alice, now, lease).await.unwrap());
    assert!(
        store
            .claim_notice(alice, lease, at("2026-03-03T00:10:00Z"))
            .await
            .unwrap()
    );
    assert!(store.notice_sent(alice, now).await.unwrap());
    assert!(!store.notice_sent(alice, now).await.unwrap(), "sent once");
    assert!(
        !store.claim_notice(alice, now, lease).await.unwrap(),
        "a sent notice is not taken"
    );

    let staff = Actor::Staff("alex".into());
    assert!(
        store
            .hold_notice(bob, "order sought", &staff, now)
            .await
            .unwrap()
    );
    assert!(!store.hold_notice(bob, "again", &staff, now).await.unwrap());
    assert!(
        !store.claim_notice(bob, now, lease).await.unwrap(),
        "a held notice is not sent"
    );
    let notices = store.notices(case.id).await.unwrap();
    assert_eq!(notices[0].state, NoticeState::Sent);
    assert_eq!(notices[0].sent_at, Some(now));
    assert_eq!(notices[1].state, NoticeState::Held);
    assert_eq!(notices[1].hold_reason.as_deref(), Some("order sought"));
    let actions: Vec<String> = entries(store).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "notice.sent").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "notice.held").count(), 1);
}

async fn a_hold_is_extended_once_and_expires_once(db: &TestDatabase) {
    let store = &db.store;
    let case = open_case(store, "HOLD-1", None).await;
    let mut update = CaseUpdate::new(&case, "case.approved", Actor::Staff("alex".into()), at(NOW));
    update.events = vec![CaseEvent::StartReview, CaseEvent::Approve];
    let hold = |account: &str, days: i32| NewHold {
        account: account.into(),
        category: writ_core::Category::Subscriber,
        expires_at: at("2026-05-31T09:00:00Z"),
        extension_days: days,
    };
    update.holds = vec![hold("alice@example.com", 90), hold("bob@example.com", 0)];
    store.update_case(&update).await.unwrap();
    let holds = store.holds(Some("alice@example.com")).await.unwrap();
    assert_eq!(holds.len(), 1);
    assert!(holds[0].active(at("2026-05-31T08:59:59Z")));
    assert!(!holds[0].active(at("2026-05-31T09:00:00Z")));
    assert_eq!(store.holds(None).await.unwrap().len(), 2);
    assert_eq!(store.holds_of_case(case.id).await.unwrap().len(), 2);
    let (alice, bob) = (
        holds[0].id,
        store.holds(Some("bob@example.com")).await.unwrap()[0].id,
    );

    let staff = Actor::Staff("alex".into());
    let when = at("2026-05-01T00:00:00Z");
    assert!(
        store
            .extend_hold(alice, "asked", &staff, when, &[])
            .await
            .unwrap()
    );
    assert_eq!(
        store.hold(alice).await.unwrap().expires_at,
        at("2026-08-29T09:00:00Z")
    );
    assert!(
        !store
            .extend_hold(alice, "again", &staff, when, &[])
            .await
            .unwrap(),
        "once"
    );
    assert!(
        !store
            .extend_hold(bob, "asked", &staff, when, &[])
            .await
            .unwrap(),
        "no extension in its rule"
    );

    assert!(
        !store
            .expire_hold(alice, at("2026-06-01T00:00:00Z"))
            .await
            .unwrap(),
        "extended"
    );
    assert!(
        store
            .expire_hold(bob, at("2026-06-01T00:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .expire_hold(bob, at("2026-06-02T00:00:00Z"))
            .await
            .unwrap(),
        "once"
    );
    assert!(
        store
            .expire_hold(alice, at("2026-08-29T09:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .extend_hold(alice, "late", &staff, at("2026-09-01T00:00:00Z"), &[])
            .await
            .unwrap(),
        "an expired hold is not extended"
    );
    let actions: Vec<String> = entries(store).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "hold.extended").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "hold.expired").count(), 2);
}

async fn escalations_are_recorded_once_per_step_and_cases_open_with_their_jobs(db: &TestDatabase) {
    let store = &db.store;
    let document = demand_json("ESC-1");
    let demand = Demand::from_json(&document).unwrap();
    let id = CaseId::random();
    let case = NewCase {
        id,
        demand: &demand,
        document: &document,
        received_at: at(NOW),
        deadline: Some(at("2026-03-03T09:00:00Z")),
        decision: None,
        agency_id: None,
        documents: &[],
    };
    let job = NewJob {
        kind: "deadline.escalate".into(),
        payload: json!({"case": id, "step": "0.5"}),
        run_at: at("2026-03-02T21:00:00Z"),
    };
    store
        .open_case_scheduling(&case, &[job], &Actor::Agency("spd".into()), at(NOW))
        .await
        .unwrap();
    let lease = time::Duration::minutes(1);
    assert!(
        store
            .claim_job("w", at(NOW), lease)
            .await
            .unwrap()
            .is_none()
    );
    let claimed = store
        .claim_job("w", at("2026-03-02T21:00:00Z"), lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.kind, "deadline.escalate");

    let when = at("2026-03-02T21:00:01Z");
    let (a, b) = tokio::join!(
        store.record_escalation(id, "0.5", "oncall@provider.example", when),
        store.record_escalation(id, "0.5", "oncall@provider.example", when)
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|x| **x).count(), 1);
    assert!(
        store
            .record_escalation(id, "0.75", "oncall@provider.example", when)
            .await
            .unwrap()
    );
    let steps: Vec<String> = store
        .escalations(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.step)
        .collect();
    assert_eq!(steps, ["0.5", "0.75"]);
    let actions: Vec<String> = entries(store).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "case.escalated").count(), 2);
}

async fn waiting_jobs_of_a_kind_can_be_made_due_unless_held(db: &TestDatabase) {
    let store = &db.store;
    let lease = time::Duration::minutes(5);
    store
        .enqueue(&job("collect", "2026-03-03T00:00:00Z"), at(NOW))
        .await
        .unwrap();
    store
        .enqueue(&job("collect", "2026-03-04T00:00:00Z"), at(NOW))
        .await
        .unwrap();
    store
        .enqueue(&job("notice.send", "2026-03-03T00:00:00Z"), at(NOW))
        .await
        .unwrap();
    assert!(
        store
            .claim_job("w", at(NOW), lease)
            .await
            .unwrap()
            .is_none(),
        "nothing due yet"
    );

    // A worker holds one collection (claimed at its time); only the other is hurried.
    let held = store
        .claim_job("w", at("2026-03-03T00:00:00Z"), lease)
        .await
        .unwrap()
        .unwrap();
    let hurried = store
        .hurry_jobs("collect", at("2026-03-03T00:01:00Z"))
        .await
        .unwrap();
    assert_eq!(hurried, 1, "the one not held");
    // Now due: the hurried collection, and the notice job that was due anyway.
    let mut due = Vec::new();
    while let Some(job) = store
        .claim_job("w2", at("2026-03-03T00:01:00Z"), lease)
        .await
        .unwrap()
    {
        due.push(job);
    }
    assert!(due.iter().all(|j| j.id != held.id));
    let mut kinds: Vec<&str> = due.iter().map(|j| j.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["collect", "notice.send"]);
}

async fn exported(store: &Store) -> Vec<CaseSummary> {
    let mut all = Vec::new();
    store
        .export_summaries(|s| {
            all.push(s.clone());
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap();
    all
}

async fn summary_of(store: &Store, id: CaseId) -> CaseSummary {
    exported(store)
        .await
        .into_iter()
        .find(|s| s.id == id)
        .unwrap()
}

async fn a_cases_summary_follows_every_change_to_it(db: &TestDatabase) {
    let store = &db.store;
    let rejected = open_case(store, "SUM-1", None).await;
    let opened = summary_of(store, rejected.id).await;
    assert_eq!(
        (
            opened.section,
            opened.customer,
            opened.outcome,
            opened.accounts
        ),
        (Section::Criminal, Customer::Consumer, Outcome::Pending, 1)
    );
    assert_eq!(opened.received_at, at(NOW));
    assert_eq!(opened.instrument, "us.search_warrant");
    assert!(!opened.customer_notified);

    let reviewing = store
        .transition(&step(&rejected, CaseEvent::StartReview, "rita"))
        .await
        .unwrap();
    let mut reject = CaseUpdate::new(
        &reviewing,
        "case.reject",
        Actor::Staff("rita".into()),
        at(NOW),
    );
    reject.events = vec![CaseEvent::Reject];
    reject.rejection_reason = Some("overbroad".into());
    store.update_case(&reject).await.unwrap();
    assert_eq!(
        summary_of(store, rejected.id).await.outcome,
        Outcome::Rejected
    );

    // Approved for content, and its enterprise admin told: content, notified.
    let approved = approved_case(store).await;
    let mut scope = CaseUpdate::new(&approved, "case.noted", Actor::System, at(NOW));
    scope.scope = Some(recommended("SUM-1").scope);
    assert!(
        scope
            .scope
            .as_ref()
            .is_some_and(|s| s.categories().contains(&writ_core::Category::Content))
    );
    scope.notices = vec![Notice::pending(
        NoticeRecipient::TenantAdmin,
        "admin@example.com",
        "s".into(),
        "b".into(),
        String::new(),
        None,
        at(NOW),
    )];
    store.update_case(&scope).await.unwrap();
    let summary = summary_of(store, approved.id).await;
    assert_eq!(summary.outcome, Outcome::Content);
    assert!(!summary.customer_notified, "not before the notice goes out");
    let notice = store.notices(approved.id).await.unwrap()[0].id;
    assert!(store.notice_sent(notice, at(NOW)).await.unwrap());
    assert!(summary_of(store, approved.id).await.customer_notified);

    // The store's first start found no case without a summary and recorded that: later
    // starts do not search again (an anti-join over every case).
    let before = exported(store).await;
    db.execute_raw("DELETE FROM case_summaries").await.unwrap();
    let again = Store::open(db.location()).await.unwrap();
    assert_eq!(exported(&again).await, vec![]);
    again.close().await;
    // A store upgraded from before summaries were kept (no backfill recorded) summarises
    // its cases as it opens, from their demands.
    db.execute_raw("DELETE FROM completed_backfills")
        .await
        .unwrap();
    let again = Store::open(db.location()).await.unwrap();
    let mut after = exported(&again).await;
    after.sort_by_key(|s| s.id);
    let mut before = before;
    before.sort_by_key(|s| s.id);
    assert_eq!(after, before);
    again.close().await;
    // And records it again: the next start does not search.
    db.execute_raw("DELETE FROM case_summaries").await.unwrap();
    let again = Store::open(db.location()).await.unwrap();
    assert_eq!(exported(&again).await, vec![]);
    again.close().await;
}

fn arbitrary_summary() -> impl Strategy<Value = CaseSummary> {
    let sections = prop_oneof![
        4 => Just(Section::Criminal),
        2 => Just(Section::Emergency),
        1 => Just(Section::NationalSecurity),
        1 => Just(Section::Preservation),
        1 => Just(Section::Assistance),
    ];
    let outcomes = prop::sample::select(vec![
        Outcome::Content,
        Outcome::NonContent,
        Outcome::NoData,
        Outcome::Rejected,
        Outcome::Redirected,
        Outcome::Withdrawn,
        Outcome::Pending,
    ]);
    (
        sections,
        prop::sample::select(vec!["US", "DE", "FR", "GB", "BR"]),
        prop::sample::select(vec![
            "us.search_warrant",
            "us.subpoena",
            "foreign.legal_process",
            "us.nsl",
            "us.fisa.content",
            "us.fisa.non_content",
        ]),
        any::<bool>(),
        outcomes,
        0u64..4,
        any::<bool>(),
        any::<bool>(),
        // 2024-01-01 to 2027-12-31, by the second.
        1_704_067_200i64..1_830_297_600,
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(
                section,
                country,
                instrument,
                enterprise,
                outcome,
                accounts,
                abroad,
                notified,
                secs,
                red_line,
            )| {
                CaseSummary {
                    id: CaseId::random(),
                    received_at: Timestamp::from_datetime(
                        time::OffsetDateTime::from_unix_timestamp(secs).unwrap(),
                    ),
                    authority_country: CountryCode::parse(country).unwrap(),
                    instrument: instrument.to_owned(),
                    section,
                    customer: if enterprise {
                        Customer::Enterprise
                    } else {
                        Customer::Consumer
                    },
                    accounts,
                    outcome,
                    data_stored_abroad: abroad,
                    customer_notified: notified,
                    red_line,
                }
            },
        )
}

/// A past case for `summary`: the store keeps the summary it is given.
fn past_case(summary: &CaseSummary, demand: &Arc<Demand>) -> PastCase {
    let received = summary.received_at;
    PastCase {
        case: CaseRecord {
            id: summary.id,
            state: CaseState::Closed,
            reference: format!("PAST-{}", summary.id),
            authority_country: summary.authority_country,
            instrument: summary.instrument.clone(),
            emergency: summary.section == Section::Emergency,
            received_at: received,
            deadline: None,
            decision: None,
            opened_at: received,
            updated_at: received,
            version: 1,
            agency_id: None,
            recommendation: None,
            scope: None,
            rejection_reason: None,
            counsel: None,
            approval: None,
            assignee: None,
            assignee_name: None,
            expires_at: None,
            escalated: false,
        },
        document: demand_json("PAST"),
        demand: Arc::clone(demand),
        targets: vec![format!("{}@example.com", summary.id)],
        events: vec![
            AuditEntry::new(received, Actor::System, "case.opened").for_case(summary.id),
            AuditEntry::new(received, Actor::System, "case.close").for_case(summary.id),
        ],
    }
}

async fn a_bulk_load_builds_again_the_indexes_it_dropped(db: &TestDatabase) {
    let store = &db.store;
    let indexes = db.index_names().await.unwrap();
    assert!(indexes.iter().any(|name| name == "cases_queue"));
    // A load that never finishes: the store opened again builds what it dropped.
    store.begin_bulk_load().await.unwrap();
    let during = db.index_names().await.unwrap();
    assert!(!during.iter().any(|name| name == "cases_queue"));
    assert!(!during.iter().any(|name| name == "audit_events_by_case"));
    // The commitments' unique index goes too (its keys are random); primary keys stay.
    assert!(
        indexes
            .iter()
            .any(|name| name == "case_summaries_by_commitment")
    );
    assert!(
        !during
            .iter()
            .any(|name| name == "case_summaries_by_commitment")
    );
    assert!(
        during
            .iter()
            .any(|name| name == "cases_pkey" || name == "sqlite_autoindex_cases_1")
    );
    assert!(during.len() < indexes.len());
    let reopened = Store::open(db.location()).await.unwrap();
    reopened.close().await;
    assert_eq!(db.index_names().await.unwrap(), indexes);

    // A whole load: the cases are there, found through the indexes built again.
    store.begin_bulk_load().await.unwrap();
    use proptest::strategy::ValueTree;
    let demand = Arc::new(Demand::from_json(&demand_json("PAST")).unwrap());
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let summaries: Vec<CaseSummary> = (0..30)
        .map(|_| arbitrary_summary().new_tree(&mut runner).unwrap().current())
        .collect();
    let cases: Vec<PastCase> = summaries.iter().map(|s| past_case(s, &demand)).collect();
    store.import_summarised(&cases, &summaries).await.unwrap();
    store.end_bulk_load().await.unwrap();
    assert_eq!(db.index_names().await.unwrap(), indexes);
    let wanted = &cases[17];
    let found = store
        .queue(&CaseQuery {
            states: Some(vec![]),
            search: Some(wanted.targets[0].clone()),
            limit: 50,
            ..CaseQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.cases.len(), 1);
    assert_eq!(found.cases[0].id, wanted.case.id);
    assert_eq!(store.audit_size().await.unwrap(), 60);
}

/// `count` past cases with random summaries.
fn past_cases(runner: &mut proptest::test_runner::TestRunner, count: usize) -> Vec<PastCase> {
    use proptest::strategy::ValueTree;
    let demand = Arc::new(Demand::from_json(&demand_json("PAST")).unwrap());
    (0..count)
        .map(|_| arbitrary_summary().new_tree(runner).unwrap().current())
        .map(|summary| past_case(&summary, &demand))
        .collect()
}

async fn a_history_prepared_ahead_extends_the_log_and_verifies(db: &TestDatabase) {
    let store = &db.store;
    // A log of 5 events (two complete subtrees), then two batches prepared before
    // either is written, as `writ demo --history` does on another thread.
    record_events(store, 5).await;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut loader = store.history_loader().await.unwrap();
    let first = past_cases(&mut runner, 7);
    let second = past_cases(&mut runner, 12);
    let notified = |_: &PastCase| false;
    let prepared = [
        loader.prepare(&first, notified).unwrap(),
        loader.prepare(&second, notified).unwrap(),
    ];
    for batch in prepared {
        store.import_prepared(batch).await.unwrap();
    }
    assert_eq!(store.audit_size().await.unwrap(), 5 + 2 * 19);
    assert_eq!(store.case(second[3].case.id).await.unwrap(), second[3].case);

    // The stored hashes are the tree of the stored events, and the log verifies.
    let mut reference = writ_ledger::MemoryLog::new();
    for event in store.audit_events(0, 100).await.unwrap() {
        reference.append(&event.entry).unwrap();
    }
    let (size, root) = store.tree_head().await.unwrap();
    assert_eq!((size, root), (43, reference.root().unwrap()));
    let (key, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    store
        .save_checkpoint(&key.sign_checkpoint(size, root).unwrap(), at(NOW))
        .await
        .unwrap();
    let verification = store.verify_audit_log(&key.verifier_key()).await.unwrap();
    assert_eq!(verification.problems, Vec::<String>::new());
    assert_eq!(verification.events, 43);

    // A batch prepared before something else appended is refused, and writes nothing.
    let late = past_cases(&mut runner, 2);
    let batch = loader.prepare(&late, notified).unwrap();
    record_events(store, 1).await;
    assert!(matches!(
        store.import_prepared(batch).await,
        Err(StoreError::AuditLogMoved(43))
    ));
    assert_eq!(store.audit_size().await.unwrap(), 44);
    assert!(
        store
            .case(late[0].case.id)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

async fn batches_written_in_one_transaction_are_written_together(db: &TestDatabase) {
    let store = &db.store;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut loader = store.history_loader().await.unwrap();
    let first = past_cases(&mut runner, 3);
    let second = past_cases(&mut runner, 4);
    let notified = |_: &PastCase| false;

    // A transaction dropped before its commit writes nothing.
    let mut writer = store.history_writer().await.unwrap();
    let batch = loader.clone().prepare(&first, notified).unwrap();
    writer.write(batch).await.unwrap();
    drop(writer);
    assert_eq!(store.audit_size().await.unwrap(), 0);
    let id = first[0].case.id;
    assert!(store.case(id).await.unwrap_err().is_not_found());

    // Two batches, one commit: both are there, and the log verifies.
    let mut writer = store.history_writer().await.unwrap();
    writer
        .write(loader.prepare(&first, notified).unwrap())
        .await
        .unwrap();
    writer
        .write(loader.prepare(&second, notified).unwrap())
        .await
        .unwrap();
    writer.commit().await.unwrap();
    assert_eq!(store.case(first[0].case.id).await.unwrap(), first[0].case);
    assert_eq!(store.case(second[3].case.id).await.unwrap(), second[3].case);
    let (size, root) = store.tree_head().await.unwrap();
    assert_eq!(size, 2 * 7);
    let (key, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    store
        .save_checkpoint(&key.sign_checkpoint(size, root).unwrap(), at(NOW))
        .await
        .unwrap();
    let verification = store.verify_audit_log(&key.verifier_key()).await.unwrap();
    assert_eq!(verification.problems, Vec::<String>::new());
    assert_eq!(verification.events, 14);
}

async fn the_sql_aggregation_equals_the_reports_own_build(db: &TestDatabase) {
    let store = &db.store;
    let demand = Arc::new(Demand::from_json(&demand_json("PAST")).unwrap());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 12,
        ..ProptestConfig::default()
    });
    let history = (
        prop::collection::vec(arbitrary_summary(), 0..60),
        2024i32..2028,
        any::<bool>(),
        prop::sample::select(BandOption::ALL.to_vec()),
    );
    // Each round adds its random cases to those of the rounds before.
    runner
        .run(&history, |(summaries, year, second_half, bands)| {
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    let cases: Vec<PastCase> =
                        summaries.iter().map(|s| past_case(s, &demand)).collect();
                    store.import_summarised(&cases, &summaries).await.unwrap();
                    let all = exported(store).await;
                    let half = if second_half { Half::H2 } else { Half::H1 };
                    let period = HalfYear::new(year, half).unwrap();
                    let options =
                        ReportOptions::new(NsOptions::new(bands), at("2027-06-01T00:00:00Z"));
                    let anchor = Anchor {
                        size: 0,
                        root: String::new(),
                        note: String::new(),
                    };
                    let span = ReportSpan::new(period, &options);
                    let counts = store.case_counts(span.periods[0], period).await.unwrap();
                    let (from, to) = span.national_security;
                    let national_security =
                        store.national_security_summaries(from, to).await.unwrap();
                    let from_sql = Report::from_counts(
                        &counts,
                        &national_security,
                        period,
                        anchor.clone(),
                        &options,
                    );
                    let built = Report::build(&all, period, anchor, &options).unwrap();
                    prop_assert_eq!(from_sql, built);
                    Ok(())
                })
            })
        })
        .unwrap();
    // The batched append wrote the same tree the one-at-a-time append would have.
    let (key, _) = writ_ledger::LogKey::generate("test.example/audit").unwrap();
    let (size, root) = store.tree_head().await.unwrap();
    store
        .save_checkpoint(&key.sign_checkpoint(size, root).unwrap(), at(NOW))
        .await
        .unwrap();
    record_events(store, 3).await;
    let verification = store.verify_audit_log(&key.verifier_key()).await.unwrap();
    assert_eq!(verification.problems, Vec::<String>::new());
    assert_eq!(verification.events, size + 3);
}

/// Opens a case from `demand` (a JSON document), received at `received`.
async fn open_from(
    store: &Store,
    demand: serde_json::Value,
    received: &str,
    deadline: Option<&str>,
) -> CaseRecord {
    let document = demand.to_string();
    let demand = Demand::from_json(&document).unwrap();
    let case = NewCase {
        id: CaseId::random(),
        demand: &demand,
        document: &document,
        received_at: at(received),
        deadline: deadline.map(at),
        decision: None,
        agency_id: None,
        documents: &[],
    };
    store
        .open_case(&case, &Actor::System, at(received))
        .await
        .unwrap()
}

fn demand_from(reference: &str, country: &str, target: &str, emergency: bool) -> serde_json::Value {
    let mut demand: serde_json::Value = serde_json::from_str(&demand_json(reference)).unwrap();
    demand["authority"]["country"] = json!(country);
    demand["targets"][0]["value"] = json!(target);
    if emergency {
        demand["emergency"] = json!({"justification": "a threat to life"});
    }
    demand
}

async fn references(store: &Store, query: &CaseQuery) -> Vec<String> {
    let page = store.queue(query).await.unwrap();
    page.cases.into_iter().map(|c| c.reference).collect()
}

async fn the_queue_pages_filters_and_searches(db: &TestDatabase) {
    let store = &db.store;
    let late = open_from(
        store,
        demand_from("SEA-Late", "US", "alice@example.com", false),
        "2026-01-05T00:00:00Z",
        Some("2026-04-01T00:00:00Z"),
    )
    .await;
    let soon = open_from(
        store,
        demand_from("BER-1", "DE", "bruno@example.de", false),
        "2026-02-01T00:00:00Z",
        Some("2026-03-01T00:00:00Z"),
    )
    .await;
    open_from(
        store,
        demand_from("SEA-None", "US", "carol@example.com", false),
        "2026-02-10T00:00:00Z",
        None,
    )
    .await;
    let urgent = open_from(
        store,
        demand_from("PAR-E", "FR", "dan@example.fr", true),
        "2026-02-20T00:00:00Z",
        Some("2026-03-05T00:00:00Z"),
    )
    .await;
    let done = open_from(
        store,
        demand_from("SEA-Done", "US", "alice@example.com", false),
        "2025-12-01T00:00:00Z",
        Some("2026-01-01T00:00:00Z"),
    )
    .await;
    let reviewing = store
        .transition(&step(&done, CaseEvent::StartReview, "rita"))
        .await
        .unwrap();
    store
        .transition(&step(&reviewing, CaseEvent::Withdraw, "rita"))
        .await
        .unwrap();
    store
        .record_escalation(soon.id, "0.75", "oncall", at(NOW))
        .await
        .unwrap();

    let query = |f: &dyn Fn(&mut CaseQuery)| {
        let mut q = CaseQuery {
            limit: 50,
            ..CaseQuery::default()
        };
        f(&mut q);
        q
    };
    // Open cases only; emergencies first, then by deadline, none last.
    assert_eq!(
        references(store, &query(&|_| {})).await,
        ["PAR-E", "BER-1", "SEA-Late", "SEA-None"]
    );
    assert_eq!(
        references(store, &query(&|q| q.states = Some(vec![]))).await,
        ["PAR-E", "SEA-Done", "BER-1", "SEA-Late", "SEA-None"]
    );
    assert_eq!(
        references(
            store,
            &query(&|q| q.states = Some(vec![CaseState::Withdrawn]))
        )
        .await,
        ["SEA-Done"]
    );
    assert_eq!(
        references(
            store,
            &query(&|q| q.country = Some(CountryCode::parse("US").unwrap()))
        )
        .await,
        ["SEA-Late", "SEA-None"]
    );
    assert_eq!(
        references(
            store,
            &query(&|q| q.instrument = Some("us.subpoena".into()))
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        references(
            store,
            &query(&|q| {
                q.received_from = Some(at("2026-02-01T00:00:00Z"));
                q.received_to = Some(at("2026-02-20T00:00:00Z"));
            })
        )
        .await,
        ["BER-1", "SEA-None"]
    );
    assert_eq!(
        references(
            store,
            &query(&|q| q.overdue_at = Some(at("2026-03-02T00:00:00Z")))
        )
        .await,
        ["BER-1"]
    );
    assert_eq!(
        references(store, &query(&|q| q.escalated = true)).await,
        ["BER-1"]
    );

    // Search: a reference exactly or by its start, in any case; an identifier as intake
    // normalises it; a case id.
    let search = |text: &str| {
        query(&|q| {
            q.search = Some(text.to_owned());
            q.states = Some(vec![]);
        })
    };
    assert_eq!(references(store, &search("sea-late")).await, ["SEA-Late"]);
    assert_eq!(
        references(store, &search("sea-")).await,
        ["SEA-Done", "SEA-Late", "SEA-None"]
    );
    assert_eq!(
        references(store, &search("ALICE@Example.com")).await,
        ["SEA-Done", "SEA-Late"]
    );
    assert_eq!(
        references(store, &search(&urgent.id.to_string())).await,
        ["PAR-E"]
    );
    assert_eq!(
        references(store, &search("nobody@example.com")).await,
        Vec::<String>::new()
    );

    // Pages of two, each after the last key of the one before.
    let mut seen = Vec::new();
    let mut q = query(&|q| {
        q.states = Some(vec![]);
        q.limit = 2;
    });
    loop {
        let page = store.queue(&q).await.unwrap();
        assert!(page.cases.len() <= 2);
        seen.extend(page.cases.iter().map(|c| c.reference.clone()));
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["PAR-E", "SEA-Done", "BER-1", "SEA-Late", "SEA-None"]);
    assert_eq!(
        store
            .queue(&query(&|q| q.search = Some(late.id.to_string())))
            .await
            .unwrap()
            .cases,
        vec![store.case(late.id).await.unwrap()]
    );
}

async fn a_cases_history_pages_through_its_own_events_only(db: &TestDatabase) {
    let store = &db.store;
    let first = open_from(
        store,
        demand_from("HIST-1", "US", "alice@example.com", false),
        "2026-01-05T00:00:00Z",
        None,
    )
    .await;
    let second = open_from(
        store,
        demand_from("HIST-2", "US", "bob@example.com", false),
        "2026-01-06T00:00:00Z",
        None,
    )
    .await;
    // The two cases' events interleave in the log.
    for case in [&first, &second, &first, &second, &first] {
        store
            .record(
                &AuditEntry::new(at(NOW), Actor::Staff("rita".into()), "case.viewed")
                    .for_case(case.id),
            )
            .await
            .unwrap();
    }
    let mut wanted = Vec::new();
    for from in (0..store.audit_size().await.unwrap()).step_by(100) {
        for event in store.audit_events(from, 100).await.unwrap() {
            if event.case_id.as_deref() == Some(first.id.to_string().as_str()) {
                wanted.push(event);
            }
        }
    }
    assert_eq!(wanted.len(), 4, "opened and viewed three times");
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.case_events(first.id, after, 3).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.index);
        pages.extend(page);
    }
    assert_eq!(pages, wanted);
    assert!(
        store
            .case_events(CaseId::random(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Every page of `query`, followed to the end: the case ids in order.
async fn every_page(store: &Store, mut query: CaseQuery) -> Vec<CaseId> {
    let mut ids = Vec::new();
    loop {
        let page = store.queue(&query).await.unwrap();
        ids.extend(page.cases.iter().map(|c| c.id));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return ids,
        }
    }
}

async fn a_broad_search_pages_like_the_queue_and_a_narrow_one_finds_its_case(db: &TestDatabase) {
    use proptest::strategy::ValueTree;
    let store = &db.store;
    // More cases than a search reads through the reference index (`PAST-<id>` each).
    let demand = Arc::new(Demand::from_json(&demand_json("PAST")).unwrap());
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let summaries: Vec<CaseSummary> = (0..1_100)
        .map(|_| arbitrary_summary().new_tree(&mut runner).unwrap().current())
        .collect();
    let cases: Vec<PastCase> = summaries.iter().map(|s| past_case(s, &demand)).collect();
    store.import_summarised(&cases, &summaries).await.unwrap();
    let every_state = |search: Option<&str>| CaseQuery {
        states: Some(vec![]),
        search: search.map(str::to_owned),
        limit: 200,
        ..CaseQuery::default()
    };

    let queue = every_page(store, every_state(None)).await;
    assert_eq!(queue.len(), cases.len());
    assert_eq!(every_page(store, every_state(Some("past-"))).await, queue);
    assert_eq!(every_page(store, every_state(Some("Past"))).await, queue);
    // Narrow: one reference (any case), one identifier.
    let wanted = &cases[7].case;
    let reference = wanted.reference.to_uppercase();
    assert_eq!(
        every_page(store, every_state(Some(&reference))).await,
        [wanted.id]
    );
    let named = &cases[9];
    assert_eq!(
        every_page(store, every_state(Some(&named.targets[0]))).await,
        [named.case.id]
    );
}

async fn pages_fetched_while_cases_arrive_show_each_earlier_case_once(db: &TestDatabase) {
    let store = &db.store;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 8,
        ..ProptestConfig::default()
    });
    // Cases: (emergency, deadline in days or none); arrivals between pages likewise;
    // the page size.
    let case = (any::<bool>(), prop::option::of(0i64..40));
    let plan = (
        prop::collection::vec(case.clone(), 1..25),
        prop::collection::vec(prop::collection::vec(case, 0..4), 0..12),
        1u32..6,
    );
    let round = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&plan, |(before, arrivals, limit)| {
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    // Each round has its own country, so rounds do not see each other.
                    let countries = [
                        "AT", "BE", "CH", "CZ", "DK", "EE", "ES", "FI", "GR", "HU", "IE", "IT",
                        "LT", "LU",
                    ];
                    let country = countries
                        [round.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % countries.len()];
                    let open = |(emergency, days): (bool, Option<i64>), n: usize| {
                        let deadline = days.map(|d| {
                            at(NOW)
                                .checked_add(time::Duration::days(d))
                                .unwrap()
                                .to_string()
                        });
                        async move {
                            open_from(
                                store,
                                demand_from(
                                    &format!("P-{n}"),
                                    country,
                                    "alice@example.com",
                                    emergency,
                                ),
                                NOW,
                                deadline.as_deref(),
                            )
                            .await
                            .id
                        }
                    };
                    let mut existing = BTreeSet::new();
                    for (n, c) in before.into_iter().enumerate() {
                        existing.insert(open(c, n).await);
                    }
                    let mut q = CaseQuery {
                        limit,
                        states: Some(vec![]),
                        country: Some(CountryCode::parse(country).unwrap()),
                        ..CaseQuery::default()
                    };
                    let mut arrivals = arrivals.into_iter();
                    let mut seen = Vec::new();
                    loop {
                        let page = store.queue(&q).await.unwrap();
                        seen.extend(page.cases.iter().map(|c| c.id));
                        for c in arrivals.next().unwrap_or_default() {
                            open(c, 1000).await;
                        }
                        match page.next {
                            Some(next) => q.after = Some(next),
                            None => break,
                        }
                    }
                    let shown: Vec<CaseId> = seen
                        .iter()
                        .copied()
                        .filter(|id| existing.contains(id))
                        .collect();
                    let once: BTreeSet<CaseId> = shown.iter().copied().collect();
                    prop_assert_eq!(shown.len(), once.len(), "a case shown twice");
                    prop_assert_eq!(once, existing);
                    Ok(())
                })
            })
        })
        .unwrap();
}

async fn an_account_awaiting_confirmation_has_no_token_until_a_second_admin_confirms(
    db: &TestDatabase,
) {
    let store = &db.store;
    let ada = add_user(store, "ada", Role::Admin, None).await;
    let bo = add_user(store, "bea", Role::Admin, None).await;
    let username = Username::parse("mallory").unwrap();
    let new = NewUser {
        id: UserId::random(),
        username: &username,
        role: Role::Approver,
        agency_id: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        totp_secret: "JBSWY3DPEHPK3PXP",
    };
    let change = store
        .add_user_awaiting_confirmation(&new, ada, &Actor::Staff("ada".into()), at(NOW))
        .await
        .unwrap();
    let user = store.user_by_name(&username).await.unwrap().unwrap();
    assert_eq!(user.awaiting_change, Some(change));
    store
        .issue_token("mallory-token", &user, "initial", &Actor::Operator, at(NOW))
        .await
        .unwrap();
    assert!(
        store
            .user_by_token("mallory-token")
            .await
            .unwrap()
            .is_none()
    );
    let asked = store.admin_change(change).await.unwrap();
    assert_eq!((asked.requested_by, asked.confirmed_by), (ada, None));

    let actor = Actor::Staff("bea".into());
    assert!(
        store
            .confirm_admin_change(change, bo, &actor, at(NOW))
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_admin_change(change, bo, &actor, at(NOW))
            .await
            .unwrap(),
        "confirmed once"
    );
    let confirmed = store.user_by_token("mallory-token").await.unwrap().unwrap();
    assert_eq!((confirmed.id, confirmed.awaiting_change), (user.id, None));
    assert_eq!(
        store.admin_change(change).await.unwrap().confirmed_by,
        Some(bo)
    );
    assert!(matches!(
        store.admin_change(change + 1000).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// The actions of the audit log, in order.
async fn audit_actions(store: &Store) -> Vec<String> {
    entries(store).await.into_iter().map(|e| e.action).collect()
}

async fn a_disabled_account_has_no_token_and_enabling_it_is_audited(db: &TestDatabase) {
    let store = &db.store;
    let ada = add_user(store, "ada", Role::Admin, None).await;
    let bea = add_user(store, "bea", Role::Admin, None).await;
    let rita = add_user(store, "rita", Role::Reviewer, None).await;
    let user = store.user_by_id(rita).await.unwrap();
    let actor = Actor::Staff("ada".into());
    store
        .issue_token("rita-token", &user, "initial", &actor, at(NOW))
        .await
        .unwrap();
    store
        .start_session(
            "rita-session",
            &user,
            &actor,
            at(NOW),
            at("2026-03-03T09:00:00Z"),
        )
        .await
        .unwrap();
    let before = audit_actions(store).await.len();

    assert!(store.disable_user(&user, &actor, at(NOW)).await.unwrap());
    assert!(
        !store.disable_user(&user, &actor, at(NOW)).await.unwrap(),
        "once"
    );
    assert!(store.user_by_token("rita-token").await.unwrap().is_none());
    assert!(
        store
            .user_by_session("rita-session", at(NOW))
            .await
            .unwrap()
            .is_none()
    );
    let disabled = store.user_by_id(rita).await.unwrap();
    assert_eq!(disabled.disabled_at, Some(at(NOW)));

    // Enabling her again is a change a second admin confirms; it takes effect then.
    let change = store
        .request_admin_change(
            "user.enabled",
            &rita.to_string(),
            None,
            ada,
            &actor,
            at(NOW),
        )
        .await
        .unwrap();
    assert!(store.user_by_token("rita-token").await.unwrap().is_none());
    let pending = store.pending_admin_changes(0, 10).await.unwrap();
    assert_eq!(pending.iter().map(|c| c.id).collect::<Vec<_>>(), [change]);
    assert_eq!(pending[0].subject, rita.to_string());
    let bea_actor = Actor::Staff("bea".into());
    assert!(
        store
            .confirm_admin_change(change, bea, &bea_actor, at(NOW))
            .await
            .unwrap()
    );
    assert!(store.user_by_token("rita-token").await.unwrap().is_some());
    assert_eq!(store.pending_admin_changes(0, 10).await.unwrap(), []);

    // An account that needs no second admin is enabled at once.
    assert!(store.disable_user(&user, &actor, at(NOW)).await.unwrap());
    assert!(store.enable_user(&user, &actor, at(NOW)).await.unwrap());
    assert!(
        !store.enable_user(&user, &actor, at(NOW)).await.unwrap(),
        "once"
    );
    assert!(
        store
            .user_by_session("rita-session", at(NOW))
            .await
            .unwrap()
            .is_some()
    );

    let actions = audit_actions(store).await;
    assert_eq!(
        actions[before..],
        [
            "user.disabled",
            "admin_change.requested",
            "admin_change.confirmed",
            "user.enabled",
            "user.disabled",
            "user.enabled",
        ]
    );
}

async fn an_agency_change_takes_effect_at_confirmation_unless_its_domain_is_taken(
    db: &TestDatabase,
) {
    let store = &db.store;
    let ada = add_user(store, "ada", Role::Admin, None).await;
    let bea = add_user(store, "bea", Role::Admin, None).await;
    let (ada_actor, bea_actor) = (Actor::Staff("ada".into()), Actor::Staff("bea".into()));
    store.add_agency(&agency(), &Actor::Operator).await.unwrap();
    let kc = Agency {
        id: AgencyId::parse("king-county").unwrap(),
        email_domains: vec!["kingcounty.gov".into()],
        ..agency()
    };
    store.add_agency(&kc, &Actor::Operator).await.unwrap();
    // Registering a third agency with a domain of the first is refused.
    let copy = Agency {
        id: AgencyId::parse("copy-pd").unwrap(),
        email_domains: vec!["other.example".into(), "seattle.gov".into()],
        ..agency()
    };
    assert!(matches!(
        store.add_agency(&copy, &Actor::Operator).await,
        Err(StoreError::DomainTaken { ref domain, .. }) if domain == "seattle.gov"
    ));

    let set = |domains: &[&str], phone: Option<&str>| {
        serde_json::to_value(writ_store::AgencyChange {
            email_domains: Some(domains.iter().map(|d| d.to_string()).collect()),
            callback_phone: phone.map(str::to_owned),
            age_recipient: None,
        })
        .unwrap()
    };
    let spd = agency().id;
    let change = store
        .request_admin_change(
            "agency.changed",
            spd.as_str(),
            Some(&set(&["seattle.gov", "spd.example"], Some("+12065550199"))),
            ada,
            &ada_actor,
            at(NOW),
        )
        .await
        .unwrap();
    assert_eq!(
        store.agency(&spd).await.unwrap(),
        agency(),
        "not before confirmation"
    );
    assert!(
        store
            .confirm_admin_change(change, bea, &bea_actor, at(NOW))
            .await
            .unwrap()
    );
    let changed = store.agency(&spd).await.unwrap();
    assert_eq!(changed.email_domains, ["seattle.gov", "spd.example"]);
    assert_eq!(changed.callback_phone.as_str(), "+12065550199");
    assert_eq!(
        changed.age_recipient,
        agency().age_recipient,
        "left as it was"
    );

    // King County asks for a domain Seattle has by the time a second admin confirms.
    let change = store
        .request_admin_change(
            "agency.changed",
            kc.id.as_str(),
            Some(&set(&["kingcounty.gov", "spd.example"], None)),
            ada,
            &ada_actor,
            at(NOW),
        )
        .await
        .unwrap();
    let before = audit_actions(store).await;
    assert!(matches!(
        store.confirm_admin_change(change, bea, &bea_actor, at(NOW)).await,
        Err(StoreError::DomainTaken { ref domain, .. }) if domain == "spd.example"
    ));
    assert_eq!(store.agency(&kc.id).await.unwrap(), kc, "nothing changed");
    assert_eq!(audit_actions(store).await, before, "nothing written");
    assert_eq!(store.admin_change(change).await.unwrap().confirmed_at, None);
    assert_eq!(
        before[before.len() - 3..],
        [
            "admin_change.confirmed",
            "agency.changed",
            "admin_change.requested"
        ]
    );
}

async fn an_idempotency_key_opens_one_case(db: &TestDatabase) {
    let store = &db.store;
    store.add_agency(&agency(), &Actor::Operator).await.unwrap();
    let spd = agency().id;
    let document = demand_json("SEA-IDEM");
    let demand = Demand::from_json(&document).unwrap();
    let new_case = || NewCase {
        id: CaseId::random(),
        demand: &demand,
        document: &document,
        received_at: at(NOW),
        deadline: None,
        decision: None,
        agency_id: Some(&spd),
        documents: &[],
    };
    let key = |sha: &'static str| writ_store::IdempotencyKey {
        key: "retry-1",
        body_sha256: sha,
    };
    let actor = Actor::Agency("seattle-pd".into());
    let first = match store
        .open_case_once(&new_case(), &[], Some(&key("aa")), &actor, at(NOW))
        .await
        .unwrap()
    {
        writ_store::Opened::New(case) => case,
        other => panic!("{other:?}"),
    };
    match store
        .open_case_once(&new_case(), &[], Some(&key("aa")), &actor, at(NOW))
        .await
        .unwrap()
    {
        writ_store::Opened::Before(case) => assert_eq!(case.id, first.id),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store
            .open_case_once(&new_case(), &[], Some(&key("bb")), &actor, at(NOW))
            .await
            .unwrap(),
        writ_store::Opened::KeyReused
    ));
    assert_eq!(store.cases(None).await.unwrap().len(), 1);
    let later = at("2026-03-03T09:00:01Z");
    assert!(matches!(
        store
            .open_case_once(&new_case(), &[], Some(&key("bb")), &actor, later)
            .await
            .unwrap(),
        writ_store::Opened::New(_)
    ));
    assert_eq!(store.cases(None).await.unwrap().len(), 2);
}

async fn a_form3_is_kept_once_with_its_reasons(db: &TestDatabase) {
    use writ_core::workflow::Form3Reason;
    use writ_store::Form3Reply;
    let store = &db.store;
    let case = open_case(store, "FORM3-1", None).await;
    assert_eq!(store.form3(case.id).await.unwrap(), None);
    let form3 = Form3Reply {
        reasons: Form3Reason::ALL.to_vec(),
        explanation: "Every reason, to read each back.".into(),
        recorded_by: Actor::Staff("rita".into()),
        recorded_at: at("2026-09-03T10:00:00.5Z"),
    };
    let mut update = CaseUpdate::new(
        &case,
        "case.form3_recorded",
        Actor::Staff("rita".into()),
        form3.recorded_at,
    );
    update.form3 = Some(form3.clone());
    let updated = store.update_case(&update).await.unwrap();
    assert_eq!(store.form3(case.id).await.unwrap(), Some(form3.clone()));
    let size = store.audit_size().await.unwrap();
    let mut again = CaseUpdate::new(
        &updated,
        "case.form3_recorded",
        Actor::Staff("sam".into()),
        at(NOW),
    );
    again.form3 = Some(Form3Reply {
        reasons: vec![Form3Reason::Incomplete],
        ..form3.clone()
    });
    assert!(store.update_case(&again).await.is_err());
    assert_eq!(store.audit_size().await.unwrap(), size);
    assert_eq!(store.form3(case.id).await.unwrap(), Some(form3));
}

async fn a_production_order_following_a_preservation_is_kept_with_its_event(db: &TestDatabase) {
    use writ_store::{Hi1Followup, Hi1Message};
    let store = &db.store;
    store.add_agency(&agency(), &Actor::Operator).await.unwrap();
    let preservation = open_case(store, "PRESERVE-1", None).await;
    let production = open_case(store, "PRODUCE-1", None).await;
    assert!(
        store
            .preservation_followups(preservation.id)
            .await
            .unwrap()
            .is_empty()
    );
    let followup = || Hi1Followup {
        preservation: preservation.id,
        production: production.id,
        task: "t-9".into(),
    };
    for transaction in ["tx-f1", "tx-f2"] {
        store
            .take_hi1_message(&Hi1Message {
                agency: &agency().id,
                actor: &Actor::Agency("seattle-pd".into()),
                transaction,
                cases: vec![],
                objects: vec![],
                cancellations: vec![],
                followups: vec![followup()],
                media_type: "application/xml",
                answer: "<ok/>",
                now: at(NOW),
            })
            .await
            .unwrap();
    }
    // Named twice, kept once; each naming is in the preservation's history.
    assert_eq!(
        store.preservation_followups(preservation.id).await.unwrap(),
        [production.id]
    );
    let followed = store
        .case_events(preservation.id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "preservation.followed")
        .count();
    assert_eq!(followed, 2);
}

async fn an_hi1_message_is_taken_whole_once_and_its_last_task_withdraws_the_case(
    db: &TestDatabase,
) {
    use writ_store::{Hi1Cancellation, Hi1Case, Hi1Kind, Hi1Message, Hi1Taken, NewHi1Object};
    let store = &db.store;
    store.add_agency(&agency(), &Actor::Operator).await.unwrap();
    let spd = agency().id;
    let actor = Actor::Agency("seattle-pd".into());
    let document = demand_json("SEA-HI1");
    let demand = Demand::from_json(&document).unwrap();
    let id = CaseId::random();
    let object = |object_id: &str, kind| NewHi1Object {
        object_id: object_id.to_owned(),
        case_id: id,
        kind,
    };
    let message = |transaction, cases, objects, cancellations, answer| Hi1Message {
        followups: Vec::new(),
        agency: &spd,
        actor: &actor,
        transaction,
        cases,
        objects,
        cancellations,
        media_type: "application/xml",
        answer,
        now: at(NOW),
    };
    let opening = || {
        vec![Hi1Case {
            case: NewCase {
                id,
                demand: &demand,
                document: &document,
                received_at: at(NOW),
                deadline: None,
                decision: None,
                agency_id: Some(&spd),
                documents: &[],
            },
            jobs: vec![],
        }]
    };
    let objects = || {
        vec![
            object("a", Hi1Kind::Authorisation),
            object("t1", Hi1Kind::LdTask),
            object("t2", Hi1Kind::LdTask),
        ]
    };
    let taken = store
        .take_hi1_message(&message("tx-1", opening(), objects(), vec![], "<first/>"))
        .await
        .unwrap();
    assert!(matches!(&taken, Hi1Taken::Taken(cases) if cases.len() == 1 && cases[0].id == id));
    // The same transaction again: the first answer, nothing written.
    let size = store.audit_size().await.unwrap();
    let again = store
        .take_hi1_message(&message("tx-1", vec![], vec![], vec![], "<second/>"))
        .await
        .unwrap();
    assert_eq!(
        again,
        Hi1Taken::Repeated(writ_store::Hi1Answer {
            media_type: "application/xml".into(),
            answer: "<first/>".into()
        })
    );
    assert_eq!(store.audit_size().await.unwrap(), size);
    let kept = store.hi1_objects(&spd, None, None, 10).await.unwrap();
    assert_eq!(kept.len(), 3);
    assert_eq!(
        store.hi1_objects(&spd, Some("t1"), None, 10).await.unwrap()[0].kind,
        Hi1Kind::LdTask
    );

    // A message failing half-way (an object kept already) leaves nothing: not even its
    // answer, so it can be sent again corrected.
    let failed = store
        .take_hi1_message(&message(
            "tx-2",
            vec![],
            vec![object("t1", Hi1Kind::LdTask)],
            vec![],
            "<x/>",
        ))
        .await;
    assert!(failed.is_err());
    assert_eq!(store.hi1_answer(&spd, "tx-2").await.unwrap(), None);
    assert_eq!(store.audit_size().await.unwrap(), size);

    // One task cancelled; then the last, with the case's withdrawal.
    let cancel = |object_id: &str, withdraw| Hi1Cancellation {
        object_id: object_id.to_owned(),
        case_id: id,
        withdraw,
    };
    store
        .take_hi1_message(&message(
            "tx-3",
            vec![],
            vec![],
            vec![cancel("t1", None)],
            "<3/>",
        ))
        .await
        .unwrap();
    let t1 = store.hi1_objects(&spd, Some("t1"), None, 1).await.unwrap();
    assert_eq!(t1[0].cancelled_at, Some(at(NOW)));
    assert_eq!(store.case(id).await.unwrap().state, CaseState::Received);
    // Cancelling it twice is a conflict, and rolls back.
    assert!(
        store
            .take_hi1_message(&message(
                "tx-4",
                vec![],
                vec![],
                vec![cancel("t1", None)],
                "<4/>"
            ))
            .await
            .is_err()
    );
    let case = store.case(id).await.unwrap();
    let mut withdraw = CaseUpdate::new(&case, "case.withdrawn", actor.clone(), at(NOW));
    withdraw.events = vec![CaseEvent::Withdraw];
    store
        .take_hi1_message(&message(
            "tx-5",
            vec![],
            vec![],
            vec![cancel("t2", Some(withdraw))],
            "<5/>",
        ))
        .await
        .unwrap();
    assert_eq!(store.case(id).await.unwrap().state, CaseState::Withdrawn);
    let actions: Vec<String> = store
        .case_events(id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "case.opened",
            "hi1.objects_created",
            "hi1.task_cancelled",
            "hi1.task_cancelled",
            "case.withdrawn"
        ]
    );
}

/// Every record of `period` as the store streams it now.
async fn public_records(store: &Store, period: HalfYear) -> Vec<PublicRecord> {
    let mut records = Vec::new();
    store
        .public_records(period, |r| {
            records.push(r.clone());
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap();
    records
}

/// The index the store proves `record` at in `publication`, its proof checked against
/// the publication's root.
async fn proven_index(
    store: &Store,
    period: HalfYear,
    publication: &writ_report::Publication,
    record: &PublicRecord,
) -> u64 {
    let proof = store
        .record_proof(period, publication.version, &record.commitment)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(proof.record, record.canonical_json());
    writ_ledger::verify_inclusion(
        &proof.proof,
        proof.index,
        publication.records.size,
        publication.records.root,
        record.leaf_hash(),
    )
    .unwrap_or_else(|e| panic!("record {}: {e}", proof.index));
    proof.index
}

async fn published_records(store: &Store, period: HalfYear, version: u32) -> Vec<PublicRecord> {
    let mut records = Vec::new();
    store
        .published_records(period, version, |r| {
            records.push(r.clone());
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap();
    records
}

async fn every_case_has_a_secret_and_a_periods_records_stream_in_commitment_order(
    db: &TestDatabase,
) {
    let store = &db.store;
    let opened = open_case(store, "SECRET-1", None).await;
    let secret = store.case_secret(opened.id).await.unwrap().unwrap();

    // A history of more than a page of one period's cases, each given a secret.
    use proptest::strategy::ValueTree;
    let demand = Arc::new(Demand::from_json(&demand_json("PAST")).unwrap());
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let period = HalfYear::new(2026, Half::H1).unwrap();
    let summaries: Vec<CaseSummary> = (0..2300)
        .map(|_| {
            let mut summary = arbitrary_summary().new_tree(&mut runner).unwrap().current();
            // Into the period, keeping the second of the month.
            let offset = summary.received_at.datetime().unix_timestamp() % (180 * 86_400);
            summary.received_at = Timestamp::from_datetime(
                time::OffsetDateTime::from_unix_timestamp(1_767_225_600 + offset).unwrap(),
            );
            summary
        })
        .collect();
    let cases: Vec<PastCase> = summaries.iter().map(|s| past_case(s, &demand)).collect();
    store.import_summarised(&cases, &summaries).await.unwrap();

    let mut with_secrets = vec![(summary_of(store, opened.id).await, secret.clone())];
    for summary in &summaries {
        let secret = store.case_secret(summary.id).await.unwrap().unwrap();
        with_secrets.push((summary.clone(), secret));
    }
    let tree = ReportTree::of_cases(period, with_secrets.iter().map(|(s, k)| (s, k))).unwrap();
    let records = public_records(store, period).await;
    assert!(records.len() > 1000, "more than a page: {}", records.len());
    assert_eq!(
        records,
        tree.records(),
        "the same records, in commitment order"
    );
    assert!(records.iter().any(|r| r.commitment == secret.commitment()));
    assert!(records.iter().all(|r| PublicRecord::published(r.section)));
    let secrets: BTreeSet<_> = with_secrets.iter().map(|(_, k)| *k.as_bytes()).collect();
    assert_eq!(
        secrets.len(),
        with_secrets.len(),
        "secrets are each case's own"
    );
    // None in another period.
    let other = HalfYear::new(2025, Half::H2).unwrap();
    assert!(public_records(store, other).await.is_empty());

    // Cases from before secrets get theirs when the store opens; kept ones stay.
    db.execute_raw(&format!(
        "UPDATE case_summaries SET secret = NULL, commitment = NULL WHERE case_id <> '{}'",
        opened.id
    ))
    .await
    .unwrap();
    let again = Store::open(db.location()).await.unwrap();
    assert_eq!(again.case_secret(opened.id).await.unwrap(), Some(secret));
    let given = again.case_secret(summaries[0].id).await.unwrap().unwrap();
    assert_ne!(Some(&given), with_secrets.get(1).map(|(_, k)| k));
    assert_eq!(public_records(&again, period).await.len(), records.len());

    // Published, records in every chunk of the tree prove their place in it: from the
    // chunks kept at publication, and from chunks computed again when they are missing
    // (a publication from before they were kept).
    let publication = again
        .publish_report(
            period,
            None,
            Anchor {
                size: 1,
                root: "root".into(),
                note: "note".into(),
            },
            &Actor::Staff("ada".into()),
            at("2026-07-01T00:00:00Z"),
        )
        .await
        .unwrap();
    let published = published_records(&again, period, 1).await;
    let last = published.len() - 1;
    assert!(last > 1025, "more than a chunk: {}", published.len());
    for round in ["kept", "computed again"] {
        for index in [0, 1, 1023, 1024, 1025, last - 1, last] {
            let proved = proven_index(&again, period, &publication, &published[index]).await;
            assert_eq!(proved, index as u64, "chunks {round}");
        }
        db.execute_raw("DELETE FROM published_chunks")
            .await
            .unwrap();
    }
    again.close().await;
}

async fn publishing_freezes_the_records_and_a_correction_keeps_both_versions(db: &TestDatabase) {
    let store = &db.store;
    let period = HalfYear::new(2026, Half::H1).unwrap();
    let first = open_case(store, "PUB-1", None).await;
    let second = open_case(store, "PUB-2", None).await;
    let anchor = Anchor {
        size: 2,
        root: "root".into(),
        note: "note".into(),
    };
    let admin = Actor::Staff("ada".into());
    let after = at("2026-07-01T00:00:00Z");

    // Not before the period is over; a first publication needs no reason.
    let early = store
        .publish_report(period, None, anchor.clone(), &admin, at(NOW))
        .await;
    assert!(matches!(early, Err(StoreError::Unpublishable(m)) if m.contains("not over")));
    assert!(store.publications(period).await.unwrap().is_empty());
    let size = store.audit_size().await.unwrap();
    let v1 = store
        .publish_report(period, None, anchor.clone(), &admin, after)
        .await
        .unwrap();
    let tree = ReportTree::of_records(period, public_records(store, period).await).unwrap();
    assert_eq!((v1.version, v1.records), (1, tree.head()));
    assert_eq!(v1.records.size, 2);
    assert_eq!(
        v1.event.index, size,
        "one event, appended in the transaction"
    );
    let event = &entries(store).await[size as usize];
    assert_eq!(event.action, "report.published");
    assert_eq!(
        event.details,
        json!({"period": "2026-H1", "version": 1, "size": 2,
               "root": tree.head().root.to_string(), "checkpoint": 2})
    );
    assert_eq!(v1.event.entry.as_bytes(), event.canonical_bytes());

    // Again: a correction needs a reason, and something to correct.
    let unexplained = store
        .publish_report(period, None, anchor.clone(), &admin, after)
        .await;
    assert!(matches!(unexplained, Err(StoreError::OutOfRange(m)) if m.starts_with("reason:")));
    let unchanged = store
        .publish_report(period, Some("again"), anchor.clone(), &admin, after)
        .await;
    assert!(matches!(unchanged, Err(StoreError::Unpublishable(m)) if m.contains("version 1")));
    assert_eq!(
        store.audit_size().await.unwrap(),
        size + 1,
        "nothing written"
    );
    assert_eq!(published_records(store, period, 2).await, vec![]);

    // A case corrected after publication: version 2, with the reason; version 1 frozen.
    let reviewing = store
        .transition(&step(&first, CaseEvent::StartReview, "rita"))
        .await
        .unwrap();
    let mut reject = CaseUpdate::new(
        &reviewing,
        "case.reject",
        Actor::Staff("rita".into()),
        after,
    );
    reject.events = vec![CaseEvent::Reject];
    reject.rejection_reason = Some("overbroad".into());
    store.update_case(&reject).await.unwrap();
    let later = at("2026-08-01T00:00:00Z");
    let v2 = store
        .publish_report(
            period,
            Some(" a case was rejected "),
            anchor.clone(),
            &admin,
            later,
        )
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.reason.as_deref(), Some("a case was rejected"));
    assert_ne!(v2.records.root, v1.records.root);
    let event = entries(store).await.pop().unwrap();
    assert_eq!(event.action, "report.corrected");
    assert_eq!(event.details["reason"], "a case was rejected");
    assert_eq!(event.details["previous_root"], v1.records.root.to_string());
    assert_eq!(
        store.publications(period).await.unwrap(),
        vec![v1.clone(), v2.clone()]
    );
    let frozen = published_records(store, period, 1).await;
    assert_eq!(
        ReportTree::of_records(period, frozen.clone())
            .unwrap()
            .head(),
        v1.records
    );
    assert!(frozen.iter().all(|r| r.outcome == Outcome::Pending));
    let now = published_records(store, period, 2).await;
    assert_eq!(
        now.iter()
            .filter(|r| r.outcome == Outcome::Rejected)
            .count(),
        1
    );

    // Each version proves its records and counts them.
    for publication in [&v1, &v2] {
        let records = published_records(store, period, publication.version).await;
        for record in &records {
            proven_index(store, period, publication, record).await;
        }
        let counts = store
            .published_counts(period, publication.version)
            .await
            .unwrap();
        assert_eq!(counts.iter().map(|c| c.cases).sum::<u64>(), 2);
    }
    let secret = store.case_secret(second.id).await.unwrap().unwrap();
    assert!(
        store
            .record_proof(period, 3, &secret.commitment())
            .await
            .unwrap()
            .is_none()
    );
    let stranger = writ_report::CaseSecret::generate().commitment();
    assert!(
        store
            .record_proof(period, 1, &stranger)
            .await
            .unwrap()
            .is_none()
    );

    // records.jsonl's lines: each record's canonical JSON, as kept at publication or,
    // for a publication from before lines were kept, written again.
    let expected: Vec<_> = published_records(store, period, 2)
        .await
        .iter()
        .map(|r| (r.commitment, r.canonical_json()))
        .collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(
        store.published_lines_page(period, 2, None).await.unwrap(),
        expected
    );
    db.execute_raw("UPDATE published_records SET line = NULL")
        .await
        .unwrap();
    assert_eq!(
        store.published_lines_page(period, 2, None).await.unwrap(),
        expected
    );
}
