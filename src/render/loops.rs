//! Recursion in a theme, found before Tera would recurse without end: a template that includes,
//! extends or imports itself (directly or through others), a macro that calls itself (directly
//! or through other macros), and tags or expressions nested deeper than `MAX_DEPTH` (Tera's
//! parser and renderer recurse once per level). Tera has no depth limit, so each overflows the
//! stack and aborts the process, `check` and the preview server included. Recursive macros are refused
//! even with a base case: the theme cannot be checked for one, and no page needs a tree deeper
//! than a loop can draw.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;

use crate::error::{Error, Result};

/// The tags and names the checks read, compiled once.
struct Patterns {
    /// Comments and raw blocks: text, not tags.
    quiet: Regex,
    /// `include`, `extends` and `import` tags, with their arguments.
    uses: Regex,
    /// A quoted template name.
    name: Regex,
    /// `{% macro NAME(` and `{% endmacro`.
    macro_start: Regex,
    macro_end: Regex,
    /// A macro call, `namespace::name(`.
    call: Regex,
    /// A tag or an expression, and the keyword of a tag.
    tag: Regex,
    /// A string literal, and an operator outside one (Tera nests each operation in the last).
    string: Regex,
    operator: Regex,
}

/// How deep tags (`if`, `for`, `block`, `macro`, `filter`) and brackets in one expression may
/// nest, and how many operators one expression may hold (Tera nests each operation inside the
/// previous one). The default theme nests tags 6 deep; a template 20,000 deep, or `1 + 1 + …`
/// 20,000 long, overflowed the stack.
pub const MAX_DEPTH: usize = 100;

fn patterns() -> Option<&'static Patterns> {
    static PATTERNS: OnceLock<Option<Patterns>> = OnceLock::new();
    PATTERNS
        .get_or_init(|| {
            Some(Patterns {
                quiet: Regex::new(r"(?s)\{#.*?#\}|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}")
                    .ok()?,
                uses: Regex::new(r"\{%-?\s*(?:include|extends|import)\s+([^%]*)-?%\}").ok()?,
                name: Regex::new(r#""([^"]*)"|'([^']*)'"#).ok()?,
                macro_start: Regex::new(r"\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(").ok()?,
                macro_end: Regex::new(r"\{%-?\s*endmacro\b").ok()?,
                call: Regex::new(r"\b([A-Za-z_][A-Za-z0-9_]*)::([A-Za-z_][A-Za-z0-9_]*)\s*\(")
                    .ok()?,
                tag: Regex::new(r"(?s)\{%-?\s*([a-z_]*).*?%\}|\{\{.*?\}\}").ok()?,
                string: Regex::new(r#"(?s)"[^"]*"|'[^']*'|`[^`]*`"#).ok()?,
                operator: Regex::new(r"==|!=|<=|>=|[-+*/%~<>]|\b(?:and|or|not|in|is)\b").ok()?,
            })
        })
        .as_ref()
}

/// One template as the checks see it.
struct Text<'a> {
    name: &'a str,
    /// The template with comments and raw blocks blanked (same length, same lines).
    text: String,
    /// The file, as shown to the user.
    shown: &'a str,
}

impl Text<'_> {
    /// `file:line:col` of byte `at`.
    fn locate(&self, at: usize) -> String {
        let before = &self.text[..at.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("{}:{line}:{col}", self.shown)
    }
}

/// Refuses include loops and recursive macros with a located error naming the whole loop.
pub(super) fn check(
    templates: &[(String, String)],
    shown: &BTreeMap<String, String>,
) -> Result<()> {
    let Some(p) = patterns() else {
        return Ok(());
    };
    let texts: Vec<Text> = templates
        .iter()
        .map(|(name, text)| Text {
            name,
            text: p
                .quiet
                .replace_all(text, |c: &regex::Captures| crate::diag::blank(&c[0]))
                .into_owned(),
            shown: shown.get(name).map_or(name, String::as_str),
        })
        .collect();
    for t in &texts {
        depth(p, t)?;
    }
    includes(p, &texts)?;
    macros(p, &texts)
}

/// Refuses tags nested, or brackets in one tag nested, deeper than `MAX_DEPTH`.
fn depth(p: &Patterns, t: &Text) -> Result<()> {
    let mut tags = 0usize;
    for tag in p.tag.captures_iter(&t.text) {
        let Some(whole) = tag.get(0) else {
            continue;
        };
        match tag.get(1).map(|k| k.as_str()) {
            Some("if" | "for" | "block" | "macro" | "filter") => tags += 1,
            Some(k) if k.starts_with("end") => tags = tags.saturating_sub(1),
            _ => {}
        }
        if tags > MAX_DEPTH {
            return Err(Error::Template(format!(
                "{}: tags nested more than {MAX_DEPTH} deep; Tera would recurse until the stack \
                 overflows",
                t.locate(whole.start())
            )));
        }
        let code = p.string.replace_all(whole.as_str(), "\"\"");
        if p.operator.find_iter(&code).nth(MAX_DEPTH).is_some() {
            return Err(Error::Template(format!(
                "{}: more than {MAX_DEPTH} operators in one expression; Tera would recurse until \
                 the stack overflows",
                t.locate(whole.start())
            )));
        }
        let mut brackets = 0usize;
        for (i, c) in whole.as_str().char_indices() {
            match c {
                '(' | '[' => brackets += 1,
                ')' | ']' => brackets = brackets.saturating_sub(1),
                _ => {}
            }
            if brackets > MAX_DEPTH {
                return Err(Error::Template(format!(
                    "{}: brackets nested more than {MAX_DEPTH} deep; Tera would recurse until \
                     the stack overflows",
                    t.locate(whole.start() + i)
                )));
            }
        }
    }
    Ok(())
}

/// A use of one node by another, and where the using file says it.
type Edges<'a, K> = BTreeMap<K, Vec<(K, usize)>>;

fn includes(p: &Patterns, texts: &[Text]) -> Result<()> {
    let mut edges: Edges<&str> = BTreeMap::new();
    for t in texts {
        let used = edges.entry(t.name).or_default();
        for tag in p.uses.captures_iter(&t.text) {
            let (Some(whole), Some(args)) = (tag.get(0), tag.get(1)) else {
                continue;
            };
            // `import "macros.html" as m`: the name comes before `as`.
            let names = args.as_str().split(" as ").next().unwrap_or("");
            for name in p.name.captures_iter(names) {
                if let Some(name) = name.get(1).or_else(|| name.get(2)) {
                    used.push((name.as_str(), whole.start()));
                }
            }
        }
    }
    let Some(cycle) = find_cycle(&edges) else {
        return Ok(());
    };
    let (first, at) = cycle[0];
    let file = texts.iter().find(|t| t.name == first);
    let place = file.map_or_else(|| first.to_owned(), |t| t.locate(at));
    Err(Error::Template(format!(
        "{place}: template `{first}` includes itself ({}); Tera would recurse without end",
        chain(cycle.iter().map(|(name, _)| name.to_string()), first)
    )))
}

fn macros(p: &Patterns, texts: &[Text]) -> Result<()> {
    // Which file each template's namespaces stand for (`self` is the template itself).
    let mut edges: Edges<(&str, &str)> = BTreeMap::new();
    for t in texts {
        let mut namespaces: BTreeMap<&str, &str> = BTreeMap::new();
        for tag in p.uses.captures_iter(&t.text) {
            let Some(args) = tag.get(1).map(|a| a.as_str()) else {
                continue;
            };
            if let Some((file, alias)) = args.split_once(" as ") {
                if let Some(file) = p.name.captures(file) {
                    if let Some(file) = file.get(1).or_else(|| file.get(2)) {
                        namespaces.insert(alias.trim(), file.as_str());
                    }
                }
            }
        }
        let mut rest = 0;
        while let Some(start) = p.macro_start.captures_at(&t.text, rest) {
            let (Some(whole), Some(name)) = (start.get(0), start.get(1)) else {
                break;
            };
            let end = p
                .macro_end
                .find_at(&t.text, whole.end())
                .map_or(t.text.len(), |m| m.start());
            let calls = edges.entry((t.name, name.as_str())).or_default();
            for call in p.call.captures_iter(&t.text[whole.end()..end]) {
                let (Some(ns), Some(callee), Some(at)) = (call.get(1), call.get(2), call.get(0))
                else {
                    continue;
                };
                let file = match ns.as_str() {
                    "self" => Some(t.name),
                    ns => namespaces.get(ns).copied(),
                };
                if let Some(file) = file {
                    calls.push(((file, callee.as_str()), whole.end() + at.start()));
                }
            }
            rest = end.max(whole.end());
        }
    }
    let Some(cycle) = find_cycle(&edges) else {
        return Ok(());
    };
    let ((file, name), at) = cycle[0];
    let place = texts
        .iter()
        .find(|t| t.name == file)
        .map_or_else(|| file.to_owned(), |t| t.locate(at));
    let names = cycle.iter().map(|((f, m), _)| {
        if *f == file {
            m.to_string()
        } else {
            format!("{f}::{m}")
        }
    });
    Err(Error::Template(format!(
        "{place}: macro `{name}` calls itself ({}); Tera has no depth limit, so a recursive \
         macro would overflow the stack: draw nested data with a loop instead",
        chain(names, name)
    )))
}

/// `a` → `b` → `a`, the loop closed on `back`.
fn chain(names: impl Iterator<Item = String>, back: &str) -> String {
    names
        .chain(std::iter::once(back.to_owned()))
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// A loop in `edges`, as each node on it with the place where it uses the next; the first loop
/// met going depth-first through the nodes in order, so the answer is the same every run.
fn find_cycle<K: Ord + Copy>(edges: &Edges<K>) -> Option<Vec<(K, usize)>> {
    fn visit<K: Ord + Copy>(
        at: K,
        edges: &Edges<K>,
        path: &mut Vec<(K, usize)>,
        done: &mut BTreeSet<K>,
    ) -> Option<Vec<(K, usize)>> {
        if let Some(start) = path.iter().position(|(k, _)| *k == at) {
            return Some(path[start..].to_vec());
        }
        if !done.insert(at) {
            return None;
        }
        for (next, place) in edges.get(&at).into_iter().flatten() {
            path.push((at, *place));
            if let Some(cycle) = visit(*next, edges, path, done) {
                return Some(cycle);
            }
            path.pop();
        }
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|k| visit(*k, edges, &mut Vec::new(), &mut done))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_all(templates: &[(&str, &str)]) -> std::result::Result<(), String> {
        let owned: Vec<(String, String)> = templates
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        let shown = templates
            .iter()
            .map(|(n, _)| ((*n).to_owned(), format!("theme/templates/{n}")))
            .collect();
        match check(&owned, &shown) {
            Ok(()) => Ok(()),
            Err(Error::Template(message)) => Err(message),
            Err(other) => Err(other.to_string()),
        }
    }

    // Includes, extends and imports that come back to where they started are refused, at the
    // tag that closes the loop's first step.
    #[test]
    fn include_loops() {
        for (templates, message) in [
            (
                vec![("a.html", "x\n  {% include \"a.html\" %}")],
                "theme/templates/a.html:2:3: template `a.html` includes itself (`a.html` → `a.html`)",
            ),
            (
                vec![
                    ("a.html", "x{%- include 'b.html' -%}"),
                    ("b.html", "{% extends \"c.html\" %}"),
                    ("c.html", "{% import \"a.html\" as m %}"),
                ],
                "theme/templates/a.html:1:2: template `a.html` includes itself (`a.html` → `b.html` → `c.html` → `a.html`)",
            ),
        ] {
            let error = check_all(&templates).expect_err("a loop");
            assert!(error.starts_with(message), "{error}");
        }
    }

    // Tags or brackets nested past the limit are refused where they pass it; the default
    // theme's depth, and the limit itself, are fine.
    #[test]
    fn nesting() {
        let deep = |n: usize| format!("{}x{}", "{% if a %}".repeat(n), "{% endif %}".repeat(n));
        check_all(&[("a.html", &deep(MAX_DEPTH))]).expect("at the limit");
        let error =
            check_all(&[("a.html", &format!("\n{}", deep(MAX_DEPTH + 1)))]).expect_err("too deep");
        assert!(
            error.starts_with(&format!(
                "theme/templates/a.html:2:{}: tags nested more than {MAX_DEPTH} deep",
                MAX_DEPTH * 10 + 1
            )),
            "{error}"
        );
        let error = check_all(&[(
            "b.html",
            &format!(
                "{{{{ {}1{} }}}}",
                "(".repeat(MAX_DEPTH + 1),
                ")".repeat(MAX_DEPTH + 1)
            ),
        )])
        .expect_err("too deep");
        assert!(
            error.starts_with(&format!(
                "theme/templates/b.html:1:{}: brackets nested more than {MAX_DEPTH} deep",
                MAX_DEPTH + 4
            )),
            "{error}"
        );
        let error = check_all(&[(
            "c.html",
            &format!(
                "{{{{ 1{} }}}} {{{{ \"{}\" }}}}",
                " + 1".repeat(MAX_DEPTH + 1),
                "-".repeat(500)
            ),
        )])
        .expect_err("too long");
        assert!(
            error.starts_with(&format!(
                "theme/templates/c.html:1:1: more than {MAX_DEPTH} operators in one expression"
            )),
            "{error}"
        );
        check_all(&[(
            "d.html",
            &format!("{{{{ \"{}\" ~ 'a+b' }}}}", "-".repeat(500)),
        )])
        .expect("operators in strings do not count");
        for template in std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates"),
        )
        .into_iter()
        .flatten()
        .flatten()
        {
            let text = std::fs::read_to_string(template.path()).unwrap_or_default();
            check_all(&[("t.html", &text)]).expect("the default theme is within the limits");
        }
    }

    // A macro calling itself, through `self::` or through another file's namespace, is refused
    // at the call; macros calling other macros without a loop, and loops in comments or raw
    // blocks, are fine.
    #[test]
    fn recursive_macros() {
        let error = check_all(&[(
            "m.html",
            "{% macro tree(n) %}\n<li>{{ self::tree(n=n.child) }}</li>{% endmacro tree %}",
        )])
        .expect_err("recursion");
        assert!(
            error.starts_with(
                "theme/templates/m.html:2:8: macro `tree` calls itself (`tree` → `tree`)"
            ),
            "{error}"
        );
        let error = check_all(&[
            (
                "a.html",
                "{% import \"b.html\" as b %}{% macro ping() %}{{ b::pong() }}{% endmacro %}",
            ),
            (
                "b.html",
                "{% import \"a.html\" as a %}{% macro pong() %}{{ a::ping() }}{% endmacro %}",
            ),
        ])
        .expect_err("mutual recursion");
        // The files import each other: that loop is reported first, as a template loop.
        assert!(error.contains("includes itself"), "{error}");
        let error = check_all(&[(
            "m.html",
            "{% macro a() %}{{ self::b() }}{% endmacro a %}{% macro b() %}{{ self::a() }}{% endmacro b %}",
        )])
        .expect_err("mutual recursion");
        assert!(
            error.starts_with(
                "theme/templates/m.html:1:19: macro `a` calls itself (`a` → `b` → `a`)"
            ),
            "{error}"
        );
        check_all(&[
            ("m.html", "{% macro a() %}{{ self::b() }}{% endmacro a %}{% macro b() %}b{# {{ self::b() }} #}{% raw %}{{ self::b() }}{% endraw %}{% endmacro b %}"),
            ("page.html", "{% import \"m.html\" as m %}{{ m::a() }}{{ m::a() }}"),
        ])
        .expect("no loop");
    }
}
