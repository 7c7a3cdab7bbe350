//! `kb.json`: the whole knowledge base for other tools, in the versioned schema documented in
//! `docs/kb-json.md`. Bump `SCHEMA` on any incompatible change.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::kb::{
    Catalog, ChecklistItem, Kind, KindData, KnowledgeBase, Layer, Note, NoteId, Practice,
    Responsibility, SecurityService, Term, Topic,
};
use crate::links::LinkGraph;
use crate::render::note_url;

/// The schema id written into every export.
pub const SCHEMA: &str = "whosecures-kb/2";

#[derive(Serialize)]
struct Export<'a> {
    schema: &'static str,
    generator: String,
    owners: &'a [Term],
    service_models: &'a [Term],
    layer_groups: &'a [Term],
    severities: &'a [Term],
    catalogs: &'a [Catalog],
    /// The organisation's own policies (`policies/*.toml`), when it has any.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    policies: &'a [crate::kb::policy::Policy],
    notes: Vec<NoteExport<'a>>,
}

#[derive(Serialize)]
struct NoteExport<'a> {
    id: &'a NoteId,
    kind: Kind,
    title: &'a str,
    summary: &'a str,
    url: String,
    aliases: &'a [String],
    sources: &'a [String],
    links_to: Vec<&'a NoteId>,
    referenced_by: &'a BTreeSet<NoteId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'a Layer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<ServiceExport<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_service: Option<&'a SecurityService>,
    #[serde(skip_serializing_if = "Option::is_none")]
    practice: Option<PracticeExport<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pillar_security_services: Option<&'a [NoteId]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topics: Option<&'a [Topic]>,
}

#[derive(Serialize)]
struct ServiceExport<'a> {
    provider: &'a str,
    category: &'a str,
    service_model: &'a str,
    security_services: &'a [NoteId],
    responsibility: &'a [Responsibility],
    checklist: &'a [ChecklistItem],
}

#[derive(Serialize)]
struct PracticeExport<'a> {
    layers: &'a [NoteId],
    pillars: &'a [NoteId],
    checklist: &'a [ChecklistItem],
}

/// `kb.json` holding only `notes` (same schema): one service's table, say.
pub fn export_assembled<'a>(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    notes: impl Iterator<Item = &'a Note>,
) -> String {
    let entries: Vec<String> = notes.map(|n| note_json(n, graph)).collect();
    assemble(kb, entries.iter().map(String::as_str)) + "\n"
}

/// One note's entry of `kb.json`: compact JSON on one line of the `notes` array, so the preview
/// can keep it and re-serialize only the notes an edit touches.
pub fn note_json(note: &Note, graph: &LinkGraph) -> String {
    serde_json::to_string(&note_export(note, graph)).unwrap_or_default()
}

/// The export document around `notes`.
fn envelope<'a>(kb: &'a KnowledgeBase, notes: Vec<NoteExport<'a>>) -> Export<'a> {
    Export {
        schema: SCHEMA,
        generator: format!("whosecures {}", env!("CARGO_PKG_VERSION")),
        owners: &kb.vocab.owners,
        service_models: &kb.vocab.service_models,
        layer_groups: &kb.vocab.layer_groups,
        severities: &kb.vocab.severities,
        catalogs: &kb.vocab.catalogs,
        policies: &kb.policies,
        notes,
    }
}

/// `kb.json` from the notes' entries (`note_json`), in order: compact JSON with each note on a
/// line of its own (the same value as serializing the whole export at once, a line per note so
/// that `diff` and `grep` stay useful).
pub fn assemble<'a>(kb: &KnowledgeBase, notes: impl Iterator<Item = &'a str>) -> String {
    let mut pieces = Pieces::new(kb);
    let notes: Vec<&str> = notes.collect();
    let mut out = String::with_capacity(
        pieces.head().len() + notes.iter().map(|n| n.len() + 6).sum::<usize>() + 8,
    );
    out.push_str(pieces.head());
    for note in notes {
        out.push_str(pieces.before_note());
        out.push_str(note);
    }
    out.push_str(pieces.end());
    out
}

/// `kb.json` in the pieces around the notes' entries, so that `build` can write it as the
/// entries are made instead of holding them all (~40 MB at 10,000 notes): `head`, then
/// `before_note` and the entry (`note_json`) for each note in order, then `end`. `assemble` joins
/// the same pieces.
pub struct Pieces {
    head: String,
    notes: usize,
}

impl Pieces {
    /// The pieces for `kb`'s export.
    pub fn new(kb: &KnowledgeBase) -> Pieces {
        let whole = serde_json::to_string(&envelope(kb, Vec::new())).unwrap_or_default();
        // `whole` ends with `"notes":[]}`; keep it up to the array's `[`.
        let head = whole.strip_suffix("]}").unwrap_or(&whole).to_owned();
        Pieces { head, notes: 0 }
    }

    /// Everything up to and including the `[` that opens `notes`.
    pub fn head(&self) -> &str {
        &self.head
    }

    /// What goes before the next note's entry (counting the notes).
    pub fn before_note(&mut self) -> &'static str {
        self.notes += 1;
        if self.notes == 1 {
            "\n"
        } else {
            ",\n"
        }
    }

    /// What closes the array and the document after the notes so far.
    pub fn end(&self) -> &'static str {
        if self.notes == 0 {
            "]}"
        } else {
            "\n]}"
        }
    }
}

fn note_export<'a>(note: &'a Note, graph: &'a LinkGraph) -> NoteExport<'a> {
    let mut links_to: Vec<&NoteId> = graph
        .outlines
        .get(&note.id)
        .map(|o| {
            o.links
                .iter()
                .map(|l| &l.target)
                .filter(|t| **t != note.id)
                .collect()
        })
        .unwrap_or_default();
    links_to.sort();
    links_to.dedup();
    let mut export = NoteExport {
        id: &note.id,
        kind: note.kind,
        title: &note.title,
        summary: &note.summary,
        url: note_url(note),
        aliases: &note.aliases,
        sources: &note.sources,
        links_to,
        referenced_by: graph.backlinks(&note.id),
        layer: None,
        service: None,
        security_service: None,
        practice: None,
        pillar_security_services: None,
        topics: None,
    };
    match &note.data {
        KindData::Layer(l) => export.layer = Some(l),
        KindData::Service(s) => {
            export.service = Some(ServiceExport {
                provider: &s.provider,
                category: &s.category,
                service_model: &s.table.service_model,
                security_services: &s.security_services,
                responsibility: &s.table.responsibility,
                checklist: &s.checklist,
            })
        }
        KindData::SecurityService(s) => export.security_service = Some(s),
        KindData::Practice(Practice {
            layers,
            pillars,
            checklist,
        }) => {
            export.practice = Some(PracticeExport {
                layers,
                pillars,
                checklist,
            })
        }
        KindData::Pillar(p) => export.pillar_security_services = Some(&p.security_services),
        KindData::Model(topics) => export.topics = Some(topics),
        KindData::Glossary => {}
    }
    export
}

#[cfg(test)]
mod tests {
    use super::*;

    // Assembling per-note entries gives the value of serializing the whole export at once,
    // compact, with each note on a line of its own, for the embedded knowledge base and for an
    // empty one.
    #[test]
    fn assembled_export_matches_whole_serialization() {
        let (loaded, graph) = crate::testing::embedded_kb();
        for kb in [&loaded, &KnowledgeBase::default()] {
            let notes = kb.notes.iter().map(|n| note_export(n, &graph)).collect();
            let whole = serde_json::to_value(envelope(kb, notes)).unwrap_or_default();
            let assembled = export_assembled(kb, &graph, kb.notes.iter().map(|n| &**n));
            let parsed: serde_json::Value = serde_json::from_str(&assembled).unwrap_or_default();
            assert_eq!(parsed, whole);
            // The head, a line per note, the close.
            assert_eq!(
                assembled.lines().count(),
                kb.notes.len() + 1 + usize::from(!kb.notes.is_empty())
            );
            assert!(
                assembled.ends_with("]}\n"),
                "{}",
                &assembled[assembled.len().saturating_sub(20)..]
            );
        }
        // Compact: no indentation anywhere.
        let export = export_assembled(&loaded, &graph, loaded.notes.iter().map(|n| &**n));
        assert!(!export.contains("\n  "));
        assert!(export.len() > 100_000);
    }
}
