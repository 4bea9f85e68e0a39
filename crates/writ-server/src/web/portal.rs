//! The portal: what a requesting authority's user sees. Its own demands, a form to
//! submit one (the demand's JSON and the signed order as a PDF), and each demand's
//! state, thread and letters, with forms to answer a question or withdraw.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use writ_core::{CaseId, CaseState, Category};
use writ_store::CaseRecord;

use super::error::{explain, human_size};
use super::intake::{CheckView, Choice, DemandForm};
use super::view::{MessageRow, StateBadge, due, messages, when};
use super::{Chrome, FormData, Web, WebError, render};
use writ_app::AppError;

use crate::ApiError;
use crate::access::{AgencyUser, AppState};
use crate::extract::case_id;
use writ_app::access::{AgencyDesk, MAX_ORDER_BYTES, SignedOrder};

/// Demands per page of the authority's list.
const PORTAL_PAGE: u32 = 50;

/// One of the authority's demands in its list.
struct DemandRow {
    id: String,
    reference: String,
    instrument: String,
    state: StateBadge,
    received: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    chrome: Chrome,
    demands: Vec<DemandRow>,
    /// The next (older) page's URL, if any.
    next: Option<String>,
    /// Whether this is a later page than the first.
    later: bool,
    /// What was typed (kept when a submission is refused or checked).
    entry: Entry,
    instruments: Vec<Choice>,
    roles: Vec<Choice>,
    categories: Vec<Choice>,
    error: Option<String>,
    /// The field the error names (`demand`, `order`, or a field of the demand).
    bad_field: String,
    max_order: String,
}

impl PortalPage {
    /// Whether the error is about the uploaded order rather than the demand's JSON.
    fn error_is_about_order(&self) -> bool {
        self.bad_field == "order"
    }
}

/// A demand being written: the form's fields, or the demand's JSON pasted instead, and
/// what the policy engine said of it when checked.
#[derive(Default)]
struct Entry {
    form: DemandForm,
    json: String,
    check: Option<CheckView>,
}

/// `GET /portal?cursor=`: a page of the authority's demands.
#[derive(Deserialize)]
pub(crate) struct ListQuery {
    cursor: Option<String>,
}

/// `GET /portal`
pub(crate) async fn home(
    State(state): State<AppState>,
    web: Web<AgencyUser>,
    Query(list): Query<ListQuery>,
) -> Result<Response, WebError> {
    let cursor = list.cursor.filter(|c| !c.is_empty());
    let entry = Entry {
        form: DemandForm::blank(),
        ..Entry::default()
    };
    portal_page(&state, web, StatusCode::OK, entry, None, cursor).await
}

async fn portal_page(
    state: &AppState,
    web: Web<AgencyUser>,
    status: StatusCode,
    entry: Entry,
    error: Option<(String, String)>,
    cursor: Option<String>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let page = web
        .who
        .desk(state)
        .list(cursor.as_deref(), PORTAL_PAGE)
        .await?;
    let next = page.next.map(|next| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("cursor", &next)
            .finish();
        format!("/portal?{query}#demands")
    });
    let demands = page
        .cases
        .iter()
        .map(|case| DemandRow {
            id: case.id.to_string(),
            reference: case.reference.clone(),
            instrument: case.instrument.clone(),
            state: StateBadge::of(case.state),
            received: when(case.received_at),
            deadline: case
                .deadline
                .filter(|_| is_open(case.state))
                .map(|d| due(d, now))
                .unwrap_or_default(),
        })
        .collect();
    let (error, bad_field) = match error {
        Some((message, field)) => (Some(message), field),
        None => (None, String::new()),
    };
    let rules = &state.policy.rules;
    let page = PortalPage {
        chrome: web.chrome,
        demands,
        next,
        later: cursor.is_some(),
        instruments: entry.form.instruments(rules),
        roles: entry.form.roles(),
        categories: entry.form.category_choices(),
        entry,
        error,
        bad_field,
        max_order: human_size(MAX_ORDER_BYTES),
    };
    Ok((status, render(&page)?).into_response())
}

fn is_open(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::Received | CaseState::InReview | CaseState::AwaitingClarification
    )
}

/// `POST /portal/demands` (multipart): the form's fields, or `demand`, the JSON pasted
/// instead; `order`, the signed PDF; `intent`: `submit`, `check` (the policy engine's
/// decision, nothing sent) or `add_target` (one more target row).
pub(crate) async fn submit(
    State(state): State<AppState>,
    web: Web<AgencyUser>,
    form: FormData,
) -> Result<Response, WebError> {
    let intent = form.get("intent");
    let mut entry = Entry {
        form: DemandForm::read(&form, intent == "add_target"),
        json: form.get("demand").to_owned(),
        check: None,
    };
    if intent == "add_target" {
        return portal_page(&state, web, StatusCode::OK, entry, None, None).await;
    }
    let refused = |message: String, field: &str| Some((message, field.to_owned()));
    let desk = web.who.desk(&state);
    let document = if entry.json.trim().is_empty() {
        let authority = desk.authority().await?;
        match entry
            .form
            .document(&authority.name, authority.country.as_str())
        {
            Ok(document) => document,
            Err(e) => {
                let error = refused(e.message, e.field);
                return portal_page(&state, web, StatusCode::BAD_REQUEST, entry, error, None).await;
            }
        }
    } else {
        entry.json.clone()
    };
    let outcome = if intent == "check" {
        desk.check(&document).await.map(|decision| {
            entry.check = Some(CheckView::of(&decision));
            None
        })
    } else {
        let Some(upload) = form.file("order") else {
            let error = refused(
                "order: attach the signed order, as a PDF file".into(),
                "order",
            );
            return portal_page(&state, web, StatusCode::BAD_REQUEST, entry, error, None).await;
        };
        // The desk checks the order (a PDF, at most 10 MB, a plain file name).
        let order = SignedOrder {
            filename: upload.filename.clone(),
            bytes: upload.bytes.to_vec(),
        };
        desk.submit_with_order(&document, Some(order))
            .await
            .map(Some)
    };
    match outcome {
        Ok(Some(case)) => {
            Ok(Redirect::to(&format!("/portal/demands/{}?received=1", case.id)).into_response())
        }
        Ok(None) => portal_page(&state, web, StatusCode::OK, entry, None, None).await,
        Err(error) => {
            let field = match &error {
                AppError::BadRequest { field, .. } => field.clone().unwrap_or_default(),
                _ => String::new(),
            };
            let error = ApiError::from(error);
            let Some((status, message)) = explain(&error) else {
                return Err(error.into());
            };
            portal_page(&state, web, status, entry, Some((message, field)), None).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal_demand.html")]
struct DemandPage {
    chrome: Chrome,
    id: String,
    reference: String,
    instrument: String,
    state: StateBadge,
    received: String,
    deadline: Option<String>,
    rejection_reason: Option<String>,
    /// What was refused of what was asked, each with its reason and citation.
    refused: Vec<RefusedRow>,
    messages: Vec<MessageRow>,
    letter: Option<String>,
    /// Released productions, each with its download link.
    productions: Vec<DownloadRow>,
    /// The acknowledgement, right after submission.
    acknowledgement: Option<String>,
    done: Option<&'static str>,
    awaiting_answer: bool,
    can_withdraw: bool,
    error: Option<String>,
    message_draft: String,
    withdraw_draft: String,
}

struct RefusedRow {
    what: &'static str,
    reason: String,
    cited: String,
}

struct DownloadRow {
    url: String,
    file_name: String,
    size: String,
    sha256: String,
    no_data: bool,
    expires: String,
}

#[derive(Deserialize)]
pub(crate) struct DemandQuery {
    received: Option<String>,
    done: Option<String>,
}

/// What was typed into the page's forms, kept when one is refused.
#[derive(Default)]
struct Drafts {
    message: String,
    withdraw: String,
}

/// `GET /portal/demands/{id}`: the authority's own demand; another's is not found.
pub(crate) async fn demand(
    State(state): State<AppState>,
    web: Web<AgencyUser>,
    Path(id): Path<String>,
    Query(query): Query<DemandQuery>,
) -> Result<Response, WebError> {
    let done = match query.done.as_deref() {
        Some("answered") => Some("Your message was sent."),
        Some("withdrawn") => Some("The demand was withdrawn."),
        _ => None,
    };
    let page = demand_page(&state, web, &id, query.received.is_some(), done).await?;
    page.into_response(StatusCode::OK, None, Drafts::default())
}

async fn demand_page(
    state: &AppState,
    web: Web<AgencyUser>,
    id: &str,
    just_received: bool,
    done: Option<&'static str>,
) -> Result<DemandPage, WebError> {
    let desk = web.who.desk(state);
    let status = desk.demand(case_id(id)?).await?;
    let released = desk.released_productions(status.case.id).await?;
    let case = &status.case;
    let now = state.clock.now();
    Ok(DemandPage {
        id: case.id.to_string(),
        reference: case.reference.clone(),
        instrument: case.instrument.clone(),
        state: StateBadge::of(case.state),
        received: when(case.received_at),
        deadline: case
            .deadline
            .filter(|_| is_open(case.state))
            .map(|d| format!("{} ({})", when(d), due(d, now))),
        rejection_reason: case.rejection_reason.clone(),
        refused: status
            .refused
            .iter()
            .map(|f| RefusedRow {
                what: f.category.map_or("", Category::phrase),
                reason: f.message.clone(),
                cited: [f.rule.as_deref(), f.citation.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
            })
            .collect(),
        messages: messages(&status.messages, "You"),
        letter: status.letter.clone(),
        productions: released
            .iter()
            .filter_map(|r| {
                let sealed = r.production.sealed.as_ref()?;
                Some(DownloadRow {
                    url: r.link.url.clone(),
                    file_name: format!("production-{}.age", r.production.id),
                    size: format!("{} bytes", sealed.size),
                    sha256: sealed.sha256.clone(),
                    no_data: sealed.no_data,
                    expires: when(r.link.expires_at),
                })
            })
            .collect(),
        acknowledgement: just_received.then(|| {
            format!(
                "Received at {} under case {}. You will be told of every change to its state.",
                when(case.received_at),
                case.id
            )
        }),
        done,
        awaiting_answer: case.state == CaseState::AwaitingClarification,
        can_withdraw: matches!(
            case.state,
            CaseState::Received
                | CaseState::InReview
                | CaseState::AwaitingClarification
                | CaseState::Approved
                | CaseState::Collecting
        ),
        chrome: web.chrome,
        error: None,
        message_draft: String::new(),
        withdraw_draft: String::new(),
    })
}

impl DemandPage {
    fn into_response(
        mut self,
        status: StatusCode,
        error: Option<String>,
        drafts: Drafts,
    ) -> Result<Response, WebError> {
        self.error = error;
        self.message_draft = drafts.message;
        self.withdraw_draft = drafts.withdraw;
        Ok((status, render(&self)?).into_response())
    }
}

/// Runs a form's `step` with the authority's desk, the case's id and what was typed; on
/// success back to the demand, on a refusal the page again with the reason and what was
/// typed.
async fn act(
    state: &AppState,
    web: Web<AgencyUser>,
    id: &str,
    drafts: Drafts,
    done: &str,
    step: impl AsyncFnOnce(AgencyDesk<'_>, CaseId, &Drafts) -> Result<CaseRecord, AppError>,
) -> Result<Response, WebError> {
    match step(web.who.desk(state), case_id(id)?, &drafts).await {
        Ok(case) => {
            Ok(Redirect::to(&format!("/portal/demands/{}?done={done}", case.id)).into_response())
        }
        Err(error) => {
            let error = ApiError::from(error);
            let Some((status, message)) = explain(&error) else {
                return Err(error.into());
            };
            let page = demand_page(state, web, id, false, None).await?;
            page.into_response(status, Some(message), drafts)
        }
    }
}

/// `POST /portal/demands/{id}/messages` (`body`): a message, or the answer to a question.
pub(crate) async fn answer(
    State(state): State<AppState>,
    web: Web<AgencyUser>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let drafts = Drafts {
        message: form.get("body").trim().to_owned(),
        ..Drafts::default()
    };
    act(
        &state,
        web,
        &id,
        drafts,
        "answered",
        async |desk, case, drafts| {
            required("body", &drafts.message)?;
            desk.message(case, &drafts.message).await
        },
    )
    .await
}

/// `POST /portal/demands/{id}/withdraw` (`reason`).
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    web: Web<AgencyUser>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let drafts = Drafts {
        withdraw: form.get("reason").trim().to_owned(),
        ..Drafts::default()
    };
    act(
        &state,
        web,
        &id,
        drafts,
        "withdrawn",
        async |desk, case, drafts| {
            required("reason", &drafts.withdraw)?;
            desk.withdraw(case, &drafts.withdraw).await
        },
    )
    .await
}

/// Free text a form must fill in: the API's rules (not blank, bounded, no NUL).
pub(crate) fn required(field: &'static str, text: &str) -> Result<(), AppError> {
    crate::extract::non_blank(field, text)
}
