//! Which slice of a gathering page a page shows: the whole, the index of its parts, or one part
//! (see `render::paging`), with the pager's view.

use std::ops::Range;

use crate::render::context::Ctx;
use crate::render::paging::{Gathering, Part};
use crate::render::view::{Layout, LinkView, PagingView, PartLink};

/// One page of a gathering page.
pub(in crate::render) struct Paged {
    /// Its URL.
    pub url: String,
    /// Its title: the page's, and the part's label after it.
    pub title: String,
    /// The entries it shows (none on the index of a split page).
    pub range: Range<usize>,
    /// The parts and the pager, when the page is split.
    pub paging: Option<PagingView>,
}

impl Paged {
    /// Whether this is the index of a split page.
    pub fn is_index(&self) -> bool {
        self.paging.as_ref().is_some_and(|p| p.number == 0)
    }

    /// The page's layout, with the index in the breadcrumbs of a part.
    pub fn layout(&self, ctx: &Ctx<'_>, section: &str) -> Layout {
        let mut layout = ctx.layout(&self.url, &self.title, section, Vec::new());
        if let Some(paging) = self.paging.as_ref().filter(|p| p.number > 0) {
            layout.breadcrumbs.push(LinkView {
                url: paging.index.clone(),
                title: paging.index_title.clone(),
                summary: String::new(),
            });
        }
        layout
    }
}

impl Ctx<'_> {
    /// The page of `of` that `part` names (`None`: the page itself) over its `len` entries;
    /// `None` when there is no such part (any more).
    pub(in crate::render) fn paged(
        &self,
        of: Gathering,
        part: Option<&str>,
        title: &str,
        len: usize,
    ) -> Option<Paged> {
        let parts = self.parts_of(of);
        let link = |(k, p): (usize, &Part), at: Option<usize>| PartLink {
            url: of.part_url(&p.slug),
            label: p.label.clone(),
            weight: p.weight,
            current: Some(k) == at,
        };
        let view = |at: Option<usize>| PagingView {
            index: of.url().to_owned(),
            index_title: title.to_owned(),
            label: at.map(|k| parts[k].label.clone()).unwrap_or_default(),
            number: at.map_or(0, |k| k + 1),
            parts: parts.iter().enumerate().map(|p| link(p, at)).collect(),
            prev: at
                .and_then(|k| k.checked_sub(1))
                .map(|k| link((k, &parts[k]), at)),
            next: at
                .map_or(Some(0), |k| Some(k + 1))
                .filter(|k| *k < parts.len())
                .map(|k| link((k, &parts[k]), at)),
            weighs: of.weighs().to_owned(),
        };
        match (part, parts.is_empty()) {
            (None, true) => Some(Paged {
                url: of.url().to_owned(),
                title: title.to_owned(),
                range: 0..len,
                paging: None,
            }),
            (None, false) => Some(Paged {
                url: of.url().to_owned(),
                title: title.to_owned(),
                range: 0..0,
                paging: Some(view(None)),
            }),
            (Some(slug), _) => {
                let k = parts.iter().position(|p| p.slug == slug)?;
                let range = parts[k].range.clone();
                (range.end <= len).then(|| Paged {
                    url: of.part_url(slug),
                    title: format!("{title}: {}", parts[k].label),
                    range,
                    paging: Some(view(Some(k))),
                })
            }
        }
    }
}
