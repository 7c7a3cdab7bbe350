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
    /// List the controls no checklist item covers, of every catalog with a list of controls
    /// (`knowledge/catalogs/`) or of CATALOG, with the counts (a report: exit 0 unless the notes
    /// have errors).
    #[arg(long, value_name = "CATALOG", num_args = 0..=1, default_missing_value = "all")]
    coverage: Option<String>,
}

/// The catalog a `--coverage [CATALOG]` names: `None` for every catalog (`all`, the value when
/// none is given), or one with a list of controls; else the message, with a hint.
pub fn coverage_catalog<'a>(
    kb: &kb::KnowledgeBase,
    arg: &'a str,
) -> std::result::Result<Option<&'a str>, String> {
    if arg == "all" {
        return Ok(None);
    }
    let listed: Vec<&str> = kb
        .catalogs
        .iter()
        .filter(|c| c.controls.is_some())
        .map(|c| c.catalog.id.as_str())
        .collect();
    if listed.contains(&arg) {
        return Ok(Some(arg));
    }
    let names: Vec<String> = listed.iter().map(|c| format!("`{c}`")).collect();
    Err(format!(
        "no catalog `{arg}` with a list of controls; expected one of {}{}",
        names.join(", "),
        whosecures::diag::did_you_mean(arg, listed.iter().copied())
    ))
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
    if let Some(arg) = args.coverage.as_deref() {
        let only = match coverage_catalog(&compiled.kb, arg) {
            Ok(only) => only,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        };
        let mut listing = String::new();
        for c in kb::coverage::coverage(&compiled.kb, only) {
            for k in c
                .controls
                .iter()
                .filter(|k| k.state == kb::coverage::State::Uncovered)
            {
                let service = k
                    .service
                    .as_deref()
                    .map(|s| format!(" [{s}]"))
                    .unwrap_or_default();
                listing.push_str(&format!("{}:{}  {}{service}\n", c.catalog, k.id, k.title));
            }
            let (t, s) = (c.totals, c.in_knowledge_base);
            let services = if s.controls > 0 && s.controls < t.controls {
                format!(
                    "; of the {} controls of services in the knowledge base, {} covered, {} uncovered",
                    s.controls, s.covered, s.uncovered
                )
            } else {
                String::new()
            };
            let groups = if c.groups.is_empty() {
                String::new()
            } else {
                // A section with no covered control is a gap only when something in it is
                // uncovered; one whose controls are all out of scope or retired is explained.
                let ids = |gap: bool| -> Vec<&str> {
                    c.groups
                        .iter()
                        .filter(|g| !g.covered && (g.totals.uncovered > 0) == gap)
                        .map(|g| g.id.as_str())
                        .collect()
                };
                let (bare, explained) = (ids(true), ids(false));
                let mut notes = Vec::new();
                if !bare.is_empty() {
                    notes.push(format!("none in {}", bare.join(", ")));
                }
                if !explained.is_empty() {
                    notes.push(format!("{} wholly out of scope", explained.join(", ")));
                }
                format!(
                    "; {} of {} sections have a covered control{}",
                    c.groups.iter().filter(|g| g.covered).count(),
                    c.groups.len(),
                    if notes.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", notes.join("; "))
                    }
                )
            };
            listing.push_str(&format!(
                "{}: {} of {} controls covered, {} out of scope, {} retired, {} uncovered{services}{groups}\n",
                c.catalog, t.covered, t.controls, t.out_of_scope, t.retired, t.uncovered,
            ));
        }
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
