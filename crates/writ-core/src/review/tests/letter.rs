//! The enterprise redirect letter, and the gates an approval waits for.

use super::*;
use crate::policy::{Code, Route, Tenant};

fn redirected(doc: &Value) -> (Demand, Decision, Tenant) {
    let demand = demand(doc);
    let directory = enterprise_directory();
    let decision = evaluate(
        &demand,
        &Rules::embedded().unwrap(),
        Some(&directory),
        ts(NOW),
    );
    let tenant = directory.accounts()[0].tenant.clone().unwrap();
    (demand, decision, tenant)
}

const EXPECTED: &str = "\
Example Mail
Law enforcement response

3 March 2026

To: Seattle Police Department
Attention: Det. A. Reyes, areyes@seattle.gov

Your reference: SEA-2026-0412
Instrument:     us.search_warrant, issued 1 March 2026 by Hon. M. Chen (judge)
Data requested: subscriber information and content
Period:         1 January 2026 00:00:00 UTC to 28 February 2026 23:59:59 UTC
Account:        email alice@example.com

Re: your request concerns an enterprise customer

Dear Sir or Madam,

The account named above belongs to Contoso Ltd, an enterprise customer of
Example Mail. Contoso Ltd administers it and controls the data in it.

Example Mail's policy is to direct requests for an enterprise customer's data
to the customer (rule US-3; 18 U.S.C. 2703(a), (b)(1)(A), (c)(1)(A); DOJ CCIPS
guidance of December 2017). We therefore ask you to address your request to
Contoso Ltd. We have disclosed no data in answer to it.

Your instrument is accompanied by a non-disclosure order (18 U.S.C. 2705(b))
until 1 September 2026. Example Mail will not notify Contoso Ltd of your
request before then, and will notify it afterwards unless a court order
forbids it.

Yours faithfully,

Compliance team
Example Mail
";

#[test]
fn the_letter_for_the_example() {
    let (demand, decision, tenant) = redirected(&edited(|_| {}));
    assert_eq!(decision.route, Route::RedirectEnterprise);
    let letter = redirect_letter(
        &demand,
        &decision,
        &tenant,
        "Example Mail",
        ts("2026-03-03T08:00:00Z"),
    );
    assert_eq!(letter, EXPECTED, "\n{letter}");
    assert!(letter.lines().all(|l| l.chars().count() <= 78), "{letter}");
    // Deterministic: the same inputs, the same letter.
    assert_eq!(
        letter,
        redirect_letter(
            &demand,
            &decision,
            &tenant,
            "Example Mail",
            ts("2026-03-03T23:59:59Z")
        )
    );
}

#[test]
fn the_letter_follows_the_demand() {
    let (demand, decision, tenant) = redirected(&edited(|d| {
        d["instrument"]["type"] = json!("us.subpoena");
        d["instrument"]["issuer"] = json!({"role": "police"});
        d["instrument"]
            .as_object_mut()
            .unwrap()
            .remove("nondisclosure");
        d["authority"].as_object_mut().unwrap().remove("contact");
        d["categories"] = json!(["subscriber", "ip_identification"]);
        d.as_object_mut().unwrap().remove("period");
        d["targets"] = json!([
            {"type": "email", "value": "Alice@Example.com"},
            {"type": "email", "value": "bob@example.net"},
            {"type": "username", "value": "dave"}
        ]);
    }));
    assert_eq!(decision.route, Route::RedirectEnterprise);
    let letter = redirect_letter(
        &demand,
        &decision,
        &tenant,
        "Example Mail",
        ts("2026-03-03T08:00:00Z"),
    );
    for expected in [
        "Instrument:     us.subpoena, issued 1 March 2026 by the police\n",
        "Data requested: subscriber information and IP address identification data\n",
        "Period:         none given\n",
        // bob's account is no enterprise's: not listed.
        "Accounts:       email Alice@Example.com, username dave\n",
        "The accounts named above belong to Contoso Ltd",
        "administers them and controls the data in them.",
        "(rule US-1; 18 U.S.C. 2703(c)(2); DOJ CCIPS",
        "Example Mail will notify Contoso Ltd of your request unless you serve us with\na court order that forbids it.",
    ] {
        assert!(letter.contains(expected), "{expected:?} not in\n{letter}");
    }
    assert!(!letter.contains("Attention:"), "{letter}");
    assert!(!letter.contains("bob@"), "{letter}");
    assert!(
        !letter.contains("it@contoso.example"),
        "the customer's admin is not disclosed"
    );
}

#[test]
fn an_indefinite_gag_is_respected_while_in_force() {
    let (demand, decision, tenant) = redirected(&edited(|d| {
        d["instrument"]["nondisclosure"] = json!({"indefinite": true});
    }));
    let letter = redirect_letter(
        &demand,
        &decision,
        &tenant,
        "Example Mail",
        ts("2026-03-03T08:00:00Z"),
    );
    assert!(
        letter.contains("non-disclosure order without an end date."),
        "{letter}"
    );
    assert!(
        letter
            .contains("while the order is in\nforce, and will notify it once the order is lifted."),
        "{letter}"
    );
}

#[test]
fn an_emergency_waits_for_the_call_back() {
    let (_, decision) = decided(&edited(|d| {
        d["emergency"] =
            json!({"justification": "A child has been abducted; the suspect uses this account."});
    }));
    assert_eq!(
        pending_gates(&decision),
        [Code::EmergencyVerificationRequired]
    );
    assert!(gate_requirement(Code::EmergencyVerificationRequired).contains("call-back"));
    let (_, ordinary) = decided(&edited(|_| {}));
    assert_eq!(pending_gates(&ordinary), []);
    for code in Code::ALL {
        assert!(!gate_requirement(code).is_empty());
    }
}

#[test]
fn a_gate_is_listed_once() {
    let (_, mut decision) = decided(&edited(|d| {
        d["emergency"] = json!({"justification": "Imminent threat to a life."});
    }));
    let gate = decision
        .findings
        .iter()
        .find(|f| f.code == Code::EmergencyVerificationRequired)
        .unwrap()
        .clone();
    decision.findings.push(gate);
    assert_eq!(
        pending_gates(&decision),
        [Code::EmergencyVerificationRequired]
    );
}

#[test]
fn the_reasoned_objection_names_the_order_the_conflict_and_the_due_date() {
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["reference"] = json!("EPOC-2026-77");
    doc["received_at"] = json!("2026-09-02T09:00:00Z");
    doc["authority"] = json!({"name": "Amtsgericht Berlin-Tiergarten", "country": "DE"});
    doc["instrument"]["type"] = json!("eu.epoc");
    doc["instrument"]["issued_at"] = json!("2026-09-01T16:00:00Z");
    doc["instrument"]["expires_at"] = json!("2026-09-15T00:00:00Z");
    let demand = demand(&doc);
    let decision = evaluate(&demand, &Rules::embedded().unwrap(), None, ts(NOW));
    assert!(decision.has(Code::ConflictingObligation));
    let letter = crate::review::reasoned_objection(
        &demand,
        &decision,
        "Example Mail",
        ts("2026-09-02T10:00:00Z"),
        ts("2026-09-12T09:00:00Z"),
    );
    for needle in [
        "To: Amtsgericht Berlin-Tiergarten",
        "Your reference: EPOC-2026-77",
        "Objection due:  12 September 2026 09:00:00 UTC",
        "18 U.S.C. 2702(a); Reg. (EU) 2023/1543 Art. 17",
        "We therefore object to the order for content under Article 17",
    ] {
        assert!(letter.contains(needle), "{needle:?} in\n{letter}");
    }
    assert!(letter.lines().all(|l| l.chars().count() <= 80), "{letter}");
}
