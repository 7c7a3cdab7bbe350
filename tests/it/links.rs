//! Links as Obsidian writes them: wiki-links by title, alias or path in any case, Markdown links
//! to note files checked and rewritten to page URLs, and old addresses kept by `redirect_from`.

use std::fs;

use crate::{attrs, check_reports, SiteTest};

fn obsidian() -> SiteTest {
    let t = SiteTest::new("minimal");
    t.add("obsidian");
    t
}

// Every way of naming a note leads to its page, with the anchor kept; Markdown links to note
// files become page URLs; other links stay as written.
#[test]
fn obsidian_links_resolve_and_rewrite() {
    let t = obsidian();
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let html = t.html("out/model/vault.html");
    let hrefs = attrs(&html, "main a:not(.anchor)", "href");
    let want = [
        "../services/widget.html",
        "../services/widget.html",
        "../glossary/keys.html",
        "../glossary/tls.html",
        "../services/widget.html#layer-data",
        "../services/widget.html#item-widget-encrypt",
        "../glossary/keys.html#rotation",
        "../services/widget.html#checklist-title",
        "../glossary/keys.html",
        "../glossary/tls.html",
        "../glossary/keys.html#rotation",
        "#links",
        "https://example.com/a.md",
    ];
    for href in want {
        assert!(
            hrefs.iter().any(|h| h == href),
            "no link to {href} in {hrefs:?}"
        );
    }
    assert!(!hrefs
        .iter()
        .any(|h| h.ends_with(".md") && !h.starts_with("http")));
    // Each resolved target exists on disk, anchors included.
    let base = t.dir.join("out/model");
    for href in want.iter().filter(|h| h.starts_with("..")) {
        let (path, anchor) = href.split_once('#').unwrap_or((href, ""));
        let page = fs::read_to_string(base.join(path)).expect("target page");
        if !anchor.is_empty() {
            assert!(
                page.contains(&format!("id=\"{anchor}\"")),
                "{href}: no anchor"
            );
        }
    }
    // A note linked by name lists the linking note among its backlinks.
    let keys = t.read("out/glossary/keys.html");
    assert!(keys.contains("model/vault.html"), "backlink missing");
}

// An old address gets a small page that sends readers on (relative, so it works from file://),
// kept out of the sitemap; a taken or unsafe address is a located error.
#[test]
fn redirect_from_keeps_old_addresses() {
    let t = obsidian();
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    for (old, to) in [
        ("out/glossary/old-keys.html", "../glossary/keys.html"),
        ("out/legacy/keys/index.html", "../../glossary/keys.html"),
        ("out/glossary/keys-v1.html", "../glossary/keys.html"),
    ] {
        let page = t.read(old);
        assert!(
            page.contains(&format!("content=\"0; url={to}\"")),
            "{old}: {page}"
        );
        assert!(page.contains("noindex"), "{old}");
        assert!(
            page.contains(&format!("<a href=\"{to}\">Encryption keys</a>")),
            "{old}"
        );
    }
    assert!(!t.read("out/sitemap.xml").contains("old-keys"));

    let keys = t.dir.join("knowledge/glossary/keys.md");
    let text = fs::read_to_string(&keys).expect("read");
    fs::write(
        &keys,
        text.replace(
            "redirect_from = [\"old-keys\", \"legacy/keys/\", \"glossary/keys-v1.html\"]",
            "redirect_from = [\"tls\", \"../up.html\", \"index.html\", \"checklists/services-9.html\"]",
        ),
    )
    .expect("write");
    check_reports(
        &t,
        &[
        "knowledge/glossary/keys.md:5:18: error: `redirect_from` address `glossary/tls.html` is the page of note `tls`",
        "knowledge/glossary/keys.md:5:25: error: `redirect_from` entry `../up.html` is not an old address of this note",
        "knowledge/glossary/keys.md:5:39: error: `redirect_from` address `index.html` is a page the site generates",
        "knowledge/glossary/keys.md:5:53: error: `redirect_from` address `checklists/services-9.html` is in the folder where the parts of the page `checklists.html` go when it splits",
        ],
    );
}

// Broken names, files and anchors are reported where they are written, all in one run, with a
// hint; a name two notes answer to is ambiguous.
#[test]
fn broken_obsidian_links_are_located() {
    let t = obsidian();
    fs::write(
        t.dir.join("knowledge/model/broken.md"),
        "+++\ntitle = \"Broken\"\nsummary = \"s\"\nsources = [\"https://aws.amazon.com/\"]\n+++\n\
         [[Widget Servce]] [a](../services/widgit.md) [b](#nowhere) [[keys#rotaton]]\n",
    )
    .expect("write");
    fs::write(
        t.dir.join("knowledge/glossary/twin.md"),
        "+++\ntitle = \"Encryption Keys\"\nsummary = \"A second note with that title.\"\n+++\n[[tls]] [[ENCRYPTION KEYS]]\n",
    )
    .expect("write");
    let err = check_reports(
        &t,
        &[
        "knowledge/model/broken.md:6:1: error: unresolved link `[[Widget Servce]]`; did you mean `Widget Service`?",
        "knowledge/model/broken.md:6:19: error: unresolved link `../services/widgit.md`: no note file `services/widgit.md` in the knowledge base; did you mean `services/widget.md`?",
        "knowledge/model/broken.md:6:46: error: unresolved link `#nowhere`: this note has no heading with that id",
        "knowledge/model/broken.md:6:60: error: unresolved link `[[keys#rotaton]]`: `keys` has no heading with that id; did you mean `#rotation`?",
        ],
    );
    // Two notes with one title: a link by that title is ambiguous (a link by id is not).
    assert!(
        err.contains("knowledge/glossary/twin.md:5:9: error: ambiguous link `[[ENCRYPTION KEYS]]`: notes `keys`, `twin` all answer to that name; link by id"),
        "{err}"
    );
    assert!(!err.contains("twin.md:5:1:"), "{err}");
}
