//! The verifiable report from the command line: `writ report publish` (an operator
//! publishing from the store), and the verifiers anyone can run with nothing but a
//! writ's public endpoints and its log's verifier key: `writ report verify`, `writ
//! report prove` and `writ audit watch`. Each exits 0 when everything holds, 1 naming
//! the first thing that does not, 2 on bad arguments.

use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use writ_core::{Actor, Clock};
use writ_ledger::{Hash, leaf_hash, verify_checkpoint, verify_consistency, verify_inclusion};
use writ_report::{HalfYear, PublishedReport, Receipt, RecordProof, prove_receipt, verify_records};

use crate::config::Config;
use crate::{Failure, clock, print, runtime};

fn invalid(flag: &str, e: impl std::fmt::Display) -> Failure {
    Failure::Invalid(format!("{flag}: {e}"))
}

/// `writ report publish --period P [--reason R]`: publishes from the store, as an
/// operator (the audit event's actor).
pub fn publish(config: &Config, period: &str, reason: Option<&str>) -> Result<(), Failure> {
    let period: HalfYear = period.parse().map_err(|e| invalid("--period", e))?;
    let now = clock::SystemClock.now();
    let published = runtime()?.block_on(async {
        let store = crate::open_store(&config.database()?).await?;
        let anchor = writ_app::transparency::anchor(&store).await;
        let published = match anchor {
            Ok(anchor) => {
                store
                    .publish_report(period, reason, anchor, &Actor::Operator, now)
                    .await
            }
            Err(e) => Err(e),
        };
        store.close().await;
        anyhow::Ok(published)
    })?;
    let publication = published.map_err(|e| match e {
        writ_store::StoreError::OutOfRange(m) if m.starts_with("reason:") => {
            Failure::Invalid(format!("--{m}"))
        }
        writ_store::StoreError::Unpublishable(m) => Failure::Invalid(m),
        other => Failure::Internal(other.into()),
    })?;
    print(&format!(
        "published {period} version {}: {} records, root {}, audit event {} ({})\n",
        publication.version,
        publication.records.size,
        publication.records.root,
        publication.event.index,
        publication.action(),
    ));
    Ok(())
}

/// A writ's public endpoints.
struct Site {
    base: String,
    client: reqwest::blocking::Client,
}

impl Site {
    fn new(url: &str) -> Result<Self, Failure> {
        let base = url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(invalid("--url", "an http:// or https:// address"));
        }
        let client = reqwest::blocking::Client::builder()
            // A million records take a while; no whole-request timeout.
            .timeout(None)
            .connect_timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| Failure::Internal(e.into()))?;
        Ok(Self { base, client })
    }

    /// GETs `path`; a status other than 200 is an error naming the URL.
    fn get(&self, path: &str) -> anyhow::Result<reqwest::blocking::Response> {
        let url = format!("{}{path}", self.base);
        let response = self
            .client
            .get(&url)
            .send()
            .with_context(|| format!("GET {url}"))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().unwrap_or_default();
            bail!(
                "GET {url}: {status}: {}",
                body.chars().take(300).collect::<String>()
            );
        }
        Ok(response)
    }

    fn text(&self, path: &str) -> anyhow::Result<String> {
        Ok(self.get(path)?.text()?)
    }
}

/// The event that published a version, as the report carries it.
#[derive(Deserialize)]
struct Event {
    index: u64,
    entry: String,
}

/// Checks that the publication event of `version` says what the report says (period,
/// version, size, root) and is in the log under a checkpoint signed by `key` (the
/// signature unchecked without one); what it checked.
fn check_event(
    site: &Site,
    report: &PublishedReport,
    version: u64,
    event: &Event,
    key: Option<&str>,
) -> anyhow::Result<String> {
    let entry: Value = serde_json::from_str(&event.entry)
        .map_err(|e| anyhow!("report.published event {}: not JSON: {e}", event.index))?;
    let action = entry["action"].as_str().unwrap_or_default();
    if !matches!(action, "report.published" | "report.corrected") {
        bail!(
            "audit event {}: it is {action:?}, not report.published or report.corrected",
            event.index
        );
    }
    let details = &entry["details"];
    let head = report.records;
    let claims = [
        ("period", Value::from(report.period.to_string())),
        ("version", Value::from(version)),
        ("size", Value::from(head.size)),
        ("root", Value::from(head.root.to_string())),
    ];
    for (field, want) in claims {
        if details[field] != want {
            bail!(
                "{action} event {}: its {field} is {}, the report's is {want}",
                event.index,
                details[field]
            );
        }
    }
    let note = site.text("/api/v1/audit/checkpoint")?;
    let (size, root, signed) = match key {
        Some(key) => {
            let checkpoint = verify_checkpoint(note.as_bytes(), key).map_err(|e| {
                anyhow!("the log's latest checkpoint is not signed by the key given: {e}")
            })?;
            (checkpoint.size, checkpoint.root, "signed by the key given")
        }
        None => {
            let (size, root) = unsigned_head(&note)?;
            (size, root, "signature NOT checked (no --key)")
        }
    };
    if event.index >= size {
        bail!(
            "{action} event {} is not in the latest signed checkpoint (size {size}) yet: try again once the next is signed",
            event.index
        );
    }
    let proof: Value = serde_json::from_str(&site.text(&format!(
        "/api/v1/audit/proof/inclusion?index={}&size={size}",
        event.index
    ))?)?;
    verify_inclusion(
        &hashes(&proof["proof"])?,
        event.index,
        size,
        root,
        leaf_hash(event.entry.as_bytes()),
    )
    .map_err(|_| {
        anyhow!(
            "{action} event {}: not in the log: its inclusion proof does not lead to checkpoint {size}'s root {root}",
            event.index
        )
    })?;
    Ok(format!(
        "{action} event {} in the audit log at checkpoint {size} ({signed})",
        event.index
    ))
}

/// A checkpoint's size and root, read without checking its signature.
fn unsigned_head(note: &str) -> anyhow::Result<(u64, Hash)> {
    let mut lines = note.lines().skip(1);
    let size = lines.next().and_then(|l| l.parse().ok());
    let root = lines.next().and_then(|l| l.parse().ok());
    size.zip(root)
        .ok_or_else(|| anyhow!("the log's checkpoint is not a checkpoint note"))
}

fn hashes(value: &Value) -> anyhow::Result<Vec<Hash>> {
    value
        .as_array()
        .ok_or_else(|| anyhow!("a proof that is not a list of hashes"))?
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(|h| h.parse().ok())
                .ok_or_else(|| anyhow!("a proof hash that is not base64 of 32 bytes: {h}"))
        })
        .collect()
}

/// The published report of `period` (`version`, else the latest), and the version and
/// event it names.
fn published_report(
    site: &Site,
    period: HalfYear,
    version: Option<u32>,
) -> anyhow::Result<(PublishedReport, u64, Event)> {
    let path = match version {
        Some(v) => format!("/transparency/report.json?period={period}&version={v}"),
        None => format!("/transparency/report.json?period={period}"),
    };
    let text = site.text(&path)?;
    let report = PublishedReport::from_json(&text)?;
    let json: Value = serde_json::from_str(&text)?;
    let version = json["version"]
        .as_u64()
        .ok_or_else(|| anyhow!("published report: field `version`: missing"))?;
    let event = json["publications"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["version"] == version))
        .map(|p| serde_json::from_value::<Event>(p["event"].clone()))
        .transpose()?
        .ok_or_else(|| anyhow!("published report: no publication of version {version}"))?;
    Ok((report, version, event))
}

/// `writ report verify --url BASE --period P [--version V] [--key K]`.
pub fn verify(
    url: &str,
    period: &str,
    version: Option<u32>,
    key: Option<&str>,
) -> Result<(), Failure> {
    let period: HalfYear = period.parse().map_err(|e| invalid("--period", e))?;
    let site = Site::new(url)?;
    let (report, version, event) = published_report(&site, period, version)?;
    let records = site.get(&format!(
        "/transparency/{period}/records.jsonl?version={version}"
    ))?;
    let verified = verify_records(BufReader::with_capacity(1 << 20, records), &report)
        .map_err(anyhow::Error::from)?;
    let bound = check_event(&site, &report, version, &event, key)?;
    print(&format!(
        "ok: {period} version {version}: {} records, root {}; {} figures recomputed from them; {bound}\n",
        verified.head.size, verified.head.root, verified.figures
    ));
    Ok(())
}

/// `writ report prove --url BASE --receipt R [--key K]`.
pub fn prove(url: &str, receipt: &str, key: Option<&str>) -> Result<(), Failure> {
    let receipt: Receipt = receipt.parse().map_err(|e| invalid("--receipt", e))?;
    let site = Site::new(url)?;
    let period = receipt.period;
    let commitment = receipt.secret.commitment();
    let response = site
        .client
        .get(format!(
            "{}/transparency/{period}/proof?commitment={commitment}",
            site.base
        ))
        .send()
        .context("fetching the proof")?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Err(anyhow!(
            "this case is not counted in the published report for {period}: the period is not published, or its records hold no record with this receipt's commitment {commitment} (a case received in another half-year is counted in that one's)"
        )
        .into());
    }
    let proof: Value = site
        .get_checked(response)?
        .json()
        .map_err(anyhow::Error::from)?;
    let version = proof["version"]
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| anyhow!("proof: field `version`: missing"))?;
    let record_proof = RecordProof {
        record: proof["record"].as_str().unwrap_or_default().to_owned(),
        index: proof["index"].as_u64().unwrap_or_default(),
        size: proof["size"].as_u64().unwrap_or_default(),
        proof: hashes(&proof["proof"])?,
    };
    let (report, _, event) = published_report(&site, period, Some(version))?;
    let counted = prove_receipt(&receipt, &record_proof, &report).map_err(anyhow::Error::from)?;
    let bound = check_event(&site, &report, u64::from(version), &event, key)?;
    print(&format!(
        "ok: this case is counted in {period} version {version}: record {} of {} under root {}; in {} figures ({}); {bound}\n",
        record_proof.index,
        report.records.size,
        report.records.root,
        counted.figures.len(),
        counted.figures.join(", "),
    ));
    Ok(())
}

impl Site {
    fn get_checked(
        &self,
        response: reqwest::blocking::Response,
    ) -> anyhow::Result<reqwest::blocking::Response> {
        let status = response.status();
        if !status.is_success() {
            let url = response.url().to_string();
            bail!("GET {url}: {status}");
        }
        Ok(response)
    }
}

/// What `writ audit watch` pins: the key it checks and the last checkpoint it saw.
#[derive(Serialize, Deserialize)]
struct Pinned {
    key: String,
    size: u64,
    root: Hash,
    note: String,
}

/// `writ audit watch --url BASE --state FILE [--key K]`: fetches the latest
/// checkpoint, checks its signature and that it extends the one pinned in FILE, then
/// pins it. A fork or a rollback is an error that says so loudly.
pub fn watch(url: &str, state: &Path, key: Option<&str>) -> Result<(), Failure> {
    let pinned: Option<Pinned> = match std::fs::read_to_string(state) {
        Ok(text) => Some(
            serde_json::from_str(&text).map_err(|e| invalid(&state.display().to_string(), e))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(invalid(&state.display().to_string(), e)),
    };
    let key = match (key, &pinned) {
        (Some(key), Some(pinned)) if key != pinned.key => {
            return Err(Failure::Invalid(format!(
                "--key differs from the key pinned in {}: remove the file to start again with another log",
                state.display()
            )));
        }
        (Some(key), _) => key.to_owned(),
        (None, Some(pinned)) => pinned.key.clone(),
        (None, None) => {
            return Err(Failure::Invalid(format!(
                "--key: the log's verifier key is needed the first time ({} pins it)",
                state.display()
            )));
        }
    };
    let site = Site::new(url)?;
    let note = site.text("/api/v1/audit/checkpoint")?;
    let checkpoint = verify_checkpoint(note.as_bytes(), &key)
        .map_err(|e| anyhow!("ALERT: the log's checkpoint is not signed by the pinned key: {e}"))?;
    let (size, root) = (checkpoint.size, checkpoint.root);
    let said = match &pinned {
        None => format!("pinned checkpoint {size} (first run)"),
        Some(old) if size < old.size => {
            return Err(anyhow!(
                "ALERT: ROLLBACK: the log's checkpoint is at size {size}, below the {} pinned: the log was rolled back or is being shown differently to different people",
                old.size
            )
            .into());
        }
        Some(old) if size == old.size && root != old.root => {
            return Err(anyhow!(
                "ALERT: FORK: two checkpoints of size {size} with different roots ({} pinned, {root} now), both signed by the log's key",
                old.root
            )
            .into());
        }
        Some(old) if size == old.size => format!("checkpoint {size} unchanged"),
        Some(old) => {
            let proof: Value = serde_json::from_str(&site.text(&format!(
                "/api/v1/audit/proof/consistency?from={}&to={size}",
                old.size
            ))?)
            .map_err(anyhow::Error::from)?;
            verify_consistency(&hashes(&proof["proof"])?, old.size, old.root, size, root)
                .map_err(|_| {
                    anyhow!(
                        "ALERT: FORK: checkpoint {size} does not extend the pinned checkpoint {}: its consistency proof fails, so the log was rewritten",
                        old.size
                    )
                })?;
            format!("checkpoint {size} extends the pinned {}", old.size)
        }
    };
    let pin = Pinned {
        key,
        size,
        root,
        note,
    };
    // Written whole, then renamed over the old: a crash leaves one or the other.
    let temporary = state.with_extension("tmp");
    std::fs::write(
        &temporary,
        serde_json::to_vec_pretty(&pin).map_err(anyhow::Error::from)?,
    )
    .and_then(|()| std::fs::rename(&temporary, state))
    .map_err(|e| invalid(&state.display().to_string(), e))?;
    print(&format!("ok: {said}\n"));
    Ok(())
}
