//! TOTP secrets at rest: sealed with XChaCha20-Poly1305 under a key kept outside the
//! database (a file beside the audit and production keys), so a copy of the database
//! alone gives nobody a second factor. Each sealed secret is bound to its user's id, so
//! one copied onto another account does not open.

use std::fmt;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use writ_core::UserId;

use crate::StoreError;

/// What a sealed secret starts with. A TOTP secret is base32, which has no colon.
const SEALED_PREFIX: &str = "sealed:v1:";
const KEY_BYTES: usize = 32;
/// XChaCha20's nonce: long enough to be drawn at random for every sealing.
const NONCE_BYTES: usize = 24;

/// The key TOTP secrets are sealed with. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretsKey([u8; KEY_BYTES]);

impl fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretsKey(<redacted>)")
    }
}

impl SecretsKey {
    /// A new random key from the operating system.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| {
            StoreError::Secrets(format!(
                "the operating system's random number generator failed: {e}"
            ))
        })?;
        Ok(Self(bytes))
    }

    /// Reads a key from its file's text: 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Result<Self, StoreError> {
        hex::decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; KEY_BYTES]>::try_from(bytes).ok())
            .map(Self)
            .ok_or_else(|| {
                StoreError::Secrets("not a TOTP secrets key: expected 64 hexadecimal digits".into())
            })
    }

    /// The key as 64 lower-case hexadecimal digits, for its file. Handle it like a
    /// password.
    pub fn expose_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn cipher(&self) -> Result<XChaCha20Poly1305, StoreError> {
        XChaCha20Poly1305::new_from_slice(&self.0)
            .map_err(|_| StoreError::Secrets("the key is not 32 bytes".into()))
    }

    /// `secret` sealed for `user`: the prefix, then the nonce and ciphertext in hex.
    pub(crate) fn seal(&self, user: UserId, secret: &str) -> Result<String, StoreError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| {
            StoreError::Secrets(format!(
                "the operating system's random number generator failed: {e}"
            ))
        })?;
        let aad = user.to_string();
        let sealed = self
            .cipher()?
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Secrets("sealing a TOTP secret failed".into()))?;
        Ok(format!(
            "{SEALED_PREFIX}{}{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    /// The secret `stored` seals for `user`; an error if it was sealed with another key,
    /// for another user, or changed.
    pub(crate) fn open(&self, user: UserId, stored: &str) -> Result<String, StoreError> {
        let refused = || {
            StoreError::Secrets(format!(
                "the TOTP secret of user {user} does not open with this key (sealed with \
                 another key, for another user, or changed)"
            ))
        };
        let bytes = stored
            .strip_prefix(SEALED_PREFIX)
            .and_then(|text| hex::decode(text).ok())
            .ok_or_else(refused)?;
        if bytes.len() < NONCE_BYTES {
            return Err(refused());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce = <[u8; NONCE_BYTES]>::try_from(nonce).map_err(|_| refused())?;
        let aad = user.to_string();
        let plain = self
            .cipher()?
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| refused())?;
        String::from_utf8(plain).map_err(|_| refused())
    }
}

/// Whether a stored TOTP secret is sealed (rather than the plaintext an older writ, or
/// a tool without the key, stored).
pub(crate) fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_for_its_user() {
        let key = SecretsKey::generate().unwrap();
        let (alice, bob) = (UserId::random(), UserId::random());
        let sealed = key.seal(alice, SECRET).unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains(SECRET), "{sealed}");
        assert!(!is_sealed(SECRET));
        assert_eq!(key.open(alice, &sealed).unwrap(), SECRET);
        assert_ne!(
            key.seal(alice, SECRET).unwrap(),
            sealed,
            "a fresh nonce each time"
        );

        assert!(key.open(bob, &sealed).is_err(), "another user's");
        let other = SecretsKey::generate().unwrap();
        assert!(other.open(alice, &sealed).is_err(), "another key");
        let mut changed = sealed.clone().into_bytes();
        let last = changed.len() - 1;
        changed[last] = if changed[last] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).unwrap();
        assert!(key.open(alice, &changed).is_err(), "a changed byte");
        for bad in ["", SECRET, "sealed:v1:", "sealed:v1:zz", "sealed:v1:00"] {
            assert!(key.open(alice, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_key_round_trips_through_its_text_and_never_shows_in_debug() {
        let key = SecretsKey::generate().unwrap();
        let text = key.expose_hex();
        assert_eq!(text.len(), 64);
        assert_eq!(SecretsKey::from_hex(&format!("{text}\n")).unwrap(), key);
        assert_eq!(format!("{key:?}"), "SecretsKey(<redacted>)");
        let bad: [String; 5] = [
            String::new(),
            "00".into(),
            text[..62].to_owned(),
            format!("{text}00"),
            "g".repeat(64),
        ];
        for bad in &bad {
            assert!(SecretsKey::from_hex(bad).is_err(), "{bad:?}");
        }
    }
}
