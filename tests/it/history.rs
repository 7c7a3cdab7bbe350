//! What a note's page says about itself: when what it shows was verified (the oldest date of its
//! rows and checklist items), when a commit last changed its file (git, when the knowledge
//! directory is in a repository) and where to edit it (`edit-url`).

use std::path::Path;
use std::process::Command;

use crate::{attrs, snapshot, stderr, texts, SiteTest};

const EDIT_URL: &str = "https://git.example.com/wiki/edit/main/{path}";

/// Whether git can be run here; the tests that need it are skipped (with a note) without it.
fn has_git() -> bool {
    let found = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have git installed"
        );
        eprintln!("skipping: git is not installed");
    }
    found
}

/// Runs git in `dir` with a fixed identity, no user or system configuration, and `date` as the
/// author and committer date.
#[track_caller]
fn git(dir: &Path, date: &str, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// The texts of a page's `.page-meta` line: "Verified …", "Last updated …", "Edit this page".
#[track_caller]
fn meta(t: &SiteTest, page: &str) -> Vec<String> {
    texts(&t.html(page), ".page-meta > span")
}

/// The minimal fixture with `edit-url` set and its checklist item verified before its rows, in
/// a git repository of its own with everything committed on 2024-03-05.
fn committed() -> SiteTest {
    let t = SiteTest::new("minimal");
    std::fs::write(
        t.dir.join("book.toml"),
        format!("[book]\ntitle = \"Wiki\"\nedit-url = \"{EDIT_URL}\"\n"),
    )
    .expect("write book.toml");
    let widget = t.dir.join("knowledge/services/widget.md");
    let text = std::fs::read_to_string(&widget).expect("read widget");
    // The item's date, the last `verified` of the file.
    let at = text
        .rfind("verified = 2026-11-23")
        .expect("the item's date");
    let text = format!(
        "{}verified = 2026-01-15{}",
        &text[..at],
        &text[at + "verified = 2026-11-23".len()..]
    );
    std::fs::write(&widget, text).expect("write widget");
    git(&t.dir, "2024-03-05T10:00:00+00:00", &["init", "-q"]);
    git(&t.dir, "2024-03-05T10:00:00+00:00", &["add", "."]);
    git(
        &t.dir,
        "2024-03-05T10:00:00+00:00",
        &["commit", "-q", "-m", "notes"],
    );
    t
}

// In a git repository a note's page says when a commit last changed its file and links to
// `edit-url` with the file's path in the repository; a later commit shows on the next build
// even when the file's text is what it was (the page is rendered again, not kept), and that
// build is what a fresh one writes. "Verified" is the oldest date of what the page shows: the
// item's, on its service page and on the layer and pillar pages that list it.
#[test]
fn git_dates_and_edit_links() {
    if !has_git() {
        return;
    }
    let t = committed();
    std::fs::write(
        t.dir.join("knowledge/glossary/draft.md"),
        "+++\ntitle = \"Draft\"\nsummary = \"Not committed yet.\"\n+++\nSoon.\n",
    )
    .expect("write draft");
    let args = ["build", "--knowledge", "knowledge", "--output", "out"];
    t.ok(&args);
    assert_eq!(
        meta(&t, "out/services/widget.html"),
        [
            "Verified 2026-01-15",
            "Last updated 2024-03-05",
            "Edit this page"
        ]
    );
    assert_eq!(
        attrs(&t.html("out/services/widget.html"), ".page-meta a", "href"),
        ["https://git.example.com/wiki/edit/main/knowledge/services/widget.md"]
    );
    assert_eq!(
        attrs(
            &t.html("out/services/widget.html"),
            ".page-meta time",
            "datetime"
        ),
        ["2026-01-15", "2024-03-05"]
    );
    for page in ["out/layers/data.html", "out/pillars/data-protection.html"] {
        assert_eq!(
            meta(&t, page).first().map(String::as_str),
            Some("Verified 2026-01-15"),
            "{page}"
        );
    }
    // Nothing dated on a glossary term; a file no commit has yet has no date, but its link.
    assert_eq!(
        meta(&t, "out/glossary/tls.html")[0],
        "Last updated 2024-03-05"
    );
    assert_eq!(meta(&t, "out/glossary/draft.html"), ["Edit this page"]);
    assert_eq!(
        attrs(&t.html("out/glossary/draft.html"), ".page-meta a", "href"),
        ["https://git.example.com/wiki/edit/main/knowledge/glossary/draft.md"]
    );

    // Two commits later the file is as it was, but changed on 2025-06-07.
    let widget = t.dir.join("knowledge/services/widget.md");
    let text = std::fs::read_to_string(&widget).expect("read widget");
    std::fs::write(&widget, format!("{text}\nEdited.\n")).expect("edit");
    git(
        &t.dir,
        "2025-01-02T10:00:00+00:00",
        &["commit", "-q", "-am", "edit"],
    );
    std::fs::write(&widget, &text).expect("revert");
    git(
        &t.dir,
        "2025-06-07T23:30:00-05:00",
        &["commit", "-q", "-am", "revert"],
    );
    t.ok(&args);
    assert_eq!(
        meta(&t, "out/services/widget.html")[1],
        "Last updated 2025-06-07"
    );
    assert_eq!(
        meta(&t, "out/glossary/tls.html")[0],
        "Last updated 2024-03-05"
    );
    t.ok(&[
        "build",
        "--knowledge",
        "knowledge",
        "--output",
        "fresh",
        "--fresh",
    ]);
    assert!(
        snapshot(&t.dir.join("out")) == snapshot(&t.dir.join("fresh")),
        "the rebuild differs from a fresh build"
    );
}

// Without git the build still succeeds, silently, and pages have no "Last updated" (the edit
// link needs only the repository's place); the embedded notes, which are in no directory, show
// only their verified date.
#[test]
fn no_git_no_dates() {
    if !has_git() {
        return;
    }
    let t = committed();
    let out = Command::new(env!("CARGO_BIN_EXE_whosecures"))
        .args(["build", "--knowledge", "knowledge", "--output", "out"])
        .current_dir(&t.dir)
        .env("PATH", t.dir.join("no-such-directory"))
        .output()
        .expect("run whosecures");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("git"),
        "git mentioned: {}",
        stderr(&out)
    );
    assert_eq!(
        meta(&t, "out/services/widget.html"),
        ["Verified 2026-01-15", "Edit this page"]
    );

    t.ok(&["build", "--output", "embedded"]);
    let s3 = meta(&t, "embedded/services/s3.html");
    assert_eq!(s3.len(), 1, "{s3:?}");
    assert!(s3[0].starts_with("Verified 20"), "{s3:?}");
}

// `edit-url` must be an absolute http(s) URL with `{path}` in it: anything else is an error at
// the key, from `check` and `build`, and nothing is built.
#[test]
fn edit_url_is_checked() {
    let t = SiteTest::new("minimal");
    for url in [
        "https://git.example.com/wiki/edit/main/",
        "/wiki/edit/{path}",
        "javascript:alert('{path}')",
    ] {
        std::fs::write(
            t.dir.join("book.toml"),
            format!("[book]\ntitle = \"x\"\nedit-url = \"{url}\"\n"),
        )
        .expect("write");
        for command in ["check", "build"] {
            let out = t.run(&[command, "--knowledge", "knowledge"]);
            assert_eq!(out.status.code(), Some(1), "{url}: {}", stderr(&out));
            assert_eq!(
                stderr(&out),
                format!(
                    "book.toml:3:1: error: `edit-url` must be an absolute http(s) URL \
                     containing `{{path}}` (the note's path), not `{url}`\n"
                )
            );
        }
    }
    assert!(!t.dir.join("site").exists());
}
