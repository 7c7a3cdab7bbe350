//! A note's page: its view (facts, related notes, responsibility cells, checklist items,
//! backlinks), its sidebar and its body.

use crate::error::Result;
use crate::kb::{
    ChecklistItem, Date, Duty, Kind, KindData, Natural, Note, NoteId, Responsibility, Vocabulary,
};
use crate::render::context::{layer_group_label, Ctx, Show};
use crate::render::page::paged::paging_view;
use crate::render::paging::{note_part_url, Part};
use crate::render::reuse::{verdict, Previous, Verdict};
use crate::render::theme::Theme;
use crate::render::urls::{note_url, root_of, section_url, Page};
use crate::render::view::*;
use crate::render::Outcome;

/// The "On this page" entries of a note's page, in page order: the responsibility table (its
/// heading is `note.html`'s, above the body), the body's h2 and h3, then the checklist (below
/// the body). The ids and texts here are the ones `note.html` gives those two headings.
fn note_toc(note: &Note, view: &NoteView, headings: &[crate::links::Heading]) -> Vec<TocEntry> {
    let mut toc = Vec::new();
    if !view.cells.is_empty() {
        match note.kind {
            Kind::Service => toc.push(TocEntry {
                level: 2,
                id: "responsibility-title".into(),
                text: "Who secures what".into(),
            }),
            Kind::Layer => toc.push(TocEntry {
                level: 2,
                id: "by-service-title".into(),
                text: format!(
                    "Who secures {}, service by service",
                    note.title.to_lowercase()
                ),
            }),
            _ => {}
        }
    }
    toc.extend(
        headings
            .iter()
            .filter(|h| (2..=3).contains(&h.level))
            .map(|h| TocEntry {
                level: h.level,
                id: h.id.clone(),
                text: h.text.clone(),
            }),
    );
    if !view.items.is_empty() {
        let text = match note.kind {
            Kind::Pillar | Kind::Layer => {
                format!("Checklist items for this {}", note.kind.singular())
            }
            _ => "Checklist".into(),
        };
        toc.push(TocEntry {
            level: 2,
            id: "checklist-title".into(),
            text,
        });
    }
    toc
}

impl Ctx<'_> {
    /// Renders a note's page, unless `cache` finds its fingerprint reusable: the view is
    /// fingerprinted with checklist items as their fingerprints, and made whole only to render.
    pub(in crate::render) fn note(
        &self,
        note: &Note,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let url = note_url(note);
        let show = if cache.is_some() {
            Show::Prints
        } else {
            Show::Views
        };
        let mut page = self.note_page(note, show);
        let verdict = verdict(cache, &url, |hasher| {
            hasher.text("note.html").json(&page);
            self.nav_inputs(Some(note), hasher);
            self.body_inputs(note, hasher);
        })?;
        let Verdict::Render(fingerprint) = verdict else {
            return Ok(Outcome::Reused);
        };
        if show == Show::Prints && page.note.item_parts.is_empty() {
            page.note.items = self.items(note, Show::Views);
        }
        page.page.nav = self.nav(Some(note));
        page.note.html = self.body(note, &root_of(&url));
        let html = theme.render("note.html", page, &root_of(&url))?;
        Ok(Outcome::Rendered(Page { url, html }, fingerprint))
    }

    /// The part `slug` of a long layer's or pillar's page: a slice of its rows or of its items
    /// (see `paging::note_parts`).
    pub(in crate::render) fn note_part(
        &self,
        note: &Note,
        slug: &str,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let parts = self.note_parts(note);
        let (list, rows) = if parts.rows.iter().any(|p| p.slug == slug) {
            (&parts.rows, true)
        } else {
            (&parts.items, false)
        };
        let Some(at) = list.iter().position(|p| p.slug == slug) else {
            return Ok(Outcome::Missing);
        };
        let part = &list[at];
        let url = note_part_url(note, slug);
        let mut page = self.layout(
            &url,
            &format!("{}: {}", note.title, part.label),
            note.kind.folder(),
            Vec::new(),
        );
        page.description = note.summary.clone();
        page.breadcrumbs.push(LinkView {
            url: section_url(note.kind),
            title: note.kind.label().into(),
            summary: String::new(),
        });
        page.breadcrumbs.push(self.link(note));
        let view = NotePartPage {
            page,
            note: self.link(note),
            kind: note.kind.folder().to_owned(),
            paging: paging_view(
                (note_url(note), note.title.clone()),
                list,
                |p| note_part_url(note, &p.slug),
                Some(at),
                if rows { "services" } else { "items" },
            ),
            cells: if rows {
                self.cells(note, part.range.clone())
            } else {
                Vec::new()
            },
            items: if rows {
                Vec::new()
            } else {
                self.gathered(note)
                    .and_then(|items| items.get(part.range.clone()))
                    .unwrap_or_default()
                    .iter()
                    .map(|i| self.item_slot(i, Show::Views))
                    .collect()
            },
        };
        self.finish(&url, "note-part.html", view, theme, cache)
    }

    /// Links to `parts` of `note`'s page, as the note's page lists them.
    fn part_links(&self, note: &Note, parts: &[Part]) -> Vec<PartLink> {
        let index = (note_url(note), note.title.clone());
        paging_view(index, parts, |p| note_part_url(note, &p.slug), None, "").parts
    }

    /// A note's page, its body and sidebar left empty (see `body`, `nav`).
    pub(in crate::render) fn note_page(&self, note: &Note, show: Show) -> NotePage {
        let url = note_url(note);
        let view = self.note_view(note, show);
        let toc = note_toc(note, &view, self.graph.headings(&note.id));
        let mut page = self.layout_without_nav(&url, &note.title, note.kind.folder(), toc);
        page.description = note.summary.clone();
        page.breadcrumbs.push(LinkView {
            url: section_url(note.kind),
            title: note.kind.label().into(),
            summary: String::new(),
        });
        if let Some(siblings) = self.sections.get(&note.kind) {
            if let Some(pos) = self.position(note) {
                page.prev = pos.checked_sub(1).map(|p| self.link(&siblings[p]));
                page.next = siblings.get(pos + 1).map(|n| self.link(n));
            }
        }
        NotePage { page, note: view }
    }

    /// What a note's page shows of the note, its body left empty (see `body`).
    pub(in crate::render) fn note_view(&self, note: &Note, show: Show) -> NoteView {
        let file = self
            .history
            .and_then(|history| history.of(&note.path, &note.rel_path));
        let parts = self.note_parts(note);
        NoteView {
            id: note.id.to_string(),
            kind: note.kind.folder().to_owned(),
            kind_label: note.kind.singular().to_owned(),
            title: note.title.clone(),
            summary: note.summary.clone(),
            html: String::new(),
            aliases: note.aliases.clone(),
            sources: note.sources.clone(),
            backlinks: self.backlinks(note),
            related: self.related(note),
            facts: self.facts(note),
            cells: if parts.rows.is_empty() {
                self.cells(note, 0..usize::MAX)
            } else {
                Vec::new()
            },
            items: if parts.items.is_empty() {
                self.items(note, show)
            } else {
                Vec::new()
            },
            row_parts: self.part_links(note, &parts.rows),
            item_parts: self.part_links(note, &parts.items),
            parted: [
                parts.rows.iter().map(|p| p.weight).sum(),
                parts.items.iter().map(|p| p.weight).sum(),
            ],
            verified: self.oldest_verified(note).map(|d| d.to_string()),
            updated: file.as_ref().and_then(|f| f.updated).map(str::to_owned),
            edit_url: file.and_then(|f| self.book.edit_link(&f.path)),
        }
    }

    /// The oldest `verified` date of what `note`'s page shows: its responsibility rows (a
    /// layer's: every service's row for it), with their duties and variants, and the checklist
    /// items it lists (a layer's or pillar's: those it gathers).
    fn oldest_verified(&self, note: &Note) -> Option<Date> {
        let rows: Vec<&Responsibility> = match &note.data {
            KindData::Layer(_) => self.kb.rows_for(&note.id, ..).map(|(_, row)| row).collect(),
            _ => note.responsibility().iter().collect(),
        };
        let items = match note.kind {
            Kind::Layer => self.items_by().layer.get(&note.id).cloned(),
            Kind::Pillar => self.items_by().pillar.get(&note.id).cloned(),
            _ => Some(note.checklist().iter().collect()),
        };
        rows.iter()
            .map(|row| row.oldest_verified())
            .chain(items.into_iter().flatten().map(|item| item.verified))
            .min()
    }

    /// The notes that link to `note`, by name (`Note::sort_name`, naturally), then id.
    fn backlinks(&self, note: &Note) -> Vec<LinkView> {
        let mut notes: Vec<(&str, &NoteId)> = self
            .graph
            .backlinks(&note.id)
            .iter()
            .map(|id| (self.kb.get(id).map_or(id.as_str(), Note::sort_name), id))
            .collect();
        notes.sort_by(|a, b| (Natural(a.0), a.1).cmp(&(Natural(b.0), b.1)));
        notes.into_iter().map(|(_, id)| self.link_id(id)).collect()
    }

    fn related(&self, note: &Note) -> Vec<RelatedView> {
        let group = |label: &str, ids: &[NoteId]| RelatedView {
            label: label.to_owned(),
            links: ids.iter().map(|id| self.link_id(id)).collect(),
        };
        let groups = match &note.data {
            KindData::Service(s) => vec![group("Security services", &s.security_services)],
            KindData::Pillar(p) => vec![group("Security services", &p.security_services)],
            KindData::SecurityService(s) => vec![
                group("Layers it helps with", &s.layers),
                group("Pillars", &s.pillars),
            ],
            KindData::Practice(p) => vec![group("Pillars", &p.pillars), group("Layers", &p.layers)],
            KindData::Layer(_) | KindData::Model(_) | KindData::Glossary => Vec::new(),
        };
        groups.into_iter().filter(|g| !g.links.is_empty()).collect()
    }

    fn facts(&self, note: &Note) -> Vec<FactView> {
        let vocab = &self.kb.vocab;
        let fact = |label: &str, value: String| FactView {
            label: label.to_owned(),
            value,
        };
        match &note.data {
            KindData::Service(s) => vec![
                fact(
                    "Service model",
                    Vocabulary::label(&vocab.service_models, &s.table.service_model).to_owned(),
                ),
                fact("Category", s.category.clone()),
                fact("Provider", s.provider.to_uppercase()),
                fact("Checklist items", s.checklist.len().to_string()),
            ],
            KindData::Layer(_) => vec![fact("Group", layer_group_label(self.kb, note))],
            KindData::SecurityService(s) => {
                let mut facts = vec![fact("Category", s.category.clone())];
                if let Some(table) = &s.table {
                    let model = Vocabulary::label(&vocab.service_models, &table.service_model);
                    facts.insert(0, fact("Service model", model.to_owned()));
                }
                facts
            }
            _ => Vec::new(),
        }
    }

    /// A note's responsibility cells: a service's, one per layer; a layer's, one per service.
    /// The rows a note's page shows; of a layer's (one per service), those in `range`.
    fn cells(&self, note: &Note, range: std::ops::Range<usize>) -> Vec<CellView> {
        let vocab = &self.kb.vocab;
        // A row as one cell, named by `subject` in its `group`.
        let cell =
            |subject: LinkView, group: String, service: &str, row: &Responsibility| CellView {
                subject,
                group,
                owner: self.owner(&row.owner),
                note: row.note.clone(),
                source: row.source.to_string(),
                verified: row.verified.to_string(),
                provider: duty_views(&row.duties.provider),
                customer: duty_views(&row.duties.customer),
                anchor: format!("layer-{}", row.layer),
                variants: row
                    .variants
                    .iter()
                    .map(|v| VariantView {
                        when: v.when.clone(),
                        owner: self.owner(&v.owner),
                        note: v.note.clone(),
                        provider: duty_views(&v.duties.provider),
                        customer: duty_views(&v.duties.customer),
                    })
                    .collect(),
                team: self.team(row),
                policies: self.policies(self.kb.row_policies(service, row.layer.as_str())),
            };
        match &note.data {
            KindData::Service(_) | KindData::SecurityService(_) => note
                .responsibility()
                .iter()
                .map(|row| {
                    let group = self
                        .kb
                        .get(&row.layer)
                        .map_or_else(String::new, |l| layer_group_label(self.kb, l));
                    cell(self.link_id(&row.layer), group, note.id.as_str(), row)
                })
                .collect(),
            KindData::Layer(_) => self
                .kb
                .rows_for(&note.id, range)
                .map(|(service_note, row)| {
                    let model = service_note.table().map_or("", |t| &t.service_model);
                    let group = Vocabulary::label(&vocab.service_models, model);
                    (service_note, group, row)
                })
                .map(|(service_note, group, row)| {
                    cell(
                        self.link(service_note),
                        group.to_owned(),
                        service_note.id.as_str(),
                        row,
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(in crate::render) fn items(&self, note: &Note, show: Show) -> Vec<ItemSlot> {
        if !matches!(note.kind, Kind::Layer | Kind::Pillar) {
            return note
                .checklist()
                .iter()
                .map(|i| self.item_slot(i, show))
                .collect();
        }
        self.gathered(note).map_or_else(Vec::new, |items| {
            items.iter().map(|i| self.item_slot(i, show)).collect()
        })
    }

    /// The checklist items a layer or pillar gathers from every note, in order.
    fn gathered(&self, note: &Note) -> Option<&[&ChecklistItem]> {
        match note.kind {
            Kind::Layer => self.items_by().layer.get(&note.id).map(Vec::as_slice),
            Kind::Pillar => self.items_by().pillar.get(&note.id).map(Vec::as_slice),
            _ => None,
        }
    }
}

/// The views of one party's duties.
fn duty_views(duties: &[Duty]) -> Vec<DutyView> {
    duties
        .iter()
        .map(|d| DutyView {
            duty: d.duty.clone(),
            source: d.source.to_string(),
            verified: d.verified.to_string(),
        })
        .collect()
}
