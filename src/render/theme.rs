//! The theme: the embedded default templates and assets with a theme directory laid over them,
//! compiled once into Tera. Renders a view with a template; knows nothing of pages.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;
use tera::Tera;

use super::highlight::Highlighter;
use super::urls::escape;
use crate::error::{Error, Result};
use crate::incremental::{Fingerprint, Hasher};
use crate::source::{self, SourceFile, Tree};

/// Templates and static files of the theme in use: the embedded default, with any file of the
/// configured theme directory laid over it.
pub struct Theme {
    pub(super) tera: Tera,
    /// Of every template (name and text): a page rendered with other templates is not reused.
    pub(super) fingerprint: Fingerprint,
    /// Static files, site-relative paths (`static/style.css`).
    pub assets: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// Loads the default theme, overridden by `dir` when given.
    pub fn load(dir: Option<&Path>) -> Result<Theme> {
        let mut files = source::embedded(Tree::DefaultTheme);
        if let Some(dir) = dir {
            files = source::overlay(files, source::read_dir(dir)?);
        }
        Theme::from_files(files)
    }

    /// Builds a theme from its files (templates under `templates/`, assets under `static/`).
    pub fn from_files(files: Vec<SourceFile>) -> Result<Theme> {
        let mut templates: Vec<(String, String)> = Vec::new();
        let mut shown: BTreeMap<String, String> = BTreeMap::new();
        let mut assets = Vec::new();
        for file in files {
            if let Some(name) = file.rel_path.strip_prefix("templates/") {
                let text = String::from_utf8(file.bytes).map_err(|_| {
                    Error::Template(format!(
                        "{}: template is not valid UTF-8",
                        file.display_path
                    ))
                })?;
                shown.insert(name.to_owned(), file.display_path.clone());
                templates.push((name.to_owned(), text));
            } else if file.rel_path.starts_with("static/") {
                assets.push((file.rel_path, file.bytes));
            }
        }
        templates.sort();
        check_cycles(&templates, &shown)?;
        let mut hasher = Hasher::new(None);
        for (name, text) in &templates {
            hasher.text(name).text(text);
        }
        let fingerprint = hasher.finish();
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default also escapes `/`, which makes every URL unreadable in the source.
        tera.set_escape_fn(escape);
        tera.add_raw_templates(templates)
            .map_err(|e| Error::Template(error_chain(&e)))?;
        assets.push((
            "static/highlight.css".to_owned(),
            Highlighter::css().into_bytes(),
        ));
        Ok(Theme {
            tera,
            fingerprint,
            assets,
        })
    }

    /// Renders `view` with `template`. Takes the view: once Tera has its own copy of it (as JSON
    /// values) the view is dropped, so the largest pages are not held twice while they render.
    /// Every template sees the relative path to the site root as `root`, beside the view.
    pub(super) fn render<T: Serialize>(
        &self,
        template: &str,
        view: T,
        root: &str,
    ) -> Result<String> {
        let mut context =
            tera::Context::from_serialize(&view).map_err(|e| Error::Template(error_chain(&e)))?;
        context.insert("root", root);
        drop(view);
        self.tera
            .render(template, &context)
            .map_err(|e| Error::Template(error_chain(&e)))
    }
}

/// Refuses templates that include, extend or import themselves, directly or through others: Tera
/// would recurse until the stack overflows (the process aborts, `check` included). The error
/// names the file and the whole loop. (A recursive macro is legitimate and not checked here.)
fn check_cycles(templates: &[(String, String)], shown: &BTreeMap<String, String>) -> Result<()> {
    type Patterns = (regex::Regex, regex::Regex, regex::Regex);
    static PATTERNS: OnceLock<Option<Patterns>> = OnceLock::new();
    let Some((quiet, tag, name)) = PATTERNS.get_or_init(|| {
        // Comments and raw blocks hold text, not tags.
        let quiet =
            regex::Regex::new(r"(?s)\{#.*?#\}|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}")
                .ok()?;
        let tag = regex::Regex::new(r"\{%-?\s*(?:include|extends|import)\s+([^%]*)-?%\}").ok()?;
        let name = regex::Regex::new(r#""([^"]*)"|'([^']*)'"#).ok()?;
        Some((quiet, tag, name))
    }) else {
        return Ok(());
    };
    let texts: Vec<(&str, String)> = templates
        .iter()
        .map(|(template, text)| (template.as_str(), quiet.replace_all(text, "").into_owned()))
        .collect();
    let uses: BTreeMap<&str, BTreeSet<&str>> = texts
        .iter()
        .map(|(template, text)| {
            let used = tag
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                // `import "macros.html" as m`: the name comes before `as`.
                .flat_map(|args| {
                    name.captures_iter(args.as_str().split(" as ").next().unwrap_or(""))
                })
                .filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.as_str()))
                .collect();
            (*template, used)
        })
        .collect();
    // Depth-first from every template; a template met again on the current path closes a loop.
    fn visit<'a>(
        at: &'a str,
        uses: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(start) = path.iter().position(|t| *t == at) {
            let mut cycle = path[start..].to_vec();
            cycle.push(at);
            return Some(cycle);
        }
        if !done.insert(at) {
            return None;
        }
        path.push(at);
        for next in uses.get(at).into_iter().flatten() {
            if let Some(cycle) = visit(next, uses, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for template in uses.keys() {
        if let Some(cycle) = visit(template, &uses, &mut Vec::new(), &mut done) {
            let file = shown.get(cycle[0]).map_or(cycle[0], String::as_str);
            return Err(Error::Template(format!(
                "{file}: template `{}` includes itself ({}); Tera would recurse without end",
                cycle[0],
                cycle
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            )));
        }
    }
    Ok(())
}

/// Tera nests the useful message in `source()`; show the whole chain on one line.
pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = format!("template error: {error}");
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(templates: &[(&str, &str)]) -> Result<Theme> {
        Theme::from_files(
            templates
                .iter()
                .map(|(name, text)| SourceFile {
                    rel_path: format!("templates/{name}"),
                    display_path: format!("theme/templates/{name}"),
                    bytes: text.as_bytes().to_vec(),
                })
                .collect(),
        )
    }

    // A template that includes, extends or imports itself, directly or through others, is an
    // error naming its file and the loop; including, extending and importing without a loop is
    // fine, and so is a name in a string that is not a tag.
    #[test]
    fn include_loops_are_refused() {
        for (templates, message) in [
            (
                vec![("a.html", "{% include \"a.html\" %}")],
                "theme/templates/a.html: template `a.html` includes itself (`a.html` → `a.html`)",
            ),
            (
                vec![
                    ("a.html", "x{%- include 'b.html' -%}"),
                    ("b.html", "{% extends \"c.html\" %}"),
                    ("c.html", "{% import \"a.html\" as m %}"),
                ],
                "theme/templates/a.html: template `a.html` includes itself (`a.html` → `b.html` → `c.html` → `a.html`)",
            ),
        ] {
            let Err(Error::Template(error)) = theme(&templates) else {
                panic!("{templates:?}: expected an error");
            };
            assert!(error.starts_with(message), "{error}");
        }
        let fine = theme(&[
            ("base.html", "<main>{% block main %}{% endblock main %}</main>"),
            ("m.html", "{% macro x() %}x{% endmacro x %}"),
            ("page.html", "{% extends \"base.html\" %}{% import \"m.html\" as m %}{% block main %}{{ m::x() }} {% raw %}{% include \"page.html\" %}{% endraw %}{% endblock main %}"),
        ]);
        assert!(fine.is_ok(), "{:?}", fine.err());
    }
}
