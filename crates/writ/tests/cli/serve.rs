use writ_core::AuditEntry;
use writ_store::{DatabaseLocation, Store};

use crate::helpers::{Server, assert_exit, field, run, stderr, writ};

async fn audit_actions(data_dir: &std::path::Path) -> Vec<String> {
    let store = Store::open(&DatabaseLocation::in_data_dir(data_dir))
        .await
        .unwrap();
    let events = store.audit_events(0, 100).await.unwrap();
    store.close().await;
    events
        .iter()
        .map(|e| AuditEntry::from_canonical_bytes(&e.entry).unwrap().action)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_starts_on_an_empty_directory_stops_on_sigterm_and_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("writ-data");

    let server = Server::start(&data, |_| {});
    let health = tokio::task::block_in_place(|| server.get("/healthz"));
    assert_eq!(health.status(), 200);
    assert!(
        tokio::task::block_in_place(|| server.terminate()),
        "clean exit on SIGTERM"
    );
    assert_eq!(
        audit_actions(&data).await,
        ["system.started", "system.stopped"]
    );

    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data directory is private");
    assert_eq!(
        mode(&data.join("writ.db")),
        0o600,
        "the database is private"
    );

    let server = Server::start(&data, |_| {});
    assert_eq!(
        tokio::task::block_in_place(|| server.get("/healthz")).status(),
        200
    );
    assert!(tokio::task::block_in_place(|| server.terminate()));
    assert_eq!(
        audit_actions(&data).await,
        [
            "system.started",
            "system.stopped",
            "system.started",
            "system.stopped"
        ]
    );
}

#[test]
fn metrics_are_served_on_their_own_listener() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("d"), |_| {});
    let line = server
        .seen
        .iter()
        .find(|l| l.contains("metrics listening"))
        .unwrap();
    let metrics = field(line, "address");
    server.get("/healthz");
    let text = reqwest::blocking::get(format!("http://{metrics}/metrics"))
        .unwrap()
        .text()
        .unwrap();
    assert!(text.contains("writ_http_requests_total"), "{text}");
    assert_eq!(server.get("/metrics").status(), 404);
}

#[test]
fn a_data_directory_whose_parent_is_missing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(writ()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("no/such/parent/writ-data"))
        .env("WRIT_METRICS__ENABLED", "false"));
    assert_exit(&output, 1, "does not exist");
    assert!(!dir.path().join("no").exists(), "nothing was created");
}

#[test]
fn a_mistyped_sqlite_path_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("wirt.db");
    let output = run(writ()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("WRIT_METRICS__ENABLED", "false")
        .env("WRIT_DATABASE_URL", format!("sqlite:{}", missing.display())));
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("wirt.db") && message.contains("does not exist"),
        "{message}"
    );
    assert!(!missing.exists());
}
