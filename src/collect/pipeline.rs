//! The collector's synchronous core: a source's events in, refreshes out. It hands
//! samples to the accountant with the device counters read at the same moment (live) or
//! as recorded (replay), records what it applies when asked (`top --record`), and stamps
//! each refresh with the source's status. Time comes in as arguments.

use super::accountant::{Accountant, AccountantConfig};
use super::gap::Continuity;
use super::lookup::ProcLookup;
use super::procfs::DevCounters;
use super::replay::format::{netdev_item, Item, Recorder};
use super::sample::{DeviceSample, Event, ProcDetails, SourceStatus};
use crate::clock::Mono;
use crate::model::Refresh;

/// Where device counters come from.
pub enum Counters {
    /// Read /proc/net/dev when a sample is applied and at each refresh.
    Live(Box<dyn FnMut() -> Option<Vec<DevCounters>> + Send>),
    /// Counters arrive as events (a replay).
    Fed,
}

pub struct Pipeline {
    acct: Accountant,
    procs: Box<dyn ProcLookup>,
    counters: Counters,
    recorder: Option<Recorder>,
    devices: Vec<String>,
    /// Live only: breaks in time between refreshes (a replay's time is its own).
    continuity: Option<Continuity>,
    /// How often refreshes fall due now (a break is several of them missed).
    interval_ms: u64,
}

impl Pipeline {
    pub fn new(cfg: AccountantConfig, procs: Box<dyn ProcLookup>, counters: Counters) -> Self {
        let continuity = matches!(counters, Counters::Live(_)).then(Continuity::default);
        Pipeline {
            acct: Accountant::new(cfg),
            procs,
            counters,
            recorder: None,
            devices: Vec::new(),
            continuity,
            interval_ms: 1000,
        }
    }

    /// The refresh interval now in force (it stretches on battery).
    pub fn set_interval_ms(&mut self, ms: u64) {
        self.interval_ms = ms.max(1);
    }

    pub fn record_to(&mut self, recorder: Recorder) {
        self.recorder = Some(recorder);
    }

    pub fn devices(&self) -> &[String] {
        &self.devices
    }

    pub fn set_devices(&mut self, devices: Vec<String>) {
        self.acct.set_devices(&devices);
        self.devices = devices;
    }

    fn record(&mut self, item: Item) {
        if let Some(r) = self.recorder.as_mut() {
            r.write(&item);
        }
    }

    /// One event of the source, received at `now` (refreshes and status are the
    /// collector's business).
    pub fn apply(&mut self, event: Event, now: Mono) {
        match event {
            Event::Epoch { device, at } => {
                self.record(Item::Epoch {
                    t: now.0,
                    device: device.clone(),
                });
                self.acct.epoch(&device, at);
            }
            Event::Sample(s) => self.sample(s, now),
            Event::Counters { at, counters } => self.on_counters(&counters, at),
            Event::Proc { pid, details } => self.procs.learn(pid, details),
            Event::Tick { .. } | Event::Status(_) => {}
        }
    }

    fn sample(&mut self, s: DeviceSample, now: Mono) {
        // Read the device counters as close as possible to the source's own sampling, so
        // "unattributed = device − attributed" compares like with like.
        self.read_counters(now);
        self.record(Item::Sample {
            t: now.0,
            at: s.at.0,
            device: s.device.clone(),
            processes: s.processes.clone(),
            unattributed: s.unattributed.clone(),
        });
        let mut lookup = RecordingLookup {
            inner: &mut *self.procs,
            recorder: &mut self.recorder,
            t: now.0,
        };
        self.acct.apply(&s, &mut lookup);
    }

    /// Reads live counters (nothing when counters are fed).
    pub fn read_counters(&mut self, now: Mono) {
        if let Counters::Live(read) = &mut self.counters {
            if let Some(c) = read() {
                self.on_counters(&c, now);
            }
        }
    }

    /// Device counters observed at `now`; only monitored devices count.
    fn on_counters(&mut self, counters: &[DevCounters], now: Mono) {
        let mine: Vec<DevCounters> = counters
            .iter()
            .filter(|c| self.devices.iter().any(|d| d == &c.name))
            .cloned()
            .collect();
        self.record(netdev_item(now.0, &mine));
        for c in &mine {
            self.acct
                .observe_counters(&c.name, c.rx_bytes, c.tx_bytes, now);
        }
    }

    /// The refresh at `now`, with the source's mode and status, and the break in time
    /// before it if there was one (live).
    pub fn refresh(&mut self, now: Mono, wall_ms: u64, status: &SourceStatus) -> Refresh {
        let gap_ms = match self.continuity.as_mut() {
            Some(c) => c.step(now, wall_ms, self.interval_ms),
            None => 0,
        };
        let mut r = self.acct.refresh(now, wall_ms);
        r.gap_ms = gap_ms;
        r.snapshot.mode = status.mode;
        r.snapshot.status.clone_from(&status.reason);
        r.snapshot.health.clone_from(&status.health);
        if let Some(rec) = self.recorder.as_mut() {
            rec.flush();
        }
        r
    }

    pub fn live_processes(&self) -> usize {
        self.acct.live_processes()
    }

    /// Counts the accountant keeps a baseline of (see `Accountant::tracked_lines`).
    pub fn tracked_lines(&self) -> usize {
        self.acct.tracked_lines()
    }
}

/// Passes lookups through and writes each newly learned process into the recording.
struct RecordingLookup<'a> {
    inner: &'a mut dyn ProcLookup,
    recorder: &'a mut Option<Recorder>,
    t: u64,
}

impl ProcLookup for RecordingLookup<'_> {
    fn start_time(&mut self, pid: u32) -> Option<u64> {
        self.inner.start_time(pid)
    }

    fn details(&mut self, pid: u32) -> Option<ProcDetails> {
        let d = self.inner.details(pid);
        if let (Some(d), Some(r)) = (&d, self.recorder.as_mut()) {
            r.write(&Item::Proc {
                t: self.t,
                pid,
                start_time: d.start_time,
                exe: d.exe.clone(),
                argv: d.argv.clone(),
            });
        }
        d
    }

    fn user_name(&mut self, uid: u32) -> Option<String> {
        self.inner.user_name(uid)
    }
}
