//! Checklists as evidence on the command line: `export --checklist --progress FILE` merges the
//! checklists page's progress exports (JSON or CSV) into the checklist export, naming unknown ids
//! and refusing a malformed file at its line.

use crate::{stderr, stdout, SiteTest};

/// `minimal` with the `evidence` fixture over it: three items, two progress files, a bad one.
fn site() -> SiteTest {
    let t = SiteTest::new("minimal");
    t.add("evidence");
    t
}

// Two progress files merge by id (the later tick wins), each item gets done, ticked and
// reviewer after the old columns, and each unknown id is a warning at its line.
#[test]
fn export_merges_progress_files() {
    let t = site();
    let args = [
        "export",
        "--checklist",
        "--progress",
        "progress.json",
        "--progress",
        "progress.csv",
        "-f",
        "csv",
    ];
    let out = t.ok(&args);
    assert_eq!(
        stderr(&out).lines().collect::<Vec<_>>(),
        [
            "progress.json:27:13: warning: item `gone-item` is not in this knowledge base; its tick is left out",
            "progress.csv:4:1: warning: item `old-item` is not in this knowledge base; its row is left out",
        ]
    );
    let text = stdout(&out);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id", "note", "title", "layer", "pillar", "severity", "controls", "verify", "source",
            "verified", "policy", "done", "ticked", "reviewer"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            vec![r[0].into(), r[11].into(), r[12].into(), r[13].into()]
        })
        .collect();
    let expect = |a: &str, b: &str, c: &str, d: &str| -> Vec<String> {
        [a, b, c, d].map(str::to_owned).to_vec()
    };
    assert_eq!(
        rows,
        [
            expect("gadget-patch", "false", "", ""),
            expect(
                "gadget-backup",
                "true",
                "2026-11-28T12:00:00.000Z",
                "Bo, QA"
            ),
            expect("widget-encrypt", "true", "2026-12-03T14:30:00.000Z", "Bo"),
        ]
    );

    // The files in the other order give the same ticks: the later one wins, not the last file.
    let reversed = t.ok(&[
        "export",
        "--checklist",
        "--progress",
        "progress.csv",
        "--progress",
        "progress.json",
        "-f",
        "csv",
    ]);
    assert_eq!(stdout(&reversed), text);

    // Without --progress there are no evidence columns (the policy column is always there).
    let plain = stdout(&t.ok(&["export", "--checklist", "-f", "csv"]));
    assert!(
        plain.starts_with(
            "id,note,title,layer,pillar,severity,controls,verify,source,verified,policy\n"
        ),
        "{plain}"
    );
}

// JSON items carry done, ticked and reviewer beside their fields; Markdown ticks the done items
// and says when and by whom; one note's checklist warns only of ids no note has.
#[test]
fn export_progress_json_and_markdown() {
    let t = site();
    let json: serde_json::Value = serde_json::from_str(&stdout(&t.ok(&[
        "export",
        "--checklist",
        "--progress",
        "progress.json",
    ])))
    .expect("JSON");
    assert_eq!(json["schema"], "whosecures-checklist/1");
    let items = json["items"].as_array().expect("items");
    let widget = items
        .iter()
        .find(|i| i["id"] == "widget-encrypt")
        .expect("widget-encrypt");
    assert_eq!(widget["done"], true);
    assert_eq!(widget["ticked"], "2026-12-01T09:00:00.000Z");
    assert_eq!(widget["reviewer"], "Ada");
    assert_eq!(widget["title"], "Encrypt every widget");
    let patch = items
        .iter()
        .find(|i| i["id"] == "gadget-patch")
        .expect("gadget-patch");
    assert_eq!(patch["done"], false);
    assert_eq!(patch["ticked"], "");

    let out = t.ok(&[
        "export",
        "--checklist",
        "widget",
        "--progress",
        "progress.csv",
        "-f",
        "markdown",
    ]);
    let md = stdout(&out);
    assert!(
        md.starts_with("- [x] **")
            && md
                .trim_end()
                .ends_with("`widget-encrypt` (ticked 2026-12-03T14:30:00.000Z by Bo)"),
        "{md}"
    );
    assert_eq!(md.lines().count(), 1, "{md}");
    // gadget-backup is known (another note's item): only old-item is warned about.
    let err = stderr(&out);
    assert!(
        err.contains("`old-item`") && !err.contains("gadget"),
        "{err}"
    );
}

// A malformed progress file is an error at its line and column, nothing is exported; a missing
// one names its path; --progress needs --checklist.
#[test]
fn malformed_progress_is_an_error() {
    let t = site();
    let out = t.run(&["export", "--checklist", "--progress", "bad.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        "bad.csv:3:49: error: `done` is `maybe`, not `true` or `false`"
    );
    assert_eq!(stdout(&out), "");

    std::fs::write(
        t.dir.join("checklist.json"),
        stdout(&t.ok(&["export", "--checklist"])),
    )
    .expect("write");
    let out = t.run(&["export", "--checklist", "--progress", "checklist.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("checklist.json:1:1: error: a `whosecures-checklist/1` document is not a progress file; export one from the checklists page (`whosecures-progress/1`)"),
        "{}",
        stderr(&out)
    );

    let out = t.run(&["export", "--checklist", "--progress", "missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));

    let out = t.run(&["export", "--progress", "progress.json"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The group headings and item ids of a built `attestation.html`, in page order.
fn attestation_groups(t: &SiteTest) -> Vec<(String, Vec<String>)> {
    let html = scraper::Html::parse_document(&t.read("site/attestation.html"));
    let section = scraper::Selector::parse("[data-attest-team]").expect("selector");
    let heading = scraper::Selector::parse("h2").expect("selector");
    let row = scraper::Selector::parse("[data-attest-item]").expect("selector");
    html.select(&section)
        .map(|s| {
            let name = s
                .select(&heading)
                .next()
                .and_then(|h| h.text().next())
                .unwrap_or_default()
                .trim()
                .to_owned();
            let ids = s
                .select(&row)
                .filter_map(|r| r.value().attr("data-id"))
                .map(str::to_owned)
                .collect();
            (name, ids)
        })
        .collect()
}

// attestation.html groups items by the `[org.teams]` team of their layer, "No team named" last;
// with no team named at all, by layer; the checklists page and the top bar link to it.
#[test]
fn attestation_groups_by_team_or_layer() {
    let t = site();
    t.ok(&["build"]);
    let owned = |name: &str, ids: &[&str]| {
        (
            name.to_owned(),
            ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        attestation_groups(&t),
        [
            owned("Data Platform", &["gadget-backup", "widget-encrypt"]),
            owned("No team named", &["gadget-patch"]),
        ]
    );
    let page = t.read("site/attestation.html");
    assert!(page.contains("<h1>Attestation: Acme</h1>"), "{page}");
    assert_eq!(page.matches("class=\"sign-off\"").count(), 2);
    assert!(t
        .read("site/checklists.html")
        .contains("href=\"attestation.html\""));
    assert!(t
        .read("site/services/gadget.html")
        .contains("href=\"../attestation.html\""));
    // The team travels with each item on the checklists page, for the exports.
    assert!(t
        .read("site/checklists.html")
        .contains("data-id=\"gadget-backup\" data-severity=\"low\""));
    assert!(t
        .read("site/checklists.html")
        .contains("data-team=\"Data Platform\""));

    let t = SiteTest::new("minimal");
    let t2 = SiteTest::new("evidence");
    std::fs::copy(
        t2.dir.join("knowledge/services/gadget.md"),
        t.dir.join("knowledge/services/gadget.md"),
    )
    .expect("copy gadget");
    t.ok(&["build", "--knowledge", "knowledge"]);
    assert_eq!(
        attestation_groups(&t),
        [
            owned("Guest operating system", &["gadget-patch"]),
            owned("Data", &["gadget-backup", "widget-encrypt"]),
        ]
    );
    assert!(!t.read("site/checklists.html").contains("data-team="));
}
