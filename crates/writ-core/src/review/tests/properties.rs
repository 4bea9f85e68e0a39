//! Invariants of scopes over generated demands and reviewer requests: the engine's
//! decision bounds the scope, and no request gets past it.

use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use super::*;
use crate::Category;
use crate::identifier::Identifier;
use crate::policy::{Outcome, Verdict};

const CATEGORIES: [&str; 4] = ["subscriber", "ip_identification", "traffic", "content"];
const TIMES: [&str; 2] = ["2026-02-11T10:15:00Z", "2026-02-12T08:00:00Z"];

/// Instruments with an issuer that fits them (most of them, so that most demands
/// allow something), and some that do not.
const INSTRUMENTS: [(&str, &str); 13] = [
    ("us.subpoena", "police"),
    ("us.subpoena", "police"),
    ("us.court_order_2703d", "judge"),
    ("us.court_order_2703d", "judge"),
    ("us.search_warrant", "judge"),
    ("us.search_warrant", "judge"),
    ("us.search_warrant", "judge"),
    ("us.search_warrant", "police"),
    ("us.nsl", "fbi"),
    ("us.preservation_2703f", "police"),
    ("us.emergency", "police"),
    ("informal", "police"),
    ("bogus.order", "judge"),
];

/// Specific identifiers, some the same account spelled differently, and the same
/// address seen at different times and ports.
fn specific_target() -> impl Strategy<Value = Value> {
    prop_oneof![
        select(vec![
            "alice@example.com",
            "Alice@Example.COM",
            "bob@example.net",
            "carol@example.org"
        ])
        .prop_map(|v| json!({"type": "email", "value": v})),
        select(vec!["dave", "Dave", "erin"]).prop_map(|v| json!({"type": "username", "value": v})),
        Just(json!({"type": "phone", "value": "+12065550100"})),
        (
            select(vec![
                "203.0.113.7",
                "203.0.113.7/32",
                "198.51.100.2",
                "2001:db8::1"
            ]),
            select(TIMES.to_vec()),
            proptest::option::of(select(vec![443u16, 51234])),
        )
            .prop_map(|(v, at, port)| {
                let mut target = json!({"type": "ip", "value": v, "at": at});
                if let Some(port) = port {
                    target["port"] = json!(port);
                }
                target
            }),
    ]
}

fn any_target() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => specific_target(),
        1 => select(vec![
            json!({"type": "email", "value": "*@example.com"}),
            json!({"type": "email", "value": "example.com"}),
            json!({"type": "username", "value": "everyone"}),
            json!({"type": "ip", "value": "10.0.0.0/8", "at": TIMES[0]}),
            json!({"type": "ip", "value": "203.0.113.9"}),
        ]),
    ]
}

/// A demand document: the example with another instrument, categories, targets,
/// action and period.
fn demand_doc() -> impl Strategy<Value = Value> {
    (
        select(INSTRUMENTS.to_vec()),
        subsequence(CATEGORIES.to_vec(), 1..=4).prop_shuffle(),
        proptest::collection::vec(any_target(), 1..6),
        any::<bool>(),
        proptest::option::of(1i64..120),
    )
        .prop_map(
            |((instrument, role), categories, targets, preserve, days)| {
                edited(|d| {
                    d["instrument"]["type"] = json!(instrument);
                    d["instrument"]["issuer"]["role"] = json!(role);
                    if instrument == "us.emergency" {
                        d["emergency"] = json!({"justification": "Imminent threat to a life."});
                    }
                    if preserve {
                        d["action"] = json!("preserve");
                    }
                    d["categories"] = json!(categories);
                    d["targets"] = Value::Array(targets);
                    match days {
                        Some(days) => {
                            let to = ts("2026-01-01T00:00:00Z")
                                .checked_add(time::Duration::days(days))
                                .unwrap();
                            d["period"]["to"] = json!(to.to_string());
                        }
                        None => {
                            d.as_object_mut().unwrap().remove("period");
                        }
                    }
                })
            },
        )
}

/// A point `per_mille` of the way through `[from, to]`.
fn between(from: Timestamp, to: Timestamp, per_mille: i64) -> Timestamp {
    let span = to.unix_micros() - from.unix_micros();
    Timestamp::from_unix_micros(from.unix_micros() + span / 1000 * per_mille).unwrap()
}

/// A reviewer's request, anything but well-chosen: categories and targets that may or
/// may not be allowed, and periods that may stick out on either side.
fn any_request() -> impl Strategy<Value = Value> {
    (
        proptest::option::of(subsequence(CATEGORIES.to_vec(), 1..=4).prop_shuffle()),
        proptest::option::of(proptest::collection::vec(
            (specific_target(), any::<bool>(), any::<bool>()),
            1..4,
        )),
        proptest::option::of((-30i64..90, 0i64..90)),
    )
        .prop_map(|(categories, targets, period)| {
            let mut request = json!({});
            if let Some(categories) = categories {
                request["categories"] = json!(categories);
            }
            if let Some(targets) = targets {
                let targets: Vec<Value> = targets
                    .into_iter()
                    .map(|(mut target, drop_at, drop_port)| {
                        let fields = target.as_object_mut().unwrap();
                        // Without `at` or `port`, an ip target selects every sighting.
                        if drop_at {
                            fields.remove("at");
                        }
                        if drop_port {
                            fields.remove("port");
                        }
                        target
                    })
                    .collect();
                request["targets"] = Value::Array(targets);
            }
            if let Some((start, length)) = period {
                let from = ts("2026-01-01T00:00:00Z")
                    .checked_add(time::Duration::days(start))
                    .unwrap();
                let to = from.checked_add(time::Duration::days(length)).unwrap();
                request["period"] = json!({"from": from.to_string(), "to": to.to_string()});
            }
            request
        })
}

fn target_json(target: &ScopeTarget, shout: bool) -> Value {
    let value = if shout && matches!(target.identifier(), Identifier::Email(_)) {
        target.value().to_uppercase()
    } else {
        target.value().to_owned()
    };
    let mut doc = json!({"type": target.kind(), "value": value});
    if let Some(at) = target.at() {
        doc["at"] = json!(at.to_string());
    }
    if let Some(port) = target.port() {
        doc["port"] = json!(port);
    }
    doc
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The allowed scope holds only categories and targets the decision allowed, and
    /// nothing at all when the demand is rejected.
    #[test]
    fn allowed_by_never_includes_a_refused_category_or_target(doc in demand_doc()) {
        let (demand, decision) = decided(&doc);
        let scope = Scope::allowed_by(&demand, &decision);
        if decision.verdict == Verdict::Reject {
            prop_assert!(scope.categories().is_empty() && scope.targets().is_empty());
        }
        for category in scope.categories() {
            let verdict = decision.categories.iter().find(|c| c.category == *category);
            prop_assert_eq!(verdict.map(|c| c.decision), Some(Outcome::Allow), "{}", category);
            prop_assert!(demand.categories.contains(category));
        }
        let canonical: Vec<Category> = Category::ALL.into_iter().filter(|c| scope.categories().contains(c)).collect();
        prop_assert_eq!(scope.categories(), canonical.as_slice());
        for target in scope.targets() {
            let allowed = demand.targets.iter().zip(&decision.targets).any(|(asked, verdict)| {
                verdict.decision == Outcome::Allow
                    && verdict.kind == target.kind()
                    && verdict.value == target.value()
                    && asked.raw == target.value()
                    && asked.at == target.at()
                    && asked.port == target.port()
            });
            prop_assert!(allowed, "{:?} in {:#?}", target, decision.targets);
        }
        prop_assert_eq!(scope.period(), demand.period);
        prop_assert!(scope.is_within(&scope));
    }

    /// Whatever a reviewer asks, a narrowed scope is inside the allowed one (checked
    /// part by part here, not only with `is_within`).
    #[test]
    fn narrowing_never_yields_a_scope_outside_the_allowed_one(doc in demand_doc(), asked in any_request()) {
        let allowed = allowed(&doc);
        let Ok(request) = ScopeRequest::from_value(asked.clone()) else {
            return Ok(());
        };
        match allowed.narrow(&request) {
            Ok(narrowed) => {
                prop_assert!(narrowed.is_within(&allowed), "{:?}", narrowed);
                for category in narrowed.categories() {
                    prop_assert!(allowed.categories().contains(category));
                }
                for target in narrowed.targets() {
                    prop_assert!(allowed.targets().iter().any(|a| a.identifier() == target.identifier()
                        && a.at() == target.at() && a.port() == target.port() && a.value() == target.value()));
                }
                if let Some(outer) = allowed.period() {
                    let inner = narrowed.period();
                    prop_assert!(inner.is_some_and(|p| outer.from() <= p.from() && p.to() <= outer.to()));
                }
                if request.categories().is_some() {
                    prop_assert!(!narrowed.categories().is_empty());
                }
                if request.targets().is_some() {
                    prop_assert!(!narrowed.targets().is_empty());
                }
            }
            Err(err) => prop_assert!(err.field.starts_with("scope."), "{}", err),
        }
    }

    #[test]
    fn narrowing_with_an_empty_request_returns_the_same_scope(doc in demand_doc()) {
        let allowed = allowed(&doc);
        prop_assert_eq!(allowed.narrow(&ScopeRequest::default()), Ok(allowed.clone()));
        prop_assert_eq!(allowed.narrow(&request(json!({}))), Ok(allowed.clone()));
        // And the scope survives storage.
        let text = serde_json::to_string(&allowed).unwrap();
        prop_assert_eq!(serde_json::from_str::<Scope>(&text).unwrap(), allowed);
    }

    /// Naming only allowed things (in any order, in any case for e-mail, any sub-period)
    /// always succeeds, and yields exactly what was named.
    #[test]
    fn a_request_naming_only_allowed_things_always_succeeds(
        doc in demand_doc(),
        category_picks in proptest::collection::vec(any::<bool>(), 4),
        target_picks in proptest::collection::vec((any::<bool>(), any::<bool>()), 6),
        shuffle_seed in any::<proptest::sample::Index>(),
        (a, b) in (0i64..=1000, 0i64..=1000),
        name_period in any::<bool>(),
    ) {
        let allowed = allowed(&doc);
        let mut asked = json!({});

        let categories: Vec<Category> = allowed.categories().iter().zip(&category_picks)
            .filter(|(_, pick)| **pick).map(|(c, _)| *c).collect();
        if !categories.is_empty() {
            let mut names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
            let turn = shuffle_seed.index(names.len());
            names.rotate_left(turn);
            asked["categories"] = json!(names);
        }

        let chosen: Vec<(usize, bool)> = allowed.targets().iter().enumerate().zip(&target_picks)
            .filter(|(_, (pick, _))| *pick).map(|((i, _), (_, shout))| (i, *shout)).collect();
        if !chosen.is_empty() {
            let mut targets: Vec<Value> = chosen.iter().map(|(i, shout)| target_json(&allowed.targets()[*i], *shout)).collect();
            targets.reverse();
            asked["targets"] = Value::Array(targets);
        }

        let (from, to) = match allowed.period() {
            Some(p) => (p.from(), p.to()),
            None => (ts("2025-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z")),
        };
        let wanted_period = name_period.then(|| (between(from, to, a.min(b)), between(from, to, a.max(b))));
        if let Some((from, to)) = wanted_period {
            asked["period"] = json!({"from": from.to_string(), "to": to.to_string()});
        }

        let request = ScopeRequest::from_value(asked.clone());
        prop_assert!(request.is_ok(), "{}: {:?}", asked, request);
        let narrowed = allowed.narrow(&request.unwrap());
        prop_assert!(narrowed.is_ok(), "{}: {:?}", asked, narrowed);
        let narrowed = narrowed.unwrap();

        let expected_categories = if categories.is_empty() { allowed.categories().to_vec() } else { categories };
        prop_assert_eq!(narrowed.categories(), expected_categories.as_slice());
        // A named target without a port picks that sighting on every port.
        let expected_targets: Vec<ScopeTarget> = if chosen.is_empty() {
            allowed.targets().to_vec()
        } else {
            allowed.targets().iter().filter(|t| chosen.iter().any(|(i, _)| {
                let named = &allowed.targets()[*i];
                named.identifier() == t.identifier() && named.at() == t.at()
                    && named.port().is_none_or(|port| t.port() == Some(port))
            })).cloned().collect()
        };
        prop_assert_eq!(narrowed.targets(), expected_targets.as_slice());
        let expected_period = match wanted_period {
            Some((from, to)) => Some(crate::Period::new(from, to).unwrap()),
            None => allowed.period(),
        };
        prop_assert_eq!(narrowed.period(), expected_period);
        prop_assert!(narrowed.is_within(&allowed));
    }
}
