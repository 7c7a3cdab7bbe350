//! `whosecures serve`: builds the site into memory, serves it on 127.0.0.1 with tiny_http, and on
//! every saved change rebuilds only the pages the change touches, then tells waiting browsers to
//! reload. Bad content never stops the server: the last good site stays live under an overlay.
//! Pages are kept deflated (`stored.rs`); after a load they are rendered as browsers ask for them
//! and, while no change or request waits, in the background, but for the notes' own pages, which
//! are rendered only when asked for.

mod http;
mod plan;
mod stored;
mod watch;
mod workspace;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::config::{Project, ProjectArgs};
use crate::error::{Error, Result};
pub use workspace::{Output, Refreshed, Workspace};

pub use http::{route, Route};
pub use plan::{affected, Affected};
pub use watch::{classify, Change, Roots};

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to bind (127.0.0.1 unless the user asks otherwise).
    pub bind: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Open the site in the default browser.
    pub open: bool,
    /// Inputs, as for `build`.
    pub args: ProjectArgs,
    /// Host names answered besides the bound address, `localhost`, `127.0.0.1` and `[::1]`.
    pub allow_hosts: Vec<String>,
    /// Connections held open at once; one more is answered 503 (see `limits`).
    pub max_connections: usize,
    /// Called whenever the preview has nothing left to do (every page rendered, the derived
    /// files kept) and is about to wait for a change or a request: the binary hands memory its
    /// allocator holds for later back to the system there.
    pub on_idle: fn(),
}

/// Worker threads answering requests. Reload waiters do not hold one: they are parked.
const WORKERS: usize = 8;

/// Pages rendered in the background in one go; a change or a request queued meanwhile stops
/// them at the next page (`Workspace::render_pending_until`), so it waits only for the pages
/// being rendered, one per core (pages that gather notes: tens of milliseconds each at 10,000
/// notes, hence `BACKGROUND_QUIET`). More than the 4 of before: the pages of one go share
/// lookups that cost as much as several pages to make.
const BACKGROUND_PAGES: usize = 16;

/// How long after the last change the derived files (search index, `kb.json`, the print page)
/// are refreshed: a save storm, or edits a few tenths of a second apart, refresh them once, and
/// no edit waits behind joining them (at 10,000 notes `kb.json` alone is tens of MB).
const DERIVED_QUIET: Duration = Duration::from_millis(300);

/// How long after the last change pages render in the background again: each of those left
/// after a load is a page that gathers notes (a layer's part, a part of the matrix), tens of
/// milliseconds at 10,000 notes, and an edit landing meanwhile waits for the ones being rendered;
/// while saves come less than this apart, only the pages they change and those browsers ask for
/// are rendered.
const BACKGROUND_QUIET: Duration = DERIVED_QUIET;

/// In how long the pages still to come render in the background (`None`: none are left), once
/// `BACKGROUND_QUIET` has passed since the last change.
fn background_in(to_render: usize, since_change: Duration) -> Option<Duration> {
    (to_render > 0).then(|| BACKGROUND_QUIET.saturating_sub(since_change))
}

enum Event {
    Changes(Vec<watch::Change>),
    /// A browser waits for this page, not rendered yet (or for a derived file).
    Want(String),
    /// The derived files, deflated off the rebuild loop, for the site as it was at `epoch`.
    Kept {
        epoch: u64,
        files: http::Kept,
        removed: Vec<String>,
    },
    Stop,
}

/// When the rebuild loop next refreshes the derived files, with no change waiting: `None` while
/// they are not `due`, while the last refresh is still being deflated (`keeping`), or while pages
/// are still to render in the background and no request may be for one of them (`asked`);
/// otherwise in how long, once `DERIVED_QUIET` has passed since the last change.
fn derived_in(
    due: bool,
    keeping: bool,
    asked: bool,
    to_render: usize,
    since_change: Duration,
) -> Option<Duration> {
    if !due || keeping {
        None
    } else if asked {
        Some(Duration::ZERO)
    } else if to_render > 0 {
        None
    } else {
        Some(DERIVED_QUIET.saturating_sub(since_change))
    }
}

/// Runs the preview until Ctrl-C.
pub fn run(options: Options) -> Result<()> {
    let started = Instant::now();
    // The port is taken before anything is read or built, so an address in use is reported at
    // once. Requests made during the first build wait in the listen queue for the workers.
    let address = SocketAddr::new(options.bind, options.port);
    if !options.bind.is_loopback() {
        eprintln!(
            "warning: serving on `{}`: anyone who can reach this machine there can read your \
             drafts and the whole knowledge base (only requests naming {} are answered)",
            options.bind,
            hosts(&options).join(", ")
        );
    }
    let server = Arc::new(listen(address, options.max_connections)?);
    // The watcher starts before the first load reads anything, so a save made while the site is
    // being built is queued and applied after it, never lost.
    let (tx, rx) = mpsc::channel::<Event>();
    let (change_tx, change_rx) = mpsc::channel::<Vec<watch::Change>>();
    let project = Project::resolve(&options.args)?;
    let mut watcher = watch::start(&workspace::roots(&project), change_tx)?;
    let queued = Arc::new(AtomicBool::new(false));
    forward(change_rx, tx.clone(), Arc::clone(&queued));
    let (mut workspace, output) = Workspace::load_project(options.args.clone(), project)?;
    let shared = Arc::new(http::Shared::with_hosts(hosts(&options)));
    {
        let (want_tx, want_rx) = mpsc::channel::<String>();
        shared.ask_with(want_tx);
        let (tx, queued) = (tx.clone(), Arc::clone(&queued));
        thread::spawn(move || {
            while let Ok(url) = want_rx.recv() {
                queued.store(true, Ordering::SeqCst);
                if tx.send(Event::Want(url)).is_err() {
                    break;
                }
            }
        });
    }
    let failed = output.failed();
    // The search index and exports come once every page is rendered, or sooner when a request
    // may be for one of them (an address the site does not list).
    let mut derived_due = !failed;
    shared.settle(derived_due);
    report(&output, started);
    let mut background = Background::default();
    background.start(&output, started);
    publish(&shared, output);
    if failed {
        eprintln!("serving the error page until the knowledge base is fixed");
    }

    let url = match server.server_addr().to_ip() {
        Some(addr) => format!("http://{addr}/"),
        None => format!("http://{address}/"),
    };
    for _ in 0..WORKERS {
        let server = Arc::clone(&server);
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            while let Ok(request) = server.recv() {
                shared.handle(request);
            }
        });
    }
    {
        let shared = Arc::clone(&shared);
        thread::spawn(move || loop {
            thread::sleep(Duration::from_secs(1));
            shared.sweep();
        });
    }

    {
        let tx = tx.clone();
        ctrlc::set_handler(move || {
            let _ = tx.send(Event::Stop);
        })
        .map_err(|e| Error::Refused(format!("cannot install the Ctrl-C handler: {e}")))?;
    }
    // Printed once the watcher runs and the site is published: a save after this line is seen.
    println!(
        "serving {} notes at {url} (Ctrl-C to stop)",
        workspace.notes()
    );
    let _ = std::io::stdout().flush();
    if options.open {
        open_browser(&url);
    }

    let mut wanted: Vec<String> = Vec::new();
    // A refresh of the derived files is being deflated off the loop; `epoch` moves whenever the
    // whole site is replaced, so a refresh made before that is dropped.
    let mut keeping = false;
    let mut epoch: u64 = 0;
    let mut last_change = Instant::now();
    // Whether the preview rendered, rebuilt or kept anything since `on_idle` last ran.
    let mut worked = true;
    loop {
        let derived = derived_in(
            derived_due && !workspace.stalled(),
            keeping,
            false,
            workspace.to_render(),
            last_change.elapsed(),
        );
        let rendering = background_in(workspace.to_render(), last_change.elapsed());
        let first = if rendering == Some(Duration::ZERO) || !wanted.is_empty() {
            match rx.try_recv() {
                Ok(event) => Some(event),
                Err(mpsc::TryRecvError::Empty) => None,
                Err(mpsc::TryRecvError::Disconnected) => break,
            }
        } else if let Some(wait) = derived.into_iter().chain(rendering).min() {
            match rx.recv_timeout(wait) {
                Ok(event) => Some(event),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            if worked && !keeping {
                (options.on_idle)();
                worked = false;
            }
            match rx.recv() {
                Ok(event) => Some(event),
                Err(_) => break,
            }
        };
        // Fold in what arrived meanwhile: one rebuild for a save storm.
        queued.store(false, Ordering::SeqCst);
        let mut changes = Vec::new();
        let mut stop = false;
        for event in first
            .into_iter()
            .chain(std::iter::from_fn(|| rx.try_recv().ok()))
        {
            match event {
                Event::Changes(more) => changes.extend(more),
                Event::Want(url) => wanted.push(url),
                Event::Kept {
                    epoch: made,
                    files,
                    removed,
                } => {
                    keeping = false;
                    worked = true;
                    if made == epoch {
                        shared.put(files, &removed);
                    }
                    shared.settle(derived_due && !workspace.stalled());
                }
                Event::Stop => stop = true,
            }
        }
        if stop {
            break;
        }
        if !changes.is_empty() {
            changes.sort();
            changes.dedup();
            worked = true;
            let roots = workspace.roots();
            let started = Instant::now();
            match workspace.apply(&changes) {
                Ok(output) => {
                    report(&output, started);
                    derived_due |= !output.failed();
                    if output.replace_all {
                        epoch += 1;
                    }
                    background.start(&output, started);
                    publish(&shared, output);
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    shared.publish(Vec::new(), &[], &[], false, vec![e.to_string()]);
                }
            }
            last_change = Instant::now();
            shared.settle(derived_due && !workspace.stalled());
            if workspace.roots() != roots {
                // book.toml moved the knowledge, overlay or theme directories: watch the new ones.
                let (change_tx, change_rx) = mpsc::channel::<Vec<watch::Change>>();
                watcher = watch::start(&workspace.roots(), change_tx)?;
                forward(change_rx, tx.clone(), Arc::clone(&queued));
            }
            continue;
        }
        // Nothing waits but requests: the pages asked for, then the derived files if a request
        // may be for one of them, then pages in the background, then the derived files.
        wanted.sort();
        wanted.dedup();
        let unknown = wanted.iter().any(|url| !workspace.is_pending(url));
        let due = derived_due && !workspace.stalled();
        let since = last_change.elapsed();
        if derived_in(due, keeping, unknown, workspace.to_render(), since) == Some(Duration::ZERO) {
            // Joined here, deflated on a thread of its own: a change arriving meanwhile is
            // rebuilt and served without waiting for tens of MB to be compressed.
            let refreshed = workspace.derived();
            derived_due = false;
            keeping = true;
            let (tx, made) = (tx.clone(), epoch);
            thread::spawn(move || {
                let files = http::keep(refreshed.files);
                let _ = tx.send(Event::Kept {
                    epoch: made,
                    files,
                    removed: refreshed.removed,
                });
            });
        }
        let rendering = background_in(workspace.to_render(), last_change.elapsed());
        if rendering == Some(Duration::ZERO) || !wanted.is_empty() {
            worked = true;
            // The pages asked for always; others only once the saves have paused.
            let limit = match rendering {
                Some(Duration::ZERO) => BACKGROUND_PAGES,
                _ => 0,
            };
            let output =
                workspace.render_pending_until(&wanted, limit, || queued.load(Ordering::SeqCst));
            if output.failed() {
                report(&output, Instant::now());
                publish(&shared, output);
            } else {
                background.rendered += output.rendered;
                shared.update(output.files, &output.removed);
                shared.restore(&output.kept);
                if workspace.to_render() == 0 {
                    background.done(&shared);
                }
            }
        }
        wanted.clear();
    }
    drop(watcher);
    server.unblock();
    eprintln!("stopped");
    Ok(())
}

/// What one client can make the preview hold (see SECURITY.md). Browsers send heads of a few
/// hundred bytes and no bodies; a parked reload waiter holds its connection, so the cap leaves
/// room for many tabs and a load test beside them.
pub fn limits(max_connections: usize) -> tiny_http::Limits {
    tiny_http::Limits {
        max_request_line: 8 * 1024,
        max_header_line: 8 * 1024,
        max_headers: 100,
        max_header_bytes: 32 * 1024,
        max_body: Some(0),
        header_timeout: Some(Duration::from_secs(10)),
        idle_timeout: Some(Duration::from_secs(10)),
        write_timeout: Some(Duration::from_secs(10)),
        max_connections: Some(max_connections),
    }
}

/// Connections open at once by default; one more is answered 503 and closed.
pub const MAX_CONNECTIONS: u32 = 2048;

/// File descriptors the preview needs besides its connections (watcher, files being read).
const SPARE_FILES: u64 = 256;

/// The connection cap in force: `wanted`, or fewer when the open-file limit cannot be raised to
/// hold that many (then a warning says so), so that a connection beyond it is refused with a
/// 503 rather than left in the kernel's queue by an `accept` out of descriptors.
fn connection_cap(wanted: usize) -> usize {
    let need = wanted as u64 + SPARE_FILES;
    match crate::os::raise_open_files(need) {
        Some(limit) if limit < need => {
            let cap = limit.saturating_sub(SPARE_FILES).max(16) as usize;
            eprintln!(
                "warning: the open-file limit ({limit}) holds only {cap} connections, not \
                 {wanted}; raise it with `ulimit -n` to serve more"
            );
            cap
        }
        _ => wanted,
    }
}

/// Listens on `address`; an error names it, and for an address in use says how to pick another.
fn listen(address: SocketAddr, max_connections: usize) -> Result<tiny_http::Server> {
    let limits = limits(connection_cap(max_connections));
    tiny_http::Server::http_with_limits(address, limits).map_err(|e| {
        let in_use = e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::AddrInUse);
        let hint = if in_use {
            " (another program listens there; `--port 0` picks a free port)"
        } else {
            ""
        };
        Error::Refused(format!("cannot listen on `{address}`: {e}{hint}"))
    })
}

/// The host names the preview answers: loopback, the bound address and `--allow-host` names.
fn hosts(options: &Options) -> Vec<String> {
    let bound = match options.bind {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
        .map(String::from)
        .to_vec();
    hosts.push(bound);
    hosts.extend(options.allow_hosts.iter().cloned());
    hosts
}

/// Hands the watcher's batches to the rebuild loop until either side is gone.
/// `queued` is raised with each batch, for the background rendering to stop at the next page
/// (`Workspace::render_pending_until`); the loop lowers it when it takes the events.
fn forward(
    changes: mpsc::Receiver<Vec<watch::Change>>,
    tx: mpsc::Sender<Event>,
    queued: Arc<AtomicBool>,
) {
    thread::spawn(move || {
        while let Ok(batch) = changes.recv() {
            queued.store(true, Ordering::SeqCst);
            if tx.send(Event::Changes(batch)).is_err() {
                break;
            }
        }
    });
}

fn publish(shared: &http::Shared, output: Output) {
    let mut errors: Vec<String> = output
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .map(ToString::to_string)
        .collect();
    errors.extend(output.failures.iter().cloned());
    if output.failed() {
        shared.publish(Vec::new(), &[], &[], false, errors);
    } else {
        shared.publish(
            output.files,
            &output.pending,
            &output.removed,
            output.replace_all,
            Vec::new(),
        );
    }
}

/// The pages rendered after a load, for the line saying they are all done.
#[derive(Default)]
struct Background {
    started: Option<Instant>,
    rendered: usize,
}

impl Background {
    /// Counts from a rebuild that left every page to come.
    fn start(&mut self, output: &Output, started: Instant) {
        if output.replace_all && !output.pending.is_empty() {
            *self = Background {
                started: Some(started),
                rendered: 0,
            };
        }
    }

    fn done(&mut self, shared: &http::Shared) {
        if let Some(started) = self.started.take() {
            let (files, kept, whole) = shared.kept();
            eprintln!(
                "rendered {} pages in {:.1} s; {files} files kept in {:.1} MB ({:.1} MB inflated)",
                self.rendered,
                started.elapsed().as_secs_f64(),
                kept as f64 / 1e6,
                whole as f64 / 1e6,
            );
        }
    }
}

fn report(output: &Output, started: Instant) {
    let mut stderr = std::io::stderr().lock();
    for diag in &output.diagnostics {
        let _ = writeln!(stderr, "{diag}");
    }
    for failure in &output.failures {
        let _ = writeln!(stderr, "error: {failure}");
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if output.failed() {
        let _ = writeln!(
            stderr,
            "rebuild failed in {ms:.1} ms; the last good site stays live"
        );
    } else if output.replace_all && !output.pending.is_empty() {
        let _ = writeln!(
            stderr,
            "loaded in {ms:.1} ms; {} pages to render, those asked for first",
            output.pending.len()
        );
    } else {
        let kept = match (output.kept.len(), output.pending.len()) {
            (0, 0) => String::new(),
            (n, 0) => format!(" ({n} more unchanged)"),
            (0, later) => format!(" ({later} more to come)"),
            (n, later) => format!(" ({n} more unchanged, {later} to come)"),
        };
        let _ = writeln!(
            stderr,
            "rebuilt {} page{} in {ms:.1} ms{kept}",
            output.rendered,
            if output.rendered == 1 { "" } else { "s" }
        );
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("warning: cannot open a browser with `{opener}`: {e}; open {url} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pages render in the background once the saves pause, and only while some are left.
    #[test]
    fn background_pages_wait_for_quiet() {
        let (zero, quiet, ms) = (Duration::ZERO, BACKGROUND_QUIET, Duration::from_millis);
        assert_eq!(background_in(0, quiet), None);
        assert_eq!(background_in(3, zero), Some(quiet));
        assert_eq!(background_in(3, ms(100)), Some(quiet - ms(100)));
        assert_eq!(background_in(3, quiet + ms(1)), Some(zero));
    }

    // The derived files wait for quiet after a change, never run twice at once, wait for the
    // background pages unless a request may be for one of them, and are never refreshed when
    // not due.
    #[test]
    fn derived_files_wait_for_quiet_and_for_the_last_refresh() {
        let (zero, quiet) = (Duration::ZERO, DERIVED_QUIET);
        let ms = Duration::from_millis;
        // (due, keeping, asked, to_render, since the last change) → when
        let cases = [
            ((false, false, true, 0, quiet), None),
            ((true, true, true, 0, quiet), None),
            ((true, false, false, 0, zero), Some(quiet)),
            ((true, false, false, 0, ms(100)), Some(quiet - ms(100))),
            ((true, false, false, 0, quiet + ms(1)), Some(zero)),
            ((true, false, false, 5, quiet), None),
            ((true, false, true, 5, zero), Some(zero)),
        ];
        for ((due, keeping, asked, to_render, since), want) in cases {
            assert_eq!(
                derived_in(due, keeping, asked, to_render, since),
                want,
                "due {due}, keeping {keeping}, asked {asked}, {to_render} to render, {since:?}"
            );
        }
    }
}
