//! The policy as configured: the rules (embedded, or counsel's file) and the offline
//! directory, loaded once at start. A malformed file stops writ with its row and field.

use std::path::Path;

use writ_core::policy::{DirectoryFile, Rules};

use crate::config::PolicyConfig;

/// Reads a file the user named, saying which one when it cannot.
pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

pub fn load_rules(rules_file: Option<&Path>, max_targets: Option<usize>) -> Result<Rules, String> {
    let rules = match rules_file {
        Some(path) => {
            Rules::from_toml(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Rules::embedded().map_err(|e| format!("the embedded rules: {e}"))?,
    };
    Ok(match max_targets {
        Some(max) => rules.with_max_targets(max),
        None => rules,
    })
}

pub fn load_directory(path: &Path) -> Result<DirectoryFile, String> {
    DirectoryFile::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

impl PolicyConfig {
    pub fn load(&self) -> Result<(Rules, Option<DirectoryFile>), String> {
        let rules = load_rules(self.rules.as_deref(), self.max_targets)?;
        let directory = self.directory.as_deref().map(load_directory).transpose()?;
        Ok((rules, directory))
    }
}
