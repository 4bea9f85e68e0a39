//! Sealing the same ~1 GB spool from an S3 bucket and from the local directory, in one
//! run: throughput and the process's peak memory during each seal.
//!
//! The spool is mailbox-like (pseudo-random 20–200 KB messages and a few 4–12 MB
//! attachments), written through `Spool` to both storages (not timed). Each seal runs
//! `WRIT_BENCH_SEAL_ROUNDS` times (default 2), the two storages taking turns; the best
//! time of each is reported. Peak memory is the rise of `VmHWM` over the resident size
//! before the seal (`/proc/self/clear_refs` resets the mark).
//!
//! Two baselines in the same run show the server's own pace: writing the spool (eight
//! uploads at a time), and copying it into one object as the seal moves it (items read
//! eight ahead, one multipart upload in 8 MiB parts, two at a time) with no sealing.
//!
//! `WRIT_TEST_S3_*` name the S3 server (`scripts/lib/s3.sh` starts moto; any other S3
//! server works the same way, e.g. s3s-fs as `docs/environment.md` starts it);
//! `cargo bench -p writ-storage --bench seal` (`WRIT_BENCH_SEAL_MB` changes the 1024).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]
// A bench measures wall time; the clock ban is for library code (clippy.toml).
#![allow(clippy::disallowed_methods)]

#[path = "../tests/support/production.rs"]
mod production;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::io::AsyncWriteExt;
use writ_seal::{Manifest, ManifestItem, ProductionKey};
use writ_storage::ProductionStorage;

use production::{PRODUCTION, mail_item, manifest};

/// `(path, size, seed)` of each item: about `mb` MiB in all.
fn plan(mb: u64) -> Vec<(String, usize, u64)> {
    let mut items = Vec::new();
    let mut total = 0u64;
    let mut seed = 7u64;
    while total < mb * 1024 * 1024 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let n = items.len();
        let size = if n % 100 == 99 {
            4 * 1024 * 1024 + (seed >> 40) as usize % (8 * 1024 * 1024)
        } else {
            20 * 1024 + (seed >> 40) as usize % (180 * 1024)
        };
        total += size as u64;
        items.push((format!("items/acc-alice/mail/INBOX/{n}.eml"), size, seed));
    }
    items
}

fn body(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Writes every item to `storage`'s spool, eight at a time; the manifest.
async fn fill(storage: &ProductionStorage, plan: &[(String, usize, u64)]) -> Manifest {
    let spool = storage.spool(PRODUCTION);
    spool.prepare().await.unwrap();
    let items: Vec<ManifestItem> = futures::stream::iter(plan.iter().cloned())
        .map(|(path, size, seed)| {
            let spool = spool.clone();
            async move {
                let bytes = body(size, seed);
                let mut writer = spool.create(&path).await.unwrap();
                writer.write_all(&bytes).await.unwrap();
                writer.complete().await.unwrap();
                mail_item(path, &bytes)
            }
        })
        .buffered(8)
        .collect()
        .await;
    manifest("BENCH-1", items)
}

/// Copies the spool in the bucket into one object, the way the seal reads and writes
/// it but with no sealing: the server's pace for the seal's traffic. Its time.
async fn copy_spool(config: &writ_storage::S3Config) -> Duration {
    use object_store::aws::AmazonS3Builder;
    use object_store::path::Path;
    use secrecy::ExposeSecret;
    let endpoint = config.endpoint.clone().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(
        AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose_secret())
            .with_allow_http(endpoint.starts_with("http://"))
            .with_endpoint(endpoint)
            .build()
            .unwrap(),
    );
    let start = Instant::now();
    let spool = Path::from(format!("{}/spool/{PRODUCTION}", config.prefix));
    let items: Vec<Path> = store
        .list(Some(&spool))
        .map_ok(|meta| meta.location)
        .try_collect()
        .await
        .unwrap();
    let copy = Path::from(format!("{}/copy", config.prefix));
    let mut upload = object_store::buffered::BufWriter::with_capacity(
        store.clone(),
        copy.clone(),
        8 * 1024 * 1024,
    )
    .with_max_concurrency(2);
    let mut bodies = futures::stream::iter(items)
        .map(|location| {
            let store = store.clone();
            async move { store.get(&location).await.unwrap().bytes().await.unwrap() }
        })
        .buffered(8);
    while let Some(bytes) = bodies.next().await {
        upload.write_all(&bytes).await.unwrap();
    }
    upload.shutdown().await.unwrap();
    let took = start.elapsed();
    store.delete(&copy).await.unwrap();
    took
}

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One seal: its time and the peak memory it added, in MiB.
async fn seal_once(storage: &ProductionStorage, manifest: &Manifest) -> (Duration, f64) {
    let key = ProductionKey::generate();
    let (_, recipient) = writ_seal::new_identity();
    let recipient = writ_seal::parse_recipient(&recipient).unwrap();
    // Resets VmHWM to the current resident size.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_kb("VmRSS:");
    let start = Instant::now();
    let (_, file_name) = storage
        .seal(manifest, PRODUCTION, &key, &recipient)
        .await
        .unwrap();
    let took = start.elapsed();
    let peak = status_kb("VmHWM:").saturating_sub(before) as f64 / 1024.0;
    storage.remove_sealed(&file_name).await.unwrap();
    (took, peak)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mb: u64 = std::env::var("WRIT_BENCH_SEAL_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let rounds: usize = std::env::var("WRIT_BENCH_SEAL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let Some(config) = writ_storage::testing::s3_bucket("bench") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let local = ProductionStorage::directory(dir.path().join("productions"));
    let bucket = ProductionStorage::s3(&config).unwrap();
    let plan = plan(mb);
    let bytes: u64 = plan.iter().map(|(_, size, _)| *size as u64).sum();
    println!(
        "spool: {} items, {:.0} MiB; load average {}",
        plan.len(),
        bytes as f64 / 1048576.0,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let start = Instant::now();
    let manifest = fill(&local, &plan).await;
    println!(
        "  written to the directory in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    fill(&bucket, &plan).await;
    let written = start.elapsed();
    println!(
        "  written to the bucket in {:.1} s ({:.0} MiB/s)",
        written.as_secs_f64(),
        bytes as f64 / 1048576.0 / written.as_secs_f64()
    );
    let copied = copy_spool(&config).await;
    println!(
        "  copied in the bucket (no sealing) in {:.1} s ({:.0} MiB/s)",
        copied.as_secs_f64(),
        bytes as f64 / 1048576.0 / copied.as_secs_f64()
    );

    let mut best = [(Duration::MAX, 0.0f64), (Duration::MAX, 0.0f64)];
    for round in 0..rounds {
        for (i, (name, storage)) in [("directory", &local), ("bucket", &bucket)]
            .into_iter()
            .enumerate()
        {
            let (took, peak) = seal_once(storage, &manifest).await;
            println!(
                "  round {round}: {name}: {:.2} s, {:.0} MiB/s, peak +{peak:.0} MiB",
                took.as_secs_f64(),
                bytes as f64 / 1048576.0 / took.as_secs_f64()
            );
            if took < best[i].0 {
                best[i].0 = took;
            }
            best[i].1 = best[i].1.max(peak);
        }
    }
    let rate = |d: Duration| bytes as f64 / 1048576.0 / d.as_secs_f64();
    println!(
        "best: directory {:.0} MiB/s (peak +{:.0} MiB), bucket {:.0} MiB/s (peak +{:.0} MiB); \
         bucket/directory {:.2}; load average {}",
        rate(best[0].0),
        best[0].1,
        rate(best[1].0),
        best[1].1,
        rate(best[1].0) / rate(best[0].0),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    bucket.spool(PRODUCTION).remove().await.unwrap();
}
