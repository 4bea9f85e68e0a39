//! Inclusion and consistency proofs: the in-memory tree and the `Needs` API agree with
//! each other and with the naive reference, every proof verifies, and every altered
//! proof, leaf, root, index or size fails.

use std::sync::OnceLock;

use proptest::prelude::*;
use writ_ledger::{
    Hash, LedgerError, MAX_LOG_SIZE, MemoryLog, Needs, append_hashes, consistency_proof,
    inclusion_proof, leaf_hash, stored_hash_index, tree_hash, verify_consistency, verify_inclusion,
};

use crate::support::{drive, entries, log_of, naive_consistency, naive_path, naive_root};

const SIZES: u64 = 300;

fn log_300() -> &'static MemoryLog {
    static LOG: OnceLock<MemoryLog> = OnceLock::new();
    LOG.get_or_init(|| log_of(&entries(SIZES)))
}

fn leaves(log: &MemoryLog) -> Vec<Hash> {
    (0..log.size()).map(|i| log.leaf(i).unwrap()).collect()
}

/// The roots of every prefix, from both APIs and the reference, which must agree.
fn roots(log: &MemoryLog) -> Vec<Hash> {
    let leaves = leaves(log);
    (0..=log.size())
        .map(|size| {
            let memory = log.tree_hash(size).unwrap();
            let (needs, _) = drive(log.stored_hashes(), |k| tree_hash(size, k));
            assert_eq!(memory, needs, "size {size}");
            assert_eq!(memory, naive_root(&leaves[..size as usize]), "size {size}");
            memory
        })
        .collect()
}

fn flipped(proof: &[Hash], at: usize) -> Vec<Hash> {
    let mut bad = proof.to_vec();
    bad[at].0[at % 32] ^= 0x01;
    bad
}

#[test]
fn appending_through_needs_builds_the_same_store() {
    let log = log_300();
    let mut store: Vec<Hash> = Vec::new();
    for n in 0..log.size() {
        let leaf = log.leaf(n).unwrap();
        assert_eq!(store.len() as u64, stored_hash_index(0, n));
        let (new, rounds) = drive(&store, |k| append_hashes(n, leaf, k));
        assert!(rounds <= 2, "append {n} took {rounds} rounds");
        assert_eq!(new[0], leaf);
        store.extend(new);
    }
    assert_eq!(store, log.stored_hashes());
}

#[test]
fn first_append_needs_nothing() {
    let leaf = leaf_hash(b"first");
    assert_eq!(
        append_hashes(0, leaf, &Default::default()).unwrap(),
        Needs::Done(vec![leaf])
    );
    // Leaf 1 completes the subtree [0, 2): it needs leaf 0's hash, at index 0.
    assert_eq!(
        append_hashes(1, leaf, &Default::default()).unwrap(),
        Needs::Hashes(vec![0])
    );
}

#[test]
fn inclusion_for_every_size_and_index() {
    let log = log_300();
    let roots = roots(log);
    let leaves = leaves(log);
    for size in 1..=SIZES {
        let root = roots[size as usize];
        for index in 0..size {
            let memory = log.inclusion_proof(index, size).unwrap();
            let (needs, _) = drive(log.stored_hashes(), |k| inclusion_proof(index, size, k));
            assert_eq!(memory, needs, "{index} in {size}");
            if size <= 64 {
                let naive = naive_path(index as usize, &leaves[..size as usize]);
                assert_eq!(memory, naive, "{index} in {size}");
            }
            verify_inclusion(&memory, index, size, root, leaves[index as usize])
                .unwrap_or_else(|e| panic!("{index} in {size}: {e}"));
        }
    }
}

#[test]
fn altered_inclusion_fails() {
    let log = log_300();
    let roots = roots(log);
    let leaves = leaves(log);
    let fails = |proof: &[Hash], index: u64, size: u64, root: Hash, leaf: Hash| {
        verify_inclusion(proof, index, size, root, leaf).is_err()
    };
    for size in 1..=64 {
        let root = roots[size as usize];
        for index in 0..size {
            let leaf = leaves[index as usize];
            let proof = log.inclusion_proof(index, size).unwrap();
            let case = format!("{index} in {size}");
            for at in 0..proof.len() {
                assert!(
                    fails(&flipped(&proof, at), index, size, root, leaf),
                    "{case}: hash {at}"
                );
            }
            if let Some((_, shorter)) = proof.split_last() {
                assert!(fails(shorter, index, size, root, leaf), "{case}: truncated");
            }
            let mut longer = proof.clone();
            longer.push(root);
            assert!(fails(&longer, index, size, root, leaf), "{case}: extended");
            assert!(
                fails(&proof, index, size, root, leaf_hash(b"forged")),
                "{case}: leaf"
            );
            assert!(
                fails(&proof, index, size, roots[size as usize - 1], leaf),
                "{case}: root"
            );
            for other in (0..size).filter(|&j| j != index) {
                assert!(
                    fails(&proof, other, size, root, leaf),
                    "{case}: as index {other}"
                );
            }
            for other in (index + 1..=128).filter(|&s| s != size) {
                let other_root = roots[other as usize];
                assert!(
                    fails(&proof, index, other, other_root, leaf),
                    "{case}: as size {other}"
                );
            }
        }
    }
}

#[test]
fn consistency_for_all_pairs_up_to_100_and_a_sample_beyond() {
    let log = log_300();
    let roots = roots(log);
    let leaves = leaves(log);
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    for to in 1..=100 {
        pairs.extend((1..=to).map(|from| (from, to)));
    }
    for to in 101..=SIZES {
        let scrambled = (to.wrapping_mul(6_364_136_223_846_793_005) >> 33) % to + 1;
        let mut froms = vec![1, 2, 3, to / 2, to - 1, to, scrambled];
        froms.extend((0..9).map(|b| 1 << b).filter(|&p| p <= to));
        froms.sort_unstable();
        froms.dedup();
        pairs.extend(froms.into_iter().map(|from| (from, to)));
    }
    for (from, to) in pairs {
        let memory = log.consistency_proof(from, to).unwrap();
        let (needs, _) = drive(log.stored_hashes(), |k| consistency_proof(from, to, k));
        assert_eq!(memory, needs, "{from} to {to}");
        if to <= 40 {
            let naive = naive_consistency(from as usize, &leaves[..to as usize]);
            assert_eq!(memory, naive, "{from} to {to}");
        }
        let (old, new) = (roots[from as usize], roots[to as usize]);
        verify_consistency(&memory, from, old, to, new)
            .unwrap_or_else(|e| panic!("{from} to {to}: {e}"));
    }
}

#[test]
fn altered_consistency_fails() {
    let log = log_300();
    let roots = roots(log);
    let forged = leaf_hash(b"forged");
    let mut history = entries(64);
    history[0] = b"rewritten".to_vec();
    let rewritten = log_of(&history);
    for to in 1..=64_u64 {
        for from in 1..=to {
            let (old, new) = (roots[from as usize], roots[to as usize]);
            let proof = log.consistency_proof(from, to).unwrap();
            let case = format!("{from} to {to}");
            let fails = |p: &[Hash], f: u64, fr: Hash, t: u64, tr: Hash| {
                verify_consistency(p, f, fr, t, tr).is_err()
            };
            for at in 0..proof.len() {
                assert!(
                    fails(&flipped(&proof, at), from, old, to, new),
                    "{case}: hash {at}"
                );
            }
            if let Some((_, shorter)) = proof.split_last() {
                assert!(fails(shorter, from, old, to, new), "{case}: truncated");
            }
            let mut longer = proof.clone();
            longer.push(new);
            assert!(fails(&longer, from, old, to, new), "{case}: extended");
            assert!(fails(&proof, from, forged, to, new), "{case}: old root");
            assert!(fails(&proof, from, old, to, forged), "{case}: new root");
            for other in [from - 1, from + 1]
                .into_iter()
                .filter(|&f| 1 <= f && f <= to)
            {
                let other_root = roots[other as usize];
                assert!(
                    fails(&proof, other, other_root, to, new),
                    "{case}: as from {other}"
                );
            }
            if from < to {
                // A rewritten history: same sizes, a different first event.
                let forged_proof = rewritten.consistency_proof(from, to).unwrap();
                let forged_new = rewritten.tree_hash(to).unwrap();
                assert!(
                    fails(&forged_proof, from, old, to, forged_new),
                    "{case}: rewritten"
                );
            }
        }
    }
}

#[test]
fn out_of_range_inputs_are_errors_not_panics() {
    let log = log_300();
    let known = Default::default();
    let h = leaf_hash(b"x");
    let index_error =
        |r: Result<(), LedgerError>| matches!(r, Err(LedgerError::IndexOutOfRange { .. }));
    assert!(index_error(verify_inclusion(&[], 0, 0, h, h)));
    assert!(index_error(verify_inclusion(&[], 5, 5, h, h)));
    assert!(matches!(
        log.inclusion_proof(3, 3),
        Err(LedgerError::IndexOutOfRange { index: 3, size: 3 })
    ));
    assert!(matches!(
        inclusion_proof(0, 0, &known),
        Err(LedgerError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        log.inclusion_proof(0, SIZES + 1),
        Err(LedgerError::BeyondLog {
            size: 301,
            log_size: 300
        })
    ));
    assert!(matches!(
        log.tree_hash(SIZES + 1),
        Err(LedgerError::BeyondLog { .. })
    ));
    assert!(matches!(
        log.consistency_proof(1, SIZES + 1),
        Err(LedgerError::BeyondLog { .. })
    ));

    for (from, to) in [(0, 0), (0, 5), (6, 5)] {
        assert!(matches!(
            log.consistency_proof(from, to),
            Err(LedgerError::BadRange { .. })
        ));
        assert!(matches!(
            consistency_proof(from, to, &known),
            Err(LedgerError::BadRange { .. })
        ));
        assert!(matches!(
            verify_consistency(&[], from, h, to, h),
            Err(LedgerError::BadRange { .. })
        ));
    }

    let huge = MAX_LOG_SIZE + 1;
    assert!(matches!(
        tree_hash(huge, &known),
        Err(LedgerError::TooLarge { .. })
    ));
    assert!(matches!(
        tree_hash(u64::MAX, &known),
        Err(LedgerError::TooLarge { .. })
    ));
    assert!(matches!(
        append_hashes(u64::MAX, h, &known),
        Err(LedgerError::TooLarge { .. })
    ));
    assert!(matches!(
        append_hashes(MAX_LOG_SIZE, h, &known),
        Err(LedgerError::TooLarge { .. })
    ));
    assert!(matches!(
        inclusion_proof(0, huge, &known),
        Err(LedgerError::TooLarge { .. })
    ));
    assert!(matches!(
        consistency_proof(1, huge, &known),
        Err(LedgerError::TooLarge { .. })
    ));
    assert!(matches!(
        verify_inclusion(&[], 0, u64::MAX, h, h),
        Err(LedgerError::TooLarge { .. })
    ));
    assert!(matches!(
        verify_consistency(&[], 1, h, u64::MAX, h),
        Err(LedgerError::TooLarge { .. })
    ));

    // The largest tree is still usable: its first stored hash request is in range.
    match tree_hash(MAX_LOG_SIZE, &known).unwrap() {
        Needs::Hashes(indexes) => assert_eq!(indexes.len(), 1),
        Needs::Done(_) => panic!("cannot be done with nothing known"),
    }
    match inclusion_proof(MAX_LOG_SIZE - 1, MAX_LOG_SIZE, &known).unwrap() {
        Needs::Hashes(indexes) => assert_eq!(indexes.len(), 62),
        Needs::Done(_) => panic!("cannot be done with nothing known"),
    }

    // A "proof" of absurd length is refused before any hashing.
    let long = vec![h; 10_000];
    assert!(matches!(
        verify_inclusion(&long, 0, 8, h, h),
        Err(LedgerError::ProofFailed)
    ));
    assert!(matches!(
        verify_consistency(&long, 1, h, 8, h),
        Err(LedgerError::ProofFailed)
    ));
    // Equal sizes need equal roots and an empty proof.
    verify_consistency(&[], 7, h, 7, h).unwrap();
    assert!(matches!(
        verify_consistency(&[], 7, h, 7, leaf_hash(b"y")),
        Err(LedgerError::ProofFailed)
    ));
    assert!(matches!(
        verify_consistency(&[h], 7, h, 7, h),
        Err(LedgerError::ProofFailed)
    ));
}

fn log_5000() -> &'static MemoryLog {
    static LOG: OnceLock<MemoryLog> = OnceLock::new();
    LOG.get_or_init(|| log_of(&entries(5000)))
}

proptest! {
    #[test]
    fn larger_trees_agree_and_verify(size in 1..=5000_u64, a in any::<u64>(), b in any::<u64>()) {
        let log = log_5000();
        let root = log.tree_hash(size).unwrap();
        let (needs_root, _) = drive(log.stored_hashes(), |k| tree_hash(size, k));
        prop_assert_eq!(root, needs_root);

        let index = a % size;
        let proof = log.inclusion_proof(index, size).unwrap();
        let (needs_proof, _) = drive(log.stored_hashes(), |k| inclusion_proof(index, size, k));
        prop_assert_eq!(&proof, &needs_proof);
        prop_assert!(verify_inclusion(&proof, index, size, root, log.leaf(index).unwrap()).is_ok());
        prop_assert!(verify_inclusion(&proof, index, size, root, leaf_hash(b"forged")).is_err());

        let from = b % size + 1;
        let old = log.tree_hash(from).unwrap();
        let proof = log.consistency_proof(from, size).unwrap();
        let (needs_proof, _) = drive(log.stored_hashes(), |k| consistency_proof(from, size, k));
        prop_assert_eq!(&proof, &needs_proof);
        prop_assert!(verify_consistency(&proof, from, old, size, root).is_ok());
        if from < size {
            prop_assert!(verify_consistency(&proof, from, old, size, old).is_err());
        }
    }
}
