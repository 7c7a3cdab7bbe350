//! Navigation: the page layout's sidebar (a window around the current note in large sections),
//! breadcrumbs, and what the sidebar shows fed to a fingerprint.

use std::sync::Arc;

use super::context::{Ctx, LinkRef};
use super::urls::section_url;
use super::view::*;
use crate::incremental::Hasher;
use crate::kb::{Kind, Note};

/// Sidebar sections larger than this show a window around the current page, so a page's size
/// does not grow with the knowledge base (no O(N²) build at 10,000 notes).
pub const NAV_FULL: usize = 80;

/// Notes shown on each side of the current one in a windowed sidebar section.
pub const NAV_WINDOW: usize = 12;

impl<'a> Ctx<'a> {
    pub(super) fn layout(
        &self,
        url: &str,
        title: &str,
        section: &str,
        toc: Vec<TocEntry>,
    ) -> Layout {
        Layout {
            nav: self.nav(None),
            ..self.layout_without_nav(url, title, section, toc)
        }
    }

    /// `layout` with an empty sidebar (see `nav_inputs`).
    pub(super) fn layout_without_nav(
        &self,
        url: &str,
        title: &str,
        section: &str,
        toc: Vec<TocEntry>,
    ) -> Layout {
        Layout {
            site: self.site.clone(),
            url: url.to_owned(),
            title: title.to_owned(),
            description: self.site.description.clone(),
            nav: Vec::new(),
            breadcrumbs: vec![LinkView {
                url: "index.html".into(),
                title: "Home".into(),
                summary: String::new(),
            }],
            prev: None,
            next: None,
            toc,
            section: section.to_owned(),
        }
    }

    pub(super) fn nav(&self, current: Option<&Note>) -> Vec<NavSection> {
        self.nav_plan(current)
            .into_iter()
            .map(|(kind, shown, total, is_current)| NavSection {
                title: kind.label().to_owned(),
                url: section_url(kind),
                items: shown.iter().map(|n| self.link(n)).collect(),
                total,
                current: is_current,
            })
            .collect()
    }

    /// What `nav` shows, fed to a fingerprint without building it: the same plan (`nav_plan`:
    /// sections, counts, flags) and for each note shown the `LinkRef` that `link` makes its view
    /// from. A note page's nav is most of its view, and a rebuild fingerprints every page.
    pub(super) fn nav_inputs(&self, current: Option<&Note>, hasher: &mut Hasher) {
        for (kind, shown, total, is_current) in self.nav_plan(current) {
            hasher
                .text(kind.folder())
                .number(total as u64)
                .number(u64::from(is_current));
            for note in shown {
                LinkRef::of(note).feed(hasher);
            }
        }
    }

    /// The sidebar's sections for a page showing `current`: kind, the notes listed (all of a
    /// small section; a window around the current note; none of another large section), the
    /// section's size, and whether `current` is in it.
    pub(super) fn nav_plan(
        &self,
        current: Option<&Note>,
    ) -> Vec<(Kind, &'a [Arc<Note>], usize, bool)> {
        Kind::ALL
            .into_iter()
            .filter_map(|kind| {
                let notes: &'a [Arc<Note>] = self.sections.get(&kind)?;
                let is_current = current.is_some_and(|c| c.kind == kind);
                let shown = if notes.len() <= NAV_FULL {
                    notes
                } else if let Some(pos) = current
                    .filter(|_| is_current)
                    .and_then(|c| self.position(c))
                {
                    let start = pos.saturating_sub(NAV_WINDOW);
                    &notes[start..(pos + NAV_WINDOW + 1).min(notes.len())]
                } else {
                    &[]
                };
                Some((kind, shown, notes.len(), is_current))
            })
            .collect()
    }
}
