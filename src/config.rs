//! `book.toml` → typed `Config`, and the `Project` it resolves to with the command line's
//! overrides. Unknown keys are errors; relative paths are resolved against the directory that
//! holds `book.toml`. Files are read by `source`, never here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{parse_message, Diagnostic, LineIndex, Location, Severity};
use crate::error::{Error, Result};
use crate::history::History;
use crate::source::{self, SourceFile};

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What the site is called and says about itself.
    #[serde(default)]
    pub book: BookConfig,
    /// Where inputs come from and outputs go.
    #[serde(default)]
    pub build: BuildConfig,
    /// The organisation's own names: teams per layer, runbooks per checklist item.
    #[serde(default)]
    pub org: OrgConfig,
}

/// `[org]`: what an internal wiki adds to the provider/customer split. Checked against the
/// knowledge base by `kb::check_org`, at the line of each entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    /// The organisation's name, shown as "<name> team".
    pub name: Option<String>,
    /// `[org.teams]`: layer id → the internal team that owns the customer's side of it.
    #[serde(default)]
    pub teams: BTreeMap<Spanned<String>, Spanned<String>>,
    /// `[org.runbooks]`: checklist item id → URL of the internal runbook for it.
    #[serde(default)]
    pub runbooks: BTreeMap<Spanned<String>, Spanned<String>>,
    /// book.toml's display path and text, to locate entries in diagnostics.
    #[serde(skip)]
    pub source: Option<(String, String)>,
}

impl OrgConfig {
    /// The team that owns the customer side of `layer`.
    pub fn team(&self, layer: &str) -> Option<&str> {
        lookup(&self.teams, layer)
    }

    /// The internal runbook for checklist item `item`.
    pub fn runbook(&self, item: &str) -> Option<&str> {
        lookup(&self.runbooks, item)
    }

    /// Every entry of a table with where it is written: (key, value, location of the key).
    pub fn entries<'a>(
        &'a self,
        table: &'a BTreeMap<Spanned<String>, Spanned<String>>,
    ) -> impl Iterator<Item = (&'a str, &'a Spanned<String>, Location)> + 'a {
        table.iter().map(move |(key, value)| {
            let at = match &self.source {
                Some((path, text)) => LineIndex::new(text).locate(path, key.span().start),
                None => Location::file("book.toml"),
            };
            (key.get_ref().as_str(), value, at)
        })
    }
}

fn lookup<'a>(table: &'a BTreeMap<Spanned<String>, Spanned<String>>, key: &str) -> Option<&'a str> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v.get_ref().as_str())
}

/// `[book]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct BookConfig {
    /// Site title.
    pub title: String,
    /// One-line description, used in `<meta>` and on the home page.
    pub description: String,
    /// `lang` attribute of every page.
    pub language: String,
    /// Absolute URL the site is published at; used for `sitemap.xml` and canonical links.
    pub base_url: Option<String>,
    /// Where a note is edited: an absolute http(s) URL with `{path}` standing for the note's
    /// path in its repository (see `history`); each note read from a directory gets an "Edit
    /// this page" link (`edit_link`).
    pub edit_url: Option<String>,
}

impl BookConfig {
    /// The "Edit this page" URL of the note file at `path` (`/`-separated): `edit-url` with
    /// `{path}` replaced by the path, percent-encoded but for its `/`.
    pub fn edit_link(&self, path: &str) -> Option<String> {
        let template = self.edit_url.as_deref()?;
        Some(template.replace(EDIT_PATH, &encode_path(path)))
    }
}

/// What `edit-url` must contain.
const EDIT_PATH: &str = "{path}";

/// `path` percent-encoded for a URL path: every byte but ASCII letters, digits, `-._~` and `/`.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Default for BookConfig {
    fn default() -> Self {
        Self {
            title: "Who secures what?".into(),
            description: "The cloud shared responsibility model, layer by layer.".into(),
            language: "en".into(),
            base_url: None,
            edit_url: None,
        }
    }
}

/// `[build]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct BuildConfig {
    /// Output directory (default `site`).
    pub output_dir: PathBuf,
    /// Where a build keeps what the next build reuses (default: `.whosecures-cache/<output>`
    /// beside the output directory), so the published site holds only the site.
    pub cache_dir: Option<PathBuf>,
    /// A knowledge directory to build instead of the embedded one.
    pub knowledge: Option<PathBuf>,
    /// Directories laid over the knowledge base, in order: their notes add to or replace it.
    pub overlay: Vec<PathBuf>,
    /// A theme directory whose files override the embedded default theme.
    pub theme: Option<PathBuf>,
    /// Clean every note's HTML with an allowlist (scripts, event handlers and `javascript:` URLs
    /// removed) for knowledge bases written by many people. Off: raw HTML in notes is trusted.
    pub sanitize_html: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        Self {
            output_dir: PathBuf::from("site"),
            cache_dir: None,
            knowledge: None,
            overlay: Vec::new(),
            theme: None,
            sanitize_html: false,
        }
    }
}

impl BuildConfig {
    /// The cache directory of a build into `out`: `cache-dir` when set, else
    /// `.whosecures-cache/<name>` beside `out` (one folder for every output of a directory).
    pub fn cache_dir_for(&self, out: &Path) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        let name = out
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
        out.with_file_name(".whosecures-cache").join(name)
    }
}

impl Config {
    /// Parses `text` (the contents of the file shown as `display_path`); relative paths are
    /// resolved against `base_dir`.
    pub fn parse(text: &str, display_path: &str, base_dir: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |span| span.start);
            let (line, column) = LineIndex::new(text).position(offset);
            Error::Config(Diagnostic {
                path: display_path.to_owned(),
                line,
                column,
                severity: Severity::Error,
                message: parse_message(e.message()),
            })
        })?;
        let invalid = |key: &str, message: String| {
            let (line, column) = LineIndex::new(text).position(key_offset(text, key));
            Error::Config(Diagnostic {
                path: display_path.to_owned(),
                line,
                column,
                severity: Severity::Error,
                message,
            })
        };
        if let Some(url) = config.book.base_url.as_deref().filter(|u| !is_http_url(u)) {
            // Every page's canonical link and the sitemap start with it.
            let message = format!("`base-url` must be an absolute http(s) URL, not `{url}`");
            return Err(invalid("base-url", message));
        }
        if let Some(url) = config
            .book
            .edit_url
            .as_deref()
            .filter(|u| !is_http_url(u) || !u.contains(EDIT_PATH))
        {
            // Every note page's edit link is made from it.
            let message = format!(
                "`edit-url` must be an absolute http(s) URL containing `{EDIT_PATH}` (the note's \
                 path), not `{url}`"
            );
            return Err(invalid("edit-url", message));
        }
        config.org.source = Some((display_path.to_owned(), text.to_owned()));
        // `join` keeps absolute paths as they are.
        let build = &mut config.build;
        build.output_dir = base_dir.join(&build.output_dir);
        build.cache_dir = build.cache_dir.take().map(|p| base_dir.join(p));
        build.knowledge = build.knowledge.take().map(|p| base_dir.join(p));
        build.theme = build.theme.take().map(|p| base_dir.join(p));
        build.overlay = build.overlay.iter().map(|p| base_dir.join(p)).collect();
        Ok(config)
    }
}

/// Where the key `key` is written in `text`: at the start of a line (after indentation),
/// followed by `=` or a space; else its first mention; else the start.
fn key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        if rest
            .strip_prefix(key)
            .is_some_and(|after| after.starts_with([' ', '\t', '=']))
        {
            return offset + indent;
        }
        offset += line.len();
    }
    text.find(key).unwrap_or(0)
}

/// Whether `url` is an absolute http(s) URL (a host after the scheme, no whitespace): the one
/// check for every URL a user gives (note sources, `[org]` runbooks, `base-url`), so a
/// `javascript:` URL never reaches a page.
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|host| !host.is_empty() && !host.starts_with('/'))
        && !url.contains(char::is_whitespace)
}

/// What the user named on the command line; `Project::resolve` turns it into inputs.
#[derive(Debug, Clone, Default)]
pub struct ProjectArgs {
    /// `--config FILE`
    pub config: Option<PathBuf>,
    /// `--knowledge DIR`
    pub knowledge: Option<PathBuf>,
    /// `--overlay DIR`, in order.
    pub overlay: Vec<PathBuf>,
    /// `--theme DIR`
    pub theme: Option<PathBuf>,
}

/// The resolved inputs of a build: configuration and where every input file comes from.
#[derive(Debug, Clone)]
pub struct Project {
    /// The configuration, with command-line overrides applied.
    pub config: Config,
    /// The `book.toml` read from disk, if any (the embedded one otherwise).
    pub config_path: Option<PathBuf>,
}

impl Project {
    /// Reads `book.toml` (explicit, `./book.toml`, or the embedded one) and applies `args`.
    pub fn resolve(args: &ProjectArgs) -> Result<Project> {
        let (config_path, mut config) = match source::read_config(args.config.as_deref())? {
            Some((path, text)) => {
                let base = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let config = Config::parse(&text, &path.display().to_string(), base)?;
                (Some(path), config)
            }
            None => {
                let embedded = source::embedded_config();
                let config = Config::parse(embedded, "book.toml (embedded)", Path::new("."))?;
                (None, config)
            }
        };
        if let Some(dir) = &args.knowledge {
            config.build.knowledge = Some(dir.clone());
        }
        config.build.overlay.extend(args.overlay.iter().cloned());
        if let Some(theme) = &args.theme {
            config.build.theme = Some(theme.clone());
        }
        Ok(Project {
            config,
            config_path,
        })
    }

    /// Every knowledge file: the base (a directory or the embedded copy) with overlays laid on.
    pub fn knowledge_files(&self) -> Result<Vec<SourceFile>> {
        let build = &self.config.build;
        source::knowledge_files(build.knowledge.as_deref(), &build.overlay)
    }

    /// The knowledge file that wins at `rel` (the top-most overlay that has it, else the base),
    /// or `None` when no root has it any more.
    pub fn knowledge_file(&self, rel: &str) -> Result<Option<SourceFile>> {
        let build = &self.config.build;
        source::knowledge_file(build.knowledge.as_deref(), &build.overlay, rel)
    }

    /// Where the knowledge and overlay directories' files are in their git repositories and when
    /// a commit last changed each (runs `git log`; see `history`).
    pub fn history(&self) -> History {
        let build = &self.config.build;
        History::read(build.knowledge.as_deref(), &build.overlay)
    }

    /// The directories a build reads from; the output must never replace one of them.
    pub fn input_dirs(&self) -> Vec<PathBuf> {
        let build = &self.config.build;
        let mut dirs = vec![PathBuf::from(".")];
        dirs.extend(build.knowledge.iter().cloned());
        dirs.extend(build.overlay.iter().cloned());
        dirs.extend(build.theme.iter().cloned());
        dirs.extend(
            self.config_path
                .as_ref()
                .and_then(|p| p.parent())
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf),
        );
        dirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A full book.toml parses, and relative paths resolve against the config's directory.
    #[test]
    fn parses_and_resolves_paths() {
        let text =
            "[book]\ntitle = \"Wiki\"\n[build]\noutput-dir = \"out\"\noverlay = [\"ours\"]\n";
        let config = Config::parse(text, "book.toml", Path::new("/w")).expect("valid config");
        assert_eq!(config.book.title, "Wiki");
        assert_eq!(config.book.language, "en");
        assert_eq!(config.build.output_dir, Path::new("/w/out"));
        assert_eq!(config.build.overlay, [PathBuf::from("/w/ours")]);
    }

    // `edit-url` must be an absolute http(s) URL with `{path}`: otherwise an error at the key;
    // a valid one makes a note's edit link, its path percent-encoded.
    #[test]
    fn edit_url_is_checked_and_filled() {
        for (value, column) in [
            ("edit/main/{path}", 0),
            ("https://git.example.com/wiki/edit/main/", 2),
            ("javascript:alert(1)//{path}", 0),
        ] {
            let text = format!(
                "# edit-url is optional\n[book]\ntitle = \"W\"\n{}edit-url = \"{value}\"\n",
                " ".repeat(column)
            );
            let Err(Error::Config(diag)) = Config::parse(&text, "book.toml", Path::new(".")) else {
                panic!("{value} accepted");
            };
            assert_eq!(
                (diag.path.as_str(), diag.line, diag.column),
                ("book.toml", 3, column)
            );
            assert_eq!(
                diag.message,
                format!(
                    "`edit-url` must be an absolute http(s) URL containing `{{path}}` (the \
                     note's path), not `{value}`"
                )
            );
        }
        let text = "[book]\nedit-url = \"https://git.example.com/wiki/edit/main/{path}\"\n";
        let config = Config::parse(text, "book.toml", Path::new(".")).expect("valid");
        assert_eq!(
            config.book.edit_link("knowledge/services/s3.md").as_deref(),
            Some("https://git.example.com/wiki/edit/main/knowledge/services/s3.md")
        );
        assert_eq!(
            config.book.edit_link("our notes/ü#1.md").as_deref(),
            Some("https://git.example.com/wiki/edit/main/our%20notes/%C3%BC%231.md")
        );
        assert_eq!(Config::default().book.edit_link("a.md"), None);
    }

    // An unknown key is an error at its exact line and column.
    #[test]
    fn unknown_key_is_located() {
        let text = "[book]\ntitle = \"Wiki\"\n  colour = \"red\"\n";
        let Err(Error::Config(diag)) = Config::parse(text, "book.toml", Path::new(".")) else {
            panic!("expected a config error");
        };
        assert_eq!((diag.line, diag.column), (2, 2));
        assert!(
            diag.message.contains("unknown field `colour`"),
            "{}",
            diag.message
        );
    }
}
