//! `whosecures diff`: what changed between two versions of the knowledge base, cell by cell and
//! duty by duty. Both sides are read as `kb.json` documents (a knowledge directory is exported
//! first, so one code path compares both kinds of input), reduced to a `Snapshot`, and compared.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

/// One responsibility cell: a service's row, or one of its variants.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CellKey {
    /// The service's note id.
    pub service: String,
    /// The layer id.
    pub layer: String,
    /// The variant's `when`, or `None` for the row itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cell {
    owner: String,
    provider: BTreeSet<String>,
    customer: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    note: String,
    title: String,
    controls: BTreeSet<String>,
}

/// What a version of the knowledge base says, reduced to what `diff` compares.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    cells: BTreeMap<CellKey, Cell>,
    services: BTreeMap<String, String>,
    items: BTreeMap<String, Item>,
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn duties(value: &Value, party: &str) -> BTreeSet<String> {
    value
        .get(party)
        .and_then(Value::as_array)
        .map(|d| d.iter().map(|d| text(d, "duty")).collect())
        .unwrap_or_default()
}

impl Snapshot {
    /// Reads a `kb.json` document (schema `whosecures-kb/…`); the message says what is wrong.
    pub fn from_kb_json(doc: &Value) -> Result<Snapshot, String> {
        let schema = text(doc, "schema");
        if !schema.starts_with("whosecures-kb/") {
            return Err(format!(
                "not a whosecures kb.json (schema `{schema}`, expected `whosecures-kb/…`)"
            ));
        }
        let notes = doc
            .get("notes")
            .and_then(Value::as_array)
            .ok_or("kb.json has no `notes` array")?;
        let mut snap = Snapshot::default();
        for note in notes {
            let id = text(note, "id");
            let (table, checklist) = match (
                note.get("service"),
                note.get("security_service"),
                note.get("practice"),
            ) {
                (Some(s), _, _) if s.is_object() => (Some(s), s.get("checklist")),
                (_, Some(s), _) if s.is_object() => {
                    (s.get("table").filter(|t| t.is_object()), None)
                }
                (_, _, Some(p)) if p.is_object() => (None, p.get("checklist")),
                _ => (None, None),
            };
            if let Some(table) = table {
                snap.services.insert(id.clone(), text(note, "title"));
                for row in table
                    .get("responsibility")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let layer = text(row, "layer");
                    let cell = |v: &Value| Cell {
                        owner: text(v, "owner"),
                        provider: duties(v, "provider"),
                        customer: duties(v, "customer"),
                    };
                    snap.cells.insert(
                        CellKey {
                            service: id.clone(),
                            layer: layer.clone(),
                            variant: None,
                        },
                        cell(row),
                    );
                    for variant in row
                        .get("variants")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        snap.cells.insert(
                            CellKey {
                                service: id.clone(),
                                layer: layer.clone(),
                                variant: Some(text(variant, "when")),
                            },
                            cell(variant),
                        );
                    }
                }
            }
            for item in checklist.and_then(Value::as_array).into_iter().flatten() {
                let controls = item
                    .get("controls")
                    .and_then(Value::as_array)
                    .map(|c| {
                        c.iter()
                            .map(|c| format!("{}:{}", text(c, "catalog"), text(c, "id")))
                            .collect()
                    })
                    .unwrap_or_default();
                snap.items.insert(
                    text(item, "id"),
                    Item {
                        note: text(item, "note"),
                        title: text(item, "title"),
                        controls,
                    },
                );
            }
        }
        Ok(snap)
    }
}

/// A cell whose owner changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Which cell.
    #[serde(flatten)]
    pub cell: CellKey,
    /// The owner before.
    pub from: String,
    /// The owner now.
    pub to: String,
}

/// A duty that appeared or went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutyChange {
    /// Which cell.
    #[serde(flatten)]
    pub cell: CellKey,
    /// `provider` or `customer`.
    pub party: String,
    /// The duty's text.
    pub duty: String,
}

/// A cell that appeared or went, with its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    /// Which cell.
    #[serde(flatten)]
    pub cell: CellKey,
    /// Its owner.
    pub owner: String,
}

/// A note (service or checklist item) that appeared or went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
}

/// A control mapping of a checklist item that appeared or went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// The item.
    pub item: String,
    /// `catalog:id`.
    pub control: String,
}

/// Everything that differs, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Schema id of the JSON form.
    pub schema: &'static str,
    /// Cells whose owner moved.
    pub moved: Vec<Moved>,
    /// Duties added to cells that exist on both sides (or come with a new cell).
    pub duties_added: Vec<DutyChange>,
    /// Duties taken from cells.
    pub duties_removed: Vec<DutyChange>,
    /// Rows or variants that are new.
    pub cells_added: Vec<CellChange>,
    /// Rows or variants that went.
    pub cells_removed: Vec<CellChange>,
    /// Services with a table that are new.
    pub services_added: Vec<Named>,
    /// Services whose table went.
    pub services_removed: Vec<Named>,
    /// Checklist items that are new.
    pub items_added: Vec<Named>,
    /// Checklist items that went.
    pub items_removed: Vec<Named>,
    /// Control mappings added to items.
    pub controls_added: Vec<Mapping>,
    /// Control mappings taken from items.
    pub controls_removed: Vec<Mapping>,
}

/// Schema id of `diff --format json`.
pub const SCHEMA: &str = "whosecures-diff/1";

impl Diff {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        *self
            == Diff {
                schema: SCHEMA,
                ..Diff::default()
            }
    }
}

/// A `kb.json` document's snapshot; `what` names it in messages.
pub fn parse_kb(json: &str, what: &str) -> std::result::Result<Snapshot, String> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| format!("`{what}` is not JSON: {e}"))?;
    Snapshot::from_kb_json(&doc).map_err(|e| format!("`{what}`: {e}"))
}

/// How many changes `d` lists.
pub fn count(d: &Diff) -> usize {
    sections(d).iter().map(|(_, lines)| lines.len()).sum()
}

/// What changed from `old` to `new`.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Diff {
    let mut d = Diff {
        schema: SCHEMA,
        ..Diff::default()
    };
    let duty_changes = |key: &CellKey, party: &str, a: &BTreeSet<String>, b: &BTreeSet<String>| {
        b.difference(a)
            .map(|duty| DutyChange {
                cell: key.clone(),
                party: party.to_owned(),
                duty: duty.clone(),
            })
            .collect::<Vec<_>>()
    };
    let empty = Cell::default();
    for key in old
        .cells
        .keys()
        .chain(new.cells.keys())
        .collect::<BTreeSet<_>>()
    {
        let (a, b) = (old.cells.get(key), new.cells.get(key));
        match (a, b) {
            (Some(a), Some(b)) if a.owner != b.owner => d.moved.push(Moved {
                cell: key.clone(),
                from: a.owner.clone(),
                to: b.owner.clone(),
            }),
            (None, Some(b)) => d.cells_added.push(CellChange {
                cell: key.clone(),
                owner: b.owner.clone(),
            }),
            (Some(a), None) => d.cells_removed.push(CellChange {
                cell: key.clone(),
                owner: a.owner.clone(),
            }),
            _ => {}
        }
        let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
        for party in ["provider", "customer"] {
            let (pa, pb) = if party == "provider" {
                (&a.provider, &b.provider)
            } else {
                (&a.customer, &b.customer)
            };
            d.duties_added.extend(duty_changes(key, party, pa, pb));
            d.duties_removed.extend(duty_changes(key, party, pb, pa));
        }
    }
    let named = |map: &BTreeMap<String, String>, other: &BTreeMap<String, String>| -> Vec<Named> {
        map.iter()
            .filter(|(id, _)| !other.contains_key(*id))
            .map(|(id, title)| Named {
                id: id.clone(),
                title: title.clone(),
            })
            .collect()
    };
    d.services_added = named(&new.services, &old.services);
    d.services_removed = named(&old.services, &new.services);
    let titles = |s: &Snapshot| -> BTreeMap<String, String> {
        s.items
            .iter()
            .map(|(id, i)| (id.clone(), i.title.clone()))
            .collect()
    };
    d.items_added = named(&titles(new), &titles(old));
    d.items_removed = named(&titles(old), &titles(new));
    d.controls_added = mappings_only_in(new, old);
    d.controls_removed = mappings_only_in(old, new);
    d
}

/// The control mappings of `a`'s items that `b`'s same items (or no item) do not have.
fn mappings_only_in(a: &Snapshot, b: &Snapshot) -> Vec<Mapping> {
    let none = BTreeSet::new();
    a.items
        .iter()
        .flat_map(|(id, item)| {
            let other = b.items.get(id).map_or(&none, |o| &o.controls);
            item.controls.difference(other).map(move |c| Mapping {
                item: id.clone(),
                control: c.clone(),
            })
        })
        .collect()
}

fn cell_name(c: &CellKey) -> String {
    match &c.variant {
        Some(v) => format!("{} / {} / {v}", c.service, c.layer),
        None => format!("{} / {}", c.service, c.layer),
    }
}

/// The changes as sections of plain-text lines, one per kind of change, in `render`'s order
/// (for the "What changed" page).
pub fn sections(d: &Diff) -> Vec<(&'static str, Vec<String>)> {
    let cell = |c: &CellKey| cell_name(c);
    let named = |n: &[Named]| -> Vec<String> {
        n.iter().map(|n| format!("{} {}", n.id, n.title)).collect()
    };
    let all: Vec<(&'static str, Vec<String>)> = vec![
        (
            "Owner moved",
            d.moved
                .iter()
                .map(|m| format!("{}: {} → {}", cell(&m.cell), m.from, m.to))
                .collect(),
        ),
        (
            "Duties added",
            d.duties_added
                .iter()
                .map(|c| format!("{} ({}): {}", cell(&c.cell), c.party, c.duty))
                .collect(),
        ),
        (
            "Duties removed",
            d.duties_removed
                .iter()
                .map(|c| format!("{} ({}): {}", cell(&c.cell), c.party, c.duty))
                .collect(),
        ),
        (
            "Rows and variants added",
            d.cells_added
                .iter()
                .map(|c| format!("{}: {}", cell(&c.cell), c.owner))
                .collect(),
        ),
        (
            "Rows and variants removed",
            d.cells_removed
                .iter()
                .map(|c| format!("{}: {}", cell(&c.cell), c.owner))
                .collect(),
        ),
        ("Services added", named(&d.services_added)),
        ("Services removed", named(&d.services_removed)),
        ("Checklist items added", named(&d.items_added)),
        ("Checklist items removed", named(&d.items_removed)),
        (
            "Control mappings added",
            d.controls_added
                .iter()
                .map(|m| format!("{} {}", m.item, m.control))
                .collect(),
        ),
        (
            "Control mappings removed",
            d.controls_removed
                .iter()
                .map(|m| format!("{} {}", m.item, m.control))
                .collect(),
        ),
    ];
    all.into_iter()
        .filter(|(_, lines)| !lines.is_empty())
        .collect()
}

/// One entry of the "What changed" feed: a version that changed something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FeedEntry {
    /// Made from the changes, so the same changes keep the same id.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// "3 changes since ...".
    pub title: String,
    /// The changes, one per line (`render`).
    pub content: String,
}

/// The Atom feed `changes.xml` for one comparison: one entry, its id `key` (made from the
/// changes, so readers see each change set once), dated `date`.
pub fn atom(
    d: &Diff,
    site_title: &str,
    base_url: Option<&str>,
    since: &str,
    key: &str,
    date: &str,
) -> String {
    let count = count(d);
    let entry = FeedEntry {
        id: key.to_owned(),
        date: date.to_owned(),
        title: format!(
            "{count} change{} since {since}",
            if count == 1 { "" } else { "s" }
        ),
        content: render(d, false),
    };
    feed(site_title, base_url, date, std::slice::from_ref(&entry))
}

/// The Atom feed `changes.xml` with `entries` (newest first), last updated `updated`.
pub fn feed(
    site_title: &str,
    base_url: Option<&str>,
    updated: &str,
    entries: &[FeedEntry],
) -> String {
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let page = match base_url {
        Some(base) => format!("{}/changes.html", base.trim_end_matches('/')),
        None => "changes.html".to_owned(),
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{title}: what changed</title>\n  <id>urn:whosecures:changes</id>\n  <link rel=\"alternate\" href=\"{page}\"/>\n  <updated>{updated}T00:00:00Z</updated>\n  <author><name>{title}</name></author>\n",
        title = esc(site_title),
        page = esc(&page),
        updated = esc(updated),
    );
    for e in entries {
        out.push_str(&format!(
            "  <entry>\n    <title>{title}</title>\n    <id>urn:whosecures:changes:{id}</id>\n    <link rel=\"alternate\" href=\"{page}\"/>\n    <updated>{date}T00:00:00Z</updated>\n    <content type=\"text\">{content}</content>\n  </entry>\n",
            title = esc(&e.title),
            id = esc(&e.id),
            page = esc(&page),
            date = esc(&e.date),
            content = esc(&e.content),
        ));
    }
    out.push_str("</feed>\n");
    out
}

/// The diff as text (`markdown = false`: one line per change, for a terminal) or Markdown (a
/// section per kind of change, for a pull request or a changelog), from `sections`.
pub fn render(d: &Diff, markdown: bool) -> String {
    let mut out = String::new();
    for (title, lines) in sections(d) {
        if markdown {
            out.push_str(&format!("## {title} ({})\n\n", lines.len()));
            for line in &lines {
                out.push_str(&format!("- {}\n", line.replace('|', "\\|")));
            }
            out.push('\n');
        } else {
            out.push_str(&format!("{title} ({}):\n", lines.len()));
            for line in &lines {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    if out.is_empty() {
        out.push_str("no differences\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(json: &str) -> Snapshot {
        Snapshot::from_kb_json(&serde_json::from_str(json).expect("JSON")).expect("kb.json")
    }

    const OLD: &str = r#"{"schema": "whosecures-kb/2", "notes": [
      {"id": "s3", "title": "Amazon S3", "service": {
        "responsibility": [{"layer": "data", "owner": "customer",
          "customer": [{"duty": "Classifies data"}], "provider": [],
          "variants": [{"when": "SSE-S3", "owner": "provider", "provider": [{"duty": "Holds the key"}]}]}],
        "checklist": [{"id": "s3-a", "note": "s3", "title": "A", "controls": [{"catalog": "fsbp", "id": "S3.1"}]}]}},
      {"id": "kms", "title": "AWS KMS", "security_service": {"table": null}},
      {"id": "p", "title": "P", "practice": {"checklist": [{"id": "p-1", "note": "p", "title": "One", "controls": []}]}}
    ]}"#;

    // Security services without a table and practices are read; every kind of change is found
    // once, in its list.
    #[test]
    fn every_kind_of_change() {
        let new = OLD
            .replace(r#""owner": "customer""#, r#""owner": "shared""#)
            .replace(
                r#""provider": [],"#,
                r#""provider": [{"duty": "Replicates data"}],"#,
            )
            .replace(r#""when": "SSE-S3""#, r#""when": "SSE-KMS""#)
            .replace(
                r#"{"catalog": "fsbp", "id": "S3.1"}"#,
                r#"{"catalog": "fsbp", "id": "S3.2"}"#,
            )
            .replace(
                r#""id": "p-1", "note": "p", "title": "One""#,
                r#""id": "p-2", "note": "p", "title": "Two""#,
            );
        let d = diff(&snap(OLD), &snap(&new));
        assert_eq!(d.moved.len(), 1);
        assert_eq!(
            (d.moved[0].from.as_str(), d.moved[0].to.as_str()),
            ("customer", "shared")
        );
        let added: Vec<&str> = d.duties_added.iter().map(|c| c.duty.as_str()).collect();
        assert_eq!(added, ["Replicates data", "Holds the key"]);
        let removed: Vec<&str> = d.duties_removed.iter().map(|c| c.duty.as_str()).collect();
        assert_eq!(removed, ["Holds the key"]);
        assert_eq!(d.cells_added[0].cell.variant.as_deref(), Some("SSE-KMS"));
        assert_eq!(d.cells_removed[0].cell.variant.as_deref(), Some("SSE-S3"));
        assert_eq!(d.items_added[0].id, "p-2");
        assert_eq!(d.items_removed[0].id, "p-1");
        assert_eq!(d.controls_added[0].control, "fsbp:S3.2");
        assert_eq!(d.controls_removed[0].control, "fsbp:S3.1");
        assert!(d.services_added.is_empty() && d.services_removed.is_empty());
        assert!(diff(&snap(OLD), &snap(OLD)).is_empty());
        assert!(Snapshot::from_kb_json(&serde_json::json!({"schema": "x"})).is_err());
    }
}
