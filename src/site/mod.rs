//! The site: rendered pages plus everything that is not a page (assets, search index, sitemap,
//! the `kb.json` export), keyed by URL. Pure until `write`, which is the only output-side I/O.

mod export;
mod search;
pub mod write;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::kb::{self, KnowledgeBase};
use crate::links::{self, LinkGraph};
use crate::render::{self, escape, Page, Theme};
use crate::source::SourceFile;

pub use export::{export_json, SCHEMA};

/// Every output file, by site-relative URL path.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// URL path (`services/s3.html`) → bytes.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Site {
    /// Number of HTML pages.
    pub fn page_count(&self) -> usize {
        self.files.keys().filter(|k| k.ends_with(".html")).count()
    }
}

/// The result of the whole pipeline up to (not including) writing.
pub struct Compiled {
    /// The knowledge base as loaded.
    pub kb: KnowledgeBase,
    /// Its links.
    pub graph: LinkGraph,
    /// Every problem found.
    pub diags: Diagnostics,
}

/// Loads and links `files` (the knowledge directory's files), collecting every diagnostic.
pub fn check(files: &[SourceFile]) -> Compiled {
    let mut diags = Diagnostics::new();
    let kb = kb::load(files, &mut diags);
    let graph = links::build(&kb, &mut diags);
    Compiled { kb, graph, diags }
}

/// Renders a checked knowledge base into a complete site.
pub fn assemble(compiled: &Compiled, config: &Config, theme: &Theme) -> Result<Site> {
    let pages = render::render(&compiled.kb, &compiled.graph, config, theme)?;
    let mut site = Site::default();
    for Page { url, html } in pages {
        site.files.insert(url, html.into_bytes());
    }
    for (path, bytes) in &theme.assets {
        site.files.insert(path.clone(), bytes.clone());
    }
    site.files
        .extend(derived(&compiled.kb, &compiled.graph, config));
    Ok(site)
}

/// The files computed from the whole knowledge base rather than rendered page by page: search
/// index, `kb.json` and `sitemap.xml`.
pub fn derived(kb: &KnowledgeBase, graph: &LinkGraph, config: &Config) -> Vec<(String, Vec<u8>)> {
    let index = search::index(kb, graph);
    let urls: Vec<String> = render::pages(kb).iter().filter_map(|k| k.url(kb)).collect();
    vec![
        ("sitemap.xml".into(), sitemap(&urls, config).into_bytes()),
        // A script as well as JSON: `fetch` is refused on file:// pages, a <script> is not.
        (
            "search-index.js".into(),
            format!("window.WHOSECURES_SEARCH = {index};\n").into_bytes(),
        ),
        ("search-index.json".into(), index.into_bytes()),
        ("kb.json".into(), export_json(kb, graph).into_bytes()),
    ]
}

/// `sitemap.xml`: absolute URLs when `base-url` is set, site-relative ones otherwise.
fn sitemap(urls: &[String], config: &Config) -> String {
    let base = config
        .book
        .base_url
        .as_deref()
        .map(|b| format!("{}/", b.trim_end_matches('/')))
        .unwrap_or_default();
    let mut urls: Vec<&str> = urls
        .iter()
        .map(String::as_str)
        .filter(|u| *u != "404.html")
        .collect();
    urls.sort_unstable();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for url in urls {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            escape(&format!("{base}{url}"))
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}
