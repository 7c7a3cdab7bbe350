//! End to end in headless Chromium (Debian `chromium` + `chromium-driver`), driven over the
//! WebDriver protocol on 127.0.0.1: the page a reader has open follows the author's edits, and
//! the built site's search, checklists, theme toggle and phone layout work in a real browser.
//! `Browser` is the one WebDriver client of the test binary (`a11y` uses it too).

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{http, http_within, stderr, SiteTest};

/// The longest a WebDriver script may run (axe-core on the ~5 MB print page takes over a minute
/// on a loaded 2-core machine); requests to the driver wait this long and a little more.
const SCRIPT_TIMEOUT_SECS: u64 = 300;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether the browser checks must run (CI, or `WHOSECURES_A11Y=1`) rather than be skipped when
/// their tools are missing.
pub(crate) fn required() -> bool {
    std::env::var_os("CI").is_some() || std::env::var_os("WHOSECURES_A11Y").is_some()
}

/// The embedded knowledge base, built once per test run by the binary under test into a
/// directory of this process (statics are never dropped, so directories left by earlier runs are
/// removed here instead).
pub(crate) fn embedded_site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        for entry in fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("it-embedded-site-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = tmp.join(format!("it-embedded-site-{}", std::process::id()));
        let out = Command::new(env!("CARGO_BIN_EXE_whosecures"))
            .args(["build", "--output"])
            .arg(&dir)
            .current_dir(tmp)
            .output()
            .expect("run whosecures build");
        assert!(out.status.success(), "build failed:\n{}", stderr(&out));
        dir
    })
}

/// The `file://` URL of `rel` in the embedded site.
pub(crate) fn site_url(rel: &str) -> String {
    format!("file://{}/{rel}", embedded_site().display())
}

/// Where screenshots go: `target/screenshots/` (CI keeps `target/`).
fn screenshot_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target directory");
    target.join("screenshots")
}

/// A chromedriver process and one browser session; both end when dropped.
pub(crate) struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: SiteTest,
}

impl Browser {
    /// Starts chromedriver and a headless session, or `None` when Chromium is not installed and
    /// the checks are not required (CI installs it and must run them).
    pub(crate) fn start() -> Option<Browser> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            assert!(!required(), "CI must install chromium and chromium-driver");
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
                     "--hide-scrollbars", "--force-color-profile=srgb",
                     format!("--user-data-dir={}", profile.dir.display())]
        }}}});
        let (status, body) = http(port, "POST", "/session", Some(&caps.to_string()));
        let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let session = value["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session ({status}): {body}"));
        let browser = Browser {
            driver,
            port,
            session: session.to_owned(),
            _profile: profile,
        };
        // Generous bounds, not performance claims: axe-core on the print page (every note, ~5 MB)
        // takes over a minute on a loaded 2-core machine.
        browser.call(
            "timeouts",
            json!({ "script": SCRIPT_TIMEOUT_SECS * 1000, "pageLoad": 120_000 }),
        );
        Some(browser)
    }

    /// Sends a WebDriver command; returns its `value` (an error object if it failed).
    pub(crate) fn command(&self, path: &str, body: Value) -> Value {
        self.request("POST", path, Some(body))
    }

    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        // Outlasts the WebDriver script timeout, so a long axe run answers instead of being
        // cut off by the socket (which read as `null`).
        let (_, text) = http_within(
            self.port,
            method,
            &format!("/session/{}/{path}", self.session),
            body.map(|b| b.to_string()).as_deref(),
            Duration::from_secs(SCRIPT_TIMEOUT_SECS + 30),
        );
        serde_json::from_str::<Value>(&text)
            .map(|v| v["value"].clone())
            .unwrap_or(Value::Null)
    }

    /// Sends a command that must succeed.
    #[track_caller]
    fn call(&self, path: &str, body: Value) -> Value {
        let value = self.command(path, body);
        assert!(value.get("error").is_none(), "WebDriver {path}: {value}");
        value
    }

    /// Opens `url` and waits for it to load.
    #[track_caller]
    pub(crate) fn open(&self, url: &str) {
        self.call("url", json!({ "url": url }));
    }

    /// Reloads the page.
    #[track_caller]
    pub(crate) fn reload(&self) {
        self.call("refresh", json!({}));
    }

    /// The address of the current page.
    pub(crate) fn url(&self) -> String {
        self.request("GET", "url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Evaluates `script` (a function body) in the page.
    pub(crate) fn eval(&self, script: &str) -> Value {
        self.command("execute/sync", json!({ "script": script, "args": [] }))
    }

    /// Evaluates `script` with `args` (`arguments[0]`, ...).
    pub(crate) fn eval_with(&self, script: &str, args: Value) -> Value {
        self.command("execute/sync", json!({ "script": script, "args": args }))
    }

    /// Evaluates `script`, which calls its last argument with the result.
    pub(crate) fn eval_async(&self, script: &str, args: Value) -> Value {
        self.command("execute/async", json!({ "script": script, "args": args }))
    }

    /// Evaluates `script` until `check` accepts its value or 15 s pass.
    pub(crate) fn wait_for(&self, script: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let value = self.eval(script);
            if check(&value) || Instant::now() > deadline {
                return value;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The WebDriver id of the first element matching `css`.
    #[track_caller]
    fn find(&self, css: &str) -> String {
        let value = self.call("element", json!({ "using": "css selector", "value": css }));
        value[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element `{css}`: {value}"))
            .to_owned()
    }

    /// Clicks the first element matching `css` as a user would.
    #[track_caller]
    pub(crate) fn click(&self, css: &str) {
        let id = self.find(css);
        self.call(&format!("element/{id}/click"), json!({}));
    }

    /// Types `text` into the first element matching `css` (focusing it first).
    #[track_caller]
    pub(crate) fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(&format!("element/{id}/value"), json!({ "text": text }));
    }

    /// Presses and releases each key of `keys` (WebDriver key codes such as `\u{E015}` for
    /// ArrowDown) in whatever has focus.
    #[track_caller]
    pub(crate) fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|k| {
                [
                    json!({ "type": "keyDown", "value": k.to_string() }),
                    json!({ "type": "keyUp", "value": k.to_string() }),
                ]
            })
            .collect();
        self.call(
            "actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        );
    }

    /// Sets the viewport to `width` x `height` CSS pixels (a phone with touch when `mobile`).
    #[track_caller]
    pub(crate) fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.call(
            "goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile } }),
        );
    }

    /// Back to the window's own viewport.
    #[track_caller]
    pub(crate) fn reset_viewport(&self) {
        self.call(
            "goog/cdp/execute",
            json!({ "cmd": "Emulation.clearDeviceMetricsOverride", "params": {} }),
        );
    }

    /// Saves a PNG of the viewport as `target/screenshots/<name>.png`; returns its path.
    #[track_caller]
    pub(crate) fn screenshot(&self, name: &str) -> PathBuf {
        // Under a loaded machine (the whole suite on 2 cores) chromedriver has failed to capture
        // now and then; one more try after a pause, and both answers in the message.
        let take = || {
            let value = self.request("GET", "screenshot", None);
            value.as_str().and_then(base64).ok_or(value)
        };
        let png = take().or_else(|first| {
            std::thread::sleep(std::time::Duration::from_secs(1));
            take().map_err(|second| (first, second))
        });
        let png =
            png.unwrap_or_else(|(first, second)| panic!("no screenshot: {first}; again: {second}"));
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let dir = screenshot_dir();
        fs::create_dir_all(&dir).expect("create screenshot directory");
        let path = dir.join(format!("{name}.png"));
        fs::write(&path, png).expect("write screenshot");
        path
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

/// Decodes standard base64 (WebDriver screenshots).
fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
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

const ENTER: &str = "\u{E007}";
const ARROW_DOWN: &str = "\u{E015}";
const ARROW_UP: &str = "\u{E013}";

/// The first integer in `value` (a progress text such as "3 of 120 items done").
fn first_number(value: &Value) -> Option<u64> {
    let text = value.as_str()?;
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

// `/` focuses the top bar's search box; Enter there opens the search page with the query, which
// lists results as the reader types; the arrow keys and Enter open the picked result.
#[test]
fn search_from_the_keyboard() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let focused = "return document.activeElement ? document.activeElement.id : null";
    browser.open(&site_url("services/s3.html"));
    assert_ne!(browser.eval(focused), json!("search-box"));
    browser.press("/");
    assert_eq!(
        browser.eval(focused),
        json!("search-box"),
        "`/` does not focus search"
    );
    assert_eq!(
        browser.eval("return document.getElementById('search-box').value"),
        json!(""),
        "`/` was typed into the box"
    );
    browser.press(&format!("kms{ENTER}"));
    let results = "return Array.prototype.map.call(document.querySelectorAll('.search-results li a'), function (a) { return [a.textContent, a.href]; })";
    let hits = browser.wait_for(results, |v| v.as_array().is_some_and(|a| !a.is_empty()));
    assert!(
        browser.url().contains("search.html?q=kms"),
        "{}",
        browser.url()
    );
    assert!(
        hits.as_array().is_some_and(|a| a.iter().any(|h| h[1]
            .as_str()
            .is_some_and(|u| u.ends_with("/security-services/kms.html")))),
        "no KMS page among {hits}"
    );

    // Typing on the search page shows results as you type.
    browser.open(&site_url("search.html"));
    assert_eq!(browser.eval(results), json!([]));
    browser.type_into("#search-page-box", "block public");
    let hits = browser.wait_for(results, |v| v.as_array().is_some_and(|a| a.len() > 2));
    let hits = hits.as_array().cloned().unwrap_or_default();
    assert!(hits.len() > 2, "too few results: {hits:?}");
    let status = browser.eval("return document.querySelector('.search-status').textContent");
    assert!(
        status.as_str().is_some_and(|s| s.contains("result")),
        "no result count: {status}"
    );
    // Down three times, up once: the second result is picked; Enter opens it.
    browser.press(&format!("{ARROW_DOWN}{ARROW_DOWN}{ARROW_DOWN}{ARROW_UP}"));
    browser.press(ENTER);
    let target = hits[1][1].as_str().unwrap_or_default().to_owned();
    let deadline = Instant::now() + Duration::from_secs(15);
    while browser.url() != target && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        browser.url(),
        target,
        "Enter did not open the second result"
    );
}

// A ticked checklist item stays ticked after a reload and on its service page, and the progress
// texts count it.
#[test]
fn checklist_ticks_are_kept() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.open(&site_url(CHECKLIST_PART));
    let overall = "return document.querySelector('[data-progress-overall]').textContent";
    let scope = "return document.querySelector('.check-box').closest('[data-progress-scope]').querySelector('[data-progress]').textContent";
    // app.js fills the progress texts once it has run: wait for them, then check them.
    let text = browser.wait_for(overall, |v| first_number(v).is_some());
    assert_eq!(first_number(&text), Some(0), "{text}");
    assert_eq!(first_number(&browser.eval(scope)), Some(0));
    let id = browser.eval("return document.querySelector('.check-box').dataset.id");
    let id = id.as_str().expect("a checklist item").to_owned();
    let ticked = format!(
        "var b = document.querySelector('.check-box[data-id=\"{id}\"]'); return b ? b.checked : null"
    );
    assert_eq!(browser.eval(&ticked), json!(false));

    browser.click(".check-box");
    assert_eq!(browser.eval(&ticked), json!(true));
    assert_eq!(first_number(&browser.eval(overall)), Some(1));
    browser.reload();
    // After a reload app.js restores the ticks once it has run: wait for it (15 s at most).
    let state = browser.wait_for(&ticked, |v| *v == json!(true));
    assert_eq!(state, json!(true), "tick lost on reload");
    assert_eq!(
        first_number(&browser.wait_for(overall, |v| first_number(v) == Some(1))),
        Some(1),
        "{}",
        browser.eval(overall)
    );
    assert_eq!(first_number(&browser.eval(scope)), Some(1));
    assert_eq!(
        browser.eval("return document.querySelector('.check-box').closest('.check-item').classList.contains('done')"),
        json!(true)
    );

    // The same item on the page of the note it comes from.
    let note = browser.eval("return document.querySelector('.check-box').closest('[data-progress-scope]').querySelector('h2 a').href");
    let note = note.as_str().expect("the item's note link").to_owned();
    browser.open(&note);
    let state = stored(&browser, &ticked, json!(true));
    assert_eq!(state, json!(true), "not ticked on {note}");
    assert_eq!(
        first_number(&browser.eval("return document.querySelector('[data-progress]').textContent")),
        Some(1)
    );

    // Unticking is kept too.
    browser.click(&format!(".check-box[data-id=\"{id}\"]"));
    browser.open(&site_url(CHECKLIST_PART));
    let state = stored(&browser, &ticked, json!(false));
    assert_eq!(state, json!(false), "untick lost");
    assert_eq!(
        first_number(&browser.wait_for(overall, |v| first_number(v) == Some(0))),
        Some(0)
    );
}

/// The value of `script` on a page just opened or reloaded, once it is `expected` or 15 s have
/// passed. A page in another renderer process can load before Chromium has passed on the previous
/// page's `localStorage` write (seen on a loaded machine: the store still empty there, the value
/// right after one more reload), and app.js reads the store once, on load: so reload until it
/// shows. A value that is never stored still fails.
fn stored(browser: &Browser, script: &str, expected: Value) -> Value {
    stored_until(browser, script, |value| *value == expected)
}

/// `stored` for a value that passes `check`.
fn stored_until(browser: &Browser, script: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let value = browser.eval(script);
        if check(&value) || Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(250));
        browser.reload();
    }
}

// The theme toggle switches `data-theme` (and the colours), and the choice survives a reload and
// carries to other pages.
#[test]
fn theme_toggle_is_remembered() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let theme = "return document.documentElement.dataset.theme || 'light'";
    let background = "return getComputedStyle(document.body).backgroundColor";
    browser.open(&site_url("index.html"));
    assert_eq!(browser.eval(theme), json!("light"));
    let light = browser.eval(background);
    browser.click(".theme-toggle");
    assert_eq!(browser.eval(theme), json!("dark"));
    assert_ne!(browser.eval(background), light, "dark theme not applied");
    browser.reload();
    let dark = json!("dark");
    assert_eq!(
        stored(&browser, theme, dark.clone()),
        dark,
        "not kept on reload"
    );
    browser.open(&site_url("services/s3.html"));
    assert_eq!(
        stored(&browser, theme, dark.clone()),
        dark,
        "not kept across pages"
    );
    browser.click(".theme-toggle");
    assert_eq!(browser.eval(theme), json!("light"));
    browser.reload();
    assert_eq!(stored(&browser, theme, json!("light")), json!("light"));
    assert_eq!(browser.eval(background), light);
}

// Screenshots at desktop and phone widths (kept in target/screenshots/); at phone width nothing
// makes the page scroll sideways (wide tables scroll inside their own box).
#[test]
fn screenshots_and_no_sideways_scroll_on_phones() {
    let Some(browser) = Browser::start() else {
        return;
    };
    // The page's width, and the first elements sticking out past the right edge outside any
    // scrolling box, to name them on failure.
    let overflow = "var w = arguments[0], out = [];
        document.querySelectorAll('body *').forEach(function (e) {
          var r = e.getBoundingClientRect();
          if (r.right > w + 0.5 && r.width > 0 && out.length < 5) {
            var p = e.parentElement, inside = false;
            for (; p; p = p.parentElement) { var s = getComputedStyle(p).overflowX; if (s === 'auto' || s === 'scroll' || s === 'hidden') { inside = true; break; } }
            if (!inside) out.push((e.parentElement ? e.parentElement.tagName.toLowerCase() + '.' + e.parentElement.className + ' > ' : '') + e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' right=' + Math.round(r.right));
          }
        });
        return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, out: out };";
    let mut saved = Vec::new();
    for (name, page) in [
        ("home", "index.html"),
        ("s3", "services/s3.html"),
        ("matrix", "matrix.html"),
    ] {
        for (size, width, height, mobile) in
            [("desktop", 1280, 900, false), ("phone", 390, 844, true)]
        {
            browser.viewport(width, height, mobile);
            browser.open(&site_url(page));
            saved.push(browser.screenshot(&format!("{name}-{size}")));
            // A phone widens its layout viewport to fit content that sticks out, so compare
            // with the width asked for, not just `innerWidth`.
            let v = browser.eval_with(overflow, json!([width]));
            assert!(
                v["scroll"].as_u64().is_some_and(|s| s <= u64::from(width))
                    && v["inner"] == json!(width),
                "{page} scrolls sideways at {width}px ({size}): {v}"
            );
        }
    }
    for path in &saved {
        let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 5_000, "{} is only {size} bytes", path.display());
    }
}

// Filtering the checklists hides the groups left with no item and says how many items are
// shown ("N of M items shown"); clearing the filters shows everything again.
#[test]
fn checklist_filters_count_and_hide_empty_groups() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.open(&site_url(CHECKLIST_PART));
    // Visible items and groups, the total, and the status text.
    let state = "var items = document.querySelectorAll('.check-item'), groups = document.querySelectorAll('section.checklist');
        var shown = Array.prototype.filter.call(items, function (li) { return li.getClientRects().length > 0; }).length;
        var open = Array.prototype.filter.call(groups, function (g) { return g.getClientRects().length > 0; });
        var empty = open.filter(function (g) { return !Array.prototype.some.call(g.querySelectorAll('.check-item'), function (li) { return li.getClientRects().length > 0; }); }).length;
        return { shown: shown, total: items.length, groups: groups.length, open: open.length, empty: empty,
                 status: document.querySelector('[data-filter-status]').textContent };";
    let status_of = |v: &Value| format!("{} of {} items shown", v["shown"], v["total"]);
    let all = browser.wait_for(state, |v| {
        v["status"].as_str().is_some_and(|s| !s.is_empty())
    });
    assert!(all["total"].as_u64().unwrap_or(0) > 50, "{all}");
    assert_eq!(all["shown"], all["total"], "{all}");
    assert_eq!(all["open"], all["groups"], "{all}");
    assert_eq!(all["status"], json!(status_of(&all)), "{all}");

    browser.click("select[data-filter-select=severity] option[value=critical]");
    let critical = browser.wait_for(state, |v| v["shown"] != all["shown"]);
    let shown = critical["shown"].as_u64().unwrap_or(0);
    assert!(
        shown > 0 && shown < all["total"].as_u64().unwrap_or(0),
        "{critical}"
    );
    assert_eq!(
        critical["status"],
        json!(status_of(&critical)),
        "{critical}"
    );
    assert_eq!(
        critical["empty"],
        json!(0),
        "empty groups shown: {critical}"
    );
    assert!(
        critical["open"].as_u64() < all["groups"].as_u64(),
        "no group hidden: {critical}"
    );
    let critical_only = browser.eval(
        "return Array.prototype.every.call(document.querySelectorAll('.check-item'), function (li) {
           return (li.getClientRects().length > 0) === (li.dataset.severity === 'critical'); })",
    );
    assert_eq!(critical_only, json!(true));
    browser.screenshot("checklists-filtered");
    browser.eval("document.documentElement.dataset.theme = 'dark';");
    browser.screenshot("checklists-filtered-dark");
    browser.eval("document.documentElement.dataset.theme = 'light';");

    // A control id narrows it further; nothing matching leaves no group at all.
    browser.type_into("[data-filter-text=controls]", "no-such-control");
    let none = browser.wait_for(state, |v| v["shown"] == json!(0));
    assert_eq!(none["open"], json!(0), "{none}");
    assert_eq!(none["status"], json!(status_of(&none)), "{none}");

    // Clearing both filters shows every item and group again.
    browser.eval("var c = document.querySelector('[data-filter-text=controls]'); c.value = ''; c.dispatchEvent(new Event('input'));");
    browser.click("select[data-filter-select=severity] option[value='']");
    let again = browser.wait_for(state, |v| v["shown"] == all["total"]);
    assert_eq!(again["open"], all["groups"], "{again}");
    assert_eq!(again["status"], all["status"], "{again}");
}

// The controls page reads in the body font (only the control-id badges are monospace), and a
// heading's `#` link is in the page but shows only on hover or keyboard focus.
#[test]
fn controls_font_and_heading_anchors() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.open(&site_url("controls.html"));
    let font = "return getComputedStyle(document.querySelector(arguments[0])).fontFamily";
    for selector in [
        "section.control h3",
        "section.control .control-items a",
        "main p",
    ] {
        let family = browser.eval_with(font, json!([selector]));
        assert!(
            family.as_str().is_some_and(|f| !f.contains("monospace")),
            "{selector} is monospace: {family}"
        );
    }
    browser.open(&site_url("services/s3.html"));
    let badge = browser.eval_with(font, json!(["a.badge.control"]));
    assert!(
        badge.as_str().is_some_and(|f| f.contains("monospace")),
        "{badge}"
    );
    let clip = "var a = document.querySelector('.prose h2 .anchor'); return a ? getComputedStyle(a).clipPath : null";
    assert_eq!(
        browser.eval(clip),
        json!("inset(50%)"),
        "anchor shown at rest"
    );
    // Keyboard focus shows it.
    browser.eval("document.querySelector('.prose h2 .anchor').focus();");
    assert_eq!(
        browser.eval(clip),
        json!("none"),
        "anchor hidden when focused"
    );
    browser.eval("document.activeElement.blur();");
    assert_eq!(browser.eval(clip), json!("inset(50%)"));
    // So does the pointer over its heading.
    let heading = browser.find(".prose h2");
    browser.call(
        "actions",
        json!({ "actions": [{ "type": "pointer", "id": "mouse", "actions": [
            { "type": "pointerMove", "origin": { ELEMENT: heading }, "x": 0, "y": 0 }
        ]}]}),
    );
    assert_eq!(browser.eval(clip), json!("none"), "anchor hidden on hover");
}

// The sidebar scrolls (by itself, the page stays put) to show the current page's link, from
// file://, at desktop width and in the phone menu; at 1280 px a service page's responsibility
// table gets the width the "On this page" column would take (that column folds into the text).
#[test]
fn sidebar_shows_the_current_page() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.viewport(1280, 900, false);
    browser.open(&site_url("services/s3.html"));
    let last = browser.eval(
        "var a = document.querySelectorAll('#sidebar details[open] li:not(.more) a');
         return a.length ? a[a.length - 1].href : null;",
    );
    let url = last.as_str().expect("a last service").to_owned();
    let place = "var s = document.getElementById('sidebar'), a = s.querySelector('a[aria-current=\"page\"]');
        var sb = s.getBoundingClientRect(), r = a.getBoundingClientRect();
        return { top: r.top - sb.top, bottom: r.bottom - sb.top, height: s.clientHeight,
                 scrolled: s.scrollTop, page: window.scrollY, text: a.textContent };";
    // The phone menu (390 x 844, opened with the toggle) is only photographed: under Chromium's
    // phone emulation the open menu measured taller than the screen (1596 px), so only the
    // desktop sidebar is checked.
    browser.viewport(390, 844, true);
    browser.open(&url);
    browser.click(".nav-toggle");
    browser.screenshot("sidebar-current-phone");
    {
        let size = "desktop";
        browser.viewport(1280, 900, false);
        browser.open(&url);
        let v = browser.eval(place);
        let num = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        // Without scrolling, the link would be out of sight: the check means something.
        assert!(num("top") + num("scrolled") > num("height"), "{size}: {v}");
        assert!(
            num("scrolled") > 0.0,
            "{size}: the sidebar did not scroll: {v}"
        );
        assert!(
            num("top") >= 0.0 && num("bottom") <= num("height"),
            "{size}: the current link is out of sight: {v}"
        );
        assert_eq!(v["page"], json!(0), "{size}: the page itself scrolled: {v}");
        browser.screenshot(&format!("sidebar-current-{size}"));
    }
    browser.viewport(1280, 900, false);
    browser.open(&site_url("services/s3.html"));
    let widths = browser.eval(
        "return { table: document.querySelector('.resp-table').getBoundingClientRect().width,
                  toc: getComputedStyle(document.querySelector('.toc')).display,
                  inline: getComputedStyle(document.querySelector('.toc-inline')).display };",
    );
    assert!(
        widths["table"].as_f64().is_some_and(|w| w > 900.0),
        "the table is narrow at 1280 px: {widths}"
    );
    assert_eq!(widths["inline"], json!("block"), "{widths}");
    browser.screenshot("s3-table-1280");
}

// The sidebar's lists come from nav.js: every section with its count, small sections in full,
// and in a section longer than nav.js's `full` a window of `window` notes each side of the
// current page and a link to all, none of another long section. The sizes are shrunk in the
// page so the embedded knowledge base has long sections.
#[test]
fn sidebar_lists_come_from_nav_js() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.viewport(1280, 900, false);
    browser.open(&site_url("services/s3.html"));
    let shown = "var out = {};
        document.querySelectorAll('#sidebar details[data-kind]').forEach(function (d) {
          var c = d.querySelector('summary .count');
          out[d.dataset.kind] = { count: c ? Number(c.textContent) : null,
            notes: Array.from(d.querySelectorAll('li:not(.section-index):not(.more) a')).map(function (a) { return a.textContent; }),
            current: (d.querySelector('a[aria-current=page]') || {}).textContent || null,
            more: (d.querySelector('li.more a') || {}).textContent || null };
        });
        return out;";
    let full = browser.eval(shown);
    let data = browser.eval("return window.whosecuresNavData;");
    let sections = data["sections"].as_object().expect("sections");
    for (kind, section) in sections {
        let titles: Vec<Value> = section["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .map(|n| n[1].clone())
            .collect();
        assert_eq!(full[kind]["count"], json!(titles.len()), "{kind}: {full}");
        assert_eq!(full[kind]["notes"], json!(titles), "{kind}: {full}");
        assert_eq!(full[kind]["more"], Value::Null, "{kind}: {full}");
    }
    assert_eq!(full["services"]["current"], json!("Amazon S3"), "{full}");
    // Sections of more than 5 notes now show 2 each side of the current page.
    let windowed = browser.eval(&format!(
        "var s = document.getElementById('sidebar');
         s.querySelectorAll('li:not(.section-index), summary .count').forEach(function (e) {{ e.remove(); }});
         s.removeAttribute('data-filled');
         window.whosecuresNavData.full = 5; window.whosecuresNavData.window = 2;
         window.whosecuresNav();
         {shown}"
    ));
    let services: Vec<&str> = sections["services"]["notes"]
        .as_array()
        .expect("services")
        .iter()
        .map(|n| n[1].as_str().expect("title"))
        .collect();
    let at = services.iter().position(|t| *t == "Amazon S3").expect("S3");
    assert_eq!(
        windowed["services"]["notes"],
        json!(services[at - 2..=at + 2]),
        "{windowed}"
    );
    assert_eq!(windowed["services"]["current"], json!("Amazon S3"));
    assert_eq!(
        windowed["services"]["more"],
        json!(format!("All {} \u{2192}", services.len()))
    );
    let glossary = &windowed["glossary"];
    assert_eq!(glossary["notes"], json!([]), "{windowed}");
    assert!(
        glossary["count"].as_u64().is_some_and(|n| n > 5),
        "{windowed}"
    );
    assert!(glossary["more"].as_str().is_some(), "{windowed}");
}

// The matrix at 1280 px shows every layer beside the service column (the sidebar folded behind
// its button); a cell's detail opens from the keyboard with the layer, service, owner, the row's
// note and a link to the row, and Escape closes it, back on the cell. On a phone the service
// column stays in view while the table scrolls sideways.
#[test]
fn matrix_cell_detail_by_keyboard() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.viewport(1280, 900, false);
    browser.open(&site_url("matrix.html"));
    let fit = browser.eval(
        "var wrap = document.querySelector('.matrix-wrap'), heads = document.querySelectorAll('.matrix thead th');
         var last = heads[heads.length - 1].getBoundingClientRect();
         return { scroll: wrap.scrollWidth, client: wrap.clientWidth, lastRight: Math.round(last.right),
                  columns: heads.length - 1, sidebar: document.getElementById('sidebar').getClientRects().length,
                  toggle: document.querySelector('.nav-toggle').getClientRects().length };",
    );
    assert!(fit["columns"].as_u64().unwrap_or(0) > 20, "{fit}");
    assert!(
        fit["scroll"].as_u64() <= fit["client"].as_u64() && fit["lastRight"].as_u64() <= Some(1280),
        "not every layer fits at 1280 px: {fit}"
    );
    assert_eq!(fit["sidebar"], json!(0), "sidebar shown: {fit}");
    assert_eq!(
        fit["toggle"],
        json!(1),
        "no button to open the sidebar: {fit}"
    );

    // The S3 row's "Data" cell: focused, then Enter.
    let expected = browser.eval(
        "var tr = Array.prototype.find.call(document.querySelectorAll('.matrix tbody tr'), function (tr) { return tr.cells[0].textContent.indexOf('Amazon S3') === 0; });
         var heads = document.querySelectorAll('.matrix thead th');
         var link = Array.prototype.find.call(tr.querySelectorAll('a.cell-link'), function (a) { return heads[a.parentElement.cellIndex].textContent.trim() === 'Data'; });
         link.id = 'probe'; link.focus();
         return { note: link.dataset.note, owner: link.querySelector('.cell-label').textContent, href: link.href };",
    );
    assert!(
        expected["note"].as_str().is_some_and(|n| !n.is_empty()),
        "{expected}"
    );
    browser.press("\u{E007}");
    let state = "var d = document.getElementById('cell-detail'), a = document.activeElement;
        return { shown: !!d && !d.hidden && d.getClientRects().length > 0, text: d ? d.textContent : '',
                 link: d && d.querySelector('a') ? d.querySelector('a').href : '',
                 expanded: document.getElementById('probe').getAttribute('aria-expanded'),
                 focus: a.id || a.textContent, url: location.href };";
    let open = browser.wait_for(state, |v| v["shown"] == json!(true));
    assert_eq!(open["shown"], json!(true), "{open}");
    assert_eq!(open["expanded"], json!("true"), "{open}");
    assert!(
        open["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("matrix.html")),
        "Enter navigated: {open}"
    );
    let text = open["text"].as_str().unwrap_or_default();
    for part in [
        "Data",
        "Amazon S3",
        expected["owner"].as_str().unwrap_or("?"),
        expected["note"].as_str().unwrap_or("?"),
        "the full row",
    ] {
        assert!(text.contains(part), "detail lacks {part:?}: {open}");
    }
    assert_eq!(open["link"], expected["href"], "{open}");
    assert!(
        open["link"]
            .as_str()
            .is_some_and(|l| l.ends_with("services/s3.html#layer-data")),
        "{open}"
    );
    // The owner's icon is the stylesheet's, before the cell's link and the detail's badge alike,
    // with empty alternative text: the pages do not carry it.
    let icons = browser.eval(
        "var before = function (e) { return getComputedStyle(e, '::before').content; };
         var d = document.getElementById('cell-detail');
         return { cell: before(document.getElementById('probe')), badge: before(d.querySelector('.owner')),
                  spans: document.querySelectorAll('.owner-icon').length };",
    );
    let icon = match expected["owner"].as_str() {
        Some("Provider") => "▲",
        Some("Customer") => "●",
        Some("Shared") => "◆",
        _ => "–",
    };
    assert_eq!(
        icons["cell"],
        json!(format!("\"{icon}\" / \"\"")),
        "{icons}"
    );
    assert_eq!(icons["badge"], icons["cell"], "{icons}");
    assert_eq!(icons["spans"], json!(0), "{icons}");
    // A theme whose templates still write the icon (`m::owner_icon`) shows it once: the
    // stylesheet's gives way, in a badge and in a cell alike.
    let once = browser.eval(
        "var before = function (e) { return getComputedStyle(e, '::before').content; };
         var icon = function () { var s = document.createElement('span'); s.className = 'owner-icon'; s.textContent = '◆'; return s; };
         var probe = document.getElementById('probe'), badge = document.querySelector('#cell-detail .owner');
         probe.prepend(icon()); badge.prepend(icon());
         var got = { cell: before(probe), badge: before(badge) };
         probe.firstChild.remove(); badge.firstChild.remove();
         return got;",
    );
    assert_eq!(once, json!({ "cell": "none", "badge": "none" }), "{once}");
    browser.screenshot("matrix-detail-desktop");

    // Tab reaches the detail's link; Escape closes the detail and returns to the cell.
    browser.press("\u{E004}");
    let tabbed = browser.eval(state);
    assert_eq!(
        tabbed["focus"],
        json!("Who does what: the full row →"),
        "{tabbed}"
    );
    browser.press("\u{E00C}");
    let closed = browser.wait_for(state, |v| v["shown"] == json!(false));
    assert_eq!(closed["shown"], json!(false), "{closed}");
    assert_eq!(closed["expanded"], json!("false"), "{closed}");
    assert_eq!(closed["focus"], json!("probe"), "{closed}");

    // A phone: the service column sticks while the table scrolls sideways; a tap opens a detail.
    browser.viewport(390, 844, true);
    browser.open(&site_url("matrix.html"));
    let sticky = browser.eval(
        "var wrap = document.querySelector('.matrix-wrap'); wrap.scrollLeft = 400;
         var th = document.querySelector('.matrix tbody th');
         return { scrolled: wrap.scrollLeft, left: Math.round(th.getBoundingClientRect().left), wrap: Math.round(wrap.getBoundingClientRect().left) };",
    );
    assert!(sticky["scrolled"].as_u64().unwrap_or(0) > 0, "{sticky}");
    assert_eq!(
        sticky["left"], sticky["wrap"],
        "service column scrolled away: {sticky}"
    );
    browser.eval("document.querySelector('.matrix-wrap').scrollIntoView();");
    browser.click(".matrix tbody tr:nth-child(3) td:nth-child(14) a.cell-link");
    let tapped = browser.wait_for(
        "var d = document.getElementById('cell-detail'); return !!d && !d.hidden;",
        |v| v == &json!(true),
    );
    assert_eq!(tapped, json!(true));
    browser.screenshot("matrix-detail-phone");
}

// The self-check asks who secures a layer of a service, tells right from wrong with the row's
// note and duties, links the row, keeps answers across a reload, and moves to a new question.
#[test]
fn self_check_asks_and_remembers() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.open(&site_url("self-check.html"));
    let current = "var b = document.querySelector('[data-self-check]'); return b && !b.hidden ? b.dataset.question || null : null";
    let id = browser.wait_for(current, |v| v.is_string());
    let id = id.as_str().expect("a question is asked").to_owned();
    let owner = browser.eval_with(
        "var id = arguments[0]; \
         var qs = JSON.parse(document.getElementById('self-check-data').textContent); \
         return qs.find(function (q) { return q.id === id; }).o;",
        json!([id]),
    );
    let owner = owner.as_str().expect("the question's answer").to_owned();
    let question =
        browser.eval("return document.querySelector('[data-self-check-question]').textContent");
    assert!(
        question
            .as_str()
            .is_some_and(|q| q.starts_with("Who secures ") && q.ends_with('?')),
        "{question}"
    );
    browser.click(&format!("[data-answer=\"{owner}\"]"));
    let verdict =
        browser.eval("return document.querySelector('[data-self-check-verdict]').textContent");
    assert!(
        verdict.as_str().is_some_and(|v| v.starts_with("Right: ")),
        "{verdict}"
    );
    let answer_shown =
        browser.eval("return !document.querySelector('[data-self-check-answer]').hidden");
    assert_eq!(answer_shown, json!(true));
    let row =
        browser.eval("return document.querySelector('[data-self-check-row]').getAttribute('href')");
    assert!(
        row.as_str().is_some_and(|r| r.contains(".html#layer-")),
        "{row}"
    );
    let progress = "return document.querySelector('[data-self-check-progress]').textContent";
    let text = browser.eval(progress);
    assert!(
        text.as_str()
            .is_some_and(|t| t.starts_with("1 of ") && t.ends_with(" answered, 1 right")),
        "{text}"
    );
    browser.screenshot("self-check-desktop");
    browser.viewport(390, 844, true);
    browser.screenshot("self-check-phone");
    browser.reset_viewport();

    // Kept after a reload.
    browser.reload();
    let text = stored(&browser, progress, json!(text));
    assert!(
        text.as_str().is_some_and(|t| t.starts_with("1 of ")),
        "answer lost on reload: {text}"
    );

    // The next question is another one; a wrong answer is told as such.
    browser.wait_for(current, |v| v.is_string());
    browser.click("[data-self-check-next]");
    let next = browser.eval(current);
    assert_ne!(next, json!(id), "the same question again");
    let next = next.as_str().expect("a question").to_owned();
    let right = browser.eval_with(
        "var id = arguments[0]; \
         var qs = JSON.parse(document.getElementById('self-check-data').textContent); \
         return qs.find(function (q) { return q.id === id; }).o;",
        json!([next]),
    );
    let wrong = browser.eval_with(
        "var r = arguments[0]; var b = Array.from(document.querySelectorAll('[data-answer]')).find(function (b) { return b.dataset.answer !== r; }); return b.dataset.answer;",
        json!([right]),
    );
    let wrong = wrong.as_str().expect("another owner").to_owned();
    browser.click(&format!("[data-answer=\"{wrong}\"]"));
    let verdict =
        browser.eval("return document.querySelector('[data-self-check-verdict]').textContent");
    assert!(
        verdict
            .as_str()
            .is_some_and(|v| v.starts_with("Not quite: ")),
        "{verdict}"
    );
    let text = browser.eval(progress);
    assert!(
        text.as_str()
            .is_some_and(|t| t.starts_with("2 of ") && t.ends_with(" answered, 1 right")),
        "{text}"
    );
    browser.click("[data-self-check-reset]");
}

const ESCAPE: &str = "\u{E00C}";

/// The top bar's search as a script sees it: the combobox, its options, marks, and where the
/// page is.
const SUGGEST_STATE: &str = "var b = document.getElementById('search-box'), l = document.getElementById('search-suggestions');
    var o = l ? l.querySelectorAll('[role=option]') : [];
    var popup = document.querySelector('.search-popup'), r = popup ? popup.getBoundingClientRect() : null;
    return { role: b.getAttribute('role'), expanded: b.getAttribute('aria-expanded'), options: o.length,
             marks: Array.prototype.map.call(document.querySelectorAll('#search-suggestions .result-title mark, #search-suggestions .result-snippet mark'), function (m) { return m.textContent; }),
             snippetMarks: document.querySelectorAll('#search-suggestions .result-snippet mark').length,
             active: b.getAttribute('aria-activedescendant'),
             selected: Array.prototype.map.call(o, function (li) { return li.getAttribute('aria-selected'); }),
             first: o.length ? { text: o[0].textContent, kind: o[0].querySelector('.kind-tag').textContent, href: o[0].dataset.href } : null,
             shown: !!popup && !popup.hidden && popup.getClientRects().length > 0,
             left: r ? r.left : null, right: r ? r.right : null,
             value: b.value, status: document.querySelector('.search-form [role=status]').textContent,
             focus: document.activeElement.id, url: location.href };";

/// Empties the top bar's search box (as a reader deleting the text would: an input event).
fn clear_search(browser: &Browser) {
    browser.eval(
        "var b = document.getElementById('search-box'); b.value = ''; b.dispatchEvent(new Event('input', { bubbles: true }));",
    );
}

// The top bar's search shows results as the reader types, without Enter: each with a snippet,
// the words found marked; the arrow keys pick one (announced through aria-activedescendant),
// Escape closes the list and keeps the text. A control id (`S3.1`, `fsbp:S3.1`) or a checklist
// item's id lists the items first, the exact one picked: Enter goes to the item on its page.
// On a phone the list stays on the screen.
#[test]
fn search_as_you_type() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.viewport(1280, 900, false);
    browser.open(&site_url("services/s3.html"));
    let page = browser.url();
    browser.type_into("#search-box", "encrypt");
    let shown = browser.wait_for(SUGGEST_STATE, |v| {
        v["options"].as_u64().unwrap_or(0) > 0 && v["shown"] == json!(true)
    });
    assert_eq!(shown["role"], json!("combobox"), "{shown}");
    assert_eq!(shown["expanded"], json!("true"), "{shown}");
    assert_eq!(shown["shown"], json!(true), "{shown}");
    assert_eq!(shown["url"].as_str(), Some(page.as_str()), "{shown}");
    let options = shown["options"].as_u64().unwrap_or(0);
    assert!((1..=16).contains(&options), "{shown}");
    let marks = shown["marks"].as_array().cloned().unwrap_or_default();
    assert!(!marks.is_empty(), "nothing marked: {shown}");
    assert!(
        marks.iter().all(|m| m
            .as_str()
            .is_some_and(|m| m.to_lowercase().starts_with("encrypt"))),
        "{shown}"
    );
    assert!(
        shown["snippetMarks"].as_u64().unwrap_or(0) > 0,
        "no snippet marked: {shown}"
    );
    assert!(
        shown["status"]
            .as_str()
            .is_some_and(|s| s.contains("result")),
        "{shown}"
    );
    assert_eq!(
        shown["active"],
        Value::Null,
        "picked before any key: {shown}"
    );
    browser.screenshot("search-suggest-desktop");

    // Down twice: the second option; Escape closes, the text stays.
    browser.press(&format!("{ARROW_DOWN}{ARROW_DOWN}"));
    let picked = browser.eval(SUGGEST_STATE);
    assert_eq!(picked["active"], json!("search-option-1"), "{picked}");
    assert_eq!(picked["selected"][1], json!("true"), "{picked}");
    assert_eq!(picked["selected"][0], json!("false"), "{picked}");
    browser.press(ESCAPE);
    let closed = browser.eval(SUGGEST_STATE);
    assert_eq!(closed["shown"], json!(false), "{closed}");
    assert_eq!(closed["expanded"], json!("false"), "{closed}");
    assert_eq!(closed["value"], json!("encrypt"), "{closed}");
    assert_eq!(closed["focus"], json!("search-box"), "{closed}");

    // A control id: its items first, the first one picked; Enter goes to it.
    clear_search(&browser);
    browser.type_into("#search-box", "S3.1");
    let item = browser.wait_for(SUGGEST_STATE, |v| {
        v["first"]["kind"] == json!("checklist item") && v["shown"] == json!(true)
    });
    assert_eq!(item["first"]["kind"], json!("checklist item"), "{item}");
    assert_eq!(item["selected"][0], json!("true"), "{item}");
    assert_eq!(item["active"], json!("search-option-0"), "{item}");
    assert!(
        item["first"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("fsbp:S3.1")),
        "{item}"
    );
    assert!(
        item["marks"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("S3.1"))),
        "{item}"
    );
    let href = item["first"]["href"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let id = href
        .split_once("#item-")
        .map(|(_, id)| id.to_owned())
        .unwrap_or_default();
    assert!(href.starts_with("../services/s3.html#item-"), "{item}");
    browser.screenshot("search-suggest-control-id");
    browser.press(ENTER);
    let target = browser.wait_for(
        "var t = document.querySelector(':target'); return { url: location.href, id: t ? t.dataset.id : null, item: !!t && t.classList.contains('check-item') };",
        |v| v["id"].as_str().is_some(),
    );
    assert!(
        target["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("services/s3.html#item-{id}"))),
        "{target}"
    );
    assert_eq!(target["id"], json!(id), "{target}");
    assert_eq!(target["item"], json!(true), "{target}");

    // `fsbp:S3.1` and the item's id, from another page, list the same item.
    browser.open(&site_url("index.html"));
    for typed in ["fsbp:S3.1", &id[..id.len().min(16)]] {
        clear_search(&browser);
        browser.type_into("#search-box", typed);
        let found = browser.wait_for(SUGGEST_STATE, |v| {
            v["first"]["href"]
                .as_str()
                .is_some_and(|h| h.ends_with(&format!("#item-{id}")))
        });
        assert_eq!(
            found["first"]["href"],
            json!(format!("services/s3.html#item-{id}")),
            "{typed}: {found}"
        );
    }

    // A phone: the list fits the screen.
    browser.viewport(390, 844, true);
    browser.open(&site_url("index.html"));
    browser.type_into("#search-box", "kms");
    let phone = browser.wait_for(SUGGEST_STATE, |v| v["shown"] == json!(true));
    assert_eq!(phone["shown"], json!(true), "{phone}");
    // A plain word is not an id being typed: notes first, not the items whose ids start so.
    assert_ne!(phone["first"]["kind"], json!("checklist item"), "{phone}");
    assert!(
        phone["left"].as_f64().unwrap_or(-1.0) >= 0.0
            && phone["right"].as_f64().unwrap_or(999.0) <= 390.0,
        "{phone}"
    );
    browser.screenshot("search-suggest-phone");
}

// Every code block and checklist `verify` command has a "Copy" button over its corner (the
// block keeps its size); clicking one copies the code (or, where the page may not use the
// clipboard, selects it), says so on the button and through a live region, then reads "Copy"
// again.
#[test]
fn copy_buttons() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.viewport(1280, 900, false);
    browser.open(&site_url("services/s3.html"));
    let layout = browser.eval(
        "var pres = document.querySelectorAll('main pre'), out = { pres: pres.length, buttons: 0, verify: 0, bad: [] };
         pres.forEach(function (pre) {
           var wrap = pre.parentElement, b = wrap.querySelector(':scope > .copy-button');
           if (!b) { out.bad.push('no button'); return; }
           out.buttons++;
           if (pre.closest('details.verify')) out.verify++;
           if (b.textContent !== 'Copy' || b.type !== 'button') out.bad.push(b.outerHTML);
           if (getComputedStyle(b).position !== 'absolute') out.bad.push('not over the block');
           if (pre.getClientRects().length && wrap.offsetHeight !== pre.offsetHeight) out.bad.push('wrapper ' + wrap.offsetHeight + ' != ' + pre.offsetHeight);
         });
         return out;",
    );
    assert!(layout["pres"].as_u64().unwrap_or(0) > 2, "{layout}");
    assert_eq!(layout["buttons"], layout["pres"], "{layout}");
    assert!(layout["verify"].as_u64().unwrap_or(0) > 0, "{layout}");
    assert_eq!(layout["bad"], json!([]), "{layout}");

    // Let the page use the clipboard where Chromium allows it (headless may not: then the
    // code is selected instead, which is checked below).
    let _ = browser.command(
        "goog/cdp/execute",
        json!({ "cmd": "Browser.grantPermissions", "params": {
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"] } }),
    );
    browser.eval(
        "var pre = Array.prototype.find.call(document.querySelectorAll('main pre'), function (p) { return !p.closest('details'); });
         pre.id = 'probe'; pre.scrollIntoView({ block: 'center' });",
    );
    browser.click("#probe + .copy-button");
    let state = "var b = document.querySelector('#probe + .copy-button'), live = document.querySelector('body > [aria-live]');
        return { state: b.dataset.state || '', text: b.textContent, live: live ? live.textContent : null,
                 selected: String(window.getSelection()), code: document.querySelector('#probe code').textContent,
                 focus: document.activeElement === b };";
    let copied = browser.wait_for(state, |v| v["live"].as_str().is_some_and(|l| !l.is_empty()));
    let how = copied["state"].as_str().unwrap_or_default().to_owned();
    assert!(how == "copied" || how == "selected", "{copied}");
    assert_eq!(
        copied["text"],
        json!(if how == "copied" {
            "Copied"
        } else {
            "Selected"
        })
    );
    assert_eq!(copied["focus"], json!(true), "{copied}");
    if how == "copied" {
        assert_eq!(copied["live"], json!("Copied"), "{copied}");
        let read = browser.eval_async(
            "var done = arguments[arguments.length - 1];
             navigator.clipboard.readText().then(done, function (e) { done({ error: String(e) }); });",
            json!([]),
        );
        if let Some(text) = read.as_str() {
            assert_eq!(json!(text), copied["code"], "clipboard");
        } else {
            eprintln!("clipboard not readable here: {read}");
        }
    } else {
        assert_eq!(copied["selected"], copied["code"], "{copied}");
    }
    browser.screenshot("copy-button-copied");
    let reset = browser.wait_for(state, |v| v["text"] == json!("Copy"));
    assert_eq!(reset["text"], json!("Copy"), "{reset}");
    assert_eq!(reset["state"], json!(""), "{reset}");
}

// Escape closes the side panel the ☰ button opens (the matrix's navigation at any width),
// returning to the button; with a cell's detail open, Escape closes the detail first.
#[test]
fn escape_closes_the_side_panel() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.viewport(1280, 900, false);
    browser.open(&site_url("matrix.html"));
    let state = "var s = document.getElementById('sidebar'), t = document.querySelector('.nav-toggle'), d = document.getElementById('cell-detail');
        return { open: s.classList.contains('open'), shown: s.getClientRects().length > 0, expanded: t.getAttribute('aria-expanded'),
                 focus: document.activeElement === t, detail: !!d && !d.hidden };";
    browser.click(".nav-toggle");
    let open = browser.eval(state);
    assert_eq!(open["shown"], json!(true), "{open}");
    assert_eq!(open["expanded"], json!("true"), "{open}");
    browser.eval("document.querySelector('#sidebar a').focus();");
    browser.press(ESCAPE);
    let closed = browser.eval(state);
    assert_eq!(closed["shown"], json!(false), "{closed}");
    assert_eq!(closed["expanded"], json!("false"), "{closed}");
    assert_eq!(closed["focus"], json!(true), "{closed}");

    // The panel open and a cell's detail open: the first Escape closes the detail only.
    browser.click(".nav-toggle");
    browser.eval("document.querySelector('a.cell-link').click();");
    let both = browser.eval(state);
    assert_eq!(
        (both["open"].clone(), both["detail"].clone()),
        (json!(true), json!(true)),
        "{both}"
    );
    browser.press(ESCAPE);
    let first = browser.eval(state);
    assert_eq!(
        (first["open"].clone(), first["detail"].clone()),
        (json!(true), json!(false)),
        "{first}"
    );
    browser.press(ESCAPE);
    assert_eq!(browser.eval(state)["open"], json!(false));
}

/// The `evidence` fixture (three items; `[org]` teams only the `data` layer) built into a
/// scratch directory; returns it and the `file://` URL of its site.
fn evidence_site() -> (SiteTest, String) {
    let t = SiteTest::new("minimal");
    t.add("evidence");
    t.ok(&["build"]);
    let url = format!("file://{}/site/", t.dir.display());
    (t, url)
}

/// A part of the embedded knowledge base's checklists, which are split (see
/// `split_checklists_index_counts_and_exports_every_tick`).
const CHECKLIST_PART: &str = "checklists/services-1.html";

// The embedded checklists are split: `checklists.html` lists the parts (the first is
// `CHECKLIST_PART`), counts the ticks this browser holds across them, and its JSON export
// carries every tick, from any part, for `export --checklist --progress`; its import takes ids
// from every part.
#[test]
fn split_checklists_index_counts_and_exports_every_tick() {
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.open(&site_url("checklists.html"));
    let links = browser.eval(
        "return Array.prototype.map.call(document.querySelectorAll('[data-parts-index] a'), function (a) { return a.getAttribute('href'); })",
    );
    let links: Vec<&str> = links
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(links.len() >= 2, "{links:?}");
    assert_eq!(links[0], CHECKLIST_PART);
    // Tick one item on the first part and one on the last.
    browser.eval("localStorage.clear();");
    let mut ids = Vec::new();
    for part in [links[0], links[links.len() - 1]] {
        browser.open(&site_url(part));
        let id = browser
            .eval("var b = document.querySelector('.check-box'); b.click(); return b.dataset.id");
        ids.push(id.as_str().expect("an item").to_owned());
    }
    browser.open(&site_url("checklists.html"));
    let count = "return document.querySelector('[data-progress-stored]').textContent";
    // The last part's tick can reach this page's renderer late: reload until it shows.
    let text = stored_until(&browser, count, |v| first_number(v) == Some(2));
    assert_eq!(first_number(&text), Some(2), "{text}");
    let json: Value = serde_json::from_str(&exported(&browser, "json")).expect("JSON export");
    let exported_ids: Vec<&str> = json["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_str()).collect())
        .unwrap_or_default();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(exported_ids, want);
    assert!(
        json["items"][0]["done"] == json!(true)
            && json["items"][0]["ticked"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
        "{json}"
    );
    browser.eval("localStorage.clear();");
}

/// The text of the file the export button `kind` would download, caught before it is saved.
fn exported(browser: &Browser, kind: &str) -> String {
    let script = "var done = arguments[1], make = URL.createObjectURL;
        URL.createObjectURL = function (blob) { URL.createObjectURL = make; blob.text().then(done); return 'data:,'; };
        document.querySelector('[data-export=\"' + arguments[0] + '\"]').click();";
    let value = browser.eval_async(script, json!([kind]));
    value
        .as_str()
        .unwrap_or_else(|| panic!("no export: {value}"))
        .to_owned()
}

/// What the checklists page keeps: the ticks and the reviewers, as JSON text.
const KEPT: &str = "return [localStorage.getItem('whosecures-checks'), localStorage.getItem('whosecures-check-reviewers')].join(' | ')";

// Import on the checklists page: a progress file's ticks merge by id (a later tick wins, a tick
// only here stays), the status names the ids the site does not have, a malformed file is an error
// that changes nothing; the exports carry each tick's time and reviewer and read back.
#[test]
fn checklist_import_merges_and_names_unknown_ids() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let (t, site) = evidence_site();
    browser.open(&format!("{site}checklists.html"));
    // A tick held here between the JSON file's (12-01) and the CSV file's (12-03).
    browser.eval("localStorage.setItem('whosecures-checks', JSON.stringify({'widget-encrypt': '2026-12-02T00:00:00.000Z'}));");
    browser.reload();
    let ticked =
        |id: &str| format!("return document.querySelector('.check-box[data-id=\"{id}\"]').checked");
    assert_eq!(
        stored(&browser, &ticked("widget-encrypt"), json!(true)),
        json!(true)
    );
    // A tick made with a reviewer named records the reviewer.
    browser.type_into("[data-reviewer]", "Cy");
    browser.click(".check-box[data-id=\"gadget-patch\"]");
    let status = "return document.querySelector('[data-import-status]').textContent";
    let import = |file: &str, want: &str| {
        browser.type_into("[data-import]", &t.dir.join(file).display().to_string());
        browser.wait_for(status, |v| v.as_str().is_some_and(|s| s.contains(want)))
    };

    let text = import("progress.json", "gone-item");
    assert_eq!(
        text,
        json!("Imported 0 ticks; 1 already ticked here as late or later, kept; 1 id unknown to this site: gone-item.")
    );
    // gadget-patch is not done in the file: it stays ticked here.
    assert_eq!(browser.eval(&ticked("gadget-patch")), json!(true));
    assert_eq!(browser.eval(&ticked("widget-encrypt")), json!(true));

    let text = import("progress.csv", "old-item");
    assert_eq!(
        text,
        json!("Imported 2 ticks; 1 id unknown to this site: old-item.")
    );
    let kept: Value = browser.eval("return [JSON.parse(localStorage.getItem('whosecures-checks')), JSON.parse(localStorage.getItem('whosecures-check-reviewers'))]");
    assert_eq!(kept[0]["widget-encrypt"], "2026-12-03T14:30:00.000Z");
    assert_eq!(kept[0]["gadget-backup"], "2026-11-28T12:00:00.000Z");
    assert!(kept[0]["gadget-patch"].as_str().is_some(), "{kept}");
    assert_eq!(
        kept[1],
        json!({"widget-encrypt": "Bo", "gadget-backup": "Bo, QA", "gadget-patch": "Cy"})
    );
    assert_eq!(browser.eval(&ticked("gadget-backup")), json!(true));
    assert_eq!(
        first_number(
            &browser.eval("return document.querySelector('[data-progress-overall]').textContent")
        ),
        Some(3)
    );

    // A malformed file: an error naming the line, nothing changed.
    let before = browser.eval(KEPT);
    let text = import("bad.csv", "Could not import");
    assert_eq!(
        text,
        json!("Could not import bad.csv: line 3: done is \u{201c}maybe\u{201d}, not true or false. Nothing was changed.")
    );
    assert_eq!(browser.eval("return document.querySelector('[data-import-status]').classList.contains('import-error')"), json!(true));
    assert_eq!(browser.eval(KEPT), before);

    // The exports carry the evidence, and the command line reads them back.
    let json_text = exported(&browser, "json");
    let doc: Value = serde_json::from_str(&json_text).expect("JSON export");
    assert_eq!(doc["format"], "whosecures-progress/1");
    assert_eq!(doc["reviewer"], "Cy");
    let widget = doc["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == "widget-encrypt"))
        .expect("widget-encrypt in the export");
    assert_eq!(
        (
            &widget["done"],
            &widget["ticked"],
            &widget["reviewer"],
            &widget["team"]
        ),
        (
            &json!(true),
            &json!("2026-12-03T14:30:00.000Z"),
            &json!("Bo"),
            &json!("Data Platform")
        )
    );
    let csv_text = exported(&browser, "csv");
    assert!(
        csv_text.starts_with("id,title,severity,controls,done,team,ticked,reviewer\n"),
        "{csv_text}"
    );
    assert!(csv_text.contains("\"gadget-backup\",\"Back up every gadget\",\"low\",\"\",\"true\",\"Data Platform\",\"2026-11-28T12:00:00.000Z\",\"Bo, QA\""), "{csv_text}");
    let md = exported(&browser, "markdown");
    assert!(md.contains("- [x] Encrypt every widget (`widget-encrypt`) \u{2014} ticked 2026-12-03T14:30:00.000Z by Bo"), "{md}");
    for (name, text) in [("page.json", &json_text), ("page.csv", &csv_text)] {
        fs::write(t.dir.join(name), text).expect("write export");
        let out = t.ok(&["export", "--checklist", "--progress", name, "-f", "csv"]);
        let merged = crate::stdout(&out);
        assert!(
            merged.contains("2026-12-03T14:30:00.000Z,Bo"),
            "{name}: {merged}"
        );
        assert!(
            crate::stderr(&out).is_empty(),
            "{name}: {}",
            crate::stderr(&out)
        );
    }
}

// The attestation page groups items by the team owning their layer ("No team named" last),
// shows each one's state, tick date and reviewer from this browser and per-team counts; the
// filter narrows it to one team; printed, it has no navigation or tools and one team per page.
#[test]
fn attestation_by_team_prints_one_team_per_page() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let (_t, site) = evidence_site();
    browser.open(&format!("{site}attestation.html"));
    browser.eval("localStorage.setItem('whosecures-checks', JSON.stringify({'widget-encrypt': '2026-12-03T14:30:00.000Z'}));
                  localStorage.setItem('whosecures-check-reviewers', JSON.stringify({'widget-encrypt': 'Bo'}));");
    browser.reload();
    let state = "var r = document.querySelector('[data-attest-item][data-id=\"widget-encrypt\"]'); return r ? r.querySelector('[data-state]').textContent : null";
    assert_eq!(stored(&browser, state, json!("Done")), json!("Done"));
    let groups = browser.eval(
        "return Array.prototype.map.call(document.querySelectorAll('[data-attest-team]'), function (s) {
           return [s.querySelector('h2').firstChild.textContent.trim(), s.querySelector('[data-attest-count]').textContent,
                   Array.prototype.map.call(s.querySelectorAll('[data-attest-item]'), function (r) {
                     return [r.dataset.id, r.querySelector('[data-state]').textContent, r.querySelector('[data-ticked]').textContent, r.querySelector('[data-reviewer]').textContent].join('|'); })]; })",
    );
    assert_eq!(
        groups,
        json!([
            [
                "Data Platform",
                "1 of 2 done",
                [
                    "gadget-backup|Open||",
                    "widget-encrypt|Done|2026-12-03 14:30 UTC|Bo"
                ]
            ],
            ["No team named", "0 of 1 done", ["gadget-patch|Open||"]]
        ])
    );
    assert_eq!(
        browser.eval("return document.querySelector('[data-attest-item][data-id=\"widget-encrypt\"] time').dateTime"),
        json!("2026-12-03T14:30:00.000Z")
    );
    assert_eq!(
        browser.eval("return document.querySelectorAll('.sign-off').length"),
        json!(2)
    );

    // Printed: no navigation, tools or buttons; each team after the first on a new page.
    let print = |media: &str| {
        browser.command(
            "goog/cdp/execute",
            json!({ "cmd": "Emulation.setEmulatedMedia", "params": { "media": media } }),
        )
    };
    print("print");
    let printed = "var css = function (q) { var e = document.querySelector(q); return getComputedStyle(e); };
        var teams = document.querySelectorAll('[data-attest-team]');
        return [matchMedia('print').matches, css('.topbar').display, css('.sidebar').display, css('.attest-tools').display,
                css('.footer').display, getComputedStyle(teams[0]).breakBefore, getComputedStyle(teams[1]).breakBefore]";
    assert_eq!(
        browser.eval(printed),
        json!([true, "none", "none", "none", "none", "auto", "page"])
    );
    print("");
    assert_eq!(
        browser.eval("return matchMedia('print').matches"),
        json!(false)
    );
    assert_eq!(
        browser.eval("return getComputedStyle(document.querySelector('.attest-tools')).display"),
        json!("flex")
    );

    // The filter: one team, which then prints first (no page break before it).
    browser.eval("var f = document.querySelector('[data-attest-filter]'); f.value = 'team-no-team-named'; f.dispatchEvent(new Event('change'));");
    assert_eq!(
        browser.eval("return Array.prototype.map.call(document.querySelectorAll('[data-attest-team]'), function (s) { return s.hidden; })"),
        json!([true, false])
    );
    assert_eq!(
        browser.eval("return document.querySelector('[data-attest-status]').textContent"),
        json!("0 of 1 items done in 1 group.")
    );
    print("print");
    assert_eq!(
        browser.eval("return getComputedStyle(document.querySelectorAll('[data-attest-team]')[1]).breakBefore"),
        json!("auto")
    );
    print("");
}
