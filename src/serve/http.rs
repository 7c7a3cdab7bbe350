//! The preview's HTTP side: serves the in-memory site with tiny_http, injects the live-reload
//! script and the diagnostics overlay into HTML responses, and parks reload waiters until the
//! build generation moves. Never touches the filesystem, so no request can reach a file that is
//! not part of the site.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tiny_http::{Header, Request, Response, StatusCode};

use crate::render::escape;

/// The URL prefix of the preview's own endpoints; no site file can live there.
pub const PREFIX: &str = "/__whosecures/";

/// How long a reload waiter is parked before it is answered anyway (browsers then ask again).
pub const WAIT: Duration = Duration::from_secs(20);

/// The site as currently published.
#[derive(Debug, Default)]
pub struct Published {
    /// URL path (`services/s3.html`) → bytes.
    pub files: HashMap<String, Arc<Vec<u8>>>,
    /// Moves on every rebuild, failed or not.
    pub generation: u64,
    /// Diagnostic lines of the last rebuild when it failed; empty when the site is up to date.
    pub errors: Vec<String>,
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
}

impl Shared {
    /// Answers only requests whose `Host` is one of `hosts` (names or addresses, without a port).
    pub fn with_hosts(hosts: Vec<String>) -> Shared {
        Shared {
            hosts,
            ..Shared::default()
        }
    }

    /// Applies a rebuild: replaces or updates files, records errors, bumps the generation and
    /// answers every waiter.
    pub fn publish(
        &self,
        files: Vec<(String, Vec<u8>)>,
        removed: &[String],
        replace_all: bool,
        errors: Vec<String>,
    ) {
        let generation = {
            let mut site = self.site.write().unwrap_or_else(|e| e.into_inner());
            if replace_all {
                site.files.clear();
            }
            for url in removed {
                site.files.remove(url);
            }
            for (url, bytes) in files {
                site.files.insert(url, Arc::new(bytes));
            }
            site.errors = errors;
            site.generation += 1;
            site.generation
        };
        self.wake(|since, _| since < generation);
    }

    /// Replaces files without moving the generation (derived files that no open page shows).
    pub fn update(&self, files: Vec<(String, Vec<u8>)>, removed: &[String]) {
        let mut site = self.site.write().unwrap_or_else(|e| e.into_inner());
        for url in removed {
            site.files.remove(url);
        }
        for (url, bytes) in files {
            site.files.insert(url, Arc::new(bytes));
        }
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
                let _ = request.respond(self.file(&path));
            }
        }
    }

    fn file(&self, path: &str) -> Response<Cursor<Vec<u8>>> {
        let site = self.site.read().unwrap_or_else(|e| e.into_inner());
        let (status, path, bytes) = match site.files.get(path) {
            Some(bytes) => (200, path.to_owned(), Arc::clone(bytes)),
            None => match site.files.get(&format!("{path}/index.html")) {
                Some(_) => {
                    return Response::from_data(Vec::new())
                        .with_status_code(StatusCode(301))
                        .with_header(header("Location", &format!("/{path}/")))
                }
                None => match site.files.get("404.html") {
                    Some(bytes) => (404, "404.html".to_owned(), Arc::clone(bytes)),
                    None => (
                        404,
                        "404.html".to_owned(),
                        Arc::new(fallback_page(&site.errors)),
                    ),
                },
            },
        };
        let content_type = content_type(&path);
        let body = if content_type.starts_with("text/html") {
            inject(&bytes, site.generation, &site.errors)
        } else {
            bytes.to_vec()
        };
        Response::from_data(body)
            .with_status_code(StatusCode(status))
            .with_header(header("Content-Type", content_type))
            .with_header(header("Cache-Control", "no-store"))
    }
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

/// The page with the reload script (and the diagnostics overlay, when the last rebuild failed)
/// inserted before `</body>`. Only the preview does this; `build` output never has it.
pub fn inject(html: &[u8], generation: u64, errors: &[String]) -> Vec<u8> {
    let mut snippet =
        format!("<script src=\"{PREFIX}live.js\" data-generation=\"{generation}\"></script>");
    if !errors.is_empty() {
        snippet.push_str(&overlay(errors));
    }
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{snippet}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{snippet}").into_bytes(),
    }
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

    // The script goes before </body>, with the overlay only when there are errors.
    #[test]
    fn injection() {
        let page = b"<html><body><main>x</main></body></html>";
        let plain = String::from_utf8(inject(page, 3, &[])).expect("utf-8");
        assert_eq!(
            plain,
            "<html><body><main>x</main><script src=\"/__whosecures/live.js\" data-generation=\"3\"></script></body></html>"
        );
        let failed =
            String::from_utf8(inject(page, 4, &["a.md:1:1: error: <bad>".into()])).expect("utf-8");
        assert!(failed.contains("whosecures-errors"));
        assert!(failed.contains("a.md:1:1: error: &lt;bad&gt;"));
    }

    // Publishing bumps the generation, replaces files and keeps errors for the overlay.
    #[test]
    fn publish_generations() {
        let shared = Shared::default();
        shared.publish(
            vec![("index.html".into(), b"one".to_vec())],
            &[],
            true,
            Vec::new(),
        );
        shared.publish(
            vec![("a.html".into(), b"a".to_vec())],
            &["index.html".into()],
            false,
            vec!["e".into()],
        );
        let site = shared.site.read().expect("lock");
        assert_eq!(site.generation, 2);
        assert!(site.files.contains_key("a.html") && !site.files.contains_key("index.html"));
        assert_eq!(site.errors, ["e"]);
    }
}
