//! The e-Evidence workflow at the desks (Regulation (EU) 2023/1543): where the engine
//! found the enforcing authority's notification on a non-emergency order, traffic and
//! content data are not released before ten days from receipt, unless the enforcing
//! authority confirms earlier that it raises no grounds for refusal; grounds raised stop
//! their release. An approver records the answer; a release checks it. A reviewer who
//! cannot execute an EU order records Form 3 (Annex III), which an authority with an
//! HI-1 endpoint is sent.

use writ_core::workflow::Form3Reason;
use writ_core::workflow::{
    EnforcingAuthorityOutcome, check_enforcing_authority, enforcing_authority_window,
};
use writ_core::{CaseId, Timestamp};
use writ_store::{CaseRecord, CaseUpdate, EnforcingAuthorityAnswer, Form3Reply};

use super::desks::refused;
use super::{ApprovalDesk, CaseDesk, ReviewDesk};
use crate::AppError;

/// The enforcing authority's ten days on a case, and its answer once recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnforcingAuthority {
    /// When the ten days from receipt end.
    pub window_ends_at: Timestamp,
    pub answer: Option<EnforcingAuthorityAnswer>,
    /// Whether traffic and content data are held back now (the ten days run with no
    /// answer, or grounds were raised).
    pub withholding: bool,
}

impl EnforcingAuthority {
    fn of(
        case: &CaseRecord,
        answer: Option<EnforcingAuthorityAnswer>,
        now: Timestamp,
    ) -> Option<Self> {
        let decision = case.decision.as_ref()?;
        let window_ends_at =
            enforcing_authority_window(decision, case.emergency, case.received_at)?;
        let outcome = answer.as_ref().map(|a| a.outcome);
        let withholding = check_enforcing_authority(
            Some(window_ends_at),
            outcome,
            &writ_core::workflow::SUSPENDED_BY_NOTIFICATION,
            now,
        )
        .is_err();
        Some(Self {
            window_ends_at,
            answer,
            withholding,
        })
    }
}

impl CaseDesk<'_> {
    /// The enforcing authority's window on the case, if its notification suspends it.
    pub(super) async fn enforcing_authority(
        &self,
        case: &CaseRecord,
    ) -> Result<Option<EnforcingAuthority>, AppError> {
        if case.decision.as_ref().is_none_or(|d| {
            enforcing_authority_window(d, case.emergency, case.received_at).is_none()
        }) {
            return Ok(None);
        }
        let answer = self.store().enforcing_authority_answer(case.id).await?;
        Ok(EnforcingAuthority::of(case, answer, self.now()))
    }

    /// Whether the enforcing authority lets the case's approved scope be released now.
    pub(super) async fn check_enforcing_authority(
        &self,
        case: &CaseRecord,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let Some(state) = self.enforcing_authority(case).await? else {
            return Ok(());
        };
        let categories = case
            .scope
            .as_ref()
            .map(|s| s.categories().to_vec())
            .unwrap_or_default();
        check_enforcing_authority(
            Some(state.window_ends_at),
            state.answer.map(|a| a.outcome),
            &categories,
            now,
        )
        .map_err(refused)
    }
}

impl ApprovalDesk<'_> {
    /// Records the enforcing authority's answer on a case whose notification suspends
    /// it: no grounds (disclosure need not wait out the ten days) or grounds raised
    /// (traffic and content data are not released). One answer per case, audited as
    /// `case.enforcing_authority_answered`.
    pub async fn record_enforcing_authority(
        &self,
        id: CaseId,
        outcome: EnforcingAuthorityOutcome,
        reason: &str,
    ) -> Result<EnforcingAuthority, AppError> {
        let case = self.store().case(id).await?;
        if self.enforcing_authority(&case).await?.is_none() {
            return Err(refused(writ_core::workflow::Refusal::NoEnforcingAuthority));
        }
        if !case.state.is_open() {
            return Err(AppError::Conflict(format!(
                "the case is {}: there is nothing left to release",
                case.state
            )));
        }
        if self.store().enforcing_authority_answer(id).await?.is_some() {
            return Err(AppError::Conflict(
                "the enforcing authority's answer is already recorded".into(),
            ));
        }
        let now = self.now();
        let answer = EnforcingAuthorityAnswer {
            outcome,
            reason: reason.to_owned(),
            answered_by: self.caller.actor(),
            answered_at: now,
        };
        let mut update = CaseUpdate::new(
            &case,
            "case.enforcing_authority_answered",
            self.caller.actor(),
            now,
        );
        update.enforcing_authority = Some(answer.clone());
        update.details = serde_json::json!({"outcome": outcome, "reason": reason});
        let case = self.store().update_case(&update).await?;
        EnforcingAuthority::of(&case, Some(answer), now).ok_or(AppError::NotFound)
    }
}

impl ReviewDesk<'_> {
    /// Records Form 3 on an EU order the provider cannot execute: the Annex III
    /// reasons and why. One per case, audited as `case.form3_recorded`; a conflict with
    /// a third country's law opens the Art. 17 review (`art17_review` in the event).
    /// An authority that sent the order by HI-1 is sent it (the `hi1.form3` job).
    pub async fn record_form3(
        &self,
        id: CaseId,
        reasons: &[Form3Reason],
        explanation: &str,
    ) -> Result<Form3Reply, AppError> {
        let case = self.store().case(id).await?;
        if !case.instrument.starts_with("eu.") {
            return Err(AppError::Conflict(format!(
                "Form 3 answers an EU order (Reg. (EU) 2023/1543); this case's instrument is {}",
                case.instrument
            )));
        }
        if !case.state.is_open() {
            return Err(AppError::Conflict(format!(
                "the case is {}: it is answered already",
                case.state
            )));
        }
        if self.store().form3(id).await?.is_some() {
            return Err(AppError::Conflict("Form 3 is already recorded".into()));
        }
        let mut reasons = reasons.to_vec();
        reasons.sort();
        reasons.dedup();
        let now = self.now();
        let form3 = Form3Reply {
            reasons: reasons.clone(),
            explanation: explanation.to_owned(),
            recorded_by: self.caller.actor(),
            recorded_at: now,
        };
        let mut update = CaseUpdate::new(&case, "case.form3_recorded", self.caller.actor(), now);
        update.form3 = Some(form3.clone());
        update.details = serde_json::json!({
            "reasons": reasons,
            "explanation": explanation,
            "art17_review": reasons.contains(&Form3Reason::ConflictingObligations),
        });
        if let Some(agency) = &case.agency_id
            && !self
                .store()
                .hi1_objects(agency, None, Some(id), 1)
                .await?
                .is_empty()
        {
            update
                .jobs
                .push(crate::jobs::Job::Hi1Form3 { case: id }.at(now));
        }
        self.store().update_case(&update).await?;
        Ok(form3)
    }
}
