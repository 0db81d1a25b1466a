//! The helper's lifecycle as a pure state machine: which privilege route to try next,
//! when a helper that ran is restarted (backoff), and what the status line says meanwhile.
//! The async shell (`source`) spawns, reads and stops the helper and reports each event
//! here with the time; this decides. Tested without processes or clocks.
//!
//! Rules:
//! - Before the helper's first line ("hello"), a route that fails to start or exits is
//!   recorded with its reason and the next route is tried; when none is left, the mode is
//!   totals-only with every reason and the fix.
//! - A helper that ran and exits is restarted by the same route after 1 s, doubling up to
//!   30 s while it keeps dying; one that ran for a minute starts the backoff over.
//! - A helper that exits saying it cannot work here (`fatal`: not built with the eBPF
//!   backend, the kernel refuses the program) is not restarted: totals-only with its
//!   reason until a retry.
//! - With no device to monitor no helper runs, and the status says so; when devices come
//!   back the helper is started again.
//! - A helper that said hello and then writes nothing for `STUCK_REFRESHES` refreshes (at
//!   least `STUCK_MIN_MS`) while its output is expected — it is stopped (SIGSTOP) or stuck
//!   — is stopped and restarted like one that exited, the reason in the status.
//! - So is one that floods its stdout or writes lines nobody understands (`conduct`).

use super::conduct::Conduct;
use super::privilege::{NoRoute, Route, CAPS_FIX};

use crate::clock::Mono;
use crate::collect::sample::SourceStatus;
use crate::model::{Health, Mode};
use std::collections::VecDeque;

const FIRST_BACKOFF_MS: u64 = 1_000;
const MAX_BACKOFF_MS: u64 = 30_000;
/// A helper that ran this long before exiting starts the backoff over.
const HEALTHY_MS: u64 = 60_000;
const NO_DEVICE: &str = "no network device is up";
/// A helper silent this many refreshes, and at least `STUCK_MIN_MS`, is stuck. Above the
/// helper's own limit for a silent nethogs (5 refreshes, 6 s), which it reports itself.
const STUCK_REFRESHES: u64 = 10;
const STUCK_MIN_MS: u64 = 12_000;

/// What the shell must do after the devices changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceAction {
    /// Tell the running helper the new device set.
    Send,
    /// Stop the running helper: nothing is left to monitor.
    Stop,
    /// Nothing now (a restart may have been scheduled: see `restart_at`).
    Nothing,
}

/// What the shell must do after the helper exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterExit {
    /// It never said hello: try the next route now (`next_route`).
    TryNext,
    /// It ran: restart at `restart_at`.
    RestartLater,
}

#[derive(Debug)]
pub struct Supervisor {
    /// Routes still to try before the first hello.
    pending: VecDeque<Route>,
    /// Why the routes tried so far failed (cleared by a hello).
    failures: Vec<String>,
    /// The route of the running helper, or of the last one that started.
    route: Option<Route>,
    running: bool,
    said_hello: bool,
    started: Mono,
    restart_at: Option<Mono>,
    backoff_ms: u64,
    has_devices: bool,
    mode: Mode,
    reason: String,
    /// What the status names as the fix when every route failed (the backend's).
    fix: String,
    /// What the status calls the data the helper brings (nethogs, eBPF).
    what: &'static str,
    /// The helper said it cannot work here (`fatal`): no restart until a retry.
    halted: bool,
    /// When the running helper last wrote a line.
    heard: Mono,
    /// After how long without a line it is stuck (from the refresh interval).
    stuck_ms: u64,
    /// What the running helper wrote lately.
    conduct: Conduct,
    /// Helpers started and lines not understood, since hogwatch started (for `/metrics`).
    starts: u64,
    dropped: u64,
}

impl Supervisor {
    pub fn new(has_devices: bool) -> Self {
        Supervisor {
            pending: VecDeque::new(),
            failures: Vec::new(),
            route: None,
            running: false,
            said_hello: false,
            started: Mono(0),
            restart_at: None,
            backoff_ms: FIRST_BACKOFF_MS,
            has_devices,
            mode: Mode::Starting,
            reason: if has_devices {
                String::new()
            } else {
                NO_DEVICE.into()
            },
            fix: CAPS_FIX.into(),
            what: "per-process monitoring",
            halted: false,
            starts: 0,
            dropped: 0,
            heard: Mono(0),
            stuck_ms: STUCK_MIN_MS,
            conduct: Conduct::default(),
        }
    }

    /// The helper refreshes every `interval_s`: it is stuck after `STUCK_REFRESHES` of them.
    pub fn with_interval(mut self, interval_s: u64) -> Self {
        self.stuck_ms = STUCK_MIN_MS.max(interval_s.saturating_mul(STUCK_REFRESHES * 1000));
        self
    }

    /// The running helper wrote a line at `now`.
    pub fn heard(&mut self, now: Mono) {
        self.heard = now;
    }

    /// The running helper wrote `line` at `now`, which the decoder `understood` or not.
    /// Returns why it misbehaves (floods, writes garbage), once it does: the shell then
    /// stops it and calls `misbehaved`.
    pub fn wrote(&mut self, line: &str, now: Mono, understood: bool) -> Option<String> {
        self.heard = now;
        if !understood {
            self.dropped = self.dropped.saturating_add(1);
        }
        self.conduct.line(line, now, understood)
    }

    /// The shell stopped the helper for `why`, found at `now` (from `wrote` or
    /// `stuck_why`): restarted as after an exit, with backoff while it keeps misbehaving.
    pub fn misbehaved(&mut self, why: &str, now: Mono) -> AfterExit {
        tracing::warn!(
            "stopping and restarting the helper: {}",
            crate::text::printable(why)
        );
        self.exited(why, now)
    }

    /// When the running helper counts as stuck if it writes nothing more; only while it
    /// has said hello and output is `expected` (a nethogs runs; the eBPF helper always).
    pub fn stuck_at(&self, expected: bool) -> Option<Mono> {
        (self.running && self.said_hello && expected).then(|| self.heard.plus_ms(self.stuck_ms))
    }

    /// Why the running helper counts as stuck at `now` (`stuck_at` passed): for
    /// `misbehaved`, which stops and restarts it as after an exit.
    pub fn stuck_why(&self, now: Mono) -> String {
        format!(
            "it wrote nothing for {} s: stopped or stuck",
            now.since(self.heard).div_ceil(1000)
        )
    }

    /// For a backend other than nethogs: how the status names it (e.g. "per-process
    /// monitoring (eBPF)") and the fix when every route failed.
    pub fn for_backend(mut self, what: &'static str, fix: &str) -> Self {
        self.what = what;
        self.fix = fix.into();
        self
    }

    /// The routes to try (from `privilege::plan`), at start and on a retry. No route:
    /// totals-only, with the reason and the fix.
    pub fn plan(&mut self, routes: Result<Vec<Route>, NoRoute>) {
        self.failures.clear();
        match routes {
            Ok(r) => self.pending = r.into(),
            Err(no) => {
                self.pending.clear();
                let what = self.what;
                self.set(Mode::TotalsOnly, format!("{what} is off: {no}"));
            }
        }
    }

    /// "Enable per-process monitoring…": the shell has stopped any running helper; start
    /// over from `plan`.
    pub fn retry(&mut self) {
        self.halted = false;
        self.running = false;
        self.said_hello = false;
        self.restart_at = None;
        self.set(Mode::Starting, String::new());
    }

    /// The next route to start now, if any. When every route has failed before a hello,
    /// this turns to totals-only with the reasons.
    pub fn next_route(&mut self) -> Option<Route> {
        if !self.has_devices || self.running || self.halted {
            return None;
        }
        if let Some(r) = self.pending.pop_front() {
            return Some(r);
        }
        if !self.failures.is_empty() && !self.said_hello {
            let why = format!(
                "{} is off: {} — fix: {}",
                self.what,
                self.failures.join("; "),
                self.fix
            );
            self.set(Mode::TotalsOnly, why);
        }
        None
    }

    pub fn spawned(&mut self, route: Route, now: Mono) {
        self.running = true;
        self.starts = self.starts.saturating_add(1);
        self.route = Some(route);
        self.started = now;
        self.heard = now;
        self.conduct.reset();
    }

    pub fn spawn_failed(&mut self, route: Route, error: &str) {
        self.failures
            .push(format!("{route}: cannot start: {error}"));
    }

    /// The helper's first line arrived: per-process data flows.
    pub fn hello(&mut self) {
        if self.said_hello {
            return;
        }
        self.said_hello = true;
        self.failures.clear();
        self.set(Mode::PerProcess, String::new());
    }

    /// The running helper exited; `why` says how (`privilege::explain_exit`).
    pub fn exited(&mut self, why: &str, now: Mono) -> AfterExit {
        self.running = false;
        if !self.said_hello {
            let route = self.route.take().map(|r| r.to_string()).unwrap_or_default();
            self.failures.push(format!("{route}: {why}"));
            return AfterExit::TryNext;
        }
        if now.since(self.started) >= HEALTHY_MS {
            self.backoff_ms = FIRST_BACKOFF_MS;
        }
        let wait = self.backoff_ms;
        self.backoff_ms = (self.backoff_ms * 2).min(MAX_BACKOFF_MS);
        self.said_hello = false;
        self.restart_at = Some(now.plus_ms(wait));
        self.set(
            Mode::Starting,
            format!("helper stopped ({why}); restarting in {} s", wait / 1000),
        );
        AfterExit::RestartLater
    }

    /// The helper exited saying it cannot work on this machine (`privilege::is_fatal`):
    /// totals only, with `why`, and no restart (it would fail the same way) until a retry.
    pub fn fatal(&mut self, why: &str) {
        self.running = false;
        self.said_hello = false;
        self.halted = true;
        self.restart_at = None;
        self.pending.clear();
        let what = self.what;
        self.set(Mode::TotalsOnly, format!("{what} is off: {why}"));
    }

    /// Stopped for good by `fatal` (until a retry).
    pub fn halted(&self) -> bool {
        self.halted
    }

    /// When a scheduled restart is due.
    pub fn restart_at(&self) -> Option<Mono> {
        self.restart_at
    }

    /// At `restart_at`: queues the last route again; the shell then calls `next_route`.
    pub fn restart_due(&mut self, now: Mono) -> bool {
        match self.restart_at {
            Some(t) if now >= t => {
                self.restart_at = None;
                if let Some(r) = self.route {
                    self.pending.push_front(r);
                }
                true
            }
            _ => false,
        }
    }

    /// The monitored device set changed; `any`: it is not empty.
    pub fn devices_changed(&mut self, any: bool, now: Mono) -> DeviceAction {
        self.has_devices = any;
        if !any {
            let mode = self.mode;
            self.set(mode, NO_DEVICE.into());
        } else if self.reason == NO_DEVICE {
            let mode = self.mode;
            self.set(mode, String::new());
        }
        match (self.running, any) {
            (true, true) => DeviceAction::Send,
            (true, false) => {
                self.running = false;
                DeviceAction::Stop
            }
            (false, true) => {
                if self.route.is_some() && self.restart_at.is_none() && !self.halted {
                    self.restart_at = Some(now);
                }
                DeviceAction::Nothing
            }
            (false, false) => DeviceAction::Nothing,
        }
    }

    pub fn status(&self) -> SourceStatus {
        SourceStatus {
            mode: self.mode,
            reason: self.reason.clone(),
            health: Health {
                helper_starts: self.starts,
                dropped_lines: self.dropped,
                ..Health::NONE
            },
        }
    }

    fn set(&mut self, mode: Mode, reason: String) {
        if reason != self.reason && !reason.is_empty() {
            tracing::warn!("{}", crate::text::printable(&reason));
        }
        self.mode = mode;
        self.reason = reason;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(routes: &[Route]) -> Supervisor {
        let mut s = Supervisor::new(true);
        s.plan(Ok(routes.to_vec()));
        s
    }

    #[test]
    fn a_helper_silent_for_ten_refreshes_while_output_is_expected_is_stuck() {
        let mut s = planned(&[Route::Direct]).with_interval(1);
        let r = s.next_route().unwrap();
        s.spawned(r, Mono(1000));
        assert_eq!(s.stuck_at(true), None, "not before its hello");
        s.heard(Mono(1500));
        s.hello();
        assert_eq!(s.stuck_at(true), Some(Mono(13_500)), "12 s at the least");
        assert_eq!(
            s.stuck_at(false),
            None,
            "no nethogs runs: silence is normal"
        );
        s.heard(Mono(2500));
        assert_eq!(s.stuck_at(true), Some(Mono(14_500)));
        let why = s.stuck_why(Mono(14_500));
        assert_eq!(s.misbehaved(&why, Mono(14_500)), AfterExit::RestartLater);
        let st = s.status();
        assert_eq!(st.mode, Mode::Starting);
        assert!(
            st.reason
                .contains("it wrote nothing for 12 s: stopped or stuck")
                && st.reason.contains("restarting in 1 s"),
            "{}",
            st.reason
        );
        assert_eq!(s.stuck_at(true), None, "stopped");
        assert!(s.restart_due(Mono(15_500)));
        let r = s.next_route().unwrap();
        s.spawned(r, Mono(15_600));
        s.hello();
        assert_eq!(
            s.stuck_at(true),
            Some(Mono(27_600)),
            "counts from its start"
        );
        let slow = planned(&[Route::Direct]).with_interval(60);
        assert_eq!(slow.stuck_ms, 600_000);
    }

    /// What `/metrics` exports: every helper started, every line not understood.
    #[test]
    fn starts_and_dropped_lines_are_counted_across_restarts() {
        let mut s = planned(&[Route::Direct]).with_interval(1);
        let r = s.next_route().unwrap();
        s.spawned(r, Mono(0));
        s.hello();
        let _ = s.wrote("garbage", Mono(10), false);
        let _ = s.wrote("rec ok", Mono(20), true);
        let _ = s.exited("killed", Mono(100_000));
        assert!(s.restart_due(Mono(200_000)));
        let r = s.next_route().unwrap();
        s.spawned(r, Mono(200_000));
        let _ = s.wrote("more garbage", Mono(200_010), false);
        let h = s.status().health;
        assert_eq!((h.helper_starts, h.dropped_lines), (2, 2));
    }

    #[test]
    fn routes_fall_back_until_one_says_hello() {
        let mut s = planned(&[Route::Pkexec, Route::Sudo]);
        assert_eq!(s.next_route(), Some(Route::Pkexec));
        s.spawned(Route::Pkexec, Mono(0));
        assert_eq!(s.next_route(), None, "one helper at a time");
        assert_eq!(
            s.exited("the password dialog was dismissed", Mono(500)),
            AfterExit::TryNext
        );
        assert_eq!(s.next_route(), Some(Route::Sudo));
        s.spawned(Route::Sudo, Mono(600));
        s.hello();
        assert_eq!(s.status().mode, Mode::PerProcess);
        assert_eq!(s.status().reason, "");
    }

    #[test]
    fn every_route_failing_is_totals_only_with_every_reason() {
        let mut s = planned(&[Route::Pkexec, Route::Sudo]);
        let r = s.next_route().unwrap_or(Route::Direct);
        s.spawned(r, Mono(0));
        s.exited("pkexec: not authorised", Mono(10));
        let r = s.next_route().unwrap_or(Route::Direct);
        s.spawn_failed(r, "No such file");
        assert_eq!(s.next_route(), None);
        let st = s.status();
        assert_eq!(st.mode, Mode::TotalsOnly);
        assert!(
            st.reason.contains("pkexec: pkexec: not authorised"),
            "{}",
            st.reason
        );
        assert!(
            st.reason.contains("sudo: cannot start: No such file"),
            "{}",
            st.reason
        );
        assert!(st.reason.contains("setcap"), "{}", st.reason);
    }

    #[test]
    fn no_route_at_all_says_why() {
        let mut s = Supervisor::new(true);
        s.plan(Err(NoRoute {
            reason: "nethogs is not installed".into(),
            fix: "sudo apt install nethogs".into(),
        }));
        assert_eq!(s.next_route(), None);
        let st = s.status();
        assert_eq!(st.mode, Mode::TotalsOnly);
        assert_eq!(
            st.reason,
            "per-process monitoring is off: nethogs is not installed — fix: sudo apt install nethogs"
        );
    }

    #[test]
    fn a_helper_that_ran_restarts_with_backoff() {
        let mut s = planned(&[Route::Direct]);
        let mut now = Mono(0);
        let mut waits = Vec::new();
        for _ in 0..7 {
            assert_eq!(s.next_route(), Some(Route::Direct));
            s.spawned(Route::Direct, now);
            s.hello();
            now = now.plus_ms(2_000);
            assert_eq!(s.exited("killed", now), AfterExit::RestartLater);
            assert_eq!(s.status().mode, Mode::Starting);
            let at = s.restart_at().unwrap_or(now);
            waits.push(at.since(now));
            assert!(!s.restart_due(now), "not yet");
            now = at;
            assert!(s.restart_due(now));
        }
        assert_eq!(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
        // A minute of good running starts the backoff over.
        s.next_route();
        s.spawned(Route::Direct, now);
        s.hello();
        s.exited("killed", now.plus_ms(61_000));
        assert!(
            s.status().reason.contains("restarting in 1 s"),
            "{}",
            s.status().reason
        );
    }

    #[test]
    fn no_devices_no_helper_and_back() {
        let mut s = Supervisor::new(false);
        s.plan(Ok(vec![Route::Direct]));
        assert_eq!(s.next_route(), None);
        assert_eq!(s.status().reason, "no network device is up");
        assert_eq!(s.devices_changed(true, Mono(5)), DeviceAction::Nothing);
        assert_eq!(s.status().reason, "");
        assert_eq!(s.next_route(), Some(Route::Direct));
        s.spawned(Route::Direct, Mono(5));
        s.hello();
        assert_eq!(s.devices_changed(true, Mono(6)), DeviceAction::Send);
        assert_eq!(s.devices_changed(false, Mono(7)), DeviceAction::Stop);
        assert_eq!(s.status().reason, "no network device is up");
        assert_eq!(s.devices_changed(true, Mono(8)), DeviceAction::Nothing);
        assert_eq!(s.restart_at(), Some(Mono(8)), "restarted at once");
        assert!(s.restart_due(Mono(8)));
        assert_eq!(s.next_route(), Some(Route::Direct));
    }

    #[test]
    fn a_fatal_exit_stops_restarts_until_a_retry() {
        let mut s = planned(&[Route::Direct]).for_backend("per-process monitoring (eBPF)", "x");
        assert_eq!(s.next_route(), Some(Route::Direct));
        s.spawned(Route::Direct, Mono(0));
        s.hello();
        s.fatal("the eBPF program cannot run here: no kernel BTF");
        let st = s.status();
        assert_eq!(st.mode, Mode::TotalsOnly);
        assert_eq!(
            st.reason,
            "per-process monitoring (eBPF) is off: the eBPF program cannot run here: no kernel BTF"
        );
        assert_eq!(s.restart_at(), None);
        assert_eq!(s.next_route(), None);
        assert_eq!(s.devices_changed(false, Mono(1)), DeviceAction::Nothing);
        assert_eq!(s.devices_changed(true, Mono(2)), DeviceAction::Nothing);
        assert_eq!(s.restart_at(), None, "no restart after a fatal exit");
        s.retry();
        s.plan(Ok(vec![Route::Direct]));
        assert_eq!(s.next_route(), Some(Route::Direct));
    }

    #[test]
    fn retry_starts_over() {
        let mut s = planned(&[Route::Sudo]);
        let r = s.next_route().unwrap_or(Route::Direct);
        s.spawned(r, Mono(0));
        s.exited("sudo needs a password", Mono(1));
        assert_eq!(s.next_route(), None);
        assert_eq!(s.status().mode, Mode::TotalsOnly);
        s.retry();
        s.plan(Ok(vec![Route::Pkexec]));
        assert_eq!(s.status().mode, Mode::Starting);
        assert_eq!(s.next_route(), Some(Route::Pkexec));
    }
}
