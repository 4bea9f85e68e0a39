//! Past cases written whole, many to a transaction: `writ demo --history` and capacity
//! rehearsals load years of cases this way instead of through the API.
//!
//! Each case goes in with its demand, its summary and its audit events. The events are
//! appended to the one audit log as `append_audit` does (dense indices from
//! `audit_head`, the same Merkle hashes from `writ_ledger`), only a batch per statement,
//! so `writ audit verify` checks them like any other.
//!
//! A batch is prepared ([`HistoryLoader::prepare`]: summaries made, events hashed into
//! the tree, every row's values encoded for its statement) apart from the store, on any
//! thread, while the store writes the batch before ([`Store::import_prepared`]): the
//! writer only runs statements.

use std::sync::Arc;

use sqlx::{PgConnection, Postgres, QueryBuilder, Sqlite, SqliteConnection};
use writ_core::{AuditEntry, Demand};
use writ_ledger::{Known, Needs};
use writ_report::CaseSummary;

use crate::db_time::DbTime;
use crate::queries::{Queries, json_text};
use crate::records::CaseRecord;
use crate::summaries::enum_text;
use crate::{Backend, Pool, Store, StoreError};

/// A case as it stands after its history, with what it was made of.
#[derive(Clone, Debug)]
pub struct PastCase {
    pub case: CaseRecord,
    /// The demand document as submitted.
    pub document: String,
    /// The same, parsed (cases made from one template may share it).
    pub demand: Arc<Demand>,
    /// The identifiers it names, as intake normalised them (search finds it by them).
    pub targets: Vec<String>,
    /// Its audit events, oldest first, each naming the case.
    pub events: Vec<AuditEntry>,
}

/// The tables a history fills: their secondary indexes are dropped for a bulk load and
/// built again after it (one sort each, instead of a random insert per row).
const LOADED_TABLES: &str =
    "('cases', 'demands', 'audit_events', 'case_summaries', 'case_targets')";

/// Rows per multi-row INSERT: well under SQLite's 32,766 parameters and PostgreSQL's
/// 65,535 for the widest row (19 columns).
const ROWS_PER_STATEMENT: usize = 1000;

/// Where the audit log ends, carried from one batch of past cases to the next, so that a
/// batch is prepared without the store. Nothing else may append to the log until the
/// last batch is written (a store not yet served): a batch prepared for a log that has
/// grown meanwhile is refused, and writes nothing.
#[derive(Clone, Debug)]
pub struct HistoryLoader {
    backend: Backend,
    /// The leaf index the next event takes.
    size: u64,
    /// The stored hashes of the log's complete subtrees: all that appending needs.
    frontier: Known,
}

/// An open transaction writing prepared batches of past cases ([`Store::history_writer`]):
/// nothing is written until [`commit`](Self::commit), and dropping it writes nothing.
pub struct HistoryWriter(Transaction);

enum Transaction {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl HistoryWriter {
    /// Writes `batch` (refused if the audit log is not where it was prepared to go).
    pub async fn write(&mut self, batch: PreparedHistory) -> Result<(), StoreError> {
        match &mut self.0 {
            Transaction::Sqlite(tx) => tx.write_history(batch).await,
            Transaction::Postgres(tx) => tx.write_history(batch).await,
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self.0 {
            Transaction::Sqlite(tx) => tx.commit().await?,
            Transaction::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Past cases ready to write: their statements with every value bound, and where in the
/// audit log their events go.
pub struct PreparedHistory {
    cases: usize,
    first: u64,
    events: u64,
    statements: Statements,
}

impl PreparedHistory {
    /// How many cases it writes.
    pub fn cases(&self) -> usize {
        self.cases
    }
}

enum Statements {
    Sqlite(Vec<QueryBuilder<Sqlite>>),
    Postgres(Vec<QueryBuilder<Postgres>>),
}

/// An audit event with its leaf index and canonical bytes.
type IndexedEvent<'a> = (i64, &'a AuditEntry, Vec<u8>);

/// The stored-hash indexes of the complete subtrees of a log of `size` leaves: one per
/// bit set in `size` (bit `l`: the last node at level `l`).
fn frontier_indexes(size: u64) -> impl Iterator<Item = u64> {
    (0..64u8)
        .filter(move |level| (size >> level) & 1 == 1)
        .map(move |level| writ_ledger::stored_hash_index(level, (size >> level) - 1))
}

fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange(what.into()))
}

impl HistoryLoader {
    /// Prepares `cases` (each with its demand, summary and audit events) to be written
    /// next. The summaries are made from each case's record and demand, as when a case
    /// opens and moves; `notified` says which ones told an enterprise customer.
    pub fn prepare(
        &mut self,
        cases: &[PastCase],
        notified: impl Fn(&PastCase) -> bool,
    ) -> Result<PreparedHistory, StoreError> {
        let mut summaries = Vec::with_capacity(cases.len());
        for past in cases {
            let mut summary = crate::summaries::summarise(&past.case, &past.demand)?;
            summary.customer_notified = notified(past);
            summaries.push(summary);
        }
        self.prepare_summarised(cases, &summaries)
    }

    /// As [`prepare`](Self::prepare), with each case's summary given (a test's random
    /// history, where the summary is the point).
    pub fn prepare_summarised(
        &mut self,
        cases: &[PastCase],
        summaries: &[CaseSummary],
    ) -> Result<PreparedHistory, StoreError> {
        let first = self.size;
        let mut known = self.frontier.clone();
        let mut hashes: Vec<(i64, [u8; 32])> = Vec::new();
        let mut events: Vec<IndexedEvent<'_>> = Vec::new();
        for (n, entry) in (first..).zip(cases.iter().flat_map(|c| c.events.iter())) {
            let bytes = entry.canonical_bytes();
            let leaf = writ_ledger::leaf_hash(&bytes);
            let new = match writ_ledger::append_hashes(n, leaf, &known)? {
                Needs::Done(new) => new,
                Needs::Hashes(missing) => {
                    return Err(StoreError::Corrupt(format!(
                        "audit_hashes: the log's end lacks stored hashes {missing:?}"
                    )));
                }
            };
            let at = writ_ledger::stored_hash_index(0, n);
            for (offset, hash) in (0..).zip(new) {
                hashes.push((to_i64(at + offset, "stored hash index")?, hash.0));
                known.insert(at + offset, hash);
            }
            events.push((to_i64(n, "leaf index")?, entry, bytes));
        }
        let count = u64::try_from(events.len())
            .map_err(|_| StoreError::OutOfRange("too many events".into()))?;
        let size = first + count;
        let frontier = frontier_indexes(size)
            .map(|index| {
                known
                    .remove(&index)
                    .map(|hash| (index, hash))
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("audit_hashes: stored hash {index} is missing"))
                    })
            })
            .collect::<Result<Known, StoreError>>()?;
        // In id order, each statement walks the primary keys' B-trees once.
        let mut cases: Vec<&PastCase> = cases.iter().collect();
        cases.sort_by_cached_key(|past| past.case.id.to_string());
        let mut summaries: Vec<&CaseSummary> = summaries.iter().collect();
        summaries.sort_by_cached_key(|summary| summary.id.to_string());
        let statements = match self.backend {
            Backend::Sqlite => {
                Statements::Sqlite(sqlite_statements(&cases, &summaries, events, &hashes)?)
            }
            Backend::Postgres => {
                Statements::Postgres(postgres_statements(&cases, &summaries, events, &hashes)?)
            }
        };
        self.size = size;
        self.frontier = frontier;
        Ok(PreparedHistory {
            cases: cases.len(),
            first,
            events: count,
            statements,
        })
    }
}

/// The multi-row INSERTs that write a batch, every value bound (the same SQL for both
/// backends; each gets its own function, as its arguments are its own type).
macro_rules! statements_for {
    ($name:ident, $database:ty) => {
        fn $name(
            cases: &[&PastCase],
            summaries: &[&CaseSummary],
            events: Vec<IndexedEvent<'_>>,
            hashes: &[(i64, [u8; 32])],
        ) -> Result<Vec<QueryBuilder<$database>>, StoreError> {
            let mut statements = Vec::new();
            for chunk in cases.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO cases (id, state, reference, authority_country, instrument, \
                     emergency, received_at, deadline, decision, opened_at, updated_at, version, \
                     agency_id, recommendation, scope, rejection_reason, queue_key, \
                     reference_key, route) ",
                );
                // The JSON columns as text first: writing them can fail, a row cannot.
                let json: Vec<[Option<String>; 3]> = chunk
                    .iter()
                    .map(|past| {
                        let case = &past.case;
                        Ok([
                            json_text(case.decision.as_ref(), "cases.decision")?,
                            json_text(case.recommendation.as_ref(), "cases.recommendation")?,
                            json_text(case.scope.as_ref(), "cases.scope")?,
                        ])
                    })
                    .collect::<Result<_, StoreError>>()?;
                insert.push_values(chunk.iter().zip(json), |mut row, (past, json)| {
                    let case = &past.case;
                    let [decision, recommendation, scope] = json;
                    row.push_bind(case.id.to_string())
                        .push_bind(case.state.as_str())
                        .push_bind(case.reference.as_str())
                        .push_bind(case.authority_country.as_str())
                        .push_bind(case.instrument.as_str())
                        .push_bind(case.emergency)
                        .push_bind(DbTime(case.received_at))
                        .push_bind(case.deadline.map(DbTime))
                        .push_bind(decision)
                        .push_bind(DbTime(case.opened_at))
                        .push_bind(DbTime(case.updated_at))
                        .push_bind(case.version)
                        .push_bind(case.agency_id.as_ref().map(|a| a.as_str()))
                        .push_bind(recommendation)
                        .push_bind(scope)
                        .push_bind(case.rejection_reason.as_deref())
                        .push_bind(crate::queue::queue_key(
                            case.emergency,
                            case.deadline,
                            case.received_at,
                            case.id,
                        ))
                        .push_bind(case.reference.to_lowercase())
                        .push_bind(crate::queue::route_of(case.decision.as_ref()));
                });
                statements.push(insert);

                let mut insert =
                    QueryBuilder::new("INSERT INTO demands (case_id, submitted_at, document) ");
                insert.push_values(chunk, |mut row, past| {
                    row.push_bind(past.case.id.to_string())
                        .push_bind(DbTime(past.case.opened_at))
                        .push_bind(past.document.as_str());
                });
                statements.push(insert);

                let targets: Vec<(&str, &PastCase)> = chunk
                    .iter()
                    .flat_map(|past| past.targets.iter().map(|t| (t.as_str(), *past)))
                    .collect();
                if !targets.is_empty() {
                    let mut insert = QueryBuilder::new("INSERT INTO case_targets (value, case_id) ");
                    insert.push_values(targets, |mut row, (value, past)| {
                        row.push_bind(value).push_bind(past.case.id.to_string());
                    });
                    statements.push(insert);
                }
            }
            for chunk in summaries.chunks(ROWS_PER_STATEMENT) {
                if let Some(bad) = chunk
                    .iter()
                    .find(|summary| writ_report::HalfYear::containing(summary.received_at).is_none())
                {
                    return Err(StoreError::OutOfRange(format!("case {}: received_at", bad.id)));
                }
                let mut insert = QueryBuilder::new(
                    "INSERT INTO case_summaries (half_year, case_id, received_at, \
                     authority_country, instrument, section, customer, accounts, outcome, \
                     data_stored_abroad, customer_notified, red_line, secret, commitment) ",
                );
                insert.push_values(chunk, |mut row, summary| {
                    let half_year = writ_report::HalfYear::containing(summary.received_at);
                    row.push_bind(half_year.map(|h| h.to_string()).unwrap_or_default())
                        .push_bind(summary.id.to_string())
                        .push_bind(DbTime(summary.received_at))
                        .push_bind(summary.authority_country.as_str())
                        .push_bind(summary.instrument.as_str())
                        .push_bind(enum_text(summary.section))
                        .push_bind(enum_text(summary.customer))
                        .push_bind(i64::try_from(summary.accounts).unwrap_or(i64::MAX))
                        .push_bind(enum_text(summary.outcome))
                        .push_bind(summary.data_stored_abroad)
                        .push_bind(summary.customer_notified)
                        .push_bind(summary.red_line);
                    // Each past case's transparency secret, as intake makes one.
                    let secret = writ_report::CaseSecret::generate();
                    row.push_bind(secret.as_bytes().to_vec())
                        .push_bind(secret.commitment().0.to_vec());
                });
                statements.push(insert);
            }
            let mut events = events.into_iter().peekable();
            while events.peek().is_some() {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO audit_events (idx, at, actor, action, case_id, entry) ",
                );
                insert.push_values(
                    events.by_ref().take(ROWS_PER_STATEMENT),
                    |mut row, (index, entry, bytes)| {
                        row.push_bind(index)
                            .push_bind(DbTime(entry.at))
                            .push_bind(entry.actor.to_string())
                            .push_bind(entry.action.as_str())
                            .push_bind(entry.case_id.map(|id| id.to_string()))
                            .push_bind(bytes);
                    },
                );
                statements.push(insert);
            }
            for chunk in hashes.chunks(ROWS_PER_STATEMENT * 4) {
                let mut insert = QueryBuilder::new("INSERT INTO audit_hashes (idx, hash) ");
                insert.push_values(chunk, |mut row, (index, hash)| {
                    row.push_bind(*index).push_bind(hash.as_slice());
                });
                statements.push(insert);
            }
            Ok(statements)
        }
    };
}

statements_for!(sqlite_statements, Sqlite);
statements_for!(postgres_statements, Postgres);

pub(crate) trait HistoryQueries {
    /// Writes `batch`, after moving the audit log's head past its events (refused if the
    /// log is not where the batch was prepared to go).
    async fn write_history(&mut self, batch: PreparedHistory) -> Result<(), StoreError>;
}

macro_rules! history_queries_for {
    ($connection:ty, $variant:ident) => {
        impl HistoryQueries for $connection {
            async fn write_history(&mut self, batch: PreparedHistory) -> Result<(), StoreError> {
                let Statements::$variant(statements) = batch.statements else {
                    return Err(StoreError::OutOfRange(
                        "a history prepared for the other backend".into(),
                    ));
                };
                let moved: Option<i64> = sqlx::query_scalar(
                    "UPDATE audit_head SET size = size + $1 WHERE id = 1 AND size = $2 \
                     RETURNING size",
                )
                .bind(to_i64(batch.events, "too many events")?)
                .bind(to_i64(batch.first, "leaf index")?)
                .fetch_optional(&mut *self)
                .await?;
                if moved.is_none() {
                    return Err(StoreError::AuditLogMoved(batch.first));
                }
                for mut statement in statements {
                    statement.build().execute(&mut *self).await?;
                }
                Ok(())
            }
        }
    };
}

history_queries_for!(SqliteConnection, Sqlite);
history_queries_for!(PgConnection, Postgres);

impl Store {
    /// A loader for past cases appended after the audit log as it stands now.
    pub async fn history_loader(&self) -> Result<HistoryLoader, StoreError> {
        let backend = self.backend();
        in_transaction!(self, |tx| {
            let size = tx.audit_size().await?;
            let mut frontier = Known::new();
            for index in frontier_indexes(size) {
                let hash = tx.stored_hash(index).await?.ok_or_else(|| {
                    StoreError::Corrupt(format!("audit_hashes: stored hash {index} is missing"))
                })?;
                frontier.insert(index, hash);
            }
            Ok(HistoryLoader {
                backend,
                size,
                frontier,
            })
        })
    }

    /// Writes a batch a [`HistoryLoader`] prepared, in one transaction.
    pub async fn import_prepared(&self, batch: PreparedHistory) -> Result<(), StoreError> {
        let mut writer = self.history_writer().await?;
        writer.write(batch).await?;
        writer.commit().await
    }

    /// A transaction to write prepared batches in, one after the other: a bulk load
    /// commits every few batches, as each commit writes again every page of the
    /// primary keys' B-trees (random case ids) that its batches touched.
    pub async fn history_writer(&self) -> Result<HistoryWriter, StoreError> {
        Ok(HistoryWriter(match &self.pool {
            Pool::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                // Those B-trees stay in memory across batches.
                sqlx::query("PRAGMA cache_size = -262144")
                    .execute(&mut *tx)
                    .await?;
                Transaction::Sqlite(tx)
            }
            Pool::Postgres(pool) => Transaction::Postgres(pool.begin().await?),
        }))
    }

    /// Drops the secondary indexes of the tables a history fills, before loading many
    /// cases: each is built again, in one sort, by
    /// [`end_bulk_load`](Self::end_bulk_load). They are recorded in the same
    /// transaction, and [`open`](Self::open) builds again any a load left dropped.
    /// Unique indexes made with `CREATE UNIQUE INDEX` go too (building one again checks
    /// every row; the commitments' index has random keys, so each insert into it lands
    /// on a random page); primary keys and `UNIQUE` constraints stay. Reads stay correct meanwhile,
    /// only slower.
    pub async fn begin_bulk_load(&self) -> Result<(), StoreError> {
        let list = match self.backend() {
            Backend::Sqlite => {
                // A constraint's index has no SQL of its own.
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN "
            }
            Backend::Postgres => {
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint \
                 WHERE connamespace = current_schema()::regnamespace) AND tablename IN "
            }
        };
        // The names and definitions come from the database's own catalogue.
        let list = sqlx::AssertSqlSafe(format!("{list}{LOADED_TABLES}"));
        in_transaction!(self, |tx| {
            let indexes: Vec<(String, String)> = sqlx::query_as(list).fetch_all(&mut *tx).await?;
            for (name, definition) in &indexes {
                sqlx::query("INSERT INTO bulk_load_indexes (name, definition) VALUES ($1, $2)")
                    .bind(name)
                    .bind(definition)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
                    .execute(&mut *tx)
                    .await?;
            }
            Ok::<(), StoreError>(())
        })?;
        Ok(())
    }

    /// Builds again the indexes [`begin_bulk_load`](Self::begin_bulk_load) dropped (none:
    /// nothing to do).
    pub async fn end_bulk_load(&self) -> Result<(), StoreError> {
        in_transaction!(self, |tx| {
            let indexes: Vec<(String, String)> =
                sqlx::query_as("SELECT name, definition FROM bulk_load_indexes ORDER BY name")
                    .fetch_all(&mut *tx)
                    .await?;
            if !indexes.is_empty() {
                tracing::info!(
                    indexes = indexes.len(),
                    "building the indexes a bulk load dropped"
                );
            }
            for (name, definition) in &indexes {
                sqlx::query(sqlx::AssertSqlSafe(definition.clone()))
                    .execute(&mut *tx)
                    .await?;
                tracing::info!(index = %name, "index built");
            }
            sqlx::query("DELETE FROM bulk_load_indexes")
                .execute(&mut *tx)
                .await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(())
    }

    /// Writes `cases` with the summaries given, in one transaction, after whatever the
    /// audit log holds.
    pub async fn import_summarised(
        &self,
        cases: &[PastCase],
        summaries: &[CaseSummary],
    ) -> Result<(), StoreError> {
        let batch = self
            .history_loader()
            .await?
            .prepare_summarised(cases, summaries)?;
        self.import_prepared(batch).await
    }
}
