//! The production the conformance tests and the seal bench seal: items of Alice's mail,
//! under a warrant for her address.

use sha2::{Digest, Sha256};
use writ_seal::{Authority, FORMAT, Manifest, ManifestItem};

pub const PRODUCTION: &str = "5f0c6a53-3b1e-4c8e-9a57-0c1f3f3e2a10";

/// An item of Alice's mail at `path`, holding `body`.
pub fn mail_item(path: String, body: &[u8]) -> ManifestItem {
    ManifestItem {
        path,
        sha256: hex(&Sha256::digest(body)),
        size: body.len() as u64,
        source: "mail".to_owned(),
        account: "acc-alice".to_owned(),
        category: writ_core::demand::Category::Content,
        timestamp: None,
        rows: None,
    }
}

/// The manifest of `items`, the production's case known by `reference`.
pub fn manifest(reference: &str, items: Vec<ManifestItem>) -> Manifest {
    Manifest {
        format: FORMAT.to_owned(),
        production: PRODUCTION.to_owned(),
        case: "0b6d3c55-8f6a-4b2e-a0c1-6f7d2e9b1a44".parse().unwrap(),
        reference: reference.to_owned(),
        authority: Authority {
            name: "Example Police".to_owned(),
            country: "US".to_owned(),
        },
        instrument: "us.warrant".to_owned(),
        scope: serde_json::from_str(
            r#"{"categories": ["content"],
                "targets": [{"type": "email", "value": "alice@example.com"}], "period": null}"#,
        )
        .unwrap(),
        sealed_at: "2026-03-02T09:00:00Z".parse().unwrap(),
        audit_checkpoint: String::new(),
        accounts: vec!["acc-alice".to_owned()],
        not_found: Vec::new(),
        no_data: items.is_empty(),
        items,
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
