//! Sealing a ~1 GB mailbox-like spool, against the shell pipeline a team would use by
//! hand, in the same run.
//!
//! 1. generate the spool (not timed): many 5–100 KB messages and some 1–10 MB
//!    attachments, pseudo-random bytes;
//! 2. hash every file to build the manifest (timed, for information: the collector does
//!    this while collecting);
//! 3. (a) `writ_seal::seal` to a file: per-item SHA-256 re-check, tar, age, SHA-256 of
//!    the output; (a+) `writ_seal::seal_to_path`, which adds an fsync and the rename;
//! 4. (b) `tar -C SPOOL -cf - items | age -r RECIPIENT | tee OUT | sha256sum`: the same
//!    file and the same output hash, but no per-item hashes; and (b+) the same preceded
//!    by `find items -type f -print0 | xargs -0 sha256sum > SHA256SUMS` in the spool,
//!    which is what it takes by hand to get what a production holds (unsigned);
//! 5. (c) `writ_seal::verify` of (a)'s file, for information.
//!
//! Steps 3 and 4 run interleaved `WRIT_BENCH_SEAL_ROUNDS` times (default 3), each after
//! a `sync`; the best time of each is reported, as the machine may be shared.
//!
//! `cargo bench -p writ-seal --bench seal` (`WRIT_BENCH_SEAL_MB` changes the 1024).
//! (b) is skipped, saying so, when the `age` CLI is not installed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]
// a bench prints, and stops loudly
// A bench measures wall time; the clock ban is for library code (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use writ_core::Category;
use writ_seal::{
    Authority, FORMAT, Manifest, ManifestItem, ProductionKey, new_identity, parse_identity,
    parse_recipient, seal, seal_to_path, verify,
};

const MB: u64 = 1 << 20;

/// xorshift64*: fast, deterministic filler bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// Writes the spool; returns (relative path, size) of every file.
fn generate(spool: &Path, target: u64) -> Vec<(String, u64)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut buf = vec![0u8; MB as usize];
    let mut files = Vec::new();
    let mut total = 0;
    while total < target {
        let account = format!("acc-{:03}", files.len() % 7);
        let (path, size) = if rng.between(0, 39) == 0 {
            let n = files.len();
            let size = rng.between(MB, 10 * MB);
            (
                format!("items/{account}/files/attachments/att-{n}.bin"),
                size,
            )
        } else {
            let n = files.len();
            let size = rng.between(5 * 1024, 100 * 1024);
            (format!("items/{account}/mail/INBOX/{n}.eml"), size)
        };
        let file = spool.join(&path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let mut out = BufWriter::new(File::create(&file).unwrap());
        let mut left = size;
        while left > 0 {
            let n = left.min(MB) as usize;
            rng.fill(&mut buf[..n]);
            out.write_all(&buf[..n]).unwrap();
            left -= n as u64;
        }
        out.flush().unwrap();
        total += size;
        files.push((path, size));
    }
    files
}

fn hash_file(path: &Path) -> String {
    let mut file = File::open(path).unwrap();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; MB as usize];
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            return hex::encode(hasher.finalize());
        }
        hasher.update(&buf[..n]);
    }
}

fn manifest(spool: &Path, files: &[(String, u64)]) -> Manifest {
    let items: Vec<ManifestItem> = files
        .iter()
        .map(|(path, size)| ManifestItem {
            path: path.clone(),
            sha256: hash_file(&spool.join(path)),
            size: *size,
            source: "bench".to_owned(),
            account: path.split('/').nth(1).unwrap().to_owned(),
            category: Category::Content,
            timestamp: None,
            rows: None,
        })
        .collect();
    Manifest {
        format: FORMAT.to_owned(),
        production: "5f0c6a53-3b1e-4c8e-9a57-0c1f3f3e2a10".to_owned(),
        case: "0b6d3c55-8f6a-4b2e-a0c1-6f7d2e9b1a44".parse().unwrap(),
        reference: "BENCH-1".to_owned(),
        authority: Authority {
            name: "Bench Authority".to_owned(),
            country: "US".to_owned(),
        },
        instrument: "us.warrant".to_owned(),
        scope: serde_json::from_str(
            r#"{"categories": ["content"], "targets": [{"type": "email",
                "value": "alice@example.com"}], "period": null}"#,
        )
        .unwrap(),
        sealed_at: "2026-03-02T09:00:00Z".parse().unwrap(),
        audit_checkpoint: String::new(),
        accounts: Vec::new(),
        not_found: Vec::new(),
        no_data: items.is_empty(),
        items,
    }
}

/// Peak resident memory since the last reset, from /proc (Linux); None elsewhere.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn rate(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / MB as f64 / took.as_secs_f64()
}

fn shell(script: &str) -> (Duration, String) {
    let start = Instant::now();
    let output = Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let took = start.elapsed();
    assert!(output.status.success(), "failed: {script}");
    (took, String::from_utf8_lossy(&output.stdout).into_owned())
}

fn main() {
    let megabytes: u64 = std::env::var("WRIT_BENCH_SEAL_MB")
        .ok()
        .map(|v| {
            v.parse()
                .expect("WRIT_BENCH_SEAL_MB is a number of megabytes")
        })
        .unwrap_or(1024);
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).unwrap();

    let files = generate(&spool, megabytes * MB);
    let bytes: u64 = files.iter().map(|(_, size)| size).sum();
    let attachments = files.iter().filter(|(p, _)| p.ends_with(".bin")).count();
    println!(
        "spool: {} files ({} messages, {attachments} attachments), {:.0} MB, in {}",
        files.len(),
        files.len() - attachments,
        bytes as f64 / MB as f64,
        dir.path().display()
    );

    let start = Instant::now();
    let manifest = manifest(&spool, &files);
    let took = start.elapsed();
    println!(
        "hash the spool for the manifest:   {:6.2} s  {:7.1} MB/s  (information: the collector's work)",
        took.as_secs_f64(),
        rate(bytes, took)
    );

    let key = ProductionKey::generate();
    let (identity, recipient) = new_identity();
    let recipient_key = parse_recipient(&recipient).unwrap();
    let age_installed = Command::new("age")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !age_installed {
        println!("(b)  skipped: age not installed (apt-get install age)");
    }
    let spool_arg = spool.display();
    let piped = dir.path().join("piped.age");
    let piped_arg = piped.display();
    let pipeline = format!(
        "tar -C '{spool_arg}' -cf - items | age -r {recipient} | tee '{piped_arg}' | sha256sum"
    );
    let per_file_sums = format!(
        "cd '{spool_arg}' && find items -type f -print0 | xargs -0 sha256sum > ../SHA256SUMS"
    );
    let out = dir.path().join("production.age");
    let synced = dir.path().join("synced.age");

    // Interleaved rounds, best of each: the machine is shared, and a `sync` before each
    // step keeps one step's dirty pages from slowing the next.
    let rounds: usize = std::env::var("WRIT_BENCH_SEAL_ROUNDS")
        .ok()
        .map(|v| v.parse().expect("WRIT_BENCH_SEAL_ROUNDS is a number"))
        .unwrap_or(3);
    let mut best = [Duration::MAX; 4];
    let mut peak = None;
    let mut sealed = None;
    let mut piped_sum = String::new();
    for _ in 0..rounds {
        let _ = std::fs::remove_file(&out);
        shell("sync");
        let peak_reset = reset_peak_rss();
        let start = Instant::now();
        let made = seal(
            &manifest,
            &spool,
            &key,
            &recipient_key,
            File::create_new(&out).unwrap(),
        )
        .unwrap();
        best[0] = best[0].min(start.elapsed());
        if peak_reset {
            peak = peak.max(peak_rss_kb());
        }
        sealed = Some(made);

        let _ = std::fs::remove_file(&synced);
        shell("sync");
        let start = Instant::now();
        seal_to_path(&manifest, &spool, &key, &recipient_key, &synced).unwrap();
        best[1] = best[1].min(start.elapsed());

        if age_installed {
            shell("sync");
            let (took, sum) = shell(&pipeline);
            best[2] = best[2].min(took);
            piped_sum = sum;
            shell("sync");
            let (took, _) = shell(&per_file_sums);
            best[3] = best[3].min(took);
        }
    }
    let _ = std::fs::remove_file(&synced);
    let _ = std::fs::remove_file(&piped);
    let sealed = sealed.expect("at least one round");

    println!("best of {rounds} interleaved rounds:");
    println!(
        "(a)  writ_seal::seal to a file:    {:6.2} s  {:7.1} MB/s  -> {} bytes, sha256 {}…",
        best[0].as_secs_f64(),
        rate(bytes, best[0]),
        sealed.size,
        &sealed.sha256[..16]
    );
    match peak {
        Some(kb) => println!("     peak RSS while sealing: {:.1} MB", kb as f64 / 1024.0),
        None => println!("     peak RSS while sealing: not available"),
    }
    println!(
        "(a+) writ_seal::seal_to_path:      {:6.2} s  {:7.1} MB/s  (adds fsync and rename)",
        best[1].as_secs_f64(),
        rate(bytes, best[1])
    );
    if age_installed {
        let by_hand = best[3] + best[2];
        println!(
            "(b)  tar | age | tee | sha256sum:  {:6.2} s  {:7.1} MB/s  sha256 {}…",
            best[2].as_secs_f64(),
            rate(bytes, best[2]),
            piped_sum.get(..16).unwrap_or("?")
        );
        println!(
            "(b+) sha256sum per file, then (b): {:6.2} s  {:7.1} MB/s",
            by_hand.as_secs_f64(),
            rate(bytes, by_hand)
        );
        println!(
            "time ratio (a)/(b): {:.2}   (a)/(b+): {:.2}",
            best[0].as_secs_f64() / best[2].as_secs_f64(),
            best[0].as_secs_f64() / by_hand.as_secs_f64()
        );
    }

    let start = Instant::now();
    let checked = verify(
        File::open(&out).unwrap(),
        &parse_identity(&identity).unwrap(),
        &key.provider_key(),
    )
    .unwrap();
    let took = start.elapsed();
    assert!(checked.is_ok(), "{:?}", checked.problems);
    println!(
        "(c)  writ_seal::verify:            {:6.2} s  {:7.1} MB/s  (information)",
        took.as_secs_f64(),
        rate(bytes, took)
    );
}
