//! The preview's in-memory site, driven through random edit sequences the way `serve` drives it,
//! is after every edit the site a cold `build` of the same input writes, byte for byte; also when
//! the edits come while the pages of the first load are still being rendered.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proptest::prelude::*;
use whosecures::config::ProjectArgs;
use whosecures::serve::{self, Output, Workspace};

use crate::edits::{self, apply};
use crate::{snapshot, stderr, SiteTest};

/// Files a build writes that the preview never serves (every other file is compared, and the
/// preview serves nothing a build does not write): the marker that lets the next build replace
/// the output directory. (What a build keeps for the next one is in its cache directory, outside
/// the site.)
const BUILD_ONLY: [&str; 1] = [".whosecures-site"];

/// The site as the server publishes it, URL → bytes, and the pages listed as to come.
#[derive(Default)]
struct Published(BTreeMap<String, Vec<u8>>, BTreeSet<String>);

impl Published {
    /// What `serve::publish` does with a rebuild: a failed one changes no file (the last good
    /// site stays live under an overlay), so a failure is reported rather than published.
    #[track_caller]
    fn publish(&mut self, output: Output) {
        assert!(
            !output.failed(),
            "the preview failed where a build succeeds: {:?} {:?}",
            output
                .diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            output.failures
        );
        if output.replace_all {
            self.0.clear();
        }
        for url in &output.removed {
            self.0.remove(url);
        }
        self.1.extend(output.pending);
        for url in output
            .removed
            .iter()
            .chain(output.files.iter().map(|(url, _)| url))
        {
            self.1.remove(url);
        }
        self.0.extend(output.files);
    }

    /// What the server does while nothing waits: renders up to `limit` pages not rendered yet
    /// and publishes them (without a new generation).
    #[track_caller]
    fn render(&mut self, workspace: &mut Workspace, limit: usize) {
        self.rendered(workspace.render_pending(&[], limit));
    }

    /// Publishes pages rendered in the background.
    #[track_caller]
    fn rendered(&mut self, output: Output) {
        assert!(output.failures.is_empty(), "{:?}", output.failures);
        for url in &output.removed {
            self.0.remove(url);
            self.1.remove(url);
        }
        // A page to come that rendered the same is served as it was (`Shared::restore`).
        for url in output.files.iter().map(|(url, _)| url).chain(&output.kept) {
            self.1.remove(url);
        }
        self.0.extend(output.files);
    }

    /// Renders every page still to come and the derived files, as the server does while idle,
    /// and the note pages, which it renders only when a browser asks for them.
    #[track_caller]
    fn settle(&mut self, workspace: &mut Workspace) {
        while workspace.to_render() > 0 {
            self.render(workspace, 7);
        }
        let asked: Vec<String> = self.1.iter().cloned().collect();
        self.rendered(workspace.render_pending(&asked, 1));
        assert!(
            self.1.is_empty(),
            "listed as to come but never rendered: {:?}",
            self.1
        );
        self.update(workspace.derived());
    }

    /// What the server does with `Workspace::derived` once no change is waiting.
    fn update(&mut self, refreshed: serve::Refreshed) {
        for url in &refreshed.removed {
            self.0.remove(url);
        }
        self.0.extend(refreshed.files);
    }
}

/// Builds the input under `t` cold into a fresh directory; returns every file it wrote but
/// [`BUILD_ONLY`], as URL → bytes.
#[track_caller]
fn cold_build(t: &SiteTest) -> BTreeMap<String, Vec<u8>> {
    let out = t.dir.join("cold");
    let _ = std::fs::remove_dir_all(&out);
    let built = t.run(&[
        "build",
        "--knowledge",
        "knowledge",
        "--theme",
        "theme",
        "--output",
        "cold",
    ]);
    assert!(built.status.success(), "build failed:\n{}", stderr(&built));
    let mut files: BTreeMap<String, Vec<u8>> = snapshot(&out)
        .into_iter()
        .map(|(path, bytes)| (url(&path), bytes))
        .collect();
    for name in BUILD_ONLY {
        assert!(files.remove(name).is_some(), "the build wrote no {name}");
    }
    files
}

fn url(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every served file is the built one and the other way round; names the first difference.
#[track_caller]
fn same_as_cold(t: &SiteTest, served: &Published, after: &str) {
    let built = cold_build(t);
    let only_served: Vec<&String> = served
        .0
        .keys()
        .filter(|u| !built.contains_key(*u))
        .collect();
    let only_built: Vec<&String> = built
        .keys()
        .filter(|u| !served.0.contains_key(*u))
        .collect();
    assert!(
        only_served.is_empty() && only_built.is_empty(),
        "after {after}: served only {only_served:?}, built only {only_built:?}"
    );
    for (url, bytes) in &built {
        assert!(
            served.0[url] == *bytes,
            "{url}: the preview's differs from a cold build's after {after}"
        );
    }
}

/// Loads the workspace for the input under `t` as `serve` does; returns it and what the server
/// publishes from its first load (the pages listed, none rendered yet).
#[track_caller]
fn preview(t: &SiteTest) -> (Workspace, Published) {
    // `serve` reads `./book.toml` when there is one, and the test runs in the crate root, which
    // has one: the input gets its own, named explicitly, and the build finds it in its directory.
    std::fs::write(t.dir.join("book.toml"), "[book]\ntitle = \"Wiki\"\n").expect("write config");
    let args = ProjectArgs {
        config: Some(t.dir.join("book.toml")),
        knowledge: Some(t.dir.join("knowledge")),
        theme: Some(t.dir.join("theme")),
        ..ProjectArgs::default()
    };
    let (workspace, output) = Workspace::load(args).expect("load the workspace");
    let mut served = Published::default();
    served.publish(output);
    (workspace, served)
}

/// Applies `changes` and publishes the result as the server does, then renders what is still to
/// come and the derived files.
#[track_caller]
fn rebuild(workspace: &mut Workspace, served: &mut Published, changes: &[serve::Change]) {
    let output = workspace.apply(changes).expect("apply the changes");
    served.publish(output);
    served.settle(workspace);
}

// The first load, once every page is rendered, serves a cold build's files; before that it
// lists every page as to come.
#[test]
fn first_load_serves_a_cold_build() {
    let t = edits::fixture();
    let (mut workspace, mut served) = preview(&t);
    assert!(
        served.1.contains("index.html") && !served.0.contains_key("index.html"),
        "the home page rendered before anyone asked"
    );
    served.settle(&mut workspace);
    same_as_cold(&t, &served, "the first load");
}

// The sidebar's nav.js comes with the first load's pages, not after the derived files, and with
// the rebuild of a change to what it lists (a title), not of a body edit.
#[test]
fn nav_js_comes_with_the_pages() {
    let t = edits::fixture();
    let (mut workspace, served) = preview(&t);
    let nav = served.0.get("nav.js").expect("nav.js with the first load");
    assert!(String::from_utf8_lossy(nav).contains("\"TLS\""));
    let path = t.dir.join("knowledge/glossary/tls.md");
    let text = std::fs::read_to_string(&path).expect("read note");
    let change = [serve::Change::Note("glossary/tls.md".into())];
    std::fs::write(&path, format!("{text}\nMore words.\n")).expect("write note");
    let output = workspace.apply(&change).expect("apply the body edit");
    assert!(!output.files.iter().any(|(url, _)| url == "nav.js"));
    // Nor with a front-matter edit that keeps the title: it lists nothing else.
    std::fs::write(&path, text.replacen("summary = \"", "summary = \"Now: ", 1))
        .expect("write note");
    let output = workspace.apply(&change).expect("apply the summary edit");
    assert!(!output.files.iter().any(|(url, _)| url == "nav.js"));
    std::fs::write(
        &path,
        text.replacen("title = \"TLS\"", "title = \"TLS 1.3\"", 1),
    )
    .expect("write note");
    let output = workspace.apply(&change).expect("apply the title edit");
    let nav = (output.files.iter().find(|(url, _)| url == "nav.js")).expect("nav.js again");
    assert!(String::from_utf8_lossy(&nav.1).contains("\"TLS 1.3\""));
}

// Background rendering stops before the next page once a change is queued, rendering the pages
// a browser waits for all the same; what it leaves stays to come, and the site once settled is a
// cold build's.
#[test]
fn background_rendering_yields_to_a_queued_change() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let t = edits::fixture();
    let (mut workspace, mut served) = preview(&t);
    let before = workspace.to_render();
    assert!(before > 6, "the fixture has {before} pages only");
    // A change queued from the start: nothing is rendered but the page asked for.
    let asked = "index.html".to_owned();
    let output = workspace.render_pending_until(std::slice::from_ref(&asked), 8, || true);
    let urls: Vec<&str> = output.files.iter().map(|(url, _)| url.as_str()).collect();
    assert_eq!(urls, [asked.as_str()], "rendered with a change queued");
    assert_eq!(workspace.to_render(), before - 1);
    served.rendered(output);
    // A change queued after three pages started: those, and no more.
    let asks = AtomicUsize::new(0);
    let output =
        workspace.render_pending_until(&[], 8, || asks.fetch_add(1, Ordering::SeqCst) >= 3);
    assert_eq!(output.rendered, 3, "pages rendered before stopping");
    assert_eq!(workspace.to_render(), before - 4);
    served.rendered(output);
    served.settle(&mut workspace);
    same_as_cold(&t, &served, "the pages rendered around the stops");
}

// Note pages are rendered only when a browser asks for one: the background renders every other
// page; a change naming a note page nobody asked for leaves it to come, and one asked for is
// rendered again when a change names it; the site, once every page is asked for, is a cold
// build's.
#[test]
fn note_pages_are_rendered_when_asked_for() {
    let t = edits::fixture();
    let (mut workspace, mut served) = preview(&t);
    while workspace.to_render() > 0 {
        served.render(&mut workspace, 7);
    }
    let page = "glossary/tls.html".to_owned();
    assert!(served.1.contains(&page), "{page} not to come");
    let is_note = |url: &str| {
        url.matches('/').count() == 1 && url.ends_with(".html") && !url.ends_with("/index.html")
    };
    let not_notes: Vec<&String> = served.1.iter().filter(|url| !is_note(url)).collect();
    assert!(
        not_notes.is_empty(),
        "left to come by the background: {not_notes:?}"
    );
    let rendered_notes: Vec<&String> = served.0.keys().filter(|url| is_note(url)).collect();
    assert!(
        rendered_notes.is_empty(),
        "rendered unasked: {rendered_notes:?}"
    );

    let note = t.dir.join("knowledge/glossary/tls.md");
    let text = std::fs::read_to_string(&note).expect("read note");
    let change = [serve::Change::Note("glossary/tls.md".into())];
    std::fs::write(&note, format!("{text}\nZebras.\n")).expect("write note");
    let output = workspace.apply(&change).expect("apply the change");
    let urls: Vec<&String> = output.files.iter().map(|(url, _)| url).collect();
    assert!(
        !urls.iter().any(|url| is_note(url)),
        "note pages rendered unasked: {urls:?}"
    );
    served.publish(output);
    assert!(workspace.is_pending(&page), "{page} no longer to come");

    let output = workspace.render_pending(std::slice::from_ref(&page), 1);
    let urls: Vec<&String> = output.files.iter().map(|(url, _)| url).collect();
    assert_eq!(urls, [&page], "asked for {page}");
    served.rendered(output);
    assert!(String::from_utf8_lossy(&served.0[&page]).contains("Zebras."));

    std::fs::write(&note, format!("{text}\nZebras and lions.\n")).expect("write note");
    let output = workspace.apply(&change).expect("apply the change");
    assert!(
        output.files.iter().any(|(url, _)| *url == page),
        "{page}, asked for before, not rendered again"
    );
    served.publish(output);
    served.settle(&mut workspace);
    same_as_cold(&t, &served, "note pages asked for one by one");
}

// A search shard whose terms are all gone is no longer served, as a build no longer writes it.
#[test]
fn stale_search_shards_are_dropped() {
    let t = edits::fixture();
    let (mut workspace, mut served) = preview(&t);
    served.settle(&mut workspace);
    let note = t.dir.join("knowledge/glossary/tls.md");
    let text = std::fs::read_to_string(&note).expect("read note");
    let change = [serve::Change::Note("glossary/tls.md".into())];
    std::fs::write(&note, format!("{text}\nZebras.\n")).expect("write note");
    rebuild(&mut workspace, &mut served, &change);
    assert!(
        served.0.contains_key("search/t-ze.js"),
        "the shard of `zebras`"
    );
    std::fs::write(&note, text).expect("write note");
    rebuild(&mut workspace, &mut served, &change);
    same_as_cold(&t, &served, "the note put back");
    assert!(
        !served.0.contains_key("search/t-ze.js"),
        "the shard of `zebras` is still served"
    );
}

proptest! {
    // After each batch of random edits the preview serves a cold build's files, byte for byte.
    // Edits come in batches of one to three, as the server folds saves that arrive during a
    // rebuild into one; the first batch comes after `rendered` pages of the first load, the
    // others still to come. As in `incremental::any_edit_sequence_matches_a_cold_build`, few cases of
    // a sequence each: every batch is one in-memory rebuild and one cold build of the real
    // binary (the whole test takes 7 to 16 s in debug on two busy shared cores).
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn any_edit_sequence_serves_a_cold_build(
        steps in edits::steps(),
        batches in prop::collection::vec(1..4usize, 12),
        rendered in 0..40usize,
    ) {
        let t = edits::fixture();
        let (mut workspace, mut served) = preview(&t);
        served.render(&mut workspace, rendered);
        let mut rest = &steps[..];
        for size in batches {
            if rest.is_empty() {
                break;
            }
            let (batch, after) = rest.split_at(size.min(rest.len()));
            rest = after;
            let roots = workspace.roots();
            let mut changes = Vec::new();
            for step in batch {
                let touched = apply(&t, step);
                let before = changes.len();
                changes.extend(touched.iter().filter_map(|path| serve::classify(path, &roots)));
                prop_assert_eq!(changes.len() - before, touched.len(), "unwatched: {:?}", touched);
            }
            changes.sort();
            changes.dedup();
            if !changes.is_empty() {
                rebuild(&mut workspace, &mut served, &changes);
            }
            served.settle(&mut workspace);
            same_as_cold(&t, &served, &format!("{batch:?}"));
        }
    }
}

// On a site whose layer, pillar and gathering pages are split in parts, a service edit that moves
// nothing (its row's note, its item's severity) renders exactly the pages whose bytes change (the
// service's page and the parts showing it), not every part of every page that lists services; the
// preview still serves a cold build's files.
#[test]
fn a_service_edit_renders_only_the_pages_it_changes() {
    let t = crate::paging::big_site();
    // No templates of its own: the default theme's.
    std::fs::create_dir_all(t.dir.join("theme")).expect("make the theme folder");
    let (mut workspace, mut served) = preview(&t);
    served.settle(&mut workspace);
    let before = cold_build(&t);
    let rel = "services/gen-150.md";
    let path = t.dir.join("knowledge").join(rel);
    let text = std::fs::read_to_string(&path).expect("read note");
    let edited = text
        .replacen(
            "note = \"You own it.\"",
            "note = \"You own it and its keys.\"",
            1,
        )
        .replacen("severity = \"low\"", "severity = \"high\"", 1);
    assert_ne!(edited, text);
    std::fs::write(&path, edited).expect("write note");
    let output = workspace
        .apply(&[serve::Change::Note(rel.into())])
        .expect("apply the change");
    let html = |output: &Output| -> Vec<String> {
        (output.files.iter())
            .map(|(url, _)| url.clone())
            .filter(|url| url.ends_with(".html"))
            .collect()
    };
    // The service's page is served at once; the pages that gather services are to come.
    assert_eq!(html(&output), ["services/gen-150.html"]);
    assert!(
        output
            .pending
            .iter()
            .any(|url| url.starts_with("layers/data/"))
            && output.pending.iter().any(|url| url.starts_with("matrix")),
        "{:?}",
        output.pending
    );
    let mut rendered: BTreeSet<String> = html(&output).into_iter().collect();
    let mut kept = output.kept.clone();
    served.publish(output);
    while workspace.to_render() > 0 {
        let output = workspace.render_pending(&[], 7);
        rendered.extend(html(&output));
        kept.extend(output.kept.iter().cloned());
        served.rendered(output);
    }
    assert!(!kept.is_empty(), "nothing planned was kept");
    // Parts that show nothing of the service are not even planned (fingerprinted).
    for part in ["layers/data/services-2.html", "matrix/services-1.html"] {
        assert!(!kept.iter().any(|url| url == part), "{part} planned");
    }
    served.settle(&mut workspace);
    same_as_cold(&t, &served, "a service's row note and item severity edited");
    let after = cold_build(&t);
    // (The print page is made with the derived files, after the change's pages.)
    let changed: BTreeSet<String> = after
        .iter()
        .filter(|(url, _)| url.ends_with(".html") && *url != "print.html")
        .filter(|(url, bytes)| before.get(*url) != Some(*bytes))
        .map(|(url, _)| url.clone())
        .collect();
    assert!(changed.len() > 3, "{changed:?}");
    assert!(
        changed.iter().any(|url| url.starts_with("layers/data/")),
        "{changed:?}"
    );
    assert_eq!(rendered, changed);
}
