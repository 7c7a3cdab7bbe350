//! The one Markdown dialect: CommonMark plus GFM tables, task lists, strikethrough, footnotes,
//! heading attributes, callouts and wiki-links. Every parse in the crate goes through `parser`.

use pulldown_cmark::{html, BlockQuoteKind, Event, LinkType, Options, Parser, Tag, TagEnd};

/// The options every parse uses, so links found by `links` are the links `render` draws.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_WIKILINKS
}

/// A parser over `text` with the crate's dialect.
pub fn parser(text: &str) -> Parser<'_> {
    Parser::new_ext(text, options())
}

/// A piece of a short inline text (see `inline_parts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// HTML, drawn as it is (its tags may open in one piece and close in a later one).
    Html(String),
    /// A wiki-link, for the caller to resolve: where it points (`kms`, `kms#rotation`,
    /// `#rotation`) and its label as HTML, when written (`[[kms|the keys]]`).
    WikiLink {
        /// The target as written.
        target: String,
        /// The label, as HTML, when the link has one.
        label: Option<String>,
    },
}

/// `text` as one line of inline Markdown with wiki-links resolved to their label or target text
/// (see `inline_parts`).
pub fn inline_html(text: &str) -> String {
    let mut out = String::new();
    for part in inline_parts(text) {
        match part {
            Inline::Html(html) => out.push_str(&html),
            Inline::WikiLink {
                label: Some(label), ..
            } => out.push_str(&label),
            Inline::WikiLink { target, .. } => {
                html::push_html(&mut out, std::iter::once(Event::Text(target.into())));
            }
        }
    }
    out
}

/// `text` as one line of inline Markdown, for short texts shown inside a page's own markup (a
/// checklist item's `detail`): code spans, emphasis, strong, strikethrough and links to `http(s)`
/// and `mailto` addresses become HTML; wiki-links are left to the caller, whose pages know where
/// they point; everything else is its text, escaped. Raw HTML shows as written, blocks are
/// flattened (paragraphs joined by a space, list and heading markers dropped), an image is its
/// alt text, and any other link (a relative path, whose target depends on the page) is its text.
pub fn inline_parts(text: &str) -> Vec<Inline> {
    let mut events: Vec<Event> = Vec::new();
    let mut links: Vec<bool> = Vec::new(); // per open link: drawn (or a wiki-link)?
    let mut gap = false; // a block ended since the last text
    for event in parser(text) {
        let inline = match event {
            Event::Text(_) | Event::Code(_) => event,
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::SoftBreak | Event::HardBreak => Event::Text(" ".into()),
            Event::FootnoteReference(label) => Event::Text(format!("[^{label}]").into()),
            Event::TaskListMarker(done) => Event::Text(if done { "[x] " } else { "[ ] " }.into()),
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough)
            | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => event,
            Event::Start(Tag::Link {
                link_type,
                ref dest_url,
                ..
            }) => {
                let url = dest_url.to_ascii_lowercase();
                let drawn = matches!(link_type, LinkType::WikiLink { .. })
                    || ["https://", "http://", "mailto:"]
                        .iter()
                        .any(|scheme| url.starts_with(scheme));
                links.push(drawn);
                if !drawn {
                    continue;
                }
                event
            }
            Event::End(TagEnd::Link) => {
                if links.pop() != Some(true) {
                    continue;
                }
                event
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::HtmlBlock
                | TagEnd::TableCell
                | TagEnd::FootnoteDefinition,
            ) => {
                gap = true;
                continue;
            }
            _ => continue,
        };
        if gap && matches!(inline, Event::Text(_) | Event::Code(_) | Event::Start(_)) {
            if !events.is_empty() {
                events.push(Event::Text(" ".into()));
            }
            gap = false;
        }
        events.push(inline);
    }
    // Cut at each wiki-link: the HTML between them, and each link's label.
    let mut parts = Vec::new();
    let mut run: Vec<Event> = Vec::new();
    let to_html = |events: &mut Vec<Event>| {
        let mut out = String::new();
        html::push_html(&mut out, events.drain(..));
        out
    };
    let mut events = events.into_iter();
    while let Some(event) = events.next() {
        let Event::Start(Tag::Link {
            link_type: LinkType::WikiLink { has_pothole },
            dest_url,
            ..
        }) = event
        else {
            run.push(event);
            continue;
        };
        if !run.is_empty() {
            parts.push(Inline::Html(to_html(&mut run)));
        }
        let mut label = Vec::new();
        let mut depth = 0usize;
        for inner in events.by_ref() {
            match inner {
                Event::End(TagEnd::Link) if depth == 0 => break,
                Event::Start(Tag::Link { .. }) => depth += 1,
                Event::End(TagEnd::Link) => depth -= 1,
                _ => {}
            }
            label.push(inner);
        }
        parts.push(Inline::WikiLink {
            target: dest_url.to_string(),
            label: has_pothole.then(|| to_html(&mut label)),
        });
    }
    let rest = to_html(&mut run);
    let rest = rest.trim_end();
    if !rest.is_empty() {
        parts.push(Inline::Html(rest.to_owned()));
    }
    parts
}

/// A heading's anchor id from its text: lowercase alphanumerics, runs of spaces and dashes become
/// one `-`, other punctuation is dropped (`Key rotation (KMS)` → `key-rotation-kms`).
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' {
            pending_dash = true;
        }
    }
    if slug.is_empty() {
        slug.push_str("section");
    }
    slug
}

/// Gives each heading of one page a unique id: the second `Setup` becomes `setup-1`.
#[derive(Debug, Default)]
pub struct Slugger {
    /// Every id given so far.
    used: std::collections::HashSet<String>,
    /// Per base id, the next suffix to try.
    next: std::collections::HashMap<String, usize>,
}

impl Slugger {
    /// The unique id for a heading, from an explicit `{#id}` or from its text: the base id, or
    /// the first of `base-1`, `base-2`, … no heading has yet (`Setup`, `Setup`, `Setup 1` get
    /// `setup`, `setup-1`, `setup-1-1`).
    pub fn id(&mut self, explicit: Option<&str>, text: &str) -> String {
        let base = explicit.map_or_else(|| slugify(text), str::to_owned);
        let mut id = base.clone();
        if self.used.contains(&id) {
            let next = self.next.entry(base.clone()).or_insert(1);
            loop {
                id = format!("{base}-{next}");
                *next += 1;
                if !self.used.contains(&id) {
                    break;
                }
            }
        }
        self.used.insert(id.clone());
        id
    }
}

/// Callout kinds, from either spelling: GFM `> [!WARNING]` or Obsidian-style `> **warning** Title`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callout {
    /// note, info, abstract, summary
    Note,
    /// tip, hint
    Tip,
    /// important
    Important,
    /// warning
    Warning,
    /// caution, danger, error
    Caution,
}

impl Callout {
    /// The kind named by an Obsidian-style keyword, case-insensitive.
    pub fn from_keyword(word: &str) -> Option<Callout> {
        Some(match word.to_ascii_lowercase().as_str() {
            "note" | "info" | "abstract" | "summary" | "example" | "quote" => Callout::Note,
            "tip" | "hint" | "success" => Callout::Tip,
            "important" | "question" => Callout::Important,
            "warning" | "attention" => Callout::Warning,
            "caution" | "danger" | "error" | "bug" | "failure" => Callout::Caution,
            _ => return None,
        })
    }

    /// The kind of a GFM alert blockquote.
    pub fn from_gfm(kind: BlockQuoteKind) -> Callout {
        match kind {
            BlockQuoteKind::Note => Callout::Note,
            BlockQuoteKind::Tip => Callout::Tip,
            BlockQuoteKind::Important => Callout::Important,
            BlockQuoteKind::Warning => Callout::Warning,
            BlockQuoteKind::Caution => Callout::Caution,
        }
    }

    /// CSS class suffix and default title.
    pub fn name(self) -> &'static str {
        match self {
            Callout::Note => "note",
            Callout::Tip => "tip",
            Callout::Important => "important",
            Callout::Warning => "warning",
            Callout::Caution => "caution",
        }
    }
}

#[cfg(test)]
mod tests {
    // Heading ids are unique whatever the texts: a later `Setup 1` does not take the id an
    // earlier duplicate `Setup` was given, and an explicit id counts too.
    #[test]
    fn heading_ids_are_unique() {
        let mut s = Slugger::default();
        let ids: Vec<String> = [
            (None, "Setup"),
            (None, "Setup"),
            (None, "Setup 1"),
            (Some("setup-2"), ""),
            (None, "Setup"),
        ]
        .into_iter()
        .map(|(explicit, text)| s.id(explicit, text))
        .collect();
        assert_eq!(ids, ["setup", "setup-1", "setup-1-1", "setup-2", "setup-3"]);
    }

    use super::*;

    // Slugs drop punctuation and fold spaces and dashes, as links `[[id#slug]]` expect.
    #[test]
    fn slugs() {
        let cases = [
            ("Key rotation", "key-rotation"),
            ("Key rotation (KMS)", "key-rotation-kms"),
            ("  S3 -- Block Public Access ", "s3-block-public-access"),
            ("TLS 1.2+", "tls-12"),
            ("!!!", "section"),
            ("Überblick", "überblick"),
        ];
        for (text, slug) in cases {
            assert_eq!(slugify(text), slug, "{text}");
        }
    }

    // Repeated headings get numbered ids; explicit ids are kept.
    #[test]
    fn slugger_dedupes() {
        let mut slugger = Slugger::default();
        assert_eq!(slugger.id(None, "Setup"), "setup");
        assert_eq!(slugger.id(None, "Setup"), "setup-1");
        assert_eq!(slugger.id(Some("custom"), "Setup"), "custom");
    }

    // Inline Markdown: code spans, emphasis and web links are drawn; HTML is escaped; blocks
    // are flattened and links whose target depends on the page are their text.
    #[test]
    fn inline_markdown() {
        let cases = [
            (
                "Run `aws s3api get-public-access-block` and *check* **all four**.",
                "Run <code>aws s3api get-public-access-block</code> and <em>check</em> <strong>all four</strong>.",
            ),
            (
                "See [the guide](https://docs.aws.amazon.com/x?a=1&b=2).",
                r#"See <a href="https://docs.aws.amazon.com/x?a=1&amp;b=2">the guide</a>."#,
            ),
            (
                "Then <script>alert(1)</script> `<b>`",
                "Then &lt;script&gt;alert(1)&lt;/script&gt; <code>&lt;b&gt;</code>",
            ),
            // A line starting with `<script>` is an HTML block: all of it is text.
            (
                "<script>alert(1)</script> `x`",
                "&lt;script&gt;alert(1)&lt;/script&gt; `x`",
            ),
            ("A <b>bold</b> claim", "A &lt;b&gt;bold&lt;/b&gt; claim"),
            ("[x](javascript:alert(1)) [[s3|S3]] [y](../services/s3.md)", "x S3 y"),
            ("# Title\n\n- one\n- two", "Title one two"),
            ("![diagram](https://x.example/d.png)", "diagram"),
        ];
        for (text, html) in cases {
            assert_eq!(inline_html(text), html, "{text}");
        }
    }

    // Wiki-links are cut out of the HTML around them, with their labels as HTML, for the page to
    // draw; the text after the last one is trimmed.
    #[test]
    fn inline_wiki_links() {
        let html = |s: &str| Inline::Html(s.to_owned());
        let link = |target: &str, label: Option<&str>| Inline::WikiLink {
            target: target.to_owned(),
            label: label.map(str::to_owned),
        };
        assert_eq!(
            inline_parts("Use *[[kms]] keys* or [[kms#rotation|rotate `them`]].\n"),
            [
                html("Use <em>"),
                link("kms", None),
                html(" keys</em> or "),
                link("kms#rotation", Some("rotate <code>them</code>")),
                html("."),
            ]
        );
        assert_eq!(inline_parts("[[s3]]"), [link("s3", None)]);
        assert_eq!(inline_html("[[s3]] and [[s3|<i>]]"), "s3 and &lt;i&gt;");
    }

    // Both callout spellings map to the same kinds.
    #[test]
    fn callout_keywords() {
        assert_eq!(Callout::from_keyword("WARNING"), Some(Callout::Warning));
        assert_eq!(Callout::from_keyword("abstract"), Some(Callout::Note));
        assert_eq!(Callout::from_keyword("banana"), None);
        assert_eq!(Callout::from_gfm(BlockQuoteKind::Caution), Callout::Caution);
    }
}
