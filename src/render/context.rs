//! The render context: what every page builder shares, computed once per render (the knowledge
//! base, links, site settings, sections in navigation order, checklist items gathered by layer
//! and pillar), and the small views made from it (links, owners, checklist items).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::page::print::PRINT_LIMIT;
use super::urls::{control_anchor, escape, page_url, root_of};
use super::view::*;
use crate::config::{BookConfig, Config, OrgConfig};
use crate::history::History;
use crate::incremental::Bodies;
use crate::incremental::Hasher;
use crate::kb::{ChecklistItem, Kind, KindData, KnowledgeBase, Note, NoteId, Vocabulary};
use crate::links::{split_target, LinkGraph};
use crate::markdown::Inline;

/// Everything page builders share, computed once per render.
pub(super) struct Ctx<'a> {
    pub(super) kb: &'a KnowledgeBase,
    pub(super) graph: &'a LinkGraph,
    pub(super) site: SiteView,
    pub(super) org: &'a OrgConfig,
    /// `edit-url`, for note pages' edit links.
    pub(super) book: &'a BookConfig,
    /// The note files' history (last updated, path for the edit link), when the pages show it.
    pub(super) history: Option<&'a History>,
    /// Clean note bodies (`build.sanitize-html`).
    pub(super) sanitize: bool,
    /// Note bodies as rendered for their pages, by note position, kept for the print page when
    /// there is one.
    pub(super) bodies: Option<Vec<OnceLock<String>>>,
    /// Bodies from earlier builds, when there is a print page.
    pub(super) store: Option<&'a Bodies<'a>>,
    /// Checklist items by layer and by pillar, gathered on first use: only layer, pillar and
    /// checklist pages need them, and the preview often renders none of those.
    pub(super) items: OnceLock<ItemsBy<'a>>,
    /// Lookups over the whole knowledge base, made on first use: this render's own, or the
    /// preview's, kept from one render to the next (see `Lookups`).
    pub(super) lookups: Cow<'a, Lookups>,
    /// What the split pages are made of, worked out once per render rather than once per part
    /// page (see `paging`): each gathering page's parts, the layers' and pillars' parts, the
    /// attestation groups, each catalog's controls with their items, and their coverage.
    pub(super) plans: Plans<'a>,
    /// Notes of each kind in navigation order (a slice of the knowledge base, which keeps notes
    /// sorted by kind first), for prev/next and nav windows.
    pub(super) sections: HashMap<Kind, &'a [Arc<Note>]>,
}

/// What a page needs to know of the whole knowledge base beyond its own notes, worked out on
/// first use and valid while the knowledge base shows the same controls with the same checklist
/// items: the preview keeps it from one render to the next until a change plans the controls
/// page (`serve::workspace`), so a note's page rendered alone after a row edit does not gather
/// every item of the knowledge base by control to link its own few control badges.
#[derive(Default, Clone)]
pub struct Lookups {
    /// The page of each control (`catalog:id`) when `controls.html` is split.
    control_pages: OnceLock<HashMap<String, String>>,
}

/// See `Ctx::plans`.
#[derive(Default)]
pub(super) struct Plans<'a> {
    parts: [OnceLock<Vec<crate::render::paging::Part>>; 4],
    notes: std::sync::Mutex<HashMap<NoteId, crate::render::paging::NoteParts>>,
    attestation: OnceLock<Vec<crate::render::paging::AttestationGroup<'a>>>,
    controls: OnceLock<Vec<crate::render::paging::CatalogControls<'a>>>,
    coverage: OnceLock<Vec<crate::kb::coverage::CatalogCoverage>>,
}

/// Checklist items by layer and by pillar, and each item's fingerprint once made.
#[derive(Default)]
pub(super) struct ItemsBy<'a> {
    pub(super) layer: HashMap<&'a NoteId, Vec<&'a ChecklistItem>>,
    pub(super) pillar: HashMap<&'a NoteId, Vec<&'a ChecklistItem>>,
    /// Item (by address: the knowledge base is not changed while it renders, and an address is
    /// unique even where two items share an id) → its position in `prints`.
    pub(super) ordinal: HashMap<usize, usize>,
    /// The fingerprints of the items' views, made on first use.
    pub(super) prints: Vec<OnceLock<String>>,
}

/// Whether a view is made for a template or for a page's fingerprint: the same view, but with
/// each checklist item's fingerprint in place of the item (see `ItemSlot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Show {
    Views,
    Prints,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(kb: &'a KnowledgeBase, graph: &'a LinkGraph, config: &'a Config) -> Self {
        let sections = Kind::ALL
            .into_iter()
            .map(|kind| (kind, kb.section(kind)))
            .filter(|(_, notes)| !notes.is_empty())
            .collect();
        let site = SiteView {
            title: config.book.title.clone(),
            description: config.book.description.clone(),
            language: config.book.language.clone(),
            base_url: config.book.base_url.clone(),
            version: env!("CARGO_PKG_VERSION"),
            print: kb.notes.len() <= PRINT_LIMIT,
        };
        Ctx {
            kb,
            graph,
            site,
            org: &config.org,
            book: &config.book,
            history: None,
            sanitize: config.build.sanitize_html,
            bodies: None,
            store: None,
            items: OnceLock::new(),
            lookups: Cow::Owned(Lookups::default()),
            plans: Plans::default(),
            sections,
        }
    }

    /// Shares `lookups` with the renders before and after this one (the preview's).
    pub(super) fn lookups(mut self, lookups: Option<&'a Lookups>) -> Self {
        if let Some(lookups) = lookups {
            self.lookups = Cow::Borrowed(lookups);
        }
        self
    }

    /// Note pages show their files' `history`: when a commit last changed them, and an edit
    /// link where `edit-url` is set.
    pub(super) fn history(mut self, history: &'a History) -> Self {
        self.history = Some(history);
        self
    }

    /// Keeps note bodies for the print page, when the site has one (not in the preview's
    /// page-by-page renders, which would only pay for the copies).
    pub(super) fn printing(mut self) -> Self {
        if self.site.print {
            self.bodies = Some((0..self.kb.notes.len()).map(|_| OnceLock::new()).collect());
        }
        self
    }

    pub(super) fn items_by(&self) -> &ItemsBy<'a> {
        self.items.get_or_init(|| {
            let mut by = ItemsBy::default();
            for item in self.kb.checklist_items() {
                by.layer.entry(&item.layer).or_default().push(item);
                by.pillar.entry(&item.pillar).or_default().push(item);
                by.ordinal.insert(item_address(item), by.prints.len());
                by.prints.push(OnceLock::new());
            }
            by
        })
    }

    /// The parts of the gathering page `of` (empty: one page).
    pub(super) fn parts_of(
        &self,
        of: crate::render::paging::Gathering,
    ) -> &[crate::render::paging::Part] {
        use crate::render::paging::{attestation_parts, control_parts, Gathering};
        // The controls and attestation pages' groups are worked out once per render already.
        self.plans.parts[of as usize].get_or_init(|| match of {
            Gathering::Controls => control_parts(self.kb, self.catalog_controls()),
            Gathering::Attestation => attestation_parts(self.attestation_groups()),
            _ => of.parts(self.kb, self.org),
        })
    }

    /// The parts of a layer's or pillar's page (empty for any other note, at no cost: every
    /// note page asks), worked out on the first ask for that note.
    pub(super) fn note_parts(&self, note: &Note) -> crate::render::paging::NoteParts {
        if !matches!(note.kind, Kind::Layer | Kind::Pillar) {
            return crate::render::paging::NoteParts::default();
        }
        let known = self
            .plans
            .notes
            .lock()
            .ok()
            .and_then(|m| m.get(&note.id).cloned());
        known.unwrap_or_else(|| {
            let parts = crate::render::paging::note_parts(self.kb, note);
            if let Ok(mut m) = self.plans.notes.lock() {
                m.insert(note.id.clone(), parts.clone());
            }
            parts
        })
    }

    /// The groups of `attestation.html`.
    pub(super) fn attestation_groups(&self) -> &[crate::render::paging::AttestationGroup<'a>] {
        self.plans
            .attestation
            .get_or_init(|| crate::render::paging::attestation_groups(self.kb, self.org))
    }

    /// Each catalog's controls with the items naming them (`paging::catalog_controls`).
    pub(super) fn catalog_controls(&self) -> &[crate::render::paging::CatalogControls<'a>] {
        self.plans
            .controls
            .get_or_init(|| crate::render::paging::catalog_controls(self.kb))
    }

    /// Which controls the checklists cover, per catalog (`kb::coverage::coverage`).
    pub(super) fn coverage(&self) -> &[crate::kb::coverage::CatalogCoverage] {
        self.plans
            .coverage
            .get_or_init(|| crate::kb::coverage::coverage(self.kb, None))
    }

    /// The page holding the control `key` (`fsbp:S3.1`) on the controls page: `controls.html`,
    /// or its part when the page is split.
    pub(super) fn control_page(&self, key: &str) -> &str {
        let pages = self.lookups.control_pages.get_or_init(|| {
            let of = crate::render::paging::Gathering::Controls;
            let parts = self.parts_of(of);
            let mut pages = HashMap::new();
            if parts.is_empty() {
                return pages;
            }
            let keys = self
                .kb
                .catalogs
                .iter()
                .zip(self.catalog_controls())
                .flat_map(|(c, controls)| {
                    let catalog = c.catalog.id.as_str();
                    controls
                        .iter()
                        .map(move |(id, _)| format!("{catalog}:{id}"))
                });
            let mut at = parts.iter().peekable();
            for (n, key) in keys.enumerate() {
                while at.peek().is_some_and(|p| p.range.end <= n) {
                    at.next();
                }
                if let Some(part) = at.peek() {
                    pages.insert(key, of.part_url(&part.slug));
                }
            }
            pages
        });
        pages.get(key).map_or("controls.html", String::as_str)
    }

    /// The path from the page at `url` to the site root, as templates see it (`root`): relative,
    /// but absolute for `404.html`, which a server shows at any depth.
    pub(super) fn root(&self, url: &str) -> String {
        match url {
            "404.html" => self
                .site
                .base_url
                .as_deref()
                .map_or("/".to_owned(), |b| format!("{}/", b.trim_end_matches('/'))),
            _ => root_of(url),
        }
    }

    /// A note's position in its section, in O(log N).
    pub(super) fn position(&self, note: &Note) -> Option<usize> {
        let index = self.kb.index_of(&note.id)?;
        Some(index - self.kb.section_start(note.kind))
    }

    /// A link to `note`'s page, as every page shows one.
    pub(super) fn link(&self, note: &Note) -> LinkView {
        LinkRef::of(note).view()
    }

    pub(super) fn link_id(&self, id: &NoteId) -> LinkView {
        match self.kb.get(id) {
            Some(note) => self.link(note),
            None => LinkView {
                url: String::new(),
                title: id.to_string(),
                summary: String::new(),
            },
        }
    }

    pub(super) fn owner(&self, id: &str) -> OwnerView {
        OwnerView {
            id: id.to_owned(),
            label: Vocabulary::label(&self.kb.vocab.owners, id).to_owned(),
        }
    }

    /// Every owner with what it means, in the vocabulary's order (the matrix's legend, the
    /// self-check's answers).
    pub(super) fn owner_legend(&self) -> Vec<OwnerLegend> {
        self.kb
            .vocab
            .owners
            .iter()
            .map(|o| OwnerLegend {
                owner: self.owner(&o.id),
                description: o.description.clone(),
            })
            .collect()
    }

    pub(super) fn item(&self, item: &ChecklistItem) -> ItemView {
        let vocab = &self.kb.vocab;
        ItemView {
            id: item.id.clone(),
            title: item.title.clone(),
            note: self.link_id(&item.note),
            layer: self.link_id(&item.layer),
            pillar: self.link_id(&item.pillar),
            severity: item.severity.clone(),
            severity_label: Vocabulary::label(&vocab.severities, &item.severity).to_owned(),
            controls: item
                .controls
                .iter()
                .map(|c| ControlView {
                    anchor: control_anchor(&c.to_string()),
                    page: self.control_page(&c.to_string()).to_owned(),
                    key: c.to_string(),
                    id: c.id.clone(),
                    catalog: c.catalog.clone(),
                    catalog_title: self
                        .kb
                        .catalog(&c.catalog)
                        .map_or_else(String::new, |cat| cat.title.clone()),
                })
                .collect(),
            verify: item.verify.clone(),
            source: item.source.to_string(),
            verified: item.verified.to_string(),
            detail: item.detail.as_deref().map(|d| self.detail(item, d)),
            runbook: self.org.runbook(&item.id).map(str::to_owned),
            policies: self.policies(self.kb.item_policies(&item.id)),
            team: self.org.team(item.layer.as_str()).map(str::to_owned),
            security_services: item
                .security_services
                .iter()
                .map(|id| self.link_id(id))
                .collect(),
        }
    }

    /// A checklist item's detail, its wiki-links resolved (`[[#heading]]` is a heading of the
    /// item's note, which may be shown on another page). A link that does not resolve (an error
    /// `links` reported, so no page shows it) is its text.
    fn detail(&self, item: &ChecklistItem, detail: &str) -> Vec<DetailPart> {
        crate::markdown::inline_parts(detail)
            .into_iter()
            .map(|part| match part {
                Inline::Html(html) => DetailPart {
                    html,
                    url: None,
                    title: None,
                },
                Inline::WikiLink { target, label } => {
                    let (id, anchor) = self.graph.wiki_target(self.kb, &item.note, &target);
                    let id = id.unwrap_or_else(|| NoteId(split_target(&target).0.to_owned()));
                    let found = self
                        .kb
                        .get(&id)
                        .filter(|note| anchor.is_none_or(|a| self.graph.has_anchor(note, a)));
                    let heading =
                        anchor.and_then(|a| self.graph.headings(&id).iter().find(|h| h.id == a));
                    let text = match (found, heading) {
                        (Some(note), Some(h)) => format!("{} › {}", note.title, h.text),
                        (Some(note), None) => note.title.clone(),
                        (None, _) => target.clone(),
                    };
                    DetailPart {
                        html: label.unwrap_or_else(|| escape(&text)),
                        url: found.map(|note| {
                            let fragment = anchor.map(|a| format!("#{a}")).unwrap_or_default();
                            format!(
                                "{}{fragment}",
                                page_url(note.kind.folder(), note.id.as_str())
                            )
                        }),
                        title: found.map(|note| note.summary.clone()),
                    }
                }
            })
            .collect()
    }

    /// An item as a page shows it (see `ItemSlot`).
    pub(super) fn item_slot(&self, item: &ChecklistItem, show: Show) -> ItemSlot {
        match show {
            Show::Views => ItemSlot::View(Box::new(self.item(item))),
            Show::Prints => {
                let print = || Hasher::new(None).json(&self.item(item)).finish().to_hex();
                // Kept for the pages that gather items (a layer's, a pillar's), which group them
                // first; a note page alone, as the preview renders one after an edit, does not
                // group every item of the knowledge base to print its own few.
                let slot = self.items.get().and_then(|by| {
                    let &n = by.ordinal.get(&item_address(item))?;
                    Some(&by.prints[n])
                });
                ItemSlot::Print(match slot {
                    Some(slot) => slot.get_or_init(print).clone(),
                    None => print(),
                })
            }
        }
    }

    /// The organisation's policies as pages show them, labelled with its name (`[org] name`).
    pub(super) fn policies<'p>(
        &self,
        policies: impl Iterator<Item = &'p crate::kb::policy::Policy>,
    ) -> Vec<PolicyView> {
        policies
            .map(|p| p.labelled(self.org.name.as_deref()))
            .collect()
    }

    /// The organisation's team for a row's layer, where the customer has a part in it.
    pub(super) fn team(&self, row: &crate::kb::Responsibility) -> Option<String> {
        if !row.customer_has_part() {
            return None;
        }
        let team = self.org.team(row.layer.as_str())?;
        Some(match &self.org.name {
            Some(name) => format!("{name}: {team}"),
            None => team.to_owned(),
        })
    }
}

/// What a link to a note shows of it, borrowed from the note: pages make their `LinkView`s from
/// it, and `nav.js` its entries (`nav::script`).
pub(super) struct LinkRef<'n> {
    folder: &'static str,
    id: &'n str,
    title: &'n str,
    summary: &'n str,
}

impl<'n> LinkRef<'n> {
    pub(super) fn of(note: &'n Note) -> Self {
        LinkRef {
            folder: note.kind.folder(),
            id: note.id.as_str(),
            title: &note.title,
            summary: &note.summary,
        }
    }

    /// The link as templates see it.
    pub(super) fn view(&self) -> LinkView {
        LinkView {
            url: page_url(self.folder, self.id),
            title: self.title.to_owned(),
            summary: self.summary.to_owned(),
        }
    }
}

/// An item's address, which names it while the knowledge base is borrowed (see `ItemsBy`).
pub(super) fn item_address(item: &ChecklistItem) -> usize {
    std::ptr::from_ref(item) as usize
}

pub(super) fn layer_group_label(kb: &KnowledgeBase, layer: &Note) -> String {
    match &layer.data {
        KindData::Layer(l) => Vocabulary::label(&kb.vocab.layer_groups, &l.group).to_owned(),
        _ => String::new(),
    }
}
