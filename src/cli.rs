//! Command-line arguments → commands. The only place that prints a fatal error and picks the exit
//! code: 0 ok, 1 content errors, 2 usage or environment errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use crate::config::{Project, ProjectArgs};
use crate::diag::Diagnostics;
use crate::error::{Error, Result};
use crate::kb::{self, Kind};
use crate::query;
use crate::render::Theme;
use crate::serve;
use crate::site::{self, write};
use crate::source;
use crate::tables::{self, Format, Selection};

/// Who secures what? The cloud shared responsibility model as a knowledge base and a site.
#[derive(Debug, Parser)]
#[command(name = "whosecures", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the static site (from the embedded knowledge base unless told otherwise).
    Build {
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
    },
    /// Validate the knowledge base and print every problem, without writing anything.
    Check {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Serve a live-reloading preview from memory while you edit.
    Serve {
        #[command(flatten)]
        input: InputArgs,
        /// Port to listen on (0 picks a free port).
        #[arg(short, long, default_value_t = 3000)]
        port: u16,
        /// Address to bind. Anything but loopback exposes your drafts to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the preview in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Who secures a service, or one layer of it? (`whosecures who ec2 guest-os`)
    Who {
        #[command(flatten)]
        input: InputArgs,
        /// Service: id, name or alias (`ec2`, `Amazon EC2`).
        #[arg(required_unless_present = "list")]
        service: Option<String>,
        /// Layer: id, name or alias; several words are joined (`os patching`).
        layer: Vec<String>,
        /// List every service and layer id.
        #[arg(long)]
        list: bool,
    },
    /// Export the knowledge base, a service's table or checklists as JSON, CSV or Markdown.
    Export {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Only this service's responsibility table.
        #[arg(long, value_name = "SERVICE", conflicts_with = "checklist")]
        service: Option<String>,
        /// Checklist items: of one service or practice (id), or all of them.
        #[arg(long, value_name = "NOTE", num_args = 0..=1, default_missing_value = "all")]
        checklist: Option<String>,
        /// Only checklist items mapped to this control (`fsbp:S3.1`).
        #[arg(long, value_name = "CATALOG:ID", requires = "checklist")]
        control: Option<String>,
        /// Write to FILE instead of standard output (replaced whole, never half-written).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write book.toml, knowledge/ and themes/default/ into DIR for editing.
    Init {
        /// Where to write (default: the current directory).
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
struct InputArgs {
    /// book.toml to use (default: ./book.toml if present, else the embedded one).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Build this knowledge directory instead of the embedded knowledge base.
    #[arg(short, long, value_name = "DIR")]
    knowledge: Option<PathBuf>,
    /// Lay this directory's notes over the knowledge base (repeatable; later ones win).
    #[arg(long, value_name = "DIR")]
    overlay: Vec<PathBuf>,
    /// Theme directory whose templates and assets override the default theme.
    #[arg(long, value_name = "DIR")]
    theme: Option<PathBuf>,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Build {
            input,
            output,
            timings,
            fresh,
        } => build(&input, output.as_deref(), timings, fresh),
        Command::Check { input } => check(&input),
        Command::Serve {
            input,
            port,
            bind,
            open,
        } => serve::run(serve::Options {
            bind,
            port,
            open,
            args: input.project_args(),
        })
        .map(|()| ExitCode::SUCCESS),
        Command::Init { dir } => init(&dir),
        Command::Who {
            input,
            service,
            layer,
            list,
        } => who(&input, service.as_deref(), &layer.join(" "), list),
        Command::Export {
            input,
            format,
            service,
            checklist,
            control,
            output,
        } => export(
            &input,
            format,
            service.as_deref(),
            checklist.as_deref(),
            control.as_deref(),
            output.as_deref(),
        ),
    };
    match outcome {
        Ok(code) => code,
        Err(Error::Config(diag)) => {
            eprintln!("{diag}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

impl InputArgs {
    fn project_args(&self) -> ProjectArgs {
        ProjectArgs {
            config: self.config.clone(),
            knowledge: self.knowledge.clone(),
            overlay: self.overlay.clone(),
            theme: self.theme.clone(),
        }
    }

    fn project(&self) -> Result<Project> {
        Project::resolve(&self.project_args())
    }
}

fn report(diags: &Diagnostics) {
    let mut stderr = std::io::stderr().lock();
    for diag in diags.sorted() {
        let _ = writeln!(stderr, "{diag}");
    }
}

/// Loads, links and checks the project's knowledge base and `[org]`.
fn compile(project: &Project) -> Result<site::Compiled> {
    let mut compiled = site::check(project.knowledge_files()?);
    kb::check_org(&compiled.kb, &project.config.org, &mut compiled.diags);
    Ok(compiled)
}

/// For queries: loads the knowledge base, and says so (without failing) if it has errors.
fn load_for_query(args: &InputArgs) -> Result<(Project, site::Compiled)> {
    let project = args.project()?;
    let compiled = compile(&project)?;
    let errors = compiled.diags.error_count();
    if errors > 0 {
        eprintln!(
            "warning: the knowledge base has {errors} error{}; `whosecures check` lists them",
            plural(errors)
        );
    }
    Ok((project, compiled))
}

fn who(args: &InputArgs, service: Option<&str>, layer: &str, list: bool) -> Result<ExitCode> {
    let (project, compiled) = load_for_query(args)?;
    let kb = &compiled.kb;
    if list {
        print!("{}", query::list(kb));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(service) = service else {
        return Ok(ExitCode::from(2));
    };
    let service = match query::find(kb, Kind::Service, service) {
        Ok(note) => note,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let org = &project.config.org;
    if layer.trim().is_empty() {
        print!("{}", query::who_table(kb, service, org));
        return Ok(ExitCode::SUCCESS);
    }
    match query::find(kb, Kind::Layer, layer) {
        Ok(layer) => {
            print!("{}", query::who_layer(kb, service, layer, org));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn export(
    args: &InputArgs,
    format: Format,
    service: Option<&str>,
    checklist: Option<&str>,
    control: Option<&str>,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let (_, compiled) = load_for_query(args)?;
    let kb = &compiled.kb;
    let found = |kind: Kind, name: &str| {
        query::find(kb, kind, name).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(1)
        })
    };
    let selection = match (service, checklist) {
        (Some(name), _) => match found(Kind::Service, name) {
            Ok(note) => Selection::Service(note),
            Err(code) => return Ok(code),
        },
        (None, Some("all")) => Selection::Checklist(None, control),
        (None, Some(id)) => match kb.get_str(id).filter(|n| !n.checklist().is_empty()) {
            Some(note) => Selection::Checklist(Some(note), control),
            None => {
                eprintln!("error: no service or practice `{id}` with checklist items");
                return Ok(ExitCode::from(1));
            }
        },
        (None, None) => Selection::All,
    };
    let text = tables::export(kb, &compiled.graph, selection, format);
    match output {
        Some(path) => {
            write::write_file_atomic(path, text.as_bytes())?;
            eprintln!("wrote `{}`", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = stdout.write_all(text.as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: &InputArgs) -> Result<ExitCode> {
    let project = args.project()?;
    let compiled = compile(&project)?;
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

fn build(
    args: &InputArgs,
    output: Option<&Path>,
    show_timings: bool,
    fresh: bool,
) -> Result<ExitCode> {
    let started = Instant::now();
    let mut timings = site::Timings::default();
    let project = args.project()?;
    let theme = Theme::load(project.config.build.theme.as_deref())?;
    timings.lap("read project and theme");
    let compiled = compile(&project)?;
    timings.lap("load and link notes");
    report(&compiled.diags);
    if compiled.diags.has_errors() {
        eprintln!(
            "build failed: {} error{}; nothing was written",
            compiled.diags.error_count(),
            plural(compiled.diags.error_count())
        );
        return Ok(ExitCode::from(1));
    }
    let out = output.map_or_else(
        || project.config.build.output_dir.clone(),
        Path::to_path_buf,
    );
    let counts = site::build_into(
        &compiled,
        &project.config,
        &theme,
        &out,
        &project.input_dirs(),
        fresh,
        &mut timings,
    )?;
    if show_timings {
        eprint!("{timings}");
    }
    let kept = match counts.reused {
        0 => String::new(),
        n => format!(" ({n} unchanged, kept from the previous build)"),
    };
    eprintln!(
        "built {} pages from {} notes into `{}` in {:.2}s{kept}",
        counts.rendered + counts.reused,
        compiled.kb.notes.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn init(dir: &Path) -> Result<ExitCode> {
    let mut files: Vec<(String, Vec<u8>)> = source::embedded_all()
        .filter(|(path, _)| *path != "book.toml")
        .map(|(path, bytes)| (path.to_owned(), bytes.to_vec()))
        .collect();
    let config = source::embedded_config().replacen(
        "[build]\n",
        "[build]\n# Build these files instead of the embedded copy.\nknowledge = \"knowledge\"\ntheme = \"themes/default\"\n",
        1,
    );
    files.push(("book.toml".to_owned(), config.into_bytes()));
    write::write_new_files(dir, &files)?;
    eprintln!(
        "wrote book.toml, knowledge/ and themes/default/ ({} files) into `{}`; run `whosecures build` there",
        files.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
