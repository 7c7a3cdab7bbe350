//! Incremental update for `serve`: applying changed and removed note files to a loaded
//! `KnowledgeBase` without reading or checking the others, and the bookkeeping that keeps its
//! indexes (navigation order, checklist item owners) current. The full load is in `mod.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::diag::{Diagnostics, Location};
use crate::source::SourceFile;

use super::note::{Kind, Note, NoteId};
use super::order::Natural;
use super::parse::{parse_note, Read};
use super::validate::Context;
use super::KnowledgeBase;

/// Records `note`'s checklist item ids in `owners`.
pub(super) fn index_items(owners: &mut HashMap<String, Vec<NoteId>>, note: &Note) {
    for item in note.checklist() {
        owners
            .entry(item.id.clone())
            .or_default()
            .push(note.id.clone());
    }
}

fn unindex_items(owners: &mut HashMap<String, Vec<NoteId>>, note: &Note) {
    for item in note.checklist() {
        if let Some(ids) = owners.get_mut(&item.id) {
            if let Some(i) = ids.iter().position(|id| *id == note.id) {
                ids.swap_remove(i);
            }
            if ids.is_empty() {
                owners.remove(&item.id);
            }
        }
    }
}

/// Whether a change to this file (path relative to the knowledge root) can alter how other
/// notes are checked: the vocabulary, or the layer, pillar and security-service id sets.
pub fn is_structural(rel_path: &str) -> bool {
    !rel_path.ends_with(".md")
        || ["layers/", "pillars/", "security-services/"]
            .iter()
            .any(|folder| rel_path.starts_with(folder))
}

/// The outcome of `KnowledgeBase::update`.
pub enum Update {
    /// The new base, and the load diagnostics of each changed or removed file, by display path
    /// (an empty sink where the file is now clean or gone).
    Applied(Box<KnowledgeBase>, Vec<(String, Diagnostics)>),
    /// A structural file changed (see `is_structural`): load everything again.
    NeedsFullLoad,
}

impl KnowledgeBase {
    /// Applies changed and removed note files (display paths for `removed`) without reading or
    /// checking any other note. Structural changes ask for a full load instead.
    pub fn update(mut self, changed: Vec<SourceFile>, removed: &[String]) -> Update {
        if changed.iter().any(|f| is_structural(&f.rel_path)) {
            return Update::NeedsFullLoad;
        }
        let mut report = Vec::new();
        // Positions in `notes` stay valid (and `index` with them) until a note is added, removed
        // or moves in the navigation order; only then are notes sorted and indexed again.
        let mut reorder = false;
        for path in removed {
            self.broken.retain(|_, b| &b.path != path);
            let Some(pos) = self.notes.iter().position(|n| &n.path == path) else {
                continue;
            };
            if is_structural_kind(self.notes[pos].kind) {
                return Update::NeedsFullLoad;
            }
            let old = self.notes.remove(pos);
            unindex_items(&mut self.item_owners, &old);
            reorder = true;
            report.push((path.clone(), Diagnostics::new()));
        }
        let vocab = self.vocab.clone();
        let ids = |kind: Kind| -> HashSet<String> {
            self.of_kind(kind).map(|n| n.id.to_string()).collect()
        };
        let ctx = Context {
            vocab: &vocab,
            catalogs: &self.catalogs.clone(),
            layers: ids(Kind::Layer),
            pillars: ids(Kind::Pillar),
            security_services: ids(Kind::SecurityService),
            layer_order: self
                .of_kind(Kind::Layer)
                .map(|n| n.id.to_string())
                .collect(),
        };
        for file in changed {
            let mut local = Diagnostics::new();
            let path = file.display_path.clone();
            let old_pos = self.notes.iter().position(|n| n.path == path);
            self.broken.retain(|_, b| b.path != path);
            let read = parse_note(file, &mut local);
            if let Read::Broken(b) = &read {
                self.broken.insert(b.id.clone(), b.clone());
            }
            let new = read.note().and_then(|raw| {
                match self
                    .notes
                    .iter()
                    .find(|n| n.id.as_str() == raw.id && n.path != path)
                {
                    Some(other) => {
                        local.error(
                            &Location::file(&raw.path),
                            format!(
                                "duplicate note id `{}`: also defined in `{}`",
                                raw.id, other.path
                            ),
                        );
                        None
                    }
                    None => Some(ctx.validate(raw, &mut local)),
                }
            });
            if let Some(pos) = old_pos {
                unindex_items(&mut self.item_owners, &self.notes[pos]);
            }
            if let Some(note) = &new {
                index_items(&mut self.item_owners, note);
            }
            match (old_pos, new) {
                // The usual edit: same note, same place in the navigation order.
                (Some(pos), Some(note)) if nav_key(&self.notes[pos]) == nav_key(&note) => {
                    let old = std::mem::replace(&mut self.notes[pos], Arc::new(note));
                    self.relayer(pos, &old);
                }
                (old_pos, new) => {
                    if let Some(pos) = old_pos {
                        self.notes.remove(pos);
                    }
                    self.notes.extend(new.map(Arc::new));
                    reorder = true;
                }
            }
            report.push((path, local));
        }
        if reorder {
            self.reindex();
        }
        Update::Applied(Box::new(self), report)
    }

    /// Sorts notes into navigation order and rebuilds the id index and the rows by layer.
    pub(super) fn reindex(&mut self) {
        self.notes.sort_by(|a, b| nav_key(a).cmp(&nav_key(b)));
        self.index = self
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), i))
            .collect();
        self.layer_rows.clear();
        for (i, note) in self.notes.iter().enumerate() {
            for row in note.responsibility() {
                let at = self.layer_rows.entry(row.layer.clone()).or_default();
                if at.last() != Some(&i) {
                    at.push(i);
                }
            }
        }
    }

    /// Brings the rows by layer up to date for the note at `pos`, which replaced `old` there.
    fn relayer(&mut self, pos: usize, old: &Note) {
        let layers = |n: &Note| -> Vec<NoteId> {
            let mut layers: Vec<NoteId> =
                n.responsibility().iter().map(|r| r.layer.clone()).collect();
            layers.sort();
            layers.dedup();
            layers
        };
        let (was, now) = (layers(old), layers(&self.notes[pos]));
        if was == now {
            return;
        }
        for layer in was.iter().filter(|l| !now.contains(l)) {
            if let Some(at) = self.layer_rows.get_mut(layer) {
                at.retain(|&i| i != pos);
                if at.is_empty() {
                    self.layer_rows.remove(layer);
                }
            }
        }
        for layer in now.into_iter().filter(|l| !was.contains(l)) {
            let at = self.layer_rows.entry(layer).or_default();
            if let Err(i) = at.binary_search(&pos) {
                at.insert(i, pos);
            }
        }
    }
}

fn is_structural_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Layer | Kind::Pillar | Kind::SecurityService)
}

/// The navigation order: kind, then `order`, the name it sorts by (natural, case-insensitive,
/// services without their vendor prefix) and id.
fn nav_key(note: &Note) -> (Kind, i64, Natural<'_>, &NoteId) {
    (
        note.kind,
        note.order.unwrap_or(i64::MAX),
        Natural(note.sort_name()),
        &note.id,
    )
}
