//! A message's envelope: the traffic data of one message, and nothing of its content.
//!
//! It holds the addresses, the Date and Message-ID headers, the Received trail, the
//! size and the time the provider received it. The Subject is left out on purpose (US
//! practice treats it as content), and so is everything after the header.
//!
//! Both mail sources build envelopes here, from the header section and the size, so
//! IMAP and Maildir give the same envelope for the same message: header values are
//! unfolded (which also hides whether the store keeps CRLF or bare LF line ends), and
//! the size is always the message's size in its CRLF form, which is what IMAP reports
//! as RFC822.SIZE.

use mail_parser::{Address, HeaderName, HeaderValue, MessageParser};
use serde::{Deserialize, Serialize};
use writ_core::Timestamp;

/// The most of a message's header this module reads; a header that goes on longer is
/// cut there (real ones are a few kilobytes).
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// The traffic data of one message, as written to `{folder}/{id}.envelope.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Each address as `Name <address>`, or the bare address when there is no name.
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The Date header as written.
    pub date: Option<String>,
    /// The Message-ID header as written (with its angle brackets).
    pub message_id: Option<String>,
    /// Every Received header, top (the provider's last hop) first.
    pub received: Vec<String>,
    /// Bytes of the whole message with CRLF line ends (IMAP's RFC822.SIZE).
    pub size: u64,
    /// When the provider received it: IMAP INTERNALDATE, a Maildir file's mtime.
    pub received_at: Timestamp,
}

impl Envelope {
    /// The envelope of a message from its header section (anything after the header
    /// is ignored), its CRLF size, and its receipt time.
    pub fn from_header(header: &[u8], size: u64, received_at: Timestamp) -> Self {
        let header = &header[..header_len(header).unwrap_or(header.len())];
        let mut envelope = Envelope {
            from: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            date: None,
            message_id: None,
            received: Vec::new(),
            size,
            received_at,
        };
        let parser = MessageParser::new()
            .header_address(HeaderName::From)
            .header_address(HeaderName::To)
            .header_address(HeaderName::Cc)
            .header_raw(HeaderName::Date)
            .header_raw(HeaderName::MessageId)
            .header_raw(HeaderName::Received)
            .default_header_ignore();
        let Some(message) = parser.parse_headers(header) else {
            return envelope;
        };
        for field in message.headers() {
            // The field's own text, for values the parser could not read as addresses.
            let raw = || {
                let (start, end) = (field.offset_start as usize, field.offset_end as usize);
                header
                    .get(start..end)
                    .map(|bytes| unfold(&String::from_utf8_lossy(bytes)))
                    .filter(|text| !text.is_empty())
            };
            match field.name {
                HeaderName::From => push_addresses(&mut envelope.from, &field.value, raw),
                HeaderName::To => push_addresses(&mut envelope.to, &field.value, raw),
                HeaderName::Cc => push_addresses(&mut envelope.cc, &field.value, raw),
                // The first Date and Message-ID count, as for every mail reader.
                HeaderName::Date if envelope.date.is_none() => envelope.date = text(&field.value),
                HeaderName::MessageId if envelope.message_id.is_none() => {
                    envelope.message_id = text(&field.value);
                }
                HeaderName::Received => envelope.received.extend(text(&field.value)),
                _ => {}
            }
        }
        envelope
    }

    /// The JSON written to the production: pretty, with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing strings, numbers and a timestamp into memory does not fail; the
        // fallback keeps this total without a panic.
        let mut json = serde_json::to_vec_pretty(self).unwrap_or_default();
        json.push(b'\n');
        json
    }
}

fn push_addresses(
    out: &mut Vec<String>,
    value: &HeaderValue<'_>,
    raw: impl FnOnce() -> Option<String>,
) {
    let addresses: Vec<String> = match value {
        HeaderValue::Address(Address::List(list)) => list.iter().filter_map(show).collect(),
        HeaderValue::Address(Address::Group(groups)) => groups
            .iter()
            .flat_map(|group| group.addresses.iter())
            .filter_map(show)
            .collect(),
        _ => Vec::new(),
    };
    if addresses.is_empty() {
        // Unparseable or empty: keep what was written rather than lose a correspondent.
        out.extend(raw());
    } else {
        out.extend(addresses);
    }
}

fn show(addr: &mail_parser::Addr<'_>) -> Option<String> {
    let name = addr.name().map(str::trim).filter(|n| !n.is_empty());
    let address = addr.address().map(str::trim).filter(|a| !a.is_empty());
    match (name, address) {
        (Some(name), Some(address)) => Some(format!("{name} <{address}>")),
        (None, Some(address)) => Some(address.to_owned()),
        (Some(name), None) => Some(name.to_owned()),
        (None, None) => None,
    }
}

fn text(value: &HeaderValue<'_>) -> Option<String> {
    value.as_text().map(unfold).filter(|text| !text.is_empty())
}

/// A header value on one line: folding line breaks removed (the whitespace after them
/// stays), ends trimmed.
fn unfold(value: &str) -> String {
    value
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The length of the header section, blank line included, if `bytes` holds all of it.
pub fn header_len(bytes: &[u8]) -> Option<usize> {
    // A message that starts with an empty line has no header at all.
    if bytes.starts_with(b"\r\n") {
        return Some(2);
    }
    if bytes.starts_with(b"\n") {
        return Some(1);
    }
    let mut at = 0;
    while let Some(offset) = bytes.get(at..)?.iter().position(|b| *b == b'\n') {
        let line_end = at + offset + 1;
        match bytes.get(line_end..) {
            Some([b'\n', ..]) => return Some(line_end + 1),
            Some([b'\r', b'\n', ..]) => return Some(line_end + 2),
            _ => at = line_end,
        }
    }
    None
}

/// Reads a message once, in pieces, and keeps what an envelope needs: the header
/// section (up to [`MAX_HEADER_BYTES`]) and the size the message has with CRLF line
/// ends.
#[derive(Debug, Default)]
pub struct HeaderScan {
    header: Vec<u8>,
    header_done: bool,
    crlf_size: u64,
    last_was_cr: bool,
}

impl HeaderScan {
    pub fn new() -> Self {
        Self::default()
    }

    /// The next piece of the message.
    pub fn feed(&mut self, chunk: &[u8]) {
        // A bare LF is sent as CRLF over IMAP: it counts two.
        let bare_lf = memchr::memchr_iter(b'\n', chunk)
            .filter(|&at| match at.checked_sub(1) {
                Some(before) => chunk.get(before) != Some(&b'\r'),
                None => !self.last_was_cr,
            })
            .count();
        self.crlf_size += (chunk.len() + bare_lf) as u64;
        if let Some(last) = chunk.last() {
            self.last_was_cr = *last == b'\r';
        }
        if !self.header_done {
            let room = MAX_HEADER_BYTES.saturating_sub(self.header.len());
            let start = self.header.len().saturating_sub(3);
            self.header
                .extend_from_slice(&chunk[..chunk.len().min(room)]);
            // Look again from a little before the new piece: the blank line may straddle.
            if let Some(end) = self
                .header
                .get(start..)
                .and_then(header_len_after_start(start))
            {
                self.header.truncate(end);
                self.header_done = true;
            } else if self.header.len() >= MAX_HEADER_BYTES {
                self.header_done = true;
            }
        }
    }

    /// The header section read, and the message's CRLF size.
    pub fn finish(self) -> (Vec<u8>, u64) {
        (self.header, self.crlf_size)
    }
}

/// Finds the end of the header in `header[start..]`, where `start` may be mid-line.
fn header_len_after_start(start: usize) -> impl FnOnce(&[u8]) -> Option<usize> {
    move |tail: &[u8]| {
        if start == 0 {
            return header_len(tail);
        }
        // Search for an empty line: "\n\n" or "\n\r\n".
        let mut at = 0;
        while let Some(offset) = tail.get(at..)?.iter().position(|b| *b == b'\n') {
            let line_end = at + offset + 1;
            match tail.get(line_end..) {
                Some([b'\n', ..]) => return Some(start + line_end + 1),
                Some([b'\r', b'\n', ..]) => return Some(start + line_end + 2),
                _ => at = line_end,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const MESSAGE: &str = concat!(
        "Received: from mx.example.org (mx.example.org [203.0.113.7])\r\n",
        "\tby mx1.example.com with ESMTPS id 4Xa;\r\n",
        "\tTue, 14 Nov 2023 22:13:20 +0000\r\n",
        "Received: from [198.51.100.2] by mx.example.org; Tue, 14 Nov 2023 22:13:18 +0000\r\n",
        "From: =?utf-8?q?Bj=C3=B6rn?= Berg <bjorn@example.org>\r\n",
        "To: Alice Martin <alice@example.com>, bob@example.com\r\n",
        "Cc: Team: carol@example.com, Dan <dan@example.com>;\r\n",
        "Subject: The secret merger plan\r\n",
        "Date: Tue, 14 Nov 2023 22:13:19 +0000\r\n",
        "Message-ID: <1@example.org>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: text/plain\r\n",
        "\r\n",
        "Meet me at the docks.\r\n",
    );

    fn at() -> Timestamp {
        Timestamp::parse("2023-11-14T22:13:20Z").unwrap()
    }

    #[test]
    fn envelope_holds_the_traffic_fields_only() {
        let envelope = Envelope::from_header(MESSAGE.as_bytes(), 999, at());
        assert_eq!(envelope.from, ["Björn Berg <bjorn@example.org>"]);
        assert_eq!(
            envelope.to,
            ["Alice Martin <alice@example.com>", "bob@example.com"]
        );
        assert_eq!(envelope.cc, ["carol@example.com", "Dan <dan@example.com>"]);
        assert_eq!(
            envelope.date.as_deref(),
            Some("Tue, 14 Nov 2023 22:13:19 +0000")
        );
        assert_eq!(envelope.message_id.as_deref(), Some("<1@example.org>"));
        assert_eq!(
            envelope.received,
            [
                "from mx.example.org (mx.example.org [203.0.113.7])\tby mx1.example.com with ESMTPS id 4Xa;\tTue, 14 Nov 2023 22:13:20 +0000",
                "from [198.51.100.2] by mx.example.org; Tue, 14 Nov 2023 22:13:18 +0000",
            ]
        );
        assert_eq!(envelope.size, 999);
        let json = String::from_utf8(envelope.to_json()).unwrap();
        assert!(!json.contains("merger"), "no Subject: {json}");
        assert!(!json.contains("docks"), "no body: {json}");
        let fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&json).unwrap();
        let mut names: Vec<_> = fields.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "cc",
                "date",
                "from",
                "message_id",
                "received",
                "received_at",
                "size",
                "to"
            ]
        );
        assert_eq!(fields["received_at"], "2023-11-14T22:13:20Z");
    }

    #[test]
    fn line_ends_do_not_change_the_envelope() {
        let lf = MESSAGE.replace("\r\n", "\n");
        let mut scan_crlf = HeaderScan::new();
        scan_crlf.feed(MESSAGE.as_bytes());
        let mut scan_lf = HeaderScan::new();
        scan_lf.feed(lf.as_bytes());
        let (header_crlf, size_crlf) = scan_crlf.finish();
        let (header_lf, size_lf) = scan_lf.finish();
        assert_eq!(size_crlf, MESSAGE.len() as u64);
        assert_eq!(size_lf, size_crlf, "bare LF counts as CRLF");
        assert_eq!(
            Envelope::from_header(&header_crlf, size_crlf, at()),
            Envelope::from_header(&header_lf, size_lf, at())
        );
        assert!(header_crlf.ends_with(b"text/plain\r\n\r\n"));
        assert!(!String::from_utf8_lossy(&header_lf).contains("docks"));
    }

    #[test]
    fn a_message_without_addresses_or_header_still_has_an_envelope() {
        let envelope = Envelope::from_header(b"\r\nbody only\r\n", 13, at());
        assert!(envelope.from.is_empty() && envelope.to.is_empty() && envelope.cc.is_empty());
        assert_eq!(envelope.date, None);
        let garbled = Envelope::from_header(b"From: not an address at all\r\n\r\n", 1, at());
        assert_eq!(garbled.from.len(), 1, "{garbled:?}");
    }

    #[test]
    fn header_len_finds_the_blank_line() {
        assert_eq!(header_len(b"A: b\r\n\r\nbody"), Some(8));
        assert_eq!(header_len(b"A: b\n\nbody"), Some(6));
        assert_eq!(header_len(b"A: b\r\n"), None);
        assert_eq!(header_len(b"\r\nbody"), Some(2));
    }

    proptest! {
        #[test]
        fn scanning_in_pieces_is_scanning_at_once(
            message in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), Just(b':'), Just(b' ')], 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let mut whole = HeaderScan::new();
            whole.feed(&message);
            let mut pieces = HeaderScan::new();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(message.len())).collect();
            cuts.sort_unstable();
            let mut from = 0;
            for cut in cuts.into_iter().chain([message.len()]) {
                pieces.feed(&message[from..cut]);
                from = cut;
            }
            let expected_header = match header_len(&message) {
                Some(end) => message[..end].to_vec(),
                None => message.clone(),
            };
            let expected_size = message.len() as u64
                + message.iter().enumerate()
                    .filter(|(i, b)| **b == b'\n' && (*i == 0 || message[i - 1] != b'\r'))
                    .count() as u64;
            let (whole_header, whole_size) = whole.finish();
            let (piece_header, piece_size) = pieces.finish();
            prop_assert_eq!(&whole_header, &expected_header);
            prop_assert_eq!(&piece_header, &expected_header);
            prop_assert_eq!(whole_size, expected_size);
            prop_assert_eq!(piece_size, expected_size);
        }
    }
}
