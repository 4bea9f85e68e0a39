//! The SQL plumbing the directory and the record source share: one pool over SQLite or
//! PostgreSQL chosen by the URL, queries prepared (and so checked) when a connector is
//! opened, parameters bound the way each backend compares times, and any column value
//! turned into a [`Cell`] that renders as text.
//!
//! **How time parameters are bound.** SQLite has no time type: times are compared as
//! text, so writ binds them as fixed-width UTC text (`2026-03-02T09:00:00.000000Z`, the
//! form the demo stores, in which text order is time order). On PostgreSQL writ binds
//! each parameter as the type the server infers for it: `timestamptz` (or `timestamp`,
//! in UTC) where the query compares it with such a column, that same text where it is
//! text. The same query text therefore works on both backends.

use std::fmt;
use std::str::FromStr;

use futures::stream::{self, BoxStream, StreamExt};
use serde::Deserialize;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteRow, SqliteTypeInfo};
use sqlx::{
    AssertSqlSafe, Column, Database, Decode, Either, Encode, Executor, PgPool, Postgres, Row,
    SqlSafeStr, Sqlite, SqlitePool, Statement, Type, TypeInfo, ValueRef,
};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};
use writ_core::Timestamp;

/// The text form of a time on SQLite: UTC, microseconds, one fixed width.
const SQLITE_TIME: &[time::format_description::BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// `at` as SQLite stores it (`2026-03-02T09:00:00.000000Z`); also how times render in CSV.
pub fn fixed_width_time(at: Timestamp) -> String {
    // A UTC time within years 0..=9999 always formats; the fallback keeps this total.
    at.datetime()
        .format(SQLITE_TIME)
        .unwrap_or_else(|_| at.to_rfc3339())
}

/// A database URL (`sqlite:///var/lib/provider.db?mode=ro`,
/// `postgres://writ:…@db.internal/provider`). Its password never appears in `Debug` or
/// `Display`, so the URL can be logged and shown in errors.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password, to connect with.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn redacted(&self) -> String {
        let url = &self.0;
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.clone();
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
                let hidden = if userinfo.contains(':') { ":***" } else { "" };
                format!("{scheme}://{user}{hidden}@{host}{tail}")
            }
            None => url.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Whether a connection may write: connectors only read the provider's database; the
/// demo generator creates and fills it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    ReadOnly,
    /// Read and write, creating a missing SQLite file.
    Create,
}

/// A pool on one of the two backends.
#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once per
/// backend, so it may use backend-specific types through inference.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::records::sql::Db::Sqlite($pool) => $body,
            $crate::records::sql::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// What a query expects in one parameter, as prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParamKind {
    Text,
    Integer,
    Timestamptz,
    Timestamp,
}

/// A value for a parameter: an identifier or an account id, or a time.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Text(&'a str),
    Time(Timestamp),
}

/// A query that prepared on the database: its columns and how to bind its parameters.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    sql: String,
    pub(crate) columns: Vec<String>,
    params: Vec<ParamKind>,
}

impl Prepared {
    pub(crate) fn param_count(&self) -> usize {
        self.params.len()
    }
}

/// One column value of a result row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Null,
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
    Time(Timestamp),
    Date(time::Date),
    Json(String),
}

impl Cell {
    /// The value as it goes into a CSV field (NULL is an empty field).
    pub(crate) fn render(&self) -> String {
        match self {
            Self::Null => String::new(),
            Self::Text(text) | Self::Json(text) => text.clone(),
            Self::Int(n) => n.to_string(),
            Self::Real(x) => x.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Time(at) => fixed_width_time(*at),
            Self::Date(date) => {
                format!(
                    "{:04}-{:02}-{:02}",
                    date.year(),
                    u8::from(date.month()),
                    date.day()
                )
            }
        }
    }

    /// The value as an instant: a time column, or RFC 3339 text (SQLite's times).
    pub(crate) fn time(&self) -> Option<Timestamp> {
        match self {
            Self::Time(at) => Some(*at),
            Self::Text(text) => Timestamp::parse(text).ok(),
            _ => None,
        }
    }

    /// The value as an identifier (an account id may be text or a number).
    pub(crate) fn identifier(&self) -> Option<String> {
        match self {
            Self::Text(text) => Some(text.clone()),
            Self::Int(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// Why a query could not run or a value could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    #[error("{0}")]
    Sql(#[from] sqlx::Error),
    #[error("column {column}: {problem}")]
    Column { column: String, problem: String },
}

impl DbError {
    fn column(column: &str, problem: impl fmt::Display) -> Self {
        Self::Column {
            column: column.to_owned(),
            problem: problem.to_string(),
        }
    }
}

impl Db {
    /// Connects to `url`, a `sqlite:` or `postgres://` URL. Read-only access is enforced
    /// by the database (SQLite opened read-only, PostgreSQL transactions read-only), and
    /// a missing SQLite file is an error unless `access` is [`Access::Create`].
    pub(crate) async fn connect(url: &DatabaseUrl, access: Access) -> Result<Self, String> {
        let text = url.expose();
        let read_only = access == Access::ReadOnly;
        if text.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(text)
                .map_err(|e| format!("{url} is not a usable SQLite URL: {e}"))?;
            let options = if read_only {
                options.read_only(true)
            } else {
                options.create_if_missing(true)
            };
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .map_err(|e| format!("opening {url}: {e}"))?;
            Ok(Self::Sqlite(pool))
        } else if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(text)
                .map_err(|e| format!("{url} is not a usable PostgreSQL URL: {e}"))?;
            let options = if read_only {
                options.options([("default_transaction_read_only", "on")])
            } else {
                options
            };
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .map_err(|e| format!("connecting to {url}: {e}"))?;
            Ok(Self::Postgres(pool))
        } else {
            Err(format!(
                "{url} is not a database URL: it must start with sqlite: or postgres://"
            ))
        }
    }

    pub(crate) async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }

    /// Prepares `sql`, which must take between 1 and `max_params` parameters, and
    /// learns its columns and parameter types. The error says what is wrong with the
    /// query, for the caller to prefix with which query it is.
    pub(crate) async fn prepare(&self, sql: &str, max_params: usize) -> Result<Prepared, String> {
        let sql_str = AssertSqlSafe(sql.to_owned()).into_sql_str();
        let (columns, params) = match self {
            Self::Sqlite(pool) => {
                let statement = pool
                    .prepare(sql_str)
                    .await
                    .map_err(|e| format!("does not prepare: {e}"))?;
                let count = match statement.parameters() {
                    Some(Either::Right(count)) => count,
                    Some(Either::Left(types)) => types.len(),
                    None => 0,
                };
                (
                    column_names(statement.columns()),
                    vec![ParamKind::Text; count],
                )
            }
            Self::Postgres(pool) => {
                let statement = pool
                    .prepare(sql_str)
                    .await
                    .map_err(|e| format!("does not prepare: {e}"))?;
                let params = match statement.parameters() {
                    Some(Either::Left(types)) => types
                        .iter()
                        .enumerate()
                        .map(|(i, ty)| pg_param_kind(i + 1, ty))
                        .collect::<Result<Vec<_>, _>>()?,
                    Some(Either::Right(count)) => vec![ParamKind::Text; count],
                    None => Vec::new(),
                };
                (column_names(statement.columns()), params)
            }
        };
        if params.is_empty() || params.len() > max_params {
            let allowed = match max_params {
                1 => "$1".to_owned(),
                n => format!("$1 to ${n}"),
            };
            return Err(format!(
                "takes {} parameters; it must use {allowed}",
                params.len()
            ));
        }
        if columns.is_empty() {
            return Err("returns no columns: it must be a SELECT".to_owned());
        }
        Ok(Prepared {
            sql: sql.to_owned(),
            columns,
            params,
        })
    }

    /// Runs `prepared` with the first of `params` it takes, streaming rows. A text value
    /// given to an integer parameter (an account id like `acc-alice` where ids are
    /// numbers) matches nothing: the stream is empty.
    pub(crate) fn fetch<'a>(
        &'a self,
        prepared: &Prepared,
        params: &[Param<'_>],
    ) -> BoxStream<'a, Result<Vec<Cell>, DbError>> {
        let sql = AssertSqlSafe(prepared.sql.clone());
        let bindings: Option<Vec<(ParamKind, Param<'_>)>> = prepared
            .params
            .iter()
            .zip(params)
            .map(|(kind, param)| match (kind, param) {
                (ParamKind::Integer, Param::Text(text)) => {
                    text.parse::<i64>().ok().map(|_| (*kind, *param))
                }
                _ => Some((*kind, *param)),
            })
            .collect();
        let Some(bindings) = bindings else {
            return stream::empty().boxed();
        };
        match self {
            Self::Sqlite(pool) => {
                let mut query = sqlx::query::<Sqlite>(sql);
                for (_, param) in bindings {
                    query = match param {
                        Param::Text(text) => query.bind(text.to_owned()),
                        Param::Time(at) => query.bind(fixed_width_time(at)),
                    };
                }
                query.fetch(pool).map(|row| sqlite_cells(&row?)).boxed()
            }
            Self::Postgres(pool) => {
                let mut query = sqlx::query::<Postgres>(sql);
                for (kind, param) in bindings {
                    query = match (kind, param) {
                        (ParamKind::Integer, Param::Text(text)) => {
                            query.bind(text.parse::<i64>().unwrap_or_default())
                        }
                        (_, Param::Text(text)) => query.bind(text.to_owned()),
                        (ParamKind::Timestamptz, Param::Time(at)) => query.bind(at.datetime()),
                        (ParamKind::Timestamp, Param::Time(at)) => {
                            let at = at.datetime();
                            query.bind(PrimitiveDateTime::new(at.date(), at.time()))
                        }
                        (_, Param::Time(at)) => query.bind(fixed_width_time(at)),
                    };
                }
                query.fetch(pool).map(|row| pg_cells(&row?)).boxed()
            }
        }
    }
}

fn column_names<C: Column>(columns: &[C]) -> Vec<String> {
    columns.iter().map(|c| c.name().to_owned()).collect()
}

fn pg_param_kind(index: usize, ty: &PgTypeInfo) -> Result<ParamKind, String> {
    match ty.name() {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "UNKNOWN" => Ok(ParamKind::Text),
        "INT2" | "INT4" | "INT8" => Ok(ParamKind::Integer),
        "TIMESTAMPTZ" => Ok(ParamKind::Timestamptz),
        "TIMESTAMP" => Ok(ParamKind::Timestamp),
        other => Err(format!(
            "parameter ${index} is of type {other}, which writ does not bind; \
             compare it with a text, integer or timestamp column, or cast it (${index}::text)"
        )),
    }
}

fn sqlite_cells(row: &SqliteRow) -> Result<Vec<Cell>, DbError> {
    (0..row.len())
        .map(|i| {
            let name = row.column(i).name();
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Cell::Null);
            }
            // A non-NULL SQLite value has one of the storage classes, whatever the
            // column was declared as.
            let storage = raw.type_info().name().to_owned();
            let bad = |e: BoxDynError| DbError::column(name, e);
            match storage.as_str() {
                "INTEGER" => <i64 as Decode<'_, Sqlite>>::decode(raw)
                    .map(Cell::Int)
                    .map_err(bad),
                "REAL" => <f64 as Decode<'_, Sqlite>>::decode(raw)
                    .map(Cell::Real)
                    .map_err(bad),
                "TEXT" => <String as Decode<'_, Sqlite>>::decode(raw)
                    .map(Cell::Text)
                    .map_err(bad),
                other => Err(DbError::column(
                    name,
                    format!("SQLite values of type {other} do not go into CSV; convert it in the query (hex(...) for a blob)"),
                )),
            }
        })
        .collect()
}

fn pg_cells(row: &PgRow) -> Result<Vec<Cell>, DbError> {
    (0..row.len())
        .map(|i| {
            let name = row.column(i).name();
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Cell::Null);
            }
            let ty = raw.type_info().name().to_owned();
            pg_cell(name, &ty, raw)
        })
        .collect()
}

fn pg_cell(name: &str, ty: &str, raw: PgValueRef<'_>) -> Result<Cell, DbError> {
    fn decode<'r, T: Decode<'r, Postgres>>(name: &str, raw: PgValueRef<'r>) -> Result<T, DbError> {
        T::decode(raw).map_err(|e| DbError::column(name, e))
    }
    Ok(match ty {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CITEXT" => Cell::Text(decode(name, raw)?),
        "INT2" => Cell::Int(i64::from(decode::<i16>(name, raw)?)),
        "INT4" => Cell::Int(i64::from(decode::<i32>(name, raw)?)),
        "INT8" => Cell::Int(decode(name, raw)?),
        "FLOAT4" => Cell::Real(f64::from(decode::<f32>(name, raw)?)),
        "FLOAT8" => Cell::Real(decode(name, raw)?),
        "BOOL" => Cell::Bool(decode(name, raw)?),
        "TIMESTAMPTZ" => Cell::Time(Timestamp::from_datetime(decode::<OffsetDateTime>(
            name, raw,
        )?)),
        "TIMESTAMP" => Cell::Time(Timestamp::from_datetime(
            decode::<PrimitiveDateTime>(name, raw)?.assume_utc(),
        )),
        "DATE" => Cell::Date(decode(name, raw)?),
        "JSON" | "JSONB" => Cell::Json(decode::<serde_json::Value>(name, raw)?.to_string()),
        other => {
            return Err(DbError::column(
                name,
                format!(
                    "PostgreSQL type {other} is not supported; cast it to text in the query ({name}::text)"
                ),
            ));
        }
    })
}

/// A [`Timestamp`] as each backend stores it: fixed-width text on SQLite, `timestamptz`
/// on PostgreSQL. Used by the demo generator's inserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DbTime(pub(crate) Timestamp);

impl Type<Sqlite> for DbTime {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for DbTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<'_, Sqlite>>::encode(fixed_width_time(self.0), buf)
    }
}

impl Type<Postgres> for DbTime {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for DbTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<'_, Postgres>>::encode(self.0.datetime(), buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_hide_their_password() {
        let url =
            DatabaseUrl::new("postgres://writ:s3cret@db.internal:5432/provider?sslmode=require");
        assert_eq!(
            format!("{url}"),
            "postgres://writ:***@db.internal:5432/provider?sslmode=require"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        let plain = DatabaseUrl::new("sqlite:///var/lib/provider.db?mode=ro");
        assert_eq!(plain.to_string(), "sqlite:///var/lib/provider.db?mode=ro");
        let user_only = DatabaseUrl::new("postgres://writ@db/provider");
        assert_eq!(user_only.to_string(), "postgres://writ@db/provider");
    }

    #[test]
    fn fixed_width_times_sort_as_text_in_time_order() {
        let a = Timestamp::parse("2026-03-02T09:00:00Z").unwrap();
        let b = Timestamp::parse("2026-03-02T09:00:00.5Z").unwrap();
        let c = Timestamp::parse("2026-03-02T10:00:00Z").unwrap();
        let texts: Vec<String> = [a, b, c].into_iter().map(fixed_width_time).collect();
        assert_eq!(texts[0], "2026-03-02T09:00:00.000000Z");
        assert!(texts[0] < texts[1] && texts[1] < texts[2]);
        assert_eq!(Timestamp::parse(&texts[1]).unwrap(), b);
    }

    #[test]
    fn cells_render_as_csv_text() {
        assert_eq!(Cell::Null.render(), "");
        assert_eq!(Cell::Int(-3).render(), "-3");
        assert_eq!(Cell::Real(2.5).render(), "2.5");
        assert_eq!(Cell::Bool(true).render(), "true");
        let at = Timestamp::parse("2026-03-02T09:00:00Z").unwrap();
        assert_eq!(Cell::Time(at).render(), "2026-03-02T09:00:00.000000Z");
        assert_eq!(
            Cell::Text("2026-03-02T09:00:00.000000Z".into()).time(),
            Some(at)
        );
        assert_eq!(Cell::Int(7).identifier().as_deref(), Some("7"));
    }
}
