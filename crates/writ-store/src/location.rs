//! Where the database is, chosen by URL: `sqlite:PATH` or `postgres://…`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::StoreError;

/// A database to open. Its `Display` never shows a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file. `create` is set only for writ's own data directory or when the URL
    /// asks for it (`?mode=rwc`): a mistyped path must not start an empty database.
    Sqlite { path: PathBuf, create: bool },
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseLocation {
    /// The default: `writ.db` in the data directory, created on first start.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::Sqlite {
            path: data_dir.join("writ.db"),
            create: true,
        }
    }

    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let invalid = |why: &str| StoreError::InvalidUrl(format!("{}: {why}", redact(url)));
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let Some(rest) = url.strip_prefix("sqlite:") else {
            return Err(invalid("use sqlite:PATH or postgres://USER@HOST/DATABASE"));
        };
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let create = match query {
            "" | "mode=rw" => false,
            "mode=rwc" => true,
            other => {
                return Err(invalid(&format!(
                    "unsupported option {other:?} (only mode=rwc)"
                )));
            }
        };
        if path.is_empty() || path == ":memory:" {
            return Err(invalid(
                "name a database file; an in-memory database would lose every record",
            ));
        }
        Ok(Self::Sqlite {
            path: PathBuf::from(path),
            create,
        })
    }
}

/// The URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { path, .. } => write!(f, "sqlite:{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseLocation({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_only_when_asked() {
        assert_eq!(
            DatabaseLocation::parse("sqlite:///var/lib/writ/writ.db").unwrap(),
            DatabaseLocation::Sqlite {
                path: "/var/lib/writ/writ.db".into(),
                create: false
            }
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:data/writ.db?mode=rwc").unwrap(),
            DatabaseLocation::Sqlite {
                path: "data/writ.db".into(),
                create: true
            }
        );
        assert!(DatabaseLocation::parse("sqlite::memory:").is_err());
        assert!(DatabaseLocation::parse("sqlite:x.db?cache=shared").is_err());
        assert!(DatabaseLocation::parse("mysql://db/writ").is_err());
        assert!(DatabaseLocation::parse("/var/lib/writ.db").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let url = "postgres://writ:hunter2@db.internal:5432/writ";
        let location = DatabaseLocation::parse(url).unwrap();
        for shown in [location.to_string(), format!("{location:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("writ:***@db.internal:5432/writ"), "{shown}");
        }
        let err = DatabaseLocation::parse("mysql://u:hunter2@h/d").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
