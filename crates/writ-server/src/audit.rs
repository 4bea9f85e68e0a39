//! The audit log as an outside auditor sees it: signed checkpoints and the proofs that
//! hold writ to them (public), and the checkpointer that signs new ones as events arrive.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use writ_core::Clock;
use writ_ledger::{Hash, LogKey, SignedCheckpoint};
use writ_store::{Store, StoreError};

use crate::{ApiError, AppState};

/// Signs a checkpoint when at least `every_events` events, or any events and `every`
/// time, have been added since the last one.
#[derive(Clone)]
pub struct Checkpointer {
    pub store: Store,
    pub key: Arc<LogKey>,
    pub clock: Arc<dyn Clock>,
    pub every_events: u64,
    pub every: time::Duration,
}

impl Checkpointer {
    /// Signs and stores a checkpoint of the whole log now, unless the latest already
    /// covers it. Returns the new checkpoint.
    pub async fn checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let (size, root) = self.store.tree_head().await?;
        let latest = self.store.latest_checkpoint().await?;
        if size == 0 || latest.is_some_and(|c| c.size >= size) {
            return Ok(None);
        }
        let checkpoint = self.key.sign_checkpoint(size, root)?;
        self.store
            .save_checkpoint(&checkpoint, self.clock.now())
            .await?;
        tracing::info!(size, root = %root, "signed an audit checkpoint");
        Ok(Some(checkpoint))
    }

    /// Signs a checkpoint if one is due.
    pub async fn checkpoint_if_due(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let size = self.store.audit_size().await?;
        let due = match self.store.latest_checkpoint().await? {
            None => size > 0,
            Some(last) => {
                let waited = self.clock.now().datetime() - last.signed_at.datetime();
                size >= last.size + self.every_events || (size > last.size && waited >= self.every)
            }
        };
        if due {
            self.checkpoint().await
        } else {
            Ok(None)
        }
    }

    /// Checks every second whether a checkpoint is due, until `stop` resolves.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = ticks.tick() => {
                    if let Err(error) = self.checkpoint_if_due().await {
                        tracing::error!(error = %crate::error_chain(&error), "signing an audit checkpoint failed");
                    }
                }
            }
        }
    }
}

/// `GET /api/v1/audit/checkpoint`: the latest signed checkpoint, as a C2SP signed note.
pub(crate) async fn latest_checkpoint(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    let checkpoint = state
        .unsafe_store()
        .latest_checkpoint()
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        checkpoint.note,
    ))
}

#[derive(Deserialize)]
pub(crate) struct InclusionQuery {
    index: u64,
    size: u64,
}

#[derive(Serialize)]
struct InclusionProof {
    index: u64,
    size: u64,
    /// The tree's root at `size`, base64.
    root: String,
    /// Sibling hashes from the leaf up, base64 (RFC 6962 audit path).
    proof: Vec<String>,
}

/// `GET /api/v1/audit/proof/inclusion?index=&size=`
pub(crate) async fn inclusion_proof(
    State(state): State<AppState>,
    query: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(InclusionQuery { index, size }) = query.map_err(bad_query)?;
    let proof = state.unsafe_store().inclusion_proof(index, size).await?;
    let root = state.unsafe_store().tree_hash(size).await?;
    Ok(Json(InclusionProof {
        index,
        size,
        root: root.to_string(),
        proof: encode(&proof),
    }))
}

#[derive(Deserialize)]
pub(crate) struct ConsistencyQuery {
    from: u64,
    to: u64,
}

#[derive(Serialize)]
struct ConsistencyProof {
    from: u64,
    to: u64,
    proof: Vec<String>,
}

/// `GET /api/v1/audit/proof/consistency?from=&to=`
pub(crate) async fn consistency_proof(
    State(state): State<AppState>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(ConsistencyQuery { from, to }) = query.map_err(bad_query)?;
    let proof = state.unsafe_store().consistency_proof(from, to).await?;
    Ok(Json(ConsistencyProof {
        from,
        to,
        proof: encode(&proof),
    }))
}

fn encode(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(Hash::to_string).collect()
}

fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::BadRequest {
        field: None,
        message: rejection.body_text(),
    }
}
