//! `Checks` against the checks it keeps: over a run of edits, what it reports is what the whole
//! checks report on the same knowledge base.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::config::OrgConfig;
use crate::kb::{NoteId, Update};

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
"#;

const LAYER: &str = "+++\ntitle = \"Data\"\nsummary = \"Your data.\"\ngroup = \"data\"\nsources = [\"https://aws.amazon.com/compliance/shared-responsibility-model/\"]\n+++\nBody.\n";
const PILLAR: &str = "+++\ntitle = \"Data protection\"\nsummary = \"Protect data.\"\nsources = [\"https://docs.aws.amazon.com/wellarchitected/\"]\n+++\n";

/// A practice note's text: its title, aliases and checklist item ids.
fn practice(title: &str, aliases: &[&str], items: &[&str]) -> String {
    let mut text = format!(
        "+++\ntitle = \"{title}\"\nsummary = \"s\"\nsources = [\"https://docs.aws.amazon.com/x\"]\naliases = {aliases:?}\n"
    );
    for id in items {
        text.push_str(&format!(
            "[[checklist]]\nid = \"{id}\"\ntitle = \"t\"\nlayer = \"data\"\npillar = \"data-protection\"\nseverity = \"high\"\nsource = \"https://docs.aws.amazon.com/x\"\n"
        ));
    }
    text + "+++\nBody.\n"
}

fn glossary(title: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nsummary = \"s\"\n+++\nBody.\n")
}

/// What the whole checks report on `kb`, as text.
fn full(kb: &KnowledgeBase, org: &OrgConfig) -> Vec<String> {
    let mut diags = Diagnostics::new();
    kb.check_global(&mut diags);
    diags.extend(check_plan_and_org(kb, org));
    diags.sorted().iter().map(ToString::to_string).collect()
}

// Edits that make and then undo each error the checks across notes find (a duplicate checklist
// id, an alias that is another note's title or alias, a note whose page is a section's page, a
// runbook for an item that goes) leave `Checks` reporting exactly what the whole checks do.
#[test]
fn kept_checks_report_what_the_whole_checks_report() {
    let org: OrgConfig =
        toml::from_str("[runbooks]\ni2 = \"https://runbooks.example/i2\"\n").expect("org");
    let p = practice;
    // Each step: (rel path, text) of every note; files not listed are gone.
    let steps: Vec<Vec<(&str, String)>> = vec![
        vec![
            ("practices/a.md", p("Alpha", &[], &["i1"])),
            ("practices/b.md", p("Beta", &[], &["i2"])),
            ("glossary/g.md", glossary("Gee")),
        ],
        // b takes a's item id; a new note c
        vec![
            ("practices/a.md", p("Alpha", &[], &["i1"])),
            ("practices/b.md", p("Beta", &[], &["i2", "i1"])),
            ("practices/c.md", p("Gamma", &["shared"], &[])),
            ("glossary/g.md", glossary("Gee")),
        ],
        // b's alias is a's title; d has c's alias; a glossary note takes the section's page
        vec![
            ("practices/a.md", p("Alpha", &[], &["i1"])),
            ("practices/b.md", p("Beta", &["ALPHA"], &["i2", "i1"])),
            ("practices/c.md", p("Gamma", &["shared"], &[])),
            ("practices/d.md", p("Delta", &["Shared"], &["i3"])),
            ("glossary/g.md", glossary("Gee")),
            ("glossary/index.md", glossary("Index")),
        ],
        // a moves before the others and takes i3 too; d's title becomes c's alias
        vec![
            ("practices/a.md", p("Aardvark", &[], &["i1", "i3"])),
            ("practices/b.md", p("Beta", &["ALPHA"], &["i2", "i1"])),
            ("practices/c.md", p("Gamma", &["shared"], &[])),
            ("practices/d.md", p("shared", &["Shared"], &["i3"])),
            ("glossary/g.md", glossary("Gee")),
            ("glossary/index.md", glossary("Index")),
        ],
        // the duplicate ids and the clashing page go, b (and its runbook's item) goes
        vec![
            ("practices/a.md", p("Aardvark", &[], &["i1"])),
            ("practices/c.md", p("Gamma", &["shared"], &[])),
            ("practices/d.md", p("shared", &["Shared"], &["i3"])),
            ("glossary/g.md", glossary("Gee")),
        ],
        // d goes: c's alias is free again; b comes back clean
        vec![
            ("practices/a.md", p("Aardvark", &[], &["i1"])),
            ("practices/b.md", p("Beta", &[], &["i2"])),
            ("practices/c.md", p("Gamma", &["shared"], &[])),
            ("glossary/g.md", glossary("Gee")),
        ],
    ];
    let base = || {
        vec![
            SourceFile::knowledge("vocabulary.toml", VOCAB),
            SourceFile::knowledge("layers/data.md", LAYER),
            SourceFile::knowledge("pillars/data-protection.md", PILLAR),
        ]
    };
    let mut files = base();
    files.extend(
        steps[0]
            .iter()
            .map(|(rel, text)| SourceFile::knowledge(rel, text)),
    );
    let mut kb = kb::load_notes(files, &mut Diagnostics::new());
    let mut checks = Checks::new(&kb);
    assert_eq!(
        checks.diagnostics(&kb, &org).sorted().len(),
        0,
        "step 0 is clean"
    );
    let mut before: BTreeMap<&str, &String> = steps[0].iter().map(|(r, t)| (*r, t)).collect();
    // The errors each step must show, so that the comparison is not of two empty lists.
    let expected = [
        vec![],
        vec!["duplicate checklist id `i1`"],
        vec![
            "is the title of another note",
            "is also an alias of `d`",
            "is taken",
        ],
        vec!["`i3`", "alias `shared` is the title of another note, `d`"],
        vec!["unknown checklist item `i2`", "alias `shared` is the title"],
        vec![],
    ];
    for (i, step) in steps.iter().enumerate().skip(1) {
        let now: BTreeMap<&str, &String> = step.iter().map(|(r, t)| (*r, t)).collect();
        let changed: Vec<SourceFile> = now
            .iter()
            .filter(|(rel, text)| before.get(*rel) != Some(*text))
            .map(|(rel, text)| SourceFile::knowledge(rel, text))
            .collect();
        let gone: Vec<&str> = before
            .keys()
            .filter(|rel| !now.contains_key(*rel))
            .copied()
            .collect();
        let ids: Vec<NoteId> = changed
            .iter()
            .map(|f| f.rel_path.as_str())
            .chain(gone.iter().copied())
            .map(|rel| {
                NoteId(
                    rel.rsplit('/')
                        .next()
                        .unwrap_or(rel)
                        .trim_end_matches(".md")
                        .into(),
                )
            })
            .collect();
        let olds: Vec<Arc<Note>> = ids
            .iter()
            .filter_map(|id| Some(Arc::clone(&kb.notes[kb.index_of(id)?])))
            .collect();
        let removed: Vec<String> = gone.iter().map(|rel| format!("knowledge/{rel}")).collect();
        kb = match kb.update(changed, &removed) {
            Update::Applied(kb, _) => *kb,
            Update::NeedsFullLoad => panic!("step {i}: no structural file changed"),
        };
        checks.update(&kb, &olds, &ids);
        let kept: Vec<String> = checks
            .diagnostics(&kb, &org)
            .sorted()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(kept, full(&kb, &org), "step {i}");
        for wanted in &expected[i] {
            assert!(
                kept.iter().any(|d| d.contains(wanted)),
                "step {i}: no `{wanted}` in {kept:#?}"
            );
        }
        before = now;
    }
}
