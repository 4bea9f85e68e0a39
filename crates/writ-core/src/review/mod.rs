//! What happens between the policy engine and a disclosure: a compliance reviewer
//! recommends approval or rejection and may narrow the scope; a second person, the
//! approver, decides. This module is the pure domain of that step; the workflow that
//! records who did what lives in the server.
//!
//! - [`Scope`]: what may be disclosed. [`Scope::allowed_by`] is the widest scope the
//!   engine allowed; [`Scope::narrow`] applies a reviewer's [`ScopeRequest`] and never
//!   widens.
//! - [`Recommendation`]: the reviewer's `approve` or `reject`, with a reason.
//! - [`pending_gates`]: what must be recorded before anything may be approved.
//! - [`redirect_letter`]: the letter sending an authority to an enterprise customer.
//!
//! Reviewer input is parsed like a demand: errors name the field
//! (`scope.categories[1]: content was not allowed by the policy engine`).
//!
//! ```
//! use writ_core::policy::{Rules, evaluate};
//! use writ_core::review::{Scope, ScopeRequest};
//! use writ_core::{Category, Demand, Timestamp};
//!
//! let demand = Demand::from_json(include_str!("../../tests/demands/policy-example.json"))?;
//! let decision = evaluate(&demand, &Rules::embedded()?, None, Timestamp::parse("2026-03-02T10:00:00Z")?);
//! let allowed = Scope::allowed_by(&demand, &decision);
//!
//! let request = ScopeRequest::from_json(r#"{"categories": ["subscriber"], "targets": [{"type": "email", "value": "Alice@Example.com"}]}"#)?;
//! let narrowed = allowed.narrow(&request)?;
//! assert_eq!(narrowed.categories(), [Category::Subscriber]);
//! assert_eq!(narrowed.targets()[0].value(), "alice@example.com");
//! assert!(narrowed.is_within(&allowed));
//!
//! let wider = ScopeRequest::from_json(r#"{"targets": [{"type": "email", "value": "bob@example.com"}]}"#)?;
//! let err = allowed.narrow(&wider).unwrap_err();
//! assert_eq!(err.to_string(), "scope.targets[0]: bob@example.com is not a target the engine allowed");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod gates;
mod letter;
mod recommendation;
mod scope;

pub use gates::{gate_requirement, pending_gates};
pub use letter::{reasoned_objection, redirect_letter};
pub use recommendation::{Recommendation, RecommendationKind};
pub use scope::{Scope, ScopeRequest, ScopeTarget};

/// What is wrong with a reviewer's input, and where: a scope request or a
/// recommendation that does not parse, or a scope that would widen what the engine
/// allowed. Shaped like [`DemandError`](crate::DemandError), so the server answers
/// both the same way.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ReviewError {
    /// The path of the offending field (`scope.targets[0].value`, `reason`).
    pub field: String,
    pub problem: String,
}

/// The name [`Scope::narrow`] is usually called with: narrowing errors and scope
/// parsing errors are the same [`ReviewError`].
pub type ScopeError = ReviewError;

impl ReviewError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// The error of a serde parse, at the path serde reached, under `root` if given
    /// (a scope request parsed on its own is still reported as `scope.…`).
    fn from_json(root: Option<&str>, error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = error.path().to_string();
        let problem = error.inner().to_string();
        // serde names a missing field in the message, not in the path.
        let missing = problem
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_owned());
        let relative = match (missing, path.as_str()) {
            (Some(name), "." | "") => name,
            (Some(name), parent) => format!("{parent}.{name}"),
            (None, path) => path.to_owned(),
        };
        let field = match (root, relative.as_str()) {
            (Some(root), "." | "") => root.to_owned(),
            (Some(root), index) if index.starts_with('[') => format!("{root}{index}"),
            (Some(root), relative) => format!("{root}.{relative}"),
            (None, "") => ".".to_owned(),
            (None, _) => relative,
        };
        Self::new(field, problem)
    }
}

#[cfg(test)]
mod tests;
