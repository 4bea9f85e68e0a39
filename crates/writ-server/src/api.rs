//! The JSON API: what authorities and staff do, each route behind the extractor that
//! grants it. Handlers translate HTTP to desk calls and back; the rules are elsewhere.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use writ_core::Timestamp;
use writ_core::case::CallbackOutcome;
use writ_core::policy::Code;
use writ_core::review::Recommendation;
use writ_core::workflow::CounselAction;

use writ_app::AppError;

use crate::ApiError;
use crate::access::{AgencyUser, AppState, Approver, CSRF_HEADER, Reviewer, Staff};
use crate::error::ErrorBody;
use crate::error::responses::{
    BadMessage, BadReason, NotAgency, NotApprover, NotFound, NotReviewer, NotStaff, ServerError,
    Unauthorized,
};
use crate::extract::{JsonBody, Stated, Statement, case_id, free_text, non_blank};
use crate::wire::{self, MessageBody, Reason};
use writ_app::credentials::csrf_token;

/// The header a client sends to make a retried submission safe.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// An `Idempotency-Key`: 1 to 255 visible ASCII characters.
fn idempotency_key(value: &axum::http::HeaderValue) -> Result<&str, AppError> {
    value
        .to_str()
        .ok()
        .filter(|key| (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| AppError::BadRequest {
            field: Some("Idempotency-Key".into()),
            message: "Idempotency-Key: 1 to 255 visible ASCII characters, such as a UUID".into(),
        })
}

// ---------------------------------------------------------------- sessions

/// A login: password and TOTP code.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = LoginRequest)]
pub(crate) struct Login {
    username: String,
    password: String,
    /// The current code of the person's authenticator app. Required: a login without
    /// it is refused.
    #[serde(default)]
    totp: Option<String>,
}

/// Log in from a browser
///
/// `POST /api/v1/session`: password and TOTP code, both required, for a session cookie.
/// A code is good once. The answer's `csrf_token` goes in the `x-csrf-token` header of
/// every request that changes something.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "sessions",
    request_body(content = Login,
        example = json!({"username": "areyes@seattle.gov", "password": "correct horse battery staple", "totp": "492039"})),
    responses(
        (status = 200, description = "Logged in. The session cookie `writ_session` is in `Set-Cookie` (HttpOnly, SameSite=Strict, Path=/, 8 hours).",
            body = wire::Session,
            headers(("set-cookie" = String, description = "`writ_session=…; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=28800`")),
            example = json!({"role": "agency", "csrf_token": "k3J9…", "csrf_header": "x-csrf-token"})),
        (status = 400, description = "The body is not a login: not JSON, a field missing or unknown.", body = ErrorBody,
            example = json!({"error": ".: missing field `password` at line 1 column 17", "field": "."})),
        (status = 401, description = "Wrong username, password or code; no code; or a code already used.", body = ErrorBody,
            example = json!({"error": "wrong username, password or code"})),
        (status = 429, description = "Too many failed sign-ins for this account or from this address: try again after `Retry-After` seconds (each failure doubles the wait, from 1 s to a minute).", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait before trying again.")),
            example = json!({"error": "Too many failed sign-ins: wait a little before trying again (each failure doubles the wait, up to a minute)."})),
        ServerError,
    ),
)]
pub(crate) async fn log_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<std::net::SocketAddr>,
    JsonBody(login): JsonBody<Login>,
) -> Result<Response, ApiError> {
    let code = login.totp.unwrap_or_default();
    let signed_in =
        writ_app::login::authenticate(&state, client.ip(), &login.username, &login.password, &code)
            .await?;
    let user = match signed_in {
        Ok(user) => user,
        Err(refusal) => {
            return Err(match refusal.retry_after(state.clock.now()) {
                Some(retry_after) => ApiError::TooManyRequests {
                    message: refusal.message(),
                    retry_after,
                },
                None => AppError::Unauthorized(refusal.message()).into(),
            });
        }
    };
    let (caller, token, _) = writ_app::login::open_session(&state, user).await?;
    let cookie = crate::access::session_cookie(&token);
    let session = wire::Session {
        role: caller.user().role,
        csrf_token: csrf_token(&token),
        csrf_header: CSRF_HEADER,
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(session)).into_response())
}

// ---------------------------------------------------------------- authorities

/// Submit a demand
///
/// `POST /api/v1/demands`: the demand JSON; 201 with the case's id. The policy engine
/// reads it at once; staff see its decision. For an authority's account.
#[utoipa::path(
    post,
    path = "/api/v1/demands",
    tag = "authorities",
    params(("Idempotency-Key" = Option<String>, Header, max_length = 255, min_length = 1,
        description = "Makes a retry safe: the same key with the same body, within 24 hours, answers as the first request did and opens no second case; with another body, 422.")),
    request_body(content = writ_core::Demand, description = "The demand, in writ's native JSON (`docs/policy.md` §1).",
        example = json!(demand_example())),
    responses(
        (status = 201, description = "Received: a case is open.", body = wire::DemandReceipt,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "reference": "SEA-2026-0412", "state": "received", "received_at": "2026-03-02T09:00:00Z",
                "acknowledgement": "Received at 2 Mar 2026, 09:00 UTC under case 0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13. You will be told of every change to its state."})),
        (status = 400, description = "Not a demand: not UTF-8 JSON, a field missing, unknown or malformed, or one of the rules the schema cannot state: a target's value must be an identifier of its `type`, a `period` must not end before it starts, an `authority.country` must be an assigned ISO 3166-1 code and the authority's registered country. `error` begins with the field's path.", body = ErrorBody,
            example = json!({"error": "targets[0].value: not an email address", "field": "targets[0].value"})),
        (status = 422, description = "The `Idempotency-Key` was used in the last 24 hours for another body; nothing was written.", body = ErrorBody,
            example = json!({"error": "Idempotency-Key: this key was used for another demand; use a new key for a new demand", "field": "Idempotency-Key"})),
        Unauthorized, NotAgency, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn submit_demand(
    State(state): State<AppState>,
    agency: AgencyUser,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let document = demand_text(&body)?;
    let desk = agency.desk(&state);
    let case = match headers.get(IDEMPOTENCY_KEY) {
        None => desk.submit(document).await?,
        Some(key) => desk.submit_once(document, idempotency_key(key)?).await?,
    };
    Ok((StatusCode::CREATED, Json(wire::DemandReceipt::from(&case))))
}

fn demand_text(body: &Bytes) -> Result<&str, AppError> {
    std::str::from_utf8(body).map_err(|_| AppError::BadRequest {
        field: None,
        message: "the demand must be UTF-8 JSON".into(),
    })
}

/// Check a demand before sending it
///
/// `POST /api/v1/demands/check`: the policy engine's decision on a draft, as it would
/// read the demand if it were sent now; nothing is opened or written. An authority
/// fixes what the law does not allow (a subpoena asking for content) before sending.
/// For an authority's account.
#[utoipa::path(
    post,
    path = "/api/v1/demands/check",
    tag = "authorities",
    request_body(content = writ_core::Demand, description = "The draft, in writ's native JSON (`docs/policy.md` §1).",
        example = json!(demand_example())),
    responses(
        (status = 200, description = "The decision (`docs/policy.md` §4): verdict, each category and target, and every finding with its rule and citation.", body = writ_core::policy::Decision),
        (status = 400, description = "Not a demand, as `POST /api/v1/demands` says. `error` begins with the field's path.", body = ErrorBody,
            example = json!({"error": "targets[0].value: not an email address", "field": "targets[0].value"})),
        Unauthorized, NotAgency, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn check_demand(
    State(state): State<AppState>,
    agency: AgencyUser,
    body: Bytes,
) -> Result<Json<writ_core::policy::Decision>, ApiError> {
    let decision = agency.desk(&state).check(demand_text(&body)?).await?;
    Ok(Json(decision))
}

/// Follow a demand
///
/// `GET /api/v1/demands/{id}`: the authority's own demand; another's is not found.
#[utoipa::path(
    get,
    path = "/api/v1/demands/{id}",
    tag = "authorities",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    responses(
        (status = 200, description = "The demand, its state and its thread.", body = wire::DemandStatus),
        Unauthorized, NotAgency, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn demand_status(
    State(state): State<AppState>,
    agency: AgencyUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let desk = agency.desk(&state);
    let status = desk.demand(case_id(&id)?).await?;
    let released = desk.released_productions(status.case.id).await?;
    Ok(Json(wire::DemandStatus::new(status, &released)))
}

/// Withdraw a demand
///
/// `POST /api/v1/demands/{id}/withdraw`: the authority no longer needs the data.
#[utoipa::path(
    post,
    path = "/api/v1/demands/{id}/withdraw",
    tag = "authorities",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = Reason, example = json!({"reason": "suspect identified"})),
    responses(
        (status = 200, description = "Withdrawn.", body = wire::CaseStateChange,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "withdrawn"})),
        (status = 409, description = "The case can no longer be withdrawn (it is decided, or withdrawn already), or it changed meanwhile.", body = ErrorBody,
            example = json!({"error": "a case that is withdrawn cannot withdraw"})),
        BadReason, Unauthorized, NotAgency, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    agency: AgencyUser,
    Path(id): Path<String>,
    Stated(Reason { reason }): Stated<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let case = agency.desk(&state).withdraw(case_id(&id)?, &reason).await?;
    Ok(Json(wire::CaseStateChange::from(&case)))
}

/// Answer a question
///
/// `POST /api/v1/demands/{id}/messages`: a message from the authority, such as the
/// answer to a request for clarification (which puts the case back in review).
#[utoipa::path(
    post,
    path = "/api/v1/demands/{id}/messages",
    tag = "authorities",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = MessageBody, example = json!({"body": "UTC."})),
    responses(
        (status = 200, description = "Added to the thread.", body = wire::CaseStateChange,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "in_review"})),
        (status = 409, description = "The case takes no messages in its state, or it changed meanwhile.", body = ErrorBody,
            example = json!({"error": "a case that is rejected cannot clarification_answered"})),
        BadMessage, Unauthorized, NotAgency, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn authority_message(
    State(state): State<AppState>,
    agency: AgencyUser,
    Path(id): Path<String>,
    Stated(MessageBody { body }): Stated<MessageBody>,
) -> Result<impl IntoResponse, ApiError> {
    let case = agency.desk(&state).message(case_id(&id)?, &body).await?;
    Ok(Json(wire::CaseStateChange::from(&case)))
}

// ---------------------------------------------------------------- staff

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Describes the query string for OpenAPI; `queue::parse` reads it.
pub(crate) struct QueueParams {
    /// Cases per page, 1 to 500 [default: 50].
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The page after the one whose `next` gave this cursor.
    #[param(pattern = "^([2-7][0-9a-f])*$")]
    cursor: Option<String>,
    /// Only cases in this state; may be repeated; `any` for every state [default:
    /// the open states, not delivered, rejected, redirected, withdrawn or closed].
    #[param(
        pattern = "^(|any|received|in_review|awaiting_clarification|approved|rejected|redirected|withdrawn|collecting|sealed|released|delivered|closed)$"
    )]
    state: Option<String>,
    /// A reference (exact or its start, any case), a target's identifier (exact, as
    /// intake normalises it) or a case id.
    q: Option<String>,
    /// The submitting authority's id.
    #[param(pattern = "^([a-z0-9][a-z0-9-]{0,38}[a-z0-9])?$")]
    agency: Option<String>,
    /// The authority's country (ISO 3166-1 alpha-2).
    #[param(pattern = "^([A-Z]{2})?$")]
    country: Option<String>,
    /// The instrument id (`us.search_warrant`).
    instrument: Option<String>,
    /// Received at or after (a date, midnight UTC, or an RFC 3339 time; the pattern
    /// keeps to days every month has).
    #[param(
        pattern = "^((19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z)?)?$"
    )]
    received_from: Option<String>,
    /// Received before.
    #[param(
        pattern = "^((19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z)?)?$"
    )]
    received_to: Option<String>,
    /// `true`: only open cases past their deadline.
    overdue: Option<bool>,
    /// `true`: only cases escalated to the on-call approver.
    escalated: Option<bool>,
    /// `true`: only cases assigned to the caller.
    mine: Option<bool>,
    /// Only cases the policy engine routed so; `counsel` is the counsel view
    /// (assistance orders asking for keys, access or capability).
    #[param(pattern = "^(|process|redirect_enterprise|mlat|manual|counsel|none)$")]
    route: Option<String>,
}

/// The queue
///
/// `GET /api/v1/cases`: a page of the queue, open cases by default, emergencies first,
/// then by deadline. `next` (also a `Link: <…>; rel="next"` header) is the next page's
/// URL, or null on the last page. For staff.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "staff",
    params(QueueParams),
    responses(
        (status = 200, description = "A page of cases.", body = wire::CaseList,
            headers(("Link" = String, description = "`<next page URL>; rel=\"next\"`, unless this is the last page."))),
        (status = 400, description = "A filter is not valid (`country` must be an assigned ISO 3166-1 code, which the pattern does not check); `field` names it.", body = ErrorBody,
            example = json!({"error": "state: \"pending\" is not a case state", "field": "state"})),
        Unauthorized, NotStaff, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn list_cases(
    State(state): State<AppState>,
    staff: Staff,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock.now();
    let query = crate::queue::parse(
        &pairs,
        now,
        writ_app::access::Admit::caller(&staff).user().id,
    )?;
    let page = staff.desk(&state).list(&query).await?;
    let cases = page
        .cases
        .iter()
        .map(|case| wire::CaseSummary::new(case, now))
        .collect();
    let next = page
        .next
        .as_deref()
        .map(|key| crate::queue::next_url("/api/v1/cases", &pairs, key));
    let mut headers = axum::http::HeaderMap::new();
    if let Some(url) = &next
        && let Ok(value) = axum::http::HeaderValue::from_str(&format!("<{url}>; rel=\"next\""))
    {
        headers.insert(axum::http::header::LINK, value);
    }
    Ok((headers, Json(wire::CaseList { cases, next })))
}

/// A case in full
///
/// `GET /api/v1/cases/{id}`: everything on the case, the engine's decision included.
/// Viewing is recorded in the audit log. For staff.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    responses(
        (status = 200, description = "The case.", body = wire::CaseDetail),
        Unauthorized, NotStaff, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn view_case(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let view = staff.desk(&state).view(case_id(&id)?).await?;
    let detail = wire::CaseDetail::try_from(view).map_err(ApiError::internal)?;
    Ok(Json(detail))
}

/// A page of a case's history.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryParams {
    /// The leaf index of the last event of the page before.
    after: Option<u64>,
    /// Events per page, 1 to 500 [default: 100].
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// A case's history
///
/// `GET /api/v1/cases/{id}/history`: every audit event of the case, oldest first: who,
/// what, when, the reason given, its leaf index and a link to its inclusion proof. For
/// staff (auditors included).
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/history",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave)."), HistoryParams),
    responses(
        (status = 200, description = "A page of the case's events.", body = wire::CaseHistory),
        (status = 400, description = "A query parameter unknown or malformed.", body = ErrorBody,
            example = json!({"error": "limit: a number from 1 to 500", "field": "limit"})),
        Unauthorized, NotStaff, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [])),
)]
pub(crate) async fn case_history(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(params): Query<HistoryParams>,
) -> Result<impl IntoResponse, ApiError> {
    let id = case_id(&id)?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=writ_store::MAX_PAGE).contains(&limit) {
        return Err(AppError::BadRequest {
            field: Some("limit".into()),
            message: format!("limit: a number from 1 to {}", writ_store::MAX_PAGE),
        }
        .into());
    }
    let events = staff.desk(&state).history(id, params.after, limit).await?;
    let checkpoint = state
        .unsafe_store()
        .latest_checkpoint()
        .await?
        .map_or(0, |c| c.size);
    let next = (events.len() == limit as usize)
        .then(|| events.last())
        .flatten()
        .map(|last| {
            format!(
                "/api/v1/cases/{id}/history?after={}&limit={limit}",
                last.index
            )
        });
    let events = events
        .iter()
        .map(|event| wire::HistoryEvent::new(event, checkpoint))
        .collect();
    Ok(Json(wire::CaseHistory { events, next }))
}

/// Recommend
///
/// `POST /api/v1/cases/{id}/review`: `{"recommendation", "reason", "scope"?}`. An
/// approval may narrow the scope the engine allowed, never widen it. For reviewers and
/// approvers (an approver who recommends may not then decide).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/review",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = writ_core::review::Recommendation,
        example = json!({"recommendation": "approve", "reason": "warrant is in order", "scope": {"categories": ["content"]}})),
    responses(
        (status = 200, description = "Recommended; the case is in review.", body = wire::Recommended),
        (status = 400, description = "Not a recommendation, or a scope that widens what was allowed. `field` names the part (`recommendation`, `scope.targets[0]`).", body = ErrorBody,
            example = json!({"error": "recommendation: unknown variant `maybe`, expected `approve` or `reject` at line 1 column 38", "field": "recommendation"})),
        (status = 409, description = "The case is not in review (nor newly received), or it changed meanwhile.", body = ErrorBody,
            example = json!({"error": "the case is approved, not in review"})),
        Unauthorized, NotReviewer, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn review(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| AppError::BadRequest {
        field: None,
        message: "the body must be UTF-8 JSON".into(),
    })?;
    let recommendation = Recommendation::from_json(text).map_err(ApiError::from)?;
    let case = reviewer
        .desk(&state)
        .recommend(case_id(&id)?, &recommendation)
        .await?;
    Ok(Json(wire::Recommended::from(case)))
}

/// Ask the authority
///
/// `POST /api/v1/cases/{id}/clarification`: `{"body"}`, a question for the authority.
/// The case awaits clarification until it answers. For reviewers and approvers.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/clarification",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = MessageBody, example = json!({"body": "Which time zone is the period in?"})),
    responses(
        (status = 200, description = "Asked; the case awaits clarification.", body = wire::CaseStateChange,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "awaiting_clarification"})),
        (status = 409, description = "The case cannot be questioned in its state, or it changed meanwhile.", body = ErrorBody,
            example = json!({"error": "the case is approved, not in review"})),
        BadMessage, Unauthorized, NotReviewer, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn request_clarification(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    Stated(MessageBody { body }): Stated<MessageBody>,
) -> Result<impl IntoResponse, ApiError> {
    let case = reviewer
        .desk(&state)
        .request_clarification(case_id(&id)?, &body)
        .await?;
    Ok(Json(wire::CaseStateChange::from(&case)))
}

/// An emergency call-back made.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CallbackRequest)]
pub(crate) struct CallbackRecord {
    /// When the call was made.
    #[schema(value_type = String, format = DateTime)]
    called_at: Timestamp,
    outcome: CallbackOutcome,
    /// Who answered, what they said.
    #[serde(default)]
    notes: String,
}

/// Record the emergency call-back
///
/// `POST /api/v1/cases/{id}/callback`: the emergency call-back, to the number writ
/// holds for the authority (the request cannot name one). An emergency demand cannot be
/// approved until a call-back is `confirmed`. For reviewers and approvers.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/callback",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = CallbackRecord,
        example = json!({"called_at": "2026-03-02T09:20:00Z", "outcome": "confirmed", "notes": "Sgt. Park confirmed"})),
    responses(
        (status = 200, description = "Recorded.", body = wire::CaseStateChange,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "in_review"})),
        (status = 400, description = "Not a call-back record: a field missing, unknown or malformed.", body = ErrorBody,
            example = json!({"error": "outcome: unknown variant `maybe`, expected one of `confirmed`, `not_confirmed`, `no_answer` at line 1 column 53", "field": "outcome"})),
        (status = 409, description = "The case cannot take a call-back in its state, has no registered authority to call, or changed meanwhile.", body = ErrorBody,
            example = json!({"error": "this case has no registered authority to call back"})),
        Unauthorized, NotReviewer, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn record_callback(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    JsonBody(record): JsonBody<CallbackRecord>,
) -> Result<impl IntoResponse, ApiError> {
    free_text("notes", &record.notes)?;
    let case = reviewer
        .desk(&state)
        .record_callback(
            case_id(&id)?,
            record.called_at,
            record.outcome,
            &record.notes,
        )
        .await?;
    Ok(Json(wire::CaseStateChange::from(&case)))
}

/// Assign to me
///
/// `POST /api/v1/cases/{id}/assign`: the caller takes the case; the queue shows them as
/// its assignee, and `mine=true` lists it for them. Audited as `case.assigned`. For
/// reviewers and approvers, on an open case.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/assign",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    responses(
        (status = 200, description = "Assigned to the caller.", body = wire::Assigned,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "assignee": "rita.reviewer"})),
        (status = 409, description = "The case is no longer open, already the caller's, or changed meanwhile.", body = ErrorBody,
            example = json!({"error": "the case is already yours"})),
        Unauthorized, NotReviewer, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn assign(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let case = reviewer.desk(&state).assign_to_me(case_id(&id)?).await?;
    Ok(Json(wire::Assigned::from(&case)))
}

/// Approve
///
/// `POST /api/v1/cases/{id}/approve`: approves the reviewer's recommendation and the
/// scope it recommended, with `{"reason"}`, which the case keeps with the approver's
/// name and the time (`approval` in `GET /api/v1/cases/{id}`). An enterprise account's
/// demand is redirected to its customer instead. For approvers other than the one who
/// recommended.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/approve",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = Reason, example = json!({"reason": "The warrant is in order; subscriber data only."})),
    responses(
        (status = 200, description = "Approved (or redirected to the enterprise customer).", body = wire::Approved,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "approved",
                "scope": {"categories": ["content"], "targets": [{"type": "email", "value": "alice@example.com"}], "period": {"from": "2026-01-01T00:00:00Z", "to": "2026-02-28T23:59:59Z"}}})),
        (status = 403, description = "Not an approver; the approver who recommended (four eyes); or a session without its CSRF token.", body = ErrorBody,
            example = json!({"error": "you recommended this; a different approver must decide (four eyes)"})),
        (status = 409, description = "Not approvable yet: not reviewed, recommended for rejection, nothing allowed, a gate still open (an emergency without a confirmed call-back); or it changed meanwhile.", body = ErrorBody,
            example = json!({"error": "cannot approve until a call-back to the requesting authority, on a number known independently of the demand, is recorded"})),
        BadReason, Unauthorized, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn approve(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    Stated(Reason { reason }): Stated<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let case = approver
        .desk(&state)
        .approve(case_id(&id)?, &reason)
        .await?;
    Ok(Json(wire::Approved::from(case)))
}

/// Reject
///
/// `POST /api/v1/cases/{id}/reject`: `{"reason"}`, which the authority will see. For
/// approvers other than the one who recommended.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/reject",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = Reason, example = json!({"reason": "Content needs a search warrant (18 U.S.C. 2703(b))."})),
    responses(
        (status = 200, description = "Rejected.", body = wire::CaseStateChange,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "rejected"})),
        (status = 403, description = "Not an approver; the approver who recommended (four eyes); or a session without its CSRF token.", body = ErrorBody,
            example = json!({"error": "you recommended this; a different approver must decide (four eyes)"})),
        (status = 409, description = "The case cannot be rejected in its state, or it changed meanwhile.", body = ErrorBody,
            example = json!({"error": "a case that is rejected cannot reject"})),
        BadReason, Unauthorized, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn reject(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    Stated(Reason { reason }): Stated<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let case = approver.desk(&state).reject(case_id(&id)?, &reason).await?;
    Ok(Json(wire::CaseStateChange::from(&case)))
}

/// What counsel decided about an assistance order.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CounselRequest)]
pub(crate) struct CounselRecord {
    /// `challenge` keeps the case open for the challenge; `refuse` rejects it.
    decision: CounselAction,
    /// Not blank. A refusal's reason is what the authority is told.
    reason: String,
    /// When the challenge must be filed (IPA s. 257: 28 days), if counsel sets a date.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    deadline: Option<Timestamp>,
}

impl Statement for CounselRecord {
    fn statement(&self) -> (&'static str, &str) {
        ("reason", &self.reason)
    }
}

/// Counsel's decision
///
/// `POST /api/v1/cases/{id}/counsel`: `{"decision": "challenge" | "refuse", "reason",
/// "deadline"?}` on an assistance order that asks for keys, direct access or a
/// technical capability (route `counsel`). Such a case is never approved: counsel
/// challenges it or refuses it. Audited as `case.counsel_decided`. For approvers.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/counsel",
    tag = "staff",
    params(("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave).")),
    request_body(content = CounselRecord,
        example = json!({"decision": "challenge", "reason": "Refer the notice for review under IPA s. 257.", "deadline": "2026-03-30T09:00:00Z"})),
    responses(
        (status = 200, description = "Recorded: a challenge leaves the case in review, a refusal rejects it.", body = wire::CaseStateChange,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "in_review"})),
        (status = 400, description = "Not a counsel decision: a field missing, unknown or malformed, or a blank reason.", body = ErrorBody,
            example = json!({"error": "decision: unknown variant `comply`, expected `challenge` or `refuse` at line 1 column 21", "field": "decision"})),
        (status = 409, description = "The case was not routed to counsel, is no longer open, or changed meanwhile.", body = ErrorBody,
            example = json!({"error": "only an assistance order routed to counsel takes counsel's decision"})),
        Unauthorized, NotApprover, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn counsel(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    Stated(CounselRecord {
        decision,
        reason,
        deadline,
    }): Stated<CounselRecord>,
) -> Result<impl IntoResponse, ApiError> {
    let case = approver
        .desk(&state)
        .counsel(case_id(&id)?, decision, &reason, deadline)
        .await?;
    Ok(Json(wire::CaseStateChange::from(&case)))
}

/// Clear a gate
///
/// `POST /api/v1/cases/{id}/gates/{code}/clear`: `{"reason"}`. Records that a gate a
/// person clears is cleared: `CONFLICTING_OBLIGATION` (counsel filed the Art. 17
/// reasoned objection, or decided the conflict does not bar disclosure) or
/// `VALIDATION_REQUIRED_48H` (the EU emergency order was validated). Nothing is approved
/// or released while a gate is open. Audited as `case.gate_cleared`. For approvers.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/gates/{code}/clear",
    tag = "staff",
    params(
        ("id" = String, Path, format = "uuid", description = "The case's id (the `id` the demand's receipt gave)."),
        ("code" = writ_core::policy::Code, Path, description = "The gate's finding code."),
    ),
    request_body(content = Reason, example = json!({"reason": "Reasoned objection filed with the enforcing authority on 2 Sep 2026."})),
    responses(
        (status = 200, description = "Cleared.", body = wire::CaseStateChange,
            example = json!({"id": "0b7e3c52-9a41-4d8e-b1f0-5c2d7a9e4f13", "state": "in_review"})),
        (status = 400, description = "Not a finding code, no reason, a blank one, or a body that is not `{\"reason\"}`.", body = ErrorBody,
            example = json!({"error": "reason: must not be empty", "field": "reason"})),
        (status = 409, description = "The case has no such gate, it is the call-back (cleared by a confirmed call), it is already cleared, or the case is past review.", body = ErrorBody,
            example = json!({"error": "the policy engine set no CONFLICTING_OBLIGATION gate on this case"})),
        Unauthorized, NotApprover, NotFound, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn clear_gate(
    State(state): State<AppState>,
    approver: Approver,
    Path((id, code)): Path<(String, String)>,
    JsonBody(Reason { reason }): JsonBody<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let code: Code =
        serde_json::from_value(Value::String(code.clone())).map_err(|_| AppError::BadRequest {
            field: Some("code".into()),
            message: format!("code: {code:?} is not a finding code"),
        })?;
    // The code is named before the reason: checked here, not as the body is read.
    non_blank("reason", &reason)?;
    let case = approver
        .desk(&state)
        .clear_gate(case_id(&id)?, code, &reason)
        .await?;
    Ok(Json(wire::CaseStateChange::from(&case)))
}

/// The demand of `docs/policy.md` §1 that the request body's example shows.
fn demand_example() -> Value {
    serde_json::from_str(include_str!(
        "../../writ-core/tests/demands/policy-example.json"
    ))
    .unwrap_or_default()
}
