//! Writing the site to disk, atomically: everything goes into a temporary sibling directory that
//! replaces the output only when complete, so a failed build leaves the previous site whole.
//! Refuses to write over anything that is not a previous whosecures output.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The marker file that says "this directory is a whosecures output; it may be replaced".
pub const MARKER: &str = ".whosecures-site";

/// Writes a site into `out`: `fill` writes its files into a staging directory (with `put`), so a
/// build writes pages as it renders them instead of holding the whole site in memory. `protected`
/// are directories the output must never be, contain or replace (the knowledge, overlay and theme
/// directories, the current directory).
///
/// Builds into the same output wait for each other (a lock file beside it). The new site is
/// swapped in with one atomic rename-exchange where the OS offers it, so a process killed at any
/// instant leaves `out` holding either the old site or the new one, whole. Elsewhere the swap is
/// two renames, and a build finding the output moved aside by a killed build puts it back first.
pub fn write_with(
    out: &Path,
    protected: &[PathBuf],
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let out = absolute(out)?;
    check_target(&out, protected)?;
    let parent = out.parent().ok_or_else(|| {
        Error::Refused(format!("refusing to write the site to `{}`", out.display()))
    })?;
    fs::create_dir_all(parent).map_err(|e| Error::io("create directory", parent, e))?;
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let _lock = lock(&parent.join(format!(".{name}.whosecures-lock")))?;
    recover(parent, &name, &out)?;
    check_target(&out, protected)?;
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.whosecures-new-{pid}"));
    let retired = parent.join(format!(".{name}.whosecures-old-{pid}"));
    remove_if_exists(&staging)?;

    let filled = fs::create_dir_all(&staging)
        .map_err(|e| Error::io("create directory", &staging, e))
        .and_then(|()| fill(&staging))
        .and_then(|()| mark(&staging));
    if let Err(e) = filled {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if !out.exists() {
        return fs::rename(&staging, &out)
            .map_err(|e| Error::io("move the new site into place", &out, e));
    }
    if crate::os::exchange(&staging, &out).is_ok() {
        // `staging` now holds the previous site.
        return fs::remove_dir_all(&staging)
            .map_err(|e| Error::io("remove the previous site", &staging, e));
    }
    fs::rename(&out, &retired).map_err(|e| {
        let _ = fs::remove_dir_all(&staging);
        Error::io("move aside the previous site", &out, e)
    })?;
    if let Err(e) = fs::rename(&staging, &out) {
        // Put the previous site back: nothing already published is lost.
        let _ = fs::rename(&retired, &out);
        let _ = fs::remove_dir_all(&staging);
        return Err(Error::io("move the new site into place", &out, e));
    }
    fs::remove_dir_all(&retired).map_err(|e| Error::io("remove the previous site", &retired, e))
}

/// Takes the output's lock, waiting (and saying so) while another build holds it. The lock is
/// released when the file is closed, also when the process is killed.
fn lock(path: &Path) -> Result<fs::File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io("open the lock file", path, e))?;
    match file.try_lock() {
        Ok(()) => return Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            eprintln!("waiting for another build into the same output to finish");
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::io("lock", path, e)),
    }
    file.lock().map_err(|e| Error::io("lock", path, e))?;
    Ok(file)
}

/// Cleans up after builds that were killed: with the lock held, every staging directory beside
/// the output is stale. A previous site moved aside and never replaced is put back first.
fn recover(parent: &Path, name: &str, out: &Path) -> Result<()> {
    let entries = fs::read_dir(parent).map_err(|e| Error::io("read directory", parent, e))?;
    let mut leftovers: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            file.starts_with(&format!(".{name}.whosecures-new-"))
                || file.starts_with(&format!(".{name}.whosecures-old-"))
        })
        .map(|entry| entry.path())
        .collect();
    leftovers.sort();
    if !out.exists() {
        let whole = leftovers
            .iter()
            .find(|p| p.to_string_lossy().contains(".whosecures-old-") && p.join(MARKER).is_file());
        if let Some(previous) = whole {
            fs::rename(previous, out)
                .map_err(|e| Error::io("restore the previous site", previous, e))?;
        }
    }
    for path in leftovers.iter().filter(|p| p.exists()) {
        fs::remove_dir_all(path).map_err(|e| Error::io("remove a stale build", path, e))?;
    }
    Ok(())
}

/// Writes one site file (`url` relative to `root`), creating its directory.
pub fn put(root: &Path, url: &str, bytes: &[u8]) -> Result<()> {
    let path = prepare(root, url)?;
    fs::write(&path, bytes).map_err(|e| Error::io("write", &path, e))
}

/// Starts a site file that is written in pieces (`url` relative to `root`), for content too large
/// to hold whole in memory; like `put`, it creates the directory and replaces any file there.
pub fn create(root: &Path, url: &str) -> Result<Stream> {
    let path = prepare(root, url)?;
    let file = fs::File::create(&path).map_err(|e| Error::io("write", &path, e))?;
    Ok(Stream {
        out: BufWriter::new(file),
        path,
        written: 0,
    })
}

/// A site file being written in pieces (see `create`). Complete only after `finish`.
pub struct Stream {
    out: BufWriter<fs::File>,
    path: PathBuf,
    written: u64,
}

impl Stream {
    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io("write", &self.path, e))?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// How many bytes were written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes out what is still buffered and closes the file.
    pub fn finish(self) -> Result<()> {
        let Stream { out, path, .. } = self;
        out.into_inner()
            .map_err(|e| Error::io("write", &path, e.into_error()))?;
        Ok(())
    }
}

/// The path of the site file `url` under `root`, its directory created and any file already
/// there removed: it may be a hard link to the previous site's (see `incremental`), which must be
/// replaced, never written through.
fn prepare(root: &Path, url: &str) -> Result<PathBuf> {
    let path = root.join(url);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    }
    if fs::symlink_metadata(&path).is_ok() {
        fs::remove_file(&path).map_err(|e| Error::io("replace", &path, e))?;
    }
    Ok(path)
}

/// Marks a complete output: written last, so only whole sites carry it.
fn mark(root: &Path) -> Result<()> {
    let marker = root.join(MARKER);
    fs::write(
        &marker,
        "This directory was generated by whosecures and is replaced by every build.\n",
    )
    .map_err(|e| Error::io("write", &marker, e))
}

/// Refuses targets that would destroy something that is not ours.
fn check_target(out: &Path, protected: &[PathBuf]) -> Result<()> {
    for dir in protected {
        let Ok(dir) = absolute(dir) else { continue };
        let dir = fs::canonicalize(&dir).unwrap_or(dir);
        let out_real = fs::canonicalize(out).unwrap_or_else(|_| out.to_owned());
        if dir.starts_with(&out_real) {
            return Err(Error::Refused(format!(
                "refusing to write the site to `{}`: it would replace `{}`",
                out.display(),
                dir.display()
            )));
        }
    }
    match fs::metadata(out) {
        Err(_) => Ok(()),
        Ok(meta) if !meta.is_dir() => Err(Error::Refused(format!(
            "refusing to write the site to `{}`: it is a file, not a directory",
            out.display()
        ))),
        Ok(_) => {
            let mut entries = fs::read_dir(out).map_err(|e| Error::io("read directory", out, e))?;
            if out.join(MARKER).is_file() || entries.next().is_none() {
                Ok(())
            } else {
                Err(Error::Refused(format!(
                    "refusing to write the site to `{}`: the directory is not empty and is not a previous whosecures output (no `{MARKER}` file)",
                    out.display()
                )))
            }
        }
    }
}

/// `path` made absolute (not resolving links), the error naming it.
pub fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io("resolve", path, e))
}

fn remove_if_exists(path: &Path) -> Result<()> {
    if path.exists() {
        fs::remove_dir_all(path).map_err(|e| Error::io("remove", path, e))?;
    }
    Ok(())
}

/// Writes one file whole or not at all: a sibling temporary file renamed over `path`, so an
/// interrupted export never leaves half a file where a good one was.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.whosecures-tmp"));
    fs::write(&tmp, bytes).map_err(|e| Error::io("write", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io("replace", path, e)
    })
}

/// Writes `files` under `root` for `init`, refusing to overwrite any existing file.
pub fn write_new_files(root: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    for (rel, _) in files {
        let path = root.join(rel);
        if path.exists() {
            return Err(Error::Refused(format!(
                "refusing to overwrite `{}`",
                path.display()
            )));
        }
    }
    for (rel, bytes) in files {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        }
        fs::write(&path, bytes).map_err(|e| Error::io("write", &path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages as (URL, text).
    fn site(pages: &[(&str, &str)]) -> Vec<(String, String)> {
        pages
            .iter()
            .map(|(u, h)| (u.to_string(), h.to_string()))
            .collect()
    }

    /// Writes `pages` as a build does: into the staging directory, then swapped in.
    fn write(pages: &[(String, String)], out: &Path, protected: &[PathBuf]) -> Result<()> {
        write_with(out, protected, |staging| {
            for (url, html) in pages {
                put(staging, url, html.as_bytes())?;
            }
            Ok(())
        })
    }

    fn temp(name: &str) -> PathBuf {
        crate::testing::test_dir(&format!("write-{name}"))
    }

    // A file written in pieces replaces a hard link at its path instead of writing through it
    // (the previous site's file stays as it was).
    #[test]
    fn stream_replaces_a_hard_link() {
        let dir = temp("stream");
        let (previous, root) = (dir.join("previous.json"), dir.join("new"));
        fs::write(&previous, "old").expect("write");
        fs::create_dir_all(root.join("data")).expect("mkdir");
        fs::hard_link(&previous, root.join("data/kb.json")).expect("link");
        let mut stream = create(&root, "data/kb.json").expect("create");
        for piece in ["{", "\"a\": 1", "}"] {
            stream.write(piece.as_bytes()).expect("write a piece");
        }
        stream.finish().expect("finish");
        let read = |p: &Path| fs::read_to_string(p).ok();
        assert_eq!(
            read(&root.join("data/kb.json")).as_deref(),
            Some("{\"a\": 1}")
        );
        assert_eq!(read(&previous).as_deref(), Some("old"));
        fs::remove_dir_all(dir).ok();
    }

    // A second build replaces the first completely and leaves no staging directories behind.
    #[test]
    fn replaces_previous_output() {
        let dir = temp("replace");
        let out = dir.join("site");
        write(
            &site(&[("index.html", "one"), ("old.html", "x")]),
            &out,
            &[],
        )
        .expect("first build");
        write(
            &site(&[("index.html", "two"), ("services/s3.html", "s3")]),
            &out,
            &[],
        )
        .expect("second build");
        assert_eq!(
            fs::read_to_string(out.join("index.html")).ok().as_deref(),
            Some("two")
        );
        assert!(!out.join("old.html").exists());
        assert!(out.join(MARKER).is_file());
        let mut names: Vec<_> = fs::read_dir(&dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        // No staging or retired directory is left; the (empty) lock file stays for the next build.
        assert_eq!(
            names,
            [".site.whosecures-lock", "site"].map(std::ffi::OsString::from)
        );
        fs::remove_dir_all(dir).ok();
    }

    // A build killed between moving the old site aside and moving the new one in is repaired by
    // the next build: the old site comes back first, stale staging directories go.
    #[test]
    fn recovers_from_a_killed_swap() {
        let dir = temp("recover");
        let out = dir.join("site");
        write(&site(&[("index.html", "one")]), &out, &[]).expect("first build");
        fs::rename(&out, dir.join(".site.whosecures-old-999")).expect("simulate the crash");
        fs::create_dir_all(dir.join(".site.whosecures-new-999/half")).expect("half a staging dir");
        recover(&dir, "site", &out).expect("recover");
        assert_eq!(
            fs::read_to_string(out.join("index.html")).ok().as_deref(),
            Some("one")
        );
        assert!(!dir.join(".site.whosecures-new-999").exists());
        assert!(!dir.join(".site.whosecures-old-999").exists());
        fs::remove_dir_all(dir).ok();
    }

    // A directory with files but no marker, a file, and a protected directory are all refused.
    #[test]
    fn refuses_foreign_targets() {
        let dir = temp("refuse");
        let foreign = dir.join("docs");
        fs::create_dir_all(&foreign).expect("mkdir");
        fs::write(foreign.join("notes.txt"), "mine").expect("write");
        let err = write(&site(&[("index.html", "x")]), &foreign, &[]).expect_err("foreign dir");
        assert!(
            err.to_string()
                .contains("is not a previous whosecures output"),
            "{err}"
        );
        assert_eq!(
            fs::read_to_string(foreign.join("notes.txt"))
                .ok()
                .as_deref(),
            Some("mine")
        );

        let knowledge = dir.join("wiki/knowledge");
        fs::create_dir_all(&knowledge).expect("mkdir");
        let err = write(
            &site(&[("index.html", "x")]),
            &dir.join("wiki"),
            std::slice::from_ref(&knowledge),
        )
        .expect_err("protected");
        assert!(err.to_string().contains("it would replace"), "{err}");
        let err = write(
            &site(&[("index.html", "x")]),
            &knowledge,
            std::slice::from_ref(&knowledge),
        )
        .expect_err("itself");
        assert!(err.to_string().contains("it would replace"), "{err}");
        fs::remove_dir_all(dir).ok();
    }
}
