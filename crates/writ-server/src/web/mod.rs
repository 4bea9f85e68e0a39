//! The web UI: server-rendered pages for authorities (`/portal`) and the provider's
//! staff (`/console`), over the same desks as the JSON API.
//!
//! - Templates are askama's, checked when the crate compiles; no inline script or style,
//!   so the CSP below can forbid both.
//! - Every page that changes state is a plain HTML form carrying the session's CSRF
//!   token; [`forms::guard`] checks it before any handler runs and then hands the token
//!   to [`Caller`] in its header, so the API's own check applies too.
//! - Handlers take their desk from the same extractors as the API ([`Web`] only turns
//!   their refusals into pages), so what a page may show or change is decided in one place.

mod console;
mod error;
mod forms;
mod intake;
mod portal;
mod session;
mod transparency;
mod view;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, map_response};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use writ_core::Role;

use crate::access::{AppState, SESSION_COOKIE};
use writ_app::access::Admit;
use writ_app::credentials::{SecretToken, csrf_token};

pub(crate) use error::WebError;
pub(crate) use forms::FormData;

/// A form without a file: a few kilobytes of text.
const FORM_LIMIT: usize = 256 * 1024;
/// The signed order may be up to 10 MiB; the demand's JSON and the form's framing come on top.
const UPLOAD_LIMIT: usize = writ_app::access::MAX_ORDER_BYTES + 512 * 1024;

/// What the browser may load and where forms may go: only writ itself. A page may send
/// its own, stricter or with one more hash (`/transparency`); it is then left alone.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The web UI's routes, with their security headers; merged into [`crate::router`].
pub(crate) fn router() -> Router<AppState> {
    // Pages behind a session. The guard lets GETs through and checks every form.
    let pages = Router::new()
        .route("/logout", get(session::logout_page).post(session::log_out))
        .route("/portal", get(portal::home))
        .route("/portal/demands/{id}", get(portal::demand))
        .route("/portal/demands/{id}/messages", post(portal::answer))
        .route("/portal/demands/{id}/withdraw", post(portal::withdraw))
        .route("/console", get(console::queue))
        .route("/console/cases/{id}", get(console::case))
        .route(
            "/console/cases/{id}/documents/{document}",
            get(console::document),
        )
        .route("/console/cases/{id}/review", post(console::review))
        .route("/console/cases/{id}/assign", post(console::assign))
        .route(
            "/console/cases/{id}/clarification",
            post(console::clarification),
        )
        .route("/console/cases/{id}/callback", post(console::callback))
        .route("/console/cases/{id}/approve", post(console::approve))
        .route("/console/cases/{id}/reject", post(console::reject))
        .route("/console/cases/{id}/counsel", post(console::counsel))
        .route(
            "/console/cases/{id}/gates/{code}/clear",
            post(console::clear_gate),
        )
        .route(
            "/console/cases/{id}/productions/{production}/release",
            post(console::release),
        )
        .route_layer(from_fn(forms::guard::<FORM_LIMIT>));
    let uploads = Router::new()
        .route("/portal/demands", post(portal::submit))
        .route_layer(from_fn(forms::guard::<UPLOAD_LIMIT>));
    let public = Router::new()
        .route("/", get(|| async { Redirect::to("/login") }))
        .route("/login", get(session::login_page).post(session::log_in))
        .route("/transparency", get(transparency::page))
        .route("/transparency/report.csv", get(transparency::csv))
        .route("/transparency/report.json", get(transparency::json))
        .route("/static/writ.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon));
    Router::new()
        .merge(pages)
        .merge(uploads)
        .merge(public)
        .layer(map_response(security_headers))
}

/// The headers every web response carries.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages hold case data: never kept by the browser or anything between.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `/static/writ.css`: the one stylesheet, compiled in.
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/writ.css"),
    )
}

/// `/static/favicon.svg`: so the browser does not ask for a missing `/favicon.ico`.
async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
}

/// Renders a template into an HTML response; a template that fails to render is an
/// internal error (with an operation id), never a half page.
fn render(template: &impl askama::Template) -> Result<Html<String>, WebError> {
    template
        .render()
        .map(Html)
        .map_err(|e| WebError::from(crate::ApiError::internal(e)))
}

/// What the header of every signed-in page shows, and the token its forms carry.
pub(crate) struct Chrome {
    pub username: String,
    /// Whose page it is: the steps offered depend on who recommended.
    pub user: writ_core::UserId,
    pub role: Role,
    /// The session's CSRF token, for the hidden `csrf` field of every form.
    pub csrf: String,
}

impl Chrome {
    pub fn role_label(&self) -> &'static str {
        match self.role {
            Role::Agency => "requesting authority",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Admin => "administrator",
            Role::Auditor => "auditor",
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role != Role::Agency
    }
}

/// One of the access extractors (`Web<Staff>`, `Web<AgencyUser>`, …), whose refusals
/// become pages (a sign-in redirect, a 403 page) instead of JSON, with what the page's
/// header and forms need.
pub(crate) struct Web<T> {
    pub who: T,
    pub chrome: Chrome,
}

impl<T> FromRequestParts<AppState> for Web<T>
where
    T: FromRequestParts<AppState, Rejection = crate::ApiError> + Admit + Send,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let who = T::from_request_parts(parts, state).await?;
        // A bearer-token caller has no session, and so no forms to sign.
        let csrf = crate::access::cookie(&parts.headers, SESSION_COOKIE)
            .map(|session| csrf_token(&SecretToken::from_presented(session)))
            .unwrap_or_default();
        let user = who.caller().user();
        let chrome = Chrome {
            username: user.username.to_string(),
            user: user.id,
            role: user.role,
            csrf,
        };
        Ok(Self { who, chrome })
    }
}

/// Where a person lands after signing in.
fn home_of(role: Role) -> &'static str {
    match role {
        Role::Agency => "/portal",
        _ => "/console",
    }
}
