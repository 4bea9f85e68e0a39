//! The one error type of the ledger boundary.

/// Everything that can go wrong in writ-ledger. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A leaf index at or past the end of the tree it should be in.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// A tree size past the end of the log that holds the hashes.
    #[error("tree size {size} is beyond the log's {log_size} entries")]
    BeyondLog { size: u64, log_size: u64 },
    /// A tree size past [`crate::MAX_LOG_SIZE`].
    #[error("tree size {size} exceeds the supported maximum {max}", max = crate::MAX_LOG_SIZE)]
    TooLarge { size: u64 },
    /// Consistency is defined for trees of sizes `1 <= from <= to` (RFC 6962 §2.1.2).
    #[error("a consistency proof needs 1 <= from <= to, got from {from} to {to}")]
    BadRange { from: u64, to: u64 },
    /// An inclusion or consistency proof that does not prove what it claims.
    #[error("proof does not verify")]
    ProofFailed,
    /// A checkpoint signature by the expected key that does not verify.
    #[error("checkpoint signature does not verify")]
    BadSignature,
    /// A well-formed checkpoint that carries no signature by the expected key.
    #[error("checkpoint has no signature by key {key}")]
    NotSignedByKey { key: String },
    /// A validly signed checkpoint for another log.
    #[error("checkpoint origin {found:?} is not the expected origin {expected:?}")]
    OriginMismatch { expected: String, found: String },
    /// Bytes that do not parse as what they should be (`what` names it).
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A key string or key name that is not acceptable; the reason never quotes the key.
    #[error("invalid key: {0}")]
    KeyInvalid(&'static str),
    /// Signing failed inside the Ed25519 implementation.
    #[error("signing the checkpoint failed")]
    Signing,
    /// The Merkle library refused its input; a bug in writ-ledger if it happens.
    #[error("Merkle tree computation failed: {0}")]
    Merkle(String),
}
