//! The pages that list every checklist item: `checklists.html` (grouped by note) and
//! `controls.html` (by control id, in natural order), each list rendered in parts.

use crate::error::Result;
use crate::kb::{ChecklistItem, Kind, Note};
use crate::render::context::{Ctx, Show};
use crate::render::paging::{checklist_notes, Gathering};
use crate::render::parts::{part_marker, Parts};
use crate::render::reuse::Previous;
use crate::render::theme::Theme;
use crate::render::urls::control_anchor;
use crate::render::view::*;
use crate::render::Outcome;

/// One control the controls page shows: the items that name it, and its entry in the
/// catalog's list with its coverage when the catalog has a list.
struct Entry<'a> {
    id: String,
    items: &'a [&'a ChecklistItem],
    listed: Option<(
        &'a crate::kb::CatalogControl,
        &'a crate::kb::coverage::ControlCoverage,
    )>,
}

impl Ctx<'_> {
    /// Every control id of every catalog with the checklist items mapped to it, in natural order
    /// (`S3.2` before `S3.10`): `controls.html`, or its index and the part `part` when it is
    /// split (by catalog, see `paging`).
    pub(in crate::render) fn controls(
        &self,
        part: Option<&str>,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        // The catalogs as compiled (one per vocabulary entry, in its order), each with its
        // coverage when it has a list of controls, looked up once.
        let catalogs = &self.kb.catalogs;
        let coverage = self.coverage();
        let covered: Vec<Option<&crate::kb::coverage::CatalogCoverage>> = catalogs
            .iter()
            .map(|c| coverage.iter().find(|k| k.catalog == c.catalog.id))
            .collect();
        // Per catalog, what it lists (see `paging::catalog_controls`): with a list of controls,
        // every control of it with its state (an uncovered one too, so a reader sees the gap
        // where it is); without, the controls items name.
        let all: Vec<Vec<Entry<'_>>> = self
            .catalog_controls()
            .iter()
            .zip(catalogs)
            .zip(&covered)
            .map(|((controls, compiled), covered)| {
                let listed = compiled.controls.as_deref().zip(*covered);
                controls
                    .iter()
                    .enumerate()
                    .map(|(n, (id, items))| Entry {
                        id: id.clone(),
                        listed: listed.map(|(list, covered)| (&list[n], &covered.controls[n])),
                        items,
                    })
                    .collect()
            })
            .collect();
        let len = all.iter().map(Vec::len).sum();
        let Some(paged) = self.paged(Gathering::Controls, part, "Controls", len) else {
            return Ok(Outcome::Missing);
        };
        // Each catalog's slice of the page's range (a part holds one catalog's, or a slice of
        // it); a catalog's coverage shows where its list starts.
        let mut offset = 0;
        let mut grouped: Vec<&[Entry<'_>]> = Vec::with_capacity(all.len());
        let mut starts = Vec::with_capacity(all.len());
        for controls in &all {
            let slice = paged.within(offset, offset + controls.len());
            starts.push(slice.start == 0);
            grouped.push(&controls[slice]);
            offset += controls.len();
        }
        // The catalogs the page shows: every one, but on a part only its own.
        let visible: Vec<usize> = (0..catalogs.len())
            .filter(|n| paged.paging.is_none() || paged.is_index() || !grouped[*n].is_empty())
            .collect();
        let view = ControlsPage {
            page: paged.layout(self, "controls"),
            mapped: self
                .kb
                .checklist_items()
                .filter(|i| !i.controls.is_empty())
                .count(),
            catalogs: visible
                .iter()
                .enumerate()
                .map(|(k, &n)| CatalogGroup {
                    id: catalogs[n].catalog.id.clone(),
                    title: catalogs[n].catalog.title.clone(),
                    url: catalogs[n].catalog.url.clone(),
                    count: all[n].iter().filter(|e| !e.items.is_empty()).count(),
                    coverage: covered[n]
                        .filter(|_| starts[n] || paged.is_index())
                        .map(|c| self.coverage_view(c)),
                    controls_html: part_marker(k),
                })
                .collect(),
            paging: paged.paging.clone(),
        };
        let url = paged.url.as_str();
        let parts: Vec<Parts<'_, ControlGroup>> = visible
            .iter()
            .map(|&n| (&catalogs[n], grouped[n], covered[n]))
            .map(|(compiled, controls, covered)| {
                let catalog = &compiled.catalog;
                let sections = compiled.groups.as_slice();
                let totals = covered.map(|c| c.groups.as_slice()).unwrap_or_default();
                Parts {
                    template: "parts/control.html",
                    name: "control",
                    slot: "catalog.controls_html",
                    len: controls.len(),
                    view: Box::new(move |i: usize, show: Show| {
                        let entry = &controls[i];
                        let key = format!("{}:{}", catalog.id, entry.id);
                        let listed = entry.listed;
                        let control = listed.map(|(c, _)| c);
                        let state = listed.map(|(_, s)| s);
                        // The control opens its section when it is the section's first.
                        let group = control.and_then(|c| c.group.as_deref());
                        let opens = group.is_some()
                            && (i == 0
                                || controls[i - 1].listed.and_then(|(c, _)| c.group.as_deref())
                                    != group);
                        let section = if opens {
                            sections
                                .iter()
                                .zip(totals)
                                .find(|(s, _)| Some(s.id.as_str()) == group)
                                .map(|(s, t)| SectionView {
                                    anchor: format!(
                                        "section-{}",
                                        control_anchor(&format!("{}:{}", catalog.id, s.id))
                                    ),
                                    id: s.id.clone(),
                                    title: s.title.clone(),
                                    url: s.url.clone(),
                                    totals: t.totals,
                                })
                        } else {
                            None
                        };
                        ControlGroup {
                            anchor: control_anchor(&key),
                            key,
                            id: entry.id.to_owned(),
                            title: control.map(|c| c.title.clone()).unwrap_or_default(),
                            items: entry
                                .items
                                .iter()
                                .map(|item| self.item_slot(item, show))
                                .collect(),
                            state: state.map(|s| s.state.word()),
                            via: state
                                .map(|s| {
                                    s.via
                                        .iter()
                                        .map(|v| ControlLink {
                                            anchor: control_anchor(v),
                                            // Empty when it is on this page.
                                            page: Some(self.control_page(v))
                                                .filter(|p| *p != url)
                                                .unwrap_or_default()
                                                .to_owned(),
                                            key: v.clone(),
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                            reason: state.and_then(|s| s.reason.clone()),
                            url: control.and_then(|c| c.url.clone()),
                            provider: control.and_then(|c| c.provider.clone()),
                            customer: control.and_then(|c| c.customer.clone()),
                            layers: control
                                .map(|c| {
                                    c.layers
                                        .iter()
                                        .filter_map(|l| self.kb.get_str(l))
                                        .map(|n| self.link(n))
                                        .collect()
                                })
                                .unwrap_or_default(),
                            section,
                            level: if group.is_some() { 4 } else { 3 },
                        }
                    }),
                    feed: None,
                }
            })
            .collect();
        self.finish_in_parts(url, "controls.html", view, &parts, theme, cache)
    }

    /// What `controls.html` shows of a catalog's coverage.
    fn coverage_view(&self, c: &crate::kb::coverage::CatalogCoverage) -> CoverageView {
        let listed = |state: crate::kb::coverage::State| -> Vec<ListedControl> {
            c.controls
                .iter()
                .filter(|k| k.state == state)
                .map(|k| ListedControl {
                    key: format!("{}:{}", c.catalog, k.id),
                    title: k.title.clone(),
                    service: k
                        .service
                        .as_deref()
                        .and_then(|s| self.kb.get_str(s))
                        .map(|n| self.link(n)),
                    reason: k.reason.clone(),
                })
                .collect()
        };
        CoverageView {
            totals: c.totals,
            uncovered: listed(crate::kb::coverage::State::Uncovered),
            out_of_scope: listed(crate::kb::coverage::State::OutOfScope),
        }
    }

    /// `checklists.html`, or its index and the part `part` when it is split (see `paging`).
    pub(in crate::render) fn checklists(
        &self,
        part: Option<&str>,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let all: Vec<&Note> = checklist_notes(self.kb).collect();
        let Some(paged) = self.paged(Gathering::Checklists, part, "Checklists", all.len()) else {
            return Ok(Outcome::Missing);
        };
        let notes = &all[paged.range.clone()];
        let group = |i: usize, show: Show| {
            let note = notes[i];
            ItemGroup {
                title: self.link(note),
                items: note
                    .checklist()
                    .iter()
                    .map(|i| self.item_slot(i, show))
                    .collect(),
            }
        };
        let vocab = &self.kb.vocab;
        let view = ChecklistsPage {
            page: paged.layout(self, "checklists"),
            total: all.iter().map(|n| n.checklist().len()).sum(),
            groups_html: part_marker(0),
            severities: vocab
                .severities
                .iter()
                .map(|s| OwnerView {
                    id: s.id.clone(),
                    label: s.label.clone(),
                })
                .collect(),
            pillars: self
                .kb
                .of_kind(Kind::Pillar)
                .map(|p| self.link(p))
                .collect(),
            layers: self.kb.of_kind(Kind::Layer).map(|l| self.link(l)).collect(),
            paging: paged.paging.clone(),
        };
        let groups = [Parts {
            template: "parts/checklist-group.html",
            name: "group",
            slot: "groups_html",
            len: notes.len(),
            view: Box::new(group),
            feed: None,
        }];
        let url = paged.url.as_str();
        self.finish_in_parts(url, "checklists.html", view, &groups, theme, cache)
    }
}
