//! The transparency report from writ's own records: the store's case summaries
//! aggregated in SQL for the report's half-years, and the report anchored to the audit
//! log's latest signed checkpoint.

use writ_core::Timestamp;
use writ_report::{
    Anchor, AssistanceOption, BandOption, HalfYear, NsOptions, Report, ReportOptions, ReportSpan,
};
use writ_store::{Store, StoreError};

/// The report for `period`, from the store, at its latest signed checkpoint.
pub async fn report(
    store: &Store,
    period: HalfYear,
    bands: BandOption,
    assistance_orders: AssistanceOption,
    now: Timestamp,
) -> Result<Report, StoreError> {
    let anchor = anchor(store).await?;
    let options = ReportOptions {
        assistance_orders,
        ..ReportOptions::new(NsOptions::new(bands), now)
    };
    let span = ReportSpan::new(period, &options);
    let first = span.periods.first().copied().unwrap_or(period);
    let counts = store.case_counts(first, period).await?;
    let (from, to) = span.national_security;
    let national_security = store.national_security_summaries(from, to).await?;
    Ok(Report::from_counts(
        &counts,
        &national_security,
        period,
        anchor,
        &options,
    ))
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
