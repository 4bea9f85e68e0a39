//! Done-when: case summaries built to match Microsoft's published 2013-H1 table
//! (`tests/data/lerr-2013-H1-by-country.csv`, copied from
//! `reference/transparency/microsoft/`; 37,196 requests, 66,539 accounts) go through
//! the JSON-lines reader and the Microsoft-style CSV, which reproduces every row's
//! counts exactly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments
)]

mod common;

use std::collections::BTreeMap;

use common::*;
use writ_core::Timestamp;
use writ_report::{
    BandOption, CaseSummary, Customer, GOOGLE_COLUMNS, HalfYear, MICROSOFT_COLUMNS, NsOptions,
    Outcome, Report, ReportOptions, STYLESHEET, Section, Style, read_json_lines, render_csv,
    render_html, render_json, stylesheet_csp_source,
};

const MICROSOFT: &str = include_str!("data/lerr-2013-H1-by-country.csv");

/// Microsoft's country names → ISO 3166-1 alpha-2 (Microsoft spells "Venezuala").
const CODES: &str = include_str!("data/microsoft-country-codes.csv");

fn names() -> Vec<(&'static str, &'static str)> {
    CODES
        .lines()
        .skip(1)
        .map(|line| line.split_once(',').unwrap())
        .collect()
}

/// Microsoft's row: requests, accounts, content, non-content, no data, rejected.
type Counts = [u64; 6];

fn expected() -> BTreeMap<String, Counts> {
    let names: BTreeMap<&str, &str> = names().into_iter().collect();
    let records = parse_csv(MICROSOFT);
    assert_eq!(
        records[0].join(","),
        "country,total_requests,accounts_users_specified,disclosed_content,\
         disclosed_only_noncontent,no_data_found,rejected_not_meeting_legal_requirements"
    );
    records[1..]
        .iter()
        .map(|record| {
            let code = names
                .get(record[0].as_str())
                .unwrap_or_else(|| panic!("no ISO code for {:?}", record[0]));
            let counts: Vec<u64> = record[1..].iter().map(|v| v.parse().unwrap()).collect();
            ((*code).to_owned(), counts.try_into().unwrap())
        })
        .collect()
}

/// Summaries that reproduce Microsoft's table: per country `requests` criminal cases in
/// 2013-H1, the outcomes as published and any remainder `pending` (the US row's quirk:
/// its outcomes sum to one less than its requests), accounts spread so they sum exactly.
/// Around them, cases that must not count: other half-years, emergency, preservation
/// and national-security cases, and enterprise ones redirected to their customer.
fn summaries(expected: &BTreeMap<String, Counts>) -> Vec<CaseSummary> {
    let start = at("2013-01-01T00:00:00Z").unix_micros();
    let span = at("2013-07-01T00:00:00Z").unix_micros() - start;
    let mut out = Vec::new();
    let mut n = 0u64;
    for (code, [requests, accounts, content, non_content, no_data, rejected]) in expected {
        let decided = content + non_content + no_data + rejected;
        assert!(decided <= *requests, "{code}");
        for i in 0..*requests {
            let outcome = match i {
                i if i < *content => Outcome::Content,
                i if i < content + non_content => Outcome::NonContent,
                i if i < content + non_content + no_data => Outcome::NoData,
                i if i < decided => Outcome::Rejected,
                _ => Outcome::Pending,
            };
            let share = accounts / requests + u64::from(i < accounts % requests);
            // Spread over the half-year, first and last microsecond included.
            let offset = if *requests == 1 {
                0
            } else {
                (span - 1) * i as i64 / (*requests as i64 - 1)
            };
            let received = Timestamp::from_unix_micros(start + offset).unwrap();
            let instrument = if outcome == Outcome::Content {
                "us.search_warrant"
            } else {
                "foreign.legal_process"
            };
            n += 1;
            out.push(summary(
                1,
                n,
                received,
                code,
                instrument,
                Section::Criminal,
                share,
                outcome,
            ));
        }
    }
    let noise = [
        (
            "2012-12-31T23:59:59.999999Z",
            Section::Criminal,
            Outcome::Content,
        ),
        (
            "2013-07-01T00:00:00Z",
            Section::Criminal,
            Outcome::NonContent,
        ),
        (
            "2013-03-01T00:00:00Z",
            Section::Emergency,
            Outcome::NonContent,
        ),
        (
            "2013-03-01T00:00:00Z",
            Section::Preservation,
            Outcome::NoData,
        ),
        (
            "2013-03-01T00:00:00Z",
            Section::NationalSecurity,
            Outcome::Content,
        ),
        (
            "2013-04-01T00:00:00Z",
            Section::NationalSecurity,
            Outcome::NonContent,
        ),
    ];
    for (i, (when, section, outcome)) in noise.into_iter().enumerate() {
        for country in ["US", "DE", "AR"] {
            n += 1;
            let instrument = if section == Section::NationalSecurity {
                "us.nsl"
            } else {
                "us.subpoena"
            };
            out.push(summary(
                2,
                n,
                at(when),
                country,
                instrument,
                section,
                i as u64 + 3,
                outcome,
            ));
        }
    }
    out
}

fn options() -> ReportOptions {
    ReportOptions::new(
        NsOptions::new(BandOption::Band1000),
        at("2014-03-01T00:00:00Z"),
    )
}

#[test]
fn microsoft_2013_h1_is_reproduced_row_by_row() {
    let expected = expected();
    let totals = expected.values().fold([0u64; 6], |mut sum, row| {
        for (s, v) in sum.iter_mut().zip(row) {
            *s += v;
        }
        sum
    });
    assert_eq!(totals[0], 37_196);
    assert_eq!(totals[1], 66_539);

    // Through the JSON-lines format, as `writ report --input` reads it.
    let input: String = summaries(&expected)
        .iter()
        .map(|s| s.to_json_line() + "\n")
        .collect();
    let summaries = read_json_lines(input.as_bytes()).unwrap();
    let period = HalfYear::parse("2013-H1").unwrap();
    let report = Report::build(&summaries, period, anchor(), &options()).unwrap();
    let csv = render_csv(&report, Style::Microsoft);

    assert_eq!(csv.lines().next(), Some(MICROSOFT_COLUMNS));
    let tables = csv_tables(&csv);
    let main = table(&tables, "");
    assert_eq!(main[0].join(","), MICROSOFT_COLUMNS);
    let mut got = BTreeMap::new();
    for row in &main[1..] {
        assert_eq!(row.len(), 8, "{row:?}");
        let code = writ_core::CountryCode::parse(&row[0]).unwrap();
        assert_eq!(row[1], code.name());
        let counts: Vec<u64> = row[2..].iter().map(|v| v.parse().unwrap()).collect();
        let counts: Counts = counts.try_into().unwrap();
        assert!(
            got.insert(row[0].clone(), counts).is_none(),
            "{row:?} twice"
        );
    }
    for (code, counts) in &expected {
        assert_eq!(got.get(code), Some(counts), "{code}");
    }
    assert_eq!(got.len(), expected.len());

    // The US quirk: outcomes sum to one less than the requests.
    let us = &got["US"];
    assert_eq!(us[0], 7_014);
    assert_eq!(us[2..].iter().sum::<u64>(), 7_013);

    // What the report says about itself.
    let meta: BTreeMap<String, String> = table(&tables, "report")[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(meta["period"], "2013-H1");
    // Criminal 37,196 + emergency 3 + preservation 3; national security never.
    assert_eq!(meta["case_summaries"], "37202");
    assert_eq!(meta["checkpoint_size"], "123456");
    assert_eq!(meta["checkpoint_root"], anchor().root);
    assert_eq!(meta["checkpoint_note"], anchor().note);
    assert_eq!(table(&tables, "emergency").len(), 4);
    assert_eq!(table(&tables, "preservation").len(), 4);

    let total = report.criminal_total();
    assert_eq!((total.requests, total.accounts), (37_196, 66_539));
    assert_eq!(
        (
            total.content,
            total.non_content,
            total.no_data,
            total.rejected
        ),
        (817, 28_698, 6_769, 911)
    );
    assert_eq!(total.pending, 1);
}

#[test]
fn the_same_report_renders_in_every_format() {
    let expected = expected();
    let summaries = summaries(&expected);
    let period = HalfYear::parse("2013-H1").unwrap();
    let report = Report::build(&summaries, period, anchor(), &options()).unwrap();

    let json: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
    assert_eq!(json["period"], "2013-H1");
    assert_eq!(json["case_summaries"], 37_202);
    assert_eq!(json["checkpoint"]["size"], 123_456);
    assert_eq!(json["checkpoint"]["note"], anchor().note);
    assert_eq!(json["criminal"]["totals"]["requests"], 37_196);
    assert_eq!(json["criminal"]["totals"]["accounts"], 66_539);
    assert_eq!(json["criminal"]["countries"].as_array().unwrap().len(), 64);
    let nsl = &json["national_security"]["figures"][0];
    assert_eq!(nsl["category"], "national_security_letters");
    assert_eq!(nsl["status"], "published");
    assert_eq!(nsl["requests"]["lo"], 0);
    assert_eq!(nsl["requests"]["hi"], 999);

    let google = render_csv(&report, Style::Google);
    let tables = csv_tables(&google);
    let main = table(&tables, "");
    assert_eq!(main[0].join(","), GOOGLE_COLUMNS);
    let us_warrants = main
        .iter()
        .find(|r| r[2] == "US" && r[3] == "Search Warrants")
        .unwrap();
    // 749 content cases, all disclosed.
    assert_eq!(us_warrants[0], "2013-06-30");
    assert_eq!(us_warrants[4], "749");
    assert_eq!(us_warrants[5], "100");
    let preserved = main
        .iter()
        .find(|r| r[2] == "US" && r[3] == "Preservation Requests")
        .unwrap();
    assert_eq!(preserved[5], "");
    // Every country has its `All` row: the 64 criminal ones, and emergency-only none.
    let all = main.iter().filter(|r| r[3] == "All").count();
    assert_eq!(all, 64);
    assert!(!main.iter().any(|r| r[3].contains('.')), "a writ id leaked");

    let html = render_html(&report);
    // Left for a look: target/tmp/writ-report-2013-H1.{html,csv,json}.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(dir.join("writ-report-2013-H1.html"), &html).unwrap();
    std::fs::write(
        dir.join("writ-report-2013-H1.csv"),
        render_csv(&report, Style::Microsoft),
    )
    .unwrap();
    std::fs::write(dir.join("writ-report-2013-H1.json"), render_json(&report)).unwrap();
    assert!(html.starts_with("<section"));
    assert!(html.trim_end().ends_with("</section>"));
    assert_eq!(html.matches("<svg class=\"writ-chart\"").count(), 3);
    assert!(html.contains("37,196"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("style="));
    // The note's em dash survives; nothing unescaped from the note leaks into markup.
    assert!(html.contains("— writ.example/audit"));
}

#[test]
fn the_html_carries_its_stylesheet_legends_and_scrolling_tables() {
    let summaries = summaries(&expected());
    let period = HalfYear::parse("2013-H1").unwrap();
    let report = Report::build(&summaries, period, anchor(), &options()).unwrap();
    let html = render_html(&report);

    // One inline stylesheet, byte for byte the one the CSP hash is taken of.
    assert_eq!(html.matches("<style>").count(), 1);
    assert!(html.contains(&format!("<style>{STYLESHEET}</style>")));
    let source = stylesheet_csp_source();
    assert!(
        source.starts_with("'sha256-") && source.ends_with("='"),
        "{source}"
    );
    assert_eq!(source.len(), "'sha256-'".len() + 44);
    // Every rule is the report's own, so it restyles nothing around it.
    for rule in STYLESHEET
        .lines()
        .filter(|l| l.contains('{') && !l.starts_with('@'))
    {
        assert!(rule.trim_start().starts_with(".writ-report "), "{rule}");
    }

    // Legends are HTML after the charts, not text the chart's scale enlarges.
    let charts: Vec<&str> = html
        .split("<svg class=\"writ-chart\"")
        .skip(1)
        .map(|rest| &rest[..rest.find("</svg>").unwrap()])
        .collect();
    assert_eq!(charts.len(), 3);
    for label in [
        "redirected / withdrawn / pending",
        "legal process",
        "emergency",
    ] {
        let item = format!("</svg>{label}</li>");
        assert_eq!(html.matches(&item).count(), 1, "{label}");
        assert!(
            !charts
                .iter()
                .any(|c| c.contains(&format!(">{label}</text>"))),
            "{label} inside a chart"
        );
    }
    assert_eq!(html.matches("<ul class=\"writ-legend\">").count(), 2);

    // Every table scrolls inside its own container, which the keyboard can reach.
    let tables = html.matches("<table>").count();
    assert_eq!(tables, 6);
    assert_eq!(
        html.matches(
            "<div class=\"writ-table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\""
        )
        .count(),
        tables
    );
    assert!(
        STYLESHEET.contains(".writ-report .writ-table-scroll { max-width: 100%; overflow-x: auto;")
    );
}

#[test]
fn enterprise_and_stored_abroad_rows_count_what_they_say() {
    let mut summaries = Vec::new();
    let when = at("2020-02-01T00:00:00Z");
    let cases = [
        (Customer::Enterprise, Outcome::Redirected, true, false),
        (Customer::Enterprise, Outcome::Content, true, true),
        (Customer::Enterprise, Outcome::Rejected, false, false),
        (Customer::Consumer, Outcome::NonContent, false, true),
    ];
    for (n, (customer, outcome, notified, abroad)) in cases.into_iter().enumerate() {
        let mut s = summary(
            3,
            n as u64,
            when,
            "US",
            "us.search_warrant",
            Section::Criminal,
            5,
            outcome,
        );
        s.customer = customer;
        s.customer_notified = notified;
        s.data_stored_abroad = abroad;
        summaries.push(s);
    }
    let period = HalfYear::parse("2020-H1").unwrap();
    let report = Report::build(&summaries, period, anchor(), &options()).unwrap();
    let e = report.enterprise_total();
    assert_eq!(
        (e.requests, e.accounts, e.redirected, e.customer_notified),
        (3, 15, 1, 2)
    );
    assert_eq!((e.content, e.non_content, e.rejected), (1, 0, 1));
    assert_eq!(report.criminal_total().requests, 4);
    assert_eq!(report.stored_abroad.us_warrants_consumer_data_abroad, 1);
    assert_eq!(
        report.stored_abroad.us_enterprise_content_disclosed_abroad,
        1
    );
    let csv = render_csv(&report, Style::Microsoft);
    let tables = csv_tables(&csv);
    assert_eq!(
        table(&tables, "enterprise")[1],
        [
            "US",
            "United States of America",
            "3",
            "15",
            "1",
            "2",
            "1",
            "0",
            "1"
        ]
    );

    // The same case twice is refused, not counted twice.
    summaries.push(summaries[0].clone());
    let error = Report::build(&summaries, period, anchor(), &options()).unwrap_err();
    assert!(error.to_string().contains("more than once"));
}
