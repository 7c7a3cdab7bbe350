//! The preview's stores, where a build keeps files in the cache directory: `Memory`, the print
//! page as last published with where each note's element is in it, and the note bodies it showed;
//! `Published`, the fingerprint of every other page it published, so a page its change plan names
//! again renders only when what it shows changed. It keeps its `kb.json` and search entries as
//! `site::NoteEntries`.

use std::collections::HashMap;
use std::sync::Mutex;

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

    /// How many pages have a fingerprint.
    pub fn len(&self) -> usize {
        self.prints.len()
    }

    /// Whether no page has one.
    pub fn is_empty(&self) -> bool {
        self.prints.is_empty()
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
