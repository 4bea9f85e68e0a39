//! Every input error of `docs/policy.md` §1 names its field.

use serde_json::{Value, json};

use super::*;
use crate::identifier::{Identifier, NotSpecific};

const EXAMPLE: &str = include_str!("../../tests/demands/policy-example.json");

fn example() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

/// Parses `example` after `edit`, expecting an error at `field`.
fn error_at(edit: impl FnOnce(&mut Value), field: &str) -> DemandError {
    let mut doc = example();
    edit(&mut doc);
    let err = Demand::from_json(&doc.to_string()).expect_err("should be refused");
    assert_eq!(err.field, field, "{err}");
    assert!(
        err.to_string().starts_with(field),
        "message names the field: {err}"
    );
    err
}

#[test]
fn the_policy_example_parses() {
    let demand = Demand::from_json(EXAMPLE).unwrap();
    assert_eq!(demand.reference, "SEA-2026-0412");
    assert_eq!(demand.authority.country.as_str(), "US");
    assert_eq!(demand.instrument.kind, "us.search_warrant");
    assert_eq!(demand.instrument.issuer.role, IssuerRole::Judge);
    assert_eq!(
        demand.instrument.nondisclosure.as_ref().unwrap().term,
        GagTerm::Until(Timestamp::parse("2026-09-01T00:00:00Z").unwrap())
    );
    assert_eq!(demand.categories, [Category::Subscriber, Category::Content]);
    assert_eq!(demand.action, Action::Disclose);
    assert_eq!(demand.targets.len(), 2);
    assert_eq!(demand.targets[1].port, Some(51234));
    assert!(matches!(
        demand.targets[1].value,
        TargetValue::Specific(Identifier::Ip(_))
    ));
    assert!(!demand.is_emergency());
}

#[test]
fn the_smallest_demand_parses_with_defaults() {
    let demand = Demand::from_json(
        &json!({
            "reference": "R-1",
            "authority": {"name": "Polizei Berlin", "country": "DE"},
            "instrument": {"type": "eu.epoc", "issuer": {"role": "prosecutor"}, "issued_at": "2026-03-01T00:00:00Z"},
            "categories": ["subscriber"],
            "targets": [{"type": "username", "value": "bob"}]
        })
        .to_string(),
    )
    .unwrap();
    assert_eq!(demand.received_at, None);
    assert_eq!(demand.action, Action::Disclose);
    assert_eq!(demand.period, None);
    assert!(!demand.instrument.offence_in_issuing_state);
}

#[test]
fn unknown_fields_are_named_wherever_they_are() {
    error_at(|d| d["colour"] = json!("red"), "colour");
    error_at(|d| d["authority"]["colour"] = json!(1), "authority.colour");
    error_at(
        |d| d["instrument"]["issuer"]["rank"] = json!("x"),
        "instrument.issuer.rank",
    );
    error_at(|d| d["targets"][1]["mask"] = json!(24), "targets[1].mask");
    error_at(|d| d["period"]["until"] = json!("x"), "period.until");
}

#[test]
fn missing_required_fields_are_named() {
    for (path, field) in [
        (vec!["reference"], "reference"),
        (vec!["authority", "country"], "authority.country"),
        (vec!["authority", "name"], "authority.name"),
        (vec!["instrument", "type"], "instrument.type"),
        (
            vec!["instrument", "issuer", "role"],
            "instrument.issuer.role",
        ),
        (vec!["instrument", "issued_at"], "instrument.issued_at"),
        (vec!["categories"], "categories"),
        (vec!["targets"], "targets"),
        (vec!["period", "to"], "period.to"),
    ] {
        error_at(
            |d| {
                let (last, parents) = path.split_last().unwrap();
                let mut node = d;
                for p in parents {
                    node = &mut node[*p];
                }
                node.as_object_mut().unwrap().remove(*last);
            },
            field,
        );
    }
}

#[test]
fn wrong_types_are_named() {
    error_at(|d| d["reference"] = json!(42), "reference");
    error_at(|d| d["categories"] = json!("content"), "categories");
    error_at(
        |d| d["targets"][0]["value"] = json!(["a"]),
        "targets[0].value",
    );
    error_at(
        |d| d["targets"][1]["port"] = json!(70000),
        "targets[1].port",
    );
    error_at(
        |d| d["instrument"]["signed"] = json!("yes"),
        "instrument.signed",
    );
    error_at(
        |d| d["instrument"]["offence_in_issuing_state"] = json!(1),
        "instrument.offence_in_issuing_state",
    );
    error_at(
        |d| d["instrument"]["offence"]["max_penalty_years"] = json!("ten"),
        "instrument.offence.max_penalty_years",
    );
    error_at(
        |d| d["instrument"]["offence"]["max_penalty_years"] = json!(-1),
        "instrument.offence.max_penalty_years",
    );
    error_at(|d| d["emergency"] = json!("now"), "emergency");
}

#[test]
fn malformed_times_are_named() {
    error_at(|d| d["received_at"] = json!("yesterday"), "received_at");
    error_at(
        |d| d["instrument"]["issued_at"] = json!("2026-03-01"),
        "instrument.issued_at",
    );
    error_at(
        |d| d["instrument"]["expires_at"] = json!("2026-02-30T00:00:00Z"),
        "instrument.expires_at",
    );
    error_at(
        |d| d["instrument"]["nondisclosure"]["until"] = json!("soon"),
        "instrument.nondisclosure.until",
    );
    error_at(
        |d| d["period"]["from"] = json!("2026-01-01 00:00"),
        "period.from",
    );
    error_at(
        |d| d["targets"][1]["at"] = json!(1700000000),
        "targets[1].at",
    );
}

#[test]
fn malformed_identifiers_are_named() {
    error_at(
        |d| d["targets"][0]["value"] = json!("alice@@example.com"),
        "targets[0].value",
    );
    error_at(
        |d| d["targets"][1]["value"] = json!("203.0.113.999"),
        "targets[1].value",
    );
    error_at(
        |d| d["targets"][0] = json!({"type": "phone", "value": "555-0100"}),
        "targets[0].value",
    );
    error_at(
        |d| d["targets"][0] = json!({"type": "fax", "value": "x"}),
        "targets[0].type",
    );
    error_at(|d| d["targets"][0]["port"] = json!(25), "targets[0].port");
    error_at(
        |d| d["authority"]["country"] = json!("UK"),
        "authority.country",
    );
    error_at(
        |d| d["authority"]["country"] = json!("usa"),
        "authority.country",
    );
    error_at(
        |d| d["authority"]["contact"]["email"] = json!("nobody"),
        "authority.contact.email",
    );
    error_at(
        |d| d["authority"]["contact"]["phone"] = json!("206 555"),
        "authority.contact.phone",
    );
    error_at(
        |d| d["instrument"]["issuer"]["role"] = json!("sheriff"),
        "instrument.issuer.role",
    );
}

#[test]
fn categories_outside_the_four_are_refused() {
    let err = error_at(
        |d| d["categories"] = json!(["subscriber", "metadata"]),
        "categories[1]",
    );
    assert!(err.problem.contains("metadata"), "{err}");
    error_at(|d| d["categories"] = json!([]), "categories");
    error_at(
        |d| d["categories"] = json!(["content", "content"]),
        "categories[1]",
    );
}

#[test]
fn a_period_that_ends_before_it_starts_is_refused() {
    let err = error_at(
        |d| d["period"] = json!({"from": "2026-03-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}),
        "period",
    );
    assert!(err.problem.contains("after"), "{err}");
    // A single instant is a valid period.
    let mut doc = example();
    doc["period"] = json!({"from": "2026-03-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"});
    assert!(Demand::from_json(&doc.to_string()).is_ok());
}

#[test]
fn other_shapes_are_refused_with_their_field() {
    error_at(|d| d["action"] = json!("delete"), "action");
    error_at(|d| d["reference"] = json!("  "), "reference");
    error_at(
        |d| d["instrument"]["nondisclosure"] = json!({"basis": "x"}),
        "instrument.nondisclosure",
    );
    error_at(
        |d| {
            d["instrument"]["nondisclosure"] =
                json!({"until": "2026-09-01T00:00:00Z", "indefinite": true})
        },
        "instrument.nondisclosure",
    );
    error_at(
        |d| d["instrument"]["offence"]["listed"] = json!("piracy"),
        "instrument.offence.listed",
    );
}

#[test]
fn a_document_that_is_not_json_is_refused() {
    let err = Demand::from_json("{\"reference\": ").unwrap_err();
    assert!(err.problem.contains("line 1"), "{err}");
    assert!(Demand::from_json("[]").is_err());
}

#[test]
fn what_is_for_the_rules_to_decide_is_not_an_input_error() {
    let mut doc = example();
    doc["instrument"]["type"] = json!("xx.unheard_of");
    doc["emergency"] = json!({"justification": "  "});
    doc["targets"] = json!([
        {"type": "email", "value": "*@example.com"},
        {"type": "ip", "value": "198.51.100.0/24"},
        {"type": "ip", "value": "198.51.100.1"}
    ]);
    let demand = Demand::from_json(&doc.to_string()).unwrap();
    assert_eq!(demand.instrument.kind, "xx.unheard_of");
    assert!(demand.is_emergency());
    assert_eq!(
        demand.targets[0].value,
        TargetValue::NotSpecific(NotSpecific::Wildcard)
    );
    assert_eq!(
        demand.targets[1].value,
        TargetValue::NotSpecific(NotSpecific::AddressRange)
    );
    assert_eq!(demand.targets[2].at, None);
    // An empty target list is decided too (NO_SPECIFIC_TARGET).
    doc["targets"] = json!([]);
    assert!(Demand::from_json(&doc.to_string()).is_ok());
}
