//! Reusing the previous build's pages. Every build writes a manifest next to its pages: per URL,
//! the fingerprint of what the page was rendered from (see `render::Fingerprint`) and the size
//! and modification time its file had when written. The next build into the same output renders
//! only pages whose fingerprint changed; for the others it hard-links (or, where the file
//! system cannot, copies) the previous file into the new site, after checking that the file is
//! still the one the manifest describes. The manifest is swapped in with the site it describes,
//! so the two always agree.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{entries, KB_JSON};
use crate::error::{Error, Result};
use crate::render::{Fingerprint, PartSource, PartsStore, Span};

/// The manifest's file name in the output directory.
pub const MANIFEST: &str = ".whosecures-pages.json";

/// Note bodies kept for the next build while the site has a print page (see `render::Bodies`).
pub const BODIES: &str = ".whosecures-bodies.bin";

/// Bumped when the manifest's meaning changes; other formats are ignored (a cold build).
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    pages: BTreeMap<String, Entry>,
    /// The files made from the whole knowledge base (search index, `kb.json`, sitemap), kept
    /// together: all of them, or none.
    #[serde(default)]
    derived: Option<Derived>,
    /// The kept note bodies' file, checked like a page before it is read.
    #[serde(default)]
    bodies: Option<Entry>,
    /// The list elements of the pages that have them (see `render::PartsStore`), by URL.
    #[serde(default)]
    parts: BTreeMap<String, Vec<Part>>,
}

/// Where a list element with this fingerprint is in its page.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Part {
    fingerprint: String,
    at: u64,
    len: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Derived {
    /// Of every note's path and text, the vocabulary, the configuration and the program.
    fingerprint: String,
    files: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    len: u64,
    modified_s: u64,
    modified_ns: u32,
}

impl Entry {
    fn of(fingerprint: String, path: &Path) -> Option<Entry> {
        let meta = fs::metadata(path).ok()?;
        let since = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(Entry {
            fingerprint,
            len: meta.len(),
            modified_s: since.as_secs(),
            modified_ns: since.subsec_nanos(),
        })
    }

    /// Whether the file at `path` is still the one this entry describes (same size and
    /// modification time).
    fn describes(&self, path: &Path) -> bool {
        Entry::of(self.fingerprint.clone(), path).as_ref() == Some(self)
    }
}

/// The previous build's pages, and the manifest of the build being written.
#[derive(Debug)]
pub struct Pages {
    /// The previous site (the output directory as it is).
    previous_dir: PathBuf,
    previous: HashMap<String, Entry>,
    previous_derived: Option<Derived>,
    previous_bodies: Option<Entry>,
    previous_parts: HashMap<String, Vec<Part>>,
    /// The site being written.
    staging: PathBuf,
    written: Mutex<BTreeMap<String, Entry>>,
    written_derived: Option<Derived>,
    written_bodies: Option<Entry>,
    written_parts: Mutex<BTreeMap<String, Vec<Part>>>,
}

impl Pages {
    /// Reads the manifest of the site in `out`; with none (or `fresh`, or one this version cannot
    /// read), nothing is reused.
    pub fn open(out: &Path, staging: &Path, fresh: bool) -> Pages {
        let manifest = if fresh {
            None
        } else {
            fs::read(out.join(MANIFEST))
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
                .filter(|m| m.format == FORMAT)
        };
        let (previous, previous_derived, previous_bodies, previous_parts) = match manifest {
            Some(m) => (
                m.pages.into_iter().collect(),
                m.derived,
                m.bodies,
                m.parts.into_iter().collect(),
            ),
            None => (HashMap::new(), None, None, HashMap::new()),
        };
        Pages {
            previous_dir: out.to_owned(),
            previous,
            previous_derived,
            previous_bodies,
            previous_parts,
            staging: staging.to_owned(),
            written: Mutex::new(BTreeMap::new()),
            written_derived: None,
            written_bodies: None,
            written_parts: Mutex::default(),
        }
    }

    /// Puts every derived file of the previous build into the new site when they were made from
    /// the same `fingerprint` and all are unchanged on disk; otherwise none (`Ok(false)`).
    pub fn reuse_derived(&mut self, fingerprint: &Fingerprint) -> Result<bool> {
        let Some(previous) = self
            .previous_derived
            .take_if(|p| p.fingerprint == fingerprint.to_hex())
        else {
            return Ok(false);
        };
        let mut kept = BTreeMap::new();
        for (path, entry) in &previous.files {
            match self.keep(path, entry)? {
                Some(entry) => {
                    kept.insert(path.clone(), entry);
                }
                None => {
                    for path in kept.keys() {
                        let _ = fs::remove_file(self.staging.join(path));
                    }
                    return Ok(false);
                }
            }
        }
        self.written_derived = Some(Derived {
            fingerprint: previous.fingerprint,
            files: kept,
        });
        Ok(true)
    }

    /// The notes' entries the previous build kept with its derived files (see `entries`), when
    /// neither they nor its `kb.json` changed on disk since.
    pub fn previous_entries(&self) -> Option<entries::Previous> {
        let derived = self.previous_derived.as_ref()?;
        let intact = |path: &str| {
            derived
                .files
                .get(path)
                .is_some_and(|entry| entry.describes(&self.previous_dir.join(path)))
        };
        if !(intact(entries::ENTRIES) && intact(KB_JSON)) {
            return None;
        }
        entries::Previous::open(
            &self.previous_dir.join(entries::ENTRIES),
            &self.previous_dir.join(KB_JSON),
        )
    }

    /// Records the derived files just written to the new site.
    pub fn wrote_derived<'a>(
        &mut self,
        fingerprint: &Fingerprint,
        paths: impl Iterator<Item = &'a str>,
    ) {
        let hex = fingerprint.to_hex();
        let files = paths
            .filter_map(|path| {
                let entry = Entry::of(hex.clone(), &self.staging.join(path))?;
                Some((path.to_owned(), entry))
            })
            .collect();
        self.written_derived = Some(Derived {
            fingerprint: hex,
            files,
        });
    }

    /// Puts the previous build's file for `url` into the new site when it was rendered from the
    /// same `fingerprint` and is unchanged on disk. `Ok(false)`: render the page.
    pub fn reuse(&self, url: &str, fingerprint: &Fingerprint) -> Result<bool> {
        let Some(entry) = self.previous.get(url) else {
            return Ok(false);
        };
        if entry.fingerprint != fingerprint.to_hex() {
            return Ok(false);
        }
        match self.keep(url, entry)? {
            Some(entry) => {
                self.lock().insert(url.to_owned(), entry);
                if let Some(parts) = self.previous_parts.get(url) {
                    lock(&self.written_parts).insert(url.to_owned(), parts.clone());
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Hard-links (or copies) the previous file at `url` into the new site if it is still what
    /// `entry` describes; returns the new site's entry for it.
    fn keep(&self, url: &str, entry: &Entry) -> Result<Option<Entry>> {
        let hex = entry.fingerprint.clone();
        let old = self.previous_dir.join(url);
        if !entry.describes(&old) {
            return Ok(None);
        }
        let new = self.staging.join(url);
        if let Some(dir) = new.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        }
        let kept = match fs::hard_link(&old, &new) {
            Ok(()) => Some(entry.clone()),
            // No hard links here (another file system, a FAT volume...): copy, and record the
            // copy's own time.
            Err(e) if e.kind() != ErrorKind::AlreadyExists => {
                fs::copy(&old, &new).ok().and_then(|_| Entry::of(hex, &new))
            }
            Err(e) => return Err(Error::io("write", &new, e)),
        };
        if kept.is_none() {
            let _ = fs::remove_file(&new);
        }
        Ok(kept)
    }

    /// Records a page just written to the new site.
    pub fn wrote(&self, url: &str, fingerprint: &Fingerprint) {
        if let Some(entry) = Entry::of(fingerprint.to_hex(), &self.staging.join(url)) {
            self.lock().insert(url.to_owned(), entry);
        }
    }

    /// Keeps the previous build's bodies with the new site as they are (no body was rendered, so
    /// they are still the current notes').
    pub fn carry_bodies(&mut self) -> Result<()> {
        if let Some(entry) = self.previous_bodies.take() {
            self.written_bodies = self.keep(BODIES, &entry)?;
        }
        Ok(())
    }

    /// Keeps `bodies` with the new site, for the next build.
    pub fn save_bodies(&mut self, bodies: &BTreeMap<String, String>) -> Result<()> {
        let path = self.staging.join(BODIES);
        fs::write(&path, encode_bodies(bodies)).map_err(|e| Error::io("write", &path, e))?;
        self.written_bodies = Entry::of(BODIES.to_owned(), &path);
        Ok(())
    }

    /// Reads the note bodies the previous build kept, when asked (see `render::Bodies`): none
    /// when `fresh`, or when the file is not the one that build wrote.
    pub fn bodies_loader(&self, fresh: bool) -> impl Fn() -> HashMap<String, String> + Sync {
        let path = self.previous_dir.join(BODIES);
        let expected = self.previous_bodies.clone().filter(|_| !fresh);
        move || match &expected {
            Some(entry) if entry.describes(&path) => fs::read(&path)
                .ok()
                .and_then(|bytes| decode_bodies(&bytes))
                .unwrap_or_default(),
            _ => HashMap::new(),
        }
    }

    /// Writes the new site's manifest.
    pub fn finish(self) -> Result<()> {
        let manifest = Manifest {
            format: FORMAT,
            pages: self.written.into_inner().unwrap_or_else(|e| e.into_inner()),
            derived: self.written_derived,
            bodies: self.written_bodies,
            parts: self
                .written_parts
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
        };
        let path = self.staging.join(MANIFEST);
        let json = serde_json::to_vec(&manifest)
            .map_err(|e| Error::io("write", &path, std::io::Error::other(e)))?;
        fs::write(&path, json).map_err(|e| Error::io("write", &path, e))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        lock(&self.written)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl PartsStore for Pages {
    fn previous(&self, url: &str) -> Option<Box<dyn PartSource + '_>> {
        let parts = self.previous_parts.get(url)?;
        let entry = self.previous.get(url)?;
        let path = self.previous_dir.join(url);
        if !entry.describes(&path) {
            return None;
        }
        let spans = parts
            .iter()
            .map(|p| {
                let span = Span {
                    at: p.at,
                    len: p.len,
                };
                (p.fingerprint.as_str(), span)
            })
            .collect();
        Some(Box::new(KeptParts {
            spans,
            file: SpanReader::open(&path)?,
        }))
    }

    fn wrote(&self, url: &str, elements: Vec<(Fingerprint, Span)>) {
        let parts = elements
            .into_iter()
            .map(|(print, span)| Part {
                fingerprint: print.to_hex(),
                at: span.at,
                len: span.len,
            })
            .collect();
        lock(&self.written_parts).insert(url.to_owned(), parts);
    }
}

/// A previous page's list elements: where each is in the file, by fingerprint (hex).
struct KeptParts<'p> {
    spans: HashMap<&'p str, Span>,
    file: SpanReader,
}

impl PartSource for KeptParts<'_> {
    fn append(&mut self, print: &Fingerprint, out: &mut Vec<u8>) -> bool {
        match self.spans.get(print.to_hex().as_str()) {
            Some(span) => self.file.append(*span, out),
            None => false,
        }
    }
}

/// The first bytes of the kept bodies' file.
const BODIES_MAGIC: &[u8] = b"whosecures bodies 1\n";

/// The kept bodies' file: `BODIES_MAGIC`, then per body its key and its HTML, each a length
/// (u64, little-endian) and UTF-8 bytes. Not JSON: escaping and unescaping the megabytes of HTML
/// cost more than the rest of a one-note rebuild of a 1,000-note site.
fn encode_bodies(bodies: &BTreeMap<String, String>) -> Vec<u8> {
    let size = bodies
        .iter()
        .map(|(k, v)| k.len() + v.len() + 16)
        .sum::<usize>();
    let mut out = Vec::with_capacity(BODIES_MAGIC.len() + size);
    out.extend_from_slice(BODIES_MAGIC);
    for (key, html) in bodies {
        for text in [key, html] {
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
    out
}

/// The bodies of a file `encode_bodies` wrote; `None` unless it is one, whole.
fn decode_bodies(bytes: &[u8]) -> Option<HashMap<String, String>> {
    let mut rest = bytes.strip_prefix(BODIES_MAGIC)?;
    let mut text = || -> Option<String> {
        let (len, tail) = rest.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let (text, tail) = (tail.get(..len)?, tail.get(len..)?);
        rest = tail;
        String::from_utf8(text.to_vec()).ok()
    };
    let mut bodies = HashMap::new();
    while let Some(key) = text() {
        bodies.insert(key, text()?);
    }
    rest.is_empty().then_some(bodies)
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

#[cfg(test)]
mod tests {
    use super::*;

    // Kept bodies read back as written; a cut or foreign file is not read.
    #[test]
    fn bodies_round_trip() {
        let bodies: BTreeMap<String, String> = [("k1", "<p>é</p>"), ("k2", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let bytes = encode_bodies(&bodies);
        let back = decode_bodies(&bytes).expect("decodes");
        assert_eq!(back.len(), 2);
        assert_eq!(back["k1"], "<p>é</p>");
        assert_eq!(back["k2"], "");
        assert!(decode_bodies(&bytes[..bytes.len() - 1]).is_none());
        assert!(decode_bodies(&encode_bodies(&BTreeMap::new())).is_some_and(|b| b.is_empty()));
        assert!(decode_bodies(b"{}").is_none());
    }
}
