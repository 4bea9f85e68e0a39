//! The life of a case: its states and the only transitions between them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Declares an id that is a random UUID, so ids reveal nothing about volume or order:
/// parsed from text (refusing anything that is not a UUID), shown hyphenated.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $error:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("{text:?} is not a {what} id (a UUID)", text = .0, what = $what)]
        pub struct $error(String);

        impl $name {
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            pub fn parse(text: &str) -> Result<Self, $error> {
                Uuid::try_parse(text)
                    .map(Self)
                    .map_err(|_| $error(text.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = $error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

uuid_id!(
    /// A case's id.
    CaseId, CaseIdError, "case"
);
uuid_id!(
    /// A production's id: the sealed file an authority downloads for a case.
    ProductionId, ProductionIdError, "production"
);

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Received,
    InReview,
    AwaitingClarification,
    Approved,
    Rejected,
    Redirected,
    Withdrawn,
    Collecting,
    Sealed,
    /// A sealed production was released: the authority may download it.
    Released,
    Delivered,
    Closed,
}

/// What can happen to a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseEvent {
    StartReview,
    RequestClarification,
    ClarificationAnswered,
    Approve,
    Reject,
    RedirectToEnterprise,
    Withdraw,
    StartCollection,
    Seal,
    Release,
    Deliver,
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a case that is {from} cannot {event}")]
pub struct IllegalTransition {
    pub from: CaseState,
    pub event: CaseEvent,
}

impl CaseState {
    pub const ALL: [CaseState; 12] = [
        Self::Received,
        Self::InReview,
        Self::AwaitingClarification,
        Self::Approved,
        Self::Rejected,
        Self::Redirected,
        Self::Withdrawn,
        Self::Collecting,
        Self::Sealed,
        Self::Released,
        Self::Delivered,
        Self::Closed,
    ];

    /// The state after `event`, or why it cannot happen. This table is the whole
    /// state machine: the store refuses any change that does not go through it.
    pub fn after(self, event: CaseEvent) -> Result<CaseState, IllegalTransition> {
        use CaseEvent as E;
        use CaseState as S;
        let next = match (self, event) {
            (S::Received, E::StartReview) => S::InReview,
            (S::InReview, E::RequestClarification) => S::AwaitingClarification,
            (S::AwaitingClarification, E::ClarificationAnswered) => S::InReview,
            (S::InReview, E::Approve) => S::Approved,
            (S::InReview | S::AwaitingClarification, E::Reject) => S::Rejected,
            (S::InReview, E::RedirectToEnterprise) => S::Redirected,
            // The authority may withdraw until collection has produced something.
            (
                S::Received | S::InReview | S::AwaitingClarification | S::Approved | S::Collecting,
                E::Withdraw,
            ) => S::Withdrawn,
            (S::Approved, E::StartCollection) => S::Collecting,
            (S::Collecting, E::Seal) => S::Sealed,
            (S::Sealed, E::Release) => S::Released,
            // The authority's first download.
            (S::Released, E::Deliver) => S::Delivered,
            // Approved closes directly when nothing is to be produced (a preservation).
            (S::Approved | S::Delivered | S::Rejected | S::Redirected | S::Withdrawn, E::Close) => {
                S::Closed
            }
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(next)
    }

    pub fn is_closed(self) -> bool {
        self == Self::Closed
    }

    /// Whether the authority is still owed an answer: not delivered, rejected,
    /// redirected, withdrawn or closed.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Delivered | Self::Rejected | Self::Redirected | Self::Withdrawn | Self::Closed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::InReview => "in_review",
            Self::AwaitingClarification => "awaiting_clarification",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Redirected => "redirected",
            Self::Withdrawn => "withdrawn",
            Self::Collecting => "collecting",
            Self::Sealed => "sealed",
            Self::Released => "released",
            Self::Delivered => "delivered",
            Self::Closed => "closed",
        }
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a case state")]
pub struct CaseStateError(String);

impl FromStr for CaseState {
    type Err = CaseStateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| CaseStateError(s.to_owned()))
    }
}

impl CaseEvent {
    pub const ALL: [CaseEvent; 12] = [
        Self::StartReview,
        Self::RequestClarification,
        Self::ClarificationAnswered,
        Self::Approve,
        Self::Reject,
        Self::RedirectToEnterprise,
        Self::Withdraw,
        Self::StartCollection,
        Self::Seal,
        Self::Release,
        Self::Deliver,
        Self::Close,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartReview => "start_review",
            Self::RequestClarification => "request_clarification",
            Self::ClarificationAnswered => "clarification_answered",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::RedirectToEnterprise => "redirect_to_enterprise",
            Self::Withdraw => "withdraw",
            Self::StartCollection => "start_collection",
            Self::Seal => "seal",
            Self::Release => "release",
            Self::Deliver => "deliver",
            Self::Close => "close",
        }
    }
}

impl fmt::Display for CaseEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an emergency call-back to the authority went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// The authority, reached on its known number, confirmed the request.
    Confirmed,
    /// Reached, but it did not confirm: the request may be forged.
    NotConfirmed,
    NoAnswer,
}

impl CallbackOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::NotConfirmed => "not_confirmed",
            Self::NoAnswer => "no_answer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Confirmed, Self::NotConfirmed, Self::NoAnswer]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn reachable_from(start: CaseState) -> BTreeSet<CaseState> {
        let mut seen = BTreeSet::from([start]);
        let mut frontier = vec![start];
        while let Some(state) = frontier.pop() {
            for event in CaseEvent::ALL {
                if let Ok(next) = state.after(event)
                    && seen.insert(next)
                {
                    frontier.push(next);
                }
            }
        }
        seen
    }

    #[test]
    fn an_answered_case_never_opens_again_and_an_open_one_can_still_be_answered() {
        for state in CaseState::ALL {
            let reachable = reachable_from(state);
            if state.is_open() {
                assert!(
                    reachable.iter().any(|s| !s.is_open()),
                    "{state} can never be answered"
                );
            } else {
                assert!(
                    reachable.iter().all(|s| !s.is_open()),
                    "{state} opens again"
                );
            }
        }
    }

    #[test]
    fn the_happy_path_runs_from_received_to_closed() {
        use CaseEvent::*;
        let mut state = CaseState::Received;
        for event in [
            StartReview,
            RequestClarification,
            ClarificationAnswered,
            Approve,
            StartCollection,
            Seal,
            Release,
            Deliver,
            Close,
        ] {
            state = state.after(event).unwrap();
        }
        assert_eq!(state, CaseState::Closed);
    }

    #[test]
    fn every_state_is_reachable_and_every_case_can_close() {
        let all: BTreeSet<_> = CaseState::ALL.into_iter().collect();
        assert_eq!(reachable_from(CaseState::Received), all);
        for state in CaseState::ALL {
            assert!(
                reachable_from(state).contains(&CaseState::Closed),
                "{state} cannot close"
            );
        }
    }

    #[test]
    fn illegal_transitions_are_refused_with_a_reason() {
        let err = CaseState::Received.after(CaseEvent::Approve).unwrap_err();
        assert_eq!(err.to_string(), "a case that is received cannot approve");
        assert!(CaseState::Rejected.after(CaseEvent::Approve).is_err());
        assert!(CaseState::Delivered.after(CaseEvent::Withdraw).is_err());
        assert!(CaseState::Sealed.after(CaseEvent::StartCollection).is_err());
    }

    #[test]
    fn only_a_released_production_is_delivered() {
        // A sealed case is released before its authority can download it.
        for state in CaseState::ALL {
            if state.after(CaseEvent::Deliver).is_ok() {
                assert_eq!(state, CaseState::Released);
            }
            if state.after(CaseEvent::Release).is_ok() {
                assert_eq!(state, CaseState::Sealed);
            }
        }
    }

    #[test]
    fn disclosure_needs_approval_first() {
        // No path reaches collecting except through approved.
        for state in CaseState::ALL {
            if state.after(CaseEvent::StartCollection).is_ok() {
                assert_eq!(state, CaseState::Approved);
            }
        }
    }

    proptest! {
        #[test]
        fn closed_is_final(event in prop::sample::select(CaseEvent::ALL.to_vec())) {
            prop_assert!(CaseState::Closed.after(event).is_err());
        }

        #[test]
        fn states_round_trip_through_text(state in prop::sample::select(CaseState::ALL.to_vec())) {
            prop_assert_eq!(state.as_str().parse::<CaseState>().unwrap(), state);
            let json = serde_json::to_string(&state).unwrap();
            prop_assert_eq!(json, format!("\"{}\"", state.as_str()));
        }

        #[test]
        fn case_ids_round_trip(bytes in any::<[u8; 16]>()) {
            let id = CaseId(Uuid::from_bytes(bytes));
            prop_assert_eq!(CaseId::parse(&id.to_string()).unwrap(), id);
        }
    }
}
