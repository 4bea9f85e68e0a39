//! Gates a person clears (policy §6): the conflict of laws on an EPOC's content, and
//! the 48-hour validation of an EU emergency order. Nothing is approved, or released,
//! before they are cleared.

use serde_json::{Value, json};
use writ_core::Timestamp;

use crate::helpers::Backend;
use crate::helpers::demand;
use crate::workflow::{World, world};

on_both_backends!(
    an_epoc_for_content_waits_for_counsel_to_clear_the_conflict,
    an_unvalidated_eu_emergency_order_waits_for_its_validation,
);

/// An EPOC from the Bundeskriminalamt, once e-Evidence applies.
fn epoc(edit: impl FnOnce(&mut Value)) -> String {
    demand(|d| {
        d["reference"] = json!("EPOC-2026-77");
        d["authority"] = json!({"name": "Bundeskriminalamt", "country": "DE"});
        d["instrument"]["type"] = json!("eu.epoc");
        d["instrument"]["issued_at"] = json!("2026-09-01T16:00:00Z");
        d["instrument"]["expires_at"] = json!("2026-09-30T00:00:00Z");
        d["instrument"]
            .as_object_mut()
            .unwrap()
            .remove("nondisclosure");
        edit(d);
    })
}

async fn in_september(backend: Backend) -> World {
    let w = world(backend, None).await;
    w.app
        .clock
        .set(Timestamp::parse("2026-09-02T09:00:00Z").unwrap());
    w
}

async fn clear(w: &World, token: &str, id: &str, code: &str, reason: &str) -> (u16, Value) {
    w.app
        .post_as(
            token,
            &format!("/api/v1/cases/{id}/gates/{code}/clear"),
            &json!({"reason": reason}).to_string(),
        )
        .await
}

async fn an_epoc_for_content_waits_for_counsel_to_clear_the_conflict(backend: Backend) {
    let w = in_september(backend).await;
    let id = w.app.submit(w.bka(), &epoc(|_| {})).await;
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["decision"]["verdict"], "accept", "{case}");
    let codes: Vec<&str> = case["decision"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"CONFLICTING_OBLIGATION"), "{codes:?}");

    w.app.recommend_approval(&w.reviewer, &id, "in order").await;
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "ok"}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("Art. 17"),
        "{body}"
    );

    // Only an approver clears it; only a gate the case has; never the call-back.
    let approver = w.approver.token.clone();
    let (status, _) = clear(&w, &w.reviewer.token, &id, "CONFLICTING_OBLIGATION", "x").await;
    assert_eq!(status, 403);
    let (status, _) = clear(&w, &approver, &id, "VALIDATION_REQUIRED_48H", "x").await;
    assert_eq!(status, 409);
    let (status, body) = clear(&w, &approver, &id, "NOT_A_CODE", "x").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("code")));
    let (status, body) = clear(&w, &approver, &id, "CONFLICTING_OBLIGATION", " ").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("reason")));

    let reason = "Objection filed on 3 Sep 2026; the issuing authority withdrew the content part.";
    let (status, body) = clear(&w, &approver, &id, "CONFLICTING_OBLIGATION", reason).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = clear(&w, &approver, &id, "CONFLICTING_OBLIGATION", reason).await;
    assert_eq!(status, 409, "cleared once");
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["gate_clearances"][0]["code"], "CONFLICTING_OBLIGATION");
    assert_eq!(case["gate_clearances"][0]["reason"], reason);

    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "ok"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(w.actions().await.iter().any(|a| a == "case.gate_cleared"));
}

async fn an_unvalidated_eu_emergency_order_waits_for_its_validation(backend: Backend) {
    let w = in_september(backend).await;
    let document = epoc(|d| {
        d["categories"] = json!(["subscriber"]);
        d["instrument"]["issuer"] = json!({"name": "LKA Berlin", "role": "police"});
        d["emergency"] = json!({"justification": "Imminent attack on a power station."});
    });
    let id = w.app.submit(w.bka(), &document).await;
    w.app.recommend_approval(&w.reviewer, &id, "urgent").await;
    // The call-back is cleared by a confirmed call, never by a reason.
    let (status, _) = clear(
        &w,
        &w.approver.token,
        &id,
        "EMERGENCY_VERIFICATION_REQUIRED",
        "x",
    )
    .await;
    assert_eq!(status, 409);
    let callback = json!({"called_at": "2026-09-02T09:10:00Z", "outcome": "confirmed"});
    let (status, body) = w
        .app
        .post_as(
            &w.reviewer.token,
            &format!("/api/v1/cases/{id}/callback"),
            &callback.to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 409, "the validation is still open: {body}");
    let (status, _) = clear(
        &w,
        &w.approver.token,
        &id,
        "VALIDATION_REQUIRED_48H",
        "Validated by the Staatsanwaltschaft Berlin on 2 Sep 2026, 14:00.",
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 200, "{body}");
}
