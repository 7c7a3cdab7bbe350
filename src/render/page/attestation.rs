//! `attestation.html`: every checklist item grouped by the `[org.teams]` team that owns its
//! layer (by layer when `[org]` names no team), with a sign-off block per group, for printing
//! one team per page. The page holds no progress: app.js fills each item's state, tick date and
//! reviewer from this browser's ticks, so it works from the file system like the checklists.

use crate::error::Result;
use crate::kb::{ChecklistItem, Vocabulary};
use crate::render::context::Ctx;
use crate::render::paging::Gathering;
use crate::render::reuse::Previous;
use crate::render::theme::Theme;
use crate::render::urls::note_url;
use crate::render::view::{AttestGroup, AttestItem, AttestationPage};
use crate::render::Outcome;

impl Ctx<'_> {
    /// `attestation.html`, or its index and the part `part` when it is split (by group, see
    /// `paging`).
    pub(in crate::render) fn attestation(
        &self,
        part: Option<&str>,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let by_team = !self.org.teams.is_empty();
        let groups = self.attestation_groups();
        let total: usize = groups.iter().map(|g| g.items.len()).sum();
        let Some(paged) = self.paged(Gathering::Attestation, part, "Attestation", total) else {
            return Ok(Outcome::Missing);
        };
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
        // Each group's slice of the page's range of items.
        let mut offset = 0;
        let mut shown = Vec::new();
        for g in groups {
            let slice = paged.within(offset, offset + g.items.len());
            offset += g.items.len();
            if !slice.is_empty() {
                shown.push(AttestGroup {
                    id: g.id.clone(),
                    items: g.items[slice].iter().copied().map(item).collect(),
                    name: g.name.clone(),
                });
            }
        }
        let view = AttestationPage {
            page: paged.layout(self, "attestation"),
            by_team,
            org: self.org.name.clone(),
            total,
            groups: shown,
            paging: paged.paging.clone(),
        };
        self.finish(&paged.url, "attestation.html", view, theme, cache)
    }
}
