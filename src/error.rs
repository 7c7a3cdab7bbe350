//! Fatal environment errors (I/O, templates, refused output paths). Each names the path or
//! address involved. Content problems are `diag::Diagnostic`s instead.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Printable};

/// An error that stops the command.
#[derive(Debug)]
pub enum Error {
    /// An I/O operation on a path failed.
    Io {
        /// What was being done, e.g. `read`, `create directory`.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// `book.toml` is invalid; carries a located diagnostic.
    Config(Diagnostic),
    /// A theme template failed to parse or render.
    Template(String),
    /// The user asked for something the tool refuses to do (e.g. output over the knowledge directory).
    Refused(String),
}

/// Result with this module's `Error`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the action and path it concerns.
    pub fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                action,
                path,
                source,
            } => {
                let path = path.display().to_string();
                write!(f, "cannot {action} `{}`: {source}", Printable(&path))
            }
            Error::Config(diag) => write!(f, "{diag}"),
            Error::Template(message) => write!(f, "{message}"),
            Error::Refused(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
