//! `whosecures check`: every content problem of a broken knowledge base, at its exact place, in one run.

use crate::{stderr, SiteTest};

// All problems are reported with path:line:col, sorted, with exit code 1.
#[test]
fn reports_every_problem_with_location() {
    let t = SiteTest::new("broken");
    let out = t.run(&["check", "--knowledge", "knowledge"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let expected = t.read("expected.txt");
    assert_eq!(stderr(&out), expected);
}

// `build` on broken content writes nothing and says so.
#[test]
fn build_with_errors_writes_nothing() {
    let t = SiteTest::new("broken");
    let out = t.run(&["build", "--knowledge", "knowledge", "--output", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).ends_with("build failed: 7 errors; nothing was written\n"),
        "{}",
        stderr(&out)
    );
    assert!(!t.dir.join("out").exists());
}

// The embedded knowledge base is clean: no errors and no warnings.
#[test]
fn embedded_knowledge_base_is_clean() {
    let t = SiteTest::empty();
    let out = t.ok(&["check"]);
    assert!(
        stderr(&out).contains(": 0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );
}

// Usage and environment errors exit 2 and name the path.
#[test]
fn environment_errors_exit_2() {
    let t = SiteTest::empty();
    let out = t.run(&["check", "--knowledge", "no-such-dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: cannot read directory `no-such-dir`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(t.run(&["build", "--bogus"]).status.code(), Some(2));
}

// An invalid book.toml is a located diagnostic.
#[test]
fn bad_config_is_located() {
    let t = SiteTest::empty();
    std::fs::write(
        t.dir.join("book.toml"),
        "[book]\ntitle = \"x\"\n\n[build]\noutput = \"y\"\n",
    )
    .expect("write");
    let out = t.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("book.toml:5:1: error: unknown field `output`"),
        "{}",
        stderr(&out)
    );
}
