//! The `collect` job: from an approved case to a sealed production. It collects the
//! approved scope from the provider's sources into a spool, seals it to the authority's
//! age recipient, and removes the spool. A collection that stops (a crash, a kill, a
//! source down) is picked up again when its lease runs out and resumes where it was.

use sha2::{Digest, Sha256};
use writ_core::review::Scope;
use writ_core::{CaseEvent, CaseId, CaseState, Demand, ProductionId};
use writ_seal::{Authority, FORMAT, Manifest, ManifestItem};
use writ_sources::collector::{CollectError, CollectedItem, CollectionLog, ItemIdentity, LogError};
use writ_store::{
    CaseRecord, Production, ProductionChange, ProductionItem, ProductionState, SealedFile, Store,
};

use super::JobError;
use super::system::SystemDesk;

/// Collects the case's approved scope and seals it; resumes a collection in progress.
pub(crate) async fn collect_and_seal(desk: &SystemDesk<'_>, id: CaseId) -> Result<(), JobError> {
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
    let scope: Scope = case
        .scope
        .clone()
        .ok_or_else(|| JobError::Invalid(format!("case {id} was approved without a scope")))?;

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
