//! Checklist progress as the checklists page exports it (`whosecures-progress/1` JSON, or its
//! CSV): parsing with located errors, and merging ticks by item id (the later tick wins). Pure:
//! takes the file's text, returns values or diagnostics; never reads or prints.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::{Diagnostic, Severity};
use crate::kb::Date;

/// Schema id of the checklists page's JSON export of progress.
pub const PROGRESS_SCHEMA: &str = "whosecures-progress/1";

/// When an item was ticked: the text as written, and the instant it names, for comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    text: String,
    millis: i64,
}

impl Stamp {
    /// Reads an ISO 8601 date-time as the page writes it (`2026-12-06T18:55:40.123Z`), also
    /// without seconds or fraction, with an offset (`+01:00`), or a plain date (midnight UTC).
    /// A time without an offset is taken as UTC.
    pub fn parse(text: &str) -> Option<Stamp> {
        let t = text.trim();
        let b = t.as_bytes();
        let num = |from: usize, len: usize| -> Option<i64> {
            let part = t.get(from..from + len)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let date = Date {
            year: u16::try_from(year).ok()?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        };
        // Rejects 2026-02-30 and month 13: the day count must lead back to the same date.
        if !(1..=12).contains(&month) || Date::from_days(date.days()) != date {
            return None;
        }
        let mut millis = date.days() * 86_400_000;
        let mut at = 10;
        if at < b.len() {
            if !matches!(b[at], b'T' | b't' | b' ') {
                return None;
            }
            let (hour, minute) = (num(at + 1, 2)?, num(at + 4, 2)?);
            if b.get(at + 3) != Some(&b':') || hour > 23 || minute > 59 {
                return None;
            }
            millis += hour * 3_600_000 + minute * 60_000;
            at += 6;
            if b.get(at) == Some(&b':') {
                let second = num(at + 1, 2)?;
                if second > 60 {
                    return None;
                }
                millis += second * 1000;
                at += 3;
                if b.get(at) == Some(&b'.') {
                    let digits = b[at + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    if digits == 0 {
                        return None;
                    }
                    let ms: String = t[at + 1..at + 1 + digits.min(3)].to_owned();
                    millis += format!("{ms:0<3}").parse::<i64>().ok()?;
                    at += 1 + digits;
                }
            }
            match b.get(at) {
                None => {}
                Some(b'Z' | b'z') if at + 1 == b.len() => {}
                Some(&sign @ (b'+' | b'-')) => {
                    let (oh, om) = match (num(at + 1, 2), b.get(at + 3)) {
                        (Some(h), Some(b':')) => (h, num(at + 4, 2)?),
                        (Some(h), _) => (h, num(at + 3, 2)?),
                        (None, _) => return None,
                    };
                    let end = at + if b.get(at + 3) == Some(&b':') { 6 } else { 5 };
                    if end != b.len() || oh > 23 || om > 59 {
                        return None;
                    }
                    let offset = oh * 3_600_000 + om * 60_000;
                    millis += if sign == b'+' { -offset } else { offset };
                }
                Some(_) => return None,
            }
        }
        Some(Stamp {
            text: t.to_owned(),
            millis,
        })
    }

    /// The text as the file wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// One tick: when (if the file says) and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// When it was ticked; `None` for a done item without a time (an export from before times
    /// were kept).
    pub at: Option<Stamp>,
    /// Who ticked it, when a reviewer was named.
    pub reviewer: Option<String>,
}

impl Tick {
    /// Whether this tick is later than `other` (a tick without a time is the earliest).
    fn later_than(&self, other: &Tick) -> bool {
        match (&self.at, &other.at) {
            (Some(a), Some(b)) => a.millis > b.millis,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// One item of a progress file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The checklist item's id.
    pub id: String,
    /// Its tick, or `None` when the file has it not done.
    pub tick: Option<Tick>,
    /// Where the item is written: 0-based line and column.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
}

/// A progress file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressFile {
    /// The path as the user gave it.
    pub path: String,
    /// Its items, in the file's order.
    pub entries: Vec<Entry>,
}

impl ProgressFile {
    /// A warning for each item whose id `known` does not know, at the item's place.
    pub fn unknown(&self, known: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
        self.entries
            .iter()
            .filter(|e| !known(&e.id))
            .map(|e| Diagnostic {
                path: self.path.clone(),
                line: e.line,
                column: e.column,
                severity: Severity::Warning,
                message: format!(
                    "item `{}` is not in this knowledge base; its {} is left out",
                    e.id,
                    if e.tick.is_some() { "tick" } else { "row" }
                ),
            })
            .collect()
    }
}

/// Ticks merged from one or more files, by item id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    ticks: BTreeMap<String, Tick>,
}

/// What a merge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Ticks taken from the file: new, or later than the one already held.
    pub taken: usize,
    /// Ticks of the file left aside because the one already held is as late or later.
    pub kept: usize,
}

impl Progress {
    /// Merges `file`'s ticks in: an item ticked in the file becomes ticked; one already ticked
    /// keeps whichever tick is later (the one held on a tie); an item not done in the file
    /// changes nothing.
    pub fn merge(&mut self, file: &ProgressFile) -> Merged {
        let mut merged = Merged::default();
        for entry in &file.entries {
            let Some(tick) = &entry.tick else { continue };
            match self.ticks.get(&entry.id) {
                Some(held) if !tick.later_than(held) => merged.kept += 1,
                _ => {
                    self.ticks.insert(entry.id.clone(), tick.clone());
                    merged.taken += 1;
                }
            }
        }
        merged
    }

    /// The tick of item `id`, if it is done.
    pub fn get(&self, id: &str) -> Option<&Tick> {
        self.ticks.get(id)
    }
}

/// Reads a progress file: JSON (`whosecures-progress/1`) when it starts with `{`, else CSV with
/// at least the columns `id` and `done` (`ticked` and `reviewer` when present). A file that is
/// neither is an error at the place it goes wrong.
pub fn parse(path: &str, text: &str) -> Result<ProgressFile, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let entries = if text.trim_start().starts_with('{') {
        parse_json(path, text)?
    } else {
        parse_csv(path, text)?
    };
    Ok(ProgressFile {
        path: path.to_owned(),
        entries,
    })
}

fn error(path: &str, line: usize, column: usize, message: String) -> Diagnostic {
    Diagnostic {
        path: path.to_owned(),
        line,
        column,
        severity: Severity::Error,
        message,
    }
}

/// A `format` that must be `whosecures-progress/1`, checked as it is read (so the error has the
/// value's place).
struct Format;

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == PROGRESS_SCHEMA {
            Ok(Format)
        } else {
            Err(serde::de::Error::custom(format!(
                "`format` is `{s}`, not `{PROGRESS_SCHEMA}`: not a progress file of the checklists page"
            )))
        }
    }
}

/// A `ticked` value: empty, or a date-time `Stamp::parse` reads.
struct TickedField(Option<Stamp>);

impl<'de> Deserialize<'de> for TickedField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?.unwrap_or_default();
        ticked(&s)
            .map(TickedField)
            .map_err(serde::de::Error::custom)
    }
}

fn ticked(s: &str) -> Result<Option<Stamp>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    Stamp::parse(s)
        .map(Some)
        .ok_or_else(|| format!("`ticked` is `{s}`, not a date-time such as `2026-12-01T09:30:00Z`"))
}

#[derive(Deserialize)]
struct JsonFile {
    format: Option<Format>,
    /// Where the other documents of whosecures say what they are.
    schema: Option<String>,
    #[serde(default)]
    items: Vec<JsonItem>,
}

#[derive(Deserialize)]
struct JsonItem {
    id: String,
    done: Option<bool>,
    ticked: Option<TickedField>,
    reviewer: Option<String>,
}

fn parse_json(path: &str, text: &str) -> Result<Vec<Entry>, Diagnostic> {
    let file: JsonFile = serde_json::from_str(text).map_err(|e| {
        // serde_json puts the place at the end of its message; we print it in front.
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
        error(
            path,
            e.line().saturating_sub(1),
            e.column().saturating_sub(1),
            message,
        )
    })?;
    if file.format.is_none() {
        let message = match file.schema {
            Some(schema) => format!(
                "a `{schema}` document is not a progress file; export one from the checklists page (`{PROGRESS_SCHEMA}`)"
            ),
            None => format!("no `format`: not a progress file of the checklists page (`{PROGRESS_SCHEMA}`)"),
        };
        return Err(error(path, 0, 0, message));
    }
    let mut from = 0;
    let mut entries = Vec::with_capacity(file.items.len());
    for item in file.items {
        let at = json_id_place(text, &item.id, from);
        from = at;
        let (line, column) = line_col(text, at);
        let stamp = item.ticked.and_then(|t| t.0);
        let done = item.done.unwrap_or(stamp.is_some());
        if item.id.trim().is_empty() {
            return Err(error(
                path,
                line,
                column,
                "an item has an empty `id`".into(),
            ));
        }
        entries.push(Entry {
            id: item.id,
            tick: done.then(|| Tick {
                at: stamp,
                reviewer: item.reviewer.filter(|r| !r.trim().is_empty()),
            }),
            line,
            column,
        });
    }
    Ok(entries)
}

/// The byte offset of `"id": "<id>"`'s value at or after `from` (`from` when not found).
fn json_id_place(text: &str, id: &str, from: usize) -> usize {
    let Ok(quoted) = serde_json::to_string(id) else {
        return from;
    };
    let mut at = from;
    while let Some(found) = text.get(at..).and_then(|rest| rest.find(&quoted)) {
        let start = at + found;
        let before = text[..start].trim_end();
        if before
            .strip_suffix(':')
            .is_some_and(|b| b.trim_end().ends_with("\"id\""))
        {
            return start;
        }
        at = start + quoted.len();
    }
    from
}

/// 0-based line and column (in characters) of byte `at`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count();
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
    (line, column)
}

fn parse_csv(path: &str, text: &str) -> Result<Vec<Entry>, Diagnostic> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(id_at), Some(done_at)) = (column("id"), column("done")) else {
        return Err(error(
            path,
            0,
            0,
            "not a progress file: JSON `whosecures-progress/1`, or CSV with the columns `id` and `done`, expected".into(),
        ));
    };
    let (ticked_at, reviewer_at) = (column("ticked"), column("reviewer"));
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| {
            usize::try_from(p.line()).unwrap_or(0).saturating_sub(1)
        });
        let field = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("").trim();
        // The column of field `at`, counted as written (quotes included) on a one-line record.
        let col = |at: usize| -> usize {
            let start = record
                .position()
                .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
            let raw = text
                .get(start..)
                .and_then(|r| r.lines().next())
                .unwrap_or("");
            let mut quoted = false;
            let mut seen = 0;
            for (n, c) in raw.chars().enumerate() {
                if seen == at {
                    return n;
                }
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => seen += 1,
                    _ => {}
                }
            }
            0
        };
        let id = field(Some(id_at));
        if id.is_empty() {
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Err(error(
                path,
                line,
                col(id_at),
                "a row has an empty `id`".into(),
            ));
        }
        let done = match field(Some(done_at)).to_ascii_lowercase().as_str() {
            "true" | "yes" | "x" | "1" => true,
            "false" | "no" | "" | "0" => false,
            other => {
                return Err(error(
                    path,
                    line,
                    col(done_at),
                    format!("`done` is `{other}`, not `true` or `false`"),
                ))
            }
        };
        let stamp =
            ticked(field(ticked_at)).map_err(|m| error(path, line, ticked_at.map_or(0, col), m))?;
        let reviewer = field(reviewer_at);
        entries.push(Entry {
            id: id.to_owned(),
            tick: done.then(|| Tick {
                at: stamp,
                reviewer: (!reviewer.is_empty()).then(|| reviewer.to_owned()),
            }),
            line,
            column: col(id_at),
        });
    }
    Ok(entries)
}

fn csv_error(path: &str, e: &csv::Error) -> Diagnostic {
    let line = e.position().map_or(0, |p| {
        usize::try_from(p.line()).unwrap_or(0).saturating_sub(1)
    });
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("a row has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
        _ => format!("unreadable CSV: {e}"),
    };
    error(path, line, 0, message)
}

#[cfg(test)]
mod tests;
