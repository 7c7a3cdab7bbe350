//! Accessibility: every page of the built embedded knowledge base passes axe-core in headless
//! Chromium, in the light and the dark theme, with no `serious` or `critical` violation.
//!
//! axe-core comes from npm (`.ci/run` installs it under `target/a11y-tools/`, or point
//! `WHOSECURES_AXE` at `axe.min.js`); pages are opened from disk through `file://`. Skipped with
//! a message when axe-core or Chromium is missing, unless `CI` or `WHOSECURES_A11Y` is set.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::browser::{embedded_site, required, site_url, Browser};

/// Impacts that fail the check; `moderate` and `minor` ones are printed only.
const FAILING: [&str; 2] = ["serious", "critical"];

/// A page in a state beyond "just loaded at desktop width".
struct State<'a> {
    /// The URL relative to the site.
    page: &'a str,
    /// At phone width (390 x 844) rather than the desktop window.
    phone: bool,
    /// A script returning true once the page is ready for `setup`.
    ready: &'static str,
    /// A script bringing the page into the state.
    setup: &'static str,
}

const STATES: [State<'static>; 8] = [
    // The top bar's results as the reader types a control id, the first (its item) picked.
    State {
        page: "services/s3.html",
        phone: false,
        ready: "var b = document.getElementById('search-box');
                if (b.value !== 'S3.1') { b.focus(); b.value = 'S3.1'; b.dispatchEvent(new Event('input', { bubbles: true })); }
                return document.querySelectorAll('#search-suggestions [aria-selected=true]').length === 1;",
        setup: "",
    },
    // A code block's Copy button just used.
    State {
        page: "services/s3.html",
        phone: false,
        ready: "",
        setup: "document.querySelector('main .copy-button').click();",
    },
    // Search results, the second one picked with the arrow keys.
    State {
        page: "search.html?q=s3",
        phone: false,
        ready: "return document.querySelectorAll('.search-results li').length > 1",
        setup: "var b = document.getElementById('search-page-box');
                for (var i = 0; i < 2; i++) b.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));",
    },
    // A ticked checklist item (struck through) and the progress text.
    State {
        page: "checklists/services-1.html",
        phone: false,
        ready: "",
        setup: "document.querySelector('.check-box').click();",
    },
    // The attestation page narrowed to one group, an item in it ticked (state, date, count).
    State {
        page: "attestation.html",
        phone: false,
        ready: "",
        setup: "var f = document.querySelector('[data-attest-filter]'), row = document.querySelector('[data-attest-item]');
                var ticks = {}; ticks[row.dataset.id] = new Date().toISOString();
                localStorage.setItem('whosecures-checks', JSON.stringify(ticks));
                f.value = f.options[1].value; f.dispatchEvent(new Event('change'));",
    },
    // The phone navigation drawer open.
    State {
        page: "index.html",
        phone: true,
        ready: "",
        setup: "document.querySelector('.nav-toggle').click();",
    },
    // A matrix cell's detail open (a click, as a tap or Enter would).
    State {
        page: "matrix.html",
        phone: false,
        ready: "",
        setup: "document.querySelector('a.cell-link').click();",
    },
    // A responsibility table stacked into cards on a phone.
    State {
        page: "services/s3.html",
        phone: true,
        ready: "",
        setup: "",
    },
];

fn axe_path() -> PathBuf {
    match std::env::var_os("WHOSECURES_AXE") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("target directory")
            .join("a11y-tools/node_modules/axe-core/axe.min.js"),
    }
}

/// The text of each finding.
fn lines_of(found: &[(bool, String)]) -> Vec<&str> {
    found.iter().map(|(_, line)| line.as_str()).collect()
}

/// `target/a11y-report.txt`.
fn report_path() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target directory")
        .join("a11y-report.txt")
}

/// The version in axe-core's banner (`/*! axe v4.14.1`).
fn version(source: &str) -> &str {
    source
        .split("axe v")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("?")
}

fn html_pages(dir: &Path, rel: &str, out: &mut Vec<String>) {
    for entry in fs::read_dir(dir).expect("read site") {
        let entry = entry.expect("directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{rel}{name}");
        if entry.file_type().expect("file type").is_dir() {
            html_pages(&entry.path(), &format!("{path}/"), out);
        } else if name.ends_with(".html") {
            out.push(path);
        }
    }
}

/// Runs axe-core (already injected) on the open page; returns its violations.
fn axe(browser: &Browser, only_contrast: bool) -> Vec<Value> {
    let options = if only_contrast {
        json!({ "resultTypes": ["violations"], "runOnly": ["color-contrast"] })
    } else {
        json!({ "resultTypes": ["violations"] })
    };
    let result = browser.eval_async(
        "var done = arguments[arguments.length - 1];
         window.axe.run(document, arguments[0]).then(
           function (r) { done(r.violations); },
           function (e) { done({ error: String(e) }); });",
        json!([options]),
    );
    result
        .as_array()
        .unwrap_or_else(|| panic!("axe failed: {result}"))
        .clone()
}

/// One line per violation: page, rule, impact, what to do, and the first offending elements.
fn describe(page: &str, theme: &str, v: &Value) -> String {
    let nodes = v["nodes"].as_array().map(Vec::as_slice).unwrap_or_default();
    let targets: Vec<String> = nodes
        .iter()
        .take(3)
        .map(|n| {
            format!(
                "{} ({})",
                n["target"],
                n["failureSummary"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('\n', " ")
            )
        })
        .collect();
    format!(
        "{page} [{theme}] {} ({}): {} on {} element(s): {}",
        v["id"].as_str().unwrap_or_default(),
        v["impact"].as_str().unwrap_or_default(),
        v["help"].as_str().unwrap_or_default(),
        nodes.len(),
        targets.join("; ")
    )
}

/// Checks one page state in both themes: every rule in the light theme, then colour contrast
/// again in the dark one (on the same document, so each page loads once).
fn check(browser: &Browser, source: &str, state: &State<'_>) -> Vec<(bool, String)> {
    let start = Instant::now();
    if state.phone {
        browser.viewport(390, 844, true);
    } else {
        browser.reset_viewport();
    }
    browser.open(&site_url(state.page));
    let page = if state.phone {
        format!("{} (phone)", state.page)
    } else {
        state.page.to_owned()
    };
    if !state.ready.is_empty() {
        let ready = browser.wait_for(state.ready, |v| *v == json!(true));
        assert_eq!(ready, json!(true), "{page}: never ready: {}", state.ready);
    }
    if !state.setup.is_empty() {
        let r = browser.eval(state.setup);
        assert!(r.get("error").is_none(), "{page}: {}: {r}", state.setup);
    }
    let loaded = browser.eval(&format!("{source}\n;return typeof window.axe;"));
    assert_eq!(loaded, json!("object"), "axe-core did not load on {page}");
    let mut found = Vec::new();
    for theme in ["light", "dark"] {
        if theme == "dark" {
            browser.eval("document.documentElement.dataset.theme = 'dark';");
        }
        for v in axe(browser, theme == "dark") {
            let failing = FAILING.contains(&v["impact"].as_str().unwrap_or_default());
            found.push((failing, describe(&page, theme, &v)));
        }
    }
    let took = start.elapsed();
    if took > Duration::from_secs(5) {
        eprintln!("axe: {page} took {:.1}s", took.as_secs_f64());
    }
    found
}

#[test]
fn every_page_passes_axe() {
    let path = axe_path();
    let Ok(source) = fs::read_to_string(&path) else {
        assert!(
            !required(),
            "CI must install axe-core: {} is missing",
            path.display()
        );
        eprintln!(
            "skipping: {} missing (npm install --prefix target/a11y-tools axe-core)",
            path.display()
        );
        return;
    };
    let started = Instant::now();
    let site = embedded_site();
    let mut pages = Vec::new();
    html_pages(site, "", &mut pages);
    assert!(pages.len() > 100, "only {} pages built", pages.len());
    // Biggest first, so that the workers finish together.
    let size = |p: &String| fs::metadata(site.join(p)).map(|m| m.len()).unwrap_or(0);
    pages.sort_by_key(|p| (std::cmp::Reverse(size(p)), p.clone()));
    let loaded: Vec<State> = pages
        .iter()
        .map(|p| State {
            page: p,
            phone: false,
            ready: "",
            setup: "",
        })
        .collect();
    let jobs: Vec<&State<'_>> = loaded.iter().chain(&STATES).collect();

    // A browser per core (two on CI), each taking the next page.
    let workers = std::env::var("WHOSECURES_A11Y_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get().min(4)));
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    let started_browsers = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let Some(browser) = Browser::start() else {
                    return;
                };
                started_browsers.fetch_add(1, Ordering::SeqCst);
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(state) = jobs.get(i) else {
                        break;
                    };
                    let result = check(&browser, &source, state);
                    found.lock().expect("results").extend(result);
                }
            });
        }
    });
    if started_browsers.load(Ordering::SeqCst) == 0 {
        return; // Chromium is not installed: Browser::start said so.
    }
    assert!(
        next.load(Ordering::SeqCst) >= jobs.len(),
        "not every page was checked"
    );
    let mut found = found.into_inner().expect("results");
    found.sort();
    let (failures, notes): (Vec<_>, Vec<_>) = found.into_iter().partition(|(failing, _)| *failing);
    let summary = format!(
        "axe-core {}: {} pages + {} states, light and dark: {} serious/critical, {} other violations ({workers} browsers, {:.1}s)",
        version(&source),
        pages.len(),
        STATES.len(),
        failures.len(),
        notes.len(),
        started.elapsed().as_secs_f64()
    );
    // The full report, kept with the screenshots (CI keeps target/); the summary line last.
    let report = [
        lines_of(&failures),
        lines_of(&notes),
        vec![summary.as_str()],
    ]
    .concat();
    let _ = fs::write(report_path(), report.join("\n") + "\n");
    for line in lines_of(&notes) {
        eprintln!("axe (not failing): {line}");
    }
    eprintln!("{summary}");
    assert!(
        failures.is_empty(),
        "{} serious or critical axe-core violation(s):\n{}",
        failures.len(),
        lines_of(&failures).join("\n")
    );
}
