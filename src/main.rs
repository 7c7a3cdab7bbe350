//! The `whosecures` binary: arguments to commands, one file per command under `cmd/`, over the
//! library's pipeline (`whosecures::driver`). The only place that prints a fatal error and picks
//! the exit code: 0 ok, 1 content errors, 2 usage or environment errors.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use whosecures::error::Error;

/// mimalloc instead of the system allocator: a build allocates millions of short strings from
/// several threads, where glibc's per-thread arenas left about 10% more resident memory and
/// allocation took about 10% of the samples (figures in bench/README.md). Built without
/// transparent huge pages (`no_thp`): with them, memory is taken from the OS 2 MiB at a time and
/// peak memory at 10,000 notes was 380 MB instead of 330 MB. It also takes `malloc` and `free`
/// for the C code linked in (`override`), so Oniguruma's many small allocations while
/// highlighting code stop going to glibc: 2.6% fewer instructions for a 1,000-note build
/// (callgrind), byte-identical site.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v3's `mi_option_purge_delay` (`include/mimalloc.h`), which libmimalloc-sys does not
/// name: how long freed memory waits before it is handed back to the system, in milliseconds
/// (1,000 by default; the test below checks that this is that option).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// For the preview, a process that lives for hours: memory freed is handed back to the system at
/// once instead of a second later (and then only when the thread that freed it allocates again). At
/// 10,000 notes the preview idled at 290 MB instead of 308 and peaked at 359 instead of 409, for
/// no measurable cost in rendering or edits (bench/README.md). Builds keep the default.
fn return_memory_at_once() {
    // SAFETY: sets an option's value; takes no pointer.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

/// Hands the memory mimalloc keeps for later back to the system, on every thread of the pool
/// and this one. mimalloc returns freed memory only when the thread that freed it allocates
/// again, so a preview gone idle after rendering its pages kept about 100 MB it no longer used at
/// 10,000 notes (figures in bench/README.md).
fn release_memory() {
    // SAFETY: `mi_collect` only walks the calling thread's heap and the shared arenas; it takes
    // no pointer.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Who secures what? The cloud shared responsibility model as a knowledge base and a site.
#[derive(Debug, Parser)]
#[command(name = "whosecures", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = cmd::style::When::Auto)]
    color: cmd::style::When,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the static site (from the embedded knowledge base unless told otherwise).
    Build(cmd::build::Args),
    /// Validate the knowledge base and render every page in memory, printing every problem,
    /// without writing anything.
    Check(cmd::check::Args),
    /// Serve a live-reloading preview from memory while you edit.
    Serve(cmd::serve::Args),
    /// Who secures a service, or one layer of it? (`whosecures who ec2 guest-os`)
    Who(cmd::who::Args),
    /// Export the knowledge base, a service's table or checklists as JSON, CSV or Markdown.
    Export(cmd::export::Args),
    /// What changed between two versions of the knowledge base: owners moved, duties, services,
    /// checklist items and control mappings added or removed (exit 1 when they differ).
    Diff(cmd::diff::Args),
    /// Write book.toml, knowledge/ and themes/default/ into DIR for editing.
    Init(cmd::init::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cmd::style::init(cli.color);
    let outcome = match cli.command {
        Command::Build(args) => cmd::build::run(&args),
        Command::Check(args) => cmd::check::run(&args),
        Command::Serve(args) => cmd::serve::run(&args),
        Command::Who(args) => cmd::who::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Diff(args) => cmd::diff::run(&args),
        Command::Init(args) => cmd::init::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(Error::Config(diag)) => {
            eprintln!("{}", cmd::style::diagnostic(&diag));
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!(
                "{} {e}",
                cmd::style::label(whosecures::diag::Severity::Error)
            );
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PURGE_DELAY;

    // The option `return_memory_at_once` sets is the purge delay: its default is 1,000 ms (a
    // mimalloc with the options numbered otherwise fails here).
    #[test]
    fn purge_delay_is_the_option_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads an option's value; takes no pointer.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
        }
    }
}
