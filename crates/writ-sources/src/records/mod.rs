//! SQL record stores: call records, IP sessions, messages, subscriber data, each a
//! configured query whose rows for one account and period become one CSV item.
//!
//! A table is `{ name, category, query, time_column }`. The query takes the account id
//! as `$1` and, when the table has a `time_column`, the period as `$2` (from) and `$3`
//! (to), both inclusive. Times are bound so that one query text works on both backends:
//! on SQLite as fixed-width UTC text (`2026-03-02T09:00:00.000000Z`, the form in which
//! text order is time order, as the demo stores them); on PostgreSQL as the type the
//! server infers for the parameter (`timestamptz`, `timestamp` in UTC, or that same
//! text). writ filters the rows again on `time_column` in Rust, so a query that returns
//! too much cannot widen what is collected. Subscriber data has no time column and no
//! period. Values of any common SQL type become CSV text (NULL an empty field, times in
//! the fixed-width form); a type writ cannot render is an error naming table and column.
//!
//! Each table with at least one row yields one item, `records/{name}.csv` (header row,
//! RFC 4180 quoting, CRLF line ends). Rows stream from the database to the output one at
//! a time; listing runs the query once to count them.

pub(crate) mod sql;

use std::collections::BTreeSet;

use futures::StreamExt;
use serde::Deserialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use writ_core::Timestamp;
use writ_core::demand::{Category, Period};

use sql::{Access, Cell, Db, Param, Prepared};
pub use sql::{DatabaseUrl, fixed_width_time};

use crate::{AccountId, ItemRef, Selection, Source, SourceError};

/// A record source in the configuration:
///
/// ```toml
/// [sources.records]
/// database = "sqlite:///var/lib/provider/provider.db?mode=ro"
/// # tables omitted: the demo provider's (see `demo_tables`)
/// [[sources.records.tables]]
/// name = "calls"
/// category = "traffic"
/// query = "SELECT … FROM calls WHERE account_id = $1 AND started_at >= $2 AND started_at <= $3 ORDER BY started_at"
/// time_column = "started_at"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSourceConfig {
    pub database: DatabaseUrl,
    /// The tables to read; the demo provider's when omitted.
    #[serde(default)]
    pub tables: Option<Vec<TableConfig>>,
}

/// One table of a record source: a query whose rows for an account are one CSV item.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableConfig {
    /// Names the item (`records/{name}.csv`): lower-case letters, digits, `_` and `-`.
    pub name: String,
    pub category: Category,
    /// `$1` is the account id; `$2` and `$3` the period when there is a `time_column`.
    pub query: String,
    /// The column that dates each row; none for subscriber data, which has no period.
    #[serde(default)]
    pub time_column: Option<String>,
}

fn table(name: &str, category: Category, query: &str, time_column: Option<&str>) -> TableConfig {
    TableConfig {
        name: name.to_owned(),
        category,
        query: query.to_owned(),
        time_column: time_column.map(str::to_owned),
    }
}

/// The demo provider's tables (see [`crate::demo::records`]): subscriber data and
/// devices, IP sessions, call records, message records (no bodies) and message bodies.
/// The queries are the same on SQLite and PostgreSQL.
pub fn demo_tables() -> Vec<TableConfig> {
    vec![
        table(
            "subscriber",
            Category::Subscriber,
            // Never the password hash, whatever else the accounts table holds.
            "SELECT a.id AS account_id, a.name, a.email, a.phone, a.username, a.plan, \
             a.created_at, t.id AS tenant_id, t.name AS tenant_name \
             FROM accounts a LEFT JOIN tenants t ON t.id = a.tenant_id WHERE a.id = $1",
            None,
        ),
        table(
            "devices",
            Category::Subscriber,
            "SELECT account_id, device_id, kind, first_seen FROM devices \
             WHERE account_id = $1 ORDER BY first_seen, device_id",
            None,
        ),
        table(
            "ip_sessions",
            Category::IpIdentification,
            "SELECT account_id, ip, port, device_id, started_at, ended_at FROM ip_sessions \
             WHERE account_id = $1 AND started_at >= $2 AND started_at <= $3 \
             ORDER BY started_at, id",
            Some("started_at"),
        ),
        table(
            "calls",
            Category::Traffic,
            "SELECT account_id, direction, other_party, started_at, duration_s FROM calls \
             WHERE account_id = $1 AND started_at >= $2 AND started_at <= $3 \
             ORDER BY started_at, id",
            Some("started_at"),
        ),
        table(
            "messages",
            Category::Traffic,
            // Who, when, how long: not what was written (that is content).
            "SELECT account_id, direction, peer, sent_at, length(body) AS body_length \
             FROM messages WHERE account_id = $1 AND sent_at >= $2 AND sent_at <= $3 \
             ORDER BY sent_at, id",
            Some("sent_at"),
        ),
        table(
            "message_bodies",
            Category::Content,
            "SELECT account_id, direction, peer, sent_at, body FROM messages \
             WHERE account_id = $1 AND sent_at >= $2 AND sent_at <= $3 \
             ORDER BY sent_at, id",
            Some("sent_at"),
        ),
    ]
}

struct Table {
    config: TableConfig,
    prepared: Prepared,
    /// The index of `time_column` among the query's columns.
    time_index: Option<usize>,
}

/// A SQL record store as a [`Source`].
pub struct RecordSource {
    name: String,
    db: Db,
    tables: Vec<Table>,
}

impl std::fmt::Debug for RecordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordSource")
            .field("name", &self.name)
            .field(
                "tables",
                &self
                    .tables
                    .iter()
                    .map(|t| &t.config.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The earliest and latest times a period-less selection binds for a timed table.
fn all_time() -> Option<Period> {
    let from = Timestamp::parse("0001-01-01T00:00:00Z").ok()?;
    let to = Timestamp::parse("9999-12-31T23:59:59.999999Z").ok()?;
    Period::new(from, to)
}

impl RecordSource {
    /// Connects (read-only) and prepares every table's query, so that a table whose
    /// query does not prepare, takes the wrong parameters or lacks its time column is
    /// an error now, naming the table, rather than during a collection.
    pub async fn connect(
        name: impl Into<String>,
        config: &RecordSourceConfig,
    ) -> Result<Self, SourceError> {
        let name = name.into();
        let configs = config.tables.clone().unwrap_or_else(demo_tables);
        let mut names = BTreeSet::new();
        for table in &configs {
            let valid = !table.name.is_empty()
                && table.name.len() <= 64
                && table
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !valid {
                return Err(SourceError::invalid(
                    &name,
                    format!(
                        "table name {:?} must be 1 to 64 lower-case letters, digits, _ or -",
                        table.name
                    ),
                ));
            }
            if !names.insert(table.name.clone()) {
                return Err(SourceError::invalid(
                    &name,
                    format!("table {} is configured twice", table.name),
                ));
            }
        }
        let db = Db::connect(&config.database, Access::ReadOnly)
            .await
            .map_err(|e| SourceError::unavailable(&name, e))?;
        let mut tables = Vec::with_capacity(configs.len());
        for config in configs {
            let max_params = if config.time_column.is_some() { 3 } else { 1 };
            let prepared = match db.prepare(&config.query, max_params).await {
                Ok(prepared) => prepared,
                Err(problem) => {
                    db.close().await;
                    return Err(SourceError::invalid(
                        &name,
                        format!("table {}: the query {problem}", config.name),
                    ));
                }
            };
            let time_index = match &config.time_column {
                None => None,
                Some(column) => match prepared.columns.iter().position(|c| c == column) {
                    Some(index) => Some(index),
                    None => {
                        db.close().await;
                        return Err(SourceError::invalid(
                            &name,
                            format!(
                                "table {}: time_column {column} is not among the query's columns ({})",
                                config.name,
                                prepared.columns.join(", ")
                            ),
                        ));
                    }
                },
            };
            tables.push(Table {
                config,
                prepared,
                time_index,
            });
        }
        Ok(Self { name, db, tables })
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// The tables as configured, in order.
    pub fn tables(&self) -> impl Iterator<Item = &TableConfig> {
        self.tables.iter().map(|t| &t.config)
    }

    fn invalid(&self, table: &str, problem: impl std::fmt::Display) -> SourceError {
        SourceError::invalid(&self.name, format!("table {table}: {problem}"))
    }

    /// The rows of `table` for `account` inside `period`, as the database yields them.
    fn rows<'a>(
        &'a self,
        table: &'a Table,
        account: &AccountId,
        period: Option<Period>,
    ) -> Rows<'a> {
        let bounds = match (table.time_index, period) {
            (None, _) => None,
            (Some(_), Some(period)) => Some(period),
            (Some(_), None) => all_time(),
        };
        let mut params = vec![Param::Text(&account.0)];
        if let Some(bounds) = bounds {
            params.push(Param::Time(bounds.from()));
            params.push(Param::Time(bounds.to()));
        }
        Rows {
            source: self,
            table,
            bounds,
            inner: self.db.fetch(&table.prepared, &params),
        }
    }
}

/// A table's rows for one account and period, checked and filtered one at a time.
struct Rows<'a> {
    source: &'a RecordSource,
    table: &'a Table,
    bounds: Option<Period>,
    inner: futures::stream::BoxStream<'a, Result<Vec<Cell>, sql::DbError>>,
}

impl Rows<'_> {
    async fn next(&mut self) -> Result<Option<Vec<Cell>>, SourceError> {
        let name = &self.table.config.name;
        let columns = self.table.prepared.columns.len();
        while let Some(row) = self.inner.next().await {
            let row = row.map_err(|e| match e {
                sql::DbError::Sql(e) => SourceError::unavailable(
                    &self.source.name,
                    format!("table {name}: the query failed: {e}"),
                ),
                other => self.source.invalid(name, other),
            })?;
            if row.len() != columns {
                return Err(self.source.invalid(
                    name,
                    format!(
                        "a row has {} columns, the query declared {columns}",
                        row.len()
                    ),
                ));
            }
            if let (Some(index), Some(bounds)) = (self.table.time_index, self.bounds) {
                let cell = &row[index];
                let column = self.table.config.time_column.as_deref().unwrap_or_default();
                let at = cell.time().ok_or_else(|| {
                    self.source.invalid(
                        name,
                        format!(
                            "column {column}: {:?} is not a time (RFC 3339 text or a timestamp)",
                            cell.render()
                        ),
                    )
                })?;
                // The query should not return rows outside the period; if it does, they
                // are not collected.
                if !bounds.contains(at) {
                    tracing::warn!(source = %self.source.name, table = %name, %at,
                        "the query returned a row outside the period; it is left out");
                    continue;
                }
            }
            return Ok(Some(row));
        }
        Ok(None)
    }
}

const KEY_PREFIX: &str = "records/";

/// `records/calls/2026-01-01T00:00:00Z..2026-03-31T23:59:59Z`, `records/calls/any`,
/// `records/subscriber`: the table and the period its rows were selected for, so that
/// `fetch` writes exactly what `list` counted.
fn item_key(table: &Table, period: Option<Period>) -> String {
    let name = &table.config.name;
    match (table.time_index, period) {
        (None, _) => format!("{KEY_PREFIX}{name}"),
        (Some(_), None) => format!("{KEY_PREFIX}{name}/any"),
        (Some(_), Some(p)) => format!(
            "{KEY_PREFIX}{name}/{}..{}",
            p.from().to_rfc3339(),
            p.to().to_rfc3339()
        ),
    }
}

/// The table name and the period from a key made by [`item_key`].
fn parse_key(key: &str) -> Option<(&str, Option<Period>)> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let Some((name, period)) = rest.split_once('/') else {
        return Some((rest, None));
    };
    if period == "any" {
        return Some((name, None));
    }
    let (from, to) = period.split_once("..")?;
    let period = Period::new(Timestamp::parse(from).ok()?, Timestamp::parse(to).ok()?)?;
    Some((name, Some(period)))
}

/// Writes one CSV record (RFC 4180 quoting, CRLF) to `out`, through `buf`.
pub(crate) async fn write_csv_record<I, T>(
    buf: &mut Vec<u8>,
    fields: I,
    out: &mut (dyn AsyncWrite + Send + Unpin),
) -> Result<u64, std::io::Error>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    buf.clear();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut *buf);
        writer.write_record(fields).map_err(std::io::Error::other)?;
        writer.flush()?;
    }
    out.write_all(buf).await?;
    Ok(buf.len() as u64)
}

#[async_trait::async_trait]
impl Source for RecordSource {
    fn name(&self) -> &str {
        &self.name
    }

    async fn list(
        &self,
        account: &AccountId,
        selection: &Selection,
    ) -> Result<Vec<ItemRef>, SourceError> {
        let mut items = Vec::new();
        for table in &self.tables {
            if !selection.wants(table.config.category) {
                continue;
            }
            let mut stream = self.rows(table, account, selection.period);
            let mut rows = 0u64;
            while stream.next().await?.is_some() {
                rows += 1;
            }
            if rows == 0 {
                continue;
            }
            items.push(ItemRef {
                key: item_key(table, selection.period),
                path: format!("records/{}.csv", table.config.name),
                category: table.config.category,
                timestamp: None,
                rows: Some(rows),
            });
        }
        Ok(items)
    }

    async fn fetch(
        &self,
        account: &AccountId,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError> {
        let (name, period) = parse_key(&item.key).ok_or_else(|| {
            SourceError::invalid(
                &self.name,
                format!("{:?} is not an item key of this record source", item.key),
            )
        })?;
        let table = self
            .tables
            .iter()
            .find(|t| t.config.name == name)
            .ok_or_else(|| {
                SourceError::invalid(
                    &self.name,
                    format!(
                        "item {:?} names table {name}, which is not configured",
                        item.key
                    ),
                )
            })?;
        let mut buf = Vec::with_capacity(256);
        let mut written = write_csv_record(&mut buf, &table.prepared.columns, &mut *out).await?;
        // The rows go out one at a time as the database yields them.
        let mut stream = self.rows(table, account, period);
        let mut rows = 0u64;
        while let Some(row) = stream.next().await? {
            let fields: Vec<String> = row.iter().map(Cell::render).collect();
            written += write_csv_record(&mut buf, &fields, &mut *out).await?;
            rows += 1;
        }
        if let Some(listed) = item.rows
            && listed != rows
        {
            return Err(self.invalid(
                name,
                format!("{listed} rows were listed but {rows} were fetched: the records changed in between"),
            ));
        }
        out.flush().await?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn keys_round_trip_the_table_and_period() {
        let period = Period::new(at("2026-01-01T00:00:00Z"), at("2026-03-31T23:59:59.5Z"));
        assert_eq!(
            parse_key("records/calls/2026-01-01T00:00:00Z..2026-03-31T23:59:59.5Z"),
            Some(("calls", period))
        );
        assert_eq!(parse_key("records/calls/any"), Some(("calls", None)));
        assert_eq!(parse_key("records/subscriber"), Some(("subscriber", None)));
        assert_eq!(parse_key("files/x"), None);
        assert_eq!(
            parse_key("records/calls/2026-02-01T00:00:00Z..2026-01-01T00:00:00Z"),
            None
        );
    }

    #[test]
    fn demo_tables_never_put_bodies_or_passwords_outside_content() {
        for table in demo_tables() {
            let query = table.query.to_lowercase();
            assert!(!query.contains("password"), "{}", table.name);
            if table.category != Category::Content {
                assert!(
                    !query.contains(", body ") && !query.contains(" body,"),
                    "{} selects the body",
                    table.name
                );
            }
        }
    }

    #[test]
    fn config_is_toml_with_known_fields_only() {
        let config: RecordSourceConfig = toml::from_str(
            r#"
            database = "sqlite:///tmp/p.db?mode=ro"
            [[tables]]
            name = "calls"
            category = "traffic"
            query = "SELECT 1 WHERE $1 = $1"
            "#,
        )
        .unwrap();
        assert_eq!(config.tables.unwrap()[0].category, Category::Traffic);
        let wrong = toml::from_str::<RecordSourceConfig>(
            r#"
            database = "sqlite:///tmp/p.db"
            [[tables]]
            name = "calls"
            category = "traffic"
            query = "SELECT 1"
            time_colum = "started_at"
            "#,
        )
        .unwrap_err();
        assert!(wrong.to_string().contains("time_colum"), "{wrong}");
    }
}
