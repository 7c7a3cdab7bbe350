//! The broken-input corpus: each case under `tests/fixtures/corpus/cases/` is laid over the valid
//! `corpus/base/` and run through the real binary, which must print exactly `expected.txt`, exit
//! with the expected code, never panic and finish within `LIMIT`. Fixture layout: its README.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{snapshot, SiteTest};

/// A run that takes longer is killed and fails its test (a hang, not a slow machine).
const LIMIT: Duration = Duration::from_secs(20);

/// What one run of the binary did.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` in `dir`; kills it and fails the test after `LIMIT`.
#[track_caller]
fn run_bounded(dir: &Path, args: &[&str]) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_whosecures"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start whosecures");
    // Drain both pipes while waiting, so a chatty child never blocks on a full pipe.
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for whosecures") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("whosecures {args:?} did not finish within {LIMIT:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let text = |pipe: JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&pipe.join().expect("pipe reader")).into_owned()
    };
    Outcome {
        code: status.code(),
        stdout: text(stdout),
        stderr: text(stderr),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// A case file's text, or `None` when the case does not have it.
#[track_caller]
fn case_file(case: &str, name: &str) -> Option<String> {
    let path = corpus().join("cases").join(case).join(name);
    match fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("read {}: {e}", path.display()),
    }
}

/// What a generator decided.
enum Setup {
    /// Run the case.
    Run,
    /// This machine cannot show the problem; the reason is printed.
    Skip(&'static str),
}

/// Writes a case's inputs that cannot be committed; gets the scratch `knowledge/` directory.
type Generate = fn(&Path) -> Setup;

/// A prepared case: base and case files in a scratch directory, generated inputs written.
struct Case {
    name: &'static str,
    test: SiteTest,
    args: Vec<String>,
    code: i32,
    expected: String,
}

impl Case {
    /// Lays the case over the base; `None` (after printing why) when it must be skipped here.
    #[track_caller]
    fn prepare(name: &'static str, generate: Generate) -> Option<Case> {
        let test = SiteTest::new("corpus/base");
        test.add(&format!("corpus/cases/{name}"));
        for rel in case_file(name, "remove.txt").unwrap_or_default().lines() {
            let path = test.dir.join(rel.trim());
            fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
        }
        if let Setup::Skip(reason) = generate(&test.dir.join("knowledge")) {
            eprintln!("skipping corpus case {name}: {reason}");
            return None;
        }
        let args = case_file(name, "args.txt")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let code = case_file(name, "exit.txt").map_or(1, |c| {
            c.trim()
                .parse()
                .unwrap_or_else(|e| panic!("{name}/exit.txt: {e}"))
        });
        let expected = case_file(name, "expected.txt")
            .unwrap_or_else(|| panic!("case {name} has no expected.txt"));
        Some(Case {
            name,
            test,
            args,
            code,
            expected,
        })
    }

    /// Runs `command` (`check` or `build`) on the case with its extra arguments and `more`.
    #[track_caller]
    fn run(&self, command: &str, more: &[&str]) -> Outcome {
        let mut args = vec![command, "--knowledge", "knowledge"];
        args.extend(self.args.iter().map(String::as_str));
        args.extend(more);
        let out = run_bounded(&self.test.dir, &args);
        assert!(
            !out.stderr.contains("panicked"),
            "case {}: `{command}` panicked:\n{}",
            self.name,
            out.stderr
        );
        out
    }
}

/// Checks one case: exact stderr, exit code, nothing on stdout.
#[track_caller]
fn check_case(name: &'static str, generate: Generate) {
    let Some(case) = Case::prepare(name, generate) else {
        return;
    };
    let out = case.run("check", &[]);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let path = corpus().join("cases").join(name).join("expected.txt");
        fs::write(&path, &out.stderr).expect("write expected.txt");
    } else {
        assert_eq!(out.stderr, case.expected, "case {name}: stderr");
    }
    assert_eq!(
        out.code,
        Some(case.code),
        "case {name}: exit code\n{}",
        out.stderr
    );
    assert_eq!(out.stdout, "", "case {name}: stdout");
}

/// One `#[test]` per case directory, plus `CASES`, the list of them all.
macro_rules! corpus {
    ($($(#[$attr:meta])* $test:ident = $case:literal, $generate:path;)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $test() {
                check_case($case, $generate);
            }
        )*

        /// Every case with a test, in order.
        const CASES: &[&str] = &[$($case),*];
    };
}

corpus! {
    // A note cut off inside a TOML string, with no closing fence.
    truncated_front_matter = "01-truncated-front-matter", inputs::committed;
    // Front matter never closed by a second `+++`.
    unclosed_fence = "02-unclosed-fence", inputs::committed;
    // A note that is only `+++`.
    only_fence = "03-only-fence", inputs::committed;
    // An empty file.
    empty_file = "04-empty-file", inputs::empty_file;
    // Markdown without front matter.
    no_front_matter = "05-no-front-matter", inputs::committed;
    // The fence after a blank first line.
    front_matter_not_first_line = "06-front-matter-not-first-line", inputs::committed;
    // `\r`-only line endings.
    cr_only_line_endings = "07-cr-only-line-endings", inputs::cr_only_line_endings;
    // An integer where a string is expected.
    type_integer_for_string = "08-type-integer-for-string", inputs::committed;
    // A string where an array is expected.
    type_string_for_array = "09-type-string-for-array", inputs::committed;
    // A string where an integer is expected.
    type_string_for_integer = "10-type-string-for-integer", inputs::committed;
    // A TOML syntax error.
    toml_syntax_error = "11-toml-syntax-error", inputs::committed;
    // A key defined twice.
    toml_duplicate_key = "12-toml-duplicate-key", inputs::committed;
    // A NUL byte inside a TOML string.
    nul_in_toml_string = "13-nul-in-toml-string", inputs::nul_in_toml_string;
    // TOML arrays nested 5,000 deep.
    deep_toml_nesting = "14-deep-toml-nesting", inputs::deep_toml_nesting;
    // A required field missing.
    missing_required_field = "15-missing-required-field", inputs::committed;
    // An unknown top-level field.
    unknown_top_level_field = "16-unknown-top-level-field", inputs::committed;
    // An unknown field in a `[[responsibility]]` row.
    unknown_field_responsibility = "17-unknown-field-responsibility", inputs::committed;
    // An unknown field in a `[[checklist]]` item.
    unknown_field_checklist = "18-unknown-field-checklist", inputs::committed;
    // An unknown field in a `variants` entry.
    unknown_field_variant = "19-unknown-field-variant", inputs::committed;
    // An unknown layer in a row, with a hint.
    unknown_layer = "20-unknown-layer", inputs::committed;
    // An unknown owner.
    unknown_owner = "21-unknown-owner", inputs::committed;
    // An unknown owner in a variant.
    unknown_variant_owner = "22-unknown-variant-owner", inputs::committed;
    // An unknown layer in a checklist item, with a hint.
    unknown_checklist_layer = "23-unknown-checklist-layer", inputs::committed;
    // An unknown pillar, with a hint.
    unknown_pillar = "24-unknown-pillar", inputs::committed;
    // An unknown severity.
    unknown_severity = "25-unknown-severity", inputs::committed;
    // An unknown security service, with a hint.
    unknown_security_service = "26-unknown-security-service", inputs::committed;
    // An unknown control catalog.
    unknown_catalog = "27-unknown-catalog", inputs::committed;
    // An unknown service model.
    unknown_service_model = "28-unknown-service-model", inputs::committed;
    // An unknown layer group.
    unknown_layer_group = "29-unknown-layer-group", inputs::committed;
    // Unknown layer and pillar ids in a security-service note, no hint.
    security_service_unknown_ids = "30-security-service-unknown-ids", inputs::committed;
    // A control id that does not match its catalog's pattern.
    control_id_pattern = "31-control-id-pattern", inputs::committed;
    // A control without `catalog:`.
    control_without_catalog = "32-control-without-catalog", inputs::committed;
    // An invalid checklist id.
    invalid_checklist_id = "33-invalid-checklist-id", inputs::committed;
    // A service missing a layer row.
    missing_layer_row = "34-missing-layer-row", inputs::committed;
    // Two rows for one layer.
    duplicate_layer_row = "35-duplicate-layer-row", inputs::committed;
    // One note id in two folders.
    duplicate_note_id = "36-duplicate-note-id", inputs::committed;
    // One checklist id in two notes.
    duplicate_checklist_id = "37-duplicate-checklist-id", inputs::committed;
    // One checklist id twice in one note.
    duplicate_checklist_id_same_note = "38-duplicate-checklist-id-same-note", inputs::committed;
    // A duplicate checklist id that also appears earlier as an alias.
    duplicate_checklist_id_in_aliases = "39-duplicate-checklist-id-in-aliases", inputs::committed;
    // A link to a missing note, with a hint.
    unresolved_link = "40-unresolved-link", inputs::committed;
    // Links to a missing note and a missing own heading, no hint.
    unresolved_link_no_hint = "41-unresolved-link-no-hint", inputs::committed;
    // A link to a missing heading, with a hint.
    unresolved_heading = "42-unresolved-heading", inputs::committed;
    // A self-link: a warning only.
    self_link = "43-self-link", inputs::committed;
    // A `javascript:` URL in `sources`.
    javascript_url_in_sources = "44-javascript-url-in-sources", inputs::committed;
    // A relative URL in a row's `source`.
    relative_url_in_source = "45-relative-url-in-source", inputs::committed;
    // A blank title.
    empty_title = "46-empty-title", inputs::committed;
    // A service note without `sources`.
    missing_sources = "47-missing-sources", inputs::committed;
    // An invalid note id in the file name.
    invalid_note_id_file_name = "48-invalid-note-id-file-name", inputs::committed;
    // A note in an unknown folder: a warning only.
    unknown_folder = "49-unknown-folder", inputs::committed;
    // A note one folder too deep: a warning only.
    note_nested_too_deep = "50-note-nested-too-deep", inputs::committed;
    // A byte-order mark before the fence.
    bom = "51-bom", inputs::bom;
    // CRLF line endings.
    crlf = "52-crlf", inputs::crlf;
    // A vocabulary with a byte-order mark and CRLF line endings.
    bom_crlf_vocabulary = "53-bom-crlf-vocabulary", inputs::bom_crlf_vocabulary;
    // A Latin-1 byte.
    non_utf8 = "54-non-utf8", inputs::non_utf8;
    // Random bytes named `.md`.
    binary_file = "55-binary-file", inputs::binary_file;
    // A 10 MiB note.
    huge_note = "56-huge-note", inputs::huge_note;
    // Block quotes nested 5,000 deep.
    deep_blockquote = "57-deep-blockquote", inputs::deep_blockquote;
    // Lists nested 5,000 deep.
    deep_list = "58-deep-list", inputs::deep_list;
    // No vocabulary.toml.
    missing_vocabulary = "59-missing-vocabulary", inputs::committed;
    // A TOML error in vocabulary.toml.
    broken_vocabulary = "60-broken-vocabulary", inputs::committed;
    // An invalid catalog pattern.
    vocabulary_bad_pattern = "61-vocabulary-bad-pattern", inputs::committed;
    // A broken layer note, used everywhere.
    broken_layer_cascades = "62-broken-layer-cascades", inputs::committed;
    // A broken service note, linked from a practice.
    broken_service_cascades = "63-broken-service-cascades", inputs::committed;
    // A directory symlink back to the knowledge root.
    symlink_dir_loop = "64-symlink-dir-loop", inputs::symlink_dir_loop;
    // A file symlink to itself.
    symlink_file_loop = "65-symlink-file-loop", inputs::symlink_file_loop;
    // A symlink to nothing.
    dangling_symlink = "66-dangling-symlink", inputs::dangling_symlink;
    // A mode-000 note.
    unreadable_file = "67-unreadable-file", inputs::unreadable_file;
    // An overlay note reusing a base id under another folder.
    overlay_duplicate_id = "68-overlay-duplicate-id", inputs::committed;
    // An overlay replacing a base note with a broken one.
    overlay_replaces_with_broken = "69-overlay-replaces-with-broken", inputs::committed;
    // A note saved as `.MD`.
    uppercase_md_extension = "70-uppercase-md-extension", inputs::committed;
    // A note whose page would be a section page.
    note_named_index = "71-note-named-index", inputs::committed;
    // A responsibility row that does not say when it was verified.
    row_without_verified = "72-row-without-verified", inputs::committed;
    // Aliases that are another note's id or title.
    alias_collision = "73-alias-collision", inputs::committed;
    // A `verified` that is not a date.
    verified_not_a_date = "74-verified-not-a-date", inputs::committed;
    // A security service with a table but no service model.
    security_service_table_without_model = "75-security-service-table-without-model", inputs::committed;
    // A misspelt front-matter key: the closest valid key as a hint.
    misspelt_front_matter_key = "76-misspelt-front-matter-key", inputs::committed;
    // A misspelt key in a glossary term, whose keys are few.
    misspelt_glossary_key = "77-misspelt-glossary-key", inputs::committed;
    broken_note_keeps_its_id = "78-broken-note-keeps-its-id", inputs::committed;
    broken_layer_keeps_its_id = "79-broken-layer-keeps-its-id", inputs::committed;
    // A note over the 16 MiB a note may hold.
    note_too_large = "80-note-too-large", inputs::note_too_large;
}

// Every case directory has a test, a README and an expected stderr, and the corpus is big enough.
#[test]
fn every_case_directory_has_a_test() {
    let mut dirs: Vec<String> = fs::read_dir(corpus().join("cases"))
        .expect("read cases")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(dirs, CASES);
    for case in CASES {
        assert!(
            case_file(case, "README.md").is_some(),
            "{case}: no README.md"
        );
        assert!(
            case_file(case, "expected.txt").is_some(),
            "{case}: no expected.txt"
        );
    }
    assert!(CASES.len() >= 40, "only {} cases", CASES.len());
}

// The base every case is laid over is itself clean.
#[test]
fn base_is_clean() {
    let t = SiteTest::new("corpus/base");
    let out = run_bounded(&t.dir, &["check", "--knowledge", "knowledge"]);
    assert_eq!(out.stderr, "checked 7 notes: 0 errors, 0 warnings\n");
    assert_eq!(out.code, Some(0));
}

// A failed build, whatever broke it, leaves the previous site in its output directory byte for byte.
#[test]
fn broken_builds_leave_the_previous_site_untouched() {
    let good = SiteTest::new("corpus/base");
    let out = run_bounded(
        &good.dir,
        &["build", "--knowledge", "knowledge", "-o", "site"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let site = good.dir.join("site");
    let site_arg = site.to_str().expect("UTF-8 scratch path");
    let before = snapshot(&site);
    assert!(
        before.len() > 10,
        "the good build wrote {} files",
        before.len()
    );
    let siblings = entries(&good.dir);
    let cases: [(&'static str, Generate); 8] = [
        ("08-type-integer-for-string", inputs::committed),
        ("20-unknown-layer", inputs::committed),
        ("40-unresolved-link", inputs::committed),
        ("54-non-utf8", inputs::non_utf8),
        ("55-binary-file", inputs::binary_file),
        ("59-missing-vocabulary", inputs::committed),
        ("64-symlink-dir-loop", inputs::symlink_dir_loop),
        ("68-overlay-duplicate-id", inputs::committed),
    ];
    for (name, generate) in cases {
        let case = Case::prepare(name, generate).expect("never skipped");
        let out = case.run("build", &["-o", site_arg]);
        assert_eq!(out.code, Some(case.code), "{name}: {}", out.stderr);
        if case.code == 1 {
            // The same diagnostics as `check`; only the summary line differs.
            let (diags, summary) = split_summary(&out.stderr);
            assert_eq!(
                diags,
                split_summary(&case.expected).0,
                "{name}: diagnostics"
            );
            assert!(
                summary.starts_with("build failed: ") && summary.ends_with("; nothing was written"),
                "{name}: {summary}"
            );
        } else {
            // An environment error: the same one line as `check`.
            assert_eq!(out.stderr, case.expected, "{name}: stderr");
        }
        assert!(
            snapshot(&site) == before,
            "{name}: the failed build changed the previous site"
        );
        assert_eq!(
            entries(&good.dir),
            siblings,
            "{name}: files left beside the site"
        );
    }
}

/// Every line but the last, and the last.
fn split_summary(stderr: &str) -> (&str, &str) {
    let text = stderr.strip_suffix('\n').unwrap_or(stderr);
    text.rsplit_once('\n').unwrap_or(("", text))
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The inputs that cannot be committed as text, written into the scratch `knowledge/` directory.
mod inputs {
    use super::*;

    const GLOSSARY_HEAD: &str =
        "+++\ntitle = \"TLS\"\nsummary = \"Transport Layer Security.\"\n+++\n";

    /// Writes `bytes` to `rel` below `knowledge`.
    #[track_caller]
    fn write(knowledge: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = knowledge.join(rel);
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// A file of the base knowledge base, as committed.
    #[track_caller]
    fn base(rel: &str) -> String {
        let path = corpus().join("base/knowledge").join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Creates `rel` below `knowledge` as a symlink to `target`.
    #[track_caller]
    fn symlink_at(knowledge: &Path, target: &str, rel: &str) {
        let link = knowledge.join(rel);
        symlink(target, &link).unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
    }

    /// Committed cases: nothing to generate.
    pub fn committed(_: &Path) -> Setup {
        Setup::Run
    }

    /// A 0-byte note.
    pub fn empty_file(k: &Path) -> Setup {
        write(k, "glossary/tls.md", "");
        Setup::Run
    }

    /// A note with `\r`-only line endings.
    pub fn cr_only_line_endings(k: &Path) -> Setup {
        write(k, "glossary/tls.md", GLOSSARY_HEAD.replace('\n', "\r"));
        Setup::Run
    }

    /// A NUL byte inside a TOML string.
    pub fn nul_in_toml_string(k: &Path) -> Setup {
        write(
            k,
            "glossary/tls.md",
            "+++\ntitle = \"TLS\"\nsummary = \"Transport\0Layer Security.\"\n+++\n",
        );
        Setup::Run
    }

    /// `aliases` nested 5,000 arrays deep.
    pub fn deep_toml_nesting(k: &Path) -> Setup {
        let text = format!(
            "+++\ntitle = \"TLS\"\nsummary = \"Transport Layer Security.\"\naliases = {}{}\n+++\n",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        write(k, "glossary/tls.md", text);
        Setup::Run
    }

    /// A byte-order mark before the fence, and a broken link in the body.
    pub fn bom(k: &Path) -> Setup {
        write(
            k,
            "glossary/tls.md",
            format!("\u{feff}{GLOSSARY_HEAD}Encrypts data in transit; see [[dat]].\n"),
        );
        Setup::Run
    }

    /// The base service note with CRLF line endings, an unknown layer and a broken link.
    pub fn crlf(k: &Path) -> Setup {
        let text = base("services/widget.md")
            .replacen("layer = \"data\"", "layer = \"dta\"", 1)
            .replace("[[data]]", "[[dta]]")
            .replace('\n', "\r\n");
        write(k, "services/widget.md", text);
        Setup::Run
    }

    /// The base vocabulary with a byte-order mark and CRLF line endings.
    pub fn bom_crlf_vocabulary(k: &Path) -> Setup {
        let text = base("vocabulary.toml").replace('\n', "\r\n");
        write(k, "vocabulary.toml", format!("\u{feff}{text}"));
        Setup::Run
    }

    /// A Latin-1 byte in the title.
    pub fn non_utf8(k: &Path) -> Setup {
        write(
            k,
            "glossary/tls.md",
            b"+++\ntitle = \"Caf\xe9\"\nsummary = \"Latin-1, not UTF-8.\"\n+++\n",
        );
        Setup::Run
    }

    /// 4 KiB of pseudo-random bytes, starting with NULs, named `.md`.
    pub fn binary_file(k: &Path) -> Setup {
        // Deterministic pseudo-random bytes (xorshift), after four NULs.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut bytes = vec![0u8; 4];
        bytes.extend((0..4092).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        }));
        write(k, "glossary/tls.md", bytes);
        Setup::Run
    }

    /// A note of more than 10 MiB with a broken link on its last line.
    pub fn huge_note(k: &Path) -> Setup {
        let line = "Lorem ipsum dolor sit amet, [[data]] consectetur adipiscing elit, sed do eiusmod tempor.\n";
        let lines = 10 * 1024 * 1024 / line.len() + 1;
        let mut text = String::with_capacity(GLOSSARY_HEAD.len() + lines * line.len() + 64);
        text.push_str(GLOSSARY_HEAD);
        for _ in 0..lines {
            text.push_str(line);
        }
        text.push_str("The end: [[missing-at-the-end]].\n");
        assert!(text.len() > 10 * 1024 * 1024);
        write(k, "glossary/tls.md", text);
        Setup::Run
    }

    /// A 17 MiB glossary note that other notes link to: one error, read no further than the
    /// limit, and the links to it are not errors.
    pub fn note_too_large(k: &Path) -> Setup {
        let line =
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n";
        let mut text = String::from(GLOSSARY_HEAD);
        while text.len() <= 17 * 1024 * 1024 {
            text.push_str(line);
        }
        write(k, "glossary/tls.md", text);
        Setup::Run
    }

    /// 5,000 nested block quotes with a broken link at the bottom.
    pub fn deep_blockquote(k: &Path) -> Setup {
        write(
            k,
            "glossary/tls.md",
            format!("{GLOSSARY_HEAD}{}deep [[nope]]\n", "> ".repeat(5000)),
        );
        Setup::Run
    }

    /// 5,000 nested lists with a broken link at the bottom.
    pub fn deep_list(k: &Path) -> Setup {
        write(
            k,
            "glossary/tls.md",
            format!("{GLOSSARY_HEAD}{}deep [[nope]]\n", "- ".repeat(5000)),
        );
        Setup::Run
    }

    /// A directory symlink back to the knowledge root.
    pub fn symlink_dir_loop(k: &Path) -> Setup {
        symlink_at(k, "..", "glossary/loop");
        Setup::Run
    }

    /// A file symlink to itself.
    pub fn symlink_file_loop(k: &Path) -> Setup {
        symlink_at(k, "self.md", "glossary/self.md");
        Setup::Run
    }

    /// A symlink to a file that does not exist.
    pub fn dangling_symlink(k: &Path) -> Setup {
        symlink_at(k, "nowhere.md", "glossary/gone.md");
        Setup::Run
    }

    /// The glossary note with mode 000; skipped when this user can read it anyway.
    pub fn unreadable_file(k: &Path) -> Setup {
        let path = k.join("glossary/tls.md");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).expect("chmod 000");
        if fs::read(&path).is_ok() {
            return Setup::Skip(
                "this user can read a mode-000 file (running as root?), so the tool cannot be shown one",
            );
        }
        Setup::Run
    }
}
