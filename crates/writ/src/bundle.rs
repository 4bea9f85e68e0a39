//! Productions from the command line: the provider's production key, and
//! `writ bundle verify`, what a recipient runs on a production.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;
use writ_seal::{ProductionKey, ProviderKey};

use crate::Failure;

/// Reads the production key, or creates it (mode 0600) on first start. A key readable
/// by others is refused.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<ProductionKey> {
    if !path.exists() {
        let key = ProductionKey::generate();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating the production key {}", path.display()))?;
        file.write_all(key.to_pkcs8_pem().as_bytes())?;
        file.sync_all()?;
        tracing::info!(key_file = %path.display(), "created the production signing key");
        return Ok(key);
    }
    load_key(path)
}

pub fn load_key(path: &Path) -> anyhow::Result<ProductionKey> {
    let metadata = std::fs::metadata(path).with_context(|| {
        format!(
            "no production key at {} (writ creates it at first start)",
            path.display()
        )
    })?;
    anyhow::ensure!(
        metadata.permissions().mode() & 0o077 == 0,
        "the production key {} can be read by other users; restrict it with chmod 600",
        path.display()
    );
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("reading the production key {}", path.display()))?;
    ProductionKey::from_pkcs8_pem(&pem)
        .with_context(|| format!("reading the production key {}", path.display()))
}

/// `writ bundle verify`: 0 when the production checks out, 1 when something in it is
/// wrong (every problem is named), 2 when it cannot be checked at all.
pub fn verify(file: &Path, identity: &Path, provider_key: &Path) -> Result<(), Failure> {
    let (report, ok) =
        check(file, identity, provider_key).map_err(|e| Failure::Invalid(format!("{e:#}")))?;
    crate::print(&report);
    if ok {
        Ok(())
    } else {
        Err(Failure::Internal(anyhow::anyhow!(
            "{} did not verify",
            file.display()
        )))
    }
}

fn check(file: &Path, identity: &Path, provider_key: &Path) -> anyhow::Result<(String, bool)> {
    let identity_text = std::fs::read_to_string(identity)
        .with_context(|| format!("reading the identity {}", identity.display()))?;
    let identity = writ_seal::parse_identity(&identity_text)
        .with_context(|| format!("the identity {}", identity.display()))?;
    let provider_text = std::fs::read_to_string(provider_key)
        .with_context(|| format!("reading the provider key {}", provider_key.display()))?;
    let provider = ProviderKey::from_pem(&provider_text)
        .with_context(|| format!("the provider key {}", provider_key.display()))?;
    let input = std::fs::File::open(file)
        .with_context(|| format!("opening the production {}", file.display()))?;
    let verification = writ_seal::verify(std::io::BufReader::new(input), &identity, &provider)
        .with_context(|| format!("reading the production {}", file.display()))?;

    let mut report = String::new();
    if let Some(manifest) = &verification.manifest {
        let bytes: u64 = manifest.items.iter().map(|i| i.size).sum();
        report.push_str(&format!(
            "production {} for case {} ({}), sealed {}\n{} items, {} bytes{}\n",
            manifest.production,
            manifest.case,
            manifest.reference,
            manifest.sealed_at,
            manifest.items.len(),
            bytes,
            if manifest.no_data {
                " (no data found)"
            } else {
                ""
            },
        ));
    }
    for problem in &verification.problems {
        report.push_str(&format!("problem: {problem}\n"));
    }
    let ok = verification.is_ok();
    report.push_str(if ok {
        "verified: signed by the provider key; every item is present, once, with its SHA-256 and size\n"
    } else {
        "NOT verified\n"
    });
    Ok((report, ok))
}
