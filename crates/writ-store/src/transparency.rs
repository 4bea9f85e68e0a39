//! The verifiable report's storage: a period's public records, read from the case
//! summaries in commitment order (the report tree's leaf order) a page at a time, and
//! its publications, each freezing the records, binding their root to the audit log
//! with `report.published` (or `report.corrected`) in the same transaction.

use sqlx::{PgConnection, Row, SqliteConnection};
use writ_core::{Actor, AuditEntry, CaseId, CountryCode, Timestamp};
use writ_ledger::{Hash, Known, RootBuilder, inclusion_proof_in_chunks};
use writ_report::{
    Anchor, CaseCount, CaseSecret, Commitment, HalfYear, Month, PublicRecord, Publication,
    PublicationEvent, RecordProof, Section, TreeHead, action_of,
};

use crate::db_time::DbTime;
use crate::queries::Queries;
use crate::summaries::{enum_column, enum_text};
use crate::{Pool, Store, StoreError};

/// Records are read this many at a time, so memory stays flat at a million cases.
const PAGE: i64 = 1000;

/// A publication's records are cut into chunks of this many leaves, whose roots are kept,
/// so a proof reads one chunk and the roots (a thousand at a million records).
const CHUNK: u64 = 1024;

/// One chunk of a publication's records: the last commitment in it and the root of its
/// leaves.
pub(crate) struct Chunk {
    last: Commitment,
    root: Hash,
}

/// The chunks of records pushed in leaf order.
#[derive(Default)]
struct Chunker {
    done: Vec<Chunk>,
    current: RootBuilder,
    last: Option<Commitment>,
}

impl Chunker {
    fn push(&mut self, record: &PublicRecord) -> Result<(), StoreError> {
        self.current.push(record.leaf_hash())?;
        self.last = Some(record.commitment);
        if self.current.size() == CHUNK {
            self.close();
        }
        Ok(())
    }

    fn close(&mut self) {
        if let Some(last) = self.last.take() {
            let root = std::mem::take(&mut self.current).root();
            self.done.push(Chunk { last, root });
        }
    }

    fn finish(mut self) -> Vec<Chunk> {
        self.close();
        self.done
    }
}

/// The longest reason a correction may give.
pub const MAX_REASON: usize = 2000;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn commitment_of(bytes: Vec<u8>, what: &str) -> Result<Commitment, StoreError> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| corrupt(what, "not 32 bytes"))?;
    Ok(Commitment(bytes))
}

/// A record from a row with the record's columns (`month` as text or, from a summary,
/// `received_at`).
macro_rules! record_from_row {
    ($row:expr, $table:literal, |$r:ident| $month:expr) => {{
        let row = $row;
        let $r = &row;
        let country: String = row.try_get("country")?;
        let accounts: i64 = row.try_get("accounts")?;
        Ok::<_, StoreError>(PublicRecord {
            accounts: u64::try_from(accounts)
                .map_err(|e| corrupt(concat!($table, ".accounts"), e))?,
            commitment: commitment_of(row.try_get("commitment")?, concat!($table, ".commitment"))?,
            country: CountryCode::parse(&country)
                .map_err(|e| corrupt(concat!($table, ".country"), e))?,
            customer: enum_column(row.try_get("customer")?, concat!($table, ".customer"))?,
            customer_notified: row.try_get("customer_notified")?,
            data_stored_abroad: row.try_get("data_stored_abroad")?,
            instrument: row.try_get("instrument")?,
            month: $month,
            outcome: enum_column(row.try_get("outcome")?, concat!($table, ".outcome"))?,
            red_line: row.try_get("red_line")?,
            section: enum_column(row.try_get("section")?, concat!($table, ".section"))?,
        })
    }};
}

macro_rules! publication_from_row {
    ($row:expr) => {{
        let row = $row;
        let period: String = row.try_get("period")?;
        let version: i64 = row.try_get("version")?;
        let size: i64 = row.try_get("size")?;
        let root: String = row.try_get("root")?;
        let checkpoint_size: i64 = row.try_get("checkpoint_size")?;
        let event_index: i64 = row.try_get("event_index")?;
        let _: HalfYear = period
            .parse()
            .map_err(|e| corrupt("published_reports.period", e))?;
        Ok::<_, StoreError>(Publication {
            version: u32::try_from(version).map_err(|e| corrupt("published_reports.version", e))?,
            published_at: row.try_get::<DbTime, _>("published_at")?.0,
            records: TreeHead {
                size: u64::try_from(size).map_err(|e| corrupt("published_reports.size", e))?,
                root: root
                    .parse::<Hash>()
                    .map_err(|e| corrupt("published_reports.root", e))?,
            },
            checkpoint: Anchor {
                size: u64::try_from(checkpoint_size)
                    .map_err(|e| corrupt("published_reports.checkpoint_size", e))?,
                root: row.try_get("checkpoint_root")?,
                note: row.try_get("checkpoint_note")?,
            },
            reason: row.try_get("reason")?,
            event: PublicationEvent {
                index: u64::try_from(event_index)
                    .map_err(|e| corrupt("published_reports.event_index", e))?,
                entry: row.try_get("event")?,
            },
        })
    }};
}

pub(crate) trait TransparencyQueries {
    /// Up to `limit` public records of `period` from the case summaries, with
    /// commitments after `after`, in commitment order.
    async fn public_records_after(
        &mut self,
        period: HalfYear,
        after: &[u8],
        limit: i64,
    ) -> Result<Vec<PublicRecord>, StoreError>;
    /// The period's publications, oldest first.
    async fn publications(&mut self, period: HalfYear) -> Result<Vec<Publication>, StoreError>;
    async fn insert_published_records(
        &mut self,
        period: HalfYear,
        version: u32,
        records: &[PublicRecord],
    ) -> Result<(), StoreError>;
    async fn insert_publication(
        &mut self,
        period: HalfYear,
        publication: &Publication,
    ) -> Result<(), StoreError>;
    async fn published_records_after(
        &mut self,
        period: HalfYear,
        version: u32,
        after: &[u8],
        limit: i64,
    ) -> Result<Vec<PublicRecord>, StoreError>;
    /// Up to `limit` frozen records' canonical lines after `after`, in leaf order, each
    /// with its commitment (`None` for a record published before lines were kept).
    async fn published_lines_after(
        &mut self,
        period: HalfYear,
        version: u32,
        after: &[u8],
        limit: i64,
    ) -> Result<Vec<(Vec<u8>, Option<String>)>, StoreError>;
    /// The frozen records counted together, as [`crate::Store::case_counts`] counts
    /// the summaries.
    async fn published_counts(
        &mut self,
        period: HalfYear,
        version: u32,
    ) -> Result<Vec<CaseCount>, StoreError>;
    /// A publication's chunks, in leaf order.
    async fn published_chunks(
        &mut self,
        period: HalfYear,
        version: u32,
    ) -> Result<Vec<Chunk>, StoreError>;
    /// Writes a publication's chunks (those already there, written by another node
    /// first, stay as they are: both were computed from the same frozen records).
    async fn insert_published_chunks(
        &mut self,
        period: HalfYear,
        version: u32,
        chunks: &[Chunk],
    ) -> Result<(), StoreError>;
}

macro_rules! record_columns {
    () => {
        "commitment, country, instrument, section, customer, accounts, outcome, \
         customer_notified, data_stored_abroad, red_line"
    };
}

macro_rules! transparency_queries_for {
    ($connection:ty) => {
        impl TransparencyQueries for $connection {
            async fn public_records_after(
                &mut self,
                period: HalfYear,
                after: &[u8],
                limit: i64,
            ) -> Result<Vec<PublicRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT commitment, received_at, authority_country AS country, instrument, \
                     section, customer, accounts, outcome, customer_notified, \
                     data_stored_abroad, red_line FROM case_summaries \
                     WHERE half_year = $1 AND commitment > $2 AND section <> $3 AND section <> $4 \
                     ORDER BY commitment LIMIT $5",
                )
                .bind(period.to_string())
                .bind(after)
                .bind(enum_text(Section::NationalSecurity))
                .bind(enum_text(Section::Assistance))
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|row| record_from_row!(row, "case_summaries", |row| Month::of(
                        row.try_get::<DbTime, _>("received_at")?.0
                    )))
                    .collect()
            }

            async fn publications(&mut self, period: HalfYear) -> Result<Vec<Publication>, StoreError> {
                let rows = sqlx::query(
                    "SELECT period, version, published_at, size, root, checkpoint_size, \
                     checkpoint_root, checkpoint_note, reason, event_index, event \
                     FROM published_reports WHERE period = $1 ORDER BY version",
                )
                .bind(period.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(|row| publication_from_row!(row)).collect()
            }

            async fn insert_published_records(
                &mut self,
                period: HalfYear,
                version: u32,
                records: &[PublicRecord],
            ) -> Result<(), StoreError> {
                if records.is_empty() {
                    return Ok(());
                }
                let mut insert = sqlx::QueryBuilder::new(concat!(
                    "INSERT INTO published_records (period, version, month, line, ",
                    record_columns!(),
                    ") "
                ));
                let mut too_many = false;
                insert.push_values(records, |mut row, record| {
                    let accounts = i64::try_from(record.accounts).unwrap_or_else(|_| {
                        too_many = true;
                        0
                    });
                    row.push_bind(period.to_string())
                        .push_bind(i64::from(version))
                        .push_bind(record.month.to_string())
                        .push_bind(record.canonical_json())
                        .push_bind(record.commitment.0.to_vec())
                        .push_bind(record.country.as_str().to_owned())
                        .push_bind(record.instrument.clone())
                        .push_bind(enum_text(record.section))
                        .push_bind(enum_text(record.customer))
                        .push_bind(accounts)
                        .push_bind(enum_text(record.outcome))
                        .push_bind(record.customer_notified)
                        .push_bind(record.data_stored_abroad)
                        .push_bind(record.red_line);
                });
                if too_many {
                    return Err(StoreError::OutOfRange("accounts".into()));
                }
                insert.build().execute(&mut *self).await?;
                Ok(())
            }

            async fn insert_publication(
                &mut self,
                period: HalfYear,
                publication: &Publication,
            ) -> Result<(), StoreError> {
                let number = |n: u64, what: &str| {
                    i64::try_from(n).map_err(|_| StoreError::OutOfRange(what.to_owned()))
                };
                sqlx::query(
                    "INSERT INTO published_reports (period, version, published_at, size, root, \
                     checkpoint_size, checkpoint_root, checkpoint_note, reason, event_index, event) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(period.to_string())
                .bind(i64::from(publication.version))
                .bind(DbTime(publication.published_at))
                .bind(number(publication.records.size, "size")?)
                .bind(publication.records.root.to_string())
                .bind(number(publication.checkpoint.size, "checkpoint size")?)
                .bind(&publication.checkpoint.root)
                .bind(&publication.checkpoint.note)
                .bind(&publication.reason)
                .bind(number(publication.event.index, "event index")?)
                .bind(&publication.event.entry)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn published_records_after(
                &mut self,
                period: HalfYear,
                version: u32,
                after: &[u8],
                limit: i64,
            ) -> Result<Vec<PublicRecord>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT month, ",
                    record_columns!(),
                    " FROM published_records WHERE period = $1 AND version = $2 \
                     AND commitment > $3 ORDER BY commitment LIMIT $4"
                ))
                .bind(period.to_string())
                .bind(i64::from(version))
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|row| record_from_row!(row, "published_records", |row| row
                        .try_get::<String, _>("month")?
                        .parse::<Month>()
                        .map_err(|e| corrupt("published_records.month", e))?))
                    .collect()
            }

            async fn published_lines_after(
                &mut self,
                period: HalfYear,
                version: u32,
                after: &[u8],
                limit: i64,
            ) -> Result<Vec<(Vec<u8>, Option<String>)>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT commitment, line FROM published_records WHERE period = $1 \
                     AND version = $2 AND commitment > $3 ORDER BY commitment LIMIT $4",
                )
                .bind(period.to_string())
                .bind(i64::from(version))
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?)
            }

            async fn published_counts(
                &mut self,
                period: HalfYear,
                version: u32,
            ) -> Result<Vec<CaseCount>, StoreError> {
                let rows = sqlx::query(
                    "SELECT section, country, instrument, customer, outcome, data_stored_abroad, \
                     customer_notified, red_line, COUNT(*) AS cases, \
                     CAST(SUM(accounts) AS BIGINT) AS accounts \
                     FROM published_records WHERE period = $1 AND version = $2 \
                     GROUP BY section, country, instrument, customer, outcome, \
                     data_stored_abroad, customer_notified, red_line",
                )
                .bind(period.to_string())
                .bind(i64::from(version))
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|row| {
                        let country: String = row.try_get("country")?;
                        let cases: i64 = row.try_get("cases")?;
                        let accounts: i64 = row.try_get("accounts")?;
                        Ok(CaseCount {
                            period,
                            section: enum_column(row.try_get("section")?, "published_records.section")?,
                            authority_country: CountryCode::parse(&country)
                                .map_err(|e| corrupt("published_records.country", e))?,
                            instrument: row.try_get("instrument")?,
                            customer: enum_column(row.try_get("customer")?, "published_records.customer")?,
                            outcome: enum_column(row.try_get("outcome")?, "published_records.outcome")?,
                            data_stored_abroad: row.try_get("data_stored_abroad")?,
                            customer_notified: row.try_get("customer_notified")?,
                            red_line: row.try_get("red_line")?,
                            cases: u64::try_from(cases).map_err(|e| corrupt("COUNT(*)", e))?,
                            accounts: u64::try_from(accounts)
                                .map_err(|e| corrupt("SUM(accounts)", e))?,
                        })
                    })
                    .collect()
            }

            async fn published_chunks(
                &mut self,
                period: HalfYear,
                version: u32,
            ) -> Result<Vec<Chunk>, StoreError> {
                let rows = sqlx::query(
                    "SELECT last_commitment, root FROM published_chunks \
                     WHERE period = $1 AND version = $2 ORDER BY chunk",
                )
                .bind(period.to_string())
                .bind(i64::from(version))
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|row| {
                        let last = row.try_get("last_commitment")?;
                        let root = row.try_get("root")?;
                        Ok(Chunk {
                            last: commitment_of(last, "published_chunks.last_commitment")?,
                            root: Hash(commitment_of(root, "published_chunks.root")?.0),
                        })
                    })
                    .collect()
            }

            async fn insert_published_chunks(
                &mut self,
                period: HalfYear,
                version: u32,
                chunks: &[Chunk],
            ) -> Result<(), StoreError> {
                for (number, page) in chunks.chunks(PAGE as usize).enumerate() {
                    let first = number * PAGE as usize;
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO published_chunks (period, version, chunk, last_commitment, root) ",
                    );
                    insert.push_values(page.iter().enumerate(), |mut row, (n, chunk)| {
                        row.push_bind(period.to_string())
                            .push_bind(i64::from(version))
                            .push_bind((first + n) as i64)
                            .push_bind(chunk.last.0.to_vec())
                            .push_bind(chunk.root.0.to_vec());
                    });
                    insert.push(" ON CONFLICT DO NOTHING");
                    insert.build().execute(&mut *self).await?;
                }
                Ok(())
            }
        }
    };
}

transparency_queries_for!(SqliteConnection);
transparency_queries_for!(PgConnection);

/// Why a period cannot be published now.
fn refused(message: String) -> StoreError {
    StoreError::Unpublishable(message)
}

impl Store {
    /// The period's public records, as the case summaries stand now, in commitment
    /// order, handed to `each` a page at a time (the whole period is never in memory).
    pub async fn public_records<E>(
        &self,
        period: HalfYear,
        mut each: impl FnMut(&PublicRecord) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let mut after = Vec::new();
        loop {
            let page = with_connection!(self, |conn| {
                conn.public_records_after(period, &after, PAGE).await
            })?;
            for record in &page {
                if let Err(e) = each(record) {
                    return Ok(Err(e));
                }
            }
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => after = last.commitment.0.to_vec(),
                _ => return Ok(Ok(())),
            }
        }
    }

    /// The frozen records of a publication, in leaf order, a page at a time.
    pub async fn published_records<E>(
        &self,
        period: HalfYear,
        version: u32,
        mut each: impl FnMut(&PublicRecord) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let mut after = None;
        loop {
            let page = self
                .published_records_page(period, version, after.as_ref())
                .await?;
            for record in &page {
                if let Err(e) = each(record) {
                    return Ok(Err(e));
                }
            }
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => after = Some(last.commitment),
                _ => return Ok(Ok(())),
            }
        }
    }

    /// One page of a publication's frozen records: those after `after`, in leaf order;
    /// fewer than a full page at the end.
    pub async fn published_records_page(
        &self,
        period: HalfYear,
        version: u32,
        after: Option<&Commitment>,
    ) -> Result<Vec<PublicRecord>, StoreError> {
        let after = after.map_or(&[][..], |c| c.0.as_slice());
        with_connection!(self, |conn| {
            conn.published_records_after(period, version, after, PAGE)
                .await
        })
    }

    /// One page of a publication's records as `records.jsonl` serves them: each
    /// record's canonical JSON, exactly its leaf's bytes, with its commitment, after
    /// `after`, in leaf order; fewer than a full page at the end. The lines are read as
    /// stored at publication (a publication from before they were kept has its records
    /// written again).
    pub async fn published_lines_page(
        &self,
        period: HalfYear,
        version: u32,
        after: Option<&Commitment>,
    ) -> Result<Vec<(Commitment, String)>, StoreError> {
        let from = after.map_or(&[][..], |c| c.0.as_slice());
        let rows = with_connection!(self, |conn| {
            conn.published_lines_after(period, version, from, PAGE)
                .await
        })?;
        let lines: Option<Vec<(Commitment, String)>> = rows
            .into_iter()
            .map(|(commitment, line)| {
                let commitment = commitment_of(commitment, "published_records.commitment");
                line.map(|line| commitment.map(|c| (c, line)))
            })
            .collect::<Option<Result<_, _>>>()
            .transpose()?;
        match lines {
            Some(lines) => Ok(lines),
            None => Ok(self
                .published_records_page(period, version, after)
                .await?
                .iter()
                .map(|record| (record.commitment, record.canonical_json()))
                .collect()),
        }
    }

    /// A case's transparency secret, for its receipt (`None` for a case the store does
    /// not hold). Never for an API answer or a page: only notices to the people
    /// concerned carry it.
    pub async fn case_secret(&self, case: CaseId) -> Result<Option<CaseSecret>, StoreError> {
        let secret: Option<Option<Vec<u8>>> = with_connection!(self, |conn| {
            sqlx::query_scalar("SELECT secret FROM case_summaries WHERE case_id = $1")
                .bind(case.to_string())
                .fetch_optional(&mut *conn)
                .await
        })?;
        secret
            .flatten()
            .map(|bytes| {
                let bytes: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| corrupt("case_summaries.secret", "not 32 bytes"))?;
                Ok(CaseSecret::from_bytes(bytes))
            })
            .transpose()
    }

    /// The period's publications, oldest first (none while it is provisional).
    pub async fn publications(&self, period: HalfYear) -> Result<Vec<Publication>, StoreError> {
        with_connection!(self, |conn| { conn.publications(period).await })
    }

    /// A publication's records counted together, for its report's figures.
    pub async fn published_counts(
        &self,
        period: HalfYear,
        version: u32,
    ) -> Result<Vec<CaseCount>, StoreError> {
        with_connection!(self, |conn| {
            conn.published_counts(period, version).await
        })
    }

    /// The record with `commitment` in a publication and its inclusion proof in the
    /// publication's tree, from the record's chunk and the chunks' roots.
    pub async fn record_proof(
        &self,
        period: HalfYear,
        version: u32,
        commitment: &Commitment,
    ) -> Result<Option<RecordProof>, StoreError> {
        let Some(publication) = self
            .publications(period)
            .await?
            .into_iter()
            .find(|p| p.version == version)
        else {
            return Ok(None);
        };
        let chunks = self.chunks_of(period, version).await?;
        let chunk = chunks.partition_point(|c| c.last < *commitment);
        if chunk == chunks.len() {
            return Ok(None);
        }
        let after = match chunk.checked_sub(1) {
            Some(before) => chunks[before].last.0.to_vec(),
            None => Vec::new(),
        };
        let leaves = with_connection!(self, |conn| {
            conn.published_records_after(period, version, &after, CHUNK as i64)
                .await
        })?;
        let Some(position) = leaves.iter().position(|r| r.commitment == *commitment) else {
            return Ok(None);
        };
        let index = chunk as u64 * CHUNK + position as u64;
        let size = publication.records.size;
        let roots: Vec<Hash> = chunks.iter().map(|c| c.root).collect();
        let hashes: Vec<Hash> = leaves.iter().map(PublicRecord::leaf_hash).collect();
        Ok(Some(RecordProof {
            record: leaves[position].canonical_json(),
            index,
            size,
            proof: inclusion_proof_in_chunks(index, size, CHUNK, &roots, &hashes)?,
        }))
    }

    /// A publication's chunks; for one published before they were kept, computed from
    /// its frozen records and written first.
    async fn chunks_of(&self, period: HalfYear, version: u32) -> Result<Vec<Chunk>, StoreError> {
        let chunks = with_connection!(self, |conn| {
            conn.published_chunks(period, version).await
        })?;
        if !chunks.is_empty() {
            return Ok(chunks);
        }
        let mut chunker = Chunker::default();
        self.published_records(period, version, |record| chunker.push(record))
            .await??;
        let chunks = chunker.finish();
        in_transaction!(self, |tx| {
            tx.insert_published_chunks(period, version, &chunks).await
        })?;
        Ok(chunks)
    }

    /// Publishes the period's report: freezes its records as the case summaries stand,
    /// and appends `report.published` (the first time) or `report.corrected` (with
    /// `reason`, required then) with the period, version, size and root, in the same
    /// transaction. Refused before the period is over, and when nothing changed since
    /// the last version. `checkpoint` is the signed checkpoint the figures are counted
    /// at (the latest).
    pub async fn publish_report(
        &self,
        period: HalfYear,
        reason: Option<&str>,
        checkpoint: Anchor,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Publication, StoreError> {
        if now < period.end() {
            return Err(refused(format!(
                "{period} is not over until {}: only a finished period is published",
                period.end()
            )));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
            return Err(StoreError::OutOfRange(format!(
                "reason: at most {MAX_REASON} characters"
            )));
        }
        in_transaction!(self, |tx| {
            let earlier = tx.publications(period).await?;
            let last = earlier.last();
            if last.is_some() && reason.is_none() {
                return Err(StoreError::OutOfRange(format!(
                    "reason: {period} was published before; a correction says why"
                )));
            }
            let version = last.map_or(1, |p| p.version + 1);
            let mut tree = RootBuilder::new();
            let mut chunker = Chunker::default();
            let mut after = Vec::new();
            loop {
                let page = tx.public_records_after(period, &after, PAGE).await?;
                for record in &page {
                    tree.push(record.leaf_hash())?;
                    chunker.push(record)?;
                }
                tx.insert_published_records(period, version, &page).await?;
                match page.last() {
                    Some(record) if page.len() as i64 == PAGE => {
                        after = record.commitment.0.to_vec()
                    }
                    _ => break,
                }
            }
            let records = TreeHead {
                size: tree.size(),
                root: tree.root(),
            };
            if let Some(last) = last.filter(|last| last.records == records) {
                return Err(refused(format!(
                    "{period}: the records are as version {} published them; nothing to correct",
                    last.version
                )));
            }
            let mut details = serde_json::json!({
                "period": period,
                "version": version,
                "size": records.size,
                "root": records.root.to_string(),
                "checkpoint": checkpoint.size,
            });
            if let (Some(reason), Some(last), Some(map)) = (reason, last, details.as_object_mut()) {
                map.insert("reason".into(), reason.into());
                map.insert("previous_root".into(), last.records.root.to_string().into());
            }
            let entry =
                AuditEntry::new(now, actor.clone(), action_of(version)).with_details(details);
            let index = tx.append_audit(&entry, &mut Known::new()).await?;
            let publication = Publication {
                version,
                published_at: now,
                records,
                checkpoint,
                reason: reason.filter(|_| version > 1).map(str::to_owned),
                event: PublicationEvent {
                    index,
                    entry: String::from_utf8_lossy(&entry.canonical_bytes()).into_owned(),
                },
            };
            tx.insert_publication(period, &publication).await?;
            tx.insert_published_chunks(period, version, &chunker.finish())
                .await?;
            Ok(publication)
        })
    }
}
