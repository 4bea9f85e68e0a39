use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use writ_app::credentials::{TotpSecret, hash_password, new_token};
use writ_app::{App, Policy};
use writ_core::identifier::PhoneNumber;
use writ_core::policy::{Directory, DirectoryFile, Rules};
use writ_core::{
    Actor, AgencyId, Clock, CountryCode, ManualClock, Role, Timestamp, UserId, Username,
};
use writ_store::testing::TestDatabase;
use writ_store::{Agency, NewUser};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub metrics: PrometheusHandle,
    pub clock: Arc<ManualClock>,
    /// What the router serves from, for tests that run background jobs.
    pub state: App,
    shutdown: Option<oneshot::Sender<()>>,
}

/// The process has one metrics recorder; every test app reports to it.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().unwrap())
        .clone()
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Starts writ's router on 127.0.0.1, on a port the OS picks, over a fresh SQLite store.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Backend::Sqlite, None).await
}

/// As [`spawn_app`], on `backend`, with the policy engine consulting `directory`.
pub async fn spawn_app_with(backend: Backend, directory: Option<DirectoryFile>) -> TestApp {
    spawn_app_producing(backend, directory, None).await
}

/// As [`spawn_app_with`], making productions with `productions`.
pub async fn spawn_app_producing(
    backend: Backend,
    directory: Option<DirectoryFile>,
    productions: Option<writ_app::production::Productions>,
) -> TestApp {
    let db = match backend {
        Backend::Sqlite => TestDatabase::sqlite().await.unwrap(),
        Backend::Postgres => TestDatabase::postgres()
            .await
            .unwrap()
            .expect("WRIT_TEST_DATABASE_URL names a PostgreSQL server"),
    };
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
    ));
    let policy = Policy {
        rules: Rules::embedded().unwrap(),
        directory: directory.map(|d| Arc::new(d) as Arc<dyn Directory>),
    };
    let mut state = App::new(db.store.clone(), clock.clone(), Arc::new(policy));
    if let Some(productions) = productions {
        state = state.with_productions(productions);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(writ_server::serve(
        listener,
        writ_server::router(writ_server::AppState(state.clone())),
        async {
            let _ = stop.await;
        },
    ));
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        metrics: metrics_handle(),
        clock,
        state,
        shutdown: Some(shutdown),
    }
}

/// The demand of `docs/policy.md` §1.
pub const EXAMPLE: &str = include_str!("../../../writ-core/tests/demands/policy-example.json");

/// The example demand as `edit` changes it.
pub fn demand(edit: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    edit(&mut doc);
    doc.to_string()
}

/// A directory with one enterprise account, `email`, of the tenant Contoso Ltd (whose
/// admin is it@contoso.example).
pub fn contoso_directory(email: &str) -> DirectoryFile {
    let directory = serde_json::json!({
        "accounts": [{"id": "acc-1", "identifiers": [{"type": "email", "value": email}], "tenant": "contoso"}],
        "tenants": [{"id": "contoso", "name": "Contoso Ltd", "seats": 500, "admin_email": "it@contoso.example"}]
    });
    DirectoryFile::from_json(&directory.to_string()).unwrap()
}

/// A person with their credentials, as a test uses them.
pub struct Person {
    pub username: String,
    pub password: String,
    pub totp: TotpSecret,
    pub token: String,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// GET with an API token; the status and the JSON body.
    pub async fn get_as(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// POST a body with an API token; the status and the JSON body.
    pub async fn post_as(&self, token: &str, path: &str, body: &str) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// `who` submits the demand `document`: its case's id.
    pub async fn submit(&self, who: &Person, document: &str) -> String {
        let (status, body) = self.post_as(&who.token, "/api/v1/demands", document).await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// `who` takes `step` (`review`, `approve`, …) on case `id` with `body`.
    pub async fn case_step(&self, who: &Person, id: &str, step: &str, body: Value) -> (u16, Value) {
        let path = format!("/api/v1/cases/{id}/{step}");
        self.post_as(&who.token, &path, &body.to_string()).await
    }

    /// As [`case_step`](Self::case_step), which must succeed.
    pub async fn case_step_ok(&self, who: &Person, id: &str, step: &str, body: Value) {
        let (status, answer) = self.case_step(who, id, step, body).await;
        assert_eq!(status, 200, "{step}: {answer}");
    }

    /// `who` recommends approving case `id` as it stands, for `reason`.
    pub async fn recommend_approval(&self, who: &Person, id: &str, reason: &str) {
        let review = serde_json::json!({"recommendation": "approve", "reason": reason});
        self.case_step_ok(who, id, "review", review).await;
    }

    /// The action of every audit event so far, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        let events = self.db.store.audit_events(0, 10_000).await.unwrap();
        events.into_iter().map(|e| e.action).collect()
    }

    pub async fn add_agency(&self, id: &str, country: &str, domain: &str, callback: &str) {
        let agency = Agency {
            id: AgencyId::parse(id).unwrap(),
            name: format!("Agency {id}"),
            country: CountryCode::parse(country).unwrap(),
            email_domains: vec![domain.into()],
            callback_phone: PhoneNumber::parse(callback).unwrap(),
            age_recipient: None,
            created_at: self.clock.now(),
        };
        self.db
            .store
            .add_agency(&agency, &Actor::Operator)
            .await
            .unwrap();
    }

    /// Registers Seattle PD and its officer areyes: the officer.
    pub async fn add_seattle_pd(&self) -> Person {
        self.add_agency("seattle-pd", "US", "seattle.gov", "+12065550100")
            .await;
        self.add_person("areyes@seattle.gov", Role::Agency, Some("seattle-pd"))
            .await
    }

    /// Adds a person with a password, a TOTP secret and an API token.
    pub async fn add_person(&self, name: &str, role: Role, agency: Option<&str>) -> Person {
        let password = format!("correct horse battery {name}");
        let totp = TotpSecret::generate().unwrap();
        let username = Username::parse(name).unwrap();
        let agency = agency.map(|a| AgencyId::parse(a).unwrap());
        let hash = hash_password(&password).unwrap();
        let secret = totp.expose_base32();
        let id = UserId::random();
        let user = NewUser {
            id,
            username: &username,
            role,
            agency_id: agency.as_ref(),
            password_hash: hash.as_str(),
            totp_secret: &secret,
        };
        let now = self.clock.now();
        self.db
            .store
            .add_user(&user, &Actor::Operator, now)
            .await
            .unwrap();
        let stored = self
            .db
            .store
            .user_by_name(&username)
            .await
            .unwrap()
            .unwrap();
        let (token, token_hash) = new_token("writ_at_").unwrap();
        self.db
            .store
            .issue_token(token_hash.as_str(), &stored, "tests", &Actor::Operator, now)
            .await
            .unwrap();
        Person {
            username: username.to_string(),
            password,
            totp,
            token: token.expose().to_owned(),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
