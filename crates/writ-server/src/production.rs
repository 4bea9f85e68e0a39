//! writ's one job runner ([`run_one`], [`work`]), and from an approved case to a sealed
//! production as background work. The runner claims any due job. It hands `notice.send`,
//! `hold.expire` and `deadline.escalate` to [`crate::notices`]. A `collect` job (queued
//! with the approval) collects the approved scope from
//! the provider's sources into a spool, seals it to the authority's age recipient, and
//! removes the spool. A collection that stops (a crash, a kill, a source down) is
//! picked up again when its lease runs out and resumes where it was.
//!
//! Download links are signed with a key derived from the production key, so every writ
//! process sharing the key accepts them, and they expire.

use std::path::PathBuf;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use writ_core::review::Scope;
use writ_core::{CaseEvent, CaseId, CaseState, Demand, ProductionId, Timestamp};
use writ_seal::{Authority, FORMAT, Manifest, ManifestItem, ProductionKey};
use writ_sources::collector::{
    CollectError, CollectedItem, CollectionLog, Collector, ItemIdentity, LogError,
};
use writ_store::{
    CaseRecord, Job, NewJob, Production, ProductionChange, ProductionItem, ProductionState,
    SealedFile, Store,
};

use crate::access::SystemDesk;
use crate::{ApiError, AppState, error_chain};

/// How long a worker holds a job when no production settings say otherwise.
const DEFAULT_LEASE: time::Duration = time::Duration::seconds(60);

/// The job kind that collects and seals an approved case.
pub const COLLECT: &str = "collect";

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

    /// The job an approval queues for a case.
    pub fn job(case: CaseId, now: Timestamp) -> NewJob {
        NewJob {
            kind: COLLECT.to_owned(),
            payload: serde_json::json!({"case": case}),
            run_at: now,
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
    ) -> Result<(), ApiError> {
        let presented = hex::decode(signature)
            .map_err(|_| ApiError::Forbidden("this download link is not valid"))?;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.link_key)
            .map_err(|_| ApiError::Forbidden("this download link is not valid"))?;
        mac.update(&link_message(id, expires));
        mac.verify_slice(&presented)
            .map_err(|_| ApiError::Forbidden("this download link is not valid"))?;
        if now.unix_micros() / 1_000_000 > expires {
            return Err(ApiError::Forbidden(
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

/// Why a job failed; it is retried later.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Store(#[from] writ_store::StoreError),
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("collecting: {0}")]
    Collect(#[from] writ_sources::collector::CollectError),
    #[error("sealing: {0}")]
    Seal(#[from] writ_seal::SealError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Runs due jobs until none is left; returns how many ran. For tests and `writ collect`.
pub async fn run_due_jobs(state: &AppState, worker: &str) -> Result<usize, JobError> {
    let mut ran = 0;
    while run_one(state, worker).await? {
        ran += 1;
    }
    Ok(ran)
}

/// Claims and runs one due job; false when none is due. A failed job is given back to
/// run again later (after 2^attempts seconds, at most 10 minutes).
pub async fn run_one(state: &AppState, worker: &str) -> Result<bool, JobError> {
    let desk = state.system_desk();
    let lease = desk.productions().map(|p| p.lease).unwrap_or(DEFAULT_LEASE);
    let Some(job) = desk.store().claim_job(worker, desk.now(), lease).await? else {
        return Ok(false);
    };
    let outcome = {
        let renewing = renew_while_running(
            desk.store().clone(),
            state.clock.clone(),
            &job,
            worker,
            lease,
        );
        let work = run_job(&desk, &job);
        tokio::pin!(work);
        tokio::select! {
            outcome = &mut work => outcome,
            () = renewing => Err(JobError::Invalid("lost the job's lease to another worker".into())),
        }
    };
    let now = desk.now();
    match outcome {
        Ok(None) => {
            desk.store().finish_job(job.id, worker, now).await?;
        }
        // Waiting for its time (a gag's end, a hold's expiry): not a failure.
        Ok(Some(at)) => {
            let waiting = format!("waiting until {}", at.to_rfc3339());
            desk.store()
                .release_job(job.id, worker, Some(at), &waiting, now)
                .await?;
        }
        Err(error) => {
            let text = error_chain(&error);
            tracing::warn!(job = job.id.0, kind = %job.kind, attempts = job.attempts, error = %text, "job failed; it will be retried");
            let backoff = 2_i64
                .saturating_pow(job.attempts.clamp(0, 10) as u32)
                .min(600);
            let retry_at = now.checked_add(time::Duration::seconds(backoff));
            desk.store()
                .release_job(job.id, worker, retry_at, &text, now)
                .await?;
        }
    }
    Ok(true)
}

/// Renews the job's lease every third of it; resolves only if the lease was lost.
async fn renew_while_running(
    store: Store,
    clock: Arc<dyn writ_core::Clock>,
    job: &Job,
    worker: &str,
    lease: time::Duration,
) {
    let every = std::time::Duration::from_millis(
        u64::try_from(lease.whole_milliseconds() / 3)
            .unwrap_or(1_000)
            .max(100),
    );
    loop {
        tokio::time::sleep(every).await;
        match store.renew_job(job.id, worker, clock.now(), lease).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => tracing::warn!(error = %error_chain(&error), "renewing a job's lease"),
        }
    }
}

/// Runs one job; `Some(time)` when it has more to do at that time.
async fn run_job(desk: &SystemDesk<'_>, job: &Job) -> Result<Option<Timestamp>, JobError> {
    match job.kind.as_str() {
        crate::notices::SEND_NOTICES => crate::notices::send_due(desk, job).await,
        crate::notices::EXPIRE_HOLDS => crate::notices::expire_due(desk, job).await,
        crate::notices::ESCALATE => crate::notices::escalate(desk, job).await,
        COLLECT => {
            let case = job
                .payload
                .get("case")
                .and_then(|c| c.as_str())
                .and_then(|c| CaseId::parse(c).ok())
                .ok_or_else(|| {
                    JobError::Invalid(format!("job {}: no case in {}", job.id.0, job.payload))
                })?;
            // Without sources configured this fails, and the job is retried later.
            collect_and_seal(desk, case).await.map(|()| None)
        }
        other => Err(JobError::Invalid(format!("unknown job kind {other:?}"))),
    }
}

/// Collects the case's approved scope and seals it; resumes a collection in progress.
async fn collect_and_seal(desk: &SystemDesk<'_>, id: CaseId) -> Result<(), JobError> {
    let productions = desk.productions()?;
    let store = desk.store();
    let case = store.case(id).await?;
    let (case, production) = match case.state {
        CaseState::Approved => start(desk, &case).await?,
        CaseState::Collecting => {
            let production = store
                .productions(id)
                .await?
                .into_iter()
                .find(|p| p.state == ProductionState::Collecting)
                .ok_or_else(|| {
                    JobError::Invalid(format!("case {id} is collecting without a production"))
                })?;
            (case, production)
        }
        // Withdrawn, or already sealed by an earlier run: nothing to collect, and no
        // collection of this case will resume. A run killed after sealing but before
        // removing its spool, or a collection cut short by a withdrawal, left the
        // customer's data in the clear behind it; it goes now.
        _ => {
            for production in store.productions(id).await? {
                let spool = productions.spool.join(production.id.to_string());
                if case.state == CaseState::Withdrawn
                    && production.state == ProductionState::Collecting
                {
                    cancel(desk, id, &production, &spool).await?;
                } else if remove_spool(&spool).await {
                    tracing::info!(production = %production.id, "removed the spool a stopped run left");
                }
            }
            return Ok(());
        }
    };
    let scope: Scope = serde_json::from_value(
        case.scope
            .clone()
            .ok_or_else(|| JobError::Invalid(format!("case {id} was approved without a scope")))?,
    )
    .map_err(|e| {
        JobError::Invalid(format!(
            "case {id}: the approved scope does not read back: {e}"
        ))
    })?;

    let spool = productions.spool.join(production.id.to_string());
    let log = StoreLog {
        store: store.clone(),
        production: production.id,
        case: id,
    };
    let collected = match productions.collector.collect(&scope, &spool, &log).await {
        Err(CollectError::Stopped) => return cancel(desk, id, &production, &spool).await,
        collected => collected?,
    };

    let demand = Demand::from_json(&store.demand_document(id).await?).map_err(|e| {
        JobError::Invalid(format!(
            "case {id}: the stored demand does not read back: {e}"
        ))
    })?;
    let agency = match &case.agency_id {
        Some(agency) => store.agency(agency).await?,
        None => {
            return Err(JobError::Invalid(format!(
                "case {id} has no authority to deliver to"
            )));
        }
    };
    let recipient = agency.age_recipient.as_deref().ok_or_else(|| {
        JobError::Invalid(format!(
            "{} has no age recipient registered: its productions cannot be encrypted",
            agency.id
        ))
    })?;
    let recipient = writ_seal::parse_recipient(recipient)
        .map_err(|e| JobError::Invalid(format!("{}'s age recipient: {e}", agency.id)))?;

    let items: Vec<ManifestItem> = store
        .production_items(production.id)
        .await?
        .into_iter()
        .map(manifest_item)
        .collect::<Result<_, _>>()?;
    let checkpoint = store
        .latest_checkpoint()
        .await?
        .map(|c| String::from_utf8_lossy(&c.note).into_owned())
        .unwrap_or_default();
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        production: production.id.to_string(),
        case: id,
        reference: demand.reference.clone(),
        authority: Authority {
            name: demand.authority.name.clone(),
            country: demand.authority.country.as_str().to_owned(),
        },
        instrument: demand.instrument.kind.clone(),
        scope,
        sealed_at: desk.now(),
        audit_checkpoint: checkpoint,
        accounts: collected
            .accounts
            .iter()
            .map(|a| a.id.to_string())
            .collect(),
        not_found: collected.not_found,
        no_data: items.is_empty(),
        items,
    };
    let manifest_sha256 =
        hex::encode(Sha256::digest(manifest.to_bytes().map_err(|e| {
            JobError::Invalid(format!("writing the manifest: {e}"))
        })?));

    tokio::fs::create_dir_all(&productions.directory).await?;
    let file_name = format!("{}.age", production.id);
    let target = productions.directory.join(&file_name);
    // Sealed inside the spool first (a run killed while sealing leaves its partial file
    // there, removed with the spool), then moved into place.
    let sealing = spool.join("sealed.age");
    writ_sources::collector::private_dir(&spool).await?;
    for stale in [&sealing, &target] {
        if let Err(error) = tokio::fs::remove_file(stale).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            return Err(error.into());
        }
    }
    let sealed = {
        let (manifest, spool, sealing) = (manifest.clone(), spool.clone(), sealing.clone());
        let productions = desk.productions()?;
        tokio::task::spawn_blocking(move || {
            writ_seal::seal_to_path(&manifest, &spool, &productions.key, &recipient, &sealing)
        })
        .await
        .map_err(|e| JobError::Invalid(format!("the sealing task failed: {e}")))??
    };
    tokio::fs::rename(&sealing, &target).await?;

    let mut update = desk.update(&case, "production.sealed");
    update.events = vec![CaseEvent::Seal];
    update.details = serde_json::json!({
        "production": production.id,
        "items": manifest.items.len(),
        "no_data": manifest.no_data,
        "manifest_sha256": manifest_sha256,
        "sha256": sealed.sha256,
        "size": sealed.size,
    });
    update.production = Some(ProductionChange::Seal(
        production.id,
        SealedFile {
            file_name,
            sha256: sealed.sha256,
            size: sealed.size,
            manifest_sha256,
            no_data: manifest.no_data,
            sealed_at: manifest.sealed_at,
        },
    ));
    store.update_case(&update).await?;
    // The spool is the customer's data in the clear: it goes as soon as it is sealed.
    remove_spool(&spool).await;
    tracing::info!(case = %id, production = %production.id, items = manifest.items.len(), "production sealed");
    Ok(())
}

/// A withdrawal stopped the collection: the spool (the customer's data in the clear,
/// for nobody now) goes, and the production ends `cancelled` with its audit event.
async fn cancel(
    desk: &SystemDesk<'_>,
    id: CaseId,
    production: &Production,
    spool: &std::path::Path,
) -> Result<(), JobError> {
    let store = desk.store();
    let removed = remove_spool(spool).await;
    let items = store.production_items(production.id).await?.len();
    let case = store.case(id).await?;
    let mut update = desk.update(&case, "production.cancelled");
    update.production = Some(ProductionChange::Cancel(production.id));
    update.details = serde_json::json!({
        "production": production.id,
        "reason": "the demand was withdrawn",
        "items_collected": items,
        "spool_removed": removed,
    });
    store.update_case(&update).await?;
    tracing::info!(case = %id, production = %production.id, items, "collection stopped: the demand was withdrawn");
    Ok(())
}

/// Removes a sealed production's spool; whether there was one to remove.
async fn remove_spool(spool: &std::path::Path) -> bool {
    match tokio::fs::remove_dir_all(spool).await {
        Ok(()) => true,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => false,
        Err(error) => {
            tracing::warn!(spool = %spool.display(), %error, "removing a sealed production's spool");
            false
        }
    }
}

async fn start(
    desk: &SystemDesk<'_>,
    case: &CaseRecord,
) -> Result<(CaseRecord, Production), JobError> {
    let id = ProductionId::random();
    let mut update = desk.update(case, "production.started");
    update.events = vec![CaseEvent::StartCollection];
    update.production = Some(ProductionChange::Start(id));
    update.details = serde_json::json!({"production": id});
    let case = desk.store().update_case(&update).await?;
    Ok((case, desk.store().production(id).await?))
}

fn manifest_item(item: ProductionItem) -> Result<ManifestItem, JobError> {
    Ok(ManifestItem {
        category: serde_json::from_value(serde_json::Value::String(item.category.clone()))
            .map_err(|_| {
                JobError::Invalid(format!(
                    "{}: unknown category {:?}",
                    item.path, item.category
                ))
            })?,
        path: item.path,
        sha256: item.sha256,
        size: item.size,
        source: item.source,
        account: item.account,
        timestamp: item.timestamp,
        rows: item.rows,
    })
}

/// The collection's progress, kept in the store.
struct StoreLog {
    store: Store,
    production: ProductionId,
    case: CaseId,
}

#[async_trait::async_trait]
impl CollectionLog for StoreLog {
    async fn collected(&self) -> Result<std::collections::BTreeSet<ItemIdentity>, LogError> {
        Ok(self
            .store
            .production_items(self.production)
            .await?
            .into_iter()
            .map(|item| ItemIdentity {
                source: item.source,
                account: writ_sources::AccountId(item.account),
                key: item.key,
            })
            .collect())
    }

    async fn planned(&self, total: u64) -> Result<(), LogError> {
        Ok(self.store.set_items_total(self.production, total).await?)
    }

    async fn record(&self, item: &CollectedItem) -> Result<(), LogError> {
        let item = ProductionItem {
            source: item.source.clone(),
            account: item.account.0.clone(),
            key: item.key.clone(),
            path: item.path.clone(),
            sha256: item.sha256.clone(),
            size: item.size,
            category: item.category.as_str().to_owned(),
            timestamp: item.timestamp,
            rows: item.rows,
        };
        self.store.record_item(self.production, &item).await?;
        Ok(())
    }

    /// A withdrawn demand's collection stops at the next item.
    async fn stopped(&self) -> Result<bool, LogError> {
        Ok(self.store.case(self.case).await?.state == CaseState::Withdrawn)
    }
}

/// Runs jobs as they come due until `stop` resolves: one job at a time, polling every
/// `idle` when there is nothing to do.
pub async fn work(
    state: AppState,
    worker: String,
    idle: std::time::Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let ran = tokio::select! {
            () = &mut stop => return,
            ran = run_one(&state, &worker) => ran,
        };
        let wait = match ran {
            Ok(true) => continue,
            Ok(false) => idle,
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "the job queue is unavailable");
                idle
            }
        };
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}
