//! The change log a site keeps with its build metadata (`build --changes`): the knowledge base of
//! the last build, the earlier version the "What changed" page compares with, and the feed's
//! entries, one per version that changed something. Each build whose knowledge differs from the
//! last build's starts a new entry and compares with the last build; a build that changes nothing
//! keeps the same comparison and entries, so rebuilding is idempotent.
//!
//! Files, in the build's cache directory (`changes/`): `current.json` (the last build's
//! `kb.json`), `baseline.json` (the version the page compares with), `log.json`
//! (`whosecures-changes/1`: when each was built, and the entries). They are written only after the
//! site was written; a missing or unreadable log starts afresh.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diff::{self, Diff, Snapshot};
use crate::error::{Error, Result};
use crate::incremental::Hasher;

/// Schema id of `log.json`.
pub const SCHEMA: &str = "whosecures-changes/1";

/// The most entries the feed keeps, newest first.
pub const MAX_ENTRIES: usize = 50;

/// One version that changed something: an entry of the Atom feed.
pub type Entry = diff::FeedEntry;

/// `log.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LogFile {
    format: String,
    /// When the last build's knowledge (`current.json`) was first built.
    current_built: Option<String>,
    /// When the version the page compares with (`baseline.json`) was first built.
    baseline_built: Option<String>,
    /// Newest first.
    entries: Vec<Entry>,
}

/// The change log as the previous build left it.
#[derive(Debug, Default)]
pub struct Log {
    dir: PathBuf,
    file: LogFile,
    current: Option<String>,
    baseline: Option<String>,
}

/// What this build shows and, once its site is written, keeps.
#[derive(Debug)]
pub struct Step {
    /// What the page compares with: "the version built 2026-12-01", or `None` on the first
    /// build that keeps a log.
    pub since: Option<String>,
    /// This version against that one (empty without one).
    pub diff: Diff,
    /// The feed's entries, newest first.
    pub entries: Vec<Entry>,
    dir: PathBuf,
    file: LogFile,
    current: String,
    baseline: Option<String>,
}

impl Log {
    /// Reads the log kept in `cache` (the build's cache directory); a log that is missing or
    /// cannot be read is an empty one (a warning says so for an unreadable one).
    pub fn load(cache: &Path) -> Log {
        let dir = cache.join("changes");
        let read = |name: &str| fs::read_to_string(dir.join(name)).ok();
        let file = match read("log.json") {
            Some(text) => match serde_json::from_str::<LogFile>(&text) {
                Ok(file) if file.format == SCHEMA => file,
                _ => {
                    eprintln!(
                        "warning: {}: not a change log this version reads; starting a new one",
                        dir.join("log.json").display()
                    );
                    return Log {
                        dir,
                        ..Log::default()
                    };
                }
            },
            None => LogFile::default(),
        };
        Log {
            current: read("current.json"),
            baseline: read("baseline.json"),
            dir,
            file,
        }
    }

    /// This build's step: `now` is this version's `kb.json`, `today` the build's date.
    pub fn step(self, now: &str, today: &str) -> Result<Step> {
        let parsed_now: Snapshot = diff::parse_kb(now, "this version").map_err(Error::Refused)?;
        let previous = self
            .current
            .as_deref()
            .and_then(|text| diff::parse_kb(text, "the last build").ok());
        let mut file = self.file;
        file.format = SCHEMA.to_owned();
        let (baseline, since, d) = match previous {
            Some(previous) => {
                let d = diff::diff(&previous, &parsed_now);
                if d.is_empty() {
                    // Nothing changed since the last build: the same comparison as it made.
                    let baseline = self.baseline;
                    let d = match baseline
                        .as_deref()
                        .and_then(|t| diff::parse_kb(t, "the earlier version").ok())
                    {
                        Some(old) => diff::diff(&old, &parsed_now),
                        None => d,
                    };
                    let since = file.baseline_built.as_ref().map(|b| built(b));
                    (baseline, since, d)
                } else {
                    let was = file
                        .current_built
                        .clone()
                        .unwrap_or_else(|| today.to_owned());
                    let key = Hasher::new(None)
                        .text(&serde_json::to_string(&d).unwrap_or_default())
                        .finish()
                        .to_hex();
                    let count = diff::count(&d);
                    file.entries.insert(
                        0,
                        Entry {
                            id: key[..16].to_owned(),
                            date: today.to_owned(),
                            title: format!(
                                "{count} change{} since {}",
                                if count == 1 { "" } else { "s" },
                                built(&was)
                            ),
                            content: diff::render(&d, false),
                        },
                    );
                    file.entries.truncate(MAX_ENTRIES);
                    file.baseline_built = Some(was.clone());
                    file.current_built = Some(today.to_owned());
                    (self.current, Some(built(&was)), d)
                }
            }
            None => {
                file.current_built = Some(today.to_owned());
                file.baseline_built = None;
                file.entries.clear();
                (None, None, diff::diff(&parsed_now, &parsed_now))
            }
        };
        Ok(Step {
            since,
            diff: d,
            entries: file.entries.clone(),
            dir: self.dir,
            file,
            current: now.to_owned(),
            baseline,
        })
    }
}

/// "the version built 2026-12-01".
fn built(date: &str) -> String {
    format!("the version built {date}")
}

impl Step {
    /// Keeps the log for the next build; call once the site is written. A failure names the path.
    pub fn save(&self) -> Result<()> {
        let write = |name: &str, text: &str| -> Result<()> {
            let path = self.dir.join(name);
            fs::write(&path, text).map_err(|e| Error::io("write", &path, e))
        };
        fs::create_dir_all(&self.dir).map_err(|e| Error::io("create", &self.dir, e))?;
        write("current.json", &self.current)?;
        match &self.baseline {
            Some(text) => write("baseline.json", text)?,
            None => {
                let path = self.dir.join("baseline.json");
                if path.exists() {
                    fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
                }
            }
        }
        let log = serde_json::to_string_pretty(&self.file).unwrap_or_default();
        write("log.json", &(log + "\n"))
    }

    /// The date the feed was last updated: the newest entry's, or the current version's.
    pub fn updated(&self) -> String {
        self.entries
            .first()
            .map(|e| e.date.clone())
            .or_else(|| self.file.current_built.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb(extra_note: bool) -> String {
        let (kb, graph) = crate::testing::embedded_kb();
        let notes: Vec<&crate::kb::Note> = kb
            .notes
            .iter()
            .map(|n| &**n)
            .filter(|n| extra_note || n.id.0 != "s3")
            .collect();
        crate::site::export_assembled(&kb, &graph, notes.into_iter())
    }

    // The first build records; a build with new knowledge adds an entry comparing with the last
    // build; a rebuild with nothing new keeps the same comparison and entries.
    #[test]
    fn each_changed_version_adds_one_entry() {
        let dir = std::env::temp_dir().join(format!("whosecures-changelog-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (old, new) = (kb(false), kb(true));
        let first = Log::load(&dir).step(&old, "2026-12-01").expect("step");
        assert!(first.since.is_none() && first.entries.is_empty());
        first.save().expect("save");
        let second = Log::load(&dir).step(&new, "2026-12-03").expect("step");
        assert_eq!(
            second.since.as_deref(),
            Some("the version built 2026-12-01")
        );
        assert_eq!(second.entries.len(), 1);
        assert!(second.entries[0]
            .title
            .ends_with("since the version built 2026-12-01"));
        assert!(
            second.entries[0].content.contains("s3"),
            "{}",
            second.entries[0].content
        );
        second.save().expect("save");
        let again = Log::load(&dir).step(&new, "2026-12-05").expect("step");
        assert_eq!(again.since, second.since);
        assert_eq!(again.entries, second.entries);
        assert!(
            !again.diff.is_empty(),
            "still compared with the earlier version"
        );
        again.save().expect("save");
        let back = Log::load(&dir).step(&old, "2026-12-06").expect("step");
        assert_eq!(back.entries.len(), 2);
        assert_eq!(back.since.as_deref(), Some("the version built 2026-12-03"));
        assert_eq!(back.updated(), "2026-12-06");
        fs::write(dir.join("changes/log.json"), "{").expect("corrupt");
        let fresh = Log::load(&dir).step(&new, "2026-12-07").expect("step");
        assert!(fresh.since.is_none() && fresh.entries.is_empty());
        let _ = fs::remove_dir_all(&dir);
    }
}
