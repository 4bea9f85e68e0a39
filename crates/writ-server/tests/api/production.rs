//! From approval to a verified download, on SQLite and on PostgreSQL: collection from
//! the demo provider's real sources (its SQLite directory and records, Maildir or —
//! when `scripts/test` runs one — Dovecot, and a file store), sealing, release by a
//! second member of staff, an expiring download link, and the recipient's checks.

use serde_json::{Value, json};
use writ_app::jobs::runner::run_due_jobs;
use writ_app::production::Productions;
use writ_core::demand::Period;
use writ_core::identifier::PhoneNumber;
use writ_core::{Actor, AgencyId, Clock, CountryCode, Role, Timestamp};
use writ_seal::{ProductionKey, parse_identity};
use writ_sources::demo::{DemoSpec, ProviderVolume, write_provider};
use writ_storage::ProductionStorage;
use writ_store::Agency;

use crate::helpers::{Backend, EXAMPLE, Person, TestApp, spawn_app_producing};
use crate::web::Browser;

on_both_backends!(
    an_approved_demand_is_collected_sealed_released_and_downloaded,
    a_production_in_a_bucket_is_collected_sealed_and_downloaded_through_writ,
    nothing_found_is_a_sealed_answer_too,
    every_account_named_is_told_once_at_its_contact_address,
    an_account_without_an_address_makes_an_undeliverable_notice,
    a_hold_on_a_phone_number_protects_the_account_its_email_names,
    no_one_who_recommended_may_release,
    the_console_releases_only_once_confirmed,
    an_eu_orders_traffic_waits_ten_days_for_the_enforcing_authority,
);

pub(crate) struct Provider {
    pub(crate) app: TestApp,
    spd: Person,
    pub(crate) reviewer: Person,
    pub(crate) approver: Person,
    identity: String,
    provider_key: String,
    _dir: tempfile::TempDir,
}

/// The demo provider's data over the year before the test clock, with mail in Dovecot
/// when `WRIT_TEST_IMAP_ADDR` names one, else in Maildir.
pub(crate) async fn provider(backend: Backend) -> Provider {
    provider_with_contacts(backend, None).await
}

/// The demo provider, with the directory's contact query replaced by `contact`.
async fn provider_with_contacts(backend: Backend, contact: Option<&str>) -> Provider {
    provider_storing_in(backend, contact, None).await
}

/// The demo provider, its productions in `storage` (else in the test's directory).
async fn provider_storing_in(
    backend: Backend,
    contact: Option<&str>,
    storage: Option<ProductionStorage>,
) -> Provider {
    let dir = tempfile::tempdir().unwrap();
    let storage =
        storage.unwrap_or_else(|| ProductionStorage::directory(dir.path().join("productions")));
    let year = Period::new(
        Timestamp::parse("2025-03-01T00:00:00Z").unwrap(),
        Timestamp::parse("2026-03-01T00:00:00Z").unwrap(),
    );
    let spec = DemoSpec::named(year.unwrap(), 7);
    let volume = ProviderVolume {
        messages_per_account: 40,
        ..ProviderVolume::default()
    };
    let imap = imap_config();
    if imap.is_none() {
        eprintln!(
            "mail from Maildir: Dovecot not running (set WRIT_TEST_IMAP_ADDR; scripts/test starts it)"
        );
    }
    let sources = write_provider(&dir.path().join("provider"), &spec, &volume, imap.as_ref())
        .await
        .unwrap();
    let mut sources = sources;
    if let Some(directory) = sources.directory.as_mut() {
        directory.queries.contact = contact.map(str::to_owned);
    }
    let collector = sources.connect().await.unwrap().unwrap();
    let key = ProductionKey::generate();
    let provider_key = key.provider_key().to_pem();
    let productions = Productions::new(
        collector,
        key,
        storage,
        time::Duration::hours(24),
        time::Duration::seconds(30),
    );
    let app = spawn_app_producing(backend, None, Some(productions)).await;

    let (identity, recipient) = writ_seal::new_identity();
    let agency = Agency {
        id: AgencyId::parse("seattle-pd").unwrap(),
        name: "Seattle Police Department".into(),
        country: CountryCode::parse("US").unwrap(),
        email_domains: vec!["seattle.gov".into()],
        callback_phone: PhoneNumber::parse("+12065550100").unwrap(),
        age_recipient: Some(recipient),
        created_at: app.clock.now(),
    };
    app.db
        .store
        .add_agency(&agency, &Actor::Operator)
        .await
        .unwrap();
    Provider {
        spd: app
            .add_person("areyes@seattle.gov", Role::Agency, Some("seattle-pd"))
            .await,
        reviewer: app.add_person("rita", Role::Reviewer, None).await,
        approver: app.add_person("alex", Role::Approver, None).await,
        app,
        identity,
        provider_key,
        _dir: dir,
    }
}

/// Each test gets its own IMAP accounts' mail: Dovecot is shared, so the demo's
/// account names are the same, and appending twice only adds copies with the same
/// dates — the production must still hold exactly the scope.
fn imap_config() -> Option<writ_sources::mail::ImapConfig> {
    let address = std::env::var("WRIT_TEST_IMAP_ADDR").ok()?;
    let user = std::env::var("WRIT_TEST_IMAP_MASTER_USER").ok()?;
    let password = std::env::var("WRIT_TEST_IMAP_MASTER_PASSWORD").ok()?;
    Some(writ_sources::mail::ImapConfig::new(
        address,
        user,
        password.into(),
    ))
}

impl Provider {
    /// Submits `demand`, has rita recommend it as it is and alex approve it, and runs
    /// the collection; returns the case id.
    async fn approve_and_collect(&self, demand: &Value) -> String {
        let id = self.approve(demand).await;
        let ran = run_due_jobs(&self.app.state, "test-worker").await.unwrap();
        // The collection, and the notices' job (which finds them gagged or without SMTP).
        assert!(ran >= 1, "the approval queued a collection");
        id
    }

    /// Submits `demand`, has rita recommend it as it is and alex approve it.
    async fn approve(&self, demand: &Value) -> String {
        self.approve_from(&self.spd, demand).await
    }

    /// As [`Provider::approve`], `demand` sent by `authority`'s user.
    async fn approve_from(&self, authority: &Person, demand: &Value) -> String {
        let id = self.app.submit(authority, &demand.to_string()).await;
        self.app
            .recommend_approval(&self.reviewer, &id, "in order")
            .await;
        self.app
            .case_step_ok(&self.approver, &id, "approve", json!({"reason": "agreed"}))
            .await;
        id
    }

    /// Another authority, in `country`, sealing to the same recipient as Seattle's (so
    /// `verify` opens its productions); its user.
    pub(crate) async fn add_authority(&self, id: &str, country: &str, user: &str) -> Person {
        let store = &self.app.db.store;
        let mut agency = store
            .agency(&AgencyId::parse("seattle-pd").unwrap())
            .await
            .unwrap();
        agency.id = AgencyId::parse(id).unwrap();
        agency.name = format!("Agency {id}");
        agency.country = CountryCode::parse(country).unwrap();
        let domain = user.split('@').nth(1).unwrap();
        agency.email_domains = vec![domain.into()];
        store.add_agency(&agency, &Actor::Operator).await.unwrap();
        self.app.add_person(user, Role::Agency, Some(id)).await
    }

    pub(crate) async fn production_of(&self, case: &str) -> Value {
        let (status, body) = self
            .app
            .get_as(
                &self.reviewer.token,
                &format!("/api/v1/cases/{case}/productions"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body.as_array().unwrap().len(), 1, "{body}");
        body[0].clone()
    }

    async fn download(&self, url: &str) -> (u16, Vec<u8>) {
        let response = self
            .app
            .client
            .get(format!("{}{url}", self.app.address))
            .bearer_auth(&self.spd.token)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.bytes().await.unwrap().to_vec(),
        )
    }

    pub(crate) fn verify(&self, production: &[u8]) -> writ_seal::Verification {
        writ_seal::verify(
            production,
            &parse_identity(&self.identity).unwrap(),
            &writ_seal::ProviderKey::from_pem(&self.provider_key).unwrap(),
        )
        .unwrap()
    }
}

fn demand(categories: Value, targets: Value) -> Value {
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["categories"] = categories;
    doc["targets"] = targets;
    doc
}

async fn an_approved_demand_is_collected_sealed_released_and_downloaded(backend: Backend) {
    collected_sealed_released_downloaded(provider(backend).await).await;
}

/// The same, with the spool and the sealed file in an S3 bucket: the download streams
/// from the bucket through writ, and nothing is left of the spool.
async fn a_production_in_a_bucket_is_collected_sealed_and_downloaded_through_writ(
    backend: Backend,
) {
    let Some(config) = writ_storage::testing::s3_bucket("writ") else {
        return;
    };
    let storage = ProductionStorage::s3(&config).unwrap();
    let p = provider_storing_in(backend, None, Some(storage.clone())).await;
    let case = collected_sealed_released_downloaded(p).await;
    let sealed = storage.sealed_files().await.unwrap();
    assert_eq!(sealed.len(), 1, "{sealed:?}");
    let listed = writ_storage::testing::curl(&config, &[], "?list-type=2").unwrap();
    assert!(
        !listed.contains("spool/"),
        "the spool of {case} was removed: {listed}"
    );
}

/// Approves, collects, releases and downloads a demand for alice; checks every step.
async fn collected_sealed_released_downloaded(p: Provider) -> String {
    let case = p
        .approve_and_collect(&demand(
            json!(["subscriber", "traffic", "content"]),
            json!([{"type": "email", "value": "alice@example.com"},
                   {"type": "email", "value": "nobody@example.com"}]),
        ))
        .await;

    let production = p.production_of(&case).await;
    assert_eq!(production["state"], "sealed", "{production}");
    assert_eq!(production["items_done"], production["items_total"]);
    assert!(
        production["items_done"].as_u64().unwrap() > 0,
        "{production}"
    );
    let (_, view) = p
        .app
        .get_as(&p.reviewer.token, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(view["state"], "sealed");

    // Nothing is released before a second member of staff says so, and the reviewer
    // may not be that person.
    let (_, status) = p
        .app
        .get_as(&p.spd.token, &format!("/api/v1/demands/{case}"))
        .await;
    assert_eq!(status["productions"], json!([]));
    let release = format!(
        "/api/v1/productions/{}/release",
        production["id"].as_str().unwrap()
    );
    let (code, body) = p.app.post_as(&p.reviewer.token, &release, "").await;
    assert_eq!(code, 403, "{body}");
    let (code, body) = p.app.post_as(&p.approver.token, &release, "").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["state"], "released");
    let (code, _) = p.app.post_as(&p.approver.token, &release, "").await;
    assert_eq!(code, 409, "released once");
    // The case says so (no longer `sealed` until the first download), and who released
    // it, when; and who approved it, when and why.
    let (_, view) = p
        .app
        .get_as(&p.reviewer.token, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(view["state"], "released", "{view}");
    let released = &view["productions"][0];
    assert_eq!(released["state"], "released", "{view}");
    assert_eq!(released["released_by"], p.approver.username.as_str());
    assert_eq!(released["released_at"], p.app.clock.now().to_string());
    assert_eq!(view["approval"]["by_name"], p.approver.username.as_str());
    assert_eq!(view["approval"]["reason"], "agreed");
    let (_, queue) = p
        .app
        .get_as(&p.reviewer.token, "/api/v1/cases?state=released")
        .await;
    assert_eq!(queue["cases"][0]["id"], case.as_str(), "{queue}");

    let (_, status) = p
        .app
        .get_as(&p.spd.token, &format!("/api/v1/demands/{case}"))
        .await;
    let released = &status["productions"][0];
    let url = released["download_url"].as_str().unwrap();
    let (code, file) = p.download(url).await;
    assert_eq!(code, 200);
    assert_eq!(released["size"].as_u64().unwrap(), file.len() as u64);

    let checked = p.verify(&file);
    assert!(checked.is_ok(), "{:?}", checked.problems);
    let manifest = checked.manifest.unwrap();
    assert_eq!(manifest.accounts, ["acc-alice"]);
    assert_eq!(manifest.not_found, ["nobody@example.com"]);
    assert!(!manifest.no_data);
    let period = Period::new(
        Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        Timestamp::parse("2026-02-28T23:59:59Z").unwrap(),
    )
    .unwrap();
    let mut sources = std::collections::BTreeSet::new();
    for item in &manifest.items {
        assert_eq!(item.account, "acc-alice", "{}", item.path);
        assert!(item.path.starts_with("items/acc-alice/"), "{}", item.path);
        if let Some(at) = item.timestamp {
            assert!(period.contains(at), "{} at {at}", item.path);
        }
        sources.insert(item.source.clone());
    }
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["files", "mail", "records"],
        "every source gave something"
    );
    let eml = manifest
        .items
        .iter()
        .filter(|i| i.path.ends_with(".eml"))
        .count();
    assert!(eml > 0, "alice's mail of January and February");
    by_hand(&p, &file);

    // The case is delivered, and every step is in the audit log.
    let (_, view) = p
        .app
        .get_as(&p.reviewer.token, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(view["state"], "delivered");
    let actions = p.app.audit_actions().await;
    for action in [
        "production.started",
        "production.sealed",
        "production.released",
        "production.downloaded",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    // A changed byte anywhere is caught.
    let mut tampered = file.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let caught = writ_seal::verify(
        &tampered[..],
        &parse_identity(&p.identity).unwrap(),
        &writ_seal::ProviderKey::from_pem(&p.provider_key).unwrap(),
    );
    assert!(
        caught.map(|v| !v.is_ok()).unwrap_or(true),
        "a tampered production fails"
    );

    // Links expire; a forged one is refused; another authority's user cannot use it.
    let (code, _) = p.download(&url.replace("signature=", "signature=00")).await;
    assert_eq!(code, 403);
    p.app.clock.advance(time::Duration::hours(25));
    let (code, _) = p.download(url).await;
    assert_eq!(code, 403, "expired");
    case
}

/// `age -d`, `tar x` and `sha256sum -c`, as a recipient without writ would check it.
fn by_hand(p: &Provider, production: &[u8]) {
    let have = |tool: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("age") || !have("sha256sum") {
        eprintln!(
            "skipped: age not installed (scripts/test installs it) — checked with writ_seal::verify only"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("production.age"), production).unwrap();
    std::fs::write(dir.path().join("identity.txt"), &p.identity).unwrap();
    let script = "mkdir out && age -d -i identity.txt production.age | tar -x -C out && cd out && sha256sum -c --quiet SHA256SUMS";
    let output = std::process::Command::new("sh")
        .args(["-c", script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "by hand: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn nothing_found_is_a_sealed_answer_too(backend: Backend) {
    let p = provider(backend).await;
    let case = p
        .approve_and_collect(&demand(
            json!(["subscriber"]),
            json!([{"type": "email", "value": "nobody@example.com"}]),
        ))
        .await;
    let production = p.production_of(&case).await;
    assert_eq!(production["sealed"]["no_data"], true, "{production}");
    let (code, _) = p
        .app
        .post_as(
            &p.approver.token,
            &format!(
                "/api/v1/productions/{}/release",
                production["id"].as_str().unwrap()
            ),
            "",
        )
        .await;
    assert_eq!(code, 200);
    let (_, status) = p
        .app
        .get_as(&p.spd.token, &format!("/api/v1/demands/{case}"))
        .await;
    let (code, file) = p
        .download(status["productions"][0]["download_url"].as_str().unwrap())
        .await;
    assert_eq!(code, 200);
    let checked = p.verify(&file);
    assert!(checked.is_ok(), "{:?}", checked.problems);
    let manifest = checked.manifest.unwrap();
    assert!(manifest.no_data && manifest.items.is_empty());
    assert_eq!(manifest.not_found, ["nobody@example.com"]);
}

fn ungagged(targets: Value) -> Value {
    let mut doc = demand(json!(["subscriber"]), targets);
    doc["instrument"]
        .as_object_mut()
        .unwrap()
        .remove("nondisclosure");
    doc
}

async fn notices_of(p: &Provider, case: &str) -> Vec<Value> {
    let (_, body) = p
        .app
        .get_as(&p.reviewer.token, &format!("/api/v1/cases/{case}"))
        .await;
    body["notices"].as_array().unwrap().clone()
}

async fn every_account_named_is_told_once_at_its_contact_address(backend: Backend) {
    let p = provider(backend).await;
    // Alice by e-mail and by username, Bruno by phone number only.
    let case = p
        .approve_and_collect(&ungagged(json!([
            {"type": "email", "value": "alice@example.com"},
            {"type": "username", "value": "alice"},
            {"type": "phone", "value": "+4930555012"},
        ])))
        .await;
    let notices = notices_of(&p, &case).await;
    let mut addresses: Vec<&str> = notices
        .iter()
        .map(|n| n["address"].as_str().unwrap())
        .collect();
    addresses.sort_unstable();
    assert_eq!(
        addresses,
        ["alice@example.com", "bruno@example.de"],
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .all(|n| n["recipient"] == "user" && n["state"] != "undeliverable")
    );
}

async fn an_account_without_an_address_makes_an_undeliverable_notice(backend: Backend) {
    let p = provider_with_contacts(
        backend,
        Some("SELECT CASE WHEN id = 'acc-bruno' THEN NULL ELSE email END FROM accounts WHERE id = $1"),
    )
    .await;
    let case = p
        .approve_and_collect(&ungagged(json!([
            {"type": "phone", "value": "+4930555012"},
            {"type": "email", "value": "alice@example.com"},
        ])))
        .await;
    let notices = notices_of(&p, &case).await;
    assert_eq!(notices.len(), 2, "{notices:?}");
    let bruno = notices
        .iter()
        .find(|n| n["state"] == "undeliverable")
        .expect("Bruno's notice is undeliverable");
    assert_eq!(bruno["address"], "");
    assert!(bruno["subject"].as_str().unwrap().contains("acc-bruno"));
    // Running the jobs again never sends it.
    run_due_jobs(&p.app.state, "test-worker").await.unwrap();
    let again = notices_of(&p, &case).await;
    assert!(again.iter().any(|n| n["state"] == "undeliverable"));
}

async fn a_hold_on_a_phone_number_protects_the_account_its_email_names(backend: Backend) {
    let p = provider(backend).await;
    let mut preserve = demand(
        json!(["subscriber", "content"]),
        json!([{"type": "phone", "value": "+4930555012"}]),
    );
    preserve["instrument"]["type"] = json!("us.preservation_2703f");
    preserve["instrument"]["issuer"]["role"] = json!("police");
    preserve["action"] = json!("preserve");
    let held = p.approve(&preserve).await;
    let (status, holds) = p
        .app
        .get_as(&p.reviewer.token, "/api/v1/holds?account=acc-bruno")
        .await;
    assert_eq!(status, 200, "{holds}");
    assert_eq!(holds["holds"].as_array().map(Vec::len), Some(2), "{holds}");

    // A later warrant for Bruno's e-mail finds the hold made on his phone number.
    let bruno = demand(
        json!(["content"]),
        json!([{"type": "email", "value": "bruno@example.de"}]),
    );
    let later = p.app.submit(&p.spd, &bruno.to_string()).await;
    let (_, case) = p
        .app
        .get_as(&p.reviewer.token, &format!("/api/v1/cases/{later}"))
        .await;
    let preservations = case["preservations"].as_array().unwrap();
    assert_eq!(preservations.len(), 2, "{case}");
    assert!(
        preservations.iter().all(|h| h["case"] == held.as_str()),
        "{preservations:?}"
    );
}

/// rita recommends, ruth recommends again (superseding her), alex approves: rita
/// recommended on the case, so she may not release it any more than ruth may.
async fn no_one_who_recommended_may_release(backend: Backend) {
    let p = provider(backend).await;
    let ruth = p.app.add_person("ruth", Role::Reviewer, None).await;
    let other = p.app.add_person("olga", Role::Reviewer, None).await;
    let document = demand(
        json!(["subscriber"]),
        json!([{"type": "email", "value": "nobody@example.com"}]),
    );
    let id = p.app.submit(&p.spd, &document.to_string()).await;
    let recommend = json!({"recommendation": "approve", "reason": "in order"}).to_string();
    for who in [&p.reviewer, &ruth] {
        let (status, body) = p
            .app
            .post_as(
                &who.token,
                &format!("/api/v1/cases/{id}/review"),
                &recommend,
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = p
        .app
        .post_as(
            &p.approver.token,
            &format!("/api/v1/cases/{id}/approve"),
            r#"{"reason": "agreed"}"#,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    run_due_jobs(&p.app.state, "test-worker").await.unwrap();
    let production = p.production_of(&id).await;
    let release = format!(
        "/api/v1/productions/{}/release",
        production["id"].as_str().unwrap()
    );
    for who in [&p.reviewer, &ruth] {
        let (code, body) = p.app.post_as(&who.token, &release, "").await;
        assert_eq!(code, 403, "{}: {body}", who.username);
    }
    let (code, body) = p.app.post_as(&other.token, &release, "").await;
    assert_eq!(code, 200, "{body}");
}

/// The console's release is a form in the case's sidebar that asks for confirmation;
/// the case's badge then reads Released, and the production says who released it.
async fn the_console_releases_only_once_confirmed(backend: Backend) {
    let p = provider(backend).await;
    let case = p
        .approve_and_collect(&demand(
            json!(["subscriber"]),
            json!([{"type": "email", "value": "alice@example.com"}]),
        ))
        .await;
    let production = p.production_of(&case).await;
    let id = production["id"].as_str().unwrap();
    let path = format!("/console/cases/{case}");

    // The reviewer who recommended sees why they cannot release, and no button.
    let mut ruth = Browser::new(&p.app);
    ruth.log_in(&p.reviewer).await;
    let page = ruth.get(&path).await;
    assert!(page.body.contains(r#"id="state">Sealed<"#), "{}", page.body);
    assert!(!page.body.contains(r#"id="release""#));
    assert!(page.body.contains("Someone other than the case's reviewer"));

    // The approver has the form, and the sidebar does not say there is nothing to do.
    let mut alex = Browser::new(&p.app);
    alex.log_in(&p.approver).await;
    let page = alex.get(&path).await;
    assert!(
        page.body.contains(r#"id="release-confirm""#),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Nothing for your role"),
        "{}",
        page.body
    );
    let release = format!("{path}/productions/{id}/release");
    let refused = alex.post(&release, &[("csrf", &page.csrf())]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Release not recorded. confirm: tick the box")
    );
    assert_eq!(p.production_of(&case).await["state"], "sealed");

    let done = alex
        .post(&release, &[("csrf", &page.csrf()), ("confirm", "yes")])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = alex.get(done.location()).await;
    assert!(
        page.body.contains(r#"id="state">Released<"#),
        "{}",
        page.body
    );
    let (_, view) = p
        .app
        .get_as(&p.reviewer.token, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(view["state"], "released");
    let shown = page
        .body
        .split(r#"id="production-released">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default();
    assert!(
        shown.ends_with(&format!(" UTC by {}", p.approver.username)),
        "{shown}"
    );
    assert!(!page.body.contains(r#"id="release-confirm""#));
}

/// An EU production order for alice's traffic data from a German judge, alice living
/// elsewhere: the engine finds the enforcing authority's notification.
fn epoc_for_traffic(reference: &str) -> Value {
    let mut doc = demand(
        json!(["traffic"]),
        json!([{"type": "email", "value": "alice@example.com"}]),
    );
    doc["reference"] = json!(reference);
    doc.as_object_mut().unwrap().remove("received_at");
    doc["authority"] = json!({"name": "Bundeskriminalamt", "country": "DE"});
    let instrument = &mut doc["instrument"];
    instrument["type"] = json!("eu.epoc");
    instrument["issued_at"] = json!("2026-09-01T16:00:00Z");
    instrument["expires_at"] = json!("2026-09-30T00:00:00Z");
    instrument["target_resides_in_issuing_state"] = json!(false);
    instrument.as_object_mut().unwrap().remove("nondisclosure");
    doc
}

/// Art. 10(2): traffic and content wait ten days from receipt for the enforcing
/// authority. One order waits them out; one is released early on its confirmation that
/// it has no grounds; one stays withheld once it raised grounds. Only an approver
/// records the answer, once, on a case the notification suspends.
async fn an_eu_orders_traffic_waits_ten_days_for_the_enforcing_authority(backend: Backend) {
    let p = provider(backend).await;
    p.app
        .clock
        .set(Timestamp::parse("2026-09-02T09:00:00Z").unwrap());
    let bka = p.add_authority("de-bka", "DE", "kk@bka.de").await;
    let mut cases = Vec::new();
    for reference in ["EPOC-WAITS", "EPOC-CONFIRMED", "EPOC-REFUSED"] {
        let id = p.approve_from(&bka, &epoc_for_traffic(reference)).await;
        run_due_jobs(&p.app.state, "test-worker").await.unwrap();
        let production = p.production_of(&id).await;
        assert_eq!(production["state"], "sealed", "{production}");
        let release = format!(
            "/api/v1/productions/{}/release",
            production["id"].as_str().unwrap()
        );
        cases.push((id, release));
    }
    let [
        (waits, release_waits),
        (confirmed, release_confirmed),
        (refused, release_refused),
    ] = &cases[..]
    else {
        unreachable!()
    };
    let answer = |case: &str| format!("/api/v1/cases/{case}/enforcing-authority");
    let (_, view) = p
        .app
        .get_as(&p.reviewer.token, &format!("/api/v1/cases/{waits}"))
        .await;
    assert_eq!(
        view["enforcing_authority"],
        json!({"window_ends_at": "2026-09-12T09:00:00Z", "answer": null, "withholding": true}),
        "{view}"
    );

    // Within the ten days, nothing goes.
    for release in [release_waits, release_confirmed, release_refused] {
        let (status, body) = p.app.post_as(&p.approver.token, release, "").await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("Art. 10(2)"),
            "{body}"
        );
    }
    // The console counts the days down.
    let mut alex = Browser::new(&p.app);
    alex.log_in(&p.approver).await;
    let page = alex.get(&format!("/console/cases/{waits}")).await;
    let countdown = page
        .body
        .split(r#"id="enforcing-authority">"#)
        .nth(1)
        .unwrap_or_else(|| panic!("no countdown: {}", page.body));
    assert!(
        countdown.contains("held back 10 days more, until 12 Sep 2026, 09:00 UTC"),
        "{countdown}"
    );

    // Only an approver records the answer, with a reason and a known outcome.
    let early = json!({"outcome": "no_grounds", "reason": "The Parquet de Paris raises none."});
    let (status, _) = p
        .app
        .post_as(&p.reviewer.token, &answer(confirmed), &early.to_string())
        .await;
    assert_eq!(status, 403);
    let (status, _) = p
        .app
        .post_as(&bka.token, &answer(confirmed), &early.to_string())
        .await;
    assert_eq!(status, 403);
    for (body, field) in [
        (json!({"outcome": "no_grounds", "reason": " "}), "reason"),
        (json!({"outcome": "maybe", "reason": "x"}), "outcome"),
    ] {
        let (status, refusal) = p
            .app
            .post_as(&p.approver.token, &answer(confirmed), &body.to_string())
            .await;
        assert_eq!(
            (status, refusal["field"].as_str()),
            (400, Some(field)),
            "{refusal}"
        );
    }
    let (status, body) = p
        .app
        .post_as(&p.approver.token, &answer(confirmed), &early.to_string())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["answer"]["outcome"], "no_grounds");
    assert_eq!(body["withholding"], false);
    let (status, _) = p
        .app
        .post_as(&p.approver.token, &answer(confirmed), &early.to_string())
        .await;
    assert_eq!(status, 409, "answered once");
    // An early confirmation releases at once.
    let (status, body) = p
        .app
        .post_as(&p.approver.token, release_confirmed, "")
        .await;
    assert_eq!(status, 200, "{body}");

    let grounds = json!({"outcome": "grounds_raised", "reason": "Art. 12(1)(a): immunity."});
    let (status, body) = p
        .app
        .post_as(&p.approver.token, &answer(refused), &grounds.to_string())
        .await;
    assert_eq!(status, 200, "{body}");

    // Ten days on: the one with no answer goes, the one with grounds never does.
    p.app.clock.advance(time::Duration::days(10));
    let (status, body) = p.app.post_as(&p.approver.token, release_waits, "").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = p.app.post_as(&p.approver.token, release_refused, "").await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("Art. 12"),
        "{body}"
    );
    // (The session from ten days ago has expired.)
    let mut alex = Browser::new(&p.app);
    alex.log_in(&p.approver).await;
    let page = alex.get(&format!("/console/cases/{refused}")).await;
    assert!(
        page.body.contains("Grounds for refusal raised"),
        "{}",
        page.body
    );

    // A case the notification does not suspend (subscriber data only) takes no answer.
    let mut subscriber = epoc_for_traffic("EPOC-SUBSCRIBER");
    subscriber["categories"] = json!(["subscriber"]);
    let unsuspended = p.approve_from(&bka, &subscriber).await;
    let (status, body) = p
        .app
        .post_as(&p.approver.token, &answer(&unsuspended), &early.to_string())
        .await;
    assert_eq!(status, 409, "{body}");
    // Each answer is in the case's history, with what it was.
    for (case, outcome) in [(confirmed, "no_grounds"), (refused, "grounds_raised")] {
        let events = p
            .app
            .db
            .store
            .case_events(writ_core::CaseId::parse(case).unwrap(), None, 100)
            .await
            .unwrap();
        let answered: Vec<Value> = events
            .iter()
            .filter(|e| e.action == "case.enforcing_authority_answered")
            .map(|e| serde_json::from_slice::<Value>(&e.entry).unwrap())
            .collect();
        assert_eq!(answered.len(), 1);
        assert!(answered[0].to_string().contains(outcome), "{}", answered[0]);
    }
}
