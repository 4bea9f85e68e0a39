use std::sync::Arc;

use serde_json::{Value, json};
use writ_app::checkpoint::Checkpointer;
use writ_core::{Role, Timestamp};
use writ_ledger::{LogKey, leaf_hash, verify_checkpoint, verify_inclusion};
use writ_report::{HalfYear, PublishedReport, Receipt, RecordProof, prove_receipt, verify_records};

use crate::audit::hashes;
use crate::helpers::{EXAMPLE, TestApp, spawn_app};

#[tokio::test]
async fn the_report_is_public_and_counts_the_cases() {
    let app = spawn_app().await;
    let spd = app.add_seattle_pd().await;
    for _ in 0..3 {
        assert_eq!(
            app.post_as(&spd.token, "/api/v1/demands", EXAMPLE).await.0,
            201
        );
    }

    let page = app.get("/transparency?period=2026-H1").await;
    assert_eq!(page.status(), 200, "no sign-in needed");
    // writ's CSP, with one more style source: the hash of the report's own stylesheet.
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    assert!(
        csp.contains(&format!(
            "; style-src 'self' {}; ",
            writ_report::stylesheet_csp_source()
        )),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("<style>{}</style>", writ_report::STYLESHEET)),
        "the stylesheet the hash is of"
    );
    // Every other page keeps the plain policy.
    let other = app.get("/login").await;
    assert_eq!(
        other.headers()["content-security-policy"],
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    assert!(
        html.contains("<svg") && html.contains("United States"),
        "{html}"
    );

    let csv = app
        .get("/transparency/report.csv?period=2026-H1")
        .await
        .text()
        .await
        .unwrap();
    let us = csv.lines().find(|l| l.starts_with("US,")).unwrap();
    assert_eq!(us.split(',').nth(2), Some("3"), "three requests: {us}");
    let json: serde_json::Value = app
        .get("/transparency/report.json?period=2026-H1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["case_summaries"], 3);

    // The other half-year has none of them.
    let csv = app
        .get("/transparency/report.csv?period=2026-H2")
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.lines().any(|l| l.starts_with("US,")), "{csv}");
    assert_eq!(app.get("/transparency?period=2026-H3").await.status(), 400);
    assert_eq!(
        app.get("/transparency/report.csv?style=apple")
            .await
            .status(),
        400
    );
}

async fn text(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Signs a checkpoint of the log as it stands; the verifier key.
async fn sign_checkpoint(app: &TestApp, key: &Arc<LogKey>) {
    let checkpointer = Checkpointer {
        store: app.db.store.clone(),
        key: Arc::clone(key),
        clock: app.clock.clone(),
        every_events: 1,
        every: time::Duration::seconds(1),
    };
    checkpointer.checkpoint().await.unwrap().unwrap();
}

/// The served report of `version` verifies against its served records.
async fn verifies(app: &TestApp, version: u32) -> PublishedReport {
    let (status, json) = text(
        app,
        &format!("/transparency/report.json?period=2026-H1&version={version}"),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    let report = PublishedReport::from_json(&json).unwrap();
    let (status, records) = text(
        app,
        &format!("/transparency/2026-H1/records.jsonl?version={version}"),
    )
    .await;
    assert_eq!(status, 200);
    let verified = verify_records(records.as_bytes(), &report).unwrap();
    assert_eq!(verified.head, report.records);
    report
}

/// Publish a finished half-year, move the clock, correct a case, publish again: both
/// versions are served, both verify, the page shows both roots, and a receipt proves
/// its case under the root the log holds.
#[tokio::test]
async fn a_period_is_published_corrected_and_verified_by_anyone() {
    let app = spawn_app().await;
    let (key, _) = LogKey::generate("writ.test/audit").unwrap();
    let verifier = key.verifier_key();
    let key = Arc::new(key);
    let spd = app.add_seattle_pd().await;
    let admin = app.add_person("ada", Role::Admin, None).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.submit(&spd, EXAMPLE).await);
    }

    // Unpublished: provisional, no root, no records, no proofs.
    let (_, page) = text(&app, "/transparency?period=2026-H1").await;
    assert!(page.contains("Provisional"), "{page}");
    let (_, json) = text(&app, "/transparency/report.json?period=2026-H1").await;
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (&json["records"], &json["version"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(
        app.get("/transparency/2026-H1/records.jsonl")
            .await
            .status(),
        404
    );
    let publish = "/api/v1/admin/transparency/2026-H1/publish";
    let (status, body) = app.post_as(&admin.token, publish, "{}").await;
    assert_eq!(status, 409, "the period is not over: {body}");
    assert_eq!(app.post_as(&spd.token, publish, "{}").await.0, 403);

    // The half-year ends; an admin publishes it.
    app.clock
        .set(Timestamp::parse("2026-07-02T09:00:00Z").unwrap());
    sign_checkpoint(&app, &key).await;
    let (status, first) = app.post_as(&admin.token, publish, "{}").await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (first["version"].as_u64(), first["size"].as_u64()),
        (Some(1), Some(3))
    );
    sign_checkpoint(&app, &key).await;
    let report = verifies(&app, 1).await;
    // Privacy: the records name no case, account, reference or day.
    let (_, records) = text(&app, "/transparency/2026-H1/records.jsonl").await;
    assert_eq!(records.lines().count(), 3);
    for never in [
        "SEA-2026-0412",
        "alice@example.com",
        "2026-03-02",
        "Seattle",
        "09:00",
    ] {
        assert!(!records.contains(never), "{never}: {records}");
    }
    for id in &ids {
        assert!(!records.contains(id.as_str()), "{id}: {records}");
    }
    assert_eq!(report.records.root.to_string(), first["root"]);
    let (_, latest) = text(&app, "/transparency/report.json?period=2026-H1").await;
    let latest: Value = serde_json::from_str(&latest).unwrap();
    assert_eq!(latest["version"], 1);
    assert_eq!(
        latest["records_url"],
        "/transparency/2026-H1/records.jsonl?version=1"
    );
    let (_, page) = text(&app, "/transparency?period=2026-H1").await;
    assert!(page.contains("Published (version 1)") && !page.contains("Provisional"));

    // A receipt proves its case, under the root the report.published event holds.
    let period = HalfYear::parse("2026-H1").unwrap();
    let case = writ_core::CaseId::parse(&ids[0]).unwrap();
    let secret = app.db.store.case_secret(case).await.unwrap().unwrap();
    let receipt = Receipt::new(period, secret);
    let commitment = receipt.secret.commitment();
    let (status, proof) = app
        .get_as(
            &admin.token,
            &format!("/transparency/2026-H1/proof?commitment={commitment}"),
        )
        .await;
    assert_eq!(status, 200, "{proof}");
    let record_proof = RecordProof {
        record: proof["record"].as_str().unwrap().to_owned(),
        index: proof["index"].as_u64().unwrap(),
        size: proof["size"].as_u64().unwrap(),
        proof: hashes(&proof["proof"]),
    };
    let counted = prove_receipt(&receipt, &record_proof, &report).unwrap();
    assert!(!counted.figures.is_empty());
    let event = &proof["event"];
    let entry = event["entry"].as_str().unwrap();
    let details: Value = serde_json::from_str::<Value>(entry).unwrap()["details"].clone();
    assert_eq!(details["root"], first["root"]);
    let checkpoint =
        verify_checkpoint(event["checkpoint"].as_str().unwrap().as_bytes(), &verifier).unwrap();
    verify_inclusion(
        &hashes(&event["proof"]),
        event["index"].as_u64().unwrap(),
        checkpoint.size,
        checkpoint.root,
        leaf_hash(entry.as_bytes()),
    )
    .unwrap();
    // Bad and unknown commitments.
    assert_eq!(
        app.get("/transparency/2026-H1/proof?commitment=00")
            .await
            .status(),
        400
    );
    let stranger = writ_report::CaseSecret::generate().commitment();
    let path = format!("/transparency/2026-H1/proof?commitment={stranger}");
    assert_eq!(app.get(&path).await.status(), 404);

    // Again: a correction needs a reason, and a change.
    let (status, body) = app.post_as(&admin.token, publish, "{}").await;
    assert_eq!((status, &body["field"]), (400, &json!("reason")), "{body}");
    let because = json!({"reason": "a demand was withdrawn"}).to_string();
    assert_eq!(app.post_as(&admin.token, publish, &because).await.0, 409);

    // Time travel: a month on, a case is withdrawn; the period is published again.
    app.clock
        .set(Timestamp::parse("2026-08-03T09:00:00Z").unwrap());
    let (status, _) = app
        .post_as(
            &spd.token,
            &format!("/api/v1/demands/{}/withdraw", ids[1]),
            &json!({"reason": "suspect identified"}).to_string(),
        )
        .await;
    assert_eq!(status, 200);
    let (status, second) = app.post_as(&admin.token, publish, &because).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["version"], 2);
    assert_ne!(second["root"], first["root"]);
    let events = app.db.store.audit_events(0, 1000).await.unwrap();
    let corrected: Value =
        serde_json::from_slice(&events[second["event_index"].as_u64().unwrap() as usize].entry)
            .unwrap();
    assert_eq!(corrected["action"], "report.corrected");
    assert_eq!(corrected["details"]["reason"], "a demand was withdrawn");
    assert_eq!(corrected["details"]["previous_root"], first["root"]);

    // Both versions are served and both verify; the page shows both roots.
    assert_eq!(
        verifies(&app, 1).await.records.root.to_string(),
        first["root"]
    );
    assert_eq!(
        verifies(&app, 2).await.records.root.to_string(),
        second["root"]
    );
    let (_, page) = text(&app, "/transparency?period=2026-H1").await;
    assert!(page.contains("Published (version 2)"), "{page}");
    for root in [&first["root"], &second["root"]] {
        assert!(page.contains(root.as_str().unwrap()), "{root}");
    }
    assert!(page.contains("a demand was withdrawn"));
    assert_eq!(
        app.get("/transparency/report.json?period=2026-H1&version=3")
            .await
            .status(),
        404
    );
}
