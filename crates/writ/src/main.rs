//! The `writ` command.

mod clock;
mod config;
mod demand;
mod policy;
mod serve;
mod telemetry;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use writ_core::Timestamp;

use crate::config::{Config, LogFormat, Overrides};

/// Answer government demands for customer data: lawfully, narrowly, verifiably.
#[derive(Parser)]
#[command(name = "writ", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and later the web UI and background work) until SIGTERM.
    Serve {
        /// A config file (see `writ config example`).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The data directory [default: ./writ-data].
        #[arg(long = "data", value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// The address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
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
}

#[derive(Subcommand)]
enum DemandCommand {
    /// Evaluate one demand (native JSON) and print the decision as JSON. Exit 0 when
    /// decided, whatever the verdict; 2 when the demand is invalid; 1 on internal error.
    Check {
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
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// How a command failed, which decides the exit code.
enum Failure {
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
        Command::Serve {
            config,
            data_dir,
            listen,
        } => {
            let overrides = Overrides { data_dir, listen };
            let config = Config::load(config.as_deref(), &overrides)
                .map_err(|e| Failure::Invalid(e.to_string()))?;
            let policy = config
                .policy
                .load()
                .map_err(|e| Failure::Invalid(format!("policy: {e}")))?;
            telemetry::init(config.log_format, "info,sqlx=warn");
            let runtime = tokio::runtime::Runtime::new().map_err(anyhow::Error::from)?;
            runtime.block_on(serve::run(config, policy, Arc::new(clock::SystemClock)))?;
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print(config::EXAMPLE);
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check { file },
        } => {
            telemetry::init(LogFormat::Text, "warn");
            let config = Config::load(Some(&file), &Overrides::default())
                .map_err(|e| Failure::Invalid(format!("{}: {e}", file.display())))?;
            let database = config.database().map_err(anyhow::Error::from)?;
            let (rules, directory) = config
                .policy
                .load()
                .map_err(|e| Failure::Invalid(format!("{}: policy: {e}", file.display())))?;
            print(&format!(
                "{}: ok\n  data_dir = {}\n  listen = {}\n  database = {}\n  metrics = {}\n  \
                 rules = {} ({} rows, at most {} targets)\n  directory = {}\n",
                file.display(),
                config.data_dir.display(),
                config.listen,
                database,
                if config.metrics.enabled {
                    config.metrics.listen.to_string()
                } else {
                    "off".into()
                },
                config
                    .policy
                    .rules
                    .as_ref()
                    .map_or("built in".into(), |p| p.display().to_string()),
                rules.rules().len(),
                rules.max_targets(),
                match (&config.policy.directory, directory) {
                    (Some(path), Some(d)) =>
                        format!("{} ({} accounts)", path.display(), d.accounts().len()),
                    _ => "none".into(),
                },
            ));
            Ok(())
        }
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
            let decision = demand::check(
                &file,
                now,
                directory.as_deref(),
                &rules,
                &clock::SystemClock,
            )
            .map_err(Failure::Invalid)?;
            print(&decision);
            Ok(())
        }
        Command::Policy {
            command: PolicyCommand::Rules,
        } => {
            print(writ_core::policy::DEFAULT_RULES_TOML);
            Ok(())
        }
    }
}

/// Prints a command's output. (Logs go to stderr; stdout is the command's answer.)
#[allow(clippy::print_stdout)]
fn print(text: &str) {
    print!("{text}");
}
