//! Where input files come from: the copy compiled into the binary, a directory on disk, or an
//! overlay of several. The only input-side filesystem access in the crate.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// One input file, before any parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to its root, with `/` separators, e.g. `services/s3.md`.
    pub rel_path: String,
    /// The path shown in diagnostics, e.g. `knowledge/services/s3.md` or `my-wiki/services/s3.md`.
    pub display_path: String,
    /// Raw bytes; decoding (and the UTF-8 diagnostic) is the loader's job.
    pub bytes: Vec<u8>,
}

/// The most a knowledge file may hold. A larger one is read only this far (plus one byte, so
/// the loader can tell) and reported: a 50 MiB note took 2 GB to check.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The most files a knowledge directory may hold (ten times the largest wiki measured); more is
/// an error naming the directory rather than memory growing without end.
pub const MAX_FILES: usize = 100_000;

/// True when a knowledge file's `bytes` were read only up to `MAX_FILE_BYTES` and it holds more.
pub fn too_large(bytes: &[u8]) -> bool {
    bytes.len() > MAX_FILE_BYTES
}

/// Reads `path`, at most `MAX_FILE_BYTES + 1` bytes of it.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = fs::File::open(path)?;
    // Sized from the file's length: growing by doubling left up to half of each buffer unused,
    // 16 MB over the 84 MB of notes at 10,000 notes, all held for the whole build.
    let size = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(MAX_FILE_BYTES as u64 + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Which tree of embedded files to take.
#[derive(Debug, Clone, Copy)]
pub enum Tree {
    /// `knowledge/`
    Knowledge,
    /// `themes/default/`
    DefaultTheme,
}

impl Tree {
    fn prefix(self) -> &'static str {
        match self {
            Tree::Knowledge => "knowledge/",
            Tree::DefaultTheme => "themes/default/",
        }
    }
}

/// The embedded files of one tree, paths relative to the tree's root.
pub fn embedded(tree: Tree) -> Vec<SourceFile> {
    let prefix = tree.prefix();
    embedded::FILES
        .iter()
        .filter_map(|(path, bytes)| {
            let rel = path.strip_prefix(prefix)?;
            Some(SourceFile {
                rel_path: rel.to_owned(),
                display_path: (*path).to_owned(),
                bytes: bytes.to_vec(),
            })
        })
        .collect()
}

/// The embedded `book.toml` (the repository's own).
pub fn embedded_config() -> &'static str {
    embedded::FILES
        .iter()
        .find(|(path, _)| *path == "book.toml")
        .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok())
        .unwrap_or("")
}

/// Every embedded file with its path relative to the repository root, for `init`.
pub fn embedded_all() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    embedded::FILES.iter().copied()
}

/// Reads every file below `root` (hidden files and editor droppings skipped).
/// Symlinked directories are followed once; a loop is an error naming the path.
pub fn read_dir(root: &Path) -> Result<Vec<SourceFile>> {
    read_tree(root, false)
}

/// `read_dir` for a directory whose files are published as they are (a theme's): a symlink that
/// resolves outside `root` is an error naming it, so a link cannot publish a file from elsewhere
/// on the machine.
pub fn read_dir_confined(root: &Path) -> Result<Vec<SourceFile>> {
    read_tree(root, true)
}

fn read_tree(root: &Path, confined: bool) -> Result<Vec<SourceFile>> {
    let meta = fs::metadata(root).map_err(|e| Error::io("read directory", root, e))?;
    if !meta.is_dir() {
        return Err(Error::io(
            "read directory",
            root,
            std::io::Error::other("not a directory"),
        ));
    }
    let mut paths = Vec::new();
    let mut seen = HashSet::new();
    let inside = if confined {
        Some(fs::canonicalize(root).map_err(|e| Error::io("resolve", root, e))?)
    } else {
        None
    };
    walk(root, inside.as_deref(), &mut seen, &mut paths)?;
    // A theme's files are published whole (images, fonts); a knowledge directory's are notes.
    if !confined && paths.len() > MAX_FILES {
        return Err(Error::io(
            "read directory",
            root,
            std::io::Error::other(format!(
                "{} files, more than the {MAX_FILES} a knowledge directory may hold",
                paths.len()
            )),
        ));
    }
    // Reading is most of the time for a large wiki (10,000 files): in parallel.
    let mut files = paths
        .into_par_iter()
        .map(|path| {
            let bytes = if confined {
                fs::read(&path)
            } else {
                read_bounded(&path)
            }
            .map_err(|e| Error::io("read", &path, e))?;
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Ok(SourceFile {
                rel_path: rel,
                display_path: path.display().to_string(),
                bytes,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Ok(files)
}

/// What identifies a directory however it is reached: device and inode where there are inodes
/// (one `stat`, so the walk stays linear in the files however deep the tree), else its resolved
/// path.
#[cfg(unix)]
fn identity(dir: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(dir)?;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(dir: &Path) -> std::io::Result<PathBuf> {
    fs::canonicalize(dir)
}

#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

/// The files below `dir` (hidden files and editor droppings skipped), into `files`; with
/// `inside`, a symlink resolving outside that (resolved) directory is an error.
fn walk(
    dir: &Path,
    inside: Option<&Path>,
    seen: &mut HashSet<Identity>,
    files: &mut Vec<PathBuf>,
) -> Result<()> {
    let id = identity(dir).map_err(|e| Error::io("resolve", dir, e))?;
    if !seen.insert(id) {
        return Err(Error::io(
            "read directory",
            dir,
            std::io::Error::other("symlink loop: this directory was already read"),
        ));
    }
    let entries = fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ignored(&name) {
            continue;
        }
        // The entry's own type needs no system call on most file systems; only a symlink is
        // followed to see what it points at.
        let kind = entry.file_type().map_err(|e| Error::io("read", &path, e))?;
        let (is_dir, is_file) = if kind.is_symlink() {
            let meta = fs::metadata(&path).map_err(|e| Error::io("read", &path, e))?;
            if let Some(root) = inside {
                let target = fs::canonicalize(&path).map_err(|e| Error::io("resolve", &path, e))?;
                if !target.starts_with(root) {
                    return Err(Error::io(
                        "read",
                        &path,
                        std::io::Error::other(format!(
                            "a symlink to `{}`, outside `{}`, would publish that file: copy it \
                             into the theme instead",
                            target.display(),
                            root.display()
                        )),
                    ));
                }
            }
            (meta.is_dir(), meta.is_file())
        } else {
            (kind.is_dir(), kind.is_file())
        };
        if is_dir {
            walk(&path, inside, seen, files)?;
        } else if is_file {
            files.push(path);
        }
    }
    Ok(())
}

/// Hidden files, editor swap and backup files: never content.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with('#')
}

/// Lays `top` over `base`: a file in `top` replaces the file with the same relative path.
pub fn overlay(base: Vec<SourceFile>, top: Vec<SourceFile>) -> Vec<SourceFile> {
    let mut by_path: BTreeMap<String, SourceFile> =
        base.into_iter().map(|f| (f.rel_path.clone(), f)).collect();
    for file in top {
        by_path.insert(file.rel_path.clone(), file);
    }
    by_path.into_values().collect()
}

/// The length of the byte-order mark `text` starts with (0 without one): the one place that
/// knows a UTF-8 BOM, for the front-matter splitter and the loader.
pub fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

impl SourceFile {
    /// A knowledge file for tests: `rel` under a root shown as `knowledge/`.
    #[cfg(test)]
    pub(crate) fn knowledge(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            rel_path: rel.into(),
            display_path: format!("knowledge/{rel}"),
            bytes: text.as_bytes().to_vec(),
        }
    }
}

/// The `book.toml` to use: `explicit` (`--config FILE`), else `./book.toml` if there is one, with
/// its text; `None` when there is neither (the embedded one is used then).
pub fn read_config(explicit: Option<&Path>) -> Result<Option<(PathBuf, String)>> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None if Path::new("book.toml").is_file() => PathBuf::from("book.toml"),
        None => return Ok(None),
    };
    let text = fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
    Ok(Some((path, text)))
}

/// Every knowledge file: the base (the directory `knowledge`, or the embedded copy) with the
/// `overlays` directories laid on, in order.
pub fn knowledge_files(knowledge: Option<&Path>, overlays: &[PathBuf]) -> Result<Vec<SourceFile>> {
    let mut files = match knowledge {
        Some(dir) => read_dir(dir)?,
        None => embedded(Tree::Knowledge),
    };
    for dir in overlays {
        files = overlay(files, read_dir(dir)?);
    }
    Ok(files)
}

/// The knowledge file that wins at `rel` (the top-most overlay that has it, else the base), or
/// `None` when no root has it any more.
pub fn knowledge_file(
    knowledge: Option<&Path>,
    overlays: &[PathBuf],
    rel: &str,
) -> Result<Option<SourceFile>> {
    for dir in overlays.iter().rev() {
        if let Some(file) = read_one(dir, rel)? {
            return Ok(Some(file));
        }
    }
    match knowledge {
        Some(dir) => read_one(dir, rel),
        None => Ok(embedded(Tree::Knowledge)
            .into_iter()
            .find(|f| f.rel_path == rel)),
    }
}

/// Reads the knowledge file `root/rel` (bounded like every knowledge file) if it is a file;
/// `None` if it does not exist.
pub fn read_one(root: &Path, rel: &str) -> Result<Option<SourceFile>> {
    let path = root.join(rel);
    match read_bounded(&path) {
        Ok(bytes) => Ok(Some(SourceFile {
            rel_path: rel.to_owned(),
            display_path: path.display().to_string(),
            bytes,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", &path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            rel_path: rel.into(),
            display_path: rel.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    // An overlay replaces files with the same relative path and adds new ones.
    #[test]
    fn overlay_replaces_and_adds() {
        let merged = overlay(
            vec![file("a.md", "base a"), file("b.md", "base b")],
            vec![file("b.md", "top b"), file("c.md", "top c")],
        );
        let texts: Vec<_> = merged
            .iter()
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .collect();
        assert_eq!(texts, ["base a", "top b", "top c"]);
    }

    // The embedded trees hold the knowledge base, the default theme and the vocabulary.
    #[test]
    fn embedded_trees_are_present() {
        let knowledge = embedded(Tree::Knowledge);
        assert!(knowledge.iter().any(|f| f.rel_path == "vocabulary.toml"));
        assert!(knowledge
            .iter()
            .all(|f| f.display_path.starts_with("knowledge/")));
        assert!(embedded(Tree::DefaultTheme)
            .iter()
            .any(|f| f.rel_path.starts_with("templates/")));
        assert!(embedded_config().contains("[book]"));
    }

    // Swap files, backups and hidden files are never read as content.
    #[test]
    fn ignored_names() {
        for name in [".s3.md.swp", "s3.md~", ".DS_Store", "#s3.md#", "4913.tmp"] {
            assert!(is_ignored(name), "{name}");
        }
        assert!(!is_ignored("s3.md"));
    }
}
