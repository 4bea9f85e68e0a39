//! The log's Ed25519 key and its signed checkpoints: C2SP tlog-checkpoint bodies
//! (`origin\nsize\nbase64(root)\n`) in C2SP signed notes, keys in Go note's string formats
//! (`PRIVATE+KEY+name+id+base64`, `name+id+base64`). Verifiable by Go's
//! `golang.org/x/mod/sumdb/note` and every tool built on it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand_core::OsRng;
use secrecy::{ExposeSecret as _, SecretString};
use signed_note::{
    Note, NoteError, Signer as _, SignerError, StandardSigner, StandardVerifier, VerifierError,
    VerifierList,
};
use tlog_tiles::Checkpoint;
use zeroize::Zeroizing;

use crate::{Hash, LedgerError};

/// The note signature algorithm byte for Ed25519 (the only one Go's note defines).
const ALG_ED25519: u8 = 1;

/// The log's signing key. Its name is the log's origin. `Debug` shows only public parts.
#[derive(Clone)]
pub struct LogKey {
    signer: StandardSigner,
    verifier_key: String,
}

/// The secret key text `PRIVATE+KEY+name+id+base64`, to be stored by the operator.
/// Wiped from memory when dropped; `Debug` does not show it.
pub struct SecretKeyString(SecretString);

/// A checkpoint and its signed note as produced or accepted by this crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The full signed note: body, blank line, signature line(s).
    pub note: Vec<u8>,
}

impl LogKey {
    /// A new random key for the log named `origin` (e.g. `writ.example/audit`): a valid
    /// note key name, so non-empty and without spaces, `+` or control characters.
    pub fn generate(origin: &str) -> Result<(LogKey, SecretKeyString), LedgerError> {
        check_origin(origin)?;
        let (secret, verifier_key) = signed_note::generate_key(&mut OsRng, origin);
        let secret = Zeroizing::new(secret);
        let key = LogKey::from_secret(&secret)?;
        if key.verifier_key != verifier_key {
            return Err(LedgerError::KeyInvalid(
                "generated key pair does not match itself",
            ));
        }
        // An exact-size copy, so moving it into the secret box does not reallocate and
        // leave a stray copy behind; the original is wiped on drop.
        let secret = SecretKeyString(SecretString::from(secret.as_str().to_owned()));
        Ok((key, secret))
    }

    /// The key from its secret text `PRIVATE+KEY+name+id+base64`.
    pub fn from_secret(secret: &str) -> Result<LogKey, LedgerError> {
        let signer = StandardSigner::new(secret).map_err(|e| {
            LedgerError::KeyInvalid(match e {
                SignerError::Format => "not a PRIVATE+KEY+name+id+base64 secret key",
                SignerError::Alg => "secret key is not Ed25519",
                SignerError::Id => "secret key's id does not match the key",
            })
        })?;
        check_origin(signer.name())?;
        // StandardSigner keeps its public key to itself: derive it from the same text,
        // which StandardSigner::new has just validated. PRIVATE+KEY+name+id+base64: the
        // base64 (which may contain '+') is everything after the fourth '+'.
        let encoded = secret
            .splitn(5, '+')
            .nth(4)
            .ok_or(LedgerError::KeyInvalid("malformed secret key"))?;
        let decoded = Zeroizing::new(
            STANDARD
                .decode(encoded)
                .map_err(|_| LedgerError::KeyInvalid("malformed secret key"))?,
        );
        let seed = match decoded.split_first() {
            Some((&ALG_ED25519, seed)) => seed,
            _ => return Err(LedgerError::KeyInvalid("secret key is not Ed25519")),
        };
        let signing_key = ed25519_dalek::SigningKey::try_from(seed)
            .map_err(|_| LedgerError::KeyInvalid("malformed secret key"))?;
        let verifier_key =
            signed_note::new_ed25519_verifier_key(signer.name(), &signing_key.verifying_key());
        Ok(LogKey {
            signer,
            verifier_key,
        })
    }

    /// The log's origin, which is also the key's name.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The public verifier key `name+id+base64`, what auditors pin.
    pub fn verifier_key(&self) -> String {
        self.verifier_key.clone()
    }

    /// Signs the checkpoint for the tree of `size` leaves with root `root`.
    pub fn sign_checkpoint(&self, size: u64, root: Hash) -> Result<SignedCheckpoint, LedgerError> {
        let body = Checkpoint::new(self.origin(), size, root.to_tlog(), "")
            .map_err(|_| LedgerError::Malformed("checkpoint origin"))?
            .to_bytes();
        let mut note = Note::new(&body, &[]).map_err(|_| LedgerError::Malformed("checkpoint"))?;
        note.add_sigs(&[&self.signer]).map_err(|e| match e {
            NoteError::InvalidSigner => LedgerError::KeyInvalid("key name is not a valid origin"),
            _ => LedgerError::Signing,
        })?;
        Ok(SignedCheckpoint {
            origin: self.origin().to_owned(),
            size,
            root,
            note: note.to_bytes(),
        })
    }
}

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogKey")
            .field("verifier_key", &self.verifier_key)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl SecretKeyString {
    /// The secret text, for writing it where the operator keeps secrets.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretKeyString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKeyString([redacted])")
    }
}

/// Parses a signed checkpoint note and checks it carries a valid signature by
/// `verifier_key` (`name+id+base64`) and that its origin is the key's name. Other
/// signatures (e.g. witness cosignatures) are allowed and ignored. Checkpoints with
/// extension lines are rejected: writ never writes them, and dropping signed lines
/// silently would hide what was signed.
pub fn verify_checkpoint(note: &[u8], verifier_key: &str) -> Result<SignedCheckpoint, LedgerError> {
    let verifier = parse_verifier_key(verifier_key)?;
    let origin = signed_note::Verifier::name(&verifier).to_owned();
    verify(note, verifier, &origin)
}

/// Like [`verify_checkpoint`], for logs whose origin differs from their key name
/// (sum.golang.org signs as `sum.golang.org` for origin `go.sum database tree`).
pub fn verify_checkpoint_for_origin(
    note: &[u8],
    verifier_key: &str,
    origin: &str,
) -> Result<SignedCheckpoint, LedgerError> {
    verify(note, parse_verifier_key(verifier_key)?, origin)
}

fn parse_verifier_key(verifier_key: &str) -> Result<StandardVerifier, LedgerError> {
    StandardVerifier::new(verifier_key).map_err(|e| {
        LedgerError::KeyInvalid(match e {
            VerifierError::Format => "not a name+id+base64 verifier key",
            VerifierError::Alg => "verifier key is not Ed25519",
            VerifierError::Id => "verifier key's id does not match the key",
        })
    })
}

fn verify(
    note_bytes: &[u8],
    verifier: StandardVerifier,
    origin: &str,
) -> Result<SignedCheckpoint, LedgerError> {
    let key = format!(
        "{}+{:08x}",
        signed_note::Verifier::name(&verifier),
        signed_note::Verifier::key_id(&verifier)
    );
    let note = Note::from_bytes(note_bytes).map_err(|_| LedgerError::Malformed("signed note"))?;
    note.verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|e| match e {
            NoteError::InvalidSignature { .. } => LedgerError::BadSignature,
            NoteError::UnverifiedNote => LedgerError::NotSignedByKey { key },
            _ => LedgerError::Malformed("signed note"),
        })?;
    let checkpoint = Checkpoint::from_bytes(note.text())
        .map_err(|_| LedgerError::Malformed("checkpoint body"))?;
    if !checkpoint.extension().is_empty() {
        return Err(LedgerError::Malformed(
            "checkpoint body (unexpected extension lines)",
        ));
    }
    if checkpoint.origin() != origin {
        return Err(LedgerError::OriginMismatch {
            expected: origin.to_owned(),
            found: checkpoint.origin().to_owned(),
        });
    }
    Ok(SignedCheckpoint {
        origin: checkpoint.origin().to_owned(),
        size: checkpoint.size(),
        root: Hash::from_tlog(*checkpoint.hash()),
        note: note_bytes.to_vec(),
    })
}

/// A note key name (C2SP signed-note: non-empty, no Unicode spaces, no `+`) that is also
/// a clean checkpoint origin line (no control characters).
fn check_origin(origin: &str) -> Result<(), LedgerError> {
    if !signed_note::is_key_name_valid(origin) || origin.chars().any(char::is_control) {
        return Err(LedgerError::KeyInvalid(
            "origin must be non-empty, without spaces, '+' or control characters",
        ));
    }
    Ok(())
}
