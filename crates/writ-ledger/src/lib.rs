//! writ's provable audit log, the way Certificate Transparency logs are provable: an
//! RFC 6962 Merkle tree over the events' canonical bytes, checkpoints in the C2SP
//! signed-note format signed with Ed25519, and inclusion and consistency proofs.
//!
//! The maths and formats are Go's `golang.org/x/mod/sumdb/{tlog,note}`, as ported by
//! Cloudflare's `tlog_tiles` and `signed_note`; this crate adds the shapes writ needs and
//! knows nothing of cases or databases:
//!
//! - [`Needs`] functions work over stored hashes kept elsewhere: they say which stored
//!   hashes they need, the caller fetches them (from its database) and calls again.
//! - [`MemoryLog`] holds a whole tree, for the offline verifier that recomputes
//!   everything from the events.
//! - [`RootBuilder`], [`root_of`] and [`inclusion_proof_of`] are trees over leaves the
//!   caller streams or holds (the transparency report's records): a root in O(log n)
//!   memory, and proofs over a slice; [`inclusion_proof_in_chunks`] proves a leaf of a
//!   big tree from one chunk of its leaves and the roots of the others.
//! - [`LogKey`] signs checkpoints; [`verify_checkpoint`] checks them against the public
//!   verifier key an auditor pinned.
//!
//! Driving a [`Needs`] function against a store (here a map standing in for the
//! database):
//!
//! ```
//! use writ_ledger::{Known, LedgerError, MemoryLog, Needs, tree_hash};
//!
//! # fn main() -> Result<(), LedgerError> {
//! let mut log = MemoryLog::new();
//! for event in [&b"one"[..], b"two", b"three"] {
//!     log.append(event)?;
//! }
//! let database = log.stored_hashes();
//! let mut known = Known::new();
//! let root = loop {
//!     match tree_hash(log.size(), &known)? {
//!         Needs::Done(root) => break root,
//!         Needs::Hashes(indexes) => {
//!             for i in indexes {
//!                 known.insert(i, database[i as usize]);
//!             }
//!         }
//!     }
//! };
//! assert_eq!(root, log.root()?);
//! # Ok(())
//! # }
//! ```

mod checkpoint;
mod error;
mod hash;
mod leaves;
mod memory;
mod tree;

pub use checkpoint::{
    LogKey, SecretKeyString, SignedCheckpoint, verify_checkpoint, verify_checkpoint_for_origin,
};
pub use error::LedgerError;
pub use hash::{EMPTY_TREE_HASH, Hash, leaf_hash, node_hash};
pub use leaves::{RootBuilder, inclusion_proof_in_chunks, inclusion_proof_of, root_of};
pub use memory::MemoryLog;
pub use tree::{
    Known, MAX_LOG_SIZE, Needs, append_hashes, consistency_proof, inclusion_proof,
    stored_hash_count, stored_hash_index, tree_hash, verify_consistency, verify_inclusion,
};
