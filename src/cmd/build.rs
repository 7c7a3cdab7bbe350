//! `whosecures build`: the site, written atomically into its output directory.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use whosecures::driver;
use whosecures::error::Result;
use whosecures::site::Timings;

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
}

/// Builds the site; exit 1 (nothing written) when the notes have errors.
pub fn run(args: &Args) -> Result<ExitCode> {
    let started = Instant::now();
    let mut timings = Timings::default();
    let project = args.input.project()?;
    let progress = super::style::Progress::start("building", timings.stage());
    let built = driver::build(&project, args.output.as_deref(), args.fresh, &mut timings);
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
