//! The rules file: the embedded one parses, and a broken one is refused with the row
//! and the field named.

use super::*;

/// The default file with `old` replaced by `new` (which must occur exactly once).
fn default_with(old: &str, new: &str) -> String {
    assert_eq!(DEFAULT_RULES_TOML.matches(old).count(), 1, "{old}");
    DEFAULT_RULES_TOML.replace(old, new)
}

fn refused(text: &str) -> RulesError {
    Rules::from_toml(text).expect_err("should be refused")
}

#[test]
fn the_embedded_rules_parse_and_name_every_rule_id() {
    let rules = Rules::embedded().unwrap();
    let ids: Vec<&str> = rules.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "US-1", "US-2", "US-3", "US-4", "US-7", "US-8", "US-9", "US-10", "US-12", "US-13",
            "EU-1", "EU-3", "UK-1", "AU-1", "X-2", "X-1", "X-3", "P-2", "P-3", "P-4"
        ]
    );
    assert_eq!(rules.by_id("EU-2").unwrap().instrument, "eu.epoc");
    assert_eq!(rules.by_id("US-3").unwrap().instrument, "us.search_warrant");
    assert!(rules.by_id("US-5").is_none());
    assert!(rules.for_instrument("us.warrant").is_none());
}

#[test]
fn type_errors_name_the_row_and_the_field() {
    let err = refused(&default_with(
        "compels = [\"subscriber\", \"ip_identification\"]\n",
        "compels = [\"subscriber\", \"contnet\"]\n",
    ));
    assert_eq!(
        (err.row.as_str(), err.field.as_str()),
        ("rule[0] (US-1)", "compels[1]")
    );
    assert!(err.problem.contains("contnet"), "{err}");
    assert!(err.to_string().contains("rule[0] (US-1)"), "{err}");

    let err = refused(&default_with(
        "issuers = [\"fbi\"]",
        "issuers = [\"fbi\", \"sheriff\"]",
    ));
    assert_eq!(err.row, "rule[5] (US-8)");
    assert!(err.field.starts_with("issuers"), "{err}");
    assert!(err.problem.contains("sheriff"), "{err}");

    let err = refused(&default_with(
        "deadline_hours = 168",
        "deadline_hours = \"a week\"",
    ));
    assert_eq!(
        (err.row.as_str(), err.field.as_str()),
        ("rule[12] (UK-1)", "deadline_hours")
    );

    let err = refused(&default_with(
        "preserve_days = 60",
        "preserve_days = 60\ncolour = \"red\"",
    ));
    assert_eq!(err.row, "rule[11] (EU-3)");
    assert!(err.problem.contains("colour"), "{err}");

    let err = refused(&default_with(
        "jurisdiction = \"gb\"\nissuers = [\"judge\"]",
        "jurisdiction = \"uk\"\nissuers = [\"judge\"]",
    ));
    assert_eq!(
        (err.row.as_str(), err.field.as_str()),
        ("rule[12] (UK-1)", "jurisdiction")
    );

    let err = refused(&default_with(
        "issuers = [\"attorney_general\"]",
        "issuers = \"anyone\"",
    ));
    assert_eq!(
        (err.row.as_str(), err.field.as_str()),
        ("rule[7] (US-10)", "issuers")
    );

    let err = refused(&default_with("citation = \"18 U.S.C. 2709\"\n", ""));
    assert_eq!(
        (err.row.as_str(), err.field.as_str()),
        ("rule[5] (US-8)", "citation")
    );

    let err = refused(&default_with(
        "min_penalty_years = 3",
        "min_penalty_years = \"three\"",
    ));
    assert_eq!(err.row, "rule[10] (EU-1)");
    assert!(
        err.field.starts_with("conditions[0].min_penalty_years"),
        "{err}"
    );

    let err = refused(&default_with("max_targets = 100", "max_targets = -5"));
    assert_eq!(
        (err.row.as_str(), err.field.as_str()),
        ("policy", "max_targets")
    );
}

#[test]
#[rustfmt::skip]
fn semantic_errors_name_the_row_and_the_field() {
    for (old, new, row, field) in [
        ("instrument = \"us.court_order_2703d\"", "instrument = \"us.subpoena\"", "rule[1] (US-2)", "instrument"),
        ("id = \"US-2\"", "id = \"US-1\"", "rule[1] (US-1)", "id"),
        ("rule = \"EU-2\"", "rule = \"US-3\"", "rule[10] (EU-1)", "id"),
        ("citation = \"18 U.S.C. 2709\"", "citation = \"  \"", "rule[5] (US-8)", "citation"),
        ("compels = [\"subscriber\"]\n", "compels = [\"subscriber\", \"subscriber\"]\n", "rule[5] (US-8)", "compels"),
        ("preserve_days = 90\npreserve_extension_days = 90\n", "", "rule[3] (US-4)", "preserve_days"),
        ("deadline_hours = 24\n", "deadline_hours = 0\n", "rule[4] (US-7)", "deadline_hours"),
        ("\nmlat_for = [\"content\"]", "\nmlat_for = [\"traffic\"]", "rule[14] (X-2)", "mlat_for"),
        ("emergency_as = \"us.emergency\"", "emergency_as = \"us.wiretap\"", "rule[16] (X-3)", "emergency_as"),
        ("emergency_as = \"us.emergency\"", "emergency_as = \"us.nothing\"", "rule[16] (X-3)", "emergency_as"),
        ("issuers = [\"judge\", \"court\", \"investigating_judge\"]", "issuers = [\"judge\", \"police\"]", "rule[10] (EU-1)", "conditions"),
        ("max_targets = 100", "max_targets = 0", "policy", "max_targets"),
    ] {
        let err = refused(&default_with(old, new));
        assert_eq!((err.row.as_str(), err.field.as_str()), (row, field), "{new}: {err}");
    }
    // A category under two conditions.
    let err = refused(&default_with(
        "categories = [\"traffic\", \"content\"]",
        "categories = [\"traffic\", \"content\"]\n\n[[rule.conditions]]\ncategories = [\"content\"]",
    ));
    assert_eq!((err.row.as_str(), err.field.as_str()), ("rule[10] (EU-1)", "conditions"));
}

#[test]
fn a_file_that_is_not_toml_or_has_no_rules_is_refused() {
    let err = refused("[policy\nmax_targets = 1");
    assert_eq!(err.row, "document");
    let err = refused(
        "rule = []\n[policy]\nmax_targets = 1\nenterprise_seats_above = 50\nperiod_required_for = []\nemergency_notice_after_days = 90\nnondisclosure_max_days = 365\n",
    );
    assert_eq!((err.row.as_str(), err.field.as_str()), ("document", "rule"));
    let err = refused("rule = []\n");
    assert_eq!(
        (err.row.as_str(), err.field.as_str()),
        ("document", "policy")
    );
}

#[test]
fn a_replacement_file_is_used_as_written() {
    let text = r#"
        [policy]
        max_targets = 3
        enterprise_seats_above = 10
        period_required_for = []
        emergency_notice_after_days = 30
        nondisclosure_max_days = 180

        [[rule]]
        id = "CA-1"
        instrument = "ca.production_order"
        name = "a Canadian production order"
        citation = "Criminal Code s.487.014"
        jurisdiction = "foreign"
        issuers = ["judge"]
        compels = ["subscriber", "traffic", "content"]
        deadline_hours = 720
    "#;
    let rules = Rules::from_toml(text).unwrap();
    assert_eq!(rules.max_targets(), 3);
    let decision = evaluate(
        &demand(&edited(|d| {
            d["instrument"]["type"] = json!("ca.production_order");
            d["authority"]["country"] = json!("CA");
            d["instrument"]
                .as_object_mut()
                .unwrap()
                .remove("nondisclosure");
            d["categories"] = json!(["content", "ip_identification"]);
            d.as_object_mut().unwrap().remove("period");
        })),
        &rules,
        None,
        ts(NOW),
    );
    assert_eq!(decision.rule.as_deref(), Some("CA-1"));
    assert_eq!(decision.verdict, Verdict::Partial);
    // No period is needed under these rules; ip_identification is not compelled.
    assert_eq!(decision.categories[0].codes, []);
    assert_eq!(decision.categories[1].codes, [Code::InstrumentInsufficient]);
    assert_eq!(decision.deadline, Some(ts("2026-04-01T09:00:00Z")));
    // The default instruments are not known to it.
    let decision = evaluate(&demand(&example()), &rules, None, ts(NOW));
    assert!(decision.has(Code::UnknownInstrument));
}
