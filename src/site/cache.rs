//! Reusing the previous build's pages. Every build writes a manifest next to its pages: per URL,
//! the fingerprint of what the page was rendered from (see `render::Fingerprint`) and the size
//! and modification time its file had when written. The next build into the same output renders
//! only pages whose fingerprint changed; for the others it hard-links (or, where the file
//! system cannot, copies) the previous file into the new site, after checking that the file is
//! still the one the manifest describes. The manifest is swapped in with the site it describes,
//! so the two always agree.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{entries, KB_JSON};
use crate::error::{Error, Result};
use crate::render::Fingerprint;

/// The manifest's file name in the output directory.
pub const MANIFEST: &str = ".whosecures-pages.json";

/// Note bodies kept for the next build while the site has a print page (see `render::Bodies`).
pub const BODIES: &str = ".whosecures-bodies.json";

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
}

/// The previous build's pages, and the manifest of the build being written.
#[derive(Debug)]
pub struct Pages {
    /// The previous site (the output directory as it is).
    previous_dir: PathBuf,
    previous: HashMap<String, Entry>,
    previous_derived: Option<Derived>,
    previous_bodies: Option<Entry>,
    /// The site being written.
    staging: PathBuf,
    written: Mutex<BTreeMap<String, Entry>>,
    written_derived: Option<Derived>,
    written_bodies: Option<Entry>,
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
        let (previous, previous_derived, previous_bodies) = match manifest {
            Some(m) => (m.pages.into_iter().collect(), m.derived, m.bodies),
            None => (HashMap::new(), None, None),
        };
        Pages {
            previous_dir: out.to_owned(),
            previous,
            previous_derived,
            previous_bodies,
            staging: staging.to_owned(),
            written: Mutex::new(BTreeMap::new()),
            written_derived: None,
            written_bodies: None,
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
            derived.files.get(path).is_some_and(|entry| {
                Entry::of(entry.fingerprint.clone(), &self.previous_dir.join(path)).as_ref()
                    == Some(entry)
            })
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
        if Entry::of(hex.clone(), &old).as_ref() != Some(entry) {
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
        let json = serde_json::to_vec(bodies)
            .map_err(|e| Error::io("write", &path, std::io::Error::other(e)))?;
        fs::write(&path, json).map_err(|e| Error::io("write", &path, e))?;
        self.written_bodies = Entry::of(BODIES.to_owned(), &path);
        Ok(())
    }

    /// Reads the note bodies the previous build kept, when asked (see `render::Bodies`): none
    /// when `fresh`, or when the file is not the one that build wrote.
    pub fn bodies_loader(&self, fresh: bool) -> impl Fn() -> HashMap<String, String> + Sync {
        let path = self.previous_dir.join(BODIES);
        let expected = self.previous_bodies.clone().filter(|_| !fresh);
        move || match &expected {
            Some(entry) if Entry::of(entry.fingerprint.clone(), &path).as_ref() == Some(entry) => {
                fs::read(&path)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                    .unwrap_or_default()
            }
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
        };
        let path = self.staging.join(MANIFEST);
        let json = serde_json::to_vec(&manifest)
            .map_err(|e| Error::io("write", &path, std::io::Error::other(e)))?;
        fs::write(&path, json).map_err(|e| Error::io("write", &path, e))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }
}
