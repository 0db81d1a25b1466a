//! The soak's synthetic machine: what nethogs and /proc/net/dev would report, step by
//! step, for a week of a busy desktop. Pure and deterministic: the same `Shape` (seed
//! included) gives the same events, byte for byte.
//!
//! - 500 long-lived apps of 1–4 processes each, alive the whole run: a few stream all the
//!   time (steady, with noise), the others talk in bursts (seconds to minutes, minutes to
//!   hours apart);
//! - distinct short-lived processes (20,000 a week), each with a new pid and a new name
//!   and executable, living seconds to minutes;
//! - `eth0` and `wlan0` all the time, and `usb0` (a phone's tethering) that appears and
//!   disappears several times a day, its flows cut when it goes;
//! - nethogs as the helper runs it: one per device, each listing every process it has
//!   seen since it started with its cumulative counts (idle and exited ones unchanged),
//!   all restarted — a new epoch, counts from zero — when the device set changes and
//!   hourly (`hogwatch-helper`'s `restart devices|hourly`);
//! - a little traffic no process owns on every device (`unknown TCP`), and device
//!   counters that always cover what the processes claim.

use super::rng::Rng;
use hogwatch::clock::Mono;
use hogwatch::collect::lookup::{ProcDetails, ProcLookup};
use hogwatch::collect::sample::{DevCounters, DeviceSample, ProcessCount, UnattributedCount};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

pub const DAY_MS: u64 = 86_400_000;
const MIN_MS: u64 = 60_000;
/// Always there.
const FIXED_DEVICES: [&str; 2] = ["eth0", "wlan0"];
const USB: &str = "usb0";
/// The helper restarts every nethogs this long after the last restart.
const HOURLY_MS: u64 = 3_600_000;
/// Short-lived processes per simulated week.
pub const SHORT_LIVED_PER_WEEK: u64 = 20_000;
/// The first pids: long-lived processes, then short-lived ones (never reused).
const LONG_PID0: u32 = 1_000;
const SHORT_PID0: u32 = 300_000;
/// Well-known names for the first long-lived apps; the rest are `app-NNN`.
const NAMES: [&str; 30] = [
    "firefox",
    "chromium",
    "thunderbird",
    "spotify",
    "slack",
    "discord",
    "dropbox",
    "syncthing",
    "steam",
    "zoom",
    "signal-desktop",
    "telegram-desktop",
    "code",
    "ssh",
    "rsync",
    "flatpak",
    "NetworkManager",
    "systemd-resolved",
    "chronyd",
    "cupsd",
    "avahi-daemon",
    "evolution",
    "transmission-gtk",
    "vlc",
    "obs",
    "dockerd",
    "packagekitd",
    "fwupd",
    "gnome-software",
    "nextcloud",
];

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub seed: u64,
    /// Simulated length, in milliseconds.
    pub length_ms: u64,
    /// One step (one refresh) each this many simulated milliseconds.
    pub step_ms: u64,
    pub apps: usize,
    /// Of `apps`, how many stream all the time (the others talk in bursts).
    pub steady_apps: usize,
    pub short_lived: u64,
    /// Times a day `usb0` appears (for 20–90 minutes each time).
    pub usb_per_day: u64,
}

impl Shape {
    /// The week: `days` days (7) of refreshes every `step_ms` (1000), 500 apps,
    /// 20,000 short-lived processes a week (as many per day for shorter runs).
    pub fn week(seed: u64, days: u64, step_ms: u64) -> Shape {
        Shape {
            seed,
            length_ms: days * DAY_MS,
            step_ms: step_ms.max(1),
            apps: 500,
            steady_apps: 25,
            short_lived: SHORT_LIVED_PER_WEEK * days / 7,
            usb_per_day: 4,
        }
    }

    pub fn steps(&self) -> u64 {
        self.length_ms / self.step_ms
    }
}

/// What /proc knows about the processes alive now: the workload keeps it, the pipeline's
/// lookup reads it (as the real one reads /proc). Exited processes leave it.
#[derive(Debug, Clone, Default)]
pub struct ProcTable(Arc<Mutex<HashMap<u32, ProcDetails>>>);

impl ProcTable {
    fn insert(&self, pid: u32, d: ProcDetails) {
        if let Ok(mut t) = self.0.lock() {
            t.insert(pid, d);
        }
    }

    fn remove(&self, pid: u32) {
        if let Ok(mut t) = self.0.lock() {
            t.remove(&pid);
        }
    }

    fn get(&self, pid: u32) -> Option<ProcDetails> {
        self.0.lock().ok()?.get(&pid).cloned()
    }
}

impl ProcLookup for ProcTable {
    fn start_time(&mut self, pid: u32) -> Option<u64> {
        self.get(pid).map(|d| d.start_time)
    }
    fn details(&mut self, pid: u32) -> Option<ProcDetails> {
        self.get(pid)
    }
    fn user_name(&mut self, uid: u32) -> Option<String> {
        Some(if uid == 0 { "root" } else { "user" }.to_owned())
    }
}

/// One process as nethogs names it.
#[derive(Debug, Clone)]
struct Proc {
    pid: u32,
    uid: u32,
    name: String,
}

/// Bytes a process moves on a device, per second, until `until`.
#[derive(Debug, Clone)]
struct Flow {
    pid: u32,
    dev: &'static str,
    until: u64,
    up: f64,
    down: f64,
    /// Steady flows vary ±50% from step to step.
    noisy: bool,
}

#[derive(Debug, Clone)]
struct App {
    procs: Vec<Proc>,
    /// The device it normally uses.
    home: &'static str,
    /// Mean time between bursts, ms (bursty apps).
    gap_ms: f64,
}

/// One step's input for the pipeline, in the order a live collector applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Simulated monotonic time of the samples.
    pub at: Mono,
    /// The monitored devices, when they changed.
    pub devices: Option<Vec<String>>,
    /// Devices whose nethogs (re)started: their counts begin again from zero.
    pub epochs: Vec<String>,
    pub counters: Vec<DevCounters>,
    pub samples: Vec<DeviceSample>,
}

/// The generator.
pub struct Workload {
    shape: Shape,
    rng: Rng,
    step: u64,
    apps: Vec<App>,
    /// Bursty apps' next burst: (time, app).
    bursts: BinaryHeap<Reverse<(u64, usize)>>,
    /// When short-lived processes start, in order.
    spawns: Vec<u64>,
    next_spawn: usize,
    usb_sessions: Vec<(u64, u64)>,
    usb_up: bool,
    flows: Vec<Flow>,
    /// What each nethogs lists: cumulative (sent, received) per process since its epoch.
    counts: BTreeMap<&'static str, BTreeMap<u32, (u64, u64)>>,
    /// Every process nethogs may list, by pid: long-lived ones, short-lived ones running
    /// or exited since the last restart.
    procs: HashMap<u32, Proc>,
    /// Short-lived processes that exited: forgotten at the next restart.
    exited: Vec<u32>,
    last_restart: u64,
    /// /proc/net/dev: (rx, tx) per device present.
    dev_counters: BTreeMap<String, (u64, u64)>,
    /// The unattributed share per device, cumulative in the epoch (sent, received).
    unknown: BTreeMap<&'static str, (u64, u64)>,
    table: ProcTable,
    /// Short-lived processes started so far.
    pub started_short: u64,
    /// Every byte the processes moved (up + down), for the report.
    pub moved: u64,
}

/// Rates below are bytes per second: about 45 GB a day in all.
const KIB: f64 = 1024.0;

impl Workload {
    pub fn new(shape: Shape) -> Workload {
        let mut rng = Rng::new(shape.seed);
        let table = ProcTable::default();
        let mut apps = Vec::with_capacity(shape.apps);
        let mut procs = HashMap::new();
        let mut pid = LONG_PID0;
        for i in 0..shape.apps {
            let exe = match NAMES.get(i) {
                Some(n) => format!("/usr/bin/{n}"),
                None => format!("/opt/app-{i:03}/bin/app-{i:03}"),
            };
            let uid = if i % 10 == 7 { 0 } else { 1000 };
            let count = 1 + rng.below(4) as usize;
            let mut app_procs = Vec::with_capacity(count);
            for j in 0..count {
                let p = Proc {
                    pid,
                    uid,
                    name: exe.clone(),
                };
                table.insert(
                    pid,
                    ProcDetails {
                        start_time: 100 + u64::from(pid),
                        exe: exe.clone(),
                        argv: vec![exe.clone(), format!("--worker={j}")],
                    },
                );
                procs.insert(pid, p.clone());
                app_procs.push(p);
                pid += 1;
            }
            let home = if rng.below(10) < 7 { "wlan0" } else { "eth0" };
            apps.push(App {
                procs: app_procs,
                home,
                gap_ms: rng.log_uniform(10.0 * MIN_MS as f64, 6.0 * 60.0 * MIN_MS as f64),
            });
        }
        let mut bursts = BinaryHeap::new();
        let mut flows = Vec::new();
        for (i, app) in apps.iter().enumerate() {
            if i < shape.steady_apps {
                for p in &app.procs {
                    let down = rng.log_uniform(50.0, 8.0 * KIB);
                    flows.push(Flow {
                        pid: p.pid,
                        dev: app.home,
                        until: u64::MAX,
                        up: down * rng.log_uniform(0.05, 0.5),
                        down,
                        noisy: true,
                    });
                }
            } else {
                let first = rng.exponential(app.gap_ms) as u64;
                bursts.push(Reverse((first, i)));
            }
        }
        let mut spawns: Vec<u64> = (0..shape.short_lived)
            .map(|_| rng.below(shape.length_ms))
            .collect();
        spawns.sort_unstable();
        let mut usb_sessions = Vec::new();
        for day in 0..shape.length_ms.div_ceil(DAY_MS) {
            let mut today: Vec<(u64, u64)> = (0..shape.usb_per_day)
                .map(|_| {
                    let start = day * DAY_MS + rng.below(DAY_MS);
                    (start, start + rng.below(70) * MIN_MS + 20 * MIN_MS)
                })
                .collect();
            today.sort_unstable();
            usb_sessions.extend(today);
        }
        // Overlapping sessions merge: the device is there or not.
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (s, e) in usb_sessions {
            match merged.last_mut() {
                Some(last) if s <= last.1 + shape.step_ms => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let dev_counters = FIXED_DEVICES
            .iter()
            .map(|d| (d.to_string(), (0, 0)))
            .collect();
        Workload {
            shape,
            rng,
            step: 0,
            apps,
            bursts,
            spawns,
            next_spawn: 0,
            usb_sessions: merged,
            usb_up: false,
            flows,
            counts: BTreeMap::new(),
            procs,
            exited: Vec::new(),
            last_restart: 0,
            dev_counters,
            unknown: BTreeMap::new(),
            table,
            started_short: 0,
            moved: 0,
        }
    }

    /// The lookup for the pipeline (shares the table of live processes).
    pub fn lookup(&self) -> ProcTable {
        self.table.clone()
    }

    /// The devices present at the start.
    pub fn devices(&self) -> Vec<String> {
        self.present().into_iter().map(str::to_owned).collect()
    }

    fn present(&self) -> Vec<&'static str> {
        let mut d = FIXED_DEVICES.to_vec();
        if self.usb_up {
            d.push(USB);
        }
        d
    }

    /// Times `usb0` appears in the run.
    pub fn usb_sessions(&self) -> usize {
        self.usb_sessions.len()
    }

    /// A device for a new flow: its app's usual one, or the phone while it is there.
    fn pick_device(&mut self, home: &'static str) -> &'static str {
        if self.usb_up && self.rng.below(10) < 3 {
            USB
        } else {
            home
        }
    }

    /// The device set when `usb0` comes or goes at `t`: its counters start from zero
    /// when it comes; its flows are cut when it goes.
    fn usb(&mut self, t: u64) -> Option<Vec<String>> {
        let up = self.usb_sessions.iter().any(|&(s, e)| s <= t && t < e);
        if up == self.usb_up {
            return None;
        }
        self.usb_up = up;
        if up {
            self.dev_counters.insert(USB.to_owned(), (0, 0));
        } else {
            self.dev_counters.remove(USB);
            for f in self.flows.iter_mut().filter(|f| f.dev == USB) {
                f.until = f.until.min(t);
            }
        }
        Some(self.devices())
    }
}

impl Iterator for Workload {
    type Item = Step;

    /// The next step, or `None` once the run is over.
    fn next(&mut self) -> Option<Step> {
        if self.step >= self.shape.steps() {
            return None;
        }
        let step_ms = self.shape.step_ms;
        let t = self.step * step_ms;
        self.step += 1;
        let devices = self.usb(t);
        // The helper restarts every nethogs on a new device set, and hourly.
        let mut epochs = Vec::new();
        if devices.is_some() || t.saturating_sub(self.last_restart) >= HOURLY_MS {
            self.last_restart = t;
            self.counts.clear();
            self.unknown.clear();
            for pid in self.exited.drain(..) {
                self.procs.remove(&pid);
            }
            epochs = self.devices();
        }

        // Bursts that start now.
        while let Some(&Reverse((at, i))) = self.bursts.peek() {
            if at > t {
                break;
            }
            self.bursts.pop();
            let app = &self.apps[i];
            let (home, gap, n) = (app.home, app.gap_ms, app.procs.len());
            let pid = app.procs[self.rng.below(n as u64) as usize].pid;
            let dev = self.pick_device(home);
            let len = self.rng.log_uniform(1_000.0, 300_000.0) as u64;
            let down = self.rng.log_uniform(256.0, 128.0 * KIB);
            let up = down * self.rng.log_uniform(0.02, 0.5);
            self.flows.push(Flow {
                pid,
                dev,
                until: t + len,
                up,
                down,
                noisy: false,
            });
            let next = t + len + self.rng.exponential(gap) as u64;
            self.bursts.push(Reverse((next, i)));
        }
        // Short-lived processes that start now.
        while self.spawns.get(self.next_spawn).is_some_and(|&s| s <= t) {
            let n = self.next_spawn as u32;
            self.next_spawn += 1;
            self.started_short += 1;
            let pid = SHORT_PID0 + n;
            // Every one a new program: build tools in fresh folders, scripts, updaters.
            let (exe, argv) = match n % 4 {
                0 => (
                    "/usr/bin/python3".to_owned(),
                    vec![
                        "python3".to_owned(),
                        format!("/home/user/.cache/jobs/fetch-{n}.py"),
                    ],
                ),
                _ => {
                    let exe = format!("/tmp/build-{n}/target/tool-{n}");
                    (exe.clone(), vec![exe, "--once".to_owned()])
                }
            };
            let name = argv[0].clone();
            self.table.insert(
                pid,
                ProcDetails {
                    start_time: 1_000_000 + t / 10,
                    exe,
                    argv,
                },
            );
            self.procs.insert(
                pid,
                Proc {
                    pid,
                    uid: 1000,
                    name,
                },
            );
            let home = if self.rng.below(10) < 6 {
                "wlan0"
            } else {
                "eth0"
            };
            let dev = self.pick_device(home);
            let life = self.rng.log_uniform(2_000.0, 600_000.0) as u64;
            let down = self.rng.log_uniform(512.0, 256.0 * KIB);
            self.flows.push(Flow {
                pid,
                dev,
                until: t + life,
                up: down * self.rng.log_uniform(0.02, 0.5),
                down,
                noisy: false,
            });
        }

        // Bytes of this step, flow by flow.
        let secs = step_ms as f64 / 1000.0;
        let mut device_bytes: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        let mut ended = Vec::new();
        for (k, f) in self.flows.iter().enumerate() {
            if t >= f.until {
                ended.push(k);
                continue;
            }
            let noise = if f.noisy {
                0.5 + self.rng.unit()
            } else {
                0.8 + 0.4 * self.rng.unit()
            };
            let up = (f.up * secs * noise) as u64;
            let down = (f.down * secs * noise) as u64;
            let c = self
                .counts
                .entry(f.dev)
                .or_default()
                .entry(f.pid)
                .or_default();
            c.0 += up;
            c.1 += down;
            let d = device_bytes.entry(f.dev).or_default();
            d.0 += up;
            d.1 += down;
            self.moved += up + down;
        }
        for k in ended.into_iter().rev() {
            let f = self.flows.swap_remove(k);
            // A short-lived process exits with its last flow: /proc forgets it at once,
            // nethogs lists its final counts until it restarts.
            if f.pid >= SHORT_PID0 && !self.flows.iter().any(|g| g.pid == f.pid) {
                self.table.remove(f.pid);
                self.exited.push(f.pid);
            }
        }

        let mut counters = Vec::new();
        let mut samples = Vec::new();
        for dev in self.present() {
            // Traffic no process owns (DNS, ARP, other hosts' broadcasts).
            let stray = (
                (300.0 * secs * (0.5 + self.rng.unit())) as u64,
                (900.0 * secs * (0.5 + self.rng.unit())) as u64,
            );
            let u = self.unknown.entry(dev).or_default();
            u.0 += stray.0;
            u.1 += stray.1;
            let unknown = *u;
            let moved = device_bytes.get(dev).copied().unwrap_or_default();
            let c = self.dev_counters.entry(dev.to_owned()).or_default();
            c.0 += moved.1 + stray.1;
            c.1 += moved.0 + stray.0;
            counters.push(DevCounters {
                name: dev.to_owned(),
                rx_bytes: c.0,
                tx_bytes: c.1,
            });
            let processes = self
                .counts
                .get(dev)
                .into_iter()
                .flatten()
                .filter_map(|(&pid, &(sent, received))| {
                    let p = self.procs.get(&pid)?;
                    Some(ProcessCount {
                        pid,
                        uid: p.uid,
                        name: p.name.clone(),
                        sent,
                        received,
                    })
                })
                .collect();
            samples.push(DeviceSample {
                device: dev.to_owned(),
                at: Mono(t),
                processes,
                unattributed: vec![UnattributedCount {
                    label: "unknown TCP".to_owned(),
                    sent: unknown.0,
                    received: unknown.1,
                }],
            });
        }
        Some(Step {
            at: Mono(t),
            devices,
            epochs,
            counters,
            samples,
        })
    }
}
