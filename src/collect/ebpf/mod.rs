//! The eBPF backend: `hogwatch-helper --backend ebpf` (root, through the same privilege
//! routes as nethogs: `collect::helper`) loads hogwatch's kernel program
//! (`hogwatch.bpf.c`, see docs/ebpf.md) and prints what it counted each interval;
//! `decode` turns that into the seam's events, and this file is the task around it.
//!
//! What it counts: IP packets (headers included, no link-layer header) per process, per
//! device and direction, from the kernel's socket of each packet, so short-lived
//! connections, UDP, loopback both ways and processes that exit between refreshes are all
//! attributed. /proc/net/dev counts the same packets with their link-layer header, so the
//! unattributed line (device − processes, never negative: the accountant's) keeps at least
//! the Ethernet headers (14 B a packet) and whatever has no local socket.
//!
//! Other network namespaces (containers): **not attributed**. Their processes' records come
//! with their namespace's cookie and ifindex, which name no device here; the decoder drops
//! them (and counts their bytes, `other_netns`). Their traffic reaches the host's devices as
//! forwarded packets, which no local socket sends or receives, so the kernel program never
//! counts them there: on the host's devices it is unattributed, and never counted twice.
//!
//! The helper prints byte deltas; the decoder adds them up into the cumulative counts per
//! epoch the seam wants, keeps an exited process's last figures in the sample of the block
//! that reports its exit, and starts a new epoch when it has retired too many (bounded).
//! Helper exit codes 7 (not built with the `ebpf` feature) and 8 (the kernel refuses the
//! program: no BTF, no cgroup v2, kernel too old, lockdown, no privilege) are final, and so
//! is having no route to root: `run` then ends with `Ended::Unavailable(why)`, and the seam
//! runs nethogs instead with that reason in its status (`source::fallback`).

pub mod decode;
pub mod devices;

use super::helper::launch::{self, RunningHelper};
use super::helper::privilege::{self, explain_exit, Backend};
use super::helper::probe;
use super::helper::supervise::{AfterExit, DeviceAction, Supervisor};
use super::sample::{Elevate, Event, SourceCommand, SourceStatus};
use crate::clock::{sleep_until_opt, Clock, Mono, SystemClock};
use decode::Decoder;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a helper gets to stop after its stdin closed before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// How the status names this backend's data.
const WHAT: &str = "per-process monitoring (eBPF)";

/// What the eBPF source needs to start.
#[derive(Debug, Clone)]
pub struct Options {
    pub interval_s: u64,
    pub elevate: Elevate,
    pub devices: Vec<String>,
}

struct Shell {
    opts: Options,
    clock: SystemClock,
    sup: Supervisor,
    decoder: Decoder,
    helper: Option<RunningHelper>,
    helper_path: PathBuf,
    events: mpsc::Sender<Event>,
    sent: Option<SourceStatus>,
    /// The last plan found no route to root.
    no_route: bool,
}

/// How `run` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// `Stop`, or the collector went away.
    Stopped,
    /// The eBPF backend cannot run here (said why); nothing was sent for a while.
    Unavailable(String),
}

/// Runs until `Stop` (or the collector goes away), or until it is clear that the backend
/// cannot run here; stops the helper on the way out.
pub async fn run(
    opts: Options,
    clock: SystemClock,
    events: mpsc::Sender<Event>,
    commands: &mut mpsc::Receiver<SourceCommand>,
) -> Ended {
    let mut decoder = Decoder::new(Box::new(devices::SysClassNet::default()))
        .with_procs(Box::new(super::procfs::ProcFs::default()));
    decoder.set_devices(&opts.devices);
    let fix = privilege::route_fix(Backend::Ebpf);
    let mut sh = Shell {
        sup: Supervisor::new(!opts.devices.is_empty())
            .for_backend(WHAT, fix)
            .with_interval(opts.interval_s),
        decoder,
        helper: None,
        helper_path: PathBuf::new(),
        opts,
        clock,
        events,
        sent: None,
        no_route: false,
    };
    sh.plan(sh.opts.elevate);
    sh.launch();
    let ended = loop {
        if let Some(why) = sh.unavailable() {
            break Ended::Unavailable(why);
        }
        if !sh.send_status().await {
            break Ended::Stopped;
        }
        let restart = sh.sup.restart_at().map(|m| sh.at(m));
        // The eBPF helper writes every refresh; nethogs' helper while a nethogs runs.
        let stuck = sh.sup.stuck_at(true).map(|m| sh.at(m));
        tokio::select! {
            line = launch::next_line(&mut sh.helper) => match line {
                Some(line) => {
                    let now = sh.clock.mono();
                    // Per-process from `ready` on: before it the programs are not attached
                    // and nothing is counted (loading takes 0.1 s, seconds when busy).
                    if line.starts_with("ready ") {
                        sh.sup.hello();
                    }
                    let refused = sh.decoder.bad_lines;
                    let out = sh.decoder.line(&line, now);
                    let understood = sh.decoder.bad_lines == refused;
                    if !sh.send(out).await {
                        break Ended::Stopped;
                    }
                    if let Some(why) = sh.sup.wrote(&line, now, understood) {
                        sh.helper_misbehaved(&why, now).await;
                    }
                }
                None => sh.helper_gone().await,
            },
            _ = sleep_until_opt(stuck) => sh.helper_stuck().await,
            _ = sleep_until_opt(restart) => {
                if sh.sup.restart_due(sh.clock.mono()) {
                    sh.launch();
                }
            }
            cmd = commands.recv() => match cmd {
                Some(SourceCommand::Devices(devices)) => sh.devices(devices).await,
                Some(SourceCommand::Retry(elevate)) => {
                    sh.stop_helper().await;
                    sh.sup.retry();
                    sh.plan(elevate);
                    sh.launch();
                }
                Some(SourceCommand::Stop) | None => break Ended::Stopped,
            },
        }
    };
    sh.stop_helper().await;
    ended
}

impl Shell {
    fn at(&self, m: Mono) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.clock.instant(m))
    }

    /// Why the backend cannot run here, once that is final: the kernel refused the program
    /// or the helper is not built with it (`Supervisor::fatal`), or there is no route to
    /// root at all. Not when a route failed for a reason of its own (a dismissed password
    /// dialog: nethogs would only ask again) — the user's retry decides then.
    fn unavailable(&self) -> Option<String> {
        if !(self.sup.halted() || self.no_route) || self.helper.is_some() {
            return None;
        }
        let reason = self.sup.status().reason;
        let prefix = format!("{WHAT} is off: ");
        Some(reason.strip_prefix(&prefix).unwrap_or(&reason).to_owned())
    }

    fn plan(&mut self, elevate: Elevate) {
        let probes = probe::probe();
        let routes = privilege::plan(elevate, &probes, Backend::Ebpf);
        self.no_route = routes.is_err();
        self.sup.plan(routes);
        self.helper_path = PathBuf::from(probes.helper.unwrap_or_default());
    }

    fn launch(&mut self) {
        let args = [
            "--backend".to_owned(),
            "ebpf".to_owned(),
            "--interval".to_owned(),
            self.opts.interval_s.to_string(),
        ];
        while let Some(route) = self.sup.next_route() {
            match launch::spawn(route, &self.helper_path, &args) {
                Ok(h) => {
                    tracing::info!(%route, "eBPF helper started");
                    self.sup.spawned(route, self.clock.mono());
                    self.helper = Some(h);
                    return;
                }
                Err(e) => self.sup.spawn_failed(route, &e.to_string()),
            }
        }
    }

    /// The helper's stdout ended: it exited. Says why, then gives up, falls back or restarts.
    async fn helper_gone(&mut self) {
        let Some(mut h) = self.helper.take() else {
            return;
        };
        self.decoder.reset();
        let code = match tokio::time::timeout(STOP_GRACE, h.child.wait()).await {
            Ok(Ok(s)) => s.code(),
            _ => {
                let _ = h.child.kill().await;
                None
            }
        };
        let said = h.stderr_after_exit(Duration::from_secs(1)).await;
        let why = explain_exit(h.route, code, &said);
        tracing::warn!(route = %h.route, ?code, "eBPF helper exited: {}", crate::text::printable(&why));
        if privilege::is_fatal(code) {
            self.sup.fatal(&why);
        } else if self.sup.exited(&why, self.clock.mono()) == AfterExit::TryNext {
            self.launch();
        }
    }

    /// The helper counts every device; only what the decoder passes on changes.
    async fn devices(&mut self, devices: Vec<String>) {
        if devices == self.opts.devices {
            return;
        }
        self.decoder.set_devices(&devices);
        self.opts.devices = devices;
        let any = !self.opts.devices.is_empty();
        if self.sup.devices_changed(any, self.clock.mono()) == DeviceAction::Stop {
            self.stop_helper().await;
        }
    }

    /// The helper wrote nothing until `Supervisor::stuck_at` (the deadline this fires at,
    /// taken the same loop turn): stopped and restarted as one that misbehaves.
    async fn helper_stuck(&mut self) {
        let now = self.clock.mono();
        let why = self.sup.stuck_why(now);
        self.helper_misbehaved(&why, now).await;
    }

    /// The helper is stuck, floods or writes garbage (`why`, found at `now`): stop it
    /// (killed after the grace if it does not end: a stopped process does not read its
    /// stdin) and restart it like one that exited, with backoff.
    async fn helper_misbehaved(&mut self, why: &str, now: Mono) {
        self.stop_helper().await;
        if self.sup.misbehaved(why, now) == AfterExit::TryNext {
            self.launch();
        }
    }

    async fn stop_helper(&mut self) {
        if let Some(h) = self.helper.take() {
            h.stop(STOP_GRACE).await;
        }
        self.decoder.reset();
    }

    async fn send(&mut self, events: Vec<Event>) -> bool {
        launch::send_all(&self.events, events).await
    }

    async fn send_status(&mut self) -> bool {
        let mut st = self.decoder.status(self.sup.status());
        st.health.backend = "ebpf".into();
        if self.sent.as_ref() == Some(&st) {
            return true;
        }
        self.sent = Some(st.clone());
        self.events.send(Event::Status(st)).await.is_ok()
    }
}
