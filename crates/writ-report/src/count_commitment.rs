//! Commitments to exact counts the law does not yet let the report publish (the
//! national-security figures): `SHA-256(count as decimal ‖ 32-byte salt)`, published
//! now; the count and salt (the [`CountOpening`]) are revealed once the law allows, and
//! anyone can then check they are what was committed to.
//!
//! The salt hides the count: without it, a commitment to a small number could be
//! opened by trying every number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::record::Commitment;
use crate::secret::SecretBytes;

/// 32 random bytes, kept secret until the count is opened. `Debug` does not print it;
/// `Display` and serde write unpadded base64url (43 characters).
#[derive(Clone, PartialEq, Eq)]
pub struct Salt(SecretBytes);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("salt: expected 43 characters of base64url (32 bytes)")]
pub struct SaltError;

impl Salt {
    pub const SIZE: usize = SecretBytes::SIZE;

    /// A new salt from the operating system's generator.
    pub fn generate() -> Self {
        Self(SecretBytes::generate())
    }

    pub fn from_bytes(bytes: [u8; Self::SIZE]) -> Self {
        Self(SecretBytes(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; Self::SIZE] {
        &self.0.0
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Salt(…)")
    }
}

impl fmt::Display for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_base64url())
    }
}

impl FromStr for Salt {
    type Err = SaltError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SecretBytes::from_base64url(s).map(Self).ok_or(SaltError)
    }
}

impl Serialize for Salt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Salt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `SHA-256(count as decimal ‖ salt)`: the decimal digits with no sign, padding or
/// separator, then the salt's 32 raw bytes. The salt's fixed length keeps the encoding
/// one-to-one: no other count and salt give the same bytes.
pub fn commit_count(count: u64, salt: &Salt) -> Commitment {
    let mut hasher = Sha256::new();
    hasher.update(count.to_string().as_bytes());
    hasher.update(salt.as_bytes());
    Commitment(hasher.finalize().into())
}

/// What opens a count commitment: the exact count and its salt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountOpening {
    pub count: u64,
    pub salt: Salt,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the count {count} with this salt does not open commitment {commitment}")]
pub struct OpeningError {
    pub count: u64,
    pub commitment: Commitment,
}

impl CountOpening {
    /// A fresh salt for `count`, and the commitment to publish.
    pub fn new(count: u64) -> (Self, Commitment) {
        let opening = Self {
            count,
            salt: Salt::generate(),
        };
        let commitment = opening.commitment();
        (opening, commitment)
    }

    pub fn commitment(&self) -> Commitment {
        commit_count(self.count, &self.salt)
    }

    /// Checks the opening against a published commitment.
    pub fn verify(&self, commitment: &Commitment) -> Result<(), OpeningError> {
        if self.commitment() == *commitment {
            Ok(())
        } else {
            Err(OpeningError {
                count: self.count,
                commitment: *commitment,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commitment_hashes_the_decimal_count_then_the_salt() {
        let salt = Salt::from_bytes([1; 32]);
        let mut bytes = b"42".to_vec();
        bytes.extend_from_slice(&[1; 32]);
        let want = Commitment(Sha256::digest(&bytes).into());
        assert_eq!(commit_count(42, &salt), want);
        assert_ne!(commit_count(42, &Salt::from_bytes([2; 32])), want);
    }

    #[test]
    fn an_opening_opens_to_its_count_with_its_salt_and_to_no_other() {
        let (opening, commitment) = CountOpening::new(137);
        opening.verify(&commitment).unwrap();
        for count in (0..1000).filter(|c| *c != 137) {
            let other = CountOpening {
                count,
                salt: opening.salt.clone(),
            };
            assert!(other.verify(&commitment).is_err(), "{count}");
        }
        let other_salt = CountOpening {
            count: 137,
            salt: Salt::generate(),
        };
        let error = other_salt.verify(&commitment).unwrap_err();
        assert!(error.to_string().contains("137"), "{error}");
        let json = serde_json::to_string(&opening).unwrap();
        assert_eq!(
            serde_json::from_str::<CountOpening>(&json).unwrap(),
            opening
        );
        assert!(!format!("{:?}", opening.salt).contains(&opening.salt.to_string()));
    }
}
