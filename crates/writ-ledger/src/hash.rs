//! The 32-byte SHA-256 hash of the tree, written as standard padded base64 (as in
//! checkpoints and CT's JSON API), and the two RFC 6962 hash functions.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::LedgerError;

/// A leaf, node or root hash. `.0` is the raw bytes; `Display`/`FromStr` and serde use
/// standard base64 with padding (44 characters), and only the canonical encoding parses.
///
/// A newtype rather than `tlog_tiles::Hash`, which lacks `Eq`, `Ord`, `FromStr` and
/// `Serialize`; the two convert for free inside this crate.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash(pub [u8; Hash::SIZE]);

/// The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
pub const EMPTY_TREE_HASH: Hash = Hash(tlog_tiles::EMPTY_HASH.0);

impl Hash {
    /// Bytes in a hash.
    pub const SIZE: usize = tlog_tiles::HASH_SIZE;
    /// Characters in its base64 form.
    const BASE64_LEN: usize = 44;

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; Hash::SIZE] {
        &self.0
    }

    pub(crate) fn to_tlog(self) -> tlog_tiles::Hash {
        tlog_tiles::Hash(self.0)
    }

    pub(crate) fn from_tlog(hash: tlog_tiles::Hash) -> Self {
        Hash(hash.0)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&STANDARD.encode(self.0))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

impl FromStr for Hash {
    type Err = LedgerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "hash (want standard base64 of 32 bytes)";
        // Checked first so that an oversized input is not decoded at all.
        if s.len() != Hash::BASE64_LEN {
            return Err(LedgerError::Malformed(WHAT));
        }
        let bytes = STANDARD
            .decode(s)
            .map_err(|_| LedgerError::Malformed(WHAT))?;
        let bytes: [u8; Hash::SIZE] = bytes.try_into().map_err(|_| LedgerError::Malformed(WHAT))?;
        Ok(Hash(bytes))
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Base64Hash;
        impl serde::de::Visitor<'_> for Base64Hash {
            type Value = Hash;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 32-byte hash in standard base64")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Hash, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Base64Hash)
    }
}

/// RFC 6962 leaf hash of an entry (an event's canonical bytes): SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Hash::from_tlog(tlog_tiles::record_hash(entry))
}

/// RFC 6962 interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    Hash::from_tlog(tlog_tiles::node_hash(left.to_tlog(), right.to_tlog()))
}
