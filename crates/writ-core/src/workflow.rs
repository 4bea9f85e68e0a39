//! The rules people follow on a case: four eyes on every disclosure, gates that must be
//! cleared first, and what each side may do when. Pure: the server asks, then acts.

use serde::{Deserialize, Serialize};

use crate::case::CallbackOutcome;
use crate::people::UserId;
use crate::policy::{Code, Decision, Verdict};
use crate::review::{RecommendationKind, Scope, pending_gates};
use crate::time::Timestamp;

/// A reviewer's recommendation as kept with the case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedRecommendation {
    pub by: UserId,
    pub by_name: String,
    pub recommendation: RecommendationKind,
    pub reason: String,
    /// The scope recommended for disclosure (within what the engine allowed).
    pub scope: Scope,
    pub at: Timestamp,
}

/// Why a step is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a reviewer must recommend before anyone decides")]
    NotReviewed,
    #[error("you recommended this; a different approver must decide (four eyes)")]
    OwnRecommendation,
    #[error("the reviewer recommended rejection: reject it, or have it reviewed again")]
    RecommendedRejection,
    #[error("the policy engine rejected this demand: nothing can be approved")]
    NothingAllowed,
    #[error("{requirement}")]
    GateOpen { code: Code, requirement: String },
}

impl Refusal {
    /// Whether the refusal is about who is asking (rather than the case's state).
    pub fn is_about_the_person(&self) -> bool {
        matches!(self, Self::OwnRecommendation)
    }
}

/// May `approver` approve, given the recommendation, the engine's decision and the
/// call-backs recorded so far?
pub fn check_approval(
    approver: UserId,
    recommendation: Option<&RecordedRecommendation>,
    decision: &Decision,
    callbacks: &[CallbackOutcome],
) -> Result<(), Refusal> {
    let recommendation = recommendation.ok_or(Refusal::NotReviewed)?;
    if recommendation.by == approver {
        return Err(Refusal::OwnRecommendation);
    }
    if decision.verdict == Verdict::Reject || recommendation.scope.is_empty() {
        return Err(Refusal::NothingAllowed);
    }
    if recommendation.recommendation == RecommendationKind::Reject {
        return Err(Refusal::RecommendedRejection);
    }
    for code in pending_gates(decision) {
        let cleared = code == Code::EmergencyVerificationRequired
            && callbacks.contains(&CallbackOutcome::Confirmed);
        if !cleared {
            return Err(Refusal::GateOpen {
                code,
                requirement: format!(
                    "cannot approve until {}",
                    crate::review::gate_requirement(code)
                ),
            });
        }
    }
    Ok(())
}

/// May `approver` reject? Anyone with the role, except the case's own reviewer.
pub fn check_rejection(
    approver: UserId,
    recommendation: Option<&RecordedRecommendation>,
) -> Result<(), Refusal> {
    match recommendation {
        Some(r) if r.by == approver => Err(Refusal::OwnRecommendation),
        _ => Ok(()),
    }
}
