use serde_json::json;
use writ_core::policy::{Decision, DirectoryFile, Route, Verdict};
use writ_core::{Actor, AuditEntry, CaseState, Timestamp};
use writ_server::ApiError;
use writ_server::intake::receive_demand;

use crate::helpers::{spawn_app, spawn_app_with_directory};

const EXAMPLE: &str = include_str!("../../../writ-core/tests/demands/policy-example.json");

#[tokio::test]
async fn a_demand_opens_a_case_with_its_decision() {
    let app = spawn_app().await;
    let agency = Actor::Agency("spd".into());
    let case = receive_demand(&app.state, EXAMPLE, &agency).await.unwrap();

    assert_eq!(case.state, CaseState::Received);
    assert_eq!(case.reference, "SEA-2026-0412");
    // Received now by the provider's clock, whatever the document claimed.
    assert_eq!(
        case.received_at,
        Timestamp::parse("2026-03-02T09:00:00Z").unwrap()
    );
    let decision: Decision = serde_json::from_value(case.decision.clone().unwrap()).unwrap();
    assert_eq!(decision.verdict, Verdict::Accept);
    assert_eq!(decision.rule.as_deref(), Some("US-3"));
    assert_eq!(
        app.db.store.demand_document(case.id).await.unwrap(),
        EXAMPLE
    );

    let events = app.db.store.audit_events(0, 10).await.unwrap();
    let opened = AuditEntry::from_canonical_bytes(&events[0].entry).unwrap();
    assert_eq!(
        (opened.action.as_str(), opened.case_id),
        ("case.opened", Some(case.id))
    );
    assert_eq!(opened.actor, agency);
}

#[tokio::test]
async fn the_deadline_is_stored_for_the_queue() {
    let app = spawn_app().await;
    let mut doc: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["instrument"]["type"] = json!("us.emergency");
    doc["emergency"] = json!({"justification": "a child is missing and believed to be in danger"});
    let case = receive_demand(&app.state, &doc.to_string(), &Actor::Agency("spd".into()))
        .await
        .unwrap();
    assert!(case.emergency);
    assert_eq!(
        case.deadline,
        Some(Timestamp::parse("2026-03-03T09:00:00Z").unwrap())
    );
}

#[tokio::test]
async fn an_invalid_demand_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let mut doc: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["targets"][0]["value"] = json!("alice@@example.com");
    let err = receive_demand(&app.state, &doc.to_string(), &Actor::Agency("spd".into()))
        .await
        .unwrap_err();
    match err {
        ApiError::BadRequest { field, .. } => {
            assert_eq!(field.as_deref(), Some("targets[0].value"))
        }
        other => panic!("{other:?}"),
    }
    assert!(app.db.store.cases(None).await.unwrap().is_empty());
    assert_eq!(app.db.store.audit_size().await.unwrap(), 0);
}

#[tokio::test]
async fn the_configured_directory_routes_enterprise_accounts() {
    let directory = DirectoryFile::from_json(
        &json!({
            "accounts": [{"id": "acc-1", "identifiers": [{"type": "email", "value": "alice@example.com"}], "tenant": "t-1"}],
            "tenants": [{"id": "t-1", "name": "Contoso", "seats": 500, "admin_email": "it@contoso.example"}]
        })
        .to_string(),
    )
    .unwrap();
    let app = spawn_app_with_directory(Some(directory)).await;
    let case = receive_demand(&app.state, EXAMPLE, &Actor::Agency("spd".into()))
        .await
        .unwrap();
    let decision: Decision = serde_json::from_value(case.decision.unwrap()).unwrap();
    assert_eq!(decision.route, Route::RedirectEnterprise);
}
