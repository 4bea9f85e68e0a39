//! The console: the compliance team's queue and case pages, with the forms to review,
//! ask for clarification, record a call-back, and approve or reject.
//!
//! A form is shown only to a role that may use it and only when the case's state allows
//! it; the desks decide all the same, and their refusals come back on the page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use writ_core::case::CallbackOutcome;
use writ_core::policy::{Code, Decision, NotifyWhen, Outcome, Recipient, Route, Rules, Verdict};
use writ_core::review::{
    Recommendation, RecommendationKind, Scope, ScopeTarget, gate_requirement, pending_gates,
    reasoned_objection,
};
use writ_core::workflow::{
    CaseFacts, CounselAction, EnforcingAuthorityOutcome, Form3Reason, allowed_steps,
    check_gate_clearance,
};
use writ_core::{
    CaseId, CaseState, Category, Demand, Period, ProductionId, Role, TargetKind, Timestamp,
};
use writ_store::{CaseRecord, Notice, NoticeRecipient, Production, ProductionState};

use super::error::explain;
use super::portal::required;
use super::view::{
    MessageRow, StateBadge, datetime_local, due, is_pressing, messages, parse_datetime_local,
    severity_label, time_left, when,
};
use super::{Chrome, FormData, Web, WebError, render};
use crate::extract::case_id;
use writ_app::AppError;

use crate::ApiError;
use crate::access::{AppState, Approver, Reviewer, Staff};
use writ_app::access::{ApprovalDesk, CaseDesk};

// ---------------------------------------------------------------- the queue

struct QueueRow {
    id: String,
    reference: String,
    emergency: bool,
    state: StateBadge,
    instrument: String,
    country: String,
    received: String,
    /// The running deadline, or else when the instrument expires.
    deadline: String,
    pressing: bool,
    overdue: bool,
    escalated: bool,
    assignee: String,
    verdict: Option<VerdictBadge>,
}

struct StateOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "console.html")]
struct QueuePage {
    chrome: Chrome,
    cases: Vec<QueueRow>,
    states: Vec<StateOption>,
    /// `state=any`: every state.
    any_state: bool,
    filtered: bool,
    search: String,
    country: String,
    instrument: String,
    received_from: String,
    received_to: String,
    overdue: bool,
    escalated: bool,
    mine: bool,
    /// The counsel view: only cases routed to counsel.
    counsel: bool,
    /// The next page's URL, if there is one.
    next: Option<String>,
}

/// `GET /console?state=&q=&…`: a page of the queue, open cases unless asked,
/// emergencies first, then by deadline (the API's filters, `crate::queue`).
pub(crate) async fn queue(
    State(state): State<AppState>,
    web: Web<Staff>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let query = crate::queue::parse(&pairs, now, web.chrome.user)?;
    let page = web.who.desk(&state).list(&query).await?;
    let cases = page
        .cases
        .iter()
        .map(|case| QueueRow {
            id: case.id.to_string(),
            reference: case.reference.clone(),
            emergency: case.emergency,
            state: StateBadge::of(case.state),
            instrument: case.instrument.clone(),
            country: case.authority_country.to_string(),
            received: when(case.received_at),
            deadline: deadline_text(case, now),
            pressing: case.state.is_open() && case.deadline.is_some_and(|d| is_pressing(d, now)),
            overdue: case.state.is_open() && case.deadline.is_some_and(|d| d < now),
            escalated: case.state.is_open() && case.escalated,
            assignee: case.assignee_name.clone().unwrap_or_default(),
            verdict: case.decision.as_ref().map(|d| VerdictBadge::of(d.verdict)),
        })
        .collect();
    let chosen = query.states.clone().unwrap_or_default();
    let states = CaseState::ALL
        .iter()
        .map(|s| StateOption {
            value: s.as_str(),
            label: super::view::state_label(*s),
            selected: chosen.contains(s),
        })
        .collect();
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let page = QueuePage {
        chrome: web.chrome,
        cases,
        states,
        any_state: query.states.as_ref().is_some_and(Vec::is_empty),
        filtered: pairs.iter().any(|(k, v)| {
            !matches!(k.as_str(), "cursor" | "limit" | "route") && !v.trim().is_empty()
        }),
        search: value("q"),
        country: value("country"),
        instrument: value("instrument"),
        received_from: value("received_from"),
        received_to: value("received_to"),
        overdue: query.overdue_at.is_some(),
        escalated: query.escalated,
        mine: query.assignee.is_some(),
        counsel: query.route == Some(Route::Counsel),
        next: page
            .next
            .as_deref()
            .map(|key| crate::queue::next_url("/console", &pairs, key)),
    };
    Ok(render(&page)?.into_response())
}

/// The queue's deadline cell: the running deadline (`due in 2 days`), else when the
/// instrument expires; empty when neither is known or the case is answered.
fn deadline_text(case: &CaseRecord, now: Timestamp) -> String {
    match (case.deadline, case.expires_at) {
        (Some(deadline), _) if case.state.is_open() => due(deadline, now),
        (None, Some(expires)) if case.state.is_open() && expires < now => {
            format!("instrument expired {}", when(expires))
        }
        (None, Some(expires)) if case.state.is_open() => {
            format!("instrument expires {}", when(expires))
        }
        (Some(deadline), _) => when(deadline),
        (None, _) => String::new(),
    }
}

// ---------------------------------------------------------------- the case page

struct VerdictBadge {
    label: &'static str,
    class: &'static str,
}

impl VerdictBadge {
    fn of(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Accept => Self {
                label: "accept",
                class: "verdict-accept",
            },
            Verdict::Partial => Self {
                label: "partial",
                class: "verdict-partial",
            },
            Verdict::Reject => Self {
                label: "reject",
                class: "verdict-reject",
            },
        }
    }
}

struct OutcomeRow {
    name: String,
    allowed: bool,
    codes: String,
}

struct FindingRow {
    code: String,
    severity: &'static str,
    message: String,
    rule: String,
    citation: String,
    about: String,
}

/// The rule a verdict rests on, as counsel reads it: id, name, citation, what it allows.
struct RuleView {
    title: String,
    citation: String,
    allows: String,
}

impl RuleView {
    /// `None` for a rule id the table does not hold (the red line, `P-1`).
    fn of(id: &str, rules: &Rules) -> Option<Self> {
        let rule = rules.by_id(id)?;
        let compels: Vec<&str> = Category::ALL
            .iter()
            .filter(|c| rule.compels(**c) && !c.is_red_line())
            .map(|c| c.phrase())
            .collect();
        let allows = if rule.preservation_only {
            "preserving the data, pending a further instrument; it discloses nothing".to_owned()
        } else if compels.is_empty() {
            "no disclosure".to_owned()
        } else {
            format!("disclosing {}", compels.join(", "))
        };
        Some(Self {
            title: rule.title(),
            citation: rule.citation.clone(),
            allows,
        })
    }
}

struct DecisionView {
    verdict: VerdictBadge,
    route: &'static str,
    rule: String,
    rule_law: Option<RuleView>,
    categories: Vec<OutcomeRow>,
    targets: Vec<OutcomeRow>,
    findings: Vec<FindingRow>,
    deadline: Option<String>,
    preserve_until: Option<String>,
    notification: String,
    /// What must be recorded before approval (the emergency call-back).
    gates: Vec<String>,
}

/// The demand's facts, as a reviewer reads them before the JSON.
struct DemandFacts {
    authority: String,
    contact: String,
    instrument: String,
    issued: String,
    expires: String,
    nondisclosure: String,
    offence: String,
    emergency: String,
    action: String,
    categories: String,
    period: String,
    targets: Vec<String>,
}

struct ScopeView {
    categories: String,
    targets: Vec<String>,
    period: String,
}

struct RecommendationView {
    by: String,
    approve: bool,
    reason: String,
    at: String,
    scope: ScopeView,
}

struct CallbackRow {
    by: String,
    number: String,
    at: String,
    outcome: &'static str,
    confirmed: bool,
    notes: String,
}

struct NoticeRow {
    recipient: String,
    address: String,
    state: String,
    subject: String,
    body: String,
}

/// A production as the console shows it: progress while collecting, the file once sealed.
struct ProductionRow {
    id: String,
    state: &'static str,
    progress: String,
    percent: u64,
    size: Option<String>,
    sha256: Option<String>,
    no_data: bool,
    releasable: bool,
    /// When and by whom: `2 Mar 2026, 09:00 UTC by rita.reviewer`.
    released: Option<String>,
}

fn production_row(production: &Production) -> ProductionRow {
    let percent = match production.items_total {
        Some(0) => 100,
        Some(total) => production.items_done.saturating_mul(100) / total,
        None => 0,
    };
    let progress = match production.items_total {
        None => "listing the items in scope…".to_owned(),
        Some(total) => format!(
            "{} of {} items ({percent}%), {}",
            production.items_done,
            total,
            size_label(i64::try_from(production.bytes_done).unwrap_or(i64::MAX))
        ),
    };
    ProductionRow {
        id: production.id.to_string(),
        state: production.state.as_str(),
        progress,
        percent,
        size: production
            .sealed
            .as_ref()
            .map(|s| size_label(i64::try_from(s.size).unwrap_or(i64::MAX))),
        sha256: production.sealed.as_ref().map(|s| s.sha256.clone()),
        no_data: production.sealed.as_ref().is_some_and(|s| s.no_data),
        releasable: production.state == ProductionState::Sealed,
        released: production
            .released_at
            .map(|at| match &production.released_by_name {
                Some(by) => format!("{} by {by}", when(at)),
                None => when(at),
            }),
    }
}

/// Who approved the case (or redirected it to the customer), when and why.
struct ApprovalView {
    title: &'static str,
    by: String,
    at: String,
    reason: String,
}

struct PreservationRow {
    case: String,
    account: String,
    category: String,
    expires: String,
}

struct DocumentRow {
    id: i64,
    filename: String,
    size: String,
    sha256: String,
}

/// A checkbox of the review form: what the engine allowed, checked to start with.
struct Choice {
    value: String,
    label: String,
    checked: bool,
}

/// The authority as writ's directory of agencies knows it.
struct AgencyView {
    name: String,
    country: String,
    callback_phone: String,
}

/// What was typed into the page's forms, kept when one is refused.
#[derive(Default)]
struct Drafts {
    counsel_decision: String,
    counsel_deadline: String,
    recommendation: String,
    reason: String,
    categories: Option<Vec<String>>,
    targets: Option<Vec<String>>,
    question: String,
    callback_outcome: String,
    callback_at: String,
    callback_notes: String,
    decision_reason: String,
}

struct ClearanceRow {
    code: String,
    reason: String,
    by: String,
    at: String,
}

struct GateForm {
    code: String,
    requirement: &'static str,
}

struct Objection {
    due: String,
    letter: String,
}

/// Counsel's decision on an assistance order, for the page.
struct CounselView {
    challenge: bool,
    decision: &'static str,
    reason: String,
    deadline: Option<String>,
    by: String,
    at: String,
}

/// One step in a case's history.
struct HistoryRow {
    at: String,
    who: String,
    action: String,
    reason: Option<String>,
    index: u64,
}

#[derive(Template)]
#[template(path = "console_case.html")]
struct CasePage {
    chrome: Chrome,
    id: String,
    reference: String,
    state: StateBadge,
    emergency: bool,
    agency: Option<AgencyView>,
    instrument: String,
    country: String,
    received: String,
    deadline: Option<String>,
    pressing: bool,
    demand: Option<DemandFacts>,
    demand_json: String,
    decision: Option<DecisionView>,
    documents: Vec<DocumentRow>,
    messages: Vec<MessageRow>,
    callbacks: Vec<CallbackRow>,
    notices: Vec<NoticeRow>,
    productions: Vec<ProductionRow>,
    /// Holds in force from earlier preservation requests on this case's targets.
    preservations: Vec<PreservationRow>,
    /// Who did what, when and why (the first page of the case's audit events).
    history: Vec<HistoryRow>,
    /// Staff who may release a sealed production: reviewers and approvers, never the
    /// case's own reviewer.
    can_release: bool,
    /// Who works the case, and whether this user may take it.
    assignee: Option<String>,
    can_assign: bool,
    /// The sealed production this user may release now (the sidebar's release form).
    to_release: Option<ProductionRow>,
    recommendation: Option<RecommendationView>,
    approval: Option<ApprovalView>,
    approved_scope: Option<ScopeView>,
    rejection_reason: Option<String>,
    /// Gates people cleared, and the ones an approver may clear now.
    clearances: Vec<ClearanceRow>,
    gate_forms: Vec<GateForm>,
    /// The Art. 17 reasoned objection, drafted, for an EPOC's content.
    objection: Option<Objection>,
    /// The enforcing authority's ten days on an EU order, as a countdown.
    enforcing_authority: Option<EnforcingAuthorityView>,
    /// Form 3's reasons as Annex III words them, and the explanation.
    form3: Option<(Vec<&'static str>, String)>,
    /// Form 3 names a conflict with a third country's law: the Art. 17 review is open.
    art17_review: bool,
    /// The case is an assistance order asking for keys, access or capability.
    for_counsel: bool,
    counsel: Option<CounselView>,
    can_counsel: bool,
    can_review: bool,
    can_callback: bool,
    can_decide: bool,
    /// An approver looking at their own recommendation: someone else must decide.
    own_recommendation: bool,
    categories: Vec<Choice>,
    targets: Vec<Choice>,
    now_local: String,
    error: Option<String>,
    done: Option<&'static str>,
    drafts: Drafts,
}

impl CasePage {
    fn recommends(&self, kind: &str) -> bool {
        self.drafts.recommendation == kind
    }

    fn outcome_selected(&self, outcome: &str) -> bool {
        self.drafts.callback_outcome == outcome
    }
}

#[derive(Deserialize)]
pub(crate) struct CaseQuery {
    done: Option<String>,
}

/// `GET /console/cases/{id}`
pub(crate) async fn case(
    State(state): State<AppState>,
    web: Web<Staff>,
    Path(id): Path<String>,
    Query(query): Query<CaseQuery>,
) -> Result<Response, WebError> {
    let desk = web.who.desk(&state);
    let id = case_id(&id)?;
    let done = match query.done.as_deref() {
        Some("recommended") => Some("Your recommendation was recorded."),
        Some("asked") => Some("Your question was sent to the authority."),
        Some("called") => Some("The call-back was recorded."),
        Some("approved") => Some("The demand was approved."),
        Some("counselled") => Some("Counsel's decision was recorded."),
        Some("cleared") => Some("The gate was cleared."),
        Some("redirected") => Some(
            "The account is an enterprise customer's: the demand was redirected to the customer, \
             and the authority has the letter.",
        ),
        Some("rejected") => Some("The demand was rejected; the authority will see the reason."),
        Some("released") => Some("The production was released: the authority can download it now."),
        Some("assigned") => Some("The case is yours: it is in your queue (mine)."),
        _ => None,
    };
    let page = case_page(&state, &desk, id, web.chrome, done, None, Drafts::default()).await?;
    Ok(render(&page)?.into_response())
}

/// How many of a case's audit events its page shows (the API pages through the rest).
const HISTORY_ON_PAGE: u32 = 100;

async fn case_page(
    state: &AppState,
    desk: &CaseDesk<'_>,
    id: CaseId,
    chrome: Chrome,
    done: Option<&'static str>,
    error: Option<String>,
    drafts: Drafts,
) -> Result<CasePage, WebError> {
    let view = desk.view(id).await?;
    let history = desk.history(id, None, HISTORY_ON_PAGE).await?;
    let case = &view.case;
    let now = state.clock.now();
    let decision = case.decision.clone();
    let demand = Demand::from_json(&view.document).ok().map(|mut demand| {
        demand.received_at = Some(case.received_at);
        demand
    });
    let recommendation = case.recommendation.clone();
    let approved = case.scope.clone();
    // The call-back number is writ's own record of the authority, never the demand's.
    let agency = view.agency.as_ref().map(|agency| AgencyView {
        name: agency.name.clone(),
        country: agency.country.to_string(),
        callback_phone: agency.callback_phone.to_string(),
    });
    let allowed = match (&demand, &decision) {
        (Some(demand), Some(decision)) => Some(Scope::allowed_by(demand, decision)),
        _ => None,
    };

    let steps = allowed_steps(
        chrome.role,
        chrome.user,
        CaseFacts {
            state: case.state,
            emergency: case.emergency,
            decision: decision.as_ref(),
            recommendation: recommendation.as_ref(),
        },
    );
    let own_recommendation = chrome.role == Role::Approver
        && recommendation.as_ref().is_some_and(|r| r.by == chrome.user);
    let for_counsel = decision.as_ref().is_some_and(|d| d.route == Route::Counsel);
    let cleared: Vec<Code> = view.gate_clearances.iter().map(|c| c.code).collect();
    let gate_forms = match &decision {
        Some(d) if steps.clear_gates => pending_gates(d)
            .into_iter()
            .filter(|code| !cleared.contains(code) && check_gate_clearance(d, *code).is_ok())
            .map(|code| GateForm {
                code: code.to_string(),
                requirement: gate_requirement(code),
            })
            .collect(),
        _ => Vec::new(),
    };
    let objection = match (&demand, &decision) {
        (Some(demand), Some(decision))
            if decision.has(Code::ConflictingObligation)
                && !cleared.contains(&Code::ConflictingObligation) =>
        {
            let days = state
                .policy
                .rules
                .for_instrument(&demand.instrument.kind)
                .and_then(|r| r.conflict.as_ref())
                .map_or(10, |c| c.objection_days);
            case.received_at
                .checked_add(time::Duration::days(i64::from(days)))
                .map(|by| Objection {
                    due: format!("{} ({})", when(by), due(by, now)),
                    letter: reasoned_objection(
                        demand,
                        decision,
                        writ_app::access::PROVIDER,
                        now,
                        by,
                    ),
                })
        }
        _ => None,
    };
    let counsel = case.counsel.clone();

    let categories = allowed
        .as_ref()
        .map(|scope| {
            scope
                .categories()
                .iter()
                .map(|c| Choice {
                    value: c.as_str().to_owned(),
                    label: Category::phrase(*c).to_owned(),
                    checked: drafts
                        .categories
                        .as_ref()
                        .is_none_or(|kept| kept.iter().any(|k| k == c.as_str())),
                })
                .collect()
        })
        .unwrap_or_default();
    let targets = allowed
        .as_ref()
        .map(|scope| {
            scope
                .targets()
                .iter()
                .map(|t| {
                    let value = target_choice(t);
                    Choice {
                        checked: drafts
                            .targets
                            .as_ref()
                            .is_none_or(|kept| kept.contains(&value)),
                        value,
                        label: scope_target_label(t),
                    }
                })
                .collect()
        })
        .unwrap_or_default();

    let authority = agency
        .as_ref()
        .map_or_else(|| "The authority".to_owned(), |a| a.name.clone());
    Ok(CasePage {
        id: case.id.to_string(),
        reference: case.reference.clone(),
        state: StateBadge::of(case.state),
        emergency: case.emergency,
        instrument: case.instrument.clone(),
        country: case.authority_country.to_string(),
        received: when(case.received_at),
        deadline: case
            .deadline
            .map(|d| format!("{} ({})", when(d), due(d, now)))
            .or_else(|| {
                case.expires_at
                    .map(|e| format!("none; the instrument expires {}", when(e)))
            }),
        pressing: case.deadline.is_some_and(|d| is_pressing(d, now)),
        demand: demand.as_ref().map(demand_facts),
        demand_json: pretty(&view.document),
        decision: decision
            .as_ref()
            .map(|decision| decision_view(decision, &state.policy.rules)),
        documents: view
            .documents
            .iter()
            .map(|d| DocumentRow {
                id: d.id,
                filename: d.filename.clone(),
                size: size_label(d.size),
                sha256: d.sha256.clone(),
            })
            .collect(),
        messages: messages(&view.messages, &authority),
        history: history
            .iter()
            .map(|event| HistoryRow {
                at: when(event.at),
                who: event
                    .actor
                    .parse()
                    .map_or_else(|_| event.actor.clone(), |actor| actor_name(&actor)),
                action: event.action.clone(),
                reason: event.reason(),
                index: event.index,
            })
            .collect(),
        callbacks: view
            .callbacks
            .iter()
            .map(|c| CallbackRow {
                by: actor_name(&c.caller),
                number: c.number.clone(),
                at: when(c.called_at),
                outcome: outcome_label(c.outcome),
                confirmed: c.outcome == CallbackOutcome::Confirmed,
                notes: c.notes.clone(),
            })
            .collect(),
        notices: view.notices.iter().map(notice_row).collect(),
        productions: view.productions.iter().map(production_row).collect(),
        preservations: view
            .preservations
            .iter()
            .map(|h| PreservationRow {
                case: h.case_id.to_string(),
                account: h.account.clone(),
                category: h.category.to_string(),
                expires: when(h.expires_at),
            })
            .collect(),
        assignee: case.assignee_name.clone(),
        can_assign: matches!(chrome.role, Role::Reviewer | Role::Approver)
            && case.state.is_open()
            && case.assignee != Some(chrome.user),
        can_release: steps.release,
        to_release: view
            .productions
            .iter()
            .filter(|p| steps.release && p.state == ProductionState::Sealed)
            .map(production_row)
            .next(),
        approval: case.approval.as_ref().map(|a| ApprovalView {
            title: if case.state == CaseState::Redirected {
                "Redirected to the enterprise customer"
            } else {
                "Approved for disclosure"
            },
            by: a.by_name.clone(),
            at: when(a.at),
            reason: a.reason.clone(),
        }),
        recommendation: recommendation.as_ref().map(|r| RecommendationView {
            by: r.by_name.clone(),
            approve: r.recommendation == RecommendationKind::Approve,
            reason: r.reason.clone(),
            at: when(r.at),
            scope: scope_view(&r.scope),
        }),
        approved_scope: approved.as_ref().map(scope_view),
        rejection_reason: case.rejection_reason.clone(),
        clearances: view
            .gate_clearances
            .iter()
            .map(|c| ClearanceRow {
                code: c.code.to_string(),
                reason: c.reason.clone(),
                by: actor_name(&c.cleared_by),
                at: when(c.cleared_at),
            })
            .collect(),
        gate_forms,
        objection,
        enforcing_authority: view
            .enforcing_authority
            .as_ref()
            .map(|e| EnforcingAuthorityView::of(e, now)),
        form3: view.form3.as_ref().map(|f| {
            (
                f.reasons.iter().map(|r| r.text()).collect(),
                f.explanation.clone(),
            )
        }),
        art17_review: view
            .form3
            .as_ref()
            .is_some_and(|f| f.reasons.contains(&Form3Reason::ConflictingObligations)),
        for_counsel,
        counsel: counsel.map(|c| CounselView {
            challenge: c.decision == CounselAction::Challenge,
            decision: match c.decision {
                CounselAction::Challenge => "challenge",
                CounselAction::Refuse => "refuse",
            },
            reason: c.reason,
            deadline: c.deadline.map(when),
            by: c.by_name,
            at: when(c.at),
        }),
        can_counsel: steps.counsel,
        can_review: steps.review,
        can_callback: steps.callback,
        can_decide: steps.decide,
        own_recommendation: own_recommendation && case.state == CaseState::InReview,
        categories,
        targets,
        now_local: datetime_local(now),
        agency,
        chrome,
        error,
        done,
        drafts,
    })
}

/// Where the enforcing authority's ten days stand, in a sentence.
struct EnforcingAuthorityView {
    status: String,
    withholding: bool,
}

impl EnforcingAuthorityView {
    fn of(state: &writ_app::access::EnforcingAuthority, now: Timestamp) -> Self {
        let ends = when(state.window_ends_at);
        let status = match &state.answer {
            Some(a) if a.outcome == EnforcingAuthorityOutcome::GroundsRaised => format!(
                "Grounds for refusal raised (recorded {}): traffic and content data are not \
                 released. {}",
                when(a.answered_at),
                a.reason
            ),
            Some(a) => format!(
                "No grounds for refusal (recorded {}): traffic and content data may be \
                 released. {}",
                when(a.answered_at),
                a.reason
            ),
            None if state.withholding => format!(
                "Traffic and content data are held back {} more, until {ends}, unless the \
                 enforcing authority confirms earlier that it raises no grounds.",
                time_left(state.window_ends_at, now).1
            ),
            None => format!(
                "The ten days ended {ends} with no grounds raised: traffic and content data \
                 may be released."
            ),
        };
        Self {
            status,
            withholding: state.withholding,
        }
    }
}

fn decision_view(decision: &Decision, rules: &Rules) -> DecisionView {
    let codes = |codes: &[writ_core::policy::Code]| {
        codes
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    DecisionView {
        verdict: VerdictBadge::of(decision.verdict),
        route: route_label(decision.route),
        rule: decision.rule.clone().unwrap_or_else(|| "none".into()),
        rule_law: decision
            .rule
            .as_deref()
            .and_then(|id| RuleView::of(id, rules)),
        categories: decision
            .categories
            .iter()
            .map(|c| OutcomeRow {
                name: Category::phrase(c.category).to_owned(),
                allowed: c.decision == Outcome::Allow,
                codes: codes(&c.codes),
            })
            .collect(),
        targets: decision
            .targets
            .iter()
            .map(|t| OutcomeRow {
                name: format!("{} {}", kind_label(t.kind), t.value),
                allowed: t.decision == Outcome::Allow,
                codes: codes(&t.codes),
            })
            .collect(),
        findings: decision
            .findings
            .iter()
            .map(|f| FindingRow {
                code: f.code.as_str().to_owned(),
                severity: severity_label(f.severity),
                message: f.message.clone(),
                rule: f.rule.clone().unwrap_or_default(),
                citation: f.citation.clone().unwrap_or_default(),
                about: match (&f.category, &f.target) {
                    (Some(category), _) => Category::phrase(*category).to_owned(),
                    (None, Some(target)) => target.clone(),
                    (None, None) => String::new(),
                },
            })
            .collect(),
        deadline: decision.deadline.map(when),
        preserve_until: decision.preserve_until.map(when),
        notification: notification_text(decision),
        gates: pending_gates(decision)
            .into_iter()
            .map(|code| {
                format!(
                    "{code}: cannot approve until {}",
                    writ_core::review::gate_requirement(code)
                )
            })
            .collect(),
    }
}

fn notification_text(decision: &Decision) -> String {
    let n = &decision.notification;
    let who = match n.recipient {
        Recipient::User => "the user",
        Recipient::TenantAdmin => "the enterprise customer's administrator",
        Recipient::None => "no one",
    };
    let when_ = match (n.when, n.not_before) {
        (NotifyWhen::BeforeDisclosure, _) => "before disclosure".to_owned(),
        (NotifyWhen::After, Some(at)) => format!("after disclosure, not before {}", when(at)),
        (NotifyWhen::After, None) => "after disclosure".to_owned(),
        (NotifyWhen::Never, _) => "never".to_owned(),
    };
    if n.recipient == Recipient::None || n.when == NotifyWhen::Never {
        format!("No notice. {}", n.reason)
    } else {
        format!("Notify {who} {when_}. {}", n.reason)
    }
}

fn demand_facts(demand: &Demand) -> DemandFacts {
    let instrument = &demand.instrument;
    let contact = demand
        .authority
        .contact
        .as_ref()
        .map(|c| {
            [c.name.as_deref(), c.email.as_deref(), c.phone.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let issuer = match &instrument.issuer.name {
        Some(name) if !name.trim().is_empty() => format!(
            "{name} ({})",
            serde_label(&instrument.issuer.role).replace('_', " ")
        ),
        _ => serde_label(&instrument.issuer.role).replace('_', " "),
    };
    let nondisclosure = instrument
        .nondisclosure
        .as_ref()
        .map(|n| {
            let term = match n.term {
                writ_core::demand::GagTerm::Until(until) => format!("until {}", when(until)),
                writ_core::demand::GagTerm::Indefinite => "without an end date".to_owned(),
            };
            match &n.basis {
                Some(basis) => format!("{term} ({basis})"),
                None => term,
            }
        })
        .unwrap_or_else(|| "none".into());
    let offence = instrument
        .offence
        .as_ref()
        .map(|o| {
            let mut parts = Vec::new();
            if let Some(description) = &o.description {
                parts.push(description.clone());
            }
            if let Some(years) = o.max_penalty_years {
                parts.push(format!("up to {years} years"));
            }
            parts.join(", ")
        })
        .unwrap_or_default();
    DemandFacts {
        authority: format!("{} ({})", demand.authority.name, demand.authority.country),
        contact,
        instrument: format!("{}, by {issuer}", instrument.kind),
        issued: when(instrument.issued_at),
        expires: instrument
            .expires_at
            .map(when)
            .unwrap_or_else(|| "no expiry given".into()),
        nondisclosure,
        offence,
        emergency: demand
            .emergency
            .as_ref()
            .map(|e| {
                e.justification
                    .clone()
                    .unwrap_or_else(|| "declared, without a justification".into())
            })
            .unwrap_or_default(),
        action: serde_label(&demand.action),
        categories: demand
            .categories
            .iter()
            .map(|c| Category::phrase(*c))
            .collect::<Vec<_>>()
            .join(", "),
        period: period_label(demand.period),
        targets: demand
            .targets
            .iter()
            .map(|t| {
                let mut label = format!("{} {}", kind_label(t.kind), t.raw);
                if let Some(port) = t.port {
                    label.push_str(&format!(", port {port}"));
                }
                if let Some(at) = t.at {
                    label.push_str(&format!(", at {}", when(at)));
                }
                label
            })
            .collect(),
    }
}

fn scope_view(scope: &Scope) -> ScopeView {
    ScopeView {
        categories: if scope.categories().is_empty() {
            "none".into()
        } else {
            scope
                .categories()
                .iter()
                .map(|c| Category::phrase(*c))
                .collect::<Vec<_>>()
                .join(", ")
        },
        targets: scope.targets().iter().map(scope_target_label).collect(),
        period: period_label(scope.period()),
    }
}

fn scope_target_label(target: &ScopeTarget) -> String {
    let mut label = format!("{} {}", kind_label(target.kind()), target.value());
    if let Some(port) = target.port() {
        label.push_str(&format!(", port {port}"));
    }
    if let Some(at) = target.at() {
        label.push_str(&format!(", at {}", when(at)));
    }
    label
}

/// A target checkbox's value: the target as the review's `scope.targets` takes it.
fn target_choice(target: &ScopeTarget) -> String {
    let mut value = json!({"type": target.kind(), "value": target.value()});
    if let Some(at) = target.at() {
        value["at"] = json!(at);
    }
    if let Some(port) = target.port() {
        value["port"] = json!(port);
    }
    value.to_string()
}

fn period_label(period: Option<Period>) -> String {
    period.map_or_else(
        || "none given".to_owned(),
        |p| format!("{} to {}", when(p.from()), when(p.to())),
    )
}

fn notice_row(notice: &Notice) -> NoticeRow {
    NoticeRow {
        recipient: match notice.recipient {
            NoticeRecipient::TenantAdmin => "Enterprise customer's administrator".into(),
            NoticeRecipient::User => "The user".into(),
        },
        address: if notice.address.is_empty() {
            "no address on file".to_owned()
        } else {
            notice.address.clone()
        },
        state: notice.state.to_string(),
        subject: notice.subject.clone(),
        body: notice.body.clone(),
    }
}

fn kind_label(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Email => "e-mail",
        TargetKind::Phone => "phone",
        TargetKind::Username => "username",
        TargetKind::AccountId => "account id",
        TargetKind::Ip => "IP",
        TargetKind::DeviceId => "device id",
    }
}

fn route_label(route: Route) -> &'static str {
    match route {
        Route::Process => "process",
        Route::RedirectEnterprise => "redirect to the enterprise customer",
        Route::Mlat => "mutual legal assistance (MLAT)",
        Route::Manual => "manual handling by counsel",
        Route::Counsel => "counsel: an assistance order asking for keys, access or capability",
        Route::None => "none",
    }
}

fn outcome_label(outcome: CallbackOutcome) -> &'static str {
    match outcome {
        CallbackOutcome::Confirmed => "confirmed",
        CallbackOutcome::NotConfirmed => "not confirmed",
        CallbackOutcome::NoAnswer => "no answer",
    }
}

fn actor_name(actor: &writ_core::Actor) -> String {
    match actor {
        writ_core::Actor::Staff(name) | writ_core::Actor::Agency(name) => name.clone(),
        other => other.to_string(),
    }
}

/// A serde enum's wire name (`snake_case`), for values without a label of their own.
fn serde_label(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        _ => String::new(),
    }
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// The demand's JSON, indented for reading (as it came, if it is not JSON).
fn pretty(document: &str) -> String {
    serde_json::from_str::<Value>(document)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| document.to_owned())
}

// ---------------------------------------------------------------- the forms

/// One use of a form: what it records (for a refusal's message), the `done` note of the
/// page it leads to, and what was typed.
struct Attempt {
    what: &'static str,
    done: &'static str,
    drafts: Drafts,
}

/// On success back to the case page; on a refusal the page again with the reason and
/// what was typed.
async fn after(
    state: &AppState,
    staff: &CaseDesk<'_>,
    chrome: Chrome,
    id: &str,
    attempt: Attempt,
    outcome: Result<CaseRecord, AppError>,
) -> Result<Response, WebError> {
    let Attempt { what, done, drafts } = attempt;
    let error = match outcome {
        Ok(case) => {
            // An approved demand for an enterprise customer's account is redirected instead.
            let done = match case.state {
                CaseState::Redirected => "redirected",
                _ => done,
            };
            return Ok(
                Redirect::to(&format!("/console/cases/{}?done={done}", case.id)).into_response(),
            );
        }
        Err(error) => error,
    };
    let error = ApiError::from(error);
    let Some((status, message)) = explain(&error) else {
        return Err(error.into());
    };
    let page = case_page(
        state,
        staff,
        case_id(id)?,
        chrome,
        None,
        Some(format!("{what} not recorded. {message}")),
        drafts,
    )
    .await?;
    Ok((status, render(&page)?).into_response())
}

fn bad_request(field: &str, message: String) -> AppError {
    AppError::BadRequest {
        field: Some(field.into()),
        message,
    }
}

/// Runs a form's `step` with the case's id and what was typed, then goes on as [`after`].
async fn record(
    state: &AppState,
    desk: &CaseDesk<'_>,
    chrome: Chrome,
    id: &str,
    attempt: Attempt,
    step: impl AsyncFnOnce(CaseId, &Drafts) -> Result<CaseRecord, AppError>,
) -> Result<Response, WebError> {
    let outcome = step(case_id(id)?, &attempt.drafts).await;
    after(state, desk, chrome, id, attempt, outcome).await
}

/// `POST /console/cases/{id}/review`: `recommendation` (approve or reject), `reason`,
/// and for an approval the `category` and `target` boxes left checked.
pub(crate) async fn review(
    State(state): State<AppState>,
    web: Web<Reviewer>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let drafts = Drafts {
        recommendation: form.get("recommendation").to_owned(),
        reason: form.get("reason").to_owned(),
        categories: (form.get("narrow_categories") == "1")
            .then(|| form.all("category").map(str::to_owned).collect()),
        targets: (form.get("narrow_targets") == "1")
            .then(|| form.all("target").map(str::to_owned).collect()),
        ..Drafts::default()
    };
    let attempt = Attempt {
        what: "Recommendation",
        done: "recommended",
        drafts,
    };
    let desk = web.who.desk(&state);
    record(
        &state,
        &desk,
        web.chrome,
        &id,
        attempt,
        async |case, drafts| desk.recommend(case, &recommendation_of(drafts)?).await,
    )
    .await
}

/// The review form as the desk takes it: narrowing only for an approval, and only of
/// what the form offered.
fn recommendation_of(drafts: &Drafts) -> Result<Recommendation, AppError> {
    let kind = drafts.recommendation.as_str();
    if kind != "approve" && kind != "reject" {
        return Err(bad_request(
            "recommendation",
            "recommendation: choose approve or reject".into(),
        ));
    }
    let mut body = json!({"recommendation": kind, "reason": drafts.reason.trim()});
    if kind == "approve" {
        let mut scope = serde_json::Map::new();
        if let Some(categories) = &drafts.categories {
            scope.insert("categories".into(), json!(categories));
        }
        if let Some(targets) = &drafts.targets {
            let targets = targets
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    serde_json::from_str::<Value>(t).map_err(|_| {
                        bad_request(
                            &format!("scope.targets[{i}]"),
                            format!("scope.targets[{i}]: not a target this form offered"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            scope.insert("targets".into(), Value::Array(targets));
        }
        if !scope.is_empty() {
            body["scope"] = Value::Object(scope);
        }
    }
    Recommendation::from_value(body).map_err(AppError::from)
}

/// `POST /console/cases/{id}/assign`: the user takes the case.
pub(crate) async fn assign(
    State(state): State<AppState>,
    web: Web<Reviewer>,
    Path(id): Path<String>,
    _form: FormData,
) -> Result<Response, WebError> {
    let attempt = Attempt {
        what: "Assignment",
        done: "assigned",
        drafts: Drafts::default(),
    };
    let desk = web.who.desk(&state);
    record(&state, &desk, web.chrome, &id, attempt, async |case, _| {
        desk.assign_to_me(case).await
    })
    .await
}

/// `POST /console/cases/{id}/clarification` (`question`).
pub(crate) async fn clarification(
    State(state): State<AppState>,
    web: Web<Reviewer>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let attempt = Attempt {
        what: "Question",
        done: "asked",
        drafts: Drafts {
            question: form.get("question").trim().to_owned(),
            ..Drafts::default()
        },
    };
    let desk = web.who.desk(&state);
    record(
        &state,
        &desk,
        web.chrome,
        &id,
        attempt,
        async |case, drafts| {
            required("question", &drafts.question)?;
            desk.request_clarification(case, &drafts.question).await
        },
    )
    .await
}

/// `POST /console/cases/{id}/callback` (`outcome`, `called_at` in UTC, `notes`): the
/// call-back to the number writ holds for the authority.
pub(crate) async fn callback(
    State(state): State<AppState>,
    web: Web<Reviewer>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let attempt = Attempt {
        what: "Call-back",
        done: "called",
        drafts: Drafts {
            callback_outcome: form.get("outcome").to_owned(),
            callback_at: form.get("called_at").to_owned(),
            callback_notes: form.get("notes").trim().to_owned(),
            ..Drafts::default()
        },
    };
    let desk = web.who.desk(&state);
    record(
        &state,
        &desk,
        web.chrome,
        &id,
        attempt,
        async |case, drafts| {
            let (called_at, outcome) = callback_of(drafts)?;
            desk.record_callback(case, called_at, outcome, &drafts.callback_notes)
                .await
        },
    )
    .await
}

fn callback_of(drafts: &Drafts) -> Result<(Timestamp, CallbackOutcome), AppError> {
    let outcome: CallbackOutcome =
        serde_json::from_value(Value::String(drafts.callback_outcome.clone())).map_err(|_| {
            bad_request(
                "outcome",
                "outcome: choose confirmed, not confirmed or no answer".into(),
            )
        })?;
    let called_at = parse_datetime_local(&drafts.callback_at).ok_or_else(|| {
        bad_request(
            "called_at",
            "called_at: give the time of the call (UTC), like 2026-03-02T09:00".into(),
        )
    })?;
    Ok((called_at, outcome))
}

/// `POST /console/cases/{id}/counsel` (`decision`: challenge or refuse, `reason`,
/// `deadline`, optional, UTC).
pub(crate) async fn counsel(
    State(state): State<AppState>,
    web: Web<Approver>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let attempt = Attempt {
        what: "Counsel's decision",
        done: "counselled",
        drafts: Drafts {
            counsel_decision: form.get("decision").to_owned(),
            counsel_deadline: form.get("deadline").trim().to_owned(),
            decision_reason: form.get("reason").trim().to_owned(),
            ..Drafts::default()
        },
    };
    let desk = web.who.desk(&state);
    record(
        &state,
        &desk,
        web.chrome,
        &id,
        attempt,
        async |case, drafts| {
            let (action, deadline) = counsel_of(drafts)?;
            desk.counsel(case, action, &drafts.decision_reason, deadline)
                .await
        },
    )
    .await
}

fn counsel_of(drafts: &Drafts) -> Result<(CounselAction, Option<Timestamp>), AppError> {
    let action: CounselAction =
        serde_json::from_value(Value::String(drafts.counsel_decision.clone()))
            .map_err(|_| bad_request("decision", "decision: choose challenge or refuse".into()))?;
    required("reason", &drafts.decision_reason)?;
    let deadline = match drafts.counsel_deadline.as_str() {
        "" => None,
        text => Some(parse_datetime_local(text).ok_or_else(|| {
            bad_request(
                "deadline",
                "deadline: give the date and time (UTC), like 2026-03-30T09:00".into(),
            )
        })?),
    };
    Ok((action, deadline))
}

/// A decision's form, `reason` its one field: `step` records the reason once it says
/// something.
async fn decide(
    state: &AppState,
    web: Web<Approver>,
    id: &str,
    form: &FormData,
    (what, done): (&'static str, &'static str),
    step: impl AsyncFnOnce(&ApprovalDesk<'_>, CaseId, &str) -> Result<CaseRecord, AppError>,
) -> Result<Response, WebError> {
    let drafts = Drafts {
        decision_reason: form.get("reason").trim().to_owned(),
        ..Drafts::default()
    };
    let attempt = Attempt { what, done, drafts };
    let desk = web.who.desk(state);
    let checked = async |case, drafts: &Drafts| {
        required("reason", &drafts.decision_reason)?;
        step(&desk, case, &drafts.decision_reason).await
    };
    record(state, &desk, web.chrome, id, attempt, checked).await
}

/// `POST /console/cases/{id}/gates/{code}/clear` (`reason`).
pub(crate) async fn clear_gate(
    State(state): State<AppState>,
    web: Web<Approver>,
    Path((id, code)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let what = ("Clearing the gate", "cleared");
    decide(&state, web, &id, &form, what, async |desk, case, reason| {
        let code = serde_json::from_value::<Code>(Value::String(code))
            .map_err(|_| bad_request("code", "code: not a gate".into()))?;
        desk.clear_gate(case, code, reason).await
    })
    .await
}

/// `POST /console/cases/{id}/approve` (`reason`, kept with the approval).
pub(crate) async fn approve(
    State(state): State<AppState>,
    web: Web<Approver>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let what = ("Approval", "approved");
    decide(&state, web, &id, &form, what, async |desk, case, reason| {
        desk.approve(case, reason).await
    })
    .await
}

/// `POST /console/cases/{id}/reject` (`reason`, which the authority will read).
pub(crate) async fn reject(
    State(state): State<AppState>,
    web: Web<Approver>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let what = ("Rejection", "rejected");
    decide(&state, web, &id, &form, what, async |desk, case, reason| {
        desk.reject(case, reason).await
    })
    .await
}

/// `GET /console/cases/{id}/documents/{document}`: the signed order, as a download.
pub(crate) async fn document(
    State(state): State<AppState>,
    web: Web<Staff>,
    Path((id, document)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let (info, content) = web
        .who
        .desk(&state)
        .document(case_id(&id)?, document)
        .await?;
    // The name goes into a header: only plain characters survive.
    let filename: String = info
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, info.media_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        content,
    )
        .into_response())
}

/// `POST /console/cases/{id}/productions/{production}/release` (`confirm=yes`, the box
/// ticked): a second member of staff makes the sealed production available to the
/// authority.
pub(crate) async fn release(
    State(state): State<AppState>,
    web: Web<Reviewer>,
    Path((id, production)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let production = ProductionId::parse(&production).map_err(|_| AppError::NotFound)?;
    let released = if form.get("confirm") == "yes" {
        web.who.desk(&state).release(production).await
    } else {
        Err(bad_request(
            "confirm",
            "confirm: tick the box to confirm that the authority may download it now".into(),
        ))
    };
    let outcome = match released {
        Ok(released) => {
            let case = released.case_id;
            return Ok(
                Redirect::to(&format!("/console/cases/{case}?done=released")).into_response(),
            );
        }
        Err(error) => Err(error),
    };
    let desk = web.who.desk(&state);
    after(
        &state,
        &desk,
        web.chrome,
        &id,
        Attempt {
            what: "Release",
            done: "released",
            drafts: Drafts::default(),
        },
        outcome,
    )
    .await
}
