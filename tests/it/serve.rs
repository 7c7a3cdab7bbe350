//! `whosecures serve` over real HTTP on 127.0.0.1: edits show up, reload waiters wake, bad
//! content keeps the last good site under an overlay, and nothing outside the site is served.

use std::fs;
use std::thread;

use crate::{http, stress, SiteTest};

fn generation(page: &str) -> u64 {
    page.split("data-generation=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|g| g.parse().ok())
        .unwrap_or_else(|| panic!("no generation in page"))
}

// Saving a note changes the served page and wakes a browser waiting for the next generation.
#[test]
fn edit_updates_page_and_wakes_waiters() {
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    let (status, page) = server.get("/services/widget.html");
    assert_eq!(status, 200);
    assert!(page.contains("Widgets hold"));
    let since = generation(&page);
    let port = server.port;
    let waiter = thread::spawn(move || {
        http(
            port,
            "GET",
            &format!("/__whosecures/wait?since={since}"),
            None,
        )
    });
    thread::sleep(std::time::Duration::from_millis(200));
    let note = t.dir.join("knowledge/services/widget.md");
    let text = fs::read_to_string(&note).expect("read note");
    fs::write(&note, text.replace("Widgets hold", "Widgets now hold")).expect("edit note");
    let (status, event) = waiter.join().expect("waiter thread");
    assert_eq!(status, 200);
    let state: serde_json::Value = serde_json::from_str(&event).expect("wait answers JSON");
    assert!(state["generation"].as_u64().unwrap_or(0) > since, "{event}");
    let page = server.wait_for("/services/widget.html", |p| p.contains("Widgets now hold"));
    assert!(page.contains("Widgets now hold"), "page not updated");
    // A title change reaches the pages that link to the note.
    fs::write(
        t.dir.join("knowledge/layers/data.md"),
        fs::read_to_string(t.dir.join("knowledge/layers/data.md"))
            .expect("read")
            .replace("title = \"Data\"", "title = \"Customer data\""),
    )
    .expect("edit layer");
    let page = server.wait_for("/services/widget.html", |p| {
        p.contains(">Customer data</a>")
    });
    assert!(
        page.contains(">Customer data</a>"),
        "backlinking page not updated"
    );
    // The print page is refreshed off the edit path from the elements and bodies it showed
    // before: it follows both edits (the widget's body shows the layer's new title) and is the
    // page `build` writes for the same notes, the reload script aside.
    let print = server.wait_for("/print.html", |p| {
        p.contains("Widgets now hold") && p.contains(">Customer data</a>")
    });
    assert!(
        !print.contains("Widgets hold"),
        "stale body on the print page"
    );
    assert!(
        !print.contains(">Data</a>"),
        "stale link label on the print page"
    );
    t.ok(&["build", "--knowledge", "knowledge", "--output", "built"]);
    let script = print
        .find("<script src=\"/__whosecures/live.js\"")
        .and_then(|at| Some(at..at + print[at..].find("</script>")? + "</script>".len()))
        .expect("the preview's reload script");
    let mut served = print.clone();
    served.replace_range(script, "");
    assert!(
        served == t.read("built/print.html"),
        "the preview's print page differs from the built one"
    );
}

// Each way editors save reaches the page: in place, vim's (the note renamed to its backup, then
// written anew), JetBrains' (a temp file renamed onto the note renamed away) and a temp file
// renamed over it (`sed -i`). The watcher's timing rules are unit tests in `serve::watch`.
#[test]
fn editors_saves_are_picked_up() {
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    let dir = t.dir.join("knowledge/services");
    let note = dir.join("widget.md");
    let original = fs::read_to_string(&note).expect("read note");
    assert!(server
        .get("/services/widget.html")
        .1
        .contains("Widgets hold"));
    let write = |path: &std::path::Path, marker: &str| {
        fs::write(path, original.replace("Widgets hold", marker)).expect("write")
    };
    type Save<'a> = &'a dyn Fn(&str);
    let saves: [(&str, Save); 4] = [
        ("in place", &|m| write(&note, m)),
        ("vim", &|m| {
            let backup = dir.join("widget.md~");
            fs::rename(&note, &backup).expect("rename to backup");
            write(&note, m);
            fs::remove_file(&backup).expect("remove backup");
        }),
        ("JetBrains", &|m| {
            let (tmp, old) = (
                dir.join("widget.md___jb_tmp___"),
                dir.join("widget.md___jb_old___"),
            );
            write(&tmp, m);
            fs::rename(&note, &old).expect("rename away");
            fs::rename(&tmp, &note).expect("rename onto");
            fs::remove_file(&old).expect("remove old");
        }),
        ("temp file", &|m| {
            let tmp = dir.join(".widget.md.tmp");
            write(&tmp, m);
            fs::rename(&tmp, &note).expect("rename over");
        }),
    ];
    for (style, save) in saves {
        let marker = format!("Widgets saved by {style} hold");
        save(&marker);
        let page = server.wait_for("/services/widget.html", |p| p.contains(&marker));
        assert!(page.contains(&marker), "a {style} save was not picked up");
    }
}

// A folder of notes moved out of the knowledge directory takes its notes' pages with it, and
// moved back brings them back: inotify names only the folder, not the notes in it.
#[test]
fn folders_moved_in_and_out_are_picked_up() {
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    let (inside, outside) = (
        t.dir.join("knowledge/glossary"),
        t.dir.join("glossary-away"),
    );
    assert_eq!(server.get("/glossary/tls.html").0, 200);
    fs::rename(&inside, &outside).expect("move the folder out");
    let (status, _) = server.wait_until("/glossary/tls.html", |status, _| status == 404);
    assert_eq!(status, 404, "the moved note is still served");
    fs::rename(&outside, &inside).expect("move the folder back");
    let page = server.wait_for("/glossary/tls.html", |p| {
        p.contains("Transport Layer Security.") && !p.contains("whosecures-errors")
    });
    assert!(page.contains("Transport Layer Security."), "{page}");
    assert!(!page.contains("whosecures-errors"), "{page}");
}

// A broken note keeps the last good page live with the diagnostics overlaid; fixing it clears them.
#[test]
fn broken_note_shows_overlay_until_fixed() {
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    let note = t.dir.join("knowledge/glossary/tls.md");
    let good = fs::read_to_string(&note).expect("read");
    // The page is served once first: pages are rendered when asked for, so a page never asked
    // for before its note broke has no last good version to show (the server answers 503 with
    // the diagnostics). Saved right after: the watcher runs from the start.
    let (status, page) = server.get("/glossary/tls.html");
    assert_eq!(status, 200);
    assert!(page.contains("Transport Layer Security."), "{page}");
    fs::write(&note, "+++\ntitle = \"TLS\"\n").expect("break note");
    let page = server.wait_for("/glossary/tls.html", |p| p.contains("whosecures-errors"));
    assert!(
        page.contains("front matter opened with `+++` is never closed"),
        "{page}"
    );
    assert!(
        page.contains("Transport Layer Security."),
        "last good page is still served"
    );
    fs::write(&note, good.replace("Encrypts data", "Protects data")).expect("fix note");
    let page = server.wait_for("/glossary/tls.html", |p| !p.contains("whosecures-errors"));
    assert!(page.contains("Protects data"), "{page}");
    // A broken note keeps its id: notes linking to it get no errors of their own, and it is
    // one error until it is fixed.
    let data = t.dir.join("knowledge/layers/data.md");
    let data_text = fs::read_to_string(&data).expect("read");
    fs::write(&data, data_text.replacen("title =", "titel =", 1)).expect("break layer");
    let page = server.wait_for("/index.html", |p| p.contains("whosecures-errors"));
    assert!(page.contains("unknown field `titel`"), "{page}");
    assert!(!page.contains("unresolved link"), "{page}");
    fs::write(&data, &data_text).expect("fix layer");
    let page = server.wait_for("/index.html", |p| !p.contains("whosecures-errors"));
    assert!(!page.contains("whosecures-errors"), "{page}");
    // Deleting a note removes its page and turns links to it into diagnostics.
    fs::remove_file(t.dir.join("knowledge/layers/data.md")).expect("delete note");
    let page = server.wait_for("/index.html", |p| p.contains("whosecures-errors"));
    assert!(page.contains("unresolved link `[[data]]`"), "{page}");
}

// A theme template saved with recursion in it (a macro calling itself, an include loop, tags
// nested past the limit) does not crash the preview: the last good site stays live under the
// error, located in the theme file, and fixing the template clears it.
#[test]
fn recursive_template_save_shows_overlay() {
    let t = SiteTest::new("minimal");
    let templates = t.dir.join("theme/templates");
    fs::create_dir_all(&templates).expect("theme dir");
    let good =
        "{% extends \"base.html\" %}{% block content %}<p>Search here</p>{% endblock content %}";
    fs::write(templates.join("search.html"), good).expect("write template");
    let server = t.serve(&["--knowledge", "knowledge", "--theme", "theme"]);
    assert!(server.get("/search.html").1.contains("Search here"));
    for (bad, message) in [
        (
            "{% macro t(n) %}{{ self::t(n=n) }}{% endmacro t %}{{ self::t(n=1) }}".to_owned(),
            "theme/templates/search.html:1:20: macro `t` calls itself",
        ),
        (
            "{% include \"search.html\" %}".to_owned(),
            "theme/templates/search.html:1:1: template `search.html` includes itself",
        ),
        (
            format!(
                "{}x{}",
                "{% if a %}".repeat(20_000),
                "{% endif %}".repeat(20_000)
            ),
            "theme/templates/search.html:1:1001: tags nested more than 100 deep",
        ),
    ] {
        fs::write(templates.join("search.html"), bad).expect("break template");
        let page = server.wait_for("/index.html", |p| p.contains(message));
        assert!(page.contains(message), "{page}");
        assert!(page.contains("whosecures-errors"), "overlay shown");
        fs::write(templates.join("search.html"), good).expect("fix template");
        let page = server.wait_for("/search.html", |p| !p.contains("whosecures-errors"));
        assert!(page.contains("Search here"), "{page}");
    }
}

// 500 browsers parked on the reload long-poll while four clients fetch pages as fast as they
// can: every page request is answered, and one edit wakes every parked browser.
#[test]
fn many_waiters_and_load() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    if !stress("many_waiters_and_load") {
        return;
    }
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    let (_, page) = server.get("/services/widget.html");
    let since = generation(&page);
    let port = server.port;
    let mut waiters: Vec<TcpStream> = (0..500)
        .map(|i| {
            let mut stream = TcpStream::connect(("127.0.0.1", port))
                .unwrap_or_else(|e| panic!("waiter {i}: {e}"));
            let request = format!(
                "GET /__whosecures/wait?since={since} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).expect("send wait");
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .expect("timeout");
            stream
        })
        .collect();
    let loaders: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let mut statuses = Vec::new();
                for target in ["/index.html", "/matrix.html", "/services/widget.html"].repeat(50) {
                    statuses.push(http(port, "GET", target, None).0);
                }
                statuses
            })
        })
        .collect();
    for loader in loaders {
        let statuses = loader.join().expect("loader");
        assert_eq!(statuses.len(), 150);
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    }
    let note = t.dir.join("knowledge/services/widget.md");
    let text = fs::read_to_string(&note).expect("read note");
    fs::write(&note, text.replace("Widgets hold", "Widgets now hold")).expect("edit note");
    for (i, stream) in waiters.iter_mut().enumerate() {
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        assert!(reply.starts_with("HTTP/1.1 200"), "waiter {i}: {reply}");
        assert!(reply.contains("\"generation\""), "waiter {i}: {reply}");
    }
}

// 1,000 connections that never finish their request (slow clients) do not stop the server from
// answering, before or after they all close; a save storm (500 notes rewritten at once)
// converges to the final content; memory stays bounded throughout.
#[test]
fn slow_clients_and_save_storm() {
    use std::io::Write;
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    if !stress("slow_clients_and_save_storm") {
        return;
    }
    let t = SiteTest::new("minimal");
    let note = |i: usize, word: &str| {
        format!("+++\ntitle = \"Term {i}\"\nsummary = \"{word} {i}.\"\n+++\nSee [[data]].\n")
    };
    for i in 0..500 {
        fs::write(
            t.dir.join(format!("knowledge/glossary/g{i:03}.md")),
            note(i, "First"),
        )
        .expect("write note");
    }
    let server = t.serve(&["--knowledge", "knowledge"]);
    let start_rss = server.rss_kib();
    let port = server.port;
    let slow: Vec<TcpStream> = (0..1000)
        .filter_map(|i| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
            // Stalled inside a header, inside the request line, or before a byte.
            let _ = match i % 3 {
                0 => s.write_all(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "),
                1 => s.write_all(b"GET /inde"),
                _ => Ok(()),
            };
            Some(s)
        })
        .collect();
    assert_eq!(slow.len(), 1000, "all slow connections accepted");
    for _ in 0..20 {
        let asked = Instant::now();
        let (status, _) = server.get("/glossary/g250.html");
        assert_eq!(status, 200);
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "answered while 1,000 clients stall"
        );
    }
    for i in 0..500 {
        fs::write(
            t.dir.join(format!("knowledge/glossary/g{i:03}.md")),
            note(i, "Second"),
        )
        .expect("rewrite note");
    }
    for target in [
        "/glossary/g000.html",
        "/glossary/g499.html",
        "/glossary/index.html",
    ] {
        let page = server.wait_for(target, |p| {
            p.contains("Second") && !p.contains("First 0.") && !p.contains("First 499.")
        });
        assert!(
            page.contains("Second"),
            "{target} converged to the last save"
        );
    }
    let (status, _) = server.get("/index.html");
    assert_eq!(status, 200);
    drop(slow);
    let asked = Instant::now();
    let (status, _) = server.get("/glossary/g250.html");
    assert_eq!(status, 200, "answered once the slow clients closed");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "answered quickly once they closed"
    );
    if let (Some(before), Some(after)) = (start_rss, server.rss_kib()) {
        eprintln!("serve RSS: {before} KiB at start, {after} KiB after 1,000 slow clients and a 500-note storm");
        assert!(
            after < before + 256 * 1024,
            "memory grew from {before} KiB to {after} KiB"
        );
    }
}

// Only site files are served: traversal in every spelling is refused, unknown paths get the 404 page.
#[test]
fn serves_only_site_files() {
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    for target in [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2fknowledge%2fvocabulary.toml",
        "/..%5c..%5cetc%5cpasswd",
        "/index.html%00.css",
        "knowledge/vocabulary.toml",
    ] {
        let (status, body) = server.get(target);
        assert_eq!(status, 400, "{target}: {body}");
    }
    for target in [
        "/knowledge/vocabulary.toml",
        "/etc/passwd",
        "/services/nope.html",
    ] {
        let (status, body) = server.get(target);
        assert_eq!(status, 404, "{target}");
        assert!(body.contains("Page not found"), "{target}: {body}");
    }
    let (status, _) = server.get("http://127.0.0.1/matrix.html");
    assert_eq!(status, 200, "absolute-form target");
    let (status, css) = server.get("/static/style.css");
    assert_eq!(status, 200);
    assert!(
        !css.contains("live.js"),
        "scripts are injected into HTML only"
    );
}

// A build's output never contains the preview's reload script.
#[test]
fn build_output_has_no_reload_script() {
    let t = SiteTest::new("minimal");
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out"]);
    assert!(!t.read("out/index.html").contains("__whosecures"));
}

/// Sends `GET /index.html` with the `Host` header `host` to 127.0.0.1:`port`; the status.
fn status_for_host(port: u16, host: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let request = format!("GET /index.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return 0;
    }
    let mut head = [0u8; 12];
    if stream.read_exact(&mut head).is_err() {
        return 0;
    }
    String::from_utf8_lossy(&head[9..12]).parse().unwrap_or(0)
}

// Only the preview's own names are answered: a web page on another name (DNS rebinding to
// 127.0.0.1) gets 403, `--allow-host` adds a name, and any port or case of `localhost` works.
#[test]
fn other_hosts_are_refused() {
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge", "--allow-host", "wiki.internal"]);
    let port = server.port;
    for (host, status) in [
        (format!("127.0.0.1:{port}"), 200),
        (format!("LocalHost:{port}"), 200),
        ("wiki.internal".to_owned(), 200),
        (format!("evil.example:{port}"), 403),
        ("127.0.0.1.evil.example".to_owned(), 403),
    ] {
        assert_eq!(status_for_host(port, &host), status, "Host: {host}");
    }
}

// The port is taken before the site is built: an address in use fails at once, naming the
// address, with no build report before it.
#[test]
fn address_in_use_is_reported_before_building() {
    let t = SiteTest::empty();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("address").port().to_string();
    let out = t.run(&["serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    let err = crate::stderr(&out);
    assert!(
        err.starts_with(&format!("error: cannot listen on `127.0.0.1:{port}`: ")),
        "{err}"
    );
    assert!(err.contains("`--port 0` picks a free port"), "{err}");
    assert!(!err.contains("rebuilt"), "{err}");
    assert_eq!(crate::stdout(&out), "");
}

/// Sends `bytes` to 127.0.0.1:`port` (a request as an attacker writes it) and reads until the
/// server closes or `wait` passes in silence; the reply's status (0: none) and the whole reply.
fn raw_request(port: u16, bytes: &[u8], wait: std::time::Duration) -> (u16, String) {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(wait));
    // The server may answer and close before taking the whole request: that is the point.
    let _ = stream.write_all(bytes);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, reply)
}

// Request heads are bounded (8 KiB request line and header line, 100 headers, 32 KiB in all)
// and the preview takes no body: each excess is refused with its status and the connection
// closed, and the server goes on answering.
#[test]
fn oversized_requests_are_refused() {
    use std::time::Duration;
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    let port = server.port;
    let head = |extra: &str| format!("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n");
    let long = "a".repeat(9000);
    let cases: Vec<(&str, String, u16)> =
        vec![
        (
            "request line",
            format!("GET /{long} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            414,
        ),
        ("header line", head(&format!("X-Long: {long}\r\n")), 431),
        ("header count", head(&"X-Many: 1\r\n".repeat(101)), 431),
        (
            "whole head",
            head(&format!("X-Big: {}\r\n", "b".repeat(8000)).repeat(5)),
            431,
        ),
        (
            "declared body",
            "POST /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000000\r\n\r\n"
                .to_owned(),
            413,
        ),
        (
            "chunked body",
            "POST /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_owned(),
            413,
        ),
        // Just under every limit: answered.
        ("largest head", head(&format!("X-Fits: {}\r\n", "c".repeat(8000))), 200),
    ];
    for (what, request, status) in cases {
        let (got, reply) = raw_request(port, request.as_bytes(), Duration::from_secs(20));
        assert_eq!(
            got,
            status,
            "{what}: {}",
            reply.lines().next().unwrap_or("")
        );
        if status != 200 {
            assert!(reply.contains("Connection: close"), "{what}: {reply}");
        }
    }
    // An endless header line: refused after 8 KiB, long before the client is done sending.
    let (got, _) = raw_request(
        port,
        &[
            b"GET / HTTP/1.1\r\nX-Flood: ".as_slice(),
            &vec![b'a'; 4 << 20],
        ]
        .concat(),
        Duration::from_secs(20),
    );
    assert!(got == 431 || got == 0, "flood answered {got}");
    assert_eq!(server.get("/index.html").0, 200, "still answering");
}

// A head that is not complete 10 s after its first byte gets 408 and is closed, however slowly
// it drips; an idle connection is closed without a word after 10 s. Both free their thread.
#[test]
fn slow_requests_time_out() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    let port = server.port;
    let started = Instant::now();
    let mut idle = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut drip = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    drip.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let head = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    let mut reply = Vec::new();
    for byte in head.iter().cycle().take(60) {
        if drip.write_all(&[*byte]).is_err() {
            break;
        }
        let mut buf = [0u8; 1024];
        match drip.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if !reply.is_empty() {
            break;
        }
    }
    let took = started.elapsed();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(25),
        "408 after {took:?}"
    );
    idle.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut rest = Vec::new();
    assert_eq!(
        idle.read_to_end(&mut rest).ok(),
        Some(0),
        "idle connection closed silently"
    );
    assert_eq!(server.get("/index.html").0, 200);
}

// Beyond `--max-connections` a connection is told 503 at once and closed; the server answers
// again as soon as one closes.
#[test]
fn connections_beyond_the_cap_are_refused() {
    use std::net::TcpStream;
    use std::time::Duration;
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge", "--max-connections", "20"]);
    let port = server.port;
    let held: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let (status, reply) = raw_request(
        port,
        b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        Duration::from_secs(10),
    );
    assert_eq!(status, 503, "{reply}");
    assert!(reply.contains("too many connections"), "{reply}");
    assert!(reply.contains("Retry-After: 1"), "{reply}");
    drop(held);
    let answered = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        server.get("/index.html").0 == 200
    });
    assert!(answered, "answers once the held connections close");
}

// In the preview, a note renamed with its old id in `redirect_from` keeps its old address as a
// redirect page, and a link by a name another note just took now leads there.
#[test]
fn rename_keeps_old_address_and_names_relink() {
    let t = SiteTest::new("minimal");
    t.add("obsidian");
    // Links by name only (a Markdown link names a file, which a rename breaks, as it should).
    fs::write(
        t.dir.join("knowledge/model/vault.md"),
        "+++\ntitle = \"Vault\"\nsummary = \"s\"\nsources = [\"https://aws.amazon.com/\"]\n+++\n\
         [[encryption keys#rotation]] [[KMS - Key Management|KMS]]\n",
    )
    .expect("write vault");
    let server = t.serve(&["--knowledge", "knowledge"]);
    // The export made once, so the edits below bring its entries up to date one by one.
    let kb = server.wait_for("/kb.json", |kb| kb.contains("\"id\":\"vault\""));
    assert!(kb.contains("\"links_to\":[\"keys\"]"), "{kb}");
    let (status, _) = server.get("/glossary/old-keys.html");
    assert_eq!(status, 200);
    // Rename `keys` to `ciphers`, keeping its old id as an old address.
    let old = t.dir.join("knowledge/glossary/keys.md");
    let text = fs::read_to_string(&old).expect("read");
    fs::write(
        t.dir.join("knowledge/glossary/ciphers.md"),
        text.replace("redirect_from = [", "redirect_from = [\"keys\", "),
    )
    .expect("write renamed note");
    fs::remove_file(&old).expect("remove old note");
    let page = server.wait_for("/glossary/keys.html", |p| {
        p.contains("http-equiv=\"refresh\"")
    });
    assert!(page.contains("url=../glossary/ciphers.html"), "{page}");
    let page = server.wait_for("/model/vault.html", |p| p.contains("glossary/ciphers.html"));
    assert!(
        page.contains("href=\"../glossary/ciphers.html#rotation\""),
        "{page}"
    );
    // `tls` takes the alias the vault's link used for the keys note: the link moves with it.
    let ciphers = t.dir.join("knowledge/glossary/ciphers.md");
    let text = fs::read_to_string(&ciphers).expect("read");
    fs::write(
        &ciphers,
        text.replace("aliases = [\"KMS - Key Management\"]", "aliases = []"),
    )
    .expect("drop alias");
    let tls = t.dir.join("knowledge/glossary/tls.md");
    let text = fs::read_to_string(&tls).expect("read");
    fs::write(
        &tls,
        text.replace(
            "title = \"TLS\"",
            "title = \"TLS\"\naliases = [\"KMS - Key Management\"]",
        ),
    )
    .expect("add alias");
    let page = server.wait_for("/model/vault.html", |p| {
        p.contains("href=\"../glossary/tls.html\" title=\"Transport Layer Security.\">KMS</a>")
    });
    assert!(
        page.contains("glossary/tls.html\" title=\"Transport Layer Security.\">KMS</a>"),
        "{page}"
    );
    // The export follows the link too: the vault, which neither edit touched, now links to the
    // TLS note, which has it among the notes referencing it.
    let linked = |kb: &str| -> bool {
        let kb: serde_json::Value = serde_json::from_str(kb).unwrap_or_default();
        let note = |id: &str| {
            (kb["notes"].as_array())
                .and_then(|notes| notes.iter().find(|n| n["id"] == id))
                .cloned()
                .unwrap_or_default()
        };
        let has = |list: &serde_json::Value, id: &str| {
            list.as_array().is_some_and(|l| l.iter().any(|v| v == id))
        };
        has(&note("vault")["links_to"], "tls") && has(&note("tls")["referenced_by"], "vault")
    };
    let kb = server.wait_for("/kb.json", linked);
    assert!(linked(&kb), "{kb}");
}

/// GET `target` from 127.0.0.1:`port` with `Accept-Encoding: accept` (none when `None`); the
/// status, the response head in lower case, and the body's bytes as sent.
fn get_encoded(port: u16, target: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let accept = accept
        .map(|a| format!("Accept-Encoding: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{accept}Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head, raw[end + 4..].to_vec())
}

#[track_caller]
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a valid gzip body");
    out
}

// Files go out gzipped to clients that accept gzip and plain to the others, the same bytes once
// inflated (the reload script in pages included), and say that they vary by Accept-Encoding.
#[test]
fn gzip_when_accepted_plain_otherwise() {
    let t = SiteTest::new("minimal");
    let server = t.serve(&["--knowledge", "knowledge"]);
    for (target, status) in [
        ("/services/widget.html", 200),
        ("/", 200),
        ("/search.html", 200),
        ("/kb.json", 200),
        ("/no-such-page.html", 404),
    ] {
        let (plain_status, head, plain) = get_encoded(server.port, target, None);
        assert_eq!(plain_status, status, "{target}");
        assert!(!head.contains("content-encoding"), "{target}: {head}");
        assert!(head.contains("vary: accept-encoding"), "{target}: {head}");
        for accept in ["gzip", "gzip, deflate, br, zstd", "br;q=1, GZIP;q=0.5", "*"] {
            let (gz_status, head, body) = get_encoded(server.port, target, Some(accept));
            assert_eq!(gz_status, status, "{target} ({accept})");
            assert!(
                head.contains("content-encoding: gzip"),
                "{target} ({accept}): {head}"
            );
            assert!(body.len() < plain.len(), "{target}: gzip no smaller");
            assert!(
                gunzip(&body) == plain,
                "{target} ({accept}): inflated differs"
            );
        }
        for accept in ["identity", "gzip;q=0", "br", "*, gzip;q=0"] {
            let (_, head, body) = get_encoded(server.port, target, Some(accept));
            assert!(!head.contains("content-encoding"), "{target} ({accept})");
            assert!(body == plain, "{target} ({accept}): differs");
        }
        if target.ends_with(".html") || target == "/" {
            let page = String::from_utf8(plain).expect("utf-8");
            assert!(
                page.contains("/__whosecures/live.js") && page.trim_end().ends_with("</html>"),
                "{target}: no reload script before </body>"
            );
        }
    }
}
