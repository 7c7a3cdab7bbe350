//! `whosecures build`: the pages a site must have, cross-links, aggregation and escaping.

use crate::{attrs, stderr, texts, SiteTest};
use scraper::Html;

// The minimal fixture builds every kind of page, with relative links that resolve on disk.
#[test]
fn minimal_site_has_every_page() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    for page in [
        "index.html",
        "matrix.html",
        "checklists.html",
        "search.html",
        "404.html",
        "sitemap.xml",
        "kb.json",
        "nav.js",
        "search/manifest.js",
        "search/d-0.js",
        "static/style.css",
        "static/app.js",
        "static/highlight.css",
        "services/widget.html",
        "services/index.html",
        "layers/data.html",
        "pillars/data-protection.html",
        "glossary/tls.html",
        "glossary/index.html",
        "model/overview.html",
    ] {
        assert!(t.dir.join("out").join(page).is_file(), "missing {page}");
    }
    // Every relative link on every page points at a file that exists.
    for page in [
        "index.html",
        "services/widget.html",
        "model/overview.html",
        "matrix.html",
    ] {
        let html = t.html(&format!("out/{page}"));
        let base = t.dir.join("out").join(page);
        for href in attrs(&html, "a[href], link[href], script[src]", "href")
            .into_iter()
            .chain(attrs(&html, "script[src]", "src"))
        {
            if href.starts_with("http") || href.starts_with('#') {
                continue;
            }
            let path = href.split('#').next().unwrap_or("");
            let target = base.parent().expect("parent").join(path);
            assert!(target.exists(), "{page}: broken link {href}");
        }
    }
}

// A service page shows its responsibility table with owner by class and word, variants, and its checklist.
#[test]
fn service_page_table_and_checklist() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let html = t.html("out/services/widget.html");
    assert_eq!(
        texts(&html, ".resp-table tbody th a"),
        ["Guest operating system", "Data"]
    );
    assert_eq!(
        texts(&html, ".resp-table tbody td:nth-child(2) .owner"),
        ["Provider", "Customer"]
    );
    assert_eq!(
        attrs(&html, ".resp-table tbody tr", "class"),
        ["row-provider", "row-customer"]
    );
    assert_eq!(
        texts(&html, ".variants li > p"),
        ["With <b>managed</b> keys: Shared The provider holds the key."]
    );
    // Both parties' duties side by side, each with its source; the verified date per row.
    assert_eq!(
        texts(
            &html,
            ".resp-table > tbody > tr > td > .split .side-provider li"
        ),
        ["Patches the OS under the service source"]
    );
    assert_eq!(
        texts(
            &html,
            ".resp-table > tbody > tr > td > .split .side-customer li"
        ),
        ["Classifies and protects what it stores source"]
    );
    assert_eq!(
        texts(&html, ".variants .side-provider li"),
        ["Holds and rotates the managed key source"]
    );
    assert_eq!(
        texts(&html, ".resp-table .verified time"),
        ["2026-11-23", "2026-11-23"]
    );
    // A duty's link gives its date only when it was checked on another day than its row: the
    // managed key's duty was, the others were not.
    assert_eq!(
        attrs(&html, ".resp-table .src[title]", "title"),
        ["Source, verified 2026-12-01"]
    );
    assert_eq!(attrs(&html, ".resp-table .src", "href").len(), 4);
    assert_eq!(
        attrs(&html, ".resp-table tbody > tr", "id"),
        ["layer-guest-os", "layer-data"]
    );
    assert_eq!(
        texts(&html, ".check-item .check-title"),
        ["Encrypt every widget"]
    );
    assert_eq!(
        texts(&html, ".check-item .control"),
        ["fsbp:S3.1", "cis-aws-3.0.0:2.1.1"]
    );
    assert_eq!(texts(&html, "h1"), ["Widget Service"]);
    assert_eq!(texts(&html, ".breadcrumbs li"), ["Home", "Services"]);
}

// Layer and pillar pages gather cells and checklist items from services; backlinks are listed.
#[test]
fn aggregation_and_backlinks() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let layer = t.html("out/layers/data.html");
    assert_eq!(texts(&layer, ".resp-table tbody th a"), ["Widget Service"]);
    assert_eq!(
        texts(&layer, ".check-item .check-title"),
        ["Encrypt every widget"]
    );
    // An item's badges name its note and pillar here, not the layer whose page this is; the
    // pillar's page names the layer, not the pillar.
    let badges = |page: &Html| texts(page, ".check-item .check-meta a.badge:not(.control)");
    assert_eq!(
        badges(&layer),
        ["Widget Service", "Pillar: Data protection"]
    );
    assert_eq!(
        texts(&layer, ".backlinks li a"),
        ["Overview", "Widget Service"]
    );
    let pillar = t.html("out/pillars/data-protection.html");
    assert_eq!(
        texts(&pillar, ".check-item .check-title"),
        ["Encrypt every widget"]
    );
    assert_eq!(badges(&pillar), ["Widget Service", "Layer: Data"]);
    let matrix = t.html("out/matrix.html");
    assert_eq!(texts(&matrix, ".matrix tbody th a"), ["Widget Service"]);
    assert_eq!(
        attrs(&matrix, ".matrix tbody td", "class"),
        ["cell cell-provider", "cell cell-customer"]
    );
    assert_eq!(
        texts(&t.html("out/checklists.html"), ".check-title"),
        ["Encrypt every widget"]
    );
}

// Titles and summaries are escaped in every template; raw HTML in a trusted body is kept.
#[test]
fn escaping() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let page = t.read("out/services/widget.html");
    assert!(
        page.contains("With &lt;b&gt;managed&lt;&#x2F;b&gt; keys")
            || page.contains("With &lt;b&gt;managed&lt;/b&gt; keys"),
        "variant not escaped"
    );
    let kb: serde_json::Value =
        serde_json::from_str(&t.read("out/kb.json")).expect("kb.json is JSON");
    assert_eq!(kb["schema"], "whosecures-kb/2");
    let widget = kb["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .find(|n| n["id"] == "widget")
        .expect("widget");
    assert_eq!(widget["service"]["responsibility"][1]["owner"], "customer");
    assert_eq!(widget["links_to"], serde_json::json!(["data", "overview"]));
}

// With no files at all, `build` publishes the embedded knowledge base.
#[test]
fn embedded_build_in_empty_directory() {
    let t = SiteTest::empty();
    let out = t.ok(&["build"]);
    assert!(
        crate::stderr(&out).contains("built "),
        "{}",
        crate::stderr(&out)
    );
    let home = t.html("site/index.html");
    assert!(!texts(&home, ".band-provider li").is_empty());
    // "How responsibility shifts" reads each model's declared representative, never a vote:
    // every cell says what that service's own table says (IaaS guest OS = Customer, as on EC2).
    let layers = texts(&home, ".shift-table tbody th a");
    assert_eq!(
        layers.len(),
        texts(&t.html("site/layers/index.html"), ".card").len()
    );
    let representatives = [
        ("ec2", "Amazon EC2"),
        ("rds", "Amazon RDS"),
        ("s3", "Amazon S3"),
    ];
    let heads = texts(&home, ".shift-table thead th .group a");
    assert_eq!(heads, representatives.map(|(_, title)| title));
    for (col, (id, _)) in representatives.iter().enumerate() {
        let page = t.html(&format!("site/services/{id}.html"));
        let own = texts(&page, ".resp-table > tbody > tr > td:nth-child(2) > .owner");
        let shown = texts(
            &home,
            &format!(".shift-table tbody td:nth-of-type({}) .owner", col + 1),
        );
        assert_eq!(shown, own, "{id}");
    }
    let guest = layers.iter().position(|l| l == "Guest operating system");
    let ec2 = texts(&home, ".shift-table tbody td:nth-of-type(1) .owner");
    assert_eq!(guest.map(|i| ec2[i].as_str()), Some("Customer"));
    let s3 = t.html("site/services/s3.html");
    assert_eq!(
        texts(&s3, ".resp-table tbody tr").len(),
        texts(&t.html("site/layers/index.html"), ".card").len()
    );
}

// Every list reads in natural, case-insensitive order, services by their name without the
// vendor prefix (shown all the same): the glossary, section pages, the sidebar, checklist groups,
// control ids and `who --list`.
#[test]
fn lists_sort_naturally() {
    let t = SiteTest::empty();
    t.ok(&["build"]);
    let glossary = texts(&t.html("site/glossary/index.html"), "dl.glossary dt");
    assert_eq!(glossary[..3], ["Access key", "AMI", "ARN"], "{glossary:?}");
    let services = texts(&t.html("site/services/index.html"), ".card > a");
    assert_eq!(
        services[..3],
        ["Amazon API Gateway", "AWS AppSync", "Amazon Athena"],
        "{services:?}"
    );
    let at = |title: &str| services.iter().position(|s| s == title).expect(title);
    assert!(at("Amazon Kinesis Data Streams") < at("AWS Lambda"));
    assert!(at("AWS Lambda") < at("Amazon MQ"));
    assert!(at("Amazon RDS Custom") < at("Amazon S3"));
    assert!(at("Amazon S3") < at("Amazon S3 Glacier"));
    assert!(at("Amazon SQS") < at("AWS Step Functions"));
    // The sidebar (every page's, filled from nav.js) lists its sections in the same order.
    let nav = t.read("site/nav.js");
    let json = nav
        .strip_prefix("window.whosecuresNavData = ")
        .and_then(|rest| rest.split_once(";\n"))
        .map(|(json, _)| json)
        .expect("nav.js holds its data");
    let nav: serde_json::Value = serde_json::from_str(json).expect("nav.js data is JSON");
    let titles = |kind: &str| -> Vec<String> {
        nav["sections"][kind]["notes"]
            .as_array()
            .expect(kind)
            .iter()
            .map(|pair| pair[1].as_str().expect("title").to_owned())
            .collect()
    };
    assert_eq!(titles("services"), services);
    assert_eq!(titles("glossary")[..3], ["Access key", "AMI", "ARN"]);
    // Without its script a page's sidebar holds only each section's index.
    let links = texts(&t.html("site/glossary/ami.html"), "#sidebar a");
    assert_eq!(
        links.len(),
        nav["sections"].as_object().map_or(0, |s| s.len())
    );
    assert!(links.iter().all(|l| l == "Overview"), "{links:?}");
    let security = texts(&t.html("site/security-services/index.html"), ".card > a");
    let at = |title: &str| security.iter().position(|s| s == title).expect(title);
    assert!(at("AWS Firewall Manager") < at("Amazon GuardDuty"));
    assert!(at("Amazon GuardDuty") < at("AWS IAM Access Analyzer"));
    // The embedded checklists are split; the first part starts where the whole list would.
    let groups = texts(&t.html("site/checklists/services-1.html"), "h2 a");
    assert_eq!(
        groups[..2],
        ["Amazon API Gateway", "AWS AppSync"],
        "{groups:?}"
    );
    let controls = texts(
        &t.html("site/controls.html"),
        "section.control h3 .control-key",
    );
    let at = |id: &str| controls.iter().position(|c| c == id).expect(id);
    assert!(at("fsbp:Account.1") < at("fsbp:ACM.1"));
    assert!(at("fsbp:CloudFront.9") < at("fsbp:CloudFront.10"));
    // Backlinks by name too, across kinds (by id, `multi-cloud-comparison` would come late).
    let backlinks = texts(&t.html("site/layers/guest-os.html"), ".backlinks li a");
    assert_eq!(
        backlinks[..4],
        [
            "AMI",
            "Application dependencies",
            "AWS, Azure and Google Cloud compared",
            "AWS Batch"
        ],
        "{backlinks:?}"
    );
    let list = crate::stdout(&t.ok(&["who", "--list"]));
    let ids: Vec<&str> = list
        .lines()
        .skip(1)
        .take(4)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        ids,
        ["api-gateway", "appsync", "athena", "aurora"],
        "{list}"
    );
    let at = |id: &str| list.find(&format!("  {id} ")).expect(id);
    assert!(at("kinesis-data-streams") < at("lambda") && at("lambda") < at("mq"));
}

// An overlay adds a note and replaces an embedded one without forking the knowledge base.
#[test]
fn overlay_adds_and_replaces() {
    let t = SiteTest::new("overlay");
    t.ok(&["build", "--overlay", "ours", "--output", "out"]);
    assert_eq!(
        texts(&t.html("out/glossary/tls.html"), ".summary"),
        ["Our own definition of TLS."]
    );
    assert_eq!(
        texts(&t.html("out/practices/our-runbook.html"), "h1"),
        ["Our incident runbook"]
    );
}

// `init` writes an editable copy that builds as it is, and refuses to overwrite it.
#[test]
fn init_then_build() {
    let t = SiteTest::empty();
    t.ok(&["init", "wiki"]);
    assert!(t.dir.join("wiki/knowledge/vocabulary.toml").is_file());
    assert!(t
        .dir
        .join("wiki/themes/default/templates/base.html")
        .is_file());
    assert!(t
        .read("wiki/book.toml")
        .contains("knowledge = \"knowledge\""));
    t.ok(&["build", "--config", "wiki/book.toml"]);
    assert!(t.dir.join("wiki/site/index.html").is_file());
    let again = t.run(&["init", "wiki"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        crate::stderr(&again).contains("refusing to overwrite"),
        "{}",
        crate::stderr(&again)
    );
}

// The print page holds every note once, and every in-page link lands on an element of the page.
#[test]
fn print_page_links_stay_in_the_page() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let html = t.html("out/print.html");
    let ids: std::collections::HashSet<String> = attrs(&html, "[id]", "id").into_iter().collect();
    assert_eq!(
        ids.len(),
        attrs(&html, "[id]", "id").len(),
        "ids are unique"
    );
    let sections = attrs(&html, "section.print-note", "id");
    assert_eq!(
        sections,
        [
            "model/overview.html",
            "layers/guest-os.html",
            "layers/data.html",
            "pillars/data-protection.html",
            "services/widget.html",
            "glossary/tls.html"
        ]
    );
    let links: Vec<String> = attrs(&html, "a[href^='#']", "href");
    assert!(links.iter().any(|l| l == "#layers/data.html"), "{links:?}");
    assert!(
        links
            .iter()
            .any(|l| l.starts_with("#model/overview.html--")),
        "{links:?}"
    );
    for link in &links {
        assert!(
            ids.contains(&link[1..]),
            "in-page link {link} has no target"
        );
    }
}

/// Every rule of `css` as (selector list, declarations), `@media` blocks opened up.
fn css_rules(css: &str) -> Vec<(String, String)> {
    let mut css = css.to_owned();
    while let Some(start) = css.find("/*") {
        let end = css[start..].find("*/").map_or(css.len(), |e| start + e + 2);
        css.replace_range(start..end, "");
    }
    css.split('}')
        .filter_map(|chunk| {
            let (selector, body) = chunk.rsplit_once('{')?;
            Some((
                selector.split('{').next_back()?.trim().to_owned(),
                body.trim().to_owned(),
            ))
        })
        .filter(|(selector, _)| !selector.is_empty() && !selector.starts_with('@'))
        .collect()
}

// The controls page reads in the body font: the theme's monospace rules match only code and
// control-id badges, never a control's section, heading or items (they once matched
// `<section class="control">` and set the whole page in monospace).
#[test]
fn controls_page_is_not_monospace() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let page = t.html("out/controls.html");
    assert_eq!(
        texts(&page, "section.control h3"),
        ["fsbp:S3.1", "cis-aws-3.0.0:2.1.1"]
    );
    let css = t.read("out/static/style.css");
    let mono: Vec<(String, String)> = css_rules(&css)
        .into_iter()
        .filter(|(_, body)| body.contains("font-family") && body.contains("monospace"))
        .collect();
    assert!(mono.iter().any(|(s, _)| s.contains(".control")), "{mono:?}");
    for (selector, _) in &mono {
        let parsed = scraper::Selector::parse(selector)
            .unwrap_or_else(|e| panic!("monospace selector `{selector}`: {e:?}"));
        for element in page.select(&parsed) {
            let e = element.value();
            let badge =
                e.name() == "a" && e.has_class("badge", scraper::CaseSensitivity::CaseSensitive);
            assert!(
                badge || ["code", "pre", "kbd", "samp"].contains(&e.name()),
                "`{selector}` sets <{} class=\"{}\"> in monospace",
                e.name(),
                e.attr("class").unwrap_or_default()
            );
        }
    }
    // The badges themselves still are (the controls page lists items as plain lines; their
    // badges are where the items live).
    let widget = t.html("out/services/widget.html");
    assert!(mono.iter().any(|(s, _)| {
        scraper::Selector::parse(s).is_ok_and(|sel| {
            widget.select(&sel).any(|e| {
                e.value()
                    .has_class("badge", scraper::CaseSensitivity::CaseSensitive)
            })
        })
    }));
}

// A checklist item's `detail` is inline Markdown: code spans, emphasis and web links drawn,
// HTML escaped, on every page that shows the item.
#[test]
fn checklist_detail_is_inline_markdown() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    for page in ["checklists.html", "services/widget.html"] {
        let html = t.html(&format!("out/{page}"));
        let details = texts(&html, ".check-detail");
        assert!(!details.is_empty(), "{page}: no detail");
        for detail in &details {
            assert!(!detail.contains('`'), "{page}: backticks shown: {detail}");
            assert!(!detail.contains('*'), "{page}: asterisks shown: {detail}");
            assert!(
                detail.contains("<b>raw</b> HTML stays text"),
                "{page}: {detail}"
            );
        }
        assert!(texts(&html, ".check-detail code")
            .iter()
            .all(|c| c == "aws widget describe"));
        assert_eq!(
            texts(&html, ".check-detail code").len(),
            details.len(),
            "{page}"
        );
        assert_eq!(
            texts(&html, ".check-detail em").len(),
            details.len(),
            "{page}"
        );
        assert!(
            texts(&html, ".check-detail b").is_empty(),
            "{page}: raw HTML drawn"
        );
        assert!(attrs(&html, ".check-detail a", "href")
            .iter()
            .all(|h| h == "https://aws.amazon.com/compliance/shared-responsibility-model/"));
    }
}

// A wiki-link in a checklist item's detail links to its note on every page that lists the
// item (relative to that page), showing the note's title unless it has a label; one that does
// not resolve is an error at its `[[`, as in a body.
#[test]
fn checklist_detail_wiki_links() {
    let t = SiteTest::new("minimal");
    let widget = t.dir.join("knowledge/services/widget.md");
    let text = std::fs::read_to_string(&widget).expect("read widget");
    let web = "See [the model](https://aws.amazon.com/compliance/shared-responsibility-model/).";
    assert!(text.contains(web));
    let linked = text.replace(
        web,
        "See [[tls]] and *[[overview#shared-controls|the shared controls]]*.",
    );
    std::fs::write(&widget, &linked).expect("write widget");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    for (page, root, copies) in [
        ("checklists.html", "", 1),
        ("services/widget.html", "../", 1),
        ("layers/data.html", "../", 1),
    ] {
        let html = t.html(&format!("out/{page}"));
        let hrefs = [
            format!("{root}glossary/tls.html"),
            format!("{root}model/overview.html#shared-controls"),
        ];
        assert_eq!(
            attrs(&html, ".check-detail a.wikilink", "href"),
            hrefs
                .iter()
                .cycle()
                .take(2 * copies)
                .cloned()
                .collect::<Vec<_>>(),
            "{page}"
        );
        assert_eq!(
            texts(&html, ".check-detail a.wikilink"),
            ["TLS", "the shared controls"].repeat(copies),
            "{page}"
        );
        assert_eq!(texts(&html, ".check-detail em a").len(), copies, "{page}");
        assert!(
            texts(&html, ".check-detail")
                .iter()
                .all(|d| !d.contains("[[")),
            "{page}"
        );
    }
    // The glossary term lists the service among the notes referring to it.
    assert!(texts(&t.html("out/glossary/tls.html"), ".backlinks a")
        .iter()
        .any(|a| a == "Widget Service"));

    let broken = linked.replace("[[tls]]", "[[no-such-note]]");
    std::fs::write(&widget, &broken).expect("write widget");
    let out = t.run(&["check", "--knowledge", "knowledge"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let at = broken.find("[[no-such-note]]").expect("the link");
    let line = broken[..at].matches('\n').count() + 1;
    let column = at - broken[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
    let expected = format!(
        "knowledge/services/widget.md:{line}:{column}: error: unresolved link `[[no-such-note]]`"
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
}

// Every page links the theme's favicon by a path relative to itself, so it shows from file://
// at any depth (a missing icon was a 404 on every page).
#[test]
fn favicon_on_every_page() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let icon = t.read("out/static/favicon.svg");
    assert!(
        icon.starts_with("<svg") && icon.contains("viewBox"),
        "{icon}"
    );
    for (page, href) in [
        ("index.html", "static/favicon.svg"),
        ("checklists.html", "static/favicon.svg"),
        ("services/widget.html", "../static/favicon.svg"),
        ("glossary/index.html", "../static/favicon.svg"),
    ] {
        let html = t.html(&format!("out/{page}"));
        assert_eq!(attrs(&html, "link[rel=icon]", "href"), [href], "{page}");
        assert_eq!(
            attrs(&html, "link[rel=icon]", "type"),
            ["image/svg+xml"],
            "{page}"
        );
        let target = t
            .dir
            .join("out")
            .join(page)
            .parent()
            .expect("parent")
            .join(href);
        assert!(target.is_file(), "{page}: {href} does not resolve");
    }
}

/// Every `.html` file under `dir`, as paths relative to it, sorted.
fn html_pages(dir: &std::path::Path) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "html") {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A heading's own text: the `#` link beside it and the checklist's progress left out.
fn heading_text(heading: scraper::ElementRef) -> String {
    let mut text = String::new();
    for node in heading.descendants() {
        let Some(t) = node.value().as_text() else {
            continue;
        };
        let skipped = node
            .ancestors()
            .filter_map(scraper::ElementRef::wrap)
            .any(|a| {
                a.value()
                    .classes()
                    .any(|c| c == "anchor" || c == "progress")
            });
        if !skipped {
            text.push_str(t);
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// "On this page" lists the sections people come for: on a service page the responsibility table
// first and the checklist last (both headed by the template, outside the Markdown body), every
// entry a real heading of the page, in page order. No page repeats a heading's text at the same
// level (S3 and RDS once had two h2 "Who secures what": the template's and the body's).
#[test]
fn on_this_page_lists_every_section_once() {
    let t = SiteTest::empty();
    t.ok(&["build"]);
    let site = t.dir.join("site");
    let heading = scraper::Selector::parse("main h2, main h3").expect("selector");
    let with_id = scraper::Selector::parse("main [id]").expect("selector");
    let mut service_pages = 0;
    for page in html_pages(&site) {
        if page == "print.html" {
            continue; // every note on one page: its headings repeat by design
        }
        let html = t.html(&format!("site/{page}"));
        let mut seen = std::collections::BTreeSet::new();
        for h in html.select(&heading) {
            let key = (h.value().name().to_owned(), heading_text(h));
            assert!(
                seen.insert(key.clone()),
                "{page}: two {} \"{}\"",
                key.0,
                key.1
            );
        }
        let ids: Vec<String> = html
            .select(&with_id)
            .filter_map(|e| e.value().attr("id").map(str::to_owned))
            .collect();
        let toc = attrs(&html, ".toc a", "href");
        let mut last = None;
        for href in &toc {
            let id = href.strip_prefix('#').expect("an anchor in the page");
            let pos = ids.iter().position(|i| i == id);
            assert!(
                pos.is_some(),
                "{page}: the TOC links to #{id}, which no heading has"
            );
            assert!(pos > last, "{page}: the TOC lists #{id} out of page order");
            last = pos;
        }
        if page.starts_with("services/") && page != "services/index.html" {
            service_pages += 1;
            assert_eq!(
                texts(&html, "#responsibility-title").len(),
                1,
                "{page}: no responsibility table"
            );
            assert_eq!(
                toc.first().map(String::as_str),
                Some("#responsibility-title"),
                "{page}"
            );
            if !texts(&html, ".check-list li").is_empty() {
                assert_eq!(
                    toc.last().map(String::as_str),
                    Some("#checklist-title"),
                    "{page}"
                );
            }
            let who = html
                .select(&heading)
                .filter(|h| heading_text(*h).eq_ignore_ascii_case("who secures what"))
                .count();
            assert_eq!(who, 1, "{page}: \"Who secures what\" {who} times");
        }
    }
    assert!(service_pages > 10, "only {service_pages} service pages");
}

// The README's "Your first note" works as written: the note it shows, added to a knowledge base
// made by `init`, passes `check` and gets a page with its links resolved; the publishing
// recipes it points to exist.
#[test]
fn readme_first_note_works_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README");
    let (_, after) = readme
        .split_once("Then add `knowledge/glossary/data-owner.md`")
        .expect("the first-note section");
    let note = after
        .split_once("```markdown\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(note, _)| note)
        .expect("the example note");
    let t = SiteTest::empty();
    t.ok(&["init", "wiki"]);
    let wiki = t.dir.join("wiki");
    std::fs::write(wiki.join("knowledge/glossary/data-owner.md"), note).expect("write note");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_whosecures"))
            .args(args)
            .current_dir(&wiki)
            .output()
            .expect("run whosecures")
    };
    let check = run(&["check"]);
    assert!(check.status.success(), "{}", crate::stderr(&check));
    let build = run(&["build", "--output", "site"]);
    assert!(build.status.success(), "{}", crate::stderr(&build));
    let page = std::fs::read_to_string(wiki.join("site/glossary/data-owner.html")).expect("page");
    assert!(page.contains("Data owner") && page.contains("href=\"../services/s3.html\""));
    for recipe in [
        "docs/publishing.md",
        "examples/publish/github-pages.yml",
        "examples/publish/s3-cloudfront.sh",
        "examples/publish/nginx.conf",
        "examples/publish/Dockerfile",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        assert!(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(recipe)
                .is_file(),
            "{recipe} is missing"
        );
    }
}
