//! A reviewer's recommendation: approve (perhaps narrowing the scope) or reject, and
//! why. The approver decides on it; narrowing it against the allowed scope is
//! [`Scope::narrow`](super::Scope::narrow).

use serde::{Deserialize, Serialize};

use super::ReviewError;
use super::scope::{ScopeRequest, wire as scope_wire};

/// JSON: `{"recommendation": "approve" | "reject", "reason": "…", "scope": {…}?}`.
/// Only an approval carries a scope; without one it approves the whole allowed scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "wire::Out", try_from = "wire::In")]
pub enum Recommendation {
    Approve {
        reason: String,
        scope: Option<ScopeRequest>,
    },
    Reject {
        reason: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    Approve,
    Reject,
}

impl Recommendation {
    /// Parses the JSON; errors name the field (`reason`, `scope.targets[0].value`).
    pub fn from_json(text: &str) -> Result<Self, ReviewError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let wire: wire::In = serde_path_to_error::deserialize(deserializer)
            .map_err(|e| ReviewError::from_json(None, e))?;
        wire.into_recommendation()
    }

    /// [`Recommendation::from_json`] for a document already read.
    pub fn from_value(value: serde_json::Value) -> Result<Self, ReviewError> {
        let wire: wire::In =
            serde_path_to_error::deserialize(value).map_err(|e| ReviewError::from_json(None, e))?;
        wire.into_recommendation()
    }

    pub fn kind(&self) -> RecommendationKind {
        match self {
            Self::Approve { .. } => RecommendationKind::Approve,
            Self::Reject { .. } => RecommendationKind::Reject,
        }
    }

    /// Never blank.
    pub fn reason(&self) -> &str {
        match self {
            Self::Approve { reason, .. } | Self::Reject { reason } => reason,
        }
    }

    /// The narrowing asked for, if any (only an approval has one).
    pub fn scope(&self) -> Option<&ScopeRequest> {
        match self {
            Self::Approve { scope, .. } => scope.as_ref(),
            Self::Reject { .. } => None,
        }
    }
}

#[cfg(feature = "openapi")]
schema_of_wire!(Recommendation => wire::In);

mod wire {
    use super::*;

    /// A reviewer's recommendation. Only an approval carries a `scope`, and without
    /// one it approves all the engine allowed.
    #[derive(Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[cfg_attr(feature = "openapi", schema(as = RecommendationRequest))]
    #[serde(deny_unknown_fields)]
    pub(super) struct In {
        recommendation: RecommendationKind,
        /// Why; not blank.
        reason: String,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        scope: Option<scope_wire::ScopeRequest>,
    }

    impl In {
        pub(super) fn into_recommendation(self) -> Result<Recommendation, ReviewError> {
            if self.reason.trim().is_empty() {
                return Err(ReviewError::new(
                    "reason",
                    "must say why; the reason is kept with the case",
                ));
            }
            crate::text::multi_line(&self.reason)
                .map_err(|e| ReviewError::new("reason", e.to_string()))?;
            let scope = self
                .scope
                .map(|scope| scope.into_request("scope"))
                .transpose()?;
            match (self.recommendation, scope) {
                (RecommendationKind::Approve, scope) => Ok(Recommendation::Approve {
                    reason: self.reason,
                    scope,
                }),
                (RecommendationKind::Reject, None) => Ok(Recommendation::Reject {
                    reason: self.reason,
                }),
                (RecommendationKind::Reject, Some(_)) => Err(ReviewError::new(
                    "scope",
                    "only a recommendation to approve may narrow the scope",
                )),
            }
        }
    }

    impl TryFrom<In> for Recommendation {
        type Error = ReviewError;
        fn try_from(wire: In) -> Result<Self, ReviewError> {
            wire.into_recommendation()
        }
    }

    #[derive(Serialize)]
    pub(super) struct Out {
        recommendation: RecommendationKind,
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<ScopeRequest>,
    }

    impl From<Recommendation> for Out {
        fn from(recommendation: Recommendation) -> Self {
            let recommendation_kind = recommendation.kind();
            let (reason, scope) = match recommendation {
                Recommendation::Approve { reason, scope } => (reason, scope),
                Recommendation::Reject { reason } => (reason, None),
            };
            Self {
                recommendation: recommendation_kind,
                reason,
                scope,
            }
        }
    }
}
