//! The registers' routes: notices held by staff, the gag register and counsel's
//! challenge list, preservation holds (for the provider's deletion jobs), and overdue
//! cases.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use writ_core::Timestamp;

use crate::ApiError;
use crate::access::{AppState, Approver, Staff};
use crate::error::ErrorBody;
use crate::error::responses::{
    BadReason, NotApprover, NotFound, NotStaff, ServerError, Unauthorized,
};
use crate::extract::{Stated, Statement, number};
use crate::wire::{self, Reason};

/// The DOJ policy counsel cites when challenging a gag.
const DOJ_2017: &str = "U.S. Department of Justice, Policy Regarding Applications for Protective Orders \
    Pursuant to 18 U.S.C. 2705(b) (19 October 2017): an order should not exceed one year, \
    barring exceptional circumstances";

/// Hold a notice
///
/// `POST /api/v1/notices/{id}/hold`: `{"reason"}`, the legal reason the notice must not
/// go out. For approvers.
#[utoipa::path(
    post,
    path = "/api/v1/notices/{id}/hold",
    tag = "staff",
    params(("id" = i64, Path, description = "The notice's id (from the case's `notices`).")),
    request_body(content = Reason, example = json!({"reason": "A court order under 18 U.S.C. 2705(b) is being sought."})),
    responses(
        (status = 200, description = "Held.", body = wire::Held, example = json!({"id": 1, "state": "held"})),
        (status = 409, description = "The notice is not pending (sent or held already).", body = ErrorBody,
            example = json!({"error": "only a pending notice can be held"})),
        BadReason, Unauthorized, NotApprover, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn hold_notice(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    Stated(Reason { reason }): Stated<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let id = number(&id)?;
    approver.desk(&state).hold_notice(id, &reason).await?;
    Ok(Json(wire::Held { id, state: "held" }))
}

/// Gags to challenge
///
/// `GET /api/v1/gags/review`: non-disclosure orders in force that are indefinite or run
/// more than a year: counsel's list for a challenge. For staff.
#[utoipa::path(
    get,
    path = "/api/v1/gags/review",
    tag = "staff",
    responses(
        (status = 200, description = "The gags to consider challenging, with the policy to cite.", body = wire::GagReview),
        Unauthorized, NotStaff, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn gags_for_review(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<impl IntoResponse, ApiError> {
    let gags = staff.desk(&state).gags_for_review().await?;
    Ok(Json(wire::GagReview {
        citation: DOJ_2017,
        gags: gags.iter().map(wire::Gag::from).collect(),
    }))
}

/// A court's extension of a gag.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GagExtension {
    /// The new end; `null`: indefinitely.
    #[schema(value_type = Option<String>, format = DateTime, required)]
    until: Option<Timestamp>,
    /// The court's order, or why.
    reason: String,
}

impl Statement for GagExtension {
    fn statement(&self) -> (&'static str, &str) {
        ("reason", &self.reason)
    }
}

/// Extend a gag
///
/// `POST /api/v1/gags/{id}/extend`: `{"until", "reason"}`, a court's extension. For approvers.
#[utoipa::path(
    post,
    path = "/api/v1/gags/{id}/extend",
    tag = "staff",
    params(("id" = i64, Path, description = "The gag's id.")),
    request_body(content = GagExtension, example = json!({"until": "2027-03-01T00:00:00Z", "reason": "Extended by the court (order of 1 Sept 2026)."})),
    responses(
        (status = 200, description = "Extended.", body = wire::Gag),
        (status = 400, description = "No reason, or a body that is not `{\"until\", \"reason\"}`.", body = ErrorBody,
            example = json!({"error": "reason: must not be empty", "field": "reason"})),
        (status = 409, description = "The gag was lifted already.", body = ErrorBody,
            example = json!({"error": "this gag was lifted already"})),
        Unauthorized, NotApprover, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn extend_gag(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    Stated(GagExtension { until, reason }): Stated<GagExtension>,
) -> Result<impl IntoResponse, ApiError> {
    let gag = approver
        .desk(&state)
        .extend_gag(number(&id)?, until, &reason)
        .await?;
    Ok(Json(wire::Gag::from(&gag)))
}

/// Lift a gag
///
/// `POST /api/v1/gags/{id}/lift`: `{"reason"}`, a court's lifting; the case's notices go
/// out at the scheduler's next tick. For approvers.
#[utoipa::path(
    post,
    path = "/api/v1/gags/{id}/lift",
    tag = "staff",
    params(("id" = i64, Path, description = "The gag's id.")),
    request_body(content = Reason, example = json!({"reason": "Lifted by the court (order of 1 Sept 2026)."})),
    responses(
        (status = 200, description = "Lifted.", body = wire::Gag),
        (status = 409, description = "The gag was lifted already.", body = ErrorBody,
            example = json!({"error": "this gag was lifted already"})),
        BadReason, Unauthorized, NotApprover, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn lift_gag(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    Stated(Reason { reason }): Stated<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let gag = approver
        .desk(&state)
        .lift_gag(number(&id)?, &reason)
        .await?;
    Ok(Json(wire::Gag::from(&gag)))
}

/// Which account's holds.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AccountFilter {
    /// The account (as the demand named it, e.g. an e-mail address); unset, every account.
    account: Option<String>,
}

/// Preservation holds
///
/// `GET /api/v1/holds?account=…`: the holds in force, which the provider's deletion jobs
/// must respect. For staff and auditors.
#[utoipa::path(
    get,
    path = "/api/v1/holds",
    tag = "staff",
    params(AccountFilter),
    responses(
        (status = 200, description = "The holds in force.", body = wire::Holds),
        (status = 400, description = "An unknown query parameter.", body = ErrorBody,
            example = json!({"error": "Failed to deserialize query string: unknown field `acount`, expected `account`"})),
        Unauthorized, NotStaff, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn holds(
    State(state): State<AppState>,
    staff: Staff,
    Query(filter): Query<AccountFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let holds = staff
        .desk(&state)
        .active_holds(filter.account.as_deref())
        .await?;
    Ok(Json(wire::Holds {
        holds: holds.iter().map(wire::Hold::from).collect(),
    }))
}

/// Extend a hold
///
/// `POST /api/v1/holds/{id}/extend`: `{"reason"}`, the authority's request to extend;
/// once only, by the rule's extension (US 90 days, EU 30). For approvers.
#[utoipa::path(
    post,
    path = "/api/v1/holds/{id}/extend",
    tag = "staff",
    params(("id" = i64, Path, description = "The hold's id.")),
    request_body(content = Reason, example = json!({"reason": "The authority asked for an extension under 18 U.S.C. 2703(f)(2)."})),
    responses(
        (status = 200, description = "Extended.", body = wire::Hold),
        (status = 409, description = "Extended once already, expired, or its rule allows no extension.", body = ErrorBody,
            example = json!({"error": "this hold cannot be extended: it was extended once already, it has expired, or its rule allows no extension"})),
        BadReason, Unauthorized, NotApprover, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn extend_hold(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    Stated(Reason { reason }): Stated<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let hold = approver
        .desk(&state)
        .extend_hold(number(&id)?, &reason)
        .await?;
    Ok(Json(wire::Hold::from(&hold)))
}

/// Overdue cases
///
/// `GET /api/v1/cases/overdue`: open cases past their deadline, earliest first. For staff.
#[utoipa::path(
    get,
    path = "/api/v1/cases/overdue",
    tag = "staff",
    responses(
        (status = 200, description = "The overdue cases.", body = wire::Overdue),
        Unauthorized, NotStaff, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn overdue(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<impl IntoResponse, ApiError> {
    let cases = staff.desk(&state).overdue().await?;
    Ok(Json(wire::Overdue {
        cases: cases.iter().map(wire::OverdueCase::from).collect(),
    }))
}
