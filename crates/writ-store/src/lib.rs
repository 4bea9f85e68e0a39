//! writ's storage port.
//!
//! One [`Store`] with two backends behind it: SQLite (a file in the data directory,
//! zero set-up, the default) and PostgreSQL (several writ processes on one database),
//! chosen by the database URL. The SQL is written once (`queries.rs`); one conformance
//! suite (`tests/conformance.rs`) runs against both. Every change that writes more
//! than one row does so in one transaction, and every state change writes its audit
//! event in that same transaction: if the audit write fails, the change does not happen.

mod db_time;
mod location;
mod queries;
mod records;
mod secrets;
#[cfg(feature = "testing")]
pub mod testing;
mod verify;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use writ_core::{
    Actor, AgencyId, AuditEntry, CaseId, CaseState, IllegalTransition, Timestamp, UserId, Username,
};

pub use location::DatabaseLocation;
use queries::{Queries, resolve};
pub use records::{
    AdminChange, Agency, AgencyChange, Callback, CaseRecord, CaseUpdate, DocumentInfo,
    EnforcingAuthorityAnswer, Form3Reply, GateClearance, Job, JobId, Message, NewCase, NewDocument,
    NewJob, NewUser, Notice, NoticeRecipient, NoticeState, StoredCheckpoint, StoredEvent,
    Transition, User,
};
pub use secrets::SecretsKey;
pub use verify::Verification;

/// Refuses `agency`'s e-mail domains when another agency has one of them.
async fn domains_free(tx: &mut impl Queries, agency: &Agency) -> Result<(), StoreError> {
    for other in tx.agencies().await? {
        if other.id == agency.id {
            continue;
        }
        if let Some(domain) = agency
            .email_domains
            .iter()
            .find(|d| other.email_domains.contains(d))
        {
            return Err(StoreError::DomainTaken {
                domain: domain.clone(),
                agency: other.id,
            });
        }
    }
    Ok(())
}

/// The key of an authority's list after `received_at` and `id` (its last case).
fn agency_cursor(received_at: Timestamp, id: CaseId) -> String {
    format!("{received_at}|{id}")
}

/// Reads back a key [`Store::cases_of_agency`] gave as its page's `next`.
pub fn parse_agency_cursor(text: &str) -> Option<(Timestamp, CaseId)> {
    let (received, id) = text.split_once('|')?;
    Some((Timestamp::parse(received).ok()?, CaseId::parse(id).ok()?))
}

/// How long an idempotency key finds its case.
pub const IDEMPOTENCY_HOURS: i64 = 24;

/// A client's `Idempotency-Key` and the SHA-256 (hex) of the body it came with.
#[derive(Clone, Copy, Debug)]
pub struct IdempotencyKey<'a> {
    pub key: &'a str,
    pub body_sha256: &'a str,
}

/// What [`Store::open_case_once`] did.
#[derive(Clone, Debug)]
pub enum Opened {
    /// Opened the case.
    New(CaseRecord),
    /// The key opened this case before, from the same body.
    Before(CaseRecord),
    /// The key opened a case before, from another body.
    KeyReused,
}
use writ_ledger::{Hash, Known, SignedCheckpoint};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("case {0} was changed by someone else meanwhile; reload it and try again")]
    Conflict(CaseId),
    #[error("invalid database URL {0}")]
    InvalidUrl(String),
    #[error(
        "database file {0} does not exist; writ will not create an empty database for a path \
         that may be mistyped (check the path, or add ?mode=rwc to the URL to create it)"
    )]
    MissingDatabase(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migrating the database schema")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not what writ wrote: {0}")]
    Corrupt(String),
    #[error("{0}")]
    OutOfRange(String),
    #[error("audit ledger: {0}")]
    Ledger(#[from] writ_ledger::LedgerError),
    /// A transparency report that cannot be published now (the period is not over,
    /// or nothing changed since its last version).
    #[error("{0}")]
    Unpublishable(String),
    #[error("a background task failed: {0}")]
    Task(String),
    #[error("TOTP secrets: {0}")]
    Secrets(String),
    /// A batch of past cases was prepared to follow audit event {0}, but the log has
    /// grown since (something else appended during a bulk load).
    #[error("the audit log moved on while past cases were prepared to start at its event {0}")]
    AuditLogMoved(u64),
    /// An e-mail domain names one authority: a second claim would let its accounts
    /// pass for the first's.
    #[error("the e-mail domain {domain} belongs to agency {agency}")]
    DomainTaken { domain: String, agency: AgencyId },
}

impl StoreError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store. Cheap to clone: clones share the connection pools.
#[derive(Clone, Debug)]
pub struct Store {
    /// Writes, and reads inside a write's transaction.
    pool: Pool,
    /// Reads on their own connections, so a long read never holds a writer's: on
    /// SQLite read-only connections beside the writer, on PostgreSQL a pool whose
    /// statements time out.
    reads: Pool,
    /// What TOTP secrets are sealed with ([`Store::with_secrets_key`]). Without it (a
    /// tool that never signs anyone in) secrets are stored as given, and `writ serve`
    /// seals them when it next starts.
    secrets: Option<SecretsKey>,
}

/// The longest a read may run on PostgreSQL before it is cancelled.
const READ_TIMEOUT: &str = "30s";
/// The same bound for SQLite's heavy reads (the report's aggregation), which it
/// interrupts (SQLite has no statement timeout).
const SQLITE_READ_LIMIT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$tx`, a transaction on whichever backend the store has, and commits
/// it when `$body` completes; an early return with `?` rolls everything back.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:block) => {
        match &$store.pool {
            Pool::Sqlite(pool) => {
                // IMMEDIATE takes the write lock up front, so two writers queue on the
                // busy timeout instead of failing when a read lock cannot be upgraded.
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Opens `$case` on `$tx`, an open transaction: the case, its targets, its gag, its
/// documents, `$jobs` and the audit event `$opened`, and its summary for the report.
macro_rules! insert_case {
    ($tx:ident, $case:expr, $jobs:expr, $opened:expr, $now:expr) => {{
        let case: &NewCase<'_> = $case;
        let now: Timestamp = $now;
        $tx.insert_case(case, now).await?;
        $tx.insert_targets(case.id, &$crate::queue::target_values(case.demand))
            .await?;
        // Every non-disclosure order goes into the gag register as it arrives.
        if let Some(gag) = &case.demand.instrument.nondisclosure {
            let until = match gag.term {
                writ_core::demand::GagTerm::Until(until) => Some(until),
                writ_core::demand::GagTerm::Indefinite => None,
            };
            $tx.insert_gag(case.id, gag.basis.as_deref(), until, now)
                .await?;
        }
        for document in case.documents {
            $tx.insert_document(case.id, document, now).await?;
        }
        for job in $jobs {
            $tx.insert_job(job, now).await?;
        }
        $tx.append_audit($opened, &mut writ_ledger::Known::new())
            .await?;
        let record = $tx
            .case(case.id)
            .await?
            .ok_or_else(|| $crate::not_found(case.id))?;
        // The case's transparency secret: its receipt, and its public record's key.
        let secret = writ_report::CaseSecret::generate();
        $tx.insert_summary(
            &$crate::summaries::summarise(&record, case.demand)?,
            &secret,
        )
        .await?;
        Ok::<CaseRecord, StoreError>(record)
    }};
}

/// Applies a [`CaseUpdate`] on `$tx`, an open transaction: the state change, its fields,
/// message, notices, jobs and audit event; `Err` (the caller rolls back) if the case
/// changed since it was read. `update_case` runs it alone; an HI-1 message with other
/// changes runs it in its own transaction.
macro_rules! apply_update {
    ($tx:ident, $update:expr) => {{
        let update: &CaseUpdate = $update;
        let case = $tx
            .case(update.case_id)
            .await?
            .ok_or_else(|| $crate::not_found(update.case_id))?;
        if case.version != update.expect_version {
            return Err(StoreError::Conflict(case.id));
        }
        let mut state = case.state;
        for event in &update.events {
            state = state.after(*event)?;
        }
        if !$tx
            .set_state(case.id, case.version, state, update.at)
            .await?
        {
            return Err(StoreError::Conflict(case.id));
        }
        $tx.set_case_fields(update).await?;
        if let Some(body) = &update.message {
            let message = $crate::records::Message {
                author: update.actor.clone(),
                from_authority: matches!(update.actor, Actor::Agency(_)),
                body: body.clone(),
                at: update.at,
            };
            $tx.insert_message(case.id, &message).await?;
        }
        if let Some(callback) = &update.callback {
            $tx.insert_callback(case.id, callback).await?;
        }
        if let Some(clearance) = &update.gate_clearance {
            $tx.insert_gate_clearance(case.id, clearance).await?;
        }
        if let Some(answer) = &update.enforcing_authority {
            $tx.insert_enforcing_authority(case.id, answer).await?;
        }
        if let Some(form3) = &update.form3 {
            $tx.insert_form3(case.id, form3).await?;
        }
        for notice in &update.notices {
            $tx.insert_notice(case.id, notice).await?;
        }
        if let Some(change) = &update.production {
            $tx.apply_production(case.id, change, update.at).await?;
        }
        for job in &update.jobs {
            $tx.insert_job(job, update.at).await?;
        }
        for hold in &update.holds {
            $tx.insert_hold(case.id, hold, update.at).await?;
        }
        let entry = AuditEntry::new(update.at, update.actor.clone(), update.action.clone())
            .for_case(case.id)
            .with_details(serde_json::json!({
                "from": case.state,
                "to": state,
                "details": update.details,
            }));
        $tx.append_audit(&entry, &mut writ_ledger::Known::new()).await?;
        if update.cancel_notices {
            for notice in $tx.notices(case.id).await? {
                if notice.state.is_unsent()
                    && $tx
                        .set_notice_state(
                            notice.id,
                            notice.state,
                            $crate::records::NoticeState::Cancelled,
                            update.at,
                            None,
                        )
                        .await?
                {
                    let entry =
                        AuditEntry::new(update.at, update.actor.clone(), "notice.cancelled")
                            .for_case(case.id)
                            .with_details(serde_json::json!({
                                "notice": notice.id,
                                "was": notice.state,
                                "recipient": notice.recipient,
                                "address": notice.address,
                            }));
                    $tx.append_audit(&entry, &mut writ_ledger::Known::new()).await?;
                }
            }
        }
        let record = $tx.case(case.id).await?.ok_or_else(|| $crate::not_found(case.id))?;
        $tx.refresh_summary(&record).await?;
        Ok::<CaseRecord, StoreError>(record)
    }};
}

/// Runs `$body` with `$conn`, a connection of the read pool.
macro_rules! with_connection {
    ($store:expr, |$conn:ident| $body:block) => {
        match &$store.reads {
            Pool::Sqlite(pool) => {
                let mut $conn = pool.acquire().await?;
                $body
            }
            Pool::Postgres(pool) => {
                let mut $conn = pool.acquire().await?;
                $body
            }
        }
    };
}

mod notices;
use notices::NoticeQueries;
pub use notices::{Escalation, Gag, GagChange, Hold, NewHold};
mod productions;
use productions::ProductionQueries;
pub use productions::{Production, ProductionChange, ProductionItem, ProductionState, SealedFile};
mod summaries;
use summaries::SummaryQueries;
mod history;
pub use history::{HistoryLoader, HistoryWriter, PastCase, PreparedHistory};
mod hi1;
pub use hi1::{
    Hi1Answer, Hi1Cancellation, Hi1Case, Hi1Followup, Hi1Kind, Hi1Message, Hi1Object, Hi1Taken,
    NewHi1Object,
};
mod transparency;
pub use transparency::MAX_REASON;
mod queue;
use queue::QueueQueries;
pub use queue::{CasePage, CaseQuery, MAX_PAGE};

impl Store {
    /// Opens (and for writ's own data directory, creates) the database, and brings its
    /// schema up to date. A database written by a newer writ is refused.
    pub async fn open(location: &DatabaseLocation) -> Result<Self, StoreError> {
        let (pool, reads) = match location {
            DatabaseLocation::Sqlite { path, create } => {
                if !path.exists() {
                    if !create {
                        return Err(StoreError::MissingDatabase(path.display().to_string()));
                    }
                    create_private_file(path)?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(*create)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: a committed audit event survives a power cut, not only a crash.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                // SQLite has one writer at a time; more connections only wait for it.
                let pool = SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(options.clone())
                    .await?;
                SQLITE_MIGRATIONS.run(&pool).await?;
                let reads = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options.read_only(true))
                    .await?;
                (Pool::Sqlite(pool), Pool::Sqlite(reads))
            }
            DatabaseLocation::Postgres(url) => {
                let options = PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .max_connections(12)
                    .connect_with(options.clone())
                    .await?;
                POSTGRES_MIGRATIONS.run(&pool).await?;
                let reads = PgPoolOptions::new()
                    .max_connections(8)
                    .connect_with(options.options([("statement_timeout", READ_TIMEOUT)]))
                    .await?;
                (Pool::Postgres(pool), Pool::Postgres(reads))
            }
        };
        tracing::info!(database = %location, "store open");
        let store = Self {
            pool,
            reads,
            secrets: None,
        };
        store.end_bulk_load().await?;
        store.summarise_older_cases().await?;
        store.give_older_cases_secrets().await?;
        Ok(store)
    }

    /// The store, sealing TOTP secrets with `key` from now on and opening them when it
    /// reads a user. Call [`Store::seal_plaintext_secrets`] next, at start.
    pub fn with_secrets_key(mut self, key: SecretsKey) -> Self {
        self.secrets = Some(key);
        self
    }

    /// Seals, with the store's key, every TOTP secret stored in plaintext (by a writ
    /// before secrets were sealed, or a tool without the key), with one
    /// `system.totp_secrets_sealed` audit event in the same transaction; how many it
    /// sealed. It also opens every secret already sealed, so a key file that does not
    /// belong to this database stops writ at start, not at someone's sign-in.
    pub async fn seal_plaintext_secrets(&self, now: Timestamp) -> Result<usize, StoreError> {
        let key = self.secrets.as_ref().ok_or_else(|| {
            StoreError::Secrets("the store was opened without the key to seal them".into())
        })?;
        in_transaction!(self, |tx| {
            let mut sealed = 0;
            for (user, stored) in tx.totp_secrets().await? {
                if secrets::is_sealed(&stored) {
                    key.open(user, &stored)?;
                } else if tx
                    .replace_totp_secret(user, &stored, &key.seal(user, &stored)?)
                    .await?
                {
                    sealed += 1;
                }
            }
            if sealed > 0 {
                let entry = AuditEntry::new(now, Actor::System, "system.totp_secrets_sealed")
                    .with_details(serde_json::json!({"users": sealed}));
                tx.append_audit(&entry, &mut Known::new()).await?;
                tracing::info!(users = sealed, "sealed TOTP secrets stored in plaintext");
            }
            Ok(sealed)
        })
    }

    /// A TOTP secret as the store keeps it: sealed for `user`, when the store has a key.
    fn sealed_secret(&self, user: UserId, secret: &str) -> Result<String, StoreError> {
        match &self.secrets {
            Some(key) => key.seal(user, secret),
            None => Ok(secret.to_owned()),
        }
    }

    /// A user as read, with their TOTP secret opened. A keyed store refuses a secret in
    /// plaintext: writ sealed them all at start, so someone wrote it around writ.
    fn with_opened_secret(&self, user: Option<User>) -> Result<Option<User>, StoreError> {
        let Some(mut user) = user else {
            return Ok(None);
        };
        match (&self.secrets, secrets::is_sealed(&user.totp_secret)) {
            (Some(key), true) => user.totp_secret = key.open(user.id, &user.totp_secret)?,
            (None, false) => {}
            (Some(_), false) => {
                return Err(StoreError::Secrets(format!(
                    "the TOTP secret of {} is stored in plaintext; restart writ to seal it",
                    user.username
                )));
            }
            (None, true) => {
                return Err(StoreError::Secrets(
                    "they are sealed, and this store was opened without their key".into(),
                ));
            }
        }
        Ok(Some(user))
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Waits for open connections to finish and closes them (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        for pool in [&self.reads, &self.pool] {
            match pool {
                Pool::Sqlite(pool) => pool.close().await,
                Pool::Postgres(pool) => pool.close().await,
            }
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_connection!(self, |conn| {
            sqlx::query("SELECT 1").execute(&mut *conn).await?;
            Ok(())
        })
    }

    /// Opens a case for a received demand, with its `case.opened` audit event.
    pub async fn open_case(
        &self,
        case: &NewCase<'_>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<CaseRecord, StoreError> {
        self.open_case_scheduling(case, &[], actor, now).await
    }

    /// As [`open_case`](Self::open_case), queuing `jobs` (its deadline's escalations)
    /// in the same transaction.
    pub async fn open_case_scheduling(
        &self,
        case: &NewCase<'_>,
        jobs: &[NewJob],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<CaseRecord, StoreError> {
        match self.open_case_once(case, jobs, None, actor, now).await? {
            Opened::New(case) | Opened::Before(case) => Ok(case),
            Opened::KeyReused => Err(StoreError::Conflict(case.id)),
        }
    }

    /// As [`open_case_scheduling`](Self::open_case_scheduling), once per idempotency
    /// key: the same key (from the same agency, within 24 hours) with the same body
    /// finds the case the first request opened; with another body, nothing is written.
    /// The key is recorded in the case's transaction, so a request that committed is
    /// found by its retry.
    pub async fn open_case_once(
        &self,
        case: &NewCase<'_>,
        jobs: &[NewJob],
        key: Option<&IdempotencyKey<'_>>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Opened, StoreError> {
        let since = now
            .checked_add(time::Duration::hours(-IDEMPOTENCY_HOURS))
            .unwrap_or(now);
        let opened = opened_entry(case, actor, now);
        in_transaction!(self, |tx| {
            if let (Some(key), Some(agency)) = (key, case.agency_id)
                && let Some((sha256, earlier)) = tx.idempotent_case(agency, key.key, since).await?
            {
                if sha256 != key.body_sha256 {
                    return Ok(Opened::KeyReused);
                }
                let earlier = tx.case(earlier).await?.ok_or_else(|| not_found(earlier))?;
                return Ok(Opened::Before(earlier));
            }
            let record = insert_case!(tx, case, jobs, &opened, now)?;
            if let (Some(key), Some(agency)) = (key, case.agency_id) {
                tx.insert_idempotency_key(agency, key.key, key.body_sha256, case.id, since, now)
                    .await?;
            }
            Ok(Opened::New(record))
        })
    }

    pub async fn case(&self, id: CaseId) -> Result<CaseRecord, StoreError> {
        with_connection!(self, |conn| {
            conn.case(id).await?.ok_or_else(|| not_found(id))
        })
    }

    /// Cases, in queue order (earliest deadline first), optionally only those in `state`.
    pub async fn cases(&self, state: Option<CaseState>) -> Result<Vec<CaseRecord>, StoreError> {
        with_connection!(self, |conn| { conn.cases(state).await })
    }

    /// A page of the cases an authority submitted, newest first, after the key of the
    /// page before (see [`parse_agency_cursor`]).
    pub async fn cases_of_agency(
        &self,
        agency: &AgencyId,
        after: Option<(Timestamp, CaseId)>,
        limit: u32,
    ) -> Result<CasePage, StoreError> {
        with_connection!(self, |conn| {
            conn.cases_of_agency(agency, after, limit).await
        })
    }

    /// The latest case `agency` opened with `reference` (upper or lower case alike),
    /// received after `since`: an earlier case a new demand may repeat.
    pub async fn case_with_reference(
        &self,
        agency: &AgencyId,
        reference: &str,
        since: Timestamp,
    ) -> Result<Option<CaseId>, StoreError> {
        with_connection!(self, |conn| {
            conn.case_with_reference(agency, reference, since).await
        })
    }

    /// The latest demand document of a case, exactly as submitted.
    pub async fn demand_document(&self, id: CaseId) -> Result<String, StoreError> {
        with_connection!(self, |conn| {
            conn.demand_document(id).await?.ok_or_else(|| not_found(id))
        })
    }

    /// Moves a case through the state machine and records who did it and why, in one
    /// transaction. Refused when the state machine forbids it, or when the case changed
    /// since it was read.
    pub async fn transition(&self, step: &Transition) -> Result<CaseRecord, StoreError> {
        let case = self.case(step.case_id).await?;
        let action = format!("case.{}", step.event);
        let mut update = CaseUpdate::new(&case, &action, step.actor.clone(), step.at);
        update.events = vec![step.event];
        update.details = step.details.clone();
        self.update_case(&update).await
    }

    /// One workflow step on a case, all or nothing: its state changes (through the
    /// state machine), the fields it sets, the message, call-back and notices it adds, and
    /// its audit event. Refused if the case changed since `expect_version`.
    pub async fn update_case(&self, update: &CaseUpdate) -> Result<CaseRecord, StoreError> {
        in_transaction!(self, |tx| { apply_update!(tx, update) })
    }

    /// A case's message thread, oldest first.
    pub async fn messages(&self, case: CaseId) -> Result<Vec<Message>, StoreError> {
        with_connection!(self, |conn| { conn.messages(case).await })
    }

    /// The documents that came with a case's demand (without their content).
    pub async fn documents(&self, case: CaseId) -> Result<Vec<DocumentInfo>, StoreError> {
        with_connection!(self, |conn| { conn.documents(case).await })
    }

    pub async fn document_content(&self, case: CaseId, id: i64) -> Result<Vec<u8>, StoreError> {
        with_connection!(self, |conn| {
            conn.document_content(case, id)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "document",
                    id: id.to_string(),
                })
        })
    }

    pub async fn callbacks(&self, case: CaseId) -> Result<Vec<Callback>, StoreError> {
        with_connection!(self, |conn| { conn.callbacks(case).await })
    }

    /// The gates people cleared on a case, in the order they were cleared.
    pub async fn gate_clearances(&self, case: CaseId) -> Result<Vec<GateClearance>, StoreError> {
        with_connection!(self, |conn| { conn.gate_clearances(case).await })
    }

    /// The Form 3 recorded on a case, if any.
    pub async fn form3(&self, case: CaseId) -> Result<Option<Form3Reply>, StoreError> {
        with_connection!(self, |conn| { conn.form3(case).await })
    }

    /// The enforcing authority's answer recorded on a case, if any.
    pub async fn enforcing_authority_answer(
        &self,
        case: CaseId,
    ) -> Result<Option<EnforcingAuthorityAnswer>, StoreError> {
        with_connection!(self, |conn| { conn.enforcing_authority_answer(case).await })
    }

    pub async fn notices(&self, case: CaseId) -> Result<Vec<Notice>, StoreError> {
        with_connection!(self, |conn| { conn.notices(case).await })
    }

    /// Registers an authority, with its audit event.
    pub async fn add_agency(&self, agency: &Agency, actor: &Actor) -> Result<(), StoreError> {
        let entry = AuditEntry::new(agency.created_at, actor.clone(), "agency.added").with_details(
            serde_json::json!({
                "agency": agency.id,
                "name": agency.name,
                "country": agency.country,
                "email_domains": agency.email_domains,
                "callback_phone": agency.callback_phone.as_str(),
            }),
        );
        in_transaction!(self, |tx| {
            // The audit append locks the log's head first, so two registrations that
            // claim one domain check it one after the other.
            tx.append_audit(&entry, &mut Known::new()).await?;
            domains_free(&mut *tx, agency).await?;
            tx.insert_agency(agency).await?;
            Ok(())
        })
    }

    pub async fn agency(&self, id: &AgencyId) -> Result<Agency, StoreError> {
        with_connection!(self, |conn| {
            conn.agency(id).await?.ok_or_else(|| StoreError::NotFound {
                what: "agency",
                id: id.to_string(),
            })
        })
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        with_connection!(self, |conn| { conn.agencies().await })
    }

    /// Adds a person, with an audit event that names them and their role (never their
    /// secrets).
    pub async fn add_user(
        &self,
        user: &NewUser<'_>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let entry =
            AuditEntry::new(now, actor.clone(), "user.added").with_details(serde_json::json!({
                "user": user.id,
                "username": user.username,
                "role": user.role,
                "agency": user.agency_id,
            }));
        let secret = self.sealed_secret(user.id, user.totp_secret)?;
        let user = &NewUser {
            totp_secret: &secret,
            ..user.clone()
        };
        in_transaction!(self, |tx| {
            tx.insert_user(user, now).await?;
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(())
        })
    }

    /// Adds a person who waits for a second admin's confirmation (`admin` asked), with
    /// the `user.added` event naming the change; the change's id.
    pub async fn add_user_awaiting_confirmation(
        &self,
        user: &NewUser<'_>,
        admin: UserId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let secret = self.sealed_secret(user.id, user.totp_secret)?;
        let user = &NewUser {
            totp_secret: &secret,
            ..user.clone()
        };
        in_transaction!(self, |tx| {
            tx.insert_user(user, now).await?;
            let change = tx
                .insert_admin_change("user.added", &user.id.to_string(), None, admin, now)
                .await?;
            tx.await_change(user.id, change).await?;
            let entry =
                AuditEntry::new(now, actor.clone(), "user.added").with_details(serde_json::json!({
                    "user": user.id,
                    "username": user.username,
                    "role": user.role,
                    "agency": user.agency_id,
                    "awaiting_change": change,
                }));
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(change)
        })
    }

    pub async fn admin_change(&self, id: i64) -> Result<AdminChange, StoreError> {
        with_connection!(self, |conn| {
            conn.admin_change(id)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "admin change",
                    id: id.to_string(),
                })
        })
    }

    /// The changes waiting for a second admin after change `after`, oldest first.
    pub async fn pending_admin_changes(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AdminChange>, StoreError> {
        with_connection!(self, |conn| {
            conn.pending_admin_changes(after, limit.clamp(1, MAX_PAGE))
                .await
        })
    }

    /// Asks for a change a second admin must confirm (`kind` on `subject`, setting
    /// `details`), with its `admin_change.requested` event; the change's id.
    pub async fn request_admin_change(
        &self,
        kind: &str,
        subject: &str,
        details: Option<&serde_json::Value>,
        admin: UserId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let text = details.map(serde_json::Value::to_string);
        in_transaction!(self, |tx| {
            let change = tx
                .insert_admin_change(kind, subject, text.as_deref(), admin, now)
                .await?;
            let entry = AuditEntry::new(now, actor.clone(), "admin_change.requested").with_details(
                serde_json::json!({
                    "change": change,
                    "kind": kind,
                    "subject": subject,
                    "details": details,
                }),
            );
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(change)
        })
    }

    /// A second admin (`by`) confirms a change and it takes effect, with its
    /// `admin_change.confirmed` event and the change's own (`user.enabled`,
    /// `agency.changed`), in one transaction; false (and nothing written) if it was
    /// confirmed already. An agency's new domain claimed meanwhile by another agency
    /// refuses the confirmation ([`StoreError::DomainTaken`]).
    pub async fn confirm_admin_change(
        &self,
        id: i64,
        by: UserId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let confirmed = AuditEntry::new(now, actor.clone(), "admin_change.confirmed")
            .with_details(serde_json::json!({"change": id}));
        in_transaction!(self, |tx| {
            // First the audit append, which locks the log's head: confirmations that
            // check one domain run one after the other.
            tx.append_audit(&confirmed, &mut Known::new()).await?;
            let change = tx
                .admin_change(id)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "admin change",
                    id: id.to_string(),
                })?;
            if !tx.confirm_admin_change(id, by, now).await? {
                return Ok(false);
            }
            let corrupt =
                |detail: &str| StoreError::Corrupt(format!("admin change {id}: {detail}"));
            let applied = match change.kind.as_str() {
                "user.added" => None,
                "user.enabled" => {
                    let user = UserId::parse(&change.subject).ok_or_else(|| corrupt("subject"))?;
                    tx.enable_user(user).await?;
                    Some(
                        AuditEntry::new(now, actor.clone(), "user.enabled")
                            .with_details(serde_json::json!({"user": user, "change": id})),
                    )
                }
                "agency.changed" => {
                    let agency_id =
                        AgencyId::parse(&change.subject).map_err(|_| corrupt("subject"))?;
                    let set: AgencyChange = change
                        .details
                        .clone()
                        .map(serde_json::from_value)
                        .transpose()
                        .map_err(|_| corrupt("details"))?
                        .unwrap_or_default();
                    let before =
                        tx.agency(&agency_id)
                            .await?
                            .ok_or_else(|| StoreError::NotFound {
                                what: "agency",
                                id: agency_id.to_string(),
                            })?;
                    let after = set.applied_to(&before)?;
                    domains_free(&mut *tx, &after).await?;
                    tx.update_agency(&after).await?;
                    Some(
                        AuditEntry::new(now, actor.clone(), "agency.changed").with_details(
                            serde_json::json!({"agency": agency_id, "change": id, "set": set}),
                        ),
                    )
                }
                other => return Err(corrupt(&format!("unknown kind {other:?}"))),
            };
            if let Some(entry) = applied {
                tx.append_audit(&entry, &mut Known::new()).await?;
            }
            Ok(true)
        })
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<User, StoreError> {
        let user = with_connection!(self, |conn| { conn.user_by_id(id).await })?;
        self.with_opened_secret(user)?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                id: id.to_string(),
            })
    }

    /// Disables an account at once (its tokens and sessions are refused from the next
    /// request), with its `user.disabled` event; false if it was disabled already.
    pub async fn disable_user(
        &self,
        user: &User,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let entry = AuditEntry::new(now, actor.clone(), "user.disabled")
            .with_details(serde_json::json!({"user": user.id, "username": user.username}));
        in_transaction!(self, |tx| {
            if !tx.disable_user(user.id, now).await? {
                return Ok(false);
            }
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }

    /// Enables a disabled account at once (one that needs no second admin), with its
    /// `user.enabled` event; false if it was not disabled.
    pub async fn enable_user(
        &self,
        user: &User,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let entry = AuditEntry::new(now, actor.clone(), "user.enabled")
            .with_details(serde_json::json!({"user": user.id, "username": user.username}));
        in_transaction!(self, |tx| {
            if !tx.enable_user(user.id).await? {
                return Ok(false);
            }
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }

    /// Replaces a person's password hash and TOTP secret (their old codes stop working).
    pub async fn reset_credentials(
        &self,
        user: &User,
        password_hash: &str,
        totp_secret: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(now, actor.clone(), "user.credentials_reset")
            .with_details(serde_json::json!({"user": user.id, "username": user.username}));
        let totp_secret = &self.sealed_secret(user.id, totp_secret)?;
        in_transaction!(self, |tx| {
            if !tx
                .set_credentials(user.id, password_hash, totp_secret)
                .await?
            {
                return Err(StoreError::NotFound {
                    what: "user",
                    id: user.id.to_string(),
                });
            }
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(())
        })
    }

    pub async fn user_by_name(&self, username: &Username) -> Result<Option<User>, StoreError> {
        let user = with_connection!(self, |conn| { conn.user_by_name(username).await })?;
        self.with_opened_secret(user)
    }

    /// The holder of an API token, by the token's hash.
    pub async fn user_by_token(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let user = with_connection!(self, |conn| { conn.user_by_token(token_hash).await })?;
        self.with_opened_secret(user)
    }

    /// The user of a live session, by the session token's hash.
    pub async fn user_by_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let user = with_connection!(self, |conn| { conn.user_by_session(token_hash, now).await })?;
        self.with_opened_secret(user)
    }

    /// Counts a failed sign-in for `user`, who may not try again before
    /// `until(failures in a row)`; the `audit_after`th failure in a row writes a
    /// `user.throttled` audit event. Returns when the next sign-in may be tried.
    pub async fn count_login_failure(
        &self,
        user: &User,
        audit_after: i32,
        now: Timestamp,
        until: &(dyn Fn(i32) -> Timestamp + Sync),
    ) -> Result<Timestamp, StoreError> {
        in_transaction!(self, |tx| {
            let failures = tx.count_login_failure(user.id, until).await?;
            if failures == audit_after {
                let entry = AuditEntry::new(now, Actor::System, "user.throttled").with_details(
                    serde_json::json!({"user": user.id, "username": user.username, "failed_logins": failures, "until": until(failures)}),
                );
                tx.append_audit(&entry, &mut Known::new()).await?;
            }
            Ok(until(failures))
        })
    }

    /// After a successful sign-in: the count of failures starts again.
    pub async fn clear_login_failures(&self, user: &User) -> Result<(), StoreError> {
        in_transaction!(self, |tx| { tx.clear_login_failures(user.id).await })
    }

    /// Spends a TOTP time step: false if it (or a later one) was already used.
    pub async fn spend_totp_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| { tx.advance_totp_step(user, step).await })
    }

    /// Stores an API token's hash for `user`, with its audit event.
    pub async fn issue_token(
        &self,
        token_hash: &str,
        user: &User,
        name: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(now, actor.clone(), "token.issued").with_details(
            serde_json::json!({"user": user.id, "username": user.username, "name": name}),
        );
        in_transaction!(self, |tx| {
            tx.insert_token(token_hash, user.id, name, now).await?;
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(())
        })
    }

    /// Starts a web session after a login with both factors, with its audit event.
    pub async fn start_session(
        &self,
        token_hash: &str,
        user: &User,
        actor: &Actor,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(now, actor.clone(), "session.started")
            .with_details(serde_json::json!({"user": user.id, "expires_at": expires}));
        in_transaction!(self, |tx| {
            tx.insert_session(token_hash, user.id, now, expires).await?;
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(())
        })
    }

    pub async fn end_session(
        &self,
        token_hash: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(now, actor.clone(), "session.ended");
        in_transaction!(self, |tx| {
            if tx.delete_session(token_hash).await? {
                tx.append_audit(&entry, &mut Known::new()).await?;
            }
            Ok(())
        })
    }

    /// Records an event that changes nothing else (start-up, shutdown, a view of case
    /// data). Returns its leaf index.
    pub async fn record(&self, entry: &AuditEntry) -> Result<u64, StoreError> {
        in_transaction!(self, |tx| {
            tx.append_audit(entry, &mut Known::new()).await
        })
    }

    /// Records several events in one transaction (all or none), in order. Returns the
    /// leaf index of the first.
    pub async fn record_all(&self, entries: &[AuditEntry]) -> Result<u64, StoreError> {
        in_transaction!(self, |tx| {
            let mut first = None;
            let mut known = Known::new();
            for entry in entries {
                let index = tx.append_audit(entry, &mut known).await?;
                first.get_or_insert(index);
            }
            match first {
                Some(index) => Ok(index),
                None => tx.audit_size().await,
            }
        })
    }

    /// How many audit events there are.
    pub async fn audit_size(&self) -> Result<u64, StoreError> {
        with_connection!(self, |conn| { conn.audit_size().await })
    }

    /// Everyone who did `action` (`case.recommended`) on a case, as audit actors
    /// (`staff:rita`), each once: the audit log keeps who a later step superseded.
    pub async fn case_actors(&self, case: CaseId, action: &str) -> Result<Vec<String>, StoreError> {
        with_connection!(self, |conn| { conn.case_actors(case, action).await })
    }

    /// Up to `limit` of `case`'s audit events after leaf index `after` (from the first
    /// when `None`), in index order: the case's history, a page at a time.
    pub async fn case_events(
        &self,
        case: CaseId,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        with_connection!(self, |conn| { conn.case_events(case, after, limit).await })
    }

    /// Up to `limit` audit events from leaf index `from` on, in index order.
    pub async fn audit_events(
        &self,
        from: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        with_connection!(self, |conn| { conn.audit_events(from, limit).await })
    }

    /// The audit log's size and Merkle root, read together.
    pub async fn tree_head(&self) -> Result<(u64, Hash), StoreError> {
        with_connection!(self, |conn| {
            let size = conn.audit_size().await?;
            let root = resolve(&mut *conn, &mut Known::new(), |known| {
                writ_ledger::tree_hash(size, known)
            })
            .await?;
            Ok((size, root))
        })
    }

    /// The Merkle root of the first `size` audit events.
    pub async fn tree_hash(&self, size: u64) -> Result<Hash, StoreError> {
        with_connection!(self, |conn| {
            within_log(size, conn.audit_size().await?, "size")?;
            resolve(&mut *conn, &mut Known::new(), |known| {
                writ_ledger::tree_hash(size, known)
            })
            .await
        })
    }

    /// The proof that event `index` is in the tree of the first `size` events.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        if index >= size {
            return Err(StoreError::OutOfRange(format!(
                "index {index} is not below size {size}"
            )));
        }
        with_connection!(self, |conn| {
            within_log(size, conn.audit_size().await?, "size")?;
            resolve(&mut *conn, &mut Known::new(), |known| {
                writ_ledger::inclusion_proof(index, size, known)
            })
            .await
        })
    }

    /// The proof that the tree of `to` events extends the tree of `from` events.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        if from == 0 || from > to {
            return Err(StoreError::OutOfRange(format!(
                "need 0 < from ≤ to, got from {from}, to {to}"
            )));
        }
        with_connection!(self, |conn| {
            within_log(to, conn.audit_size().await?, "to")?;
            resolve(&mut *conn, &mut Known::new(), |known| {
                writ_ledger::consistency_proof(from, to, known)
            })
            .await
        })
    }

    /// Up to `limit` stored Merkle-tree hashes from stored-hash index `from` on.
    pub async fn stored_hashes(
        &self,
        from: u64,
        limit: u64,
    ) -> Result<Vec<(u64, Hash)>, StoreError> {
        with_connection!(self, |conn| { conn.stored_hashes(from, limit).await })
    }

    /// Stores a signed checkpoint; false if one of that size was already stored.
    pub async fn save_checkpoint(
        &self,
        checkpoint: &SignedCheckpoint,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| { tx.insert_checkpoint(checkpoint, at).await })
    }

    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        with_connection!(self, |conn| { Ok(conn.checkpoints(true).await?.pop()) })
    }

    /// Every checkpoint, smallest first.
    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        with_connection!(self, |conn| { conn.checkpoints(false).await })
    }

    /// Recomputes the audit log's tree from every event and checks the stored hashes
    /// and every checkpoint against it (signatures by `verifier_key`).
    pub async fn verify_audit_log(&self, verifier_key: &str) -> Result<Verification, StoreError> {
        verify::verify(self, verifier_key).await
    }

    pub async fn enqueue(&self, job: &NewJob, now: Timestamp) -> Result<JobId, StoreError> {
        in_transaction!(self, |tx| { tx.insert_job(job, now).await })
    }

    /// Claims the job that has been due longest, for `lease`; nobody else gets it until
    /// the lease runs out. `None` when nothing is due.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease: time::Duration,
    ) -> Result<Option<Job>, StoreError> {
        let until = now.checked_add(lease).unwrap_or(now);
        in_transaction!(self, |tx| { tx.claim_job(worker, now, until).await })
    }

    /// Marks a claimed job done. False if `worker` no longer holds it (its lease ran out
    /// and another worker took it).
    pub async fn finish_job(
        &self,
        id: JobId,
        worker: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| { tx.finish_job(id, worker, now).await })
    }

    /// Makes the waiting jobs of `kind` (retrying later, or not yet due) due now, unless
    /// a worker holds them: for an operator who runs them by hand (`writ collect`).
    pub async fn hurry_jobs(&self, kind: &str, now: Timestamp) -> Result<u64, StoreError> {
        in_transaction!(self, |tx| { tx.hurry_jobs(kind, now).await })
    }

    /// Keeps a long job (a collection) claimed: its lease runs `lease` from `now` again.
    /// False if `worker` no longer holds it.
    pub async fn renew_job(
        &self,
        id: JobId,
        worker: &str,
        now: Timestamp,
        lease: time::Duration,
    ) -> Result<bool, StoreError> {
        let until = now.checked_add(lease).unwrap_or(now);
        in_transaction!(self, |tx| { tx.renew_job(id, worker, until).await })
    }

    /// Gives a claimed job back after a failure: to run again at `retry_at`, or, with no
    /// retry time, finished as failed. The error is kept either way.
    pub async fn release_job(
        &self,
        id: JobId,
        worker: &str,
        retry_at: Option<Timestamp>,
        error: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| {
            tx.release_job(id, worker, retry_at, error, now).await
        })
    }
}

/// Creates an empty database file readable by writ's user only (SQLite gives its WAL
/// files the same permissions).
fn create_private_file(path: &std::path::Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))
}

fn within_log(size: u64, log_size: u64, name: &str) -> Result<(), StoreError> {
    if size > log_size {
        return Err(StoreError::OutOfRange(format!(
            "{name} {size} is beyond the log, which has {log_size} events"
        )));
    }
    Ok(())
}

/// The `case.opened` audit event of `case`.
pub(crate) fn opened_entry(case: &NewCase<'_>, actor: &Actor, now: Timestamp) -> AuditEntry {
    AuditEntry::new(now, actor.clone(), "case.opened")
        .for_case(case.id)
        .with_details(serde_json::json!({
            "reference": case.demand.reference,
            "authority_country": case.demand.authority.country,
            "instrument": case.demand.instrument.kind,
            "received_at": case.received_at,
            "documents": case.documents.iter()
                .map(|d| serde_json::json!({"filename": d.filename, "sha256": d.sha256}))
                .collect::<Vec<_>>(),
        }))
}

pub(crate) fn not_found(id: CaseId) -> StoreError {
    StoreError::NotFound {
        what: "case",
        id: id.to_string(),
    }
}
