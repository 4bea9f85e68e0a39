//! The admin's routes: authorities (with their e-mail domains and call-back number) and
//! people. Each answer that creates a person carries their credentials, once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::ToSchema;
use writ_core::identifier::PhoneNumber;
use writ_core::{AgencyId, CountryCode, Role, Username};

use crate::ApiError;
use crate::access::{Admin, AppState};
use crate::error::ErrorBody;
use crate::error::responses::{NotAdmin, NotFound, ServerError, Unauthorized};
use crate::extract::{JsonBody, number, one_line};
use crate::wire;

/// A requesting authority to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAgency {
    /// A short slug: 2 to 40 lower-case letters, digits and hyphens.
    #[schema(value_type = String, pattern = "^[a-z0-9-]{2,40}$")]
    id: AgencyId,
    name: String,
    /// ISO 3166-1 alpha-2, upper case.
    #[schema(value_type = String, pattern = "^[A-Z]{2}$")]
    country: CountryCode,
    /// The domains of its people's e-mail addresses (`seattle.gov`).
    #[schema(min_items = 1)]
    email_domains: Vec<String>,
    /// The number an emergency call-back goes to, E.164 (`+12065550100`).
    callback_phone: String,
    /// The age recipient (`age1…`) its productions are encrypted to; without one,
    /// nothing can be sealed for it.
    #[serde(default)]
    age_recipient: Option<String>,
}

/// Register a requesting authority
///
/// `POST /api/v1/admin/agencies`: an authority, with the e-mail domains its people's
/// usernames must be in and the number an emergency call-back goes to. For admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/agencies",
    tag = "admin",
    request_body(content = NewAgency,
        example = json!({"id": "seattle-pd", "name": "Seattle Police Department", "country": "US", "email_domains": ["seattle.gov"], "callback_phone": "+12065550100"})),
    responses(
        (status = 201, description = "Registered.", body = wire::AgencyCreated,
            example = json!({"id": "seattle-pd"})),
        (status = 400, description = "A field missing, unknown or malformed (`id`, `country`, `email_domains`, `callback_phone`).", body = ErrorBody,
            example = json!({"error": "callback_phone: \"call me\" is not in E.164 form (like +12065550100)", "field": "callback_phone"})),
        (status = 409, description = "An agency with that id exists.", body = ErrorBody,
            example = json!({"error": "agency seattle-pd already exists"})),
        Unauthorized, NotAdmin, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn add_agency(
    State(state): State<AppState>,
    admin: Admin,
    JsonBody(new): JsonBody<NewAgency>,
) -> Result<impl IntoResponse, ApiError> {
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
    Ok((
        StatusCode::CREATED,
        Json(wire::AgencyCreated { id: agency.id }),
    ))
}

/// A person to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    /// For an authority's user, an e-mail address in one of its domains.
    username: String,
    role: Role,
    /// The agency of a user with the `agency` role; none for staff.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    agency: Option<AgencyId>,
}

/// Add a person
///
/// `POST /api/v1/admin/users`: a member of staff, or a requesting authority's user
/// (whose username must be an e-mail address in one of the agency's domains). The
/// answer carries their password, TOTP secret and API token, shown this once. For
/// admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    tag = "admin",
    request_body(content = NewUser,
        example = json!({"username": "areyes@seattle.gov", "role": "agency", "agency": "seattle-pd"})),
    responses(
        (status = 201, description = "Added; hand the credentials over, they are not shown again.", body = wire::UserCreated),
        (status = 400, description = "A field missing, unknown or malformed; an authority's user without an agency or outside its domains; staff with an agency.", body = ErrorBody,
            example = json!({"error": "agency: staff belong to no agency", "field": "agency"})),
        (status = 409, description = "Someone has that username.", body = ErrorBody,
            example = json!({"error": "areyes@seattle.gov already exists"})),
        Unauthorized, NotAdmin, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn add_user(
    State(state): State<AppState>,
    admin: Admin,
    JsonBody(new): JsonBody<NewUser>,
) -> Result<impl IntoResponse, ApiError> {
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
    let created = wire::UserCreated {
        password: person.password.expose().to_owned(),
        totp_secret: person.totp.expose_base32(),
        totp_uri: uri,
        token: person.token.expose().to_owned(),
        id: person.user.id,
        username: person.user.username,
        role: person.user.role,
        agency: person.user.agency_id,
        // A reviewer, approver or admin waits for a second admin:
        // `POST /api/v1/admin/changes/{id}/confirm`.
        awaiting_confirmation: person.user.awaiting_change,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Confirm a change
///
/// `POST /api/v1/admin/changes/{id}/confirm`: a second admin confirms what another asked
/// for (a reviewer, approver or admin account, which until then cannot sign in and whose
/// token is refused). Never the admin who asked. No body. For admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/changes/{id}/confirm",
    tag = "admin",
    params(("id" = i64, Path, description = "The change's id (`awaiting_confirmation` in the answer that created the account).")),
    responses(
        (status = 200, description = "Confirmed; the account may sign in.", body = wire::ChangeConfirmed),
        (status = 403, description = "Not an admin; the admin who asked (four eyes); or a session without its CSRF token.", body = ErrorBody,
            example = json!({"error": "you asked for this change; a second admin must confirm it (four eyes)"})),
        (status = 409, description = "Confirmed already.", body = ErrorBody,
            example = json!({"error": "change 7 is confirmed already"})),
        Unauthorized, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn confirm_change(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let change = admin.desk(&state).confirm_change(number(&id)?).await?;
    Ok(Json(wire::ChangeConfirmed::from(change)))
}
