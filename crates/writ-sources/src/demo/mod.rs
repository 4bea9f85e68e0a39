//! The demo provider: realistic synthetic data over a year (mailboxes with threads and
//! MIME attachments, files, subscriber records, IP logs, call records and messages),
//! so the whole path from demand to download works out of the box, and so tests and
//! benchmarks have corpora of any size. Deterministic for a given seed.

pub mod files;
pub mod mail;
pub mod records;

use writ_core::demand::Period;

/// One account of the demo provider, as the generators share it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    /// `acc-alice`
    pub id: String,
    /// `Alice Martin`
    pub name: String,
    /// `alice@example.com`
    pub email: String,
    /// E.164, `+12065550123`
    pub phone: Option<String>,
    /// `alice`
    pub username: String,
    /// The enterprise tenant's id (`contoso`), for an enterprise account.
    pub tenant: Option<String>,
}

/// An enterprise tenant of the demo provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoTenant {
    pub id: String,
    pub name: String,
    pub seats: u32,
    pub admin_email: String,
}

/// The demo's named accounts: two consumers (US, DE) and two seats of an enterprise
/// tenant, the ones `writ demo`'s example demands name.
pub fn named_accounts() -> (Vec<DemoAccount>, Vec<DemoTenant>) {
    let account = |id: &str, name: &str, email: &str, phone: Option<&str>, tenant: Option<&str>| {
        DemoAccount {
            id: format!("acc-{id}"),
            name: name.to_owned(),
            email: email.to_owned(),
            phone: phone.map(str::to_owned),
            username: id.to_owned(),
            tenant: tenant.map(str::to_owned),
        }
    };
    let accounts = vec![
        account(
            "alice",
            "Alice Martin",
            "alice@example.com",
            Some("+12065550123"),
            None,
        ),
        account(
            "bruno",
            "Bruno Keller",
            "bruno@example.de",
            Some("+4930555012"),
            None,
        ),
        account(
            "chen",
            "Chen Wei",
            "chen@contoso.example",
            None,
            Some("contoso"),
        ),
        account(
            "dana",
            "Dana Okafor",
            "dana@contoso.example",
            None,
            Some("contoso"),
        ),
    ];
    let tenants = vec![DemoTenant {
        id: "contoso".to_owned(),
        name: "Contoso Ltd".to_owned(),
        seats: 250,
        admin_email: "it-admin@contoso.example".to_owned(),
    }];
    (accounts, tenants)
}

/// `count` consumer accounts (`acc-u00042`, `u00042@example.net`), for tests and
/// benchmarks that need a store of a given size.
pub fn synthetic_accounts(count: usize) -> Vec<DemoAccount> {
    (0..count)
        .map(|i| DemoAccount {
            id: format!("acc-u{i:05}"),
            name: format!("User {i:05}"),
            email: format!("u{i:05}@example.net"),
            phone: Some(format!("+1206555{:04}", i % 10_000)),
            username: format!("u{i:05}"),
            tenant: None,
        })
        .collect()
}

/// What the generators are asked for: whose data, over which year, from which seed.
#[derive(Clone, Debug)]
pub struct DemoSpec {
    pub accounts: Vec<DemoAccount>,
    pub tenants: Vec<DemoTenant>,
    /// The span the data covers (a year up to `now` for `writ demo`).
    pub period: Period,
    pub seed: u64,
}

impl DemoSpec {
    /// The named accounts and tenants ([`named_accounts`]) over `period`.
    pub fn named(period: Period, seed: u64) -> Self {
        let (accounts, tenants) = named_accounts();
        Self {
            accounts,
            tenants,
            period,
            seed,
        }
    }
}

/// The named accounts from `from` to `to` (RFC 3339), for the generators' tests.
#[cfg(test)]
fn test_spec(from: &str, to: &str, seed: u64) -> DemoSpec {
    let at = |text| writ_core::Timestamp::parse(text).unwrap();
    DemoSpec::named(Period::new(at(from), at(to)).unwrap(), seed)
}

/// How much the demo provider holds per account.
#[derive(Clone, Debug)]
pub struct ProviderVolume {
    pub messages_per_account: usize,
    pub files: files::FileVolume,
    pub records: records::RecordVolume,
}

impl Default for ProviderVolume {
    fn default() -> Self {
        Self {
            messages_per_account: 200,
            files: files::FileVolume::default(),
            records: records::RecordVolume::default(),
        }
    }
}

/// Why the demo provider could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the demo provider's records: {0}")]
    Records(#[from] records::RecordsError),
    #[error("the demo provider's mail: {0}")]
    Mail(#[from] mail::DemoMailError),
    #[error("the demo provider's files: {0}")]
    Files(#[from] files::FilesError),
    #[error("the demo provider's folder {path}: {error}")]
    Io {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
}

/// Writes a whole demo provider under `dir` — a SQLite database with its directory and
/// records (`provider.db`), Maildir mailboxes (`mail/`) and files (`files/`) — and
/// returns the `[sources]` configuration that reads it. Mail goes to `imap` instead
/// when one is given (a Dovecot with a master user).
pub async fn write_provider(
    dir: &std::path::Path,
    spec: &DemoSpec,
    volume: &ProviderVolume,
    imap: Option<&crate::mail::ImapConfig>,
) -> Result<crate::config::SourcesConfig, ProviderError> {
    let io = |path: &std::path::Path| {
        let path = path.to_owned();
        move |error| ProviderError::Io { path, error }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let database = format!("sqlite://{}?mode=rwc", dir.join("provider.db").display());
    records::write_records(&database, spec, &volume.records).await?;
    match imap {
        Some(imap) => mail::append_imap(imap, spec, volume.messages_per_account).await?,
        None => mail::write_maildir(&dir.join("mail"), spec, volume.messages_per_account)?,
    };
    let files_root = dir.join("files");
    std::fs::create_dir_all(&files_root).map_err(io(&files_root))?;
    files::write_local_files(&files_root, spec, &volume.files).await?;
    Ok(provider_sources(dir, imap))
}

/// The `[sources]` configuration that reads the demo provider [`write_provider`] wrote
/// under `dir` (with its mail in `imap` when given): what another node of the same demo
/// reads it with.
pub fn provider_sources(
    dir: &std::path::Path,
    imap: Option<&crate::mail::ImapConfig>,
) -> crate::config::SourcesConfig {
    let read_only = crate::records::DatabaseUrl::new(format!(
        "sqlite://{}?mode=ro",
        dir.join("provider.db").display()
    ));
    let mail = match imap {
        Some(imap) => crate::config::MailConfig {
            maildir: None,
            imap: Some(imap.clone()),
        },
        None => crate::config::MailConfig {
            maildir: Some(crate::mail::MaildirConfig::new(dir.join("mail"))),
            imap: None,
        },
    };
    crate::config::SourcesConfig {
        directory: Some(crate::directory::DirectoryConfig {
            database: read_only.clone(),
            queries: Default::default(),
        }),
        mail: Some(mail),
        files: Some(crate::files::FileSourceConfig {
            local: Some(crate::files::LocalStoreConfig {
                root: dir.join("files"),
            }),
            s3: None,
            prefix: None,
        }),
        records: Some(crate::records::RecordSourceConfig {
            database: read_only,
            tables: None,
        }),
    }
}
