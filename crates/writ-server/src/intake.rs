//! Receiving a demand: parse it, read it against the policy, open its case with the
//! decision, all or nothing.

use std::sync::Arc;

use writ_core::policy::{Directory, Rules, evaluate};
use writ_core::{Actor, CaseId, Demand};
use writ_store::{CaseRecord, NewCase};

use crate::{ApiError, AppState};

/// The rules and the directory the engine reads demands against.
pub struct Policy {
    pub rules: Rules,
    pub directory: Option<Arc<dyn Directory>>,
}

/// Opens a case for `document` (native demand JSON), with the policy engine's decision
/// stored beside it. An invalid document is refused with the field named, and nothing
/// is written.
pub async fn receive_demand(
    state: &AppState,
    document: &str,
    submitted_by: &Actor,
) -> Result<CaseRecord, ApiError> {
    let mut demand = Demand::from_json(document).map_err(|e| ApiError::BadRequest {
        message: e.to_string(),
        field: Some(e.field),
    })?;
    let now = state.clock.now();
    // Deadlines run from when the provider received the demand, not from a time the
    // sender wrote into it.
    demand.received_at = Some(now);
    let decision = evaluate(
        &demand,
        &state.policy.rules,
        state.policy.directory.as_deref(),
        now,
    );
    let decision_json =
        serde_json::to_value(&decision).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let case = NewCase {
        id: CaseId::random(),
        demand: &demand,
        document,
        received_at: now,
        deadline: decision.deadline,
        decision: Some(&decision_json),
    };
    Ok(state.store.open_case(&case, submitted_by, now).await?)
}
