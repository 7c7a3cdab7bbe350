//! `whosecures build`: the site, written atomically into its output directory.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use whosecures::diff;
use whosecures::driver;
use whosecures::error::Result;
use whosecures::incremental::Hasher;
use whosecures::kb::Date;
use whosecures::render::{self, view::ChangeSection, Theme};
use whosecures::site::{export_assembled, Timings};

use super::{plural, report, InputArgs};

/// Arguments of `build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Output directory (default: `build.output-dir` of book.toml, else `site`).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Print how long each stage of the build took.
    #[arg(long)]
    timings: bool,
    /// Render every page again instead of keeping the previous build's unchanged pages.
    #[arg(long)]
    fresh: bool,
    /// Add a "What changed" page (`changes.html`) and an Atom feed (`changes.xml`) comparing
    /// this version with an earlier one: a knowledge directory or a kb.json (a build's, or
    /// `export -f json`'s).
    #[arg(long, value_name = "FILE|DIR", conflicts_with = "changes")]
    since: Option<PathBuf>,
    /// Add the "What changed" page and Atom feed comparing this version with the previous one
    /// this site was built from, kept with the build's metadata (the cache directory): each
    /// build whose knowledge changed adds a feed entry; a rebuild with no change keeps them.
    #[arg(long)]
    changes: bool,
}

/// Builds the site; exit 1 (nothing written) when the notes have errors.
pub fn run(args: &Args) -> Result<ExitCode> {
    let started = Instant::now();
    let mut timings = Timings::default();
    let project = args.input.project()?;
    let progress = super::style::Progress::start("building", timings.stage());
    let baseline = match &args.since {
        Some(path) => Some((path.display().to_string(), super::diff::read(path)?)),
        None => None,
    };
    let history = project.history();
    // With `--changes`, the log kept in the cache; what this build adds to it is kept once the
    // site is written.
    let log = args.changes.then(|| {
        let out = driver::output_dir(&project, args.output.as_deref());
        whosecures::changelog::Log::load(&project.config.build.cache_dir_for(&out))
    });
    let step = std::cell::RefCell::new(None);
    let changes = |compiled: &driver::Compiled, theme: &Theme| -> Result<Vec<(String, Vec<u8>)>> {
        let (kb, graph) = (&compiled.kb, &compiled.graph);
        if let Some(log) = log {
            let now = export_assembled(kb, graph, kb.notes.iter().map(|n| &**n));
            let this = log.step(&now, &Date::today().to_string())?;
            let since = this.since.clone().unwrap_or_else(|| {
                "no earlier version yet: this is the first build that keeps a change log".to_owned()
            });
            let sections = diff::sections(&this.diff)
                .into_iter()
                .map(|(title, lines)| ChangeSection {
                    title: title.to_owned(),
                    lines,
                })
                .collect();
            let page = render::render_changes(
                kb,
                graph,
                &project.config,
                &history,
                theme,
                &since,
                sections,
            )?;
            let book = &project.config.book;
            let feed = diff::feed(
                &book.title,
                book.base_url.as_deref(),
                &this.updated(),
                &this.entries,
            );
            *step.borrow_mut() = Some(this);
            return Ok(vec![
                (page.url, page.html.into_bytes()),
                ("changes.xml".to_owned(), feed.into_bytes()),
            ]);
        }
        let Some((since, old)) = &baseline else {
            return Ok(Vec::new());
        };
        let now = export_assembled(kb, graph, kb.notes.iter().map(|n| &**n));
        let d = diff::diff(old, &super::diff::parse(&now, "this version")?);
        let sections = diff::sections(&d)
            .into_iter()
            .map(|(title, lines)| ChangeSection {
                title: title.to_owned(),
                lines,
            })
            .collect();
        let page =
            render::render_changes(kb, graph, &project.config, &history, theme, since, sections)?;
        let key = Hasher::new(None)
            .text(&serde_json::to_string(&d).unwrap_or_default())
            .finish()
            .to_hex();
        let book = &project.config.book;
        let feed = diff::atom(
            &d,
            &book.title,
            book.base_url.as_deref(),
            since,
            &key[..16],
            &Date::today().to_string(),
        );
        Ok(vec![
            (page.url, page.html.into_bytes()),
            ("changes.xml".to_owned(), feed.into_bytes()),
        ])
    };
    let built = driver::build(
        &project,
        args.output.as_deref(),
        args.fresh,
        changes,
        &mut timings,
    );
    drop(progress);
    let built = built?;
    let diags = &built.compiled.diags;
    report(diags);
    let Some(counts) = built.counts else {
        eprintln!(
            "build failed: {} error{}; nothing was written",
            diags.error_count(),
            plural(diags.error_count())
        );
        return Ok(ExitCode::from(1));
    };
    if let Some(step) = step.borrow().as_ref() {
        step.save()?;
    }
    if args.timings {
        eprint!("{timings}");
    }
    let kept = match counts.reused {
        0 => String::new(),
        n => format!(" ({n} unchanged, kept from the previous build)"),
    };
    eprintln!(
        "built {} pages from {} notes into `{}` in {:.2}s{kept}",
        counts.rendered + counts.reused,
        built.compiled.kb.notes.len(),
        built.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
