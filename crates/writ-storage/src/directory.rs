//! Productions in a local directory: spool files written, synced and renamed into
//! place, 0700/0600 whatever the umask; sealing inside the spool, then a rename.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncWrite, AsyncWriteExt};
use writ_seal::{Manifest, ProductionKey, Recipient, Sealed};

use crate::{SealedObject, StorageError};

/// Creates `path` and its missing parents readable by writ alone (0700, whatever the
/// umask), and makes `path` itself so if it was there: the spool holds the customer's
/// data in the clear, wherever the configuration puts it.
pub async fn private_dir(path: &Path) -> io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true).mode(0o700);
    builder.create(path).await?;
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).await
}

/// The directory is there, or its parent is (it is made at the first seal).
pub(crate) async fn check(directory: &Path) -> Result<(), StorageError> {
    let there = match tokio::fs::metadata(directory).await {
        Ok(metadata) => metadata.is_dir(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match directory.parent() {
            Some(parent) => tokio::fs::metadata(parent)
                .await
                .map(|m| m.is_dir())
                .unwrap_or(false),
            None => false,
        },
        Err(e) => return Err(StorageError::io(directory)(e)),
    };
    if there {
        Ok(())
    } else {
        Err(StorageError::io(directory)(io::Error::new(
            io::ErrorKind::NotFound,
            "not a directory, and its parent is not either",
        )))
    }
}

/// A spool file being written: `{path}.partial`, renamed to `path` once synced.
pub(crate) struct FileWriter {
    file: tokio::fs::File,
    partial: PathBuf,
    target: PathBuf,
}

pub(crate) async fn create(spool: &Path, path: &str) -> Result<crate::Writer, StorageError> {
    let target = spool.join(path);
    let partial = spool.join(format!("{path}.partial"));
    if let Some(parent) = target.parent() {
        private_dir(parent)
            .await
            .map_err(StorageError::io(parent))?;
    }
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .await
        .map_err(StorageError::io(&partial))?;
    Ok(crate::Writer::File(FileWriter {
        file,
        partial,
        target,
    }))
}

impl FileWriter {
    pub(crate) async fn complete(mut self) -> Result<(), StorageError> {
        let error = StorageError::io(&self.target);
        let result: io::Result<()> = async {
            self.file.flush().await?;
            self.file.sync_all().await?;
            tokio::fs::rename(&self.partial, &self.target).await?;
            // The rename itself must reach the disk before the item counts as there.
            if let Some(parent) = self.target.parent() {
                tokio::fs::File::open(parent).await?.sync_all().await?;
            }
            Ok(())
        }
        .await;
        result.map_err(error)
    }

    pub(crate) async fn abort(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.partial).await;
    }
}

impl AsyncWrite for FileWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.file).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_shutdown(cx)
    }
}

/// Seals inside the spool first (a run killed while sealing leaves its partial file
/// there, removed with the spool), then renames into place.
pub(crate) async fn seal(
    directory: &Path,
    manifest: &Manifest,
    production: &str,
    key: &ProductionKey,
    recipient: &Recipient,
    file_name: &str,
) -> Result<Sealed, StorageError> {
    let spool = directory.join("spool").join(production);
    let sealing = spool.join("sealed.age");
    let target = directory.join(file_name);
    private_dir(directory)
        .await
        .map_err(StorageError::io(directory))?;
    private_dir(&spool)
        .await
        .map_err(StorageError::io(&spool))?;
    remove_file(&sealing).await?;
    let sealed = {
        let (manifest, spool, sealing) = (manifest.clone(), spool.clone(), sealing.clone());
        let (key, recipient) = (key.clone(), recipient.clone());
        tokio::task::spawn_blocking(move || {
            writ_seal::seal_to_path(&manifest, &spool, &key, &recipient, &sealing)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))??
    };
    tokio::fs::rename(&sealing, &target)
        .await
        .map_err(StorageError::io(&target))?;
    Ok(sealed)
}

pub(crate) async fn open(file: &Path) -> Result<SealedObject, StorageError> {
    let opened = tokio::fs::File::open(file)
        .await
        .map_err(StorageError::io(file))?;
    let size = opened
        .metadata()
        .await
        .map_err(StorageError::io(file))?
        .len();
    Ok(SealedObject {
        size,
        body: Box::pin(tokio_util::io::ReaderStream::new(opened)),
    })
}

pub(crate) async fn remove_file(file: &Path) -> Result<bool, StorageError> {
    match tokio::fs::remove_file(file).await {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StorageError::io(file)(e)),
    }
}

pub(crate) async fn remove_dir(directory: &Path) -> Result<bool, StorageError> {
    match tokio::fs::remove_dir_all(directory).await {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StorageError::io(directory)(e)),
    }
}

pub(crate) async fn sealed_files(directory: &Path) -> Result<Vec<String>, StorageError> {
    let mut entries = match tokio::fs::read_dir(directory).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StorageError::io(directory)(e)),
    };
    let mut names = Vec::new();
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(StorageError::io(directory))?
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".age") && entry.path().is_file() {
            names.push(name);
        }
    }
    Ok(names)
}
