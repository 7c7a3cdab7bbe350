//! Which controls of each catalog the checklists cover: for every catalog with a list of
//! controls (`catalogs/<id>.toml`), each control is covered (by the items that name it), out of
//! scope (with the list's reason), retired, or uncovered. Pure arithmetic over the knowledge
//! base; `check --coverage` and `export --coverage` print it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::KnowledgeBase;

/// What the checklists do for one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// At least one checklist item names it.
    Covered,
    /// No item names it, and the list says why none needs to.
    OutOfScope,
    /// Its publisher retired it, and no item names it.
    Retired,
    /// No item names it, and nothing says why.
    Uncovered,
}

impl State {
    /// The word used in listings and CSV.
    pub fn word(self) -> &'static str {
        match self {
            State::Covered => "covered",
            State::OutOfScope => "out-of-scope",
            State::Retired => "retired",
            State::Uncovered => "uncovered",
        }
    }
}

/// One control and what covers it.
#[derive(Debug, Clone, Serialize)]
pub struct ControlCoverage {
    /// `S3.1`.
    pub id: String,
    /// Our title of it.
    pub title: String,
    /// The service note it applies to, when the knowledge base has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Covered, out of scope, retired or uncovered.
    pub state: State,
    /// The ids of the checklist items that name it or one of its `same_as`, sorted.
    pub items: Vec<String>,
    /// The controls of other catalogs (`cis-aws-3.0.0:1.4`) through which items cover it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// The section of the list it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Why it is out of scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Counts of a catalog's controls by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Every control of the list.
    pub controls: usize,
    /// Named by at least one item.
    pub covered: usize,
    /// Out of scope, with a reason.
    pub out_of_scope: usize,
    /// Retired.
    pub retired: usize,
    /// Neither covered nor explained.
    pub uncovered: usize,
}

impl Totals {
    fn add(&mut self, state: State) {
        self.controls += 1;
        match state {
            State::Covered => self.covered += 1,
            State::OutOfScope => self.out_of_scope += 1,
            State::Retired => self.retired += 1,
            State::Uncovered => self.uncovered += 1,
        }
    }
}

/// One catalog's coverage.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogCoverage {
    /// `fsbp`.
    pub catalog: String,
    /// Its full name.
    pub title: String,
    /// The publisher's page.
    pub url: String,
    /// Over every control of the list.
    pub totals: Totals,
    /// Over the controls of services the knowledge base has a note for.
    pub in_knowledge_base: Totals,
    /// Per section of the list (Well-Architected questions, CCM domains), in its order; empty
    /// when the list has none.
    pub groups: Vec<GroupCoverage>,
    /// Every control, in the list's order.
    pub controls: Vec<ControlCoverage>,
}

/// One section of a catalog's list and how its controls fare.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCoverage {
    /// `SEC01`.
    pub id: String,
    /// Our title of it.
    pub title: String,
    /// Whether at least one of its controls is covered.
    pub covered: bool,
    /// Its controls by state.
    pub totals: Totals,
}

/// The coverage of every catalog that has a list of controls (or only `only`), in vocabulary
/// order. A catalog without a list has nothing to count against and is left out.
pub fn coverage(kb: &KnowledgeBase, only: Option<&str>) -> Vec<CatalogCoverage> {
    let mut items: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for item in kb.checklist_items() {
        for control in &item.controls {
            items
                .entry((control.catalog.as_str(), control.id.as_str()))
                .or_default()
                .push(item.id.clone());
        }
    }
    kb.catalogs
        .iter()
        .filter(|c| only.is_none_or(|o| c.catalog.id == o))
        .filter_map(|compiled| {
            let list = compiled.controls.as_ref()?;
            let id = compiled.catalog.id.as_str();
            let mut totals = Totals::default();
            let mut in_kb = Totals::default();
            let controls = list
                .iter()
                .map(|control| {
                    let mut by: Vec<String> = items
                        .get(&(id, control.id.as_str()))
                        .cloned()
                        .unwrap_or_default();
                    let mut via = Vec::new();
                    for same in &control.same_as {
                        let Some(other) = same
                            .split_once(':')
                            .and_then(|(catalog, control)| items.get(&(catalog, control)))
                        else {
                            continue;
                        };
                        by.extend(other.iter().cloned());
                        via.push(same.clone());
                    }
                    by.sort();
                    by.dedup();
                    let state = if !by.is_empty() {
                        State::Covered
                    } else if control.retired {
                        State::Retired
                    } else if control.out_of_scope.is_some() {
                        State::OutOfScope
                    } else {
                        State::Uncovered
                    };
                    totals.add(state);
                    if control.service.is_some() {
                        in_kb.add(state);
                    }
                    ControlCoverage {
                        id: control.id.clone(),
                        title: control.title.clone(),
                        service: control.service.clone(),
                        state,
                        items: by,
                        via,
                        group: control.group.clone(),
                        reason: control.out_of_scope.clone(),
                    }
                })
                .collect::<Vec<_>>();
            let groups = compiled
                .groups
                .iter()
                .map(|group| {
                    let mut totals = Totals::default();
                    for c in controls
                        .iter()
                        .filter(|c| c.group.as_deref() == Some(group.id.as_str()))
                    {
                        totals.add(c.state);
                    }
                    GroupCoverage {
                        id: group.id.clone(),
                        title: group.title.clone(),
                        covered: totals.covered > 0,
                        totals,
                    }
                })
                .collect();
            Some(CatalogCoverage {
                catalog: id.to_owned(),
                title: compiled.catalog.title.clone(),
                url: compiled.catalog.url.clone(),
                totals,
                in_knowledge_base: in_kb,
                groups,
                controls,
            })
        })
        .collect()
}
