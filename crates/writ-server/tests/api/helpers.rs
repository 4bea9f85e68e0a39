use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use writ_core::policy::{Directory, DirectoryFile, Rules};
use writ_core::{ManualClock, Timestamp};
use writ_server::{AppState, Policy};
use writ_store::testing::TestDatabase;

pub struct TestApp {
    pub state: AppState,
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub metrics: PrometheusHandle,
    shutdown: Option<oneshot::Sender<()>>,
}

/// The process has one metrics recorder; every test app reports to it.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().unwrap())
        .clone()
}

/// Starts writ's router on 127.0.0.1, on a port the OS picks, over a fresh SQLite store.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_directory(None).await
}

/// As [`spawn_app`], with the policy engine consulting `directory`.
pub async fn spawn_app_with_directory(directory: Option<DirectoryFile>) -> TestApp {
    let db = TestDatabase::sqlite().await.unwrap();
    let clock = ManualClock::new(Timestamp::parse("2026-03-02T09:00:00Z").unwrap());
    let state = AppState {
        store: db.store.clone(),
        clock: Arc::new(clock),
        policy: Arc::new(Policy {
            rules: Rules::embedded().unwrap(),
            directory: directory.map(|d| Arc::new(d) as Arc<dyn Directory>),
        }),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(writ_server::serve(
        listener,
        writ_server::router(state.clone()),
        async {
            let _ = stop.await;
        },
    ));
    TestApp {
        state,
        address,
        client: reqwest::Client::new(),
        db,
        metrics: metrics_handle(),
        shutdown: Some(shutdown),
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
