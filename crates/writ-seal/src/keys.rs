//! The keys around a production: the provider's Ed25519 production key, which signs the
//! manifest (PKCS#8 / SPKI PEM, the files openssl reads), and the authority's age X25519
//! recipient and identity, which encrypt and decrypt it.
//!
//! Errors never quote secret key material; they may quote public keys.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand_core::OsRng;
use zeroize::Zeroizing;

/// The authority's age X25519 recipient (`age1…`), what a production is encrypted to.
pub use age::x25519::Recipient;

/// The authority's age X25519 identity (`AGE-SECRET-KEY-1…`), what decrypts a
/// production. `Debug` shows only its recipient.
#[derive(Clone)]
pub struct Identity(age::x25519::Identity);

impl Identity {
    /// The recipient that encrypts to this identity.
    pub fn recipient(&self) -> Recipient {
        self.0.to_public()
    }

    pub(crate) fn as_age(&self) -> &dyn age::Identity {
        &self.0
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("recipient", &self.recipient())
            .finish_non_exhaustive()
    }
}

/// A key that cannot be read or used; the reason never contains secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("production key: {0}")]
    ProductionKey(&'static str),
    #[error("provider key: {0}")]
    ProviderKey(String),
    #[error("age recipient {input:?}: {problem}")]
    Recipient { input: String, problem: String },
    #[error("age identity: {0}")]
    Identity(String),
}

// Ed25519 keys have one DER encoding each (RFC 8410): a fixed prefix and the 32 key
// bytes. Writing them directly keeps the encoders infallible; reading goes through the
// pkcs8 crate, which also takes the forms other tools write.
/// PKCS#8 v1 `PrivateKeyInfo { version 0, id-Ed25519, OCTET STRING { OCTET STRING seed } }`.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// `SubjectPublicKeyInfo { id-Ed25519, BIT STRING key }`.
const SPKI_ED25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The provider's production key (Ed25519). It signs each production's manifest.
/// `Debug` shows only the public half; the secret is wiped when dropped.
#[derive(Clone)]
pub struct ProductionKey(SigningKey);

impl ProductionKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Self {
        Self(SigningKey::generate(&mut OsRng))
    }

    /// Reads a `-----BEGIN PRIVATE KEY-----` PEM (PKCS#8, as `openssl genpkey -algorithm
    /// ed25519` writes).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        if pem.contains("-----BEGIN PUBLIC KEY-----") {
            return Err(KeyError::ProductionKey(
                "this is a public key; the production key is the PRIVATE KEY PEM",
            ));
        }
        SigningKey::from_pkcs8_pem(pem).map(Self).map_err(|_| {
            KeyError::ProductionKey(
                "not an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)",
            )
        })
    }

    /// The key as PKCS#8 v1 PEM, the form `openssl genpkey` writes and reads. The
    /// caller stores it readable by the service only (0600).
    pub fn to_pkcs8_pem(&self) -> String {
        let mut der = Zeroizing::new(PKCS8_ED25519_PREFIX.to_vec());
        der.extend_from_slice(self.0.as_bytes());
        let body = Zeroizing::new(STANDARD.encode(der.as_slice()));
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            body.as_str()
        )
    }

    /// The public half, which recipients pin to check signatures.
    pub fn provider_key(&self) -> ProviderKey {
        ProviderKey(self.0.verifying_key())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.0.sign(message)
    }
}

impl fmt::Debug for ProductionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProductionKey")
            .field("provider_key", &self.provider_key())
            .finish_non_exhaustive()
    }
}

/// The provider's public production key (Ed25519), which checks manifest signatures.
///
/// Its PEM (`-----BEGIN PUBLIC KEY-----`, SPKI) is what `openssl pkeyutl -verify
/// -pubin` takes. `Display`/`FromStr` give a one-line form, `ed25519:<64 hex>`, for
/// configuration and logs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ProviderKey(VerifyingKey);

const SHORT_PREFIX: &str = "ed25519:";

impl ProviderKey {
    /// Reads a `-----BEGIN PUBLIC KEY-----` PEM (SPKI).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        if pem.contains("PRIVATE KEY-----") {
            // Said without quoting: the input is a secret.
            return Err(KeyError::ProviderKey(
                "this is a private key; give the provider's PUBLIC KEY PEM".to_owned(),
            ));
        }
        VerifyingKey::from_public_key_pem(pem)
            .map(Self)
            .map_err(|e| {
                KeyError::ProviderKey(format!(
                    "not an Ed25519 public key in SPKI PEM (-----BEGIN PUBLIC KEY-----): {e}"
                ))
            })
    }

    /// The SPKI PEM, for `openssl pkeyutl -verify -pubin -inkey`.
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_ED25519_PREFIX.to_vec();
        der.extend_from_slice(self.0.as_bytes());
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        )
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        // Strict: refuses small-order keys and non-canonical signatures, which a
        // signature made by ProductionKey never is.
        self.0.verify_strict(message, signature).is_ok()
    }
}

impl fmt::Display for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SHORT_PREFIX}{}", hex::encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProviderKey({self})")
    }
}

impl FromStr for ProviderKey {
    type Err = KeyError;

    /// `ed25519:<64 hex>`, or a PEM.
    fn from_str(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.starts_with("-----BEGIN") {
            return Self::from_pem(text);
        }
        let bad = |problem: &str| KeyError::ProviderKey(format!("{text:?}: {problem}"));
        let encoded = text
            .strip_prefix(SHORT_PREFIX)
            .ok_or_else(|| bad("expected `ed25519:` and 64 hex digits, or a PEM"))?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(encoded, &mut bytes)
            .map_err(|_| bad("expected 64 hex digits after `ed25519:`"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| bad("not a valid Ed25519 public key"))
    }
}

/// Parses an age X25519 recipient, `age1…`.
pub fn parse_recipient(text: &str) -> Result<Recipient, KeyError> {
    let text = text.trim();
    if text.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
        // Not quoted: it is a secret.
        return Err(KeyError::Recipient {
            input: "AGE-SECRET-KEY-1…".to_owned(),
            problem: "this is a secret identity; give its public recipient (age1…)".to_owned(),
        });
    }
    text.parse::<Recipient>()
        .map_err(|problem| KeyError::Recipient {
            input: text.to_owned(),
            problem: format!("not an age X25519 recipient (age1…): {problem}"),
        })
}

/// Parses an age identity, or the text of an age identity file: blank lines and `#`
/// comments, and exactly one `AGE-SECRET-KEY-1…` line.
pub fn parse_identity(text: &str) -> Result<Identity, KeyError> {
    let mut found = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("age1") {
            return Err(KeyError::Identity(format!(
                "line {number} is a recipient (public key); decrypting needs the AGE-SECRET-KEY-1… identity"
            )));
        }
        if line.starts_with("AGE-PLUGIN-") {
            return Err(KeyError::Identity(format!(
                "line {number} is a plugin identity; only X25519 identities are supported"
            )));
        }
        // Not quoted: a line that almost parses is a damaged secret.
        let identity = line.parse::<age::x25519::Identity>().map_err(|problem| {
            KeyError::Identity(format!(
                "line {number} is not an age X25519 identity (AGE-SECRET-KEY-1…): {problem}"
            ))
        })?;
        if found.is_some() {
            return Err(KeyError::Identity(format!(
                "line {number} is a second identity; give one"
            )));
        }
        found = Some(Identity(identity));
    }
    found.ok_or_else(|| KeyError::Identity("no AGE-SECRET-KEY-1… line found".to_owned()))
}

/// A fresh age identity and its recipient, as the strings `age-keygen` prints (the
/// identity is secret), for demos and tests.
pub fn new_identity() -> (String, String) {
    use age::secrecy::ExposeSecret as _;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    (identity.to_string().expose_secret().to_owned(), recipient)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_key_round_trips_through_pem_and_hides_its_secret() {
        let key = ProductionKey::generate();
        let pem = key.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        // The fixed encoding is what the pkcs8 crate writes for a v1 key.
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
        let v1 = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: key.0.to_bytes(),
            public_key: None,
        };
        assert_eq!(v1.to_pkcs8_pem(LineEnding::LF).unwrap().as_str(), pem);
        let again = ProductionKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(again.provider_key(), key.provider_key());

        let debug = format!("{key:?}");
        let secret_hex = hex::encode(key.0.to_bytes());
        assert!(!debug.contains(&secret_hex), "{debug}");
        assert!(debug.contains(&key.provider_key().to_string()), "{debug}");
    }

    #[test]
    fn provider_key_round_trips_through_pem_and_short_form() {
        let provider = ProductionKey::generate().provider_key();
        let pem = provider.to_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
        assert_eq!(provider.0.to_public_key_pem(LineEnding::LF).unwrap(), pem);
        assert_eq!(ProviderKey::from_pem(&pem).unwrap(), provider);
        assert_eq!(
            provider.to_string().parse::<ProviderKey>().unwrap(),
            provider
        );
        assert_eq!(pem.parse::<ProviderKey>().unwrap(), provider);
    }

    #[test]
    fn keys_in_the_wrong_place_are_refused_without_quoting_secrets() {
        let key = ProductionKey::generate();
        let private = key.to_pkcs8_pem();
        let public = key.provider_key().to_pem();

        let err = ProviderKey::from_pem(&private).unwrap_err().to_string();
        assert!(err.contains("private key"), "{err}");
        assert!(!err.contains(private.lines().nth(1).unwrap()), "{err}");
        let err = ProductionKey::from_pkcs8_pem(&public)
            .unwrap_err()
            .to_string();
        assert!(err.contains("public key"), "{err}");
        assert!(ProductionKey::from_pkcs8_pem("garbage").is_err());
        assert!("ed25519:zz".parse::<ProviderKey>().is_err());

        let (identity, recipient) = new_identity();
        let err = parse_recipient(&identity).unwrap_err().to_string();
        assert!(err.contains("secret identity"), "{err}");
        assert!(!err.contains(&identity), "{err}");
        let err = parse_identity(&recipient).unwrap_err().to_string();
        assert!(err.contains("line 1 is a recipient"), "{err}");
    }

    #[test]
    fn identity_files_with_comments_parse() {
        let (identity, recipient) = new_identity();
        let file =
            format!("# created: 2026-01-01T00:00:00Z\n# public key: {recipient}\n{identity}\n");
        let parsed = parse_identity(&file).unwrap();
        assert_eq!(parsed.recipient().to_string(), recipient);
        let debug = format!("{parsed:?}");
        assert!(
            debug.contains(&recipient) && !debug.contains(&identity),
            "{debug}"
        );
        assert_eq!(parse_recipient(&recipient).unwrap().to_string(), recipient);

        let err = parse_identity("# only a comment\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no AGE-SECRET-KEY-1"), "{err}");
        let twice = format!("{identity}\n{identity}\n");
        let err = parse_identity(&twice).unwrap_err().to_string();
        assert!(err.contains("line 2 is a second identity"), "{err}");
        let damaged = format!("{}x", &identity[..identity.len() - 1]);
        let err = parse_identity(&damaged).unwrap_err().to_string();
        assert!(
            err.contains("line 1 is not an age X25519 identity"),
            "{err}"
        );
        assert!(!err.contains(&damaged), "{err}");
        let err = parse_recipient("age1nope").unwrap_err().to_string();
        assert!(err.contains("\"age1nope\""), "{err}");
    }
}
