//! whosecures: the cloud shared responsibility model as a compiled-in knowledge base, and the
//! static-site generator that publishes it.
//!
//! The pipeline runs one way, a new type per stage (the whole design, with the module list in
//! import order, is in `docs/architecture.md`):
//!
//! ```text
//! config::Project ─ knowledge_files ─▶ Vec<source::SourceFile>
//!   kb::load      ─▶ KnowledgeBase    typed, validated notes; problems into diag::Diagnostics
//!   links::build  ─▶ LinkGraph        every link resolved, backlinks sorted
//!   render        ─▶ render::Page     Tera views per page, in parallel; reused when unchanged
//!   site          ─▶ the output directory, written atomically (or serve's memory)
//! ```
//!
//! The main types: [`config::Project`] (the resolved inputs), [`kb::KnowledgeBase`] and
//! [`kb::Note`], [`links::LinkGraph`], [`render::Theme`] and [`render::PageKey`],
//! [`diag::Diagnostics`] (content problems, all reported) and [`error::Error`] (environment
//! failures, which stop a command). [`driver`] runs the stages end to end:
//!
//! ```no_run
//! use whosecures::driver;
//! use whosecures::site::Timings;
//! use whosecures::config::{Project, ProjectArgs};
//!
//! let project = Project::resolve(&ProjectArgs::default())?;
//! let built = driver::build(&project, Some("site".as_ref()), false, |_, _| Ok(Vec::new()), &mut Timings::default())?;
//! for diagnostic in built.compiled.diags.sorted() {
//!     eprintln!("{diagnostic}");
//! }
//! # Ok::<(), whosecures::error::Error>(())
//! ```

pub mod changelog;
pub mod config;
pub mod diag;
pub mod diff;
pub mod driver;
pub mod error;
pub mod export;
pub mod history;
pub mod incremental;
pub mod kb;
pub mod links;
pub mod markdown;
pub mod os;
pub mod progress;
pub mod query;
pub mod render;
pub mod serve;
pub mod site;
pub mod source;

#[cfg(test)]
mod testing;
