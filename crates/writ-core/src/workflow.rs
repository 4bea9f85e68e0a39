//! The rules people follow on a case: four eyes on every disclosure, gates that must be
//! cleared first, and what each side may do when. Pure: the server asks, then acts.

use serde::{Deserialize, Serialize};

use crate::case::{CallbackOutcome, CaseState};
use crate::demand::Category;
use crate::people::{Role, UserId};
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
    #[error(
        "the case's reviewer may not also release its production; another member of staff must"
    )]
    ReviewerReleases,
    #[error(
        "traffic and content data may not be released before {until}: the enforcing \
         authority has ten days from receipt to raise grounds for refusal, unless it \
         confirms earlier that it raises none (Reg. (EU) 2023/1543 Art. 10(2))"
    )]
    EnforcingAuthorityWindow { until: Timestamp },
    #[error(
        "the enforcing authority raised grounds for refusal: the traffic and content data \
         they cover may not be released (Reg. (EU) 2023/1543 Art. 12)"
    )]
    EnforcingAuthorityGrounds,
    #[error(
        "the policy engine found no enforcing-authority notification on this case (a \
         non-emergency EU order for traffic or content data)"
    )]
    NoEnforcingAuthority,
}

impl Refusal {
    /// Whether the refusal is about who is asking (rather than the case's state).
    pub fn is_about_the_person(&self) -> bool {
        matches!(self, Self::OwnRecommendation | Self::ReviewerReleases)
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

/// May `releaser` release the case's sealed production? A second pair of eyes: not the
/// case's reviewer, nor anyone who recommended on it before (`recommended_before`: the
/// releaser is among the case's `case.recommended` actors).
pub fn check_release(
    releaser: UserId,
    recommendation: Option<&RecordedRecommendation>,
    recommended_before: bool,
) -> Result<(), Refusal> {
    if recommended_before || recommendation.is_some_and(|r| r.by == releaser) {
        return Err(Refusal::ReviewerReleases);
    }
    Ok(())
}

/// How long the enforcing authority has to raise grounds for refusal, from receipt
/// (Reg. (EU) 2023/1543 Art. 10(2)).
pub const ENFORCING_AUTHORITY_DAYS: i64 = 10;

/// The categories the enforcing authority's notification suspends (Art. 8(1)): traffic
/// data other than for identifying the user, and content.
pub const SUSPENDED_BY_NOTIFICATION: [Category; 2] = [Category::Traffic, Category::Content];

/// The enforcing authority's answer to an EU order's notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnforcingAuthorityOutcome {
    /// It raises no grounds for refusal: disclosure need not wait out the ten days.
    NoGrounds,
    /// It raised grounds for refusal (Art. 12): what they cover is not disclosed.
    GroundsRaised,
}

impl EnforcingAuthorityOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoGrounds => "no_grounds",
            Self::GroundsRaised => "grounds_raised",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::NoGrounds, Self::GroundsRaised]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// When the enforcing authority's ten days end, if its notification suspends the
/// case's disclosure: the engine found `ENFORCING_AUTHORITY_NOTIFICATION`, and the
/// order is not an emergency (in an emergency the notification does not suspend).
pub fn enforcing_authority_window(
    decision: &Decision,
    emergency: bool,
    received_at: Timestamp,
) -> Option<Timestamp> {
    if emergency || !decision.has(Code::EnforcingAuthorityNotification) {
        return None;
    }
    received_at.checked_add(time::Duration::days(ENFORCING_AUTHORITY_DAYS))
}

/// May a production of `categories` be released `now`, given the enforcing
/// authority's window (`None`: no notification suspends the case) and its answer?
/// Other categories are never held back.
pub fn check_enforcing_authority(
    window_ends: Option<Timestamp>,
    answer: Option<EnforcingAuthorityOutcome>,
    categories: &[Category],
    now: Timestamp,
) -> Result<(), Refusal> {
    let Some(until) = window_ends else {
        return Ok(());
    };
    if !categories
        .iter()
        .any(|c| SUSPENDED_BY_NOTIFICATION.contains(c))
    {
        return Ok(());
    }
    match answer {
        Some(EnforcingAuthorityOutcome::GroundsRaised) => Err(Refusal::EnforcingAuthorityGrounds),
        Some(EnforcingAuthorityOutcome::NoGrounds) => Ok(()),
        None if now < until => Err(Refusal::EnforcingAuthorityWindow { until }),
        None => Ok(()),
    }
}

/// Why a provider cannot execute an EU order: the reasons of Form 3 (Reg. (EU)
/// 2023/1543 Annex III).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Form3Reason {
    /// The certificate is incomplete.
    Incomplete,
    /// It contains manifest errors.
    ManifestErrors,
    /// It does not contain sufficient information to execute it.
    DeFactoImpossibility,
    /// The data are not stored (or no longer).
    DataNotStored,
    /// Compliance would conflict with the applicable law of a third country (Art. 17).
    ConflictingObligations,
    /// Immunities or privileges, or rules on the freedom of press (Art. 10(5)).
    ImmunitiesPrivileges,
}

impl Form3Reason {
    pub const ALL: [Self; 6] = [
        Self::Incomplete,
        Self::ManifestErrors,
        Self::DeFactoImpossibility,
        Self::DataNotStored,
        Self::ConflictingObligations,
        Self::ImmunitiesPrivileges,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incomplete => "incomplete",
            Self::ManifestErrors => "manifest_errors",
            Self::DeFactoImpossibility => "de_facto_impossibility",
            Self::DataNotStored => "data_not_stored",
            Self::ConflictingObligations => "conflicting_obligations",
            Self::ImmunitiesPrivileges => "immunities_privileges",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The reason as Form 3 words it, with its article.
    pub fn text(self) -> &'static str {
        match self {
            Self::Incomplete => "the certificate is incomplete (Art. 10(3))",
            Self::ManifestErrors => "the certificate contains manifest errors (Art. 10(3))",
            Self::DeFactoImpossibility => {
                "the order cannot be executed because of de facto impossibility (Art. 10(4))"
            }
            Self::DataNotStored => "the data requested are not stored (Art. 10(4))",
            Self::ConflictingObligations => {
                "compliance would conflict with the applicable law of a third country (Art. 17)"
            }
            Self::ImmunitiesPrivileges => {
                "the data are protected by immunities or privileges, or by rules on the freedom \
                 of press (Art. 10(5))"
            }
        }
    }
}

/// What a case is, as far as the steps on it go.
#[derive(Clone, Copy, Debug)]
pub struct CaseFacts<'a> {
    pub state: CaseState,
    pub emergency: bool,
    pub decision: Option<&'a Decision>,
    pub recommendation: Option<&'a RecordedRecommendation>,
}

/// The steps a person may take on a case now: what the console offers, by the same
/// rules the desks enforce (a desk may still refuse a step for what only it reads, such
/// as an open gate or an earlier recommender).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Steps {
    /// Recommend, or ask for clarification.
    pub review: bool,
    /// Approve or reject a recommendation (not one's own).
    pub decide: bool,
    /// Record counsel's challenge or refusal of an assistance order.
    pub counsel: bool,
    /// Clear a gate a person clears, with a reason.
    pub clear_gates: bool,
    /// Record an emergency call-back.
    pub callback: bool,
    /// Release a sealed production (never by the case's reviewer).
    pub release: bool,
}

/// The steps `role` (the user `me`) may take on `case`.
pub fn allowed_steps(role: Role, me: UserId, case: CaseFacts<'_>) -> Steps {
    let reviewer = matches!(role, Role::Reviewer | Role::Approver);
    let approver = role == Role::Approver;
    let in_review = matches!(case.state, CaseState::Received | CaseState::InReview);
    let open = in_review || case.state == CaseState::AwaitingClarification;
    // An assistance order for keys, access or capability is counsel's: it is never
    // recommended or approved, only challenged or refused.
    let for_counsel = case.decision.is_some_and(|d| d.route == Route::Counsel);
    let gated = case.decision.is_some_and(|d| !pending_gates(d).is_empty());
    Steps {
        review: reviewer && in_review && !for_counsel,
        decide: approver
            && case.state == CaseState::InReview
            && case.recommendation.is_some()
            && check_rejection(me, case.recommendation).is_ok()
            && !for_counsel,
        counsel: approver && in_review && check_counsel_route(case.decision),
        clear_gates: approver && in_review,
        callback: reviewer && (case.emergency || gated) && open,
        release: reviewer && check_release(me, case.recommendation, false).is_ok(),
    }
}

fn check_counsel_route(decision: Option<&Decision>) -> bool {
    decision.is_some_and(|d| check_counsel(d).is_ok())
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

/// An approver's approval (or redirection to the enterprise customer) as kept with the
/// case: who decided, when and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedApproval {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub by: UserId,
    pub by_name: String,
    pub reason: String,
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

    fn recommended_by(by: UserId) -> RecordedRecommendation {
        let (demand, decision) = decided(|_| {});
        RecordedRecommendation {
            by,
            by_name: "rita".into(),
            recommendation: RecommendationKind::Approve,
            reason: "within the warrant".into(),
            scope: Scope::allowed_by(&demand, &decision),
            at: Timestamp::parse("2026-03-02T10:00:00Z").unwrap(),
        }
    }

    #[test]
    fn no_one_who_recommended_releases() {
        let (rita, alex) = (UserId::random(), UserId::random());
        let recommendation = recommended_by(rita);
        assert_eq!(
            check_release(rita, Some(&recommendation), false),
            Err(Refusal::ReviewerReleases)
        );
        assert_eq!(
            check_release(alex, Some(&recommendation), true),
            Err(Refusal::ReviewerReleases),
            "a reviewer the latest one superseded"
        );
        assert_eq!(check_release(alex, Some(&recommendation), false), Ok(()));
        assert!(Refusal::ReviewerReleases.is_about_the_person());
    }

    #[test]
    fn the_steps_offered_follow_the_rules_the_desks_enforce() {
        let (rita, alex) = (UserId::random(), UserId::random());
        let decision = decision(|_| {});
        let recommendation = recommended_by(rita);
        let facts = |state, recommendation| CaseFacts {
            state,
            emergency: false,
            decision: Some(&decision),
            recommendation,
        };
        let reviewed = facts(CaseState::InReview, Some(&recommendation));
        let steps = allowed_steps(Role::Approver, alex, reviewed);
        assert!(steps.decide && steps.review && steps.release && !steps.counsel);
        // Four eyes: the reviewer, approver or not, neither decides nor releases.
        let own = allowed_steps(Role::Approver, rita, reviewed);
        assert!(!own.decide && !own.release && own.review);
        assert_eq!(
            check_approval(rita, Some(&recommendation), &decision, &[], &[]).is_ok(),
            own.decide
        );
        let reviewer = allowed_steps(Role::Reviewer, alex, reviewed);
        assert!(!reviewer.decide && !reviewer.clear_gates && reviewer.review);
        assert_eq!(
            allowed_steps(Role::Auditor, alex, reviewed),
            Steps::default()
        );
        // Nothing to decide before a recommendation, nothing to review once approved.
        assert!(!allowed_steps(Role::Approver, alex, facts(CaseState::InReview, None)).decide);
        let approved = allowed_steps(Role::Approver, alex, facts(CaseState::Approved, None));
        assert!(!approved.review && !approved.decide && !approved.callback);
        // Counsel's case: challenged or refused, never reviewed or approved.
        let tcn = tcn();
        let counsel = allowed_steps(
            Role::Approver,
            alex,
            CaseFacts {
                decision: Some(&tcn),
                ..facts(CaseState::InReview, Some(&recommendation))
            },
        );
        assert!(counsel.counsel && !counsel.review && !counsel.decide);
        // A call-back is for an emergency (or a gated case) still open.
        let emergency = CaseFacts {
            emergency: true,
            ..facts(CaseState::AwaitingClarification, None)
        };
        assert!(allowed_steps(Role::Reviewer, alex, emergency).callback);
        assert!(!allowed_steps(Role::Reviewer, alex, facts(CaseState::InReview, None)).callback);
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

    mod enforcing_authority {
        use proptest::prelude::*;

        use super::*;

        /// An EPOC for traffic data from a German judge about someone living in France:
        /// the engine finds the enforcing authority's notification.
        fn notified(emergency: bool) -> Decision {
            decision(|d| {
                d["received_at"] = serde_json::json!("2026-09-02T09:00:00Z");
                d["authority"]["country"] = serde_json::json!("DE");
                d["instrument"]["type"] = serde_json::json!("eu.epoc");
                d["instrument"]["issued_at"] = serde_json::json!("2026-09-01T16:00:00Z");
                d["instrument"]["expires_at"] = serde_json::json!("2026-09-30T00:00:00Z");
                d["instrument"]["target_resides_in_issuing_state"] = serde_json::json!(false);
                d["categories"] = serde_json::json!(["subscriber", "traffic"]);
                if emergency {
                    d["emergency"] = serde_json::json!({"justification": "A life is at risk."});
                }
            })
        }

        #[test]
        fn form3_reasons_read_back_as_written_and_name_their_article() {
            for reason in Form3Reason::ALL {
                assert_eq!(Form3Reason::parse(reason.as_str()), Some(reason));
                assert_eq!(
                    serde_json::to_value(reason).unwrap(),
                    serde_json::json!(reason.as_str())
                );
                assert!(reason.text().contains("(Art. "), "{reason:?}");
            }
            assert_eq!(Form3Reason::parse("bored"), None);
        }

        #[test]
        fn only_a_non_emergency_order_with_the_notification_waits() {
            let received = Timestamp::parse("2026-09-02T09:00:00Z").unwrap();
            let decision = notified(false);
            assert!(decision.has(Code::EnforcingAuthorityNotification));
            assert_eq!(
                enforcing_authority_window(&decision, false, received),
                Some(Timestamp::parse("2026-09-12T09:00:00Z").unwrap())
            );
            assert_eq!(enforcing_authority_window(&decision, true, received), None);
            assert_eq!(
                enforcing_authority_window(&super::decision(|_| {}), false, received),
                None
            );
        }

        fn category() -> impl Strategy<Value = Category> {
            proptest::sample::select(vec![
                Category::Subscriber,
                Category::IpIdentification,
                Category::Traffic,
                Category::Content,
            ])
        }

        fn answer() -> impl Strategy<Value = Option<EnforcingAuthorityOutcome>> {
            proptest::option::of(proptest::sample::select(vec![
                EnforcingAuthorityOutcome::NoGrounds,
                EnforcingAuthorityOutcome::GroundsRaised,
            ]))
        }

        proptest! {
            /// Traffic and content wait out the ten days unless the enforcing authority
            /// says it has no grounds, and never go once it raised them; other
            /// categories, and a case without the notification, never wait.
            #[test]
            fn traffic_and_content_wait_for_the_enforcing_authority(
                categories in proptest::collection::vec(category(), 0..4),
                answer in answer(),
                hours in 0i64..480,
                notified in any::<bool>(),
            ) {
                let until = Timestamp::parse("2026-09-12T09:00:00Z").unwrap();
                let now = Timestamp::parse("2026-09-02T09:00:00Z")
                    .unwrap()
                    .checked_add(time::Duration::hours(hours))
                    .unwrap();
                let window = notified.then_some(until);
                let suspended = categories.iter().any(|c| SUSPENDED_BY_NOTIFICATION.contains(c));
                let allowed = match answer {
                    _ if !notified || !suspended => true,
                    Some(EnforcingAuthorityOutcome::GroundsRaised) => false,
                    Some(EnforcingAuthorityOutcome::NoGrounds) => true,
                    None => now >= until,
                };
                let checked = check_enforcing_authority(window, answer, &categories, now);
                prop_assert_eq!(checked.is_ok(), allowed, "{:?}", checked);
                if let Err(refusal) = checked {
                    prop_assert!(refusal.to_string().contains("Reg. (EU) 2023/1543"));
                }
            }
        }
    }
}
