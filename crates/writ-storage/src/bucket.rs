//! Productions in an S3 bucket, through `object_store`.
//!
//! A spool item and a sealed file are each one upload (a single `PUT` when small, a
//! multipart upload in parts of [`PART`] otherwise), visible only once complete. Sealing
//! lists the spool once (sizes checked before the first byte), fetches the items a few
//! ahead of the seal ([`AHEAD`]) and hands their bytes to the synchronous seal through a
//! bounded channel; the sealed file goes up in parts, [`UPLOADS`] at a time. Memory:
//! about `PART × (UPLOADS + 1)` for the upload and `AHEAD × SMALL` for the reading.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::buffered::BufWriter;
use object_store::path::{Path, PathPart};
use object_store::{ObjectStore, ObjectStoreExt};
use secrecy::ExposeSecret;
use tokio::sync::mpsc;
use writ_seal::{Manifest, ProductionKey, Recipient, Sealed, SpoolSource};

use crate::{S3Config, SealedObject, StorageError};

/// The size of an upload's part (S3 takes 5 MiB at least, but for the last).
const PART: usize = 8 * 1024 * 1024;
/// Parts of one upload in flight at once.
const UPLOADS: usize = 2;
/// Items fetched ahead of the one being sealed.
const AHEAD: usize = 8;
/// An item up to this size is fetched whole; a larger one streams.
const SMALL: u64 = 1024 * 1024;
/// Chunks waiting between the fetching and the seal.
const CHANNEL: usize = 16;

pub(crate) struct Bucket {
    store: Arc<dyn ObjectStore>,
    name: String,
    endpoint: String,
    prefix: Path,
    encrypted: bool,
}

/// `prefix/…/path`, each segment of `path` one path part (escaped where S3 or a file
/// system would read it otherwise).
pub(crate) fn key(prefix: &Path, path: &str) -> Path {
    prefix
        .parts()
        .chain(path.split('/').map(|s| PathPart::from(s.to_owned())))
        .collect()
}

fn bucket_error(what: impl Into<String>) -> impl FnOnce(object_store::Error) -> StorageError {
    let what = what.into();
    move |source| StorageError::Bucket { what, source }
}

fn to_io(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, error),
        other => io::Error::other(other),
    }
}

impl Bucket {
    pub(crate) fn new(config: &S3Config) -> Result<Self, StorageError> {
        if config.bucket.is_empty() {
            return Err(StorageError::Config("bucket: must not be empty".to_owned()));
        }
        let prefix = config.prefix.trim_matches('/');
        if !prefix.is_empty() && !crate::is_relative_path(prefix) {
            return Err(StorageError::Config(format!(
                "prefix: {prefix:?} is not a relative `/`-separated path"
            )));
        }
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose_secret())
            // A bucket that does not answer fails a step in seconds, not minutes: the
            // job is retried whole later, and /healthz must answer.
            .with_retry(object_store::RetryConfig {
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(30),
                ..Default::default()
            });
        if let Some(endpoint) = &config.endpoint {
            // An endpoint written out with http:// is the operator's choice (a server on
            // the same host, tests); AWS itself is always https.
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if config.server_side_encryption {
            let sse: AmazonS3ConfigKey = "aws_server_side_encryption"
                .parse()
                .map_err(|e| StorageError::Config(format!("server_side_encryption: {e}")))?;
            builder = builder.with_config(sse, "AES256");
        }
        let store = builder
            .build()
            .map_err(|e| StorageError::Config(format!("bucket {}: {e}", config.bucket)))?;
        Ok(Self {
            store: Arc::new(store),
            name: config.bucket.clone(),
            endpoint: config
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("AWS {}", config.region)),
            prefix: key(&Path::default(), prefix),
            encrypted: config.server_side_encryption,
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn describe(&self) -> String {
        format!(
            "the S3 bucket {} at {}, prefix {:?}, {}",
            self.name,
            self.endpoint,
            self.prefix.as_ref(),
            if self.encrypted {
                "encrypted at rest (SSE-S3)"
            } else {
                "without server-side encryption"
            }
        )
    }

    /// A key that is never written: not found means the bucket answered.
    pub(crate) async fn check(&self) -> Result<(), StorageError> {
        match self.store.head(&key(&self.prefix, ".writ-health")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(bucket_error(format!("the bucket {}", self.name))(e)),
        }
    }

    pub(crate) fn spool_prefix(&self, production: &str) -> Path {
        key(&self.prefix, &format!("spool/{production}"))
    }

    pub(crate) async fn contains(&self, location: &Path) -> Result<bool, StorageError> {
        match self.store.head(location).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(bucket_error(format!("looking for {location}"))(e)),
        }
    }

    pub(crate) fn writer(&self, location: Path) -> BufWriter {
        BufWriter::with_capacity(self.store.clone(), location, PART).with_max_concurrency(UPLOADS)
    }

    pub(crate) async fn remove_prefix(&self, prefix: &Path) -> Result<bool, StorageError> {
        let locations = self
            .store
            .list(Some(prefix))
            .map_ok(|meta| meta.location)
            .boxed();
        let removed: Vec<Path> = self
            .store
            .delete_stream(locations)
            .try_collect()
            .await
            .map_err(bucket_error(format!("removing {prefix}")))?;
        Ok(!removed.is_empty())
    }

    pub(crate) async fn open_sealed(&self, file_name: &str) -> Result<SealedObject, StorageError> {
        let location = key(&self.prefix, file_name);
        let got = self
            .store
            .get(&location)
            .await
            .map_err(bucket_error(format!("reading {location}")))?;
        Ok(SealedObject {
            size: got.meta.size,
            body: got.into_stream().map_err(to_io).boxed(),
        })
    }

    pub(crate) async fn sealed_files(&self) -> Result<Vec<String>, StorageError> {
        let listed = self
            .store
            .list_with_delimiter(Some(&self.prefix))
            .await
            .map_err(bucket_error(format!("listing {}", self.prefix)))?;
        Ok(listed
            .objects
            .into_iter()
            .filter_map(|meta| meta.location.filename().map(str::to_owned))
            .filter(|name| name.ends_with(".age"))
            .collect())
    }

    pub(crate) async fn remove_sealed(&self, file_name: &str) -> Result<(), StorageError> {
        let location = key(&self.prefix, file_name);
        match self.store.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(bucket_error(format!("removing {location}"))(e)),
        }
    }

    pub(crate) async fn seal(
        &self,
        manifest: &Manifest,
        production: &str,
        key_: &ProductionKey,
        recipient: &Recipient,
        file_name: &str,
    ) -> Result<Sealed, StorageError> {
        let spool = self.spool_prefix(production);
        // One listing gives every size: the seal checks them all before its first byte.
        let sizes: BTreeMap<Path, u64> = self
            .store
            .list(Some(&spool))
            .map_ok(|meta| (meta.location, meta.size))
            .try_collect()
            .await
            .map_err(bucket_error(format!("listing the spool {spool}")))?;

        let (sender, receiver) = mpsc::channel(CHANNEL);
        let fetching = tokio::spawn(fetch_items(
            self.store.clone(),
            manifest
                .items
                .iter()
                .map(|item| (key(&spool, &item.path), item.size))
                .collect(),
            sender,
        ));
        let items = BucketSpool {
            bucket: self.name.clone(),
            spool: spool.clone(),
            sizes,
            receiver,
            current: 0,
            order: manifest.items.iter().map(|i| i.path.clone()).collect(),
        };

        let location = key(&self.prefix, file_name);
        let upload = self.writer(location.clone());
        let runtime = tokio::runtime::Handle::current();
        let (manifest, key_, recipient) = (manifest.clone(), key_.clone(), recipient.clone());
        let sealed = tokio::task::spawn_blocking(move || {
            let mut items = items;
            let mut upload = tokio_util::io::SyncIoBridge::new_with_handle(upload, runtime.clone());
            let sealed = writ_seal::seal_from(
                &manifest,
                &mut items,
                &key_,
                &recipient,
                io::BufWriter::with_capacity(256 * 1024, &mut upload),
            );
            // Stop the fetching whatever happened: it may be ahead of a failed seal.
            drop(items);
            match sealed {
                Ok(sealed) => match upload.shutdown() {
                    Ok(()) => Ok(sealed),
                    Err(e) => Err(StorageError::Bucket {
                        what: format!("completing {location}"),
                        source: object_store::Error::Generic {
                            store: "S3",
                            source: Box::new(e),
                        },
                    }),
                },
                Err(error) => {
                    // Never completed: the parts go, and no object appears.
                    let mut upload = upload.into_inner();
                    if let Err(abort) = runtime.block_on(upload.abort()) {
                        tracing::warn!(%abort, %location, "aborting a failed seal's upload");
                    }
                    Err(error.into())
                }
            }
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?;
        fetching.abort();
        sealed
    }
}

/// One message from the fetching to the seal: a chunk of item `index`, its end, or why
/// it cannot be read.
enum Piece {
    Chunk(usize, Bytes),
    End(usize),
    Failed(usize, io::Error),
}

/// Fetches the items in order, [`AHEAD`] at a time (small ones whole, large ones as a
/// stream when their turn comes), into `sender`. Ends when the seal stops listening.
async fn fetch_items(
    store: Arc<dyn ObjectStore>,
    items: Vec<(Path, u64)>,
    sender: mpsc::Sender<Piece>,
) {
    enum Fetched {
        Whole(Bytes),
        Stream(futures::stream::BoxStream<'static, object_store::Result<Bytes>>),
    }
    let mut fetched = futures::stream::iter(items)
        .map(|(location, size)| {
            let store = store.clone();
            async move {
                let got = store.get(&location).await?;
                if size <= SMALL {
                    Ok(Fetched::Whole(got.bytes().await?))
                } else {
                    Ok(Fetched::Stream(got.into_stream()))
                }
            }
        })
        .buffered(AHEAD)
        .enumerate();
    while let Some((index, result)) = fetched.next().await {
        let send = |piece| sender.send(piece);
        let sent = match result {
            Ok(Fetched::Whole(bytes)) => {
                send(Piece::Chunk(index, bytes)).await.is_ok()
                    && send(Piece::End(index)).await.is_ok()
            }
            Ok(Fetched::Stream(mut stream)) => {
                let mut ok = true;
                while let Some(chunk) = stream.next().await {
                    let piece = match chunk {
                        Ok(bytes) => Piece::Chunk(index, bytes),
                        Err(e) => Piece::Failed(index, to_io(e)),
                    };
                    let failed = matches!(piece, Piece::Failed(..));
                    if send(piece).await.is_err() || failed {
                        ok = false;
                        break;
                    }
                }
                ok && send(Piece::End(index)).await.is_ok()
            }
            Err(e) => send(Piece::Failed(index, to_io(e))).await.is_ok(),
        };
        if !sent {
            return;
        }
    }
}

/// The spool in the bucket as the seal reads it: sizes from the listing, bytes from
/// the fetching, item after item in manifest order.
struct BucketSpool {
    bucket: String,
    spool: Path,
    sizes: BTreeMap<Path, u64>,
    receiver: mpsc::Receiver<Piece>,
    /// The index of the next item to open.
    current: usize,
    order: Vec<String>,
}

impl SpoolSource for BucketSpool {
    fn locate(&self, path: &str) -> PathBuf {
        PathBuf::from(format!("s3://{}/{}", self.bucket, key(&self.spool, path)))
    }

    fn size(&mut self, path: &str) -> io::Result<Option<u64>> {
        match self.sizes.get(&key(&self.spool, path)) {
            Some(size) => Ok(Some(*size)),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "not in the spool")),
        }
    }

    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        let index = self.current;
        if self.order.get(index).map(String::as_str) != Some(path) {
            return Err(io::Error::other(
                "items must be read once each, in manifest order",
            ));
        }
        self.current += 1;
        Ok(Box::new(ItemReader {
            receiver: &mut self.receiver,
            index,
            chunk: Bytes::new(),
            ended: false,
        }))
    }
}

/// One item's bytes, as the fetching sends them.
struct ItemReader<'a> {
    receiver: &'a mut mpsc::Receiver<Piece>,
    index: usize,
    chunk: Bytes,
    ended: bool,
}

impl Read for ItemReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() && !self.ended {
            match self.receiver.blocking_recv() {
                // What is left of an item before this one (a seal that stopped reading
                // it early has failed already; this is only for safety).
                Some(Piece::Chunk(i, _) | Piece::End(i) | Piece::Failed(i, _))
                    if i < self.index => {}
                Some(Piece::Chunk(_, bytes)) => self.chunk = bytes,
                Some(Piece::End(_)) => self.ended = true,
                Some(Piece::Failed(_, error)) => return Err(error),
                None => return Err(io::Error::other("the fetching of the spool stopped")),
            }
        }
        let n = buf.len().min(self.chunk.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), self.chunk.get(..n)) {
            to.copy_from_slice(from);
        }
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}
