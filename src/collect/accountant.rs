//! Where bytes become rates: a source's cumulative counts (per process and device, see
//! `sample`) → per-process and per-device deltas, totals and rates, against hogwatch's
//! own monotonic clock — and, beside each snapshot, what moved since the previous one.
//! Pure: time, /proc and device counters come in as arguments.
//!
//! Invariants:
//! - Deltas are never negative. Each (device, pid) count keeps a baseline per source
//!   epoch; a new epoch (`epoch`) or a count that went down starts again from zero, so a
//!   restarted backend never counts a byte twice.
//! - A pid whose start time (or source name) changed is a new process (pid reuse).
//! - Unattributed = device bytes − bytes attributed on that device, never negative.
//! - Processes are never credited more than their device moved (`/proc/net/dev`; see
//!   `cap`): the excess is dropped and logged, and stays in the unattributed share.
//! - What a refresh reports as moved adds up, refresh after refresh, to the cumulative
//!   figures of its snapshot: both come from the same deltas.
//! - Idle processes leave the live table after `idle_evict_ms`; baselines live only as
//!   long as the epoch that reported them, so memory stays bounded.

use super::app::{app_of, App};
use super::cap::DeviceCap;
use super::lookup::ProcLookup;
use super::rate::{RateWindow, DEFAULT_WINDOW_MS};
use super::sample::{DeviceSample, ProcessCount};
use crate::clock::Mono;
use crate::model::{
    AppMoved, DeviceMoved, DeviceUsage, Mode, Moved, ProcessMoved, ProcessUsage, Refresh, Snapshot,
    Usage,
};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy)]
pub struct AccountantConfig {
    pub rate_window_ms: u64,
    /// A process that moved no byte for this long leaves the live table.
    pub idle_evict_ms: u64,
}

impl Default for AccountantConfig {
    fn default() -> Self {
        AccountantConfig {
            rate_window_ms: DEFAULT_WINDOW_MS,
            idle_evict_ms: 120_000,
        }
    }
}

#[derive(Debug, Default)]
struct Flow {
    up: u64,
    down: u64,
    /// Bytes added since the last refresh (what it reports as moved).
    pending: (u64, u64),
    window: RateWindow,
}

#[derive(Debug)]
struct Proc {
    pid: u32,
    start_time: Option<u64>,
    name: String,
    exe: String,
    cmdline: String,
    uid: u32,
    user: String,
    app: App,
    flows: Vec<(String, Flow)>,
    last_active: Mono,
}

impl Proc {
    fn flow(&mut self, dev: &str) -> (&mut Flow, bool) {
        let idx = match self.flows.iter().position(|(d, _)| d == dev) {
            Some(i) => (i, false),
            None => {
                self.flows.push((dev.to_owned(), Flow::default()));
                (self.flows.len() - 1, true)
            }
        };
        (&mut self.flows[idx.0].1, idx.1)
    }
}

#[derive(Debug, Default)]
struct Device {
    /// In the monitored set (devices that left it stay listed while they carry bytes).
    active: bool,
    /// Last /proc/net/dev reading (rx, tx).
    counters: Option<(u64, u64)>,
    up_bytes: u64,
    down_bytes: u64,
    window: RateWindow,
    /// Device bytes when the last nethogs block was applied, for a coherent difference.
    bytes_at_block: (u64, u64),
    attributed: (u64, u64),
    /// The source's own unattributed counts, used for device totals when no counters
    /// exist (a replay of raw nethogs output).
    source_unattributed: (u64, u64),
    source_window: RateWindow,
    /// Device bytes (up, down) at the last refresh, for what moved since.
    reported: (u64, u64),
    baselines: HashMap<u32, (u64, u64)>,
    unattributed_baselines: HashMap<String, (u64, u64)>,
    epoch_at: Option<Mono>,
    last_sample: Option<Mono>,
    /// When counters were first read: the cap applies to epochs that began after it.
    counters_since: Option<Mono>,
    cap: DeviceCap,
}

/// Per-process and per-device accounting over a source's samples and device counters.
#[derive(Debug)]
pub struct Accountant {
    cfg: AccountantConfig,
    devices: BTreeMap<String, Device>,
    procs: HashMap<u64, Proc>,
    by_pid: HashMap<u32, u64>,
    next_id: u64,
    last_snapshot: Option<Mono>,
    /// The unattributed figure (up, down) at the last refresh.
    reported_unattributed: (u64, u64),
    /// Bytes (up, down) that processes claimed beyond their device's growth, dropped.
    pub capped: (u64, u64),
}

/// `cur − prev` for a cumulative counter; a counter that went down was reset, and what
/// it shows now is what moved since the reset.
pub fn counter_delta(prev: u64, cur: u64) -> u64 {
    if cur >= prev {
        cur - prev
    } else {
        cur
    }
}

/// `cur − prev` of a figure that may shrink (the unattributed difference), saturating.
fn signed_delta(prev: u64, cur: u64) -> i64 {
    let d = i128::from(cur) - i128::from(prev);
    d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Adds to a byte counter; input (a recording, a broken nethogs) may claim absurd
/// totals, and a counter pinned at the maximum is better than a panic or a wrap.
fn add(counter: &mut u64, delta: u64) {
    *counter = counter.saturating_add(delta);
}

/// `device − attributed` for rates: never negative, and float residue below one byte
/// per second (sums of window quotients) reads as zero rather than `1e-14`.
fn rate_difference(device: f64, attributed: f64) -> f64 {
    let d = device - attributed;
    if d < 1.0 {
        0.0
    } else {
        d
    }
}

/// Moves a process's pending bytes (per device) into `moved`: the process, its app (by
/// `apps`, key → place in `moved.apps`) and the app's split by device.
fn take_pending(id: u64, p: &mut Proc, moved: &mut Moved, apps: &mut HashMap<String, usize>) {
    let (mut up, mut down) = (0u64, 0u64);
    for (dev, f) in p.flows.iter_mut() {
        let (u, d) = std::mem::take(&mut f.pending);
        if (u, d) == (0, 0) {
            continue;
        }
        add(&mut up, u);
        add(&mut down, d);
        let slot = match apps.get(p.app.key.as_str()) {
            Some(&i) => i,
            None => {
                moved.apps.push(AppMoved {
                    app: p.app.key.clone(),
                    name: p.app.name.clone(),
                    ..AppMoved::default()
                });
                apps.insert(p.app.key.clone(), moved.apps.len() - 1);
                moved.apps.len() - 1
            }
        };
        let app = &mut moved.apps[slot];
        add(&mut app.up, u);
        add(&mut app.down, d);
        match app.devices.iter_mut().find(|m| &m.name == dev) {
            Some(m) => {
                add(&mut m.up, u);
                add(&mut m.down, d);
            }
            None => app.devices.push(DeviceMoved {
                name: dev.clone(),
                up: u,
                down: d,
            }),
        }
    }
    if (up, down) != (0, 0) {
        moved.processes.push(ProcessMoved {
            id,
            pid: p.pid,
            up,
            down,
        });
    }
}

impl Accountant {
    pub fn new(cfg: AccountantConfig) -> Self {
        Accountant {
            cfg,
            devices: BTreeMap::new(),
            procs: HashMap::new(),
            by_pid: HashMap::new(),
            next_id: 0,
            last_snapshot: None,
            reported_unattributed: (0, 0),
            capped: (0, 0),
        }
    }

    fn device(&mut self, dev: &str) -> &mut Device {
        self.devices.entry(dev.to_owned()).or_default()
    }

    /// Sets the monitored devices (others stay listed only while they carry bytes).
    pub fn set_devices(&mut self, devs: &[String]) {
        for d in self.devices.values_mut() {
            d.active = false;
        }
        for name in devs {
            self.device(name).active = true;
        }
    }

    /// The source's counts for `dev` start again from zero (a new epoch).
    pub fn epoch(&mut self, dev: &str, at: Mono) {
        let d = self.device(dev);
        d.baselines.clear();
        d.unattributed_baselines.clear();
        d.epoch_at = Some(at);
        d.last_sample = None;
    }

    /// A /proc/net/dev reading for `dev`: received (`rx`) is down, transmitted is up.
    pub fn observe_counters(&mut self, dev: &str, rx: u64, tx: u64, at: Mono) {
        let window_ms = self.cfg.rate_window_ms;
        let d = self.device(dev);
        if let Some((prx, ptx)) = d.counters {
            add(&mut d.down_bytes, counter_delta(prx, rx));
            add(&mut d.up_bytes, counter_delta(ptx, tx));
        }
        d.counters = Some((rx, tx));
        d.counters_since.get_or_insert(at);
        d.window.push(at, d.up_bytes, d.down_bytes, window_ms);
    }

    /// Applies one sample: a device's cumulative counts per process at `sample.at`.
    pub fn apply(&mut self, sample: &DeviceSample, procs: &mut dyn ProcLookup) {
        let dev = sample.device.as_str();
        let at = sample.at;
        let window_ms = self.cfg.rate_window_ms;
        let rate_base = {
            let d = self.device(dev);
            d.last_sample.or(d.epoch_at)
        };
        let deltas = self.capped_deltas(sample);
        for (r, delta) in sample.processes.iter().zip(deltas) {
            let d = self.device(dev);
            let active = delta != (0, 0);
            add(&mut d.attributed.0, delta.0);
            add(&mut d.attributed.1, delta.1);
            let Some(id) = self.resolve(r, active, at, procs) else {
                continue;
            };
            let Some(p) = self.procs.get_mut(&id) else {
                continue;
            };
            let (flow, new_flow) = p.flow(dev);
            if new_flow {
                if let Some(base_at) = rate_base {
                    flow.window.push(base_at, 0, 0, window_ms);
                }
            }
            add(&mut flow.up, delta.0);
            add(&mut flow.down, delta.1);
            add(&mut flow.pending.0, delta.0);
            add(&mut flow.pending.1, delta.1);
            if active {
                p.last_active = at;
            }
        }
        let d = self.device(dev);
        for r in &sample.unattributed {
            let cur = (r.sent, r.received);
            let base = d
                .unattributed_baselines
                .entry(r.label.clone())
                .or_insert((0, 0));
            add(&mut d.source_unattributed.0, counter_delta(base.0, cur.0));
            add(&mut d.source_unattributed.1, counter_delta(base.1, cur.1));
            *base = cur;
        }
        d.last_sample = Some(at);
        d.bytes_at_block = (d.up_bytes, d.down_bytes);
        let seen = (
            d.attributed.0.saturating_add(d.source_unattributed.0),
            d.attributed.1.saturating_add(d.source_unattributed.1),
        );
        d.source_window.push(at, seen.0, seen.1, window_ms);
        // Every flow on this device gets a sample, moving or not, so idle rates decay.
        for p in self.procs.values_mut() {
            if let Some((_, f)) = p.flows.iter_mut().find(|(d, _)| d == dev) {
                f.window.push(at, f.up, f.down, window_ms);
            }
        }
    }

    /// Each record's growth since its baseline (baselines move on), scaled down where
    /// the processes together claim more than the device moved (see the invariants).
    fn capped_deltas(&mut self, sample: &DeviceSample) -> Vec<(u64, u64)> {
        let d = self.device(&sample.device);
        let mut deltas = Vec::with_capacity(sample.processes.len());
        for r in &sample.processes {
            let cur = (r.sent, r.received);
            let base = d.baselines.entry(r.pid).or_insert((0, 0));
            let delta = (counter_delta(base.0, cur.0), counter_delta(base.1, cur.1));
            *base = cur;
            deltas.push(delta);
        }
        // Only where counters cover the whole interval the counts describe.
        let covered = matches!((d.counters_since, d.epoch_at), (Some(c), Some(e)) if c <= e)
            || matches!((d.counters_since, d.last_sample), (Some(c), Some(l)) if c <= l);
        if d.counters.is_none() || !covered {
            return deltas;
        }
        let grew = (
            d.up_bytes.saturating_sub(d.bytes_at_block.0),
            d.down_bytes.saturating_sub(d.bytes_at_block.1),
        );
        let excess = d.cap.limit(&mut deltas, grew, sample.at);
        if excess == (0, 0) {
            return deltas;
        }
        add(&mut self.capped.0, excess.0);
        add(&mut self.capped.1, excess.1);
        let device = crate::text::printable(&sample.device);
        let why = "processes claimed more than the device moved; the excess is dropped";
        // A few KiB are the source's rounding (nethogs prints 6 significant digits).
        if excess.0.max(excess.1) >= 64 * 1024 {
            tracing::warn!(%device, excess_up = excess.0, excess_down = excess.1, "{why}");
        } else {
            tracing::debug!(%device, excess_up = excess.0, excess_down = excess.1, "{why}");
        }
        deltas
    }

    /// The live process for a record: the known one for its pid unless the pid was
    /// reused, else a new entry — but only for a record that moved bytes (an evicted,
    /// idle process's unchanged line must not come back).
    fn resolve(
        &mut self,
        r: &ProcessCount,
        active: bool,
        at: Mono,
        procs: &mut dyn ProcLookup,
    ) -> Option<u64> {
        if let Some(&id) = self.by_pid.get(&r.pid) {
            if let Some(p) = self.procs.get(&id) {
                let reused = p.name != r.name
                    || (active
                        && matches!((p.start_time, procs.start_time(r.pid)),
                            (Some(a), Some(b)) if a != b));
                if !reused {
                    return Some(id);
                }
            }
        }
        if !active {
            return None;
        }
        let details = procs.details(r.pid);
        let (start_time, exe, argv) = match details {
            Some(d) => (Some(d.start_time), d.exe, d.argv),
            None => (None, String::new(), Vec::new()),
        };
        let user = procs.user_name(r.uid).unwrap_or_else(|| r.uid.to_string());
        let id = self.next_id;
        self.next_id += 1;
        self.procs.insert(
            id,
            Proc {
                pid: r.pid,
                start_time,
                name: r.name.clone(),
                app: app_of(&exe, &r.name, &argv),
                exe,
                cmdline: argv.join(" "),
                uid: r.uid,
                user,
                flows: Vec::new(),
                last_active: at,
            },
        );
        self.by_pid.insert(r.pid, id);
        Some(id)
    }

    /// Number of processes in the live table.
    pub fn live_processes(&self) -> usize {
        self.procs.len()
    }

    /// Counts tracked for deltas (bounded by what the sources' current epochs report).
    pub fn tracked_lines(&self) -> usize {
        self.devices
            .values()
            .map(|d| d.baselines.len() + d.unattributed_baselines.len())
            .sum()
    }

    /// The refresh at `now`: the snapshot (processes idle for too long leave it) and what
    /// moved since the previous refresh — one pass over the processes for both.
    pub fn refresh(&mut self, now: Mono, wall_ms: u64) -> Refresh {
        let mut moved = Moved::default();
        let mut apps = HashMap::new();
        let snapshot = self.snapshot(now, wall_ms, &mut moved, &mut apps);
        moved.processes.sort_by_key(|m| m.id);
        moved.apps.sort_by(|a, b| a.app.cmp(&b.app));
        self.device_moved(&mut moved);
        let un = (
            snapshot.unattributed.up_bytes,
            snapshot.unattributed.down_bytes,
        );
        moved.unattributed_up = signed_delta(self.reported_unattributed.0, un.0);
        moved.unattributed_down = signed_delta(self.reported_unattributed.1, un.1);
        self.reported_unattributed = un;
        Refresh {
            snapshot,
            moved,
            gap_ms: 0,
        }
    }

    /// Each device's counter growth since the last refresh.
    fn device_moved(&mut self, moved: &mut Moved) {
        for (name, d) in self.devices.iter_mut() {
            let now = if d.counters.is_some() {
                (d.up_bytes, d.down_bytes)
            } else {
                (
                    d.attributed.0.saturating_add(d.source_unattributed.0),
                    d.attributed.1.saturating_add(d.source_unattributed.1),
                )
            };
            let (up, down) = (
                counter_delta(d.reported.0, now.0),
                counter_delta(d.reported.1, now.1),
            );
            d.reported = now;
            if (up, down) != (0, 0) {
                moved.devices.push(DeviceMoved {
                    name: name.clone(),
                    up,
                    down,
                });
            }
        }
    }

    /// Builds the snapshot at `now`, evicting processes idle for too long, and takes every
    /// process's pending bytes into `moved` (an evicted one's too: nothing is lost).
    /// `apps`: app key → its place in `moved.apps`.
    fn snapshot(
        &mut self,
        now: Mono,
        wall_ms: u64,
        moved: &mut Moved,
        apps: &mut HashMap<String, usize>,
    ) -> Snapshot {
        let evict_ms = self.cfg.idle_evict_ms;
        let window_ms = self.cfg.rate_window_ms;
        let by_pid = &mut self.by_pid;
        self.procs.retain(|id, p| {
            let keep = now.since(p.last_active) <= evict_ms;
            if !keep {
                take_pending(*id, p, moved, apps);
                if by_pid.get(&p.pid) == Some(id) {
                    by_pid.remove(&p.pid);
                }
            }
            keep
        });

        let mut attributed_rates: HashMap<&str, (f64, f64)> = HashMap::new();
        let mut processes: Vec<ProcessUsage> = Vec::with_capacity(self.procs.len());
        for (&id, p) in self.procs.iter_mut() {
            take_pending(id, p, moved, apps);
            let p: &Proc = p;
            let mut usage = Usage::default();
            let mut devices = Vec::with_capacity(p.flows.len());
            for (dev, f) in &p.flows {
                let (up_rate, down_rate) = f.window.rates(now, window_ms);
                let u = Usage {
                    up_rate,
                    down_rate,
                    up_bytes: f.up,
                    down_bytes: f.down,
                };
                let a = attributed_rates.entry(dev.as_str()).or_default();
                a.0 += up_rate;
                a.1 += down_rate;
                usage.add(&u);
                devices.push(DeviceUsage {
                    name: dev.clone(),
                    usage: u,
                });
            }
            processes.push(ProcessUsage {
                id,
                pid: p.pid,
                name: p.name.clone(),
                exe: p.exe.clone(),
                cmdline: p.cmdline.clone(),
                uid: p.uid,
                user: p.user.clone(),
                app: p.app.key.clone(),
                app_name: p.app.name.clone(),
                devices,
                usage,
            });
        }
        processes.sort_by(ProcessUsage::by_rate);

        let mut total = Usage::default();
        let mut unattributed = Usage::default();
        let mut devices = Vec::new();
        for (name, d) in &self.devices {
            let attributed_rate = attributed_rates
                .get(name.as_str())
                .copied()
                .unwrap_or_default();
            let (usage, unatt) = if d.counters.is_some() {
                let (up_rate, down_rate) = d.window.rates(now, window_ms);
                let usage = Usage {
                    up_rate,
                    down_rate,
                    up_bytes: d.up_bytes,
                    down_bytes: d.down_bytes,
                };
                let unatt = Usage {
                    up_rate: rate_difference(up_rate, attributed_rate.0),
                    down_rate: rate_difference(down_rate, attributed_rate.1),
                    up_bytes: d.bytes_at_block.0.saturating_sub(d.attributed.0),
                    down_bytes: d.bytes_at_block.1.saturating_sub(d.attributed.1),
                };
                (usage, unatt)
            } else {
                // No counters (a replay without them): the source's own view of the device.
                let (up_rate, down_rate) = d.source_window.rates(now, window_ms);
                let usage = Usage {
                    up_rate,
                    down_rate,
                    up_bytes: d.attributed.0.saturating_add(d.source_unattributed.0),
                    down_bytes: d.attributed.1.saturating_add(d.source_unattributed.1),
                };
                let unatt = Usage {
                    up_rate: rate_difference(up_rate, attributed_rate.0),
                    down_rate: rate_difference(down_rate, attributed_rate.1),
                    up_bytes: d.source_unattributed.0,
                    down_bytes: d.source_unattributed.1,
                };
                (usage, unatt)
            };
            if !d.active && usage.bytes() == 0 {
                continue;
            }
            total.add(&usage);
            unattributed.add(&unatt);
            devices.push(DeviceUsage {
                name: name.clone(),
                usage,
            });
        }

        let interval_ms = self.last_snapshot.map_or(0, |t| now.since(t));
        self.last_snapshot = Some(now);
        Snapshot {
            ts: wall_ms,
            interval_ms,
            mode: Mode::PerProcess,
            status: String::new(),
            battery_refresh_s: None,
            total,
            unattributed,
            devices,
            processes,
            health: crate::model::Health::default(),
        }
    }
}

#[cfg(test)]
#[path = "accountant_tests.rs"]
mod tests;
