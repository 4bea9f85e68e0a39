//! Who may reach what, enforced by types.
//!
//! Nothing outside this crate holds the store: [`App`] keeps it private. A caller
//! reaches case data only through a desk ([`AgencyDesk`], [`CaseDesk`], [`ReviewDesk`],
//! [`ApprovalDesk`], [`AdminDesk`]), and a desk comes only from a role ([`AgencyUser`],
//! [`Staff`], [`Reviewer`], [`Approver`], [`Admin`]) that [`Admit`] made from a
//! [`Caller`], which only [`App::authenticate`] makes. What needs no authorization
//! (health, audit proofs, logging in) goes through [`App::unsafe_store`], named so a
//! reviewer of a change notices.

use writ_core::{Actor, AgencyId, Role};
use writ_store::User;

use crate::credentials::{SecretToken, TokenHash, verify_csrf};
use crate::{App, AppError};

mod desks;
mod eevidence;
mod hi1;
mod notices;
mod productions;

pub use desks::PROVIDER;
pub use desks::{
    AdminDesk, AgencyDesk, ApprovalDesk, CaseDesk, CaseView, DemandStatus, MAX_ORDER_BYTES,
    NewPerson, ReviewDesk, SignedOrder,
};
pub use eevidence::EnforcingAuthority;
pub use hi1::{Hi1Desk, Hi1Encoding, Hi1Reply};
pub(crate) use hi1::{envelope_to, status_object};
pub use productions::{Download, ReleasedProduction};

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
