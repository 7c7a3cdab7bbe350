//! `knowledge/vocabulary.toml`: the owner, service-model, layer-group, severity and control-catalog
//! ids that notes must use. Reading and parsing it only (`load_vocabulary`); checking notes
//! against it is `kb::validate`'s job.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::diag::{parse_message, Diagnostics, LineIndex, Location};
use crate::source::SourceFile;

use super::parse::decode;

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
    /// For a service model: the service whose table stands for the model in summaries (the
    /// home page's "how responsibility shifts"), e.g. `ec2` for infrastructure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<String>,
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
    /// Words and phrases that mean the same in a question (`patch`, `update`, `upgrade`), for
    /// `whosecures who SERVICE "free words"`.
    #[serde(default)]
    pub synonyms: Vec<Synonyms>,
}

/// One group of words or phrases a question may use for the same thing.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    /// The words, lowercase; a phrase of several words matches as a whole.
    pub words: Vec<String>,
    /// Other groups (named by their first word) these words are a kind of: `customer managed
    /// key` is also a `key`.
    #[serde(default)]
    pub also: Vec<String>,
}

/// A catalog with its pattern compiled, and its list of controls when the knowledge base has
/// one (`catalogs/<id>.toml`).
#[derive(Debug, Clone)]
pub struct CompiledCatalog {
    /// The catalog as written.
    pub catalog: Catalog,
    /// Its compiled pattern (`None` when it does not compile: ids are then not checked).
    pub pattern: Option<Regex>,
    /// Every control of the catalog, in the list's order, when it has a list: checklist items
    /// may then name only these, and coverage is counted over them.
    pub controls: Option<Vec<CatalogControl>>,
    /// The list's sections (Well-Architected questions, CCM domains), in its order; empty when
    /// it has none.
    pub groups: Vec<CatalogSection>,
}

/// A section of a catalog's list: a Well-Architected question, a CCM domain, a CIS section.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogSection {
    /// `SEC01`, `IAM`.
    pub id: String,
    /// In our words.
    pub title: String,
    /// The publisher's page for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl CompiledCatalog {
    /// The control `id` of the catalog's list.
    pub fn control(&self, id: &str) -> Option<&CatalogControl> {
        self.controls.as_ref()?.iter().find(|c| c.id == id)
    }
}

/// One control of a catalog's list, in our own words.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogControl {
    /// As the publisher writes it (`S3.1`, `1.4`).
    pub id: String,
    /// What it checks, in our words.
    pub title: String,
    /// The knowledge base's note for the service it applies to, if the knowledge base has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The publisher retired it: listed for old mappings, never counted as uncovered.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    /// Why no checklist item needs to cover it (e.g. no service of the knowledge base has it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_scope: Option<String>,
    /// The section of the list it belongs to (a `[[group]]` id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The publisher's page for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The same control in other catalogs (`cis-aws-3.0.0:1.4`): an item naming one of them
    /// covers this one too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
    /// The layers whose duties implement it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    /// What the provider does for it, in our words (CCM's shared responsibility guidance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// What the customer does for it, in our words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Where its `service` is written, to report one that names no note.
    #[serde(skip)]
    pub service_at: Option<Location>,
    /// Where each `same_as` entry is written.
    #[serde(skip)]
    pub same_as_at: Vec<Location>,
    /// Where each `layers` entry is written.
    #[serde(skip)]
    pub layers_at: Vec<Location>,
}

/// `catalogs/<id>.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlList {
    #[serde(default)]
    group: Vec<GroupRaw>,
    control: Vec<ControlRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupRaw {
    id: toml::Spanned<String>,
    title: String,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlRaw {
    id: toml::Spanned<String>,
    title: String,
    #[serde(default)]
    service: Option<toml::Spanned<String>>,
    #[serde(default)]
    retired: bool,
    #[serde(default)]
    out_of_scope: Option<String>,
    #[serde(default)]
    group: Option<toml::Spanned<String>>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    same_as: Vec<toml::Spanned<String>>,
    #[serde(default)]
    layers: Vec<toml::Spanned<String>>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    customer: Option<String>,
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

/// Files of the knowledge root that are not notes.
const VOCABULARY: &str = "vocabulary.toml";

/// Reads `vocabulary.toml` from the knowledge files and compiles each catalog's pattern; a
/// missing or broken file is a diagnostic and an empty vocabulary (notes are then not checked
/// against it).
pub(super) fn load_vocabulary(
    files: &[SourceFile],
    diags: &mut Diagnostics,
) -> (Vocabulary, Vec<CompiledCatalog>) {
    let empty = Vocabulary::default();
    let Some(file) = files.iter().find(|f| f.rel_path == VOCABULARY) else {
        // Named as the user sees the knowledge directory, like every other file.
        let root = files
            .iter()
            .find_map(|f| f.display_path.strip_suffix(f.rel_path.as_str()))
            .unwrap_or("");
        diags.error(
            &Location::file(&format!("{root}{VOCABULARY}")),
            "missing `vocabulary.toml` at the root of the knowledge directory",
        );
        return (empty, Vec::new());
    };
    let Some((vocab, text)) = read_toml::<Vocabulary>(file, diags) else {
        return (empty, Vec::new());
    };
    let mut catalogs = Vec::new();
    for (i, catalog) in vocab.catalogs.iter().enumerate() {
        let pattern = regex::Regex::new(&catalog.pattern).map_err(|e| {
            // regex explains over several lines; its last line says what is wrong.
            let reason = e.to_string();
            let reason = reason
                .lines()
                .last()
                .unwrap_or("")
                .trim_start_matches("error: ");
            let offset = pattern_offset(text, i).unwrap_or(0);
            diags.error(
                &LineIndex::new(text).locate(&file.display_path, offset),
                format!(
                    "catalog `{}` has an invalid pattern `{}`: {reason}",
                    catalog.id, catalog.pattern
                ),
            );
        });
        // Kept even when its pattern is broken, so every `catalog:id` is not also reported as
        // an unknown catalog.
        catalogs.push(CompiledCatalog {
            catalog: catalog.clone(),
            pattern: pattern.ok(),
            controls: None,
            groups: Vec::new(),
        });
    }
    for file in files.iter().filter(|f| is_control_list(&f.rel_path)) {
        load_control_list(file, &mut catalogs, diags);
    }
    (vocab, catalogs)
}

/// A TOML knowledge file that is not a note (the vocabulary, a catalog's list), parsed, with its
/// text; `None` after a located error when it is too large, not UTF-8 or not the expected TOML.
pub(super) fn read_toml<'a, T: serde::de::DeserializeOwned>(
    file: &'a SourceFile,
    diags: &mut Diagnostics,
) -> Option<(T, &'a str)> {
    if crate::source::too_large(&file.bytes) {
        diags.error(
            &Location::file(&file.display_path),
            format!(
                "`{}` is larger than {} MiB, the most a knowledge file may hold",
                file.rel_path,
                crate::source::MAX_FILE_BYTES >> 20
            ),
        );
        return None;
    }
    let text = decode(file, diags)?;
    match toml::from_str(text) {
        Ok(value) => Some((value, text)),
        Err(e) => {
            let at =
                LineIndex::new(text).locate(&file.display_path, e.span().map_or(0, |s| s.start));
            diags.error(&at, parse_message(e.message()));
            None
        }
    }
}

/// Whether a knowledge file is a catalog's list of controls (`catalogs/<id>.toml`).
pub fn is_control_list(rel_path: &str) -> bool {
    rel_path
        .strip_prefix("catalogs/")
        .is_some_and(|name| name.ends_with(".toml") && !name.contains('/'))
}

/// Reads `catalogs/<id>.toml` into the catalog `<id>`: every id must match the catalog's
/// pattern and appear once; each problem is reported where it is written.
fn load_control_list(file: &SourceFile, catalogs: &mut [CompiledCatalog], diags: &mut Diagnostics) {
    let id = file.rel_path["catalogs/".len()..].trim_end_matches(".toml");
    let Some(catalog) = catalogs.iter_mut().find(|c| c.catalog.id == id) else {
        let known: Vec<String> = catalogs
            .iter()
            .map(|c| format!("`{}`", c.catalog.id))
            .collect();
        diags.error(
            &Location::file(&file.display_path),
            format!(
                "no catalog `{id}` in vocabulary.toml for this list of controls; the file is named after one of {}",
                known.join(", ")
            ),
        );
        return;
    };
    let Some((list, text)) = read_toml::<ControlList>(file, diags) else {
        return;
    };
    let lines = LineIndex::new(text);
    let mut groups: Vec<CatalogSection> = Vec::with_capacity(list.group.len());
    for raw in list.group {
        let at = lines.locate(&file.display_path, raw.id.span().start);
        let group_id = raw.id.into_inner();
        if groups.iter().any(|g| g.id == group_id) {
            diags.error(&at, format!("group `{group_id}` is listed twice"));
            continue;
        }
        if raw.title.trim().is_empty() {
            diags.error(&at, format!("group `{group_id}` needs a `title`"));
        }
        groups.push(CatalogSection {
            id: group_id,
            title: raw.title,
            url: raw.url,
        });
    }
    let mut seen: std::collections::HashMap<String, Location> = std::collections::HashMap::new();
    let mut controls = Vec::with_capacity(list.control.len());
    for raw in list.control {
        let at = lines.locate(&file.display_path, raw.id.span().start);
        let control_id = raw.id.into_inner();
        if catalog
            .pattern
            .as_ref()
            .is_some_and(|p| !p.is_match(&control_id))
        {
            diags.error(
                &at,
                format!(
                    "control id `{control_id}` does not match the `{id}` pattern `{}`",
                    catalog.catalog.pattern
                ),
            );
            continue;
        }
        if let Some(first) = seen.get(&control_id) {
            diags.error(
                &at,
                format!("control `{control_id}` is listed twice; first at {first}"),
            );
            continue;
        }
        if raw.title.trim().is_empty() {
            diags.error(&at, format!("control `{control_id}` needs a `title`"));
        }
        seen.insert(control_id.clone(), at);
        let locate = |s: &toml::Spanned<String>| lines.locate(&file.display_path, s.span().start);
        let service_at = raw.service.as_ref().map(locate);
        if let Some(group) = &raw.group {
            if !groups.iter().any(|g| &g.id == group.get_ref()) {
                let hint = crate::diag::did_you_mean(
                    group.get_ref(),
                    groups.iter().map(|g| g.id.as_str()),
                );
                diags.error(
                    &locate(group),
                    format!(
                        "control `{control_id}`: no `[[group]]` `{}` in this list{hint}",
                        group.get_ref()
                    ),
                );
            }
        }
        controls.push(CatalogControl {
            id: control_id,
            title: raw.title,
            service: raw.service.map(toml::Spanned::into_inner),
            retired: raw.retired,
            out_of_scope: raw.out_of_scope,
            group: raw.group.map(toml::Spanned::into_inner),
            url: raw.url,
            same_as_at: raw.same_as.iter().map(locate).collect(),
            same_as: raw
                .same_as
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            layers_at: raw.layers.iter().map(locate).collect(),
            layers: raw
                .layers
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            provider: raw.provider,
            customer: raw.customer,
            service_at,
        });
    }
    catalog.controls = Some(controls);
    catalog.groups = groups;
}

/// Where the `pattern` value of the `index`-th `[[catalogs]]` table starts in `text`.
fn pattern_offset(text: &str, index: usize) -> Option<usize> {
    let table = text.match_indices("[[catalogs]]").nth(index)?.0;
    let key = table + text[table..].find("pattern")?;
    let value = key + text[key..].find('=')? + 1;
    Some(value + (text[value..].len() - text[value..].trim_start().len()))
}
