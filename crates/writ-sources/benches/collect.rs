//! Collecting a ~1 GB mailbox and sealing it, against the shell pipeline a team would
//! use by hand, in the same run; and collecting one account's week from a store of 100
//! and of 10,000 accounts (issue 6).
//!
//! 1. Maildir: one account of `WRIT_BENCH_MAIL_MB` (default 1024) of demo mail
//!    (`DemoMailOptions::sized`) is written to a Maildir (not timed). Then, interleaved
//!    `WRIT_BENCH_COLLECT_ROUNDS` times (default 3), each after a `sync`:
//!    (a) the real `Collector` (a one-account directory, `MaildirSource`, content and
//!    traffic over the whole period) into a spool, then `writ_seal::seal_to_path` to an
//!    age recipient; (b) by hand: `find . -type f | xargs sha256sum > SHA256SUMS` in the
//!    Maildir (the per-item hashes a production has), then
//!    `tar -C MAILDIR -cf - . | tee >(sha256sum) | age -r R > OUT`.
//! 2. Dovecot (when `WRIT_TEST_IMAP_ADDR` is set; see `scripts/lib/dovecot.sh`): the
//!    same mailbox is appended through the master login (`append_imap_with`, timed for
//!    information), then, interleaved: (a) `Collector` with `ImapSource`, then
//!    `seal_to_path`; (m) `mbsync` (apt `isync`) pulling every folder into a local
//!    Maildir, then (b)'s hashes and `tar | age` over it; (p) a plain python3 `imaplib`
//!    fetch (`UID FETCH … BODY.PEEK[]` in batches, per folder, one file per message),
//!    then the same. (m) is skipped when `mbsync` is not installed, (p) when python3 is
//!    not.
//! 3. Scale: a demo records database (SQLite) of 100 accounts and one of 10,000
//!    (`WRIT_BENCH_SCALE_ACCOUNTS`, default `100,10000`; `WRIT_BENCH_SCALE_DAYS` of
//!    records, default 30), then the time for the `Collector` (the SQL directory and
//!    the record source over that database) to collect one account's week, every
//!    category: the median of `WRIT_BENCH_SCALE_RUNS` (default 11) after one warm-up,
//!    the stores taking turns.
//!
//! Rates are the mailbox's bytes (the messages as generated) over the time, for writ
//! and for the baselines alike. Everything lives under `WRIT_BENCH_DIR` (default the
//! system's temporary directory); `bench/collect.sh` puts it, and Dovecot's mail, on
//! `/dev/shm`.
//!
//! `cargo bench -p writ-sources --bench collect`, or `bench/collect.sh` to start and stop
//! Dovecot around it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]
// a bench prints, and stops loudly
// A bench measures wall time; the clock ban is for library code (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use writ_core::demand::{Category, Period};
use writ_core::review::Scope;
use writ_core::{Identifier, Timestamp};
use writ_seal::{
    Authority, FORMAT, Manifest, ManifestItem, ProductionKey, new_identity, parse_recipient,
    seal_to_path,
};
use writ_sources::collector::{CollectedItem, CollectionLog, Collector, ItemIdentity, LogError};
use writ_sources::demo::mail::{
    DemoMailOptions, append_imap_with, messages_with, write_maildir_with,
};
use writ_sources::demo::records::{RecordVolume, write_records};
use writ_sources::demo::{DemoAccount, DemoSpec, synthetic_accounts};
use writ_sources::directory::{DirectoryConfig, SqlDirectory};
use writ_sources::mail::{ImapConfig, ImapSource, MaildirConfig, MaildirSource};
use writ_sources::records::{DatabaseUrl, RecordSource, RecordSourceConfig};
use writ_sources::{AccountDirectory, AccountEntry, AccountId, Source, SourceError};

const MB: f64 = (1 << 20) as f64;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn rate(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / MB / took.as_secs_f64()
}

/// Runs `script` in bash with pipefail; its wall time.
fn shell(script: &str) -> Duration {
    let start = Instant::now();
    let status = Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .unwrap();
    let took = start.elapsed();
    assert!(status.success(), "failed: {script}");
    took
}

fn installed(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The directory of a provider with one account, named by its e-mail address.
struct OneAccount {
    email: String,
    id: String,
}

#[async_trait::async_trait]
impl AccountDirectory for OneAccount {
    async fn resolve(
        &self,
        identifier: &Identifier,
        _at: Option<Timestamp>,
    ) -> Result<Option<AccountEntry>, SourceError> {
        Ok(
            (identifier.to_string() == self.email).then(|| AccountEntry {
                contact: None,
                id: AccountId(self.id.clone()),
                tenant: None,
            }),
        )
    }
}

/// The collection's progress, in memory (the store keeps it, in writ).
#[derive(Default)]
struct MemoryLog {
    items: Mutex<Vec<CollectedItem>>,
}

#[async_trait::async_trait]
impl CollectionLog for MemoryLog {
    async fn collected(&self) -> Result<BTreeSet<ItemIdentity>, LogError> {
        Ok(self
            .items
            .lock()
            .unwrap()
            .iter()
            .map(CollectedItem::identity)
            .collect())
    }

    async fn planned(&self, _total: u64) -> Result<(), LogError> {
        Ok(())
    }

    async fn record(&self, item: &CollectedItem) -> Result<(), LogError> {
        self.items.lock().unwrap().push(item.clone());
        Ok(())
    }
}

fn scope(email: &str, categories: &[Category], period: Period) -> Scope {
    serde_json::from_value(serde_json::json!({
        "categories": categories,
        "targets": [{"type": "email", "value": email}],
        "period": {"from": period.from(), "to": period.to()},
    }))
    .unwrap()
}

fn manifest(scope: &Scope, accounts: Vec<String>, items: Vec<CollectedItem>) -> Manifest {
    let items: Vec<ManifestItem> = items
        .into_iter()
        .map(|item| ManifestItem {
            path: item.path,
            sha256: item.sha256,
            size: item.size,
            source: item.source,
            account: item.account.0,
            category: item.category,
            timestamp: item.timestamp,
            rows: item.rows,
        })
        .collect();
    Manifest {
        format: FORMAT.to_owned(),
        production: "5f0c6a53-3b1e-4c8e-9a57-0c1f3f3e2a10".to_owned(),
        case: "0b6d3c55-8f6a-4b2e-a0c1-6f7d2e9b1a44".parse().unwrap(),
        reference: "BENCH-COLLECT".to_owned(),
        authority: Authority {
            name: "Bench Authority".to_owned(),
            country: "US".to_owned(),
        },
        instrument: "us.warrant".to_owned(),
        scope: scope.clone(),
        sealed_at: at("2026-03-02T09:00:00Z"),
        audit_checkpoint: String::new(),
        accounts,
        not_found: Vec::new(),
        no_data: items.is_empty(),
        items,
    }
}

/// What one collect-and-seal took.
struct Run {
    collect: Duration,
    seal: Duration,
    items: usize,
    spool_bytes: u64,
}

struct Sealer {
    key: ProductionKey,
    recipient: String,
}

impl Sealer {
    fn new() -> Self {
        let (_identity, recipient) = new_identity();
        Self {
            key: ProductionKey::generate(),
            recipient,
        }
    }

    /// Collects `scope` with `collector` into `work/spool`, seals it to `work/sealed.age`,
    /// and removes both.
    async fn collect_and_seal(&self, collector: &Collector, scope: &Scope, work: &Path) -> Run {
        let spool = work.join("spool");
        let sealed = work.join("sealed.age");
        let _ = std::fs::remove_dir_all(&spool);
        let _ = std::fs::remove_file(&sealed);
        std::fs::create_dir_all(&spool).unwrap();
        let log = MemoryLog::default();

        shell("sync");
        let start = Instant::now();
        let collected = collector
            .collect(
                scope,
                &writ_sources::collector::Spool::in_directory(&spool),
                &log,
            )
            .await
            .unwrap();
        let collect = start.elapsed();

        let items = log.items.into_inner().unwrap();
        assert_eq!(collected.items, items.len() as u64);
        let count = items.len();
        let spool_bytes = items.iter().map(|i| i.size).sum();
        let accounts = collected.accounts.iter().map(|a| a.id.0.clone()).collect();
        let manifest = manifest(scope, accounts, items);
        let recipient = parse_recipient(&self.recipient).unwrap();

        shell("sync");
        let start = Instant::now();
        seal_to_path(&manifest, &spool, &self.key, &recipient, &sealed).unwrap();
        let seal = start.elapsed();

        std::fs::remove_dir_all(&spool).unwrap();
        std::fs::remove_file(&sealed).unwrap();
        Run {
            collect,
            seal,
            items: count,
            spool_bytes,
        }
    }

    /// By hand over a Maildir-like tree: per-file hashes, then `tar | tee >(sha256sum) |
    /// age`. Returns (hashes, tar | age).
    fn by_hand(&self, tree: &Path, work: &Path) -> (Duration, Duration) {
        let tree = tree.display();
        let sums = work.join("SHA256SUMS");
        let out = work.join("by-hand.tar.age");
        let tar_sum = work.join("by-hand.tar.sha256");
        let _ = std::fs::remove_file(&out);
        shell("sync");
        let hashes = shell(&format!(
            "cd '{tree}' && find . -type f -print0 | xargs -0 sha256sum > '{}'",
            sums.display()
        ));
        shell("sync");
        let pipeline = shell(&format!(
            "tar -C '{tree}' -cf - . | tee >(sha256sum > '{}') | age -r {} > '{}'; wait $!",
            tar_sum.display(),
            self.recipient,
            out.display()
        ));
        let _ = std::fs::remove_file(&out);
        (hashes, pipeline)
    }
}

fn min(best: &mut Duration, took: Duration) {
    *best = (*best).min(took);
}

fn print_row(label: &str, took: Duration, bytes: u64) {
    println!(
        "  {label:<58} {:7.2} s  {:7.1} MB/s",
        took.as_secs_f64(),
        rate(bytes, took)
    );
}

fn mail_spec(account: &DemoAccount) -> DemoSpec {
    DemoSpec {
        accounts: vec![account.clone()],
        tenants: Vec::new(),
        period: Period::new(at("2025-03-01T00:00:00Z"), at("2026-03-01T00:00:00Z")).unwrap(),
        seed: 6,
    }
}

async fn maildir_bench(
    sealer: &Sealer,
    work: &Path,
    account: &DemoAccount,
    options: &DemoMailOptions,
    rounds: usize,
) {
    let spec = mail_spec(account);
    let root = work.join("maildir");
    let start = Instant::now();
    let stats = write_maildir_with(&root, &spec, options).unwrap();
    let bytes = stats.bytes;
    println!(
        "\n1. Maildir: {} messages, {:.0} MB, written in {:.1} s (not timed below)",
        stats.messages,
        bytes as f64 / MB,
        start.elapsed().as_secs_f64()
    );

    let collector = Collector::new(
        Arc::new(OneAccount {
            email: account.email.clone(),
            id: account.id.clone(),
        }),
        vec![Arc::new(MaildirSource::new(MaildirConfig::new(&root))) as Arc<dyn Source>],
    );
    let scope = scope(
        &account.email,
        &[Category::Content, Category::Traffic],
        spec.period,
    );
    let age = installed("age", "--version");
    if !age {
        println!("  (b) skipped: age not installed (apt-get install age)");
    }
    let mailbox = root.join(&account.id).join("Maildir");
    let mut best = [Duration::MAX; 4];
    let mut last = None;
    for _ in 0..rounds {
        let run = sealer.collect_and_seal(&collector, &scope, work).await;
        min(&mut best[0], run.collect);
        min(&mut best[1], run.seal);
        min(&mut best[2], run.collect + run.seal);
        last = Some(run);
        if age {
            let (hashes, pipeline) = sealer.by_hand(&mailbox, work);
            min(&mut best[3], hashes + pipeline);
        }
    }
    let run = last.expect("at least one round");
    println!(
        "  best of {rounds} interleaved rounds; spool {} items, {:.0} MB (messages and envelopes)",
        run.items,
        run.spool_bytes as f64 / MB
    );
    print_row(
        "(a) collect: Collector + MaildirSource -> spool",
        best[0],
        bytes,
    );
    print_row("(a) seal: seal_to_path", best[1], bytes);
    print_row("(a) writ total (best round)", best[2], bytes);
    if age {
        print_row(
            "(b) by hand: sha256sum per file + tar | tee >(sha256sum) | age",
            best[3],
            bytes,
        );
        println!(
            "  time ratio writ / by hand: {:.2}",
            best[2].as_secs_f64() / best[3].as_secs_f64()
        );
    }
    std::fs::remove_dir_all(&root).unwrap();
}

fn imap_config() -> Option<ImapConfig> {
    let address = std::env::var("WRIT_TEST_IMAP_ADDR").ok()?;
    let user = std::env::var("WRIT_TEST_IMAP_MASTER_USER").expect("WRIT_TEST_IMAP_MASTER_USER");
    let password =
        std::env::var("WRIT_TEST_IMAP_MASTER_PASSWORD").expect("WRIT_TEST_IMAP_MASTER_PASSWORD");
    let mut config = ImapConfig::new(address, user, SecretString::from(password));
    // A mailbox of its own on every run, so that a second run against the same Dovecot
    // does not append the same messages twice; the messages themselves are the
    // Maildir's (they depend on the account id, which stays the same).
    config.user = format!("{{account}}-{}", std::process::id());
    Some(config)
}

/// A plain IMAP fetch of every message of every folder, one file per message.
const IMAPLIB_FETCH: &str = r#"
import imaplib, os, re, sys
host, port, user, password, out = sys.argv[1:6]
m = imaplib.IMAP4(host, int(port))
m.login(user, password)
for line in m.list()[1]:
    name = re.match(rb'\(.*?\) (?:"[^"]*"|NIL) (.*)$', line).group(1).decode().strip('"')
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    m.select('"%s"' % name, readonly=True)
    uids = m.uid("SEARCH", None, "ALL")[1][0].split()
    for i in range(0, len(uids), 100):
        typ, data = m.uid("FETCH", b",".join(uids[i:i + 100]).decode(), "(BODY.PEEK[])")
        for part in data:
            if isinstance(part, tuple):
                uid = re.search(rb"UID (\d+)", part[0]).group(1).decode()
                with open(os.path.join(folder, uid + ".eml"), "wb") as f:
                    f.write(part[1])
m.logout()
"#;

async fn imap_bench(
    sealer: &Sealer,
    work: &Path,
    account: &DemoAccount,
    options: &DemoMailOptions,
    rounds: usize,
) {
    let Some(config) = imap_config() else {
        println!(
            "\n2. Dovecot: skipped, Dovecot is not running (WRIT_TEST_IMAP_ADDR is not set; \
             bench/collect.sh starts it)"
        );
        return;
    };
    let spec = mail_spec(account);
    let start = Instant::now();
    let stats = append_imap_with(&config, &spec, options).await.unwrap();
    let bytes = stats.bytes;
    let appended = start.elapsed();
    println!(
        "\n2. Dovecot {}: {} messages, {:.0} MB, appended in {:.1} s ({:.1} MB/s, information)",
        config.address,
        stats.messages,
        bytes as f64 / MB,
        appended.as_secs_f64(),
        rate(bytes, appended)
    );

    let collector = Collector::new(
        Arc::new(OneAccount {
            email: account.email.clone(),
            id: account.id.clone(),
        }),
        vec![Arc::new(ImapSource::new(config.clone()).unwrap()) as Arc<dyn Source>],
    );
    let scope = scope(
        &account.email,
        &[Category::Content, Category::Traffic],
        spec.period,
    );

    let (host, port) = config.address.rsplit_once(':').unwrap();
    let login = format!(
        "{}-{}*{}",
        account.id,
        std::process::id(),
        config.master_user
    );
    let password = std::env::var("WRIT_TEST_IMAP_MASTER_PASSWORD").unwrap();
    let age = installed("age", "--version");
    let mbsync = installed("mbsync", "--version") && age;
    let python = installed("python3", "--version") && age;
    if !age {
        println!("  (m), (p) skipped: age not installed (apt-get install age)");
    }
    if !installed("mbsync", "--version") {
        println!("  (m) skipped: mbsync not installed (apt-get install isync)");
    }
    if !installed("python3", "--version") {
        println!("  (p) skipped: python3 not installed");
    }

    let pulled = work.join("mbsync");
    let mbsyncrc = work.join("mbsyncrc");
    std::fs::write(
        &mbsyncrc,
        format!(
            "IMAPAccount bench\nHost {host}\nPort {port}\nUser \"{login}\"\nPass \"{password}\"\n\
             SSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount bench\n\n\
             MaildirStore local\nPath {dir}/\nInbox {dir}/INBOX\nSubFolders Verbatim\n\n\
             Channel pull\nFar :remote:\nNear :local:\nPatterns *\nCreate Near\nSync Pull\n\
             SyncState *\n",
            dir = pulled.display()
        ),
    )
    .unwrap();
    let fetched = work.join("imaplib");
    let script = work.join("fetch.py");
    std::fs::write(&script, IMAPLIB_FETCH).unwrap();

    let mut best = [Duration::MAX; 9];
    let mut last = None;
    for _ in 0..rounds {
        let run = sealer.collect_and_seal(&collector, &scope, work).await;
        min(&mut best[0], run.collect);
        min(&mut best[1], run.seal);
        min(&mut best[2], run.collect + run.seal);
        last = Some(run);
        if mbsync {
            let _ = std::fs::remove_dir_all(&pulled);
            std::fs::create_dir_all(&pulled).unwrap();
            shell("sync");
            // mbsync warns on stderr that the password goes in the clear (127.0.0.1).
            let fetch = shell(&format!(
                "mbsync -q -c '{}' pull 2> >(grep -v 'in the clear' >&2)",
                mbsyncrc.display()
            ));
            let (hashes, pipeline) = sealer.by_hand(&pulled, work);
            min(&mut best[3], fetch);
            min(&mut best[4], hashes + pipeline);
            min(&mut best[5], fetch + hashes + pipeline);
            std::fs::remove_dir_all(&pulled).unwrap();
        }
        if python {
            let _ = std::fs::remove_dir_all(&fetched);
            std::fs::create_dir_all(&fetched).unwrap();
            shell("sync");
            let fetch = shell(&format!(
                "python3 '{}' '{host}' '{port}' '{login}' \"$WRIT_TEST_IMAP_MASTER_PASSWORD\" '{}'",
                script.display(),
                fetched.display()
            ));
            let (hashes, pipeline) = sealer.by_hand(&fetched, work);
            min(&mut best[6], fetch);
            min(&mut best[7], hashes + pipeline);
            min(&mut best[8], fetch + hashes + pipeline);
            std::fs::remove_dir_all(&fetched).unwrap();
        }
    }
    let run = last.expect("at least one round");
    println!(
        "  best of {rounds} interleaved rounds; spool {} items, {:.0} MB (messages and envelopes)",
        run.items,
        run.spool_bytes as f64 / MB
    );
    print_row(
        "(a) collect: Collector + ImapSource -> spool",
        best[0],
        bytes,
    );
    print_row("(a) seal: seal_to_path", best[1], bytes);
    print_row("(a) writ total (best round)", best[2], bytes);
    if mbsync {
        print_row("(m) mbsync pull to a Maildir", best[3], bytes);
        print_row("(m) then sha256sum per file + tar | age", best[4], bytes);
        print_row("(m) by hand total (best round)", best[5], bytes);
    }
    if python {
        print_row(
            "(p) python3 imaplib UID FETCH BODY.PEEK[] to files",
            best[6],
            bytes,
        );
        print_row("(p) then sha256sum per file + tar | age", best[7], bytes);
        print_row("(p) by hand total (best round)", best[8], bytes);
    }
    if mbsync {
        println!(
            "  time ratio collect / mbsync: {:.2}   writ total / (m) total: {:.2}",
            best[0].as_secs_f64() / best[3].as_secs_f64(),
            best[2].as_secs_f64() / best[5].as_secs_f64()
        );
    }
    if python {
        println!(
            "  time ratio collect / imaplib: {:.2}   writ total / (p) total: {:.2}",
            best[0].as_secs_f64() / best[6].as_secs_f64(),
            best[2].as_secs_f64() / best[8].as_secs_f64()
        );
    }
}

/// One store of the scale test: a records database of `count` accounts, and a
/// collector over it (the SQL directory and the record source).
struct Store {
    count: usize,
    collector: Collector,
    scope: Scope,
    times: Vec<Duration>,
    /// Items, rows and bytes the last collection took.
    took: (usize, u64, u64),
}

async fn store(work: &Path, count: usize, days: i64) -> Store {
    let from = at("2026-02-01T00:00:00Z");
    let to = Timestamp::from_unix_micros(from.unix_micros() + days * 86_400_000_000 - 1).unwrap();
    let spec = DemoSpec {
        accounts: synthetic_accounts(count),
        tenants: Vec::new(),
        period: Period::new(from, to).unwrap(),
        seed: 6,
    };
    let path = work.join(format!("records-{count}.db"));
    let _ = std::fs::remove_file(&path);
    let start = Instant::now();
    let stats = write_records(
        &format!("sqlite://{}?mode=rwc", path.display()),
        &spec,
        &RecordVolume::default(),
    )
    .await
    .unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    println!(
        "  {count:>6} accounts: {} rows over {days} days, {:.0} MB, written in {:.1} s",
        stats.accounts + stats.devices + stats.ip_sessions + stats.calls + stats.messages,
        size as f64 / MB,
        start.elapsed().as_secs_f64()
    );

    let database = DatabaseUrl::new(format!("sqlite://{}?mode=ro", path.display()));
    let directory = SqlDirectory::connect(&DirectoryConfig {
        database: database.clone(),
        queries: Default::default(),
    })
    .await
    .unwrap();
    let records = RecordSource::connect(
        "records",
        &RecordSourceConfig {
            database,
            tables: None,
        },
    )
    .await
    .unwrap();
    let collector = Collector::new(
        Arc::new(directory),
        vec![Arc::new(records) as Arc<dyn Source>],
    );
    // The same account (the 43rd, or the last of a smaller store) and the same week in
    // every store.
    let target = &spec.accounts[42.min(count - 1)];
    let week = Period::new(
        at("2026-02-09T00:00:00Z"),
        at("2026-02-15T23:59:59.999999Z"),
    )
    .unwrap();
    Store {
        count,
        collector,
        scope: scope(&target.email, &Category::DATA, week),
        times: Vec::new(),
        took: (0, 0, 0),
    }
}

impl Store {
    /// Collects the week into a new spool; the time it took.
    async fn collect(&mut self, spool: &Path) -> Duration {
        let _ = std::fs::remove_dir_all(spool);
        std::fs::create_dir_all(spool).unwrap();
        let log = MemoryLog::default();
        let start = Instant::now();
        let collected = self
            .collector
            .collect(
                &self.scope,
                &writ_sources::collector::Spool::in_directory(spool),
                &log,
            )
            .await
            .unwrap();
        let took = start.elapsed();
        assert_eq!(collected.accounts.len(), 1, "the target resolves");
        let logged = log.items.into_inner().unwrap();
        self.took = (
            logged.len(),
            logged.iter().filter_map(|i| i.rows).sum(),
            logged.iter().map(|i| i.size).sum(),
        );
        took
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Collects one account's week from each store, `runs` times, the stores taking turns
/// (after one warm-up each); prints the medians and the ratio of the last to the first.
async fn scale_bench(work: &Path, counts: &[usize], days: i64, runs: usize) {
    let mut stores = Vec::new();
    for &count in counts {
        stores.push(store(work, count, days).await);
    }
    let spool = work.join("scale-spool");
    for run in 0..=runs {
        for store in &mut stores {
            let took = store.collect(&spool).await;
            if run > 0 {
                // The first run of each warms the caches and the pools.
                store.times.push(took);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&spool);
    let mut medians = Vec::new();
    for store in &stores {
        let middle = median(store.times.clone());
        let (items, rows, bytes) = store.took;
        println!(
            "  {:>6} accounts: one account's week, {items} items, {rows} rows, {bytes} bytes: \
             median {:.2} ms (min {:.2}, max {:.2}) of {runs}",
            store.count,
            middle.as_secs_f64() * 1e3,
            store.times.iter().min().unwrap().as_secs_f64() * 1e3,
            store.times.iter().max().unwrap().as_secs_f64() * 1e3,
        );
        medians.push(middle);
    }
    if let (Some(first), Some(last)) = (medians.first(), medians.last())
        && medians.len() > 1
    {
        println!(
            "  ratio of the medians, {} accounts / {} accounts: {:.2}",
            counts[counts.len() - 1],
            counts[0],
            last.as_secs_f64() / first.as_secs_f64()
        );
    }
    for &count in counts {
        let _ = std::fs::remove_file(work.join(format!("records-{count}.db")));
    }
}

#[tokio::main]
async fn main() {
    let megabytes: u64 = env_or("WRIT_BENCH_MAIL_MB", 1024);
    let rounds: usize = env_or("WRIT_BENCH_COLLECT_ROUNDS", 3);
    let base = std::env::var("WRIT_BENCH_DIR").unwrap_or_else(|_| {
        std::env::temp_dir()
            .to_str()
            .expect("a UTF-8 temporary directory")
            .to_owned()
    });
    let dir = tempfile::Builder::new()
        .prefix("writ-collect-bench.")
        .tempdir_in(&base)
        .unwrap();
    let work = dir.path();
    println!("working in {}", work.display());

    let account = DemoAccount {
        id: "acc-bench".to_owned(),
        name: "Bench Account".to_owned(),
        email: "bench@example.com".to_owned(),
        phone: None,
        username: "bench".to_owned(),
        tenant: None,
    };
    // About 256 KB a message, as `sized(4000, 1 GB)` makes.
    let per_account = usize::try_from(megabytes * 4000 / 1024).unwrap().max(20);
    // `sized` is approximate (headers, text, base64 line ends): measure what it makes
    // for two requests and ask for the size that, on the line through them, makes the
    // mailbox the size asked for.
    let asked = megabytes << 20;
    let probe = mail_spec(&account);
    let made = |request: u64| -> u64 {
        messages_with(
            &probe,
            &account,
            &DemoMailOptions::sized(per_account, request),
        )
        .map(|m| m.bytes.len() as u64)
        .sum()
    };
    // Secant steps until within 3 % (the generator's randomness makes it a noisy line).
    let (mut low, mut low_made) = (asked, made(asked));
    let mut request = asked;
    let mut high = asked * 3 / 2;
    for _ in 0..5 {
        let high_made = made(high);
        request = high;
        if (high_made as f64 / asked as f64 - 1.0).abs() < 0.03 {
            break;
        }
        let slope = (high_made as f64 - low_made as f64) / (high as f64 - low as f64);
        if !slope.is_finite() || slope <= 0.0 {
            break;
        }
        let next = (high as f64 + (asked as f64 - high_made as f64) / slope).max(1024.0) as u64;
        (low, low_made) = (high, high_made);
        high = next;
    }
    let options = DemoMailOptions::sized(per_account, request);
    println!(
        "mailbox: {per_account} messages of demo mail; asking sized() for {:.0} MB makes about {megabytes} MB",
        request as f64 / MB
    );
    let sealer = Sealer::new();

    maildir_bench(&sealer, work, &account, &options, rounds).await;
    imap_bench(&sealer, work, &account, &options, rounds).await;

    let counts: Vec<usize> = std::env::var("WRIT_BENCH_SCALE_ACCOUNTS")
        .unwrap_or_else(|_| "100,10000".to_owned())
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .expect("WRIT_BENCH_SCALE_ACCOUNTS: numbers")
        })
        .collect();
    let days: i64 = env_or("WRIT_BENCH_SCALE_DAYS", 30);
    let runs: usize = env_or("WRIT_BENCH_SCALE_RUNS", 11);
    println!("\n3. One account's week (every category) from stores of {counts:?} accounts");
    scale_bench(work, &counts, days, runs).await;
}
