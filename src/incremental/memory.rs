//! The preview's in-memory stores of what it keeps between rebuilds, where a build keeps files in
//! the cache directory: the print page's elements (`KeptPage`). The preview's note bodies are a
//! `Bodies::kept` map, and its `kb.json` and search entries are `site::NoteEntries`.

use std::collections::HashMap;
use std::sync::Mutex;

use super::fingerprint::Fingerprint;
use super::parts::{PartSource, PartsStore, Span};

/// A page as last published and where each of its list elements is in it, in memory: the
/// preview's print page. The next page copies the elements whose fingerprint did not change
/// instead of rendering them (the build keeps the same on disk, in its manifest).
#[derive(Default)]
pub struct KeptPage {
    html: Vec<u8>,
    elements: HashMap<Fingerprint, Span>,
    /// The elements of the page being rendered, until `keep` is given its bytes.
    wrote: Mutex<Vec<(Fingerprint, Span)>>,
}

impl KeptPage {
    /// Keeps `html`, the page whose elements were just reported to `wrote`.
    pub fn keep(&mut self, html: Vec<u8>) {
        let wrote = std::mem::take(self.wrote.get_mut().unwrap_or_else(|e| e.into_inner()));
        self.elements = wrote.into_iter().collect();
        self.html = html;
    }
}

impl PartsStore for KeptPage {
    fn previous(&self, _url: &str) -> Option<Box<dyn PartSource + '_>> {
        (!self.html.is_empty()).then(|| Box::new(self) as Box<dyn PartSource + '_>)
    }

    fn wrote(&self, _url: &str, elements: Vec<(Fingerprint, Span)>) {
        *self.wrote.lock().unwrap_or_else(|e| e.into_inner()) = elements;
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
