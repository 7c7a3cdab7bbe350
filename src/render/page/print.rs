//! `print.html`: every note on one page for onboarding packs, links between notes turned into
//! links within the page. Its notes are parts, so an edit renders only the notes it changed.

use std::sync::OnceLock;

use crate::config::Config;
use crate::error::Result;
use crate::incremental::Bodies;
use crate::incremental::Hasher;
use crate::incremental::Store;
use crate::kb::KnowledgeBase;
use crate::links::LinkGraph;
use crate::render::context::{Ctx, Show};
use crate::render::parts::{part_marker, Parts};
use crate::render::reuse::{seed, Previous};
use crate::render::theme::Theme;
use crate::render::urls::{note_url, root_of, Page};
use crate::render::view::*;
use crate::render::Outcome;

/// Knowledge bases larger than this get no print page: it would hold every note's body.
pub const PRINT_LIMIT: usize = 1000;

/// `print.html`: every note on one page, for onboarding packs, with links between notes turned
/// into links within the page. `None` above `PRINT_LIMIT` notes. The preview's way to it: each
/// note's element is copied from the previous page `store` kept when its fingerprint is
/// unchanged; the others are rendered, their bodies taken from `bodies` where an earlier page kept
/// them.
pub fn print_page(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    config: &Config,
    theme: &Theme,
    bodies: &Bodies<'_>,
    store: &dyn Store,
) -> Result<Option<Page>> {
    let mut ctx = Ctx::new(kb, graph, config).printing();
    ctx.store = Some(bodies);
    let cache = Previous {
        seed: seed(theme, config),
        store,
    };
    match ctx.print(theme, Some(&cache))? {
        Outcome::Rendered(page, _) => Ok(Some(page)),
        Outcome::Reused | Outcome::Missing => Ok(None),
    }
}

impl Ctx<'_> {
    /// The print page, reusing the bodies the note pages rendered; `Missing` unless `printing`.
    pub(in crate::render) fn print(
        &self,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
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
