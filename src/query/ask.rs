//! Questions in words: `whosecures who eks "build the node AMI"`. Every duty of a service (and
//! every row, for questions that name a whole layer) is a candidate; a question scores each by the
//! words they share, rarer words counting more, after light stemming and the vocabulary's
//! synonyms (`patch` = `update` = `upgrade`). Best first; `answers[0].party` is the answer.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::kb::{Date, Duties, KindData, KnowledgeBase, Note, Synonyms, Topic};

/// The schema id of `who --format json`.
pub const SCHEMA: &str = "whosecures-who/1";

/// One answer: who does what, where, under which choice, and the page that says so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The layer id (or, for a model question, the topic's title).
    pub layer: String,
    /// `provider`, `customer`, `shared` or `not-applicable`.
    pub party: String,
    /// The duty, or the row's note when the answer is the whole layer.
    pub duty: String,
    /// The configuration choice it holds under, if not the default.
    pub variant: Option<String>,
    /// The provider page that states it.
    pub source: String,
    /// When it was last checked against `source`, `YYYY-MM-DD`.
    pub verified: String,
    /// The organisation's own policy for this row (`policies/*.toml`), apart from the
    /// provider's baseline; filled in by the caller, which knows the organisation's name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<crate::kb::policy::Labelled>,
    /// How well it matches the question (not part of the JSON schema).
    #[serde(skip)]
    pub score: f64,
}

impl Answers {
    /// Attaches the organisation's policies to each answer about a row of `service` that has
    /// them.
    pub fn attach_policies(&mut self, kb: &KnowledgeBase, org_name: Option<&str>) {
        let Some(service) = self.service.clone() else {
            return;
        };
        for answer in &mut self.answers {
            answer.policies = kb
                .row_policies(&service, &answer.layer)
                .map(|p| p.labelled(org_name))
                .collect();
        }
    }
}

/// The JSON document of `who --format json`.
#[derive(Debug, Serialize)]
pub struct Answers {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The service id, or `null` for a model question.
    pub service: Option<String>,
    /// The question as asked.
    pub question: String,
    /// Best first; empty when nothing matches.
    pub answers: Vec<Answer>,
}

/// A candidate answer with the texts it can be matched by, each with a weight.
struct Candidate {
    fields: Vec<(Vec<String>, f64)>,
    /// Whether the candidate is a whole layer (or topic), answered by its derived owner.
    whole: bool,
    /// The tokens of the layer's (or topic's) own names, for "the question names this layer".
    names: Vec<Vec<String>>,
    /// The tokens of the variant's `when`, if any.
    when: Vec<String>,
    /// The layer's (or topic's) names, normalized, for a question that is exactly one of them.
    exact: Vec<String>,
    /// A choice under which the layer does not apply (a variant without duties): it answers
    /// when the question names the choice, every word of it.
    absent: bool,
    /// A whole row with no duties at all (not applicable): nothing else of the row can answer a
    /// question about it, so it may answer one that names its layer among other words.
    dutiless: bool,
    /// The duty's first word, its verb by convention ("Patches ...", "Chooses ..."): the act a
    /// question asks about.
    verb: Option<String>,
    answer: Answer,
}

/// Words that carry no meaning in a question about responsibility.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "all",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "by",
    "can",
    "care",
    "do",
    "does",
    "doing",
    "done",
    "for",
    "from",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "me",
    "my",
    "of",
    "on",
    "or",
    "our",
    "over",
    "responsible",
    "responsibility",
    "s",
    "secure",
    "secures",
    "securing",
    "security",
    "should",
    "that",
    "the",
    "their",
    "them",
    "there",
    "this",
    "to",
    "us",
    "we",
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "whose",
    "will",
    "with",
    "you",
    "your",
    "aws",
    "amazon",
    "customer",
    "provider",
    "handle",
    "handles",
    "take",
    "takes",
    "job",
    "task",
    "part",
    "side",
    "thing",
    "things",
    "need",
    "needs",
    "must",
    "make",
    "makes",
    "sure",
    "keep",
    "keeps",
    "get",
    "gets",
    "managed",
    "manage",
    "manages",
    "managing",
    "management",
];

/// Phrases that frame a question without saying what it is about.
const FRAMES: &[&str] = &[
    "shared responsibility model",
    "shared responsibility",
    "responsibility model",
    "is responsible for",
    "are responsible for",
    "as an it control",
    "it controls",
    "it control",
];

/// Turns text into tokens: lowercase alphanumeric words, synonym phrases and words replaced by
/// their group's first word, stemmed.
pub struct Tokenizer {
    /// Multi-word phrases (stemmed words), longest first, with their group token.
    phrases: Vec<(Vec<String>, String)>,
    /// Stemmed single words to their group token.
    words: HashMap<String, String>,
    /// The groups a group implies (`customer managed key` is a `key`), by token.
    also: HashMap<String, Vec<String>>,
}

impl Tokenizer {
    /// A tokenizer with the vocabulary's synonyms.
    pub fn new(synonyms: &[Synonyms]) -> Tokenizer {
        let mut phrases = Vec::new();
        let mut words = HashMap::new();
        let mut also = HashMap::new();
        for frame in FRAMES {
            let stems: Vec<String> = frame.split_whitespace().map(stem).collect();
            phrases.push((stems, String::new()));
        }
        for group in synonyms {
            let Some(first) = group.words.first() else {
                continue;
            };
            let token = format!("~{}", normalize(first).replace(' ', "-"));
            let implied: Vec<String> = group
                .also
                .iter()
                .map(|a| format!("~{}", normalize(a).replace(' ', "-")))
                .collect();
            if !implied.is_empty() {
                also.insert(token.clone(), implied);
            }
            for word in &group.words {
                let stems: Vec<String> = normalize(word).split_whitespace().map(stem).collect();
                match stems.len() {
                    0 => {}
                    1 => {
                        words
                            .entry(stems[0].clone())
                            .or_insert_with(|| token.clone());
                    }
                    _ => phrases.push((stems, token.clone())),
                }
            }
        }
        phrases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Tokenizer {
            phrases,
            words,
            also,
        }
    }

    /// The tokens of `text`, stopwords and `skip` removed.
    pub fn tokens(&self, text: &str, skip: &HashSet<String>) -> Vec<String> {
        let norm = normalize(text);
        let words: Vec<&str> = norm.split_whitespace().collect();
        let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
        let mut out = Vec::new();
        let mut i = 0;
        'words: while i < words.len() {
            for (phrase, token) in &self.phrases {
                if stems[i..].starts_with(phrase) {
                    if !token.is_empty() {
                        out.push(token.clone());
                        // "customer managed key" is a key too (`also = ["key"]`): a question
                        // about keys finds it, one about this kind of key prefers it.
                        for group in self.also.get(token).into_iter().flatten() {
                            if !out.contains(group) {
                                out.push(group.clone());
                            }
                        }
                    }
                    i += phrase.len();
                    continue 'words;
                }
            }
            let word = words[i];
            if !STOPWORDS.contains(&word) && !skip.contains(word) {
                let stemmed = &stems[i];
                let token = self.words.get(stemmed).unwrap_or(stemmed);
                out.push(token.clone());
                for group in self.also.get(token).into_iter().flatten() {
                    if !out.contains(group) {
                        out.push(group.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }
}

/// Lowercase, every run of non-alphanumeric characters one space.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_owned()
}

/// A light suffix stemmer: `patches`, `patched`, `patching` → `patch`; `updates` → `updat`.
fn stem(word: &str) -> String {
    let mut w = word.to_owned();
    let n = w.chars().count();
    if n > 5 && w.ends_with("ing") {
        w.truncate(w.len() - 3);
    } else if n > 4 && (w.ends_with("ies") || w.ends_with("ied")) {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if n > 4
        && (w.ends_with("ed")
            || ["ches", "shes", "sses", "xes"]
                .iter()
                .any(|s| w.ends_with(s)))
    {
        w.truncate(w.len() - 2);
    } else if n > 3 && w.ends_with('s') && !w.ends_with("ss") {
        w.truncate(w.len() - 1);
    }
    if w.chars().count() > 4 && w.ends_with('e') {
        w.truncate(w.len() - 1);
    }
    w
}

/// The words of a service's own names (`eks`, `elastic`, `kubernetes`, its aliases) and its
/// category (`database`): every candidate of that service is about them, so they tell nothing
/// apart.
fn own_names(note: &Note) -> HashSet<String> {
    let category = match &note.data {
        KindData::Service(s) => s.category.as_str(),
        _ => "",
    };
    let mut names = HashSet::new();
    for name in [note.id.as_str(), note.title.as_str(), category]
        .into_iter()
        .chain(note.aliases.iter().map(String::as_str))
    {
        for word in normalize(name).split_whitespace() {
            names.insert(word.to_owned());
        }
    }
    names
}

/// The answers to `question` about `service`, best first.
pub fn ask(kb: &KnowledgeBase, service: &Note, question: &str) -> Answers {
    let tokenizer = Tokenizer::new(&kb.vocab.synonyms);
    let skip = own_names(service);
    let tok = |text: &str| tokenizer.tokens(text, &skip);
    let mut candidates = Vec::new();
    for row in service.responsibility() {
        let layer = kb.get(&row.layer);
        // The layer's own names: a question made only of their words asks for the whole row.
        // Aliases ("os patching") often name an act, so they match the whole row only when the
        // question is exactly one of them (`exact`); otherwise they help find its duties.
        let mut names: Vec<Vec<String>> = vec![tok(&row.layer.as_str().replace('-', " "))];
        let mut layer_tokens: Vec<String> = names[0].clone();
        // The row's own names for this service answer with the whole row, like the title.
        names.extend(row.aliases.iter().map(|a| tok(a)));
        if let Some(layer) = layer {
            names.push(tok(&layer.title));
            layer_tokens.extend(tok(&layer.title));
            layer_tokens.extend(layer.aliases.iter().flat_map(|a| tok(a)));
        }
        let mut exact = vec![normalize(&row.layer.as_str().replace('-', " "))];
        if let Some(layer) = layer {
            exact.push(normalize(&layer.title));
            exact.extend(layer.aliases.iter().map(|a| normalize(a)));
        }
        let add = |candidates: &mut Vec<Candidate>,
                   duties: &Duties,
                   owner: &str,
                   note: &str,
                   when: Option<&str>,
                   source: &str,
                   verified: Date| {
            let when_tokens = when.map(&tok).unwrap_or_default();
            let variant = when.map(str::to_owned);
            let mut whole_fields = vec![(layer_tokens.clone(), 1.0), (tok(note), 0.35)];
            if !when_tokens.is_empty() {
                whole_fields.push((when_tokens.clone(), 0.9));
            }
            candidates.push(Candidate {
                fields: whole_fields,
                whole: true,
                names: names.clone(),
                when: when_tokens.clone(),
                exact: exact.clone(),
                absent: when.is_some() && duties.all().next().is_none(),
                dutiless: when.is_none() && duties.all().next().is_none(),
                verb: None,
                answer: Answer {
                    layer: row.layer.to_string(),
                    party: owner.to_owned(),
                    duty: note.to_owned(),
                    variant: variant.clone(),
                    source: source.to_owned(),
                    verified: verified.to_string(),
                    policies: Vec::new(),
                    score: 0.0,
                },
            });
            for (party, duty) in duties.all() {
                let words = tok(&duty.duty);
                let verb = words.first().cloned();
                let mut fields = vec![(words, 1.0), (layer_tokens.clone(), 0.6), (tok(note), 0.3)];
                if !when_tokens.is_empty() {
                    fields.push((when_tokens.clone(), 0.9));
                }
                candidates.push(Candidate {
                    fields,
                    whole: false,
                    names: Vec::new(),
                    when: when_tokens.clone(),
                    exact: Vec::new(),
                    absent: false,
                    dutiless: false,
                    verb,
                    answer: Answer {
                        layer: row.layer.to_string(),
                        party: party.id().to_owned(),
                        duty: duty.duty.clone(),
                        variant: variant.clone(),
                        source: duty.source.to_string(),
                        verified: duty.verified.to_string(),
                        policies: Vec::new(),
                        score: 0.0,
                    },
                });
            }
        };
        add(
            &mut candidates,
            &row.duties,
            &row.owner,
            &row.note,
            None,
            &row.source,
            row.verified,
        );
        for variant in &row.variants {
            let note = variant.note.as_deref().unwrap_or(&row.note);
            add(
                &mut candidates,
                &variant.duties,
                &variant.owner,
                note,
                Some(&variant.when),
                variant.source.as_deref().unwrap_or(&row.source),
                variant.verified,
            );
        }
    }
    let answers = rank(question, &tok(question), candidates);
    Answers {
        schema: SCHEMA,
        service: Some(service.id.to_string()),
        question: question.to_owned(),
        answers,
    }
}

/// The answers to a model-level question (`patch management`, `physical controls`), from the
/// topics of the model notes.
pub fn ask_model(kb: &KnowledgeBase, question: &str) -> Answers {
    let tokenizer = Tokenizer::new(&kb.vocab.synonyms);
    let skip = HashSet::new();
    let tok = |text: &str| tokenizer.tokens(text, &skip);
    let topics = kb.iter().flat_map(|n| match &n.data {
        KindData::Model(topics) => topics.as_slice(),
        _ => &[],
    });
    let mut candidates = Vec::new();
    for topic in topics {
        let Topic {
            title,
            aliases,
            note,
            verified,
            duties,
        } = topic;
        let mut names = vec![tok(title)];
        names.extend(aliases.iter().map(|a| tok(a)));
        let name_tokens: Vec<String> = names.iter().flatten().cloned().collect();
        let exact: Vec<String> = std::iter::once(title)
            .chain(aliases)
            .map(|a| normalize(a))
            .collect();
        let source = duties
            .all()
            .map(|(_, d)| d.source.to_string())
            .next()
            .unwrap_or_default();
        candidates.push(Candidate {
            fields: vec![(name_tokens.clone(), 1.0), (tok(note), 0.35)],
            whole: true,
            names,
            when: Vec::new(),
            exact: exact.clone(),
            absent: false,
            dutiless: false,
            verb: None,
            answer: Answer {
                layer: title.clone(),
                party: topic.owner().to_owned(),
                duty: note.clone(),
                variant: None,
                source,
                verified: verified.to_string(),
                policies: Vec::new(),
                score: 0.0,
            },
        });
        for (party, duty) in duties.all() {
            let words = tok(&duty.duty);
            let verb = words.first().cloned();
            candidates.push(Candidate {
                fields: vec![(words, 1.0), (name_tokens.clone(), 0.6)],
                whole: false,
                names: Vec::new(),
                when: Vec::new(),
                exact: Vec::new(),
                absent: false,
                dutiless: false,
                verb,
                answer: Answer {
                    layer: title.clone(),
                    party: party.id().to_owned(),
                    duty: duty.duty.clone(),
                    variant: None,
                    source: duty.source.to_string(),
                    verified: duty.verified.to_string(),
                    policies: Vec::new(),
                    score: 0.0,
                },
            });
        }
    }
    let answers = rank(question, &tok(question), candidates);
    Answers {
        schema: SCHEMA,
        service: None,
        question: question.to_owned(),
        answers,
    }
}

/// Scores every candidate against the question's tokens and keeps the good ones, best first.
fn rank(asked: &str, question: &[String], candidates: Vec<Candidate>) -> Vec<Answer> {
    let asked = normalize(asked);
    let mut wanted: Vec<&String> = Vec::new();
    for t in question {
        if !wanted.contains(&t) {
            wanted.push(t);
        }
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    // Inverse document frequency over the candidates: a word every duty has tells little.
    let n = candidates.len() as f64;
    let idf: HashMap<&String, f64> = wanted
        .iter()
        .map(|t| {
            let df = candidates
                .iter()
                .filter(|c| c.fields.iter().any(|(f, _)| f.contains(t)))
                .count() as f64;
            (*t, (1.0 + n / (1.0 + df)).ln())
        })
        .collect();
    // Words no candidate has ("under the shared responsibility model") are noise, not a miss.
    let df_zero = (1.0 + n).ln();
    wanted.retain(|t| idf[t] < df_zero - 1e-9);
    let total: f64 = wanted.iter().map(|t| idf[t]).sum();
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<Answer> = candidates
        .into_iter()
        .filter_map(|c| {
            let mut score = 0.0;
            let mut matched = 0usize;
            for t in &wanted {
                let best = c
                    .fields
                    .iter()
                    .filter(|(f, _)| f.contains(t))
                    .map(|(_, w)| *w)
                    .fold(0.0, f64::max);
                if best > 0.0 {
                    matched += 1;
                }
                score += idf[t] * best;
            }
            if matched == 0 {
                return None;
            }
            // The act asked about: a duty whose verb the question uses is the likelier answer.
            if let Some(verb) = c.verb.as_ref().filter(|v| wanted.contains(v)) {
                score += idf[verb] * 0.5;
            }
            // A variant the question does not name is less likely what was meant; words the
            // duty or the layer already has do not name it.
            let own = |t: &&String| c.fields.iter().take(2).any(|(f, _)| f.contains(t));
            if !c.when.is_empty() && !wanted.iter().any(|t| c.when.contains(t) && !own(t)) {
                score *= 0.8;
            }
            if c.absent && c.when.iter().all(|t| wanted.contains(&t)) {
                let mut answer = c.answer;
                answer.score = 9.0;
                return Some(answer);
            }
            if c.whole && c.exact.contains(&asked) {
                let mut answer = c.answer;
                answer.score = 10.0;
                return Some(answer);
            }
            if c.whole {
                // The whole layer answers only when the question is that layer's name (and,
                // perhaps, the variant's words), nothing more.
                let rest: Vec<&&String> = wanted.iter().filter(|t| !c.when.contains(t)).collect();
                // The tightest name that holds every word: "Patch management" names "patch
                // management" better than "OS patching on IaaS" does.
                let precision = c
                    .names
                    .iter()
                    .filter(|name| !name.is_empty() && rest.iter().all(|t| name.contains(t)))
                    .map(|name| rest.len() as f64 / name.len() as f64)
                    .fold(0.0, f64::max);
                if rest.is_empty() {
                    return None;
                }
                if precision == 0.0 {
                    // A not-applicable row answers a question that names its layer among other
                    // words ("patch the guest OS") as a duty would, without the name bonus;
                    // any other whole row leaves such questions to its duties.
                    if !c.dutiless
                        || !c
                            .names
                            .iter()
                            .any(|n| !n.is_empty() && n.iter().all(|t| wanted.contains(&t)))
                    {
                        return None;
                    }
                    // A duty that holds the question's other words is still the likelier answer.
                    score *= 0.7;
                } else {
                    score += total * (2.0 + precision);
                }
            }
            let mut answer = c.answer;
            answer.score = score / total;
            Some(answer)
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    let best = scored.first().map_or(0.0, |a| a.score);
    scored.retain(|a| a.score >= best * 0.5 && a.score >= 0.2);
    scored.truncate(8);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_alike() {
        for (a, b) in [
            ("patches", "patch"),
            ("patching", "patch"),
            ("patched", "patch"),
            ("updates", "update"),
            ("updating", "update"),
            ("policies", "policy"),
            ("keys", "key"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
    }

    #[test]
    fn synonyms_and_phrases_meet() {
        let synonyms = vec![
            Synonyms {
                words: vec!["patch".into(), "update".into(), "security patch".into()],
                also: Vec::new(),
            },
            Synonyms {
                words: vec!["high availability".into(), "multi-az".into()],
                also: Vec::new(),
            },
        ];
        let t = Tokenizer::new(&synonyms);
        let none = HashSet::new();
        assert_eq!(
            t.tokens("Who applies the updates?", &none),
            ["apply", "~patch"]
        );
        assert_eq!(t.tokens("security patches", &none), ["~patch"]);
        assert_eq!(
            t.tokens("Multi-AZ failover", &none),
            ["~high-availability", "failover"]
        );
        assert_eq!(
            t.tokens("high availability of RDS", &["rds".to_owned()].into()),
            ["~high-availability"]
        );
        // A kind of key is also a key; "shared responsibility model" frames, it does not ask.
        let keys = Tokenizer::new(&[
            Synonyms {
                words: vec!["key".into(), "kms key".into()],
                also: Vec::new(),
            },
            Synonyms {
                words: vec!["customer managed key".into(), "cmk".into()],
                also: vec!["key".into()],
            },
        ]);
        assert_eq!(
            keys.tokens("rotate my customer managed keys", &none),
            ["rotat", "~customer-managed-key", "~key"]
        );
        assert_eq!(
            keys.tokens("a CMK", &none),
            ["~customer-managed-key", "~key"]
        );
        assert_eq!(
            keys.tokens("patching under the shared responsibility model", &none),
            ["patch", "under"]
        );
    }

    fn answer(layer: &str, party: &str, duty: &str) -> Answer {
        Answer {
            layer: layer.into(),
            party: party.into(),
            duty: duty.into(),
            variant: None,
            source: String::new(),
            verified: String::new(),
            policies: Vec::new(),
            score: 0.0,
        }
    }

    /// A duty whose verb is "patch", with its fields.
    fn duty(fields: Vec<(Vec<String>, f64)>, answer: Answer) -> Candidate {
        Candidate {
            fields,
            whole: false,
            names: Vec::new(),
            when: Vec::new(),
            exact: Vec::new(),
            absent: false,
            dutiless: false,
            verb: Some("patch".into()),
            answer,
        }
    }

    // A not-applicable row answers a question that names its layer among other words, rather
    // than a duty of another layer that shares only the verb; a duty holding more of the words
    // still wins.
    #[test]
    fn not_applicable_rows_answer_questions_naming_their_layer() {
        let t = Tokenizer::new(&[]);
        let none = HashSet::new();
        let tok = |text: &str| t.tokens(text, &none);
        let rows = || {
            let layer = tok("guest os");
            vec![
                Candidate {
                    fields: vec![
                        (layer.clone(), 1.0),
                        (tok("No operating system to reach"), 0.35),
                    ],
                    whole: true,
                    names: vec![layer.clone()],
                    when: Vec::new(),
                    exact: vec!["guest os".into()],
                    absent: false,
                    dutiless: true,
                    verb: None,
                    answer: answer("guest-os", "not-applicable", "No operating system to reach"),
                },
                duty(
                    vec![
                        (tok("Patches the software of each appliance"), 1.0),
                        (tok("platform runtime"), 0.6),
                    ],
                    answer("platform-runtime", "provider", "Patches the software"),
                ),
            ]
            .into_iter()
            // As in a real table, many duties patch something: the verb alone says little.
            .chain(
                ["database engine", "firmware", "hypervisor", "host kernel"].map(|what| {
                    duty(
                        vec![(tok(&format!("Patches the {what}")), 1.0)],
                        answer("host-os", "provider", what),
                    )
                }),
            )
            .collect::<Vec<_>>()
        };
        let ask = |q: &str| rank(q, &tok(q), rows());
        assert_eq!(ask("patch the guest OS")[0].party, "not-applicable");
        assert_eq!(ask("guest OS")[0].party, "not-applicable");
        assert_eq!(ask("patch the appliance software")[0].party, "provider");
        // Words of the layer without all of its name do not bring the row in.
        assert!(ask("patch the guest appliance")
            .iter()
            .all(|a| a.party != "not-applicable"));
    }
}
