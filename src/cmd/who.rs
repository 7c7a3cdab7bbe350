//! `whosecures who`: who does what for a service: its whole table, one layer, or a question in
//! words (`whosecures who eks "build the node AMI"`); `--model` asks the model notes.

use std::process::ExitCode;

use whosecures::error::Result;
use whosecures::kb::Kind;
use whosecures::query::{self, ask};

use super::{load_for_query, out, KnowledgeArgs};

/// Output format of `who`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for a terminal.
    Text,
    /// The `whosecures-who/1` schema (docs/who-json.md).
    Json,
}

/// Arguments of `who`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: KnowledgeArgs,
    /// Service: id, name or alias (`ec2`, `Amazon EC2`, `kms`); with `--model`, the first word
    /// of the question.
    #[arg(required_unless_present_any = ["list"])]
    service: Option<String>,
    /// A layer (id, name or alias: `guest-os`, `os patching`) or a question in words (`patch the
    /// guest OS`, `build the node AMI`); several words are joined.
    question: Vec<String>,
    /// Answer a model-level question (patch management, physical controls, ...) from the model
    /// notes instead of a service.
    #[arg(long, conflicts_with = "list")]
    model: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// List every service and layer id.
    #[arg(long)]
    list: bool,
}

/// Prints the answer; exit 1 when a name or question matches nothing.
pub fn run(args: &Args) -> Result<ExitCode> {
    let (project, compiled) = load_for_query(&args.input)?;
    let kb = &compiled.kb;
    if args.list {
        out(&query::list(kb));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(first) = args.service.as_deref() else {
        return Ok(ExitCode::from(2));
    };
    if args.model {
        let question = std::iter::once(first.to_owned())
            .chain(args.question.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        let answers = ask::ask_model(kb, &question);
        return Ok(print_answers(kb, &answers, args.format, None));
    }
    let service = match query::find_service(kb, first) {
        Ok(note) => note,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let org = &project.config.org;
    let question = args.question.join(" ");
    if question.trim().is_empty() {
        if args.format == Format::Json {
            let answers = ask::Answers {
                schema: ask::SCHEMA,
                service: Some(service.id.to_string()),
                question: String::new(),
                answers: Vec::new(),
            };
            return Ok(print_answers(kb, &answers, args.format, Some(service)));
        }
        out(&query::who_table(kb, service, org));
        return Ok(ExitCode::SUCCESS);
    }
    if args.format == Format::Text {
        if let Ok(layer) = query::find(kb, Kind::Layer, &question) {
            out(&query::who_layer(kb, service, layer, org));
            return Ok(ExitCode::SUCCESS);
        }
    }
    let mut answers = ask::ask(kb, service, &question);
    answers.attach_policies(kb, org.name.as_deref());
    Ok(print_answers(kb, &answers, args.format, Some(service)))
}

fn print_answers(
    kb: &whosecures::kb::KnowledgeBase,
    answers: &ask::Answers,
    format: Format,
    service: Option<&whosecures::kb::Note>,
) -> ExitCode {
    if format == Format::Json {
        match serde_json::to_string_pretty(answers) {
            Ok(json) => out(&format!("{json}\n")),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        return if answers.answers.is_empty() && !answers.question.is_empty() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    if let Some(text) = query::who_answers(kb, answers) {
        out(&text);
        return ExitCode::SUCCESS;
    }
    let subject = service.map_or("the model notes", |s| s.title.as_str());
    let nearest: Vec<String> = query::nearest_layers(kb, &answers.question)
        .iter()
        .map(|l| format!("`{}` ({})", l.id, l.title))
        .collect();
    eprintln!(
        "nothing in {subject} matches `{}`; nearest layers: {}",
        answers.question,
        nearest.join(", ")
    );
    ExitCode::from(1)
}
