//! Trees whose leaves the caller holds or streams, rather than a log's stored hashes: a
//! root computed leaf by leaf in O(log n) memory ([`RootBuilder`], for a verifier that
//! reads a million records and keeps none), the root and inclusion proof over a
//! slice of leaf hashes, and a proof from one chunk of leaves and the chunks' roots.
//! Same trees, roots and proofs as [`crate::MemoryLog`].

use crate::tree::{check_index, check_size};
use std::ops::Range;

use crate::{EMPTY_TREE_HASH, Hash, LedgerError, node_hash};

/// The RFC 6962 root of leaves pushed one at a time, keeping only the roots of the
/// complete subtrees so far (one per bit of the size; Trillian's "compact range").
///
/// The root of `n` leaves is the right-to-left fold of those subtree roots: MTH splits
/// `n` at the largest power of two below it, so the left part is the first complete
/// subtree and the right part is, recursively, the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootBuilder {
    size: u64,
    /// Roots of the complete subtrees, largest (leftmost) first; the `i`th from the
    /// right has `2^j` leaves for the `i`th set bit `j` of `size`, lowest first.
    subtrees: Vec<Hash>,
}

impl RootBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves pushed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the next leaf, by its leaf hash ([`crate::leaf_hash`] of the entry).
    pub fn push(&mut self, leaf: Hash) -> Result<(), LedgerError> {
        check_size(self.size.saturating_add(1))?;
        let mut hash = leaf;
        // Each trailing one bit of the old size is a complete subtree of the new leaf's
        // size that the leaf completes into one twice as large.
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.subtrees.pop().ok_or(LedgerError::Merkle(
                "compact range shorter than its size".to_owned(),
            ))?;
            hash = node_hash(left, hash);
            size >>= 1;
        }
        self.subtrees.push(hash);
        self.size += 1;
        Ok(())
    }

    /// The root of the leaves pushed so far ([`EMPTY_TREE_HASH`] for none).
    pub fn root(&self) -> Hash {
        let mut subtrees = self.subtrees.iter().rev();
        let Some(&last) = subtrees.next() else {
            return EMPTY_TREE_HASH;
        };
        subtrees.fold(last, |right, &left| node_hash(left, right))
    }
}

/// The RFC 6962 root (MTH) of a tree with these leaf hashes.
pub fn root_of(leaves: &[Hash]) -> Result<Hash, LedgerError> {
    let mut builder = RootBuilder::new();
    for leaf in leaves {
        builder.push(*leaf)?;
    }
    Ok(builder.root())
}

/// The RFC 6962 audit path (PATH(m, D[n]), §2.1.1) of leaf `index` in the tree of these
/// leaf hashes: what [`crate::verify_inclusion`] checks. Hashes every leaf once more.
pub fn inclusion_proof_of(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, LedgerError> {
    let size = leaves.len() as u64;
    check_index(index, size)?;
    let mut proof = Vec::new();
    // Walk down from the whole tree to the leaf, collecting the sibling of each step;
    // the path lists them from the leaf up, so reverse at the end.
    let (mut range, mut at) = (leaves, index as usize);
    while range.len() > 1 {
        let split = largest_power_of_two_below(range.len());
        let (left, right) = range.split_at(split);
        if at < split {
            proof.push(root_of(right)?);
            range = left;
        } else {
            proof.push(root_of(left)?);
            range = right;
            at -= split;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The ranges of leaves whose roots are PATH(index, D[size]), from the leaf up: the
/// sibling of each node on the way down from the whole tree to the leaf.
fn path_ranges(index: u64, size: u64) -> Result<Vec<Range<u64>>, LedgerError> {
    check_index(index, size)?;
    let mut ranges = Vec::new();
    let (mut start, mut end) = (0, size);
    while end - start > 1 {
        let split = start + largest_power_of_two_below_u64(end - start);
        if index < split {
            ranges.push(split..end);
            end = split;
        } else {
            ranges.push(start..split);
            start = split;
        }
    }
    ranges.reverse();
    Ok(ranges)
}

/// The audit path of leaf `index` in a tree of `size` leaves cut into chunks of
/// `chunk_size` leaves (a power of two), from the roots of all its chunks (the last one
/// may be short) and the leaves of the one chunk holding `index`. So a tree of a million
/// records kept in a database answers a proof by reading one chunk and a thousand roots.
///
/// Every chunk is a subtree of the RFC 6962 tree (it starts at a multiple of its power
/// of two, and the short last one is the tree's right edge), so each range of the path
/// lies inside the leaf's chunk or is a run of whole chunks, whose root is the tree
/// over those chunks' roots.
pub fn inclusion_proof_in_chunks(
    index: u64,
    size: u64,
    chunk_size: u64,
    chunk_roots: &[Hash],
    chunk_leaves: &[Hash],
) -> Result<Vec<Hash>, LedgerError> {
    let invalid = |what: &str| LedgerError::Merkle(format!("chunked tree: {what}"));
    if !chunk_size.is_power_of_two() {
        return Err(invalid("the chunk size is not a power of two"));
    }
    if chunk_roots.len() as u64 != size.div_ceil(chunk_size) {
        return Err(invalid("as many chunk roots as chunks are needed"));
    }
    let first = index / chunk_size * chunk_size;
    if chunk_leaves.len() as u64 != chunk_size.min(size.saturating_sub(first)) {
        return Err(invalid("the leaf's whole chunk is needed"));
    }
    path_ranges(index, size)?
        .into_iter()
        .map(|range| {
            let (from, to) = if range.start >= first && range.end <= first + chunk_size {
                (chunk_leaves, range.start - first..range.end - first)
            } else {
                (
                    chunk_roots,
                    range.start / chunk_size..range.end.div_ceil(chunk_size),
                )
            };
            let slice = usize::try_from(to.start)
                .ok()
                .zip(usize::try_from(to.end).ok());
            let slice = slice.and_then(|(start, end)| from.get(start..end));
            root_of(slice.ok_or_else(|| invalid("a range outside the chunks"))?)
        })
        .collect()
}

fn largest_power_of_two_below_u64(n: u64) -> u64 {
    n.next_power_of_two() / 2
}

/// The largest power of two strictly below `n` (`n > 1`).
fn largest_power_of_two_below(n: usize) -> usize {
    n.next_power_of_two() / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_proofs_are_the_proofs_of_the_slice() {
        for chunk_size in [1u64, 2, 4, 8] {
            for size in 1..=40u64 {
                let leaves: Vec<Hash> = (0..size)
                    .map(|n| crate::leaf_hash(&n.to_be_bytes()))
                    .collect();
                let chunks: Vec<&[Hash]> = leaves.chunks(chunk_size as usize).collect();
                let roots: Vec<Hash> = chunks.iter().map(|c| root_of(c).unwrap()).collect();
                for index in 0..size {
                    let chunk = chunks[(index / chunk_size) as usize];
                    let proof =
                        inclusion_proof_in_chunks(index, size, chunk_size, &roots, chunk).unwrap();
                    assert_eq!(
                        proof,
                        inclusion_proof_of(&leaves, index).unwrap(),
                        "{index}/{size} in chunks of {chunk_size}"
                    );
                }
            }
        }
        let leaves: Vec<Hash> = (0..5u64)
            .map(|n| crate::leaf_hash(&n.to_be_bytes()))
            .collect();
        let roots = [root_of(&leaves[..4]).unwrap(), leaves[4]];
        assert!(inclusion_proof_in_chunks(0, 5, 3, &roots, &leaves[..3]).is_err());
        assert!(inclusion_proof_in_chunks(0, 5, 4, &roots[..1], &leaves[..4]).is_err());
        assert!(inclusion_proof_in_chunks(0, 5, 4, &roots, &leaves[..3]).is_err());
        assert!(inclusion_proof_in_chunks(5, 5, 4, &roots, &leaves[4..]).is_err());
    }

    #[test]
    fn splits_at_the_largest_power_of_two_below() {
        let cases = [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)];
        for (n, k) in cases {
            assert_eq!(largest_power_of_two_below(n), k, "{n}");
        }
    }
}
