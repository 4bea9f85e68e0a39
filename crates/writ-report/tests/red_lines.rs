//! The red-line table (demands for keys, direct access or technical capability, all
//! refused) and assistance orders, which are secret by statute: left out unless the
//! provider publishes them in the national-security bands.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments
)]

mod common;

use common::{anchor, at, summary};
use writ_report::{
    AssistanceOption, BandOption, CaseSummary, NsOptions, Outcome, Report, ReportOptions, Section,
    Style, render_csv, render_html, render_json,
};

fn summaries() -> Vec<CaseSummary> {
    let mut all = Vec::new();
    let mut n = 0;
    let mut add =
        |country: &str, instrument: &str, section: Section, red_line: bool, count: u64| {
            for _ in 0..count {
                n += 1;
                let mut s = summary(
                    7,
                    n,
                    at("2026-08-01T00:00:00Z"),
                    country,
                    instrument,
                    section,
                    1,
                    Outcome::Rejected,
                );
                s.red_line = red_line;
                all.push(s);
            }
        };
    // Warrants that also asked for keys, and ordinary ones.
    add("US", "us.search_warrant", Section::Criminal, true, 3);
    add("US", "us.search_warrant", Section::Criminal, false, 5);
    add("DE", "foreign.legal_process", Section::Criminal, true, 1);
    // Secret assistance orders, some of them for a capability.
    add(
        "GB",
        "uk.technical_capability_notice",
        Section::Assistance,
        true,
        2,
    );
    add("US", "us.all_writs", Section::Assistance, false, 1);
    all
}

fn report(assistance_orders: AssistanceOption) -> Report {
    let options = ReportOptions {
        assistance_orders,
        ..ReportOptions::new(
            NsOptions::new(BandOption::Band250),
            at("2027-06-01T00:00:00Z"),
        )
    };
    Report::build(&summaries(), "2026-H2".parse().unwrap(), anchor(), &options).unwrap()
}

#[test]
fn red_line_demands_are_counted_per_country_and_all_refused() {
    let report = report(AssistanceOption::Omit);
    let us = report.red_lines[&writ_core::CountryCode::parse("US").unwrap()];
    assert_eq!((us.requests, us.refused), (3, 3));
    let total = report.red_lines_total();
    assert_eq!((total.requests, total.refused), (4, 4));
    // The demands count in their own tables too, as the cases they are.
    assert_eq!(report.criminal_total().requests, 9);
    let json: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
    assert_eq!(json["red_lines"]["totals"]["requests"], 4);
    assert!(
        render_html(&report).contains("Demands for keys, direct access or technical capability")
    );
    let csv = render_csv(&report, Style::Microsoft);
    assert!(
        csv.contains("# red_lines\ncountry_code,country,requests,refused\n"),
        "{csv}"
    );
    assert!(csv.contains("US,United States of America,3,3"), "{csv}");
}

#[test]
fn assistance_orders_are_left_out_by_default() {
    let report = report(AssistanceOption::Omit);
    assert_eq!(report.assistance_orders, None);
    // Not in any table, not in the count of summaries, not among the red lines.
    assert_eq!(report.case_summaries, 9);
    assert!(
        !report
            .red_lines
            .contains_key(&writ_core::CountryCode::parse("GB").unwrap())
    );
    let json = render_json(&report);
    assert!(!json.contains("technical_capability_notice") && !json.contains("all_writs"));
    assert!(!render_csv(&report, Style::Google).contains("all_writs"));
}

#[test]
fn assistance_orders_may_be_published_in_bands_never_exactly() {
    let report = report(AssistanceOption::Bands);
    let band = report.assistance_orders.unwrap();
    assert_eq!((band.lo(), band.hi()), (0, 249));
    let json: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
    assert_eq!(json["assistance_orders"], "0-249");
    let csv = render_csv(&report, Style::Microsoft);
    assert!(
        csv.contains("# assistance_orders\nrequests_lo,requests_hi\n0,249\n"),
        "{csv}"
    );
    assert!(render_html(&report).contains("0–249"));
    assert_eq!(report.case_summaries, 9, "still in no table");
}
