//! writ's application layer: what people and background work may do with cases, and
//! nothing of HTTP.
//!
//! Who may do what is enforced by types: a desk (`access/`) comes only from a role
//! that was admitted from an authenticated [`access::Caller`], and [`App`] keeps the
//! store private to this crate. `writ-server` turns HTTP requests into callers and
//! desk calls, and [`AppError`]s into HTTP answers.

pub mod access;
pub mod checkpoint;
pub mod credentials;
mod error;
pub mod jobs;
pub mod login;
pub mod mailer;
mod notices;
pub mod production;
mod throttle;
pub mod transparency;

use std::sync::Arc;

use writ_core::policy::{Directory, Rules};

pub use access::App;
pub use error::{AppError, error_chain};

/// The rules and the directory the policy engine reads demands against.
pub struct Policy {
    pub rules: Rules,
    pub directory: Option<Arc<dyn Directory>>,
}
