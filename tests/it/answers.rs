//! The answer key (`tests/answers.toml`): every question in words, asked through `who`, must get
//! the party AWS's page gives. The key is written from AWS's pages, not from the knowledge base;
//! a failure means the knowledge (or the matching) is wrong, never the key.

use std::collections::BTreeMap;

use serde::Deserialize;
use whosecures::driver;
use whosecures::query::{self, ask};
use whosecures::source::{embedded, Tree};

use crate::{stdout, SiteTest};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Key {
    question: Vec<Question>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    service: Option<String>,
    ask: String,
    party: String,
    #[serde(default)]
    act: bool,
    source: String,
    why: String,
}

fn key() -> Vec<Question> {
    let text = include_str!("../answers.toml");
    match toml::from_str::<Key>(text) {
        Ok(key) => key.question,
        Err(e) => panic!("tests/answers.toml: {e}"),
    }
}

// The key is big and varied enough to mean something: at least 250 questions, 40% of them acts,
// model-level questions, every party, every source an AWS page, and at least three questions for
// every service that has a responsibility table.
#[test]
fn the_key_covers_every_service() {
    let key = key();
    assert!(key.len() >= 250, "{} questions", key.len());
    let acts = key.iter().filter(|q| q.act).count();
    assert!(acts * 10 >= key.len() * 4, "{acts} acts of {}", key.len());
    assert!(key.iter().filter(|q| q.service.is_none()).count() >= 10);
    for q in &key {
        assert!(
            q.source.starts_with("https://docs.aws.amazon.com/")
                || q.source.starts_with("https://aws.amazon.com/"),
            "{q:?}"
        );
        assert!(
            ["provider", "customer", "shared", "not-applicable"].contains(&q.party.as_str()),
            "{q:?}"
        );
        assert!(!q.why.trim().is_empty(), "{q:?}");
    }
    let compiled = driver::load(embedded(Tree::Knowledge));
    let mut per_service: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &key {
        if let Some(s) = &q.service {
            *per_service.entry(s.as_str()).or_default() += 1;
        }
    }
    let thin: Vec<String> = compiled
        .kb
        .services()
        .map(|(n, _)| n.id.as_str())
        .filter(|id| per_service.get(id).copied().unwrap_or(0) < 3)
        .map(str::to_owned)
        .collect();
    assert!(
        thin.is_empty(),
        "services with fewer than 3 questions: {thin:?}"
    );
}

// Every question of the key, asked in words, gets AWS's answer first.
#[test]
fn who_answers_the_key() {
    let compiled = driver::load(embedded(Tree::Knowledge));
    let kb = &compiled.kb;
    let key = key();
    let mut wrong = Vec::new();
    for q in &key {
        let answers = match &q.service {
            None => ask::ask_model(kb, &q.ask),
            Some(name) => match query::find_service(kb, name) {
                Ok(service) => ask::ask(kb, service, &q.ask),
                Err(e) => {
                    wrong.push(format!("{name}: {e}"));
                    continue;
                }
            },
        };
        let got = answers.answers.first();
        if got.map(|a| a.party.as_str()) != Some(q.party.as_str()) {
            let got = got.map_or("nothing".to_owned(), |a| {
                format!("{} ({} / {:?}: {})", a.party, a.layer, a.variant, a.duty)
            });
            wrong.push(format!(
                "{} `{}`: expected {}, got {got}\n    key: {} {}",
                q.service.as_deref().unwrap_or("--model"),
                q.ask,
                q.party,
                q.why,
                q.source
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} questions answered wrongly:\n{}",
        wrong.len(),
        key.len(),
        wrong.join("\n")
    );
}

// The real binary answers in the documented JSON schema, best first.
#[test]
fn who_json_schema() {
    let t = SiteTest::empty();
    let out = t.ok(&[
        "who", "ec2", "patch", "the", "guest", "OS", "--format", "json",
    ]);
    let json: serde_json::Value = match serde_json::from_str(&stdout(&out)) {
        Ok(v) => v,
        Err(e) => panic!("{e}: {}", stdout(&out)),
    };
    assert_eq!(json["schema"], "whosecures-who/1");
    assert_eq!(json["service"], "ec2");
    assert_eq!(json["question"], "patch the guest OS");
    let first = &json["answers"][0];
    assert_eq!(first["party"], "customer", "{json}");
    assert_eq!(first["layer"], "guest-os", "{json}");
    for field in ["duty", "source", "verified"] {
        assert!(first[field].is_string(), "{field}: {json}");
    }
    assert!(first.get("variant").is_some(), "{json}");
    let model = t.ok(&[
        "who",
        "--model",
        "physical and environmental controls",
        "-f",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&model)).unwrap_or_default();
    assert_eq!(json["service"], serde_json::Value::Null);
    assert_eq!(json["answers"][0]["party"], "provider", "{json}");
    let none = t.run(&["who", "s3", "xyzzy", "plugh"]);
    assert_eq!(none.status.code(), Some(1));
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(
        err.contains("nothing in Amazon S3 matches `xyzzy plugh`; nearest layers:"),
        "{err}"
    );
}
