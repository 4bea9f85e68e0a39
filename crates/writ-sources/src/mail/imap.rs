//! Mail read from an IMAP server (Dovecot), logged in as a master user on the
//! account's behalf (`acc-alice*writ-master`), so writ needs no user's password.
//!
//! Listing opens every folder with EXAMINE (read-only), narrows by date on the server
//! (`UID SEARCH SINCE … BEFORE …`, whole days, widened by a day each side for time
//! zones) and then keeps exactly the messages whose INTERNALDATE is in the period.
//! Keys carry the folder, its UIDVALIDITY and the UID, so a resumed collection finds
//! the same messages, and a folder that was rebuilt since (new UIDVALIDITY) is an
//! error rather than a silent mix-up. Messages are read with `BODY.PEEK`, so no flag
//! changes.
//!
//! Fetches come in listing order, so a fetch reads the message asked for together with
//! the next listed ones in one FETCH (up to `read_ahead_bytes`, 8 MiB by default;
//! headers only when the listing wanted envelopes only), and the following fetches are
//! answered from memory: one round trip per batch rather than per message. Only listed
//! messages are ever read. A message bigger than that is read on its own, in pieces of
//! the same size: memory stays bounded whatever the message size.
//!
//! One logged-in session per source is kept and reused (a new login when the account
//! changes, a reconnection and one retry when the connection breaks).

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Duration;

use async_imap::error::Error as ImapError;
use async_imap::types::NameAttribute;
use futures::StreamExt as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use time::{Date, Month};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use writ_core::Timestamp;
use writ_core::demand::Category;

use super::envelope::Envelope;
use super::{Part, folder_path, push_items, split_key, wants_mail, whole_seconds};
use crate::{AccountId, ItemRef, Selection, Source, SourceError};

/// UIDs asked about in one FETCH while listing (keeps command lines short).
const UIDS_PER_FETCH: usize = 1000;

/// How many bytes of messages are held at once by default: read ahead of the fetches,
/// or one piece of a message too big for that.
pub const DEFAULT_READ_AHEAD_BYTES: u32 = 8 * 1024 * 1024;

/// The most messages read ahead in one FETCH.
const READ_AHEAD_MESSAGES: usize = 200;

/// Folders whose listing is remembered for reading ahead.
const PLANS_KEPT: usize = 64;

/// An IMAP mail store (`[sources.mail.imap]`): the server and the master login.
///
/// ```toml
/// name = "mail"                                     # default "mail"
/// address = "127.0.0.1:10143"                       # host:port
/// tls = "none"                                      # only "none" for now
/// master_user = "writ-master"
/// master_password_env = "WRIT_IMAP_MASTER_PASSWORD" # or master_password = "…"
/// user = "{account}"                                # the account's IMAP user name
/// master_separator = "*"                            # Dovecot's auth_master_user_separator
/// timeout_seconds = 60                              # per command
/// read_ahead_bytes = 8388608                        # the most message bytes held at once
/// ```
///
/// The master password comes either from the file (`master_password`) or, better,
/// from the environment variable `master_password_env` names; exactly one of the two.
/// It is never logged, and `Debug` shows it redacted.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    #[serde(default = "super::default_source_name")]
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub tls: ImapTls,
    pub master_user: String,
    #[serde(default)]
    pub master_password: Option<SecretString>,
    #[serde(default)]
    pub master_password_env: Option<String>,
    #[serde(default = "default_separator")]
    pub master_separator: String,
    #[serde(default = "default_user")]
    pub user: String,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default = "default_read_ahead")]
    pub read_ahead_bytes: u32,
}

/// How the connection is protected. Only plaintext (for a server on the same host or
/// a private network) is implemented so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImapTls {
    #[default]
    None,
}

fn default_separator() -> String {
    "*".to_owned()
}

fn default_user() -> String {
    "{account}".to_owned()
}

fn default_timeout() -> u64 {
    60
}

fn default_read_ahead() -> u32 {
    DEFAULT_READ_AHEAD_BYTES
}

impl ImapConfig {
    /// A configuration with the defaults and the password given directly.
    pub fn new(
        address: impl Into<String>,
        master_user: impl Into<String>,
        master_password: SecretString,
    ) -> Self {
        Self {
            name: super::default_source_name(),
            address: address.into(),
            tls: ImapTls::None,
            master_user: master_user.into(),
            master_password: Some(master_password),
            master_password_env: None,
            master_separator: default_separator(),
            user: default_user(),
            timeout_seconds: default_timeout(),
            read_ahead_bytes: default_read_ahead(),
        }
    }

    /// The master password, from the file or the environment.
    pub fn resolve_password(&self) -> Result<SecretString, SourceError> {
        let invalid = |message: String| SourceError::invalid(&self.name, message);
        match (&self.master_password, &self.master_password_env) {
            (Some(password), None) => Ok(password.clone()),
            (None, Some(var)) => match std::env::var(var) {
                Ok(password) if !password.is_empty() => Ok(SecretString::from(password)),
                Ok(_) => Err(invalid(format!("master_password_env: {var} is empty"))),
                Err(_) => Err(invalid(format!("master_password_env: {var} is not set"))),
            },
            (Some(_), Some(_)) => Err(invalid(
                "give master_password or master_password_env, not both".to_owned(),
            )),
            (None, None) => Err(invalid(
                "master_password_env (or master_password) is required".to_owned(),
            )),
        }
    }

    /// The login that opens `account`'s mailbox: `acc-alice*writ-master`.
    fn login_name(&self, account: &AccountId) -> Result<String, SourceError> {
        let name = account.0.as_str();
        // The separator inside an account name could make the login mean someone else.
        if name.is_empty()
            || name.contains(self.master_separator.as_str())
            || name.chars().any(char::is_control)
        {
            return Err(SourceError::invalid(
                &self.name,
                format!("account {name:?} cannot be an IMAP user name"),
            ));
        }
        let user = self.user.replace("{account}", name);
        Ok(format!(
            "{user}{}{}",
            self.master_separator, self.master_user
        ))
    }

    fn check(&self) -> Result<(), SourceError> {
        let invalid = |message: String| SourceError::invalid(&self.name, message);
        let port = self
            .address
            .rsplit_once(':')
            .and_then(|(host, port)| (!host.is_empty()).then_some(port));
        if port.and_then(|p| p.parse::<u16>().ok()).is_none() {
            return Err(invalid(format!(
                "address {:?} is not host:port (like 127.0.0.1:143)",
                self.address
            )));
        }
        // Without the account in it, every account would open the same mailbox.
        if !self.user.contains("{account}") {
            return Err(invalid(format!(
                "user {:?} must contain {{account}}",
                self.user
            )));
        }
        if self.master_user.is_empty() || self.master_separator.is_empty() {
            return Err(invalid(
                "master_user and master_separator must not be empty".to_owned(),
            ));
        }
        if self.timeout_seconds == 0 {
            return Err(invalid("timeout_seconds must be at least 1".to_owned()));
        }
        if !(4096..=1 << 30).contains(&self.read_ahead_bytes) {
            return Err(invalid(format!(
                "read_ahead_bytes must be between 4096 and 1073741824, not {}",
                self.read_ahead_bytes
            )));
        }
        Ok(())
    }
}

type Session = async_imap::Session<TcpStream>;

/// The open session: whose mailbox, and which folder is examined.
struct Conn {
    account: AccountId,
    session: Session,
    examined: Option<(String, u32)>,
}

/// Why one attempt failed: a broken connection is worth one more try on a new one; a
/// refusal or a bad answer is not.
enum Failure {
    Connection(SourceError),
    Answer(SourceError),
}

impl Failure {
    fn into_error(self) -> SourceError {
        match self {
            Failure::Connection(e) | Failure::Answer(e) => e,
        }
    }
}

/// Everything behind the source's one lock: the session, what the last listings found,
/// and the messages read ahead.
#[derive(Default)]
struct State {
    conn: Option<Conn>,
    plans: VecDeque<Plan>,
    ahead: Option<Ahead>,
}

/// What the last listing of one folder found: the listed messages in UID order, with
/// their sizes. Fetches come in that order, so the next ones can be read ahead in one
/// FETCH; only listed messages ever are, so nothing outside the selection is read.
struct Plan {
    account: AccountId,
    folder: String,
    validity: u32,
    /// Whether the listing wanted the messages (content) or only their envelopes: an
    /// envelope-only collection reads headers, never bodies.
    bodies: bool,
    messages: Vec<(u32, u32)>,
}

/// Messages of one folder read ahead of the fetches that will ask for them.
struct Ahead {
    account: AccountId,
    folder: String,
    validity: u32,
    messages: BTreeMap<u32, Fetched>,
}

struct Fetched {
    at: Timestamp,
    size: u64,
    /// The whole message, or only its header.
    data: Vec<u8>,
    whole: bool,
}

pub struct ImapSource {
    config: ImapConfig,
    password: SecretString,
    state: Mutex<State>,
}

impl fmt::Debug for ImapSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSource")
            .field("name", &self.config.name)
            .field("address", &self.config.address)
            .field("master_user", &self.config.master_user)
            .finish_non_exhaustive()
    }
}

impl ImapSource {
    /// Checks the configuration and finds the password; connects only when used.
    pub fn new(config: ImapConfig) -> Result<Self, SourceError> {
        config.check()?;
        let password = config.resolve_password()?;
        Ok(Self {
            config,
            password,
            state: Mutex::new(State::default()),
        })
    }

    pub fn config(&self) -> &ImapConfig {
        &self.config
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.config.timeout_seconds)
    }

    /// Runs one IMAP exchange with the configured timeout, naming `what` on failure.
    async fn exchange<T>(
        &self,
        what: &str,
        exchange: impl Future<Output = Result<T, ImapError>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.timeout(), exchange).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.failure(what, error)),
            Err(_) => Err(Failure::Connection(SourceError::unavailable(
                &self.config.name,
                format!(
                    "{what}: no answer from {} within {} s",
                    self.config.address, self.config.timeout_seconds
                ),
            ))),
        }
    }

    fn failure(&self, what: impl fmt::Display, error: ImapError) -> Failure {
        let name = &self.config.name;
        match error {
            ImapError::No(_) | ImapError::Bad(_) | ImapError::Validate(_) | ImapError::Append => {
                Failure::Answer(SourceError::invalid(name, format!("{what}: {error}")))
            }
            _ => Failure::Connection(SourceError::unavailable(name, format!("{what}: {error}"))),
        }
    }

    fn invalid(&self, message: String) -> Failure {
        Failure::Answer(SourceError::invalid(&self.config.name, message))
    }

    /// Logs in to `account`'s mailbox.
    async fn connect(&self, account: &AccountId) -> Result<Conn, Failure> {
        let login = self.config.login_name(account).map_err(Failure::Answer)?;
        let address = &self.config.address;
        let stream = self
            .exchange(&format!("connecting to {address}"), async {
                Ok(TcpStream::connect(address.as_str()).await?)
            })
            .await?;
        // One small command per round trip: waiting to batch them only adds latency.
        stream.set_nodelay(true).ok();
        let mut client = async_imap::Client::new(stream);
        let greeting = self
            .exchange(&format!("greeting from {address}"), async {
                Ok(client.read_response().await?)
            })
            .await?;
        if greeting.is_none() {
            return Err(Failure::Connection(SourceError::unavailable(
                &self.config.name,
                format!("{address} closed the connection before greeting"),
            )));
        }
        let password = self.password.expose_secret();
        let session = self
            .exchange(&format!("logging in to {address} as {login}"), async {
                client.login(&login, password).await.map_err(|(e, _)| e)
            })
            .await?;
        tracing::debug!(source = %self.config.name, %account, "IMAP session opened");
        Ok(Conn {
            account: account.clone(),
            session,
            examined: None,
        })
    }

    /// The session for `account`, reusing the open one when it is that account's.
    async fn session<'c>(
        &self,
        slot: &'c mut Option<Conn>,
        account: &AccountId,
    ) -> Result<&'c mut Conn, Failure> {
        if slot.as_ref().is_some_and(|conn| conn.account != *account)
            && let Some(mut old) = slot.take()
        {
            // Best effort: the server ends the session anyway when the socket closes.
            let _ = tokio::time::timeout(self.timeout(), old.session.logout()).await;
        }
        if slot.is_none() {
            *slot = Some(self.connect(account).await?);
        }
        slot.as_mut().ok_or_else(|| {
            Failure::Connection(SourceError::unavailable(
                &self.config.name,
                "no IMAP session",
            ))
        })
    }

    /// Opens `folder` read-only and returns its UIDVALIDITY and message count.
    async fn examine(&self, conn: &mut Conn, folder: &str) -> Result<(u32, u32), Failure> {
        let mailbox = self
            .exchange(
                &format!("EXAMINE {folder:?} for {}", conn.account),
                conn.session.examine(folder),
            )
            .await?;
        drain(&mut conn.session);
        let validity = mailbox.uid_validity.ok_or_else(|| {
            self.invalid(format!(
                "the server gave no UIDVALIDITY for folder {folder:?}"
            ))
        })?;
        conn.examined = Some((folder.to_owned(), validity));
        Ok((validity, mailbox.exists))
    }

    /// Makes sure `folder` of the key is examined, and is still the generation (the
    /// UIDVALIDITY) that was listed.
    async fn examine_listed(
        &self,
        conn: &mut Conn,
        folder: &str,
        validity: u32,
    ) -> Result<(), Failure> {
        let examined = conn.examined.as_ref().map(|(f, v)| (f.as_str(), *v));
        if examined == Some((folder, validity)) {
            return Ok(());
        }
        let (now, _) = self.examine(conn, folder).await?;
        if now != validity {
            return Err(self.invalid(format!(
                "folder {folder:?} of {} was rebuilt since listing (UIDVALIDITY {validity}, now {now}): list again",
                conn.account
            )));
        }
        Ok(())
    }

    /// Every item `selection` wants, and the plan of each folder for reading ahead.
    async fn list_in(
        &self,
        conn: &mut Conn,
        selection: &Selection,
    ) -> Result<(Vec<ItemRef>, Vec<Plan>), Failure> {
        let account = conn.account.clone();
        let mut folders = Vec::new();
        {
            let what = format!("LIST for {account}");
            let mut names = self
                .exchange(&what, conn.session.list(Some(""), Some("*")))
                .await?;
            loop {
                let next = self
                    .exchange(&what, async { names.next().await.transpose() })
                    .await?;
                let Some(name) = next else { break };
                let selectable = !name.attributes().iter().any(|a| match a {
                    NameAttribute::NoSelect => true,
                    NameAttribute::Extension(x) => x.eq_ignore_ascii_case("\\NonExistent"),
                    _ => false,
                });
                if selectable {
                    folders.push((name.name().to_owned(), name.delimiter().map(str::to_owned)));
                }
            }
        }
        drain(&mut conn.session);
        // INBOX first, then by name: a stable order.
        folders.sort_by(|(a, _), (b, _)| (a != "INBOX", a).cmp(&(b != "INBOX", b)));

        let search = search_query(selection);
        let bodies = selection.wants(Category::Content);
        let mut items = Vec::new();
        let mut plans = Vec::new();
        for (folder, delimiter) in folders {
            let (validity, exists) = self.examine(conn, &folder).await?;
            if exists == 0 {
                continue;
            }
            let found = self
                .exchange(
                    &format!("UID SEARCH in {folder:?} for {account}"),
                    conn.session.uid_search(&search),
                )
                .await?;
            drain(&mut conn.session);
            let mut uids: Vec<u32> = found.into_iter().collect();
            uids.sort_unstable();
            let path = match delimiter.as_deref() {
                Some(delimiter) if !delimiter.is_empty() => folder_path(folder.split(delimiter)),
                _ => folder_path([folder.as_str()]),
            };
            let mut listed = Vec::new();
            for chunk in uids.chunks(UIDS_PER_FETCH) {
                let mut dated = Vec::with_capacity(chunk.len());
                {
                    let what = format!("UID FETCH INTERNALDATE in {folder:?} for {account}");
                    let mut fetches = self
                        .exchange(
                            &what,
                            conn.session
                                .uid_fetch(uid_set(chunk), "(UID INTERNALDATE RFC822.SIZE)"),
                        )
                        .await?;
                    loop {
                        let next = self
                            .exchange(&what, async { fetches.next().await.transpose() })
                            .await?;
                        let Some(fetch) = next else { break };
                        // Unsolicited FETCHes (flag changes by others) have no date.
                        if let (Some(uid), Some(date)) = (fetch.uid, fetch.internal_date())
                            && chunk.binary_search(&uid).is_ok()
                        {
                            let at = whole_seconds(date.timestamp()).ok_or_else(|| {
                                self.invalid(format!(
                                    "UID {uid} in {folder:?} has INTERNALDATE {date} out of range"
                                ))
                            })?;
                            dated.push((uid, at, fetch.size.unwrap_or(u32::MAX)));
                        }
                    }
                }
                drain(&mut conn.session);
                dated.sort_unstable();
                dated.dedup_by_key(|(uid, _, _)| *uid);
                for (uid, at, size) in dated {
                    let before = items.len();
                    let key = format!("{folder}/{validity}/{uid}");
                    push_items(&mut items, selection, &key, &format!("{path}/{uid}"), at);
                    if items.len() > before {
                        listed.push((uid, size));
                    }
                }
            }
            if !listed.is_empty() {
                plans.push(Plan {
                    account: account.clone(),
                    folder,
                    validity,
                    bodies,
                    messages: listed,
                });
            }
        }
        Ok((items, plans))
    }

    async fn fetch_in(
        &self,
        conn: &mut Conn,
        plans: &VecDeque<Plan>,
        ahead: &mut Option<Ahead>,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
        written: &mut u64,
    ) -> Result<u64, Failure> {
        let (message, part) = split_key(item).map_err(|e| self.invalid(e))?;
        let (folder, validity, uid) = parse_message_key(message).ok_or_else(|| {
            self.invalid(format!("item key {:?} names no IMAP message", item.key))
        })?;
        let account = conn.account.clone();

        // Read ahead already?
        let key = (&account, folder, validity, uid);
        if let Some(n) = serve_ahead(ahead, key, part, out, written).await? {
            return Ok(n);
        }
        self.examine_listed(conn, folder, validity).await?;

        // Read this message and the next listed ones in one FETCH.
        let plan = plans
            .iter()
            .find(|p| p.account == account && p.folder == folder && p.validity == validity);
        if let Some(plan) = plan
            && let Ok(at) = plan.messages.binary_search_by_key(&uid, |(uid, _)| *uid)
        {
            let whole = plan.bodies || part == Part::Eml;
            let batch = read_ahead_batch(&plan.messages[at..], whole, self.config.read_ahead_bytes);
            if !batch.is_empty() {
                let messages = self.read_ahead(conn, folder, &batch, whole).await?;
                *ahead = Some(Ahead {
                    account: account.clone(),
                    folder: folder.to_owned(),
                    validity,
                    messages,
                });
                if let Some(n) = serve_ahead(ahead, key, part, out, written).await? {
                    return Ok(n);
                }
            }
        }

        // On its own: too big to read ahead, or not listed by this source.
        let gone = || {
            self.invalid(format!(
                "UID {uid} of folder {folder:?} is no longer in {account}'s mailbox"
            ))
        };
        match part {
            Part::Eml => {
                let piece_bytes = self.config.read_ahead_bytes;
                let mut size = None;
                loop {
                    // The size comes with the first piece; later pieces just continue.
                    let query = if size.is_none() {
                        format!("(UID RFC822.SIZE BODY.PEEK[]<{written}.{piece_bytes}>)")
                    } else {
                        format!("(UID BODY.PEEK[]<{written}.{piece_bytes}>)")
                    };
                    let fetch = self
                        .fetch_one(conn, folder, uid, &query)
                        .await?
                        .ok_or_else(gone)?;
                    if size.is_none() {
                        size = Some(u64::from(fetch.size.ok_or_else(|| {
                            self.invalid(format!("no RFC822.SIZE for UID {uid} of {folder:?}"))
                        })?));
                    }
                    let piece = fetch.body().unwrap_or_default();
                    out.write_all(piece)
                        .await
                        .map_err(|e| Failure::Answer(SourceError::Io(e)))?;
                    *written += piece.len() as u64;
                    let total = size.unwrap_or_default();
                    if *written >= total {
                        return Ok(*written);
                    }
                    if piece.is_empty() {
                        return Err(self.invalid(format!(
                            "UID {uid} of {folder:?} ended after {written} of {total} bytes"
                        )));
                    }
                }
            }
            Part::Envelope => {
                let fetch = self
                    .fetch_one(conn, folder, uid, HEADER_QUERY)
                    .await?
                    .ok_or_else(gone)?;
                let fetched = self.fetched(&fetch, false).ok_or_else(|| {
                    self.invalid(format!(
                        "no size, INTERNALDATE or header for UID {uid} of {folder:?}"
                    ))
                })?;
                write_part(&fetched, part, out, written).await
            }
        }
    }

    /// Reads the messages `uids` of the examined folder, whole or their headers.
    async fn read_ahead(
        &self,
        conn: &mut Conn,
        folder: &str,
        uids: &[u32],
        whole: bool,
    ) -> Result<BTreeMap<u32, Fetched>, Failure> {
        let what = format!(
            "UID FETCH {} messages in {folder:?} for {}",
            uids.len(),
            conn.account
        );
        let query = if whole { BODY_QUERY } else { HEADER_QUERY };
        let mut messages = BTreeMap::new();
        {
            let mut fetches = self
                .exchange(&what, conn.session.uid_fetch(uid_set(uids), query))
                .await?;
            loop {
                let next = self
                    .exchange(&what, async { fetches.next().await.transpose() })
                    .await?;
                let Some(fetch) = next else { break };
                if let Some(uid) = fetch.uid
                    && uids.binary_search(&uid).is_ok()
                    && let Some(fetched) = self.fetched(&fetch, whole)
                {
                    messages.insert(uid, fetched);
                }
            }
        }
        drain(&mut conn.session);
        Ok(messages)
    }

    /// A FETCH answer as kept: `None` when it lacks something asked for (the message
    /// is then fetched again on its own, which names what is wrong).
    fn fetched(&self, fetch: &async_imap::types::Fetch, whole: bool) -> Option<Fetched> {
        let size = u64::from(fetch.size?);
        let at = whole_seconds(fetch.internal_date()?.timestamp())?;
        let data = if whole {
            fetch.body()?
        } else {
            fetch.header()?
        };
        if whole && data.len() as u64 != size {
            return None;
        }
        Some(Fetched {
            at,
            size,
            data: data.to_vec(),
            whole,
        })
    }

    /// `UID FETCH uid query`, the answer for that UID (others are unsolicited).
    async fn fetch_one(
        &self,
        conn: &mut Conn,
        folder: &str,
        uid: u32,
        query: &str,
    ) -> Result<Option<async_imap::types::Fetch>, Failure> {
        let what = format!("UID FETCH {uid} in {folder:?} for {}", conn.account);
        let mut found = None;
        {
            let mut fetches = self
                .exchange(&what, conn.session.uid_fetch(uid.to_string(), query))
                .await?;
            loop {
                let next = self
                    .exchange(&what, async { fetches.next().await.transpose() })
                    .await?;
                let Some(fetch) = next else { break };
                if fetch.uid == Some(uid) {
                    found = Some(fetch);
                }
            }
        }
        drain(&mut conn.session);
        Ok(found)
    }

    /// Makes sure `folders` exist in `account`'s mailbox (for the demo's APPENDs); safe
    /// to run by several writers at once.
    pub(crate) async fn create_folders(
        &self,
        account: &AccountId,
        folders: &[&str],
    ) -> Result<(), SourceError> {
        let mut state = self.state.lock().await;
        let conn = self
            .session(&mut state.conn, account)
            .await
            .map_err(Failure::into_error)?;
        for folder in folders {
            let created = self
                .exchange(
                    &format!("CREATE {folder:?} for {account}"),
                    conn.session.create(folder),
                )
                .await;
            // Refused because it exists (perhaps made a moment ago by another writer):
            // that is what was wanted.
            if let Err(Failure::Answer(error)) = created {
                if self.examine(conn, folder).await.is_err() {
                    return Err(error);
                }
            } else {
                created.map_err(Failure::into_error)?;
            }
        }
        drain(&mut conn.session);
        Ok(())
    }

    /// Appends one message to `folder` of `account` with INTERNALDATE `at` (the demo
    /// fills mailboxes this way; collection never writes).
    pub(crate) async fn append(
        &self,
        account: &AccountId,
        folder: &str,
        seen: bool,
        at: Timestamp,
        message: &[u8],
    ) -> Result<(), SourceError> {
        let mut state = self.state.lock().await;
        let conn = self
            .session(&mut state.conn, account)
            .await
            .map_err(Failure::into_error)?;
        let date = format!("\"{}\"", imap_date_time(at));
        let flags = seen.then_some("(\\Seen)");
        let result = self
            .exchange(
                &format!("APPEND to {folder:?} for {account}"),
                conn.session
                    .append(folder, flags, Some(date.as_str()), message),
            )
            .await;
        drain(&mut conn.session);
        if let Err(Failure::Connection(_)) = &result {
            state.conn = None;
        }
        result.map_err(Failure::into_error)
    }
}

const BODY_QUERY: &str = "(UID INTERNALDATE RFC822.SIZE BODY.PEEK[])";
const HEADER_QUERY: &str = "(UID INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])";

/// The listed messages from the one asked for on that one FETCH reads: at most
/// [`READ_AHEAD_MESSAGES`], and whole ones only up to `budget` bytes in all
/// (empty when the first alone is bigger: it is then read in pieces).
fn read_ahead_batch(next: &[(u32, u32)], whole: bool, budget: u32) -> Vec<u32> {
    let mut bytes = 0u64;
    let mut batch = Vec::new();
    for &(uid, size) in next.iter().take(READ_AHEAD_MESSAGES) {
        if whole {
            bytes += u64::from(size);
            if bytes > u64::from(budget) {
                break;
            }
        }
        batch.push(uid);
    }
    batch
}

/// Writes `part` of message `uid` from what was read ahead, if it is there and has
/// what `part` needs; `None` otherwise. Messages before it are dropped (fetches go
/// forward), and so is the message once its envelope, which comes last, is written.
async fn serve_ahead(
    ahead: &mut Option<Ahead>,
    key: (&AccountId, &str, u32, u32),
    part: Part,
    out: &mut (dyn AsyncWrite + Send + Unpin),
    written: &mut u64,
) -> Result<Option<u64>, Failure> {
    let (account, folder, validity, uid) = key;
    let Some(held) = ahead
        .as_mut()
        .filter(|a| a.account == *account && a.folder == folder && a.validity == validity)
    else {
        return Ok(None);
    };
    held.messages = held.messages.split_off(&uid);
    let Some(fetched) = held.messages.get(&uid) else {
        return Ok(None);
    };
    if part == Part::Eml && !fetched.whole {
        return Ok(None);
    }
    let n = write_part(fetched, part, out, written).await?;
    if part == Part::Envelope {
        held.messages.remove(&uid);
    }
    Ok(Some(n))
}

async fn write_part(
    fetched: &Fetched,
    part: Part,
    out: &mut (dyn AsyncWrite + Send + Unpin),
    written: &mut u64,
) -> Result<u64, Failure> {
    let envelope;
    let bytes = match part {
        Part::Eml => fetched.data.as_slice(),
        Part::Envelope => {
            envelope = Envelope::from_header(&fetched.data, fetched.size, fetched.at).to_json();
            envelope.as_slice()
        }
    };
    out.write_all(bytes)
        .await
        .map_err(|e| Failure::Answer(SourceError::Io(e)))?;
    *written += bytes.len() as u64;
    Ok(*written)
}

#[async_trait::async_trait]
impl Source for ImapSource {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn list(
        &self,
        account: &AccountId,
        selection: &Selection,
    ) -> Result<Vec<ItemRef>, SourceError> {
        if !wants_mail(selection) {
            return Ok(Vec::new());
        }
        let mut state = self.state.lock().await;
        let State { conn, plans, ahead } = &mut *state;
        let mut retried = false;
        loop {
            let attempt = match self.session(conn, account).await {
                Ok(open) => self.list_in(open, selection).await,
                Err(failure) => Err(failure),
            };
            match attempt {
                Ok((items, new_plans)) => {
                    // The account's listing replaces its earlier one; a few accounts'
                    // plans are kept (a collection lists all its accounts, then fetches).
                    plans.retain(|plan| plan.account != *account);
                    plans.extend(new_plans);
                    while plans.len() > PLANS_KEPT {
                        plans.pop_front();
                    }
                    *ahead = None;
                    return Ok(items);
                }
                Err(Failure::Connection(error)) => {
                    *conn = None;
                    if retried {
                        return Err(error);
                    }
                    tracing::warn!(source = %self.config.name, %error, "IMAP connection lost; reconnecting");
                    retried = true;
                }
                Err(Failure::Answer(error)) => return Err(error),
            }
        }
    }

    async fn fetch(
        &self,
        account: &AccountId,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError> {
        let mut state = self.state.lock().await;
        let State { conn, plans, ahead } = &mut *state;
        let mut retried = false;
        loop {
            let mut written = 0;
            let attempt = match self.session(conn, account).await {
                Ok(open) => {
                    self.fetch_in(open, plans, ahead, item, &mut *out, &mut written)
                        .await
                }
                Err(failure) => Err(failure),
            };
            match attempt {
                Ok(n) => return Ok(n),
                Err(Failure::Connection(error)) => {
                    *conn = None;
                    *ahead = None;
                    // Bytes already written cannot be taken back: only a clean start retries.
                    if retried || written > 0 {
                        return Err(error);
                    }
                    tracing::warn!(source = %self.config.name, %error, "IMAP connection lost; reconnecting");
                    retried = true;
                }
                Err(Failure::Answer(error)) => return Err(error),
            }
        }
    }
}

/// Forgets the server's unsolicited responses (new mail, flag changes): listing and
/// fetching do not need them.
fn drain(session: &mut Session) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

/// `folder/uidvalidity/uid` → its parts; the folder may itself contain `/`.
fn parse_message_key(message: &str) -> Option<(&str, u32, u32)> {
    let (rest, uid) = message.rsplit_once('/')?;
    let (folder, validity) = rest.rsplit_once('/')?;
    if folder.is_empty() {
        return None;
    }
    Some((folder, validity.parse().ok()?, uid.parse().ok()?))
}

/// The UID SEARCH that narrows to the period by whole days, a day wider each side
/// (the server compares dates in its own time zone).
fn search_query(selection: &Selection) -> String {
    let Some(period) = selection.period else {
        return "ALL".to_owned();
    };
    let mut query = Vec::new();
    if let Some(since) = period.from().datetime().date().previous_day() {
        query.push(format!("SINCE {}", imap_date(since)));
    }
    // BEFORE is exclusive: the day after the last day, plus one for time zones.
    if let Some(before) = period
        .to()
        .datetime()
        .date()
        .next_day()
        .and_then(Date::next_day)
    {
        query.push(format!("BEFORE {}", imap_date(before)));
    }
    if query.is_empty() {
        "ALL".to_owned()
    } else {
        query.join(" ")
    }
}

fn month_name(month: Month) -> &'static str {
    match month {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    }
}

/// `1-Feb-2026` (IMAP `date`).
fn imap_date(date: Date) -> String {
    format!(
        "{}-{}-{}",
        date.day(),
        month_name(date.month()),
        date.year()
    )
}

/// `01-Feb-2026 09:30:00 +0000` (IMAP `date-time`, for APPEND).
fn imap_date_time(at: Timestamp) -> String {
    let at = at.datetime();
    format!(
        "{:02}-{}-{:04} {:02}:{:02}:{:02} +0000",
        at.day(),
        month_name(at.month()),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// `1:5,7,9:10` for sorted UIDs.
fn uid_set(uids: &[u32]) -> String {
    let mut set = String::new();
    let mut i = 0;
    while let Some(&start) = uids.get(i) {
        let mut end = start;
        while uids
            .get(i + 1)
            .is_some_and(|&next| Some(next) == end.checked_add(1))
        {
            i += 1;
            end = uids[i];
        }
        if !set.is_empty() {
            set.push(',');
        }
        if start == end {
            set.push_str(&start.to_string());
        } else {
            set.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    set
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use writ_core::demand::{Category, Period};

    use super::*;

    fn config() -> ImapConfig {
        ImapConfig::new(
            "127.0.0.1:10143",
            "writ-master",
            SecretString::from("hunter2-secret".to_owned()),
        )
    }

    #[test]
    fn master_login_names_the_account() {
        let config = config();
        assert_eq!(
            config
                .login_name(&AccountId("acc-alice".to_owned()))
                .unwrap(),
            "acc-alice*writ-master"
        );
        let mut templated = config.clone();
        templated.user = "{account}@example.com".to_owned();
        assert_eq!(
            templated
                .login_name(&AccountId("acc-alice".to_owned()))
                .unwrap(),
            "acc-alice@example.com*writ-master"
        );
        for bad in ["", "acc*other-master", "acc\r\nA1 LOGOUT"] {
            assert!(
                config.login_name(&AccountId(bad.to_owned())).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_password_never_shows() {
        let config = config();
        let source = ImapSource::new(config.clone()).unwrap();
        for text in [format!("{config:?}"), format!("{source:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
        }
    }

    #[test]
    fn config_reads_from_toml_and_checks_itself() {
        let parsed: ImapConfig = toml::from_str(
            r#"
            address = "imap.internal:143"
            master_user = "writ-master"
            master_password_env = "WRIT_TEST_SURELY_UNSET_VARIABLE"
            "#,
        )
        .unwrap();
        assert_eq!(parsed.name, "mail");
        assert_eq!(parsed.user, "{account}");
        assert_eq!(parsed.tls, ImapTls::None);
        assert_eq!(parsed.read_ahead_bytes, DEFAULT_READ_AHEAD_BYTES);
        let error = ImapSource::new(parsed).unwrap_err().to_string();
        assert!(
            error.contains("WRIT_TEST_SURELY_UNSET_VARIABLE is not set"),
            "{error}"
        );

        let unknown = toml::from_str::<ImapConfig>(
            "address = \"a:1\"\nmaster_user = \"m\"\nmaster_pasword = \"x\"\n",
        );
        assert!(unknown.unwrap_err().to_string().contains("master_pasword"));
        let tls = toml::from_str::<ImapConfig>(
            "address = \"a:1\"\nmaster_user = \"m\"\ntls = \"starttls\"\n",
        );
        assert!(tls.unwrap_err().to_string().contains("starttls"));

        let mut no_account = config();
        no_account.user = "shared".to_owned();
        assert!(
            ImapSource::new(no_account)
                .unwrap_err()
                .to_string()
                .contains("{account}")
        );
        let mut no_port = config();
        no_port.address = "localhost".to_owned();
        assert!(
            ImapSource::new(no_port)
                .unwrap_err()
                .to_string()
                .contains("host:port")
        );
        let mut both = config();
        both.master_password_env = Some("X".to_owned());
        assert!(
            ImapSource::new(both)
                .unwrap_err()
                .to_string()
                .contains("not both")
        );
    }

    #[tokio::test]
    async fn no_mail_category_no_connection() {
        // Nothing listens on port 1: only a selection that wants mail tries to connect.
        let mut config = config();
        config.address = "127.0.0.1:1".to_owned();
        config.timeout_seconds = 5;
        let source = ImapSource::new(config).unwrap();
        let alice = AccountId("acc-alice".to_owned());
        let subscriber = Selection {
            categories: vec![Category::Subscriber, Category::IpIdentification],
            period: None,
        };
        assert!(source.list(&alice, &subscriber).await.unwrap().is_empty());
        let content = Selection {
            categories: vec![Category::Content],
            period: None,
        };
        let error = source.list(&alice, &content).await.unwrap_err();
        assert!(
            matches!(error, SourceError::Unavailable { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("connecting to 127.0.0.1:1"),
            "{error}"
        );
    }

    #[test]
    fn read_ahead_stays_within_its_budget() {
        let listed: Vec<(u32, u32)> = (1..=500).map(|uid| (uid, 1000)).collect();
        assert_eq!(
            read_ahead_batch(&listed, true, 10_500),
            (1..=10).collect::<Vec<_>>()
        );
        assert_eq!(
            read_ahead_batch(&listed, false, 4096).len(),
            READ_AHEAD_MESSAGES
        );
        assert_eq!(read_ahead_batch(&listed[490..], true, 1 << 20).len(), 10);
        let big_first = [(7, 5000), (8, 10)];
        assert!(
            read_ahead_batch(&big_first, true, 4096).is_empty(),
            "read in pieces instead"
        );
        assert_eq!(
            read_ahead_batch(&big_first, false, 4096),
            [7, 8],
            "headers are small"
        );
        let mut config = config();
        config.read_ahead_bytes = 100;
        assert!(
            ImapSource::new(config)
                .unwrap_err()
                .to_string()
                .contains("read_ahead_bytes")
        );
    }

    #[test]
    fn keys_come_apart_from_the_right() {
        assert_eq!(parse_message_key("INBOX/17/42"), Some(("INBOX", 17, 42)));
        assert_eq!(parse_message_key("a/b/c/17/42"), Some(("a/b/c", 17, 42)));
        assert_eq!(parse_message_key("/17/42"), None);
        assert_eq!(parse_message_key("INBOX/x/42"), None);
    }

    #[test]
    fn search_widens_the_period_by_a_day() {
        let at = |t| Timestamp::parse(t).unwrap();
        let selection = Selection {
            categories: vec![Category::Content],
            period: Period::new(at("2026-03-01T00:00:00Z"), at("2026-03-09T23:59:59Z")),
        };
        assert_eq!(
            search_query(&selection),
            "SINCE 28-Feb-2026 BEFORE 11-Mar-2026"
        );
        let any_time = Selection {
            categories: vec![Category::Content],
            period: None,
        };
        assert_eq!(search_query(&any_time), "ALL");
        assert_eq!(
            imap_date_time(at("2026-03-01T07:08:09Z")),
            "01-Mar-2026 07:08:09 +0000"
        );
    }

    proptest! {
        #[test]
        fn uid_sets_name_exactly_the_uids(mut uids in proptest::collection::btree_set(1u32..200, 0..60)) {
            let uids: Vec<u32> = std::mem::take(&mut uids).into_iter().collect();
            let set = uid_set(&uids);
            let mut back = Vec::new();
            if !set.is_empty() {
                for range in set.split(',') {
                    match range.split_once(':') {
                        Some((a, b)) => back.extend(a.parse::<u32>().unwrap()..=b.parse::<u32>().unwrap()),
                        None => back.push(range.parse::<u32>().unwrap()),
                    }
                }
            }
            prop_assert_eq!(back, uids);
        }
    }
}
