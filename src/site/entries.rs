//! Each note's part of the derived files, kept from one build for the next: a rebuild after an
//! edit serializes and indexes only the notes whose part can have changed. A build writes
//! `ENTRIES` beside `kb.json`: per note, in note order, the fingerprint of what the note's entries
//! are made from (`key`), where its entry sits in `kb.json`, and its search entry. The next build
//! copies an unchanged note's `kb.json` bytes from the previous file and reads its search entry
//! back, instead of serializing the note and parsing its Markdown again. Both files are used only
//! when they still have the size and modification time the manifest recorded (see `cache`).
//!
//! The format is ours and private to one program (the program's fingerprint is in every key):
//! `MAGIC`, then per note `id`, `key` (32 bytes), `kb.json` offset and length (u64 each), search
//! record, term count (u32) and the terms, each as a length (u8) and bytes followed by its score
//! (u16). Strings are a u32 length and UTF-8 bytes; numbers are little-endian.

use std::collections::HashMap;
use std::path::Path;

use super::cache::SpanReader;
use super::search;
use super::write::{self, Stream};
use crate::config::Config;
use crate::error::Result;
use crate::kb::{KnowledgeBase, Note};
use crate::links::LinkGraph;
use crate::render::{self, Fingerprint, Hasher};

pub use crate::render::Span;

/// The file's name in the output directory.
pub const ENTRIES: &str = ".whosecures-entries.bin";

/// The first bytes of the file; another version's file is not read.
const MAGIC: &[u8] = b"whosecures entries 1\n";

/// The build-wide part of every note's key: the program, the configuration, the vocabulary and
/// catalogs.
pub fn seed(kb: &KnowledgeBase, config: &Config) -> Fingerprint {
    Hasher::new(None)
        .text(render::program())
        .text("entries")
        .text(&format!("{config:?}"))
        .text(&format!("{:?}", kb.vocab))
        .text(&format!("{:?}", kb.catalogs))
        .finish()
}

/// What a note's entries are made from: the note (id, kind, path, text) and, from the link graph,
/// its headings, the notes it links to and the notes that link to it (`kb.json` lists both).
pub fn key(seed: &Fingerprint, note: &Note, graph: &LinkGraph) -> Fingerprint {
    let mut hasher = Hasher::new(Some(seed));
    hasher
        .text(note.id.as_str())
        .text(note.kind.folder())
        .text(&note.rel_path)
        .text(&note.text);
    let headings = graph.headings(&note.id);
    hasher.number(headings.len() as u64);
    for heading in headings {
        hasher
            .number(u64::from(heading.level))
            .text(&heading.id)
            .text(&heading.text);
    }
    let links = graph.outlines.get(&note.id).map_or(&[][..], |o| &o.links);
    hasher.number(links.len() as u64);
    for link in links {
        hasher.text(link.target.as_str());
    }
    let backlinks = graph.backlinks(&note.id);
    hasher.number(backlinks.len() as u64);
    for id in backlinks {
        hasher.text(id.as_str());
    }
    hasher.finish()
}

/// Writes the file as the build makes the notes' entries, in note order.
pub struct Writer {
    out: Stream,
    buffer: Vec<u8>,
}

impl Writer {
    /// Starts the file in `root`.
    pub fn create(root: &Path) -> Result<Writer> {
        let mut out = write::create(root, ENTRIES)?;
        out.write(MAGIC)?;
        Ok(Writer {
            out,
            buffer: Vec::new(),
        })
    }

    /// Records the next note: its id, key, where its entry sits in `kb.json`, its search entry.
    pub fn add(
        &mut self,
        id: &str,
        key: &Fingerprint,
        json: Span,
        search: &search::Entry,
    ) -> Result<()> {
        let b = &mut self.buffer;
        b.clear();
        put_str(b, id);
        b.extend_from_slice(key.as_bytes());
        b.extend_from_slice(&json.at.to_le_bytes());
        b.extend_from_slice(&json.len.to_le_bytes());
        put_str(b, &search.record);
        // Terms are at most 40 characters (see `search`); a longer one would not fit its length
        // byte, and is written empty: the file then fails to match, and that note is remade.
        b.extend_from_slice(&(search.terms.len() as u32).to_le_bytes());
        for (term, score) in &search.terms {
            let term = if term.len() <= usize::from(u8::MAX) {
                term.as_str()
            } else {
                ""
            };
            b.push(term.len() as u8);
            b.extend_from_slice(term.as_bytes());
            b.extend_from_slice(&score.to_le_bytes());
        }
        self.out.write(b)
    }

    /// Writes out what is buffered and closes the file.
    pub fn finish(self) -> Result<()> {
        self.out.finish()
    }
}

fn put_str(buffer: &mut Vec<u8>, text: &str) {
    buffer.extend_from_slice(&(text.len() as u32).to_le_bytes());
    buffer.extend_from_slice(text.as_bytes());
}

/// A note's entries from the previous build.
#[derive(Debug)]
pub struct Kept {
    /// Its entry in the previous `kb.json`.
    pub json: Span,
    /// Its search entry.
    pub search: search::Entry,
}

/// The previous build's entries, and its `kb.json` to copy unchanged notes' entries from.
pub struct Previous {
    bytes: Vec<u8>,
    /// By note id.
    notes: HashMap<String, Slot>,
    json: SpanReader,
}

impl Previous {
    /// Reads the entries file and opens the `kb.json` it describes. `None` when either cannot be
    /// read or the entries file is not one this version wrote whole: the entries are then made
    /// again, as in a cold build.
    pub fn open(entries: &Path, kb_json: &Path) -> Option<Previous> {
        let bytes = std::fs::read(entries).ok()?;
        let notes = index(&bytes)?;
        let json = SpanReader::open(kb_json)?;
        Some(Previous { bytes, notes, json })
    }

    /// The previous build's entries for note `id`, if they were made from the same `key`.
    pub fn get(&self, id: &str, key: &Fingerprint) -> Option<Kept> {
        let slot = self.notes.get(id)?;
        if slot.key != *key.as_bytes() {
            return None;
        }
        let mut cursor = Cursor {
            bytes: &self.bytes,
            at: slot.search,
        };
        let record = cursor.text()?.to_owned();
        let count = cursor.u32()? as usize;
        let mut terms = Vec::with_capacity(count);
        for _ in 0..count {
            let len = usize::from(cursor.take(1)?[0]);
            let term = std::str::from_utf8(cursor.take(len)?).ok()?;
            let score = u16::from_le_bytes(cursor.take(2)?.try_into().ok()?);
            terms.push((term.to_owned(), score));
        }
        Some(Kept {
            json: slot.json,
            search: search::Entry { record, terms },
        })
    }

    /// Reads `span` of the previous `kb.json` into `into` (replacing its content). False when
    /// the file cannot be read there: the caller serializes the note again.
    pub fn read_json(&mut self, span: Span, into: &mut Vec<u8>) -> bool {
        into.clear();
        self.json.append(span, into)
    }
}

/// Where a note's entries are in the previous build's files.
struct Slot {
    key: [u8; 32],
    /// In `kb.json`.
    json: Span,
    /// The offset of its search entry in the entries file.
    search: usize,
}

/// Each note's slot in the file `bytes`; `None` unless it is a whole file of this format.
fn index(bytes: &[u8]) -> Option<HashMap<String, Slot>> {
    let mut cursor = Cursor { bytes, at: 0 };
    if cursor.take(MAGIC.len())? != MAGIC {
        return None;
    }
    let mut notes = HashMap::new();
    while cursor.at < bytes.len() {
        let id = cursor.text()?.to_owned();
        let key: [u8; 32] = cursor.take(32)?.try_into().ok()?;
        let span = Span {
            at: cursor.u64()?,
            len: cursor.u64()?,
        };
        let search = cursor.at;
        let record = cursor.u32()? as usize;
        cursor.take(record)?;
        for _ in 0..cursor.u32()? {
            let len = usize::from(cursor.take(1)?[0]);
            cursor.take(len + 2)?;
        }
        notes.insert(
            id,
            Slot {
                key,
                json: span,
                search,
            },
        );
    }
    Some(notes)
}

/// Reads the file's fields in order; `None` past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(len)?;
        let taken = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(taken)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(record: &str, terms: &[(&str, u16)]) -> search::Entry {
        search::Entry {
            record: record.to_owned(),
            terms: terms.iter().map(|(t, s)| ((*t).to_owned(), *s)).collect(),
        }
    }

    // What a build writes, the next reads back: each note's search entry and `kb.json` bytes,
    // only under the same key; a cut or foreign file is not read at all.
    #[test]
    fn entries_read_back() {
        let dir = crate::testing::test_dir("entries");
        let json = b"[{\"a\": 1}, {\"b\": \"\xc3\xa9\"}]";
        std::fs::write(dir.join("kb.json"), json).expect("write kb.json");
        let key = |s: &str| Hasher::new(None).text(s).finish();
        let a = entry("[\"A\"]", &[("kms", 24), ("s3.1", 12)]);
        let b = entry("[\"B\"]", &[]);
        let mut writer = Writer::create(&dir).expect("create");
        writer
            .add("a", &key("a"), Span { at: 1, len: 8 }, &a)
            .expect("add a");
        writer
            .add("b", &key("b"), Span { at: 11, len: 11 }, &b)
            .expect("add b");
        writer.finish().expect("finish");

        let path = dir.join(ENTRIES);
        let mut previous = Previous::open(&path, &dir.join("kb.json")).expect("readable");
        let kept = previous.get("a", &key("a")).expect("a kept");
        assert_eq!(kept.search, a);
        assert!(previous.get("a", &key("changed")).is_none());
        assert!(previous.get("c", &key("c")).is_none());
        let kept_b = previous.get("b", &key("b")).expect("b kept");
        assert_eq!(kept_b.search, b);
        let mut bytes = Vec::new();
        // In order, out of order, and past the end of the file.
        for (span, expected) in [
            (kept.json, &b"{\"a\": 1}"[..]),
            (kept_b.json, &b"{\"b\": \"\xc3\xa9\"}"[..]),
            (kept.json, &b"{\"a\": 1}"[..]),
        ] {
            assert!(previous.read_json(span, &mut bytes));
            assert_eq!(bytes, expected);
        }
        assert!(!previous.read_json(Span { at: 20, len: 8 }, &mut bytes));
        assert!(previous.read_json(kept.json, &mut bytes), "recovers");

        let whole = std::fs::read(&path).expect("read");
        std::fs::write(&path, &whole[..whole.len() - 1]).expect("cut");
        assert!(Previous::open(&path, &dir.join("kb.json")).is_none());
        std::fs::write(&path, b"whosecures entries 0\n").expect("foreign");
        assert!(Previous::open(&path, &dir.join("kb.json")).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
