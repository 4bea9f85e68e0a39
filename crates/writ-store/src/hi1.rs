//! What writ keeps of ETSI TS 103 120 (HI-1) messages: the objects each authority
//! created (on the case their authorisation opened, a task with its own cancellation),
//! and the answer to each message taken, so a repeated `TransactionIdentifier` gets the
//! first answer. A message is taken in one transaction: its cases, its objects, its
//! cancellations and its answer, or nothing.

use sqlx::{PgConnection, Row, SqliteConnection};
use writ_core::{Actor, AgencyId, AuditEntry, CaseId, Timestamp};
use writ_ledger::Known;

use crate::db_time::DbTime;
use crate::queries::Queries;
use crate::records::{CaseRecord, CaseUpdate, NewCase, NewJob};
use crate::summaries::SummaryQueries;
use crate::{NoticeQueries, Pool, ProductionQueries, QueueQueries, Store, StoreError};

/// The HI-1 objects writ keeps, by their `xsi:type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Hi1Kind {
    Authorisation,
    LdTask,
    LpTask,
    Document,
}

impl Hi1Kind {
    /// The ETSI `ObjectType` dictionary's word, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorisation => "Authorisation",
            Self::LdTask => "LDTask",
            Self::LpTask => "LPTask",
            Self::Document => "Document",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Authorisation,
            Self::LdTask,
            Self::LpTask,
            Self::Document,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    pub fn is_task(self) -> bool {
        matches!(self, Self::LdTask | Self::LpTask)
    }
}

/// An object an authority created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hi1Object {
    /// The sender's `ObjectIdentifier`.
    pub object_id: String,
    pub case_id: CaseId,
    pub kind: Hi1Kind,
    /// When the authority cancelled it (a task's `DesiredStatus` set to `Cancelled`).
    pub cancelled_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The status last sent to the authority's endpoint (`LDTaskStatus` and the like).
    pub reported: Option<String>,
}

/// An object to keep, on the case it belongs to.
#[derive(Clone, Debug)]
pub struct NewHi1Object {
    pub object_id: String,
    pub case_id: CaseId,
    pub kind: Hi1Kind,
}

/// A case a message opens, with the jobs its deadline queues.
pub struct Hi1Case<'a> {
    pub case: NewCase<'a>,
    pub jobs: Vec<NewJob>,
}

/// A task the authority cancels, and (when it was its case's last) the withdrawal.
pub struct Hi1Cancellation {
    pub object_id: String,
    pub case_id: CaseId,
    pub withdraw: Option<CaseUpdate>,
}

/// A disclosure task naming an earlier preservation task of the same authority: the
/// production order that follows the preservation (Reg. (EU) 2023/1543 Art. 11).
#[derive(Clone, Debug)]
pub struct Hi1Followup {
    pub preservation: CaseId,
    pub production: CaseId,
    /// The disclosure task's `ObjectIdentifier`.
    pub task: String,
}

/// One message taken: everything it changes, and the answer to keep.
pub struct Hi1Message<'a> {
    pub agency: &'a AgencyId,
    pub actor: &'a Actor,
    /// The sender's `TransactionIdentifier`.
    pub transaction: &'a str,
    pub cases: Vec<Hi1Case<'a>>,
    pub objects: Vec<NewHi1Object>,
    pub cancellations: Vec<Hi1Cancellation>,
    /// Preservations that a production order in the message follows.
    pub followups: Vec<Hi1Followup>,
    /// The answer's media type and text.
    pub media_type: &'a str,
    pub answer: &'a str,
    pub now: Timestamp,
}

/// A stored answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hi1Answer {
    pub media_type: String,
    pub answer: String,
}

/// What became of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Hi1Taken {
    /// Taken: the cases it opened.
    Taken(Vec<CaseRecord>),
    /// The sender sent this transaction before: nothing changed, here is the first answer.
    Repeated(Hi1Answer),
}

pub(crate) trait Hi1Queries {
    async fn hi1_answer(
        &mut self,
        agency: &AgencyId,
        transaction: &str,
    ) -> Result<Option<Hi1Answer>, StoreError>;
    /// False when the sender's transaction is already stored.
    async fn insert_hi1_answer(
        &mut self,
        agency: &AgencyId,
        transaction: &str,
        answer: &Hi1Answer,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn insert_hi1_object(
        &mut self,
        agency: &AgencyId,
        object: &NewHi1Object,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Marks a task cancelled; false if it was already (or is not the sender's).
    async fn cancel_hi1_object(
        &mut self,
        agency: &AgencyId,
        object_id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn set_hi1_reported(
        &mut self,
        agency: &AgencyId,
        object_id: &str,
        status: &str,
    ) -> Result<(), StoreError>;
    /// The sender's objects (the one named, or one case's), oldest first, at most
    /// `limit`.
    async fn hi1_objects(
        &mut self,
        agency: &AgencyId,
        object_id: Option<&str>,
        case: Option<CaseId>,
        limit: u32,
    ) -> Result<Vec<Hi1Object>, StoreError>;
    async fn insert_followup(
        &mut self,
        followup: &Hi1Followup,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn followups(&mut self, preservation: CaseId) -> Result<Vec<CaseId>, StoreError>;
}

fn object(
    object_id: String,
    case: &str,
    kind: &str,
    cancelled_at: Option<DbTime>,
    created_at: DbTime,
    reported: Option<String>,
) -> Result<Hi1Object, StoreError> {
    Ok(Hi1Object {
        object_id,
        case_id: CaseId::parse(case)
            .map_err(|e| StoreError::Corrupt(format!("hi1_objects.case_id: {e}")))?,
        kind: Hi1Kind::parse(kind)
            .ok_or_else(|| StoreError::Corrupt(format!("hi1_objects.kind: {kind}")))?,
        cancelled_at: cancelled_at.map(|t| t.0),
        created_at: created_at.0,
        reported,
    })
}

macro_rules! hi1_queries_for {
    ($connection:ty) => {
        impl Hi1Queries for $connection {
            async fn hi1_answer(
                &mut self,
                agency: &AgencyId,
                transaction: &str,
            ) -> Result<Option<Hi1Answer>, StoreError> {
                let row = sqlx::query(
                    "SELECT media_type, answer FROM hi1_transactions \
                     WHERE agency_id = $1 AND transaction_id = $2",
                )
                .bind(agency.as_str())
                .bind(transaction)
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| {
                    Ok(Hi1Answer {
                        media_type: row.try_get("media_type")?,
                        answer: row.try_get("answer")?,
                    })
                })
                .transpose()
            }

            async fn insert_hi1_answer(
                &mut self,
                agency: &AgencyId,
                transaction: &str,
                answer: &Hi1Answer,
                now: Timestamp,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO hi1_transactions \
                     (agency_id, transaction_id, media_type, answer, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(agency.as_str())
                .bind(transaction)
                .bind(&answer.media_type)
                .bind(&answer.answer)
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_hi1_object(
                &mut self,
                agency: &AgencyId,
                object: &NewHi1Object,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO hi1_objects (agency_id, object_id, case_id, kind, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(agency.as_str())
                .bind(&object.object_id)
                .bind(object.case_id.to_string())
                .bind(object.kind.as_str())
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn cancel_hi1_object(
                &mut self,
                agency: &AgencyId,
                object_id: &str,
                at: Timestamp,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE hi1_objects SET cancelled_at = $1 \
                     WHERE agency_id = $2 AND object_id = $3 AND cancelled_at IS NULL",
                )
                .bind(DbTime(at))
                .bind(agency.as_str())
                .bind(object_id)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_hi1_reported(
                &mut self,
                agency: &AgencyId,
                object_id: &str,
                status: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE hi1_objects SET reported = $1 WHERE agency_id = $2 AND object_id = $3",
                )
                .bind(status)
                .bind(agency.as_str())
                .bind(object_id)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn hi1_objects(
                &mut self,
                agency: &AgencyId,
                object_id: Option<&str>,
                case: Option<CaseId>,
                limit: u32,
            ) -> Result<Vec<Hi1Object>, StoreError> {
                let rows = sqlx::query(
                    "SELECT object_id, case_id, kind, cancelled_at, created_at, reported FROM hi1_objects \
                     WHERE agency_id = $1 AND ($2 IS NULL OR object_id = $2) \
                     AND ($3 IS NULL OR case_id = $3) ORDER BY created_at, object_id LIMIT $4",
                )
                .bind(agency.as_str())
                .bind(object_id)
                .bind(case.map(|c| c.to_string()))
                .bind(i64::from(limit))
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|row| {
                        let case: String = row.try_get("case_id")?;
                        let kind: String = row.try_get("kind")?;
                        object(
                            row.try_get("object_id")?,
                            &case,
                            &kind,
                            row.try_get("cancelled_at")?,
                            row.try_get("created_at")?,
                            row.try_get("reported")?,
                        )
                    })
                    .collect()
            }

            async fn insert_followup(
                &mut self,
                followup: &Hi1Followup,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO preservation_followups \
                     (preservation_case, production_case, task_id, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(followup.preservation.to_string())
                .bind(followup.production.to_string())
                .bind(&followup.task)
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn followups(&mut self, preservation: CaseId) -> Result<Vec<CaseId>, StoreError> {
                let rows = sqlx::query(
                    "SELECT production_case FROM preservation_followups \
                     WHERE preservation_case = $1 ORDER BY created_at, production_case",
                )
                .bind(preservation.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|row| {
                        let case: String = row.try_get("production_case")?;
                        CaseId::parse(&case).map_err(|e| {
                            StoreError::Corrupt(format!("preservation_followups.production_case: {e}"))
                        })
                    })
                    .collect()
            }
        }
    };
}

hi1_queries_for!(SqliteConnection);
hi1_queries_for!(PgConnection);

impl Store {
    /// The answer given to `agency`'s message `transaction`, if one was taken.
    pub async fn hi1_answer(
        &self,
        agency: &AgencyId,
        transaction: &str,
    ) -> Result<Option<Hi1Answer>, StoreError> {
        with_connection!(self, |conn| { conn.hi1_answer(agency, transaction).await })
    }

    /// `agency`'s HI-1 objects (the one named, or one case's, or all), oldest first, at
    /// most `limit`.
    pub async fn hi1_objects(
        &self,
        agency: &AgencyId,
        object_id: Option<&str>,
        case: Option<CaseId>,
        limit: u32,
    ) -> Result<Vec<Hi1Object>, StoreError> {
        with_connection!(self, |conn| {
            conn.hi1_objects(agency, object_id, case, limit).await
        })
    }

    /// Records that the authority's endpoint was sent these statuses (object id →
    /// status) in the message `transaction`, with its `hi1.reported` event.
    pub async fn hi1_reported(
        &self,
        agency: &AgencyId,
        case: CaseId,
        transaction: &str,
        statuses: &[(String, String)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        in_transaction!(self, |tx| {
            for (object_id, status) in statuses {
                tx.set_hi1_reported(agency, object_id, status).await?;
            }
            let entry = AuditEntry::new(at, Actor::System, "hi1.reported")
                .for_case(case)
                .with_details(serde_json::json!({
                    "transaction": transaction,
                    "statuses": statuses
                        .iter()
                        .map(|(o, s)| serde_json::json!({"object": o, "status": s}))
                        .collect::<Vec<_>>(),
                }));
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(())
        })
    }

    /// Takes a message whole: opens its cases (each with its `case.opened` and
    /// `hi1.objects_created` events), keeps its objects, cancels its tasks (withdrawing a
    /// case with its last one) and keeps the answer, in one transaction. A transaction
    /// the sender sent before changes nothing and gets its first answer.
    pub async fn take_hi1_message(&self, message: &Hi1Message<'_>) -> Result<Hi1Taken, StoreError> {
        let now = message.now;
        let answer = Hi1Answer {
            media_type: message.media_type.to_owned(),
            answer: message.answer.to_owned(),
        };
        in_transaction!(self, |tx| {
            // The answer first: a second sending of the transaction waits here for the
            // first to end, then finds its answer.
            if !tx
                .insert_hi1_answer(message.agency, message.transaction, &answer, now)
                .await?
            {
                let first = tx
                    .hi1_answer(message.agency, message.transaction)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "HI-1 transaction",
                        id: message.transaction.to_owned(),
                    })?;
                return Ok(Hi1Taken::Repeated(first));
            }
            let mut opened = Vec::new();
            for new in &message.cases {
                let entry = crate::opened_entry(&new.case, message.actor, now);
                opened.push(insert_case!(tx, &new.case, &new.jobs, &entry, now)?);
                let objects: Vec<_> = message
                    .objects
                    .iter()
                    .filter(|o| o.case_id == new.case.id)
                    .map(|o| serde_json::json!({"object": o.object_id, "type": o.kind.as_str()}))
                    .collect();
                let created = AuditEntry::new(now, message.actor.clone(), "hi1.objects_created")
                    .for_case(new.case.id)
                    .with_details(serde_json::json!({
                        "transaction": message.transaction,
                        "objects": objects,
                    }));
                tx.append_audit(&created, &mut Known::new()).await?;
            }
            for object in &message.objects {
                tx.insert_hi1_object(message.agency, object, now).await?;
            }
            for cancellation in &message.cancellations {
                if !tx
                    .cancel_hi1_object(message.agency, &cancellation.object_id, now)
                    .await?
                {
                    return Err(StoreError::Conflict(cancellation.case_id));
                }
                let cancelled = AuditEntry::new(now, message.actor.clone(), "hi1.task_cancelled")
                    .for_case(cancellation.case_id)
                    .with_details(serde_json::json!({
                        "transaction": message.transaction,
                        "object": cancellation.object_id,
                    }));
                tx.append_audit(&cancelled, &mut Known::new()).await?;
                if let Some(update) = &cancellation.withdraw {
                    apply_update!(tx, update)?;
                }
            }
            for followup in &message.followups {
                tx.insert_followup(followup, now).await?;
                let followed = AuditEntry::new(now, message.actor.clone(), "preservation.followed")
                    .for_case(followup.preservation)
                    .with_details(serde_json::json!({
                        "transaction": message.transaction,
                        "production": followup.production,
                        "task": followup.task,
                    }));
                tx.append_audit(&followed, &mut Known::new()).await?;
            }
            Ok(Hi1Taken::Taken(opened))
        })
    }

    /// The production cases that followed a preservation (Art. 11), oldest first.
    pub async fn preservation_followups(
        &self,
        preservation: CaseId,
    ) -> Result<Vec<CaseId>, StoreError> {
        with_connection!(self, |conn| { conn.followups(preservation).await })
    }
}
