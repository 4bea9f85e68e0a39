//! The whole tree in memory, for the offline verifier that recomputes everything from the
//! events, and for tests. Same layout and same results as the [`crate::Needs`] functions.

use std::fmt;

use tlog_tiles::{Error as TlogError, HashReader};

use crate::tree::{check_index, check_range, check_size, from_tlog_vec, tlog_error};
use crate::{EMPTY_TREE_HASH, Hash, LedgerError, leaf_hash};

/// Every stored hash of a log, in Go tlog's layout (see [`crate::stored_hash_index`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MemoryLog {
    size: u64,
    hashes: Vec<Hash>,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends an entry (an event's canonical bytes); returns its leaf hash.
    pub fn append(&mut self, entry: &[u8]) -> Result<Hash, LedgerError> {
        let leaf = leaf_hash(entry);
        self.append_leaf_hash(leaf)?;
        Ok(leaf)
    }

    /// Appends a leaf whose hash the caller already has.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> Result<(), LedgerError> {
        check_size(self.size.saturating_add(1))?;
        let new = tlog_tiles::stored_hashes_for_record_hash(
            self.size,
            leaf.to_tlog(),
            &Stored(&self.hashes),
        )
        .map_err(tlog_error)?;
        self.hashes.extend(new.into_iter().map(Hash::from_tlog));
        self.size += 1;
        Ok(())
    }

    /// The leaf hash at `index`, if the log has that many leaves.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        if index >= self.size {
            return None;
        }
        let at = usize::try_from(crate::stored_hash_index(0, index)).ok()?;
        self.hashes.get(at).copied()
    }

    /// The root of the whole log.
    pub fn root(&self) -> Result<Hash, LedgerError> {
        self.tree_hash(self.size)
    }

    /// The root of the tree of the first `size` leaves.
    pub fn tree_hash(&self, size: u64) -> Result<Hash, LedgerError> {
        self.check_within(size)?;
        if size == 0 {
            return Ok(EMPTY_TREE_HASH);
        }
        tlog_tiles::tree_hash(size, &Stored(&self.hashes))
            .map(Hash::from_tlog)
            .map_err(tlog_error)
    }

    /// The proof that leaf `index` is in the tree of size `size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LedgerError> {
        check_index(index, size)?;
        self.check_within(size)?;
        tlog_tiles::prove_record(size, index, &Stored(&self.hashes))
            .map(from_tlog_vec)
            .map_err(tlog_error)
    }

    /// The proof that the tree of size `to` extends the tree of size `from`.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, LedgerError> {
        check_range(from, to)?;
        self.check_within(to)?;
        tlog_tiles::prove_tree(to, from, &Stored(&self.hashes))
            .map(from_tlog_vec)
            .map_err(tlog_error)
    }

    /// All stored hashes, index `i` at position `i`: what a database-backed log stores.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.hashes
    }

    fn check_within(&self, size: u64) -> Result<(), LedgerError> {
        if size > self.size {
            return Err(LedgerError::BeyondLog {
                size,
                log_size: self.size,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for MemoryLog {
    /// Not the hashes: a verifier's log holds millions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLog")
            .field("size", &self.size)
            .field("stored_hashes", &self.hashes.len())
            .finish()
    }
}

struct Stored<'a>(&'a [Hash]);

impl HashReader for Stored<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, TlogError> {
        indexes
            .iter()
            .map(|&index| {
                usize::try_from(index)
                    .ok()
                    .and_then(|i| self.0.get(i))
                    .map(|hash| hash.to_tlog())
                    .ok_or(TlogError::IndexesNotInTree)
            })
            .collect()
    }
}
