//! Highlighting cost, syntect against tree-sitter, on the code blocks of a knowledge directory.
//!
//! `cargo run --release -- DIR [RUNS]` (from `bench/highlight-peer`) collects every fenced code
//! block of the `.md` files under DIR (a `gen-kb` corpus has 15-line json, yaml, hcl, python and
//! bash blocks), highlights each language's blocks on one thread with both highlighters, RUNS
//! times (5) after one warm-up pass, and prints the median time a block and the HTML bytes a
//! block for each, and their ratio.
//!
//! syntect is whosecures's own highlighter (`whosecures::render::highlight_code`: two-face's
//! syntaxes, oniguruma, `hl-` classes). tree-sitter uses each grammar crate's own highlight
//! query, except HCL, whose crate ships none: a short query (strings, numbers, comments, block
//! types, attribute names) stands in, so its figure is a lower bound on a complete query's cost.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tree_sitter_highlight::{HighlightConfiguration, Highlighter, HtmlRenderer};
use whosecures::render::highlight_code;

/// Capture names tree-sitter may report; each becomes `class="hl-a hl-b"` for `a.b`.
const CAPTURES: &[&str] = &[
    "attribute",
    "boolean",
    "comment",
    "constant",
    "constant.builtin",
    "constructor",
    "embedded",
    "escape",
    "function",
    "function.builtin",
    "keyword",
    "label",
    "module",
    "number",
    "operator",
    "property",
    "punctuation",
    "punctuation.bracket",
    "punctuation.delimiter",
    "punctuation.special",
    "string",
    "string.special",
    "tag",
    "type",
    "type.builtin",
    "variable",
    "variable.builtin",
    "variable.parameter",
];

const HCL_QUERY: &str = r#"
(comment) @comment
(string_lit) @string
(template_literal) @string
(numeric_lit) @number
(bool_lit) @boolean
(block (identifier) @keyword)
(attribute (identifier) @property)
["=" "{" "}" "[" "]" "(" ")"] @punctuation
"#;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: highlight-peer DIR [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let blocks = match collect(Path::new(dir)) {
        Ok(blocks) => blocks,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let trees = match tree_configs() {
        Ok(trees) => trees,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let attributes: Vec<String> = CAPTURES
        .iter()
        .map(|c| format!("class=\"hl-{}\"", c.replace('.', " hl-")))
        .collect();
    let mut tree = Highlighter::new();

    println!("one thread, median of {runs} runs");
    println!(
        "{:8} {:>6}  {:>12} {:>12} {:>7}  {:>10} {:>10}",
        "language", "blocks", "syntect µs", "tree µs", "ratio", "syntect B", "tree B"
    );
    let (mut syntect_total, mut tree_total, mut count) = (Duration::ZERO, Duration::ZERO, 0);
    for (lang, codes) in &blocks {
        let Some(config) = trees.get(lang.as_str()) else {
            continue;
        };
        let by_syntect = |code: &str| highlight_code(lang, code).map_or(0, |html| html.len());
        let mut by_tree = |code: &str| -> usize {
            let Ok(events) = tree.highlight(config, code.as_bytes(), None, |_| None) else {
                return 0;
            };
            let mut html = HtmlRenderer::new();
            let attribute = |h: tree_sitter_highlight::Highlight, out: &mut Vec<u8>| {
                out.extend_from_slice(attributes[h.0].as_bytes())
            };
            match html.render(events, code.as_bytes(), &attribute) {
                Ok(()) => html.html.len(),
                Err(_) => 0,
            }
        };
        // Warm-up: syntect compiles its regexes on first use, as a build does on its first pages.
        let syntect_bytes: usize = codes.iter().map(|c| by_syntect(c)).sum();
        let tree_bytes: usize = codes.iter().map(|c| by_tree(c)).sum();
        let syntect_took = median(runs, || codes.iter().map(|c| by_syntect(c)).sum());
        let tree_took = median(runs, || codes.iter().map(|c| by_tree(c)).sum());
        let n = codes.len();
        println!(
            "{lang:8} {n:>6}  {:>12.1} {:>12.1} {:>6.2}x  {:>10} {:>10}",
            micros(syntect_took, n),
            micros(tree_took, n),
            syntect_took.as_secs_f64() / tree_took.as_secs_f64(),
            syntect_bytes / n.max(1),
            tree_bytes / n.max(1)
        );
        syntect_total += syntect_took;
        tree_total += tree_took;
        count += n;
    }
    println!(
        "{:8} {count:>6}  {:>11.2}s {:>11.2}s {:>6.2}x",
        "all",
        syntect_total.as_secs_f64(),
        tree_total.as_secs_f64(),
        syntect_total.as_secs_f64() / tree_total.as_secs_f64().max(f64::EPSILON)
    );
    ExitCode::SUCCESS
}

fn micros(took: Duration, blocks: usize) -> f64 {
    took.as_secs_f64() * 1e6 / blocks.max(1) as f64
}

/// The median wall time of `runs` calls (the sum they return keeps the work from being elided).
fn median(runs: usize, mut work: impl FnMut() -> usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(work());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn tree_configs() -> Result<BTreeMap<&'static str, HighlightConfiguration>, String> {
    let grammars = [
        (
            "bash",
            tree_sitter_bash::LANGUAGE,
            tree_sitter_bash::HIGHLIGHT_QUERY,
        ),
        ("hcl", tree_sitter_hcl::LANGUAGE, HCL_QUERY),
        (
            "json",
            tree_sitter_json::LANGUAGE,
            tree_sitter_json::HIGHLIGHTS_QUERY,
        ),
        (
            "python",
            tree_sitter_python::LANGUAGE,
            tree_sitter_python::HIGHLIGHTS_QUERY,
        ),
        (
            "yaml",
            tree_sitter_yaml::LANGUAGE,
            tree_sitter_yaml::HIGHLIGHTS_QUERY,
        ),
    ];
    grammars
        .into_iter()
        .map(|(name, language, query)| {
            let mut config = HighlightConfiguration::new(language.into(), name, query, "", "")
                .map_err(|e| format!("{name} highlight query: {e}"))?;
            config.configure(CAPTURES);
            Ok((name, config))
        })
        .collect()
}

/// Every fenced code block under `dir`, by language.
fn collect(dir: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    let mut blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let mut open: Option<(String, String)> = None;
        for line in text.lines() {
            match (open.as_mut(), line.strip_prefix("```")) {
                (None, Some(info)) => open = Some((info.trim().to_owned(), String::new())),
                (Some(_), Some(_)) => {
                    if let Some((lang, code)) = open.take() {
                        blocks.entry(lang).or_default().push(code);
                    }
                }
                (Some((_, code)), None) => {
                    code.push_str(line);
                    code.push('\n');
                }
                (None, None) => {}
            }
        }
    }
    Ok(blocks)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}
