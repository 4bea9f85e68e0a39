//! The JSON rendering: everything the report holds, national security as bands.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use writ_core::CountryCode;

use crate::report::{OutcomeRow, PRESERVATION_PROCESS, Report};

/// The counting rules, carried in the JSON so the numbers explain themselves.
pub const NOTES: [&str; 8] = [
    "Every section counts cases received in the period (UTC), each case once.",
    "criminal: each request counts once in requests and in at most one of content, non_content, no_data, rejected; redirected, withdrawn and pending requests count only in requests.",
    "preservation requests are reported apart and are not in the criminal total.",
    "enterprise: criminal and emergency requests about enterprise customers; they are also counted in those sections.",
    "national_security: bands only, as 50 U.S.C. 1874 allows; national-security cases are in no other section and not in case_summaries.",
    "checkpoint: the signed audit-log checkpoint the report was computed at.",
    "records: the size and root (RFC 6962, base64) of the tree of the period's public case records, from which every figure above but national_security, assistance_orders and earlier periods' trend can be recomputed; null while the report is provisional.",
    "publications: every published version of the period, oldest first, each with its records' size and root, the checkpoint it was counted at, the reason for a correction, and the audit event (index and bytes) that published it; version and records_url name the one shown.",
];

fn with_country<T: Serialize>(code: CountryCode, row: &T) -> Value {
    let mut value = json!(row);
    if let Value::Object(map) = &mut value {
        map.insert("country_code".to_owned(), json!(code));
        map.insert("country".to_owned(), json!(code.name()));
    }
    value
}

fn outcome_section(rows: &BTreeMap<CountryCode, OutcomeRow>, totals: OutcomeRow) -> Value {
    json!({
        "totals": totals,
        "countries": rows.iter().map(|(code, row)| with_country(*code, row)).collect::<Vec<_>>(),
    })
}

pub fn render_json(report: &Report) -> String {
    // A `Value` of strings, numbers and maps always serialises.
    serde_json::to_string_pretty(&json_value(report)).unwrap_or_default()
}

/// The report as JSON, before it is written out: what the verifier compares.
pub(crate) fn json_value(report: &Report) -> Value {
    let legal_process: Vec<Value> = report
        .legal_process
        .iter()
        .flat_map(|(code, processes)| {
            processes.iter().map(move |(process, row)| {
                let percent = if process == PRESERVATION_PROCESS {
                    None
                } else {
                    row.percent_disclosed()
                };
                json!({
                    "country_code": code,
                    "country": code.name(),
                    "legal_process": process,
                    "requests": row.requests,
                    "accounts": row.accounts,
                    "disclosed": row.disclosed,
                    "percent_disclosed": percent,
                })
            })
        })
        .collect();
    json!({
        "period": report.period,
        "period_start": report.period.start(),
        "period_end": report.period.end(),
        "generated_at": report.generated_at,
        "complete": report.complete,
        "case_summaries": report.case_summaries,
        "checkpoint": report.checkpoint,
        "records": report.records,
        "version": report.shown_publication().map(|p| p.version),
        "records_url": report.shown_publication().map(|p| p.records_url(report.period)),
        "publications": report.publications,
        "criminal": outcome_section(&report.criminal, report.criminal_total()),
        "emergency": outcome_section(&report.emergency, report.emergency_total()),
        "preservation": outcome_section(&report.preservation, report.preservation_total()),
        "enterprise": {
            "totals": report.enterprise_total(),
            "countries": report.enterprise.iter().map(|(code, row)| with_country(*code, row)).collect::<Vec<_>>(),
        },
        "legal_process": legal_process,
        "stored_abroad": report.stored_abroad,
        "red_lines": {
            "totals": report.red_lines_total(),
            "countries": report.red_lines.iter().map(|(code, row)| with_country(*code, row)).collect::<Vec<_>>(),
        },
        "assistance_orders": report.assistance_orders.map(|band| band.to_string()),
        "trend": report.trend,
        "national_security": report.national_security,
        "notes": NOTES,
    })
}
