//! The note types: what a note is once loaded (`Note`, its `Kind` and per-kind `KindData`, the
//! responsibility rows and checklist items they hold). Plain data and small accessors only; no
//! parsing, checking or loading.

use std::fmt;

use serde::Serialize;

use crate::diag::Location;

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

impl Responsibility {
    /// Whether the customer has a part in this row: its owner or one of its variants is the
    /// customer or shared (provider-only and not-applicable rows have none).
    pub fn customer_has_part(&self) -> bool {
        let customer_part = |owner: &str| matches!(owner, "customer" | "shared");
        customer_part(&self.owner) || self.variants.iter().any(|v| customer_part(&v.owner))
    }
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
