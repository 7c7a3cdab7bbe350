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

// `check` finds what `build` finds: a note whose page's file name would be too long for the file
// system is the same located error from both, and the build writes nothing.
#[test]
fn check_finds_a_file_name_build_cannot_write() {
    let t = SiteTest::new("minimal");
    let id = "a".repeat(252);
    let rel = format!("knowledge/glossary/{id}.md");
    std::fs::write(
        t.dir.join(&rel),
        "+++\ntitle = \"Long\"\nsummary = \"A note with a long id.\"\n+++\nText.\n",
    )
    .expect("write note");
    let expected = format!(
        "{rel}:1:1: error: note id is 252 bytes long: its page `{id}.html` would exceed the \
         255-byte file name limit; use a shorter file name\n"
    );
    let check = t.run(&["check", "--knowledge", "knowledge"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(stderr(&check).starts_with(&expected), "{}", stderr(&check));
    let build = t.run(&["build", "--knowledge", "knowledge", "--output", "out"]);
    assert_eq!(build.status.code(), Some(1), "{}", stderr(&build));
    assert!(stderr(&build).starts_with(&expected), "{}", stderr(&build));
    assert!(!t.dir.join("out").exists());
}

// `check` renders every page (in memory): a template that fails to render fails `check` with the
// message and exit code `build` gives, and `check` writes nothing.
#[test]
fn check_renders_every_page() {
    let t = SiteTest::new("minimal");
    std::fs::create_dir_all(t.dir.join("theme/templates")).expect("theme dir");
    std::fs::write(
        t.dir.join("theme/templates/search.html"),
        "{% extends \"base.html\" %}{% block content %}{{ page.no_such_field.x }}{% endblock content %}",
    )
    .expect("write template");
    let args = ["--knowledge", "knowledge", "--theme", "theme"];
    let check = t.run(&[&["check"][..], &args].concat());
    let build = t.run(&[&["build", "--output", "out"][..], &args].concat());
    assert_eq!(check.status.code(), Some(2), "{}", stderr(&check));
    assert_eq!(build.status.code(), Some(2), "{}", stderr(&build));
    assert!(stderr(&check).contains("search.html"), "{}", stderr(&check));
    assert_eq!(stderr(&check), stderr(&build));
    assert!(!t.dir.join("out").exists());
    let before = crate::snapshot(&t.dir);
    t.run(&[&["check"][..], &args].concat());
    assert!(crate::snapshot(&t.dir) == before, "check wrote something");
}

// A theme template that includes itself through another, or a macro that calls itself through
// another, is an error naming the file, the place and the loop, from `check` as from `build`
// (Tera would recurse until the stack overflows), and nothing is written.
#[test]
fn template_include_loops_are_errors() {
    let t = SiteTest::new("minimal");
    std::fs::create_dir_all(t.dir.join("theme/templates")).expect("theme dir");
    std::fs::write(
        t.dir.join("theme/templates/search.html"),
        "{% extends \"base.html\" %}{% block content %}{% include \"loop.html\" %}{% endblock content %}",
    )
    .expect("write template");
    std::fs::write(
        t.dir.join("theme/templates/loop.html"),
        "{% include \"search.html\" %}",
    )
    .expect("write template");
    let args = ["--knowledge", "knowledge", "--theme", "theme"];
    let check = t.run(&[&["check"][..], &args].concat());
    let build = t.run(&[&["build", "--output", "out"][..], &args].concat());
    let expected = "error: theme/templates/loop.html:1:1: template `loop.html` includes itself \
                    (`loop.html` → `search.html` → `loop.html`)";
    for out in [&check, &build] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
        assert!(stderr(out).starts_with(expected), "{}", stderr(out));
    }
    assert!(!t.dir.join("out").exists());
    // A macro calling itself through another: the same, located at the call.
    std::fs::remove_file(t.dir.join("theme/templates/loop.html")).expect("remove");
    std::fs::write(
        t.dir.join("theme/templates/search.html"),
        "{% extends \"base.html\" %}\n{% macro a() %}{{ self::b() }}{% endmacro a %}\n\
         {% macro b() %}{{ self::a() }}{% endmacro b %}\n\
         {% block content %}{{ self::a() }}{% endblock content %}",
    )
    .expect("write template");
    for command in [&["check"][..], &["build", "--output", "out"][..]] {
        let out = t.run(&[command, &args[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).starts_with(
                "error: theme/templates/search.html:2:19: macro `a` calls itself (`a` → `b` → `a`)"
            ),
            "{}",
            stderr(&out)
        );
    }
    assert!(!t.dir.join("out").exists());
}

// `base-url` goes into every page's canonical link and the sitemap: anything but an absolute
// http(s) URL is a located error, and nothing is built.
#[test]
fn base_url_must_be_http() {
    let t = SiteTest::new("minimal");
    for url in [
        "javascript:alert(1)",
        "https://",
        "/wiki",
        "https://x.example/a b",
    ] {
        std::fs::write(
            t.dir.join("book.toml"),
            format!("[book]\ntitle = \"x\"\nbase-url = \"{url}\"\n"),
        )
        .expect("write");
        for command in ["check", "build"] {
            let out = t.run(&[command, "--knowledge", "knowledge"]);
            assert_eq!(out.status.code(), Some(1), "{url}: {}", stderr(&out));
            let expected = format!(
                "book.toml:3:1: error: `base-url` must be an absolute http(s) URL, not `{url}`\n"
            );
            assert_eq!(stderr(&out), expected);
        }
    }
    assert!(!t.dir.join("site").exists());
    std::fs::write(
        t.dir.join("book.toml"),
        "[book]\nbase-url = \"https://security.example.com/wiki\"\n",
    )
    .expect("write");
    t.ok(&["check", "--knowledge", "knowledge"]);
}

// A newline or a terminal escape in a file name is printed escaped: it can neither forge a
// diagnostic line nor reach the terminal.
#[test]
fn control_characters_in_file_names_are_escaped() {
    let t = SiteTest::new("minimal");
    let name = "a\nforged.md:1:1: error: x\u{1b}[2J.md";
    std::fs::write(
        t.dir.join("knowledge/glossary").join(name),
        "+++\ntitle = \"x\"\nsummary = \"x\"\n+++\n",
    )
    .expect("write note");
    let out = t.run(&["check", "--knowledge", "knowledge"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert_eq!(text.lines().count(), 2, "{text:?}");
    assert!(
        text.starts_with(
            "knowledge/glossary/a\\nforged.md:1:1: error: x\\u{1b}[2J.md:1:1: error: "
        ),
        "{text:?}"
    );
}

// A theme's files are published as they are, so a symlink in the theme that resolves outside
// it (to a private file) is an error naming the link, from `check` as from `build`; a symlink
// to another file of the theme is followed.
#[cfg(unix)]
#[test]
fn theme_symlinks_out_of_the_theme_are_refused() {
    let t = SiteTest::new("minimal");
    let dir = t.dir.join("theme/static");
    std::fs::create_dir_all(&dir).expect("theme dir");
    std::fs::write(t.dir.join("private.txt"), "secret").expect("write");
    std::fs::write(dir.join("extra.css"), "p{}").expect("write");
    std::os::unix::fs::symlink("extra.css", dir.join("alias.css")).expect("symlink");
    let args = ["--knowledge", "knowledge", "--theme", "theme"];
    t.ok(&[&["build", "--output", "out"][..], &args].concat());
    assert_eq!(t.read("out/static/alias.css"), "p{}");
    std::os::unix::fs::symlink("../../private.txt", dir.join("leak.txt")).expect("symlink");
    for command in [&["check"][..], &["build", "--output", "out2"][..]] {
        let out = t.run(&[command, &args[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with("error: cannot read `theme/static/leak.txt`: a symlink to `")
                && err.contains("private.txt`, outside `")
                && err.contains("copy it into the theme instead"),
            "{err}"
        );
    }
    assert!(!t.dir.join("out2").exists());
}

// Colour: `--color always` paints the place bold and the severity red, `never` and output to a
// pipe (as here) stay plain, and NO_COLOR is not consulted when colour is forced; the words are
// the same either way.
#[test]
fn color_option() {
    let t = SiteTest::new("minimal");
    std::fs::write(
        t.dir.join("knowledge/glossary/bad.md"),
        "+++\ntitel = \"x\"\n+++\n",
    )
    .expect("write");
    let plain = t.run(&["check", "--knowledge", "knowledge"]);
    let never = t.run(&["check", "--knowledge", "knowledge", "--color", "never"]);
    let always = t.run(&["check", "--color", "always", "--knowledge", "knowledge"]);
    assert_eq!(stderr(&plain), stderr(&never));
    assert!(!stderr(&plain).contains('\u{1b}'), "{}", stderr(&plain));
    let painted = stderr(&always);
    assert!(
        painted.starts_with(
            "\u{1b}[1mknowledge/glossary/bad.md:2:1\u{1b}[0m: \u{1b}[1;31merror\u{1b}[0m: unknown field `titel`"
        ),
        "{painted:?}"
    );
    let unpainted: String = painted
        .split('\u{1b}')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once('m').map_or(part, |(_, rest)| rest)
            }
        })
        .collect();
    assert_eq!(unpainted, stderr(&plain));
    let fatal = t.run(&["check", "--knowledge", "missing", "--color", "always"]);
    assert!(
        stderr(&fatal).starts_with("\u{1b}[1;31merror\u{1b}[0m: cannot read directory `missing`"),
        "{}",
        stderr(&fatal)
    );
    let bad = t.run(&["check", "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
}

// Options are taken only by the commands they affect: `who` and `export` render nothing, so a
// theme given to them is a usage error rather than silently ignored.
#[test]
fn theme_only_for_commands_that_render() {
    let t = SiteTest::new("minimal");
    for args in [
        &["who", "widget", "--theme", "theme"][..],
        &["export", "--theme", "theme"][..],
    ] {
        let out = t.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("unexpected argument '--theme'"),
            "{}",
            stderr(&out)
        );
    }
}
