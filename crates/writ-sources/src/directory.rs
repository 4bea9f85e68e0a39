//! The provider's account directory in a SQL database: which account an identifier
//! names, and the enterprise tenant the account belongs to.
//!
//! One query per identifier kind takes the normalised identifier as `$1` (for `ip`, the
//! time the address was observed as `$2`, matched against the IP-assignment log) and
//! returns the account id; a last query, `entry`, returns the account's tenant. The
//! defaults fit the demo provider's schema ([`crate::demo::records`]), so a demo
//! configuration is only the database URL. Every query is prepared when the directory
//! is opened, so a wrong one is reported at start, by name.
//!
//! An identifier that matches two accounts (a shared IP address at that time, a phone
//! number on two accounts) is an error, not a guess: writ must not disclose the wrong
//! person's data.

use std::collections::BTreeSet;

use futures::StreamExt;
use serde::Deserialize;
use writ_core::{Identifier, Timestamp};

use crate::records::DatabaseUrl;
use crate::records::sql::{Access, Cell, Db, Param, Prepared};
use crate::{AccountDirectory, AccountEntry, AccountId, SourceError, TenantEntry};

const SOURCE: &str = "directory";

/// The directory in the configuration:
///
/// ```toml
/// [directory]
/// database = "sqlite:///var/lib/provider/provider.db?mode=ro"
/// [directory.queries]          # optional; each defaults to the demo schema's
/// phone = "SELECT account_id FROM phone_numbers WHERE e164 = $1"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    pub database: DatabaseUrl,
    #[serde(default)]
    pub queries: DirectoryQueries,
}

/// Per-kind queries; `None` takes the default (the `DEFAULT_*` constants).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryQueries {
    /// `$1`: the address in lower case. Returns the account id.
    pub email: Option<String>,
    /// `$1`: the number in E.164 form (`+12065550123`).
    pub phone: Option<String>,
    pub username: Option<String>,
    pub account_id: Option<String>,
    pub device_id: Option<String>,
    /// `$1`: the address in canonical text form (`203.0.113.7`, `2001:db8::1`); `$2`:
    /// the time it was observed. Returns the account whose session covered that time.
    pub ip: Option<String>,
    /// `$1`: an account id. Returns one row: account id, tenant id, tenant name, seats,
    /// tenant admin e-mail (the tenant columns NULL for a consumer account).
    pub entry: Option<String>,
    /// `$1`: an account id. Returns the address the account's holder is notified at
    /// (NULL, or no row, when there is none: the notice is then undeliverable).
    pub contact: Option<String>,
}

pub const DEFAULT_EMAIL_QUERY: &str = "SELECT id FROM accounts WHERE email = $1";
pub const DEFAULT_PHONE_QUERY: &str = "SELECT id FROM accounts WHERE phone = $1";
pub const DEFAULT_USERNAME_QUERY: &str = "SELECT id FROM accounts WHERE username = $1";
pub const DEFAULT_ACCOUNT_ID_QUERY: &str = "SELECT id FROM accounts WHERE id = $1";
pub const DEFAULT_DEVICE_ID_QUERY: &str = "SELECT account_id FROM devices WHERE device_id = $1";
/// The session whose `[started_at, ended_at]` covers the time.
pub const DEFAULT_IP_QUERY: &str = "SELECT DISTINCT account_id FROM ip_sessions \
     WHERE ip = $1 AND started_at <= $2 AND ended_at >= $2";
pub const DEFAULT_CONTACT_QUERY: &str = "SELECT email FROM accounts WHERE id = $1";
pub const DEFAULT_ENTRY_QUERY: &str = "SELECT a.id, t.id, t.name, t.seats, t.admin_email \
     FROM accounts a LEFT JOIN tenants t ON t.id = a.tenant_id WHERE a.id = $1";

/// The identifier kinds, in the order they are prepared, with their config key.
const KINDS: [&str; 6] = [
    "email",
    "phone",
    "username",
    "account_id",
    "device_id",
    "ip",
];

/// The account directory over a SQL database.
#[derive(Debug)]
pub struct SqlDirectory {
    db: Db,
    /// One prepared query per entry of [`KINDS`], in that order.
    by_kind: Vec<Prepared>,
    entry: Prepared,
    contact: Prepared,
}

impl SqlDirectory {
    /// Connects (read-only) and prepares every query, checking that each returns the
    /// columns it must; an error names the query.
    pub async fn connect(config: &DirectoryConfig) -> Result<Self, SourceError> {
        let db = Db::connect(&config.database, Access::ReadOnly)
            .await
            .map_err(|e| SourceError::unavailable(SOURCE, e))?;
        match Self::prepare_all(&db, &config.queries).await {
            Ok((by_kind, entry, contact)) => Ok(Self {
                db,
                by_kind,
                entry,
                contact,
            }),
            Err(e) => {
                db.close().await;
                Err(e)
            }
        }
    }

    async fn prepare_all(
        db: &Db,
        queries: &DirectoryQueries,
    ) -> Result<(Vec<Prepared>, Prepared, Prepared), SourceError> {
        let q = queries;
        let texts = [
            (&q.email, DEFAULT_EMAIL_QUERY),
            (&q.phone, DEFAULT_PHONE_QUERY),
            (&q.username, DEFAULT_USERNAME_QUERY),
            (&q.account_id, DEFAULT_ACCOUNT_ID_QUERY),
            (&q.device_id, DEFAULT_DEVICE_ID_QUERY),
            (&q.ip, DEFAULT_IP_QUERY),
        ];
        let mut by_kind = Vec::with_capacity(KINDS.len());
        for (kind, (given, default)) in KINDS.iter().zip(texts) {
            let sql = given.as_deref().unwrap_or(default);
            let params = if *kind == "ip" { 2 } else { 1 };
            let prepared = prepare(db, kind, sql, params, 1, "the account id").await?;
            by_kind.push(prepared);
        }
        let entry = prepare(
            db,
            "entry",
            q.entry.as_deref().unwrap_or(DEFAULT_ENTRY_QUERY),
            1,
            5,
            "account id, tenant id, tenant name, seats, tenant admin e-mail",
        )
        .await?;
        let contact = prepare(
            db,
            "contact",
            q.contact.as_deref().unwrap_or(DEFAULT_CONTACT_QUERY),
            1,
            1,
            "the account's contact e-mail address",
        )
        .await?;
        Ok((by_kind, entry, contact))
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// The distinct values of the first column of `prepared`'s rows.
    async fn ids(
        &self,
        kind: &str,
        prepared: &Prepared,
        params: &[Param<'_>],
    ) -> Result<BTreeSet<String>, SourceError> {
        let mut rows = self.db.fetch(prepared, params);
        let mut ids = BTreeSet::new();
        while let Some(row) = rows.next().await {
            let row = row.map_err(|e| query_failed(kind, e))?;
            let cell = row.first().unwrap_or(&Cell::Null);
            let id = cell.identifier().ok_or_else(|| {
                SourceError::invalid(
                    SOURCE,
                    format!("the {kind} query returned {cell:?} where an account id belongs"),
                )
            })?;
            ids.insert(id);
        }
        Ok(ids)
    }

    async fn entry(&self, kind: &str, id: String) -> Result<AccountEntry, SourceError> {
        let mut rows = self.db.fetch(&self.entry, &[Param::Text(&id)]);
        let row = match rows.next().await {
            Some(row) => row.map_err(|e| query_failed("entry", e))?,
            None => {
                return Err(SourceError::invalid(
                    SOURCE,
                    format!(
                        "the {kind} query found account {id}, which the entry query does not know"
                    ),
                ));
            }
        };
        if row.len() != 5 {
            return Err(SourceError::invalid(
                SOURCE,
                format!(
                    "the entry query returned {} columns for account {id}, not 5",
                    row.len()
                ),
            ));
        }
        let bad = |column: &str, cell: &Cell| {
            SourceError::invalid(
                SOURCE,
                format!("the entry query returned {cell:?} as the {column} of account {id}"),
            )
        };
        let text = |index: usize, column: &str| -> Result<Option<String>, SourceError> {
            match &row[index] {
                Cell::Null => Ok(None),
                cell => cell.identifier().map(Some).ok_or_else(|| bad(column, cell)),
            }
        };
        let tenant = match text(1, "tenant id")? {
            None => None,
            Some(tenant_id) => {
                let seats = match &row[3] {
                    Cell::Int(n) => u32::try_from(*n).map_err(|_| bad("seats", &row[3]))?,
                    cell => return Err(bad("seats", cell)),
                };
                Some(TenantEntry {
                    id: tenant_id,
                    name: text(2, "tenant name")?.unwrap_or_default(),
                    seats,
                    admin_email: text(4, "tenant admin e-mail")?.unwrap_or_default(),
                })
            }
        };
        let contact = self.contact(&id).await?;
        Ok(AccountEntry {
            id: AccountId(id),
            tenant,
            contact,
        })
    }

    /// The account's contact address, if the contact query gives one.
    async fn contact(&self, id: &str) -> Result<Option<String>, SourceError> {
        let mut rows = self.db.fetch(&self.contact, &[Param::Text(id)]);
        let Some(row) = rows.next().await else {
            return Ok(None);
        };
        let row = row.map_err(|e| query_failed("contact", e))?;
        match row.first() {
            None | Some(Cell::Null) => Ok(None),
            Some(cell) => cell.identifier().map(Some).ok_or_else(|| {
                SourceError::invalid(
                    SOURCE,
                    format!("the contact query returned {cell:?} as the address of account {id}"),
                )
            }),
        }
    }
}

async fn prepare(
    db: &Db,
    kind: &str,
    sql: &str,
    params: usize,
    columns: usize,
    wanted: &str,
) -> Result<Prepared, SourceError> {
    let prepared = db
        .prepare(sql, params)
        .await
        .map_err(|problem| SourceError::invalid(SOURCE, format!("the {kind} query {problem}")))?;
    if prepared.param_count() != params {
        return Err(SourceError::invalid(
            SOURCE,
            format!(
                "the {kind} query takes {} parameters; it must take {params}",
                prepared.param_count()
            ),
        ));
    }
    if prepared.columns.len() != columns {
        return Err(SourceError::invalid(
            SOURCE,
            format!(
                "the {kind} query returns {} columns ({}); it must return {wanted}",
                prepared.columns.len(),
                prepared.columns.join(", ")
            ),
        ));
    }
    Ok(prepared)
}

fn query_failed(kind: &str, error: crate::records::sql::DbError) -> SourceError {
    match error {
        crate::records::sql::DbError::Sql(e) => {
            SourceError::unavailable(SOURCE, format!("the {kind} query failed: {e}"))
        }
        other => SourceError::invalid(SOURCE, format!("the {kind} query: {other}")),
    }
}

#[async_trait::async_trait]
impl AccountDirectory for SqlDirectory {
    async fn resolve(
        &self,
        identifier: &Identifier,
        at: Option<Timestamp>,
    ) -> Result<Option<AccountEntry>, SourceError> {
        let value = identifier.to_string();
        let (index, params) = match identifier {
            Identifier::Email(_) => (0, vec![Param::Text(&value)]),
            Identifier::Phone(_) => (1, vec![Param::Text(&value)]),
            Identifier::Username(_) => (2, vec![Param::Text(&value)]),
            Identifier::AccountId(_) => (3, vec![Param::Text(&value)]),
            Identifier::DeviceId(_) => (4, vec![Param::Text(&value)]),
            Identifier::Ip(_) => {
                let at = at.ok_or_else(|| {
                    SourceError::invalid(
                        SOURCE,
                        format!("IP address {value} names an account only at a given time, and none was given"),
                    )
                })?;
                (5, vec![Param::Text(&value), Param::Time(at)])
            }
        };
        let kind = KINDS[index];
        let Some(prepared) = self.by_kind.get(index) else {
            return Ok(None);
        };
        let ids = self.ids(kind, prepared, &params).await?;
        let mut ids = ids.into_iter();
        match (ids.next(), ids.next()) {
            (None, _) => Ok(None),
            (Some(id), None) => self.entry(kind, id).await.map(Some),
            (Some(_), Some(_)) => Err(SourceError::invalid(
                SOURCE,
                format!(
                    "{kind} {value} matches {} accounts{}; writ will not choose one",
                    2 + ids.count(),
                    if index == 5 { " at that time" } else { "" }
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_config_is_just_the_url() {
        let config: DirectoryConfig =
            toml::from_str(r#"database = "sqlite:///tmp/provider.db?mode=ro""#).unwrap();
        assert_eq!(config.queries, DirectoryQueries::default());
    }

    #[test]
    fn an_unknown_identifier_kind_is_refused_by_name() {
        let error = toml::from_str::<DirectoryConfig>(
            r#"
            database = "sqlite:///tmp/provider.db"
            [queries]
            fax = "SELECT id FROM accounts WHERE fax = $1"
            "#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("fax"), "{error}");
    }
}
