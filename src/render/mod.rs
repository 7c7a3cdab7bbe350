//! Rendering: the driver. Takes the loaded knowledge base and link graph and renders every page
//! (or the pages a preview asks for) in parallel, each reused from the previous build when its
//! fingerprint is unchanged. Writes nothing to disk. The rooms:
//!
//! | file | what it owns |
//! | --- | --- |
//! | `urls.rs` | the page plan: `PageKey`, `pages`, URLs, escaping |
//! | `theme.rs` | templates and assets, compiled once |
//! | `context.rs` | `Ctx`, what every page builder shares, and the small views |
//! | `nav.rs` | the layout: sidebar sections, breadcrumbs; `nav.js`, the notes every sidebar lists |
//! | `page/` | one file per page family: home, matrix, lists, sections, note, print, self-check |
//! | `paging.rs` | gathering pages split in parts when long: which parts, and where |
//! | `parts.rs` | long pages rendered one element at a time, kept elements spliced in |
//! | `reuse.rs` | the render-or-reuse decision and the build's seed |
//! | `bodies.rs` | note bodies and what each is made from (kept by `incremental::Bodies`) |
//! | `body.rs`, `highlight.rs`, `sanitize.rs` | Markdown to HTML, code highlighting, cleaning |
//! | `view.rs` | the typed views templates see |

mod bodies;
mod body;
mod context;
mod highlight;
mod loops;
mod nav;
mod page;
pub mod paging;
mod parts;
mod reuse;
mod sanitize;
mod theme;
mod urls;
pub mod view;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::history::History;
use crate::incremental::{Bodies, Fingerprint, Store};
use crate::kb::KnowledgeBase;
use crate::links::LinkGraph;
use context::Ctx;
pub use context::Lookups;
use reuse::{seed, Previous};
use view::PlainPage;

pub use bodies::body_keys;
pub use highlight::Highlighter;
pub use nav::{script as nav_script, NAV_FULL, NAV_SCRIPT, NAV_WINDOW};
pub use page::print::{print_page, PRINT_LIMIT};
pub use paging::Gathering;
pub use theme::Theme;
pub use urls::{
    control_anchor, escape, note_url, owner, pages, part_keys, parts_of, redirect_keys, root_of,
    section_url, site_pages, Page, PageKey,
};

/// How many pages `render_each` rendered and how many it reused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Pages rendered.
    pub rendered: usize,
    /// Pages whose previous bytes were kept (see `Store::keep_page`).
    pub reused: usize,
}

/// What became of one page.
enum Outcome {
    Rendered(Page, Option<Fingerprint>),
    Reused,
    /// A key of a note that no longer exists, or no print page.
    Missing,
}

/// Renders every page (and the print page) in parallel, handing each to `sink` with its
/// fingerprint as soon as it is ready, so a build holds a few pages in memory at a time rather
/// than the whole site. With a `store`, a page is first fingerprinted (its view, without rendering
/// Markdown or templates) and only rendered when the store does not keep it. Note pages show
/// their file's `history` (last updated, edit link).
#[allow(clippy::too_many_arguments)]
pub fn render_each(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    history: &History,
    theme: &Theme,
    store: Option<&dyn Store>,
    bodies: Option<&Bodies<'_>>,
    sink: impl Fn(Page, Option<Fingerprint>) -> Result<()> + Sync,
) -> Result<Counts> {
    let mut ctx = Ctx::new(kb, graph, config).history(history).printing();
    if ctx.bodies.is_some() {
        ctx.store = bodies;
    }
    // Every item is printed on its note's page and again on its layer's and pillar's: grouped
    // first, each item's print is made once and shared (`Ctx::item_slot`).
    ctx.items_by();
    let cache = store.map(|store| Previous {
        seed: seed(theme, config),
        store,
    });
    let keys = pages(kb, &config.org);
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let count = |outcome: Outcome| -> Result<()> {
        match outcome {
            Outcome::Rendered(page, fingerprint) => {
                rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                sink(page, fingerprint)
            }
            Outcome::Reused => {
                reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
            Outcome::Missing => Ok(()),
        }
    };
    keys.par_iter()
        .try_for_each(|key| count(ctx.produce(key, theme, cache.as_ref())?))?;
    count(ctx.print(theme, cache.as_ref())?)?;
    Ok(Counts {
        rendered: rendered.into_inner(),
        reused: reused.into_inner(),
    })
}

/// Renders `changes.html` (what changed since `since`, in `sections`) with the theme's layout. Not
/// part of the page plan: a build given a version to compare with writes it beside the site.
pub fn render_changes(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    history: &History,
    theme: &Theme,
    since: &str,
    sections: Vec<view::ChangeSection>,
) -> Result<Page> {
    let ctx = Ctx::new(kb, graph, config).history(history);
    let view = view::ChangesPage {
        page: ctx.layout("changes.html", "What changed", "", Vec::new()),
        since: since.to_owned(),
        sections,
    };
    match ctx.finish("changes.html", "changes.html", view, theme, None)? {
        Outcome::Rendered(page, _) => Ok(page),
        Outcome::Reused | Outcome::Missing => Err(crate::error::Error::Template(
            "changes.html was not rendered".into(),
        )),
    }
}

/// Highlights one code block as the renderer does (`None` for an unknown language); for benches.
pub fn highlight_code(lang: &str, code: &str) -> Option<String> {
    highlight::Highlighter::get().highlight(lang, code)
}

/// What `render_pages` made of its keys.
#[derive(Default)]
pub struct Rendered {
    /// The pages rendered, each with its fingerprint when a store was asked.
    pub pages: Vec<(Page, Option<Fingerprint>)>,
    /// The URLs of the pages the store kept: their fingerprint is the one it holds.
    pub kept: Vec<String>,
    /// The keys `render_pages_until` did not start (see there).
    pub skipped: Vec<PageKey>,
}

/// Renders the pages named by `keys` in parallel; keys of notes that no longer exist are skipped.
/// With `store` (the preview's record of what it published), each page is fingerprinted first
/// and rendered only when the store does not hold that fingerprint for its URL.
pub fn render_pages(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    history: &History,
    theme: &Theme,
    keys: &[PageKey],
    store: Option<&dyn Store>,
) -> Result<Rendered> {
    render_pages_until(kb, graph, config, history, theme, keys, store, None, |_| {
        false
    })
}

/// `render_pages` for the preview: `lookups` (the preview's) are used and filled in place of the
/// render's own, the preview forgetting them when the knowledge base changes what they hold
/// (see `Lookups`). A page not started yet when `skip` says so for its key (a change or a
/// request is queued) is not rendered, and comes back in `skipped`; the
/// pages share one render's lookups (which control is on which part of the controls page, the
/// items by layer), which at 10,000 notes cost about as much as several note pages each time
/// they are made.
#[allow(clippy::too_many_arguments)]
pub fn render_pages_until(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    history: &History,
    theme: &Theme,
    keys: &[PageKey],
    store: Option<&dyn Store>,
    lookups: Option<&Lookups>,
    skip: impl Fn(&PageKey) -> bool + Sync,
) -> Result<Rendered> {
    let ctx = Ctx::new(kb, graph, config)
        .history(history)
        .lookups(lookups);
    let cache = store.map(|store| Previous {
        seed: seed(theme, config),
        store,
    });
    let outcomes: Vec<Option<Outcome>> = keys
        .par_iter()
        .map(|key| {
            if skip(key) {
                Ok(None)
            } else {
                ctx.produce(key, theme, cache.as_ref()).map(Some)
            }
        })
        .collect::<Result<_>>()?;
    let mut rendered = Rendered::default();
    for (key, outcome) in keys.iter().zip(outcomes) {
        match outcome {
            Some(Outcome::Rendered(page, print)) => rendered.pages.push((page, print)),
            Some(Outcome::Reused) => rendered.kept.extend(key.url(kb)),
            Some(Outcome::Missing) => {}
            None => rendered.skipped.push(key.clone()),
        }
    }
    Ok(rendered)
}

impl Ctx<'_> {
    /// Renders the page `key`, unless `cache` finds its fingerprint reusable.
    fn produce(&self, key: &PageKey, theme: &Theme, cache: Option<&Previous>) -> Result<Outcome> {
        let (t, c) = (theme, cache);
        match key {
            PageKey::Home => self.finish("index.html", "index.html", self.home(), t, c),
            PageKey::Matrix => self.matrix(None, t, c),
            PageKey::Checklists => self.checklists(None, t, c),
            PageKey::Controls => self.controls(None, t, c),
            PageKey::Attestation => self.attestation(None, t, c),
            PageKey::Part { of, slug } => {
                let part = Some(slug.as_str());
                match of {
                    Gathering::Matrix => self.matrix(part, t, c),
                    Gathering::Checklists => self.checklists(part, t, c),
                    Gathering::Controls => self.controls(part, t, c),
                    Gathering::Attestation => self.attestation(part, t, c),
                }
            }
            PageKey::SelfCheck => self.self_check(t, c),
            PageKey::Search => {
                let page = PlainPage {
                    page: self.layout("search.html", "Search", "search", Vec::new()),
                };
                self.finish("search.html", "search.html", page, t, c)
            }
            PageKey::NotFound => {
                let page = PlainPage {
                    page: self.layout("404.html", "Page not found", "", Vec::new()),
                };
                self.finish("404.html", "404.html", page, t, c)
            }
            PageKey::Section(kind) => self.finish(
                &section_url(*kind),
                "section.html",
                self.section(*kind),
                t,
                c,
            ),
            PageKey::Note(id) => match self.kb.get(id) {
                Some(note) => self.note(note, theme, cache),
                None => Ok(Outcome::Missing),
            },
            PageKey::NotePart { id, slug } => match self.kb.get(id) {
                Some(note) => self.note_part(note, slug, theme, cache),
                None => Ok(Outcome::Missing),
            },
            PageKey::Redirect { from, to } => Ok(match (key.url(self.kb), self.kb.get(to)) {
                (Some(_), Some(note)) => {
                    let base = self.book.base_url.as_deref();
                    let html = urls::redirect_page(from, note, base);
                    Outcome::Rendered(
                        Page {
                            url: from.clone(),
                            html,
                        },
                        None,
                    )
                }
                _ => Outcome::Missing,
            }),
        }
    }
}
