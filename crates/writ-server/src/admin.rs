//! The admin's routes: authorities (with their e-mail domains and call-back number) and
//! people. Each answer that creates a person carries their credentials, once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::json;
use writ_core::identifier::PhoneNumber;
use writ_core::{AgencyId, CountryCode, Role, Username};

use crate::ApiError;
use crate::access::{Admin, AppState};
use crate::api::{one_line, parse};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAgency {
    id: AgencyId,
    name: String,
    country: CountryCode,
    email_domains: Vec<String>,
    callback_phone: String,
    /// The age recipient (`age1…`) the authority's productions are encrypted to.
    #[serde(default)]
    age_recipient: Option<String>,
}

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        field: Some(field.into()),
        message: format!("{field}: {message}"),
    }
}

/// An authority's e-mail domains, lower case.
fn email_domains(domains: &[String]) -> Result<Vec<String>, ApiError> {
    for domain in domains {
        one_line("email_domains", domain, writ_core::text::LINE_MAX)?;
    }
    if domains.is_empty()
        || domains
            .iter()
            .any(|d| !d.contains('.') || d.contains(['@', ' ']))
    {
        return Err(bad(
            "email_domains",
            "list the authority's e-mail domains, like \"seattle.gov\"",
        ));
    }
    Ok(domains.iter().map(|d| d.to_ascii_lowercase()).collect())
}

fn callback_phone(number: &str) -> Result<PhoneNumber, ApiError> {
    PhoneNumber::parse(number).map_err(|e| bad("callback_phone", &e.problem))
}

fn age_recipient(recipient: &str) -> Result<(), ApiError> {
    writ_seal::parse_recipient(recipient).map_err(|e| bad("age_recipient", &e.to_string()))?;
    Ok(())
}

/// `POST /api/v1/admin/agencies`
pub(crate) async fn add_agency(
    State(state): State<AppState>,
    admin: Admin,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let new: NewAgency = parse(&body)?;
    if new.name.trim().is_empty() {
        return Err(bad("name", "must not be empty"));
    }
    one_line("name", &new.name, writ_core::text::NAME_MAX)?;
    let email_domains = email_domains(&new.email_domains)?;
    let callback_phone = callback_phone(&new.callback_phone)?;
    if let Some(recipient) = &new.age_recipient {
        age_recipient(recipient)?;
    }
    let agency = writ_store::Agency {
        id: new.id,
        name: new.name,
        country: new.country,
        email_domains,
        callback_phone,
        age_recipient: new.age_recipient,
        created_at: state.clock.now(),
    };
    admin.desk(&state).add_agency(&agency).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": agency.id}))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    username: String,
    role: Role,
    #[serde(default)]
    agency: Option<AgencyId>,
}

/// `POST /api/v1/admin/users`: 201 with the person's password, TOTP secret (and its
/// `otpauth://` URI) and API token, shown this once.
pub(crate) async fn add_user(
    State(state): State<AppState>,
    admin: Admin,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let new: NewUser = parse(&body)?;
    let username = Username::parse(&new.username).map_err(|e| ApiError::BadRequest {
        field: Some("username".into()),
        message: format!("username: {e}"),
    })?;
    let person = admin
        .desk(&state)
        .add_person(&username, new.role, new.agency.as_ref())
        .await?;
    let uri = person
        .totp
        .otpauth_uri("writ", person.user.username.as_str())
        .map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": person.user.id,
            "username": person.user.username,
            "role": person.user.role,
            "agency": person.user.agency_id,
            "password": person.password.expose(),
            "totp_secret": person.totp.expose_base32(),
            "totp_uri": uri,
            "token": person.token.expose(),
            // A reviewer, approver or admin waits for a second admin:
            // `POST /api/v1/admin/changes/{id}/confirm`.
            "awaiting_confirmation": person.user.awaiting_change,
        })),
    ))
}

/// `POST /api/v1/admin/changes/{id}/confirm`: a second admin, never the one who asked,
/// confirms a change, which takes effect (a reviewer, approver or admin account may sign
/// in; an agency's details change).
pub(crate) async fn confirm_change(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    Ok(Json(admin.desk(&state).confirm_change(id).await?))
}

/// What an agency's change sets: any of its e-mail domains, call-back number and age
/// recipient.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgencyEdit {
    #[serde(default)]
    email_domains: Option<Vec<String>>,
    #[serde(default)]
    callback_phone: Option<String>,
    #[serde(default)]
    age_recipient: Option<String>,
}

/// `PATCH /api/v1/admin/agencies/{id}`: 202 with the change a second admin must confirm.
pub(crate) async fn change_agency(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let id = AgencyId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let edit: AgencyEdit = parse(&body)?;
    if edit.email_domains.is_none() && edit.callback_phone.is_none() && edit.age_recipient.is_none()
    {
        return Err(ApiError::BadRequest {
            field: None,
            message: "set at least one of email_domains, callback_phone and age_recipient".into(),
        });
    }
    let change = writ_store::AgencyChange {
        email_domains: edit
            .email_domains
            .as_deref()
            .map(email_domains)
            .transpose()?,
        callback_phone: edit
            .callback_phone
            .as_deref()
            .map(|n| callback_phone(n).map(|n| n.as_str().to_owned()))
            .transpose()?,
        age_recipient: edit
            .age_recipient
            .map(|r| age_recipient(&r).map(|()| r))
            .transpose()?,
    };
    let change = admin.desk(&state).change_agency(&id, &change).await?;
    Ok((StatusCode::ACCEPTED, Json(change)))
}

/// A page of the changes waiting for a second admin.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangesQuery {
    /// The last change of the page before.
    after: Option<i64>,
    limit: Option<u32>,
}

/// Changes per page unless `limit` says otherwise.
const CHANGES_PAGE: u32 = 100;

/// `GET /api/v1/admin/changes`: the changes waiting for a second admin, oldest first;
/// `next` is the next page's URL, or null on the last page.
pub(crate) async fn pending_changes(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<ChangesQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let limit = query.limit.unwrap_or(CHANGES_PAGE);
    if !(1..=writ_store::MAX_PAGE).contains(&limit) {
        return Err(bad(
            "limit",
            &format!("a number from 1 to {}", writ_store::MAX_PAGE),
        ));
    }
    let changes = admin
        .desk(&state)
        .pending_changes(query.after.unwrap_or(0), limit)
        .await?;
    let next = (changes.len() == limit as usize)
        .then(|| changes.last())
        .flatten()
        .map(|last| format!("/api/v1/admin/changes?after={}&limit={limit}", last.id));
    Ok(Json(ChangePage { changes, next }))
}

#[derive(Serialize)]
struct ChangePage {
    changes: Vec<writ_store::AdminChange>,
    next: Option<String>,
}

/// An account as an admin's change to it left it.
#[derive(Serialize)]
struct AccountState {
    id: writ_core::UserId,
    username: Username,
    role: Role,
    disabled_at: Option<writ_core::Timestamp>,
    /// The change a second admin must confirm before the account works again.
    awaiting_confirmation: Option<i64>,
}

fn user_id(id: &str) -> Result<writ_core::UserId, ApiError> {
    writ_core::UserId::parse(id).ok_or(ApiError::NotFound)
}

/// `POST /api/v1/admin/users/{id}/disable`: at once; the account's tokens and sessions
/// are refused from the next request.
pub(crate) async fn disable_user(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let user = admin.desk(&state).disable_user(user_id(&id)?).await?;
    Ok(Json(AccountState {
        id: user.id,
        username: user.username,
        role: user.role,
        disabled_at: user.disabled_at,
        awaiting_confirmation: None,
    }))
}

/// `POST /api/v1/admin/users/{id}/enable`: 200 when enabled at once (an authority's or
/// an auditor's account), 202 when a second admin must confirm (a reviewer's, approver's
/// or admin's).
pub(crate) async fn enable_user(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (user, change) = admin.desk(&state).enable_user(user_id(&id)?).await?;
    let status = if change.is_some() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(AccountState {
            id: user.id,
            username: user.username,
            role: user.role,
            disabled_at: user.disabled_at,
            awaiting_confirmation: change,
        }),
    ))
}
