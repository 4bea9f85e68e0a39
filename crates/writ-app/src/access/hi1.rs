//! An authority's ETSI TS 103 120 (HI-1) messages: `CREATE`s opening cases through the
//! same intake as a native demand, `GET` and `LIST` of its own objects with their
//! statuses, and `UPDATE`s cancelling a task. A message is taken whole (in one
//! transaction) or refused with one `ErrorInformation`; only an object writ does not
//! keep (an `LDDestinationObject`) or a verb it does not take (`DELIVER`) is answered
//! with its own error beside the rest. The answer is kept: a repeated
//! `TransactionIdentifier` gets the first answer.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;
use writ_core::policy::Verdict;
use writ_core::{CaseEvent, CaseId, CaseState, Timestamp};
use writ_hi1::emit::{self, Envelope, ListRecord, Outcome, StatusObject};
use writ_hi1::message::{EndpointId, ObjectCommon, Version};
use writ_hi1::status::{CaseFacts, authorisation_status, ld_task_status, lp_task_status};
use writ_hi1::{Action, ErrorCode, Hi1Error, Message, map_message};
use writ_store::{
    Agency, CaseRecord, CaseUpdate, Hi1Cancellation, Hi1Case, Hi1Followup, Hi1Kind, Hi1Message,
    Hi1Object, Hi1Taken, NewHi1Object,
};

use super::AgencyUser;
use super::desks::{AgencyDesk, Intake, SignedOrder, check_order};
use crate::{App, AppError};

/// The most objects one `LIST` answers with.
const LIST_MAX: u32 = 1_000;

/// The encoding a message came in, and its answer goes out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hi1Encoding {
    Xml,
    Json,
}

impl Hi1Encoding {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Xml => "application/xml",
            Self::Json => "application/json",
        }
    }
}

/// The answer to a message: an `HI1Message` with its `ResponsePayload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hi1Reply {
    pub media_type: String,
    pub body: String,
    /// The cases the message opened (none for a repeat or a refusal).
    pub opened: Vec<CaseId>,
}

impl AgencyUser {
    pub fn hi1_desk<'a>(&'a self, state: &'a App) -> Hi1Desk<'a> {
        Hi1Desk {
            agency: self.desk(state),
        }
    }
}

/// What an authority may do through HI-1: what its [`AgencyDesk`] does, in messages.
pub struct Hi1Desk<'a> {
    agency: AgencyDesk<'a>,
}

/// Why a message is refused: as an `ErrorInformation`, or (the store failing) as an
/// API error.
enum Refusal {
    Hi1(Hi1Error),
    Api(AppError),
}

impl From<Hi1Error> for Refusal {
    fn from(error: Hi1Error) -> Self {
        Self::Hi1(error)
    }
}

impl<E: Into<AppError>> From<E> for Refusal {
    fn from(error: E) -> Self {
        Self::Api(error.into())
    }
}

fn action_path(index: usize, verb: &str) -> String {
    format!("HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[{index}]/{verb}")
}

impl Hi1Desk<'_> {
    fn state(&self) -> &App {
        self.agency.state
    }

    /// Reads, takes and answers one message.
    pub async fn receive(&self, body: &[u8], encoding: Hi1Encoding) -> Result<Hi1Reply, AppError> {
        let now = self.state().clock.now();
        let parsed = match encoding {
            Hi1Encoding::Xml => Message::from_xml(body),
            Hi1Encoding::Json => Message::from_json(body),
        };
        let message = match parsed {
            Ok(message) => message,
            Err(error) => {
                let envelope = self.unread_envelope(now).await?;
                return Ok(self.refusal(&envelope, &error, encoding));
            }
        };
        let envelope = Envelope::reply_to(&message.header, now);
        let agency = &self.agency.user.agency;
        let transaction = message.header.transaction.to_string();
        let store = &self.state().store;
        if let Some(first) = store.hi1_answer(agency, &transaction).await? {
            return Ok(Hi1Reply {
                media_type: first.media_type,
                body: first.answer,
                opened: Vec::new(),
            });
        }
        match self.take(&message, &envelope, encoding, now).await {
            Ok(reply) => Ok(reply),
            Err(Refusal::Hi1(error)) => Ok(self.refusal(&envelope, &error, encoding)),
            Err(Refusal::Api(error)) => Err(error),
        }
    }

    fn refusal(&self, envelope: &Envelope, error: &Hi1Error, encoding: Hi1Encoding) -> Hi1Reply {
        Hi1Reply {
            media_type: encoding.media_type().to_owned(),
            body: encode(&emit::error_response(envelope, error), encoding),
            opened: Vec::new(),
        }
    }

    /// The header of an answer to a message whose own header could not be read: from
    /// writ to the authority, under a new transaction.
    async fn unread_envelope(&self, now: Timestamp) -> Result<Envelope, AppError> {
        let config = &self.state().hi1;
        let agency = self.state().store.agency(&self.agency.user.agency).await?;
        Ok(envelope_to(config, &agency, Uuid::new_v4(), now))
    }

    async fn take(
        &self,
        message: &Message,
        envelope: &Envelope,
        encoding: Hi1Encoding,
        now: Timestamp,
    ) -> Result<Hi1Reply, Refusal> {
        let agency_id = &self.agency.user.agency;
        let store = &self.state().store;
        let agency = store.agency(agency_id).await?;
        let authority = writ_core::demand::Authority {
            name: agency.name.clone(),
            country: agency.country,
            contact: None,
        };
        let context = writ_hi1::Context {
            authority: &authority,
            received_at: now,
            config: &self.state().hi1,
        };
        let mapped = map_message(message, &context)?;
        // Objects writ does not keep (an `LDDestinationObject`) and verbs it does not
        // take (`DELIVER`) are answered with their error; the rest is taken.
        let unsupported: BTreeMap<u64, Hi1Error> = mapped.unsupported.into_iter().collect();

        // Each CREATE's object, on the case of the demand it went into.
        let mut object_case: BTreeMap<Uuid, (usize, Hi1Kind)> = BTreeMap::new();
        for (i, demand) in mapped.demands.iter().enumerate() {
            if let Some(a) = demand.authorisation {
                object_case.insert(a, (i, Hi1Kind::Authorisation));
            }
            for task in &demand.tasks {
                let kind = match task.kind {
                    writ_hi1::TaskKind::Disclosure => Hi1Kind::LdTask,
                    writ_hi1::TaskKind::Preservation => Hi1Kind::LpTask,
                };
                object_case.insert(task.object, (i, kind));
            }
            for document in &demand.documents {
                object_case.insert(*document, (i, Hi1Kind::Document));
            }
        }
        for (index, request) in message.requests().iter().enumerate() {
            let Action::Create(object) = &request.action else {
                continue;
            };
            if unsupported.contains_key(&request.identifier) {
                continue;
            }
            let id = object.common().identifier;
            let path = format!(
                "{}/HI1Object/ObjectIdentifier",
                action_path(index, "CREATE")
            );
            if !object_case.contains_key(&id) {
                return Err(Hi1Error::new(
                    ErrorCode::Association,
                    path,
                    format!(
                        "the object {id} is associated with no AuthorisationObject created in this message"
                    ),
                )
                .into());
            }
            if !store
                .hi1_objects(agency_id, Some(&id.to_string()), None, 1)
                .await?
                .is_empty()
            {
                return Err(Hi1Error::new(
                    ErrorCode::Association,
                    path,
                    format!("{id} is the ObjectIdentifier of an object you created before"),
                )
                .into());
            }
        }

        // The cases: each demand through the same intake as a native one.
        let mut intakes: Vec<Intake> = Vec::new();
        for demand in &mapped.demands {
            let order = match &demand.signed_order {
                None => None,
                Some(order) => {
                    let signed = SignedOrder {
                        filename: signed_order_name(order.name.as_deref()),
                        bytes: order.pdf.clone(),
                    };
                    check_order(&signed).map_err(|e| {
                        let index = message
                            .requests()
                            .iter()
                            .position(|r| matches!(&r.action, Action::Create(o) if o.common().identifier == order.document))
                            .unwrap_or_default();
                        Hi1Error::new(
                            ErrorCode::Content,
                            format!("{}/HI1Object/DocumentBody", action_path(index, "CREATE")),
                            e.to_string().trim_start_matches("order: ").to_owned(),
                        )
                    })?;
                    Some(signed)
                }
            };
            let document = writ_hi1::native::to_json(&demand.demand).to_string();
            intakes.push(
                self.agency
                    .intake(demand.demand.clone(), document, order)
                    .await?,
            );
        }
        let documents: Vec<_> = intakes.iter().map(Intake::documents).collect();
        let cases: Vec<Hi1Case<'_>> = intakes
            .iter()
            .zip(&documents)
            .map(|(intake, documents)| {
                // Its statuses go to the authority's endpoint as they change.
                let mut jobs = intake.escalations.clone();
                jobs.push(crate::jobs::Job::Hi1Report { case: intake.id }.at(now));
                Hi1Case {
                    case: intake.new_case(agency_id, documents),
                    jobs,
                }
            })
            .collect();
        let objects: Vec<NewHi1Object> = object_case
            .iter()
            .map(|(id, (i, kind))| NewHi1Object {
                object_id: id.to_string(),
                case_id: intakes[*i].id,
                kind: *kind,
            })
            .collect();

        let cancellations = self.cancellations(message, now).await?;
        let followups = self.followups(message, &object_case, &intakes, now).await?;

        // The answer, one ActionResponse per action, in order.
        let mut outcomes = Vec::new();
        for (index, request) in message.requests().iter().enumerate() {
            let outcome = match (&request.action, unsupported.get(&request.identifier)) {
                (_, Some(error)) => Outcome::Failed(error.clone()),
                (Action::Create(object), None) => Outcome::Created(object.common().identifier),
                (Action::Update(object), None) => Outcome::Updated(object.common().identifier),
                (Action::Get(id), None) => Outcome::Got(self.get(*id, index, now).await?),
                (Action::List(list), None) => Outcome::Listed(self.list(list).await?),
                (Action::Unsupported(verb), None) => Outcome::Failed(Hi1Error::new(
                    ErrorCode::Unsupported,
                    action_path(index, verb),
                    format!("writ does not take {verb} requests"),
                )),
            };
            outcomes.push((request.identifier, outcome));
        }
        let answer = encode(&emit::response(envelope, &outcomes), encoding);
        let transaction = message.header.transaction.to_string();
        let actor = self.agency.actor();
        let taken = store
            .take_hi1_message(&Hi1Message {
                agency: agency_id,
                actor: &actor,
                transaction: &transaction,
                cases,
                objects,
                cancellations,
                followups,
                media_type: encoding.media_type(),
                answer: &answer,
                now,
            })
            .await?;
        Ok(match taken {
            Hi1Taken::Taken(opened) => Hi1Reply {
                media_type: encoding.media_type().to_owned(),
                body: answer,
                opened: opened.iter().map(|c| c.id).collect(),
            },
            Hi1Taken::Repeated(first) => Hi1Reply {
                media_type: first.media_type,
                body: first.answer,
                opened: Vec::new(),
            },
        })
    }

    /// The message's disclosure tasks that name one of the authority's earlier
    /// preservation tasks among their `AssociatedObjects`: production orders following
    /// a preservation (Reg. (EU) 2023/1543 Art. 11), which keep its holds until they
    /// are answered. A preservation whose holds have all ended has nothing to keep.
    async fn followups(
        &self,
        message: &Message,
        object_case: &BTreeMap<Uuid, (usize, Hi1Kind)>,
        intakes: &[Intake],
        now: Timestamp,
    ) -> Result<Vec<Hi1Followup>, Refusal> {
        let store = &self.state().store;
        let agency_id = &self.agency.user.agency;
        let mut followups = Vec::new();
        for request in message.requests() {
            let Action::Create(writ_hi1::message::Hi1Object::LdTask(task)) = &request.action else {
                continue;
            };
            let Some((i, _)) = object_case.get(&task.common.identifier) else {
                continue;
            };
            for named in &task.common.associated_objects {
                if object_case.contains_key(named) {
                    continue;
                }
                let Some(earlier) = store
                    .hi1_objects(agency_id, Some(&named.to_string()), None, 1)
                    .await?
                    .pop()
                    .filter(|o| o.kind == Hi1Kind::LpTask)
                else {
                    continue;
                };
                let holds = store.holds_of_case(earlier.case_id).await?;
                if holds.is_empty() || holds.iter().any(|h| h.active(now)) {
                    followups.push(Hi1Followup {
                        preservation: earlier.case_id,
                        production: intakes[*i].id,
                        task: task.common.identifier.to_string(),
                    });
                }
            }
        }
        Ok(followups)
    }

    /// The message's `UPDATE`s: each must set a task's or an authorisation's
    /// `DesiredStatus` to `Cancelled`. A case is withdrawn with its authorisation, or
    /// with the last of its tasks still standing.
    async fn cancellations(
        &self,
        message: &Message,
        now: Timestamp,
    ) -> Result<Vec<Hi1Cancellation>, Refusal> {
        let agency_id = &self.agency.user.agency;
        let store = &self.state().store;
        let mut found: Vec<(Hi1Object, CaseRecord)> = Vec::new();
        for (index, request) in message.requests().iter().enumerate() {
            let Action::Update(_) = &request.action else {
                continue;
            };
            let path = format!("{}/HI1Object", action_path(index, "UPDATE"));
            let Some(id) = request.action.cancellation() else {
                return Err(Hi1Error::new(
                    ErrorCode::Unsupported,
                    path,
                    "writ takes an UPDATE only to set a task's or an authorisation's DesiredStatus to Cancelled",
                )
                .into());
            };
            let stored = store
                .hi1_objects(agency_id, Some(&id.to_string()), None, 1)
                .await?
                .pop()
                .ok_or_else(|| {
                    Hi1Error::new(
                        ErrorCode::Association,
                        format!("{path}/ObjectIdentifier"),
                        format!("{id} is none of the objects you created"),
                    )
                })?;
            if stored.cancelled_at.is_some()
                || found.iter().any(|(o, _)| o.object_id == stored.object_id)
            {
                return Err(Hi1Error::new(
                    ErrorCode::Content,
                    format!("{path}/ObjectIdentifier"),
                    format!("{id} is cancelled already"),
                )
                .into());
            }
            let case = store.case(stored.case_id).await?;
            if case.state.after(CaseEvent::Withdraw).is_err() {
                return Err(Hi1Error::new(
                    ErrorCode::Content,
                    format!("{path}/ObjectIdentifier"),
                    format!(
                        "{id} can no longer be cancelled: its case is {}",
                        case.state
                    ),
                )
                .into());
            }
            found.push((stored, case));
        }
        let mut out = Vec::new();
        let cases: BTreeSet<CaseId> = found.iter().map(|(o, _)| o.case_id).collect();
        for case_id in cases {
            let these: Vec<&(Hi1Object, CaseRecord)> =
                found.iter().filter(|(o, _)| o.case_id == case_id).collect();
            let cancelled: BTreeSet<&str> =
                these.iter().map(|(o, _)| o.object_id.as_str()).collect();
            let whole = these.iter().any(|(o, _)| o.kind == Hi1Kind::Authorisation)
                || store
                    .hi1_objects(agency_id, None, Some(case_id), u32::MAX)
                    .await?
                    .iter()
                    .filter(|o| o.kind.is_task() && o.cancelled_at.is_none())
                    .all(|o| cancelled.contains(o.object_id.as_str()));
            let last = these.len() - 1;
            for (i, (object, case)) in these.into_iter().enumerate() {
                let withdraw = (whole && i == last).then(|| {
                    let mut update =
                        CaseUpdate::new(case, "case.withdrawn", self.agency.actor(), now);
                    update.events = vec![CaseEvent::Withdraw];
                    update.cancel_notices = true;
                    update.message = Some(format!(
                        "Withdrawn: the authority cancelled {} through HI-1 (transaction {})",
                        object.object_id, message.header.transaction
                    ));
                    update.details = serde_json::json!({
                        "reason": "cancelled through HI-1",
                        "object": object.object_id,
                        "transaction": message.header.transaction,
                    });
                    update
                });
                out.push(Hi1Cancellation {
                    object_id: object.object_id.clone(),
                    case_id,
                    withdraw,
                });
            }
        }
        Ok(out)
    }

    /// An object of this authority's, with its status.
    async fn get(&self, id: Uuid, index: usize, now: Timestamp) -> Result<StatusObject, Refusal> {
        let agency_id = &self.agency.user.agency;
        let store = &self.state().store;
        let object = store
            .hi1_objects(agency_id, Some(&id.to_string()), None, 1)
            .await?
            .pop()
            .ok_or_else(|| {
                Hi1Error::new(
                    ErrorCode::Association,
                    format!("{}/Identifier", action_path(index, "GET")),
                    format!("{id} is none of the objects you created"),
                )
            })?;
        let case = store.case(object.case_id).await?;
        let holds = store.holds_of_case(case.id).await?;
        status_object(id, &object, &case, &holds, now).ok_or_else(|| {
            Hi1Error::new(
                ErrorCode::Unsupported,
                format!("{}/Identifier", action_path(index, "GET")),
                "writ reports the status of authorisations and tasks, not of documents",
            )
            .into()
        })
    }

    /// This authority's objects, as a `LIST` asks for them.
    async fn list(
        &self,
        list: &writ_hi1::message::ListRequest,
    ) -> Result<Vec<ListRecord>, Refusal> {
        let agency_id = &self.agency.user.agency;
        let store = &self.state().store;
        let limit = list.maximum_object_count.map_or(LIST_MAX, |n| {
            u32::try_from(n).unwrap_or(LIST_MAX).min(LIST_MAX)
        });
        let mut changed: BTreeMap<CaseId, Timestamp> = BTreeMap::new();
        let mut out = Vec::new();
        for object in store.hi1_objects(agency_id, None, None, LIST_MAX).await? {
            if list
                .object_type
                .as_ref()
                .is_some_and(|t| t.value != object.kind.as_str())
            {
                continue;
            }
            let case_changed = match changed.get(&object.case_id) {
                Some(at) => *at,
                None => {
                    let at = store.case(object.case_id).await?.updated_at;
                    changed.insert(object.case_id, at);
                    at
                }
            };
            let last_changed = last_changed(&object, case_changed);
            if list.last_changed.is_some_and(|since| last_changed < since) {
                continue;
            }
            let Ok(identifier) = Uuid::parse_str(&object.object_id) else {
                continue;
            };
            out.push(ListRecord {
                object_type: object.kind.as_str().to_owned(),
                identifier,
                generation: generation(&object),
                last_changed: Some(last_changed),
            });
            if out.len() >= limit as usize {
                break;
            }
        }
        Ok(out)
    }
}

fn encode(message: &emit::Outgoing, encoding: Hi1Encoding) -> String {
    match encoding {
        Hi1Encoding::Xml => message.to_xml(),
        Hi1Encoding::Json => message.to_json().to_string(),
    }
}

/// A file name for the signed order: the document's name, kept plain, as a PDF.
fn signed_order_name(name: Option<&str>) -> String {
    let plain: String = name
        .unwrap_or("signed order")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '(' | ')' | '.'))
        .take(180)
        .collect();
    let plain = plain.trim().trim_matches('.');
    let plain = if plain.is_empty() {
        "signed order"
    } else {
        plain
    };
    if plain.to_ascii_lowercase().ends_with(".pdf") {
        plain.to_owned()
    } else {
        format!("{plain}.pdf")
    }
}

/// An object's generation: 1 as created, 2 once cancelled.
fn generation(object: &Hi1Object) -> u64 {
    if object.cancelled_at.is_some() { 2 } else { 1 }
}

fn last_changed(object: &Hi1Object, case_changed: Timestamp) -> Timestamp {
    object
        .cancelled_at
        .unwrap_or(object.created_at)
        .max(case_changed)
}

/// What the status of an HI-1 object depends on, from its case.
pub(crate) fn case_facts(
    case: &CaseRecord,
    holds: &[writ_store::Hold],
    now: Timestamp,
) -> CaseFacts {
    let mut facts = CaseFacts::new(case.state);
    facts.refused_as_invalid = case.state == CaseState::Rejected
        && case
            .decision
            .as_ref()
            .is_some_and(|d| d.verdict == Verdict::Reject);
    facts.preservation_expired = !holds.is_empty() && holds.iter().all(|h| !h.active(now));
    facts
}

/// The header of a message from writ to `agency` under `transaction`.
pub(crate) fn envelope_to(
    config: &writ_hi1::Hi1Config,
    agency: &Agency,
    transaction: Uuid,
    now: Timestamp,
) -> Envelope {
    Envelope {
        sender: EndpointId {
            country_code: config.provider_country.clone(),
            unique_identifier: config.provider_identifier.clone(),
        },
        receiver: EndpointId {
            country_code: agency.country.to_string(),
            unique_identifier: agency.id.to_string(),
        },
        transaction,
        timestamp: now,
        version: Version {
            etsi_version: "V1.23.1".to_owned(),
            national_profile_owner: config.provider_country.clone(),
            national_profile_version: "v1.0".to_owned(),
        },
    }
}

/// The status an object reports: its case's, or `Cancelled` for a task the authority
/// cancelled alone. `None` for a document, which has no status writ tracks.
pub(crate) fn status_object(
    id: Uuid,
    object: &Hi1Object,
    case: &CaseRecord,
    holds: &[writ_store::Hold],
    now: Timestamp,
) -> Option<StatusObject> {
    let facts = case_facts(case, holds, now);
    let cancelled = object.cancelled_at.is_some();
    let common = ObjectCommon {
        generation: Some(generation(object)),
        last_changed: Some(last_changed(object, case.updated_at)),
        ..ObjectCommon::new(id)
    };
    Some(match object.kind {
        Hi1Kind::Authorisation => StatusObject::Authorisation {
            common,
            status: if cancelled {
                writ_hi1::AuthorisationStatus::Cancelled
            } else {
                authorisation_status(&facts)
            },
        },
        Hi1Kind::LdTask => StatusObject::LdTask {
            common,
            status: if cancelled {
                writ_hi1::LdTaskStatus::Cancelled
            } else {
                ld_task_status(&facts)
            },
            reason: None,
        },
        Hi1Kind::LpTask => StatusObject::LpTask {
            common,
            status: if cancelled {
                writ_hi1::LpTaskStatus::Cancelled
            } else {
                lp_task_status(&facts)
            },
            reason: None,
            preservation_expiration: holds.iter().map(|h| h.expires_at).max(),
        },
        Hi1Kind::Document => return None,
    })
}
