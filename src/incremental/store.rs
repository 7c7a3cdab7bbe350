//! The one store the renderer asks about what the previous build kept, and tells what this one
//! made: on disk `Manifest` (a build into a directory), in memory `Memory` (the preview).

use std::collections::HashMap;

use super::bodies::BodyKey;
use super::fingerprint::Fingerprint;
use super::parts::{PartSource, Span};
use crate::error::Result;

/// What a build asks of what the previous one kept. Every key covers the program, the output
/// settings and the theme (the build's seed) and everything the thing is made from, so equal keys
/// mean equal bytes.
pub trait Store: Sync {
    /// Keeps the previous bytes of the page at `url` when they were made from `key` and are still
    /// what was written; `Ok(true)` means kept, and the page is not rendered.
    fn keep_page(&self, url: &str, key: &Fingerprint) -> Result<bool>;

    /// The previous elements of the page at `url` (a page that gathers every note is made again
    /// from its previous bytes, only the elements whose key changed rendered), if it had any and
    /// they are intact.
    fn previous_parts(&self, url: &str) -> Option<Box<dyn PartSource + '_>>;

    /// Records the elements of the page just rendered for `url`, in order.
    fn wrote_parts(&self, url: &str, elements: Vec<(Fingerprint, Span)>);

    /// The note bodies kept by key, read when the first body is needed (see `Bodies::new`).
    fn kept_bodies(&self) -> HashMap<BodyKey, String>;
}
