//! Syntax highlighting with syntect, in compact token classes: each token gets at most one short
//! class from a small palette (`hl-c` comment, `hl-k` keyword, `hl-s` string, `hl-m` constant,
//! `hl-n` name, `hl-t` tag, `hl-v` variable), as Pygments and Chroma do, instead of one class per
//! scope (a 15-line Python block took 23 KB in nested per-scope spans). Adjacent tokens of one
//! class share a span and unclassed text has none. The colours are CSS variables
//! (`--code-comment` ...) set by the theme's stylesheet; `static/highlight.css` maps the classes to
//! them, so a theme restyles code by setting the variables or the classes. The syntax set is
//! loaded once per process.

use std::sync::OnceLock;

use syntect::easy::ScopeRangeIterator;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::urls::escape;

/// The token classes: class, what it marks, the CSS variable that colours it.
pub const CLASSES: [(&str, &str, &str); 7] = [
    ("hl-c", "comments", "--code-comment"),
    (
        "hl-k",
        "keywords, storage (types, modifiers), invalid code",
        "--code-keyword",
    ),
    ("hl-s", "strings", "--code-string"),
    (
        "hl-m",
        "constants, numbers, support names, keys of mappings",
        "--code-constant",
    ),
    (
        "hl-n",
        "names of functions, types and attributes",
        "--code-entity",
    ),
    ("hl-t", "tag names (HTML, XML)", "--code-tag"),
    ("hl-v", "parameters and other variables", "--code-variable"),
];

/// Which class a token gets: the first rule all of whose scopes prefix some scope of the token's
/// stack. Order matters (a key in a mapping is a string, shown as a constant).
const RULES: &[(&str, &[&str])] = &[
    ("hl-m", &["meta.mapping.key", "string"]),
    ("hl-t", &["entity.name.tag"]),
    ("hl-c", &["comment"]),
    ("hl-s", &["string"]),
    ("hl-k", &["keyword"]),
    ("hl-k", &["storage"]),
    ("hl-k", &["invalid"]),
    ("hl-n", &["entity.name"]),
    ("hl-n", &["support.function"]),
    ("hl-n", &["variable.function"]),
    ("hl-n", &["entity.other.attribute-name"]),
    ("hl-v", &["variable.parameter"]),
    ("hl-v", &["variable.other"]),
    ("hl-m", &["constant"]),
    ("hl-m", &["support"]),
];

/// `RULES` with their scopes parsed, once.
fn rules() -> &'static [(&'static str, Vec<Scope>)] {
    static RULES_PARSED: OnceLock<Vec<(&'static str, Vec<Scope>)>> = OnceLock::new();
    RULES_PARSED.get_or_init(|| {
        RULES
            .iter()
            .filter_map(|(class, scopes)| {
                let scopes: Option<Vec<Scope>> =
                    scopes.iter().map(|s| Scope::new(s).ok()).collect();
                scopes.map(|scopes| (*class, scopes))
            })
            .collect()
    })
}

/// The class of a token whose scope stack is `stack`; `None` for plain text.
fn classify(stack: &[Scope]) -> Option<&'static str> {
    rules().iter().find_map(|(class, wanted)| {
        wanted
            .iter()
            .all(|w| stack.iter().any(|s| w.is_prefix_of(*s)))
            .then_some(*class)
    })
}

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
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut out = String::with_capacity(code.len() * 2);
        let mut open: Option<&str> = None;
        for line in LinesWithEndings::from(code) {
            // A line syntect cannot parse degrades to plain text for the whole block.
            let ops = state.parse_line(line, &self.syntaxes).ok()?;
            for (range, op) in ScopeRangeIterator::new(&ops, line) {
                stack.apply(op).ok()?;
                let text = &line[range];
                if text.is_empty() {
                    continue;
                }
                // Whitespace takes the class already open, so spans are not split by it.
                let class = if text.trim().is_empty() {
                    open
                } else {
                    classify(stack.as_slice())
                };
                if class != open {
                    if open.is_some() {
                        out.push_str("</span>");
                    }
                    if let Some(class) = class {
                        out.push_str("<span class=\"");
                        out.push_str(class);
                        out.push_str("\">");
                    }
                    open = class;
                }
                out.push_str(&escape(text));
            }
        }
        if open.is_some() {
            out.push_str("</span>");
        }
        Some(out)
    }

    /// The stylesheet for highlighted code: each class coloured by its variable. The theme's
    /// stylesheet sets the variables for the light and the dark theme.
    pub fn css() -> String {
        let mut css = String::from(
            "/* Code token classes (see the README: \"Highlighted code\"). Colours come from the\n   theme's variables; these are the fallbacks. */\n",
        );
        for (class, what, var) in CLASSES {
            css.push_str(&format!(
                ".{class} {{ color: var({var}, inherit); }} /* {what} */\n"
            ));
        }
        css
    }
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
            assert!(html.contains("<span class=\"hl-"), "{lang}: {html}");
        }
        assert!(h.highlight("no-such-language", "x").is_none());
    }

    // Tokens get one short class each, adjacent ones share a span, plain text has none, and the
    // text is escaped.
    #[test]
    fn compact_classes() {
        let h = Highlighter::get();
        let html = h
            .highlight("python", "# note\nif x < 1:\n    print(\"a\")\n")
            .expect("python");
        assert!(html.contains(r#"<span class="hl-c"># note"#), "{html}");
        assert!(html.contains(r#"<span class="hl-k">if </span>"#), "{html}");
        assert!(html.contains("&lt;"), "{html}");
        assert!(
            html.contains(r#"<span class="hl-s">&quot;a&quot;</span>"#),
            "{html}"
        );
        assert!(!html.contains("hl-source"), "{html}");
        let json = h.highlight("json", "{\"key\": \"value\"}\n").expect("json");
        assert!(
            json.contains(r#"<span class="hl-m">&quot;key&quot;</span>"#),
            "{json}"
        );
        assert!(
            json.contains(r#"<span class="hl-s">&quot;value&quot;</span>"#),
            "{json}"
        );
        let css = Highlighter::css();
        for (class, _, var) in CLASSES {
            assert!(
                css.contains(&format!(".{class} {{ color: var({var}")),
                "{css}"
            );
        }
    }
}
