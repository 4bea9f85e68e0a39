//! The typed `HI1Message`: what writ reads of TS 103 120's Core, Task, Authorisation
//! and Document objects, read from the element tree with every namespace checked.
//!
//! Elements writ does not act on (delivery details, CSP ids, national parameters) are
//! skipped; an element writ does read, found in another namespace than its own, is
//! refused with its path, so a message that merely looks right is not half-read.

use base64::Engine as _;
use uuid::Uuid;
use writ_core::Timestamp;

use crate::error::{ErrorCode, Hi1Error};
use crate::tree::{self, Element, ns};

/// A request received (or, in tests, a response).
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub header: Header,
    pub payload: Payload,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub sender: EndpointId,
    pub receiver: EndpointId,
    pub transaction: Uuid,
    pub timestamp: Timestamp,
    pub version: Version,
    pub workflow_identifier: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointId {
    pub country_code: String,
    pub unique_identifier: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub etsi_version: String,
    pub national_profile_owner: String,
    pub national_profile_version: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Request(Vec<ActionRequest>),
    /// A response writ reads back (its own, in tests): the action identifiers and
    /// whether each succeeded.
    Response(Vec<ActionResult>),
    /// A response refusing the whole message: its `ErrorInformation`.
    Refused {
        code: u32,
        description: String,
    },
}

/// One `ActionResponse` read back: the object's identifier (nil for a LIST), or the
/// error's code and description.
pub type ActionResult = (u64, Result<Uuid, (u32, String)>);

#[derive(Clone, Debug, PartialEq)]
pub struct ActionRequest {
    pub identifier: u64,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Get(Uuid),
    Create(Hi1Object),
    Update(Hi1Object),
    List(ListRequest),
    /// `DELIVER` and `GETCSPCONFIG`: read, but not acted on by writ.
    Unsupported(String),
}

impl Action {
    /// The object an `UPDATE` asks to cancel (its desired status `Cancelled`): the
    /// authority withdrawing a task or an authorisation.
    pub fn cancellation(&self) -> Option<Uuid> {
        let Self::Update(object) = self else {
            return None;
        };
        let desired = match object {
            Hi1Object::Authorisation(a) => a.desired_status.as_ref(),
            Hi1Object::LdTask(t) => t.desired_status.as_ref(),
            Hi1Object::LpTask(t) => t.desired_status.as_ref(),
            Hi1Object::Document(_) | Hi1Object::Other { .. } => None,
        };
        desired
            .filter(|d| d.value == "Cancelled")
            .map(|_| object.common().identifier)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListRequest {
    pub object_type: Option<DictionaryEntry>,
    pub last_changed: Option<Timestamp>,
    pub maximum_object_count: Option<u64>,
    pub status: Option<DictionaryEntry>,
}

/// A `common:DictionaryEntry`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryEntry {
    pub owner: String,
    pub name: String,
    pub value: String,
}

impl DictionaryEntry {
    pub fn etsi(name: &str, value: &str) -> Self {
        Self {
            owner: "ETSI".to_owned(),
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Hi1Object {
    Authorisation(AuthorisationObject),
    LdTask(LdTaskObject),
    LpTask(LpTaskObject),
    Document(DocumentObject),
    /// Any other object (`LDDestinationObject`, `LITaskObject`, …): its type, kept so
    /// the answer can say which.
    Other {
        common: ObjectCommon,
        kind: String,
    },
}

impl Hi1Object {
    pub fn common(&self) -> &ObjectCommon {
        match self {
            Self::Authorisation(o) => &o.common,
            Self::LdTask(o) => &o.common,
            Self::LpTask(o) => &o.common,
            Self::Document(o) => &o.common,
            Self::Other { common, .. } => common,
        }
    }
}

/// What every `HI1Object` has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectCommon {
    pub identifier: Uuid,
    pub country_code: Option<String>,
    pub owner_identifier: Option<String>,
    pub generation: Option<u64>,
    pub external_identifier: Option<String>,
    pub associated_objects: Vec<Uuid>,
    pub last_changed: Option<Timestamp>,
}

impl ObjectCommon {
    pub fn new(identifier: Uuid) -> Self {
        Self {
            identifier,
            country_code: None,
            owner_identifier: None,
            generation: None,
            external_identifier: None,
            associated_objects: Vec::new(),
            last_changed: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorisationObject {
    pub common: ObjectCommon,
    pub reference: Option<String>,
    pub legal_type: Option<DictionaryEntry>,
    pub priority: Option<DictionaryEntry>,
    pub status: Option<DictionaryEntry>,
    pub desired_status: Option<DictionaryEntry>,
    pub start_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub creation_timestamp: Option<Timestamp>,
    pub approval_details: Vec<ApprovalDetails>,
    pub flags: Vec<DictionaryEntry>,
    pub manual_information: Option<String>,
}

/// A `common:ApprovalDetails`: who approved, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalDetails {
    pub approval_type: Option<String>,
    pub description: Option<String>,
    pub reference: Option<String>,
    pub approver_name: Option<String>,
    pub approver_role: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub is_emergency: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdTaskObject {
    pub common: ObjectCommon,
    pub reference: Option<String>,
    pub status: Option<DictionaryEntry>,
    pub desired_status: Option<DictionaryEntry>,
    pub request_details: Option<RequestDetails>,
    pub flags: Vec<DictionaryEntry>,
    pub alternative_preservation_references: Vec<String>,
    pub manual_information: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LpTaskObject {
    pub common: ObjectCommon,
    pub status: Option<DictionaryEntry>,
    pub desired_status: Option<DictionaryEntry>,
    pub request_details: Option<RequestDetails>,
    pub desired_preservation_expiration: Option<Timestamp>,
    pub preservation_expiration: Option<Timestamp>,
}

/// `RequestDetails` (LD) and `LPRequestDetails` (LP): the LP form has no observed times.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestDetails {
    pub request_type: Option<DictionaryEntry>,
    pub start_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    /// `ObservedTime` and each `ObservedTimes`, in order.
    pub observed_times: Vec<Timestamp>,
    pub request_values: Vec<RequestValue>,
    pub target_identifier_subtype: Option<DictionaryEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestValue {
    pub format_owner: String,
    pub format_name: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentObject {
    pub common: ObjectCommon,
    pub reference: Option<String>,
    pub name: Option<String>,
    pub status: Option<DictionaryEntry>,
    pub document_type: Option<DictionaryEntry>,
    pub body: Option<DocumentBody>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentBody {
    /// The decoded `Contents`.
    pub contents: Vec<u8>,
    pub content_type: Option<String>,
    pub checksum: Option<String>,
    pub checksum_type: Option<String>,
}

impl DocumentBody {
    /// A PDF by its MIME type, or by its first bytes when the type is missing.
    pub fn is_pdf(&self) -> bool {
        match &self.content_type {
            Some(t) => t.trim().eq_ignore_ascii_case("application/pdf"),
            None => self.contents.starts_with(b"%PDF-"),
        }
    }
}

impl Message {
    /// Parses the XML encoding.
    pub fn from_xml(bytes: &[u8]) -> Result<Self, Hi1Error> {
        Self::from_tree(&tree::from_xml(bytes)?)
    }

    /// Parses the JSON encoding.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Hi1Error> {
        Self::from_tree(&tree::from_json(bytes)?)
    }

    fn from_tree(root: &Element) -> Result<Self, Hi1Error> {
        if root.name != "HI1Message" {
            return Err(Hi1Error::new(
                ErrorCode::Syntax,
                &root.name,
                "the root element must be HI1Message",
            ));
        }
        if root.ns != ns::CORE {
            return Err(wrong_namespace("HI1Message", &root.ns, ns::CORE));
        }
        let message = Node {
            element: root,
            path: "HI1Message".to_owned(),
        };
        let header = read_header(&message.required(ns::CORE, "Header")?)?;
        let payload = message.required(ns::CORE, "Payload")?;
        let payload = if let Some(request) = payload.child(ns::CORE, "RequestPayload")? {
            let requests = request.required(ns::CORE, "ActionRequests")?;
            let requests = requests
                .children(ns::CORE, "ActionRequest")?
                .iter()
                .map(read_action_request)
                .collect::<Result<Vec<_>, _>>()?;
            if requests.is_empty() {
                return Err(Hi1Error::new(
                    ErrorCode::Content,
                    "HI1Message/Payload/RequestPayload/ActionRequests",
                    "needs at least one ActionRequest",
                ));
            }
            Payload::Request(requests)
        } else if let Some(response) = payload.child(ns::CORE, "ResponsePayload")? {
            read_response(&response)?
        } else {
            return Err(Hi1Error::new(
                ErrorCode::Content,
                payload.path,
                "needs a RequestPayload or a ResponsePayload",
            ));
        };
        Ok(Self { header, payload })
    }

    /// The request's actions (none for a response).
    pub fn requests(&self) -> &[ActionRequest] {
        match &self.payload {
            Payload::Request(requests) => requests,
            Payload::Response(_) | Payload::Refused { .. } => &[],
        }
    }
}

fn wrong_namespace(path: &str, found: &str, expected: &str) -> Hi1Error {
    let found = if found.is_empty() {
        "no namespace"
    } else {
        found
    };
    Hi1Error::new(
        ErrorCode::Namespace,
        path,
        format!("is in {found}, not in {expected}"),
    )
}

/// An element and where it is, for errors.
struct Node<'a> {
    element: &'a Element,
    path: String,
}

impl<'a> Node<'a> {
    fn at(&self, element: &'a Element, index: Option<usize>) -> Node<'a> {
        let path = match index {
            Some(i) => format!("{}/{}[{i}]", self.path, element.name),
            None => format!("{}/{}", self.path, element.name),
        };
        Node { element, path }
    }

    /// Every child named `name`; one in another namespace is refused.
    fn children(&self, namespace: &str, name: &str) -> Result<Vec<Node<'a>>, Hi1Error> {
        let matching: Vec<&Element> = self
            .element
            .children
            .iter()
            .filter(|c| c.name == name)
            .collect();
        let many = matching.len() > 1;
        let mut out = Vec::with_capacity(matching.len());
        for (i, child) in matching.into_iter().enumerate() {
            let node = self.at(child, many.then_some(i));
            if child.ns != namespace {
                return Err(wrong_namespace(&node.path, &child.ns, namespace));
            }
            out.push(node);
        }
        Ok(out)
    }

    /// The child named `name`, if there is one; two are refused.
    fn child(&self, namespace: &str, name: &str) -> Result<Option<Node<'a>>, Hi1Error> {
        let mut found = self.children(namespace, name)?;
        if found.len() > 1 {
            return Err(Hi1Error::new(
                ErrorCode::Content,
                format!("{}/{name}", self.path),
                "appears more than once",
            ));
        }
        Ok(found.pop())
    }

    fn required(&self, namespace: &str, name: &str) -> Result<Node<'a>, Hi1Error> {
        self.child(namespace, name)?.ok_or_else(|| {
            Hi1Error::new(
                ErrorCode::Content,
                format!("{}/{name}", self.path),
                "is missing",
            )
        })
    }

    fn text(&self) -> String {
        self.element.value().trim().to_owned()
    }

    fn opt_text(&self, namespace: &str, name: &str) -> Result<Option<String>, Hi1Error> {
        Ok(self.child(namespace, name)?.map(|n| n.text()))
    }

    fn req_text(&self, namespace: &str, name: &str) -> Result<String, Hi1Error> {
        Ok(self.required(namespace, name)?.text())
    }

    fn error(&self, code: ErrorCode, problem: impl Into<String>) -> Hi1Error {
        Hi1Error::new(code, self.path.clone(), problem)
    }

    fn timestamp(&self) -> Result<Timestamp, Hi1Error> {
        let text = self.text();
        Timestamp::parse(&text).map_err(|_| {
            self.error(
                ErrorCode::Content,
                format!("{text:?} is not a date and time with its offset"),
            )
        })
    }

    fn opt_timestamp(&self, namespace: &str, name: &str) -> Result<Option<Timestamp>, Hi1Error> {
        self.child(namespace, name)?
            .map(|n| n.timestamp())
            .transpose()
    }

    fn uuid(&self) -> Result<Uuid, Hi1Error> {
        let text = self.text();
        Uuid::try_parse(&text)
            .map_err(|_| self.error(ErrorCode::Content, format!("{text:?} is not a UUID")))
    }

    fn integer(&self) -> Result<u64, Hi1Error> {
        let text = self.text();
        text.parse().map_err(|_| {
            self.error(
                ErrorCode::Content,
                format!("{text:?} is not a non-negative integer"),
            )
        })
    }

    fn boolean(&self) -> Result<bool, Hi1Error> {
        match self.text().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(self.error(ErrorCode::Content, format!("{other:?} is not a boolean"))),
        }
    }

    fn dictionary_entry(&self) -> Result<DictionaryEntry, Hi1Error> {
        Ok(DictionaryEntry {
            owner: self.req_text(ns::COMMON, "Owner")?,
            name: self.req_text(ns::COMMON, "Name")?,
            value: self.req_text(ns::COMMON, "Value")?,
        })
    }

    fn opt_entry(&self, namespace: &str, name: &str) -> Result<Option<DictionaryEntry>, Hi1Error> {
        self.child(namespace, name)?
            .map(|n| n.dictionary_entry())
            .transpose()
    }

    /// The entries of a list element (`Flags/LDTaskFlag`, …).
    fn entries(
        &self,
        namespace: &str,
        list: &str,
        item: &str,
    ) -> Result<Vec<DictionaryEntry>, Hi1Error> {
        match self.child(namespace, list)? {
            None => Ok(Vec::new()),
            Some(list) => list
                .children(namespace, item)?
                .iter()
                .map(Node::dictionary_entry)
                .collect(),
        }
    }
}

fn read_endpoint(node: &Node<'_>) -> Result<EndpointId, Hi1Error> {
    Ok(EndpointId {
        country_code: node.req_text(ns::CORE, "CountryCode")?,
        unique_identifier: node.req_text(ns::CORE, "UniqueIdentifier")?,
    })
}

fn read_header(header: &Node<'_>) -> Result<Header, Hi1Error> {
    let version = header.required(ns::CORE, "Version")?;
    Ok(Header {
        sender: read_endpoint(&header.required(ns::CORE, "SenderIdentifier")?)?,
        receiver: read_endpoint(&header.required(ns::CORE, "ReceiverIdentifier")?)?,
        transaction: header.required(ns::CORE, "TransactionIdentifier")?.uuid()?,
        timestamp: header.required(ns::CORE, "Timestamp")?.timestamp()?,
        version: Version {
            etsi_version: version.req_text(ns::CORE, "ETSIVersion")?,
            national_profile_owner: version.req_text(ns::CORE, "NationalProfileOwner")?,
            national_profile_version: version.req_text(ns::CORE, "NationalProfileVersion")?,
        },
        workflow_identifier: header.opt_text(ns::CORE, "WorkflowIdentifier")?,
    })
}

fn read_action_request(node: &Node<'_>) -> Result<ActionRequest, Hi1Error> {
    let identifier = node.required(ns::CORE, "ActionIdentifier")?.integer()?;
    const VERBS: [&str; 6] = ["GET", "CREATE", "UPDATE", "LIST", "DELIVER", "GETCSPCONFIG"];
    let verbs = node
        .element
        .children
        .iter()
        .filter(|c| VERBS.contains(&c.name.as_str()))
        .count();
    if verbs > 1 {
        return Err(node.error(
            ErrorCode::Content,
            "has more than one action; one per ActionRequest",
        ));
    }
    let action = if let Some(get) = node.child(ns::CORE, "GET")? {
        Action::Get(get.required(ns::CORE, "Identifier")?.uuid()?)
    } else if let Some(create) = node.child(ns::CORE, "CREATE")? {
        Action::Create(read_object(&create.required(ns::CORE, "HI1Object")?)?)
    } else if let Some(update) = node.child(ns::CORE, "UPDATE")? {
        Action::Update(read_object(&update.required(ns::CORE, "HI1Object")?)?)
    } else if let Some(list) = node.child(ns::CORE, "LIST")? {
        Action::List(ListRequest {
            object_type: list.opt_entry(ns::CORE, "ObjectType")?,
            last_changed: list.opt_timestamp(ns::CORE, "LastChanged")?,
            maximum_object_count: list
                .child(ns::CORE, "MaximumObjectCount")?
                .map(|n| n.integer())
                .transpose()?,
            status: list.opt_entry(ns::CORE, "Status")?,
        })
    } else if let Some(other) = VERBS[4..]
        .iter()
        .copied()
        .find(|name| node.element.children.iter().any(|c| c.name == *name))
    {
        node.required(ns::CORE, other)?;
        Action::Unsupported(other.to_owned())
    } else {
        return Err(node.error(
            ErrorCode::Content,
            "needs one of GET, CREATE, UPDATE, LIST, DELIVER or GETCSPCONFIG",
        ));
    };
    Ok(ActionRequest { identifier, action })
}

fn read_common(node: &Node<'_>) -> Result<ObjectCommon, Hi1Error> {
    let associated_objects = match node.child(ns::CORE, "AssociatedObjects")? {
        None => Vec::new(),
        Some(list) => list
            .children(ns::CORE, "AssociatedObject")?
            .iter()
            .map(Node::uuid)
            .collect::<Result<_, _>>()?,
    };
    Ok(ObjectCommon {
        identifier: node.required(ns::CORE, "ObjectIdentifier")?.uuid()?,
        country_code: node.opt_text(ns::CORE, "CountryCode")?,
        owner_identifier: node.opt_text(ns::CORE, "OwnerIdentifier")?,
        generation: node
            .child(ns::CORE, "Generation")?
            .map(|n| n.integer())
            .transpose()?,
        external_identifier: node.opt_text(ns::CORE, "ExternalIdentifier")?,
        associated_objects,
        last_changed: node.opt_timestamp(ns::CORE, "LastChanged")?,
    })
}

fn read_object(node: &Node<'_>) -> Result<Hi1Object, Hi1Error> {
    let Some((type_ns, type_name)) = &node.element.xsi_type else {
        return Err(node.error(ErrorCode::Content, "has no xsi:type"));
    };
    let expected = match type_name.as_str() {
        "AuthorisationObject" => Some(ns::AUTH),
        "LDTaskObject" | "LPTaskObject" => Some(ns::TASK),
        "DocumentObject" => Some(ns::DOC),
        _ => None,
    };
    if let Some(expected) = expected
        && type_ns != expected
    {
        return Err(Hi1Error::new(
            ErrorCode::Namespace,
            format!("{}/@xsi:type", node.path),
            format!("{type_name} is in {type_ns}, not in {expected}"),
        ));
    }
    let common = read_common(node)?;
    Ok(match type_name.as_str() {
        "AuthorisationObject" => Hi1Object::Authorisation(read_authorisation(node, common)?),
        "LDTaskObject" => Hi1Object::LdTask(read_ld_task(node, common)?),
        "LPTaskObject" => Hi1Object::LpTask(read_lp_task(node, common)?),
        "DocumentObject" => Hi1Object::Document(read_document(node, common)?),
        other => Hi1Object::Other {
            common,
            kind: other.to_owned(),
        },
    })
}

fn read_authorisation(
    node: &Node<'_>,
    common: ObjectCommon,
) -> Result<AuthorisationObject, Hi1Error> {
    let a = ns::AUTH;
    let timespan = node.child(a, "AuthorisationTimespan")?;
    let (start_time, end_time) = match &timespan {
        Some(span) => (
            span.opt_timestamp(a, "StartTime")?,
            span.opt_timestamp(a, "EndTime")?,
        ),
        None => (None, None),
    };
    Ok(AuthorisationObject {
        common,
        reference: node.opt_text(a, "AuthorisationReference")?,
        legal_type: node.opt_entry(a, "AuthorisationLegalType")?,
        priority: node.opt_entry(a, "AuthorisationPriority")?,
        status: node.opt_entry(a, "AuthorisationStatus")?,
        desired_status: node.opt_entry(a, "AuthorisationDesiredStatus")?,
        start_time,
        end_time,
        creation_timestamp: node.opt_timestamp(a, "AuthorisationCreationTimestamp")?,
        approval_details: node
            .children(a, "AuthorisationApprovalDetails")?
            .iter()
            .map(read_approval)
            .collect::<Result<_, _>>()?,
        flags: node.entries(a, "AuthorisationFlags", "AuthorisationFlag")?,
        manual_information: node.opt_text(a, "AuthorisationManualInformation")?,
    })
}

fn read_approval(node: &Node<'_>) -> Result<ApprovalDetails, Hi1Error> {
    let c = ns::COMMON;
    let approver = node.child(c, "ApproverDetails")?;
    let (approver_name, approver_role) = match &approver {
        Some(approver) => (
            approver.opt_text(c, "ApproverName")?,
            approver.opt_text(c, "ApproverRole")?,
        ),
        None => (None, None),
    };
    Ok(ApprovalDetails {
        approval_type: node.opt_text(c, "ApprovalType")?,
        description: node.opt_text(c, "ApprovalDescription")?,
        reference: node.opt_text(c, "ApprovalReference")?,
        approver_name,
        approver_role,
        timestamp: node.opt_timestamp(c, "ApprovalTimestamp")?,
        is_emergency: node
            .child(c, "ApprovalIsEmergency")?
            .map(|n| n.boolean())
            .transpose()?,
    })
}

fn read_request_details(node: &Node<'_>) -> Result<RequestDetails, Hi1Error> {
    let t = ns::TASK;
    let mut observed_times = Vec::new();
    if let Some(one) = node.child(t, "ObservedTime")? {
        observed_times.push(one.timestamp()?);
    }
    for each in node.children(t, "ObservedTimes")? {
        observed_times.push(each.timestamp()?);
    }
    let request_values = match node.child(t, "RequestValues")? {
        None => Vec::new(),
        Some(values) => values
            .children(t, "RequestValue")?
            .iter()
            .map(|value| {
                let format = value.required(t, "FormatType")?;
                Ok(RequestValue {
                    format_owner: format.req_text(t, "FormatOwner")?,
                    format_name: format.req_text(t, "FormatName")?,
                    value: value.req_text(t, "Value")?,
                })
            })
            .collect::<Result<_, Hi1Error>>()?,
    };
    Ok(RequestDetails {
        request_type: node.opt_entry(t, "Type")?,
        start_time: node.opt_timestamp(t, "StartTime")?,
        end_time: node.opt_timestamp(t, "EndTime")?,
        observed_times,
        request_values,
        target_identifier_subtype: node.opt_entry(t, "TargetIdentifierSubtype")?,
    })
}

fn read_ld_task(node: &Node<'_>, common: ObjectCommon) -> Result<LdTaskObject, Hi1Error> {
    let t = ns::TASK;
    let alternative_preservation_references =
        match node.child(t, "AlternativePreservationReferences")? {
            None => Vec::new(),
            Some(list) => list
                .children(t, "AlternativePreservationReference")?
                .iter()
                .map(|r| r.req_text(t, "ReferenceValue"))
                .collect::<Result<_, _>>()?,
        };
    Ok(LdTaskObject {
        common,
        reference: node.opt_text(t, "Reference")?,
        status: node.opt_entry(t, "Status")?,
        desired_status: node.opt_entry(t, "DesiredStatus")?,
        request_details: node
            .child(t, "RequestDetails")?
            .map(|n| read_request_details(&n))
            .transpose()?,
        flags: node.entries(t, "Flags", "LDTaskFlag")?,
        alternative_preservation_references,
        manual_information: node.opt_text(t, "ManualInformation")?,
    })
}

fn read_lp_task(node: &Node<'_>, common: ObjectCommon) -> Result<LpTaskObject, Hi1Error> {
    let t = ns::TASK;
    Ok(LpTaskObject {
        common,
        status: node.opt_entry(t, "Status")?,
        desired_status: node.opt_entry(t, "DesiredStatus")?,
        request_details: node
            .child(t, "RequestDetails")?
            .map(|n| read_request_details(&n))
            .transpose()?,
        desired_preservation_expiration: node.opt_timestamp(t, "DesiredPreservationExpiration")?,
        preservation_expiration: node.opt_timestamp(t, "PreservationExpiration")?,
    })
}

fn read_document(node: &Node<'_>, common: ObjectCommon) -> Result<DocumentObject, Hi1Error> {
    let d = ns::DOC;
    let body = match node.child(d, "DocumentBody")? {
        None => None,
        Some(body) => {
            let contents = match body.child(d, "Contents")? {
                None => Vec::new(),
                Some(contents) => {
                    let text: String = contents
                        .text()
                        .chars()
                        .filter(|c| !c.is_ascii_whitespace())
                        .collect();
                    base64::engine::general_purpose::STANDARD
                        .decode(text.as_bytes())
                        .map_err(|e| {
                            contents.error(ErrorCode::Content, format!("is not base64: {e}"))
                        })?
                }
            };
            Some(DocumentBody {
                contents,
                content_type: body.opt_text(d, "ContentType")?,
                checksum: body.opt_text(d, "Checksum")?,
                checksum_type: body.opt_text(d, "ChecksumType")?,
            })
        }
    };
    Ok(DocumentObject {
        common,
        reference: node.opt_text(d, "DocumentReference")?,
        name: node.opt_text(d, "DocumentName")?,
        status: node.opt_entry(d, "DocumentStatus")?,
        document_type: node.opt_entry(d, "DocumentType")?,
        body,
    })
}

fn read_response(node: &Node<'_>) -> Result<Payload, Hi1Error> {
    if let Some(error) = node.child(ns::CORE, "ErrorInformation")? {
        let code = error.required(ns::CORE, "ErrorCode")?.integer()?;
        return Ok(Payload::Refused {
            code: u32::try_from(code).unwrap_or(u32::MAX),
            description: error.req_text(ns::CORE, "ErrorDescription")?,
        });
    }
    let responses = node.required(ns::CORE, "ActionResponses")?;
    let mut out = Vec::new();
    for response in responses.children(ns::CORE, "ActionResponse")? {
        let identifier = response.required(ns::CORE, "ActionIdentifier")?.integer()?;
        let mut outcome = None;
        for name in ["CREATEResponse", "UPDATEResponse", "DELIVERResponse"] {
            if let Some(r) = response.child(ns::CORE, name)? {
                outcome = Some(Ok(r.required(ns::CORE, "Identifier")?.uuid()?));
            }
        }
        if let Some(get) = response.child(ns::CORE, "GETResponse")? {
            let object = read_object(&get.required(ns::CORE, "HI1Object")?)?;
            outcome = Some(Ok(object.common().identifier));
        }
        if response.child(ns::CORE, "LISTResponse")?.is_some()
            || response.child(ns::CORE, "GETCSPCONFIGResponse")?.is_some()
        {
            outcome = Some(Ok(Uuid::nil()));
        }
        if let Some(error) = response.child(ns::CORE, "ErrorInformation")? {
            let code = error.required(ns::CORE, "ErrorCode")?.integer()?;
            outcome = Some(Err((
                u32::try_from(code).unwrap_or(u32::MAX),
                error.req_text(ns::CORE, "ErrorDescription")?,
            )));
        }
        let outcome =
            outcome.ok_or_else(|| response.error(ErrorCode::Content, "has no response"))?;
        out.push((identifier, outcome));
    }
    Ok(Payload::Response(out))
}
