//! Productions at the desks: staff follow a collection and release what was sealed (a
//! second person: never the case's reviewer); the authority downloads what was
//! released, through a link that expires; background work acts as the system.

use writ_core::workflow::check_release;
use writ_core::{CaseEvent, CaseId, CaseState, ProductionId};
use writ_store::{CaseUpdate, Production, ProductionChange, ProductionState};

use super::desks::refused;
use super::{AgencyDesk, CaseDesk, ReviewDesk};
use crate::jobs::Job;
use crate::production::{DownloadLink, Productions};
use crate::{App, AppError};

/// A released production as its authority sees it.
pub struct ReleasedProduction {
    pub production: Production,
    pub link: DownloadLink,
}

/// A sealed file the authority may download now, streamed from where it is kept.
pub struct Download {
    pub production: Production,
    pub file: writ_storage::SealedObject,
}

impl App {
    /// Without sources configured, no production exists here.
    fn productions(&self) -> Result<&Productions, AppError> {
        self.productions.as_deref().ok_or(AppError::NotFound)
    }
}

impl AgencyDesk<'_> {
    /// The productions released to this authority for one of its demands, each with a
    /// fresh download link.
    pub async fn released_productions(
        &self,
        id: CaseId,
    ) -> Result<Vec<ReleasedProduction>, AppError> {
        self.own(id).await?;
        let released: Vec<Production> = self
            .state
            .store
            .productions(id)
            .await?
            .into_iter()
            .filter(|p| p.state == ProductionState::Released)
            .collect();
        let Some(productions) = self.state.productions.as_deref() else {
            return Ok(Vec::new());
        };
        let now = self.state.clock.now();
        Ok(released
            .into_iter()
            .map(|production| ReleasedProduction {
                link: productions.link(production.id, now),
                production,
            })
            .collect())
    }

    /// A released production of this authority's, through an unexpired link. Each
    /// download is an audit event; the first moves the case to delivered.
    pub async fn download(
        &self,
        id: ProductionId,
        expires: i64,
        signature: &str,
    ) -> Result<Download, AppError> {
        let productions = self.state.productions()?;
        let now = self.state.clock.now();
        productions.check_link(id, expires, signature, now)?;
        let production = self.state.store.production(id).await?;
        let case = self.own(production.case_id).await?;
        let Some(sealed) = production.sealed.clone() else {
            return Err(AppError::NotFound);
        };
        if production.state != ProductionState::Released {
            return Err(AppError::NotFound);
        }
        // Opened before the download is recorded: one that cannot start is not one.
        let file = productions
            .storage
            .open_sealed(&sealed.file_name)
            .await
            .map_err(AppError::internal)?;
        let mut update = CaseUpdate::new(&case, "production.downloaded", self.actor(), now);
        if case.state == CaseState::Released {
            update.events = vec![CaseEvent::Deliver];
        }
        update.details = serde_json::json!({"production": id, "sha256": sealed.sha256});
        self.state.store.update_case(&update).await?;
        Ok(Download { file, production })
    }
}

impl CaseDesk<'_> {
    /// A case's productions with their collection progress.
    pub async fn productions(&self, id: CaseId) -> Result<Vec<Production>, AppError> {
        self.state.store.case(id).await?;
        Ok(self.state.store.productions(id).await?)
    }
}

impl ReviewDesk<'_> {
    /// Releases a sealed production to the authority. A second pair of eyes: no one
    /// who recommended on the case (the latest reviewer or one they superseded) may
    /// release it.
    pub async fn release(&self, id: ProductionId) -> Result<Production, AppError> {
        let store = &self.state.store;
        let production = store.production(id).await?;
        let case = store.case(production.case_id).await?;
        let me = self.caller.actor().to_string();
        let recommended = store
            .case_actors(case.id, "case.recommended")
            .await?
            .contains(&me);
        check_release(
            self.caller.user.id,
            case.recommendation.as_ref(),
            recommended,
        )
        .map_err(refused)?;
        if production.state != ProductionState::Sealed {
            return Err(AppError::Conflict(format!(
                "the production is {}, not sealed",
                production.state.as_str()
            )));
        }
        // Approval already needed every gate cleared; release checks again, so that no
        // gate ever lets data out before it is cleared.
        self.check_gates(&case, "release").await?;
        let now = self.state.clock.now();
        // An EU order's traffic and content wait for the enforcing authority.
        self.check_enforcing_authority(&case, now).await?;
        let mut update = CaseUpdate::new(&case, "production.released", self.caller.actor(), now);
        update.production = Some(ProductionChange::Release(id, self.caller.user.id));
        if case.state == CaseState::Sealed {
            update.events = vec![CaseEvent::Release];
        }
        update.details = serde_json::json!({"production": id});
        // A case that came by HI-1: its authority's endpoint is sent the release.
        if let Some(agency) = &case.agency_id
            && !store
                .hi1_objects(agency, None, Some(case.id), 1)
                .await?
                .is_empty()
        {
            update.jobs.push(
                Job::Hi1Deliver {
                    case: case.id,
                    production: id,
                }
                .at(now),
            );
        }
        store.update_case(&update).await?;
        Ok(store.production(id).await?)
    }
}
