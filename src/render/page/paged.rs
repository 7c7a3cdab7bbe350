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

    /// The slice of the entries `from..to` (a group's, in the page's order) this page shows,
    /// counted from `from`: empty when the page shows none of them.
    pub fn within(&self, from: usize, to: usize) -> Range<usize> {
        let lo = self.range.start.clamp(from, to) - from;
        let hi = self.range.end.clamp(from, to) - from;
        lo..hi
    }
}

/// The paging view of `parts` (each at `url`) of the page `index` (its URL and title), the part
/// `at` shown (`None`: the index, whose "next" is the first part).
pub(in crate::render) fn paging_view(
    index: (String, String),
    parts: &[Part],
    url: impl Fn(&Part) -> String,
    at: Option<usize>,
    weighs: &str,
) -> PagingView {
    let link = |k: usize| PartLink {
        url: url(&parts[k]),
        label: parts[k].label.clone(),
        weight: parts[k].weight,
        current: Some(k) == at,
    };
    PagingView {
        index: index.0,
        index_title: index.1,
        label: at.map(|k| parts[k].label.clone()).unwrap_or_default(),
        number: at.map_or(0, |k| k + 1),
        parts: (0..parts.len()).map(link).collect(),
        prev: at.and_then(|k| k.checked_sub(1)).map(link),
        next: at
            .map_or(Some(0), |k| Some(k + 1))
            .filter(|k| *k < parts.len())
            .map(link),
        weighs: weighs.to_owned(),
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
        let view = |at: Option<usize>| {
            let index = (of.url().to_owned(), title.to_owned());
            paging_view(index, parts, |p| of.part_url(&p.slug), at, of.weighs())
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
