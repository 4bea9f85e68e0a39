//! Making a production: the manifest checked and signed, then one pass that streams
//! every item from the spool through SHA-256, tar and age into the output.
//!
//! Memory stays bounded (a tar block, a copy buffer, one 64 KiB age chunk) whatever
//! the size of the items. Each item is re-hashed on its way into the production, so a
//! spool damaged since collection fails the seal instead of being delivered.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::hashing::{HashingReader, HashingWriter};
use crate::keys::{ProductionKey, Recipient};
use crate::manifest::{
    MANIFEST_FILE, Manifest, ManifestError, README_FILE, SIGNATURE_FILE, SUMS_FILE,
};

/// The encrypted file that came out: what the provider records and the authority can
/// check its download against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// Bytes of the encrypted production.
    pub size: u64,
    /// Lowercase hex SHA-256 of the encrypted production.
    pub sha256: String,
}

/// Why sealing failed. After an error the output is incomplete and must be discarded:
/// its age stream was never finished, so it does not decrypt in full.
/// [`seal_to_path`] does the discarding.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the manifest cannot be sealed: {0}")]
    Manifest(#[from] ManifestError),
    #[error("{path}: cannot read the spool file {}: {source}", file.display())]
    SpoolRead {
        path: String,
        file: PathBuf,
        source: io::Error,
    },
    #[error("{path}: the spool file {} is not a regular file", file.display())]
    SpoolNotFile { path: String, file: PathBuf },
    #[error("{path}: the spool file is {found} bytes but the manifest says {expected}")]
    SpoolSize {
        path: String,
        found: u64,
        expected: u64,
    },
    #[error("{path}: the spool file's SHA-256 is {found} but the manifest says {expected}")]
    SpoolHash {
        path: String,
        found: String,
        expected: String,
    },
    #[error("encoding the manifest failed: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("encrypting to the recipient failed: {0}")]
    Encrypt(#[from] age::EncryptError),
    #[error("writing the production failed: {0}")]
    Write(io::Error),
    #[error("{}: {source}", path.display())]
    Output { path: PathBuf, source: io::Error },
}

/// Where a seal reads the items from: a spool directory ([`seal`]) or anything else
/// that can say an item's size and read it (an object store, through `writ-storage`).
/// Items are opened one at a time, in manifest order.
pub trait SpoolSource {
    /// Where the item `path` is, for error messages.
    fn locate(&self, path: &str) -> PathBuf;
    /// The item's size, `None` when what is there is not a regular file.
    fn size(&mut self, path: &str) -> io::Result<Option<u64>>;
    /// The item's bytes.
    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>>;
}

/// A spool directory: each item at `directory.join(item.path)`.
pub struct SpoolDirectory<'a>(pub &'a Path);

impl SpoolSource for SpoolDirectory<'_> {
    fn locate(&self, path: &str) -> PathBuf {
        self.0.join(path)
    }

    fn size(&mut self, path: &str) -> io::Result<Option<u64>> {
        let metadata = std::fs::metadata(self.0.join(path))?;
        Ok(metadata.is_file().then_some(metadata.len()))
    }

    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(File::open(self.0.join(path))?))
    }
}

/// Seals `manifest`'s items, read from `spool.join(item.path)`, into one production
/// written to `out`: an age file encrypted to `recipient` holding a tar of
/// `manifest.json`, `manifest.json.sig` (by `key`), `SHA256SUMS`, `README.txt` and the
/// items, in that order.
///
/// Checks the manifest and that every spool file exists with the manifest's size
/// before writing anything; a hash that differs is found while streaming. On error,
/// discard what was written (see [`SealError`]).
pub fn seal<W: Write>(
    manifest: &Manifest,
    spool: &Path,
    key: &ProductionKey,
    recipient: &Recipient,
    out: W,
) -> Result<Sealed, SealError> {
    seal_from(manifest, &mut SpoolDirectory(spool), key, recipient, out)
}

/// [`seal`], with the items read from `spool`.
pub fn seal_from<W: Write>(
    manifest: &Manifest,
    spool: &mut dyn SpoolSource,
    key: &ProductionKey,
    recipient: &Recipient,
    out: W,
) -> Result<Sealed, SealError> {
    manifest.check()?;
    let manifest_bytes = manifest.to_bytes()?;
    let signature = key.sign(&manifest_bytes).to_bytes();
    let sums = manifest.sha256sums();
    let readme = readme(manifest);

    // Fail before the first byte on what can be seen without reading: missing files,
    // wrong sizes.
    for item in &manifest.items {
        let size = spool
            .size(&item.path)
            .map_err(|source| SealError::SpoolRead {
                path: item.path.clone(),
                file: spool.locate(&item.path),
                source,
            })?;
        let Some(size) = size else {
            return Err(SealError::SpoolNotFile {
                path: item.path.clone(),
                file: spool.locate(&item.path),
            });
        };
        if size != item.size {
            return Err(SealError::SpoolSize {
                path: item.path.clone(),
                found: size,
                expected: item.size,
            });
        }
    }

    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as _))?;
    let encrypted = encryptor
        .wrap_output(HashingWriter::new(out))
        .map_err(SealError::Write)?;
    let mut tar = tar::Builder::new(encrypted);
    let mtime = u64::try_from(manifest.sealed_at.datetime().unix_timestamp()).unwrap_or(0);

    for (name, bytes) in [
        (MANIFEST_FILE, manifest_bytes.as_slice()),
        (SIGNATURE_FILE, signature.as_slice()),
        (SUMS_FILE, sums.as_bytes()),
        (README_FILE, readme.as_bytes()),
    ] {
        let mut header = file_header(bytes.len() as u64, mtime);
        tar.append_data(&mut header, name, bytes)
            .map_err(SealError::Write)?;
    }

    for item in &manifest.items {
        let file_path = spool.locate(&item.path);
        let read_error = |source| SealError::SpoolRead {
            path: item.path.clone(),
            file: file_path.clone(),
            source,
        };
        let file = spool.open(&item.path).map_err(read_error)?;
        // Never more than the header announced, or the tar would be corrupt.
        let mut reader = HashingReader::new(file, item.size);
        let mut header = file_header(item.size, mtime);
        if let Err(e) = tar.append_data(&mut header, &item.path, &mut reader) {
            return Err(match reader.take_read_error() {
                Some(source) => read_error(source),
                None => SealError::Write(e),
            });
        }
        let copied = reader.count();
        let (mut file, sha256) = reader.finish();
        // The file changed since the size check: shorter, or longer than announced.
        let longer = file.read(&mut [0u8; 1]).map_err(read_error)? > 0;
        drop(file);
        if copied != item.size || longer {
            let found = copied + u64::from(longer);
            return Err(SealError::SpoolSize {
                path: item.path.clone(),
                found: spool.size(&item.path).ok().flatten().unwrap_or(found),
                expected: item.size,
            });
        }
        if sha256 != item.sha256 {
            return Err(SealError::SpoolHash {
                path: item.path.clone(),
                found: sha256,
                expected: item.sha256.clone(),
            });
        }
    }

    let encrypted = tar.into_inner().map_err(SealError::Write)?;
    let mut out = encrypted.finish().map_err(SealError::Write)?;
    out.flush().map_err(SealError::Write)?;
    let (_, size, sha256) = out.finish();
    Ok(Sealed { size, sha256 })
}

/// [`seal`] into the file `out`, which must not exist yet. The production is written
/// to a temporary file beside it and moved into place only when complete and synced,
/// so `out` never holds a partial production.
pub fn seal_to_path(
    manifest: &Manifest,
    spool: &Path,
    key: &ProductionKey,
    recipient: &Recipient,
    out: &Path,
) -> Result<Sealed, SealError> {
    let output_error = |source| SealError::Output {
        path: out.to_owned(),
        source,
    };
    // Early, to save a pointless seal; persist_noclobber below is what guarantees it.
    if out.exists() {
        return Err(output_error(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "a file is already there; a production is never replaced",
        )));
    }
    let directory = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temporary = tempfile::Builder::new()
        .prefix(".writ-production-")
        .tempfile_in(directory)
        .map_err(output_error)?;
    let sealed = seal(
        manifest,
        spool,
        key,
        recipient,
        io::BufWriter::new(temporary.as_file()),
    )?;
    temporary.as_file().sync_all().map_err(output_error)?;
    // No clobbering: an existing production is evidence, not something to replace.
    temporary
        .persist_noclobber(out)
        .map_err(|e| output_error(e.error))?;
    Ok(sealed)
}

/// A plain file entry: owner root, mode 0644, dated at sealing time, so the tar says
/// nothing about the machine it was made on.
fn file_header(size: u64, mtime: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(mtime);
    header
}

/// `README.txt`: how to check the production without writ.
fn readme(manifest: &Manifest) -> String {
    let no_data = if manifest.no_data {
        "\nThis production records that no data was found: it holds no items and SHA256SUMS\n\
         is empty, so `sha256sum -c` finds no lines to check; that is expected.\n"
    } else {
        ""
    };
    format!(
        "writ production {production}\n\
         case {case}, your reference {reference:?}, sealed {sealed_at}\n\
         {no_data}\n\
         To check it by hand (age, GNU coreutils, OpenSSL 3):\n\
         \n\
         \x20 age -d -i identity.txt production.age > production.tar\n\
         \x20 mkdir production && tar -xf production.tar -C production && cd production\n\
         \x20 openssl pkeyutl -verify -pubin -inkey provider.pem -rawin \\\n\
         \x20     -in manifest.json -sigfile manifest.json.sig\n\
         \x20 sha256sum -c SHA256SUMS\n\
         \n\
         provider.pem is the provider's public production key. Take it from the provider\n\
         directly, never from this file: anyone can encrypt a file to you, so the\n\
         signature is what shows the provider made it. manifest.json is what is signed;\n\
         check that its \"sha256\" values are the ones in SHA256SUMS. This README is not\n\
         signed.\n\
         \n\
         Or, with writ:\n\
         \n\
         \x20 writ bundle verify production.age --identity identity.txt --provider-key provider.pem\n",
        production = manifest.production,
        case = manifest.case,
        reference = manifest.reference,
        sealed_at = manifest.sealed_at,
    )
}
