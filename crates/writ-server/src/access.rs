//! From an HTTP request to a role in writ-app: who presented what (an API token, or a
//! session cookie with its CSRF header), authenticated by [`writ_app::App`], then
//! admitted to the role a handler asks for. A handler gets a desk only from a role.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use writ_app::App;
pub use writ_app::access::{Admin, AgencyUser, Approver, Caller, Reviewer, Staff};
use writ_app::access::{Admit, Credential};
use writ_app::credentials::SecretToken;
use writ_app::login::SESSION_HOURS;

use crate::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "writ_session";
/// The header that carries the CSRF token of a cookie session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What every handler can reach: the application. A type of this crate's own, so that
/// writ-app's roles can be axum extractors here.
#[derive(Clone)]
pub struct AppState(pub App);

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

/// The `Set-Cookie` value that hands a new session's secret to the browser.
pub(crate) fn session_cookie(secret: &SecretToken) -> String {
    format!(
        "{SESSION_COOKIE}={}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={}",
        secret.expose(),
        SESSION_HOURS * 3600
    )
}

/// What the request presents: a bearer token first, else the session cookie.
fn credential(parts: &Parts) -> Credential<'_> {
    if let Some(token) = bearer(&parts.headers) {
        return Credential::Token(token);
    }
    match cookie(&parts.headers, SESSION_COOKIE) {
        Some(secret) => Credential::Session {
            secret,
            csrf: parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
            changes_state: !is_safe(&parts.method),
        },
        None => Credential::None,
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

/// Each role is an extractor: authenticated, then admitted, or refused.
macro_rules! extractors {
    ($($role:ty),+) => {$(
        impl FromRequestParts<AppState> for $role {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
                let caller = state.authenticate(credential(parts)).await?;
                Ok(<$role>::admit(caller)?)
            }
        }
    )+};
}

extractors!(Caller, AgencyUser, Staff, Reviewer, Approver, Admin);
