//! The `[sources]` section of writ's configuration: where the provider's directory,
//! mail, files and records are, and the [`Collector`] made from them.
//!
//! ```toml
//! [sources.directory]
//! database = "sqlite:///var/lib/provider/provider.db?mode=ro"
//! [sources.mail.imap]            # or [sources.mail.maildir] root = "/var/vmail"
//! address = "127.0.0.1:143"
//! master_user = "writ-master"
//! master_password_env = "WRIT_IMAP_MASTER_PASSWORD"
//! [sources.files.local]          # or [sources.files.s3] …
//! root = "/srv/files"
//! [sources.records]
//! database = "sqlite:///var/lib/provider/provider.db?mode=ro"
//! ```

use std::sync::Arc;

use serde::Deserialize;

use crate::collector::Collector;
use crate::directory::{DirectoryConfig, SqlDirectory};
use crate::files::{FileSource, FileSourceConfig};
use crate::mail::{ImapConfig, ImapSource, MaildirConfig, MaildirSource};
use crate::records::{RecordSource, RecordSourceConfig};
use crate::{Source, SourceError};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesConfig {
    /// Which account an identifier names. Without it, nothing can be collected.
    pub directory: Option<DirectoryConfig>,
    pub mail: Option<MailConfig>,
    pub files: Option<FileSourceConfig>,
    pub records: Option<RecordSourceConfig>,
}

/// One mail store: a Maildir tree on disk, or an IMAP server.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    #[serde(default)]
    pub maildir: Option<MaildirConfig>,
    #[serde(default)]
    pub imap: Option<ImapConfig>,
}

impl SourcesConfig {
    /// Whether collection is configured at all (a directory to find accounts in).
    pub fn is_configured(&self) -> bool {
        self.directory.is_some()
    }

    /// Connects to every configured service. `None` when no directory is configured.
    /// An error names the source whose configuration or service is wrong.
    pub async fn connect(&self) -> Result<Option<Collector>, SourceError> {
        let Some(directory) = &self.directory else {
            return Ok(None);
        };
        let directory = SqlDirectory::connect(directory).await?;
        let mut sources: Vec<Arc<dyn Source>> = Vec::new();
        if let Some(mail) = &self.mail {
            match (&mail.maildir, &mail.imap) {
                (Some(maildir), None) => {
                    sources.push(Arc::new(MaildirSource::new(maildir.clone())));
                }
                (None, Some(imap)) => sources.push(Arc::new(ImapSource::new(imap.clone())?)),
                _ => {
                    return Err(SourceError::invalid(
                        "sources.mail",
                        "configure exactly one of `maildir` and `imap`",
                    ));
                }
            }
        }
        if let Some(files) = &self.files {
            sources.push(Arc::new(FileSource::open("files", files)?));
        }
        if let Some(records) = &self.records {
            sources.push(Arc::new(RecordSource::connect("records", records).await?));
        }
        Ok(Some(Collector::new(Arc::new(directory), sources)))
    }
}
