//! The file source on a local directory and on S3 (moto; skipped without
//! `WRIT_TEST_S3_ENDPOINT`): period boundaries, categories, other accounts' files never
//! listed (`acc-al` is a prefix of `acc-alice`), exact bytes, streaming of large files,
//! and the demo generator's trees.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/common.rs"]
mod common;

#[path = "support/store_s3.rs"]
mod store_s3;

use std::path::{Path as FsPath, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, UNIX_EPOCH};

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use store_s3::S3;
use tokio::io::AsyncWrite;
use writ_core::Timestamp;
use writ_core::demand::{Category, Period};
use writ_sources::demo::DemoSpec;
use writ_sources::demo::files::{FileVolume, account_files, write_files, write_local_files};
use writ_sources::files::{FileSource, FileSourceConfig, LocalStoreConfig};
use writ_sources::{AccountId, ItemRef, Source};

use common::{all, at, february, fetch, plus_micros, selection};

/// Writes `root/rel` and dates it `modified`.
fn put_dated(root: &FsPath, rel: &str, bytes: &[u8], modified: Timestamp) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_micros(modified.unix_micros() as u64))
        .unwrap();
}

fn local_source(root: &FsPath) -> FileSource {
    FileSource::open(
        "files",
        &FileSourceConfig {
            local: Some(LocalStoreConfig {
                root: root.to_path_buf(),
            }),
            s3: None,
            prefix: None,
        },
    )
    .unwrap()
}

/// Alice's files at and around February's edges, and one of `acc-al`'s.
fn local_tree() -> (tempfile::TempDir, FileSource) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let p = february();
    put_dated(
        root,
        "acc-alice/Documents/before.txt",
        b"before",
        plus_micros(p.from(), -1),
    );
    put_dated(
        root,
        "acc-alice/Documents/at-start.txt",
        b"at start",
        p.from(),
    );
    put_dated(
        root,
        "acc-alice/Photos/middle.png",
        b"\x89PNG middle",
        at("2026-02-14T12:00:00Z"),
    );
    put_dated(
        root,
        "acc-alice/Documents/at-end.txt",
        b"at end, \"quoted\"",
        p.to(),
    );
    put_dated(
        root,
        "acc-alice/Documents/after.txt",
        b"after",
        plus_micros(p.to(), 1),
    );
    put_dated(
        root,
        "acc-al/notes.txt",
        b"al's own",
        at("2026-02-10T10:00:00Z"),
    );
    let source = local_source(root);
    (dir, source)
}

fn content_paths(items: &[ItemRef]) -> Vec<&str> {
    items
        .iter()
        .filter(|i| i.category == Category::Content)
        .map(|i| i.path.as_str())
        .collect()
}

/// The metadata CSV as rows of (path, size, last_modified, e_tag).
async fn metadata(source: &FileSource, account: &str, items: &[ItemRef]) -> Vec<Vec<String>> {
    let item = items
        .iter()
        .find(|i| i.path == "file-metadata.csv")
        .expect("a metadata item");
    assert_eq!(item.category, Category::Traffic);
    assert_eq!(item.timestamp, None);
    let bytes = fetch(source, account, item).await;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["path", "size", "last_modified", "e_tag"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(item.rows, Some(rows.len() as u64));
    rows
}

#[tokio::test]
async fn local_the_period_is_inclusive_at_both_ends() {
    let (_dir, source) = local_tree();
    let items = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&all(), Some(february())),
        )
        .await
        .unwrap();
    assert_eq!(
        content_paths(&items),
        [
            "files/Documents/at-end.txt",
            "files/Documents/at-start.txt",
            "files/Photos/middle.png"
        ]
    );
    let at_start = items
        .iter()
        .find(|i| i.path.ends_with("at-start.txt"))
        .unwrap();
    assert_eq!(at_start.timestamp, Some(february().from()));
    let rows = metadata(&source, "acc-alice", &items).await;
    let listed: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("Documents/at-end.txt", "16", "2026-02-28T23:59:59.000000Z"),
            ("Documents/at-start.txt", "8", "2026-02-01T00:00:00.000000Z"),
            ("Photos/middle.png", "11", "2026-02-14T12:00:00.000000Z"),
        ]
    );
    assert!(rows.iter().all(|r| !r[3].is_empty()), "e-tags: {rows:?}");
    // With no period, every file.
    let every = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Content], None),
        )
        .await
        .unwrap();
    assert_eq!(every.len(), 5);
}

#[tokio::test]
async fn local_only_selected_categories_are_listed() {
    let (_dir, source) = local_tree();
    let alice = AccountId("acc-alice".into());
    let p = Some(february());
    let subscriber = source
        .list(
            &alice,
            &selection(&[Category::Subscriber, Category::IpIdentification], p),
        )
        .await
        .unwrap();
    assert!(subscriber.is_empty());
    let traffic = source
        .list(&alice, &selection(&[Category::Traffic], p))
        .await
        .unwrap();
    assert_eq!(
        traffic.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(),
        ["file-metadata.csv"]
    );
    assert_eq!(traffic[0].rows, Some(3));
    let content = source
        .list(&alice, &selection(&[Category::Content], p))
        .await
        .unwrap();
    assert_eq!(content.len(), 3);
    assert!(
        content
            .iter()
            .all(|i| i.category == Category::Content && i.rows.is_none())
    );
    // A period with no files gives nothing at all, not an empty metadata file.
    let empty = Period::new(at("2025-01-01T00:00:00Z"), at("2025-01-31T00:00:00Z")).unwrap();
    assert!(
        source
            .list(&alice, &selection(&all(), Some(empty)))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn local_other_accounts_files_are_never_listed() {
    let (_dir, source) = local_tree();
    let al = source
        .list(&AccountId("acc-al".into()), &selection(&all(), None))
        .await
        .unwrap();
    assert_eq!(content_paths(&al), ["files/notes.txt"]);
    let rows = metadata(&source, "acc-al", &al).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "notes.txt");
    for account in ["acc-a", "acc-alic", "acc-alice-2", "acc-ghost", ""] {
        let items = source
            .list(&AccountId(account.into()), &selection(&all(), None))
            .await
            .unwrap();
        assert!(items.is_empty(), "{account:?}: {items:?}");
    }
    // Alice's item, fetched as acc-al, is looked for among acc-al's files only.
    let alice = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Content], None),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    let error = source
        .fetch(&AccountId("acc-al".into()), &alice[0], &mut out)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("acc-al/"), "{error}");
    assert!(out.is_empty());
}

#[tokio::test]
async fn local_content_is_the_exact_bytes_and_keys_are_stable() {
    let (_dir, source) = local_tree();
    let alice = AccountId("acc-alice".into());
    let first = source
        .list(&alice, &selection(&all(), Some(february())))
        .await
        .unwrap();
    let again = source
        .list(&alice, &selection(&all(), Some(february())))
        .await
        .unwrap();
    assert_eq!(first, again);
    let at_end = first
        .iter()
        .find(|i| i.path == "files/Documents/at-end.txt")
        .unwrap();
    assert_eq!(
        fetch(&source, "acc-alice", at_end).await,
        b"at end, \"quoted\""
    );
    let photo = first
        .iter()
        .find(|i| i.path == "files/Photos/middle.png")
        .unwrap();
    assert_eq!(fetch(&source, "acc-alice", photo).await, b"\x89PNG middle");
}

#[tokio::test]
async fn local_a_file_changed_after_listing_is_an_error() {
    let (dir, source) = local_tree();
    let alice = AccountId("acc-alice".into());
    let items = source
        .list(&alice, &selection(&[Category::Content], Some(february())))
        .await
        .unwrap();
    put_dated(
        dir.path(),
        "acc-alice/Photos/middle.png",
        b"replaced",
        at("2026-02-15T12:00:00Z"),
    );
    let photo = items
        .iter()
        .find(|i| i.path == "files/Photos/middle.png")
        .unwrap();
    let mut out = Vec::new();
    let error = source.fetch(&alice, photo, &mut out).await.unwrap_err();
    assert!(
        error.to_string().contains("changed since it was listed"),
        "{error}"
    );
    std::fs::remove_file(dir.path().join("acc-alice/Documents/at-end.txt")).unwrap();
    let at_end = items
        .iter()
        .find(|i| i.path == "files/Documents/at-end.txt")
        .unwrap();
    let error = source
        .fetch(&alice, at_end, &mut Vec::new())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("gone"), "{error}");
}

#[tokio::test]
async fn local_paths_in_the_production_cannot_climb_out() {
    let dir = tempfile::tempdir().unwrap();
    put_dated(
        dir.path(),
        "acc-alice/odd\\..\\name.txt",
        b"x",
        at("2026-02-10T00:00:00Z"),
    );
    put_dated(
        dir.path(),
        "acc-alice/a/b/c.txt",
        b"y",
        at("2026-02-10T00:00:00Z"),
    );
    let source = local_source(dir.path());
    let items = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Content], None),
        )
        .await
        .unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    for item in &items {
        assert!(item.path.starts_with("files/"), "{}", item.path);
        assert!(!item.path.contains('\\'), "{}", item.path);
        assert!(
            item.path
                .split('/')
                .all(|s| !s.is_empty() && s != ".." && s != "."),
            "{}",
            item.path
        );
    }
    let odd = items.iter().find(|i| i.path.contains("odd")).unwrap();
    assert_eq!(fetch(&source, "acc-alice", odd).await, b"x");
}

#[tokio::test]
async fn local_a_custom_prefix_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    put_dated(
        dir.path(),
        "users/acc-alice/files/a.txt",
        b"mine",
        at("2026-02-10T00:00:00Z"),
    );
    put_dated(
        dir.path(),
        "users/acc-alice/trash/b.txt",
        b"not here",
        at("2026-02-10T00:00:00Z"),
    );
    let config: FileSourceConfig = toml::from_str(&format!(
        "local = {{ root = {:?} }}\nprefix = \"users/{{account}}/files\"",
        dir.path().display().to_string()
    ))
    .unwrap();
    let source = FileSource::open("files", &config).unwrap();
    let items = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Content], None),
        )
        .await
        .unwrap();
    assert_eq!(content_paths(&items), ["files/a.txt"]);
    assert_eq!(fetch(&source, "acc-alice", &items[0]).await, b"mine");
}

#[test]
fn a_missing_root_is_an_error_naming_it() {
    let config = FileSourceConfig {
        local: Some(LocalStoreConfig {
            root: PathBuf::from("/nonexistent/writ-files-root"),
        }),
        s3: None,
        prefix: None,
    };
    let error = FileSource::open("files", &config).unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/writ-files-root"),
        "{error}"
    );
}

/// Records how the bytes arrive: in how many writes, the largest of them, their hash.
#[derive(Default)]
struct Recorder {
    hash: Sha256,
    len: u64,
    writes: u64,
    largest: usize,
}

impl AsyncWrite for Recorder {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.hash.update(buf);
        self.len += buf.len() as u64;
        self.writes += 1;
        self.largest = self.largest.max(buf.len());
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn big_bytes() -> Vec<u8> {
    // 6 MiB that do not repeat in any short cycle.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..6 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

async fn assert_streams(source: &FileSource, account: &str, item: &ItemRef, expected: &[u8]) {
    let mut recorder = Recorder::default();
    let n = source
        .fetch(&AccountId(account.into()), item, &mut recorder)
        .await
        .unwrap();
    assert_eq!(n, expected.len() as u64);
    assert_eq!(recorder.len, expected.len() as u64);
    assert_eq!(recorder.hash.finalize()[..], Sha256::digest(expected)[..]);
    assert!(recorder.writes > 4, "{} writes", recorder.writes);
    assert!(
        recorder.largest <= 2 * 1024 * 1024,
        "a write of {} bytes",
        recorder.largest
    );
}

#[tokio::test]
async fn local_a_multi_megabyte_file_streams_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_bytes();
    put_dated(
        dir.path(),
        "acc-alice/Videos/clip.bin",
        &big,
        at("2026-02-10T00:00:00Z"),
    );
    let source = local_source(dir.path());
    let items = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Content], None),
        )
        .await
        .unwrap();
    assert_streams(&source, "acc-alice", &items[0], &big).await;
}

fn demo_spec() -> DemoSpec {
    DemoSpec::named(
        Period::new(at("2025-03-01T00:00:00Z"), at("2026-03-01T00:00:00Z")).unwrap(),
        5,
    )
}

#[tokio::test]
async fn demo_files_on_a_local_store_are_dated_across_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let spec = demo_spec();
    let volume = FileVolume {
        files_per_account: 10,
    };
    let stats = write_local_files(dir.path(), &spec, &volume).await.unwrap();
    assert_eq!((stats.accounts, stats.files), (4, 40));
    let source = local_source(dir.path());
    let alice = &spec.accounts[0];
    let planned = account_files(&spec, alice, &volume);
    let items = source
        .list(
            &AccountId(alice.id.clone()),
            &selection(&all(), Some(spec.period)),
        )
        .await
        .unwrap();
    assert_eq!(content_paths(&items).len(), 10);
    for file in &planned {
        let item = items
            .iter()
            .find(|i| i.path == format!("files/{}", file.path))
            .unwrap();
        assert_eq!(item.timestamp, Some(file.modified));
        assert_eq!(fetch(&source, &alice.id, item).await, file.bytes);
    }
    // Half the year holds some of the files, not all.
    let half = Period::new(spec.period.from(), at("2025-09-01T00:00:00Z")).unwrap();
    let expected = planned.iter().filter(|f| half.contains(f.modified)).count();
    let items = source
        .list(
            &AccountId(alice.id.clone()),
            &selection(&[Category::Content], Some(half)),
        )
        .await
        .unwrap();
    assert_eq!(items.len(), expected);
    assert!(expected < 10);
}

/// The S3 source for a fresh bucket, and the bucket's store for writing.
async fn s3_source() -> Option<(FileSource, Arc<dyn ObjectStore>)> {
    let s3 = S3::from_env()?;
    let bucket = s3.create_bucket();
    let config = s3.config(&bucket);
    let store = config.object_store("files").unwrap();
    let source = FileSource::open("files", &config).unwrap();
    Some((source, store))
}

async fn put(store: &dyn ObjectStore, path: &str, bytes: Vec<u8>) -> Timestamp {
    store
        .put(&Path::from(path), PutPayload::from(bytes))
        .await
        .unwrap();
    let meta = store.head(&Path::from(path)).await.unwrap();
    Timestamp::from_unix_micros(meta.last_modified.timestamp_micros()).unwrap()
}

#[tokio::test]
async fn s3_lists_fetches_and_keeps_accounts_apart() {
    let Some((source, store)) = s3_source().await else {
        return;
    };
    let t1 = put(
        &*store,
        "acc-alice/Documents/a.txt",
        b"alice, \"a\"".to_vec(),
    )
    .await;
    let t2 = put(&*store, "acc-alice/Photos/b.png", b"\x89PNG b".to_vec()).await;
    put(&*store, "acc-al/c.txt", b"al".to_vec()).await;
    let (first, last) = (t1.min(t2), t1.max(t2));
    let alice = AccountId("acc-alice".into());

    let span = Period::new(first, last).unwrap();
    let items = source
        .list(&alice, &selection(&all(), Some(span)))
        .await
        .unwrap();
    assert_eq!(
        content_paths(&items),
        ["files/Documents/a.txt", "files/Photos/b.png"]
    );
    let rows = metadata(&source, "acc-alice", &items).await;
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["Documents/a.txt", "Photos/b.png"]
    );
    assert_eq!(rows[0][1], "10");
    assert!(
        rows.iter().all(|r| !r[3].is_empty()),
        "S3 gives e-tags: {rows:?}"
    );
    let a = items
        .iter()
        .find(|i| i.path == "files/Documents/a.txt")
        .unwrap();
    assert_eq!(fetch(&source, "acc-alice", a).await, b"alice, \"a\"");

    // Just outside the files' times, nothing.
    let before = Period::new(plus_micros(first, -60_000_000), plus_micros(first, -1)).unwrap();
    assert!(
        source
            .list(&alice, &selection(&all(), Some(before)))
            .await
            .unwrap()
            .is_empty()
    );
    let after = Period::new(plus_micros(last, 1), plus_micros(last, 60_000_000)).unwrap();
    assert!(
        source
            .list(&alice, &selection(&all(), Some(after)))
            .await
            .unwrap()
            .is_empty()
    );

    let al = source
        .list(&AccountId("acc-al".into()), &selection(&all(), None))
        .await
        .unwrap();
    assert_eq!(content_paths(&al), ["files/c.txt"]);
    assert!(
        source
            .list(&AccountId("acc-a".into()), &selection(&all(), None))
            .await
            .unwrap()
            .is_empty()
    );
    let categories = source
        .list(&alice, &selection(&[Category::Subscriber], None))
        .await
        .unwrap();
    assert!(categories.is_empty());

    // Rewritten after listing: the listed version is gone, and writ says so.
    put(&*store, "acc-alice/Documents/a.txt", b"rewritten".to_vec()).await;
    let error = source.fetch(&alice, a, &mut Vec::new()).await.unwrap_err();
    assert!(
        error.to_string().contains("changed since it was listed"),
        "{error}"
    );
}

#[tokio::test]
async fn s3_a_multi_megabyte_object_streams_in_chunks() {
    let Some((source, store)) = s3_source().await else {
        return;
    };
    let big = big_bytes();
    put(&*store, "acc-alice/Videos/clip.bin", big.clone()).await;
    let items = source
        .list(
            &AccountId("acc-alice".into()),
            &selection(&[Category::Content], None),
        )
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_streams(&source, "acc-alice", &items[0], &big).await;
}

#[tokio::test]
async fn s3_takes_the_demo_files() {
    let Some((source, store)) = s3_source().await else {
        return;
    };
    let spec = demo_spec();
    let volume = FileVolume {
        files_per_account: 4,
    };
    let stats = write_files(&*store, &spec, &volume).await.unwrap();
    assert_eq!(stats.files, 16);
    // On S3 a file's time is its upload, so ask for any time.
    let bruno = &spec.accounts[1];
    let items = source
        .list(
            &AccountId(bruno.id.clone()),
            &selection(&[Category::Content], None),
        )
        .await
        .unwrap();
    let planned = account_files(&spec, bruno, &volume);
    assert_eq!(items.len(), planned.len());
    for (item, file) in items.iter().zip(&planned) {
        assert_eq!(item.path, format!("files/{}", file.path));
        assert_eq!(fetch(&source, &bruno.id, item).await, file.bytes);
    }
}
