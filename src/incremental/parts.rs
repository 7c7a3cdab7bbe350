//! The list elements of the pages that gather every note, kept from one build for the next (see
//! `render::parts`, which renders a page one element at a time): where each element is in its
//! page's bytes (`Span`), a previous page's elements (`PartSource`), and reading spans of a
//! previous file (`SpanReader`).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::fingerprint::Fingerprint;

/// Where a list element is in its page's HTML, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Offset from the start of the page.
    pub at: u64,
    /// Length.
    pub len: u64,
}

/// A previous page's elements, by fingerprint.
pub trait PartSource {
    /// Appends the bytes of the element with fingerprint `print` to `out`; false (and `out` as it
    /// was) when there is none or it cannot be read.
    fn append(&mut self, print: &Fingerprint, out: &mut Vec<u8>) -> bool;
}

/// Reads byte ranges of one of the previous build's files, mostly in order (each just past the
/// previous one, which keeps the reader's buffer).
pub struct SpanReader {
    file: BufReader<File>,
    /// Where `file` is.
    position: u64,
}

impl SpanReader {
    /// Opens the file at `path`; `None` if it cannot be.
    pub fn open(path: &Path) -> Option<SpanReader> {
        Some(SpanReader {
            file: BufReader::with_capacity(1 << 16, File::open(path).ok()?),
            position: 0,
        })
    }

    /// Appends the bytes of `span` to `out`. False, and `out` as it was, when the file cannot
    /// be read there.
    pub fn append(&mut self, span: Span, out: &mut Vec<u8>) -> bool {
        let moved = match i64::try_from(span.at)
            .ok()
            .zip(i64::try_from(self.position).ok())
        {
            Some((to, from)) => self.file.seek_relative(to - from).is_ok(),
            None => self.file.seek(SeekFrom::Start(span.at)).is_ok(),
        };
        let (Ok(len), start) = (usize::try_from(span.len), out.len()) else {
            return false;
        };
        out.resize(start + len, 0);
        if moved && self.file.read_exact(&mut out[start..]).is_ok() {
            self.position = span.at + span.len;
            true
        } else {
            out.truncate(start);
            // Where the reader is is unknown now: start over from the beginning next time.
            self.position = self.file.seek(SeekFrom::Start(0)).unwrap_or(u64::MAX);
            false
        }
    }
}
