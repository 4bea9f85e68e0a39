//! Every row of `docs/policy.md` §2: what it may compel, from whom, from where, and
//! its deadlines — checked against the table written out here, independently of
//! `rules/default.toml`.

use super::*;
use crate::Category::{self, Content, IpIdentification, Subscriber, Traffic};

/// ✔ may compel, ✗ may not, P preservation only, M refused in favour of an MLAT.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Cell {
    Y,
    N,
    P,
    M,
}
use Cell::{M, N, P, Y};

pub(super) struct SpecRow {
    pub instrument: &'static str,
    pub rule: &'static str,
    /// subscriber, ip_identification, traffic, content.
    pub cells: [Cell; 4],
    /// `None`: any issuer.
    pub issuers: Option<&'static [&'static str]>,
    pub deadline_hours: Option<i64>,
    pub emergency_deadline_hours: Option<i64>,
    pub preserve_days: Option<i64>,
    pub extension_days: Option<i64>,
    pub citation: &'static str,
}

const JUDGES: &[&str] = &["judge", "magistrate", "court"];

/// `docs/policy.md` §2, row by row (US-12 and US-13 compel nothing: out of scope).
#[rustfmt::skip]
pub(super) const SPEC: [SpecRow; 20] = [
    SpecRow { instrument: "us.subpoena", rule: "US-1", cells: [Y, Y, N, N], issuers: None, deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 2703(c)(2)" },
    SpecRow { instrument: "us.court_order_2703d", rule: "US-2", cells: [Y, Y, Y, N], issuers: Some(JUDGES), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 2703(c)(1)(B), (d)" },
    SpecRow { instrument: "us.search_warrant", rule: "US-3", cells: [Y, Y, Y, Y], issuers: Some(JUDGES), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 2703(a), (b)(1)(A), (c)(1)(A)" },
    SpecRow { instrument: "us.preservation_2703f", rule: "US-4", cells: [P, P, P, P], issuers: None, deadline_hours: None, emergency_deadline_hours: None, preserve_days: Some(90), extension_days: Some(90), citation: "18 U.S.C. 2703(f)" },
    SpecRow { instrument: "us.emergency", rule: "US-7", cells: [Y, Y, Y, Y], issuers: None, deadline_hours: Some(24), emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 2702(b)(8), (c)(4)" },
    SpecRow { instrument: "us.nsl", rule: "US-8", cells: [Y, N, N, N], issuers: Some(&["fbi"]), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 2709" },
    SpecRow { instrument: "us.fisa_order", rule: "US-9", cells: [Y, Y, Y, Y], issuers: Some(&["court"]), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "50 U.S.C. 1805, 1824" },
    SpecRow { instrument: "us.fisa_702", rule: "US-10", cells: [Y, Y, Y, Y], issuers: Some(&["attorney_general"]), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "50 U.S.C. 1881a" },
    SpecRow { instrument: "us.pen_register", rule: "US-12", cells: [N, N, N, N], issuers: None, deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 3121–3127" },
    SpecRow { instrument: "us.wiretap", rule: "US-13", cells: [N, N, N, N], issuers: None, deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 2516–2518" },
    SpecRow { instrument: "eu.epoc", rule: "EU-1", cells: [Y, Y, Y, Y], issuers: Some(&["judge", "court", "investigating_judge", "prosecutor"]), deadline_hours: Some(240), emergency_deadline_hours: Some(8), preserve_days: None, extension_days: None, citation: "Reg. (EU) 2023/1543 Arts 4, 5, 10" },
    SpecRow { instrument: "eu.epoc_pr", rule: "EU-3", cells: [P, P, P, P], issuers: Some(&["judge", "investigating_judge", "court", "prosecutor"]), deadline_hours: None, emergency_deadline_hours: None, preserve_days: Some(60), extension_days: Some(30), citation: "Reg. (EU) 2023/1543 Arts 4(3), 11" },
    SpecRow { instrument: "uk.copo", rule: "UK-1", cells: [Y, Y, Y, Y], issuers: Some(&["judge"]), deadline_hours: Some(168), emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "Crime (Overseas Production Orders) Act 2019; US–UK agreement (18 U.S.C. 2523)" },
    SpecRow { instrument: "au.ipo", rule: "AU-1", cells: [Y, Y, Y, Y], issuers: Some(JUDGES), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "Telecommunications (Interception and Access) Act 1979 Schedule 1; US–Australia agreement (18 U.S.C. 2523)" },
    SpecRow { instrument: "foreign.legal_process", rule: "X-2", cells: [Y, Y, Y, M], issuers: None, deadline_hours: None, emergency_deadline_hours: None, preserve_days: Some(90), extension_days: None, citation: "18 U.S.C. 2702(c)(6); provider policy" },
    SpecRow { instrument: "mlat", rule: "X-1", cells: [Y, Y, Y, Y], issuers: Some(JUDGES), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "18 U.S.C. 3512; treaty" },
    SpecRow { instrument: "us.all_writs", rule: "P-2", cells: [N, N, N, N], issuers: Some(JUDGES), deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "28 U.S.C. 1651 (assistance orders)" },
    SpecRow { instrument: "uk.technical_capability_notice", rule: "P-3", cells: [N, N, N, N], issuers: None, deadline_hours: Some(672), emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "Investigatory Powers Act 2016 ss. 253–258" },
    SpecRow { instrument: "au.technical_capability_notice", rule: "P-4", cells: [N, N, N, N], issuers: None, deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "Telecommunications Act 1997 Part 15, ss. 317T–317ZH (Assistance and Access Act 2018)" },
    SpecRow { instrument: "informal", rule: "X-3", cells: [N, N, N, N], issuers: None, deadline_hours: None, emergency_deadline_hours: None, preserve_days: None, extension_days: None, citation: "no legal process" },
];

pub(super) const ORDER: [Category; 4] = [Subscriber, IpIdentification, Traffic, Content];

pub(super) const ROLES: [&str; 9] = [
    "judge",
    "magistrate",
    "investigating_judge",
    "court",
    "prosecutor",
    "police",
    "fbi",
    "attorney_general",
    "other",
];

#[test]
fn the_rules_file_has_exactly_the_rows_of_the_spec() {
    let rules = rules();
    assert_eq!(rules.rules().len(), SPEC.len());
    for spec in &SPEC {
        let row = rules
            .for_instrument(spec.instrument)
            .unwrap_or_else(|| panic!("no row for {}", spec.instrument));
        let at = spec.instrument;
        assert_eq!(row.id, spec.rule, "{at}");
        assert_eq!(row.citation, spec.citation, "{at}");
        for (category, cell) in ORDER.iter().zip(spec.cells) {
            let expected = matches!(cell, Y | P);
            assert_eq!(row.compels(*category), expected, "{at} {category}");
            assert_eq!(
                row.mlat_for.contains(category),
                cell == M,
                "{at} {category}"
            );
        }
        assert_eq!(row.preservation_only, spec.cells.contains(&P), "{at}");
        match spec.issuers {
            None => assert_eq!(row.issuers, Issuers::Any, "{at}"),
            Some(roles) => {
                let Issuers::Only(listed) = &row.issuers else {
                    panic!("{at}: any issuer");
                };
                let listed: Vec<String> = listed
                    .iter()
                    .map(|r| {
                        serde_json::to_value(r)
                            .unwrap()
                            .as_str()
                            .unwrap()
                            .to_owned()
                    })
                    .collect();
                let mut expected: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
                let mut listed_sorted = listed.clone();
                listed_sorted.sort();
                expected.sort();
                assert_eq!(listed_sorted, expected, "{at}");
            }
        }
        assert_eq!(
            row.deadline_hours.map(i64::from),
            spec.deadline_hours,
            "{at}"
        );
        assert_eq!(
            row.emergency_deadline_hours.map(i64::from),
            spec.emergency_deadline_hours,
            "{at}"
        );
        assert_eq!(row.preserve_days.map(i64::from), spec.preserve_days, "{at}");
        assert_eq!(
            row.preserve_extension_days.map(i64::from),
            spec.extension_days,
            "{at}"
        );
        assert_eq!(
            row.realtime,
            spec.rule == "US-12" || spec.rule == "US-13",
            "{at}"
        );
        assert_eq!(
            row.national_security,
            matches!(spec.rule, "US-8" | "US-9" | "US-10"),
            "{at}"
        );
    }
    assert_eq!(rules.max_targets(), 100);
    assert_eq!(rules.settings().enterprise_seats_above, 50);
}

#[test]
fn each_instrument_allows_exactly_the_categories_it_may_compel() {
    for spec in SPEC
        .iter()
        .filter(|s| !matches!(s.rule, "US-12" | "US-13" | "X-3" | "P-2" | "P-3" | "P-4"))
    {
        let decision = decide(&valid_for(spec.instrument));
        let at = spec.instrument;
        for (category, cell) in ORDER.iter().zip(spec.cells) {
            let got = super::category(&decision, *category);
            // Content for an EPOC is allowed, behind the conflict-of-laws gate (§6.8).
            let gated = at == "eu.epoc" && *category == Content;
            let (outcome, codes) = match cell {
                Y | P if gated => (Outcome::Allow, vec![Code::ConflictingObligation]),
                Y | P => (Outcome::Allow, vec![]),
                N => (Outcome::Refuse, vec![Code::InstrumentInsufficient]),
                M => (Outcome::Refuse, vec![Code::ContentRequiresMlat]),
            };
            assert_eq!(got.decision, outcome, "{at} {category}: {decision:#?}");
            assert_eq!(got.codes, codes, "{at} {category}");
        }
        let all_allowed = spec.cells.iter().all(|c| matches!(c, Y | P));
        let verdict = if all_allowed {
            Verdict::Accept
        } else {
            Verdict::Partial
        };
        assert_eq!(decision.verdict, verdict, "{at}: {decision:#?}");
        let expected_rule = if spec.rule == "EU-1" {
            "EU-2"
        } else {
            spec.rule
        };
        assert_eq!(decision.rule.as_deref(), Some(expected_rule), "{at}");
        // Only the instrument's own notices, never a block or a refusal it should not make.
        for f in &decision.findings {
            assert!(
                !matches!(f.severity, Severity::Block),
                "{at}: unexpected {f:#?}"
            );
            if f.code != Code::ConflictingObligation {
                assert_eq!(f.citation.as_deref(), Some(spec.citation), "{at}");
            }
        }
    }
}

#[test]
fn interception_and_informal_requests_allow_nothing() {
    for (instrument, code, route) in [
        ("us.pen_register", Code::RealtimeOutOfScope, Route::Manual),
        ("us.wiretap", Code::RealtimeOutOfScope, Route::Manual),
        ("informal", Code::NoLegalProcess, Route::None),
    ] {
        let decision = decide(&edited(|d| {
            d["instrument"]["type"] = json!(instrument);
            d["categories"] = json!(["subscriber", "ip_identification", "traffic", "content"]);
        }));
        assert_eq!(decision.verdict, Verdict::Reject, "{instrument}");
        assert_eq!(decision.route, route, "{instrument}");
        assert_eq!(codes(&decision), [code], "{instrument}: {decision:#?}");
        assert_eq!(finding(&decision, code).severity, Severity::Block);
        for c in &decision.categories {
            assert_eq!(c.decision, Outcome::Refuse, "{instrument}");
            assert_eq!(c.codes, [code], "{instrument}");
        }
    }
}

#[test]
fn a_category_refusal_names_the_instrument_that_would_do() {
    let decision = decide(&edited(|d| {
        d["instrument"]["type"] = json!("us.subpoena");
    }));
    assert_eq!(
        finding(&decision, Code::InstrumentInsufficient).message,
        "A subpoena (18 U.S.C. 2703(c)(2)) cannot compel content; content needs a search \
         warrant (US-3)."
    );
}

/// Issuers of the table, before EU's per-category rule.
#[test]
fn only_the_listed_issuers_may_issue_each_instrument() {
    for spec in SPEC
        .iter()
        .filter(|s| !matches!(s.rule, "US-12" | "US-13" | "X-3" | "P-2" | "P-3" | "P-4"))
    {
        for role in ROLES {
            let decision = decide(&edited(|d| {
                *d = valid_for(spec.instrument);
                d["instrument"]["issuer"]["role"] = json!(role);
                d["categories"] = json!(["subscriber"]);
            }));
            let allowed = spec.issuers.is_none_or(|roles| roles.contains(&role));
            let blocked = decision
                .findings
                .iter()
                .any(|f| f.code == Code::IssuerNotCompetent && f.severity == Severity::Block);
            assert_eq!(
                !blocked, allowed,
                "{} by {role}: {decision:#?}",
                spec.instrument
            );
            assert_eq!(
                decision.verdict == Verdict::Accept,
                allowed,
                "{} by {role}",
                spec.instrument
            );
        }
    }
}

#[test]
fn eu_traffic_and_content_need_a_judge_court_or_investigating_judge() {
    for role in ROLES {
        let decision = decide(&edited(|d| {
            *d = valid_for("eu.epoc");
            d["instrument"]["issuer"]["role"] = json!(role);
        }));
        let row_allows = matches!(
            role,
            "judge" | "court" | "investigating_judge" | "prosecutor"
        );
        let judicial = matches!(role, "judge" | "court" | "investigating_judge");
        if !row_allows {
            assert_eq!(decision.verdict, Verdict::Reject, "{role}");
            assert!(decision.has(Code::IssuerNotCompetent), "{role}");
            continue;
        }
        for (c, needs_judge) in [
            (Subscriber, false),
            (IpIdentification, false),
            (Traffic, true),
            (Content, true),
        ] {
            let got = category(&decision, c);
            let refused = needs_judge && !judicial;
            assert_eq!(got.decision == Outcome::Refuse, refused, "{role} {c}");
            if refused {
                assert_eq!(got.codes, [Code::IssuerNotCompetent], "{role} {c}");
            }
        }
        if !judicial {
            let f = decision
                .findings
                .iter()
                .find(|f| f.code == Code::IssuerNotCompetent && f.category == Some(Traffic))
                .unwrap();
            assert_eq!(f.severity, Severity::Refuse);
            assert_eq!(f.rule.as_deref(), Some("EU-2"));
            assert_eq!(decision.verdict, Verdict::Partial);
        }
    }
}

#[test]
fn an_eu_order_counts_as_issued_by_its_validator() {
    let validated = |issuer: &str, validator: &str| {
        decide(&edited(|d| {
            *d = valid_for("eu.epoc");
            d["instrument"]["issuer"] = json!({"name": "LKA Berlin", "role": issuer});
            d["instrument"]["validated_by"] = json!({"name": "Dr. K. Weber", "role": validator});
        }))
    };
    assert_eq!(validated("police", "judge").verdict, Verdict::Accept);
    let by_prosecutor = validated("police", "prosecutor");
    assert_eq!(by_prosecutor.verdict, Verdict::Partial);
    assert_eq!(
        category(&by_prosecutor, Subscriber).decision,
        Outcome::Allow
    );
    assert_eq!(
        category(&by_prosecutor, Content).codes,
        [Code::IssuerNotCompetent]
    );
    // Validated by no one competent: blocked, and traffic and content refused besides.
    let by_police = validated("other", "police");
    assert_eq!(by_police.verdict, Verdict::Reject);
    let severities: Vec<(Severity, Option<Category>)> = by_police
        .findings
        .iter()
        .filter(|f| f.code == Code::IssuerNotCompetent)
        .map(|f| (f.severity, f.category))
        .collect();
    assert_eq!(
        severities,
        [
            (Severity::Block, None),
            (Severity::Refuse, Some(Traffic)),
            (Severity::Refuse, Some(Content))
        ]
    );
    // Validation is an EU notion: a US warrant is judged by who issued it.
    let warrant = decide(&edited(|d| {
        d["instrument"]["issuer"]["role"] = json!("police");
        d["instrument"]["validated_by"] = json!({"role": "judge"});
    }));
    assert_eq!(warrant.verdict, Verdict::Reject);
    assert!(warrant.has(Code::IssuerNotCompetent));
}

#[test]
fn each_instrument_comes_only_from_its_jurisdiction() {
    // (instrument, countries it may come from) among US, DE, FR, IE, DK, GB, BR.
    let table: [(&str, &[&str]); 14] = [
        ("us.subpoena", &["US"]),
        ("us.court_order_2703d", &["US"]),
        ("us.search_warrant", &["US"]),
        ("us.preservation_2703f", &["US"]),
        ("us.emergency", &["US"]),
        ("us.nsl", &["US"]),
        ("us.fisa_order", &["US"]),
        ("us.fisa_702", &["US"]),
        ("eu.epoc", &["DE", "FR", "IE"]),
        ("eu.epoc_pr", &["DE", "FR", "IE"]),
        ("uk.copo", &["GB"]),
        (
            "foreign.legal_process",
            &["DE", "FR", "IE", "DK", "GB", "BR"],
        ),
        ("mlat", &["DE", "FR", "IE", "DK", "GB", "BR"]),
        ("us.wiretap", &["US"]),
    ];
    for (instrument, allowed) in table {
        for country in ["US", "DE", "FR", "IE", "DK", "GB", "BR"] {
            let decision = decide(&edited(|d| {
                *d = valid_for(instrument);
                d["authority"]["country"] = json!(country);
            }));
            let mismatch = decision.has(Code::JurisdictionMismatch);
            assert_eq!(
                mismatch,
                !allowed.contains(&country),
                "{instrument} from {country}"
            );
            if mismatch {
                assert_eq!(decision.verdict, Verdict::Reject);
                assert_eq!(
                    finding(&decision, Code::JurisdictionMismatch).severity,
                    Severity::Block
                );
            }
        }
    }
}
