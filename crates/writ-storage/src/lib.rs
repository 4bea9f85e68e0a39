//! Where productions are kept: each collection's spool (the customer's data in the
//! clear, until it is sealed) and the sealed files, in a local directory (the default)
//! or an S3 bucket, with one interface over both.
//!
//! The layout is the same in both: `{file}.age` for a sealed file and
//! `spool/{production}/items/…` for a spool, under the directory or the bucket's prefix.
//!
//! - A spool item ([`Spool::create`]) is written to a temporary file renamed into place,
//!   or to a multipart upload, and exists only once [`ItemWriter::complete`] returns:
//!   an item cut short is never seen.
//! - [`ProductionStorage::seal`] streams the spool's items through the seal (re-hashing
//!   each) into the sealed file; in a bucket, items are read a few at a time ahead and the
//!   sealed file goes up in parts, so memory stays at a few parts whatever the size.
//!   A seal that fails leaves no sealed file.
//! - [`ProductionStorage::open_sealed`] streams a sealed file back, for a download.

mod bucket;
mod directory;
#[cfg(feature = "testing")]
pub mod testing;

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::BoxStream;
use secrecy::SecretString;
use serde::Deserialize;
use tokio::io::AsyncWrite;
use writ_seal::{Manifest, ProductionKey, Recipient, SealError, Sealed};

pub use directory::private_dir;

/// `[production.s3]`: productions in an S3 bucket instead of the local directory.
///
/// ```toml
/// [production.s3]
/// endpoint = "https://s3.internal:9000"   # AWS when omitted; http:// allowed when given
/// bucket = "writ-productions"
/// prefix = "writ"                          # optional: keys under writ/
/// region = "us-east-1"
/// access_key_id = "…"
/// # secret_access_key: set WRIT_PRODUCTION__S3__SECRET_ACCESS_KEY rather than here
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    #[serde(default)]
    pub endpoint: Option<String>,
    pub bucket: String,
    /// `/`-separated; empty for the bucket's root.
    #[serde(default)]
    pub prefix: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    /// Redacted in `Debug`, never logged.
    pub secret_access_key: SecretString,
    /// Asks the bucket to encrypt every object at rest (SSE-S3, `AES256`). Turn it off
    /// only for a server that refuses the header; the data are then as safe as its disks.
    #[serde(default = "encrypt_by_default")]
    pub server_side_encryption: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

fn encrypt_by_default() -> bool {
    true
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Bucket {
        what: String,
        source: object_store::Error,
    },
    #[error("[production.s3] {0}")]
    Config(String),
    #[error("the path {0:?} cannot be stored (relative, `/`-separated, no `.` or `..`)")]
    Path(String),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("the sealing task failed: {0}")]
    Task(String),
}

impl StorageError {
    fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// Where productions are kept. Cheap to clone.
#[derive(Clone)]
pub struct ProductionStorage {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Directory(PathBuf),
    Bucket(Arc<bucket::Bucket>),
}

/// A sealed file on its way out: its size, then its bytes.
pub struct SealedObject {
    pub size: u64,
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

impl ProductionStorage {
    /// Productions in `directory` (created 0700 when first needed).
    pub fn directory(directory: impl Into<PathBuf>) -> Self {
        Self {
            backend: Backend::Directory(directory.into()),
        }
    }

    /// Productions in the bucket `config` names (nothing is contacted yet).
    pub fn s3(config: &S3Config) -> Result<Self, StorageError> {
        Ok(Self {
            backend: Backend::Bucket(Arc::new(bucket::Bucket::new(config)?)),
        })
    }

    /// What the operator reads at start: which storage this is.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Directory(directory) => format!("the directory {}", directory.display()),
            Backend::Bucket(bucket) => bucket.describe(),
        }
    }

    /// Whether the storage answers: the directory is there (or can be made), the bucket
    /// can be read.
    pub async fn check(&self) -> Result<(), StorageError> {
        match &self.backend {
            Backend::Directory(directory) => directory::check(directory).await,
            Backend::Bucket(bucket) => bucket.check().await,
        }
    }

    /// The spool of `production`.
    pub fn spool(&self, production: &str) -> Spool {
        match &self.backend {
            Backend::Directory(directory) => Spool {
                at: SpoolAt::Directory(directory.join("spool").join(production)),
            },
            Backend::Bucket(bucket) => Spool {
                at: SpoolAt::Bucket(bucket.clone(), bucket.spool_prefix(production)),
            },
        }
    }

    /// Seals `manifest`'s items from `production`'s spool into a new sealed file,
    /// and returns it with the name it is kept under. Each attempt writes a file of its
    /// own name, so two workers that both seal one production (one of them stalled past
    /// its lease) never overwrite each other: the file recorded is the file written.
    /// On error nothing is left under that name.
    pub async fn seal(
        &self,
        manifest: &Manifest,
        production: &str,
        key: &ProductionKey,
        recipient: &Recipient,
    ) -> Result<(Sealed, String), StorageError> {
        let attempt = uuid::Uuid::new_v4().simple().to_string();
        let file_name = format!("{production}.{}.age", attempt.get(..8).unwrap_or(&attempt));
        let sealed = match &self.backend {
            Backend::Directory(directory) => {
                directory::seal(directory, manifest, production, key, recipient, &file_name).await?
            }
            Backend::Bucket(bucket) => {
                bucket
                    .seal(manifest, production, key, recipient, &file_name)
                    .await?
            }
        };
        Ok((sealed, file_name))
    }

    /// The sealed file `file_name`, streamed.
    pub async fn open_sealed(&self, file_name: &str) -> Result<SealedObject, StorageError> {
        check_file_name(file_name)?;
        match &self.backend {
            Backend::Directory(directory) => directory::open(&directory.join(file_name)).await,
            Backend::Bucket(bucket) => bucket.open_sealed(file_name).await,
        }
    }

    /// The names of every sealed file kept (for checks and tests).
    pub async fn sealed_files(&self) -> Result<Vec<String>, StorageError> {
        let mut names = match &self.backend {
            Backend::Directory(directory) => directory::sealed_files(directory).await?,
            Backend::Bucket(bucket) => bucket.sealed_files().await?,
        };
        names.sort();
        Ok(names)
    }

    /// Deletes the sealed file `file_name` (one whose recording failed), if it is there.
    pub async fn remove_sealed(&self, file_name: &str) -> Result<(), StorageError> {
        check_file_name(file_name)?;
        match &self.backend {
            Backend::Directory(directory) => {
                directory::remove_file(&directory.join(file_name)).await?;
                Ok(())
            }
            Backend::Bucket(bucket) => bucket.remove_sealed(file_name).await,
        }
    }
}

fn check_file_name(file_name: &str) -> Result<(), StorageError> {
    if is_relative_path(file_name) && !file_name.contains('/') {
        Ok(())
    } else {
        Err(StorageError::Path(file_name.to_owned()))
    }
}

/// `a/b.eml`: relative, `/`-separated, no empty, `.` or `..` segment.
pub fn is_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty() && segment != "." && segment != ".." && !segment.contains('\\')
        })
}

/// One collection's spool: where its items wait, in the clear, until they are sealed.
#[derive(Clone)]
pub struct Spool {
    at: SpoolAt,
}

#[derive(Clone)]
enum SpoolAt {
    Directory(PathBuf),
    Bucket(Arc<bucket::Bucket>, object_store::path::Path),
}

impl Spool {
    /// A spool directory of its own (tools and tests).
    pub fn in_directory(directory: &Path) -> Self {
        Self {
            at: SpoolAt::Directory(directory.to_owned()),
        }
    }

    /// Makes the spool ready to take items (a private directory; nothing in a bucket).
    pub async fn prepare(&self) -> Result<(), StorageError> {
        match &self.at {
            SpoolAt::Directory(directory) => private_dir(directory)
                .await
                .map_err(StorageError::io(directory)),
            SpoolAt::Bucket(..) => Ok(()),
        }
    }

    /// Whether the item `path` is complete in the spool.
    pub async fn contains(&self, path: &str) -> Result<bool, StorageError> {
        check_path(path)?;
        match &self.at {
            SpoolAt::Directory(directory) => {
                let file = directory.join(path);
                tokio::fs::try_exists(&file)
                    .await
                    .map_err(StorageError::io(file))
            }
            SpoolAt::Bucket(bucket, prefix) => bucket.contains(&bucket::key(prefix, path)).await,
        }
    }

    /// A writer for the item `path`, replacing any earlier one once complete.
    pub async fn create(&self, path: &str) -> Result<ItemWriter, StorageError> {
        check_path(path)?;
        let inner = match &self.at {
            SpoolAt::Directory(directory) => directory::create(directory, path).await?,
            SpoolAt::Bucket(bucket, prefix) => {
                Writer::Object(Box::new(bucket.writer(bucket::key(prefix, path))))
            }
        };
        Ok(ItemWriter { inner })
    }

    /// Removes the spool and everything in it; whether there was anything.
    pub async fn remove(&self) -> Result<bool, StorageError> {
        match &self.at {
            SpoolAt::Directory(directory) => directory::remove_dir(directory).await,
            SpoolAt::Bucket(bucket, prefix) => bucket.remove_prefix(prefix).await,
        }
    }

    /// Where the spool is, for the log.
    pub fn describe(&self) -> String {
        match &self.at {
            SpoolAt::Directory(directory) => directory.display().to_string(),
            SpoolAt::Bucket(bucket, prefix) => format!("s3://{}/{prefix}", bucket.name()),
        }
    }
}

fn check_path(path: &str) -> Result<(), StorageError> {
    if is_relative_path(path) {
        Ok(())
    } else {
        Err(StorageError::Path(path.to_owned()))
    }
}

/// One spool item being written. It is not in the spool until [`complete`] returns;
/// dropped or [`abort`]ed, it never is.
///
/// [`complete`]: ItemWriter::complete
/// [`abort`]: ItemWriter::abort
pub struct ItemWriter {
    inner: Writer,
}

enum Writer {
    File(directory::FileWriter),
    Object(Box<object_store::buffered::BufWriter>),
}

impl ItemWriter {
    /// Puts the item in place: synced and renamed, or the upload completed.
    pub async fn complete(self) -> Result<(), StorageError> {
        match self.inner {
            Writer::File(file) => file.complete().await,
            Writer::Object(mut upload) => {
                use tokio::io::AsyncWriteExt;
                upload.shutdown().await.map_err(|e| StorageError::Bucket {
                    what: "completing a spool item".to_owned(),
                    source: object_store::Error::Generic {
                        store: "S3",
                        source: Box::new(e),
                    },
                })
            }
        }
    }

    /// Gives up on the item: the partial file or the upload's parts go.
    pub async fn abort(self) {
        match self.inner {
            Writer::File(file) => file.abort().await,
            Writer::Object(mut upload) => {
                if let Err(error) = upload.abort().await {
                    tracing::warn!(%error, "aborting a spool item's upload");
                }
            }
        }
    }
}

impl AsyncWrite for ItemWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match &mut self.inner {
            Writer::File(file) => Pin::new(file).poll_write(cx, buf),
            Writer::Object(upload) => Pin::new(upload.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match &mut self.inner {
            Writer::File(file) => Pin::new(file).poll_flush(cx),
            Writer::Object(upload) => Pin::new(upload.as_mut()).poll_flush(cx),
        }
    }

    /// Completion is [`ItemWriter::complete`]'s: shutting down only flushes.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}
