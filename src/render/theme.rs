//! The theme: the embedded default templates and assets with a theme directory laid over them,
//! compiled once into Tera. Renders a view with a template; knows nothing of pages.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tera::Tera;

use super::highlight::Highlighter;
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
            files = source::overlay(files, source::read_dir_confined(dir)?);
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
        super::loops::check(&templates, &shown)?;
        let mut hasher = Hasher::new(None);
        for (name, text) in &templates {
            hasher.text(name).text(text);
        }
        let fingerprint = hasher.finish();
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default also escapes `/`, which makes every URL unreadable in the source.
        tera.set_escape_fn(crate::render::urls::escape);
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

    // Templates escape with `urls::escape` (tested there), not Tera's default, which also
    // escapes `/` and makes every URL unreadable in the source.
    #[test]
    fn templates_escape_as_escape_does() {
        let html = theme(&[("t.html", "{{ value }}")])
            .and_then(|t| {
                t.render(
                    "t.html",
                    serde_json::json!({"value": "<a href='x'>&</a>"}),
                    "",
                )
            })
            .expect("renders");
        assert_eq!(html, "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
    }

    // A theme template that calls the default `m::split` as it was called before the row's date
    // was an argument still renders, every duty's link dated; given the row's date, only a duty
    // checked on another day is.
    #[test]
    fn split_without_the_rows_date_dates_every_duty() {
        let call = SourceFile {
            rel_path: "templates/t.html".into(),
            display_path: "theme/templates/t.html".into(),
            bytes: "{% import \"macros.html\" as m %}{{ m::split(provider=p, customer=c) }}|\
                    {{ m::split(provider=p, customer=c, verified=\"2026-01-01\") }}"
                .into(),
        };
        let files = source::overlay(source::embedded(Tree::DefaultTheme), vec![call]);
        let html = Theme::from_files(files)
        .and_then(|t| {
            let duty = |day: &str| {
                serde_json::json!({"duty": "D", "source": "https://example.com/", "verified": day})
            };
            let p = [duty("2026-01-01"), duty("2026-02-02")];
            t.render("t.html", serde_json::json!({"p": p, "c": []}), "")
        })
        .expect("renders");
        let (old, new) = html.split_once('|').expect("both calls");
        assert_eq!(
            old.matches(" title=\"Source, verified ").count(),
            2,
            "{old}"
        );
        assert_eq!(
            new.matches(" title=\"Source, verified ").count(),
            1,
            "{new}"
        );
        assert!(new.contains("verified 2026-02-02"), "{new}");
    }

    // A theme with includes, extends, imports and macros calling macros, none of them looping,
    // loads (the loops themselves are refused by `loops`).
    #[test]
    fn templates_without_loops_load() {
        let fine = theme(&[
            ("base.html", "<main>{% block main %}{% endblock main %}</main>"),
            ("m.html", "{% macro x() %}x{{ self::y() }}{% endmacro x %}{% macro y() %}y{% endmacro y %}"),
            ("page.html", "{% extends \"base.html\" %}{% import \"m.html\" as m %}{% block main %}{{ m::x() }} {% raw %}{% include \"page.html\" %}{% endraw %}{% endblock main %}"),
        ]);
        assert!(fine.is_ok(), "{:?}", fine.err());
        let Err(Error::Template(error)) = theme(&[("a.html", "{% include \"a.html\" %}")]) else {
            panic!("a loop loads");
        };
        assert!(
            error.starts_with("theme/templates/a.html:1:1: template `a.html` includes itself"),
            "{error}"
        );
    }
}
