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

/// The key a name is looked up by: lowercase words joined by `-`, without a leading
/// `amazon`/`aws` (`Amazon EC2` → `ec2`, `OS patching` → `os-patching`).
pub fn name_key(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '_' | '/' | '.'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let skip = usize::from(words.len() > 1 && matches!(words[0].as_str(), "amazon" | "aws"));
    words[skip..].join("-")
}

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
    /// The whole file text (BOM removed), kept so later stages can locate body offsets; only
    /// the body once the front matter is dropped (`drop_front`).
    pub text: String,
    /// Where the Markdown body starts in `text`.
    pub body_offset: usize,
    /// Lines of the file before `text` starts: those of the front matter once dropped, else 0.
    /// A line found in `text` is this many more in the file.
    pub lines_dropped: usize,
    /// A hash of the front matter as written, kept when the text drops it: the preview compares
    /// a note's before and after an edit by it.
    pub front_print: u64,
    /// Display title.
    pub title: String,
    /// One-sentence summary.
    pub summary: String,
    /// Other names readers look for.
    pub aliases: Vec<String>,
    /// Where each alias is written.
    pub aliases_at: Vec<Location>,
    /// Provider documentation the note is based on.
    pub sources: Vec<String>,
    /// Old addresses of the note's page (`redirect_from`), as site-relative URLs
    /// (`services/old-name.html`), each with where it is written: each gets a page that sends
    /// the reader on.
    pub redirects: Vec<(String, Location)>,
    /// Navigation position.
    pub order: Option<i64>,
    /// What only this kind has.
    pub data: KindData,
}

impl Note {
    /// The name this note sorts by in every list: its title, for services and security services
    /// without the vendor prefix ("Amazon S3" sorts as "S3"). Compare with `Natural`.
    pub fn sort_name(&self) -> &str {
        super::order::sort_name(self.kind, &self.title)
    }

    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    /// The front matter as written, delimiters included; empty once dropped (`drop_front`).
    pub fn front(&self) -> &str {
        &self.text[..self.body_offset]
    }

    /// Forgets the front matter's text, keeping the body (and `front_print`): what it says is
    /// in the note's fields by now. The preview drops it once a note is checked and linked, as
    /// nothing reads it after that; at 10,000 notes it was 31 of the notes' 69 MB of text.
    pub fn drop_front(&mut self) {
        if self.body_offset == 0 {
            return;
        }
        self.lines_dropped += self.front().matches('\n').count();
        self.text.drain(..self.body_offset);
        self.text.shrink_to_fit();
        self.body_offset = 0;
    }

    /// `hash` of the front matter of `text` (up to `body_offset`), as `front_print` keeps it.
    pub fn front_hash(front: &str) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        front.hash(&mut hasher);
        hasher.finish()
    }

    /// The checklist items of a service, security service or practice; empty for other kinds.
    pub fn checklist(&self) -> &[ChecklistItem] {
        match &self.data {
            KindData::Service(s) => &s.checklist,
            KindData::SecurityService(s) => &s.checklist,
            KindData::Practice(p) => &p.checklist,
            _ => &[],
        }
    }

    /// The responsibility table of a service or of a security service that has one.
    pub fn table(&self) -> Option<&Table> {
        match &self.data {
            KindData::Service(s) => Some(&s.table),
            KindData::SecurityService(s) => s.table.as_ref(),
            _ => None,
        }
    }

    /// The responsibility rows, in layer order; empty for notes without a table.
    pub fn responsibility(&self) -> &[Responsibility] {
        self.table().map_or(&[], |t| &t.responsibility)
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
    /// `model/`, with its topics (may be none).
    Model(Vec<Topic>),
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

/// A model-level question (patch management, physical and environmental controls...) and what
/// each party does about it.
#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    /// The question's name.
    pub title: String,
    /// Other words for it.
    pub aliases: Vec<String>,
    /// One line summing it up.
    pub note: String,
    /// When it was last checked.
    pub verified: Date,
    /// What each party does.
    #[serde(flatten)]
    pub duties: Duties,
}

impl Topic {
    /// The owner its duties make.
    pub fn owner(&self) -> &'static str {
        self.duties.owner()
    }
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
    /// Security services that help secure it.
    pub security_services: Vec<NoteId>,
    /// Who does what, layer by layer.
    #[serde(flatten)]
    pub table: Table,
    /// Checklist items.
    pub checklist: Vec<ChecklistItem>,
}

/// A responsibility table: what a service is, in the model, and one row per layer.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Service-model id.
    pub service_model: String,
    /// One row per layer, in layer order.
    pub responsibility: Vec<Responsibility>,
}

impl Table {
    /// The row for `layer`, if any.
    pub fn row(&self, layer: &NoteId) -> Option<&Responsibility> {
        self.responsibility.iter().find(|r| &r.layer == layer)
    }
}

/// A calendar date, `YYYY-MM-DD`: when a claim was last checked against its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
}

impl Date {
    /// A `verified` value as TOML gives it: a date alone, or the message saying it must be one.
    pub fn from_toml(value: &toml::value::Datetime) -> Result<Date, String> {
        match (&value.date, &value.time, &value.offset) {
            (Some(d), None, None) => Ok(Date {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
            _ => Err(format!(
                "`verified` must be a date alone, `YYYY-MM-DD`, not `{value}`"
            )),
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn days(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: u16::try_from(year).unwrap_or(0),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Who acts: the two parties of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    /// The cloud provider.
    Provider,
    /// The customer.
    Customer,
}

impl Party {
    /// The owner id of a duty of this party alone.
    pub fn id(self) -> &'static str {
        match self {
            Party::Provider => "provider",
            Party::Customer => "customer",
        }
    }
}

/// One act of one party, in our words, with the page that says so.
#[derive(Debug, Clone, Serialize)]
pub struct Duty {
    /// The act, the party left out: "Patches the guest OS".
    pub duty: String,
    /// Provider documentation that states it.
    pub source: std::sync::Arc<str>,
    /// When it was last checked against `source`.
    pub verified: Date,
    /// Where the duty is written.
    #[serde(skip)]
    pub at: Location,
}

/// What each party does under one configuration (a row, or one of its variants).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Duties {
    /// The provider's duties.
    pub provider: Vec<Duty>,
    /// The customer's duties.
    pub customer: Vec<Duty>,
}

impl Duties {
    /// The owner these duties make: provider only, customer only, both = shared, none =
    /// not applicable.
    pub fn owner(&self) -> &'static str {
        owner_of(!self.provider.is_empty(), !self.customer.is_empty())
    }

    /// The oldest `verified` date among these duties and `since`.
    pub fn oldest(&self, since: Date) -> Date {
        self.all().map(|(_, d)| d.verified).fold(since, Date::min)
    }

    /// Every duty with its party, provider first.
    pub fn all(&self) -> impl Iterator<Item = (Party, &Duty)> {
        let provider = self.provider.iter().map(|d| (Party::Provider, d));
        provider.chain(self.customer.iter().map(|d| (Party::Customer, d)))
    }
}

/// The owner id of a row whose parties with duties are `provider` and `customer`: one of them
/// alone, both (shared) or neither (not applicable).
pub fn owner_of(provider: bool, customer: bool) -> &'static str {
    match (provider, customer) {
        (true, false) => "provider",
        (false, true) => "customer",
        (true, true) => "shared",
        (false, false) => "not-applicable",
    }
}

/// One cell of a service's table: who secures this layer.
#[derive(Debug, Clone, Serialize)]
pub struct Responsibility {
    /// Layer id.
    pub layer: NoteId,
    /// Owner id, derived from the duties (never written).
    pub owner: String,
    /// Other names of this row for this service, e.g. the provider's own term in its
    /// responsibility table ("database install and patching").
    pub aliases: Vec<String>,
    /// One line on what that means for this service.
    pub note: String,
    /// The row's main source: its own `source`, else its first duty's.
    pub source: std::sync::Arc<str>,
    /// When the row was last checked against its sources.
    pub verified: Date,
    /// What each party does in the default configuration.
    #[serde(flatten)]
    pub duties: Duties,
    /// Answers that depend on a customer choice.
    pub variants: Vec<Variant>,
    /// Where its `layer` is written.
    #[serde(skip)]
    pub at: Location,
}

impl Responsibility {
    /// Whether the customer has a part in this row: its owner or one of its variants is the
    /// customer or shared (provider-only and not-applicable rows have none).
    pub fn customer_has_part(&self) -> bool {
        let customer_part = |owner: &str| matches!(owner, "customer" | "shared");
        customer_part(&self.owner) || self.variants.iter().any(|v| customer_part(&v.owner))
    }

    /// The oldest `verified` date of the row, its duties and its variants.
    pub fn oldest_verified(&self) -> Date {
        self.variants
            .iter()
            .fold(self.duties.oldest(self.verified), |oldest, v| {
                v.duties.oldest(v.verified.min(oldest))
            })
    }
}

/// A responsibility answer that holds under one choice.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// The choice, e.g. `Fargate launch type`.
    pub when: String,
    /// Owner id under that choice, derived from its duties.
    pub owner: String,
    /// Optional detail.
    pub note: Option<String>,
    /// The page that says the layer does not apply under this choice (variants without duties).
    pub source: Option<String>,
    /// When it was last checked.
    pub verified: Date,
    /// What each party does under that choice (complete: replaces the row's duties).
    #[serde(flatten)]
    pub duties: Duties,
}

/// A provider security service.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityService {
    /// e.g. `detection`.
    pub category: String,
    /// Its own responsibility table, when it is a service in its own right (KMS, GuardDuty...).
    pub table: Option<Table>,
    /// The service note that holds its table instead (IAM's is `iam-service`).
    pub service: Option<NoteId>,
    /// Where `service` is written.
    #[serde(skip)]
    pub service_at: Option<Location>,
    /// Layers it helps the customer cover.
    pub layers: Vec<NoteId>,
    /// Pillars it serves.
    pub pillars: Vec<NoteId>,
    /// Checklist items for configuring it (enable GuardDuty's protection plans, rotate a key).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<ChecklistItem>,
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
    pub source: std::sync::Arc<str>,
    /// When it was last checked against `source`.
    pub verified: Date,
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
