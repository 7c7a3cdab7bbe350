//! Output safety: refused targets, a failed or killed build leaving the previous site untouched,
//! and concurrent builds taking turns.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{snapshot, stderr, SiteTest};

// The output may not be the current directory, the knowledge directory, or a foreign directory.
#[test]
fn refuses_dangerous_outputs() {
    let t = SiteTest::new("minimal");
    fs::create_dir_all(t.dir.join("docs")).expect("mkdir");
    fs::write(t.dir.join("docs/keep.txt"), "mine").expect("write");
    for (output, message) in [
        (".", "it would replace"),
        ("knowledge", "it would replace"),
        ("docs", "is not a previous whosecures output"),
    ] {
        let out = t.run(&["build", "--knowledge", "knowledge", "--output", output]);
        assert_eq!(out.status.code(), Some(2), "{output}");
        assert!(stderr(&out).contains(message), "{output}: {}", stderr(&out));
    }
    assert_eq!(t.read("docs/keep.txt"), "mine");
    assert!(t.dir.join("knowledge/vocabulary.toml").is_file());
}

// A build that fails after a good one leaves the good site exactly as it was.
#[test]
fn failed_build_keeps_previous_site() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    let before = t.read("out/services/widget.html");
    fs::write(
        t.dir.join("knowledge/glossary/tls.md"),
        "+++\ntitle = \"TLS\"\n",
    )
    .expect("break a note");
    let out = t.run(&["build", "--knowledge", "knowledge", "--output", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(t.read("out/services/widget.html"), before);
    // A template error is an environment error: exit 2, previous site kept.
    fs::write(
        t.dir.join("knowledge/glossary/tls.md"),
        "+++\ntitle = \"TLS\"\nsummary = \"s\"\n+++\n",
    )
    .expect("fix");
    fs::create_dir_all(t.dir.join("theme/templates")).expect("mkdir");
    fs::write(t.dir.join("theme/templates/note.html"), "{% if %}").expect("write");
    let out = t.run(&[
        "build",
        "--knowledge",
        "knowledge",
        "--theme",
        "theme",
        "--output",
        "out",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("template error"), "{}", stderr(&out));
    assert_eq!(t.read("out/services/widget.html"), before);
}

/// Staging or retired directories a build left beside `site`.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".whosecures-new-") || n.contains(".whosecures-old-"))
        .collect()
}

// kill -9 at any moment of a build leaves the previous site whole; the next build cleans up.
#[test]
fn killed_build_leaves_previous_site_whole() {
    let t = SiteTest::empty();
    let started = Instant::now();
    t.ok(&["build", "--output", "site"]);
    let took = started.elapsed();
    let before = snapshot(&t.dir.join("site"));
    assert!(before.len() > 100, "a real site: {} files", before.len());
    for step in 0..8u32 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_whosecures"))
            .args(["build", "--output", "site"])
            .current_dir(&t.dir)
            .stderr(Stdio::null())
            .spawn()
            .expect("start build");
        // Spread the kills over a whole build: loading, rendering, writing, swapping.
        std::thread::sleep(took * step / 7);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let after = snapshot(&t.dir.join("site"));
        assert!(
            after == before,
            "step {step}: the site changed after kill -9"
        );
    }
    t.ok(&["build", "--output", "site"]);
    assert_eq!(snapshot(&t.dir.join("site")), before);
    assert_eq!(leftovers(&t.dir), Vec::<String>::new());
}

// Builds started together into one output take turns; the result is one whole site.
#[test]
fn concurrent_builds_do_not_corrupt_output() {
    let t = SiteTest::empty();
    t.ok(&["build", "--output", "site"]);
    let expected = snapshot(&t.dir.join("site"));
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_whosecures"))
                .args(["build", "--output", "site"])
                .current_dir(&t.dir)
                .stderr(Stdio::null())
                .spawn()
                .expect("start build")
        })
        .collect();
    for child in children {
        let status = child.wait_with_output().expect("wait").status;
        assert!(status.success(), "{status}");
    }
    assert_eq!(snapshot(&t.dir.join("site")), expected);
    assert_eq!(leftovers(&t.dir), Vec::<String>::new());
}

// The site (or its cache) inside a directory the build reads is refused before anything is
// written: it would be read back as input (a theme's `static/` copied the site into itself at
// every build); a path starting with `~` is refused, not made into a folder named `~`.
#[test]
fn output_inside_inputs_is_refused() {
    let t = SiteTest::new("minimal");
    std::fs::create_dir_all(t.dir.join("theme/static")).expect("theme dir");
    for (args, expected) in [
        (
            vec!["-o", "theme/static/site", "--theme", "theme"],
            "error: refusing to write the site to `theme/static/site`: it is inside the theme directory `theme`",
        ),
        (
            vec!["-o", "knowledge/out"],
            "error: refusing to write the site to `knowledge/out`: it is inside the knowledge directory `knowledge`",
        ),
        (
            vec!["-o", "~/site"],
            "error: refusing to write the site to `~/site`: `~` is not expanded here",
        ),
    ] {
        let mut all = vec!["build", "--knowledge", "knowledge"];
        all.extend(args.iter().copied());
        let out = t.run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with(expected), "{args:?}: {}", stderr(&out));
    }
    assert!(!t.dir.join("theme/static/site").exists());
    assert!(!t.dir.join("knowledge/out").exists());
    assert!(!t.dir.join("~").exists());
}
