//! Whole decisions, as JSON: the shape of `docs/policy.md` §4, byte for byte.

use super::findings::enterprise_directory;
use super::*;

fn json_of(decision: &Decision) -> Value {
    let value = serde_json::to_value(decision).unwrap();
    // And back: the server stores decisions as JSON.
    let back: Decision = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(&back, decision);
    value
}

#[test]
fn the_policy_example() {
    let decision = decide(&example());
    assert_eq!(
        json_of(&decision),
        json!({
            "verdict": "accept",
            "route": "process",
            "rule": "US-3",
            "categories": [
                {"category": "subscriber", "decision": "allow", "codes": []},
                {"category": "content", "decision": "allow", "codes": []}
            ],
            "targets": [
                {"type": "email", "value": "alice@example.com", "decision": "allow", "codes": []},
                {"type": "ip", "value": "203.0.113.7", "decision": "allow", "codes": []}
            ],
            "findings": [],
            "deadline": null,
            "preserve_until": null,
            "notification": {
                "recipient": "user",
                "when": "after",
                "not_before": "2026-09-01T00:00:00Z",
                "reason": "A non-disclosure order (18 U.S.C. 2705(b)) bars notice until 1 Sep 2026, 00:00 UTC; the user is told when it lapses."
            }
        })
    );
    // Field order is the spec's.
    let text = serde_json::to_string(&decision).unwrap();
    let positions: Vec<usize> = [
        "\"verdict\"",
        "\"route\"",
        "\"rule\"",
        "\"categories\"",
        "\"targets\"",
        "\"findings\"",
        "\"deadline\"",
        "\"preserve_until\"",
        "\"notification\"",
    ]
    .iter()
    .map(|key| text.find(key).unwrap())
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn a_subpoena_for_content() {
    let decision = decide(&edited(|d| {
        d["instrument"]["type"] = json!("us.subpoena");
        d["instrument"]["issuer"] = json!({"name": "King County Prosecutor", "role": "prosecutor"});
        d["instrument"]
            .as_object_mut()
            .unwrap()
            .remove("nondisclosure");
    }));
    assert_eq!(
        json_of(&decision),
        json!({
            "verdict": "partial",
            "route": "process",
            "rule": "US-1",
            "categories": [
                {"category": "subscriber", "decision": "allow", "codes": []},
                {"category": "content", "decision": "refuse", "codes": ["INSTRUMENT_INSUFFICIENT"]}
            ],
            "targets": [
                {"type": "email", "value": "alice@example.com", "decision": "allow", "codes": []},
                {"type": "ip", "value": "203.0.113.7", "decision": "allow", "codes": []}
            ],
            "findings": [{
                "code": "INSTRUMENT_INSUFFICIENT",
                "severity": "refuse",
                "message": "A subpoena (18 U.S.C. 2703(c)(2)) cannot compel content; content needs a search warrant (US-3).",
                "rule": "US-1",
                "citation": "18 U.S.C. 2703(c)(2)",
                "category": "content",
                "target": null
            }],
            "deadline": null,
            "preserve_until": null,
            "notification": {
                "recipient": "user",
                "when": "before_disclosure",
                "not_before": null,
                "reason": "No order bars notice: the user is told before anything is disclosed, so they can object."
            }
        })
    );
}

#[test]
fn an_unknown_instrument() {
    let decision = decide(&edited(|d| d["instrument"]["type"] = json!("us.warrant")));
    let value = json_of(&decision);
    assert_eq!(value["verdict"], "reject");
    assert_eq!(value["route"], "none");
    assert_eq!(value["rule"], Value::Null);
    assert_eq!(
        value["categories"],
        json!([
            {"category": "subscriber", "decision": "refuse", "codes": ["UNKNOWN_INSTRUMENT"]},
            {"category": "content", "decision": "refuse", "codes": ["UNKNOWN_INSTRUMENT"]}
        ])
    );
    let finding = &value["findings"][0];
    assert_eq!(finding["code"], "UNKNOWN_INSTRUMENT");
    assert_eq!(finding["severity"], "block");
    assert_eq!(finding["rule"], Value::Null);
    assert_eq!(finding["citation"], Value::Null);
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("\"us.warrant\"")
    );
    assert_eq!(value["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_european_emergency_order_for_a_person_abroad() {
    let decision = decide(&edited(|d| {
        *d = valid_for("eu.epoc");
        d["categories"] = json!(["subscriber", "content"]);
        d["instrument"]["issuer"] = json!({"name": "Dr. K. Weber", "role": "prosecutor"});
        d["instrument"]["target_resides_in_issuing_state"] = json!(false);
        d["instrument"]["nondisclosure"] = json!({"indefinite": true, "basis": "StPO § 101"});
        d["emergency"] = json!({"justification": "Imminent attack on a power station."});
        d["targets"] = json!([{"type": "phone", "value": "+4930123456"}]);
    }));
    let value = json_of(&decision);
    assert_eq!(
        value,
        json!({
            "verdict": "partial",
            "route": "process",
            "rule": "EU-2",
            "categories": [
                {"category": "subscriber", "decision": "allow", "codes": []},
                {"category": "content", "decision": "refuse", "codes": ["ISSUER_NOT_COMPETENT"]}
            ],
            "targets": [
                {"type": "phone", "value": "+4930123456", "decision": "allow", "codes": []}
            ],
            "findings": [
                {
                    "code": "ISSUER_NOT_COMPETENT",
                    "severity": "refuse",
                    "message": "Content under a European Production Order (EU-2) may only be ordered by a judge, a court or an investigating judge; this order was issued by a prosecutor.",
                    "rule": "EU-2",
                    "citation": "Reg. (EU) 2023/1543 Arts 4, 5, 10",
                    "category": "content",
                    "target": null
                },
                {
                    "code": "EMERGENCY_VERIFICATION_REQUIRED",
                    "severity": "gate",
                    "message": "Emergency claimed: before anything is disclosed, call Amtsgericht Berlin-Tiergarten back on a number known independently of this demand, and record the call.",
                    "rule": "EU-2",
                    "citation": "Reg. (EU) 2023/1543 Arts 4, 5, 10",
                    "category": null,
                    "target": null
                },
                {
                    "code": "NDO_OVERLONG",
                    "severity": "warn",
                    "message": "The non-disclosure order (StPO § 101) has no end date (limit: 365 days): DOJ policy (19 Oct 2017) is to seek at most one year barring exceptional circumstances; consider a challenge.",
                    "rule": "EU-2",
                    "citation": "Reg. (EU) 2023/1543 Arts 4, 5, 10",
                    "category": null,
                    "target": null
                }
            ],
            "deadline": "2026-09-02T17:00:00Z",
            "preserve_until": null,
            "notification": {
                "recipient": "none",
                "when": "never",
                "not_before": null,
                "reason": "A European Production Order: the issuing authority informs the person (Reg. (EU) 2023/1543 Art. 13); the provider owes confidentiality."
            }
        })
    );
}

#[test]
fn an_enterprise_preservation() {
    let decision = decide_with(
        &edited(|d| {
            *d = valid_for("us.preservation_2703f");
            d["categories"] = json!(["content"]);
            d["targets"] = json!([{"type": "email", "value": "alice@example.com"}]);
        }),
        &enterprise_directory(),
    );
    let value = json_of(&decision);
    assert_eq!(value["verdict"], "accept");
    assert_eq!(value["route"], "redirect_enterprise");
    assert_eq!(value["rule"], "US-4");
    assert_eq!(value["preserve_until"], "2026-05-31T09:00:00Z");
    assert_eq!(value["deadline"], Value::Null);
    assert_eq!(value["targets"][0]["codes"], json!(["ENTERPRISE_REDIRECT"]));
    assert_eq!(
        value["findings"][0],
        json!({
            "code": "ENTERPRISE_REDIRECT",
            "severity": "info",
            "message": "Target email \"alice@example.com\" is account acc-alice of Contoso Ltd (51 seats), an enterprise customer: redirect the authority to the customer (DOJ CCIPS guidance, Dec 2017).",
            "rule": "US-4",
            "citation": "18 U.S.C. 2703(f)",
            "category": null,
            "target": "alice@example.com"
        })
    );
    assert_eq!(value["notification"]["when"], "never");
}

#[test]
fn decisions_read_back_from_json() {
    for doc in [
        example(),
        valid_for("eu.epoc"),
        valid_for("us.emergency"),
        edited(|d| d["instrument"]["type"] = json!("us.wiretap")),
    ] {
        let decision = decide(&doc);
        let text = serde_json::to_string(&decision).unwrap();
        let back: Decision = serde_json::from_str(&text).unwrap();
        assert_eq!(back, decision);
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }
}
