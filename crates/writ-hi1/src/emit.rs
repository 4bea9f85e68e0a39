//! What writ sends: the `ResponsePayload` answering a request, and the messages it
//! starts itself (a task's new status as an `UPDATE`, a `NotificationObject`, a
//! `DELIVER` of a production), each as an element tree written as XML or JSON.

use base64::Engine as _;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use uuid::Uuid;
use writ_core::Timestamp;

use crate::error::Hi1Error;
use crate::message::{DictionaryEntry, EndpointId, Header, ObjectCommon, Version};
use crate::status::{AuthorisationStatus, LdTaskStatus, LpTaskStatus};
use crate::tree::{self, Element, ns};

/// A message ready to send, in either encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing(Element);

impl Outgoing {
    pub fn to_xml(&self) -> String {
        tree::to_xml(&self.0)
    }

    pub fn to_json(&self) -> serde_json::Value {
        tree::to_json(&self.0)
    }
}

/// How one `ActionRequest` went.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Created(Uuid),
    Updated(Uuid),
    /// `GET`: the object as writ holds it.
    Got(StatusObject),
    Listed(Vec<ListRecord>),
    Failed(Hi1Error),
}

/// One line of a `LISTResponse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRecord {
    /// `ObjectType` (ETSI dictionary): `Authorisation`, `LDTask`, `LPTask`, `Document`.
    pub object_type: String,
    pub identifier: Uuid,
    pub generation: u64,
    pub last_changed: Option<Timestamp>,
}

/// An object as writ reports it back: its identity and its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusObject {
    Authorisation {
        common: ObjectCommon,
        status: AuthorisationStatus,
    },
    LdTask {
        common: ObjectCommon,
        status: LdTaskStatus,
        /// Why, for `Rejected`, `Invalid` or `DisclosureNotAvailable`.
        reason: Option<Hi1Error>,
    },
    LpTask {
        common: ObjectCommon,
        status: LpTaskStatus,
        reason: Option<Hi1Error>,
        preservation_expiration: Option<Timestamp>,
    },
}

/// Who sends, to whom, and when: the header of a message writ starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub sender: EndpointId,
    pub receiver: EndpointId,
    pub transaction: Uuid,
    pub timestamp: Timestamp,
    pub version: Version,
}

impl Envelope {
    /// The header of the answer to `request`: the parties swapped, the same transaction.
    pub fn reply_to(request: &Header, timestamp: Timestamp) -> Self {
        Self {
            sender: request.receiver.clone(),
            receiver: request.sender.clone(),
            transaction: request.transaction,
            timestamp,
            version: request.version.clone(),
        }
    }
}

/// A `NotificationObject`: what happened, and the statuses of the objects it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub common: ObjectCommon,
    pub details: String,
    pub timestamp: Timestamp,
    pub statuses: Vec<ObjectStatus>,
    /// Documents sent with it, each associated with what it concerns.
    pub documents: Vec<Document>,
}

/// A `DocumentObject` writ sends: a rendering, with its MIME type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub common: ObjectCommon,
    pub name: String,
    pub document_type: Option<DictionaryEntry>,
    pub content_type: String,
    pub contents: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectStatus {
    pub object: Uuid,
    pub status: DictionaryEntry,
    pub details: Option<String>,
}

/// A production made available: a `DeliveryObject` carrying its download link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub common: ObjectCommon,
    pub delivery_id: Uuid,
    pub sequence_number: u64,
    pub last_sequence: bool,
    pub url: String,
    pub content_length: Option<u64>,
    pub content_type: Option<String>,
    pub expiry: Option<Timestamp>,
    /// The SHA-256 of the file, in hexadecimal.
    pub sha256: String,
    pub filename: Option<String>,
}

const DATE_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const MICRO_DATE_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// TS 103 280 `QualifiedDateTime`: whole seconds, UTC.
fn date_time(at: Timestamp) -> String {
    at.datetime()
        .format(DATE_TIME)
        .unwrap_or_else(|_| at.to_rfc3339())
}

/// TS 103 280 `QualifiedMicrosecondDateTime`.
fn micro_date_time(at: Timestamp) -> String {
    at.datetime()
        .format(MICRO_DATE_TIME)
        .unwrap_or_else(|_| at.to_rfc3339())
}

fn core(name: &str, text: impl Into<String>) -> Element {
    Element::text(ns::CORE, name, text)
}

fn entry(namespace: &str, name: &str, value: &DictionaryEntry) -> Element {
    Element::new(namespace, name)
        .with(Element::text(ns::COMMON, "Owner", &value.owner))
        .with(Element::text(ns::COMMON, "Name", &value.name))
        .with(Element::text(ns::COMMON, "Value", &value.value))
}

fn endpoint(name: &str, id: &EndpointId) -> Element {
    Element::new(ns::CORE, name)
        .with(core("CountryCode", &id.country_code))
        .with(core("UniqueIdentifier", &id.unique_identifier))
}

fn header(envelope: &Envelope) -> Element {
    Element::new(ns::CORE, "Header")
        .with(endpoint("SenderIdentifier", &envelope.sender))
        .with(endpoint("ReceiverIdentifier", &envelope.receiver))
        .with(core(
            "TransactionIdentifier",
            envelope.transaction.to_string(),
        ))
        .with(core("Timestamp", micro_date_time(envelope.timestamp)))
        .with(
            Element::new(ns::CORE, "Version")
                .with(core("ETSIVersion", &envelope.version.etsi_version))
                .with(core(
                    "NationalProfileOwner",
                    &envelope.version.national_profile_owner,
                ))
                .with(core(
                    "NationalProfileVersion",
                    &envelope.version.national_profile_version,
                )),
        )
}

fn message(envelope: &Envelope, payload: Element) -> Outgoing {
    Outgoing(
        Element::new(ns::CORE, "HI1Message")
            .with(header(envelope))
            .with(Element::new(ns::CORE, "Payload").with(payload)),
    )
}

fn error_information(name: &str, error: &Hi1Error) -> Element {
    Element::new(ns::CORE, name)
        .with(Element::integer(
            ns::CORE,
            "ErrorCode",
            u64::from(error.code.code()),
        ))
        .with(core("ErrorDescription", error.description()))
}

/// The common part of every object, in the schema's order.
fn common_children(common: &ObjectCommon) -> Vec<Element> {
    let mut out = vec![core("ObjectIdentifier", common.identifier.to_string())];
    if let Some(c) = &common.country_code {
        out.push(core("CountryCode", c));
    }
    if let Some(o) = &common.owner_identifier {
        out.push(core("OwnerIdentifier", o));
    }
    if let Some(g) = common.generation {
        out.push(Element::integer(ns::CORE, "Generation", g));
    }
    if let Some(e) = &common.external_identifier {
        out.push(core("ExternalIdentifier", e));
    }
    if !common.associated_objects.is_empty() {
        out.push(
            Element::new(ns::CORE, "AssociatedObjects").with_all(
                common
                    .associated_objects
                    .iter()
                    .map(|id| core("AssociatedObject", id.to_string())),
            ),
        );
    }
    if let Some(at) = common.last_changed {
        out.push(core("LastChanged", date_time(at)));
    }
    out
}

fn status_object(object: &StatusObject) -> Element {
    match object {
        StatusObject::Authorisation { common, status } => Element::new(ns::CORE, "HI1Object")
            .typed(ns::AUTH, "AuthorisationObject")
            .with_all(common_children(common))
            .with(entry(ns::AUTH, "AuthorisationStatus", &status.entry())),
        StatusObject::LdTask {
            common,
            status,
            reason,
        } => Element::new(ns::CORE, "HI1Object")
            .typed(ns::TASK, "LDTaskObject")
            .with_all(common_children(common))
            .with(entry(ns::TASK, "Status", &status.entry()))
            .with_opt(
                reason
                    .as_ref()
                    .map(|r| error_information_in(ns::TASK, "StatusReason", r)),
            ),
        StatusObject::LpTask {
            common,
            status,
            reason,
            preservation_expiration,
        } => Element::new(ns::CORE, "HI1Object")
            .typed(ns::TASK, "LPTaskObject")
            .with_all(common_children(common))
            .with(entry(ns::TASK, "Status", &status.entry()))
            .with_opt(
                reason
                    .as_ref()
                    .map(|r| error_information_in(ns::TASK, "StatusReason", r)),
            )
            .with_opt(
                preservation_expiration
                    .map(|at| Element::text(ns::TASK, "PreservationExpiration", date_time(at))),
            ),
    }
}

/// An `ActionUnsuccesfulInformation` under a name in another namespace
/// (`task:StatusReason`): its own elements stay in Core.
fn error_information_in(namespace: &str, name: &str, error: &Hi1Error) -> Element {
    Element {
        ns: tree::intern(namespace),
        ..error_information(name, error)
    }
}

/// The answer to a request: one `ActionResponse` per `ActionIdentifier`, in order.
pub fn response(envelope: &Envelope, outcomes: &[(u64, Outcome)]) -> Outgoing {
    let responses = outcomes.iter().map(|(identifier, outcome)| {
        let body =
            match outcome {
                Outcome::Created(id) => Element::new(ns::CORE, "CREATEResponse")
                    .with(core("Identifier", id.to_string())),
                Outcome::Updated(id) => Element::new(ns::CORE, "UPDATEResponse")
                    .with(core("Identifier", id.to_string())),
                Outcome::Got(object) => {
                    Element::new(ns::CORE, "GETResponse").with(status_object(object))
                }
                Outcome::Listed(records) => {
                    Element::new(ns::CORE, "LISTResponse").with_all(records.iter().map(|r| {
                        Element::new(ns::CORE, "ListResponseRecord")
                            .with(entry(
                                ns::CORE,
                                "ObjectType",
                                &DictionaryEntry::etsi("ObjectType", &r.object_type),
                            ))
                            .with(core("Identifier", r.identifier.to_string()))
                            .with(Element::integer(ns::CORE, "Generation", r.generation))
                            .with_opt(r.last_changed.map(|at| core("LastChanged", date_time(at))))
                    }))
                }
                Outcome::Failed(error) => error_information("ErrorInformation", error),
            };
        Element::new(ns::CORE, "ActionResponse")
            .with(Element::integer(ns::CORE, "ActionIdentifier", *identifier))
            .with(body)
    });
    message(
        envelope,
        Element::new(ns::CORE, "ResponsePayload")
            .with(Element::new(ns::CORE, "ActionResponses").with_all(responses)),
    )
}

/// The answer to a message refused whole.
pub fn error_response(envelope: &Envelope, error: &Hi1Error) -> Outgoing {
    message(
        envelope,
        Element::new(ns::CORE, "ResponsePayload")
            .with(error_information("ErrorInformation", error)),
    )
}

fn request(envelope: &Envelope, action: u64, verb: &str, body: Vec<Element>) -> Outgoing {
    requests(envelope, vec![(action, verb, body)])
}

/// Several actions in one message, numbered as given.
fn requests(envelope: &Envelope, actions: Vec<(u64, &str, Vec<Element>)>) -> Outgoing {
    message(
        envelope,
        Element::new(ns::CORE, "RequestPayload").with(
            Element::new(ns::CORE, "ActionRequests").with_all(actions.into_iter().map(
                |(action, verb, body)| {
                    Element::new(ns::CORE, "ActionRequest")
                        .with(Element::integer(ns::CORE, "ActionIdentifier", action))
                        .with(Element::new(ns::CORE, verb).with_all(body))
                },
            )),
        ),
    )
}

/// An `UPDATE` telling the authority an object's new status.
pub fn update(envelope: &Envelope, object: &StatusObject) -> Outgoing {
    request(envelope, 0, "UPDATE", vec![status_object(object)])
}

/// A `CREATE` of a `NotificationObject`, and of each of its documents after it (a
/// Form 3 sends the form's rendering this way).
pub fn notification(envelope: &Envelope, notification: &Notification) -> Outgoing {
    let n = ns::NOTIFICATION;
    let mut object = Element::new(ns::CORE, "HI1Object")
        .typed(n, "NotificationObject")
        .with_all(common_children(&notification.common))
        .with(Element::text(
            n,
            "NotificationDetails",
            &notification.details,
        ))
        .with(entry(
            n,
            "NotificationType",
            &DictionaryEntry::etsi("NotificationType", "General"),
        ))
        .with(Element::boolean(n, "NewNotification", true))
        .with(Element::text(
            n,
            "NotificationTimestamp",
            date_time(notification.timestamp),
        ));
    if !notification.statuses.is_empty() {
        object = object.with(Element::new(n, "StatusOfAssociatedObjects").with_all(
            notification.statuses.iter().map(|s| {
                Element::new(n, "AssociatedObjectStatus")
                    .with(Element::text(n, "AssociatedObject", s.object.to_string()))
                    .with(entry(n, "Status", &s.status))
                    .with_opt(s.details.as_ref().map(|d| Element::text(n, "Details", d)))
            }),
        ));
    }
    let mut actions = vec![(0, "CREATE", vec![object])];
    for (i, document) in notification.documents.iter().enumerate() {
        actions.push((i as u64 + 1, "CREATE", vec![document_object(document)]));
    }
    requests(envelope, actions)
}

fn document_object(document: &Document) -> Element {
    let d = ns::DOC;
    Element::new(ns::CORE, "HI1Object")
        .typed(d, "DocumentObject")
        .with_all(common_children(&document.common))
        .with(Element::text(d, "DocumentName", &document.name))
        .with_opt(
            document
                .document_type
                .as_ref()
                .map(|t| entry(d, "DocumentType", t)),
        )
        .with(
            Element::new(d, "DocumentBody")
                .with(Element::text(
                    d,
                    "Contents",
                    base64::engine::general_purpose::STANDARD.encode(&document.contents),
                ))
                .with(Element::text(d, "ContentType", &document.content_type)),
        )
}

/// A `DELIVER` of a `DeliveryObject` whose `Delivery` is the production's link.
pub fn deliver(envelope: &Envelope, delivery: &Delivery) -> Outgoing {
    let d = ns::DELIVERY;
    let url = Element::new(d, "URL")
        .with(Element::text(d, "URL", &delivery.url))
        .with_opt(
            delivery
                .content_length
                .map(|n| Element::integer(d, "ContentLength", n)),
        )
        .with_opt(
            delivery
                .content_type
                .as_ref()
                .map(|t| Element::text(d, "ContentType", t)),
        )
        .with_opt(
            delivery
                .expiry
                .map(|at| Element::text(d, "Expiry", micro_date_time(at))),
        )
        .with(Element::text(d, "Checksum", &delivery.sha256))
        .with_opt(
            delivery
                .filename
                .as_ref()
                .map(|f| Element::text(d, "OriginalFilename", f)),
        )
        // `Checksum` is the SHA-256 of the file, and says so.
        .with(Element::text(d, "ChecksumType", "SHA-256"));
    let object = Element::new(ns::CORE, "HI1Object")
        .typed(d, "DeliveryObject")
        .with_all(common_children(&delivery.common))
        .with(Element::text(
            d,
            "DeliveryID",
            delivery.delivery_id.to_string(),
        ))
        .with(Element::integer(
            d,
            "SequenceNumber",
            delivery.sequence_number,
        ))
        .with(Element::boolean(d, "LastSequence", delivery.last_sequence))
        .with(Element::new(d, "Delivery").with(url))
        .with(entry(
            d,
            "DeliveryStatus",
            &DictionaryEntry::etsi("DeliveryStatus", "Available"),
        ));
    request(
        envelope,
        0,
        "DELIVER",
        vec![
            core("Identifier", delivery.common.identifier.to_string()),
            object,
        ],
    )
}
