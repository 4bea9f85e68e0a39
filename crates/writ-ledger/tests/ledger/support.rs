//! Test helpers: a naive RFC 6962 reference written straight from the RFC's definitions
//! (with its own SHA-256, not writ-ledger's), and a driver for the `Needs` API that
//! plays the database.

use sha2::{Digest, Sha256};
use writ_ledger::{Hash, Known, LedgerError, MemoryLog, Needs};

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    Hash(hasher.finalize().into())
}

/// MTH({d(0)}) = SHA-256(0x00 || d(0)).
pub fn naive_leaf(entry: &[u8]) -> Hash {
    sha256(&[&[0x00], entry])
}

fn naive_node(left: Hash, right: Hash) -> Hash {
    sha256(&[&[0x01], &left.0, &right.0])
}

/// The largest power of two smaller than n (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 §2.1 MTH over leaf hashes.
pub fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => sha256(&[]),
        1 => leaves[0],
        n => {
            let k = split(n);
            naive_node(naive_root(&leaves[..k]), naive_root(&leaves[k..]))
        }
    }
}

/// RFC 6962 §2.1.1 PATH(m, D[n]).
pub fn naive_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = split(n);
    if m < k {
        let mut p = naive_path(m, &leaves[..k]);
        p.push(naive_root(&leaves[k..]));
        p
    } else {
        let mut p = naive_path(m - k, &leaves[k..]);
        p.push(naive_root(&leaves[..k]));
        p
    }
}

/// RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
pub fn naive_consistency(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if complete {
                vec![]
            } else {
                vec![naive_root(leaves)]
            };
        }
        let k = split(n);
        if m <= k {
            let mut p = subproof(m, &leaves[..k], complete);
            p.push(naive_root(&leaves[k..]));
            p
        } else {
            let mut p = subproof(m - k, &leaves[k..], false);
            p.push(naive_root(&leaves[..k]));
            p
        }
    }
    subproof(m, leaves, true)
}

/// Distinct entries (distinct leaves matter: with equal neighbours a wrong index can
/// legitimately verify).
pub fn entries(n: u64) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("event {i}").into_bytes()).collect()
}

pub fn log_of(entries: &[Vec<u8>]) -> MemoryLog {
    let mut log = MemoryLog::new();
    for entry in entries {
        log.append(entry).unwrap();
    }
    log
}

/// Drives a `Needs` operation to completion against `store` (the stored hashes a
/// database would hold), starting from nothing known, fetching what each round asks
/// for. Checks every request is sorted, distinct, new and inside the store.
pub fn drive<T>(
    store: &[Hash],
    op: impl Fn(&Known) -> Result<Needs<T>, LedgerError>,
) -> (T, usize) {
    let mut known = Known::new();
    for round in 1..=8 {
        match op(&known).unwrap() {
            Needs::Done(value) => return (value, round),
            Needs::Hashes(indexes) => {
                assert!(!indexes.is_empty(), "round {round}: asked for nothing");
                assert!(
                    indexes.windows(2).all(|w| w[0] < w[1]),
                    "round {round}: not sorted and distinct: {indexes:?}"
                );
                for index in indexes {
                    assert!(!known.contains_key(&index), "asked again for {index}");
                    let hash = store
                        .get(usize::try_from(index).unwrap())
                        .unwrap_or_else(|| panic!("asked for {index}, past the store"));
                    known.insert(index, *hash);
                }
            }
        }
    }
    panic!("no progress after 8 rounds");
}

pub fn hex(s: &str) -> Hash {
    assert_eq!(s.len(), 64);
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    Hash(out)
}
