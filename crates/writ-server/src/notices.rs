//! Notices to the people whose data was asked for, and the holds of preservation
//! demands, run by the clock.
//!
//! An approval writes the policy decision's notification plan as notice rows (the
//! outbox) and queues a `notice.send` job for the case in the same transaction. The
//! job sends every pending notice that is due — its `not_before` has passed and no gag
//! on the case is in force — and comes back when the next one is due; a gag with no
//! end sends nothing until a court lifts it (which queues the job again). A notice is
//! taken by one worker before it is sent, so two writ processes never send it twice;
//! each sending is an audit event written with the notice's change to `sent`.
//!
//! A preservation's holds expire by a `hold.expire` job for the case, which comes back
//! when a hold was extended meanwhile.

use std::sync::Arc;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use writ_core::policy::{Code, Decision, Recipient, Tenant};
use writ_core::{Action, CaseId, Category, Demand, TargetValue, Timestamp};
use writ_store::{NewHold, NewJob, Notice};

use crate::access::SystemDesk;
use crate::production::JobError;

/// The job kind that sends a case's due notices.
pub const SEND_NOTICES: &str = "notice.send";
/// The job kind that ends a case's preservation holds when they expire.
pub const EXPIRE_HOLDS: &str = "hold.expire";
/// The job kind that tells the on-call approver a case's deadline is near.
pub const ESCALATE: &str = "deadline.escalate";

/// When and whom deadlines escalate to.
#[derive(Clone, Debug, PartialEq)]
pub struct Deadlines {
    /// Fractions of the time to the deadline at which to escalate (0.5: half of it gone).
    pub escalate_at: Vec<f64>,
    /// The on-call approver's address; unset, escalations wait until it is configured.
    pub on_call: Option<String>,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            escalate_at: vec![0.5, 0.75, 0.9],
            on_call: None,
        }
    }
}

impl Deadlines {
    /// The escalation jobs a new case with a deadline gets: one per fraction, and for an
    /// emergency a page at once.
    pub fn jobs(
        &self,
        case: CaseId,
        received: Timestamp,
        deadline: Timestamp,
        emergency: bool,
    ) -> Vec<NewJob> {
        let span = deadline.datetime() - received.datetime();
        let mut jobs: Vec<NewJob> = self
            .escalate_at
            .iter()
            .filter(|f| f.is_finite() && **f > 0.0 && **f < 1.0)
            .filter_map(|f| {
                let run_at = received.checked_add(span * *f)?;
                Some(escalate_job(case, &step_name(*f), run_at))
            })
            .collect();
        if emergency {
            jobs.insert(0, escalate_job(case, "page", received));
        }
        jobs
    }
}

fn step_name(fraction: f64) -> String {
    format!("{fraction}")
}

fn escalate_job(case: CaseId, step: &str, run_at: Timestamp) -> NewJob {
    NewJob {
        kind: ESCALATE.to_owned(),
        payload: serde_json::json!({"case": case, "step": step}),
        run_at,
    }
}

/// How long a worker may take to send one notice before another may try.
const SENDING_LEASE: time::Duration = time::Duration::minutes(5);

/// One e-mail to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("sending through SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("{0}")]
    Other(String),
}

/// Where notices go out: SMTP in production, a recorder in tests.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}

/// How writ talks to the SMTP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// STARTTLS required: the connection fails rather than send in the clear.
    Starttls,
}

/// The SMTP server notices are sent through.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// The sender (`From:`), e.g. `Legal <legal@provider.example>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub timeout: std::time::Duration,
}

/// Sends through an SMTP server with lettre.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(settings: &SmtpSettings) -> Result<Self, MailError> {
        let from: Mailbox = settings.from.parse().map_err(|e| MailError::Invalid {
            field: "smtp.from",
            message: format!("not a mailbox: {e}"),
        })?;
        let mut builder = match settings.tls {
            SmtpTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
            }
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?
            }
        }
        .port(settings.port)
        .timeout(Some(settings.timeout));
        match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    user.clone(),
                    password.expose_secret().to_owned(),
                ));
            }
            (None, None) => {}
            _ => {
                return Err(MailError::Invalid {
                    field: "smtp.username",
                    message: "give both smtp.username and smtp.password (WRIT_SMTP__PASSWORD), or neither".into(),
                });
            }
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail.to.parse().map_err(|e| MailError::Invalid {
            field: "notice.address",
            message: format!("{:?} is not a mailbox: {e}", mail.to),
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        // A letter written as plain text only (the enterprise redirect) goes as such.
        let message = if mail.html.is_empty() {
            builder
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(mail.text.clone())
        } else {
            builder.multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
        }
        .map_err(|e| MailError::Other(format!("building the message: {e}")))?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// The job an approval (or a gag's lifting) queues to send a case's notices.
pub fn send_job(case: CaseId, run_at: Timestamp) -> NewJob {
    NewJob {
        kind: SEND_NOTICES.to_owned(),
        payload: serde_json::json!({"case": case}),
        run_at,
    }
}

/// The job that ends a case's holds at their expiry.
pub fn expire_job(case: CaseId, run_at: Timestamp) -> NewJob {
    NewJob {
        kind: EXPIRE_HOLDS.to_owned(),
        payload: serde_json::json!({"case": case}),
        run_at,
    }
}

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
    now: Timestamp,
) -> Result<Vec<Notice>, askama::Error> {
    let never = decision.has(Code::NationalSecurity)
        || demand.instrument.kind.starts_with("eu.")
        || demand.action == Action::Preserve;
    if never {
        return Ok(Vec::new());
    }
    // (recipient, address, greeting, what the demand was about)
    let recipients: Vec<(&str, Option<String>, String, String)> =
        match (decision.notification.recipient, tenant) {
            (Recipient::TenantAdmin, Some(tenant)) | (Recipient::None, Some(tenant)) => vec![(
                "tenant_admin",
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
                    ("user", a.address.clone(), greeting, about)
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
        .map(|p| format!("{} to {}", p.from().to_rfc3339(), p.to().to_rfc3339()))
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
        let about = if recipient == "tenant_admin" {
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
            notice.state = "undeliverable".to_owned();
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

/// The holds an approved preservation places: each account (the account a target
/// resolves to, or the identifier as written when it resolves to none), each allowed
/// category, until the decision's `preserve_until`, extendable once by the rule's
/// extension.
pub(crate) fn holds(
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
                category: category.as_str().to_owned(),
                expires_at: until,
                extension_days: extension,
            })
        })
        .collect()
}

fn case_of(job: &writ_store::Job) -> Result<CaseId, JobError> {
    job.payload
        .get("case")
        .and_then(|c| c.as_str())
        .and_then(|c| CaseId::parse(c).ok())
        .ok_or_else(|| JobError::Invalid(format!("job {}: no case in {}", job.id.0, job.payload)))
}

fn earliest(a: Option<Timestamp>, b: Timestamp) -> Option<Timestamp> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// Sends the case's due notices; returns when to look again, if anything is waiting
/// for a time (a gag's end, a `not_before`).
pub(crate) async fn send_due(
    desk: &SystemDesk<'_>,
    job: &writ_store::Job,
) -> Result<Option<Timestamp>, JobError> {
    let case = case_of(job)?;
    let store = desk.store();
    // A withdrawn demand's notices were cancelled with it; none goes out, whatever
    // state a notice is found in.
    if store.case(case).await?.state == writ_core::CaseState::Withdrawn {
        return Ok(None);
    }
    let gag = store.gag_of_case(case).await?;
    let mut next = None;
    for notice in store.notices(case).await? {
        if notice.state != "pending" {
            continue;
        }
        let now = desk.now();
        if let Some(gag) = gag.as_ref().filter(|g| g.in_force(now)) {
            // Under an indefinite gag nothing is due until a court lifts it.
            if let Some(until) = gag.until {
                next = earliest(next, until);
            }
            continue;
        }
        if let Some(not_before) = notice.not_before.filter(|t| *t > now) {
            next = earliest(next, not_before);
            continue;
        }
        let mailer: Arc<dyn Mailer> = desk.mailer().ok_or_else(|| {
            JobError::Invalid("no SMTP server is configured ([smtp] host): notices wait".into())
        })?;
        let until = now.checked_add(SENDING_LEASE).unwrap_or(now);
        if !store.claim_notice(notice.id, now, until).await? {
            continue;
        }
        let mail = Mail {
            to: notice.address.clone(),
            subject: notice.subject.clone(),
            text: notice.body.clone(),
            html: notice.body_html.clone(),
        };
        if let Err(error) = mailer.send(&mail).await {
            store.unclaim_notice(notice.id, desk.now()).await?;
            return Err(JobError::Invalid(format!("notice {}: {error}", notice.id)));
        }
        store.notice_sent(notice.id, desk.now()).await?;
        tracing::info!(case = %case, notice = notice.id, recipient = %notice.recipient, "notice sent");
    }
    Ok(next)
}

/// Ends the case's holds that have expired; returns the next expiry of those left.
pub(crate) async fn expire_due(
    desk: &SystemDesk<'_>,
    job: &writ_store::Job,
) -> Result<Option<Timestamp>, JobError> {
    let case = case_of(job)?;
    let store = desk.store();
    let now = desk.now();
    let mut next = None;
    for hold in store.holds_of_case(case).await? {
        if hold.expired_at.is_some() {
            continue;
        }
        if hold.expires_at > now {
            next = earliest(next, hold.expires_at);
        } else if store.expire_hold(hold.id, now).await? {
            tracing::info!(case = %case, hold = hold.id, "preservation hold expired");
        }
    }
    Ok(next)
}

/// Tells the on-call approver that a case's deadline is near (or, for an emergency,
/// that it has arrived): once per step, whatever runs the job.
pub(crate) async fn escalate(
    desk: &SystemDesk<'_>,
    job: &writ_store::Job,
) -> Result<Option<Timestamp>, JobError> {
    let id = case_of(job)?;
    let step = job
        .payload
        .get("step")
        .and_then(|s| s.as_str())
        .ok_or_else(|| {
            JobError::Invalid(format!("job {}: no step in {}", job.id.0, job.payload))
        })?;
    let store = desk.store();
    let case = store.case(id).await?;
    if !case_is_open(case.state) || store.escalations(id).await?.iter().any(|e| e.step == step) {
        return Ok(None);
    }
    let on_call = desk.deadlines().on_call.clone().ok_or_else(|| {
        JobError::Invalid("no on-call address configured (deadlines.on_call)".into())
    })?;
    let mailer = desk
        .mailer()
        .ok_or_else(|| JobError::Invalid("no SMTP server is configured for escalations".into()))?;
    let deadline = case
        .deadline
        .map(|d| d.to_rfc3339())
        .unwrap_or_else(|| "none".into());
    let (subject, what) = if step == "page" {
        (
            format!("[writ] EMERGENCY {}: due {deadline}", case.reference),
            "An emergency demand arrived and needs an approver now.".to_owned(),
        )
    } else {
        (
            format!("[writ] {} is due {deadline}", case.reference),
            format!("{step} of the time to this case's deadline has passed."),
        )
    };
    let text = format!(
        "{what}\n\nCase: {id}\nReference: {}\nInstrument: {}\nState: {}\nDeadline: {deadline}\n",
        case.reference, case.instrument, case.state
    );
    let html = format!("<p>{}</p><pre>{}</pre>", escape(&what), escape(&text));
    let mail = Mail {
        to: on_call.clone(),
        subject,
        text,
        html,
    };
    mailer
        .send(&mail)
        .await
        .map_err(|e| JobError::Invalid(format!("escalating case {id}: {e}")))?;
    store
        .record_escalation(id, step, &on_call, desk.now())
        .await?;
    tracing::info!(case = %id, step, "deadline escalated");
    Ok(None)
}

/// Whether the authority is still owed an answer.
pub(crate) fn case_is_open(state: writ_core::CaseState) -> bool {
    use writ_core::CaseState as S;
    !matches!(
        state,
        S::Delivered | S::Rejected | S::Redirected | S::Withdrawn | S::Closed
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
            now,
        )
        .unwrap()
    }

    #[test]
    fn the_user_is_told_after_the_gag_at_each_email_target() {
        let notices = planned(|_| {});
        assert_eq!(notices.len(), 1, "the email target, not the IP");
        assert_eq!(notices[0].address, "alice@example.com");
        assert_eq!(notices[0].recipient, "user");
        assert_eq!(notices[0].state, "pending");
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

    #[test]
    fn escalations_fall_at_their_fractions_and_emergencies_page_at_once() {
        let case = CaseId::random();
        let received = at("2026-03-02T00:00:00Z");
        let deadline = at("2026-03-03T00:00:00Z");
        let jobs = Deadlines::default().jobs(case, received, deadline, true);
        let times: Vec<(String, Timestamp)> = jobs
            .iter()
            .map(|j| (j.payload["step"].as_str().unwrap().to_owned(), j.run_at))
            .collect();
        assert_eq!(
            times,
            [
                ("page".to_owned(), received),
                ("0.5".to_owned(), at("2026-03-02T12:00:00Z")),
                ("0.75".to_owned(), at("2026-03-02T18:00:00Z")),
                ("0.9".to_owned(), at("2026-03-02T21:36:00Z")),
            ]
        );
        let odd = Deadlines {
            escalate_at: vec![0.0, 1.0, f64::NAN, -1.0, 0.25],
            on_call: None,
        };
        assert_eq!(odd.jobs(case, received, deadline, false).len(), 1);
    }
}
