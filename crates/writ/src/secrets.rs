//! The key TOTP secrets are sealed with in the database: a file beside the audit and
//! production keys, so a copy of the database alone gives nobody a second factor.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;
use writ_store::SecretsKey;

/// Reads the TOTP secrets key, or creates it (mode 0600) on first start. A key others
/// can read is refused.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<SecretsKey> {
    if !path.exists() {
        let key = SecretsKey::generate()?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating the TOTP secrets key {}", path.display()))?;
        writeln!(file, "{}", key.expose_hex())?;
        file.sync_all()?;
        tracing::info!(key_file = %path.display(), "created the key that seals TOTP secrets");
        return Ok(key);
    }
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("reading the TOTP secrets key {}", path.display()))?;
    anyhow::ensure!(
        metadata.permissions().mode() & 0o077 == 0,
        "the TOTP secrets key {} can be read by other users; restrict it with chmod 600",
        path.display()
    );
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the TOTP secrets key {}", path.display()))?;
    SecretsKey::from_hex(&text)
        .with_context(|| format!("reading the TOTP secrets key {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_private_kept_and_refused_when_others_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("totp-secrets.key");
        let key = load_or_create_key(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            load_or_create_key(&path).unwrap(),
            key,
            "the same key next time"
        );

        for readable in [0o640, 0o604] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(readable)).unwrap();
            let error = format!("{:#}", load_or_create_key(&path).unwrap_err());
            assert!(
                error.contains(&path.display().to_string()) && error.contains("chmod 600"),
                "{error}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&path, "not a key\n").unwrap();
        let error = format!("{:#}", load_or_create_key(&path).unwrap_err());
        assert!(error.contains("totp-secrets.key"), "{error}");
    }
}
