//! File watching: raw notify events, debounced, mapped to a small `Change` enum by the pure
//! `classify` function. Editors' swap, backup and temp files never become changes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

use crate::error::{Error, Result};
use crate::source::is_ignored;

/// What changed, as far as rebuilding is concerned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// A knowledge file (a note or `vocabulary.toml`), path relative to its root.
    Note(String),
    /// A theme template, path relative to the theme root.
    Template(String),
    /// A theme static file, path relative to the theme root.
    Asset(String),
    /// `book.toml`.
    Config,
}

/// The watched places.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots {
    /// The knowledge directory (when not embedded) and overlay directories.
    pub knowledge: Vec<PathBuf>,
    /// The theme directory, if any.
    pub theme: Option<PathBuf>,
    /// `book.toml`, if read from disk.
    pub config: Option<PathBuf>,
}

impl Roots {
    /// The same roots as absolute paths, so they compare with the watcher's event paths.
    pub fn absolute(&self) -> Roots {
        let abs = |p: &PathBuf| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        };
        Roots {
            knowledge: self.knowledge.iter().map(abs).collect(),
            theme: self.theme.as_ref().map(abs),
            config: self.config.as_ref().map(abs),
        }
    }
}

/// Maps one changed path to a change, or `None` when it does not matter (editor droppings,
/// files a build never reads, paths outside every root).
pub fn classify(path: &Path, roots: &Roots) -> Option<Change> {
    if roots.config.as_deref() == Some(path) {
        return Some(Change::Config);
    }
    let (rel, in_theme) = roots
        .knowledge
        .iter()
        .find_map(|root| path.strip_prefix(root).ok().map(|rel| (rel, false)))
        .or_else(|| {
            let theme = roots.theme.as_deref()?;
            path.strip_prefix(theme).ok().map(|rel| (rel, true))
        })?;
    // Hidden directories (`.git`) and editor droppings, below the root only.
    if rel
        .components()
        .any(|c| is_ignored(&c.as_os_str().to_string_lossy()))
    {
        return None;
    }
    let rel = to_rel(rel);
    if in_theme {
        if rel.starts_with("templates/") {
            Some(Change::Template(rel))
        } else if rel.starts_with("static/") {
            Some(Change::Asset(rel))
        } else {
            None
        }
    } else {
        (rel.ends_with(".md")
            || rel == "vocabulary.toml"
            || crate::kb::is_control_list(&rel)
            || crate::kb::policy::is_policy_file(&rel))
        .then_some(Change::Note(rel))
    }
}

fn to_rel(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether an event can change what a build reads: reads (ours included) and metadata-only
/// changes cannot, and watching them would make every rebuild trigger the next. A writer
/// closing a file can: it is the one event sure to come after the last byte. A save that
/// truncates and then writes (`fs::write`, many editors) can otherwise be seen between the two
/// when the writer is slow, with the write's own events falling into the batch that read the
/// empty file.
fn touches_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    }
}

/// How long the watcher waits for more events before a batch is handed over. Editors write a
/// temp file and rename it over the note within a few milliseconds; this keeps one save one batch.
pub const DEBOUNCE: Duration = Duration::from_millis(12);

/// A running watcher; dropping it stops watching.
pub type Watcher = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

/// Watches every root and sends each debounced batch of changes (sorted, deduplicated).
pub fn start(roots: &Roots, tx: Sender<Vec<Change>>) -> Result<Watcher> {
    let abs = roots.absolute();
    let classify_roots = abs.clone();
    let mut debouncer = new_debouncer(
        DEBOUNCE,
        Some(Duration::from_millis(4)),
        move |result: DebounceEventResult| {
            if let Ok(events) = result {
                let changes: BTreeSet<Change> = events
                    .iter()
                    .filter(|event| touches_content(&event.kind))
                    .flat_map(|event| event.paths.iter())
                    .filter_map(|path| classify(path, &classify_roots))
                    .collect();
                if !changes.is_empty() {
                    let _ = tx.send(changes.into_iter().collect());
                }
            }
        },
    )
    .map_err(|e| Error::Refused(format!("cannot start the file watcher: {e}")))?;
    let mut watch = |path: &Path, mode: RecursiveMode| {
        debouncer
            .watch(path, mode)
            .map_err(|e| Error::io("watch", path, std::io::Error::other(e.to_string())))
    };
    for dir in abs.knowledge.iter().chain(abs.theme.iter()) {
        watch(dir, RecursiveMode::Recursive)?;
    }
    if let Some(config) = &abs.config {
        // Watch the directory: editors replace the file, which would end a watch on the file.
        if let Some(dir) = config.parent() {
            watch(dir, RecursiveMode::NonRecursive)?;
        }
    }
    Ok(debouncer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Roots {
        Roots {
            knowledge: vec![PathBuf::from("/w/knowledge"), PathBuf::from("/w/ours")],
            theme: Some(PathBuf::from("/w/theme")),
            config: Some(PathBuf::from("/w/book.toml")),
        }
    }

    // Content changes and a writer's close rebuild; reads and metadata changes do not (ours
    // would loop).
    #[test]
    fn which_events_touch_content() {
        use notify::event::{CreateKind, DataChange, MetadataKind};
        let yes = [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
        ];
        let no = [
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
        ];
        assert!(yes.iter().all(touches_content));
        assert!(!no.iter().any(touches_content));
    }

    // Paths map to the change kinds the rebuild distinguishes; editor droppings map to nothing.
    #[test]
    fn classifies_paths() {
        let cases: &[(&str, Option<Change>)] = &[
            (
                "/w/knowledge/services/s3.md",
                Some(Change::Note("services/s3.md".into())),
            ),
            (
                "/w/ours/glossary/tls.md",
                Some(Change::Note("glossary/tls.md".into())),
            ),
            (
                "/w/knowledge/vocabulary.toml",
                Some(Change::Note("vocabulary.toml".into())),
            ),
            (
                "/w/knowledge/catalogs/fsbp.toml",
                Some(Change::Note("catalogs/fsbp.toml".into())),
            ),
            ("/w/knowledge/catalogs/old/fsbp.toml", None),
            (
                "/w/theme/templates/note.html",
                Some(Change::Template("templates/note.html".into())),
            ),
            (
                "/w/theme/static/style.css",
                Some(Change::Asset("static/style.css".into())),
            ),
            ("/w/book.toml", Some(Change::Config)),
            ("/w/knowledge/services/.s3.md.swp", None),
            ("/w/knowledge/services/s3.md~", None),
            ("/w/knowledge/services/4913", None),
            ("/w/knowledge/services/#s3.md#", None),
            ("/w/knowledge/.git/index", None),
            ("/w/knowledge/notes.txt", None),
            ("/w/theme/README.md", None),
            ("/w/other/file.md", None),
            ("/w/site/index.html", None),
        ];
        for (path, expected) in cases {
            assert_eq!(classify(Path::new(path), &roots()), *expected, "{path}");
        }
    }

    // A root inside a hidden directory still has its notes watched.
    #[test]
    fn hidden_parent_of_root() {
        let roots = Roots {
            knowledge: vec![PathBuf::from("/tmp/.wiki/knowledge")],
            ..Roots::default()
        };
        assert_eq!(
            classify(Path::new("/tmp/.wiki/knowledge/glossary/tls.md"), &roots),
            Some(Change::Note("glossary/tls.md".into()))
        );
    }
}
