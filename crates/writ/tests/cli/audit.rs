use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use writ_store::DatabaseLocation;
use writ_store::testing::TestDatabase;

use crate::helpers::{Server, assert_exit, run, stderr, writ};

/// Starts and stops writ once in `data`: two events, and the checkpoint signed at shutdown.
fn serve_once(data: &Path) {
    let server = Server::start(data, |_| {});
    assert!(server.terminate());
}

fn verify(data: &Path, extra: &[&str]) -> std::process::Output {
    run(writ()
        .args(["audit", "verify", "--data"])
        .arg(data)
        .args(extra))
}

#[test]
fn a_fresh_log_verifies_and_its_key_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    serve_once(&data);
    serve_once(&data);

    let key_file = data.join("audit-log.key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the log key is private");

    let key = run(writ().args(["audit", "key", "--data"]).arg(&data));
    assert!(key.status.success(), "{}", stderr(&key));
    let key = String::from_utf8(key.stdout).unwrap();
    assert!(key.starts_with("localhost/writ-audit+"), "{key}");
    assert!(!key.contains("PRIVATE"), "only the public half is printed");

    let output = verify(&data, &["--key", key.trim()]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}{}", stderr(&output));
    // Checkpoints at each shutdown (sizes 2 and 4), and perhaps one as writ first started.
    assert!(report.starts_with("4 events, "), "{report}");
    assert!(
        !report.contains("not signed yet"),
        "shutdown signs the whole log: {report}"
    );
    assert!(report.contains("ok:"), "{report}");
    assert!(
        verify(&data, &[]).status.success(),
        "the key in the data directory by default"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_event_fails_verification_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tokio::task::block_in_place(|| serve_once(&data));

    let db = TestDatabase::existing(DatabaseLocation::in_data_dir(&data))
        .await
        .unwrap();
    db.tamper(r#"UPDATE audit_events SET entry = CAST(REPLACE(CAST(entry AS TEXT), 'stopped', 'stoppeD') AS BLOB) WHERE idx = 1"#)
        .await
        .unwrap();
    db.store.close().await;

    let output = verify(&data, &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("FAILED: event 1 "), "{report}");
    assert!(
        stderr(&output).contains("does not verify"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn checkpoints_signed_by_another_key_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("one"), dir.path().join("two"));
    serve_once(&first);
    serve_once(&second);
    let other = run(writ().args(["audit", "key", "--data"]).arg(&second));
    let other = String::from_utf8(other.stdout).unwrap();
    let output = verify(&first, &["--key", other.trim()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("FAILED: checkpoint at size 2"));
}

#[test]
fn a_key_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    serve_once(&data);
    let key_file = data.join("audit-log.key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = run(writ()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("WRIT_METRICS__ENABLED", "false"));
    assert_exit(&output, 1, "chmod 600");
}

#[test]
fn a_key_made_for_another_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    serve_once(&data);
    let output = run(writ()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("WRIT_METRICS__ENABLED", "false")
        .env("WRIT_AUDIT__ORIGIN", "provider.example/audit"));
    assert_exit(&output, 1, "provider.example/audit");
}
