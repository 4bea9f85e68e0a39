//! The scope of a disclosure: which categories, about which targets, over which
//! period. The engine's decision bounds it ([`Scope::allowed_by`]); a reviewer may
//! only shrink it ([`Scope::narrow`]).

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::ReviewError;
use crate::demand::{Category, Demand, Period};
use crate::identifier::{Identifier, TargetKind, TargetValue};
use crate::policy::{Decision, Outcome, Verdict};
use crate::time::Timestamp;

/// What may be disclosed (or preserved).
///
/// Made only by [`Scope::allowed_by`], [`Scope::narrow`] or by reading a stored scope
/// back, so that what a collector receives was bounded by the engine. Categories are
/// in canonical order ([`Category::ALL`]), targets in the demand's order, without
/// repeats.
///
/// JSON: `{"categories": ["subscriber"], "targets": [{"type": "ip", "value":
/// "203.0.113.7", "at": "…", "port": 51234}], "period": {"from": "…", "to": "…"} | null}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "wire::Scope", try_from = "wire::Scope")]
pub struct Scope {
    categories: Vec<Category>,
    targets: Vec<ScopeTarget>,
    period: Option<Period>,
}

#[cfg(feature = "openapi")]
schema_of_wire!(Scope => wire::Scope);

/// One specific identifier in a scope or a scope request.
///
/// In a [`Scope`], `at` and `port` are those of the demand's `ip` target (when the
/// address was observed). In a [`ScopeRequest`] they are optional filters: an `ip`
/// target without them keeps every allowed observation of that address.
///
/// JSON: `{"type": "email", "value": "alice@example.com"}`, an `ip` with `at` and
/// optionally `port`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "wire::Target", try_from = "wire::Target")]
pub struct ScopeTarget {
    kind: TargetKind,
    /// As written: by the authority in a scope, by the reviewer in a request.
    value: String,
    identifier: Identifier,
    at: Option<Timestamp>,
    port: Option<u16>,
}

/// A reviewer's narrowing of a scope. Each part is optional; a part left out keeps
/// what the scope has.
///
/// JSON: `{"categories": [...]?, "targets": [{"type", "value", "at"?, "port"?}]?,
/// "period": {"from", "to"}?}`. Parsed by [`ScopeRequest::from_json`] or
/// [`ScopeRequest::from_value`], which refuse unknown fields, `null` parts, empty or
/// repeated lists, blanket or malformed identifiers and a `from` after `to`. The
/// default request is the empty one: keep everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "wire::ScopeRequestOut", try_from = "wire::ScopeRequest")]
pub struct ScopeRequest {
    categories: Option<Vec<Category>>,
    targets: Option<Vec<ScopeTarget>>,
    period: Option<Period>,
}

impl Scope {
    /// The widest scope the engine allowed for `demand`: the allowed categories that
    /// were asked, the allowed targets (the decision's targets are in the demand's
    /// order; a pair that does not line up is left out), and the demand's period.
    /// A rejected demand allows nothing: no categories and no targets.
    pub fn allowed_by(demand: &Demand, decision: &Decision) -> Scope {
        let period = demand.period;
        if decision.verdict == Verdict::Reject {
            return Scope {
                categories: Vec::new(),
                targets: Vec::new(),
                period,
            };
        }
        let allowed: Vec<Category> = decision
            .allowed_categories()
            .filter(|c| demand.categories.contains(c))
            .collect();
        let categories = canonical(&allowed);

        let mut targets: Vec<ScopeTarget> = Vec::new();
        for (target, verdict) in demand.targets.iter().zip(&decision.targets) {
            let lines_up = verdict.kind == target.kind && verdict.value == target.raw;
            let TargetValue::Specific(identifier) = &target.value else {
                continue;
            };
            if verdict.decision != Outcome::Allow || !lines_up {
                continue;
            }
            let candidate = ScopeTarget {
                kind: target.kind,
                value: target.raw.clone(),
                identifier: identifier.clone(),
                at: target.at,
                port: target.port,
            };
            if !targets.iter().any(|t| t.same_as(&candidate)) {
                targets.push(candidate);
            }
        }
        Scope {
            categories,
            targets,
            period,
        }
    }

    /// This scope narrowed by a reviewer's `request`, which must stay within it:
    /// categories a subset, every target one of this scope's (matched by kind and
    /// parsed identifier, so `Alice@Example.com` is `alice@example.com`), the period
    /// inside this one (any period when this scope has none). The result keeps this
    /// scope's order and the values as the authority wrote them.
    pub fn narrow(&self, request: &ScopeRequest) -> Result<Scope, ReviewError> {
        let categories = match &request.categories {
            None => self.categories.clone(),
            Some(asked) => {
                for (i, category) in asked.iter().enumerate() {
                    if !self.categories.contains(category) {
                        return Err(ReviewError::new(
                            format!("scope.categories[{i}]"),
                            format!("{category} was not allowed by the policy engine"),
                        ));
                    }
                }
                canonical(asked)
            }
        };

        let targets = match &request.targets {
            None => self.targets.clone(),
            Some(asked) => {
                let mut keep = vec![false; self.targets.len()];
                for (i, wanted) in asked.iter().enumerate() {
                    let mut found = false;
                    for (kept, mine) in keep.iter_mut().zip(&self.targets) {
                        if wanted.selects(mine) {
                            *kept = true;
                            found = true;
                        }
                    }
                    if !found {
                        return Err(self.not_allowed(i, wanted));
                    }
                }
                self.targets
                    .iter()
                    .zip(keep)
                    .filter(|(_, kept)| *kept)
                    .map(|(target, _)| target.clone())
                    .collect()
            }
        };

        let period = match (request.period, self.period) {
            (None, period) => period,
            (Some(asked), None) => Some(asked),
            (Some(asked), Some(allowed)) => {
                if asked.from() < allowed.from() {
                    return Err(ReviewError::new(
                        "scope.period.from",
                        format!(
                            "{} is before the allowed period ({})",
                            asked.from(),
                            Describe(&allowed)
                        ),
                    ));
                }
                if asked.to() > allowed.to() {
                    return Err(ReviewError::new(
                        "scope.period.to",
                        format!(
                            "{} is after the allowed period ({})",
                            asked.to(),
                            Describe(&allowed)
                        ),
                    ));
                }
                Some(asked)
            }
        };

        Ok(Scope {
            categories,
            targets,
            period,
        })
    }

    /// Why request target `index` selects none of this scope's targets.
    fn not_allowed(&self, index: usize, wanted: &ScopeTarget) -> ReviewError {
        let field = format!("scope.targets[{index}]");
        let observations: Vec<&ScopeTarget> = self
            .targets
            .iter()
            .filter(|mine| mine.identifier == wanted.identifier)
            .collect();
        if observations.is_empty() {
            return ReviewError::new(
                field,
                format!("{} is not a target the engine allowed", wanted.value),
            );
        }
        // The address was allowed, but not at that time or port.
        let part = match wanted.at {
            Some(at) if !observations.iter().any(|t| t.at == Some(at)) => "at",
            _ => "port",
        };
        let allowed: Vec<String> = observations.iter().map(|t| t.observation()).collect();
        ReviewError::new(
            format!("{field}.{part}"),
            format!(
                "the engine allowed {} only {}",
                wanted.identifier,
                allowed.join(" or ")
            ),
        )
    }

    /// Whether every category, target and instant of this scope is also in `outer`.
    /// A scope without a period is within only a scope without one.
    pub fn is_within(&self, outer: &Scope) -> bool {
        let categories = self.categories.iter().all(|c| outer.categories.contains(c));
        let targets = self
            .targets
            .iter()
            .all(|t| outer.targets.iter().any(|o| o.same_as(t)));
        let period = match (self.period, outer.period) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(inner), Some(outer)) => outer.from() <= inner.from() && inner.to() <= outer.to(),
        };
        categories && targets && period
    }

    /// Nothing may be disclosed: no category or no target.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() || self.targets.is_empty()
    }

    /// In canonical order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// In the demand's order.
    pub fn targets(&self) -> &[ScopeTarget] {
        &self.targets
    }

    pub fn period(&self) -> Option<Period> {
        self.period
    }
}

impl ScopeTarget {
    /// Parses one target; errors name `value`, `at` or `port`, relative to the target.
    fn parse(
        kind: TargetKind,
        value: String,
        at: Option<Timestamp>,
        port: Option<u16>,
    ) -> Result<Self, ReviewError> {
        let identifier = Identifier::parse_specific(kind, &value)
            .map_err(|e| ReviewError::new("value", e.to_string()))?;
        if kind != TargetKind::Ip {
            if port.is_some() {
                return Err(ReviewError::new("port", "only an ip target has a port"));
            }
            if at.is_some() {
                return Err(ReviewError::new("at", "only an ip target has `at`"));
            }
        }
        Ok(Self {
            kind,
            value,
            identifier,
            at,
            port,
        })
    }

    pub fn kind(&self) -> TargetKind {
        self.kind
    }

    /// The value as written (by the authority, in a scope).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The parsed, normalised identifier: what collection searches for.
    pub fn identifier(&self) -> &Identifier {
        &self.identifier
    }

    /// For an `ip` target: when the address was observed.
    pub fn at(&self) -> Option<Timestamp> {
        self.at
    }

    /// For an `ip` target: the source port, if the authority gave one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The same thing to collect: identifier, time and port (not the spelling).
    fn same_as(&self, other: &ScopeTarget) -> bool {
        self.identifier == other.identifier && self.at == other.at && self.port == other.port
    }

    /// Whether this (request) target picks `allowed`: same identifier, and the same
    /// time and port where the request gives them.
    fn selects(&self, allowed: &ScopeTarget) -> bool {
        self.identifier == allowed.identifier
            && self.at.is_none_or(|at| allowed.at == Some(at))
            && self.port.is_none_or(|port| allowed.port == Some(port))
    }

    /// `at 2026-02-11T10:15:00Z, port 51234`, for messages.
    fn observation(&self) -> String {
        let at = self
            .at
            .map_or_else(|| "without a time".to_owned(), |at| format!("at {at}"));
        match self.port {
            Some(port) => format!("{at}, port {port}"),
            None => format!("{at}, without a port"),
        }
    }
}

impl ScopeRequest {
    /// Parses a scope request document. Errors are reported under `scope`
    /// (`scope.targets[0].value`), where a request sits in a recommendation, so that
    /// a parse error and a narrowing error about the same field read the same.
    pub fn from_json(text: &str) -> Result<Self, ReviewError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let wire: wire::ScopeRequest = serde_path_to_error::deserialize(deserializer)
            .map_err(|e| ReviewError::from_json(Some("scope"), e))?;
        wire.into_request("scope")
    }

    /// [`ScopeRequest::from_json`] for a document already read (a form, a larger body).
    pub fn from_value(value: serde_json::Value) -> Result<Self, ReviewError> {
        let wire: wire::ScopeRequest = serde_path_to_error::deserialize(value)
            .map_err(|e| ReviewError::from_json(Some("scope"), e))?;
        wire.into_request("scope")
    }

    /// Keeps everything: narrowing with it returns the scope unchanged.
    pub fn is_empty(&self) -> bool {
        self.categories.is_none() && self.targets.is_none() && self.period.is_none()
    }

    pub fn categories(&self) -> Option<&[Category]> {
        self.categories.as_deref()
    }

    pub fn targets(&self) -> Option<&[ScopeTarget]> {
        self.targets.as_deref()
    }

    pub fn period(&self) -> Option<Period> {
        self.period
    }
}

/// The categories of `some` in canonical order, once each.
fn canonical(some: &[Category]) -> Vec<Category> {
    Category::ALL
        .into_iter()
        .filter(|c| some.contains(c))
        .collect()
}

/// A period for messages: `2026-01-01T00:00:00Z to 2026-02-28T23:59:59Z`.
struct Describe<'a>(&'a Period);

impl fmt::Display for Describe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.0.from(), self.0.to())
    }
}

/// The JSON shapes, converted to and from the domain types by checking what serde
/// cannot.
pub(super) mod wire {
    use super::*;

    /// A closed interval of time, `from` ≤ `to`.
    #[derive(Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub(in crate::review) struct Period {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        from: Timestamp,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        to: Timestamp,
    }

    impl Period {
        /// `field` is where the period is, for the error.
        pub(in crate::review) fn into_period(
            self,
            field: &str,
        ) -> Result<super::Period, ReviewError> {
            super::Period::new(self.from, self.to).ok_or_else(|| {
                ReviewError::new(
                    field,
                    format!("`from` ({}) is after `to` ({})", self.from, self.to),
                )
            })
        }
    }

    impl From<super::Period> for Period {
        fn from(period: super::Period) -> Self {
            Self {
                from: period.from(),
                to: period.to(),
            }
        }
    }

    /// One identifier: `{"type": "email", "value": "alice@example.com"}`; an `ip` has
    /// `at` (when the address was observed) and may have `port`.
    #[derive(Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub(in crate::review) struct Target {
        #[serde(rename = "type")]
        kind: TargetKind,
        /// As written (E.164 for a phone); what a value must look like depends on
        /// `type`, and one that does not is refused (400, naming it).
        #[cfg_attr(feature = "openapi", schema(min_length = 1))]
        value: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, nullable = false))]
        at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(
            feature = "openapi",
            schema(nullable = false, minimum = 0, maximum = 65535)
        )]
        port: Option<u16>,
    }

    impl Target {
        fn into_target(self, field: &str) -> Result<ScopeTarget, ReviewError> {
            ScopeTarget::parse(self.kind, self.value, self.at, self.port)
                .map_err(|e| ReviewError::new(format!("{field}.{}", e.field), e.problem))
        }
    }

    impl From<ScopeTarget> for Target {
        fn from(target: ScopeTarget) -> Self {
            Self {
                kind: target.kind,
                value: target.value,
                at: target.at,
                port: target.port,
            }
        }
    }

    impl TryFrom<Target> for ScopeTarget {
        type Error = ReviewError;
        fn try_from(target: Target) -> Result<Self, ReviewError> {
            ScopeTarget::parse(target.kind, target.value, target.at, target.port)
        }
    }

    /// What may be disclosed: categories, targets and period.
    // A stored scope is checked on the way back in (identifiers specific, no repeats,
    // `from` ≤ `to`), because a collector trusts it.
    #[derive(Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub(in crate::review) struct Scope {
        categories: Vec<Category>,
        targets: Vec<Target>,
        // Required, if `null`: a scope read without its period would be unlimited in time.
        #[serde(deserialize_with = "nullable")]
        #[cfg_attr(feature = "openapi", schema(required))]
        period: Option<Period>,
    }

    fn nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer)
    }

    impl From<super::Scope> for Scope {
        fn from(scope: super::Scope) -> Self {
            Self {
                categories: scope.categories,
                targets: scope.targets.into_iter().map(Target::from).collect(),
                period: scope.period.map(Period::from),
            }
        }
    }

    impl TryFrom<Scope> for super::Scope {
        type Error = ReviewError;
        fn try_from(scope: Scope) -> Result<Self, ReviewError> {
            let categories = unique_categories(scope.categories, "categories")?;
            let mut targets: Vec<ScopeTarget> = Vec::with_capacity(scope.targets.len());
            for (i, target) in scope.targets.into_iter().enumerate() {
                let field = format!("targets[{i}]");
                let target = target.into_target(&field)?;
                if targets.iter().any(|t| t.same_as(&target)) {
                    return Err(twice(&field, &target.value));
                }
                targets.push(target);
            }
            let period = scope.period.map(|p| p.into_period("period")).transpose()?;
            Ok(Self {
                categories: canonical(&categories),
                targets,
                period,
            })
        }
    }

    /// A narrowing of what the engine allowed. A part left out keeps what was allowed;
    /// a part given may not be `null` or empty, nor widen anything.
    #[derive(Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub(in crate::review) struct ScopeRequest {
        #[serde(default, deserialize_with = "present")]
        #[cfg_attr(feature = "openapi", schema(nullable = false, min_items = 1))]
        categories: Option<Vec<Category>>,
        #[serde(default, deserialize_with = "present")]
        #[cfg_attr(feature = "openapi", schema(nullable = false, min_items = 1))]
        targets: Option<Vec<Target>>,
        #[serde(default, deserialize_with = "present")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        period: Option<Period>,
    }

    /// A part that is given must be a value: `null` would read as "no limit", and
    /// leaving the part out already means "keep".
    fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        match Option::<T>::deserialize(deserializer)? {
            Some(value) => Ok(Some(value)),
            None => Err(D::Error::custom(
                "null is not allowed: leave the field out to keep what was allowed",
            )),
        }
    }

    impl ScopeRequest {
        /// `root` is where the request is (`scope`), for the errors.
        pub(in crate::review) fn into_request(
            self,
            root: &str,
        ) -> Result<super::ScopeRequest, ReviewError> {
            let categories = self
                .categories
                .map(|categories| {
                    let field = format!("{root}.categories");
                    if categories.is_empty() {
                        return Err(ReviewError::new(
                            field,
                            "a scope must keep at least one category (reject the demand instead)",
                        ));
                    }
                    unique_categories(categories, &field)
                })
                .transpose()?;

            let targets = self
                .targets
                .map(|wanted| {
                    if wanted.is_empty() {
                        return Err(ReviewError::new(
                            format!("{root}.targets"),
                            "a scope must keep at least one target (reject the demand instead)",
                        ));
                    }
                    let mut targets: Vec<ScopeTarget> = Vec::with_capacity(wanted.len());
                    for (i, target) in wanted.into_iter().enumerate() {
                        let field = format!("{root}.targets[{i}]");
                        let target = target.into_target(&field)?;
                        if targets.iter().any(|t| t.same_as(&target)) {
                            return Err(twice(&field, &target.value));
                        }
                        targets.push(target);
                    }
                    Ok(targets)
                })
                .transpose()?;

            let period = self
                .period
                .map(|p| p.into_period(&format!("{root}.period")))
                .transpose()?;

            Ok(super::ScopeRequest {
                categories,
                targets,
                period,
            })
        }
    }

    impl TryFrom<ScopeRequest> for super::ScopeRequest {
        type Error = ReviewError;
        fn try_from(wire: ScopeRequest) -> Result<Self, ReviewError> {
            wire.into_request("scope")
        }
    }

    /// How a request is written back (stored with a recommendation).
    #[derive(Serialize)]
    pub(in crate::review) struct ScopeRequestOut {
        #[serde(skip_serializing_if = "Option::is_none")]
        categories: Option<Vec<Category>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        targets: Option<Vec<Target>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        period: Option<Period>,
    }

    impl From<super::ScopeRequest> for ScopeRequestOut {
        fn from(request: super::ScopeRequest) -> Self {
            Self {
                categories: request.categories,
                targets: request
                    .targets
                    .map(|targets| targets.into_iter().map(Target::from).collect()),
                period: request.period.map(Period::from),
            }
        }
    }

    /// `categories` in the order given, refusing a repeat at its index.
    fn unique_categories(
        categories: Vec<Category>,
        field: &str,
    ) -> Result<Vec<Category>, ReviewError> {
        let mut seen: Vec<Category> = Vec::with_capacity(categories.len());
        for (i, category) in categories.into_iter().enumerate() {
            if seen.contains(&category) {
                return Err(ReviewError::new(
                    format!("{field}[{i}]"),
                    format!("{category} is listed twice"),
                ));
            }
            seen.push(category);
        }
        Ok(seen)
    }

    fn twice(field: &str, value: &str) -> ReviewError {
        ReviewError::new(field, format!("{value} is listed twice"))
    }
}
