//! Red lines (policy §5) through the API: a warrant that also asks for keys proceeds
//! for the rest; an assistance order for a capability goes to counsel, never to
//! approval, and tells no one.

use serde_json::{Value, json};
use writ_core::Role;

use crate::helpers::demand;
use crate::helpers::{Backend, Person};
use crate::workflow::{World, world};

on_both_backends!(
    a_warrant_for_keys_is_partial_and_the_rest_proceeds,
    a_technical_capability_notice_goes_to_counsel,
    counsel_decides_only_on_assistance_orders,
);

async fn a_warrant_for_keys_is_partial_and_the_rest_proceeds(backend: Backend) {
    let w = world(backend, None).await;
    let id = w
        .submit(&demand(|d| {
            d["categories"] = json!(["subscriber", "encryption_keys"]);
        }))
        .await;
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["decision"]["verdict"], "partial");
    assert_eq!(case["decision"]["route"], "process");

    // The authority is told plainly what was refused, and why, citing the policy.
    let seen = w.state_for_authority(&id).await;
    let refused = seen["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{seen}");
    assert_eq!(refused[0]["category"], "encryption_keys");
    assert_eq!(refused[0]["code"], "KEYS_OR_ACCESS_REFUSED");
    assert_eq!(refused[0]["rule"], "P-1");
    assert!(refused[0]["citation"].as_str().unwrap().contains("no keys"));

    // Keys cannot be recommended (the scope only narrows), the subscriber part is approved.
    let (status, _) = w
        .review(
            &w.reviewer,
            &id,
            json!({"recommendation": "approve", "reason": "warrant in order", "scope": {"categories": ["encryption_keys"]}}),
        )
        .await;
    assert_eq!(status, 400);
    w.app
        .recommend_approval(&w.reviewer, &id, "warrant in order")
        .await;
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"]["categories"], json!(["subscriber"]));
}

async fn gb_authority(w: &World) -> Person {
    w.app
        .add_agency("home-office", "GB", "homeoffice.gov.uk", "+442070354848")
        .await;
    w.app
        .add_person(
            "jsmith@homeoffice.gov.uk",
            Role::Agency,
            Some("home-office"),
        )
        .await
}

fn capability_notice() -> String {
    demand(|d| {
        d["reference"] = json!("TCN-2026-01");
        d["authority"] = json!({"name": "Home Office", "country": "GB"});
        d["instrument"]["type"] = json!("uk.technical_capability_notice");
        d["instrument"]["issuer"] = json!({"name": "Secretary of State", "role": "other"});
        d["instrument"]["nondisclosure"] =
            json!({"indefinite": true, "basis": "Investigatory Powers Act 2016 s. 255(8)"});
        d["categories"] = json!(["technical_capability"]);
        d["targets"] = json!([]);
        d.as_object_mut().unwrap().remove("period");
    })
}

async fn counsel(w: &World, who: &Person, id: &str, body: Value) -> (u16, Value) {
    w.app
        .post_as(
            &who.token,
            &format!("/api/v1/cases/{id}/counsel"),
            &body.to_string(),
        )
        .await
}

async fn a_technical_capability_notice_goes_to_counsel(backend: Backend) {
    let w = world(backend, None).await;
    let home_office = gb_authority(&w).await;
    let id = w.app.submit(&home_office, &capability_notice()).await;
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["decision"]["route"], "counsel", "{case}");
    assert_eq!(case["decision"]["notification"]["when"], "never");
    // 28 days to refer it for review.
    assert_eq!(case["deadline"], "2026-03-30T09:00:00Z");

    // It is in the counsel view, and only it is.
    let warrant = w.submit(&demand(|_| {})).await;
    let (status, view) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases?route=counsel")
        .await;
    assert_eq!(status, 200, "{view}");
    let ids: Vec<&str> = view["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let (_, queue) = w.app.get_as(&w.reviewer.token, "/api/v1/cases").await;
    assert_eq!(
        queue["cases"].as_array().unwrap().len(),
        2,
        "{queue} has {warrant} too"
    );
    let (status, body) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases?route=lawyer")
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("route")));

    // Never in the approval path: neither a recommendation nor an approval is taken.
    let (status, body) = w
        .review(
            &w.reviewer,
            &id,
            json!({"recommendation": "approve", "reason": "comply"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap().contains("counsel"));
    let (status, _) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 409);
    // Counsel is an approver's call.
    let (status, _) = counsel(
        &w,
        &w.reviewer,
        &id,
        json!({"decision": "refuse", "reason": "no"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = counsel(
        &w,
        &w.approver,
        &id,
        json!({"decision": "challenge", "reason": ""}),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("reason")));

    let (status, body) = counsel(
        &w,
        &w.approver,
        &id,
        json!({"decision": "challenge", "reason": "Refer for review under IPA s. 257.", "deadline": "2026-03-29T17:00:00Z"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "in_review");
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["counsel"]["decision"], "challenge");
    assert_eq!(case["counsel"]["deadline"], "2026-03-29T17:00:00Z");
    assert_eq!(case["counsel"]["by_name"], "alex");
    // Secret by statute: no notice, to anyone.
    assert_eq!(case["notices"], json!([]));

    // The challenge fails; the provider refuses to comply.
    let (status, body) = counsel(
        &w,
        &w.approver,
        &id,
        json!({"decision": "refuse", "reason": "The provider builds no capability to break its encryption."}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "rejected");
    let (_, seen) = w
        .app
        .get_as(&home_office.token, &format!("/api/v1/demands/{id}"))
        .await;
    assert_eq!(seen["state"], "rejected");
    assert_eq!(
        seen["rejection_reason"],
        "The provider builds no capability to break its encryption."
    );
    assert_eq!(seen["refused"][0]["code"], "KEYS_OR_ACCESS_REFUSED");
    // The report counts it apart: an assistance order, asking for a red line.
    let mut summaries = Vec::new();
    w.app
        .db
        .store
        .export_summaries(|s| {
            summaries.push(s.clone());
            Ok::<(), ()>(())
        })
        .await
        .unwrap()
        .unwrap();
    let tcn = summaries.iter().find(|s| s.id.to_string() == id).unwrap();
    assert_eq!(tcn.section, writ_report::Section::Assistance);
    assert!(tcn.red_line);
    let plain = summaries
        .iter()
        .find(|s| s.id.to_string() == warrant)
        .unwrap();
    assert!(!plain.red_line);

    let decided = w
        .actions()
        .await
        .into_iter()
        .filter(|a| a == "case.counsel_decided")
        .count();
    assert_eq!(decided, 2);
}

async fn counsel_decides_only_on_assistance_orders(backend: Backend) {
    let w = world(backend, None).await;
    let id = w.submit(&demand(|_| {})).await;
    let (status, body) = counsel(
        &w,
        &w.approver,
        &id,
        json!({"decision": "refuse", "reason": "no"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = counsel(
        &w,
        &w.approver,
        &id,
        json!({"decision": "comply", "reason": "x"}),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("decision")));
}
