//! Where each knowledge file sits in its git repository and when a commit last changed it: the
//! "Last updated" date and the "Edit this page" link of a note's page. Runs `git log` once per
//! repository, only when a `.git` is found above a knowledge or overlay directory, and never reads
//! file modification times (a build must not depend on when files were copied). Without git, or
//! outside a repository, notes simply have no date.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What is known of the directories notes are read from (the knowledge directory, then the
/// overlays), by the notes' display paths.
#[derive(Debug, Clone, Default)]
pub struct History {
    roots: Vec<Root>,
}

/// One knowledge or overlay directory.
#[derive(Debug, Clone)]
struct Root {
    /// The directory as given (`knowledge`, `./ours`, `/srv/wiki/notes`): notes read from it are
    /// shown as this joined with their relative path.
    dir: PathBuf,
    /// The directory's path inside its repository (`""` at the top, `wiki/knowledge`), or
    /// `None` outside any repository.
    in_repo: Option<String>,
    /// Relative path (`services/s3.md`) → the newest author date, `YYYY-MM-DD`, of the commits
    /// that changed it.
    dates: HashMap<String, String>,
}

/// What a note's page shows of its file's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHistory<'h> {
    /// The file's path for the edit link: inside its repository (`knowledge/services/s3.md`),
    /// or relative to its knowledge directory (`services/s3.md`) outside any.
    pub path: String,
    /// When a commit last changed it, `YYYY-MM-DD`.
    pub updated: Option<&'h str>,
}

impl History {
    /// The history of the knowledge directory `knowledge` (none: the embedded notes, which have
    /// none) and the `overlays`. Each repository found above them is asked once; a missing `git`
    /// or a failing one leaves its files without dates.
    pub fn read(knowledge: Option<&Path>, overlays: &[PathBuf]) -> History {
        let mut roots: Vec<(Root, Option<PathBuf>)> = knowledge
            .into_iter()
            .chain(overlays.iter().map(PathBuf::as_path))
            .map(|dir| {
                let top = repository_of(dir);
                let in_repo = top.as_ref().map(|(_, inside)| inside.clone());
                let root = Root {
                    dir: dir.to_owned(),
                    in_repo,
                    dates: HashMap::new(),
                };
                (root, top.map(|(top, _)| top))
            })
            .collect();
        let mut tops: Vec<PathBuf> = roots.iter().filter_map(|(_, t)| t.clone()).collect();
        tops.sort();
        tops.dedup();
        for top in tops {
            let prefixes: Vec<String> = roots
                .iter()
                .filter(|(_, t)| t.as_ref() == Some(&top))
                .filter_map(|(root, _)| root.in_repo.clone())
                .collect();
            let Some(log) = git_log(&top, &prefixes) else {
                continue;
            };
            let dates = newest_dates(&log);
            for (root, _) in roots.iter_mut().filter(|(_, t)| t.as_ref() == Some(&top)) {
                let Some(prefix) = &root.in_repo else {
                    continue;
                };
                root.dates = dates
                    .iter()
                    .filter_map(|(path, date)| {
                        let rel = within(path, prefix)?;
                        Some((rel.to_owned(), (*date).to_owned()))
                    })
                    .collect();
            }
        }
        History {
            roots: roots.into_iter().map(|(root, _)| root).collect(),
        }
    }

    /// The history of the note file shown as `display_path`, `rel_path` under its knowledge or
    /// overlay directory; `None` for a file of none of them (an embedded note).
    pub fn of(&self, display_path: &str, rel_path: &str) -> Option<FileHistory<'_>> {
        let root = self
            .roots
            .iter()
            .rev()
            .find(|root| joined(&root.dir, rel_path).display().to_string() == display_path)?;
        let path = match root.in_repo.as_deref() {
            Some("") => rel_path.to_owned(),
            Some(prefix) => format!("{prefix}/{rel_path}"),
            None => rel_path.to_owned(),
        };
        Some(FileHistory {
            path,
            updated: root.dates.get(rel_path).map(String::as_str),
        })
    }
}

/// `dir` joined with `rel` (`/`-separated) one component at a time, as `source` spells the path
/// of a file it read under `dir`.
fn joined(dir: &Path, rel: &str) -> PathBuf {
    let mut path = dir.to_owned();
    path.extend(rel.split('/'));
    path
}

/// The top of the git repository holding `dir` (the nearest directory above it with a `.git`,
/// a directory or, in a worktree or submodule, a file) and `dir`'s path inside it, `/`-separated.
fn repository_of(dir: &Path) -> Option<(PathBuf, String)> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let top = dir.ancestors().find(|d| d.join(".git").exists())?;
    let inside = dir
        .strip_prefix(top)
        .ok()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    Some((top.to_owned(), inside))
}

/// `path` (inside the repository) relative to the directory `prefix`, if it is below it.
fn within<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    if prefix.is_empty() {
        return Some(path);
    }
    path.strip_prefix(prefix)?.strip_prefix('/')
}

/// Every commit touching the directories `prefixes` of the repository at `top`, newest first,
/// as `git log` prints them (see `newest_dates`); `None` when git is missing or fails (not a
/// repository after all, a repository without commits, an untrusted owner).
fn git_log(top: &Path, prefixes: &[String]) -> Option<String> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(top)
        // Settings that would change what the log prints (or refuse several paths).
        .args(["-c", "log.showSignature=false", "-c", "log.follow=false"])
        .args([
            "log",
            "--no-color",
            "--format=format:%x1e%as",
            "--name-only",
            "-z",
        ])
        .arg("--")
        .args(prefixes.iter().map(|p| if p.is_empty() { "." } else { p }))
        // Directory names are paths, not patterns.
        .env("GIT_LITERAL_PATHSPECS", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    let out = command.output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// From `git log --format=format:%x1e%as --name-only -z`'s output (per commit: `\x1e`, the author
/// date, a newline, then each file's path followed by a NUL), each file's newest date. The
/// newest, not the first seen: the log is in commit order, and a rebased commit can carry an
/// older author date than the commit before it.
fn newest_dates(log: &str) -> HashMap<&str, &str> {
    let mut dates: HashMap<&str, &str> = HashMap::new();
    for commit in log.split('\u{1e}') {
        let Some((date, files)) = commit.split_once('\n') else {
            continue;
        };
        if !is_date(date) {
            continue;
        }
        for file in files.split('\0').filter(|f| !f.is_empty()) {
            let newest = dates.entry(file).or_insert(date);
            if date > *newest {
                *newest = date;
            }
        }
    }
    dates
}

/// Whether `text` is `YYYY-MM-DD` (so dates compare as text).
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each file gets the newest date of the commits that list it, whatever their order; lines
    // that are not a commit are skipped.
    #[test]
    fn newest_date_per_file() {
        let log = "\u{1e}2025-01-02\nk/a.md\0\0\u{1e}2024-03-05\nk/a.md\0k/b c.md\0\0\
                   \u{1e}2026-07-01\nk/b c.md\0\u{1e}garbage\nk/a.md\0";
        let dates = newest_dates(log);
        assert_eq!(dates.get("k/a.md"), Some(&"2025-01-02"));
        assert_eq!(dates.get("k/b c.md"), Some(&"2026-07-01"));
        assert_eq!(dates.len(), 2);
        assert!(newest_dates("").is_empty());
    }

    // A path is inside a directory of the repository only below a whole component.
    #[test]
    fn paths_within_a_directory() {
        assert_eq!(within("k/a.md", ""), Some("k/a.md"));
        assert_eq!(within("k/a.md", "k"), Some("a.md"));
        assert_eq!(within("kb/a.md", "k"), None);
        assert_eq!(within("wiki/k/s/a.md", "wiki/k"), Some("s/a.md"));
    }

    // Outside a repository a note's edit path is its path in its directory, with no date; a
    // file of no directory (embedded) has no history; the top-most overlay wins.
    #[test]
    fn outside_a_repository() {
        let history = History {
            roots: vec![
                Root {
                    dir: PathBuf::from("knowledge"),
                    in_repo: None,
                    dates: HashMap::new(),
                },
                Root {
                    dir: PathBuf::from("ours"),
                    in_repo: Some("wiki/ours".into()),
                    dates: [("services/s3.md".to_owned(), "2025-05-05".to_owned())].into(),
                },
            ],
        };
        let s3 = joined(Path::new("knowledge"), "services/s3.md");
        assert_eq!(
            history.of(&s3.display().to_string(), "services/s3.md"),
            Some(FileHistory {
                path: "services/s3.md".into(),
                updated: None
            })
        );
        let ours = joined(Path::new("ours"), "services/s3.md");
        assert_eq!(
            history.of(&ours.display().to_string(), "services/s3.md"),
            Some(FileHistory {
                path: "wiki/ours/services/s3.md".into(),
                updated: Some("2025-05-05")
            })
        );
        assert_eq!(
            history.of("elsewhere/services/s3.md", "services/s3.md"),
            None
        );
        assert_eq!(History::default().of("knowledge/a.md", "a.md"), None);
    }

    // Dates are `YYYY-MM-DD` exactly.
    #[test]
    fn dates() {
        assert!(is_date("2026-12-06"));
        for bad in ["2026-12-6", "20261206xx", "", "2026/12/06"] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
