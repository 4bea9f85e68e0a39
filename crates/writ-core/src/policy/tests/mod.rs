//! The policy engine against `docs/policy.md`, case by case. Demands are the §1
//! example (`tests/demands/policy-example.json`) with edits.

use serde_json::{Value, json};

use super::*;
use crate::{Demand, Timestamp};

mod decisions;
mod directory;
mod findings;
mod instruments;
mod outcomes;
mod policy_v2;
mod properties;
mod red_lines;
mod rules;

pub(super) const EXAMPLE: &str = include_str!("../../../tests/demands/policy-example.json");

/// The evaluation time of most cases: an hour after the example was received.
pub(super) const NOW: &str = "2026-03-02T10:00:00Z";

pub(super) fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

pub(super) fn example() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

pub(super) fn edited(edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc = example();
    edit(&mut doc);
    doc
}

pub(super) fn rules() -> Rules {
    Rules::embedded().unwrap()
}

pub(super) fn demand(doc: &Value) -> Demand {
    Demand::from_json(&doc.to_string()).unwrap_or_else(|e| panic!("{e}\n{doc:#}"))
}

pub(super) fn decide(doc: &Value) -> Decision {
    decide_at(doc, NOW)
}

pub(super) fn decide_at(doc: &Value, now: &str) -> Decision {
    evaluate(&demand(doc), &rules(), None, ts(now))
}

pub(super) fn decide_with(doc: &Value, directory: &dyn Directory) -> Decision {
    evaluate(&demand(doc), &rules(), Some(directory), ts(NOW))
}

pub(super) fn codes(decision: &Decision) -> Vec<Code> {
    decision.findings.iter().map(|f| f.code).collect()
}

/// The one finding with `code`.
pub(super) fn finding(decision: &Decision, code: Code) -> &Finding {
    let found: Vec<&Finding> = decision
        .findings
        .iter()
        .filter(|f| f.code == code)
        .collect();
    assert_eq!(found.len(), 1, "one {code} expected: {decision:#?}");
    found[0]
}

pub(super) fn category(decision: &Decision, category: crate::Category) -> &CategoryDecision {
    decision
        .categories
        .iter()
        .find(|c| c.category == category)
        .unwrap_or_else(|| panic!("{category} not in {decision:#?}"))
}

/// When an EU order is received, so that e-Evidence applies (from 18 August 2026).
pub(super) const EU_RECEIVED: &str = "2026-09-02T09:00:00Z";

/// The example's dates moved past the day the e-Evidence Regulation applies from:
/// received [`EU_RECEIVED`], issued the day before, valid for two weeks.
pub(super) fn in_force_for_e_evidence(d: &mut Value) {
    d["received_at"] = json!(EU_RECEIVED);
    d["instrument"]["issued_at"] = json!("2026-09-01T16:00:00Z");
    d["instrument"]["expires_at"] = json!("2026-09-15T00:00:00Z");
    d["instrument"]["nondisclosure"]["until"] = json!("2027-03-01T00:00:00Z");
}

/// The example, turned into a demand that `instrument` grants in full: the
/// authority, issuer and action it needs, and all four categories asked.
pub(super) fn valid_for(instrument: &str) -> Value {
    edited(|d| {
        d["instrument"]["type"] = json!(instrument);
        d["categories"] = json!(["subscriber", "ip_identification", "traffic", "content"]);
        let (country, authority, role) = match instrument {
            "us.nsl" => ("US", "FBI Seattle Field Office", "fbi"),
            "us.fisa_order" => ("US", "FBI", "court"),
            "us.fisa_702" => ("US", "NSA", "attorney_general"),
            "us.subpoena" | "us.preservation_2703f" | "us.emergency" | "informal" => {
                ("US", "Seattle Police Department", "police")
            }
            "eu.epoc" => ("DE", "Amtsgericht Berlin-Tiergarten", "judge"),
            "eu.epoc_pr" => ("DE", "Staatsanwaltschaft Berlin", "prosecutor"),
            "uk.copo" => ("GB", "Crown Court at Southwark", "judge"),
            "au.ipo" => ("AU", "Federal Circuit Court of Australia", "judge"),
            "foreign.legal_process" => ("BR", "Polícia Federal", "police"),
            "mlat" => ("FR", "Tribunal judiciaire de Paris", "court"),
            "uk.technical_capability_notice" => ("GB", "Home Office", "other"),
            "au.technical_capability_notice" => {
                ("AU", "Attorney-General's Department", "attorney_general")
            }
            _ => ("US", "Seattle Police Department", "judge"),
        };
        d["authority"]["country"] = json!(country);
        d["authority"]["name"] = json!(authority);
        d["instrument"]["issuer"]["role"] = json!(role);
        if instrument.starts_with("eu.") {
            in_force_for_e_evidence(d);
        }
        if instrument == "mlat" {
            d["instrument"]["us_order"] = json!("search_warrant");
        }
        if matches!(instrument, "uk.copo" | "au.ipo") {
            d["instrument"]["agreement_attestation"] = json!(true);
        }
        if matches!(instrument, "us.preservation_2703f" | "eu.epoc_pr") {
            d["action"] = json!("preserve");
        }
        if matches!(instrument, "us.emergency" | "informal") {
            d["emergency"] = json!({"justification": "A child has been abducted; the suspect uses this account."});
        }
    })
}
