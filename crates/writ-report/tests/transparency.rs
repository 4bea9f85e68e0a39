//! The verifiable report: public records, the report tree, the verifier over records
//! and a published report, and receipts. Tampering is caught and named.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments
)] // tests stop loudly; `common::summary` takes every field

mod common;

use common::{anchor, at, summary};
use proptest::prelude::*;
use serde_json::Value;
use writ_core::{CaseId, CountryCode, Timestamp};
use writ_report::{
    BandOption, CaseSecret, CaseSummary, CountOpening, Customer, HalfYear, NsCategory, NsOptions,
    Outcome, ProveError, PublicRecord, Publication, PublicationEvent, PublishedReport, Receipt,
    RecordProof, Report, ReportOptions, ReportTree, Section, VerifyError, prove_receipt,
    render_html, render_json, verify_records,
};

fn h1() -> HalfYear {
    HalfYear::parse("2013-H1").unwrap()
}

/// A deterministic secret per case number.
fn secret(n: u8) -> CaseSecret {
    CaseSecret::from_bytes([n; 32])
}

/// Cases of 2013-H1 across sections, countries and outcomes; two national-security
/// cases and an assistance order (never records); one case from 2013-H2 and one from
/// 2012-H2 (outside the period).
fn cases() -> Vec<(CaseSummary, CaseSecret)> {
    let rows: [(&str, &str, &str, Section, u64, Outcome); 14] = [
        (
            "2013-01-03T10:00:00Z",
            "DE",
            "foreign.legal_process",
            Section::Criminal,
            2,
            Outcome::NonContent,
        ),
        (
            "2013-01-20T10:00:00Z",
            "DE",
            "foreign.legal_process",
            Section::Criminal,
            1,
            Outcome::Content,
        ),
        (
            "2013-02-11T08:30:00Z",
            "DE",
            "foreign.legal_process",
            Section::Criminal,
            1,
            Outcome::NoData,
        ),
        (
            "2013-02-28T23:59:59Z",
            "FR",
            "foreign.legal_process",
            Section::Criminal,
            3,
            Outcome::Rejected,
        ),
        (
            "2013-03-01T00:00:00Z",
            "US",
            "us.search_warrant",
            Section::Criminal,
            1,
            Outcome::Content,
        ),
        (
            "2013-03-15T12:00:00Z",
            "US",
            "us.subpoena",
            Section::Criminal,
            4,
            Outcome::NonContent,
        ),
        (
            "2013-04-02T09:00:00Z",
            "US",
            "us.emergency",
            Section::Emergency,
            1,
            Outcome::NonContent,
        ),
        (
            "2013-05-05T05:05:05Z",
            "GB",
            "gb.preservation",
            Section::Preservation,
            2,
            Outcome::Pending,
        ),
        (
            "2013-06-30T23:59:59Z",
            "GB",
            "foreign.legal_process",
            Section::Criminal,
            1,
            Outcome::Withdrawn,
        ),
        (
            "2013-02-02T02:02:02Z",
            "US",
            "us.nsl",
            Section::NationalSecurity,
            1,
            Outcome::NonContent,
        ),
        (
            "2013-03-03T03:03:03Z",
            "US",
            "us.fisa_order",
            Section::NationalSecurity,
            5,
            Outcome::Content,
        ),
        (
            "2013-04-04T04:04:04Z",
            "US",
            "us.all_writs",
            Section::Assistance,
            1,
            Outcome::Rejected,
        ),
        (
            "2013-07-01T00:00:00Z",
            "DE",
            "foreign.legal_process",
            Section::Criminal,
            1,
            Outcome::Content,
        ),
        (
            "2012-12-31T23:59:59Z",
            "DE",
            "foreign.legal_process",
            Section::Criminal,
            1,
            Outcome::Content,
        ),
    ];
    rows.iter()
        .enumerate()
        .map(
            |(i, (when, country, instrument, section, accounts, outcome))| {
                let mut s = summary(
                    20,
                    i as u64,
                    at(when),
                    country,
                    instrument,
                    *section,
                    *accounts,
                    *outcome,
                );
                if i == 1 {
                    s.customer = Customer::Enterprise;
                    s.customer_notified = true;
                }
                if i == 4 {
                    s.data_stored_abroad = true;
                }
                if i == 3 {
                    s.red_line = true;
                }
                (s, secret(i as u8 + 1))
            },
        )
        .collect()
}

struct Published {
    tree: ReportTree,
    json: String,
    records: String,
}

impl Published {
    fn report(&self) -> PublishedReport {
        PublishedReport::from_json(&self.json).unwrap()
    }

    fn verify(&self) -> Result<writ_report::Verified, VerifyError> {
        verify_records(self.records.as_bytes(), &self.report())
    }

    fn with_records(&self, records: String) -> Result<writ_report::Verified, VerifyError> {
        verify_records(records.as_bytes(), &self.report())
    }

    fn with_json(
        &self,
        edit: impl FnOnce(&mut Value),
    ) -> Result<writ_report::Verified, VerifyError> {
        let mut json: Value = serde_json::from_str(&self.json).unwrap();
        edit(&mut json);
        let report = PublishedReport::from_json(&json.to_string()).unwrap();
        verify_records(self.records.as_bytes(), &report)
    }

    fn lines(&self) -> Vec<String> {
        self.records.lines().map(str::to_owned).collect()
    }
}

/// The report as the server would publish it: every case's summary, the tree of the
/// period's records, its head in the report.
fn publish(cases: &[(CaseSummary, CaseSecret)], period: HalfYear) -> Published {
    let tree = ReportTree::of_cases(period, cases.iter().map(|(s, k)| (s, k))).unwrap();
    let summaries: Vec<CaseSummary> = cases.iter().map(|(s, _)| s.clone()).collect();
    let options = ReportOptions::new(
        NsOptions::new(BandOption::Band500),
        at("2020-01-01T00:00:00Z"),
    );
    let mut report = Report::build(&summaries, period, anchor(), &options).unwrap();
    report.records = Some(tree.head());
    let mut records = Vec::new();
    tree.write_jsonl(&mut records).unwrap();
    Published {
        json: render_json(&report),
        records: String::from_utf8(records).unwrap(),
        tree,
    }
}

fn figure_error(result: Result<writ_report::Verified, VerifyError>) -> (String, String, String) {
    match result {
        Err(VerifyError::Figure {
            figure,
            published,
            records,
        }) => (figure, published, records),
        other => panic!("expected a figure mismatch, got {other:?}"),
    }
}

fn lines_to_records(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn the_records_reproduce_every_figure_and_the_root() {
    let published = publish(&cases(), h1());
    let verified = published.verify().unwrap();
    assert_eq!(verified.head, published.tree.head());
    // Nine cases of the period are records: not the two national-security cases, the
    // assistance order, nor the cases of other periods.
    assert_eq!(verified.head.size, 9);
    assert_eq!(published.lines().len(), 9);
    assert!(verified.figures > 50, "{}", verified.figures);
    assert!(!published.records.contains("national_security"));
    assert!(!published.records.contains("us.all_writs"));
    assert!(!published.records.contains("2013-07"));

    // Leaves sorted by commitment, each line exactly the canonical bytes.
    let lines = published.lines();
    let records: Vec<PublicRecord> = lines
        .iter()
        .map(|line| PublicRecord::from_canonical_json(line).unwrap())
        .collect();
    assert!(
        records
            .windows(2)
            .all(|pair| pair[0].commitment < pair[1].commitment)
    );
    for (record, line) in records.iter().zip(&lines) {
        assert_eq!(&record.canonical_json(), line);
    }

    let json: Value = serde_json::from_str(&published.json).unwrap();
    assert_eq!(json["records"]["size"], 9);
    assert_eq!(
        json["records"]["root"],
        published.tree.head().root.to_string()
    );
}

#[test]
fn the_page_shows_the_root_once_published_and_says_provisional_before() {
    let summaries: Vec<CaseSummary> = cases().into_iter().map(|(s, _)| s).collect();
    let options = ReportOptions::new(
        NsOptions::new(BandOption::Band500),
        at("2020-01-01T00:00:00Z"),
    );
    let mut report = Report::build(&summaries, h1(), anchor(), &options).unwrap();
    let provisional = render_html(&report);
    assert!(provisional.contains("Provisional: the records of this period are not published yet"));
    let json: Value = serde_json::from_str(&render_json(&report)).unwrap();
    assert_eq!(json["records"], Value::Null);

    let head = publish(&cases(), h1()).tree.head();
    let first = Publication {
        version: 1,
        published_at: at("2013-07-02T00:00:00Z"),
        records: head,
        checkpoint: anchor(),
        reason: None,
        event: PublicationEvent {
            index: 7,
            entry: "{}".into(),
        },
    };
    report.records = Some(head);
    report.publications = vec![first.clone()];
    let page = render_html(&report);
    assert!(
        page.contains("Published (version 1): 9 public case records, one per case"),
        "{page}"
    );
    assert!(page.contains(&head.root.to_string()));
    assert!(page.contains("/transparency/2013-H1/records.jsonl?version=1"));
    assert!(!page.contains("Provisional"));
    let json: Value = serde_json::from_str(&render_json(&report)).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["records_url"],
        "/transparency/2013-H1/records.jsonl?version=1"
    );
    assert_eq!(json["publications"][0]["event"]["index"], 7);

    // A correction: the page shows both roots, and the reason.
    let mut fewer = cases();
    fewer.remove(0);
    let corrected = publish(&fewer, h1()).tree.head();
    let second = Publication {
        version: 2,
        records: corrected,
        reason: Some("a case was withdrawn".into()),
        ..first
    };
    report.records = Some(corrected);
    report.publications.push(second);
    let page = render_html(&report);
    assert!(page.contains("Published (version 2)"), "{page}");
    assert!(page.contains(&head.root.to_string()), "the first root");
    assert!(
        page.contains(&corrected.root.to_string()),
        "the second root"
    );
    assert!(page.contains("a case was withdrawn"));
}

#[test]
fn a_changed_record_is_caught_by_its_figure_or_the_root() {
    let published = publish(&cases(), h1());
    let lines = published.lines();
    let at_fr = lines
        .iter()
        .position(|l| l.contains(r#""country":"FR""#))
        .unwrap();

    // FR's rejected case made a disclosure: the FR row no longer adds up.
    let mut changed = lines.clone();
    changed[at_fr] = changed[at_fr].replace(r#""outcome":"rejected""#, r#""outcome":"content""#);
    let (figure, published_says, records_give) =
        figure_error(published.with_records(lines_to_records(&changed)));
    assert_eq!(figure, "criminal.countries[FR].content");
    assert_eq!((published_says.as_str(), records_give.as_str()), ("0", "1"));

    // A month moved inside the period changes no figure: the root catches it.
    let mut moved = lines.clone();
    moved[at_fr] = moved[at_fr].replace("2013-02", "2013-03");
    match published.with_records(lines_to_records(&moved)) {
        Err(VerifyError::Root {
            published: p,
            records,
        }) => {
            assert_eq!(p, published.tree.head().root);
            assert_ne!(records, p);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_dropped_or_added_record_is_caught() {
    let published = publish(&cases(), h1());
    let lines = published.lines();

    let mut dropped = lines.clone();
    dropped.remove(4);
    let (figure, said, got) = figure_error(published.with_records(lines_to_records(&dropped)));
    assert_eq!(
        (figure.as_str(), said.as_str(), got.as_str()),
        ("case_summaries", "9", "8")
    );

    // A case of the period left out of the report, added to its records.
    let (extra, extra_secret) = (
        summary(
            21,
            1,
            at("2013-05-01T00:00:00Z"),
            "IT",
            "foreign.legal_process",
            Section::Criminal,
            1,
            Outcome::NoData,
        ),
        secret(200),
    );
    let line = PublicRecord::of(&extra, &extra_secret)
        .unwrap()
        .canonical_json();
    let mut added = lines.clone();
    added.push(line);
    added.sort_by_key(|line| PublicRecord::from_canonical_json(line).unwrap().commitment);
    let (figure, said, got) = figure_error(published.with_records(lines_to_records(&added)));
    assert_eq!(
        (figure.as_str(), said.as_str(), got.as_str()),
        ("case_summaries", "9", "10")
    );
}

#[test]
fn a_changed_figure_is_named() {
    let published = publish(&cases(), h1());
    let bump = |json: &mut Value, section: &str, country: &str, column: &str| {
        let rows = json[section]["countries"].as_array_mut().unwrap();
        let row = rows
            .iter_mut()
            .find(|r| r["country_code"] == country)
            .unwrap();
        row[column] = (row[column].as_u64().unwrap() + 1).into();
    };
    let (figure, said, got) =
        figure_error(published.with_json(|j| bump(j, "criminal", "DE", "content")));
    assert_eq!(
        (figure.as_str(), said.as_str(), got.as_str()),
        ("criminal.countries[DE].content", "2", "1")
    );
    let (figure, ..) = figure_error(published.with_json(|j| bump(j, "red_lines", "FR", "refused")));
    assert_eq!(figure, "red_lines.countries[FR].refused");
    let (figure, ..) = figure_error(published.with_json(|j| {
        j["stored_abroad"]["us_warrants_consumer_data_abroad"] = 0.into();
    }));
    assert_eq!(figure, "stored_abroad.us_warrants_consumer_data_abroad");
    let (figure, ..) = figure_error(published.with_json(|j| {
        let rows = j["legal_process"].as_array_mut().unwrap();
        rows.retain(|r| r["legal_process"] != "us.subpoena");
    }));
    assert_eq!(figure, "legal_process[US/us.subpoena].accounts");
    let (figure, ..) = figure_error(published.with_json(|j| {
        let point = j["trend"].as_array_mut().unwrap().last_mut().unwrap();
        point["emergency"]["requests"] = 5.into();
    }));
    assert_eq!(figure, "trend[2013-H1].emergency.requests");
    let (figure, ..) = figure_error(published.with_json(|j| {
        let rows = j["enterprise"]["countries"].as_array_mut().unwrap();
        rows[0]["customer_notified"] = 0.into();
    }));
    assert_eq!(figure, "enterprise.countries[DE].customer_notified");
}

#[test]
fn a_report_from_another_root_or_size_is_caught() {
    let published = publish(&cases(), h1());
    let other = publish(&cases()[..5], h1()).tree.head();
    match published.with_json(|j| j["records"]["root"] = other.root.to_string().into()) {
        Err(VerifyError::Root {
            published: p,
            records,
        }) => {
            assert_eq!(p, other.root);
            assert_eq!(records, published.tree.head().root);
            let message = VerifyError::Root {
                published: p,
                records,
            }
            .to_string();
            assert!(message.starts_with("root: the report says"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match published.with_json(|j| j["records"]["size"] = 10.into()) {
        Err(VerifyError::Size {
            published: 10,
            records: 9,
        }) => {}
        other => panic!("{other:?}"),
    }
    let mut json: Value = serde_json::from_str(&published.json).unwrap();
    json["records"] = Value::Null;
    let error = PublishedReport::from_json(&json.to_string()).unwrap_err();
    assert!(error.to_string().contains("provisional"), "{error}");
}

#[test]
fn bad_record_lines_are_named_by_line() {
    let published = publish(&cases(), h1());
    let lines = published.lines();
    let line_error = |records: String| match published.with_records(records) {
        Err(VerifyError::Record { line, problem }) => (line, problem),
        other => panic!("{other:?}"),
    };

    let mut swapped = lines.clone();
    swapped.swap(2, 3);
    let (line, problem) = line_error(lines_to_records(&swapped));
    assert_eq!(line, 4);
    assert!(problem.contains("sorted by commitment"), "{problem}");

    let mut repeated = lines.clone();
    repeated.insert(3, lines[2].clone());
    assert_eq!(line_error(lines_to_records(&repeated)).0, 4);

    let mut spaced = lines.clone();
    spaced[5] = spaced[5].replace(",\"country\"", ", \"country\"");
    let (line, problem) = line_error(lines_to_records(&spaced));
    assert_eq!(line, 6);
    assert!(problem.contains("canonical"), "{problem}");

    let mut secret_case = lines.clone();
    let criminal = lines
        .iter()
        .position(|l| l.contains(r#""section":"criminal""#))
        .unwrap();
    secret_case[criminal] = secret_case[criminal].replace(
        r#""section":"criminal""#,
        r#""section":"national_security""#,
    );
    let (line, problem) = line_error(lines_to_records(&secret_case));
    assert_eq!(line, criminal as u64 + 1);
    assert!(problem.contains("never published"), "{problem}");

    let mut later = lines.clone();
    later[0] = later[0].replace(r#""month":"2013-"#, r#""month":"2014-"#);
    let (line, problem) = line_error(lines_to_records(&later));
    assert_eq!(line, 1);
    assert!(problem.contains("outside 2013-H1"), "{problem}");

    let mut endless = lines.clone();
    endless[2] = format!("{}{}", endless[2], " ".repeat(70_000));
    let (line, problem) = line_error(lines_to_records(&endless));
    assert_eq!(line, 3);
    assert!(problem.contains("longer than 65536 bytes"), "{problem}");

    let mut blank = lines.clone();
    blank.insert(7, String::new());
    assert_eq!(line_error(lines_to_records(&blank)).0, 8);
}

#[test]
fn a_receipt_proves_its_case_is_counted() {
    let cases = cases();
    let published = publish(&cases, h1());
    let report = published.report();
    let mut proved = 0;
    for (summary, secret) in &cases {
        if !h1().contains(summary.received_at) || PublicRecord::of(summary, secret).is_none() {
            assert_eq!(published.tree.prove(&secret.commitment()).unwrap(), None);
            continue;
        }
        let receipt: Receipt = Receipt::new(h1(), secret.clone())
            .to_string()
            .parse()
            .unwrap();
        let proof = published
            .tree
            .prove(&receipt.secret.commitment())
            .unwrap()
            .unwrap();
        // The proof travels as JSON.
        let proof: RecordProof =
            serde_json::from_str(&serde_json::to_string(&proof).unwrap()).unwrap();
        let counted = prove_receipt(&receipt, &proof, &report).unwrap();
        assert_eq!(counted.record, PublicRecord::of(summary, secret).unwrap());
        let country = summary.authority_country.as_str();
        assert!(
            counted.figures.contains(&"case_summaries".to_owned()),
            "{:?}",
            counted.figures
        );
        let table = match summary.section {
            Section::Criminal => "criminal",
            Section::Emergency => "emergency",
            _ => "preservation",
        };
        let row = format!("{table}.countries[{country}].requests");
        assert!(
            counted.figures.contains(&row),
            "{row} in {:?}",
            counted.figures
        );
        proved += 1;
    }
    assert_eq!(proved, 9);
}

#[test]
fn a_receipt_outside_the_period_or_not_counted_is_refused() {
    let cases = cases();
    let published = publish(&cases, h1());
    let report = published.report();

    // Case 12 was received on 1 July 2013: it is a record of 2013-H2, not 2013-H1.
    let (july, july_secret) = &cases[12];
    let h2 = HalfYear::parse("2013-H2").unwrap();
    assert_eq!(
        published.tree.prove(&july_secret.commitment()).unwrap(),
        None
    );
    let h2_tree = ReportTree::of_cases(h2, [(july, july_secret)]).unwrap();
    let h2_proof = h2_tree.prove(&july_secret.commitment()).unwrap().unwrap();
    match prove_receipt(&Receipt::new(h2, july_secret.clone()), &h2_proof, &report) {
        Err(ProveError::OtherPeriod { receipt, report }) => {
            assert_eq!((receipt, report), (h2, h1()));
        }
        other => panic!("{other:?}"),
    }
    // A receipt that claims the wrong period for it.
    match prove_receipt(&Receipt::new(h1(), july_secret.clone()), &h2_proof, &report) {
        Err(ProveError::OutsidePeriod { month, period }) => {
            assert_eq!((month.to_string(), period), ("2013-07".to_owned(), h1()));
        }
        other => panic!("{other:?}"),
    }

    // Another case's proof, a proof moved to another index, another tree's proof.
    let (_, first_secret) = &cases[0];
    let (_, second_secret) = &cases[1];
    let receipt = Receipt::new(h1(), first_secret.clone());
    let theirs = published
        .tree
        .prove(&second_secret.commitment())
        .unwrap()
        .unwrap();
    assert!(matches!(
        prove_receipt(&receipt, &theirs, &report),
        Err(ProveError::NotThisCase { .. })
    ));
    let mut moved = published
        .tree
        .prove(&first_secret.commitment())
        .unwrap()
        .unwrap();
    moved.index = (moved.index + 1) % moved.size;
    assert!(matches!(
        prove_receipt(&receipt, &moved, &report),
        Err(ProveError::NotInTree { .. })
    ));
    let other_tree = ReportTree::of_cases(h1(), cases[..3].iter().map(|(s, k)| (s, k))).unwrap();
    let mut foreign = other_tree
        .prove(&first_secret.commitment())
        .unwrap()
        .unwrap();
    assert!(matches!(
        prove_receipt(&receipt, &foreign, &report),
        Err(ProveError::Size { .. })
    ));
    foreign.size = 9;
    assert!(matches!(
        prove_receipt(&receipt, &foreign, &report),
        Err(ProveError::NotInTree { .. })
    ));

    // In the tree, but the report's row leaves it out.
    let proof = published
        .tree
        .prove(&first_secret.commitment())
        .unwrap()
        .unwrap();
    let mut json: Value = serde_json::from_str(&published.json).unwrap();
    for row in json["criminal"]["countries"].as_array_mut().unwrap() {
        if row["country_code"] == "DE" {
            row["non_content"] = 0.into();
        }
    }
    let lowered = PublishedReport::from_json(&json.to_string()).unwrap();
    match prove_receipt(&receipt, &proof, &lowered) {
        Err(ProveError::NotCounted {
            figure,
            published,
            counts,
        }) => {
            assert_eq!(
                (figure.as_str(), published.as_str(), counts),
                ("criminal.countries[DE].non_content", "0", 1)
            );
        }
        other => panic!("{other:?}"),
    }
}

const COUNTRIES: [&str; 6] = ["DE", "US", "FR", "GB", "BR", "IN"];
const INSTRUMENTS: [&str; 4] = [
    "us.search_warrant",
    "foreign.legal_process",
    "us.subpoena",
    "us.emergency",
];

fn any_summary() -> impl Strategy<Value = CaseSummary> {
    let section = prop_oneof![
        Just(Section::Criminal),
        Just(Section::Emergency),
        Just(Section::Preservation),
    ];
    let outcome = prop_oneof![
        Just(Outcome::Content),
        Just(Outcome::NonContent),
        Just(Outcome::NoData),
        Just(Outcome::Rejected),
        Just(Outcome::Redirected),
        Just(Outcome::Withdrawn),
        Just(Outcome::Pending),
    ];
    (
        any::<u128>(),
        // 1970 to 2100, to the microsecond.
        0i64..4_102_444_800_000_000,
        (
            0..COUNTRIES.len(),
            0..INSTRUMENTS.len(),
            section,
            any::<bool>(),
        ),
        (any::<u64>(), outcome, any::<[bool; 3]>()),
    )
        .prop_map(
            |(
                id,
                micros,
                (country, instrument, section, enterprise),
                (accounts, outcome, flags),
            )| {
                let id = uuid_text(id);
                CaseSummary {
                    id: CaseId::parse(&id).unwrap(),
                    received_at: Timestamp::from_unix_micros(micros).unwrap(),
                    authority_country: CountryCode::parse(COUNTRIES[country]).unwrap(),
                    instrument: INSTRUMENTS[instrument].to_owned(),
                    section,
                    customer: if enterprise {
                        Customer::Enterprise
                    } else {
                        Customer::Consumer
                    },
                    accounts,
                    outcome,
                    data_stored_abroad: flags[0],
                    customer_notified: flags[1],
                    red_line: flags[2],
                }
            },
        )
}

/// A version-4 UUID's text from 128 random bits.
fn uuid_text(bits: u128) -> String {
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..]
    )
}

proptest! {
    /// A record names no one: only its eleven keys, no case id in any spelling, no
    /// time finer than the month, not the secret.
    #[test]
    fn no_record_holds_an_identifier_or_a_finer_time(summary in any_summary(), secret in any::<[u8; 32]>()) {
        let secret = CaseSecret::from_bytes(secret);
        let record = PublicRecord::of(&summary, &secret).unwrap();
        let line = record.canonical_json();
        let json: Value = serde_json::from_str(&line).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        prop_assert_eq!(keys, vec![
            "accounts", "commitment", "country", "customer", "customer_notified",
            "data_stored_abroad", "instrument", "month", "outcome", "red_line", "section",
        ]);

        let id = summary.id.to_string();
        prop_assert!(!line.contains(&id));
        prop_assert!(!line.contains(&id.replace('-', "")));

        let when = summary.received_at.datetime();
        let day = format!("{}", when.date());
        prop_assert!(!line.contains(&day), "{} holds the day {}", line, day);
        prop_assert!(!line.contains(&summary.received_at.to_string()));
        for value in json.as_object().unwrap().values() {
            // A time of day, or a date's day, would need a colon or a third part.
            let text = value.as_str().unwrap_or_default();
            prop_assert!(!text.contains(':'), "{}", text);
            prop_assert!(text.split('-').count() <= 2, "{}", text);
        }
        prop_assert_eq!(&json["month"], &Value::from(format!("{:04}-{:02}", when.year(), u8::from(when.month()))));

        let secret_hex: String = secret.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        prop_assert!(!line.contains(&secret_hex));
        let receipt = Receipt::new(h1(), secret.clone()).to_string();
        let secret_text = receipt.rsplit(':').next().unwrap();
        prop_assert!(!line.contains(secret_text));
    }
}

#[test]
fn national_security_commitments_open_to_the_exact_count_and_no_other() {
    let ns = |n: u64, instrument: &str, accounts: u64| {
        summary(
            22,
            n,
            at("2013-03-01T00:00:00Z"),
            "US",
            instrument,
            Section::NationalSecurity,
            accounts,
            Outcome::NonContent,
        )
    };
    let cases = vec![
        ns(1, "us.nsl", 1),
        ns(2, "us.nsl", 2),
        ns(3, "us.nsl", 3),
        ns(4, "us.fisa_order", 7),
        ns(5, "us.fisa_order", 1),
        // Another half-year: not in this report's figures.
        summary(
            22,
            6,
            at("2013-08-01T00:00:00Z"),
            "US",
            "us.nsl",
            Section::NationalSecurity,
            1,
            Outcome::NonContent,
        ),
    ];
    let options = ReportOptions::new(
        NsOptions::new(BandOption::Band500),
        at("2020-01-01T00:00:00Z"),
    );
    let committed = Report::commit_national_security(&cases, h1(), &options);
    let want = [
        (NsCategory::NationalSecurityLetters, 3, 6),
        (NsCategory::FisaContent, 2, 8),
        (NsCategory::FisaNonContent, 0, 0),
    ];
    assert_eq!(committed.len(), want.len());
    for (figure, (category, requests, accounts)) in committed.iter().zip(want) {
        assert_eq!(figure.commitment.category, category);
        assert_eq!(figure.commitment.covers, "2013-H1");
        assert_eq!(
            (figure.requests.count, figure.accounts.count),
            (requests, accounts)
        );
        figure.requests.verify(&figure.commitment.requests).unwrap();
        figure.accounts.verify(&figure.commitment.accounts).unwrap();
        for wrong in [
            requests + 1,
            requests.saturating_sub(1).max(requests + 2),
            accounts,
        ] {
            if wrong == requests {
                continue;
            }
            let other = CountOpening {
                count: wrong,
                salt: figure.requests.salt.clone(),
            };
            assert!(
                other.verify(&figure.commitment.requests).is_err(),
                "{category:?} {wrong}"
            );
        }
        // The other count's salt does not open it either.
        let swapped = CountOpening {
            count: requests,
            salt: figure.accounts.salt.clone(),
        };
        assert!(swapped.verify(&figure.commitment.requests).is_err());
    }
    // Fresh salts: committing again to the same counts publishes other commitments.
    let again = Report::commit_national_security(&cases, h1(), &options);
    assert_ne!(
        again[0].commitment.requests,
        committed[0].commitment.requests
    );

    // The combined option commits to the one combined figure; the annual one to the year.
    let mut combined = options.clone();
    combined.national_security = NsOptions::new(BandOption::Band100);
    let year = Report::commit_national_security(&cases, h1(), &combined);
    assert_eq!(year.len(), 1);
    assert_eq!(
        year[0].commitment.category,
        NsCategory::AllNationalSecurityProcess
    );
    assert_eq!(year[0].commitment.covers, "2013");
    assert_eq!(
        year[0].requests.count, 6,
        "the whole of 2013, August's NSL included"
    );
}

/// Cases of 2013-H1 (and, one in eight, of the half-year after), with their secrets.
fn any_cases() -> impl Strategy<Value = Vec<(CaseSummary, CaseSecret)>> {
    let h1 = h1();
    let span = h1.end().unix_micros() - h1.start().unix_micros();
    proptest::collection::vec(
        (any_summary(), 0..span + span / 8, any::<[u8; 32]>()),
        1..25,
    )
    .prop_map(move |cases| {
        cases
            .into_iter()
            .map(|(mut summary, offset, secret)| {
                summary.received_at =
                    Timestamp::from_unix_micros(h1.start().unix_micros() + offset).unwrap();
                (summary, CaseSecret::from_bytes(secret))
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the cases: the published report verifies from its records, every case of
    /// the period proves its receipt, and a record dropped is caught.
    #[test]
    fn any_published_period_verifies_and_proves_its_receipts(cases in any_cases(), drop in any::<prop::sample::Index>()) {
        let published = publish(&cases, h1());
        let verified = published.verify().unwrap();
        prop_assert_eq!(verified.head, published.tree.head());
        let report = published.report();
        for (summary, secret) in &cases {
            let proof = published.tree.prove(&secret.commitment()).unwrap();
            prop_assert_eq!(proof.is_some(), h1().contains(summary.received_at));
            if let Some(proof) = proof {
                let receipt = Receipt::new(h1(), secret.clone());
                prop_assert!(prove_receipt(&receipt, &proof, &report).is_ok());
            }
        }
        let mut lines = published.lines();
        if !lines.is_empty() {
            lines.remove(drop.index(lines.len()));
            prop_assert!(published.with_records(lines_to_records(&lines)).is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Privacy: a record holds the report's own columns and nothing else: no case id,
    /// no identifier, no reference, no time finer than the month, and the secret only
    /// as its SHA-256. (docs/transparency.md says why that is no more than the tables.)
    #[test]
    fn no_record_names_a_case_or_a_time_finer_than_the_month(cases in any_cases()) {
        let published = publish(&cases, h1());
        const KEYS: [&str; 11] = [
            "accounts", "commitment", "country", "customer", "customer_notified",
            "data_stored_abroad", "instrument", "month", "outcome", "red_line", "section",
        ];
        for line in published.lines() {
            let record: Value = serde_json::from_str(&line).unwrap();
            let keys: Vec<&str> = record.as_object().unwrap().keys().map(String::as_str).collect();
            prop_assert_eq!(&keys[..], &KEYS[..]);
            let month = record["month"].as_str().unwrap();
            prop_assert_eq!(month.len(), 7, "{}", month);
            let clock = line.as_bytes().windows(5).any(|w| {
                w[0].is_ascii_digit() && w[1].is_ascii_digit() && w[2] == b':'
                    && w[3].is_ascii_digit() && w[4].is_ascii_digit()
            });
            prop_assert!(!clock, "no time of day: {}", line);
            for (summary, secret) in &cases {
                prop_assert!(!line.contains(&summary.id.to_string()), "a case id: {}", line);
                let hex: String = secret.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
                prop_assert!(!line.contains(&hex), "a secret: {}", line);
                let day = summary.received_at.to_string();
                prop_assert!(!line.contains(&day[..10]), "a day: {}", line);
            }
        }
    }
}
