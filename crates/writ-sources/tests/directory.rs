//! The SQL directory over the demo provider's schema, on SQLite and PostgreSQL: every
//! identifier kind resolves, IP addresses through the assignment log at a time,
//! unknown identifiers resolve to nothing, ambiguity and bad queries are errors that
//! say which query.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/common.rs"]
mod common;

#[path = "support/store_db.rs"]
mod store_db;

use std::net::IpAddr;

use store_db::TestDb;
use writ_core::Identifier;
use writ_core::demand::Period;
use writ_core::identifier::TargetKind;
use writ_sources::demo::DemoSpec;
use writ_sources::demo::records::{IpSession, ProviderDb, RecordVolume, Records, account_records};
use writ_sources::directory::{DirectoryConfig, DirectoryQueries, SqlDirectory};
use writ_sources::records::DatabaseUrl;
use writ_sources::{AccountDirectory, AccountId, SourceError};

use common::at;

fn id(kind: TargetKind, value: &str) -> Identifier {
    Identifier::parse_specific(kind, value).unwrap()
}

fn spec() -> DemoSpec {
    DemoSpec::named(
        Period::new(at("2026-01-01T00:00:00Z"), at("2026-03-01T00:00:00Z")).unwrap(),
        11,
    )
}

fn volume() -> RecordVolume {
    RecordVolume {
        sessions_per_day: 1.0,
        calls_per_day: 0.5,
        messages_per_day: 0.5,
        ..RecordVolume::default()
    }
}

fn session(account: &str, ip: &str, from: &str, to: &str) -> IpSession {
    IpSession {
        account_id: account.to_owned(),
        device_id: None,
        ip: ip.parse::<IpAddr>().unwrap(),
        port: Some(40_000),
        started_at: at(from),
        ended_at: at(to),
    }
}

/// The demo provider plus two hand-made sessions on documentation addresses.
async fn provider(db: &TestDb) -> DemoSpec {
    let spec = spec();
    let provider = ProviderDb::create(&db.url).await.unwrap();
    provider.write_spec(&spec, &volume()).await.unwrap();
    provider
        .add(&Records {
            sessions: vec![
                session(
                    "acc-bruno",
                    "203.0.113.7",
                    "2026-02-10T08:00:00Z",
                    "2026-02-10T09:30:00Z",
                ),
                session(
                    "acc-alice",
                    "203.0.113.7",
                    "2026-02-10T10:00:00Z",
                    "2026-02-10T11:00:00Z",
                ),
                session(
                    "acc-dana",
                    "2001:db8::7",
                    "2026-02-11T08:00:00Z",
                    "2026-02-11T09:00:00Z",
                ),
            ],
            ..Records::default()
        })
        .await
        .unwrap();
    provider.close().await;
    spec
}

async fn directory(db: &TestDb, queries: DirectoryQueries) -> Result<SqlDirectory, SourceError> {
    SqlDirectory::connect(&DirectoryConfig {
        database: DatabaseUrl::new(db.url.clone()),
        queries,
    })
    .await
}

async fn resolved(
    dir: &SqlDirectory,
    identifier: Identifier,
    when: Option<&str>,
) -> Option<String> {
    dir.resolve(&identifier, when.map(at))
        .await
        .unwrap()
        .map(|entry| entry.id.0)
}

async fn every_identifier_kind_resolves(db: &TestDb) {
    let spec = provider(db).await;
    let dir = directory(db, DirectoryQueries::default()).await.unwrap();
    use TargetKind::*;
    assert_eq!(
        resolved(&dir, id(Email, "Alice@Example.com"), None)
            .await
            .as_deref(),
        Some("acc-alice")
    );
    assert_eq!(
        resolved(&dir, id(Phone, "+4930555012"), None)
            .await
            .as_deref(),
        Some("acc-bruno")
    );
    assert_eq!(
        resolved(&dir, id(Username, "chen"), None).await.as_deref(),
        Some("acc-chen")
    );
    assert_eq!(
        resolved(&dir, id(AccountId, "acc-dana"), None)
            .await
            .as_deref(),
        Some("acc-dana")
    );
    let danas_device = account_records(&spec, 3, &volume()).devices[0]
        .device_id
        .clone();
    assert_eq!(
        resolved(&dir, id(DeviceId, &danas_device), None)
            .await
            .as_deref(),
        Some("acc-dana")
    );
    // The demo's own sessions resolve too: the account's first session, at its start.
    let first = account_records(&spec, 1, &volume()).sessions[0].clone();
    let when = first.started_at.to_rfc3339();
    assert_eq!(
        resolved(&dir, Identifier::Ip(first.ip), Some(&when))
            .await
            .as_deref(),
        Some("acc-bruno")
    );
    dir.close().await;
}

async fn unknown_identifiers_resolve_to_nothing(db: &TestDb) {
    provider(db).await;
    let dir = directory(db, DirectoryQueries::default()).await.unwrap();
    use TargetKind::*;
    assert_eq!(
        resolved(&dir, id(Email, "nobody@example.com"), None).await,
        None
    );
    assert_eq!(resolved(&dir, id(Phone, "+15550000000"), None).await, None);
    assert_eq!(resolved(&dir, id(Username, "nobody"), None).await, None);
    assert_eq!(resolved(&dir, id(AccountId, "acc-al"), None).await, None);
    assert_eq!(
        resolved(&dir, id(DeviceId, "000000000000000"), None).await,
        None
    );
    assert_eq!(
        resolved(&dir, id(Ip, "198.51.100.1"), Some("2026-02-10T08:30:00Z")).await,
        None
    );
    dir.close().await;
}

async fn an_ip_address_resolves_through_the_session_covering_the_time(db: &TestDb) {
    provider(db).await;
    let dir = directory(db, DirectoryQueries::default()).await.unwrap();
    let ip = || id(TargetKind::Ip, "203.0.113.7");
    // Inside, and exactly at both ends (inclusive).
    for when in [
        "2026-02-10T08:45:00Z",
        "2026-02-10T08:00:00Z",
        "2026-02-10T09:30:00Z",
    ] {
        assert_eq!(
            resolved(&dir, ip(), Some(when)).await.as_deref(),
            Some("acc-bruno"),
            "{when}"
        );
    }
    // The same address later belongs to someone else.
    assert_eq!(
        resolved(&dir, ip(), Some("2026-02-10T10:30:00Z"))
            .await
            .as_deref(),
        Some("acc-alice")
    );
    // Outside every session, by a microsecond or by hours.
    for when in [
        "2026-02-10T07:59:59.999999Z",
        "2026-02-10T09:30:00.000001Z",
        "2026-02-10T09:45:00Z",
        "2026-02-12T09:00:00Z",
    ] {
        assert_eq!(resolved(&dir, ip(), Some(when)).await, None, "{when}");
    }
    assert_eq!(
        resolved(
            &dir,
            id(TargetKind::Ip, "2001:db8:0:0::7"),
            Some("2026-02-11T08:30:00Z")
        )
        .await
        .as_deref(),
        Some("acc-dana")
    );
    // Without a time an address names no one.
    let error = dir.resolve(&ip(), None).await.unwrap_err();
    assert!(error.to_string().contains("203.0.113.7"), "{error}");
    dir.close().await;
}

async fn an_address_shared_at_that_time_is_an_error_not_a_guess(db: &TestDb) {
    provider(db).await;
    let writer = ProviderDb::create(&db.url).await.unwrap();
    writer
        .add(&Records {
            sessions: vec![session(
                "acc-chen",
                "203.0.113.7",
                "2026-02-10T09:00:00Z",
                "2026-02-10T09:10:00Z",
            )],
            ..Records::default()
        })
        .await
        .unwrap();
    writer.close().await;
    let dir = directory(db, DirectoryQueries::default()).await.unwrap();
    let error = dir
        .resolve(
            &id(TargetKind::Ip, "203.0.113.7"),
            Some(at("2026-02-10T09:05:00Z")),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("matches 2 accounts"), "{error}");
    // Outside the overlap the address is unambiguous again.
    assert_eq!(
        resolved(
            &dir,
            id(TargetKind::Ip, "203.0.113.7"),
            Some("2026-02-10T08:30:00Z")
        )
        .await
        .as_deref(),
        Some("acc-bruno")
    );
    dir.close().await;
}

async fn an_enterprise_account_comes_with_its_tenant(db: &TestDb) {
    provider(db).await;
    let dir = directory(db, DirectoryQueries::default()).await.unwrap();
    let chen = dir
        .resolve(&id(TargetKind::Email, "chen@contoso.example"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(chen.id, AccountId("acc-chen".into()));
    let tenant = chen.tenant.unwrap();
    assert_eq!(tenant.id, "contoso");
    assert_eq!(tenant.name, "Contoso Ltd");
    assert_eq!(tenant.seats, 250);
    assert_eq!(tenant.admin_email, "it-admin@contoso.example");
    let alice = dir
        .resolve(&id(TargetKind::Username, "alice"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.tenant, None);
    dir.close().await;
}

async fn custom_queries_replace_the_defaults(db: &TestDb) {
    provider(db).await;
    let queries = DirectoryQueries {
        username: Some("SELECT id FROM accounts WHERE upper(username) = upper($1)".into()),
        ..DirectoryQueries::default()
    };
    let dir = directory(db, queries).await.unwrap();
    assert_eq!(
        resolved(&dir, id(TargetKind::Username, "ALICE"), None)
            .await
            .as_deref(),
        Some("acc-alice")
    );
    dir.close().await;
}

async fn an_account_comes_with_its_contact_address(db: &TestDb) {
    provider(db).await;
    let dir = directory(db, DirectoryQueries::default()).await.unwrap();
    let bruno = dir
        .resolve(&id(TargetKind::Phone, "+4930555012"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bruno.id.0, "acc-bruno");
    let contact = bruno.contact.unwrap();
    assert!(contact.contains('@'), "{contact}");
    dir.close().await;
    // A provider that knows no address for an account says NULL.
    let queries = DirectoryQueries {
        contact: Some(
            "SELECT CASE WHEN id = 'acc-bruno' THEN NULL ELSE email END FROM accounts WHERE id = $1"
                .into(),
        ),
        ..DirectoryQueries::default()
    };
    let dir = directory(db, queries).await.unwrap();
    let bruno = dir
        .resolve(&id(TargetKind::Phone, "+4930555012"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bruno.contact, None);
    let alice = dir
        .resolve(&id(TargetKind::Username, "alice"), None)
        .await
        .unwrap()
        .unwrap();
    assert!(alice.contact.is_some());
    dir.close().await;
}

async fn bad_queries_are_refused_at_start_by_name(db: &TestDb) {
    provider(db).await;
    let cases = [
        (
            DirectoryQueries {
                email: Some("SELECT id, name FROM accounts WHERE email = $1".into()),
                ..DirectoryQueries::default()
            },
            "the email query returns 2 columns (id, name)",
        ),
        (
            DirectoryQueries {
                phone: Some("SELECT id FROM subscribers WHERE phone = $1".into()),
                ..DirectoryQueries::default()
            },
            "the phone query does not prepare",
        ),
        (
            DirectoryQueries {
                ip: Some("SELECT account_id FROM ip_sessions WHERE ip = $1".into()),
                ..DirectoryQueries::default()
            },
            "the ip query takes 1 parameters; it must take 2",
        ),
        (
            DirectoryQueries {
                entry: Some("SELECT id FROM accounts WHERE id = $1".into()),
                ..DirectoryQueries::default()
            },
            "the entry query returns 1 columns",
        ),
        (
            DirectoryQueries {
                contact: Some("SELECT email, phone FROM accounts WHERE id = $1".into()),
                ..DirectoryQueries::default()
            },
            "the contact query returns 2 columns",
        ),
    ];
    for (queries, expected) in cases {
        let error = directory(db, queries).await.unwrap_err();
        assert!(matches!(error, SourceError::Invalid { .. }), "{error:?}");
        assert!(error.to_string().contains(expected), "{error}");
    }
}

async fn the_directory_cannot_write(db: &TestDb) {
    provider(db).await;
    let queries = DirectoryQueries {
        username: Some("DELETE FROM accounts WHERE username = $1 RETURNING id".into()),
        ..DirectoryQueries::default()
    };
    let dir = directory(db, queries).await.unwrap();
    let result = dir.resolve(&id(TargetKind::Username, "alice"), None).await;
    assert!(
        result.is_err(),
        "a read-only connection refused the delete: {result:?}"
    );
    dir.close().await;
    let dir = directory(db, DirectoryQueries::default()).await.unwrap();
    assert_eq!(
        resolved(&dir, id(TargetKind::Username, "alice"), None)
            .await
            .as_deref(),
        Some("acc-alice")
    );
    dir.close().await;
}

on_both_backends!(
    every_identifier_kind_resolves,
    unknown_identifiers_resolve_to_nothing,
    an_ip_address_resolves_through_the_session_covering_the_time,
    an_address_shared_at_that_time_is_an_error_not_a_guess,
    an_enterprise_account_comes_with_its_tenant,
    custom_queries_replace_the_defaults,
    an_account_comes_with_its_contact_address,
    bad_queries_are_refused_at_start_by_name,
    the_directory_cannot_write,
);

#[tokio::test]
async fn a_missing_sqlite_file_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let error = SqlDirectory::connect(&DirectoryConfig {
        database: DatabaseUrl::new(format!("sqlite://{}", path.display())),
        queries: DirectoryQueries::default(),
    })
    .await
    .unwrap_err();
    assert!(error.to_string().contains("typo.db"), "{error}");
    assert!(!path.exists());
}
