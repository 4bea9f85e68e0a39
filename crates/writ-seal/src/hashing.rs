//! SHA-256 taken in passing: a writer that hashes what goes out and a reader that
//! hashes what comes in, so nothing is read twice or held whole in memory.

use std::io::{self, Read, Write};

use sha2::{Digest as _, Sha256};

/// A SHA-256 as the lowercase hex that manifests, `SHA256SUMS` and `sha256sum` use.
pub(crate) fn to_hex(hasher: Sha256) -> String {
    hex::encode(hasher.finalize())
}

/// Passes writes through to `inner`, counting and hashing the bytes it accepted.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// The inner writer, the byte count and the hex SHA-256 of everything written.
    pub(crate) fn finish(self) -> (W, u64, String) {
        (self.inner, self.count, to_hex(self.hasher))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        // Only what the inner writer took: a short write is retried by write_all.
        let taken = buf.get(..written).unwrap_or(buf);
        self.hasher.update(taken);
        self.count += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads at most `limit` bytes from `inner`, hashing and counting them, and keeps a copy
/// of the first read error, so a caller whose consumer (tar) swallowed the error into its
/// own can still tell a failed read from a failed write.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
    limit: u64,
    read_error: Option<io::Error>,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
            limit,
            read_error: None,
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    pub(crate) fn take_read_error(&mut self) -> Option<io::Error> {
        self.read_error.take()
    }

    /// The inner reader (positioned after what was read) and the hex SHA-256.
    pub(crate) fn finish(self) -> (R, String) {
        (self.inner, to_hex(self.hasher))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.limit - self.count;
        if remaining == 0 {
            return Ok(0);
        }
        let max = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let buf = &mut buf[..max];
        match self.inner.read(buf) {
            Ok(read) => {
                self.hasher.update(&buf[..read]);
                self.count += read as u64;
                Ok(read)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted && self.read_error.is_none() {
                    self.read_error = Some(io::Error::new(e.kind(), e.to_string()));
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_hashes_what_it_passes_on() {
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"abc").unwrap();
        let (inner, count, hash) = writer.finish();
        assert_eq!(inner, b"abc");
        assert_eq!(count, 3);
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn reader_stops_at_its_limit() {
        let mut reader = HashingReader::new(&b"abcdef"[..], 3);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abc");
        assert_eq!(reader.count(), 3);
        let (rest, hash) = reader.finish();
        assert_eq!(rest, b"def");
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
