//! Helpers for unit tests only (compiled under `cfg(test)`): scratch directories under the
//! target directory, never the system's temporary directory.

use std::path::PathBuf;

/// A fresh, empty scratch directory `target/tmp/unit-<name>-<pid>` for one unit test (removed
/// first if a previous run left it). Cargo sets `CARGO_TARGET_TMPDIR` for integration tests and
/// benchmarks only, not for the library's unit tests, hence the path from the manifest.
#[track_caller]
pub(crate) fn test_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/tmp"))
        .join(format!("unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}
