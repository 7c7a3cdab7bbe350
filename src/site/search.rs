//! The client-side search index: one compact record per note, with its headings, aliases and
//! the control ids of its checklist items. Body text is left out to keep the index small.

use serde::Serialize;

use crate::kb::Note;
use crate::links::LinkGraph;
use crate::render::note_url;

/// One searchable record. Short keys keep the file small.
#[derive(Debug, Serialize)]
struct Record<'a> {
    /// Title.
    t: &'a str,
    /// URL, site-relative.
    u: String,
    /// Kind.
    k: &'static str,
    /// Summary.
    s: &'a str,
    /// Heading texts.
    h: Vec<&'a str>,
    /// Aliases and id.
    a: Vec<&'a str>,
    /// Checklist item titles and control ids.
    c: Vec<String>,
}

/// The index from the notes' records (`record`), in order.
pub fn assemble<'a>(records: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, record) in records.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(record);
    }
    out.push(']');
    out
}

/// One note's record as JSON.
pub fn record(note: &Note, graph: &LinkGraph) -> String {
    let mut aliases: Vec<&str> = note.aliases.iter().map(String::as_str).collect();
    aliases.push(note.id.as_str());
    let mut checklist = Vec::new();
    for item in note.checklist() {
        checklist.push(item.title.clone());
        checklist.extend(item.controls.iter().map(|c| c.to_string()));
    }
    let record = Record {
        t: &note.title,
        u: note_url(note),
        k: note.kind.singular(),
        s: &note.summary,
        h: graph
            .headings(&note.id)
            .iter()
            .map(|h| h.text.as_str())
            .collect(),
        a: aliases,
        c: checklist,
    };
    serde_json::to_string(&record).unwrap_or_else(|_| "{}".to_owned())
}
