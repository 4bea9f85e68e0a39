//! Invariants of the evaluation, over generated demands.

use proptest::prelude::*;
use proptest::sample::select;

use super::findings::enterprise_directory;
use super::instruments::{Cell, ORDER, SPEC};
use super::*;

const INSTRUMENTS: [&str; 18] = [
    "us.subpoena",
    "us.court_order_2703d",
    "us.search_warrant",
    "us.preservation_2703f",
    "us.emergency",
    "us.nsl",
    "us.fisa_order",
    "us.fisa_702",
    "us.pen_register",
    "us.wiretap",
    "eu.epoc",
    "eu.epoc_pr",
    "uk.copo",
    "foreign.legal_process",
    "mlat",
    "informal",
    "bogus.order",
    "us.search_warrant",
];

const CATEGORIES: [&str; 4] = ["subscriber", "ip_identification", "traffic", "content"];

fn specific_target() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-z]{1,8}".prop_map(|u| json!({"type": "email", "value": format!("{u}@example.com")})),
        "[a-z]{1,8}".prop_map(|u| json!({"type": "username", "value": u})),
        (1u32..999_999).prop_map(|n| json!({"type": "phone", "value": format!("+1206{n:06}")})),
        (0u8..=255).prop_map(|n| json!({"type": "ip", "value": format!("203.0.113.{n}"), "at": "2026-02-11T10:15:00Z"})),
        Just(json!({"type": "ip", "value": "2001:db8::1", "port": 443, "at": "2026-02-11T10:15:00Z"})),
        Just(json!({"type": "email", "value": "alice@example.com"})),
        Just(json!({"type": "username", "value": "carol"})),
    ]
}

fn blanket_target() -> impl Strategy<Value = Value> {
    select(vec![
        json!({"type": "email", "value": "*@example.com"}),
        json!({"type": "email", "value": "example.com"}),
        json!({"type": "email", "value": "@example.com"}),
        json!({"type": "username", "value": "everyone"}),
        json!({"type": "account_id", "value": "all"}),
        json!({"type": "device_id", "value": "any"}),
        json!({"type": "phone", "value": "+1206555????"}),
        json!({"type": "ip", "value": "10.0.0.0/8", "at": "2026-02-11T10:15:00Z"}),
        json!({"type": "ip", "value": "203.0.113.7"}),
    ])
}

fn any_target() -> impl Strategy<Value = Value> {
    prop_oneof![3 => specific_target(), 1 => blanket_target()]
}

/// Everything about a demand but its categories and targets.
fn frame() -> impl Strategy<Value = Value> {
    let who = (
        select(INSTRUMENTS.to_vec()),
        select(vec!["US", "DE", "DK", "GB", "FR", "BR"]),
        select(super::instruments::ROLES.to_vec()),
        proptest::option::of(select(super::instruments::ROLES.to_vec())),
    );
    let why = (
        proptest::option::of((0u8..12, select(vec!["none", "cyber", "terrorism"]))),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(select(vec!["", " ", "Imminent threat to a life."])),
    );
    let when = (
        select(vec!["disclose", "preserve"]),
        any::<bool>(),
        proptest::option::of(prop_oneof![Just(None), (0i64..800).prop_map(Some)]),
        -200i64..20,
        proptest::option::of(-20i64..500),
        any::<bool>(),
    );
    (who, why, when).prop_map(
        |(
            (instrument, country, role, validator),
            (offence, offence_here, person_here, emergency),
            (action, period, gag, issued_hours, expires_hours, received),
        )| {
            let now = ts(NOW).datetime();
            let at = |hours: i64| {
                Timestamp::from_datetime(now + time::Duration::hours(hours)).to_string()
            };
            let mut doc = json!({
                "reference": "P-1",
                "authority": {"name": "Some Authority", "country": country},
                "instrument": {
                    "type": instrument,
                    "issuer": {"role": role},
                    "issued_at": at(issued_hours),
                    "offence_in_issuing_state": offence_here,
                    "target_resides_in_issuing_state": person_here
                },
                "action": action,
                "categories": [],
                "targets": []
            });
            if received {
                doc["received_at"] = json!(at(-1));
            }
            if let Some(role) = validator {
                doc["instrument"]["validated_by"] = json!({"role": role});
            }
            if let Some((years, listed)) = offence {
                doc["instrument"]["offence"] =
                    json!({"max_penalty_years": years, "listed": listed});
            }
            if let Some(justification) = emergency {
                doc["emergency"] = json!({"justification": justification});
            }
            if period {
                doc["period"] =
                    json!({"from": "2026-01-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"});
            }
            match gag {
                None => {}
                Some(None) => doc["instrument"]["nondisclosure"] = json!({"indefinite": true}),
                Some(Some(days)) => {
                    doc["instrument"]["nondisclosure"] =
                        json!({"until": at(days * 24 + issued_hours)});
                }
            }
            if let Some(hours) = expires_hours {
                doc["instrument"]["expires_at"] = json!(at(hours));
            }
            doc
        },
    )
}

/// Non-empty categories in any order, split into a request and the more asked on top.
fn category_split() -> impl Strategy<Value = (Vec<&'static str>, Vec<&'static str>)> {
    Just(CATEGORIES.to_vec())
        .prop_shuffle()
        .prop_flat_map(|all| (Just(all), 1usize..=4))
        .prop_map(|(all, n)| (all[..n].to_vec(), all[n..].to_vec()))
}

fn with(frame: &Value, categories: &[&str], targets: &[Value]) -> Value {
    let mut doc = frame.clone();
    doc["categories"] = json!(categories);
    doc["targets"] = Value::Array(targets.to_vec());
    doc
}

fn run(doc: &Value) -> Decision {
    let directory = enterprise_directory();
    evaluate(&demand(doc), &rules(), Some(&directory), ts(NOW))
}

/// The targets of `decision` without the one at `skip`.
fn targets_but(decision: &Decision, skip: usize) -> Vec<TargetDecision> {
    decision
        .targets
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != skip)
        .map(|(_, t)| t.clone())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Refusing is never turned into allowing by asking for more.
    #[test]
    fn asking_for_more_never_turns_a_refusal_into_an_allowance(
        frame in frame(),
        (asked, more) in category_split(),
        targets in proptest::collection::vec(any_target(), 0..5),
        extra_targets in proptest::collection::vec(any_target(), 0..4),
        take_more in any::<bool>(),
    ) {
        let more: Vec<&str> = if take_more { more } else { vec![] };
        let base = run(&with(&frame, &asked, &targets));
        let all_categories: Vec<&str> = asked.iter().chain(&more).copied().collect();
        let all_targets: Vec<Value> = targets.iter().chain(&extra_targets).cloned().collect();
        let bigger = run(&with(&frame, &all_categories, &all_targets));
        for (before, after) in base.categories.iter().zip(&bigger.categories) {
            prop_assert_eq!(before.category, after.category);
            if before.decision == Outcome::Refuse {
                prop_assert_eq!(after.decision, Outcome::Refuse, "{:?}", after);
            }
        }
        for (before, after) in base.targets.iter().zip(&bigger.targets) {
            prop_assert_eq!(&before.value, &after.value);
            if before.decision == Outcome::Refuse {
                prop_assert_eq!(after.decision, Outcome::Refuse);
            }
        }
        // Only a specific target can lift a block (NO_SPECIFIC_TARGET); nothing else
        // that rejected the demand goes away by asking for more.
        if base.findings.iter().any(|f| f.severity == Severity::Block && f.code != Code::NoSpecificTarget) {
            prop_assert_eq!(bigger.verdict, Verdict::Reject);
        }
    }

    /// A category the instrument may not compel is never allowed (checked against the
    /// table of docs/policy.md §2, not the rules file).
    #[test]
    fn a_category_the_instrument_may_not_compel_is_never_allowed(
        frame in frame(),
        (asked, _) in category_split(),
        targets in proptest::collection::vec(any_target(), 1..4),
    ) {
        let doc = with(&frame, &asked, &targets);
        let decision = run(&doc);
        let instrument = doc["instrument"]["type"].as_str().unwrap();
        let from_us = doc["authority"]["country"] == "US";
        let emergency = doc.get("emergency").is_some();
        // informal with an emergency is us.emergency (from abroad, without content).
        let applied = if instrument == "informal" && emergency { "us.emergency" } else { instrument };
        let abroad = instrument == "informal" && emergency && !from_us;
        let preserve = doc["action"] == "preserve";
        for c in &decision.categories {
            if c.decision != Outcome::Allow {
                continue;
            }
            let row = SPEC.iter().find(|s| s.instrument == applied);
            prop_assert!(row.is_some(), "{} allowed {:?}", applied, c);
            let row = row.unwrap();
            let column = ORDER.iter().position(|o| *o == c.category).unwrap();
            match row.cells[column] {
                Cell::Y => prop_assert!(!(abroad && c.category == crate::Category::Content), "content abroad"),
                Cell::P => prop_assert!(preserve, "{} disclosed {:?}", applied, c),
                // A foreign authority's process preserves content pending an MLAT.
                Cell::M if preserve && applied == "foreign.legal_process" => {}
                Cell::N | Cell::M => prop_assert!(false, "{} may not compel {:?}", applied, c),
            }
            if applied == "eu.epoc" && matches!(c.category, crate::Category::Traffic | crate::Category::Content) {
                let issued = &doc["instrument"];
                let role = issued.get("validated_by").unwrap_or(&issued["issuer"])["role"].as_str().unwrap();
                prop_assert!(matches!(role, "judge" | "court" | "investigating_judge"), "{} by {}", c.category, role);
                let offence = &issued["offence"];
                let serious = offence["max_penalty_years"].as_u64().is_some_and(|y| y >= 3)
                    || offence["listed"].as_str().is_some_and(|l| l != "none");
                prop_assert!(serious, "{} for {}", c.category, offence);
            }
            if !preserve && matches!(c.category, crate::Category::Traffic | crate::Category::Content) {
                prop_assert!(doc.get("period").is_some());
            }
        }
        // And nothing is accepted from the wrong country or with a block.
        if decision.findings.iter().any(|f| f.severity == Severity::Block) {
            prop_assert_eq!(decision.verdict, Verdict::Reject);
        }
    }

    /// Adding a non-specific target never changes the decision for the specific ones.
    #[test]
    fn a_blanket_target_never_changes_the_decision_for_the_others(
        frame in frame(),
        (asked, _) in category_split(),
        targets in proptest::collection::vec(any_target(), 0..5),
        blanket in blanket_target(),
        position in any::<proptest::sample::Index>(),
    ) {
        let base = run(&with(&frame, &asked, &targets));
        let at = position.index(targets.len() + 1);
        let mut more = targets.clone();
        more.insert(at, blanket);
        let bigger = run(&with(&frame, &asked, &more));
        prop_assert_eq!(bigger.targets[at].decision, Outcome::Refuse);
        prop_assert_eq!(targets_but(&bigger, at), base.targets.clone());
        prop_assert_eq!(&bigger.categories, &base.categories);
        prop_assert_eq!(bigger.route == Route::RedirectEnterprise, base.route == Route::RedirectEnterprise
            || (base.route == Route::None && bigger.route == Route::RedirectEnterprise));
        prop_assert_eq!(&bigger.deadline, &base.deadline);
        prop_assert_eq!(&bigger.notification, &base.notification);
    }

    /// The same demand, rules and now always give the same decision, to the byte.
    #[test]
    fn evaluation_is_deterministic(
        frame in frame(),
        (asked, _) in category_split(),
        targets in proptest::collection::vec(any_target(), 0..5),
    ) {
        let doc = with(&frame, &asked, &targets);
        let first = run(&doc);
        let second = run(&doc);
        prop_assert_eq!(&first, &second);
        let text = serde_json::to_string(&first).unwrap();
        prop_assert_eq!(&text, &serde_json::to_string(&second).unwrap());
        let back: Decision = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &first);
    }
}
