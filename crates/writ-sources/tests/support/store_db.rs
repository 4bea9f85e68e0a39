//! Throw-away provider databases for the directory and record tests: SQLite in a
//! temporary directory always; a fresh schema on the PostgreSQL server named by
//! `WRIT_TEST_DATABASE_URL` when it is set.

#![allow(dead_code)]

use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "WRIT_TEST_DATABASE_URL";

pub struct TestDb {
    /// The URL to write with (and, read-only, to connect the connectors to).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server: String, schema: String },
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("provider.db").display());
        Self {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh schema, or `None` (with the skip line printed) when no server is set.
    // The skip line is for whoever runs the tests: it shows with `--nocapture`.
    #[allow(clippy::print_stdout)]
    pub async fn postgres() -> Option<Self> {
        let Some(server) = std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|u| !u.is_empty())
        else {
            println!(
                "skipped: PostgreSQL not running (set {POSTGRES_URL_VAR}; scripts/test starts it)"
            );
            return None;
        };
        let schema = format!("writ_sources_test_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let separator = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{separator}options=-csearch_path%3D{schema}");
        Some(Self {
            url,
            cleanup: Cleanup::Postgres { server, schema },
        })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }

    pub async fn remove(self) {
        if let Cleanup::Postgres { server, schema } = self.cleanup {
            let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
        }
    }
}

/// Defines `sqlite::NAME` and `postgres::NAME` tests that run `NAME(&TestDb)` on a fresh
/// database of each backend (the PostgreSQL ones skip, passing, without a server), so
/// `scripts/test` can count the same tests on both.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::store_db::TestDb::sqlite().await;
                    super::$name(&db).await;
                    db.remove().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = $crate::store_db::TestDb::postgres().await else {
                        return;
                    };
                    super::$name(&db).await;
                    db.remove().await;
                }
            )*
        }
    };
}
