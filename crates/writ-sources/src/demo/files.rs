//! The demo provider's file store: a plausible tree per account (documents, PDFs,
//! photos, spreadsheets) of realistic small sizes, the same for the same seed.
//!
//! Times: a file's date in a store is its `last_modified`. On a local store
//! ([`write_local_files`]) writ sets each file's modification time to its planned date,
//! spread over the spec's period, which is what `writ demo` uses. An S3 store sets
//! `last_modified` to the upload time and cannot be told otherwise, so files written
//! with [`write_files`] all date from the moment of writing; tests against S3 choose
//! periods around that moment (from the objects' own `last_modified`).

use std::collections::BTreeSet;
use std::path::Path as FsPath;
use std::time::{Duration, UNIX_EPOCH};

use object_store::path::{Path, PathPart};
use object_store::{ObjectStore, PutOptions, PutPayload};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use tokio::io::AsyncWriteExt;
use writ_core::Timestamp;

use super::records::account_rng;
use super::{DemoAccount, DemoSpec};

/// How many files each account gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileVolume {
    pub files_per_account: u32,
}

impl Default for FileVolume {
    fn default() -> Self {
        Self {
            files_per_account: 12,
        }
    }
}

/// What a generator wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileStats {
    pub accounts: u64,
    pub files: u64,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("demo files: writing {path}: {source}")]
    Store {
        path: String,
        #[source]
        source: object_store::Error,
    },
    #[error("demo files: writing {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// One generated file of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoFile {
    /// Below the account's folder: `Documents/notes-2026-03.txt`.
    pub path: String,
    /// The date it should carry (a local store's modification time).
    pub modified: Timestamp,
    pub bytes: Vec<u8>,
}

/// The files of `account`, sorted by path. At most one account's files are in memory
/// at a time; each is under 100 KB.
pub fn account_files(spec: &DemoSpec, account: &DemoAccount, volume: &FileVolume) -> Vec<DemoFile> {
    let mut rng = account_rng(spec.seed, &account.id, "files");
    let from = spec.period.from().unix_micros();
    let to = spec.period.to().unix_micros();
    let mut taken = BTreeSet::new();
    let mut files = Vec::new();
    for _ in 0..volume.files_per_account {
        let modified = Timestamp::from_unix_micros(from + rng.random_range(0..=(to - from).max(0)))
            .unwrap_or(spec.period.from());
        let (path, bytes) = match rng.random_range(0..10) {
            0..=2 => text_document(&mut rng, account, modified),
            3..=4 => pdf_document(&mut rng, account, modified),
            5..=7 => photo(&mut rng, modified),
            _ => spreadsheet(&mut rng, modified),
        };
        // Two files may be given the same name: the later gets a number.
        let mut unique = path.clone();
        let mut n = 2;
        while !taken.insert(unique.clone()) {
            unique = match path.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}-{n}.{ext}"),
                None => format!("{path}-{n}"),
            };
            n += 1;
        }
        files.push(DemoFile {
            path: unique,
            modified,
            bytes,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The object path of an account's file: `{account}/{path}` (the file source's default).
pub fn object_path(account: &DemoAccount, file: &DemoFile) -> Path {
    Path::from_iter(
        std::iter::once(PathPart::from(account.id.as_str()))
            .chain(file.path.split('/').map(PathPart::from)),
    )
}

/// Writes every account's files to `store` under `{account}/`. Their `last_modified`
/// is whatever the store sets (the upload time on S3).
pub async fn write_files(
    store: &dyn ObjectStore,
    spec: &DemoSpec,
    volume: &FileVolume,
) -> Result<FileStats, FilesError> {
    let mut stats = FileStats::default();
    for account in &spec.accounts {
        for file in account_files(spec, account, volume) {
            let location = object_path(account, &file);
            let size = file.bytes.len() as u64;
            store
                .put_opts(
                    &location,
                    PutPayload::from(file.bytes),
                    PutOptions::default(),
                )
                .await
                .map_err(|source| FilesError::Store {
                    path: location.to_string(),
                    source,
                })?;
            stats.files += 1;
            stats.bytes += size;
        }
        stats.accounts += 1;
    }
    Ok(stats)
}

/// Writes every account's files under `root/{account}/` and dates each with its planned
/// modification time, so they spread over the spec's period.
pub async fn write_local_files(
    root: &FsPath,
    spec: &DemoSpec,
    volume: &FileVolume,
) -> Result<FileStats, FilesError> {
    let mut stats = FileStats::default();
    for account in &spec.accounts {
        for file in account_files(spec, account, volume) {
            let location = object_path(account, &file);
            let path = location
                .parts()
                .fold(root.to_path_buf(), |path, part| path.join(part.as_ref()));
            let io = |source| FilesError::Io {
                path: path.display().to_string(),
                source,
            };
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(io)?;
            }
            let mut out = tokio::fs::File::create(&path).await.map_err(io)?;
            out.write_all(&file.bytes).await.map_err(io)?;
            out.flush().await.map_err(io)?;
            let out = out.into_std().await;
            let micros = u64::try_from(file.modified.unix_micros()).unwrap_or_default();
            let mtime = UNIX_EPOCH + Duration::from_micros(micros);
            tokio::task::spawn_blocking(move || out.set_modified(mtime))
                .await
                .map_err(|e| io(std::io::Error::other(e)))?
                .map_err(io)?;
            stats.files += 1;
            stats.bytes += file.bytes.len() as u64;
        }
        stats.accounts += 1;
    }
    Ok(stats)
}

const TOPICS: [&str; 10] = [
    "meeting-notes",
    "project-plan",
    "travel",
    "recipes",
    "reading-list",
    "minutes",
    "proposal",
    "letter",
    "cover-letter",
    "ideas",
];

const SENTENCES: [&str; 16] = [
    "We agreed to revisit the budget after the quarterly review.",
    "The supplier confirmed delivery for the second week of the month.",
    "Remember to book the train tickets before prices go up.",
    "Action items are listed at the end of this document.",
    "The draft needs another pass before it goes to the client.",
    "Attendance was good and the discussion stayed on topic.",
    "Costs came in slightly under the estimate, mostly thanks to travel.",
    "Next steps: collect feedback, update the timeline, share with the team.",
    "The venue can host up to forty people with the partition open.",
    "Please keep this document up to date as decisions are made.",
    "Two options remain on the table; both have trade-offs.",
    "The new process starts on the first of next month.",
    "Questions and comments can go in the margin.",
    "We should plan for a short delay in the spring.",
    "A summary was sent to everyone who could not attend.",
    "This is a working document and will change.",
];

fn date(at: Timestamp) -> (i32, u8, u8, u8, u8, u8) {
    let at = at.datetime();
    (
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
}

fn paragraphs(rng: &mut StdRng, sentences: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut paragraph = Vec::new();
    for _ in 0..sentences {
        paragraph.push(*SENTENCES.choose(rng).unwrap_or(&SENTENCES[0]));
        if rng.random_bool(0.2) {
            out.push(paragraph.join(" "));
            paragraph.clear();
        }
    }
    if !paragraph.is_empty() {
        out.push(paragraph.join(" "));
    }
    out
}

fn text_document(rng: &mut StdRng, account: &DemoAccount, at: Timestamp) -> (String, Vec<u8>) {
    let topic = TOPICS.choose(rng).unwrap_or(&TOPICS[0]);
    let (y, m, d, ..) = date(at);
    let mut text = format!("{topic} ({y:04}-{m:02}-{d:02})\n{}\n\n", account.name);
    let sentences = rng.random_range(15..250);
    text.push_str(&paragraphs(rng, sentences).join("\n\n"));
    text.push('\n');
    (
        format!("Documents/{topic}-{y:04}-{m:02}.txt"),
        text.into_bytes(),
    )
}

fn pdf_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}

/// A one-page PDF with a few lines of text, valid enough for any reader.
fn pdf_document(rng: &mut StdRng, account: &DemoAccount, at: Timestamp) -> (String, Vec<u8>) {
    let topic = TOPICS.choose(rng).unwrap_or(&TOPICS[0]);
    let (y, m, d, ..) = date(at);
    let mut content = format!(
        "BT /F1 16 Tf 72 740 Td ({}) Tj ET\nBT /F1 11 Tf 72 716 Td ({} - {y:04}-{m:02}-{d:02}) Tj ET\n",
        pdf_escape(&topic.replace('-', " ")),
        pdf_escape(&account.name)
    );
    let lines = rng.random_range(8..40);
    for i in 0..lines {
        let line = SENTENCES.choose(rng).unwrap_or(&SENTENCES[0]);
        content.push_str(&format!(
            "BT /F1 10 Tf 72 {} Td ({}) Tj ET\n",
            690 - 15 * i,
            pdf_escape(line)
        ));
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    (format!("Documents/{topic}-{y:04}-{m:02}.pdf"), pdf)
}

/// A PNG of soft gradients and noise (uncompressed: PNG with stored deflate blocks).
fn photo(rng: &mut StdRng, at: Timestamp) -> (String, Vec<u8>) {
    let (y, m, d, hh, mm, ss) = date(at);
    let width: u32 = rng.random_range(48..=160);
    let height: u32 = rng.random_range(36..=120);
    let tint: [u8; 3] = [rng.random(), rng.random(), rng.random()];
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for row in 0..height {
        raw.push(0); // filter: none
        for col in 0..width {
            let noise: u8 = rng.random_range(0..24);
            let shade = |base: u8, along: u32, span: u32| {
                (u32::from(base) / 2 + along * 100 / span.max(1) + u32::from(noise)).min(255) as u8
            };
            raw.push(shade(tint[0], col, width));
            raw.push(shade(tint[1], row, height));
            raw.push(shade(tint[2], col + row, width + height));
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    png_chunk(&mut png, b"IHDR", &header);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut png, b"IEND", &[]);
    (
        format!("Photos/IMG_{y:04}{m:02}{d:02}_{hh:02}{mm:02}{ss:02}.png"),
        png,
    )
}

fn png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `data` as a zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = u8::from(chunks.peek().is_none());
        let len = chunk.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn spreadsheet(rng: &mut StdRng, at: Timestamp) -> (String, Vec<u8>) {
    let (y, m, ..) = date(at);
    let kind = ["budget", "expenses", "timesheet"]
        .choose(rng)
        .copied()
        .unwrap_or("budget");
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rows = rng.random_range(20..200);
    let result = (|| -> csv::Result<()> {
        match kind {
            "timesheet" => {
                writer.write_record(["date", "project", "hours", "note"])?;
                for i in 0..rows {
                    let day = 1 + i % 28;
                    let project = ["Apollo", "Birch", "Cobalt", "Internal"]
                        .choose(rng)
                        .copied()
                        .unwrap_or("Internal");
                    let hours = format!("{:.1}", rng.random_range(5..=90) as f64 / 10.0);
                    let note = if rng.random_bool(0.2) {
                        "review, follow-up"
                    } else {
                        ""
                    };
                    writer.write_record([
                        format!("{y:04}-{m:02}-{day:02}").as_str(),
                        project,
                        &hours,
                        note,
                    ])?;
                }
            }
            _ => {
                writer.write_record(["date", "category", "description", "amount"])?;
                for i in 0..rows {
                    let day = 1 + i % 28;
                    let category = ["Rent", "Groceries", "Transport", "Utilities", "Dining"]
                        .choose(rng)
                        .copied()
                        .unwrap_or("Groceries");
                    let amount = format!("{:.2}", rng.random_range(150..250_000) as f64 / 100.0);
                    writer.write_record([
                        format!("{y:04}-{m:02}-{day:02}").as_str(),
                        category,
                        &format!("{category} #{}", i + 1),
                        &amount,
                    ])?;
                }
            }
        }
        Ok(())
    })();
    // Writing to a Vec cannot fail; an error would only leave the sheet shorter.
    let _ = result;
    let bytes = writer.into_inner().unwrap_or_default();
    (format!("Spreadsheets/{kind}-{y:04}-{m:02}.csv"), bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> DemoSpec {
        crate::demo::test_spec("2025-03-01T00:00:00Z", "2026-03-01T00:00:00Z", 42)
    }

    #[test]
    fn files_are_deterministic_plausible_and_small() {
        let spec = spec();
        let volume = FileVolume::default();
        let alice = &spec.accounts[0];
        let files = account_files(&spec, alice, &volume);
        assert_eq!(files, account_files(&spec, alice, &volume));
        assert_eq!(files.len(), 12);
        let names: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(names.len(), files.len(), "names are unique");
        for file in &files {
            assert!(spec.period.contains(file.modified));
            assert!(
                file.bytes.len() < 100_000,
                "{} is {} bytes",
                file.path,
                file.bytes.len()
            );
            let top = file.path.split('/').next().unwrap();
            assert!(
                ["Documents", "Photos", "Spreadsheets"].contains(&top),
                "{}",
                file.path
            );
            if file.path.ends_with(".png") {
                assert!(file.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
                assert!(file.bytes.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND CRC");
            }
            if file.path.ends_with(".pdf") {
                assert!(file.bytes.starts_with(b"%PDF-1.4") && file.bytes.ends_with(b"%%EOF\n"));
            }
        }
        let bruno = account_files(&spec, &spec.accounts[1], &volume);
        assert_ne!(files, bruno);
    }

    #[test]
    fn crc_and_zlib_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        // zlib of "abc" with a stored block; Adler-32 of "abc" is 0x024d0127.
        assert_eq!(
            zlib_stored(b"abc"),
            vec![
                0x78, 0x01, 1, 3, 0, 0xfc, 0xff, b'a', b'b', b'c', 0x02, 0x4d, 0x01, 0x27
            ]
        );
    }
}
