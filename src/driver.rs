//! The pipeline run end to end, for the commands: `compile` (load, link and check the notes and
//! `[org]`), `check` (everything a build does except writing) and `build` (the same, then the
//! site written into its output directory). Prints nothing; the binary reports.
//!
//! ```no_run
//! use whosecures::driver;
//! use whosecures::config::{Project, ProjectArgs};
//!
//! let project = Project::resolve(&ProjectArgs::default())?;
//! let checked = driver::check(&project)?;
//! assert!(!checked.diags.has_errors());
//! # Ok::<(), whosecures::error::Error>(())
//! ```

use std::path::{Path, PathBuf};

use crate::config::Project;
use crate::diag::{Diagnostics, Location};
use crate::error::{Error, Result};
use crate::kb::{self, KnowledgeBase, Note};
use crate::links::{self, LinkGraph};
use crate::render::{self, Counts, Theme};
use crate::site::{self, Timings};
use crate::source::SourceFile;

/// The knowledge base loaded, linked and checked: everything up to rendering.
pub struct Compiled {
    /// The knowledge base as loaded.
    pub kb: KnowledgeBase,
    /// Its links.
    pub graph: LinkGraph,
    /// Every problem found.
    pub diags: Diagnostics,
}

/// Loads and links `files` (a knowledge directory's files), collecting every diagnostic. The
/// files become the notes' text (see `kb::load`).
pub fn load(files: Vec<SourceFile>) -> Compiled {
    let mut diags = Diagnostics::new();
    let kb = kb::load(files, &mut diags);
    let graph = links::build(&kb, &mut diags);
    Compiled { kb, graph, diags }
}

/// Loads, links and checks the project's knowledge base, its `[org]` section, and that every
/// page has a file name the output's file system accepts.
pub fn compile(project: &Project) -> Result<Compiled> {
    let mut compiled = load(project.knowledge_files()?);
    let across = check_plan_and_org(&compiled.kb, &project.config.org);
    compiled.diags.extend(across);
    Ok(compiled)
}

/// The checks past loading that walk every note, `[org]` (`kb::check_org`) and the page plan
/// (`check_pages`), side by side; their diagnostics in that order. The build runs them once, the
/// preview on every change, where at 10,000 notes they were most of a one-note rebuild.
pub fn check_plan_and_org(kb: &KnowledgeBase, org: &crate::config::OrgConfig) -> Diagnostics {
    let (mut diags, pages) = rayon::join(
        || {
            let mut diags = Diagnostics::new();
            kb::check_org(kb, org, &mut diags);
            diags
        },
        || {
            let mut diags = Diagnostics::new();
            check_pages(kb, &mut diags);
            diags
        },
    );
    diags.extend(pages);
    diags
}

/// The checks across notes (`KnowledgeBase::check_global`, `[org]` and the page plan) as the
/// preview keeps them between rebuilds: a change re-checks the names and checklist ids the
/// changed notes had or have (`kb::Across`), and the rest walks only what it looks up (the
/// site's own pages, `[org]`'s entries, the policies and catalogs), so that an edit does not pay
/// for every note (bench/README.md, "Preview edits and memory, round four"). What it reports is
/// what those checks report on the whole base.
#[derive(Debug, Default)]
pub struct Checks {
    global: kb::Across,
}

impl Checks {
    /// Checks every note of `kb`.
    pub fn new(kb: &KnowledgeBase) -> Checks {
        Checks {
            global: kb::Across::new(kb),
        }
    }

    /// Brings the checks up to date after the notes `changed` changed (the ids they had and
    /// have; `old` holds the ones that existed as they were).
    pub fn update(
        &mut self,
        kb: &KnowledgeBase,
        old: &[std::sync::Arc<Note>],
        changed: &[kb::NoteId],
    ) {
        self.global.update(kb, old, changed);
    }

    /// What `check_global` and `check_plan_and_org` report for `kb`, the base the checks were
    /// last brought up to date with.
    pub fn diagnostics(&self, kb: &KnowledgeBase, org: &crate::config::OrgConfig) -> Diagnostics {
        let mut diags = Diagnostics::new();
        self.global.diagnostics(kb, &mut diags);
        kb::check_org(kb, org, &mut diags);
        check_pages(kb, &mut diags);
        diags
    }
}

/// The checks of the page plan: file names too long, notes whose page is a generated page,
/// `redirect_from` addresses that are taken. The preview runs them on every change too.
pub fn check_pages(kb: &KnowledgeBase, diags: &mut Diagnostics) {
    check_file_names(kb, diags);
    check_collisions(kb, diags);
}

/// The longest file name most file systems take (`NAME_MAX` on Linux and macOS, in bytes).
const NAME_MAX: usize = 255;

/// A note whose page's file name (`<id>.html`) is longer than `NAME_MAX` is an error at the
/// note, found by `check` rather than by a failed write halfway through a build.
fn check_file_names(kb: &KnowledgeBase, diags: &mut Diagnostics) {
    // No name is made unless it is too long: the preview runs this on every change.
    for note in kb
        .iter()
        .filter(|n| n.id.as_str().len() + ".html".len() > NAME_MAX)
    {
        let name = format!("{}.html", note.id);
        diags.error(
            &Location::file(&note.path),
            format!(
                "note id is {} bytes long: its page `{name}` would exceed the {NAME_MAX}-byte \
                 file name limit; use a shorter file name",
                note.id.as_str().len()
            ),
        );
    }
}

/// A note whose page would be another page (`glossary/index.md` is the glossary's section page,
/// `glossary/index.html`) is an error at the note: one would silently replace the other.
fn check_collisions(kb: &KnowledgeBase, diags: &mut Diagnostics) {
    // Parts of split pages live in folders no kind of note has (`checklists/`), so only the
    // site's own pages can take a note's address; working out the parts would cost the preview
    // a pass over every item on each change.
    let generated: std::collections::HashSet<String> = render::site_pages(kb)
        .into_iter()
        .filter_map(|key| key.url(kb))
        .collect();
    // A note's page is `<folder>/<id>.html`: each generated page is looked up by the ids it
    // could be the page of, rather than every note's page made on each change.
    let mut taken: Vec<(&Note, &String)> = generated
        .iter()
        .flat_map(|url| {
            let stem = url.strip_suffix(".html").unwrap_or_default();
            stem.match_indices('/')
                .filter_map(move |(at, _)| kb.get_str(&stem[at + 1..]))
                .filter(move |note| render::note_url(note) == *url)
                .map(move |note| (note, url))
        })
        .collect();
    taken.sort_by_key(|(note, _)| kb.index_of(&note.id));
    taken.dedup_by_key(|(note, _)| &note.id);
    for (note, url) in taken {
        diags.error(
            &Location::file(&note.path),
            format!(
                "note id `{}` is taken: its page `{url}` is the {} section's page; rename the file",
                note.id,
                note.kind.label()
            ),
        );
    }
    if kb.iter().any(|note| !note.redirects.is_empty()) {
        check_redirects(kb, &generated, diags);
    }
}

/// A `redirect_from` address that is a page of the site (`generated`, or a note's page), or
/// another note's old address, is an error at the entry: the redirect would replace the page, or
/// one note would lose its address.
fn check_redirects(
    kb: &KnowledgeBase,
    generated: &std::collections::HashSet<String>,
    diags: &mut Diagnostics,
) {
    let note_pages: std::collections::HashMap<String, &Note> = kb
        .iter()
        .map(|note| (render::note_url(note), note))
        .collect();
    // A page's parts, when it splits, go in the folder of its name (`checklists.html`'s in
    // `checklists/`, a layer's in `layers/<id>/`): those folders are the page's, split or not,
    // so no redirect lands on a part today or on one a later build makes.
    let folder_of = |url: &str| {
        url.match_indices('/')
            .map(|(at, _)| &url[..at])
            .find_map(|folder| {
                let page = format!("{folder}.html");
                (generated.contains(&page) || note_pages.contains_key(&page)).then_some(page)
            })
    };
    let mut taken: std::collections::HashMap<&str, (&Note, &Location)> =
        std::collections::HashMap::new();
    for note in kb.iter() {
        for (url, at) in &note.redirects {
            let what = if generated.contains(url) {
                "a page the site generates".to_owned()
            } else if let Some(other) = note_pages.get(url) {
                format!("the page of note `{}`", other.id)
            } else if let Some(page) = folder_of(url) {
                format!("in the folder where the parts of the page `{page}` go when it splits")
            } else if let Some((other, first)) = taken.get(url.as_str()) {
                format!("already an old address of `{}` at {first}", other.id)
            } else {
                taken.insert(url, (note, at));
                continue;
            };
            diags.error(
                at,
                format!(
                    "`redirect_from` address `{url}` is {what}; a redirect may not replace a page"
                ),
            );
        }
    }
}

/// `check`: the project compiled, and when its notes have no error, every page rendered in
/// memory and dropped, so a template that fails to render fails here as it would in `build`.
pub fn check(project: &Project) -> Result<Compiled> {
    let (theme, compiled) = theme_and_compile(project);
    let (theme, compiled) = (theme?, compiled?);
    if !compiled.diags.has_errors() {
        let (kb, graph, config) = (&compiled.kb, &compiled.graph, &project.config);
        let history = project.history();
        render::render_each(kb, graph, config, &history, &theme, None, None, |_, _| {
            Ok(())
        })?;
        drop(site::derived(kb, graph, config));
    }
    Ok(compiled)
}

/// The theme loaded (its templates compiled) beside the knowledge base compiled: the templates
/// take one core about as long as loading the notes takes both (bench/README.md, "Cold start").
fn theme_and_compile(project: &Project) -> (Result<Theme>, Result<Compiled>) {
    rayon::join(
        || Theme::load(project.config.build.theme.as_deref()),
        || compile(project),
    )
}

/// Refuses to write `dir` (the site or the cache, `what`) inside a directory the build reads (the
/// knowledge, an overlay, the theme): every build would read its previous output as input (a
/// theme's `static/` holding the site copied the site into itself, growing at every build). A
/// path starting with `~` is refused too: no shell expanded it, and a folder named `~` is
/// almost never what was meant.
fn refuse_inside_inputs(project: &Project, dir: &Path, what: &str) -> Result<()> {
    if dir
        .components()
        .next()
        .is_some_and(|c| c.as_os_str() == "~")
    {
        return Err(Error::Refused(format!(
            "refusing to write the {what} to `{}`: `~` is not expanded here; write the home \
             directory's path out (or $HOME in a shell)",
            dir.display()
        )));
    }
    let build = &project.config.build;
    let inputs = build
        .knowledge
        .iter()
        .map(|d| ("knowledge", d))
        .chain(build.overlay.iter().map(|d| ("overlay", d)))
        .chain(build.theme.iter().map(|d| ("theme", d)));
    let target = resolved(dir);
    for (kind, input) in inputs {
        // The directory itself is refused by `site::write` ("it would replace").
        let input_dir = resolved(input);
        if target != input_dir && target.starts_with(&input_dir) {
            return Err(Error::Refused(format!(
                "refusing to write the {what} to `{}`: it is inside the {kind} directory `{}`, \
                 which the build reads",
                dir.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// `path` made absolute with its existing part's links resolved (the rest need not exist yet).
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return absolute,
        }
    }
    let mut out = std::fs::canonicalize(existing).unwrap_or_else(|_| existing.to_owned());
    out.extend(rest.iter().rev());
    out
}

/// What `build` did.
pub struct Built {
    /// The knowledge base, with every problem found.
    pub compiled: Compiled,
    /// Pages rendered and kept; `None` when the notes have errors and nothing was written.
    pub counts: Option<Counts>,
    /// Where the site is.
    pub out: PathBuf,
}

/// Where `build` writes the site: `output`, else `build.output-dir`.
pub fn output_dir(project: &Project, output: Option<&Path>) -> PathBuf {
    output.map_or_else(
        || project.config.build.output_dir.clone(),
        Path::to_path_buf,
    )
}

/// `build`: the project compiled and, when its notes have no error, the site written into
/// `output` (default: `build.output-dir`) atomically, keeping unchanged pages of the previous
/// build there unless `fresh`.
pub fn build(
    project: &Project,
    output: Option<&Path>,
    fresh: bool,
    extra: impl FnOnce(&Compiled, &Theme) -> Result<Vec<(String, Vec<u8>)>>,
    timings: &mut Timings,
) -> Result<Built> {
    timings.lap("read the project");
    let (theme, compiled) = theme_and_compile(project);
    let (theme, compiled) = (theme?, compiled?);
    // The theme's templates compile meanwhile, on the other core.
    timings.lap("load and link notes");
    let out = output_dir(project, output);
    if compiled.diags.has_errors() {
        return Ok(Built {
            compiled,
            counts: None,
            out,
        });
    }
    let cache = project.config.build.cache_dir_for(&out);
    refuse_inside_inputs(project, &out, "site")?;
    refuse_inside_inputs(project, &cache, "cache")?;
    let extra = extra(&compiled, &theme)?;
    let counts = site::build_into(
        &compiled.kb,
        &compiled.graph,
        &project.config,
        &project.history(),
        &theme,
        &out,
        &cache,
        &project.input_dirs(),
        fresh,
        &extra,
        timings,
    )?;
    Ok(Built {
        compiled,
        counts: Some(counts),
        out,
    })
}

#[cfg(test)]
mod tests;
