//! What goes into the store and what comes out.

use writ_core::{Actor, CaseEvent, CaseId, CaseState, CountryCode, Demand, Timestamp};

/// A case to open from a demand that has just been received.
#[derive(Clone, Debug)]
pub struct NewCase<'a> {
    pub id: CaseId,
    pub demand: &'a Demand,
    /// The demand document exactly as submitted.
    pub document: &'a str,
    pub received_at: Timestamp,
    pub deadline: Option<Timestamp>,
    /// The policy engine's decision, as JSON.
    pub decision: Option<&'a serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseRecord {
    pub id: CaseId,
    pub state: CaseState,
    pub reference: String,
    pub authority_country: CountryCode,
    pub instrument: String,
    pub emergency: bool,
    pub received_at: Timestamp,
    pub deadline: Option<Timestamp>,
    pub decision: Option<serde_json::Value>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    /// Bumped by every change; a change made against a stale version is refused.
    pub version: i64,
}

/// A step in a case's life, by someone, at some time.
#[derive(Clone, Debug)]
pub struct Transition {
    pub case_id: CaseId,
    pub event: CaseEvent,
    pub actor: Actor,
    pub at: Timestamp,
    /// Why, or anything else the audit record should carry (a reason, a scope).
    pub details: serde_json::Value,
}

/// One stored audit event: its leaf index, the columns it is found by, and the
/// canonical bytes the ledger hashes (which the columns must agree with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    pub index: u64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub case_id: Option<String>,
    pub entry: Vec<u8>,
}

/// A signed checkpoint of the audit log, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: writ_ledger::Hash,
    /// The C2SP signed note: what an auditor verifies.
    pub note: Vec<u8>,
    pub signed_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub i64);

/// A job claimed by one worker until its lease runs out.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    /// How many times it has been claimed, this time included.
    pub attempts: i32,
}
