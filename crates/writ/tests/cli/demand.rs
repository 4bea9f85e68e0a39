use serde_json::{Value, json};

use crate::helpers::{assert_exit, run, stderr, writ};

const EXAMPLE: &str = include_str!("../../../writ-core/tests/demands/policy-example.json");

fn check(demand: &str, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demand.json");
    std::fs::write(&file, demand).unwrap();
    run(writ().args(["demand", "check"]).arg(&file).args(extra))
}

fn decision(output: &std::process::Output) -> Value {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_policy_example_is_accepted_with_its_notice_plan() {
    let out = decision(&check(EXAMPLE, &["--now", "2026-03-02T10:00:00Z"]));
    assert_eq!(out["verdict"], "accept");
    assert_eq!(out["route"], "process");
    assert_eq!(out["rule"], "US-3");
    assert_eq!(
        out["notification"],
        json!({
            "recipient": "user",
            "when": "after",
            "not_before": "2026-09-01T00:00:00Z",
            "reason": out["notification"]["reason"]
        })
    );
    assert_eq!(out["findings"], json!([]));
}

#[test]
fn a_refusal_is_still_a_decision_with_exit_0() {
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["instrument"]["type"] = json!("us.subpoena");
    doc["instrument"]["issuer"]["role"] = json!("prosecutor");
    let out = decision(&check(&doc.to_string(), &["--now", "2026-03-02T10:00:00Z"]));
    assert_eq!(out["verdict"], "partial");
    assert_eq!(
        out["categories"][1]["codes"],
        json!(["INSTRUMENT_INSUFFICIENT"])
    );
    assert_eq!(out["findings"][0]["citation"], "18 U.S.C. 2703(c)(2)");

    doc["instrument"]["type"] = json!("xx.letter");
    let out = decision(&check(&doc.to_string(), &["--now", "2026-03-02T10:00:00Z"]));
    assert_eq!(out["verdict"], "reject");
    assert_eq!(out["findings"][0]["code"], "UNKNOWN_INSTRUMENT");
}

#[test]
fn invalid_input_exits_2_naming_the_field() {
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["period"]["from"] = json!("2026-12-01T00:00:00Z");
    let output = check(&doc.to_string(), &[]);
    assert_exit(&output, 2, "period");
    assert!(output.stdout.is_empty(), "no decision is printed");

    let output = check(EXAMPLE, &["--now", "tomorrow"]);
    assert_exit(&output, 2, "--now");

    let output = run(writ().args(["demand", "check", "/no/such/demand.json"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("/no/such/demand.json"));
}

#[test]
fn a_directory_file_routes_enterprise_accounts_to_their_customer() {
    let dir = tempfile::tempdir().unwrap();
    let directory = dir.path().join("directory.json");
    std::fs::write(
        &directory,
        json!({
            "accounts": [{"id": "a1", "identifiers": [{"type": "email", "value": "alice@example.com"}], "tenant": "t1"}],
            "tenants": [{"id": "t1", "name": "Contoso", "seats": 51, "admin_email": "admin@contoso.example"}]
        })
        .to_string(),
    )
    .unwrap();
    let dir_arg = directory.to_str().unwrap();
    let out = decision(&check(
        EXAMPLE,
        &["--now", "2026-03-02T10:00:00Z", "--directory", dir_arg],
    ));
    assert_eq!(out["route"], "redirect_enterprise");
    assert_eq!(out["notification"]["recipient"], "tenant_admin");

    std::fs::write(&directory, r#"{"accounts": [{"id": "a1"}], "tenants": []}"#).unwrap();
    let output = check(EXAMPLE, &["--directory", dir_arg]);
    assert_exit(&output, 2, "accounts[0]");
}

#[test]
fn counsel_can_replace_the_rules_and_a_bad_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    let builtin = run(writ().args(["policy", "rules"]));
    assert!(builtin.status.success());
    // Counsel decides subpoenas no longer reach IP identification data.
    let text = String::from_utf8(builtin.stdout).unwrap().replacen(
        "compels = [\"subscriber\", \"ip_identification\"]",
        "compels = [\"subscriber\"]",
        1,
    );
    std::fs::write(&rules, &text).unwrap();
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["instrument"]["type"] = json!("us.subpoena");
    doc["categories"] = json!(["subscriber", "ip_identification"]);
    let rules_arg = rules.to_str().unwrap();
    let out = decision(&check(
        &doc.to_string(),
        &["--now", "2026-03-02T10:00:00Z", "--rules", rules_arg],
    ));
    assert_eq!(out["categories"][1]["decision"], "refuse");

    std::fs::write(
        &rules,
        text.replacen("jurisdiction = \"us\"", "jurisdiction = \"mars\"", 1),
    )
    .unwrap();
    let output = check(&doc.to_string(), &["--rules", rules_arg]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("US-1") && message.contains("jurisdiction"),
        "{message}"
    );
}

#[test]
fn serve_refuses_to_start_with_a_malformed_rules_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "[[rule]]\nid = 7\n").unwrap();
    let output = run(writ()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env("WRIT_METRICS__ENABLED", "false")
        .env("WRIT_POLICY__RULES", &rules));
    assert_exit(&output, 2, "rules.toml");
    assert!(!dir.path().join("data").exists(), "nothing was started");
}
