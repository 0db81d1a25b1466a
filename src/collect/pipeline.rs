//! The collector's synchronous core: helper lines and device counters in, snapshots out.
//! Time comes in as arguments, so the live collector and a replay drive it alike.

use super::accountant::{Accountant, AccountantConfig, ProcDetails, ProcLookup};
use super::blocks::{Block, BlockAssembler};
use super::privilege::explain_nethogs_error;
use super::procfs::DevCounters;
use super::protocol::{parse_helper_line, HelperEvent};
use super::record::{netdev_item, Item, Recorder};
use crate::clock::Mono;
use crate::model::{Mode, Snapshot};
use std::collections::BTreeMap;

/// Where device counters come from.
pub enum Counters {
    /// Read /proc/net/dev when a block completes and at each tick.
    Live(Box<dyn FnMut() -> Option<Vec<DevCounters>> + Send>),
    /// Counters arrive as events (a replay).
    Fed,
}

/// A process lookup that also writes what it learns into the recording.
pub trait Lookup: ProcLookup + Send {
    /// A replay teaches the lookup what /proc said when it was recorded.
    fn learn(&mut self, _pid: u32, _details: ProcDetails) {}
}

impl Lookup for super::procfs::ProcFs {}
impl Lookup for super::accountant::NoProcs {}
impl Lookup for super::record::ReplayProcs {
    fn learn(&mut self, pid: u32, details: ProcDetails) {
        super::record::ReplayProcs::learn(self, pid, details);
    }
}

/// Helper lines → blocks → accountant, plus status bookkeeping and optional recording.
pub struct Pipeline {
    acct: Accountant,
    assemblers: BTreeMap<String, BlockAssembler>,
    procs: Box<dyn Lookup>,
    counters: Counters,
    recorder: Option<Recorder>,
    devices: Vec<String>,
    pub mode: Mode,
    /// Why the mode is what it is (totals-only reason, helper trouble); empty when fine.
    pub reason: String,
    nethogs_errors: BTreeMap<String, String>,
    /// Unreadable helper lines seen (diagnostics).
    pub unknown_lines: u64,
}

impl Pipeline {
    pub fn new(
        cfg: AccountantConfig,
        procs: Box<dyn Lookup>,
        counters: Counters,
        mode: Mode,
    ) -> Self {
        Pipeline {
            acct: Accountant::new(cfg),
            assemblers: BTreeMap::new(),
            procs,
            counters,
            recorder: None,
            devices: Vec::new(),
            mode,
            reason: String::new(),
            nethogs_errors: BTreeMap::new(),
            unknown_lines: 0,
        }
    }

    pub fn record_to(&mut self, recorder: Recorder) {
        self.recorder = Some(recorder);
    }

    pub fn devices(&self) -> &[String] {
        &self.devices
    }

    pub fn set_devices(&mut self, devices: Vec<String>) {
        // Warnings and partial blocks of devices that left the set would otherwise stay
        // in the status forever (veths of containers come and go).
        self.nethogs_errors.retain(|d, _| devices.contains(d));
        self.assemblers.retain(|d, _| devices.contains(d));
        self.acct.set_devices(&devices);
        self.devices = devices;
    }

    fn record(&mut self, item: Item) {
        if let Some(r) = self.recorder.as_mut() {
            r.write(&item);
        }
    }

    /// One line from the helper, received at `now`.
    pub fn on_helper_line(&mut self, raw: &str, now: Mono) {
        self.record(Item::Helper {
            t: now.0,
            line: raw.to_owned(),
        });
        match parse_helper_line(raw) {
            HelperEvent::Hello { version } => {
                tracing::debug!(?version, "helper is up");
            }
            HelperEvent::Start { dev, .. } => {
                self.assembler(&dev).reset();
                self.acct.generation_start(&dev, now);
            }
            HelperEvent::Line { dev, line } => {
                if let Some(block) = self.assembler(&dev).feed(&line, now) {
                    self.complete(&dev, block, now);
                }
            }
            // A device that just left the set may still report its end: not news.
            HelperEvent::Err { dev, .. } | HelperEvent::Exit { dev, .. }
                if !self.devices.contains(&dev) => {}
            HelperEvent::Err { dev, line } => {
                if let Some(msg) = explain_nethogs_error(&dev, &line) {
                    tracing::warn!("{}", crate::text::printable(&msg));
                    self.nethogs_errors.insert(dev, msg);
                }
            }
            HelperEvent::Exit {
                dev,
                status,
                retry_ms,
            } => {
                self.assembler(&dev).reset();
                if retry_ms > 0 {
                    let msg = format!(
                        "nethogs on {dev} stopped ({status}); restarting in {} s",
                        retry_ms.div_ceil(1000)
                    );
                    tracing::warn!("{}", crate::text::printable(&msg));
                    self.nethogs_errors.entry(dev).or_insert(msg);
                }
            }
            HelperEvent::Restart { reason } => tracing::info!(?reason, "helper restarts nethogs"),
            HelperEvent::Unknown(line) => {
                self.unknown_lines += 1;
                tracing::debug!(?line, "unknown helper line");
            }
        }
    }

    fn assembler(&mut self, dev: &str) -> &mut BlockAssembler {
        self.assemblers.entry(dev.to_owned()).or_default()
    }

    fn complete(&mut self, dev: &str, block: Block, now: Mono) {
        // Read the device counters as close as possible to nethogs' own sampling, so
        // "unattributed = device − attributed" compares like with like.
        self.read_counters(now);
        self.nethogs_errors.remove(dev);
        let procs = &mut *self.procs;
        let recorder = &mut self.recorder;
        let mut recording = RecordingLookup {
            inner: procs,
            recorder,
            t: now.0,
        };
        self.acct.apply_block(dev, &block, &mut recording);
    }

    /// Completes blocks whose nethogs went quiet.
    pub fn poll(&mut self, now: Mono) {
        let done: Vec<(String, Block)> = self
            .assemblers
            .iter_mut()
            .filter_map(|(dev, a)| a.poll(now).map(|b| (dev.clone(), b)))
            .collect();
        for (dev, block) in done {
            self.complete(&dev, block, now);
        }
    }

    /// The earliest time `poll` has work to do.
    pub fn next_deadline(&self) -> Option<Mono> {
        self.assemblers
            .values()
            .filter_map(BlockAssembler::deadline)
            .min()
    }

    /// Reads live counters (no-op when counters are fed).
    pub fn read_counters(&mut self, now: Mono) {
        if let Counters::Live(read) = &mut self.counters {
            if let Some(c) = read() {
                self.on_counters(&c, now);
            }
        }
    }

    /// Device counters observed at `now`; only monitored devices count.
    pub fn on_counters(&mut self, counters: &[DevCounters], now: Mono) {
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

    /// A recorded /proc fact (replay).
    pub fn on_proc(&mut self, pid: u32, details: ProcDetails) {
        self.procs.learn(pid, details);
    }

    /// The snapshot at `now`.
    pub fn snapshot(&mut self, now: Mono, wall_ms: u64) -> Snapshot {
        let mut s = self.acct.snapshot(now, wall_ms);
        s.mode = self.mode;
        let mut status: Vec<&str> = Vec::new();
        if !self.reason.is_empty() {
            status.push(&self.reason);
        }
        status.extend(self.nethogs_errors.values().map(String::as_str));
        s.status = status.join("; ");
        if let Some(r) = self.recorder.as_mut() {
            r.flush();
        }
        s
    }

    pub fn live_processes(&self) -> usize {
        self.acct.live_processes()
    }
}

/// Passes lookups through and writes each newly learned process into the recording.
struct RecordingLookup<'a> {
    inner: &'a mut dyn Lookup,
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
