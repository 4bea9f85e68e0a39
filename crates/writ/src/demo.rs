//! `writ demo`: a demo provider to try writ on. Two authorities (one US, one EU), one
//! person in each staff role and at each authority, a directory of consumer accounts
//! and an enterprise tenant; then it serves. Every run writes fresh random credentials
//! (and API tokens) to the credentials file, readable only by its owner: there are no
//! fixed demo passwords.

use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;
use serde_json::json;
use writ_app::credentials::{TotpSecret, hash_password, new_token};
use writ_core::identifier::PhoneNumber;
use writ_core::{Actor, AgencyId, Clock, CountryCode, Role, UserId, Username};
use writ_store::{Agency, NewUser, Store};

pub const DIRECTORY_FILE: &str = "demo-directory.json";

struct DemoAgency {
    id: &'static str,
    name: &'static str,
    country: &'static str,
    domain: &'static str,
    callback: &'static str,
    user: &'static str,
}

const AGENCIES: [DemoAgency; 2] = [
    DemoAgency {
        id: "seattle-pd",
        name: "Seattle Police Department",
        country: "US",
        domain: "seattle.gov",
        callback: "+12065550100",
        user: "areyes@seattle.gov",
    },
    DemoAgency {
        id: "bka",
        name: "Bundeskriminalamt",
        country: "DE",
        domain: "bka.bund.de",
        callback: "+4961155000",
        user: "kmueller@bka.bund.de",
    },
];

/// Two admins: a reviewer, approver or admin account one admin creates waits for the
/// other's confirmation. Listed last, so the others keep their places.
const STAFF: [(&str, Role); 5] = [
    ("rita.reviewer", Role::Reviewer),
    ("alex.approver", Role::Approver),
    ("ada.admin", Role::Admin),
    ("otto.auditor", Role::Auditor),
    ("bo.admin", Role::Admin),
];

/// The accounts the demo directory knows; an authority can name these in demands.
fn directory() -> serde_json::Value {
    json!({
        "accounts": [
            {"id": "acc-alice", "identifiers": [
                {"type": "email", "value": "alice@example.com"},
                {"type": "phone", "value": "+12065550123"},
                {"type": "username", "value": "alice"}], "tenant": null},
            {"id": "acc-bruno", "identifiers": [
                {"type": "email", "value": "bruno@example.de"},
                {"type": "username", "value": "bruno"}], "tenant": null},
            {"id": "acc-chen", "identifiers": [
                {"type": "email", "value": "chen@contoso.example"}], "tenant": "contoso"},
            {"id": "acc-dana", "identifiers": [
                {"type": "email", "value": "dana@contoso.example"}], "tenant": "contoso"}
        ],
        "tenants": [
            {"id": "contoso", "name": "Contoso Ltd", "seats": 250, "admin_email": "it-admin@contoso.example"}
        ]
    })
}

#[derive(Serialize)]
struct Credentials {
    base_url: String,
    agencies: Vec<AgencyCredentials>,
    agency_users: Vec<PersonCredentials>,
    staff: Vec<PersonCredentials>,
    demo_identifiers: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct AgencyCredentials {
    name: String,
    country: String,
    token: String,
    /// The secret key the authority's productions are encrypted to (demo only: a real
    /// authority keeps its own and registers only the recipient).
    age_identity: String,
}

/// The demo authority's age identity and recipient, made once and kept in the data
/// directory (mode 0600), so productions sealed in an earlier run still open.
fn age_identity(data_dir: &Path, agency: &str) -> anyhow::Result<(String, String)> {
    let path = data_dir.join(format!("demo-age-{agency}.txt"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        let mut lines = text.lines();
        if let (Some(identity), Some(recipient)) = (lines.next(), lines.next()) {
            return Ok((identity.to_owned(), recipient.to_owned()));
        }
    }
    let (identity, recipient) = writ_seal::new_identity();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(file, "{identity}\n{recipient}")?;
    Ok((identity, recipient))
}

#[derive(Serialize)]
struct PersonCredentials {
    username: String,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    agency: Option<String>,
    password: String,
    totp_secret: String,
    token: String,
}

/// Writes `example-demand.json` into `data_dir`: a warrant for a demo account, dated
/// around `now` so that it is valid when submitted.
pub fn write_example_demand(data_dir: &Path, now: writ_core::Timestamp) -> anyhow::Result<PathBuf> {
    let at = |days: i64| {
        now.checked_add(time::Duration::days(days))
            .map(|t| t.to_string())
            .context("a date out of range")
    };
    let demand = json!({
        "reference": "SEA-DEMO-0001",
        "authority": {
            "name": "Seattle Police Department",
            "country": "US",
            "contact": {"name": "Det. A. Reyes", "email": "areyes@seattle.gov", "phone": "+12065550100"}
        },
        "instrument": {
            "type": "us.search_warrant",
            "issuer": {"name": "Hon. M. Chen", "role": "judge"},
            "issued_at": at(-1)?,
            "expires_at": at(14)?,
            "signed": true,
            "nondisclosure": {"until": at(180)?, "basis": "18 U.S.C. 2705(b)"}
        },
        "action": "disclose",
        "categories": ["subscriber", "content"],
        "period": {"from": at(-60)?, "to": at(-1)?},
        "targets": [{"type": "email", "value": "alice@example.com"}]
    });
    let path = data_dir.join("example-demand.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&demand)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Writes the demo directory into `data_dir`; returns its path for the policy config.
pub fn write_directory(data_dir: &Path) -> anyhow::Result<PathBuf> {
    let path = data_dir.join(DIRECTORY_FILE);
    std::fs::write(&path, serde_json::to_vec_pretty(&directory())?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Creates the demo's authorities and people if they are missing, and gives everyone
/// fresh credentials. Returns what the credentials file will hold (but its address).
pub async fn seed(store: &Store, clock: &dyn Clock, data_dir: &Path) -> anyhow::Result<Seeded> {
    let actor = Actor::Operator;
    let mut seeded = Seeded::default();
    for agency in &AGENCIES {
        let id = AgencyId::parse(agency.id)?;
        let (age_identity, age_recipient) = age_identity(data_dir, agency.id)?;
        if store.agency(&id).await.is_err() {
            let record = Agency {
                id: id.clone(),
                name: agency.name.into(),
                country: CountryCode::parse(agency.country)?,
                email_domains: vec![agency.domain.into()],
                callback_phone: PhoneNumber::parse(agency.callback)?,
                age_recipient: Some(age_recipient),
                created_at: clock.now(),
            };
            store.add_agency(&record, &actor).await?;
        }
        let person = person(store, clock, agency.user, Role::Agency, Some(&id)).await?;
        seeded.agencies.push(AgencyCredentials {
            name: agency.name.into(),
            country: agency.country.into(),
            token: person.token.clone(),
            age_identity,
        });
        seeded.agency_users.push(person);
    }
    for (name, role) in STAFF {
        seeded
            .staff
            .push(person(store, clock, name, role, None).await?);
    }
    Ok(seeded)
}

#[derive(Default)]
pub struct Seeded {
    agencies: Vec<AgencyCredentials>,
    agency_users: Vec<PersonCredentials>,
    staff: Vec<PersonCredentials>,
}

/// One person, created or given new credentials, with a new API token.
async fn person(
    store: &Store,
    clock: &dyn Clock,
    name: &str,
    role: Role,
    agency: Option<&AgencyId>,
) -> anyhow::Result<PersonCredentials> {
    let username = Username::parse(name)?;
    let (password, _) = new_token("")?;
    let password = password.expose().to_owned();
    let totp = TotpSecret::generate()?;
    let secret = totp.expose_base32();
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || hash_password(&password)).await??
    };
    let now = clock.now();
    let user = match store.user_by_name(&username).await? {
        Some(user) => {
            store
                .reset_credentials(&user, hash.as_str(), &secret, &Actor::Operator, now)
                .await?;
            user
        }
        None => {
            let new = NewUser {
                id: UserId::random(),
                username: &username,
                role,
                agency_id: agency,
                password_hash: hash.as_str(),
                totp_secret: &secret,
            };
            store.add_user(&new, &Actor::Operator, now).await?;
            store
                .user_by_name(&username)
                .await?
                .context("the demo user just added is missing")?
        }
    };
    let (token, token_hash) = new_token(writ_app::credentials::API_TOKEN_PREFIX)?;
    store
        .issue_token(token_hash.as_str(), &user, "demo", &Actor::Operator, now)
        .await?;
    Ok(PersonCredentials {
        username: username.to_string(),
        role,
        agency: agency.map(ToString::to_string),
        password,
        totp_secret: secret,
        token: token.expose().to_owned(),
    })
}

/// Writes the credentials file (mode 0600), once writ listens on `address`.
pub fn write_credentials(path: &Path, seeded: Seeded, address: SocketAddr) -> anyhow::Result<()> {
    let identifiers = directory()["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|account| {
            let enterprise = !account["tenant"].is_null();
            account["identifiers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |id| json!({"type": id["type"], "value": id["value"], "enterprise": enterprise}))
        })
        .collect();
    let credentials = Credentials {
        base_url: format!("http://{address}"),
        agencies: seeded.agencies,
        agency_users: seeded.agency_users,
        staff: seeded.staff,
        demo_identifiers: identifiers,
    };
    // Replace, never append: fresh credentials every run.
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing the demo credentials to {}", path.display()))?;
    file.write_all(&serde_json::to_vec_pretty(&credentials)?)?;
    file.sync_all()?;
    Ok(())
}

/// Writes the demo provider's data (a year up to `now` of mail, files and records of
/// the directory's accounts) under `provider/` in the data directory, afresh each run,
/// and returns the sources configuration that reads it. Mail goes to Dovecot when
/// `WRIT_DEMO_IMAP_ADDR`, `WRIT_DEMO_IMAP_MASTER_USER` and
/// `WRIT_DEMO_IMAP_MASTER_PASSWORD` name one, else to Maildir.
pub async fn write_provider(
    data_dir: &Path,
    now: writ_core::Timestamp,
) -> anyhow::Result<writ_sources::config::SourcesConfig> {
    let dir = data_dir.join("provider");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let from = now
        .checked_add(time::Duration::days(-365))
        .context("a date out of range")?;
    let year = writ_core::demand::Period::new(from, now).context("an empty period")?;
    let spec = writ_sources::demo::DemoSpec::named(year, 2026);
    let imap = demo_imap();
    let sources = writ_sources::demo::write_provider(
        &dir,
        &spec,
        &writ_sources::demo::ProviderVolume::default(),
        imap.as_ref(),
    )
    .await?;
    tracing::info!(provider = %dir.display(), imap = imap.is_some(), "demo provider data written");
    Ok(sources)
}

/// Dovecot for the demo's mail, when `WRIT_DEMO_IMAP_ADDR`, `WRIT_DEMO_IMAP_MASTER_USER`
/// and `WRIT_DEMO_IMAP_MASTER_PASSWORD` name one.
fn demo_imap() -> Option<writ_sources::mail::ImapConfig> {
    match (
        std::env::var("WRIT_DEMO_IMAP_ADDR"),
        std::env::var("WRIT_DEMO_IMAP_MASTER_USER"),
        std::env::var("WRIT_DEMO_IMAP_MASTER_PASSWORD"),
    ) {
        (Ok(address), Ok(user), Ok(password)) => Some(writ_sources::mail::ImapConfig::new(
            address,
            user,
            password.into(),
        )),
        _ => None,
    }
}

/// What another node of the demo in `data_dir` reads, written by the demo's first
/// node: its directory file and the sources of its provider data. Fails, saying what is
/// missing, when `data_dir` holds no demo that has served (its keys are made then).
pub fn join(
    data_dir: &Path,
    keys: &[PathBuf],
) -> anyhow::Result<(PathBuf, writ_sources::config::SourcesConfig)> {
    let directory = data_dir.join(DIRECTORY_FILE);
    let provider = data_dir.join("provider");
    for needed in [&directory, &provider].into_iter().chain(keys) {
        anyhow::ensure!(
            needed.exists(),
            "{} holds no writ demo to join ({} is missing): start the first node with \
             `writ demo --data {}`",
            data_dir.display(),
            needed.display(),
            data_dir.display()
        );
    }
    let sources = writ_sources::demo::provider_sources(&provider, demo_imap().as_ref());
    Ok((directory, sources))
}
