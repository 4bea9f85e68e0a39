//! Every finding code of `docs/policy.md` §3: when it is made, its severity, and what
//! it is attached to.

use std::collections::BTreeSet;

use super::*;
use crate::Category::{Content, EncryptionKeys, IpIdentification, Subscriber, Traffic};

/// One case: a demand, and the finding it must produce.
struct Case {
    name: &'static str,
    doc: Value,
    code: Code,
    severity: Severity,
    /// The rule id the finding carries.
    rule: Option<&'static str>,
    category: Option<crate::Category>,
    target: Option<&'static str>,
    with_directory: bool,
}

fn case(
    name: &'static str,
    doc: Value,
    code: Code,
    severity: Severity,
    rule: &'static str,
) -> Case {
    Case {
        name,
        doc,
        code,
        severity,
        rule: Some(rule),
        category: None,
        target: None,
        with_directory: false,
    }
}

impl Case {
    fn about_category(mut self, category: crate::Category) -> Self {
        self.category = Some(category);
        self
    }
    fn about_target(mut self, target: &'static str) -> Self {
        self.target = Some(target);
        self
    }
    fn with_directory(mut self) -> Self {
        self.with_directory = true;
        self
    }
    fn without_rule(mut self) -> Self {
        self.rule = None;
        self
    }
}

fn emergency(doc: &mut Value) {
    doc["emergency"] =
        json!({"justification": "Credible bomb threat against a school, sent from this account."});
}

pub(super) fn enterprise_directory() -> DirectoryFile {
    DirectoryFile::from_json(
        &json!({
            "accounts": [
                {"id": "acc-alice", "identifiers": [{"type": "email", "value": "alice@example.com"}], "tenant": "contoso"},
                {"id": "acc-bob", "identifiers": [{"type": "email", "value": "bob@example.net"}, {"type": "ip", "value": "203.0.113.7"}], "tenant": null},
                {"id": "acc-carol", "identifiers": [{"type": "username", "value": "carol"}], "tenant": "smallco"}
            ],
            "tenants": [
                {"id": "contoso", "name": "Contoso Ltd", "seats": 51, "admin_email": "it@contoso.example"},
                {"id": "smallco", "name": "Small Co", "seats": 50, "admin_email": "boss@smallco.example"}
            ]
        })
        .to_string(),
    )
    .unwrap()
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Code::*;
    use Severity::*;
    vec![
        case("unknown type", edited(|d| d["instrument"]["type"] = json!("us.warrant")), UnknownInstrument, Block, "").without_rule(),
        case("informal, no emergency", edited(|d| d["instrument"]["type"] = json!("informal")), NoLegalProcess, Block, "X-3"),
        case("EPOC received before 18 August 2026", edited(|d| {
            *d = valid_for("eu.epoc");
            d["received_at"] = json!("2026-08-17T23:59:59Z");
            d["instrument"]["issued_at"] = json!("2026-08-17T12:00:00Z");
        }), NotYetApplicable, Block, "EU-2"),
        case("COPO without the agreement's attestation", edited(|d| {
            *d = valid_for("uk.copo");
            d["instrument"].as_object_mut().unwrap().remove("agreement_attestation");
        }), AgreementAttestationMissing, Block, "UK-1"),
        case("IPO attesting false", edited(|d| {
            *d = valid_for("au.ipo");
            d["instrument"]["agreement_attestation"] = json!(false);
        }), AgreementAttestationMissing, Block, "AU-1"),
        case("pen register", edited(|d| d["instrument"]["type"] = json!("us.pen_register")), RealtimeOutOfScope, Block, "US-12"),
        case("wiretap", edited(|d| d["instrument"]["type"] = json!("us.wiretap")), RealtimeOutOfScope, Block, "US-13"),
        case("US warrant from Germany", edited(|d| d["authority"]["country"] = json!("DE")), JurisdictionMismatch, Block, "US-3"),
        case("EPOC from Denmark", edited(|d| {
            *d = valid_for("eu.epoc");
            d["authority"]["country"] = json!("DK");
        }), JurisdictionMismatch, Block, "EU-2"),
        case("foreign process from the US", edited(|d| {
            *d = valid_for("foreign.legal_process");
            d["authority"]["country"] = json!("US");
        }), JurisdictionMismatch, Block, "X-2"),
        case("issued tomorrow", edited(|d| d["instrument"]["issued_at"] = json!("2026-03-03T00:00:00Z")), InstrumentNotYetValid, Block, "US-3"),
        case("expired before it was served", edited(|d| d["instrument"]["expires_at"] = json!("2026-03-02T08:59:59Z")), InstrumentExpired, Block, "US-3"),
        case("expires as it is served", edited(|d| d["instrument"]["expires_at"] = json!("2026-03-02T09:00:00Z")), InstrumentExpired, Block, "US-3"),
        case("warrant by police", edited(|d| d["instrument"]["issuer"]["role"] = json!("police")), IssuerNotCompetent, Block, "US-3"),
        case("NSL not from the FBI", edited(|d| {
            *d = valid_for("us.nsl");
            d["instrument"]["issuer"]["role"] = json!("police");
        }), IssuerNotCompetent, Block, "US-8"),
        case("EPOC content by a prosecutor", edited(|d| {
            *d = valid_for("eu.epoc");
            d["instrument"]["issuer"]["role"] = json!("prosecutor");
            d["categories"] = json!(["subscriber", "content"]);
        }), IssuerNotCompetent, Refuse, "EU-2").about_category(Content),
        case("us.emergency without emergency", edited(|d| d["instrument"]["type"] = json!("us.emergency")), EmergencyNoFactualBasis, Block, "US-7"),
        case("blank justification", edited(|d| {
            *d = valid_for("us.emergency");
            d["emergency"] = json!({"justification": "  \n "});
        }), EmergencyNoFactualBasis, Block, "US-7"),
        case("warrant claiming emergency without reason", edited(|d| d["emergency"] = json!({})), EmergencyNoFactualBasis, Block, "US-3"),
        case("wildcard mailbox", edited(|d| d["targets"][0]["value"] = json!("*@example.com")), NotSpecific, Refuse, "US-3").about_target("*@example.com"),
        case("bare domain", edited(|d| d["targets"][0]["value"] = json!("example.com")), NotSpecific, Refuse, "US-3").about_target("example.com"),
        case("@domain", edited(|d| d["targets"][0]["value"] = json!("@example.com")), NotSpecific, Refuse, "US-3").about_target("@example.com"),
        case("address range", edited(|d| d["targets"][1]["value"] = json!("203.0.113.0/24")), NotSpecific, Refuse, "US-3").about_target("203.0.113.0/24"),
        case("everyone", edited(|d| d["targets"][0] = json!({"type": "username", "value": "everyone"})), NotSpecific, Refuse, "US-3").about_target("everyone"),
        case("ip without at", edited(|d| d["targets"][1] = json!({"type": "ip", "value": "203.0.113.7"})), IpWithoutTimestamp, Refuse, "US-3").about_target("203.0.113.7"),
        case("only blanket targets", edited(|d| d["targets"] = json!([{"type": "email", "value": "all"}, {"type": "ip", "value": "10.0.0.0/8", "at": "2026-02-01T00:00:00Z"}])), NoSpecificTarget, Block, "US-3"),
        case("no targets at all", edited(|d| d["targets"] = json!([])), NoSpecificTarget, Block, "US-3"),
        case("101 targets", edited(|d| d["targets"] = many_targets(101)), BulkRequest, Block, "US-3"),
        case("warrant for keys", edited(|d| d["categories"] = json!(["subscriber", "encryption_keys"])), KeysOrAccessRefused, Refuse, "P-1").about_category(EncryptionKeys),
        case("All Writs order", edited(|d| {
            *d = valid_for("us.all_writs");
            d["categories"] = json!(["technical_capability"]);
        }), AssistanceOrderChallenge, Warn, "P-2"),
        case("subpoena for content", edited(|d| d["instrument"]["type"] = json!("us.subpoena")), InstrumentInsufficient, Refuse, "US-1").about_category(Content),
        case("2703(d) for content", edited(|d| d["instrument"]["type"] = json!("us.court_order_2703d")), InstrumentInsufficient, Refuse, "US-2").about_category(Content),
        case("NSL for ip_identification", edited(|d| {
            *d = valid_for("us.nsl");
            d["categories"] = json!(["subscriber", "ip_identification"]);
        }), InstrumentInsufficient, Refuse, "US-8").about_category(IpIdentification),
        case("2703(f) asked to disclose", edited(|d| {
            *d = valid_for("us.preservation_2703f");
            d["action"] = json!("disclose");
            d["categories"] = json!(["subscriber"]);
        }), InstrumentInsufficient, Refuse, "US-4").about_category(Subscriber),
        case("foreign process for content", edited(|d| {
            *d = valid_for("foreign.legal_process");
            d["categories"] = json!(["subscriber", "content"]);
        }), ContentRequiresMlat, Refuse, "X-2").about_category(Content),
        case("EPOC traffic for a 2-year offence", edited(|d| {
            *d = valid_for("eu.epoc");
            d["categories"] = json!(["subscriber", "traffic"]);
            d["instrument"]["offence"] = json!({"description": "insult", "max_penalty_years": 2, "listed": "none"});
        }), OffenceThresholdNotMet, Refuse, "EU-2").about_category(Traffic),
        case("warrant for traffic without period", edited(|d| {
            d["categories"] = json!(["subscriber", "traffic"]);
            d.as_object_mut().unwrap().remove("period");
        }), PeriodRequired, Refuse, "US-3").about_category(Traffic),
        case("EPOC content, person abroad", edited(|d| {
            *d = valid_for("eu.epoc");
            d["instrument"]["target_resides_in_issuing_state"] = json!(false);
        }), EnforcingAuthorityNotification, Info, "EU-2"),
        case("us.emergency", valid_for("us.emergency"), EmergencyVerificationRequired, Gate, "US-7"),
        case("informal emergency from the US", valid_for("informal"), EmergencyVerificationRequired, Gate, "US-7"),
        case("warrant with emergency", edited(emergency), EmergencyVerificationRequired, Gate, "US-3"),
        case("EPOC emergency", edited(|d| {
            *d = valid_for("eu.epoc");
            emergency(d);
        }), EmergencyVerificationRequired, Gate, "EU-2"),
        case("EPOC for content", valid_for("eu.epoc"), ConflictingObligation, Gate, "EU-2").about_category(Content),
        case("EPOC emergency by the police, unvalidated", edited(|d| {
            *d = valid_for("eu.epoc");
            d["categories"] = json!(["subscriber", "ip_identification"]);
            d["instrument"]["issuer"]["role"] = json!("police");
            emergency(d);
        }), ValidationRequired48h, Gate, "EU-1"),
        case("US emergency", valid_for("us.emergency"), VoluntaryDisclosure, Info, "US-7"),
        case("foreign process", edited(|d| {
            *d = valid_for("foreign.legal_process");
            d["categories"] = json!(["subscriber"]);
        }), VoluntaryDisclosure, Info, "X-2"),
        case("foreign preservation", edited(|d| {
            *d = valid_for("foreign.legal_process");
            d["action"] = json!("preserve");
        }), PreservePendingMlat, Info, "X-2"),
        case("indefinite gag", edited(|d| d["instrument"]["nondisclosure"] = json!({"indefinite": true, "basis": "18 U.S.C. 2705(b)"})), NdoOverlong, Warn, "US-3"),
        case("gag of 366 days", edited(|d| d["instrument"]["nondisclosure"] = json!({"until": "2027-03-02T16:00:00Z"})), NdoOverlong, Warn, "US-3"),
        case("NSL", edited(|d| {
            *d = valid_for("us.nsl");
            d["categories"] = json!(["subscriber"]);
        }), NationalSecurity, Info, "US-8"),
        case("FISA order", valid_for("us.fisa_order"), NationalSecurity, Info, "US-9"),
        case("FISA 702", valid_for("us.fisa_702"), NationalSecurity, Info, "US-10"),
        case("enterprise account", example(), EnterpriseRedirect, Info, "US-3").about_target("alice@example.com").with_directory(),
    ]
}

pub(super) fn many_targets(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"type": "email", "value": format!("user{i}@example.com")}))
            .collect(),
    )
}

#[test]
fn every_code_is_made_when_the_spec_says() {
    let directory = enterprise_directory();
    let mut seen = BTreeSet::new();
    for case in cases() {
        let decision = if case.with_directory {
            decide_with(&case.doc, &directory)
        } else {
            decide(&case.doc)
        };
        let name = case.name;
        let found = decision
            .findings
            .iter()
            .find(|f| f.code == case.code)
            .unwrap_or_else(|| panic!("{name}: no {} in {decision:#?}", case.code));
        assert_eq!(found.severity, case.severity, "{name}");
        assert_eq!(found.rule.as_deref(), case.rule, "{name}");
        assert_eq!(found.category, case.category, "{name}");
        assert_eq!(found.target.as_deref(), case.target, "{name}");
        assert_eq!(found.citation.is_some(), case.rule.is_some(), "{name}");
        assert!(found.message.len() > 40, "{name}: {found:?}");
        assert!(found.message.ends_with('.'), "{name}: {}", found.message);
        // A block rejects; a refusal refuses what it names and leaves the rest.
        match case.severity {
            Severity::Block => assert_eq!(decision.verdict, Verdict::Reject, "{name}"),
            Severity::Refuse => {
                if let Some(c) = case.category {
                    let d = category(&decision, c);
                    assert_eq!(d.decision, Outcome::Refuse, "{name}");
                    assert!(d.codes.contains(&case.code), "{name}");
                }
                if let Some(t) = case.target {
                    let d = decision.targets.iter().find(|d| d.value == t).unwrap();
                    assert_eq!(d.decision, Outcome::Refuse, "{name}");
                    assert!(d.codes.contains(&case.code), "{name}");
                }
                assert_ne!(decision.verdict, Verdict::Accept, "{name}");
            }
            // An assistance order compels nothing, so its warning comes with a rejection.
            Severity::Warn if case.code == Code::AssistanceOrderChallenge => {
                assert_eq!(decision.verdict, Verdict::Reject, "{name}");
            }
            Severity::Gate | Severity::Warn | Severity::Info => {
                assert_eq!(decision.verdict, Verdict::Accept, "{name}: {decision:#?}");
            }
        }
        seen.insert(case.code);
    }
    // DUPLICATE_REFERENCE compares a demand with earlier cases, which `evaluate` never
    // sees: intake (the agency desk) adds it, and the server's tests hold it to that.
    let all: BTreeSet<Code> = Code::ALL
        .into_iter()
        .filter(|code| *code != Code::DuplicateReference)
        .collect();
    assert_eq!(seen, all, "a code has no case");
}

#[test]
fn a_valid_demand_makes_no_finding() {
    let decision = decide(&example());
    assert_eq!(decision.findings, []);
    // On the edges: issued exactly when served, a gag of exactly 365 days, a 3-year
    // offence, exactly 100 targets.
    let decision = decide(&edited(|d| {
        d["instrument"]["issued_at"] = json!("2026-03-02T09:00:00Z");
        d["instrument"]["nondisclosure"] = json!({"until": "2027-03-02T09:00:00Z"});
        d["targets"] = many_targets(100);
    }));
    assert_eq!(decision.findings, [], "{decision:#?}");
    assert_eq!(decision.verdict, Verdict::Accept);
    // Traffic (content would meet the conflict of laws).
    let decision = decide(&edited(|d| {
        *d = valid_for("eu.epoc");
        d["categories"] = json!(["subscriber", "traffic"]);
        d["instrument"]["offence"]["max_penalty_years"] = json!(3);
    }));
    assert_eq!(decision.findings, [], "{decision:#?}");
}

#[test]
fn findings_come_in_evaluation_order() {
    use Code::*;
    let decision = decide(&edited(|d| {
        d["instrument"]["type"] = json!("us.subpoena");
        d["authority"]["country"] = json!("FR");
        d["instrument"]["expires_at"] = json!("2026-03-02T00:00:00Z");
        d["emergency"] = json!({"justification": ""});
        d["instrument"]["nondisclosure"] = json!({"indefinite": true});
        d["categories"] = json!(["content", "traffic", "subscriber"]);
        d["targets"] = json!([
            {"type": "ip", "value": "203.0.113.0/24"},
            {"type": "email", "value": "alice@example.com"}
        ]);
    }));
    assert_eq!(
        codes(&decision),
        [
            JurisdictionMismatch,
            InstrumentExpired,
            EmergencyNoFactualBasis,
            NotSpecific,
            IpWithoutTimestamp,
            InstrumentInsufficient,
            InstrumentInsufficient,
            EmergencyVerificationRequired,
            NdoOverlong,
        ]
    );
    // Categories in the order asked, targets in the order given.
    let asked: Vec<_> = decision.categories.iter().map(|c| c.category).collect();
    assert_eq!(asked, [Content, Traffic, Subscriber]);
    assert_eq!(decision.targets[0].codes, [NotSpecific, IpWithoutTimestamp]);
    assert_eq!(decision.targets[1].codes, []);
    let ordered: Vec<_> = decision
        .findings
        .iter()
        .filter(|f| f.code == InstrumentInsufficient)
        .map(|f| f.category)
        .collect();
    assert_eq!(ordered, [Some(Content), Some(Traffic)]);
}

#[test]
fn an_informal_emergency_from_the_us_is_judged_as_us_emergency() {
    let decision = decide(&valid_for("informal"));
    assert_eq!(decision.rule.as_deref(), Some("US-7"));
    assert_eq!(decision.verdict, Verdict::Accept);
    assert!(!decision.has(Code::NoLegalProcess));
    assert_eq!(decision.deadline, Some(ts("2026-03-03T09:00:00Z")));
    // Without a justification it is still no factual basis, as for us.emergency.
    let bare = decide(&edited(|d| {
        *d = valid_for("informal");
        d["emergency"] = json!({"justification": ""});
    }));
    assert!(bare.has(Code::EmergencyNoFactualBasis));
    assert_eq!(bare.verdict, Verdict::Reject);
}

#[test]
fn the_offence_threshold_is_three_years_or_a_listed_offence() {
    for (offence, met) in [
        (json!({"max_penalty_years": 2.9, "listed": "none"}), false),
        (json!({"max_penalty_years": 3, "listed": "none"}), true),
        (json!({"max_penalty_years": 1, "listed": "cyber"}), true),
        (json!({"listed": "child_sexual_abuse"}), true),
        (json!({"listed": "payment_fraud"}), true),
        (json!({"listed": "terrorism"}), true),
        (json!({"description": "unspecified"}), false),
        (Value::Null, false),
    ] {
        let decision = decide(&edited(|d| {
            *d = valid_for("eu.epoc");
            if offence.is_null() {
                d["instrument"].as_object_mut().unwrap().remove("offence");
            } else {
                d["instrument"]["offence"] = offence.clone();
            }
        }));
        for c in [Traffic, Content] {
            let got = category(&decision, c);
            assert_eq!(got.decision == Outcome::Allow, met, "{offence} {c}");
        }
        // Subscriber data and identification data need no threshold.
        for c in [Subscriber, IpIdentification] {
            assert_eq!(category(&decision, c).decision, Outcome::Allow, "{offence}");
        }
    }
}

#[test]
fn enforcing_authority_notification_is_for_allowed_traffic_or_content_abroad() {
    for (categories, offence_here, person_here, role, expected) in [
        (json!(["content"]), false, false, "judge", true),
        (json!(["traffic"]), true, false, "judge", true),
        (json!(["content"]), false, true, "judge", true),
        (json!(["content"]), true, true, "judge", false),
        (
            json!(["subscriber", "ip_identification"]),
            false,
            false,
            "judge",
            false,
        ),
        // Content refused (a prosecutor may not order it): nothing to notify.
        (
            json!(["subscriber", "content"]),
            false,
            false,
            "prosecutor",
            false,
        ),
    ] {
        let decision = decide(&edited(|d| {
            *d = valid_for("eu.epoc");
            d["categories"] = categories.clone();
            d["instrument"]["offence_in_issuing_state"] = json!(offence_here);
            d["instrument"]["target_resides_in_issuing_state"] = json!(person_here);
            d["instrument"]["issuer"]["role"] = json!(role);
        }));
        assert_eq!(
            decision.has(Code::EnforcingAuthorityNotification),
            expected,
            "{categories} {offence_here} {person_here} {role}"
        );
    }
}

#[test]
fn the_period_is_required_for_traffic_and_content_only() {
    let decision = decide(&edited(|d| {
        d["categories"] = json!(["subscriber", "ip_identification", "traffic", "content"]);
        d.as_object_mut().unwrap().remove("period");
    }));
    assert_eq!(category(&decision, Subscriber).codes, []);
    assert_eq!(category(&decision, IpIdentification).codes, []);
    assert_eq!(category(&decision, Traffic).codes, [Code::PeriodRequired]);
    assert_eq!(category(&decision, Content).codes, [Code::PeriodRequired]);
    assert_eq!(decision.verdict, Verdict::Partial);
}

#[test]
fn bulk_counts_specific_targets_and_the_limit_is_configurable() {
    let doc = edited(|d| {
        let mut targets = many_targets(100);
        targets
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "email", "value": "*@example.com"}));
        d["targets"] = targets;
    });
    let decision = decide(&doc);
    assert!(!decision.has(Code::BulkRequest));
    assert_eq!(decision.verdict, Verdict::Partial);

    let strict = rules().with_max_targets(1);
    let decision = evaluate(&demand(&example()), &strict, None, ts(NOW));
    assert_eq!(decision.verdict, Verdict::Reject);
    assert!(
        finding(&decision, Code::BulkRequest)
            .message
            .contains("more than the 1")
    );
    let decision = evaluate(
        &demand(&example()),
        &rules().with_max_targets(2),
        None,
        ts(NOW),
    );
    assert_eq!(decision.verdict, Verdict::Accept);
}

#[test]
fn validity_is_judged_when_the_demand_was_served() {
    // Served while valid, decided after expiry (Fed. R. Crim. P. 41(e)(2)): valid.
    let decision = decide_at(&example(), "2026-03-15T00:00:00Z");
    assert!(!decision.has(Code::InstrumentExpired), "{decision:#?}");
    assert_eq!(decision.verdict, Verdict::Accept);
    let served = |at: &str| edited(|d| d["received_at"] = json!(at));
    // Served at or after expiry: expired, whenever it is decided.
    assert!(
        decide_at(&served("2026-03-15T00:00:00Z"), "2026-03-15T00:00:00Z")
            .has(Code::InstrumentExpired)
    );
    assert!(
        decide_at(&served("2026-03-15T00:00:00Z"), "2026-03-01T00:00:00Z")
            .has(Code::InstrumentExpired)
    );
    assert!(!decide(&served("2026-03-14T23:59:59Z")).has(Code::InstrumentExpired));
    // Served before it was issued: not yet valid.
    assert!(decide(&served("2026-03-01T15:59:59Z")).has(Code::InstrumentNotYetValid));
    assert!(!decide(&served("2026-03-01T16:00:00Z")).has(Code::InstrumentNotYetValid));
    // Without `received_at`, "now" stands in for it.
    let unstamped = edited(|d| {
        d.as_object_mut().unwrap().remove("received_at");
    });
    assert!(decide_at(&unstamped, "2026-03-15T00:00:00Z").has(Code::InstrumentExpired));
    assert!(!decide_at(&unstamped, "2026-03-14T00:00:00Z").has(Code::InstrumentExpired));
}

#[test]
fn enterprise_redirect_needs_more_than_fifty_seats() {
    let directory = enterprise_directory();
    let small = decide_with(
        &edited(|d| d["targets"][0] = json!({"type": "username", "value": "carol"})),
        &directory,
    );
    assert!(!small.has(Code::EnterpriseRedirect));
    assert_eq!(small.route, Route::Process);
    let big = decide_with(&example(), &directory);
    assert_eq!(big.targets[0].codes, [Code::EnterpriseRedirect]);
    assert_eq!(big.targets[1].codes, []);
    assert_eq!(big.route, Route::RedirectEnterprise);
    assert!(
        finding(&big, Code::EnterpriseRedirect)
            .message
            .contains("Contoso Ltd")
    );
    // Identifiers match as normalised: the directory knows alice@example.com.
    let shouted = decide_with(
        &edited(|d| d["targets"][0]["value"] = json!("Alice@EXAMPLE.com")),
        &directory,
    );
    assert_eq!(shouted.route, Route::RedirectEnterprise);
    // A refused target is not looked up.
    let refused = decide_with(
        &edited(|d| {
            d["targets"] = json!([
                {"type": "email", "value": "alice@example.com"},
                {"type": "username", "value": "all"}
            ]);
            d["instrument"]["type"] = json!("us.subpoena");
            d["categories"] = json!(["subscriber"]);
        }),
        &directory,
    );
    assert_eq!(refused.route, Route::RedirectEnterprise);
    assert_eq!(refused.targets[1].codes, [Code::NotSpecific]);
}
