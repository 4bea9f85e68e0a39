//! For any set of items: the production verifies clean, and a flipped byte in any item
//! is reported for that item and nothing else.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use writ_seal::Problem;

use crate::helpers::{Fixture, entry};

/// `items/` and one to three directories from a safe alphabet, then a file name ending
/// `.bin`: as directories never end so, no path is another's directory.
fn item_path() -> impl Strategy<Value = String> {
    (
        prop::collection::vec("[a-z0-9_-]{1,8}", 0..3),
        "[a-zA-Z0-9_. -]{0,10}",
    )
        .prop_map(|(dirs, name)| {
            let mut path = String::from("items/");
            for dir in dirs {
                path.push_str(&dir);
                path.push('/');
            }
            path.push_str(&name);
            path.push_str(".bin");
            path
        })
}

fn item_set() -> impl Strategy<Value = BTreeMap<String, Vec<u8>>> {
    prop::collection::btree_map(
        item_path(),
        prop::collection::vec(any::<u8>(), 0..4096),
        0..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_items_seal_and_verify_and_a_flipped_byte_is_pinned_on_its_item(
        items in item_set(),
        which in any::<Index>(),
        at in any::<Index>(),
        flip in 1u8..=255,
    ) {
        let borrowed: Vec<(&str, &[u8])> =
            items.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
        let fixture = Fixture::new(&borrowed);
        let production = fixture.seal();
        let verification = fixture.verify(&production);
        prop_assert_eq!(&verification.problems, &Vec::<Problem>::new());
        prop_assert_eq!(verification.manifest.as_ref(), Some(&fixture.manifest));

        let non_empty: Vec<&String> =
            items.iter().filter(|(_, b)| !b.is_empty()).map(|(p, _)| p).collect();
        if non_empty.is_empty() {
            return Ok(());
        }
        let target = non_empty[which.index(non_empty.len())];
        let mut entries = fixture.open(&production);
        let bytes = entry(&mut entries, target);
        let i = at.index(bytes.len());
        bytes[i] ^= flip;

        let verification = fixture.verify(&fixture.reseal(&entries));
        prop_assert_eq!(verification.problems.len(), 1, "{:?}", verification.problems);
        let is_hash = matches!(&verification.problems[0], Problem::Hash { path, .. } if path == target);
        prop_assert!(is_hash, "{:?}", verification.problems);
    }
}
