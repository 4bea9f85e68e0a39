//! Reporting to an authority's HI-1 endpoint: each change to the statuses of a case's
//! HI-1 objects goes out as a `NotificationObject` listing the new statuses, and each
//! released production as a `DELIVER` of its download link. A failed sending fails the
//! job, which is retried; the report looks again every `report_every_seconds` while
//! the case is open.

use uuid::Uuid;
use writ_core::{Actor, AgencyId, AuditEntry, CaseId, ProductionId, Timestamp};
use writ_hi1::emit::{
    self, Delivery, Document, Envelope, Notification, ObjectStatus, StatusObject,
};
use writ_hi1::message::{DictionaryEntry, ObjectCommon};
use writ_store::{Hi1Kind, ProductionState};

use super::JobError;
use super::system::SystemDesk;

/// How long writ waits for an endpoint's answer.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Sends what changed; `Some(time)` to look again then.
pub(crate) async fn report(
    desk: &SystemDesk<'_>,
    case_id: CaseId,
) -> Result<Option<Timestamp>, JobError> {
    let store = desk.store();
    let case = store.case(case_id).await?;
    let Some(agency_id) = case.agency_id.clone() else {
        return Ok(None);
    };
    let config = desk.hi1();
    // An authority without an endpoint polls with GET and LIST.
    let Some(url) = config.endpoints.get(agency_id.as_str()) else {
        return Ok(None);
    };
    let now = desk.now();
    let holds = store.holds_of_case(case_id).await?;
    let mut changed = Vec::new();
    for object in store
        .hi1_objects(&agency_id, None, Some(case_id), u32::MAX)
        .await?
    {
        let Ok(id) = Uuid::parse_str(&object.object_id) else {
            continue;
        };
        let Some(status) = crate::access::status_object(id, &object, &case, &holds, now) else {
            continue;
        };
        let entry = status_entry(&status);
        if object.reported.as_deref() != Some(entry.value.as_str()) {
            changed.push((id, entry));
        }
    }
    if !changed.is_empty() {
        let transaction = Uuid::new_v4();
        let envelope = envelope(desk, &agency_id, transaction).await?;
        let notification = Notification {
            common: ObjectCommon {
                associated_objects: changed.iter().map(|(id, _)| *id).collect(),
                ..ObjectCommon::new(Uuid::new_v4())
            },
            details: format!(
                "The status of case {} ({}) changed.",
                case.id, case.reference
            ),
            timestamp: now,
            statuses: changed
                .iter()
                .map(|(id, status)| ObjectStatus {
                    object: *id,
                    status: status.clone(),
                    details: None,
                })
                .collect(),
            documents: Vec::new(),
        };
        send(url, emit::notification(&envelope, &notification).to_xml()).await?;
        let statuses: Vec<(String, String)> = changed
            .iter()
            .map(|(id, status)| (id.to_string(), status.value.clone()))
            .collect();
        store
            .hi1_reported(
                &agency_id,
                case_id,
                &transaction.to_string(),
                &statuses,
                now,
            )
            .await?;
    }
    // A case that is over has nothing more to report.
    if !case.state.is_open() {
        return Ok(None);
    }
    let every = i64::try_from(config.report_every_seconds.max(1)).unwrap_or(60);
    Ok(now.checked_add(time::Duration::seconds(every)))
}

/// The header of a message writ starts to `agency`.
async fn envelope(
    desk: &SystemDesk<'_>,
    agency_id: &AgencyId,
    transaction: Uuid,
) -> Result<Envelope, JobError> {
    let agency = desk.store().agency(agency_id).await?;
    Ok(crate::access::envelope_to(
        desk.hi1(),
        &agency,
        transaction,
        desk.now(),
    ))
}

/// Sends the authority's endpoint a `DELIVER` of a released production: one
/// `DeliveryObject` for the case's disclosure tasks, carrying a fresh download link
/// (which the authority fetches with its own credentials until it expires), the sealed
/// file's size and SHA-256. Recorded as `hi1.delivered`.
pub(crate) async fn deliver(
    desk: &SystemDesk<'_>,
    case_id: CaseId,
    production_id: ProductionId,
) -> Result<(), JobError> {
    let store = desk.store();
    let case = store.case(case_id).await?;
    let Some(agency_id) = case.agency_id.clone() else {
        return Ok(());
    };
    let config = desk.hi1();
    let Some(url) = config.endpoints.get(agency_id.as_str()) else {
        return Ok(());
    };
    let production = store.production(production_id).await?;
    let (ProductionState::Released, Some(sealed)) = (production.state, &production.sealed) else {
        return Ok(());
    };
    let Some(public_url) = config.public_url.as_deref() else {
        return Err(JobError::Invalid(format!(
            "[hi1] public_url is not set: the release of production {production_id} cannot be \
             sent to {agency_id}'s HI-1 endpoint without writ's address"
        )));
    };
    let tasks: Vec<Uuid> = store
        .hi1_objects(&agency_id, None, Some(case_id), u32::MAX)
        .await?
        .into_iter()
        .filter(|o| o.kind == Hi1Kind::LdTask && o.cancelled_at.is_none())
        .filter_map(|o| Uuid::parse_str(&o.object_id).ok())
        .collect();
    let now = desk.now();
    let link = desk.productions()?.link(production_id, now);
    // The production's id names the delivery, so a repeated sending is recognisably
    // the same one.
    let delivery_id = Uuid::parse_str(&production_id.to_string())
        .map_err(|e| JobError::Invalid(format!("production {production_id}: {e}")))?;
    let delivery = Delivery {
        common: ObjectCommon {
            associated_objects: tasks,
            ..ObjectCommon::new(delivery_id)
        },
        delivery_id,
        sequence_number: 1,
        last_sequence: true,
        url: format!("{}{}", public_url.trim_end_matches('/'), link.url),
        content_length: Some(sealed.size),
        content_type: Some("application/octet-stream".to_owned()),
        expiry: Some(link.expires_at),
        sha256: sealed.sha256.clone(),
        filename: Some(sealed.file_name.clone()),
    };
    let transaction = Uuid::new_v4();
    let envelope = envelope(desk, &agency_id, transaction).await?;
    send(url, emit::deliver(&envelope, &delivery).to_xml()).await?;
    store
        .record(
            &AuditEntry::new(now, Actor::System, "hi1.delivered")
                .for_case(case_id)
                .with_details(serde_json::json!({
                    "transaction": transaction,
                    "production": production_id,
                    "sha256": sealed.sha256,
                    "expires_at": link.expires_at,
                })),
        )
        .await?;
    Ok(())
}

/// Sends the authority's endpoint the case's Form 3 (Reg. (EU) 2023/1543 Annex III):
/// a `NotificationObject` with its tasks' statuses, and a `DocumentObject` rendering
/// the form. Recorded as `hi1.form3_sent`.
pub(crate) async fn form3(desk: &SystemDesk<'_>, case_id: CaseId) -> Result<(), JobError> {
    let store = desk.store();
    let case = store.case(case_id).await?;
    let Some(agency_id) = case.agency_id.clone() else {
        return Ok(());
    };
    let Some(url) = desk.hi1().endpoints.get(agency_id.as_str()) else {
        return Ok(());
    };
    let Some(form3) = store.form3(case_id).await? else {
        return Ok(());
    };
    let now = desk.now();
    let holds = store.holds_of_case(case_id).await?;
    let mut statuses = Vec::new();
    for object in store
        .hi1_objects(&agency_id, None, Some(case_id), u32::MAX)
        .await?
    {
        let Ok(id) = Uuid::parse_str(&object.object_id) else {
            continue;
        };
        if let Some(status) = crate::access::status_object(id, &object, &case, &holds, now) {
            statuses.push(ObjectStatus {
                object: id,
                status: status_entry(&status),
                details: None,
            });
        }
    }
    let concerned: Vec<Uuid> = statuses.iter().map(|s| s.object).collect();
    let rendering = render_form3(&case, &form3);
    let notification = Notification {
        common: ObjectCommon {
            associated_objects: concerned.clone(),
            ..ObjectCommon::new(Uuid::new_v4())
        },
        details: format!(
            "Form 3 (Reg. (EU) 2023/1543 Annex III): the order {} cannot be executed: {}.",
            case.reference,
            form3
                .reasons
                .iter()
                .map(|r| r.text())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        timestamp: now,
        statuses,
        documents: vec![Document {
            common: ObjectCommon {
                associated_objects: concerned,
                ..ObjectCommon::new(Uuid::new_v4())
            },
            name: format!("Form 3 {}", case.reference),
            document_type: None,
            content_type: "text/plain; charset=utf-8".to_owned(),
            contents: rendering.into_bytes(),
        }],
    };
    let transaction = Uuid::new_v4();
    let envelope = envelope(desk, &agency_id, transaction).await?;
    send(url, emit::notification(&envelope, &notification).to_xml()).await?;
    store
        .record(
            &AuditEntry::new(now, Actor::System, "hi1.form3_sent")
                .for_case(case_id)
                .with_details(serde_json::json!({"transaction": transaction})),
        )
        .await?;
    Ok(())
}

/// Form 3 as text: the order, each reason as Annex III words it, and the explanation.
fn render_form3(case: &writ_store::CaseRecord, form3: &writ_store::Form3Reply) -> String {
    let reasons: String = form3
        .reasons
        .iter()
        .map(|r| format!("  - {}\n", r.text()))
        .collect();
    format!(
        "FORM 3: information on the impossibility to execute an order\n\
         (Regulation (EU) 2023/1543, Annex III)\n\n\
         Order: {} (received {})\n\
         The addressee cannot execute the order because:\n{reasons}\n\
         Explanation:\n{}\n",
        case.reference, case.received_at, form3.explanation
    )
}

fn status_entry(status: &StatusObject) -> DictionaryEntry {
    match status {
        StatusObject::Authorisation { status, .. } => status.entry(),
        StatusObject::LdTask { status, .. } => status.entry(),
        StatusObject::LpTask { status, .. } => status.entry(),
    }
}

/// POSTs a message to the endpoint; anything but a 2xx is a failure.
async fn send(url: &str, xml: String) -> Result<(), JobError> {
    let client = reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .build()
        .map_err(|e| JobError::Hi1Endpoint(e.to_string()))?;
    let response = client
        .post(url)
        .header("content-type", "application/xml")
        .body(xml)
        .send()
        .await
        .map_err(|e| JobError::Hi1Endpoint(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(JobError::Hi1Endpoint(format!(
            "{url} answered {}",
            response.status()
        )));
    }
    Ok(())
}
