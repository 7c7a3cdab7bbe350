//! The one integration-test binary: a module per feature, each running the real `whosecures`
//! binary on a small fixture copied into a temporary directory.

mod a11y;
mod answers;
mod architecture;
mod browser;
mod build;
mod check;
mod corpus;
mod edits;
mod evidence;
mod history;
mod incremental;
mod links;
mod output;
mod paging;
mod preview;
mod query;
mod safety;
mod serve;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

    /// Copies another fixture over this one (its files win).
    #[track_caller]
    pub fn add(&self, fixture: &str) {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        copy_dir(&source, &self.dir);
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

/// Runs `check`, asserts it fails and reports each of `wants`; returns what it printed.
#[track_caller]
pub fn check_reports(t: &SiteTest, wants: &[&str]) -> String {
    let out = t.run(&["check", "--knowledge", "knowledge"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for want in wants {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    err
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

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file below `root` (hidden ones included), relative path → bytes.
pub fn snapshot(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes =
                    fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                files.insert(
                    path.strip_prefix(root).expect("below root").to_owned(),
                    bytes,
                );
            }
        }
    }
    files
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

/// Whether the slow stress tests run: only with `WHOSECURES_STRESS=1` (`.ci/run` sets it), so a
/// local `cargo test` stays quick. Prints a note naming `test` when it is skipped.
pub fn stress(test: &str) -> bool {
    let on = std::env::var_os("WHOSECURES_STRESS").is_some_and(|v| v == "1");
    if !on {
        eprintln!("{test}: skipped, a slow stress test (set WHOSECURES_STRESS=1 to run it)");
    }
    on
}

/// A running `whosecures serve` on 127.0.0.1 with a free port; killed when dropped.
pub struct Server {
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl SiteTest {
    /// Starts `whosecures serve -p 0` with `args` and waits for its URL.
    #[track_caller]
    pub fn serve(&self, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_whosecures"))
            .arg("serve")
            .args(["--port", "0"])
            .args(args)
            .current_dir(&self.dir)
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("WHOSECURES_TEST_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start whosecures serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("serve prints its URL");
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in `{line}`"));
        Server { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The server's resident memory in KiB (Linux), for checks that it stays bounded.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// GET `target` (sent as written, so traversal attempts reach the server unchanged).
    pub fn get(&self, target: &str) -> (u16, String) {
        http(self.port, "GET", target, None)
    }

    /// Polls `target` until `check` accepts the body or 15 s pass; returns the last body.
    #[track_caller]
    pub fn wait_for(&self, target: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_until(target, |_, body| check(body)).1
    }

    /// Polls `target` until `check` accepts the status and body or 15 s pass; returns the last
    /// status and body.
    #[track_caller]
    pub fn wait_until(&self, target: &str, check: impl Fn(u16, &str) -> bool) -> (u16, String) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (status, body) = self.get(target);
            if check(status, &body) || Instant::now() > deadline {
                return (status, body);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// One HTTP/1.1 request over a fresh connection to 127.0.0.1; returns status and body. A peer
/// silent for 60 s ends the read (a hang, not a slow answer).
pub fn http(port: u16, method: &str, target: &str, body: Option<&str>) -> (u16, String) {
    http_within(port, method, target, body, Duration::from_secs(60))
}

/// `http`, with `silence` as the longest wait for the peer between reads.
pub fn http_within(
    port: u16,
    method: &str,
    target: &str,
    body: Option<&str>,
    silence: Duration,
) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(silence));
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return (0, String::new());
    }
    // Read until the body is complete: some peers (chromedriver) keep the connection open.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        if let Some(end) = find(&raw, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            let done = match length {
                Some(n) => raw.len() >= end + 4 + n,
                None => head.contains("transfer-encoding: chunked") && raw.ends_with(b"0\r\n\r\n"),
            };
            if done {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let Some((head, rest)) = text.split_once("\r\n\r\n") else {
        return (0, text);
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    (
        status,
        if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        },
    )
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
