//! Signing in and out: username, password and a TOTP code, all required, for a session
//! cookie; then to the portal (authorities) or the console (staff).
//!
//! The checks are the API's (`POST /api/v1/session`), through the same credential and
//! store functions: Argon2id off the async threads and as slow for an unknown user,
//! each TOTP step good once, every refusal in the security log.
//!
//! The sign-in form has no session yet, so it carries a CSRF token of its own: the MAC
//! of a short-lived random `writ_login` cookie, which another site can neither read nor
//! make the browser send (SameSite=Strict). That keeps a forged form from signing a
//! person into someone else's account.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use writ_store::User;

use super::{Chrome, FormData, Web, WebError, home_of, render};
use crate::ApiError;
use crate::access::{AppState, Caller, SESSION_COOKIE, cookie};
use writ_app::credentials::{SecretToken, TokenHash, csrf_token, new_token, verify_csrf};
use writ_app::login;

/// The sign-in form's own CSRF cookie.
const LOGIN_COOKIE: &str = "writ_login";
/// How long a sign-in form stays good.
const LOGIN_FORM_SECONDS: u32 = 3600;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
    /// Which field the error is about, to focus and mark it.
    bad_field: &'static str,
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    expired: Option<String>,
    signed_out: Option<String>,
}

/// `GET /login`; someone already signed in goes to their home page.
pub(crate) async fn login_page(
    signed_in: Result<Caller, ApiError>,
    Query(query): Query<LoginQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if let Ok(caller) = signed_in {
        return Ok(Redirect::to(home_of(caller.user().role)).into_response());
    }
    let notice = if query.signed_out.is_some() {
        Some("You have signed out.")
    } else if query.expired.is_some() {
        Some("Please sign in to continue (your session may have ended).")
    } else {
        None
    };
    login_form(&headers, StatusCode::OK, String::new(), None, notice, "")
}

/// The sign-in form, with its CSRF cookie (the browser's current one, or a new one).
fn login_form(
    headers: &HeaderMap,
    status: StatusCode,
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
    bad_field: &'static str,
) -> Result<Response, WebError> {
    let (secret, set_cookie) = match cookie(headers, LOGIN_COOKIE) {
        Some(existing) => (SecretToken::from_presented(existing), None),
        None => {
            let (secret, _) = new_token("writ_l_").map_err(ApiError::internal)?;
            let set = format!(
                "{LOGIN_COOKIE}={}; HttpOnly; Secure; SameSite=Strict; Path=/login; Max-Age={LOGIN_FORM_SECONDS}",
                secret.expose()
            );
            (secret, Some(set))
        }
    };
    let page = LoginPage {
        csrf: csrf_token(&secret),
        username,
        error,
        notice,
        bad_field,
    };
    let html = render(&page)?;
    let cookies = set_cookie.map(|c| (header::SET_COOKIE, c));
    Ok((status, AppendHeaders(cookies), html).into_response())
}

/// `POST /login` (username, password, totp, csrf).
pub(crate) async fn log_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = FormData::from_urlencoded(&body);
    let username = form.get("username").trim().to_owned();
    let form_ok = cookie(&headers, LOGIN_COOKIE)
        .is_some_and(|c| verify_csrf(&SecretToken::from_presented(c), form.get("csrf")));
    if !form_ok {
        tracing::warn!(target: "writ::security", "login form refused: no valid CSRF token");
        return login_form(
            &headers,
            StatusCode::FORBIDDEN,
            username,
            Some("This sign-in form had expired. Please sign in again.".into()),
            None,
            "username",
        );
    }
    let signed_in = login::authenticate(
        &state,
        client.ip(),
        &username,
        form.get("password"),
        form.get("totp"),
    )
    .await?;
    match signed_in {
        Ok(user) => start_session(&state, user).await,
        Err(refusal) => {
            let status = match refusal.retry_after(state.clock.now()) {
                Some(_) => StatusCode::TOO_MANY_REQUESTS,
                None => StatusCode::UNAUTHORIZED,
            };
            login_form(
                &headers,
                status,
                username,
                Some(refusal.message().into()),
                None,
                refusal.field(),
            )
        }
    }
}

/// Opens a session and sends the person to their home page.
async fn start_session(state: &AppState, user: User) -> Result<Response, WebError> {
    let home = home_of(user.role);
    let (_, secret, _) = login::open_session(state, user).await?;
    let session = crate::access::session_cookie(&secret);
    let spent_form =
        format!("{LOGIN_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/login; Max-Age=0");
    Ok((
        AppendHeaders([
            (header::SET_COOKIE, session),
            (header::SET_COOKIE, spent_form),
        ]),
        Redirect::to(home),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    chrome: Chrome,
}

/// `GET /logout`: a button, since signing out changes state.
pub(crate) async fn logout_page(web: Web<Caller>) -> Result<Html<String>, WebError> {
    render(&LogoutPage { chrome: web.chrome })
}

/// `POST /logout`: ends the session (the guard checked the form's token).
pub(crate) async fn log_out(
    State(state): State<AppState>,
    web: Web<Caller>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        state
            .unsafe_store()
            .end_session(
                TokenHash::of(session).as_str(),
                &web.who.actor(),
                state.clock.now(),
            )
            .await?;
    }
    let cleared =
        format!("{SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    Ok((
        [(header::SET_COOKIE, cleared)],
        Redirect::to("/login?signed_out=1"),
    )
        .into_response())
}
