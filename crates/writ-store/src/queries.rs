//! The SQL, written once and compiled for both backends.
//!
//! `queries_for!` implements [`Queries`] on a backend's connection type with the same
//! statement text (both accept `$n` parameters). The one real difference, how a worker
//! claims a job, is a parameter of the macro. The conformance suite holds both to the
//! same behaviour.

use sqlx::{PgConnection, Row, SqliteConnection};
use writ_core::case::CallbackOutcome;
use writ_core::identifier::PhoneNumber;
use writ_core::workflow::{EnforcingAuthorityOutcome, Form3Reason};
use writ_core::{
    Actor, AgencyId, AuditEntry, CaseId, CaseState, CountryCode, Timestamp, UserId, Username,
};

use crate::StoreError;
use crate::db_time::DbTime;
use writ_ledger::{Hash, Known, LedgerError, Needs, SignedCheckpoint};

use crate::records::{
    AdminChange, Agency, Callback, CaseRecord, CaseUpdate, DocumentInfo, EnforcingAuthorityAnswer,
    Form3Reply, GateClearance, Job, JobId, Message, NewCase, NewDocument, NewJob, NewUser, Notice,
    StoredCheckpoint, StoredEvent, User,
};

pub(crate) trait Queries {
    /// Appends one audit event at the next leaf index, which it returns.
    /// `known` caches stored hashes across the appends of one transaction.
    async fn append_audit(
        &mut self,
        entry: &AuditEntry,
        known: &mut Known,
    ) -> Result<u64, StoreError>;
    async fn insert_case(&mut self, case: &NewCase<'_>, now: Timestamp) -> Result<(), StoreError>;
    async fn case(&mut self, id: CaseId) -> Result<Option<CaseRecord>, StoreError>;
    async fn cases(&mut self, state: Option<CaseState>) -> Result<Vec<CaseRecord>, StoreError>;
    async fn cases_of_agency(
        &mut self,
        agency: &AgencyId,
        after: Option<(Timestamp, CaseId)>,
        limit: u32,
    ) -> Result<crate::CasePage, StoreError>;
    async fn demand_document(&mut self, id: CaseId) -> Result<Option<String>, StoreError>;
    /// The latest case `agency` opened with `reference` (case aside) received after `since`.
    async fn case_with_reference(
        &mut self,
        agency: &AgencyId,
        reference: &str,
        since: Timestamp,
    ) -> Result<Option<CaseId>, StoreError>;
    /// Moves a case to `state` if it is still at `version`; false if it was not.
    async fn set_state(
        &mut self,
        id: CaseId,
        version: i64,
        state: CaseState,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn audit_size(&mut self) -> Result<u64, StoreError>;
    /// Who (`staff:rita`) did `action` on a case, each once.
    async fn case_actors(&mut self, case: CaseId, action: &str) -> Result<Vec<String>, StoreError>;
    async fn audit_events(&mut self, from: u64, limit: u64)
    -> Result<Vec<StoredEvent>, StoreError>;
    /// Up to `limit` of a case's audit events after leaf index `after`, in index order.
    async fn case_events(
        &mut self,
        case: CaseId,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// The stored Merkle-tree hash at stored-hash index `index`.
    async fn stored_hash(&mut self, index: u64) -> Result<Option<Hash>, StoreError>;
    async fn stored_hashes(
        &mut self,
        from: u64,
        limit: u64,
    ) -> Result<Vec<(u64, Hash)>, StoreError>;
    /// False when a checkpoint of that size was already stored (by another process).
    async fn insert_checkpoint(
        &mut self,
        checkpoint: &SignedCheckpoint,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// All checkpoints by size, or (`latest`) only the largest.
    async fn checkpoints(&mut self, latest: bool) -> Result<Vec<StoredCheckpoint>, StoreError>;
    async fn insert_agency(&mut self, agency: &Agency) -> Result<(), StoreError>;
    async fn agency(&mut self, id: &AgencyId) -> Result<Option<Agency>, StoreError>;
    async fn agencies(&mut self) -> Result<Vec<Agency>, StoreError>;
    async fn insert_user(&mut self, user: &NewUser<'_>, now: Timestamp) -> Result<(), StoreError>;
    async fn user_by_name(&mut self, username: &Username) -> Result<Option<User>, StoreError>;
    /// Records a change that waits for a second admin; its id.
    async fn insert_admin_change(
        &mut self,
        kind: &str,
        subject: &str,
        details: Option<&str>,
        requested_by: UserId,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
    /// Makes `user` wait for `change`: until then it cannot sign in.
    async fn await_change(&mut self, user: UserId, change: i64) -> Result<(), StoreError>;
    async fn admin_change(&mut self, id: i64) -> Result<Option<AdminChange>, StoreError>;
    /// The changes not yet confirmed after `after`, oldest first.
    async fn pending_admin_changes(
        &mut self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AdminChange>, StoreError>;
    async fn user_by_id(&mut self, id: UserId) -> Result<Option<User>, StoreError>;
    /// Disables an account not disabled yet; false if it was (or is no one).
    async fn disable_user(&mut self, id: UserId, now: Timestamp) -> Result<bool, StoreError>;
    /// Enables a disabled account; false if it was not disabled.
    async fn enable_user(&mut self, id: UserId) -> Result<bool, StoreError>;
    async fn update_agency(&mut self, agency: &Agency) -> Result<(), StoreError>;
    /// The body hash and case an agency's idempotency key opened since `since`.
    async fn idempotent_case(
        &mut self,
        agency: &AgencyId,
        key: &str,
        since: Timestamp,
    ) -> Result<Option<(String, CaseId)>, StoreError>;
    /// Records an idempotency key, replacing one of the agency's older than `since`.
    async fn insert_idempotency_key(
        &mut self,
        agency: &AgencyId,
        key: &str,
        body_sha256: &str,
        case: CaseId,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Confirms a change not yet confirmed and frees the user waiting for it; false if
    /// it was confirmed already. What the change sets is the caller's to apply.
    async fn confirm_admin_change(
        &mut self,
        id: i64,
        by: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn user_by_token(&mut self, token_hash: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_session(
        &mut self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError>;
    /// Every user's stored TOTP secret, sealed or not.
    async fn totp_secrets(&mut self) -> Result<Vec<(UserId, String)>, StoreError>;
    /// Replaces a user's stored TOTP secret if it is still `old`; false if not.
    async fn replace_totp_secret(
        &mut self,
        user: UserId,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError>;
    /// Records `step` as the last TOTP step used, if it is later than the last; false if not.
    async fn advance_totp_step(&mut self, user: UserId, step: i64) -> Result<bool, StoreError>;
    async fn insert_token(
        &mut self,
        token_hash: &str,
        user: UserId,
        name: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn insert_session(
        &mut self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), StoreError>;
    async fn delete_session(&mut self, token_hash: &str) -> Result<bool, StoreError>;
    async fn set_case_fields(&mut self, update: &CaseUpdate) -> Result<(), StoreError>;
    async fn insert_message(&mut self, case: CaseId, message: &Message) -> Result<(), StoreError>;
    async fn insert_callback(
        &mut self,
        case: CaseId,
        callback: &Callback,
    ) -> Result<(), StoreError>;
    async fn insert_notice(&mut self, case: CaseId, notice: &Notice) -> Result<(), StoreError>;
    async fn insert_gate_clearance(
        &mut self,
        case: CaseId,
        clearance: &GateClearance,
    ) -> Result<(), StoreError>;
    async fn gate_clearances(&mut self, case: CaseId) -> Result<Vec<GateClearance>, StoreError>;
    async fn insert_enforcing_authority(
        &mut self,
        case: CaseId,
        answer: &EnforcingAuthorityAnswer,
    ) -> Result<(), StoreError>;
    async fn enforcing_authority_answer(
        &mut self,
        case: CaseId,
    ) -> Result<Option<EnforcingAuthorityAnswer>, StoreError>;
    async fn insert_form3(&mut self, case: CaseId, form3: &Form3Reply) -> Result<(), StoreError>;
    async fn form3(&mut self, case: CaseId) -> Result<Option<Form3Reply>, StoreError>;
    async fn messages(&mut self, case: CaseId) -> Result<Vec<Message>, StoreError>;
    async fn callbacks(&mut self, case: CaseId) -> Result<Vec<Callback>, StoreError>;
    async fn notices(&mut self, case: CaseId) -> Result<Vec<Notice>, StoreError>;
    async fn insert_document(
        &mut self,
        case: CaseId,
        document: &NewDocument<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn documents(&mut self, case: CaseId) -> Result<Vec<DocumentInfo>, StoreError>;
    async fn document_content(
        &mut self,
        case: CaseId,
        id: i64,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    async fn set_credentials(
        &mut self,
        user: UserId,
        password_hash: &str,
        totp_secret: &str,
    ) -> Result<bool, StoreError>;
    /// Counts a failed sign-in, and holds the next one off until `until(failures in a
    /// row)`; returns the failures in a row.
    async fn count_login_failure(
        &mut self,
        user: UserId,
        until: &(dyn Fn(i32) -> Timestamp + Sync),
    ) -> Result<i32, StoreError>;
    async fn clear_login_failures(&mut self, user: UserId) -> Result<(), StoreError>;
    async fn insert_job(&mut self, job: &NewJob, now: Timestamp) -> Result<JobId, StoreError>;
    async fn claim_job(
        &mut self,
        worker: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<Job>, StoreError>;
    async fn finish_job(
        &mut self,
        id: JobId,
        worker: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Makes the unfinished, unclaimed jobs of `kind` due at `now`; returns how many.
    async fn hurry_jobs(&mut self, kind: &str, now: Timestamp) -> Result<u64, StoreError>;
    /// Extends a claimed job's lease to `until`; false if `worker` no longer holds it.
    async fn renew_job(
        &mut self,
        id: JobId,
        worker: &str,
        until: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn release_job(
        &mut self,
        id: JobId,
        worker: &str,
        retry_at: Option<Timestamp>,
        error: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
}

macro_rules! case_columns {
    () => {
        "id, state, reference, authority_country, instrument, emergency, received_at, deadline, \
         decision, opened_at, updated_at, version, agency_id, recommendation, scope, rejection_reason, \
         counsel, approval, assignee, expires_at, \
         (SELECT u.username FROM users u WHERE u.id = cases.assignee) AS assignee_name, \
         EXISTS (SELECT 1 FROM escalations e WHERE e.case_id = cases.id) AS escalated"
    };
}
pub(crate) use case_columns;

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

fn db_index(index: u64) -> Result<i64, StoreError> {
    i64::try_from(index).map_err(|_| StoreError::Corrupt(format!("index {index} is out of range")))
}

fn hash_from(bytes: &[u8], what: &str) -> Result<Hash, StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map(Hash)
        .map_err(|_| corrupt(what, format!("{} bytes, not 32", bytes.len())))
}

/// Runs a ledger operation over the stored hashes, fetching what it asks for until it
/// is done.
pub(crate) async fn resolve<C: Queries + ?Sized, T>(
    conn: &mut C,
    known: &mut Known,
    mut operation: impl FnMut(&Known) -> Result<Needs<T>, LedgerError>,
) -> Result<T, StoreError> {
    loop {
        match operation(known)? {
            Needs::Done(value) => return Ok(value),
            Needs::Hashes(indexes) => {
                let before = known.len();
                for index in indexes {
                    let hash = conn.stored_hash(index).await?.ok_or_else(|| {
                        corrupt("audit_hashes", format!("stored hash {index} is missing"))
                    })?;
                    known.insert(index, hash);
                }
                if known.len() == before {
                    return Err(corrupt(
                        "audit_hashes",
                        "the tree asks again for hashes it was given",
                    ));
                }
            }
        }
    }
}

macro_rules! notice_columns {
    () => {
        "id, recipient, address, state, subject, body, body_html, not_before, hold_reason, \
         sent_at, created_at"
    };
}
pub(crate) use notice_columns;

macro_rules! notice_from_row {
    ($row:expr) => {{
        let row = $row;
        Ok::<_, StoreError>(Notice {
            id: row.try_get("id")?,
            recipient: crate::summaries::enum_column(
                row.try_get("recipient")?,
                "notices.recipient",
            )?,
            address: row.try_get("address")?,
            state: crate::summaries::enum_column(row.try_get("state")?, "notices.state")?,
            subject: row.try_get("subject")?,
            body: row.try_get("body")?,
            body_html: row.try_get("body_html")?,
            not_before: row.try_get::<Option<DbTime>, _>("not_before")?.map(|t| t.0),
            hold_reason: row.try_get("hold_reason")?,
            sent_at: row.try_get::<Option<DbTime>, _>("sent_at")?.map(|t| t.0),
            created_at: row.try_get::<DbTime, _>("created_at")?.0,
        })
    }};
}
pub(crate) use notice_from_row;

macro_rules! queries_for {
    ($connection:ty, claim_lock = $claim_lock:literal) => {
        impl Queries for $connection {
            async fn append_audit(&mut self, entry: &AuditEntry, known: &mut Known) -> Result<u64, StoreError> {
                let bytes = entry.canonical_bytes();
                let index: i64 = sqlx::query_scalar(
                    "UPDATE audit_head SET size = size + 1 WHERE id = 1 RETURNING size - 1",
                )
                .fetch_one(&mut *self)
                .await?;
                sqlx::query(
                    "INSERT INTO audit_events (idx, at, actor, action, case_id, entry) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(index)
                .bind(DbTime(entry.at))
                .bind(entry.actor.to_string())
                .bind(&entry.action)
                .bind(entry.case_id.map(|id| id.to_string()))
                .bind(&bytes)
                .execute(&mut *self)
                .await?;
                let n = u64::try_from(index).map_err(|_| corrupt("audit_head.size", index))?;
                let leaf = writ_ledger::leaf_hash(&bytes);
                let hashes = resolve(&mut *self, known, |known| writ_ledger::append_hashes(n, leaf, known)).await?;
                let first = writ_ledger::stored_hash_index(0, n);
                for (offset, hash) in (0..).zip(hashes) {
                    sqlx::query("INSERT INTO audit_hashes (idx, hash) VALUES ($1, $2)")
                        .bind(db_index(first + offset)?)
                        .bind(hash.0.as_slice())
                        .execute(&mut *self)
                        .await?;
                    known.insert(first + offset, hash);
                }
                Ok(n)
            }

            async fn insert_case(&mut self, case: &NewCase<'_>, now: Timestamp) -> Result<(), StoreError> {
                let demand = case.demand;
                let id = case.id.to_string();
                sqlx::query(
                    "INSERT INTO cases (id, state, reference, authority_country, instrument, \
                     emergency, received_at, deadline, decision, opened_at, updated_at, version, \
                     agency_id, queue_key, reference_key, route, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 0, $11, $12, $13, $14, $15)",
                )
                .bind(&id)
                .bind(CaseState::Received.as_str())
                .bind(&demand.reference)
                .bind(demand.authority.country.as_str())
                .bind(&demand.instrument.kind)
                .bind(demand.is_emergency())
                .bind(DbTime(case.received_at))
                .bind(case.deadline.map(DbTime))
                .bind(json_text(case.decision, "cases.decision")?)
                .bind(DbTime(now))
                .bind(case.agency_id.map(AgencyId::as_str))
                .bind(crate::queue::queue_key(demand.is_emergency(), case.deadline, case.received_at, case.id))
                .bind(demand.reference.to_lowercase())
                .bind(crate::queue::route_of(case.decision))
                .bind(demand.instrument.expires_at.map(DbTime))
                .execute(&mut *self)
                .await?;
                sqlx::query("INSERT INTO demands (case_id, submitted_at, document) VALUES ($1, $2, $3)")
                    .bind(&id)
                    .bind(DbTime(now))
                    .bind(case.document)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn case(&mut self, id: CaseId) -> Result<Option<CaseRecord>, StoreError> {
                let row = sqlx::query(concat!("SELECT ", case_columns!(), " FROM cases WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(&mut *self)
                    .await?;
                row.map(|row| case_from_row!(row)).transpose()
            }

            async fn cases(&mut self, state: Option<CaseState>) -> Result<Vec<CaseRecord>, StoreError> {
                // Deadline first (NULLs last), then oldest first: the reviewer's queue order.
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    case_columns!(),
                    " FROM cases WHERE ($1 IS NULL OR state = $1) \
                     ORDER BY deadline IS NULL, deadline, received_at, id"
                ))
                .bind(state.map(CaseState::as_str))
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| case_from_row!(row)).collect()
            }

            async fn cases_of_agency(
                &mut self,
                agency: &AgencyId,
                after: Option<(Timestamp, CaseId)>,
                limit: u32,
            ) -> Result<crate::CasePage, StoreError> {
                let limit = limit.clamp(1, crate::MAX_PAGE);
                // Newest first, a range of `cases_by_agency` (agency, received, id).
                let rows = match after {
                    None => sqlx::query(concat!(
                        "SELECT ",
                        case_columns!(),
                        " FROM cases WHERE agency_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2"
                    ))
                    .bind(agency.as_str())
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self)
                    .await?,
                    Some((received, id)) => sqlx::query(concat!(
                        "SELECT ",
                        case_columns!(),
                        " FROM cases WHERE agency_id = $1 \
                         AND (received_at < $2 OR (received_at = $2 AND id < $3)) \
                         ORDER BY received_at DESC, id DESC LIMIT $4"
                    ))
                    .bind(agency.as_str())
                    .bind(DbTime(received))
                    .bind(id.to_string())
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self)
                    .await?,
                };
                let cases = rows
                    .into_iter()
                    .map(|row| case_from_row!(row))
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let next = match cases.last() {
                    Some(last) if cases.len() == limit as usize => {
                        Some(crate::agency_cursor(last.received_at, last.id))
                    }
                    _ => None,
                };
                Ok(crate::CasePage { cases, next })
            }

            async fn demand_document(&mut self, id: CaseId) -> Result<Option<String>, StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT document FROM demands WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
                )
                .bind(id.to_string())
                .fetch_optional(&mut *self)
                .await?)
            }

            async fn case_with_reference(
                &mut self,
                agency: &AgencyId,
                reference: &str,
                since: Timestamp,
            ) -> Result<Option<CaseId>, StoreError> {
                let id: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM cases WHERE agency_id = $1 AND reference_key = $2 \
                     AND received_at > $3 ORDER BY received_at DESC, id LIMIT 1",
                )
                .bind(agency.as_str())
                .bind(reference.to_lowercase())
                .bind(DbTime(since))
                .fetch_optional(&mut *self)
                .await?;
                id.map(|id| CaseId::parse(&id).map_err(|e| corrupt("cases.id", e)))
                    .transpose()
            }

            async fn set_state(
                &mut self,
                id: CaseId,
                version: i64,
                state: CaseState,
                at: Timestamp,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE cases SET state = $1, updated_at = $2, version = version + 1 \
                     WHERE id = $3 AND version = $4",
                )
                .bind(state.as_str())
                .bind(DbTime(at))
                .bind(id.to_string())
                .bind(version)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn audit_size(&mut self) -> Result<u64, StoreError> {
                let size: i64 = sqlx::query_scalar("SELECT size FROM audit_head WHERE id = 1")
                    .fetch_one(&mut *self)
                    .await?;
                u64::try_from(size).map_err(|_| corrupt("audit_head.size", size))
            }

            async fn case_actors(&mut self, case: CaseId, action: &str) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT DISTINCT actor FROM audit_events WHERE case_id = $1 AND action = $2",
                )
                .bind(case.to_string())
                .bind(action)
                .fetch_all(&mut *self)
                .await?)
            }

            async fn audit_events(&mut self, from: u64, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
                let from = i64::try_from(from).unwrap_or(i64::MAX);
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let rows = sqlx::query(
                    "SELECT idx, at, actor, action, case_id, entry FROM audit_events \
                     WHERE idx >= $1 ORDER BY idx LIMIT $2",
                )
                .bind(from)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| event_from_row!(row)).collect()
            }

            async fn case_events(
                &mut self,
                case: CaseId,
                after: Option<u64>,
                limit: u32,
            ) -> Result<Vec<StoredEvent>, StoreError> {
                // `audit_events_by_case` (case_id, idx): one range, whatever the log's size.
                let rows = sqlx::query(
                    "SELECT idx, at, actor, action, case_id, entry FROM audit_events \
                     WHERE case_id = $1 AND idx > $2 ORDER BY idx LIMIT $3",
                )
                .bind(case.to_string())
                .bind(after.map_or(-1, |a| i64::try_from(a).unwrap_or(i64::MAX)))
                .bind(i64::from(limit))
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| event_from_row!(row)).collect()
            }

            async fn stored_hash(&mut self, index: u64) -> Result<Option<Hash>, StoreError> {
                let bytes: Option<Vec<u8>> = sqlx::query_scalar("SELECT hash FROM audit_hashes WHERE idx = $1")
                    .bind(db_index(index)?)
                    .fetch_optional(&mut *self)
                    .await?;
                bytes.map(|b| hash_from(&b, "audit_hashes.hash")).transpose()
            }

            async fn stored_hashes(&mut self, from: u64, limit: u64) -> Result<Vec<(u64, Hash)>, StoreError> {
                let rows = sqlx::query("SELECT idx, hash FROM audit_hashes WHERE idx >= $1 ORDER BY idx LIMIT $2")
                    .bind(db_index(from)?)
                    .bind(db_index(limit)?)
                    .fetch_all(&mut *self)
                    .await?;
                rows.into_iter()
                    .map(|row| {
                        let index: i64 = row.try_get("idx")?;
                        let bytes: Vec<u8> = row.try_get("hash")?;
                        let index = u64::try_from(index).map_err(|_| corrupt("audit_hashes.idx", index))?;
                        Ok((index, hash_from(&bytes, "audit_hashes.hash")?))
                    })
                    .collect()
            }

            async fn insert_checkpoint(&mut self, checkpoint: &SignedCheckpoint, at: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO audit_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (size) DO NOTHING",
                )
                .bind(db_index(checkpoint.size)?)
                .bind(checkpoint.root.0.as_slice())
                .bind(&checkpoint.note)
                .bind(DbTime(at))
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn checkpoints(&mut self, latest: bool) -> Result<Vec<StoredCheckpoint>, StoreError> {
                let query = if latest {
                    "SELECT size, root, note, signed_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1"
                } else {
                    "SELECT size, root, note, signed_at FROM audit_checkpoints ORDER BY size"
                };
                let rows = sqlx::query(query).fetch_all(&mut *self).await?;
                rows.into_iter()
                    .map(|row| {
                        let size: i64 = row.try_get("size")?;
                        let root: Vec<u8> = row.try_get("root")?;
                        Ok(StoredCheckpoint {
                            size: u64::try_from(size).map_err(|_| corrupt("audit_checkpoints.size", size))?,
                            root: hash_from(&root, "audit_checkpoints.root")?,
                            note: row.try_get("note")?,
                            signed_at: row.try_get::<DbTime, _>("signed_at")?.0,
                        })
                    })
                    .collect()
            }

            async fn insert_agency(&mut self, agency: &Agency) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO agencies (id, name, country, email_domains, callback_phone, age_recipient, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(agency.id.as_str())
                .bind(&agency.name)
                .bind(agency.country.as_str())
                .bind(serde_json::json!(agency.email_domains).to_string())
                .bind(agency.callback_phone.as_str())
                .bind(agency.age_recipient.as_deref())
                .bind(DbTime(agency.created_at))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn agency(&mut self, id: &AgencyId) -> Result<Option<Agency>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, name, country, email_domains, callback_phone, age_recipient, created_at \
                     FROM agencies WHERE id = $1",
                )
                .bind(id.as_str())
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| agency_from_row!(row)).transpose()
            }

            async fn agencies(&mut self) -> Result<Vec<Agency>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, name, country, email_domains, callback_phone, age_recipient, created_at \
                     FROM agencies ORDER BY id",
                )
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| agency_from_row!(row)).collect()
            }

            async fn insert_user(&mut self, user: &NewUser<'_>, now: Timestamp) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO users (id, username, role, agency_id, password_hash, totp_secret, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(user.id.to_string())
                .bind(user.username.as_str())
                .bind(user.role.as_str())
                .bind(user.agency_id.map(AgencyId::as_str))
                .bind(user.password_hash)
                .bind(user.totp_secret)
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn insert_admin_change(
                &mut self,
                kind: &str,
                subject: &str,
                details: Option<&str>,
                requested_by: UserId,
                now: Timestamp,
            ) -> Result<i64, StoreError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO admin_changes (kind, subject, details, requested_by, requested_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(kind)
                .bind(subject)
                .bind(details)
                .bind(requested_by.to_string())
                .bind(DbTime(now))
                .fetch_one(&mut *self)
                .await?;
                Ok(id)
            }

            async fn await_change(&mut self, user: UserId, change: i64) -> Result<(), StoreError> {
                sqlx::query("UPDATE users SET awaiting_change = $1 WHERE id = $2")
                    .bind(change)
                    .bind(user.to_string())
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn pending_admin_changes(
                &mut self,
                after: i64,
                limit: u32,
            ) -> Result<Vec<AdminChange>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ", admin_change_columns!(),
                    " FROM admin_changes WHERE confirmed_at IS NULL AND id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| admin_change_from_row!(row)).collect()
            }

            async fn user_by_id(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(&mut *self)
                    .await?;
                row.map(|row| user_from_row!(row)).transpose()
            }

            async fn disable_user(&mut self, id: UserId, now: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
                    .bind(DbTime(now))
                    .bind(id.to_string())
                    .execute(&mut *self)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn enable_user(&mut self, id: UserId) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL")
                    .bind(id.to_string())
                    .execute(&mut *self)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn update_agency(&mut self, agency: &Agency) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE agencies SET email_domains = $1, callback_phone = $2, age_recipient = $3 \
                     WHERE id = $4",
                )
                .bind(serde_json::json!(agency.email_domains).to_string())
                .bind(agency.callback_phone.as_str())
                .bind(agency.age_recipient.as_deref())
                .bind(agency.id.as_str())
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn idempotent_case(
                &mut self,
                agency: &AgencyId,
                key: &str,
                since: Timestamp,
            ) -> Result<Option<(String, CaseId)>, StoreError> {
                let row = sqlx::query(
                    "SELECT body_sha256, case_id FROM idempotency_keys \
                     WHERE agency_id = $1 AND key = $2 AND created_at > $3",
                )
                .bind(agency.as_str())
                .bind(key)
                .bind(DbTime(since))
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| {
                    let case: String = row.try_get("case_id")?;
                    let case = CaseId::parse(&case).map_err(|_| corrupt("idempotency_keys.case_id", &case))?;
                    Ok((row.try_get("body_sha256")?, case))
                })
                .transpose()
            }

            async fn insert_idempotency_key(
                &mut self,
                agency: &AgencyId,
                key: &str,
                body_sha256: &str,
                case: CaseId,
                since: Timestamp,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE agency_id = $1 AND key = $2 AND created_at <= $3",
                )
                .bind(agency.as_str())
                .bind(key)
                .bind(DbTime(since))
                .execute(&mut *self)
                .await?;
                sqlx::query(
                    "INSERT INTO idempotency_keys (agency_id, key, body_sha256, case_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(agency.as_str())
                .bind(key)
                .bind(body_sha256)
                .bind(case.to_string())
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn admin_change(&mut self, id: i64) -> Result<Option<AdminChange>, StoreError> {
                let row = sqlx::query(concat!(
                    "SELECT ", admin_change_columns!(), " FROM admin_changes WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| admin_change_from_row!(row)).transpose()
            }

            async fn confirm_admin_change(&mut self, id: i64, by: UserId, now: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE admin_changes SET confirmed_by = $1, confirmed_at = $2 \
                     WHERE id = $3 AND confirmed_at IS NULL",
                )
                .bind(by.to_string())
                .bind(DbTime(now))
                .bind(id)
                .execute(&mut *self)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query("UPDATE users SET awaiting_change = NULL WHERE awaiting_change = $1")
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(true)
            }

            async fn user_by_name(&mut self, username: &Username) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.username = $1"))
                    .bind(username.as_str())
                    .fetch_optional(&mut *self)
                    .await?;
                row.map(|row| user_from_row!(row)).transpose()
            }

            async fn user_by_token(&mut self, token_hash: &str) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(concat!(
                    "SELECT ", user_columns!(),
                    " FROM api_tokens t JOIN users u ON u.id = t.user_id \
                      WHERE t.token_hash = $1 AND u.awaiting_change IS NULL AND u.disabled_at IS NULL"
                ))
                .bind(token_hash)
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| user_from_row!(row)).transpose()
            }

            async fn user_by_session(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(concat!(
                    "SELECT ", user_columns!(),
                    " FROM sessions s JOIN users u ON u.id = s.user_id \
                      WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.awaiting_change IS NULL \
                      AND u.disabled_at IS NULL"
                ))
                .bind(token_hash)
                .bind(DbTime(now))
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| user_from_row!(row)).transpose()
            }

            async fn totp_secrets(&mut self) -> Result<Vec<(UserId, String)>, StoreError> {
                let rows = sqlx::query("SELECT id, totp_secret FROM users ORDER BY id")
                    .fetch_all(&mut *self)
                    .await?;
                rows.into_iter()
                    .map(|row| {
                        let id: String = row.try_get("id")?;
                        let user = UserId::parse(&id).ok_or_else(|| corrupt("users.id", &id))?;
                        Ok((user, row.try_get("totp_secret")?))
                    })
                    .collect()
            }

            async fn replace_totp_secret(&mut self, user: UserId, old: &str, new: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
                    .bind(new)
                    .bind(user.to_string())
                    .bind(old)
                    .execute(&mut *self)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn advance_totp_step(&mut self, user: UserId, step: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE users SET totp_last_step = $1 \
                     WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
                )
                .bind(step)
                .bind(user.to_string())
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_token(&mut self, token_hash: &str, user: UserId, name: &str, now: Timestamp) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(user.to_string())
                    .bind(name)
                    .bind(DbTime(now))
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn insert_session(&mut self, token_hash: &str, user: UserId, now: Timestamp, expires: Timestamp) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(user.to_string())
                    .bind(DbTime(now))
                    .bind(DbTime(expires))
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn delete_session(&mut self, token_hash: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *self)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_case_fields(&mut self, update: &CaseUpdate) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE cases SET recommendation = COALESCE($1, recommendation), \
                     scope = COALESCE($2, scope), rejection_reason = COALESCE($3, rejection_reason), \
                     counsel = COALESCE($5, counsel), approval = COALESCE($6, approval), \
                     assignee = COALESCE($7, assignee) WHERE id = $4",
                )
                .bind(json_text(update.recommendation.as_ref(), "cases.recommendation")?)
                .bind(json_text(update.scope.as_ref(), "cases.scope")?)
                .bind(update.rejection_reason.as_deref())
                .bind(update.case_id.to_string())
                .bind(json_text(update.counsel.as_ref(), "cases.counsel")?)
                .bind(json_text(update.approval.as_ref(), "cases.approval")?)
                .bind(update.assign.map(|user| user.to_string()))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn insert_message(&mut self, case: CaseId, message: &Message) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO case_messages (case_id, author, from_authority, body, at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(case.to_string())
                .bind(message.author.to_string())
                .bind(message.from_authority)
                .bind(&message.body)
                .bind(DbTime(message.at))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn insert_callback(&mut self, case: CaseId, callback: &Callback) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO callbacks (case_id, caller, number, called_at, outcome, notes) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(case.to_string())
                .bind(callback.caller.to_string())
                .bind(&callback.number)
                .bind(DbTime(callback.called_at))
                .bind(callback.outcome.as_str())
                .bind(&callback.notes)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn insert_notice(&mut self, case: CaseId, notice: &Notice) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO notices (case_id, recipient, address, state, subject, body, created_at, \
                     body_html, not_before, hold_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(case.to_string())
                .bind(notice.recipient.as_str())
                .bind(&notice.address)
                .bind(notice.state.as_str())
                .bind(&notice.subject)
                .bind(&notice.body)
                .bind(DbTime(notice.created_at))
                .bind(&notice.body_html)
                .bind(notice.not_before.map(DbTime))
                .bind(&notice.hold_reason)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn insert_gate_clearance(&mut self, case: CaseId, clearance: &GateClearance) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "INSERT INTO gate_clearances (case_id, code, reason, cleared_by, cleared_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, code) DO NOTHING",
                )
                .bind(case.to_string())
                .bind(clearance.code.as_str())
                .bind(&clearance.reason)
                .bind(clearance.cleared_by.to_string())
                .bind(DbTime(clearance.cleared_at))
                .execute(&mut *self)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(case));
                }
                Ok(())
            }

            async fn gate_clearances(&mut self, case: CaseId) -> Result<Vec<GateClearance>, StoreError> {
                let rows = sqlx::query(
                    "SELECT code, reason, cleared_by, cleared_at FROM gate_clearances \
                     WHERE case_id = $1 ORDER BY cleared_at, code",
                )
                .bind(case.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let code: String = row.try_get("code")?;
                        let by: String = row.try_get("cleared_by")?;
                        Ok(GateClearance {
                            code: serde_json::from_value(serde_json::Value::String(code.clone()))
                                .map_err(|_| corrupt("gate_clearances.code", &code))?,
                            reason: row.try_get("reason")?,
                            cleared_by: actor_column(&by, "gate_clearances.cleared_by")?,
                            cleared_at: row.try_get::<DbTime, _>("cleared_at")?.0,
                        })
                    })
                    .collect()
            }

            async fn insert_enforcing_authority(&mut self, case: CaseId, answer: &EnforcingAuthorityAnswer) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "INSERT INTO enforcing_authority_answers \
                     (case_id, outcome, reason, answered_by, answered_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id) DO NOTHING",
                )
                .bind(case.to_string())
                .bind(answer.outcome.as_str())
                .bind(&answer.reason)
                .bind(answer.answered_by.to_string())
                .bind(DbTime(answer.answered_at))
                .execute(&mut *self)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(case));
                }
                Ok(())
            }

            async fn enforcing_authority_answer(&mut self, case: CaseId) -> Result<Option<EnforcingAuthorityAnswer>, StoreError> {
                let row = sqlx::query(
                    "SELECT outcome, reason, answered_by, answered_at \
                     FROM enforcing_authority_answers WHERE case_id = $1",
                )
                .bind(case.to_string())
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| {
                    let outcome: String = row.try_get("outcome")?;
                    let by: String = row.try_get("answered_by")?;
                    Ok(EnforcingAuthorityAnswer {
                        outcome: EnforcingAuthorityOutcome::parse(&outcome)
                            .ok_or_else(|| corrupt("enforcing_authority_answers.outcome", &outcome))?,
                        reason: row.try_get("reason")?,
                        answered_by: actor_column(&by, "enforcing_authority_answers.answered_by")?,
                        answered_at: row.try_get::<DbTime, _>("answered_at")?.0,
                    })
                })
                .transpose()
            }

            async fn insert_form3(&mut self, case: CaseId, form3: &Form3Reply) -> Result<(), StoreError> {
                let reasons: Vec<&str> = form3.reasons.iter().map(|r| r.as_str()).collect();
                let done = sqlx::query(
                    "INSERT INTO form3_replies \
                     (case_id, reasons, explanation, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id) DO NOTHING",
                )
                .bind(case.to_string())
                .bind(reasons.join(","))
                .bind(&form3.explanation)
                .bind(form3.recorded_by.to_string())
                .bind(DbTime(form3.recorded_at))
                .execute(&mut *self)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(case));
                }
                Ok(())
            }

            async fn form3(&mut self, case: CaseId) -> Result<Option<Form3Reply>, StoreError> {
                let row = sqlx::query(
                    "SELECT reasons, explanation, recorded_by, recorded_at \
                     FROM form3_replies WHERE case_id = $1",
                )
                .bind(case.to_string())
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| {
                    let reasons: String = row.try_get("reasons")?;
                    let by: String = row.try_get("recorded_by")?;
                    Ok(Form3Reply {
                        reasons: reasons
                            .split(',')
                            .map(|r| {
                                Form3Reason::parse(r)
                                    .ok_or_else(|| corrupt("form3_replies.reasons", &reasons))
                            })
                            .collect::<Result<_, _>>()?,
                        explanation: row.try_get("explanation")?,
                        recorded_by: actor_column(&by, "form3_replies.recorded_by")?,
                        recorded_at: row.try_get::<DbTime, _>("recorded_at")?.0,
                    })
                })
                .transpose()
            }

            async fn messages(&mut self, case: CaseId) -> Result<Vec<Message>, StoreError> {
                let rows = sqlx::query(
                    "SELECT author, from_authority, body, at FROM case_messages WHERE case_id = $1 ORDER BY id",
                )
                .bind(case.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let author: String = row.try_get("author")?;
                        Ok(Message {
                            author: actor_column(&author, "case_messages.author")?,
                            from_authority: row.try_get("from_authority")?,
                            body: row.try_get("body")?,
                            at: row.try_get::<DbTime, _>("at")?.0,
                        })
                    })
                    .collect()
            }

            async fn callbacks(&mut self, case: CaseId) -> Result<Vec<Callback>, StoreError> {
                let rows = sqlx::query(
                    "SELECT caller, number, called_at, outcome, notes FROM callbacks WHERE case_id = $1 ORDER BY id",
                )
                .bind(case.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let caller: String = row.try_get("caller")?;
                        let outcome: String = row.try_get("outcome")?;
                        Ok(Callback {
                            caller: actor_column(&caller, "callbacks.caller")?,
                            number: row.try_get("number")?,
                            called_at: row.try_get::<DbTime, _>("called_at")?.0,
                            outcome: CallbackOutcome::parse(&outcome)
                                .ok_or_else(|| corrupt("callbacks.outcome", &outcome))?,
                            notes: row.try_get("notes")?,
                        })
                    })
                    .collect()
            }

            async fn notices(&mut self, case: CaseId) -> Result<Vec<Notice>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ", notice_columns!(), " FROM notices WHERE case_id = $1 ORDER BY id"
                ))
                .bind(case.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| notice_from_row!(row)).collect()
            }

            async fn insert_document(&mut self, case: CaseId, document: &NewDocument<'_>, now: Timestamp) -> Result<(), StoreError> {
                let size = i64::try_from(document.content.len()).map_err(|_| corrupt("case_documents.size", "too large"))?;
                sqlx::query(
                    "INSERT INTO case_documents (case_id, filename, media_type, sha256, size, content, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(case.to_string())
                .bind(document.filename)
                .bind(document.media_type)
                .bind(document.sha256)
                .bind(size)
                .bind(document.content)
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn documents(&mut self, case: CaseId) -> Result<Vec<DocumentInfo>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, filename, media_type, sha256, size, uploaded_at FROM case_documents \
                     WHERE case_id = $1 ORDER BY id",
                )
                .bind(case.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok(DocumentInfo {
                            id: row.try_get("id")?,
                            filename: row.try_get("filename")?,
                            media_type: row.try_get("media_type")?,
                            sha256: row.try_get("sha256")?,
                            size: row.try_get("size")?,
                            uploaded_at: row.try_get::<DbTime, _>("uploaded_at")?.0,
                        })
                    })
                    .collect()
            }

            async fn document_content(&mut self, case: CaseId, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
                Ok(sqlx::query_scalar("SELECT content FROM case_documents WHERE case_id = $1 AND id = $2")
                    .bind(case.to_string())
                    .bind(id)
                    .fetch_optional(&mut *self)
                    .await?)
            }

            async fn set_credentials(&mut self, user: UserId, password_hash: &str, totp_secret: &str) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $1, totp_secret = $2, totp_last_step = NULL WHERE id = $3",
                )
                .bind(password_hash)
                .bind(totp_secret)
                .bind(user.to_string())
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn count_login_failure(&mut self, user: UserId, until: &(dyn Fn(i32) -> Timestamp + Sync)) -> Result<i32, StoreError> {
                let failures: i32 = sqlx::query_scalar(
                    "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
                )
                .bind(user.to_string())
                .fetch_one(&mut *self)
                .await?;
                sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
                    .bind(DbTime(until(failures)))
                    .bind(user.to_string())
                    .execute(&mut *self)
                    .await?;
                Ok(failures)
            }

            async fn clear_login_failures(&mut self, user: UserId) -> Result<(), StoreError> {
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                    .bind(user.to_string())
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn insert_job(&mut self, job: &NewJob, now: Timestamp) -> Result<JobId, StoreError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id",
                )
                .bind(&job.kind)
                .bind(job.payload.to_string())
                .bind(DbTime(job.run_at))
                .bind(DbTime(now))
                .fetch_one(&mut *self)
                .await?;
                Ok(JobId(id))
            }

            async fn claim_job(
                &mut self,
                worker: &str,
                now: Timestamp,
                until: Timestamp,
            ) -> Result<Option<Job>, StoreError> {
                let row = sqlx::query(concat!(
                    "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
                     WHERE id = (SELECT id FROM jobs WHERE finished_at IS NULL AND run_at <= $3 \
                     AND (locked_until IS NULL OR locked_until <= $3) ORDER BY run_at, id LIMIT 1 ",
                    $claim_lock,
                    ") RETURNING id, kind, payload, run_at, attempts"
                ))
                .bind(worker)
                .bind(DbTime(until))
                .bind(DbTime(now))
                .fetch_optional(&mut *self)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let payload: String = row.try_get("payload")?;
                Ok(Some(Job {
                    id: JobId(row.try_get("id")?),
                    kind: row.try_get("kind")?,
                    payload: serde_json::from_str(&payload).map_err(|e| corrupt("jobs.payload", e))?,
                    run_at: row.try_get::<DbTime, _>("run_at")?.0,
                    attempts: row.try_get("attempts")?,
                }))
            }

            async fn finish_job(&mut self, id: JobId, worker: &str, now: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE jobs SET finished_at = $1, locked_by = NULL, locked_until = NULL \
                     WHERE id = $2 AND locked_by = $3 AND finished_at IS NULL",
                )
                .bind(DbTime(now))
                .bind(id.0)
                .bind(worker)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn hurry_jobs(&mut self, kind: &str, now: Timestamp) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE jobs SET run_at = $1 WHERE kind = $2 AND finished_at IS NULL \
                     AND run_at > $1 AND (locked_until IS NULL OR locked_until <= $1)",
                )
                .bind(DbTime(now))
                .bind(kind)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected())
            }

            async fn renew_job(&mut self, id: JobId, worker: &str, until: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE jobs SET locked_until = $1 \
                     WHERE id = $2 AND locked_by = $3 AND finished_at IS NULL",
                )
                .bind(DbTime(until))
                .bind(id.0)
                .bind(worker)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn release_job(
                &mut self,
                id: JobId,
                worker: &str,
                retry_at: Option<Timestamp>,
                error: &str,
                now: Timestamp,
            ) -> Result<bool, StoreError> {
                // No retry time means the job has failed for good: it is finished, with its error.
                let done = sqlx::query(
                    "UPDATE jobs SET locked_by = NULL, locked_until = NULL, last_error = $1, \
                     run_at = COALESCE($2, run_at), \
                     finished_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END \
                     WHERE id = $4 AND locked_by = $5 AND finished_at IS NULL",
                )
                .bind(error)
                .bind(retry_at.map(DbTime))
                .bind(DbTime(now))
                .bind(id.0)
                .bind(worker)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

/// A stored audit event from its row (`idx, at, actor, action, case_id, entry`).
macro_rules! event_from_row {
    ($row:expr) => {{
        let row = $row;
        let index: i64 = row.try_get("idx")?;
        Ok::<_, StoreError>(StoredEvent {
            index: u64::try_from(index).map_err(|_| corrupt("audit_events.idx", index))?,
            at: row.try_get::<DbTime, _>("at")?.0,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            case_id: row.try_get("case_id")?,
            entry: row.try_get("entry")?,
        })
    }};
}

macro_rules! case_from_row {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let state: String = row.try_get("state")?;
        let country: String = row.try_get("authority_country")?;
        let agency: Option<String> = row.try_get("agency_id")?;
        Ok::<_, StoreError>(CaseRecord {
            id: CaseId::parse(&id).map_err(|e| corrupt("cases.id", e))?,
            state: state.parse().map_err(|e| corrupt("cases.state", e))?,
            reference: row.try_get("reference")?,
            authority_country: CountryCode::parse(&country)
                .map_err(|e| corrupt("cases.authority_country", e))?,
            instrument: row.try_get("instrument")?,
            emergency: row.try_get("emergency")?,
            received_at: row.try_get::<DbTime, _>("received_at")?.0,
            deadline: row.try_get::<Option<DbTime>, _>("deadline")?.map(|t| t.0),
            decision: json_column(row.try_get("decision")?, "cases.decision")?,
            opened_at: row.try_get::<DbTime, _>("opened_at")?.0,
            updated_at: row.try_get::<DbTime, _>("updated_at")?.0,
            version: row.try_get("version")?,
            agency_id: agency
                .map(|a| AgencyId::parse(&a).map_err(|e| corrupt("cases.agency_id", e)))
                .transpose()?,
            recommendation: json_column(row.try_get("recommendation")?, "cases.recommendation")?,
            scope: json_column(row.try_get("scope")?, "cases.scope")?,
            rejection_reason: row.try_get("rejection_reason")?,
            counsel: json_column(row.try_get("counsel")?, "cases.counsel")?,
            approval: json_column(row.try_get("approval")?, "cases.approval")?,
            assignee: row
                .try_get::<Option<String>, _>("assignee")?
                .map(|u| UserId::parse(&u).ok_or_else(|| corrupt("cases.assignee", &u)))
                .transpose()?,
            assignee_name: row.try_get("assignee_name")?,
            expires_at: row.try_get::<Option<DbTime>, _>("expires_at")?.map(|t| t.0),
            escalated: row.try_get("escalated")?,
        })
    }};
}
pub(crate) use case_from_row;

macro_rules! user_columns {
    () => {
        "u.id, u.username, u.role, u.agency_id, u.password_hash, u.totp_secret, u.totp_last_step, \
         u.created_at, u.failed_logins, u.locked_until, u.awaiting_change, u.disabled_at"
    };
}

macro_rules! user_from_row {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let username: String = row.try_get("username")?;
        let role: String = row.try_get("role")?;
        let agency: Option<String> = row.try_get("agency_id")?;
        Ok::<_, StoreError>(User {
            id: UserId::parse(&id).ok_or_else(|| corrupt("users.id", &id))?,
            username: Username::parse(&username).map_err(|e| corrupt("users.username", e))?,
            role: role.parse().map_err(|e| corrupt("users.role", e))?,
            agency_id: agency
                .map(|a| AgencyId::parse(&a).map_err(|e| corrupt("users.agency_id", e)))
                .transpose()?,
            password_hash: row.try_get("password_hash")?,
            totp_secret: row.try_get("totp_secret")?,
            totp_last_step: row.try_get("totp_last_step")?,
            created_at: row.try_get::<DbTime, _>("created_at")?.0,
            failed_logins: row.try_get("failed_logins")?,
            locked_until: row
                .try_get::<Option<DbTime>, _>("locked_until")?
                .map(|t| t.0),
            awaiting_change: row.try_get("awaiting_change")?,
            disabled_at: row
                .try_get::<Option<DbTime>, _>("disabled_at")?
                .map(|t| t.0),
        })
    }};
}

macro_rules! admin_change_columns {
    () => {
        "id, kind, subject, details, requested_by, requested_at, confirmed_by, confirmed_at"
    };
}

macro_rules! admin_change_from_row {
    ($row:expr) => {{
        let row = $row;
        let user = |column: &'static str| -> Result<UserId, StoreError> {
            let text: String = row.try_get(column)?;
            UserId::parse(&text).ok_or_else(|| corrupt(column, &text))
        };
        let confirmed_by: Option<String> = row.try_get("confirmed_by")?;
        let details: Option<String> = row.try_get("details")?;
        Ok::<_, StoreError>(AdminChange {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            subject: row.try_get("subject")?,
            details: details
                .map(|text| serde_json::from_str(&text).map_err(|_| corrupt("details", &text)))
                .transpose()?,
            requested_by: user("requested_by")?,
            requested_at: row.try_get::<DbTime, _>("requested_at")?.0,
            confirmed_by: confirmed_by
                .map(|t| UserId::parse(&t).ok_or_else(|| corrupt("confirmed_by", &t)))
                .transpose()?,
            confirmed_at: row
                .try_get::<Option<DbTime>, _>("confirmed_at")?
                .map(|t| t.0),
        })
    }};
}

macro_rules! agency_from_row {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let country: String = row.try_get("country")?;
        let domains: String = row.try_get("email_domains")?;
        let phone: String = row.try_get("callback_phone")?;
        Ok::<_, StoreError>(Agency {
            id: AgencyId::parse(&id).map_err(|e| corrupt("agencies.id", e))?,
            name: row.try_get("name")?,
            country: CountryCode::parse(&country).map_err(|e| corrupt("agencies.country", e))?,
            email_domains: serde_json::from_str(&domains)
                .map_err(|e| corrupt("agencies.email_domains", e))?,
            callback_phone: PhoneNumber::parse(&phone)
                .map_err(|e| corrupt("agencies.callback_phone", e))?,
            age_recipient: row.try_get("age_recipient")?,
            created_at: row.try_get::<DbTime, _>("created_at")?.0,
        })
    }};
}

/// A JSON column decoded as the type writ wrote it from; a row that does not decode is
/// corrupt, and no caller sees it half-read.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    text: Option<String>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| corrupt(what, e))
}

/// A value as its JSON column's text.
pub(crate) fn json_text<T: serde::Serialize>(
    value: Option<&T>,
    what: &str,
) -> Result<Option<String>, StoreError> {
    value
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| corrupt(what, e))
}

fn actor_column(text: &str, what: &str) -> Result<Actor, StoreError> {
    text.parse().map_err(|e| corrupt(what, e))
}

// SQLite serialises writers, so the plain subquery is enough there; PostgreSQL workers
// skip rows another worker is claiming instead of queueing behind it.
queries_for!(SqliteConnection, claim_lock = "");
queries_for!(PgConnection, claim_lock = "FOR UPDATE SKIP LOCKED");
