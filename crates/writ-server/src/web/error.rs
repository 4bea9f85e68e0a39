//! How a refusal or a failure looks in the browser: a page that says what is wrong
//! (4xx), or only an operation id to quote (5xx) with the cause in the log.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use writ_app::AppError;

use crate::{ApiError, error_chain};

#[derive(Debug)]
pub(crate) enum WebError {
    Api(ApiError),
    /// A form without this session's CSRF token.
    Csrf,
    /// A body over the form's limit, in bytes.
    TooLarge(usize),
}

impl From<ApiError> for WebError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<writ_app::AppError> for WebError {
    fn from(error: writ_app::AppError) -> Self {
        Self::Api(error.into())
    }
}

impl From<writ_store::StoreError> for WebError {
    fn from(error: writ_store::StoreError) -> Self {
        Self::Api(error.into())
    }
}

/// What a person reads about a refused request, or `None` for an internal error.
pub(crate) fn explain(error: &ApiError) -> Option<(StatusCode, String)> {
    let error = match error {
        ApiError::App(error) => error,
        ApiError::Refused { status, message } => return Some((*status, capital(message))),
        ApiError::TooManyRequests { message, .. } => {
            return Some((StatusCode::TOO_MANY_REQUESTS, capital(message)));
        }
    };
    let explained = match error {
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "There is no such page, or it is not yours to see.".to_owned(),
        ),
        AppError::Unauthorized(message) => (StatusCode::UNAUTHORIZED, capital(message)),
        AppError::Forbidden(message) => (StatusCode::FORBIDDEN, capital(message)),
        AppError::ForbiddenBecause(message) => (StatusCode::FORBIDDEN, capital(message)),
        AppError::BadRequest { message, .. } => (StatusCode::BAD_REQUEST, message.clone()),
        AppError::Conflict(message) => (StatusCode::CONFLICT, capital(message)),
        AppError::Unprocessable(message) => (StatusCode::UNPROCESSABLE_ENTITY, message.clone()),
        AppError::Internal(_) => return None,
    };
    Some(explained)
}

/// Logs an internal error in full and returns the operation id the person can quote.
pub(crate) fn log_internal(error: &ApiError) -> String {
    let operation_id = Uuid::new_v4().to_string();
    match error {
        ApiError::App(AppError::Internal(cause)) => {
            tracing::error!(%operation_id, error = %error_chain(cause.as_ref()), "web request failed");
        }
        other => tracing::error!(%operation_id, error = %other, "web request failed"),
    }
    operation_id
}

/// `10 MB`, `256 KB`.
pub(crate) fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MB", bytes / MIB)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn capital(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: String,
    operation_id: Option<String>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message, operation_id) = match self {
            // Not signed in (or the session ended): the sign-in page, not an error page.
            Self::Api(ApiError::App(AppError::Unauthorized(_))) => {
                return Redirect::to("/login?expired=1").into_response();
            }
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "This form did not come from your current session (or the session has \
                 changed since it was loaded). Go back, reload the page and send it again."
                    .to_owned(),
                None,
            ),
            Self::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "What was sent is larger than this form accepts ({}).",
                    human_size(limit)
                ),
                None,
            ),
            Self::Api(error) => match explain(&error) {
                Some((status, message)) => (status, message, None),
                None => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. If it happens again, quote the \
                     operation id below when you report it."
                        .to_owned(),
                    Some(log_internal(&error)),
                ),
            },
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error"),
            message,
            operation_id,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        }
    }
}
