use super::*;

fn stamp(text: &str) -> Stamp {
    Stamp::parse(text).unwrap_or_else(|| panic!("`{text}` should parse"))
}

fn ids(file: &ProgressFile) -> Vec<(&str, Option<&str>, Option<&str>)> {
    file.entries
        .iter()
        .map(|e| {
            (
                e.id.as_str(),
                e.tick
                    .as_ref()
                    .and_then(|t| t.at.as_ref())
                    .map(Stamp::as_str),
                e.tick.as_ref().and_then(|t| t.reviewer.as_deref()),
            )
        })
        .collect()
}

// Date-times as the page writes them, with offsets, without seconds, and plain dates, compare
// by the instant they name; anything else is refused.
#[test]
fn stamps() {
    assert_eq!(stamp("1970-01-01T00:00:00.000Z").millis, 0);
    assert_eq!(stamp("1970-01-02").millis, 86_400_000);
    assert_eq!(stamp("1970-01-01T01:00:00+01:00").millis, 0);
    assert_eq!(stamp("1970-01-01T00:00:00-0130").millis, 5_400_000);
    assert_eq!(stamp("1970-01-01T00:01Z").millis, 60_000);
    assert_eq!(stamp("1970-01-01T00:00:01.5Z").millis, 1_500);
    assert_eq!(stamp("1970-01-01T00:00:00.123456Z").millis, 123);
    assert_eq!(
        stamp(" 2026-12-06T18:55:40.123Z ").as_str(),
        "2026-12-06T18:55:40.123Z"
    );
    assert!(stamp("2026-12-06T10:00:00+02:00").millis < stamp("2026-12-06T09:00:00Z").millis);
    for bad in [
        "",
        "yesterday",
        "2026-13-01",
        "2026-02-30",
        "2026-12-06T25:00Z",
        "2026-12-06T10:00:00Zjunk",
        "2026-12-06T10:00:00.Z",
        "2026/12/06",
        "2026-12-06T10",
    ] {
        assert!(Stamp::parse(bad).is_none(), "`{bad}` parsed");
    }
}

const JSON: &str = r#"{
  "format": "whosecures-progress/1",
  "exported": "2026-12-06T10:00:00.000Z",
  "reviewer": "Ada",
  "items": [
    {"id": "a", "title": "A", "severity": "high", "controls": "", "team": "", "done": true, "ticked": "2026-12-01T09:00:00.000Z", "reviewer": "Ada"},
    {"id": "b", "title": "B", "done": false, "ticked": "", "reviewer": ""},
    {"id": "c", "done": true, "ticked": "2026-12-02T09:00:00.000Z", "reviewer": ""}
  ]
}"#;

// The page's JSON export: done items with their time and reviewer, the rest not done, each at
// the line of its id.
#[test]
fn reads_json() {
    let file = parse("p.json", JSON).expect("parses");
    assert_eq!(
        ids(&file),
        [
            ("a", Some("2026-12-01T09:00:00.000Z"), Some("Ada")),
            ("b", None, None),
            ("c", Some("2026-12-02T09:00:00.000Z"), None),
        ]
    );
    assert!(file.entries[1].tick.is_none());
    assert_eq!((file.entries[0].line, file.entries[0].column), (5, 11));
    assert_eq!(file.entries[2].line, 7);
}

// The page's CSV export, old columns first and the new ones at the end; the CSV of an export from
// before tick times were kept reads too (done, no time).
#[test]
fn reads_csv() {
    let csv = "id,title,severity,controls,done,team,ticked,reviewer\n\
               \"a\",\"A, quoted \"\"x\"\"\",\"high\",\"fsbp:S3.1\",\"true\",\"Data\",\"2026-12-01T09:00:00.000Z\",\"Ada\"\n\
               \"b\",\"B\",\"low\",\"\",\"false\",\"\",\"\",\"\"\n";
    let file = parse("p.csv", csv).expect("parses");
    assert_eq!(
        ids(&file),
        [
            ("a", Some("2026-12-01T09:00:00.000Z"), Some("Ada")),
            ("b", None, None)
        ]
    );
    assert_eq!((file.entries[1].line, file.entries[1].column), (2, 0));
    let old =
        "\u{feff}id,title,severity,controls,done\r\n\"a\",\"A\",\"high\",\"\",\"true\"\r\n\r\n";
    let file = parse("old.csv", old).expect("old export parses");
    assert_eq!(ids(&file), [("a", None, None)]);
    assert!(file.entries[0].tick.is_some());
}

// A malformed file is one error at the place it goes wrong, printed like a compiler's.
#[test]
fn malformed_files_are_located_errors() {
    let err = |path: &str, text: &str| parse(path, text).expect_err("malformed").to_string();
    assert_eq!(
        err("p.json", "{\n  \"format\": \"whosecures-progress/1\",\n  \"items\": [\n    {\"id\": \"a\", \"done\": \"yes\"}\n  ]\n}"),
        "p.json:4:29: error: invalid type: string \"yes\", expected a boolean"
    );
    assert_eq!(
        err("p.json", "{\"format\": \"whosecures-checklist/1\", \"items\": []}"),
        "p.json:1:35: error: `format` is `whosecures-checklist/1`, not `whosecures-progress/1`: not a progress file of the checklists page"
    );
    assert_eq!(
        err("p.json", "{\"format\": \"whosecures-progress/1\",\n \"items\": [{\"id\": \"a\", \"done\": true, \"ticked\": \"soon\"}]}"),
        "p.json:2:54: error: `ticked` is `soon`, not a date-time such as `2026-12-01T09:30:00Z`"
    );
    assert!(err("p.json", "{\"format\": \"whosecures-progress/1\"").starts_with("p.json:1:"));
    assert_eq!(
        err("p.csv", "id,done,ticked\na,true,2026-12-01\nb,maybe,\n"),
        "p.csv:3:3: error: `done` is `maybe`, not `true` or `false`"
    );
    assert_eq!(
        err("p.csv", "id,done,ticked\na,true,not a date\n"),
        "p.csv:2:8: error: `ticked` is `not a date`, not a date-time such as `2026-12-01T09:30:00Z`"
    );
    assert_eq!(
        err("p.csv", "id,done\na,true,extra\n"),
        "p.csv:2:1: error: a row has 3 fields where the header has 2"
    );
    assert_eq!(
        err("p.csv", "name,state\na,done\n"),
        "p.csv:1:1: error: not a progress file: JSON `whosecures-progress/1`, or CSV with the columns `id` and `done`, expected"
    );
    assert_eq!(
        err("p.csv", "id,done\n,true\n"),
        "p.csv:2:1: error: a row has an empty `id`"
    );
}

fn file(entries: &[(&str, Option<&str>, Option<&str>)]) -> ProgressFile {
    ProgressFile {
        path: "f".into(),
        entries: entries
            .iter()
            .map(|(id, at, reviewer)| Entry {
                id: (*id).into(),
                tick: at.map(|at| Tick {
                    at: (!at.is_empty()).then(|| stamp(at)),
                    reviewer: reviewer.map(Into::into),
                }),
                line: 0,
                column: 0,
            })
            .collect(),
    }
}

// Merging by id: a tick in the file is taken; a tick held stays when the file has the item not
// done; when both have it the later wins (the held one on a tie; a tick without a time loses).
#[test]
fn merge_keeps_the_later_tick() {
    let mut progress = Progress::default();
    let first = file(&[
        ("a", Some("2026-12-01T09:00:00Z"), Some("Ada")),
        ("b", Some("2026-12-05T09:00:00Z"), Some("Ada")),
        ("c", Some("2026-12-01T09:00:00Z"), None),
        ("d", Some(""), None),
    ]);
    assert_eq!(progress.merge(&first), Merged { taken: 4, kept: 0 });
    let second = file(&[
        ("a", Some("2026-12-02T09:00:00Z"), Some("Bo")),
        ("b", Some("2026-12-04T09:00:00Z"), Some("Bo")),
        ("c", None, None),
        ("d", Some("2026-12-03T09:00:00Z"), Some("Bo")),
        ("e", Some("2026-12-01T09:00:00+00:00"), None),
        ("f", None, None),
    ]);
    assert_eq!(progress.merge(&second), Merged { taken: 3, kept: 1 });
    fn who<'a>(progress: &'a Progress, id: &str) -> Option<(Option<&'a str>, Option<&'a str>)> {
        progress
            .get(id)
            .map(|t| (t.at.as_ref().map(Stamp::as_str), t.reviewer.as_deref()))
    }
    assert_eq!(
        who(&progress, "a"),
        Some((Some("2026-12-02T09:00:00Z"), Some("Bo")))
    );
    assert_eq!(
        who(&progress, "b"),
        Some((Some("2026-12-05T09:00:00Z"), Some("Ada")))
    );
    assert_eq!(
        who(&progress, "c"),
        Some((Some("2026-12-01T09:00:00Z"), None))
    );
    assert_eq!(
        who(&progress, "d"),
        Some((Some("2026-12-03T09:00:00Z"), Some("Bo")))
    );
    assert_eq!(
        who(&progress, "e"),
        Some((Some("2026-12-01T09:00:00+00:00"), None))
    );
    assert_eq!(who(&progress, "f"), None);
    // The same instant written another way is a tie: the held tick stays.
    let same = file(&[("e", Some("2026-12-01T10:00:00+01:00"), Some("Cy"))]);
    assert_eq!(progress.merge(&same), Merged { taken: 0, kept: 1 });
    assert_eq!(
        who(&progress, "e"),
        Some((Some("2026-12-01T09:00:00+00:00"), None))
    );
}

// Ids the knowledge base does not know are warnings at their place, naming them.
#[test]
fn unknown_ids_are_named() {
    let parsed = parse("p.json", JSON).expect("parses");
    let warnings: Vec<String> = parsed
        .unknown(|id| id == "a")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        warnings,
        [
            "p.json:7:12: warning: item `b` is not in this knowledge base; its row is left out",
            "p.json:8:12: warning: item `c` is not in this knowledge base; its tick is left out",
        ]
    );
}
