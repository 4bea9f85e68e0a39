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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedRecommendation {
    /// The reviewer's user id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub by: UserId,
    /// The reviewer's username.
    pub by_name: String,
    pub recommendation: RecommendationKind,
    pub reason: String,
    /// The scope recommended for disclosure (within what the engine allowed).
    pub scope: Scope,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
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
    #[error("the policy engine set no {0} gate on this case")]
    NoSuchGate(Code),
    #[error("the emergency call-back is cleared by recording a confirmed call, not by a reason")]
    ClearedByCallback,
    #[error("{requirement}")]
    GateOpen { code: Code, requirement: String },
}

impl Refusal {
    /// Whether the refusal is about who is asking (rather than the case's state).
    pub fn is_about_the_person(&self) -> bool {
        matches!(self, Self::OwnRecommendation)
    }
}

/// May `approver` approve, given the recommendation, the engine's decision, the
/// call-backs recorded so far and the gates people cleared?
pub fn check_approval(
    approver: UserId,
    recommendation: Option<&RecordedRecommendation>,
    decision: &Decision,
    callbacks: &[CallbackOutcome],
    cleared: &[Code],
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
    check_gates(decision, callbacks, cleared, "approve")
}

/// Every gate of the decision is cleared: the emergency call-back by a confirmed call,
/// the others by a person's recorded clearance. Nothing is approved, and nothing is
/// released, while one is open.
pub fn check_gates(
    decision: &Decision,
    callbacks: &[CallbackOutcome],
    cleared: &[Code],
    step: &str,
) -> Result<(), Refusal> {
    for code in pending_gates(decision) {
        let done = if code == Code::EmergencyVerificationRequired {
            callbacks.contains(&CallbackOutcome::Confirmed)
        } else {
            cleared.contains(&code)
        };
        if !done {
            return Err(Refusal::GateOpen {
                code,
                requirement: format!(
                    "cannot {step} until {}",
                    crate::review::gate_requirement(code)
                ),
            });
        }
    }
    Ok(())
}

/// May a person clear `code` on this decision? Only a gate the decision has, and not
/// the call-back, which only a confirmed call clears.
pub fn check_gate_clearance(decision: &Decision, code: Code) -> Result<(), Refusal> {
    if !pending_gates(decision).contains(&code) {
        return Err(Refusal::NoSuchGate(code));
    }
    if code == Code::EmergencyVerificationRequired {
        return Err(Refusal::ClearedByCallback);
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CounselAction {
    /// Seek review or set it aside (IPA s. 257, Part 15 consultation, a motion to vacate).
    Challenge,
    /// Decline to comply: the case ends rejected.
    Refuse,
}

/// Counsel's decision as kept with the case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounselDecision {
    pub decision: CounselAction,
    pub reason: String,
    /// When the challenge must be filed, if counsel sets a date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, required))]
    pub deadline: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub by: UserId,
    pub by_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
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
            check_approval(UserId::random(), Some(&recommendation), &tcn, &[], &[]),
            Err(Refusal::ForCounsel)
        );
        assert_eq!(check_counsel(&tcn), Ok(()));
        // A warrant that also asks for keys proceeds for the rest: not counsel's.
        let warrant =
            decision(|d| d["categories"] = serde_json::json!(["subscriber", "encryption_keys"]));
        assert_eq!(check_counsel(&warrant), Err(Refusal::NotForCounsel));
    }

    mod gates {
        use proptest::prelude::*;

        use super::*;

        /// Demands whose decisions carry every kind of gate, alone and together.
        fn gated() -> impl Strategy<Value = Decision> {
            (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(eu, emergency, police)| {
                decision(|d| {
                    if eu {
                        d["received_at"] = serde_json::json!("2026-09-02T09:00:00Z");
                        d["authority"]["country"] = serde_json::json!("DE");
                        d["instrument"]["type"] = serde_json::json!("eu.epoc");
                        d["instrument"]["issued_at"] = serde_json::json!("2026-09-01T16:00:00Z");
                        d["instrument"]["expires_at"] = serde_json::json!("2026-09-15T00:00:00Z");
                        if police {
                            d["instrument"]["issuer"]["role"] = serde_json::json!("police");
                        }
                    }
                    if emergency {
                        d["emergency"] = serde_json::json!({"justification": "A life is at risk."});
                    }
                })
            })
        }

        fn gate_codes() -> impl Strategy<Value = Vec<Code>> {
            proptest::sample::subsequence(
                vec![
                    Code::ConflictingObligation,
                    Code::ValidationRequired48h,
                    Code::EmergencyVerificationRequired,
                ],
                0..=3,
            )
        }

        fn callbacks() -> impl Strategy<Value = Vec<CallbackOutcome>> {
            proptest::collection::vec(
                proptest::sample::select(vec![
                    CallbackOutcome::Confirmed,
                    CallbackOutcome::NotConfirmed,
                    CallbackOutcome::NoAnswer,
                ]),
                0..3,
            )
        }

        proptest! {
            /// No gate ever lets anything be approved or released before it is cleared:
            /// the call-back by a confirmed call, the others by a recorded clearance.
            #[test]
            fn no_gate_lets_data_out_before_it_is_cleared(
                decision in gated(),
                cleared in gate_codes(),
                calls in callbacks(),
            ) {
                let passed = check_gates(&decision, &calls, &cleared, "release").is_ok();
                let all_cleared = pending_gates(&decision).iter().all(|code| match code {
                    Code::EmergencyVerificationRequired => calls.contains(&CallbackOutcome::Confirmed),
                    other => cleared.contains(other),
                });
                prop_assert_eq!(passed, all_cleared);
                // A reason never clears the call-back.
                prop_assert!(check_gate_clearance(&decision, Code::EmergencyVerificationRequired).is_err());
            }
        }
    }
}
