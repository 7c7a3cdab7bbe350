//! The one integration-test binary: a module per feature, each running the real `whosecures`
//! binary on a small fixture copied into a temporary directory.

mod build;
mod check;
mod output;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use scraper::{Html, Selector};

/// A scratch directory holding a copy of one fixture, where the binary runs.
pub struct SiteTest {
    /// The scratch directory (the binary's working directory).
    pub dir: PathBuf,
}

impl SiteTest {
    /// Copies `tests/fixtures/<fixture>/` into a fresh scratch directory.
    #[track_caller]
    pub fn new(fixture: &str) -> SiteTest {
        let test = SiteTest::empty();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        copy_dir(&source, &test.dir);
        test
    }

    /// A fresh, empty scratch directory.
    pub fn empty() -> SiteTest {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("it-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch directory");
        SiteTest { dir }
    }

    /// Runs the binary with `args` in the scratch directory.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_whosecures"))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("run whosecures")
    }

    /// Runs the binary and asserts it exits 0.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "whosecures {args:?} failed:\n{}",
            stderr(&out)
        );
        out
    }

    /// Reads a file under the scratch directory.
    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.dir.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Parses an HTML file under the scratch directory.
    #[track_caller]
    pub fn html(&self, rel: &str) -> Html {
        Html::parse_document(&self.read(rel))
    }
}

impl Drop for SiteTest {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The text of every element matching `selector`, whitespace-collapsed.
#[track_caller]
pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("valid selector");
    html.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The value of `attr` on every element matching `selector`.
#[track_caller]
pub fn attrs(html: &Html, selector: &str, attr: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("valid selector");
    html.select(&selector)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create directory");
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
