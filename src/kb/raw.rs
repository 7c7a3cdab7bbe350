//! The front matter of each note kind exactly as written, with spans for every id that must be
//! checked. Kept apart from the typed notes in `kb` so that a field is never half-validated.

use serde::Deserialize;
use toml::Spanned;

/// A string with its byte span in the front matter.
pub type S = Spanned<String>;

/// Declares one front-matter struct per kind: the common fields plus the kind's own.
/// One macro instead of seven copies of the common fields; `deny_unknown_fields` cannot be
/// combined with `#[serde(flatten)]`, so the fields are spelled into each struct.
macro_rules! front_matter {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub title: S,
            pub summary: S,
            #[serde(default)]
            pub sources: Vec<S>,
            #[serde(default)]
            pub aliases: Vec<S>,
            #[serde(default)]
            pub redirect_from: Vec<S>,
            #[serde(default)]
            pub order: Option<i64>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// Moves the common fields out.
            pub fn common(&mut self) -> Common {
                Common {
                    title: std::mem::replace(&mut self.title, empty()),
                    summary: std::mem::replace(&mut self.summary, empty()),
                    sources: std::mem::take(&mut self.sources),
                    aliases: std::mem::take(&mut self.aliases),
                    redirect_from: std::mem::take(&mut self.redirect_from),
                    order: self.order,
                }
            }
        }
    };
}

/// A placeholder left behind when a field is moved out.
fn empty() -> S {
    Spanned::new(0..0, String::new())
}

/// The fields every kind has.
#[derive(Debug)]
pub struct Common {
    pub title: S,
    pub summary: S,
    pub sources: Vec<S>,
    pub aliases: Vec<S>,
    pub redirect_from: Vec<S>,
    pub order: Option<i64>,
}

front_matter!(
    /// `model/`
    ModelFm {
        #[serde(default)]
        topic: Vec<TopicFm>,
    }
);

front_matter!(
    /// `glossary/`
    GlossaryFm {}
);

front_matter!(
    /// `layers/`
    LayerFm {
        group: S,
    }
);

front_matter!(
    /// `pillars/`
    PillarFm {
        #[serde(default)]
        security_services: Vec<S>,
    }
);

front_matter!(
    /// `security-services/`
    SecurityServiceFm {
        category: S,
        #[serde(default)]
        service: Option<S>,
        #[serde(default)]
        service_model: Option<S>,
        #[serde(default)]
        responsibility: Vec<RowFm>,
        #[serde(default)]
        layers: Vec<S>,
        #[serde(default)]
        pillars: Vec<S>,
        #[serde(default)]
        checklist: Vec<ChecklistFm>,
    }
);

front_matter!(
    /// `practices/`
    PracticeFm {
        #[serde(default)]
        layers: Vec<S>,
        #[serde(default)]
        pillars: Vec<S>,
        #[serde(default)]
        checklist: Vec<ChecklistFm>,
    }
);

front_matter!(
    /// `services/`
    ServiceFm {
        provider: S,
        category: S,
        service_model: S,
        #[serde(default)]
        security_services: Vec<S>,
        #[serde(default)]
        responsibility: Vec<RowFm>,
        #[serde(default)]
        checklist: Vec<ChecklistFm>,
    }
);

/// A date as written: `verified = 2026-12-06`.
pub type D = Spanned<toml::value::Datetime>;

/// One `[[responsibility]]` row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowFm {
    pub layer: S,
    /// Other names of this row for this service (the provider's own term in its table).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The old single label: refused with a hint to write duties.
    #[serde(default)]
    pub owner: Option<S>,
    pub note: S,
    #[serde(default)]
    pub source: Option<S>,
    #[serde(default)]
    pub verified: Option<D>,
    #[serde(default)]
    pub provider: Vec<DutyFm>,
    #[serde(default)]
    pub customer: Vec<DutyFm>,
    #[serde(default)]
    pub variants: Vec<VariantFm>,
}

/// One duty: `{ duty = "...", source = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutyFm {
    pub duty: S,
    pub source: S,
    #[serde(default)]
    pub verified: Option<D>,
}

/// One `variants` entry of a row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantFm {
    pub when: S,
    /// The old single label: refused with a hint to write duties.
    #[serde(default)]
    pub owner: Option<S>,
    #[serde(default)]
    pub note: Option<String>,
    /// For a choice with no duties (not applicable under it): the page that says so.
    #[serde(default)]
    pub source: Option<S>,
    #[serde(default)]
    pub verified: Option<D>,
    #[serde(default)]
    pub provider: Vec<DutyFm>,
    #[serde(default)]
    pub customer: Vec<DutyFm>,
}

/// One `[[topic]]` of a model note: a model-level question (patch management, physical
/// controls...) and what each party does about it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicFm {
    pub title: S,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub note: String,
    pub verified: D,
    #[serde(default)]
    pub provider: Vec<DutyFm>,
    #[serde(default)]
    pub customer: Vec<DutyFm>,
}

/// One `[[checklist]]` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistFm {
    pub id: S,
    pub title: String,
    pub layer: S,
    pub pillar: S,
    pub severity: S,
    #[serde(default)]
    pub controls: Vec<S>,
    #[serde(default)]
    pub verify: Option<String>,
    pub source: S,
    #[serde(default)]
    pub verified: Option<D>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub security_services: Vec<S>,
}
