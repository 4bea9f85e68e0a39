//! Who may reach what, enforced by types.
//!
//! Handlers never hold the store. [`AppState`] keeps it private to this module; a
//! handler reaches case data only through a desk ([`AgencyDesk`], [`CaseDesk`],
//! [`ReviewDesk`], [`ApprovalDesk`]), and a desk comes only from an extractor
//! ([`AgencyUser`], [`Staff`], [`Reviewer`], [`Approver`]) that authenticated the caller
//! and checked their role. What needs no authorization (health, audit proofs, logging
//! in) goes through [`AppState::unsafe_store`], named so a reviewer of a change notices.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use writ_core::{Actor, AgencyId, Clock, Role};
use writ_store::{Store, User};

use crate::credentials::{SecretToken, TokenHash, verify_csrf};
use crate::{ApiError, Policy};

mod desks;
mod hi1;
mod notices;
mod productions;

pub(crate) use desks::PROVIDER;
pub use desks::{
    AdminDesk, AgencyDesk, ApprovalDesk, CaseDesk, CaseView, DemandStatus, MAX_ORDER_BYTES,
    NewPerson, ReviewDesk, SignedOrder,
};
pub use hi1::{Hi1Desk, Hi1Encoding, Hi1Reply};
pub(crate) use productions::SystemDesk;
pub use productions::{Download, ReleasedProduction};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "writ_session";
/// The header that carries the CSRF token of a cookie session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What every handler can reach; the store only through a desk.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    pub clock: Arc<dyn Clock>,
    pub policy: Arc<Policy>,
    /// The 50 U.S.C. 1874 option the public report's national-security figures use.
    pub report_bands: writ_report::BandOption,
    /// Whether assistance orders are published in bands (`report.assistance_orders`).
    pub report_assistance: writ_report::AssistanceOption,
    /// Collection, sealing and delivery; without it, approved cases wait.
    productions: Option<Arc<crate::production::Productions>>,
    /// When deadlines escalate, and to whom.
    pub deadlines: crate::jobs::Deadlines,
    /// Where notices go out; without it, they wait in the outbox.
    mailer: Option<Arc<dyn crate::mailer::Mailer>>,
    /// Transparency reports already counted, per period, bands and checkpoint.
    pub reports: Arc<crate::transparency::ReportCache>,
    /// Failed sign-ins per source address.
    pub(crate) login_throttle: Arc<crate::throttle::AddressThrottle>,
    /// How HI-1 messages map to demands (`[hi1]`).
    pub hi1: Arc<writ_hi1::Hi1Config>,
}

impl AppState {
    /// What the transparency report publishes, as configured.
    pub fn publication(&self) -> crate::transparency::Publication {
        crate::transparency::Publication {
            bands: self.report_bands,
            assistance_orders: self.report_assistance,
        }
    }

    pub fn new(store: Store, clock: Arc<dyn Clock>, policy: Arc<Policy>) -> Self {
        Self {
            store,
            clock,
            policy,
            report_bands: writ_report::BandOption::Band1000,
            report_assistance: writ_report::AssistanceOption::Omit,
            productions: None,
            mailer: None,
            deadlines: crate::jobs::Deadlines::default(),
            reports: Arc::default(),
            login_throttle: Arc::default(),
            hi1: Arc::default(),
        }
    }

    pub fn with_productions(mut self, productions: crate::production::Productions) -> Self {
        self.productions = Some(Arc::new(productions));
        self
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn crate::mailer::Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// The store without a desk: for what needs no authorization (health, the audit
    /// log's public checkpoints and proofs, logging in). Never for case data.
    pub fn unsafe_store(&self) -> &Store {
        &self.store
    }
}

/// Someone who proved who they are: by API token, or by a web session (with its CSRF
/// token on anything that changes state).
#[derive(Debug)]
pub struct Caller {
    pub user: User,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        match (&self.user.role, &self.user.agency_id) {
            (Role::Agency, Some(agency)) => Actor::Agency(agency.to_string()),
            _ => Actor::Staff(self.user.username.to_string()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let store = &state.store;
        if let Some(token) = bearer(&parts.headers) {
            let user = store.user_by_token(TokenHash::of(token).as_str()).await?;
            return user
                .map(|user| Caller { user })
                .ok_or(ApiError::Unauthorized("this API token is not valid"));
        }
        let Some(session) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::Unauthorized(
                "log in, or present an API token (Authorization: Bearer …)",
            ));
        };
        let now = state.clock.now();
        let user = store
            .user_by_session(TokenHash::of(session).as_str(), now)
            .await?
            .ok_or(ApiError::Unauthorized(
                "your session has ended; log in again",
            ))?;
        if !is_safe(&parts.method) {
            let secret = SecretToken::from_presented(session);
            let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !presented.is_some_and(|token| verify_csrf(&secret, token)) {
                return Err(ApiError::Forbidden(
                    "this request carries no valid CSRF token for the session",
                ));
            }
        }
        Ok(Caller { user })
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// A user of a requesting authority.
pub struct AgencyUser {
    pub caller: Caller,
    pub agency: AgencyId,
}

impl FromRequestParts<AppState> for AgencyUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match (caller.user.role, caller.user.agency_id.clone()) {
            (Role::Agency, Some(agency)) => Ok(Self { caller, agency }),
            _ => Err(ApiError::Forbidden("this is for requesting authorities")),
        }
    }
}

/// Declares an extractor for staff with one of `roles`.
macro_rules! staff_extractor {
    ($(#[$doc:meta])* $name:ident, [$($role:ident),+], $refusal:literal) => {
        $(#[$doc])*
        pub struct $name {
            pub caller: Caller,
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
                let caller = Caller::from_request_parts(parts, state).await?;
                if matches!(caller.user.role, $(Role::$role)|+) {
                    Ok(Self { caller })
                } else {
                    Err(ApiError::Forbidden($refusal))
                }
            }
        }
    };
}

staff_extractor!(
    /// Any member of the provider's staff who works cases.
    Staff, [Reviewer, Approver, Admin, Auditor], "this is for the provider's staff"
);
staff_extractor!(
    /// Someone who may review: reviewers, and approvers (who then may not approve
    /// their own recommendation).
    Reviewer, [Reviewer, Approver], "this needs the reviewer or approver role"
);
staff_extractor!(
    /// Someone who may decide on a recommendation.
    Approver, [Approver], "this needs the approver role"
);
staff_extractor!(
    /// Someone who manages authorities and people.
    Admin, [Admin], "this needs the admin role"
);
