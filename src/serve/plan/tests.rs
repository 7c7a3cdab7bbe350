//! `plan::affected` table tests: which pages an edit to a glossary, service or layer note, or to
//! a checklist item, marks for rendering again.

use super::*;
use crate::diag::Diagnostics;
use crate::kb::{load, Update};
use crate::links;
use crate::render::NAV_FULL;
use crate::source::SourceFile;

const VOCAB: &str = "owners = []\nservice_models = []\nlayer_groups = []\nseverities = []\n";

fn file(rel: &str, text: &str) -> SourceFile {
    SourceFile::knowledge(rel, text)
}

fn term(id: &str, title: &str, body: &str) -> SourceFile {
    file(
        &format!("glossary/{id}.md"),
        &format!("+++\ntitle = \"{title}\"\nsummary = \"s\"\n+++\n{body}"),
    )
}

/// Loads a base, applies one changed file, and plans the rebuild for `id`.
#[track_caller]
fn plan_for(
    base: Vec<SourceFile>,
    changed: Option<SourceFile>,
    removed: &[&str],
    id: &str,
) -> Affected {
    let mut diags = Diagnostics::new();
    let kb = load(base, &mut diags);
    let graph = links::build(&kb, &mut diags);
    let id = NoteId(id.into());
    let before = before(&kb, &graph, &id);
    let removed: Vec<String> = removed.iter().map(|r| format!("knowledge/{r}")).collect();
    let changed: Vec<SourceFile> = changed.into_iter().collect();
    let Update::Applied(kb, _) = kb.update(changed, &removed) else {
        panic!("expected an incremental update");
    };
    let graph = links::update(&kb, graph, std::slice::from_ref(&id), &mut diags);
    affected(&kb, &graph, &OrgConfig::default(), &id, &before)
}

fn keys(ids: &[&str]) -> BTreeSet<PageKey> {
    ids.iter()
        .map(|id| PageKey::Note(NoteId((*id).into())))
        .collect()
}

fn base() -> Vec<SourceFile> {
    vec![
        file("vocabulary.toml", VOCAB),
        term("a", "A", "[[b]]\n"),
        term("b", "B", "## Keys\n"),
        term("c", "C", "[[b#keys]]\n"),
        term("d", "D", "nothing\n"),
    ]
}

// A body edit that keeps links and headings re-renders only the note itself.
#[test]
fn body_edit_touches_one_page() {
    let plan = plan_for(
        base(),
        Some(term("b", "B", "## Keys\nMore text.\n")),
        &[],
        "b",
    );
    assert_eq!(
        plan,
        Affected {
            all: false,
            pages: keys(&["b"]),
            alone: BTreeSet::new(),
            nav: false,
        }
    );
}

// A new link re-renders the new target (its backlinks list grows); a removed one, the old target.
#[test]
fn link_changes_touch_targets() {
    let plan = plan_for(base(), Some(term("a", "A", "[[d]]\n")), &[], "a");
    assert_eq!(plan.pages, keys(&["a", "b", "d"]));
}

// A renamed heading re-renders the pages that link to the note (their labels and anchors).
#[test]
fn heading_change_touches_linkers() {
    let plan = plan_for(base(), Some(term("b", "B", "## Locks\n")), &[], "b");
    assert_eq!(plan.pages, keys(&["a", "b", "c"]));
}

// A title change shows on the note's page, its previous and next pages, its linkers and its
// section's index; not in every sidebar (those list it in nav.js), so not on every page.
#[test]
fn title_change_in_small_section_is_bounded() {
    let plan = plan_for(base(), Some(term("c", "Cee", "[[b#keys]]\n")), &[], "c");
    assert!(!plan.all);
    let mut want = keys(&["b", "c", "d"]);
    want.insert(PageKey::Section(Kind::Glossary));
    assert_eq!(plan.pages, want);
    assert!(plan.nav, "a retitled note moves in nav.js");
}

// A note added or removed changes its section's count on the home page.
#[test]
fn added_or_removed_note_touches_home() {
    let plan = plan_for(base(), Some(term("e", "E", "")), &[], "e");
    assert!(!plan.all);
    assert!(plan.pages.contains(&PageKey::Home), "{plan:?}");
    let plan = plan_for(base(), None, &["glossary/d.md"], "d");
    assert!(plan.pages.contains(&PageKey::Home), "{plan:?}");
    let plan = plan_for(base(), Some(term("d", "Dee", "nothing\n")), &[], "d");
    assert!(!plan.pages.contains(&PageKey::Home), "{plan:?}");
}

// In a large section the same: the neighbours, linkers and the section index, no window.
#[test]
fn title_change_in_large_section_is_bounded() {
    let mut files = vec![file("vocabulary.toml", VOCAB)];
    for i in 0..200 {
        files.push(term(&format!("t{i:03}"), &format!("T{i:03}"), ""));
    }
    files.push(term("linker", "Zed", "[[t100]]\n"));
    let plan = plan_for(files, Some(term("t100", "T100 renamed", "")), &[], "t100");
    assert!(!plan.all);
    for id in ["linker", "t099", "t100", "t101"] {
        assert!(
            plan.pages.contains(&PageKey::Note(NoteId(id.into()))),
            "{id}"
        );
    }
    assert!(plan.pages.contains(&PageKey::Section(Kind::Glossary)));
    assert!(!plan.pages.contains(&PageKey::Note(NoteId("t098".into()))));
    assert!(plan.pages.len() < 10, "{}", plan.pages.len());
}

// A note's neighbours are itself and the notes before and after it; a layer's are every page.
#[test]
fn neighbours_small_and_missing() {
    let mut diags = Diagnostics::new();
    let kb = load(base(), &mut diags);
    let ids = |ids: &[&str]| Neighbours::Some(ids.iter().map(|i| NoteId((*i).into())).collect());
    assert_eq!(neighbours(&kb, &NoteId("a".into())), ids(&["a", "b"]));
    assert_eq!(neighbours(&kb, &NoteId("c".into())), ids(&["b", "c", "d"]));
    assert_eq!(neighbours(&kb, &NoteId("zz".into())), Neighbours::None);
    let kb = load(kb_of(3, 1), &mut diags);
    assert_eq!(neighbours(&kb, &NoteId("l001".into())), Neighbours::All);
}

/// More notes of a kind than a sidebar lists in full (`nav.js` shows a window of them), so the
/// plans are checked on a section of that size.
const MANY: usize = NAV_FULL + 10;

const FULL_VOCAB: &str = r#"
owners = [{ id = "provider", label = "Provider" }, { id = "customer", label = "Customer" }]
service_models = [{ id = "abstracted", label = "Abstracted" }]
layer_groups = [{ id = "data", label = "Data" }]
severities = [{ id = "high", label = "High" }]
"#;

const SOURCE: &str = "https://example.com/source";

fn layer(i: usize, title: &str, body: &str) -> SourceFile {
    file(
        &format!("layers/l{i:03}.md"),
        &format!(
            "+++\ntitle = \"{title}\"\nsummary = \"s\"\ngroup = \"data\"\norder = {i}\n\
             sources = [\"{SOURCE}\"]\n+++\n{body}"
        ),
    )
}

fn pillar(id: &str) -> SourceFile {
    file(
        &format!("pillars/{id}.md"),
        &format!("+++\ntitle = \"{id}\"\nsummary = \"s\"\nsources = [\"{SOURCE}\"]\n+++\n"),
    )
}

/// Service `s{i:03}` with a responsibility row for each of `layers` layers, the provider's and
/// noted "n" unless `row` says otherwise for one (layer index, owner, note), and checklist items
/// (title, layer index, pillar).
fn service(
    i: usize,
    layers: usize,
    row: Option<(usize, &str, &str)>,
    items: &[(&str, usize, &str)],
) -> SourceFile {
    let mut text = format!(
        "+++\ntitle = \"Service {i:03}\"\nsummary = \"s\"\nsources = [\"{SOURCE}\"]\n\
         provider = \"aws\"\ncategory = \"storage\"\nservice_model = \"abstracted\"\n"
    );
    for layer in 0..layers {
        let (owner, note) = match row {
            Some((at, owner, note)) if at == layer => (owner, note),
            _ => ("provider", "n"),
        };
        let duty = format!("[{{ duty = \"{note}\", source = \"{SOURCE}\" }}]");
        let duties = match owner {
            "provider" => format!("provider = {duty}\n"),
            "customer" => format!("customer = {duty}\n"),
            _ => format!("provider = {duty}\ncustomer = {duty}\n"),
        };
        text.push_str(&format!(
            "\n[[responsibility]]\nlayer = \"l{layer:03}\"\nnote = \"{note}\"\n\
             verified = 2026-12-06\n{duties}"
        ));
    }
    for (n, (title, layer, pillar)) in items.iter().enumerate() {
        text.push_str(&format!(
            "\n[[checklist]]\nid = \"s{i:03}-item-{n}\"\ntitle = \"{title}\"\n\
             layer = \"l{layer:03}\"\npillar = \"{pillar}\"\nseverity = \"high\"\n\
             source = \"{SOURCE}\"\nverified = 2026-12-06\n"
        ));
    }
    file(
        &format!("services/s{i:03}.md"),
        &format!("{text}+++\nBody.\n"),
    )
}

/// `layers` layers, `services` services (each with a row per layer), pillars `protect` and
/// `detect`; service 50, when there is one, has a checklist item on layer 1 in `protect`.
/// Checked free of errors, so no note is left out.
#[track_caller]
fn kb_of(layers: usize, services: usize) -> Vec<SourceFile> {
    let mut files = vec![
        file("vocabulary.toml", FULL_VOCAB),
        pillar("protect"),
        pillar("detect"),
    ];
    files.extend((0..layers).map(|i| layer(i, &format!("Layer {i:03}"), "")));
    for i in 0..services {
        let items: &[(&str, usize, &str)] = if i == 50 {
            &[("Encrypt", 1, "protect")]
        } else {
            &[]
        };
        files.push(service(i, layers, None, items));
    }
    let mut diags = Diagnostics::new();
    let kb = load(files.clone(), &mut diags);
    links::build(&kb, &mut diags);
    kb.check_global(&mut diags);
    let errors: Vec<String> = diags
        .sorted()
        .iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    files
}

/// Like `plan_for` with one changed file, but as the preview plans it: a structural file (a
/// layer, pillar or security service, see `kb::update`) makes it load everything again, and
/// then it renders every page.
#[track_caller]
fn preview_plan(base: Vec<SourceFile>, changed: SourceFile, id: &str) -> Affected {
    let mut diags = Diagnostics::new();
    let kb = load(base, &mut diags);
    let graph = links::build(&kb, &mut diags);
    let id = NoteId(id.into());
    let before = before(&kb, &graph, &id);
    match kb.update(vec![changed], &[]) {
        Update::Applied(kb, _) => {
            let graph = links::update(&kb, graph, std::slice::from_ref(&id), &mut diags);
            affected(&kb, &graph, &OrgConfig::default(), &id, &before)
        }
        Update::NeedsFullLoad => Affected::everything(),
    }
}

fn note(id: &str) -> PageKey {
    PageKey::Note(NoteId(id.into()))
}

// Service-row, layer and checklist-item edits plan the pages that show them (a layer: every page).
#[test]
fn service_layer_and_checklist_edits() {
    // In a knowledge base whose edited section is too large for full sidebars, each plan names
    // the pages that show what changed (`must`) and leaves alone pages that show nothing of it
    // (`must_not`); no pages named means every page.
    let many_services = || kb_of(3, MANY);
    let many_layers = || kb_of(MANY, 1);
    type Case = (
        &'static str,
        Vec<SourceFile>,
        SourceFile,
        &'static str,
        Vec<PageKey>,
        Vec<PageKey>,
    );
    let cases: Vec<Case> =
        vec![
        (
            "a service's row changes owner: the layer pages, the matrix and the home page",
            many_services(),
            service(40, 3, Some((1, "customer", "n")), &[]),
            "s040",
            vec![
                note("s040"),
                note("s039"),
                note("s041"),
                note("l001"),
                PageKey::Matrix,
                PageKey::Home,
                PageKey::Section(Kind::Service),
            ],
            vec![
                note("s000"),
                PageKey::Checklists,
                PageKey::Controls,
                note("protect"),
            ],
        ),
        (
            "a service's row note changes: the layer page that shows the cell, the matrix",
            many_services(),
            service(40, 3, Some((2, "provider", "Patched for you.")), &[]),
            "s040",
            vec![note("s040"), note("l002"), PageKey::Matrix],
            vec![note("s000"), PageKey::Checklists, note("detect")],
        ),
        (
            "a row of a service with a checklist item changes, the item not: not the pages that \
             list items (checklists, controls, attestation, the item's pillar)",
            many_services(),
            service(50, 3, Some((2, "customer", "n")), &[("Encrypt", 1, "protect")]),
            "s050",
            vec![note("s050"), note("l002"), PageKey::Matrix],
            vec![
                PageKey::Checklists,
                PageKey::Controls,
                PageKey::Attestation,
                note("protect"),
            ],
        ),
        (
            "a layer is retitled: every page (layers are structural: the preview loads all again)",
            many_layers(),
            layer(45, "Layer 45 renamed", ""),
            "l045",
            Vec::new(),
            Vec::new(),
        ),
        (
            "a layer's body changes: every page, as for any layer edit",
            many_layers(),
            layer(45, "Layer 045", "More about this layer.\n"),
            "l045",
            Vec::new(),
            Vec::new(),
        ),
        (
            "a checklist item is retitled: the pages that gather items",
            many_services(),
            service(50, 3, None, &[("Encrypt at rest", 1, "protect")]),
            "s050",
            vec![
                note("s050"),
                PageKey::Checklists,
                PageKey::Controls,
                note("l001"),
                note("protect"),
            ],
            vec![note("detect"), note("s000")],
        ),
        (
            "a checklist item moves to another pillar: the old and the new pillar's pages",
            many_services(),
            service(50, 3, None, &[("Encrypt", 1, "detect")]),
            "s050",
            vec![
                note("s050"),
                PageKey::Checklists,
                PageKey::Controls,
                note("protect"),
                note("detect"),
            ],
            vec![note("s000")],
        ),
        (
            "a checklist item is added to a service that had none",
            many_services(),
            service(60, 3, None, &[("Log access", 2, "detect")]),
            "s060",
            vec![
                note("s060"),
                PageKey::Checklists,
                PageKey::Controls,
                note("l002"),
                note("detect"),
            ],
            vec![note("protect"), note("s000")],
        ),
    ];
    for (what, base, changed, id, must, must_not) in cases {
        let plan = preview_plan(base, changed, id);
        assert_eq!(plan.all, must.is_empty(), "{what}: {plan:?}");
        // No case retitles a service or item's note: nav.js lists the same, unless every page.
        assert_eq!(plan.nav, plan.all, "{what}: nav.js");
        // A page planned alone (without its parts) is planned too.
        let planned = |key: &PageKey| plan.pages.contains(key) || plan.alone.contains(key);
        for key in &must {
            assert!(planned(key), "{what}: {key:?} missing");
        }
        for key in &must_not {
            assert!(!planned(key), "{what}: {key:?} planned");
        }
    }
}

// A retitled note is shown by the checklist items whose detail links to it: every page listing
// them is planned (without such a link, none of them is).
#[test]
fn retitled_note_linked_from_an_item_detail() {
    let edit = |file: SourceFile, from: &str, to: &str| {
        let text = String::from_utf8(file.bytes)
            .expect("utf-8")
            .replacen(from, to, 1);
        SourceFile::knowledge(&file.rel_path, &text)
    };
    let retitled = edit(
        service(70, 3, None, &[]),
        "title = \"Service 070\"",
        "title = \"Renamed\"",
    );
    let plain = kb_of(3, MANY);
    let linked: Vec<SourceFile> = plain
        .iter()
        .cloned()
        .map(|f| match f.rel_path.as_str() {
            "services/s050.md" => edit(
                f,
                "title = \"Encrypt\"\n",
                "title = \"Encrypt\"\ndetail = \"See [[s070]].\"\n",
            ),
            _ => f,
        })
        .collect();
    let gathering = [
        note("s050"),
        PageKey::Checklists,
        PageKey::Controls,
        note("protect"),
        note("l001"),
    ];
    let plan = preview_plan(linked, retitled.clone(), "s070");
    assert!(!plan.all, "{plan:?}");
    for key in &gathering {
        assert!(plan.pages.contains(key), "{key:?} missing: {plan:?}");
    }
    // (A retitled service re-renders the layer pages anyway.)
    let plan = preview_plan(plain, retitled, "s070");
    assert!(!plan.all, "{plan:?}");
    for key in &gathering[1..4] {
        assert!(!plan.pages.contains(key), "{key:?} planned: {plan:?}");
    }
}

// A layer whose rows are split in parts: a service edit that keeps its places plans the layer's
// page alone and the one part showing the service's row, not the others; a retitled service
// (part labels and order may move) plans the layer whole.
#[test]
fn service_edit_plans_the_part_showing_it() {
    let services = crate::render::paging::NOTE_ROWS + 20;
    let base = || kb_of(3, services);
    let part = |slug: &str| PageKey::NotePart {
        id: NoteId("l002".into()),
        slug: slug.into(),
    };
    let plan = preview_plan(
        base(),
        service(40, 3, Some((2, "provider", "Patched for you.")), &[]),
        "s040",
    );
    assert!(!plan.all, "{plan:?}");
    assert!(plan.pages.contains(&part("services-1")), "{plan:?}");
    assert!(!plan.pages.contains(&part("services-2")), "{plan:?}");
    assert!(!plan.pages.contains(&note("l002")), "{plan:?}");
    assert!(plan.alone.contains(&note("l002")), "{plan:?}");
    // The last service's row is on the last part.
    let last = services - 1;
    let plan = preview_plan(
        base(),
        service(last, 3, Some((2, "customer", "n")), &[]),
        &format!("s{last:03}"),
    );
    assert!(plan.pages.contains(&part("services-2")), "{plan:?}");
    assert!(!plan.pages.contains(&part("services-1")), "{plan:?}");

    let retitled = String::from_utf8(service(40, 3, None, &[]).bytes)
        .expect("utf-8")
        .replacen("title = \"Service 040\"", "title = \"Renamed\"", 1);
    let plan = preview_plan(
        base(),
        SourceFile::knowledge("services/s040.md", &retitled),
        "s040",
    );
    assert!(plan.pages.contains(&note("l002")), "{plan:?}");
    assert!(plan.alone.is_empty(), "{plan:?}");
}

/// The number of a service `kb_of` wrote (`services/s042.md` is 42), none for other files.
fn service_number(file: &SourceFile) -> Option<usize> {
    (file.rel_path.strip_prefix("services/s"))
        .and_then(|rest| rest.strip_suffix(".md"))
        .and_then(|n| n.parse().ok())
}

// `paging::rows_showing` finds from the knowledge base's rows by layer the parts a layer at a
// time finds (`note_parts` and the service's place among those with a row there), with
// services that have no row in some layers.
#[test]
fn rows_showing_matches_each_layers_parts() {
    use crate::render::paging::{note_parts, rows_showing, NOTE_ROWS};
    let count = NOTE_ROWS * 2 + 7;
    let files: Vec<SourceFile> = kb_of(3, count)
        .into_iter()
        .map(|f| match service_number(&f) {
            Some(i) if i % 3 == 0 => service(i, 2, None, &[]),
            _ => f,
        })
        .collect();
    let mut diags = Diagnostics::new();
    let kb = load(files, &mut diags);
    let mut checked = 0;
    for i in [0, 1, 2, 250, 251, 300, 505, count - 1] {
        let note = kb.get(&NoteId(format!("s{i:03}"))).expect("service");
        let mut want = BTreeSet::new();
        for layer in kb.of_kind(Kind::Layer) {
            let parts = note_parts(&kb, layer).rows;
            let at = (kb.services())
                .filter(|(_, t)| t.row(&layer.id).is_some())
                .position(|(n, _)| n.id == note.id);
            if let Some(part) = at.and_then(|at| parts.iter().find(|p| p.range.contains(&at))) {
                want.insert(PageKey::NotePart {
                    id: layer.id.clone(),
                    slug: part.slug.clone(),
                });
            }
        }
        let got: BTreeSet<PageKey> = rows_showing(&kb, note).into_iter().collect();
        assert_eq!(got, want, "s{i:03}");
        checked += want.len();
    }
    assert!(checked > 16, "too few parts checked: {checked}");
}

// The matrix's part showing a service, found from how many services there are, is the part of
// the matrix (cut with the services' titles for its labels) that holds the service's row.
#[test]
fn matrix_showing_matches_its_parts() {
    use crate::render::paging::MATRIX_ROWS;
    let count = MATRIX_ROWS * 3 + 7;
    let kb = load(kb_of(3, count), &mut Diagnostics::new());
    let org = OrgConfig::default();
    let parts = Gathering::Matrix.parts(&kb, &org);
    assert!(parts.len() >= 3, "{parts:?}");
    let mut seen = BTreeSet::new();
    for (at, (note, _)) in kb.services().enumerate() {
        let want: Vec<String> = (parts.iter())
            .filter(|p| p.range.contains(&at))
            .map(|p| p.slug.clone())
            .collect();
        assert_eq!(
            Gathering::Matrix.showing(&kb, &org, note),
            want,
            "{}",
            note.id
        );
        seen.extend(want);
    }
    assert_eq!(seen.len(), parts.len(), "every part holds a service");
}

// `paging::items_showing` finds in one pass over the items the parts each layer's and pillar's
// page finds alone (`note_parts` and the note's items' places among those it gathers).
#[test]
fn items_showing_matches_each_pages_parts() {
    use crate::render::paging::{gathered_items, items_showing, note_parts, NOTE_ITEMS};
    let count = NOTE_ITEMS + 40;
    let files: Vec<SourceFile> = kb_of(3, count)
        .into_iter()
        .map(|f| match service_number(&f) {
            // Two items in layer 1, in the two pillars, and one in layer 2 on every other
            // service: layer 1's list and the pillars' are split.
            Some(i) if i % 2 == 0 => service(
                i,
                3,
                None,
                &[("A", 1, "protect"), ("B", 1, "detect"), ("C", 2, "protect")],
            ),
            Some(i) => service(i, 3, None, &[("A", 1, "detect")]),
            None => f,
        })
        .collect();
    let mut diags = Diagnostics::new();
    let kb = load(files, &mut diags);
    let mut checked = 0;
    for i in [0, 1, 2, 150, 151, 298, count - 2, count - 1] {
        let note = kb.get(&NoteId(format!("s{i:03}"))).expect("service");
        let mut want = BTreeSet::new();
        for owner in kb.of_kind(Kind::Layer).chain(kb.of_kind(Kind::Pillar)) {
            let parts = note_parts(&kb, owner).items;
            for (at, _) in gathered_items(&kb, owner)
                .enumerate()
                .filter(|(_, item)| item.note == note.id)
            {
                if let Some(part) = parts.iter().find(|p| p.range.contains(&at)) {
                    want.insert(PageKey::NotePart {
                        id: owner.id.clone(),
                        slug: part.slug.clone(),
                    });
                }
            }
        }
        let got: BTreeSet<PageKey> = items_showing(&kb, note).into_iter().collect();
        assert_eq!(got, want, "s{i:03}");
        checked += want.len();
    }
    assert!(checked > 12, "too few parts checked: {checked}");
}
