//! `whosecures check`: everything `build` does except writing, every problem printed.

use std::process::ExitCode;

use whosecures::driver;
use whosecures::error::Result;
use whosecures::kb::{self, Date};

use super::{out, plural, report, InputArgs};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// List the responsibility rows, duties, model topics and checklist items whose `verified`
    /// date is more than DAYS days old (a report: exit 0 unless `--deny-stale`).
    #[arg(long, value_name = "DAYS")]
    stale: Option<u32>,
    /// Make every stale claim an error (exit 1), for CI; needs `--stale DAYS`.
    #[arg(long, requires = "stale")]
    deny_stale: bool,
}

/// Checks the project; exit 1 when the notes have errors.
pub fn run(args: &Args) -> Result<ExitCode> {
    let project = args.input.project()?;
    let mut compiled = driver::check(&project)?;
    if let Some(days) = args.stale {
        let stale = kb::stale(&compiled.kb, Date::today(), days);
        let mut listing = String::new();
        for s in &stale {
            let message = format!(
                "{} verified {} ({} days ago, limit {days})",
                s.what, s.verified, s.age
            );
            if args.deny_stale {
                compiled.diags.error(&s.at, format!("stale: {message}"));
            } else {
                let at = &s.at;
                listing.push_str(&format!(
                    "{}:{}:{}: stale: {message}\n",
                    at.path,
                    at.line + 1,
                    at.column + 1
                ));
            }
        }
        listing.push_str(&format!(
            "{} of {} dated rows, topics and checklist items verified more than {days} day{} ago\n",
            stale.len(),
            kb::dated(&compiled.kb),
            plural(days as usize)
        ));
        out(&listing);
    }
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
