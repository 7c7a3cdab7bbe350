//! `whosecures diff OLD NEW`: what changed between two versions of the knowledge base, each a
//! knowledge directory or a `kb.json` file (a build's, or `export -f json`'s).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use whosecures::config::{Project, ProjectArgs};
use whosecures::diff::{self, Snapshot};
use whosecures::driver;
use whosecures::error::{Error, Result};
use whosecures::site::export_assembled;

use super::out;

/// Output format of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    /// One line per change, grouped by kind.
    Text,
    /// A Markdown section per kind of change, for a pull request or changelog.
    Markdown,
    /// JSON (`whosecures-diff/1`).
    Json,
}

/// Arguments of `diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The older version: a knowledge directory or a kb.json file.
    old: PathBuf,
    /// The newer version: a knowledge directory or a kb.json file.
    new: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
}

/// Prints the differences; exit 0 when there are none, 1 when there are, 2 on an error.
pub fn run(args: &Args) -> Result<ExitCode> {
    let old = read(&args.old)?;
    let new = read(&args.new)?;
    let d = diff::diff(&old, &new);
    let text = match args.format {
        FormatArg::Text => diff::render(&d, false),
        FormatArg::Markdown => diff::render(&d, true),
        FormatArg::Json => serde_json::to_string_pretty(&d).unwrap_or_default() + "\n",
    };
    out(&text);
    Ok(ExitCode::from(if d.is_empty() { 0 } else { 1 }))
}

/// One side: a `kb.json` file as it is, or a knowledge directory exported the same way.
pub fn read(path: &Path) -> Result<Snapshot> {
    let json = if path.is_dir() {
        let project = Project::resolve(&ProjectArgs {
            config: None,
            knowledge: Some(path.to_path_buf()),
            overlay: Vec::new(),
            theme: None,
        })?;
        let compiled = driver::compile(&project)?;
        let errors = compiled.diags.error_count();
        if errors > 0 {
            eprintln!(
                "warning: `{}` has {errors} error{}; `whosecures check -k {}` lists them",
                path.display(),
                super::plural(errors),
                path.display()
            );
        }
        export_assembled(
            &compiled.kb,
            &compiled.graph,
            compiled.kb.notes.iter().map(|n| &**n),
        )
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?
    };
    parse(&json, &path.display().to_string())
}

/// A `kb.json` document's snapshot; `what` names it in messages.
pub fn parse(json: &str, what: &str) -> Result<Snapshot> {
    diff::parse_kb(json, what).map_err(Error::Refused)
}
