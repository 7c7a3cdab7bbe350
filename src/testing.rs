//! Helpers for unit tests: scratch directories under the target directory (never the system's
//! temporary directory, which other programs share and CI machines may keep small).

use std::path::PathBuf;

use crate::kb::KnowledgeBase;
use crate::links::LinkGraph;
use crate::source::{embedded, Tree};

/// The embedded knowledge base, loaded and linked (its diagnostics dropped: `check` tests them).
pub fn embedded_kb() -> (KnowledgeBase, LinkGraph) {
    let mut diags = crate::diag::Diagnostics::new();
    let kb = crate::kb::load(embedded(Tree::Knowledge), &mut diags);
    let graph = crate::links::build(&kb, &mut diags);
    (kb, graph)
}

/// A fresh, empty directory for one test, `target/tmp/unit-<name>-<pid>`.
#[track_caller]
pub fn test_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/tmp"))
        .join(format!("unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}
