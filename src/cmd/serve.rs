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
    /// Also answer requests for this host name (repeatable); by default only the bound address
    /// and localhost are answered, so no other web page can read the preview.
    #[arg(long, value_name = "NAME")]
    allow_host: Vec<String>,
    /// Connections held open at once (browser tabs, each with its reload waiter, and their
    /// requests); one more is answered 503 and closed.
    #[arg(long, value_name = "N", default_value_t = serve::MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    max_connections: u32,
}

/// Serves until Ctrl-C.
pub fn run(args: &Args) -> Result<ExitCode> {
    crate::return_memory_at_once();
    serve::run(serve::Options {
        bind: args.bind,
        port: args.port,
        open: args.open,
        args: args.input.project_args(),
        allow_hosts: args.allow_host.clone(),
        max_connections: args.max_connections as usize,
        on_idle: crate::release_memory,
    })?;
    Ok(ExitCode::SUCCESS)
}
