//! What the policy engine answers (`docs/policy.md` §4), as `writ demand check`
//! prints it and the server stores it.
//!
//! Field names and spellings are the spec's; every optional value is written as
//! `null` rather than left out, and lists keep the demand's order (categories as
//! requested, targets as given) and findings the evaluation's order, so the same
//! demand, rules and `now` always serialise to the same bytes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::demand::Category;
use crate::identifier::TargetKind;
use crate::time::Timestamp;

/// What the policy engine decided, as specified in `docs/policy.md` §4 (the
/// decision `writ demand check` prints).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub verdict: Verdict,
    pub route: Route,
    /// The id of the row applied (`US-3`); `null` for an unknown instrument.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub rule: Option<String>,
    pub categories: Vec<CategoryDecision>,
    pub targets: Vec<TargetDecision>,
    pub findings: Vec<Finding>,
    /// When the response is due: `received_at` plus the row's deadline.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, required))]
    pub deadline: Option<Timestamp>,
    /// For `action: preserve`: until when the data is kept.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, required))]
    pub preserve_until: Option<Timestamp>,
    pub notification: Notification,
}

impl Decision {
    /// The categories that may be disclosed (or preserved), in the order requested.
    pub fn allowed_categories(&self) -> impl Iterator<Item = Category> + '_ {
        self.categories
            .iter()
            .filter(|c| c.decision == Outcome::Allow)
            .map(|c| c.category)
    }

    /// The targets that may be searched, in the order given.
    pub fn allowed_targets(&self) -> impl Iterator<Item = &TargetDecision> + '_ {
        self.targets.iter().filter(|t| t.decision == Outcome::Allow)
    }

    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// Why each refused category was refused: what the authority is told, with the
    /// rule and citation (a red line cites the provider's own policy).
    pub fn category_refusals(&self) -> impl Iterator<Item = &Finding> + '_ {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Refuse && f.category.is_some())
    }

    /// Findings that hold the demand until a person acts (`gate`), such as the
    /// emergency call-back.
    pub fn gates(&self) -> impl Iterator<Item = &Finding> + '_ {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Gate)
    }
}

/// `reject` if anything blocks or nothing is allowed; `partial` if something asked
/// is refused; else `accept`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Everything asked may be processed.
    Accept,
    /// Some requested category or target is refused; the rest may be processed.
    Partial,
    /// Nothing may be processed.
    Reject,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Process,
    /// Send the authority to the enterprise customer that owns the account.
    RedirectEnterprise,
    /// Tell the authority to use mutual legal assistance.
    Mlat,
    /// Out of writ's scope: counsel handles it by hand.
    Manual,
    /// An assistance order asking for keys, access or capability: counsel decides
    /// whether and how to challenge it, outside the approval path.
    Counsel,
    /// Rejected: nothing to route.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allow,
    Refuse,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryDecision {
    pub category: Category,
    pub decision: Outcome,
    /// The codes of the findings about this category, in evaluation order.
    pub codes: Vec<Code>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetDecision {
    #[serde(rename = "type")]
    pub kind: TargetKind,
    /// The value exactly as the demand gave it.
    pub value: String,
    pub decision: Outcome,
    /// The codes of the findings about this target, in evaluation order.
    pub codes: Vec<Code>,
}

/// One thing the engine found (`docs/policy.md` §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// What a reviewer needs to know, in a sentence or two.
    pub message: String,
    /// The rule id of the row the finding comes from; `null` only for an unknown instrument.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub rule: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required))]
    pub citation: Option<String>,
    /// The category the finding is about, if it is about one.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub category: Option<Category>,
    /// The target the finding is about (its value as given), if it is about one.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub target: Option<String>,
}

/// How much a finding weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The demand is rejected.
    Block,
    /// The category or target it names is refused.
    Refuse,
    /// Nothing may be disclosed until a person records a check.
    Gate,
    /// Counsel should consider acting (a challenge).
    Warn,
    /// For the record and for handling.
    Info,
}

/// Every finding the engine can make, in the order of `docs/policy.md` §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    UnknownInstrument,
    NoLegalProcess,
    RealtimeOutOfScope,
    JurisdictionMismatch,
    NotYetApplicable,
    InstrumentNotYetValid,
    InstrumentExpired,
    IssuerNotCompetent,
    AgreementAttestationMissing,
    EmergencyNoFactualBasis,
    NotSpecific,
    IpWithoutTimestamp,
    NoSpecificTarget,
    BulkRequest,
    KeysOrAccessRefused,
    AssistanceOrderChallenge,
    InstrumentInsufficient,
    ContentRequiresMlat,
    OffenceThresholdNotMet,
    PeriodRequired,
    EnforcingAuthorityNotification,
    ConflictingObligation,
    EmergencyVerificationRequired,
    #[serde(rename = "VALIDATION_REQUIRED_48H")]
    ValidationRequired48h,
    NdoOverlong,
    NationalSecurity,
    VoluntaryDisclosure,
    PreservePendingMlat,
    EnterpriseRedirect,
    /// The same authority used the demand's reference for another case in the last 30
    /// days. Never made by `evaluate` (it sees one demand): intake adds it.
    DuplicateReference,
}

impl Code {
    pub const ALL: [Code; 30] = [
        Self::UnknownInstrument,
        Self::NoLegalProcess,
        Self::RealtimeOutOfScope,
        Self::JurisdictionMismatch,
        Self::NotYetApplicable,
        Self::InstrumentNotYetValid,
        Self::InstrumentExpired,
        Self::IssuerNotCompetent,
        Self::AgreementAttestationMissing,
        Self::EmergencyNoFactualBasis,
        Self::NotSpecific,
        Self::IpWithoutTimestamp,
        Self::NoSpecificTarget,
        Self::BulkRequest,
        Self::KeysOrAccessRefused,
        Self::AssistanceOrderChallenge,
        Self::InstrumentInsufficient,
        Self::ContentRequiresMlat,
        Self::OffenceThresholdNotMet,
        Self::PeriodRequired,
        Self::EnforcingAuthorityNotification,
        Self::ConflictingObligation,
        Self::EmergencyVerificationRequired,
        Self::ValidationRequired48h,
        Self::NdoOverlong,
        Self::NationalSecurity,
        Self::VoluntaryDisclosure,
        Self::PreservePendingMlat,
        Self::EnterpriseRedirect,
        Self::DuplicateReference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownInstrument => "UNKNOWN_INSTRUMENT",
            Self::NoLegalProcess => "NO_LEGAL_PROCESS",
            Self::RealtimeOutOfScope => "REALTIME_OUT_OF_SCOPE",
            Self::JurisdictionMismatch => "JURISDICTION_MISMATCH",
            Self::NotYetApplicable => "NOT_YET_APPLICABLE",
            Self::InstrumentNotYetValid => "INSTRUMENT_NOT_YET_VALID",
            Self::InstrumentExpired => "INSTRUMENT_EXPIRED",
            Self::IssuerNotCompetent => "ISSUER_NOT_COMPETENT",
            Self::AgreementAttestationMissing => "AGREEMENT_ATTESTATION_MISSING",
            Self::EmergencyNoFactualBasis => "EMERGENCY_NO_FACTUAL_BASIS",
            Self::NotSpecific => "NOT_SPECIFIC",
            Self::IpWithoutTimestamp => "IP_WITHOUT_TIMESTAMP",
            Self::NoSpecificTarget => "NO_SPECIFIC_TARGET",
            Self::BulkRequest => "BULK_REQUEST",
            Self::KeysOrAccessRefused => "KEYS_OR_ACCESS_REFUSED",
            Self::AssistanceOrderChallenge => "ASSISTANCE_ORDER_CHALLENGE",
            Self::InstrumentInsufficient => "INSTRUMENT_INSUFFICIENT",
            Self::ContentRequiresMlat => "CONTENT_REQUIRES_MLAT",
            Self::OffenceThresholdNotMet => "OFFENCE_THRESHOLD_NOT_MET",
            Self::PeriodRequired => "PERIOD_REQUIRED",
            Self::EnforcingAuthorityNotification => "ENFORCING_AUTHORITY_NOTIFICATION",
            Self::ConflictingObligation => "CONFLICTING_OBLIGATION",
            Self::EmergencyVerificationRequired => "EMERGENCY_VERIFICATION_REQUIRED",
            Self::ValidationRequired48h => "VALIDATION_REQUIRED_48H",
            Self::NdoOverlong => "NDO_OVERLONG",
            Self::NationalSecurity => "NATIONAL_SECURITY",
            Self::VoluntaryDisclosure => "VOLUNTARY_DISCLOSURE",
            Self::PreservePendingMlat => "PRESERVE_PENDING_MLAT",
            Self::EnterpriseRedirect => "ENTERPRISE_REDIRECT",
            Self::DuplicateReference => "DUPLICATE_REFERENCE",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What writ will do to tell the affected person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub recipient: Recipient,
    pub when: NotifyWhen,
    /// The earliest time a notice may go out (`after` only).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, required))]
    pub not_before: Option<Timestamp>,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    User,
    /// The enterprise customer's administrator.
    TenantAdmin,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotifyWhen {
    /// Tell the person before anything is disclosed, so they can object.
    BeforeDisclosure,
    /// Tell the person afterwards, no sooner than `not_before`.
    After,
    Never,
}
