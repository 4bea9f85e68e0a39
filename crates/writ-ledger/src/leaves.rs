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

/// The audit path of one leaf, from all the tree's leaves pushed one at a time, in
/// order: each hash of PATH(m, D[n]) is the root of a range of leaves beside the leaf's,
/// computed by a [`RootBuilder`] as its leaves stream past. O(log n) memory, so a proof
/// in a tree of a million records read from a database keeps no leaf.
#[derive(Clone, Debug)]
pub struct InclusionBuilder {
    size: u64,
    pushed: u64,
    /// The ranges whose roots are the path, from the leaf up, each with its builder.
    ranges: Vec<(std::ops::Range<u64>, RootBuilder)>,
}

impl InclusionBuilder {
    /// For leaf `index` of a tree of `size` leaves.
    pub fn new(index: u64, size: u64) -> Result<Self, LedgerError> {
        check_index(index, size)?;
        let mut ranges = Vec::new();
        let (mut start, mut end) = (0, size);
        while end - start > 1 {
            let split = start + largest_power_of_two_below_u64(end - start);
            if index < split {
                ranges.push((split..end, RootBuilder::new()));
                end = split;
            } else {
                ranges.push((start..split, RootBuilder::new()));
                start = split;
            }
        }
        ranges.reverse();
        Ok(Self {
            size,
            pushed: 0,
            ranges,
        })
    }

    /// Adds the next leaf, by its leaf hash.
    pub fn push(&mut self, leaf: Hash) -> Result<(), LedgerError> {
        check_index(self.pushed, self.size)?;
        let n = self.pushed;
        if let Some((_, builder)) = self.ranges.iter_mut().find(|(range, _)| range.contains(&n)) {
            builder.push(leaf)?;
        }
        self.pushed += 1;
        Ok(())
    }

    /// The audit path, once every leaf was pushed.
    pub fn proof(self) -> Result<Vec<Hash>, LedgerError> {
        if self.pushed != self.size {
            return Err(LedgerError::Merkle(format!(
                "{} leaves pushed of a tree of {}",
                self.pushed, self.size
            )));
        }
        Ok(self
            .ranges
            .iter()
            .map(|(_, builder)| builder.root())
            .collect())
    }
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
    fn streamed_proofs_are_the_proofs_of_the_slice() {
        for size in 1..=20u64 {
            let leaves: Vec<Hash> = (0..size)
                .map(|n| crate::leaf_hash(&n.to_be_bytes()))
                .collect();
            for index in 0..size {
                let mut builder = InclusionBuilder::new(index, size).unwrap();
                for leaf in &leaves {
                    builder.push(*leaf).unwrap();
                }
                let proof = builder.proof().unwrap();
                assert_eq!(
                    proof,
                    inclusion_proof_of(&leaves, index).unwrap(),
                    "{index}/{size}"
                );
            }
        }
        let mut short = InclusionBuilder::new(0, 2).unwrap();
        short.push(Hash([0; 32])).unwrap();
        assert!(short.proof().is_err());
        assert!(InclusionBuilder::new(2, 2).is_err());
    }

    #[test]
    fn splits_at_the_largest_power_of_two_below() {
        let cases = [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)];
        for (n, k) in cases {
            assert_eq!(largest_power_of_two_below(n), k, "{n}");
        }
    }
}
