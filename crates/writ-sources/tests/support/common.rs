//! What the source tests share: times, periods, selections, and reading an item whole.

#![allow(dead_code)]

use writ_core::Timestamp;
use writ_core::demand::{Category, Period};
use writ_sources::{AccountId, ItemRef, Selection, Source};

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

pub fn plus_micros(t: Timestamp, micros: i64) -> Timestamp {
    Timestamp::from_unix_micros(t.unix_micros() + micros).unwrap()
}

pub fn february() -> Period {
    Period::new(at("2026-02-01T00:00:00Z"), at("2026-02-28T23:59:59Z")).unwrap()
}

/// Every category of data.
pub fn all() -> Vec<Category> {
    Category::DATA.to_vec()
}

pub fn selection(categories: &[Category], period: Option<Period>) -> Selection {
    Selection {
        categories: categories.to_vec(),
        period,
    }
}

/// `item` of `account`, read whole; the count `fetch` returns must match.
pub async fn fetch(source: &dyn Source, account: &str, item: &ItemRef) -> Vec<u8> {
    let mut out = Vec::new();
    let written = source
        .fetch(&AccountId(account.into()), item, &mut out)
        .await
        .unwrap();
    assert_eq!(written, out.len() as u64, "{}: bytes written", item.key);
    out
}
