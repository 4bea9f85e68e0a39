//! The holds an approved preservation places: pure planning, stored by the caller.

use crate::demand::Category;
use crate::policy::Decision;
use crate::time::Timestamp;

/// A hold to place: one account's category, kept until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHold {
    pub account: String,
    pub category: Category,
    pub expires_at: Timestamp,
    /// By how many days one extension moves the expiry (0: none allowed).
    pub extension_days: i32,
}

/// The holds an approved preservation places: each account (the account a target
/// resolves to, or the identifier as written when it resolves to none), each allowed
/// category, until the decision's `preserve_until`, extendable once by the rule's
/// extension.
pub fn plan_holds(
    accounts: &[String],
    decision: &Decision,
    extension_days: Option<u32>,
) -> Vec<NewHold> {
    let Some(until) = decision.preserve_until else {
        return Vec::new();
    };
    let extension = i32::try_from(extension_days.unwrap_or(0)).unwrap_or(0);
    accounts
        .iter()
        .flat_map(|account| {
            decision.allowed_categories().map(move |category| NewHold {
                account: account.clone(),
                category,
                expires_at: until,
                extension_days: extension,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Demand;
    use crate::policy::{Rules, evaluate};

    fn preservation() -> Decision {
        let mut doc: serde_json::Value =
            serde_json::from_str(include_str!("../tests/demands/policy-example.json")).unwrap();
        doc["instrument"]["type"] = serde_json::json!("us.preservation_2703f");
        doc["instrument"]["issuer"]["role"] = serde_json::json!("police");
        doc["instrument"]["nondisclosure"] = serde_json::Value::Null;
        doc["action"] = serde_json::json!("preserve");
        doc["categories"] = serde_json::json!(["subscriber", "content"]);
        let demand = Demand::from_json(&doc.to_string()).unwrap();
        let now = Timestamp::parse("2026-03-02T10:00:00Z").unwrap();
        evaluate(&demand, &Rules::embedded().unwrap(), None, now)
    }

    #[test]
    fn each_account_holds_each_allowed_category_until_the_decision_says() {
        let decision = preservation();
        let until = decision.preserve_until.unwrap();
        let allowed: Vec<Category> = decision.allowed_categories().collect();
        assert!(!allowed.is_empty(), "{decision:?}");
        let accounts = ["a-1".to_owned(), "a-2".to_owned()];
        let holds = plan_holds(&accounts, &decision, Some(90));
        assert_eq!(holds.len(), accounts.len() * allowed.len());
        for account in &accounts {
            let held: Vec<Category> = holds
                .iter()
                .filter(|h| &h.account == account)
                .map(|h| h.category)
                .collect();
            assert_eq!(held, allowed);
        }
        assert!(
            holds
                .iter()
                .all(|h| h.expires_at == until && h.extension_days == 90)
        );
        assert!(
            plan_holds(&accounts, &decision, None)
                .iter()
                .all(|h| h.extension_days == 0)
        );
    }

    #[test]
    fn a_decision_without_an_end_places_no_hold() {
        let mut decision = preservation();
        decision.preserve_until = None;
        assert!(plan_holds(&["a-1".to_owned()], &decision, Some(90)).is_empty());
    }
}
