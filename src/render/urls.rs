//! URLs and the page plan: which pages a knowledge base has (`PageKey`, `pages`), where each
//! lives (`note_url`, `section_url`, `root_of`, `control_anchor`), and HTML escaping. Pure
//! functions of the knowledge base; nothing here renders.

use super::paging::Gathering;
use crate::config::OrgConfig;
use crate::kb::{Kind, KnowledgeBase, Note, NoteId};

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
    page_url(note.kind.folder(), note.id.as_str())
}

/// The URL of the page of the note `id` in the kind folder `folder`.
pub fn page_url(folder: &str, id: &str) -> String {
    format!("{folder}/{id}.html")
}

/// The URL of a kind's index page.
pub fn section_url(kind: Kind) -> String {
    format!("{}/index.html", kind.folder())
}

/// Escapes text for HTML content and attribute values: `&`, `<`, `>`, `"` and `'` as entities,
/// nothing else, with the runs between those characters copied whole. Templates escape every
/// value they show with it too (`theme`): escaping one character at a time was 5% of a cold
/// build of the embedded knowledge base, and this function's own share 3.5% (bench/README.md,
/// "Cold start").
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // The five characters are ASCII: `at` and `at + 1` are character boundaries.
        out.push_str(&text[from..at]);
        out.push_str(entity);
        from = at + 1;
    }
    out.push_str(&text[from..]);
    out
}

/// The relative path from a page to the site root: `services/s3.html` → `../`.
pub fn root_of(url: &str) -> String {
    "../".repeat(url.matches('/').count())
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
    /// `attestation.html`: checklist items by team, for sign-off
    Attestation,
    /// `search.html`
    Search,
    /// `self-check.html`: questions from the responsibility tables
    SelfCheck,
    /// `404.html`
    NotFound,
    /// `<folder>/index.html`
    Section(Kind),
    /// `<folder>/<id>.html`
    Note(NoteId),
    /// A part of a split gathering page (`checklists/services-2.html`; see `render::paging`).
    Part {
        /// The page it is a part of.
        of: Gathering,
        /// Its file name, without `.html`.
        slug: String,
    },
    /// A part of a layer's or pillar's page (`layers/data/services-2.html`; see
    /// `render::paging::note_parts`).
    NotePart {
        /// The note.
        id: NoteId,
        /// Its file name, without `.html`.
        slug: String,
    },
    /// An old address of a note's page (`redirect_from`): a small page that sends the reader on.
    Redirect {
        /// The old site-relative URL.
        from: String,
        /// The note it leads to.
        to: NoteId,
    },
}

impl PageKey {
    /// The page's site-relative URL; `None` for a note that no longer exists.
    pub fn url(&self, kb: &KnowledgeBase) -> Option<String> {
        Some(match self {
            PageKey::Home => "index.html".into(),
            PageKey::Matrix => "matrix.html".into(),
            PageKey::Checklists => "checklists.html".into(),
            PageKey::Controls => "controls.html".into(),
            PageKey::Attestation => "attestation.html".into(),
            PageKey::Search => "search.html".into(),
            PageKey::SelfCheck => "self-check.html".into(),
            PageKey::NotFound => "404.html".into(),
            PageKey::Section(kind) => section_url(*kind),
            PageKey::Note(id) => note_url(kb.get(id)?),
            PageKey::Part { of, slug } => of.part_url(slug),
            PageKey::NotePart { id, slug } => super::paging::note_part_url(kb.get(id)?, slug),
            PageKey::Redirect { from, to } => {
                let note = kb.get(to)?;
                note.redirects
                    .iter()
                    .any(|(url, _)| url == from)
                    .then(|| from.clone())?
            }
        })
    }
}

/// Every page the knowledge base has, in a stable order; `org` decides how the attestation page
/// groups its items, and so its parts.
pub fn pages(kb: &KnowledgeBase, org: &OrgConfig) -> Vec<PageKey> {
    let mut keys = site_pages(kb);
    keys.extend(
        Gathering::ALL
            .into_iter()
            .flat_map(|of| part_keys(kb, org, of)),
    );
    keys.extend(kb.iter().map(|n| PageKey::Note(n.id.clone())));
    keys.extend(
        [Kind::Layer, Kind::Pillar]
            .into_iter()
            .flat_map(|k| kb.of_kind(k))
            .flat_map(|n| parts_of(kb, org, &PageKey::Note(n.id.clone())).unwrap_or_default()),
    );
    keys.extend(kb.iter().flat_map(redirect_keys));
    keys
}

/// The pages of the site itself, at fixed addresses: the home, gathering and section pages
/// (not their parts, which live in folders of their own, nor notes and redirects). Cheap: the
/// preview checks a note's address against them on every change.
pub fn site_pages(kb: &KnowledgeBase) -> Vec<PageKey> {
    let mut keys = vec![
        PageKey::Home,
        PageKey::Matrix,
        PageKey::Checklists,
        PageKey::Controls,
        PageKey::Attestation,
        PageKey::Search,
        PageKey::SelfCheck,
        PageKey::NotFound,
    ];
    keys.extend(
        Kind::ALL
            .into_iter()
            .filter(|k| kb.of_kind(*k).next().is_some())
            .map(PageKey::Section),
    );
    keys
}

/// The parts of the page `key` (`Some` and empty when it is one page), for pages that can be
/// split: the gathering pages and layers' and pillars' pages; `None` for any other. With the
/// page that owns a part (`owner`), what the preview renders again when one of them changes.
pub fn parts_of(kb: &KnowledgeBase, org: &OrgConfig, key: &PageKey) -> Option<Vec<PageKey>> {
    if let Some(of) = Gathering::of(key).filter(|of| *key == of.key()) {
        return Some(part_keys(kb, org, of));
    }
    match key {
        PageKey::Note(id) => {
            let note = kb.get(id)?;
            matches!(note.kind, Kind::Layer | Kind::Pillar).then(|| {
                super::paging::note_parts(kb, note)
                    .all()
                    .map(|p| PageKey::NotePart {
                        id: id.clone(),
                        slug: p.slug.clone(),
                    })
                    .collect()
            })
        }
        _ => None,
    }
}

/// The page a part belongs to (`None` for a page that is no part).
pub fn owner(key: &PageKey) -> Option<PageKey> {
    match key {
        PageKey::Part { of, .. } => Some(of.key()),
        PageKey::NotePart { id, .. } => Some(PageKey::Note(id.clone())),
        _ => None,
    }
}

/// The keys of the parts of the gathering page `of` (none when it is one page).
pub fn part_keys(kb: &KnowledgeBase, org: &OrgConfig, of: Gathering) -> Vec<PageKey> {
    of.parts(kb, org)
        .into_iter()
        .map(|p| PageKey::Part { of, slug: p.slug })
        .collect()
}

impl Gathering {
    /// The key of the page itself (its index when split).
    pub fn key(self) -> PageKey {
        match self {
            Gathering::Checklists => PageKey::Checklists,
            Gathering::Matrix => PageKey::Matrix,
            Gathering::Controls => PageKey::Controls,
            Gathering::Attestation => PageKey::Attestation,
        }
    }

    /// The gathering page `key` is, or is a part of.
    pub fn of(key: &PageKey) -> Option<Gathering> {
        Some(match key {
            PageKey::Checklists => Gathering::Checklists,
            PageKey::Matrix => Gathering::Matrix,
            PageKey::Controls => Gathering::Controls,
            PageKey::Attestation => Gathering::Attestation,
            PageKey::Part { of, .. } => *of,
            _ => return None,
        })
    }
}

/// The redirect pages of a note's old addresses.
pub fn redirect_keys(note: &Note) -> impl Iterator<Item = PageKey> + '_ {
    note.redirects.iter().map(|(from, _)| PageKey::Redirect {
        from: from.clone(),
        to: note.id.clone(),
    })
}

/// The page at an old address of `note` (`from`): a refresh to the note's page, relative so it
/// works from any host and from `file://`, a canonical link, a plain link for readers without
/// refresh, and `noindex` so search engines keep the new address.
pub fn redirect_page(from: &str, note: &Note, base_url: Option<&str>) -> String {
    let to = format!("{}{}", root_of(from), note_url(note));
    let canonical = match base_url {
        Some(base) => format!("{}/{}", base.trim_end_matches('/'), note_url(note)),
        None => to.clone(),
    };
    let (to, canonical, title) = (escape(&to), escape(&canonical), escape(&note.title));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved: {title}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{canonical}\">\n<meta http-equiv=\"refresh\" content=\"0; url={to}\">\n</head>\n<body>\n<p>This page has moved to <a href=\"{to}\">{title}</a>.</p>\n</body>\n</html>\n"
    )
}

/// The anchor of a control on `controls.html`: `fsbp:S3.1` → `fsbp-s3-1`.
pub fn control_anchor(key: &str) -> String {
    crate::markdown::slugify(&key.replace([':', '.'], "-"))
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

    // Escaping covers every character that could break out of text or an attribute: each of the
    // five alone, at the ends, repeated, beside multi-byte text; other text is copied as it is.
    #[test]
    fn escapes() {
        for (text, want) in [
            ("", ""),
            (
                "plain text, nothing to escape",
                "plain text, nothing to escape",
            ),
            ("&", "&amp;"),
            (
                r#"<a href="x">'&'</a>"#,
                "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
            ),
            (
                "&&<<>>\"\"''",
                "&amp;&amp;&lt;&lt;&gt;&gt;&quot;&quot;&#39;&#39;",
            ),
            ("é<ü>日本&語'", "é&lt;ü&gt;日本&amp;語&#39;"),
            ("a/b?c=d&e=f#g", "a/b?c=d&amp;e=f#g"),
            ("ends with <", "ends with &lt;"),
        ] {
            assert_eq!(escape(text), want, "{text:?}");
        }
    }
}
