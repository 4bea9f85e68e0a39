//! Issue 14: two `writ serve` nodes that share nothing but one PostgreSQL database and
//! one S3 bucket, each with its own data directory and port. A demand submitted through
//! node A is approved through node B; A is killed (SIGKILL) while it collects; B takes
//! the job over once A's lease runs out and completes it, every item once; the
//! production is released through B and downloaded through A once A is back; the
//! recipient's check and `writ audit verify --database` pass. Skipped without the
//! services (`WRIT_TEST_DATABASE_URL`, `WRIT_TEST_S3_*`), which `scripts/test` starts.

#![allow(clippy::print_stdout)] // the skip line, and the benchmark's figures

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use secrecy::ExposeSecret;
use writ_core::{AuditEntry, ProductionId, Timestamp};
use writ_storage::S3Config;
use writ_store::testing::TestDatabase;
use writ_store::{ProductionState, Store};

use crate::helpers::{Server, run, stderr, writ};
use crate::production::{
    MESSAGES, People, alice_provider, approve, case_id, config_toml, get, post, progress,
    seed_store, stopwatch, submit, wait_for, wall_clock,
};

/// What every node is given: the database, the bucket (its secret in the environment,
/// as an operator would give it), and the config file naming its own data directory.
struct Node<'a> {
    config: PathBuf,
    database: &'a str,
    bucket: &'a S3Config,
}

impl Node<'_> {
    /// A `writ` command run as this node.
    fn command(&self, command: &mut Command) {
        command
            .arg("--config")
            .arg(&self.config)
            .env("WRIT_DATABASE_URL", self.database)
            .env(
                "WRIT_PRODUCTION__S3__SECRET_ACCESS_KEY",
                self.bucket.secret_access_key.expose_secret(),
            );
    }

    fn serve(&self, data: &Path) -> Server {
        Server::start(data, |c| self.command(c))
    }
}

/// A node's config: [`config_toml`]'s (its data directory, a 2-second lease, the
/// provider's sources) with productions in the bucket.
fn node_config(
    dir: &Path,
    name: &str,
    sources: &writ_sources::config::SourcesConfig,
    bucket: &S3Config,
) -> (PathBuf, PathBuf) {
    let data = dir.join(name);
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(&data)
        .unwrap();
    let quote = |text: &str| serde_json::to_string(text).unwrap();
    let s3 = format!(
        "\n[production.s3]\nendpoint = {}\nbucket = {}\nprefix = {}\nregion = {}\n\
         access_key_id = {}\n",
        quote(bucket.endpoint.as_deref().unwrap()),
        quote(&bucket.bucket),
        quote(&bucket.prefix),
        quote(&bucket.region),
        quote(&bucket.access_key_id),
    );
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, config_toml(&data, sources) + &s3).unwrap();
    (data, config)
}

/// What the nodes share: one database, one bucket, the provider's data (alice's mail,
/// all in the demands' period) and the people, seeded before any node starts.
struct Shared {
    runtime: tokio::runtime::Runtime,
    db: TestDatabase,
    bucket: S3Config,
    dir: tempfile::TempDir,
    sources: writ_sources::config::SourcesConfig,
    people: People,
    /// The demands' period.
    period: (Timestamp, Timestamp),
}

/// [`Shared`], with `messages` in alice's mailbox; `None`, saying why, without the
/// services.
fn shared(messages: usize) -> Option<Shared> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDatabase::postgres()).unwrap() else {
        println!(
            "skipped: PostgreSQL not running (set WRIT_TEST_DATABASE_URL; scripts/test starts it)"
        );
        return None;
    };
    let Some(bucket) = writ_storage::testing::s3_bucket("writ/two-nodes") else {
        runtime.block_on(db.remove()).unwrap();
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let now = Timestamp::from_datetime(wall_clock());
    let at = |days: i64| now.checked_add(time::Duration::days(days)).unwrap();
    let sources = alice_provider(&runtime, dir.path(), messages, 14);
    let people = runtime.block_on(async {
        let store = Store::open(db.location()).await.unwrap();
        let people = seed_store(&store).await;
        store.close().await;
        people
    });
    Some(Shared {
        runtime,
        db,
        bucket,
        dir,
        sources,
        people,
        period: (at(-60), at(-1)),
    })
}

#[test]
fn a_node_killed_mid_collection_is_finished_by_the_other() {
    let Some(Shared {
        runtime,
        db,
        bucket,
        dir,
        sources,
        people,
        period: (from, to),
    }) = shared(MESSAGES)
    else {
        return;
    };
    let started = stopwatch();
    let (data_a, config_a) = node_config(dir.path(), "node-a", &sources, &bucket);
    let (data_b, config_b) = node_config(dir.path(), "node-b", &sources, &bucket);
    let node_a = Node {
        config: config_a,
        database: db.url(),
        bucket: &bucket,
    };
    let node_b = Node {
        config: config_b,
        database: db.url(),
        bucket: &bucket,
    };

    // A starts first and makes the keys; B gets copies (the audit log's, the
    // productions' signing key, and the one the TOTP secrets are sealed with).
    let a = node_a.serve(&data_a);
    for key in ["audit-log.key", "production.key", "totp-secrets.key"] {
        std::fs::copy(data_a.join(key), data_b.join(key)).unwrap();
    }
    let b = node_b.serve(&data_b);
    assert_ne!(a.address, b.address);
    eprintln!("{:?}: two nodes serving", started.elapsed());

    let case = submit(&a, &people, "SEA-NODES-0014", from, to);
    approve(&b, &people, &case);
    // B is frozen (SIGSTOP) from here until A is killed, so every item recorded meanwhile
    // is A's work (had B claimed the job first, its lease runs out and A takes it over).
    b.pause();
    let production = wait_for(
        &a,
        &people,
        &case,
        "A to be well into the collection",
        |p| {
            let (done, total) = progress(p);
            let finished = p["state"] != "collecting" || total.is_some_and(|t| done >= t);
            assert!(
                !finished,
                "the collection finished before A could be killed ({done} items): raise MESSAGES. {p}"
            );
            total.is_some_and(|t| done > 0 && done >= t / 5)
        },
    );
    a.kill();
    let production_id = ProductionId::parse(production["id"].as_str().unwrap()).unwrap();
    let killed_at = progress(&production).0;
    let (state, done_when_killed, total) = runtime.block_on(async {
        let p = db.store.production(production_id).await.unwrap();
        (p.state, p.items_done, p.items_total.unwrap())
    });
    assert_eq!(state, ProductionState::Collecting, "killed mid-collection");
    assert!(
        done_when_killed >= killed_at && done_when_killed < total,
        "{done_when_killed} of {total} items recorded when A was killed (the API said {killed_at})"
    );
    eprintln!(
        "{:?}: killed A with {done_when_killed} of {total} items recorded",
        started.elapsed()
    );

    // B, running again, takes the job once A's lease runs out and completes it.
    b.resume();
    let mut b = b;
    let sealed = wait_for(&b, &people, &case, "B to seal the production", |p| {
        p["state"] == "sealed"
    });
    b.wait_for_log("production sealed");
    eprintln!("{:?}: B sealed it", started.elapsed());
    assert_eq!(
        sealed["id"], production["id"],
        "the same production resumed"
    );
    assert_eq!(sealed["items_total"], total, "{sealed}");
    assert_eq!(sealed["items_done"], total, "{sealed}");

    // Released through B; downloaded through A, started again.
    let release = post(
        &b,
        &people.approver,
        &format!("/api/v1/productions/{production_id}/release"),
        "",
    );
    assert_eq!(release.0, 200, "{}", release.1);
    let a = node_a.serve(&data_a);
    let status = get(&a, &people.agency, &format!("/api/v1/demands/{case}"));
    let url = status["productions"][0]["download_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no download link: {status}"));
    let file = reqwest::blocking::Client::new()
        .get(format!("{}{url}", a.address))
        .bearer_auth(&people.agency)
        .send()
        .unwrap();
    assert_eq!(file.status(), 200);
    let file = file.bytes().unwrap();
    assert!(a.terminate(), "A exits cleanly on SIGTERM");
    assert!(b.terminate(), "B exits cleanly on SIGTERM");

    // The recipient's check: signed, every item once with its hash.
    let production_file = dir.path().join("production.age");
    std::fs::write(&production_file, &file).unwrap();
    let identity_file = dir.path().join("identity.txt");
    std::fs::write(&identity_file, &people.identity).unwrap();
    let mut key = writ();
    key.args(["bundle", "key"]);
    node_a.command(&mut key);
    let key = run(&mut key);
    assert!(key.status.success(), "{}", stderr(&key));
    let key_file = dir.path().join("provider.pem");
    std::fs::write(&key_file, &key.stdout).unwrap();
    let verified = run(writ()
        .args(["bundle", "verify"])
        .arg(&production_file)
        .arg("--identity")
        .arg(&identity_file)
        .arg("--provider-key")
        .arg(&key_file));
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "writ bundle verify: {report}{}",
        stderr(&verified)
    );
    assert!(report.contains(&format!("\n{total} items, ")), "{report}");

    // The audit log both nodes wrote, and the checkpoints both signed, verify.
    let mut audit = writ();
    audit.args(["audit", "verify", "--database"]).arg(db.url());
    node_a.command(&mut audit);
    let audited = run(&mut audit);
    assert!(
        audited.status.success(),
        "writ audit verify: {}{}",
        String::from_utf8_lossy(&audited.stdout),
        stderr(&audited)
    );

    // Every item recorded once, and none missing; one production, started and sealed once.
    let (items, productions, events, checkpoints) = runtime.block_on(async {
        let items = db.store.production_items(production_id).await.unwrap();
        let productions = db.store.productions(case_id(&case)).await.unwrap();
        let events = db.store.audit_events(0, 100_000).await.unwrap();
        let checkpoints = db.store.checkpoints().await.unwrap();
        let events: Vec<AuditEntry> = events
            .iter()
            .map(|e| AuditEntry::from_canonical_bytes(&e.entry).unwrap())
            .collect();
        (items, productions, events, checkpoints)
    });
    assert_eq!(items.len() as u64, total, "recorded items");
    let keys: BTreeSet<_> = items
        .iter()
        .map(|i| (&i.source, &i.account, &i.key))
        .collect();
    assert_eq!(keys.len(), items.len(), "no item recorded twice");
    let paths: BTreeSet<_> = items.iter().map(|i| &i.path).collect();
    assert_eq!(paths.len(), items.len(), "no path recorded twice");
    let eml = items.iter().filter(|i| i.path.ends_with(".eml")).count();
    assert_eq!(eml, MESSAGES, "every message in the period, once");
    assert_eq!(productions.len(), 1, "one production for the case");
    assert_eq!(productions[0].state, ProductionState::Released);
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for action in ["production.started", "production.sealed"] {
        assert_eq!(
            actions.iter().filter(|a| **a == action).count(),
            1,
            "{action} once in {actions:?}"
        );
    }
    assert!(!checkpoints.is_empty(), "the nodes signed checkpoints");

    // In the bucket: the one sealed file, and no spool left.
    let storage = writ_storage::ProductionStorage::s3(&bucket).unwrap();
    let sealed_files = runtime.block_on(storage.sealed_files()).unwrap();
    assert_eq!(sealed_files.len(), 1, "{sealed_files:?}");
    let spool = writ_storage::testing::curl(
        &bucket,
        &[],
        &format!("?list-type=2&prefix={}/spool/", bucket.prefix),
    )
    .unwrap();
    assert!(
        !spool.contains("<Key>"),
        "the spool was not removed: {spool}"
    );
    runtime.block_on(db.remove()).unwrap();
    eprintln!("{:?}: verified", started.elapsed());
}

/// The figure of bench/RESULTS.md: collecting and sealing ten productions of the same
/// mailbox (`WRIT_BENCH_NODES_MESSAGES` messages, 300 by default) with one node, then
/// with two sharing the work, on one database and one bucket.
#[test]
#[ignore = "a benchmark (bench/RESULTS.md): cargo test -p writ --test cli ten_productions -- --ignored --nocapture"]
fn ten_productions_on_two_nodes_against_one() {
    let messages = std::env::var("WRIT_BENCH_NODES_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let Some(shared) = shared(messages) else {
        return;
    };
    let (from, to) = shared.period;
    let nodes: Vec<(PathBuf, Node<'_>)> = ["node-a", "node-b"]
        .into_iter()
        .map(|name| {
            let (data, config) =
                node_config(shared.dir.path(), name, &shared.sources, &shared.bucket);
            let node = Node {
                config,
                database: shared.db.url(),
                bucket: &shared.bucket,
            };
            (data, node)
        })
        .collect();
    let mut servers = vec![nodes[0].1.serve(&nodes[0].0)];
    let mut took = Vec::new();
    for round in 1..=2 {
        if round == 2 {
            for key in ["audit-log.key", "production.key", "totp-secrets.key"] {
                std::fs::copy(nodes[0].0.join(key), nodes[1].0.join(key)).unwrap();
            }
            servers.push(nodes[1].1.serve(&nodes[1].0));
        }
        let cases: Vec<String> = (0..10)
            .map(|i| {
                let reference = format!("SEA-BENCH-{round}-{i}");
                submit(&servers[0], &shared.people, &reference, from, to)
            })
            .collect();
        let started = stopwatch();
        for case in &cases {
            approve(&servers[0], &shared.people, case);
        }
        let mut items = 0;
        for case in &cases {
            let sealed = wait_for(&servers[0], &shared.people, case, "the seal", |p| {
                p["state"] == "sealed"
            });
            items += sealed["items_done"].as_u64().unwrap();
        }
        let elapsed = started.elapsed();
        println!(
            "{round} node(s): 10 productions ({items} items) collected and sealed in {:.1} s",
            elapsed.as_secs_f64()
        );
        took.push(elapsed.as_secs_f64());
    }
    println!(
        "two nodes against one: {:.2}x the throughput; load average {}",
        took[0] / took[1],
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    for server in servers {
        assert!(server.terminate());
    }
    shared.runtime.block_on(shared.db.remove()).unwrap();
}
