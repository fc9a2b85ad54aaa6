//! A response body received as a list of buffers ([`BodyChunks`]) instead of one `Vec`, and
//! a reader over it that gives each buffer's memory back as soon as it has been read
//! ([`ConsumingReader`]). Parsing a large answer through the reader keeps the peak heap near
//! max(body, what the rows are decoded into) instead of their sum.

use std::collections::VecDeque;
use std::io::{self, Read};

/// Size of the buffers a body is received in when it is read in chunks: large enough that
/// reading is a few big copies, small enough that a consumed buffer is given back soon and
/// the unused tail of the last one is small.
pub(crate) const CHUNK_SIZE: usize = 256 * 1024;

/// Bodies up to this size are parsed from one contiguous buffer: serde_json's slice parser
/// is about twice as fast as its reader parser, and for a body this small the memory that
/// giving chunks back saves does not matter. Larger bodies are parsed through a
/// [`ConsumingReader`].
pub(crate) const CONTIGUOUS_MAX: usize = 4 * 1024 * 1024;

/// A complete response body: its bytes are the concatenation of the chunks, in order.
#[derive(Debug, Default)]
pub(crate) struct BodyChunks {
    chunks: VecDeque<Vec<u8>>,
    len: usize,
}

impl BodyChunks {
    /// Reads `reader` to its end in buffers of [`CHUNK_SIZE`] bytes (the last one shrunk to
    /// fit).
    pub(crate) fn read_from<R: Read>(mut reader: R) -> io::Result<BodyChunks> {
        let mut body = BodyChunks::default();
        loop {
            let mut chunk = Vec::with_capacity(CHUNK_SIZE);
            (&mut reader)
                .take(CHUNK_SIZE as u64)
                .read_to_end(&mut chunk)?;
            let full = chunk.len() == CHUNK_SIZE;
            if !full {
                chunk.shrink_to_fit();
            }
            body.push(chunk);
            if !full {
                return Ok(body);
            }
        }
    }

    fn push(&mut self, chunk: Vec<u8>) {
        if !chunk.is_empty() {
            self.len += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    /// The body's size in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// A copy of the body's first `n` bytes (all of it when it is shorter).
    pub(crate) fn head(&self, n: usize) -> Vec<u8> {
        let mut head = Vec::with_capacity(n.min(self.len));
        for chunk in &self.chunks {
            let wanted = n - head.len();
            if wanted == 0 {
                break;
            }
            head.extend(chunk.iter().take(wanted));
        }
        head
    }

    /// The body as one buffer: no copy when it is one chunk (as a body read contiguously is).
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        if self.chunks.len() <= 1 {
            return self.chunks.pop_front().unwrap_or_default();
        }
        let mut bytes = Vec::with_capacity(self.len);
        while let Some(chunk) = self.chunks.pop_front() {
            bytes.extend_from_slice(&chunk);
        }
        bytes
    }

    /// A reader over the body that frees each chunk once it has been read.
    pub(crate) fn into_reader(self) -> ConsumingReader {
        ConsumingReader {
            chunks: self.chunks,
            pos: 0,
        }
    }

    /// A body made of the given chunks (tests: to split a small body into many).
    #[cfg(test)]
    pub(crate) fn from_chunks(chunks: impl IntoIterator<Item = Vec<u8>>) -> BodyChunks {
        let mut body = BodyChunks::default();
        for chunk in chunks {
            body.push(chunk);
        }
        body
    }
}

impl From<Vec<u8>> for BodyChunks {
    fn from(bytes: Vec<u8>) -> BodyChunks {
        let mut body = BodyChunks::default();
        body.push(bytes);
        body
    }
}

/// Reads a [`BodyChunks`] front to back, dropping each chunk as soon as its last byte has
/// been read. Wrap it in a [`std::io::BufReader`] for byte-by-byte readers such as
/// `serde_json::Deserializer::from_reader`.
#[derive(Debug)]
pub(crate) struct ConsumingReader {
    chunks: VecDeque<Vec<u8>>,
    /// Read position in the front chunk.
    pos: usize,
}

impl ConsumingReader {
    /// Chunks not yet fully read.
    #[cfg(test)]
    pub(crate) fn chunks_left(&self) -> usize {
        self.chunks.len()
    }
}

impl Read for ConsumingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(front) = self.chunks.front() else {
            return Ok(0);
        };
        let rest = front.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
            to.copy_from_slice(from);
        }
        self.pos += n;
        if self.pos >= front.len() {
            // Give the chunk's memory back now, not when the reader is dropped.
            self.chunks.pop_front();
            self.pos = 0;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_chunks_and_back() {
        let data: Vec<u8> = (0..(2 * CHUNK_SIZE + 10))
            .map(|i| (i % 251) as u8)
            .collect();
        let body = BodyChunks::read_from(data.as_slice()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.len(), data.len());
        assert_eq!(body.chunks.len(), 3);
        assert_eq!(body.chunks.back().map(Vec::capacity), Some(10));
        assert_eq!(body.head(5), data[..5]);
        assert_eq!(body.head(CHUNK_SIZE + 3), data[..CHUNK_SIZE + 3]);
        assert_eq!(body.into_vec(), data);

        let empty = BodyChunks::read_from(&b""[..]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((empty.len(), empty.chunks.len()), (0, 0));
        assert!(empty.head(10).is_empty());
        assert!(empty.into_vec().is_empty());

        let exact = BodyChunks::read_from(&data[..CHUNK_SIZE]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(exact.chunks.len(), 1);
    }

    #[test]
    fn one_chunk_is_not_copied() {
        let bytes = b"{\"rows\":[]}".to_vec();
        let at = bytes.as_ptr();
        let body = BodyChunks::from(bytes);
        assert_eq!(body.head(100), b"{\"rows\":[]}");
        let bytes = body.into_vec();
        assert_eq!(bytes.as_ptr(), at);
    }

    #[test]
    fn reader_drops_chunks_as_it_goes() {
        let body = BodyChunks::from_chunks([b"abc".to_vec(), Vec::new(), b"de".to_vec()]);
        assert_eq!(body.len(), 5);
        let mut reader = body.into_reader();
        let mut buf = [0u8; 2];
        assert_eq!(reader.read(&mut buf).ok(), Some(2));
        assert_eq!(&buf, b"ab");
        assert_eq!(reader.chunks_left(), 2);
        assert_eq!(reader.read(&mut buf).ok(), Some(1));
        assert_eq!(&buf[..1], b"c");
        assert_eq!(reader.chunks_left(), 1, "a read chunk is dropped at once");
        let mut rest = Vec::new();
        assert_eq!(reader.read_to_end(&mut rest).ok(), Some(2));
        assert_eq!(rest, b"de");
        assert_eq!(reader.chunks_left(), 0);
        assert_eq!(reader.read(&mut buf).ok(), Some(0));
    }
}
