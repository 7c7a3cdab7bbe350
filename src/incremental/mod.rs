//! Everything kept from one build for the next, in one place: what each kept thing is made from
//! (its key, a BLAKE3 `Fingerprint` seeded by the build's `Seed`), where a build keeps it on disk
//! and where the preview keeps it in memory. The renderer asks one `Store` (pages, list elements,
//! note bodies): on disk the `Manifest`, in memory `Memory` and `Published`. A build reuses a kept
//! thing only when its key is unchanged and, on disk, its file is still the one that was written.
//!
//! | kept | key (what it is made from) | build: on disk | preview: in memory |
//! | --- | --- | --- | --- |
//! | a page | `Seed::pages` (program, output settings, templates) + URL + template + the page's view, its sidebar and its body's inputs (`render::reuse`) | the page's file in the site, hard-linked into the next; its key in the manifest (`manifest.rs`) | its key in `memory::Published` (the pages are `serve::stored`'s): a page the change plan names (`serve::plan`) renders only when its key changed |
//! | a list element of a gathering page (checklists, controls, matrix, print) | `Seed::pages` + element template + root + the element's view (`render::parts`) | a span of the page's file; spans in the manifest | `memory::Memory` (the print page) |
//! | a note's body HTML | `BodyKey`: program + root + the body's inputs (`render::bodies`) | `bodies.bin` (`bodies.rs`) | `memory::Memory` (the print page's) |
//! | a note's `kb.json` and search entries | `Seed::entries` (+ vocabulary, catalogs) + the note, its headings, links and backlinks (`entries::key`) | `entries.bin`, its `kb.json` bytes a span of the previous `kb.json` (`entries.rs`) | `site::NoteEntries` |
//! | search index, `kb.json`, sitemap | `Seed::derived`: + every note's path and text | the files in the site, hard-linked; their key in the manifest | rebuilt from `site::NoteEntries` |
//!
//! The build's metadata (`pages.bin`, `bodies.bin`, `entries.bin`) lives in a cache directory
//! beside the output (`.whosecures-cache/<output>/`, or `build.cache-dir`), never in the
//! published site; every file uses one format (`codec.rs`).

mod bodies;
mod codec;
pub mod entries;
mod fingerprint;
mod manifest;
mod memory;
mod parts;
mod seed;
mod store;

pub use bodies::{Bodies, BodyKey};
pub use codec::{Decoder, Encoder};
pub use fingerprint::{program, Fingerprint, Hasher};
pub use manifest::{Dirs, Manifest};
pub use memory::{Deflated, Memory, Published};
pub use parts::{PartSource, Span, SpanReader};
pub use seed::Seed;
pub use store::Store;
