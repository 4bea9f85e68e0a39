//! What runs by the clock: a case's notices go out when they are due (no gag in force,
//! their `not_before` passed), its preservation holds end when they expire, and its
//! deadline escalates to the on-call approver. Each handler returns when to look again.
//!
//! A notice is taken by one worker before it is sent, so two writ processes never send
//! it twice; each sending is an audit event written with the notice's change to `sent`.

use std::sync::Arc;

use writ_core::{CaseId, Timestamp};
use writ_store::NoticeState;

use super::JobError;
use super::system::SystemDesk;
use crate::mailer::{Mail, Mailer};

/// How long a worker may take to send one notice before another may try.
const SENDING_LEASE: time::Duration = time::Duration::minutes(5);

fn earliest(a: Option<Timestamp>, b: Timestamp) -> Option<Timestamp> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// Sends the case's due notices; returns when to look again, if anything is waiting
/// for a time (a gag's end, a `not_before`).
pub(crate) async fn send_due(
    desk: &SystemDesk<'_>,
    case: CaseId,
) -> Result<Option<Timestamp>, JobError> {
    let store = desk.store();
    // A withdrawn demand's notices were cancelled with it; none goes out, whatever
    // state a notice is found in.
    let record = store.case(case).await?;
    if record.state == writ_core::CaseState::Withdrawn {
        return Ok(None);
    }
    let gag = store.gag_of_case(case).await?;
    let mut next = None;
    for notice in store.notices(case).await? {
        if notice.state != NoticeState::Pending {
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
        // The receipt goes into the mail only, never into the stored notice.
        let receipt = crate::notices::receipt_of(store, &record)
            .await
            .map_err(JobError::Invalid)?;
        let mail = Mail {
            to: notice.address.clone(),
            subject: notice.subject.clone(),
            text: crate::notices::with_receipt(&notice.body, &receipt),
            html: crate::notices::with_receipt(&notice.body_html, &receipt),
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
    case: CaseId,
) -> Result<Option<Timestamp>, JobError> {
    let store = desk.store();
    let now = desk.now();
    let mut next = None;
    // A production order that followed the preservation keeps its holds until the
    // order is answered (Reg. (EU) 2023/1543 Art. 11): look again a day later.
    let mut followed = false;
    for production in store.preservation_followups(case).await? {
        if store.case(production).await?.state.is_open() {
            followed = true;
        }
    }
    for hold in store.holds_of_case(case).await? {
        if hold.expired_at.is_some() {
            continue;
        }
        if hold.expires_at > now {
            next = earliest(next, hold.expires_at);
        } else if followed {
            next = earliest(
                next,
                now.checked_add(time::Duration::days(1)).unwrap_or(now),
            );
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
    id: CaseId,
    step: &str,
) -> Result<Option<Timestamp>, JobError> {
    let store = desk.store();
    let case = store.case(id).await?;
    if !case.state.is_open() || store.escalations(id).await?.iter().any(|e| e.step == step) {
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
        .map(Timestamp::readable)
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
