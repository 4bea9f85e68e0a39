//! A sealed production verifies clean and gives back the manifest it was made from.

use writ_seal::{Problem, seal_to_path};

use crate::helpers::{Fixture, sha256};

#[test]
fn a_sealed_production_verifies_clean_and_returns_the_manifest() {
    let fixture = Fixture::mailbox();
    let production = fixture.seal();

    let verification = fixture.verify(&production);
    assert_eq!(verification.problems, Vec::<Problem>::new());
    assert!(verification.is_ok());
    assert_eq!(verification.manifest.as_ref(), Some(&fixture.manifest));
}

#[test]
fn the_tar_holds_the_format_files_then_the_items_in_manifest_order() {
    let fixture = Fixture::mailbox();
    let entries = fixture.open(&fixture.seal());
    let names: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
    let mut expected = vec![
        "manifest.json",
        "manifest.json.sig",
        "SHA256SUMS",
        "README.txt",
    ];
    expected.extend(fixture.manifest.items.iter().map(|i| i.path.as_str()));
    assert_eq!(names, expected);

    let manifest_json = &entries[0].1;
    assert!(manifest_json.starts_with(b"{\n  \"format\": \"writ-production/1\""));
    assert_eq!(entries[1].1.len(), 64, "raw Ed25519 signature");
    let sums = String::from_utf8(entries[2].1.clone()).unwrap();
    let first = &fixture.manifest.items[0];
    assert!(
        sums.starts_with(&format!("{}  {}\n", first.sha256, first.path)),
        "{sums}"
    );
    assert_eq!(sums.lines().count(), fixture.manifest.items.len());
    for (item, (_, bytes)) in fixture.manifest.items.iter().zip(&entries[4..]) {
        assert_eq!(sha256(bytes), item.sha256, "{}", item.path);
    }
}

#[test]
fn no_data_is_a_signed_production_too() {
    let fixture = Fixture::new(&[]);
    assert!(fixture.manifest.no_data);
    let verification = fixture.verify(&fixture.seal());
    assert!(verification.is_ok(), "{:?}", verification.problems);
    assert_eq!(verification.manifest.unwrap().items.len(), 0);
}

#[test]
fn sealed_reports_the_size_and_hash_of_the_encrypted_file() {
    let fixture = Fixture::mailbox();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("production.age");
    let sealed = seal_to_path(
        &fixture.manifest,
        fixture.spool.path(),
        &fixture.key,
        &fixture.recipient,
        &out,
    )
    .unwrap();
    let written = std::fs::read(&out).unwrap();
    assert_eq!(sealed.size, written.len() as u64);
    assert_eq!(sealed.sha256, sha256(&written));
    assert!(fixture.verify(&written).is_ok());

    // An existing production is never replaced, and no temporary file is left behind.
    let again = seal_to_path(
        &fixture.manifest,
        fixture.spool.path(),
        &fixture.key,
        &fixture.recipient,
        &out,
    );
    assert!(again.is_err());
    assert_eq!(std::fs::read(&out).unwrap(), written);
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 1);
}

#[test]
fn long_paths_survive_the_tar() {
    let long = format!(
        "items/acc-alice/files/{}/{}.bin",
        "d".repeat(120),
        "f".repeat(150)
    );
    let fixture = Fixture::new(&[(long.as_str(), b"long".as_slice())]);
    let verification = fixture.verify(&fixture.seal());
    assert!(verification.is_ok(), "{:?}", verification.problems);
}
