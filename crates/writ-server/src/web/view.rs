//! How case data reads on a page: times, states, threads. Shared by portal and console.

use writ_core::policy::Severity;
use writ_core::{CaseState, Timestamp};
use writ_store::Message;

/// `2 Mar 2026, 09:00 UTC` ([`Timestamp::readable`]).
pub(crate) fn when(at: Timestamp) -> String {
    at.readable()
}

/// `2026-03-02T09:00`, what a `datetime-local` input holds (in UTC here).
pub(crate) fn datetime_local(at: Timestamp) -> String {
    let t = at.datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Reads a `datetime-local` value (`2026-03-02T09:00`, with or without seconds) as UTC.
pub(crate) fn parse_datetime_local(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let with_seconds = match text.len() {
        16 => format!("{text}:00Z"),
        19 => format!("{text}Z"),
        _ => text.to_owned(),
    };
    Timestamp::parse(&with_seconds).ok()
}

/// `due in 2 days`, `due in 5 hours`, `overdue by 3 hours`.
pub(crate) fn due(deadline: Timestamp, now: Timestamp) -> String {
    let (overdue, amount) = time_left(deadline, now);
    if overdue {
        format!("overdue by {amount}")
    } else {
        format!("due in {amount}")
    }
}

/// How long until `deadline` (`3 days`, `5 hours`, `12 minutes`), and whether that is
/// how long ago it passed.
pub(crate) fn time_left(deadline: Timestamp, now: Timestamp) -> (bool, String) {
    let left = deadline.datetime() - now.datetime();
    let (overdue, left) = if left.is_negative() {
        (true, -left)
    } else {
        (false, left)
    };
    let amount = if left.whole_days() >= 2 {
        format!("{} days", left.whole_days())
    } else if left.whole_hours() >= 2 {
        format!("{} hours", left.whole_hours())
    } else {
        format!("{} minutes", left.whole_minutes().max(1))
    };
    (overdue, amount)
}

/// Whether a deadline is close enough (a day) to stand out.
pub(crate) fn is_pressing(deadline: Timestamp, now: Timestamp) -> bool {
    (deadline.datetime() - now.datetime()).whole_hours() < 24
}

pub(crate) fn state_label(state: CaseState) -> &'static str {
    match state {
        CaseState::Received => "Received",
        CaseState::InReview => "In review",
        CaseState::AwaitingClarification => "Awaiting clarification",
        CaseState::Approved => "Approved",
        CaseState::Rejected => "Rejected",
        CaseState::Redirected => "Redirected to the customer",
        CaseState::Withdrawn => "Withdrawn",
        CaseState::Collecting => "Collecting",
        CaseState::Sealed => "Sealed",
        CaseState::Released => "Released",
        CaseState::Delivered => "Delivered",
        CaseState::Closed => "Closed",
    }
}

/// A state as a badge: its label and the CSS class that colours it.
pub(crate) struct StateBadge {
    pub label: &'static str,
    pub class: &'static str,
}

impl StateBadge {
    pub fn of(state: CaseState) -> Self {
        let class = match state {
            CaseState::Received | CaseState::InReview => "state-open",
            CaseState::AwaitingClarification => "state-waiting",
            CaseState::Approved
            | CaseState::Collecting
            | CaseState::Sealed
            | CaseState::Released
            | CaseState::Delivered => "state-approved",
            CaseState::Rejected => "state-rejected",
            CaseState::Redirected | CaseState::Withdrawn | CaseState::Closed => "state-done",
        };
        Self {
            label: state_label(state),
            class,
        }
    }
}

/// One message of a case's thread.
pub(crate) struct MessageRow {
    pub from_authority: bool,
    pub from: String,
    pub body: String,
    pub at: String,
}

/// The thread; `authority` is what the other side calls the authority.
pub(crate) fn messages(messages: &[Message], authority: &str) -> Vec<MessageRow> {
    messages
        .iter()
        .map(|m| MessageRow {
            from_authority: m.from_authority,
            from: if m.from_authority {
                authority.to_owned()
            } else {
                "The provider's compliance team".to_owned()
            },
            body: m.body.clone(),
            at: when(m.at),
        })
        .collect()
}

/// A finding's severity as the pages name it (and style it: `severity-block`).
pub(crate) fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Block => "block",
        Severity::Refuse => "refuse",
        Severity::Gate => "gate",
        Severity::Warn => "warn",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(when(at("2026-03-02T09:05:00Z")), "2 Mar 2026, 09:05 UTC");
        assert_eq!(
            datetime_local(at("2026-03-02T09:05:59Z")),
            "2026-03-02T09:05"
        );
        assert_eq!(
            parse_datetime_local("2026-03-02T09:05"),
            Some(at("2026-03-02T09:05:00Z"))
        );
        assert_eq!(
            parse_datetime_local("2026-03-02T09:05:30"),
            Some(at("2026-03-02T09:05:30Z"))
        );
        assert_eq!(parse_datetime_local("yesterday"), None);
    }

    #[test]
    fn deadlines_say_how_long_is_left() {
        let now = at("2026-03-02T09:00:00Z");
        assert_eq!(due(at("2026-03-05T10:00:00Z"), now), "due in 3 days");
        assert_eq!(due(at("2026-03-02T15:00:00Z"), now), "due in 6 hours");
        assert_eq!(due(at("2026-03-02T09:30:00Z"), now), "due in 30 minutes");
        assert_eq!(due(at("2026-03-02T06:00:00Z"), now), "overdue by 3 hours");
        assert!(is_pressing(at("2026-03-02T15:00:00Z"), now));
        assert!(!is_pressing(at("2026-03-05T15:00:00Z"), now));
    }
}
