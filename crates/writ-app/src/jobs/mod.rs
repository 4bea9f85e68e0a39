//! Background work: what a job is ([`Job`], one serde-tagged enum, parsed from its row
//! in one place), the constructors the desks queue jobs with, and why a job failed
//! ([`JobError`]). The runner ([`runner`]) claims due jobs and hands each to its handler:
//! collection and sealing ([`collect`]), and what runs by the clock ([`clock`]: notices,
//! holds, escalations).
//!
//! Jobs know nothing of the people's desks, so the desks can queue jobs; the runner and
//! the handlers act through the system's own desk ([`system`]).

pub(crate) mod clock;
pub(crate) mod collect;
pub(crate) mod hi1;
pub mod runner;
mod system;

use serde::{Deserialize, Serialize};
use writ_core::{CaseId, ProductionId, Timestamp};
use writ_store::NewJob;

/// One piece of background work. The `jobs` table keeps the variant's name as `kind` and
/// its fields as `payload`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Job {
    /// Collect and seal an approved case (queued with the approval).
    #[serde(rename = "collect")]
    Collect { case: CaseId },
    /// Send a case's due notices (queued with the approval, and when a gag is lifted).
    #[serde(rename = "notice.send")]
    SendNotices { case: CaseId },
    /// End a case's preservation holds when they expire.
    #[serde(rename = "hold.expire")]
    ExpireHolds { case: CaseId },
    /// Tell the on-call approver that a case's deadline is near (`step`: the fraction
    /// of the time gone, or `page` for an emergency at once).
    #[serde(rename = "deadline.escalate")]
    Escalate { case: CaseId, step: String },
    /// Send the authority's HI-1 endpoint each change to the statuses of a case's HI-1
    /// objects (queued when an HI-1 message opens the case; runs again while it is open).
    #[serde(rename = "hi1.report")]
    Hi1Report { case: CaseId },
    /// Send the authority's HI-1 endpoint a `DELIVER` of a released production: its
    /// download link and SHA-256 (queued with the release of an HI-1 case's production).
    #[serde(rename = "hi1.deliver")]
    Hi1Deliver {
        case: CaseId,
        production: ProductionId,
    },
    /// Send the authority's HI-1 endpoint the case's Form 3 (queued when it is recorded
    /// on a case that came by HI-1).
    #[serde(rename = "hi1.form3")]
    Hi1Form3 { case: CaseId },
}

impl Job {
    /// The kind of [`Job::Collect`], which `writ collect` hurries.
    pub const COLLECT: &'static str = "collect";

    /// The row that queues this job to run at `run_at`.
    pub fn at(&self, run_at: Timestamp) -> NewJob {
        let (kind, payload) = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut tagged)) => (
                tagged
                    .remove("kind")
                    .and_then(|k| k.as_str().map(str::to_owned)),
                tagged.remove("payload"),
            ),
            _ => (None, None),
        };
        NewJob {
            // Serialising a job cannot fail (its fields are strings); the empty kind
            // would be refused when the job is parsed.
            kind: kind.unwrap_or_default(),
            payload: payload.unwrap_or_default(),
            run_at,
        }
    }

    /// The job a claimed row holds; a row no writ wrote is the job's error.
    pub fn parse(row: &writ_store::Job) -> Result<Job, JobError> {
        let tagged = serde_json::json!({"kind": row.kind, "payload": row.payload});
        serde_json::from_value(tagged).map_err(|e| {
            JobError::Invalid(format!(
                "job {} ({:?}, {}): {e}",
                row.id.0, row.kind, row.payload
            ))
        })
    }

    /// The case the job works on.
    pub fn case(&self) -> CaseId {
        match self {
            Self::Collect { case }
            | Self::SendNotices { case }
            | Self::ExpireHolds { case }
            | Self::Escalate { case, .. }
            | Self::Hi1Report { case }
            | Self::Hi1Form3 { case }
            | Self::Hi1Deliver { case, .. } => *case,
        }
    }
}

/// Why a job failed; it is retried later.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Store(#[from] writ_store::StoreError),
    #[error("collecting: {0}")]
    Collect(#[from] writ_sources::collector::CollectError),
    #[error("productions' storage: {0}")]
    Storage(#[from] writ_storage::StorageError),
    /// Collection needs the provider's sources, and none are configured.
    #[error("no sources are configured: approved cases wait")]
    NoSources,
    #[error("{0}")]
    Invalid(String),
    /// The authority's HI-1 endpoint did not take a message.
    #[error("the HI-1 endpoint: {0}")]
    Hi1Endpoint(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// When and whom deadlines escalate to.
#[derive(Clone, Debug, PartialEq)]
pub struct Deadlines {
    /// Fractions of the time to the deadline at which to escalate (0.5: half of it gone).
    pub escalate_at: Vec<f64>,
    /// The on-call approver's address; unset, escalations wait until it is configured.
    pub on_call: Option<String>,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            escalate_at: vec![0.5, 0.75, 0.9],
            on_call: None,
        }
    }
}

impl Deadlines {
    /// The escalation jobs a new case with a deadline gets: one per fraction, and for an
    /// emergency a page at once.
    pub fn jobs(
        &self,
        case: CaseId,
        received: Timestamp,
        deadline: Timestamp,
        emergency: bool,
    ) -> Vec<NewJob> {
        let span = deadline.datetime() - received.datetime();
        let escalate = |step: String, run_at| Job::Escalate { case, step }.at(run_at);
        let mut jobs: Vec<NewJob> = self
            .escalate_at
            .iter()
            .filter(|f| f.is_finite() && **f > 0.0 && **f < 1.0)
            .filter_map(|f| {
                let run_at = received.checked_add(span * *f)?;
                Some(escalate(format!("{f}"), run_at))
            })
            .collect();
        if emergency {
            jobs.insert(0, escalate("page".to_owned(), received));
        }
        jobs
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn claimed(job: &NewJob) -> writ_store::Job {
        writ_store::Job {
            id: writ_store::JobId(7),
            kind: job.kind.clone(),
            payload: job.payload.clone(),
            run_at: job.run_at,
            attempts: 1,
        }
    }

    #[test]
    fn each_job_reads_back_from_its_row_as_writ_has_always_written_it() {
        let case = CaseId::random();
        let production = ProductionId::random();
        let now = at("2026-03-02T00:00:00Z");
        let rows = [
            (
                Job::Collect { case },
                "collect",
                serde_json::json!({"case": case}),
            ),
            (
                Job::SendNotices { case },
                "notice.send",
                serde_json::json!({"case": case}),
            ),
            (
                Job::ExpireHolds { case },
                "hold.expire",
                serde_json::json!({"case": case}),
            ),
            (
                Job::Escalate {
                    case,
                    step: "0.5".into(),
                },
                "deadline.escalate",
                serde_json::json!({"case": case, "step": "0.5"}),
            ),
            (
                Job::Hi1Form3 { case },
                "hi1.form3",
                serde_json::json!({"case": case}),
            ),
            (
                Job::Hi1Deliver { case, production },
                "hi1.deliver",
                serde_json::json!({"case": case, "production": production}),
            ),
        ];
        for (job, kind, payload) in rows {
            let row = job.at(now);
            assert_eq!((row.kind.as_str(), &row.payload), (kind, &payload));
            assert_eq!(Job::parse(&claimed(&row)).unwrap(), job);
            assert_eq!(job.case(), case);
        }
        assert_eq!(Job::Collect { case }.at(now).kind, Job::COLLECT);
    }

    #[test]
    fn a_row_no_writ_wrote_is_refused_naming_the_job() {
        let case = CaseId::random();
        let now = at("2026-03-02T00:00:00Z");
        let mut row = claimed(
            &Job::Escalate {
                case,
                step: "page".into(),
            }
            .at(now),
        );
        row.payload = serde_json::json!({"case": case});
        let refused = Job::parse(&row).unwrap_err().to_string();
        assert!(
            refused.contains("job 7") && refused.contains("step"),
            "{refused}"
        );
        row.kind = "mystery".into();
        assert!(Job::parse(&row).is_err());
        row.kind = "collect".into();
        row.payload = serde_json::json!({"case": "not a case"});
        assert!(Job::parse(&row).is_err());
    }

    #[test]
    fn escalations_fall_at_their_fractions_and_emergencies_page_at_once() {
        let case = CaseId::random();
        let received = at("2026-03-02T00:00:00Z");
        let deadline = at("2026-03-03T00:00:00Z");
        let jobs = Deadlines::default().jobs(case, received, deadline, true);
        let times: Vec<(String, Timestamp)> = jobs
            .iter()
            .map(|j| (j.payload["step"].as_str().unwrap().to_owned(), j.run_at))
            .collect();
        assert_eq!(
            times,
            [
                ("page".to_owned(), received),
                ("0.5".to_owned(), at("2026-03-02T12:00:00Z")),
                ("0.75".to_owned(), at("2026-03-02T18:00:00Z")),
                ("0.9".to_owned(), at("2026-03-02T21:36:00Z")),
            ]
        );
        let odd = Deadlines {
            escalate_at: vec![0.0, 1.0, f64::NAN, -1.0, 0.25],
            on_call: None,
        };
        assert_eq!(odd.jobs(case, received, deadline, false).len(), 1);
    }
}
