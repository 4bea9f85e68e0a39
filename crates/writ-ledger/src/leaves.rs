//! Trees whose leaves the caller holds or streams, rather than a log's stored hashes: a
//! root computed leaf by leaf in O(log n) memory ([`RootBuilder`], for a verifier that
//! reads a million records and keeps none), and the root and inclusion proof over a
//! slice of leaf hashes. Same trees, roots and proofs as [`crate::MemoryLog`].

use crate::tree::{check_index, check_size};
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

/// The largest power of two strictly below `n` (`n > 1`).
fn largest_power_of_two_below(n: usize) -> usize {
    n.next_power_of_two() / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_largest_power_of_two_below() {
        let cases = [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)];
        for (n, k) in cases {
            assert_eq!(largest_power_of_two_below(n), k, "{n}");
        }
    }
}
