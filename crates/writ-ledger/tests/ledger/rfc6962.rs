//! RFC 6962 known values: hash prefixes, the empty tree, the CT/Trillian reference tree
//! (roots, audit paths and consistency proofs for its eight leaves), a naive reference
//! for random trees, and the stored-hash layout and hash encoding.

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use writ_ledger::{
    EMPTY_TREE_HASH, Hash, Known, LedgerError, MemoryLog, Needs, leaf_hash, node_hash,
    stored_hash_count, stored_hash_index, tree_hash,
};

use crate::support::{hex, log_of, naive_leaf, naive_root};

/// The leaves of the reference tree used by Certificate Transparency and Trillian tests.
pub fn ct_leaves() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    })
    .collect()
}

/// Roots of the reference tree at sizes 0..=8 (Trillian `merkle/testonly`), checked
/// independently with Python's hashlib when this test was written.
pub const CT_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[test]
fn empty_tree_is_sha256_of_nothing() {
    let sha_of_empty: [u8; 32] = Sha256::digest(b"").into();
    assert_eq!(EMPTY_TREE_HASH, Hash(sha_of_empty));
    assert_eq!(EMPTY_TREE_HASH, hex(CT_ROOTS[0]));
    assert_eq!(MemoryLog::new().tree_hash(0).unwrap(), EMPTY_TREE_HASH);
    assert_eq!(MemoryLog::new().root().unwrap(), EMPTY_TREE_HASH);
    assert_eq!(
        tree_hash(0, &Known::new()).unwrap(),
        Needs::Done(EMPTY_TREE_HASH)
    );
}

#[test]
fn leaf_and_node_hashes_use_the_rfc_prefixes() {
    let sha = |bytes: &[u8]| Hash(Sha256::digest(bytes).into());
    assert_eq!(leaf_hash(b"hello"), sha(b"\x00hello"));
    assert_eq!(leaf_hash(b""), hex(CT_ROOTS[1]));
    assert_ne!(leaf_hash(b"hello"), sha(b"hello"));

    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let mut node = vec![0x01];
    node.extend_from_slice(&a.0);
    node.extend_from_slice(&b.0);
    assert_eq!(node_hash(a, b), sha(&node));
    assert_ne!(node_hash(a, b), node_hash(b, a));
}

#[test]
fn reference_tree_roots_at_every_size() {
    let leaves = ct_leaves();
    let log = log_of(&leaves);
    for (size, want) in CT_ROOTS.iter().enumerate() {
        assert_eq!(
            log.tree_hash(size as u64).unwrap(),
            hex(want),
            "size {size}"
        );
        let hashes: Vec<Hash> = leaves[..size].iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(naive_root(&hashes), hex(want), "naive, size {size}");
    }
}

#[test]
fn reference_tree_audit_paths() {
    // (index, size, path) from Trillian's proof tests, indexes 0-based.
    let vectors: [(u64, u64, &[&str]); 5] = [
        (0, 1, &[]),
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
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
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
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
    let log = log_of(&ct_leaves());
    for (index, size, path) in vectors {
        let want: Vec<Hash> = path.iter().map(|h| hex(h)).collect();
        assert_eq!(
            log.inclusion_proof(index, size).unwrap(),
            want,
            "{index} in {size}"
        );
        writ_ledger::verify_inclusion(
            &want,
            index,
            size,
            hex(CT_ROOTS[size as usize]),
            log.leaf(index).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn reference_tree_consistency_proofs() {
    let vectors: [(u64, u64, &[&str]); 4] = [
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    let log = log_of(&ct_leaves());
    for (from, to, proof) in vectors {
        let want: Vec<Hash> = proof.iter().map(|h| hex(h)).collect();
        assert_eq!(
            log.consistency_proof(from, to).unwrap(),
            want,
            "{from} to {to}"
        );
        writ_ledger::verify_consistency(
            &want,
            from,
            hex(CT_ROOTS[from as usize]),
            to,
            hex(CT_ROOTS[to as usize]),
        )
        .unwrap();
    }
}

#[test]
fn small_fixed_tree() {
    // MTH of entries "a", "b", "c", computed independently (Python hashlib) when written.
    let want = "NmQuc8JUCrEh46a/lUWwokmCzYMOsT080Z3jzmwCHsE=";
    let entries = [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
    let log = log_of(&entries);
    assert_eq!(log.root().unwrap().to_string(), want);
    let leaves: Vec<Hash> = entries.iter().map(|e| naive_leaf(e)).collect();
    assert_eq!(naive_root(&leaves).to_string(), want);
    // By hand: node(node(a, b), c).
    assert_eq!(
        node_hash(node_hash(leaves[0], leaves[1]), leaves[2]).to_string(),
        want
    );
}

#[test]
fn stored_hash_layout_is_go_tlogs() {
    // Leaf 0; leaf 1, node(0..2); leaf 2; leaf 3, node(2..4), node(0..4); leaf 4 ...
    let layout = [
        (0, 0, 0),
        (0, 1, 1),
        (1, 0, 2),
        (0, 2, 3),
        (0, 3, 4),
        (1, 1, 5),
        (2, 0, 6),
        (0, 4, 7),
    ];
    for (level, n, index) in layout {
        assert_eq!(stored_hash_index(level, n), index, "level {level} n {n}");
    }
    let counts = [0, 1, 3, 4, 7, 8, 10, 11, 15];
    for (size, count) in counts.iter().enumerate() {
        assert_eq!(stored_hash_count(size as u64), *count, "size {size}");
        let log = log_of(&crate::support::entries(size as u64));
        assert_eq!(log.stored_hashes().len() as u64, *count);
    }
}

#[test]
fn hash_text_form_is_canonical_base64() {
    let h = leaf_hash(b"x");
    let text = h.to_string();
    assert_eq!(text.len(), 44);
    assert_eq!(text.parse::<Hash>().unwrap(), h);
    assert_eq!(format!("{h:?}"), format!("Hash({text})"));

    // 32 zero bytes, then with non-zero padding bits in the last character.
    let zero = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert_eq!(zero.parse::<Hash>().unwrap(), Hash([0; 32]));
    let non_canonical = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=";
    for bad in [
        non_canonical,
        "",
        "AAAA",
        &text[..43],
        &format!("{text}A"),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        assert!(
            matches!(bad.parse::<Hash>(), Err(LedgerError::Malformed(_))),
            "{bad:?} parsed"
        );
    }

    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(json, format!("\"{text}\""));
    assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
    assert!(serde_json::from_str::<Hash>("\"AAAA\"").is_err());
}

proptest! {
    #[test]
    fn memory_log_matches_naive_reference(
        entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..80)
    ) {
        let log = log_of(&entries);
        let leaves: Vec<Hash> = entries.iter().map(|e| naive_leaf(e)).collect();
        for size in 0..=leaves.len() {
            prop_assert_eq!(log.tree_hash(size as u64).unwrap(), naive_root(&leaves[..size]));
        }
        for (i, leaf) in leaves.iter().enumerate() {
            prop_assert_eq!(log.leaf(i as u64), Some(*leaf));
        }
        prop_assert_eq!(log.leaf(leaves.len() as u64), None);
    }

    #[test]
    fn hash_text_round_trips(bytes in any::<[u8; 32]>()) {
        let h = Hash(bytes);
        prop_assert_eq!(h.to_string().parse::<Hash>().unwrap(), h);
        let json = serde_json::to_string(&h).unwrap();
        prop_assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
    }
}
