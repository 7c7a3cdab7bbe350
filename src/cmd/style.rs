//! Colour and progress on a terminal: `--color auto|always|never` (auto: only when standard error
//! is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`), and a one-line progress
//! report for builds that take longer than a second. Output to a file or a pipe is plain text, so
//! scripts and CI logs see exactly what they always saw.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use whosecures::diag::{Diagnostic, Printable, Severity};

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    /// When standard error is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

static COLOUR: OnceLock<bool> = OnceLock::new();

/// Decides, once, whether standard error gets colour.
pub fn init(when: When) {
    let on = match when {
        When::Always => true,
        When::Never => false,
        When::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && std::io::stderr().is_terminal()
        }
    };
    let _ = COLOUR.set(on);
}

fn colour() -> bool {
    COLOUR.get().copied().unwrap_or(false)
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";

/// A diagnostic as printed: `path:line:col: error: message`, with the place in bold and the
/// severity in red or yellow when colouring. The text itself is the diagnostic's own (control
/// characters already escaped), so colour never changes what is said.
pub fn diagnostic(diag: &Diagnostic) -> String {
    if !colour() {
        return diag.to_string();
    }
    format!(
        "{BOLD}{}{RESET}: {}{}{RESET}: {}",
        diag.place(),
        paint(diag.severity),
        diag.severity.word(),
        Printable(&diag.message)
    )
}

fn paint(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
    }
}

/// `error:` (or `warning:`) in front of a message, coloured when colouring.
pub fn label(severity: Severity) -> String {
    if colour() {
        format!("{}{}{RESET}:", paint(severity), severity.word())
    } else {
        format!("{}:", severity.word())
    }
}

/// A line on standard error saying what a long build is doing, shown only on a terminal and only
/// once a second has passed, redrawn in place and erased when the build ends.
pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts watching `stage` (the name of the last finished stage, set by the build).
    pub fn start(what: &'static str, stage: Arc<Mutex<&'static str>>) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let elapsed = started.elapsed();
                    if elapsed < Duration::from_secs(1) || stop.load(Ordering::Relaxed) {
                        continue;
                    }
                    let done = *stage.lock().unwrap_or_else(|e| e.into_inner());
                    let after = if done.is_empty() {
                        String::new()
                    } else {
                        format!(", past {done}")
                    };
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{what}… {:.1}s{after}", elapsed.as_secs_f64());
                    let _ = err.flush();
                    shown = true;
                }
                if shown {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K");
                    let _ = err.flush();
                }
            })
        });
        Progress { stop, thread }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
