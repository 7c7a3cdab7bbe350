//! Rendering: which pages exist, the typed view of each, and Tera templates turning them into
//! HTML, in parallel. Takes the loaded knowledge base and link graph; writes nothing to disk.

mod body;
mod fingerprint;
mod highlight;
mod sanitize;
pub mod view;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use serde::Serialize;
use tera::Tera;

use crate::config::{Config, OrgConfig};
use crate::error::{Error, Result};
use crate::kb::{ChecklistItem, Kind, KindData, KnowledgeBase, Note, NoteId, Vocabulary};
use crate::links::LinkGraph;
use crate::source::{self, SourceFile, Tree};
use view::*;

pub use fingerprint::{program, Fingerprint, Hasher};
pub use highlight::Highlighter;

/// One rendered HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Site-relative URL, e.g. `services/s3.html`.
    pub url: String,
    /// The whole document.
    pub html: String,
}

/// The URL of a note's page.
pub fn note_url(note: &Note) -> String {
    format!("{}/{}.html", note.kind.folder(), note.id)
}

/// The URL of a kind's index page.
pub fn section_url(kind: Kind) -> String {
    format!("{}/index.html", kind.folder())
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The relative path from a page to the site root: `services/s3.html` → `../`.
pub fn root_of(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// Templates and static files of the theme in use: the embedded default, with any file of the
/// configured theme directory laid over it.
pub struct Theme {
    tera: Tera,
    /// Of every template (name and text): a page rendered with other templates is not reused.
    fingerprint: Fingerprint,
    /// Static files, site-relative paths (`static/style.css`).
    pub assets: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// Loads the default theme, overridden by `dir` when given.
    pub fn load(dir: Option<&Path>) -> Result<Theme> {
        let mut files = source::embedded(Tree::DefaultTheme);
        if let Some(dir) = dir {
            files = source::overlay(files, source::read_dir(dir)?);
        }
        Theme::from_files(files)
    }

    /// Builds a theme from its files (templates under `templates/`, assets under `static/`).
    pub fn from_files(files: Vec<SourceFile>) -> Result<Theme> {
        let mut templates: Vec<(String, String)> = Vec::new();
        let mut assets = Vec::new();
        for file in files {
            if let Some(name) = file.rel_path.strip_prefix("templates/") {
                let text = String::from_utf8(file.bytes).map_err(|_| {
                    Error::Template(format!(
                        "{}: template is not valid UTF-8",
                        file.display_path
                    ))
                })?;
                templates.push((name.to_owned(), text));
            } else if file.rel_path.starts_with("static/") {
                assets.push((file.rel_path, file.bytes));
            }
        }
        templates.sort();
        let mut hasher = Hasher::new(None);
        for (name, text) in &templates {
            hasher.text(name).text(text);
        }
        let fingerprint = hasher.finish();
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default also escapes `/`, which makes every URL unreadable in the source.
        tera.set_escape_fn(escape);
        tera.add_raw_templates(templates)
            .map_err(|e| Error::Template(error_chain(&e)))?;
        assets.push((
            "static/highlight.css".to_owned(),
            Highlighter::css().into_bytes(),
        ));
        Ok(Theme {
            tera,
            fingerprint,
            assets,
        })
    }

    /// Renders `view` with `template`. Takes the view: once Tera has its own copy of it (as JSON
    /// values) the view is dropped, so the largest pages are not held twice while they render.
    fn render<T: Serialize>(&self, template: &str, view: T) -> Result<String> {
        let context =
            tera::Context::from_serialize(&view).map_err(|e| Error::Template(error_chain(&e)))?;
        drop(view);
        self.tera
            .render(template, &context)
            .map_err(|e| Error::Template(error_chain(&e)))
    }

    /// Renders `view` with `template`, then each list of `parts` in place of its marker
    /// (`part_marker`), one element at a time: each element's view is made, rendered with the
    /// list's template (given `root` and the element under the list's `name`) and dropped.
    ///
    /// With `kept`, an element whose fingerprint (`prints[n][i]`) the previous build's page had
    /// is copied from there instead. Returns the page and where each element is in it.
    fn render_in_parts<'s, V: Serialize, P: Serialize>(
        &self,
        template: &str,
        view: V,
        root: &str,
        parts: &[Parts<'_, P>],
        mut kept: Option<(&[Vec<Fingerprint>], &mut (dyn PartSource + 's))>,
    ) -> Result<(String, Vec<Vec<Span>>)> {
        let page = self.render(template, view)?;
        if parts.is_empty() {
            return Ok((page, Vec::new()));
        }
        let mut slots = Vec::with_capacity(parts.len());
        for (n, list) in parts.iter().enumerate() {
            let marker = part_marker(n);
            let mut found = page.match_indices(&marker).map(|(at, _)| at);
            match (found.next(), found.next()) {
                (Some(at), None) => slots.push((at, marker.len(), n, list)),
                _ => {
                    return Err(Error::Template(format!(
                        "template `{template}` must show `{{{{ {} | safe }}}}` exactly once \
                         (the {} list, rendered with `{}`)",
                        list.slot, list.name, list.template
                    )))
                }
            }
        }
        slots.sort_unstable_by_key(|(at, _, _, _)| *at);
        let mut out: Vec<u8> = Vec::with_capacity(page.len());
        let mut spans = vec![Vec::new(); parts.len()];
        let mut from = 0;
        for (at, marker_len, n, list) in slots {
            out.extend_from_slice(&page.as_bytes()[from..at]);
            spans[n].reserve(list.len);
            for i in 0..list.len {
                let before = out.len();
                let copied = match kept.as_mut() {
                    Some((prints, source)) => prints
                        .get(n)
                        .and_then(|p| p.get(i))
                        .is_some_and(|print| source.append(print, &mut out)),
                    None => false,
                };
                if !copied {
                    let mut context = tera::Context::new();
                    context.insert("root", root);
                    context.insert(list.name, &(list.view)(i, Show::Views));
                    self.tera
                        .render_to(list.template, &context, &mut out)
                        .map_err(|e| Error::Template(error_chain(&e)))?;
                }
                spans[n].push(Span {
                    at: before as u64,
                    len: (out.len() - before) as u64,
                });
                if i == 0 {
                    // Room for the rest at twice the first element's size (up to 128 MiB):
                    // pages never written to are never resident, while growing by doubling
                    // would copy the list.
                    let rest = (out.len() - before).saturating_mul(2 * (list.len - 1));
                    out.reserve(rest.min(128 << 20) + page.len() - at);
                }
            }
            from = at + marker_len;
        }
        out.extend_from_slice(&page.as_bytes()[from..]);
        let html = String::from_utf8(out).map_err(|_| {
            Error::Template(format!("template `{template}`: output is not valid UTF-8"))
        })?;
        Ok((html, spans))
    }
}

/// A long list on a page that gathers every note, rendered one element at a time with its own
/// template: the page's view holds `part_marker(n)` (in the field named `slot`) where list `n`
/// goes. At 10,000 notes the checklists page lists 18,000 items; as one Tera context (a tree of
/// JSON values) they took about 150 MB, where one element's takes a few kilobytes.
struct Parts<'p, P> {
    /// The element's template, e.g. `parts/checklist-group.html`.
    template: &'static str,
    /// What the element is called in its template.
    name: &'static str,
    /// The page view's field holding the marker.
    slot: &'static str,
    /// How many elements.
    len: usize,
    /// Element `i`'s view, for the template or for the page's fingerprint.
    view: Box<dyn Fn(usize, Show) -> P + Sync + 'p>,
    /// What element `i` is made from, when not simply its view (`view(i, Show::Prints)`): the
    /// print page's notes stand in for their body by what it is made from (see `body_inputs`).
    feed: Option<Feed<'p>>,
}

/// Feeds what list element `i` is made from into a fingerprint (see `Parts::feed`).
type Feed<'p> = Box<dyn Fn(usize, &mut Hasher) + Sync + 'p>;

/// Where a list element is in its page's HTML, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Offset from the start of the page.
    pub at: u64,
    /// Length.
    pub len: u64,
}

/// The list elements of pages (see `Parts`) kept from one build for the next: after an edit, a
/// page that gathers every note is made again from its previous bytes, with only the elements
/// whose fingerprint changed rendered. An element's fingerprint covers the program, theme and
/// configuration (the build's seed), its template, the page's root and its view, so equal
/// fingerprints mean equal bytes.
pub trait PartsStore: Sync {
    /// The previous build's elements of the page at `url`, if it had any and its file is intact.
    fn previous(&self, url: &str) -> Option<Box<dyn PartSource + '_>>;
    /// Records the elements of the page just rendered for `url`, in order.
    fn wrote(&self, url: &str, elements: Vec<(Fingerprint, Span)>);
}

/// A previous page's elements, by fingerprint.
pub trait PartSource {
    /// Appends the bytes of the element with fingerprint `print` to `out`; false (and `out` as it
    /// was) when there is none or it cannot be read.
    fn append(&mut self, print: &Fingerprint, out: &mut Vec<u8>) -> bool;
}

/// Whether a view is made for a template or for a page's fingerprint: the same view, but with
/// each checklist item's fingerprint in place of the item (see `ItemSlot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    Views,
    Prints,
}

/// Where list `n` of a page's `Parts` goes in its template's output: an HTML comment, which text
/// from notes cannot produce (templates escape `<`), replaced by the rendered elements.
fn part_marker(n: usize) -> String {
    format!("<!--whosecures:parts:{n}-->")
}

/// Tera nests the useful message in `source()`; show the whole chain on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = format!("template error: {error}");
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    message
}

/// Sidebar sections larger than this show a window around the current page, so a page's size
/// does not grow with the knowledge base (no O(N²) build at 10,000 notes).
pub const NAV_FULL: usize = 80;
/// Notes shown on each side of the current one in a windowed sidebar section.
pub const NAV_WINDOW: usize = 12;

/// Everything page builders share, computed once per render.
struct Ctx<'a> {
    kb: &'a KnowledgeBase,
    graph: &'a LinkGraph,
    site: SiteView,
    org: &'a OrgConfig,
    /// Clean note bodies (`build.sanitize-html`).
    sanitize: bool,
    /// Note bodies as rendered for their pages, by note position, kept for the print page when
    /// there is one.
    bodies: Option<Vec<OnceLock<String>>>,
    /// Bodies from earlier builds, when there is a print page.
    store: Option<&'a Bodies<'a>>,
    /// Checklist items by layer and by pillar, gathered on first use: only layer, pillar and
    /// checklist pages need them, and the preview often renders none of those.
    items: OnceLock<ItemsBy<'a>>,
    /// Notes of each kind in navigation order (a slice of the knowledge base, which keeps notes
    /// sorted by kind first), for prev/next and nav windows.
    sections: HashMap<Kind, &'a [Arc<Note>]>,
}

/// Checklist items by layer and by pillar, and each item's fingerprint once made.
#[derive(Default)]
struct ItemsBy<'a> {
    layer: HashMap<&'a NoteId, Vec<&'a ChecklistItem>>,
    pillar: HashMap<&'a NoteId, Vec<&'a ChecklistItem>>,
    /// Item (by address: the knowledge base is not changed while it renders, and an address is
    /// unique even where two items share an id) → its position in `prints`.
    ordinal: HashMap<usize, usize>,
    /// The fingerprints of the items' views, made on first use.
    prints: Vec<OnceLock<String>>,
}

/// A page of the site, named by what it shows. `serve` re-renders pages by key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageKey {
    /// `index.html`
    Home,
    /// `matrix.html`
    Matrix,
    /// `checklists.html`
    Checklists,
    /// `controls.html`: checklist items by control id
    Controls,
    /// `search.html`
    Search,
    /// `404.html`
    NotFound,
    /// `<folder>/index.html`
    Section(Kind),
    /// `<folder>/<id>.html`
    Note(NoteId),
}

impl PageKey {
    /// The page's site-relative URL; `None` for a note that no longer exists.
    pub fn url(&self, kb: &KnowledgeBase) -> Option<String> {
        Some(match self {
            PageKey::Home => "index.html".into(),
            PageKey::Matrix => "matrix.html".into(),
            PageKey::Checklists => "checklists.html".into(),
            PageKey::Controls => "controls.html".into(),
            PageKey::Search => "search.html".into(),
            PageKey::NotFound => "404.html".into(),
            PageKey::Section(kind) => section_url(*kind),
            PageKey::Note(id) => note_url(kb.get(id)?),
        })
    }
}

/// Every page the knowledge base has, in a stable order.
pub fn pages(kb: &KnowledgeBase) -> Vec<PageKey> {
    let mut keys = vec![
        PageKey::Home,
        PageKey::Matrix,
        PageKey::Checklists,
        PageKey::Controls,
        PageKey::Search,
        PageKey::NotFound,
    ];
    keys.extend(
        Kind::ALL
            .into_iter()
            .filter(|k| kb.of_kind(*k).next().is_some())
            .map(PageKey::Section),
    );
    keys.extend(kb.iter().map(|n| PageKey::Note(n.id.clone())));
    keys
}

/// What the files made from the whole knowledge base (search index, `kb.json`, sitemap) are made
/// from: every note's path and text, the vocabulary and catalogs, the configuration, the program.
pub fn sources_fingerprint(kb: &KnowledgeBase, config: &Config) -> Fingerprint {
    let mut hasher = Hasher::new(None);
    hasher
        .text(fingerprint::program())
        .text(&format!("{config:?}"))
        .text(&format!("{:?}", kb.vocab))
        .text(&format!("{:?}", kb.catalogs));
    for note in kb.iter() {
        hasher.text(&note.rel_path).text(&note.text);
    }
    hasher.finish()
}

/// Asked, for each page, whether the previous build's bytes for that URL and fingerprint can be
/// kept; `Ok(true)` means they were, and the page is not rendered.
pub type Reuse<'r> = &'r (dyn Fn(&str, &Fingerprint) -> Result<bool> + Sync);

/// How many pages `render_each` rendered and how many it reused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Pages rendered.
    pub rendered: usize,
    /// Pages whose previous bytes were kept (see `Reuse`).
    pub reused: usize,
}

/// What became of one page.
enum Outcome {
    Rendered(Page, Option<Fingerprint>),
    Reused,
    /// A key of a note that no longer exists, or no print page.
    Missing,
}

/// Reuse, with the build-wide part of every fingerprint.
struct Cache<'r> {
    seed: Fingerprint,
    reuse: Reuse<'r>,
    parts: &'r dyn PartsStore,
}

/// Note bodies (Markdown rendered, code highlighted) by fingerprint, carried from one build to
/// the next while the site has a print page: that page holds every body, so without them one
/// edit would render every note's Markdown again.
pub struct Bodies<'l> {
    /// Reads the bodies an earlier build kept; called when the first body is needed, so a
    /// rebuild that renders none does not read them.
    load: Box<dyn Fn() -> HashMap<String, String> + Sync + 'l>,
    known: OnceLock<HashMap<String, String>>,
    made: Mutex<HashMap<String, String>>,
}

impl<'l> Bodies<'l> {
    /// Bodies an earlier build kept, by fingerprint (see `body_keys`), read by `load`.
    pub fn new(load: impl Fn() -> HashMap<String, String> + Sync + 'l) -> Self {
        Bodies {
            load: Box::new(load),
            known: OnceLock::new(),
            made: Mutex::default(),
        }
    }

    /// Bodies already in memory, by fingerprint (the preview keeps them between print pages).
    /// `used` is true from the start for these.
    pub fn kept(bodies: HashMap<String, String>) -> Self {
        Bodies {
            load: Box::new(HashMap::new),
            known: OnceLock::from(bodies),
            made: Mutex::default(),
        }
    }

    /// Whether any body was asked for (if not, the earlier build's bodies are still current).
    pub fn used(&self) -> bool {
        self.known.get().is_some()
    }

    fn get_or_render(&self, key: String, render: impl FnOnce() -> String) -> String {
        let known = self.known.get_or_init(|| (self.load)());
        if let Some(html) = known.get(&key) {
            return html.clone();
        }
        let html = render();
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, html.clone());
        html
    }

    /// The bodies whose fingerprint is in `keys` (the current notes'), for the next build.
    pub fn retained(self, keys: &HashSet<String>) -> BTreeMap<String, String> {
        let made = self.made.into_inner().unwrap_or_else(|e| e.into_inner());
        self.known
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .chain(made)
            .filter(|(key, _)| keys.contains(key))
            .collect()
    }
}

/// The fingerprints of every note's body as `Bodies` keeps them.
pub fn body_keys(kb: &KnowledgeBase, graph: &LinkGraph, config: &Config) -> HashSet<String> {
    let ctx = Ctx::new(kb, graph, config);
    kb.notes
        .par_iter()
        .map(|note| ctx.body_key(note, &root_of(&note_url(note))))
        .collect()
}

/// The fingerprints of a list's elements (see `PartsStore`). One after the other: made in
/// parallel, the other core would pick up another of the large pages meanwhile, and two of them
/// in memory at once raised the build's peak by ~20 MB at 10,000 notes.
fn element_prints<P>(cache: &Cache, root: &str, list: &Parts<'_, P>) -> Vec<Fingerprint>
where
    P: Serialize,
{
    (0..list.len)
        .map(|i| {
            let mut hasher = Hasher::new(Some(&cache.seed));
            hasher.text(list.template).text(root);
            match &list.feed {
                Some(feed) => feed(i, &mut hasher),
                None => {
                    hasher.json(&(list.view)(i, Show::Prints));
                }
            }
            hasher.finish()
        })
        .collect()
}

/// What becomes of a page before it is rendered.
enum Verdict {
    /// The previous build's bytes were kept.
    Kept,
    /// Render it; its fingerprint, when there is a cache.
    Render(Option<Fingerprint>),
}

/// Fingerprints the page at `url` (`feed` adds what it is made from) and asks `cache` whether
/// the previous build's bytes for it can be kept. Without a cache: render, unfingerprinted.
fn verdict(cache: Option<&Cache>, url: &str, feed: impl FnOnce(&mut Hasher)) -> Result<Verdict> {
    let Some(cache) = cache else {
        return Ok(Verdict::Render(None));
    };
    let mut hasher = Hasher::new(Some(&cache.seed));
    hasher.text(url);
    feed(&mut hasher);
    let fingerprint = hasher.finish();
    Ok(if (cache.reuse)(url, &fingerprint)? {
        Verdict::Kept
    } else {
        Verdict::Render(Some(fingerprint))
    })
}

/// Renders every page (and the print page) in parallel, handing each to `sink` with its
/// fingerprint as soon as it is ready, so a build holds a few pages in memory at a time rather
/// than the whole site. With `reuse`, a page is first fingerprinted (its view, without rendering
/// Markdown or templates) and only rendered when `reuse` declines it.
pub fn render_each(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    theme: &Theme,
    reuse: Option<(Reuse, &dyn PartsStore)>,
    bodies: Option<&Bodies<'_>>,
    sink: impl Fn(Page, Option<Fingerprint>) -> Result<()> + Sync,
) -> Result<Counts> {
    let mut ctx = Ctx::new(kb, graph, config).printing();
    if ctx.bodies.is_some() {
        ctx.store = bodies;
    }
    let cache = reuse.map(|(reuse, parts)| Cache {
        seed: seed(theme, config),
        reuse,
        parts,
    });
    let keys = pages(kb);
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

/// What every fingerprint of a build starts from: the program, the theme and the configuration.
fn seed(theme: &Theme, config: &Config) -> Fingerprint {
    Hasher::new(None)
        .text(fingerprint::program())
        .text(&theme.fingerprint.to_hex())
        .text(&format!("{config:?}"))
        .finish()
}

/// Highlights one code block as the renderer does (`None` for an unknown language); for benches.
pub fn highlight_code(lang: &str, code: &str) -> Option<String> {
    highlight::Highlighter::get().highlight(lang, code)
}

/// Knowledge bases larger than this get no print page: it would hold every note's body.
pub const PRINT_LIMIT: usize = 1000;

/// `print.html`: every note on one page, for onboarding packs, with links between notes turned
/// into links within the page. `None` above `PRINT_LIMIT` notes. The preview's way to it: each
/// note's element is copied from the previous page in `parts` when its fingerprint is unchanged;
/// the others are rendered, their bodies taken from `bodies` where an earlier page kept them.
pub fn print_page(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    theme: &Theme,
    bodies: &Bodies<'_>,
    parts: &dyn PartsStore,
) -> Result<Option<Page>> {
    let mut ctx = Ctx::new(kb, graph, config).printing();
    ctx.store = Some(bodies);
    let never = |_: &str, _: &Fingerprint| Ok(false);
    let cache = Cache {
        seed: seed(theme, config),
        reuse: &never,
        parts,
    };
    match ctx.print(theme, Some(&cache))? {
        Outcome::Rendered(page, _) => Ok(Some(page)),
        Outcome::Reused | Outcome::Missing => Ok(None),
    }
}

impl Ctx<'_> {
    /// The print page, reusing the bodies the note pages rendered; `Missing` unless `printing`.
    fn print(&self, theme: &Theme, cache: Option<&Cache>) -> Result<Outcome> {
        if self.bodies.is_none() {
            return Ok(Outcome::Missing);
        }
        let (ctx, kb) = (self, self.kb);
        let url = "print.html";
        let page = PrintPage {
            page: ctx.layout(url, "The whole book", "print", Vec::new()),
            contents: kb
                .iter()
                .map(|note| PrintEntry {
                    anchor: note_url(note),
                    title: note.title.clone(),
                    kind_label: note.kind.singular().to_owned(),
                })
                .collect(),
            notes_html: part_marker(0),
        };
        // An element is made from the note's view and, for its body, what the body is made
        // from; its body is rendered (or taken from the note's page) only when the element is
        // not kept from the previous build.
        let notes = [Parts {
            template: "parts/print-note.html",
            name: "note",
            slot: "notes_html",
            len: kb.notes.len(),
            view: Box::new(|i: usize, show: Show| {
                let note = &kb.notes[i];
                let mut view = ctx.note_view(note, show);
                if show == Show::Views {
                    let own = note_url(note);
                    view.html = in_page_links(&ctx.body(note, &root_of(&own)), &own);
                }
                view
            }),
            feed: Some(Box::new(|i: usize, hasher: &mut Hasher| {
                let note = &kb.notes[i];
                hasher.json(&ctx.note_view(note, Show::Prints));
                ctx.body_inputs(note, hasher);
            })),
        }];
        ctx.finish_in_parts(url, url, page, &notes, theme, cache)
    }
}

/// Rewrites a note body (as rendered for its own page, one folder deep) for the print page at the
/// root: heading ids get the note's URL as a prefix (ids of different notes would collide), links
/// to notes become links to their place on the page, other relative links lose their `../`.
fn in_page_links(html: &str, url: &str) -> String {
    static PATTERNS: OnceLock<Option<(regex::Regex, regex::Regex)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        let href =
            regex::Regex::new(r#"href="\.\./([a-z0-9-]+/[a-z0-9-]+\.html)(?:#([^"]*))?""#).ok()?;
        let id = regex::Regex::new(r#" id="([^"]*)""#).ok()?;
        Some((href, id))
    });
    let Some((href, id)) = patterns else {
        return html.to_owned();
    };
    let html = id.replace_all(html, |c: &regex::Captures| {
        format!(" id=\"{url}--{}\"", &c[1])
    });
    let html = html.replace("href=\"#", &format!("href=\"#{url}--"));
    let html = href.replace_all(&html, |c: &regex::Captures| {
        let target = &c[1];
        match c.get(2) {
            // Section indexes are not on the print page: keep the link to the site (its `../`
            // goes below with the others).
            _ if target.ends_with("/index.html") => c[0].to_owned(),
            Some(anchor) => format!("href=\"#{target}--{}\"", anchor.as_str()),
            None => format!("href=\"#{target}\""),
        }
    });
    html.replace("href=\"../", "href=\"")
        .replace("src=\"../", "src=\"")
}

/// Renders the pages named by `keys` in parallel; keys of notes that no longer exist are skipped.
pub fn render_pages(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    theme: &Theme,
    keys: &[PageKey],
) -> Result<Vec<Page>> {
    let ctx = Ctx::new(kb, graph, config);
    let pages: Vec<Outcome> = keys
        .par_iter()
        .map(|key| ctx.produce(key, theme, None))
        .collect::<Result<_>>()?;
    Ok(pages
        .into_iter()
        .filter_map(|outcome| match outcome {
            Outcome::Rendered(page, _) => Some(page),
            Outcome::Reused | Outcome::Missing => None,
        })
        .collect())
}

impl<'a> Ctx<'a> {
    fn new(kb: &'a KnowledgeBase, graph: &'a LinkGraph, config: &'a Config) -> Self {
        let sections = Kind::ALL
            .into_iter()
            .map(|kind| (kind, kb.section(kind)))
            .filter(|(_, notes)| !notes.is_empty())
            .collect();
        let site = SiteView {
            title: config.book.title.clone(),
            description: config.book.description.clone(),
            language: config.book.language.clone(),
            base_url: config.book.base_url.clone(),
            version: env!("CARGO_PKG_VERSION"),
            print: kb.notes.len() <= PRINT_LIMIT,
        };
        Ctx {
            kb,
            graph,
            site,
            org: &config.org,
            sanitize: config.build.sanitize_html,
            bodies: None,
            store: None,
            items: OnceLock::new(),
            sections,
        }
    }

    /// Keeps note bodies for the print page, when the site has one (not in the preview's
    /// page-by-page renders, which would only pay for the copies).
    fn printing(mut self) -> Self {
        if self.site.print {
            self.bodies = Some((0..self.kb.notes.len()).map(|_| OnceLock::new()).collect());
        }
        self
    }

    /// A note's body HTML for its own page (cleaned when `sanitize-html` is on): rendered once
    /// when the print page needs it again, and taken from `Bodies` when an earlier build kept it.
    fn body(&self, note: &Note, root: &str) -> String {
        let made = || {
            let html = body::render(note, self.kb, self.graph, root);
            if self.sanitize {
                sanitize::clean(&html)
            } else {
                html
            }
        };
        let render = || match self.store {
            Some(store) => store.get_or_render(self.body_key(note, root), made),
            None => made(),
        };
        match (&self.bodies, self.kb.index_of(&note.id)) {
            (Some(bodies), Some(i)) => bodies[i].get_or_init(render).clone(),
            _ => render(),
        }
    }

    /// The fingerprint of a note's body HTML (see `Bodies`).
    fn body_key(&self, note: &Note, root: &str) -> String {
        let mut hasher = Hasher::new(None);
        hasher.text(fingerprint::program()).text("body").text(root);
        self.body_inputs(note, &mut hasher);
        hasher.finish().to_hex()
    }

    fn items_by(&self) -> &ItemsBy<'a> {
        self.items.get_or_init(|| {
            let mut by = ItemsBy::default();
            for item in self.kb.checklist_items() {
                by.layer.entry(&item.layer).or_default().push(item);
                by.pillar.entry(&item.pillar).or_default().push(item);
                by.ordinal.insert(item_address(item), by.prints.len());
                by.prints.push(OnceLock::new());
            }
            by
        })
    }

    /// A note's position in its section, in O(log N).
    fn position(&self, note: &Note) -> Option<usize> {
        let index = self.kb.index_of(&note.id)?;
        Some(index - self.kb.section_start(note.kind))
    }

    /// Renders the page `key`, unless `cache` finds its fingerprint reusable.
    fn produce(&self, key: &PageKey, theme: &Theme, cache: Option<&Cache>) -> Result<Outcome> {
        let (t, c) = (theme, cache);
        match key {
            PageKey::Home => self.finish("index.html", "index.html", self.home(), t, c),
            PageKey::Matrix => self.matrix(t, c),
            PageKey::Checklists => self.checklists(t, c),
            PageKey::Controls => self.controls(t, c),
            PageKey::Search => {
                let page = PlainPage {
                    page: self.layout("search.html", "Search", "search", Vec::new()),
                };
                self.finish("search.html", "search.html", page, t, c)
            }
            PageKey::NotFound => {
                let mut page = PlainPage {
                    page: self.layout("404.html", "Page not found", "", Vec::new()),
                };
                // Served at any depth: links must be absolute from the site root.
                page.page.root = self
                    .site
                    .base_url
                    .as_deref()
                    .map_or("/".to_owned(), |b| format!("{}/", b.trim_end_matches('/')));
                self.finish("404.html", "404.html", page, t, c)
            }
            PageKey::Section(kind) => self.finish(
                &section_url(*kind),
                "section.html",
                self.section(*kind),
                t,
                c,
            ),
            PageKey::Note(id) => {
                let Some(note) = self.kb.get(id) else {
                    return Ok(Outcome::Missing);
                };
                let url = note_url(note);
                let show = if cache.is_some() {
                    Show::Prints
                } else {
                    Show::Views
                };
                let mut page = self.note_page(note, show);
                let verdict = verdict(cache, &url, |hasher| {
                    hasher.text("note.html").json(&page);
                    self.nav_inputs(Some(note), hasher);
                    self.body_inputs(note, hasher);
                })?;
                let Verdict::Render(fingerprint) = verdict else {
                    return Ok(Outcome::Reused);
                };
                if show == Show::Prints {
                    page.note.items = self.items(note, Show::Views);
                }
                page.page.nav = self.nav(Some(note));
                page.note.html = self.body(note, &root_of(&url));
                let html = theme.render("note.html", page)?;
                Ok(Outcome::Rendered(Page { url, html }, fingerprint))
            }
        }
    }

    /// Renders a page's view with `template`, unless `cache` finds its fingerprint reusable.
    fn finish<V: Serialize>(
        &self,
        url: &str,
        template: &str,
        view: V,
        theme: &Theme,
        cache: Option<&Cache>,
    ) -> Result<Outcome> {
        let no_parts: &[Parts<'_, ()>] = &[];
        self.finish_in_parts(url, template, view, no_parts, theme, cache)
    }

    /// `finish` for a page with long lists rendered one element at a time (see `Parts`); the
    /// fingerprint covers the page's view and every element's.
    fn finish_in_parts<V: Serialize, P: Serialize>(
        &self,
        url: &str,
        template: &str,
        view: V,
        parts: &[Parts<'_, P>],
        theme: &Theme,
        cache: Option<&Cache>,
    ) -> Result<Outcome> {
        let root = root_of(url);
        let prints: Option<Vec<Vec<Fingerprint>>> = cache.map(|cache| {
            parts
                .iter()
                .map(|list| element_prints(cache, &root, list))
                .collect()
        });
        let verdict = verdict(cache, url, |hasher| {
            hasher.text(template).json(&view);
            for (list, prints) in parts.iter().zip(prints.iter().flatten()) {
                hasher.text(list.template).number(list.len as u64);
                for print in prints {
                    hasher.fingerprint(print);
                }
            }
        })?;
        let Verdict::Render(fingerprint) = verdict else {
            return Ok(Outcome::Reused);
        };
        let store = cache.map(|c| c.parts).filter(|_| !parts.is_empty());
        let mut previous = store.and_then(|store| store.previous(url));
        let kept = prints.as_deref().zip(previous.as_deref_mut());
        let (html, spans) = theme.render_in_parts(template, view, &root, parts, kept)?;
        if let (Some(store), Some(prints)) = (store, prints) {
            let elements = prints
                .into_iter()
                .flatten()
                .zip(spans.into_iter().flatten());
            store.wrote(url, elements.collect());
        }
        Ok(Outcome::Rendered(
            Page {
                url: url.to_owned(),
                html,
            },
            fingerprint,
        ))
    }

    /// What a note's body HTML is made from: its Markdown, where it sits, and for each note it
    /// links to whatever the link shows of it (title, summary, URL, headings).
    fn body_inputs(&self, note: &Note, hasher: &mut Hasher) {
        hasher
            .text(note.id.as_str())
            .text(note.kind.folder())
            .text(note.body())
            .number(u64::from(self.sanitize));
        let targets: std::collections::BTreeSet<&NoteId> = self
            .graph
            .outlines
            .get(&note.id)
            .map(|o| o.links.iter().map(|l| &l.target).collect())
            .unwrap_or_default();
        for target in targets {
            hasher.text(target.as_str());
            match self.kb.get(target) {
                Some(found) => {
                    hasher
                        .text(found.kind.folder())
                        .text(&found.title)
                        .text(&found.summary);
                }
                None => {
                    hasher.text("\0missing");
                }
            }
            for heading in self.graph.headings(target) {
                hasher
                    .number(u64::from(heading.level))
                    .text(&heading.id)
                    .text(&heading.text);
            }
        }
    }

    fn link(&self, note: &Note) -> LinkView {
        LinkView {
            url: note_url(note),
            title: note.title.clone(),
            summary: note.summary.clone(),
        }
    }

    fn link_id(&self, id: &NoteId) -> LinkView {
        match self.kb.get(id) {
            Some(note) => self.link(note),
            None => LinkView {
                url: String::new(),
                title: id.to_string(),
                summary: String::new(),
            },
        }
    }

    fn owner(&self, id: &str) -> OwnerView {
        OwnerView {
            id: id.to_owned(),
            label: Vocabulary::label(&self.kb.vocab.owners, id).to_owned(),
        }
    }

    fn layout(&self, url: &str, title: &str, section: &str, toc: Vec<TocEntry>) -> Layout {
        Layout {
            nav: self.nav(None),
            ..self.layout_without_nav(url, title, section, toc)
        }
    }

    /// `layout` with an empty sidebar (see `nav_inputs`).
    fn layout_without_nav(
        &self,
        url: &str,
        title: &str,
        section: &str,
        toc: Vec<TocEntry>,
    ) -> Layout {
        Layout {
            site: self.site.clone(),
            root: root_of(url),
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

    fn nav(&self, current: Option<&Note>) -> Vec<NavSection> {
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

    /// What `nav` shows, fed to a fingerprint without building it: the same sections, counts and
    /// flags, and for each note shown exactly what `link` takes from it. A note page's nav is
    /// most of its view, and a rebuild fingerprints every page.
    fn nav_inputs(&self, current: Option<&Note>, hasher: &mut Hasher) {
        for (kind, shown, total, is_current) in self.nav_plan(current) {
            hasher
                .text(kind.folder())
                .number(total as u64)
                .number(u64::from(is_current));
            for note in shown {
                hasher
                    .text(note.kind.folder())
                    .text(note.id.as_str())
                    .text(&note.title)
                    .text(&note.summary);
            }
        }
    }

    /// The sidebar's sections for a page showing `current`: kind, the notes listed (all of a
    /// small section; a window around the current note; none of another large section), the
    /// section's size, and whether `current` is in it.
    fn nav_plan(&self, current: Option<&Note>) -> Vec<(Kind, &'a [Arc<Note>], usize, bool)> {
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

    fn item(&self, item: &ChecklistItem) -> ItemView {
        let vocab = &self.kb.vocab;
        ItemView {
            id: item.id.clone(),
            title: item.title.clone(),
            note: self.link_id(&item.note),
            layer: self.link_id(&item.layer),
            pillar: self.link_id(&item.pillar),
            severity: item.severity.clone(),
            severity_label: Vocabulary::label(&vocab.severities, &item.severity).to_owned(),
            controls: item
                .controls
                .iter()
                .map(|c| ControlView {
                    anchor: control_anchor(&c.to_string()),
                    key: c.to_string(),
                    id: c.id.clone(),
                    catalog: c.catalog.clone(),
                    catalog_title: self
                        .kb
                        .catalog(&c.catalog)
                        .map_or_else(String::new, |cat| cat.title.clone()),
                })
                .collect(),
            verify: item.verify.clone(),
            source: item.source.clone(),
            detail: item.detail.clone(),
            runbook: self.org.runbook(&item.id).map(str::to_owned),
            security_services: item
                .security_services
                .iter()
                .map(|id| self.link_id(id))
                .collect(),
        }
    }

    /// An item as a page shows it (see `ItemSlot`).
    fn item_slot(&self, item: &ChecklistItem, show: Show) -> ItemSlot {
        match show {
            Show::Views => ItemSlot::View(Box::new(self.item(item))),
            Show::Prints => {
                let print = || Hasher::new(None).json(&self.item(item)).finish().to_hex();
                let by = self.items_by();
                ItemSlot::Print(match by.ordinal.get(&item_address(item)) {
                    Some(&n) => by.prints[n].get_or_init(print).clone(),
                    None => print(),
                })
            }
        }
    }

    /// The organisation's team for a row's layer, where the customer has a part in it.
    fn team(&self, row: &crate::kb::Responsibility) -> Option<String> {
        let team = self.org.customer_team(row)?;
        Some(match &self.org.name {
            Some(name) => format!("{name}: {team}"),
            None => team.to_owned(),
        })
    }

    fn home(&self) -> HomePage {
        let layers: Vec<&Note> = self.kb.of_kind(Kind::Layer).collect();
        let services: Vec<_> = self.kb.services().collect();
        // Per layer, how often each owner holds it across services of one model.
        let models: Vec<ModelColumn> = self
            .kb
            .vocab
            .service_models
            .iter()
            .map(|model| {
                let of_model: Vec<_> = services
                    .iter()
                    .filter(|(_, s)| s.service_model == model.id)
                    .collect();
                let cells = layers
                    .iter()
                    .map(|layer| {
                        let owners: Vec<&str> = of_model
                            .iter()
                            .filter_map(|(_, s)| s.row(&layer.id).map(|r| r.owner.as_str()))
                            .collect();
                        let owner = majority(&owners).unwrap_or("not-applicable");
                        let depends = owners.iter().any(|o| *o != owner);
                        MatrixCell {
                            layer: layer.title.clone(),
                            owner: self.owner(owner),
                            note: String::new(),
                            depends,
                        }
                    })
                    .collect();
                ModelColumn {
                    model: OwnerView {
                        id: model.id.clone(),
                        label: model.label.clone(),
                    },
                    services: of_model.iter().map(|(n, _)| self.link(n)).collect(),
                    cells,
                }
            })
            .collect();
        let provider_groups = ["facilities", "infrastructure"];
        let (provider_layers, customer_layers): (Vec<&Note>, Vec<&Note>) = layers.iter().partition(|l| {
            matches!(&l.data, KindData::Layer(d) if provider_groups.contains(&d.group.as_str()))
        });
        let sections = Kind::ALL
            .into_iter()
            .filter_map(|kind| {
                let count = self.sections.get(&kind)?.len();
                Some(SectionEntry {
                    link: LinkView {
                        url: section_url(kind),
                        title: kind.label().to_owned(),
                        summary: String::new(),
                    },
                    extra: count.to_string(),
                })
            })
            .collect();
        HomePage {
            page: self.layout("index.html", &self.site.title, "home", Vec::new()),
            provider_layers: provider_layers.iter().map(|n| self.link(n)).collect(),
            customer_layers: customer_layers.iter().map(|n| self.link(n)).collect(),
            layers: layers.iter().map(|n| self.link(n)).collect(),
            models,
            sections,
            intro: self
                .kb
                .get_str("shared-responsibility-model")
                .map(|n| self.link(n)),
        }
    }

    fn matrix(&self, theme: &Theme, cache: Option<&Cache>) -> Result<Outcome> {
        let layers: Vec<&Note> = self.kb.of_kind(Kind::Layer).collect();
        let services: Vec<_> = self.kb.services().collect();
        let vocab = &self.kb.vocab;
        let columns = layers
            .iter()
            .map(|l| MatrixColumn {
                layer: self.link(l),
                group: layer_group_label(self.kb, l),
            })
            .collect();
        let row = |i: usize, _: Show| {
            let (note, service) = services[i];
            MatrixRow {
                service: self.link(note),
                model: service.service_model.clone(),
                model_label: Vocabulary::label(&vocab.service_models, &service.service_model)
                    .to_owned(),
                cells: layers
                    .iter()
                    .map(|layer| match service.row(&layer.id) {
                        Some(row) => MatrixCell {
                            layer: layer.title.clone(),
                            owner: self.owner(&row.owner),
                            note: row.note.clone(),
                            depends: !row.variants.is_empty(),
                        },
                        None => MatrixCell {
                            layer: layer.title.clone(),
                            owner: self.owner("not-applicable"),
                            note: String::new(),
                            depends: false,
                        },
                    })
                    .collect(),
            }
        };
        let url = "matrix.html";
        let mut page = self.layout(url, "Services × layers", "matrix", Vec::new());
        page.description = "Who secures each layer of each service, in one table.".into();
        let view = MatrixPage {
            page,
            columns,
            rows_html: part_marker(0),
            models: vocab
                .service_models
                .iter()
                .map(|m| OwnerView {
                    id: m.id.clone(),
                    label: m.label.clone(),
                })
                .collect(),
            owners: vocab
                .owners
                .iter()
                .map(|o| OwnerLegend {
                    owner: self.owner(&o.id),
                    description: o.description.clone(),
                })
                .collect(),
        };
        let rows = [Parts {
            template: "parts/matrix-row.html",
            name: "row",
            slot: "rows_html",
            len: services.len(),
            view: Box::new(row),
            feed: None,
        }];
        self.finish_in_parts(url, url, view, &rows, theme, cache)
    }

    /// Every control id of every catalog with the checklist items mapped to it, in natural order
    /// (`S3.2` before `S3.10`).
    fn controls(&self, theme: &Theme, cache: Option<&Cache>) -> Result<Outcome> {
        let mut by_control: BTreeMap<(&str, ControlOrder), Vec<&ChecklistItem>> = BTreeMap::new();
        for item in self.kb.checklist_items() {
            for control in &item.controls {
                by_control
                    .entry((control.catalog.as_str(), ControlOrder::of(&control.id)))
                    .or_default()
                    .push(item);
            }
        }
        let catalogs = &self.kb.vocab.catalogs;
        // Per catalog, its controls with their items, in natural order.
        let grouped: Vec<Vec<(&ControlOrder, &Vec<&ChecklistItem>)>> = catalogs
            .iter()
            .map(|catalog| {
                by_control
                    .iter()
                    .filter(|((c, _), _)| *c == catalog.id)
                    .map(|((_, order), items)| (order, items))
                    .collect()
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
                .enumerate()
                .map(|(n, (catalog, controls))| CatalogGroup {
                    id: catalog.id.clone(),
                    title: catalog.title.clone(),
                    url: catalog.url.clone(),
                    count: controls.len(),
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
                    let (order, items) = controls[i];
                    let key = format!("{}:{}", catalog.id, order.id);
                    ControlGroup {
                        anchor: control_anchor(&key),
                        key,
                        id: order.id.clone(),
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

    fn checklists(&self, theme: &Theme, cache: Option<&Cache>) -> Result<Outcome> {
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

    fn section(&self, kind: Kind) -> SectionPage {
        let url = section_url(kind);
        let vocab = &self.kb.vocab;
        let entries = self.sections.get(&kind).map_or_else(Vec::new, |notes| {
            notes
                .iter()
                .map(|n| SectionEntry {
                    link: self.link(n),
                    extra: match &n.data {
                        KindData::Service(s) => {
                            Vocabulary::label(&vocab.service_models, &s.service_model).to_owned()
                        }
                        KindData::Layer(_) => layer_group_label(self.kb, n),
                        KindData::SecurityService(s) => s.category.clone(),
                        _ => String::new(),
                    },
                })
                .collect()
        });
        let mut page = self.layout(&url, kind.label(), kind.folder(), Vec::new());
        page.breadcrumbs.push(LinkView {
            url: url.clone(),
            title: kind.label().into(),
            summary: String::new(),
        });
        SectionPage {
            page,
            kind: kind.folder().to_owned(),
            intro: section_intro(kind).to_owned(),
            entries,
        }
    }

    /// A note's page, its body and sidebar left empty (see `body`, `nav`).
    fn note_page(&self, note: &Note, show: Show) -> NotePage {
        let url = note_url(note);
        let toc = self
            .graph
            .headings(&note.id)
            .iter()
            .filter(|h| (2..=3).contains(&h.level))
            .map(|h| TocEntry {
                level: h.level,
                id: h.id.clone(),
                text: h.text.clone(),
            })
            .collect();
        let mut page = self.layout_without_nav(&url, &note.title, note.kind.folder(), toc);
        page.description = note.summary.clone();
        page.breadcrumbs.push(LinkView {
            url: section_url(note.kind),
            title: note.kind.label().into(),
            summary: String::new(),
        });
        if let Some(siblings) = self.sections.get(&note.kind) {
            if let Some(pos) = self.position(note) {
                page.prev = pos.checked_sub(1).map(|p| self.link(&siblings[p]));
                page.next = siblings.get(pos + 1).map(|n| self.link(n));
            }
        }
        NotePage {
            page,
            note: self.note_view(note, show),
        }
    }

    /// What a note's page shows of the note, its body left empty (see `body`).
    fn note_view(&self, note: &Note, show: Show) -> NoteView {
        NoteView {
            id: note.id.to_string(),
            kind: note.kind.folder().to_owned(),
            kind_label: note.kind.singular().to_owned(),
            title: note.title.clone(),
            summary: note.summary.clone(),
            html: String::new(),
            aliases: note.aliases.clone(),
            sources: note.sources.clone(),
            backlinks: self
                .graph
                .backlinks(&note.id)
                .iter()
                .map(|id| self.link_id(id))
                .collect(),
            related: self.related(note),
            facts: self.facts(note),
            cells: self.cells(note),
            items: self.items(note, show),
        }
    }

    fn related(&self, note: &Note) -> Vec<RelatedView> {
        let group = |label: &str, ids: &[NoteId]| RelatedView {
            label: label.to_owned(),
            links: ids.iter().map(|id| self.link_id(id)).collect(),
        };
        let groups = match &note.data {
            KindData::Service(s) => vec![group("Security services", &s.security_services)],
            KindData::Pillar(p) => vec![group("Security services", &p.security_services)],
            KindData::SecurityService(s) => vec![
                group("Layers it helps with", &s.layers),
                group("Pillars", &s.pillars),
            ],
            KindData::Practice(p) => vec![group("Pillars", &p.pillars), group("Layers", &p.layers)],
            KindData::Layer(_) | KindData::Model | KindData::Glossary => Vec::new(),
        };
        groups.into_iter().filter(|g| !g.links.is_empty()).collect()
    }

    fn facts(&self, note: &Note) -> Vec<FactView> {
        let vocab = &self.kb.vocab;
        let fact = |label: &str, value: String| FactView {
            label: label.to_owned(),
            value,
        };
        match &note.data {
            KindData::Service(s) => vec![
                fact(
                    "Service model",
                    Vocabulary::label(&vocab.service_models, &s.service_model).to_owned(),
                ),
                fact("Category", s.category.clone()),
                fact("Provider", s.provider.to_uppercase()),
                fact("Checklist items", s.checklist.len().to_string()),
            ],
            KindData::Layer(_) => vec![fact("Group", layer_group_label(self.kb, note))],
            KindData::SecurityService(s) => vec![fact("Category", s.category.clone())],
            _ => Vec::new(),
        }
    }

    fn cells(&self, note: &Note) -> Vec<CellView> {
        let vocab = &self.kb.vocab;
        let variants = |row: &crate::kb::Responsibility| -> Vec<VariantView> {
            row.variants
                .iter()
                .map(|v| VariantView {
                    when: v.when.clone(),
                    owner: self.owner(&v.owner),
                    note: v.note.clone(),
                })
                .collect()
        };
        match &note.data {
            KindData::Service(service) => service
                .responsibility
                .iter()
                .map(|row| CellView {
                    subject: self.link_id(&row.layer),
                    group: self
                        .kb
                        .get(&row.layer)
                        .map_or_else(String::new, |l| layer_group_label(self.kb, l)),
                    owner: self.owner(&row.owner),
                    note: row.note.clone(),
                    source: row.source.clone(),
                    variants: variants(row),
                    team: self.team(row),
                })
                .collect(),
            KindData::Layer(_) => self
                .kb
                .services()
                .filter_map(|(service_note, service)| {
                    let row = service.row(&note.id)?;
                    Some(CellView {
                        subject: self.link(service_note),
                        group: Vocabulary::label(&vocab.service_models, &service.service_model)
                            .to_owned(),
                        owner: self.owner(&row.owner),
                        note: row.note.clone(),
                        source: row.source.clone(),
                        variants: variants(row),
                        team: self.team(row),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn items(&self, note: &Note, show: Show) -> Vec<ItemSlot> {
        let gathered = match note.kind {
            Kind::Layer => self.items_by().layer.get(&note.id),
            Kind::Pillar => self.items_by().pillar.get(&note.id),
            _ => {
                return note
                    .checklist()
                    .iter()
                    .map(|i| self.item_slot(i, show))
                    .collect()
            }
        };
        gathered.map_or_else(Vec::new, |items| {
            items.iter().map(|i| self.item_slot(i, show)).collect()
        })
    }
}

/// An item's address, which names it while the knowledge base is borrowed (see `ItemsBy`).
fn item_address(item: &ChecklistItem) -> usize {
    std::ptr::from_ref(item) as usize
}

/// The anchor of a control on `controls.html`: `fsbp:S3.1` → `fsbp-s3-1`.
pub fn control_anchor(key: &str) -> String {
    crate::markdown::slugify(&key.replace([':', '.'], "-"))
}

/// Sorts control ids naturally: the numbers in `S3.10` compare as numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ControlOrder {
    parts: Vec<(String, u64)>,
    id: String,
}

impl ControlOrder {
    fn of(id: &str) -> Self {
        let parts = id
            .split('.')
            .map(|part| {
                let digits = part.trim_start_matches(|c: char| !c.is_ascii_digit());
                let prefix = &part[..part.len() - digits.len()];
                (prefix.to_owned(), digits.parse().unwrap_or(0))
            })
            .collect();
        ControlOrder {
            parts,
            id: id.to_owned(),
        }
    }
}

fn layer_group_label(kb: &KnowledgeBase, layer: &Note) -> String {
    match &layer.data {
        KindData::Layer(l) => Vocabulary::label(&kb.vocab.layer_groups, &l.group).to_owned(),
        _ => String::new(),
    }
}

/// The most frequent owner; ties go to the first in `owners`.
fn majority<'a>(owners: &[&'a str]) -> Option<&'a str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for owner in owners {
        match counts.iter_mut().find(|(o, _)| o == owner) {
            Some((_, n)) => *n += 1,
            None => counts.push((owner, 1)),
        }
    }
    counts
        .into_iter()
        .fold(None, |best: Option<(&str, usize)>, (o, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((o, n)),
        })
        .map(|(o, _)| o)
}

fn section_intro(kind: Kind) -> &'static str {
    match kind {
        Kind::Model => "What the shared responsibility model says, and how it shifts between service models.",
        Kind::Layer => "The layers of a cloud workload, from the data centre floor to your data. Each layer page shows who secures it, service by service.",
        Kind::Pillar => "The security pillars, each with the checklist items of every service and practice that serve it.",
        Kind::Service => "One page per cloud service: its responsibility table, layer by layer, and its checklist.",
        Kind::SecurityService => "The provider's security services: what each does and which of your responsibilities it helps you meet.",
        Kind::Practice => "Best practices, with checklist items you can tick off.",
        Kind::Glossary => "Terms used across this site.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Page URLs map to the relative path back to the site root.
    #[test]
    fn roots() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("services/s3.html"), "../");
        assert_eq!(root_of("a/b/c.html"), "../../");
    }

    // Escaping covers every character that could break out of text or an attribute.
    #[test]
    fn escapes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    fn theme(templates: &[(&str, &str)]) -> Theme {
        let files = templates
            .iter()
            .map(|(name, text)| SourceFile {
                rel_path: format!("templates/{name}"),
                display_path: format!("theme/templates/{name}"),
                bytes: text.as_bytes().to_vec(),
            })
            .collect();
        Theme::from_files(files).expect("test templates compile")
    }

    fn letters<'p>(slot: &'static str, word: &'p str) -> Parts<'p, String> {
        Parts {
            template: "parts/letter.html",
            name: "letter",
            slot,
            len: word.chars().count(),
            view: Box::new(move |i, _| word.chars().nth(i).map(String::from).unwrap_or_default()),
            feed: None,
        }
    }

    #[derive(Serialize)]
    struct Two {
        first: String,
        second: String,
        text: String,
    }

    #[derive(Serialize)]
    struct One {
        first: String,
    }

    // Each list is rendered element by element where its template shows it (in the order the
    // template shows them, not the order of the lists), with `root`; escaped text that looks
    // like a marker stays text; an empty list leaves nothing.
    #[test]
    fn parts_are_spliced_where_the_template_shows_them() {
        let theme = theme(&[
            (
                "page.html",
                "<p>{{ text }}</p>A{{ second | safe }}B{{ first | safe }}C",
            ),
            ("parts/letter.html", "[{{ root }}{{ letter }}]"),
        ]);
        let view = |text: &str| Two {
            first: part_marker(0),
            second: part_marker(1),
            text: text.to_owned(),
        };
        let html = theme
            .render_in_parts(
                "page.html",
                view(&part_marker(0)),
                "../",
                &[letters("first", "xy"), letters("second", "<é")],
                None,
            )
            .expect("renders");
        assert_eq!(
            html.0,
            "<p>&lt;!--whosecures:parts:0--&gt;</p>A[../&lt;][../é]B[../x][../y]C"
        );
        // Where each element is, per list.
        let spans: Vec<Vec<(u64, u64)>> = html
            .1
            .iter()
            .map(|l| l.iter().map(|s| (s.at, s.len)).collect())
            .collect();
        assert_eq!(spans, [vec![(56, 6), (62, 6)], vec![(39, 9), (48, 7)]]);
        let html = theme
            .render_in_parts(
                "page.html",
                view("t"),
                "",
                &[letters("first", ""), letters("second", "z")],
                None,
            )
            .expect("renders");
        assert_eq!(html.0, "<p>t</p>A[z]BC");
    }

    // Elements whose fingerprint the previous page had are copied from it, the others rendered;
    // the spans say where each ended up.
    #[test]
    fn kept_parts_are_copied() {
        struct Previous(Fingerprint, &'static str);
        impl PartSource for Previous {
            fn append(&mut self, print: &Fingerprint, out: &mut Vec<u8>) -> bool {
                let found = *print == self.0;
                if found {
                    out.extend_from_slice(self.1.as_bytes());
                }
                found
            }
        }
        let theme = theme(&[
            ("page.html", "<{{ first | safe }}>"),
            ("parts/letter.html", "[{{ letter }}]"),
        ]);
        let print = |s: &str| Hasher::new(None).text(s).finish();
        let prints = vec![vec![print("a"), print("kept"), print("c")]];
        let mut previous = Previous(print("kept"), "(old b)");
        let (html, spans) = theme
            .render_in_parts(
                "page.html",
                One {
                    first: part_marker(0),
                },
                "",
                &[letters("first", "abc")],
                Some((&prints, &mut previous)),
            )
            .expect("renders");
        assert_eq!(html, "<[a](old b)[c]>");
        let at: Vec<(u64, u64)> = spans[0].iter().map(|s| (s.at, s.len)).collect();
        assert_eq!(at, [(1, 3), (4, 7), (11, 3)]);
    }

    // A template that leaves a list out, or shows it twice, is an error naming the field.
    #[test]
    fn parts_must_be_shown_exactly_once() {
        for page in [
            "{{ first | safe }}",
            "{{ first | safe }}{{ second | safe }}{{ first | safe }}",
        ] {
            let theme = theme(&[("page.html", page), ("parts/letter.html", "{{ letter }}")]);
            let view = Two {
                first: part_marker(0),
                second: part_marker(1),
                text: String::new(),
            };
            let Err(Error::Template(message)) = theme.render_in_parts(
                "page.html",
                view,
                "",
                &[letters("first", "a"), letters("second", "b")],
                None,
            ) else {
                panic!("{page}: expected a template error");
            };
            let shown = if page.matches("first").count() == 2 {
                "first"
            } else {
                "second"
            };
            assert!(
                message.contains(&format!("`{{{{ {shown} | safe }}}}` exactly once")),
                "{page}: {message}"
            );
        }
    }

    // The majority owner wins; ties go to the first seen.
    #[test]
    fn majorities() {
        assert_eq!(
            majority(&["customer", "provider", "customer"]),
            Some("customer")
        );
        assert_eq!(majority(&["shared", "provider"]), Some("shared"));
        assert_eq!(majority(&[]), None);
    }
}
