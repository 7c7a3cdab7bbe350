//! `whosecures export`: the knowledge base, one service's responsibility table, or checklists, as
//! JSON (the `kb.json` schema, or `whosecures-checklist/1`), CSV for spreadsheets, or Markdown.
//! Pure: returns the text; the binary writes it. The `csv` crate does the quoting and lives here only.

use serde::Serialize;

use crate::kb::{ChecklistItem, Duty, KnowledgeBase, Note, Responsibility, Vocabulary};
use crate::links::LinkGraph;
use crate::progress::{Progress, Tick};
use crate::site::{export_assembled, SCHEMA};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON with a versioned schema (documented in docs/kb-json.md).
    Json,
    /// CSV, one row per table row.
    Csv,
    /// Markdown tables and task lists.
    Markdown,
}

/// What to export.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// Every service's table (CSV/Markdown) or the whole knowledge base (JSON).
    All,
    /// One service's responsibility table.
    Service(&'a Note),
    /// Checklist items: of one note, or all when `None`; optionally only those mapped to a control
    /// (`catalog:id`, as `resolve_control` gives it); with progress read from the checklists
    /// page's exports, each item's `done`, `ticked` and `reviewer` too.
    Checklist(Option<&'a Note>, Option<&'a str>, Option<&'a Progress>),
    /// Every catalog's coverage by the checklists (`kb::coverage`), or one catalog's.
    Coverage(Option<&'a str>),
}

/// Schema id of coverage exports.
pub const COVERAGE_SCHEMA: &str = "whosecures-coverage/1";

/// The `catalog:id` a `--control` names: written whole (`fsbp:S3.1`), or a plain id (`S3.1`) that
/// exactly one catalog has, as the checklists page's filter takes it. An id no catalog knows is
/// an error with a hint.
pub fn resolve_control(kb: &KnowledgeBase, written: &str) -> Result<String, String> {
    // Every `catalog:id` there is: a catalog's list, or (without one) the ids items use.
    let mut every: Vec<String> = Vec::new();
    for c in &kb.catalogs {
        match &c.controls {
            Some(list) => every.extend(list.iter().map(|k| format!("{}:{}", c.catalog.id, k.id))),
            None => every.extend(
                kb.checklist_items()
                    .flat_map(|i| i.controls.iter())
                    .filter(|k| k.catalog == c.catalog.id)
                    .map(ToString::to_string),
            ),
        }
    }
    every.sort();
    every.dedup();
    if written.contains(':') {
        if every.binary_search_by(|k| k.as_str().cmp(written)).is_ok() {
            return Ok(written.to_owned());
        }
    } else {
        let matches: Vec<&String> = every
            .iter()
            .filter(|k| {
                k.split_once(':')
                    .is_some_and(|(_, id)| id.eq_ignore_ascii_case(written))
            })
            .collect();
        match matches.as_slice() {
            [one] => return Ok((*one).clone()),
            [] => {}
            many => {
                let names: Vec<String> = many.iter().map(|k| format!("`{k}`")).collect();
                return Err(format!(
                    "control `{written}` is in several catalogs ({}); write it `catalog:id`",
                    names.join(", ")
                ));
            }
        }
    }
    // A plain id is compared with the plain ids, a `catalog:id` with the whole keys.
    let plain = |k: &String| k.split_once(':').map_or(k.clone(), |(_, id)| id.to_owned());
    let hint = if written.contains(':') {
        crate::diag::suggest(written, every.iter().map(String::as_str)).map(str::to_owned)
    } else {
        let ids: Vec<String> = every.iter().map(plain).collect();
        crate::diag::suggest(written, ids.iter().map(String::as_str))
            .and_then(|id| every.iter().find(|k| plain(k) == id).cloned())
    }
    .map(|s| format!("; did you mean `{s}`?"))
    .unwrap_or_default();
    Err(format!(
        "unknown control `{written}`: no catalog has it (write `catalog:id`, e.g. `fsbp:S3.1`, or a plain id such as `S3.1`){hint}"
    ))
}

/// Schema id of checklist exports.
pub const CHECKLIST_SCHEMA: &str = "whosecures-checklist/1";

/// The export as text.
pub fn export(
    kb: &KnowledgeBase,
    graph: &LinkGraph,
    selection: Selection,
    format: Format,
) -> String {
    match (selection, format) {
        (Selection::All, Format::Json) => {
            export_assembled(kb, graph, kb.notes.iter().map(|n| &**n))
        }
        (Selection::Service(note), Format::Json) => export_assembled(kb, graph, [note].into_iter()),
        (Selection::All, _) => {
            let services: Vec<&Note> = kb.services().map(|(n, _)| n).collect();
            tables(kb, &services, format)
        }
        (Selection::Service(note), _) => tables(kb, &[note], format),
        (Selection::Checklist(note, control, progress), format) => {
            let items: Vec<&ChecklistItem> = match note {
                Some(note) => note.checklist().iter().collect(),
                None => kb.checklist_items().collect(),
            };
            let items: Vec<&ChecklistItem> = items
                .into_iter()
                .filter(|i| control.is_none_or(|c| i.controls.iter().any(|k| k.to_string() == c)))
                .collect();
            checklist(kb, &items, progress, format)
        }
        (Selection::Coverage(only), format) => {
            coverage(&crate::kb::coverage::coverage(kb, only), format)
        }
    }
}

/// The `whosecures-coverage/1` document.
#[derive(Serialize)]
struct CoverageExport<'a> {
    schema: &'static str,
    catalogs: &'a [crate::kb::coverage::CatalogCoverage],
}

fn coverage(catalogs: &[crate::kb::coverage::CatalogCoverage], format: Format) -> String {
    match format {
        Format::Json => {
            serde_json::to_string_pretty(&CoverageExport {
                schema: COVERAGE_SCHEMA,
                catalogs,
            })
            .unwrap_or_default()
                + "\n"
        }
        Format::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let _ = out.write_record([
                "catalog", "control", "title", "service", "state", "items", "reason", "group",
                "via",
            ]);
            for c in catalogs {
                for k in &c.controls {
                    let _ = out.write_record([
                        c.catalog.as_str(),
                        &k.id,
                        &k.title,
                        k.service.as_deref().unwrap_or(""),
                        k.state.word(),
                        &k.items.join(" "),
                        k.reason.as_deref().unwrap_or(""),
                        k.group.as_deref().unwrap_or(""),
                        &k.via.join(" "),
                    ]);
                }
            }
            String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
        }
        Format::Markdown => {
            let mut out = String::new();
            for c in catalogs {
                let t = &c.totals;
                out.push_str(&format!(
                    "## {}\n\n{} of {} controls covered, {} out of scope, {} retired, {} uncovered.\n\n| control | title | service | state | items |\n| --- | --- | --- | --- | --- |\n",
                    md(&c.title),
                    t.covered,
                    t.controls,
                    t.out_of_scope,
                    t.retired,
                    t.uncovered
                ));
                for k in &c.controls {
                    out.push_str(&format!(
                        "| `{}` | {} | {} | {} | {} |\n",
                        k.id,
                        md(&k.title),
                        k.service.as_deref().unwrap_or(""),
                        k.state.word(),
                        md(&k.items.join(", "))
                            + &if k.via.is_empty() {
                                String::new()
                            } else {
                                format!(" (through {})", md(&k.via.join(", ")))
                            }
                    ));
                }
                out.push('\n');
            }
            out
        }
    }
}

fn tables(kb: &KnowledgeBase, services: &[&Note], format: Format) -> String {
    let owner = |id: &str| Vocabulary::label(&kb.vocab.owners, id).to_owned();
    let layer = |id: &str| {
        kb.get_str(id)
            .map_or_else(|| id.to_owned(), |l| l.title.clone())
    };
    let variants = |row: &Responsibility| -> String {
        row.variants
            .iter()
            .map(|v| {
                let note = v
                    .note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                format!("{}: {}{note}", v.when, owner(&v.owner))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    // One party's duties in one cell: `duty (source); duty (source)`.
    let duties = |list: &[Duty]| -> String {
        list.iter()
            .map(|d| format!("{} ({})", d.duty, d.source))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match format {
        Format::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let _ = out.write_record([
                "service",
                "service_title",
                "layer",
                "layer_title",
                "owner",
                "note",
                "provider_duties",
                "customer_duties",
                "variants",
                "source",
                "verified",
                "policy",
            ]);
            for service in services {
                for row in service.responsibility() {
                    let _ = out.write_record([
                        service.id.as_str(),
                        &service.title,
                        row.layer.as_str(),
                        &layer(row.layer.as_str()),
                        &row.owner,
                        &row.note,
                        &duties(&row.duties.provider),
                        &duties(&row.duties.customer),
                        &variants(row),
                        &row.source,
                        &row.verified.to_string(),
                        &policy_text(kb.row_policies(&service.id.0, row.layer.as_str())),
                    ]);
                }
            }
            String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
        }
        _ => {
            let mut out = String::new();
            for service in services {
                out.push_str(&format!(
                    "## {}\n\n{}\n\n",
                    md(&service.title),
                    md(&service.summary)
                ));
                out.push_str(
                    "| Layer | Owner | Provider does | Customer does | Verified |\n| --- | --- | --- | --- | --- |\n",
                );
                // One party's duties in one Markdown cell, each linked to its source.
                let cell = |list: &[Duty]| -> String {
                    if list.is_empty() {
                        return "—".to_owned();
                    }
                    list.iter()
                        .map(|d| format!("{} ([source](<{}>))", md(&d.duty), d.source))
                        .collect::<Vec<_>>()
                        .join("<br>")
                };
                for row in service.responsibility() {
                    let mut owner_cell = owner(&row.owner);
                    if !row.variants.is_empty() {
                        owner_cell.push_str(&format!(" ({})", md(&variants(row))));
                    }
                    let (provider, customer) =
                        if row.duties.provider.is_empty() && row.duties.customer.is_empty() {
                            (
                                format!("{} ([source](<{}>))", md(&row.note), row.source),
                                "—".into(),
                            )
                        } else {
                            (cell(&row.duties.provider), cell(&row.duties.customer))
                        };
                    out.push_str(&format!(
                        "| {} | {owner_cell} | {provider} | {customer} | {} |\n",
                        md(&layer(row.layer.as_str())),
                        row.verified
                    ));
                }
                let mut ours = String::new();
                for row in service.responsibility() {
                    let text = policy_text(kb.row_policies(&service.id.0, row.layer.as_str()));
                    if !text.is_empty() {
                        ours.push_str(&format!(
                            "- {}: {}\n",
                            md(&layer(row.layer.as_str())),
                            md(&text)
                        ));
                    }
                }
                if !ours.is_empty() {
                    out.push_str(&format!(
                        "\nOur policy, beside the provider's baseline:\n\n{ours}"
                    ));
                }
                out.push('\n');
            }
            out
        }
    }
}

#[derive(Serialize)]
struct ChecklistExport<'a> {
    schema: &'static str,
    kb_schema: &'static str,
    items: Vec<ItemExport<'a>>,
    /// The organisation's policies attached to these items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    policies: Vec<&'a crate::kb::policy::Policy>,
}

/// An item of the JSON export; with progress, its evidence after its fields.
#[derive(Serialize)]
struct ItemExport<'a> {
    #[serde(flatten)]
    item: &'a ChecklistItem,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence<'a>>,
}

/// Whether an item is done, when it was ticked and by whom (empty when not known).
#[derive(Serialize)]
struct Evidence<'a> {
    done: bool,
    ticked: &'a str,
    reviewer: &'a str,
}

impl<'a> Evidence<'a> {
    fn of(tick: Option<&'a Tick>) -> Self {
        Evidence {
            done: tick.is_some(),
            ticked: tick.and_then(|t| t.at.as_ref()).map_or("", |s| s.as_str()),
            reviewer: tick.and_then(|t| t.reviewer.as_deref()).unwrap_or(""),
        }
    }
}

fn checklist(
    kb: &KnowledgeBase,
    items: &[&ChecklistItem],
    progress: Option<&Progress>,
    format: Format,
) -> String {
    let evidence = |i: &ChecklistItem| progress.map(|p| Evidence::of(p.get(&i.id)));
    let controls = |i: &ChecklistItem| {
        i.controls
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    match format {
        Format::Json => {
            serde_json::to_string_pretty(&ChecklistExport {
                schema: CHECKLIST_SCHEMA,
                kb_schema: SCHEMA,
                items: items
                    .iter()
                    .map(|i| ItemExport {
                        item: i,
                        evidence: evidence(i),
                    })
                    .collect(),
                policies: items.iter().flat_map(|i| kb.item_policies(&i.id)).collect(),
            })
            .unwrap_or_default()
                + "\n"
        }
        Format::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let mut header = vec![
                "id", "note", "title", "layer", "pillar", "severity", "controls", "verify",
                "source", "verified", "policy",
            ];
            if progress.is_some() {
                header.extend(["done", "ticked", "reviewer"]);
            }
            let _ = out.write_record(&header);
            for i in items {
                let (controls, verified) = (controls(i), i.verified.to_string());
                let policy = policy_text(kb.item_policies(&i.id));
                let mut row = vec![
                    i.id.as_str(),
                    i.note.as_str(),
                    &i.title,
                    i.layer.as_str(),
                    i.pillar.as_str(),
                    &i.severity,
                    &controls,
                    i.verify.as_deref().unwrap_or(""),
                    &i.source,
                    &verified,
                    &policy,
                ];
                let evidence = evidence(i);
                if let Some(e) = &evidence {
                    row.extend([if e.done { "true" } else { "false" }, e.ticked, e.reviewer]);
                }
                let _ = out.write_record(&row);
            }
            String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
        }
        Format::Markdown => {
            let mut out = String::new();
            for i in items {
                let severity = Vocabulary::label(&kb.vocab.severities, &i.severity);
                let ids = controls(i);
                let ids = if ids.is_empty() {
                    String::new()
                } else {
                    format!(" ({ids})")
                };
                let (mark, by) = match evidence(i) {
                    Some(e) if e.done => {
                        let when = if e.ticked.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", e.ticked)
                        };
                        let who = if e.reviewer.is_empty() {
                            String::new()
                        } else {
                            format!(" by {}", md(e.reviewer))
                        };
                        let by = if when.is_empty() && who.is_empty() {
                            String::new()
                        } else {
                            format!(" (ticked{when}{who})")
                        };
                        ("x", by)
                    }
                    _ => (" ", String::new()),
                };
                out.push_str(&format!(
                    "- [{mark}] **{severity}** {}{ids} `{}`{by}\n",
                    md(&i.title),
                    i.id
                ));
                let ours = policy_text(kb.item_policies(&i.id));
                if !ours.is_empty() {
                    out.push_str(&format!("  - Our policy: {}\n", md(&ours)));
                }
            }
            out
        }
    }
}

/// The organisation's policies in one cell: `policy (owner: X; reviewed 2026-11-30; URL)`, several
/// joined by ` | `; empty when there are none.
fn policy_text<'a>(policies: impl Iterator<Item = &'a crate::kb::policy::Policy>) -> String {
    policies
        .map(|p| format!("{} ({})", p.policy, p.about()))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Text safe inside a Markdown table cell.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    // CSV quotes commas and quotes; Markdown escapes pipes; JSON keeps the kb.json schema.
    #[test]
    fn formats() {
        let (kb, graph) = crate::testing::embedded_kb();
        let (kb, graph) = (&kb, &graph);
        let s3 = kb.get_str("s3").expect("s3");
        let csv_text = export(kb, graph, Selection::Service(s3), Format::Csv);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map_while(Result::ok).collect();
        assert_eq!(records.len(), s3.responsibility().len());
        assert!(records.iter().all(|r| r.len() == 12 && r[0] == *"s3"));
        let json: serde_json::Value =
            serde_json::from_str(&export(kb, graph, Selection::Service(s3), Format::Json))
                .expect("json");
        assert_eq!(json["schema"], SCHEMA);
        assert_eq!(json["notes"].as_array().map(Vec::len), Some(1));
        let md_text = export(
            kb,
            graph,
            Selection::Checklist(None, Some("fsbp:S3.1"), None),
            Format::Markdown,
        );
        assert!(md_text.lines().count() >= 1, "{md_text}");
        assert!(
            md_text.lines().all(|l| l.starts_with("- [ ] ")),
            "{md_text}"
        );
        let all = export(
            kb,
            graph,
            Selection::Checklist(None, None, None),
            Format::Json,
        );
        let all: serde_json::Value = serde_json::from_str(&all).expect("json");
        assert_eq!(
            all["items"].as_array().map(Vec::len),
            Some(kb.checklist_items().count())
        );
        assert_eq!(md("a|b\nc"), "a\\|b c");
    }
}
