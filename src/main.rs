//! The `whosecures` binary: hands over to `cli`. Its one other decision is the allocator.

/// mimalloc instead of the system allocator: a build allocates millions of short strings from
/// several threads, where glibc's per-thread arenas left about 10% more resident memory and
/// allocation took about 10% of the samples (figures in bench/README.md). Built without
/// transparent huge pages (`no_thp`): with them, memory is taken from the OS 2 MiB at a time and
/// peak memory at 10,000 notes was 380 MB instead of 330 MB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    whosecures::cli::main()
}
