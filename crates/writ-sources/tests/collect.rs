//! The collector against random corpora and random scopes: the spool holds every item
//! the scope covers and nothing else (no other account, category or time), and a
//! collection stopped midway resumes without duplicates or gaps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use writ_core::demand::{Category, Period};
use writ_core::review::Scope;
use writ_core::{Identifier, Timestamp};
use writ_sources::collector::{
    CollectedItem, CollectionLog, Collector, ItemIdentity, LogError, Spool,
};
use writ_sources::{
    AccountDirectory, AccountEntry, AccountId, ItemRef, Selection, Source, SourceError,
};

/// One item of the provider's data.
#[derive(Clone, Debug)]
struct Datum {
    account: usize,
    category: Category,
    day: i64,
}

const ACCOUNTS: usize = 5;

fn email(account: usize) -> String {
    format!("user{account}@example.com")
}

fn day(n: i64) -> Timestamp {
    Timestamp::from_unix_micros((1_767_225_600 + n * 86_400) * 1_000_000).unwrap()
}

struct Directory;

#[async_trait::async_trait]
impl AccountDirectory for Directory {
    async fn resolve(
        &self,
        identifier: &Identifier,
        _at: Option<Timestamp>,
    ) -> Result<Option<AccountEntry>, SourceError> {
        let found = (0..ACCOUNTS).find(|a| identifier.to_string() == email(*a));
        Ok(found.map(|a| AccountEntry {
            contact: None,
            id: AccountId(format!("acc-{a}")),
            tenant: None,
        }))
    }
}

/// A source over `data`, filtering as a real one must; it can be told to fail after a
/// number of fetches, like a crash midway.
struct Memory {
    data: Vec<Datum>,
    fetches_left: Mutex<Option<usize>>,
}

#[async_trait::async_trait]
impl Source for Memory {
    fn name(&self) -> &str {
        "memory"
    }

    async fn list(
        &self,
        account: &AccountId,
        selection: &Selection,
    ) -> Result<Vec<ItemRef>, SourceError> {
        Ok(self
            .data
            .iter()
            .enumerate()
            .filter(|(_, d)| format!("acc-{}", d.account) == account.0)
            .filter(|(_, d)| selection.wants(d.category) && selection.covers(day(d.day)))
            .map(|(i, d)| ItemRef {
                key: i.to_string(),
                path: format!("{}/{i}.bin", d.category),
                category: d.category,
                timestamp: Some(day(d.day)),
                rows: None,
            })
            .collect())
    }

    async fn fetch(
        &self,
        _account: &AccountId,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError> {
        if let Some(left) = self.fetches_left.lock().unwrap().as_mut() {
            if *left == 0 {
                return Err(SourceError::unavailable("memory", "crashed"));
            }
            *left -= 1;
        }
        let bytes = format!("item {}", item.key).into_bytes();
        out.write_all(&bytes).await?;
        Ok(bytes.len() as u64)
    }
}

#[derive(Default)]
struct Log {
    items: Mutex<BTreeMap<ItemIdentity, CollectedItem>>,
    recorded: Mutex<usize>,
    /// Says "stop" once this many items are recorded.
    stop_after: Option<usize>,
}

#[async_trait::async_trait]
impl CollectionLog for Log {
    async fn collected(&self) -> Result<BTreeSet<ItemIdentity>, LogError> {
        Ok(self.items.lock().unwrap().keys().cloned().collect())
    }

    async fn planned(&self, _total: u64) -> Result<(), LogError> {
        Ok(())
    }

    async fn record(&self, item: &CollectedItem) -> Result<(), LogError> {
        *self.recorded.lock().unwrap() += 1;
        self.items
            .lock()
            .unwrap()
            .insert(item.identity(), item.clone());
        Ok(())
    }

    async fn stopped(&self) -> Result<bool, LogError> {
        Ok(self
            .stop_after
            .is_some_and(|n| *self.recorded.lock().unwrap() >= n))
    }
}

fn scope(categories: &[Category], targets: &[usize], period: (i64, i64)) -> Scope {
    let targets: Vec<_> = targets
        .iter()
        .map(|a| serde_json::json!({"type": "email", "value": email(*a)}))
        .collect();
    serde_json::from_value(serde_json::json!({
        "categories": categories,
        "targets": targets,
        "period": {"from": day(period.0), "to": day(period.1)},
    }))
    .unwrap()
}

fn corpus() -> impl Strategy<Value = Vec<Datum>> {
    prop::collection::vec(
        (
            0..ACCOUNTS + 1,
            prop::sample::select(Category::DATA.to_vec()),
            0i64..60,
        )
            .prop_map(|(account, category, day)| Datum {
                account,
                category,
                day,
            }),
        0..60,
    )
}

fn request() -> impl Strategy<Value = (Vec<Category>, Vec<usize>, (i64, i64))> {
    (
        prop::sample::subsequence(Category::DATA.to_vec(), 1..=4),
        prop::sample::subsequence((0..ACCOUNTS + 2).collect::<Vec<_>>(), 1..=4),
        (0i64..60, 0i64..60).prop_map(|(a, b)| (a.min(b), a.max(b))),
    )
}

/// What the scope covers, by key.
fn expected(
    data: &[Datum],
    categories: &[Category],
    targets: &[usize],
    period: (i64, i64),
) -> BTreeSet<String> {
    let period = Period::new(day(period.0), day(period.1)).unwrap();
    data.iter()
        .enumerate()
        .filter(|(_, d)| targets.contains(&d.account) && d.account < ACCOUNTS)
        .filter(|(_, d)| categories.contains(&d.category) && period.contains(day(d.day)))
        .map(|(i, _)| i.to_string())
        .collect()
}

/// Every file under the spool, relative.
fn spool_files(root: &std::path::Path) -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.insert(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_spool_holds_exactly_the_scope(data in corpus(), (categories, targets, period) in request(), crash_after in 0usize..20) {
        let spool = tempfile::tempdir().unwrap();
        let source = Arc::new(Memory { data: data.clone(), fetches_left: Mutex::new(Some(crash_after)) });
        let collector = Collector::new(Arc::new(Directory), vec![source.clone() as Arc<dyn Source>]);
        let scope = scope(&categories, &targets, period);
        let log = Log::default();

        // The first run may stop midway; the second resumes it.
        let first = run(collector.collect(&scope, &Spool::in_directory(spool.path()), &log));
        *source.fetches_left.lock().unwrap() = None;
        let collected = run(collector.collect(&scope, &Spool::in_directory(spool.path()), &log)).unwrap();

        let want = expected(&data, &categories, &targets, period);
        let items = log.items.lock().unwrap().clone();
        let keys: BTreeSet<String> = items.values().map(|i| i.key.clone()).collect();
        prop_assert_eq!(&keys, &want, "exactly the scope's items");
        prop_assert_eq!(*log.recorded.lock().unwrap(), want.len(), "each recorded once");
        prop_assert_eq!(collected.items as usize, want.len());
        if first.is_ok() {
            prop_assert!(want.len() <= crash_after, "a run that fetched everything did not crash");
        }
        for item in items.values() {
            let datum = &data[item.key.parse::<usize>().unwrap()];
            prop_assert_eq!(&item.account.0, &format!("acc-{}", datum.account));
            prop_assert!(categories.contains(&item.category));
            let body = std::fs::read(spool.path().join(&item.path)).unwrap();
            prop_assert_eq!(item.size, body.len() as u64);
        }
        // On disk: the recorded items and nothing else (no partial files left over).
        let paths: BTreeSet<String> = items.values().map(|i| i.path.clone()).collect();
        prop_assert_eq!(spool_files(spool.path()), paths);
        let not_found: BTreeSet<String> = targets.iter().filter(|a| **a >= ACCOUNTS).map(|a| email(*a)).collect();
        prop_assert_eq!(collected.not_found.into_iter().collect::<BTreeSet<_>>(), not_found);
    }
}

/// A source that lists something outside the selection stops the collection: nothing
/// out of scope reaches the spool.
#[test]
fn a_source_listing_outside_the_scope_is_refused() {
    struct Leaky;
    #[async_trait::async_trait]
    impl Source for Leaky {
        fn name(&self) -> &str {
            "leaky"
        }
        async fn list(&self, _: &AccountId, _: &Selection) -> Result<Vec<ItemRef>, SourceError> {
            Ok(vec![ItemRef {
                key: "1".into(),
                path: "x.bin".into(),
                category: Category::Content,
                timestamp: Some(day(1)),
                rows: None,
            }])
        }
        async fn fetch(
            &self,
            _: &AccountId,
            _: &ItemRef,
            _: &mut (dyn AsyncWrite + Send + Unpin),
        ) -> Result<u64, SourceError> {
            panic!("never fetched")
        }
    }
    let spool = tempfile::tempdir().unwrap();
    let collector = Collector::new(
        Arc::new(Directory),
        vec![Arc::new(Leaky) as Arc<dyn Source>],
    );
    let log = Log::default();
    let error = run(collector.collect(
        &scope(&[Category::Traffic], &[0], (0, 10)),
        &Spool::in_directory(spool.path()),
        &log,
    ))
    .unwrap_err();
    assert!(
        error.to_string().contains("content, which is not approved"),
        "{error}"
    );
    assert!(spool_files(spool.path()).is_empty());
}

fn everything() -> Vec<Datum> {
    (0..12)
        .map(|i| Datum {
            account: i % 2,
            category: Category::ALL[i % 4],
            day: i as i64,
        })
        .collect()
}

/// The spool is the customer's data in the clear: 0700 directories and 0600 files,
/// whatever the umask and wherever it is, the spool directory itself included.
#[test]
fn the_spool_is_readable_by_writ_alone() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let spool = root.path().join("outside/spool");
    std::fs::create_dir_all(&spool).unwrap();
    std::fs::set_permissions(&spool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let source = Arc::new(Memory {
        data: everything(),
        fetches_left: Mutex::new(None),
    });
    let collector = Collector::new(Arc::new(Directory), vec![source as Arc<dyn Source>]);
    let log = Log::default();
    run(collector.collect(
        &scope(&Category::ALL, &[0, 1], (0, 60)),
        &Spool::in_directory(&spool),
        &log,
    ))
    .unwrap();
    assert_eq!(*log.recorded.lock().unwrap(), 12);
    fn check(path: &std::path::Path) {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        if path.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
            for entry in std::fs::read_dir(path).unwrap() {
                check(&entry.unwrap().path());
            }
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
    check(&spool);
}

/// A log that says stop (the demand was withdrawn) ends the collection at the next
/// item: nothing more is fetched.
#[test]
fn a_stop_ends_the_collection_at_the_next_item() {
    let spool = tempfile::tempdir().unwrap();
    let source = Arc::new(Memory {
        data: everything(),
        fetches_left: Mutex::new(None),
    });
    let collector = Collector::new(Arc::new(Directory), vec![source as Arc<dyn Source>]);
    let log = Log {
        stop_after: Some(3),
        ..Log::default()
    };
    let error = run(collector.collect(
        &scope(&Category::ALL, &[0, 1], (0, 60)),
        &Spool::in_directory(spool.path()),
        &log,
    ))
    .unwrap_err();
    assert!(
        matches!(error, writ_sources::collector::CollectError::Stopped),
        "{error}"
    );
    assert_eq!(*log.recorded.lock().unwrap(), 3);
    assert_eq!(spool_files(spool.path()).len(), 3);
}
