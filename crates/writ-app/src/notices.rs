//! The notices an approval owes: the policy decision's notification plan written as
//! notice rows (the outbox), in the approval's transaction, rendered from the askama
//! templates in `templates/notices/`. They go out by the `notice.send` job
//! (`jobs/clock.rs`), which waits for a gag's end and each notice's `not_before`.

use writ_core::policy::{Code, Decision, Recipient, Tenant};
use writ_core::{Action, Category, Demand, TargetValue, Timestamp};
use writ_store::{Notice, NoticeRecipient, NoticeState};

#[derive(askama::Template)]
#[template(path = "notices/notice.txt", escape = "none")]
struct NoticeText<'a> {
    f: &'a NoticeFields,
    provider: &'a str,
}

#[derive(askama::Template)]
#[template(path = "notices/notice.html")]
struct NoticeHtml<'a> {
    f: &'a NoticeFields,
    provider: &'a str,
}

/// What a notice says: who asked, under what, for what, and what was done — never the
/// investigators' names or contacts.
struct NoticeFields {
    greeting: String,
    about: String,
    authority: String,
    country: String,
    instrument: String,
    reference: String,
    /// The categories asked for.
    categories: String,
    period: String,
    outcome: String,
    gagged: bool,
    /// The case's transparency receipt, and the period it is counted in.
    receipt: String,
    receipt_period: String,
}

/// Where a notice's text says the case's transparency receipt. The receipt is its
/// secret, never shown in an API answer or a page: the stored notice (which staff see)
/// holds this slot, filled in only in the mail as it is sent ([`with_receipt`]).
/// (Nothing in it that HTML escaping changes.)
pub(crate) const RECEIPT_SLOT: &str = "[transparency receipt, added when this notice is sent]";

/// The text or HTML of a notice as it is sent: its receipt slot filled in.
pub(crate) fn with_receipt(body: &str, receipt: &writ_report::Receipt) -> String {
    body.replace(RECEIPT_SLOT, &receipt.to_string())
}

/// The receipt's plain words, for a letter written outside the notice templates (the
/// redirect letter to an enterprise customer).
pub(crate) fn receipt_paragraph(period: writ_report::HalfYear) -> String {
    format!(
        "\nTransparency receipt: {RECEIPT_SLOT}\n\n\
         Our transparency report for {period} counts this demand, without naming you or \
         your organisation. Once that report is published (after the half-year ends), \
         you can check, without telling us who you are, that this demand was counted: \
         run `writ report prove --url <our address> --receipt <the receipt above>`, or \
         ask anyone you trust to. It checks that the case's record is among the report's \
         published records, under the root our public audit log holds, and in the rows \
         of the report it belongs to. Keep the receipt private: it is the only link \
         between this case and its published record.\n"
    )
}

fn render(f: &NoticeFields, provider: &str) -> Result<(String, String), askama::Error> {
    use askama::Template;
    let text = NoticeText { f, provider }.render()?;
    let html = NoticeHtml { f, provider }.render()?;
    Ok((text, html))
}

/// A person a notice is owed to: an account the demand names, and where its holder is
/// told (`None`: the provider knows no address, and the notice is undeliverable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Addressee {
    pub account: String,
    pub address: Option<String>,
}

impl Addressee {
    /// Without a directory to resolve them, the e-mail addresses the demand targeted.
    pub(crate) fn from_email_targets(decision: &Decision) -> Vec<Addressee> {
        decision
            .allowed_targets()
            .filter(|t| t.kind == writ_core::identifier::TargetKind::Email)
            .map(|t| Addressee {
                account: t.value.clone(),
                address: Some(t.value.clone()),
            })
            .collect()
    }
}

/// The case's transparency receipt: the half-year it is counted in and its secret.
pub(crate) async fn receipt_of(
    store: &writ_store::Store,
    case: &writ_store::CaseRecord,
) -> Result<writ_report::Receipt, String> {
    let secret = store
        .case_secret(case.id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("case {} has no transparency secret", case.id))?;
    let period = writ_report::HalfYear::containing(case.received_at)
        .ok_or_else(|| format!("case {}: received_at out of range", case.id))?;
    Ok(writ_report::Receipt::new(period, secret))
}

/// The notices an approval owes, per the decision's notification plan (policy.md §4):
/// none for national-security and EU instruments and for preservations; otherwise to
/// the enterprise tenant's admin, or to each account's holder, once per account. A
/// notice under an indefinite gag is written too: it waits until a court lifts the gag.
/// An account with no address gets an `undeliverable` notice, shown on the case.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan(
    demand: &Demand,
    decision: &Decision,
    disclosed: &[Category],
    tenant: Option<&Tenant>,
    addressees: &[Addressee],
    rules: &writ_core::policy::Rules,
    provider: &str,
    counted_in: writ_report::HalfYear,
    now: Timestamp,
) -> Result<Vec<Notice>, askama::Error> {
    let never = decision.has(Code::NationalSecurity)
        || demand.instrument.kind.starts_with("eu.")
        || demand.action == Action::Preserve;
    if never {
        return Ok(Vec::new());
    }
    // (recipient, address, greeting, what the demand was about)
    let recipients: Vec<(NoticeRecipient, Option<String>, String, String)> =
        match (decision.notification.recipient, tenant) {
            (Recipient::TenantAdmin, Some(tenant)) | (Recipient::None, Some(tenant)) => vec![(
                NoticeRecipient::TenantAdmin,
                Some(tenant.admin_email.to_string()),
                format!("administrator of {}", tenant.name),
                String::new(),
            )],
            _ => addressees
                .iter()
                .map(|a| {
                    let greeting = a.address.clone().unwrap_or_else(|| a.account.clone());
                    let about = match &a.address {
                        Some(address) if *address == a.account => {
                            format!("your account {}", quoted(address))
                        }
                        _ => format!("your account {}", quoted(&a.account)),
                    };
                    (NoticeRecipient::User, a.address.clone(), greeting, about)
                })
                .collect(),
        };
    let categories = if disclosed.is_empty() {
        "none".to_owned()
    } else {
        disclosed
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let asked = demand
        .categories
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let period = demand
        .period
        .map(|p| format!("{} to {}", p.from().readable(), p.to().readable()))
        .unwrap_or_else(|| "not limited to a period".to_owned());
    // Sent when the disclosure is approved (before it, unless a gag or an emergency
    // delays the notice): what was decided, not a claim that it has happened.
    let outcome = if disclosed.is_empty() {
        "we decided to disclose nothing".to_owned()
    } else {
        format!("after legal review, we decided to disclose: {categories}")
    };
    let instrument = rules
        .for_instrument(&demand.instrument.kind)
        .map(|rule| format!("{} ({})", rule.name, rule.citation))
        .unwrap_or_else(|| quoted(&demand.instrument.kind));
    let targeted: Vec<String> = demand
        .targets
        .iter()
        .filter_map(|t| match &t.value {
            TargetValue::Specific(_) => Some(quoted(&t.raw)),
            TargetValue::NotSpecific(_) => None,
        })
        .collect();
    let mut notices = Vec::new();
    for (recipient, address, greeting, about) in recipients {
        let about = if recipient == NoticeRecipient::TenantAdmin {
            format!("accounts of your organisation ({})", targeted.join(", "))
        } else {
            about
        };
        let fields = NoticeFields {
            greeting,
            about,
            authority: quoted(&demand.authority.name),
            country: demand.authority.country.as_str().to_owned(),
            instrument: instrument.clone(),
            reference: quoted(&demand.reference),
            categories: asked.clone(),
            period: period.clone(),
            outcome: outcome.clone(),
            gagged: demand.instrument.nondisclosure.is_some(),
            receipt: RECEIPT_SLOT.to_owned(),
            receipt_period: counted_in.to_string(),
        };
        let (text, html) = render(&fields, provider)?;
        let mut notice = Notice::pending(
            recipient,
            address.as_deref().unwrap_or_default(),
            format!("A government demand for data about {}", fields.about),
            text,
            html,
            decision.notification.not_before,
            now,
        );
        if address.is_none() {
            // Written all the same, so the case shows who could not be told.
            notice.state = NoticeState::Undeliverable;
        }
        notices.push(notice);
    }
    Ok(notices)
}

/// A value the authority wrote, shown as quoted data (`"SEA-2026-0412"`), escapes and
/// all, so that nothing it contains reads as the provider's own words.
fn quoted(value: &str) -> String {
    format!("{value:?}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly
mod tests {
    use super::*;
    use writ_core::policy::Rules;

    const EXAMPLE: &str = include_str!("../../writ-core/tests/demands/policy-example.json");

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn planned(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<Notice> {
        let mut doc: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap();
        edit(&mut doc);
        let demand = Demand::from_json(&doc.to_string()).unwrap();
        let rules = Rules::embedded().unwrap();
        let now = at("2026-03-02T09:00:00Z");
        let decision = writ_core::policy::evaluate(&demand, &rules, None, now);
        let allowed: Vec<Category> = decision.allowed_categories().collect();
        // Nobody is told because of the rule, not because nothing was allowed.
        assert!(
            decision.allowed_targets().count() > 0 && !allowed.is_empty(),
            "{decision:?}"
        );
        plan(
            &demand,
            &decision,
            &allowed,
            None,
            &Addressee::from_email_targets(&decision),
            &rules,
            "the provider",
            receipt().period,
            now,
        )
        .unwrap()
    }

    fn receipt() -> writ_report::Receipt {
        writ_report::Receipt::new(
            writ_report::HalfYear::parse("2026-H1").unwrap(),
            writ_report::CaseSecret::from_bytes([7; 32]),
        )
    }

    #[test]
    fn every_notice_carries_the_receipt_as_sent_and_says_how_to_check_it() {
        let notices = planned(|_| {});
        let text = receipt().to_string();
        let receipt = &text;
        for notice in &notices {
            for body in [&notice.body, &notice.body_html] {
                assert!(!body.contains(receipt), "not stored: {body}");
                let sent = with_receipt(body, &super::tests::receipt());
                assert!(sent.contains(receipt), "{sent}");
                assert!(!sent.contains(RECEIPT_SLOT), "{sent}");
                assert!(sent.contains("writ report prove"), "{sent}");
                assert!(sent.contains("report for 2026-H1"), "{sent}");
            }
        }
        let letter = receipt_paragraph(super::tests::receipt().period);
        assert!(with_receipt(&letter, &super::tests::receipt()).contains(receipt));
    }

    #[test]
    fn the_user_is_told_after_the_gag_at_each_email_target() {
        let notices = planned(|_| {});
        assert_eq!(notices.len(), 1, "the email target, not the IP");
        assert_eq!(notices[0].address, "alice@example.com");
        assert_eq!(notices[0].recipient, NoticeRecipient::User);
        assert_eq!(notices[0].state, NoticeState::Pending);
        assert_eq!(notices[0].not_before, Some(at("2026-09-01T00:00:00Z")));
        assert!(notices[0].body.contains("18 U.S.C. 2703"));
        assert!(notices[0].body_html.contains("<table>"));
    }

    #[test]
    fn what_the_authority_wrote_is_quoted_in_the_notice() {
        let notices = planned(|d| {
            d["reference"] = serde_json::json!("SEA \"2026\" Bcc: x");
        });
        let body = &notices[0].body;
        assert!(
            body.contains(r#"Reference:       "SEA \"2026\" Bcc: x""#),
            "{body}"
        );
        assert!(
            body.contains(r#"Who asked:       "Seattle Police Department" (US)"#),
            "{body}"
        );
        assert!(
            body.contains(r#"your account "alice@example.com""#),
            "{body}"
        );
    }

    #[test]
    fn national_security_eu_and_preservations_tell_nobody() {
        assert!(
            planned(|d| {
                d["instrument"]["type"] = serde_json::json!("us.nsl");
                d["instrument"]["issuer"]["role"] = serde_json::json!("fbi");
                d["categories"] = serde_json::json!(["subscriber"]);
            })
            .is_empty()
        );
        assert!(
            planned(|d| {
                d["action"] = serde_json::json!("preserve");
            })
            .is_empty()
        );
        assert!(
            planned(|d| {
                d["authority"]["country"] = serde_json::json!("DE");
                d["instrument"]["type"] = serde_json::json!("eu.epoc");
            })
            .is_empty()
        );
    }
}
