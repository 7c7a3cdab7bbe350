//! The client-side search index, split so a query loads only what it needs: an inverted index
//! sharded by the first two characters of each term (`search/t-<key>.js`), the result records in
//! chunks of `CHUNK` notes (`search/d-<n>.js`), and a small manifest. Every file is a script that
//! hands its data to a callback, so search works from `file://` (where `fetch` is refused) as
//! well as from a server. Terms come from titles, aliases and ids, headings, checklist items and
//! their control ids, summaries and body text, weighted in that order.
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

/// How the browser tokenizes a query, as the manifest's `terms`: split on `split`, lowercase,
/// trim `trim` from both ends, keep tokens of at least `min` characters that are not in `stop`.
/// The index's terms are made by `each_term` with the same values, so a query term is found
/// exactly when a note would have it.
fn tokenizer() -> serde_json::Value {
    serde_json::json!({ "split": SPLIT_JS, "trim": ".", "min": MIN_TERM, "stop": STOP })
}

/// One note's part of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `[title, url, kind, summary]` as JSON.
    pub record: String,
    /// Term → score in this note, sorted by term.
    pub terms: Vec<(String, u16)>,
}

#[derive(Serialize)]
struct Record<'a>(&'a str, String, &'static str, &'a str);

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
    let record = Record(
        &note.title,
        note_url(note),
        note.kind.singular(),
        &note.summary,
    );
    let mut terms: Vec<(String, u16)> = scores.into_iter().collect();
    terms.sort_unstable();
    Entry {
        record: serde_json::to_string(&record).unwrap_or_else(|_| "[]".to_owned()),
        terms,
    }
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

/// The shard a term lives in: its first two characters, letters and digits as they are, anything
/// else as `_`. The browser computes the same key.
pub fn shard_key(term: &str) -> String {
    term.chars()
        .take(2)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The index files from the notes' entries, in note order (a note's number is its position).
pub fn files<'a>(entries: impl Iterator<Item = &'a Entry>) -> Vec<(String, Vec<u8>)> {
    let mut index = Index::default();
    for entry in entries {
        index.add(entry);
    }
    index.files()
}

/// The index being built from the notes' entries, added in note order: each entry can be dropped
/// once added, so `build` never holds every note's entry at once.
#[derive(Debug, Default)]
pub struct Index {
    /// Term → flat postings `[note, score, note, score, ...]`. By term first: a term's shard is
    /// computed once, not once per note that has it.
    postings: HashMap<String, Vec<u32>>,
    /// The records of each chunk of `CHUNK` notes, joined with `,`.
    chunks: Vec<String>,
    /// How many entries were added.
    count: usize,
}

impl Index {
    /// Adds the next note's entry.
    pub fn add(&mut self, entry: &Entry) {
        let doc = self.count;
        let first_of_chunk = doc.is_multiple_of(CHUNK);
        if first_of_chunk {
            self.chunks.push(String::new());
        }
        if let Some(chunk) = self.chunks.last_mut() {
            if !first_of_chunk {
                chunk.push(',');
            }
            chunk.push_str(&entry.record);
        }
        let doc = u32::try_from(doc).unwrap_or(u32::MAX);
        for (term, score) in &entry.terms {
            let list = match self.postings.get_mut(term.as_str()) {
                Some(list) => list,
                None => self.postings.entry(term.clone()).or_default(),
            };
            list.push(doc);
            list.push(u32::from(*score));
        }
        self.count += 1;
    }

    /// The index files.
    pub fn files(self) -> Vec<(String, Vec<u8>)> {
        let mut shards: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
        for (term, list) in self.postings {
            shards
                .entry(shard_key(&term))
                .or_default()
                .insert(term, list);
        }
        let mut out = Vec::with_capacity(shards.len() + self.chunks.len() + 1);
        let keys: Vec<&String> = shards.keys().collect();
        let manifest = serde_json::json!({
            "version": 2, "count": self.count, "chunk": CHUNK, "shards": keys, "terms": tokenizer()
        });
        out.push((
            "search/manifest.js".to_owned(),
            format!("WHOSECURES_SEARCH_MANIFEST({manifest});\n").into_bytes(),
        ));
        for (key, terms) in &shards {
            // Postings are flat `[note, score, note, score, ...]`.
            let json = serde_json::to_string(terms).unwrap_or_else(|_| "{}".to_owned());
            out.push((
                format!("search/t-{key}.js"),
                format!(
                    "WHOSECURES_SEARCH_SHARD({},{json});\n",
                    serde_json::json!(key)
                )
                .into_bytes(),
            ));
        }
        for (n, chunk) in self.chunks.iter().enumerate() {
            out.push((
                format!("search/d-{n}.js"),
                format!("WHOSECURES_SEARCH_DOCS({n},[{chunk}]);\n").into_bytes(),
            ));
        }
        out
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
        let entry = |title: &str, terms: &[(&str, u16)]| Entry {
            record: format!("[\"{title}\"]"),
            terms: terms.iter().map(|(t, s)| ((*t).to_owned(), *s)).collect(),
        };
        let entries = [
            entry("A", &[("kms", 24), ("key", 1)]),
            entry("B", &[("key", 8)]),
        ];
        let files: BTreeMap<String, String> = files(entries.iter())
            .into_iter()
            .map(|(p, b)| (p, String::from_utf8(b).unwrap_or_default()))
            .collect();
        assert_eq!(
            files.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "search/d-0.js",
                "search/manifest.js",
                "search/t-ke.js",
                "search/t-km.js"
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
        assert!(files["search/manifest.js"].contains("\"shards\":[\"ke\",\"km\"]"));
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
        let sample = (0..0x100_u32)
            .chain([
                0x345, 0x93f, 0x301, 0x216b, 0xb2, 0x663, 0x4e2d, 0x30ab, 0xac00, 0xff10, 0x1d7ce,
                0x1f512, 0x2019, 0x2014, 0x3002,
            ])
            .filter_map(char::from_u32);
        for c in sample {
            let separates = !(c.is_alphanumeric() || c == '.');
            assert_eq!(
                split.is_match(c.encode_utf8(&mut [0; 4])),
                separates,
                "{c:?} (U+{:04X})",
                u32::from(c)
            );
        }
    }
}
