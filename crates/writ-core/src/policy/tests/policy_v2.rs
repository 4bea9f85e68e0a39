//! `docs/policy.md` §6, item by item: what a legal review corrected.

use proptest::prelude::*;

use super::*;
use crate::Category::{Content, IpIdentification, Subscriber, Traffic};

fn allowed(decision: &Decision) -> Vec<crate::Category> {
    decision.allowed_categories().collect()
}

#[test]
fn voluntary_disclosures_say_so_and_keep_their_verdicts() {
    for doc in [
        valid_for("us.emergency"),
        valid_for("informal"),
        edited(|d| {
            *d = valid_for("foreign.legal_process");
            d["categories"] = json!(["subscriber", "traffic"]);
        }),
    ] {
        let decision = decide(&doc);
        let voluntary = finding(&decision, Code::VoluntaryDisclosure);
        assert_eq!(voluntary.severity, Severity::Info);
        assert_eq!(decision.verdict, Verdict::Accept, "{decision:#?}");
    }
    // Compelled disclosure is not voluntary.
    for instrument in [
        "us.search_warrant",
        "us.subpoena",
        "eu.epoc",
        "uk.copo",
        "mlat",
    ] {
        assert!(
            !decide(&valid_for(instrument)).has(Code::VoluntaryDisclosure),
            "{instrument}"
        );
    }
}

#[test]
fn a_foreign_emergency_gets_non_content_and_content_needs_mlat() {
    let decision = decide(&edited(|d| {
        *d = valid_for("informal");
        d["authority"] = json!({"name": "Bundeskriminalamt", "country": "DE"});
    }));
    assert_eq!(decision.rule.as_deref(), Some("US-7"));
    assert_eq!(decision.verdict, Verdict::Partial);
    assert_eq!(decision.route, Route::Process);
    assert_eq!(allowed(&decision), [Subscriber, IpIdentification, Traffic]);
    assert_eq!(
        category(&decision, Content).codes,
        [Code::ContentRequiresMlat]
    );
    for code in [
        Code::VoluntaryDisclosure,
        Code::EmergencyVerificationRequired,
    ] {
        assert!(decision.has(code), "{code}");
    }
    for code in [Code::NoLegalProcess, Code::JurisdictionMismatch] {
        assert!(!decision.has(code), "{code}");
    }
    assert_eq!(decision.deadline, Some(ts("2026-03-03T09:00:00Z")));
    assert_eq!(decision.notification.when, NotifyWhen::After);
    // Without an emergency it is still no legal process.
    let plain = decide(&edited(|d| {
        d["instrument"]["type"] = json!("informal");
        d["authority"]["country"] = json!("DE");
    }));
    assert!(plain.has(Code::NoLegalProcess));
}

#[test]
fn a_foreign_preservation_keeps_content_pending_mlat() {
    let decision = decide(&edited(|d| {
        *d = valid_for("foreign.legal_process");
        d["action"] = json!("preserve");
    }));
    assert_eq!(decision.verdict, Verdict::Accept, "{decision:#?}");
    assert_eq!(
        allowed(&decision),
        [Subscriber, IpIdentification, Traffic, Content]
    );
    assert_eq!(
        finding(&decision, Code::PreservePendingMlat)
            .rule
            .as_deref(),
        Some("X-2")
    );
    assert_eq!(decision.preserve_until, Some(ts("2026-05-31T09:00:00Z")));
    assert_eq!(decision.notification.when, NotifyWhen::Never);
    assert!(!decision.has(Code::VoluntaryDisclosure));
}

#[test]
fn an_mlat_order_compels_what_its_us_form_compels() {
    let with = |form: Option<&str>| {
        decide(&edited(|d| {
            *d = valid_for("mlat");
            match form {
                Some(form) => d["instrument"]["us_order"] = json!(form),
                None => {
                    d["instrument"].as_object_mut().unwrap().remove("us_order");
                }
            }
        }))
    };
    let warrant = with(Some("search_warrant"));
    assert_eq!(warrant.verdict, Verdict::Accept);
    for order in [with(None), with(Some("court_order_2703d"))] {
        assert_eq!(allowed(&order), [Subscriber, IpIdentification, Traffic]);
        assert_eq!(
            category(&order, Content).codes,
            [Code::InstrumentInsufficient]
        );
        let message = &finding(&order, Code::InstrumentInsufficient).message;
        assert!(
            message.contains("search warrant") && message.contains("search_warrant"),
            "{message}"
        );
        assert_eq!(order.rule.as_deref(), Some("X-1"));
    }
    let subpoena = with(Some("subpoena"));
    assert_eq!(allowed(&subpoena), [Subscriber, IpIdentification]);
    // An unknown form is an input error naming the field.
    let mut doc = valid_for("mlat");
    doc["instrument"]["us_order"] = json!("warrant");
    let error = crate::Demand::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(error.field, "instrument.us_order");
}

#[test]
fn e_evidence_applies_from_18_august_2026() {
    for instrument in ["eu.epoc", "eu.epoc_pr"] {
        let at = |received: &str| {
            decide(&edited(|d| {
                *d = valid_for(instrument);
                d["received_at"] = json!(received);
                d["instrument"]["issued_at"] = json!("2026-08-10T00:00:00Z");
            }))
        };
        let before = at("2026-08-17T23:59:59Z");
        assert_eq!(
            finding(&before, Code::NotYetApplicable).severity,
            Severity::Block
        );
        assert_eq!(before.verdict, Verdict::Reject);
        let from = at("2026-08-18T00:00:00Z");
        assert!(!from.has(Code::NotYetApplicable), "{instrument}: {from:#?}");
        assert_eq!(from.verdict, Verdict::Accept, "{instrument}: {from:#?}");
    }
    // A demand without `received_at` is judged by when it is evaluated.
    let unstamped = edited(|d| {
        *d = valid_for("eu.epoc_pr");
        d.as_object_mut().unwrap().remove("received_at");
        d["instrument"]["issued_at"] = json!("2026-08-01T00:00:00Z");
    });
    assert!(decide_at(&unstamped, "2026-08-01T10:00:00Z").has(Code::NotYetApplicable));
    assert!(!decide_at(&unstamped, "2026-09-01T10:00:00Z").has(Code::NotYetApplicable));
}

#[test]
fn an_eu_emergency_without_prior_validation_waits_for_it() {
    let emergency = |d: &mut Value| {
        d["emergency"] = json!({"justification": "Imminent attack on a power station."});
        d["instrument"]["issuer"] = json!({"name": "LKA Berlin", "role": "police"});
    };
    let decision = decide(&edited(|d| {
        *d = valid_for("eu.epoc");
        d["categories"] = json!(["subscriber", "ip_identification", "content"]);
        emergency(d);
    }));
    assert_eq!(allowed(&decision), [Subscriber, IpIdentification]);
    // Content still needs a judge, court or investigating judge.
    assert_eq!(
        category(&decision, Content).codes,
        [Code::IssuerNotCompetent]
    );
    let gate = finding(&decision, Code::ValidationRequired48h);
    assert_eq!(
        (gate.severity, gate.rule.as_deref()),
        (Severity::Gate, Some("EU-2"))
    );
    assert!(
        gate.message.contains("2026-09-03T16:00:00Z"),
        "{}",
        gate.message
    );
    assert_eq!(decision.verdict, Verdict::Partial);

    // A preservation in an emergency, by the police.
    let preserved = decide(&edited(|d| {
        *d = valid_for("eu.epoc_pr");
        emergency(d);
    }));
    assert_eq!(preserved.verdict, Verdict::Accept, "{preserved:#?}");
    assert!(preserved.has(Code::ValidationRequired48h));

    // Validated already: no gate. No emergency: the police may not issue it.
    let validated = decide(&edited(|d| {
        *d = valid_for("eu.epoc");
        d["categories"] = json!(["subscriber"]);
        emergency(d);
        d["instrument"]["validated_by"] = json!({"role": "prosecutor"});
    }));
    assert!(!validated.has(Code::ValidationRequired48h));
    assert_eq!(validated.verdict, Verdict::Accept);
    let ordinary = decide(&edited(|d| {
        *d = valid_for("eu.epoc");
        d["categories"] = json!(["subscriber"]);
        d["instrument"]["issuer"]["role"] = json!("police");
    }));
    assert!(ordinary.has(Code::IssuerNotCompetent));
    assert!(!ordinary.has(Code::ValidationRequired48h));
}

#[test]
fn content_for_an_epoc_meets_a_conflicting_obligation() {
    let decision = decide(&valid_for("eu.epoc"));
    let conflict = finding(&decision, Code::ConflictingObligation);
    assert_eq!(conflict.severity, Severity::Gate);
    assert_eq!(conflict.rule.as_deref(), Some("EU-2"));
    assert_eq!(
        conflict.citation.as_deref(),
        Some("18 U.S.C. 2702(a); Reg. (EU) 2023/1543 Art. 17")
    );
    assert_eq!(conflict.category, Some(Content));
    let content = category(&decision, Content);
    assert_eq!(content.decision, Outcome::Allow);
    assert_eq!(decision.verdict, Verdict::Accept);
    // Non-content is not affected; a refused content category has no conflict; nor
    // has a preservation.
    for doc in [
        edited(|d| {
            *d = valid_for("eu.epoc");
            d["categories"] = json!(["subscriber", "traffic"]);
        }),
        edited(|d| {
            *d = valid_for("eu.epoc");
            d["instrument"]["issuer"]["role"] = json!("prosecutor");
        }),
        edited(|d| {
            *d = valid_for("eu.epoc");
            d["action"] = json!("preserve");
        }),
    ] {
        assert!(!decide(&doc).has(Code::ConflictingObligation), "{doc}");
    }
}

#[test]
fn cloud_act_agreement_orders_need_their_attestation() {
    let ipo = decide(&valid_for("au.ipo"));
    assert_eq!(ipo.verdict, Verdict::Accept, "{ipo:#?}");
    assert_eq!(ipo.rule.as_deref(), Some("AU-1"));
    assert_eq!(ipo.deadline, None);
    // A nominated tribunal member counts as a court; the police do not.
    let by = |role: &str| {
        decide(&edited(|d| {
            *d = valid_for("au.ipo");
            d["instrument"]["issuer"]["role"] = json!(role);
        }))
    };
    assert!(!by("court").has(Code::IssuerNotCompetent));
    assert!(by("police").has(Code::IssuerNotCompetent));
    let from_uk = decide(&edited(|d| {
        *d = valid_for("au.ipo");
        d["authority"]["country"] = json!("GB");
    }));
    assert!(from_uk.has(Code::JurisdictionMismatch));
    for instrument in ["uk.copo", "au.ipo"] {
        for attestation in [None, Some(false)] {
            let decision = decide(&edited(|d| {
                *d = valid_for(instrument);
                match attestation {
                    Some(value) => d["instrument"]["agreement_attestation"] = json!(value),
                    None => {
                        d["instrument"]
                            .as_object_mut()
                            .unwrap()
                            .remove("agreement_attestation");
                    }
                }
            }));
            assert_eq!(decision.verdict, Verdict::Reject, "{instrument}");
            assert_eq!(
                finding(&decision, Code::AgreementAttestationMissing).severity,
                Severity::Block
            );
        }
    }
    // Other instruments do not need it.
    assert!(!decide(&example()).has(Code::AgreementAttestationMissing));
}

fn any_instrument() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        super::instruments::SPEC
            .iter()
            .map(|s| s.instrument)
            .collect::<Vec<_>>(),
    )
}

proptest! {
    /// A decision never depends on "now" except through `received_at`'s default.
    #[test]
    fn a_stamped_demand_is_decided_the_same_whenever_it_is_decided(
        instrument in any_instrument(),
        emergency in any::<bool>(),
        preserve in any::<bool>(),
        minutes in 0i64..(5 * 365 * 24 * 60),
    ) {
        let mut doc = valid_for(instrument);
        if emergency {
            doc["emergency"] = json!({"justification": "A life is at risk."});
        }
        if preserve {
            doc["action"] = json!("preserve");
        }
        let later = ts("2025-01-01T00:00:00Z")
            .checked_add(time::Duration::minutes(minutes))
            .unwrap();
        let demand = demand(&doc);
        let first = evaluate(&demand, &rules(), None, ts(NOW));
        let second = evaluate(&demand, &rules(), None, later);
        prop_assert_eq!(first, second);
    }
}
