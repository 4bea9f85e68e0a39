//! Mail: an account's messages, from a Maildir tree ([`MaildirSource`]) or from an IMAP
//! server logged in as a master user ([`ImapSource`]).
//!
//! Each message inside the period gives up to two items: the message itself, byte for
//! byte, as `{folder}/{id}.eml` (category `content`), and its [`Envelope`] as
//! `{folder}/{id}.envelope.json` (category `traffic`: addresses, dates, Received
//! headers and size, never the Subject or anything of the body). Both sources build
//! the envelope with the same code, and both date a message by its IMAP INTERNALDATE,
//! which for a Maildir is the file's modification time in whole seconds, so the two
//! give the same answer for the same mailbox.
//!
//! Nothing here writes to a mailbox: IMAP folders are opened with EXAMINE and read with
//! `BODY.PEEK`, so `\Seen` and the other flags stay as the user left them.

pub mod envelope;
pub mod imap;
pub mod maildir;

pub use envelope::Envelope;
pub use imap::{ImapConfig, ImapSource, ImapTls};
pub use maildir::{MaildirConfig, MaildirSource};

use writ_core::Timestamp;
use writ_core::demand::Category;

use crate::{ItemRef, Selection};

/// The name a mail source gets when its configuration gives none.
pub const DEFAULT_SOURCE_NAME: &str = "mail";

fn default_source_name() -> String {
    DEFAULT_SOURCE_NAME.to_owned()
}

/// The two items a message can give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// The message as stored: content.
    Eml,
    /// Who, when, how big: traffic.
    Envelope,
}

impl Part {
    const ALL: [Part; 2] = [Part::Eml, Part::Envelope];

    pub(crate) fn category(self) -> Category {
        match self {
            Part::Eml => Category::Content,
            Part::Envelope => Category::Traffic,
        }
    }

    fn key_suffix(self) -> &'static str {
        match self {
            Part::Eml => "eml",
            Part::Envelope => "envelope",
        }
    }

    fn path_suffix(self) -> &'static str {
        match self {
            Part::Eml => ".eml",
            Part::Envelope => ".envelope.json",
        }
    }
}

/// Whether `selection` wants anything mail has (content or traffic); when it does not,
/// a source answers without touching the mailbox.
pub(crate) fn wants_mail(selection: &Selection) -> bool {
    Part::ALL
        .into_iter()
        .any(|part| selection.wants(part.category()))
}

/// Appends the items `selection` wants of one message: `{key_base}/eml` at
/// `{path_base}.eml`, `{key_base}/envelope` at `{path_base}.envelope.json`. Nothing
/// when the message is outside the period.
pub(crate) fn push_items(
    items: &mut Vec<ItemRef>,
    selection: &Selection,
    key_base: &str,
    path_base: &str,
    at: Timestamp,
) {
    if !selection.covers(at) {
        return;
    }
    for part in Part::ALL {
        if selection.wants(part.category()) {
            items.push(ItemRef {
                key: format!("{key_base}/{}", part.key_suffix()),
                path: format!("{path_base}{}", part.path_suffix()),
                category: part.category(),
                timestamp: Some(at),
                rows: None,
            });
        }
    }
}

/// Splits a key made by [`push_items`] into its message part and the part, and checks
/// that the item's category is the part's (an item whose category was changed on the
/// way must not be fetched as something else).
pub(crate) fn split_key(item: &ItemRef) -> Result<(&str, Part), String> {
    let (base, suffix) = item
        .key
        .rsplit_once('/')
        .ok_or_else(|| format!("item key {:?} is not a mail item key", item.key))?;
    let part = Part::ALL
        .into_iter()
        .find(|part| part.key_suffix() == suffix)
        .ok_or_else(|| format!("item key {:?} names no mail part", item.key))?;
    if part.category() != item.category {
        return Err(format!(
            "item {:?} is a {} item but its category says {}",
            item.key,
            part.category(),
            item.category
        ));
    }
    Ok((base, part))
}

/// A folder's place in the production: its hierarchy levels, each made safe, joined
/// with `/` (`Archive/2024`). The encoding is reversible, so two folders never share a
/// path: bytes outside a conservative set become `%XX`, and a level that is empty or
/// starts with `.` (so also `.` and `..`) has that first byte encoded too.
pub(crate) fn folder_path<'a>(levels: impl IntoIterator<Item = &'a str>) -> String {
    let mut path = String::new();
    for (i, level) in levels.into_iter().enumerate() {
        if i > 0 {
            path.push('/');
        }
        path.push_str(&safe_name(level));
    }
    path
}

/// One path component made safe (see [`folder_path`]); also used for Maildir file
/// names.
pub(crate) fn safe_name(name: &str) -> String {
    if name.is_empty() {
        // An empty level (`a..b` with `.` as separator) still needs a name of its own;
        // a lone `%` is never the encoding of anything else.
        return "%".to_owned();
    }
    let mut out = String::with_capacity(name.len());
    for (i, byte) in name.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'_' | b'+' | b'@' | b',' | b'=' | b'&' | b'~' | b' ' | b'!' | b'\''
            )
            || (byte == b'.' && i > 0);
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The seconds of a Unix time in microseconds, rounded down: IMAP dates are in whole
/// seconds, so Maildir times are cut to match.
pub(crate) fn whole_seconds(secs: i64) -> Option<Timestamp> {
    secs.checked_mul(1_000_000)
        .and_then(Timestamp::from_unix_micros)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use writ_core::demand::Period;

    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn safe_names_keep_ordinary_folders_readable() {
        assert_eq!(folder_path(["INBOX"]), "INBOX");
        assert_eq!(folder_path(["Archive", "2024"]), "Archive/2024");
        assert_eq!(folder_path(["Sent Items"]), "Sent Items");
        assert_eq!(folder_path(["Entw&APw-rfe"]), "Entw&APw-rfe");
        assert_eq!(
            safe_name("1700000000.M1P1.host,S=120,W=124"),
            "1700000000.M1P1.host,S=120,W=124"
        );
    }

    #[test]
    fn safe_names_never_climb_or_start_at_the_root() {
        assert_eq!(folder_path([".."]), "%2E.");
        assert_eq!(folder_path(["."]), "%2E");
        assert_eq!(folder_path(["a/../../etc"]), "a%2F..%2F..%2Fetc");
        assert_eq!(folder_path(["", "x"]), "%/x");
        assert_eq!(folder_path(["\0"]), "%00");
        assert_eq!(safe_name("/etc/passwd"), "%2Fetc%2Fpasswd");
        assert_eq!(safe_name("C:\\x"), "C%3A%5Cx");
    }

    proptest! {
        #[test]
        fn folder_paths_are_safe_and_distinct(
            a in proptest::collection::vec(".{0,12}", 1..4),
            b in proptest::collection::vec(".{0,12}", 1..4),
        ) {
            let pa = folder_path(a.iter().map(String::as_str));
            let pb = folder_path(b.iter().map(String::as_str));
            for path in [&pa, &pb] {
                prop_assert!(!path.starts_with('/'));
                prop_assert!(!path.contains('\\'));
                for level in path.split('/') {
                    prop_assert!(!level.is_empty());
                    prop_assert!(level != "." && level != "..");
                    prop_assert!(!level.starts_with('.'));
                }
            }
            prop_assert_eq!(a == b, pa == pb);
        }
    }

    #[test]
    fn items_follow_the_selection() {
        let period = Period::new(at("2026-01-01T00:00:00Z"), at("2026-01-31T23:59:59Z"));
        let both = Selection {
            categories: vec![Category::Content, Category::Traffic],
            period,
        };
        let mut items = Vec::new();
        push_items(
            &mut items,
            &both,
            "INBOX/1/7",
            "INBOX/7",
            at("2026-01-31T23:59:59Z"),
        );
        let keys: Vec<_> = items
            .iter()
            .map(|i| (i.key.as_str(), i.path.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("INBOX/1/7/eml", "INBOX/7.eml"),
                ("INBOX/1/7/envelope", "INBOX/7.envelope.json")
            ]
        );
        assert_eq!(items[0].category, Category::Content);
        assert_eq!(items[1].category, Category::Traffic);

        let mut outside = Vec::new();
        push_items(&mut outside, &both, "k", "p", at("2026-02-01T00:00:00Z"));
        assert!(outside.is_empty());

        let subscriber_only = Selection {
            categories: vec![Category::Subscriber, Category::IpIdentification],
            period: None,
        };
        let mut none = Vec::new();
        push_items(
            &mut none,
            &subscriber_only,
            "k",
            "p",
            at("2026-01-05T00:00:00Z"),
        );
        assert!(none.is_empty(), "mail has no subscriber or IP items");
    }

    #[test]
    fn a_key_cannot_be_fetched_as_another_category() {
        let mut items = Vec::new();
        let selection = Selection {
            categories: vec![Category::Content],
            period: None,
        };
        push_items(
            &mut items,
            &selection,
            "INBOX/1/7",
            "INBOX/7",
            at("2026-01-05T00:00:00Z"),
        );
        let mut item = items.remove(0);
        assert_eq!(split_key(&item).unwrap(), ("INBOX/1/7", Part::Eml));
        item.category = Category::Traffic;
        let error = split_key(&item).unwrap_err();
        assert!(error.contains("content item"), "{error}");
        item.key = "nothing".to_owned();
        assert!(split_key(&item).is_err());
    }
}
