//! The build's manifest: what every file of the previous site was made from. Per page, the key of
//! what it was rendered from (see `render::reuse`) and the size and modification time its file had
//! when written; where each list element is in its page; the key the derived files were made
//! from; and the kept bodies' and entries' files. The next build renders only the pages whose key
//! changed; for the others it hard-links (or, where the file system cannot, copies) the previous
//! file into the new site, after checking that the file is still the one the manifest describes.
//!
//! The manifest and the other kept files live in the cache directory, never in the site. The site
//! is swapped in first and the cache after it; a build killed between the two leaves the new site
//! with the previous manifest, which is safe: a page is reused only when its file still has the
//! size and modification time the manifest recorded, which a page written anew does not.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::bodies::{self, BodyKey};
use super::codec::{Decoder, Encoder};
use super::entries;
use super::fingerprint::Fingerprint;
use super::parts::{PartSource, Span, SpanReader};
use super::store::Store;
use crate::error::{Error, Result};

/// The manifest's file name in the cache directory.
pub const MANIFEST: &str = "pages.bin";

/// Note bodies kept for the next build while the site has a print page (see `Bodies`).
pub const BODIES: &str = "bodies.bin";

/// The first bytes of the manifest; another version's is not read (a cold build).
const MAGIC: &[u8] = b"whosecures pages 2\n";

/// The size and modification time a file had when it was written: a file that still has them is
/// the one written (hard links keep them; rewriting a file changes its time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified_s: u64,
    modified_ns: u32,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = fs::metadata(path).ok()?;
        let since = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(Stamp {
            len: meta.len(),
            modified_s: since.as_secs(),
            modified_ns: since.subsec_nanos(),
        })
    }

    /// Whether the file at `path` is still the one this stamp describes.
    fn describes(&self, path: &Path) -> bool {
        Stamp::of(path).as_ref() == Some(self)
    }

    fn encode(&self, out: &mut Encoder) {
        out.u64(self.len).u64(self.modified_s).u32(self.modified_ns);
    }

    fn decode(input: &mut Decoder) -> Option<Stamp> {
        Some(Stamp {
            len: input.u64()?,
            modified_s: input.u64()?,
            modified_ns: input.u32()?,
        })
    }
}

/// The files made from the whole knowledge base (search index, `kb.json`, sitemap): all of them
/// are kept, or none.
#[derive(Debug, Clone, Default)]
struct DerivedFiles {
    key: Option<Fingerprint>,
    files: BTreeMap<String, Stamp>,
}

/// What one build wrote, as the manifest file holds it.
#[derive(Debug, Default)]
struct Recorded {
    /// The output directory it describes (absolute): a cache directory shared by two outputs
    /// (`build.cache-dir`) is used only for the one it was written for.
    site: String,
    pages: BTreeMap<String, (Fingerprint, Stamp)>,
    /// The list elements of the pages that have them (see `Store::previous_parts`), by URL.
    parts: BTreeMap<String, Vec<(Fingerprint, Span)>>,
    derived: Option<DerivedFiles>,
    /// The kept bodies' file, in the cache directory.
    bodies: Option<Stamp>,
    /// The notes' kept entries (see `entries`), in the cache directory.
    entries: Option<Stamp>,
}

impl Recorded {
    fn encode(&self) -> Vec<u8> {
        let mut out = Encoder::file(MAGIC);
        out.str(&self.site).count(self.pages.len());
        for (url, (key, stamp)) in &self.pages {
            out.str(url).fingerprint(key);
            stamp.encode(&mut out);
        }
        out.count(self.parts.len());
        for (url, parts) in &self.parts {
            out.str(url).count(parts.len());
            for (key, span) in parts {
                out.fingerprint(key).u64(span.at).u64(span.len);
            }
        }
        match &self.derived {
            Some(DerivedFiles {
                key: Some(key),
                files,
            }) => {
                out.u8(1).fingerprint(key).count(files.len());
                for (path, stamp) in files {
                    out.str(path);
                    stamp.encode(&mut out);
                }
            }
            _ => {
                out.u8(0);
            }
        }
        for stamp in [&self.bodies, &self.entries] {
            match stamp {
                Some(stamp) => stamp.encode(out.u8(1)),
                None => {
                    out.u8(0);
                }
            }
        }
        out.into_bytes()
    }

    fn decode(bytes: &[u8]) -> Option<Recorded> {
        let mut input = Decoder::file(bytes, MAGIC)?;
        let site = input.str()?.to_owned();
        let mut pages = BTreeMap::new();
        for _ in 0..input.count()? {
            let url = input.str()?.to_owned();
            let key = input.fingerprint()?;
            pages.insert(url, (key, Stamp::decode(&mut input)?));
        }
        let mut parts = BTreeMap::new();
        for _ in 0..input.count()? {
            let url = input.str()?.to_owned();
            let count = input.count()?;
            let mut list = Vec::with_capacity(count.min(1 << 16));
            for _ in 0..count {
                let key = input.fingerprint()?;
                let span = Span {
                    at: input.u64()?,
                    len: input.u64()?,
                };
                list.push((key, span));
            }
            parts.insert(url, list);
        }
        let derived = match input.u8()? {
            0 => None,
            _ => {
                let key = input.fingerprint()?;
                let mut files = BTreeMap::new();
                for _ in 0..input.count()? {
                    let path = input.str()?.to_owned();
                    files.insert(path, Stamp::decode(&mut input)?);
                }
                Some(DerivedFiles {
                    key: Some(key),
                    files,
                })
            }
        };
        let mut stamp = || -> Option<Option<Stamp>> {
            Some(match input.u8()? {
                0 => None,
                _ => Some(Stamp::decode(&mut input)?),
            })
        };
        let (bodies, entries) = (stamp()?, stamp()?);
        input.is_done().then_some(Recorded {
            site,
            pages,
            parts,
            derived,
            bodies,
            entries,
        })
    }
}

/// Where a build reads the previous site and its metadata, and writes the new ones.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// The previous site (the output directory as it is).
    pub site: PathBuf,
    /// The previous build's cache directory.
    pub cache: PathBuf,
    /// The new site, being written.
    pub site_staging: PathBuf,
    /// The new cache directory, being written.
    pub cache_staging: PathBuf,
}

/// The previous build's manifest, and the manifest of the build being written.
#[derive(Debug)]
pub struct Manifest {
    dirs: Dirs,
    previous: Recorded,
    written: Mutex<Recorded>,
}

impl Manifest {
    /// Reads the manifest in `dirs.cache`; with none (or `fresh`, or one this version cannot
    /// read, or one written for another output), nothing is reused.
    pub fn open(dirs: Dirs, fresh: bool) -> Manifest {
        let site = dirs.site.to_string_lossy().into_owned();
        let previous = if fresh {
            None
        } else {
            fs::read(dirs.cache.join(MANIFEST))
                .ok()
                .and_then(|bytes| Recorded::decode(&bytes))
                .filter(|m| m.site == site)
        };
        Manifest {
            dirs,
            previous: previous.unwrap_or_default(),
            written: Mutex::new(Recorded {
                site,
                ..Recorded::default()
            }),
        }
    }

    fn written(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts every derived file of the previous build into the new site (and their notes' entries
    /// into the new cache) when they were made from the same `key` and all are unchanged on
    /// disk; otherwise none (`Ok(false)`).
    pub fn reuse_derived(&mut self, key: &Fingerprint) -> Result<bool> {
        let Some(previous) = self
            .previous
            .derived
            .take_if(|p| p.key.as_ref() == Some(key))
        else {
            return Ok(false);
        };
        let mut kept = BTreeMap::new();
        for (path, stamp) in &previous.files {
            match self.keep(&self.dirs.site, &self.dirs.site_staging, path, stamp)? {
                Some(stamp) => {
                    kept.insert(path.clone(), stamp);
                }
                None => {
                    for path in kept.keys() {
                        let _ = fs::remove_file(self.dirs.site_staging.join(path));
                    }
                    return Ok(false);
                }
            }
        }
        let entries = match self.previous.entries {
            Some(stamp) => {
                let (cache, staging) = (&self.dirs.cache, &self.dirs.cache_staging);
                self.keep(cache, staging, entries::ENTRIES, &stamp)?
            }
            None => None,
        };
        let mut written = self.written();
        written.derived = Some(DerivedFiles {
            key: previous.key,
            files: kept,
        });
        written.entries = entries;
        Ok(true)
    }

    /// The notes' entries the previous build kept with its derived files (see `entries`), when
    /// neither they nor its `kb.json` (at `kb_json` in the site) changed on disk since.
    pub fn previous_entries(&self, kb_json: &str) -> Option<entries::Previous> {
        let derived = self.previous.derived.as_ref()?;
        let entries = self.dirs.cache.join(entries::ENTRIES);
        let json = self.dirs.site.join(kb_json);
        let intact = derived
            .files
            .get(kb_json)
            .is_some_and(|stamp| stamp.describes(&json))
            && self.previous.entries.is_some_and(|s| s.describes(&entries));
        intact.then(|| entries::Previous::open(&entries, &json))?
    }

    /// Records the derived files just written to the new site (`paths`, site-relative) and the
    /// notes' entries written to the new cache directory.
    pub fn wrote_derived<'a>(&mut self, key: &Fingerprint, paths: impl Iterator<Item = &'a str>) {
        let staging = &self.dirs.site_staging;
        let files = paths
            .filter_map(|path| Some((path.to_owned(), Stamp::of(&staging.join(path))?)))
            .collect();
        let entries = Stamp::of(&self.dirs.cache_staging.join(entries::ENTRIES));
        let mut written = self.written();
        written.derived = Some(DerivedFiles {
            key: Some(*key),
            files,
        });
        written.entries = entries;
    }

    /// Hard-links (or copies) the file at `path` in `from` into `to` if it is still what `stamp`
    /// describes; returns the new file's stamp.
    fn keep(&self, from: &Path, to: &Path, path: &str, stamp: &Stamp) -> Result<Option<Stamp>> {
        let old = from.join(path);
        if !stamp.describes(&old) {
            return Ok(None);
        }
        let new = to.join(path);
        if let Some(dir) = new.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        }
        let kept = match fs::hard_link(&old, &new) {
            Ok(()) => Some(*stamp),
            // No hard links here (another file system, a FAT volume...): copy, and record the
            // copy's own time.
            Err(e) if e.kind() != ErrorKind::AlreadyExists => {
                fs::copy(&old, &new).ok().and_then(|_| Stamp::of(&new))
            }
            Err(e) => return Err(Error::io("write", &new, e)),
        };
        if kept.is_none() {
            let _ = fs::remove_file(&new);
        }
        Ok(kept)
    }

    /// Records a page just written to the new site, rendered from `key`.
    pub fn wrote(&self, url: &str, key: &Fingerprint) {
        if let Some(stamp) = Stamp::of(&self.dirs.site_staging.join(url)) {
            self.written().pages.insert(url.to_owned(), (*key, stamp));
        }
    }

    /// Keeps the previous build's bodies in the new cache as they are (no body was rendered, so
    /// they are still the current notes').
    pub fn carry_bodies(&mut self) -> Result<()> {
        if let Some(stamp) = self.previous.bodies.take() {
            let (cache, staging) = (&self.dirs.cache, &self.dirs.cache_staging);
            let kept = self.keep(cache, staging, BODIES, &stamp)?;
            self.written().bodies = kept;
        }
        Ok(())
    }

    /// Keeps `bodies` in the new cache, for the next build.
    pub fn save_bodies(&mut self, bodies: &BTreeMap<BodyKey, String>) -> Result<()> {
        let path = self.dirs.cache_staging.join(BODIES);
        fs::write(&path, bodies::encode(bodies)).map_err(|e| Error::io("write", &path, e))?;
        self.written().bodies = Stamp::of(&path);
        Ok(())
    }

    /// Writes the new build's manifest into the new cache directory.
    pub fn finish(self) -> Result<()> {
        let written = self.written.into_inner().unwrap_or_else(|e| e.into_inner());
        let path = self.dirs.cache_staging.join(MANIFEST);
        fs::write(&path, written.encode()).map_err(|e| Error::io("write", &path, e))
    }
}

impl Store for Manifest {
    /// Puts the previous build's file for `url` into the new site when it was rendered from the
    /// same `key` and is unchanged on disk. `Ok(false)`: render the page.
    fn keep_page(&self, url: &str, key: &Fingerprint) -> Result<bool> {
        let Some((previous, stamp)) = self.previous.pages.get(url) else {
            return Ok(false);
        };
        if previous != key {
            return Ok(false);
        }
        match self.keep(&self.dirs.site, &self.dirs.site_staging, url, stamp)? {
            Some(stamp) => {
                let mut written = self.written();
                written.pages.insert(url.to_owned(), (*key, stamp));
                if let Some(parts) = self.previous.parts.get(url) {
                    written.parts.insert(url.to_owned(), parts.clone());
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The note bodies the previous build kept: none after `fresh`, or when the file is not the
    /// one that build wrote.
    fn kept_bodies(&self) -> HashMap<BodyKey, String> {
        let path = self.dirs.cache.join(BODIES);
        match self.previous.bodies {
            Some(stamp) if stamp.describes(&path) => fs::read(&path)
                .ok()
                .and_then(|bytes| bodies::decode(&bytes))
                .unwrap_or_default(),
            _ => HashMap::new(),
        }
    }

    fn previous_parts(&self, url: &str) -> Option<Box<dyn PartSource + '_>> {
        let parts = self.previous.parts.get(url)?;
        let (_, stamp) = self.previous.pages.get(url)?;
        let path = self.dirs.site.join(url);
        if !stamp.describes(&path) {
            return None;
        }
        Some(Box::new(KeptParts {
            spans: parts.iter().map(|(key, span)| (*key, *span)).collect(),
            file: SpanReader::open(&path)?,
        }))
    }

    fn wrote_parts(&self, url: &str, elements: Vec<(Fingerprint, Span)>) {
        self.written().parts.insert(url.to_owned(), elements);
    }
}

/// A previous page's list elements: where each is in the file, by key.
struct KeptParts {
    spans: HashMap<Fingerprint, Span>,
    file: SpanReader,
}

impl PartSource for KeptParts {
    fn append(&mut self, key: &Fingerprint, out: &mut Vec<u8>) -> bool {
        match self.spans.get(key) {
            Some(span) => self.file.append(*span, out),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A manifest reads back as written; a cut one, or another version's, is not read.
    #[test]
    fn manifest_round_trip() {
        let key = |n: u8| Fingerprint::from_bytes([n; 32]);
        let stamp = |n: u64| Stamp {
            len: n,
            modified_s: n * 10,
            modified_ns: 7,
        };
        let recorded = Recorded {
            site: "/x/site".into(),
            pages: [("a.html".to_owned(), (key(1), stamp(1)))].into(),
            parts: [("a.html".to_owned(), vec![(key(2), Span { at: 3, len: 4 })])].into(),
            derived: Some(DerivedFiles {
                key: Some(key(3)),
                files: [("kb.json".to_owned(), stamp(2))].into(),
            }),
            bodies: None,
            entries: Some(stamp(3)),
        };
        let bytes = recorded.encode();
        let back = Recorded::decode(&bytes).expect("decodes");
        assert_eq!(back.encode(), bytes);
        assert_eq!(back.pages["a.html"], (key(1), stamp(1)));
        assert_eq!(back.parts["a.html"], [(key(2), Span { at: 3, len: 4 })]);
        assert_eq!(back.entries, Some(stamp(3)));
        assert!(back.bodies.is_none());
        assert!(Recorded::decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(Recorded::decode(b"{not json").is_none());
        let empty = Recorded::default().encode();
        assert!(Recorded::decode(&empty).is_some_and(|r| r.pages.is_empty()));
    }
}
