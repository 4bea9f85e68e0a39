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

#[test]
fn a_demand_and_its_parts_must_be_objects() {
    // Every field in order, as an array: serde alone would read it as the struct.
    let doc = example();
    let fields = [
        "reference",
        "received_at",
        "authority",
        "instrument",
        "emergency",
        "action",
        "categories",
        "period",
        "targets",
    ];
    let as_array: Vec<Value> = fields
        .iter()
        .map(|f| doc.get(*f).cloned().unwrap_or(Value::Null))
        .collect();
    let err = Demand::from_json(&Value::Array(as_array).to_string()).unwrap_err();
    assert_eq!(err.field, ".", "{err}");
    assert!(err.problem.contains("JSON object"), "{err}");

    error_at(
        |d| d["authority"] = json!(["Seattle Police Department", "US"]),
        "authority",
    );
    error_at(
        |d| d["instrument"]["issuer"] = json!(["Hon. M. Chen", "judge"]),
        "instrument.issuer",
    );
    error_at(
        |d| d["period"] = json!(["2026-01-01T00:00:00Z", "2026-02-28T23:59:59Z"]),
        "period",
    );
    error_at(
        |d| d["targets"][1] = json!(["email", "bob@example.com"]),
        "targets[1]",
    );
}

#[test]
fn single_line_fields_are_bounded_and_refuse_control_characters() {
    error_at(|d| d["reference"] = json!("R".repeat(129)), "reference");
    let mut doc = example();
    doc["reference"] = json!("R".repeat(128));
    assert!(Demand::from_json(&doc.to_string()).is_ok());
    error_at(
        |d| d["reference"] = json!("SEA\r\nBcc: victim@example.com\r\n\r\nfake body"),
        "reference",
    );
    error_at(
        |d| d["authority"]["name"] = json!("A".repeat(257)),
        "authority.name",
    );
    error_at(
        |d| d["authority"]["contact"]["name"] = json!("Det.\u{1b}[2J Reyes"),
        "authority.contact.name",
    );
    error_at(
        |d| d["instrument"]["issuer"]["name"] = json!("Hon.\nM. Chen"),
        "instrument.issuer.name",
    );
    error_at(
        |d| d["instrument"]["type"] = json!("us.\tx"),
        "instrument.type",
    );
    error_at(
        |d| d["targets"][0]["value"] = json!(format!("{}@example.com", "a".repeat(300))),
        "targets[0].value",
    );
}

#[test]
fn free_text_fields_take_lines_but_not_nul_or_novels() {
    let mut doc = example();
    doc["instrument"]["offence"]["description"] = json!("wire fraud\nand more\r\n");
    assert!(Demand::from_json(&doc.to_string()).is_ok());
    error_at(
        |d| d["instrument"]["offence"]["description"] = json!("a\0b"),
        "instrument.offence.description",
    );
    error_at(
        |d| d["instrument"]["nondisclosure"]["basis"] = json!("b".repeat(10_001)),
        "instrument.nondisclosure.basis",
    );
    error_at(
        |d| d["emergency"] = json!({"justification": "x\0"}),
        "emergency.justification",
    );
}

mod arbitrary_input {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::{Demand, example};

    /// Any JSON value, a few levels deep.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(".{0,12}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Parts inside the example, by JSON pointer, with the top-level field they are in.
    const INNER: [(&str, &str); 14] = [
        ("authority", "/authority/name"),
        ("authority", "/authority/country"),
        ("authority", "/authority/contact"),
        ("instrument", "/instrument/type"),
        ("instrument", "/instrument/issuer"),
        ("instrument", "/instrument/issuer/role"),
        ("instrument", "/instrument/issued_at"),
        ("instrument", "/instrument/nondisclosure"),
        ("instrument", "/instrument/offence"),
        ("period", "/period/from"),
        ("period", "/period/to"),
        ("targets", "/targets/0"),
        ("targets", "/targets/0/type"),
        ("targets", "/targets/0/value"),
    ];

    const FIELDS: [&str; 9] = [
        "reference",
        "received_at",
        "authority",
        "instrument",
        "emergency",
        "action",
        "categories",
        "period",
        "targets",
    ];

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_refusals_name_a_field(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let text = String::from_utf8_lossy(&bytes);
            if let Err(err) = Demand::from_json(&text) {
                prop_assert!(!err.field.is_empty(), "{}", err);
            }
        }

        #[test]
        fn arbitrary_json_never_panics_and_refusals_name_a_field(value in any_json()) {
            if let Err(err) = Demand::from_json(&value.to_string()) {
                prop_assert!(!err.field.is_empty(), "{}", err);
            }
        }

        /// The example with a part deep inside replaced by anything: refused naming
        /// that part (or something inside it, or the part that holds it), never panics.
        #[test]
        fn the_example_with_any_inner_part_replaced(index in 0..INNER.len(), value in any_json()) {
            let (top, pointer) = INNER[index];
            let mut doc = example();
            if let Some(part) = doc.pointer_mut(pointer) {
                *part = value;
            }
            if let Err(err) = Demand::from_json(&doc.to_string()) {
                prop_assert!(err.field.starts_with(top) || err.field == ".", "{}", err);
            }
        }

        /// The example with one part replaced by anything: refused with a field, or
        /// accepted only when the replacement is an object where one is expected.
        #[test]
        fn the_example_with_any_part_replaced(index in 0..FIELDS.len(), value in any_json()) {
            let mut doc = example();
            doc[FIELDS[index]] = value;
            if let Err(err) = Demand::from_json(&doc.to_string()) {
                prop_assert!(!err.field.is_empty(), "{}", err);
            }
        }
    }
}
