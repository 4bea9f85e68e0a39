//! The desk background work acts through: as the system, on cases that people
//! approved. Only the job runner makes one.

use std::sync::Arc;

use writ_core::{Actor, Timestamp};
use writ_store::{CaseRecord, CaseUpdate, Store};

use super::{Deadlines, JobError};
use crate::App;
use crate::mailer::Mailer;
use crate::production::Productions;

/// What background work (collection, sealing, notices) may do.
pub(crate) struct SystemDesk<'a> {
    state: &'a App,
}

impl App {
    pub(crate) fn system_desk(&self) -> SystemDesk<'_> {
        SystemDesk { state: self }
    }
}

impl SystemDesk<'_> {
    pub(crate) fn store(&self) -> &Store {
        &self.state.store
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.state.clock.now()
    }

    pub(crate) fn deadlines(&self) -> &Deadlines {
        &self.state.deadlines
    }

    pub(crate) fn mailer(&self) -> Option<Arc<dyn Mailer>> {
        self.state.mailer.clone()
    }

    pub(crate) fn productions(&self) -> Result<Arc<Productions>, JobError> {
        self.state.productions.clone().ok_or(JobError::NoSources)
    }

    /// A step on a case, as the system.
    pub(crate) fn update(&self, case: &CaseRecord, action: &str) -> CaseUpdate {
        CaseUpdate::new(case, action, Actor::System, self.now())
    }
}
