//! HTML safety: an attacker's strings in every field of a note come out as text; raw HTML in a
//! body is kept only while `sanitize-html` is off; links that run script are refused.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use scraper::{Html, Selector};

use crate::{stderr, SiteTest};

/// What could run in the built pages: (what, marker) for each `<script>` with an `alert(`,
/// each `on*=` attribute, each iframe/svg/object element and each script-scheme link.
fn runnable(dir: &Path) -> BTreeSet<(String, String)> {
    let marker = |text: &str| {
        text.split("alert('")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or("?")
            .to_owned()
    };
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "html") {
                continue;
            }
            let html = Html::parse_document(&fs::read_to_string(&path).expect("read page"));
            for element in html.select(&Selector::parse("*").expect("selector")) {
                let name = element.value().name();
                let text: String = element.text().collect();
                // A data block (`type="application/json"`, the self-check's questions) is never
                // run; a title that broke out of it would be a script element of its own.
                let data_block = element
                    .value()
                    .attr("type")
                    .is_some_and(|t| !t.is_empty() && !t.contains("javascript") && t != "module");
                if name == "script" && !data_block && text.contains("alert(") {
                    found.insert(("script".to_owned(), marker(&text)));
                }
                if matches!(name, "iframe" | "svg" | "object" | "embed") {
                    found.insert((name.to_owned(), String::new()));
                }
                for (attr, value) in element.value().attrs() {
                    if attr.starts_with("on") {
                        found.insert((format!("{name}[{attr}]"), marker(value)));
                    }
                    if matches!(attr, "href" | "src")
                        && value.trim().to_ascii_lowercase().starts_with("javascript:")
                    {
                        found.insert((format!("{name}[{attr}]"), marker(value)));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn injected_strings_are_text() {
    let t = SiteTest::new("minimal");
    t.add("injection");
    // Links that would run script are refused, at their place.
    let out = t.run(&["check", "--knowledge", "knowledge"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "knowledge/glossary/evil-link.md:5:7: error: refusing link to `javascript:alert('link')`: links may not run script; use http(s), mailto or a relative link\n\
         knowledge/glossary/evil-link.md:5:43: error: refusing link to `JavaScript:alert('img')`: links may not run script; use http(s), mailto or a relative link\n\
         checked 7 notes: 2 errors, 0 warnings\n"
    );
    fs::remove_file(t.dir.join("knowledge/glossary/evil-link.md")).expect("remove");

    // Trusted (default): only the raw HTML written in bodies stays live (`?`: the `minimal`
    // fixture's own `<script>alert(1)</script>` in tls.md).
    t.ok(&["build", "--knowledge", "knowledge", "--output", "trusted"]);
    let live = runnable(&t.dir.join("trusted"));
    let expected: BTreeSet<(String, String)> = [
        ("script", "raw"),
        ("script", "label"),
        ("script", "?"),
        ("img[onerror]", "raw"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(live, expected, "only the body's raw HTML may run");
    let page = t.read("trusted/services/widget.html");
    assert!(
        page.contains("<h1>Widget &lt;script&gt;alert("),
        "title shown as text"
    );
    // The self-check carries titles in a JSON data block: `<` is escaped there, so a title can
    // never close the block and start a script of its own.
    let check = t.read("trusted/self-check.html");
    assert!(
        check.contains("Widget \\u003cscript>alert("),
        "title escaped in the data block"
    );
    assert!(
        !check.contains("Widget <script>"),
        "title escaped in the data block"
    );

    // Sanitised: nothing runs, the harmless part of the raw HTML stays.
    fs::write(
        t.dir.join("book.toml"),
        "[build]\nknowledge = \"knowledge\"\nsanitize-html = true\n",
    )
    .expect("config");
    t.ok(&["build", "--output", "clean"]);
    assert_eq!(runnable(&t.dir.join("clean")), BTreeSet::new());
    let page = t.read("clean/services/widget.html");
    assert!(page.contains("Raw HTML"), "sanitising keeps text");
    assert!(
        page.contains("class=\"wikilink\""),
        "sanitising keeps our links"
    );
}
