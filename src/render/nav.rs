//! Navigation: the page layout's sidebar, breadcrumbs, and what the sidebar shows fed to a
//! fingerprint. A page holds only its sidebar's sections; the notes they list are in one file
//! for the whole site, `nav.js` (`script`), from which the theme's script fills the sidebar (a
//! window around the current note in large sections). At 10,000 notes the lists were 6 KB of
//! every page, 56 MB of the site.

use std::collections::BTreeMap;

use serde::Serialize;

use super::context::{Ctx, LinkRef};
use super::urls::section_url;
use super::view::*;
use crate::incremental::Hasher;
use crate::kb::{Kind, KnowledgeBase, Note};

/// The site file listing every section's notes for the sidebar.
pub const NAV_SCRIPT: &str = "nav.js";

/// Sidebar sections larger than this show a window around the current page (the theme's script
/// reads it from `nav.js`), so a long section does not bury the others.
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

    /// The sidebar's sections for a page showing `current`: each section's heading, index and
    /// whether `current` is in it. Their notes are not in the page: `nav.js` (`script`) lists
    /// them once for the whole site, and the theme's script fills each page's sidebar from it.
    pub(super) fn nav(&self, current: Option<&Note>) -> Vec<NavSection> {
        self.nav_plan(current)
            .map(|(kind, is_current)| NavSection {
                title: kind.label().to_owned(),
                url: section_url(kind),
                kind: kind.folder().to_owned(),
                current: is_current,
            })
            .collect()
    }

    /// What `nav` shows, fed to a fingerprint without building it: the sections and which one
    /// holds the page. The notes listed live in `nav.js`, so no title or count is in a page's
    /// sidebar, and an edit to one changes no page's fingerprint through it.
    pub(super) fn nav_inputs(&self, current: Option<&Note>, hasher: &mut Hasher) {
        for (kind, is_current) in self.nav_plan(current) {
            hasher.text(kind.folder()).number(u64::from(is_current));
        }
    }

    /// The sidebar's sections (the kinds the knowledge base has notes of, in navigation order)
    /// and whether `current` is in each.
    fn nav_plan(&self, current: Option<&Note>) -> impl Iterator<Item = (Kind, bool)> + use<'_, 'a> {
        let current = current.map(|c| c.kind);
        Kind::ALL
            .into_iter()
            .filter(|kind| self.sections.contains_key(kind))
            .map(move |kind| (kind, current == Some(kind)))
    }
}

/// `nav.js`: the sidebar's sections, each one's notes in navigation order as `[url, title]`, and
/// `NAV_FULL` and `NAV_WINDOW`. It hands them to the theme's script, whichever of the two loads
/// first: `whosecuresNavData` holds them, and `whosecuresNav`, once the theme defines it, is
/// called to fill the sidebar.
pub fn script(kb: &KnowledgeBase) -> String {
    #[derive(Serialize)]
    struct Data<'a> {
        full: usize,
        window: usize,
        sections: BTreeMap<&'static str, Section<'a>>,
    }
    #[derive(Serialize)]
    struct Section<'a> {
        title: &'static str,
        url: String,
        notes: Vec<(String, &'a str)>,
    }
    let sections = Kind::ALL
        .into_iter()
        .filter_map(|kind| {
            let notes = kb.section(kind);
            (!notes.is_empty()).then(|| {
                let notes = notes
                    .iter()
                    .map(|n| (LinkRef::of(n).view().url, n.title.as_str()))
                    .collect();
                let section = Section {
                    title: kind.label(),
                    url: section_url(kind),
                    notes,
                };
                (kind.folder(), section)
            })
        })
        .collect();
    let data = Data {
        full: NAV_FULL,
        window: NAV_WINDOW,
        sections,
    };
    // Serializing plain strings and numbers cannot fail; an empty object keeps the page working.
    let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".into());
    format!(
        "window.whosecuresNavData = {json};\nif (window.whosecuresNav) window.whosecuresNav();\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // nav.js lists every note of each section once, in navigation order, under its page's URL,
    // and hands them over to the theme's script whichever of the two runs first.
    #[test]
    fn script_lists_every_section_in_order() {
        let (kb, _) = crate::testing::embedded_kb();
        let js = script(&kb);
        let json = js
            .strip_prefix("window.whosecuresNavData = ")
            .and_then(|rest| {
                rest.split_once(";\nif (window.whosecuresNav) window.whosecuresNav();\n")
            })
            .map(|(json, rest)| {
                assert_eq!(rest, "");
                json
            })
            .expect("data, then the call");
        let data: serde_json::Value = serde_json::from_str(json).expect("JSON");
        assert_eq!(data["full"], NAV_FULL);
        assert_eq!(data["window"], NAV_WINDOW);
        for kind in Kind::ALL {
            let notes: Vec<(String, String)> = kb
                .of_kind(kind)
                .map(|n| (LinkRef::of(n).view().url, n.title.clone()))
                .collect();
            let section = &data["sections"][kind.folder()];
            if notes.is_empty() {
                assert!(section.is_null(), "{kind:?}");
                continue;
            }
            assert_eq!(section["title"], kind.label());
            assert_eq!(section["url"], section_url(kind));
            let listed: Vec<(String, String)> =
                serde_json::from_value(section["notes"].clone()).expect("pairs");
            assert_eq!(listed, notes, "{kind:?}");
        }
    }
}
