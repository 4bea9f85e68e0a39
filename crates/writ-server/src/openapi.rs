//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations
//! (`api.rs`, `audit.rs`) and the schema types in [`schema`], and committed as
//! `openapi.json` at the repository root.
//!
//! The handlers build their answers with `json!`; the types here only describe them.
//! `tests/api/openapi.rs` keeps the two honest: it fails when `openapi.json` is not what
//! this module generates, drives every documented operation against a real server and
//! validates each answer against the document, and checks that every API route the
//! crate registers is documented. A new route needs its handler annotated with
//! `#[utoipa::path(...)]` and listed in `paths(...)` below.

use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{api, audit, delivery, register};

// The security schemes' names, as the handlers' `security(...)` attributes spell them.

/// An API token: `Authorization: Bearer writ_at_…`.
const API_TOKEN: &str = "api_token";
/// A browser session: the `writ_session` cookie.
const SESSION: &str = "session";
/// The CSRF token a session must send on every request that changes something.
const CSRF: &str = "csrf";

/// The OpenAPI document, as pretty JSON with every object's keys sorted (so the bytes
/// depend on nothing but the annotations), ending in a newline.
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    // Serialising plain data cannot fail; if it ever did, the drift test would see `null`.
    let value = serde_json::to_value(&doc).map(sorted).unwrap_or_default();
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The demand of `docs/policy.md` §1 that the request body's example shows.
pub(crate) fn demand_example() -> Value {
    serde_json::from_str(include_str!(
        "../../writ-core/tests/demands/policy-example.json"
    ))
    .unwrap_or_default()
}

/// `value` with the keys of every object in sorted order, whether or not serde_json
/// keeps insertion order (a feature another crate in the build may switch on).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "writ",
        description = "writ receives legal demands for user data from authorities, checks them \
            against the law (the policy engine), and has the provider's staff review and \
            approve them, four eyes on every disclosure. Every step is recorded in an \
            append-only audit log whose signed checkpoints and proofs are public.\n\n\
            Authorities and staff authenticate with an API token (`Authorization: Bearer \
            writ_at_…`) or, from a browser, with the session cookie that `POST \
            /api/v1/session` sets; a session must also send its CSRF token in the \
            `x-csrf-token` header on every request that changes something. Errors are \
            JSON: `{\"error\"}`, with `field` naming the offending field on a 400, and a \
            5xx says nothing of its cause but carries an `operation_id` to quote.\n\n\
            Request bodies are JSON whatever `Content-Type` says: writ reads the body as \
            JSON and names what is wrong in a 400, so a client that sends no \
            `Content-Type`, or another one, is never refused with a 415.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    paths(
        healthz,
        openapi_document,
        api::log_in,
        api::submit_demand,
        api::demand_status,
        api::withdraw,
        api::authority_message,
        api::list_cases,
        api::view_case,
        api::review,
        api::request_clarification,
        api::record_callback,
        api::approve,
        api::reject,
        api::counsel,
        api::clear_gate,
        delivery::case_productions,
        delivery::release,
        delivery::download,
        register::hold_notice,
        register::gags_for_review,
        register::extend_gag,
        register::lift_gag,
        register::holds,
        register::extend_hold,
        register::overdue,
        audit::latest_checkpoint,
        audit::inclusion_proof,
        audit::consistency_proof,
        add_agency,
        change_agency,
        add_user,
        disable_user,
        enable_user,
        pending_changes,
        confirm_change,
    ),
    modifiers(&SecuritySchemes, &OptionalBodies),
    tags(
        (name = "authorities", description = "What a requesting authority does: submit a \
            demand, follow it, answer questions, withdraw it. An authority sees only its \
            own demands."),
        (name = "staff", description = "What the provider's staff do: the queue, a case in \
            full, review, clarification, the emergency call-back, approval and rejection."),
        (name = "sessions", description = "Logging in from a browser: password and TOTP \
            code for a session cookie and its CSRF token."),
        (name = "audit", description = "The public audit log: the latest signed checkpoint \
            (a C2SP signed note) and the RFC 6962 proofs that hold writ to it. No \
            credentials needed."),
        (name = "admin", description = "What an admin does: register requesting \
            authorities and people."),
        (name = "operations", description = "For load balancers and operators."),
    ),
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("writ_at_…")
                    .description(Some(
                        "An API token issued by an operator (`writ_at_…`), for programs. \
                         Needs no CSRF token.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::access::SESSION_COOKIE,
                "The browser session `POST /api/v1/session` sets (HttpOnly, SameSite=Strict, \
                 8 hours). Requests other than GET also need the `csrf` scheme.",
            ))),
        );
        components.add_security_scheme(
            CSRF,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::access::CSRF_HEADER,
                "The session's CSRF token, as `POST /api/v1/session` returned it \
                 (`csrf_token`). Required with a session cookie on every request that \
                 changes something; without it the answer is 403.",
            ))),
        );
    }
}

/// Request bodies that may be left out, which the `path` attribute cannot say without
/// making the body's schema nullable.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let approve = openapi
            .paths
            .paths
            .get_mut("/api/v1/cases/{id}/approve")
            .and_then(|item| item.post.as_mut())
            .and_then(|operation| operation.request_body.as_mut());
        if let Some(utoipa::openapi::RefOr::T(body)) = approve {
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

/// Alive, and the database answers
///
/// For load balancers: 200 while the database answers, 503 when it does not.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Alive, and the database answers.",
            body = schema::Health, example = json!({"status": "ok"})),
        (status = 503, description = "The database does not answer, or not within a second.",
            body = schema::Health,
            example = json!({"status": "unavailable", "database": "unavailable"})),
    ),
)]
#[allow(dead_code)] // Describes `healthz` in lib.rs, which carries no annotations.
fn healthz() {}

/// This document
///
/// `GET /api/v1/openapi.json`: the OpenAPI document the server is built from, for
/// clients and test generators.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document.", body = Object, content_type = "application/json"),
    ),
)]
pub(crate) async fn openapi_document() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

// The admin's routes are described here until `admin.rs` carries its own annotations.

/// Register a requesting authority
///
/// `POST /api/v1/admin/agencies`: an authority, with the e-mail domains its people's
/// usernames must be in and the number an emergency call-back goes to. For admins.
#[utoipa::path(
    post,
    path = "/api/v1/admin/agencies",
    tag = "admin",
    request_body(content = schema::NewAgency,
        example = json!({"id": "seattle-pd", "name": "Seattle Police Department", "country": "US", "email_domains": ["seattle.gov"], "callback_phone": "+12065550100"})),
    responses(
        (status = 201, description = "Registered.", body = schema::AgencyCreated,
            example = json!({"id": "seattle-pd"})),
        (status = 400, description = "A field missing, unknown or malformed (`id`, `country`, `email_domains`, `callback_phone`).", body = schema::Error,
            example = json!({"error": "callback_phone: \"call me\" is not in E.164 form (like +12065550100)", "field": "callback_phone"})),
        (status = 401, description = "No credentials, or ones writ does not know.", body = schema::Error,
            example = json!({"error": "this API token is not valid"})),
        (status = 403, description = "Not an admin; or a session without its CSRF token.", body = schema::Error,
            example = json!({"error": "this needs the admin role"})),
        (status = 409, description = "An agency with that id exists.", body = schema::Error,
            example = json!({"error": "agency seattle-pd already exists"})),
        (status = 500, description = "writ failed; the cause is logged under `operation_id`.", body = schema::InternalError,
            example = json!({"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"})),
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
#[allow(dead_code)] // Describes `admin::add_agency`.
fn add_agency() {}

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
    request_body(content = schema::NewUser,
        example = json!({"username": "areyes@seattle.gov", "role": "agency", "agency": "seattle-pd"})),
    responses(
        (status = 201, description = "Added; hand the credentials over, they are not shown again.", body = schema::UserCreated),
        (status = 400, description = "A field missing, unknown or malformed; an authority's user without an agency or outside its domains; staff with an agency.", body = schema::Error,
            example = json!({"error": "agency: staff belong to no agency", "field": "agency"})),
        (status = 401, description = "No credentials, or ones writ does not know.", body = schema::Error,
            example = json!({"error": "this API token is not valid"})),
        (status = 403, description = "Not an admin; or a session without its CSRF token.", body = schema::Error,
            example = json!({"error": "this needs the admin role"})),
        (status = 409, description = "Someone has that username.", body = schema::Error,
            example = json!({"error": "areyes@seattle.gov already exists"})),
        (status = 500, description = "writ failed; the cause is logged under `operation_id`.", body = schema::InternalError,
            example = json!({"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"})),
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
#[allow(dead_code)] // Describes `admin::add_user`.
fn add_user() {}

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
    request_body(content = schema::AgencyEdit,
        example = json!({"callback_phone": "+12065550111"})),
    responses(
        (status = 202, description = "Asked for; a second admin must confirm it.", body = schema::AdminChange),
        (status = 400, description = "A field unknown or malformed, or none set; `field` names it.", body = schema::Error,
            example = json!({"error": "callback_phone: \"call me\" is not in E.164 form (like +12065550100)", "field": "callback_phone"})),
        (status = 401, description = "No credentials, or ones writ does not know.", body = schema::Error,
            example = json!({"error": "this API token is not valid"})),
        (status = 403, description = "Not an admin; or a session without its CSRF token.", body = schema::Error,
            example = json!({"error": "this needs the admin role"})),
        (status = 404, description = "No such agency.", body = schema::Error,
            example = json!({"error": "not found"})),
        (status = 409, description = "An e-mail domain belongs to another agency.", body = schema::Error,
            example = json!({"error": "the e-mail domain seattle.gov belongs to agency seattle-pd"})),
        (status = 500, description = "writ failed; the cause is logged under `operation_id`.", body = schema::InternalError,
            example = json!({"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"})),
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
#[allow(dead_code)] // Describes `admin::change_agency`.
fn change_agency() {}

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
        (status = 200, description = "Disabled.", body = schema::AccountState),
        (status = 401, description = "No credentials, or ones writ does not know.", body = schema::Error,
            example = json!({"error": "this API token is not valid"})),
        (status = 403, description = "Not an admin; or a session without its CSRF token.", body = schema::Error,
            example = json!({"error": "this needs the admin role"})),
        (status = 404, description = "No such user.", body = schema::Error,
            example = json!({"error": "not found"})),
        (status = 409, description = "Disabled already, or the admin's own account.", body = schema::Error,
            example = json!({"error": "rita is disabled already"})),
        (status = 500, description = "writ failed; the cause is logged under `operation_id`.", body = schema::InternalError,
            example = json!({"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"})),
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
#[allow(dead_code)] // Describes `admin::disable_user`.
fn disable_user() {}

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
        (status = 200, description = "Enabled.", body = schema::AccountState),
        (status = 202, description = "Asked for; a second admin must confirm `awaiting_confirmation`.", body = schema::AccountState),
        (status = 401, description = "No credentials, or ones writ does not know.", body = schema::Error,
            example = json!({"error": "this API token is not valid"})),
        (status = 403, description = "Not an admin; or a session without its CSRF token.", body = schema::Error,
            example = json!({"error": "this needs the admin role"})),
        (status = 404, description = "No such user.", body = schema::Error,
            example = json!({"error": "not found"})),
        (status = 409, description = "Not disabled.", body = schema::Error,
            example = json!({"error": "rita is not disabled"})),
        (status = 500, description = "writ failed; the cause is logged under `operation_id`.", body = schema::InternalError,
            example = json!({"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"})),
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
#[allow(dead_code)] // Describes `admin::enable_user`.
fn enable_user() {}

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
        (status = 200, description = "A page of changes.", body = schema::ChangeList),
        (status = 400, description = "A query parameter unknown or malformed.", body = schema::Error,
            example = json!({"error": "limit: a number from 1 to 500", "field": "limit"})),
        (status = 401, description = "No credentials, or ones writ does not know.", body = schema::Error,
            example = json!({"error": "this API token is not valid"})),
        (status = 403, description = "Not an admin.", body = schema::Error,
            example = json!({"error": "this needs the admin role"})),
        (status = 500, description = "writ failed; the cause is logged under `operation_id`.", body = schema::InternalError,
            example = json!({"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"})),
    ),
    security(("api_token" = []), ("session" = [])),
)]
#[allow(dead_code)] // Describes `admin::pending_changes`.
fn pending_changes() {}

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
        (status = 200, description = "Confirmed, and in effect.", body = schema::AdminChange),
        (status = 401, description = "No credentials, or ones writ does not know.", body = schema::Error,
            example = json!({"error": "this API token is not valid"})),
        (status = 403, description = "Not an admin; the admin who asked (four eyes); or a session without its CSRF token.", body = schema::Error,
            example = json!({"error": "you asked for this change; a second admin must confirm it (four eyes)"})),
        (status = 404, description = "No such change; a malformed id is not found either.", body = schema::Error,
            example = json!({"error": "not found"})),
        (status = 409, description = "Confirmed already; or an agency's new e-mail domain belongs to another agency by now.", body = schema::Error,
            example = json!({"error": "change 7 is confirmed already"})),
        (status = 500, description = "writ failed; the cause is logged under `operation_id`.", body = schema::InternalError,
            example = json!({"error": "internal error; quote the operation id when reporting it", "operation_id": "6f1c2e0a-3b5d-4e7f-9a1b-2c3d4e5f6a7b"})),
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
#[allow(dead_code)] // Describes `admin::confirm_change`.
fn confirm_change() {}

/// The shapes of the JSON the API reads and writes. Never built: the handlers write
/// their answers with `json!`, and the tests check those answers against these.
#[allow(dead_code)]
pub(crate) mod schema {
    use utoipa::ToSchema;

    // ------------------------------------------------------------ common

    /// A refusal the client can act on (4xx).
    #[derive(ToSchema)]
    pub struct Error {
        /// What is wrong, in a sentence; on a 400 it begins with the field's path.
        pub error: String,
        /// On a 400: the path of the field that is wrong (`targets[0].value`,
        /// `scope.targets[0]`, `reason`), when one is to blame.
        #[schema(nullable = false)]
        pub field: Option<String>,
    }

    /// A failure of the server's (5xx). The cause is logged, never sent.
    #[derive(ToSchema)]
    pub struct InternalError {
        /// Always `internal error; quote the operation id when reporting it`.
        pub error: String,
        /// The id under which the cause was logged: quote it when reporting.
        #[schema(format = "uuid")]
        pub operation_id: String,
    }

    /// What `/healthz` says.
    #[derive(ToSchema)]
    pub struct Health {
        /// `ok` or `unavailable`.
        pub status: String,
        /// `unavailable` when the database does not answer, `timeout` when it does not
        /// answer within a second.
        #[schema(nullable = false)]
        pub database: Option<String>,
    }

    /// Where a case stands.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum CaseState {
        Received,
        InReview,
        AwaitingClarification,
        Approved,
        Rejected,
        Redirected,
        Withdrawn,
        Collecting,
        Sealed,
        Delivered,
        Closed,
    }

    /// What someone may do.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        Reviewer,
        Approver,
        Admin,
        Auditor,
        Agency,
    }

    /// A category of data (`docs/policy.md` §1).
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Category {
        Subscriber,
        IpIdentification,
        Traffic,
        Content,
        /// Never compellable (policy §5): refused with `KEYS_OR_ACCESS_REFUSED`.
        EncryptionKeys,
        /// Never compellable (policy §5).
        DirectAccess,
        /// Never compellable (policy §5).
        TechnicalCapability,
    }

    /// The kind of a target identifier.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum TargetKind {
        Email,
        Phone,
        Username,
        AccountId,
        Ip,
        DeviceId,
    }

    /// A closed interval of time, `from` ≤ `to`.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Period {
        #[schema(format = DateTime)]
        pub from: String,
        #[schema(format = DateTime)]
        pub to: String,
    }

    /// One identifier: `{"type": "email", "value": "alice@example.com"}`; an `ip` has
    /// `at` (when the address was observed) and may have `port`.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Target {
        #[serde(rename = "type")]
        pub kind: TargetKind,
        /// As written (E.164 for a phone); what a value must look like depends on
        /// `type`, and one that does not is refused (400, naming it).
        #[schema(min_length = 1)]
        pub value: String,
        #[schema(format = DateTime, nullable = false)]
        pub at: Option<String>,
        #[schema(nullable = false, minimum = 0, maximum = 65535)]
        pub port: Option<u32>,
    }

    /// The case after a step: its id and the state it is now in.
    #[derive(ToSchema)]
    pub struct CaseStateChange {
        #[schema(format = "uuid")]
        pub id: String,
        pub state: CaseState,
    }

    // ------------------------------------------------------------ sessions

    /// A logged-in session. The cookie comes in `Set-Cookie`.
    #[derive(ToSchema)]
    pub struct Session {
        pub role: Role,
        /// Send it in the header `csrf_header` names on every request that changes
        /// something.
        pub csrf_token: String,
        /// Always `x-csrf-token`.
        pub csrf_header: String,
    }

    // ------------------------------------------------------------ demands

    /// A demand for user data, in writ's native JSON (`docs/policy.md` §1). Unknown
    /// fields, wrong types, malformed times or identifiers and a `period` whose `from`
    /// is after its `to` are refused (400, naming the field); an unknown
    /// `instrument.type` is not: the policy engine decides it.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Demand {
        /// The authority's own case or warrant number: one line, at most 128 characters.
        #[schema(
            max_length = 128,
            min_length = 1,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub reference: String,
        /// When the provider received it; now if left out.
        #[schema(format = DateTime)]
        pub received_at: Option<String>,
        pub authority: Authority,
        pub instrument: Instrument,
        /// Present when an emergency is claimed.
        pub emergency: Option<Emergency>,
        /// `disclose` if left out.
        #[schema(nullable = false)]
        pub action: Option<Action>,
        /// The data asked for: not empty, no repeats.
        pub categories: Vec<Category>,
        /// Required by some rules.
        pub period: Option<Period>,
        pub targets: Vec<Target>,
    }

    /// Who asks.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Authority {
        /// One line, at most 256 characters.
        #[schema(
            max_length = 256,
            min_length = 1,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub name: String,
        /// ISO 3166-1 alpha-2, upper case (`US`, `DE`).
        #[schema(pattern = "^[A-Z]{2}$")]
        pub country: String,
        #[schema(nullable = false)]
        pub contact: Option<Contact>,
    }

    /// A person at the authority. writ never calls `phone`: an emergency call-back
    /// goes to the number writ holds for the agency.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Contact {
        #[schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub name: Option<String>,
        #[schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub email: Option<String>,
        #[schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub phone: Option<String>,
    }

    /// The legal instrument (warrant, subpoena, order).
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Instrument {
        /// An instrument id of `docs/policy.md` §2 (`us.search_warrant`, `eu.epoc`).
        #[serde(rename = "type")]
        #[schema(
            max_length = 256,
            min_length = 1,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub kind: String,
        pub issuer: Issuer,
        #[schema(format = DateTime)]
        pub issued_at: String,
        #[schema(format = DateTime)]
        pub expires_at: Option<String>,
        pub signed: Option<bool>,
        /// For an EU order issued by another authority: who validated it.
        pub validated_by: Option<Issuer>,
        pub nondisclosure: Option<Nondisclosure>,
        /// EU instruments: the offence.
        pub offence: Option<Offence>,
        /// EU instruments; false if left out.
        #[schema(nullable = false)]
        pub offence_in_issuing_state: Option<bool>,
        /// EU instruments; false if left out.
        #[schema(nullable = false)]
        pub target_resides_in_issuing_state: Option<bool>,
    }

    /// Who issued (or validated) the instrument.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Issuer {
        #[schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub name: Option<String>,
        pub role: IssuerRole,
    }

    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum IssuerRole {
        Judge,
        Magistrate,
        InvestigatingJudge,
        Court,
        Prosecutor,
        Police,
        Fbi,
        AttorneyGeneral,
        Other,
    }

    /// A non-disclosure ("gag") order: `until` a time, or `indefinite`.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Nondisclosure {
        #[schema(format = DateTime)]
        pub until: Option<String>,
        #[schema(nullable = false)]
        pub indefinite: Option<bool>,
        /// The law it rests on (`18 U.S.C. 2705(b)`).
        pub basis: Option<String>,
    }

    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Offence {
        #[schema(nullable = false)]
        pub description: Option<String>,
        #[schema(nullable = false)]
        pub max_penalty_years: Option<f64>,
        /// `none` if left out.
        #[schema(nullable = false)]
        pub listed: Option<ListedOffence>,
    }

    /// Offences the e-Evidence Regulation lets through whatever their penalty.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ListedOffence {
        None,
        Cyber,
        ChildSexualAbuse,
        PaymentFraud,
        Terrorism,
    }

    /// An emergency claimed; the justification is weighed, not refused when blank.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Emergency {
        #[schema(nullable = false)]
        pub justification: Option<String>,
    }

    /// `disclose` (the default) or `preserve`.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Action {
        Disclose,
        Preserve,
    }

    /// The demand was received and a case opened for it.
    #[derive(ToSchema)]
    pub struct DemandReceipt {
        /// The case's id: the demand's address from now on.
        #[schema(format = "uuid")]
        pub id: String,
        pub reference: String,
        pub state: CaseState,
        #[schema(format = DateTime)]
        pub received_at: String,
        /// The receipt in words.
        pub acknowledgement: String,
    }

    /// A demand as its authority sees it.
    #[derive(ToSchema)]
    pub struct DemandStatus {
        #[schema(format = "uuid")]
        pub id: String,
        pub reference: String,
        pub state: CaseState,
        #[schema(format = DateTime)]
        pub received_at: String,
        /// When the answer is due, if the rules set a deadline.
        #[schema(format = DateTime, required)]
        pub deadline: Option<String>,
        /// Why it was rejected, once it is.
        #[schema(required)]
        pub rejection_reason: Option<String>,
        /// What the policy engine refused of what was asked, each with its reason, rule
        /// and citation: keys, access or capability are refused under the provider's
        /// own policy (`KEYS_OR_ACCESS_REFUSED`, rule P-1); the rest proceeds.
        pub refused: Vec<Finding>,
        /// The case's thread, oldest first.
        pub messages: Vec<Message>,
        /// For a demand redirected to an enterprise customer: the letter saying so.
        #[schema(required)]
        pub redirect_letter: Option<String>,
        /// The productions released to the authority, each with a download link.
        pub productions: Vec<ReleasedProduction>,
    }

    /// A production released to the authority.
    #[derive(ToSchema)]
    pub struct ReleasedProduction {
        #[schema(format = "uuid")]
        pub id: String,
        /// SHA-256 of the file, hex.
        pub sha256: String,
        /// Bytes.
        pub size: u64,
        /// Nothing in scope was found; the production says so, signed.
        pub no_data: bool,
        #[schema(format = DateTime)]
        pub sealed_at: String,
        #[schema(format = DateTime)]
        pub released_at: String,
        /// Fetch it with the same credentials, before `expires_at`.
        pub download_url: String,
        #[schema(format = DateTime)]
        pub expires_at: String,
    }

    /// Where a production stands.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ProductionState {
        Collecting,
        Sealed,
        Released,
        /// The demand was withdrawn while it was collected; nothing was sealed.
        Cancelled,
    }

    // ------------------------------------------------------------ registers

    /// A notice just held.
    #[derive(ToSchema)]
    pub struct Held {
        pub id: i64,
        /// Always `held`.
        pub state: String,
    }

    /// A non-disclosure order in the gag register.
    #[derive(ToSchema)]
    pub struct Gag {
        pub id: i64,
        /// The case's id.
        #[schema(format = "uuid")]
        pub case: String,
        #[schema(required)]
        pub basis: Option<String>,
        /// Its end; `null`: indefinite.
        #[schema(format = DateTime, required)]
        pub until: Option<String>,
        #[schema(format = DateTime, required)]
        pub lifted_at: Option<String>,
        #[schema(format = DateTime)]
        pub created_at: String,
    }

    /// Counsel's challenge list.
    #[derive(ToSchema)]
    pub struct GagReview {
        /// The DOJ's 2017 policy on 18 U.S.C. 2705(b) orders.
        pub citation: String,
        pub gags: Vec<Gag>,
    }

    /// A preservation hold in force.
    #[derive(ToSchema)]
    pub struct Hold {
        pub id: i64,
        #[schema(format = "uuid")]
        pub case: String,
        pub account: String,
        pub category: String,
        #[schema(format = DateTime)]
        pub expires_at: String,
        #[schema(format = DateTime, required)]
        pub extended_at: Option<String>,
    }

    #[derive(ToSchema)]
    pub struct Holds {
        pub holds: Vec<Hold>,
    }

    /// An open case past its deadline.
    #[derive(ToSchema)]
    pub struct OverdueCase {
        #[schema(format = "uuid")]
        pub id: String,
        pub reference: String,
        pub state: CaseState,
        #[schema(format = DateTime, required)]
        pub deadline: Option<String>,
        pub emergency: bool,
    }

    #[derive(ToSchema)]
    pub struct Overdue {
        pub cases: Vec<OverdueCase>,
    }

    /// A production as staff see it.
    #[derive(ToSchema)]
    pub struct Production {
        #[schema(format = "uuid")]
        pub id: String,
        /// The case's id.
        #[schema(format = "uuid")]
        pub case: String,
        pub state: ProductionState,
        /// How many items the collection has in all, once the sources have listed them.
        #[schema(required)]
        pub items_total: Option<u64>,
        pub items_done: u64,
        pub bytes_done: u64,
        /// The sealed file, once sealed.
        #[schema(required)]
        pub sealed: Option<SealedFile>,
        #[schema(format = DateTime, required)]
        pub released_at: Option<String>,
    }

    /// A sealed production's file.
    #[derive(ToSchema)]
    pub struct SealedFile {
        /// SHA-256 of the encrypted file, hex.
        pub sha256: String,
        pub size: u64,
        /// SHA-256 of its `manifest.json`, hex.
        pub manifest_sha256: String,
        pub no_data: bool,
        #[schema(format = DateTime)]
        pub sealed_at: String,
    }

    /// One message of a case's thread.
    #[derive(ToSchema)]
    pub struct Message {
        pub from: MessageFrom,
        pub body: String,
        #[schema(format = DateTime)]
        pub at: String,
    }

    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum MessageFrom {
        Authority,
        Provider,
    }

    // ------------------------------------------------------------ cases

    /// The queue.
    #[derive(ToSchema)]
    pub struct CaseList {
        /// Emergencies first, then by deadline.
        pub cases: Vec<CaseSummary>,
        /// The next page's URL (the same filters, a cursor); null on the last page.
        pub next: Option<String>,
    }

    /// A case as the queue shows it.
    #[derive(ToSchema)]
    pub struct CaseSummary {
        #[schema(format = "uuid")]
        pub id: String,
        pub reference: String,
        pub state: CaseState,
        /// The instrument id (`us.search_warrant`).
        pub instrument: String,
        pub authority_country: String,
        pub emergency: bool,
        #[schema(format = DateTime)]
        pub received_at: String,
        #[schema(format = DateTime, required)]
        pub deadline: Option<String>,
        /// The policy engine's verdict.
        #[schema(required)]
        pub verdict: Option<Verdict>,
        /// The policy engine's route.
        #[schema(required)]
        pub route: Option<Route>,
        /// Past its deadline and still open: highlighted in the queue.
        pub overdue: bool,
    }

    /// Everything on a case.
    #[derive(ToSchema)]
    pub struct CaseDetail {
        #[schema(format = "uuid")]
        pub id: String,
        pub reference: String,
        pub state: CaseState,
        /// The id of the agency that submitted it.
        #[schema(required)]
        pub agency: Option<String>,
        pub instrument: String,
        pub authority_country: String,
        pub emergency: bool,
        #[schema(format = DateTime)]
        pub received_at: String,
        #[schema(format = DateTime, required)]
        pub deadline: Option<String>,
        /// Bumped by every change.
        pub version: i64,
        /// What the policy engine decided.
        #[schema(required)]
        pub decision: Option<Decision>,
        /// The reviewer's recommendation, once there is one.
        #[schema(required)]
        pub recommendation: Option<RecordedRecommendation>,
        /// What was approved for disclosure, once it is.
        #[schema(required)]
        pub scope: Option<Scope>,
        #[schema(required)]
        pub rejection_reason: Option<String>,
        /// Counsel's latest decision on an assistance order (route `counsel`).
        #[schema(required)]
        pub counsel: Option<CounselDecision>,
        /// The demand as the authority submitted it.
        pub demand: Demand,
        /// The case's thread, oldest first.
        pub messages: Vec<Message>,
        /// The emergency call-backs made, oldest first.
        pub callbacks: Vec<Callback>,
        /// The gates people cleared, with their reasons, in the order they were cleared.
        pub gate_clearances: Vec<GateClearance>,
        /// The notices owed about the case.
        pub notices: Vec<Notice>,
        /// Preservation holds in force from earlier cases on this case's targets (a
        /// preservation request, then the demand for disclosure it preserved for).
        pub preservations: Vec<Hold>,
    }

    /// One emergency call-back, to the number writ holds for the agency.
    #[derive(ToSchema)]
    pub struct Callback {
        /// Who called (`staff:NAME`).
        pub caller: String,
        /// The number called: the agency's number on file, never the demand's.
        pub number: String,
        #[schema(format = DateTime)]
        pub called_at: String,
        pub outcome: CallbackOutcome,
        pub notes: String,
    }

    /// What the provider does about an assistance order routed to counsel.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum CounselAction {
        /// Seek review or set it aside; the case stays open.
        Challenge,
        /// Decline to comply; the case is rejected.
        Refuse,
    }

    /// Counsel's decision as kept with the case.
    #[derive(ToSchema)]
    pub struct CounselDecision {
        pub decision: CounselAction,
        pub reason: String,
        #[schema(format = DateTime, required)]
        pub deadline: Option<String>,
        #[schema(format = "uuid")]
        pub by: String,
        pub by_name: String,
        #[schema(format = DateTime)]
        pub at: String,
    }

    /// A gate a person cleared.
    #[derive(ToSchema)]
    pub struct GateClearance {
        pub code: Code,
        pub reason: String,
        /// Who cleared it (`user:<id>`).
        pub cleared_by: String,
        #[schema(format = DateTime)]
        pub cleared_at: String,
    }

    /// How an emergency call-back to the authority went.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum CallbackOutcome {
        /// The authority, reached on its known number, confirmed the request.
        Confirmed,
        /// Reached, but it did not confirm: the request may be forged.
        NotConfirmed,
        NoAnswer,
    }

    /// A notice owed about a case.
    #[derive(ToSchema)]
    pub struct Notice {
        /// What `POST /api/v1/notices/{id}/hold` takes.
        pub id: i64,
        /// `user` or `tenant_admin`.
        pub recipient: String,
        pub address: String,
        /// `pending` (in the outbox), `held` (by staff), `sent`, or `cancelled` (the
        /// demand was withdrawn before it went out).
        pub state: String,
        pub subject: String,
        /// Plain text.
        pub body: String,
        /// The same, as HTML (empty for a redirect letter).
        pub body_html: String,
        /// Not sent before then, nor while a gag on the case is in force.
        #[schema(format = DateTime, required)]
        pub not_before: Option<String>,
        /// Why staff hold it.
        #[schema(required)]
        pub hold_reason: Option<String>,
        #[schema(format = DateTime, required)]
        pub sent_at: Option<String>,
        #[schema(format = DateTime)]
        pub created_at: String,
    }

    // ------------------------------------------------------------ admin

    /// A requesting authority to register.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct NewAgency {
        /// A short slug: 2 to 40 lower-case letters, digits and hyphens, not at either
        /// end.
        #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
        pub id: String,
        /// One line, up to 256 characters.
        #[schema(
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )]
        pub name: String,
        /// ISO 3166-1 alpha-2, upper case.
        #[schema(pattern = "^[A-Z]{2}$")]
        pub country: String,
        /// The domains of its people's e-mail addresses (`seattle.gov`).
        #[schema(min_items = 1, inline)]
        pub email_domains: Vec<EmailDomain>,
        /// The number an emergency call-back goes to, E.164 (`+12065550100`).
        #[schema(pattern = r"^\+[1-9][0-9]{1,14}$")]
        pub callback_phone: String,
        /// The age recipient (`age1…`) its productions are encrypted to; without one,
        /// nothing can be sealed for it.
        #[schema(pattern = "^age1[02-9ac-hj-np-z]{58}$")]
        pub age_recipient: Option<String>,
    }

    /// An e-mail domain: a host name with a dot, no `@`, no spaces.
    #[derive(ToSchema)]
    #[schema(max_length = 256, pattern = r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
    pub struct EmailDomain(String);

    #[derive(ToSchema)]
    pub struct AgencyCreated {
        pub id: String,
    }

    /// A person to add.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct NewUser {
        /// 3 to 100 letters, digits and `. _ - @ +`; for an authority's user, an e-mail
        /// address in one of its domains.
        #[schema(pattern = "^[A-Za-z0-9._@+-]{3,100}$")]
        pub username: String,
        pub role: Role,
        /// The agency of a user with the `agency` role; none for staff.
        pub agency: Option<String>,
    }

    /// A person added, with their credentials, shown this once.
    #[derive(ToSchema)]
    pub struct UserCreated {
        #[schema(format = "uuid")]
        pub id: String,
        pub username: String,
        pub role: Role,
        #[schema(required)]
        pub agency: Option<String>,
        pub password: String,
        /// The TOTP secret, base32.
        pub totp_secret: String,
        /// The secret as an `otpauth://` URI, for an authenticator app.
        pub totp_uri: String,
        /// An API token (`writ_at_…`).
        pub token: String,
        /// For a reviewer, approver or admin: the change a second admin must confirm
        /// (`POST /api/v1/admin/changes/{id}/confirm`) before the account works.
        #[schema(required)]
        pub awaiting_confirmation: Option<i64>,
    }

    /// A change one admin asked for and a second must confirm.
    #[derive(ToSchema)]
    pub struct AdminChange {
        pub id: i64,
        /// `user.added`, `user.enabled` or `agency.changed`.
        pub kind: String,
        /// What it is about: a user's id (`user.…`) or an agency's (`agency.…`).
        pub subject: String,
        /// What an `agency.changed` sets (the fields of `AgencyEdit` it was given).
        #[schema(required)]
        pub details: Option<AgencyEdit>,
        #[schema(format = "uuid")]
        pub requested_by: String,
        #[schema(format = DateTime)]
        pub requested_at: String,
        #[schema(format = "uuid", required)]
        pub confirmed_by: Option<String>,
        #[schema(format = DateTime, required)]
        pub confirmed_at: Option<String>,
    }

    /// A page of the changes waiting for a second admin.
    #[derive(ToSchema)]
    pub struct ChangeList {
        pub changes: Vec<AdminChange>,
        /// The next page's URL; null on the last page.
        #[schema(required)]
        pub next: Option<String>,
    }

    /// What a change to an agency sets; at least one field.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    #[schema(min_properties = 1)]
    pub struct AgencyEdit {
        /// The domains of its people's e-mail addresses, replacing the old list.
        #[schema(min_items = 1, inline)]
        pub email_domains: Option<Vec<EmailDomain>>,
        /// The number an emergency call-back goes to, E.164 (`+12065550100`).
        #[schema(pattern = r"^\+[1-9][0-9]{1,14}$")]
        pub callback_phone: Option<String>,
        /// The age recipient (`age1…`) its productions are encrypted to.
        #[schema(pattern = "^age1[02-9ac-hj-np-z]{58}$")]
        pub age_recipient: Option<String>,
    }

    /// An account as an admin's change left it.
    #[derive(ToSchema)]
    pub struct AccountState {
        #[schema(format = "uuid")]
        pub id: String,
        pub username: String,
        pub role: Role,
        /// When it was disabled; null when it is enabled.
        #[schema(format = DateTime, required)]
        pub disabled_at: Option<String>,
        /// The change a second admin must confirm before the account works again.
        #[schema(required)]
        pub awaiting_confirmation: Option<i64>,
    }

    // ------------------------------------------------------------ the decision

    /// What the policy engine decided, as specified in `docs/policy.md` §4 (the
    /// decision `writ demand check` prints).
    #[derive(ToSchema)]
    pub struct Decision {
        pub verdict: Verdict,
        pub route: Route,
        /// The id of the rule applied (`US-3`); `null` for an unknown instrument.
        #[schema(required)]
        pub rule: Option<String>,
        pub categories: Vec<CategoryDecision>,
        pub targets: Vec<TargetDecision>,
        pub findings: Vec<Finding>,
        /// When the response is due.
        #[schema(format = DateTime, required)]
        pub deadline: Option<String>,
        /// For `action: preserve`: until when the data is kept.
        #[schema(format = DateTime, required)]
        pub preserve_until: Option<String>,
        pub notification: Notification,
    }

    /// `reject` if anything blocks or nothing is allowed; `partial` if something asked
    /// is refused; else `accept`.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Verdict {
        Accept,
        Partial,
        Reject,
    }

    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Route {
        Process,
        RedirectEnterprise,
        Mlat,
        Manual,
        /// An assistance order asking for keys, access or capability: counsel's.
        Counsel,
        None,
    }

    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome {
        Allow,
        Refuse,
    }

    #[derive(ToSchema)]
    pub struct CategoryDecision {
        pub category: Category,
        pub decision: Outcome,
        /// The codes of the findings about this category.
        pub codes: Vec<Code>,
    }

    #[derive(ToSchema)]
    pub struct TargetDecision {
        #[serde(rename = "type")]
        pub kind: TargetKind,
        /// The value exactly as the demand gave it.
        pub value: String,
        pub decision: Outcome,
        pub codes: Vec<Code>,
    }

    /// One thing the engine found (`docs/policy.md` §3).
    #[derive(ToSchema)]
    pub struct Finding {
        pub code: Code,
        pub severity: Severity,
        /// What a reviewer needs to know.
        pub message: String,
        #[schema(required)]
        pub rule: Option<String>,
        #[schema(required)]
        pub citation: Option<String>,
        #[schema(required)]
        pub category: Option<Category>,
        /// The target's value as given, if the finding is about one.
        #[schema(required)]
        pub target: Option<String>,
    }

    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Severity {
        /// The demand is rejected.
        Block,
        /// The category or target it names is refused.
        Refuse,
        /// Nothing may be disclosed until a person records a check.
        Gate,
        /// Counsel should consider acting.
        Warn,
        Info,
    }

    /// Every finding the engine can make, in the order of `docs/policy.md` §3.
    #[derive(ToSchema)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum Code {
        UnknownInstrument,
        NoLegalProcess,
        RealtimeOutOfScope,
        JurisdictionMismatch,
        NotYetApplicable,
        InstrumentNotYetValid,
        InstrumentExpired,
        IssuerNotCompetent,
        AgreementAttestationMissing,
        EmergencyNoFactualBasis,
        NotSpecific,
        IpWithoutTimestamp,
        NoSpecificTarget,
        BulkRequest,
        KeysOrAccessRefused,
        AssistanceOrderChallenge,
        InstrumentInsufficient,
        ContentRequiresMlat,
        OffenceThresholdNotMet,
        PeriodRequired,
        EnforcingAuthorityNotification,
        ConflictingObligation,
        EmergencyVerificationRequired,
        #[serde(rename = "VALIDATION_REQUIRED_48H")]
        ValidationRequired48h,
        NdoOverlong,
        NationalSecurity,
        VoluntaryDisclosure,
        PreservePendingMlat,
        EnterpriseRedirect,
        /// Added at intake, not by the engine: the authority used the reference for
        /// another case in the last 30 days.
        DuplicateReference,
    }

    /// What writ will do to tell the affected person.
    #[derive(ToSchema)]
    pub struct Notification {
        /// `user`, `tenant_admin` or `none`.
        pub recipient: String,
        /// `before_disclosure`, `after` or `never`.
        pub when: String,
        /// The earliest time a notice may go out (`after` only).
        #[schema(format = DateTime, required)]
        pub not_before: Option<String>,
        pub reason: String,
    }

    // ------------------------------------------------------------ review

    /// A reviewer's recommendation. Only an approval carries a `scope`, and without
    /// one it approves all the engine allowed.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RecommendationRequest {
        pub recommendation: RecommendationKind,
        /// Why; not blank.
        pub reason: String,
        #[schema(nullable = false)]
        pub scope: Option<ScopeRequest>,
    }

    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum RecommendationKind {
        Approve,
        Reject,
    }

    /// A narrowing of what the engine allowed. A part left out keeps what was allowed;
    /// a part given may not be `null` or empty, nor widen anything.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ScopeRequest {
        #[schema(nullable = false, min_items = 1)]
        pub categories: Option<Vec<Category>>,
        #[schema(nullable = false, min_items = 1)]
        pub targets: Option<Vec<Target>>,
        #[schema(nullable = false)]
        pub period: Option<Period>,
    }

    /// What may be disclosed: categories, targets and period.
    #[derive(ToSchema)]
    pub struct Scope {
        pub categories: Vec<Category>,
        pub targets: Vec<Target>,
        #[schema(required)]
        pub period: Option<Period>,
    }

    /// A recommendation as kept with the case.
    #[derive(ToSchema)]
    pub struct RecordedRecommendation {
        /// The reviewer's user id.
        #[schema(format = "uuid")]
        pub by: String,
        /// The reviewer's username.
        pub by_name: String,
        pub recommendation: RecommendationKind,
        pub reason: String,
        /// The scope recommended for disclosure.
        pub scope: Scope,
        #[schema(format = DateTime)]
        pub at: String,
    }

    /// The case after a recommendation.
    #[derive(ToSchema)]
    pub struct Recommended {
        #[schema(format = "uuid")]
        pub id: String,
        pub state: CaseState,
        pub recommendation: RecordedRecommendation,
    }

    /// The case after an approval: `approved`, or `redirected` to an enterprise
    /// customer.
    #[derive(ToSchema)]
    pub struct Approved {
        #[schema(format = "uuid")]
        pub id: String,
        pub state: CaseState,
        /// What was approved for disclosure.
        #[schema(required)]
        pub scope: Option<Scope>,
    }
}
