//! `Recommendation`: parsing with named fields, and its JSON.

use super::*;
use crate::Category;

fn parse(doc: &Value) -> Result<Recommendation, ReviewError> {
    let from_value = Recommendation::from_value(doc.clone());
    let from_json = Recommendation::from_json(&doc.to_string());
    // The same result, but a parse error of the text also says where in the text.
    assert_eq!(
        from_value.as_ref().map_err(|e| &e.field),
        from_json.as_ref().map_err(|e| &e.field),
        "{doc}"
    );
    from_value
}

#[test]
fn approvals_and_rejections_parse() {
    let approve =
        parse(&json!({"recommendation": "approve", "reason": "Warrant in order."})).unwrap();
    assert_eq!(approve.kind(), RecommendationKind::Approve);
    assert_eq!(approve.reason(), "Warrant in order.");
    assert_eq!(approve.scope(), None);

    let narrowed = parse(&json!({
        "recommendation": "approve",
        "reason": "Content is not needed for the stated offence.",
        "scope": {"categories": ["subscriber"]}
    }))
    .unwrap();
    let scope = narrowed.scope().unwrap();
    assert_eq!(scope.categories(), Some([Category::Subscriber].as_slice()));
    let allowed = allowed(&edited(|_| {}));
    assert_eq!(
        allowed.narrow(scope).unwrap().categories(),
        [Category::Subscriber]
    );

    let reject =
        parse(&json!({"recommendation": "reject", "reason": "Overbroad.", "scope": null})).unwrap();
    assert_eq!(
        reject,
        Recommendation::Reject {
            reason: "Overbroad.".to_owned()
        }
    );
    assert_eq!(reject.kind(), RecommendationKind::Reject);
    assert_eq!(reject.scope(), None);
}

#[test]
#[rustfmt::skip]
fn errors_name_the_field() {
    let cases = [
        (json!({"recommendation": "maybe", "reason": "x"}), "recommendation", "unknown variant `maybe`"),
        (json!({"reason": "x"}), "recommendation", "missing field `recommendation`"),
        (json!({"recommendation": "approve"}), "reason", "missing field `reason`"),
        (json!({"recommendation": "approve", "reason": "  \n"}), "reason", "must say why"),
        (json!({"recommendation": "approve", "reason": 3}), "reason", "invalid type"),
        (json!({"recommendation": "approve", "reason": "x", "by": "me"}), "by", "unknown field `by`"),
        (json!({"recommendation": "reject", "reason": "x", "scope": {"categories": ["subscriber"]}}), "scope", "only a recommendation to approve may narrow the scope"),
        (json!({"recommendation": "reject", "reason": "x", "scope": {}}), "scope", "only a recommendation to approve may narrow the scope"),
        (json!({"recommendation": "approve", "reason": "x", "scope": {"categories": []}}), "scope.categories", "at least one category"),
        (json!({"recommendation": "approve", "reason": "x", "scope": {"targets": [{"type": "email", "value": "@example.com"}]}}), "scope.targets[0].value", "names a whole domain"),
        (json!({"recommendation": "approve", "reason": "x", "scope": {"period": {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}}}), "scope.period", "is after `to`"),
        (json!({"recommendation": "approve", "reason": "x", "scope": {"period": {"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z", "tz": "UTC"}}}), "scope.period.tz", "unknown field `tz`"),
        (json!("approve"), ".", "invalid type"),
    ];
    for (doc, field, problem) in cases {
        let err = parse(&doc).expect_err(field);
        assert_eq!(err.field, field, "{doc}: {err}");
        assert!(err.problem.contains(problem), "{doc}: {err}");
    }
}

#[test]
fn the_json_round_trips() {
    for doc in [
        json!({"recommendation": "approve", "reason": "In order."}),
        json!({"recommendation": "reject", "reason": "No legal process."}),
        json!({
            "recommendation": "approve",
            "reason": "Only February is relevant.",
            "scope": {
                "targets": [{"type": "ip", "value": "203.0.113.7", "at": "2026-02-11T10:15:00Z", "port": 51234}],
                "period": {"from": "2026-02-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"}
            }
        }),
    ] {
        let parsed = parse(&doc).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), doc);
        let back: Recommendation = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(back, parsed);
    }
    // Deserialize checks what from_json checks.
    assert!(
        serde_json::from_value::<Recommendation>(
            json!({"recommendation": "approve", "reason": ""})
        )
        .is_err()
    );
}
