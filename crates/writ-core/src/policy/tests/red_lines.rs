//! `docs/policy.md` §5: keys, direct access and technical capability are refused
//! whatever the instrument, and assistance orders compel no data and go to counsel.

use proptest::prelude::*;

use super::instruments::SPEC;
use super::*;
use crate::Category::{
    self, Content, DirectAccess, EncryptionKeys, IpIdentification, Subscriber, TechnicalCapability,
    Traffic,
};

const ASSISTANCE: [(&str, &str); 3] = [
    ("us.all_writs", "P-2"),
    ("uk.technical_capability_notice", "P-3"),
    ("au.technical_capability_notice", "P-4"),
];

const P1_CITATION: &str =
    "provider policy: no direct access, no keys, no capability to break encryption";

fn with_categories(mut doc: Value, categories: &[Category]) -> Value {
    doc["categories"] = json!(categories);
    doc
}

#[test]
fn a_red_line_is_refused_under_a_warrant_and_the_rest_proceeds() {
    let decision = decide(&with_categories(example(), &[Subscriber, EncryptionKeys]));
    assert_eq!(decision.verdict, Verdict::Partial);
    assert_eq!(decision.route, Route::Process);
    assert_eq!(decision.rule.as_deref(), Some("US-3"));
    assert_eq!(category(&decision, Subscriber).decision, Outcome::Allow);
    let keys = category(&decision, EncryptionKeys);
    assert_eq!(
        (keys.decision, keys.codes.as_slice()),
        (Outcome::Refuse, [Code::KeysOrAccessRefused].as_slice())
    );
    let found = finding(&decision, Code::KeysOrAccessRefused);
    assert_eq!(found.severity, Severity::Refuse);
    assert_eq!(found.rule.as_deref(), Some("P-1"));
    assert_eq!(found.citation.as_deref(), Some(P1_CITATION));
    assert_eq!(found.category, Some(EncryptionKeys));
    // The warrant's own plan stands: the user is told when the gag lapses.
    assert_eq!(decision.notification.when, NotifyWhen::After);
}

#[test]
fn each_red_line_alone_rejects_the_demand() {
    for red_line in Category::RED_LINES {
        let decision = decide(&with_categories(example(), &[red_line]));
        assert_eq!(decision.verdict, Verdict::Reject, "{red_line}");
        assert_eq!(decision.route, Route::None, "{red_line}");
        assert_eq!(codes(&decision), [Code::KeysOrAccessRefused], "{red_line}");
        assert!(decision.findings[0].message.contains(red_line.phrase()));
    }
}

#[test]
fn a_red_line_under_an_unknown_instrument_is_still_refused_as_a_red_line() {
    let decision = decide(&edited(|d| {
        d["instrument"]["type"] = json!("us.decryption_order");
        d["categories"] = json!(["direct_access", "content"]);
    }));
    assert_eq!(
        category(&decision, DirectAccess).codes,
        [Code::KeysOrAccessRefused]
    );
    assert_eq!(
        category(&decision, Content).codes,
        [Code::UnknownInstrument]
    );
    assert_eq!(decision.verdict, Verdict::Reject);
}

#[test]
fn assistance_orders_compel_no_data_and_are_challenged() {
    for (instrument, rule) in ASSISTANCE {
        let decision = decide(&valid_for(instrument));
        assert_eq!(decision.rule.as_deref(), Some(rule), "{instrument}");
        assert_eq!(decision.verdict, Verdict::Reject, "{instrument}");
        // Data alone: rejected like any insufficient instrument, not sent to counsel.
        assert_eq!(decision.route, Route::None, "{instrument}");
        for data in Category::DATA {
            let c = category(&decision, data);
            assert_eq!(
                c.codes,
                [Code::InstrumentInsufficient],
                "{instrument} {data}"
            );
        }
        let challenge = finding(&decision, Code::AssistanceOrderChallenge);
        assert_eq!(challenge.severity, Severity::Warn, "{instrument}");
        assert_eq!(challenge.rule.as_deref(), Some(rule), "{instrument}");
        assert_eq!(challenge.category, None, "{instrument}");
        assert_eq!(
            (decision.notification.recipient, decision.notification.when),
            (Recipient::None, NotifyWhen::Never),
            "{instrument}"
        );
        assert!(
            !decision
                .findings
                .iter()
                .any(|f| f.severity == Severity::Block),
            "{instrument}: {decision:#?}"
        );
    }
}

#[test]
fn an_assistance_order_for_a_capability_goes_to_counsel() {
    let decision = decide(&edited(|d| {
        *d = valid_for("uk.technical_capability_notice");
        d["categories"] = json!(["technical_capability"]);
        d["targets"] = json!([]);
        d.as_object_mut().unwrap().remove("period");
        d["instrument"]
            .as_object_mut()
            .unwrap()
            .remove("nondisclosure");
    }));
    assert_eq!(decision.route, Route::Counsel);
    assert_eq!(decision.verdict, Verdict::Reject);
    assert_eq!(decision.rule.as_deref(), Some("P-3"));
    // No accounts named, and none needed.
    assert!(!decision.has(Code::NoSpecificTarget));
    assert_eq!(
        codes(&decision),
        [Code::KeysOrAccessRefused, Code::AssistanceOrderChallenge]
    );
    // 28 days to refer the notice for review (IPA s. 257).
    assert_eq!(decision.deadline, Some(ts("2026-03-30T09:00:00Z")));
    assert_eq!(decision.notification.when, NotifyWhen::Never);
    assert!(decision.notification.reason.contains("255(8)"));
}

#[test]
fn target_rules_do_not_apply_to_assistance_orders() {
    let decision = decide(&edited(|d| {
        *d = valid_for("us.all_writs");
        d["categories"] = json!(["encryption_keys"]);
        let mut targets = super::findings::many_targets(150);
        targets
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "email", "value": "*@example.com"}));
        d["targets"] = targets;
    }));
    for code in [Code::NotSpecific, Code::NoSpecificTarget, Code::BulkRequest] {
        assert!(!decision.has(code), "{code}: {decision:#?}");
    }
    assert_eq!(decision.route, Route::Counsel);
}

#[test]
fn assistance_orders_keep_their_jurisdictions() {
    for (instrument, rule) in ASSISTANCE {
        let decision = decide(&edited(|d| {
            *d = valid_for(instrument);
            d["authority"]["country"] = json!("FR");
        }));
        let mismatch = finding(&decision, Code::JurisdictionMismatch);
        assert_eq!(mismatch.rule.as_deref(), Some(rule));
        assert_eq!(decision.verdict, Verdict::Reject);
    }
    // The All Writs Act needs a judge.
    let decision = decide(&edited(|d| {
        *d = valid_for("us.all_writs");
        d["instrument"]["issuer"]["role"] = json!("police");
    }));
    assert!(decision.has(Code::IssuerNotCompetent));
}

fn any_category() -> impl Strategy<Value = Vec<Category>> {
    prop::sample::subsequence(Category::ALL.to_vec(), 1..=7)
}

fn any_instrument() -> impl Strategy<Value = &'static str> {
    prop::sample::select(SPEC.iter().map(|s| s.instrument).collect::<Vec<_>>())
}

proptest! {
    /// Whatever the instrument, no red-line category is ever allowed.
    #[test]
    fn no_red_line_is_ever_allowed(
        instrument in any_instrument(),
        categories in any_category(),
        preserve in any::<bool>(),
        emergency in any::<bool>(),
    ) {
        let mut doc = with_categories(valid_for(instrument), &categories);
        if preserve {
            doc["action"] = json!("preserve");
        }
        if emergency {
            doc["emergency"] = json!({"justification": "A life is at risk right now."});
        }
        let decision = decide(&doc);
        for c in &decision.categories {
            if c.category.is_red_line() {
                prop_assert_eq!(c.decision, Outcome::Refuse);
                prop_assert_eq!(&c.codes, &vec![Code::KeysOrAccessRefused]);
            }
        }
    }

    /// An assistance instrument never allows any category.
    #[test]
    fn an_assistance_order_allows_nothing(
        (instrument, _) in prop::sample::select(ASSISTANCE.to_vec()),
        categories in any_category(),
        preserve in any::<bool>(),
    ) {
        let mut doc = with_categories(valid_for(instrument), &categories);
        if preserve {
            doc["action"] = json!("preserve");
        }
        let decision = decide(&doc);
        prop_assert_eq!(decision.verdict, Verdict::Reject);
        prop_assert!(decision.categories.iter().all(|c| c.decision == Outcome::Refuse));
        prop_assert!(decision.has(Code::AssistanceOrderChallenge));
        let asked_red_line = categories.iter().any(|c| c.is_red_line());
        prop_assert_eq!(decision.route == Route::Counsel, asked_red_line);
    }
}

#[test]
fn the_data_categories_are_the_four_of_section_1() {
    assert_eq!(
        Category::DATA,
        [Subscriber, IpIdentification, Traffic, Content]
    );
    assert_eq!(
        Category::RED_LINES,
        [EncryptionKeys, DirectAccess, TechnicalCapability]
    );
    assert!(
        Category::ALL
            .iter()
            .all(|c| Category::DATA.contains(c) != c.is_red_line())
    );
}
