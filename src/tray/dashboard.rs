//! The dashboard window as the tray sees it: a child process (`hogwatch-window`), so the
//! tray never loads WebKit. On the tokio runtime (the bridge's side).
//!
//! - One window at most: "Open dashboard" starts the process with the URL on its stdin,
//!   or, while one runs, writes the URL to it (it raises its window, loading the URL only
//!   when it differs) — the behaviour of a window of the tray's own (`window_protocol`).
//! - The key travels on the pipe, never on a command line.
//! - How it ended decides what follows: closed — nothing; no window could be made (no
//!   display, WebKit would not start), or the program is missing — the browser, with a
//!   one-time code; a crash (a signal, another status) — the log and a notification say
//!   so, the tray runs on, and the next "Open dashboard" starts a new window.
//! - Its links for the browser come back on its stdout; each is checked again here
//!   (http(s) with a host only) before xdg-open sees it.
//! - Dropping this closes the window's stdin: the window closes (Quit, or the tray ends).

use super::browser;
use super::links::{self, Link};
use super::window_protocol::{self as protocol, Ended};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// How long a URL may take to reach a window before it counts as hung.
const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The window process, when one runs, and the reports of their ends.
pub struct Window {
    running: Option<Running>,
    ends_tx: mpsc::UnboundedSender<End>,
    ends: mpsc::UnboundedReceiver<End>,
}

/// The window process that runs now.
struct Running {
    pid: u32,
    stdin: ChildStdin,
    /// The URL it was last sent (for the browser, should it make no window).
    url: String,
}

/// A window process ended.
#[derive(Debug)]
pub struct End {
    pid: u32,
    how: Ended,
}

impl Default for Window {
    fn default() -> Self {
        Self::new()
    }
}

impl Window {
    pub fn new() -> Self {
        let (ends_tx, ends) = mpsc::unbounded_channel();
        Window {
            running: None,
            ends_tx,
            ends,
        }
    }

    /// Shows the dashboard's `url` (with its key) in the window: the running one, or a
    /// new one; the browser if none can be started.
    pub async fn show(&mut self, url: &str) {
        let Some(line) = protocol::url_line(url) else {
            tracing::warn!("the dashboard's URL holds a line break; not opening it");
            return;
        };
        if let Some(r) = &mut self.running {
            match send(&mut r.stdin, &line).await {
                Ok(()) => {
                    r.url = url.to_owned();
                    return;
                }
                // Hung (its pipe full): a second window would not help.
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    tracing::warn!("dashboard window (pid {}): {e}", r.pid);
                    return;
                }
                // It is ending (its end is reported, and ignored): a new one.
                Err(_) => self.running = None,
            }
        }
        match self.start(url, &line).await {
            Ok(r) => {
                tracing::info!("dashboard window: started (pid {})", r.pid);
                self.running = Some(r);
            }
            Err(e) => {
                tracing::warn!("cannot start the dashboard window ({e:#}); opening the browser");
                browser::browse_dashboard(url);
            }
        }
    }

    /// Waits for a window process to end, and does what follows (see the module's
    /// comment). Pending for ever while none runs.
    pub async fn ended(&mut self) {
        let Some(end) = self.ends.recv().await else {
            return std::future::pending().await;
        };
        // The end of an older process (written to while ending) changes nothing here.
        let current = self.running.as_ref().is_some_and(|r| r.pid == end.pid);
        let url = if current {
            self.running.take().map(|r| r.url)
        } else {
            None
        };
        match end.how {
            Ended::Closed => tracing::info!("dashboard window: closed (pid {})", end.pid),
            Ended::NoWindow => {
                tracing::warn!("the dashboard window could not be shown; opening the browser");
                if let Some(url) = url {
                    browser::browse_dashboard(&url);
                }
            }
            Ended::Crashed(how) => {
                let msg = format!(
                    "the dashboard window (pid {}) crashed ({how}); the tray runs on, and \
                     Open dashboard opens a new window",
                    end.pid
                );
                tracing::warn!("{msg}");
                // Its own task: a slow notification server must not hold up the bridge.
                tokio::spawn(async move {
                    crate::notify::show("hogwatch: the dashboard window crashed", &msg).await;
                });
            }
        }
    }

    /// Starts `hogwatch-window`, writes `line` (`url` as a line) to it, and watches it.
    async fn start(&self, url: &str, line: &str) -> anyhow::Result<Running> {
        let exe = crate::exe::libexec(crate::exe::WINDOW).ok_or_else(|| {
            anyhow::anyhow!(
                "{} is missing next to the tray and in {}",
                crate::exe::WINDOW,
                crate::exe::LIBEXEC
            )
        })?;
        let mut child = Command::new(&exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(false)
            .spawn()
            .map_err(|e| anyhow::anyhow!("{}: {e}", exe.display()))?;
        let pid = child.id().unwrap_or_default();
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            anyhow::bail!("no pipes to {}", exe.display());
        };
        let ends = self.ends_tx.clone();
        tokio::spawn(watch(child, pid, stdout, ends));
        send(&mut stdin, line).await?;
        Ok(Running {
            pid,
            stdin,
            url: url.to_owned(),
        })
    }
}

/// Writes `line` to a window's stdin, within [`WRITE_TIMEOUT`] (the bridge must not hang
/// on a window that stopped reading).
async fn send(stdin: &mut ChildStdin, line: &str) -> std::io::Result<()> {
    let write = async {
        stdin.write_all(line.as_bytes()).await?;
        stdin.flush().await
    };
    tokio::time::timeout(WRITE_TIMEOUT, write)
        .await
        .map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the window does not read what the tray sends",
            )
        })?
}

/// Follows one window process: its links for the browser, then its end.
async fn watch(
    mut child: Child,
    pid: u32,
    stdout: tokio::process::ChildStdout,
    ends: mpsc::UnboundedSender<End>,
) {
    let mut lines = BufReader::new(stdout).lines();
    let mut open = true;
    let status = loop {
        tokio::select! {
            line = lines.next_line(), if open => match line {
                Ok(Some(l)) => follow(&l),
                // Its stdout closed (WebKit's processes may hold it a moment longer).
                _ => open = false,
            },
            status = child.wait() => break status,
        }
    };
    let how = match status {
        Ok(s) => protocol::ended(s),
        Err(e) => Ended::Crashed(format!("cannot wait for it: {e}")),
    };
    let _ = ends.send(End { pid, how });
}

/// A line from the window: a link for the browser, if it is one the browser may have.
fn follow(line: &str) {
    match protocol::parse_open_url(line) {
        // No origin: every http(s) address with a host is the browser's.
        Some(url) if links::decide(url, "") == Link::Browser => browser::open_url(url),
        _ => tracing::warn!(
            "dashboard window: ignoring {:?}",
            crate::text::truncate(line, 80)
        ),
    }
}
