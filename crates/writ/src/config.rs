//! writ's configuration: one typed value, layered defaults < file < env < flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use writ_store::DatabaseLocation;

/// The commented example printed by `writ config example`.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// May hold a password: kept secret, never printed.
    pub database_url: Option<SecretString>,
    pub log_format: LogFormat,
    pub metrics: MetricsConfig,
    pub policy: PolicyConfig,
    pub audit: AuditConfig,
    pub report: ReportConfig,
    pub production: ProductionConfig,
    /// The SMTP server notices go out through; without `host`, notices wait in the outbox.
    pub smtp: SmtpConfig,
    /// When a case's deadline escalates to the on-call approver.
    pub deadlines: DeadlinesConfig,
    /// The provider's services collection reads from; none configured, approved cases
    /// wait for collection.
    pub sources: writ_sources::config::SourcesConfig,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductionConfig {
    /// The Ed25519 key that signs productions; unset, `production.key` in the data
    /// directory (created at first start).
    pub key_file: Option<PathBuf>,
    /// Where sealed productions (and collections in progress) are kept; unset,
    /// `productions` in the data directory.
    pub directory: Option<PathBuf>,
    /// How long a download link is valid.
    pub link_ttl_hours: u64,
    /// How long a worker holds a collection job without renewing it before another
    /// worker may take it over.
    pub lease_seconds: u64,
}

impl Default for ProductionConfig {
    fn default() -> Self {
        Self {
            key_file: None,
            directory: None,
            link_ttl_hours: 24,
            lease_seconds: 60,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeadlinesConfig {
    /// Fractions of the time to a deadline at which the on-call approver is e-mailed.
    pub escalate_at: Vec<f64>,
    /// The on-call approver's address (emergencies page it at once).
    pub on_call: Option<String>,
}

impl Default for DeadlinesConfig {
    fn default() -> Self {
        let defaults = writ_app::jobs::Deadlines::default();
        Self {
            escalate_at: defaults.escalate_at,
            on_call: defaults.on_call,
        }
    }
}

impl DeadlinesConfig {
    pub fn deadlines(&self) -> writ_app::jobs::Deadlines {
        writ_app::jobs::Deadlines {
            escalate_at: self.escalate_at.clone(),
            on_call: self.on_call.clone(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// The SMTP server; unset, no notice is sent (they wait in the outbox).
    pub host: Option<String>,
    pub port: u16,
    /// `starttls` (required) or `none` (a relay on a trusted network).
    pub tls: writ_app::mailer::SmtpTls,
    /// The sender of notices.
    pub from: String,
    pub username: Option<String>,
    /// Set it in the environment (`WRIT_SMTP__PASSWORD`), not in the file.
    pub password: Option<SecretString>,
    pub timeout_seconds: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: None,
            port: 587,
            tls: writ_app::mailer::SmtpTls::Starttls,
            from: "Legal <legal@localhost>".to_owned(),
            username: None,
            password: None,
            timeout_seconds: 30,
        }
    }
}

impl SmtpConfig {
    /// The settings to send with, when a server is configured.
    pub fn settings(&self) -> Option<writ_app::mailer::SmtpSettings> {
        Some(writ_app::mailer::SmtpSettings {
            host: self.host.clone()?,
            port: self.port,
            tls: self.tls,
            from: self.from.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            timeout: std::time::Duration::from_secs(self.timeout_seconds.max(1)),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// The 50 U.S.C. 1874 option for national-security figures.
    pub national_security_bands: writ_report::BandOption,
    /// Assistance orders (All Writs Act orders, technical capability notices) are
    /// secret by statute: `omit` them, or publish them in the same `bands`.
    pub assistance_orders: writ_report::AssistanceOption,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            national_security_bands: writ_report::BandOption::Band1000,
            assistance_orders: writ_report::AssistanceOption::Omit,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The log's name in its checkpoints (a C2SP origin, like a URL without a scheme).
    pub origin: String,
    /// The log's signing key; unset, `audit-log.key` in the data directory.
    pub key_file: Option<PathBuf>,
    /// Sign a checkpoint at least every this many events...
    pub checkpoint_every_events: u64,
    /// ...and at least this often while events arrive.
    pub checkpoint_every_seconds: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            origin: "localhost/writ-audit".to_owned(),
            key_file: None,
            checkpoint_every_events: 100,
            checkpoint_every_seconds: 10,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Counsel's rules file; unset, the rules embedded in writ.
    pub rules: Option<PathBuf>,
    /// Overrides the rules' bulk limit.
    pub max_targets: Option<usize>,
    /// The offline directory file (accounts and enterprise tenants).
    pub directory: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    pub enabled: bool,
    pub listen: SocketAddr,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./writ-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            log_format: LogFormat::Text,
            metrics: MetricsConfig::default(),
            policy: PolicyConfig::default(),
            audit: AuditConfig::default(),
            report: ReportConfig::default(),
            production: ProductionConfig::default(),
            smtp: SmtpConfig::default(),
            deadlines: DeadlinesConfig::default(),
            sources: writ_sources::config::SourcesConfig::default(),
        }
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 9464)),
        }
    }
}

/// What the command line may override.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}", describe(.0))]
    Invalid(#[from] Box<figment::Error>),
    #[error("database_url: {0}")]
    Database(#[from] writ_store::StoreError),
}

/// Every problem on a line of its own: which key, where it was set, and for an unknown key
/// the keys allowed beside it. (figment's own message nests backticks, names the profile,
/// `default.lisen`, and the file twice.)
fn describe(error: &figment::Error) -> String {
    error
        .clone()
        .into_iter()
        .map(|e| {
            let source = match &e.metadata {
                Some(md) => match md.source.as_ref().and_then(|s| s.file_path()) {
                    Some(path) => format!(" in {}", path.display()),
                    None => format!(" in {}", md.name),
                },
                None => String::new(),
            };
            let key = e.path.join(".");
            match &e.kind {
                figment::error::Kind::UnknownField(_, allowed) => {
                    let section = match e.path.split_last() {
                        Some((_, parent)) if !parent.is_empty() => {
                            format!("[{}]", parent.join("."))
                        }
                        _ => "the top level".to_owned(),
                    };
                    format!(
                        "unknown key `{key}`{source}; {section} allows: {}",
                        allowed.join(", ")
                    )
                }
                // A file's error (one that is not there) ends in a line break.
                kind if key.is_empty() => {
                    format!("{}{source}", kind.to_string().trim_end())
                }
                kind => format!("`{key}`{source}: {}", kind.to_string().trim_end()),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `WRIT_LOG` (the log filter) and `WRIT_TEST_*` (for tests) are not settings.
fn is_setting(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    // Test harnesses, the demo and scripts/test keep their own WRIT_* variables.
    key != "log"
        && !["test_", "demo_", "services_", "bench_"]
            .iter()
            .any(|prefix| key.starts_with(prefix))
}

impl Config {
    /// Defaults, then `file` (which must exist if given), then `WRIT_*`, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let env = Env::prefixed("WRIT_")
            .filter(|key| is_setting(key.as_str()))
            .split("__");
        let config: Config = figment
            .merge(env)
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)?;
        config.database()?;
        Ok(config)
    }

    /// The audit log's signing key file.
    pub fn audit_key_file(&self) -> PathBuf {
        self.audit
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-log.key"))
    }

    /// The production signing key file.
    pub fn production_key_file(&self) -> PathBuf {
        self.production
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("production.key"))
    }

    /// The key TOTP secrets are sealed with in the database.
    pub fn totp_key_file(&self) -> PathBuf {
        self.data_dir.join("totp-secrets.key")
    }

    /// Where sealed productions are kept (collections in progress in `spool` under it).
    pub fn production_dir(&self) -> PathBuf {
        self.production
            .directory
            .clone()
            .unwrap_or_else(|| self.data_dir.join("productions"))
    }

    /// The database to open: the configured URL, or SQLite in the data directory.
    pub fn database(&self) -> Result<DatabaseLocation, writ_store::StoreError> {
        match &self.database_url {
            Some(url) => DatabaseLocation::parse(url.expose_secret()),
            None => Ok(DatabaseLocation::in_data_dir(&self.data_dir)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail returns its own error type
mod tests {
    use super::*;
    use figment::Jail;

    fn load_in(jail: &Jail, file: Option<&str>, overrides: &Overrides) -> Result<Config, String> {
        let path = file.map(|text| {
            jail.create_file("writ.toml", text).unwrap();
            PathBuf::from("writ.toml")
        });
        Config::load(path.as_deref(), overrides).map_err(|e| e.to_string())
    }

    #[test]
    fn the_example_is_valid_and_shows_every_setting() {
        Jail::expect_with(|jail| {
            let config = load_in(jail, Some(EXAMPLE), &Overrides::default()).unwrap();
            assert_eq!(config.listen, Config::default().listen);
            assert_eq!(config.metrics, MetricsConfig::default());
            // Uncommenting every setting gives a valid file too: no stale names.
            let uncommented = EXAMPLE
                .replace("\n#data_dir", "\ndata_dir")
                .replace("\n#listen", "\nlisten")
                .replace("\n#database_url", "\ndatabase_url")
                .replace("\n#log_format", "\nlog_format")
                .replace("\n#enabled", "\nenabled")
                .replace("\n#max_targets", "\nmax_targets")
                .replace("\n#origin", "\norigin")
                .replace("\n#checkpoint_every_events", "\ncheckpoint_every_events")
                .replace("\n#checkpoint_every_seconds", "\ncheckpoint_every_seconds")
                .replace("\n#national_security_bands", "\nnational_security_bands")
                .replace("\n#assistance_orders", "\nassistance_orders")
                .replace("\n#link_ttl_hours", "\nlink_ttl_hours")
                .replace("\n#lease_seconds", "\nlease_seconds")
                .replace("\n#host", "\nhost")
                .replace("\n#port", "\nport")
                .replace("\n#tls", "\ntls")
                .replace("\n#from", "\nfrom")
                .replace("\n#username", "\nusername")
                .replace("\n#timeout_seconds", "\ntimeout_seconds")
                .replace("\n#escalate_at", "\nescalate_at")
                .replace("\n#on_call", "\non_call");
            let config = load_in(jail, Some(&uncommented), &Overrides::default()).unwrap();
            assert_eq!(config.log_format, LogFormat::Text);
            assert!(config.database_url.is_some());
            assert_eq!(config.policy.max_targets, Some(100));
            assert_eq!(config.audit, AuditConfig::default());
            for key in [
                "data_dir",
                "listen",
                "database_url",
                "log_format",
                "[metrics]",
                "enabled",
                "[policy]",
                "rules",
                "max_targets",
                "directory",
                "[production]",
                "link_ttl_hours",
                "lease_seconds",
                "[sources.directory]",
                "[sources.mail.imap]",
                "[sources.files.s3]",
                "[sources.records]",
                "[smtp]",
                "host",
                "tls",
                "from",
                "username",
                "WRIT_SMTP__PASSWORD",
                "timeout_seconds",
                "[deadlines]",
                "escalate_at",
                "on_call",
            ] {
                assert!(EXAMPLE.contains(key), "the example documents {key}");
            }
            Ok(())
        });
    }

    #[test]
    fn layers_apply_in_order_defaults_file_env_flags() {
        Jail::expect_with(|jail| {
            let file = "data_dir = \"/from/file\"\nlisten = \"127.0.0.1:1111\"\n[metrics]\nlisten = \"127.0.0.1:2222\"\n";
            let config = load_in(jail, Some(file), &Overrides::default()).unwrap();
            assert_eq!(config.data_dir, PathBuf::from("/from/file"));
            assert_eq!(config.listen.port(), 1111);
            assert_eq!(config.metrics.listen.port(), 2222);

            jail.set_env("WRIT_LISTEN", "127.0.0.1:3333");
            jail.set_env("WRIT_METRICS__ENABLED", "false");
            let config = load_in(jail, Some(file), &Overrides::default()).unwrap();
            assert_eq!(config.listen.port(), 3333, "env beats the file");
            assert!(!config.metrics.enabled);
            assert_eq!(config.data_dir, PathBuf::from("/from/file"));

            let flags = Overrides {
                data_dir: Some("/from/flag".into()),
                listen: Some("127.0.0.1:4444".parse().unwrap()),
            };
            let config = load_in(jail, Some(file), &flags).unwrap();
            assert_eq!(config.listen.port(), 4444, "flags beat env");
            assert_eq!(config.data_dir, PathBuf::from("/from/flag"));
            Ok(())
        });
    }

    #[test]
    fn mistakes_are_named() {
        Jail::expect_with(|jail| {
            let err =
                load_in(jail, Some("lisen = \"127.0.0.1:1\""), &Overrides::default()).unwrap_err();
            assert!(err.contains("lisen"), "{err}");
            let err =
                load_in(jail, Some("listen = \"localhost\""), &Overrides::default()).unwrap_err();
            assert!(err.contains("listen"), "{err}");
            let err =
                load_in(jail, Some("[metrics]\nport = 1"), &Overrides::default()).unwrap_err();
            assert!(err.contains("port"), "{err}");
            let err = load_in(
                jail,
                Some("database_url = \"mysql://x\""),
                &Overrides::default(),
            )
            .unwrap_err();
            assert!(err.contains("database_url"), "{err}");
            let policy = |text| {
                load_in(jail, Some(text), &Overrides::default())
                    .unwrap()
                    .policy
                    .load()
            };
            let err = policy("[policy]\nrules = \"nope.toml\"").unwrap_err();
            assert!(err.contains("nope.toml"), "{err}");
            jail.create_file("bad-rules.toml", "[[rule]]\nid = \"X-9\"\n")?;
            let err = policy("[policy]\nrules = \"bad-rules.toml\"").unwrap_err();
            assert!(
                err.contains("bad-rules.toml") && err.contains("rule"),
                "{err}"
            );
            jail.create_file("dir.json", "{\"accounts\": 5}")?;
            let err = policy("[policy]\ndirectory = \"dir.json\"").unwrap_err();
            assert!(
                err.contains("dir.json") && err.contains("accounts"),
                "{err}"
            );
            jail.set_env("WRIT_COLOUR", "blue");
            let err = load_in(jail, None, &Overrides::default()).unwrap_err();
            assert!(err.contains("colour"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        Jail::expect_with(|_| {
            let err =
                Config::load(Some(Path::new("nope.toml")), &Overrides::default()).unwrap_err();
            assert!(err.to_string().contains("nope.toml"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn test_and_log_variables_are_not_settings() {
        Jail::expect_with(|jail| {
            jail.set_env("WRIT_LOG", "debug");
            jail.set_env("WRIT_TEST_DATABASE_URL", "postgres://x@y/z");
            assert!(load_in(jail, None, &Overrides::default()).is_ok());
            Ok(())
        });
    }

    #[test]
    fn the_smtp_password_comes_from_the_environment_and_never_shows() {
        Jail::expect_with(|jail| {
            jail.set_env("WRIT_SMTP__PASSWORD", "hunter2");
            let file = "[smtp]\nhost = \"mail.example\"\ntls = \"none\"\nusername = \"writ\"\n";
            let config = load_in(jail, Some(file), &Overrides::default()).unwrap();
            let settings = config.smtp.settings().unwrap();
            assert_eq!(settings.host, "mail.example");
            assert_eq!(settings.tls, writ_app::mailer::SmtpTls::None);
            assert!(settings.password.is_some());
            assert!(!format!("{config:?}").contains("hunter2"));
            let err =
                load_in(jail, Some("[smtp]\ntls = \"ssl\""), &Overrides::default()).unwrap_err();
            assert!(err.contains("tls"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_database_password_never_shows_in_debug() {
        Jail::expect_with(|jail| {
            jail.set_env("WRIT_DATABASE_URL", "postgres://writ:hunter2@db/writ");
            let config = load_in(jail, None, &Overrides::default()).unwrap();
            assert!(!format!("{config:?}").contains("hunter2"));
            assert!(!config.database().unwrap().to_string().contains("hunter2"));
            Ok(())
        });
    }
}
