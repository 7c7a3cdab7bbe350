//! A note's Markdown body → HTML: wiki-links resolved to relative URLs, headings given the ids
//! `links` computed, code highlighted, callouts and tables wrapped. Reports nothing: every content
//! problem was already diagnosed by `kb` and `links`.

use pulldown_cmark::{html, CodeBlockKind, Event, LinkType, Tag, TagEnd};

use super::highlight::Highlighter;
use super::urls::{escape, note_url};
use crate::incremental::Hasher;
use crate::kb::{KnowledgeBase, Note, NoteId};
use crate::links::{note_path, split_target, Heading, LinkGraph};
use crate::markdown::{self, Callout};

/// Renders `note`'s body for a page whose path to the site root is `root`.
pub fn render(note: &Note, kb: &KnowledgeBase, graph: &LinkGraph, root: &str) -> String {
    let events: Vec<Event> = markdown::parser(note.body()).collect();
    let headings = graph.headings(&note.id);
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut heading_index = 0;
    let mut quotes: Vec<bool> = Vec::new(); // per open blockquote: rendered as a callout?
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Heading { level, .. }) => {
                let id = headings.get(heading_index).map_or("", |h| h.id.as_str());
                out.push(Event::Html(
                    format!("<{level} id=\"{}\">", escape(id)).into(),
                ));
                heading_index += 1;
            }
            Event::End(TagEnd::Heading(level)) => {
                let id = headings
                    .get(heading_index.saturating_sub(1))
                    .map_or("", |h| h.id.as_str());
                out.push(Event::Html(
                    format!("<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a></{level}>", escape(id))
                        .into(),
                ));
            }
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                ..
            }) => {
                let end = find_end(&events, i);
                out.push(Event::Html(
                    wiki_link(note, kb, graph, root, dest_url).into(),
                ));
                if *has_pothole {
                    out.extend(events[i + 1..end].iter().cloned());
                } else {
                    out.push(Event::Text(wiki_label(note, kb, graph, dest_url).into()));
                }
                out.push(Event::Html("</a>".into()));
                i = end;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if !matches!(link_type, LinkType::Autolink | LinkType::Email) => {
                let href = markdown_link(note, kb, graph, root, dest_url);
                out.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: href.map_or_else(|| dest_url.clone(), Into::into),
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = find_end(&events, i);
                let code: String = events[i + 1..end]
                    .iter()
                    .filter_map(|e| {
                        if let Event::Text(t) = e {
                            Some(t.as_ref())
                        } else {
                            None
                        }
                    })
                    .collect();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
                    CodeBlockKind::Indented => "",
                };
                out.push(Event::Html(code_block(lang, &code).into()));
                i = end;
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                quotes.push(true);
                out.push(Event::Html(
                    callout_open(Callout::from_gfm(*kind), None).into(),
                ));
            }
            Event::Start(Tag::BlockQuote(None)) => match obsidian_callout(&events, i) {
                Some((callout, title, resume, reopen)) => {
                    quotes.push(true);
                    out.push(Event::Html(callout_open(callout, Some(&title)).into()));
                    if reopen {
                        out.push(Event::Start(Tag::Paragraph));
                    }
                    i = resume;
                    continue;
                }
                None => {
                    quotes.push(false);
                    out.push(events[i].clone());
                }
            },
            Event::End(TagEnd::BlockQuote(_)) => {
                if quotes.pop().unwrap_or(false) {
                    out.push(Event::Html("</div>\n".into()));
                } else {
                    out.push(events[i].clone());
                }
            }
            Event::Start(Tag::Table(_)) => {
                out.push(Event::Html("<div class=\"table-wrap\">".into()));
                out.push(events[i].clone());
            }
            Event::End(TagEnd::Table) => {
                out.push(events[i].clone());
                out.push(Event::Html("</div>\n".into()));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    let mut html_out = String::with_capacity(note.body().len() * 3 / 2);
    html::push_html(&mut html_out, out.into_iter());
    html_out
}

/// Index of the `End` event that closes the `Start` at `start`.
fn find_end(events: &[Event], start: usize) -> usize {
    let mut depth = 0usize;
    for (offset, event) in events[start..].iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return start + offset;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

/// What a body shows of a note it links to: its URL, its title (a link's text), its summary (the
/// link's tooltip) and its headings (a link's text, and whether an anchor resolves). The renderer
/// reads other notes only through this, and a body's fingerprint is fed the same (`feed`, see
/// `bodies.rs`), so the two cannot drift apart.
pub(super) struct Target<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    summary: &'a str,
    headings: &'a [Heading],
}

impl Target<'_> {
    /// Whether the target's page has `anchor` (a heading, or an anchor the page itself gives).
    fn has(&self, graph: &LinkGraph, kb: &KnowledgeBase, anchor: &str) -> bool {
        kb.get_str(self.id)
            .is_some_and(|note| graph.has_anchor(note, anchor))
    }

    /// Feeds every field to a fingerprint (a field added to `Target` must be added here: the
    /// patterns name them all).
    pub(super) fn feed(&self, hasher: &mut Hasher) {
        let Target {
            id,
            url,
            title,
            summary,
            headings,
        } = self;
        hasher.text(id).text(url).text(title).text(summary);
        hasher.number(headings.len() as u64);
        for Heading { level, id, text } in headings.iter() {
            hasher.number(u64::from(*level)).text(id).text(text);
        }
    }
}

/// The note `id` as a body linking to it shows it; `None` when there is no such note.
pub(super) fn target<'a>(
    kb: &'a KnowledgeBase,
    graph: &'a LinkGraph,
    id: &NoteId,
) -> Option<Target<'a>> {
    let found = kb.get(id)?;
    Some(Target {
        id: found.id.as_str(),
        url: note_url(found),
        title: &found.title,
        summary: &found.summary,
        headings: graph.headings(id),
    })
}

fn wiki_link(note: &Note, kb: &KnowledgeBase, graph: &LinkGraph, root: &str, dest: &str) -> String {
    let (target_id, anchor) = graph.wiki_target(kb, &note.id, dest);
    let fragment = anchor.map(|a| format!("#{a}")).unwrap_or_default();
    let found = target_id
        .and_then(|id| target(kb, graph, &id))
        .filter(|t| anchor.is_none_or(|a| t.has(graph, kb, a)));
    match found {
        Some(found) => {
            let href = if found.id == note.id.as_str() {
                fragment
            } else {
                format!("{root}{}{fragment}", found.url)
            };
            format!(
                "<a class=\"wikilink\" href=\"{}\" title=\"{}\">",
                escape(&href),
                escape(found.summary)
            )
        }
        None => format!(
            "<a class=\"broken-link\" title=\"unresolved link: {}\">",
            escape(dest)
        ),
    }
}

/// The text of a `[[target]]` link without a label: the target's title, plus the heading.
fn wiki_label(note: &Note, kb: &KnowledgeBase, graph: &LinkGraph, dest: &str) -> String {
    let (id, anchor) = graph.wiki_target(kb, &note.id, dest);
    let Some(found) = id.as_ref().and_then(|id| target(kb, graph, id)) else {
        return dest.to_owned();
    };
    let heading = anchor.and_then(|a| found.headings.iter().find(|h| h.id == a));
    match (heading, split_target(dest).0.is_empty()) {
        (Some(h), true) => h.text.clone(),
        (Some(h), false) => format!("{} › {}", found.title, h.text),
        (None, _) => found.title.to_owned(),
    }
}

/// The page URL a Markdown link to a note file (`../services/s3.md#keys`) becomes; `None` for
/// any other link (a URL, an anchor on this page, a file that is not a note), which stays as
/// written.
fn markdown_link(
    note: &Note,
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    root: &str,
    dest: &str,
) -> Option<String> {
    let (path, anchor) = note_path(dest)?;
    if path.is_empty() {
        return None;
    }
    let id = graph.names.markdown(kb, &note.rel_path, &path)?;
    let found = target(kb, graph, &id)?;
    let fragment = anchor.map(|a| format!("#{a}")).unwrap_or_default();
    Some(if found.id == note.id.as_str() && !fragment.is_empty() {
        fragment
    } else {
        format!("{root}{}{fragment}", found.url)
    })
}

fn code_block(lang: &str, code: &str) -> String {
    let lang_attr = if lang.is_empty() {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", escape(lang))
    };
    match Highlighter::get().highlight(lang, code) {
        Some(highlighted) => format!(
            "<pre class=\"code hl-code\"{lang_attr}><code class=\"language-{}\">{highlighted}</code></pre>\n",
            escape(lang)
        ),
        None => format!("<pre class=\"code\"{lang_attr}><code>{}</code></pre>\n", escape(code)),
    }
}

fn callout_open(callout: Callout, title: Option<&str>) -> String {
    let name = callout.name();
    let title = title.filter(|t| !t.trim().is_empty()).map_or_else(
        || {
            let mut chars = name.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        },
        |t| t.trim().to_owned(),
    );
    format!(
        "<div class=\"callout callout-{name}\" role=\"note\"><p class=\"callout-title\">{}</p>\n",
        escape(&title)
    )
}

/// Recognises `> **warning** Title` at `start` (a plain blockquote). Returns the kind, the
/// title, the index to resume at, and whether a paragraph must be reopened for the text after
/// the title line.
fn obsidian_callout(events: &[Event], start: usize) -> Option<(Callout, String, usize, bool)> {
    let [Event::Start(Tag::Paragraph), Event::Start(Tag::Strong), Event::Text(word), Event::End(TagEnd::Strong), ..] =
        events.get(start + 1..)?
    else {
        return None;
    };
    let callout = Callout::from_keyword(word.trim())?;
    let mut title = String::new();
    let mut i = start + 5;
    while let Some(event) = events.get(i) {
        match event {
            Event::Text(t) | Event::Code(t) => title.push_str(t),
            Event::SoftBreak | Event::HardBreak => return Some((callout, title, i + 1, true)),
            Event::End(TagEnd::Paragraph) => return Some((callout, title, i + 1, false)),
            _ => return Some((callout, title, i, true)),
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests;
