//! `whosecures who`: who secures a service, or one layer of it, from the terminal.

use std::process::ExitCode;

use whosecures::error::Result;
use whosecures::kb::Kind;
use whosecures::query;

use super::{load_for_query, InputArgs};

/// Arguments of `who`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Service: id, name or alias (`ec2`, `Amazon EC2`).
    #[arg(required_unless_present = "list")]
    service: Option<String>,
    /// Layer: id, name or alias; several words are joined (`os patching`).
    layer: Vec<String>,
    /// List every service and layer id.
    #[arg(long)]
    list: bool,
}

/// Prints the service's table, one layer of it, or the list; exit 1 when a name matches nothing.
pub fn run(args: &Args) -> Result<ExitCode> {
    let (project, compiled) = load_for_query(&args.input)?;
    let kb = &compiled.kb;
    if args.list {
        print!("{}", query::list(kb));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(service) = args.service.as_deref() else {
        return Ok(ExitCode::from(2));
    };
    let service = match query::find(kb, Kind::Service, service) {
        Ok(note) => note,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let org = &project.config.org;
    let layer = args.layer.join(" ");
    if layer.trim().is_empty() {
        print!("{}", query::who_table(kb, service, org));
        return Ok(ExitCode::SUCCESS);
    }
    match query::find(kb, Kind::Layer, &layer) {
        Ok(layer) => {
            print!("{}", query::who_layer(kb, service, layer, org));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
