//! The preview's in-memory site, driven through random edit sequences the way `serve` drives it,
//! is after every edit the site a cold `build` of the same input writes, byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use whosecures::config::ProjectArgs;
use whosecures::serve::{self, Output, Workspace};

use crate::edits::{self, apply};
use crate::{snapshot, stderr, SiteTest};

/// Files a build writes that the preview never serves (every other file is compared, and the
/// preview serves nothing a build does not write): the marker that lets the next build replace
/// the output directory, and the build's caches for the next build into the same output (the
/// pages it wrote and from what, the notes' rendered bodies, the notes' search and `kb.json`
/// entries), which the preview keeps in memory instead.
const BUILD_ONLY: [&str; 4] = [
    ".whosecures-site",
    ".whosecures-pages.json",
    ".whosecures-bodies.bin",
    ".whosecures-entries.bin",
];

/// The site as the server publishes it, URL → bytes.
#[derive(Default)]
struct Published(BTreeMap<String, Vec<u8>>);

impl Published {
    /// What `serve::publish` does with a rebuild: a failed one changes no file (the last good
    /// site stays live under an overlay), so a failure is reported rather than published.
    #[track_caller]
    fn publish(&mut self, output: Output) {
        assert!(
            !output.failed(),
            "the preview failed where a build succeeds: {:?} {:?}",
            output
                .diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            output.failures
        );
        if output.replace_all {
            self.0.clear();
        }
        for url in &output.removed {
            self.0.remove(url);
        }
        self.0.extend(output.files);
    }

    /// What the server does with `Workspace::derived` once no change is waiting.
    fn update(&mut self, files: Vec<(String, Vec<u8>)>) {
        self.0.extend(files);
    }
}

/// Builds the input under `t` cold into a fresh directory; returns every file it wrote but
/// [`BUILD_ONLY`], as URL → bytes.
#[track_caller]
fn cold_build(t: &SiteTest) -> BTreeMap<String, Vec<u8>> {
    let out = t.dir.join("cold");
    let _ = std::fs::remove_dir_all(&out);
    let built = t.run(&[
        "build",
        "--knowledge",
        "knowledge",
        "--theme",
        "theme",
        "--output",
        "cold",
    ]);
    assert!(built.status.success(), "build failed:\n{}", stderr(&built));
    let mut files: BTreeMap<String, Vec<u8>> = snapshot(&out)
        .into_iter()
        .map(|(path, bytes)| (url(&path), bytes))
        .collect();
    for name in BUILD_ONLY {
        assert!(files.remove(name).is_some(), "the build wrote no {name}");
    }
    files
}

fn url(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every served file is the built one and the other way round; names the first difference.
#[track_caller]
fn same_as_cold(t: &SiteTest, served: &Published, after: &str) {
    let built = cold_build(t);
    let (served_urls, built_urls): (Vec<&String>, Vec<&String>) =
        (served.0.keys().collect(), built.keys().collect());
    assert_eq!(
        served_urls, built_urls,
        "served and built files after {after}"
    );
    for (url, bytes) in &built {
        assert!(
            served.0[url] == *bytes,
            "{url}: the preview's differs from a cold build's after {after}"
        );
    }
}

proptest! {
    // After each edit of a random sequence the preview serves a cold build's files, byte for byte.
    // As in `incremental::any_edit_sequence_matches_a_cold_build`, few cases of a sequence each
    // (every step one in-memory rebuild and one cold build of the real binary).
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn any_edit_sequence_serves_a_cold_build(steps in edits::steps()) {
        let t = edits::fixture();
        // `serve` reads `./book.toml` when there is one, and the test runs in the crate root,
        // which has one: the fixture gets its own, named explicitly, so both sides read it.
        std::fs::write(t.dir.join("book.toml"), "[book]\ntitle = \"Wiki\"\n")
            .expect("write config");
        let args = ProjectArgs {
            config: Some(t.dir.join("book.toml")),
            knowledge: Some(t.dir.join("knowledge")),
            theme: Some(t.dir.join("theme")),
            ..ProjectArgs::default()
        };
        let (mut workspace, output) = Workspace::load(args).expect("load the workspace");
        let mut served = Published::default();
        served.publish(output);
        same_as_cold(&t, &served, "the first load");
        for (i, step) in steps.iter().enumerate() {
            let roots = workspace.roots();
            let touched = apply(&t, step);
            let mut changes: Vec<serve::Change> = touched
                .iter()
                .filter_map(|path: &PathBuf| serve::classify(path, &roots))
                .collect();
            prop_assert_eq!(changes.len(), touched.len(), "unwatched files: {:?}", touched);
            changes.sort();
            changes.dedup();
            if !changes.is_empty() {
                let output = workspace.apply(&changes).expect("apply the changes");
                served.publish(output);
                served.update(workspace.derived());
            }
            same_as_cold(&t, &served, &format!("step {i} ({step:?})"));
        }
    }
}
