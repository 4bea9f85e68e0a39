//! Helpers shared by the integration tests: summaries, an anchor, a CSV reader.

#![allow(dead_code)]

use writ_core::{CaseId, CountryCode, Timestamp};
use writ_report::{Anchor, CaseSummary, Customer, Outcome, Section};

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// Case ids that are valid UUIDs and unique per `n` (and `salt`).
pub fn id(salt: u32, n: u64) -> CaseId {
    CaseId::parse(&format!("{salt:08x}-0000-4000-8000-{n:012x}")).unwrap()
}

pub fn summary(
    salt: u32,
    n: u64,
    received_at: Timestamp,
    country: &str,
    instrument: &str,
    section: Section,
    accounts: u64,
    outcome: Outcome,
) -> CaseSummary {
    CaseSummary {
        id: id(salt, n),
        received_at,
        authority_country: CountryCode::parse(country).unwrap(),
        instrument: instrument.to_owned(),
        section,
        customer: Customer::Consumer,
        accounts,
        outcome,
        data_stored_abroad: false,
        customer_notified: false,
        red_line: false,
    }
}

pub fn anchor() -> Anchor {
    Anchor {
        size: 123_456,
        root: "q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1w=".to_owned(),
        note: "writ.example/audit\n123456\nq1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1w=\n\n— writ.example/audit AAAAsignature==\n".to_owned(),
    }
}

/// A small RFC 4180 reader: records of fields, quotes and embedded line breaks handled.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\r' => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// The CSV's tables by name: the first (unnamed) one is `""`; each is header + rows.
pub fn csv_tables(text: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let mut tables = vec![(String::new(), Vec::new())];
    for record in parse_csv(text) {
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() == 1
            && let Some(name) = record[0].strip_prefix("# ")
        {
            tables.push((name.to_owned(), Vec::new()));
            continue;
        }
        tables.last_mut().unwrap().1.push(record);
    }
    tables
}

pub fn table<'a>(tables: &'a [(String, Vec<Vec<String>>)], name: &str) -> &'a Vec<Vec<String>> {
    &tables
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no table {name}"))
        .1
}
