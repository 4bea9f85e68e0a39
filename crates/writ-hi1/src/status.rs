//! Where a case stands, in the ETSI dictionaries' words: `LDTaskStatus`,
//! `LPTaskStatus` and `AuthorisationStatus`.

use writ_core::CaseState;

use crate::map::TaskKind;
use crate::message::DictionaryEntry;

/// What the status depends on besides the case's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseFacts {
    pub state: CaseState,
    /// For a closed case: the state it was closed from (`None`: not known).
    pub closed_from: Option<CaseState>,
    /// The policy engine refused the demand as invalid (the instrument, its validity
    /// or its issuer), rather than a reviewer declining it.
    pub refused_as_invalid: bool,
    /// The collection found nothing to disclose or preserve.
    pub nothing_found: bool,
    /// The preservation's hold has run out.
    pub preservation_expired: bool,
    /// The authorisation's end time has passed.
    pub authorisation_expired: bool,
}

impl CaseFacts {
    pub fn new(state: CaseState) -> Self {
        Self {
            state,
            closed_from: None,
            refused_as_invalid: false,
            nothing_found: false,
            preservation_expired: false,
            authorisation_expired: false,
        }
    }

    /// The state that decides: a closed case answers as what it was closed from.
    fn effective(&self) -> Option<CaseState> {
        match self.state {
            CaseState::Closed => self.closed_from.filter(|s| *s != CaseState::Closed),
            state => Some(state),
        }
    }
}

/// The ETSI `LDTaskStatus` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LdTaskStatus {
    AwaitingApproval,
    AwaitingDisclosure,
    Disclosed,
    DisclosureNotAvailable,
    Rejected,
    Cancelled,
    Error,
    Invalid,
}

/// The ETSI `LPTaskStatus` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LpTaskStatus {
    AwaitingPreservation,
    Preserved,
    PreservationNotAvailable,
    Rejected,
    Cancelled,
    Expired,
    Error,
    Invalid,
}

/// The ETSI `AuthorisationStatus` values writ reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthorisationStatus {
    AwaitingApproval,
    Approved,
    Rejected,
    Cancelled,
    Expired,
    Invalid,
}

macro_rules! dictionary {
    ($type:ty, $dictionary:literal, $($variant:ident),+) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant),)+
                }
            }

            /// The `common:DictionaryEntry` (owner ETSI).
            pub fn entry(self) -> DictionaryEntry {
                DictionaryEntry::etsi($dictionary, self.as_str())
            }
        }
    };
}

dictionary!(
    LdTaskStatus,
    "LDTaskStatus",
    AwaitingApproval,
    AwaitingDisclosure,
    Disclosed,
    DisclosureNotAvailable,
    Rejected,
    Cancelled,
    Error,
    Invalid
);
dictionary!(
    LpTaskStatus,
    "LPTaskStatus",
    AwaitingPreservation,
    Preserved,
    PreservationNotAvailable,
    Rejected,
    Cancelled,
    Expired,
    Error,
    Invalid
);
dictionary!(
    AuthorisationStatus,
    "AuthorisationStatus",
    AwaitingApproval,
    Approved,
    Rejected,
    Cancelled,
    Expired,
    Invalid
);

/// A task's status in its own dictionary (`LDTaskStatus` or `LPTaskStatus`), as a
/// `NotificationObject` lists it.
pub fn task_status(kind: TaskKind, facts: &CaseFacts) -> DictionaryEntry {
    match kind {
        TaskKind::Disclosure => ld_task_status(facts).entry(),
        TaskKind::Preservation => lp_task_status(facts).entry(),
    }
}

/// A disclosure task's status.
pub fn ld_task_status(facts: &CaseFacts) -> LdTaskStatus {
    use CaseState as S;
    use LdTaskStatus as L;
    let Some(state) = facts.effective() else {
        // Closed, and nobody can say from what: not a status to guess.
        return L::Error;
    };
    if state == S::Withdrawn {
        return L::Cancelled;
    }
    if facts.refused_as_invalid && matches!(state, S::Rejected) {
        return L::Invalid;
    }
    match state {
        S::Received | S::InReview | S::AwaitingClarification => L::AwaitingApproval,
        S::Approved | S::Collecting | S::Sealed | S::Released if facts.nothing_found => {
            L::DisclosureNotAvailable
        }
        S::Approved | S::Collecting | S::Sealed | S::Released => L::AwaitingDisclosure,
        S::Delivered if facts.nothing_found => L::DisclosureNotAvailable,
        S::Delivered => L::Disclosed,
        // A redirect to the enterprise customer is the provider declining to disclose.
        S::Rejected | S::Redirected => L::Rejected,
        S::Withdrawn => L::Cancelled,
        S::Closed => L::Error,
    }
}

/// A preservation task's status.
pub fn lp_task_status(facts: &CaseFacts) -> LpTaskStatus {
    use CaseState as S;
    use LpTaskStatus as L;
    let Some(state) = facts.effective() else {
        return L::Error;
    };
    if state == S::Withdrawn {
        return L::Cancelled;
    }
    if facts.refused_as_invalid && matches!(state, S::Rejected) {
        return L::Invalid;
    }
    match state {
        S::Received | S::InReview | S::AwaitingClarification => L::AwaitingPreservation,
        S::Approved | S::Collecting | S::Sealed | S::Released | S::Delivered
            if facts.nothing_found =>
        {
            L::PreservationNotAvailable
        }
        S::Approved | S::Collecting | S::Sealed | S::Released | S::Delivered
            if facts.preservation_expired =>
        {
            L::Expired
        }
        S::Approved | S::Collecting | S::Sealed | S::Released | S::Delivered => L::Preserved,
        S::Rejected | S::Redirected => L::Rejected,
        S::Withdrawn => L::Cancelled,
        S::Closed => L::Error,
    }
}

/// The authorisation's status: the case's, as the authority's order.
pub fn authorisation_status(facts: &CaseFacts) -> AuthorisationStatus {
    use AuthorisationStatus as A;
    use CaseState as S;
    let state = facts.effective();
    if state == Some(S::Withdrawn) {
        return A::Cancelled;
    }
    if facts.refused_as_invalid && state == Some(S::Rejected) {
        return A::Invalid;
    }
    if facts.authorisation_expired {
        return A::Expired;
    }
    match state {
        Some(S::Received | S::InReview | S::AwaitingClarification) => A::AwaitingApproval,
        Some(S::Approved | S::Collecting | S::Sealed | S::Released | S::Delivered) => A::Approved,
        Some(S::Rejected | S::Redirected) => A::Rejected,
        Some(S::Withdrawn) => A::Cancelled,
        // A closed case whose history is unknown has been dealt with; its order is spent.
        Some(S::Closed) | None => A::Expired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state: CaseState) -> CaseFacts {
        CaseFacts::new(state)
    }

    #[test]
    fn disclosure_follows_the_case() {
        use LdTaskStatus as L;
        let cases = [
            (CaseState::Received, L::AwaitingApproval),
            (CaseState::InReview, L::AwaitingApproval),
            (CaseState::AwaitingClarification, L::AwaitingApproval),
            (CaseState::Approved, L::AwaitingDisclosure),
            (CaseState::Collecting, L::AwaitingDisclosure),
            (CaseState::Sealed, L::AwaitingDisclosure),
            (CaseState::Delivered, L::Disclosed),
            (CaseState::Rejected, L::Rejected),
            (CaseState::Redirected, L::Rejected),
            (CaseState::Withdrawn, L::Cancelled),
            (CaseState::Closed, L::Error),
        ];
        for (state, expected) in cases {
            assert_eq!(ld_task_status(&facts(state)), expected, "{state}");
        }
    }

    #[test]
    fn a_closed_case_answers_as_what_it_was_closed_from() {
        let closed = |from| CaseFacts {
            closed_from: Some(from),
            ..facts(CaseState::Closed)
        };
        assert_eq!(
            ld_task_status(&closed(CaseState::Delivered)),
            LdTaskStatus::Disclosed
        );
        assert_eq!(
            ld_task_status(&closed(CaseState::Withdrawn)),
            LdTaskStatus::Cancelled
        );
        assert_eq!(
            ld_task_status(&closed(CaseState::Rejected)),
            LdTaskStatus::Rejected
        );
        assert_eq!(
            lp_task_status(&closed(CaseState::Approved)),
            LpTaskStatus::Preserved
        );
        assert_eq!(
            lp_task_status(&CaseFacts {
                preservation_expired: true,
                ..closed(CaseState::Approved)
            }),
            LpTaskStatus::Expired
        );
        assert_eq!(
            authorisation_status(&closed(CaseState::Delivered)),
            AuthorisationStatus::Approved
        );
    }

    #[test]
    fn refusals_for_validity_are_invalid_and_nothing_found_is_not_available() {
        let invalid = CaseFacts {
            refused_as_invalid: true,
            ..facts(CaseState::Rejected)
        };
        assert_eq!(ld_task_status(&invalid), LdTaskStatus::Invalid);
        assert_eq!(lp_task_status(&invalid), LpTaskStatus::Invalid);
        assert_eq!(authorisation_status(&invalid), AuthorisationStatus::Invalid);
        let empty = CaseFacts {
            nothing_found: true,
            ..facts(CaseState::Delivered)
        };
        assert_eq!(ld_task_status(&empty), LdTaskStatus::DisclosureNotAvailable);
        let empty_hold = CaseFacts {
            nothing_found: true,
            ..facts(CaseState::Approved)
        };
        assert_eq!(
            lp_task_status(&empty_hold),
            LpTaskStatus::PreservationNotAvailable
        );
    }

    #[test]
    fn preservation_and_authorisation_follow_the_case() {
        assert_eq!(
            lp_task_status(&facts(CaseState::InReview)),
            LpTaskStatus::AwaitingPreservation
        );
        assert_eq!(
            lp_task_status(&facts(CaseState::Approved)),
            LpTaskStatus::Preserved
        );
        assert_eq!(
            lp_task_status(&facts(CaseState::Withdrawn)),
            LpTaskStatus::Cancelled
        );
        assert_eq!(
            authorisation_status(&facts(CaseState::Received)),
            AuthorisationStatus::AwaitingApproval
        );
        assert_eq!(
            authorisation_status(&facts(CaseState::Collecting)),
            AuthorisationStatus::Approved
        );
        assert_eq!(
            authorisation_status(&facts(CaseState::Redirected)),
            AuthorisationStatus::Rejected
        );
        assert_eq!(
            authorisation_status(&CaseFacts {
                authorisation_expired: true,
                ..facts(CaseState::Approved)
            }),
            AuthorisationStatus::Expired
        );
        assert_eq!(
            task_status(TaskKind::Preservation, &facts(CaseState::Approved)),
            DictionaryEntry::etsi("LPTaskStatus", "Preserved")
        );
        assert_eq!(
            task_status(TaskKind::Disclosure, &facts(CaseState::Delivered)),
            DictionaryEntry::etsi("LDTaskStatus", "Disclosed")
        );
        // Every state has an answer, and the dictionary's spelling.
        for state in CaseState::ALL {
            assert!(!ld_task_status(&facts(state)).entry().value.is_empty());
            assert_eq!(lp_task_status(&facts(state)).entry().name, "LPTaskStatus");
        }
    }
}
