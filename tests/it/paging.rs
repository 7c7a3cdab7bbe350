//! Split gathering pages: past their budgets the checklists, matrix, controls and attestation
//! pages become an index with parts, and a layer's or pillar's long lists move to parts of
//! their own; every entry is on exactly one part, links lead to where things are, and the
//! preview drops parts that are gone.

use std::collections::BTreeSet;
use std::fs;

use crate::{attrs, texts, SiteTest};

/// Services the fixture adds: more checklist items than a checklists page holds (300), more
/// rows than a layer's page (250) and a matrix page (90), more items than a pillar's page.
const SERVICES: usize = 320;

/// The `minimal` fixture with `SERVICES` generated services, each with a row for the `data`
/// layer and one checklist item mapped to four controls of its own.
pub(crate) fn big_site() -> SiteTest {
    let t = SiteTest::new("minimal");
    let dir = t.dir.join("knowledge/services");
    for n in 0..SERVICES {
        let controls: Vec<String> = (0..4)
            .map(|k| format!("\"fsbp:Gen.{}\"", 4 * n + k))
            .collect();
        let note = format!(
            "+++\ntitle = \"Generated {n:03}\"\nsummary = \"A generated service.\"\n\
             sources = [\"https://aws.amazon.com/compliance/shared-responsibility-model/\"]\n\
             provider = \"aws\"\ncategory = \"storage\"\nservice_model = \"abstracted\"\n\n\
             [[responsibility]]\nlayer = \"guest-os\"\nnote = \"Not there.\"\nverified = 2026-11-23\n\
             source = \"https://aws.amazon.com/compliance/shared-responsibility-model/\"\n\n\
             [[responsibility]]\nlayer = \"data\"\nnote = \"You own it.\"\nverified = 2026-11-23\n\
             customer = [{{ duty = \"Owns it\", source = \"https://aws.amazon.com/compliance/shared-responsibility-model/\" }}]\n\n\
             [[checklist]]\nid = \"gen-{n:03}\"\ntitle = \"Check generated {n:03}\"\nlayer = \"data\"\n\
             pillar = \"data-protection\"\nseverity = \"low\"\ncontrols = [{}]\n\
             source = \"https://aws.amazon.com/compliance/shared-responsibility-model/\"\nverified = 2026-11-23\n+++\nBody.\n",
            controls.join(", ")
        );
        fs::write(dir.join(format!("gen-{n:03}.md")), note).expect("write note");
    }
    t
}

/// The parts an index page lists, in order (site-relative to `dir`).
fn parts(t: &SiteTest, page: &str, selector: &str) -> Vec<String> {
    let base = page.rsplit_once('/').map_or("", |(d, _)| d);
    attrs(&t.html(page), selector, "href")
        .into_iter()
        .map(|href| {
            let mut path: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
            for seg in href.split('/') {
                match seg {
                    ".." => {
                        path.pop();
                    }
                    s => path.push(s),
                }
            }
            path.join("/")
        })
        .collect()
}

// Every gathering page past its budget is an index listing its parts; the parts together hold
// every entry exactly once, each links back to the index and to its neighbours, and each is in
// the sitemap.
#[test]
fn long_gathering_pages_split_into_parts() {
    let t = big_site();
    t.ok(&["build", "--knowledge", "knowledge", "--output", "site"]);
    let sitemap = t.read("site/sitemap.xml");
    for (page, entry, want) in [
        ("site/checklists.html", ".check-item", SERVICES + 1),
        ("site/matrix.html", "tbody tr[data-model]", SERVICES + 1),
    ] {
        let index = t.html(page);
        assert!(
            texts(&index, entry).is_empty(),
            "{page} index holds entries"
        );
        let list = parts(&t, page, "[data-parts-index] a");
        assert!(list.len() >= 2, "{page}: {list:?}");
        let mut seen = Vec::new();
        for (k, part) in list.iter().enumerate() {
            let html = t.html(part);
            seen.extend(attrs(&html, entry, "data-id"));
            let count = texts(&html, entry).len();
            assert!(count > 0, "{part} is empty");
            let pager = texts(&html, ".part-pager");
            assert!(
                pager.first().is_some_and(|p| p.starts_with(&format!(
                    "Part {} of {}",
                    k + 1,
                    list.len()
                ))),
                "{part}: {pager:?}"
            );
            let links = attrs(&html, ".part-pager a", "href");
            let index = page.trim_start_matches("site/");
            assert!(
                links.iter().any(|l| l.ends_with(index)),
                "{part}: {links:?}"
            );
            // The first part has no previous one, the last no next.
            let rels = attrs(&html, ".part-pager a[rel]", "rel");
            assert_eq!(rels.contains(&"prev".to_owned()), k > 0, "{part}");
            assert_eq!(
                rels.contains(&"next".to_owned()),
                k + 1 < list.len(),
                "{part}"
            );
            let rel = part.trim_start_matches("site/");
            assert!(sitemap.contains(rel), "{rel} not in the sitemap");
        }
        if entry == ".check-item" {
            let unique: BTreeSet<&String> = seen.iter().collect();
            assert_eq!(seen.len(), want, "items over the parts");
            assert_eq!(unique.len(), want, "an item on two parts");
        } else {
            let rows: usize = list.iter().map(|p| texts(&t.html(p), entry).len()).sum();
            assert_eq!(rows, want, "matrix rows over the parts");
        }
    }

    // A layer's rows and a pillar's items: the note's page lists the parts instead.
    for (page, entry, want) in [
        (
            "site/layers/data.html",
            ".resp-table tbody tr",
            SERVICES + 1,
        ),
        (
            "site/pillars/data-protection.html",
            ".check-item",
            SERVICES + 1,
        ),
    ] {
        let html = t.html(page);
        assert!(
            texts(&html, entry).is_empty(),
            "{page} still holds its long list"
        );
        let list = parts(&t, page, ".part-list a");
        assert!(list.len() >= 2, "{page}: {list:?}");
        let total: usize = list.iter().map(|p| texts(&t.html(p), entry).len()).sum();
        assert_eq!(total, want, "{page}'s parts");
        let crumbs = texts(&t.html(&list[0]), ".breadcrumbs a");
        assert_eq!(
            crumbs.last().map(String::as_str),
            Some(texts(&html, "h1")[0].as_str())
        );
    }

    // Controls: 1,282 controls with an item line each pass the budget; an item's control badge
    // leads to the part that has the control's anchor.
    let list = parts(&t, "site/controls.html", "[data-parts-index] a");
    assert!(list.len() >= 2, "{list:?}");
    let widget = t.html("site/services/gen-319.html");
    let badges = attrs(&widget, "a.badge.control", "href");
    assert_eq!(badges.len(), 4, "{badges:?}");
    for href in badges {
        let target = href.trim_start_matches("../");
        let (file, anchor) = target.split_once('#').expect("an anchor");
        assert!(file.starts_with("controls/"), "{href}");
        let html = fs::read_to_string(t.dir.join("site").join(file)).expect("part exists");
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "{anchor} not on {file}"
        );
    }
    // The attestation page fits its budget here: one page, no parts.
    assert!(!t.dir.join("site/attestation").exists());
}

// The preview follows the split: removing notes until a page fits its budget again brings the
// whole list back on the page and drops the parts that are gone (404), and a page that still
// splits is cut again with fewer parts.
#[test]
fn the_preview_drops_parts_that_are_gone() {
    let t = big_site();
    let server = t.serve(&["--knowledge", "knowledge"]);
    for part in [
        "/checklists/services-2.html",
        "/matrix/services-4.html",
        "/layers/data/services-2.html",
    ] {
        let (status, _) = server.get(part);
        assert_eq!(status, 200, "{part}");
    }
    // 221 services and items left: the checklists and the layer's rows fit again, the matrix
    // needs three parts instead of four.
    for n in 0..100 {
        fs::remove_file(t.dir.join(format!("knowledge/services/gen-{n:03}.md"))).expect("remove");
    }
    let index = server.wait_for("/checklists.html", |p| !p.contains("data-parts-index"));
    assert!(!index.contains("data-parts-index"), "still split");
    assert!(
        index.contains("Check generated 319"),
        "the items are back on the page"
    );
    let layer = server.wait_for("/layers/data.html", |p| p.contains("resp-table"));
    assert!(!layer.contains("part-list"), "{layer}");
    for gone in [
        "/checklists/services-1.html",
        "/checklists/services-2.html",
        "/matrix/services-4.html",
        "/layers/data/services-1.html",
    ] {
        let (status, _) = server.get(gone);
        assert_eq!(status, 404, "{gone} is still served");
    }
    let (status, part) = server.get("/matrix/services-3.html");
    assert_eq!(status, 200);
    assert!(part.contains("Part 3 of 3"), "matrix cut again");
}

/// The parts of the served controls page that `page`'s control badges lead to, each checked to
/// hold the badge's anchor; returns the badges' targets.
fn served_badges_lead_to_their_controls(server: &crate::Server, page: &str) -> Vec<String> {
    let (status, html) = server.get(page);
    assert_eq!(status, 200, "{page}");
    let badges = attrs(
        &scraper::Html::parse_document(&html),
        "a.badge.control",
        "href",
    );
    assert_eq!(badges.len(), 4, "{page}: {badges:?}");
    for href in &badges {
        let (file, anchor) = href
            .trim_start_matches("../")
            .split_once('#')
            .expect("an anchor");
        let (status, part) = server.get(&format!("/{file}"));
        assert_eq!(status, 200, "{href} on {page}");
        assert!(
            part.contains(&format!("id=\"{anchor}\"")),
            "{page}: {anchor} is not on {file}"
        );
    }
    badges
}

// The preview keeps which part of the controls page holds each control from one rebuild to the
// next: a row edit does not gather every item again to link a service's control badges. A
// change that moves the controls (services removed, their controls gone) makes it again, and
// the badges of a page rendered after it lead to the parts that hold the controls now.
#[test]
fn control_badges_follow_the_controls_across_edits() {
    let t = big_site();
    let server = t.serve(&["--knowledge", "knowledge"]);
    let page = "/services/gen-319.html";
    let before = served_badges_lead_to_their_controls(&server, page);
    // A row edit: the page renders again with the kept lookups.
    let path = t.dir.join("knowledge/services/gen-319.md");
    let note = fs::read_to_string(&path).expect("read");
    fs::write(&path, note.replace("You own it.", "You own it all.")).expect("write");
    server.wait_for(page, |p| p.contains("You own it all."));
    assert_eq!(served_badges_lead_to_their_controls(&server, page), before);
    // 400 controls fewer before gen-319's: they move to earlier parts.
    for n in 0..100 {
        fs::remove_file(t.dir.join(format!("knowledge/services/gen-{n:03}.md"))).expect("remove");
    }
    server.wait_for("/checklists.html", |p| !p.contains("data-parts-index"));
    fs::write(&path, note.replace("You own it.", "You own it now.")).expect("write");
    server.wait_for(page, |p| p.contains("You own it now."));
    let after = served_badges_lead_to_their_controls(&server, page);
    assert_ne!(after, before, "the controls did not move");
}
