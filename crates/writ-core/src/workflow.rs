//! The rules people follow on a case: four eyes on every disclosure, gates that must be
//! cleared first, and what each side may do when. Pure: the server asks, then acts.

use serde::{Deserialize, Serialize};

use crate::case::CallbackOutcome;
use crate::people::UserId;
use crate::policy::{Code, Decision, Route, Verdict};
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
    #[error(
        "an assistance order asking for keys, access or capability is for counsel: it is \
         never approved"
    )]
    ForCounsel,
    #[error("only an assistance order routed to counsel takes counsel's decision")]
    NotForCounsel,
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
    if decision.route == Route::Counsel {
        return Err(Refusal::ForCounsel);
    }
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

/// What the provider does about an assistance order that asks for keys, access or
/// capability (`docs/policy.md` §5): challenge it, or refuse it outright.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounselAction {
    /// Seek review or set it aside (IPA s. 257, Part 15 consultation, a motion to vacate).
    Challenge,
    /// Decline to comply: the case ends rejected.
    Refuse,
}

/// Counsel's decision as kept with the case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CounselDecision {
    pub decision: CounselAction,
    pub reason: String,
    /// When the challenge must be filed, if counsel sets a date.
    pub deadline: Option<Timestamp>,
    pub by: UserId,
    pub by_name: String,
    pub at: Timestamp,
}

/// May counsel decide on this case? Only on one the engine routed to counsel.
pub fn check_counsel(decision: &Decision) -> Result<(), Refusal> {
    if decision.route == Route::Counsel {
        Ok(())
    } else {
        Err(Refusal::NotForCounsel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Demand;
    use crate::policy::{Rules, evaluate};
    use crate::review::RecommendationKind;

    fn decided(edit: impl FnOnce(&mut serde_json::Value)) -> (Demand, Decision) {
        let mut doc: serde_json::Value =
            serde_json::from_str(include_str!("../tests/demands/policy-example.json")).unwrap();
        edit(&mut doc);
        let demand = Demand::from_json(&doc.to_string()).unwrap();
        let now = Timestamp::parse("2026-03-02T10:00:00Z").unwrap();
        let decision = evaluate(&demand, &Rules::embedded().unwrap(), None, now);
        (demand, decision)
    }

    fn decision(edit: impl FnOnce(&mut serde_json::Value)) -> Decision {
        decided(edit).1
    }

    fn tcn() -> Decision {
        decision(|d| {
            d["instrument"]["type"] = serde_json::json!("uk.technical_capability_notice");
            d["authority"]["country"] = serde_json::json!("GB");
            d["categories"] = serde_json::json!(["technical_capability"]);
        })
    }

    #[test]
    fn a_case_for_counsel_is_never_approved_and_takes_counsel_decisions() {
        let reviewer = UserId::random();
        let recommendation = RecordedRecommendation {
            by: reviewer,
            by_name: "rita".into(),
            recommendation: RecommendationKind::Approve,
            reason: "looks fine".into(),
            scope: {
                let (demand, decision) = decided(|_| {});
                Scope::allowed_by(&demand, &decision)
            },
            at: Timestamp::parse("2026-03-02T10:00:00Z").unwrap(),
        };
        let tcn = tcn();
        assert_eq!(
            check_approval(UserId::random(), Some(&recommendation), &tcn, &[]),
            Err(Refusal::ForCounsel)
        );
        assert_eq!(check_counsel(&tcn), Ok(()));
        // A warrant that also asks for keys proceeds for the rest: not counsel's.
        let warrant =
            decision(|d| d["categories"] = serde_json::json!(["subscriber", "encryption_keys"]));
        assert_eq!(check_counsel(&warrant), Err(Refusal::NotForCounsel));
    }
}
