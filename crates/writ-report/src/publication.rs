//! A period's publications: each freezes the period's records, binds their tree's root
//! to the audit log with a `report.published` event (or `report.corrected`, with the
//! reason, for a later version), and is served from then on as it was frozen.

use serde::{Deserialize, Serialize};
use writ_core::Timestamp;

use crate::period::HalfYear;
use crate::report::Anchor;
use crate::tree::TreeHead;

/// One published version of a period's report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// 1 for the first publication, then one more per correction.
    pub version: u32,
    pub published_at: Timestamp,
    /// The tree of the frozen records.
    pub records: TreeHead,
    /// The signed audit checkpoint the report was counted at.
    pub checkpoint: Anchor,
    /// Why a correction was published (`None` for version 1).
    pub reason: Option<String>,
    /// The audit event that published it.
    pub event: PublicationEvent,
}

/// The `report.published` or `report.corrected` event: its leaf index in the audit log
/// and its canonical bytes, so anyone can hash it and check its inclusion proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationEvent {
    pub index: u64,
    pub entry: String,
}

impl Publication {
    /// Where the frozen records are served, relative to the site.
    pub fn records_url(&self, period: HalfYear) -> String {
        format!(
            "/transparency/{period}/records.jsonl?version={}",
            self.version
        )
    }

    /// The audit action that publishes this version.
    pub fn action(&self) -> &'static str {
        action_of(self.version)
    }
}

/// `report.published` for version 1, `report.corrected` after.
pub fn action_of(version: u32) -> &'static str {
    if version <= 1 {
        "report.published"
    } else {
        "report.corrected"
    }
}
