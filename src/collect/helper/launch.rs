//! Starts `hogwatch-helper` by a privilege route and streams its lines.
//!
//! The helper stops (and kills every nethogs, or detaches its kernel program) when its
//! stdin closes, so dropping
//! `RunningHelper::stdin` is how we stop it — signals cannot reach a pkexec'd child.

use super::privilege::Route;
use super::probe::{PKEXEC, SUDO};
use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// Lines of stderr kept to explain a failure.
const STDERR_TAIL: usize = 20;
/// The helper truncates nethogs lines at 4 KiB; anything longer than this is not from it,
/// and is cut into lines of this length (garbage to the decoder, bytes to `conduct`).
const MAX_LINE: usize = 16 * 1024;
/// Lines read but not yet taken by the source, at most.
const LINES_IN_FLIGHT: usize = 256;

/// The next line of `r` without its newline (lossy UTF-8), at most `MAX_LINE` bytes: a
/// longer one comes in pieces, so no helper output can grow a buffer without bound.
/// `None` at the end of the stream or on a read error.
async fn read_bounded_line<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> Option<String> {
    buf.clear();
    loop {
        let chunk = match r.fill_buf().await {
            Ok([]) | Err(_) => {
                return (!buf.is_empty()).then(|| String::from_utf8_lossy(buf).into_owned());
            }
            Ok(c) => c,
        };
        let room = MAX_LINE - buf.len();
        let end = chunk.len().min(room);
        match chunk[..end].iter().position(|&b| b == b'\n') {
            Some(i) => {
                buf.extend_from_slice(&chunk[..i]);
                r.consume(i + 1);
                return Some(String::from_utf8_lossy(buf).into_owned());
            }
            None => {
                buf.extend_from_slice(&chunk[..end]);
                r.consume(end);
                if buf.len() == MAX_LINE {
                    return Some(String::from_utf8_lossy(buf).into_owned());
                }
            }
        }
    }
}

/// A started helper.
pub struct RunningHelper {
    pub route: Route,
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    /// Lines of its stdout (lossy UTF-8); closed when stdout ends.
    pub lines: mpsc::Receiver<String>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// The task reading stderr; it ends at EOF, after the process (and pkexec/sudo) exit.
    stderr_reader: Option<tokio::task::JoinHandle<()>>,
}

/// The command line for `route`: the helper and its arguments (the backend's: e.g.
/// `--interval N DEV…` for nethogs, `--backend ebpf --interval N`).
pub fn command_for(route: Route, helper: &Path, args: &[String]) -> Command {
    let mut cmd = match route {
        Route::Direct => Command::new(helper),
        Route::Pkexec => {
            let mut c = Command::new(PKEXEC);
            c.arg(helper);
            c
        }
        Route::Sudo => {
            let mut c = Command::new(SUDO);
            c.arg("-n").arg(helper);
            c
        }
    };
    cmd.args(args);
    cmd
}

/// Spawns the helper; its output is read by background tasks.
pub fn spawn(route: Route, helper: &Path, args: &[String]) -> std::io::Result<RunningHelper> {
    let mut child = command_for(route, helper, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    // Lines in flight at most (each ≤ MAX_LINE): what a misbehaving helper can make us hold.
    let (tx, lines) = mpsc::channel(LINES_IN_FLIGHT);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(async move {
            let mut r = BufReader::new(out);
            let mut buf = Vec::new();
            while let Some(line) = read_bounded_line(&mut r, &mut buf).await {
                if tx.send(line).await.is_err() {
                    break;
                }
            }
        });
    }
    let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
    let stderr_reader = child.stderr.take().map(|err| {
        let tail = Arc::clone(&stderr_tail);
        tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::info!(target: "hogwatch::helper", "{}", line.escape_debug());
                if let Ok(mut t) = tail.lock() {
                    if t.len() == STDERR_TAIL {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            }
        })
    });
    Ok(RunningHelper {
        route,
        stdin: child.stdin.take(),
        child,
        lines,
        stderr_tail,
        stderr_reader,
    })
}

impl RunningHelper {
    /// What an exited helper (or pkexec/sudo) wrote on stderr, read to its end: the
    /// message that explains the exit (e.g. sudo's "a password is required") may arrive
    /// after stdout closed. Waits at most `limit` for a pipe someone else still holds.
    pub async fn stderr_after_exit(&mut self, limit: std::time::Duration) -> String {
        if let Some(reader) = self.stderr_reader.take() {
            let _ = tokio::time::timeout(limit, reader).await;
        }
        self.stderr_tail()
    }

    /// What the helper (or pkexec/sudo) wrote on stderr lately.
    pub fn stderr_tail(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    }

    /// Sends one command line (`devices a,b` or `restart`).
    pub async fn send(&mut self, command: &str) -> std::io::Result<()> {
        match self.stdin.as_mut() {
            Some(stdin) => {
                stdin.write_all(format!("{command}\n").as_bytes()).await?;
                stdin.flush().await
            }
            None => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
        }
    }

    /// Closes stdin (the helper stops its nethogs and exits), waits up to `grace`, then
    /// kills what we can. Returns the exit code if known.
    pub async fn stop(mut self, grace: std::time::Duration) -> Option<i32> {
        drop(self.stdin.take());
        // Nothing more is read: a helper still writing (flooding) meets a closed pipe.
        self.lines.close();
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(Ok(status)) => status.code(),
            _ => {
                let _ = self.child.kill().await;
                None
            }
        }
    }
}

/// The next line of the helper's stdout; `None` once it ended. Never ready without one.
pub async fn next_line(h: &mut Option<RunningHelper>) -> Option<String> {
    match h {
        Some(h) => h.lines.recv().await,
        None => std::future::pending().await,
    }
}

/// Passes a source's events on; false when the collector is gone.
pub async fn send_all(
    to: &mpsc::Sender<crate::collect::sample::Event>,
    events: Vec<crate::collect::sample::Event>,
) -> bool {
    for e in events {
        if to.send(e).await.is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_longer_than_the_bound_come_in_pieces() {
        let mut input = b"ab\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 2 * MAX_LINE + 100));
        input.extend(b"\n\xffcd");
        let mut r: &[u8] = &input;
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(line) = read_bounded_line(&mut r, &mut buf).await {
            got.push(line);
        }
        let lens: Vec<usize> = got.iter().map(String::len).collect();
        assert_eq!(lens, vec![2, MAX_LINE, MAX_LINE, 100, 5]);
        assert_eq!(got[0], "ab");
        assert_eq!(
            got[4], "\u{fffd}cd",
            "the last line without its newline, lossy"
        );
        assert!(buf.capacity() <= 2 * MAX_LINE);
    }
}
