//! What a desk or a job can answer instead of doing what was asked. The HTTP crate maps
//! each variant to a status in one place (`writ-server`'s `error.rs`).

use writ_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Who is asking is not known.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Known, but not allowed.
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
    /// with another body).
    #[error("{0}")]
    Unprocessable(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// An unexpected failure: logged in full by whoever answers it, never shown.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<writ_core::DemandError> for AppError {
    fn from(error: writ_core::DemandError) -> Self {
        Self::BadRequest {
            message: error.to_string(),
            field: Some(error.field),
        }
    }
}

impl From<writ_core::review::ReviewError> for AppError {
    fn from(error: writ_core::review::ReviewError) -> Self {
        Self::BadRequest {
            message: error.to_string(),
            field: Some(error.field),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => Self::NotFound,
            StoreError::Conflict(_)
            | StoreError::IllegalTransition(_)
            | StoreError::DomainTaken { .. }
            | StoreError::Unpublishable(_) => Self::Conflict(error.to_string()),
            StoreError::OutOfRange(message) => Self::BadRequest {
                field: None,
                message,
            },
            other => Self::Internal(Box::new(other)),
        }
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
