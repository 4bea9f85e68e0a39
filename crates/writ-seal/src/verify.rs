//! Checking a production, as its recipient does: decrypt, read the tar once, and compare
//! what is there with what the provider signed.
//!
//! Every entry is hashed as it streams past and only the hashes are kept, so the check
//! does not depend on entry order and memory does not grow with the items' size. What
//! cannot be read at all (wrong identity, not age, not tar, damaged ciphertext) is a
//! [`VerifyError`]; everything else is a [`Problem`], and all of them are reported.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use crate::hashing::HashingReader;
use crate::keys::{Identity, ProviderKey};
use crate::manifest::{
    MANIFEST_FILE, Manifest, ManifestError, README_FILE, SIGNATURE_FILE, SUMS_FILE,
};
use ed25519_dalek::Signature;

/// Larger control files are refused rather than read into memory. A manifest of a
/// million items is about 400 MB, so this leaves room.
const MAX_CONTROL_FILE: u64 = 1 << 30;

/// The outcome of checking a readable production.
#[derive(Clone, Debug, PartialEq)]
pub struct Verification {
    /// The manifest, when `manifest.json` was there and parsed (signed or not: see
    /// `problems`).
    pub manifest: Option<Manifest>,
    /// Everything wrong, in the order: the production's own files, the items in
    /// manifest order, entries the manifest does not list in tar order.
    pub problems: Vec<Problem>,
}

impl Verification {
    /// True when nothing is wrong: signed by the provider key, and exactly the items
    /// the manifest lists, with its hashes and sizes.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty() && self.manifest.is_some()
    }
}

/// One thing wrong with a production. `Display` starts with the file it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{path}: SHA-256 is {found} but the manifest says {expected}")]
    Hash {
        path: String,
        found: String,
        expected: String,
    },
    #[error("{path}: {found} bytes but the manifest says {expected}")]
    Size {
        path: String,
        found: u64,
        expected: u64,
    },
    #[error("{path}: in the manifest but missing")]
    Missing { path: String },
    #[error("{path}: in the production but not in the manifest")]
    Unexpected { path: String },
    #[error("{path}: in the production but not a regular file")]
    NotAFile { path: String },
    #[error("{path}: in the production {count} times")]
    Duplicate { path: String, count: usize },
    #[error("{MANIFEST_FILE}: missing, so nothing else can be checked")]
    NoManifest,
    #[error("{SIGNATURE_FILE}: missing, so the manifest is unsigned")]
    NoSignature,
    #[error("{SIGNATURE_FILE}: {length} bytes, not a 64-byte Ed25519 signature")]
    MalformedSignature { length: usize },
    #[error("{SIGNATURE_FILE}: the signature does not verify with the provider key")]
    BadSignature,
    #[error("{MANIFEST_FILE}: not a writ manifest: {reason}")]
    UnreadableManifest { reason: String },
    #[error("{MANIFEST_FILE}: {0}")]
    InvalidManifest(ManifestError),
    #[error("{path}: larger than {MAX_CONTROL_FILE} bytes")]
    TooLarge { path: String },
    #[error("{SUMS_FILE}: missing")]
    NoSums,
    #[error("{SUMS_FILE}: {detail}")]
    Sums { detail: String },
    #[error("{path:?}: entry name is not UTF-8")]
    NotUtf8 { path: String },
    #[error("data after the end of the tar archive")]
    TrailingData,
}

impl Problem {
    /// The file (entry path) the problem is about; empty for the archive as a whole.
    pub fn path(&self) -> &str {
        match self {
            Self::Hash { path, .. }
            | Self::Size { path, .. }
            | Self::Missing { path }
            | Self::Unexpected { path }
            | Self::NotAFile { path }
            | Self::Duplicate { path, .. }
            | Self::TooLarge { path }
            | Self::NotUtf8 { path } => path,
            Self::NoManifest | Self::UnreadableManifest { .. } | Self::InvalidManifest(_) => {
                MANIFEST_FILE
            }
            Self::NoSignature | Self::MalformedSignature { .. } | Self::BadSignature => {
                SIGNATURE_FILE
            }
            Self::NoSums | Self::Sums { .. } => SUMS_FILE,
            Self::TrailingData => "",
        }
    }
}

/// Why a production could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("not an age-encrypted file: {0}")]
    NotAge(String),
    #[error("the identity does not fit: this file was not encrypted to it")]
    WrongIdentity,
    #[error("cannot decrypt: {0}")]
    Decrypt(String),
    #[error("the encrypted file is damaged or truncated: {0}")]
    Damaged(String),
    #[error("the decrypted content is not a tar archive: {0}")]
    NotTar(String),
}

/// Decrypts `input` with `identity` and checks the production inside against the
/// provider's public key. See [`Verification`] and [`Problem`].
pub fn verify<R: Read>(
    input: R,
    identity: &Identity,
    provider: &ProviderKey,
) -> Result<Verification, VerifyError> {
    let decryptor = age::Decryptor::new_buffered(BufReader::new(input))
        .map_err(|e| VerifyError::NotAge(e.to_string()))?;
    let plaintext = decryptor
        .decrypt(std::iter::once(identity.as_age()))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => VerifyError::WrongIdentity,
            age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
                VerifyError::NotAge(e.to_string())
            }
            other => VerifyError::Decrypt(other.to_string()),
        })?;
    let decrypt_failed = Rc::new(Cell::new(false));
    let plaintext = Watched {
        inner: plaintext,
        failed: Rc::clone(&decrypt_failed),
        count: 0,
    };
    // tar wraps read errors in its own; the flag tells a damaged ciphertext from a bad tar.
    let tar_error = |e: io::Error| {
        if decrypt_failed.get() {
            VerifyError::Damaged(e.to_string())
        } else {
            VerifyError::NotTar(e.to_string())
        }
    };

    let mut archive = tar::Archive::new(plaintext);
    let mut contents = Contents::default();
    for entry in archive.entries().map_err(tar_error)? {
        let entry = entry.map_err(tar_error)?;
        contents.take(entry).map_err(tar_error)?;
    }
    let mut rest = archive.into_inner();
    if rest.count == 0 {
        return Err(VerifyError::NotTar(
            "the decrypted content is empty".to_owned(),
        ));
    }
    // Read to the end: age authenticates the last chunk only when it is reached, and a
    // tar reader stops at the first end-of-archive block.
    let mut trailing = false;
    let mut buffer = [0u8; 8192];
    loop {
        let read = rest
            .read(&mut buffer)
            .map_err(|e| VerifyError::Damaged(e.to_string()))?;
        if read == 0 {
            break;
        }
        trailing |= buffer[..read].iter().any(|&b| b != 0);
    }

    let mut problems = std::mem::take(&mut contents.problems);
    if trailing {
        problems.push(Problem::TrailingData);
    }
    for (name, &count) in &contents.control_counts {
        if count > 1 {
            problems.push(Problem::Duplicate {
                path: (*name).to_owned(),
                count,
            });
        }
    }
    let manifest = check(provider, contents, &mut problems);
    Ok(Verification { manifest, problems })
}

/// Counts the plaintext and notes whether reading it ever failed (age refusing a chunk).
struct Watched<R> {
    inner: R,
    failed: Rc<Cell<bool>>,
    count: u64,
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(read) => {
                self.count += read as u64;
                Ok(read)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.failed.set(true);
                }
                Err(e)
            }
        }
    }
}

/// One item-like entry as it was in the tar.
struct Seen {
    sha256: String,
    size: u64,
}

/// What reading the tar gathered: the production's own files in memory, the hashes of
/// every other regular file, and the problems found on the way.
#[derive(Default)]
struct Contents {
    manifest: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
    sums: Option<Vec<u8>>,
    /// Every occurrence of every other regular file, by path; tar order kept in `order`.
    entries: BTreeMap<String, Vec<Seen>>,
    order: Vec<String>,
    control_counts: BTreeMap<&'static str, usize>,
    problems: Vec<Problem>,
}

impl Contents {
    fn take<R: Read>(&mut self, mut entry: tar::Entry<'_, R>) -> io::Result<()> {
        let path = match String::from_utf8(entry.path_bytes().into_owned()) {
            Ok(path) => path,
            Err(e) => {
                let path = String::from_utf8_lossy(e.as_bytes()).into_owned();
                self.problems.push(Problem::NotUtf8 { path });
                return Ok(());
            }
        };
        if !entry.header().entry_type().is_file() {
            self.problems.push(Problem::NotAFile { path });
            return Ok(());
        }
        let control = [MANIFEST_FILE, SIGNATURE_FILE, SUMS_FILE, README_FILE]
            .into_iter()
            .find(|name| *name == path);
        let Some(name) = control else {
            let mut reader = HashingReader::new(&mut entry, u64::MAX);
            io::copy(&mut reader, &mut io::sink())?;
            let size = reader.count();
            let (_, sha256) = reader.finish();
            let occurrences = self.entries.entry(path.clone()).or_default();
            if occurrences.is_empty() {
                self.order.push(path);
            }
            occurrences.push(Seen { sha256, size });
            return Ok(());
        };

        let count = self.control_counts.entry(name).or_default();
        *count += 1;
        if name == README_FILE || *count > 1 {
            // Unsigned and informational; a repeat is reported and not read.
            return Ok(());
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_CONTROL_FILE + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_CONTROL_FILE {
            self.problems.push(Problem::TooLarge {
                path: name.to_owned(),
            });
            return Ok(());
        }
        match name {
            MANIFEST_FILE => self.manifest = Some(bytes),
            SIGNATURE_FILE => self.signature = Some(bytes),
            _ => self.sums = Some(bytes),
        }
        Ok(())
    }
}

/// The checks against the manifest; returns it when it parsed.
fn check(
    provider: &ProviderKey,
    contents: Contents,
    problems: &mut Vec<Problem>,
) -> Option<Manifest> {
    let Contents {
        manifest: manifest_bytes,
        signature,
        sums,
        entries,
        order,
        ..
    } = contents;
    let Some(manifest_bytes) = manifest_bytes else {
        problems.push(Problem::NoManifest);
        return None;
    };
    match signature {
        None => problems.push(Problem::NoSignature),
        Some(bytes) => match Signature::from_slice(&bytes) {
            Err(_) => problems.push(Problem::MalformedSignature {
                length: bytes.len(),
            }),
            Ok(signature) => {
                if !provider.verify(&manifest_bytes, &signature) {
                    problems.push(Problem::BadSignature);
                }
            }
        },
    }
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(manifest) => manifest,
        Err(e) => {
            problems.push(Problem::UnreadableManifest {
                reason: e.to_string(),
            });
            return None;
        }
    };
    problems.extend(
        manifest
            .problems()
            .into_iter()
            .map(Problem::InvalidManifest),
    );
    match sums {
        None => problems.push(Problem::NoSums),
        Some(sums) => check_sums(&manifest, &sums, problems),
    }

    for item in &manifest.items {
        let Some(occurrences) = entries.get(&item.path) else {
            problems.push(Problem::Missing {
                path: item.path.clone(),
            });
            continue;
        };
        if occurrences.len() > 1 {
            problems.push(Problem::Duplicate {
                path: item.path.clone(),
                count: occurrences.len(),
            });
        }
        for seen in occurrences {
            if seen.size != item.size {
                problems.push(Problem::Size {
                    path: item.path.clone(),
                    found: seen.size,
                    expected: item.size,
                });
            }
            if seen.sha256 != item.sha256 {
                problems.push(Problem::Hash {
                    path: item.path.clone(),
                    found: seen.sha256.clone(),
                    expected: item.sha256.clone(),
                });
            }
        }
    }
    let listed: BTreeSet<&str> = manifest.items.iter().map(|i| i.path.as_str()).collect();
    for path in order {
        if !listed.contains(path.as_str()) {
            problems.push(Problem::Unexpected { path });
        }
    }
    Some(manifest)
}

/// `SHA256SUMS` must be exactly what the manifest implies; each disagreement is named.
fn check_sums(manifest: &Manifest, sums: &[u8], problems: &mut Vec<Problem>) {
    if sums == manifest.sha256sums().as_bytes() {
        return;
    }
    let Ok(text) = std::str::from_utf8(sums) else {
        problems.push(Problem::Sums {
            detail: "not UTF-8 text".to_owned(),
        });
        return;
    };
    let mut details = Vec::new();
    let mut listed: BTreeMap<&str, &str> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        match line.split_once("  ") {
            Some((hash, path)) if hash.len() == 64 => {
                if listed.insert(path, hash).is_some() {
                    details.push(format!("{path} is listed more than once"));
                }
            }
            _ => details.push(format!("line {} is not `<sha256>  <path>`", index + 1)),
        }
    }
    for item in &manifest.items {
        match listed.remove(item.path.as_str()) {
            None => details.push(format!("{} is not listed", item.path)),
            Some(hash) if hash != item.sha256 => details.push(format!(
                "{} is listed with {hash} but the manifest says {}",
                item.path, item.sha256
            )),
            Some(_) => {}
        }
    }
    for path in listed.keys() {
        details.push(format!("lists {path}, which the manifest does not"));
    }
    if details.is_empty() {
        details.push("same entries as the manifest but not in its order or layout".to_owned());
    }
    problems.extend(details.into_iter().map(|detail| Problem::Sums { detail }));
}
