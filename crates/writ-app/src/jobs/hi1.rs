//! Reporting to an authority's HI-1 endpoint: each change to the statuses of a case's
//! HI-1 objects goes out as a `NotificationObject` listing the new statuses. A failed
//! sending fails the job, which is retried; the job looks again every
//! `report_every_seconds` while the case is open.

use uuid::Uuid;
use writ_core::{CaseId, Timestamp};
use writ_hi1::emit::{self, Notification, ObjectStatus, StatusObject};
use writ_hi1::message::{DictionaryEntry, ObjectCommon};

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
        let agency = store.agency(&agency_id).await?;
        let transaction = Uuid::new_v4();
        let envelope = crate::access::envelope_to(config, &agency, transaction, now);
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
