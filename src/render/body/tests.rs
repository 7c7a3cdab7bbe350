//! Body rendering: inline notes in, exact HTML fragments out.

use super::*;
use crate::diag::Diagnostics;
use crate::kb::load;
use crate::links;
use crate::source::SourceFile;

fn file(rel: &str, text: &str) -> SourceFile {
    SourceFile::knowledge(rel, text)
}

/// Renders the body of `glossary/a.md` next to a `glossary/b.md` that has a `## Keys` heading.
#[track_caller]
fn render_a(body: &str) -> String {
    let vocab = "owners = []\nservice_models = []\nlayer_groups = []\nseverities = []\n";
    let files = vec![
        file("vocabulary.toml", vocab),
        file(
            "glossary/a.md",
            &format!("+++\ntitle = \"A\"\nsummary = \"s\"\n+++\n{body}"),
        ),
        file(
            "glossary/b.md",
            "+++\ntitle = \"Bee <b>\"\nsummary = \"About \\\"b\\\"\"\n+++\n## Keys\n",
        ),
    ];
    let mut diags = Diagnostics::new();
    let kb = load(files, &mut diags);
    let graph = links::build(&kb, &mut diags);
    let note = kb.get_str("a").expect("note a");
    render(note, &kb, &graph, "../")
}

// Wiki-links become relative links labelled with the target's title (escaped), or keep their label.
#[test]
fn wiki_links() {
    let cases = [
        (
            "[[b]]",
            r#"<a class="wikilink" href="../glossary/b.html" title="About &quot;b&quot;">Bee &lt;b&gt;</a>"#,
        ),
        (
            "[[b|the bee]]",
            r#"<a class="wikilink" href="../glossary/b.html" title="About &quot;b&quot;">the bee</a>"#,
        ),
        (
            "[[b#keys]]",
            r#"<a class="wikilink" href="../glossary/b.html#keys" title="About &quot;b&quot;">Bee &lt;b&gt; › Keys</a>"#,
        ),
        (
            "[[nope]]",
            r#"<a class="broken-link" title="unresolved link: nope">nope</a>"#,
        ),
    ];
    for (markdown, expected) in cases {
        let html = render_a(markdown);
        assert!(html.contains(expected), "{markdown}: {html}");
    }
}

// Both callout spellings render as the same callout box; plain quotes stay quotes.
#[test]
fn callouts() {
    let html = render_a("> [!CAUTION]\n> Careful.\n\n> **warning** Mind the gap\n> Body text.\n\n> **Bold** start.\n");
    assert!(html.contains("<div class=\"callout callout-caution\" role=\"note\"><p class=\"callout-title\">Caution</p>"), "{html}");
    assert!(html.contains("<div class=\"callout callout-warning\" role=\"note\"><p class=\"callout-title\">Mind the gap</p>\n<p>Body text.</p>"), "{html}");
    assert!(
        html.contains("<blockquote>\n<p><strong>Bold</strong> start.</p>"),
        "{html}"
    );
}

// Code is highlighted with classes; unknown languages are plain, escaped text.
#[test]
fn code_blocks() {
    let html = render_a("```hcl\nresource \"aws_vpc\" \"main\" {}\n```\n\n```klingon\n<b>\n```\n");
    assert!(
        html.contains(r#"<pre class="code hl-code" data-lang="hcl"><code class="language-hcl">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<pre class="code" data-lang="klingon"><code>&lt;b&gt;"#),
        "{html}"
    );
}

// Headings carry the ids `links` computed, with a self-link; tables are wrapped for scrolling.
#[test]
fn headings_and_tables() {
    let html = render_a("## Key rotation\n\n## Key rotation\n\n| a |\n| - |\n| 1 |\n");
    assert!(
        html.contains(
            r##"<h2 id="key-rotation">Key rotation<a class="anchor" href="#key-rotation""##
        ),
        "{html}"
    );
    assert!(html.contains(r#"<h2 id="key-rotation-1">"#), "{html}");
    assert!(html.contains("<div class=\"table-wrap\"><table>"), "{html}");
}

// Property: rendering arbitrary Markdown (built from the syntax that matters: links, wiki-links,
// headings, code fences, callouts, tables, lists, HTML-looking text) never panics, and text
// without `<` never yields a script element.
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("[[b]]".to_owned()),
            Just("[[b#keys|x]]".to_owned()),
            Just("[[#nope]]".to_owned()),
            Just("[[".to_owned()),
            Just("]]".to_owned()),
            Just("\n## ".to_owned()),
            Just("\n```json\n".to_owned()),
            Just("\n```\n".to_owned()),
            Just("\n> [!WARNING]\n> ".to_owned()),
            Just("\n> **tip** T\n".to_owned()),
            Just("\n| a | b |\n| - | - |\n| 1 | 2 |\n".to_owned()),
            Just("\n- [ ] ".to_owned()),
            Just("[x](javascript:alert(1))".to_owned()),
            Just("[^1]\n\n[^1]: n\n".to_owned()),
            Just("{#id}".to_owned()),
            Just("script".to_owned()),
            "[ -;=?-~]{0,10}",
            "\\PC{0,6}",
        ]
    }

    proptest! {
        #[test]
        fn render_never_panics(parts in prop::collection::vec(piece(), 0..20)) {
            let body = parts.concat();
            let html = render_a(&body);
            if !body.contains('<') {
                prop_assert!(!html.contains("<script"), "{body:?} gave {html}");
            }
        }
    }
}
