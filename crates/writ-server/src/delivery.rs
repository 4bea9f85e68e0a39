//! The productions' routes: staff follow a collection and release what was sealed; the
//! authority downloads it through an expiring link, with its own credentials.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use writ_core::ProductionId;

use writ_app::AppError;

use crate::ApiError;
use crate::access::{AgencyUser, AppState, Reviewer, Staff};
use crate::error::ErrorBody;
use crate::error::responses::{NotFound, NotStaff, ServerError, Unauthorized};
use crate::extract::case_id;
use crate::wire;

fn production_id(text: &str) -> Result<ProductionId, AppError> {
    ProductionId::parse(text).map_err(|_| AppError::NotFound)
}

/// A case's productions
///
/// `GET /api/v1/cases/{id}/productions`: collection progress and sealed files.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/productions",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id.")),
    responses(
        (status = 200, description = "The case's productions, oldest first.", body = Vec<wire::StaffProduction>),
        Unauthorized, NotStaff, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn case_productions(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let productions = staff.desk(&state).productions(case_id(&id)?).await?;
    Ok(Json(
        productions
            .iter()
            .map(wire::StaffProduction::from)
            .collect::<Vec<_>>(),
    ))
}

/// Release a production
///
/// `POST /api/v1/productions/{id}/release`: a second member of staff (never the
/// case's reviewer) makes a sealed production available to the authority.
#[utoipa::path(
    post,
    path = "/api/v1/productions/{id}/release",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The production's id.")),
    responses(
        (status = 200, description = "Released.", body = wire::StaffProduction),
        (status = 403, description = "Not a reviewer or approver, or the case's own reviewer.", body = ErrorBody,
            example = json!({"error": "the case's reviewer may not also release its production; another member of staff must"})),
        (status = 409, description = "Not sealed (still collecting, or released already).", body = ErrorBody,
            example = json!({"error": "the production is collecting, not sealed"})),
        Unauthorized, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn release(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let production = reviewer.desk(&state).release(production_id(&id)?).await?;
    Ok(Json(wire::StaffProduction::from(&production)))
}

/// The signed part of a download link.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct Link {
    /// When the link expires, in seconds since 1970.
    expires: i64,
    /// The link's signature (hex).
    signature: String,
}

/// Download a production
///
/// `GET /api/v1/productions/{id}/download?expires=…&signature=…`: the sealed file
/// (age-encrypted to the authority), through the link `GET /api/v1/demands/{id}` gave.
#[utoipa::path(
    get,
    path = "/api/v1/productions/{id}/download",
    tag = "authorities",
    params(("id" = String, Path, format = "uuid", description = "The production's id."), Link),
    responses(
        (status = 200, description = "The production: an age file.", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "`expires` or `signature` missing or malformed, or another query parameter.", body = ErrorBody,
            example = json!({"error": "Failed to deserialize query string: expires: invalid digit found in string"})),
        (status = 403, description = "Not a requesting authority, or the link is not valid or has expired.", body = ErrorBody,
            example = json!({"error": "this download link has expired; open the demand again for a fresh one"})),
        Unauthorized, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    agency: AgencyUser,
    Path(id): Path<String>,
    Query(link): Query<Link>,
) -> Result<Response, ApiError> {
    let download = agency
        .desk(&state)
        .download(production_id(&id)?, link.expires, &link.signature)
        .await?;
    let file = tokio::fs::File::open(&download.path)
        .await
        .map_err(ApiError::internal)?;
    let size = file.metadata().await.map_err(ApiError::internal)?.len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let name = format!("production-{}.age", download.production.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
