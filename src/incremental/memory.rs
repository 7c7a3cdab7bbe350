//! The preview's stores, where a build keeps files in the cache directory: `Memory`, the print
//! page as last published with where each note's element is in it, and the note bodies it showed;
//! `Published`, the fingerprint of every other page it published, so a page its change plan names
//! again renders only when what it shows changed. It keeps its `kb.json` and search entries as
//! `site::NoteEntries`, deflated (`Deflated`).

use std::collections::HashMap;
use std::sync::Mutex;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::bodies::BodyKey;
use super::fingerprint::Fingerprint;
use super::parts::{PartSource, Span};
use super::store::Store;
use crate::error::Result;

/// What the preview keeps in memory from one print page to the next: the next page copies the
/// elements whose key did not change and renders only the bodies whose key did.
#[derive(Default)]
pub struct Memory {
    page: KeptPage,
    /// The elements of the page being rendered, until `keep` is given its bytes.
    wrote: Mutex<Vec<(Fingerprint, Span)>>,
    /// The bodies the last print page showed, handed to the next one when it asks.
    bodies: Mutex<HashMap<BodyKey, String>>,
}

/// A published page and where each of its list elements is in it.
#[derive(Default)]
struct KeptPage {
    html: Vec<u8>,
    elements: HashMap<Fingerprint, Span>,
}

impl Memory {
    /// Keeps `html`, the page whose elements were just reported to `wrote_parts`, and `bodies`
    /// for the next page.
    pub fn keep(&mut self, html: Vec<u8>, bodies: HashMap<BodyKey, String>) {
        let wrote = std::mem::take(self.wrote.get_mut().unwrap_or_else(|e| e.into_inner()));
        self.page = KeptPage {
            html,
            elements: wrote.into_iter().collect(),
        };
        *self.bodies.get_mut().unwrap_or_else(|e| e.into_inner()) = bodies;
    }

    /// Forgets everything (no print page any more, or one that failed).
    pub fn clear(&mut self) {
        *self = Memory::default();
    }
}

impl Store for Memory {
    /// The preview renders the pages its change plan names: none is kept by key.
    fn keep_page(&self, _url: &str, _key: &Fingerprint) -> Result<bool> {
        Ok(false)
    }

    fn previous_parts(&self, _url: &str) -> Option<Box<dyn PartSource + '_>> {
        (!self.page.html.is_empty()).then(|| Box::new(&self.page) as Box<dyn PartSource + '_>)
    }

    fn wrote_parts(&self, _url: &str, elements: Vec<(Fingerprint, Span)>) {
        *self.wrote.lock().unwrap_or_else(|e| e.into_inner()) = elements;
    }

    fn kept_bodies(&self) -> HashMap<BodyKey, String> {
        std::mem::take(&mut *self.bodies.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The fingerprint of each page the preview published, by URL. A change plan names pages that
/// may show the changed note (every part of each layer page a service is on); `render_pages`
/// fingerprints them and renders only those whose fingerprint differs from the one kept here.
/// Only the fingerprint is kept (the pages are the server's): a URL is forgotten when its page is
/// removed, and all are when every page is to be rendered again.
#[derive(Default)]
pub struct Published {
    prints: HashMap<String, Fingerprint>,
}

impl Published {
    /// Records that the page at `url` now served was made from `print`.
    pub fn record(&mut self, url: &str, print: Fingerprint) {
        match self.prints.get_mut(url) {
            Some(kept) => *kept = print,
            None => {
                self.prints.insert(url.to_owned(), print);
            }
        }
    }

    /// Forgets the page at `url` (removed, or rendered without a fingerprint).
    pub fn forget(&mut self, url: &str) {
        self.prints.remove(url);
    }

    /// Forgets every page.
    pub fn clear(&mut self) {
        self.prints = HashMap::new();
    }
}

impl Store for Published {
    fn keep_page(&self, url: &str, key: &Fingerprint) -> Result<bool> {
        Ok(self.prints.get(url) == Some(key))
    }

    /// Not kept: a page named again renders whole or not at all.
    fn previous_parts(&self, _url: &str) -> Option<Box<dyn PartSource + '_>> {
        None
    }

    fn wrote_parts(&self, _url: &str, _elements: Vec<(Fingerprint, Span)>) {}

    fn kept_bodies(&self) -> HashMap<BodyKey, String> {
        HashMap::new()
    }
}

impl PartSource for &KeptPage {
    fn append(&mut self, print: &Fingerprint, out: &mut Vec<u8>) -> bool {
        let bytes = self.elements.get(print).and_then(|span| {
            let at = usize::try_from(span.at).ok()?;
            let end = at.checked_add(usize::try_from(span.len).ok()?)?;
            self.html.get(at..end)
        });
        match bytes {
            Some(bytes) => {
                out.extend_from_slice(bytes);
                true
            }
            None => false,
        }
    }
}

/// Bytes the preview keeps for a long time and reads rarely, kept deflated (a raw deflate
/// stream, fastest level): `site::NoteEntries`' packed entries, 80 MB at 10,000 notes as they
/// were, read only when the derived files are joined, once no change has come for a while
/// (bench/README.md, "Preview edits and memory, round four").
#[derive(Debug)]
pub struct Deflated {
    bytes: Box<[u8]>,
    /// The length inflated.
    len: usize,
}

impl Deflated {
    /// `bytes`, deflated.
    pub fn new(bytes: &[u8]) -> Deflated {
        let mut compress = Compress::new(Compression::fast(), false);
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        loop {
            let read =
                usize::try_from(compress.total_in()).map_or(bytes.len(), |n| n.min(bytes.len()));
            match compress.compress_vec(&bytes[read..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => break,
                Ok(_) => out.reserve(out.capacity().max(1024)),
                // Only a misuse of the stream fails: kept as nothing, which `inflate` refuses.
                Err(_) => {
                    out.clear();
                    break;
                }
            }
        }
        Deflated {
            bytes: out.into_boxed_slice(),
            len: bytes.len(),
        }
    }

    /// Bytes held.
    pub fn kept(&self) -> usize {
        self.bytes.len()
    }

    /// The length of the bytes inflated.
    pub fn size(&self) -> usize {
        self.len
    }

    /// The bytes inflated; `None` only if the stream is not one `new` made (a bug).
    pub fn inflate(&self) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len);
        let mut decompress = Decompress::new(false);
        match decompress.decompress_vec(&self.bytes, &mut out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) if out.len() == self.len => Some(out),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // What is deflated inflates to the same bytes, for nothing, a little, and more than one
    // deflate block of text that compresses and of bytes that do not.
    #[test]
    fn deflated_bytes_inflate_to_themselves() {
        let text: Vec<u8> = "kb.json entry \"title\": [1, 2]\n"
            .repeat(5000)
            .into_bytes();
        let noise: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for bytes in [&b""[..], b"x", &text, &noise] {
            let kept = Deflated::new(bytes);
            assert_eq!(
                kept.inflate().as_deref(),
                Some(bytes),
                "{} bytes",
                bytes.len()
            );
        }
        assert!(
            Deflated::new(&text).kept() < text.len() / 10,
            "text is kept deflated"
        );
    }
}
