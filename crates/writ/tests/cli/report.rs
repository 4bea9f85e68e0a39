use serde_json::{Value, json};

use crate::helpers::{assert_exit, run, stderr, writ};

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
    assert_exit(&output, 2, "line 1");
}

/// The done-when, through the binary: summaries built to match Microsoft's
/// published 2013-H1 table (37,196 requests, 66,539 accounts) come out of `writ report
/// --style microsoft` row for row.
#[test]
fn microsofts_2013_h1_table_is_reproduced() {
    const TABLE: &str = include_str!("../../../writ-report/tests/data/lerr-2013-H1-by-country.csv");
    const CODES: &str = include_str!("../../../writ-report/tests/data/microsoft-country-codes.csv");
    let codes: std::collections::BTreeMap<&str, &str> = CODES
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap())
        .collect();
    // Microsoft's names may hold commas inside quotes: the counts are the last six fields.
    let rows: Vec<(&str, Vec<u64>)> = TABLE
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.rsplitn(7, ',').collect();
            let name = fields[6].trim_matches('"');
            let counts = fields[..6]
                .iter()
                .rev()
                .map(|v| v.parse().unwrap())
                .collect();
            (codes[name], counts)
        })
        .collect();
    let (requests, accounts) = rows
        .iter()
        .fold((0, 0), |(r, a), (_, c)| (r + c[0], a + c[1]));
    assert_eq!((requests, accounts), (37_196, 66_539));

    let mut lines = String::new();
    for (code, c) in &rows {
        let outcomes = [
            ("content", c[2]),
            ("non_content", c[3]),
            ("no_data", c[4]),
            ("rejected", c[5]),
        ];
        let decided: u64 = outcomes.iter().map(|(_, n)| n).sum();
        let mut kinds: Vec<&str> = outcomes
            .iter()
            .flat_map(|(o, n)| std::iter::repeat_n(*o, *n as usize))
            .collect();
        // The US row's outcomes sum to one less than its requests: that one is pending.
        kinds.extend(std::iter::repeat_n("pending", (c[0] - decided) as usize));
        for (i, outcome) in kinds.iter().enumerate() {
            let accounts = c[1] / c[0] + u64::from((i as u64) < c[1] % c[0]);
            lines.push_str(&json!({
                "id": writ_core::CaseId::random(), "received_at": "2013-04-01T00:00:00Z",
                "authority_country": code, "instrument": "us.search_warrant", "section": "criminal",
                "customer": "consumer", "accounts": accounts, "outcome": outcome, "data_stored_abroad": false
            }).to_string());
            lines.push('\n');
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("microsoft-2013-h1.jsonl");
    std::fs::write(&input, lines).unwrap();
    let output = run(writ()
        .args([
            "report",
            "--period",
            "2013-H1",
            "--format",
            "csv",
            "--style",
            "microsoft",
            "--input",
        ])
        .arg(&input));
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = String::from_utf8(output.stdout).unwrap();
    let produced: std::collections::BTreeMap<&str, Vec<u64>> = csv
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.rsplitn(7, ',').collect();
            let code = line.split(',').next().unwrap();
            (
                code,
                fields[..6]
                    .iter()
                    .rev()
                    .map(|v| v.parse().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(produced.len(), rows.len());
    for (code, counts) in &rows {
        assert_eq!(produced.get(code), Some(counts), "{code}");
    }
}

#[test]
fn commands_reading_a_store_name_a_missing_one_once_and_say_how_to_find_it() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 4] = [
        &["report", "--period", "2026-H1"],
        &["cases", "export"],
        &["audit", "verify", "--key", "unused"],
        &["collect"],
    ];
    for args in commands {
        let output = run(writ().current_dir(dir.path()).args(args));
        let stderr = stderr(&output);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert_eq!(
            stderr.matches("writ-data/writ.db").count(),
            1,
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("no writ database at"), "{args:?}: {stderr}");
        assert!(stderr.contains("--data DIR"), "{args:?}: {stderr}");
        assert!(!stderr.contains("os error"), "{args:?}: {stderr}");
        assert!(
            !dir.path().join("writ-data").exists(),
            "{args:?} made a data dir"
        );
    }
}
