//! Every change to a production is caught and named. Changes are made to the decrypted
//! tar, which is then encrypted again to the same recipient: anyone who knows the
//! recipient can do that, so only the signature and the hashes stand in the way.

use writ_seal::{
    Problem, ProductionKey, SIGNATURE_FILE, VerifyError, new_identity, parse_identity, verify,
};

use crate::helpers::{Fixture, entry, messages};

const MAIL: &str = "items/acc-alice/mail/INBOX/42.eml";
const EMPTY: &str = "items/acc-alice/files/empty.txt";

#[test]
fn a_changed_item_byte_is_named_with_both_hashes() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    entry(&mut entries, MAIL)[0] ^= 0x01;
    let changed = crate::helpers::sha256(entry(&mut entries, MAIL));

    let verification = fixture.verify(&fixture.reseal(&entries));
    let expected = &fixture.manifest.items[0].sha256;
    assert_eq!(
        messages(&verification),
        [format!(
            "{MAIL}: SHA-256 is {changed} but the manifest says {expected}"
        )]
    );
    // The manifest is still the provider's, so it is returned for the report.
    assert_eq!(verification.manifest.as_ref(), Some(&fixture.manifest));
    assert!(!verification.is_ok());
}

#[test]
fn a_dropped_item_is_missing() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    entries.retain(|(path, _)| path != EMPTY);

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(
        messages(&verification),
        [format!("{EMPTY}: in the manifest but missing")]
    );
}

#[test]
fn an_extra_entry_is_named() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    entries.push(("items/x".to_owned(), b"planted".to_vec()));

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(
        messages(&verification),
        ["items/x: in the production but not in the manifest"]
    );
}

#[test]
fn a_repeated_item_is_named_even_when_both_copies_match() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    let copy = entries.iter().find(|(p, _)| p == MAIL).unwrap().clone();
    entries.push(copy);

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(
        messages(&verification),
        [format!("{MAIL}: in the production 2 times")]
    );
}

#[test]
fn a_modified_manifest_fails_the_signature() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    let manifest = entry(&mut entries, "manifest.json");
    let text = String::from_utf8(manifest.clone()).unwrap();
    *manifest = text.replace("2026-MJ-0042", "2026-MJ-0043").into_bytes();

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(
        messages(&verification),
        ["manifest.json.sig: the signature does not verify with the provider key"]
    );
    assert_eq!(verification.manifest.unwrap().reference, "2026-MJ-0043");
}

#[test]
fn a_manifest_rewritten_to_match_a_changed_item_still_fails_the_signature() {
    // The attacker changes an item and fixes up both the manifest and SHA256SUMS:
    // only the signature is left to catch it.
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    entry(&mut entries, MAIL)[0] ^= 0x01;
    let new_hash = crate::helpers::sha256(entry(&mut entries, MAIL));
    let old_hash = fixture.manifest.items[0].sha256.clone();
    for name in ["manifest.json", "SHA256SUMS"] {
        let file = entry(&mut entries, name);
        *file = String::from_utf8(file.clone())
            .unwrap()
            .replace(&old_hash, &new_hash)
            .into_bytes();
    }

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(
        messages(&verification),
        ["manifest.json.sig: the signature does not verify with the provider key"]
    );
}

#[test]
fn a_sha256sums_that_disagrees_is_named_line_by_line() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    let sums = entry(&mut entries, "SHA256SUMS");
    let text = String::from_utf8(sums.clone()).unwrap();
    let expected = &fixture.manifest.items[0].sha256;
    let wrong = "0".repeat(64);
    *sums = text
        .replacen(expected.as_str(), &wrong, 1)
        .replace(&format!("  {EMPTY}\n"), "  items/other\n")
        .into_bytes();

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(
        messages(&verification),
        [
            format!("SHA256SUMS: {MAIL} is listed with {wrong} but the manifest says {expected}"),
            format!("SHA256SUMS: {EMPTY} is not listed"),
            "SHA256SUMS: lists items/other, which the manifest does not".to_owned(),
        ]
    );
}

#[test]
fn missing_signature_and_sums_are_named() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    entries.retain(|(p, _)| p != SIGNATURE_FILE && p != "SHA256SUMS");

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(
        messages(&verification),
        [
            "manifest.json.sig: missing, so the manifest is unsigned",
            "SHA256SUMS: missing"
        ]
    );
}

#[test]
fn all_problems_are_reported_not_only_the_first() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    entry(&mut entries, MAIL).push(b'!');
    entries.retain(|(path, _)| path != EMPTY);
    entries.push(("items/x".to_owned(), Vec::new()));
    entry(&mut entries, SIGNATURE_FILE)[0] ^= 0x80;

    let verification = fixture.verify(&fixture.reseal(&entries));
    let paths: Vec<&str> = verification.problems.iter().map(Problem::path).collect();
    assert_eq!(
        paths,
        [SIGNATURE_FILE, MAIL, MAIL, EMPTY, "items/x"],
        "{:#?}",
        messages(&verification)
    );
    assert!(matches!(verification.problems[1], Problem::Size { .. }));
    assert!(matches!(verification.problems[2], Problem::Hash { .. }));
}

#[test]
fn a_missing_manifest_leaves_nothing_to_check() {
    let fixture = Fixture::mailbox();
    let mut entries = fixture.open(&fixture.seal());
    entries.retain(|(path, _)| path != "manifest.json");

    let verification = fixture.verify(&fixture.reseal(&entries));
    assert_eq!(verification.manifest, None);
    assert_eq!(
        messages(&verification),
        ["manifest.json: missing, so nothing else can be checked"]
    );
}

#[test]
fn the_wrong_identity_is_an_error() {
    let fixture = Fixture::mailbox();
    let (other, _) = new_identity();
    let err = verify(
        fixture.seal().as_slice(),
        &parse_identity(&other).unwrap(),
        &fixture.key.provider_key(),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::WrongIdentity), "{err}");
    assert_eq!(
        err.to_string(),
        "the identity does not fit: this file was not encrypted to it"
    );
}

#[test]
fn the_wrong_provider_key_is_a_signature_problem() {
    let fixture = Fixture::mailbox();
    let impostor = ProductionKey::generate().provider_key();
    let verification = verify(fixture.seal().as_slice(), &fixture.identity, &impostor).unwrap();
    assert_eq!(verification.problems, [Problem::BadSignature]);
}

#[test]
fn what_is_not_a_production_is_an_error() {
    let fixture = Fixture::mailbox();
    let provider = fixture.key.provider_key();

    let err = verify(&b"hello, not age"[..], &fixture.identity, &provider).unwrap_err();
    assert!(matches!(err, VerifyError::NotAge(_)), "{err}");

    let not_tar = crate::helpers::encrypt(&[7u8; 2000], &fixture.recipient);
    let err = verify(not_tar.as_slice(), &fixture.identity, &provider).unwrap_err();
    assert!(matches!(err, VerifyError::NotTar(_)), "{err}");

    let empty = crate::helpers::encrypt(b"", &fixture.recipient);
    let err = verify(empty.as_slice(), &fixture.identity, &provider).unwrap_err();
    assert!(matches!(err, VerifyError::NotTar(_)), "{err}");
}

#[test]
fn damaged_or_truncated_ciphertext_is_an_error() {
    let fixture = Fixture::mailbox();
    let provider = fixture.key.provider_key();
    let production = fixture.seal();

    let mut damaged = production.clone();
    let last = damaged.len() - 20;
    damaged[last] ^= 0x01;
    let err = verify(damaged.as_slice(), &fixture.identity, &provider).unwrap_err();
    assert!(matches!(err, VerifyError::Damaged(_)), "{err}");

    // Cut inside the final chunk: tar may have all it needs, age must still object.
    let truncated = &production[..production.len() - 10];
    let err = verify(truncated, &fixture.identity, &provider).unwrap_err();
    assert!(matches!(err, VerifyError::Damaged(_)), "{err}");
}

#[test]
fn data_after_the_archive_is_named() {
    let fixture = Fixture::mailbox();
    let entries = fixture.open(&fixture.seal());
    let mut tar = crate::helpers::build_tar(&entries);
    tar.extend_from_slice(b"smuggled");
    let production = crate::helpers::encrypt(&tar, &fixture.recipient);

    let verification = fixture.verify(&production);
    assert_eq!(
        messages(&verification),
        ["data after the end of the tar archive"]
    );
}

#[test]
fn links_and_directories_are_not_items() {
    let fixture = Fixture::mailbox();
    let entries = fixture.open(&fixture.seal());
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in &entries {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        builder
            .append_data(&mut header, path, bytes.as_slice())
            .unwrap();
    }
    let mut link = tar::Header::new_ustar();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    builder
        .append_link(&mut link, "items/passwd", "/etc/passwd")
        .unwrap();
    let production = crate::helpers::encrypt(&builder.into_inner().unwrap(), &fixture.recipient);

    let verification = fixture.verify(&production);
    assert_eq!(
        messages(&verification),
        ["items/passwd: in the production but not a regular file"]
    );
}
