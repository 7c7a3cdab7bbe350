//! Each note's part of the derived files, kept from one build for the next: a rebuild after an
//! edit serializes and indexes only the notes whose part can have changed. A build writes
//! `ENTRIES` in the cache directory: per note, in note order, the key of what the note's entries
//! are made from (`key`), where its entry sits in the site's `kb.json`, and its search entry (a
//! `Record`, encoded by `site`). The next build copies an unchanged note's `kb.json` bytes from
//! the previous file and reads its search entry back, instead of serializing the note and parsing
//! its Markdown again. Both files are used only when they still have the size and modification
//! time the manifest recorded (see `manifest`).
//!
//! Per note (see `codec`): `id`, `key`, `kb.json` offset and length, the record's length and
//! bytes (so a reader can index the file without decoding every record).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::codec::{Decoder, Encoder};
use super::fingerprint::{Fingerprint, Hasher};
use super::parts::{Span, SpanReader};
use crate::error::{Error, Result};
use crate::kb::Note;
use crate::links::LinkGraph;

/// The file's name in the cache directory.
pub const ENTRIES: &str = "entries.bin";

/// The first bytes of the file; another version's file is not read.
const MAGIC: &[u8] = b"whosecures entries 3\n";

/// A note's search entry as the entries file keeps it.
pub trait Record: Sized {
    /// Writes the entry's fields.
    fn encode(&self, out: &mut Encoder);
    /// Reads them back; `None` unless they are whole.
    fn decode(input: &mut Decoder) -> Option<Self>;
}

/// What a note's entries are made from, starting from `seed` (`Seed::entries`): the note (id,
/// kind, path, text) and, from the link graph, its headings, the notes it links to and the notes
/// that link to it (`kb.json` lists both).
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
    out: BufWriter<File>,
    path: PathBuf,
    record: Encoder,
    note: Encoder,
}

impl Writer {
    /// Starts the file in the directory `dir`.
    pub fn create(dir: &Path) -> Result<Writer> {
        let path = dir.join(ENTRIES);
        let file = File::create(&path).map_err(|e| Error::io("create", &path, e))?;
        let mut writer = Writer {
            out: BufWriter::with_capacity(1 << 16, file),
            path,
            record: Encoder::record(),
            note: Encoder::record(),
        };
        writer.write(MAGIC)?;
        Ok(writer)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io("write", &self.path, e))
    }

    /// Records the next note: its id, key, where its entry sits in `kb.json`, its search entry.
    pub fn add(
        &mut self,
        id: &str,
        key: &Fingerprint,
        json: Span,
        search: &impl Record,
    ) -> Result<()> {
        self.record.clear();
        search.encode(&mut self.record);
        self.note.clear();
        self.note
            .str(id)
            .fingerprint(key)
            .u64(json.at)
            .u64(json.len)
            .count(self.record.as_bytes().len());
        let Writer {
            out,
            path,
            note,
            record,
        } = self;
        for bytes in [note.as_bytes(), record.as_bytes()] {
            out.write_all(bytes)
                .map_err(|e| Error::io("write", path, e))?;
        }
        Ok(())
    }

    /// Writes out what is buffered and closes the file.
    pub fn finish(self) -> Result<()> {
        let Writer { out, path, .. } = self;
        out.into_inner()
            .map_err(|e| Error::io("write", &path, e.into_error()))?;
        Ok(())
    }
}

/// A note's entries from the previous build.
#[derive(Debug)]
pub struct Kept<R> {
    /// Its entry in the previous `kb.json`.
    pub json: Span,
    /// Its search entry.
    pub search: R,
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
    pub fn get<R: Record>(&self, id: &str, key: &Fingerprint) -> Option<Kept<R>> {
        let slot = self.notes.get(id)?;
        if slot.key != *key {
            return None;
        }
        let record = self.bytes.get(slot.record.0..slot.record.1)?;
        let mut input = Decoder::at(record, 0);
        let search = R::decode(&mut input).filter(|_| input.is_done())?;
        Some(Kept {
            json: slot.json,
            search,
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
    key: Fingerprint,
    /// In `kb.json`.
    json: Span,
    /// Where its record is in the entries file (start, end).
    record: (usize, usize),
}

/// Each note's slot in the file `bytes`; `None` unless it is a whole file of this format.
fn index(bytes: &[u8]) -> Option<HashMap<String, Slot>> {
    let mut input = Decoder::file(bytes, MAGIC)?;
    let mut notes = HashMap::new();
    while !input.is_done() {
        let id = input.str()?.to_owned();
        let key = input.fingerprint()?;
        let json = Span {
            at: input.u64()?,
            len: input.u64()?,
        };
        let len = input.count()?;
        let start = input.position();
        input.take(len)?;
        notes.insert(
            id,
            Slot {
                key,
                json,
                record: (start, start + len),
            },
        );
    }
    Some(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of a few fields, as a search entry is.
    #[derive(Debug, PartialEq)]
    struct Terms(String, Vec<(String, u16)>);

    impl Record for Terms {
        fn encode(&self, out: &mut Encoder) {
            out.str(&self.0).count(self.1.len());
            for (term, score) in &self.1 {
                out.str(term).u32(u32::from(*score));
            }
        }

        fn decode(input: &mut Decoder) -> Option<Self> {
            let record = input.str()?.to_owned();
            let terms = (0..input.count()?)
                .map(|_| Some((input.str()?.to_owned(), u16::try_from(input.u32()?).ok()?)))
                .collect::<Option<_>>()?;
            Some(Terms(record, terms))
        }
    }

    // What a build writes, the next reads back: each note's search entry and `kb.json` bytes,
    // only under the same key; a cut or foreign file is not read at all.
    #[test]
    fn entries_read_back() {
        let dir = crate::testing::test_dir("entries");
        std::fs::write(dir.join("kb.json"), b"[{\"a\": 1}, {\"b\": \"\xc3\xa9\"}]")
            .expect("kb.json");
        let key = |s: &str| Hasher::new(None).text(s).finish();
        let a = Terms(
            "[\"A\"]".into(),
            vec![("kms".into(), 24), ("s3.1".into(), 12)],
        );
        let b = Terms("[\"B\"]".into(), vec![]);
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
        let kept = previous.get::<Terms>("a", &key("a")).expect("a kept");
        assert_eq!(kept.search, a);
        assert!(previous.get::<Terms>("a", &key("changed")).is_none());
        assert!(previous.get::<Terms>("c", &key("c")).is_none());
        let kept_b = previous.get::<Terms>("b", &key("b")).expect("b kept");
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
        std::fs::write(&path, b"whosecures entries 2\n").expect("foreign");
        assert!(Previous::open(&path, &dir.join("kb.json")).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
