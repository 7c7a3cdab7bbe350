//! The preview's HTTP side: serves the in-memory site with tiny_http, gzipped to browsers that
//! accept it, injects the live-reload script and the diagnostics overlay into HTML responses,
//! holds a request for a page not rendered yet until the rebuild loop has rendered it, and parks
//! reload waiters until the build generation moves. Never touches the filesystem, so no request
//! can reach a file that is not part of the site.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{mpsc, Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tiny_http::{Header, Request, Response, StatusCode};

use super::stored::Stored;
use crate::render::escape;

/// The URL prefix of the preview's own endpoints; no site file can live there.
pub const PREFIX: &str = "/__whosecures/";

/// How long a reload waiter is parked before it is answered anyway (browsers then ask again).
pub const WAIT: Duration = Duration::from_secs(20);

/// The site as currently published.
#[derive(Debug, Default)]
pub struct Published {
    /// URL path (`services/s3.html`) → the file, or a page not rendered yet.
    pub files: HashMap<String, Slot>,
    /// Moves on every rebuild, failed or not.
    pub generation: u64,
    /// Diagnostic lines of the last rebuild when it failed; empty when the site is up to date.
    pub errors: Vec<String>,
    /// The files made from every note (search index, `kb.json`) are still to come: an address
    /// not found may yet be.
    pub incomplete: bool,
}

/// A file of the published site.
#[derive(Debug, Clone)]
pub enum Slot {
    /// Its bytes, deflated.
    Ready(Arc<Stored>),
    /// A page the site has that is not rendered yet, or is to be rendered again after a change:
    /// a request for it waits (see `Shared::file`) while the site has no errors, and is answered
    /// with them otherwise. What it held before is kept, for when it renders the same (`restore`).
    Pending(Option<Arc<Stored>>),
}

/// A browser waiting for the next generation.
struct Waiter {
    request: Request,
    since: u64,
    parked: Instant,
}

/// State shared by the HTTP workers, the waiter sweeper and the rebuild loop.
#[derive(Default)]
pub struct Shared {
    site: RwLock<Published>,
    waiters: Mutex<Vec<Waiter>>,
    /// The host names requests may carry (see `host_allowed`); empty: any.
    hosts: Vec<String>,
    /// Counts changes to `site`; requests held for a page wait on `changed` for it to move.
    changes: Mutex<u64>,
    changed: Condvar,
    /// Where a held request asks for its page (the rebuild loop renders it next).
    wanted: Mutex<Option<mpsc::Sender<String>>>,
}

impl Shared {
    /// Answers only requests whose `Host` is one of `hosts` (names or addresses, without a port).
    pub fn with_hosts(hosts: Vec<String>) -> Shared {
        Shared {
            hosts,
            ..Shared::default()
        }
    }

    /// Where requests for pages not rendered yet are sent (their URLs, `index.html` for `/`).
    pub fn ask_with(&self, wanted: mpsc::Sender<String>) {
        *self.wanted.lock().unwrap_or_else(|e| e.into_inner()) = Some(wanted);
    }

    /// Applies a rebuild: replaces or updates files, records the pages to come (`pending`) and
    /// errors, bumps the generation and answers every waiter.
    pub fn publish(
        &self,
        files: Vec<(String, Vec<u8>)>,
        pending: &[String],
        removed: &[String],
        replace_all: bool,
        errors: Vec<String>,
    ) {
        let Kept(files) = keep(files);
        let generation = {
            let mut site = self.site.write().unwrap_or_else(|e| e.into_inner());
            if replace_all {
                site.files.clear();
            }
            for url in removed {
                site.files.remove(url);
            }
            for url in pending {
                let held = match site.files.remove(url) {
                    Some(Slot::Ready(stored)) => Some(stored),
                    Some(Slot::Pending(held)) => held,
                    None => None,
                };
                site.files.insert(url.clone(), Slot::Pending(held));
            }
            site.files.extend(files);
            site.errors = errors;
            site.generation += 1;
            site.generation
        };
        self.moved();
        self.wake(|since, _| since < generation);
    }

    /// Replaces files without moving the generation (pages rendered in the background, derived
    /// files that no open page shows).
    pub fn update(&self, files: Vec<(String, Vec<u8>)>, removed: &[String]) {
        self.put(keep(files), removed);
    }

    /// Serves again what pages to be rendered again held, now that they rendered the same (their
    /// fingerprint was the one published: `Output::kept`).
    pub fn restore(&self, kept: &[String]) {
        if kept.is_empty() {
            return;
        }
        {
            let mut site = self.site.write().unwrap_or_else(|e| e.into_inner());
            for url in kept {
                if let Some(slot) = site.files.get_mut(url) {
                    if let Slot::Pending(held) = slot {
                        if let Some(stored) = held.take() {
                            *slot = Slot::Ready(stored);
                        }
                    }
                }
            }
        }
        self.moved();
    }

    /// `update` with files already deflated (`keep`), off the rebuild loop.
    pub fn put(&self, files: Kept, removed: &[String]) {
        let Kept(files) = files;
        {
            let mut site = self.site.write().unwrap_or_else(|e| e.into_inner());
            for url in removed {
                site.files.remove(url);
            }
            site.files.extend(files);
        }
        self.moved();
    }

    /// Records whether the derived files are still to come; once not, a request for an address
    /// the site does not have is answered 404 instead of held.
    pub fn settle(&self, incomplete: bool) {
        {
            let mut site = self.site.write().unwrap_or_else(|e| e.into_inner());
            if site.incomplete == incomplete {
                return;
            }
            site.incomplete = incomplete;
        }
        self.moved();
    }

    /// The files kept and the bytes they hold, and the bytes they would be whole.
    pub fn kept(&self) -> (usize, usize, usize) {
        let site = self.site.read().unwrap_or_else(|e| e.into_inner());
        site.files
            .values()
            .filter_map(|slot| match slot {
                Slot::Ready(stored) | Slot::Pending(Some(stored)) => {
                    Some((1, stored.kept(), stored.size()))
                }
                Slot::Pending(None) => None,
            })
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
    }

    /// Wakes requests held for a page.
    fn moved(&self) {
        *self.changes.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.changed.notify_all();
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.site
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .generation
    }

    /// Answers waiters for which `due(since, parked)` holds.
    fn wake(&self, due: impl Fn(u64, Instant) -> bool) {
        let ready: Vec<Waiter> = {
            let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
            let (ready, keep) = std::mem::take(&mut *waiters)
                .into_iter()
                .partition(|w| due(w.since, w.parked));
            *waiters = keep;
            ready
        };
        if ready.is_empty() {
            return;
        }
        let body = self.state_json();
        for waiter in ready {
            let _ = waiter.request.respond(json(&body));
        }
    }

    /// Answers waiters parked longer than `WAIT`.
    pub fn sweep(&self) {
        let now = Instant::now();
        self.wake(|_, parked| now.duration_since(parked) >= WAIT);
    }

    fn state_json(&self) -> String {
        let site = self.site.read().unwrap_or_else(|e| e.into_inner());
        format!(
            "{{\"generation\":{},\"errors\":{}}}",
            site.generation,
            site.errors.len()
        )
    }

    /// Handles one request to completion, or parks it (reload waiters).
    pub fn handle(&self, request: Request) {
        let host = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str().to_owned());
        if !host_allowed(host.as_deref(), &self.hosts) {
            let _ = request.respond(text(
                403,
                "forbidden: this preview answers only its own address (whosecures serve \
                 --allow-host NAME adds a name)",
            ));
            return;
        }
        let target = request.url().to_owned();
        match route(&target) {
            Route::Invalid => {
                let _ = request.respond(text(400, "bad request: invalid path"));
            }
            Route::Wait { since } => {
                if since < self.generation() {
                    let _ = request.respond(json(&self.state_json()));
                } else {
                    let waiter = Waiter {
                        request,
                        since,
                        parked: Instant::now(),
                    };
                    self.waiters
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(waiter);
                    // A publish between the check and the push would otherwise be missed.
                    let generation = self.generation();
                    self.wake(|s, _| s < generation);
                }
            }
            Route::Script => {
                let _ = request.respond(
                    Response::from_string(LIVE_JS)
                        .with_header(header("Content-Type", "text/javascript; charset=utf-8"))
                        .with_header(header("Cache-Control", "no-store")),
                );
            }
            Route::File(path) => {
                let gzip = accepts_gzip(
                    request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("Accept-Encoding"))
                        .map(|h| h.value.as_str()),
                );
                let _ = request.respond(self.file(&path, gzip));
            }
        }
    }

    /// The file at `path` (or the 404 page), gzipped when the client accepts it (`gzip`). A page
    /// not rendered yet is asked for and waited for, up to `WAIT`.
    fn file(&self, path: &str, gzip: bool) -> Response<Cursor<Vec<u8>>> {
        let deadline = Instant::now() + WAIT;
        loop {
            let seen = *self.changes.lock().unwrap_or_else(|e| e.into_inner());
            let wanted = {
                let site = self.site.read().unwrap_or_else(|e| e.into_inner());
                match find(&site, path) {
                    Found::File(status, path, stored) => {
                        let snippet = if content_type(&path).starts_with("text/html") {
                            snippet(site.generation, &site.errors)
                        } else {
                            String::new()
                        };
                        drop(site);
                        return respond(status, &path, &stored, snippet.as_bytes(), gzip);
                    }
                    Found::Redirect => {
                        return Response::from_data(Vec::new())
                            .with_status_code(StatusCode(301))
                            .with_header(header("Location", &format!("/{path}/")))
                    }
                    Found::Failed => {
                        let page = Stored::new(&fallback_page(&site.errors), true);
                        let snippet = snippet(site.generation, &site.errors);
                        drop(site);
                        return respond(503, "404.html", &page, snippet.as_bytes(), gzip);
                    }
                    Found::Pending(wanted) => wanted,
                }
            };
            if let Some(tx) = &*self.wanted.lock().unwrap_or_else(|e| e.into_inner()) {
                let _ = tx.send(wanted);
            }
            let now = Instant::now();
            if now >= deadline {
                return text(503, "the page is still being rendered: reload in a moment");
            }
            let changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
            let _ = self
                .changed
                .wait_timeout_while(changes, deadline - now, |c| *c == seen);
        }
    }
}

/// What `Shared::file` finds for a path.
enum Found {
    /// A file to serve with this status, under this path (`404.html` for a page not found).
    File(u16, String, Arc<Stored>),
    /// A directory with an `index.html`: redirected to its URL with a slash.
    Redirect,
    /// Not there yet: this URL is to be rendered, or the site is not complete.
    Pending(String),
    /// A page not rendered, while the last rebuild failed: the error page is served.
    Failed,
}

fn find(site: &Published, path: &str) -> Found {
    let slot = |url: &str, status: u16| match site.files.get(url) {
        Some(Slot::Ready(stored)) => Some(Found::File(status, url.to_owned(), Arc::clone(stored))),
        Some(Slot::Pending(_)) if site.errors.is_empty() => Some(Found::Pending(url.to_owned())),
        Some(Slot::Pending(_)) => Some(Found::Failed),
        None => None,
    };
    if let Some(found) = slot(path, 200) {
        return found;
    }
    if site.files.contains_key(&format!("{path}/index.html")) {
        return Found::Redirect;
    }
    if site.incomplete {
        return Found::Pending(path.to_owned());
    }
    slot("404.html", 404).unwrap_or_else(|| {
        Found::File(
            404,
            "404.html".to_owned(),
            Arc::new(Stored::new(&fallback_page(&site.errors), true)),
        )
    })
}

/// Files deflated for keeping, to be put in the site by `Shared::put`.
pub struct Kept(Vec<(String, Slot)>);

/// Deflates files for keeping, in parallel (a background batch of pages, the search index).
pub fn keep(files: Vec<(String, Vec<u8>)>) -> Kept {
    Kept(
        files
            .into_par_iter()
            .map(|(url, bytes)| {
                let html = content_type(&url).starts_with("text/html");
                let stored = Stored::new(&bytes, html);
                (url, Slot::Ready(Arc::new(stored)))
            })
            .collect(),
    )
}

/// The response for a kept file: gzipped when the client accepts it (`gzip`), plain otherwise,
/// with `snippet` put in.
fn respond(
    status: u16,
    path: &str,
    stored: &Stored,
    snippet: &[u8],
    gzip: bool,
) -> Response<Cursor<Vec<u8>>> {
    let response = if gzip {
        Response::from_data(stored.gzip(snippet)).with_header(header("Content-Encoding", "gzip"))
    } else {
        match stored.plain(snippet) {
            Some(body) => Response::from_data(body),
            None => return text(500, &format!("internal error: `{path}` is kept corrupt")),
        }
    };
    response
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", content_type(path)))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("Vary", "Accept-Encoding"))
}

/// Whether an `Accept-Encoding` header accepts gzip: `gzip` (or `x-gzip`, or `*`) listed without
/// `q=0`. A `gzip;q=0` refuses it even where `*` is listed.
pub fn accepts_gzip(header: Option<&str>) -> bool {
    let Some(header) = header else {
        return false;
    };
    let mut star = false;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .or_else(|| p.trim().strip_prefix("Q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            return !refused;
        }
        if coding == "*" {
            star = !refused;
        }
    }
    star
}

/// What a request target asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A site file, by its site-relative path (`index.html` for `/`).
    File(String),
    /// Wait for a generation newer than `since`.
    Wait {
        /// The generation the page was served at.
        since: u64,
    },
    /// The live-reload script.
    Script,
    /// A target that cannot name a site file: rejected with 400.
    Invalid,
}

/// Whether a request with this `Host` header may be answered: its name (the port left out) is
/// one of `hosts`, case-insensitively. A web page the author visits could otherwise read the
/// drafts through DNS rebinding (its own name, resolved to 127.0.0.1). No `Host` (HTTP/1.0) is
/// not a browser's request and is answered; an empty `hosts` answers every name.
pub fn host_allowed(host: Option<&str>, hosts: &[String]) -> bool {
    let Some(host) = host.map(str::trim) else {
        return true;
    };
    let name = match host.find(']') {
        Some(end) if host.starts_with('[') => &host[..=end],
        _ => host.split(':').next().unwrap_or(host),
    };
    hosts.is_empty() || hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Maps a request target to a route. Percent-decoding happens before the checks, so `%2e%2e`
/// is `..`; backslashes, NUL, `.` and `..` segments and over-long targets are invalid.
/// Absolute-form targets (`http://host/path`) are reduced to their path.
pub fn route(target: &str) -> Route {
    if target.len() > 2048 {
        return Route::Invalid;
    }
    let target = match target.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            match rest.find('/') {
                Some(i) => &rest[i..],
                None => "/",
            }
        }
        _ => target,
    };
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let path = path.split('#').next().unwrap_or("");
    if !path.starts_with('/') {
        return Route::Invalid;
    }
    let Some(decoded) = percent_decode(path) else {
        return Route::Invalid;
    };
    if let Some(endpoint) = decoded.strip_prefix(PREFIX) {
        return match endpoint {
            "live.js" => Route::Script,
            "wait" => Route::Wait {
                since: query
                    .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("since=")))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            },
            _ => Route::Invalid,
        };
    }
    if decoded.contains(['\\', '\0']) {
        return Route::Invalid;
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => {}
            "." | ".." => return Route::Invalid,
            s => segments.push(s),
        }
    }
    let mut path = segments.join("/");
    if path.is_empty() || decoded.ends_with('/') {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Route::File(path)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The reload script, and the diagnostics overlay when the last rebuild failed: what the preview
/// puts before a page's last `</body>` (`Stored`). Only the preview does this; `build` output
/// never has it.
fn snippet(generation: u64, errors: &[String]) -> String {
    let mut snippet =
        format!("<script src=\"{PREFIX}live.js\" data-generation=\"{generation}\"></script>");
    if !errors.is_empty() {
        snippet.push_str(&overlay(errors));
    }
    snippet
}

fn overlay(errors: &[String]) -> String {
    let items: String = errors
        .iter()
        .map(|e| format!("<li>{}</li>", escape(e)))
        .collect();
    format!(
        "<div id=\"whosecures-errors\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;z-index:1000;background:#2d0a0a;color:#ffd7d7;font:14px/1.5 ui-monospace,monospace;padding:1rem 1.5rem;border-top:4px solid #e5534b\"><strong>The last rebuild failed; this is the last good version of the page. Fix these and save:</strong><ul style=\"margin:.5rem 0 0;padding-left:1.2rem\">{items}</ul></div>"
    )
}

fn fallback_page(errors: &[String]) -> Vec<u8> {
    let list: String = errors
        .iter()
        .map(|e| format!("<li>{}</li>", escape(e)))
        .collect();
    format!("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>whosecures preview</title></head><body><h1>No site yet</h1><p>The knowledge base has errors; the preview reloads when they are fixed.</p><ul>{list}</ul></body></html>").into_bytes()
}

/// The MIME type of a site file.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    // Both are ASCII constants or site paths; a failure would be a bug, so fall back to a no-op header.
    Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap_or_else(|_| {
        Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("static header")
    })
}

fn text(status: u16, body: &str) -> Response<Cursor<Vec<u8>>> {
    Response::from_data(body.as_bytes().to_vec())
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn json(body: &str) -> Response<Cursor<Vec<u8>>> {
    Response::from_data(body.as_bytes().to_vec())
        .with_header(header("Content-Type", "application/json"))
        .with_header(header("Cache-Control", "no-store"))
}

/// The browser side of live reload: wait for the next generation, keep the scroll position.
const LIVE_JS: &str = r#"(function () {
  "use strict";
  var me = document.currentScript;
  var since = Number(me && me.dataset.generation) || 0;
  var key = "whosecures-scroll:" + location.pathname;
  try {
    var saved = sessionStorage.getItem(key);
    if (saved !== null) { sessionStorage.removeItem(key); window.scrollTo(0, Number(saved)); }
  } catch (e) {}
  function wait() {
    fetch("/__whosecures/wait?since=" + since, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.generation > since) {
          try { sessionStorage.setItem(key, String(window.scrollY)); } catch (e) {}
          location.reload();
        } else { wait(); }
      })
      .catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})();
"#;

#[cfg(test)]
mod tests {
    // Only the preview's own names are answered, whatever the port and case; IPv6 in brackets.
    #[test]
    fn hosts() {
        let hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]", "wiki.internal"]
            .map(String::from)
            .to_vec();
        for (host, allowed) in [
            (Some("127.0.0.1:3000"), true),
            (Some("LOCALHOST:3000"), true),
            (Some("[::1]:3000"), true),
            (Some("wiki.internal"), true),
            (None, true),
            (Some("evil.example:3000"), false),
            (Some("127.0.0.1.evil.example"), false),
            (Some("[::1"), false),
            (Some(""), false),
        ] {
            assert_eq!(host_allowed(host, &hosts), allowed, "{host:?}");
        }
        assert!(host_allowed(Some("anything"), &[]));
    }

    use super::*;

    // Request targets map to site paths; every traversal or malformed target is invalid.
    #[test]
    fn routes() {
        let file = |p: &str| Route::File(p.to_owned());
        let cases: &[(&str, Route)] = &[
            ("/", file("index.html")),
            ("/services/s3.html", file("services/s3.html")),
            ("/services/", file("services/index.html")),
            ("/services", file("services")),
            ("/services/s3.html?x=1#top", file("services/s3.html")),
            ("//services//s3.html", file("services/s3.html")),
            ("/caf%C3%A9.html", file("café.html")),
            ("http://127.0.0.1:3000/matrix.html", file("matrix.html")),
            ("/__whosecures/wait?since=7", Route::Wait { since: 7 }),
            ("/__whosecures/live.js", Route::Script),
            ("/__whosecures/other", Route::Invalid),
            ("/../etc/passwd", Route::Invalid),
            ("/services/../../etc/passwd", Route::Invalid),
            ("/%2e%2e/etc/passwd", Route::Invalid),
            ("/%2E%2E%2fetc%2fpasswd", Route::Invalid),
            ("/..%5c..%5cwindows", Route::Invalid),
            ("/a\\b", Route::Invalid),
            ("/%00", Route::Invalid),
            ("/%zz", Route::Invalid),
            ("/%ff", Route::Invalid),
            ("/./index.html", Route::Invalid),
            ("index.html", Route::Invalid),
            ("*", Route::Invalid),
        ];
        for (target, expected) in cases {
            assert_eq!(route(target), *expected, "{target}");
        }
        assert_eq!(route(&format!("/{}", "a".repeat(3000))), Route::Invalid);
    }

    // The script goes before the last </body>, with the overlay only when there are errors.
    #[test]
    fn injection() {
        let inject = |page: &[u8], generation, errors: &[String]| {
            let stored = Stored::new(page, true);
            let plain = stored
                .plain(snippet(generation, errors).as_bytes())
                .expect("inflates");
            String::from_utf8(plain).expect("utf-8")
        };
        let page = b"<html><body><main>x</main></body></html>";
        assert_eq!(
            inject(page, 3, &[]),
            "<html><body><main>x</main><script src=\"/__whosecures/live.js\" data-generation=\"3\"></script></body></html>"
        );
        let failed = inject(page, 4, &["a.md:1:1: error: <bad>".into()]);
        assert!(failed.contains("whosecures-errors"));
        assert!(failed.contains("a.md:1:1: error: &lt;bad&gt;"));
        assert!(inject(b"<p>no body</p>", 5, &[]).ends_with("data-generation=\"5\"></script>"));
    }

    // Publishing bumps the generation, replaces files and keeps errors for the overlay.
    #[test]
    fn publish_generations() {
        let shared = Shared::default();
        shared.publish(
            vec![("index.html".into(), b"one".to_vec())],
            &["a.html".into()],
            &[],
            true,
            Vec::new(),
        );
        assert!(matches!(
            shared.site.read().expect("lock").files.get("a.html"),
            Some(Slot::Pending(None))
        ));
        shared.update(vec![("a.html".into(), b"a".to_vec())], &[]);
        shared.publish(
            Vec::new(),
            &[],
            &["index.html".into()],
            false,
            vec!["e".into()],
        );
        let site = shared.site.read().expect("lock");
        assert_eq!(site.generation, 2);
        assert!(matches!(site.files.get("a.html"), Some(Slot::Ready(_))));
        assert!(!site.files.contains_key("index.html"));
        assert_eq!(site.errors, ["e"]);
    }

    // A page to be rendered again keeps what it held: waited for meanwhile, served again as it
    // was once it renders the same; one never rendered stays to come.
    #[test]
    fn pages_rendered_the_same_are_restored() {
        let shared = Shared::default();
        let ready = vec![("a.html".into(), b"a".to_vec())];
        shared.publish(ready, &["b.html".into()], &[], true, Vec::new());
        shared.publish(Vec::new(), &["a.html".into()], &[], false, Vec::new());
        let found = |url: &str| match find(&shared.site.read().expect("lock"), url) {
            Found::File(..) => "file",
            Found::Pending(_) => "wait",
            _ => "other",
        };
        assert_eq!(found("a.html"), "wait");
        shared.restore(&["a.html".into(), "b.html".into()]);
        assert_eq!(found("a.html"), "file");
        assert_eq!(found("b.html"), "wait");
        let site = shared.site.read().expect("lock");
        let Some(Slot::Ready(stored)) = site.files.get("a.html") else {
            panic!("a.html is not served");
        };
        assert_eq!(stored.size(), 1);
    }

    // A page still to come is waited for, unless the last rebuild failed (its errors are shown);
    // an unknown address is waited for only while the derived files are still to come.
    #[test]
    fn pending_pages() {
        let ready = |bytes: &[u8]| Slot::Ready(Arc::new(Stored::new(bytes, true)));
        let mut site = Published::default();
        site.files.insert("a.html".into(), Slot::Pending(None));
        site.files.insert("b.html".into(), ready(b"b"));
        site.files
            .insert("dir/index.html".into(), Slot::Pending(None));
        site.files.insert("404.html".into(), ready(b"gone"));
        let found = |site: &Published, path: &str| match find(site, path) {
            Found::File(status, path, _) => format!("{status} {path}"),
            Found::Redirect => "redirect".into(),
            Found::Pending(url) => format!("wait {url}"),
            Found::Failed => "failed".into(),
        };
        site.incomplete = true;
        assert_eq!(found(&site, "a.html"), "wait a.html");
        assert_eq!(found(&site, "b.html"), "200 b.html");
        assert_eq!(found(&site, "dir"), "redirect");
        assert_eq!(found(&site, "search/t-ab.js"), "wait search/t-ab.js");
        site.incomplete = false;
        assert_eq!(found(&site, "search/t-ab.js"), "404 404.html");
        site.errors = vec!["a.md:1:1: error: bad".into()];
        assert_eq!(found(&site, "a.html"), "failed");
        site.files.insert("404.html".into(), Slot::Pending(None));
        assert_eq!(found(&site, "nothing.html"), "failed");
        site.errors.clear();
        assert_eq!(found(&site, "nothing.html"), "wait 404.html");
    }

    // Accept-Encoding: gzip is taken when listed (or `*`) without q=0.
    #[test]
    fn gzip_accepted() {
        for (header, gzip) in [
            (None, false),
            (Some(""), false),
            (Some("gzip"), true),
            (Some("gzip, deflate, br"), true),
            (Some("br;q=1.0, gzip;q=0.8"), true),
            (Some("GZIP"), true),
            (Some("x-gzip"), true),
            (Some("gzip;q=0"), false),
            (Some("gzip; q=0.0"), false),
            (Some("identity"), false),
            (Some("br, deflate"), false),
            (Some("*"), true),
            (Some("*;q=0"), false),
            (Some("*, gzip;q=0"), false),
            (Some("gzipped"), false),
        ] {
            assert_eq!(accepts_gzip(header), gzip, "{header:?}");
        }
    }
}
