//! File stores (a local directory or an S3 bucket, through `object_store`): an
//! account's files under its own prefix, `{account}/` by default.
//!
//! With `traffic` selected an account yields `file-metadata.csv`, one row per file
//! modified inside the period (`path,size,last_modified,e_tag`); with `content`, each
//! such file's bytes at `files/<path>`. A file's time is its `last_modified`. Listing
//! asks the store for the account's prefix only (which ends in `/`, so `acc-al` never
//! sees `acc-alice`), and fetching streams the object chunk by chunk, so neither cost
//! nor memory grows with other accounts or with the size of a file.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::{Path, PathPart};
use object_store::{GetOptions, ObjectMeta, ObjectStore};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use writ_core::Timestamp;
use writ_core::demand::{Category, Period};

use crate::records::{fixed_width_time, write_csv_record};
use crate::{AccountId, ItemRef, Selection, Source, SourceError};

/// A file source in the configuration: exactly one of `local` and `s3`.
///
/// ```toml
/// [sources.files]
/// local = { root = "/srv/provider/files" }
/// # or
/// s3 = { endpoint = "https://s3.internal", bucket = "user-files", region = "us-east-1",
///        access_key_id = "…", secret_access_key = "…" }
/// prefix = "{account}"      # where an account's files are; the default
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSourceConfig {
    #[serde(default)]
    pub local: Option<LocalStoreConfig>,
    #[serde(default)]
    pub s3: Option<S3StoreConfig>,
    /// `/`-separated segments, one of which contains `{account}`.
    #[serde(default)]
    pub prefix: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalStoreConfig {
    pub root: PathBuf,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3StoreConfig {
    /// `https://s3.internal:9000`; AWS when omitted.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    /// Redacted in `Debug`, never logged.
    pub secret_access_key: SecretString,
    /// Allows an `http://` endpoint (tests, a store on the same host).
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

/// The default prefix template.
pub const DEFAULT_PREFIX: &str = "{account}";

impl FileSourceConfig {
    /// The object store this configuration names (nothing is contacted yet).
    pub fn object_store(&self, source_name: &str) -> Result<Arc<dyn ObjectStore>, SourceError> {
        match (&self.local, &self.s3) {
            (Some(local), None) => {
                let store = LocalFileSystem::new_with_prefix(&local.root).map_err(|e| {
                    SourceError::invalid(
                        source_name,
                        format!("file store root {}: {e}", local.root.display()),
                    )
                })?;
                Ok(Arc::new(store))
            }
            (None, Some(s3)) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(s3.secret_access_key.expose_secret())
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                let store = builder.build().map_err(|e| {
                    SourceError::invalid(source_name, format!("S3 bucket {}: {e}", s3.bucket))
                })?;
                Ok(Arc::new(store))
            }
            (None, None) => Err(SourceError::invalid(
                source_name,
                "a file source needs a store: `local = { root = … }` or `s3 = { … }`",
            )),
            (Some(_), Some(_)) => Err(SourceError::invalid(
                source_name,
                "a file source has one store: give `local` or `s3`, not both",
            )),
        }
    }
}

/// Where an account's objects are: template segments, `{account}` replaced by the id.
#[derive(Clone, Debug)]
struct PrefixTemplate(Vec<String>);

impl PrefixTemplate {
    fn parse(template: &str) -> Result<Self, String> {
        let segments: Vec<String> = template
            .trim_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!("prefix {template:?} has an empty segment"));
        }
        if segments.iter().any(|s| {
            s == "." || s == ".." || PathPart::parse(&s.replace("{account}", "a")).is_err()
        }) {
            return Err(format!(
                "prefix {template:?} has a segment that is not a plain name"
            ));
        }
        // Without the account in it, every account would see every file.
        if !segments.iter().any(|s| s.contains("{account}")) {
            return Err(format!("prefix {template:?} must contain {{account}}"));
        }
        Ok(Self(segments))
    }

    /// The account's prefix; the account id is one segment whatever it contains.
    fn for_account(&self, account: &AccountId) -> Option<Path> {
        if account.0.is_empty() {
            return None;
        }
        let parts: Vec<PathPart<'static>> = self
            .0
            .iter()
            .map(|s| PathPart::from(s.replace("{account}", &account.0)))
            .collect();
        Some(Path::from_iter(parts))
    }
}

/// A file store as a [`Source`].
#[derive(Debug)]
pub struct FileSource {
    name: String,
    store: Arc<dyn ObjectStore>,
    prefix: PrefixTemplate,
}

/// The metadata item's path in the production.
pub const METADATA_PATH: &str = "file-metadata.csv";
const METADATA_KEY: &str = "file-metadata/";
const CONTENT_DIR: &str = "files/";

/// One object of an account, as listed.
struct Listed {
    meta: ObjectMeta,
    /// The path below the account's prefix, as stored.
    relative: String,
    modified: Timestamp,
}

impl FileSource {
    /// A source over `store`, an account's files under `{account}/`.
    pub fn new(name: impl Into<String>, store: Arc<dyn ObjectStore>) -> Self {
        Self {
            name: name.into(),
            store,
            prefix: PrefixTemplate(vec![DEFAULT_PREFIX.to_owned()]),
        }
    }

    /// Puts accounts' files under `template` (`users/{account}/files`) instead.
    pub fn with_prefix(mut self, template: &str) -> Result<Self, SourceError> {
        self.prefix =
            PrefixTemplate::parse(template).map_err(|e| SourceError::invalid(&self.name, e))?;
        Ok(self)
    }

    /// The source a configuration describes.
    pub fn open(name: impl Into<String>, config: &FileSourceConfig) -> Result<Self, SourceError> {
        let name = name.into();
        let store = config.object_store(&name)?;
        let source = Self::new(name, store);
        match &config.prefix {
            Some(template) => source.with_prefix(template),
            None => Ok(source),
        }
    }

    fn unavailable(&self, what: impl std::fmt::Display) -> SourceError {
        SourceError::unavailable(&self.name, what)
    }

    fn invalid(&self, what: impl std::fmt::Display) -> SourceError {
        SourceError::invalid(&self.name, what)
    }

    /// The account's objects modified inside `period`, sorted by path.
    async fn listed(
        &self,
        account: &AccountId,
        period: Option<Period>,
    ) -> Result<Vec<Listed>, SourceError> {
        let Some(prefix) = self.prefix.for_account(account) else {
            return Ok(Vec::new());
        };
        let mut objects = self.store.list(Some(&prefix));
        let mut listed = Vec::new();
        while let Some(meta) = objects.next().await {
            let meta =
                meta.map_err(|e| self.unavailable(format!("listing the files of {account}: {e}")))?;
            // The store lists by directory, but a prefix is a promise worth checking.
            let Some(parts) = meta.location.prefix_match(&prefix) else {
                continue;
            };
            let relative = parts
                .map(|part| part.as_ref().to_owned())
                .collect::<Vec<_>>()
                .join("/");
            if relative.is_empty() {
                continue;
            }
            let modified = Timestamp::from_unix_micros(meta.last_modified.timestamp_micros())
                .ok_or_else(|| {
                    self.invalid(format!(
                        "{}: last_modified {} is out of range",
                        meta.location, meta.last_modified
                    ))
                })?;
            if period.is_none_or(|p| p.contains(modified)) {
                listed.push(Listed {
                    meta,
                    relative,
                    modified,
                });
            }
        }
        listed.sort_by(|a, b| a.relative.cmp(&b.relative));
        Ok(listed)
    }
}

/// What an object's version is called in its key: its e-tag, or its time when the
/// store keeps none.
fn version(meta: &ObjectMeta) -> String {
    match &meta.e_tag {
        Some(e_tag) => format!("e{}", hex::encode(e_tag)),
        None => format!("m{}", meta.last_modified.timestamp_micros()),
    }
}

/// A path in the production made from an object's relative path: each segment kept,
/// with `\` and control characters replaced, so it cannot climb out of its folder.
fn production_path(relative: &str) -> String {
    let segments: Vec<String> = relative
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            let clean: String = segment
                .chars()
                .map(|c| if c == '\\' || c.is_control() { '_' } else { c })
                .collect();
            if clean == "." || clean == ".." {
                "_".to_owned()
            } else {
                clean
            }
        })
        .collect();
    format!("{CONTENT_DIR}{}", segments.join("/"))
}

fn period_key(period: Option<Period>) -> String {
    match period {
        None => "any".to_owned(),
        Some(p) => format!("{}..{}", p.from().to_rfc3339(), p.to().to_rfc3339()),
    }
}

fn parse_period_key(text: &str) -> Option<Option<Period>> {
    if text == "any" {
        return Some(None);
    }
    let (from, to) = text.split_once("..")?;
    Period::new(Timestamp::parse(from).ok()?, Timestamp::parse(to).ok()?).map(Some)
}

#[async_trait::async_trait]
impl Source for FileSource {
    fn name(&self) -> &str {
        &self.name
    }

    async fn list(
        &self,
        account: &AccountId,
        selection: &Selection,
    ) -> Result<Vec<ItemRef>, SourceError> {
        let wants_metadata = selection.wants(Category::Traffic);
        let wants_content = selection.wants(Category::Content);
        if !wants_metadata && !wants_content {
            return Ok(Vec::new());
        }
        let listed = self.listed(account, selection.period).await?;
        if listed.is_empty() {
            return Ok(Vec::new());
        }
        let mut items = Vec::new();
        if wants_metadata {
            items.push(ItemRef {
                key: format!("{METADATA_KEY}{}", period_key(selection.period)),
                path: METADATA_PATH.to_owned(),
                category: Category::Traffic,
                timestamp: None,
                rows: Some(listed.len() as u64),
            });
        }
        if wants_content {
            let mut taken = BTreeSet::new();
            for object in &listed {
                // Two stored names can clean up to the same path; the later one gets a
                // suffix, so no item overwrites another.
                let base = production_path(&object.relative);
                let mut path = base.clone();
                let mut n = 2;
                while !taken.insert(path.clone()) {
                    path = format!("{base}~{n}");
                    n += 1;
                }
                items.push(ItemRef {
                    key: format!("{CONTENT_DIR}{}@{}", object.relative, version(&object.meta)),
                    path,
                    category: Category::Content,
                    timestamp: Some(object.modified),
                    rows: None,
                });
            }
        }
        Ok(items)
    }

    async fn fetch(
        &self,
        account: &AccountId,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError> {
        if let Some(period) = item.key.strip_prefix(METADATA_KEY) {
            let period = parse_period_key(period).ok_or_else(|| {
                self.invalid(format!("{:?} is not a metadata item key", item.key))
            })?;
            return self.write_metadata(account, period, item.rows, out).await;
        }
        let (relative, version_text) = item
            .key
            .strip_prefix(CONTENT_DIR)
            .and_then(|rest| rest.rsplit_once('@'))
            .ok_or_else(|| {
                self.invalid(format!(
                    "{:?} is not an item key of this file source",
                    item.key
                ))
            })?;
        let prefix = self
            .prefix
            .for_account(account)
            .ok_or_else(|| self.invalid("an empty account id has no files"))?;
        let relative = Path::parse(relative)
            .map_err(|e| self.invalid(format!("item key {:?}: {e}", item.key)))?;
        // Segments cannot hold `/` or be `..`, so this stays under the account's prefix.
        let location = Path::from_iter(prefix.parts().chain(relative.parts()));
        let mut options = GetOptions::new();
        if let Some(e_tag) = version_text
            .strip_prefix('e')
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| String::from_utf8(b).ok())
        {
            options = options.with_if_match(Some(e_tag));
        }
        let result = self
            .store
            .get_opts(&location, options)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    self.invalid(format!("{location} was listed but is gone"))
                }
                object_store::Error::Precondition { .. } => {
                    self.invalid(format!("{location} changed since it was listed"))
                }
                e => self.unavailable(format!("reading {location}: {e}")),
            })?;
        if version(&result.meta) != version_text {
            return Err(self.invalid(format!("{location} changed since it was listed")));
        }
        let expected = result.meta.size;
        let mut chunks = result.into_stream();
        let mut written = 0u64;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| self.unavailable(format!("reading {location}: {e}")))?;
            out.write_all(&chunk).await?;
            written += chunk.len() as u64;
        }
        out.flush().await?;
        if written != expected {
            return Err(self.unavailable(format!("{location}: read {written} bytes of {expected}")));
        }
        Ok(written)
    }
}

impl FileSource {
    async fn write_metadata(
        &self,
        account: &AccountId,
        period: Option<Period>,
        listed_rows: Option<u64>,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError> {
        let listed = self.listed(account, period).await?;
        if let Some(rows) = listed_rows
            && rows != listed.len() as u64
        {
            return Err(self.invalid(format!(
                "{rows} files of {account} were listed but {} are there now",
                listed.len()
            )));
        }
        let mut buf = Vec::with_capacity(256);
        let mut written = write_csv_record(
            &mut buf,
            ["path", "size", "last_modified", "e_tag"],
            &mut *out,
        )
        .await?;
        for object in &listed {
            let size = object.meta.size.to_string();
            let modified = fixed_width_time(object.modified);
            let e_tag = object.meta.e_tag.as_deref().unwrap_or_default();
            written += write_csv_record(
                &mut buf,
                [object.relative.as_str(), &size, &modified, e_tag],
                &mut *out,
            )
            .await?;
        }
        out.flush().await?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_paths_stay_in_their_folder() {
        assert_eq!(production_path("Documents/a.txt"), "files/Documents/a.txt");
        assert_eq!(production_path("a\\..\\b"), "files/a_.._b");
        assert_eq!(production_path("x/\u{7}bell"), "files/x/_bell");
    }

    #[test]
    fn prefix_templates_must_name_the_account() {
        assert!(PrefixTemplate::parse("users/files").is_err());
        assert!(PrefixTemplate::parse("users//{account}").is_err());
        assert!(PrefixTemplate::parse("../{account}").is_err());
        let template = PrefixTemplate::parse("users/{account}/files").unwrap();
        let prefix = template.for_account(&AccountId("acc-al".into())).unwrap();
        assert_eq!(prefix.as_ref(), "users/acc-al/files");
        // An account id is one segment, whatever it holds.
        let odd = template.for_account(&AccountId("a/../b".into())).unwrap();
        assert_eq!(odd.parts().count(), 3);
        assert!(template.for_account(&AccountId(String::new())).is_none());
    }

    #[test]
    fn config_takes_exactly_one_store() {
        let both: FileSourceConfig = toml::from_str(
            r#"
            local = { root = "/tmp" }
            s3 = { bucket = "b", access_key_id = "k", secret_access_key = "s" }
            "#,
        )
        .unwrap();
        assert!(both.object_store("files").is_err());
        let none: FileSourceConfig = toml::from_str("").unwrap();
        assert!(none.object_store("files").is_err());
        let s3: FileSourceConfig = toml::from_str(
            r#"s3 = { endpoint = "http://127.0.0.1:9", bucket = "b", access_key_id = "k", secret_access_key = "hunter2", allow_http = true }"#,
        )
        .unwrap();
        assert!(!format!("{s3:?}").contains("hunter2"));
        assert!(s3.object_store("files").is_ok());
        let unknown =
            toml::from_str::<FileSourceConfig>(r#"local = { root = "/tmp", mode = "ro" }"#);
        assert!(unknown.unwrap_err().to_string().contains("mode"));
    }
}
