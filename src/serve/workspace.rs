//! The preview's build state: the loaded knowledge base, link graph, theme and diagnostics,
//! updated in place by each batch of file changes. Renders only the pages a change touches and
//! hands the server the files to publish; it never serves anything itself. After a load (or a
//! change of every page) it renders nothing at once: the server lists the pages as to come and
//! asks for them, those a browser waits for first (`render_pending`). Note pages (and the
//! redirects to them) are rendered only when asked for: at 10,000 notes they were 58 MB of the
//! 89 MB of pages kept deflated, and most are never opened in a preview.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::plan::{self, Affected};
use super::watch::{Change, Roots};
use crate::config::{Project, ProjectArgs};
use crate::diag::{Diagnostic, Diagnostics};
use crate::driver::Checks;
use crate::error::Result;
use crate::history::History;
use crate::incremental::{Bodies, Fingerprint, Memory, Published, Store};
use crate::kb::{self, KnowledgeBase, Note, NoteId, Update};
use crate::links::{self, LinkGraph};
use crate::render::{self, Page, PageKey, Theme};
use crate::site::NoteEntries;

/// What one rebuild produced, for the server to publish.
#[derive(Debug, Default)]
pub struct Output {
    /// New or changed files (site-relative URL, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// URLs that no longer exist.
    pub removed: Vec<String>,
    /// `files` is the whole site: drop everything else.
    pub replace_all: bool,
    /// Every current problem, sorted (warnings included).
    pub diagnostics: Vec<Diagnostic>,
    /// Problems that are not content diagnostics (a template that does not parse).
    pub failures: Vec<String>,
    /// How many HTML pages were rendered.
    pub rendered: usize,
    /// The pages the change plan named that were not rendered: what they show did not change
    /// (their fingerprint is the one published).
    pub kept: Vec<String>,
    /// Pages the site has that are not rendered yet (with `replace_all`): `render_pending`
    /// renders them.
    pub pending: Vec<String>,
}

impl Output {
    /// Whether the site could not be brought up to date (the last good one stays live).
    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
            || self
                .diagnostics
                .iter()
                .any(|d| d.severity == crate::diag::Severity::Error)
    }
}

/// The files made from the whole knowledge base, brought up to date (see `Workspace::derived`).
#[derive(Debug, Default)]
pub struct Refreshed {
    /// New or changed files (site-relative URL, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// URLs given by the previous refresh that no longer exist.
    pub removed: Vec<String>,
}

/// The state a preview rebuilds from.
pub struct Workspace {
    args: ProjectArgs,
    project: Project,
    theme: Theme,
    /// The note files' git history, read when the project is loaded (a commit made while the
    /// preview runs shows after a restart or an edit of `book.toml`).
    history: History,
    kb: KnowledgeBase,
    graph: LinkGraph,
    /// Load diagnostics per file (display path), replaced file by file.
    load_diags: BTreeMap<String, Diagnostics>,
    /// Link diagnostics, recomputed with the graph.
    link_diags: Diagnostics,
    /// The checks across notes, brought up to date note by note.
    checks: Checks,
    /// Pages to render once the content is free of errors again.
    dirty: Affected,
    /// A theme that failed to load; reported until fixed.
    theme_failure: Option<String>,
    /// Search index and export entries, per note.
    derived: NoteEntries,
    /// `derived` is to be made again for every note (after a load), when the derived files are
    /// next asked for: not on the way to the first page.
    entries_stale: bool,
    /// The notes whose entries in `derived` the changes since the last rebuild altered (an
    /// entry shows a note's own content, the ids it links to and the ids linking to it): the
    /// notes changed, the notes whose backlinks they changed, and those a rename made link
    /// elsewhere with the notes their links left and reached (`LinkGraph::relinked`).
    entries_due: BTreeSet<NoteId>,
    /// Pages the site has that are not rendered since the last load or change of every page,
    /// by URL, that the server renders in the background (every page but the notes' own).
    pending: BTreeMap<String, PageKey>,
    /// Note pages and redirects not rendered since the last load or change of every page, by
    /// URL: rendered when a browser asks for one, never in the background; a change that names
    /// one leaves it to come (`on_demand`).
    on_demand: BTreeMap<String, PageKey>,
    /// The last rebuild failed (content errors, a template): nothing renders in the background
    /// until a change brings it back.
    stalled: bool,
    /// The print page as last published, where each note is in it and the bodies it showed: the
    /// next print page renders only the notes and bodies whose inputs changed.
    print: Memory,
    /// The URLs `derived` gave last time.
    derived_urls: BTreeSet<String>,
    /// The URLs of the parts of each page that can be split, as last rendered.
    parts: BTreeMap<PageKey, BTreeSet<String>>,
    /// What renders work out over the whole knowledge base, kept from one to the next until
    /// a change plans the controls page (`Affected::controls`).
    lookups: render::Lookups,
    /// The fingerprint of each page published: a page the change plan names renders only when
    /// what it shows changed (a service's edit names every part of every layer page).
    published: Published,
}

impl Workspace {
    /// Resolves the project and loads everything. Content errors are reported in the output; only
    /// environment errors (unreadable directories, a broken theme) fail.
    pub fn load(args: ProjectArgs) -> Result<(Workspace, Output)> {
        let project = Project::resolve(&args)?;
        Workspace::load_project(args, project)
    }

    /// Like `load`, for a project the caller has already resolved (`serve` needs its watch
    /// roots before the first load).
    pub fn load_project(args: ProjectArgs, project: Project) -> Result<(Workspace, Output)> {
        let theme = Theme::load(project.config.build.theme.as_deref())?;
        let history = project.history();
        let mut workspace = Workspace {
            args,
            project,
            theme,
            history,
            kb: KnowledgeBase::default(),
            graph: LinkGraph::default(),
            load_diags: BTreeMap::new(),
            link_diags: Diagnostics::new(),
            checks: Checks::default(),
            dirty: Affected::everything(),
            theme_failure: None,
            derived: NoteEntries::default(),
            entries_stale: true,
            entries_due: BTreeSet::new(),
            pending: BTreeMap::new(),
            on_demand: BTreeMap::new(),
            stalled: false,
            print: Memory::default(),
            derived_urls: BTreeSet::new(),
            parts: BTreeMap::new(),
            lookups: render::Lookups::default(),
            published: Published::default(),
        };
        workspace.load_knowledge()?;
        let output = workspace.finish(true)?;
        Ok((workspace, output))
    }

    /// The directories and files to watch.
    pub fn roots(&self) -> Roots {
        roots(&self.project)
    }

    /// How many notes are loaded.
    pub fn notes(&self) -> usize {
        self.kb.notes.len()
    }

    /// How many pages `render_pending` has still to render in the background (note pages wait
    /// to be asked for); none while the last rebuild failed.
    pub fn to_render(&self) -> usize {
        if self.stalled {
            0
        } else {
            self.pending.len()
        }
    }

    /// Whether the last rebuild failed (the server shows its errors until a change fixes them).
    pub fn stalled(&self) -> bool {
        self.stalled
    }

    /// Whether `url` is a page still to be rendered (in the background or when asked for).
    pub fn is_pending(&self, url: &str) -> bool {
        self.pending.contains_key(url) || self.on_demand.contains_key(url)
    }

    /// Records `key` (at `url`) as still to come, in the background or when asked for.
    fn left_to_come(&mut self, url: String, key: PageKey) {
        if on_demand(&key) {
            self.on_demand.insert(url, key);
        } else {
            self.pending.insert(url, key);
        }
    }

    /// Renders up to `limit` pages not rendered since the last load: those of `wanted` (URLs a
    /// browser waits for) first and always, then pages to come in the background (not note
    /// pages: those only when asked for). A page whose note is gone or moved meanwhile is
    /// reported removed (its new address was rendered with the change).
    pub fn render_pending(&mut self, wanted: &[String], limit: usize) -> Output {
        self.render_pending_until(wanted, limit, || false)
    }

    /// `render_pending`, stopping early once `stop` says so (a change or a request is queued):
    /// the pages `wanted` render all the same, and each other page asks `stop` before it starts
    /// (`render::render_pages_until`); those not rendered stay to come. A batch of 4 pages held
    /// an edit about 9 ms at 10,000 notes (bench/README.md, "Preview memory and edits, round
    /// three"); now an edit waits for the pages being rendered, one per core.
    pub fn render_pending_until(
        &mut self,
        wanted: &[String],
        limit: usize,
        stop: impl Fn() -> bool + Sync,
    ) -> Output {
        let mut output = Output::default();
        if self.stalled {
            return output;
        }
        let mut taken: Vec<(String, PageKey)> = wanted
            .iter()
            .filter_map(|url| {
                (self.pending.remove_entry(url.as_str()))
                    .or_else(|| self.on_demand.remove_entry(url.as_str()))
            })
            .collect();
        let asked: BTreeSet<PageKey> = taken.iter().map(|(_, key)| key.clone()).collect();
        while taken.len() < limit {
            match self.pending.pop_first() {
                Some(entry) => taken.push(entry),
                None => break,
            }
        }
        if taken.is_empty() {
            return output;
        }
        let keys: Vec<PageKey> = taken.iter().map(|(_, key)| key.clone()).collect();
        let skip = |key: &PageKey| !asked.contains(key) && stop();
        match self.render(&keys, skip) {
            Ok(rendered) => {
                let skipped: BTreeSet<PageKey> = rendered.skipped.into_iter().collect();
                let made: BTreeSet<&str> = (rendered.pages.iter().map(|(p, _)| p.url.as_str()))
                    .chain(rendered.kept.iter().map(String::as_str))
                    .collect();
                for (url, key) in taken {
                    if skipped.contains(&key) {
                        self.left_to_come(url, key);
                    } else if !made.contains(url.as_str()) {
                        output.removed.push(url);
                    }
                }
                for url in &output.removed {
                    self.published.forget(url);
                }
                output.kept = rendered.kept;
                output.rendered = rendered.pages.len();
                output.files = self.publish(rendered.pages);
            }
            Err(e) => {
                self.stalled = true;
                for (url, key) in taken {
                    self.left_to_come(url, key);
                }
                output.failures.push(e.to_string());
            }
        }
        output
    }

    /// The files of `pages`, their fingerprints recorded as published.
    fn publish(&mut self, pages: Vec<(Page, Option<Fingerprint>)>) -> Vec<(String, Vec<u8>)> {
        pages
            .into_iter()
            .map(|(page, print)| {
                match print {
                    Some(print) => self.published.record(&page.url, print),
                    None => self.published.forget(&page.url),
                }
                (page.url, page.html.into_bytes())
            })
            .collect()
    }

    fn load_knowledge(&mut self) -> Result<()> {
        let files = self.project.knowledge_files()?;
        let mut diags = Diagnostics::new();
        self.kb = kb::load_notes(files, &mut diags);
        self.load_diags = group(diags);
        self.link_diags = Diagnostics::new();
        self.graph = links::build(&self.kb, &mut self.link_diags);
        self.checks = Checks::new(&self.kb);
        // Checked and linked: nothing reads the front matter's text again (an edited note is
        // read again whole).
        self.kb.drop_fronts();
        self.dirty = Affected::everything();
        Ok(())
    }

    /// Applies one debounced batch of changes.
    pub fn apply(&mut self, changes: &[Change]) -> Result<Output> {
        if changes.iter().any(|c| matches!(c, Change::Config)) {
            let (workspace, output) = Workspace::load(self.args.clone())?;
            *self = workspace;
            return Ok(output);
        }
        let mut removed_urls = Vec::new();
        if changes
            .iter()
            .any(|c| matches!(c, Change::Template(_) | Change::Asset(_)))
        {
            match Theme::load(self.project.config.build.theme.as_deref()) {
                Ok(theme) => {
                    self.theme = theme;
                    self.theme_failure = None;
                    if changes.iter().any(|c| matches!(c, Change::Template(_))) {
                        self.dirty = Affected::everything();
                    }
                }
                Err(e) => self.theme_failure = Some(e.to_string()),
            }
        }
        let rels: BTreeSet<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Note(rel) => Some(rel.as_str()),
                _ => None,
            })
            .collect();
        if !rels.is_empty() {
            let applied = self.apply_notes(&rels);
            if self.dirty.controls() {
                self.lookups = render::Lookups::default();
            }
            removed_urls = applied?;
        }
        let mut output = self.finish(false)?;
        if !output.failed() {
            // A page that went and came back under the same address (a note renamed, its old
            // id now a `redirect_from`) stays.
            let written: BTreeSet<&str> = (output.files.iter().map(|(url, _)| url.as_str()))
                .chain(output.kept.iter().map(String::as_str))
                .collect();
            // So does one still to come (`render_pending` reports it removed if it is gone).
            removed_urls.retain(|url| !written.contains(url.as_str()) && !self.is_pending(url));
            for url in &removed_urls {
                self.published.forget(url);
            }
            output.removed.extend(removed_urls);
        }
        let theme_changed = changes
            .iter()
            .any(|c| matches!(c, Change::Asset(_) | Change::Template(_)));
        if theme_changed && !output.replace_all && self.theme_failure.is_none() {
            output.files.extend(self.theme.assets.iter().cloned());
        }
        Ok(output)
    }

    /// Updates the knowledge base and link graph for changed note files; returns the URLs of
    /// notes that disappeared.
    fn apply_notes(&mut self, rels: &BTreeSet<&str>) -> Result<Vec<String>> {
        if rels.iter().any(|rel| !rel.ends_with(".md")) {
            // The vocabulary or a catalog's list of controls: every note is checked against
            // them, so everything is loaded again (an edit, or the file removed).
            self.load_knowledge()?;
            return Ok(Vec::new());
        }
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        let mut befores: Vec<(NoteId, plan::Before)> = Vec::new();
        let mut old_urls: Vec<(NoteId, String)> = Vec::new();
        for rel in rels {
            let old: Option<&Arc<Note>> = self.kb.notes.iter().find(|n| n.rel_path == *rel);
            if let Some(old) = old {
                befores.push((old.id.clone(), plan::before(&self.kb, &self.graph, &old.id)));
                old_urls.push((old.id.clone(), render::note_url(old)));
                old_urls.extend(
                    old.redirects
                        .iter()
                        .map(|(url, _)| (old.id.clone(), url.clone())),
                );
            }
            match self.project.knowledge_file(rel)? {
                Some(file) => {
                    let stem = rel
                        .rsplit('/')
                        .next()
                        .unwrap_or(rel)
                        .trim_end_matches(".md");
                    let id = NoteId(stem.to_owned());
                    if !befores.iter().any(|(b, _)| *b == id) {
                        befores.push((id.clone(), plan::before(&self.kb, &self.graph, &id)));
                    }
                    changed.push(file);
                }
                None => {
                    if let Some(old) = old {
                        removed.push(old.path.clone());
                    }
                    self.load_diags.retain(|path, _| !path.ends_with(rel));
                }
            }
        }
        // The changed notes as they were, for the checks across notes to take them out.
        let olds: Vec<Arc<Note>> = befores
            .iter()
            .filter_map(|(id, _)| Some(Arc::clone(&self.kb.notes[self.kb.index_of(id)?])))
            .collect();
        let kb = std::mem::take(&mut self.kb);
        match kb.update(changed, &removed) {
            Update::Applied(kb, reports) => {
                self.kb = *kb;
                for (path, diags) in reports {
                    if diags.is_empty() {
                        self.load_diags.remove(&path);
                    } else {
                        self.load_diags.insert(path, diags);
                    }
                }
                let ids: Vec<NoteId> = befores.iter().map(|(id, _)| id.clone()).collect();
                let previous = std::mem::take(&mut self.graph);
                self.link_diags = Diagnostics::new();
                self.graph = links::update(&self.kb, previous, &ids, &mut self.link_diags);
                self.checks.update(&self.kb, &olds, &ids);
                let due = &mut self.entries_due;
                due.extend(self.graph.relinked.iter().cloned());
                for (id, before) in &befores {
                    due.insert(id.clone());
                    let now = plan::targets(&self.graph, id);
                    due.extend(now.iter().filter(|t| !before.targets.contains(t)).cloned());
                    due.extend(before.targets.iter().filter(|t| !now.contains(t)).cloned());
                }
                self.dirty.merge(plan::relinked(&self.kb, &self.graph));
                let org = &self.project.config.org;
                for (id, before) in &befores {
                    self.dirty
                        .merge(plan::affected(&self.kb, &self.graph, org, id, before));
                }
                self.kb.drop_fronts_of(&ids);
            }
            Update::NeedsFullLoad => self.load_knowledge()?,
        }
        Ok(old_urls
            .into_iter()
            .filter(|(id, url)| {
                self.kb.get(id).is_none_or(|note| {
                    render::note_url(note) != *url && !note.redirects.iter().any(|(r, _)| r == url)
                })
            })
            .map(|(_, url)| url)
            .collect())
    }

    /// Renders `keys` against the preview's state, fingerprinting each page against what it
    /// published and sharing the lookups it keeps (`render::Lookups`); a key not started yet when
    /// `skip` says so comes back skipped.
    fn render(
        &self,
        keys: &[PageKey],
        skip: impl Fn(&PageKey) -> bool + Sync,
    ) -> Result<render::Rendered> {
        render::render_pages_until(
            &self.kb,
            &self.graph,
            &self.project.config,
            &self.history,
            &self.theme,
            keys,
            Some(&self.published as &dyn Store),
            Some(&self.lookups),
            skip,
        )
    }

    /// Checks links and cross-note rules, then renders the dirty pages if nothing is wrong.
    fn finish(&mut self, initial: bool) -> Result<Output> {
        self.stalled = true;
        let mut diags = Diagnostics::new();
        for file_diags in self.load_diags.values() {
            diags.extend(file_diags.clone());
        }
        diags.extend(self.link_diags.clone());
        // The rules across notes walked every note: at 10,000 notes they were most of a
        // one-note rebuild, so they are kept and re-checked where the changed notes reach.
        diags.extend(self.checks.diagnostics(&self.kb, &self.project.config.org));
        let mut output = Output {
            diagnostics: diags.sorted(),
            failures: self.theme_failure.iter().cloned().collect(),
            ..Output::default()
        };
        if output.failed() {
            return Ok(output);
        }
        let org = &self.project.config.org;
        let mut keys: Vec<PageKey> = if self.dirty.all {
            // Every page is to come, rendered as it is asked for and, but for note pages, in the
            // background: at 10,000 notes rendering them all at once was seconds of rendering and
            // 580 MB of HTML before a first page.
            let pages: Vec<(String, PageKey)> = render::pages(&self.kb, org)
                .into_iter()
                .filter_map(|key| Some((key.url(&self.kb)?, key)))
                .collect();
            (self.on_demand, self.pending) = pages.into_iter().partition(|(_, key)| on_demand(key));
            Vec::new()
        } else {
            let keys: Vec<PageKey> = self.dirty.pages.iter().cloned().collect();
            for key in &keys {
                if let Some(url) = key.url(&self.kb) {
                    self.pending.remove(&url);
                }
            }
            keys
        };
        // A split page's parts come and go with its entries: a touched page (a gathering page,
        // a layer's or pillar's) renders with every part, and the parts it no longer has are
        // dropped.
        let mut gone_parts = Vec::new();
        let mut deferred = Vec::new();
        if self.dirty.all {
            // The plan just made lists every part: which page owns which is read off it.
            self.parts.clear();
            for (url, key) in &self.pending {
                if let Some(owner) = render::owner(key) {
                    self.parts.entry(owner).or_default().insert(url.clone());
                }
            }
        } else {
            // Each page planned, and each split page a planned part belongs to: whole (the
            // page itself planned) or alone (only some of its parts, or `Affected::alone`).
            let mut owners: BTreeMap<PageKey, bool> = BTreeMap::new();
            for key in &keys {
                match render::owner(key) {
                    Some(owner) => {
                        owners.entry(owner).or_insert(false);
                    }
                    None => {
                        owners.insert(key.clone(), true);
                    }
                }
            }
            for key in &self.dirty.alone {
                owners.entry(key.clone()).or_insert(false);
            }
            for (owner, whole) in owners {
                if !whole {
                    // Planned alone: the change moves nothing on it (`plan::same_places`), so
                    // its parts stay as they are.
                    keys.push(owner);
                    continue;
                }
                let Some(now) = render::parts_of(&self.kb, org, &owner) else {
                    if let Some(before) = self.parts.remove(&owner) {
                        gone_parts.extend(before);
                    }
                    continue;
                };
                let urls: BTreeSet<String> = now.iter().filter_map(|k| k.url(&self.kb)).collect();
                let before = self
                    .parts
                    .insert(owner.clone(), urls.clone())
                    .unwrap_or_default();
                gone_parts.extend(before.difference(&urls).cloned());
                keys.push(owner);
                keys.extend(now);
            }
            keys.sort();
            keys.dedup();
            // A note page not asked for since the last load stays to come: rendered when it is.
            keys.retain(|key| {
                !on_demand(key)
                    || key
                        .url(&self.kb)
                        .is_none_or(|u| !self.on_demand.contains_key(&u))
            });
            // What renders now, and the parts that are gone, are no longer to come.
            for url in keys
                .iter()
                .filter_map(|k| k.url(&self.kb))
                .chain(gone_parts.iter().cloned())
            {
                self.pending.remove(&url);
            }
            // The pages that gather notes (a layer's parts, the matrix, the section indexes,
            // the home page) are to come, as after a load: rendered when a browser asks for one,
            // else in the background once the saves pause, and kept as they were when their
            // fingerprint has not changed (the server holds their bytes meanwhile,
            // `http::Shared::restore`). The edited note's page, which its author is looking at,
            // is served without waiting for them.
            let (now, later): (Vec<PageKey>, Vec<PageKey>) = keys.into_iter().partition(on_demand);
            keys = now;
            for key in later {
                if let Some(url) = key.url(&self.kb) {
                    deferred.push(url.clone());
                    self.pending.insert(url, key);
                }
            }
        }
        if self.dirty.all {
            self.published.clear();
        }
        let rendered = match self.render(&keys, |_| false) {
            Ok(rendered) => rendered,
            Err(e) => {
                output.failures.push(e.to_string());
                return Ok(output);
            }
        };
        output.rendered = rendered.pages.len();
        output.kept = rendered.kept;
        output.replace_all = self.dirty.all || initial;
        if output.replace_all {
            // Made again when the derived files are next asked for (`derived_files`).
            self.derived = NoteEntries::default();
            self.entries_stale = true;
            output.pending = (self.pending.keys())
                .chain(self.on_demand.keys())
                .cloned()
                .collect();
        } else {
            output.pending = deferred;
        }
        if !output.replace_all && !self.entries_stale {
            // Not every note page the plan renders: a row edit at 10,000 notes made again the
            // entries of each note linking to the service (their pages show its title), a third
            // of the rebuild.
            let due = std::mem::take(&mut self.entries_due);
            self.derived.refresh(&self.kb, &self.graph, &due);
        }
        let files = self.publish(rendered.pages);
        output.files.extend(files);
        for url in &gone_parts {
            self.published.forget(url);
        }
        output.removed.extend(gone_parts);
        if output.replace_all {
            output.files.extend(self.theme.assets.iter().cloned());
        }
        // Every page's sidebar reads nav.js: served with the pages after a load or a change to
        // what it lists (`Affected::nav`: a note added, removed, retitled or moved to another
        // section), not with the derived files, which at 10,000 notes came 3 s after the first
        // page. Made after any front-matter edit, it was a fifth of a row edit's rebuild there.
        if output.replace_all || self.dirty.nav {
            let nav = render::nav_script(&self.kb).into_bytes();
            output.files.push((render::NAV_SCRIPT.to_owned(), nav));
        }
        self.dirty = Affected::default();
        self.entries_due.clear();
        self.stalled = false;
        Ok(output)
    }
}

impl Workspace {
    /// The search index, `kb.json` and `sitemap.xml` for the current state, joined from the
    /// per-note entries `finish` keeps fresh, and the print page; with the URLs of the files the
    /// previous call gave that are gone now (a search shard whose terms all went, the print page
    /// past `PRINT_LIMIT` notes). Kept out of the edit-to-page path: `serve` publishes them once
    /// no further change is waiting.
    pub fn derived(&mut self) -> Refreshed {
        let refreshed = self.derived_files();
        let urls: BTreeSet<String> = refreshed.iter().map(|(url, _)| url.clone()).collect();
        let removed = self.derived_urls.difference(&urls).cloned().collect();
        self.derived_urls = urls;
        Refreshed {
            files: refreshed,
            removed,
        }
    }

    fn derived_files(&mut self) -> Vec<(String, Vec<u8>)> {
        if self.entries_stale {
            self.derived = NoteEntries::new(&self.kb, &self.graph);
            self.entries_stale = false;
        }
        let config = &self.project.config;
        let mut files = self.derived.files(&self.kb, config);
        // The print page holds every note's body: refreshed here, off the edit path, too, from
        // the elements and bodies it showed last time (one edit renders one body, not all).
        let printed = {
            let (kb, graph, theme, print) = (&self.kb, &self.graph, &self.theme, &self.print);
            let bodies = Bodies::new(|| print.kept_bodies());
            render::print_page(kb, graph, config, theme, &bodies, print).map(|page| {
                // Only the current notes' bodies stay (an edited note's old body goes).
                page.map(|page| (page, bodies.retained(&render::body_keys(kb, graph, config))))
            })
        };
        match printed {
            Ok(Some((page, kept))) => {
                let html = page.html.into_bytes();
                self.print.keep(html.clone(), kept.into_iter().collect());
                files.push((page.url, html));
            }
            Ok(None) => self.print.clear(),
            Err(e) => {
                self.print.clear();
                eprintln!("print page not refreshed: {e}");
            }
        }
        files
    }
}

/// Whether `key` is rendered only when a browser asks for it (a note's page, a redirect to one),
/// not in the background.
fn on_demand(key: &PageKey) -> bool {
    matches!(key, PageKey::Note(_) | PageKey::Redirect { .. })
}

/// The directories and files a project's preview watches.
pub fn roots(project: &Project) -> Roots {
    let build = &project.config.build;
    let mut knowledge: Vec<_> = build.knowledge.iter().cloned().collect();
    knowledge.extend(build.overlay.iter().cloned());
    Roots {
        knowledge,
        theme: build.theme.clone(),
        config: project.config_path.clone(),
    }
}

/// Splits diagnostics by the file they belong to.
fn group(diags: Diagnostics) -> BTreeMap<String, Diagnostics> {
    let mut by_path: BTreeMap<String, Diagnostics> = BTreeMap::new();
    for diag in diags.iter() {
        by_path
            .entry(diag.path.clone())
            .or_default()
            .add(diag.clone());
    }
    by_path
}
