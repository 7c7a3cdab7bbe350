//! The floor under a build: the time Markdown parsing plus code highlighting alone take for every
//! note of a knowledge directory, on all cores, with nothing else (no front matter, links,
//! templates, search index or writes). `bench/floor.sh` compares a full build against it.
//!
//! `cargo run --release --example floor -- DIR [RUNS]` prints, for the median of RUNS (5):
//! Markdown to HTML with highlighted code blocks, Markdown alone, and highlighting alone.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use pulldown_cmark::{html, CodeBlockKind, Event, Tag, TagEnd};
use rayon::prelude::*;
use whosecures::markdown;
use whosecures::render::highlight_code;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: floor DIR [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut paths = Vec::new();
    if let Err(e) = walk(Path::new(dir), &mut paths) {
        eprintln!("error: cannot read `{dir}`: {e}");
        return ExitCode::from(2);
    }
    let mut bodies = Vec::new();
    for path in &paths {
        match std::fs::read_to_string(path) {
            Ok(text) => bodies.push(body(&text).to_owned()),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let bytes: usize = bodies.iter().map(String::len).sum();
    let blocks: usize = bodies.iter().map(|b| code_blocks(b).len()).sum();
    println!(
        "{} notes, {:.1} MB of Markdown, {blocks} code blocks, {} threads, median of {runs} runs",
        bodies.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    // Highlight the blocks up front once, outside the timings, so every run finds syntect's
    // lazily compiled regexes ready, as a long build does after its first pages.
    bodies.par_iter().for_each(|b| {
        for (lang, code) in code_blocks(b) {
            let _ = highlight_code(&lang, &code);
        }
    });
    let both = median(runs, || bodies.par_iter().map(|b| to_html(b, true)).sum());
    let parse = median(runs, || bodies.par_iter().map(|b| to_html(b, false)).sum());
    let highlight = median(runs, || {
        bodies
            .par_iter()
            .map(|b| {
                code_blocks(b)
                    .iter()
                    .map(|(lang, code)| highlight_code(lang, code).map_or(0, |h| h.len()))
                    .sum::<usize>()
            })
            .sum()
    });
    // Per language, one thread: where highlighting time goes.
    let mut by_lang: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for b in &bodies {
        for (lang, code) in code_blocks(b) {
            by_lang.entry(lang).or_default().push(code);
        }
    }
    for (lang, codes) in &by_lang {
        let took = median(runs, || {
            codes
                .iter()
                .map(|c| highlight_code(lang, c).map_or(0, |h| h.len()))
                .sum()
        });
        println!(
            "highlight {lang:<8} {:>6} blocks  {:>8.1} µs a block (one thread)",
            codes.len(),
            took.as_secs_f64() * 1e6 / codes.len() as f64
        );
    }
    println!("markdown + highlighting  {:>8.3} s", both.as_secs_f64());
    println!("markdown alone           {:>8.3} s", parse.as_secs_f64());
    println!(
        "highlighting alone       {:>8.3} s",
        highlight.as_secs_f64()
    );
    ExitCode::SUCCESS
}

/// Median wall time of `runs` calls of `f` (which returns a size, kept so nothing is optimised
/// away).
fn median(runs: usize, f: impl Fn() -> usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// A note's Markdown: what follows the closing `+++` of its front matter.
fn body(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("+++\n") else {
        return text;
    };
    match rest.find("\n+++\n") {
        Some(end) => &rest[end + 5..],
        None => text,
    }
}

/// The fenced code blocks of a body: (language, code).
fn code_blocks(body: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for event in markdown::parser(body) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                current = Some((lang, String::new()));
            }
            Event::Text(text) => {
                if let Some((_, code)) = current.as_mut() {
                    code.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

/// Markdown to HTML, code blocks highlighted when `highlight`; returns the HTML's length.
fn to_html(body: &str, highlight: bool) -> usize {
    let mut events = Vec::new();
    let mut code: Option<(String, String)> = None;
    for event in markdown::parser(body) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if highlight => {
                let lang = info.split_whitespace().next().unwrap_or("").to_owned();
                code = Some((lang, String::new()));
            }
            Event::Text(text) if code.is_some() => {
                if let Some((_, buf)) = code.as_mut() {
                    buf.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) if code.is_some() => {
                if let Some((lang, buf)) = code.take() {
                    let html = highlight_code(&lang, &buf).unwrap_or(buf);
                    events.push(Event::Html(
                        format!("<pre><code>{html}</code></pre>").into(),
                    ));
                }
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out.len()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}
