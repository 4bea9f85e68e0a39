//! The transparency report from writ's own records: the store's case summaries
//! aggregated in SQL for the report's half-years, and the report anchored to the audit
//! log's latest signed checkpoint.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;
use writ_core::Timestamp;
use writ_report::{
    Anchor, AssistanceOption, BandOption, HalfYear, NsOptions, Report, ReportOptions, ReportSpan,
    Section,
};
use writ_store::{Store, StoreError};

/// Values computed once per key: while one caller computes a key, the others wait for
/// it rather than computing it again. A failed computation is not kept.
///
/// A key may supersede older ones (a report at a newer checkpoint): while it is being
/// computed, callers get the newest older value at once and the computation runs on
/// its own; once it is ready, the older values are dropped.
pub struct SingleFlight<K, V> {
    cells: Mutex<BTreeMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for SingleFlight<K, V> {
    fn default() -> Self {
        Self {
            cells: Mutex::new(BTreeMap::new()),
        }
    }
}

impl<K: Ord + Clone, V: Clone + Send + Sync + 'static> SingleFlight<K, V> {
    /// The value for `key`, computing it with `compute` unless it is known or being
    /// computed. `supersedes` says which keys `key` replaces.
    pub async fn get<E, F>(
        &self,
        key: K,
        supersedes: impl Fn(&K) -> bool,
        compute: impl FnOnce() -> F + Send + 'static,
    ) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
        E: Send + 'static,
    {
        let (cell, previous) = {
            // A panic elsewhere while holding the lock leaves a map that is still whole.
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            let cell = Arc::clone(cells.entry(key.clone()).or_default());
            let previous = match cell.initialized() {
                true => {
                    cells.retain(|k, _| !supersedes(k));
                    None
                }
                false => cells
                    .iter()
                    .rev()
                    .filter(|(k, _)| supersedes(k))
                    .find_map(|(_, older)| older.get().cloned()),
            };
            (cell, previous)
        };
        match previous {
            Some(value) => {
                tokio::spawn(async move { cell.get_or_try_init(compute).await.map(drop) });
                Ok(value)
            }
            None => cell.get_or_try_init(compute).await.cloned(),
        }
    }
}

/// What the provider publishes (configuration): the national-security option, and
/// whether assistance orders appear in the same bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Publication {
    pub bands: BandOption,
    pub assistance_orders: AssistanceOption,
}

/// Reports per (period, publication, audit checkpoint size, version shown: 0 while
/// provisional). A report is counted again only when a newer checkpoint is signed, and
/// the one before is served meanwhile; a new version is a new key.
pub type ReportCache = SingleFlight<(HalfYear, Publication, u64, u32), Arc<Report>>;

/// The report for `period` at the latest signed checkpoint, from `cache` if it was
/// computed at that checkpoint before; while it is, the report at the checkpoint
/// before (each report names the checkpoint it was counted at). A published period
/// shows `version` (the latest without one) as it was frozen.
pub async fn cached_report(
    cache: &ReportCache,
    store: &Store,
    period: HalfYear,
    publication: Publication,
    version: Option<u32>,
    now: Timestamp,
) -> Result<Arc<Report>, StoreError> {
    let anchor = anchor(store).await?;
    let size = anchor.size;
    let publications = store.publications(period).await?;
    let shown = shown_version(period, &publications, version)?;
    let store = store.clone();
    cache
        .get(
            (period, publication, size, shown),
            |key| key.0 == period && key.1 == publication && key.3 == shown && key.2 < size,
            move || async move {
                report_at(
                    &store,
                    period,
                    publication,
                    now,
                    anchor,
                    publications,
                    shown,
                )
                .await
                .map(Arc::new)
            },
        )
        .await
}

/// The report for `period`, from the store, at its latest signed checkpoint (its
/// latest publication, once published).
pub async fn report(
    store: &Store,
    period: HalfYear,
    publication: Publication,
    now: Timestamp,
) -> Result<Report, StoreError> {
    let anchor = anchor(store).await?;
    let publications = store.publications(period).await?;
    let shown = shown_version(period, &publications, None)?;
    report_at(store, period, publication, now, anchor, publications, shown).await
}

/// The version to show: the one asked for (which must exist), else the latest; 0 for
/// a provisional report.
fn shown_version(
    period: HalfYear,
    publications: &[writ_report::Publication],
    version: Option<u32>,
) -> Result<u32, StoreError> {
    match version {
        None => Ok(publications.last().map_or(0, |p| p.version)),
        Some(version) if publications.iter().any(|p| p.version == version) => Ok(version),
        Some(version) => Err(StoreError::NotFound {
            what: "published report",
            id: format!("{period} version {version}"),
        }),
    }
}

async fn report_at(
    store: &Store,
    period: HalfYear,
    publication: Publication,
    now: Timestamp,
    anchor: Anchor,
    publications: Vec<writ_report::Publication>,
    shown: u32,
) -> Result<Report, StoreError> {
    let options = ReportOptions {
        assistance_orders: publication.assistance_orders,
        ..ReportOptions::new(NsOptions::new(publication.bands), now)
    };
    let span = ReportSpan::new(period, &options);
    let first = span.periods.first().copied().unwrap_or(period);
    let mut counts = store.case_counts(first, period).await?;
    let published = publications.iter().find(|p| p.version == shown);
    let anchor = match published {
        // The period's figures from its frozen records, at the checkpoint they were
        // counted at; assistance orders (never records) and earlier periods as they are.
        Some(published) => {
            counts.retain(|c| c.period != period || c.section == Section::Assistance);
            counts.extend(store.published_counts(period, shown).await?);
            published.checkpoint.clone()
        }
        None => anchor,
    };
    let (from, to) = span.national_security;
    let national_security = store.national_security_summaries(from, to).await?;
    let mut report = Report::from_counts(&counts, &national_security, period, anchor, &options);
    report.records = published.map(|p| p.records);
    report.publications = publications;
    Ok(report)
}

/// The audit log's latest signed checkpoint, which the report is computed at.
pub async fn anchor(store: &Store) -> Result<Anchor, StoreError> {
    Ok(match store.latest_checkpoint().await? {
        Some(checkpoint) => Anchor {
            size: checkpoint.size,
            root: checkpoint.root.to_string(),
            note: String::from_utf8_lossy(&checkpoint.note).into_owned(),
        },
        None => Anchor {
            size: 0,
            root: writ_ledger::EMPTY_TREE_HASH.to_string(),
            note: String::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_of_one_key_wait_for_the_first() {
        let flight = Arc::new(SingleFlight::<u64, u64>::default());
        let computed = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..8)
            .map(|_| {
                let (flight, computed) = (Arc::clone(&flight), Arc::clone(&computed));
                tokio::spawn(async move {
                    flight
                        .get(
                            1,
                            |_| false,
                            move || async move {
                                computed.fetch_add(1, Ordering::SeqCst);
                                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                                Ok::<_, ()>(42)
                            },
                        )
                        .await
                })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap(), Ok(42));
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);

        // A failure is not kept.
        let failed = flight
            .get(2, |_| false, || async { Err::<u64, _>("no") })
            .await;
        assert_eq!(failed, Err("no"));
        assert_eq!(
            flight
                .get(2, |_| false, || async { Ok::<_, &str>(7) })
                .await,
            Ok(7)
        );

        // A newer key: the value it supersedes meanwhile, then its own, and the older
        // one is gone.
        let (started, finish) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let newer = || {
            let (started, finish) = (Arc::clone(&started), Arc::clone(&finish));
            flight.get(
                3,
                |k| *k == 1,
                move || async move {
                    started.notify_one();
                    finish.notified().await;
                    Ok::<_, ()>(43)
                },
            )
        };
        assert_eq!(newer().await, Ok(42));
        started.notified().await;
        assert_eq!(newer().await, Ok(42));
        finish.notify_one();
        let ready = loop {
            match newer().await {
                Ok(42) => tokio::task::yield_now().await,
                other => break other,
            }
        };
        assert_eq!(ready, Ok(43));
        assert_eq!(
            flight.get(3, |_| false, || async { Ok::<_, ()>(0) }).await,
            Ok(43)
        );
        assert_eq!(
            flight.get(1, |_| false, || async { Ok::<_, ()>(44) }).await,
            Ok(44)
        );
    }
}
