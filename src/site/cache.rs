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

use crate::error::{Error, Result};
use crate::render::Fingerprint;

/// The manifest's file name in the output directory.
pub const MANIFEST: &str = ".whosecures-pages.json";

/// Bumped when the manifest's meaning changes; other formats are ignored (a cold build).
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    pages: BTreeMap<String, Entry>,
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
    /// The site being written.
    staging: PathBuf,
    written: Mutex<BTreeMap<String, Entry>>,
}

impl Pages {
    /// Reads the manifest of the site in `out`; with none (or `fresh`, or one this version cannot
    /// read), nothing is reused.
    pub fn open(out: &Path, staging: &Path, fresh: bool) -> Pages {
        let previous = if fresh {
            HashMap::new()
        } else {
            fs::read(out.join(MANIFEST))
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
                .filter(|m| m.format == FORMAT)
                .map(|m| m.pages.into_iter().collect())
                .unwrap_or_default()
        };
        Pages {
            previous_dir: out.to_owned(),
            previous,
            staging: staging.to_owned(),
            written: Mutex::new(BTreeMap::new()),
        }
    }

    /// Puts the previous build's file for `url` into the new site when it was rendered from the
    /// same `fingerprint` and is unchanged on disk. `Ok(false)`: render the page.
    pub fn reuse(&self, url: &str, fingerprint: &Fingerprint) -> Result<bool> {
        let Some(entry) = self.previous.get(url) else {
            return Ok(false);
        };
        let hex = fingerprint.to_hex();
        let old = self.previous_dir.join(url);
        if entry.fingerprint != hex || Entry::of(hex.clone(), &old).as_ref() != Some(entry) {
            return Ok(false);
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
        match kept {
            Some(entry) => {
                self.lock().insert(url.to_owned(), entry);
                Ok(true)
            }
            None => {
                let _ = fs::remove_file(&new);
                Ok(false)
            }
        }
    }

    /// Records a page just written to the new site.
    pub fn wrote(&self, url: &str, fingerprint: &Fingerprint) {
        if let Some(entry) = Entry::of(fingerprint.to_hex(), &self.staging.join(url)) {
            self.lock().insert(url.to_owned(), entry);
        }
    }

    /// Writes the new site's manifest.
    pub fn finish(self) -> Result<()> {
        let manifest = Manifest {
            format: FORMAT,
            pages: self.written.into_inner().unwrap_or_else(|e| e.into_inner()),
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
