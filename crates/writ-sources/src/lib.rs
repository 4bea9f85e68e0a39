//! The provider's services as writ reaches into them: a directory that says which
//! account an identifier names, and sources (mail, files, records) that list and fetch
//! an account's items. The [`collector`] takes an approved scope and gathers exactly
//! what is in it; this crate never decides what is in scope.
//!
//! Every source streams: an item is listed as a small [`ItemRef`] and its bytes are
//! written to a file the collector owns, so memory stays bounded whatever the mailbox.

pub mod collector;
pub mod config;
pub mod demo;
pub mod directory;
pub mod files;
pub mod mail;
pub mod records;

use std::fmt;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWrite;
use writ_core::demand::{Category, Period};
use writ_core::{Identifier, Timestamp};

/// An account at the provider (`acc-alice`): what the directory resolves identifiers
/// to, and what sources are asked about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub String);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account as the directory knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub id: AccountId,
    /// The enterprise tenant the account belongs to, if any.
    pub tenant: Option<TenantEntry>,
    /// Where the account's holder is told of a demand about it, if the provider knows.
    pub contact: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantEntry {
    pub id: String,
    pub name: String,
    pub seats: u32,
    pub admin_email: String,
}

/// What to take from one account: the approved categories, and the period (none: any
/// time, which the policy allows only for subscriber data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    pub categories: Vec<Category>,
    pub period: Option<Period>,
}

impl Selection {
    pub fn wants(&self, category: Category) -> bool {
        self.categories.contains(&category)
    }

    /// Whether an item from `at` is inside the period (any time when there is none).
    pub fn covers(&self, at: Timestamp) -> bool {
        self.period.is_none_or(|p| p.contains(at))
    }
}

/// One item a source will produce, before its bytes are fetched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    /// Stable and unique within the source and account (`INBOX/1700000000/42/eml`), so
    /// that a resumed collection recognises what it already has.
    pub key: String,
    /// The item's path inside the production, relative to the account's folder for
    /// this source (`INBOX/42.eml`, `records/call_records.csv`). `/`-separated, no
    /// `..`, no leading `/`.
    pub path: String,
    pub category: Category,
    /// When the item was made (message received, file modified); `None` for a record
    /// set, whose rows carry their own times.
    pub timestamp: Option<Timestamp>,
    /// The number of data rows, for a record set (CSV).
    pub rows: Option<u64>,
}

/// A connector to one of the provider's services.
#[async_trait::async_trait]
pub trait Source: Send + Sync {
    /// The name given in the configuration (`mail`, `files`, `records`): it is written
    /// in the manifest and starts the items' paths.
    fn name(&self) -> &str;

    /// Every item of `account` that `selection` selects, in a stable order: the
    /// approved categories only, timestamps inside the period. An account the source
    /// does not have yields no items, not an error.
    async fn list(
        &self,
        account: &AccountId,
        selection: &Selection,
    ) -> Result<Vec<ItemRef>, SourceError>;

    /// Writes the bytes of `item` (listed by this source for `account`) to `out`, and
    /// returns how many were written.
    async fn fetch(
        &self,
        account: &AccountId,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError>;
}

/// Resolves the identifiers a demand names to accounts.
#[async_trait::async_trait]
pub trait AccountDirectory: Send + Sync {
    /// The account `identifier` names; for an IP address, the account the
    /// IP-assignment log shows using it at `at`. `None` when the provider has no such
    /// account.
    async fn resolve(
        &self,
        identifier: &Identifier,
        at: Option<Timestamp>,
    ) -> Result<Option<AccountEntry>, SourceError>;
}

/// Why a source could not answer. The collection stops and can be resumed later.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The service could not be reached or refused (IMAP down, S3 error, database).
    #[error("{source_name}: {message}")]
    Unavailable {
        source_name: String,
        message: String,
    },
    /// The service answered with something writ cannot use (a malformed message date,
    /// a query returning the wrong columns): names what and where.
    #[error("{source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error("writing the collected item: {0}")]
    Io(#[from] std::io::Error),
}

impl SourceError {
    pub fn unavailable(source_name: &str, message: impl fmt::Display) -> Self {
        Self::Unavailable {
            source_name: source_name.to_owned(),
            message: message.to_string(),
        }
    }

    pub fn invalid(source_name: &str, message: impl fmt::Display) -> Self {
        Self::Invalid {
            source_name: source_name.to_owned(),
            message: message.to_string(),
        }
    }
}
