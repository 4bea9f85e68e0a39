//! The audit log's key, and how `writ audit verify` reports.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;
use writ_ledger::LogKey;
use writ_store::Verification;

/// Reads the log key, or creates it (mode 0600) on first start. A key readable by
/// others, or made for another log, is refused.
pub fn load_or_create_key(path: &Path, origin: &str) -> anyhow::Result<LogKey> {
    if !path.exists() {
        let (key, secret) = LogKey::generate(origin)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating the audit log key {}", path.display()))?;
        writeln!(file, "{}", secret.expose())?;
        file.sync_all()?;
        tracing::info!(key_file = %path.display(), verifier_key = %key.verifier_key(), "created the audit log key");
        return Ok(key);
    }
    let key = load_key(path)?;
    anyhow::ensure!(
        key.origin() == origin,
        "the audit log key {} signs for {:?}, but the configured origin is {origin:?}",
        path.display(),
        key.origin()
    );
    Ok(key)
}

/// Reads an existing log key.
pub fn load_key(path: &Path) -> anyhow::Result<LogKey> {
    let metadata = std::fs::metadata(path).with_context(|| {
        format!(
            "no audit log key at {} (writ creates it at first start)",
            path.display()
        )
    })?;
    anyhow::ensure!(
        metadata.permissions().mode() & 0o077 == 0,
        "the audit log key {} can be read by other users; restrict it with chmod 600",
        path.display()
    );
    let secret = std::fs::read_to_string(path)
        .with_context(|| format!("reading the audit log key {}", path.display()))?;
    Ok(LogKey::from_secret(secret.trim())?)
}

/// What `writ audit verify` prints.
pub fn report(verification: &Verification) -> String {
    let mut text = format!(
        "{} events, {} signed checkpoints\n",
        verification.events, verification.checkpoints
    );
    if verification.problems.is_empty() {
        text.push_str(
            "ok: every event is in the tree, and every checkpoint's signature and root hold and \
             are consistent with the one before\n",
        );
        if verification.unsigned_tail > 0 {
            text.push_str(&format!(
                "({} events after the latest checkpoint are not signed yet)\n",
                verification.unsigned_tail
            ));
        }
    } else {
        for problem in &verification.problems {
            text.push_str(&format!("FAILED: {problem}\n"));
        }
    }
    text
}
