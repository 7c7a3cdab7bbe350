//! Checking notes: each parsed note against the vocabulary and the layer, pillar and
//! security-service ids (`Context::validate`, one file at a time), then the checks that span notes
//! (`KnowledgeBase::check_global`) and book.toml's `[org]` (`check_org`). No reading or parsing.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use toml::Spanned;

use crate::config::{is_http_url, OrgConfig};
use crate::diag::{did_you_mean, Diagnostics, LineIndex, Location};

use super::note::{
    name_key, owner_of, ChecklistItem, Control, Date, Duties, Duty, Kind, KindData, Layer, Note,
    NoteId, Pillar, Practice, Responsibility, SecurityService, Service, Table, Topic, Variant,
};
use super::parse::{is_valid_id, Front, Parsed};
use super::raw;
use super::vocab::{CompiledCatalog, Term, Vocabulary};
use super::KnowledgeBase;

/// Everything ids are checked against.
pub(super) struct Context<'a> {
    /// Owner, service-model, layer-group and severity ids.
    pub(super) vocab: &'a Vocabulary,
    /// Control catalogs, for `catalog:id` controls.
    pub(super) catalogs: &'a [CompiledCatalog],
    /// Every layer id.
    pub(super) layers: HashSet<String>,
    /// Every pillar id.
    pub(super) pillars: HashSet<String>,
    /// Every security-service id.
    pub(super) security_services: HashSet<String>,
    /// Layer ids in navigation order: a service's rows are kept in this order.
    pub(super) layer_order: Vec<String>,
}

/// Locates spans of one note's front matter.
struct At<'a> {
    /// Shared by every location in the note (its rows, duties and items each have one).
    path: Arc<str>,
    text: &'a str,
    /// Indexed when first needed: most notes have no checklist item or problem to locate.
    lines: OnceCell<LineIndex<'a>>,
    front_offset: usize,
    /// The sources the note cites, one copy of each: a service's rows, duties and items cite a
    /// few pages many times over.
    sources: RefCell<Vec<Arc<str>>>,
}

impl At<'_> {
    /// `url` as the note's other citations of it hold it.
    fn source(&self, url: &str) -> Arc<str> {
        let mut cited = self.sources.borrow_mut();
        if let Some(known) = cited.iter().find(|known| ***known == *url) {
            return Arc::clone(known);
        }
        let url: Arc<str> = url.into();
        cited.push(Arc::clone(&url));
        url
    }

    fn span<T>(&self, value: &Spanned<T>) -> Location {
        self.lines
            .get_or_init(|| LineIndex::new(self.text))
            .locate_in(&self.path, self.front_offset + value.span().start)
    }
}

impl Context<'_> {
    /// Checks one parsed note and builds it; problems go to `diags`, the note is kept anyway.
    pub(super) fn validate(&self, raw: Parsed, diags: &mut Diagnostics) -> Note {
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
            path: path.as_str().into(),
            text: &text,
            lines: OnceCell::new(),
            front_offset,
            sources: RefCell::new(Vec::new()),
        };
        let note_id = NoteId(id.clone());
        let (common, data, kind) = match front {
            Front::Model(mut fm) => {
                let topics = self.topics(&at, &fm.topic, diags);
                (fm.common(), KindData::Model(topics), Kind::Model)
            }
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
                let table = match (&fm.service_model, fm.responsibility.is_empty()) {
                    (None, true) => None,
                    (Some(model), _) => {
                        Some(self.table(&at, &note_id, model, &fm.responsibility, diags))
                    }
                    (None, false) => {
                        diags.error(
                            &at.span(&fm.responsibility[0].layer),
                            "a security service with `[[responsibility]]` rows needs `service_model` too",
                        );
                        None
                    }
                };
                let data = SecurityService {
                    category: fm.category.get_ref().clone(),
                    table,
                    service: fm.service.as_ref().map(|s| NoteId(s.get_ref().clone())),
                    service_at: fm.service.as_ref().map(|s| at.span(s)),
                    layers: self.ids(&at, &fm.layers, IdSet::Layer, diags),
                    pillars: self.ids(&at, &fm.pillars, IdSet::Pillar, diags),
                    checklist: self.checklist(&at, &note_id, &fm.checklist, diags),
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
            aliases_at: common.aliases.iter().map(|a| at.span(a)).collect(),
            aliases: common
                .aliases
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            redirects: common
                .redirect_from
                .iter()
                .filter_map(|r| redirect_url(&at, kind, r, diags).map(|url| (url, at.span(r))))
                .collect(),
            sources: common
                .sources
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            order: common.order,
            data,
            path,
            rel_path,
            front_print: Note::front_hash(&text[..body_offset.min(text.len())]),
            lines_dropped: 0,
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
        let table = self.table(at, id, &fm.service_model, &fm.responsibility, diags);
        Service {
            provider: fm.provider.get_ref().clone(),
            category: fm.category.get_ref().clone(),
            security_services: self.ids(at, &fm.security_services, IdSet::SecurityService, diags),
            table,
            checklist: self.checklist(at, id, &fm.checklist, diags),
        }
    }

    /// A responsibility table: one row per layer, in layer order, duties checked.
    fn table(
        &self,
        at: &At,
        id: &NoteId,
        service_model: &raw::S,
        rows_fm: &[raw::RowFm],
        diags: &mut Diagnostics,
    ) -> Table {
        self.term(
            at,
            service_model,
            &self.vocab.service_models,
            "service model",
            diags,
        );
        let mut rows: BTreeMap<usize, Responsibility> = BTreeMap::new();
        for row in rows_fm {
            let layer = row.layer.get_ref();
            let Some(position) = self.layer_order.iter().position(|l| l == layer) else {
                if self.layers.contains(layer.as_str()) {
                    // A layer whose own note is broken: its errors say why; the row waits.
                    continue;
                }
                let hint = did_you_mean(layer, self.layer_order.iter().map(String::as_str));
                diags.error(
                    &at.span(&row.layer),
                    format!("unknown layer `{layer}`{hint}"),
                );
                continue;
            };
            let value = self.row(at, row, diags);
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
                    &Location::file(&at.path),
                    format!("service `{id}` has no responsibility row for layer `{layer}`"),
                );
            }
        }
        Table {
            service_model: service_model.get_ref().clone(),
            responsibility: rows.into_values().collect(),
        }
    }

    /// One row: its duties, its variants' duties, dates and sources.
    fn row(&self, at: &At, row: &raw::RowFm, diags: &mut Diagnostics) -> Responsibility {
        let layer = row.layer.get_ref();
        if let Some(owner) = &row.owner {
            old_owner(at, owner, diags);
        }
        if row.note.get_ref().trim().is_empty() {
            diags.error(&at.span(&row.note), "`note` must not be empty");
        }
        let verified = match &row.verified {
            Some(date) => self.date(at, date, diags),
            // An old-format row already has an error that says what to write.
            None if row.owner.is_some() => Date::default(),
            None => {
                diags.error(
                    &at.span(&row.layer),
                    format!(
                        "the `{layer}` row needs `verified = YYYY-MM-DD`: when its duties were last checked against their sources"
                    ),
                );
                Date::default()
            }
        };
        if let Some(source) = &row.source {
            check_url(at, source, diags);
        }
        let duties = self.duties(at, &row.provider, &row.customer, verified, diags);
        let variants: Vec<Variant> = row
            .variants
            .iter()
            .map(|v| {
                if let Some(owner) = &v.owner {
                    old_owner(at, owner, diags);
                }
                let verified = v
                    .verified
                    .as_ref()
                    .map_or(verified, |d| self.date(at, d, diags));
                let duties = self.duties(at, &v.provider, &v.customer, verified, diags);
                if let Some(source) = &v.source {
                    check_url(at, source, diags);
                }
                if duties.provider.is_empty() && duties.customer.is_empty() && v.source.is_none() {
                    diags.error(
                        &at.span(&v.when),
                        format!(
                            "the variant `{}` has no duties, so it says the layer does not apply under that choice: give the page that says so in `source`",
                            v.when.get_ref()
                        ),
                    );
                }
                Variant {
                    when: v.when.get_ref().clone(),
                    owner: duties.owner().to_owned(),
                    note: v.note.clone(),
                    source: v.source.as_ref().map(|s| s.get_ref().clone()),
                    verified,
                    duties,
                }
            })
            .collect();
        let first_duty = duties
            .all()
            .chain(variants.iter().flat_map(|v| v.duties.all()))
            .map(|(_, d)| d.source.clone())
            .next();
        let source = match (&row.source, first_duty) {
            (Some(source), _) => at.source(source.get_ref()),
            (None, Some(source)) => source,
            (None, None) if row.owner.is_some() => at.source(""),
            (None, None) => {
                diags.error(
                    &at.span(&row.layer),
                    format!(
                        "the `{layer}` row has no duties, so it says the layer does not apply: give the page that says so in `source`"
                    ),
                );
                at.source("")
            }
        };
        let owner =
            if duties.provider.is_empty() && duties.customer.is_empty() && !variants.is_empty() {
                // No default: the owner is what the choices make together.
                owner_of(
                    variants.iter().any(|v| !v.duties.provider.is_empty()),
                    variants.iter().any(|v| !v.duties.customer.is_empty()),
                )
            } else {
                duties.owner()
            };
        Responsibility {
            layer: NoteId(layer.clone()),
            owner: owner.to_owned(),
            aliases: row.aliases.clone(),
            note: row.note.get_ref().clone(),
            source,
            verified,
            duties,
            variants,
            at: at.span(&row.layer),
        }
    }

    /// The duties of each party; each inherits `verified` unless it carries its own.
    fn duties(
        &self,
        at: &At,
        provider: &[raw::DutyFm],
        customer: &[raw::DutyFm],
        verified: Date,
        diags: &mut Diagnostics,
    ) -> Duties {
        let mut one = |d: &raw::DutyFm| {
            if d.duty.get_ref().trim().is_empty() {
                diags.error(&at.span(&d.duty), "a duty must not be empty");
            }
            check_url(at, &d.source, diags);
            Duty {
                duty: d.duty.get_ref().trim().to_owned(),
                source: at.source(d.source.get_ref()),
                verified: d
                    .verified
                    .as_ref()
                    .map_or(verified, |v| self.date(at, v, diags)),
                at: at.span(&d.duty),
            }
        };
        Duties {
            provider: provider.iter().map(&mut one).collect(),
            customer: customer.iter().map(&mut one).collect(),
        }
    }

    /// A `verified` value: a date alone, no time or offset.
    fn date(&self, at: &At, value: &raw::D, diags: &mut Diagnostics) -> Date {
        Date::from_toml(value.get_ref()).unwrap_or_else(|message| {
            diags.error(&at.span(value), message);
            Date::default()
        })
    }

    /// The topics of a model note.
    fn topics(&self, at: &At, topics: &[raw::TopicFm], diags: &mut Diagnostics) -> Vec<Topic> {
        topics
            .iter()
            .map(|t| {
                let verified = self.date(at, &t.verified, diags);
                let duties = self.duties(at, &t.provider, &t.customer, verified, diags);
                if duties.provider.is_empty() && duties.customer.is_empty() {
                    diags.error(
                        &at.span(&t.title),
                        "a topic needs at least one `provider` or `customer` duty",
                    );
                }
                Topic {
                    title: t.title.get_ref().clone(),
                    aliases: t.aliases.clone(),
                    note: t.note.clone(),
                    verified,
                    duties,
                }
            })
            .collect()
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
                let verified = match &item.verified {
                    Some(date) => self.date(at, date, diags),
                    None => {
                        diags.error(
                            &at.span(&item.id),
                            format!(
                                "checklist item `{}` needs `verified = YYYY-MM-DD`: when it was last checked against its source",
                                item.id.get_ref()
                            ),
                        );
                        Date::default()
                    }
                };
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
                    source: at.source(item.source.get_ref()),
                    verified,
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
        if let Some(list) = &compiled.controls {
            match compiled.control(id) {
                None => {
                    let hint = crate::diag::did_you_mean(id, list.iter().map(|c| c.id.as_str()));
                    diags.error(
                        &at.span(value),
                        format!(
                            "unknown `{catalog}` control `{id}`: not in the catalog's list (`catalogs/{catalog}.toml`){hint}"
                        ),
                    );
                    return None;
                }
                Some(control) if control.retired => diags.warning(
                    &at.span(value),
                    format!("`{catalog}:{id}` is retired by its publisher; map the item to the control that replaced it, or drop the mapping"),
                ),
                Some(_) => {}
            }
        }
        Some(Control {
            catalog: catalog.to_owned(),
            id: id.to_owned(),
        })
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

/// An `owner = "..."` of the old format: says how to write the row now.
fn old_owner(at: &At, owner: &raw::S, diags: &mut Diagnostics) {
    let example = match owner.get_ref().as_str() {
        "provider" => "provider = [{ duty = \"...\", source = \"https://...\" }]",
        "customer" => "customer = [{ duty = \"...\", source = \"https://...\" }]",
        "shared" => "provider = [{ duty = ..., source = ... }] and customer = [{ duty = ..., source = ... }]",
        "not-applicable" => "no duties, a `note` saying why and a `source`",
        _ => "`provider = [...]` duties, `customer = [...]` duties, both (shared) or neither (not applicable)",
    };
    diags.error(
        &at.span(owner),
        format!(
            "`owner` is no longer written: say what each party does and the owner is derived; for `{}` write {example}, with `verified = YYYY-MM-DD` on the row (see docs/note-format.md)",
            owner.get_ref()
        ),
    );
}

#[derive(Debug, Clone, Copy)]
enum IdSet {
    Layer,
    Pillar,
    SecurityService,
}

/// The site URL a `redirect_from` entry names: an old id (`s3-buckets`: its page in this note's
/// folder), an old note file (`services/s3-buckets.md`), a page (`legacy/s3.html`) or a folder
/// (`legacy/s3/`, its `index.html`). `None`, with an error at the entry, for anything else or
/// a path that could leave the site.
fn redirect_url(at: &At, kind: Kind, value: &raw::S, diags: &mut Diagnostics) -> Option<String> {
    let written = value.get_ref().trim();
    let path = written.trim_start_matches('/');
    let safe = !path.is_empty()
        && !path.contains("//")
        && !path.contains('\\')
        && !path.contains(':')
        && !path
            .chars()
            .any(|c| c.is_control() || matches!(c, '?' | '#' | '"' | '<' | '>'))
        && path.split('/').all(|part| part != ".." && part != ".");
    let url = if !safe {
        None
    } else if path.ends_with('/') {
        Some(format!("{path}index.html"))
    } else if let Some(stem) = path.strip_suffix(".md") {
        let (folder, id) = stem.rsplit_once('/').unwrap_or((kind.folder(), stem));
        Some(format!("{folder}/{id}.html"))
    } else if path.ends_with(".html") {
        Some(path.to_owned())
    } else if !path.contains('/') && !path.contains('.') {
        Some(format!("{}/{path}.html", kind.folder()))
    } else {
        None
    };
    if url.is_none() {
        diags.error(
            &at.span(value),
            format!(
                "`redirect_from` entry `{written}` is not an old address of this note: write an old id (`old-name`), an old note file (`{}/old-name.md`), a page (`old/page.html`) or a folder (`old/folder/`), inside the site",
                kind.folder()
            ),
        );
    }
    url
}

fn check_url(at: &At, value: &raw::S, diags: &mut Diagnostics) {
    let url = value.get_ref();
    if !is_http_url(url) {
        diags.error(
            &at.span(value),
            format!("source `{url}` is not an http(s) URL"),
        );
    }
}

impl KnowledgeBase {
    /// Checks that no alias names another note: an alias equal to another note's id or alias
    /// (as `who` and searches compare names) would make one of them unreachable by that name.
    fn check_aliases(&self, diags: &mut Diagnostics) {
        let mut names: HashMap<String, (&Note, &str)> = HashMap::new();
        for note in self.iter() {
            names.insert(name_key(&note.title), (note, "title"));
        }
        for note in self.iter() {
            names.insert(name_key(note.id.as_str()), (note, "id"));
        }
        let mut seen: HashMap<String, (&Note, &Location)> = HashMap::new();
        for note in self.iter() {
            for (alias, at) in note.aliases.iter().zip(&note.aliases_at) {
                let key = name_key(alias);
                if let Some((other, what)) = names.get(&key).filter(|(o, _)| o.id != note.id) {
                    diags.error(at, alias_taken(alias, what, other));
                    continue;
                }
                match seen.get(&key) {
                    Some((other, first)) if other.id != note.id => {
                        diags.error(at, alias_shared(alias, other, first))
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(key, (note, at));
                    }
                }
            }
        }
    }

    /// `check_aliases` for the aliases whose name is `key`, given every note that goes by that
    /// name (as its title, id or an alias), in any order: what `check_aliases` reports at those
    /// aliases, and nothing else (see `Across`).
    fn check_aliases_named(&self, key: &str, ids: &[NoteId], diags: &mut Diagnostics) {
        let mut notes: Vec<(usize, &Note)> = ids
            .iter()
            .filter_map(|id| Some((self.index_of(id)?, self.get(id)?)))
            .collect();
        notes.sort_by_key(|(at, _)| *at);
        notes.dedup_by_key(|(at, _)| *at);
        // `check_aliases` puts titles in its map first, then ids, each over the one before.
        let owner = notes
            .iter()
            .rev()
            .find(|(_, n)| name_key(n.id.as_str()) == key)
            .map(|(_, n)| (*n, "id"))
            .or_else(|| {
                notes
                    .iter()
                    .rev()
                    .find(|(_, n)| name_key(&n.title) == key)
                    .map(|(_, n)| (*n, "title"))
            });
        let mut seen: Option<(&Note, &Location)> = None;
        for (_, note) in &notes {
            for (alias, at) in note.aliases.iter().zip(&note.aliases_at) {
                if name_key(alias) != key {
                    continue;
                }
                if let Some((other, what)) = owner.filter(|(o, _)| o.id != note.id) {
                    diags.error(at, alias_taken(alias, what, other));
                    continue;
                }
                match seen {
                    Some((other, first)) if other.id != note.id => {
                        diags.error(at, alias_shared(alias, other, first))
                    }
                    Some(_) => {}
                    None => seen = Some((note, at)),
                }
            }
        }
    }

    /// Why `same_as = ["catalog:id"]` in a list of `own` does not name a control of another
    /// catalog, if it does not.
    fn same_as(&self, own: &str, text: &str) -> std::result::Result<(), String> {
        let Some((catalog, id)) = text.split_once(':') else {
            return Err(format!(
                "`{text}` must be written `catalog:id`, e.g. `cis-aws-3.0.0:1.4`"
            ));
        };
        if catalog == own {
            return Err(format!(
                "`{text}` is in this same catalog; `same_as` names a control of another one"
            ));
        }
        let Some(other) = self.catalogs.iter().find(|c| c.catalog.id == catalog) else {
            let known: Vec<String> = self
                .catalogs
                .iter()
                .map(|c| format!("`{}`", c.catalog.id))
                .collect();
            return Err(format!(
                "unknown control catalog `{catalog}`; expected one of {}",
                known.join(", ")
            ));
        };
        if other.pattern.as_ref().is_some_and(|p| !p.is_match(id)) {
            return Err(format!(
                "control id `{id}` does not match the `{catalog}` pattern `{}`",
                other.catalog.pattern
            ));
        }
        if let Some(list) = &other.controls {
            if other.control(id).is_none() {
                let hint = crate::diag::did_you_mean(id, list.iter().map(|c| c.id.as_str()));
                return Err(format!(
                    "unknown `{catalog}` control `{id}`: not in the catalog's list{hint}"
                ));
            }
        }
        Ok(())
    }

    /// Checks that span notes: checklist ids are unique across the knowledge base, aliases name
    /// one note, and what policies, catalogs and security services name exists.
    /// Each later use of an id is reported at its `id`, naming the use before it (navigation
    /// order, then order in the note).
    pub fn check_global(&self, diags: &mut Diagnostics) {
        self.check_aliases(diags);
        self.check_references(diags);
        for (item, owners) in &self.item_owners {
            self.check_item(item, owners, diags);
        }
    }

    /// The part of `check_global` that follows names from the policies, the catalogs' controls
    /// and the security services to the notes they name: it walks those, not every note, so the
    /// preview runs it whole on every change.
    fn check_references(&self, diags: &mut Diagnostics) {
        self.check_policies(diags);
        for catalog in &self.catalogs {
            for control in catalog.controls.iter().flatten() {
                let (Some(service), Some(at)) = (&control.service, &control.service_at) else {
                    continue;
                };
                let ok = self
                    .get_str(service)
                    .is_some_and(|n| matches!(n.kind, Kind::Service | Kind::SecurityService));
                if !ok {
                    let services = self
                        .iter()
                        .filter(|n| matches!(n.kind, Kind::Service | Kind::SecurityService))
                        .map(|n| n.id.as_str());
                    let hint = crate::diag::did_you_mean(service, services);
                    diags.error(at, format!("`service`: no service note `{service}`{hint}"));
                }
            }
            for control in catalog.controls.iter().flatten() {
                for (same, at) in control.same_as.iter().zip(&control.same_as_at) {
                    if let Err(message) = self.same_as(&catalog.catalog.id, same) {
                        diags.error(at, format!("`same_as`: {message}"));
                    }
                }
                for (layer, at) in control.layers.iter().zip(&control.layers_at) {
                    if self.get_str(layer).is_none_or(|n| n.kind != Kind::Layer) {
                        let layers = self
                            .iter()
                            .filter(|n| n.kind == Kind::Layer)
                            .map(|n| n.id.as_str());
                        let hint = crate::diag::did_you_mean(layer, layers);
                        diags.error(at, format!("`layers`: no layer note `{layer}`{hint}"));
                    }
                }
            }
        }
        for note in self.of_kind(Kind::SecurityService) {
            let KindData::SecurityService(s) = &note.data else {
                continue;
            };
            if let (Some(service), Some(at)) = (&s.service, &s.service_at) {
                let ok = self.get(service).is_some_and(|n| n.kind == Kind::Service);
                if !ok {
                    diags.error(at, format!("`service`: no service note `{service}`"));
                } else if s.table.is_some() {
                    diags.error(
                        at,
                        "a security service has either its own `[[responsibility]]` rows or a `service` that holds them, not both",
                    );
                }
            }
        }
    }

    /// The duplicate-id errors of the checklist item `item`, used by the notes `owners`.
    fn check_item(&self, item: &str, owners: &[NoteId], diags: &mut Diagnostics) {
        if owners.len() < 2 {
            return;
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

/// The error at an alias that is the title or id (`what`) of another note.
fn alias_taken(alias: &str, what: &str, other: &Note) -> String {
    format!(
        "alias `{alias}` is the {what} of another note, `{}` ({}); remove it or rename one",
        other.id, other.path
    )
}

/// The error at an alias that an earlier note (at `first`) has too.
fn alias_shared(alias: &str, other: &Note, first: &Location) -> String {
    format!(
        "alias `{alias}` is also an alias of `{}` at {first}; a name must lead to one note",
        other.id
    )
}

/// `KnowledgeBase::check_global` kept between a preview's rebuilds (`driver::Checks`): what the
/// checks across notes found, by the name or checklist id it is about, and every name the notes
/// go by, so that a change re-checks only the names and ids the changed notes had or have. At
/// 10,000 notes the whole check took about 10 ms of every edit (bench/README.md, "Preview
/// edits and memory, round four").
#[derive(Debug, Default)]
pub struct Across {
    /// Every name a note goes by (its title, id and aliases, as `name_key` compares them), with
    /// the notes that go by it.
    names: HashMap<String, Vec<NoteId>>,
    /// The errors at aliases, by the alias's name; only names that have some.
    aliases: HashMap<String, Diagnostics>,
    /// The duplicate-id errors, by checklist item id; only ids that have some.
    items: HashMap<String, Diagnostics>,
}

impl Across {
    /// Indexes every note of `kb` and checks them all.
    pub fn new(kb: &KnowledgeBase) -> Across {
        let mut across = Across::default();
        for note in kb.iter() {
            across.index(note, &mut HashSet::new());
        }
        // Only a name some note has as an alias can have an error.
        let keys = kb
            .iter()
            .flat_map(|note| note.aliases.iter().map(|alias| name_key(alias)))
            .collect();
        let items = kb
            .item_owners
            .iter()
            .filter(|(_, owners)| owners.len() > 1)
            .map(|(item, _)| item.clone())
            .collect();
        across.recheck(kb, keys, items);
        across
    }

    /// Brings the kept results up to date with `kb` after the notes `changed` (by id: the ids
    /// they had and have) changed; `old` holds those notes as they were before (the ones that
    /// existed).
    pub fn update(&mut self, kb: &KnowledgeBase, old: &[Arc<Note>], changed: &[NoteId]) {
        let mut keys = HashSet::new();
        let mut items: HashSet<String> = HashSet::new();
        for note in old {
            for key in note_keys(note) {
                if let Some(ids) = self.names.get_mut(&key) {
                    ids.retain(|id| *id != note.id);
                    if ids.is_empty() {
                        self.names.remove(&key);
                    }
                }
                keys.insert(key);
            }
            items.extend(note.checklist().iter().map(|i| i.id.clone()));
        }
        for note in changed.iter().filter_map(|id| kb.get(id)) {
            self.index(note, &mut keys);
            items.extend(note.checklist().iter().map(|i| i.id.clone()));
        }
        self.recheck(kb, keys, items);
    }

    /// Everything `KnowledgeBase::check_global` reports for `kb`, which must be the base this
    /// was last brought up to date with.
    pub fn diagnostics(&self, kb: &KnowledgeBase, diags: &mut Diagnostics) {
        for found in self.aliases.values().chain(self.items.values()) {
            diags.extend(found.clone());
        }
        kb.check_references(diags);
    }

    fn index(&mut self, note: &Note, keys: &mut HashSet<String>) {
        for key in note_keys(note) {
            let ids = self.names.entry(key.clone()).or_default();
            if !ids.contains(&note.id) {
                ids.push(note.id.clone());
            }
            keys.insert(key);
        }
    }

    fn recheck(&mut self, kb: &KnowledgeBase, keys: HashSet<String>, items: HashSet<String>) {
        for key in keys {
            let mut found = Diagnostics::new();
            if let Some(ids) = self.names.get(&key) {
                kb.check_aliases_named(&key, ids, &mut found);
            }
            keep(&mut self.aliases, key, found);
        }
        for item in items {
            let mut found = Diagnostics::new();
            if let Some(owners) = kb.item_owners.get(&item) {
                kb.check_item(&item, owners, &mut found);
            }
            keep(&mut self.items, item, found);
        }
    }
}

/// Keeps what a key's re-check `found`, or forgets the key when it found nothing.
fn keep(kept: &mut HashMap<String, Diagnostics>, key: String, found: Diagnostics) {
    if found.is_empty() {
        kept.remove(&key);
    } else {
        kept.insert(key, found);
    }
}

/// The names `note` goes by, as `check_aliases` compares them: title, id, aliases.
fn note_keys(note: &Note) -> HashSet<String> {
    let mut keys: HashSet<String> = note.aliases.iter().map(|a| name_key(a)).collect();
    keys.insert(name_key(&note.title));
    keys.insert(name_key(note.id.as_str()));
    keys
}

/// Checks `[org]` of book.toml against the knowledge base: every team names a layer, every
/// runbook a checklist item, and runbooks are http(s) URLs (never `javascript:`).
pub fn check_org(kb: &KnowledgeBase, org: &OrgConfig, diags: &mut Diagnostics) {
    let layers: Vec<&str> = kb.of_kind(Kind::Layer).map(|n| n.id.as_str()).collect();
    for (layer, team, at) in org.entries(&org.teams) {
        if !layers.contains(&layer) {
            let hint = did_you_mean(layer, layers.iter().copied());
            diags.error(&at, format!("[org.teams]: unknown layer `{layer}`{hint}"));
        }
        if team.get_ref().trim().is_empty() {
            diags.error(&at, format!("[org.teams]: empty team name for `{layer}`"));
        }
    }
    for (item, url, at) in org.entries(&org.runbooks) {
        // `item_owners` has every item id: the preview runs this on every change, and a set of
        // every item made each time was most of it at 10,000 notes.
        if !kb.item_owners.contains_key(item) {
            let items: HashSet<&str> = kb.checklist_items().map(|i| i.id.as_str()).collect();
            let hint = did_you_mean(item, items.iter().copied());
            diags.error(
                &at,
                format!("[org.runbooks]: unknown checklist item `{item}`{hint}"),
            );
        }
        let url = url.get_ref();
        if !is_http_url(url) {
            diags.error(
                &at,
                format!("[org.runbooks]: `{url}` for `{item}` is not an http(s) URL"),
            );
        }
    }
}
