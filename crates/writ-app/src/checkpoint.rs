//! The checkpointer: signs a checkpoint of the audit log as events arrive, so that an
//! outside auditor can hold writ to what it logged.

use std::sync::Arc;

use writ_core::Clock;
use writ_ledger::{LogKey, SignedCheckpoint};
use writ_store::{Store, StoreError};

/// Signs a checkpoint when at least `every_events` events, or any events and `every`
/// time, have been added since the last one.
#[derive(Clone)]
pub struct Checkpointer {
    pub store: Store,
    pub key: Arc<LogKey>,
    pub clock: Arc<dyn Clock>,
    pub every_events: u64,
    pub every: time::Duration,
}

impl Checkpointer {
    /// Signs and stores a checkpoint of the whole log now, unless the latest already
    /// covers it. Returns the new checkpoint; `None` also when another node (sharing
    /// the database and the key) stored the checkpoint of this size first: the store
    /// keeps one per size, the first written, so no two are ever published for a size.
    pub async fn checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let (size, root) = self.store.tree_head().await?;
        let latest = self.store.latest_checkpoint().await?;
        if size == 0 || latest.is_some_and(|c| c.size >= size) {
            return Ok(None);
        }
        let checkpoint = self.key.sign_checkpoint(size, root)?;
        if !self
            .store
            .save_checkpoint(&checkpoint, self.clock.now())
            .await?
        {
            tracing::debug!(
                size,
                "another node stored this size's audit checkpoint first"
            );
            return Ok(None);
        }
        tracing::info!(size, root = %root, "signed an audit checkpoint");
        Ok(Some(checkpoint))
    }

    /// Signs a checkpoint if one is due.
    pub async fn checkpoint_if_due(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let size = self.store.audit_size().await?;
        let due = match self.store.latest_checkpoint().await? {
            None => size > 0,
            Some(last) => {
                let waited = self.clock.now().datetime() - last.signed_at.datetime();
                size >= last.size + self.every_events || (size > last.size && waited >= self.every)
            }
        };
        if due {
            self.checkpoint().await
        } else {
            Ok(None)
        }
    }

    /// Checks every second whether a checkpoint is due, until `stop` resolves.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = ticks.tick() => {
                    if let Err(error) = self.checkpoint_if_due().await {
                        tracing::error!(error = %crate::error_chain(&error), "signing an audit checkpoint failed");
                    }
                }
            }
        }
    }
}
