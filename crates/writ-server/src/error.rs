//! The one error type handlers return, and how it looks on the wire.
//!
//! Client errors say what is wrong (and which field). Server errors say nothing about
//! the cause: they carry an operation id the user can quote, and the full cause chain
//! goes to the log under the same id.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;
use writ_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    /// Who is asking is not known: 401.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Known, but not allowed: 403.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    ForbiddenBecause(String),
    #[error("{message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    /// Well-formed, but it contradicts an earlier request (an idempotency key reused
    /// with another body): 422.
    #[error("{0}")]
    Unprocessable(String),
    /// Too many failed tries: 429, with `Retry-After` in seconds.
    #[error("{message}")]
    TooManyRequests {
        message: &'static str,
        retry_after: u64,
    },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_id: Option<String>,
}

impl ApiError {
    /// An unexpected failure: logged in full, answered with an operation id only.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<writ_core::DemandError> for ApiError {
    fn from(error: writ_core::DemandError) -> Self {
        Self::BadRequest {
            message: error.to_string(),
            field: Some(error.field),
        }
    }
}

impl From<writ_core::review::ReviewError> for ApiError {
    fn from(error: writ_core::review::ReviewError) -> Self {
        Self::BadRequest {
            message: error.to_string(),
            field: Some(error.field),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => Self::NotFound,
            StoreError::Conflict(_)
            | StoreError::IllegalTransition(_)
            | StoreError::DomainTaken { .. } => Self::Conflict(error.to_string()),
            StoreError::OutOfRange(message) => Self::BadRequest {
                field: None,
                message,
            },
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::TooManyRequests {
            message,
            retry_after,
        } = &self
        {
            let body = ErrorBody {
                error: message,
                field: None,
                operation_id: None,
            };
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, retry_after.to_string())],
                Json(body),
            )
                .into_response();
        }
        let (status, message, field, operation_id) = match &self {
            Self::NotFound => (StatusCode::NOT_FOUND, "not found".to_owned(), None, None),
            Self::Unauthorized(message) => {
                (StatusCode::UNAUTHORIZED, (*message).to_owned(), None, None)
            }
            Self::Forbidden(message) => (StatusCode::FORBIDDEN, (*message).to_owned(), None, None),
            Self::ForbiddenBecause(message) => (StatusCode::FORBIDDEN, message.clone(), None, None),
            Self::BadRequest { field, message } => (
                StatusCode::BAD_REQUEST,
                message.clone(),
                field.as_deref(),
                None,
            ),
            Self::Conflict(message) => (StatusCode::CONFLICT, message.clone(), None, None),
            Self::Unprocessable(message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                message.clone(),
                Some("Idempotency-Key"),
                None,
            ),
            Self::TooManyRequests { message, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                (*message).to_owned(),
                None,
                None,
            ),
            Self::Internal(cause) => {
                let operation_id = Uuid::new_v4().to_string();
                tracing::error!(%operation_id, error = %error_chain(cause.as_ref()), "request failed");
                let message = "internal error; quote the operation id when reporting it";
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    message.to_owned(),
                    None,
                    Some(operation_id),
                )
            }
        };
        let body = ErrorBody {
            error: &message,
            field,
            operation_id,
        };
        (status, Json(body)).into_response()
    }
}

/// "outer: inner: root", for the log.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
