//! What each kind of caller can do, and nothing more. Every method that shows case data
//! to staff, or changes a case, writes its audit event.

use writ_core::case::CallbackOutcome;
use writ_core::policy::{Code, Decision, Finding, Route};
use writ_core::preservation::plan_holds;
use writ_core::review::{Recommendation, Scope, redirect_letter};
use writ_core::workflow::{
    CounselAction, CounselDecision, RecordedApproval, RecordedRecommendation, Refusal,
    check_approval, check_counsel, check_gate_clearance, check_gates, check_rejection,
};
use writ_core::{
    Action, Actor, AuditEntry, CaseEvent, CaseId, CaseState, Demand, TargetValue, Timestamp,
};
use writ_store::{
    Callback, CasePage, CaseQuery, CaseRecord, CaseUpdate, DocumentInfo, GateClearance, Message,
    NewCase, NewDocument, Notice, NoticeRecipient, NoticeState, Store,
};

use super::{Admin, AgencyUser, Approver, Caller, Reviewer, Staff};
use crate::jobs::Job;
use crate::notices::Addressee;
use crate::{App, AppError};
use writ_sources::{AccountDirectory, AccountEntry};

/// The provider's name in letters and acknowledgements.
pub const PROVIDER: &str = "the provider";

/// The signed order uploaded with a demand: a PDF.
pub struct SignedOrder {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The largest signed order accepted.
pub const MAX_ORDER_BYTES: usize = 10 * 1024 * 1024;

/// A demand read and decided, ready to open its case.
pub(super) struct Intake {
    pub id: CaseId,
    pub demand: Demand,
    /// The demand document as the case keeps it.
    pub document: String,
    pub decision: Decision,
    /// The signed order, with its SHA-256.
    pub order: Option<(SignedOrder, String)>,
    /// The deadline's escalation jobs.
    pub escalations: Vec<writ_store::NewJob>,
    pub now: Timestamp,
}

impl Intake {
    pub fn documents(&self) -> Vec<NewDocument<'_>> {
        self.order
            .iter()
            .map(|(o, sha256)| NewDocument {
                filename: &o.filename,
                media_type: "application/pdf",
                sha256,
                content: &o.bytes,
            })
            .collect()
    }

    pub fn new_case<'a>(
        &'a self,
        agency: &'a writ_core::AgencyId,
        documents: &'a [NewDocument<'a>],
    ) -> NewCase<'a> {
        NewCase {
            id: self.id,
            demand: &self.demand,
            document: &self.document,
            received_at: self.now,
            deadline: self.decision.deadline,
            decision: Some(&self.decision),
            agency_id: Some(agency),
            documents,
        }
    }
}

/// A demand as its authority sees it.
pub struct DemandStatus {
    pub case: CaseRecord,
    pub messages: Vec<Message>,
    /// For a demand redirected to an enterprise customer: the letter saying so.
    pub letter: Option<String>,
    /// What the engine refused of what was asked, and why (with rule and citation).
    pub refused: Vec<Finding>,
}

/// A case as staff see it.
pub struct CaseView {
    pub case: CaseRecord,
    pub document: String,
    /// The signed order and anything else that came with the demand.
    pub documents: Vec<DocumentInfo>,
    /// The submitting authority as writ has it on file (its call-back number among it).
    pub agency: Option<writ_store::Agency>,
    pub messages: Vec<Message>,
    pub callbacks: Vec<Callback>,
    /// The gates people cleared, with their reasons.
    pub gate_clearances: Vec<GateClearance>,
    /// The enforcing authority's ten days and answer, on an EU order its notification
    /// suspends.
    pub enforcing_authority: Option<super::EnforcingAuthority>,
    /// The provider's Form 3, if it could not execute an EU order.
    pub form3: Option<writ_store::Form3Reply>,
    pub notices: Vec<Notice>,
    /// What collection gathered and sealed, with its progress.
    pub productions: Vec<writ_store::Production>,
    /// Preservation holds in force, from other cases, on this case's targets: what a
    /// demand for disclosure finds preserved for it.
    pub preservations: Vec<writ_store::Hold>,
}

impl AgencyUser {
    pub fn desk<'a>(&'a self, state: &'a App) -> AgencyDesk<'a> {
        AgencyDesk { state, user: self }
    }
}

/// What an authority's user may do: submit, follow, answer and withdraw its own demands.
pub struct AgencyDesk<'a> {
    pub(super) state: &'a App,
    pub(super) user: &'a AgencyUser,
}

impl AgencyDesk<'_> {
    fn store(&self) -> &Store {
        &self.state.store
    }

    pub(super) fn actor(&self) -> Actor {
        self.user.caller.actor()
    }

    /// Opens a case for a demand from this authority, with the policy engine's decision.
    pub async fn submit(&self, document: &str) -> Result<CaseRecord, AppError> {
        self.submit_with_order(document, None).await
    }

    /// The authority as writ registered it (its name and country head its demands).
    pub async fn authority(&self) -> Result<writ_store::Agency, AppError> {
        Ok(self.store().agency(&self.user.agency).await?)
    }

    /// The policy engine's decision on a draft, as intake would reach it if it were sent
    /// now (a reference this authority used lately included), with nothing opened or
    /// written: an authority fixes a subpoena that asks for content before sending it.
    pub async fn check(&self, document: &str) -> Result<Decision, AppError> {
        let demand = Demand::from_json(document).map_err(AppError::from)?;
        let intake = self.intake(demand, document.to_owned(), None).await?;
        Ok(intake.decision)
    }

    /// As [`submit`](Self::submit), once per `Idempotency-Key`: a retry with the same
    /// key and body finds the case the first request opened (within 24 hours); the
    /// same key with another body is refused (422) and nothing is written.
    pub async fn submit_once(&self, document: &str, key: &str) -> Result<CaseRecord, AppError> {
        let body_sha256 = hex_sha256(document.as_bytes());
        let key = writ_store::IdempotencyKey {
            key,
            body_sha256: &body_sha256,
        };
        self.open(document, None, Some(&key)).await
    }

    /// As [`submit`](Self::submit), with the signed order (a PDF of at most 10 MB).
    pub async fn submit_with_order(
        &self,
        document: &str,
        order: Option<SignedOrder>,
    ) -> Result<CaseRecord, AppError> {
        self.open(document, order, None).await
    }

    async fn open(
        &self,
        document: &str,
        order: Option<SignedOrder>,
        key: Option<&writ_store::IdempotencyKey<'_>>,
    ) -> Result<CaseRecord, AppError> {
        if let Some(order) = &order {
            check_order(order)?;
        }
        let demand = Demand::from_json(document).map_err(AppError::from)?;
        let intake = self.intake(demand, document.to_owned(), order).await?;
        let documents = intake.documents();
        let case = intake.new_case(&self.user.agency, &documents);
        match self
            .store()
            .open_case_once(&case, &intake.escalations, key, &self.actor(), intake.now)
            .await?
        {
            writ_store::Opened::New(case) | writ_store::Opened::Before(case) => Ok(case),
            writ_store::Opened::KeyReused => Err(AppError::Unprocessable(
                "Idempotency-Key: this key was used for another demand; use a new key for a new demand"
                    .into(),
            )),
        }
    }

    /// Reads a demand from this authority as intake does for every way in (the API, the
    /// portal, HI-1): received now, decided by the policy engine, checked against the
    /// authority's recent references, its deadline's escalations planned.
    pub(super) async fn intake(
        &self,
        mut demand: Demand,
        document: String,
        order: Option<SignedOrder>,
    ) -> Result<Intake, AppError> {
        let agency = self.store().agency(&self.user.agency).await?;
        if demand.authority.country != agency.country {
            return Err(AppError::BadRequest {
                field: Some("authority.country".into()),
                message: format!(
                    "authority.country: {} is registered in {}, not {}",
                    agency.name, agency.country, demand.authority.country
                ),
            });
        }
        let now = self.state.clock.now();
        // Deadlines run from when the provider received the demand, not from a time the
        // sender wrote into it.
        demand.received_at = Some(now);
        let policy = &self.state.policy;
        let mut decision =
            writ_core::policy::evaluate(&demand, &policy.rules, policy.directory.as_deref(), now);
        // The engine reads one demand; whether this one repeats an earlier case is
        // intake's to say, before the case is stored.
        let since = now
            .checked_add(time::Duration::days(-DUPLICATE_REFERENCE_DAYS))
            .unwrap_or(now);
        if let Some(earlier) = self
            .store()
            .case_with_reference(&self.user.agency, &demand.reference, since)
            .await?
        {
            decision
                .findings
                .push(duplicate_reference(&demand.reference, earlier));
        }
        let id = CaseId::random();
        let escalations = decision
            .deadline
            .map(|deadline| {
                self.state
                    .deadlines
                    .jobs(id, now, deadline, demand.emergency.is_some())
            })
            .unwrap_or_default();
        let order = order.map(|o| {
            let sha256 = hex_sha256(&o.bytes);
            (o, sha256)
        });
        Ok(Intake {
            id,
            demand,
            document,
            decision,
            order,
            escalations,
            now,
        })
    }

    /// A page of this authority's demands, newest first, after the page whose `next`
    /// was `cursor`.
    pub async fn list(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<writ_store::CasePage, AppError> {
        let after =
            match cursor {
                None => None,
                Some(text) => Some(writ_store::parse_agency_cursor(text).ok_or_else(|| {
                    AppError::BadRequest {
                        field: Some("cursor".into()),
                        message: "cursor: not a cursor writ gave".into(),
                    }
                })?),
            };
        Ok(self
            .store()
            .cases_of_agency(&self.user.agency, after, limit)
            .await?)
    }

    /// One of this authority's demands; another authority's is not found.
    pub(super) async fn own(&self, id: CaseId) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        if case.agency_id.as_ref() != Some(&self.user.agency) {
            return Err(AppError::NotFound);
        }
        Ok(case)
    }

    pub async fn demand(&self, id: CaseId) -> Result<DemandStatus, AppError> {
        let case = self.own(id).await?;
        let messages = self.store().messages(id).await?;
        let letter = if case.state == CaseState::Redirected {
            self.store().notices(id).await?;
            Some(redirect_letter_for(self.state, &case).await?)
        } else {
            None
        };
        let refused = case
            .decision
            .iter()
            .flat_map(Decision::category_refusals)
            .cloned()
            .collect();
        Ok(DemandStatus {
            case,
            messages,
            letter,
            refused,
        })
    }

    pub async fn withdraw(&self, id: CaseId, reason: &str) -> Result<CaseRecord, AppError> {
        let case = self.own(id).await?;
        let mut update = CaseUpdate::new(
            &case,
            "case.withdrawn",
            self.actor(),
            self.state.clock.now(),
        );
        update.events = vec![CaseEvent::Withdraw];
        // Nobody is told of a demand that no longer stands.
        update.cancel_notices = true;
        update.message = Some(format!("Withdrawn: {reason}"));
        update.details = serde_json::json!({"reason": reason});
        Ok(self.store().update_case(&update).await?)
    }

    /// Adds to the thread; an answer to a clarification puts the case back in review.
    pub async fn message(&self, id: CaseId, body: &str) -> Result<CaseRecord, AppError> {
        let case = self.own(id).await?;
        let mut update = CaseUpdate::new(
            &case,
            "case.message_from_authority",
            self.actor(),
            self.state.clock.now(),
        );
        if case.state == CaseState::AwaitingClarification {
            update.events = vec![CaseEvent::ClarificationAnswered];
            update.action = "case.clarification_answered".into();
        }
        update.message = Some(body.to_owned());
        Ok(self.store().update_case(&update).await?)
    }
}

impl Staff {
    pub fn desk<'a>(&'a self, state: &'a App) -> CaseDesk<'a> {
        CaseDesk {
            state,
            caller: &self.caller,
        }
    }
}

/// A desk that is the case desk and more, opened by `role`.
macro_rules! case_desk_and_more {
    ($(#[$doc:meta])* $desk:ident, $role:ident) => {
        $(#[$doc])*
        pub struct $desk<'a>(CaseDesk<'a>);

        impl<'a> std::ops::Deref for $desk<'a> {
            type Target = CaseDesk<'a>;
            fn deref(&self) -> &CaseDesk<'a> {
                &self.0
            }
        }

        impl $role {
            pub fn desk<'a>(&'a self, state: &'a App) -> $desk<'a> {
                $desk(CaseDesk {
                    state,
                    caller: &self.caller,
                })
            }
        }
    };
}

case_desk_and_more!(
    /// A reviewer's desk: the case desk, and recommending or asking for clarification.
    ReviewDesk,
    Reviewer
);
case_desk_and_more!(
    /// An approver's desk: the case desk, and deciding on others' recommendations.
    ApprovalDesk,
    Approver
);

/// What every member of staff may do: read the queue and cases (each read audited).
pub struct CaseDesk<'a> {
    pub(super) state: &'a App,
    pub(super) caller: &'a Caller,
}

impl CaseDesk<'_> {
    pub(super) fn store(&self) -> &Store {
        &self.state.store
    }

    pub(super) fn now(&self) -> Timestamp {
        self.state.clock.now()
    }

    /// A page of the queue: open cases by default, emergencies first, then by deadline.
    pub async fn list(&self, query: &CaseQuery) -> Result<CasePage, AppError> {
        let page = self.store().queue(query).await?;
        let viewed = AuditEntry::new(self.now(), self.caller.actor(), "cases.listed").with_details(
            serde_json::json!({
                "states": query.states,
                "search": query.search,
                "count": page.cases.len(),
            }),
        );
        self.store().record(&viewed).await?;
        Ok(page)
    }

    /// A case with everything gathered on it.
    pub async fn view(&self, id: CaseId) -> Result<CaseView, AppError> {
        let case = self.store().case(id).await?;
        let document = self.store().demand_document(id).await?;
        let view = CaseView {
            document: document.clone(),
            documents: self.store().documents(id).await?,
            agency: match &case.agency_id {
                Some(agency) => Some(self.store().agency(agency).await?),
                None => None,
            },
            messages: self.store().messages(id).await?,
            callbacks: self.store().callbacks(id).await?,
            gate_clearances: self.store().gate_clearances(id).await?,
            enforcing_authority: self.enforcing_authority(&case).await?,
            form3: self.store().form3(id).await?,
            notices: self.store().notices(id).await?,
            productions: self.store().productions(id).await?,
            preservations: self.preservations(&case, &document).await?,
            case,
        };
        let viewed = AuditEntry::new(self.now(), self.caller.actor(), "case.viewed").for_case(id);
        self.store().record(&viewed).await?;
        Ok(view)
    }

    /// Up to `limit` of the case's audit events after leaf index `after`: who did what,
    /// when and why. Reading it is not itself recorded (it shows no customer data).
    pub async fn history(
        &self,
        id: CaseId,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<writ_store::StoredEvent>, AppError> {
        self.store().case(id).await?;
        Ok(self.store().case_events(id, after, limit).await?)
    }

    /// Holds in force from other cases on the accounts `document` names: by the
    /// account a target resolves to (a hold made on a phone number protects the account
    /// an e-mail address names too), and by the identifier as written.
    async fn preservations(
        &self,
        case: &CaseRecord,
        document: &str,
    ) -> Result<Vec<writ_store::Hold>, AppError> {
        let Ok(demand) = Demand::from_json(document) else {
            return Ok(Vec::new());
        };
        let mut keys: Vec<String> = demand.targets.iter().map(|t| t.raw.clone()).collect();
        if let Some(directory) = self.directory() {
            for target in &demand.targets {
                if let TargetValue::Specific(identifier) = &target.value
                    && let Ok(Some(account)) = directory.resolve(identifier, target.at).await
                {
                    keys.push(account.id.0);
                }
            }
        }
        let now = self.now();
        let mut found = Vec::new();
        for key in &keys {
            for hold in self.store().holds(Some(key)).await? {
                if hold.case_id != case.id && hold.active(now) && !found.contains(&hold) {
                    found.push(hold);
                }
            }
        }
        Ok(found)
    }

    /// The provider's account directory, when writ is connected to the provider's
    /// services.
    fn directory(&self) -> Option<&std::sync::Arc<dyn AccountDirectory>> {
        self.state
            .productions
            .as_deref()
            .map(|p| p.collector.directory())
    }

    /// The accounts the demand's allowed, specific targets name, once each (`None`
    /// without a directory). A target the provider has no account for names none.
    async fn accounts(
        &self,
        demand: &Demand,
        decision: &Decision,
    ) -> Result<Option<Vec<(String, Option<AccountEntry>)>>, AppError> {
        let Some(directory) = self.directory() else {
            return Ok(None);
        };
        let mut found: Vec<(String, Option<AccountEntry>)> = Vec::new();
        for (target, verdict) in demand.targets.iter().zip(&decision.targets) {
            let TargetValue::Specific(identifier) = &target.value else {
                continue;
            };
            if verdict.decision != writ_core::policy::Outcome::Allow {
                continue;
            }
            let entry = directory
                .resolve(identifier, target.at)
                .await
                .map_err(AppError::internal)?;
            let seen = found.iter().any(|(_, known)| match (known, &entry) {
                (Some(known), Some(entry)) => known.id == entry.id,
                _ => false,
            });
            if !seen {
                found.push((target.raw.clone(), entry));
            }
        }
        Ok(Some(found))
    }

    /// A document that came with the demand (the signed order), its reading audited.
    pub async fn document(
        &self,
        id: CaseId,
        document: i64,
    ) -> Result<(DocumentInfo, Vec<u8>), AppError> {
        let info = self
            .store()
            .documents(id)
            .await?
            .into_iter()
            .find(|d| d.id == document)
            .ok_or(AppError::NotFound)?;
        let content = self.store().document_content(id, document).await?;
        let viewed = AuditEntry::new(self.now(), self.caller.actor(), "case.document_viewed")
            .for_case(id)
            .with_details(serde_json::json!({"document": document, "sha256": info.sha256}));
        self.store().record(&viewed).await?;
        Ok((info, content))
    }

    /// The demand and the engine's decision, as stored with the case.
    fn read(&self, case: &CaseRecord, document: &str) -> Result<(Demand, Decision), AppError> {
        let mut demand = Demand::from_json(document).map_err(AppError::internal)?;
        demand.received_at = Some(case.received_at);
        let decision = case
            .decision
            .clone()
            .ok_or_else(|| AppError::Conflict("this case has no policy decision".into()))?;
        Ok((demand, decision))
    }

    /// What clears a case's gates so far: the call-backs' outcomes, and the gates people
    /// cleared.
    async fn gate_checks(&self, id: CaseId) -> Result<(Vec<CallbackOutcome>, Vec<Code>), AppError> {
        let callbacks = self.store().callbacks(id).await?;
        let cleared = self.store().gate_clearances(id).await?;
        Ok((
            callbacks.iter().map(|c| c.outcome).collect(),
            cleared.iter().map(|c| c.code).collect(),
        ))
    }

    /// Whether every gate on the case is cleared, before anything is disclosed.
    pub(super) async fn check_gates(&self, case: &CaseRecord, step: &str) -> Result<(), AppError> {
        let document = self.store().demand_document(case.id).await?;
        let (_, decision) = self.read(case, &document)?;
        let (callbacks, cleared) = self.gate_checks(case.id).await?;
        check_gates(&decision, &callbacks, &cleared, step).map_err(refused)
    }

    /// The steps that bring a case into review, if it is not there yet.
    fn into_review(case: &CaseRecord) -> Result<Vec<CaseEvent>, AppError> {
        match case.state {
            CaseState::Received => Ok(vec![CaseEvent::StartReview]),
            CaseState::InReview => Ok(Vec::new()),
            other => Err(AppError::Conflict(format!(
                "the case is {other}, not in review"
            ))),
        }
    }

    /// Records an emergency call-back, to the number writ holds for the authority.
    pub async fn record_callback(
        &self,
        id: CaseId,
        called_at: Timestamp,
        outcome: CallbackOutcome,
        notes: &str,
    ) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        let agency_id = case.agency_id.clone().ok_or_else(|| {
            AppError::Conflict("this case has no registered authority to call back".into())
        })?;
        let agency = self.store().agency(&agency_id).await?;
        let mut update = CaseUpdate::new(
            &case,
            "case.callback_recorded",
            self.caller.actor(),
            self.now(),
        );
        update.callback = Some(Callback {
            caller: self.caller.actor(),
            number: agency.callback_phone.to_string(),
            called_at,
            outcome,
            notes: notes.to_owned(),
        });
        update.details = serde_json::json!({
            "number": agency.callback_phone.as_str(),
            "called_at": called_at,
            "outcome": outcome,
        });
        Ok(self.store().update_case(&update).await?)
    }
}

impl ReviewDesk<'_> {
    /// Records a recommendation, with the scope narrowed within what the engine allowed.
    pub async fn recommend(
        &self,
        id: CaseId,
        recommendation: &Recommendation,
    ) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        let document = self.store().demand_document(id).await?;
        let (demand, decision) = self.read(&case, &document)?;
        if decision.route == Route::Counsel {
            return Err(refused(Refusal::ForCounsel));
        }
        let allowed = Scope::allowed_by(&demand, &decision);
        let scope = match recommendation {
            Recommendation::Approve {
                scope: Some(request),
                ..
            } => allowed.narrow(request).map_err(AppError::from)?,
            _ => allowed,
        };
        let now = self.now();
        let recorded = RecordedRecommendation {
            by: self.caller.user.id,
            by_name: self.caller.user.username.to_string(),
            recommendation: recommendation.kind(),
            reason: recommendation.reason().to_owned(),
            scope,
            at: now,
        };
        let mut update = CaseUpdate::new(&case, "case.recommended", self.caller.actor(), now);
        update.events = CaseDesk::into_review(&case)?;
        update.details = serde_json::json!({
            "recommendation": recorded.recommendation,
            "reason": recorded.reason,
            "scope": recorded.scope,
        });
        update.recommendation = Some(recorded);
        Ok(self.store().update_case(&update).await?)
    }

    /// Asks the authority a question; the case waits for the answer.
    pub async fn request_clarification(
        &self,
        id: CaseId,
        question: &str,
    ) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        let mut update = CaseUpdate::new(
            &case,
            "case.clarification_requested",
            self.caller.actor(),
            self.now(),
        );
        update.events = CaseDesk::into_review(&case)?;
        update.events.push(CaseEvent::RequestClarification);
        update.message = Some(question.to_owned());
        Ok(self.store().update_case(&update).await?)
    }

    /// Takes the case: the caller is its assignee from now on (`case.assigned`). Only
    /// an open case, and not one already theirs.
    pub async fn assign_to_me(&self, id: CaseId) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        if !case.state.is_open() {
            return Err(AppError::Conflict(format!(
                "the case is {}: there is nothing left to work on",
                case.state
            )));
        }
        if case.assignee == Some(self.caller.user.id) {
            return Err(AppError::Conflict("the case is already yours".into()));
        }
        let mut update = CaseUpdate::new(&case, "case.assigned", self.caller.actor(), self.now());
        update.assign = Some(self.caller.user.id);
        update.details = serde_json::json!({
            "assignee": self.caller.user.username,
            "previous": case.assignee_name,
        });
        Ok(self.store().update_case(&update).await?)
    }
}

impl ApprovalDesk<'_> {
    /// Approves the recommended scope; a demand for an enterprise customer's account is
    /// redirected to the customer instead, with a letter and a notice to its admin.
    pub async fn approve(&self, id: CaseId, reason: &str) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        let document = self.store().demand_document(id).await?;
        let (demand, decision) = self.read(&case, &document)?;
        let recommendation = case.recommendation.clone();
        let (callbacks, cleared) = self.gate_checks(id).await?;
        check_approval(
            self.caller.user.id,
            recommendation.as_ref(),
            &decision,
            &callbacks,
            &cleared,
        )
        .map_err(refused)?;
        let recommendation =
            recommendation.ok_or_else(|| AppError::Conflict("no recommendation".into()))?;

        let now = self.now();
        let mut update = CaseUpdate::new(&case, "case.approved", self.caller.actor(), now);
        update.details =
            serde_json::json!({"reason": reason, "recommended_by": recommendation.by_name});
        update.approval = Some(RecordedApproval {
            by: self.caller.user.id,
            by_name: self.caller.user.username.to_string(),
            reason: reason.to_owned(),
            at: now,
        });
        let tenant = enterprise_tenant(self.state, &demand);
        // The half-year the case is counted in, which its notices name.
        let period = writ_report::HalfYear::containing(case.received_at)
            .ok_or_else(|| AppError::Conflict(format!("case {id}: received_at out of range")))?;
        if decision.route == Route::RedirectEnterprise {
            update.action = "case.redirected".into();
            update.events = vec![CaseEvent::RedirectToEnterprise];
            if let Some(tenant) = &tenant {
                // The letter waits in the outbox while a gag on the demand is in force.
                update.notices.push(Notice::pending(
                    NoticeRecipient::TenantAdmin,
                    tenant.admin_email.as_str(),
                    format!("A government demand about {}'s accounts", tenant.name),
                    redirect_letter(&demand, &decision, tenant, PROVIDER, now)
                        + &crate::notices::receipt_paragraph(period),
                    String::new(),
                    None,
                    now,
                ));
            }
        } else {
            update.events = vec![CaseEvent::Approve];
            update.scope = Some(recommendation.scope.clone());
            // Disclosure starts now, in the background; it waits if no sources are set up.
            match demand.action {
                Action::Disclose => {
                    update.jobs = vec![Job::Collect { case: id }.at(now)];
                    let addressees = match self.accounts(&demand, &decision).await? {
                        Some(accounts) => accounts
                            .into_iter()
                            .filter_map(|(_, entry)| entry)
                            .map(|entry| Addressee {
                                account: entry.id.0,
                                address: entry.contact,
                            })
                            .collect(),
                        None => Addressee::from_email_targets(&decision),
                    };
                    update.notices = crate::notices::plan(
                        &demand,
                        &decision,
                        recommendation.scope.categories(),
                        tenant.as_ref(),
                        &addressees,
                        &self.state.policy.rules,
                        PROVIDER,
                        period,
                        now,
                    )
                    .map_err(AppError::internal)?;
                }
                Action::Preserve => {
                    let extension = self
                        .state
                        .policy
                        .rules
                        .for_instrument(&demand.instrument.kind)
                        .and_then(|rule| rule.preserve_extension_days);
                    let accounts: Vec<String> = match self.accounts(&demand, &decision).await? {
                        Some(accounts) => accounts
                            .into_iter()
                            .map(|(raw, entry)| entry.map_or(raw, |e| e.id.0))
                            .collect(),
                        None => decision
                            .allowed_targets()
                            .map(|t| t.value.clone())
                            .collect(),
                    };
                    update.holds = plan_holds(&accounts, &decision, extension);
                    if let Some(until) = decision.preserve_until {
                        update.jobs.push(Job::ExpireHolds { case: id }.at(until));
                    }
                }
            }
        }
        let undeliverable = update
            .notices
            .iter()
            .filter(|n| n.state == NoticeState::Undeliverable)
            .count();
        if !update.notices.is_empty() {
            update.jobs.push(Job::SendNotices { case: id }.at(now));
        }
        let case = self.store().update_case(&update).await?;
        // Counted, so that an operator sees how many people the provider cannot reach.
        metrics::counter!("writ_notices_undeliverable_total").increment(undeliverable as u64);
        Ok(case)
    }

    /// Rejects the demand; the authority is told why.
    pub async fn reject(&self, id: CaseId, reason: &str) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        let recommendation = case.recommendation.clone();
        check_rejection(self.caller.user.id, recommendation.as_ref()).map_err(refused)?;
        let mut update = CaseUpdate::new(&case, "case.rejected", self.caller.actor(), self.now());
        update.events = match case.state {
            CaseState::Received => vec![CaseEvent::StartReview, CaseEvent::Reject],
            _ => vec![CaseEvent::Reject],
        };
        update.rejection_reason = Some(reason.to_owned());
        update.details = serde_json::json!({"reason": reason});
        Ok(self.store().update_case(&update).await?)
    }
}

impl ApprovalDesk<'_> {
    /// Records that a gate a person clears (the conflict of laws, an EU emergency
    /// order's validation) is cleared, and why. Each gate is cleared once.
    pub async fn clear_gate(
        &self,
        id: CaseId,
        code: Code,
        reason: &str,
    ) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        let document = self.store().demand_document(id).await?;
        let (_, decision) = self.read(&case, &document)?;
        check_gate_clearance(&decision, code).map_err(refused)?;
        if !matches!(
            case.state,
            CaseState::Received | CaseState::InReview | CaseState::AwaitingClarification
        ) {
            return Err(AppError::Conflict(format!(
                "the case is {}: there is nothing left to clear",
                case.state
            )));
        }
        if self.gate_checks(id).await?.1.contains(&code) {
            return Err(AppError::Conflict(format!(
                "the {code} gate is already cleared"
            )));
        }
        let now = self.now();
        let mut update = CaseUpdate::new(&case, "case.gate_cleared", self.caller.actor(), now);
        update.gate_clearance = Some(GateClearance {
            code,
            reason: reason.to_owned(),
            cleared_by: self.caller.actor(),
            cleared_at: now,
        });
        update.details = serde_json::json!({"gate": code, "reason": reason});
        Ok(self.store().update_case(&update).await?)
    }

    /// Records what the provider does about an assistance order routed to counsel:
    /// a challenge keeps the case open (in review, with counsel's deadline), a refusal
    /// rejects it. Never an approval: nothing can produce keys or grant access.
    pub async fn counsel(
        &self,
        id: CaseId,
        action: CounselAction,
        reason: &str,
        deadline: Option<Timestamp>,
    ) -> Result<CaseRecord, AppError> {
        let case = self.store().case(id).await?;
        let document = self.store().demand_document(id).await?;
        let (_, decision) = self.read(&case, &document)?;
        check_counsel(&decision).map_err(refused)?;
        let now = self.now();
        let recorded = CounselDecision {
            decision: action,
            reason: reason.to_owned(),
            deadline,
            by: self.caller.user.id,
            by_name: self.caller.user.username.to_string(),
            at: now,
        };
        let mut update = CaseUpdate::new(&case, "case.counsel_decided", self.caller.actor(), now);
        update.events = CaseDesk::into_review(&case)?;
        if action == CounselAction::Refuse {
            update.events.push(CaseEvent::Reject);
            update.rejection_reason = Some(reason.to_owned());
        }
        update.counsel = Some(recorded);
        update.details = serde_json::json!({
            "decision": action,
            "reason": reason,
            "deadline": deadline,
        });
        Ok(self.store().update_case(&update).await?)
    }
}

pub(super) fn check_order(order: &SignedOrder) -> Result<(), AppError> {
    let bad = |message: String| AppError::BadRequest {
        field: Some("order".into()),
        message,
    };
    if order.bytes.len() > MAX_ORDER_BYTES {
        return Err(bad(format!(
            "order: the signed order is {} bytes; at most {MAX_ORDER_BYTES} are accepted",
            order.bytes.len()
        )));
    }
    if !order.bytes.starts_with(b"%PDF-") {
        return Err(bad("order: the signed order must be a PDF".into()));
    }
    let name = order.filename.as_str();
    // A plain name: no path, no `.` or `..`, nothing invisible or that reorders how
    // it reads (a bidirectional override shows `fdp.exe` as `exe.pdf`).
    let name_ok = !name.trim().is_empty()
        && name.len() <= 200
        && !matches!(name.trim(), "." | "..")
        && !name.contains(['/', '\\'])
        && !name
            .chars()
            .any(|c| c.is_control() || writ_core::text::is_format_character(c));
    if !name_ok {
        return Err(bad(
            "order: the file name must be a plain name, without a path or invisible characters"
                .into(),
        ));
    }
    Ok(())
}

/// How far back a demand's reference is compared with the authority's earlier cases.
const DUPLICATE_REFERENCE_DAYS: i64 = 30;

/// The finding that a demand repeats the reference of the authority's case `earlier`.
fn duplicate_reference(reference: &str, earlier: CaseId) -> Finding {
    Finding {
        code: Code::DuplicateReference,
        severity: writ_core::policy::Severity::Info,
        message: format!(
            "This authority used the reference {reference:?} for case {earlier} in the last \
             {DUPLICATE_REFERENCE_DAYS} days: check this is not the same demand sent twice."
        ),
        rule: None,
        citation: None,
        category: None,
        target: None,
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn refused(refusal: Refusal) -> AppError {
    if refusal.is_about_the_person() {
        AppError::ForbiddenBecause(refusal.to_string())
    } else {
        AppError::Conflict(refusal.to_string())
    }
}

/// The enterprise tenant that one of the demand's targets belongs to, per the directory.
fn enterprise_tenant(state: &App, demand: &Demand) -> Option<writ_core::policy::Tenant> {
    let directory = state.policy.directory.as_deref()?;
    let seats_above = state.policy.rules.settings().enterprise_seats_above;
    demand
        .targets
        .iter()
        .find_map(|target| match &target.value {
            TargetValue::Specific(identifier) => directory
                .resolve(identifier, target.at)
                .and_then(|account| account.tenant)
                .filter(|tenant| u64::from(tenant.seats) > u64::from(seats_above)),
            TargetValue::NotSpecific(_) => None,
        })
}

/// The redirect letter of a redirected case, as it was sent.
async fn redirect_letter_for(state: &App, case: &CaseRecord) -> Result<String, AppError> {
    let notices = state.store.notices(case.id).await?;
    Ok(notices
        .into_iter()
        .find(|n| n.recipient == NoticeRecipient::TenantAdmin)
        .map(|n| n.body)
        .unwrap_or_else(|| "This demand concerns an enterprise customer's account; please direct it to the customer.".into()))
}

impl Admin {
    pub fn desk<'a>(&'a self, state: &'a App) -> AdminDesk<'a> {
        AdminDesk {
            state,
            caller: &self.caller,
        }
    }
}

/// What an admin may do: register authorities (with their e-mail domains and call-back
/// number) and people.
pub struct AdminDesk<'a> {
    state: &'a App,
    caller: &'a Caller,
}

/// A person just added, with the credentials they are given once: shown to the admin,
/// stored only as hashes (the TOTP secret excepted, which must be kept to check codes).
pub struct NewPerson {
    pub user: writ_store::User,
    pub password: crate::credentials::SecretToken,
    pub totp: crate::credentials::TotpSecret,
    pub token: crate::credentials::SecretToken,
}

/// Four eyes on the accounts that decide and disclose: one admin alone cannot make (or
/// bring back) the reviewer and the approver of a disclosure, nor another admin.
fn needs_second_admin(role: writ_core::Role) -> bool {
    matches!(
        role,
        writ_core::Role::Reviewer | writ_core::Role::Approver | writ_core::Role::Admin
    )
}

impl AdminDesk<'_> {
    /// A second admin confirms a change another asked for (a privileged account).
    pub async fn confirm_change(&self, id: i64) -> Result<writ_store::AdminChange, AppError> {
        let store = &self.state.store;
        let change = store.admin_change(id).await?;
        if change.requested_by == self.caller.user.id {
            return Err(AppError::Forbidden(
                "you asked for this change; a second admin must confirm it (four eyes)",
            ));
        }
        let now = self.state.clock.now();
        if !store
            .confirm_admin_change(id, self.caller.user.id, &self.caller.actor(), now)
            .await?
        {
            return Err(AppError::Conflict(format!(
                "change {id} is confirmed already"
            )));
        }
        Ok(store.admin_change(id).await?)
    }

    pub async fn add_agency(&self, agency: &writ_store::Agency) -> Result<(), AppError> {
        if self.state.store.agency(&agency.id).await.is_ok() {
            return Err(AppError::Conflict(format!(
                "agency {} already exists",
                agency.id
            )));
        }
        Ok(self
            .state
            .store
            .add_agency(agency, &self.caller.actor())
            .await?)
    }

    /// Asks for a change to an agency's e-mail domains, call-back number or age
    /// recipient, which a second admin must confirm; the change's id. A domain another
    /// agency has is refused now, and again at confirmation.
    pub async fn change_agency(
        &self,
        id: &writ_core::AgencyId,
        change: &writ_store::AgencyChange,
    ) -> Result<writ_store::AdminChange, AppError> {
        let store = &self.state.store;
        let after = change.applied_to(&store.agency(id).await?)?;
        for other in store.agencies().await? {
            if let Some(domain) = after
                .email_domains
                .iter()
                .find(|d| other.id != after.id && other.email_domains.contains(d))
            {
                return Err(writ_store::StoreError::DomainTaken {
                    domain: domain.clone(),
                    agency: other.id,
                }
                .into());
            }
        }
        let details = serde_json::to_value(change).map_err(AppError::internal)?;
        let change = store
            .request_admin_change(
                "agency.changed",
                id.as_str(),
                Some(&details),
                self.caller.user.id,
                &self.caller.actor(),
                self.state.clock.now(),
            )
            .await?;
        Ok(store.admin_change(change).await?)
    }

    /// The changes waiting for a second admin after change `after`, oldest first.
    pub async fn pending_changes(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<writ_store::AdminChange>, AppError> {
        Ok(self.state.store.pending_admin_changes(after, limit).await?)
    }

    /// Disables an account at once: its tokens and sessions are refused from the next
    /// request. Not the admin's own (writ would be left without the admin who can undo
    /// it).
    pub async fn disable_user(&self, id: writ_core::UserId) -> Result<writ_store::User, AppError> {
        let store = &self.state.store;
        let user = store.user_by_id(id).await?;
        if user.id == self.caller.user.id {
            return Err(AppError::Conflict(
                "an admin cannot disable their own account".into(),
            ));
        }
        let now = self.state.clock.now();
        if !store.disable_user(&user, &self.caller.actor(), now).await? {
            return Err(AppError::Conflict(format!(
                "{} is disabled already",
                user.username
            )));
        }
        Ok(store.user_by_id(id).await?)
    }

    /// Enables a disabled account: an authority's or an auditor's at once; a reviewer's,
    /// approver's or admin's when a second admin confirms the change this returns.
    pub async fn enable_user(
        &self,
        id: writ_core::UserId,
    ) -> Result<(writ_store::User, Option<i64>), AppError> {
        let store = &self.state.store;
        let user = store.user_by_id(id).await?;
        if user.disabled_at.is_none() {
            return Err(AppError::Conflict(format!(
                "{} is not disabled",
                user.username
            )));
        }
        let now = self.state.clock.now();
        let actor = self.caller.actor();
        if needs_second_admin(user.role) {
            let change = store
                .request_admin_change(
                    "user.enabled",
                    &id.to_string(),
                    None,
                    self.caller.user.id,
                    &actor,
                    now,
                )
                .await?;
            return Ok((user, Some(change)));
        }
        if !store.enable_user(&user, &actor, now).await? {
            return Err(AppError::Conflict(format!(
                "{} is not disabled",
                user.username
            )));
        }
        Ok((store.user_by_id(id).await?, None))
    }

    /// Adds a person with a random password, a TOTP secret and an API token. An
    /// authority's user must have an e-mail address in one of its registered domains.
    pub async fn add_person(
        &self,
        username: &writ_core::Username,
        role: writ_core::Role,
        agency: Option<&writ_core::AgencyId>,
    ) -> Result<NewPerson, AppError> {
        use crate::credentials::{API_TOKEN_PREFIX, TotpSecret, hash_password, new_token};
        let bad = |field: &str, message: String| AppError::BadRequest {
            field: Some(field.into()),
            message: format!("{field}: {message}"),
        };
        match (role, agency) {
            (writ_core::Role::Agency, Some(id)) => {
                let agency = self.state.store.agency(id).await.map_err(|e| match e {
                    writ_store::StoreError::NotFound { .. } => {
                        bad("agency", format!("no agency {id}"))
                    }
                    other => other.into(),
                })?;
                if !writ_core::people::in_allowed_domain(username, &agency.email_domains) {
                    return Err(bad(
                        "username",
                        format!(
                            "{username} is not in {}'s domains ({})",
                            agency.name,
                            agency.email_domains.join(", ")
                        ),
                    ));
                }
            }
            (writ_core::Role::Agency, None) => {
                return Err(bad(
                    "agency",
                    "an authority's user must belong to an agency".into(),
                ));
            }
            (_, Some(_)) => return Err(bad("agency", "staff belong to no agency".into())),
            (_, None) => {}
        }
        if self.state.store.user_by_name(username).await?.is_some() {
            return Err(AppError::Conflict(format!("{username} already exists")));
        }
        let (password, _) = new_token("").map_err(AppError::internal)?;
        let totp = TotpSecret::generate().map_err(AppError::internal)?;
        let hash = {
            let password = password.clone();
            tokio::task::spawn_blocking(move || hash_password(password.expose()))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?
        };
        let now = self.state.clock.now();
        let secret = totp.expose_base32();
        let new = writ_store::NewUser {
            id: writ_core::UserId::random(),
            username,
            role,
            agency_id: agency,
            password_hash: hash.as_str(),
            totp_secret: &secret,
        };
        let store = &self.state.store;
        if needs_second_admin(role) {
            store
                .add_user_awaiting_confirmation(
                    &new,
                    self.caller.user.id,
                    &self.caller.actor(),
                    now,
                )
                .await?;
        } else {
            store.add_user(&new, &self.caller.actor(), now).await?;
        }
        let user = store
            .user_by_name(username)
            .await?
            .ok_or(AppError::NotFound)?;
        let (token, token_hash) = new_token(API_TOKEN_PREFIX).map_err(AppError::internal)?;
        store
            .issue_token(
                token_hash.as_str(),
                &user,
                "initial",
                &self.caller.actor(),
                now,
            )
            .await?;
        Ok(NewPerson {
            user,
            password,
            totp,
            token,
        })
    }
}

impl AdminDesk<'_> {
    /// Publishes a finished period's transparency report: its records frozen, their root
    /// bound to the audit log (`report.published`; `report.corrected` with `reason` for
    /// a later version), counted at the latest signed checkpoint.
    pub async fn publish_report(
        &self,
        period: writ_report::HalfYear,
        reason: Option<&str>,
    ) -> Result<writ_report::Publication, AppError> {
        let store = &self.state.store;
        let anchor = crate::transparency::anchor(store).await?;
        let now = self.state.clock.now();
        match store
            .publish_report(period, reason, anchor, &self.caller.actor(), now)
            .await
        {
            Ok(publication) => Ok(publication),
            Err(writ_store::StoreError::OutOfRange(message)) if message.starts_with("reason:") => {
                Err(AppError::BadRequest {
                    field: Some("reason".into()),
                    message,
                })
            }
            Err(other) => Err(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(filename: &str) -> SignedOrder {
        SignedOrder {
            filename: filename.into(),
            bytes: b"%PDF-1.7 signed".to_vec(),
        }
    }

    #[test]
    fn order_names_are_plain_names() {
        assert!(check_order(&order("warrant 2026-0412.pdf")).is_ok());
        assert!(check_order(&order("Durchsuchungsbeschluss ä.pdf")).is_ok());
        for bad in [
            ".",
            "..",
            " .. ",
            "a/b.pdf",
            "a\\b.pdf",
            "warrant\u{202e}fdp.exe",
            "warrant\u{2066}.pdf",
            "zero\u{200b}width.pdf",
            "line\nbreak.pdf",
        ] {
            let refused = check_order(&order(bad));
            assert!(
                matches!(&refused, Err(AppError::BadRequest { field: Some(f), .. }) if f == "order"),
                "{bad:?}"
            );
        }
    }
}
