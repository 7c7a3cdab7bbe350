//! Loader tests: inline notes in, exact diagnostics out.

use super::*;

const VOCAB: &str = r#"
[[owners]]
id = "provider"
label = "Provider"
[[owners]]
id = "customer"
label = "Customer"
[[service_models]]
id = "abstracted"
label = "Abstracted"
[[layer_groups]]
id = "data"
label = "Data"
[[severities]]
id = "high"
label = "High"
[[catalogs]]
id = "fsbp"
title = "FSBP"
url = "https://docs.aws.amazon.com/securityhub/"
pattern = "^[A-Za-z][A-Za-z0-9]*\\.[0-9]+$"
"#;

const LAYER: &str = "+++\ntitle = \"Data\"\nsummary = \"Your data.\"\ngroup = \"data\"\nsources = [\"https://aws.amazon.com/compliance/shared-responsibility-model/\"]\n+++\nBody.\n";
const PILLAR: &str = "+++\ntitle = \"Data protection\"\nsummary = \"Protect data.\"\nsources = [\"https://docs.aws.amazon.com/wellarchitected/\"]\n+++\n";

fn file(rel: &str, text: &str) -> SourceFile {
    SourceFile::knowledge(rel, text)
}

fn base_files() -> Vec<SourceFile> {
    vec![
        file("vocabulary.toml", VOCAB),
        file("layers/data.md", LAYER),
        file("pillars/data-protection.md", PILLAR),
    ]
}

fn service(front_extra: &str) -> String {
    format!(
        "+++\ntitle = \"S3\"\nsummary = \"Storage.\"\nsources = [\"https://docs.aws.amazon.com/s3/\"]\nprovider = \"aws\"\ncategory = \"storage\"\nservice_model = \"abstracted\"\n{front_extra}+++\nBody.\n"
    )
}

const ROW: &str = "[[responsibility]]\nlayer = \"data\"\nnote = \"Yours.\"\nverified = 2026-12-06\ncustomer = [{ duty = \"Classifies the data\", source = \"https://docs.aws.amazon.com/s3/\" }]\n";

#[track_caller]
fn diagnostics_of(extra: Vec<SourceFile>) -> Vec<String> {
    let mut files = base_files();
    files.extend(extra);
    let mut diags = Diagnostics::new();
    load(files, &mut diags);
    diags.sorted().iter().map(ToString::to_string).collect()
}

// A complete service note loads without diagnostics and keeps its typed data.
#[test]
fn valid_service_loads() {
    let checklist = "[[checklist]]\nid = \"s3-bpa\"\ntitle = \"Block public access\"\nlayer = \"data\"\npillar = \"data-protection\"\nseverity = \"high\"\ncontrols = [\"fsbp:S3.1\"]\nsource = \"https://docs.aws.amazon.com/s3/\"\nverified = 2026-11-23\n";
    let mut files = base_files();
    files.push(file(
        "services/s3.md",
        &service(&format!("{ROW}{checklist}")),
    ));
    let mut diags = Diagnostics::new();
    let kb = load(files, &mut diags);
    assert!(diags.is_empty(), "{:?}", diags.sorted());
    let (note, s3) = kb.services().next().expect("one service");
    assert_eq!((note.id.as_str(), note.body()), ("s3", "Body.\n"));
    let row = &s3.responsibility[0];
    assert_eq!(row.owner, "customer");
    assert_eq!(row.verified.to_string(), "2026-12-06");
    assert_eq!(row.duties.customer[0].duty, "Classifies the data");
    assert_eq!(row.duties.customer[0].verified, row.verified);
    assert_eq!(note.checklist()[0].verified.to_string(), "2026-11-23");
    assert_eq!(
        note.checklist()[0].controls,
        [Control {
            catalog: "fsbp".into(),
            id: "S3.1".into()
        }]
    );
}

// Every kind of id problem is reported at the exact line and column of the value.
#[test]
fn unknown_ids_are_located() {
    let bad_row = ROW.replace("verified = 2026-12-06", "verified = 2026-12-06T10:00:00");
    let checklist = "[[checklist]]\nid = \"s3-x\"\ntitle = \"X\"\nlayer = \"dta\"\npillar = \"data-protection\"\nseverity = \"urgent\"\ncontrols = [\"fsbp:S3-1\", \"nist:AC.1\"]\nsource = \"https://docs.aws.amazon.com/s3/\"\nverified = 2026-11-23\n";
    let text = service(&format!("{bad_row}{checklist}"));
    let got = diagnostics_of(vec![file("services/s3.md", &text)]);
    assert_eq!(
        got,
        [
            "knowledge/services/s3.md:11:12: error: `verified` must be a date alone, `YYYY-MM-DD`, not `2026-12-06T10:00:00`",
            "knowledge/services/s3.md:16:9: error: unknown layer `dta`; did you mean `data`?",
            "knowledge/services/s3.md:18:12: error: unknown severity `urgent`; expected one of `high`",
            "knowledge/services/s3.md:19:13: error: control id `S3-1` does not match the `fsbp` pattern `^[A-Za-z][A-Za-z0-9]*\\.[0-9]+$`",
            "knowledge/services/s3.md:19:26: error: unknown control catalog `nist`; expected one of `fsbp`",
        ]
    );
}

// A service without a row for a layer, and TOML problems, are errors at their line.
#[test]
fn missing_rows_and_toml_errors() {
    let cases: [(&str, String, &str); 8] = [
        ("glossary/x.md", "+++\ntitle = \"X\"\n+++\n".into(), "knowledge/glossary/x.md:2:1: error: missing field `summary`"),
        ("services/s3.md", service(""), "knowledge/services/s3.md:1:1: error: service `s3` has no responsibility row for layer `data`"),
        ("services/s3.md", service(&format!("{ROW}colour = 1\n")), "knowledge/services/s3.md:13:1: error: unknown field `colour`, expected one of `layer`, `aliases`, `owner`, `note`, `source`, `verified`, `provider`, `customer`, `variants`"),
        ("services/s3.md", service("[[responsibility]]\nlayer = \"data\"\nowner = \"shared\"\nnote = \"Both.\"\nsource = \"https://docs.aws.amazon.com/s3/\"\nverified = 2026-12-06\n"), "knowledge/services/s3.md:10:9: error: `owner` is no longer written: say what each party does and the owner is derived; for `shared` write provider = [{ duty = ..., source = ... }] and customer = [{ duty = ..., source = ... }], with `verified = YYYY-MM-DD` on the row (see docs/note-format.md)"),
        ("services/s3.md", service("[[responsibility]]\nlayer = \"data\"\nnote = \"None.\"\nverified = 2026-12-06\n"), "knowledge/services/s3.md:9:9: error: the `data` row has no duties, so it says the layer does not apply: give the page that says so in `source`"),
        ("layers/data.md", "+++\ntitle = \"x\"\n".into(), "knowledge/layers/data.md:1:1: error: front matter opened with `+++` is never closed"),
        ("glossary/tls.md", "+++\ntitle = \"TLS\"\nsummary = 3\n+++\n".into(), "knowledge/glossary/tls.md:3:11: error: invalid type: integer `3`, expected a string"),
        ("glossary/Bad_Id.md", "+++\n+++\n".into(), "knowledge/glossary/Bad_Id.md:1:1: error: invalid note id `Bad_Id`: use lowercase letters, digits and `-` in the file name"),
    ];
    for (rel, text, expected) in cases {
        let got = diagnostics_of(vec![file(rel, &text)]);
        assert_eq!(got, [expected], "{rel}");
    }
}

// Duplicate ids across folders, non-UTF-8 bytes and missing sources are all reported in one run.
#[test]
fn duplicates_encoding_and_sources() {
    let got = diagnostics_of(vec![
        file(
            "glossary/data.md",
            "+++\ntitle = \"Data\"\nsummary = \"x\"\n+++\n",
        ),
        SourceFile {
            rel_path: "model/bad.md".into(),
            display_path: "knowledge/model/bad.md".into(),
            bytes: b"+++\ntitle = \"\xff\"\n".to_vec(),
        },
        file(
            "model/nosrc.md",
            "+++\ntitle = \"T\"\nsummary = \"S\"\n+++\n",
        ),
    ]);
    assert_eq!(
        got,
        [
            "knowledge/layers/data.md:1:1: error: duplicate note id `data`: also defined in `knowledge/glossary/data.md`",
            "knowledge/model/bad.md:2:10: error: file is not valid UTF-8",
            "knowledge/model/nosrc.md:2:9: error: a model note needs `sources`: the provider documentation it is based on",
        ]
    );
}

// A byte-order mark is dropped from the note's text (the text taken over from the file's
// bytes), and positions after it are those of the same file without it.
#[test]
fn byte_order_mark_is_dropped() {
    let glossary = "+++\ntitle = \"Data\"\nsummary = \"x\"\n+++\nBody.\n";
    let mut files = base_files();
    files.push(file("glossary/bom.md", &format!("\u{feff}{glossary}")));
    let kb = load(files, &mut Diagnostics::new());
    let note = kb.get_str("bom").expect("note with a BOM");
    assert_eq!((note.text.as_str(), note.body()), (glossary, "Body.\n"));

    let broken = "+++\ntitle = 1\nsummary = \"x\"\n+++\n";
    let with_bom = diagnostics_of(vec![file("glossary/bom.md", &format!("\u{feff}{broken}"))]);
    assert_eq!(
        with_bom,
        diagnostics_of(vec![file("glossary/bom.md", broken)])
    );
    assert!(
        with_bom[0].starts_with("knowledge/glossary/bom.md:2:9: error:"),
        "{with_bom:?}"
    );
}

fn practice(title: &str, items: &[&str]) -> String {
    let mut text = format!("+++\ntitle = \"{title}\"\nsummary = \"s\"\nsources = [\"https://docs.aws.amazon.com/x\"]\n");
    for id in items {
        text.push_str(&format!(
            "[[checklist]]\nid = \"{id}\"\ntitle = \"t\"\nlayer = \"data\"\npillar = \"data-protection\"\nseverity = \"high\"\nsource = \"https://docs.aws.amazon.com/x\"\n"
        ));
    }
    text + "+++\nBody.\n"
}

/// Notes (id, title, and a list: a practice's checklist ids, a service's layers with a row),
/// the notes changed since the step before, the notes removed.
type Step<'a> = (
    &'a [(&'a str, &'a str, &'a [&'a str])],
    &'a [&'a str],
    &'a [&'a str],
);

/// `kb` updated as a preview would be for step `i`: with the files of `folder` among `files` (the
/// whole input now) that it `changed`, and those it `removed`.
#[track_caller]
fn update_step(
    kb: KnowledgeBase,
    files: &[SourceFile],
    folder: &str,
    (changed, removed): (&[&str], &[&str]),
    i: usize,
) -> KnowledgeBase {
    let changed: Vec<SourceFile> = files
        .iter()
        .filter(|f| {
            changed
                .iter()
                .any(|c| f.rel_path == format!("{folder}/{c}.md"))
        })
        .cloned()
        .collect();
    let removed: Vec<String> = removed
        .iter()
        .map(|r| format!("knowledge/{folder}/{r}.md"))
        .collect();
    match kb.update(changed, &removed) {
        Update::Applied(kb, _) => *kb,
        Update::NeedsFullLoad => panic!("step {i}: {folder} are not structural"),
    }
}

// Each incremental update leaves the same notes, order, index and checklist-id errors as
// loading the same files from scratch: body edits in place, a title that moves a note, a
// duplicated item id appearing and going away, a note added and one removed.
#[test]
fn update_matches_full_load() {
    let steps: &[Step] = &[
        (
            &[
                ("a", "Alpha", &["i1"]),
                ("b", "Beta", &["i2"]),
                ("c", "Gamma", &[]),
            ],
            &[],
            &[],
        ),
        (
            &[
                ("a", "Alpha", &["i1"]),
                ("b", "Beta", &["i2", "i1"]),
                ("c", "Gamma", &[]),
            ],
            &["b"],
            &[],
        ),
        (
            &[
                ("a", "Zeta", &["i1"]),
                ("b", "Beta", &["i2", "i1"]),
                ("c", "Gamma", &["i1"]),
            ],
            &["a", "c"],
            &[],
        ),
        (
            &[
                ("a", "Zeta", &["i1"]),
                ("c", "Gamma", &["i3"]),
                ("d", "Delta", &["i2"]),
            ],
            &["c", "d"],
            &["b"],
        ),
        (
            &[
                ("a", "Zeta", &["i1"]),
                ("c", "Gamma", &["i3"]),
                ("d", "Delta", &["i1"]),
            ],
            &["d"],
            &[],
        ),
    ];
    let files_of = |notes: &[(&str, &str, &[&str])]| {
        let mut files = base_files();
        for (id, title, items) in notes {
            files.push(file(&format!("practices/{id}.md"), &practice(title, items)));
        }
        files
    };
    let mut kb = load(files_of(steps[0].0), &mut Diagnostics::new());
    for (i, (notes, changed, removed)) in steps.iter().enumerate().skip(1) {
        let files = files_of(notes);
        kb = update_step(kb, &files, "practices", (changed, removed), i);
        let full = load(files, &mut Diagnostics::new());
        let order = |kb: &KnowledgeBase| -> Vec<String> {
            kb.notes
                .iter()
                .map(|n| format!("{}:{}", n.id, n.title))
                .collect()
        };
        assert_eq!(order(&kb), order(&full), "step {i}");
        for note in &full.notes {
            assert_eq!(
                kb.get(&note.id).map(|n| &n.title),
                Some(&note.title),
                "step {i}"
            );
        }
        let (mut ours, mut theirs) = (Diagnostics::new(), Diagnostics::new());
        kb.check_global(&mut ours);
        full.check_global(&mut theirs);
        let text = |d: &Diagnostics| -> Vec<String> {
            d.sorted().iter().map(ToString::to_string).collect()
        };
        assert_eq!(text(&ours), text(&theirs), "step {i}");
        assert_eq!(
            ours.is_empty(),
            i == 3,
            "step {i}: duplicates where expected"
        );
    }
}

/// A service titled `title` with a row for each of `layers`.
fn service_with_rows(title: &str, layers: &[&str]) -> String {
    let rows: String = layers
        .iter()
        .map(|layer| ROW.replace("layer = \"data\"", &format!("layer = \"{layer}\"")))
        .collect();
    service(&rows).replace("title = \"S3\"", &format!("title = \"{title}\""))
}

// The rows by layer an incremental update keeps are those of a full load: which notes have a
// row for each layer, in order, and where each is among them, through rows dropped and added in
// place, a note added, one retitled to another place and one removed.
#[test]
fn update_keeps_rows_by_layer() {
    let steps: &[Step] = &[
        (
            &[
                ("a", "Alpha", &["data"]),
                ("b", "Beta", &["data", "network"]),
                ("c", "Gamma", &["network"]),
            ],
            &[],
            &[],
        ),
        (
            &[
                ("a", "Alpha", &["data"]),
                ("b", "Beta", &["network"]),
                ("c", "Gamma", &["network"]),
            ],
            &["b"],
            &[],
        ),
        (
            &[
                ("a", "Alpha", &["data", "network"]),
                ("b", "Beta", &["network"]),
                ("c", "Gamma", &["data", "network"]),
            ],
            &["a", "c"],
            &[],
        ),
        (
            &[
                ("a", "Alpha", &["data", "network"]),
                ("b", "Zeta", &["network", "data"]),
                ("c", "Gamma", &["data", "network"]),
                ("d", "Delta", &["data"]),
            ],
            &["b", "d"],
            &[],
        ),
        (
            &[
                ("b", "Zeta", &["network", "data"]),
                ("c", "Gamma", &["data"]),
                ("d", "Delta", &["data"]),
            ],
            &["c"],
            &["a"],
        ),
    ];
    let network = LAYER.replace("title = \"Data\"", "title = \"Network\"");
    let files_of = |services: &[(&str, &str, &[&str])]| {
        let mut files = base_files();
        files.push(file("layers/network.md", &network));
        for (id, title, layers) in services {
            let text = service_with_rows(title, layers);
            files.push(file(&format!("services/{id}.md"), &text));
        }
        files
    };
    let layers = [NoteId("data".into()), NoteId("network".into())];
    // Per layer: its rows (note:layer), and each service's place among them.
    type Rows = Vec<(Vec<String>, Vec<(usize, Option<usize>)>)>;
    let rows = |kb: &KnowledgeBase| -> Rows {
        layers
            .iter()
            .map(|layer| {
                let ids = (kb.rows_for(layer, ..))
                    .map(|(n, row)| format!("{}:{}", n.id, row.layer))
                    .collect();
                let places = (kb.services())
                    .map(|(n, _)| kb.row_place(layer, &n.id))
                    .collect();
                (ids, places)
            })
            .collect()
    };
    // A service without a row for every layer is an error, but its note is loaded and indexed.
    let mut kb = load(files_of(steps[0].0), &mut Diagnostics::new());
    assert_eq!(
        kb.rows_for(&layers[1], 1..usize::MAX)
            .map(|(n, _)| n.id.as_str())
            .collect::<Vec<_>>(),
        ["c"]
    );
    for (i, (services, changed, removed)) in steps.iter().enumerate().skip(1) {
        let files = files_of(services);
        kb = update_step(kb, &files, "services", (changed, removed), i);
        let full = load(files, &mut Diagnostics::new());
        assert_eq!(rows(&kb), rows(&full), "step {i}");
    }
    assert_eq!(
        rows(&kb)[0].0,
        ["d:data", "c:data", "b:data"],
        "the data layer's rows at the end"
    );
}

// Property: the loader and linker on arbitrary note text (front matter and body built from the
// pieces that matter, plus arbitrary bytes) never panic, and every diagnostic points at a line
// of the file it names.
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("+++\n".to_owned()),
            Just("title = \"T\"\n".to_owned()),
            Just("summary = \"S\"\n".to_owned()),
            Just("sources = [\"https://docs.aws.amazon.com/x\"]\n".to_owned()),
            Just("[[checklist]]\nid = \"i\"\n".to_owned()),
            Just("[[responsibility]]\nlayer = \"data\"\n".to_owned()),
            Just("owner = \"customr\"\n".to_owned()),
            Just("[[data#x]] [[nope]] [[#h]]\n".to_owned()),
            Just("## H\n".to_owned()),
            Just("\r\n".to_owned()),
            "[ -~]{0,12}",
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn loader_never_panics(parts in prop::collection::vec(piece(), 0..16), raw in prop::collection::vec(any::<u8>(), 0..64), folder in prop_oneof![Just("glossary"), Just("services"), Just("practices"), Just("model")]) {
            let text = parts.concat();
            let mut files = base_files();
            files.push(file(&format!("{folder}/fuzz.md"), &text));
            files.push(SourceFile {
                rel_path: "glossary/bytes.md".into(),
                display_path: "knowledge/glossary/bytes.md".into(),
                bytes: raw,
            });
            let mut diags = Diagnostics::new();
            let kb = load(files.clone(), &mut diags);
            let _ = crate::links::build(&kb, &mut diags);
            kb.check_global(&mut diags);
            for d in diags.iter() {
                let file = files.iter().find(|f| f.display_path == d.path);
                prop_assert!(file.is_some(), "diagnostic names an unknown file: {d}");
                let lines = file.map_or(0, |f| f.bytes.split(|b| *b == b'\n').count());
                prop_assert!(d.line < lines.max(1), "{d} is past the end of the file ({lines} lines)");
            }
        }
    }
}

fn item(id: &str, controls: &str) -> String {
    format!("[[checklist]]\nid = \"{id}\"\ntitle = \"T\"\nlayer = \"data\"\npillar = \"data-protection\"\nseverity = \"high\"\ncontrols = [{controls}]\nsource = \"https://docs.aws.amazon.com/s3/\"\nverified = 2026-12-06\n")
}

const LIST: &str = "[[control]]\nid = \"S3.1\"\ntitle = \"Block public access\"\nservice = \"s3\"\n\n[[control]]\nid = \"S3.2\"\ntitle = \"No public reads\"\nservice = \"s3\"\n\n[[control]]\nid = \"S3.3\"\ntitle = \"Old check\"\nservice = \"s3\"\nretired = true\n\n[[control]]\nid = \"App.1\"\ntitle = \"A service we do not document\"\nout_of_scope = \"no note for it\"\n\n[[control]]\nid = \"Mq.1\"\ntitle = \"A service we do not document either\"\n";

// Coverage counts each control of a catalog's list once: covered by the items that name it,
// retired, out of scope with its reason, or uncovered; per catalog and over the knowledge base's
// services.
#[test]
fn coverage_arithmetic() {
    let mut files = base_files();
    files.push(file("catalogs/fsbp.toml", LIST));
    files.push(file(
        "services/s3.md",
        &service(&format!(
            "{ROW}{}{}",
            item("s3-a", "\"fsbp:S3.1\""),
            item("s3-b", "\"fsbp:S3.1\", \"fsbp:S3.1\"")
        )),
    ));
    let mut diags = Diagnostics::new();
    let kb = load(files, &mut diags);
    assert!(diags.is_empty(), "{:?}", diags.sorted());
    let all = coverage::coverage(&kb, None);
    assert_eq!(all.len(), 1);
    let c = &all[0];
    let states: Vec<(&str, &str, Vec<&str>)> = c
        .controls
        .iter()
        .map(|k| {
            (
                k.id.as_str(),
                k.state.word(),
                k.items.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("S3.1", "covered", vec!["s3-a", "s3-b"]),
            ("S3.2", "uncovered", vec![]),
            ("S3.3", "retired", vec![]),
            ("App.1", "out-of-scope", vec![]),
            ("Mq.1", "uncovered", vec![]),
        ]
    );
    let t = c.totals;
    assert_eq!(
        (
            t.controls,
            t.covered,
            t.out_of_scope,
            t.retired,
            t.uncovered
        ),
        (5, 1, 1, 1, 2)
    );
    let s = c.in_knowledge_base;
    assert_eq!((s.controls, s.covered, s.uncovered), (3, 1, 1));
    assert!(coverage::coverage(&kb, Some("cis")).is_empty());
}

// With a list, an item may name only listed controls (a hint for a near miss) and a retired one
// is a warning; the list's own ids, duplicates and services are checked where they are written.
#[test]
fn catalog_lists_are_checked() {
    let got = diagnostics_of(vec![
        file(
            "catalogs/fsbp.toml",
            &format!("{LIST}\n[[control]]\nid = \"S3.1\"\ntitle = \"Again\"\n\n[[control]]\nid = \"bad id\"\ntitle = \"x\"\n\n[[control]]\nid = \"S3.9\"\ntitle = \"x\"\nservice = \"s4\"\n"),
        ),
        file("catalogs/nist.toml", "[[control]]\nid = \"AC-1\"\ntitle = \"x\"\n"),
        file(
            "services/s3.md",
            &service(&format!("{ROW}{}", item("s3-a", "\"fsbp:S3.22\", \"fsbp:S3.3\""))),
        ),
    ]);
    assert_eq!(
        got,
        [
            "knowledge/catalogs/fsbp.toml:27:6: error: control `S3.1` is listed twice; first at `knowledge/catalogs/fsbp.toml:2:6`",
            "knowledge/catalogs/fsbp.toml:31:6: error: control id `bad id` does not match the `fsbp` pattern `^[A-Za-z][A-Za-z0-9]*\\.[0-9]+$`",
            "knowledge/catalogs/fsbp.toml:37:11: error: `service`: no service note `s4`; did you mean `s3`?",
            "knowledge/catalogs/nist.toml:1:1: error: no catalog `nist` in vocabulary.toml for this list of controls; the file is named after one of `fsbp`",
            "knowledge/services/s3.md:19:13: error: unknown `fsbp` control `S3.22`: not in the catalog's list (`catalogs/fsbp.toml`); did you mean `S3.2`?",
            "knowledge/services/s3.md:19:27: warning: `fsbp:S3.3` is retired by its publisher; map the item to the control that replaced it, or drop the mapping",
        ]
    );
}
