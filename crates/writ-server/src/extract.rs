//! What the API's handlers read from a request besides the caller: the JSON body, ids
//! in the path, and the limits on free text. Refusals are [`ApiError`]s naming the
//! field.

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use serde::de::DeserializeOwned;
use writ_core::CaseId;

use writ_app::AppError;

use crate::ApiError;

/// A JSON body read into `T`, whatever the `Content-Type`; a body that is not `T` is a
/// 400 naming the field (`targets[0].value`, `.` for the body as a whole).
/// `Option<JsonBody<T>>` reads an empty body as `None`.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> JsonBody<T> {
    fn parse(body: &[u8]) -> Result<Self, AppError> {
        let deserializer = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(deserializer)
            .map(Self)
            .map_err(|e| {
                let field = e.path().to_string();
                AppError::BadRequest {
                    message: format!("{field}: {}", e.inner()),
                    field: Some(field),
                }
            })
    }
}

/// A body with free text that must say something: a reason, a message.
pub(crate) trait Statement: DeserializeOwned {
    /// The field that must not be blank, and its text.
    fn statement(&self) -> (&'static str, &str);
}

/// A [`Statement`] read as a [`JsonBody`], refused unless its text passes [`non_blank`].
pub(crate) struct Stated<T>(pub T);

impl<S: Send + Sync, T: Statement> FromRequest<S> for Stated<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let JsonBody(body) = <JsonBody<T> as FromRequest<S>>::from_request(request, state).await?;
        let (field, text) = body.statement();
        non_blank(field, text)?;
        Ok(Self(body))
    }
}

/// The body's bytes; axum's own refusal (a body too large) keeps its status.
async fn bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| ApiError::Refused {
            status: rejection.status(),
            message: rejection.body_text(),
        })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self::parse(&bytes(request, state).await?)?)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> OptionalFromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let body = bytes(request, state).await?;
        if body.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self::parse(&body)?))
    }
}

/// A case's id from the path. A malformed id names no case: not found, like any other
/// that does not exist.
pub(crate) fn case_id(text: &str) -> Result<CaseId, AppError> {
    CaseId::parse(text).map_err(|_| AppError::NotFound)
}

/// A numbered record's id from the path (a notice, gag, hold or change); malformed is
/// not found.
pub(crate) fn number(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// Free text that must say something: not blank, and within [`free_text`]'s limits.
pub(crate) fn non_blank(field: &'static str, text: &str) -> Result<(), AppError> {
    if text.trim().is_empty() {
        return Err(AppError::BadRequest {
            field: Some(field.into()),
            message: format!("{field}: must not be empty"),
        });
    }
    free_text(field, text)
}

/// Multi-line text (a message, a reason, notes): at most 10,000 characters, no NUL.
pub(crate) fn free_text(field: &str, text: &str) -> Result<(), AppError> {
    writ_core::text::multi_line(text).map_err(|e| AppError::BadRequest {
        field: Some(field.into()),
        message: format!("{field}: {e}"),
    })
}

/// A single-line value (a name, a domain): at most `max` characters, no control
/// characters.
pub(crate) fn one_line(field: &str, text: &str, max: usize) -> Result<(), AppError> {
    writ_core::text::single_line(text, max).map_err(|e| AppError::BadRequest {
        field: Some(field.into()),
        message: format!("{field}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::StatusCode;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        count: u32,
    }

    fn request(body: impl Into<Body>) -> Request {
        Request::new(body.into())
    }

    async fn read(body: impl Into<Body>) -> Result<Outer, ApiError> {
        <JsonBody<Outer> as FromRequest<()>>::from_request(request(body), &())
            .await
            .map(|JsonBody(outer)| outer)
    }

    fn field(error: ApiError) -> Option<String> {
        match error {
            ApiError::App(AppError::BadRequest { field, message }) => {
                assert!(message.starts_with(&format!("{}: ", field.clone()?)));
                field
            }
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_wrong_field_is_named_by_its_path() {
        assert_eq!(
            read(r#"{"inner": {"count": 2}}"#)
                .await
                .unwrap()
                .inner
                .count,
            2
        );
        let wrong = read(r#"{"inner": {"count": "two"}}"#).await.unwrap_err();
        assert_eq!(field(wrong).as_deref(), Some("inner.count"));
        let unknown = read(r#"{"inner": {"count": 2, "extra": 1}}"#)
            .await
            .unwrap_err();
        assert_eq!(field(unknown).as_deref(), Some("inner.extra"));
        let missing = read("{}").await.unwrap_err();
        assert_eq!(field(missing).as_deref(), Some("."));
        let not_json = read("").await.unwrap_err();
        assert_eq!(field(not_json).as_deref(), Some("."));
    }

    #[tokio::test]
    async fn an_optional_body_may_be_empty_but_not_wrong() {
        let read = |body: &'static str| {
            <Option<JsonBody<Outer>> as FromRequest<()>>::from_request(request(body), &())
        };
        assert!(read("").await.unwrap().is_none());
        assert!(read(r#"{"inner": {"count": 1}}"#).await.unwrap().is_some());
        let wrong = read(r#"{"inner": []}"#).await.err().unwrap();
        assert_eq!(field(wrong).as_deref(), Some("inner"));
    }

    #[tokio::test]
    async fn a_body_too_large_keeps_its_413() {
        let error = read(vec![b' '; 3 * 1024 * 1024]).await.unwrap_err();
        assert!(
            matches!(error, ApiError::Refused { status, .. } if status == StatusCode::PAYLOAD_TOO_LARGE),
            "{error:?}"
        );
    }
}
