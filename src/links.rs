//! Link extraction and resolution: every wiki-link, Markdown link to a note and heading of every
//! note, resolved before any page renders, plus sorted backlinks. Reads the knowledge base;
//! renders nothing.
//!
//! Links are written as Obsidian writes them: a wiki-link names a note by id, title or alias, in
//! any case (`[[s3]]`, `[[Amazon S3]]`, `[[simple storage service]]`), or by its path
//! (`[[services/s3]]`); a Markdown link names a note file by its path relative to the linking
//! note, to the knowledge root, or (without a folder) by file name (`[x](../services/s3.md#c)`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
use rayon::prelude::*;

use crate::diag::{did_you_mean, suggest, Diagnostics, LineIndex, Location};
use crate::kb::{name_key, KnowledgeBase, Note, NoteId};
use crate::markdown::{self, Slugger};

/// A heading of a note, with the id the renderer gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Unique anchor id on the page.
    pub id: String,
    /// Plain text.
    pub text: String,
}

/// A link to a note as written in a note body: a wiki-link, or a Markdown link to a `.md` file or
/// to `#anchor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The note it points at (the linking note itself for `[[#anchor]]`); when no note answers to
    /// the name, the name as an id (a wiki-link) or the file's stem (a Markdown link), so a note
    /// added under that id fixes it.
    pub target: NoteId,
    /// The `#heading` part, if any.
    pub anchor: Option<String>,
    /// Written `[[#heading]]` or `(#heading)`, without a note.
    pub local: bool,
    /// The note as written, without the anchor: `Amazon S3`, `../services/s3.md` (empty for a
    /// local link).
    pub written: String,
    /// A Markdown link (`[text](path.md)`) rather than a wiki-link.
    pub markdown: bool,
    /// Where the link starts.
    pub location: Location,
}

impl Link {
    /// The link as its author wrote it, for messages: `[[Amazon S3#keys]]`, `../s3.md#keys`.
    pub fn shown(&self) -> String {
        let anchor = self
            .anchor
            .as_deref()
            .map(|a| format!("#{a}"))
            .unwrap_or_default();
        if self.markdown {
            format!("{}{anchor}", self.written)
        } else {
            format!("[[{}{anchor}]]", self.written)
        }
    }
}

/// How well a name fits a note, best first: a link that fits two notes equally well is
/// ambiguous, one that fits one note better than the others goes there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Id,
    Title,
    Alias,
    /// Not a name: the note's file, kept in `given` so a note moved to another folder counts as
    /// renamed.
    Path,
}

/// What a written name leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// One note.
    Note(NoteId),
    /// Several notes, equally well (sorted).
    Ambiguous(Vec<NoteId>),
    /// No note.
    Missing,
}

/// Every name a link may use for a note: ids, titles and aliases by `name_key` (case, spaces,
/// dashes and a vendor prefix ignored), and file paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Name key → the best rank any note has for it, and the notes with that rank.
    keys: HashMap<String, (Rank, Vec<NoteId>)>,
    /// Lowercased path relative to the knowledge root (`services/s3.md`) → note.
    paths: HashMap<String, NoteId>,
    /// Per note, the names it gives (to tell whether an edit changed any).
    given: HashMap<NoteId, Vec<(Rank, String)>>,
}

/// The names a note gives, each once at its best rank, then its path (lowercased).
fn given_by(note: &Note) -> Vec<(Rank, String)> {
    let mut mine: Vec<(Rank, String)> = Vec::with_capacity(3 + note.aliases.len());
    let all = [
        (Rank::Id, name_key(note.id.as_str())),
        (Rank::Title, name_key(&note.title)),
    ]
    .into_iter()
    .chain(note.aliases.iter().map(|a| (Rank::Alias, name_key(a))));
    for (rank, key) in all {
        if !key.is_empty() && !mine.iter().any(|(_, k)| *k == key) {
            mine.push((rank, key));
        }
    }
    mine.push((Rank::Path, note.rel_path.to_lowercase()));
    mine
}

impl Names {
    /// The names of every note of `kb`.
    pub fn new(kb: &KnowledgeBase) -> Names {
        let mut names = Names::default();
        for note in kb.iter() {
            let mine = given_by(note);
            for (rank, key) in &mine {
                if *rank == Rank::Path {
                    names.paths.insert(key.clone(), note.id.clone());
                    continue;
                }
                let entry = names.keys.entry(key.clone()).or_insert((*rank, Vec::new()));
                if *rank < entry.0 {
                    *entry = (*rank, vec![note.id.clone()]);
                } else if *rank == entry.0 {
                    entry.1.push(note.id.clone());
                }
            }
            names.given.insert(note.id.clone(), mine);
        }
        for (_, ids) in names.keys.values_mut() {
            ids.sort();
        }
        names
    }

    /// Only what the notes `ids` give, to compare with the names of the whole knowledge base
    /// before an edit (`same_for`).
    fn new_for(kb: &KnowledgeBase, ids: &[NoteId]) -> Names {
        let given = ids
            .iter()
            .filter_map(|id| kb.get(id))
            .map(|note| (note.id.clone(), given_by(note)))
            .collect();
        Names {
            given,
            ..Names::default()
        }
    }

    /// The note a wiki-link's target (without its anchor) names: an exact id first, then a path
    /// (`services/s3`, `services/s3.md`), then an id, title or alias compared by `name_key`.
    pub fn wiki(&self, kb: &KnowledgeBase, written: &str) -> Named {
        let written = written.trim();
        if let Some(note) = kb.get_str(written) {
            return Named::Note(note.id.clone());
        }
        let lower = written.to_lowercase();
        if lower.contains('/') || lower.ends_with(".md") {
            let path = lower.trim_start_matches('/');
            let path = if path.ends_with(".md") {
                path.to_owned()
            } else {
                format!("{path}.md")
            };
            if let Some(id) = self.paths.get(&path) {
                return Named::Note(id.clone());
            }
        }
        let stem = lower.strip_suffix(".md").unwrap_or(&lower);
        match self.keys.get(&name_key(stem)) {
            Some((_, ids)) if ids.len() == 1 => Named::Note(ids[0].clone()),
            Some((_, ids)) => Named::Ambiguous(ids.clone()),
            None => Named::Missing,
        }
    }

    /// The note a Markdown link's path (percent-decoded, without its anchor) names, written in a
    /// note at `from` (its path relative to the knowledge root): relative to that note's folder,
    /// else to the knowledge root, else (a bare file name) the note with that id.
    pub fn markdown(&self, kb: &KnowledgeBase, from: &str, path: &str) -> Option<NoteId> {
        let relative = if path.starts_with('/') {
            None
        } else {
            relative_to(from, path)
        };
        let rooted = normalize(path);
        for candidate in [relative, rooted].into_iter().flatten() {
            if let Some(id) = self.paths.get(&candidate.to_lowercase()) {
                return Some(id.clone());
            }
        }
        if path.contains('/') {
            return None;
        }
        let stem = &path[..path.len() - 3];
        kb.get_str(stem).map(|n| n.id.clone())
    }

    /// Whether `note` gives the same names here as in `other`.
    fn same_for(&self, other: &Names, note: &NoteId) -> bool {
        self.given.get(note) == other.given.get(note)
    }

    /// Every path, for "did you mean" hints.
    fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.keys().map(String::as_str)
    }
}

/// `path` read from the folder of the note at `from` (both relative to the knowledge root),
/// normalized; `None` when it climbs above the root.
fn relative_to(from: &str, path: &str) -> Option<String> {
    let folder = from.rsplit_once('/').map_or("", |(folder, _)| folder);
    normalize(&format!("{folder}/{path}"))
}

/// `a/./b/../c.md` → `a/c.md`; `None` when it climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// `%20` and the other `%XX` escapes of a URL path decoded; `None` when the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The note file a Markdown link points at, percent-decoded, and its anchor: `None` for a link
/// that is not to a note (a URL with a scheme, a site path, a file that is not `.md`). `#x` gives
/// an empty path.
pub fn note_path(dest: &str) -> Option<(String, Option<String>)> {
    let (path, anchor) = match dest.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (dest, None),
    };
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let scheme = path
        .split_once(':')
        .is_some_and(|(s, _)| !s.contains('/') && !s.is_empty());
    if scheme || path.starts_with("//") {
        return None;
    }
    let anchor = anchor.map(|a| percent_decode(a).unwrap_or_else(|| a.to_owned()));
    if path.is_empty() {
        return anchor.map(|a| (String::new(), Some(a)));
    }
    let decoded = percent_decode(path)?;
    decoded
        .to_lowercase()
        .ends_with(".md")
        .then_some((decoded, anchor))
}

/// What one note's body contains, found in one parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// Headings in document order.
    pub headings: Vec<Heading>,
    /// Wiki-links in document order.
    pub links: Vec<Link>,
    /// Markdown links and images whose URL would run script (`javascript:`, `vbscript:`,
    /// `data:`), refused wherever they are written.
    pub unsafe_links: Vec<(Location, String)>,
}

/// All links resolved, and who links to whom. Kept up to date note by note in the preview: an
/// edit re-checks only the edited notes and the notes that reference them.
#[derive(Debug, Clone, Default)]
pub struct LinkGraph {
    /// Per note: its headings and links.
    pub outlines: HashMap<NoteId, Outline>,
    /// The names links resolve by.
    pub names: Names,
    /// Notes whose links lead elsewhere since the previous `update` only because another note's
    /// name changed (a title or alias given or taken, a note added or removed), with the notes
    /// their links left and reached: their pages show other links and backlinks now.
    pub relinked: BTreeSet<NoteId>,
    /// Per referenced id, whether a note has it or not: the other notes whose body links or front
    /// matter name it. A note added later finds here the links it fixes.
    referrers: HashMap<NoteId, BTreeSet<NoteId>>,
    /// Per note: the ids it references, to take back out of `referrers` when it changes.
    references: HashMap<NoteId, BTreeSet<NoteId>>,
    /// Per note with a broken or suspicious link: the diagnostics about its links.
    problems: HashMap<NoteId, Diagnostics>,
}

static NOBODY: BTreeSet<NoteId> = BTreeSet::new();

/// The anchors the default theme gives a note's page besides its headings: the responsibility
/// table (`responsibility-title`) and its rows (`layer-guest-os`), the checklist
/// (`checklist-title`) and its items (`item-s3-block-public-access`).
pub fn page_anchors(note: &Note) -> Vec<String> {
    let mut anchors = Vec::new();
    let rows = note.responsibility();
    if !rows.is_empty() {
        anchors.push("responsibility-title".to_owned());
        anchors.extend(rows.iter().map(|r| format!("layer-{}", r.layer)));
    }
    let items = note.checklist();
    if !items.is_empty() {
        anchors.push("checklist-title".to_owned());
        anchors.extend(items.iter().map(|i| format!("item-{}", i.id)));
    }
    anchors
}

impl LinkGraph {
    /// Headings of a note (empty when unknown).
    pub fn headings(&self, id: &NoteId) -> &[Heading] {
        self.outlines.get(id).map_or(&[], |o| &o.headings)
    }

    /// Notes that reference `id` (body links and front-matter references), sorted by id. For an
    /// id no note has, the notes whose links to it are broken.
    pub fn backlinks(&self, id: &NoteId) -> &BTreeSet<NoteId> {
        self.referrers.get(id).unwrap_or(&NOBODY)
    }

    /// Whether `target` (with `anchor`) exists.
    pub fn resolves(&self, kb: &KnowledgeBase, target: &NoteId, anchor: Option<&str>) -> bool {
        kb.get(target)
            .is_some_and(|note| anchor.is_none_or(|a| self.has_anchor(note, a)))
    }

    /// Whether `note`'s page has the anchor: one of its headings or `page_anchors`.
    pub fn has_anchor(&self, note: &Note, anchor: &str) -> bool {
        self.headings(&note.id).iter().any(|h| h.id == anchor)
            || page_anchors(note).iter().any(|a| a == anchor)
    }

    /// The note a wiki-link written in `from` as `dest` (`Amazon S3#keys`, `#keys`) leads to, and
    /// its anchor; `None` when it resolves to nothing.
    pub fn wiki_target<'d>(
        &self,
        kb: &KnowledgeBase,
        from: &NoteId,
        dest: &'d str,
    ) -> (Option<NoteId>, Option<&'d str>) {
        let (written, anchor) = split_target(dest);
        let id = if written.is_empty() {
            Some(from.clone())
        } else {
            match self.names.wiki(kb, written) {
                Named::Note(id) => Some(id),
                Named::Ambiguous(_) | Named::Missing => None,
            }
        };
        (id, anchor)
    }

    /// Every link diagnostic, in no particular order.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut all = Diagnostics::new();
        for diags in self.problems.values() {
            all.extend(diags.clone());
        }
        all
    }

    fn link(&mut self, note: &Note, outline: Outline) {
        let mut refs: BTreeSet<NoteId> = outline
            .links
            .iter()
            .map(|l| &l.target)
            .filter(|t| **t != note.id)
            .cloned()
            .collect();
        refs.extend(note.front_matter_refs().into_iter().cloned());
        for target in &refs {
            self.referrers
                .entry(target.clone())
                .or_default()
                .insert(note.id.clone());
        }
        self.references.insert(note.id.clone(), refs);
        self.outlines.insert(note.id.clone(), outline);
    }

    fn unlink(&mut self, id: &NoteId) {
        self.outlines.remove(id);
        self.problems.remove(id);
        for target in self.references.remove(id).unwrap_or_default() {
            if let Some(sources) = self.referrers.get_mut(&target) {
                sources.remove(id);
                if sources.is_empty() {
                    self.referrers.remove(&target);
                }
            }
        }
    }

    /// Re-checks the links of `ids` (skipping ids that are no longer notes).
    fn recheck<'a>(&mut self, kb: &KnowledgeBase, ids: impl IntoIterator<Item = &'a NoteId>) {
        let ids: Vec<&NoteId> = ids.into_iter().collect();
        let found: Vec<(NoteId, Diagnostics)> = ids
            .par_iter()
            .filter_map(|id| {
                let note = kb.get(id)?;
                Some((note.id.clone(), self.check_note(kb, note)))
            })
            .collect();
        for id in ids {
            self.problems.remove(id);
        }
        for (id, diags) in found {
            if !diags.is_empty() {
                self.problems.insert(id, diags);
            }
        }
    }

    fn check_note(&self, kb: &KnowledgeBase, note: &Note) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(outline) = self.outlines.get(&note.id) {
            for link in &outline.links {
                check(kb, self, note, link, &mut diags);
            }
            for (at, url) in &outline.unsafe_links {
                diags.error(
                    at,
                    format!("refusing link to `{url}`: links may not run script; use http(s), mailto or a relative link"),
                );
            }
        }
        diags
    }
}

/// Points each link of `outline` (written in `note`) at the note its name leads to.
fn resolve(outline: &mut Outline, note: &Note, kb: &KnowledgeBase, names: &Names) {
    for link in &mut outline.links {
        link.target = target_of(link, note, kb, names);
    }
}

fn target_of(link: &Link, note: &Note, kb: &KnowledgeBase, names: &Names) -> NoteId {
    if link.local {
        return note.id.clone();
    }
    if link.markdown {
        return names
            .markdown(kb, &note.rel_path, &link.written)
            .unwrap_or_else(|| {
                let name = link.written.rsplit('/').next().unwrap_or(&link.written);
                NoteId(name[..name.len().saturating_sub(3)].to_owned())
            });
    }
    match names.wiki(kb, &link.written) {
        Named::Note(id) => id,
        Named::Ambiguous(_) | Named::Missing => NoteId(link.written.trim().to_owned()),
    }
}

/// Extracts every note's outline in parallel, resolves links, and computes backlinks.
pub fn build(kb: &KnowledgeBase, diags: &mut Diagnostics) -> LinkGraph {
    let names = Names::new(kb);
    let outlines: Vec<Outline> = kb
        .notes
        .par_iter()
        .map(|note| {
            let mut found = outline(note);
            resolve(&mut found, note, kb, &names);
            found
        })
        .collect();
    let mut graph = LinkGraph {
        names,
        ..LinkGraph::default()
    };
    for (note, outline) in kb.notes.iter().zip(outlines) {
        graph.link(note, outline);
    }
    let ids: Vec<NoteId> = kb.notes.iter().map(|n| n.id.clone()).collect();
    graph.recheck(kb, &ids);
    diags.extend(graph.diagnostics());
    graph
}

/// Like `build`, for a knowledge base in which only the notes `changed` were added, edited or
/// removed since `previous` was built: parses only their bodies, and re-checks only their links
/// and the links of notes that reference them (a heading renamed, a note added or deleted). When
/// the set of note ids changed, notes with broken links are re-checked too, so their "did you
/// mean" hints match a full build. When a name changed (an id, title or alias), every link is
/// resolved again and the notes whose links now lead elsewhere are `relinked`.
pub fn update(
    kb: &KnowledgeBase,
    previous: LinkGraph,
    changed: &[NoteId],
    diags: &mut Diagnostics,
) -> LinkGraph {
    let mut graph = previous;
    graph.relinked.clear();
    let ids_changed = changed
        .iter()
        .any(|id| graph.outlines.contains_key(id) != kb.get(id).is_some());
    let names_changed = ids_changed || {
        let names = Names::new_for(kb, changed);
        changed.iter().any(|id| !names.same_for(&graph.names, id))
    };
    if names_changed {
        graph.names = Names::new(kb);
    }
    let mut recheck: BTreeSet<NoteId> = BTreeSet::new();
    for id in changed {
        graph.unlink(id);
        if let Some(note) = kb.get(id) {
            let mut found = outline(note);
            resolve(&mut found, note, kb, &graph.names);
            graph.link(note, found);
            recheck.insert(id.clone());
        }
    }
    if names_changed {
        let moved: Vec<(NoteId, Outline)> = graph
            .outlines
            .par_iter()
            .filter(|(id, _)| !changed.contains(id))
            .filter_map(|(id, outline)| {
                let note = kb.get(id)?;
                let mut again = outline.clone();
                resolve(&mut again, note, kb, &graph.names);
                (again != *outline).then(|| (id.clone(), again))
            })
            .collect();
        for (id, outline) in moved {
            let Some(note) = kb.get(&id) else {
                continue;
            };
            let before = graph.outlines.get(&id).map(|o| o.links.clone());
            graph
                .relinked
                .extend(before.into_iter().flatten().map(|l| l.target));
            graph
                .relinked
                .extend(outline.links.iter().map(|l| l.target.clone()));
            graph.relinked.insert(id.clone());
            graph.unlink(&id);
            graph.link(note, outline);
            recheck.insert(id);
        }
    }
    for id in changed {
        recheck.extend(graph.backlinks(id).iter().cloned());
    }
    if ids_changed {
        recheck.extend(graph.problems.keys().cloned());
    }
    graph.recheck(kb, &recheck);
    diags.extend(graph.diagnostics());
    graph
}

fn check(kb: &KnowledgeBase, graph: &LinkGraph, note: &Note, link: &Link, diags: &mut Diagnostics) {
    if kb.get(&link.target).is_none() {
        if kb.broken.contains_key(link.target.as_str()) {
            // The note exists but could not be read: its own errors say why.
            return;
        }
        let message = if link.markdown {
            let wanted =
                relative_to(&note.rel_path, &link.written).unwrap_or_else(|| link.written.clone());
            let hint = did_you_mean(&wanted, graph.names.paths());
            format!(
                "unresolved link `{}`: no note file `{wanted}` in the knowledge base{hint}",
                link.shown()
            )
        } else if let Named::Ambiguous(ids) = graph.names.wiki(kb, &link.written) {
            let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
            format!(
                "ambiguous link `{}`: notes {} all answer to that name; link by id",
                link.shown(),
                ids.join(", ")
            )
        } else {
            let written = link.written.trim();
            let ids = || kb.notes.iter().map(|n| n.id.as_str());
            let titles = || kb.notes.iter().map(|n| n.title.as_str());
            let hint = suggest(written, ids())
                .or_else(|| suggest(written, titles()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            format!("unresolved link `{}`{hint}", link.shown())
        };
        diags.error(&link.location, message);
    } else if !graph.resolves(kb, &link.target, link.anchor.as_deref()) {
        let anchors: Vec<String> = graph
            .headings(&link.target)
            .iter()
            .map(|h| h.id.clone())
            .chain(kb.get(&link.target).map(page_anchors).unwrap_or_default())
            .collect();
        let hint = link
            .anchor
            .as_deref()
            .and_then(|a| suggest(a, anchors.iter().map(String::as_str)))
            .map(|s| format!("; did you mean `#{s}`?"))
            .unwrap_or_default();
        let whose = if link.local && link.markdown {
            "this note".to_owned()
        } else {
            format!("`{}`", link.target)
        };
        diags.error(
            &link.location,
            format!(
                "unresolved link `{}`: {whose} has no heading with that id{hint}",
                link.shown()
            ),
        );
    } else if link.target == note.id && link.anchor.is_none() {
        diags.warning(
            &link.location,
            format!("`{}` links the note to itself", link.shown()),
        );
    }
}

/// Lines of a note's text, counted from the top of its file (past any front matter dropped), and
/// its path, shared by the locations made.
struct NoteLines<'a> {
    index: LineIndex<'a>,
    dropped: usize,
    path: Arc<str>,
}

impl NoteLines<'_> {
    /// Where `offset` in the note's text is in its file.
    fn locate(&self, offset: usize) -> Location {
        let mut at = self.index.locate_in(&self.path, offset);
        at.line += self.dropped;
        at
    }
}

/// Headings and links of one note body, with locations in the note's file; the links are not
/// resolved yet (`resolve`).
pub fn outline(note: &Note) -> Outline {
    let body = note.body();
    let lines = NoteLines {
        index: LineIndex::new(&note.text),
        dropped: note.lines_dropped,
        path: note.path.as_str().into(),
    };
    let mut slugger = Slugger::default();
    let mut out = Outline::default();
    let mut heading: Option<(u8, Option<String>, String)> = None;
    for (event, range) in markdown::parser(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((level as u8, id.map(|i| i.to_string()), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, explicit, text)) = heading.take() {
                    let id = slugger.id(explicit.as_deref(), &text);
                    out.headings.push(Heading {
                        level,
                        id,
                        text: text.trim().to_owned(),
                    });
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, buf)) = heading.as_mut() {
                    buf.push_str(&text);
                }
            }
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) => {
                let location = lines.locate(note.body_offset + range.start);
                out.links.push(wiki(note, &dest_url, location));
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if runs_script(&dest_url) =>
            {
                let at = lines.locate(note.body_offset + range.start);
                out.unsafe_links.push((at, dest_url.to_string()));
            }
            Event::Start(Tag::Link {
                link_type:
                    LinkType::Inline
                    | LinkType::Reference
                    | LinkType::ReferenceUnknown
                    | LinkType::Collapsed
                    | LinkType::CollapsedUnknown
                    | LinkType::Shortcut
                    | LinkType::ShortcutUnknown,
                dest_url,
                ..
            }) => {
                if let Some((path, anchor)) = note_path(&dest_url) {
                    let local = path.is_empty();
                    out.links.push(Link {
                        target: note.id.clone(),
                        anchor,
                        local,
                        written: path,
                        markdown: true,
                        location: lines.locate(note.body_offset + range.start),
                    });
                }
            }
            _ => {}
        }
    }
    detail_links(note, &lines, &mut out);
    out
}

/// The wiki-links of `note`'s checklist items' details (shown as links wherever the item is
/// listed), after the body's. Each is located at its `[[` in the front matter: the first one
/// written from the item's `id` line on, else anywhere in the file, else at the item.
fn detail_links(note: &Note, lines: &NoteLines, out: &mut Outline) {
    for item in note.checklist() {
        let Some(detail) = item.detail.as_deref() else {
            continue;
        };
        let item_start: usize = note
            .text
            .split_inclusive('\n')
            .take(item.at.line)
            .map(str::len)
            .sum();
        for event in markdown::parser(detail) {
            let Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) = event
            else {
                continue;
            };
            let written = format!("[[{dest_url}");
            // Empty once the preview dropped it: the link is then placed at its item.
            let front = note.front();
            let offset = front
                .get(item_start..)
                .and_then(|rest| rest.find(&written))
                .map(|at| item_start + at)
                .or_else(|| front.find(&written));
            let location = match offset {
                Some(at) => lines.locate(at),
                None => item.at.clone(),
            };
            let mut link = wiki(note, &dest_url, location);
            if link.local {
                link.target = item.note.clone();
            }
            out.links.push(link);
        }
    }
}

/// A wiki-link written `[[dest]]` in `note`, not yet resolved (`resolve`).
fn wiki(note: &Note, dest: &str, location: Location) -> Link {
    let (written, anchor) = split_target(dest);
    let local = written.is_empty();
    Link {
        target: if local {
            note.id.clone()
        } else {
            NoteId(written.to_owned())
        },
        anchor: anchor.map(str::to_owned),
        local,
        written: written.to_owned(),
        markdown: false,
        location,
    }
}

/// Whether a URL would run script when followed: its scheme (case and the whitespace and control
/// characters browsers skip ignored) is `javascript:`, `vbscript:` or `data:`.
pub fn runs_script(url: &str) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take_while(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    url.contains(':') && matches!(scheme.as_str(), "javascript" | "vbscript" | "data")
}

/// `id#anchor` → (`id`, Some(`anchor`)); surrounding spaces are ignored.
pub fn split_target(dest: &str) -> (&str, Option<&str>) {
    match dest.split_once('#') {
        Some((id, anchor)) => (id.trim(), Some(anchor.trim())),
        None => (dest.trim(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::{load, KindData};
    use crate::source::SourceFile;

    fn note(id: &str, body: &str) -> Note {
        let text = format!("+++\ntitle = \"{id}\"\n+++\n{body}");
        Note {
            id: NoteId(id.into()),
            kind: crate::kb::Kind::Glossary,
            path: format!("knowledge/glossary/{id}.md"),
            rel_path: format!("glossary/{id}.md"),
            body_offset: text.find(body).unwrap_or(text.len()),
            lines_dropped: 0,
            front_print: 0,
            text,
            title: id.into(),
            summary: String::new(),
            aliases: Vec::new(),
            aliases_at: Vec::new(),
            sources: Vec::new(),
            redirects: Vec::new(),
            order: None,
            data: KindData::Glossary,
        }
    }

    // Headings get unique slugs and links keep their exact line and column.
    #[test]
    fn outline_finds_headings_and_links() {
        let outline = outline(&note(
            "a",
            "# Intro\n\nSee [[b]] and\n  [[c#key-rotation|rotation]].\n\n## Intro\n[[#intro-1]]\n",
        ));
        let ids: Vec<_> = outline
            .headings
            .iter()
            .map(|h| (h.level, h.id.as_str()))
            .collect();
        assert_eq!(ids, [(1, "intro"), (2, "intro-1")]);
        let links: Vec<_> = outline
            .links
            .iter()
            .map(|l| {
                (
                    l.target.as_str(),
                    l.anchor.as_deref(),
                    l.location.line + 1,
                    l.location.column + 1,
                )
            })
            .collect();
        assert_eq!(
            links,
            [
                ("b", None, 6, 5),
                ("c", Some("key-rotation"), 7, 3),
                ("a", Some("intro-1"), 10, 1)
            ]
        );
    }

    // A note whose front matter the preview dropped outlines the same: its body's links are
    // located on the lines of the file they are written on, not of the text kept.
    #[test]
    fn outline_locates_body_links_in_the_file_once_the_front_is_dropped() {
        let mut n = note(
            "a",
            "Intro\n\nSee [[b]]\nand [x](c.md) and [y](javascript:z).\n",
        );
        let before = outline(&n);
        let body = n.body().to_owned();
        n.drop_front();
        assert_eq!(
            (n.text.as_str(), n.body_offset, n.lines_dropped),
            (body.as_str(), 0, 3)
        );
        let after = outline(&n);
        let places = |o: &Outline| -> Vec<(usize, usize)> {
            (o.links.iter().map(|l| (l.location.line, l.location.column)))
                .chain(o.unsafe_links.iter().map(|(at, _)| (at.line, at.column)))
                .collect()
        };
        assert_eq!(places(&before), [(5, 4), (6, 4), (6, 18)]);
        assert_eq!(places(&after), places(&before));
        n.drop_front();
        assert_eq!(n.lines_dropped, 3, "dropped twice");
    }

    // Script-running schemes are caught however they are spelled; ordinary links are not.
    #[test]
    fn script_urls() {
        for url in [
            "javascript:alert(1)",
            " JavaScript:x",
            "java\tscript:x",
            "vbscript:x",
            "data:text/html,<b>",
        ] {
            assert!(runs_script(url), "{url}");
        }
        for url in [
            "https://a.b/javascript:x",
            "mailto:a@b.c",
            "notes/javascript.html",
            "javascript",
            "#data:x",
        ] {
            assert!(!runs_script(url), "{url}");
        }
    }

    // Targets split at `#`, with spaces trimmed.
    #[test]
    fn split_targets() {
        assert_eq!(split_target("s3"), ("s3", None));
        assert_eq!(
            split_target("s3#bucket-policies"),
            ("s3", Some("bucket-policies"))
        );
        assert_eq!(split_target(" s3 # x "), ("s3", Some("x")));
        assert_eq!(split_target("#x"), ("", Some("x")));
    }

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile::knowledge(rel, text)
    }

    // Missing notes, missing headings and self-links are reported at the link; backlinks are sorted.
    #[test]
    fn resolution_and_backlinks() {
        let vocab = "owners = []\nservice_models = []\nlayer_groups = []\nseverities = []\n";
        let files = vec![
            file("vocabulary.toml", vocab),
            file(
                "glossary/tls.md",
                "+++\ntitle = \"TLS\"\nsummary = \"s\"\n+++\n## Versions\n",
            ),
            file(
                "glossary/b.md",
                "+++\ntitle = \"B\"\nsummary = \"s\"\n+++\n[[tls]] [[tls#versions]] [[tsl]]\n",
            ),
            file(
                "glossary/a.md",
                "+++\ntitle = \"A\"\nsummary = \"s\"\n+++\n[[tls#version]]\n[[a]]\n",
            ),
        ];
        let mut diags = Diagnostics::new();
        let kb = load(files, &mut diags);
        let graph = build(&kb, &mut diags);
        let got: Vec<String> = diags.sorted().iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "knowledge/glossary/a.md:5:1: error: unresolved link `[[tls#version]]`: `tls` has no heading with that id; did you mean `#versions`?",
                "knowledge/glossary/a.md:6:1: warning: `[[a]]` links the note to itself",
                "knowledge/glossary/b.md:5:26: error: unresolved link `[[tsl]]`; did you mean `tls`?",
            ]
        );
        let tls: Vec<_> = graph
            .backlinks(&NoteId("tls".into()))
            .iter()
            .map(NoteId::as_str)
            .collect();
        assert_eq!(tls, ["a", "b"]);
    }

    fn state(notes: &[(&str, &str)]) -> KnowledgeBase {
        let vocab = "owners = []\nservice_models = []\nlayer_groups = []\nseverities = []\n";
        let mut files = vec![file("vocabulary.toml", vocab)];
        for (id, body) in notes {
            let text = format!("+++\ntitle = \"{id}\"\nsummary = \"s\"\n+++\n{body}");
            files.push(file(&format!("glossary/{id}.md"), &text));
        }
        load(files, &mut Diagnostics::new())
    }

    fn sorted(diags: &Diagnostics) -> Vec<String> {
        diags.sorted().iter().map(ToString::to_string).collect()
    }

    /// Notes (id, body) and the notes changed since the step before.
    type Step<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

    // Each edit applied incrementally gives the same graph and diagnostics as a full build:
    // notes added (fixing broken links), headings renamed, links moved, notes deleted.
    #[test]
    fn update_matches_full_build() {
        let steps: &[Step] = &[
            (
                &[
                    ("a", "[[b#keys]] [[c]]\n"),
                    ("b", "## Keys\n"),
                    ("d", "[[cx]]\n"),
                ],
                &[],
            ),
            // `c` appears: a's link resolves; the id set changed, so d's hint is recomputed.
            (
                &[
                    ("a", "[[b#keys]] [[c]]\n"),
                    ("b", "## Keys\n"),
                    ("c", "[[a]]\n"),
                    ("d", "[[cx]]\n"),
                ],
                &["c"],
            ),
            // b's heading renamed: a's anchor breaks though a did not change.
            (
                &[
                    ("a", "[[b#keys]] [[c]]\n"),
                    ("b", "## Locks\n"),
                    ("c", "[[a]]\n"),
                    ("d", "[[cx]]\n"),
                ],
                &["b"],
            ),
            // a drops its links and links itself; c and b lose a backlink.
            (
                &[
                    ("a", "[[a]] [[b#locks]]\n"),
                    ("b", "## Locks\n"),
                    ("c", "[[a]]\n"),
                    ("d", "[[cx]]\n"),
                ],
                &["a"],
            ),
            // b deleted: a's link breaks; cx appears: d's link resolves.
            (
                &[
                    ("a", "[[a]] [[b#locks]]\n"),
                    ("c", "[[a]]\n"),
                    ("d", "[[cx]]\n"),
                    ("cx", ""),
                ],
                &["b", "cx"],
            ),
        ];
        let mut graph = LinkGraph::default();
        for (i, (notes, changed)) in steps.iter().enumerate() {
            let kb = state(notes);
            let mut full_diags = Diagnostics::new();
            let full = build(&kb, &mut full_diags);
            let mut diags = Diagnostics::new();
            graph = if i == 0 {
                build(&kb, &mut diags)
            } else {
                let changed: Vec<NoteId> = changed.iter().map(|c| NoteId((*c).into())).collect();
                update(&kb, graph, &changed, &mut diags)
            };
            assert_eq!(sorted(&diags), sorted(&full_diags), "step {i}");
            assert!(!full_diags.is_empty(), "step {i} checks something");
            assert_eq!(graph.outlines, full.outlines, "step {i}");
            for id in ["a", "b", "c", "d", "cx"].map(|id| NoteId(id.into())) {
                if kb.get(&id).is_some() {
                    assert_eq!(graph.backlinks(&id), full.backlinks(&id), "step {i}: {id}");
                }
            }
        }
    }

    fn titled(notes: &[(&str, &str, &str)]) -> KnowledgeBase {
        let vocab = "owners = []\nservice_models = []\nlayer_groups = []\nseverities = []\n";
        let mut files = vec![file("vocabulary.toml", vocab)];
        for (rel, front, body) in notes {
            let text = format!("+++\n{front}\nsummary = \"s\"\n+++\n{body}");
            files.push(file(rel, &text));
        }
        load(files, &mut Diagnostics::new())
    }

    fn targets(graph: &LinkGraph, id: &str) -> Vec<String> {
        graph.outlines[&NoteId(id.into())]
            .links
            .iter()
            .map(|l| l.target.to_string())
            .collect()
    }

    // Wiki-links resolve as Obsidian writes them: by id, title or alias in any case, with or
    // without the vendor prefix, or by path; an id beats a title, a title an alias; a name two
    // notes give equally is ambiguous and says which notes.
    #[test]
    fn wiki_links_resolve_by_name() {
        let kb = titled(&[
            ("glossary/tls.md", "title = \"Transport Layer Security\"\naliases = [\"SSL\"]", "## Versions\n"),
            ("glossary/iam.md", "title = \"AWS Identity and Access Management\"\naliases = [\"IAM - Identity and Access Management\"]", ""),
            ("glossary/mfa.md", "title = \"Twin\"", ""),
            ("glossary/otp.md", "title = \"twin\"", ""),
            ("glossary/page.md", "title = \"Page\"",
             "[[TLS]] [[transport layer security#versions]] [[ssl]] [[Identity and Access Management]] \
              [[IAM - Identity and Access Management|IAM]] [[glossary/tls]] [[glossary/tls.md]] [[Amazon IAM]] [[twin]] [[nothing]]\n"),
        ]);
        let mut diags = Diagnostics::new();
        let graph = build(&kb, &mut diags);
        assert_eq!(
            targets(&graph, "page"),
            ["tls", "tls", "tls", "iam", "iam", "tls", "tls", "iam", "twin", "nothing"]
        );
        let got = sorted(&diags);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].contains(
                "ambiguous link `[[twin]]`: notes `mfa`, `otp` all answer to that name; link by id"
            ),
            "{got:?}"
        );
        assert!(got[1].contains("unresolved link `[[nothing]]`"), "{got:?}");
        let tls: Vec<_> = graph
            .backlinks(&NoteId("tls".into()))
            .iter()
            .map(NoteId::as_str)
            .collect();
        assert_eq!(tls, ["page"]);
    }

    // Markdown links to note files are links: relative to the note, to the knowledge root, or by
    // bare file name, percent-decoded; `#anchor` alone is this note; other links are not checked.
    #[test]
    fn markdown_links_are_checked() {
        let kb = titled(&[
            ("glossary/s3.md", "title = \"S3\"", "## Bucket policies\n"),
            ("glossary/mine.md", "title = \"Mine\"", ""),
            ("practices/p.md", "title = \"P\"",
             "## Here\n[a](../glossary/s3.md#bucket-policies) [b](glossary/s3.md) [c](s3.md) [d](../glossary/mine%2Emd) \
              [e](#here) [f](https://x.test/a.md) [g](../img/x.png) [h](mailto:a@b.c)\n\n\
              [i](../glossary/s4.md) [j](../glossary/s3.md#nope) [k](#gone)\n"),
        ]);
        let mut diags = Diagnostics::new();
        let graph = build(&kb, &mut diags);
        assert_eq!(
            targets(&graph, "p"),
            ["s3", "s3", "s3", "mine", "p", "s4", "s3", "p"]
        );
        let got = sorted(&diags);
        assert_eq!(
            got,
            [
                "knowledge/practices/p.md:8:1: error: unresolved link `../glossary/s4.md`: no note file `glossary/s4.md` in the knowledge base; did you mean `glossary/s3.md`?",
                "knowledge/practices/p.md:8:24: error: unresolved link `../glossary/s3.md#nope`: `s3` has no heading with that id",
                "knowledge/practices/p.md:8:52: error: unresolved link `#gone`: this note has no heading with that id",
            ]
        );
    }

    // Renaming a note's title or alias moves the links that named it, in the preview as in a
    // full build, and names the notes whose links moved.
    #[test]
    fn renamed_names_relink() {
        let step = |front_a: &str| {
            titled(&[
                ("glossary/a.md", front_a, ""),
                (
                    "glossary/b.md",
                    "title = \"B\"",
                    "[[Alpha]] [[the first]]\n",
                ),
                ("glossary/c.md", "title = \"C\"", "[[a]]\n"),
            ])
        };
        let kb1 = step("title = \"Alpha\"");
        let mut diags = Diagnostics::new();
        let graph = build(&kb1, &mut diags);
        assert_eq!(targets(&graph, "b"), ["a", "the first"]);
        let kb2 = step("title = \"Beta\"\naliases = [\"The First\"]");
        let mut diags = Diagnostics::new();
        let graph = update(&kb2, graph, &[NoteId("a".into())], &mut diags);
        let mut full_diags = Diagnostics::new();
        let full = build(&kb2, &mut full_diags);
        assert_eq!(graph.outlines, full.outlines);
        assert_eq!(sorted(&diags), sorted(&full_diags));
        assert_eq!(targets(&graph, "b"), ["Alpha", "a"]);
        let moved: Vec<_> = graph.relinked.iter().map(NoteId::as_str).collect();
        assert_eq!(moved, ["Alpha", "a", "b", "the first"]);
        assert_eq!(
            graph.backlinks(&NoteId("a".into())),
            full.backlinks(&NoteId("a".into()))
        );
        // An edit that changes no name re-resolves nothing.
        let mut diags = Diagnostics::new();
        let again = update(&kb2, graph, &[NoteId("c".into())], &mut diags);
        assert!(again.relinked.is_empty());
    }

    // Only links to note files are Markdown links to check; anchors and paths are decoded.
    #[test]
    fn note_paths() {
        assert_eq!(
            note_path("../s3.md#a%20b"),
            Some(("../s3.md".into(), Some("a b".into())))
        );
        assert_eq!(note_path("My%20Note.MD"), Some(("My Note.MD".into(), None)));
        assert_eq!(note_path("#x"), Some((String::new(), Some("x".into()))));
        assert_eq!(note_path("s3.md?x=1"), Some(("s3.md".into(), None)));
        for other in [
            "https://a.b/c.md",
            "//a.b/c.md",
            "mailto:x@y.md",
            "x.png",
            "",
            "dir/",
        ] {
            assert_eq!(note_path(other), None, "{other}");
        }
        assert_eq!(normalize("a/./b/../c.md"), Some("a/c.md".into()));
        assert_eq!(normalize("../c.md"), None);
    }
}
