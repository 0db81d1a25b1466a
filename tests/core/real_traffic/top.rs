//! `hogwatch top --json` running inside H, with every snapshot read so far.

use crate::support;
use std::time::{Duration, Instant};
use support::home::Home;
use support::snapshot::{ProcUsage, Snapshot};
use support::{err, nethogs_pids_for, wait_until, Child, Deadline, Result};

/// `hogwatch top --json` running inside H, with every snapshot read so far.
pub(super) struct Hogwatch {
    child: Child,
    pub(super) snaps: Vec<Snapshot>,
    devices: Vec<String>,
    /// The test's deadline: caps every wait.
    deadline: Deadline,
    _home: Home,
}

impl Hogwatch {
    /// Starts hogwatch in `ns` on `devices` for at most `count` refreshes, with a fresh
    /// temporary HOME (its own XDG directories, so its own collector: tests running in
    /// parallel never attach to each other).
    pub(super) fn start(
        ns: &str,
        devices: &[&str],
        count: u32,
        deadline: Deadline,
    ) -> Result<Hogwatch> {
        let home = Home::new("hogwatch-traffic-")?;
        let pairs = home.env();
        let env: Vec<(&str, &str)> = pairs.iter().filter_map(|kv| kv.split_once('=')).collect();
        let devs = devices.join(",");
        let count = count.to_string();
        let argv = [
            env!("CARGO_BIN_EXE_hogwatch"),
            "top",
            "--json",
            "--elevate",
            "none",
            "--interval",
            "1",
            "--devices",
            devs.as_str(),
            "--count",
            count.as_str(),
        ];
        eprintln!("starting in {ns}: {}", argv.join(" "));
        let child = Child::spawn_env("hogwatch", Some(ns), &argv, &env)?;
        Ok(Hogwatch {
            child,
            snaps: Vec::new(),
            devices: devices.iter().map(|d| (*d).to_owned()).collect(),
            deadline,
            _home: home,
        })
    }

    /// The next snapshot (non-JSON lines are logged and skipped).
    fn next(&mut self, timeout: Duration) -> Result<&Snapshot> {
        let timeout = self.deadline.cap(timeout);
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.child.lines().next_line(left) {
                Ok(Some(line)) => line,
                Ok(None) => {
                    let status = self.child.wait_exit(Duration::from_secs(5));
                    return Err(err(format!(
                        "hogwatch's output ended after {} snapshots (exit: {status:?}); \
                         stderr:\n{}",
                        self.snaps.len(),
                        self.child.stderr_text()
                    )));
                }
                Err(e) => {
                    return Err(err(format!(
                        "no snapshot from hogwatch within {timeout:?} ({e}; {:?} left of the \
                         test's {:?} budget); stderr:\n{}",
                        self.deadline.left(),
                        self.deadline.total(),
                        self.child.stderr_text()
                    )))
                }
            };
            let trimmed = line.trim();
            if !trimmed.starts_with('{') {
                eprintln!("[hogwatch stdout, not JSON] {line}");
                continue;
            }
            let snap: Snapshot = serde_json::from_str(trimmed).map_err(|e| {
                err(format!(
                    "hogwatch printed a line that does not follow the snapshot contract \
                     ({e}):\n{line}"
                ))
            })?;
            self.snaps.push(snap);
            return self
                .snaps
                .last()
                .ok_or_else(|| err("internal: snapshot vanished"));
        }
    }

    /// Reads snapshots until one satisfies `pred`.
    pub(super) fn wait_snapshot(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&Snapshot) -> bool,
    ) -> Result<Snapshot> {
        let timeout = self.deadline.cap(timeout);
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(err(format!(
                    "timed out after {timeout:?} waiting for a snapshot with {what}; last: {}",
                    self.last_summary()
                )));
            }
            let snap = self
                .next(left)
                .map_err(|e| err(format!("waiting for a snapshot with {what}: {e}")))?;
            if pred(snap) {
                return Ok(snap.clone());
            }
        }
    }

    /// Waits until hogwatch attributes per process: a first snapshot, one in
    /// `per-process` mode with both nethogs running, then two more refreshes so that
    /// nethogs has surely opened its capture before any test traffic starts.
    pub(super) fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        self.next(Duration::from_secs(20))
            .map_err(|e| err(format!("first snapshot: {e}")))?;
        eprintln!("first snapshot after {:?}", started.elapsed());
        let devices = self.devices.clone();
        self.wait_snapshot("mode per-process", Duration::from_secs(20), |s| {
            s.mode == "per-process"
        })?;
        for dev in &devices {
            wait_until(
                &format!("a nethogs process for {dev}"),
                self.deadline.cap(Duration::from_secs(10)),
                || (!nethogs_pids_for(dev).is_empty()).then_some(()),
            )?;
        }
        for _ in 0..2 {
            self.next(Duration::from_secs(10))?;
        }
        eprintln!("hogwatch ready after {:?}", started.elapsed());
        Ok(())
    }

    /// Reads snapshots until `n` of them have `ts` strictly after `after_ms`; returns the
    /// last one.
    pub(super) fn refreshes_after(&mut self, after_ms: u64, n: usize) -> Result<Snapshot> {
        let mut seen = 0;
        let deadline = Instant::now() + Duration::from_secs(5 * n as u64 + 5);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let snap = self.next(left)?;
            if snap.ts > after_ms {
                seen += 1;
                if seen == n {
                    return Ok(snap.clone());
                }
            }
        }
    }

    /// The last snapshot that lists `pid`, if any.
    pub(super) fn last_with_pid(&self, pid: u32) -> Option<(&Snapshot, &ProcUsage)> {
        self.snaps
            .iter()
            .rev()
            .find_map(|s| s.process(pid).map(|p| (s, p)))
    }

    pub(super) fn last_summary(&self) -> String {
        match self.snaps.last() {
            Some(s) => format!(
                "ts {} (interval {} ms) mode {} status {:?}, {} processes, devices {:?}",
                s.ts,
                s.interval_ms,
                s.mode,
                s.status,
                s.processes.len(),
                s.devices
                    .iter()
                    .map(|d| (&d.name, d.usage.up_bytes, d.usage.down_bytes))
                    .collect::<Vec<_>>()
            ),
            None => "none".to_owned(),
        }
    }

    /// The pid of `hogwatch top`.
    pub(super) fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// Stops hogwatch and reports (without failing) any nethogs it left behind.
    pub(super) fn stop(mut self) {
        self.child.stop();
        for dev in &self.devices {
            let left = wait_until(
                &format!("nethogs for {dev} to exit after hogwatch stopped"),
                Duration::from_secs(5),
                || nethogs_pids_for(dev).is_empty().then_some(()),
            );
            if let Err(e) = left {
                eprintln!("WARNING: {e}: still running {:?}", nethogs_pids_for(dev));
            }
        }
    }
}
