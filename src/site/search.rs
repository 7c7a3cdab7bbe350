//! The client-side search index, split so a query loads only what it needs: an inverted index
//! sharded by the first two characters of each term (`search/t-<key>.js`), the result records in
//! chunks of `CHUNK` notes (`search/d-<n>.js`), each note's text for result snippets in chunks of
//! `TEXT_CHUNK` notes (`search/x-<n>.js`, loaded only for the results shown), checklist items by
//! their id and control ids, sharded like terms (`search/i-<key>.js`, so typing `S3.1` lists the
//! items mapped to it), and a small manifest. Every file is a script that hands its data to a
//! callback, so search works from `file://` (where `fetch` is refused) as well as from a server.
//! Terms come from titles, aliases and ids, headings, checklist items and their control ids,
//! summaries and body text, weighted in that order.
//!
//! Why not Pagefind: its Rust API builds a comparable sharded index in-process, but its runtime
//! fetches fragments and a WebAssembly module, which browsers refuse on `file://`; it also brings
//! an async runtime into the build. The format below is a few hundred lines on both sides.

use std::collections::{BTreeMap, HashMap};

use pulldown_cmark::Event;
use serde::Serialize;

use crate::kb::Note;
use crate::links::LinkGraph;
use crate::markdown;
use crate::render::note_url;

/// Notes per record chunk.
pub const CHUNK: usize = 500;

/// Notes per text chunk: a note's snippet text is up to ~4 KB, and a query loads the chunks of
/// the results it shows, so these stay small.
pub const TEXT_CHUNK: usize = 50;

/// How much of a note's body text (in characters) is kept for snippets, and how much of its
/// checklist items' titles: a match further down shows the summary instead.
const BODY_TEXT: usize = 3_000;
const ITEM_TEXT: usize = 1_000;

/// Field weights: a term's score in a note is the sum over the fields it occurs in.
const TITLE: u16 = 24;
const ALIAS: u16 = 16;
const CONTROL: u16 = 12;
const HEADING: u16 = 8;
const CHECKLIST: u16 = 4;
const SUMMARY: u16 = 3;
const BODY: u16 = 1;

/// Words too common to index. The manifest carries them (see `tokenizer`): the browser drops the
/// same words from a query.
const STOP: [&str; 24] = [
    "the", "and", "of", "to", "in", "is", "for", "on", "with", "by", "or", "an", "be", "are", "it",
    "as", "at", "from", "that", "this", "your", "you", "its", "can",
];

/// The shortest and longest term, in characters.
const MIN_TERM: usize = 2;
const MAX_TERM: usize = 40;

/// What separates terms, as a JavaScript regular expression (with the `u` flag): anything but a
/// letter or digit (`char::is_alphanumeric`: Unicode `Alphabetic` or a number) or `.`, as in
/// `each_term`. The browser splits a query with it.
const SPLIT_JS: &str = r"[^\p{Alphabetic}\p{N}.]+";

/// A term with what surrounds it, the complement of `SPLIT_JS`: the browser finds the words of a
/// snippet with it, to mark those a query term starts.
const WORD_JS: &str = r"[\p{Alphabetic}\p{N}.]+";

/// How the browser tokenizes a query, as the manifest's `terms`: split on `split`, lowercase,
/// trim `trim` from both ends, keep tokens of at least `min` characters that are not in `stop`.
/// The index's terms are made by `each_term` with the same values, so a query term is found
/// exactly when a note would have it.
fn tokenizer() -> serde_json::Value {
    serde_json::json!({
        "split": SPLIT_JS, "word": WORD_JS, "trim": ".", "min": MIN_TERM, "stop": STOP
    })
}

/// One note's part of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `[title, url, kind, summary]` as JSON.
    pub record: String,
    /// Term → score in this note, sorted by term.
    pub terms: Vec<(String, u16)>,
    /// The passages a snippet is cut from (body blocks, then checklist item titles), as a JSON
    /// array of strings.
    pub text: String,
    /// Its checklist items by each id a reader may type (the item's id, each control as
    /// `catalog:id` and as `id`, lowercase), each item as JSON `[title, url, note title, item id,
    /// [control, ...]]`; in item order.
    pub ids: Vec<(String, String)>,
}

#[derive(Serialize)]
struct Record<'a>(&'a str, String, &'static str, &'a str);

#[derive(Serialize)]
struct ItemRecord<'a>(&'a str, String, &'a str, &'a str, Vec<String>);

/// Indexes one note.
pub fn entry(note: &Note, graph: &LinkGraph) -> Entry {
    let mut scores: HashMap<String, u16> = HashMap::new();
    let mut add = |text: &str, weight: u16| {
        each_term(text, |term| match scores.get_mut(term) {
            Some(score) => *score = score.saturating_add(weight),
            None => {
                scores.insert(term.to_owned(), weight);
            }
        });
    };
    add(&note.title, TITLE);
    add(note.id.as_str(), ALIAS);
    for alias in &note.aliases {
        add(alias, ALIAS);
    }
    for heading in graph.headings(&note.id) {
        add(&heading.text, HEADING);
    }
    for item in note.checklist() {
        add(&item.title, CHECKLIST);
        for control in &item.controls {
            add(&control.id, CONTROL);
            add(&control.to_string(), CONTROL);
        }
    }
    add(&note.summary, SUMMARY);
    for event in markdown::parser(note.body()) {
        if let Event::Text(text) | Event::Code(text) = event {
            add(&text, BODY);
        }
    }
    let url = note_url(note);
    let record = Record(
        &note.title,
        url.clone(),
        note.kind.singular(),
        &note.summary,
    );
    let mut terms: Vec<(String, u16)> = scores.into_iter().collect();
    terms.sort_unstable();
    Entry {
        record: to_json(&record),
        terms,
        text: to_json(&passages(note)),
        ids: item_ids(note, &url),
    }
}

/// `value` as JSON; `[]` if it could not be written (it cannot: every value here is strings
/// and lists of strings).
fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

/// The texts a result's snippet is cut from: each block of the body (paragraph, heading, list
/// item, table cell, code block) with its whitespace collapsed, up to `BODY_TEXT` characters,
/// then the checklist items' titles, up to `ITEM_TEXT`.
fn passages(note: &Note) -> Vec<String> {
    use pulldown_cmark::TagEnd;
    let mut out = Vec::new();
    let mut budget = BODY_TEXT;
    let mut block = String::new();
    let push = |out: &mut Vec<String>, text: &str, budget: &mut usize| {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() || *budget == 0 {
            return;
        }
        let kept: String = text.chars().take(*budget).collect();
        *budget = budget.saturating_sub(kept.chars().count());
        out.push(kept);
    };
    for event in markdown::parser(note.body()) {
        match event {
            Event::Text(text) | Event::Code(text) => block.push_str(&text),
            Event::SoftBreak | Event::HardBreak => block.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::FootnoteDefinition,
            ) => {
                push(&mut out, &block, &mut budget);
                block.clear();
            }
            _ => {}
        }
    }
    push(&mut out, &block, &mut budget);
    let mut budget = ITEM_TEXT;
    for item in note.checklist() {
        push(&mut out, &item.title, &mut budget);
    }
    out
}

/// A note's checklist items by the ids a reader may type (see `Entry::ids`).
fn item_ids(note: &Note, url: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in note.checklist() {
        let controls: Vec<String> = item.controls.iter().map(ToString::to_string).collect();
        let record = ItemRecord(
            &item.title,
            format!("{url}#item-{}", item.id),
            &note.title,
            &item.id,
            controls.clone(),
        );
        let record = to_json(&record);
        let mut keys: Vec<String> = std::iter::once(item.id.to_lowercase())
            .chain(controls.iter().map(|c| c.to_lowercase()))
            .chain(item.controls.iter().map(|c| c.id.to_lowercase()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        out.extend(keys.into_iter().map(|key| (key, record.clone())));
    }
    out
}

/// The terms of a text: lowercase runs of letters and digits, with `.` kept inside a run so
/// control ids (`s3.1`, `ec2.19`) are terms too, each part also indexed on its own.
#[cfg(test)]
fn terms(text: &str) -> Vec<String> {
    let mut all = Vec::new();
    each_term(text, |t| all.push(t.to_owned()));
    all
}

/// Calls `f` with each term of `text` (see `terms`), lowercased in one reused buffer: indexing
/// allocates only for terms a note did not have yet.
fn each_term(text: &str, mut f: impl FnMut(&str)) {
    let mut lower = String::new();
    let keep = |t: &str| {
        let chars = if t.is_ascii() {
            t.len()
        } else {
            t.chars().count()
        };
        (MIN_TERM..=MAX_TERM).contains(&chars) && !STOP.contains(&t)
    };
    for token in text.split(|c: char| !(c.is_alphanumeric() || c == '.')) {
        let token = token.trim_matches('.');
        if token.is_empty() {
            continue;
        }
        lower.clear();
        if token.is_ascii() {
            lower.push_str(token);
            lower.make_ascii_lowercase();
        } else {
            lower.push_str(&token.to_lowercase());
        }
        if keep(&lower) {
            f(&lower);
        }
        if lower.contains('.') {
            for part in lower.split('.') {
                if keep(part) {
                    f(part);
                }
            }
        }
    }
}

/// The index files from the notes' entries, in note order (a note's number is its position);
/// `NoteEntries::files` and `build` feed `Index` note by note instead.
#[cfg(test)]
pub fn files<'a>(entries: impl Iterator<Item = &'a Entry>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut keep = |path: String, bytes: Vec<u8>| -> Result<(), std::convert::Infallible> {
        out.push((path, bytes));
        Ok(())
    };
    let mut index = Index::default();
    for entry in entries {
        let Ok(()) = index.add(entry, &mut keep);
    }
    let Ok(()) = index.finish(&mut keep);
    out
}

/// The shard a term lives in: its first two characters, letters and digits as they are, anything
/// else as `_`. The browser computes the same key.
pub fn shard_key(term: &str) -> String {
    term.chars()
        .take(2)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The index being built from the notes' entries, added in note order: each entry can be dropped
/// once added, and each chunk of records or snippet texts goes to the caller's `put` as soon as
/// it is full, so `build` never holds every note's entry, nor every chunk, nor every finished
/// file at once (at 10,000 notes holding them took 165 MB, 40% of the build's peak memory).
#[derive(Debug, Default)]
pub struct Index {
    /// Term → flat postings `[note, score, note, score, ...]`. By term first: a term's shard is
    /// computed once, not once per note that has it.
    postings: HashMap<String, Vec<u32>>,
    /// The records of the chunk of `CHUNK` notes being filled, joined with `,`.
    chunk: String,
    /// The snippet texts of the chunk of `TEXT_CHUNK` notes being filled, joined with `,`.
    text: String,
    /// Checklist items by id (see `Entry::ids`), in note order.
    ids: HashMap<String, Vec<String>>,
    /// How many entries were added.
    count: usize,
}

/// Appends the `doc`th record to `chunk`, the open chunk of `size` records each, comma-separated.
fn append(chunk: &mut String, doc: usize, size: usize, record: &str) {
    if !doc.is_multiple_of(size) {
        chunk.push(',');
    }
    chunk.push_str(record);
}

/// A script file handing `data` to `callback` with a first argument `key`: `callback(key,data);`.
fn script(callback: &str, key: &str, data: &str) -> Vec<u8> {
    let mut out = String::with_capacity(callback.len() + key.len() + data.len() + 5);
    out.push_str(callback);
    out.push('(');
    out.push_str(key);
    out.push(',');
    out.push_str(data);
    out.push_str(");\n");
    out.into_bytes()
}

/// The `n`th chunk file of `kind` (`d` records, `x` snippet texts, handed to `callback`),
/// `joined` its entries joined with `,`.
fn chunk_file(kind: char, callback: &str, n: usize, joined: &str) -> (String, Vec<u8>) {
    (
        format!("search/{kind}-{n}.js"),
        script(callback, &n.to_string(), &format!("[{joined}]")),
    )
}

/// The `n`th record chunk's file.
fn docs_file(n: usize, records: &str) -> (String, Vec<u8>) {
    chunk_file('d', "WHOSECURES_SEARCH_DOCS", n, records)
}

/// The `n`th snippet text chunk's file.
fn text_file(n: usize, texts: &str) -> (String, Vec<u8>) {
    chunk_file('x', "WHOSECURES_SEARCH_TEXT", n, texts)
}

impl Index {
    /// Adds the next note's entry, handing `put` the chunk files it fills.
    pub fn add<E>(
        &mut self,
        entry: &Entry,
        put: &mut impl FnMut(String, Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let doc = self.count;
        append(&mut self.chunk, doc, CHUNK, &entry.record);
        append(&mut self.text, doc, TEXT_CHUNK, &entry.text);
        for (id, item) in &entry.ids {
            self.ids.entry(id.clone()).or_default().push(item.clone());
        }
        let number = u32::try_from(doc).unwrap_or(u32::MAX);
        for (term, score) in &entry.terms {
            let list = match self.postings.get_mut(term.as_str()) {
                Some(list) => list,
                None => self.postings.entry(term.clone()).or_default(),
            };
            list.push(number);
            list.push(u32::from(*score));
        }
        self.count += 1;
        if self.count.is_multiple_of(CHUNK) {
            let (path, bytes) = docs_file(doc / CHUNK, &std::mem::take(&mut self.chunk));
            put(path, bytes)?;
        }
        if self.count.is_multiple_of(TEXT_CHUNK) {
            let (path, bytes) = text_file(doc / TEXT_CHUNK, &std::mem::take(&mut self.text));
            put(path, bytes)?;
        }
        Ok(())
    }

    /// Hands `put` the rest of the index files: the chunks still open, the term and item shards
    /// (one at a time) and the manifest.
    pub fn finish<E>(
        self,
        put: &mut impl FnMut(String, Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let last = self.count.saturating_sub(1);
        if !self.count.is_multiple_of(CHUNK) {
            let (path, bytes) = docs_file(last / CHUNK, &self.chunk);
            put(path, bytes)?;
        }
        if !self.count.is_multiple_of(TEXT_CHUNK) {
            let (path, bytes) = text_file(last / TEXT_CHUNK, &self.text);
            put(path, bytes)?;
        }
        let mut shards: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
        for (term, list) in self.postings {
            shards
                .entry(shard_key(&term))
                .or_default()
                .insert(term, list);
        }
        let mut ids: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for (id, items) in self.ids {
            ids.entry(shard_key(&id)).or_default().insert(id, items);
        }
        let keys: Vec<String> = shards.keys().cloned().collect();
        let id_keys: Vec<String> = ids.keys().cloned().collect();
        let manifest = serde_json::json!({
            "version": 3, "count": self.count, "chunk": CHUNK, "text": TEXT_CHUNK,
            "shards": keys, "ids": id_keys, "terms": tokenizer()
        });
        put(
            "search/manifest.js".to_owned(),
            format!("WHOSECURES_SEARCH_MANIFEST({manifest});\n").into_bytes(),
        )?;
        // Each shard is serialized, handed on and dropped before the next.
        for (key, terms) in shards {
            // Postings are flat `[note, score, note, score, ...]`.
            let json = serde_json::to_string(&terms).unwrap_or_else(|_| "{}".to_owned());
            drop(terms);
            put(
                format!("search/t-{key}.js"),
                script("WHOSECURES_SEARCH_SHARD", &to_json(&key), &json),
            )?;
        }
        for (key, items) in ids {
            // Items are JSON already: the object is joined by hand.
            let mut json = String::from("{");
            for (i, (id, records)) in items.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                json.push_str(&to_json(id));
                json.push_str(":[");
                json.push_str(&records.join(","));
                json.push(']');
            }
            json.push('}');
            put(
                format!("search/i-{key}.js"),
                script("WHOSECURES_SEARCH_IDS", &to_json(&key), &json),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Control ids stay whole and in parts; stop words and single letters go; case folds.
    #[test]
    fn terms_of_text() {
        let got: Vec<String> = terms("Turn on S3.1 for the EC2 instance, a (KMS) key.");
        assert_eq!(got, ["turn", "s3.1", "s3", "ec2", "instance", "kms", "key"]);
        assert_eq!(shard_key("s3.1"), "s3");
        assert_eq!(shard_key("é"), "_");
    }

    // Shards hold every term under its key with flat postings; chunks hold records in order.
    #[test]
    fn files_layout() {
        let entry = |title: &str, terms: &[(&str, u16)], ids: &[(&str, &str)]| Entry {
            record: format!("[\"{title}\"]"),
            terms: terms.iter().map(|(t, s)| ((*t).to_owned(), *s)).collect(),
            text: format!("[\"{title} text\"]"),
            ids: ids
                .iter()
                .map(|(id, item)| ((*id).to_owned(), (*item).to_owned()))
                .collect(),
        };
        let entries = [
            entry("A", &[("kms", 24), ("key", 1)], &[("s3.1", "[\"a1\"]")]),
            entry(
                "B",
                &[("key", 8)],
                &[("s3.1", "[\"b1\"]"), ("fsbp:s3.1", "[\"b1\"]")],
            ),
        ];
        let files: BTreeMap<String, String> = files(entries.iter())
            .into_iter()
            .map(|(p, b)| (p, String::from_utf8(b).unwrap_or_default()))
            .collect();
        assert_eq!(
            files.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "search/d-0.js",
                "search/i-fs.js",
                "search/i-s3.js",
                "search/manifest.js",
                "search/t-ke.js",
                "search/t-km.js",
                "search/x-0.js"
            ]
        );
        assert_eq!(
            files["search/t-ke.js"],
            "WHOSECURES_SEARCH_SHARD(\"ke\",{\"key\":[0,1,1,8]});\n"
        );
        assert_eq!(
            files["search/d-0.js"],
            "WHOSECURES_SEARCH_DOCS(0,[[\"A\"],[\"B\"]]);\n"
        );
        assert_eq!(
            files["search/x-0.js"],
            "WHOSECURES_SEARCH_TEXT(0,[[\"A text\"],[\"B text\"]]);\n"
        );
        assert_eq!(
            files["search/i-s3.js"],
            "WHOSECURES_SEARCH_IDS(\"s3\",{\"s3.1\":[[\"a1\"],[\"b1\"]]});\n"
        );
        assert_eq!(
            files["search/i-fs.js"],
            "WHOSECURES_SEARCH_IDS(\"fs\",{\"fsbp:s3.1\":[[\"b1\"]]});\n"
        );
        let manifest = &files["search/manifest.js"];
        assert!(
            manifest.contains("\"shards\":[\"ke\",\"km\"]"),
            "{manifest}"
        );
        assert!(manifest.contains("\"ids\":[\"fs\",\"s3\"]"), "{manifest}");
    }

    // The manifest hands the browser the indexer's own stop list and term rules, so a query is
    // tokenized as the notes were.
    #[test]
    fn manifest_carries_the_tokenizer() {
        let files = files(std::iter::empty());
        let (_, bytes) = files
            .iter()
            .find(|(path, _)| path == "search/manifest.js")
            .expect("a manifest");
        let text = String::from_utf8_lossy(bytes);
        let json = text
            .strip_prefix("WHOSECURES_SEARCH_MANIFEST(")
            .and_then(|t| t.strip_suffix(");\n"))
            .expect("a manifest call");
        let manifest: serde_json::Value = serde_json::from_str(json).expect("manifest JSON");
        let tokenizer = &manifest["terms"];
        let stop: Vec<&str> = tokenizer["stop"]
            .as_array()
            .expect("a stop list")
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        assert_eq!(stop, STOP);
        assert_eq!(tokenizer["min"], MIN_TERM);
        assert_eq!(tokenizer["split"], SPLIT_JS);
        assert_eq!(tokenizer["trim"], ".");
        // The indexer drops exactly those words and the tokens shorter than `min`.
        for word in STOP {
            assert!(terms(word).is_empty(), "{word} indexed");
        }
        assert!(terms("a").is_empty());
        assert_eq!(terms("ab"), ["ab"]);
    }

    // The split pattern the browser gets separates terms where `each_term` does: a character is
    // a separator for one exactly when it is for the other. Latin-1, then characters where a
    // guess would go wrong: combining marks that are (U+0345, U+093F) and are not (U+0301)
    // alphabetic, Roman numerals, superscripts, other scripts' digits, CJK, Hangul, full-width
    // digits, math digits, emoji, punctuation. (A fixed sample: the regex crate, Rust and browsers
    // may each know a different Unicode version.)
    #[test]
    fn split_pattern_matches_the_indexer() {
        let split = regex::Regex::new(&format!("^{SPLIT_JS}$")).expect("split pattern");
        let word = regex::Regex::new(&format!("^{WORD_JS}$")).expect("word pattern");
        let sample = (0..0x100_u32)
            .chain([
                0x345, 0x93f, 0x301, 0x216b, 0xb2, 0x663, 0x4e2d, 0x30ab, 0xac00, 0xff10, 0x1d7ce,
                0x1f512, 0x2019, 0x2014, 0x3002,
            ])
            .filter_map(char::from_u32);
        for c in sample {
            let separates = !(c.is_alphanumeric() || c == '.');
            let text = c.encode_utf8(&mut [0; 4]).to_owned();
            let at = format!("{c:?} (U+{:04X})", u32::from(c));
            assert_eq!(split.is_match(&text), separates, "{at}");
            assert_eq!(word.is_match(&text), !separates, "{at}");
        }
    }

    // A note's snippet text is its body's blocks, then its checklist items' titles, within the
    // budget; its items are found by their id and by each control id, whole (`fsbp:s3.1`) and
    // bare (`s3.1`), lowercase, each linking to the item on the note's page.
    #[test]
    fn snippet_text_and_item_ids() {
        let (kb, graph) = crate::testing::embedded_kb();
        let s3 = kb.get_str("s3").expect("the s3 note");
        let made = entry(s3, &graph);
        let text: Vec<String> = serde_json::from_str(&made.text).expect("a JSON list");
        let chars: usize = text.iter().map(|t| t.chars().count()).sum();
        assert!(chars > 100 && chars <= BODY_TEXT + ITEM_TEXT, "{chars}");
        assert!(text.iter().all(|t| !t.contains("  ") && !t.contains('\n')));
        let item = s3
            .checklist()
            .iter()
            .find(|i| i.controls.iter().any(|c| c.to_string() == "fsbp:S3.1"))
            .expect("an item mapped to fsbp:S3.1");
        assert!(text.contains(&item.title), "{text:?}");
        for key in [item.id.to_lowercase(), "fsbp:s3.1".into(), "s3.1".into()] {
            let found: Vec<serde_json::Value> = made
                .ids
                .iter()
                .filter(|(k, _)| *k == key)
                .filter_map(|(_, r)| serde_json::from_str(r).ok())
                .filter(|r: &serde_json::Value| r[3] == item.id.as_str())
                .collect();
            assert_eq!(found.len(), 1, "{key}: {:?}", made.ids);
            assert_eq!(found[0][0], item.title.as_str());
            assert_eq!(found[0][1], format!("services/s3.html#item-{}", item.id));
            assert_eq!(found[0][2], s3.title.as_str());
        }
    }
}
