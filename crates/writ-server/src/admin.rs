//! The admin's routes: authorities (with their e-mail domains and call-back number) and
//! people. Each answer that creates a person carries their credentials, once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
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

/// `POST /api/v1/admin/agencies`
pub(crate) async fn add_agency(
    State(state): State<AppState>,
    admin: Admin,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let new: NewAgency = parse(&body)?;
    let bad = |field: &str, message: &str| ApiError::BadRequest {
        field: Some(field.into()),
        message: format!("{field}: {message}"),
    };
    if new.name.trim().is_empty() {
        return Err(bad("name", "must not be empty"));
    }
    one_line("name", &new.name, writ_core::text::NAME_MAX)?;
    for domain in &new.email_domains {
        one_line("email_domains", domain, writ_core::text::LINE_MAX)?;
    }
    if new.email_domains.is_empty()
        || new
            .email_domains
            .iter()
            .any(|d| !d.contains('.') || d.contains(['@', ' ']))
    {
        return Err(bad(
            "email_domains",
            "list the authority's e-mail domains, like \"seattle.gov\"",
        ));
    }
    let callback_phone =
        PhoneNumber::parse(&new.callback_phone).map_err(|e| bad("callback_phone", &e.problem))?;
    if let Some(recipient) = &new.age_recipient {
        writ_seal::parse_recipient(recipient).map_err(|e| bad("age_recipient", &e.to_string()))?;
    }
    let agency = writ_store::Agency {
        id: new.id,
        name: new.name,
        country: new.country,
        email_domains: new
            .email_domains
            .iter()
            .map(|d| d.to_ascii_lowercase())
            .collect(),
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
/// confirms a change (a reviewer, approver or admin account, which may then sign in).
pub(crate) async fn confirm_change(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let change = admin.desk(&state).confirm_change(id).await?;
    Ok(Json(json!({
        "id": change.id,
        "kind": change.kind,
        "user": change.subject,
        "confirmed_by": change.confirmed_by,
        "confirmed_at": change.confirmed_at,
    })))
}
