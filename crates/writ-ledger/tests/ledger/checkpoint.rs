//! Keys and signed checkpoints: round trips, the exact C2SP text, tampering, foreign
//! keys, and known vectors from Go's note tests and a real sum.golang.org checkpoint.

use writ_ledger::{
    EMPTY_TREE_HASH, Hash, LedgerError, LogKey, MemoryLog, leaf_hash, verify_checkpoint,
    verify_checkpoint_for_origin,
};

use crate::support::{entries, hex, log_of};

const ORIGIN: &str = "writ.example/audit";

/// Go's `golang.org/x/mod/sumdb/note` test key (note_test.go), also in signed_note's docs.
const PETER_SECRET: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

/// The checkpoint for the RFC 6962 reference tree (8 leaves, root 5dc9da79…) signed with
/// PETER_SECRET, produced independently with Python's `cryptography` Ed25519 and the
/// C2SP formats when this test was written. Ed25519 is deterministic, so writ must
/// produce exactly these bytes.
const PETER_CHECKPOINT: &str = "PeterNeumann\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n\
     — PeterNeumann x08gozdSgLMzAnw63LH1RGViJhUfW60EUGKY7Kmr004fQNOSqfrcd1hIk3BCtdcLWIqvGtX67sL24VN+44uTlxMnbAA=\n";

/// A real checkpoint from https://sum.golang.org/latest (2024-09-23, as vendored in
/// sigsum-go's tests) and the Go checksum database's key from cmd/go.
const SUMDB_CHECKPOINT: &str = "go.sum database tree\n30055305\nmXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n\n\
     — sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=\n";
const SUMDB_VERIFIER: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

fn signed(key: &LogKey, size: u64) -> (Hash, Vec<u8>) {
    let log = log_of(&entries(size));
    let root = log.root().unwrap();
    (root, key.sign_checkpoint(size, root).unwrap().note)
}

#[test]
fn sign_then_verify_round_trips() {
    let (key, secret) = LogKey::generate(ORIGIN).unwrap();
    assert_eq!(key.origin(), ORIGIN);
    for size in [0, 1, 2, 7, 300] {
        let log = log_of(&entries(size));
        let root = log.root().unwrap();
        let signed = key.sign_checkpoint(size, root).unwrap();
        assert_eq!(
            (signed.origin.as_str(), signed.size, signed.root),
            (ORIGIN, size, root)
        );
        let verified = verify_checkpoint(&signed.note, &key.verifier_key()).unwrap();
        assert_eq!(verified, signed);
        // The same through the reloaded key.
        let reloaded = LogKey::from_secret(secret.expose()).unwrap();
        assert_eq!(reloaded.sign_checkpoint(size, root).unwrap(), signed);
    }
    let empty = key.sign_checkpoint(0, EMPTY_TREE_HASH).unwrap();
    assert_eq!(
        verify_checkpoint(&empty.note, &key.verifier_key())
            .unwrap()
            .root,
        EMPTY_TREE_HASH
    );
}

#[test]
fn checkpoint_text_is_exactly_the_c2sp_form() {
    let (key, _) = LogKey::generate(ORIGIN).unwrap();
    let (root, note) = signed(&key, 300);
    let text = String::from_utf8(note).unwrap();
    let body = format!("{ORIGIN}\n300\n{root}\n");
    let (got_body, signatures) = text.split_once("\n\n").unwrap();
    assert_eq!(format!("{got_body}\n"), body);
    // One signature line: em dash, space, key name, space, base64(key id || signature).
    let lines: Vec<&str> = signatures.lines().collect();
    assert_eq!(lines.len(), 1);
    assert!(text.ends_with('\n'));
    let prefix = format!("— {ORIGIN} ");
    let sig = lines[0].strip_prefix(&prefix).unwrap();
    assert_eq!(sig.len(), 92, "base64 of 4 + 64 bytes");
    // The key id in the signature is the verifier key's.
    let id = key.verifier_key().split('+').nth(1).unwrap().to_owned();
    let sig_id = base64_prefix_hex(sig);
    assert_eq!(sig_id, id);
}

fn base64_prefix_hex(sig: &str) -> String {
    // Decode the first 8 base64 characters (6 bytes), keep 4.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bits: u64 = sig.bytes().take(8).fold(0, |acc, c| {
        (acc << 6) | ALPHABET.iter().position(|&a| a == c).unwrap() as u64
    });
    format!("{:08x}", bits >> 16)
}

#[test]
fn any_changed_byte_fails() {
    let (key, _) = LogKey::generate(ORIGIN).unwrap();
    let (_, note) = signed(&key, 42);
    let vkey = key.verifier_key();
    verify_checkpoint(&note, &vkey).unwrap();
    for at in 0..note.len() {
        for change in [0x01, 0x20, 0x80] {
            let mut bad = note.clone();
            bad[at] ^= change;
            assert!(
                verify_checkpoint(&bad, &vkey).is_err(),
                "byte {at} ^ {change:#x} still verifies: {:?}",
                String::from_utf8_lossy(&bad)
            );
        }
    }
    // A changed body with the original signature is a bad signature, not a parse error.
    let text = String::from_utf8(note.clone()).unwrap();
    let forged = text.replacen("\n42\n", "\n43\n", 1);
    assert!(matches!(
        verify_checkpoint(forged.as_bytes(), &vkey),
        Err(LedgerError::BadSignature)
    ));
    // Truncations fail too.
    for len in 0..note.len() {
        assert!(
            verify_checkpoint(&note[..len], &vkey).is_err(),
            "prefix {len}"
        );
    }
}

#[test]
fn another_key_fails() {
    let (key, _) = LogKey::generate(ORIGIN).unwrap();
    let (other, _) = LogKey::generate("other.example/log").unwrap();
    let (impostor, _) = LogKey::generate(ORIGIN).unwrap();
    assert_ne!(key.verifier_key(), impostor.verifier_key());
    for signer in [&other, &impostor] {
        let (_, note) = signed(signer, 5);
        assert!(matches!(
            verify_checkpoint(&note, &key.verifier_key()),
            Err(LedgerError::NotSignedByKey { .. })
        ));
    }
    // The impostor's own key does verify it: the failure above is about the key.
    let (_, note) = signed(&impostor, 5);
    verify_checkpoint(&note, &impostor.verifier_key()).unwrap();
}

#[test]
fn cosignatures_by_other_keys_are_ignored() {
    let (key, _) = LogKey::generate(ORIGIN).unwrap();
    let (witness, _) = LogKey::generate("witness.example").unwrap();
    let (_, note) = signed(&key, 9);
    let (_, witness_note) = signed(&witness, 9);
    let witness_line = String::from_utf8(witness_note).unwrap();
    let witness_line = witness_line.lines().last().unwrap();
    let mut cosigned = note.clone();
    cosigned.extend_from_slice(format!("{witness_line}\n").as_bytes());
    let verified = verify_checkpoint(&cosigned, &key.verifier_key()).unwrap();
    assert_eq!(verified.size, 9);
    assert_eq!(verified.note, cosigned);
}

#[test]
fn go_note_test_key_produces_the_independent_vector() {
    let key = LogKey::from_secret(PETER_SECRET).unwrap();
    assert_eq!(key.verifier_key(), PETER_VERIFIER);
    assert_eq!(key.origin(), "PeterNeumann");
    let root = hex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    let signed = key.sign_checkpoint(8, root).unwrap();
    assert_eq!(
        String::from_utf8(signed.note.clone()).unwrap(),
        PETER_CHECKPOINT
    );
    let verified = verify_checkpoint(PETER_CHECKPOINT.as_bytes(), PETER_VERIFIER).unwrap();
    assert_eq!(verified, signed);
}

#[test]
fn go_note_test_message_is_a_note_but_not_a_checkpoint() {
    // The signed note from Go's note_test.go: the signature verifies, the body is prose.
    let note = "If you think cryptography is the answer to your problem,\n\
                then you don't know what your problem is.\n\
                \n\
                — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    assert!(matches!(
        verify_checkpoint(note.as_bytes(), PETER_VERIFIER),
        Err(LedgerError::Malformed("checkpoint body"))
    ));
}

#[test]
fn real_sum_golang_org_checkpoint_verifies() {
    let verified = verify_checkpoint_for_origin(
        SUMDB_CHECKPOINT.as_bytes(),
        SUMDB_VERIFIER,
        "go.sum database tree",
    )
    .unwrap();
    assert_eq!(verified.size, 30_055_305);
    assert_eq!(
        verified.root,
        "mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM="
            .parse()
            .unwrap()
    );
    // Its origin is not its key name, which verify_checkpoint insists on.
    assert!(matches!(
        verify_checkpoint(SUMDB_CHECKPOINT.as_bytes(), SUMDB_VERIFIER),
        Err(LedgerError::OriginMismatch { .. })
    ));
    let tampered = SUMDB_CHECKPOINT.replace("30055305", "30055306");
    assert!(matches!(
        verify_checkpoint_for_origin(tampered.as_bytes(), SUMDB_VERIFIER, "go.sum database tree"),
        Err(LedgerError::BadSignature)
    ));
}

#[test]
fn extension_lines_are_rejected() {
    // Signed by the right key, but with an extension line writ never writes.
    let body = "PeterNeumann\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nextra\n";
    let signer = signed_note::StandardSigner::new(PETER_SECRET).unwrap();
    let mut note = signed_note::Note::new(body.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    assert!(matches!(
        verify_checkpoint(&note.to_bytes(), PETER_VERIFIER),
        Err(LedgerError::Malformed(_))
    ));
}

#[test]
fn reloaded_key_has_the_same_verifier_key() {
    let (key, secret) = LogKey::generate(ORIGIN).unwrap();
    assert!(
        secret
            .expose()
            .starts_with(&format!("PRIVATE+KEY+{ORIGIN}+"))
    );
    let reloaded = LogKey::from_secret(secret.expose()).unwrap();
    assert_eq!(reloaded.verifier_key(), key.verifier_key());
    assert_eq!(reloaded.origin(), ORIGIN);
    assert!(key.verifier_key().starts_with(&format!("{ORIGIN}+")));
    // Go's verifier parser (as ported) accepts it.
    signed_note::StandardVerifier::new(&key.verifier_key()).unwrap();
}

#[test]
fn debug_never_shows_the_secret() {
    let (key, secret) = LogKey::generate(ORIGIN).unwrap();
    let exposed = secret.expose().to_owned();
    // `PRIVATE+KEY+<origin>+<hash>+<key data>`: the key data is base64, which may itself
    // hold a `+`, so a split from the right could leave a short tail that turns up in
    // the verifier key by chance.
    let secret_part = exposed.splitn(5, '+').nth(4).unwrap();
    for shown in [
        format!("{key:?}"),
        format!("{key:#?}"),
        format!("{secret:?}"),
    ] {
        assert!(!shown.contains(secret_part), "{shown}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
    }
    assert!(format!("{key:?}").contains(&key.verifier_key()));
    let peter = LogKey::from_secret(PETER_SECRET).unwrap();
    assert!(!format!("{peter:?}").contains("AYEKFALVFGyNhPJEMzD1QIDr"));
}

#[test]
fn bad_origins_and_keys_are_refused() {
    for origin in [
        "",
        "has space",
        "has+plus",
        "line\nbreak",
        "tab\there",
        "nul\0",
        "bell\x07",
    ] {
        assert!(
            matches!(LogKey::generate(origin), Err(LedgerError::KeyInvalid(_))),
            "{origin:?}"
        );
    }
    let secret_like = "PRIVATE+KEY+x+00000000+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    for secret in [
        "",
        "not a key",
        PETER_VERIFIER,
        secret_like, // wrong key id
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    ] {
        let error = LogKey::from_secret(secret).unwrap_err();
        assert!(
            matches!(error, LedgerError::KeyInvalid(_)),
            "{secret:?}: {error:?}"
        );
        assert!(!error.to_string().contains("AYEKFALV"), "{error}");
    }
    for verifier in [
        "",
        "PeterNeumann",
        PETER_SECRET,
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(
            matches!(
                verify_checkpoint(PETER_CHECKPOINT.as_bytes(), verifier),
                Err(LedgerError::KeyInvalid(_))
            ),
            "{verifier:?}"
        );
    }
    for garbage in [
        &b""[..],
        b"\n\n",
        b"PeterNeumann\n8\n",
        &[0xff, 0xfe, b'\n', b'\n'],
    ] {
        assert!(matches!(
            verify_checkpoint(garbage, PETER_VERIFIER),
            Err(LedgerError::Malformed(_))
        ));
    }
}

#[test]
fn checkpoint_proves_what_the_log_holds() {
    // The whole story an auditor runs: a signed checkpoint, an inclusion proof against it,
    // and a consistency proof to a later checkpoint.
    let (key, _) = LogKey::generate(ORIGIN).unwrap();
    let mut log = MemoryLog::new();
    for entry in entries(10) {
        log.append(&entry).unwrap();
    }
    let first = key
        .sign_checkpoint(log.size(), log.root().unwrap())
        .unwrap();
    let event = b"event 10".to_vec();
    let leaf = log.append(&event).unwrap();
    assert_eq!(leaf, leaf_hash(&event));
    let second = key
        .sign_checkpoint(log.size(), log.root().unwrap())
        .unwrap();

    let vkey = key.verifier_key();
    let (a, b) = (
        verify_checkpoint(&first.note, &vkey).unwrap(),
        verify_checkpoint(&second.note, &vkey).unwrap(),
    );
    let proof = log.inclusion_proof(10, b.size).unwrap();
    writ_ledger::verify_inclusion(&proof, 10, b.size, b.root, leaf_hash(&event)).unwrap();
    let proof = log.consistency_proof(a.size, b.size).unwrap();
    writ_ledger::verify_consistency(&proof, a.size, a.root, b.size, b.root).unwrap();
}
