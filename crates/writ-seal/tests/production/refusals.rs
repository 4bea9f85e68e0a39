//! What sealing refuses, each time naming the path.

use writ_seal::{ManifestError, PathProblem, SealError, seal};

use crate::helpers::{Fixture, write_item};

const MAIL: &str = "items/acc-alice/mail/INBOX/42.eml";

fn seal_err(fixture: &Fixture) -> (SealError, Vec<u8>) {
    let mut out = Vec::new();
    let err = seal(
        &fixture.manifest,
        fixture.spool.path(),
        &fixture.key,
        &fixture.recipient,
        &mut out,
    )
    .unwrap_err();
    (err, out)
}

#[test]
fn a_spool_file_that_changed_since_collection_is_refused() {
    let fixture = Fixture::mailbox();
    // Same size, different bytes: only the hash can tell.
    let file = fixture.spool.path().join(MAIL);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[0] ^= 0x20;
    std::fs::write(&file, &bytes).unwrap();

    let (err, _) = seal_err(&fixture);
    assert!(matches!(err, SealError::SpoolHash { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{MAIL}: the spool file's SHA-256 is ")),
        "{message}"
    );
    assert!(
        message.ends_with(&format!(
            "but the manifest says {}",
            fixture.manifest.items[0].sha256
        )),
        "{message}"
    );
}

#[test]
fn a_spool_file_of_the_wrong_size_is_refused_before_writing() {
    let fixture = Fixture::mailbox();
    std::fs::write(fixture.spool.path().join(MAIL), b"short").unwrap();

    let (err, out) = seal_err(&fixture);
    let expected = fixture.manifest.items[0].size;
    assert_eq!(
        err.to_string(),
        format!("{MAIL}: the spool file is 5 bytes but the manifest says {expected}")
    );
    assert!(out.is_empty(), "nothing written before the checks pass");
}

#[test]
fn a_missing_spool_file_is_refused_before_writing() {
    let fixture = Fixture::mailbox();
    std::fs::remove_file(fixture.spool.path().join(MAIL)).unwrap();

    let (err, out) = seal_err(&fixture);
    assert!(matches!(err, SealError::SpoolRead { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{MAIL}: cannot read the spool file ")),
        "{err}"
    );
    assert!(out.is_empty());
}

#[test]
fn a_directory_in_place_of_a_spool_file_is_refused() {
    let fixture = Fixture::mailbox();
    let file = fixture.spool.path().join(MAIL);
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();

    let (err, _) = seal_err(&fixture);
    assert!(matches!(err, SealError::SpoolNotFile { .. }), "{err}");
    assert!(err.to_string().starts_with(MAIL), "{err}");
}

#[test]
fn bad_paths_are_refused_and_named() {
    for (path, problem) in [
        ("../x", PathProblem::ParentSegment),
        ("/etc/passwd", PathProblem::Absolute),
        ("a//b", PathProblem::EmptySegment),
        ("items/./x", PathProblem::DotSegment),
        ("SHA256SUMS", PathProblem::Reserved),
    ] {
        let mut fixture = Fixture::mailbox();
        fixture.manifest.items[1].path = path.to_owned();

        let (err, out) = seal_err(&fixture);
        let message = err.to_string();
        match err {
            SealError::Manifest(ManifestError::Path {
                path: named,
                problem: found,
            }) => {
                assert_eq!(named, path);
                assert_eq!(found, problem);
            }
            other => panic!("{path}: {other}"),
        }
        assert!(message.contains(&format!("{path:?}")), "{message}");
        assert!(out.is_empty());
    }
}

#[test]
fn duplicate_paths_are_refused_and_named() {
    let mut fixture = Fixture::mailbox();
    let again = fixture.manifest.items[0].clone();
    fixture.manifest.items.push(again);

    let (err, _) = seal_err(&fixture);
    assert_eq!(
        err.to_string(),
        format!("the manifest cannot be sealed: {MAIL:?}: listed more than once")
    );
}

#[test]
fn a_path_that_is_also_a_directory_is_refused() {
    let mut fixture = Fixture::new(&[("items/a", b"file".as_slice())]);
    // `items/a-x` sorts between the two: the check must not rely on neighbours.
    let between = write_item(fixture.spool.path(), "items/a-x", b"x");
    fixture.manifest.items.push(between);
    let mut inside = fixture.manifest.items[0].clone();
    inside.path = "items/a/b".to_owned();
    fixture.manifest.items.push(inside);

    let (err, _) = seal_err(&fixture);
    assert_eq!(
        err.to_string(),
        "the manifest cannot be sealed: \"items/a\": is a file and also the directory of \"items/a/b\""
    );
}

#[test]
fn inconsistent_manifests_are_refused() {
    let mut fixture = Fixture::mailbox();
    fixture.manifest.no_data = true;
    let (err, _) = seal_err(&fixture);
    assert_eq!(
        err.to_string(),
        "the manifest cannot be sealed: no_data is true but the manifest lists 5 item(s)"
    );

    let mut fixture = Fixture::mailbox();
    fixture.manifest.items[2].sha256 = fixture.manifest.items[2].sha256.to_uppercase();
    let (err, _) = seal_err(&fixture);
    assert!(
        err.to_string()
            .contains("items/acc-alice/files/empty.txt: sha256 \"E3B0C442"),
        "{err}"
    );

    let mut fixture = Fixture::mailbox();
    fixture.manifest.format = "writ-production/2".to_owned();
    let (err, _) = seal_err(&fixture);
    assert!(
        err.to_string().contains("format is \"writ-production/2\""),
        "{err}"
    );

    let mut fixture = Fixture::mailbox();
    fixture.manifest.production = "p-1".to_owned();
    let (err, _) = seal_err(&fixture);
    assert!(err.to_string().contains("\"p-1\" is not a UUID"), "{err}");
}
