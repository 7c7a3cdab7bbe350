//! The build's seed: what every fingerprint of a build starts from. Made from the program and the
//! settings that change output, and nothing else: where the knowledge, overlay, theme and output
//! directories are, how a path was spelt (`-k ./knowledge` or `-k knowledge`), and book.toml's
//! comments and layout change no page, so they change no fingerprint (the theme's templates and
//! the notes are fingerprinted by content, where they are used).

use serde::Serialize;

use super::fingerprint::{program, Fingerprint, Hasher};
use crate::config::Config;
use crate::kb::KnowledgeBase;

/// The settings of `book.toml` that reach the output.
#[derive(Serialize)]
struct Settings<'a> {
    title: &'a str,
    description: &'a str,
    language: &'a str,
    base_url: Option<&'a str>,
    edit_url: Option<&'a str>,
    sanitize_html: bool,
    org_name: Option<&'a str>,
    teams: Vec<(&'a str, &'a str)>,
    runbooks: Vec<(&'a str, &'a str)>,
}

impl<'a> Settings<'a> {
    fn of(config: &'a Config) -> Settings<'a> {
        let (book, org) = (&config.book, &config.org);
        let pairs = |table: &'a std::collections::BTreeMap<_, _>| {
            org.entries(table)
                .map(|(key, value, _)| (key, value.get_ref().as_str()))
                .collect()
        };
        Settings {
            title: &book.title,
            description: &book.description,
            language: &book.language,
            base_url: book.base_url.as_deref(),
            edit_url: book.edit_url.as_deref(),
            sanitize_html: config.build.sanitize_html,
            org_name: org.name.as_deref(),
            teams: pairs(&org.teams),
            runbooks: pairs(&org.runbooks),
        }
    }
}

/// The program and the settings that change output, fingerprinted once per build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed(Fingerprint);

impl Seed {
    /// The seed of a build with `config`.
    pub fn new(config: &Config) -> Seed {
        Seed(
            Hasher::new(None)
                .text(program())
                .json(&Settings::of(config))
                .finish(),
        )
    }

    /// What every page's and list element's fingerprint starts from: the seed and the theme's
    /// templates (`theme`, their fingerprint).
    pub fn pages(&self, theme: &Fingerprint) -> Fingerprint {
        Hasher::new(Some(&self.0))
            .text("pages")
            .fingerprint(theme)
            .finish()
    }

    /// What every note's `kb.json` and search entries' key starts from: the seed, the vocabulary
    /// and the catalogs.
    pub fn entries(&self, kb: &KnowledgeBase) -> Fingerprint {
        Hasher::new(Some(&self.0))
            .text("entries")
            .text(&format!("{:?}", kb.vocab))
            .text(&format!("{:?}", kb.catalogs))
            .text(&format!("{:?}", kb.policies))
            .finish()
    }

    /// What the files made from the whole knowledge base (search index, `kb.json`, sitemap) are
    /// made from: the seed, the vocabulary and catalogs, every note's path and text.
    pub fn derived(&self, kb: &KnowledgeBase) -> Fingerprint {
        let mut hasher = Hasher::new(Some(&self.0));
        hasher
            .text("derived")
            .text(&format!("{:?}", kb.vocab))
            .text(&format!("{:?}", kb.catalogs))
            .text(&format!("{:?}", kb.policies));
        for note in kb.iter() {
            hasher.text(&note.rel_path).text(&note.text);
        }
        hasher.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str, dir: &str) -> Config {
        Config::parse(text, "book.toml", Path::new(dir)).expect("parses")
    }

    // Paths, their spelling and book.toml's comments leave the seed as it is; every setting that
    // reaches a page changes it.
    #[test]
    fn only_output_settings_change_the_seed() {
        let base = "[book]\ntitle = \"A\"\n[build]\nknowledge = \"knowledge\"\n";
        let seed = |text: &str, dir: &str| Seed::new(&config(text, dir));
        let a = seed(base, ".");
        assert_eq!(a, seed(base, "/elsewhere"));
        assert_eq!(
            a,
            seed(&base.replace("\"knowledge\"", "\"./knowledge\""), ".")
        );
        assert_eq!(
            a,
            seed(&format!("# a comment\n{base}output-dir = \"out\"\n"), ".")
        );
        assert_eq!(
            a,
            seed(&format!("{base}theme = \"t\"\noverlay = [\"o\"]\n"), ".")
        );
        for changed in [
            base.replace("\"A\"", "\"B\""),
            format!("{base}sanitize-html = true\n"),
            format!("{base}[org]\nname = \"Acme\"\n"),
            format!("{base}[org.teams]\ndata = \"Data\"\n"),
            base.replace("[build]", "base-url = \"https://x.example\"\n[build]"),
            base.replace(
                "[build]",
                "edit-url = \"https://x.example/{path}\"\n[build]",
            ),
        ] {
            assert_ne!(a, seed(&changed, "."), "{changed}");
        }
    }
}
