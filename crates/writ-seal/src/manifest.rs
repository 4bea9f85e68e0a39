//! The manifest: what a production holds and why, signed by the provider. Also the
//! checks every manifest must pass, both before sealing and when a recipient verifies.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use writ_core::review::Scope;
use writ_core::{CaseId, Category, Timestamp};

/// The format this crate writes and reads; a change that an older verifier would
/// misread gets a new number.
pub const FORMAT: &str = "writ-production/1";

/// The production's own files. No item may use these names.
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SIGNATURE_FILE: &str = "manifest.json.sig";
pub const SUMS_FILE: &str = "SHA256SUMS";
pub const README_FILE: &str = "README.txt";
const RESERVED: [&str; 4] = [MANIFEST_FILE, SIGNATURE_FILE, SUMS_FILE, README_FILE];

/// The signed description of a production.
///
/// Unknown fields are refused when reading: a verifier that dropped a field it did not
/// know would show the recipient less than the provider signed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The production's id (a UUID).
    pub production: String,
    pub case: CaseId,
    /// The authority's own reference for the demand.
    pub reference: String,
    pub authority: Authority,
    /// The legal instrument, e.g. `us.warrant`.
    pub instrument: String,
    /// The approved scope the items were collected under.
    pub scope: Scope,
    pub sealed_at: Timestamp,
    /// The audit log's signed checkpoint (a signed note) at sealing time; may be empty.
    pub audit_checkpoint: String,
    /// Accounts collected from.
    pub accounts: Vec<String>,
    /// Targets the provider has no account for, as the authority wrote them.
    pub not_found: Vec<String>,
    /// True exactly when `items` is empty: "no data found" is a real, signed outcome.
    pub no_data: bool,
    pub items: Vec<ManifestItem>,
}

/// The requesting authority.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    pub name: String,
    pub country: String,
}

/// One file of the production.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ManifestItem {
    /// Relative, `/`-separated, e.g. `items/acc-alice/mail/INBOX/42.eml`.
    pub path: String,
    /// Lowercase hex SHA-256 of the item's bytes.
    pub sha256: String,
    pub size: u64,
    /// The connector it came from, e.g. `imap`.
    pub source: String,
    pub account: String,
    pub category: Category,
    /// When the item was sent, stored or recorded, when the source knows.
    pub timestamp: Option<Timestamp>,
    /// Rows, for record exports (CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// Why a manifest cannot be sealed, or why a sealed one is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("format is {found:?}, expected {FORMAT:?}")]
    Format { found: String },
    #[error("production id {found:?} is not a UUID")]
    ProductionId { found: String },
    #[error("no_data is {no_data} but the manifest lists {items} item(s)")]
    NoData { no_data: bool, items: usize },
    #[error("{path:?}: {problem}")]
    Path { path: String, problem: PathProblem },
    #[error("{path}: sha256 {found:?} is not 64 lowercase hex digits")]
    Sha256 { path: String, found: String },
}

/// What is wrong with an item's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    Empty,
    Absolute,
    ParentSegment,
    DotSegment,
    EmptySegment,
    /// Backslashes and control characters: they change meaning on Windows or break
    /// `SHA256SUMS` lines.
    BadCharacter,
    Reserved,
    Duplicate,
    /// The path is also a directory of another item (`a` and `a/b`): both cannot be
    /// extracted.
    FileAndDirectory {
        other: String,
    },
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the path is empty"),
            Self::Absolute => f.write_str("absolute paths are not allowed"),
            Self::ParentSegment => f.write_str("`..` segments are not allowed"),
            Self::DotSegment => f.write_str("`.` segments are not allowed"),
            Self::EmptySegment => {
                f.write_str("empty segments (`//` or a trailing `/`) are not allowed")
            }
            Self::BadCharacter => f.write_str("backslashes and control characters are not allowed"),
            Self::Reserved => f.write_str("the name is reserved for the production's own files"),
            Self::Duplicate => f.write_str("listed more than once"),
            Self::FileAndDirectory { other } => {
                write!(f, "is a file and also the directory of {other:?}")
            }
        }
    }
}

/// Checks one item path on its own (not against the other items).
pub fn check_path(path: &str) -> Result<(), PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.starts_with('/') {
        return Err(PathProblem::Absolute);
    }
    if path.chars().any(|c| c == '\\' || c.is_control()) {
        return Err(PathProblem::BadCharacter);
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err(PathProblem::EmptySegment),
            "." => return Err(PathProblem::DotSegment),
            ".." => return Err(PathProblem::ParentSegment),
            _ => {}
        }
    }
    if RESERVED.contains(&path) {
        return Err(PathProblem::Reserved);
    }
    Ok(())
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Manifest {
    /// Every problem with this manifest, in field order then item order; empty when
    /// it can be sealed.
    pub fn problems(&self) -> Vec<ManifestError> {
        let mut problems = Vec::new();
        if self.format != FORMAT {
            problems.push(ManifestError::Format {
                found: self.format.clone(),
            });
        }
        if uuid::Uuid::try_parse(&self.production).is_err() {
            problems.push(ManifestError::ProductionId {
                found: self.production.clone(),
            });
        }
        if self.no_data != self.items.is_empty() {
            problems.push(ManifestError::NoData {
                no_data: self.no_data,
                items: self.items.len(),
            });
        }
        let mut seen = BTreeSet::new();
        for item in &self.items {
            let path_problem = match check_path(&item.path) {
                Err(problem) => Some(problem),
                Ok(()) if !seen.insert(item.path.as_str()) => Some(PathProblem::Duplicate),
                Ok(()) => None,
            };
            if let Some(problem) = path_problem {
                problems.push(ManifestError::Path {
                    path: item.path.clone(),
                    problem,
                });
            }
            if !is_sha256_hex(&item.sha256) {
                problems.push(ManifestError::Sha256 {
                    path: item.path.clone(),
                    found: item.sha256.clone(),
                });
            }
        }
        // `a` and `a/b` cannot both be files: look up every directory of every path.
        for path in &seen {
            let directories = path.match_indices('/').map(|(at, _)| &path[..at]);
            for directory in directories {
                if seen.contains(directory) {
                    problems.push(ManifestError::Path {
                        path: directory.to_owned(),
                        problem: PathProblem::FileAndDirectory {
                            other: (*path).to_owned(),
                        },
                    });
                }
            }
        }
        problems
    }

    /// The first problem, if any: what sealing refuses on.
    pub fn check(&self) -> Result<(), ManifestError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// The exact bytes of `manifest.json`, which the signature covers: pretty JSON and
    /// a final newline, so `cat` and diff behave.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// `SHA256SUMS` for this manifest: `sha256sum -c` lines in manifest order.
    pub fn sha256sums(&self) -> String {
        self.items
            .iter()
            .map(|item| format!("{}  {}\n", item.sha256, item.path))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_escape_or_collide_are_refused() {
        for (path, problem) in [
            ("", PathProblem::Empty),
            ("/etc/passwd", PathProblem::Absolute),
            ("../x", PathProblem::ParentSegment),
            ("items/../../x", PathProblem::ParentSegment),
            ("./x", PathProblem::DotSegment),
            ("a//b", PathProblem::EmptySegment),
            ("a/b/", PathProblem::EmptySegment),
            ("a\\b", PathProblem::BadCharacter),
            ("a\nb", PathProblem::BadCharacter),
            ("manifest.json", PathProblem::Reserved),
            ("SHA256SUMS", PathProblem::Reserved),
        ] {
            assert_eq!(check_path(path), Err(problem), "{path:?}");
        }
        for path in [
            "items/acc-alice/mail/INBOX/42.eml",
            "a",
            "a/..b/c.",
            "items/manifest.json",
        ] {
            assert_eq!(check_path(path), Ok(()), "{path:?}");
        }
    }

    #[test]
    fn every_problem_is_listed_not_only_the_first() {
        let item = |path: &str, sha256: &str| ManifestItem {
            path: path.to_owned(),
            sha256: sha256.to_owned(),
            size: 1,
            source: "imap".to_owned(),
            account: "acc-alice".to_owned(),
            category: Category::Content,
            timestamp: None,
            rows: None,
        };
        let good = "ab".repeat(32);
        let manifest = Manifest {
            format: "writ-production/0".to_owned(),
            production: "5f0c6a53-3b1e-4c8e-9a57-0c1f3f3e2a10".to_owned(),
            case: "0b6d3c55-8f6a-4b2e-a0c1-6f7d2e9b1a44".parse().unwrap(),
            reference: "R-1".to_owned(),
            authority: Authority {
                name: "A".to_owned(),
                country: "US".to_owned(),
            },
            instrument: "us.warrant".to_owned(),
            scope: serde_json::from_str(
                r#"{"categories": ["content"], "targets": [], "period": null}"#,
            )
            .unwrap(),
            sealed_at: "2026-03-02T09:00:00Z".parse().unwrap(),
            audit_checkpoint: String::new(),
            accounts: Vec::new(),
            not_found: Vec::new(),
            no_data: true,
            items: vec![
                item("items/a", &good),
                item("items/a-x", "nope"),
                item("items/a/b", &good),
                item("items/a", &good),
            ],
        };
        let messages: Vec<String> = manifest
            .problems()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                "format is \"writ-production/0\", expected \"writ-production/1\"",
                "no_data is true but the manifest lists 4 item(s)",
                "items/a-x: sha256 \"nope\" is not 64 lowercase hex digits",
                "\"items/a\": listed more than once",
                "\"items/a\": is a file and also the directory of \"items/a/b\"",
            ]
        );
        assert_eq!(manifest.check().unwrap_err().to_string(), messages[0]);
    }

    #[test]
    fn sha256_must_be_lowercase_hex() {
        assert!(is_sha256_hex(&"0a".repeat(32)));
        assert!(!is_sha256_hex(&"0A".repeat(32)));
        assert!(!is_sha256_hex(&"0a".repeat(31)));
        assert!(!is_sha256_hex(&"0g".repeat(32)));
    }
}
