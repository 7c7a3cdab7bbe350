//! Random edit sequences on the `minimal` fixture, shared by the property tests that check a
//! rebuild (`incremental`) and the preview (`preview`) against a cold build: the steps, their
//! generator, and `apply`, which makes one step's edit on disk.

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::SiteTest;

/// The `minimal` fixture with a theme directory holding the default note template, which
/// [`Step::Template`] edits.
pub fn fixture() -> SiteTest {
    let t = SiteTest::new("minimal");
    fs::create_dir_all(t.dir.join("theme/templates")).expect("mkdir");
    fs::write(
        t.dir.join("theme/templates/note.html"),
        default_template("note.html"),
    )
    .expect("write template");
    t
}

/// One edit in a random sequence; indices are taken modulo what there is to pick from.
#[derive(Clone, Debug)]
pub enum Step {
    /// Appends a paragraph of `words` words to a note's body.
    Append { note: usize, words: usize },
    /// Changes a note's title.
    Retitle { note: usize, to: usize },
    /// Appends a wiki-link from one note to another.
    Link { from: usize, to: usize },
    /// Turns a note's first wiki-link into plain text.
    Unlink { note: usize },
    /// Changes the widget's checklist item title.
    Item { to: usize },
    /// Changes who owns the widget's first layer.
    Owner { to: usize },
    /// Writes (or rewrites) an extra glossary note linking to a note.
    AddNote { extra: usize, links_to: usize },
    /// Removes an extra glossary note, when nothing links to it.
    RemoveNote { extra: usize },
    /// Changes the theme's note template.
    Template { to: usize },
    /// Changes the site title in book.toml.
    Config { to: usize },
    /// Puts a note back as the fixture had it.
    Revert { note: usize },
}

const NOTES: [(&str, &str); 6] = [
    ("model/overview.md", "overview"),
    ("services/widget.md", "widget"),
    ("glossary/tls.md", "tls"),
    ("layers/guest-os.md", "guest-os"),
    ("layers/data.md", "data"),
    ("pillars/data-protection.md", "data-protection"),
];
const WORDS: [&str; 6] = [
    "kms",
    "iam",
    "<b>bold</b> &amp;",
    "'quoted'",
    "vpc",
    "audit",
];
const EXTRAS: usize = 3;

/// One random [`Step`].
pub fn step() -> impl Strategy<Value = Step> {
    let n = || 0..64usize;
    prop_oneof![
        (n(), 1..12usize).prop_map(|(note, words)| Step::Append { note, words }),
        (n(), n()).prop_map(|(note, to)| Step::Retitle { note, to }),
        (n(), n()).prop_map(|(from, to)| Step::Link { from, to }),
        n().prop_map(|note| Step::Unlink { note }),
        n().prop_map(|to| Step::Item { to }),
        n().prop_map(|to| Step::Owner { to }),
        (n(), n()).prop_map(|(extra, links_to)| Step::AddNote { extra, links_to }),
        n().prop_map(|extra| Step::RemoveNote { extra }),
        n().prop_map(|to| Step::Template { to }),
        n().prop_map(|to| Step::Config { to }),
        n().prop_map(|note| Step::Revert { note }),
    ]
}

/// A random sequence of 1 to 11 steps.
pub fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step(), 1..12)
}

/// The note files there are now (the fixture's and the extras written so far) and their ids.
fn notes(t: &SiteTest) -> Vec<(String, String)> {
    let mut notes: Vec<(String, String)> = NOTES
        .iter()
        .map(|(rel, id)| (rel.to_string(), id.to_string()))
        .collect();
    for extra in 0..EXTRAS {
        let rel = format!("glossary/extra-{extra}.md");
        if t.dir.join("knowledge").join(&rel).is_file() {
            notes.push((rel, format!("extra-{extra}")));
        }
    }
    notes
}

/// `text` with its first line starting with `key = ` made `key = "value"`.
fn set_line(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key} = ");
    let mut done = false;
    text.lines()
        .map(|line| {
            if line.starts_with(&prefix) && !done {
                done = true;
                format!("{prefix}\"{value}\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

/// Makes `step`'s edit under `t`; returns the files it wrote or removed (what a file watcher
/// would report), none when the step had nothing to do.
pub fn apply(t: &SiteTest, step: &Step) -> Vec<PathBuf> {
    let knowledge = t.dir.join("knowledge");
    let notes = notes(t);
    let pick = |i: usize| &notes[i % notes.len()];
    let read = |rel: &str| fs::read_to_string(knowledge.join(rel)).expect("read note");
    let write = |path: PathBuf, text: String| {
        fs::write(&path, text).expect("write");
        vec![path]
    };
    let write_note = |rel: &str, text: String| write(knowledge.join(rel), text);
    match *step {
        Step::Append { note, words } => {
            let (rel, _) = pick(note);
            let paragraph: Vec<&str> = (0..words)
                .map(|w| WORDS[(note + w) % WORDS.len()])
                .collect();
            write_note(rel, format!("{}\n{}.\n", read(rel), paragraph.join(" ")))
        }
        Step::Retitle { note, to } => {
            let (rel, _) = pick(note);
            write_note(rel, set_line(&read(rel), "title", &format!("Title {to}")))
        }
        Step::Link { from, to } => {
            let ((rel, _), (_, id)) = (pick(from), pick(to));
            write_note(rel, format!("{}\nSee [[{id}]].\n", read(rel)))
        }
        Step::Unlink { note } => {
            let (rel, _) = pick(note);
            let text = read(rel);
            let body = text.rfind("+++\n").map_or(0, |at| at + 4);
            let Some(open) = text[body..].find("[[").map(|at| body + at) else {
                return Vec::new();
            };
            let Some(close) = text[open..].find("]]").map(|at| open + at) else {
                return Vec::new();
            };
            let inner = &text[open + 2..close];
            let label = inner.rsplit('|').next().unwrap_or(inner);
            let label = label.split('#').next().unwrap_or(label);
            write_note(
                rel,
                format!("{}{label}{}", &text[..open], &text[close + 2..]),
            )
        }
        Step::Item { to } => {
            let text = read("services/widget.md");
            let Some(at) = text.find("[[checklist]]") else {
                return Vec::new();
            };
            let item = set_line(&text[at..], "title", &format!("Item {to}"));
            write_note("services/widget.md", format!("{}{item}", &text[..at]))
        }
        Step::Owner { to } => {
            // Swaps the parties of the duties of the first row (or, on odd steps, the second):
            // its derived owner changes, and the TOML stays valid.
            let text = read("services/widget.md");
            let rows: Vec<usize> = text
                .match_indices("[[responsibility]]")
                .map(|(i, _)| i)
                .collect();
            let Some(&start) = rows.get(to % 2).or(rows.first()) else {
                return Vec::new();
            };
            let end = text[start + 1..]
                .find("\n[[")
                .map_or(text.len(), |e| start + 1 + e);
            let row = text[start..end]
                .replace("provider = [", "\u{0}")
                .replace("customer = [", "provider = [")
                .replace('\u{0}', "customer = [");
            write_note(
                "services/widget.md",
                format!("{}{row}{}", &text[..start], &text[end..]),
            )
        }
        Step::AddNote { extra, links_to } => {
            let (_, id) = pick(links_to);
            let extra = extra % EXTRAS;
            write_note(
                &format!("glossary/extra-{extra}.md"),
                format!("+++\ntitle = \"Extra {extra}\"\nsummary = \"An added term.\"\n+++\nSee [[{id}]].\n"),
            )
        }
        Step::RemoveNote { extra } => {
            let id = format!("extra-{}", extra % EXTRAS);
            let linked = notes
                .iter()
                .any(|(rel, other)| *other != id && read(rel).contains(&format!("[[{id}")));
            let path = knowledge.join(format!("glossary/{id}.md"));
            if !linked && fs::remove_file(&path).is_ok() {
                vec![path]
            } else {
                Vec::new()
            }
        }
        Step::Template { to } => {
            let template = default_template("note.html");
            assert!(template.contains("</article>"));
            write(
                t.dir.join("theme/templates/note.html"),
                template.replacen("</article>", &format!("<!-- {to} --></article>"), 1),
            )
        }
        Step::Config { to } => write(
            t.dir.join("book.toml"),
            format!("[book]\ntitle = \"Wiki {to}\"\n"),
        ),
        Step::Revert { note } => {
            let (rel, _) = pick(note);
            let original = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/minimal/knowledge")
                .join(rel);
            // An extra note is not in the fixture: nothing to put back.
            match fs::read_to_string(original) {
                Ok(text) => write_note(rel, text),
                Err(_) => Vec::new(),
            }
        }
    }
}

/// The default theme's template `name`.
pub fn default_template(name: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("themes/default/templates")
            .join(name),
    )
    .expect("read default template")
}
