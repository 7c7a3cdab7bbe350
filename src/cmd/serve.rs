//! `whosecures serve`: the live-reloading preview (`whosecures::serve`).

use std::process::ExitCode;

use whosecures::error::Result;
use whosecures::serve;

use super::InputArgs;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Port to listen on (0 picks a free port).
    #[arg(short, long, default_value_t = 3000)]
    port: u16,
    /// Address to bind. Anything but loopback exposes your drafts to the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Open the preview in the default browser.
    #[arg(long)]
    open: bool,
}

/// Serves until Ctrl-C.
pub fn run(args: &Args) -> Result<ExitCode> {
    serve::run(serve::Options {
        bind: args.bind,
        port: args.port,
        open: args.open,
        args: args.input.project_args(),
    })?;
    Ok(ExitCode::SUCCESS)
}
