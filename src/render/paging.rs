//! Gathering pages split in parts when they grow long: `checklists.html`, `matrix.html`,
//! `controls.html` and `attestation.html` stay one page while what they gather fits a budget
//! (the embedded knowledge base's do), and past it become an index page at the same address
//! with the parts under a folder of that name (`checklists/services-2.html`), each showing a
//! slice of the entries with the same tools (filters, progress, export) and a pager.
//!
//! A part never mixes sections (a kind of note, a catalog, a team): a section that fits the
//! budget is one part named after it, a longer one is cut into parts of about equal weight,
//! each labelled by its first and last entry. Pure functions of the knowledge base: the page
//! plan, the renderer and the preview all ask here, and get the same answer.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use super::urls::PageKey;
use crate::config::OrgConfig as Org;
use crate::kb::{without_vendor, ChecklistItem, Kind, KnowledgeBase, Natural, NoteId};
use crate::markdown::slugify;

/// Checklist items a page of `checklists.html` holds at most (about 2.4 KB each in the
/// embedded knowledge base, 1.3 KB in the synthetic one).
pub const CHECKLIST_ITEMS: usize = 300;
/// Services a page of `matrix.html` holds at most (a row is about 10 KB in the embedded
/// knowledge base, whose 74 rows stay one page, 7 KB in the synthetic one).
pub const MATRIX_ROWS: usize = 90;
/// Items a page of `attestation.html` holds at most (about 500 bytes each).
pub const ATTESTATION_ITEMS: usize = 1500;
/// Weight a page of `controls.html` holds at most: a control counts 1, and each item line
/// under it 1 more (about 300 bytes a unit).
pub const CONTROL_UNITS: usize = 2500;

/// One part of a split page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// File name in the page's folder, without `.html`: the section's slug, numbered when the
    /// section has several parts (`services-2`).
    pub slug: String,
    /// What a reader sees in the index and the pager.
    pub label: String,
    /// The entries it shows, as a range of the page's entries in order.
    pub range: Range<usize>,
    /// Their weight (items, rows, lines), for the index.
    pub weight: usize,
}

/// One entry of a gathering page, as the split sees it; its names borrowed where they can be
/// (the preview plans parts on every edit: a layer's 10,000 services are 10,000 entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Its section's slug (entries of one section are consecutive).
    pub section: Cow<'a, str>,
    /// Its section's label.
    pub section_label: Cow<'a, str>,
    /// The entry's own name, for labels of parts of a long section.
    pub title: Cow<'a, str>,
    /// Its weight against the budget.
    pub weight: usize,
}

/// The parts of a page of `entries`: empty when the whole fits `budget`.
pub fn split(entries: &[Entry<'_>], budget: usize) -> Vec<Part> {
    let total: usize = entries.iter().map(|e| e.weight).sum();
    if total <= budget {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let section = &entries[start].section;
        let end = entries[start..]
            .iter()
            .position(|e| &e.section != section)
            .map_or(entries.len(), |n| start + n);
        let section_entries = &entries[start..end];
        let weight: usize = section_entries.iter().map(|e| e.weight).sum();
        let label = &entries[start].section_label;
        if weight <= budget {
            parts.push(Part {
                slug: section.to_string(),
                label: label.to_string(),
                range: start..end,
                weight,
            });
        } else {
            // As few parts as packing in order under the budget needs, then the smallest cap
            // that still packs into that many, so the parts come out about equal.
            let count = pack(section_entries, budget).len();
            let (mut lo, mut hi) = (weight.div_ceil(count), budget.max(1));
            while lo < hi {
                let mid = (lo + hi) / 2;
                if pack(section_entries, mid).len() <= count {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            let cuts = pack(section_entries, hi);
            let n = cuts.len();
            for (k, local) in cuts.into_iter().enumerate() {
                let range = start + local.start..start + local.end;
                let first = &entries[range.start].title;
                let last = &entries[range.end - 1].title;
                let span = if range.len() == 1 {
                    first.to_string()
                } else {
                    format!("{first} – {last}")
                };
                parts.push(Part {
                    slug: format!("{section}-{}", k + 1),
                    label: if label.is_empty() {
                        span
                    } else {
                        format!("{label} {}/{n} ({span})", k + 1)
                    },
                    weight: entries[range.clone()].iter().map(|e| e.weight).sum(),
                    range,
                });
            }
        }
        start = end;
    }
    parts
}

/// Rows a layer's page shows at most (one per service; about 900 bytes each in the synthetic
/// knowledge base, up to 4 KB in the embedded one, whose layers have at most 74).
pub const NOTE_ROWS: usize = 250;
/// Checklist items a layer's or pillar's page shows at most.
pub const NOTE_ITEMS: usize = 300;

/// The lists a layer's or pillar's page gathers from other notes, each split on its own when
/// longer than its budget: a list that fits stays on the note's page, a longer one moves to parts
/// under the note's folder (`layers/data/services-2.html`), listed where it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoteParts {
    /// Parts of the services' rows for a layer (`services-N`).
    pub rows: Vec<Part>,
    /// Parts of the checklist items gathered by a layer or pillar (`items-N`).
    pub items: Vec<Part>,
}

impl NoteParts {
    /// Every part, rows first.
    pub fn all(&self) -> impl Iterator<Item = &Part> {
        self.rows.iter().chain(&self.items)
    }
}

/// The parts of `note`'s page (none for notes that gather nothing).
pub fn note_parts(kb: &KnowledgeBase, note: &crate::kb::Note) -> NoteParts {
    NoteParts {
        rows: row_parts(kb, note),
        items: item_parts(kb, note),
    }
}

/// The parts of a layer's rows, one per service with a row for it (none for other notes).
fn row_parts(kb: &KnowledgeBase, note: &crate::kb::Note) -> Vec<Part> {
    if note.kind != Kind::Layer {
        return Vec::new();
    }
    let entries: Vec<Entry<'_>> = kb
        .rows_for(&note.id, ..)
        .map(|(n, _)| entry("services", "Services", without_vendor(&n.title)))
        .collect();
    split(&entries, NOTE_ROWS)
}

/// The parts of the checklist items a layer or pillar gathers (none for other notes).
fn item_parts(kb: &KnowledgeBase, note: &crate::kb::Note) -> Vec<Part> {
    if !matches!(note.kind, Kind::Layer | Kind::Pillar) {
        return Vec::new();
    }
    let entries: Vec<Entry<'_>> = gathered_items(kb, note)
        .map(|i| entry("items", "Checklist items", &i.title))
        .collect();
    split(&entries, NOTE_ITEMS)
}

/// An entry of weight 1 in section `section`.
fn entry<'a>(section: &'static str, label: &'static str, title: &'a str) -> Entry<'a> {
    Entry {
        section: Cow::Borrowed(section),
        section_label: Cow::Borrowed(label),
        title: Cow::Borrowed(title),
        weight: 1,
    }
}

/// How many entries a page gathers, and the places of a note's among them.
type Seen = (usize, Vec<usize>);

/// The parts of the layer and pillar pages that show `note`'s checklist items (see
/// `rows_showing`): one pass over every checklist item counts each of those pages' items and
/// finds the note's places among them; a page's item parts depend only on that count
/// (`item_parts`: one entry of weight 1 per item, one section).
pub fn items_showing(kb: &KnowledgeBase, note: &crate::kb::Note) -> Vec<PageKey> {
    // Per page: how many items it gathers, and where the note's are. A layer gathers the items
    // whose `layer` it is, a pillar those whose `pillar` it is (`gathered_items`).
    let mut layers: HashMap<&NoteId, Seen> = HashMap::new();
    let mut pillars: HashMap<&NoteId, Seen> = HashMap::new();
    for item in note.checklist() {
        layers.entry(&item.layer).or_default();
        pillars.entry(&item.pillar).or_default();
    }
    if layers.is_empty() {
        return Vec::new();
    }
    for item in kb.checklist_items() {
        let this = item.note == note.id;
        for (owners, owner) in [(&mut layers, &item.layer), (&mut pillars, &item.pillar)] {
            if let Some((count, at)) = owners.get_mut(owner) {
                if this {
                    at.push(*count);
                }
                *count += 1;
            }
        }
    }
    let mut owned: Vec<(Kind, &NoteId, Seen)> = (layers.into_iter())
        .map(|(id, seen)| (Kind::Layer, id, seen))
        .chain(
            pillars
                .into_iter()
                .map(|(id, seen)| (Kind::Pillar, id, seen)),
        )
        .collect();
    owned.sort_by(|a, b| a.1.cmp(b.1));
    let mut keys = Vec::new();
    for (kind, id, (count, at)) in owned {
        let Some(owner) = kb.get(id).filter(|owner| owner.kind == kind) else {
            continue;
        };
        let items = entry("items", "Checklist items", "");
        keys.extend(parts_holding(owner, &alike(items, count, NOTE_ITEMS), at));
    }
    keys
}

/// The parts of the layer pages that show `note`'s rows, every layer at once (what a change to
/// `note` can alter there when it moves nothing: the same rows, under the same titles). A
/// layer's parts depend only on how many rows it has (`row_parts`: one entry of weight 1 per
/// service, one section), and the knowledge base knows that count and the note's place among
/// them (`KnowledgeBase::row_place`). Walking every service's rows for them was 15 ms of a row
/// edit's 60 ms rebuild at 10,000 notes.
pub fn rows_showing(kb: &KnowledgeBase, note: &crate::kb::Note) -> Vec<PageKey> {
    let Some(table) = note.table() else {
        return Vec::new();
    };
    // Parts depend only on the count (`parts_holding`): layers often have as many rows.
    let mut splits: HashMap<usize, Vec<Part>> = HashMap::new();
    let mut keys = Vec::new();
    for row in &table.responsibility {
        let Some(owner) = kb.get(&row.layer).filter(|l| l.kind == Kind::Layer) else {
            continue;
        };
        let (count, at) = kb.row_place(&row.layer, &note.id);
        let parts = splits
            .entry(count)
            .or_insert_with(|| alike(entry("services", "Services", ""), count, NOTE_ROWS));
        keys.extend(parts_holding(owner, parts, at));
    }
    keys
}

/// The parts of a list of `count` copies of `entry` (one section, weight 1 each, as `row_parts`
/// and `item_parts` make it: its parts depend only on the count), but for their labels.
fn alike(entry: Entry<'_>, count: usize, budget: usize) -> Vec<Part> {
    split(&vec![entry; count], budget)
}

/// The keys of `owner`'s `parts` that hold the entries at `positions`.
fn parts_holding(
    owner: &crate::kb::Note,
    parts: &[Part],
    positions: impl IntoIterator<Item = usize>,
) -> Vec<PageKey> {
    let mut slugs = Vec::new();
    holding(parts, positions, &mut slugs);
    slugs
        .into_iter()
        .map(|slug| PageKey::NotePart {
            id: owner.id.clone(),
            slug,
        })
        .collect()
}

/// Adds to `slugs` (once each) the slugs of the parts holding the entries at `positions`.
fn holding(parts: &[Part], positions: impl IntoIterator<Item = usize>, slugs: &mut Vec<String>) {
    for position in positions {
        if let Some(part) = parts.iter().find(|p| p.range.contains(&position)) {
            if !slugs.contains(&part.slug) {
                slugs.push(part.slug.clone());
            }
        }
    }
}

/// The checklist items a layer or pillar gathers, in the knowledge base's order.
pub fn gathered_items<'a>(
    kb: &'a KnowledgeBase,
    note: &'a crate::kb::Note,
) -> impl Iterator<Item = &'a ChecklistItem> {
    kb.checklist_items().filter(move |i| match note.kind {
        Kind::Layer => i.layer == note.id,
        Kind::Pillar => i.pillar == note.id,
        _ => false,
    })
}

/// The address of the part `slug` of `note`'s page.
pub fn note_part_url(note: &crate::kb::Note, slug: &str) -> String {
    format!("{}/{}/{slug}.html", note.kind.folder(), note.id.as_str())
}

/// `entries` packed in order into ranges of at most `cap` weight each (an entry heavier than
/// `cap` alone in its range).
fn pack(entries: &[Entry<'_>], cap: usize) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let (mut from, mut run) = (0, 0);
    for (i, e) in entries.iter().enumerate() {
        if i > from && run + e.weight > cap {
            ranges.push(from..i);
            from = i;
            run = 0;
        }
        run += e.weight;
    }
    if from < entries.len() {
        ranges.push(from..entries.len());
    }
    ranges
}

/// The split gathering pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Gathering {
    /// `checklists.html`: items by note.
    Checklists,
    /// `matrix.html`: a row per service.
    Matrix,
    /// `controls.html`: controls by catalog.
    Controls,
    /// `attestation.html`: items by team (or layer).
    Attestation,
}

impl Gathering {
    /// Every gathering page, in the page plan's order.
    pub const ALL: [Gathering; 4] = [
        Gathering::Matrix,
        Gathering::Checklists,
        Gathering::Controls,
        Gathering::Attestation,
    ];

    /// The page's own address (its index when split); its parts live in the folder of that
    /// name without `.html`.
    pub fn url(self) -> &'static str {
        match self {
            Gathering::Checklists => "checklists.html",
            Gathering::Matrix => "matrix.html",
            Gathering::Controls => "controls.html",
            Gathering::Attestation => "attestation.html",
        }
    }

    /// The address of its part `slug`.
    pub fn part_url(self, slug: &str) -> String {
        format!("{}/{slug}.html", self.url().trim_end_matches(".html"))
    }

    /// What the page's entries are called in its index ("items", "services", ...).
    pub fn weighs(self) -> &'static str {
        match self {
            Gathering::Checklists | Gathering::Attestation => "items",
            Gathering::Matrix => "services",
            Gathering::Controls => "controls and item lines",
        }
    }

    /// The page's parts (empty: one page).
    pub fn parts(self, kb: &KnowledgeBase, org: &Org) -> Vec<Part> {
        match self {
            Gathering::Checklists => split(&checklist_entries(kb), CHECKLIST_ITEMS),
            Gathering::Matrix => split(&matrix_entries(kb), MATRIX_ROWS),
            Gathering::Controls => control_parts(kb, &catalog_controls(kb)),
            Gathering::Attestation => attestation_parts(&attestation_groups(kb, org)),
        }
    }
}

impl Gathering {
    /// The slugs of the parts that show what `note` puts on the page (its row in the matrix, its
    /// checklist items, the controls they name), in order; none when the page is not split. What
    /// a change to `note` can alter when it moves nothing (the same entries, weights and
    /// labels: see `serve::plan`).
    pub fn showing(self, kb: &KnowledgeBase, org: &Org, note: &crate::kb::Note) -> Vec<String> {
        let mut slugs = Vec::new();
        match self {
            Gathering::Checklists => {
                let at = checklist_notes(kb).position(|n| n.id == note.id);
                holding(&self.parts(kb, org), at, &mut slugs);
            }
            Gathering::Matrix => {
                // A row per service, of one weight, in one section (`matrix_entries`): the
                // parts' slugs depend only on how many there are, not on the services' titles.
                let (mut count, mut at) = (0, None);
                for (n, _) in kb.services() {
                    if n.id == note.id {
                        at = Some(count);
                    }
                    count += 1;
                }
                holding(
                    &alike(entry("services", "", ""), count, MATRIX_ROWS),
                    at,
                    &mut slugs,
                );
            }
            Gathering::Controls => {
                let controls = catalog_controls(kb);
                let at = controls
                    .iter()
                    .flatten()
                    .enumerate()
                    .filter(|(_, (_, items))| items.iter().any(|i| i.note == note.id))
                    .map(|(n, _)| n);
                holding(&control_parts(kb, &controls), at, &mut slugs);
            }
            Gathering::Attestation => {
                let groups = attestation_groups(kb, org);
                let at = groups
                    .iter()
                    .flat_map(|g| &g.items)
                    .enumerate()
                    .filter(|(_, i)| i.note == note.id)
                    .map(|(n, _)| n);
                holding(&attestation_parts(&groups), at, &mut slugs);
            }
        }
        slugs
    }
}

/// The notes `checklists.html` shows, in order: every note with checklist items.
pub fn checklist_notes(kb: &KnowledgeBase) -> impl Iterator<Item = &crate::kb::Note> {
    kb.iter().filter(|n| !n.checklist().is_empty())
}

fn checklist_entries(kb: &KnowledgeBase) -> Vec<Entry<'_>> {
    checklist_notes(kb)
        .map(|n| Entry {
            section: Cow::Borrowed(n.kind.folder()),
            section_label: Cow::Borrowed(n.kind.label()),
            title: Cow::Borrowed(without_vendor(&n.title)),
            weight: n.checklist().len(),
        })
        .collect()
}

fn matrix_entries(kb: &KnowledgeBase) -> Vec<Entry<'_>> {
    kb.services()
        .map(|(n, _)| Entry {
            section: Cow::Borrowed("services"),
            section_label: Cow::Borrowed(""),
            title: Cow::Borrowed(without_vendor(&n.title)),
            weight: 1,
        })
        .collect()
}

/// A catalog's controls, each with the items naming it.
pub type CatalogControls<'a> = Vec<(String, Vec<&'a ChecklistItem>)>;

/// The controls `controls.html` lists per catalog, in order, with the items naming each: with
/// a list of controls, every control of it in the list's order; without, the controls items
/// name, in natural order.
pub fn catalog_controls(kb: &KnowledgeBase) -> Vec<CatalogControls<'_>> {
    // Grouped by hash, then the distinct controls put in natural order once: ordered-map inserts
    // compared names naturally for every item's every control.
    let mut grouped: std::collections::HashMap<(&str, &str), Vec<&ChecklistItem>> =
        std::collections::HashMap::new();
    for item in kb.checklist_items() {
        for control in &item.controls {
            grouped
                .entry((control.catalog.as_str(), control.id.as_str()))
                .or_default()
                .push(item);
        }
    }
    let by_control: std::collections::BTreeMap<(&str, Natural<'_>), Vec<&ChecklistItem>> = grouped
        .into_iter()
        .map(|((catalog, id), items)| ((catalog, Natural(id)), items))
        .collect();
    kb.catalogs
        .iter()
        .map(|compiled| {
            let catalog = compiled.catalog.id.as_str();
            match compiled.controls.as_ref() {
                Some(list) => list
                    .iter()
                    .map(|c| {
                        let items = by_control
                            .get(&(catalog, Natural(&c.id)))
                            .cloned()
                            .unwrap_or_default();
                        (c.id.clone(), items)
                    })
                    .collect(),
                None => by_control
                    .iter()
                    .filter(|((c, _), _)| *c == catalog)
                    .map(|((_, id), items)| (id.0.to_owned(), items.clone()))
                    .collect(),
            }
        })
        .collect()
}

/// The parts of `controls.html` listing `controls` (`catalog_controls`).
pub fn control_parts(kb: &KnowledgeBase, controls: &[CatalogControls<'_>]) -> Vec<Part> {
    let entries: Vec<Entry<'_>> = kb
        .catalogs
        .iter()
        .zip(controls)
        .flat_map(|(compiled, controls)| {
            let catalog = &compiled.catalog;
            let section = slugify(&catalog.id);
            controls.iter().map(move |(id, items)| Entry {
                section: Cow::Owned(section.clone()),
                section_label: Cow::Borrowed(catalog.title.as_str()),
                title: Cow::Borrowed(id.as_str()),
                weight: 1 + items.len(),
            })
        })
        .collect();
    split(&entries, CONTROL_UNITS)
}

/// The parts of `attestation.html` listing `groups` (`attestation_groups`).
pub fn attestation_parts(groups: &[AttestationGroup<'_>]) -> Vec<Part> {
    let entries: Vec<Entry<'_>> = groups
        .iter()
        .flat_map(|g| {
            g.items.iter().map(|i| Entry {
                section: Cow::Borrowed(g.slug.as_str()),
                section_label: Cow::Borrowed(g.name.as_str()),
                title: Cow::Borrowed(i.title.as_str()),
                weight: 1,
            })
        })
        .collect();
    split(&entries, ATTESTATION_ITEMS)
}

/// The heading of the items whose layer `[org.teams]` gives no team.
pub const NO_TEAM: &str = "No team named";

/// One group of `attestation.html`: a team (or a layer, when `[org]` names no team).
pub struct AttestationGroup<'a> {
    /// Heading.
    pub name: String,
    /// `team-<slug of name>`: the section's anchor.
    pub id: String,
    /// Slug of the name: the part's file name.
    pub slug: String,
    /// Its items, in the knowledge base's order.
    pub items: Vec<&'a ChecklistItem>,
}

/// The groups of `attestation.html`, in order: teams by name with "No team named" last, or
/// layers in the knowledge base's layer order.
pub fn attestation_groups<'a>(kb: &'a KnowledgeBase, org: &Org) -> Vec<AttestationGroup<'a>> {
    let by_team = !org.teams.is_empty();
    // Keyed by borrowed names, made `String`s once per group: a clone per item was most of the
    // preview's planning of this page after an edit at 10,000 notes.
    let mut groups: std::collections::BTreeMap<(usize, &str), Vec<&ChecklistItem>> =
        std::collections::BTreeMap::new();
    let layers: Vec<&crate::kb::Note> = kb.of_kind(Kind::Layer).collect();
    for item in kb.checklist_items() {
        let key = if by_team {
            match org.team(item.layer.as_str()) {
                Some(team) => (0, team),
                None => (1, NO_TEAM),
            }
        } else {
            let at = layers
                .iter()
                .position(|l| l.id == item.layer)
                .unwrap_or(layers.len());
            let title = layers
                .get(at)
                .map_or(item.layer.as_str(), |l| l.title.as_str());
            (at, title)
        };
        groups.entry(key).or_default().push(item);
    }
    let mut taken = std::collections::BTreeSet::new();
    groups
        .into_iter()
        .enumerate()
        .map(|(n, ((_, name), items))| {
            // A file name of its own even when two names slug alike or one slugs to nothing.
            let mut slug = slugify(name);
            if slug.is_empty() || !taken.insert(slug.clone()) {
                slug = format!("group-{}", n + 1);
                taken.insert(slug.clone());
            }
            AttestationGroup {
                id: format!("team-{slug}"),
                slug,
                items,
                name: name.to_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
