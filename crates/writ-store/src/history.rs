//! Past cases written whole, many to a transaction: `writ demo --history` and capacity
//! rehearsals load years of cases this way instead of through the API.
//!
//! Each case goes in with its demand, its summary and its audit events. The events are
//! appended to the one audit log as `append_audit` does (dense indices from
//! `audit_head`, the same Merkle hashes from `writ_ledger`), only a batch per statement,
//! so `writ audit verify` checks them like any other.

use std::sync::Arc;

use sqlx::{PgConnection, QueryBuilder, SqliteConnection};
use writ_core::{AuditEntry, Demand};
use writ_ledger::Known;
use writ_report::CaseSummary;

use crate::db_time::DbTime;
use crate::queries::{json_text, resolve};
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
/// 65,535 for the widest row (16 columns).
const ROWS_PER_STATEMENT: usize = 1000;

pub(crate) trait HistoryQueries {
    async fn insert_past_cases(
        &mut self,
        cases: &[PastCase],
        summaries: &[CaseSummary],
    ) -> Result<(), StoreError>;
    /// Appends `entries` at the end of the audit log, in order.
    async fn append_audit_batch(&mut self, entries: &[&AuditEntry]) -> Result<(), StoreError>;
}

macro_rules! history_queries_for {
    ($connection:ty) => {
        impl HistoryQueries for $connection {
            async fn insert_past_cases(
                &mut self,
                cases: &[PastCase],
                summaries: &[CaseSummary],
            ) -> Result<(), StoreError> {
                // In id order, each statement walks the primary keys' B-trees once.
                let mut cases: Vec<&PastCase> = cases.iter().collect();
                cases.sort_by_cached_key(|past| past.case.id.to_string());
                let mut summaries: Vec<&CaseSummary> = summaries.iter().collect();
                summaries.sort_by_cached_key(|summary| summary.id.to_string());
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
                            .push_bind(case.reference.clone())
                            .push_bind(case.authority_country.as_str().to_owned())
                            .push_bind(case.instrument.clone())
                            .push_bind(case.emergency)
                            .push_bind(DbTime(case.received_at))
                            .push_bind(case.deadline.map(DbTime))
                            .push_bind(decision)
                            .push_bind(DbTime(case.opened_at))
                            .push_bind(DbTime(case.updated_at))
                            .push_bind(case.version)
                            .push_bind(case.agency_id.as_ref().map(|a| a.as_str().to_owned()))
                            .push_bind(recommendation)
                            .push_bind(scope)
                            .push_bind(case.rejection_reason.clone())
                            .push_bind(crate::queue::queue_key(
                                case.emergency,
                                case.deadline,
                                case.received_at,
                                case.id,
                            ))
                            .push_bind(case.reference.to_lowercase())
                            .push_bind(crate::queue::route_of(case.decision.as_ref()));
                    });
                    insert.build().execute(&mut *self).await?;

                    let mut insert = QueryBuilder::new(
                        "INSERT INTO demands (case_id, submitted_at, document) ",
                    );
                    insert.push_values(chunk, |mut row, past| {
                        row.push_bind(past.case.id.to_string())
                            .push_bind(DbTime(past.case.opened_at))
                            .push_bind(past.document.clone());
                    });
                    insert.build().execute(&mut *self).await?;

                    let targets: Vec<(&str, String)> = chunk
                        .iter()
                        .flat_map(|past| {
                            past.targets.iter().map(|t| (t.as_str(), past.case.id.to_string()))
                        })
                        .collect();
                    if !targets.is_empty() {
                        let mut insert =
                            QueryBuilder::new("INSERT INTO case_targets (value, case_id) ");
                        insert.push_values(&targets, |mut row, (value, id)| {
                            row.push_bind(value.to_string()).push_bind(id.clone());
                        });
                        insert.build().execute(&mut *self).await?;
                    }
                }
                for chunk in summaries.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = QueryBuilder::new(
                        "INSERT INTO case_summaries (half_year, case_id, received_at, \
                         authority_country, instrument, section, customer, accounts, outcome, \
                         data_stored_abroad, customer_notified, red_line, secret, commitment) ",
                    );
                    let mut bad = None;
                    insert.push_values(chunk, |mut row, summary| {
                        let half_year = writ_report::HalfYear::containing(summary.received_at);
                        if half_year.is_none() {
                            bad = Some(summary.id);
                        }
                        row.push_bind(half_year.map(|h| h.to_string()).unwrap_or_default())
                            .push_bind(summary.id.to_string())
                            .push_bind(DbTime(summary.received_at))
                            .push_bind(summary.authority_country.as_str().to_owned())
                            .push_bind(summary.instrument.clone())
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
                    if let Some(id) = bad {
                        return Err(StoreError::OutOfRange(format!("case {id}: received_at")));
                    }
                    insert.build().execute(&mut *self).await?;
                }
                Ok(())
            }

            async fn append_audit_batch(&mut self, entries: &[&AuditEntry]) -> Result<(), StoreError> {
                let count = i64::try_from(entries.len())
                    .map_err(|_| StoreError::OutOfRange("too many events".into()))?;
                if count == 0 {
                    return Ok(());
                }
                let first: i64 = sqlx::query_scalar(
                    "UPDATE audit_head SET size = size + $1 WHERE id = 1 RETURNING size - $1",
                )
                .bind(count)
                .fetch_one(&mut *self)
                .await?;
                let first = u64::try_from(first)
                    .map_err(|_| StoreError::Corrupt(format!("audit_head.size: {first}")))?;
                let mut known = Known::new();
                let mut hashes: Vec<(i64, [u8; 32])> = Vec::with_capacity(entries.len() * 2);
                let mut events = Vec::with_capacity(entries.len());
                for (n, entry) in (first..).zip(entries) {
                    let bytes = entry.canonical_bytes();
                    let leaf = writ_ledger::leaf_hash(&bytes);
                    let new = resolve(&mut *self, &mut known, |known| {
                        writ_ledger::append_hashes(n, leaf, known)
                    })
                    .await?;
                    let at = writ_ledger::stored_hash_index(0, n);
                    for (offset, hash) in (0..).zip(new) {
                        let index = i64::try_from(at + offset)
                            .map_err(|_| StoreError::OutOfRange("stored hash index".into()))?;
                        hashes.push((index, hash.0));
                        known.insert(at + offset, hash);
                    }
                    let index = i64::try_from(n)
                        .map_err(|_| StoreError::OutOfRange("leaf index".into()))?;
                    events.push((index, *entry, bytes));
                }
                for chunk in events.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = QueryBuilder::new(
                        "INSERT INTO audit_events (idx, at, actor, action, case_id, entry) ",
                    );
                    insert.push_values(chunk, |mut row, (index, entry, bytes)| {
                        row.push_bind(*index)
                            .push_bind(DbTime(entry.at))
                            .push_bind(entry.actor.to_string())
                            .push_bind(entry.action.clone())
                            .push_bind(entry.case_id.map(|id| id.to_string()))
                            .push_bind(bytes.clone());
                    });
                    insert.build().execute(&mut *self).await?;
                }
                for chunk in hashes.chunks(ROWS_PER_STATEMENT * 4) {
                    let mut insert = QueryBuilder::new("INSERT INTO audit_hashes (idx, hash) ");
                    insert.push_values(chunk, |mut row, (index, hash)| {
                        row.push_bind(*index).push_bind(hash.to_vec());
                    });
                    insert.build().execute(&mut *self).await?;
                }
                Ok(())
            }
        }
    };
}

history_queries_for!(SqliteConnection);
history_queries_for!(PgConnection);

impl Store {
    /// Writes `cases` (each with its demand, summary and audit events) in one
    /// transaction. The summaries are made from each case's record and demand, as when
    /// a case opens and moves; `notified` says which ones told an enterprise customer.
    pub async fn import_history(
        &self,
        cases: &[PastCase],
        notified: impl Fn(&PastCase) -> bool,
    ) -> Result<(), StoreError> {
        let mut summaries = Vec::with_capacity(cases.len());
        for past in cases {
            let mut summary = crate::summaries::summarise(&past.case, &past.demand)?;
            summary.customer_notified = notified(past);
            summaries.push(summary);
        }
        self.import_summarised(cases, &summaries).await
    }

    /// Drops the secondary indexes of the tables a history fills, before loading many
    /// cases: each is built again, in one sort, by
    /// [`end_bulk_load`](Self::end_bulk_load). They are recorded in the same
    /// transaction, and [`open`](Self::open) builds again any a load left dropped.
    /// Unique indexes stay (they are constraints). Reads stay correct meanwhile, only
    /// slower.
    pub async fn begin_bulk_load(&self) -> Result<(), StoreError> {
        let list = match self.backend() {
            Backend::Sqlite => {
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN "
            }
            Backend::Postgres => {
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                 AND indexdef NOT LIKE 'CREATE UNIQUE%' AND tablename IN "
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
            for (_, definition) in &indexes {
                sqlx::query(sqlx::AssertSqlSafe(definition.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM bulk_load_indexes")
                .execute(&mut *tx)
                .await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(())
    }

    /// As [`import_history`](Self::import_history), with each case's summary given
    /// (a test's random history, where the summary is the point).
    pub async fn import_summarised(
        &self,
        cases: &[PastCase],
        summaries: &[CaseSummary],
    ) -> Result<(), StoreError> {
        let events: Vec<&AuditEntry> = cases.iter().flat_map(|c| c.events.iter()).collect();
        in_transaction!(self, |tx| {
            if self.backend() == Backend::Sqlite {
                // The primary keys' B-trees (random case ids) stay in memory across batches.
                sqlx::query("PRAGMA cache_size = -262144")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.insert_past_cases(cases, summaries).await?;
            tx.append_audit_batch(&events).await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(())
    }
}
