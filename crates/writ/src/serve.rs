//! `writ serve`: the server, until SIGTERM or Ctrl-C.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusBuilder;
use tokio::net::TcpListener;
use writ_app::checkpoint::Checkpointer;
use writ_app::{App, Policy};
use writ_core::policy::{Directory, DirectoryFile, Rules};
use writ_core::{Actor, AuditEntry, Clock};
use writ_store::Store;

use crate::config::Config;
use crate::{audit, bundle, secrets};
use writ_app::production::Productions;

/// Serves until SIGTERM or Ctrl-C. `on_listening` runs once the API listens (the demo
/// writes its credentials file then, with the real address).
pub async fn run(
    config: Config,
    (rules, directory): (Rules, Option<DirectoryFile>),
    clock: Arc<dyn Clock>,
    on_listening: impl FnOnce(std::net::SocketAddr) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    prepare_data_dir(&config.data_dir)?;
    let key = Arc::new(audit::load_or_create_key(
        &config.audit_key_file(),
        &config.audit.origin,
    )?);
    let database = config.database()?;
    let store = open_store(&config, clock.now()).await?;

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr()?;

    if config.metrics.enabled {
        let metrics = TcpListener::bind(config.metrics.listen)
            .await
            .with_context(|| format!("listening for metrics on {}", config.metrics.listen))?;
        let handle = PrometheusBuilder::new()
            .install_recorder()
            .context("installing the metrics recorder")?;
        tracing::info!(address = %metrics.local_addr()?, "metrics listening");
        tokio::spawn(async move {
            let app = writ_server::metrics_router(handle);
            if let Err(error) = writ_server::serve(metrics, app, std::future::pending()).await {
                tracing::error!(%error, "metrics listener stopped");
            }
        });
    }

    let started = AuditEntry::new(clock.now(), Actor::System, "system.started").with_details(
        serde_json::json!({"version": env!("CARGO_PKG_VERSION"), "listen": address.to_string()}),
    );
    store
        .record(&started)
        .await
        .context("recording the start in the audit log")?;

    let policy = policy((rules, directory));
    let mut state = App::new(store.clone(), clock.clone(), Arc::new(policy));
    state.report_bands = config.report.national_security_bands;
    state.report_assistance = config.report.assistance_orders;
    state.deadlines = config.deadlines.deadlines();
    if state.deadlines.on_call.is_none() {
        tracing::warn!("no [deadlines] on_call address: deadline escalations wait for one");
    }
    match productions(&config).await? {
        Some(productions) => state = state.with_productions(productions),
        None => tracing::warn!("no [sources] configured: approved cases wait for collection"),
    }
    match config.smtp.settings() {
        Some(settings) => {
            let mailer = writ_app::mailer::SmtpMailer::new(&settings)
                .context("setting up the SMTP server for notices (the [smtp] configuration)")?;
            state = state.with_mailer(Arc::new(mailer));
        }
        None => tracing::warn!("no [smtp] host configured: notices wait in the outbox"),
    }
    let checkpointer = Checkpointer {
        store: store.clone(),
        key,
        clock: clock.clone(),
        every_events: config.audit.checkpoint_every_events.max(1),
        every: time::Duration::seconds(
            i64::try_from(config.audit.checkpoint_every_seconds).unwrap_or(i64::MAX),
        ),
    };
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let background = tokio::spawn(checkpointer.clone().run(until_stopping(stopping.clone())));
    // The one job runner: collections, notices, hold expiries, by the clock.
    let worker = {
        let name = format!("writ-{}-{}", std::process::id(), uuid_suffix());
        tokio::spawn(writ_app::jobs::runner::work(
            state.clone(),
            name,
            std::time::Duration::from_secs(1),
            until_stopping(stopping.clone()),
        ))
    };
    let signal = shutdown_signal()?;
    tokio::spawn(async move {
        signal.await;
        let _ = stop.send(true);
    });

    on_listening(address)?;
    tracing::info!(%address, data_dir = %config.data_dir.display(), %database, "serving");
    writ_server::serve(
        listener,
        writ_server::router(writ_server::AppState(state)),
        until_stopping(stopping),
    )
    .await?;
    let _ = background.await;
    let _ = worker.await;

    // Requests in flight have finished: record the stop, sign the log up to it, and let
    // SQLite checkpoint its write-ahead log.
    let stopped = AuditEntry::new(clock.now(), Actor::System, "system.stopped");
    store
        .record(&stopped)
        .await
        .context("recording the stop in the audit log")?;
    checkpointer
        .checkpoint()
        .await
        .context("signing the final audit checkpoint")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Opens the database with the key its TOTP secrets are sealed with (created at first
/// start), sealing those an older writ stored in plaintext.
pub async fn open_store(config: &Config, now: writ_core::Timestamp) -> anyhow::Result<Store> {
    let database = config.database()?;
    let store = Store::open(&database)
        .await
        .with_context(|| format!("opening the database {database}"))?;
    let key_file = config.totp_key_file();
    let store = store.with_secrets_key(secrets::load_or_create_key(&key_file)?);
    store.seal_plaintext_secrets(now).await.with_context(|| {
        format!(
            "sealing TOTP secrets with the key {} (is it this database's?)",
            key_file.display()
        )
    })?;
    Ok(store)
}

/// Creates the data directory on first start, readable only by writ's user. Its parent
/// must exist: a mistyped path should fail, not start an empty writ somewhere else.
pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    anyhow::ensure!(
        !dir.exists(),
        "data directory {} is not a directory",
        dir.display()
    );
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    anyhow::ensure!(
        parent.is_dir(),
        "the parent of the data directory {} does not exist; create it, or check the path",
        dir.display()
    );
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))?;
    tracing::info!(data_dir = %dir.display(), "created a new data directory");
    Ok(())
}

/// Resolves once the shutdown flag is raised.
async fn until_stopping(mut flag: tokio::sync::watch::Receiver<bool>) {
    let _ = flag.wait_for(|stopping| *stopping).await;
}

/// Watches for SIGTERM from now on (so a signal sent as soon as writ says it is serving
/// is not lost), and resolves on SIGTERM or Ctrl-C.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("watching for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

/// The policy engine's rules and directory, as the server holds them.
pub fn policy((rules, directory): (Rules, Option<DirectoryFile>)) -> Policy {
    Policy {
        rules,
        directory: directory.map(|d| Arc::new(d) as Arc<dyn Directory>),
    }
}

/// How productions are made here: the production key (created at first start), the
/// sources of `[sources]`, and where sealed files go. `None` without sources.
pub async fn productions(config: &Config) -> anyhow::Result<Option<Productions>> {
    let key = bundle::load_or_create_key(&config.production_key_file())?;
    let collector = config
        .sources
        .connect()
        .await
        .context("connecting to the provider's sources (the [sources] configuration)")?;
    let directory = config.production_dir();
    let hours = i64::try_from(config.production.link_ttl_hours).unwrap_or(24);
    let lease = i64::try_from(config.production.lease_seconds)
        .unwrap_or(60)
        .max(1);
    Ok(collector.map(|collector| {
        Productions::new(
            collector,
            key,
            directory.clone(),
            directory.join("spool"),
            time::Duration::hours(hours),
            time::Duration::seconds(lease),
        )
    }))
}

/// Tells apart workers of processes that reuse a PID (containers).
pub fn uuid_suffix() -> String {
    let id = writ_core::CaseId::random().to_string();
    id.get(..8).unwrap_or(&id).to_owned()
}
