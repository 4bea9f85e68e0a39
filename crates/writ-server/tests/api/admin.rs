//! Four eyes on accounts and agencies: disabling takes effect at once; enabling a
//! reviewer, approver or admin and changing an agency wait for a second admin.

use serde_json::{Value, json};
use writ_core::{AgencyId, Clock, Role, Username};

use crate::helpers::{Backend, TestApp, spawn_app_with};

on_both_backends!(
    a_disabled_account_is_refused_at_once_and_a_second_admin_enables_it,
    an_agency_changes_when_a_second_admin_confirms,
    pending_changes_are_listed_a_page_at_a_time,
);

async fn user_id(app: &TestApp, name: &str) -> String {
    let username = Username::parse(name).unwrap();
    let user = app.db.store.user_by_name(&username).await.unwrap().unwrap();
    user.id.to_string()
}

/// A session cookie for `person`, from `POST /api/v1/session`.
async fn session(app: &TestApp, person: &crate::helpers::Person) -> reqwest::Response {
    let login = json!({
        "username": person.username,
        "password": person.password,
        "totp": person.totp.code_at(app.clock.now()),
    });
    app.client
        .post(format!("{}/api/v1/session", app.address))
        .json(&login)
        .send()
        .await
        .unwrap()
}

async fn a_disabled_account_is_refused_at_once_and_a_second_admin_enables_it(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let ada = app.add_person("ada", Role::Admin, None).await;
    let bea = app.add_person("bea", Role::Admin, None).await;
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let rita_id = user_id(&app, "rita").await;
    let signed_in = session(&app, &rita).await;
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ");
    let with_session = || async {
        app.client
            .get(format!("{}/api/v1/cases", app.address))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(with_session().await, 200);

    let disable = format!("/api/v1/admin/users/{rita_id}/disable");
    let (status, body) = app.post_as(&rita.token, &disable, "").await;
    assert_eq!(status, 403, "not an admin: {body}");
    let (status, body) = app.post_as(&ada.token, &disable, "").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["disabled_at"].is_string(), "{body}");
    // Her token and her session are refused from the next request.
    let (status, _) = app.get_as(&rita.token, "/api/v1/cases").await;
    assert_eq!(status, 401);
    assert_eq!(with_session().await, 401);
    // She cannot sign in again either (a fresh TOTP step: a code is good once).
    app.clock.advance(time::Duration::seconds(30));
    let refused = session(&app, &rita).await;
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("disabled"),
        "{body}"
    );
    let (status, _) = app.post_as(&ada.token, &disable, "").await;
    assert_eq!(status, 409, "disabled already");
    let own = format!("/api/v1/admin/users/{}/disable", user_id(&app, "ada").await);
    let (status, _) = app.post_as(&ada.token, &own, "").await;
    assert_eq!(status, 409, "not the admin's own account");

    // Enabling a reviewer waits for a second admin, never the one who asked.
    let enable = format!("/api/v1/admin/users/{rita_id}/enable");
    let (status, body) = app.post_as(&ada.token, &enable, "").await;
    assert_eq!(status, 202, "{body}");
    let change = body["awaiting_confirmation"].as_i64().expect("a change");
    let (status, _) = app.get_as(&rita.token, "/api/v1/cases").await;
    assert_eq!(status, 401, "still disabled until confirmed");
    let confirm = format!("/api/v1/admin/changes/{change}/confirm");
    let (status, _) = app.post_as(&ada.token, &confirm, "").await;
    assert_eq!(status, 403, "not the admin who asked");
    let (status, body) = app.post_as(&bea.token, &confirm, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["kind"], "user.enabled");
    assert_eq!(body["subject"], rita_id.as_str());
    let (status, _) = app.get_as(&rita.token, "/api/v1/cases").await;
    assert_eq!(status, 200, "enabled");

    // An authority's account is enabled at once.
    let spd = app.add_seattle_pd().await;
    let spd_id = user_id(&app, "areyes@seattle.gov").await;
    let (status, _) = app
        .post_as(
            &bea.token,
            &format!("/api/v1/admin/users/{spd_id}/disable"),
            "",
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.get_as(&spd.token, "/api/v1/demands/x").await;
    assert_eq!(status, 401);
    let (status, body) = app
        .post_as(
            &bea.token,
            &format!("/api/v1/admin/users/{spd_id}/enable"),
            "",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["awaiting_confirmation"].is_null(), "{body}");
    assert!(body["disabled_at"].is_null(), "{body}");
    let (status, _) = app
        .post_as(
            &bea.token,
            &format!("/api/v1/admin/users/{spd_id}/enable"),
            "",
        )
        .await;
    assert_eq!(status, 409, "not disabled");

    let actions = app.audit_actions().await;
    let count = |action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count("user.disabled"), 2, "{actions:?}");
    assert_eq!(count("user.enabled"), 2, "{actions:?}");
    assert_eq!(count("admin_change.requested"), 1, "{actions:?}");
    assert_eq!(count("admin_change.confirmed"), 1, "{actions:?}");
}

async fn an_agency_changes_when_a_second_admin_confirms(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let ada = app.add_person("ada", Role::Admin, None).await;
    let bea = app.add_person("bea", Role::Admin, None).await;
    app.add_agency("seattle-pd", "US", "seattle.gov", "+12065550100")
        .await;
    app.add_agency("king-county", "US", "kingcounty.gov", "+12065550111")
        .await;
    let stored = |id: &'static str| {
        let app = &app;
        async move {
            app.db
                .store
                .agency(&AgencyId::parse(id).unwrap())
                .await
                .unwrap()
        }
    };
    let patch = |token: &str, id: &str, body: Value| {
        let request = app
            .client
            .patch(format!("{}/api/v1/admin/agencies/{id}", app.address))
            .bearer_auth(token)
            .body(body.to_string());
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };

    // Bad input is refused with the field named, and nothing is asked for.
    for (body, field) in [
        (json!({"callback_phone": "call me"}), "callback_phone"),
        (json!({"email_domains": []}), "email_domains"),
        (json!({"age_recipient": "age1nope"}), "age_recipient"),
        (json!({"name": "Other"}), "name"),
    ] {
        let (status, answer) = patch(&ada.token, "seattle-pd", body).await;
        assert_eq!(status, 400, "{answer}");
        assert!(
            answer["field"].as_str().unwrap_or("").contains(field)
                || answer["error"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    // A domain of another agency is refused when asked for.
    let (status, answer) = patch(
        &ada.token,
        "seattle-pd",
        json!({"email_domains": ["seattle.gov", "kingcounty.gov"]}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");

    let (status, change) = patch(
        &ada.token,
        "seattle-pd",
        json!({"callback_phone": "+12065550199", "email_domains": ["Seattle.gov", "spd.example"]}),
    )
    .await;
    assert_eq!(status, 202, "{change}");
    assert_eq!(change["kind"], "agency.changed");
    assert!(change["confirmed_at"].is_null(), "{change}");
    let before = stored("seattle-pd").await;
    assert_eq!(before.callback_phone.as_str(), "+12065550100", "not yet");

    let confirm = format!("/api/v1/admin/changes/{}/confirm", change["id"]);
    let (status, _) = app.post_as(&ada.token, &confirm, "").await;
    assert_eq!(status, 403, "not the admin who asked");
    let (status, body) = app.post_as(&bea.token, &confirm, "").await;
    assert_eq!(status, 200, "{body}");
    let after = stored("seattle-pd").await;
    assert_eq!(after.callback_phone.as_str(), "+12065550199");
    assert_eq!(after.email_domains, ["seattle.gov", "spd.example"]);
    assert_eq!(after.name, before.name);

    // A domain claimed by another agency between the request and the confirmation
    // refuses the confirmation, and nothing changes.
    let (status, change) = patch(
        &bea.token,
        "king-county",
        json!({"email_domains": ["kingcounty.gov", "metro.example"]}),
    )
    .await;
    assert_eq!(status, 202, "{change}");
    let (status, claim) = patch(
        &bea.token,
        "seattle-pd",
        json!({"email_domains": ["seattle.gov", "metro.example"]}),
    )
    .await;
    assert_eq!(status, 202, "{claim}");
    let confirm_claim = format!("/api/v1/admin/changes/{}/confirm", claim["id"]);
    let (status, _) = app.post_as(&ada.token, &confirm_claim, "").await;
    assert_eq!(status, 200);
    let confirm = format!("/api/v1/admin/changes/{}/confirm", change["id"]);
    let (status, body) = app.post_as(&ada.token, &confirm, "").await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("metro.example"),
        "{body}"
    );
    assert_eq!(
        stored("king-county").await.email_domains,
        ["kingcounty.gov"]
    );
    let (_, pending) = app.get_as(&ada.token, "/api/v1/admin/changes").await;
    assert_eq!(pending["changes"][0]["id"], change["id"], "still pending");

    let actions = app.audit_actions().await;
    let count = |action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count("admin_change.requested"), 3, "{actions:?}");
    assert_eq!(count("admin_change.confirmed"), 2, "{actions:?}");
    assert_eq!(count("agency.changed"), 2, "{actions:?}");
}

async fn pending_changes_are_listed_a_page_at_a_time(backend: Backend) {
    let app = spawn_app_with(backend, None).await;
    let ada = app.add_person("ada", Role::Admin, None).await;
    let bea = app.add_person("bea", Role::Admin, None).await;
    let mut asked = Vec::new();
    for name in ["rev1", "rev2", "rev3"] {
        let (status, person) = app
            .post_as(
                &ada.token,
                "/api/v1/admin/users",
                &json!({"username": name, "role": "reviewer"}).to_string(),
            )
            .await;
        assert_eq!(status, 201, "{person}");
        asked.push(person["awaiting_confirmation"].clone());
    }
    let confirm = format!("/api/v1/admin/changes/{}/confirm", asked[1]);
    let (status, _) = app.post_as(&bea.token, &confirm, "").await;
    assert_eq!(status, 200);

    let (status, page) = app
        .get_as(&bea.token, "/api/v1/admin/changes?limit=1")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["changes"][0]["id"], asked[0]);
    assert_eq!(page["changes"][0]["kind"], "user.added");
    let next = page["next"].as_str().expect("a next page");
    let (_, page) = app.get_as(&bea.token, next).await;
    assert_eq!(
        page["changes"][0]["id"], asked[2],
        "the confirmed one is gone"
    );
    let (_, page) = app.get_as(&bea.token, page["next"].as_str().unwrap()).await;
    assert_eq!(page["changes"], json!([]));
    assert!(page["next"].is_null(), "{page}");
    for bad in ["limit=0", "limit=501", "limit=x", "after=x", "other=1"] {
        let (status, body) = app
            .get_as(&bea.token, &format!("/api/v1/admin/changes?{bad}"))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}
