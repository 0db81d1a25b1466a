//! The nethogs backend: `hogwatch-helper` (root, through a privilege route) runs one
//! `nethogs -t` per device; this side reads its lines and turns them into the seam's events.
//!
//! - `collect::helper` — the route (direct, pkexec, sudo), starting the helper and its
//!   lifecycle, shared with the eBPF backend;
//! - `protocol` — the helper's line protocol; `trace` — nethogs' trace lines;
//!   `blocks` — framing them into refreshes; `verify` — each record against /proc;
//!   `decode` — blocks → samples;
//! - this file — the task that ties them together behind the seam.

pub mod blocks;
pub mod decode;
pub mod protocol;
pub mod trace;
pub mod verify;

use super::helper::privilege::{self, explain_exit, Backend};
use super::helper::supervise::{AfterExit, DeviceAction, Supervisor};
use super::helper::{launch, probe};
use super::sample::Elevate;
use super::sample::{Event, SourceCommand, SourceStatus};
use crate::clock::{sleep_until_opt, Clock, Mono, SystemClock};
use decode::Decoder;
use launch::RunningHelper;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a helper gets to stop after its stdin closed before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// What the nethogs source needs to start.
#[derive(Debug, Clone)]
pub struct Options {
    pub interval_s: u64,
    pub elevate: Elevate,
    pub devices: Vec<String>,
}

/// The running source: the helper, its supervisor and its decoder.
struct Shell {
    opts: Options,
    clock: SystemClock,
    sup: Supervisor,
    decoder: Decoder,
    helper: Option<RunningHelper>,
    helper_path: PathBuf,
    events: mpsc::Sender<Event>,
    /// The status last sent, so that only changes are.
    sent: Option<SourceStatus>,
}

/// Runs until `Stop` (or the collector goes away); stops the helper on the way out.
pub async fn run(
    opts: Options,
    clock: SystemClock,
    events: mpsc::Sender<Event>,
    mut commands: mpsc::Receiver<SourceCommand>,
) {
    let mut decoder = Decoder::live(Box::new(verify::ProcKernel));
    decoder.set_devices(&opts.devices);
    let mut sh = Shell {
        sup: Supervisor::new(!opts.devices.is_empty()).with_interval(opts.interval_s),
        decoder,
        helper: None,
        helper_path: PathBuf::new(),
        opts,
        clock,
        events,
        sent: None,
    };
    sh.plan(sh.opts.elevate);
    sh.launch();
    loop {
        if !sh.send_status().await {
            break;
        }
        let deadline = sh.decoder.next_deadline().map(|m| sh.at(m));
        let restart = sh.sup.restart_at().map(|m| sh.at(m));
        // The eBPF helper writes every refresh; nethogs' helper while a nethogs runs.
        let stuck = sh
            .sup
            .stuck_at(sh.decoder.expects_output())
            .map(|m| sh.at(m));
        tokio::select! {
            line = launch::next_line(&mut sh.helper) => match line {
                Some(line) => {
                    let now = sh.clock.mono();
                    sh.sup.hello();
                    let refused = sh.decoder.unknown_lines;
                    let out = sh.decoder.line(&line, now);
                    let understood = sh.decoder.unknown_lines == refused;
                    if !sh.send(out).await {
                        break;
                    }
                    if let Some(why) = sh.sup.wrote(&line, now, understood) {
                        sh.helper_misbehaved(&why, now).await;
                    }
                }
                None => sh.helper_gone().await,
            },
            _ = sleep_until_opt(deadline) => {
                let out = sh.decoder.poll(sh.clock.mono());
                if !sh.send(out).await {
                    break;
                }
            }
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
                Some(SourceCommand::Stop) | None => break,
            },
        }
    }
    sh.stop_helper().await;
}

impl Shell {
    fn at(&self, m: Mono) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.clock.instant(m))
    }

    /// Probes this machine and plans the routes.
    fn plan(&mut self, elevate: Elevate) {
        let probes = probe::probe();
        self.sup
            .plan(privilege::plan(elevate, &probes, Backend::Nethogs));
        self.helper_path = PathBuf::from(probes.helper.unwrap_or_default());
    }

    /// Starts the helper by the next route that starts at all.
    fn launch(&mut self) {
        while let Some(route) = self.sup.next_route() {
            let mut args = vec!["--interval".to_owned(), self.opts.interval_s.to_string()];
            args.extend(self.opts.devices.iter().cloned());
            match launch::spawn(route, &self.helper_path, &args) {
                Ok(h) => {
                    tracing::info!(%route, "helper started");
                    self.sup.spawned(route, self.clock.mono());
                    self.helper = Some(h);
                    return;
                }
                Err(e) => self.sup.spawn_failed(route, &e.to_string()),
            }
        }
    }

    /// The helper's stdout ended: it exited. Says why, then falls back or restarts.
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
        tracing::warn!(route = %h.route, ?code, "helper exited: {}", crate::text::printable(&why));
        if self.sup.exited(&why, self.clock.mono()) == AfterExit::TryNext {
            self.launch();
        }
    }

    async fn devices(&mut self, devices: Vec<String>) {
        if devices == self.opts.devices {
            return;
        }
        tracing::info!(?devices, "device set changed");
        self.decoder.set_devices(&devices);
        self.opts.devices = devices;
        match self
            .sup
            .devices_changed(!self.opts.devices.is_empty(), self.clock.mono())
        {
            DeviceAction::Send => {
                let line = format!("devices {}", self.opts.devices.join(","));
                if let Some(h) = self.helper.as_mut() {
                    if let Err(e) = h.send(&line).await {
                        tracing::warn!("cannot send devices to the helper: {e}");
                    }
                }
            }
            DeviceAction::Stop => self.stop_helper().await,
            DeviceAction::Nothing => {}
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

    /// Passes events on; false when the collector is gone.
    async fn send(&mut self, events: Vec<Event>) -> bool {
        launch::send_all(&self.events, events).await
    }

    /// The supervisor's status plus nethogs' own complaints, when it changed.
    async fn send_status(&mut self) -> bool {
        let mut st = self.decoder.status(self.sup.status());
        st.health.backend = "nethogs".into();
        if self.sent.as_ref() == Some(&st) {
            return true;
        }
        self.sent = Some(st.clone());
        self.events.send(Event::Status(st)).await.is_ok()
    }
}
