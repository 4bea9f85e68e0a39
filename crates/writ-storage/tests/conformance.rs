//! The production storage's conformance suite: every test runs on a local directory
//! and on an S3 bucket (moto, which `scripts/test` starts; skipped with a line saying
//! so without `WRIT_TEST_S3_ENDPOINT`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

#[path = "support/production.rs"]
mod production;

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use writ_seal::{Manifest, ProductionKey, SealError};
use writ_storage::testing::{curl, s3_bucket};
use writ_storage::{ProductionStorage, S3Config, StorageError};

use production::{PRODUCTION, hex, mail_item};

fn directory() -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    Some(Backend {
        storage: ProductionStorage::directory(dir.path().join("productions")),
        _dir: Some(dir),
    })
}

struct Backend {
    storage: ProductionStorage,
    _dir: Option<tempfile::TempDir>,
}

fn s3_config() -> Option<S3Config> {
    s3_bucket("writ/productions")
}

fn s3() -> Option<Backend> {
    Some(Backend {
        storage: ProductionStorage::s3(&s3_config()?).unwrap(),
        _dir: None,
    })
}

/// Each test, once per backend.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod on_directory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(backend) = super::directory() {
                    super::$name(&backend.storage).await;
                }
            })*
        }
        mod on_s3 {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(backend) = super::s3() {
                    super::$name(&backend.storage).await;
                }
            })*
        }
    };
}

conformance!(
    an_item_counts_only_once_complete,
    a_seal_streams_the_spool_into_one_verified_file,
    a_damaged_spool_fails_the_seal_and_leaves_no_sealed_file,
    a_removed_spool_is_gone_whole,
    a_missing_sealed_file_is_an_error,
);

async fn put(storage: &ProductionStorage, path: &str, body: &[u8]) {
    let spool = storage.spool(PRODUCTION);
    spool.prepare().await.unwrap();
    let mut writer = spool.create(path).await.unwrap();
    writer.write_all(body).await.unwrap();
    writer.complete().await.unwrap();
}

async fn an_item_counts_only_once_complete(storage: &ProductionStorage) {
    let spool = storage.spool(PRODUCTION);
    spool.prepare().await.unwrap();
    let path = "items/acc-alice/mail/INBOX/1.eml";
    assert!(!spool.contains(path).await.unwrap());

    // Written (more than a part, so a multipart upload on S3) but never completed.
    let mut writer = spool.create(path).await.unwrap();
    writer.write_all(&vec![7u8; 9 * 1024 * 1024]).await.unwrap();
    writer.flush().await.unwrap();
    assert!(
        !spool.contains(path).await.unwrap(),
        "an item being written is not there"
    );
    writer.abort().await;
    assert!(
        !spool.contains(path).await.unwrap(),
        "an aborted item is not there"
    );

    let mut writer = spool.create(path).await.unwrap();
    writer
        .write_all(b"Subject: hello\r\n\r\nhi\r\n")
        .await
        .unwrap();
    drop(writer);
    assert!(
        !spool.contains(path).await.unwrap(),
        "a dropped item is not there"
    );

    put(storage, path, b"Subject: hello\r\n\r\nhi\r\n").await;
    assert!(spool.contains(path).await.unwrap());
    // Names that a file system or S3 would read otherwise are kept as they are.
    let odd = "items/acc-alice/files/files/a %{weird}# name?.txt";
    put(storage, odd, b"odd").await;
    assert!(spool.contains(odd).await.unwrap());
    assert!(matches!(
        spool.create("items/../escape").await,
        Err(StorageError::Path(_))
    ));
}

/// Items of many sizes: empty, small, and larger than a part (streamed from S3).
fn items() -> Vec<(String, Vec<u8>)> {
    let mut items: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| {
            (
                format!("items/acc-alice/mail/INBOX/{i}.eml"),
                format!("Subject: {i}\r\n\r\n{}\r\n", "x".repeat(i * 997)).into_bytes(),
            )
        })
        .collect();
    items.push(("items/acc-alice/files/files/empty".to_owned(), Vec::new()));
    let large: Vec<u8> = (0..9 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    items.push(("items/acc-alice/files/files/large.bin".to_owned(), large));
    items.push((
        "items/acc-alice/records/calls.csv".to_owned(),
        b"at,from,to\n".to_vec(),
    ));
    items
}

fn manifest(items: &[(String, Vec<u8>)]) -> Manifest {
    let items = items
        .iter()
        .map(|(path, body)| mail_item(path.clone(), body))
        .collect();
    production::manifest("2026-MJ-0042", items)
}

async fn read_sealed(storage: &ProductionStorage, file_name: &str) -> (u64, Vec<u8>) {
    let object = storage.open_sealed(file_name).await.unwrap();
    let chunks: Vec<bytes::Bytes> = object.body.try_collect().await.unwrap();
    (object.size, chunks.concat())
}

async fn a_seal_streams_the_spool_into_one_verified_file(storage: &ProductionStorage) {
    let items = items();
    for (path, body) in &items {
        put(storage, path, body).await;
    }
    let manifest = manifest(&items);
    let key = ProductionKey::generate();
    let (identity, recipient) = writ_seal::new_identity();
    let recipient = writ_seal::parse_recipient(&recipient).unwrap();
    let (sealed, file_name) = storage
        .seal(&manifest, PRODUCTION, &key, &recipient)
        .await
        .unwrap();
    assert!(file_name.starts_with(PRODUCTION) && file_name.ends_with(".age"));
    assert_eq!(
        storage.sealed_files().await.unwrap(),
        vec![file_name.clone()]
    );

    let (size, bytes) = read_sealed(storage, &file_name).await;
    assert_eq!(size, sealed.size);
    assert_eq!(bytes.len() as u64, sealed.size);
    assert_eq!(hex(&Sha256::digest(&bytes)), sealed.sha256);
    let checked = writ_seal::verify(
        &bytes[..],
        &writ_seal::parse_identity(&identity).unwrap(),
        &key.provider_key(),
    )
    .unwrap();
    assert!(checked.is_ok(), "{:?}", checked.problems);
    assert_eq!(checked.manifest, Some(manifest.clone()));

    // A second seal of the same spool is a file of its own, never a replacement.
    let (_, again) = storage
        .seal(&manifest, PRODUCTION, &key, &recipient)
        .await
        .unwrap();
    assert_ne!(again, file_name);
    assert_eq!(read_sealed(storage, &file_name).await.1, bytes);
    storage.remove_sealed(&again).await.unwrap();
    assert_eq!(storage.sealed_files().await.unwrap(), vec![file_name]);
}

async fn a_damaged_spool_fails_the_seal_and_leaves_no_sealed_file(storage: &ProductionStorage) {
    let items = items();
    for (path, body) in &items {
        put(storage, path, body).await;
    }
    let manifest = manifest(&items);
    let key = ProductionKey::generate();
    let (_, recipient) = writ_seal::new_identity();
    let recipient = writ_seal::parse_recipient(&recipient).unwrap();

    // The large item changed since collection, same size: found while streaming, after
    // more than a part of the sealed file went up.
    let (large, body) = items
        .iter()
        .find(|(p, _)| p.ends_with("large.bin"))
        .unwrap();
    let mut changed = body.clone();
    if let Some(last) = changed.last_mut() {
        *last ^= 1;
    }
    put(storage, large, &changed).await;
    match storage.seal(&manifest, PRODUCTION, &key, &recipient).await {
        Err(StorageError::Seal(SealError::SpoolHash { path, .. })) => assert_eq!(&path, large),
        other => panic!("expected a hash mismatch, got {:?}", other.map(|(s, _)| s)),
    }
    assert_eq!(storage.sealed_files().await.unwrap(), Vec::<String>::new());

    // A missing item: refused before the first byte.
    let spool = storage.spool(PRODUCTION);
    spool.remove().await.unwrap();
    match storage.seal(&manifest, PRODUCTION, &key, &recipient).await {
        Err(StorageError::Seal(SealError::SpoolRead { .. })) => {}
        other => panic!("expected a missing item, got {:?}", other.map(|(s, _)| s)),
    }
    assert_eq!(storage.sealed_files().await.unwrap(), Vec::<String>::new());
}

async fn a_removed_spool_is_gone_whole(storage: &ProductionStorage) {
    let spool = storage.spool(PRODUCTION);
    assert!(!spool.remove().await.unwrap(), "nothing to remove");
    let other = storage.spool("another");
    put(storage, "items/a/mail/1.eml", b"one").await;
    put(storage, "items/a/mail/deep/2.eml", b"two").await;
    other.prepare().await.unwrap();
    let mut writer = other.create("items/b/mail/1.eml").await.unwrap();
    writer.write_all(b"kept").await.unwrap();
    writer.complete().await.unwrap();

    assert!(spool.remove().await.unwrap());
    assert!(!spool.contains("items/a/mail/1.eml").await.unwrap());
    assert!(!spool.contains("items/a/mail/deep/2.eml").await.unwrap());
    assert!(
        other.contains("items/b/mail/1.eml").await.unwrap(),
        "another production's spool stays"
    );
}

async fn a_missing_sealed_file_is_an_error(storage: &ProductionStorage) {
    assert!(storage.open_sealed("nothing.age").await.is_err());
    assert!(storage.open_sealed("../escape.age").await.is_err());
    storage.remove_sealed("nothing.age").await.unwrap();
    storage.check().await.unwrap();
}

#[tokio::test]
async fn s3_objects_are_encrypted_at_rest() {
    let Some(config) = s3_config() else { return };
    let storage = ProductionStorage::s3(&config).unwrap();
    assert!(
        storage.describe().contains("encrypted at rest"),
        "{}",
        storage.describe()
    );
    put(&storage, "items/a/mail/1.eml", b"one").await;
    let head = curl(
        &config,
        &["-I"],
        &format!("writ/productions/spool/{PRODUCTION}/items/a/mail/1.eml"),
    )
    .unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("x-amz-server-side-encryption: aes256"),
        "{head}"
    );
}

#[tokio::test]
async fn a_bucket_that_does_not_answer_fails_the_check() {
    let storage = ProductionStorage::s3(&S3Config {
        endpoint: Some("http://127.0.0.1:9".to_owned()),
        bucket: "nowhere".to_owned(),
        prefix: String::new(),
        region: "us-east-1".to_owned(),
        access_key_id: "k".to_owned(),
        secret_access_key: "s".to_owned().into(),
        server_side_encryption: true,
    })
    .unwrap();
    let error = storage.check().await.unwrap_err().to_string();
    assert!(error.contains("nowhere"), "{error}");
    assert!(
        ProductionStorage::directory("/nonexistent/parent/productions")
            .check()
            .await
            .is_err()
    );
}
