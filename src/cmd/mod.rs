//! One file per command, each with its arguments (`Args`) and `run`; what they share is here:
//! the input options every command but `init` takes, and how diagnostics are printed.

pub mod build;
pub mod check;
pub mod diff;
pub mod export;
pub mod init;
pub mod serve;
pub mod style;
pub mod who;

use std::io::Write;
use std::path::PathBuf;

use whosecures::config::{Project, ProjectArgs};
use whosecures::diag::Diagnostics;
use whosecures::driver::{self, Compiled};
use whosecures::error::Result;

/// The knowledge a command reads: `book.toml`, the knowledge directory and overlays (`who` and
/// `export`, which render nothing, take only these).
#[derive(Debug, clap::Args)]
pub struct KnowledgeArgs {
    /// book.toml to use (default: ./book.toml if present, else the embedded one).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Build this knowledge directory instead of the embedded knowledge base.
    #[arg(short, long, value_name = "DIR")]
    knowledge: Option<PathBuf>,
    /// Lay this directory's notes over the knowledge base (repeatable; later ones win).
    #[arg(long, value_name = "DIR")]
    overlay: Vec<PathBuf>,
}

impl KnowledgeArgs {
    /// The options as the library takes them.
    pub fn project_args(&self) -> ProjectArgs {
        ProjectArgs {
            config: self.config.clone(),
            knowledge: self.knowledge.clone(),
            overlay: self.overlay.clone(),
            theme: None,
        }
    }

    /// The resolved project.
    pub fn project(&self) -> Result<Project> {
        Project::resolve(&self.project_args())
    }
}

/// The inputs of the commands that render pages (`build`, `check`, `serve`): the knowledge and
/// the theme.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    #[command(flatten)]
    knowledge: KnowledgeArgs,
    /// Theme directory whose templates and assets override the default theme.
    #[arg(long, value_name = "DIR")]
    theme: Option<PathBuf>,
}

impl InputArgs {
    /// The options as the library takes them.
    pub fn project_args(&self) -> ProjectArgs {
        ProjectArgs {
            theme: self.theme.clone(),
            ..self.knowledge.project_args()
        }
    }

    /// The resolved project.
    pub fn project(&self) -> Result<Project> {
        Project::resolve(&self.project_args())
    }
}

/// Prints every diagnostic, sorted, to standard error.
pub fn report(diags: &Diagnostics) {
    let mut stderr = std::io::stderr().lock();
    for diag in diags.sorted() {
        let _ = writeln!(stderr, "{}", style::diagnostic(&diag));
    }
}

/// For queries: loads the knowledge base, and says so (without failing) if it has errors.
pub fn load_for_query(args: &KnowledgeArgs) -> Result<(Project, Compiled)> {
    let project = args.project()?;
    let compiled = driver::compile(&project)?;
    let errors = compiled.diags.error_count();
    if errors > 0 {
        eprintln!(
            "warning: the knowledge base has {errors} error{}; `whosecures check` lists them",
            plural(errors)
        );
    }
    Ok((project, compiled))
}

/// `s` for any count but one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Writes `text` to stdout. A reader that went away (`who ... | head`) is not an error: the
/// rest is dropped quietly instead of panicking as `print!` would.
pub fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
