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

/// One control the controls page shows: the items that name it, and its entry in the
/// catalog's list with its coverage when the catalog has a list.
struct Entry<'a> {
    id: &'a str,
    items: Vec<&'a ChecklistItem>,
    listed: Option<(
        &'a crate::kb::CatalogControl,
        &'a crate::kb::coverage::ControlCoverage,
    )>,
}

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
        // The catalogs as compiled (one per vocabulary entry, in its order), each with its
        // coverage when it has a list of controls, looked up once.
        let catalogs = &self.kb.catalogs;
        let coverage = crate::kb::coverage::coverage(self.kb, None);
        let covered: Vec<Option<&crate::kb::coverage::CatalogCoverage>> = catalogs
            .iter()
            .map(|c| coverage.iter().find(|k| k.catalog == c.catalog.id))
            .collect();
        // Per catalog, what it lists: with a list of controls, every control of it in the list's
        // order (an uncovered one too, so a reader sees the gap where it is); without, the
        // controls items name, in natural order.
        let grouped: Vec<Vec<Entry<'_>>> = catalogs
            .iter()
            .zip(&covered)
            .map(|(compiled, covered)| {
                let catalog = &compiled.catalog;
                match (compiled.controls.as_ref(), covered) {
                    (Some(list), Some(covered)) => list
                        .iter()
                        .zip(&covered.controls)
                        .map(|(control, state)| Entry {
                            id: &control.id,
                            items: by_control
                                .get(&(catalog.id.as_str(), Natural(&control.id)))
                                .cloned()
                                .unwrap_or_default(),
                            listed: Some((control, state)),
                        })
                        .collect(),
                    _ => by_control
                        .iter()
                        .filter(|((c, _), _)| *c == catalog.id)
                        .map(|((_, id), items)| Entry {
                            id: id.0,
                            items: items.clone(),
                            listed: None,
                        })
                        .collect(),
                }
            })
            .collect();
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
                .zip(&covered)
                .enumerate()
                .map(|(n, ((compiled, controls), covered))| CatalogGroup {
                    id: compiled.catalog.id.clone(),
                    title: compiled.catalog.title.clone(),
                    url: compiled.catalog.url.clone(),
                    count: controls.iter().filter(|e| !e.items.is_empty()).count(),
                    coverage: covered.map(|c| self.coverage_view(c)),
                    controls_html: part_marker(n),
                })
                .collect(),
        };
        let parts: Vec<Parts<'_, ControlGroup>> = catalogs
            .iter()
            .zip(&grouped)
            .zip(&covered)
            .map(|((compiled, controls), covered)| {
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
