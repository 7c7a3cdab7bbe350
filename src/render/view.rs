//! The typed data templates see. Templates never receive a hand-built map: every page is one of
//! these structs, serialized as the Tera context.

use serde::Serialize;

/// The site-wide values every page shows.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    /// Site title.
    pub title: String,
    /// Site description.
    pub description: String,
    /// `lang` attribute.
    pub language: String,
    /// Published URL, when configured.
    pub base_url: Option<String>,
    /// The tool version, for the footer and generator meta.
    pub version: &'static str,
    /// Whether the site has `print.html`.
    pub print: bool,
}

/// A link to another page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkView {
    /// Site-relative URL (`services/s3.html`); templates prefix it with `root`.
    pub url: String,
    /// Text to show.
    pub title: String,
    /// Tooltip / secondary text.
    pub summary: String,
}

/// One section of the navigation sidebar.
#[derive(Debug, Clone, Serialize)]
pub struct NavSection {
    /// Section heading.
    pub title: String,
    /// Section index URL.
    pub url: String,
    /// The section's folder (`services`): its key in `nav.js`, which lists its notes.
    pub kind: String,
    /// Whether the current page is in this section.
    pub current: bool,
}

/// A table-of-contents entry.
#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    /// 2 or 3.
    pub level: u8,
    /// Anchor id.
    pub id: String,
    /// Heading text.
    pub text: String,
}

/// What every page template gets as `page`.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// Site-wide values.
    pub site: SiteView,
    /// This page's site-relative URL.
    pub url: String,
    /// `<title>` and `<h1>`.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Sidebar.
    pub nav: Vec<NavSection>,
    /// Home › Section › Page.
    pub breadcrumbs: Vec<LinkView>,
    /// Previous page in reading order.
    pub prev: Option<LinkView>,
    /// Next page in reading order.
    pub next: Option<LinkView>,
    /// Headings of the page.
    pub toc: Vec<TocEntry>,
    /// Top-level navigation key (`home`, `matrix`, ...) for highlighting.
    pub section: String,
}

/// An owner cell: id for the CSS class, label for the text.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerView {
    /// `provider`, `customer`, `shared`, `not-applicable`.
    pub id: String,
    /// Display label.
    pub label: String,
}

/// One duty of one party, with the page that states it.
#[derive(Debug, Clone, Serialize)]
pub struct DutyView {
    /// The act.
    pub duty: String,
    /// Provider documentation.
    pub source: String,
    /// When it was last checked, `YYYY-MM-DD`.
    pub verified: String,
}

/// A choice-dependent answer in a responsibility cell.
#[derive(Debug, Clone, Serialize)]
pub struct VariantView {
    /// The choice.
    pub when: String,
    /// Owner under it.
    pub owner: OwnerView,
    /// Detail.
    pub note: Option<String>,
    /// What the provider does under it.
    pub provider: Vec<DutyView>,
    /// What the customer does under it.
    pub customer: Vec<DutyView>,
}

/// A responsibility row of a service table, or a service cell of a layer page.
#[derive(Debug, Clone, Serialize)]
pub struct CellView {
    /// The layer (on service pages) or the service (on layer pages).
    pub subject: LinkView,
    /// Layer group label (service pages) or service model label (layer pages).
    pub group: String,
    /// Who secures it.
    pub owner: OwnerView,
    /// What that means here.
    pub note: String,
    /// Provider documentation.
    pub source: String,
    /// When the row was last checked against its sources, `YYYY-MM-DD`.
    pub verified: String,
    /// What the provider does (default configuration).
    pub provider: Vec<DutyView>,
    /// What the customer does (default configuration).
    pub customer: Vec<DutyView>,
    /// The anchor of the row on the service page (`layer-guest-os`).
    pub anchor: String,
    /// Choice-dependent answers.
    pub variants: Vec<VariantView>,
    /// The organisation's team for the customer's side (`[org.teams]`), where the customer has one.
    pub team: Option<String>,
    /// The organisation's own policy for this row (`policies/*.toml`), shown apart from the
    /// provider's baseline.
    pub policies: Vec<PolicyView>,
}

/// One statement of the organisation's policy, attached to a row or a checklist item, as
/// pages show it.
pub type PolicyView = crate::kb::policy::Labelled;

/// A control id with its catalog.
#[derive(Debug, Clone, Serialize)]
pub struct ControlView {
    /// Anchor on `controls.html`.
    pub anchor: String,
    /// The page it is on: `controls.html`, or its part when that is split.
    pub page: String,
    /// `fsbp:S3.1`.
    pub key: String,
    /// `S3.1`.
    pub id: String,
    /// Catalog id.
    pub catalog: String,
    /// Catalog title with version.
    pub catalog_title: String,
}

/// A checklist item as a page shows it. Templates get the item's view (the variant is invisible
/// to them); a page's fingerprint gets instead the fingerprint of that view, made once per build:
/// an item shows on up to five pages (its note's, its layer's, its pillar's, the checklists and
/// the controls), and a rebuild fingerprints every page, so the pages that gather thousands of
/// items would otherwise build and serialize each one five times.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ItemSlot {
    /// What templates see.
    View(Box<ItemView>),
    /// The item view's fingerprint (hex), for a page's fingerprint only.
    Print(String),
}

/// A checklist item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// Stable id (progress is stored under it).
    pub id: String,
    /// What to do.
    pub title: String,
    /// The note holding it.
    pub note: LinkView,
    /// Layer.
    pub layer: LinkView,
    /// Pillar.
    pub pillar: LinkView,
    /// Severity id.
    pub severity: String,
    /// Severity label.
    pub severity_label: String,
    /// Controls.
    pub controls: Vec<ControlView>,
    /// Verification command.
    pub verify: Option<String>,
    /// Provider documentation.
    pub source: String,
    /// When it was last checked against `source`, `YYYY-MM-DD`.
    pub verified: String,
    /// Longer explanation, as inline HTML (`markdown::inline_parts`: escaped, no blocks) in
    /// pieces: its wiki-links are pieces with a URL, which templates prefix with `root`.
    pub detail: Option<Vec<DetailPart>>,
    /// The organisation's runbook (`[org.runbooks]`).
    pub runbook: Option<String>,
    /// The organisation's own policy for this item.
    pub policies: Vec<PolicyView>,
    /// The `[org.teams]` team owning the item's layer.
    pub team: Option<String>,
    /// Security services that do or check it.
    pub security_services: Vec<LinkView>,
}

/// A piece of a checklist item's detail: HTML, or the label of a link to a note.
#[derive(Debug, Clone, Serialize)]
pub struct DetailPart {
    /// HTML, shown as it is (a link's label, or the text between links).
    pub html: String,
    /// For a wiki-link, the site-relative URL it points at (`security-services/kms.html#x`).
    pub url: Option<String>,
    /// For a wiki-link, the target's summary (the link's tooltip).
    pub title: Option<String>,
}

/// A group of checklist items under a heading.
#[derive(Debug, Clone, Serialize)]
pub struct ItemGroup {
    /// What the items belong to.
    pub title: LinkView,
    /// The items.
    pub items: Vec<ItemSlot>,
}

/// The body of any note page.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    /// Note id.
    pub id: String,
    /// Kind id (`service`, `layer`, ...).
    pub kind: String,
    /// Kind, singular, for display.
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Rendered Markdown body.
    pub html: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// Provider documentation.
    pub sources: Vec<String>,
    /// Referenced by.
    pub backlinks: Vec<LinkView>,
    /// Related notes from front matter (security services, layers, pillars), labelled.
    pub related: Vec<RelatedView>,
    /// Key facts shown in a box (service model, category, group...).
    pub facts: Vec<FactView>,
    /// Responsibility table (services) or per-service cells (layers).
    pub cells: Vec<CellView>,
    /// Checklist items (services, practices, pillars and layers gather theirs).
    pub items: Vec<ItemSlot>,
    /// When a layer's rows are too many for its page: the parts holding them (`cells` is
    /// then empty), with how many rows there are.
    pub row_parts: Vec<PartLink>,
    /// Likewise for the checklist items a layer or pillar gathers (`items` is then empty).
    pub item_parts: Vec<PartLink>,
    /// How many rows and items the parts hold.
    pub parted: [usize; 2],
    /// The oldest `verified` date of what the page shows (its rows, their duties and variants,
    /// its checklist items), `YYYY-MM-DD`; `None` when it shows nothing dated.
    pub verified: Option<String>,
    /// When a commit last changed the note's file, `YYYY-MM-DD` (see `history`).
    pub updated: Option<String>,
    /// Where to edit the note (`edit-url` with its path), for notes read from a directory.
    pub edit_url: Option<String>,
}

/// A labelled list of related notes.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedView {
    /// e.g. `Security services`.
    pub label: String,
    /// The notes.
    pub links: Vec<LinkView>,
}

/// A labelled fact.
#[derive(Debug, Clone, Serialize)]
pub struct FactView {
    /// e.g. `Service model`.
    pub label: String,
    /// e.g. `Abstracted / serverless`.
    pub value: String,
}

/// A note page: `note.html`.
#[derive(Debug, Clone, Serialize)]
pub struct NotePage {
    /// Layout.
    pub page: Layout,
    /// The note.
    pub note: NoteView,
}

/// A section index: `section.html`.
#[derive(Debug, Clone, Serialize)]
pub struct SectionPage {
    /// Layout.
    pub page: Layout,
    /// Kind id.
    pub kind: String,
    /// Section intro.
    pub intro: String,
    /// Entries with one extra column each.
    pub entries: Vec<SectionEntry>,
}

/// One row of a section index.
#[derive(Debug, Clone, Serialize)]
pub struct SectionEntry {
    /// The note.
    pub link: LinkView,
    /// Extra column (service model, layer group...), may be empty.
    pub extra: String,
}

/// One column of the services x layers matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixColumn {
    /// The layer.
    pub layer: LinkView,
    /// Layer-group label.
    pub group: String,
}

/// One row of the services x layers matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    /// The service.
    pub service: LinkView,
    /// Service-model id (for filtering).
    pub model: String,
    /// Service-model label.
    pub model_label: String,
    /// One cell per column.
    pub cells: Vec<MatrixCell>,
}

/// A matrix cell.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixCell {
    /// The layer's title (for the tooltip); empty where the cell's column says it.
    pub layer: String,
    /// Owner.
    pub owner: OwnerView,
    /// Row note (tooltip).
    pub note: String,
    /// Whether the answer depends on a choice.
    pub depends: bool,
    /// The row's anchor on the service page (`layer-guest-os`); empty when there is no row.
    pub anchor: String,
}

/// `matrix.html`.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixPage {
    /// Layout.
    pub page: Layout,
    /// Columns.
    pub columns: Vec<MatrixColumn>,
    /// Where the rows go: each row is rendered on its own with `parts/matrix-row.html`.
    pub rows_html: String,
    /// Service models for the filter.
    pub models: Vec<OwnerView>,
    /// Owners for the legend.
    pub owners: Vec<OwnerLegend>,
    /// When the matrix is split: its parts, and which this is.
    pub paging: Option<PagingView>,
}

/// A legend entry.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerLegend {
    /// Owner.
    pub owner: OwnerView,
    /// What it means.
    pub description: String,
}

/// `print.html`: the whole book on one page.
#[derive(Debug, Clone, Serialize)]
pub struct PrintPage {
    /// Layout.
    pub page: Layout,
    /// The table of contents: every note, in navigation order.
    pub contents: Vec<PrintEntry>,
    /// Where the notes go: each is rendered on its own with `parts/print-note.html` (as a
    /// `NoteView` whose `html` links within the page).
    pub notes_html: String,
}

/// A line of the print page's contents.
#[derive(Debug, Clone, Serialize)]
pub struct PrintEntry {
    /// The note's section on the page (its URL, as an id).
    pub anchor: String,
    /// Title.
    pub title: String,
    /// Kind, singular, for display.
    pub kind_label: String,
}

/// `controls.html`.
#[derive(Debug, Clone, Serialize)]
pub struct ControlsPage {
    /// Layout.
    pub page: Layout,
    /// Catalogs, each showing where its controls go.
    pub catalogs: Vec<CatalogGroup>,
    /// Items that map to at least one control.
    pub mapped: usize,
    /// When the page is split: its parts, and which this is.
    pub paging: Option<PagingView>,
}

/// One control catalog on the controls page.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogGroup {
    /// Catalog id (`fsbp`).
    pub id: String,
    /// Title with version.
    pub title: String,
    /// The catalog's documentation.
    pub url: String,
    /// How many of its controls have items.
    pub count: usize,
    /// When the catalog has a list of controls: how many the checklists cover, and the rest.
    pub coverage: Option<CoverageView>,
    /// Where its controls go: each control is rendered on its own with `parts/control.html`,
    /// in natural order.
    pub controls_html: String,
}

/// A catalog's coverage by the checklists (`kb::coverage`), for `controls.html`.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    /// Counts over every control of the list.
    pub totals: crate::kb::coverage::Totals,
    /// Controls no item covers and nothing explains.
    pub uncovered: Vec<ListedControl>,
    /// Controls no item needs to cover, each with its reason.
    pub out_of_scope: Vec<ListedControl>,
}

/// A control of a catalog's list that no item names.
#[derive(Debug, Clone, Serialize)]
pub struct ListedControl {
    /// `fsbp:S3.1`.
    pub key: String,
    /// Our title of it.
    pub title: String,
    /// The service it applies to, when the knowledge base has a note for it.
    pub service: Option<LinkView>,
    /// Why it is out of scope.
    pub reason: Option<String>,
}

/// One control id and the items mapped to it.
#[derive(Debug, Clone, Serialize)]
pub struct ControlGroup {
    /// `fsbp:S3.1`.
    pub key: String,
    /// `S3.1`.
    pub id: String,
    /// Our title of it, from the catalog's list (empty without one).
    pub title: String,
    /// Anchor id.
    pub anchor: String,
    /// Items that name it.
    pub items: Vec<ItemSlot>,
    /// With a list: `covered`, `out-of-scope`, `retired` or `uncovered`.
    pub state: Option<&'static str>,
    /// The controls of other catalogs through which items cover it (`same_as`).
    pub via: Vec<ControlLink>,
    /// Why it is out of scope.
    pub reason: Option<String>,
    /// The publisher's page for it.
    pub url: Option<String>,
    /// What the provider does for it, in our words.
    pub provider: Option<String>,
    /// What the customer does for it, in our words.
    pub customer: Option<String>,
    /// The layers whose duties implement it.
    pub layers: Vec<LinkView>,
    /// The section of the list this control opens, when it is the section's first.
    pub section: Option<SectionView>,
    /// Its heading level: 4 under a section's heading, 3 otherwise.
    pub level: u8,
}

/// A link to a control elsewhere on the controls page.
#[derive(Debug, Clone, Serialize)]
pub struct ControlLink {
    /// `cis-aws-3.0.0:1.4`.
    pub key: String,
    /// Its anchor on the controls page.
    pub anchor: String,
    /// The page it is on when not the one showing the link (a part of a split controls
    /// page); empty when it is.
    pub page: String,
}

/// A section of a catalog's list (a Well-Architected question, a CCM domain).
#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    /// `SEC01`.
    pub id: String,
    /// Our title of it.
    pub title: String,
    /// The publisher's page for it.
    pub url: Option<String>,
    /// Anchor id.
    pub anchor: String,
    /// Its controls by state.
    pub totals: crate::kb::coverage::Totals,
}

/// `checklists.html`
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistsPage {
    /// Layout.
    pub page: Layout,
    /// Where the items go, grouped by note: each group is rendered on its own with
    /// `parts/checklist-group.html`.
    pub groups_html: String,
    /// Total items.
    pub total: usize,
    /// Severities for the filter.
    pub severities: Vec<OwnerView>,
    /// Pillars for the filter.
    pub pillars: Vec<LinkView>,
    /// Layers for the filter.
    pub layers: Vec<LinkView>,
    /// When the page is split: its parts, and which this is.
    pub paging: Option<PagingView>,
}

/// One band of the home page's model drawing.
#[derive(Debug, Clone, Serialize)]
pub struct ModelColumn {
    /// Service model.
    pub model: OwnerView,
    /// The service whose table the column shows (the model's declared representative).
    pub representative: Option<LinkView>,
    /// Every service of the model.
    pub services: Vec<LinkView>,
    /// Per layer: who usually secures it under this model.
    pub cells: Vec<MatrixCell>,
}

/// `index.html`.
#[derive(Debug, Clone, Serialize)]
pub struct HomePage {
    /// Layout.
    pub page: Layout,
    /// What the provider secures (security OF the cloud).
    pub provider_layers: Vec<LinkView>,
    /// What the customer secures (security IN the cloud).
    pub customer_layers: Vec<LinkView>,
    /// Layers as rows of the shift drawing.
    pub layers: Vec<LinkView>,
    /// Service models as columns.
    pub models: Vec<ModelColumn>,
    /// Section links with counts.
    pub sections: Vec<SectionEntry>,
    /// Rendered intro from the model overview note, if present.
    pub intro: Option<LinkView>,
}

/// `self-check.html`: questions from the responsibility tables.
#[derive(Debug, Clone, Serialize)]
pub struct SelfCheckPage {
    /// Layout.
    pub page: Layout,
    /// The questions, as JSON safe inside a `<script>` element.
    pub questions_json: String,
    /// How many questions the page holds, of how many rows there are.
    pub shown: usize,
    pub total: usize,
    /// The possible answers, with what each means.
    pub owners: Vec<OwnerLegend>,
}

/// `changes.html`: what changed since the version a build was given (`build --since`).
#[derive(Debug, Clone, Serialize)]
pub struct ChangesPage {
    /// Layout.
    pub page: Layout,
    /// The version compared against, as the reader should name it.
    pub since: String,
    /// One section per kind of change, in a fixed order; empty when nothing changed.
    pub sections: Vec<ChangeSection>,
}

/// One kind of change and its lines (plain text).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSection {
    /// `Owner moved`.
    pub title: String,
    /// One line per change.
    pub lines: Vec<String>,
}

/// `attestation.html`: the checklist items by team (or layer), for sign-off.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationPage {
    /// Layout.
    pub page: Layout,
    /// Grouped by `[org.teams]` team (else by layer).
    pub by_team: bool,
    /// The organisation's name (`[org] name`).
    pub org: Option<String>,
    /// Every item, in all groups.
    pub total: usize,
    /// The groups: teams by name with "No team named" last, or layers in order.
    pub groups: Vec<AttestGroup>,
    /// When the page is split: its parts, and which this is.
    pub paging: Option<PagingView>,
}

/// One team's (or layer's) items on `attestation.html`.
#[derive(Debug, Clone, Serialize)]
pub struct AttestGroup {
    /// Anchor and filter value: `team-` and the name's slug.
    pub id: String,
    /// The team's name, "No team named", or the layer's title.
    pub name: String,
    /// Its items, in the knowledge base's order.
    pub items: Vec<AttestItem>,
}

/// A checklist item as `attestation.html` lists it (its state comes from the browser).
#[derive(Debug, Clone, Serialize)]
pub struct AttestItem {
    /// Stable id (progress is stored under it).
    pub id: String,
    /// What to do.
    pub title: String,
    /// The item on its note's page, site-relative.
    pub url: String,
    /// The note's title.
    pub note: String,
    /// The layer's title.
    pub layer: String,
    /// Severity id and label.
    pub severity: String,
    pub severity_label: String,
    /// The organisation's own policy for the item (`policies/*.toml`), which the team attests to
    /// alongside the provider's baseline.
    pub policies: Vec<PolicyView>,
}

/// `search.html` and `404.html`: layout only.
#[derive(Debug, Clone, Serialize)]
pub struct PlainPage {
    /// Layout.
    pub page: Layout,
}

/// A gathering page split in parts (see `render::paging`): on the index page, the list of parts;
/// on a part, the pager.
#[derive(Debug, Clone, Serialize)]
pub struct PagingView {
    /// The index page's URL (`checklists.html`).
    pub index: String,
    /// The index page's title.
    pub index_title: String,
    /// This part's label; empty on the index.
    pub label: String,
    /// Its number, from 1; 0 on the index.
    pub number: usize,
    /// Every part, in order.
    pub parts: Vec<PartLink>,
    /// The part before this one.
    pub prev: Option<PartLink>,
    /// The part after this one (on the index, the first).
    pub next: Option<PartLink>,
    /// What the parts' weights count ("items", "services").
    pub weighs: String,
}

/// One part of a split page, as links show it.
#[derive(Debug, Clone, Serialize)]
pub struct PartLink {
    /// Site-relative URL.
    pub url: String,
    /// Label.
    pub label: String,
    /// How many entries it holds (items, services, lines).
    pub weight: usize,
    /// Whether it is the page showing the link.
    pub current: bool,
}

/// A part of a layer's or pillar's page: a slice of the services' rows or of the items it
/// gathers (`note-part.html`).
#[derive(Debug, Clone, Serialize)]
pub struct NotePartPage {
    /// Layout.
    pub page: Layout,
    /// The note whose page this is a part of.
    pub note: LinkView,
    /// Its kind (`layers`, `pillars`).
    pub kind: String,
    /// The parts and the pager.
    pub paging: PagingView,
    /// The rows it shows (a part of a layer's rows).
    pub cells: Vec<CellView>,
    /// The items it shows (a part of the items).
    pub items: Vec<ItemSlot>,
}
