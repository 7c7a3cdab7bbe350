//! Content diagnostics: problems in the notes, each with a file location, collected for the whole
//! run and printed like a compiler, plus the message helpers every stage shares (`first_line`,
//! `parse_message`, the "did you mean" hint). Environment failures are `error::Error`, not
//! diagnostics.

use std::fmt;
use std::sync::Arc;

/// How bad a diagnostic is. Errors fail `check` and `build`; warnings are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth fixing; the site is still built.
    Warning,
    /// The content is wrong; nothing is written.
    Error,
}

/// One problem at one place. `line` and `column` are 0-based; `Display` prints them 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The path as the user knows it, e.g. `knowledge/services/s3.md`.
    pub path: String,
    /// 0-based line.
    pub line: usize,
    /// 0-based column, counted in characters.
    pub column: usize,
    /// Warning or error.
    pub severity: Severity,
    /// Lowercase message; user values in backticks.
    pub message: String,
}

impl Severity {
    /// The word a diagnostic prints: `error`, `warning`.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl Diagnostic {
    /// Where it is, as printed: `path:line:col`, 1-based, control characters escaped.
    pub fn place(&self) -> String {
        format!(
            "{}:{}:{}",
            Printable(&self.path),
            ordinal(self.line),
            ordinal(self.column)
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.place(),
            self.severity.word(),
            Printable(&self.message)
        )
    }
}

/// `text` with every character but line breaks turned into spaces of the same byte length, so
/// that offsets, lines and columns found in what is left still point into `text`.
pub fn blank(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => "\n".to_owned(),
            c => " ".repeat(c.len_utf8()),
        })
        .collect()
}

/// Text from the user (a file name, an id, a value) as a diagnostic prints it: control
/// characters escaped (`\n`, `\u{1b}`), so a newline or a terminal escape in a file name can
/// neither forge another diagnostic line nor reach the terminal.
pub struct Printable<'a>(pub &'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// A 0-based index printed 1-based: the one place that converts (just's `ordinal`).
pub fn ordinal(index: usize) -> usize {
    index + 1
}

/// The sink every stage pushes into. Order of pushing does not matter: `sorted` orders by place.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error at a place.
    pub fn error(&mut self, at: &Location, message: impl Into<String>) {
        self.push(at, Severity::Error, message.into());
    }

    /// Records a warning at a place.
    pub fn warning(&mut self, at: &Location, message: impl Into<String>) {
        self.push(at, Severity::Warning, message.into());
    }

    fn push(&mut self, at: &Location, severity: Severity, message: String) {
        self.items.push(Diagnostic {
            path: at.path.to_string(),
            line: at.line,
            column: at.column,
            severity,
            message,
        });
    }

    /// Records a diagnostic as it is.
    pub fn add(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Moves every diagnostic of `other` into this sink.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics, in recording order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// All diagnostics sorted by path, line, column, then message; duplicates removed.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        items.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
        });
        items.dedup();
        items
    }
}

/// A place in a file: display path plus 0-based line and column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The path as the user knows it; shared by every location in one file (a note's rows,
    /// duties, items and links each have one).
    pub path: Arc<str>,
    /// 0-based line.
    pub line: usize,
    /// 0-based column in characters.
    pub column: usize,
}

/// `path:line:col`, 1-based, as in diagnostics.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}:{}:{}`",
            self.path,
            ordinal(self.line),
            ordinal(self.column)
        )
    }
}

impl Location {
    /// The start of a file (for problems that concern the whole file).
    pub fn file(path: &str) -> Self {
        Self {
            path: path.into(),
            line: 0,
            column: 0,
        }
    }
}

/// Maps byte offsets of one text to 0-based line and character column.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, line_starts }
    }

    /// The 0-based (line, column) of a byte offset; offsets past the end clamp to the end.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, column)
    }

    /// The location of a byte offset in the file at `path`.
    pub fn locate(&self, path: &str, offset: usize) -> Location {
        self.locate_in(&path.into(), offset)
    }

    /// `locate`, with the path shared with the file's other locations.
    pub fn locate_in(&self, path: &Arc<str>, offset: usize) -> Location {
        let (line, column) = self.position(offset);
        Location {
            path: Arc::clone(path),
            line,
            column,
        }
    }
}

/// toml's messages can span lines; diagnostics are one line.
pub fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

/// A parser's message on one line (`first_line`) that, when it names an unknown field or variant
/// and the ones expected (serde: "unknown field `sumary`, expected one of `title`, `summary`"),
/// ends with the "did you mean" hint for the closest expected one.
pub fn parse_message(message: &str) -> String {
    let line = first_line(message);
    let hint = unknown_and_expected(&line)
        .map(|(word, expected)| did_you_mean(word, expected))
        .unwrap_or_default();
    line + &hint
}

/// The unknown word and the expected ones of serde's "unknown field `x`, expected `a` or `b`"
/// (or "expected one of `a`, `b`, `c`"; variants alike).
fn unknown_and_expected(line: &str) -> Option<(&str, Vec<&str>)> {
    let rest = line
        .strip_prefix("unknown field `")
        .or_else(|| line.strip_prefix("unknown variant `"))?;
    let (word, expected) = rest.split_once("`, expected ")?;
    // The names are the odd pieces between backticks.
    Some((word, expected.split('`').skip(1).step_by(2).collect()))
}

/// `; did you mean `x`?` naming the closest candidate (see `suggest`), or nothing when none is
/// close: the hint every "unknown ..." message ends with.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(word, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// The closest candidate by edit distance, if it is close enough to be a typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Edit distance over characters where swapping two neighbours counts as one edit
/// (optimal string alignment), so `tsl` is one typo away from `tls`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    for (i, cell) in d.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    // Control characters in a path or a message print escaped, on one line.
    #[test]
    fn control_characters_are_escaped() {
        let diag = Diagnostic {
            path: "knowledge/glossary/a\nknowledge/x.md:1:1: error: forged.md".into(),
            line: 0,
            column: 0,
            severity: Severity::Error,
            message: "invalid note id `\u{1b}[31mred`".into(),
        };
        assert_eq!(
            diag.to_string(),
            "knowledge/glossary/a\\nknowledge/x.md:1:1: error: forged.md:1:1: error: \
             invalid note id `\\u{1b}[31mred`"
        );
    }

    use super::*;

    // Byte offsets map to 0-based line and character column, multi-byte characters counted once.
    #[test]
    fn line_index_positions() {
        let text = "ab\ncé d\n\nx";
        let index = LineIndex::new(text);
        let cases = [
            (0, (0, 0)),
            (1, (0, 1)),
            (3, (1, 0)),
            (6, (1, 2)),
            (7, (1, 3)),
            (9, (2, 0)),
            (10, (3, 0)),
            (99, (3, 1)),
        ];
        for (offset, expected) in cases {
            assert_eq!(index.position(offset), expected, "offset {offset}");
        }
    }

    // Diagnostics print 1-based like a compiler and sort by path, then line.
    #[test]
    fn diagnostics_print_sorted() {
        let mut diags = Diagnostics::new();
        diags.error(
            &Location {
                path: "b.md".into(),
                line: 0,
                column: 0,
            },
            "second",
        );
        diags.warning(
            &Location {
                path: "a.md".into(),
                line: 11,
                column: 4,
            },
            "first",
        );
        let printed: Vec<String> = diags.sorted().iter().map(ToString::to_string).collect();
        assert_eq!(
            printed,
            ["a.md:12:5: warning: first", "b.md:1:1: error: second"]
        );
        assert_eq!((diags.error_count(), diags.warning_count()), (1, 1));
    }

    // Suggestions only offer near misses.
    #[test]
    fn suggestions() {
        let words = ["elasticache", "ec2", "s3"];
        assert_eq!(
            suggest("elasticahce", words.into_iter()),
            Some("elasticache")
        );
        assert_eq!(suggest("lambda", words.into_iter()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("tsl", "tls"), 1);
    }

    // An unknown field or variant gets the closest expected name as a hint, from serde's own
    // list; other messages are only cut to their first line.
    #[test]
    fn parse_messages_suggest_expected_names() {
        assert_eq!(
            parse_message("unknown field `sumary`, expected one of `title`, `summary`, `order`\n"),
            "unknown field `sumary`, expected one of `title`, `summary`, `order`; did you mean `summary`?"
        );
        assert_eq!(
            parse_message("unknown field `custmer`, expected `provider` or `customer`"),
            "unknown field `custmer`, expected `provider` or `customer`; did you mean `customer`?"
        );
        assert_eq!(
            parse_message("unknown variant `hgih`, expected `low` or `high`"),
            "unknown variant `hgih`, expected `low` or `high`; did you mean `high`?"
        );
        assert_eq!(
            parse_message("unknown field `zzz`, expected one of `title`, `summary`"),
            "unknown field `zzz`, expected one of `title`, `summary`"
        );
        assert_eq!(
            parse_message("unknown field `x`, there are no fields"),
            "unknown field `x`, there are no fields"
        );
        assert_eq!(
            parse_message("invalid type: string \"a\", expected an integer\nmore"),
            "invalid type: string \"a\", expected an integer"
        );
    }
}
