//! Done-when: case summaries built to match Google's published 2013-H1 table
//! (`tests/data/google-global-user-data-requests.extract-2012H2-2013H1-2023H1.csv`,
//! copied from `reference/transparency/google/`) give a Google-style CSV that sets beside
//! Google's file: the same header, and every one of Google's rows (30 countries: 29 `All`
//! rows and the US by six legal processes) found in writ's with the same period, code, process and numbers.
//! What cannot be compared: country names (writ prints ISO 3166 names, Google CLDR's:
//! "United States of America" against "United States") and the rows writ adds (the US
//! `All` row, which Google leaves to the reader's sum; preservation).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments
)]

mod common;

use std::collections::BTreeMap;

use common::*;
use writ_core::{CountryCode, Timestamp};
use writ_report::{
    BandOption, CaseSummary, GOOGLE_COLUMNS, HalfYear, NsOptions, Outcome, Report, ReportOptions,
    Section, Style, google_legal_process, render_csv,
};

const GOOGLE: &str =
    include_str!("data/google-global-user-data-requests.extract-2012H2-2013H1-2023H1.csv");

/// Google's row: (code, legal process) → (requests, percent disclosed, accounts).
type Rows = BTreeMap<(String, String), (u64, u64, u64)>;

fn google_2013_h1() -> Rows {
    let records = parse_csv(GOOGLE);
    assert_eq!(records[0].join(","), GOOGLE_COLUMNS);
    records[1..]
        .iter()
        .filter(|r| r[0] == "2013-06-30")
        .map(|r| {
            let number = |i: usize| r[i].parse::<u64>().unwrap();
            (
                (r[2].clone(), r[3].clone()),
                (number(4), number(5), number(6)),
            )
        })
        .collect()
}

/// writ's instrument and section for one of Google's 2013-H1 legal processes.
fn instrument(process: &str) -> (&'static str, Section) {
    match process {
        "All" => ("foreign.legal_process", Section::Criminal),
        "Subpoenas" => ("us.subpoena", Section::Criminal),
        "Search Warrants" => ("us.search_warrant", Section::Criminal),
        "Other Court Orders" => ("us.court_order_2703d", Section::Criminal),
        "Pen Register Orders" => ("us.pen_register", Section::Criminal),
        "Wiretap Orders" => ("us.wiretap", Section::Criminal),
        "Emergency Disclosure Requests" => ("us.emergency", Section::Emergency),
        _ => panic!("no writ instrument for {process:?}"),
    }
}

/// The fewest disclosed cases of `requests` that round (half up) to `percent`.
fn disclosed(requests: u64, percent: u64) -> u64 {
    (0..=requests)
        .find(|d| (d * 100 + requests / 2) / requests == percent)
        .unwrap_or_else(|| panic!("{percent}% of {requests} is no whole number of cases"))
}

/// Per Google row, its requests as cases: the disclosed ones non-content, the rest no
/// data, accounts spread so they sum exactly. Plus one German preservation request,
/// which Google's 2013 table does not have.
fn summaries(google: &Rows) -> Vec<CaseSummary> {
    let received = at("2013-03-01T00:00:00Z");
    let mut out = Vec::new();
    let mut n = 0;
    for ((code, process), (requests, percent, accounts)) in google {
        let (instrument, section) = instrument(process);
        let disclosed = disclosed(*requests, *percent);
        for i in 0..*requests {
            let outcome = if i < disclosed {
                Outcome::NonContent
            } else {
                Outcome::NoData
            };
            let share = accounts / requests + u64::from(i < accounts % requests);
            n += 1;
            out.push(summary(
                1, n, received, code, instrument, section, share, outcome,
            ));
        }
    }
    out.push(summary(
        2,
        1,
        received,
        "DE",
        "foreign.legal_process",
        Section::Preservation,
        4,
        Outcome::NoData,
    ));
    out
}

fn report(summaries: &[CaseSummary]) -> Report {
    let options = ReportOptions::new(
        NsOptions::new(BandOption::Band1000),
        at("2014-03-01T00:00:00Z"),
    );
    let period = HalfYear::parse("2013-H1").unwrap();
    Report::build(summaries, period, anchor(), &options).unwrap()
}

#[test]
fn google_2013_h1_sets_beside_googles_file_row_by_row() {
    let google = google_2013_h1();
    let countries: std::collections::BTreeSet<&str> =
        google.keys().map(|(code, _)| code.as_str()).collect();
    // 29 countries with an `All` row, and the US by six legal processes.
    assert_eq!(countries.len(), 30);
    assert_eq!(google.len(), 29 + 6);

    let csv = render_csv(&report(&summaries(&google)), Style::Google);
    assert_eq!(csv.lines().next(), GOOGLE.lines().next());
    let tables = csv_tables(&csv);
    let main = table(&tables, "");
    let mut writ = Rows::new();
    for row in &main[1..] {
        assert_eq!(row.len(), 7, "{row:?}");
        assert_eq!(row[0], "2013-06-30");
        let code = CountryCode::parse(&row[2]).unwrap();
        assert_eq!(row[1], code.name());
        let percent = if row[3] == "Preservation Requests" {
            assert_eq!(row[5], "", "{row:?}");
            0
        } else {
            row[5].parse().unwrap()
        };
        let numbers = (row[4].parse().unwrap(), percent, row[6].parse().unwrap());
        let key = (row[2].clone(), row[3].clone());
        assert!(writ.insert(key, numbers).is_none(), "{row:?} twice");
    }

    // Every one of Google's rows, as Google published it.
    for (key, numbers) in &google {
        assert_eq!(writ.get(key), Some(numbers), "{key:?}");
    }
    // And what writ adds: the US total, and the preservation request.
    let extra: Vec<_> = writ.keys().filter(|k| !google.contains_key(*k)).collect();
    assert_eq!(
        extra,
        [
            &("DE".to_owned(), "Preservation Requests".to_owned()),
            &("US".to_owned(), "All".to_owned())
        ]
    );
    assert_eq!(writ[extra[0]], (1, 0, 4));
    let us: Vec<_> = google.iter().filter(|((c, _), _)| c == "US").collect();
    let (requests, accounts) = us
        .iter()
        .fold((0, 0), |(r, a), (_, (req, _, acc))| (r + req, a + acc));
    let disclosed: u64 = us.iter().map(|(_, (r, p, _))| disclosed(*r, *p)).sum();
    let (all_requests, all_percent, all_accounts) = writ[extra[1]];
    assert_eq!((all_requests, all_accounts), (requests, accounts));
    assert_eq!((requests, accounts), (10_918, 21_683));
    assert_eq!(all_percent, (disclosed * 100 + requests / 2) / requests);

    // Google's rows come in Google's order: the US's `All` first, then by name.
    let us_processes: Vec<&str> = main[1..]
        .iter()
        .filter(|r| r[2] == "US")
        .map(|r| r[3].as_str())
        .collect();
    assert_eq!(
        us_processes,
        [
            "All",
            "Emergency Disclosure Requests",
            "Other Court Orders",
            "Pen Register Orders",
            "Search Warrants",
            "Subpoenas",
            "Wiretap Orders"
        ]
    );
}

#[test]
fn writs_instruments_map_to_googles_legal_processes() {
    let us = CountryCode::parse("US").unwrap();
    let de = CountryCode::parse("DE").unwrap();
    let cases = [
        (us, "us.subpoena", "Subpoenas"),
        (us, "us.search_warrant", "Search Warrants"),
        (us, "us.court_order_2703d", "Other Court Orders"),
        (us, "us.pen_register", "Pen Register Orders"),
        (us, "us.wiretap", "Wiretap Orders"),
        (us, "emergency", "Emergency Disclosure Requests"),
        (us, "preservation", "Preservation Requests"),
        (us, "foreign.legal_process", "Other Legal Requests"),
        (de, "foreign.legal_process", "All"),
        (de, "emergency", "All"),
        (de, "preservation", "Preservation Requests"),
    ];
    for (country, process, google) in cases {
        assert_eq!(google_legal_process(country, process), google, "{process}");
    }
}

#[test]
fn a_country_with_only_preservation_has_no_all_row() {
    let when: Timestamp = at("2013-03-01T00:00:00Z");
    let only = [summary(
        3,
        1,
        when,
        "FR",
        "foreign.legal_process",
        Section::Preservation,
        2,
        Outcome::NoData,
    )];
    let csv = render_csv(&report(&only), Style::Google);
    let main = table(&csv_tables(&csv), "").clone();
    assert_eq!(
        main[1..],
        [[
            "2013-06-30",
            "France",
            "FR",
            "Preservation Requests",
            "1",
            "",
            "2"
        ]]
    );
}
