//! National-security figures: the bands of every 50 U.S.C. 1874 option around each
//! band edge, the publication delays, and no exact count in any output format.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments
)]

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;
use time::Duration;
use writ_core::Timestamp;
use writ_report::{
    BandOption, CaseSummary, HalfYear, NsOptions, Outcome, Report, ReportOptions, Section, Style,
    render_csv, render_html, render_json,
};

/// A few ordinary cases, so every table has something in it.
fn background() -> Vec<CaseSummary> {
    let mut out = Vec::new();
    for (n, (country, outcome)) in [
        ("US", Outcome::Content),
        ("US", Outcome::NonContent),
        ("DE", Outcome::NoData),
        ("FR", Outcome::Rejected),
        ("GB", Outcome::Pending),
    ]
    .into_iter()
    .enumerate()
    {
        out.push(summary(
            9,
            n as u64,
            at("2013-03-01T00:00:00Z"),
            country,
            "us.search_warrant",
            Section::Criminal,
            2,
            outcome,
        ));
    }
    out.push(summary(
        9,
        99,
        at("2013-03-02T00:00:00Z"),
        "US",
        "us.emergency",
        Section::Emergency,
        1,
        Outcome::NonContent,
    ));
    out
}

/// `count` national-security cases of `instrument` in 2013-H1, naming `accounts` in all.
fn ns_cases(salt: u32, instrument: &str, count: u64, accounts: u64) -> Vec<CaseSummary> {
    (0..count)
        .map(|i| {
            let share = accounts / count + u64::from(i < accounts % count);
            let mut s = summary(
                salt,
                i,
                at("2013-02-01T00:00:00Z"),
                "US",
                instrument,
                Section::NationalSecurity,
                share,
                if i % 2 == 0 {
                    Outcome::Content
                } else {
                    Outcome::Rejected
                },
            );
            s.received_at =
                Timestamp::from_unix_micros(s.received_at.unix_micros() + i as i64 * 1_000_000)
                    .unwrap();
            s
        })
        .collect()
}

fn h1_2013() -> HalfYear {
    HalfYear::parse("2013-H1").unwrap()
}

fn build(summaries: &[CaseSummary], option: BandOption, now: &str) -> Report {
    let options = ReportOptions::new(NsOptions::new(option), at(now));
    Report::build(summaries, h1_2013(), anchor(), &options).unwrap()
}

/// Long after every delay.
const LATER: &str = "2020-01-01T00:00:00Z";

fn figures(report: &Report) -> Vec<Value> {
    let json: Value = serde_json::from_str(&render_json(report)).unwrap();
    json["national_security"]["figures"]
        .as_array()
        .unwrap()
        .clone()
}

fn bounds(figure: &Value, what: &str) -> (u64, u64) {
    assert_eq!(figure["status"], "published", "{figure}");
    (
        figure[what]["lo"].as_u64().unwrap(),
        figure[what]["hi"].as_u64().unwrap(),
    )
}

#[test]
fn every_option_renders_the_band_edges() {
    // (option, count, expected band)
    let cases: &[(BandOption, u64, (u64, u64))] = &[
        (BandOption::Band1000, 0, (0, 999)),
        (BandOption::Band1000, 1, (0, 999)),
        (BandOption::Band1000, 249, (0, 999)),
        (BandOption::Band1000, 250, (0, 999)),
        (BandOption::Band1000, 999, (0, 999)),
        (BandOption::Band1000, 1000, (1000, 1999)),
        (BandOption::Band1000, 1999, (1000, 1999)),
        (BandOption::Band1000, 2000, (2000, 2999)),
        (BandOption::Band500, 0, (0, 499)),
        (BandOption::Band500, 249, (0, 499)),
        (BandOption::Band500, 250, (0, 499)),
        (BandOption::Band500, 499, (0, 499)),
        (BandOption::Band500, 500, (500, 999)),
        (BandOption::Band500, 999, (500, 999)),
        (BandOption::Band500, 1000, (1000, 1499)),
        (BandOption::Band250, 0, (0, 249)),
        (BandOption::Band250, 249, (0, 249)),
        (BandOption::Band250, 250, (250, 499)),
        (BandOption::Band250, 999, (750, 999)),
        (BandOption::Band250, 1000, (1000, 1249)),
        (BandOption::Band100, 0, (0, 99)),
        (BandOption::Band100, 99, (0, 99)),
        (BandOption::Band100, 100, (100, 199)),
        (BandOption::Band100, 249, (200, 299)),
        (BandOption::Band100, 250, (200, 299)),
        (BandOption::Band100, 999, (900, 999)),
        (BandOption::Band100, 1000, (1000, 1099)),
    ];
    for &(option, count, expected) in cases {
        let width = option.width();
        let mut summaries = background();
        if option.separate_categories() {
            // The count in NSLs; FISA content gets one band's worth more; non-content 0.
            summaries.extend(ns_cases(1, "us.nsl", count, count * 3));
            summaries.extend(ns_cases(2, "us.fisa_order", count + width, count));
            let figures = figures(&build(&summaries, option, LATER));
            assert_eq!(figures.len(), 3, "{option:?}");
            assert_eq!(figures[0]["category"], "national_security_letters");
            assert_eq!(
                bounds(&figures[0], "requests"),
                expected,
                "{option:?} {count}"
            );
            let (lo, hi) = writ_report::band(count * 3, width);
            assert_eq!(bounds(&figures[0], "accounts"), (lo, hi));
            assert_eq!(figures[1]["category"], "fisa_content");
            assert_eq!(
                bounds(&figures[1], "requests"),
                (expected.0 + width, expected.1 + width)
            );
            assert_eq!(bounds(&figures[1], "accounts"), expected);
            assert_eq!(figures[2]["category"], "fisa_non_content");
            assert_eq!(bounds(&figures[2], "requests"), (0, width - 1));
        } else {
            // One combined total, whatever the process.
            let nsl = count / 2;
            summaries.extend(ns_cases(1, "us.nsl", nsl, 0));
            summaries.extend(ns_cases(2, "us.fisa_702", count - nsl - count / 4, count));
            summaries.extend(ns_cases(3, "us.fisa_business_records", count / 4, 0));
            let figures = figures(&build(&summaries, option, LATER));
            assert_eq!(figures.len(), 1);
            assert_eq!(figures[0]["category"], "all_national_security_process");
            assert_eq!(
                bounds(&figures[0], "requests"),
                expected,
                "{option:?} {count}"
            );
            assert_eq!(bounds(&figures[0], "accounts"), expected);
            let covers = if option.annual() { "2013" } else { "2013-H1" };
            assert_eq!(figures[0]["covers"], covers);
        }
    }
}

fn statuses(report: &Report) -> Vec<(String, Option<String>)> {
    figures(report)
        .iter()
        .map(|f| {
            (
                f["status"].as_str().unwrap().to_owned(),
                f["publishable_from"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn published() -> (String, Option<String>) {
    ("published".to_owned(), None)
}

fn withheld(from: &str) -> (String, Option<String>) {
    ("withheld".to_owned(), Some(from.to_owned()))
}

#[test]
fn delays_withhold_figures_until_the_law_allows_them() {
    let mut summaries = background();
    summaries.extend(ns_cases(1, "us.nsl", 3, 3));
    summaries.extend(ns_cases(2, "us.fisa_order", 3, 3));
    let end = "2013-07-01T00:00:00Z";
    let fisa = "2013-12-28T00:00:00Z"; // 1 July + 180 days
    for option in [BandOption::Band1000, BandOption::Band500] {
        let during = build(&summaries, option, "2013-06-30T23:59:59Z");
        assert_eq!(
            statuses(&during),
            [withheld(end), withheld(fisa), withheld(fisa)]
        );
        let after = build(&summaries, option, end);
        assert_eq!(
            statuses(&after),
            [published(), withheld(fisa), withheld(fisa)]
        );
        let before_fisa = build(&summaries, option, "2013-12-27T23:59:59.999999Z");
        assert_eq!(statuses(&before_fisa), statuses(&after));
        let at_fisa = build(&summaries, option, fisa);
        assert_eq!(statuses(&at_fisa), [published(), published(), published()]);
    }
    let combined = build(&summaries, BandOption::Band250, "2013-12-27T23:59:59Z");
    assert_eq!(statuses(&combined), [withheld(fisa)]);
    assert_eq!(
        statuses(&build(&summaries, BandOption::Band250, fisa)),
        [published()]
    );

    // Annual: the calendar year 2013, one year after it ends; H2 cases count too.
    summaries.extend(ns_cases(3, "us.nsl", 1, 1).into_iter().map(|mut s| {
        s.received_at = at("2013-11-01T00:00:00Z");
        s
    }));
    let annual = build(&summaries, BandOption::Band100, "2014-12-31T23:59:59Z");
    assert_eq!(statuses(&annual), [withheld("2015-01-01T00:00:00Z")]);
    let annual = build(&summaries, BandOption::Band100, "2015-01-01T00:00:00Z");
    assert_eq!(statuses(&annual), [published()]);

    // The withheld figure says why, and the CSV and HTML say it too.
    let report = build(&summaries, BandOption::Band1000, end);
    let json = render_json(&report);
    assert!(json.contains("may be published from 2013-12-28"), "{json}");
    let csv = render_csv(&report, Style::Microsoft);
    let tables = csv_tables(&csv);
    let ns = table(&tables, "national_security");
    assert_eq!(ns[2][2..6], ["", "", "", ""]);
    assert_eq!(ns[2][6], "withheld");
    assert!(ns[2][7].contains("2013-12-28"));
    assert!(render_html(&report).contains("withheld: FISA orders and directives for content"));
}

#[test]
fn a_new_platforms_first_orders_stay_out_for_540_days() {
    let mut summaries = background();
    let fisa = ns_cases(1, "us.fisa_order", 1000, 1000);
    let new_platform = fisa[999].clone();
    summaries.extend(fisa);
    let clear = new_platform
        .received_at
        .checked_add(Duration::days(540))
        .unwrap();
    let mut options = ReportOptions::new(
        NsOptions {
            option: BandOption::Band1000,
            new_platform_orders: BTreeSet::from([new_platform.id]),
        },
        Timestamp::from_unix_micros(clear.unix_micros() - 1).unwrap(),
    );
    let before = Report::build(&summaries, h1_2013(), anchor(), &options).unwrap();
    // 999 counted: the band does not move, and nothing says why.
    assert_eq!(bounds(&figures(&before)[1], "requests"), (0, 999));
    assert_eq!(figures(&before)[1]["status"], "published");
    options.now = clear;
    let after = Report::build(&summaries, h1_2013(), anchor(), &options).unwrap();
    assert_eq!(bounds(&figures(&after)[1], "requests"), (1000, 1999));
}

fn all_formats(report: &Report) -> [String; 4] {
    [
        render_csv(report, Style::Microsoft),
        render_csv(report, Style::Google),
        render_json(report),
        render_html(report),
    ]
}

/// `n` as a whole number anywhere in `text` (not as part of a longer number).
fn mentions(text: &str, n: u64) -> bool {
    let needle = n.to_string();
    text.match_indices(&needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        let joined =
            |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == ',' || c == '.');
        !joined(before) && !joined(after)
    })
}

#[test]
fn no_exact_national_security_count_in_any_format() {
    for option in BandOption::ALL {
        let width = option.width();
        for n in [1u64, 7, 249, 250, 999, 1000, 1234] {
            // Accounts differ from requests, and are not on a band edge either.
            let accounts = n * 3 + 1;
            // Separate options: n in each category. Combined ones: n in all, split.
            let with = |n: u64, accounts: u64| {
                let mut summaries = background();
                if option.separate_categories() {
                    summaries.extend(ns_cases(1, "us.nsl", n, accounts));
                    summaries.extend(ns_cases(2, "us.fisa_order", n, accounts));
                    summaries.extend(ns_cases(3, "us.fisa_non_content", n, accounts));
                } else {
                    summaries.extend(ns_cases(1, "us.nsl", n / 2, 0));
                    summaries.extend(ns_cases(2, "us.fisa_order", n - n / 2, accounts));
                }
                build(&summaries, option, LATER)
            };
            let report = with(n, accounts);

            // 1. Any other count in the same band gives byte-identical output in every
            //    format: the output is a function of the band alone.
            let (lo, hi) = writ_report::band(n, width);
            let twin_of = |n: u64, (lo, hi): (u64, u64)| match n {
                n if n != hi => hi,
                _ if lo > 0 => lo,
                _ => hi - 1,
            };
            let other = twin_of(n, (lo, hi));
            let other_accounts = twin_of(accounts, writ_report::band(accounts, width));
            let twin = with(other, other_accounts);
            for (a, b) in all_formats(&report).iter().zip(all_formats(&twin)) {
                assert!(
                    *a == b,
                    "{option:?} n={n}: output depends on the exact count"
                );
            }

            // 2. Where national security is rendered, only band bounds are.
            let json: Value = serde_json::from_str(&render_json(&report)).unwrap();
            for figure in json["national_security"]["figures"].as_array().unwrap() {
                let keys: BTreeSet<&str> = figure
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                assert_eq!(
                    keys,
                    BTreeSet::from(["category", "covers", "status", "requests", "accounts"])
                );
                for what in ["requests", "accounts"] {
                    let range = figure[what].as_object().unwrap();
                    assert_eq!(range.len(), 2);
                    let (lo, hi) = bounds(figure, what);
                    assert_eq!(lo % width, 0);
                    assert_eq!(hi, lo + width - 1);
                }
                let text = figure.to_string();
                for exact in [n, accounts, 2 * n, 3 * n, 2 * accounts, 3 * accounts] {
                    if exact % width != 0 && exact % width != width - 1 {
                        assert!(!mentions(&text, exact), "{option:?}: {exact} in {text}");
                    }
                }
            }
            let csv = render_csv(&report, Style::Microsoft);
            let tables = csv_tables(&csv);
            let ns = table(&tables, "national_security");
            assert_eq!(
                ns[0].join(","),
                "category,covers,requests_min,requests_max,accounts_min,accounts_max,status,note"
            );
            for row in &ns[1..] {
                for bound in &row[2..6] {
                    let value: u64 = bound.parse().unwrap();
                    assert!(
                        value.is_multiple_of(width) || value % width == width - 1,
                        "{row:?}"
                    );
                }
            }
            // 3. Nothing else counts national-security cases: the summary count is the
            //    background's six cases.
            let meta = table(&tables, "report");
            assert!(meta.iter().any(|r| r[0] == "case_summaries" && r[1] == "6"));
            let html = render_html(&report);
            let from = html.find("US national security process").unwrap();
            let to = from + html[from..].find("</table>").unwrap();
            let [microsoft, google, json, _] = all_formats(&report);
            for text in [microsoft, google, json, html[from..to].to_owned()] {
                for exact in [n, accounts] {
                    if exact % width != 0 && exact % width != width - 1 && exact > 9 {
                        assert!(!mentions(&text, exact), "{option:?}: {exact} in output");
                    }
                }
            }
        }
    }
}
