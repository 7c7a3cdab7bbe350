//! The preview's store (`Memory`), where a build keeps files in the cache directory: the print
//! page as last published with where each note's element is in it, and the note bodies it showed.
//! The preview renders other pages by its change plan, and keeps its `kb.json` and search entries
//! as `site::NoteEntries`.

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
