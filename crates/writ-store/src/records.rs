//! What goes into the store and what comes out.

use writ_core::case::CallbackOutcome;
use writ_core::identifier::PhoneNumber;
use writ_core::policy::{Code, Decision};
use writ_core::review::Scope;
use writ_core::workflow::{CounselDecision, RecordedApproval, RecordedRecommendation};
use writ_core::{
    Actor, AgencyId, CaseEvent, CaseId, CaseState, CountryCode, Demand, Role, Timestamp, UserId,
    Username,
};

/// A case to open from a demand that has just been received.
#[derive(Clone, Debug)]
pub struct NewCase<'a> {
    pub id: CaseId,
    pub demand: &'a Demand,
    /// The demand document exactly as submitted.
    pub document: &'a str,
    pub received_at: Timestamp,
    pub deadline: Option<Timestamp>,
    /// The policy engine's decision.
    pub decision: Option<&'a Decision>,
    /// The authority that submitted it through writ, if one did.
    pub agency_id: Option<&'a AgencyId>,
    /// Documents that came with it (the signed order).
    pub documents: &'a [NewDocument<'a>],
}

/// A document submitted with a demand.
#[derive(Clone, Debug)]
pub struct NewDocument<'a> {
    pub filename: &'a str,
    pub media_type: &'a str,
    /// SHA-256 of `content`, hex.
    pub sha256: &'a str,
    pub content: &'a [u8],
}

/// A stored document, without its content.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DocumentInfo {
    pub id: i64,
    pub filename: String,
    pub media_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_at: Timestamp,
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
    /// The policy engine's decision (stored as JSON, decoded with the row).
    pub decision: Option<Decision>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    /// Bumped by every change; a change made against a stale version is refused.
    pub version: i64,
    pub agency_id: Option<AgencyId>,
    /// The reviewer's latest recommendation.
    pub recommendation: Option<RecordedRecommendation>,
    /// What was approved for disclosure.
    pub scope: Option<Scope>,
    pub rejection_reason: Option<String>,
    /// Counsel's latest decision on an assistance order (route `counsel`).
    pub counsel: Option<CounselDecision>,
    /// Who approved it (or redirected it to the enterprise customer), when and why.
    pub approval: Option<RecordedApproval>,
    /// The member of staff working it, and their user name.
    pub assignee: Option<UserId>,
    pub assignee_name: Option<String>,
    /// When the instrument expires, if it says.
    pub expires_at: Option<Timestamp>,
    /// Escalated to the on-call approver (a deadline's step was sent).
    pub escalated: bool,
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

impl StoredEvent {
    /// The reason the step was given, if it took one. A case's own steps keep what they
    /// were given under `details`, beside the states they moved between; other events
    /// keep their reason at the top.
    pub fn reason(&self) -> Option<String> {
        let entry = writ_core::AuditEntry::from_canonical_bytes(&self.entry).ok()?;
        let details = &entry.details;
        let reason = details
            .get("reason")
            .or_else(|| details.get("details")?.get("reason"))?;
        reason.as_str().map(str::to_owned)
    }
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

/// An authority allowed to submit demands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    pub id: AgencyId,
    pub name: String,
    pub country: CountryCode,
    /// Its users' e-mail addresses must be in one of these domains.
    pub email_domains: Vec<String>,
    /// The number staff call back before an emergency disclosure: writ's own record,
    /// never taken from a demand.
    pub callback_phone: PhoneNumber,
    /// The age recipient (`age1…`) its productions are encrypted to; none yet, no
    /// production can be sealed for it.
    pub age_recipient: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub username: &'a Username,
    pub role: Role,
    pub agency_id: Option<&'a AgencyId>,
    /// An Argon2id PHC string, never the password.
    pub password_hash: &'a str,
    pub totp_secret: &'a str,
}

#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub password_hash: String,
    pub totp_secret: String,
    /// The last TOTP time step accepted, so a code is good once.
    pub totp_last_step: Option<i64>,
    pub created_at: Timestamp,
    /// Failed sign-ins in a row.
    pub failed_logins: i32,
    /// Signed-in refused until then, after too many failures.
    pub locked_until: Option<Timestamp>,
    /// The admin change (a second admin's confirmation) this account waits for: until
    /// then it cannot sign in and its tokens are refused.
    pub awaiting_change: Option<i64>,
    /// When an admin disabled the account: from then it cannot sign in and its tokens
    /// and sessions are refused.
    pub disabled_at: Option<Timestamp>,
}

/// A change one admin asked for and a second must confirm (four eyes).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AdminChange {
    pub id: i64,
    /// `user.added`, `user.enabled` or `agency.changed`.
    pub kind: String,
    /// What it is about: a user's id (`user.…`) or an agency's (`agency.…`).
    pub subject: String,
    /// What it sets: an [`AgencyChange`] for `agency.changed`; none for an account.
    pub details: Option<serde_json::Value>,
    pub requested_by: UserId,
    pub requested_at: Timestamp,
    pub confirmed_by: Option<UserId>,
    pub confirmed_at: Option<Timestamp>,
}

/// What a change to an agency sets; what it leaves out stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_domains: Option<Vec<String>>,
    /// E.164, parsed before the change is asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_recipient: Option<String>,
}

impl AgencyChange {
    /// `agency` as this change leaves it.
    pub fn applied_to(&self, agency: &Agency) -> Result<Agency, crate::StoreError> {
        let callback_phone = match &self.callback_phone {
            Some(number) => PhoneNumber::parse(number)
                .map_err(|e| crate::StoreError::Corrupt(format!("admin_changes.details: {e}")))?,
            None => agency.callback_phone.clone(),
        };
        Ok(Agency {
            email_domains: self
                .email_domains
                .clone()
                .unwrap_or_else(|| agency.email_domains.clone()),
            callback_phone,
            age_recipient: self
                .age_recipient
                .clone()
                .or_else(|| agency.age_recipient.clone()),
            ..agency.clone()
        })
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("agency_id", &self.agency_id)
            .finish_non_exhaustive()
    }
}

/// One message of a case's thread.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub author: Actor,
    pub from_authority: bool,
    pub body: String,
    pub at: Timestamp,
}

/// One emergency call-back, to the number writ holds for the agency.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Callback {
    /// Who called (`staff:NAME`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub caller: Actor,
    /// The number called: the agency's number on file, never the demand's.
    pub number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub called_at: Timestamp,
    pub outcome: CallbackOutcome,
    pub notes: String,
}

/// A gate a person cleared, with the reason (policy §6).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateClearance {
    pub code: Code,
    pub reason: String,
    /// Who cleared it (`user:<id>`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub cleared_by: Actor,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub cleared_at: Timestamp,
}

/// The enforcing authority's answer to an EU order's notification, as a member of
/// staff recorded it (Reg. (EU) 2023/1543 Arts 10(2), 12).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnforcingAuthorityAnswer {
    pub outcome: writ_core::workflow::EnforcingAuthorityOutcome,
    pub reason: String,
    /// Who recorded it (`user:<id>`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub answered_by: Actor,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub answered_at: Timestamp,
}

/// The provider's Form 3 on an EU order it cannot execute (Reg. (EU) 2023/1543 Annex
/// III), as a reviewer recorded it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Form3Reply {
    pub reasons: Vec<writ_core::workflow::Form3Reason>,
    pub explanation: String,
    /// Who recorded it (`user:<id>`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub recorded_by: Actor,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub recorded_at: Timestamp,
}

/// A notice owed about a case: in the outbox (`pending`) until it may be sent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    /// Given by the store (ignored when a notice is added); what
    /// `POST /api/v1/notices/{id}/hold` takes.
    pub id: i64,
    pub recipient: NoticeRecipient,
    pub address: String,
    pub state: NoticeState,
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// The same, as HTML (empty for notices written before there was one).
    pub body_html: String,
    /// Not sent before then (nor while a gag on the case is in force).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, required))]
    pub not_before: Option<Timestamp>,
    /// Why staff hold it, for a `held` notice.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub hold_reason: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, required))]
    pub sent_at: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// Who a notice is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeRecipient {
    /// The holder of an account the demand named.
    User,
    /// An enterprise customer's administrator.
    TenantAdmin,
}

impl NoticeRecipient {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::TenantAdmin => "tenant_admin",
        }
    }
}

impl std::fmt::Display for NoticeRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a notice stands in the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Waiting to be sent (for its time, or for a gag to end).
    Pending,
    /// Held back by an approver, for a recorded legal reason.
    Held,
    Sent,
    /// The demand was withdrawn before it went out.
    Cancelled,
    /// Nobody to send it to: the provider knows no address for the account.
    Undeliverable,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Held => "held",
            Self::Sent => "sent",
            Self::Cancelled => "cancelled",
            Self::Undeliverable => "undeliverable",
        }
    }

    /// Not sent, and still may be.
    pub fn is_unsent(self) -> bool {
        matches!(self, Self::Pending | Self::Held)
    }
}

impl std::fmt::Display for NoticeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Notice {
    /// A new notice for the outbox.
    pub fn pending(
        recipient: NoticeRecipient,
        address: &str,
        subject: String,
        body: String,
        body_html: String,
        not_before: Option<Timestamp>,
        created_at: Timestamp,
    ) -> Self {
        Self {
            id: 0,
            recipient,
            address: address.to_owned(),
            state: NoticeState::Pending,
            subject,
            body,
            body_html,
            not_before,
            hold_reason: None,
            sent_at: None,
            created_at,
        }
    }
}

/// One step of the workflow on one case, written in one transaction with its audit
/// event: state changes through the state machine, fields set, and what is added.
#[derive(Clone, Debug)]
pub struct CaseUpdate {
    pub case_id: CaseId,
    /// The version the change was decided on; if the case has moved since, it is refused.
    pub expect_version: i64,
    /// State machine steps, in order (none for a change that keeps the state).
    pub events: Vec<CaseEvent>,
    /// The audit event's action (`case.recommended`, `case.approve`, …).
    pub action: String,
    pub actor: Actor,
    pub at: Timestamp,
    pub details: serde_json::Value,
    pub recommendation: Option<RecordedRecommendation>,
    pub scope: Option<Scope>,
    pub rejection_reason: Option<String>,
    /// Counsel's decision on an assistance order, replacing any earlier one.
    pub counsel: Option<CounselDecision>,
    /// The approval, set once by the step that approves or redirects.
    pub approval: Option<RecordedApproval>,
    /// Assigns the case to this member of staff.
    pub assign: Option<UserId>,
    pub message: Option<String>,
    pub callback: Option<Callback>,
    pub gate_clearance: Option<GateClearance>,
    /// The enforcing authority's answer; a case takes one.
    pub enforcing_authority: Option<EnforcingAuthorityAnswer>,
    /// The provider's Form 3; a case takes one.
    pub form3: Option<Form3Reply>,
    pub notices: Vec<Notice>,
    /// What the step does to the case's production.
    pub production: Option<crate::ProductionChange>,
    /// Background work the step starts (a collection), queued in the same transaction.
    pub jobs: Vec<NewJob>,
    /// Preservation holds the step places (an approved preservation).
    pub holds: Vec<crate::NewHold>,
    /// The step ends the notices not yet sent (`pending` or `held`) as `cancelled`,
    /// each with its `notice.cancelled` event: a withdrawal.
    pub cancel_notices: bool,
}

impl CaseUpdate {
    pub fn new(case: &CaseRecord, action: &str, actor: Actor, at: Timestamp) -> Self {
        Self {
            case_id: case.id,
            expect_version: case.version,
            events: Vec::new(),
            action: action.to_owned(),
            actor,
            at,
            details: serde_json::Value::Null,
            recommendation: None,
            scope: None,
            rejection_reason: None,
            counsel: None,
            approval: None,
            assign: None,
            message: None,
            callback: None,
            gate_clearance: None,
            enforcing_authority: None,
            form3: None,
            notices: Vec::new(),
            production: None,
            jobs: Vec::new(),
            holds: Vec::new(),
            cancel_notices: false,
        }
    }
}
