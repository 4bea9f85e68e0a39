//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations
//! (`api.rs`, `hi1.rs`, `register.rs`, `delivery.rs`, `admin.rs`, `audit.rs`, and here for
//! `/healthz`) and committed as `openapi.json` at the repository root.
//!
//! Every schema is derived from the type that is serialised or read: records and
//! domain types derive theirs where they live (writ-core's and writ-store's `openapi`
//! feature), the API's own shapes in [`crate::wire`], the error bodies and the shared
//! error responses in [`crate::error`]. `tests/api/openapi.rs` fails when
//! `openapi.json` is not what this module generates, drives every documented operation
//! against a real server and validates each answer against the document, and checks
//! that every API route the crate registers is documented. A new route needs its
//! handler annotated with `#[utoipa::path(...)]` and listed in `paths(...)` below.

use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{admin, api, audit, delivery, eevidence, hi1, published, register, wire};

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
        api::check_demand,
        api::demand_status,
        api::withdraw,
        api::authority_message,
        hi1::receive_hi1_message,
        api::list_cases,
        api::view_case,
        api::case_history,
        api::review,
        api::request_clarification,
        api::assign,
        api::record_callback,
        api::approve,
        api::reject,
        api::counsel,
        eevidence::record_enforcing_authority,
        eevidence::record_form3,
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
        admin::add_agency,
        admin::change_agency,
        admin::add_user,
        admin::disable_user,
        admin::enable_user,
        admin::pending_changes,
        admin::confirm_change,
        published::publish,
        published::records,
        published::proof,
    ),
    // Named only by the shared 500 response, which utoipa does not follow to its schema.
    components(schemas(crate::error::InternalErrorBody)),
    modifiers(&SecuritySchemes),
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
        (name = "transparency", description = "The verifiable transparency report: a \
            published period's records (the leaves of its RFC 6962 tree) and the proof that \
            one record is in it, bound to the audit log. No credentials needed."),
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

/// Alive, and the database and the productions' storage answer
///
/// For load balancers: 200 while the database and the productions' directory or bucket
/// answer, 503 when one does not.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Alive, and the database and the storage answer.",
            body = wire::Health, example = json!({"status": "ok", "database": "ok", "storage": "ok"})),
        (status = 503, description = "The database or the storage does not answer, or not within a second.",
            body = wire::Health,
            example = json!({"status": "unavailable", "database": "ok", "storage": "unavailable"})),
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// The shared 401 stands on every route that needs credentials and the shared 500
    /// on every route that can fail, word for word: no route says them in its own words.
    #[test]
    fn every_route_gives_the_shared_401_and_500() {
        let doc: Value = serde_json::from_str(&super::openapi_json()).unwrap_or_default();
        let queue = &doc["paths"]["/api/v1/cases"]["get"]["responses"];
        let (unauthorized, failed) = (&queue["401"], &queue["500"]);
        assert!(unauthorized["description"].is_string() && failed["description"].is_string());
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                operations += 1;
                let responses = &operation["responses"];
                if operation.get("security").is_some() {
                    assert_eq!(&responses["401"], unauthorized, "{method} {path}");
                }
                if !matches!(path.as_str(), "/healthz" | "/api/v1/openapi.json") {
                    assert_eq!(&responses["500"], failed, "{method} {path}");
                }
            }
        }
        assert!(operations > 30, "{operations} operations");
    }
}
