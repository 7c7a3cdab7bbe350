//! `whosecures export`: the knowledge base, a service's table or checklists, to standard output
//! or a file (`whosecures::export` makes the text).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use whosecures::error::{Error, Result};
use whosecures::export::{self, Format, Selection};
use whosecures::kb::{Kind, KnowledgeBase};
use whosecures::progress::{self, Progress};
use whosecures::query;
use whosecures::site::write;

use super::{load_for_query, out, KnowledgeArgs};

/// Output format, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    /// JSON with a versioned schema (documented in docs/kb-json.md).
    Json,
    /// CSV, one row per table row.
    Csv,
    /// Markdown tables and task lists.
    Markdown,
}

/// Arguments of `export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: KnowledgeArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
    /// Only this service's responsibility table.
    #[arg(long, value_name = "SERVICE", conflicts_with = "checklist")]
    service: Option<String>,
    /// Checklist items: of one service or practice (id), or all of them.
    #[arg(long, value_name = "NOTE", num_args = 0..=1, default_missing_value = "all")]
    checklist: Option<String>,
    /// Only checklist items mapped to this control (`fsbp:S3.1`, or a plain id such as `S3.1`).
    #[arg(long, value_name = "CATALOG:ID", requires = "checklist")]
    control: Option<String>,
    /// Progress exported by the checklists page (its JSON or CSV; repeat to merge several, the
    /// later tick of an item winning): adds each item's done, ticked and reviewer.
    #[arg(long, value_name = "FILE", requires = "checklist")]
    progress: Vec<PathBuf>,
    /// Each control of every catalog with a list (or of CATALOG): covered by which items, out
    /// of scope, retired or uncovered.
    #[arg(long, value_name = "CATALOG", num_args = 0..=1, default_missing_value = "all", conflicts_with_all = ["service", "checklist"])]
    coverage: Option<String>,
    /// Write to FILE instead of standard output (replaced whole, never half-written).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Writes the export; exit 1 when a named service or note matches nothing.
pub fn run(args: &Args) -> Result<ExitCode> {
    let (_, compiled) = load_for_query(&args.input)?;
    let kb = &compiled.kb;
    let found = |kind: Kind, name: &str| {
        query::find(kb, kind, name).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(1)
        })
    };
    let control = match args
        .control
        .as_deref()
        .map(|c| export::resolve_control(kb, c))
    {
        Some(Ok(control)) => Some(control),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
        None => None,
    };
    let control = control.as_deref();
    let coverage = match args
        .coverage
        .as_deref()
        .map(|arg| super::check::coverage_catalog(kb, arg))
    {
        Some(Ok(only)) => Some(only),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
        None => None,
    };
    let progress = if args.progress.is_empty() {
        None
    } else {
        match read_progress(kb, &args.progress)? {
            Some(progress) => Some(progress),
            None => return Ok(ExitCode::from(1)),
        }
    };
    let progress = progress.as_ref();
    let selection = match (args.service.as_deref(), args.checklist.as_deref()) {
        _ if coverage.is_some() => Selection::Coverage(coverage.flatten()),
        (Some(name), _) => match found(Kind::Service, name) {
            Ok(note) => Selection::Service(note),
            Err(code) => return Ok(code),
        },
        (None, Some("all")) => Selection::Checklist(None, control, progress),
        (None, Some(id)) => match kb.get_str(id).filter(|n| !n.checklist().is_empty()) {
            Some(note) => Selection::Checklist(Some(note), control, progress),
            None => {
                eprintln!("error: no service or practice `{id}` with checklist items");
                return Ok(ExitCode::from(1));
            }
        },
        (None, None) => Selection::All,
    };
    let format = match args.format {
        FormatArg::Json => Format::Json,
        FormatArg::Csv => Format::Csv,
        FormatArg::Markdown => Format::Markdown,
    };
    let text = export::export(kb, &compiled.graph, selection, format);
    match &args.output {
        Some(path) => {
            write::write_file_atomic(path, text.as_bytes())?;
            eprintln!("wrote `{}`", path.display());
        }
        None => out(&text),
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and merges the `--progress` files, printing a warning for each item id the knowledge
/// base does not know; `None` (after printing the error) when a file is malformed.
fn read_progress(kb: &KnowledgeBase, paths: &[PathBuf]) -> Result<Option<Progress>> {
    let known: HashSet<&str> = kb.checklist_items().map(|i| i.id.as_str()).collect();
    let mut merged = Progress::default();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        let shown = path.display().to_string();
        let text = String::from_utf8_lossy(&bytes);
        match progress::parse(&shown, &text) {
            Ok(file) => {
                for warning in file.unknown(|id| known.contains(id)) {
                    eprintln!("{warning}");
                }
                merged.merge(&file);
            }
            Err(error) => {
                eprintln!("{error}");
                return Ok(None);
            }
        }
    }
    Ok(Some(merged))
}
