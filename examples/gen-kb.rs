//! Writes a deterministic synthetic knowledge base of N valid notes for benchmarks:
//! `cargo run --release --example gen-kb -- N DIR [--format whosecures|mdbook|zola|hugo]`.
//! Each note is about 120 lines: headings, paragraphs, a table, a list, a 15-line fenced code block
//! (json, yaml, hcl, python or bash), five wiki-links to other notes; service notes carry a
//! responsibility row per layer and checklist items. Same N, same bytes.
//!
//! `--format` writes the same pages for a peer generator, so benchmarks compare builds of the same
//! text (the default, `whosecures`, writes the knowledge directory itself):
//! - `mdbook`: `book.toml`, `src/SUMMARY.md` (a part per kind folder) and `src/<folder>/<id>.md`,
//!   each starting with `# Title` and the summary (mdBook has no front matter).
//! - `zola`: `config.toml` (search index and highlighting on, Zola 0.22+ keys), `content/` with a
//!   `_index.md` per section and `+++` TOML front matter, and minimal `templates/`.
//! - `hugo`: `hugo.toml` (Chroma highlighting of code fences), `content/` as for Zola, and minimal
//!   `layouts/_default/` (`baseof.html`, `single.html`, `list.html`).
//!
//! Peers get the note's title, summary and Markdown body (not the responsibility rows or checklist
//! items, which only whosecures understands). Wiki-links `[[id]]`, `[[id|label]]` and
//! `[[id#anchor]]` become each peer's own internal link to the same page, labelled like whosecures
//! labels them (the label, else the target's title): a relative `.md` link for mdBook, `@/` for
//! Zola, the `relref` shortcode for Hugo. Fenced code blocks keep their language.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
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
/// The kind folders, in the order peers list them.
const FOLDERS: [&str; 5] = ["layers", "pillars", "services", "practices", "glossary"];
const SITE_TITLE: &str = "Who secures what?";

/// Which generator the pages are written for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Whosecures,
    Mdbook,
    Zola,
    Hugo,
}

impl Format {
    fn parse(name: &str) -> Option<Format> {
        match name {
            "whosecures" => Some(Format::Whosecures),
            "mdbook" => Some(Format::Mdbook),
            "zola" => Some(Format::Zola),
            "hugo" => Some(Format::Hugo),
            _ => None,
        }
    }
}

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

/// One generated note: whosecures' front matter (between and including the `+++` lines and the
/// blank line after them) and the Markdown body, which still holds wiki-links.
struct Note {
    id: String,
    title: String,
    summary: String,
    front: String,
    body: String,
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
    let usage = || {
        eprintln!(
            "usage: gen-kb N DIR [--format whosecures|mdbook|zola|hugo]   (N >= {})",
            LAYERS + PILLARS + 1
        );
        ExitCode::from(2)
    };
    let mut positional = Vec::new();
    let mut format = Format::Whosecures;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let name = if arg == "--format" {
            args.next()
        } else if let Some(value) = arg.strip_prefix("--format=") {
            Some(value.to_string())
        } else {
            positional.push(arg);
            continue;
        };
        match name.as_deref().and_then(Format::parse) {
            Some(f) => format = f,
            None => return usage(),
        }
    }
    let (Some(n), Some(dir), 2) = (
        positional.first().and_then(|n| n.parse::<usize>().ok()),
        positional.get(1),
        positional.len(),
    ) else {
        return usage();
    };
    let n = n.max(LAYERS + PILLARS + 1);
    let dir = Path::new(dir);
    let written = match format {
        Format::Whosecures => write_whosecures(n, dir),
        Format::Mdbook => write_mdbook(&notes(n), dir),
        Format::Zola => write_zola(&notes(n), dir),
        Format::Hugo => write_hugo(&notes(n), dir),
    };
    match written {
        Ok(()) => {
            eprintln!("wrote {n} notes into `{}`", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Every note, in id order (the same sequence `write_whosecures` writes).
fn notes(n: usize) -> Vec<Note> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n).map(|i| note(i, n, &mut rng)).collect()
}

// ---------------------------------------------------------------------------------------------
// whosecures: the knowledge directory, one note at a time.

fn write_whosecures(n: usize, dir: &Path) -> std::io::Result<()> {
    for sub in FOLDERS {
        fs::create_dir_all(dir.join(sub))?;
    }
    fs::write(
        dir.join("vocabulary.toml"),
        include_str!("../knowledge/vocabulary.toml"),
    )?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..n {
        let note = note(i, n, &mut rng);
        let path = dir.join(folder(&note.id)).join(format!("{}.md", note.id));
        fs::write(path, format!("{}{}", note.front, note.body))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// mdBook: book.toml, src/SUMMARY.md, src/<folder>/<id>.md.

fn write_mdbook(notes: &[Note], dir: &Path) -> std::io::Result<()> {
    let src = dir.join("src");
    for sub in FOLDERS {
        fs::create_dir_all(src.join(sub))?;
    }
    fs::write(
        dir.join("book.toml"),
        format!(
            "[book]\ntitle = \"{SITE_TITLE}\"\nlanguage = \"en\"\nsrc = \"src\"\n\n\
             [build]\ncreate-missing = false\n\n\
             [output.html]\n\n[output.html.search]\nenable = true\n"
        ),
    )?;
    let titles = titles(notes);
    let mut summary = String::from("# Summary\n");
    for sub in FOLDERS {
        summary.push_str(&format!("\n# {}\n\n", capitalise(sub)));
        for note in notes.iter().filter(|note| folder(&note.id) == sub) {
            summary.push_str(&format!("- [{}]({sub}/{}.md)\n", note.title, note.id));
        }
    }
    fs::write(src.join("SUMMARY.md"), summary)?;
    for note in notes {
        let body = rewrite_links(&note.body, &titles, |target, anchor, label| {
            format!("[{label}](../{}/{target}.md{anchor})", folder(target))
        });
        let text = format!("# {}\n\n{}\n\n{body}", note.title, note.summary);
        fs::write(
            src.join(folder(&note.id)).join(format!("{}.md", note.id)),
            text,
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Zola: config.toml, content/ with sections, templates/.

fn write_zola(notes: &[Note], dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(
        dir.join("config.toml"),
        format!(
            "base_url = \"http://127.0.0.1\"\ntitle = \"{SITE_TITLE}\"\n\
             default_language = \"en\"\ncompile_sass = false\nbuild_search_index = true\n\n\
             # Zola 0.22+ (giallo); before 0.22 this was `highlight_code = true` under [markdown].\n\
             [markdown.highlighting]\ntheme = \"github-dark\"\nstyle = \"inline\"\n"
        ),
    )?;
    let templates = dir.join("templates");
    fs::create_dir_all(&templates)?;
    fs::write(
        templates.join("index.html"),
        html_page(
            "{{ config.title }}",
            "<h1>{{ config.title }}</h1>\n<ul>\n\
             {% for path in section.subsections %}{% set sub = get_section(path=path, metadata_only=true) %}\
             <li><a href=\"{{ sub.permalink | safe }}\">{{ sub.title }}</a></li>\n{% endfor %}</ul>",
        ),
    )?;
    fs::write(
        templates.join("section.html"),
        html_page(
            "{{ section.title }}",
            "<h1>{{ section.title }}</h1>\n<ul>\n\
             {% for page in section.pages %}<li><a href=\"{{ page.permalink | safe }}\">{{ page.title }}</a></li>\n\
             {% endfor %}</ul>",
        ),
    )?;
    fs::write(
        templates.join("page.html"),
        html_page(
            "{{ page.title }}",
            "<article>\n<h1>{{ page.title }}</h1>\n<p class=\"summary\">{{ page.description }}</p>\n\
             {{ page.content | safe }}\n</article>",
        ),
    )?;
    write_content(notes, &dir.join("content"), |target, anchor, label| {
        format!("[{label}](@/{}/{target}.md{anchor})", folder(target))
    })
}

// ---------------------------------------------------------------------------------------------
// Hugo: hugo.toml, content/ with sections, layouts/_default/.

fn write_hugo(notes: &[Note], dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(
        dir.join("hugo.toml"),
        format!(
            "baseURL = \"http://127.0.0.1/\"\ntitle = \"{SITE_TITLE}\"\nlanguageCode = \"en\"\n\
             disableKinds = [\"taxonomy\", \"term\"]\n\n\
             [markup.highlight]\ncodeFences = true\nnoClasses = true\nstyle = \"github-dark\"\n"
        ),
    )?;
    let layouts = dir.join("layouts").join("_default");
    fs::create_dir_all(&layouts)?;
    fs::write(
        layouts.join("baseof.html"),
        html_page("{{ .Title }}", "{{ block \"main\" . }}{{ end }}"),
    )?;
    fs::write(
        layouts.join("single.html"),
        "{{ define \"main\" }}<article>\n<h1>{{ .Title }}</h1>\n\
         <p class=\"summary\">{{ .Description }}</p>\n{{ .Content }}\n</article>{{ end }}\n",
    )?;
    fs::write(
        layouts.join("list.html"),
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>\n<ul>\n\
         {{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>\n\
         {{ end }}</ul>{{ end }}\n",
    )?;
    write_content(notes, &dir.join("content"), |target, anchor, label| {
        format!(
            "[{label}]({{{{< relref \"/{}/{target}.md{anchor}\" >}}}})",
            folder(target)
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Shared by the peers.

/// Zola's and Hugo's `content/`: `_index.md` for the home page and each kind folder, and a page
/// per note with `+++` TOML front matter (`title`, `description`), both tools' native format.
fn write_content(
    notes: &[Note],
    content: &Path,
    link: impl Fn(&str, &str, &str) -> String,
) -> std::io::Result<()> {
    for sub in FOLDERS {
        fs::create_dir_all(content.join(sub))?;
        fs::write(
            content.join(sub).join("_index.md"),
            format!("+++\ntitle = \"{}\"\n+++\n", capitalise(sub)),
        )?;
    }
    fs::write(
        content.join("_index.md"),
        format!("+++\ntitle = \"{SITE_TITLE}\"\n+++\n"),
    )?;
    let titles = titles(notes);
    for note in notes {
        let body = rewrite_links(&note.body, &titles, &link);
        let text = format!(
            "+++\ntitle = \"{}\"\ndescription = \"{}\"\n+++\n\n{body}",
            note.title, note.summary
        );
        fs::write(
            content
                .join(folder(&note.id))
                .join(format!("{}.md", note.id)),
            text,
        )?;
    }
    Ok(())
}

/// A whole HTML document around `main`, with no sidebar or navigation: peers render only the
/// page itself.
fn html_page(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n<body>\n<main>\n{main}\n</main>\n</body>\n</html>\n"
    )
}

fn titles(notes: &[Note]) -> HashMap<&str, &str> {
    notes
        .iter()
        .map(|note| (note.id.as_str(), note.title.as_str()))
        .collect()
}

/// Replaces every wiki-link outside fenced code blocks with `link(target, anchor, label)`, where
/// `anchor` is empty or starts with `#`, and `label` is the link's own label or the target's title.
/// A link to an unknown id is left as it is.
fn rewrite_links(
    body: &str,
    titles: &HashMap<&str, &str>,
    link: impl Fn(&str, &str, &str) -> String,
) -> String {
    let mut out = String::with_capacity(body.len() + 256);
    let mut in_fence = false;
    for line in body.split_inclusive('\n') {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence || !line.contains("[[") {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("[[") {
            let Some(len) = rest[start + 2..].find("]]") else {
                break;
            };
            let inner = &rest[start + 2..start + 2 + len];
            let (dest, label) = inner.split_once('|').unwrap_or((inner, ""));
            let (target, anchor) = match dest.find('#') {
                Some(hash) => (&dest[..hash], &dest[hash..]),
                None => (dest, ""),
            };
            out.push_str(&rest[..start]);
            match titles.get(target.trim()) {
                Some(title) => {
                    let label = if label.is_empty() { title } else { label };
                    out.push_str(&link(target.trim(), anchor, label));
                }
                None => out.push_str(&rest[start..start + 4 + len]),
            }
            rest = &rest[start + 4 + len..];
        }
        out.push_str(rest);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The note itself: the random draws happen in exactly this order, so the bytes never change.

fn note(i: usize, n: usize, rng: &mut Rng) -> Note {
    let id = self::id(i);
    let mut s = String::with_capacity(4 * 1024);
    let title = format!("{} {}", capitalise(&rng.words(2)), i);
    let summary = format!("{}.", capitalise(&rng.words(9)));
    s.push_str(&format!(
        "+++\ntitle = \"{title}\"\nsummary = \"{summary}\"\n"
    ));
    s.push_str(&format!("sources = [\"{SOURCE}\"]\n"));
    match folder(&id) {
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
                let owner = OWNERS[rng.below(OWNERS.len())];
                let note = capitalise(&rng.words(8));
                let duty = |party: &str, rng: &mut Rng| {
                    format!(
                        "{party} = [{{ duty = \"{}\", source = \"{SOURCE}\" }}]\n",
                        capitalise(&rng.words(6))
                    )
                };
                // Duties per party, the owner derived from them (the note format since
                // `whosecures-kb/2`); a not-applicable row has none and a row source.
                let duties = match owner {
                    "provider" => duty("provider", rng),
                    "customer" => duty("customer", rng),
                    "shared" => duty("provider", rng) + &duty("customer", rng),
                    _ => format!("source = \"{SOURCE}\"\n"),
                };
                s.push_str(&format!(
                    "\n[[responsibility]]\nlayer = \"layer-{layer:02}\"\nnote = \"{note}.\"\nverified = 2026-12-06\n{duties}"
                ));
            }
            checklist(&mut s, &id, rng);
        }
        "practices" => {
            s.push_str(&format!("pillars = [\"pillar-{}\"]\n", rng.below(PILLARS)));
            checklist(&mut s, &id, rng);
        }
        _ => {}
    }
    s.push_str("+++\n\n");
    let front = s;
    let body = body(i, n, &id, rng);
    Note {
        id,
        title,
        summary,
        front,
        body,
    }
}

fn body(i: usize, n: usize, id: &str, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(6 * 1024);
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
            "\n[[checklist]]\nid = \"{id}-item-{k}\"\ntitle = \"{}\"\nlayer = \"layer-{:02}\"\npillar = \"pillar-{}\"\nseverity = \"{}\"\ncontrols = [\"fsbp:S3.{}\"]\nverify = \"aws s3api get-bucket-policy --bucket example\"\nsource = \"{SOURCE}\"\nverified = 2026-12-06\n",
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
