//! The `whosecures` binary: parses arguments and hands over to `cli`.
//! Nothing else lives here.

fn main() -> std::process::ExitCode {
    whosecures::cli::main()
}
