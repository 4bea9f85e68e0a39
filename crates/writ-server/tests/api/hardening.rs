//! What a security review found, kept fixed: documents that are not objects, free text
//! without bounds or with control characters.

use serde_json::{Value, json};
use writ_core::{Clock, Role};

use crate::helpers::{Backend, EXAMPLE, spawn_app_with};

on_both_backends!(
    a_demand_must_be_an_object_and_its_text_bounded,
    messages_and_reasons_are_bounded_and_have_no_nul,
    answers_with_case_data_are_not_cached,
    a_privileged_account_waits_for_a_second_admin,
    an_email_domain_belongs_to_one_agency,
    axums_own_refusals_are_json_too,
    a_retried_submission_finds_its_first_case,
    a_repeated_reference_opens_a_case_with_a_finding,
    a_body_is_read_as_json_whatever_its_content_type,
);

async fn a_demand_must_be_an_object_and_its_text_bounded(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let spd = app.add_seattle_pd().await;
    let doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    let as_array = json!([
        doc["reference"],
        doc["received_at"],
        doc["authority"],
        doc["instrument"],
        null,
        doc["action"],
        doc["categories"],
        doc["period"],
        doc["targets"]
    ]);
    let refusals = [
        (as_array.to_string(), "."),
        (
            edit(&doc, |d| d["reference"] = json!("R".repeat(129))),
            "reference",
        ),
        (
            edit(&doc, |d| {
                d["reference"] = json!("SEA\r\nBcc: x@example.com\r\n\r\nfake body");
            }),
            "reference",
        ),
        (
            edit(&doc, |d| d["authority"]["name"] = json!("A".repeat(257))),
            "authority.name",
        ),
    ];
    for (document, field) in refusals {
        let (status, body) = app.post_as(&spd.token, "/api/v1/demands", &document).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["field"], field, "{body}");
    }
    assert!(app.db.store.cases(None).await.unwrap().is_empty());
}

async fn messages_and_reasons_are_bounded_and_have_no_nul(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let spd = app.add_seattle_pd().await;
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let id = app.submit(&spd, EXAMPLE).await;
    let question = format!("/api/v1/cases/{id}/clarification");
    for text in ["a\0b".to_owned(), "q".repeat(10_001)] {
        let (status, body) = app
            .post_as(&rita.token, &question, &json!({"body": text}).to_string())
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], "body", "{body}");
    }
    let (status, body) = app
        .post_as(
            &rita.token,
            &question,
            &json!({"body": "Which\ntime zone?"}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let withdraw = format!("/api/v1/demands/{id}/withdraw");
    let (status, body) = app
        .post_as(
            &spd.token,
            &withdraw,
            &json!({"reason": "x".repeat(10_001)}).to_string(),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "reason", "{body}");
}

fn edit(doc: &Value, change: impl FnOnce(&mut Value)) -> String {
    let mut doc = doc.clone();
    change(&mut doc);
    doc.to_string()
}

async fn answers_with_case_data_are_not_cached(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let spd = app.add_seattle_pd().await;
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let id = app.submit(&spd, EXAMPLE).await;
    for (token, path) in [
        (&spd.token, format!("/api/v1/demands/{id}")),
        (&rita.token, format!("/api/v1/cases/{id}")),
        (&rita.token, "/api/v1/cases".to_owned()),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
}

/// One admin alone cannot make the reviewer of a disclosure: the account cannot sign
/// in nor use its token until a second admin (never the first) confirms it.
async fn a_privileged_account_waits_for_a_second_admin(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let ada = app.add_person("ada", Role::Admin, None).await;
    let bea = app.add_person("bea", Role::Admin, None).await;
    let (status, person) = app
        .post_as(
            &ada.token,
            "/api/v1/admin/users",
            &json!({"username": "mallory", "role": "approver"}).to_string(),
        )
        .await;
    assert_eq!(status, 201, "{person}");
    let change = person["awaiting_confirmation"]
        .as_i64()
        .expect("a change to confirm");
    let token = person["token"].as_str().unwrap();
    let (status, _) = app.get_as(token, "/api/v1/cases").await;
    assert_eq!(status, 401, "an unconfirmed account's token is refused");

    // It cannot sign in either, even with the right password and code.
    let secret =
        writ_app::credentials::TotpSecret::parse(person["totp_secret"].as_str().unwrap()).unwrap();
    let login = json!({
        "username": "mallory",
        "password": person["password"],
        "totp": secret.code_at(app.clock.now()),
    });
    let (status, body) = app.post_as("", "/api/v1/session", &login.to_string()).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("second admin"),
        "{body}"
    );

    let confirm = format!("/api/v1/admin/changes/{change}/confirm");
    let (status, body) = app.post_as(&ada.token, &confirm, "").await;
    assert_eq!(status, 403, "not the admin who asked: {body}");
    let (status, _) = app.get_as(token, "/api/v1/cases").await;
    assert_eq!(status, 401);
    let (status, body) = app.post_as(&bea.token, &confirm, "").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post_as(&bea.token, &confirm, "").await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = app.get_as(token, "/api/v1/cases").await;
    assert_eq!(status, 200, "confirmed: {body}");

    // An authority's account needs no second admin.
    app.add_agency("seattle-pd", "US", "seattle.gov", "+12065550100")
        .await;
    let (status, person) = app
        .post_as(
            &ada.token,
            "/api/v1/admin/users",
            &json!({"username": "jdoe@seattle.gov", "role": "agency", "agency": "seattle-pd"})
                .to_string(),
        )
        .await;
    assert_eq!(status, 201, "{person}");
    assert!(person["awaiting_confirmation"].is_null(), "{person}");
}

async fn an_email_domain_belongs_to_one_agency(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let ada = app.add_person("ada", Role::Admin, None).await;
    app.add_agency("seattle-pd", "US", "seattle.gov", "+12065550100")
        .await;
    let claim = json!({"id": "fake-pd", "name": "Not Seattle", "country": "US",
        "email_domains": ["example.org", "seattle.gov"], "callback_phone": "+12065550199"});
    let (status, body) = app
        .post_as(&ada.token, "/api/v1/admin/agencies", &claim.to_string())
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("seattle.gov"),
        "{body}"
    );
}

/// A bad query string, a method the route does not take, a body too large, a URI too
/// long, headers too large or too many: each is `{"error": …}` like every other refusal.
async fn axums_own_refusals_are_json_too(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let spd = app.add_seattle_pd().await;
    let url = |path: &str| format!("{}{path}", app.address);
    let requests = [
        (
            app.client
                .get(url("/api/v1/holds?account=a&unknown=1"))
                .bearer_auth(&rita.token),
            400,
        ),
        (
            app.client
                .get(url("/api/v1/audit/proof/inclusion?index=x&size=1")),
            400,
        ),
        (
            app.client
                .put(url("/api/v1/demands"))
                .bearer_auth(&spd.token),
            405,
        ),
        (
            app.client
                .post(url("/api/v1/demands"))
                .bearer_auth(&spd.token)
                .body(vec![b' '; 3 * 1024 * 1024]),
            413,
        ),
        (
            app.client
                .get(url(&format!("/api/v1/cases?q={}", "a".repeat(9 * 1024))))
                .bearer_auth(&rita.token),
            414,
        ),
        (
            app.client
                .get(url("/api/v1/cases"))
                .bearer_auth(&rita.token)
                .header("x-large", "a".repeat(70 * 1024)),
            431,
        ),
        (
            (0..150).fold(
                app.client
                    .get(url("/api/v1/cases"))
                    .bearer_auth(&rita.token),
                |request, n| request.header(format!("x-h{n}"), "1"),
            ),
            431,
        ),
    ];
    for (request, status) in requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        let body: serde_json::Value = response.json().await.expect("a JSON body");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
    }
}

/// A second demand with a reference the authority used in the last 30 days opens its
/// case, with an info finding naming the earlier case for the reviewer.
async fn a_repeated_reference_opens_a_case_with_a_finding(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    app.add_agency("seattle-pd", "US", "seattle.gov", "+12065550100")
        .await;
    app.add_agency("king-county", "US", "kingcounty.gov", "+12065550111")
        .await;
    let spd = app
        .add_person("areyes@seattle.gov", Role::Agency, Some("seattle-pd"))
        .await;
    let kc = app
        .add_person("jdoe@kingcounty.gov", Role::Agency, Some("king-county"))
        .await;
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let duplicates = |case: Value| {
        let app = &app;
        let token = rita.token.clone();
        async move {
            let (status, body) = app
                .get_as(
                    &token,
                    &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            body["decision"]["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["code"] == "DUPLICATE_REFERENCE")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    let (status, first) = app.post_as(&spd.token, "/api/v1/demands", EXAMPLE).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(duplicates(first.clone()).await, Vec::<Value>::new());

    let (status, second) = app.post_as(&spd.token, "/api/v1/demands", EXAMPLE).await;
    assert_eq!(status, 201, "{second}");
    assert_ne!(second["id"], first["id"], "a case of its own");
    let found = duplicates(second.clone()).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "info");
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains(first["id"].as_str().unwrap()), "{message}");

    // Another authority's reference is its own.
    let (status, other) = app.post_as(&kc.token, "/api/v1/demands", EXAMPLE).await;
    assert_eq!(status, 201, "{other}");
    assert_eq!(duplicates(other).await, Vec::<Value>::new());

    // Thirty days on, the reference is free again.
    app.clock.advance(time::Duration::days(31));
    let (status, later) = app.post_as(&spd.token, "/api/v1/demands", EXAMPLE).await;
    assert_eq!(status, 201, "{later}");
    assert_eq!(duplicates(later).await, Vec::<Value>::new());
}

/// A client that retries after a timeout sends the same `Idempotency-Key`: the same
/// body gets the first answer (no second case), another body 422; keys last 24 hours.
async fn a_retried_submission_finds_its_first_case(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let spd = app.add_seattle_pd().await;
    let submit = |key: &'static str, body: String| {
        let request = app
            .client
            .post(format!("{}/api/v1/demands", app.address))
            .bearer_auth(&spd.token)
            .header("idempotency-key", key)
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, first) = submit("key-1", EXAMPLE.to_owned()).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = submit("key-1", EXAMPLE.to_owned()).await;
    assert_eq!((status, &again), (201, &first), "the first answer");
    assert_eq!(app.db.store.cases(None).await.unwrap().len(), 1);

    let doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    let other = edit(&doc, |d| d["reference"] = json!("SEA-2026-0413"));
    let (status, body) = submit("key-1", other.clone()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "Idempotency-Key", "{body}");
    assert_eq!(app.db.store.cases(None).await.unwrap().len(), 1);
    let (status, body) = submit("key-2", other.clone()).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = submit("", other.clone()).await;
    assert_eq!(status, 400, "{body}");

    // A day later the key is free again.
    app.clock.advance(time::Duration::hours(25));
    let (status, later) = submit("key-1", other).await;
    assert_eq!(status, 201, "{later}");
    assert_ne!(later["id"], first["id"]);
    assert_eq!(app.db.store.cases(None).await.unwrap().len(), 3);
}

/// As the OpenAPI document says: no 415, the body is JSON whatever the header claims.
async fn a_body_is_read_as_json_whatever_its_content_type(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let spd = app.add_seattle_pd().await;
    for (n, content_type) in [Some("text/plain"), Some("application/xml"), None]
        .into_iter()
        .enumerate()
    {
        let mut request = app
            .client
            .post(format!("{}/api/v1/demands", app.address))
            .bearer_auth(&spd.token)
            .body(EXAMPLE.replace("SEA-2026-0412", &format!("SEA-CT-{n}")));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 201, "{content_type:?}");
    }
    let garbage = app
        .client
        .post(format!("{}/api/v1/demands", app.address))
        .bearer_auth(&spd.token)
        .header("content-type", "application/xml")
        .body("<demand/>")
        .send()
        .await
        .unwrap();
    assert_eq!(
        garbage.status(),
        400,
        "not JSON is a 400 naming the problem"
    );
}
