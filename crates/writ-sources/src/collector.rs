//! The collector: from an approved scope to files in a spool directory, exactly the
//! scope's items and nothing else.
//!
//! It resolves the scope's targets to accounts, asks every source for the items the
//! selection covers, checks each listed item against the selection again (a source
//! that lists something outside it stops the collection: nothing out of scope is ever
//! written), and fetches what the [`CollectionLog`] does not have yet. Each item is
//! complete in the spool (a file renamed into place, or an upload completed; see
//! `writ_storage::Spool`) before it is recorded, so a collection killed at any point,
//! on any node, resumes without duplicates or gaps.

use std::collections::BTreeSet;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use writ_core::Timestamp;
use writ_core::demand::Category;
use writ_core::review::Scope;
pub use writ_storage::{Spool, StorageError, is_relative_path, private_dir};

use crate::{AccountDirectory, AccountEntry, AccountId, ItemRef, Selection, Source, SourceError};

/// The sources of one provider and the directory that finds accounts in them.
#[derive(Clone)]
pub struct Collector {
    directory: Arc<dyn AccountDirectory>,
    sources: Vec<Arc<dyn Source>>,
}

/// One item in the spool, as the production's manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectedItem {
    pub source: String,
    pub account: AccountId,
    /// The source's key for it (see [`ItemRef::key`]).
    pub key: String,
    /// Path in the production and under the spool: `items/{account}/{source}/{path}`.
    pub path: String,
    /// Lower-case hex.
    pub sha256: String,
    pub size: u64,
    pub category: Category,
    pub timestamp: Option<Timestamp>,
    pub rows: Option<u64>,
}

impl CollectedItem {
    /// What identifies an item across runs.
    pub fn identity(&self) -> ItemIdentity {
        ItemIdentity {
            source: self.source.clone(),
            account: self.account.clone(),
            key: self.key.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ItemIdentity {
    pub source: String,
    pub account: AccountId,
    pub key: String,
}

/// What a finished collection found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collected {
    /// The accounts the targets resolved to, each once, in the scope's order.
    pub accounts: Vec<AccountEntry>,
    /// Targets the provider has no account for, as the authority wrote them.
    pub not_found: Vec<String>,
    /// Items in the spool (this run's and earlier runs').
    pub items: u64,
}

/// Where the collector keeps its progress (the store, for writ; memory, for tests).
#[async_trait::async_trait]
pub trait CollectionLog: Send + Sync {
    /// The items recorded by earlier runs of this collection.
    async fn collected(&self) -> Result<BTreeSet<ItemIdentity>, LogError>;
    /// How many items this collection has in all, once the sources have listed them.
    async fn planned(&self, total: u64) -> Result<(), LogError>;
    /// One more item is in the spool. Called once per item, after its file is in place.
    async fn record(&self, item: &CollectedItem) -> Result<(), LogError>;
    /// Whether the collection must stop (its demand was withdrawn). Asked before each
    /// item, so a stop takes effect at the next one.
    async fn stopped(&self) -> Result<bool, LogError> {
        Ok(false)
    }
}

pub type LogError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The log said to stop: what is in the spool is all there will be.
    #[error("the collection was stopped")]
    Stopped,
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("recording the collection's progress: {0}")]
    Log(LogError),
    #[error("writing the spool: {0}")]
    Spool(#[from] StorageError),
}

impl Collector {
    /// The provider's account directory the collector resolves targets with.
    pub fn directory(&self) -> &Arc<dyn AccountDirectory> {
        &self.directory
    }

    pub fn new(directory: Arc<dyn AccountDirectory>, sources: Vec<Arc<dyn Source>>) -> Self {
        Self { directory, sources }
    }

    /// Collects `scope` into `spool`, skipping what `log` already has.
    pub async fn collect(
        &self,
        scope: &Scope,
        spool: &Spool,
        log: &dyn CollectionLog,
    ) -> Result<Collected, CollectError> {
        let selection = Selection {
            categories: scope.categories().to_vec(),
            period: scope.period(),
        };
        let (accounts, not_found) = self.resolve(scope).await?;
        spool.prepare().await?;

        let mut plan: Vec<(&Arc<dyn Source>, &AccountId, ItemRef)> = Vec::new();
        let mut seen = BTreeSet::new();
        for account in &accounts {
            check_account(&account.id)?;
            for source in &self.sources {
                for item in source.list(&account.id, &selection).await? {
                    check_listed(source.name(), &selection, &item)?;
                    if !seen.insert((
                        source.name().to_owned(),
                        account.id.clone(),
                        item.key.clone(),
                    )) {
                        return Err(SourceError::invalid(
                            source.name(),
                            format!("listed the key {:?} twice for {}", item.key, account.id),
                        )
                        .into());
                    }
                    plan.push((source, &account.id, item));
                }
            }
        }

        let done = log.collected().await.map_err(CollectError::Log)?;
        log.planned(plan.len() as u64)
            .await
            .map_err(CollectError::Log)?;
        for (source, account, item) in &plan {
            let identity = ItemIdentity {
                source: source.name().to_owned(),
                account: (*account).clone(),
                key: item.key.clone(),
            };
            // Recorded, and still in the spool (a power cut can lose a file the store
            // had already recorded): nothing to do. Fetched again otherwise, to the same
            // path; the log keeps its first record.
            if done.contains(&identity)
                && spool
                    .contains(&spool_path(source.name(), account, item))
                    .await?
            {
                continue;
            }
            if log.stopped().await.map_err(CollectError::Log)? {
                return Err(CollectError::Stopped);
            }
            let collected = fetch_into(spool, source.as_ref(), account, item).await?;
            log.record(&collected).await.map_err(CollectError::Log)?;
        }

        let items = plan.len() as u64;
        drop(plan);
        Ok(Collected {
            accounts,
            not_found,
            items,
        })
    }

    /// The accounts the scope's targets name, each once, and the targets that name none.
    pub async fn resolve(
        &self,
        scope: &Scope,
    ) -> Result<(Vec<AccountEntry>, Vec<String>), SourceError> {
        let mut accounts: Vec<AccountEntry> = Vec::new();
        let mut not_found = Vec::new();
        for target in scope.targets() {
            match self
                .directory
                .resolve(target.identifier(), target.at())
                .await?
            {
                Some(entry) => {
                    if !accounts.iter().any(|a| a.id == entry.id) {
                        accounts.push(entry);
                    }
                }
                None => not_found.push(target.value().to_owned()),
            }
        }
        Ok((accounts, not_found))
    }
}

/// An account id becomes a folder name in the production.
fn check_account(account: &AccountId) -> Result<(), SourceError> {
    let safe = !account.0.is_empty()
        && account.0 != "."
        && account.0 != ".."
        && account
            .0
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@+-".contains(c));
    if safe {
        Ok(())
    } else {
        Err(SourceError::invalid(
            "directory",
            format!(
                "account id {:?} cannot name a folder (letters, digits and ._@+- only)",
                account.0
            ),
        ))
    }
}

/// A source must list only what the selection covers, at a safe relative path.
fn check_listed(source: &str, selection: &Selection, item: &ItemRef) -> Result<(), SourceError> {
    let outside = |why: String| {
        Err(SourceError::invalid(
            source,
            format!("listed {:?}, {why}", item.key),
        ))
    };
    if !selection.wants(item.category) {
        return outside(format!(
            "of category {}, which is not approved",
            item.category
        ));
    }
    if let Some(at) = item.timestamp
        && !selection.covers(at)
    {
        return outside(format!("from {at}, outside the approved period"));
    }
    if !is_relative_path(&item.path) {
        return outside(format!("at the unsafe path {:?}", item.path));
    }
    Ok(())
}

/// Where an item goes in the production and under the spool.
fn spool_path(source: &str, account: &AccountId, item: &ItemRef) -> String {
    format!("items/{account}/{source}/{}", item.path)
}

async fn fetch_into(
    spool: &Spool,
    source: &dyn Source,
    account: &AccountId,
    item: &ItemRef,
) -> Result<CollectedItem, CollectError> {
    let path = spool_path(source.name(), account, item);
    let mut out = HashingWriter::new(spool.create(&path).await?);
    if let Err(error) = source.fetch(account, item, &mut out).await {
        out.file.abort().await;
        return Err(error.into());
    }
    if let Err(error) = out.flush().await {
        out.file.abort().await;
        return Err(StorageError::Io {
            path: path.into(),
            source: error,
        }
        .into());
    }
    let (file, sha256, size) = out.finish();
    file.complete().await?;
    Ok(CollectedItem {
        source: source.name().to_owned(),
        account: account.clone(),
        key: item.key.clone(),
        path,
        sha256,
        size,
        category: item.category,
        timestamp: item.timestamp,
        rows: item.rows,
    })
}

/// Hashes and counts what passes through to the spool item.
struct HashingWriter {
    file: writ_storage::ItemWriter,
    hasher: Sha256,
    size: u64,
}

impl HashingWriter {
    fn new(file: writ_storage::ItemWriter) -> Self {
        Self {
            file,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    fn finish(self) -> (writ_storage::ItemWriter, String, u64) {
        (self.file, hex::encode(self.hasher.finalize()), self.size)
    }
}

impl AsyncWrite for HashingWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = std::task::ready!(Pin::new(&mut this.file).poll_write(cx, buf))?;
        if let Some(chunk) = buf.get(..written) {
            this.hasher.update(chunk);
        }
        this.size += written as u64;
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_shutdown(cx)
    }
}
