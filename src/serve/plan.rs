//! Rebuild planning: which pages a changed note touches. Pure functions over the knowledge base
//! and link graph before and after the change; no I/O, no rendering.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::config::OrgConfig;
use crate::kb::{ChecklistItem, Control, Kind, KnowledgeBase, Note, NoteId};
use crate::links::LinkGraph;
use crate::render::{Gathering, PageKey};

/// The pages to render again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Affected {
    /// Every page (a layer's or pillar's title changed, or a template changed).
    pub all: bool,
    /// Otherwise, these pages. A page split in parts (a gathering page, a layer's or pillar's)
    /// named here renders with every part.
    pub pages: BTreeSet<PageKey>,
    /// Split pages to render without their parts (only those `pages` names): a change that
    /// moves nothing on them alters the page (counts, dates) and the parts showing the note.
    pub alone: BTreeSet<PageKey>,
    /// `nav.js` lists something else: a note added, removed, retitled or in another section
    /// (the sidebars' lists hold each note's address and title, in order of title).
    pub nav: bool,
}

impl Affected {
    /// Every page.
    pub fn everything() -> Self {
        Affected {
            all: true,
            nav: true,
            ..Affected::default()
        }
    }

    /// Adds another plan to this one.
    pub fn merge(&mut self, other: Affected) {
        self.all |= other.all;
        self.nav |= other.nav;
        if !self.all {
            self.pages.extend(other.pages);
            self.alone.extend(other.alone);
        }
    }

    /// Whether the plan renders the controls page or a part of it: the controls, the items
    /// naming them or where each is shown may have changed, so the render lookups that say
    /// which part holds each control (`render::Lookups`) are made again.
    pub fn controls(&self) -> bool {
        self.all
            || (self.pages.iter().chain(&self.alone)).any(|key| {
                matches!(
                    key,
                    PageKey::Controls
                        | PageKey::Part {
                            of: Gathering::Controls,
                            ..
                        }
                )
            })
    }

    fn add(&mut self, key: PageKey) {
        if !self.all {
            self.pages.insert(key);
        }
    }

    fn notes<'a>(&mut self, ids: impl IntoIterator<Item = &'a NoteId>) {
        for id in ids {
            self.add(PageKey::Note(id.clone()));
        }
    }
}

/// What a note looked like before the change: captured before the knowledge base and link graph
/// are updated, so the planner can compare.
#[derive(Debug, Clone, Default)]
pub struct Before {
    /// The note, if it existed.
    pub note: Option<Arc<Note>>,
    /// Notes that linked to it.
    pub backlinks: Vec<NoteId>,
    /// Notes it linked to.
    pub targets: Vec<NoteId>,
    /// Its heading ids (links to them show their text).
    pub headings: Vec<String>,
    /// Pages whose navigation showed it (see `neighbours`).
    pub neighbours: Neighbours,
}

/// Pages whose navigation shows a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Neighbours {
    /// The note was nowhere (it did not exist).
    #[default]
    None,
    /// Every page: a layer or pillar (see `neighbours`).
    All,
    /// These notes' pages: it and its previous and next.
    Some(Vec<NoteId>),
}

/// Captures `id` as it is now, for a later `affected` call.
pub fn before(kb: &KnowledgeBase, graph: &LinkGraph, id: &NoteId) -> Before {
    let Some(note) = kb.index_of(id).map(|i| &kb.notes[i]) else {
        return Before::default();
    };
    Before {
        note: Some(Arc::clone(note)),
        backlinks: graph.backlinks(id).iter().cloned().collect(),
        targets: targets(graph, id),
        headings: graph.headings(id).iter().map(|h| h.id.clone()).collect(),
        neighbours: neighbours(kb, id),
    }
}

/// The ids `id`'s links lead to, as the graph has them now.
pub(super) fn targets(graph: &LinkGraph, id: &NoteId) -> Vec<NoteId> {
    graph
        .outlines
        .get(id)
        .map(|o| o.links.iter().map(|l| l.target.clone()).collect())
        .unwrap_or_default()
}

/// The pages whose navigation shows `id`: its previous and next pages (their "Previous"/"Next"
/// links). The sidebars list it in `nav.js`, not in pages (see `render/nav.rs`). A layer's or
/// pillar's title also shows on the page of every note with a row or item in it: every page.
pub fn neighbours(kb: &KnowledgeBase, id: &NoteId) -> Neighbours {
    let Some(note) = kb.get(id) else {
        return Neighbours::None;
    };
    if matches!(note.kind, Kind::Layer | Kind::Pillar) {
        return Neighbours::All;
    }
    let section = kb.section(note.kind);
    let Some(pos) = section.iter().position(|n| &n.id == id) else {
        return Neighbours::None;
    };
    let end = (pos + 2).min(section.len());
    Neighbours::Some(
        section[pos.saturating_sub(1)..end]
            .iter()
            .map(|n| n.id.clone())
            .collect(),
    )
}

/// The pages that show anything of note `id`, given how it was (`before`) and how the knowledge
/// base and link graph are now.
pub fn affected(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    org: &OrgConfig,
    id: &NoteId,
    before: &Before,
) -> Affected {
    let mut plan = Affected::default();
    let now = kb.get(id);
    let was = before.note.as_deref();
    plan.add(PageKey::Note(id.clone()));

    let front_changed = match (was, now) {
        (Some(a), Some(b)) => a.front_print != b.front_print || a.kind != b.kind,
        _ => true, // added or removed
    };
    let now_targets = targets(graph, id);
    let now_backlinks = graph.backlinks(id);

    // Pages listing it as a backlink ("referenced by") when its links or title change.
    if front_changed || now_targets != before.targets {
        let old: BTreeSet<&NoteId> = before.targets.iter().collect();
        let new: BTreeSet<&NoteId> = now_targets.iter().collect();
        if front_changed {
            plan.notes(old.union(&new).copied());
        } else {
            plan.notes(old.symmetric_difference(&new).copied());
        }
    }
    let headings_changed = match (was, now) {
        (Some(_), Some(_)) => graph
            .headings(id)
            .iter()
            .map(|h| &h.id)
            .ne(before.headings.iter()),
        _ => true,
    };
    if front_changed || headings_changed {
        // Pages that link to it show its title (and heading texts), or a broken link; the
        // graph keeps the notes linking to an id no note has, so an added note fixes them.
        plan.notes(before.backlinks.iter().chain(now_backlinks));
        // So do their checklist items' details, on every page listing those items.
        for linking in before.backlinks.iter().chain(now_backlinks) {
            if let Some(note) = kb.get(linking).filter(|n| details_link(n)) {
                item_pages(kb, note, None, &mut plan);
            }
        }
    }
    if front_changed {
        plan.nav |= match (was, now) {
            (Some(was), Some(now)) => was.title != now.title || was.kind != now.kind,
            _ => true,
        };
        // The home page counts each section's notes.
        if was.is_none() || now.is_none() {
            plan.add(PageKey::Home);
        }
        for neighbours in [&before.neighbours, &neighbours(kb, id)] {
            match neighbours {
                Neighbours::All => return Affected::everything(),
                Neighbours::Some(ids) => plan.notes(ids.iter()),
                Neighbours::None => {}
            }
        }
        for note in [was, now].into_iter().flatten() {
            for key in crate::render::redirect_keys(note) {
                plan.add(key);
            }
            plan.add(PageKey::Section(note.kind));
        }
        match (was, now) {
            // The note keeps its places on the layer and pillar pages: only the parts showing it.
            (Some(was), Some(now)) if same_places(was, now) => {
                let items = !same_items(was, now);
                aggregate_pages(kb, now, Some(org), items, &mut plan);
            }
            _ => {
                for note in [was, now].into_iter().flatten() {
                    aggregate_pages(kb, note, None, true, &mut plan);
                }
            }
        }
    }
    plan
}

/// The pages of notes whose links lead elsewhere because another note's name changed
/// (`LinkGraph::relinked`): their own pages, the pages their links left or reached (backlinks),
/// and the pages listing their checklist items when a detail links.
pub fn relinked(kb: &KnowledgeBase, graph: &LinkGraph) -> Affected {
    let mut plan = Affected::default();
    plan.notes(graph.relinked.iter());
    for note in graph.relinked.iter().filter_map(|id| kb.get(id)) {
        if details_link(note) {
            item_pages(kb, note, None, &mut plan);
        }
    }
    plan
}

/// Whether `now` shows on the same gathering, layer and pillar pages, at the same places, as
/// `was`: the same id, kind and title, rows for the same layers, and the same checklist items
/// (id, title, layer, pillar, controls) in the same order. Then the parts of those pages keep
/// their entries, weights and labels.
fn same_places(was: &Note, now: &Note) -> bool {
    fn layers(n: &Note) -> impl Iterator<Item = &NoteId> {
        n.responsibility().iter().map(|r| &r.layer)
    }
    fn place(i: &ChecklistItem) -> (&String, &String, &NoteId, &NoteId, &Vec<Control>) {
        (&i.id, &i.title, &i.layer, &i.pillar, &i.controls)
    }
    let (items, now_items) = (was.checklist(), now.checklist());
    was.id == now.id
        && was.kind == now.kind
        && was.title == now.title
        && layers(was).eq(layers(now))
        && items.len() == now_items.len()
        && items
            .iter()
            .zip(now_items)
            .all(|(a, b)| place(a) == place(b))
}

/// Pages that gather data from `note`: layer and pillar pages, the matrix and the self-check, the
/// checklists page, the home page's drawing, and the security services it names. When `narrow`
/// (the note keeps its places, `same_places`; with the organisation's settings, which group the
/// attestation page), each split page is planned alone, with only the parts that show the note;
/// and the pages listing its checklist items only when `items` (they changed: `same_items`).
fn aggregate_pages(
    kb: &KnowledgeBase,
    note: &Note,
    narrow: Option<&OrgConfig>,
    items: bool,
    plan: &mut Affected,
) {
    match note.kind {
        Kind::Service => {
            gathering_page(kb, Gathering::Matrix, note, narrow, plan);
            plan.add(PageKey::SelfCheck);
            plan.add(PageKey::Home);
            if narrow.is_none() {
                plan.notes(kb.of_kind(Kind::Layer).map(|l| &l.id));
            }
        }
        Kind::Layer => {
            plan.add(PageKey::Attestation);
            plan.add(PageKey::Matrix);
            plan.add(PageKey::SelfCheck);
            plan.add(PageKey::Home);
        }
        _ => {}
    }
    if items {
        item_pages(kb, note, narrow, plan);
    }
    if narrow.is_some() {
        // Each layer and pillar page showing the note (its rows, its items when they changed),
        // once.
        let mut owners: BTreeSet<&NoteId> =
            note.responsibility().iter().map(|r| &r.layer).collect();
        if items {
            owners.extend(note.checklist().iter().flat_map(|i| [&i.layer, &i.pillar]));
        }
        for owner in owners {
            note_page(kb, owner, plan);
        }
        if !plan.all {
            let mut parts = crate::render::paging::rows_showing(kb, note);
            if items {
                parts.extend(crate::render::paging::items_showing(kb, note));
            }
            for key in parts {
                plan.add(key);
            }
        }
    }
    plan.notes(note.front_matter_refs());
}

/// Whether the pages listing `now`'s checklist items (the checklists, controls and attestation
/// pages, its layers' and pillars' lists of items) show them as they showed `was`'s: every item
/// alike in every field but where it is written, and the note's title and summary alike, the
/// note's only other words an item's listing could show.
fn same_items(was: &Note, now: &Note) -> bool {
    let items = |n: &Note| serde_json::to_vec(n.checklist()).ok();
    was.title == now.title
        && was.summary == now.summary
        && matches!((items(was), items(now)), (Some(a), Some(b)) if a == b)
}

/// Plans the gathering page `of`: with `narrow` (`note` keeps its places there), the page alone
/// and the parts showing `note`; else the page with every part.
fn gathering_page(
    kb: &KnowledgeBase,
    of: Gathering,
    note: &Note,
    narrow: Option<&OrgConfig>,
    plan: &mut Affected,
) {
    match narrow {
        Some(org) if !plan.all => {
            let slugs = of.showing(kb, org, note);
            if slugs.is_empty() {
                plan.add(of.key());
            } else {
                plan.alone.insert(of.key());
                for slug in slugs {
                    plan.add(PageKey::Part { of, slug });
                }
            }
        }
        _ => plan.add(of.key()),
    }
}

/// Plans the layer or pillar page `owner`, where `note` keeps its places: the page alone (the
/// parts showing `note`: `paging::rows_showing` and `items_showing`, every page at once).
fn note_page(kb: &KnowledgeBase, owner: &NoteId, plan: &mut Affected) {
    match kb.get(owner) {
        Some(owner) if !plan.all => {
            plan.alone.insert(PageKey::Note(owner.id.clone()));
        }
        _ => plan.add(PageKey::Note(owner.clone())),
    }
}

/// Pages that list `note`'s checklist items besides its own: the checklists, controls and
/// attestation pages, and each item's layer and pillar (`narrow`: see `aggregate_pages`, which
/// then plans the layers and pillars).
fn item_pages(kb: &KnowledgeBase, note: &Note, narrow: Option<&OrgConfig>, plan: &mut Affected) {
    if !note.checklist().is_empty() {
        for of in [
            Gathering::Checklists,
            Gathering::Controls,
            Gathering::Attestation,
        ] {
            gathering_page(kb, of, note, narrow, plan);
        }
        if narrow.is_none() {
            for item in note.checklist() {
                plan.notes([&item.layer, &item.pillar]);
            }
        }
    }
}

/// Whether a checklist item of `note` has a wiki-link in its detail (which shows the target's
/// title wherever the item is listed).
fn details_link(note: &Note) -> bool {
    note.checklist()
        .iter()
        .any(|item| item.detail.as_deref().is_some_and(|d| d.contains("[[")))
}

#[cfg(test)]
mod tests;
