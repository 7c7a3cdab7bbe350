//! File watching: notify's events, mapped to a small `Change` enum by the pure `classify`
//! function and gathered into batches (`Batch`): handed over 2 ms after a save completes (its
//! writer closed the file, or a finished file was renamed onto it), 12 ms after the last event
//! while some file may still be being written. Editors' swap, backup and temp files never
//! become changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RemoveKind, RenameMode};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};

use crate::error::{Error, Result};
use crate::source::is_ignored;

/// What changed, as far as rebuilding is concerned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// A knowledge file (a note or `vocabulary.toml`), path relative to its root; or a folder
    /// below it created, removed or moved in or out, for which inotify names no file (the
    /// workspace loads every note again for anything but a note).
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
    let (rel, in_theme) = relative(path, roots)?;
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

/// `path` relative to the knowledge root or the theme it is below, and whether it is the theme;
/// `None` outside every root and below hidden directories (`.git`) and editor droppings (below
/// the root only).
fn relative(path: &Path, roots: &Roots) -> Option<(String, bool)> {
    let (rel, in_theme) = roots
        .knowledge
        .iter()
        .find_map(|root| path.strip_prefix(root).ok().map(|rel| (rel, false)))
        .or_else(|| {
            let theme = roots.theme.as_deref()?;
            path.strip_prefix(theme).ok().map(|rel| (rel, true))
        })?;
    let hidden = rel
        .components()
        .any(|c| is_ignored(&c.as_os_str().to_string_lossy()));
    (!hidden).then(|| (to_rel(rel), in_theme))
}

/// `dir` and every folder below it that a build reads (hidden and ignored ones left out).
fn folders_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.to_path_buf()];
    let mut next = 0;
    while let Some(at) = found.get(next).cloned() {
        next += 1;
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if entry.file_type().is_ok_and(|t| t.is_dir()) && !is_ignored(&name.to_string_lossy()) {
                found.push(entry.path());
            }
        }
    }
    found
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

/// How long the watcher waits for more events before handing over a batch in which some file
/// may still be being written (see `Batch::due`): a writer that has not closed the file, or a
/// note renamed away or removed, which is how many editors begin a save (vim renames the note
/// to its backup, JetBrains IDEs to `*___jb_old___`, then write the new file).
pub const DEBOUNCE: Duration = Duration::from_millis(12);

/// How long the watcher waits once every file in the batch is complete (its writer closed it,
/// or a finished file was renamed onto it): enough for the events of a save's last steps and of
/// the next file of a burst (`git checkout`) to join the batch.
pub const SETTLED: Duration = Duration::from_millis(2);

/// The changes gathered since the last batch was handed over: each with whether its file is
/// complete, and when the last of them came. It reads the file system only to tell a folder
/// renamed in (`is_dir`) and the folders below it, so the timing rules are tested without one.
#[derive(Debug, Default)]
struct Batch {
    changes: BTreeMap<Change, bool>,
    last: Option<Instant>,
    /// The folders below the knowledge roots, kept as events create, remove and move them:
    /// inotify reports a folder renamed away as a plain rename of a path that is gone, as it
    /// does a temp file renamed onto a note (`sed -i`, Python's `tempfile`).
    folders: BTreeSet<PathBuf>,
}

impl Batch {
    /// Adds one event's changes, seen at `now`. A writer's close and a rename onto a path leave
    /// it complete; anything else (a write, a creation, a removal, a rename away) leaves it to
    /// be completed. Lost events (the kernel's queue overflowed) ask for a whole reload.
    fn add(&mut self, event: &Event, roots: &Roots, now: Instant) {
        if event.need_rescan() {
            self.changes.insert(Change::Config, false);
            self.last = Some(now);
            return;
        }
        if !touches_content(&event.kind) {
            return;
        }
        for (i, path) in event.paths.iter().enumerate() {
            let Some(change) =
                classify(path, roots).or_else(|| self.folder(&event.kind, path, roots, i == 0))
            else {
                continue;
            };
            let complete = match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
                EventKind::Modify(ModifyKind::Name(RenameMode::To)) => true,
                // The path renamed away, then the path renamed onto.
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => i > 0,
                _ => false,
            };
            self.changes.insert(change, complete);
            self.last = Some(now);
        }
    }

    /// A folder below a knowledge root as a change (see `Change::Note`): created, removed, or
    /// renamed in or out (`first`: the event's first path, the one a `Both` rename takes away).
    fn folder(
        &mut self,
        kind: &EventKind,
        path: &Path,
        roots: &Roots,
        first: bool,
    ) -> Option<Change> {
        let rel = relative(path, roots)
            .filter(|(rel, in_theme)| !in_theme && !rel.is_empty())?
            .0;
        let moved = match kind {
            EventKind::Create(CreateKind::Folder) => {
                self.folders.insert(path.to_path_buf());
                true
            }
            EventKind::Remove(RemoveKind::Folder) => {
                self.forget(path);
                true
            }
            EventKind::Modify(ModifyKind::Name(mode)) => {
                let away = match mode {
                    RenameMode::From => true,
                    RenameMode::Both => first,
                    RenameMode::To => false,
                    _ => !path.exists(),
                };
                if away {
                    self.forget(path)
                } else if path.is_dir() {
                    self.folders.extend(folders_below(path));
                    true
                } else {
                    false
                }
            }
            _ => false,
        };
        moved.then_some(Change::Note(rel))
    }

    /// Forgets `path` and the folders below it; whether it was a known folder.
    fn forget(&mut self, path: &Path) -> bool {
        let known = self.folders.contains(path);
        self.folders.retain(|f| !f.starts_with(path));
        known
    }

    /// When the batch is to be handed over: `SETTLED` after its last event when every file in it
    /// is complete, else `DEBOUNCE` after it. `None` while empty.
    fn due(&self) -> Option<Instant> {
        let last = self.last?;
        let wait = if self.changes.values().all(|complete| *complete) {
            SETTLED
        } else {
            DEBOUNCE
        };
        Some(last + wait)
    }

    /// The changes, sorted, leaving the batch empty.
    fn take(&mut self) -> Vec<Change> {
        self.last = None;
        std::mem::take(&mut self.changes).into_keys().collect()
    }
}

/// A running watcher; dropping it stops watching (and the thread gathering its events).
pub struct Watcher {
    _notify: notify::RecommendedWatcher,
}

/// Watches every root and sends each batch of changes (sorted, deduplicated; see `Batch`).
pub fn start(roots: &Roots, tx: Sender<Vec<Change>>) -> Result<Watcher> {
    let abs = roots.absolute();
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = raw_tx.send(event);
    })
    .map_err(|e| Error::Refused(format!("cannot start the file watcher: {e}")))?;
    let mut watch = |path: &Path, mode: RecursiveMode| {
        watcher
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
    thread::spawn(move || gather(&raw_rx, &abs, &tx));
    Ok(Watcher { _notify: watcher })
}

/// Gathers the watcher's events into batches and hands each over when it is due, until the
/// watcher is dropped or nobody takes the batches.
fn gather(events: &Receiver<notify::Result<Event>>, roots: &Roots, tx: &Sender<Vec<Change>>) {
    let mut batch = Batch {
        folders: roots
            .knowledge
            .iter()
            .flat_map(|r| folders_below(r))
            .collect(),
        ..Batch::default()
    };
    loop {
        let received = match batch.due() {
            Some(due) => events.recv_timeout(due.saturating_duration_since(Instant::now())),
            None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(Ok(event)) => batch.add(&event, roots, Instant::now()),
            // An error names no change; a lost event comes as a rescan event (`Batch::add`).
            Ok(Err(_)) => {}
            Err(RecvTimeoutError::Timeout) => {
                if tx.send(batch.take()).is_err() {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
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

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        paths
            .iter()
            .fold(Event::new(kind), |e, p| e.add_path(PathBuf::from(p)))
    }

    /// Feeds `events` one millisecond apart from `t0`; returns how long after the last one the
    /// batch is due.
    fn wait_after(batch: &mut Batch, t0: Instant, events: &[Event]) -> Option<Duration> {
        let mut now = t0;
        for e in events {
            now += Duration::from_millis(1);
            batch.add(e, &roots(), now);
        }
        batch.due().map(|due| due - now)
    }

    const S3: &str = "/w/knowledge/services/s3.md";
    const WRITE: EventKind = EventKind::Modify(ModifyKind::Data(notify::event::DataChange::Any));
    const CLOSE: EventKind = EventKind::Access(AccessKind::Close(AccessMode::Write));
    const CREATE: EventKind = EventKind::Create(CreateKind::File);

    fn name(mode: RenameMode) -> EventKind {
        EventKind::Modify(ModifyKind::Name(mode))
    }

    // A save that truncates, writes and closes is handed over soon after the close; while the
    // writer has not closed the file, the batch waits the whole debounce.
    #[test]
    fn a_closed_file_is_handed_over_sooner() {
        let t0 = Instant::now();
        let mut batch = Batch::default();
        assert_eq!(batch.due(), None);
        let open = wait_after(&mut batch, t0, &[event(WRITE, &[S3]), event(WRITE, &[S3])]);
        assert_eq!(open, Some(DEBOUNCE));
        assert_eq!(
            wait_after(&mut batch, t0, &[event(CLOSE, &[S3])]),
            Some(SETTLED)
        );
        assert_eq!(batch.take(), vec![Change::Note("services/s3.md".into())]);
        assert_eq!(batch.due(), None);
        // Written again after its close: not complete any more.
        let again = [event(CLOSE, &[S3]), event(WRITE, &[S3])];
        assert_eq!(wait_after(&mut batch, t0, &again), Some(DEBOUNCE));
    }

    // Editors that begin a save by renaming the note away: the batch waits until the new file
    // is complete, so the note is never seen removed in between.
    #[test]
    fn editors_saves_complete_on_their_last_step() {
        let t0 = Instant::now();
        let backup = "/w/knowledge/services/s3.md~";
        // vim: the note renamed to its backup, then written anew and closed.
        let mut vim = Batch::default();
        let renamed = [
            event(name(RenameMode::From), &[S3]),
            event(name(RenameMode::To), &[backup]),
            event(name(RenameMode::Both), &[S3, backup]),
            event(CREATE, &[S3]),
            event(WRITE, &[S3]),
        ];
        assert_eq!(wait_after(&mut vim, t0, &renamed), Some(DEBOUNCE));
        assert_eq!(
            wait_after(&mut vim, t0, &[event(CLOSE, &[S3])]),
            Some(SETTLED)
        );
        // JetBrains: the note renamed away, a finished temp file renamed onto it.
        let (old, tmp) = (
            "/w/knowledge/services/s3.md___jb_old___",
            "/w/knowledge/services/s3.md___jb_tmp___",
        );
        let mut ide = Batch::default();
        let away = [event(name(RenameMode::Both), &[S3, old])];
        assert_eq!(wait_after(&mut ide, t0, &away), Some(DEBOUNCE));
        let onto = [
            event(name(RenameMode::From), &[tmp]),
            event(name(RenameMode::To), &[S3]),
            event(name(RenameMode::Both), &[tmp, S3]),
        ];
        assert_eq!(wait_after(&mut ide, t0, &onto), Some(SETTLED));
        // Removing the old file, 1 ms later, names no note: the batch is still due as it was.
        let removed = [event(EventKind::Remove(RemoveKind::File), &[old])];
        let due = wait_after(&mut ide, t0 + Duration::from_millis(3), &removed);
        assert_eq!(due, Some(SETTLED - Duration::from_millis(1)));
        assert_eq!(ide.take(), vec![Change::Note("services/s3.md".into())]);
    }

    // One file still being written holds the whole batch; a removal waits, as it may be a save's
    // first step; lost events ask for a reload; reads and files no build reads make no batch.
    #[test]
    fn what_holds_a_batch() {
        let t0 = Instant::now();
        let tls = "/w/ours/glossary/tls.md";
        let mut two = Batch::default();
        let events = [event(CLOSE, &[S3]), event(WRITE, &[tls])];
        assert_eq!(wait_after(&mut two, t0, &events), Some(DEBOUNCE));
        let mut removed = Batch::default();
        let remove = EventKind::Remove(RemoveKind::File);
        assert_eq!(
            wait_after(&mut removed, t0, &[event(remove, &[S3])]),
            Some(DEBOUNCE)
        );
        let mut lost = Batch::default();
        let overflow = Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert_eq!(wait_after(&mut lost, t0, &[overflow]), Some(DEBOUNCE));
        assert_eq!(lost.take(), vec![Change::Config]);
        // A folder created, removed or moved away below a knowledge root: every note is loaded
        // again. A temp file renamed onto a note is gone too, but was never a known folder.
        let glossary = "/w/knowledge/glossary";
        for kind in [
            EventKind::Create(CreateKind::Folder),
            EventKind::Remove(RemoveKind::Folder),
            name(RenameMode::From),
            name(RenameMode::Both),
        ] {
            let mut moved = Batch {
                folders: [
                    PathBuf::from(glossary),
                    PathBuf::from("/w/knowledge/glossary/x"),
                ]
                .into(),
                ..Batch::default()
            };
            let events = [event(kind, &[glossary, "/w/elsewhere/glossary"])];
            assert_eq!(
                wait_after(&mut moved, t0, &events),
                Some(DEBOUNCE),
                "{kind:?}"
            );
            assert_eq!(moved.take(), vec![Change::Note("glossary".into())]);
            let created = matches!(kind, EventKind::Create(_));
            assert_eq!(moved.folders.contains(Path::new(glossary)), created);
            assert_eq!(moved.folders.len(), if created { 2 } else { 0 }, "{kind:?}");
        }
        let mut not_ours = Batch::default();
        let folders = [
            event(EventKind::Create(CreateKind::Folder), &["/w/theme/parts"]),
            event(
                EventKind::Create(CreateKind::Folder),
                &["/w/knowledge/.git/x"],
            ),
            event(name(RenameMode::From), &["/w/knowledge/services/tmpab12cd"]),
        ];
        assert_eq!(wait_after(&mut not_ours, t0, &folders), None);
        // Python's `tempfile` renamed onto the note: the note only.
        let mut python = Batch::default();
        let tmp = "/w/knowledge/services/tmpab12cd";
        let onto = [
            event(name(RenameMode::Both), &[tmp, S3]),
            event(CLOSE, &[S3]),
        ];
        assert_eq!(wait_after(&mut python, t0, &onto), Some(SETTLED));
        assert_eq!(python.take(), vec![Change::Note("services/s3.md".into())]);
        let mut nothing = Batch::default();
        let ignored = [
            event(
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                &[S3],
            ),
            event(CLOSE, &["/w/knowledge/services/.s3.md.swp"]),
            event(WRITE, &["/w/site/index.html"]),
        ];
        assert_eq!(wait_after(&mut nothing, t0, &ignored), None);
        assert!(nothing.take().is_empty());
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
