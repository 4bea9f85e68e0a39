//! What the audit log records: who did what, to which case, when.
//!
//! An entry's canonical bytes are what the ledger commits to; they are stored as they
//! were first written, so a verifier never depends on re-serialising anything.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::case::CaseId;
use crate::time::Timestamp;

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    /// writ itself: start-up, shutdown, scheduled work.
    System,
    /// Someone at the machine, running a `writ` command.
    Operator,
    /// A staff member, by username.
    Staff(String),
    /// An authority's account, by id.
    Agency(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an actor (system, operator, staff:NAME or agency:ID)")]
pub struct ActorError(String);

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::Operator => f.write_str("operator"),
            Self::Staff(name) => write!(f, "staff:{name}"),
            Self::Agency(id) => write!(f, "agency:{id}"),
        }
    }
}

impl FromStr for Actor {
    type Err = ActorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let named = |name: &str| !name.is_empty() && !name.contains(char::is_whitespace);
        match s.split_once(':') {
            None if s == "system" => Ok(Self::System),
            None if s == "operator" => Ok(Self::Operator),
            Some(("staff", name)) if named(name) => Ok(Self::Staff(name.to_owned())),
            Some(("agency", id)) if named(id) => Ok(Self::Agency(id.to_owned())),
            _ => Err(ActorError(s.to_owned())),
        }
    }
}

impl Serialize for Actor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// One event of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: Actor,
    /// What happened, as `noun.verb` (`case.opened`, `case.approve`, `system.started`).
    pub action: String,
    pub case_id: Option<CaseId>,
    /// Whatever else the event needs to be understood (a reason, a hash of data disclosed).
    pub details: serde_json::Value,
}

impl AuditEntry {
    pub fn new(at: Timestamp, actor: Actor, action: impl Into<String>) -> Self {
        Self {
            at,
            actor,
            action: action.into(),
            case_id: None,
            details: serde_json::Value::Null,
        }
    }

    pub fn for_case(mut self, case_id: CaseId) -> Self {
        self.case_id = Some(case_id);
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// The bytes the ledger commits to: compact JSON, fields in declaration order.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Serialising plain data with string keys into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_bytes_are_stable_and_round_trip() {
        let entry = AuditEntry::new(
            Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
            Actor::Staff("rita".into()),
            "case.opened",
        )
        .for_case(CaseId::parse("7f1c8a52-3f4e-4d39-9a51-0d7f5a1c2b3e").unwrap())
        .with_details(serde_json::json!({"reference": "SEA-1"}));
        let bytes = entry.canonical_bytes();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"at":"2026-03-02T09:00:00Z","actor":"staff:rita","action":"case.opened","case_id":"7f1c8a52-3f4e-4d39-9a51-0d7f5a1c2b3e","details":{"reference":"SEA-1"}}"#
        );
        assert_eq!(AuditEntry::from_canonical_bytes(&bytes).unwrap(), entry);
    }

    proptest! {
        #[test]
        fn actors_round_trip(name in "[a-z0-9._-]{1,20}", kind in 0..4u8) {
            let actor = match kind {
                0 => Actor::System,
                1 => Actor::Operator,
                2 => Actor::Staff(name),
                _ => Actor::Agency(name),
            };
            prop_assert_eq!(actor.to_string().parse::<Actor>().unwrap(), actor);
        }
    }

    #[test]
    fn malformed_actors_are_refused() {
        for bad in ["", "staff:", "robot", "staff:two words", "agency"] {
            assert!(bad.parse::<Actor>().is_err(), "{bad}");
        }
    }
}
