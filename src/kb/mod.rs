//! The knowledge base: typed notes per kind, loaded from source files and checked against the
//! vocabulary. Read-only after `load`; it never touches the filesystem or renders anything.

mod frontmatter;
mod raw;
mod vocab;

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use toml::Spanned;

use crate::diag::{did_you_mean, first_line, Diagnostics, LineIndex, Location};
use crate::source::SourceFile;

pub use frontmatter::{split, Split, SplitError};
pub use vocab::{Catalog, CompiledCatalog, Term, Vocabulary};

/// A note's id: its file stem, unique across the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct NoteId(pub String);

impl NoteId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of a note, given by its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `model/`
    Model,
    /// `layers/`
    Layer,
    /// `pillars/`
    Pillar,
    /// `services/`
    Service,
    /// `security-services/`
    SecurityService,
    /// `practices/`
    Practice,
    /// `glossary/`
    Glossary,
}

impl Kind {
    /// Every kind, in navigation order.
    pub const ALL: [Kind; 7] = [
        Kind::Model,
        Kind::Layer,
        Kind::Pillar,
        Kind::Service,
        Kind::SecurityService,
        Kind::Practice,
        Kind::Glossary,
    ];

    /// The folder that holds notes of this kind (also the URL directory).
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::Layer => "layers",
            Kind::Pillar => "pillars",
            Kind::Service => "services",
            Kind::SecurityService => "security-services",
            Kind::Practice => "practices",
            Kind::Glossary => "glossary",
        }
    }

    /// The kind of a folder name.
    pub fn from_folder(folder: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.folder() == folder)
    }

    /// Plural heading for navigation.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Model => "The model",
            Kind::Layer => "Layers",
            Kind::Pillar => "Pillars",
            Kind::Service => "Services",
            Kind::SecurityService => "Security services",
            Kind::Practice => "Practices",
            Kind::Glossary => "Glossary",
        }
    }

    /// Singular name, as in "service note".
    pub fn singular(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::Layer => "layer",
            Kind::Pillar => "pillar",
            Kind::Service => "service",
            Kind::SecurityService => "security service",
            Kind::Practice => "practice",
            Kind::Glossary => "glossary term",
        }
    }
}

/// One note, typed and validated.
#[derive(Debug, Clone)]
pub struct Note {
    /// File stem.
    pub id: NoteId,
    /// From the folder.
    pub kind: Kind,
    /// The path shown in diagnostics.
    pub path: String,
    /// The path relative to the knowledge root (`services/s3.md`), the same in every overlay.
    pub rel_path: String,
    /// The whole file text (BOM removed), kept so later stages can locate body offsets.
    pub text: String,
    /// Where the Markdown body starts in `text`.
    pub body_offset: usize,
    /// Display title.
    pub title: String,
    /// One-sentence summary.
    pub summary: String,
    /// Other names readers look for.
    pub aliases: Vec<String>,
    /// Provider documentation the note is based on.
    pub sources: Vec<String>,
    /// Navigation position.
    pub order: Option<i64>,
    /// What only this kind has.
    pub data: KindData,
}

impl Note {
    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    /// The checklist items of a service or practice; empty for other kinds.
    pub fn checklist(&self) -> &[ChecklistItem] {
        match &self.data {
            KindData::Service(s) => &s.checklist,
            KindData::Practice(p) => &p.checklist,
            _ => &[],
        }
    }

    /// The responsibility rows of a service, in layer order; empty for other kinds.
    pub fn responsibility(&self) -> &[Responsibility] {
        match &self.data {
            KindData::Service(s) => &s.responsibility,
            _ => &[],
        }
    }

    /// The security services a note names in its front matter.
    pub fn security_services(&self) -> &[NoteId] {
        match &self.data {
            KindData::Service(s) => &s.security_services,
            KindData::Pillar(p) => &p.security_services,
            _ => &[],
        }
    }

    /// Every note id the front matter names for a "referenced by" list: the note's security
    /// services and those of its checklist items, deduplicated, in order of appearance.
    pub fn front_matter_refs(&self) -> Vec<&NoteId> {
        let mut refs: Vec<&NoteId> = Vec::new();
        let items = self.checklist().iter().flat_map(|i| &i.security_services);
        for id in self.security_services().iter().chain(items) {
            if !refs.contains(&id) {
                refs.push(id);
            }
        }
        refs
    }
}

/// Kind-specific data.
#[derive(Debug, Clone)]
pub enum KindData {
    /// `model/`
    Model,
    /// `glossary/`
    Glossary,
    /// `layers/`
    Layer(Layer),
    /// `pillars/`
    Pillar(Pillar),
    /// `services/`
    Service(Service),
    /// `security-services/`
    SecurityService(SecurityService),
    /// `practices/`
    Practice(Practice),
}

/// A responsibility layer.
#[derive(Debug, Clone, Serialize)]
pub struct Layer {
    /// Layer-group id.
    pub group: String,
}

/// A security pillar.
#[derive(Debug, Clone, Serialize)]
pub struct Pillar {
    /// Security services that serve the pillar.
    pub security_services: Vec<NoteId>,
}

/// A cloud service with its responsibility table.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// e.g. `aws`.
    pub provider: String,
    /// e.g. `storage`.
    pub category: String,
    /// Service-model id.
    pub service_model: String,
    /// Security services that help secure it.
    pub security_services: Vec<NoteId>,
    /// One row per layer, in layer order.
    pub responsibility: Vec<Responsibility>,
    /// Checklist items.
    pub checklist: Vec<ChecklistItem>,
}

impl Service {
    /// The row for `layer`, if any.
    pub fn row(&self, layer: &NoteId) -> Option<&Responsibility> {
        self.responsibility.iter().find(|r| &r.layer == layer)
    }
}

/// One cell of a service's table: who secures this layer.
#[derive(Debug, Clone, Serialize)]
pub struct Responsibility {
    /// Layer id.
    pub layer: NoteId,
    /// Owner id.
    pub owner: String,
    /// One line on what that means for this service.
    pub note: String,
    /// Provider documentation backing the claim.
    pub source: String,
    /// Answers that depend on a customer choice.
    pub variants: Vec<Variant>,
}

/// A responsibility answer that holds under one choice.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// The choice, e.g. `Fargate launch type`.
    pub when: String,
    /// Owner id under that choice.
    pub owner: String,
    /// Optional detail.
    pub note: Option<String>,
}

/// A provider security service.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityService {
    /// e.g. `detection`.
    pub category: String,
    /// Layers it helps the customer cover.
    pub layers: Vec<NoteId>,
    /// Pillars it serves.
    pub pillars: Vec<NoteId>,
}

/// A best practice.
#[derive(Debug, Clone, Serialize)]
pub struct Practice {
    /// Layers it concerns.
    pub layers: Vec<NoteId>,
    /// Pillars it serves.
    pub pillars: Vec<NoteId>,
    /// Checklist items.
    pub checklist: Vec<ChecklistItem>,
}

/// A checklist item, owned by a service or practice note.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    /// Stable id, unique across the knowledge base (progress is stored under it).
    pub id: String,
    /// The note that holds the item.
    pub note: NoteId,
    /// What to do.
    pub title: String,
    /// Layer id.
    pub layer: NoteId,
    /// Pillar id.
    pub pillar: NoteId,
    /// Severity id.
    pub severity: String,
    /// Control ids it maps to.
    pub controls: Vec<Control>,
    /// A command that shows whether it is done.
    pub verify: Option<String>,
    /// Provider documentation.
    pub source: String,
    /// Longer explanation.
    pub detail: Option<String>,
    /// Security services that do or check this item.
    pub security_services: Vec<NoteId>,
    /// Where its `id` is written.
    #[serde(skip)]
    pub at: Location,
}

/// A control id in a catalog, e.g. `fsbp:S3.1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Control {
    /// Catalog id.
    pub catalog: String,
    /// Control id within the catalog.
    pub id: String,
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.catalog, self.id)
    }
}

/// The loaded knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// The vocabulary notes were checked against.
    pub vocab: Vocabulary,
    /// Control catalogs with compiled patterns.
    pub catalogs: Vec<CompiledCatalog>,
    /// Every note, sorted by kind, order, title, id. Shared so an incremental update (serve)
    /// copies pointers, not notes.
    pub notes: Vec<Arc<Note>>,
    index: HashMap<NoteId, usize>,
    /// Every checklist item id, with the notes that use it (more than one is an error), kept up
    /// to date note by note so the uniqueness check does not walk every item on every edit.
    item_owners: HashMap<String, Vec<NoteId>>,
}

impl KnowledgeBase {
    /// The note with this id.
    pub fn get(&self, id: &NoteId) -> Option<&Note> {
        self.index.get(id).map(|&i| &*self.notes[i])
    }

    /// The position of the note with this id in `notes`.
    pub fn index_of(&self, id: &NoteId) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The note with this id string.
    pub fn get_str(&self, id: &str) -> Option<&Note> {
        self.get(&NoteId(id.to_owned()))
    }

    /// Every note, in navigation order.
    pub fn iter(&self) -> impl Iterator<Item = &Note> {
        self.notes.iter().map(|n| &**n)
    }

    /// Notes of one kind, in navigation order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Note> {
        self.section(kind).iter().map(|n| &**n)
    }

    /// Notes of one kind in navigation order: a slice, since notes are sorted by kind first.
    pub fn section(&self, kind: Kind) -> &[Arc<Note>] {
        let start = self.section_start(kind);
        let len = self.notes[start..].partition_point(|n| n.kind == kind);
        &self.notes[start..start + len]
    }

    /// Where the notes of `kind` start in `notes`.
    pub fn section_start(&self, kind: Kind) -> usize {
        self.notes.partition_point(|n| n.kind < kind)
    }

    /// Services with their data.
    pub fn services(&self) -> impl Iterator<Item = (&Note, &Service)> {
        self.iter().filter_map(|n| match &n.data {
            KindData::Service(s) => Some((n, s)),
            _ => None,
        })
    }

    /// Every checklist item, in note order.
    pub fn checklist_items(&self) -> impl Iterator<Item = &ChecklistItem> {
        self.notes.iter().flat_map(|n| n.checklist())
    }

    /// The catalog with this id.
    pub fn catalog(&self, id: &str) -> Option<&Catalog> {
        self.catalogs
            .iter()
            .find(|c| c.catalog.id == id)
            .map(|c| &c.catalog)
    }
}

/// Files of the knowledge root that are not notes.
const VOCABULARY: &str = "vocabulary.toml";

/// Loads and validates every note in `files` (relative to the knowledge root). Problems go to
/// `diags`; the returned base holds every note that could be read, so later stages can still
/// report their own problems in the same run. Takes the files so that each note's text is its
/// file's bytes, not a copy made while the caller still holds them all (~60 MB at 10,000 notes).
pub fn load(files: Vec<SourceFile>, diags: &mut Diagnostics) -> KnowledgeBase {
    let kb = load_notes(files, diags);
    kb.check_global(diags);
    kb
}

/// `load` without the checks that span notes (`KnowledgeBase::check_global`): every diagnostic
/// it records belongs to one file, so `serve` can replace one file's problems on its own.
pub fn load_notes(files: Vec<SourceFile>, diags: &mut Diagnostics) -> KnowledgeBase {
    let (vocab, catalogs) = load_vocabulary(&files, diags);

    let parsed: Vec<(Option<Parsed>, Diagnostics)> = files
        .into_par_iter()
        .filter(|f| f.rel_path.ends_with(".md"))
        .map(|file| {
            let mut local = Diagnostics::new();
            let parsed = parse_note(file, &mut local);
            (parsed, local)
        })
        .collect();
    let mut notes_raw = Vec::with_capacity(parsed.len());
    for (note, local) in parsed {
        diags.extend(local);
        notes_raw.extend(note);
    }

    // Ids are unique across folders; the first file in path order keeps the id.
    notes_raw.sort_by(|a, b| a.path.cmp(&b.path));
    let mut first_path: HashMap<String, String> = HashMap::new();
    notes_raw.retain(|note| match first_path.get(&note.id) {
        Some(other) => {
            diags.error(
                &Location::file(&note.path),
                format!("duplicate note id `{}`: also defined in `{other}`", note.id),
            );
            false
        }
        None => {
            first_path.insert(note.id.clone(), note.path.clone());
            true
        }
    });

    let ids_of = |kind: Kind| -> HashSet<String> {
        notes_raw
            .iter()
            .filter(|n| n.kind() == kind)
            .map(|n| n.id.clone())
            .collect()
    };
    let ctx = Context {
        vocab: &vocab,
        catalogs: &catalogs,
        layers: ids_of(Kind::Layer),
        pillars: ids_of(Kind::Pillar),
        security_services: ids_of(Kind::SecurityService),
        layer_order: layer_order(&notes_raw),
    };
    let validated: Vec<(Arc<Note>, Diagnostics)> = notes_raw
        .into_par_iter()
        .map(|raw| {
            let mut local = Diagnostics::new();
            let note = Arc::new(ctx.validate(raw, &mut local));
            (note, local)
        })
        .collect();
    let mut notes = Vec::with_capacity(validated.len());
    for (note, local) in validated {
        diags.extend(local);
        notes.push(note);
    }
    let mut kb = KnowledgeBase {
        vocab,
        catalogs,
        notes,
        index: HashMap::new(),
        item_owners: HashMap::new(),
    };
    kb.reindex();
    for note in &kb.notes {
        index_items(&mut kb.item_owners, note);
    }
    kb
}

fn index_items(owners: &mut HashMap<String, Vec<NoteId>>, note: &Note) {
    for item in note.checklist() {
        owners
            .entry(item.id.clone())
            .or_default()
            .push(note.id.clone());
    }
}

fn unindex_items(owners: &mut HashMap<String, Vec<NoteId>>, note: &Note) {
    for item in note.checklist() {
        if let Some(ids) = owners.get_mut(&item.id) {
            if let Some(i) = ids.iter().position(|id| *id == note.id) {
                ids.swap_remove(i);
            }
            if ids.is_empty() {
                owners.remove(&item.id);
            }
        }
    }
}

/// Whether a change to this file (path relative to the knowledge root) can alter how other
/// notes are checked: the vocabulary, or the layer, pillar and security-service id sets.
pub fn is_structural(rel_path: &str) -> bool {
    !rel_path.ends_with(".md")
        || ["layers/", "pillars/", "security-services/"]
            .iter()
            .any(|folder| rel_path.starts_with(folder))
}

/// The outcome of `KnowledgeBase::update`.
pub enum Update {
    /// The new base, and the load diagnostics of each changed or removed file, by display path
    /// (an empty sink where the file is now clean or gone).
    Applied(Box<KnowledgeBase>, Vec<(String, Diagnostics)>),
    /// A structural file changed (see `is_structural`): load everything again.
    NeedsFullLoad,
}

impl KnowledgeBase {
    /// Applies changed and removed note files (display paths for `removed`) without reading or
    /// checking any other note. Structural changes ask for a full load instead.
    pub fn update(mut self, changed: Vec<SourceFile>, removed: &[String]) -> Update {
        if changed.iter().any(|f| is_structural(&f.rel_path)) {
            return Update::NeedsFullLoad;
        }
        let mut report = Vec::new();
        // Positions in `notes` stay valid (and `index` with them) until a note is added, removed
        // or moves in the navigation order; only then are notes sorted and indexed again.
        let mut reorder = false;
        for path in removed {
            let Some(pos) = self.notes.iter().position(|n| &n.path == path) else {
                continue;
            };
            if is_structural_kind(self.notes[pos].kind) {
                return Update::NeedsFullLoad;
            }
            let old = self.notes.remove(pos);
            unindex_items(&mut self.item_owners, &old);
            reorder = true;
            report.push((path.clone(), Diagnostics::new()));
        }
        let vocab = self.vocab.clone();
        let ids = |kind: Kind| -> HashSet<String> {
            self.of_kind(kind).map(|n| n.id.to_string()).collect()
        };
        let ctx = Context {
            vocab: &vocab,
            catalogs: &self.catalogs.clone(),
            layers: ids(Kind::Layer),
            pillars: ids(Kind::Pillar),
            security_services: ids(Kind::SecurityService),
            layer_order: self
                .of_kind(Kind::Layer)
                .map(|n| n.id.to_string())
                .collect(),
        };
        for file in changed {
            let mut local = Diagnostics::new();
            let path = file.display_path.clone();
            let old_pos = self.notes.iter().position(|n| n.path == path);
            let new = parse_note(file, &mut local).and_then(|raw| {
                match self
                    .notes
                    .iter()
                    .find(|n| n.id.as_str() == raw.id && n.path != path)
                {
                    Some(other) => {
                        local.error(
                            &Location::file(&raw.path),
                            format!(
                                "duplicate note id `{}`: also defined in `{}`",
                                raw.id, other.path
                            ),
                        );
                        None
                    }
                    None => Some(ctx.validate(raw, &mut local)),
                }
            });
            if let Some(pos) = old_pos {
                unindex_items(&mut self.item_owners, &self.notes[pos]);
            }
            if let Some(note) = &new {
                index_items(&mut self.item_owners, note);
            }
            match (old_pos, new) {
                // The usual edit: same note, same place in the navigation order.
                (Some(pos), Some(note)) if nav_key(&self.notes[pos]) == nav_key(&note) => {
                    self.notes[pos] = Arc::new(note);
                }
                (old_pos, new) => {
                    if let Some(pos) = old_pos {
                        self.notes.remove(pos);
                    }
                    self.notes.extend(new.map(Arc::new));
                    reorder = true;
                }
            }
            report.push((path, local));
        }
        if reorder {
            self.reindex();
        }
        Update::Applied(Box::new(self), report)
    }

    /// Checks that span notes: checklist ids are unique across the knowledge base.
    /// Each later use of an id is reported at its `id`, naming the use before it (navigation
    /// order, then order in the note).
    pub fn check_global(&self, diags: &mut Diagnostics) {
        for (item, owners) in &self.item_owners {
            if owners.len() < 2 {
                continue;
            }
            let mut notes: Vec<&Note> = owners.iter().filter_map(|id| self.get(id)).collect();
            notes.sort_by_key(|n| self.index_of(&n.id));
            notes.dedup_by_key(|n| &n.id);
            let uses: Vec<&Location> = notes
                .iter()
                .flat_map(|n| n.checklist().iter().filter(|i| i.id == *item))
                .map(|i| &i.at)
                .collect();
            for pair in uses.windows(2) {
                diags.error(
                    pair[1],
                    format!("duplicate checklist id `{item}`: also used at {}", pair[0]),
                );
            }
        }
    }

    /// Sorts notes into navigation order and rebuilds the id index.
    fn reindex(&mut self) {
        self.notes.sort_by(|a, b| nav_key(a).cmp(&nav_key(b)));
        self.index = self
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), i))
            .collect();
    }
}

fn is_structural_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Layer | Kind::Pillar | Kind::SecurityService)
}

fn load_vocabulary(
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
    let Some(text) = decode(file, diags) else {
        return (empty, Vec::new());
    };
    let vocab: Vocabulary = match toml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let at =
                LineIndex::new(text).locate(&file.display_path, e.span().map_or(0, |s| s.start));
            diags.error(&at, first_line(e.message()));
            return (empty, Vec::new());
        }
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
        });
    }
    (vocab, catalogs)
}

/// Where the `pattern` value of the `index`-th `[[catalogs]]` table starts in `text`.
fn pattern_offset(text: &str, index: usize) -> Option<usize> {
    let table = text.match_indices("[[catalogs]]").nth(index)?.0;
    let key = table + text[table..].find("pattern")?;
    let value = key + text[key..].find('=')? + 1;
    Some(value + (text[value..].len() - text[value..].trim_start().len()))
}

/// Decodes a file as UTF-8; an invalid byte is a diagnostic at its line and column.
fn decode<'a>(file: &'a SourceFile, diags: &mut Diagnostics) -> Option<&'a str> {
    match std::str::from_utf8(&file.bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            not_utf8(&file.display_path, &file.bytes[..e.valid_up_to()], diags);
            None
        }
    }
}

/// Like `decode`, keeping the file's bytes as the text (no copy).
fn decode_owned(bytes: Vec<u8>, path: &str, diags: &mut Diagnostics) -> Option<String> {
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let valid_up_to = e.utf8_error().valid_up_to();
            not_utf8(path, &e.as_bytes()[..valid_up_to], diags);
            None
        }
    }
}

/// Reports a file that is not UTF-8 where its `valid` prefix ends.
fn not_utf8(path: &str, valid: &[u8], diags: &mut Diagnostics) {
    let valid = std::str::from_utf8(valid).unwrap_or("");
    let at = LineIndex::new(valid).locate(path, valid.len());
    diags.error(&at, "file is not valid UTF-8");
}

/// A note read and split, front matter deserialized, ids not yet checked.
struct Parsed {
    id: String,
    rel_path: String,
    path: String,
    text: String,
    front_offset: usize,
    body_offset: usize,
    front: Front,
}

impl Parsed {
    fn kind(&self) -> Kind {
        match self.front {
            Front::Model(_) => Kind::Model,
            Front::Glossary(_) => Kind::Glossary,
            Front::Layer(_) => Kind::Layer,
            Front::Pillar(_) => Kind::Pillar,
            Front::Service(_) => Kind::Service,
            Front::SecurityService(_) => Kind::SecurityService,
            Front::Practice(_) => Kind::Practice,
        }
    }
}

enum Front {
    Model(raw::ModelFm),
    Glossary(raw::GlossaryFm),
    Layer(raw::LayerFm),
    Pillar(raw::PillarFm),
    Service(Box<raw::ServiceFm>),
    SecurityService(raw::SecurityServiceFm),
    Practice(raw::PracticeFm),
}

/// Reads one note file up to typed front matter; the note's text is the file's bytes. `None`
/// when it cannot be used at all.
fn parse_note(file: SourceFile, diags: &mut Diagnostics) -> Option<Parsed> {
    let SourceFile {
        rel_path,
        display_path,
        bytes,
    } = file;
    let path = &display_path;
    let (folder, name) = match rel_path.split_once('/') {
        Some((folder, name)) if !name.contains('/') => (folder, name),
        _ => {
            diags.warning(
                &Location::file(path),
                "note is not directly inside a kind folder (`model/`, `layers/`, `services/`, ...); skipped",
            );
            return None;
        }
    };
    let Some(kind) = Kind::from_folder(folder) else {
        diags.warning(
            &Location::file(path),
            format!("unknown folder `{folder}`; note skipped"),
        );
        return None;
    };
    let id = name.trim_end_matches(".md");
    if !is_valid_id(id) {
        diags.error(
            &Location::file(path),
            format!(
                "invalid note id `{id}`: use lowercase letters, digits and `-` in the file name"
            ),
        );
        return None;
    }
    let mut text = decode_owned(bytes, path, diags)?;
    if text.starts_with('\u{feff}') {
        // Moves the text down in place: the only copy, and only for files with a BOM.
        text.drain(..'\u{feff}'.len_utf8());
    }
    let split = match split(&text) {
        Ok(split) => split,
        Err(e) => {
            diags.error(&LineIndex::new(&text).locate(path, e.offset), e.message);
            return None;
        }
    };
    let front = match deserialize(kind, split.front) {
        Ok(front) => front,
        Err(e) => {
            let offset = split.front_offset + e.span().map_or(0, |s| s.start);
            diags.error(
                &LineIndex::new(&text).locate(path, offset),
                first_line(e.message()),
            );
            return None;
        }
    };
    let (front_offset, body_offset) = (split.front_offset, split.body_offset);
    let id = id.to_owned();
    Some(Parsed {
        id,
        rel_path,
        path: display_path,
        text,
        front_offset,
        body_offset,
        front,
    })
}

fn deserialize(kind: Kind, front: &str) -> Result<Front, toml::de::Error> {
    Ok(match kind {
        Kind::Model => Front::Model(toml::from_str(front)?),
        Kind::Glossary => Front::Glossary(toml::from_str(front)?),
        Kind::Layer => Front::Layer(toml::from_str(front)?),
        Kind::Pillar => Front::Pillar(toml::from_str(front)?),
        Kind::Service => Front::Service(Box::new(toml::from_str(front)?)),
        Kind::SecurityService => Front::SecurityService(toml::from_str(front)?),
        Kind::Practice => Front::Practice(toml::from_str(front)?),
    })
}

/// Lowercase ASCII letters, digits and single dashes, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn layer_order(notes: &[Parsed]) -> Vec<String> {
    let mut layers: Vec<(i64, &str, &str)> = notes
        .iter()
        .filter_map(|n| match &n.front {
            Front::Layer(l) => Some((
                l.order.unwrap_or(i64::MAX),
                l.title.get_ref().as_str(),
                n.id.as_str(),
            )),
            _ => None,
        })
        .collect();
    layers.sort();
    layers.into_iter().map(|(_, _, id)| id.to_owned()).collect()
}

/// Everything ids are checked against.
struct Context<'a> {
    vocab: &'a Vocabulary,
    catalogs: &'a [CompiledCatalog],
    layers: HashSet<String>,
    pillars: HashSet<String>,
    security_services: HashSet<String>,
    layer_order: Vec<String>,
}

/// Locates spans of one note's front matter.
struct At<'a> {
    path: &'a str,
    text: &'a str,
    /// Indexed when first needed: most notes have no checklist item or problem to locate.
    lines: OnceCell<LineIndex<'a>>,
    front_offset: usize,
}

impl At<'_> {
    fn span<T>(&self, value: &Spanned<T>) -> Location {
        self.lines
            .get_or_init(|| LineIndex::new(self.text))
            .locate(self.path, self.front_offset + value.span().start)
    }
}

impl Context<'_> {
    fn validate(&self, raw: Parsed, diags: &mut Diagnostics) -> Note {
        let Parsed {
            id,
            rel_path,
            path,
            text,
            front_offset,
            body_offset,
            front,
        } = raw;
        let at = At {
            path: &path,
            text: &text,
            lines: OnceCell::new(),
            front_offset,
        };
        let note_id = NoteId(id.clone());
        let (common, data, kind) = match front {
            Front::Model(mut fm) => (fm.common(), KindData::Model, Kind::Model),
            Front::Glossary(mut fm) => (fm.common(), KindData::Glossary, Kind::Glossary),
            Front::Layer(mut fm) => {
                self.term(
                    &at,
                    &fm.group,
                    &self.vocab.layer_groups,
                    "layer group",
                    diags,
                );
                let group = fm.group.get_ref().clone();
                (fm.common(), KindData::Layer(Layer { group }), Kind::Layer)
            }
            Front::Pillar(mut fm) => {
                let security_services =
                    self.ids(&at, &fm.security_services, IdSet::SecurityService, diags);
                (
                    fm.common(),
                    KindData::Pillar(Pillar { security_services }),
                    Kind::Pillar,
                )
            }
            Front::SecurityService(mut fm) => {
                let data = SecurityService {
                    category: fm.category.get_ref().clone(),
                    layers: self.ids(&at, &fm.layers, IdSet::Layer, diags),
                    pillars: self.ids(&at, &fm.pillars, IdSet::Pillar, diags),
                };
                (
                    fm.common(),
                    KindData::SecurityService(data),
                    Kind::SecurityService,
                )
            }
            Front::Practice(mut fm) => {
                let data = Practice {
                    layers: self.ids(&at, &fm.layers, IdSet::Layer, diags),
                    pillars: self.ids(&at, &fm.pillars, IdSet::Pillar, diags),
                    checklist: self.checklist(&at, &note_id, &fm.checklist, diags),
                };
                (fm.common(), KindData::Practice(data), Kind::Practice)
            }
            Front::Service(mut fm) => {
                let data = self.service(&at, &note_id, &fm, diags);
                (fm.common(), KindData::Service(data), Kind::Service)
            }
        };
        self.common(&at, kind, &common, diags);
        Note {
            id: note_id,
            kind,
            title: common.title.into_inner(),
            summary: common.summary.into_inner(),
            aliases: common.aliases,
            sources: common
                .sources
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            order: common.order,
            data,
            path,
            rel_path,
            text,
            body_offset,
        }
    }

    fn common(&self, at: &At, kind: Kind, common: &raw::Common, diags: &mut Diagnostics) {
        for (field, value) in [("title", &common.title), ("summary", &common.summary)] {
            if value.get_ref().trim().is_empty() {
                diags.error(&at.span(value), format!("`{field}` must not be empty"));
            }
        }
        if common.sources.is_empty() && kind != Kind::Glossary {
            diags.error(
                &at.span(&common.title),
                format!(
                    "a {} note needs `sources`: the provider documentation it is based on",
                    kind.singular()
                ),
            );
        }
        for source in &common.sources {
            check_url(at, source, diags);
        }
    }

    fn service(
        &self,
        at: &At,
        id: &NoteId,
        fm: &raw::ServiceFm,
        diags: &mut Diagnostics,
    ) -> Service {
        self.term(
            at,
            &fm.service_model,
            &self.vocab.service_models,
            "service model",
            diags,
        );
        let mut rows: BTreeMap<usize, Responsibility> = BTreeMap::new();
        for row in &fm.responsibility {
            let layer = row.layer.get_ref();
            let Some(position) = self.layer_order.iter().position(|l| l == layer) else {
                let hint = did_you_mean(layer, self.layer_order.iter().map(String::as_str));
                diags.error(
                    &at.span(&row.layer),
                    format!("unknown layer `{layer}`{hint}"),
                );
                continue;
            };
            self.owner(at, &row.owner, diags);
            check_url(at, &row.source, diags);
            let variants = row
                .variants
                .iter()
                .map(|v| {
                    self.owner(at, &v.owner, diags);
                    Variant {
                        when: v.when.clone(),
                        owner: v.owner.get_ref().clone(),
                        note: v.note.clone(),
                    }
                })
                .collect();
            let value = Responsibility {
                layer: NoteId(layer.clone()),
                owner: row.owner.get_ref().clone(),
                note: row.note.clone(),
                source: row.source.get_ref().clone(),
                variants,
            };
            if rows.insert(position, value).is_some() {
                diags.error(
                    &at.span(&row.layer),
                    format!("layer `{layer}` has two responsibility rows"),
                );
            }
        }
        for (position, layer) in self.layer_order.iter().enumerate() {
            if !rows.contains_key(&position) {
                diags.error(
                    &Location::file(at.path),
                    format!("service `{id}` has no responsibility row for layer `{layer}`"),
                );
            }
        }
        Service {
            provider: fm.provider.get_ref().clone(),
            category: fm.category.get_ref().clone(),
            service_model: fm.service_model.get_ref().clone(),
            security_services: self.ids(at, &fm.security_services, IdSet::SecurityService, diags),
            responsibility: rows.into_values().collect(),
            checklist: self.checklist(at, id, &fm.checklist, diags),
        }
    }

    fn checklist(
        &self,
        at: &At,
        note: &NoteId,
        items: &[raw::ChecklistFm],
        diags: &mut Diagnostics,
    ) -> Vec<ChecklistItem> {
        items
            .iter()
            .map(|item| {
                if !is_valid_id(item.id.get_ref()) {
                    diags.error(
                        &at.span(&item.id),
                        format!(
                            "invalid checklist id `{}`: use lowercase letters, digits and `-`",
                            item.id.get_ref()
                        ),
                    );
                }
                let layer = self.id(at, &item.layer, IdSet::Layer, diags);
                let pillar = self.id(at, &item.pillar, IdSet::Pillar, diags);
                self.term(
                    at,
                    &item.severity,
                    &self.vocab.severities,
                    "severity",
                    diags,
                );
                check_url(at, &item.source, diags);
                let controls = item
                    .controls
                    .iter()
                    .filter_map(|c| self.control(at, c, diags))
                    .collect();
                ChecklistItem {
                    id: item.id.get_ref().clone(),
                    note: note.clone(),
                    title: item.title.clone(),
                    layer,
                    pillar,
                    severity: item.severity.get_ref().clone(),
                    controls,
                    verify: item.verify.clone(),
                    source: item.source.get_ref().clone(),
                    detail: item.detail.clone(),
                    security_services: self.ids(
                        at,
                        &item.security_services,
                        IdSet::SecurityService,
                        diags,
                    ),
                    at: at.span(&item.id),
                }
            })
            .collect()
    }

    fn control(&self, at: &At, value: &raw::S, diags: &mut Diagnostics) -> Option<Control> {
        let text = value.get_ref();
        let Some((catalog, id)) = text.split_once(':') else {
            diags.error(
                &at.span(value),
                format!("control `{text}` must be written `catalog:id`, e.g. `fsbp:S3.1`"),
            );
            return None;
        };
        let Some(compiled) = self.catalogs.iter().find(|c| c.catalog.id == catalog) else {
            if self.catalogs.is_empty() && self.vocab.owners.is_empty() {
                return None; // the vocabulary did not load; reported there
            }
            let known = self
                .catalogs
                .iter()
                .map(|c| format!("`{}`", c.catalog.id))
                .collect::<Vec<_>>();
            diags.error(
                &at.span(value),
                format!(
                    "unknown control catalog `{catalog}`; expected one of {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        if compiled.pattern.as_ref().is_some_and(|p| !p.is_match(id)) {
            diags.error(
                &at.span(value),
                format!(
                    "control id `{id}` does not match the `{catalog}` pattern `{}`",
                    compiled.catalog.pattern
                ),
            );
            return None;
        }
        Some(Control {
            catalog: catalog.to_owned(),
            id: id.to_owned(),
        })
    }

    fn owner(&self, at: &At, value: &raw::S, diags: &mut Diagnostics) {
        self.term(at, value, &self.vocab.owners, "owner", diags);
    }

    fn term(&self, at: &At, value: &raw::S, terms: &[Term], what: &str, diags: &mut Diagnostics) {
        // An empty list means the vocabulary did not load (reported once, at the vocabulary):
        // do not repeat that at every use.
        if !terms.is_empty() && !Vocabulary::has(terms, value.get_ref()) {
            diags.error(
                &at.span(value),
                format!(
                    "unknown {what} `{}`; expected one of {}",
                    value.get_ref(),
                    Vocabulary::expected(terms)
                ),
            );
        }
    }

    fn ids(&self, at: &At, values: &[raw::S], set: IdSet, diags: &mut Diagnostics) -> Vec<NoteId> {
        values.iter().map(|v| self.id(at, v, set, diags)).collect()
    }

    fn id(&self, at: &At, value: &raw::S, set: IdSet, diags: &mut Diagnostics) -> NoteId {
        let (ids, what) = match set {
            IdSet::Layer => (&self.layers, "layer"),
            IdSet::Pillar => (&self.pillars, "pillar"),
            IdSet::SecurityService => (&self.security_services, "security service"),
        };
        if !ids.contains(value.get_ref()) {
            let hint = did_you_mean(value.get_ref(), ids.iter().map(String::as_str));
            diags.error(
                &at.span(value),
                format!("unknown {what} `{}`{hint}", value.get_ref()),
            );
        }
        NoteId(value.get_ref().clone())
    }
}

#[derive(Debug, Clone, Copy)]
enum IdSet {
    Layer,
    Pillar,
    SecurityService,
}

fn check_url(at: &At, value: &raw::S, diags: &mut Diagnostics) {
    let url = value.get_ref();
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        diags.error(
            &at.span(value),
            format!("source `{url}` is not an http(s) URL"),
        );
    }
}

/// The navigation order: kind, then `order`, title and id.
fn nav_key(note: &Note) -> (Kind, i64, &str, &NoteId) {
    (
        note.kind,
        note.order.unwrap_or(i64::MAX),
        &note.title,
        &note.id,
    )
}

#[cfg(test)]
mod tests;
