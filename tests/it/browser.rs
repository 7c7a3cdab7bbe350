//! End to end in headless Chromium (Debian `chromium` + `chromium-driver`), driven over the
//! WebDriver protocol on 127.0.0.1: the page a reader has open follows the author's edits.

use std::fs;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{http, SiteTest};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process and one browser session; both end when dropped.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: SiteTest,
}

impl Browser {
    /// Starts chromedriver and a headless session, or `None` when Chromium is not installed and
    /// this is not CI (CI installs it and must run the test).
    fn start() -> Option<Browser> {
        if !std::path::Path::new(CHROMEDRIVER).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install chromium and chromium-driver"
            );
            eprintln!(
                "skipping: {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(port, "GET", "/status", None).0 != 200 {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = SiteTest::empty();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1000,500",
                     format!("--user-data-dir={}", profile.dir.display())]
        }}}});
        let (status, body) = http(port, "POST", "/session", Some(&caps.to_string()));
        let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let session = value["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session ({status}): {body}"));
        Some(Browser {
            driver,
            port,
            session: session.to_owned(),
            _profile: profile,
        })
    }

    fn command(&self, path: &str, body: Value) -> Value {
        let (_, text) = http(
            self.port,
            "POST",
            &format!("/session/{}/{path}", self.session),
            Some(&body.to_string()),
        );
        serde_json::from_str::<Value>(&text)
            .map(|v| v["value"].clone())
            .unwrap_or(Value::Null)
    }

    fn open(&self, url: &str) {
        self.command("url", json!({ "url": url }));
    }

    fn eval(&self, script: &str) -> Value {
        self.command("execute/sync", json!({ "script": script, "args": [] }))
    }

    /// Evaluates `script` until `check` accepts its value or 15 s pass.
    fn wait_for(&self, script: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let value = self.eval(script);
            if check(&value) || Instant::now() > deadline {
                return value;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

// An open page shows the author's edit by itself, keeping its scroll position.
#[test]
fn open_page_follows_edits() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    browser.open(&format!(
        "http://127.0.0.1:{}/model/overview.html",
        server.port
    ));
    let text = browser.wait_for("return document.querySelector('main').innerText", |v| {
        v.as_str().is_some_and(|s| s.contains("Shared controls"))
    });
    assert!(
        text.as_str().is_some_and(|s| s.contains("Shared controls")),
        "{text}"
    );
    browser.eval("window.scrollTo(0, 300); return window.scrollY");
    let note = t.dir.join("knowledge/model/overview.md");
    let source = fs::read_to_string(&note).expect("read note");
    fs::write(
        &note,
        source.replace(
            "Public buckets leak data.",
            "Public buckets leak data, edited live.",
        ),
    )
    .expect("edit");
    let text = browser.wait_for("return document.querySelector('main').innerText", |v| {
        v.as_str().is_some_and(|s| s.contains("edited live"))
    });
    assert!(
        text.as_str()
            .is_some_and(|s| s.contains("leak data, edited live")),
        "no live reload: {text}"
    );
    let scroll = browser.wait_for("return window.scrollY", |v| {
        v.as_f64().unwrap_or(0.0) > 100.0
    });
    assert!(
        scroll.as_f64().unwrap_or(0.0) > 100.0,
        "scroll position lost: {scroll}"
    );
}
