//! `attestation.html`: every checklist item grouped by the `[org.teams]` team that owns its
//! layer (by layer when `[org]` names no team), with a sign-off block per group, for printing
//! one team per page. The page holds no progress: app.js fills each item's state, tick date and
//! reviewer from this browser's ticks, so it works from the file system like the checklists.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::kb::{ChecklistItem, Kind, Vocabulary};
use crate::markdown::slugify;
use crate::render::context::Ctx;
use crate::render::reuse::Previous;
use crate::render::theme::Theme;
use crate::render::urls::note_url;
use crate::render::view::{AttestGroup, AttestItem, AttestationPage};
use crate::render::Outcome;

/// The heading of the items whose layer `[org.teams]` gives no team.
pub const NO_TEAM: &str = "No team named";

impl Ctx<'_> {
    pub(in crate::render) fn attestation(
        &self,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let by_team = !self.org.teams.is_empty();
        // Group key: (order, heading). Teams by name with "No team named" last; layers in the
        // knowledge base's layer order.
        let mut groups: BTreeMap<(usize, String), Vec<&ChecklistItem>> = BTreeMap::new();
        let layers: Vec<&str> = self
            .kb
            .of_kind(Kind::Layer)
            .map(|l| l.id.as_str())
            .collect();
        for item in self.kb.checklist_items() {
            let key = if by_team {
                match self.org.team(item.layer.as_str()) {
                    Some(team) => (0, team.to_owned()),
                    None => (1, NO_TEAM.to_owned()),
                }
            } else {
                let at = layers
                    .iter()
                    .position(|l| *l == item.layer.as_str())
                    .unwrap_or(layers.len());
                (at, self.link_id(&item.layer).title)
            };
            groups.entry(key).or_default().push(item);
        }
        let vocab = &self.kb.vocab;
        let item = |i: &ChecklistItem| {
            let note = self.kb.get(&i.note);
            AttestItem {
                id: i.id.clone(),
                title: i.title.clone(),
                url: note.map_or_else(String::new, |n| format!("{}#item-{}", note_url(n), i.id)),
                note: self.link_id(&i.note).title,
                layer: self.link_id(&i.layer).title,
                severity: i.severity.clone(),
                severity_label: Vocabulary::label(&vocab.severities, &i.severity).to_owned(),
                policies: self.policies(self.kb.item_policies(&i.id)),
            }
        };
        let groups: Vec<AttestGroup> = groups
            .into_iter()
            .map(|((_, name), items)| AttestGroup {
                id: format!("team-{}", slugify(&name)),
                items: items.into_iter().map(item).collect(),
                name,
            })
            .collect();
        let url = "attestation.html";
        let view = AttestationPage {
            page: self.layout(url, "Attestation", "attestation", Vec::new()),
            by_team,
            org: self.org.name.clone(),
            total: groups.iter().map(|g| g.items.len()).sum(),
            groups,
        };
        self.finish(url, "attestation.html", view, theme, cache)
    }
}
