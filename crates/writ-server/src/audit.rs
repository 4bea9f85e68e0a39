//! The audit log as an outside auditor sees it: signed checkpoints and the proofs that
//! hold writ to them (public). `writ_app::checkpoint` signs them.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use writ_ledger::Hash;

use writ_app::AppError;

use crate::error::ErrorBody;
use crate::error::responses::ServerError;
use crate::{ApiError, AppState};

/// The latest checkpoint
///
/// `GET /api/v1/audit/checkpoint`: the latest signed checkpoint, as a C2SP signed note
/// (origin, tree size, base64 root hash, then the signature lines). Verify it with the
/// log's public key, then hold writ to it with the proofs. Public.
#[utoipa::path(
    get,
    path = "/api/v1/audit/checkpoint",
    tag = "audit",
    responses(
        (status = 200, description = "The latest signed checkpoint, a C2SP signed note.",
            content_type = "text/plain; charset=utf-8", body = String,
            example = json!("writ.example/audit\n3\nq9uZ0m1wJ1z1l2S2d7T6k0o6bH3vX8cJ4e5f6a7b8c0=\n\n— writ.example/audit Az3x…\n")),
        (status = 404, description = "No checkpoint has been signed yet.", body = ErrorBody,
            example = json!({"error": "not found"})),
        ServerError,
    ),
)]
pub(crate) async fn latest_checkpoint(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    let checkpoint = state
        .unsafe_store()
        .latest_checkpoint()
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        checkpoint.note,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct InclusionQuery {
    /// The event's leaf index, from 0.
    index: u64,
    /// The tree size of the checkpoint to prove against; greater than `index`.
    size: u64,
}

/// That one event is in the log of a given size (RFC 6962 audit path).
#[derive(Serialize, utoipa::ToSchema)]
struct InclusionProof {
    index: u64,
    size: u64,
    /// The tree's root at `size`, base64.
    root: String,
    /// Sibling hashes from the leaf up, base64 (RFC 6962 audit path).
    proof: Vec<String>,
}

/// Prove an event is in the log
///
/// `GET /api/v1/audit/proof/inclusion?index=&size=`: the audit path from the event at
/// `index` to the root of the tree of `size` events (a checkpoint's size). Public.
#[utoipa::path(
    get,
    path = "/api/v1/audit/proof/inclusion",
    tag = "audit",
    params(InclusionQuery),
    responses(
        (status = 200, description = "The proof.", body = InclusionProof,
            example = json!({"index": 2, "size": 3, "root": "q9uZ0m1wJ1z1l2S2d7T6k0o6bH3vX8cJ4e5f6a7b8c0=", "proof": ["3q2+7w==…", "yv66vg==…"]})),
        (status = 400, description = "`index` or `size` missing or not a number, `index` not below `size`, or `size` beyond the log.",
            body = ErrorBody,
            example = json!({"error": "Failed to deserialize query string: missing field `index`"})),
        ServerError,
    ),
)]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsistencyQuery {
    /// The earlier tree size; at least 1.
    from: u64,
    /// The later tree size; at least `from`.
    to: u64,
}

/// That the log of size `to` extends the log of size `from` (RFC 6962 consistency
/// proof): nothing earlier was changed or removed.
#[derive(Serialize, utoipa::ToSchema)]
struct ConsistencyProof {
    from: u64,
    to: u64,
    proof: Vec<String>,
}

/// Prove the log only grew
///
/// `GET /api/v1/audit/proof/consistency?from=&to=`: the proof that the tree of `to`
/// events extends the tree of `from` events, for two checkpoints. Public.
#[utoipa::path(
    get,
    path = "/api/v1/audit/proof/consistency",
    tag = "audit",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof.", body = ConsistencyProof,
            example = json!({"from": 4, "to": 11, "proof": ["3q2+7w==…", "yv66vg==…"]})),
        (status = 400, description = "`from` or `to` missing or not a number, `from` is 0 or after `to`, or `to` beyond the log.",
            body = ErrorBody,
            example = json!({"error": "need 0 < from ≤ to, got from 0, to 11"})),
        ServerError,
    ),
)]
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

fn bad_query(rejection: QueryRejection) -> AppError {
    AppError::BadRequest {
        field: None,
        message: rejection.body_text(),
    }
}
