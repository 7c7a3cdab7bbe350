//! Link extraction and resolution: every wiki-link and heading of every note, resolved before any
//! page renders, plus sorted backlinks. Reads the knowledge base; renders nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
use rayon::prelude::*;

use crate::diag::{Diagnostics, LineIndex, Location};
use crate::kb::{suggest, KnowledgeBase, Note, NoteId};
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
}

/// All links resolved, and who links to whom.
#[derive(Debug, Clone, Default)]
pub struct LinkGraph {
    /// Per note: its headings and links.
    pub outlines: HashMap<NoteId, Outline>,
    /// Per note: the notes that reference it (body links and front-matter references), sorted.
    pub backlinks: HashMap<NoteId, Vec<NoteId>>,
}

impl LinkGraph {
    /// Headings of a note (empty when unknown).
    pub fn headings(&self, id: &NoteId) -> &[Heading] {
        self.outlines.get(id).map_or(&[], |o| &o.headings)
    }

    /// Notes that reference `id`, sorted by id.
    pub fn backlinks(&self, id: &NoteId) -> &[NoteId] {
        self.backlinks.get(id).map_or(&[], Vec::as_slice)
    }

    /// Whether `target` (with `anchor`) exists.
    pub fn resolves(&self, kb: &KnowledgeBase, target: &NoteId, anchor: Option<&str>) -> bool {
        kb.get(target).is_some()
            && anchor.is_none_or(|a| self.headings(target).iter().any(|h| h.id == a))
    }
}

/// Extracts every note's outline in parallel, resolves links, and computes backlinks.
pub fn build(kb: &KnowledgeBase, diags: &mut Diagnostics) -> LinkGraph {
    let outlines: HashMap<NoteId, Outline> = kb
        .notes
        .par_iter()
        .map(|note| (note.id.clone(), outline(note)))
        .collect();
    resolve(kb, outlines, diags)
}

/// Like `build`, but parses only the bodies of `changed` notes and reuses every other outline of
/// `previous`. Resolution and backlinks are recomputed in full: they cost one pass over the links,
/// and a deleted note must turn every link to it into a diagnostic.
pub fn update(
    kb: &KnowledgeBase,
    previous: LinkGraph,
    changed: &[NoteId],
    diags: &mut Diagnostics,
) -> LinkGraph {
    let mut outlines = previous.outlines;
    outlines.retain(|id, _| kb.get(id).is_some());
    for id in changed {
        if let Some(note) = kb.get(id) {
            outlines.insert(id.clone(), outline(note));
        }
    }
    resolve(kb, outlines, diags)
}

/// Checks every link of `outlines` against `kb` and computes sorted backlinks.
fn resolve(
    kb: &KnowledgeBase,
    outlines: HashMap<NoteId, Outline>,
    diags: &mut Diagnostics,
) -> LinkGraph {
    let mut graph = LinkGraph {
        outlines,
        backlinks: HashMap::new(),
    };
    let mut backlinks: BTreeMap<&NoteId, BTreeSet<&NoteId>> = BTreeMap::new();
    for note in kb.iter() {
        let Some(outline) = graph.outlines.get(&note.id) else {
            continue;
        };
        for link in &outline.links {
            check(kb, &graph, note, link, diags);
            if link.target != note.id && kb.get(&link.target).is_some() {
                backlinks.entry(&link.target).or_default().insert(&note.id);
            }
        }
        for target in note.security_services() {
            backlinks.entry(target).or_default().insert(&note.id);
        }
    }
    let backlinks = backlinks
        .into_iter()
        .map(|(target, sources)| (target.clone(), sources.into_iter().cloned().collect()))
        .collect();
    graph.backlinks = backlinks;
    graph
}

fn check(kb: &KnowledgeBase, graph: &LinkGraph, note: &Note, link: &Link, diags: &mut Diagnostics) {
    // Formatted only for a diagnostic: this runs for every link on every preview rebuild.
    let written = || match &link.anchor {
        Some(anchor) => format!("{}#{anchor}", link.target),
        None => link.target.to_string(),
    };
    if kb.get(&link.target).is_none() {
        let hint = suggest(link.target.as_str(), kb.notes.iter().map(|n| n.id.as_str()))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
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
                let target = if target.is_empty() {
                    note.id.clone()
                } else {
                    NoteId(target.to_owned())
                };
                out.links.push(Link {
                    target,
                    anchor: anchor.map(str::to_owned),
                    location: lines.locate(&note.path, note.body_offset + range.start),
                });
            }
            _ => {}
        }
    }
    out
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
        let kb = load(&files, &mut diags);
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
}
