//! Mail read straight from a Maildir++ tree, as Dovecot keeps it.
//!
//! An account's mailbox is `{root}/{account}/Maildir`: INBOX is the `cur` and `new`
//! directories at its top, every other folder a `.Name` directory beside them
//! (`.Archive.2024` is `Archive/2024`) with its own `cur` and `new`. A message is dated
//! by its file's modification time, cut to whole seconds, which is what Dovecot reports
//! as INTERNALDATE for the same file.
//!
//! A message file's name changes when its flags change (`…:2,S` once read), so a
//! message is known by the part before `:2,` (its "base"), and found again at fetch
//! time by that base in `cur` or `new`. Files are only read; symlinks are not followed.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use writ_core::Timestamp;

use super::envelope::{Envelope, HeaderScan};
use super::{Part, folder_path, push_items, safe_name, split_key, wants_mail, whole_seconds};
use crate::{AccountId, ItemRef, Selection, Source, SourceError};

/// A Maildir mail store (`[sources.mail.maildir]`): where the mailboxes are.
///
/// ```toml
/// name = "mail"           # default "mail"
/// root = "/var/vmail"     # {root}/{account}/Maildir
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaildirConfig {
    #[serde(default = "super::default_source_name")]
    pub name: String,
    pub root: PathBuf,
}

impl MaildirConfig {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            name: super::default_source_name(),
            root: root.into(),
        }
    }
}

/// How much of a message file is read at once.
const READ_BYTES: usize = 1024 * 1024;

/// The name the INBOX has in keys and paths; other folders are `.Name` directories.
const INBOX: &str = "INBOX";

pub struct MaildirSource {
    config: MaildirConfig,
    /// Where the messages of the folder fetched last are, by base: fetches come in
    /// listing order, so one folder's index saves a directory scan per message.
    index: Mutex<Option<FolderIndex>>,
}

struct FolderIndex {
    account: String,
    dir: String,
    files: BTreeMap<String, PathBuf>,
}

impl std::fmt::Debug for MaildirSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaildirSource")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl MaildirSource {
    pub fn new(config: MaildirConfig) -> Self {
        Self {
            config,
            index: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &MaildirConfig {
        &self.config
    }

    fn mailbox(&self, account: &AccountId) -> Result<PathBuf, SourceError> {
        let name = account.0.as_str();
        // The account names a directory: it must not be able to name any other.
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(SourceError::invalid(
                &self.config.name,
                format!("account {name:?} cannot name a Maildir directory"),
            ));
        }
        Ok(self.config.root.join(name).join("Maildir"))
    }

    fn unavailable(&self, what: impl std::fmt::Display, error: io::Error) -> SourceError {
        SourceError::unavailable(&self.config.name, format!("{what}: {error}"))
    }

    /// The file of message `base` in folder `dir`, from the index or a fresh scan.
    async fn locate(
        &self,
        account: &AccountId,
        mailbox: &Path,
        dir: &str,
        base: &str,
    ) -> Result<PathBuf, SourceError> {
        let cached = {
            let index = self.index.lock().ok();
            index.as_deref().and_then(|index| match index {
                Some(index) if index.account == account.0 && index.dir == dir => {
                    index.files.get(base).cloned()
                }
                _ => None,
            })
        };
        if let Some(path) = cached
            && is_regular_file(&path).await
        {
            return Ok(path);
        }
        // Not indexed, or its flags (and so its name) changed since: scan the folder.
        let folder_dir = folder_dir(mailbox, dir);
        let scanning = folder_dir.clone();
        let scanned = {
            tokio::task::spawn_blocking(move || scan_folder(&scanning))
                .await
                .map_err(|e| SourceError::unavailable(&self.config.name, e))?
                .map_err(|e| {
                    self.unavailable(format_args!("reading {}", folder_dir.display()), e)
                })?
        };
        let files: BTreeMap<String, PathBuf> = scanned
            .into_iter()
            .map(|message| (message.base, message.path))
            .collect();
        let found = files.get(base).cloned();
        if let Ok(mut index) = self.index.lock() {
            *index = Some(FolderIndex {
                account: account.0.clone(),
                dir: dir.to_owned(),
                files,
            });
        }
        found.ok_or_else(|| {
            SourceError::invalid(
                &self.config.name,
                format!(
                    "message {base} of folder {dir} is no longer in {}",
                    folder_dir.display()
                ),
            )
        })
    }
}

#[async_trait::async_trait]
impl Source for MaildirSource {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn list(
        &self,
        account: &AccountId,
        selection: &Selection,
    ) -> Result<Vec<ItemRef>, SourceError> {
        let mailbox = self.mailbox(account)?;
        if !wants_mail(selection) {
            return Ok(Vec::new());
        }
        let selection = selection.clone();
        let listed = tokio::task::spawn_blocking(move || list_mailbox(&mailbox, &selection))
            .await
            .map_err(|e| SourceError::unavailable(&self.config.name, e))?;
        listed.map_err(|(path, e)| self.unavailable(format_args!("reading {}", path.display()), e))
    }

    async fn fetch(
        &self,
        account: &AccountId,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError> {
        let name = &self.config.name;
        let (message, part) = split_key(item).map_err(|e| SourceError::invalid(name, e))?;
        let (dir, base) = message
            .rsplit_once('/')
            .filter(|(dir, base)| is_folder_dir(dir) && is_base(base))
            .ok_or_else(|| {
                SourceError::invalid(
                    name,
                    format!("item key {:?} names no Maildir message", item.key),
                )
            })?;
        let mailbox = self.mailbox(account)?;
        let path = self.locate(account, &mailbox, dir, base).await?;
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| self.unavailable(format_args!("opening {}", path.display()), e))?;
        match part {
            // Big reads: each one is a trip to the blocking thread pool.
            Part::Eml => Ok(tokio::io::copy_buf(
                &mut BufReader::with_capacity(READ_BYTES, file),
                out,
            )
            .await?),
            Part::Envelope => {
                let metadata = file
                    .metadata()
                    .await
                    .map_err(|e| self.unavailable(format_args!("reading {}", path.display()), e))?;
                let received_at = mtime(&metadata).ok_or_else(|| {
                    SourceError::invalid(name, format!("{} has no usable mtime", path.display()))
                })?;
                let mut scan = HeaderScan::new();
                let mut buffer = vec![0; READ_BYTES];
                loop {
                    let n = file.read(&mut buffer).await.map_err(|e| {
                        self.unavailable(format_args!("reading {}", path.display()), e)
                    })?;
                    if n == 0 {
                        break;
                    }
                    scan.feed(&buffer[..n]);
                }
                let (header, size) = scan.finish();
                let json = Envelope::from_header(&header, size, received_at).to_json();
                out.write_all(&json).await?;
                Ok(json.len() as u64)
            }
        }
    }
}

/// One message file found in a folder.
struct Found {
    base: String,
    path: PathBuf,
    at: Option<Timestamp>,
}

/// Every item of `mailbox` that `selection` wants: INBOX first, then the folders by
/// name; in each, messages by base (which starts with the delivery time).
fn list_mailbox(
    mailbox: &Path,
    selection: &Selection,
) -> Result<Vec<ItemRef>, (PathBuf, io::Error)> {
    let mut items = Vec::new();
    let mut dirs = vec![INBOX.to_owned()];
    match std::fs::read_dir(mailbox) {
        Ok(entries) => {
            let mut folders = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| (mailbox.to_owned(), e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if is_dir && is_folder_dir(&name) && name != INBOX {
                    folders.push(name);
                }
            }
            folders.sort();
            dirs.extend(folders);
        }
        // No mailbox: the provider has no mail for this account.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(items),
        Err(e) => return Err((mailbox.to_owned(), e)),
    }
    for dir in dirs {
        let folder_dir = folder_dir(mailbox, &dir);
        let messages = scan_folder(&folder_dir).map_err(|e| (folder_dir.clone(), e))?;
        let path = display_path(&dir);
        for message in messages {
            let Some(at) = message.at else {
                continue;
            };
            let key = format!("{dir}/{}", message.base);
            let path = format!("{path}/{}", safe_name(&message.base));
            push_items(&mut items, selection, &key, &path, at);
        }
    }
    Ok(items)
}

/// The messages in one folder's `cur` and `new`, by base. A base found twice (a file
/// caught moving from `new` to `cur`) counts once.
fn scan_folder(folder: &Path) -> io::Result<Vec<Found>> {
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for sub in ["cur", "new"] {
        let dir = folder.join(sub);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            // Regular files only: no symlink leads out of the mailbox.
            if !entry.file_type()?.is_file() || name.starts_with('.') {
                continue;
            }
            let base = match name.split_once(":2,") {
                Some((base, _flags)) => base.to_owned(),
                None => name.clone(),
            };
            if found.contains_key(&base) {
                continue;
            }
            let at = mtime(&entry.metadata()?);
            found.insert(
                base.clone(),
                Found {
                    base,
                    path: dir.join(&name),
                    at,
                },
            );
        }
    }
    Ok(found.into_values().collect())
}

/// The directory of folder `dir` (`INBOX` or `.Name`).
fn folder_dir(mailbox: &Path, dir: &str) -> PathBuf {
    if dir == INBOX {
        mailbox.to_owned()
    } else {
        mailbox.join(dir)
    }
}

/// `INBOX` or a Maildir++ folder directory (`.Sent`, `.Archive.2024`).
fn is_folder_dir(dir: &str) -> bool {
    dir == INBOX
        || (dir.len() > 1
            && dir.starts_with('.')
            && dir != ".."
            && !dir.contains(['/', '\\', '\0']))
}

fn is_base(base: &str) -> bool {
    !base.is_empty() && !base.starts_with('.') && !base.contains(['/', '\\', '\0'])
}

/// The folder's path in the production: `.Archive.2024` → `Archive/2024`.
fn display_path(dir: &str) -> String {
    match dir.strip_prefix('.') {
        Some(name) => folder_path(name.split('.')),
        None => folder_path([dir]),
    }
}

/// A file's mtime in whole seconds (rounded down, as Dovecot's INTERNALDATE).
fn mtime(metadata: &std::fs::Metadata) -> Option<Timestamp> {
    let modified = metadata.modified().ok()?;
    let secs = match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok()?,
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).ok()?;
            if before.subsec_nanos() > 0 {
                -whole - 1
            } else {
                -whole
            }
        }
    };
    whole_seconds(secs)
}

async fn is_regular_file(path: &Path) -> bool {
    tokio::fs::symlink_metadata(path)
        .await
        .is_ok_and(|m| m.is_file())
}

/// A time as the `SystemTime` a file's mtime is set to.
pub(crate) fn system_time(at: Timestamp) -> Option<SystemTime> {
    let micros = at.unix_micros();
    let magnitude = std::time::Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_map_to_paths() {
        assert_eq!(display_path("INBOX"), "INBOX");
        assert_eq!(display_path(".Sent"), "Sent");
        assert_eq!(display_path(".Archive.2024"), "Archive/2024");
        assert!(is_folder_dir(".Sent"));
        assert!(!is_folder_dir(".."));
        assert!(!is_folder_dir("."));
        assert!(!is_folder_dir("cur"));
        assert!(!is_folder_dir("../x"));
    }

    #[test]
    fn mtimes_round_down_to_seconds() {
        let file = tempfile::NamedTempFile::new().unwrap();
        for (set, want) in [
            ("2024-03-01T10:00:00.999Z", "2024-03-01T10:00:00Z"),
            ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59Z"),
        ] {
            let at = system_time(Timestamp::parse(set).unwrap()).unwrap();
            file.as_file().set_modified(at).unwrap();
            let metadata = file.as_file().metadata().unwrap();
            assert_eq!(
                mtime(&metadata),
                Some(Timestamp::parse(want).unwrap()),
                "{set}"
            );
        }
    }

    #[test]
    fn accounts_cannot_leave_the_root() {
        let source = MaildirSource::new(MaildirConfig::new("/srv/mail"));
        for bad in ["", ".", "..", "../etc", "a/b", "a\\b"] {
            assert!(
                source.mailbox(&AccountId(bad.to_owned())).is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(
            source.mailbox(&AccountId("acc-alice".to_owned())).unwrap(),
            Path::new("/srv/mail/acc-alice/Maildir")
        );
    }
}
