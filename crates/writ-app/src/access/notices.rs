//! The registers at the desks: staff read the gag register, the holds and the overdue
//! cases; approvers (counsel's decisions) hold notices, record what a court did to a
//! gag, and extend holds. Each change is an audit event.

use writ_core::Timestamp;
use writ_store::{CaseRecord, Gag, GagChange, Hold};

use super::{ApprovalDesk, CaseDesk};
use crate::AppError;
use crate::jobs::Job;

/// Gags longer than this after the order was issued are for counsel to challenge.
const ONE_YEAR: time::Duration = time::Duration::days(365);

impl CaseDesk<'_> {
    /// Gags counsel should consider challenging: indefinite ones, and those that run
    /// more than a year from when they were registered, while in force.
    pub async fn gags_for_review(&self) -> Result<Vec<Gag>, AppError> {
        let now = self.state.clock.now();
        Ok(self
            .state
            .store
            .gags()
            .await?
            .into_iter()
            .filter(|g| g.in_force(now))
            .filter(|g| match g.until {
                None => true,
                Some(until) => g
                    .created_at
                    .checked_add(ONE_YEAR)
                    .is_some_and(|y| until > y),
            })
            .collect())
    }

    /// The holds in force on `account` (on every account: `None`), for the provider's
    /// deletion jobs.
    pub async fn active_holds(&self, account: Option<&str>) -> Result<Vec<Hold>, AppError> {
        let now = self.state.clock.now();
        Ok(self
            .state
            .store
            .holds(account)
            .await?
            .into_iter()
            .filter(|h| h.active(now))
            .collect())
    }

    /// Open cases past their deadline, earliest first.
    pub async fn overdue(&self) -> Result<Vec<CaseRecord>, AppError> {
        let now = self.state.clock.now();
        Ok(self
            .state
            .store
            .cases(None)
            .await?
            .into_iter()
            .filter(|c| c.deadline.is_some_and(|d| d < now))
            .filter(|c| c.state.is_open())
            .collect())
    }
}

impl ApprovalDesk<'_> {
    /// Holds a pending notice back, for a recorded legal reason.
    pub async fn hold_notice(&self, id: i64, reason: &str) -> Result<(), AppError> {
        let now = self.now();
        if !self
            .store()
            .hold_notice(id, reason, &self.caller.actor(), now)
            .await?
        {
            return Err(AppError::Conflict(
                "only a pending notice can be held".into(),
            ));
        }
        Ok(())
    }

    /// Records a court's extension of a gag (to `until`; `None`: indefinitely).
    pub async fn extend_gag(
        &self,
        id: i64,
        until: Option<Timestamp>,
        reason: &str,
    ) -> Result<Gag, AppError> {
        self.change_gag(id, GagChange::Extend(until), reason).await
    }

    /// Records a court's lifting of a gag: the case's notices go out at the next tick.
    pub async fn lift_gag(&self, id: i64, reason: &str) -> Result<Gag, AppError> {
        self.change_gag(id, GagChange::Lift, reason).await
    }

    async fn change_gag(&self, id: i64, change: GagChange, reason: &str) -> Result<Gag, AppError> {
        let now = self.now();
        let gag = self.store().gag(id).await?;
        let jobs = [Job::SendNotices { case: gag.case_id }.at(now)];
        if !self
            .store()
            .change_gag(id, &change, reason, &self.caller.actor(), now, &jobs)
            .await?
        {
            return Err(AppError::Conflict("this gag was lifted already".into()));
        }
        Ok(self.store().gag(id).await?)
    }

    /// Extends a hold once, by its rule's extension; a second extension is refused.
    pub async fn extend_hold(&self, id: i64, reason: &str) -> Result<Hold, AppError> {
        let now = self.now();
        self.store().hold(id).await?;
        if !self
            .store()
            .extend_hold(id, reason, &self.caller.actor(), now, &[])
            .await?
        {
            return Err(AppError::Conflict(
                "this hold cannot be extended: it was extended once already, it has expired, or its rule allows no extension".into(),
            ));
        }
        Ok(self.store().hold(id).await?)
    }
}
