//! A child's stdout, read line by line on a thread and delivered through a channel, so a
//! test waits for a line with a deadline and a full pipe never blocks the child.

use super::{err, Error, Result};
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

enum LineMsg {
    Line(String),
    Eof,
}

/// Lines of a child's stdout, read on a thread and delivered through a channel.
pub struct LineReader {
    tag: String,
    rx: Receiver<LineMsg>,
    eof: bool,
    history: Vec<String>,
}

impl LineReader {
    /// Starts a thread reading `source` line by line.
    pub fn spawn(tag: &str, source: impl Read + Send + 'static) -> LineReader {
        let (tx, rx) = mpsc::channel();
        let thread_tag = tag.to_owned();
        let spawned = thread::Builder::new()
            .name(format!("stdout-{tag}"))
            .spawn(move || {
                let mut reader = BufReader::new(source);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.read_until(b'\n', &mut buf) {
                        Ok(0) => break,
                        Ok(_) => {
                            while buf.last() == Some(&b'\n') || buf.last() == Some(&b'\r') {
                                buf.pop();
                            }
                            let line = String::from_utf8_lossy(&buf).into_owned();
                            if tx.send(LineMsg::Line(line)).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            eprintln!("[{thread_tag}] stdout read error: {e}");
                            break;
                        }
                    }
                }
                let _ = tx.send(LineMsg::Eof);
            });
        if let Err(e) = spawned {
            panic!("cannot spawn reader thread for {tag}: {e}");
        }
        LineReader {
            tag: tag.to_owned(),
            rx,
            eof: false,
            history: Vec::new(),
        }
    }

    /// Every line received so far.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Whether the stream has ended.
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// Next line within `timeout`; `Ok(None)` at end of stream; error on timeout.
    pub fn next_line(&mut self, timeout: Duration) -> Result<Option<String>> {
        if self.eof {
            return Ok(None);
        }
        match self.rx.recv_timeout(timeout) {
            Ok(LineMsg::Line(l)) => {
                self.history.push(l.clone());
                Ok(Some(l))
            }
            Ok(LineMsg::Eof) | Err(RecvTimeoutError::Disconnected) => {
                self.eof = true;
                Ok(None)
            }
            Err(RecvTimeoutError::Timeout) => Err(err(format!(
                "[{}] no output line within {timeout:?}",
                self.tag
            ))),
        }
    }

    /// Lines already received, without waiting.
    pub fn drain_now(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while !self.eof {
            match self.rx.try_recv() {
                Ok(LineMsg::Line(l)) => {
                    self.history.push(l.clone());
                    out.push(l);
                }
                Ok(LineMsg::Eof) | Err(mpsc::TryRecvError::Disconnected) => self.eof = true,
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        out
    }

    /// Reads lines until one satisfies `pred` (returned), failing at end of stream or
    /// when `timeout` elapses.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(
                    self.context_err(&format!("timed out after {timeout:?} waiting for {what}"))
                );
            }
            match self.next_line(left) {
                Ok(Some(line)) => {
                    if pred(&line) {
                        return Ok(line);
                    }
                }
                Ok(None) => {
                    return Err(self.context_err(&format!("output ended while waiting for {what}")))
                }
                Err(_) => {
                    return Err(self
                        .context_err(&format!("timed out after {timeout:?} waiting for {what}")))
                }
            }
        }
    }

    /// Like [`LineReader::wait_for`] over lines that parse as JSON objects (other lines
    /// are skipped).
    pub fn wait_for_json(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&serde_json::Value) -> bool,
    ) -> Result<serde_json::Value> {
        let mut found = None;
        self.wait_for(what, timeout, |line| {
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v) if v.is_object() && pred(&v) => {
                    found = Some(v);
                    true
                }
                _ => false,
            }
        })?;
        found.ok_or_else(|| err("wait_for_json: internal error"))
    }

    fn context_err(&self, msg: &str) -> Error {
        let tail: Vec<&String> = self.history.iter().rev().take(5).collect();
        let tail: Vec<String> = tail.into_iter().rev().map(|l| truncate(l, 400)).collect();
        err(format!(
            "[{}] {msg}; last stdout lines: {:#?}",
            self.tag, tail
        ))
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
