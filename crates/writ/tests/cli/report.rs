use serde_json::{Value, json};

use crate::helpers::{run, stderr, writ};

/// `n` summaries for `country` with `outcome`, received in 2013-H1.
fn summaries(country: &str, outcome: &str, n: usize, accounts: u64) -> Vec<String> {
    (0..n)
        .map(|_| {
            json!({
                "id": writ_core::CaseId::random(),
                "received_at": "2013-03-01T12:00:00Z",
                "authority_country": country,
                "instrument": "us.subpoena",
                "section": "criminal",
                "customer": "consumer",
                "accounts": accounts,
                "outcome": outcome,
                "data_stored_abroad": false
            })
            .to_string()
        })
        .collect()
}

#[test]
fn a_report_from_case_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    let mut lines = Vec::new();
    lines.extend(summaries("AR", "non_content", 3, 2));
    lines.extend(summaries("AR", "rejected", 1, 1));
    lines.extend(summaries("DE", "content", 2, 1));
    lines.extend(summaries("DE", "pending", 1, 5));
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();

    let report = |extra: &[&str]| {
        run(writ()
            .args(["report", "--period", "2013-H1", "--input"])
            .arg(&input)
            .args(extra))
    };
    let csv = report(&["--format", "csv", "--style", "microsoft"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some(
            "country_code,country,total_requests,accounts_users_specified,disclosed_content,disclosed_only_noncontent,no_data_found,rejected_not_meeting_legal_requirements"
        )
    );
    assert_eq!(rows.next(), Some("AR,Argentina,4,7,0,3,0,1"));
    assert_eq!(
        rows.next(),
        Some("DE,Germany,3,7,2,0,0,0"),
        "a pending demand counts only in the total"
    );

    let json = report(&["--format", "json"]);
    assert!(json.status.success());
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["case_summaries"], 7);
    assert!(json["checkpoint"].is_object());

    let html = report(&["--format", "html"]);
    assert!(String::from_utf8(html.stdout).unwrap().contains("<svg"));

    for bad in [
        ["--format", "pdf"],
        ["--style", "apple"],
        ["--bands", "band7"],
    ] {
        let output = report(&bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&output).contains(bad[0]), "{}", stderr(&output));
    }
    let output = run(writ()
        .args(["report", "--period", "2013-H3", "--input"])
        .arg(&input));
    assert_eq!(output.status.code(), Some(2));
    std::fs::write(&input, "{\"id\": 1}\n").unwrap();
    let output = run(writ()
        .args(["report", "--period", "2013-H1", "--input"])
        .arg(&input));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("line 1"), "{}", stderr(&output));
}
