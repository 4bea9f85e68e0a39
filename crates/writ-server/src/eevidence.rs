//! The e-Evidence workflow's routes (Regulation (EU) 2023/1543): recording the enforcing
//! authority's answer to an EU order's notification, and the provider's Form 3.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use writ_app::AppError;
use writ_core::workflow::{EnforcingAuthorityOutcome, Form3Reason};

use crate::ApiError;
use crate::access::{AppState, Approver, Reviewer};
use crate::error::ErrorBody;
use crate::error::responses::{NotApprover, NotFound, NotReviewer, ServerError, Unauthorized};
use crate::extract::{JsonBody, case_id, non_blank};
use crate::wire;

/// The enforcing authority's answer.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EnforcingAuthorityRequest)]
pub(crate) struct EnforcingAuthorityAnswer {
    /// `no_grounds`: disclosure need not wait out the ten days; `grounds_raised`:
    /// traffic and content data are not released.
    outcome: EnforcingAuthorityOutcome,
    /// Not blank: what the enforcing authority said, and how it reached writ.
    #[schema(min_length = 1, max_length = 10000)]
    reason: String,
}

/// Record the enforcing authority's answer
///
/// `POST /api/v1/cases/{id}/enforcing-authority`: `{"outcome": "no_grounds" |
/// "grounds_raised", "reason"}` on a non-emergency EU order whose enforcing authority
/// is notified (the engine's `ENFORCING_AUTHORITY_NOTIFICATION`). Its traffic and
/// content data are not released before ten days from receipt (Art. 10(2)) unless the
/// answer is `no_grounds`; `grounds_raised` stops their release (Art. 12). One answer
/// per case, audited as `case.enforcing_authority_answered`. For approvers.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/enforcing-authority",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = EnforcingAuthorityAnswer,
        example = json!({"outcome": "no_grounds", "reason": "The Parquet de Paris confirmed by e-Evidence message on 4 Sep 2026 that it raises no grounds."})),
    responses(
        (status = 200, description = "Recorded: the window, the answer, and whether traffic and content are still held back.", body = wire::EnforcingAuthority,
            example = json!({"window_ends_at": "2026-09-12T09:00:00Z", "answer": {"outcome": "no_grounds", "reason": "Confirmed on 4 Sep 2026.", "answered_by": "user:2f1c…", "answered_at": "2026-09-04T10:00:00Z"}, "withholding": false})),
        (status = 400, description = "Not an answer: a field missing, unknown or malformed, or a blank reason.", body = ErrorBody,
            example = json!({"error": "outcome: unknown variant `maybe`, expected `no_grounds` or `grounds_raised` at line 1 column 18", "field": "outcome"})),
        (status = 409, description = "The case has no enforcing-authority notification that suspends it, is no longer open, already has the answer, or changed meanwhile.", body = ErrorBody,
            example = json!({"error": "the enforcing authority's answer is already recorded"})),
        Unauthorized, NotApprover, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn record_enforcing_authority(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    JsonBody(EnforcingAuthorityAnswer { outcome, reason }): JsonBody<EnforcingAuthorityAnswer>,
) -> Result<impl IntoResponse, ApiError> {
    non_blank("reason", &reason)?;
    let recorded = approver
        .desk(&state)
        .record_enforcing_authority(case_id(&id)?, outcome, &reason)
        .await?;
    Ok(Json(wire::EnforcingAuthority::from(recorded)))
}

/// The provider's Form 3.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Form3Request)]
pub(crate) struct Form3 {
    /// At least one Annex III reason.
    #[schema(min_items = 1)]
    reasons: Vec<Form3Reason>,
    /// Not blank: why, as the issuing authority reads it.
    #[schema(min_length = 1, max_length = 10000)]
    explanation: String,
}

/// Record Form 3
///
/// `POST /api/v1/cases/{id}/form3`: `{"reasons": [...], "explanation"}` on an EU order
/// the provider cannot execute (Reg. (EU) 2023/1543 Annex III): `incomplete`,
/// `manifest_errors`, `de_facto_impossibility`, `data_not_stored`,
/// `conflicting_obligations` (a third country's law: it opens the Art. 17 review) or
/// `immunities_privileges` (Art. 10(5)). One per case, audited as
/// `case.form3_recorded`. An authority that sent the order by HI-1 is sent it as a
/// `NotificationObject` with its tasks' statuses and the form as a `DocumentObject`.
/// For reviewers.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/form3",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = Form3,
        example = json!({"reasons": ["data_not_stored"], "explanation": "The account was deleted on 3 May 2026; nothing is kept after 30 days."})),
    responses(
        (status = 200, description = "Recorded.", body = writ_store::Form3Reply,
            example = json!({"reasons": ["data_not_stored"], "explanation": "The account was deleted on 3 May 2026.", "recorded_by": "user:2f1c…", "recorded_at": "2026-09-03T10:00:00Z"})),
        (status = 400, description = "Not a Form 3: no reason, an unknown one, or a blank explanation.", body = ErrorBody,
            example = json!({"error": "reasons: at least one Annex III reason", "field": "reasons"})),
        (status = 409, description = "Not an EU order, no longer open, Form 3 already recorded, or the case changed meanwhile.", body = ErrorBody,
            example = json!({"error": "Form 3 is already recorded"})),
        Unauthorized, NotReviewer, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn record_form3(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    JsonBody(Form3 {
        reasons,
        explanation,
    }): JsonBody<Form3>,
) -> Result<impl IntoResponse, ApiError> {
    if reasons.is_empty() {
        return Err(AppError::BadRequest {
            field: Some("reasons".into()),
            message: "reasons: at least one Annex III reason".into(),
        }
        .into());
    }
    non_blank("explanation", &explanation)?;
    let form3 = reviewer
        .desk(&state)
        .record_form3(case_id(&id)?, &reasons, &explanation)
        .await?;
    Ok(Json(form3))
}
