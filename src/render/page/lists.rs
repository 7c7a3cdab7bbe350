//! The pages that list every checklist item: `checklists.html` (grouped by note) and
//! `controls.html` (by control id, in natural order), each list rendered in parts.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::kb::{ChecklistItem, Kind, Natural, Note};
use crate::render::context::{Ctx, Show};
use crate::render::parts::{part_marker, Parts};
use crate::render::reuse::Previous;
use crate::render::theme::Theme;
use crate::render::urls::control_anchor;
use crate::render::view::*;
use crate::render::Outcome;

impl Ctx<'_> {
    /// Every control id of every catalog with the checklist items mapped to it, in natural order
    /// (`S3.2` before `S3.10`).
    pub(in crate::render) fn controls(
        &self,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let mut by_control: BTreeMap<(&str, Natural<'_>), Vec<&ChecklistItem>> = BTreeMap::new();
        for item in self.kb.checklist_items() {
            for control in &item.controls {
                by_control
                    .entry((control.catalog.as_str(), Natural(&control.id)))
                    .or_default()
                    .push(item);
            }
        }
        let catalogs = &self.kb.vocab.catalogs;
        // Per catalog, its controls with their items, in natural order.
        let grouped: Vec<Vec<(&str, &Vec<&ChecklistItem>)>> = catalogs
            .iter()
            .map(|catalog| {
                by_control
                    .iter()
                    .filter(|((c, _), _)| *c == catalog.id)
                    .map(|((_, id), items)| (id.0, items))
                    .collect()
            })
            .collect();
        let coverage = crate::kb::coverage::coverage(self.kb, None);
        let url = "controls.html";
        let view = ControlsPage {
            page: self.layout(url, "Controls", "controls", Vec::new()),
            mapped: self
                .kb
                .checklist_items()
                .filter(|i| !i.controls.is_empty())
                .count(),
            catalogs: catalogs
                .iter()
                .zip(&grouped)
                .enumerate()
                .map(|(n, (catalog, controls))| CatalogGroup {
                    id: catalog.id.clone(),
                    title: catalog.title.clone(),
                    url: catalog.url.clone(),
                    count: controls.len(),
                    coverage: coverage
                        .iter()
                        .find(|c| c.catalog == catalog.id)
                        .map(|c| self.coverage_view(c)),
                    controls_html: part_marker(n),
                })
                .collect(),
        };
        let parts: Vec<Parts<'_, ControlGroup>> = catalogs
            .iter()
            .zip(&grouped)
            .map(|(catalog, controls)| Parts {
                template: "parts/control.html",
                name: "control",
                slot: "catalog.controls_html",
                len: controls.len(),
                view: Box::new(move |i: usize, show: Show| {
                    let (id, items) = controls[i];
                    let key = format!("{}:{id}", catalog.id);
                    ControlGroup {
                        anchor: control_anchor(&key),
                        key,
                        id: id.to_owned(),
                        title: self
                            .kb
                            .catalogs
                            .iter()
                            .find(|c| c.catalog.id == catalog.id)
                            .and_then(|c| c.control(id))
                            .map(|c| c.title.clone())
                            .unwrap_or_default(),
                        items: items
                            .iter()
                            .map(|item| self.item_slot(item, show))
                            .collect(),
                    }
                }),
                feed: None,
            })
            .collect();
        self.finish_in_parts(url, url, view, &parts, theme, cache)
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

    pub(in crate::render) fn checklists(
        &self,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let notes: Vec<&Note> = self
            .kb
            .iter()
            .filter(|n| !n.checklist().is_empty())
            .collect();
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
        let url = "checklists.html";
        let view = ChecklistsPage {
            page: self.layout(url, "Checklists", "checklists", Vec::new()),
            total: notes.iter().map(|n| n.checklist().len()).sum(),
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
        };
        let groups = [Parts {
            template: "parts/checklist-group.html",
            name: "group",
            slot: "groups_html",
            len: notes.len(),
            view: Box::new(group),
            feed: None,
        }];
        self.finish_in_parts(url, url, view, &groups, theme, cache)
    }
}
