//! `whosecures init`: an editable copy of the embedded book.toml, knowledge and theme.

use std::path::PathBuf;
use std::process::ExitCode;

use whosecures::error::Result;
use whosecures::site::write;
use whosecures::source;

/// Arguments of `init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write (default: the current directory).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

/// Writes the files; refuses to overwrite any.
pub fn run(args: &Args) -> Result<ExitCode> {
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
    write::write_new_files(&args.dir, &files)?;
    eprintln!(
        "wrote book.toml, knowledge/ and themes/default/ ({} files) into `{}`; run `whosecures build` there",
        files.len(),
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
