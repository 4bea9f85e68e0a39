//! Production settings: the collector, the production key, where sealed productions and
//! spools are kept, and the download links. The `collect` job (`jobs/collect.rs`) makes
//! productions; the desks hand them over.
//!
//! Download links are signed with a key derived from the production key, so every writ
//! process sharing the key accepts them, and they expire.

use std::path::PathBuf;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use writ_core::{ProductionId, Timestamp};
use writ_seal::ProductionKey;
use writ_sources::collector::Collector;

use crate::AppError;

/// How productions are made and handed over.
pub struct Productions {
    pub collector: Collector,
    pub key: ProductionKey,
    /// Where sealed productions are kept.
    pub directory: PathBuf,
    /// Where collections in progress are kept (plain data: removed once sealed).
    pub spool: PathBuf,
    /// How long a download link is valid.
    pub link_ttl: time::Duration,
    /// How long a worker holds a job without renewing it; after that another takes it.
    pub lease: time::Duration,
    link_key: [u8; 32],
}

/// A link the authority's user fetches (with its own credentials) until it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadLink {
    pub url: String,
    pub expires_at: Timestamp,
}

impl Productions {
    pub fn new(
        collector: Collector,
        key: ProductionKey,
        directory: PathBuf,
        spool: PathBuf,
        link_ttl: time::Duration,
        lease: time::Duration,
    ) -> Self {
        let pem = key.to_pkcs8_pem();
        let link_key = Sha256::new()
            .chain_update(b"writ download links\0")
            .chain_update(pem.as_bytes())
            .finalize()
            .into();
        Self {
            collector,
            key,
            directory,
            spool,
            link_ttl,
            lease,
            link_key,
        }
    }

    pub(crate) fn link(&self, id: ProductionId, now: Timestamp) -> DownloadLink {
        let expires_at = now.checked_add(self.link_ttl).unwrap_or(now);
        let expires = expires_at.unix_micros() / 1_000_000;
        let signature = hex::encode(self.link_mac(id, expires));
        DownloadLink {
            url: format!(
                "/api/v1/productions/{id}/download?expires={expires}&signature={signature}"
            ),
            expires_at: Timestamp::from_unix_micros(expires * 1_000_000).unwrap_or(expires_at),
        }
    }

    pub(crate) fn check_link(
        &self,
        id: ProductionId,
        expires: i64,
        signature: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let presented = hex::decode(signature)
            .map_err(|_| AppError::Forbidden("this download link is not valid"))?;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.link_key)
            .map_err(|_| AppError::Forbidden("this download link is not valid"))?;
        mac.update(&link_message(id, expires));
        mac.verify_slice(&presented)
            .map_err(|_| AppError::Forbidden("this download link is not valid"))?;
        if now.unix_micros() / 1_000_000 > expires {
            return Err(AppError::Forbidden(
                "this download link has expired; open the demand again for a fresh one",
            ));
        }
        Ok(())
    }

    fn link_mac(&self, id: ProductionId, expires: i64) -> Vec<u8> {
        match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.link_key) {
            Ok(mut mac) => {
                mac.update(&link_message(id, expires));
                mac.finalize().into_bytes().to_vec()
            }
            // A 32-byte key always fits HMAC; an empty MAC would never verify.
            Err(_) => Vec::new(),
        }
    }
}

fn link_message(id: ProductionId, expires: i64) -> Vec<u8> {
    format!("download\n{id}\n{expires}").into_bytes()
}
