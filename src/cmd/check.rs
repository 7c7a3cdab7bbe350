//! `whosecures check`: everything `build` does except writing, every problem printed.

use std::process::ExitCode;

use whosecures::driver;
use whosecures::error::Result;

use super::{plural, report, InputArgs};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
}

/// Checks the project; exit 1 when the notes have errors.
pub fn run(args: &Args) -> Result<ExitCode> {
    let project = args.input.project()?;
    let compiled = driver::check(&project)?;
    report(&compiled.diags);
    let (errors, warnings) = (compiled.diags.error_count(), compiled.diags.warning_count());
    eprintln!(
        "checked {} notes: {errors} error{}, {warnings} warning{}",
        compiled.kb.notes.len(),
        plural(errors),
        plural(warnings)
    );
    Ok(ExitCode::from(if errors > 0 { 1 } else { 0 }))
}
