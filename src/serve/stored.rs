//! A site file as the preview keeps it: deflated in memory (the pages of 10,000 notes are about
//! 580 MB of HTML and a sixth of that deflated), sent as gzip to browsers that accept it and
//! inflated for the others, with the reload snippet put in before `</body>` either way without
//! compressing the page again. The only user of crc32fast (flate2's other is
//! `incremental::Deflated`); never reads a file.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Deflate level: the fastest, as every page of the site goes through it once at start-up
/// (`bench/serve-memory.py`); the better levels save little more on this HTML for twice the time.
const LEVEL: u32 = 1;

/// A gzip header without a name or time (RFC 1952): magic, deflate, no flags, no mtime, no
/// extra flags, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// One site file, kept as a deflate stream of its bytes up to where the preview's snippet goes
/// and the few bytes after it as they are.
///
/// The stream ends in a sync flush: byte-aligned and with no final block, so a second stream,
/// made per response from the snippet and the tail, can follow it; the two are one valid deflate
/// stream (the second refers to nothing in the first), as `pigz` joins its blocks.
#[derive(Debug)]
pub struct Stored {
    /// Raw deflate of `bytes[..split]`, ended by a sync flush.
    head: Box<[u8]>,
    /// CRC-32 of `bytes[..split]`.
    crc: u32,
    /// `split`: where an HTML page's last `</body>` starts (the end for other files).
    len: usize,
    /// `bytes[split..]`: `</body></html>` and what follows, kept as it is.
    tail: Box<[u8]>,
}

impl Stored {
    /// Keeps `bytes`; for an HTML page (`html`), the snippet passed to `gzip` and `plain` goes
    /// before its last `</body>`, or at the end when it has none (as the preview always did).
    pub fn new(bytes: &[u8], html: bool) -> Stored {
        let split = if html {
            rfind(bytes, b"</body>").unwrap_or(bytes.len())
        } else {
            bytes.len()
        };
        let (head, tail) = bytes.split_at(split);
        Stored {
            head: deflate(head, FlushCompress::Sync).into_boxed_slice(),
            crc: crc32fast::hash(head),
            len: split,
            tail: tail.into(),
        }
    }

    /// Bytes held in memory for this file.
    pub fn kept(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// The file's length without a snippet.
    pub fn size(&self) -> usize {
        self.len + self.tail.len()
    }

    /// The file with `snippet` put in, as a gzip member (`Content-Encoding: gzip`).
    pub fn gzip(&self, snippet: &[u8]) -> Vec<u8> {
        let mut rest = Vec::with_capacity(snippet.len() + self.tail.len());
        rest.extend_from_slice(snippet);
        rest.extend_from_slice(&self.tail);
        let end = deflate(&rest, FlushCompress::Finish);
        let mut crc = crc32fast::Hasher::new_with_initial_len(self.crc, self.len as u64);
        crc.update(&rest);
        let size = (self.len + rest.len()) as u64;
        let mut out = Vec::with_capacity(GZIP_HEADER.len() + self.head.len() + end.len() + 8);
        out.extend_from_slice(&GZIP_HEADER);
        out.extend_from_slice(&self.head);
        out.extend_from_slice(&end);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out
    }

    /// The file with `snippet` put in, as it is; `None` if the kept stream does not inflate to
    /// the length it was made from (a bug, never the user's input).
    pub fn plain(&self, snippet: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len + snippet.len() + self.tail.len());
        let mut inflate = Decompress::new(false);
        while out.len() < self.len {
            let from = usize::try_from(inflate.total_in()).ok()?;
            let input = self.head.get(from..)?;
            out.reserve(self.len - out.len());
            let before = (inflate.total_in(), inflate.total_out());
            inflate
                .decompress_vec(input, &mut out, FlushDecompress::Sync)
                .ok()?;
            if (inflate.total_in(), inflate.total_out()) == before {
                return None;
            }
        }
        if out.len() != self.len {
            return None;
        }
        out.extend_from_slice(snippet);
        out.extend_from_slice(&self.tail);
        Some(out)
    }
}

/// Raw deflate of `input`, ended by `flush` (`Sync`: byte-aligned, no final block; `Finish`: a
/// final block). Should the compressor fail, which it does only on misuse, the bytes go in
/// stored blocks instead, which are valid deflate too.
fn deflate(input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let sync = matches!(flush, FlushCompress::Sync);
    let mut compress = Compress::new(Compression::new(LEVEL), false);
    let mut out = Vec::with_capacity(input.len() / 4 + 64);
    loop {
        let done = usize::try_from(compress.total_in()).unwrap_or(usize::MAX);
        let Some(rest) = input.get(done..) else {
            return stored_blocks(input, flush);
        };
        if out.capacity() - out.len() < 1024 {
            out.reserve(rest.len() / 4 + 1024);
        }
        let before = (compress.total_in(), compress.total_out());
        match compress.compress_vec(rest, &mut out, flush) {
            Ok(Status::StreamEnd) => break,
            // A sync flush is complete once every byte is in and it left room unused (zlib's
            // rule: output space to spare means nothing is held back).
            Ok(_)
                if sync
                    && compress.total_in() as usize == input.len()
                    && out.len() < out.capacity() =>
            {
                break
            }
            Ok(_)
                if (compress.total_in(), compress.total_out()) == before
                    && out.len() < out.capacity() =>
            {
                return stored_blocks(input, flush)
            }
            Ok(_) => {}
            Err(_) => return stored_blocks(input, flush),
        }
    }
    out.shrink_to_fit();
    out
}

/// `input` as deflate stored blocks (RFC 1951 3.2.4) and an empty block after them: final when
/// `flush` is `Finish`, otherwise the marker a sync flush ends with.
fn stored_blocks(input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + input.len() / 65_535 * 5 + 10);
    let mut block = |last: bool, bytes: &[u8]| {
        let len = bytes.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    for chunk in input.chunks(65_535) {
        block(false, chunk);
    }
    block(matches!(flush, FlushCompress::Finish), &[]);
    out
}

/// Where `needle` last starts in `haystack`.
fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests;
