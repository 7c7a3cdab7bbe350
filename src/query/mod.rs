//! Terminal queries over a loaded knowledge base: finding a service or layer by the names people
//! type (`ec2`, `Amazon EC2`, `os patching`), and the "who secures this?" answer of `who`.
//! Pure: text in, text out; the binary prints it.

use std::fmt::Write;

pub mod ask;

use crate::config::OrgConfig;
use crate::diag::suggest;
use crate::kb::{
    name_key, Duties, Kind, KnowledgeBase, Note, Party, Responsibility, Variant, Vocabulary,
};

/// A name that matched nothing, with the closest id when one is near.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// What was asked for: `service` or `layer`.
    pub what: &'static str,
    /// The name as typed.
    pub query: String,
    /// The id of the closest match, if it is close enough to be a typo.
    pub suggestion: Option<String>,
}

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no {} matches `{}`", self.what, self.query)?;
        match &self.suggestion {
            Some(s) => write!(f, "; did you mean `{s}`?"),
            None => write!(f, "; `whosecures who --list` shows every name"),
        }
    }
}

/// Lowercase, words joined by `-`, without a leading `amazon`/`aws`: `Amazon EC2` → `ec2`,
/// `OS patching` → `os-patching` (the key `kb` checks aliases by).
pub fn normalize(name: &str) -> String {
    name_key(name)
}

/// The note of `kind` whose id, title or an alias is `query` once normalized.
pub fn find<'a>(kb: &'a KnowledgeBase, kind: Kind, query: &str) -> Result<&'a Note, NotFound> {
    find_in(kb.of_kind(kind), kind.singular(), query)
}

/// The note with a responsibility table (a service, or a security service that has one) whose
/// id, title or an alias is `query` once normalized.
pub fn find_service<'a>(kb: &'a KnowledgeBase, query: &str) -> Result<&'a Note, NotFound> {
    let found = find_in(kb.services().map(|(n, _)| n), "service", query);
    if found.is_ok() {
        return found;
    }
    // A security service whose table a service note holds (`iam` → `iam-service`).
    let redirects = kb
        .of_kind(Kind::SecurityService)
        .filter(|n| redirect(n).is_some());
    match find_in(redirects, "service", query).map(|n| redirect(n).and_then(|id| kb.get(id))) {
        Ok(Some(service)) => Ok(service),
        _ => found,
    }
}

fn redirect(note: &Note) -> Option<&crate::kb::NoteId> {
    match &note.data {
        crate::kb::KindData::SecurityService(s) => s.service.as_ref(),
        _ => None,
    }
}

fn find_in<'a>(
    notes: impl Iterator<Item = &'a Note>,
    what: &'static str,
    query: &str,
) -> Result<&'a Note, NotFound> {
    let wanted = normalize(query);
    let mut names: Vec<(String, &Note)> = Vec::new();
    for note in notes {
        let all = [note.id.as_str(), note.title.as_str()]
            .into_iter()
            .chain(note.aliases.iter().map(String::as_str));
        for name in all {
            let name = normalize(name);
            if name == wanted {
                return Ok(note);
            }
            names.push((name, note));
        }
    }
    let suggestion = suggest(&wanted, names.iter().map(|(n, _)| n.as_str()))
        .and_then(|best| names.iter().find(|(n, _)| n == best))
        .map(|(_, note)| note.id.to_string());
    Err(NotFound {
        what,
        query: query.to_owned(),
        suggestion,
    })
}

/// Every service and layer id with its title, for `who --list`.
pub fn list(kb: &KnowledgeBase) -> String {
    let mut out = String::new();
    let services: Vec<&Note> = kb.services().map(|(n, _)| n).collect();
    let layers: Vec<&Note> = kb.of_kind(Kind::Layer).collect();
    let width = services
        .iter()
        .chain(&layers)
        .map(|n| n.id.as_str().chars().count())
        .max()
        .unwrap_or(0);
    for (notes, heading) in [(services, "services"), (layers, "layers")] {
        let _ = writeln!(out, "{heading}:");
        for note in notes {
            let _ = writeln!(out, "  {:<width$}  {}", note.id.as_str(), note.title);
        }
    }
    out
}

/// The whole responsibility table of a service, one line per layer with its variants below.
pub fn who_table(kb: &KnowledgeBase, service: &Note, org: &OrgConfig) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}): who secures what\n",
        service.title, service.path
    );
    let width = service
        .responsibility()
        .iter()
        .filter_map(|r| kb.get(&r.layer))
        .map(|l| l.title.chars().count())
        .max()
        .unwrap_or(0);
    for row in service.responsibility().iter() {
        let layer = kb.get(&row.layer).map_or(row.layer.as_str(), |l| &l.title);
        let _ = writeln!(
            out,
            "  {layer:<width$}  {:<9} {}{}",
            owner(&kb.vocab, &row.owner),
            row.note,
            team(org, row)
        );
        policy_lines(
            &mut out,
            org,
            &format!("  {:<width$}    ", ""),
            kb.row_policies(&service.id.0, row.layer.as_str()),
        );
        for variant in &row.variants {
            let _ = writeln!(
                out,
                "  {:<width$}    - {}",
                "",
                variant_line(kb, variant, " (", ")")
            );
        }
    }
    let _ = writeln!(
        out,
        "\nSources: `whosecures who {} <layer>` shows the page behind each answer.",
        service.id
    );
    out
}

/// The answer for one layer of one service, with its variants and source.
pub fn who_layer(kb: &KnowledgeBase, service: &Note, layer: &Note, org: &OrgConfig) -> String {
    let mut out = String::new();
    let Some(row) = service
        .responsibility()
        .iter()
        .find(|r| r.layer == layer.id)
    else {
        let _ = writeln!(
            out,
            "{} has no row for {} ({})",
            service.title, layer.title, service.path
        );
        return out;
    };
    let _ = writeln!(
        out,
        "{} / {}: {}{}",
        service.title,
        layer.title,
        owner(&kb.vocab, &row.owner),
        team(org, row)
    );
    let _ = writeln!(out, "  {}", row.note);
    duty_lines(&mut out, "  ", &kb.vocab, &row.duties);
    policy_lines(
        &mut out,
        org,
        "  ",
        kb.row_policies(&service.id.0, row.layer.as_str()),
    );
    if !row.variants.is_empty() {
        let _ = writeln!(out, "  When you choose otherwise:");
    }
    for variant in &row.variants {
        let _ = writeln!(out, "  * {}", variant_line(kb, variant, ": ", ""));
        duty_lines(&mut out, "      ", &kb.vocab, &variant.duties);
    }
    let _ = writeln!(out, "  source:   {}", row.source);
    let _ = writeln!(out, "  verified: {}", row.verified);
    let _ = writeln!(out, "  note:     {}", service.path);
    out
}

/// `Provider does:` and `Customer does:` blocks, one line per duty with its source below.
fn duty_lines(out: &mut String, indent: &str, vocab: &Vocabulary, duties: &Duties) {
    for (party, list) in [
        (Party::Provider, &duties.provider),
        (Party::Customer, &duties.customer),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{indent}{} does:", owner(vocab, party.id()));
        for duty in list.iter() {
            let _ = writeln!(out, "{indent}  - {}", duty.duty);
            let _ = writeln!(out, "{indent}    {}", duty.source);
        }
    }
}

/// The answers to a question in words, best first, as text; `None` when nothing matches.
pub fn who_answers(kb: &KnowledgeBase, answers: &ask::Answers) -> Option<String> {
    let best = answers.answers.first()?;
    let mut out = String::new();
    let subject = answers
        .service
        .as_deref()
        .and_then(|id| kb.get_str(id))
        .map_or("The model", |n| n.title.as_str());
    let _ = writeln!(out, "{subject}: {}\n", answers.question);
    let place = |a: &ask::Answer| {
        let layer = kb.get_str(&a.layer).map_or(a.layer.as_str(), |l| &l.title);
        match &a.variant {
            Some(v) => format!("{layer} / {v}"),
            None => layer.to_owned(),
        }
    };
    let _ = writeln!(out, "  {}: {}", owner(&kb.vocab, &best.party), best.duty);
    let _ = writeln!(out, "    {} (verified {})", place(best), best.verified);
    let _ = writeln!(out, "    {}", best.source);
    for p in &best.policies {
        let _ = writeln!(out, "  {}", p.line());
    }
    if answers.answers.len() > 1 {
        let _ = writeln!(out, "\n  Also relevant:");
        for a in &answers.answers[1..] {
            let _ = writeln!(out, "  - {}: {}", owner(&kb.vocab, &a.party), a.duty);
            let _ = writeln!(out, "      {} (verified {})", place(a), a.verified);
            let _ = writeln!(out, "      {}", a.source);
        }
    }
    Some(out)
}

/// The layers whose names look most like `question` (shared letter pairs), for "nothing
/// matches" messages.
pub fn nearest_layers<'a>(kb: &'a KnowledgeBase, question: &str) -> Vec<&'a Note> {
    fn pairs(text: &str) -> Vec<(char, char)> {
        let chars: Vec<char> = text.to_lowercase().chars().collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    }
    let asked = pairs(question);
    let similarity = |name: &str| {
        let theirs = pairs(name);
        let shared = asked.iter().filter(|p| theirs.contains(p)).count();
        (2 * shared) as f64 / (asked.len() + theirs.len()).max(1) as f64
    };
    let mut scored: Vec<(f64, &Note)> = kb
        .of_kind(Kind::Layer)
        .map(|layer| {
            let best = [layer.title.as_str()]
                .into_iter()
                .chain(layer.aliases.iter().map(String::as_str))
                .map(similarity)
                .fold(0.0, f64::max);
            (best, layer)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, l)| l).collect()
}

/// `when: Owner` and the variant's note between `open` and `close`.
fn variant_line(kb: &KnowledgeBase, variant: &Variant, open: &str, close: &str) -> String {
    let note = variant
        .note
        .as_deref()
        .map(|n| format!("{open}{n}{close}"))
        .unwrap_or_default();
    format!(
        "{}: {}{note}",
        variant.when,
        owner(&kb.vocab, &variant.owner)
    )
}

fn owner<'a>(vocab: &'a Vocabulary, id: &'a str) -> &'a str {
    Vocabulary::label(&vocab.owners, id)
}

/// One line per statement of the organisation's own policy, labelled apart from the provider's
/// baseline: `Acme policy: ... (owner: X; reviewed 2026-11-30; https://...)`.
pub fn policy_lines<'a>(
    out: &mut String,
    org: &OrgConfig,
    indent: &str,
    policies: impl Iterator<Item = &'a crate::kb::policy::Policy>,
) {
    for p in policies {
        let _ = writeln!(out, "{indent}{}", p.labelled(org.name.as_deref()).line());
    }
}

/// ` [team: X]` where the organisation names a team for a layer the customer has a part in.
fn team(org: &OrgConfig, row: &Responsibility) -> String {
    if !row.customer_has_part() {
        return String::new();
    }
    org.team(row.layer.as_str())
        .map(|t| format!("  [team: {t}]"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> KnowledgeBase {
        crate::testing::embedded_kb().0
    }

    // Names people type reach the same note; near misses suggest the id.
    #[test]
    fn finds_by_id_title_and_alias() {
        let kb = kb();
        for name in ["ec2", "Amazon EC2", "amazon-ec2", "EC2"] {
            assert_eq!(
                find(&kb, Kind::Service, name).map(|n| n.id.as_str()),
                Ok("ec2"),
                "{name}"
            );
        }
        for name in ["guest-os", "os patching", "Guest OS"] {
            assert_eq!(
                find(&kb, Kind::Layer, name).map(|n| n.id.as_str()),
                Ok("guest-os"),
                "{name}"
            );
        }
        let miss = find(&kb, Kind::Service, "elasticach").map(|n| n.id.as_str());
        assert_eq!(
            miss,
            Err(NotFound {
                what: "service",
                query: "elasticach".into(),
                suggestion: Some("elasticache".into())
            })
        );
        assert_eq!(
            miss.unwrap_err().to_string(),
            "no service matches `elasticach`; did you mean `elasticache`?"
        );
        assert!(find(&kb, Kind::Service, "zzzzzzzz").is_err_and(|e| e.suggestion.is_none()));
    }

    // One layer's answer carries the owner, variants, source and note path; the table has every layer.
    #[test]
    fn answers() {
        let kb = kb();
        let lambda = find(&kb, Kind::Service, "lambda").expect("lambda");
        let guest = find(&kb, Kind::Layer, "guest-os").expect("guest-os");
        let org = OrgConfig::default();
        let one = who_layer(&kb, lambda, guest, &org);
        assert!(
            one.starts_with("AWS Lambda / Guest operating system: Provider"),
            "{one}"
        );
        assert!(
            one.contains("* Container image on a non-AWS base image: Customer"),
            "{one}"
        );
        assert!(one.contains("  Provider does:\n    - "), "{one}");
        assert!(one.contains("      Customer does:\n        - "), "{one}");
        assert!(
            one.contains("source:   https://docs.aws.amazon.com/"),
            "{one}"
        );
        assert!(one.contains("verified: 2026-"), "{one}");
        assert!(
            one.contains("note:     knowledge/services/lambda.md"),
            "{one}"
        );
        let table = who_table(&kb, lambda, &org);
        assert_eq!(
            table
                .lines()
                .filter(|l| l.starts_with("  ") && !l.trim_start().starts_with("- "))
                .count(),
            kb.of_kind(Kind::Layer).count()
        );
    }
}
