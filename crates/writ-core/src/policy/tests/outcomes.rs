//! `docs/policy.md` §4: verdicts, routes, rule ids, deadlines, preservation periods
//! and notification plans.

use super::findings::enterprise_directory;
use super::*;

#[test]
fn verdicts() {
    // accept: everything asked may be processed.
    assert_eq!(decide(&example()).verdict, Verdict::Accept);
    // partial: a category refused …
    let d = decide(&edited(|d| d["instrument"]["type"] = json!("us.subpoena")));
    assert_eq!(d.verdict, Verdict::Partial);
    // … or a target refused.
    let d = decide(&edited(|d| {
        d["targets"][1] = json!({"type": "ip", "value": "203.0.113.7"})
    }));
    assert_eq!(d.verdict, Verdict::Partial);
    // reject: a block …
    let d = decide(&edited(|d| {
        d["instrument"]["expires_at"] = json!("2026-03-02T00:00:00Z")
    }));
    assert_eq!(d.verdict, Verdict::Reject);
    // … no category allowed …
    let d = decide(&edited(|d| {
        d["instrument"]["type"] = json!("us.subpoena");
        d["categories"] = json!(["traffic", "content"]);
    }));
    assert!(d.findings.iter().all(|f| f.severity != Severity::Block));
    assert_eq!(d.verdict, Verdict::Reject);
    // … or no target allowed (which is also NO_SPECIFIC_TARGET).
    let d = decide(&edited(|d| {
        d["targets"] = json!([{"type": "email", "value": "*@example.com"}])
    }));
    assert_eq!(d.verdict, Verdict::Reject);
    // Gates, warnings and notes do not change the verdict.
    let d = decide(&edited(|d| {
        d["emergency"] = json!({"justification": "Hostage situation in progress."});
        d["instrument"]["nondisclosure"] = json!({"indefinite": true});
    }));
    assert_eq!(d.verdict, Verdict::Accept);
    assert_eq!(d.gates().count(), 1);
}

#[test]
fn routes() {
    assert_eq!(decide(&example()).route, Route::Process);
    let partial = decide(&edited(|d| d["instrument"]["type"] = json!("us.subpoena")));
    assert_eq!(partial.route, Route::Process);
    // none on reject …
    let rejected = decide(&edited(|d| d["authority"]["country"] = json!("DE")));
    assert_eq!(rejected.route, Route::None);
    // … but manual for real-time interception, whatever else is wrong …
    for instrument in ["us.wiretap", "us.pen_register"] {
        let d = decide(&edited(|d| {
            d["instrument"]["type"] = json!(instrument);
            d["authority"]["country"] = json!("DE");
        }));
        assert_eq!(d.route, Route::Manual, "{instrument}");
    }
    // … and mlat when content alone was asked by foreign process.
    let content_only = decide(&edited(|d| {
        *d = valid_for("foreign.legal_process");
        d["categories"] = json!(["content"]);
    }));
    assert_eq!(content_only.verdict, Verdict::Reject);
    assert_eq!(content_only.route, Route::Mlat);
    let with_subscriber = decide(&edited(|d| {
        *d = valid_for("foreign.legal_process");
        d["categories"] = json!(["subscriber", "content"]);
    }));
    assert_eq!(with_subscriber.verdict, Verdict::Partial);
    assert_eq!(with_subscriber.route, Route::Process);
    // Content alone refused for another reason is not an MLAT matter.
    let subpoena = decide(&edited(|d| {
        d["instrument"]["type"] = json!("us.subpoena");
        d["categories"] = json!(["content"]);
    }));
    assert_eq!(subpoena.route, Route::None);
}

#[test]
fn enterprise_routes_and_their_exceptions() {
    let directory = enterprise_directory();
    assert_eq!(
        decide_with(&example(), &directory).route,
        Route::RedirectEnterprise
    );
    // Not without a directory, nor for a consumer account.
    assert_eq!(decide(&example()).route, Route::Process);
    let consumer = decide_with(
        &edited(|d| d["targets"][0]["value"] = json!("bob@example.net")),
        &directory,
    );
    assert_eq!(consumer.route, Route::Process);
    assert!(!consumer.has(Code::EnterpriseRedirect));
    // An emergency or national-security demand stays with the provider.
    let urgent = decide_with(
        &edited(|d| d["emergency"] = json!({"justification": "Imminent threat to life."})),
        &directory,
    );
    assert_eq!(urgent.route, Route::Process);
    assert!(urgent.has(Code::EnterpriseRedirect));
    let nsl = decide_with(
        &edited(|d| {
            *d = valid_for("us.nsl");
            d["categories"] = json!(["subscriber"]);
        }),
        &directory,
    );
    assert_eq!(nsl.route, Route::Process);
    let us_emergency = decide_with(&valid_for("us.emergency"), &directory);
    assert_eq!(us_emergency.route, Route::Process);
    // A rejected enterprise demand has no route.
    let rejected = decide_with(
        &edited(|d| d["authority"]["country"] = json!("DE")),
        &directory,
    );
    assert_eq!(rejected.route, Route::None);
}

#[test]
fn rule_ids() {
    for (doc, rule) in [
        (example(), Some("US-3")),
        (edited(|d| d["instrument"]["type"] = json!("bogus")), None),
        (valid_for("eu.epoc"), Some("EU-2")),
        (
            edited(|d| {
                *d = valid_for("eu.epoc");
                d["categories"] = json!(["subscriber", "ip_identification"]);
            }),
            Some("EU-1"),
        ),
        (
            edited(|d| {
                *d = valid_for("eu.epoc");
                d["categories"] = json!(["ip_identification", "traffic"]);
            }),
            Some("EU-2"),
        ),
        (
            edited(|d| {
                *d = valid_for("eu.epoc");
                d["categories"] = json!(["subscriber", "content"]);
                d["instrument"]["issuer"]["role"] = json!("prosecutor");
            }),
            Some("EU-2"),
        ),
        (valid_for("eu.epoc_pr"), Some("EU-3")),
        (
            edited(|d| d["instrument"]["type"] = json!("informal")),
            Some("X-3"),
        ),
        (valid_for("informal"), Some("US-7")),
    ] {
        assert_eq!(decide(&doc).rule.as_deref(), rule, "{doc}");
    }
}

#[test]
fn deadlines_run_from_receipt() {
    for (doc, deadline) in [
        // No deadline in the table.
        (example(), None),
        (valid_for("us.subpoena"), None),
        (valid_for("mlat"), None),
        (valid_for("us.preservation_2703f"), None),
        (valid_for("eu.epoc_pr"), None),
        // 24 hours, 10 days, 8 hours in an emergency, 7 days.
        (valid_for("us.emergency"), Some("2026-03-03T09:00:00Z")),
        (valid_for("eu.epoc"), Some("2026-09-12T09:00:00Z")),
        (
            edited(|d| {
                *d = valid_for("eu.epoc");
                d["emergency"] = json!({"justification": "Imminent terrorist attack."});
            }),
            Some("2026-09-02T17:00:00Z"),
        ),
        (valid_for("uk.copo"), Some("2026-03-09T09:00:00Z")),
        // The emergency deadline is the table's: a warrant claiming one has none.
        (
            edited(|d| d["emergency"] = json!({"justification": "Imminent threat to life."})),
            None,
        ),
        // Rejected demands still say when the answer was due.
        (
            edited(|d| {
                *d = valid_for("eu.epoc");
                d["authority"]["country"] = json!("DK");
            }),
            Some("2026-09-12T09:00:00Z"),
        ),
        (edited(|d| d["instrument"]["type"] = json!("bogus")), None),
    ] {
        let decision = decide(&doc);
        assert_eq!(decision.deadline, deadline.map(ts), "{doc}");
    }
}

#[test]
fn a_missing_received_at_means_now() {
    let decision = decide_at(
        &edited(|d| {
            *d = valid_for("eu.epoc");
            d.as_object_mut().unwrap().remove("received_at");
        }),
        "2026-03-05T12:30:00Z",
    );
    assert_eq!(decision.deadline, Some(ts("2026-03-15T12:30:00Z")));
    let preserved = decide_at(
        &edited(|d| {
            *d = valid_for("us.preservation_2703f");
            d.as_object_mut().unwrap().remove("received_at");
        }),
        "2026-03-05T12:30:00Z",
    );
    assert_eq!(preserved.preserve_until, Some(ts("2026-06-03T12:30:00Z")));
}

#[test]
fn preservation_periods() {
    for (doc, until, verdict) in [
        (
            valid_for("us.preservation_2703f"),
            Some("2026-05-31T09:00:00Z"),
            Verdict::Accept,
        ),
        (
            valid_for("eu.epoc_pr"),
            Some("2026-11-01T09:00:00Z"),
            Verdict::Accept,
        ),
        // Disclosure: no preservation.
        (example(), None, Verdict::Accept),
        // A preservation instrument cannot disclose; its period is still the plan.
        (
            edited(|d| {
                *d = valid_for("us.preservation_2703f");
                d["action"] = json!("disclose");
            }),
            None,
            Verdict::Reject,
        ),
        // A disclosure instrument asked to preserve: no period of its own.
        (
            edited(|d| d["action"] = json!("preserve")),
            None,
            Verdict::Accept,
        ),
    ] {
        let decision = decide(&doc);
        assert_eq!(decision.preserve_until, until.map(ts), "{doc}");
        assert_eq!(decision.verdict, verdict, "{doc}: {decision:#?}");
    }
}

#[test]
fn preserving_with_a_disclosure_instrument_keeps_only_what_it_may_compel() {
    let decision = decide(&edited(|d| {
        d["instrument"]["type"] = json!("us.subpoena");
        d["action"] = json!("preserve");
        d["categories"] = json!(["subscriber", "traffic", "content"]);
        d.as_object_mut().unwrap().remove("period");
    }));
    assert_eq!(category(&decision, crate::Category::Subscriber).codes, []);
    assert_eq!(
        category(&decision, crate::Category::Traffic).codes,
        [Code::InstrumentInsufficient]
    );
    assert_eq!(
        category(&decision, crate::Category::Content).codes,
        [Code::InstrumentInsufficient]
    );
    // A preservation instrument preserves every category, period or not.
    let decision = decide(&edited(|d| {
        *d = valid_for("eu.epoc_pr");
        d.as_object_mut().unwrap().remove("period");
        d["instrument"]["offence"] = json!({"max_penalty_years": 1});
    }));
    assert_eq!(decision.verdict, Verdict::Accept, "{decision:#?}");
}

fn plan(decision: &Decision) -> (Recipient, NotifyWhen, Option<Timestamp>) {
    let n = &decision.notification;
    assert!(n.reason.len() > 20, "{n:?}");
    (n.recipient, n.when, n.not_before)
}

#[test]
#[rustfmt::skip]
fn notification_plans() {
    use NotifyWhen::*;
    use Recipient::{TenantAdmin, User};
    let none = Recipient::None;
    let directory = enterprise_directory();
    let no_gag = |d: &mut Value| {
        d["instrument"].as_object_mut().unwrap().remove("nondisclosure");
    };
    let emergency = |d: &mut Value| {
        d["emergency"] = json!({"justification": "Kidnapping in progress."});
    };
    for (name, decision, expected) in [
        ("example: gag until", decide(&example()), (User, After, Some(ts("2026-09-01T00:00:00Z")))),
        ("no gag", decide(&edited(no_gag)), (User, BeforeDisclosure, None)),
        ("indefinite gag", decide(&edited(|d| d["instrument"]["nondisclosure"] = json!({"indefinite": true}))), (none, Never, None)),
        ("emergency", decide(&edited(|d| { no_gag(d); emergency(d); })), (User, After, Some(ts("2026-05-31T09:00:00Z")))),
        ("emergency with a gag: the gag decides", decide(&edited(emergency)), (User, After, Some(ts("2026-09-01T00:00:00Z")))),
        ("us.emergency", decide(&edited(|d| { *d = valid_for("us.emergency"); no_gag(d); })), (User, After, Some(ts("2026-05-31T09:00:00Z")))),
        ("national security", decide(&edited(|d| { *d = valid_for("us.fisa_order"); no_gag(d); })), (none, Never, None)),
        ("NSL", decide(&valid_for("us.nsl")), (none, Never, None)),
        ("EU production", decide(&edited(|d| { *d = valid_for("eu.epoc"); no_gag(d); })), (none, Never, None)),
        ("EU preservation", decide(&valid_for("eu.epoc_pr")), (none, Never, None)),
        ("US preservation", decide(&edited(|d| { *d = valid_for("us.preservation_2703f"); no_gag(d); })), (none, Never, None)),
        ("preserve with a warrant", decide(&edited(|d| d["action"] = json!("preserve"))), (none, Never, None)),
        ("unknown EU instrument", decide(&edited(|d| { d["instrument"]["type"] = json!("eu.eio"); no_gag(d); })), (none, Never, None)),
        ("unknown US instrument", decide(&edited(|d| { d["instrument"]["type"] = json!("us.warrant"); no_gag(d); })), (User, BeforeDisclosure, None)),
        ("UK order", decide(&edited(|d| { *d = valid_for("uk.copo"); no_gag(d); })), (User, BeforeDisclosure, None)),
        ("enterprise", decide_with(&edited(no_gag), &directory), (TenantAdmin, BeforeDisclosure, None)),
        ("enterprise, gag", decide_with(&example(), &directory), (TenantAdmin, After, Some(ts("2026-09-01T00:00:00Z")))),
        ("enterprise, indefinite gag", decide_with(&edited(|d| d["instrument"]["nondisclosure"] = json!({"indefinite": true})), &directory), (none, Never, None)),
        // A rejected demand still reports the plan it would have had.
        ("rejected", decide(&edited(|d| { no_gag(d); d["authority"]["country"] = json!("DE"); })), (User, BeforeDisclosure, None)),
        ("rejected, gag", decide(&edited(|d| d["instrument"]["expires_at"] = json!("2026-03-01T20:00:00Z"))), (User, After, Some(ts("2026-09-01T00:00:00Z")))),
    ] {
        assert_eq!(plan(&decision), expected, "{name}");
    }
}

#[test]
fn choices_where_the_spec_is_silent() {
    // Route mlat for content alone refused for an MLAT, whatever else rejected it.
    let expired = decide(&edited(|d| {
        *d = valid_for("foreign.legal_process");
        d["categories"] = json!(["content"]);
        d["instrument"]["expires_at"] = json!("2026-03-02T00:00:00Z");
    }));
    assert!(expired.has(Code::InstrumentExpired));
    assert_eq!(expired.route, Route::Mlat);
    // A gag that has already lapsed still plans notice after its end.
    let lapsed = decide_at(
        &edited(|d| d["instrument"]["nondisclosure"] = json!({"until": "2026-03-02T00:00:00Z"})),
        "2026-03-05T00:00:00Z",
    );
    assert_eq!(lapsed.notification.when, NotifyWhen::After);
    assert_eq!(
        lapsed.notification.not_before,
        Some(ts("2026-03-02T00:00:00Z"))
    );
    // A justification of punctuation is not blank.
    let dots = decide(&edited(|d| {
        d["emergency"] = json!({"justification": "..."})
    }));
    assert!(!dots.has(Code::EmergencyNoFactualBasis));
    assert_eq!(dots.verdict, Verdict::Accept);
    // Under eu.epoc asking for content, category and demand findings carry EU-2.
    let eu = decide(&edited(|d| {
        *d = valid_for("eu.epoc");
        d["categories"] = json!(["content", "subscriber"]);
        d.as_object_mut().unwrap().remove("period");
        d["emergency"] = json!({"justification": "Imminent threat to a life."});
    }));
    assert_eq!(eu.rule.as_deref(), Some("EU-2"));
    let rules: Vec<(Code, Option<&str>)> = eu
        .findings
        .iter()
        .map(|f| (f.code, f.rule.as_deref()))
        .collect();
    assert_eq!(
        rules,
        [
            (Code::PeriodRequired, Some("EU-2")),
            (Code::EmergencyVerificationRequired, Some("EU-2")),
        ]
    );
}
