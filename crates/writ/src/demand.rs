//! `writ demand check`: the policy engine on one demand, offline.

use std::path::Path;

use writ_core::policy::{Directory, Rules, evaluate};
use writ_core::{Clock, Demand, Timestamp};

use crate::policy::{load_directory, read};

/// The decision JSON of `docs/policy.md` §4, or a message naming what is wrong.
pub fn check(
    file: &Path,
    now: Option<Timestamp>,
    directory: Option<&Path>,
    rules: &Rules,
    clock: &dyn Clock,
) -> Result<String, String> {
    let demand = Demand::from_json(&read(file)?).map_err(|e| format!("{}: {e}", file.display()))?;
    let directory = directory.map(load_directory).transpose()?;
    let now = now.unwrap_or_else(|| clock.now());
    let decision = evaluate(
        &demand,
        rules,
        directory.as_ref().map(|d| d as &dyn Directory),
        now,
    );
    serde_json::to_string_pretty(&decision)
        .map(|json| json + "\n")
        .map_err(|e| format!("writing the decision: {e}"))
}
