//! Form posts: read once, CSRF-checked before any handler runs.
//!
//! [`guard`] sits on every web route behind a session. For a POST it reads the body (up
//! to a limit), parses it as `application/x-www-form-urlencoded` or
//! `multipart/form-data`, and, when the request comes with a session cookie, requires
//! the form's `csrf` field to be that session's token; anything else is refused with
//! 403 before a handler sees it. The token then goes into the `x-csrf-token` header, so
//! the [`Caller`](crate::access::Caller) extractor's own check (the one the JSON API
//! relies on) applies unchanged. Handlers read the parsed form as [`FormData`].

use std::convert::Infallible;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::WebError;
use writ_app::AppError;

use crate::ApiError;
use crate::access::{CSRF_HEADER, SESSION_COOKIE, cookie};
use writ_app::credentials::{SecretToken, verify_csrf};

/// The name of the hidden field that carries the CSRF token.
pub(crate) const CSRF_FIELD: &str = "csrf";

/// A submitted form: its text fields in order, and its files.
#[derive(Clone, Debug, Default)]
pub(crate) struct FormData {
    fields: Vec<(String, String)>,
    files: Vec<Upload>,
}

/// A file from a multipart form.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub field: String,
    pub filename: String,
    pub bytes: Bytes,
}

impl FormData {
    /// Parses `body` by its content type.
    pub(crate) async fn parse(headers: &HeaderMap, body: Bytes) -> Result<Self, ApiError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Ok(Self::from_urlencoded(&body)),
            "multipart/form-data" => Self::from_multipart(content_type, body).await,
            _ => Err(AppError::BadRequest {
                field: None,
                message: "send this form from writ's page (as an HTML form)".into(),
            }
            .into()),
        }
    }

    pub(crate) fn from_urlencoded(body: &[u8]) -> Self {
        Self {
            fields: form_urlencoded::parse(body).into_owned().collect(),
            files: Vec::new(),
        }
    }

    async fn from_multipart(content_type: &str, body: Bytes) -> Result<Self, ApiError> {
        let malformed = |e: multer::Error| AppError::BadRequest {
            field: None,
            message: format!("the form could not be read: {e}"),
        };
        let boundary = multer::parse_boundary(content_type).map_err(malformed)?;
        let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut form = Self::default();
        while let Some(field) = multipart.next_field().await.map_err(malformed)? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(filename) => {
                    let bytes = field.bytes().await.map_err(malformed)?;
                    // A file input left empty is sent as a part with no name and no bytes.
                    if !(filename.is_empty() && bytes.is_empty()) {
                        form.files.push(Upload {
                            field: name,
                            filename,
                            bytes,
                        });
                    }
                }
                None => {
                    let text = field.text().await.map_err(malformed)?;
                    form.fields.push((name, text));
                }
            }
        }
        Ok(form)
    }

    /// The first value of the text field `name`.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The text field `name`, or "" when absent.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.text(name).unwrap_or_default()
    }

    /// Every value of the field `name` (checkboxes), in order.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The file sent in the field `name`, if one was chosen.
    pub(crate) fn file(&self, name: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.field == name)
    }
}

/// The form the guard read; only on routes behind [`guard`].
impl<S: Send + Sync> FromRequestParts<S> for FormData {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        parts
            .extensions
            .remove::<FormData>()
            .ok_or_else(|| WebError::from(ApiError::internal(NoGuard)))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a form handler was reached without the form guard")]
struct NoGuard;

/// Reads and CSRF-checks a POST's form (at most `LIMIT` bytes); lets other methods by.
pub(crate) async fn guard<const LIMIT: usize>(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // The token may come only from the form, where writ's own pages put it.
    parts.headers.remove(CSRF_HEADER);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > LIMIT) {
        return WebError::TooLarge(LIMIT).into_response();
    }
    let Ok(body) = to_bytes(body, LIMIT).await else {
        return WebError::TooLarge(LIMIT).into_response();
    };
    let form = match FormData::parse(&parts.headers, body).await {
        Ok(form) => form,
        Err(error) => return WebError::from(error).into_response(),
    };
    // Without a session cookie there is nothing to forge; the handler's extractor
    // then asks for a sign-in (or accepts an API token).
    if let Some(session) = cookie(&parts.headers, SESSION_COOKIE) {
        let secret = SecretToken::from_presented(session);
        let token = form.text(CSRF_FIELD).unwrap_or_default();
        let header = HeaderValue::from_str(token).ok();
        match header {
            Some(value) if verify_csrf(&secret, token) => {
                parts.headers.insert(CSRF_HEADER, value);
            }
            _ => {
                tracing::warn!(
                    target: "writ::security",
                    path = %parts.uri.path(),
                    "form refused: no valid CSRF token for the session"
                );
                return WebError::Csrf.into_response();
            }
        }
    }
    parts.extensions.insert(form);
    next.run(Request::from_parts(parts, Body::empty())).await
}
