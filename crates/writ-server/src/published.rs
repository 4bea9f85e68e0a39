//! The verifiable report over HTTP: an admin publishes a finished period, and anyone,
//! without signing in, fetches a publication's records (exactly the bytes its tree
//! hashes) and the proof that one record is in it, bound to the audit log.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use writ_report::{Commitment, HalfYear, Publication};
use writ_store::Store;

use writ_app::AppError;

use crate::ApiError;
use crate::access::{Admin, AppState};
use crate::error::ErrorBody;
use crate::error::responses::{NotAdmin, ServerError, Unauthorized};
use crate::extract::{JsonBody, free_text};

fn period_of(text: &str) -> Result<HalfYear, AppError> {
    text.parse().map_err(|e| AppError::BadRequest {
        field: Some("period".into()),
        message: format!("period: {e}"),
    })
}

/// What publishing says: the first time, nothing; a correction, why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublishRequest {
    /// Why the period is published again (required once it was published).
    #[serde(default)]
    #[schema(max_length = 2000)]
    reason: Option<String>,
}

/// A publication: the frozen records' tree and the audit event that bound it to the log.
#[derive(Serialize, ToSchema)]
pub(crate) struct Published {
    period: String,
    version: u32,
    /// Records in the tree.
    size: u64,
    /// The tree's RFC 6962 root, base64.
    root: String,
    /// The signed audit checkpoint the figures were counted at.
    checkpoint: u64,
    reason: Option<String>,
    /// The `report.published` or `report.corrected` event's index in the audit log.
    event_index: u64,
    records_url: String,
}

impl Published {
    fn of(period: HalfYear, publication: &Publication) -> Self {
        Self {
            period: period.to_string(),
            version: publication.version,
            size: publication.records.size,
            root: publication.records.root.to_string(),
            checkpoint: publication.checkpoint.size,
            reason: publication.reason.clone(),
            event_index: publication.event.index,
            records_url: publication.records_url(period),
        }
    }
}

/// Publish a period's transparency report
///
/// `POST /api/v1/admin/transparency/{period}/publish`: freezes the records of a
/// finished half-year and appends `report.published` (period, size, root) to the audit
/// log; a later change is published again as `report.corrected`, with the reason. For
/// admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/transparency/{period}/publish",
    tag = "admin",
    params(PeriodPath),
    request_body(content = PublishRequest,
        example = json!({"reason": "a case of March was rejected on appeal"})),
    responses(
        (status = 201, description = "Published.", body = Published,
            example = json!({"period": "2026-H1", "version": 1, "size": 1234, "root": "q9uZ0m1wJ1z1l2S2d7T6k0o6bH3vX8cJ4e5f6a7b8c0=", "checkpoint": 5120, "reason": null, "event_index": 5131, "records_url": "/transparency/2026-H1/records.jsonl?version=1"})),
        (status = 400, description = "The period is not a half-year, or a correction gives no reason.", body = ErrorBody,
            example = json!({"error": "reason: 2026-H1 was published before; a correction says why", "field": "reason"})),
        (status = 409, description = "The period is not over, or nothing changed since its last version.", body = ErrorBody,
            example = json!({"error": "2026-H2 is not over until 2027-01-01T00:00:00Z: only a finished period is published"})),
        Unauthorized, NotAdmin, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn publish(
    State(state): State<AppState>,
    admin: Admin,
    Path(period): Path<String>,
    JsonBody(request): JsonBody<PublishRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let period = period_of(&period)?;
    if let Some(reason) = &request.reason {
        free_text("reason", reason)?;
    }
    let publication = admin
        .desk(&state)
        .publish_report(period, request.reason.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Published::of(period, &publication)),
    ))
}

/// The period in the path, for the document: a half-year writ reports on.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // Describes the path's `{period}`, which is read as a String.
pub(crate) struct PeriodPath {
    /// A half-year, `2026-H1`, from 1970 to 9998.
    #[param(pattern = "^(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-H[12]$")]
    period: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VersionQuery {
    /// A published version; the latest without one.
    version: Option<u32>,
}

/// The version asked for, or the latest; not found while the period is unpublished.
async fn publication(
    store: &Store,
    period: HalfYear,
    version: Option<u32>,
) -> Result<Publication, AppError> {
    let publications = store.publications(period).await?;
    match version {
        None => publications.last().cloned(),
        Some(version) => publications.into_iter().find(|p| p.version == version),
    }
    .ok_or(AppError::NotFound)
}

/// A period's published records
///
/// `GET /transparency/{period}/records.jsonl?version=`: the leaves of the report tree,
/// one record per line (its canonical JSON and a newline), sorted by commitment:
/// exactly the bytes hashed. Public.
#[utoipa::path(
    get,
    path = "/transparency/{period}/records.jsonl",
    tag = "transparency",
    params(PeriodPath, VersionQuery),
    responses(
        (status = 200, description = "The records, streamed.",
            content_type = "application/jsonl", body = String,
            example = json!("{\"accounts\":1,\"commitment\":\"0a1b…\",\"country\":\"DE\",\"customer\":\"consumer\",\"customer_notified\":false,\"data_stored_abroad\":false,\"instrument\":\"foreign.legal_process\",\"month\":\"2026-02\",\"outcome\":\"non_content\",\"red_line\":false,\"section\":\"criminal\"}\n")),
        (status = 400, description = "The period is not a half-year, or the version not a number.", body = ErrorBody,
            example = json!({"error": "period: \"2026-H3\" is not a half-year", "field": "period"})),
        (status = 404, description = "The period (or that version) is not published.", body = ErrorBody,
            example = json!({"error": "not found"})),
        ServerError,
    ),
)]
pub(crate) async fn records(
    State(state): State<AppState>,
    Path(period): Path<String>,
    query: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(VersionQuery { version }) = query.map_err(bad_query)?;
    let period = period_of(&period)?;
    let store = state.unsafe_store().clone();
    let version = publication(&store, period, version).await?.version;
    // A page of records a chunk, until a page comes back empty.
    let pages = futures_util::stream::try_unfold(Some(None::<Commitment>), move |after| {
        let store = store.clone();
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let page = store
                .published_lines_page(period, version, after.as_ref())
                .await?;
            let Some(last) = page.last().map(|(commitment, _)| *commitment) else {
                return Ok::<_, writ_store::StoreError>(None);
            };
            let mut chunk = Vec::with_capacity(page.len() * 320);
            for (_, line) in &page {
                chunk.extend_from_slice(line.as_bytes());
                chunk.push(b'\n');
            }
            Ok(Some((Bytes::from(chunk), Some(Some(last)))))
        }
    });
    Ok((
        [(header::CONTENT_TYPE, "application/jsonl")],
        Body::from_stream(pages),
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProofQuery {
    /// The record's commitment: the SHA-256 of the case's secret, 64 lowercase hex
    /// digits.
    #[param(pattern = "^[0-9a-f]{64}$")]
    commitment: String,
    /// A published version; the latest without one.
    version: Option<u32>,
}

/// One record's place in a publication, and the publication's place in the audit log.
#[derive(Serialize, ToSchema)]
pub(crate) struct RecordProofAnswer {
    period: String,
    version: u32,
    /// The record's canonical JSON: the leaf's bytes.
    record: String,
    /// Its leaf index in the report tree.
    index: u64,
    /// The report tree's size and root (base64).
    size: u64,
    root: String,
    /// The record's audit path in the report tree, from the leaf up, base64.
    proof: Vec<String>,
    event: EventProof,
}

/// The `report.published` (or `report.corrected`) event and its inclusion in the latest
/// signed checkpoint.
#[derive(Serialize, ToSchema)]
pub(crate) struct EventProof {
    /// Its leaf index in the audit log.
    index: u64,
    /// Its canonical bytes, the leaf hashed.
    entry: String,
    /// The latest signed checkpoint (a C2SP signed note); `null` until one covers the
    /// event.
    checkpoint: Option<String>,
    /// The event's audit path in that checkpoint's tree, base64.
    proof: Vec<String>,
}

/// Prove a record is in a published report
///
/// `GET /transparency/{period}/proof?commitment=HEX&version=`: the record with that
/// commitment, its leaf index and inclusion proof in the report tree, and the index of
/// the event that published the tree, with that event's inclusion proof in the latest
/// signed checkpoint. Public.
#[utoipa::path(
    get,
    path = "/transparency/{period}/proof",
    tag = "transparency",
    params(PeriodPath, ProofQuery),
    responses(
        (status = 200, description = "The proofs.", body = RecordProofAnswer,
            example = json!({"period": "2026-H1", "version": 1, "record": "{\"accounts\":1,…}", "index": 17, "size": 1234, "root": "q9uZ…=", "proof": ["3q2+7w==…"], "event": {"index": 5131, "entry": "{\"at\":…,\"action\":\"report.published\",…}", "checkpoint": "writ.example/audit\n5200\n…", "proof": ["yv66vg==…"]}})),
        (status = 400, description = "The period is not a half-year, or the commitment not 64 lowercase hex digits.", body = ErrorBody,
            example = json!({"error": "commitment: \"xyz\" is not a commitment: expected 64 lowercase hex digits (a SHA-256)", "field": "commitment"})),
        (status = 404, description = "The period (or that version) is not published, or has no record with that commitment.", body = ErrorBody,
            example = json!({"error": "not found"})),
        ServerError,
    ),
)]
pub(crate) async fn proof(
    State(state): State<AppState>,
    Path(period): Path<String>,
    query: Result<Query<ProofQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<RecordProofAnswer>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let period = period_of(&period)?;
    let commitment: Commitment = query.commitment.parse().map_err(|e| AppError::BadRequest {
        field: Some("commitment".into()),
        message: format!("commitment: {e}"),
    })?;
    let store = state.unsafe_store();
    let publication = publication(store, period, query.version).await?;
    let proof = store
        .record_proof(period, publication.version, &commitment)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = publication.event;
    let (checkpoint, event_proof) = match store.latest_checkpoint().await? {
        Some(checkpoint) if checkpoint.size > event.index => (
            Some(String::from_utf8_lossy(&checkpoint.note).into_owned()),
            store.inclusion_proof(event.index, checkpoint.size).await?,
        ),
        _ => (None, Vec::new()),
    };
    let base64 = |hashes: &[writ_ledger::Hash]| hashes.iter().map(|h| h.to_string()).collect();
    Ok(Json(RecordProofAnswer {
        period: period.to_string(),
        version: publication.version,
        record: proof.record,
        index: proof.index,
        size: proof.size,
        root: publication.records.root.to_string(),
        proof: base64(&proof.proof),
        event: EventProof {
            index: event.index,
            entry: event.entry,
            checkpoint,
            proof: base64(&event_proof),
        },
    }))
}

fn bad_query(rejection: axum::extract::rejection::QueryRejection) -> AppError {
    AppError::BadRequest {
        field: None,
        message: rejection.body_text(),
    }
}
