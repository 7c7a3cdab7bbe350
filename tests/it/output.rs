//! Output safety: refused targets, and a failed build leaving the previous site untouched.

use std::fs;

use crate::{stderr, SiteTest};

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
