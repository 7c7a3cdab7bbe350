//! `knowledge/vocabulary.toml`: the owner, service-model, layer-group, severity and control-catalog
//! ids that notes must use. Parsing only; checking notes against it is `kb::validate`'s job.

use regex::Regex;
use serde::{Deserialize, Serialize};

/// A labelled id from the vocabulary.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// The id notes use.
    pub id: String,
    /// Display label.
    pub label: String,
    /// One-sentence explanation.
    #[serde(default)]
    pub description: String,
}

/// A control catalog such as Security Hub FSBP or a CIS benchmark version.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The prefix in `catalog:control` strings.
    pub id: String,
    /// Full name, including the version.
    pub title: String,
    /// Where the catalog is documented.
    pub url: String,
    /// A regular expression every control id of this catalog must match.
    pub pattern: String,
}

/// The whole vocabulary, as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// provider, customer, shared, not-applicable.
    pub owners: Vec<Term>,
    /// infrastructure, container, abstracted.
    pub service_models: Vec<Term>,
    /// Groups layers are drawn in.
    pub layer_groups: Vec<Term>,
    /// Checklist severities, most severe first.
    pub severities: Vec<Term>,
    /// Control catalogs checklist items map to.
    #[serde(default)]
    pub catalogs: Vec<Catalog>,
}

/// A catalog with its pattern compiled.
#[derive(Debug, Clone)]
pub struct CompiledCatalog {
    /// The catalog as written.
    pub catalog: Catalog,
    /// Its compiled pattern (`None` when it does not compile: ids are then not checked).
    pub pattern: Option<Regex>,
}

impl Vocabulary {
    /// Whether `id` is in `terms`.
    pub fn has(terms: &[Term], id: &str) -> bool {
        terms.iter().any(|t| t.id == id)
    }

    /// The label of `id` in `terms`, or the id itself.
    pub fn label<'a>(terms: &'a [Term], id: &'a str) -> &'a str {
        terms
            .iter()
            .find(|t| t.id == id)
            .map_or(id, |t| t.label.as_str())
    }

    /// The ids of `terms`, comma-separated in backticks, for "expected one of" messages.
    pub fn expected(terms: &[Term]) -> String {
        terms
            .iter()
            .map(|t| format!("`{}`", t.id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
