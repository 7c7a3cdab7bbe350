//! The operating-system calls the standard library lacks, behind plain functions: the one module
//! that uses `nix`. Elsewhere each falls back to what std offers.

use std::path::Path;

/// Swaps two directories in one step (`renameat2(RENAME_EXCHANGE)`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use nix::fcntl::{renameat2, RenameFlags, AT_FDCWD};
    renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE).map_err(std::io::Error::from)
}

/// Swaps two directories in one step: not offered here, so callers fall back to two renames.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Raises this process's soft limit on open files towards `wanted` (never above the hard limit)
/// and returns the soft limit now in force; `None` when it cannot be read.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn raise_open_files(wanted: u64) -> Option<u64> {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    if soft >= wanted {
        return Some(soft);
    }
    let target = wanted.min(hard);
    match setrlimit(Resource::RLIMIT_NOFILE, target, hard) {
        Ok(()) => Some(target),
        Err(_) => Some(soft),
    }
}

/// Open-file limits are not read on this platform.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn raise_open_files(_: u64) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn open_file_limit_is_raised_or_kept() {
        if let Some(before) = super::raise_open_files(0) {
            let after = super::raise_open_files(before + 1).unwrap_or(0);
            assert!(after >= before, "{after} < {before}");
        }
    }
}
