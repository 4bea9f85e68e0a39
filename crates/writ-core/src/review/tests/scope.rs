//! `Scope`: what the engine allowed, narrowed by a reviewer, and its JSON.

use super::*;
use crate::identifier::{Identifier, TargetKind};
use crate::{Category, Period};

fn period(from: &str, to: &str) -> Period {
    Period::new(ts(from), ts(to)).unwrap()
}

type Targets<'a> = Vec<(TargetKind, &'a str)>;

/// `(kind, value as written)` of each target.
fn targets(scope: &Scope) -> Targets<'_> {
    scope
        .targets()
        .iter()
        .map(|t| (t.kind(), t.value()))
        .collect()
}

#[test]
fn the_example_allows_everything_it_asks() {
    let scope = allowed(&edited(|_| {}));
    assert_eq!(
        scope.categories(),
        [Category::Subscriber, Category::Content]
    );
    assert_eq!(
        targets(&scope),
        [
            (TargetKind::Email, "alice@example.com"),
            (TargetKind::Ip, "203.0.113.7")
        ]
    );
    let ip = &scope.targets()[1];
    assert_eq!(ip.at(), Some(ts("2026-02-11T10:15:00Z")));
    assert_eq!(ip.port(), Some(51234));
    assert_eq!(ip.identifier().to_string(), "203.0.113.7");
    assert_eq!(
        scope.period(),
        Some(period("2026-01-01T00:00:00Z", "2026-02-28T23:59:59Z"))
    );
    assert!(!scope.is_empty());
}

#[test]
#[rustfmt::skip]
fn allowed_by_keeps_only_what_the_engine_allowed() {
    use Category::*;
    use TargetKind::*;
    struct Case {
        name: &'static str,
        doc: Value,
        categories: Vec<Category>,
        targets: Vec<(TargetKind, &'static str)>,
    }
    let cases = vec![
        Case {
            name: "a subpoena may not compel content",
            doc: edited(|d| {
                d["instrument"]["type"] = json!("us.subpoena");
                d["categories"] = json!(["content", "subscriber", "traffic"]);
            }),
            categories: vec![Subscriber],
            targets: vec![(Email, "alice@example.com"), (Ip, "203.0.113.7")],
        },
        Case {
            name: "categories come out in canonical order",
            doc: edited(|d| d["categories"] = json!(["content", "traffic", "ip_identification", "subscriber"])),
            categories: vec![Subscriber, IpIdentification, Traffic, Content],
            targets: vec![(Email, "alice@example.com"), (Ip, "203.0.113.7")],
        },
        Case {
            name: "blanket targets and an ip without a time are refused",
            doc: edited(|d| d["targets"] = json!([
                {"type": "email", "value": "*@example.com"},
                {"type": "username", "value": "carol"},
                {"type": "ip", "value": "203.0.113.9"},
                {"type": "ip", "value": "10.0.0.0/8", "at": "2026-02-11T10:15:00Z"},
                {"type": "phone", "value": "+12065550100"}
            ])),
            categories: vec![Subscriber, Content],
            targets: vec![(Username, "carol"), (Phone, "+12065550100")],
        },
        Case {
            name: "the same account twice is one target, as first written",
            doc: edited(|d| d["targets"] = json!([
                {"type": "email", "value": "Alice@Example.com"},
                {"type": "email", "value": "alice@example.com"}
            ])),
            categories: vec![Subscriber, Content],
            targets: vec![(Email, "Alice@Example.com")],
        },
        Case {
            name: "one address seen at two times is two targets",
            doc: edited(|d| d["targets"] = json!([
                {"type": "ip", "value": "203.0.113.7", "at": "2026-02-11T10:15:00Z"},
                {"type": "ip", "value": "203.0.113.7", "at": "2026-02-12T08:00:00Z"}
            ])),
            categories: vec![Subscriber, Content],
            targets: vec![(Ip, "203.0.113.7"), (Ip, "203.0.113.7")],
        },
        Case {
            name: "a rejected demand allows nothing",
            doc: edited(|d| d["instrument"]["type"] = json!("informal")),
            categories: vec![],
            targets: vec![],
        },
        Case {
            name: "only blanket targets: rejected",
            doc: edited(|d| d["targets"] = json!([{"type": "email", "value": "example.com"}])),
            categories: vec![],
            targets: vec![],
        },
        Case {
            name: "content without a period is refused",
            doc: edited(|d| { d.as_object_mut().unwrap().remove("period"); }),
            categories: vec![Subscriber],
            targets: vec![(Email, "alice@example.com"), (Ip, "203.0.113.7")],
        },
    ];
    for case in cases {
        let (demand, decision) = decided(&case.doc);
        let scope = Scope::allowed_by(&demand, &decision);
        assert_eq!(scope.categories(), case.categories.as_slice(), "{}", case.name);
        assert_eq!(targets(&scope), case.targets, "{}", case.name);
        assert_eq!(scope.period(), demand.period, "{}", case.name);
        assert_eq!(scope.is_empty(), case.categories.is_empty(), "{}", case.name);
    }
}

#[test]
fn allowed_by_leaves_out_a_decision_that_does_not_line_up_with_the_demand() {
    let (demand, mut decision) = decided(&edited(|_| {}));
    decision.targets[0].value = "mallory@example.com".to_owned();
    let scope = Scope::allowed_by(&demand, &decision);
    assert_eq!(targets(&scope), [(TargetKind::Ip, "203.0.113.7")]);
    // A category the demand did not ask for is not added, whatever the decision says.
    decision.categories[0].category = Category::Traffic;
    let scope = Scope::allowed_by(&demand, &decision);
    assert_eq!(scope.categories(), [Category::Content]);
}

#[test]
fn narrowing_keeps_what_the_reviewer_names() {
    let scope = allowed(&edited(|d| {
        d["categories"] = json!(["subscriber", "traffic", "content"]);
        d["targets"] = json!([
            {"type": "email", "value": "alice@example.com"},
            {"type": "ip", "value": "203.0.113.7", "port": 51234, "at": "2026-02-11T10:15:00Z"},
            {"type": "ip", "value": "203.0.113.7", "at": "2026-02-12T08:00:00Z"},
            {"type": "username", "value": "carol"}
        ]);
    }));
    // request → categories, targets, period
    let cases: Vec<(Value, Vec<Category>, Targets<'_>, Option<Period>)> = vec![
        (
            json!({}),
            scope.categories().to_vec(),
            targets(&scope),
            scope.period(),
        ),
        (
            // Any order in, canonical order out.
            json!({"categories": ["content", "subscriber"]}),
            vec![Category::Subscriber, Category::Content],
            targets(&scope),
            scope.period(),
        ),
        (
            // Matched by the parsed identifier; kept as the authority wrote it, in its order.
            json!({"targets": [{"type": "username", "value": "carol"}, {"type": "email", "value": " ALICE@example.COM "}]}),
            scope.categories().to_vec(),
            vec![
                (TargetKind::Email, "alice@example.com"),
                (TargetKind::Username, "carol"),
            ],
            scope.period(),
        ),
        (
            // An address without a time keeps every allowed sighting of it…
            json!({"targets": [{"type": "ip", "value": "203.0.113.7"}]}),
            scope.categories().to_vec(),
            vec![
                (TargetKind::Ip, "203.0.113.7"),
                (TargetKind::Ip, "203.0.113.7"),
            ],
            scope.period(),
        ),
        (
            // …and with one, that sighting only.
            json!({"targets": [{"type": "ip", "value": "203.0.113.7/32", "at": "2026-02-12T08:00:00Z"}]}),
            scope.categories().to_vec(),
            vec![(TargetKind::Ip, "203.0.113.7")],
            scope.period(),
        ),
        (
            json!({"period": {"from": "2026-02-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"}}),
            scope.categories().to_vec(),
            targets(&scope),
            Some(period("2026-02-01T00:00:00Z", "2026-02-28T23:59:59Z")),
        ),
        (
            // The bounds themselves are inside; offsets are the same instant.
            json!({"period": {"from": "2026-01-01T01:00:00+01:00", "to": "2026-02-28T23:59:59Z"}}),
            scope.categories().to_vec(),
            targets(&scope),
            scope.period(),
        ),
    ];
    for (doc, categories, expected_targets, expected_period) in cases {
        let narrowed = scope
            .narrow(&request(doc.clone()))
            .unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert_eq!(narrowed.categories(), categories.as_slice(), "{doc}");
        assert_eq!(targets(&narrowed), expected_targets, "{doc}");
        assert_eq!(narrowed.period(), expected_period, "{doc}");
        assert!(narrowed.is_within(&scope), "{doc}");
    }
    let only_feb = scope
        .narrow(&request(json!({"targets": [{"type": "ip", "value": "203.0.113.7", "at": "2026-02-12T08:00:00Z"}]})))
        .unwrap();
    assert_eq!(only_feb.targets()[0].at(), Some(ts("2026-02-12T08:00:00Z")));
    assert_eq!(only_feb.targets()[0].port(), None);
}

#[test]
fn a_period_may_be_added_where_there_was_none() {
    let scope = allowed(&edited(|d| {
        d["categories"] = json!(["subscriber"]);
        d.as_object_mut().unwrap().remove("period");
    }));
    assert_eq!(scope.period(), None);
    let narrowed = scope
        .narrow(&request(
            json!({"period": {"from": "2020-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"}}),
        ))
        .unwrap();
    assert_eq!(
        narrowed.period(),
        Some(period("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"))
    );
    assert!(narrowed.is_within(&scope));
    assert!(
        !scope.is_within(&narrowed),
        "dropping the period would widen"
    );
}

/// Narrowing the example's allowed scope with `doc` fails at `field` saying `problem`.
#[test]
#[rustfmt::skip]
fn narrowing_errors_name_the_field() {
    let scope = allowed(&edited(|d| d["instrument"]["type"] = json!("us.court_order_2703d")));
    assert_eq!(scope.categories(), [Category::Subscriber], "2703(d) may not compel content");
    let cases = [
        (json!({"categories": ["subscriber", "content"]}), "scope.categories[1]", "content was not allowed by the policy engine"),
        (json!({"categories": ["traffic"]}), "scope.categories[0]", "traffic was not allowed by the policy engine"),
        (json!({"targets": [{"type": "email", "value": "alice@example.com"}, {"type": "email", "value": "bob@example.com"}]}), "scope.targets[1]", "bob@example.com is not a target the engine allowed"),
        (json!({"targets": [{"type": "username", "value": "alice@example.com"}]}), "scope.targets[0]", "alice@example.com is not a target the engine allowed"),
        (json!({"targets": [{"type": "ip", "value": "203.0.113.8", "at": "2026-02-11T10:15:00Z"}]}), "scope.targets[0]", "203.0.113.8 is not a target the engine allowed"),
        (json!({"targets": [{"type": "ip", "value": "203.0.113.7", "at": "2026-02-11T10:16:00Z"}]}), "scope.targets[0].at", "the engine allowed 203.0.113.7 only at 2026-02-11T10:15:00Z, port 51234"),
        (json!({"targets": [{"type": "ip", "value": "203.0.113.7", "at": "2026-02-11T10:15:00Z", "port": 443}]}), "scope.targets[0].port", "the engine allowed 203.0.113.7 only at 2026-02-11T10:15:00Z, port 51234"),
        (json!({"period": {"from": "2025-12-31T23:59:59Z", "to": "2026-01-31T00:00:00Z"}}), "scope.period.from", "2025-12-31T23:59:59Z is before the allowed period (2026-01-01T00:00:00Z to 2026-02-28T23:59:59Z)"),
        (json!({"period": {"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}}), "scope.period.to", "2026-03-01T00:00:00Z is after the allowed period (2026-01-01T00:00:00Z to 2026-02-28T23:59:59Z)"),
    ];
    for (doc, field, problem) in cases {
        let err = scope.narrow(&request(doc.clone())).expect_err(field);
        assert_eq!((err.field.as_str(), err.problem.as_str()), (field, problem), "{doc}");
        assert_eq!(err.to_string(), format!("{field}: {problem}"));
    }
}

#[test]
fn a_rejected_demand_cannot_be_narrowed_into_anything() {
    let scope = allowed(&edited(|d| d["instrument"]["type"] = json!("informal")));
    assert!(scope.is_empty());
    assert_eq!(scope.narrow(&ScopeRequest::default()).unwrap(), scope);
    let err = scope
        .narrow(&request(json!({"categories": ["subscriber"]})))
        .unwrap_err();
    assert_eq!(err.field, "scope.categories[0]");
    let err = scope
        .narrow(&request(
            json!({"targets": [{"type": "email", "value": "alice@example.com"}]}),
        ))
        .unwrap_err();
    assert_eq!(err.field, "scope.targets[0]");
}

/// Parsing a request: the first error, at `field`, containing `problem`.
#[test]
#[rustfmt::skip]
fn request_input_errors_name_the_field() {
    let cases = [
        (json!({"colour": "red"}), "scope.colour", "unknown field `colour`"),
        (json!({"categories": []}), "scope.categories", "a scope must keep at least one category (reject the demand instead)"),
        (json!({"targets": []}), "scope.targets", "a scope must keep at least one target (reject the demand instead)"),
        (json!({"categories": ["subscriber", "passwords"]}), "scope.categories[1]", "unknown variant `passwords`"),
        (json!({"categories": ["content", "content"]}), "scope.categories[1]", "content is listed twice"),
        (json!({"categories": "subscriber"}), "scope.categories", "invalid type"),
        (json!({"categories": null}), "scope.categories", "null is not allowed"),
        (json!({"targets": null}), "scope.targets", "null is not allowed"),
        (json!({"period": null}), "scope.period", "null is not allowed: leave the field out to keep what was allowed"),
        (json!({"targets": [{"type": "email"}]}), "scope.targets[0].value", "missing field `value`"),
        (json!({"targets": [{"type": "fax", "value": "x"}]}), "scope.targets[0].type", "unknown variant `fax`"),
        (json!({"targets": [{"type": "email", "value": "alice@example.com", "mask": 1}]}), "scope.targets[0].mask", "unknown field `mask`"),
        (json!({"targets": [{"type": "email", "value": "alice@@example.com"}]}), "scope.targets[0].value", "not a valid email identifier"),
        (json!({"targets": [{"type": "email", "value": "*@example.com"}]}), "scope.targets[0].value", "contains a wildcard"),
        (json!({"targets": [{"type": "ip", "value": "203.0.113.0/24"}]}), "scope.targets[0].value", "an address range"),
        (json!({"targets": [{"type": "username", "value": "everyone"}]}), "scope.targets[0].value", "names everyone"),
        (json!({"targets": [{"type": "email", "value": "alice@example.com", "port": 25}]}), "scope.targets[0].port", "only an ip target has a port"),
        (json!({"targets": [{"type": "email", "value": "alice@example.com", "at": "2026-02-11T10:15:00Z"}]}), "scope.targets[0].at", "only an ip target has `at`"),
        (json!({"targets": [{"type": "ip", "value": "203.0.113.7", "at": "yesterday"}]}), "scope.targets[0].at", "not an RFC 3339 time"),
        (json!({"targets": [{"type": "ip", "value": "203.0.113.7", "port": 70000}]}), "scope.targets[0].port", "invalid value"),
        (json!({"targets": [{"type": "email", "value": "alice@example.com"}, {"type": "email", "value": "Alice@Example.com"}]}), "scope.targets[1]", "Alice@Example.com is listed twice"),
        (json!({"period": {"from": "2026-02-01T00:00:00Z"}}), "scope.period.to", "missing field `to`"),
        (json!({"period": {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}}), "scope.period", "`from` (2026-02-01T00:00:00Z) is after `to` (2026-01-01T00:00:00Z)"),
        (json!({"period": {"from": "2026-01-01", "to": "2026-02-01T00:00:00Z"}}), "scope.period.from", "not an RFC 3339 time"),
        (json!("subscriber"), "scope", "invalid type"),
    ];
    for (doc, field, problem) in cases {
        for err in [
            ScopeRequest::from_value(doc.clone()).expect_err(field),
            ScopeRequest::from_json(&doc.to_string()).expect_err(field),
        ] {
            assert_eq!(err.field, field, "{doc}: {err}");
            assert!(err.problem.contains(problem), "{doc}: {err}");
            assert!(err.to_string().starts_with(&format!("{field}: ")), "{err}");
        }
    }
    let err = ScopeRequest::from_json("{\"categories\": [").unwrap_err();
    assert_eq!(err.field, "scope.categories", "{err}");
    let err = ScopeRequest::from_json("").unwrap_err();
    assert_eq!(err.field, "scope", "{err}");
}

#[test]
fn an_empty_request_keeps_everything() {
    for doc in [json!({}), Value::Object(Default::default())] {
        let parsed = request(doc);
        assert!(parsed.is_empty());
        assert_eq!(parsed, ScopeRequest::default());
    }
    let scope = allowed(&edited(|_| {}));
    assert_eq!(scope.narrow(&ScopeRequest::default()).unwrap(), scope);
}

#[test]
fn a_request_exposes_what_it_asks() {
    let parsed = request(json!({
        "categories": ["content", "subscriber"],
        "targets": [{"type": "email", "value": "Alice@Example.com"}],
        "period": {"from": "2026-02-01T00:00:00Z", "to": "2026-02-02T00:00:00Z"}
    }));
    assert_eq!(
        parsed.categories(),
        Some([Category::Content, Category::Subscriber].as_slice())
    );
    let target = &parsed.targets().unwrap()[0];
    assert_eq!(target.value(), "Alice@Example.com");
    assert_eq!(
        target.identifier(),
        &Identifier::parse_specific(TargetKind::Email, "alice@example.com").unwrap()
    );
    assert_eq!(
        parsed.period(),
        Some(period("2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z"))
    );
    assert!(!parsed.is_empty());
}

#[test]
fn is_within_compares_categories_targets_and_periods() {
    let outer = allowed(&edited(|_| {}));
    let only_subscriber = outer
        .narrow(&request(json!({"categories": ["subscriber"]})))
        .unwrap();
    let only_alice = outer
        .narrow(&request(
            json!({"targets": [{"type": "email", "value": "alice@example.com"}]}),
        ))
        .unwrap();
    let february = outer
        .narrow(&request(
            json!({"period": {"from": "2026-02-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"}}),
        ))
        .unwrap();
    assert!(outer.is_within(&outer));
    for inner in [&only_subscriber, &only_alice, &february] {
        assert!(inner.is_within(&outer));
        assert!(!outer.is_within(inner), "{inner:?}");
    }
    assert!(!only_subscriber.is_within(&only_alice));
    let nothing = allowed(&edited(|d| d["instrument"]["type"] = json!("informal")));
    assert!(
        nothing.is_within(&outer),
        "nothing is within anything with its period"
    );
    assert!(!outer.is_within(&nothing));
}

#[test]
fn the_json_shape_is_the_documented_one_and_round_trips() {
    let scope = allowed(&edited(|_| {}));
    let text = serde_json::to_value(&scope).unwrap();
    assert_eq!(
        text,
        json!({
            "categories": ["subscriber", "content"],
            "targets": [
                {"type": "email", "value": "alice@example.com"},
                {"type": "ip", "value": "203.0.113.7", "at": "2026-02-11T10:15:00Z", "port": 51234}
            ],
            "period": {"from": "2026-01-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"}
        })
    );
    let back: Scope = serde_json::from_value(text).unwrap();
    assert_eq!(back, scope);

    let without = allowed(&edited(|d| {
        d["categories"] = json!(["subscriber"]);
        d.as_object_mut().unwrap().remove("period");
    }));
    let text = serde_json::to_value(&without).unwrap();
    assert_eq!(text["period"], Value::Null);
    assert_eq!(serde_json::from_value::<Scope>(text).unwrap(), without);

    let asked = request(json!({
        "categories": ["subscriber"],
        "targets": [{"type": "ip", "value": "203.0.113.7", "at": "2026-02-11T10:15:00Z"}]
    }));
    let text = serde_json::to_value(&asked).unwrap();
    assert_eq!(
        text,
        json!({
            "categories": ["subscriber"],
            "targets": [{"type": "ip", "value": "203.0.113.7", "at": "2026-02-11T10:15:00Z"}]
        })
    );
    assert_eq!(serde_json::from_value::<ScopeRequest>(text).unwrap(), asked);
    assert_eq!(
        serde_json::to_value(ScopeRequest::default()).unwrap(),
        json!({})
    );
}

#[test]
fn a_stored_scope_is_checked_on_the_way_back_in() {
    for doc in [
        json!({"categories": ["subscriber"], "targets": [{"type": "email", "value": "*@example.com"}], "period": null}),
        json!({"categories": ["subscriber", "subscriber"], "targets": [], "period": null}),
        json!({"categories": [], "targets": [], "period": {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}}),
        json!({"categories": [], "targets": []}),
        json!({"categories": [], "targets": [], "period": null, "extra": 1}),
        json!({"categories": [], "targets": [{"type": "email", "value": "a@example.com"}, {"type": "email", "value": "A@example.com"}], "period": null}),
    ] {
        assert!(
            serde_json::from_value::<Scope>(doc.clone()).is_err(),
            "{doc}"
        );
    }
    // Read back in canonical order.
    let scope: Scope = serde_json::from_value(
        json!({"categories": ["content", "subscriber"], "targets": [], "period": null}),
    )
    .unwrap();
    assert_eq!(
        scope.categories(),
        [Category::Subscriber, Category::Content]
    );
}
