//! One HI-1 message → writ demands: one per authorisation, its tasks' identifiers as
//! targets, their request types as categories, the legal type as the instrument.
//!
//! What is refused here is what cannot be read into a demand at all (an identifier
//! format writ has no kind for, a task without its authorisation, two objects with one
//! identifier). Whether the demand is lawful (an unknown legal type, a blanket
//! identifier, an offence below the threshold) is the policy engine's question, as for
//! a native demand: the mapping keeps what it was given so the engine can decide it.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use writ_core::demand::{Authority, Emergency, Instrument, Issuer, IssuerRole, Target};
use writ_core::identifier::{TargetKind, TargetValue};
use writ_core::{Action as DemandAction, Category, Demand, Period, Timestamp, text};

use crate::error::{ErrorCode, Hi1Error};
use crate::message::{
    Action, AuthorisationObject, DictionaryEntry, DocumentObject, Hi1Object, LdTaskObject,
    LpTaskObject, Message, RequestDetails,
};

/// The instrument a demand gets when a preservation task comes without an
/// authorisation (an expedited preservation request): `informal`, which the policy
/// engine decides as a request without legal process.
pub const NO_AUTHORISATION_INSTRUMENT: &str = "informal";

/// How HI-1 values map to writ's: `[hi1]` in the config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hi1Config {
    /// `AuthorisationLegalType` value → writ instrument id. The dictionary owner and
    /// name are not part of the key: the EU profile's `EPOCLegalType` and a national
    /// dictionary with the same value name the same order.
    pub legal_types: BTreeMap<String, String>,
    /// `AuthorisationPriority` values that make a demand an emergency (flags
    /// `IsEmergency` and `ApprovalIsEmergency` always do).
    pub emergency_priorities: Vec<String>,
    /// The most tasks one message may carry.
    pub max_tasks: usize,
    /// writ's own `CountryCode` and `UniqueIdentifier`, for the header of an answer
    /// to a message whose header could not be read (otherwise writ answers as the
    /// message's receiver).
    pub provider_country: String,
    pub provider_identifier: String,
    /// Authority (agency id) → the URL its HI-1 endpoint takes messages at: writ sends
    /// it each change of its objects' statuses. An authority without one polls with
    /// `GET` and `LIST`.
    pub endpoints: BTreeMap<String, String>,
    /// How often a case sent by HI-1 is looked at for changes to report, in seconds.
    pub report_every_seconds: u64,
    /// writ's address as authorities reach it (`https://writ.provider.example`): the
    /// download link a `DELIVER` carries starts with it. Unset, an authority with an
    /// endpoint is not sent its releases (the job waits, saying why).
    pub public_url: Option<String>,
}

impl Default for Hi1Config {
    fn default() -> Self {
        Self {
            legal_types: BTreeMap::from([
                ("EPOC".to_owned(), "eu.epoc".to_owned()),
                ("EPOC-PR".to_owned(), "eu.epoc_pr".to_owned()),
            ]),
            emergency_priorities: Vec::new(),
            max_tasks: 1_000,
            provider_country: "XX".to_owned(),
            provider_identifier: "writ".to_owned(),
            endpoints: BTreeMap::new(),
            report_every_seconds: 60,
            public_url: None,
        }
    }
}

/// What the caller knows and the message does not say: who sent it (the authority's
/// account) and when it arrived.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub authority: &'a Authority,
    pub received_at: Timestamp,
    pub config: &'a Hi1Config,
}

/// A message's demands, and which action created which object.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    pub demands: Vec<MappedDemand>,
    /// Actions writ does not act on (a `CREATE` of an `LDDestinationObject`, a
    /// `DELIVER`), with the error their `ActionResponse` can carry. `GET`, `LIST` and
    /// `UPDATE` are not here: they are the caller's to answer.
    pub unsupported: Vec<(u64, Hi1Error)>,
}

/// One case to open: the demand, and the HI-1 objects it came from. The demand asks
/// for the union of its tasks' categories and targets; each task's own are in
/// `tasks`, so a review can keep every task to what it asked.
#[derive(Clone, Debug, PartialEq)]
pub struct MappedDemand {
    /// The authorisation (`None`: a preservation task sent without one).
    pub authorisation: Option<Uuid>,
    pub authorisation_action: Option<u64>,
    pub demand: Demand,
    pub tasks: Vec<MappedTask>,
    /// For a preservation: the latest `DesiredPreservationExpiration` of its tasks,
    /// to be honoured within the rule's limits.
    pub preserve_until: Option<Timestamp>,
    /// The PDF `DocumentObject` associated with the authorisation: the signed order.
    pub signed_order: Option<SignedOrder>,
    /// Every `DocumentObject` associated with the authorisation.
    pub documents: Vec<Uuid>,
}

/// One task of a case: it keeps its own status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedTask {
    pub object: Uuid,
    pub action: u64,
    pub kind: TaskKind,
    pub categories: Vec<Category>,
    /// The task gave no `RequestDetails/Type`: its category is the least a request
    /// for its identifiers can be for (`subscriber`, or `ip_identification` for an
    /// address with its observed time).
    pub categories_inferred: bool,
    /// Indexes into the demand's `targets`.
    pub targets: Vec<usize>,
    pub period: Option<Period>,
    pub desired_preservation_expiration: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskKind {
    /// `LDTaskObject`: lawful disclosure.
    Disclosure,
    /// `LPTaskObject`: lawful preservation.
    Preservation,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOrder {
    pub document: Uuid,
    pub name: Option<String>,
    pub pdf: Vec<u8>,
}

/// A task as found in the message, with where it was.
struct FoundTask<'m> {
    action: u64,
    path: String,
    kind: TaskKind,
    object: TaskRef<'m>,
}

enum TaskRef<'m> {
    Ld(&'m LdTaskObject),
    Lp(&'m LpTaskObject),
}

impl TaskRef<'_> {
    fn common(&self) -> &crate::message::ObjectCommon {
        match self {
            Self::Ld(t) => &t.common,
            Self::Lp(t) => &t.common,
        }
    }

    fn details(&self) -> Option<&RequestDetails> {
        match self {
            Self::Ld(t) => t.request_details.as_ref(),
            Self::Lp(t) => t.request_details.as_ref(),
        }
    }
}

fn action_path(index: usize) -> String {
    format!("HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[{index}]")
}

/// Maps the `CREATE`s of a message to demands, all or none. `GET`, `LIST` and
/// `UPDATE` are the caller's to answer (they read or change what exists); this only
/// checks that no two actions share an `ActionIdentifier`.
pub fn map_message(message: &Message, context: &Context<'_>) -> Result<Mapped, Hi1Error> {
    let requests = message.requests();
    let mut seen: BTreeMap<Uuid, usize> = BTreeMap::new();
    let mut authorisations: Vec<(u64, usize, &AuthorisationObject)> = Vec::new();
    let mut documents: Vec<&DocumentObject> = Vec::new();
    let mut tasks: Vec<FoundTask<'_>> = Vec::new();
    let mut action_ids = BTreeSet::new();
    let mut unsupported = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let path = action_path(index);
        if !action_ids.insert(request.identifier) {
            return Err(Hi1Error::new(
                ErrorCode::Association,
                format!("{path}/ActionIdentifier"),
                format!("{} is used by an earlier ActionRequest", request.identifier),
            ));
        }
        let object = match &request.action {
            Action::Create(object) => object,
            Action::Unsupported(verb) => {
                unsupported.push((
                    request.identifier,
                    Hi1Error::new(
                        ErrorCode::Unsupported,
                        format!("{path}/{verb}"),
                        format!("writ does not take {verb} requests"),
                    ),
                ));
                continue;
            }
            Action::Get(_) | Action::Update(_) | Action::List(_) => continue,
        };
        let object_path = format!("{path}/CREATE/HI1Object");
        let id = object.common().identifier;
        if let Some(first) = seen.insert(id, index) {
            return Err(Hi1Error::new(
                ErrorCode::Association,
                format!("{object_path}/ObjectIdentifier"),
                format!("{id} is already the ObjectIdentifier of ActionRequest[{first}]"),
            ));
        }
        match object {
            Hi1Object::Authorisation(a) => authorisations.push((request.identifier, index, a)),
            Hi1Object::Document(d) => documents.push(d),
            Hi1Object::LdTask(t) => tasks.push(FoundTask {
                action: request.identifier,
                path: object_path,
                kind: TaskKind::Disclosure,
                object: TaskRef::Ld(t),
            }),
            Hi1Object::LpTask(t) => tasks.push(FoundTask {
                action: request.identifier,
                path: object_path,
                kind: TaskKind::Preservation,
                object: TaskRef::Lp(t),
            }),
            Hi1Object::Other { kind, .. } => unsupported.push((
                request.identifier,
                Hi1Error::new(
                    ErrorCode::Unsupported,
                    format!("{object_path}/@xsi:type"),
                    format!("writ does not take a {kind}"),
                ),
            )),
        }
        if tasks.len() > context.config.max_tasks {
            return Err(Hi1Error::new(
                ErrorCode::Limit,
                "HI1Message/Payload/RequestPayload/ActionRequests",
                format!(
                    "carries more than {} tasks; send them in several messages",
                    context.config.max_tasks
                ),
            ));
        }
    }

    // Each task to its authorisation: the one its AssociatedObjects name, or (the
    // association written the other way) the one that names the task.
    let mut by_authorisation: BTreeMap<Uuid, Vec<&FoundTask<'_>>> = BTreeMap::new();
    let mut standalone: Vec<&FoundTask<'_>> = Vec::new();
    for task in &tasks {
        let common = task.object.common();
        let named: Vec<Uuid> = authorisations
            .iter()
            .map(|(_, _, a)| &a.common)
            .filter(|a| {
                common.associated_objects.contains(&a.identifier)
                    || a.associated_objects.contains(&common.identifier)
            })
            .map(|a| a.identifier)
            .collect();
        match named.as_slice() {
            [one] => by_authorisation.entry(*one).or_default().push(task),
            [] if task.kind == TaskKind::Preservation
                && task.object.common().associated_objects.is_empty() =>
            {
                standalone.push(task)
            }
            [] => {
                return Err(Hi1Error::new(
                    ErrorCode::Association,
                    format!("{}/AssociatedObjects", task.path),
                    format!(
                        "the task {} names no AuthorisationObject created in this message",
                        task.object.common().identifier
                    ),
                ));
            }
            _ => {
                return Err(Hi1Error::new(
                    ErrorCode::Association,
                    format!("{}/AssociatedObjects", task.path),
                    "names more than one AuthorisationObject",
                ));
            }
        }
    }

    let mut demands = Vec::new();
    for (action, index, authorisation) in &authorisations {
        let Some(its_tasks) = by_authorisation.get(&authorisation.common.identifier) else {
            return Err(Hi1Error::new(
                ErrorCode::Association,
                format!("{}/CREATE/HI1Object", action_path(*index)),
                format!(
                    "the authorisation {} has no LDTaskObject or LPTaskObject in this message",
                    authorisation.common.identifier
                ),
            ));
        };
        let signed_docs: Vec<&DocumentObject> = documents
            .iter()
            .copied()
            .filter(|d| {
                d.common
                    .associated_objects
                    .contains(&authorisation.common.identifier)
                    || authorisation
                        .common
                        .associated_objects
                        .contains(&d.common.identifier)
            })
            .collect();
        demands.push(map_authorisation(
            message,
            context,
            Some((*action, *index, authorisation)),
            its_tasks,
            &signed_docs,
        )?);
    }
    for task in standalone {
        demands.push(map_authorisation(message, context, None, &[task], &[])?);
    }
    Ok(Mapped {
        demands,
        unsupported,
    })
}

fn map_authorisation(
    message: &Message,
    context: &Context<'_>,
    authorisation: Option<(u64, usize, &AuthorisationObject)>,
    tasks: &[&FoundTask<'_>],
    documents: &[&DocumentObject],
) -> Result<MappedDemand, Hi1Error> {
    let auth = authorisation.map(|(_, _, a)| a);
    let auth_path = authorisation
        .map(|(_, index, _)| format!("{}/CREATE/HI1Object", action_path(index)))
        .unwrap_or_else(|| tasks.first().map(|t| t.path.clone()).unwrap_or_default());

    let kinds: BTreeSet<TaskKind> = tasks.iter().map(|t| t.kind).collect();
    let action = match kinds.len() {
        1 if kinds.contains(&TaskKind::Preservation) => DemandAction::Preserve,
        1 => DemandAction::Disclose,
        _ => {
            return Err(Hi1Error::new(
                ErrorCode::Association,
                auth_path,
                "has both disclosure and preservation tasks; an order is one or the other",
            ));
        }
    };

    let mut demand_targets: Vec<Target> = Vec::new();
    let mut categories: Vec<Category> = Vec::new();
    let mut mapped_tasks = Vec::new();
    let mut period: Option<Period> = None;
    let mut preserve_until: Option<Timestamp> = None;
    for task in tasks {
        let details_path = format!("{}/RequestDetails", task.path);
        let details = task.object.details().ok_or_else(|| {
            Hi1Error::new(
                ErrorCode::Content,
                &details_path,
                "is missing: the task names no identifier",
            )
        })?;
        let task_period = task_period(details, &details_path)?;
        if let Some(p) = task_period {
            period = Some(match period {
                None => p,
                Some(q) => Period::new(q.from().min(p.from()), q.to().max(p.to())).unwrap_or(q),
            });
        }
        if details.request_values.is_empty() {
            return Err(Hi1Error::new(
                ErrorCode::Content,
                format!("{details_path}/RequestValues"),
                "is missing: the task names no identifier",
            ));
        }
        let mut indexes = Vec::new();
        for (i, value) in details.request_values.iter().enumerate() {
            // Indexed only among several, as the reader's paths are.
            let value_path = if details.request_values.len() > 1 {
                format!("{details_path}/RequestValues/RequestValue[{i}]")
            } else {
                format!("{details_path}/RequestValues/RequestValue")
            };
            let kind = target_kind(&value.format_owner, &value.format_name).ok_or_else(|| {
                Hi1Error::new(
                    ErrorCode::Unsupported,
                    format!("{value_path}/FormatType"),
                    format!(
                        "writ has no identifier kind for the format {}/{}",
                        value.format_owner, value.format_name
                    ),
                )
            })?;
            let raw = if kind == TargetKind::Phone && !value.value.starts_with('+') {
                // TS 103 280's InternationalE164 is the digits alone; writ's phone
                // targets are written with the `+` (and the native document keeps it).
                format!("+{}", value.value)
            } else {
                value.value.clone()
            };
            text::single_line(&raw, text::LINE_MAX).map_err(|e| {
                Hi1Error::new(
                    ErrorCode::Content,
                    format!("{value_path}/Value"),
                    e.to_string(),
                )
            })?;
            let parsed = TargetValue::parse(kind, &raw).map_err(|e| {
                Hi1Error::new(
                    ErrorCode::Content,
                    format!("{value_path}/Value"),
                    e.to_string(),
                )
            })?;
            // An address is observed at one time; several times make several targets.
            let times: Vec<Option<Timestamp>> =
                if kind == TargetKind::Ip && !details.observed_times.is_empty() {
                    details.observed_times.iter().copied().map(Some).collect()
                } else {
                    vec![None]
                };
            for at in times {
                indexes.push(demand_targets.len());
                demand_targets.push(Target {
                    kind,
                    raw: raw.clone(),
                    value: parsed.clone(),
                    port: None,
                    at,
                });
            }
        }
        // Without a request type, the least a request can be for: who the account
        // holder is, or, for an address seen at a time, whose it was. writ never
        // widens what was asked; the reviewer sees that it was inferred.
        let (task_categories, categories_inferred) = match &details.request_type {
            Some(entry) => (
                request_type_categories(entry, &format!("{details_path}/Type"))?,
                false,
            ),
            None if indexes.iter().any(|i| {
                demand_targets[*i].kind == TargetKind::Ip && demand_targets[*i].at.is_some()
            }) =>
            {
                (vec![Category::IpIdentification], true)
            }
            None => (vec![Category::Subscriber], true),
        };
        for c in &task_categories {
            if !categories.contains(c) {
                categories.push(*c);
            }
        }
        let desired = match &task.object {
            TaskRef::Lp(t) => t.desired_preservation_expiration,
            TaskRef::Ld(_) => None,
        };
        if let Some(d) = desired {
            preserve_until = Some(preserve_until.map_or(d, |p| p.max(d)));
        }
        mapped_tasks.push(MappedTask {
            object: task.object.common().identifier,
            action: task.action,
            kind: task.kind,
            categories: task_categories,
            categories_inferred,
            targets: indexes,
            period: task_period,
            desired_preservation_expiration: desired,
        });
    }

    // The authorisation's reference, else a disclosure task's, else the object's id.
    let given = |text: &Option<String>| text.clone().filter(|r| !r.trim().is_empty());
    let (reference, reference_path) = auth
        .and_then(|a| given(&a.reference))
        .map(|r| (r, format!("{auth_path}/AuthorisationReference")))
        .or_else(|| {
            tasks.iter().find_map(|t| match &t.object {
                TaskRef::Ld(ld) => {
                    given(&ld.reference).map(|r| (r, format!("{}/Reference", t.path)))
                }
                TaskRef::Lp(_) => None,
            })
        })
        .unwrap_or_else(|| {
            let id = auth.map_or_else(
                || tasks.first().map(|t| t.object.common().identifier),
                |a| Some(a.common.identifier),
            );
            (
                id.map(|id| id.to_string()).unwrap_or_default(),
                auth_path.clone(),
            )
        });
    text::single_line(&reference, text::REFERENCE_MAX)
        .map_err(|e| Hi1Error::new(ErrorCode::Content, reference_path, e.to_string()))?;

    let instrument = instrument(message, context, auth, &auth_path)?;
    let emergency = emergency(context, auth, tasks, &auth_path)?;

    let signed_order = documents.iter().find_map(|d| {
        d.body.as_ref().filter(|b| b.is_pdf()).map(|b| SignedOrder {
            document: d.common.identifier,
            name: d.name.clone(),
            pdf: b.contents.clone(),
        })
    });

    Ok(MappedDemand {
        authorisation: auth.map(|a| a.common.identifier),
        authorisation_action: authorisation.map(|(action, _, _)| action),
        demand: Demand {
            reference,
            received_at: Some(context.received_at),
            authority: context.authority.clone(),
            instrument,
            emergency,
            action,
            categories,
            period,
            targets: demand_targets,
        },
        tasks: mapped_tasks,
        preserve_until: if action == DemandAction::Preserve {
            preserve_until
        } else {
            None
        },
        signed_order,
        documents: documents.iter().map(|d| d.common.identifier).collect(),
    })
}

/// `RequestType` → categories; the combined values give both.
fn request_type_categories(entry: &DictionaryEntry, path: &str) -> Result<Vec<Category>, Hi1Error> {
    use Category as C;
    let categories = match entry.value.as_str() {
        "SubscriberData" => vec![C::Subscriber],
        "UserIdentifyingData" => vec![C::IpIdentification],
        "TrafficData" => vec![C::Traffic],
        "StoredContentData" => vec![C::Content],
        "SubscriberDataAndUserIdentifyingData" => vec![C::Subscriber, C::IpIdentification],
        "TrafficDataAndStoredContentData" => vec![C::Traffic, C::Content],
        other => {
            return Err(Hi1Error::new(
                ErrorCode::Unsupported,
                format!("{path}/Value"),
                format!("writ has no category for the request type {other:?}"),
            ));
        }
    };
    Ok(categories)
}

/// A TS 103 280 format (owner `ETSI`) → writ's identifier kind.
pub fn target_kind(owner: &str, name: &str) -> Option<TargetKind> {
    if owner != "ETSI" {
        return None;
    }
    Some(match name {
        "EmailAddress" | "InternationalizedEmailAddress" => TargetKind::Email,
        "InternationalE164" | "GPSIMSISDN" => TargetKind::Phone,
        "IPv4Address" | "IPv6Address" | "IPAddress" | "IPv4CIDR" | "IPv6CIDR" | "IPCIDR" => {
            TargetKind::Ip
        }
        "IMEI" | "IMEICheckDigit" | "IMEISV" | "PEIIMEI" | "PEIIMEICheckDigit" | "PEIIMEISV"
        | "MACAddress" | "EUI64" => TargetKind::DeviceId,
        "ServiceAccessIdentifier" => TargetKind::AccountId,
        _ => return None,
    })
}

fn task_period(details: &RequestDetails, path: &str) -> Result<Option<Period>, Hi1Error> {
    match (details.start_time, details.end_time) {
        (None, None) => Ok(None),
        (Some(from), Some(to)) => Period::new(from, to).map(Some).ok_or_else(|| {
            Hi1Error::new(
                ErrorCode::Content,
                format!("{path}/StartTime"),
                format!("{from} is after EndTime {to}"),
            )
        }),
        (Some(_), None) => Err(Hi1Error::new(
            ErrorCode::Content,
            format!("{path}/EndTime"),
            "is missing: StartTime needs it",
        )),
        (None, Some(_)) => Err(Hi1Error::new(
            ErrorCode::Content,
            format!("{path}/StartTime"),
            "is missing: EndTime needs it",
        )),
    }
}

fn instrument(
    message: &Message,
    context: &Context<'_>,
    auth: Option<&AuthorisationObject>,
    path: &str,
) -> Result<Instrument, Hi1Error> {
    let Some(auth) = auth else {
        return Ok(Instrument {
            kind: NO_AUTHORISATION_INSTRUMENT.to_owned(),
            issuer: Issuer {
                name: None,
                role: IssuerRole::Other,
            },
            issued_at: message.header.timestamp,
            expires_at: None,
            signed: None,
            validated_by: None,
            nondisclosure: None,
            offence: None,
            offence_in_issuing_state: false,
            target_resides_in_issuing_state: false,
            us_order: None,
            agreement_attestation: None,
        });
    };
    // An unknown or missing legal type is kept visible, for the engine to decide
    // (`UNKNOWN_INSTRUMENT`), rather than refused here.
    let kind = match &auth.legal_type {
        Some(entry) => context
            .config
            .legal_types
            .get(&entry.value)
            .cloned()
            .unwrap_or_else(|| format!("hi1.{}.{}", entry.name, entry.value)),
        None => "hi1.no_legal_type".to_owned(),
    };
    text::single_line(&kind, text::LINE_MAX).map_err(|e| {
        Hi1Error::new(
            ErrorCode::Content,
            format!("{path}/AuthorisationLegalType"),
            e.to_string(),
        )
    })?;
    let mut approvals = auth.approval_details.iter().map(|approval| {
        let name = approval.approver_name.clone();
        if let Some(name) = &name {
            text::single_line(name, text::NAME_MAX).map_err(|e| {
                Hi1Error::new(
                    ErrorCode::Content,
                    format!("{path}/AuthorisationApprovalDetails/ApproverDetails/ApproverName"),
                    e.to_string(),
                )
            })?;
        }
        Ok::<_, Hi1Error>(Issuer {
            name,
            role: issuer_role(approval.approver_role.as_deref()),
        })
    });
    let issuer = approvals.next().transpose()?.unwrap_or(Issuer {
        name: None,
        role: IssuerRole::Other,
    });
    // A second approval is the validation of an order issued by another authority.
    let validated_by = approvals.next().transpose()?;
    let issued_at = auth
        .creation_timestamp
        .or_else(|| auth.approval_details.iter().find_map(|a| a.timestamp))
        .or(auth.start_time)
        .unwrap_or(message.header.timestamp);
    Ok(Instrument {
        kind,
        issuer,
        issued_at,
        expires_at: auth.end_time,
        signed: None,
        validated_by,
        nondisclosure: None,
        offence: None,
        offence_in_issuing_state: false,
        target_resides_in_issuing_state: false,
        us_order: None,
        agreement_attestation: None,
    })
}

/// `ApproverRole` is free text: writ's roles by name, spaces or hyphens for
/// underscores, any case; anything else is `other`.
fn issuer_role(role: Option<&str>) -> IssuerRole {
    let Some(role) = role else {
        return IssuerRole::Other;
    };
    let normalised: String = role
        .trim()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    serde_json::from_value(serde_json::Value::String(normalised)).unwrap_or(IssuerRole::Other)
}

fn emergency(
    context: &Context<'_>,
    auth: Option<&AuthorisationObject>,
    tasks: &[&FoundTask<'_>],
    path: &str,
) -> Result<Option<Emergency>, Hi1Error> {
    let is_emergency_flag = |f: &DictionaryEntry| f.value == "IsEmergency";
    let by_auth = auth.is_some_and(|a| {
        a.flags.iter().any(is_emergency_flag)
            || a.approval_details
                .iter()
                .any(|d| d.is_emergency == Some(true))
            || a.priority
                .as_ref()
                .is_some_and(|p| context.config.emergency_priorities.contains(&p.value))
    });
    let by_task = tasks.iter().any(|t| match &t.object {
        TaskRef::Ld(ld) => ld.flags.iter().any(is_emergency_flag),
        TaskRef::Lp(_) => false,
    });
    if !(by_auth || by_task) {
        return Ok(None);
    }
    // The factual basis, where the message gives one in words.
    let justification = auth.and_then(|a| {
        a.manual_information.clone().or_else(|| {
            a.approval_details
                .iter()
                .find_map(|d| d.description.clone())
        })
    });
    if let Some(text) = &justification {
        text::multi_line(text).map_err(|e| {
            Hi1Error::new(
                ErrorCode::Content,
                format!("{path}/AuthorisationManualInformation"),
                e.to_string(),
            )
        })?;
    }
    Ok(Some(Emergency { justification }))
}
