//! Demo mail: for each account, a year of believable mail, the same for the same seed.
//!
//! Threads with replies (`Re:` subjects, In-Reply-To, References, quoted lines),
//! correspondents inside the provider (the other demo accounts, colleagues of an
//! enterprise seat) and outside it (friends, a law firm, a clinic, shops that send
//! receipts), text and HTML alternatives, now and then an attachment (a PDF-like
//! document, a CSV, a PNG-like photo), Received headers, and the folders INBOX, Sent
//! and Archive. Messages are made one at a time ([`DemoMailbox`] is an iterator), so a
//! mailbox of any size takes the memory of one message.
//!
//! [`write_maildir`] lays the mail out as Maildir++ files dated by mtime;
//! [`append_imap`] puts it into an IMAP server through the master login. For
//! benchmarks, [`DemoMailOptions::sized`] makes large mailboxes (a gigabyte per account
//! is a matter of attachment sizes).

use std::collections::VecDeque;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::mime::{BodyPart, MimePart};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use writ_core::Timestamp;

use super::{DemoAccount, DemoSpec};
use crate::mail::ImapConfig;
use crate::mail::imap::ImapSource;
use crate::mail::maildir::system_time;
use crate::{AccountId, SourceError};

/// Messages per account when nothing else is asked for.
pub const DEFAULT_PER_ACCOUNT: usize = 300;

/// The folders the demo fills (INBOX, and these beside it).
pub const FOLDERS: [&str; 3] = ["INBOX", "Sent", "Archive"];

/// One generated message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoMessage {
    /// `INBOX`, `Sent` or `Archive`.
    pub folder: String,
    /// When the provider received (or the account sent) it; whole seconds.
    pub received_at: Timestamp,
    /// Whether the user has read it.
    pub seen: bool,
    /// The message, CRLF line ends.
    pub bytes: Vec<u8>,
}

/// How much mail, and how heavy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoMailOptions {
    pub per_account: usize,
    /// The typical size of one attachment before base64 (each is 50–150 % of it).
    pub attachment_bytes: usize,
    /// The share of messages that carry attachments, in percent.
    pub attachment_percent: u8,
}

impl DemoMailOptions {
    pub fn new(per_account: usize) -> Self {
        Self {
            per_account,
            attachment_bytes: 24 * 1024,
            attachment_percent: 15,
        }
    }

    /// About `bytes_per_account` of mail in `per_account` messages, by giving every
    /// other message attachments big enough; `sized(4000, 1 << 30)` makes mailboxes of
    /// roughly a gigabyte for benchmarks.
    pub fn sized(per_account: usize, bytes_per_account: u64) -> Self {
        let carriers = (per_account as u64 / 2).max(1);
        // An attachment message holds 1.5 attachments on average, base64 adds a third.
        let per_attachment = bytes_per_account / carriers * 2 / 3 * 3 / 4;
        Self {
            per_account,
            attachment_bytes: usize::try_from(per_attachment)
                .unwrap_or(usize::MAX)
                .max(1024),
            attachment_percent: 50,
        }
    }
}

/// What a writer made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailStats {
    pub accounts: usize,
    pub messages: u64,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoMailError {
    #[error("writing {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("{0} cannot be a file's modification time")]
    Time(Timestamp),
    #[error(transparent)]
    Imap(#[from] SourceError),
}

/// The mail of `account`, `per_account` messages in time order across the spec's
/// period, with the default attachment mix.
pub fn messages(spec: &DemoSpec, account: &DemoAccount, per_account: usize) -> DemoMailbox {
    messages_with(spec, account, &DemoMailOptions::new(per_account))
}

/// [`messages`] with the sizes chosen.
pub fn messages_with(
    spec: &DemoSpec,
    account: &DemoAccount,
    options: &DemoMailOptions,
) -> DemoMailbox {
    let owner = Person {
        name: account.name.clone(),
        email: account.email.clone(),
        automated: false,
    };
    let mut contacts: Vec<Person> = spec
        .accounts
        .iter()
        .filter(|other| other.id != account.id)
        .map(|other| Person {
            name: other.name.clone(),
            email: other.email.clone(),
            automated: false,
        })
        .collect();
    // Colleagues at the owner's own domain (a tenant's other seats, a family member).
    let domain = domain_of(&account.email).to_owned();
    for (name, local) in COLLEAGUES {
        contacts.push(Person {
            name: name.to_owned(),
            email: format!("{local}@{domain}"),
            automated: false,
        });
    }
    for (name, email, automated) in OUTSIDERS {
        contacts.push(Person {
            name: name.to_owned(),
            email: email.to_owned(),
            automated,
        });
    }
    let from = spec.period.from().unix_micros().div_euclid(1_000_000);
    let to = spec.period.to().unix_micros().div_euclid(1_000_000);
    DemoMailbox {
        rng: StdRng::seed_from_u64(spec.seed ^ fnv1a(account.id.as_bytes())),
        owner,
        domain,
        contacts,
        threads: VecDeque::new(),
        index: 0,
        options: *options,
        from,
        span: (to - from).max(0),
    }
}

/// The iterator [`messages`] returns.
pub struct DemoMailbox {
    rng: StdRng,
    owner: Person,
    domain: String,
    contacts: Vec<Person>,
    /// The conversations that can still get a reply (a few, the latest).
    threads: VecDeque<Thread>,
    index: usize,
    options: DemoMailOptions,
    from: i64,
    span: i64,
}

#[derive(Clone, Debug)]
struct Person {
    name: String,
    email: String,
    /// A shop or a utility: writes, is never written to.
    automated: bool,
}

impl Person {
    fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }
}

#[derive(Clone, Debug)]
struct Thread {
    subject: String,
    contact: usize,
    /// Message-IDs so far, oldest first (the last few).
    references: Vec<String>,
    last_line: String,
    last_author: String,
    last_date: String,
    last_outgoing: bool,
    topic: usize,
}

const MAX_THREADS: usize = 10;
const MAX_REFERENCES: usize = 8;

impl Iterator for DemoMailbox {
    type Item = DemoMessage;

    fn next(&mut self) -> Option<DemoMessage> {
        let count = self.options.per_account;
        if self.index >= count {
            return None;
        }
        let i = self.index;
        self.index += 1;
        Some(self.make(i, count))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.options.per_account.saturating_sub(self.index);
        (left, Some(left))
    }
}

impl DemoMailbox {
    fn make(&mut self, i: usize, count: usize) -> DemoMessage {
        // Spread over the period in order: message i lands somewhere in slot i.
        let slot = i128::from(self.span) * i as i128 / count as i128;
        let width = (i128::from(self.span) / count as i128).max(1);
        let offset = slot
            + i128::from(
                self.rng
                    .random_range(0..width.min(i128::from(i64::MAX)) as i64),
            );
        let secs = self.from + (offset.min(i128::from(self.span)) as i64);
        let received_at = Timestamp::from_unix_micros(secs.saturating_mul(1_000_000))
            .unwrap_or_else(|| {
                Timestamp::from_unix_micros(0)
                    .unwrap_or(Timestamp::from_datetime(time::OffsetDateTime::UNIX_EPOCH))
            });

        let repliable: Vec<usize> = (0..self.threads.len())
            .filter(|&t| !self.contacts[self.threads[t].contact].automated)
            .collect();
        let reply_to = if !repliable.is_empty() && self.rng.random_bool(0.45) {
            repliable.choose(&mut self.rng).copied()
        } else {
            None
        };

        let (thread_index, outgoing) = match reply_to {
            Some(t) => {
                let back = !self.threads[t].last_outgoing;
                let outgoing = if self.rng.random_bool(0.8) {
                    back
                } else {
                    !back
                };
                (t, outgoing)
            }
            None => {
                let contact = self.rng.random_range(0..self.contacts.len());
                let automated = self.contacts[contact].automated;
                let topic = if automated {
                    self.rng.random_range(AUTOMATED_TOPICS_FROM..TOPICS.len())
                } else {
                    self.rng.random_range(0..AUTOMATED_TOPICS_FROM)
                };
                let subject = fill(TOPICS[topic].subject, &mut self.rng);
                self.threads.push_back(Thread {
                    subject,
                    contact,
                    references: Vec::new(),
                    last_line: String::new(),
                    last_author: String::new(),
                    last_date: String::new(),
                    last_outgoing: false,
                    topic,
                });
                if self.threads.len() > MAX_THREADS {
                    self.threads.pop_front();
                }
                let outgoing = !automated && self.rng.random_bool(0.35);
                (self.threads.len() - 1, outgoing)
            }
        };

        // The newest message has just arrived and is not read yet.
        let newest = i + 1 == count;
        let outgoing = outgoing && !newest;
        let thread = self.threads[thread_index].clone();
        let contact = self.contacts[thread.contact].clone();
        let (author, reader) = if outgoing {
            (self.owner.clone(), contact.clone())
        } else {
            (contact.clone(), self.owner.clone())
        };
        let sender_domain = domain_of(&author.email).to_owned();
        let message_id = format!("{:016x}.{i}@{sender_domain}", self.rng.next_u64());
        // Written a little before it arrived.
        let sent_secs = if outgoing {
            secs
        } else {
            secs - self.rng.random_range(2..400)
        };
        let date = Date::new(sent_secs).to_rfc822();

        let topic = &TOPICS[thread.topic];
        let is_reply = !thread.references.is_empty();
        let subject = if is_reply {
            format!("Re: {}", thread.subject)
        } else {
            thread.subject.clone()
        };
        let mut lines = Vec::new();
        let opening = if is_reply {
            fill(
                REPLY_OPENERS
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("Thanks."),
                &mut self.rng,
            )
        } else {
            fill(
                topic.lines.choose(&mut self.rng).copied().unwrap_or(""),
                &mut self.rng,
            )
        };
        lines.push(opening.clone());
        for _ in 0..self.rng.random_range(1..4) {
            let pool = if self.rng.random_bool(0.6) {
                topic.lines
            } else {
                SMALL_TALK
            };
            lines.push(fill(
                pool.choose(&mut self.rng).copied().unwrap_or(""),
                &mut self.rng,
            ));
        }
        let greeting = if author.automated {
            format!("Dear {},", reader.name)
        } else {
            format!("Hi {},", reader.first_name())
        };
        let signoff = if author.automated {
            author.name.clone()
        } else {
            format!(
                "{}\n{}",
                SIGNOFFS.choose(&mut self.rng).copied().unwrap_or("Best,"),
                author.first_name()
            )
        };
        let quote = is_reply.then(|| {
            format!(
                "On {}, {} wrote:\n> {}",
                thread.last_date, thread.last_author, thread.last_line
            )
        });
        let text = {
            let mut text = format!("{greeting}\n\n{}\n\n{signoff}\n", lines.join(" "));
            if let Some(quote) = &quote {
                text.push('\n');
                text.push_str(quote);
                text.push('\n');
            }
            text
        };

        let mut cc = Vec::new();
        if !author.automated && self.rng.random_bool(0.15) {
            let other = &self.contacts[self.rng.random_range(0..self.contacts.len())];
            if !other.automated && other.email != contact.email {
                cc.push((other.name.clone(), other.email.clone()));
            }
        }

        let boundary_id = self.rng.next_u64();
        let body = if self.rng.random_bool(0.7) {
            let html = html_of(&greeting, &lines, &signoff, quote.as_deref());
            MimePart::new(
                ContentType::new("multipart/alternative")
                    .attribute("boundary", format!("=_alt_{boundary_id:016x}")),
                vec![
                    MimePart::new("text/plain", text),
                    MimePart::new("text/html", html),
                ],
            )
        } else {
            MimePart::new("text/plain", text)
        };
        let body = if self.rng.random_range(0..100u8) < self.options.attachment_percent {
            let mut parts = vec![body];
            let how_many = if self.rng.random_bool(0.5) { 1 } else { 2 };
            for n in 0..how_many {
                let kind = topic.attachment.unwrap_or_else(|| {
                    *[Kind::Pdf, Kind::Csv, Kind::Png]
                        .choose(&mut self.rng)
                        .unwrap_or(&Kind::Pdf)
                });
                parts.push(self.attachment(kind, i, n));
            }
            MimePart::new(
                ContentType::new("multipart/mixed")
                    .attribute("boundary", format!("=_mix_{boundary_id:016x}")),
                parts,
            )
        } else {
            body
        };

        let mut builder = MessageBuilder::new()
            .from(Address::from((author.name.clone(), author.email.clone())))
            .to(Address::from((reader.name.clone(), reader.email.clone())));
        if !cc.is_empty() {
            builder = builder.cc(Address::from(cc));
        }
        builder = builder
            .subject(subject)
            .date(Date::new(sent_secs))
            .message_id(message_id.clone());
        if let Some(parent) = thread.references.last() {
            builder = builder
                .in_reply_to(parent.clone())
                .references(MessageId::from(thread.references.clone()));
        }
        let builder = builder.body(body);

        let mut bytes = self.received_headers(outgoing, &author, &reader, secs, sent_secs);
        // Writing into a Vec does not fail.
        let _ = builder.write_to(&mut bytes);

        // The thread moves on.
        if let Some(open) = self.threads.get_mut(thread_index) {
            open.references.push(message_id);
            if open.references.len() > MAX_REFERENCES {
                open.references.remove(0);
            }
            open.last_line = opening;
            open.last_author = author.name.clone();
            open.last_date = date;
            open.last_outgoing = outgoing;
        }

        let folder = if outgoing {
            "Sent"
        } else if !newest && self.rng.random_bool(0.3) {
            "Archive"
        } else {
            "INBOX"
        };
        // The last weeks' mail is partly unread.
        let recent = i * 100 >= count * 92;
        let seen = outgoing || (!newest && self.rng.random_bool(if recent { 0.4 } else { 0.95 }));
        DemoMessage {
            folder: folder.to_owned(),
            received_at,
            seen,
            bytes,
        }
    }

    /// The Received trail, newest hop first, as the provider's MX would leave it.
    fn received_headers(
        &mut self,
        outgoing: bool,
        author: &Person,
        reader: &Person,
        secs: i64,
        sent_secs: i64,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let id = |rng: &mut StdRng| format!("{:012X}", rng.next_u64() & 0xFFFF_FFFF_FFFF);
        if outgoing {
            let _ = write!(
                out,
                "Received: from [198.51.100.{}] (client.{domain} [198.51.100.{0}])\r\n\tby smtp.{domain} (writ-demo) with ESMTPSA id {}\r\n\tfor <{}>; {}\r\n",
                self.rng.random_range(2..250),
                id(&mut self.rng),
                reader.email,
                Date::new(secs).to_rfc822(),
                domain = self.domain,
            );
            return out;
        }
        let sender_domain = domain_of(&author.email);
        if sender_domain == self.domain {
            let _ = write!(
                out,
                "Received: from smtp.{d} (smtp.{d} [10.20.{}.{}])\r\n\tby mx1.{d} (writ-demo) with LMTP id {}\r\n\tfor <{}>; {}\r\n",
                self.rng.random_range(0..255),
                self.rng.random_range(2..250),
                id(&mut self.rng),
                reader.email,
                Date::new(secs).to_rfc822(),
                d = self.domain,
            );
            return out;
        }
        let _ = write!(
            out,
            "Received: from mail.{s} (mail.{s} [203.0.113.{}])\r\n\tby mx1.{d} (writ-demo) with ESMTPS id {}\r\n\tfor <{}>; {}\r\n",
            self.rng.random_range(2..250),
            id(&mut self.rng),
            reader.email,
            Date::new(secs).to_rfc822(),
            s = sender_domain,
            d = self.domain,
        );
        let _ = write!(
            out,
            "Received: from [192.0.2.{}] (helo=localhost)\r\n\tby mail.{s} with ESMTPSA id {}; {}\r\n",
            self.rng.random_range(2..250),
            id(&mut self.rng),
            Date::new(sent_secs + 1).to_rfc822(),
            s = sender_domain,
        );
        out
    }

    fn attachment(&mut self, kind: Kind, message: usize, n: usize) -> MimePart<'static> {
        let typical = self.options.attachment_bytes.max(64);
        let size = self.rng.random_range(typical / 2..=typical + typical / 2);
        let (content_type, name, bytes) = match kind {
            Kind::Pdf => (
                "application/pdf",
                format!("document-{message}-{n}.pdf"),
                pdf_like(&mut self.rng, size),
            ),
            Kind::Csv => (
                "text/csv",
                format!("figures-{message}-{n}.csv"),
                csv_like(&mut self.rng, size),
            ),
            Kind::Png => (
                "image/png",
                format!("IMG_{:04}.png", 1000 + (message * 3 + n) % 9000),
                png_like(&mut self.rng, size),
            ),
        };
        MimePart::new(
            ContentType::new(content_type),
            BodyPart::Binary(bytes.into()),
        )
        .attachment(name)
    }
}

/// Writes every account's mail under `root` as Maildir++ (`{root}/{account}/Maildir`,
/// folders `.Sent`, `.Archive`), each file's mtime set to when it was received.
/// Writing again writes the same files.
pub fn write_maildir(
    root: &Path,
    spec: &DemoSpec,
    per_account: usize,
) -> Result<MailStats, DemoMailError> {
    write_maildir_with(root, spec, &DemoMailOptions::new(per_account))
}

/// [`write_maildir`] with the sizes chosen.
pub fn write_maildir_with(
    root: &Path,
    spec: &DemoSpec,
    options: &DemoMailOptions,
) -> Result<MailStats, DemoMailError> {
    let mut stats = MailStats::default();
    for account in &spec.accounts {
        let maildir = root.join(&account.id).join("Maildir");
        for folder in FOLDERS {
            let dir = folder_dir(&maildir, folder);
            for sub in ["cur", "new", "tmp"] {
                let path = dir.join(sub);
                std::fs::create_dir_all(&path).map_err(|source| DemoMailError::Write {
                    path: path.clone(),
                    source,
                })?;
            }
            if folder != "INBOX" {
                // Maildir++ marks a sub-folder with this empty file.
                let marker = dir.join("maildirfolder");
                std::fs::write(&marker, b"").map_err(|source| DemoMailError::Write {
                    path: marker.clone(),
                    source,
                })?;
            }
        }
        let tag = fnv1a(account.id.as_bytes()) & 0xFFFF_FFFF;
        for (i, message) in messages_with(spec, account, options).enumerate() {
            let dir = folder_dir(&maildir, &message.folder);
            let secs = message.received_at.unix_micros().div_euclid(1_000_000);
            let base = format!("{secs}.M{i}P{tag:x}.writ-demo,S={}", message.bytes.len());
            let (sub, name) = if message.seen {
                ("cur", format!("{base}:2,S"))
            } else {
                ("new", base.clone())
            };
            let tmp = dir.join("tmp").join(&base);
            let mtime =
                system_time(message.received_at).ok_or(DemoMailError::Time(message.received_at))?;
            let write = |path: &Path| -> io::Result<()> {
                let mut file = std::fs::File::create(path)?;
                file.write_all(&message.bytes)?;
                file.set_modified(mtime)?;
                Ok(())
            };
            write(&tmp).map_err(|source| DemoMailError::Write {
                path: tmp.clone(),
                source,
            })?;
            let target = dir.join(sub).join(name);
            std::fs::rename(&tmp, &target).map_err(|source| DemoMailError::Write {
                path: target.clone(),
                source,
            })?;
            stats.messages += 1;
            stats.bytes += message.bytes.len() as u64;
        }
        stats.accounts += 1;
    }
    Ok(stats)
}

/// Appends every account's mail to an IMAP server through the master login, each
/// message with its receipt time as INTERNALDATE and `\Seen` when read; creates the
/// folders first.
pub async fn append_imap(
    config: &ImapConfig,
    spec: &DemoSpec,
    per_account: usize,
) -> Result<MailStats, DemoMailError> {
    append_imap_with(config, spec, &DemoMailOptions::new(per_account)).await
}

/// [`append_imap`] with the sizes chosen.
pub async fn append_imap_with(
    config: &ImapConfig,
    spec: &DemoSpec,
    options: &DemoMailOptions,
) -> Result<MailStats, DemoMailError> {
    let source = ImapSource::new(config.clone())?;
    let mut stats = MailStats::default();
    for account in &spec.accounts {
        let id = AccountId(account.id.clone());
        source.create_folders(&id, &FOLDERS[1..]).await?;
        for message in messages_with(spec, account, options) {
            source
                .append(
                    &id,
                    &message.folder,
                    message.seen,
                    message.received_at,
                    &message.bytes,
                )
                .await?;
            stats.messages += 1;
            stats.bytes += message.bytes.len() as u64;
        }
        stats.accounts += 1;
    }
    Ok(stats)
}

fn folder_dir(maildir: &Path, folder: &str) -> PathBuf {
    if folder == "INBOX" {
        maildir.to_owned()
    } else {
        maildir.join(format!(".{folder}"))
    }
}

fn domain_of(email: &str) -> &str {
    email
        .rsplit_once('@')
        .map_or("example.com", |(_, domain)| domain)
}

/// FNV-1a: a stable per-account seed (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Replaces `{n}` with a number, `{month}` with a month, `{place}` with a place.
fn fill(template: &str, rng: &mut StdRng) -> String {
    let mut text = template.to_owned();
    if text.contains("{n}") {
        text = text.replace("{n}", &rng.random_range(1000..9999).to_string());
    }
    if text.contains("{month}") {
        text = text.replace("{month}", MONTHS.choose(rng).copied().unwrap_or("May"));
    }
    if text.contains("{place}") {
        text = text.replace("{place}", PLACES.choose(rng).copied().unwrap_or("Lisbon"));
    }
    if text.contains("{project}") {
        text = text.replace(
            "{project}",
            PROJECTS.choose(rng).copied().unwrap_or("Atlas"),
        );
    }
    text
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html_of(greeting: &str, lines: &[String], signoff: &str, quote: Option<&str>) -> String {
    let mut html =
        String::from("<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n");
    html.push_str(&format!("<p>{}</p>\n<p>", escape_html(greeting)));
    html.push_str(&escape_html(&lines.join(" ")));
    html.push_str("</p>\n<p>");
    html.push_str(&escape_html(signoff).replace('\n', "<br>\n"));
    html.push_str("</p>\n");
    if let Some(quote) = quote {
        html.push_str("<blockquote>");
        html.push_str(&escape_html(quote).replace('\n', "<br>\n"));
        html.push_str("</blockquote>\n");
    }
    html.push_str("</body></html>\n");
    html
}

fn random_bytes(rng: &mut StdRng, size: usize) -> Vec<u8> {
    let mut bytes = vec![0; size];
    rng.fill_bytes(&mut bytes);
    bytes
}

fn pdf_like(rng: &mut StdRng, size: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n4 0 obj\n<< /Filter /FlateDecode >>\nstream\n".to_vec();
    let tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    let fill = size.saturating_sub(pdf.len() + tail.len());
    pdf.extend(random_bytes(rng, fill));
    pdf.extend_from_slice(tail);
    pdf
}

fn png_like(rng: &mut StdRng, size: usize) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x04\0\0\0\x03\0\x08\x02\0\0\0".to_vec();
    let fill = size.saturating_sub(png.len());
    png.extend(random_bytes(rng, fill));
    png
}

fn csv_like(rng: &mut StdRng, size: usize) -> Vec<u8> {
    let mut csv = b"date,description,amount,currency\n".to_vec();
    let mut day = 1;
    while csv.len() < size {
        let what = CSV_ITEMS.choose(rng).copied().unwrap_or("Supplies");
        let cents = rng.random_range(100..500_000);
        let _ = writeln!(
            csv,
            "2026-{:02}-{:02},{what},{}.{:02},EUR",
            (day / 28) % 12 + 1,
            day % 28 + 1,
            cents / 100,
            cents % 100
        );
        day += 1;
    }
    csv
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Pdf,
    Csv,
    Png,
}

struct Topic {
    subject: &'static str,
    lines: &'static [&'static str],
    attachment: Option<Kind>,
}

/// Topics before this index are between people; from it on, automated senders'.
const AUTOMATED_TOPICS_FROM: usize = 10;

const TOPICS: [Topic; 13] = [
    Topic {
        subject: "Dinner on Saturday?",
        lines: &[
            "Are you free for dinner on Saturday?",
            "We were thinking of the new place near the river, around eight.",
            "Let me know if you would rather come to ours instead.",
            "I can book a table for four if that works.",
        ],
        attachment: None,
    },
    Topic {
        subject: "{project} status for {month}",
        lines: &[
            "Here is where {project} stands this month.",
            "The integration work slipped by a week, but the rest is on track.",
            "Can you review the open items before Thursday's call?",
            "I have attached the latest figures.",
        ],
        attachment: Some(Kind::Csv),
    },
    Topic {
        subject: "Trip to {place}",
        lines: &[
            "I found flights to {place} for the second week of {month}.",
            "The hotel near the old town still has rooms.",
            "Should we rent a car or take the train?",
            "Here are a few pictures from last time.",
        ],
        attachment: Some(Kind::Png),
    },
    Topic {
        subject: "Lease renewal documents",
        lines: &[
            "Please find the renewal documents for the apartment attached.",
            "The landlord asks for a signature by the end of {month}.",
            "Nothing changes except the rent, which goes up slightly.",
        ],
        attachment: Some(Kind::Pdf),
    },
    Topic {
        subject: "Question about the contract",
        lines: &[
            "I had another look at clause 7 of the contract.",
            "The notice period seems longer than what we discussed.",
            "Could we talk it through before I sign anything?",
            "I have marked the passages in the attached copy.",
        ],
        attachment: Some(Kind::Pdf),
    },
    Topic {
        subject: "Meeting notes {month} {n}",
        lines: &[
            "Notes from today's meeting are below.",
            "We agreed to move the launch to the end of {month}.",
            "Action items: finish the draft, confirm the budget, book the room.",
            "Please correct anything I got wrong.",
        ],
        attachment: None,
    },
    Topic {
        subject: "Book club: next pick",
        lines: &[
            "It is my turn to pick the next book.",
            "I am torn between a thriller and the essay collection you mentioned.",
            "Same time next month at the library?",
        ],
        attachment: None,
    },
    Topic {
        subject: "Budget spreadsheet",
        lines: &[
            "I updated the budget with this quarter's numbers.",
            "Travel came in under, equipment over.",
            "The sheet is attached; the totals are on the last rows.",
        ],
        attachment: Some(Kind::Csv),
    },
    Topic {
        subject: "Photos from the weekend",
        lines: &[
            "Here are the photos from the weekend.",
            "The one by the lake came out really well.",
            "Feel free to share them with the others.",
        ],
        attachment: Some(Kind::Png),
    },
    Topic {
        subject: "Catching up",
        lines: &[
            "It has been a while, how are things?",
            "We finally finished the kitchen, it only took six months.",
            "Would be great to catch up over coffee sometime.",
        ],
        attachment: None,
    },
    Topic {
        subject: "Your invoice {n} for {month}",
        lines: &[
            "Your invoice for {month} is now available.",
            "The amount will be charged to your card on file.",
            "You can find the invoice attached to this message.",
        ],
        attachment: Some(Kind::Pdf),
    },
    Topic {
        subject: "Your order {n} has shipped",
        lines: &[
            "Good news: your order is on its way.",
            "Delivery is expected within three business days.",
            "You can track the parcel from your account page.",
        ],
        attachment: None,
    },
    Topic {
        subject: "Appointment reminder",
        lines: &[
            "This is a reminder of your appointment next week.",
            "Please arrive ten minutes early and bring your insurance card.",
            "To reschedule, reply to this message or call the front desk.",
        ],
        attachment: None,
    },
];

const REPLY_OPENERS: [&str; 8] = [
    "Thanks, that works for me.",
    "Sounds good.",
    "Good point, I had not thought of that.",
    "Sorry for the late answer.",
    "Agreed.",
    "Thanks for sending this over.",
    "Let me check and get back to you.",
    "Perfect, see you then.",
];

const SMALL_TALK: &[&str] = &[
    "Hope the week is going well.",
    "The weather has been lovely here.",
    "Say hello to everyone from me.",
    "Talk soon.",
    "No rush on this.",
    "Let me know what you think.",
];

const SIGNOFFS: [&str; 5] = ["Best,", "Cheers,", "Thanks,", "All the best,", "Talk soon,"];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const PLACES: [&str; 6] = [
    "Lisbon",
    "Kyoto",
    "Vancouver",
    "Edinburgh",
    "Oaxaca",
    "Tallinn",
];

const PROJECTS: [&str; 5] = ["Atlas", "Bluebird", "Harbor", "Northwind", "Quill"];

const CSV_ITEMS: [&str; 6] = [
    "Travel",
    "Equipment",
    "Software",
    "Catering",
    "Rent",
    "Supplies",
];

const COLLEAGUES: [(&str, &str); 3] = [
    ("Sam Rivera", "sam.rivera"),
    ("Noor Haddad", "noor.haddad"),
    ("Lena Fischer", "lena.fischer"),
];

const OUTSIDERS: [(&str, &str, bool); 10] = [
    ("Priya Natarajan", "priya.n@mailbox.example.org", false),
    ("Tomás Ortega", "tomas@ortega-law.example", false),
    ("Keiko Sato", "k.sato@univ.example.edu", false),
    ("Jonas Weber", "jonas.weber@web.example.de", false),
    ("Fatima Zahra", "fatima@clinic.example.org", false),
    ("Mark Ellis", "mark.ellis@consulting.example.com", false),
    ("Grace Lin", "grace@lin-family.example.net", false),
    ("Northwind Energy", "billing@northwind-energy.example", true),
    ("Parcel Shop", "orders@parcel-shop.example", true),
    ("Riverside Clinic", "front-desk@clinic.example.org", true),
];

#[cfg(test)]
mod tests {
    use mail_parser::MessageParser;

    use super::*;

    fn spec(seed: u64) -> DemoSpec {
        crate::demo::test_spec("2025-06-01T00:00:00Z", "2026-05-31T23:59:59Z", seed)
    }

    #[test]
    fn the_same_seed_gives_the_same_mail() {
        let spec = spec(7);
        let a: Vec<_> = messages(&spec, &spec.accounts[0], 40).collect();
        let b: Vec<_> = messages(&spec, &spec.accounts[0], 40).collect();
        assert_eq!(a, b);
        let other: Vec<_> = messages(&super::tests::spec(8), &spec.accounts[0], 40).collect();
        assert_ne!(a, other);
    }

    #[test]
    fn mail_is_realistic_and_inside_the_period() {
        let spec = spec(1);
        let alice = &spec.accounts[0];
        let all: Vec<_> = messages(&spec, alice, 300).collect();
        assert_eq!(all.len(), 300);
        let parser = MessageParser::default();
        let (mut replies, mut alternatives, mut attachments, mut inside, mut outside) =
            (0, 0, 0, 0, 0);
        let mut folders = std::collections::BTreeSet::new();
        let mut previous = None;
        for message in &all {
            assert!(spec.period.contains(message.received_at));
            assert!(previous <= Some(message.received_at), "in time order");
            previous = Some(message.received_at);
            assert_eq!(message.received_at.unix_micros() % 1_000_000, 0);
            folders.insert(message.folder.clone());
            let parsed = parser.parse(&message.bytes).expect("parses");
            let subject = parsed.subject().unwrap_or_default();
            assert!(!subject.is_empty());
            assert!(parsed.message_id().is_some());
            assert!(parsed.header("Received").is_some());
            if parsed.in_reply_to().as_text().is_some() {
                assert!(subject.starts_with("Re: "), "{subject}");
                assert!(
                    parsed.references().as_text_list().is_some()
                        || parsed.references().as_text().is_some()
                );
                replies += 1;
            }
            if parsed.html_body_count() > 0 && parsed.text_body_count() > 0 {
                alternatives += 1;
            }
            attachments += parsed.attachment_count();
            let from = parsed
                .from()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default();
            let to = parsed
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default();
            if message.folder == "Sent" {
                assert_eq!(from, alice.email);
            } else {
                assert_eq!(to, alice.email);
            }
            let other = if message.folder == "Sent" { to } else { from };
            if domain_of(other) == "example.com" || spec.accounts.iter().any(|a| a.email == other) {
                inside += 1;
            } else {
                outside += 1;
            }
            assert!(
                !message
                    .bytes
                    .windows(2)
                    .any(|w| w[1] == b'\n' && w[0] != b'\r'),
                "CRLF line ends"
            );
        }
        assert_eq!(
            folders.into_iter().collect::<Vec<_>>(),
            ["Archive", "INBOX", "Sent"]
        );
        let newest = all.last().unwrap();
        assert!(
            newest.folder == "INBOX" && !newest.seen,
            "the newest mail is unread"
        );
        assert!(
            all.iter().filter(|m| m.seen).count() > 200,
            "most mail is read"
        );
        assert!(replies > 30, "{replies} replies");
        assert!(alternatives > 100, "{alternatives} text+HTML");
        assert!(attachments > 5, "{attachments} attachments");
        assert!(
            inside > 20 && outside > 20,
            "{inside} inside, {outside} outside"
        );
    }

    #[test]
    fn sized_mail_reaches_the_size_asked() {
        let spec = spec(3);
        let options = DemoMailOptions::sized(40, 20 * 1024 * 1024);
        let total: usize = messages_with(&spec, &spec.accounts[1], &options)
            .map(|m| m.bytes.len())
            .sum();
        let want = 20 * 1024 * 1024;
        assert!(
            total > want / 2 && total < want * 2,
            "{total} bytes for {want}"
        );
    }

    #[test]
    fn maildir_files_are_dated_and_named_as_dovecot_expects() {
        let dir = tempfile::tempdir().unwrap();
        let mut spec = spec(5);
        spec.accounts.truncate(2);
        let stats = write_maildir(dir.path(), &spec, 25).unwrap();
        assert_eq!(stats.accounts, 2);
        assert_eq!(stats.messages, 50);
        let maildir = dir.path().join("acc-alice/Maildir");
        assert!(maildir.join(".Sent/maildirfolder").is_file());
        let mut files = 0;
        for (folder, expected) in FOLDERS.iter().map(|f| {
            (
                f,
                messages(&spec, &spec.accounts[0], 25)
                    .filter(|m| m.folder == *f)
                    .collect::<Vec<_>>(),
            )
        }) {
            let dir = folder_dir(&maildir, folder);
            let mut found = Vec::new();
            for sub in ["cur", "new"] {
                for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                    let entry = entry.unwrap();
                    let name = entry.file_name().into_string().unwrap();
                    let bytes = std::fs::read(entry.path()).unwrap();
                    let size: usize = name
                        .split(",S=")
                        .nth(1)
                        .unwrap()
                        .split(':')
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap();
                    assert_eq!(size, bytes.len(), "{name}");
                    assert_eq!(sub == "cur", name.ends_with(":2,S"), "{name}");
                    let mtime = entry.metadata().unwrap().modified().unwrap();
                    found.push((mtime, bytes));
                    files += 1;
                }
            }
            found.sort();
            let mut expected: Vec<_> = expected
                .into_iter()
                .map(|m| (system_time(m.received_at).unwrap(), m.bytes))
                .collect();
            expected.sort();
            assert_eq!(found, expected, "{folder}");
        }
        assert_eq!(files, 25);
        assert_eq!(
            write_maildir(dir.path(), &spec, 25).unwrap(),
            stats,
            "rewrites the same files"
        );
    }
}
