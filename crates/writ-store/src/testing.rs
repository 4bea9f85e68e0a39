//! Throw-away databases for tests: SQLite in a temporary directory always, and a fresh
//! schema on the PostgreSQL server named by `WRIT_TEST_DATABASE_URL` when it is set.

use sqlx::Connection;

use crate::{DatabaseLocation, SecretsKey, Store, StoreError};

/// The variable that names a PostgreSQL server for tests (`scripts/test` sets it).
pub const POSTGRES_URL_VAR: &str = "WRIT_TEST_DATABASE_URL";

/// A fresh, empty, migrated database that is removed by [`TestDatabase::remove`]
/// (SQLite's directory also goes when the value is dropped). Its store seals TOTP
/// secrets with a key of its own, as `writ serve` does.
pub struct TestDatabase {
    pub store: Store,
    location: DatabaseLocation,
    url: String,
    cleanup: Cleanup,
    secrets_key: Option<SecretsKey>,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server: String,
        schema: String,
    },
    /// A database the test did not create: left as it is.
    Keep,
}

impl TestDatabase {
    pub async fn sqlite() -> Result<Self, StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::InvalidUrl(e.to_string()))?;
        let location = DatabaseLocation::in_data_dir(dir.path());
        let url = format!("sqlite:{}", dir.path().join("writ.db").display());
        let key = SecretsKey::generate()?;
        Ok(Self {
            store: Store::open(&location).await?.with_secrets_key(key.clone()),
            location,
            url,
            cleanup: Cleanup::Sqlite(dir),
            secrets_key: Some(key),
        })
    }

    /// Opens an existing database (one a `writ` process wrote) to inspect or tamper with.
    pub async fn existing(location: DatabaseLocation) -> Result<Self, StoreError> {
        Ok(Self {
            store: Store::open(&location).await?,
            url: location.to_string(),
            location,
            cleanup: Cleanup::Keep,
            secrets_key: None,
        })
    }

    /// A fresh schema on the test server, or `None` when no server is configured.
    pub async fn postgres() -> Result<Option<Self>, StoreError> {
        let Some(server) = std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        let schema = format!("writ_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&server).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        let separator = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{separator}options=-csearch_path%3D{schema}");
        let location = DatabaseLocation::parse(&url)?;
        let key = SecretsKey::generate()?;
        Ok(Some(Self {
            store: Store::open(&location).await?.with_secrets_key(key.clone()),
            location,
            url,
            cleanup: Cleanup::Postgres { server, schema },
            secrets_key: Some(key),
        }))
    }

    /// Where the database is, to open it again (as a restarted process would).
    pub fn location(&self) -> &DatabaseLocation {
        &self.location
    }

    /// The key the store seals TOTP secrets with (none for an [`existing`](Self::existing)
    /// database), to open the database again as a restarted process would.
    pub fn secrets_key(&self) -> Option<&SecretsKey> {
        self.secrets_key.as_ref()
    }

    /// The database URL, password and all, to hand to a `writ` process under test.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the store and removes the database. Set `WRIT_TEST_KEEP_DB` to keep a
    /// PostgreSQL schema for a look after the test.
    pub async fn remove(self) -> Result<(), StoreError> {
        self.store.close().await;
        if let Cleanup::Postgres { server, schema } = self.cleanup
            && std::env::var_os("WRIT_TEST_KEEP_DB").is_none()
        {
            let mut admin = sqlx::PgConnection::connect(&server).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut admin)
                .await?;
            admin.close().await?;
        }
        Ok(())
    }
}

/// The tables whose append-only triggers [`TestDatabase::tamper`] lifts.
const APPEND_ONLY: [&str; 3] = ["audit_events", "audit_hashes", "audit_checkpoints"];

impl TestDatabase {
    /// Runs raw SQL (one or more statements, on one connection) against the database, as
    /// someone with direct access could.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        let affected = match &self.store.pool {
            crate::Pool::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await?.rows_affected(),
            crate::Pool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await?.rows_affected(),
        };
        Ok(affected)
    }

    /// Runs `sql` after dropping the append-only triggers, as an attacker with the
    /// database's own credentials would.
    pub async fn tamper(&self, sql: &str) -> Result<u64, StoreError> {
        let drops: Vec<String> = match self.store.backend() {
            crate::Backend::Sqlite => APPEND_ONLY
                .iter()
                .flat_map(|t| {
                    [
                        format!("DROP TRIGGER IF EXISTS {t}_no_update;"),
                        format!("DROP TRIGGER IF EXISTS {t}_no_delete;"),
                    ]
                })
                .collect(),
            crate::Backend::Postgres => APPEND_ONLY
                .iter()
                .flat_map(|t| {
                    [
                        format!("DROP TRIGGER IF EXISTS {t}_no_change ON {t};"),
                        format!("DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};"),
                    ]
                })
                .collect(),
        };
        self.execute_raw(&drops.concat()).await?;
        self.execute_raw(sql).await
    }

    /// `bytes` as a SQL literal of this backend's binary type.
    pub fn blob_literal(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match self.store.backend() {
            crate::Backend::Sqlite => format!("X'{hex}'"),
            crate::Backend::Postgres => format!("decode('{hex}', 'hex')"),
        }
    }
}

impl TestDatabase {
    /// The names of the indexes the database has (constraints' own indexes included on
    /// PostgreSQL), sorted.
    pub async fn index_names(&self) -> Result<Vec<String>, StoreError> {
        let names =
            match &self.store.pool {
                crate::Pool::Sqlite(pool) => {
                    sqlx::query_scalar(
                        "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name",
                    )
                    .fetch_all(pool)
                    .await?
                }
                crate::Pool::Postgres(pool) => sqlx::query_scalar(
                    "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
                 ORDER BY indexname",
                )
                .fetch_all(pool)
                .await?,
            };
        Ok(names)
    }
}
