//! Link extraction and resolution: every wiki-link and heading of every note, resolved before any
//! page renders, plus sorted backlinks. Reads the knowledge base; renders nothing.

use std::collections::{BTreeSet, HashMap};

use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
use rayon::prelude::*;

use crate::diag::{did_you_mean, suggest, Diagnostics, LineIndex, Location};
use crate::kb::{KnowledgeBase, Note, NoteId};
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

/// A wiki-link as written in a note body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The note id it points at (the linking note itself for `[[#anchor]]`).
    pub target: NoteId,
    /// The `#heading` part, if any.
    pub anchor: Option<String>,
    /// Written `[[#heading]]`, without a note id.
    pub local: bool,
    /// Where the link starts.
    pub location: Location,
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
    /// Per referenced id, whether a note has it or not: the other notes whose body links or front
    /// matter name it. A note added later finds here the links it fixes.
    referrers: HashMap<NoteId, BTreeSet<NoteId>>,
    /// Per note: the ids it references, to take back out of `referrers` when it changes.
    references: HashMap<NoteId, BTreeSet<NoteId>>,
    /// Per note with a broken or suspicious link: the diagnostics about its links.
    problems: HashMap<NoteId, Diagnostics>,
}

static NOBODY: BTreeSet<NoteId> = BTreeSet::new();

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
        kb.get(target).is_some()
            && anchor.is_none_or(|a| self.headings(target).iter().any(|h| h.id == a))
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

/// Extracts every note's outline in parallel, resolves links, and computes backlinks.
pub fn build(kb: &KnowledgeBase, diags: &mut Diagnostics) -> LinkGraph {
    let outlines: Vec<Outline> = kb.notes.par_iter().map(|note| outline(note)).collect();
    let mut graph = LinkGraph::default();
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
/// mean" hints match a full build.
pub fn update(
    kb: &KnowledgeBase,
    previous: LinkGraph,
    changed: &[NoteId],
    diags: &mut Diagnostics,
) -> LinkGraph {
    let mut graph = previous;
    let mut ids_changed = false;
    let mut recheck: BTreeSet<NoteId> = BTreeSet::new();
    for id in changed {
        ids_changed |= graph.outlines.contains_key(id) != kb.get(id).is_some();
        graph.unlink(id);
        if let Some(note) = kb.get(id) {
            graph.link(note, outline(note));
            recheck.insert(id.clone());
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
    // Formatted only for a diagnostic: this runs for every link on every preview rebuild.
    let written = || match &link.anchor {
        Some(anchor) if link.local => format!("#{anchor}"),
        Some(anchor) => format!("{}#{anchor}", link.target),
        None => link.target.to_string(),
    };
    if kb.get(&link.target).is_none() {
        if kb.broken.contains_key(link.target.as_str()) {
            // The note exists but could not be read: its own errors say why.
            return;
        }
        let hint = did_you_mean(link.target.as_str(), kb.notes.iter().map(|n| n.id.as_str()));
        diags.error(
            &link.location,
            format!("unresolved link `[[{}]]`{hint}", written()),
        );
    } else if !graph.resolves(kb, &link.target, link.anchor.as_deref()) {
        let anchors = graph.headings(&link.target);
        let hint = link
            .anchor
            .as_deref()
            .and_then(|a| suggest(a, anchors.iter().map(|h| h.id.as_str())))
            .map(|s| format!("; did you mean `#{s}`?"))
            .unwrap_or_default();
        diags.error(
            &link.location,
            format!(
                "unresolved link `[[{}]]`: `{}` has no heading with that id{hint}",
                written(),
                link.target
            ),
        );
    } else if link.target == note.id && link.anchor.is_none() {
        diags.warning(
            &link.location,
            format!("`[[{}]]` links the note to itself", written()),
        );
    }
}

/// Headings and wiki-links of one note body, with locations in the note's file.
pub fn outline(note: &Note) -> Outline {
    let body = note.body();
    let lines = LineIndex::new(&note.text);
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
                let (target, anchor) = split_target(&dest_url);
                let local = target.is_empty();
                let target = if local {
                    note.id.clone()
                } else {
                    NoteId(target.to_owned())
                };
                out.links.push(Link {
                    target,
                    anchor: anchor.map(str::to_owned),
                    local,
                    location: lines.locate(&note.path, note.body_offset + range.start),
                });
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if runs_script(&dest_url) =>
            {
                let at = lines.locate(&note.path, note.body_offset + range.start);
                out.unsafe_links.push((at, dest_url.to_string()));
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
fn detail_links(note: &Note, lines: &LineIndex, out: &mut Outline) {
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
            let front = &note.text[..note.body_offset.min(note.text.len())];
            let offset = front
                .get(item_start..)
                .and_then(|rest| rest.find(&written))
                .map(|at| item_start + at)
                .or_else(|| front.find(&written));
            let location = match offset {
                Some(at) => lines.locate(&note.path, at),
                None => item.at.clone(),
            };
            let (target, anchor) = split_target(&dest_url);
            let local = target.is_empty();
            out.links.push(Link {
                target: if local {
                    item.note.clone()
                } else {
                    NoteId(target.to_owned())
                },
                anchor: anchor.map(str::to_owned),
                local,
                location,
            });
        }
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
            text,
            title: id.into(),
            summary: String::new(),
            aliases: Vec::new(),
            aliases_at: Vec::new(),
            sources: Vec::new(),
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
}
