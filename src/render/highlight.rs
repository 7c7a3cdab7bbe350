//! Syntax highlighting with syntect, CSS classes instead of inline styles so themes can restyle
//! code and dark mode is one stylesheet. The syntax set is loaded once per process.

use std::sync::OnceLock;

use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;
use two_face::theme::EmbeddedThemeName;

/// Class prefix, so highlighting classes never clash with the theme's own.
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// The highlighter: syntect's syntaxes plus bat's extra ones (TOML, Terraform/HCL, Dockerfile...).
pub struct Highlighter {
    syntaxes: SyntaxSet,
}

impl Highlighter {
    /// The process-wide highlighter (loading the syntax set costs milliseconds: do it once).
    pub fn get() -> &'static Highlighter {
        static HIGHLIGHTER: OnceLock<Highlighter> = OnceLock::new();
        HIGHLIGHTER.get_or_init(|| Highlighter {
            syntaxes: two_face::syntax::extra_newlines(),
        })
    }

    /// Highlights `code` as `lang`. Returns `None` for a language syntect does not know, so the
    /// caller shows plain text (never an error).
    pub fn highlight(&self, lang: &str, code: &str) -> Option<String> {
        let token = match lang.to_ascii_lowercase().as_str() {
            "shell" | "console" | "zsh" => "bash".to_owned(),
            "hcl" | "terraform" | "tf" => "tf".to_owned(),
            "jsonc" | "json5" => "json".to_owned(),
            other => other.to_owned(),
        };
        let syntax = self.syntaxes.find_syntax_by_token(&token)?;
        let mut generator =
            ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, STYLE);
        for line in LinesWithEndings::from(code) {
            // A line syntect cannot parse degrades to plain text for the whole block.
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
        }
        Some(generator.finalize())
    }

    /// The stylesheet for highlighted code: a light theme, and a dark one scoped to
    /// `[data-theme="dark"]` so the theme toggle switches both.
    pub fn css() -> String {
        let themes = two_face::theme::extra();
        let light =
            css_for_theme_with_class_style(themes.get(EmbeddedThemeName::InspiredGithub), STYLE)
                .unwrap_or_default();
        let dark =
            css_for_theme_with_class_style(themes.get(EmbeddedThemeName::OneHalfDark), STYLE)
                .unwrap_or_default();
        let mut css = light;
        css.push_str("\n/* dark */\n");
        css.push_str(&scope(&dark, "[data-theme=\"dark\"]"));
        css
    }
}

/// Prefixes every selector of a flat stylesheet with `scope`.
fn scope(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    let mut in_rule = false;
    let mut in_comment = false;
    for line in css.lines() {
        let trimmed = line.trim();
        if in_comment || trimmed.starts_with("/*") {
            in_comment = !trimmed.ends_with("*/");
            out.push_str(line);
        } else if !in_rule && trimmed.starts_with('.') {
            let selectors: Vec<String> = trimmed
                .trim_end_matches('{')
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| format!("{scope} {}", s.trim()))
                .collect();
            out.push_str(&selectors.join(", "));
            if trimmed.ends_with('{') {
                out.push_str(" {");
                in_rule = true;
            } else {
                out.push(',');
            }
        } else {
            if trimmed.ends_with('}') {
                in_rule = false;
            }
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every language the knowledge base uses is highlighted; unknown ones return None.
    #[test]
    fn languages() {
        let h = Highlighter::get();
        for lang in [
            "json",
            "yaml",
            "hcl",
            "terraform",
            "javascript",
            "python",
            "bash",
            "toml",
            "shell",
        ] {
            let html = h
                .highlight(lang, "a = 1\n")
                .unwrap_or_else(|| panic!("{lang} not highlighted"));
            assert!(html.contains("hl-"), "{lang}: {html}");
        }
        assert!(h.highlight("no-such-language", "x").is_none());
    }

    // The dark stylesheet is scoped so it only applies under the dark theme.
    #[test]
    fn scoped_css() {
        let css = scope(".a .b, .c {\n color: red;\n}\n", "[x]");
        assert_eq!(css, "[x] .a .b, [x] .c {\n color: red;\n}\n");
        assert!(Highlighter::css().contains("[data-theme=\"dark\"] .hl-comment"));
    }
}
