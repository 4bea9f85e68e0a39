//! The JSON API: what authorities and staff do, each route behind the extractor that
//! grants it. Handlers translate HTTP to desk calls and back; the rules are elsewhere.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use writ_core::case::CallbackOutcome;
use writ_core::review::Recommendation;
use writ_core::{CaseId, CaseState, Timestamp, Username};
use writ_store::{CaseRecord, Message};

use crate::ApiError;
use crate::access::{
    AgencyUser, AppState, Approver, CSRF_HEADER, Caller, Reviewer, SESSION_COOKIE, Staff,
};
use crate::credentials::{
    PasswordHash, TotpSecret, csrf_token, dummy_verify, new_token, verify_password,
};

/// How long a web session lasts.
const SESSION_HOURS: i64 = 8;

/// Reads a JSON body into `T`, naming the field that is wrong.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        ApiError::BadRequest {
            message: format!("{field}: {}", e.inner()),
            field: Some(field),
        }
    })
}

fn case_id(text: &str) -> Result<CaseId, ApiError> {
    // A malformed id names no case: not found, like any other that does not exist.
    CaseId::parse(text).map_err(|_| ApiError::NotFound)
}

fn non_blank(field: &'static str, text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::BadRequest {
            field: Some(field.into()),
            message: format!("{field}: must not be empty"),
        });
    }
    Ok(())
}

fn messages_json(messages: &[Message]) -> Vec<Value> {
    messages
        .iter()
        .map(|m| json!({"from": if m.from_authority { "authority" } else { "provider" }, "body": m.body, "at": m.at}))
        .collect()
}

// ---------------------------------------------------------------- sessions

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    username: String,
    password: String,
    #[serde(default)]
    totp: Option<String>,
}

/// `POST /api/v1/session`: password and TOTP code, both required, for a session cookie.
pub(crate) async fn log_in(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let login: Login = parse(&body)?;
    let refused = ApiError::Unauthorized("wrong username, password or code");
    let username = Username::parse(&login.username)
        .map_err(|_| ApiError::Unauthorized("wrong username, password or code"))?;
    let user = state.unsafe_store().user_by_name(&username).await?;
    let password = login.password.clone();
    let stored = user
        .as_ref()
        .map(|u| PasswordHash::from_stored(u.password_hash.clone()));
    // Argon2 is slow on purpose: off the async threads. Unknown users cost the same.
    let password_ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_password(&hash, &password),
        None => dummy_verify(&password),
    })
    .await
    .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|_| password_ok) else {
        tracing::warn!(target: "writ::security", username = %username, "login refused: wrong username or password");
        return Err(refused);
    };
    let Some(code) = login.totp.filter(|c| !c.trim().is_empty()) else {
        tracing::warn!(target: "writ::security", username = %username, "login refused: no second factor");
        return Err(ApiError::Unauthorized(
            "a second factor (the TOTP code) is required",
        ));
    };
    let now = state.clock.now();
    let secret = TotpSecret::parse(&user.totp_secret).map_err(ApiError::internal)?;
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    let step = secret.verify_once(code.trim(), now, last).ok_or_else(|| {
        tracing::warn!(target: "writ::security", username = %username, "login refused: wrong or reused code");
        ApiError::Unauthorized("wrong username, password or code")
    })?;
    let step = i64::try_from(step).map_err(|_| refused)?;
    if !state.unsafe_store().spend_totp_step(user.id, step).await? {
        return Err(ApiError::Unauthorized(
            "that code was already used; wait for the next",
        ));
    }
    let (token, hash) = new_token("writ_s_").map_err(ApiError::internal)?;
    let expires = now
        .checked_add(time::Duration::hours(SESSION_HOURS))
        .unwrap_or(now);
    let caller = Caller { user };
    state
        .unsafe_store()
        .start_session(hash.as_str(), &caller.user, &caller.actor(), now, expires)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        token.expose(),
        SESSION_HOURS * 3600
    );
    let body = json!({"role": caller.user.role, "csrf_token": csrf_token(&token), "csrf_header": CSRF_HEADER});
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

// ---------------------------------------------------------------- authorities

/// `POST /api/v1/demands`: the demand JSON; 201 with the case's id.
pub(crate) async fn submit_demand(
    State(state): State<AppState>,
    agency: AgencyUser,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let document = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest {
        field: None,
        message: "the demand must be UTF-8 JSON".into(),
    })?;
    let case = agency.desk(&state).submit(document).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": case.id,
            "reference": case.reference,
            "state": case.state,
            "received_at": case.received_at,
            "acknowledgement": format!(
                "Received at {} under case {}. You will be told of every change to its state.",
                case.received_at, case.id
            ),
        })),
    ))
}

/// `GET /api/v1/demands/{id}`: the authority's own demand; another's is not found.
pub(crate) async fn demand_status(
    State(state): State<AppState>,
    agency: AgencyUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let status = agency.desk(&state).demand(case_id(&id)?).await?;
    let case = &status.case;
    Ok(Json(json!({
        "id": case.id,
        "reference": case.reference,
        "state": case.state,
        "received_at": case.received_at,
        "deadline": case.deadline,
        "rejection_reason": case.rejection_reason,
        "messages": messages_json(&status.messages),
        "redirect_letter": status.letter,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reason {
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Body {
    body: String,
}

/// `POST /api/v1/demands/{id}/withdraw`
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    agency: AgencyUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let Reason { reason } = parse(&body)?;
    non_blank("reason", &reason)?;
    let case = agency.desk(&state).withdraw(case_id(&id)?, &reason).await?;
    Ok(Json(state_json(&case)))
}

/// `POST /api/v1/demands/{id}/messages`
pub(crate) async fn authority_message(
    State(state): State<AppState>,
    agency: AgencyUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let Body { body } = parse(&body)?;
    non_blank("body", &body)?;
    let case = agency.desk(&state).message(case_id(&id)?, &body).await?;
    Ok(Json(state_json(&case)))
}

fn state_json(case: &CaseRecord) -> Value {
    json!({"id": case.id, "state": case.state})
}

// ---------------------------------------------------------------- staff

#[derive(Deserialize)]
pub(crate) struct StateFilter {
    state: Option<String>,
}

/// `GET /api/v1/cases?state=`: the queue, emergencies first, then by deadline.
pub(crate) async fn list_cases(
    State(state): State<AppState>,
    staff: Staff,
    Query(filter): Query<StateFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let wanted = filter
        .state
        .map(|s| s.parse::<CaseState>())
        .transpose()
        .map_err(|e| ApiError::BadRequest {
            field: Some("state".into()),
            message: format!("state: {e}"),
        })?;
    let cases = staff.desk(&state).list(wanted).await?;
    let cases: Vec<Value> = cases
        .iter()
        .map(|case| {
            json!({
                "id": case.id,
                "reference": case.reference,
                "state": case.state,
                "instrument": case.instrument,
                "authority_country": case.authority_country,
                "emergency": case.emergency,
                "received_at": case.received_at,
                "deadline": case.deadline,
                "verdict": case.decision.as_ref().and_then(|d| d.get("verdict")).cloned(),
                "route": case.decision.as_ref().and_then(|d| d.get("route")).cloned(),
            })
        })
        .collect();
    Ok(Json(json!({"cases": cases})))
}

/// `GET /api/v1/cases/{id}`: everything on the case, the engine's decision included.
pub(crate) async fn view_case(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let view = staff.desk(&state).view(case_id(&id)?).await?;
    let case = &view.case;
    let demand: Value = serde_json::from_str(&view.document).map_err(ApiError::internal)?;
    Ok(Json(json!({
        "id": case.id,
        "reference": case.reference,
        "state": case.state,
        "agency": case.agency_id,
        "instrument": case.instrument,
        "authority_country": case.authority_country,
        "emergency": case.emergency,
        "received_at": case.received_at,
        "deadline": case.deadline,
        "version": case.version,
        "decision": case.decision,
        "recommendation": case.recommendation,
        "scope": case.scope,
        "rejection_reason": case.rejection_reason,
        "demand": demand,
        "messages": messages_json(&view.messages),
        "callbacks": view.callbacks,
        "notices": view.notices,
    })))
}

/// `POST /api/v1/cases/{id}/review`: `{"recommendation", "reason", "scope"?}`.
pub(crate) async fn review(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest {
        field: None,
        message: "the body must be UTF-8 JSON".into(),
    })?;
    let recommendation = Recommendation::from_json(text).map_err(|e| ApiError::BadRequest {
        message: e.to_string(),
        field: Some(e.field),
    })?;
    let case = reviewer
        .desk(&state)
        .recommend(case_id(&id)?, &recommendation)
        .await?;
    Ok(Json(
        json!({"id": case.id, "state": case.state, "recommendation": case.recommendation}),
    ))
}

/// `POST /api/v1/cases/{id}/clarification`: `{"body"}`, a question for the authority.
pub(crate) async fn request_clarification(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let Body { body } = parse(&body)?;
    non_blank("body", &body)?;
    let case = reviewer
        .desk(&state)
        .request_clarification(case_id(&id)?, &body)
        .await?;
    Ok(Json(state_json(&case)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallbackRecord {
    called_at: Timestamp,
    outcome: CallbackOutcome,
    #[serde(default)]
    notes: String,
}

/// `POST /api/v1/cases/{id}/callback`: the emergency call-back, to the number writ
/// holds for the authority (the request cannot name one).
pub(crate) async fn record_callback(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let record: CallbackRecord = parse(&body)?;
    let case = reviewer
        .desk(&state)
        .record_callback(
            case_id(&id)?,
            record.called_at,
            record.outcome,
            &record.notes,
        )
        .await?;
    Ok(Json(state_json(&case)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Approval {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/cases/{id}/approve`
pub(crate) async fn approve(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let Approval { reason } = if body.is_empty() {
        Approval {
            reason: String::new(),
        }
    } else {
        parse(&body)?
    };
    let case = approver
        .desk(&state)
        .approve(case_id(&id)?, &reason)
        .await?;
    Ok(Json(
        json!({"id": case.id, "state": case.state, "scope": case.scope}),
    ))
}

/// `POST /api/v1/cases/{id}/reject`: `{"reason"}`, which the authority will see.
pub(crate) async fn reject(
    State(state): State<AppState>,
    approver: Approver,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let Reason { reason } = parse(&body)?;
    non_blank("reason", &reason)?;
    let case = approver.desk(&state).reject(case_id(&id)?, &reason).await?;
    Ok(Json(state_json(&case)))
}
