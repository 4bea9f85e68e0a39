//! The letter that sends an authority to an enterprise customer (`docs/policy.md`
//! §3.6, route `redirect_enterprise`): the account belongs to an organisation that
//! controls its own data, so the provider's policy is to have the authority ask it.

use crate::demand::{Category, Demand, GagTerm, IssuerRole};
use crate::policy::{Code, Decision, Tenant};
use crate::time::Timestamp;

/// Text is wrapped at this width; the header's labels are padded to `LABEL`.
const WIDTH: usize = 78;
const LABEL: usize = 16;

/// A short formal letter, in plain text, telling the requesting authority that the
/// account(s) of the demand belong to `tenant`, an enterprise customer of
/// `provider`, and that it should address its request to the customer.
///
/// It names the authority's reference, the instrument, the categories and period
/// asked, the accounts the engine found to be the enterprise's (targets with
/// `ENTERPRISE_REDIRECT`), the rule and citation of that finding, and whether the
/// provider will notify the customer (yes, unless a non-disclosure order on the
/// instrument or another court order forbids it). It discloses nothing else about
/// the customer. The same inputs give the same letter: `today` is a parameter.
///
/// A demand whose targets belong to several tenants needs one letter per tenant; this
/// letter lists every redirected target, so the caller should pass a decision
/// holding only that tenant's targets in that case.
pub fn redirect_letter(
    demand: &Demand,
    decision: &Decision,
    tenant: &Tenant,
    provider: &str,
    today: Timestamp,
) -> String {
    let customer = tenant.name.as_str();
    let accounts: Vec<String> = decision
        .targets
        .iter()
        .filter(|t| t.codes.contains(&Code::EnterpriseRedirect))
        .map(|t| format!("{} {}", t.kind, t.value))
        .collect();

    let mut letter = heading(demand, provider, today);
    let mut line = |text: &str| {
        letter.push_str(text);
        letter.push('\n');
    };
    let period = demand.period.map_or_else(
        || "none given".to_owned(),
        |p| format!("{} to {}", date_time(p.from()), date_time(p.to())),
    );
    line(&field("Period", &period));
    match accounts.as_slice() {
        [] => {}
        [one] => line(&field("Account", one)),
        many => line(&field("Accounts", &many.join(", "))),
    }
    line("");
    line("Re: your request concerns an enterprise customer");
    line("");
    line("Dear Sir or Madam,");
    line("");

    let named = match accounts.len() {
        0 => "The accounts named in your request belong",
        1 => "The account named above belongs",
        _ => "The accounts named above belong",
    };
    line(&wrap(&format!(
        "{named} to {customer}, an enterprise customer of {provider}. {customer} \
         administers {} and controls the data in {}.",
        if accounts.len() == 1 { "it" } else { "them" },
        if accounts.len() == 1 { "it" } else { "them" },
    )));
    line("");

    let mut authority = Vec::new();
    if let Some(finding) = decision
        .findings
        .iter()
        .find(|f| f.code == Code::EnterpriseRedirect)
    {
        if let Some(rule) = &finding.rule {
            authority.push(format!("rule {rule}"));
        }
        if let Some(citation) = &finding.citation {
            authority.push(citation.clone());
        }
    }
    authority.push("DOJ CCIPS guidance of December 2017".to_owned());
    line(&wrap(&format!(
        "{provider}'s policy is to direct requests for an enterprise customer's data to \
         the customer ({}). We therefore ask you to address your request to {customer}. \
         We have disclosed no data in answer to it.",
        authority.join("; ")
    )));
    line("");

    line(&wrap(&notice(demand, customer, provider)));
    line("");
    line("Yours faithfully,");
    line("");
    line("Compliance team");
    line(provider);
    letter
}

/// Whether and when the customer hears of the request.
fn notice(demand: &Demand, customer: &str, provider: &str) -> String {
    let Some(gag) = &demand.instrument.nondisclosure else {
        return format!(
            "{provider} will notify {customer} of your request unless you serve us with a \
             court order that forbids it."
        );
    };
    let basis = gag
        .basis
        .as_deref()
        .map(|b| format!(" ({b})"))
        .unwrap_or_default();
    match gag.term {
        GagTerm::Until(until) => format!(
            "Your instrument is accompanied by a non-disclosure order{basis} until {}. \
             {provider} will not notify {customer} of your request before then, and will \
             notify it afterwards unless a court order forbids it.",
            long_date(until)
        ),
        GagTerm::Indefinite => format!(
            "Your instrument is accompanied by a non-disclosure order{basis} without an end \
             date. {provider} will not notify {customer} of your request while the order is \
             in force, and will notify it once the order is lifted."
        ),
    }
}

/// `us.search_warrant, issued 1 March 2026 by Hon. M. Chen (judge)`, or `… by a judge`.
fn instrument(demand: &Demand) -> String {
    let instrument = &demand.instrument;
    let (role, someone) = role_names(instrument.issuer.role);
    let by = match &instrument.issuer.name {
        Some(name) if !name.trim().is_empty() => format!("{name} ({role})"),
        _ => someone.to_owned(),
    };
    format!(
        "{}, issued {} by {by}",
        instrument.kind,
        long_date(instrument.issued_at)
    )
}

/// The role, alone and as the issuer when no name is given.
fn role_names(role: IssuerRole) -> (&'static str, &'static str) {
    match role {
        IssuerRole::Judge => ("judge", "a judge"),
        IssuerRole::Magistrate => ("magistrate", "a magistrate"),
        IssuerRole::InvestigatingJudge => ("investigating judge", "an investigating judge"),
        IssuerRole::Court => ("court", "a court"),
        IssuerRole::Prosecutor => ("prosecutor", "a prosecutor"),
        IssuerRole::Police => ("police", "the police"),
        IssuerRole::Fbi => ("FBI", "the FBI"),
        IssuerRole::AttorneyGeneral => ("Attorney General", "the Attorney General"),
        IssuerRole::Other => ("other authority", "another authority"),
    }
}

fn categories(categories: &[Category]) -> Vec<&'static str> {
    categories.iter().map(|c| c.phrase()).collect()
}

/// A letter's heading: the provider, the date, the authority (and who to attend to),
/// and what the authority asked, under which reference and instrument.
fn heading(demand: &Demand, provider: &str, today: Timestamp) -> String {
    let mut letter = String::new();
    let mut line = |text: &str| {
        letter.push_str(text);
        letter.push('\n');
    };
    line(provider);
    line("Law enforcement response");
    line("");
    line(&long_date(today));
    line("");
    line(&format!("To: {}", demand.authority.name));
    if let Some(contact) = &demand.authority.contact {
        let who: Vec<&str> = [contact.name.as_deref(), contact.email.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !who.is_empty() {
            line(&format!("Attention: {}", who.join(", ")));
        }
    }
    line("");
    line(&field("Your reference", &demand.reference));
    line(&field("Instrument", &instrument(demand)));
    line(&field(
        "Data requested",
        &join_and(&categories(&demand.categories)),
    ));
    letter
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `Label:` padded, then the value.
fn field(label: &str, value: &str) -> String {
    let label = format!("{label}:");
    format!("{label:<LABEL$}{value}")
}

/// `2 March 2026`.
fn long_date(at: Timestamp) -> String {
    let at = at.datetime();
    format!("{} {} {}", at.day(), at.month(), at.year())
}

/// `1 January 2026 00:00:00 UTC`.
fn date_time(at: Timestamp) -> String {
    let t = at.datetime();
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        long_date(at),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Breaks a paragraph into lines of at most `WIDTH` characters (a longer word keeps
/// its own line).
fn wrap(paragraph: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for word in paragraph.split_whitespace() {
        let len = word.chars().count();
        if width > 0 && width + 1 + len > WIDTH {
            out.push('\n');
            width = 0;
        } else if width > 0 {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += len;
    }
    out
}

/// The reasoned objection of Reg. (EU) 2023/1543 Art. 17 (Annex III, conflicting
/// obligations) for an order whose content the provider may not disclose under the law
/// of the country it is headquartered in (`CONFLICTING_OBLIGATION`), drafted from the
/// decision's facts for counsel to check, sign and file by `due`.
pub fn reasoned_objection(
    demand: &Demand,
    decision: &Decision,
    provider: &str,
    today: Timestamp,
    due: Timestamp,
) -> String {
    let conflict = decision
        .findings
        .iter()
        .find(|f| f.code == Code::ConflictingObligation);
    let conflicting: Vec<&str> = decision
        .findings
        .iter()
        .filter(|f| f.code == Code::ConflictingObligation)
        .filter_map(|f| f.category.map(Category::phrase))
        .collect();
    let law = conflict
        .and_then(|f| f.citation.as_deref())
        .unwrap_or("the law of the provider's home country");

    let mut letter = heading(demand, provider, today);
    let mut line = |text: &str| {
        letter.push_str(text);
        letter.push('\n');
    };
    line(&field("Objection due", &date_time(due)));
    line("");
    line("Re: reasoned objection, conflicting obligations (Reg. (EU) 2023/1543 Art. 17)");
    line("");
    line("Dear Sir or Madam,");
    line("");
    line(&wrap(&format!(
        "{provider} has received the European Production Order above. Complying with it \
         for {} would conflict with the law of a third country that applies to \
         {provider}: {law}. That law bars a provider in the United States from disclosing \
         the contents of communications to a foreign government except under an agreement \
         under 18 U.S.C. 2523, and the United States has no such agreement with the \
         European Union.",
        join_and(&conflicting),
    )));
    line("");
    line(&wrap(&format!(
        "We therefore object to the order for {} under Article 17 of the Regulation, and \
         ask that the issuing authority review it. The other data the order asks for is \
         not affected by this objection and is handled separately. We have disclosed no \
         content in answer to the order.",
        join_and(&conflicting),
    )));
    line("");
    line("Yours faithfully,");
    line("");
    line(provider);
    letter
}
