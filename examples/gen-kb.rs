//! Writes a deterministic synthetic knowledge base of N valid notes for benchmarks:
//! `cargo run --release --example gen-kb -- N DIR`.
//! Each note is about 120 lines: headings, paragraphs, a table, a list, a 15-line fenced code block
//! (json, yaml, hcl, python or bash), five wiki-links to other notes; service notes carry a
//! responsibility row per layer and checklist items. Same N, same bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const LAYERS: usize = 22;
const PILLARS: usize = 7;
const OWNERS: [&str; 4] = ["provider", "customer", "shared", "not-applicable"];
const MODELS: [&str; 3] = ["infrastructure", "container", "abstracted"];
const GROUPS: [&str; 8] = [
    "facilities",
    "infrastructure",
    "platform",
    "application",
    "network",
    "identity",
    "data",
    "operations",
];
const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];
const WORDS: [&str; 24] = [
    "access",
    "bucket",
    "policy",
    "encryption",
    "key",
    "rotation",
    "network",
    "subnet",
    "firewall",
    "patch",
    "runtime",
    "audit",
    "trail",
    "alarm",
    "identity",
    "role",
    "session",
    "token",
    "backup",
    "replica",
    "endpoint",
    "certificate",
    "boundary",
    "tenant",
];
const SOURCE: &str = "https://aws.amazon.com/compliance/shared-responsibility-model/";

/// A small deterministic generator (xorshift64*), so runs are byte-identical without a crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| WORDS[self.below(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The id of the i-th note.
fn id(i: usize) -> String {
    if i < LAYERS {
        format!("layer-{i:02}")
    } else if i < LAYERS + PILLARS {
        format!("pillar-{}", i - LAYERS)
    } else {
        match i % 3 {
            0 => format!("service-{i:05}"),
            1 => format!("practice-{i:05}"),
            _ => format!("term-{i:05}"),
        }
    }
}

fn folder(id: &str) -> &'static str {
    match id.split('-').next() {
        Some("layer") => "layers",
        Some("pillar") => "pillars",
        Some("service") => "services",
        Some("practice") => "practices",
        _ => "glossary",
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(dir)) = (
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: gen-kb N DIR   (N >= {})", LAYERS + PILLARS + 1);
        return ExitCode::from(2);
    };
    match generate(n.max(LAYERS + PILLARS + 1), Path::new(dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn generate(n: usize, dir: &Path) -> std::io::Result<()> {
    for sub in ["layers", "pillars", "services", "practices", "glossary"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    fs::write(
        dir.join("vocabulary.toml"),
        include_str!("../knowledge/vocabulary.toml"),
    )?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..n {
        let id = id(i);
        let text = note(i, n, &id, &mut rng);
        let path: PathBuf = dir.join(folder(&id)).join(format!("{id}.md"));
        fs::write(path, text)?;
    }
    eprintln!("wrote {n} notes into `{}`", dir.display());
    Ok(())
}

fn note(i: usize, n: usize, id: &str, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(8 * 1024);
    let title = format!("{} {}", capitalise(&rng.words(2)), i);
    s.push_str(&format!(
        "+++\ntitle = \"{title}\"\nsummary = \"{}.\"\n",
        capitalise(&rng.words(9))
    ));
    s.push_str(&format!("sources = [\"{SOURCE}\"]\n"));
    match folder(id) {
        "layers" => s.push_str(&format!(
            "group = \"{}\"\norder = {}\n",
            GROUPS[i % GROUPS.len()],
            i * 10
        )),
        "pillars" => s.push_str(&format!("order = {}\n", i)),
        "services" => {
            s.push_str(&format!(
                "provider = \"aws\"\ncategory = \"compute\"\nservice_model = \"{}\"\n",
                MODELS[rng.below(MODELS.len())]
            ));
            for layer in 0..LAYERS {
                s.push_str(&format!(
                    "\n[[responsibility]]\nlayer = \"layer-{layer:02}\"\nowner = \"{}\"\nnote = \"{}.\"\nsource = \"{SOURCE}\"\n",
                    OWNERS[rng.below(OWNERS.len())],
                    capitalise(&rng.words(8))
                ));
            }
            checklist(&mut s, id, rng);
        }
        "practices" => {
            s.push_str(&format!("pillars = [\"pillar-{}\"]\n", rng.below(PILLARS)));
            checklist(&mut s, id, rng);
        }
        _ => {}
    }
    s.push_str("+++\n\n");
    let links: Vec<String> = (0..5)
        .map(|k| self::id((i + 1 + k * 7 + rng.below(n)) % n))
        .filter(|l| l != id)
        .collect();
    s.push_str(&format!(
        "## Overview\n\n{}. See [[{}]] and [[{}]].\n\n",
        capitalise(&rng.words(40)),
        links[0],
        links[1]
    ));
    for section in 0..4 {
        s.push_str(&format!("## {} {section}\n\n", capitalise(&rng.words(3))));
        for _ in 0..3 {
            s.push_str(&format!("{}.\n", capitalise(&rng.words(18))));
        }
        s.push('\n');
        if section == 1 {
            s.push_str("| Control | Provider | Customer |\n| --- | --- | --- |\n");
            for _ in 0..5 {
                s.push_str(&format!(
                    "| {} | {} | {} |\n",
                    rng.words(2),
                    rng.words(3),
                    rng.words(3)
                ));
            }
            s.push('\n');
        }
        if section == 2 {
            for (k, link) in links.iter().enumerate().skip(2) {
                s.push_str(&format!("- {} [[{link}]] {k}\n", capitalise(&rng.words(6))));
            }
            for _ in 0..4 {
                s.push_str(&format!("- {}\n", capitalise(&rng.words(7))));
            }
            s.push('\n');
        }
        if section == 3 {
            code_block(&mut s, i, rng);
        }
    }
    s.push_str(&format!("### Notes\n\n{}.\n", capitalise(&rng.words(30))));
    s
}

fn checklist(s: &mut String, id: &str, rng: &mut Rng) {
    for k in 0..3 {
        s.push_str(&format!(
            "\n[[checklist]]\nid = \"{id}-item-{k}\"\ntitle = \"{}\"\nlayer = \"layer-{:02}\"\npillar = \"pillar-{}\"\nseverity = \"{}\"\ncontrols = [\"fsbp:S3.{}\"]\nverify = \"aws s3api get-bucket-policy --bucket example\"\nsource = \"{SOURCE}\"\n",
            capitalise(&rng.words(6)),
            rng.below(LAYERS),
            rng.below(PILLARS),
            SEVERITIES[rng.below(SEVERITIES.len())],
            rng.below(20) + 1
        ));
    }
}

fn code_block(s: &mut String, i: usize, rng: &mut Rng) {
    let lang = ["json", "yaml", "hcl", "python", "bash"][i % 5];
    s.push_str(&format!("```{lang}\n"));
    for line in 0..15 {
        let w = rng.words(1);
        let text = match lang {
            "json" => format!("{{\"{w}\": \"{}\", \"n\": {line}}}", rng.words(1)),
            "yaml" => format!("{w}_{line}: {}", rng.words(2)),
            "hcl" => format!(
                "resource \"aws_{w}\" \"r{line}\" {{ name = \"{}\" }}",
                rng.words(1)
            ),
            "python" => format!(
                "{w}_{line} = client.get_{}(Name=\"x\")  # {}",
                rng.words(1),
                rng.words(2)
            ),
            _ => format!("aws {w} describe-{} --name x{line} | jq .", rng.words(1)),
        };
        s.push_str(&text);
        s.push('\n');
    }
    s.push_str("```\n\n");
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
