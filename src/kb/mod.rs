//! The knowledge base: typed notes per kind, loaded from source files and checked against the
//! vocabulary. Read-only after `load`; it never touches the filesystem or renders anything. Here
//! only `KnowledgeBase`, its lookups and `load`: types in `note`, checks in `validate`, and so on.

pub mod coverage;
mod frontmatter;
mod note;
mod order;
mod parse;
pub mod policy;
mod raw;
mod stale;
mod update;
mod validate;
mod vocab;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::{Diagnostics, Location};
use crate::source::SourceFile;

pub use frontmatter::{split, Split, SplitError};
pub use note::{
    name_key, ChecklistItem, Control, Date, Duties, Duty, Kind, KindData, Layer, Note, NoteId,
    Party, Pillar, Practice, Responsibility, SecurityService, Service, Table, Topic, Variant,
};
pub use order::{natural_cmp, sort_name, without_vendor, Natural, VENDOR_PREFIXES};
pub use parse::is_valid_id;
pub use stale::{dated, stale, Stale};
pub use update::{is_structural, Update};
pub use validate::{check_org, Across};
pub use vocab::{
    is_control_list, Catalog, CatalogControl, CompiledCatalog, Synonyms, Term, Vocabulary,
};

pub use parse::Broken;
use parse::{layer_order, parse_note, Read};
use update::index_items;
use validate::Context;
use vocab::load_vocabulary;

/// The loaded knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// The vocabulary notes were checked against.
    pub vocab: Vocabulary,
    /// Control catalogs with compiled patterns.
    pub catalogs: Vec<CompiledCatalog>,
    /// The organisation's policy statements (`policies/*.toml`), in file order.
    pub policies: Vec<policy::Policy>,
    /// Every note, sorted by kind, order, name (`order::sort_name`, naturally), id. Shared so an incremental update (serve)
    /// copies pointers, not notes.
    pub notes: Vec<Arc<Note>>,
    index: HashMap<NoteId, usize>,
    /// For each layer, the positions in `notes` of the notes with a row for it, ascending: what
    /// the layer's page lists. Kept up to date note by note, as `index` is, so a layer's page, its
    /// parts and a row edit's plan do not walk every row of every service.
    layer_rows: HashMap<NoteId, Vec<usize>>,
    /// Every checklist item id, with the notes that use it (more than one is an error), kept up
    /// to date note by note so the uniqueness check does not walk every item on every edit.
    item_owners: HashMap<String, Vec<NoteId>>,
    /// Notes whose text or front matter could not be read, by id: their errors are reported,
    /// and links to them are not errors too.
    pub broken: HashMap<String, Broken>,
}

impl KnowledgeBase {
    /// Drops the front matter's text of every note that nothing else holds
    /// (`Note::drop_front`): for a preview, once the notes are checked and linked.
    pub fn drop_fronts(&mut self) {
        self.notes.par_iter_mut().for_each(|note| {
            if let Some(note) = Arc::get_mut(note) {
                note.drop_front();
            }
        });
    }

    /// `drop_fronts` for the notes `ids` only (those an edit just read again).
    pub fn drop_fronts_of<'a>(&mut self, ids: impl IntoIterator<Item = &'a NoteId>) {
        for id in ids {
            if let Some(note) = self.index.get(id).and_then(|&i| self.notes.get_mut(i)) {
                if let Some(note) = Arc::get_mut(note) {
                    note.drop_front();
                }
            }
        }
    }

    /// The note with this id.
    pub fn get(&self, id: &NoteId) -> Option<&Note> {
        self.index.get(id).map(|&i| &*self.notes[i])
    }

    /// The position of the note with this id in `notes`.
    pub fn index_of(&self, id: &NoteId) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The note with this id string.
    pub fn get_str(&self, id: &str) -> Option<&Note> {
        self.get(&NoteId(id.to_owned()))
    }

    /// Every note, in navigation order.
    pub fn iter(&self) -> impl Iterator<Item = &Note> {
        self.notes.iter().map(|n| &**n)
    }

    /// Notes of one kind, in navigation order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Note> {
        self.section(kind).iter().map(|n| &**n)
    }

    /// Notes of one kind in navigation order: a slice, since notes are sorted by kind first.
    pub fn section(&self, kind: Kind) -> &[Arc<Note>] {
        let start = self.section_start(kind);
        let len = self.notes[start..].partition_point(|n| n.kind == kind);
        &self.notes[start..start + len]
    }

    /// Where the notes of `kind` start in `notes`.
    pub fn section_start(&self, kind: Kind) -> usize {
        self.notes.partition_point(|n| n.kind < kind)
    }

    /// Every note with a responsibility table (services, then security services that have
    /// one), with its table.
    pub fn services(&self) -> impl Iterator<Item = (&Note, &Table)> {
        self.iter().filter_map(|n| n.table().map(|t| (n, t)))
    }

    /// The notes with a row for `layer` (services, then security services with a table), in
    /// navigation order, each with that row; `range` picks some of them by position (`..`: all;
    /// past the end, those there are).
    pub fn rows_for<'a>(
        &'a self,
        layer: &'a NoteId,
        range: impl std::ops::RangeBounds<usize>,
    ) -> impl DoubleEndedIterator<Item = (&'a Note, &'a Responsibility)> + 'a {
        use std::ops::Bound;
        let all = self.layer_rows.get(layer).map_or(&[][..], Vec::as_slice);
        let start = match range.start_bound() {
            Bound::Included(&n) => n,
            Bound::Excluded(&n) => n.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&n) => n.saturating_add(1),
            Bound::Excluded(&n) => n,
            Bound::Unbounded => all.len(),
        };
        let (start, end) = (start.min(all.len()), end.min(all.len()));
        all[start..end.max(start)].iter().filter_map(move |&i| {
            let note = &**self.notes.get(i)?;
            Some((note, note.table()?.row(layer)?))
        })
    }

    /// How many notes have a row for `layer`, and where `note` is among them (`rows_for`).
    pub fn row_place(&self, layer: &NoteId, note: &NoteId) -> (usize, Option<usize>) {
        let rows = self.layer_rows.get(layer).map_or(&[][..], Vec::as_slice);
        let at = self
            .index_of(note)
            .and_then(|i| rows.binary_search(&i).ok());
        (rows.len(), at)
    }

    /// Every checklist item, in note order.
    pub fn checklist_items(&self) -> impl Iterator<Item = &ChecklistItem> {
        self.notes.iter().flat_map(|n| n.checklist())
    }

    /// The catalog with this id.
    pub fn catalog(&self, id: &str) -> Option<&Catalog> {
        self.catalogs
            .iter()
            .find(|c| c.catalog.id == id)
            .map(|c| &c.catalog)
    }
}

/// Loads and validates every note in `files` (relative to the knowledge root). Problems go to
/// `diags`; the returned base holds every note that could be read, so later stages can still
/// report their own problems in the same run. Takes the files so that each note's text is its
/// file's bytes, not a copy made while the caller still holds them all (~60 MB at 10,000 notes).
pub fn load(files: Vec<SourceFile>, diags: &mut Diagnostics) -> KnowledgeBase {
    let kb = load_notes(files, diags);
    kb.check_global(diags);
    kb
}

/// `load` without the checks that span notes (`KnowledgeBase::check_global`): every diagnostic
/// it records belongs to one file, so `serve` can replace one file's problems on its own.
pub fn load_notes(files: Vec<SourceFile>, diags: &mut Diagnostics) -> KnowledgeBase {
    let (vocab, catalogs) = load_vocabulary(&files, diags);
    let policies = policy::load_policies(&files, diags);

    let parsed: Vec<(Read, Diagnostics)> = files
        .into_par_iter()
        .filter(|f| f.rel_path.ends_with(".md"))
        .map(|file| {
            let mut local = Diagnostics::new();
            let parsed = parse_note(file, &mut local);
            (parsed, local)
        })
        .collect();
    let mut notes_raw = Vec::with_capacity(parsed.len());
    let mut broken = HashMap::new();
    for (read, local) in parsed {
        diags.extend(local);
        match read {
            Read::Note(note) => notes_raw.push(note),
            Read::Broken(b) => {
                broken.insert(b.id.clone(), b);
            }
            Read::Skipped => {}
        }
    }

    // Ids are unique across folders; the first file in path order keeps the id.
    notes_raw.sort_by(|a, b| a.path.cmp(&b.path));
    let mut first_path: HashMap<String, String> = HashMap::new();
    notes_raw.retain(|note| match first_path.get(&note.id) {
        Some(other) => {
            diags.error(
                &Location::file(&note.path),
                format!("duplicate note id `{}`: also defined in `{other}`", note.id),
            );
            false
        }
        None => {
            first_path.insert(note.id.clone(), note.path.clone());
            true
        }
    });

    // A broken layer, pillar or security service still names one: rows and items that use it
    // are not errors on top of its own.
    let ids_of = |kind: Kind| -> HashSet<String> {
        notes_raw
            .iter()
            .filter(|n| n.kind() == kind)
            .map(|n| n.id.clone())
            .chain(
                broken
                    .values()
                    .filter(|b| b.kind == kind)
                    .map(|b| b.id.clone()),
            )
            .collect()
    };
    let ctx = Context {
        vocab: &vocab,
        catalogs: &catalogs,
        layers: ids_of(Kind::Layer),
        pillars: ids_of(Kind::Pillar),
        security_services: ids_of(Kind::SecurityService),
        layer_order: layer_order(&notes_raw),
    };
    let validated: Vec<(Arc<Note>, Diagnostics)> = notes_raw
        .into_par_iter()
        .map(|raw| {
            let mut local = Diagnostics::new();
            let note = Arc::new(ctx.validate(raw, &mut local));
            (note, local)
        })
        .collect();
    let mut notes = Vec::with_capacity(validated.len());
    for (note, local) in validated {
        diags.extend(local);
        notes.push(note);
    }
    let mut kb = KnowledgeBase {
        vocab,
        catalogs,
        policies,
        notes,
        index: HashMap::new(),
        layer_rows: HashMap::new(),
        item_owners: HashMap::new(),
        broken,
    };
    kb.reindex();
    for note in &kb.notes {
        index_items(&mut kb.item_owners, note);
    }
    kb
}

#[cfg(test)]
mod tests;
