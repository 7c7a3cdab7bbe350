//! The site: rendered pages plus everything that is not a page (assets, search index, sitemap,
//! the sidebar's `nav.js`, the `kb.json` export), keyed by URL. Pure until `write`, which is the only output-side I/O.

mod kb_json;
mod search;
pub mod write;

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::history::History;
use crate::incremental::entries::{self, Record};
use crate::incremental::{
    Bodies, Decoder, Deflated, Dirs, Encoder, Fingerprint, Manifest, Seed, Store,
};
use crate::kb::{KnowledgeBase, Note, NoteId};
use crate::links::LinkGraph;
use crate::render::{self, escape, Theme};

pub use kb_json::{export_assembled, SCHEMA};

/// Wall time per stage of a build, in order (`whosecures build --timings`).
#[derive(Debug)]
pub struct Timings {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
    /// The last finished stage, for a progress report watching from another thread.
    stage: Arc<Mutex<&'static str>>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            last: Instant::now(),
            laps: Vec::new(),
            stage: Arc::new(Mutex::new("")),
        }
    }
}

impl Timings {
    /// Ends the stage `name`, which began when the previous one ended.
    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.laps.push((name, now - self.last));
        self.last = now;
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = name;
    }

    /// The name of the last finished stage, kept up to date as the build goes.
    pub fn stage(&self) -> Arc<Mutex<&'static str>> {
        Arc::clone(&self.stage)
    }
}

impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, took) in &self.laps {
            writeln!(f, "{:>9.1} ms  {name}", took.as_secs_f64() * 1e3)?;
        }
        Ok(())
    }
}

/// Renders a checked knowledge base straight into `out` (see `write::write_with`): pages are
/// written as they are rendered, so memory holds the knowledge base and a few pages, not the
/// whole site. Pages whose inputs did not change since the previous build into `out` are taken
/// from it instead of rendered again (see `incremental`), unless `fresh`; what the next build
/// needs to do the same is written into `cache`, which is replaced right after the site. Returns
/// how many HTML pages were rendered and reused.
#[allow(clippy::too_many_arguments)]
pub fn build_into(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    history: &History,
    theme: &Theme,
    out: &Path,
    cache: &Path,
    protected: &[PathBuf],
    fresh: bool,
    extra: &[(String, Vec<u8>)],
    timings: &mut Timings,
) -> Result<render::Counts> {
    let mut counts = render::Counts::default();
    let (site_dir, cache_dir) = (write::absolute(out)?, write::absolute(cache)?);
    // Neither may be, hold or replace the other (nor an input).
    let guard = |other: &Path| {
        let mut dirs = protected.to_vec();
        dirs.push(other.to_owned());
        dirs
    };
    let (site_guard, cache_guard) = (guard(&cache_dir), guard(&site_dir));
    write::write_with(&cache_dir, &cache_guard, |cache_staging| {
        write::write_with(&site_dir, &site_guard, |staging| {
            let dirs = Dirs {
                site: site_dir.clone(),
                cache: cache_dir.clone(),
                site_staging: staging.to_owned(),
                cache_staging: cache_staging.to_owned(),
            };
            let inputs = (kb, graph, config, history);
            counts = render_into(inputs, theme, dirs, fresh, timings)?;
            // Files the command made beside the site (the "What changed" page and feed).
            for (url, bytes) in extra {
                write::put(staging, url, bytes)?;
            }
            Ok(())
        })
    })?;
    timings.lap("swap in the new site");
    Ok(counts)
}

/// `build_into`'s work inside the staging directories.
fn render_into(
    (kb, graph, config, history): (&KnowledgeBase, &LinkGraph, &Config, &History),
    theme: &Theme,
    dirs: Dirs,
    fresh: bool,
    timings: &mut Timings,
) -> Result<render::Counts> {
    let (staging, cache_staging) = (dirs.site_staging.clone(), dirs.cache_staging.clone());
    let mut pages = Manifest::open(dirs, fresh);
    let sources = Seed::new(config).derived(kb);
    let derived_kept = pages.reuse_derived(&sources)?;
    timings.lap("lock and prepare the output");
    let bodies =
        (kb.notes.len() <= render::PRINT_LIMIT).then(|| Bodies::new(|| pages.kept_bodies()));
    let sink = |page: render::Page, fingerprint: Option<Fingerprint>| {
        write::put(&staging, &page.url, page.html.as_bytes())?;
        if let Some(fingerprint) = fingerprint {
            pages.wrote(&page.url, &fingerprint);
        }
        Ok(())
    };
    // The derived files need no page: made beside the pages, their one-core parts (the search
    // index, writing kb.json) overlap with rendering instead of following it.
    let previous = (!derived_kept)
        .then(|| pages.previous_entries(KB_JSON))
        .flatten();
    let (rendered, derived) = rayon::join(
        || {
            render::render_each(
                kb,
                graph,
                config,
                history,
                theme,
                Some(&pages),
                bodies.as_ref(),
                sink,
            )
        },
        || {
            if derived_kept {
                Ok(None)
            } else {
                write_derived(kb, graph, config, &staging, &cache_staging, BATCH, previous)
                    .map(Some)
            }
        },
    );
    let counts = rendered?;
    let derived = derived?;
    // The bodies for the next build: those kept or rendered, when any was asked for (if none
    // was, the previous build's are still the current notes').
    let bodies = bodies.map(|b| {
        b.used()
            .then(|| b.retained(&render::body_keys(kb, graph, config)))
    });
    if let Some(paths) = derived {
        pages.wrote_derived(&sources, paths.iter().map(String::as_str));
    }
    match bodies {
        Some(Some(kept)) => pages.save_bodies(&kept)?,
        Some(None) if !fresh => pages.carry_bodies()?,
        _ => {}
    }
    for (path, bytes) in &theme.assets {
        write::put(&staging, path, bytes)?;
    }
    pages.finish()?;
    timings.lap("render and write pages, search index, kb.json, sitemap");
    Ok(counts)
}

/// The files computed from the whole knowledge base rather than rendered page by page: search
/// index, `kb.json`, `sitemap.xml` and the sidebar's `nav.js`, in memory (`build` writes the
/// same bytes with `write_derived` instead).
pub fn derived(kb: &KnowledgeBase, graph: &LinkGraph, config: &Config) -> Vec<(String, Vec<u8>)> {
    NoteEntries::new(kb, graph).files(kb, config)
}

/// Notes serialized at a time (in parallel) by `write_derived`: enough to keep both cores busy,
/// few enough that their entries (~4 KB of `kb.json` each) stay small next to the knowledge base.
const BATCH: usize = 256;

/// Writes the files computed from the whole knowledge base rather than rendered page by page
/// (search index, `kb.json`, `sitemap.xml`, `nav.js`: the bytes of `NoteEntries::files`) into
/// `root`, with the notes' entries kept for the next build in `cache` (`entries::ENTRIES`), and
/// returns the site files' paths.
/// Notes are serialized `batch` at a time and their `kb.json` entries written and dropped before
/// the next batch: holding them all and then the assembled file doubled the memory of this step
/// (~40 MB each at 10,000 notes). A note whose entries `previous` holds under the same key is
/// not serialized again: its `kb.json` bytes are copied and its search entry read back.
fn write_derived(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    root: &Path,
    cache: &Path,
    batch: usize,
    mut previous: Option<entries::Previous>,
) -> Result<Vec<String>> {
    write::put(root, SITEMAP, sitemap(kb, config).as_bytes())?;
    write::put(root, render::NAV_SCRIPT, render::nav_script(kb).as_bytes())?;
    let mut json = write::create(root, KB_JSON)?;
    let mut kept = entries::Writer::create(cache)?;
    let seed = Seed::new(config).entries(kb);
    let mut pieces = kb_json::Pieces::new(kb);
    json.write(pieces.head().as_bytes())?;
    let mut index = search::Index::default();
    let mut paths = vec![
        SITEMAP.to_owned(),
        render::NAV_SCRIPT.to_owned(),
        KB_JSON.to_owned(),
    ];
    // The search index's files are written as they are finished, not held to the end.
    let mut put = |path: String, bytes: Vec<u8>| -> Result<()> {
        write::put(root, &path, &bytes)?;
        paths.push(path);
        Ok(())
    };
    let mut copied = Vec::new();
    for notes in kb.notes.chunks(batch.max(1)) {
        let made: Vec<(Fingerprint, Made)> = notes
            .par_iter()
            .map(|note| {
                let key = entries::key(&seed, note, graph);
                let made = match previous
                    .as_ref()
                    .and_then(|p| p.get(note.id.as_str(), &key))
                {
                    Some(kept) => Made::Kept(kept),
                    None => Made::New(NoteEntry::of(note, graph)),
                };
                (key, made)
            })
            .collect();
        for (note, (key, made)) in notes.iter().zip(made) {
            json.write(pieces.before_note().as_bytes())?;
            let at = json.written();
            let search = match made {
                Made::Kept(entries::Kept { json: span, search })
                    if previous
                        .as_mut()
                        .is_some_and(|p| p.read_json(span, &mut copied)) =>
                {
                    json.write(&copied)?;
                    search
                }
                other => {
                    let made = match other {
                        Made::New(made) => made,
                        // The previous kb.json could not be read there after all: serialize.
                        Made::Kept(_) => NoteEntry::of(note, graph),
                    };
                    json.write(made.export.as_bytes())?;
                    made.search
                }
            };
            let span = crate::incremental::Span {
                at,
                len: json.written() - at,
            };
            kept.add(note.id.as_str(), &key, span, &search)?;
            index.add(&search, &mut put)?;
        }
    }
    json.write(pieces.end().as_bytes())?;
    json.finish()?;
    kept.finish()?;
    index.finish(&mut put)?;
    Ok(paths)
}

/// A note's entries in the derived files: kept from the previous build, or made now.
enum Made {
    Kept(entries::Kept<search::Entry>),
    New(NoteEntry),
}

/// A note's search entry as the build keeps it for the next (see `incremental::entries`): its
/// record, each term and score, its snippet text, then each item id and item.
impl Record for search::Entry {
    fn encode(&self, out: &mut Encoder) {
        out.str(&self.record).count(self.terms.len());
        for (term, score) in &self.terms {
            out.str(term).u32(u32::from(*score));
        }
        out.str(&self.text).count(self.ids.len());
        for (id, item) in &self.ids {
            out.str(id).str(item);
        }
    }

    fn decode(input: &mut Decoder) -> Option<Self> {
        let record = input.str()?.to_owned();
        let count = input.count()?;
        let mut terms = Vec::with_capacity(count);
        for _ in 0..count {
            let term = input.str()?.to_owned();
            terms.push((term, u16::try_from(input.u32()?).ok()?));
        }
        let text = input.str()?.to_owned();
        let count = input.count()?;
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            ids.push((input.str()?.to_owned(), input.str()?.to_owned()));
        }
        Some(search::Entry {
            record,
            terms,
            text,
            ids,
        })
    }
}

/// The sitemap's path in the site.
const SITEMAP: &str = "sitemap.xml";
/// The export's path in the site.
const KB_JSON: &str = "kb.json";

/// The derived files kept as one serialized entry per note, so that the preview re-serializes
/// only the notes an edit touched and then joins the entries: at 10,000 notes serializing the
/// whole export costs several times more than rendering the edited page.
///
/// Each note's entries are kept packed in one buffer (`Packed`), its `kb.json` bytes and its
/// search entry as the build's cache encodes it, not as the strings they are made of: a search
/// entry is hundreds of terms, each its own allocation, and at 10,000 notes the unpacked
/// entries held 185 MB of the preview's memory. They are unpacked one at a time when the files
/// are joined.
#[derive(Debug, Default)]
pub struct NoteEntries {
    notes: HashMap<NoteId, Packed>,
}

/// One note's `NoteEntry`, encoded: its `kb.json` entry, then its search entry (`Record`),
/// deflated: the `kb.json` text is most of it, and deflates about fivefold.
#[derive(Debug)]
struct Packed(Deflated);

impl Packed {
    fn new(entry: &NoteEntry) -> Packed {
        let mut out = Encoder::record();
        out.reserve(entry.export.len() + entry.search.text.len() + 64 * entry.search.terms.len());
        out.str(&entry.export);
        entry.search.encode(&mut out);
        Packed(Deflated::new(&out.into_bytes()))
    }

    /// The encoded entries; `None` only if the buffer is not one `new` made (a bug).
    fn inflate(&self) -> Option<Vec<u8>> {
        self.0.inflate()
    }
}

/// The `kb.json` entry and the search entry of what `Packed::inflate` gave; `None` only if the
/// bytes are not what `Packed::new` made (a bug).
fn unpack(bytes: &[u8]) -> Option<(&str, search::Entry)> {
    let mut input = Decoder::at(bytes, 0);
    let export = input.str()?;
    let search = search::Entry::decode(&mut input)?;
    input.is_done().then_some((export, search))
}

/// One note's part of the derived files: its search entry and its `kb.json` entry.
#[derive(Debug)]
struct NoteEntry {
    search: search::Entry,
    export: String,
}

impl NoteEntry {
    fn of(note: &Note, graph: &LinkGraph) -> NoteEntry {
        NoteEntry {
            search: search::entry(note, graph),
            export: kb_json::note_json(note, graph),
        }
    }
}

impl NoteEntries {
    /// Serializes every note, in parallel.
    pub fn new(kb: &KnowledgeBase, graph: &LinkGraph) -> NoteEntries {
        let notes = kb
            .notes
            .par_iter()
            .map(|note| (note.id.clone(), Packed::new(&NoteEntry::of(note, graph))))
            .collect();
        NoteEntries { notes }
    }

    /// Re-serializes the notes `ids` (a note's entry shows its own content, links and backlinks,
    /// exactly what its page shows), dropping the ones that no longer exist.
    pub fn refresh<'a>(
        &mut self,
        kb: &KnowledgeBase,
        graph: &LinkGraph,
        ids: impl IntoIterator<Item = &'a NoteId>,
    ) {
        for id in ids {
            match kb.get(id) {
                Some(note) => {
                    self.notes
                        .insert(id.clone(), Packed::new(&NoteEntry::of(note, graph)));
                }
                None => {
                    self.notes.remove(id);
                }
            }
        }
    }

    /// The files, for the knowledge base these entries were made from. Each note's entries are
    /// unpacked in turn, added to the search index and to `kb.json`, and dropped.
    pub fn files(&self, kb: &KnowledgeBase, config: &Config) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![
            (SITEMAP.into(), sitemap(kb, config).into_bytes()),
            (
                render::NAV_SCRIPT.into(),
                render::nav_script(kb).into_bytes(),
            ),
        ];
        let mut pieces = kb_json::Pieces::new(kb);
        let size: usize = self.notes.values().map(|p| p.0.size()).sum();
        let mut json = String::with_capacity(size / 2);
        json.push_str(pieces.head());
        let mut index = search::Index::default();
        let mut keep = |path: String, bytes: Vec<u8>| -> std::result::Result<(), Infallible> {
            files.push((path, bytes));
            Ok(())
        };
        for packed in kb.notes.iter().filter_map(|n| self.notes.get(&n.id)) {
            // `Packed::new` made every buffer: one that does not unpack is left out.
            let Some(bytes) = packed.inflate() else {
                continue;
            };
            let Some((export, search)) = unpack(&bytes) else {
                continue;
            };
            json.push_str(pieces.before_note());
            json.push_str(export);
            let Ok(()) = index.add(&search, &mut keep);
        }
        let Ok(()) = index.finish(&mut keep);
        json.push_str(pieces.end());
        json.shrink_to_fit();
        files.insert(2, (KB_JSON.into(), json.into_bytes()));
        files
    }
}

/// `sitemap.xml` of every page of `kb`: absolute URLs when `base-url` is set, site-relative ones
/// otherwise.
fn sitemap(kb: &KnowledgeBase, config: &Config) -> String {
    let urls: Vec<String> = render::pages(kb, &config.org)
        .iter()
        .filter(|k| !matches!(k, render::PageKey::Redirect { .. }))
        .filter_map(|k| k.url(kb))
        .collect();
    let base = config
        .book
        .base_url
        .as_deref()
        .map(|b| format!("{}/", b.trim_end_matches('/')))
        .unwrap_or_default();
    let mut urls: Vec<&str> = urls
        .iter()
        .map(String::as_str)
        .filter(|u| *u != "404.html")
        .collect();
    urls.sort_unstable();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for url in urls {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            escape(&format!("{base}{url}"))
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    // Streaming the derived files writes exactly the files `NoteEntries::files` assembles, plus the
    // notes' entries for the next build in the cache directory, and reports their paths: for no
    // notes, one batch, and batches of 1 and 7 notes (a last batch that is not full). Written
    // again with those entries, every file is the same, and unchanged notes' `kb.json` bytes are
    // copied, not remade.
    #[test]
    fn streamed_derived_files_match_assembled() {
        let compiled = crate::testing::embedded_kb();
        let empty = (KnowledgeBase::default(), LinkGraph::default());
        let config = Config::default();
        let base = crate::testing::test_dir("derived");
        let (root, root_cache) = (base.join("site"), base.join("cache"));
        let (again, again_cache) = (base.join("again"), base.join("again-cache"));
        let fresh = |dirs: [&Path; 2]| {
            for dir in dirs {
                let _ = std::fs::remove_dir_all(dir);
                std::fs::create_dir_all(dir).expect("create");
            }
        };
        let read = |root: &Path, paths: &[String]| -> BTreeMap<String, Vec<u8>> {
            paths
                .iter()
                .map(|p| (p.clone(), std::fs::read(root.join(p)).expect("read back")))
                .collect()
        };
        let previous =
            || entries::Previous::open(&root_cache.join(entries::ENTRIES), &root.join(KB_JSON));
        for (kb, graph) in [(&compiled.0, &compiled.1), (&empty.0, &empty.1)] {
            let assembled: BTreeMap<String, Vec<u8>> = NoteEntries::new(kb, graph)
                .files(kb, &config)
                .into_iter()
                .collect();
            assert!(assembled.contains_key(KB_JSON) && assembled.contains_key(SITEMAP));
            for batch in [1, 7, kb.notes.len() + 1] {
                fresh([&root, &root_cache]);
                let paths = write_derived(kb, graph, &config, &root, &root_cache, batch, None)
                    .expect("write");
                let written = read(&root, &paths);
                assert_eq!(paths.len(), written.len(), "a path reported twice");
                let kept = std::fs::read(root_cache.join(entries::ENTRIES)).expect("entries");
                assert_eq!(
                    written.keys().collect::<Vec<_>>(),
                    assembled.keys().collect::<Vec<_>>()
                );
                for (path, bytes) in &assembled {
                    assert!(
                        written[path] == *bytes,
                        "{path} differs with {} notes in batches of {batch}",
                        kb.notes.len()
                    );
                }

                fresh([&again, &again_cache]);
                let paths =
                    write_derived(kb, graph, &config, &again, &again_cache, batch, previous())
                        .expect("write again");
                let rewritten = read(&again, &paths);
                let kept_again =
                    std::fs::read(again_cache.join(entries::ENTRIES)).expect("entries");
                assert_eq!(kept_again, kept);
                assert!(rewritten == written, "written again from kept entries");
            }
            // The first note's entry is copied from the previous kb.json (altered here, keeping
            // its length), not serialized again.
            if let Some(first) = kb.notes.first() {
                let json = String::from_utf8(written_json(&root)).expect("utf-8");
                let id = format!("\"id\":\"{}\"", first.id.as_str());
                let altered = json.replacen(&id, &id.to_uppercase(), 1);
                assert_ne!(altered, json);
                std::fs::write(root.join(KB_JSON), &altered).expect("alter");
                fresh([&again, &again_cache]);
                write_derived(kb, graph, &config, &again, &again_cache, 7, previous())
                    .expect("write");
                assert_eq!(written_json(&again), altered.into_bytes());
            }
        }
        assert!(compiled.0.notes.len() > 7);
        let _ = std::fs::remove_dir_all(&base);
    }

    fn written_json(root: &Path) -> Vec<u8> {
        std::fs::read(root.join(KB_JSON)).expect("read kb.json")
    }
}
