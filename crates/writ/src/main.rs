//! The `writ` command.

mod audit;
mod bundle;
mod clock;
mod collect;
mod config;
mod demand;
mod demo;
mod history;
mod policy;
mod report;
mod secrets;
mod serve;
mod telemetry;
mod transparency;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use anyhow::Context;
use writ_core::{Clock, Timestamp};
use writ_store::{DatabaseLocation, Store};

use crate::config::{Config, ConfigError, LogFormat, Overrides};

/// Answer government demands for customer data: lawfully, narrowly, verifiably.
#[derive(Parser)]
#[command(name = "writ", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the web UI and the background work (collections, notices, checkpoints)
    /// until SIGTERM.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// The address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Create a demo provider (authorities, staff, accounts) and serve it. Fresh random
    /// credentials and API tokens are written to the credentials file every time.
    Demo {
        /// The demo's data directory.
        #[arg(long = "data", value_name = "DIR", default_value = "./writ-demo")]
        data_dir: PathBuf,
        /// The address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Where to write the credentials (JSON, mode 0600).
        #[arg(
            long,
            value_name = "FILE",
            default_value = "./writ-demo-credentials.json"
        )]
        credentials: PathBuf,
        /// Seed this many past cases (three years of them, mostly finished) before
        /// serving, to try writ at a provider's scale.
        #[arg(long, value_name = "N", default_value_t = 0)]
        history: u64,
        /// Start another node of the demo in DIR instead: the same database
        /// (WRIT_DATABASE_URL, or DIR's SQLite file), keys, provider data and storage
        /// (WRIT_PRODUCTION__*), with no seeding and no new credentials.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["data_dir", "credentials", "history"])]
        join: Option<PathBuf>,
    },
    /// Write or check configuration files.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Read demands against the policy.
    Demand {
        #[command(subcommand)]
        command: DemandCommand,
    },
    /// The policy rules.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// The cases, summarised as the transparency report counts them.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// The transparency report for a half-year, from the store or from case summaries;
    /// publishing it, and verifying a published one.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Report {
        #[command(subcommand)]
        command: Option<ReportCommand>,
        /// The half-year: 2026-H1 or 2026-H2.
        #[arg(long, value_name = "YYYY-H1|YYYY-H2", required = true)]
        period: Option<String>,
        /// The output: CSV tables, JSON, or an HTML page.
        #[arg(long, value_name = "csv|json|html", default_value = "csv")]
        format: String,
        /// The CSV layout.
        #[arg(long, value_name = "microsoft|google", default_value = "microsoft")]
        style: String,
        /// Case summaries (JSON lines, as `writ cases export` writes) instead of the store.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// The national-security reporting option of 50 U.S.C. 1874 [default: the
        /// config's report.national_security_bands].
        #[arg(long, value_name = "band1000|band500|band250|band100")]
        bands: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// The verifiable audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Run the work that is due now in the foreground, collections (also those that
    /// waited for sources) with a progress bar, then exit.
    Collect {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Productions: the sealed files authorities receive.
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
}

/// Where a command finds writ's data: one definition for every command that reads it.
#[derive(clap::Args)]
struct DataArgs {
    /// A config file (see `writ config example`); WRIT_* variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The data directory, over the config's data_dir [default: ./writ-data; the demo's
    /// is ./writ-demo].
    #[arg(long = "data", value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Check a production as its recipient: decrypt it, check the provider's signature
    /// on its manifest and every item's SHA-256 and size. Exit 0 when it all holds, 1
    /// naming every problem, 2 when it cannot be read.
    Verify {
        /// The production (an age file).
        file: PathBuf,
        /// The authority's age identity file (`AGE-SECRET-KEY-1…`).
        #[arg(long, value_name = "KEY")]
        identity: PathBuf,
        /// The provider's public key (PEM), as `writ bundle key` prints it.
        #[arg(long = "provider-key", value_name = "PUB")]
        provider_key: PathBuf,
    },
    /// Print the provider's public key (PEM) that verifies its productions' signatures.
    Key {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Publish a finished half-year: freeze its public case records and append
    /// report.published (report.corrected, with --reason, for a later version) to the
    /// audit log.
    Publish {
        /// The half-year: 2026-H1 or 2026-H2.
        #[arg(long, value_name = "YYYY-H1|YYYY-H2")]
        period: String,
        /// Why the period is published again (required once it was published).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Check a published report from a writ's public endpoints: every figure and the
    /// root recomputed from its records, and its report.published event in a signed
    /// checkpoint. Exit 0 when it all holds, 1 naming the first that does not.
    Verify {
        /// The writ's address (https://writ.example).
        #[arg(long, value_name = "BASE")]
        url: String,
        /// The half-year: 2026-H1 or 2026-H2.
        #[arg(long, value_name = "YYYY-H1|YYYY-H2")]
        period: String,
        /// A published version [default: the latest].
        #[arg(long, value_name = "N")]
        version: Option<u32>,
        /// The log's verifier key (as `writ audit key` prints it); without it the
        /// checkpoint's signature is not checked.
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: Option<String>,
    },
    /// Check that the case of a transparency receipt is counted: its record in the
    /// published tree, under the root the log holds, in its rows of the report.
    Prove {
        /// The writ's address (https://writ.example).
        #[arg(long, value_name = "BASE")]
        url: String,
        /// The receipt, as the notice gives it (writ-receipt:v1:…).
        #[arg(long, value_name = "RECEIPT")]
        receipt: String,
        /// The log's verifier key (as `writ audit key` prints it).
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// For a monitor run from cron: fetch the log's latest checkpoint, check its
    /// signature and that it extends the one pinned in FILE, then pin it. Exit 1,
    /// saying ALERT, on a bad signature, a fork or a rollback.
    Watch {
        /// The writ's address (https://writ.example).
        #[arg(long, value_name = "BASE")]
        url: String,
        /// Where the last checkpoint seen is pinned (created on the first run).
        #[arg(long, value_name = "FILE")]
        state: PathBuf,
        /// The log's verifier key: needed on the first run, then pinned.
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: Option<String>,
    },
    /// Print the public key that verifies the log's checkpoints (a C2SP note verifier key).
    Key {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Recompute the Merkle tree from every stored event and check every signed
    /// checkpoint against it. Exit 0 only when everything holds; otherwise name the
    /// first bad event.
    Verify {
        /// A config file (see `writ config example`); WRIT_* variables override it.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The data directory (its SQLite database and key).
        #[arg(long = "data", value_name = "DIR", conflicts_with = "database")]
        data_dir: Option<PathBuf>,
        /// A database URL instead (postgres://… or sqlite:PATH).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// The verifier key to hold checkpoints to (as printed by `writ audit key`);
        /// by default, the public half of the key in the data directory.
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum DemandCommand {
    /// Evaluate one demand (native JSON) and print the decision as JSON. Exit 0 when
    /// decided, whatever the verdict; 2 when the demand is invalid; 1 on internal error.
    Check {
        /// The demand (native JSON, as in docs/demand-format.md).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Evaluate as of this time (RFC 3339) instead of now.
        #[arg(long, value_name = "RFC3339")]
        now: Option<Timestamp>,
        /// A directory file, to find enterprise accounts.
        #[arg(long, value_name = "FILE")]
        directory: Option<PathBuf>,
        /// A rules file instead of the built-in rules.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CasesCommand {
    /// Write one JSON line per case: what the transparency report counts.
    Export {
        /// The output format: JSON lines, one case a line.
        #[arg(long, value_name = "jsonl", default_value = "jsonl")]
        format: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Print the built-in rules file, to read or to start counsel's own from.
    Rules,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration with every setting and its default.
    Example,
    /// Check a configuration file (with the WRIT_* environment applied) and say what is wrong.
    Check {
        /// The configuration file (TOML).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// How a command failed, which decides the exit code.
pub(crate) enum Failure {
    /// Input that writ refuses (a config file, a demand): exit 2, with what is wrong.
    Invalid(String),
    /// Anything else: exit 1.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(message)) => {
            eprintln!("writ: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(error)) => {
            eprintln!("writ: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Serve { data, listen } => serve(
            data.config.as_deref(),
            Overrides {
                data_dir: data.data_dir,
                listen,
            },
        ),
        Command::Demo {
            data_dir,
            listen,
            credentials,
            history,
            join,
        } => match join {
            Some(dir) => join_demo(dir, listen),
            None => demo(data_dir, listen, credentials, history),
        },
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print(config::EXAMPLE);
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check { file },
        } => check_config(&file),
        Command::Demand {
            command:
                DemandCommand::Check {
                    file,
                    now,
                    directory,
                    rules,
                },
        } => {
            let rules = policy::load_rules(rules.as_deref(), None).map_err(Failure::Invalid)?;
            let clock = clock::SystemClock;
            let decision = demand::check(&file, now, directory.as_deref(), &rules, &clock)
                .map_err(Failure::Invalid)?;
            print(&decision);
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Key { data },
        } => {
            let config = load_config(data)?;
            let key = audit::load_key(&config.audit_key_file())?;
            print(&format!("{}\n", key.verifier_key()));
            Ok(())
        }
        Command::Collect { data } => {
            let config = load_config(data)?;
            let policy = config
                .policy
                .load()
                .map_err(|e| Failure::Invalid(format!("policy: {e}")))?;
            telemetry::init(config.log_format, "warn");
            let policy = serve::policy(policy);
            runtime()?.block_on(collect::run(config, policy, Arc::new(clock::SystemClock)))?;
            Ok(())
        }
        Command::Bundle {
            command:
                BundleCommand::Verify {
                    file,
                    identity,
                    provider_key,
                },
        } => bundle::verify(&file, &identity, &provider_key),
        Command::Bundle {
            command: BundleCommand::Key { data },
        } => {
            let config = load_config(data)?;
            let key = bundle::load_key(&config.production_key_file())?;
            print(&key.provider_key().to_pem());
            Ok(())
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    config,
                    data_dir,
                    database,
                    key,
                },
        } => verify_audit_log(load_config(DataArgs { config, data_dir })?, database, key),
        Command::Cases {
            command: CasesCommand::Export { format, data },
        } => {
            if format != "jsonl" {
                return Err(Failure::Invalid(format!("--format {format}: only jsonl")));
            }
            let config = load_config(data)?;
            runtime()?.block_on(async {
                use std::io::Write;
                let store = open_store(&config.database()?).await?;
                // A page of summaries at a time, straight out: memory stays flat.
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                let written = store
                    .export_summaries(|s| writeln!(out, "{}", s.to_json_line()))
                    .await;
                store.close().await;
                written??;
                out.flush()?;
                anyhow::Ok(())
            })?;
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Watch { url, state, key },
        } => transparency::watch(&url, &state, key.as_deref()),
        Command::Report {
            command:
                Some(ReportCommand::Publish {
                    period,
                    reason,
                    data,
                }),
            ..
        } => transparency::publish(&load_config(data)?, &period, reason.as_deref()),
        Command::Report {
            command:
                Some(ReportCommand::Verify {
                    url,
                    period,
                    version,
                    key,
                }),
            ..
        } => transparency::verify(&url, &period, version, key.as_deref()),
        Command::Report {
            command: Some(ReportCommand::Prove { url, receipt, key }),
            ..
        } => transparency::prove(&url, &receipt, key.as_deref()),
        Command::Report {
            command: None,
            period,
            format,
            style,
            input,
            bands,
            data,
        } => report::run(report::Request {
            period: period.unwrap_or_default(),
            format,
            style,
            input,
            bands,
            config: load_config(data)?,
        }),
        Command::Policy {
            command: PolicyCommand::Rules,
        } => {
            print(writ_core::policy::DEFAULT_RULES_TOML);
            Ok(())
        }
    }
}

/// The configuration for a command that takes `--config` and `--data`.
fn load_config(data: DataArgs) -> Result<Config, Failure> {
    let overrides = Overrides {
        data_dir: data.data_dir,
        listen: None,
    };
    Config::load(data.config.as_deref(), &overrides).map_err(|e| Failure::Invalid(e.to_string()))
}

/// Opens the store a command reads. A SQLite file that is not there is named once, with
/// the flag that finds it (sqlx would say only "No such file or directory", twice).
pub(crate) async fn open_store(location: &DatabaseLocation) -> anyhow::Result<Store> {
    if let DatabaseLocation::Sqlite { path, .. } = location
        && !path.exists()
    {
        anyhow::bail!(
            "no writ database at {}: name the data directory with --data DIR (the demo's is \
             --data writ-demo), or a config file with --config FILE",
            path.display()
        );
    }
    Ok(Store::open(location).await?)
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Runtime::new().map_err(anyhow::Error::from)?)
}

fn serve(file: Option<&Path>, overrides: Overrides) -> Result<(), Failure> {
    let config = Config::load(file, &overrides).map_err(|e| Failure::Invalid(e.to_string()))?;
    let policy = config
        .policy
        .load()
        .map_err(|e| Failure::Invalid(format!("policy: {e}")))?;
    telemetry::init(config.log_format, "info,sqlx=warn");
    let clock = Arc::new(clock::SystemClock);
    runtime()?.block_on(serve::run(config, policy, clock, |_| Ok(())))?;
    Ok(())
}

fn demo(
    data_dir: PathBuf,
    listen: Option<SocketAddr>,
    credentials: PathBuf,
    history: u64,
) -> Result<(), Failure> {
    let overrides = Overrides {
        data_dir: Some(data_dir),
        listen,
    };
    let mut config = Config::load(None, &overrides).map_err(|e| Failure::Invalid(e.to_string()))?;
    telemetry::init(config.log_format, "info,sqlx=warn");
    let clock = Arc::new(clock::SystemClock);
    runtime()?.block_on(async {
        serve::prepare_data_dir(&config.data_dir)?;
        config.policy.directory = Some(demo::write_directory(&config.data_dir)?);
        demo::write_example_demand(&config.data_dir, clock.now())?;
        config.sources = demo::write_provider(&config.data_dir, clock.now()).await?;
        let policy = config.policy.load().map_err(anyhow::Error::msg)?;
        let store = serve::open_store(&config, clock.now()).await?;
        let mut seeded = demo::seed(&store, clock.as_ref(), &config.data_dir).await;
        if seeded.is_ok() && history > 0 {
            let (rules, directory) = &policy;
            let directory = directory
                .as_ref()
                .map(|d| d as &dyn writ_core::policy::Directory);
            if let Err(e) = history::seed(&store, rules, directory, clock.now(), history).await {
                seeded = Err(e);
            }
        }
        store.close().await;
        let seeded = seeded?;
        let path = credentials.clone();
        serve::run(config, policy, clock, move |address| {
            demo::write_credentials(&path, seeded, address)?;
            tracing::info!(credentials = %path.display(), "demo credentials written");
            Ok(())
        })
        .await
    })?;
    Ok(())
}

/// `writ demo --join DIR`: serves the demo in `DIR` as one more node.
fn join_demo(data_dir: PathBuf, listen: Option<SocketAddr>) -> Result<(), Failure> {
    let overrides = Overrides {
        data_dir: Some(data_dir),
        listen,
    };
    let mut config = Config::load(None, &overrides).map_err(|e| Failure::Invalid(e.to_string()))?;
    telemetry::init(config.log_format, "info,sqlx=warn");
    // The first node made the keys; a node with keys of its own would sign what the
    // others cannot verify. A SQLite demo's database must be there too (with
    // WRIT_DATABASE_URL unset by mistake, a fresh one would be created).
    let mut shared = vec![
        config.audit_key_file(),
        config.production_key_file(),
        config.totp_key_file(),
    ];
    if let DatabaseLocation::Sqlite { path, .. } = config
        .database()
        .map_err(|e| Failure::Invalid(e.to_string()))?
    {
        shared.push(path);
    }
    let (directory, sources) =
        demo::join(&config.data_dir, &shared).map_err(|e| Failure::Invalid(format!("{e:#}")))?;
    config.policy.directory = Some(directory);
    config.sources = sources;
    let policy = config
        .policy
        .load()
        .map_err(|e| Failure::Invalid(format!("policy: {e}")))?;
    let clock = Arc::new(clock::SystemClock);
    runtime()?.block_on(serve::run(config, policy, clock, |_| Ok(())))?;
    Ok(())
}

fn check_config(file: &Path) -> Result<(), Failure> {
    telemetry::init(LogFormat::Text, "warn");
    let invalid = |e: &dyn std::fmt::Display| Failure::Invalid(format!("{}: {e}", file.display()));
    let config = Config::load(Some(file), &Overrides::default()).map_err(|e| match e {
        // It names the file, or the WRIT_* variable, of each problem itself.
        ConfigError::Invalid(_) => Failure::Invalid(e.to_string()),
        e => invalid(&e),
    })?;
    let database = config.database().map_err(|e| invalid(&e))?;
    let (rules, directory) = config
        .policy
        .load()
        .map_err(|e| invalid(&format!("policy: {e}")))?;
    let metrics = match config.metrics.enabled {
        true => config.metrics.listen.to_string(),
        false => "off".to_owned(),
    };
    let rules_file = config
        .policy
        .rules
        .as_ref()
        .map_or("built in".into(), |p| p.display().to_string());
    let directory = match (&config.policy.directory, directory) {
        (Some(path), Some(d)) => format!("{} ({} accounts)", path.display(), d.accounts().len()),
        _ => "none".into(),
    };
    print(&format!(
        "{}: ok\n  data_dir = {}\n  listen = {}\n  database = {database}\n  metrics = {metrics}\n  \
         rules = {rules_file} ({} rows, at most {} targets)\n  directory = {directory}\n  \
         audit = {} (key {})\n  sources = {}\n  productions = {} (key {})\n",
        file.display(),
        config.data_dir.display(),
        config.listen,
        rules.rules().len(),
        rules.max_targets(),
        config.audit.origin,
        config.audit_key_file().display(),
        sources_summary(&config.sources),
        config
            .production_storage()
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
            .describe(),
        config.production_key_file().display(),
    ));
    Ok(())
}

/// `directory, mail (imap), files, records`, or what is missing.
fn sources_summary(sources: &writ_sources::config::SourcesConfig) -> String {
    let mut parts = Vec::new();
    if sources.directory.is_some() {
        parts.push("directory".to_owned());
    }
    if let Some(mail) = &sources.mail {
        parts.push(match (&mail.maildir, &mail.imap) {
            (Some(_), None) => "mail (maildir)".to_owned(),
            (None, Some(_)) => "mail (imap)".to_owned(),
            _ => "mail (configure exactly one of maildir and imap)".to_owned(),
        });
    }
    if sources.files.is_some() {
        parts.push("files".to_owned());
    }
    if sources.records.is_some() {
        parts.push("records".to_owned());
    }
    match (parts.is_empty(), sources.is_configured()) {
        (true, _) => "none (approved cases wait for collection)".to_owned(),
        (false, false) => format!("{} (no directory: nothing is collected)", parts.join(", ")),
        (false, true) => parts.join(", "),
    }
}

fn verify_audit_log(
    config: Config,
    database: Option<String>,
    key: Option<String>,
) -> Result<(), Failure> {
    telemetry::init(LogFormat::Text, "warn");
    let location = match database {
        Some(url) => DatabaseLocation::parse(&url),
        None => config.database(),
    }
    .map_err(|e| Failure::Invalid(e.to_string()))?;
    let key = match key {
        Some(key) => key,
        None => audit::load_key(&config.audit_key_file())
            .context("no --key given, and no key in the data directory")?
            .verifier_key(),
    };
    let verification = runtime()?.block_on(async {
        let store = open_store(&location).await?;
        let verification = store.verify_audit_log(&key).await;
        store.close().await;
        anyhow::Ok(verification?)
    })?;
    print(&audit::report(&verification));
    match verification.problems.first() {
        None => Ok(()),
        Some(first) => Err(Failure::Internal(anyhow::anyhow!(
            "the audit log does not verify: {first}"
        ))),
    }
}

/// Prints a command's output. (Logs go to stderr; stdout is the command's answer.)
#[allow(clippy::print_stdout)]
pub(crate) fn print(text: &str) {
    print!("{text}");
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every argument of every subcommand, as `writ help` lists them, says what it is.
    #[test]
    fn every_option_of_every_subcommand_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", command.get_name());
            if command.get_about().is_none() {
                missing.push(path.clone());
            }
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.get_help().is_none() && id != "help" && id != "version" {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert_eq!(missing, Vec::<String>::new(), "without help");
    }
}
