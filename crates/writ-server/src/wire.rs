//! The JSON the API answers with where it is not a record's own shape, and the small
//! request bodies several routes share. Each shape is a `Serialize` + `ToSchema`
//! struct built from the records (`From`), so the answer and its OpenAPI schema are
//! one type. Records the API shows as they are (a `Decision`, a `Notice`) derive their
//! schema where they live, under writ-core's and writ-store's `openapi` feature.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use writ_core::policy::{Decision, Finding, Route, Verdict};
use writ_core::review::Scope;
use writ_core::workflow::{CounselDecision, RecordedApproval, RecordedRecommendation};
use writ_core::{AgencyId, CaseId, CaseState, CountryCode, Demand, ProductionId, Role, Timestamp};
use writ_core::{Category, UserId};
use writ_store::{
    Callback, CaseRecord, EnforcingAuthorityAnswer, Form3Reply, GateClearance, Notice, Production,
    ProductionState,
};

use writ_app::access::{CaseView, ReleasedProduction as Released};

// ------------------------------------------------------------ requests

/// Why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReasonRequest)]
pub(crate) struct Reason {
    /// Not blank; at most 10,000 characters, no NUL.
    #[schema(min_length = 1, max_length = 10000, pattern = r"^[^\x00]*\S[^\x00]*$")]
    pub reason: String,
}

/// A message for the other side of the case.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MessageRequest)]
pub(crate) struct MessageBody {
    /// Not blank; at most 10,000 characters, no NUL.
    #[schema(min_length = 1, max_length = 10000, pattern = r"^[^\x00]*\S[^\x00]*$")]
    pub body: String,
}

impl crate::extract::Statement for Reason {
    fn statement(&self) -> (&'static str, &str) {
        ("reason", &self.reason)
    }
}

impl crate::extract::Statement for MessageBody {
    fn statement(&self) -> (&'static str, &str) {
        ("body", &self.body)
    }
}

// ------------------------------------------------------------ common

/// What `/healthz` says.
#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `ok`; `unavailable` when the database does not answer, `timeout` when it does
    /// not answer within a second.
    pub database: &'static str,
    /// Where productions are kept (the directory or the S3 bucket): `ok`,
    /// `unavailable` or `timeout`, as `database`. Absent when no productions are made.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub storage: Option<&'static str>,
}

/// The case after a step: its id and the state it is now in.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseStateChange {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    state: CaseState,
}

impl From<&CaseRecord> for CaseStateChange {
    fn from(case: &CaseRecord) -> Self {
        Self {
            id: case.id,
            state: case.state,
        }
    }
}

/// A logged-in session. The cookie comes in `Set-Cookie`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Session {
    pub role: Role,
    /// Send it in the header `csrf_header` names on every request that changes
    /// something.
    pub csrf_token: String,
    /// Always `x-csrf-token`.
    pub csrf_header: &'static str,
}

/// One message of a case's thread.
#[derive(Serialize, ToSchema)]
pub(crate) struct Message {
    from: MessageFrom,
    body: String,
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MessageFrom {
    Authority,
    Provider,
}

impl From<&writ_store::Message> for Message {
    fn from(message: &writ_store::Message) -> Self {
        Self {
            from: if message.from_authority {
                MessageFrom::Authority
            } else {
                MessageFrom::Provider
            },
            body: message.body.clone(),
            at: message.at,
        }
    }
}

// ------------------------------------------------------------ demands

/// The demand was received and a case opened for it.
#[derive(Serialize, ToSchema)]
pub(crate) struct DemandReceipt {
    /// The case's id: the demand's address from now on.
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    reference: String,
    state: CaseState,
    #[schema(value_type = String, format = DateTime)]
    received_at: Timestamp,
    /// The receipt in words.
    acknowledgement: String,
}

impl From<&CaseRecord> for DemandReceipt {
    fn from(case: &CaseRecord) -> Self {
        Self {
            id: case.id,
            reference: case.reference.clone(),
            state: case.state,
            received_at: case.received_at,
            acknowledgement: format!(
                "Received at {} under case {}. You will be told of every change to its state.",
                case.received_at.readable(),
                case.id
            ),
        }
    }
}

/// A demand as its authority sees it.
#[derive(Serialize, ToSchema)]
pub(crate) struct DemandStatus {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    reference: String,
    state: CaseState,
    #[schema(value_type = String, format = DateTime)]
    received_at: Timestamp,
    /// When the answer is due, if the rules set a deadline.
    #[schema(value_type = Option<String>, format = DateTime, required)]
    deadline: Option<Timestamp>,
    /// Why it was rejected, once it is.
    #[schema(required)]
    rejection_reason: Option<String>,
    /// What the policy engine refused of what was asked, each with its reason, rule
    /// and citation: keys, access or capability are refused under the provider's
    /// own policy (`KEYS_OR_ACCESS_REFUSED`, rule P-1); the rest proceeds.
    refused: Vec<Finding>,
    /// The case's thread, oldest first.
    messages: Vec<Message>,
    /// For a demand redirected to an enterprise customer: the letter saying so.
    #[schema(required)]
    redirect_letter: Option<String>,
    /// The productions released to the authority, each with a download link.
    productions: Vec<ReleasedProduction>,
}

impl DemandStatus {
    pub(crate) fn new(status: writ_app::access::DemandStatus, released: &[Released]) -> Self {
        let case = status.case;
        Self {
            id: case.id,
            reference: case.reference,
            state: case.state,
            received_at: case.received_at,
            deadline: case.deadline,
            rejection_reason: case.rejection_reason,
            refused: status.refused,
            messages: status.messages.iter().map(Message::from).collect(),
            redirect_letter: status.letter,
            productions: released.iter().map(ReleasedProduction::from).collect(),
        }
    }
}

/// A production released to the authority.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReleasedProduction {
    #[schema(value_type = String, format = "uuid")]
    id: ProductionId,
    /// SHA-256 of the file, hex.
    #[schema(value_type = String)]
    sha256: Option<String>,
    /// Bytes.
    #[schema(value_type = u64)]
    size: Option<u64>,
    /// Nothing in scope was found; the production says so, signed.
    #[schema(value_type = bool)]
    no_data: Option<bool>,
    // A released production is sealed: these are never null.
    #[schema(value_type = String, format = DateTime)]
    sealed_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    released_at: Option<Timestamp>,
    /// Fetch it with the same credentials, before `expires_at`.
    download_url: String,
    #[schema(value_type = String, format = DateTime)]
    expires_at: Timestamp,
}

impl From<&Released> for ReleasedProduction {
    fn from(released: &Released) -> Self {
        let production = &released.production;
        let sealed = production.sealed.as_ref();
        Self {
            id: production.id,
            sha256: sealed.map(|s| s.sha256.clone()),
            size: sealed.map(|s| s.size),
            no_data: sealed.map(|s| s.no_data),
            sealed_at: sealed.map(|s| s.sealed_at),
            released_at: production.released_at,
            download_url: released.link.url.clone(),
            expires_at: released.link.expires_at,
        }
    }
}

// ------------------------------------------------------------ productions

/// A production as staff see it.
#[derive(Serialize, ToSchema)]
#[schema(as = Production)]
pub(crate) struct StaffProduction {
    #[schema(value_type = String, format = "uuid")]
    id: ProductionId,
    /// The case's id.
    #[schema(value_type = String, format = "uuid")]
    case: CaseId,
    state: ProductionState,
    /// How many items the collection has in all, once the sources have listed them.
    #[schema(required)]
    items_total: Option<u64>,
    items_done: u64,
    bytes_done: u64,
    /// The sealed file, once sealed.
    #[schema(required)]
    sealed: Option<SealedFile>,
    #[schema(value_type = Option<String>, format = DateTime, required)]
    released_at: Option<Timestamp>,
    /// Who released it (a user name), once released.
    #[schema(required)]
    released_by: Option<String>,
}

/// A sealed production's file.
#[derive(Serialize, ToSchema)]
pub(crate) struct SealedFile {
    /// SHA-256 of the encrypted file, hex.
    sha256: String,
    size: u64,
    /// SHA-256 of its `manifest.json`, hex.
    manifest_sha256: String,
    no_data: bool,
    #[schema(value_type = String, format = DateTime)]
    sealed_at: Timestamp,
}

impl From<&Production> for StaffProduction {
    fn from(production: &Production) -> Self {
        Self {
            id: production.id,
            case: production.case_id,
            state: production.state,
            items_total: production.items_total,
            items_done: production.items_done,
            bytes_done: production.bytes_done,
            sealed: production.sealed.as_ref().map(|s| SealedFile {
                sha256: s.sha256.clone(),
                size: s.size,
                manifest_sha256: s.manifest_sha256.clone(),
                no_data: s.no_data,
                sealed_at: s.sealed_at,
            }),
            released_at: production.released_at,
            released_by: production.released_by_name.clone(),
        }
    }
}

// ------------------------------------------------------------ registers

/// A notice just held.
#[derive(Serialize, ToSchema)]
pub(crate) struct Held {
    pub id: i64,
    /// Always `held`.
    pub state: &'static str,
}

/// A non-disclosure order in the gag register.
#[derive(Serialize, ToSchema)]
pub(crate) struct Gag {
    id: i64,
    /// The case's id.
    #[schema(value_type = String, format = "uuid")]
    case: CaseId,
    #[schema(required)]
    basis: Option<String>,
    /// Its end; `null`: indefinite.
    #[schema(value_type = Option<String>, format = DateTime, required)]
    until: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime, required)]
    lifted_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
}

impl From<&writ_store::Gag> for Gag {
    fn from(gag: &writ_store::Gag) -> Self {
        Self {
            id: gag.id,
            case: gag.case_id,
            basis: gag.basis.clone(),
            until: gag.until,
            lifted_at: gag.lifted_at,
            created_at: gag.created_at,
        }
    }
}

/// Counsel's challenge list.
#[derive(Serialize, ToSchema)]
pub(crate) struct GagReview {
    /// The DOJ's 2017 policy on 18 U.S.C. 2705(b) orders.
    pub citation: &'static str,
    pub gags: Vec<Gag>,
}

/// A preservation hold in force.
#[derive(Serialize, ToSchema)]
pub(crate) struct Hold {
    id: i64,
    #[schema(value_type = String, format = "uuid")]
    case: CaseId,
    account: String,
    category: Category,
    #[schema(value_type = String, format = DateTime)]
    expires_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime, required)]
    extended_at: Option<Timestamp>,
}

impl From<&writ_store::Hold> for Hold {
    fn from(hold: &writ_store::Hold) -> Self {
        Self {
            id: hold.id,
            case: hold.case_id,
            account: hold.account.clone(),
            category: hold.category,
            expires_at: hold.expires_at,
            extended_at: hold.extended_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Holds {
    pub holds: Vec<Hold>,
}

/// An open case past its deadline.
#[derive(Serialize, ToSchema)]
pub(crate) struct OverdueCase {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    reference: String,
    state: CaseState,
    #[schema(value_type = Option<String>, format = DateTime, required)]
    deadline: Option<Timestamp>,
    emergency: bool,
}

impl From<&CaseRecord> for OverdueCase {
    fn from(case: &CaseRecord) -> Self {
        Self {
            id: case.id,
            reference: case.reference.clone(),
            state: case.state,
            deadline: case.deadline,
            emergency: case.emergency,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Overdue {
    pub cases: Vec<OverdueCase>,
}

// ------------------------------------------------------------ cases

/// A page of a case's history: its audit events, oldest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseHistory {
    pub events: Vec<HistoryEvent>,
    /// The next page's URL; null on the last page.
    #[schema(required)]
    pub next: Option<String>,
}

/// One step of a case, as the audit log holds it.
#[derive(Serialize, ToSchema)]
pub(crate) struct HistoryEvent {
    /// Its leaf index in the audit log.
    index: u64,
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
    /// Who: `staff:rita`, `agency:sea-pd`, `system`.
    actor: String,
    /// What: `case.opened`, `case.approve`, `notice.sent`, …
    action: String,
    /// The reason the step was given, if it took one.
    #[schema(required)]
    reason: Option<String>,
    /// Its inclusion proof in the latest signed checkpoint; null until a checkpoint
    /// covers it.
    #[schema(required)]
    proof: Option<String>,
}

impl HistoryEvent {
    /// `event`, with its proof against a checkpoint of `checkpoint` events.
    pub fn new(event: &writ_store::StoredEvent, checkpoint: u64) -> Self {
        Self {
            index: event.index,
            at: event.at,
            actor: event.actor.clone(),
            action: event.action.clone(),
            reason: event.reason(),
            proof: (event.index < checkpoint).then(|| {
                format!(
                    "/api/v1/audit/proof/inclusion?index={}&size={checkpoint}",
                    event.index
                )
            }),
        }
    }
}

/// The queue.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseList {
    /// Emergencies first, then by deadline.
    pub cases: Vec<CaseSummary>,
    /// The next page's URL (the same filters, a cursor); null on the last page.
    pub next: Option<String>,
}

/// A case as the queue shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseSummary {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    reference: String,
    state: CaseState,
    /// The instrument id (`us.search_warrant`).
    instrument: String,
    #[schema(value_type = String)]
    authority_country: CountryCode,
    emergency: bool,
    #[schema(value_type = String, format = DateTime)]
    received_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime, required)]
    deadline: Option<Timestamp>,
    /// The policy engine's verdict.
    #[schema(required)]
    verdict: Option<Verdict>,
    /// The policy engine's route.
    #[schema(required)]
    route: Option<Route>,
    /// Past its deadline and still open: highlighted in the queue.
    overdue: bool,
    /// Escalated to the on-call approver: highlighted in the queue.
    escalated: bool,
    /// When the instrument expires, if it says.
    #[schema(value_type = Option<String>, format = DateTime, required)]
    expires_at: Option<Timestamp>,
    /// Who works the case (a user name), if someone took it.
    #[schema(required)]
    assignee: Option<String>,
}

impl CaseSummary {
    pub(crate) fn new(case: &CaseRecord, now: Timestamp) -> Self {
        Self {
            id: case.id,
            reference: case.reference.clone(),
            state: case.state,
            instrument: case.instrument.clone(),
            authority_country: case.authority_country,
            emergency: case.emergency,
            received_at: case.received_at,
            deadline: case.deadline,
            verdict: case.decision.as_ref().map(|d| d.verdict),
            route: case.decision.as_ref().map(|d| d.route),
            overdue: case.deadline.is_some_and(|d| d < now) && case.state.is_open(),
            escalated: case.escalated,
            expires_at: case.expires_at,
            assignee: case.assignee_name.clone(),
        }
    }
}

/// Everything on a case.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseDetail {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    reference: String,
    state: CaseState,
    /// The id of the agency that submitted it.
    #[schema(value_type = Option<String>, required)]
    agency: Option<AgencyId>,
    instrument: String,
    #[schema(value_type = String)]
    authority_country: CountryCode,
    emergency: bool,
    #[schema(value_type = String, format = DateTime)]
    received_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime, required)]
    deadline: Option<Timestamp>,
    /// Bumped by every change.
    version: i64,
    /// What the policy engine decided.
    #[schema(required)]
    decision: Option<Decision>,
    /// The reviewer's recommendation, once there is one.
    #[schema(required)]
    recommendation: Option<RecordedRecommendation>,
    /// What was approved for disclosure, once it is.
    #[schema(required)]
    scope: Option<Scope>,
    #[schema(required)]
    rejection_reason: Option<String>,
    /// Counsel's latest decision on an assistance order (route `counsel`).
    #[schema(required)]
    counsel: Option<CounselDecision>,
    /// Who approved it (or redirected it to the enterprise customer), when and why.
    #[schema(required)]
    approval: Option<RecordedApproval>,
    /// Who works the case (a user name), if someone took it.
    #[schema(required)]
    assignee: Option<String>,
    /// Its productions: collected, sealed, and who released them, when.
    productions: Vec<StaffProduction>,
    /// The demand as the authority submitted it.
    #[schema(value_type = Demand)]
    demand: Value,
    /// The case's thread, oldest first.
    messages: Vec<Message>,
    /// The emergency call-backs made, oldest first.
    callbacks: Vec<Callback>,
    /// The gates people cleared, with their reasons, in the order they were cleared.
    gate_clearances: Vec<GateClearance>,
    /// On a non-emergency EU order whose enforcing authority is notified: its ten days
    /// and its answer (null otherwise).
    #[schema(required)]
    enforcing_authority: Option<EnforcingAuthority>,
    /// The provider's Form 3, if it could not execute an EU order (null otherwise).
    #[schema(required)]
    form3: Option<Form3Reply>,
    /// The notices owed about the case.
    notices: Vec<Notice>,
    /// Preservation holds in force from earlier cases on this case's targets (a
    /// preservation request, then the demand for disclosure it preserved for).
    preservations: Vec<Hold>,
}

impl TryFrom<CaseView> for CaseDetail {
    type Error = serde_json::Error;

    /// Fails only if the stored demand document is not JSON.
    fn try_from(view: CaseView) -> Result<Self, serde_json::Error> {
        let demand = serde_json::from_str(&view.document)?;
        let case = view.case;
        Ok(Self {
            id: case.id,
            reference: case.reference,
            state: case.state,
            agency: case.agency_id,
            instrument: case.instrument,
            authority_country: case.authority_country,
            emergency: case.emergency,
            received_at: case.received_at,
            deadline: case.deadline,
            version: case.version,
            decision: case.decision,
            recommendation: case.recommendation,
            scope: case.scope,
            rejection_reason: case.rejection_reason,
            counsel: case.counsel,
            approval: case.approval,
            assignee: case.assignee_name,
            productions: view.productions.iter().map(StaffProduction::from).collect(),
            demand,
            messages: view.messages.iter().map(Message::from).collect(),
            callbacks: view.callbacks,
            gate_clearances: view.gate_clearances,
            enforcing_authority: view.enforcing_authority.map(EnforcingAuthority::from),
            form3: view.form3,
            notices: view.notices,
            preservations: view.preservations.iter().map(Hold::from).collect(),
        })
    }
}

/// The enforcing authority's ten days on an EU order, and its answer (Reg. (EU)
/// 2023/1543 Arts 10(2), 12).
#[derive(Serialize, ToSchema)]
pub(crate) struct EnforcingAuthority {
    /// Ten days from receipt: until then, with no answer, traffic and content data are
    /// not released.
    #[schema(value_type = String, format = DateTime)]
    window_ends_at: Timestamp,
    /// The answer as recorded, once it is.
    #[schema(required)]
    answer: Option<EnforcingAuthorityAnswer>,
    /// Whether traffic and content data are held back now.
    withholding: bool,
}

impl From<writ_app::access::EnforcingAuthority> for EnforcingAuthority {
    fn from(state: writ_app::access::EnforcingAuthority) -> Self {
        Self {
            window_ends_at: state.window_ends_at,
            answer: state.answer,
            withholding: state.withholding,
        }
    }
}

/// The case after `assign`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Assigned {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    /// The caller's user name.
    #[schema(value_type = String)]
    assignee: Option<String>,
}

impl From<&CaseRecord> for Assigned {
    fn from(case: &CaseRecord) -> Self {
        Self {
            id: case.id,
            assignee: case.assignee_name.clone(),
        }
    }
}

/// The case after a recommendation.
#[derive(Serialize, ToSchema)]
pub(crate) struct Recommended {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    state: CaseState,
    // Just recommended: never null.
    #[schema(value_type = RecordedRecommendation)]
    recommendation: Option<RecordedRecommendation>,
}

impl From<CaseRecord> for Recommended {
    fn from(case: CaseRecord) -> Self {
        Self {
            id: case.id,
            state: case.state,
            recommendation: case.recommendation,
        }
    }
}

/// The case after an approval: `approved`, or `redirected` to an enterprise
/// customer.
#[derive(Serialize, ToSchema)]
pub(crate) struct Approved {
    #[schema(value_type = String, format = "uuid")]
    id: CaseId,
    state: CaseState,
    /// What was approved for disclosure.
    #[schema(required)]
    scope: Option<Scope>,
}

impl From<CaseRecord> for Approved {
    fn from(case: CaseRecord) -> Self {
        Self {
            id: case.id,
            state: case.state,
            scope: case.scope,
        }
    }
}

// ------------------------------------------------------------ admin

#[derive(Serialize, ToSchema)]
pub(crate) struct AgencyCreated {
    #[schema(value_type = String)]
    pub id: AgencyId,
}

/// A person added, with their credentials, shown this once.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserCreated {
    #[schema(value_type = String, format = "uuid")]
    pub id: UserId,
    #[schema(value_type = String)]
    pub username: writ_core::Username,
    pub role: Role,
    #[schema(value_type = Option<String>, required)]
    pub agency: Option<AgencyId>,
    pub password: String,
    /// The TOTP secret, base32.
    pub totp_secret: String,
    /// The secret as an `otpauth://` URI, for an authenticator app.
    pub totp_uri: String,
    /// An API token (`writ_at_…`).
    pub token: String,
    /// For a reviewer, approver or admin: the change a second admin must confirm
    /// (`POST /api/v1/admin/changes/{id}/confirm`) before the account works.
    #[schema(required)]
    pub awaiting_confirmation: Option<i64>,
}

/// A change one admin asked for and a second must confirm.
#[derive(Serialize, ToSchema)]
pub(crate) struct AdminChange {
    id: i64,
    /// `user.added`, `user.enabled` or `agency.changed`.
    kind: String,
    /// What it is about: a user's id (`user.…`) or an agency's (`agency.…`).
    subject: String,
    /// What an `agency.changed` sets (the fields of `AgencyEdit` it was given).
    #[schema(value_type = Option<AgencyEdit>, required)]
    details: Option<Value>,
    #[schema(value_type = String, format = "uuid")]
    requested_by: UserId,
    #[schema(value_type = String, format = DateTime)]
    requested_at: Timestamp,
    #[schema(value_type = Option<String>, format = "uuid", required)]
    confirmed_by: Option<UserId>,
    #[schema(value_type = Option<String>, format = DateTime, required)]
    confirmed_at: Option<Timestamp>,
}

impl From<writ_store::AdminChange> for AdminChange {
    fn from(change: writ_store::AdminChange) -> Self {
        Self {
            id: change.id,
            kind: change.kind,
            subject: change.subject,
            details: change.details,
            requested_by: change.requested_by,
            requested_at: change.requested_at,
            confirmed_by: change.confirmed_by,
            confirmed_at: change.confirmed_at,
        }
    }
}

/// What a change to an agency sets; at least one field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub(crate) struct AgencyEdit {
    /// The domains of its people's e-mail addresses, replacing the old list.
    #[serde(default)]
    #[schema(value_type = Option<Vec<EmailDomain>>, min_items = 1, inline)]
    pub(crate) email_domains: Option<Vec<String>>,
    /// The number an emergency call-back goes to, E.164 (`+12065550100`).
    #[serde(default)]
    #[schema(pattern = r"^\+[1-9][0-9]{1,14}$")]
    pub(crate) callback_phone: Option<String>,
    /// The age recipient (`age1…`) its productions are encrypted to.
    #[serde(default)]
    #[schema(pattern = "^age1[02-9ac-hj-np-z]{58}$")]
    pub(crate) age_recipient: Option<String>,
}

/// An e-mail domain: a host name with a dot, no `@`, no spaces.
#[derive(ToSchema)]
#[schema(max_length = 256, pattern = r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
#[allow(dead_code)] // Describes an item of `email_domains`, which is read as a String.
pub(crate) struct EmailDomain(String);
