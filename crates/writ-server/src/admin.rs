//! The admin's routes: authorities (with their e-mail domains and call-back number) and
//! people. Each answer that creates a person carries their credentials, once.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use writ_core::identifier::PhoneNumber;
use writ_core::{AgencyId, CountryCode, Role, Username};

use writ_app::AppError;

use crate::ApiError;
use crate::access::{Admin, AppState};
use crate::error::ErrorBody;
use crate::error::responses::{NotAdmin, NotFound, ServerError, Unauthorized};
use crate::extract::{JsonBody, number, one_line};
use crate::wire::{self, AgencyEdit, EmailDomain};

/// A requesting authority to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAgency {
    /// A short slug: 2 to 40 lower-case letters, digits and hyphens, not at either
    /// end.
    #[schema(value_type = String, pattern = "^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
    id: AgencyId,
    /// One line, up to 256 characters.
    #[schema(
        max_length = 256,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: String,
    /// ISO 3166-1 alpha-2, upper case.
    #[schema(value_type = String, pattern = "^[A-Z]{2}$")]
    country: CountryCode,
    /// The domains of its people's e-mail addresses (`seattle.gov`).
    #[schema(value_type = Vec<EmailDomain>, min_items = 1, inline)]
    email_domains: Vec<String>,
    /// The number an emergency call-back goes to, E.164 (`+12065550100`).
    #[schema(pattern = r"^\+[1-9][0-9]{1,14}$")]
    callback_phone: String,
    /// The age recipient (`age1…`) its productions are encrypted to; without one,
    /// nothing can be sealed for it.
    #[serde(default)]
    #[schema(pattern = "^age1[02-9ac-hj-np-z]{58}$")]
    age_recipient: Option<String>,
}

fn bad(field: &str, message: &str) -> ApiError {
    AppError::BadRequest {
        field: Some(field.into()),
        message: format!("{field}: {message}"),
    }
    .into()
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
    Ok((
        StatusCode::CREATED,
        Json(wire::AgencyCreated { id: agency.id }),
    ))
}

/// A person to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    /// 3 to 100 letters, digits and `. _ - @ +`; for an authority's user, an e-mail
    /// address in one of its domains.
    #[schema(pattern = "^[A-Za-z0-9._@+-]{3,100}$")]
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
    let username = Username::parse(&new.username).map_err(|e| AppError::BadRequest {
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
/// for, and it takes effect: a reviewer, approver or admin account (which until then
/// cannot sign in and whose token is refused) created or enabled again, or an agency's
/// changed details. Never the admin who asked. No body. For admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/changes/{id}/confirm",
    tag = "admin",
    params(("id" = i64, Path, description = "The change's id (`awaiting_confirmation` in the answer that created the account).")),
    responses(
        (status = 200, description = "Confirmed, and in effect.", body = wire::AdminChange),
        (status = 403, description = "Not an admin; the admin who asked (four eyes); or a session without its CSRF token.", body = ErrorBody,
            example = json!({"error": "you asked for this change; a second admin must confirm it (four eyes)"})),
        (status = 409, description = "Confirmed already; or an agency's new e-mail domain belongs to another agency by now.", body = ErrorBody,
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
    Ok(Json(wire::AdminChange::from(change)))
}

/// Change an agency
///
/// `PATCH /api/v1/admin/agencies/{id}`: any of its e-mail domains, call-back number and
/// age recipient. The change waits for a second admin's confirmation (`POST
/// /api/v1/admin/changes/{id}/confirm`) and takes effect then. An e-mail domain belongs
/// to one agency only, checked now and again at confirmation. For admins.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/agencies/{id}",
    tag = "admin",
    params(("id" = String, Path, description = "The agency's id.")),
    request_body(content = AgencyEdit,
        example = json!({"callback_phone": "+12065550111"})),
    responses(
        (status = 202, description = "Asked for; a second admin must confirm it.", body = wire::AdminChange),
        (status = 400, description = "A field unknown or malformed, or none set; `field` names it.", body = ErrorBody,
            example = json!({"error": "callback_phone: \"call me\" is not in E.164 form (like +12065550100)", "field": "callback_phone"})),
        (status = 409, description = "An e-mail domain belongs to another agency.", body = ErrorBody,
            example = json!({"error": "the e-mail domain seattle.gov belongs to agency seattle-pd"})),
        Unauthorized, NotAdmin, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn change_agency(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    JsonBody(edit): JsonBody<AgencyEdit>,
) -> Result<impl IntoResponse, ApiError> {
    let id = AgencyId::parse(&id).map_err(|_| AppError::NotFound)?;
    if edit.email_domains.is_none() && edit.callback_phone.is_none() && edit.age_recipient.is_none()
    {
        return Err(AppError::BadRequest {
            field: None,
            message: "set at least one of email_domains, callback_phone and age_recipient".into(),
        }
        .into());
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
    Ok((StatusCode::ACCEPTED, Json(wire::AdminChange::from(change))))
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

/// Changes waiting for a second admin
///
/// `GET /api/v1/admin/changes`: oldest first; `next` is the next page's URL, or null on
/// the last page. For admins.
#[utoipa::path(
    get,
    path = "/api/v1/admin/changes",
    tag = "admin",
    params(
        ("after" = Option<i64>, Query, description = "The last change of the page before."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Changes per page, 1 to 500 [default: 100]."),
    ),
    responses(
        (status = 200, description = "A page of changes.", body = ChangePage),
        (status = 400, description = "A query parameter unknown or malformed.", body = ErrorBody,
            example = json!({"error": "limit: a number from 1 to 500", "field": "limit"})),
        (status = 403, description = "Not an admin.", body = ErrorBody,
            example = json!({"error": "this needs the admin role"})),
        Unauthorized, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
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
    let changes = changes.into_iter().map(wire::AdminChange::from).collect();
    Ok(Json(ChangePage { changes, next }))
}

/// A page of the changes waiting for a second admin.
#[derive(Serialize, ToSchema)]
#[schema(as = ChangeList)]
pub(crate) struct ChangePage {
    changes: Vec<wire::AdminChange>,
    /// The next page's URL; null on the last page.
    #[schema(required)]
    next: Option<String>,
}

/// An account as an admin's change left it.
#[derive(Serialize, ToSchema)]
pub(crate) struct AccountState {
    #[schema(value_type = String, format = "uuid")]
    id: writ_core::UserId,
    #[schema(value_type = String)]
    username: Username,
    role: Role,
    /// When it was disabled; null when it is enabled.
    #[schema(value_type = Option<String>, format = DateTime, required)]
    disabled_at: Option<writ_core::Timestamp>,
    /// The change a second admin must confirm before the account works again.
    #[schema(required)]
    awaiting_confirmation: Option<i64>,
}

fn user_id(id: &str) -> Result<writ_core::UserId, AppError> {
    writ_core::UserId::parse(id).ok_or(AppError::NotFound)
}

/// Disable an account
///
/// `POST /api/v1/admin/users/{id}/disable`: at once; from the next request the
/// account's API tokens and sessions are refused and it cannot sign in. Not the admin's
/// own account. No body. For admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/disable",
    tag = "admin",
    params(("id" = String, Path, format = "uuid", description = "The user's id.")),
    responses(
        (status = 200, description = "Disabled.", body = AccountState),
        (status = 409, description = "Disabled already, or the admin's own account.", body = ErrorBody,
            example = json!({"error": "rita is disabled already"})),
        Unauthorized, NotAdmin, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
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

/// Enable an account
///
/// `POST /api/v1/admin/users/{id}/enable`: an authority's or auditor's account at once;
/// a reviewer's, approver's or admin's when a second admin confirms the change the
/// answer names (`awaiting_confirmation`). No body. For admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/enable",
    tag = "admin",
    params(("id" = String, Path, format = "uuid", description = "The user's id.")),
    responses(
        (status = 200, description = "Enabled.", body = AccountState),
        (status = 202, description = "Asked for; a second admin must confirm `awaiting_confirmation`.", body = AccountState),
        (status = 409, description = "Not disabled.", body = ErrorBody,
            example = json!({"error": "rita is not disabled"})),
        Unauthorized, NotAdmin, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
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
