//! The tree over stored hashes kept elsewhere (a database): appends, roots and proofs
//! computed by `tlog_tiles` from whatever stored hashes the caller has fetched so far.
//!
//! Stored hashes use Go tlog's dense layout ([`stored_hash_index`]): appending leaf `n`
//! writes its leaf hash and the hash of every subtree it completes, at consecutive
//! indexes. A log of `n` leaves holds [`stored_hash_count`]`(n)` hashes.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use tlog_tiles::{Error as TlogError, HashReader};

use crate::{EMPTY_TREE_HASH, Hash, LedgerError};

/// The largest tree size accepted. Keeps every stored-hash index inside `u64`
/// (an index is below twice the leaf count) with room to spare.
pub const MAX_LOG_SIZE: u64 = 1 << 62;

/// Longest inclusion proof for a tree of at most [`MAX_LOG_SIZE`] leaves; a consistency
/// proof is at most one longer. Longer "proofs" are rejected before any hashing.
const MAX_PROOF_LEN: usize = 64;

/// The result of an operation over stored hashes that live elsewhere: either done, or the
/// stored-hash indexes (sorted, distinct, none already known) it still needs. Fetch them,
/// add them to the [`Known`] map and call again; each round only asks for more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Needs<T> {
    Done(T),
    Hashes(Vec<u64>),
}

/// Stored hashes fetched so far: stored-hash index to hash.
pub type Known = BTreeMap<u64, Hash>;

/// Where the hash of the `n`th node at `level` is stored (level 0 holds the leaf hashes).
/// Meaningful for nodes of trees of at most [`MAX_LOG_SIZE`] leaves.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    tlog_tiles::stored_hash_index(level, n)
}

/// How many stored hashes a log of `size` leaves holds (the next free index).
/// Meaningful for sizes up to [`MAX_LOG_SIZE`].
pub fn stored_hash_count(size: u64) -> u64 {
    tlog_tiles::stored_hash_count(size)
}

/// Appending leaf `n` (0-based) with leaf hash `leaf` to a log of size `n`: the new stored
/// hashes, to be stored at consecutive indexes starting at `stored_hash_index(0, n)`.
pub fn append_hashes(n: u64, leaf: Hash, known: &Known) -> Result<Needs<Vec<Hash>>, LedgerError> {
    check_size(n.saturating_add(1))?;
    with_known(known, |reader| {
        tlog_tiles::stored_hashes_for_record_hash(n, leaf.to_tlog(), reader).map(from_tlog_vec)
    })
}

/// The root hash of the tree of the first `size` leaves.
pub fn tree_hash(size: u64, known: &Known) -> Result<Needs<Hash>, LedgerError> {
    check_size(size)?;
    if size == 0 {
        return Ok(Needs::Done(EMPTY_TREE_HASH));
    }
    with_known(known, |reader| {
        tlog_tiles::tree_hash(size, reader).map(Hash::from_tlog)
    })
}

/// The proof that leaf `index` is in the tree of size `size` (RFC 6962 audit path).
pub fn inclusion_proof(
    index: u64,
    size: u64,
    known: &Known,
) -> Result<Needs<Vec<Hash>>, LedgerError> {
    check_index(index, size)?;
    with_known(known, |reader| {
        tlog_tiles::prove_record(size, index, reader).map(from_tlog_vec)
    })
}

/// The proof that the tree of size `to` extends the tree of size `from`
/// (RFC 6962 consistency proof; needs `1 <= from <= to`).
pub fn consistency_proof(
    from: u64,
    to: u64,
    known: &Known,
) -> Result<Needs<Vec<Hash>>, LedgerError> {
    check_range(from, to)?;
    with_known(known, |reader| {
        tlog_tiles::prove_tree(to, from, reader).map(from_tlog_vec)
    })
}

/// Checks that `proof` shows the leaf with hash `leaf` at `index` in the tree of size
/// `size` whose root is `root`.
pub fn verify_inclusion(
    proof: &[Hash],
    index: u64,
    size: u64,
    root: Hash,
    leaf: Hash,
) -> Result<(), LedgerError> {
    check_index(index, size)?;
    if proof.len() > MAX_PROOF_LEN {
        return Err(LedgerError::ProofFailed);
    }
    tlog_tiles::check_record(
        &to_tlog_vec(proof),
        size,
        root.to_tlog(),
        index,
        leaf.to_tlog(),
    )
    .map_err(proof_error)
}

/// Checks that `proof` shows the tree of size `to` with root `to_root` extends the tree
/// of size `from` with root `from_root` (`1 <= from <= to`; equal sizes need equal roots
/// and an empty proof).
pub fn verify_consistency(
    proof: &[Hash],
    from: u64,
    from_root: Hash,
    to: u64,
    to_root: Hash,
) -> Result<(), LedgerError> {
    check_range(from, to)?;
    if proof.len() > MAX_PROOF_LEN + 1 {
        return Err(LedgerError::ProofFailed);
    }
    tlog_tiles::check_tree(
        &to_tlog_vec(proof),
        to,
        to_root.to_tlog(),
        from,
        from_root.to_tlog(),
    )
    .map_err(proof_error)
}

pub(crate) fn check_size(size: u64) -> Result<(), LedgerError> {
    if size > MAX_LOG_SIZE {
        return Err(LedgerError::TooLarge { size });
    }
    Ok(())
}

pub(crate) fn check_index(index: u64, size: u64) -> Result<(), LedgerError> {
    check_size(size)?;
    if index >= size {
        return Err(LedgerError::IndexOutOfRange { index, size });
    }
    Ok(())
}

pub(crate) fn check_range(from: u64, to: u64) -> Result<(), LedgerError> {
    check_size(to)?;
    if from == 0 || from > to {
        return Err(LedgerError::BadRange { from, to });
    }
    Ok(())
}

/// Errors from tlog_tiles after writ-ledger has checked the inputs: a bad proof, or a bug.
pub(crate) fn tlog_error(error: TlogError) -> LedgerError {
    LedgerError::Merkle(error.to_string())
}

fn proof_error(error: TlogError) -> LedgerError {
    match error {
        TlogError::InvalidProof => LedgerError::ProofFailed,
        other => tlog_error(other),
    }
}

pub(crate) fn from_tlog_vec(hashes: Vec<tlog_tiles::Hash>) -> Vec<Hash> {
    hashes.into_iter().map(Hash::from_tlog).collect()
}

fn to_tlog_vec(hashes: &[Hash]) -> Vec<tlog_tiles::Hash> {
    hashes.iter().map(|h| h.to_tlog()).collect()
}

/// Runs a tlog_tiles computation over `known`. A read of indexes `known` lacks records
/// them and fails, which the computation passes straight up; those indexes become
/// `Needs::Hashes`. A computation that reads again after a successful read simply asks in
/// the next round, so repeated rounds converge.
fn with_known<T>(
    known: &Known,
    compute: impl FnOnce(&KnownReader<'_>) -> Result<T, TlogError>,
) -> Result<Needs<T>, LedgerError> {
    let reader = KnownReader {
        known,
        missing: RefCell::new(BTreeSet::new()),
    };
    let result = compute(&reader);
    let missing = reader.missing.into_inner();
    match result {
        Ok(value) => Ok(Needs::Done(value)),
        Err(_) if !missing.is_empty() => Ok(Needs::Hashes(missing.into_iter().collect())),
        Err(error) => Err(tlog_error(error)),
    }
}

struct KnownReader<'a> {
    known: &'a Known,
    missing: RefCell<BTreeSet<u64>>,
}

impl HashReader for KnownReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, TlogError> {
        let mut hashes = Vec::with_capacity(indexes.len());
        let mut missing = self.missing.borrow_mut();
        for index in indexes {
            match self.known.get(index) {
                Some(hash) => hashes.push(hash.to_tlog()),
                None => {
                    missing.insert(*index);
                }
            }
        }
        if hashes.len() == indexes.len() {
            Ok(hashes)
        } else {
            Err(TlogError::IndexesNotInTree)
        }
    }
}
