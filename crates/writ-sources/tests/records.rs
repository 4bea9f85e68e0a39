//! The SQL record source over the demo provider's schema, on SQLite and PostgreSQL:
//! inclusive period boundaries, category gating, CSV quoting, no item for no data, and
//! a property test over random records and selections.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/common.rs"]
mod common;

#[path = "support/store_db.rs"]
mod store_db;

use std::collections::BTreeMap;
use std::net::IpAddr;

use store_db::TestDb;
use writ_core::Timestamp;
use writ_core::demand::{Category, Period};
use writ_sources::demo::records::{
    AccountRecord, CallRecord, DeviceRecord, Direction, IpSession, MessageRecord, ProviderDb,
    Records,
};
use writ_sources::demo::{DemoAccount, named_accounts};
use writ_sources::records::{DatabaseUrl, RecordSource, RecordSourceConfig, TableConfig};
use writ_sources::{AccountId, ItemRef, Selection, Source, SourceError};

use common::{at, february, fetch, plus_micros, selection};

fn account_record(account: &DemoAccount) -> AccountRecord {
    AccountRecord {
        account: account.clone(),
        created_at: at("2024-05-01T12:00:00Z"),
        plan: "free".into(),
    }
}

fn call(account: &str, other: &str, started: Timestamp) -> CallRecord {
    CallRecord {
        account_id: account.into(),
        direction: Direction::Outgoing,
        other_party: other.into(),
        started_at: started,
        duration_s: 61,
    }
}

fn message(account: &str, body: &str, sent: Timestamp) -> MessageRecord {
    MessageRecord {
        account_id: account.into(),
        direction: Direction::Incoming,
        peer: "bruno".into(),
        sent_at: sent,
        body: body.into(),
    }
}

const TRICKY_BODY: &str = "Sure, see you \"soon\"\nbye";

/// Alice and Bruno; Alice has calls at and around February's edges, messages (one with a
/// comma, quotes and a newline), a session and a device. Bruno has one call in February.
async fn provider(db: &TestDb) {
    let (accounts, tenants) = named_accounts();
    let period = february();
    let provider = ProviderDb::create(&db.url).await.unwrap();
    provider
        .add(&Records {
            tenants,
            accounts: accounts.iter().map(account_record).collect(),
            devices: vec![DeviceRecord {
                account_id: "acc-alice".into(),
                device_id: "356938035643809".into(),
                kind: "phone".into(),
                first_seen: at("2024-05-02T08:00:00Z"),
            }],
            sessions: vec![IpSession {
                account_id: "acc-alice".into(),
                device_id: Some("356938035643809".into()),
                ip: "203.0.113.9".parse::<IpAddr>().unwrap(),
                port: Some(51_000),
                started_at: at("2026-02-14T18:00:00Z"),
                ended_at: at("2026-02-14T19:00:00Z"),
            }],
            calls: vec![
                call("acc-alice", "+100-before", plus_micros(period.from(), -1)),
                call("acc-alice", "+101-at-start", period.from()),
                call("acc-alice", "+102-middle", at("2026-02-14T12:00:00Z")),
                call("acc-alice", "+103-at-end", period.to()),
                call("acc-alice", "+104-after", plus_micros(period.to(), 1)),
                call("acc-bruno", "+200-bruno", at("2026-02-15T12:00:00Z")),
            ],
            messages: vec![
                message("acc-alice", TRICKY_BODY, at("2026-02-03T09:00:00Z")),
                message("acc-alice", "plain", at("2026-02-04T09:00:00Z")),
                message("acc-alice", "in March", at("2026-03-04T09:00:00Z")),
            ],
        })
        .await
        .unwrap();
    provider.close().await;
}

async fn source(db: &TestDb) -> RecordSource {
    source_with(db, None).await.unwrap()
}

async fn source_with(
    db: &TestDb,
    tables: Option<Vec<TableConfig>>,
) -> Result<RecordSource, SourceError> {
    RecordSource::connect(
        "records",
        &RecordSourceConfig {
            database: DatabaseUrl::new(db.url.clone()),
            tables,
        },
    )
    .await
}

/// Header and rows of a CSV item, parsed.
async fn table(
    source: &RecordSource,
    account: &str,
    item: &ItemRef,
) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = fetch(source, account, item).await;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(Some(rows.len() as u64), item.rows, "{}", item.path);
    (header, rows)
}

fn column(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no {name} in {header:?}"));
    rows.iter().map(|r| r[i].clone()).collect()
}

fn paths(items: &[ItemRef]) -> Vec<&str> {
    items.iter().map(|i| i.path.as_str()).collect()
}

async fn the_period_is_inclusive_at_both_ends(db: &TestDb) {
    provider(db).await;
    let source = source(db).await;
    let alice = AccountId("acc-alice".into());
    let items = source
        .list(&alice, &selection(&[Category::Traffic], Some(february())))
        .await
        .unwrap();
    let calls = items
        .iter()
        .find(|i| i.path == "records/calls.csv")
        .unwrap();
    assert_eq!(calls.category, Category::Traffic);
    assert_eq!(calls.timestamp, None);
    let (header, rows) = table(&source, "acc-alice", calls).await;
    assert_eq!(
        column(&header, &rows, "other_party"),
        ["+101-at-start", "+102-middle", "+103-at-end"]
    );
    assert_eq!(
        column(&header, &rows, "started_at"),
        [
            "2026-02-01T00:00:00.000000Z",
            "2026-02-14T12:00:00.000000Z",
            "2026-02-28T23:59:59.000000Z"
        ]
    );
    assert!(
        column(&header, &rows, "account_id")
            .iter()
            .all(|a| a == "acc-alice")
    );
    // A one-instant period holds exactly the record at that instant.
    let instant = Period::new(february().to(), february().to()).unwrap();
    let items = source
        .list(&alice, &selection(&[Category::Traffic], Some(instant)))
        .await
        .unwrap();
    assert_eq!(paths(&items), ["records/calls.csv"]);
    assert_eq!(items[0].rows, Some(1));
    source.close().await;
}

async fn only_selected_categories_are_listed(db: &TestDb) {
    provider(db).await;
    let source = source(db).await;
    let alice = AccountId("acc-alice".into());
    let period = Some(february());
    let traffic = source
        .list(&alice, &selection(&[Category::Traffic], period))
        .await
        .unwrap();
    assert_eq!(
        paths(&traffic),
        ["records/calls.csv", "records/messages.csv"]
    );
    // Traffic without content: who and when, never what was written.
    let messages = &traffic[1];
    let bytes = fetch(&source, "acc-alice", messages).await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        !text.contains("body,") && !text.contains(",body\r\n"),
        "{text}"
    );
    assert!(!text.contains("soon") && !text.contains("plain"), "{text}");
    let (header, rows) = table(&source, "acc-alice", messages).await;
    assert_eq!(
        header,
        ["account_id", "direction", "peer", "sent_at", "body_length"]
    );
    assert_eq!(
        column(&header, &rows, "body_length"),
        [TRICKY_BODY.chars().count().to_string(), "5".into()]
    );

    let content = source
        .list(&alice, &selection(&[Category::Content], period))
        .await
        .unwrap();
    assert_eq!(paths(&content), ["records/message_bodies.csv"]);
    assert_eq!(content[0].category, Category::Content);

    let ip = source
        .list(&alice, &selection(&[Category::IpIdentification], period))
        .await
        .unwrap();
    assert_eq!(paths(&ip), ["records/ip_sessions.csv"]);
    let (header, rows) = table(&source, "acc-alice", &ip[0]).await;
    assert_eq!(column(&header, &rows, "ip"), ["203.0.113.9"]);
    assert_eq!(column(&header, &rows, "port"), ["51000"]);

    // Subscriber data has no period: even a period without records yields it.
    let long_ago = Period::new(at("2001-01-01T00:00:00Z"), at("2001-12-31T00:00:00Z")).unwrap();
    let subscriber = source
        .list(&alice, &selection(&[Category::Subscriber], Some(long_ago)))
        .await
        .unwrap();
    assert_eq!(
        paths(&subscriber),
        ["records/subscriber.csv", "records/devices.csv"]
    );
    let (header, rows) = table(&source, "acc-alice", &subscriber[0]).await;
    assert!(!header.iter().any(|h| h.contains("password")), "{header:?}");
    assert_eq!(column(&header, &rows, "email"), ["alice@example.com"]);
    assert_eq!(column(&header, &rows, "tenant_id"), [""]);
    let chen = source
        .list(
            &AccountId("acc-chen".into()),
            &selection(&[Category::Subscriber], None),
        )
        .await
        .unwrap();
    let (header, rows) = table(&source, "acc-chen", &chen[0]).await;
    assert_eq!(column(&header, &rows, "tenant_name"), ["Contoso Ltd"]);

    let nothing = source.list(&alice, &selection(&[], period)).await.unwrap();
    assert!(nothing.is_empty());
    source.close().await;
}

async fn csv_quotes_commas_quotes_and_newlines(db: &TestDb) {
    provider(db).await;
    let source = source(db).await;
    let items = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Content], Some(february())),
        )
        .await
        .unwrap();
    let bytes = fetch(&source, "acc-alice", &items[0]).await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.starts_with("account_id,direction,peer,sent_at,body\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\"Sure, see you \"\"soon\"\"\nbye\"\r\n"),
        "{text}"
    );
    let (header, rows) = table(&source, "acc-alice", &items[0]).await;
    assert_eq!(column(&header, &rows, "body"), [TRICKY_BODY, "plain"]);
    source.close().await;
}

async fn no_rows_means_no_item(db: &TestDb) {
    provider(db).await;
    let source = source(db).await;
    let bruno = AccountId("acc-bruno".into());
    let all = [
        Category::Subscriber,
        Category::IpIdentification,
        Category::Traffic,
        Category::Content,
    ];
    let items = source
        .list(&bruno, &selection(&all, Some(february())))
        .await
        .unwrap();
    // Bruno has an account row and one call, and nothing else.
    assert_eq!(
        paths(&items),
        ["records/subscriber.csv", "records/calls.csv"]
    );
    let (header, rows) = table(&source, "acc-bruno", &items[1]).await;
    assert_eq!(column(&header, &rows, "other_party"), ["+200-bruno"]);
    // An account the store does not have yields nothing, not an error.
    let ghost = source
        .list(&AccountId("acc-ghost".into()), &selection(&all, None))
        .await
        .unwrap();
    assert!(ghost.is_empty());
    // Nor does a prefix of a real account id.
    let prefix = source
        .list(&AccountId("acc-al".into()), &selection(&all, None))
        .await
        .unwrap();
    assert!(prefix.is_empty());
    source.close().await;
}

async fn records_that_change_after_listing_are_an_error(db: &TestDb) {
    provider(db).await;
    let source = source(db).await;
    let alice = AccountId("acc-alice".into());
    let items = source
        .list(&alice, &selection(&[Category::Traffic], Some(february())))
        .await
        .unwrap();
    let writer = ProviderDb::create(&db.url).await.unwrap();
    writer
        .add(&Records {
            calls: vec![call("acc-alice", "+105-late", at("2026-02-20T12:00:00Z"))],
            ..Records::default()
        })
        .await
        .unwrap();
    writer.close().await;
    let mut out = Vec::new();
    let error = source.fetch(&alice, &items[0], &mut out).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("3 rows were listed but 4 were fetched"),
        "{error}"
    );
    source.close().await;
}

async fn bad_tables_are_refused_by_name(db: &TestDb) {
    provider(db).await;
    let calls = |query: &str, time_column: Option<&str>| TableConfig {
        name: "calls".into(),
        category: Category::Traffic,
        query: query.into(),
        time_column: time_column.map(str::to_owned),
    };
    let cases = [
        (
            vec![calls(
                "SELECT account_id, started_at FROM calls WHERE account_id = $1 AND started_at >= $2 AND started_at <= $3",
                Some("start"),
            )],
            "table calls: time_column start is not among the query's columns (account_id, started_at)",
        ),
        (
            vec![calls("SELECT * FROM call_log WHERE account_id = $1", None)],
            "table calls: the query does not prepare",
        ),
        (
            vec![calls(
                "SELECT account_id FROM calls WHERE account_id = $1 AND started_at >= $2",
                None,
            )],
            "table calls: the query takes 2 parameters",
        ),
        (
            vec![TableConfig {
                name: "../calls".into(),
                ..calls("SELECT 1 WHERE 1 = $1", None)
            }],
            "table name \"../calls\"",
        ),
        (
            vec![
                calls("SELECT account_id FROM calls WHERE account_id = $1", None),
                calls("SELECT account_id FROM calls WHERE account_id = $1", None),
            ],
            "table calls is configured twice",
        ),
    ];
    for (tables, expected) in cases {
        let error = source_with(db, Some(tables)).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}

async fn any_sql_type_renders_and_unsupported_ones_are_named(db: &TestDb) {
    provider(db).await;
    let typed = if db.is_postgres() {
        "SELECT id AS account_id, 42 AS int, 2.5::float8 AS real, NULL::text AS missing, \
         true AS flag, created_at, DATE '2026-03-02' AS day FROM accounts WHERE id = $1"
    } else {
        "SELECT id AS account_id, 42 AS int, 2.5 AS real, NULL AS missing, \
         1 AS flag, created_at, '2026-03-02' AS day FROM accounts WHERE id = $1"
    };
    let tables = vec![TableConfig {
        name: "typed".into(),
        category: Category::Subscriber,
        query: typed.into(),
        time_column: None,
    }];
    let source = source_with(db, Some(tables)).await.unwrap();
    let alice = AccountId("acc-alice".into());
    let items = source
        .list(&alice, &selection(&[Category::Subscriber], None))
        .await
        .unwrap();
    let (header, rows) = table(&source, "acc-alice", &items[0]).await;
    let row: BTreeMap<&str, &str> = header
        .iter()
        .map(String::as_str)
        .zip(rows[0].iter().map(String::as_str))
        .collect();
    assert_eq!(row["int"], "42");
    assert_eq!(row["real"], "2.5");
    assert_eq!(row["missing"], "");
    assert!(["true", "1"].contains(&row["flag"]));
    assert_eq!(row["created_at"], "2024-05-01T12:00:00.000000Z");
    assert_eq!(row["day"], "2026-03-02");
    source.close().await;

    let binary = if db.is_postgres() {
        "SELECT id AS account_id, '\\x00ff'::bytea AS secret FROM accounts WHERE id = $1"
    } else {
        "SELECT id AS account_id, X'00ff' AS secret FROM accounts WHERE id = $1"
    };
    let tables = vec![TableConfig {
        name: "binary".into(),
        category: Category::Subscriber,
        query: binary.into(),
        time_column: None,
    }];
    let source = source_with(db, Some(tables)).await.unwrap();
    let error = source
        .list(&alice, &selection(&[Category::Subscriber], None))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("table binary: column secret"),
        "{error}"
    );
    source.close().await;
}

async fn a_query_returning_too_much_is_cut_to_the_period(db: &TestDb) {
    provider(db).await;
    // This query ignores the period; the source still returns only February.
    let tables = vec![TableConfig {
        name: "calls".into(),
        category: Category::Traffic,
        query: "SELECT account_id, other_party, started_at FROM calls \
                WHERE account_id = $1 AND (started_at >= $2 OR started_at <= $3) ORDER BY started_at"
            .into(),
        time_column: Some("started_at".into()),
    }];
    let source = source_with(db, Some(tables)).await.unwrap();
    let items = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Traffic], Some(february())),
        )
        .await
        .unwrap();
    let (header, rows) = table(&source, "acc-alice", &items[0]).await;
    assert_eq!(
        column(&header, &rows, "other_party"),
        ["+101-at-start", "+102-middle", "+103-at-end"]
    );
    source.close().await;
}

on_both_backends!(
    the_period_is_inclusive_at_both_ends,
    only_selected_categories_are_listed,
    csv_quotes_commas_quotes_and_newlines,
    no_rows_means_no_item,
    records_that_change_after_listing_are_an_error,
    bad_tables_are_refused_by_name,
    any_sql_type_renders_and_unsupported_ones_are_named,
    a_query_returning_too_much_is_cut_to_the_period,
);

/// Random records of random accounts against random selections: every row produced is
/// the account's, inside the period, of a selected category, and every such row is
/// produced.
mod random {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicU64, Ordering};

    const ACCOUNTS: usize = 3;
    const BASE: &str = "2026-01-01T00:00:00Z";
    /// Short, so that records often fall exactly on a period's ends.
    const SPAN_MINUTES: i64 = 120;

    #[derive(Clone, Debug)]
    struct Row {
        account: usize,
        /// 0: IP session, 1: call, 2: message.
        kind: u8,
        minute: i64,
    }

    fn minute(m: i64) -> Timestamp {
        plus_micros(at(BASE), m * 60_000_000)
    }

    fn rows() -> impl Strategy<Value = Vec<Row>> {
        prop::collection::vec(
            (0..ACCOUNTS, 0u8..3, 0..SPAN_MINUTES).prop_map(|(account, kind, minute)| Row {
                account,
                kind,
                minute,
            }),
            0..40,
        )
    }

    /// A period's end: a random minute, or (`true`) the minute of the row with that index
    /// (modulo the number of rows), so that ends often fall exactly on records.
    type End = (bool, i64);

    fn selections() -> impl Strategy<Value = (Vec<Category>, Option<(End, End)>)> {
        let end = || (any::<bool>(), 0..SPAN_MINUTES);
        (
            prop::sample::subsequence(Category::DATA.to_vec(), 0..=4),
            prop::option::weighted(0.85, (end(), end())),
        )
    }

    static CASE: AtomicU64 = AtomicU64::new(0);

    /// One case, on fresh account ids so cases share the database.
    async fn check(
        db: &TestDb,
        rows: Vec<Row>,
        categories: Vec<Category>,
        period: Option<(End, End)>,
    ) {
        let case = CASE.fetch_add(1, Ordering::Relaxed);
        let ids: Vec<String> = (0..ACCOUNTS).map(|a| format!("acc-p{case}-{a}")).collect();
        let accounts = ids
            .iter()
            .map(|id| AccountRecord {
                account: DemoAccount {
                    id: id.clone(),
                    name: format!("Person {id}"),
                    email: format!("{id}@example.net"),
                    phone: None,
                    username: id.clone(),
                    tenant: None,
                },
                created_at: at("2025-01-01T00:00:00Z"),
                plan: "free".into(),
            })
            .collect();
        let mut records = Records {
            accounts,
            ..Records::default()
        };
        // Each row carries its index so it can be recognised in the CSV.
        for (n, row) in rows.iter().enumerate() {
            let account = ids[row.account].clone();
            let when = minute(row.minute);
            match row.kind {
                0 => records.sessions.push(IpSession {
                    account_id: account,
                    device_id: None,
                    ip: "198.51.100.1".parse().unwrap(),
                    port: Some(n as u16),
                    started_at: when,
                    ended_at: plus_micros(when, 60_000_000),
                }),
                1 => records
                    .calls
                    .push(call(&account, &format!("+1555{n:07}"), when)),
                _ => records
                    .messages
                    .push(message(&account, &format!("m{n}, \"x\""), when)),
            }
        }
        let writer = ProviderDb::create(&db.url).await.unwrap();
        writer.add(&records).await.unwrap();
        writer.close().await;

        let end = |(on_row, value): End| match (on_row, rows.len()) {
            (true, len) if len > 0 => rows[value as usize % len].minute,
            _ => value,
        };
        let period = period.map(|(a, b)| {
            let (a, b) = (end(a), end(b));
            Period::new(minute(a.min(b)), minute(a.max(b))).unwrap()
        });
        let selection = Selection {
            categories: categories.clone(),
            period,
        };
        let source = source(db).await;
        let target = AccountId(ids[0].clone());
        let items = source.list(&target, &selection).await.unwrap();

        let mut produced: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for item in &items {
            assert!(
                selection.wants(item.category),
                "{} is not selected",
                item.path
            );
            let (header, rows) = table(&source, &target.0, item).await;
            assert!(!rows.is_empty(), "{} listed with no rows", item.path);
            for account in column(&header, &rows, "account_id") {
                assert_eq!(account, target.0, "{}", item.path);
            }
            let (time_column, marker) = match item.path.as_str() {
                "records/ip_sessions.csv" => ("started_at", "port"),
                "records/calls.csv" => ("started_at", "other_party"),
                "records/messages.csv" => ("sent_at", "sent_at"),
                "records/message_bodies.csv" => ("sent_at", "body"),
                _ => continue,
            };
            for time in column(&header, &rows, time_column) {
                assert!(
                    selection.covers(Timestamp::parse(&time).unwrap()),
                    "{time} in {}",
                    item.path
                );
            }
            produced.insert(
                item.path.as_str(),
                column(&header, &rows, marker).into_iter().collect(),
            );
        }

        let wanted = |category: Category, kind: u8| -> BTreeSet<(usize, Timestamp)> {
            if !selection.wants(category) {
                return BTreeSet::new();
            }
            rows.iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.account == 0 && r.kind == kind && selection.covers(minute(r.minute))
                })
                .map(|(n, r)| (n, minute(r.minute)))
                .collect()
        };
        let got = |path: &str| produced.get(path).cloned().unwrap_or_default();
        let sessions = wanted(Category::IpIdentification, 0);
        assert_eq!(
            got("records/ip_sessions.csv"),
            sessions.iter().map(|(n, _)| n.to_string()).collect()
        );
        let calls = wanted(Category::Traffic, 1);
        assert_eq!(
            got("records/calls.csv"),
            calls.iter().map(|(n, _)| format!("+1555{n:07}")).collect()
        );
        let messages = wanted(Category::Traffic, 2);
        assert_eq!(
            got("records/messages.csv"),
            messages
                .iter()
                .map(|(_, t)| writ_sources::records::fixed_width_time(*t))
                .collect()
        );
        let bodies = wanted(Category::Content, 2);
        assert_eq!(
            got("records/message_bodies.csv"),
            bodies.iter().map(|(n, _)| format!("m{n}, \"x\"")).collect()
        );
        let has_subscriber = items.iter().any(|i| i.path == "records/subscriber.csv");
        assert_eq!(has_subscriber, selection.wants(Category::Subscriber));
        source.close().await;
    }

    fn run(db: TestDb, runtime: &tokio::runtime::Runtime) {
        let mut runner = TestRunner::new(Config {
            cases: 64,
            ..Config::default()
        });
        runner
            .run(&(rows(), selections()), |(rows, (categories, period))| {
                runtime.block_on(check(&db, rows, categories, period));
                Ok(())
            })
            .unwrap();
        runtime.block_on(db.remove());
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    mod sqlite {
        #[test]
        fn rows_are_exactly_the_selection() {
            let runtime = super::runtime();
            let db = runtime.block_on(crate::store_db::TestDb::sqlite());
            super::run(db, &runtime);
        }
    }

    mod postgres {
        #[test]
        fn rows_are_exactly_the_selection() {
            let runtime = super::runtime();
            let Some(db) = runtime.block_on(crate::store_db::TestDb::postgres()) else {
                return;
            };
            super::run(db, &runtime);
        }
    }
}

/// The demo generator at benchmark size: 10,000 accounts over 30 days (about 3.3
/// million records), then one account's records answered from among them.
/// `cargo test --release -p writ-sources --test records -- --ignored`
#[tokio::test]
#[ignore = "a benchmark-sized corpus; run with --ignored (and --release)"]
async fn the_generator_and_the_source_scale_to_ten_thousand_accounts() {
    use writ_sources::demo::records::{RecordVolume, write_records};
    use writ_sources::demo::{DemoSpec, synthetic_accounts};
    let db = TestDb::sqlite().await;
    let spec = DemoSpec {
        accounts: synthetic_accounts(10_000),
        tenants: Vec::new(),
        period: Period::new(at("2026-01-01T00:00:00Z"), at("2026-01-31T00:00:00Z")).unwrap(),
        seed: 1,
    };
    let stats = write_records(&db.url, &spec, &RecordVolume::default())
        .await
        .unwrap();
    assert_eq!(stats.accounts, 10_000);
    assert!(
        stats.calls + stats.messages + stats.ip_sessions > 3_000_000,
        "{stats:?}"
    );
    let source = source(&db).await;
    let items = source
        .list(
            &AccountId("acc-u05000".into()),
            &selection(&Category::DATA, Some(spec.period)),
        )
        .await
        .unwrap();
    assert_eq!(items.len(), 6, "{items:?}");
    source.close().await;
}
