//! Criterion benches for the build's hot stages on the embedded knowledge base: loading and
//! checking notes, resolving links, rendering one service page, highlighting one code block, and
//! serializing the derived files. `cargo bench --bench stages`; compare runs with criterion's
//! saved baselines (`-- --save-baseline before`, then `-- --baseline before`).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;

use whosecures::config::Config;
use whosecures::diag::Diagnostics;
use whosecures::history::History;
use whosecures::kb::{load, NoteId};
use whosecures::links;
use whosecures::render::{self, PageKey, Theme};
use whosecures::site;
use whosecures::source::{embedded, Tree};

const TERRAFORM: &str = r#"resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_kms_key" "logs" {
  description             = "Log archive key"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}
"#;

fn stages(c: &mut Criterion) {
    let files = embedded(Tree::Knowledge);
    let mut diags = Diagnostics::new();
    let kb = load(files.clone(), &mut diags);
    let graph = links::build(&kb, &mut diags);
    let config = Config::default();
    // The embedded notes have no history.
    let history = History::default();
    let Ok(theme) = Theme::load(None) else {
        eprintln!("the embedded theme does not load");
        return;
    };
    let s3 = [PageKey::Note(NoteId("s3".into()))];

    c.bench_function("load 134 notes", |b| {
        // `load` takes the files; cloning them is setup, outside the measured time.
        b.iter_batched(
            || files.clone(),
            |files| load(black_box(files), &mut Diagnostics::new()),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("link 134 notes", |b| {
        b.iter(|| links::build(black_box(&kb), &mut Diagnostics::new()))
    });
    c.bench_function("render services/s3.html", |b| {
        b.iter(|| {
            render::render_pages(&kb, &graph, &config, &history, &theme, black_box(&s3), None)
        })
    });
    c.bench_function("highlight 15 lines of HCL", |b| {
        b.iter(|| render::highlight_code("hcl", black_box(TERRAFORM)))
    });
    c.bench_function("derived files (search, kb.json, sitemap)", |b| {
        b.iter(|| site::derived(black_box(&kb), &graph, &config))
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
