//! Trees over leaves the caller holds: `RootBuilder`, `root_of` and `inclusion_proof_of`
//! against the RFC 6962 reference tree's known roots and audit paths, and against the
//! naive reference and `MemoryLog` on random trees.

use proptest::prelude::*;
use writ_ledger::{
    EMPTY_TREE_HASH, Hash, LedgerError, RootBuilder, inclusion_proof_of, leaf_hash, root_of,
    verify_inclusion,
};

use crate::rfc6962::{CT_ROOTS, ct_leaves};
use crate::support::{hex, log_of, naive_leaf, naive_path, naive_root};

fn ct_leaf_hashes() -> Vec<Hash> {
    ct_leaves().iter().map(|e| leaf_hash(e)).collect()
}

#[test]
fn streamed_roots_match_the_reference_tree_at_every_size() {
    let leaves = ct_leaf_hashes();
    let mut builder = RootBuilder::new();
    assert_eq!(builder.root(), EMPTY_TREE_HASH);
    for (size, leaf) in leaves.iter().enumerate() {
        builder.push(*leaf).unwrap();
        assert_eq!(builder.size(), size as u64 + 1);
        assert_eq!(builder.root(), hex(CT_ROOTS[size + 1]), "size {}", size + 1);
    }
    for (size, want) in CT_ROOTS.iter().enumerate() {
        assert_eq!(root_of(&leaves[..size]).unwrap(), hex(want), "size {size}");
    }
}

#[test]
fn slice_proofs_match_the_reference_audit_paths() {
    let leaves = ct_leaf_hashes();
    // (index, size, path) from Trillian's proof tests, as in rfc6962.rs.
    let vectors: [(u64, usize, &[&str]); 3] = [
        (0, 1, &[]),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (index, size, path) in vectors {
        let want: Vec<Hash> = path.iter().map(|h| hex(h)).collect();
        let proof = inclusion_proof_of(&leaves[..size], index).unwrap();
        assert_eq!(proof, want, "{index} in {size}");
        let root = hex(CT_ROOTS[size]);
        verify_inclusion(&proof, index, size as u64, root, leaves[index as usize]).unwrap();
    }
}

#[test]
fn a_proof_past_the_end_is_refused() {
    let leaves = ct_leaf_hashes();
    assert!(matches!(
        inclusion_proof_of(&leaves, 8),
        Err(LedgerError::IndexOutOfRange { index: 8, size: 8 })
    ));
    assert!(inclusion_proof_of(&[], 0).is_err());
}

proptest! {
    #[test]
    fn leaf_trees_match_the_naive_reference_and_the_memory_log(
        entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 1..40)
    ) {
        let leaves: Vec<Hash> = entries.iter().map(|e| naive_leaf(e)).collect();
        let log = log_of(&entries);
        let root = root_of(&leaves).unwrap();
        prop_assert_eq!(root, naive_root(&leaves));
        prop_assert_eq!(root, log.root().unwrap());
        let size = leaves.len() as u64;
        for (i, leaf) in leaves.iter().enumerate() {
            let proof = inclusion_proof_of(&leaves, i as u64).unwrap();
            prop_assert_eq!(&proof, &naive_path(i, &leaves));
            prop_assert_eq!(&proof, &log.inclusion_proof(i as u64, size).unwrap());
            prop_assert!(verify_inclusion(&proof, i as u64, size, root, *leaf).is_ok());
        }
    }
}
