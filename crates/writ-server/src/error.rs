//! The one error type handlers return, and how it looks on the wire.
//!
//! Client errors say what is wrong (and which field). Server errors say nothing about
//! the cause: they carry an operation id the user can quote, and the full cause chain
//! goes to the log under the same id.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use writ_app::AppError;
pub use writ_app::error_chain;
use writ_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// What the application refused, or failed at.
    #[error(transparent)]
    App(#[from] AppError),
    /// A refusal of axum's own body extractor (a body too large: 413), with its status.
    #[error("{message}")]
    Refused { status: StatusCode, message: String },
    /// Too many failed tries: 429, with `Retry-After` in seconds.
    #[error("{message}")]
    TooManyRequests {
        message: &'static str,
        retry_after: u64,
    },
}

/// A refusal the client can act on (4xx).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody {
    /// What is wrong, in a sentence; on a 400 it begins with the field's path.
    error: String,
    /// On a 400: the path of the field that is wrong (`targets[0].value`,
    /// `scope.targets[0]`, `reason`), when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    field: Option<String>,
}

/// A failure of the server's (5xx). The cause is logged, never sent.
#[derive(Serialize, ToSchema)]
#[schema(as = InternalError)]
pub(crate) struct InternalErrorBody {
    /// Always `internal error; quote the operation id when reporting it`.
    error: &'static str,
    /// The id under which the cause was logged: quote it when reporting.
    #[schema(format = "uuid")]
    operation_id: String,
}

/// The error responses the routes share, for their `#[utoipa::path]`: a route lists
/// these by name and inline only what it alone answers (a 403 for four eyes, a 404 of
/// its own). Never built: [`ApiError`] writes the bodies.
#[allow(dead_code)]
pub(crate) mod responses {
    use utoipa::IntoResponses;

    use super::{ErrorBody, InternalErrorBody};

    /// A shared response: its status, body, description and example.
    macro_rules! response {
        ($(#[$doc:meta])* $name:ident($body:ty): $status:tt, $description:tt, $example:tt) => {
            $(#[$doc])*
            #[derive(IntoResponses)]
            #[response(status = $status, description = $description, example = json!($example))]
            pub(crate) struct $name($body);
        };
    }

    response!(
        /// 401 on every route that needs credentials.
        Unauthorized(ErrorBody): 401,
        "No credentials, or ones writ does not know: no or an unknown API token, no or an ended session.",
        {"error": "this API token is not valid"}
    );

    response!(
        /// 400 on the routes whose body is `{"reason"}`.
        BadReason(ErrorBody): 400,
        "No reason, a blank one, or a body that is not `{\"reason\"}`.",
        {"error": "reason: must not be empty", "field": "reason"}
    );

    response!(
        /// 400 on the routes whose body is a message, `{"body"}`.
        BadMessage(ErrorBody): 400,
        "No body, a blank one, or a request that is not `{\"body\"}`.",
        {"error": "body: must not be empty", "field": "body"}
    );

    response!(
        /// 404 on every route that takes an id.
        NotFound(ErrorBody): 404,
        "Nothing with that id that the caller may see; a malformed id is not found either.",
        {"error": "not found"}
    );

    response!(
        /// 500 on every route.
        ServerError(InternalErrorBody): 500,
        "writ failed; the cause is logged under `operation_id`.",
        {"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"}
    );

    response!(
        /// 403 on an authority's routes: the caller's role does not open the desk.
        NotAgency(ErrorBody): 403,
        "Not a requesting authority's account; or a session without its CSRF token on a request that changes something.",
        {"error": "this is for requesting authorities"}
    );

    response!(
        /// 403 on the staff's routes: the caller's role does not open the desk.
        NotStaff(ErrorBody): 403,
        "Not the provider's staff.",
        {"error": "this is for the provider's staff"}
    );

    response!(
        /// 403 on the reviewers' (and approvers') routes: the caller's role does not open the desk.
        NotReviewer(ErrorBody): 403,
        "Not a reviewer or an approver; or a session without its CSRF token.",
        {"error": "this needs the reviewer or approver role"}
    );

    response!(
        /// 403 on the approvers' routes: the caller's role does not open the desk.
        NotApprover(ErrorBody): 403,
        "Not an approver; or a session without its CSRF token.",
        {"error": "this needs the approver role"}
    );

    response!(
        /// 403 on the admins' routes: the caller's role does not open the desk.
        NotAdmin(ErrorBody): 403,
        "Not an admin; or a session without its CSRF token.",
        {"error": "this needs the admin role"}
    );
}

impl ApiError {
    /// An unexpected failure: logged in full, answered with an operation id only.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::internal(error).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        AppError::from(error).into()
    }
}

impl From<writ_core::review::ReviewError> for ApiError {
    fn from(error: writ_core::review::ReviewError) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let refusal = |status: StatusCode, error: String, field: Option<String>| {
            (status, Json(ErrorBody { error, field })).into_response()
        };
        // Each of the application's answers to its HTTP status: the one place that maps them.
        let error = match self {
            Self::App(error) => error,
            Self::Refused { status, message } => return refusal(status, message, None),
            Self::TooManyRequests {
                message,
                retry_after,
            } => {
                return (
                    [(axum::http::header::RETRY_AFTER, retry_after.to_string())],
                    refusal(StatusCode::TOO_MANY_REQUESTS, message.into(), None),
                )
                    .into_response();
            }
        };
        match error {
            AppError::NotFound => refusal(StatusCode::NOT_FOUND, "not found".to_owned(), None),
            AppError::Unauthorized(message) => {
                refusal(StatusCode::UNAUTHORIZED, message.into(), None)
            }
            AppError::Forbidden(message) => refusal(StatusCode::FORBIDDEN, message.into(), None),
            AppError::ForbiddenBecause(message) => refusal(StatusCode::FORBIDDEN, message, None),
            AppError::BadRequest { field, message } => {
                refusal(StatusCode::BAD_REQUEST, message, field)
            }
            AppError::Conflict(message) => refusal(StatusCode::CONFLICT, message, None),
            AppError::Unprocessable(message) => refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                message,
                Some("Idempotency-Key".to_owned()),
            ),
            AppError::Internal(cause) => {
                let operation_id = Uuid::new_v4().to_string();
                tracing::error!(%operation_id, error = %error_chain(cause.as_ref()), "request failed");
                let body = InternalErrorBody {
                    error: "internal error; quote the operation id when reporting it",
                    operation_id,
                };
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
            }
        }
    }
}
