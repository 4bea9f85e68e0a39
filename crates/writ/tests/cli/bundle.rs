//! `writ bundle verify`, as an authority runs it on a production: 0 when it holds, 1
//! naming what is wrong, 2 when it cannot be read at all.

use std::path::Path;

use sha2::{Digest, Sha256};
use writ_seal::{Authority, FORMAT, Manifest, ManifestItem, ProductionKey};

use crate::helpers::{assert_exit, run, stderr, writ};

/// A production of one mail item, sealed by `key` to a fresh identity; returns the
/// identity file's path.
fn production(dir: &Path, key: &ProductionKey) -> std::path::PathBuf {
    let spool = dir.join("spool");
    let path = "items/acc-alice/mail/INBOX/1.eml";
    let body = b"From: bob@example.com\r\nTo: alice@example.com\r\n\r\nHello.\r\n";
    std::fs::create_dir_all(spool.join("items/acc-alice/mail/INBOX")).unwrap();
    std::fs::write(spool.join(path), body).unwrap();
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        production: "5f0c6a53-3b1e-4c8e-9a57-0c1f3f3e2a10".to_owned(),
        case: "0b6d3c55-8f6a-4b2e-a0c1-6f7d2e9b1a44".parse().unwrap(),
        reference: "SEA-CLI-1".to_owned(),
        authority: Authority {
            name: "Seattle Police Department".to_owned(),
            country: "US".to_owned(),
        },
        instrument: "us.search_warrant".to_owned(),
        scope: serde_json::from_str(
            r#"{"categories": ["content"], "targets": [{"type": "email", "value": "alice@example.com"}], "period": null}"#,
        )
        .unwrap(),
        sealed_at: "2026-03-02T09:00:00Z".parse().unwrap(),
        audit_checkpoint: String::new(),
        accounts: vec!["acc-alice".to_owned()],
        not_found: Vec::new(),
        no_data: false,
        items: vec![ManifestItem {
            path: path.to_owned(),
            sha256: hex::encode(Sha256::digest(body)),
            size: body.len() as u64,
            source: "mail".to_owned(),
            account: "acc-alice".to_owned(),
            category: writ_core::Category::Content,
            timestamp: Some("2026-02-01T10:00:00Z".parse().unwrap()),
            rows: None,
        }],
    };
    let (identity, recipient) = writ_seal::new_identity();
    let recipient = writ_seal::parse_recipient(&recipient).unwrap();
    writ_seal::seal_to_path(
        &manifest,
        &spool,
        key,
        &recipient,
        &dir.join("production.age"),
    )
    .unwrap();
    let identity_file = dir.join("identity.txt");
    std::fs::write(&identity_file, format!("{identity}\n")).unwrap();
    identity_file
}

fn verify(dir: &Path, identity: &Path, provider: &ProductionKey) -> std::process::Output {
    let pem = dir.join("provider.pem");
    std::fs::write(&pem, provider.provider_key().to_pem()).unwrap();
    run(writ()
        .args(["bundle", "verify"])
        .arg(dir.join("production.age"))
        .arg("--identity")
        .arg(identity)
        .arg("--provider-key")
        .arg(&pem))
}

#[test]
fn a_production_verifies_with_the_providers_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = ProductionKey::generate();
    let identity = production(dir.path(), &key);
    let output = verify(dir.path(), &identity, &key);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", stderr(&output));
    assert!(stdout.contains("SEA-CLI-1"), "{stdout}");
    assert!(stdout.contains("1 items"), "{stdout}");
    assert!(stdout.contains("verified:"), "{stdout}");
}

#[test]
fn another_providers_signature_is_named_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let identity = production(dir.path(), &ProductionKey::generate());
    let output = verify(dir.path(), &identity, &ProductionKey::generate());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", stderr(&output));
    assert!(stdout.contains("problem: manifest.json.sig"), "{stdout}");
    assert!(stdout.contains("NOT verified"), "{stdout}");
}

#[test]
fn a_damaged_file_or_the_wrong_identity_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let key = ProductionKey::generate();
    let identity = production(dir.path(), &key);

    let (other, _) = writ_seal::new_identity();
    let wrong = dir.path().join("other.txt");
    std::fs::write(&wrong, format!("{other}\n")).unwrap();
    let output = verify(dir.path(), &wrong, &key);
    assert_exit(&output, 2, "production.age");

    let file = dir.path().join("production.age");
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&file, bytes).unwrap();
    let output = verify(dir.path(), &identity, &key);
    assert_ne!(
        output.status.code(),
        Some(0),
        "a changed byte never verifies"
    );
}
