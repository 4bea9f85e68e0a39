//! Who may reach what, enforced by types.
//!
//! Nothing outside this crate holds the store. [`App`] keeps it private to this module;
//! a caller reaches case data only through a desk ([`AgencyDesk`], [`CaseDesk`],
//! [`ReviewDesk`], [`ApprovalDesk`], [`AdminDesk`]), and a desk comes only from a role
//! ([`AgencyUser`], [`Staff`], [`Reviewer`], [`Approver`], [`Admin`]) that [`Admit`]
//! made from a [`Caller`], which only [`App::authenticate`] makes. What needs no
//! authorization (health, audit proofs, logging in) goes through
//! [`App::unsafe_store`], named so a reviewer of a change notices.

use std::sync::Arc;

use writ_core::{Actor, AgencyId, Clock, Role};
use writ_store::{Store, User};

use crate::credentials::{SecretToken, TokenHash, verify_csrf};
use crate::{AppError, Policy};

mod desks;
mod notices;
mod productions;

pub use desks::PROVIDER;
pub use desks::{
    AdminDesk, AgencyDesk, ApprovalDesk, CaseDesk, CaseView, DemandStatus, MAX_ORDER_BYTES,
    NewPerson, ReviewDesk, SignedOrder,
};
pub(crate) use productions::SystemDesk;
pub use productions::{Download, ReleasedProduction};

/// What every caller can reach; the store only through a desk.
#[derive(Clone)]
pub struct App {
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
    /// Failed sign-ins per source address, on this node.
    pub(crate) login_throttle: Arc<crate::throttle::AddressThrottle>,
}

impl App {
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
/// token on anything that changes state). Made only in this crate: by
/// [`App::authenticate`], or when signing in opens a session.
#[derive(Debug)]
pub struct Caller {
    pub(crate) user: User,
}

impl Caller {
    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn actor(&self) -> Actor {
        match (&self.user.role, &self.user.agency_id) {
            (Role::Agency, Some(agency)) => Actor::Agency(agency.to_string()),
            _ => Actor::Staff(self.user.username.to_string()),
        }
    }
}

/// What a request presented to say who it comes from.
pub enum Credential<'a> {
    /// An API token (`Authorization: Bearer …`).
    Token(&'a str),
    /// A web session's secret (its cookie), with the CSRF token the request carried.
    Session {
        secret: &'a str,
        csrf: Option<&'a str>,
        /// Whether the request changes state: then the CSRF token must match.
        changes_state: bool,
    },
    /// Nothing.
    None,
}

impl App {
    /// The caller a credential proves, or why it proves none.
    pub async fn authenticate(&self, credential: Credential<'_>) -> Result<Caller, AppError> {
        let store = &self.store;
        let (secret, csrf, changes_state) = match credential {
            Credential::Token(token) => {
                let user = store.user_by_token(TokenHash::of(token).as_str()).await?;
                return user
                    .map(|user| Caller { user })
                    .ok_or(AppError::Unauthorized("this API token is not valid"));
            }
            Credential::None => {
                return Err(AppError::Unauthorized(
                    "log in, or present an API token (Authorization: Bearer …)",
                ));
            }
            Credential::Session {
                secret,
                csrf,
                changes_state,
            } => (secret, csrf, changes_state),
        };
        let user = store
            .user_by_session(TokenHash::of(secret).as_str(), self.clock.now())
            .await?
            .ok_or(AppError::Unauthorized(
                "your session has ended; log in again",
            ))?;
        if changes_state {
            let secret = SecretToken::from_presented(secret);
            if !csrf.is_some_and(|token| verify_csrf(&secret, token)) {
                return Err(AppError::Forbidden(
                    "this request carries no valid CSRF token for the session",
                ));
            }
        }
        Ok(Caller { user })
    }
}

/// A role's holder, admitted from an authenticated caller: the only way to a desk.
pub trait Admit: Sized {
    /// The role's holder, if the caller has the role.
    fn admit(caller: Caller) -> Result<Self, AppError>;
    /// Who holds it.
    fn caller(&self) -> &Caller;
}

impl Admit for Caller {
    fn admit(caller: Caller) -> Result<Self, AppError> {
        Ok(caller)
    }

    fn caller(&self) -> &Caller {
        self
    }
}

/// A user of a requesting authority.
#[derive(Debug)]
pub struct AgencyUser {
    caller: Caller,
    agency: AgencyId,
}

impl AgencyUser {
    pub fn agency(&self) -> &AgencyId {
        &self.agency
    }
}

impl Admit for AgencyUser {
    fn admit(caller: Caller) -> Result<Self, AppError> {
        match (caller.user.role, caller.user.agency_id.clone()) {
            (Role::Agency, Some(agency)) => Ok(Self { caller, agency }),
            _ => Err(AppError::Forbidden("this is for requesting authorities")),
        }
    }

    fn caller(&self) -> &Caller {
        &self.caller
    }
}

/// Declares a staff role admitting callers with one of `roles`.
macro_rules! staff_role {
    ($(#[$doc:meta])* $name:ident, [$($role:ident),+], $refusal:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            caller: Caller,
        }


        impl Admit for $name {
            fn admit(caller: Caller) -> Result<Self, AppError> {
                if matches!(caller.user.role, $(Role::$role)|+) {
                    Ok(Self { caller })
                } else {
                    Err(AppError::Forbidden($refusal))
                }
            }

            fn caller(&self) -> &Caller {
                &self.caller
            }
        }
    };
}

staff_role!(
    /// Any member of the provider's staff who works cases.
    Staff, [Reviewer, Approver, Admin, Auditor], "this is for the provider's staff"
);
staff_role!(
    /// Someone who may review: reviewers, and approvers (who then may not approve
    /// their own recommendation).
    Reviewer, [Reviewer, Approver], "this needs the reviewer or approver role"
);
staff_role!(
    /// Someone who may decide on a recommendation.
    Approver, [Approver], "this needs the approver role"
);
staff_role!(
    /// Someone who manages authorities and people.
    Admin, [Admin], "this needs the admin role"
);
