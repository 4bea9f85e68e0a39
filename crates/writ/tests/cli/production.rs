//! Issue 6: killing writ during a collection and restarting it completes the production
//! without duplicates. A real `writ serve` collects a demo provider's mailbox, is killed
//! with SIGKILL a fifth of the way in, and is started again on the same data; the
//! production is then sealed once, with every item once, verifies as its recipient
//! would check it, and leaves nothing in the clear behind (nor does a run killed
//! between sealing and removing its spool).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use writ_app::credentials::{API_TOKEN_PREFIX, TotpSecret, hash_password, new_token};
use writ_app::jobs::Job;
use writ_core::demand::Period;
use writ_core::identifier::PhoneNumber;
use writ_core::{Actor, AgencyId, AuditEntry, CountryCode, ProductionId, Role, Timestamp};
use writ_core::{UserId, Username};
use writ_sources::demo::{DemoSpec, ProviderVolume, named_accounts, write_provider};
use writ_store::{Agency, DatabaseLocation, NewUser, ProductionState, Store};

use crate::helpers::{Server, run, stderr, writ};

/// Messages in the one mailbox collected: enough that a debug build takes seconds over
/// them (every item is fsynced), so the kill lands mid-collection.
pub(crate) const MESSAGES: usize = 1500;

/// How long any one wait may take before the test gives up.
pub(crate) const PATIENCE: Duration = Duration::from_secs(120);

pub(crate) struct People {
    pub agency: String,
    pub reviewer: String,
    pub approver: String,
    /// The authority's age identity (`AGE-SECRET-KEY-1…`).
    pub identity: String,
}

#[test]
fn a_collection_killed_midway_completes_after_a_restart_without_duplicates() {
    let started = stopwatch();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("writ-data");
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(&data)
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // A provider whose mail for alice all falls in the demand's period.
    let now = Timestamp::from_datetime(wall_clock());
    let at = |days: i64| now.checked_add(time::Duration::days(days)).unwrap();
    let sources = alice_provider(&runtime, dir.path(), MESSAGES, 6);
    let config = dir.path().join("writ.toml");
    std::fs::write(&config, config_toml(&data, &sources)).unwrap();

    let people = runtime.block_on(seed(&data));
    eprintln!("{:?}: provider written, people seeded", started.elapsed());

    // First run: approve, and kill writ (SIGKILL: no shutdown at all) a fifth of the way
    // into the collection.
    let server = Server::start(&data, |c| {
        c.arg("--config").arg(&config);
    });
    let case = submit_and_approve(&server, &people, at(-60), at(-1));
    let production = wait_for(&server, &people, &case, "collection to be under way", |p| {
        let (done, total) = progress(p);
        let finished = p["state"] != "collecting" || total.is_some_and(|t| done >= t);
        assert!(
            !finished,
            "the collection finished before writ could be killed ({done} items): the corpus \
             is too small for this machine; raise MESSAGES. {p}"
        );
        // Well into it, not at its first item.
        total.is_some_and(|t| done > 0 && done >= t / 5)
    });
    server.kill();
    let production_id = ProductionId::parse(production["id"].as_str().unwrap()).unwrap();
    let killed_at = progress(&production).0;

    let (state, done_when_killed, total) = runtime.block_on(async {
        let store = open_store(&data).await;
        let p = store.production(production_id).await.unwrap();
        store.close().await;
        (p.state, p.items_done, p.items_total.unwrap())
    });
    assert_eq!(state, ProductionState::Collecting, "killed mid-collection");
    assert!(
        done_when_killed >= killed_at && done_when_killed < total,
        "{done_when_killed} of {total} items collected when killed (the API said {killed_at})"
    );
    let spool = data.join("productions/spool");
    assert!(
        spool.join(production_id.to_string()).is_dir(),
        "the killed collection left its spool"
    );
    eprintln!(
        "{:?}: killed writ with {done_when_killed} of {total} items collected",
        started.elapsed()
    );

    // Second run: once the dead worker's lease runs out, the collection resumes.
    let mut server = Server::start(&data, |c| {
        c.arg("--config").arg(&config);
    });
    let sealed = wait_for(
        &server,
        &people,
        &case,
        "the production to be sealed",
        |p| p["state"] == "sealed",
    );
    server.wait_for_log("production sealed");
    eprintln!("{:?}: sealed after the restart", started.elapsed());
    assert_eq!(
        sealed["id"], production["id"],
        "the same production resumed"
    );
    assert_eq!(sealed["items_total"], total, "{sealed}");
    assert_eq!(sealed["items_done"], total, "{sealed}");
    assert!(server.terminate(), "clean exit on SIGTERM");
    assert!(
        !spool.join(production_id.to_string()).exists(),
        "sealing removed the spool"
    );

    // A run killed after sealing but before removing its spool leaves both behind: the
    // spool, and its job unfinished. The next run removes the spool.
    let stray = spool
        .join(production_id.to_string())
        .join("items/acc-alice/mail");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::write(stray.join("left-behind.eml"), "Subject: in the clear\r\n").unwrap();
    runtime.block_on(async {
        let store = open_store(&data).await;
        let now = Timestamp::from_datetime(wall_clock());
        store
            .enqueue(
                &Job::Collect {
                    case: case_id(&case),
                }
                .at(now),
                now,
            )
            .await
            .unwrap();
        store.close().await;
    });
    let mut server = Server::start(&data, |c| {
        c.arg("--config").arg(&config);
    });
    server.wait_for_log("removed the spool a stopped run left");
    assert!(
        !spool.join(production_id.to_string()).exists(),
        "a sealed production's spool is removed"
    );

    // Released by the approver, downloaded by the authority.
    let release = post(
        &server,
        &people.approver,
        &format!("/api/v1/productions/{production_id}/release"),
        "",
    );
    assert_eq!(release.0, 200, "{}", release.1);
    let status = get(&server, &people.agency, &format!("/api/v1/demands/{case}"));
    let url = status["productions"][0]["download_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no download link: {status}"));
    let file = reqwest::blocking::Client::new()
        .get(format!("{}{url}", server.address))
        .bearer_auth(&people.agency)
        .send()
        .unwrap();
    assert_eq!(file.status(), 200);
    let file = file.bytes().unwrap();
    assert!(server.terminate(), "clean exit on SIGTERM");

    // The recipient's check, with the CLI: signed, every item once with its hash.
    let production_file = dir.path().join("production.age");
    std::fs::write(&production_file, &file).unwrap();
    let identity_file = dir.path().join("identity.txt");
    std::fs::write(&identity_file, &people.identity).unwrap();
    let key = run(writ().args(["bundle", "key", "--config"]).arg(&config));
    assert!(key.status.success(), "{}", stderr(&key));
    let key_file = dir.path().join("provider.pem");
    std::fs::write(&key_file, &key.stdout).unwrap();
    let verified = run(writ()
        .args(["bundle", "verify"])
        .arg(&production_file)
        .arg("--identity")
        .arg(&identity_file)
        .arg("--provider-key")
        .arg(&key_file));
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "writ bundle verify: {report}{}",
        stderr(&verified)
    );
    assert!(report.contains(&format!("\n{total} items, ")), "{report}");
    eprintln!("{:?}: verified", started.elapsed());

    // The store: every item recorded once; one production, started and sealed once.
    let (items, productions, events) = runtime.block_on(async {
        let store = open_store(&data).await;
        let items = store.production_items(production_id).await.unwrap();
        let productions = store.productions(case_id(&case)).await.unwrap();
        let events = store.audit_events(0, 100_000).await.unwrap();
        store.close().await;
        let events: Vec<AuditEntry> = events
            .iter()
            .map(|e| AuditEntry::from_canonical_bytes(&e.entry).unwrap())
            .collect();
        (items, productions, events)
    });
    assert_eq!(items.len() as u64, total, "recorded items");
    let keys: BTreeSet<_> = items
        .iter()
        .map(|i| (&i.source, &i.account, &i.key))
        .collect();
    assert_eq!(keys.len(), items.len(), "no item recorded twice");
    let paths: BTreeSet<_> = items.iter().map(|i| &i.path).collect();
    assert_eq!(paths.len(), items.len(), "no path recorded twice");
    let eml = items.iter().filter(|i| i.path.ends_with(".eml")).count();
    assert_eq!(eml, MESSAGES, "every message in the period, once");
    assert_eq!(productions.len(), 1, "one production for the case");
    assert_eq!(productions[0].state, ProductionState::Released);
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for action in ["production.started", "production.sealed"] {
        assert_eq!(
            actions.iter().filter(|a| **a == action).count(),
            1,
            "{action} once in {actions:?}"
        );
    }
    let sealed_event = events
        .iter()
        .find(|e| e.action == "production.sealed")
        .unwrap();
    assert_eq!(
        sealed_event.details["details"]["items"], total,
        "the sealed manifest's items: {:?}",
        sealed_event.details
    );

    // Nothing in the clear is left behind.
    let left = files_under(&data.join("productions"));
    let partial: Vec<_> = left
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(partial.is_empty(), "partial files left: {partial:?}");
    let spooled: Vec<_> = left.iter().filter(|p| p.starts_with(&spool)).collect();
    assert!(spooled.is_empty(), "the spool was not removed: {spooled:?}");
}

/// A provider under `dir/provider` with `messages` mails for alice only, all of them in
/// the demands' period (the 58 days to 2 days ago), and the sources config reading it.
pub(crate) fn alice_provider(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    messages: usize,
    seed: u64,
) -> writ_sources::config::SourcesConfig {
    let now = Timestamp::from_datetime(wall_clock());
    let at = |days: i64| now.checked_add(time::Duration::days(days)).unwrap();
    let (accounts, tenants) = named_accounts();
    let spec = DemoSpec {
        accounts: accounts
            .into_iter()
            .filter(|a| a.id == "acc-alice")
            .collect(),
        tenants,
        period: Period::new(at(-58), at(-2)).unwrap(),
        seed,
    };
    let volume = ProviderVolume {
        messages_per_account: messages,
        ..ProviderVolume::default()
    };
    runtime
        .block_on(write_provider(&dir.join("provider"), &spec, &volume, None))
        .unwrap()
}

pub(crate) fn case_id(case: &str) -> writ_core::CaseId {
    writ_core::CaseId::parse(case).unwrap()
}

#[allow(clippy::disallowed_methods)] // the test measures itself, as the binary would
pub(crate) fn stopwatch() -> Instant {
    Instant::now()
}

#[allow(clippy::disallowed_methods)] // the test stands where the binary's clock would
pub(crate) fn wall_clock() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// writ's config: the data directory, no metrics, a short lease, the provider's sources.
pub(crate) fn config_toml(data: &Path, sources: &writ_sources::config::SourcesConfig) -> String {
    let quote = |text: &str| serde_json::to_string(text).unwrap();
    let path = |p: &Path| quote(p.to_str().unwrap());
    let directory = sources.directory.as_ref().unwrap();
    let mail = sources.mail.as_ref().unwrap().maildir.as_ref().unwrap();
    let files = sources.files.as_ref().unwrap().local.as_ref().unwrap();
    let records = sources.records.as_ref().unwrap();
    format!(
        "data_dir = {data}\nlisten = \"127.0.0.1:0\"\n\n[metrics]\nenabled = false\n\n\
         [production]\nlease_seconds = 2\n\n\
         [sources.directory]\ndatabase = {directory}\n\n\
         [sources.mail.maildir]\nroot = {mail}\n\n\
         [sources.files.local]\nroot = {files}\n\n\
         [sources.records]\ndatabase = {records}\n",
        data = path(data),
        directory = quote(directory.database.expose()),
        mail = path(&mail.root),
        files = path(&files.root),
        records = quote(records.database.expose()),
    )
}

/// `writ collect` runs what a server without sources left waiting, in the foreground,
/// and exits when it is sealed.
#[test]
fn writ_collect_runs_the_waiting_collections_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("writ-data");
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(&data)
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let now = Timestamp::from_datetime(wall_clock());
    let at = |days: i64| now.checked_add(time::Duration::days(days)).unwrap();
    let spec = DemoSpec::named(Period::new(at(-58), at(-2)).unwrap(), 9);
    let volume = ProviderVolume {
        messages_per_account: 20,
        ..ProviderVolume::default()
    };
    let sources = runtime
        .block_on(write_provider(
            &dir.path().join("provider"),
            &spec,
            &volume,
            None,
        ))
        .unwrap();
    let people = runtime.block_on(seed(&data));

    // A server with no sources: the approved case waits.
    let waiting = dir.path().join("no-sources.toml");
    let config = config_toml(&data, &sources);
    let without_sources = config.split("\n[sources.").next().unwrap().to_owned();
    std::fs::write(&waiting, without_sources).unwrap();
    let server = Server::start(&data, |c| {
        c.arg("--config").arg(&waiting);
    });
    let case = submit_and_approve(&server, &people, at(-60), at(-1));
    assert_eq!(
        get(&server, &people.reviewer, &format!("/api/v1/cases/{case}"))["state"],
        "approved"
    );
    server.kill();

    let with_sources = dir.path().join("writ.toml");
    std::fs::write(&with_sources, config).unwrap();
    let output = run(writ().arg("collect").arg("--config").arg(&with_sources));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", stderr(&output));
    assert!(
        stdout.contains("1 case(s) sealed and waiting for release"),
        "{stdout}"
    );
    let sealed = runtime.block_on(async {
        let store = open_store(&data).await;
        let productions = store.productions(case_id(&case)).await.unwrap();
        store.close().await;
        productions
    });
    assert_eq!(sealed.len(), 1);
    assert_eq!(sealed[0].state, ProductionState::Sealed);
    assert_eq!(Some(sealed[0].items_done), sealed[0].items_total);
}

async fn open_store(data: &Path) -> Store {
    Store::open(&DatabaseLocation::in_data_dir(data))
        .await
        .unwrap()
}

/// Seattle PD (with an age recipient), one of its people, a reviewer and an approver,
/// each with an API token, straight into the store before writ starts.
async fn seed(data: &Path) -> People {
    let store = open_store(data).await;
    let people = seed_store(&store).await;
    store.close().await;
    people
}

/// [`seed`], into any store.
pub(crate) async fn seed_store(store: &Store) -> People {
    let now = Timestamp::from_datetime(wall_clock());
    let (identity, recipient) = writ_seal::new_identity();
    let agency = Agency {
        id: AgencyId::parse("seattle-pd").unwrap(),
        name: "Seattle Police Department".into(),
        country: CountryCode::parse("US").unwrap(),
        email_domains: vec!["seattle.gov".into()],
        callback_phone: PhoneNumber::parse("+12065550100").unwrap(),
        age_recipient: Some(recipient),
        created_at: now,
    };
    store.add_agency(&agency, &Actor::Operator).await.unwrap();
    let mut tokens = Vec::new();
    for (name, role, agency) in [
        ("areyes@seattle.gov", Role::Agency, Some(&agency.id)),
        ("rita", Role::Reviewer, None),
        ("alex", Role::Approver, None),
    ] {
        let username = Username::parse(name).unwrap();
        let hash = hash_password(&format!("correct horse battery {name}")).unwrap();
        let secret = TotpSecret::generate().unwrap().expose_base32();
        let user = NewUser {
            id: UserId::random(),
            username: &username,
            role,
            agency_id: agency,
            password_hash: hash.as_str(),
            totp_secret: &secret,
        };
        store.add_user(&user, &Actor::Operator, now).await.unwrap();
        let stored = store.user_by_name(&username).await.unwrap().unwrap();
        let (token, token_hash) = new_token(API_TOKEN_PREFIX).unwrap();
        store
            .issue_token(token_hash.as_str(), &stored, "tests", &Actor::Operator, now)
            .await
            .unwrap();
        tokens.push(token.expose().to_owned());
    }
    let [agency, reviewer, approver] = <[String; 3]>::try_from(tokens).unwrap();
    People {
        agency,
        reviewer,
        approver,
        identity,
    }
}

/// A warrant for alice's mail over `from..to`, submitted, recommended and approved as
/// it is; returns the case id.
fn submit_and_approve(server: &Server, people: &People, from: Timestamp, to: Timestamp) -> String {
    let case = submit(server, people, "SEA-KILL-0006", from, to);
    approve(server, people, &case);
    case
}

/// A warrant for alice's mail over `from..to`, submitted; returns the case id.
pub(crate) fn submit(
    server: &Server,
    people: &People,
    reference: &str,
    from: Timestamp,
    to: Timestamp,
) -> String {
    let now = Timestamp::from_datetime(wall_clock());
    let at = |days: i64| now.checked_add(time::Duration::days(days)).unwrap();
    let demand = json!({
        "reference": reference,
        "authority": {
            "name": "Seattle Police Department",
            "country": "US",
            "contact": {"name": "Det. A. Reyes", "email": "areyes@seattle.gov", "phone": "+12065550100"}
        },
        "instrument": {
            "type": "us.search_warrant",
            "issuer": {"name": "Hon. M. Chen", "role": "judge"},
            "issued_at": at(-1),
            "expires_at": at(14),
            "signed": true,
            "nondisclosure": {"until": at(180), "basis": "18 U.S.C. 2705(b)"}
        },
        "action": "disclose",
        "categories": ["subscriber", "content"],
        "period": {"from": from, "to": to},
        "targets": [{"type": "email", "value": "alice@example.com"}]
    });
    let (code, body) = post(
        server,
        &people.agency,
        "/api/v1/demands",
        &demand.to_string(),
    );
    assert_eq!(code, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// The case recommended and approved as it is.
pub(crate) fn approve(server: &Server, people: &People, case: &str) {
    let (code, body) = post(
        server,
        &people.reviewer,
        &format!("/api/v1/cases/{case}/review"),
        &json!({"recommendation": "approve", "reason": "in order"}).to_string(),
    );
    assert_eq!(code, 200, "{body}");
    let (code, body) = post(
        server,
        &people.approver,
        &format!("/api/v1/cases/{case}/approve"),
        &json!({"reason": "agreed"}).to_string(),
    );
    assert_eq!(code, 200, "{body}");
}

/// Polls the case's one production until `done` says so (failing after [`PATIENCE`]).
#[allow(clippy::disallowed_methods)] // a blocking test polls with a short sleep
pub(crate) fn wait_for(
    server: &Server,
    people: &People,
    case: &str,
    what: &str,
    mut done: impl FnMut(&Value) -> bool,
) -> Value {
    let started = stopwatch();
    let mut last = Value::Null;
    while started.elapsed() < PATIENCE {
        let list = get(
            server,
            &people.reviewer,
            &format!("/api/v1/cases/{case}/productions"),
        );
        if let Some(production) = list.as_array().and_then(|l| l.first()) {
            assert_eq!(list.as_array().unwrap().len(), 1, "one production: {list}");
            if done(production) {
                return production.clone();
            }
        }
        last = list;
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("waited {PATIENCE:?} for {what}; the case's productions: {last}");
}

/// Items done, and the total once the sources have listed them.
pub(crate) fn progress(production: &Value) -> (u64, Option<u64>) {
    (
        production["items_done"].as_u64().unwrap(),
        production["items_total"].as_u64(),
    )
}

pub(crate) fn get(server: &Server, token: &str, path: &str) -> Value {
    let response = reqwest::blocking::Client::new()
        .get(format!("{}{path}", server.address))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().unwrap()
}

pub(crate) fn post(server: &Server, token: &str, path: &str, body: &str) -> (u16, Value) {
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{}{path}", server.address))
        .bearer_auth(token);
    if !body.is_empty() {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().unwrap();
    let code = response.status().as_u16();
    (code, response.json().unwrap_or(Value::Null))
}

/// Every file under `dir` (none when it does not exist).
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}
