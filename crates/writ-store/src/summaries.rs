//! Case summaries: each case as the transparency report counts it (section, customer,
//! accounts named, outcome), kept in `case_summaries`.
//!
//! A summary is written when the case opens and brought up to date in the transaction of
//! every later change to the case (`update_case`, and a notice to the customer going out),
//! so a report is a `GROUP BY` over one half-year's rows and never reads a demand.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{PgConnection, Row, SqliteConnection};
use writ_core::policy::Code;
use writ_core::review::Scope;
use writ_core::{Action, CaseId, CaseState, Category, CountryCode, Demand, TargetValue};
use writ_report::{CaseCount, CaseSecret, CaseSummary, Customer, HalfYear, Outcome, Section};

use crate::db_time::DbTime;
use crate::queries::Queries;
use crate::records::{CaseRecord, NoticeRecipient, NoticeState};
use crate::{Pool, Store, StoreError};

/// A case's summary as it opens (nothing sent to the customer yet).
pub(crate) fn summarise(case: &CaseRecord, demand: &Demand) -> Result<CaseSummary, StoreError> {
    let section = if case.instrument == "us.nsl" || case.instrument.starts_with("us.fisa") {
        Section::NationalSecurity
    } else if has_code(case, Code::AssistanceOrderChallenge) {
        Section::Assistance
    } else if demand.action == Action::Preserve {
        Section::Preservation
    } else if case.emergency {
        Section::Emergency
    } else {
        Section::Criminal
    };
    let (customer, outcome) = standing(case)?;
    Ok(CaseSummary {
        id: case.id,
        received_at: case.received_at,
        authority_country: case.authority_country,
        instrument: case.instrument.clone(),
        section,
        customer,
        accounts: demand
            .targets
            .iter()
            .filter(|t| matches!(t.value, TargetValue::Specific(_)))
            .count() as u64,
        outcome,
        // Where data is stored is known once collection reaches the sources.
        data_stored_abroad: false,
        customer_notified: false,
        red_line: demand.categories.iter().any(|c| c.is_red_line()),
    })
}

/// Whether the case's decision has a finding with `code`.
fn has_code(case: &CaseRecord, code: Code) -> bool {
    case.decision.as_ref().is_some_and(|d| d.has(code))
}

/// What changes with the case's steps: whose data it is (an enterprise's, redirected to
/// it) and how it ended so far.
pub(crate) fn standing(case: &CaseRecord) -> Result<(Customer, Outcome), StoreError> {
    let enterprise = has_code(case, Code::EnterpriseRedirect);
    let scope = case.scope.as_ref();
    let disclosed = |scope: &Scope| {
        if scope.categories().contains(&Category::Content) {
            Outcome::Content
        } else {
            Outcome::NonContent
        }
    };
    let outcome = match (case.state, &scope) {
        (CaseState::Received | CaseState::InReview | CaseState::AwaitingClarification, _) => {
            Outcome::Pending
        }
        (CaseState::Rejected, _) => Outcome::Rejected,
        (CaseState::Redirected, _) => Outcome::Redirected,
        (CaseState::Withdrawn, _) => Outcome::Withdrawn,
        (_, Some(scope)) => disclosed(scope),
        // Closed without an approved scope: rejected, redirected or withdrawn before.
        (_, None) if case.rejection_reason.is_some() => Outcome::Rejected,
        (_, None) if enterprise => Outcome::Redirected,
        (_, None) => Outcome::Withdrawn,
    };
    let customer = if enterprise {
        Customer::Enterprise
    } else {
        Customer::Consumer
    };
    Ok((customer, outcome))
}

/// The text a report enum is stored as: its serde name (`national_security`).
pub(crate) fn enum_text<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

pub(crate) fn enum_column<T: DeserializeOwned>(text: String, what: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn half_year_of(summary: &CaseSummary) -> Result<String, StoreError> {
    HalfYear::containing(summary.received_at)
        .map(|h| h.to_string())
        .ok_or_else(|| StoreError::OutOfRange(format!("case {}: received_at", summary.id)))
}

fn count_column(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what}: {value}")))
}

macro_rules! summary_columns {
    () => {
        "case_id, received_at, authority_country, instrument, section, customer, accounts, \
         outcome, data_stored_abroad, customer_notified, red_line"
    };
}

macro_rules! summary_from_row {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("case_id")?;
        let country: String = row.try_get("authority_country")?;
        Ok::<_, StoreError>(CaseSummary {
            id: CaseId::parse(&id)
                .map_err(|e| StoreError::Corrupt(format!("case_summaries.case_id: {e}")))?,
            received_at: row.try_get::<DbTime, _>("received_at")?.0,
            authority_country: CountryCode::parse(&country).map_err(|e| {
                StoreError::Corrupt(format!("case_summaries.authority_country: {e}"))
            })?,
            instrument: row.try_get("instrument")?,
            section: enum_column(row.try_get("section")?, "case_summaries.section")?,
            customer: enum_column(row.try_get("customer")?, "case_summaries.customer")?,
            accounts: count_column(row.try_get("accounts")?, "case_summaries.accounts")?,
            outcome: enum_column(row.try_get("outcome")?, "case_summaries.outcome")?,
            data_stored_abroad: row.try_get("data_stored_abroad")?,
            customer_notified: row.try_get("customer_notified")?,
            red_line: row.try_get("red_line")?,
        })
    }};
}

pub(crate) trait SummaryQueries {
    /// Inserts a case's summary with its transparency secret (and the secret's
    /// commitment, the public record's key).
    async fn insert_summary(
        &mut self,
        summary: &CaseSummary,
        secret: &CaseSecret,
    ) -> Result<(), StoreError>;
    /// Brings the parts of a summary that a case's steps change up to date.
    async fn refresh_summary(&mut self, case: &CaseRecord) -> Result<(), StoreError>;
    async fn set_customer_notified(&mut self, case: CaseId) -> Result<(), StoreError>;
    /// Up to `limit` summaries after case id `after`, in case id order.
    async fn summaries_after(
        &mut self,
        after: Option<CaseId>,
        limit: i64,
    ) -> Result<Vec<CaseSummary>, StoreError>;
    /// Cases counted together, for the half-years `first..=last`, national security
    /// left out.
    async fn case_counts(
        &mut self,
        first: HalfYear,
        last: HalfYear,
    ) -> Result<Vec<CaseCount>, StoreError>;
    async fn national_security_summaries(
        &mut self,
        from: writ_core::Timestamp,
        to: writ_core::Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError>;
    /// Cases opened before summaries were kept (none, after the first start).
    async fn cases_without_summary(&mut self, limit: i64) -> Result<Vec<CaseId>, StoreError>;
    /// Summaries of cases opened before cases had secrets (none, after the first start).
    async fn summaries_without_secret(&mut self, limit: i64) -> Result<Vec<CaseId>, StoreError>;
    async fn set_secret(&mut self, case: CaseId, secret: &CaseSecret) -> Result<(), StoreError>;
    /// Whether the start-up backfill `name` has run to completion.
    async fn backfill_completed(&mut self, name: &str) -> Result<bool, StoreError>;
    async fn record_backfill_completed(&mut self, name: &str) -> Result<(), StoreError>;
}

macro_rules! summary_queries_for {
    ($connection:ty) => {
        impl SummaryQueries for $connection {
            async fn insert_summary(
                &mut self,
                summary: &CaseSummary,
                secret: &CaseSecret,
            ) -> Result<(), StoreError> {
                let accounts = i64::try_from(summary.accounts)
                    .map_err(|_| StoreError::OutOfRange("accounts".into()))?;
                sqlx::query(concat!(
                    "INSERT INTO case_summaries (secret, commitment, half_year, ",
                    summary_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                ))
                .bind(secret.as_bytes().as_slice())
                .bind(secret.commitment().0.as_slice())
                .bind(half_year_of(summary)?)
                .bind(summary.id.to_string())
                .bind(DbTime(summary.received_at))
                .bind(summary.authority_country.as_str())
                .bind(&summary.instrument)
                .bind(enum_text(summary.section))
                .bind(enum_text(summary.customer))
                .bind(accounts)
                .bind(enum_text(summary.outcome))
                .bind(summary.data_stored_abroad)
                .bind(summary.customer_notified)
                .bind(summary.red_line)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn refresh_summary(&mut self, case: &CaseRecord) -> Result<(), StoreError> {
                let (customer, outcome) = standing(case)?;
                sqlx::query(
                    "UPDATE case_summaries SET customer = $1, outcome = $2 WHERE case_id = $3",
                )
                .bind(enum_text(customer))
                .bind(enum_text(outcome))
                .bind(case.id.to_string())
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn set_customer_notified(&mut self, case: CaseId) -> Result<(), StoreError> {
                sqlx::query("UPDATE case_summaries SET customer_notified = $1 WHERE case_id = $2")
                    .bind(true)
                    .bind(case.to_string())
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn summaries_after(
                &mut self,
                after: Option<CaseId>,
                limit: i64,
            ) -> Result<Vec<CaseSummary>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    summary_columns!(),
                    " FROM case_summaries WHERE $1 IS NULL OR case_id > $1 ORDER BY case_id LIMIT $2"
                ))
                .bind(after.map(|id| id.to_string()))
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| summary_from_row!(row)).collect()
            }

            async fn case_counts(
                &mut self,
                first: HalfYear,
                last: HalfYear,
            ) -> Result<Vec<CaseCount>, StoreError> {
                let rows = sqlx::query(
                    "SELECT half_year, section, authority_country, instrument, customer, outcome, \
                     data_stored_abroad, customer_notified, red_line, COUNT(*) AS cases, \
                     CAST(SUM(accounts) AS BIGINT) AS accounts \
                     FROM case_summaries \
                     WHERE half_year >= $1 AND half_year <= $2 AND section <> $3 \
                     GROUP BY half_year, section, authority_country, instrument, customer, \
                     outcome, data_stored_abroad, customer_notified, red_line",
                )
                .bind(first.to_string())
                .bind(last.to_string())
                .bind(enum_text(Section::NationalSecurity))
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let period: String = row.try_get("half_year")?;
                        let country: String = row.try_get("authority_country")?;
                        Ok(CaseCount {
                            period: period.parse().map_err(|e| {
                                StoreError::Corrupt(format!("case_summaries.half_year: {e}"))
                            })?,
                            section: enum_column(row.try_get("section")?, "case_summaries.section")?,
                            authority_country: CountryCode::parse(&country).map_err(|e| {
                                StoreError::Corrupt(format!("case_summaries.authority_country: {e}"))
                            })?,
                            instrument: row.try_get("instrument")?,
                            customer: enum_column(row.try_get("customer")?, "case_summaries.customer")?,
                            outcome: enum_column(row.try_get("outcome")?, "case_summaries.outcome")?,
                            data_stored_abroad: row.try_get("data_stored_abroad")?,
                            customer_notified: row.try_get("customer_notified")?,
                            red_line: row.try_get("red_line")?,
                            cases: count_column(row.try_get("cases")?, "COUNT(*)")?,
                            accounts: count_column(row.try_get("accounts")?, "SUM(accounts)")?,
                        })
                    })
                    .collect()
            }

            async fn national_security_summaries(
                &mut self,
                from: writ_core::Timestamp,
                to: writ_core::Timestamp,
            ) -> Result<Vec<CaseSummary>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    summary_columns!(),
                    " FROM case_summaries WHERE section = $1 AND received_at >= $2 \
                     AND received_at < $3 ORDER BY case_id"
                ))
                .bind(enum_text(Section::NationalSecurity))
                .bind(DbTime(from))
                .bind(DbTime(to))
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| summary_from_row!(row)).collect()
            }

            async fn cases_without_summary(&mut self, limit: i64) -> Result<Vec<CaseId>, StoreError> {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM cases c WHERE NOT EXISTS \
                     (SELECT 1 FROM case_summaries s WHERE s.case_id = c.id) ORDER BY id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                ids.iter()
                    .map(|id| {
                        CaseId::parse(id)
                            .map_err(|e| StoreError::Corrupt(format!("cases.id: {e}")))
                    })
                    .collect()
            }

            async fn summaries_without_secret(&mut self, limit: i64) -> Result<Vec<CaseId>, StoreError> {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT case_id FROM case_summaries WHERE secret IS NULL ORDER BY case_id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                ids.iter()
                    .map(|id| {
                        CaseId::parse(id)
                            .map_err(|e| StoreError::Corrupt(format!("case_summaries.case_id: {e}")))
                    })
                    .collect()
            }

            async fn set_secret(&mut self, case: CaseId, secret: &CaseSecret) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE case_summaries SET secret = $1, commitment = $2 \
                     WHERE case_id = $3 AND secret IS NULL",
                )
                .bind(secret.as_bytes().as_slice())
                .bind(secret.commitment().0.as_slice())
                .bind(case.to_string())
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn backfill_completed(&mut self, name: &str) -> Result<bool, StoreError> {
                let found: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM completed_backfills WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&mut *self)
                        .await?;
                Ok(found.is_some())
            }

            async fn record_backfill_completed(&mut self, name: &str) -> Result<(), StoreError> {
                // Two processes starting together may both finish it.
                sqlx::query(
                    "INSERT INTO completed_backfills (name) VALUES ($1) ON CONFLICT DO NOTHING",
                )
                .bind(name)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
        }
    };
}

summary_queries_for!(SqliteConnection);
summary_queries_for!(PgConnection);

/// Summaries are read for export this many at a time, so memory stays flat.
const EXPORT_PAGE: i64 = 1000;

impl Store {
    /// Every case's summary, in case id order, handed to `each` a page at a time (the
    /// whole set is never in memory).
    pub async fn export_summaries<E>(
        &self,
        mut each: impl FnMut(&CaseSummary) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let mut after = None;
        loop {
            let page = with_connection!(self, |conn| {
                conn.summaries_after(after, EXPORT_PAGE).await
            })?;
            for summary in &page {
                if let Err(e) = each(summary) {
                    return Ok(Err(e));
                }
            }
            match page.last() {
                Some(last) if page.len() as i64 == EXPORT_PAGE => after = Some(last.id),
                _ => return Ok(Ok(())),
            }
        }
    }

    /// The counts a report on the half-years `first..=last` needs, aggregated in SQL.
    pub async fn case_counts(
        &self,
        first: HalfYear,
        last: HalfYear,
    ) -> Result<Vec<CaseCount>, StoreError> {
        match &self.reads {
            Pool::Sqlite(pool) => {
                // SQLite has no statement timeout: a progress handler interrupts the
                // statement once a timer says the read has run too long. The connection
                // is closed afterwards, so no handler outlives this read.
                let mut conn = pool.acquire().await?;
                conn.close_on_drop();
                let expired = Arc::new(AtomicBool::new(false));
                let flag = Arc::clone(&expired);
                conn.lock_handle()
                    .await?
                    .set_progress_handler(10_000, move || !flag.load(Ordering::Relaxed));
                let timer = tokio::spawn(async move {
                    tokio::time::sleep(crate::SQLITE_READ_LIMIT).await;
                    expired.store(true, Ordering::Relaxed);
                });
                let counts = conn.case_counts(first, last).await;
                timer.abort();
                counts
            }
            Pool::Postgres(pool) => {
                // The read pool's statement_timeout bounds it.
                let mut conn = pool.acquire().await?;
                conn.case_counts(first, last).await
            }
        }
    }

    /// The national-security cases received in `[from, to)`, for the report's bands.
    pub async fn national_security_summaries(
        &self,
        from: writ_core::Timestamp,
        to: writ_core::Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        with_connection!(self, |conn| {
            conn.national_security_summaries(from, to).await
        })
    }

    /// Gives a secret to each case a store held before cases had them. Their people were
    /// notified without a receipt; the secret still keys the case's public record.
    pub(crate) async fn give_older_cases_secrets(&self) -> Result<(), StoreError> {
        loop {
            let ids = with_connection!(self, |conn| { conn.summaries_without_secret(5000).await })?;
            if ids.is_empty() {
                return Ok(());
            }
            tracing::info!(cases = ids.len(), "giving older cases their secrets");
            in_transaction!(self, |tx| {
                for id in &ids {
                    tx.set_secret(*id, &CaseSecret::generate()).await?;
                }
                Ok::<(), StoreError>(())
            })?;
        }
    }

    /// Summarises the cases a store held before it kept summaries, from their demands.
    /// Once none is left that is recorded, and later starts skip the search (every
    /// case since is summarised in the transaction that opens it).
    pub(crate) async fn summarise_older_cases(&self) -> Result<(), StoreError> {
        const BACKFILL: &str = "case_summaries";
        if with_connection!(self, |conn| { conn.backfill_completed(BACKFILL).await })? {
            return Ok(());
        }
        loop {
            let ids = with_connection!(self, |conn| { conn.cases_without_summary(500).await })?;
            if ids.is_empty() {
                return in_transaction!(self, |tx| {
                    tx.record_backfill_completed(BACKFILL).await
                });
            }
            tracing::info!(
                cases = ids.len(),
                "summarising cases opened before summaries"
            );
            in_transaction!(self, |tx| {
                for id in &ids {
                    let case = tx.case(*id).await?.ok_or_else(|| crate::not_found(*id))?;
                    let document = tx
                        .demand_document(*id)
                        .await?
                        .ok_or_else(|| crate::not_found(*id))?;
                    let demand = Demand::from_json(&document)
                        .map_err(|e| StoreError::Corrupt(format!("case {id}: its demand: {e}")))?;
                    let mut summary = summarise(&case, &demand)?;
                    summary.customer_notified = tx.notices(*id).await?.iter().any(|n| {
                        n.recipient == NoticeRecipient::TenantAdmin && n.state == NoticeState::Sent
                    });
                    tx.insert_summary(&summary, &CaseSecret::generate()).await?;
                }
                Ok::<(), StoreError>(())
            })?;
        }
    }
}
