//! Typed helpers: a spool with items, a manifest over it, keys, and the means to open a
//! production's tar, change it and encrypt it again (what a recipient-side or in-transit
//! change looks like, since anyone can encrypt to a recipient).

use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::TempDir;
use writ_core::Category;
use writ_seal::{
    Authority, FORMAT, Identity, Manifest, ManifestItem, ProductionKey, Recipient, Verification,
    new_identity, parse_identity, parse_recipient, seal,
};

pub struct Fixture {
    pub spool: TempDir,
    pub key: ProductionKey,
    pub identity_text: String,
    pub identity: Identity,
    pub recipient: Recipient,
    pub manifest: Manifest,
}

impl Fixture {
    /// A spool holding `items` (path, bytes) and a manifest that lists them correctly.
    pub fn new(items: &[(&str, &[u8])]) -> Fixture {
        let spool = tempfile::tempdir().unwrap();
        let listed = items
            .iter()
            .map(|(path, bytes)| write_item(spool.path(), path, bytes))
            .collect();
        let (identity_text, recipient_text) = new_identity();
        Fixture {
            key: ProductionKey::generate(),
            identity: parse_identity(&identity_text).unwrap(),
            identity_text,
            recipient: parse_recipient(&recipient_text).unwrap(),
            manifest: manifest(listed),
            spool,
        }
    }

    /// The usual few items: text, binary, empty, nested.
    pub fn mailbox() -> Fixture {
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        Fixture::new(&[
            (
                "items/acc-alice/mail/INBOX/42.eml",
                b"From: bob@example.com\r\nSubject: hi\r\n\r\nhello\r\n",
            ),
            ("items/acc-alice/files/photo.jpg", &binary),
            ("items/acc-alice/files/empty.txt", b""),
            (
                "items/acc-alice/files/deeply/nested/folder/with a space/notes.md",
                b"# notes\n",
            ),
            (
                "items/acc-alice/records/subscriber.csv",
                b"name,email\nAlice,alice@example.com\n",
            ),
        ])
    }

    pub fn seal(&self) -> Vec<u8> {
        let mut out = Vec::new();
        seal(
            &self.manifest,
            self.spool.path(),
            &self.key,
            &self.recipient,
            &mut out,
        )
        .unwrap();
        out
    }

    pub fn verify(&self, production: &[u8]) -> Verification {
        writ_seal::verify(production, &self.identity, &self.key.provider_key()).unwrap()
    }

    /// The production's tar entries, decrypted with the fixture's identity.
    pub fn open(&self, production: &[u8]) -> Vec<(String, Vec<u8>)> {
        entries(&decrypt(production, &self.identity_text))
    }

    /// A production whose tar is `entries`, encrypted to the fixture's recipient.
    pub fn reseal(&self, entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        encrypt(&build_tar(entries), &self.recipient)
    }
}

pub fn write_item(spool: &Path, path: &str, bytes: &[u8]) -> ManifestItem {
    let file = spool.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, bytes).unwrap();
    ManifestItem {
        path: path.to_owned(),
        sha256: sha256(bytes),
        size: bytes.len() as u64,
        source: "test".to_owned(),
        account: "acc-alice".to_owned(),
        category: Category::Content,
        timestamp: Some("2026-02-01T12:00:00Z".parse().unwrap()),
        rows: path.ends_with(".csv").then_some(1),
    }
}

pub fn manifest(items: Vec<ManifestItem>) -> Manifest {
    Manifest {
        format: FORMAT.to_owned(),
        production: "5f0c6a53-3b1e-4c8e-9a57-0c1f3f3e2a10".to_owned(),
        case: "0b6d3c55-8f6a-4b2e-a0c1-6f7d2e9b1a44".parse().unwrap(),
        reference: "2026-MJ-0042".to_owned(),
        authority: Authority {
            name: "Example County Sheriff".to_owned(),
            country: "US".to_owned(),
        },
        instrument: "us.warrant".to_owned(),
        scope: serde_json::from_str(
            r#"{"categories": ["subscriber", "content"],
                "targets": [{"type": "email", "value": "alice@example.com"},
                            {"type": "email", "value": "nobody@example.com"}],
                "period": {"from": "2026-01-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"}}"#,
        )
        .unwrap(),
        sealed_at: "2026-03-02T09:00:00Z".parse().unwrap(),
        audit_checkpoint: "writ.example/audit\n42\nq6ZlHZ8d2sXk0k3b5H1u0i8m1ZpJ0VbTqS3oR1hA0wI=\n\n— writ.example/audit AbCdEf==\n".to_owned(),
        accounts: vec!["acc-alice".to_owned()],
        not_found: vec!["nobody@example.com".to_owned()],
        no_data: items.is_empty(),
        items,
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn decrypt(production: &[u8], identity: &str) -> Vec<u8> {
    let identity: age::x25519::Identity = identity.parse().unwrap();
    let decryptor = age::Decryptor::new(production).unwrap();
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap();
    let mut plain = Vec::new();
    reader.read_to_end(&mut plain).unwrap();
    plain
}

pub fn encrypt(plain: &[u8], recipient: &Recipient) -> Vec<u8> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).unwrap();
    writer.write_all(plain).unwrap();
    writer.finish().unwrap();
    out
}

pub fn entries(tar_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(tar_bytes);
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let path = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (path, bytes)
        })
        .collect()
}

pub fn build_tar(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, path, bytes.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// The entry at `path`, for changing it in place.
pub fn entry<'a>(entries: &'a mut [(String, Vec<u8>)], path: &str) -> &'a mut Vec<u8> {
    &mut entries
        .iter_mut()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("no entry {path}"))
        .1
}

/// The problems' messages, for assertions that read like the output.
pub fn messages(verification: &Verification) -> Vec<String> {
    verification
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}
