//! The mail sources against real mailboxes: Maildir trees written by the demo
//! generator (always), and Dovecot over IMAP when `scripts/test` has started it
//! (`WRIT_TEST_IMAP_ADDR` and friends; see `scripts/lib/dovecot.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

#[path = "support/common.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use mail_parser::MessageParser;
use proptest::prelude::*;
use rand::Rng as _;
use secrecy::SecretString;
use writ_core::Timestamp;
use writ_core::demand::{Category, Period};
use writ_sources::demo::mail::{
    DemoMailOptions, DemoMessage, append_imap, append_imap_with, messages, messages_with,
    write_maildir,
};
use writ_sources::demo::{DemoAccount, DemoSpec};
use writ_sources::mail::{Envelope, ImapConfig, ImapSource, MaildirConfig, MaildirSource};
use writ_sources::{AccountId, Selection, Source};

use common::{at, fetch};

// ---------------------------------------------------------------------------------------
// helpers

fn account(id: &str) -> DemoAccount {
    let name = id.trim_start_matches("acc-");
    DemoAccount {
        id: id.to_owned(),
        name: format!("{} Tester", name.to_uppercase()),
        email: format!("{name}@example.com"),
        phone: None,
        username: name.to_owned(),
        tenant: None,
    }
}

fn spec(accounts: Vec<DemoAccount>, seed: u64) -> DemoSpec {
    DemoSpec {
        accounts,
        tenants: Vec::new(),
        period: Period::new(at("2025-06-01T00:00:00Z"), at("2026-05-31T23:59:59Z")).unwrap(),
        seed,
    }
}

fn select(categories: &[Category], period: Option<Period>) -> Selection {
    Selection {
        categories: categories.to_vec(),
        period,
    }
}

const BOTH: [Category; 2] = [Category::Content, Category::Traffic];

fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// What a generated message must look like in an envelope.
struct Expected {
    folder: String,
    received_at: Timestamp,
    bytes: Vec<u8>,
    subject: String,
    body_line: String,
}

/// The generated messages by Message-ID (as written, with angle brackets).
fn by_message_id(generated: &[DemoMessage]) -> BTreeMap<String, Expected> {
    let parser = MessageParser::default();
    generated
        .iter()
        .map(|message| {
            let parsed = parser.parse(&message.bytes).unwrap();
            let id = format!("<{}>", parsed.message_id().unwrap());
            let body = parsed.body_text(0).unwrap();
            let body_line = body
                .lines()
                .find(|line| line.len() > 20)
                .unwrap()
                .to_owned();
            let expected = Expected {
                folder: message.folder.clone(),
                received_at: message.received_at,
                bytes: message.bytes.clone(),
                subject: parsed.subject().unwrap().to_owned(),
                body_line,
            };
            (id, expected)
        })
        .collect()
}

/// Checks every item of a full collection (both categories, no period) against the
/// generated mail: byte-exact messages, envelopes with the right fields and nothing of
/// the content, folders, times. Returns the envelopes by Message-ID.
async fn check_full_collection(
    source: &dyn Source,
    account: &AccountId,
    generated: &[DemoMessage],
) -> BTreeMap<String, Envelope> {
    let items = source.list(account, &select(&BOTH, None)).await.unwrap();
    assert_eq!(
        items.len(),
        generated.len() * 2,
        "an .eml and an envelope per message"
    );
    let expected = by_message_id(generated);

    let mut emls = Vec::new();
    let mut envelopes = BTreeMap::new();
    for item in &items {
        let bytes = fetch(source, &account.0, item).await;
        match item.category {
            Category::Content => {
                assert!(item.path.ends_with(".eml"), "{}", item.path);
                emls.push((folder_of(&item.path).to_owned(), item.timestamp, bytes));
            }
            Category::Traffic => {
                assert!(item.path.ends_with(".envelope.json"), "{}", item.path);
                let text = String::from_utf8(bytes).unwrap();
                let fields: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&text).unwrap();
                let names: BTreeSet<&str> = fields.keys().map(String::as_str).collect();
                assert_eq!(
                    names,
                    BTreeSet::from([
                        "cc",
                        "date",
                        "from",
                        "message_id",
                        "received",
                        "received_at",
                        "size",
                        "to"
                    ])
                );
                let envelope: Envelope = serde_json::from_str(&text).unwrap();
                let id = envelope.message_id.clone().unwrap();
                let message = &expected[&id];
                assert!(!text.contains(&message.subject), "Subject in {text}");
                assert!(!text.contains(&message.body_line), "body in {text}");
                assert_eq!(envelope.size, message.bytes.len() as u64, "{id}");
                assert_eq!(envelope.received_at, message.received_at, "{id}");
                assert_eq!(Some(envelope.received_at), item.timestamp, "{id}");
                assert_eq!(folder_of(&item.path), message.folder, "{id}");
                assert!(!envelope.from.is_empty() && !envelope.to.is_empty());
                assert!(!envelope.received.is_empty() && envelope.date.is_some());
                assert!(
                    envelopes.insert(id, envelope).is_none(),
                    "one envelope per message"
                );
            }
            other => panic!("mail listed a {other} item"),
        }
        assert_eq!(item.rows, None);
    }
    // Byte for byte, as generated, in the right folder at the right time.
    let mut got: Vec<_> = emls;
    got.sort();
    let mut want: Vec<_> = generated
        .iter()
        .map(|m| (m.folder.clone(), Some(m.received_at), m.bytes.clone()))
        .collect();
    want.sort();
    assert!(
        got == want,
        "the .eml files are the generated messages, byte for byte"
    );
    assert_eq!(envelopes.len(), generated.len());
    envelopes
}

/// Selection by category and by period, against the generated times.
async fn check_selections(source: &dyn Source, account: &AccountId, generated: &[DemoMessage]) {
    let content = source
        .list(account, &select(&[Category::Content], None))
        .await
        .unwrap();
    assert_eq!(content.len(), generated.len());
    assert!(
        content
            .iter()
            .all(|i| i.category == Category::Content && i.path.ends_with(".eml"))
    );

    let traffic = source
        .list(account, &select(&[Category::Traffic], None))
        .await
        .unwrap();
    assert_eq!(traffic.len(), generated.len());
    assert!(
        traffic
            .iter()
            .all(|i| i.category == Category::Traffic && i.path.ends_with(".envelope.json"))
    );

    let nothing = source
        .list(
            account,
            &select(&[Category::Subscriber, Category::IpIdentification], None),
        )
        .await
        .unwrap();
    assert!(nothing.is_empty(), "mail has no subscriber or IP data");

    // Boundaries are inclusive, to the second: a period from one message's time to
    // another's takes both and everything between, and nothing outside.
    let mut times: Vec<Timestamp> = generated.iter().map(|m| m.received_at).collect();
    times.sort();
    let (first, last) = (times[times.len() / 4], times[times.len() * 3 / 4]);
    let period = Period::new(first, last).unwrap();
    let want = times.iter().filter(|t| period.contains(**t)).count();
    let items = source
        .list(account, &select(&[Category::Content], Some(period)))
        .await
        .unwrap();
    assert_eq!(items.len(), want);
    assert!(
        items
            .iter()
            .all(|i| i.timestamp.is_some_and(|t| period.contains(t)))
    );
    assert!(items.iter().any(|i| i.timestamp == Some(first)));
    assert!(items.iter().any(|i| i.timestamp == Some(last)));

    let one_second = time::Duration::seconds(1);
    let just_after = Period::new(first.checked_add(one_second).unwrap(), last).unwrap();
    let fewer = source
        .list(account, &select(&[Category::Content], Some(just_after)))
        .await
        .unwrap();
    let at_first = times.iter().filter(|t| **t == first).count();
    assert_eq!(
        fewer.len(),
        want - at_first,
        "a second later leaves the first out"
    );

    let single = Period::new(first, first).unwrap();
    let exact = source
        .list(account, &select(&BOTH, Some(single)))
        .await
        .unwrap();
    assert_eq!(exact.len(), at_first * 2, "a one-instant period");

    // Stable: the same listing twice, keys unique.
    let again = source.list(account, &select(&BOTH, None)).await.unwrap();
    let once = source.list(account, &select(&BOTH, None)).await.unwrap();
    assert_eq!(again, once);
    let keys: BTreeSet<_> = once.iter().map(|i| &i.key).collect();
    let paths: BTreeSet<_> = once.iter().map(|i| &i.path).collect();
    assert_eq!(keys.len(), once.len(), "keys are unique");
    assert_eq!(paths.len(), once.len(), "paths are unique");
}

// ---------------------------------------------------------------------------------------
// Maildir

#[tokio::test]
async fn maildir_collects_demo_mail_exactly() {
    let root = tempfile::tempdir().unwrap();
    let spec = spec(vec![account("acc-alice"), account("acc-bruno")], 11);
    write_maildir(root.path(), &spec, 60).unwrap();
    let source = MaildirSource::new(MaildirConfig::new(root.path()));
    let alice = AccountId("acc-alice".to_owned());
    let generated: Vec<_> = messages(&spec, &spec.accounts[0], 60).collect();

    check_full_collection(&source, &alice, &generated).await;
    check_selections(&source, &alice, &generated).await;

    let folders: BTreeSet<_> = source
        .list(&alice, &select(&[Category::Content], None))
        .await
        .unwrap()
        .into_iter()
        .map(|i| folder_of(&i.path).to_owned())
        .collect();
    assert_eq!(
        folders,
        BTreeSet::from(["Archive".to_owned(), "INBOX".to_owned(), "Sent".to_owned()])
    );
}

#[tokio::test]
async fn maildir_without_the_account_has_nothing_and_refuses_odd_names() {
    let root = tempfile::tempdir().unwrap();
    let source = MaildirSource::new(MaildirConfig::new(root.path()));
    let items = source
        .list(&AccountId("acc-nobody".to_owned()), &select(&BOTH, None))
        .await
        .unwrap();
    assert!(items.is_empty());
    let error = source
        .list(&AccountId("../etc".to_owned()), &select(&BOTH, None))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("../etc"), "{error}");
}

#[tokio::test]
async fn maildir_follows_a_message_whose_flags_changed() {
    let root = tempfile::tempdir().unwrap();
    let spec = spec(vec![account("acc-alice")], 3);
    write_maildir(root.path(), &spec, 30).unwrap();
    let source = MaildirSource::new(MaildirConfig::new(root.path()));
    let alice = AccountId("acc-alice".to_owned());
    let inbox = root.path().join("acc-alice/Maildir");
    // One unread message in new/ for certain.
    let first = std::fs::read_dir(inbox.join("cur"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let first_name = first.file_name().into_string().unwrap();
    let unread_name = first_name.split(":2,").next().unwrap();
    std::fs::rename(first.path(), inbox.join("new").join(unread_name)).unwrap();
    let items = source.list(&alice, &select(&BOTH, None)).await.unwrap();

    // A mail client reads the new message (new/ → cur/ with :2,S) and flags an old one.
    let unread = std::fs::read_dir(inbox.join("new"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let name = unread.file_name().into_string().unwrap();
    let content_before = std::fs::read(unread.path()).unwrap();
    std::fs::rename(unread.path(), inbox.join("cur").join(format!("{name}:2,S"))).unwrap();
    let read = std::fs::read_dir(inbox.join("cur"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let read_name = read.file_name().into_string().unwrap();
    std::fs::rename(read.path(), inbox.join("cur").join(format!("{read_name}F"))).unwrap();

    let after = source.list(&alice, &select(&BOTH, None)).await.unwrap();
    assert_eq!(
        items, after,
        "same keys, paths and times after flag changes"
    );
    let moved = items
        .iter()
        .find(|i| i.key.contains(&name) && i.category == Category::Content)
        .unwrap();
    assert_eq!(fetch(&source, &alice.0, moved).await, content_before);
    for item in &items {
        fetch(&source, &alice.0, item).await;
    }

    // A message deleted since listing is an error that names it, not silence.
    let gone = std::fs::read_dir(inbox.join("cur"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let gone_name = gone.file_name().into_string().unwrap();
    std::fs::remove_file(gone.path()).unwrap();
    let base = gone_name.split(":2,").next().unwrap();
    let item = items.iter().find(|i| i.key.contains(base)).unwrap();
    let mut out = Vec::new();
    let error = source.fetch(&alice, item, &mut out).await.unwrap_err();
    assert!(error.to_string().contains(base), "{error}");
}

#[tokio::test]
async fn maildir_nested_folders_and_odd_files() {
    let root = tempfile::tempdir().unwrap();
    let maildir = root.path().join("acc-x/Maildir");
    let write = |dir: &str, name: &str, when: &str, body: &[u8]| {
        let dir = maildir.join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let when = Timestamp::parse(when).unwrap();
        let time = std::time::UNIX_EPOCH
            + std::time::Duration::from_micros(when.unix_micros().try_into().unwrap());
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(time)
            .unwrap();
    };
    let message = b"From: a@example.org\nTo: x@example.com\nSubject: s\n\nhello\n";
    write(
        ".Archive.2024/cur",
        "100.M1.host:2,S",
        "2024-05-01T10:00:00Z",
        message,
    );
    write("cur", "200.M2.host:2,", "2024-05-02T10:00:00.700Z", message);
    write("tmp", "300.M3.host", "2024-05-02T10:00:00Z", message);
    write("cur", ".hidden", "2024-05-02T10:00:00Z", message);
    std::os::unix::fs::symlink("/etc/passwd", maildir.join("cur/400.M4.host:2,S")).unwrap();

    let source = MaildirSource::new(MaildirConfig::new(root.path()));
    let x = AccountId("acc-x".to_owned());
    let items = source.list(&x, &select(&BOTH, None)).await.unwrap();
    let listed: Vec<_> = items
        .iter()
        .map(|i| (i.path.as_str(), i.timestamp))
        .collect();
    assert_eq!(
        listed,
        [
            ("INBOX/200.M2.host.eml", Some(at("2024-05-02T10:00:00Z"))),
            (
                "INBOX/200.M2.host.envelope.json",
                Some(at("2024-05-02T10:00:00Z"))
            ),
            (
                "Archive/2024/100.M1.host.eml",
                Some(at("2024-05-01T10:00:00Z"))
            ),
            (
                "Archive/2024/100.M1.host.envelope.json",
                Some(at("2024-05-01T10:00:00Z"))
            ),
        ],
        "no tmp/, hidden or symlinked files; mtime in whole seconds"
    );
    let envelope: Envelope =
        serde_json::from_slice(&fetch(&source, &x.0, &items[1]).await).unwrap();
    assert_eq!(
        envelope.size,
        message.len() as u64 + 5,
        "size counts CRLF line ends"
    );
    assert_eq!(envelope.from, ["a@example.org"]);
}

// A random mailbox, a random period and random categories: the listing is exactly the
// messages in the period times the wanted categories, keys unique and stable.
proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn maildir_lists_exactly_the_selection(
        mailbox in proptest::collection::vec(
            (prop::sample::select(vec!["INBOX", ".Sent", ".Archive", ".Archive.2024"]),
             0i64..2_000, any::<bool>()),
            0..40),
        from in 0i64..2_000,
        length in 0i64..2_000,
        categories in proptest::sample::subsequence(
            vec![Category::Subscriber, Category::IpIdentification, Category::Traffic, Category::Content], 0..=4),
        with_period in any::<bool>(),
    ) {
        let root = tempfile::tempdir().unwrap();
        let maildir = root.path().join("acc-p/Maildir");
        let base_time = 1_750_000_000i64;
        let mut expected = BTreeSet::new();
        let period = with_period.then(|| Period::new(
            Timestamp::from_unix_micros((base_time + from) * 1_000_000).unwrap(),
            Timestamp::from_unix_micros((base_time + from + length) * 1_000_000).unwrap(),
        ).unwrap());
        for (i, (folder, offset, seen)) in mailbox.iter().enumerate() {
            let dir = if *folder == "INBOX" { maildir.clone() } else { maildir.join(folder) };
            let base = format!("{}.M{i}.test", base_time + offset);
            let (sub, name) = if *seen { ("cur", format!("{base}:2,S")) } else { ("new", base.clone()) };
            std::fs::create_dir_all(dir.join(sub)).unwrap();
            let path = dir.join(sub).join(name);
            std::fs::write(&path, format!("Subject: {i}\r\n\r\nbody {i}\r\n")).unwrap();
            let secs = base_time + offset;
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
            let stamp = Timestamp::from_unix_micros(secs * 1_000_000).unwrap();
            if period.is_none_or(|p| p.contains(stamp)) {
                let folder_path = match *folder {
                    "INBOX" => "INBOX".to_owned(),
                    other => other.trim_start_matches('.').replace('.', "/"),
                };
                if categories.contains(&Category::Content) {
                    expected.insert((format!("{folder_path}/{base}.eml"), Category::Content, stamp));
                }
                if categories.contains(&Category::Traffic) {
                    expected.insert((format!("{folder_path}/{base}.envelope.json"), Category::Traffic, stamp));
                }
            }
        }
        let selection = Selection { categories: categories.clone(), period };
        let source = MaildirSource::new(MaildirConfig::new(root.path()));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let account = AccountId("acc-p".to_owned());
        let first = runtime.block_on(source.list(&account, &selection)).unwrap();
        let second = runtime.block_on(source.list(&account, &selection)).unwrap();
        prop_assert_eq!(&first, &second);
        let got: BTreeSet<_> = first
            .iter()
            .map(|i| (i.path.clone(), i.category, i.timestamp.unwrap()))
            .collect();
        prop_assert_eq!(got.len(), first.len(), "no item twice");
        prop_assert_eq!(got, expected);
        let keys: BTreeSet<_> = first.iter().map(|i| i.key.as_str()).collect();
        prop_assert_eq!(keys.len(), first.len(), "keys unique");
    }
}

// ---------------------------------------------------------------------------------------
// IMAP (Dovecot)

struct Dovecot {
    address: String,
    master_user: String,
    maildir_root: Option<String>,
}

fn dovecot() -> Option<Dovecot> {
    let Ok(address) = std::env::var("WRIT_TEST_IMAP_ADDR") else {
        eprintln!("skipped: Dovecot not running (set WRIT_TEST_IMAP_ADDR; scripts/test starts it)");
        return None;
    };
    Some(Dovecot {
        address,
        master_user: std::env::var("WRIT_TEST_IMAP_MASTER_USER").unwrap(),
        maildir_root: std::env::var("WRIT_TEST_IMAP_MAILDIR_ROOT").ok(),
    })
}

impl Dovecot {
    /// The password from the file-value form of the configuration.
    fn config(&self) -> ImapConfig {
        let password = std::env::var("WRIT_TEST_IMAP_MASTER_PASSWORD").unwrap();
        ImapConfig::new(
            &self.address,
            &self.master_user,
            SecretString::from(password),
        )
    }

    /// The same server, the password named by environment variable.
    fn config_from_env(&self) -> ImapConfig {
        let mut config = self.config();
        config.master_password = None;
        config.master_password_env = Some("WRIT_TEST_IMAP_MASTER_PASSWORD".to_owned());
        config
    }
}

fn fresh_account() -> DemoAccount {
    account(&format!(
        "acc-t{:012x}",
        rand::rng().random::<u64>() & 0xFFFF_FFFF_FFFF
    ))
}

/// Every message's flags, by folder and UID, read the way collection does (EXAMINE).
async fn flags(config: &ImapConfig, account: &str) -> BTreeMap<(String, u32), Vec<String>> {
    use futures::StreamExt as _;
    let stream = tokio::net::TcpStream::connect(&config.address)
        .await
        .unwrap();
    let mut client = async_imap::Client::new(stream);
    client.read_response().await.unwrap();
    let password = std::env::var("WRIT_TEST_IMAP_MASTER_PASSWORD").unwrap();
    let mut session = client
        .login(format!("{account}*{}", config.master_user), password)
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    let mut all = BTreeMap::new();
    for folder in ["INBOX", "Sent", "Archive"] {
        let mailbox = session.examine(folder).await.unwrap();
        if mailbox.exists == 0 {
            continue;
        }
        let fetches: Vec<_> = session
            .uid_fetch("1:*", "(UID FLAGS)")
            .await
            .unwrap()
            .collect()
            .await;
        for fetch in fetches {
            let fetch = fetch.unwrap();
            let mut names: Vec<String> = fetch.flags().map(|f| format!("{f:?}")).collect();
            names.sort();
            all.insert((folder.to_owned(), fetch.uid.unwrap()), names);
        }
    }
    session.logout().await.unwrap();
    all
}

#[tokio::test]
async fn imap_collects_demo_mail_exactly_and_changes_nothing() {
    let Some(dovecot) = dovecot() else { return };
    let demo = fresh_account();
    let spec = spec(vec![demo.clone()], 21);
    let stats = append_imap(&dovecot.config(), &spec, 40).await.unwrap();
    assert_eq!(stats.messages, 40);
    let generated: Vec<_> = messages(&spec, &demo, 40).collect();
    let id = AccountId(demo.id.clone());

    let before = flags(&dovecot.config(), &demo.id).await;
    assert_eq!(before.len(), 40);
    let unread = before
        .values()
        .filter(|f| !f.iter().any(|f| f == "Seen"))
        .count();
    assert!(
        unread > 0,
        "some mail is unread, so a \\Seen change would show: {before:?}"
    );

    let source = ImapSource::new(dovecot.config_from_env()).unwrap();
    let envelopes = check_full_collection(&source, &id, &generated).await;
    check_selections(&source, &id, &generated).await;

    let after = flags(&dovecot.config(), &demo.id).await;
    assert_eq!(before, after, "collection leaves every flag as it was");

    // Dovecot keeps the same mail as Maildir: both sources agree on every envelope.
    if let Some(root) = &dovecot.maildir_root {
        let maildir = MaildirSource::new(MaildirConfig::new(Path::new(root)));
        let from_files = check_full_collection_maildir_envelopes(&maildir, &id).await;
        assert_eq!(
            from_files, envelopes,
            "IMAP and Maildir envelopes are the same"
        );
        let imap_times: Vec<_> = source
            .list(&id, &select(&BOTH, None))
            .await
            .unwrap()
            .into_iter()
            .map(|i| {
                (
                    i.path.split('/').next().unwrap().to_owned(),
                    i.timestamp,
                    i.category,
                )
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let maildir_times: Vec<_> = maildir
            .list(&id, &select(&BOTH, None))
            .await
            .unwrap()
            .into_iter()
            .map(|i| {
                (
                    i.path.split('/').next().unwrap().to_owned(),
                    i.timestamp,
                    i.category,
                )
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(imap_times, maildir_times, "same folders and times");
    } else {
        println!("skipped: Maildir comparison (set WRIT_TEST_IMAP_MAILDIR_ROOT)");
    }
}

/// The envelopes a Maildir source gives for an account, by Message-ID.
async fn check_full_collection_maildir_envelopes(
    source: &MaildirSource,
    account: &AccountId,
) -> BTreeMap<String, Envelope> {
    let mut envelopes = BTreeMap::new();
    for item in source
        .list(account, &select(&[Category::Traffic], None))
        .await
        .unwrap()
    {
        let envelope: Envelope =
            serde_json::from_slice(&fetch(source, &account.0, &item).await).unwrap();
        envelopes.insert(envelope.message_id.clone().unwrap(), envelope);
    }
    envelopes
}

#[tokio::test]
async fn imap_switches_accounts_and_knows_no_stranger() {
    let Some(dovecot) = dovecot() else { return };
    let demo = fresh_account();
    let spec = spec(vec![demo.clone()], 5);
    append_imap(&dovecot.config(), &spec, 12).await.unwrap();
    let source = ImapSource::new(dovecot.config()).unwrap();
    let id = AccountId(demo.id.clone());
    let stranger = AccountId(fresh_account().id);

    let items = source.list(&id, &select(&BOTH, None)).await.unwrap();
    assert_eq!(items.len(), 24);
    // Another account in between: its own (empty) mailbox, then back.
    assert!(
        source
            .list(&stranger, &select(&BOTH, None))
            .await
            .unwrap()
            .is_empty()
    );
    let generated: BTreeSet<Vec<u8>> = messages(&spec, &demo, 12).map(|m| m.bytes).collect();
    for item in items.iter().filter(|i| i.category == Category::Content) {
        assert!(
            generated.contains(&fetch(&source, &id.0, item).await),
            "{}",
            item.key
        );
    }
    // A key from another mailbox generation (UIDVALIDITY) is refused, not misread.
    let mut stale = items[0].clone();
    let parts: Vec<&str> = stale.key.split('/').collect();
    stale.key = format!(
        "{}/{}/{}/{}",
        parts[0],
        parts[1].parse::<u32>().unwrap() + 1,
        parts[2],
        parts[3]
    );
    let mut out = Vec::new();
    let error = source.fetch(&id, &stale, &mut out).await.unwrap_err();
    assert!(error.to_string().contains("UIDVALIDITY"), "{error}");
    assert!(out.is_empty());
}

#[tokio::test]
async fn imap_refuses_a_wrong_master_password() {
    let Some(dovecot) = dovecot() else { return };
    let config = ImapConfig::new(
        &dovecot.address,
        &dovecot.master_user,
        SecretString::from("not-the-password".to_owned()),
    );
    let source = ImapSource::new(config).unwrap();
    let error = source
        .list(&AccountId("acc-alice".to_owned()), &select(&BOTH, None))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("logging in"), "{error}");
    assert!(!error.contains("not-the-password"), "{error}");
}

#[tokio::test]
async fn imap_reads_big_messages_in_pieces_and_without_a_listing() {
    let Some(dovecot) = dovecot() else { return };
    let demo = fresh_account();
    let spec = spec(vec![demo.clone()], 8);
    // Every message carries 96 KiB or more of attachments: with a read-ahead of 64 KiB,
    // each is read on its own, in several pieces.
    let options = DemoMailOptions {
        per_account: 3,
        attachment_bytes: 192 * 1024,
        attachment_percent: 100,
    };
    let read_ahead = 64 * 1024;
    let small = || {
        let mut config = dovecot.config();
        config.read_ahead_bytes = read_ahead;
        config
    };
    append_imap_with(&dovecot.config(), &spec, &options)
        .await
        .unwrap();
    let generated: Vec<DemoMessage> = messages_with(&spec, &demo, &options).collect();
    // At least 96 KiB each (a text attachment is not base64-encoded), so more than one
    // read-ahead's worth: each is read in pieces.
    assert!(
        generated
            .iter()
            .all(|m| m.bytes.len() > read_ahead as usize)
    );
    let bytes: BTreeSet<&[u8]> = generated.iter().map(|m| m.bytes.as_slice()).collect();
    let id = AccountId(demo.id.clone());

    let source = ImapSource::new(small()).unwrap();
    let items = source
        .list(&id, &select(&[Category::Content], None))
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    for item in &items {
        assert!(
            bytes.contains(fetch(&source, &id.0, item).await.as_slice()),
            "{}",
            item.key
        );
    }

    // Envelopes only: headers are read, the sizes are the whole messages'.
    let envelopes = source
        .list(&id, &select(&[Category::Traffic], None))
        .await
        .unwrap();
    let mut sizes = Vec::new();
    for item in &envelopes {
        let envelope: Envelope =
            serde_json::from_slice(&fetch(&source, &id.0, item).await).unwrap();
        sizes.push(envelope.size);
    }
    sizes.sort_unstable();
    let mut want: Vec<u64> = generated.iter().map(|m| m.bytes.len() as u64).collect();
    want.sort_unstable();
    assert_eq!(sizes, want);

    // A source that did not list (a collection resumed by another process) fetches each
    // message on its own, in any order.
    let fresh = ImapSource::new(small()).unwrap();
    for item in items.iter().rev() {
        assert!(
            bytes.contains(fetch(&fresh, &id.0, item).await.as_slice()),
            "{}",
            item.key
        );
    }
    for item in envelopes.iter().rev() {
        let envelope: Envelope = serde_json::from_slice(&fetch(&fresh, &id.0, item).await).unwrap();
        assert!(want.contains(&envelope.size));
    }
}

#[tokio::test]
async fn imap_demo_writers_can_share_a_fresh_mailbox() {
    let Some(dovecot) = dovecot() else { return };
    let demo = fresh_account();
    let spec = spec(vec![demo.clone()], 4);
    // Both find the folders missing and create them: the second CREATE is refused.
    let config = dovecot.config();
    let (a, b) = tokio::join!(
        append_imap(&config, &spec, 5),
        append_imap(&config, &spec, 5)
    );
    assert_eq!(a.unwrap().messages + b.unwrap().messages, 10);
    let source = ImapSource::new(dovecot.config()).unwrap();
    let items = source
        .list(&AccountId(demo.id), &select(&[Category::Content], None))
        .await
        .unwrap();
    assert_eq!(items.len(), 10);
}
