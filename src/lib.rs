//! whosecures: the cloud shared responsibility model as a compiled-in knowledge base, and the
//! static-site generator that publishes it. Modules follow the pipeline in `DESIGN.md`:
//! `source` → `kb` → `links` → `render` → `site`, with `diag` collecting content problems.

pub mod cli;
pub mod config;
pub mod diag;
pub mod error;
pub mod kb;
pub mod links;
pub mod markdown;
pub mod query;
pub mod render;
pub mod serve;
pub mod site;
pub mod source;
pub mod tables;
