//! Productions: the items collection gathers for a case, and the sealed file that is
//! released to the authority. Collection progress (items, counts) is written as it
//! happens; every change of a production's state goes through [`Store::update_case`]
//! with its audit event.

use sqlx::{PgConnection, Row, SqliteConnection};
use writ_core::{CaseId, ProductionId, Timestamp, UserId};

use crate::db_time::DbTime;
use crate::{Pool, Store, StoreError};

/// A production as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Production {
    pub id: ProductionId,
    pub case_id: CaseId,
    pub state: ProductionState,
    /// Known once the sources have listed the scope's items.
    pub items_total: Option<u64>,
    pub items_done: u64,
    pub bytes_done: u64,
    pub sealed: Option<SealedFile>,
    pub released_by: Option<UserId>,
    /// The releaser's user name.
    pub released_by_name: Option<String>,
    pub released_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// Where a production stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductionState {
    Collecting,
    Sealed,
    Released,
    /// The demand was withdrawn while it was collected; nothing was sealed.
    // Its spool is gone, and nothing will be sealed.
    Cancelled,
}

impl ProductionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collecting => "collecting",
            Self::Sealed => "sealed",
            Self::Released => "released",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Collecting,
            Self::Sealed,
            Self::Released,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The sealed file of a production.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SealedFile {
    /// Its name in the productions directory.
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
    pub manifest_sha256: String,
    /// Nothing in scope was found: a real outcome, sealed and delivered as such.
    pub no_data: bool,
    pub sealed_at: Timestamp,
}

/// One collected item (see `writ_sources::collector::CollectedItem`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProductionItem {
    pub source: String,
    pub account: String,
    pub key: String,
    pub path: String,
    pub sha256: String,
    pub size: u64,
    /// `subscriber`, `ip_identification`, `traffic` or `content`.
    pub category: String,
    pub timestamp: Option<Timestamp>,
    pub rows: Option<u64>,
}

/// What a [`crate::CaseUpdate`] does to the case's production, in the same transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductionChange {
    /// Collection starts: the production is created, `collecting`.
    Start(ProductionId),
    Seal(ProductionId, SealedFile),
    /// A second staff member releases it to the authority.
    Release(ProductionId, UserId),
    /// A collection stopped by a withdrawal ends.
    Cancel(ProductionId),
}

pub(crate) trait ProductionQueries {
    async fn apply_production(
        &mut self,
        case: CaseId,
        change: &ProductionChange,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    async fn productions(&mut self, case: CaseId) -> Result<Vec<Production>, StoreError>;
    async fn production(&mut self, id: ProductionId) -> Result<Option<Production>, StoreError>;
    async fn set_items_total(&mut self, id: ProductionId, total: u64) -> Result<(), StoreError>;
    /// False when the item was already recorded (nothing changes then).
    async fn insert_item(
        &mut self,
        id: ProductionId,
        item: &ProductionItem,
    ) -> Result<bool, StoreError>;
    async fn items(&mut self, id: ProductionId) -> Result<Vec<ProductionItem>, StoreError>;
}

fn db_count(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::OutOfRange(format!("{n} is too large to store")))
}

fn count(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} is negative: {n}")))
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

macro_rules! production_columns {
    () => {
        "id, case_id, state, items_total, items_done, bytes_done, file_name, file_sha256, \
         file_size, manifest_sha256, no_data, sealed_at, released_by, released_at, created_at, \
         (SELECT u.username FROM users u WHERE u.id = productions.released_by) AS released_by_name"
    };
}

macro_rules! production_from_row {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let case_id: String = row.try_get("case_id")?;
        let state: String = row.try_get("state")?;
        let total: Option<i64> = row.try_get("items_total")?;
        let released_by: Option<String> = row.try_get("released_by")?;
        let file_name: Option<String> = row.try_get("file_name")?;
        let sealed = match file_name {
            None => None,
            Some(file_name) => Some(SealedFile {
                file_name,
                sha256: row
                    .try_get::<Option<String>, _>("file_sha256")?
                    .unwrap_or_default(),
                size: count(
                    row.try_get::<Option<i64>, _>("file_size")?.unwrap_or(0),
                    "file_size",
                )?,
                manifest_sha256: row
                    .try_get::<Option<String>, _>("manifest_sha256")?
                    .unwrap_or_default(),
                no_data: row.try_get::<Option<bool>, _>("no_data")?.unwrap_or(false),
                sealed_at: row
                    .try_get::<Option<DbTime>, _>("sealed_at")?
                    .ok_or_else(|| corrupt("productions.sealed_at", "missing for a sealed file"))?
                    .0,
            }),
        };
        Ok::<_, StoreError>(Production {
            id: ProductionId::parse(&id).map_err(|e| corrupt("productions.id", e))?,
            case_id: CaseId::parse(&case_id).map_err(|e| corrupt("productions.case_id", e))?,
            state: ProductionState::parse(&state)
                .ok_or_else(|| corrupt("productions.state", &state))?,
            items_total: total.map(|n| count(n, "items_total")).transpose()?,
            items_done: count(row.try_get("items_done")?, "items_done")?,
            bytes_done: count(row.try_get("bytes_done")?, "bytes_done")?,
            sealed,
            released_by: released_by
                .map(|u| UserId::parse(&u).ok_or_else(|| corrupt("productions.released_by", &u)))
                .transpose()?,
            released_by_name: row.try_get("released_by_name")?,
            released_at: row
                .try_get::<Option<DbTime>, _>("released_at")?
                .map(|t| t.0),
            created_at: row.try_get::<DbTime, _>("created_at")?.0,
        })
    }};
}

macro_rules! production_queries_for {
    ($connection:ty) => {
        impl ProductionQueries for $connection {
            async fn apply_production(
                &mut self,
                case: CaseId,
                change: &ProductionChange,
                at: Timestamp,
            ) -> Result<(), StoreError> {
                let changed = match change {
                    ProductionChange::Start(id) => sqlx::query(
                        "INSERT INTO productions (id, case_id, state, created_at) \
                         VALUES ($1, $2, 'collecting', $3)",
                    )
                    .bind(id.to_string())
                    .bind(case.to_string())
                    .bind(DbTime(at))
                    .execute(&mut *self)
                    .await?,
                    ProductionChange::Seal(id, file) => sqlx::query(
                        "UPDATE productions SET state = 'sealed', file_name = $1, file_sha256 = $2, \
                         file_size = $3, manifest_sha256 = $4, no_data = $5, sealed_at = $6 \
                         WHERE id = $7 AND case_id = $8 AND state = 'collecting'",
                    )
                    .bind(&file.file_name)
                    .bind(&file.sha256)
                    .bind(db_count(file.size)?)
                    .bind(&file.manifest_sha256)
                    .bind(file.no_data)
                    .bind(DbTime(file.sealed_at))
                    .bind(id.to_string())
                    .bind(case.to_string())
                    .execute(&mut *self)
                    .await?,
                    ProductionChange::Release(id, by) => sqlx::query(
                        "UPDATE productions SET state = 'released', released_by = $1, released_at = $2 \
                         WHERE id = $3 AND case_id = $4 AND state = 'sealed'",
                    )
                    .bind(by.to_string())
                    .bind(DbTime(at))
                    .bind(id.to_string())
                    .bind(case.to_string())
                    .execute(&mut *self)
                    .await?,
                    ProductionChange::Cancel(id) => sqlx::query(
                        "UPDATE productions SET state = 'cancelled' \
                         WHERE id = $1 AND case_id = $2 AND state = 'collecting'",
                    )
                    .bind(id.to_string())
                    .bind(case.to_string())
                    .execute(&mut *self)
                    .await?,
                };
                if changed.rows_affected() != 1 {
                    let id = match change {
                        ProductionChange::Start(id)
                        | ProductionChange::Seal(id, _)
                        | ProductionChange::Release(id, _)
                        | ProductionChange::Cancel(id) => id,
                    };
                    return Err(StoreError::NotFound {
                        what: "production in the state this step needs",
                        id: id.to_string(),
                    });
                }
                Ok(())
            }

            async fn productions(&mut self, case: CaseId) -> Result<Vec<Production>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ", production_columns!(),
                    " FROM productions WHERE case_id = $1 ORDER BY created_at, id"
                ))
                .bind(case.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter().map(|row| production_from_row!(row)).collect()
            }

            async fn production(&mut self, id: ProductionId) -> Result<Option<Production>, StoreError> {
                let row = sqlx::query(concat!(
                    "SELECT ", production_columns!(), " FROM productions WHERE id = $1"
                ))
                .bind(id.to_string())
                .fetch_optional(&mut *self)
                .await?;
                row.map(|row| production_from_row!(row)).transpose()
            }

            async fn set_items_total(&mut self, id: ProductionId, total: u64) -> Result<(), StoreError> {
                sqlx::query("UPDATE productions SET items_total = $1 WHERE id = $2")
                    .bind(db_count(total)?)
                    .bind(id.to_string())
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn insert_item(
                &mut self,
                id: ProductionId,
                item: &ProductionItem,
            ) -> Result<bool, StoreError> {
                let inserted = sqlx::query(
                    "INSERT INTO production_items (production_id, source, account, item_key, path, \
                     sha256, size, category, item_time, row_count) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                )
                .bind(id.to_string())
                .bind(&item.source)
                .bind(&item.account)
                .bind(&item.key)
                .bind(&item.path)
                .bind(&item.sha256)
                .bind(db_count(item.size)?)
                .bind(&item.category)
                .bind(item.timestamp.map(DbTime))
                .bind(item.rows.map(db_count).transpose()?)
                .execute(&mut *self)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "UPDATE productions SET items_done = items_done + 1, \
                     bytes_done = bytes_done + $1 WHERE id = $2",
                )
                .bind(db_count(item.size)?)
                .bind(id.to_string())
                .execute(&mut *self)
                .await?;
                Ok(true)
            }

            async fn items(&mut self, id: ProductionId) -> Result<Vec<ProductionItem>, StoreError> {
                let rows = sqlx::query(
                    "SELECT source, account, item_key, path, sha256, size, category, item_time, \
                     row_count FROM production_items WHERE production_id = $1 ORDER BY path",
                )
                .bind(id.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok(ProductionItem {
                            source: row.try_get("source")?,
                            account: row.try_get("account")?,
                            key: row.try_get("item_key")?,
                            path: row.try_get("path")?,
                            sha256: row.try_get("sha256")?,
                            size: count(row.try_get("size")?, "size")?,
                            category: row.try_get("category")?,
                            timestamp: row.try_get::<Option<DbTime>, _>("item_time")?.map(|t| t.0),
                            rows: row
                                .try_get::<Option<i64>, _>("row_count")?
                                .map(|n| count(n, "row_count"))
                                .transpose()?,
                        })
                    })
                    .collect()
            }
        }
    };
}

production_queries_for!(SqliteConnection);
production_queries_for!(PgConnection);

impl Store {
    /// The case's productions, oldest first.
    pub async fn productions(&self, case: CaseId) -> Result<Vec<Production>, StoreError> {
        with_connection!(self, |conn| { conn.productions(case).await })
    }

    pub async fn production(&self, id: ProductionId) -> Result<Production, StoreError> {
        with_connection!(self, |conn| { conn.production(id).await })?.ok_or_else(|| {
            StoreError::NotFound {
                what: "production",
                id: id.to_string(),
            }
        })
    }

    /// How many items the collection has in all, once its sources have listed them.
    pub async fn set_items_total(&self, id: ProductionId, total: u64) -> Result<(), StoreError> {
        in_transaction!(self, |tx| { tx.set_items_total(id, total).await })
    }

    /// Records one collected item and counts it; an item recorded before is left as it
    /// is (false), so a resumed collection cannot count anything twice.
    pub async fn record_item(
        &self,
        id: ProductionId,
        item: &ProductionItem,
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| { tx.insert_item(id, item).await })
    }

    /// The production's items, by path (the manifest's order).
    pub async fn production_items(
        &self,
        id: ProductionId,
    ) -> Result<Vec<ProductionItem>, StoreError> {
        with_connection!(self, |conn| { conn.items(id).await })
    }
}
