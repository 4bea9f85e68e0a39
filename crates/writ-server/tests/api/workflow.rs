//! The case workflow through the API, as an authority and the provider's staff use it,
//! on SQLite and on PostgreSQL.

use serde_json::{Value, json};
use writ_core::policy::DirectoryFile;
use writ_core::{Clock, Role};

use crate::helpers::{Backend, Person, TestApp, contoso_directory, demand, spawn_app_with};

on_both_backends!(
    submit_review_approve,
    a_rejection_reaches_the_authority_with_its_reason,
    clarification_goes_back_and_forth,
    the_authority_may_withdraw,
    an_emergency_waits_for_a_confirmed_call_back,
    an_enterprise_account_is_redirected_to_its_customer,
    another_agencys_demand_is_not_found,
    no_one_approves_their_own_recommendation,
    roles_are_enforced,
    a_login_needs_both_factors_and_a_session_needs_its_csrf_token,
    bad_input_is_named_and_nothing_is_written,
    admins_register_authorities_and_people_within_their_domains,
    failed_logins_make_each_next_try_wait_twice_as_long,
    the_queue_pages_with_next_links_and_filters,
    a_case_is_assigned_and_mine_lists_it,
    an_authority_checks_a_draft_and_nothing_is_opened,
);

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) spd: Person,
    bka: Person,
    pub(crate) reviewer: Person,
    pub(crate) approver: Person,
}

pub(crate) async fn world(backend: Backend, directory: Option<DirectoryFile>) -> World {
    let app = spawn_app_with(backend, directory).await;
    let spd = app.add_seattle_pd().await;
    app.add_agency("bka", "DE", "bka.bund.de", "+4961155000")
        .await;
    World {
        spd,
        bka: app
            .add_person("kmueller@bka.bund.de", Role::Agency, Some("bka"))
            .await,
        reviewer: app.add_person("rita", Role::Reviewer, None).await,
        approver: app.add_person("alex", Role::Approver, None).await,
        app,
    }
}

impl World {
    pub(crate) async fn submit(&self, document: &str) -> String {
        self.app.submit(&self.spd, document).await
    }

    pub(crate) async fn state_for_authority(&self, id: &str) -> Value {
        let (status, body) = self
            .app
            .get_as(&self.spd.token, &format!("/api/v1/demands/{id}"))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub(crate) async fn review(&self, who: &Person, id: &str, body: Value) -> (u16, Value) {
        self.app.case_step(who, id, "review", body).await
    }

    pub(crate) async fn decide(
        &self,
        who: &Person,
        id: &str,
        decision: &str,
        body: Value,
    ) -> (u16, Value) {
        self.app.case_step(who, id, decision, body).await
    }

    pub(crate) fn bka(&self) -> &Person {
        &self.bka
    }

    pub(crate) async fn actions(&self) -> Vec<String> {
        self.app.audit_actions().await
    }
}

async fn submit_review_approve(backend: Backend) {
    let w = world(backend, None).await;
    let id = w.submit(&demand(|_| {})).await;
    assert_eq!(w.state_for_authority(&id).await["state"], "received");

    let (status, queue) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases?state=received")
        .await;
    assert_eq!(status, 200);
    assert_eq!(queue["cases"][0]["id"], id.as_str());
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["state"], "received");
    assert_eq!(case["decision"]["verdict"], "accept");
    assert_eq!(case["decision"]["rule"], "US-3");

    let narrowed = json!({"recommendation": "approve", "reason": "warrant is in order", "scope": {"categories": ["content"]}});
    let (status, body) = w.review(&w.reviewer, &id, narrowed).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "in_review");
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "approved");
    assert_eq!(
        body["scope"]["categories"],
        json!(["content"]),
        "the narrowed scope is approved"
    );

    assert_eq!(w.state_for_authority(&id).await["state"], "approved");
    let actions = w.actions().await;
    for action in [
        "case.opened",
        "cases.listed",
        "case.viewed",
        "case.recommended",
        "case.approved",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    // The case's history: its own events only, who and why, a page at a time.
    let history = |after: Option<u64>| {
        let path = match after {
            Some(after) => format!("/api/v1/cases/{id}/history?limit=2&after={after}"),
            None => format!("/api/v1/cases/{id}/history?limit=2"),
        };
        let (app, token) = (&w.app, w.reviewer.token.clone());
        async move { app.get_as(&token, &path).await }
    };
    let mut events = Vec::new();
    let mut after = None;
    loop {
        let (status, page) = history(after).await;
        assert_eq!(status, 200, "{page}");
        let got = page["events"].as_array().unwrap().clone();
        assert!(got.len() <= 2);
        events.extend(got);
        if page["next"].is_null() {
            break;
        }
        after = events.last().and_then(|e| e["index"].as_u64());
    }
    let steps: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(steps.first(), Some(&"case.opened"), "{steps:?}");
    assert!(
        !steps.contains(&"cases.listed"),
        "the queue's event is no case's: {steps:?}"
    );
    let approved = events
        .iter()
        .find(|e| e["action"] == "case.approved")
        .expect("the approval is in the history");
    assert_eq!(approved["actor"], format!("staff:{}", w.approver.username));
    assert_eq!(approved["reason"], "agreed", "{events:?}");
    let recommended = events
        .iter()
        .find(|e| e["action"] == "case.recommended")
        .unwrap();
    assert_eq!(recommended["reason"], "warrant is in order");
    let indexes: Vec<u64> = events
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert!(indexes.windows(2).all(|w| w[0] < w[1]), "{indexes:?}");
    let (status, _) = w
        .app
        .get_as(&w.spd.token, &format!("/api/v1/cases/{id}/history"))
        .await;
    assert_eq!(status, 403, "not for authorities");

    // No proof until a checkpoint covers the event; then one that holds it.
    assert!(approved["proof"].is_null());
    let (key, _) = writ_ledger::LogKey::generate("writ.test/audit").unwrap();
    let checkpointer = writ_app::checkpoint::Checkpointer {
        store: w.app.db.store.clone(),
        key: std::sync::Arc::new(key),
        clock: std::sync::Arc::new(writ_core::ManualClock::new(
            writ_core::Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
        )),
        every_events: 1,
        every: time::Duration::seconds(10),
    };
    checkpointer.checkpoint_if_due().await.unwrap().unwrap();
    let (_, page) = history(None).await;
    let opened = &page["events"][0];
    let proof = opened["proof"].as_str().expect("a proof once signed");
    let answer = w.app.get(proof).await;
    assert_eq!(answer.status(), 200, "{proof}");
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["index"], opened["index"]);
}

async fn an_authority_checks_a_draft_and_nothing_is_opened(backend: Backend) {
    let w = world(backend, None).await;
    let events = w.app.audit_actions().await;
    // A subpoena that asks for content: the engine says so, citing the law, before the
    // authority sends it.
    let draft = demand(|d| d["instrument"]["type"] = json!("us.subpoena"));
    let (status, decision) = w
        .app
        .post_as(&w.spd.token, "/api/v1/demands/check", &draft)
        .await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["verdict"], "partial");
    let content = decision["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "content")
        .unwrap();
    assert_eq!(content["decision"], "refuse");
    assert_eq!(content["codes"], json!(["INSTRUMENT_INSUFFICIENT"]));
    assert!(decision["findings"].as_array().unwrap().iter().any(|f| {
        f["code"] == "INSTRUMENT_INSUFFICIENT"
            && f["citation"].as_str().is_some_and(|c| !c.is_empty())
    }));
    // Fixed, it is accepted; neither check opened a case or wrote an event.
    let (status, decision) = w
        .app
        .post_as(&w.spd.token, "/api/v1/demands/check", &demand(|_| {}))
        .await;
    assert_eq!((status, &decision["verdict"]), (200, &json!("accept")));
    assert_eq!(w.app.audit_actions().await, events);
    let (_, queue) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases?state=any")
        .await;
    assert_eq!(queue["cases"], json!([]), "{queue}");

    // A malformed draft is named; staff have no drafts to check.
    let (status, body) = w
        .app
        .post_as(
            &w.spd.token,
            "/api/v1/demands/check",
            &demand(|d| d["targets"][0]["value"] = json!("not mail")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "targets[0].value");
    let (status, _) = w
        .app
        .post_as(&w.reviewer.token, "/api/v1/demands/check", &draft)
        .await;
    assert_eq!(status, 403);
}

async fn a_rejection_reaches_the_authority_with_its_reason(backend: Backend) {
    let w = world(backend, None).await;
    let id = w
        .submit(&demand(|d| d["instrument"]["type"] = json!("us.subpoena")))
        .await;
    let (status, _) = w
        .review(
            &w.reviewer,
            &id,
            json!({"recommendation": "reject", "reason": "a subpoena cannot reach content"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = w
        .decide(
            &w.approver,
            &id,
            "reject",
            json!({"reason": "Content needs a search warrant (18 U.S.C. 2703(b))."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = w.state_for_authority(&id).await;
    assert_eq!(seen["state"], "rejected");
    assert_eq!(
        seen["rejection_reason"],
        "Content needs a search warrant (18 U.S.C. 2703(b))."
    );
}

async fn clarification_goes_back_and_forth(backend: Backend) {
    let w = world(backend, None).await;
    let id = w.submit(&demand(|_| {})).await;
    let path = format!("/api/v1/cases/{id}/clarification");
    let (status, body) = w
        .app
        .post_as(
            &w.reviewer.token,
            &path,
            r#"{"body": "Which time zone is the period in?"}"#,
        )
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("awaiting_clarification"))
    );
    let seen = w.state_for_authority(&id).await;
    assert_eq!(seen["messages"][0]["from"], "provider");
    assert_eq!(
        seen["messages"][0]["body"],
        "Which time zone is the period in?"
    );

    let answer = format!("/api/v1/demands/{id}/messages");
    let (status, body) = w
        .app
        .post_as(&w.spd.token, &answer, r#"{"body": "UTC."}"#)
        .await;
    assert_eq!((status, body["state"].as_str()), (200, Some("in_review")));
    assert_eq!(
        w.state_for_authority(&id).await["messages"][1]["from"],
        "authority"
    );
}

async fn the_authority_may_withdraw(backend: Backend) {
    let w = world(backend, None).await;
    let id = w.submit(&demand(|_| {})).await;
    let path = format!("/api/v1/demands/{id}/withdraw");
    let (status, body) = w
        .app
        .post_as(&w.spd.token, &path, r#"{"reason": "suspect identified"}"#)
        .await;
    assert_eq!((status, body["state"].as_str()), (200, Some("withdrawn")));
    let (status, _) = w
        .app
        .post_as(&w.spd.token, &path, r#"{"reason": "again"}"#)
        .await;
    assert_eq!(status, 409, "a withdrawn demand cannot be withdrawn again");
}

async fn an_emergency_waits_for_a_confirmed_call_back(backend: Backend) {
    let w = world(backend, None).await;
    let id = w
        .submit(&demand(|d| {
            d["instrument"]["type"] = json!("us.emergency");
            d["instrument"]["issuer"]["role"] = json!("police");
            d["emergency"] = json!({"justification": "a child is missing and believed to be with the account holder"});
            // A forged request would give its own number; writ must not call it.
            d["authority"]["contact"]["phone"] = json!("+15555550123");
        }))
        .await;
    let (_, queue) = w.app.get_as(&w.reviewer.token, "/api/v1/cases").await;
    assert_eq!(queue["cases"][0]["emergency"], true);
    w.review(
        &w.reviewer,
        &id,
        json!({"recommendation": "approve", "reason": "imminent danger"}),
    )
    .await;
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("call-back"),
        "{body}"
    );

    let callback = format!("/api/v1/cases/{id}/callback");
    let called_at = w.app.clock.now().to_string();
    let (status, _) = w
        .app
        .post_as(
            &w.reviewer.token,
            &callback,
            &json!({"called_at": called_at, "outcome": "no_answer"}).to_string(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        w.decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
            .await
            .0,
        409,
        "no answer clears nothing"
    );
    let (status, _) = w.app.post_as(&w.reviewer.token, &callback, &json!({"called_at": called_at, "outcome": "confirmed", "notes": "Sgt. Park confirmed"}).to_string()).await;
    assert_eq!(status, 200);
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, case) = w
        .app
        .get_as(&w.approver.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(
        case["callbacks"][1]["number"], "+12065550100",
        "the number on file, not the demand's"
    );
    assert_eq!(case["callbacks"][1]["caller"], "staff:rita");
}

async fn an_enterprise_account_is_redirected_to_its_customer(backend: Backend) {
    let directory = contoso_directory("alice@example.com");
    let w = world(backend, Some(directory)).await;
    let id = w
        .submit(&demand(|d| {
            d["instrument"]
                .as_object_mut()
                .unwrap()
                .remove("nondisclosure")
                .map(drop)
                .unwrap_or(())
        }))
        .await;
    w.review(
        &w.reviewer,
        &id,
        json!({"recommendation": "approve", "reason": "valid, but enterprise"}),
    )
    .await;
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("redirected")),
        "{body}"
    );

    let seen = w.state_for_authority(&id).await;
    assert!(
        seen["redirect_letter"]
            .as_str()
            .unwrap()
            .contains("Contoso Ltd"),
        "{seen}"
    );
    let (_, case) = w
        .app
        .get_as(&w.approver.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["notices"][0]["recipient"], "tenant_admin");
    assert_eq!(case["notices"][0]["address"], "it@contoso.example");
    assert_eq!(case["notices"][0]["state"], "pending");
}

async fn another_agencys_demand_is_not_found(backend: Backend) {
    let w = world(backend, None).await;
    let id = w.submit(&demand(|_| {})).await;
    for path in [
        format!("/api/v1/demands/{id}"),
        "/api/v1/demands/not-a-uuid".into(),
    ] {
        let (status, _) = w.app.get_as(&w.bka.token, &path).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = w
        .app
        .post_as(
            &w.bka.token,
            &format!("/api/v1/demands/{id}/withdraw"),
            r#"{"reason": "x"}"#,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(w.state_for_authority(&id).await["state"], "received");
}

async fn no_one_approves_their_own_recommendation(backend: Backend) {
    let w = world(backend, None).await;
    let id = w.submit(&demand(|_| {})).await;
    w.app
        .recommend_approval(&w.approver, &id, "approvers may review")
        .await;
    let (status, body) = w
        .decide(&w.approver, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = w
        .decide(&w.approver, &id, "reject", json!({"reason": "x"}))
        .await;
    assert_eq!(status, 403, "nor reject it");
    let second = w.app.add_person("sam", Role::Approver, None).await;
    let (status, body) = w
        .decide(&second, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn roles_are_enforced(backend: Backend) {
    let w = world(backend, None).await;
    let id = w.submit(&demand(|_| {})).await;
    let (status, _) = w.app.get_as(&w.spd.token, "/api/v1/cases").await;
    assert_eq!(status, 403, "an agency token on a staff route");
    let (status, _) = w
        .app
        .get_as(&w.spd.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .review(
            &w.spd,
            &id,
            json!({"recommendation": "approve", "reason": "self-service"}),
        )
        .await;
    assert_eq!(status, 403);
    w.review(
        &w.reviewer,
        &id,
        json!({"recommendation": "approve", "reason": "ok"}),
    )
    .await;
    let (status, _) = w
        .decide(&w.reviewer, &id, "approve", json!({"reason": "agreed"}))
        .await;
    assert_eq!(status, 403, "a reviewer cannot approve");
    let (status, _) = w
        .app
        .post_as(&w.reviewer.token, "/api/v1/demands", &demand(|_| {}))
        .await;
    assert_eq!(status, 403, "staff do not submit demands");
    let (status, _) = w.app.get_as("writ_at_not-a-token", "/api/v1/cases").await;
    assert_eq!(status, 401);
    let status = w.app.get(&format!("/api/v1/demands/{id}")).await.status();
    assert_eq!(status, 401, "no credentials at all");
}

async fn a_login_needs_both_factors_and_a_session_needs_its_csrf_token(backend: Backend) {
    let w = world(backend, None).await;
    let login = |password: &str, code: Option<String>| {
        let mut body = json!({"username": w.spd.username, "password": password});
        if let Some(code) = code {
            body["totp"] = json!(code);
        }
        w.app
            .client
            .post(format!("{}/api/v1/session", w.app.address))
            .json(&body)
            .send()
    };
    let code = w.spd.totp.code_at(w.app.clock.now());
    assert_eq!(
        login(&w.spd.password, None).await.unwrap().status(),
        401,
        "no second factor"
    );
    assert_eq!(
        login("wrong password here", Some(code.clone()))
            .await
            .unwrap()
            .status(),
        401
    );
    w.app.clock.advance(time::Duration::seconds(1));
    assert_eq!(
        login(&w.spd.password, Some("000000".into()))
            .await
            .unwrap()
            .status(),
        401
    );

    w.app.clock.advance(time::Duration::seconds(2));
    let response = login(&w.spd.password, Some(code.clone())).await.unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("Secure")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let replayed = login(&w.spd.password, Some(code)).await.unwrap();
    assert_eq!(replayed.status(), 401, "a code is good once");
    let refusal: Value = replayed.json().await.unwrap();
    assert!(
        refusal["error"].as_str().unwrap().contains("already used"),
        "a replayed code says so: {refusal}"
    );

    let submit = |with_csrf: bool| {
        let mut request = w
            .app
            .client
            .post(format!("{}/api/v1/demands", w.app.address))
            .header("cookie", &session)
            .body(demand(|_| {}));
        if with_csrf {
            request = request.header("x-csrf-token", &csrf);
        }
        request.send()
    };
    assert_eq!(
        submit(false).await.unwrap().status(),
        403,
        "a cookie alone cannot change anything"
    );
    assert_eq!(submit(true).await.unwrap().status(), 201);
    let reads = w
        .app
        .client
        .get(format!("{}/api/v1/demands/not-a-uuid", w.app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(reads.status(), 404, "reads need no CSRF token");
}

async fn bad_input_is_named_and_nothing_is_written(backend: Backend) {
    let w = world(backend, None).await;
    let before = w.app.db.store.audit_size().await.unwrap();
    for (document, field) in [
        (
            demand(|d| d["targets"][0]["value"] = json!("alice@@example.com")),
            "targets[0].value",
        ),
        (
            demand(|d| d["authority"]["country"] = json!("DE")),
            "authority.country",
        ),
        ("not json".to_owned(), "."),
    ] {
        let (status, body) = w
            .app
            .post_as(&w.spd.token, "/api/v1/demands", &document)
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with(field.trim_start_matches('.'))
                || field == ".",
            "{body}"
        );
    }
    assert_eq!(
        w.app.db.store.audit_size().await.unwrap(),
        before,
        "nothing written"
    );
    assert!(w.app.db.store.cases(None).await.unwrap().is_empty());

    let id = w.submit(&demand(|_| {})).await;
    let wider = json!({"recommendation": "approve", "reason": "x", "scope": {"targets": [{"type": "email", "value": "bob@example.com"}]}});
    let (status, body) = w.review(&w.reviewer, &id, wider).await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "scope.targets[0]", "{body}");
    let (status, body) = w
        .review(
            &w.reviewer,
            &id,
            json!({"recommendation": "maybe", "reason": "x"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("recommendation")),
        "{body}"
    );
    let (status, body) = w
        .decide(&w.approver, &id, "reject", json!({"reason": " "}))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("reason")),
        "{body}"
    );
    let (status, body) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases?state=pending")
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("state")),
        "{body}"
    );
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["state"], "received", "refused steps changed nothing");
}

async fn admins_register_authorities_and_people_within_their_domains(backend: Backend) {
    let w = world(backend, None).await;
    let admin = w.app.add_person("ada", Role::Admin, None).await;
    let agency = json!({"id": "met-police", "name": "Metropolitan Police", "country": "GB",
        "email_domains": ["met.police.uk"], "callback_phone": "+442072301212"})
    .to_string();
    let (status, _) = w
        .app
        .post_as(&w.reviewer.token, "/api/v1/admin/agencies", &agency)
        .await;
    assert_eq!(status, 403, "only admins");
    let (status, body) = w
        .app
        .post_as(&admin.token, "/api/v1/admin/agencies", &agency)
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        w.app
            .post_as(&admin.token, "/api/v1/admin/agencies", &agency)
            .await
            .0,
        409
    );
    let bad_phone = agency.replace("+442072301212", "020 7230 1212");
    let (status, body) = w
        .app
        .post_as(
            &admin.token,
            "/api/v1/admin/agencies",
            &bad_phone.replace("met-police", "met2"),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("callback_phone")),
        "{body}"
    );

    let outsider =
        json!({"username": "jsmith@gmail.com", "role": "agency", "agency": "met-police"})
            .to_string();
    let (status, body) = w
        .app
        .post_as(&admin.token, "/api/v1/admin/users", &outsider)
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("username")),
        "{body}"
    );
    let officer =
        json!({"username": "jsmith@met.police.uk", "role": "agency", "agency": "met-police"})
            .to_string();
    let (status, person) = w
        .app
        .post_as(&admin.token, "/api/v1/admin/users", &officer)
        .await;
    assert_eq!(status, 201, "{person}");
    assert!(
        person["totp_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert_eq!(
        w.app
            .post_as(&admin.token, "/api/v1/admin/users", &officer)
            .await
            .0,
        409
    );

    // The new officer's token submits for the Metropolitan Police, and only for GB.
    let token = person["token"].as_str().unwrap();
    let (status, body) = w
        .app
        .post_as(token, "/api/v1/demands", &demand(|_| {}))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("authority.country")),
        "{body}"
    );
    let copo = demand(|d| {
        d["authority"]["country"] = json!("GB");
        d["instrument"]["type"] = json!("uk.copo");
    });
    assert_eq!(w.app.post_as(token, "/api/v1/demands", &copo).await.0, 201);
}

/// Failed sign-ins are throttled, not locked (NIST SP 800-63B §5.2.2): each failure
/// doubles the wait before the next try, per account and per source address; the
/// wait is a 429 with `Retry-After`, and after it the right password and code work.
async fn failed_logins_make_each_next_try_wait_twice_as_long(backend: Backend) {
    let w = world(backend, None).await;
    let login = |username: &str, password: &str, code: String| {
        let body = json!({"username": username, "password": password, "totp": code});
        w.app
            .client
            .post(format!("{}/api/v1/session", w.app.address))
            .json(&body)
            .send()
    };
    let rita = &w.reviewer;
    let right_code = || rita.totp.code_at(w.app.clock.now());
    for (failure, wait) in [1, 2, 4, 8, 16].into_iter().enumerate() {
        // Wrong passwords, then a wrong code: both can be guessed, so both count.
        let (password, code) = if failure < 4 {
            ("not the password", right_code())
        } else {
            (rita.password.as_str(), "000000".to_owned())
        };
        let refused = login(&rita.username, password, code).await.unwrap();
        assert_eq!(refused.status(), 401, "failure {failure}");
        let early = login(&rita.username, &rita.password, right_code())
            .await
            .unwrap();
        assert_eq!(early.status(), 429, "the right password must wait too");
        assert_eq!(early.headers()["retry-after"], wait.to_string());
        let body: Value = early.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("wait"), "{body}");
        w.app.clock.advance(time::Duration::seconds(wait));
    }
    let actions = w.actions().await;
    assert_eq!(
        actions.iter().filter(|a| *a == "user.throttled").count(),
        1,
        "{actions:?}"
    );
    let signed_in = login(&rita.username, &rita.password, right_code())
        .await
        .unwrap();
    assert_eq!(
        signed_in.status(),
        200,
        "after the wait, the right code works"
    );

    // Guesses at accounts that do not exist slow their source address down too.
    w.app.clock.advance(time::Duration::seconds(30));
    let guess = login("nobody-here", "a guess at a password", "123456".into())
        .await
        .unwrap();
    assert_eq!(guess.status(), 401);
    let spd = login(
        &w.spd.username,
        &w.spd.password,
        w.spd.totp.code_at(w.app.clock.now()),
    )
    .await
    .unwrap();
    assert_eq!(spd.status(), 429, "the same address waits");
    assert_eq!(spd.headers()["retry-after"], "1");
}

async fn the_queue_pages_with_next_links_and_filters(backend: Backend) {
    let w = world(backend, None).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            w.submit(&demand(|d| d["reference"] = json!(format!("Q-{n}"))))
                .await,
        );
    }
    let get = |path: String| {
        let client = w.app.client.clone();
        let url = format!("{}{path}", w.app.address);
        let token = w.reviewer.token.clone();
        async move {
            let response = client.get(url).bearer_auth(token).send().await.unwrap();
            let status = response.status().as_u16();
            let link = response
                .headers()
                .get("link")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, link, response.json::<Value>().await.unwrap())
        }
    };
    let (status, link, first) = get("/api/v1/cases?limit=2".into()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["cases"].as_array().unwrap().len(), 2);
    let next = first["next"].as_str().unwrap().to_owned();
    assert!(next.starts_with("/api/v1/cases?limit=2&cursor="), "{next}");
    assert_eq!(link, Some(format!("<{next}>; rel=\"next\"")));
    let (_, link, second) = get(next).await;
    assert_eq!(second["cases"].as_array().unwrap().len(), 1);
    assert_eq!(second["next"], Value::Null);
    assert_eq!(link, None);
    let mut seen: Vec<String> = first["cases"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["cases"].as_array().unwrap())
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);

    let (_, _, found) = get("/api/v1/cases?q=q-1&state=any".into()).await;
    assert_eq!(found["cases"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["cases"][0]["reference"], "Q-1");
    let (_, _, none) = get("/api/v1/cases?country=DE".into()).await;
    assert_eq!(none["cases"], json!([]));
    for (query, field) in [
        ("limit=501", "limit"),
        ("cursor=xyz", "cursor"),
        ("colour=red", "colour"),
    ] {
        let (status, _, body) = get(format!("/api/v1/cases?{query}")).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{query}: {body}"
        );
    }
}

async fn a_case_is_assigned_and_mine_lists_it(backend: Backend) {
    let w = world(backend, None).await;
    let taken = w
        .submit(&demand(|d| d["reference"] = json!("MINE-1")))
        .await;
    let other = w
        .submit(&demand(|d| d["reference"] = json!("MINE-2")))
        .await;
    let assign = format!("/api/v1/cases/{taken}/assign");
    let (status, body) = w.app.post_as(&w.spd.token, &assign, "").await;
    assert_eq!(status, 403, "an authority assigns nothing: {body}");
    let (status, body) = w.app.post_as(&w.reviewer.token, &assign, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["assignee"], w.reviewer.username.as_str());
    let (status, body) = w.app.post_as(&w.reviewer.token, &assign, "").await;
    assert_eq!(status, 409, "already theirs: {body}");

    let (_, mine) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases?mine=true")
        .await;
    let listed: Vec<&str> = mine["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [taken.as_str()], "{mine}");
    assert_eq!(mine["cases"][0]["assignee"], w.reviewer.username.as_str());
    let (_, theirs) = w
        .app
        .get_as(&w.approver.token, "/api/v1/cases?mine=true")
        .await;
    assert_eq!(theirs["cases"], json!([]), "{theirs}");
    let (_, all) = w.app.get_as(&w.approver.token, "/api/v1/cases").await;
    let row = |id: &str| {
        all["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&other)["assignee"], Value::Null);
    // The instrument's expiry, for the deadline column when no deadline runs.
    assert_eq!(row(&other)["expires_at"], "2026-03-15T00:00:00Z");
    assert_eq!(row(&other)["escalated"], false);

    // The approver takes it over; the case and its history say so.
    let (status, _) = w.app.post_as(&w.approver.token, &assign, "").await;
    assert_eq!(status, 200);
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{taken}"))
        .await;
    assert_eq!(case["assignee"], w.approver.username.as_str());
    let (_, history) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{taken}/history"))
        .await;
    let assigned: Vec<&Value> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "case.assigned")
        .collect();
    assert_eq!(assigned.len(), 2, "{history}");
    assert_eq!(
        assigned[1]["actor"],
        format!("staff:{}", w.approver.username)
    );
}
