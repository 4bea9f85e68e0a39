//! The server's integration tests: one binary (each file under tests/ would be another
//! to link), a fresh app on a free port and a fresh database per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

/// Declares each `async fn test(backend)` twice: on SQLite, and on PostgreSQL when
/// `WRIT_TEST_DATABASE_URL` was set at build time (ignored, saying so, otherwise).
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(crate::helpers::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    not(writ_postgres),
                    ignore = "PostgreSQL: set WRIT_TEST_DATABASE_URL to run (scripts/test does)"
                )]
                async fn $test() {
                    super::$test(crate::helpers::Backend::Postgres).await;
                }
            )*
        }
    };
}

mod admin;
mod audit;
mod gates;
mod hardening;
mod health;
mod helpers;
mod hi1;
mod notices;
mod openapi;
mod production;
mod red_lines;
mod transparency;
mod uploads;
mod web;
mod withdrawal;
mod workflow;
