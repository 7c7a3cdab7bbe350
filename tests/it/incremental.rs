//! A second `build` into the same output keeps the pages whose inputs did not change, and its
//! output is byte for byte what a cold build of the same input writes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::edits::{self, apply, default_template};
use crate::{snapshot, stderr, SiteTest};

/// The files a build keeps for the next one, in its cache directory (never in the site).
const MANIFEST: &str = "pages.bin";
const BODIES: &str = "bodies.bin";
const ENTRIES: &str = "entries.bin";

/// The cache directory of the build into `out` (relative to the scratch directory).
fn cache(t: &SiteTest, out: &str) -> PathBuf {
    t.dir.join(".whosecures-cache").join(out)
}

/// Every file under `dir`, path → bytes: the published site holds nothing a cold build would
/// not write (the build's metadata is in the cache directory).
fn site(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot(dir)
}

/// Builds into `out` and returns (pages built, pages kept from the previous build).
#[track_caller]
fn build(t: &SiteTest, out: &str, extra: &[&str]) -> (usize, usize) {
    let mut args = vec!["build", "--knowledge", "knowledge", "--output", out];
    args.extend_from_slice(extra);
    let text = stderr(&t.ok(&args));
    let number = |after: &str| -> Option<usize> {
        let rest = &text[text.find(after)? + after.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let built = number("built ").unwrap_or_else(|| panic!("no count in: {text}"));
    let kept = number("s (").unwrap_or(0);
    (built, kept)
}

/// Builds `out` again and checks it against a cold build of the same input.
#[track_caller]
fn same_as_cold(t: &SiteTest, out: &str) -> (usize, usize) {
    same_as_cold_with(t, out, &[])
}

/// [`same_as_cold`], both builds given `extra` arguments.
#[track_caller]
fn same_as_cold_with(t: &SiteTest, out: &str, extra: &[&str]) -> (usize, usize) {
    let counts = build(t, out, extra);
    let _ = fs::remove_dir_all(t.dir.join("cold"));
    assert_eq!(build(t, "cold", extra).1, 0, "a new output reuses nothing");
    let (warm, cold) = (site(&t.dir.join(out)), site(&t.dir.join("cold")));
    assert_eq!(
        warm.keys().collect::<Vec<_>>(),
        cold.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &warm {
        assert!(
            cold[path] == *bytes,
            "{} differs from a cold build",
            path.display()
        );
    }
    let manifest = cache(t, out).join(MANIFEST);
    let configured = t.dir.join("cache/site").join(MANIFEST);
    assert!(manifest.is_file() || configured.is_file());
    let names: Vec<_> = warm
        .keys()
        .filter(|p| p.to_string_lossy().contains(".whosecures"))
        .collect();
    assert_eq!(
        names,
        [Path::new(".whosecures-site")],
        "build metadata in the site"
    );
    counts
}

/// `bytes` with every `from` made `to` (the same length, so a file keeps its size).
#[track_caller]
fn alter(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut altered = bytes.to_vec();
    let mut found = false;
    for at in 0..bytes.len().saturating_sub(from.len() - 1) {
        if bytes[at..].starts_with(from) {
            altered[at..at + to.len()].copy_from_slice(to);
            found = true;
        }
    }
    assert!(found, "nothing to alter");
    altered
}

fn edit(t: &SiteTest, rel: &str, from: &str, to: &str) {
    let path = t.dir.join("knowledge").join(rel);
    let text = fs::read_to_string(&path).expect("read note");
    assert!(text.contains(from), "{rel} lacks {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write note");
}

// Unchanged input: every page is kept, and the site is identical to a cold build.
#[test]
fn unchanged_input_keeps_every_page() {
    let t = SiteTest::new("minimal");
    let (built, kept) = build(&t, "out", &[]);
    assert_eq!(kept, 0);
    let (again, kept) = same_as_cold(&t, "out");
    assert_eq!((again, kept), (built, built));
    // `--timings` names each stage with its time.
    let timed = stderr(&t.ok(&["build", "-k", "knowledge", "-o", "out", "--timings"]));
    for stage in [
        "load and link notes",
        "render and write pages, search index, kb.json, sitemap",
        "swap in the new site",
    ] {
        assert!(timed.contains(&format!(" ms  {stage}\n")), "{timed}");
    }
    // `--fresh` renders everything again, to the same bytes.
    assert_eq!(build(&t, "out", &["--fresh"]), (built, 0));
    assert_eq!(site(&t.dir.join("out")), site(&t.dir.join("cold")));
}

// Each kind of edit re-renders what it touches (and no more than needed), and the result is
// always what a cold build writes: body, title and heading edits, a note added, a note removed.
#[test]
fn edits_match_a_cold_build() {
    let t = SiteTest::new("minimal");
    let (built, _) = build(&t, "out", &[]);

    // A body edit of a note nothing links to by heading: its page changes, the rest is kept.
    edit(&t, "glossary/tls.md", "Encrypts data", "Encrypts all data");
    let (_, kept) = same_as_cold(&t, "out");
    assert!(
        kept > 0 && kept < built,
        "kept {kept} of {built} after a body edit"
    );

    // Up to 1,000 notes rendered bodies are kept between builds (by fingerprint), so that a
    // change shown on every page does not render every note's Markdown again.
    let bodies = String::from_utf8_lossy(&fs::read(cache(&t, "out").join(BODIES)).expect("read"))
        .into_owned();
    assert!(bodies.contains("all data"), "the edited body is kept");
    assert!(!bodies.contains("Encrypts data"), "the old body is dropped");

    // A title shows in the sidebar's lists, which are in nav.js, not in every page: the pages
    // that do not show the note are kept.
    edit(
        &t,
        "glossary/tls.md",
        "title = \"TLS\"",
        "title = \"TLS 1.3\"",
    );
    assert!(t.read("knowledge/glossary/tls.md").contains("TLS 1.3"));
    let (_, kept) = same_as_cold(&t, "out");
    assert!(t.read("out/nav.js").contains("\"TLS 1.3\""));
    assert!(!t.read("out/services/widget.html").contains("TLS"));
    assert!(kept > 0, "kept none after a title edit");

    // A checklist item shows on five pages (its note's, its layer's, its pillar's, the checklists
    // and the controls); each page is fingerprinted with the item's own fingerprint, and all five
    // follow an edit of the item.
    edit(
        &t,
        "services/widget.md",
        "title = \"Encrypt every widget\"",
        "title = \"Encrypt each widget at rest\"",
    );
    same_as_cold(&t, "out");
    for page in [
        "services/widget.html",
        "layers/data.html",
        "pillars/data-protection.html",
        "checklists.html",
        "controls.html",
    ] {
        assert!(
            t.read(&format!("out/{page}"))
                .contains("Encrypt each widget at rest"),
            "{page} kept the old item"
        );
    }

    // A note whose link shows another note's heading: when the heading's text changes (its id
    // kept), the linking page follows although nothing in the linking note changed.
    fs::write(
        t.dir.join("knowledge/glossary/mfa.md"),
        "+++\ntitle = \"MFA\"\nsummary = \"Multi-factor authentication.\"\n+++\nSee [[overview#shared-controls]].\n",
    )
    .expect("write note");
    same_as_cold(&t, "out");
    assert!(t.read("out/glossary/mfa.html").contains("Shared controls"));
    edit(
        &t,
        "model/overview.md",
        "## Shared controls",
        "## Controls both sides hold {#shared-controls}",
    );
    same_as_cold(&t, "out");
    assert!(t
        .read("out/glossary/mfa.html")
        .contains("Controls both sides hold"));

    // The note removed: its page goes.
    fs::remove_file(t.dir.join("knowledge/glossary/mfa.md")).expect("remove note");
    same_as_cold(&t, "out");
    assert!(!t.dir.join("out/glossary/mfa.html").exists());
}

// A page changed or removed in the output after a build is rendered again, not kept.
#[test]
fn tampered_pages_are_rendered_again() {
    let t = SiteTest::new("minimal");
    build(&t, "out", &[]);
    let page = t.dir.join("out/glossary/tls.html");
    let good = fs::read(&page).expect("read page");
    let mut same_size = good.clone();
    same_size[0] = b'X';
    fs::write(&page, &same_size).expect("tamper");
    fs::remove_file(t.dir.join("out/layers/data.html")).expect("remove page");
    let (built, kept) = same_as_cold(&t, "out");
    assert_eq!(kept, built - 2);
    assert_eq!(fs::read(&page).expect("read page"), good);

    // A page that gathers every note is made again from its previous bytes after an edit, only
    // the elements that changed rendered (see `incremental::PartsStore`); once altered on disk, its
    // previous bytes are not used at all. Here the print page's element of a note that does not
    // change is altered (same size), then another note edited so the page is made again.
    let print = t.dir.join("out/print.html");
    let good = t.read("out/print.html");
    assert!(good.contains("Patch it."));
    fs::write(&print, good.replace("Patch it.", "Patch in.")).expect("tamper");
    edit(&t, "glossary/tls.md", "Encrypts data", "Encrypts the data");
    same_as_cold(&t, "out");
    let rebuilt = t.read("out/print.html");
    assert!(rebuilt.contains("Encrypts the data") && !rebuilt.contains("Patch in."));
    edit(&t, "glossary/tls.md", "Encrypts the data", "Encrypts data");
    same_as_cold(&t, "out");

    // The files made from the whole knowledge base are kept together or made again together.
    let kb_json = t.dir.join("out/kb.json");
    let good = fs::read(&kb_json).expect("read kb.json");
    fs::write(&kb_json, b"{}").expect("tamper");
    same_as_cold(&t, "out");
    assert_eq!(fs::read(&kb_json).expect("read kb.json"), good);
    fs::remove_file(t.dir.join("out/search/manifest.js")).expect("remove");
    same_as_cold(&t, "out");

    // The notes' entries kept for the next build are not used once altered: here every note's
    // search term "shared" made "SHARED" (same size), then a note added so the derived files are
    // made again.
    let entries = cache(&t, "out").join(ENTRIES);
    let kept = fs::read(&entries).expect("read entries");
    let (from, to) = (b"\x06\0\0\0\0\0\0\0shared", b"\x06\0\0\0\0\0\0\0SHARED");
    fs::write(&entries, alter(&kept, from, to)).expect("tamper");
    fs::write(
        t.dir.join("knowledge/glossary/mfa.md"),
        "+++\ntitle = \"MFA\"\nsummary = \"Multi-factor authentication.\"\n+++\nA second factor.\n",
    )
    .expect("write note");
    same_as_cold(&t, "out");
    let shard = t.read("out/search/t-sh.js");
    assert!(
        shard.contains("\"shared\"") && !shard.contains("SHARED"),
        "{shard}"
    );

    // Kept note bodies that were altered are not used: a title changes, the print page (which
    // shows every note's body) is rendered again, and with bodies from a fresh render, not from
    // the altered file (every `<p>` made `<P>`, same size).
    let bodies = cache(&t, "out").join(BODIES);
    let kept = fs::read(&bodies).expect("read bodies");
    fs::write(&bodies, alter(&kept, b"<p>", b"<P>")).expect("tamper");
    edit(
        &t,
        "glossary/tls.md",
        "title = \"TLS\"",
        "title = \"TLS 1.3\"",
    );
    same_as_cold(&t, "out");
    for page in ["services/widget.html", "layers/data.html", "print.html"] {
        assert!(!t.read(&format!("out/{page}")).contains("<P>"), "{page}");
    }

    // A manifest that is not ours is ignored: a cold build.
    fs::write(cache(&t, "out").join(MANIFEST), "{not json").expect("write");
    assert_eq!(build(&t, "out", &[]).1, 0);
}

// Templates and book.toml feed every page: changing either keeps nothing.
#[test]
fn theme_and_config_changes_render_everything() {
    let t = SiteTest::new("minimal");
    build(&t, "out", &[]);
    fs::create_dir_all(t.dir.join("theme/templates")).expect("mkdir");
    let base = default_template("base.html");
    fs::write(
        t.dir.join("theme/templates/base.html"),
        base.replacen("<body", "<body data-custom=\"1\"", 1),
    )
    .expect("write template");
    assert_eq!(build(&t, "out", &["--theme", "theme"]).1, 0);
    assert!(t.read("out/glossary/tls.html").contains("data-custom"));
    assert!(build(&t, "out", &["--theme", "theme"]).1 > 0);

    fs::write(t.dir.join("book.toml"), "[book]\ntitle = \"Our wiki\"\n").expect("write config");
    assert_eq!(build(&t, "out", &["--theme", "theme"]).1, 0);
    assert!(t.read("out/glossary/tls.html").contains("Our wiki"));
}

// Only what reaches the output invalidates pages: the same knowledge directory spelt another way
// (`./knowledge`, an absolute path) or a comment in book.toml keeps every page.
#[test]
fn paths_and_comments_keep_every_page() {
    let t = SiteTest::new("minimal");
    let (built, _) = build(&t, "out", &[]);
    let args = |k: &str| {
        vec!["build", "-k", k, "-o", "out"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let kept = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = stderr(&t.ok(&args));
        assert!(
            text.contains(&format!("({built} unchanged")),
            "{args:?}: {text}"
        );
    };
    kept(args("./knowledge"));
    kept(args(&t.dir.join("knowledge").to_string_lossy()));
    // The embedded book.toml, written out with a comment of our own: the same settings.
    let embedded = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("book.toml"))
        .expect("read book.toml");
    fs::write(
        t.dir.join("book.toml"),
        format!("# Our wiki's settings.\n\n{embedded}"),
    )
    .expect("write config");
    kept(args("knowledge"));
}

// The published folder holds only the site: the build's metadata goes to a cache directory
// beside it, or to `build.cache-dir`, and a build with its cache removed is simply cold.
#[test]
fn metadata_lives_outside_the_site() {
    let t = SiteTest::new("minimal");
    let (built, _) = build(&t, "out", &[]);
    assert_eq!(build(&t, "out", &[]).1, built);
    for name in [MANIFEST, ENTRIES, BODIES] {
        assert!(cache(&t, "out").join(name).is_file(), "{name}");
        assert!(!t.dir.join("out").join(name).exists(), "{name} in the site");
    }
    fs::remove_dir_all(cache(&t, "out")).expect("remove cache");
    assert_eq!(build(&t, "out", &[]).1, 0);

    fs::write(
        t.dir.join("book.toml"),
        "[build]\ncache-dir = \"cache/site\"\n",
    )
    .expect("write config");
    assert_eq!(
        build(&t, "out", &[]).1,
        0,
        "a new cache directory is a cold build"
    );
    assert_eq!(build(&t, "out", &[]).1, built);
    assert!(t.dir.join("cache/site").join(MANIFEST).is_file());
    let other = cache(&t, "out").join(MANIFEST);
    assert!(other.is_file(), "the default cache is left as it was");
    // One cache directory for two outputs: each build is checked against the output it was
    // written for, so the other output's build is cold, never wrong.
    assert_eq!(build(&t, "other", &[]).1, 0);
    let (_, kept) = same_as_cold(&t, "other");
    assert_eq!(kept, built);
}

proptest! {
    // Few cases, each a sequence of builds: the point is the interplay of edits (a link added
    // then its target retitled, a note removed and written again, a template changed between
    // note edits...), each rebuild checked byte for byte against a cold build. A failing
    // sequence is shrunk to a short one and kept in proptest-regressions/.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn any_edit_sequence_matches_a_cold_build(steps in edits::steps()) {
        let t = edits::fixture();
        let theme = ["--theme", "theme"];
        build(&t, "out", &theme);
        for step in &steps {
            apply(&t, step);
            same_as_cold_with(&t, "out", &theme);
        }
    }
}
