//! The eBPF helper's lines → the seam's events. Pure: time comes in as an argument, and
//! device names come from an injected [`DeviceNames`] (`/sys/class/net` when live).
//!
//! The helper prints, per interval, a block `tick N` … `end N` of records
//! `ebpf <netns> <ifindex> <tgid> <uid> <sent> <recv> <live|exit> <comm>` whose byte counts
//! are deltas since its previous block. The seam wants cumulative counts per device and
//! process since an epoch, so this adds them up:
//! - `ready` starts an epoch on every monitored device (a new helper counts from zero);
//! - each complete block adds its deltas and sends one `DeviceSample` per monitored device
//!   with every process of the epoch on it (idle ones unchanged), and tgid 0 (packets of no
//!   socket, or of sockets whose owner was never known) as an unattributed line;
//! - an `exit` record's process is in the sample of its block, then retired: its total is
//!   kept (a reused pid continues from it, so the accountant's baseline never goes back)
//!   but it is no longer listed. When `RETIRED_MAX` are kept, a new epoch starts on every
//!   device and everything counts from zero again: memory stays bounded.
//! - records of other network namespaces (containers) are not attributed (see mod.rs);
//!   records of devices not monitored are dropped.
//! - `new <tgid>` (between blocks): a process just got its first socket; what /proc says
//!   about it is asked now, through the injected [`ProcLookup`] (with our own rights, as
//!   the accountant would), and passed on as `Event::Proc`, so that a process that exits
//!   before the next block keeps its executable and command line.
//!
//! Everything is checked as hostile input: a malformed line is counted and skipped, a block
//! with a malformed or duplicate record, or too many records, is dropped whole.

use crate::clock::Mono;
use crate::collect::lookup::{NoProcs, ProcLookup};
use crate::collect::sample::{DeviceSample, Event, ProcessCount, SourceStatus, UnattributedCount};
use crate::model::Mode;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Retired processes kept before a new epoch starts (see the module comment).
pub const RETIRED_MAX: usize = 4096;
/// More records than the helper's traffic map can hold entries: not from the helper.
const MAX_RECORDS: usize = 16_384;
/// The unattributed line of tgid 0.
pub const NO_PROCESS: &str = "no process (kernel)";

/// Where ifindexes get their device names: every device of our namespace, by ifindex.
pub trait DeviceNames: Send {
    fn scan(&mut self) -> HashMap<u32, String>;
}

/// One record of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub netns: u64,
    pub ifindex: u32,
    pub tgid: u32,
    pub uid: u32,
    pub sent: u64,
    pub recv: u64,
    pub exit: bool,
    pub comm: String,
}

/// A tgid as the helper prints it: 1–10 digits, not 0.
fn parse_tgid(s: &str) -> Option<u32> {
    let digits = (1..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    s.parse().ok().filter(|&t| digits && t != 0)
}

/// Parses `<netns> <ifindex> <tgid> <uid> <sent> <recv> <live|exit> <comm>` (after `ebpf `).
pub fn parse_record(rest: &str) -> Option<Record> {
    let mut f = rest.splitn(8, ' ');
    let mut num = || -> Option<u64> {
        let v = f.next()?;
        (!v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse().ok())?
    };
    let (netns, ifindex, tgid, uid) = (num()?, num()?, num()?, num()?);
    let (sent, recv) = (num()?, num()?);
    let exit = match f.next()? {
        "live" => false,
        "exit" => true,
        _ => return None,
    };
    let comm = crate::text::unescape(f.next()?)?;
    Some(Record {
        netns,
        ifindex: u32::try_from(ifindex).ok()?,
        tgid: u32::try_from(tgid).ok()?,
        uid: u32::try_from(uid).ok()?,
        sent,
        recv,
        exit,
        comm: crate::text::bound_name(&String::from_utf8_lossy(&comm)).into_owned(),
    })
}

#[derive(Debug, Clone)]
struct Count {
    uid: u32,
    name: String,
    sent: u64,
    recv: u64,
}

/// Decodes one eBPF helper's output.
pub struct Decoder {
    names: Box<dyn DeviceNames>,
    by_index: HashMap<u32, String>,
    devices: Vec<String>,
    /// The helper's network namespace (its `ready` line); None before it.
    netns: Option<u64>,
    /// The block being read: its number and records.
    block: Option<(u64, Vec<Record>)>,
    /// Per device, per pid: cumulative bytes of this epoch, listed in every sample.
    totals: BTreeMap<String, BTreeMap<u32, Count>>,
    /// Exited processes' totals (device, pid), not listed any more.
    retired: HashMap<(String, u32), (u64, u64)>,
    /// Per device: tgid 0's cumulative bytes.
    kernel: BTreeMap<String, (u64, u64)>,
    /// Devices whose epoch is yet to be announced (they joined the set).
    fresh: Vec<String>,
    /// Optional programs the kernel refused, with why.
    missing: BTreeMap<String, String>,
    /// Bytes the kernel program could not record (its traffic map was full).
    lost_bytes: u64,
    /// What the helpers before this one lost (`lost_bytes` is per helper): for a counter
    /// that never goes down.
    lost_before: u64,
    /// Bytes of other network namespaces' processes (not attributed), (sent, recv).
    pub other_netns: (u64, u64),
    /// Lines and blocks that were not understood (diagnostics).
    pub bad_lines: u64,
    /// Where `new` processes are looked up.
    procs: Box<dyn ProcLookup>,
}

impl Decoder {
    pub fn new(names: Box<dyn DeviceNames>) -> Self {
        Decoder {
            names,
            by_index: HashMap::new(),
            devices: Vec::new(),
            netns: None,
            block: None,
            totals: BTreeMap::new(),
            retired: HashMap::new(),
            kernel: BTreeMap::new(),
            fresh: Vec::new(),
            missing: BTreeMap::new(),
            lost_bytes: 0,
            lost_before: 0,
            other_netns: (0, 0),
            bad_lines: 0,
            procs: Box::new(NoProcs),
        }
    }

    /// Looks `new` processes up in `procs` (/proc when live).
    pub fn with_procs(mut self, procs: Box<dyn ProcLookup>) -> Self {
        self.procs = procs;
        self
    }

    /// The devices monitored now. Those that join start an epoch at the next block;
    /// those that leave are forgotten.
    pub fn set_devices(&mut self, devices: &[String]) {
        for d in devices.iter().filter(|d| !self.devices.contains(d)) {
            self.fresh.push(d.clone());
        }
        self.totals.retain(|d, _| devices.contains(d));
        self.kernel.retain(|d, _| devices.contains(d));
        self.retired.retain(|(d, _), _| devices.contains(d));
        self.devices = devices.to_vec();
        self.by_index = self.names.scan();
    }

    /// The helper is gone: the next one starts from zero.
    pub fn reset(&mut self) {
        self.netns = None;
        self.block = None;
        self.totals.clear();
        self.retired.clear();
        self.kernel.clear();
        self.missing.clear();
        self.lost_before = self.lost_before.saturating_add(self.lost_bytes);
        self.lost_bytes = 0;
    }

    /// One line from the helper, received at `now`; returns the events it completes.
    pub fn line(&mut self, raw: &str, now: Mono) -> Vec<Event> {
        let (kind, rest) = raw.split_once(' ').unwrap_or((raw, ""));
        match (kind, self.netns) {
            ("hello" | "prog", _) => {}
            ("new", _) => match parse_tgid(rest) {
                Some(pid) => {
                    if let Some(details) = self.procs.details(pid) {
                        return vec![Event::Proc { pid, details }];
                    }
                }
                None => self.bad_lines += 1,
            },
            ("missing", _) => {
                let (name, why) = rest.split_once(' ').unwrap_or((rest, ""));
                let why = crate::text::unescape(why).unwrap_or_default();
                let why = crate::text::truncate(&String::from_utf8_lossy(&why), 200);
                self.missing.insert(crate::text::truncate(name, 32), why);
            }
            ("ready", None) => match rest.parse::<u64>() {
                Ok(cookie) => return self.ready(cookie, now),
                Err(_) => self.bad_lines += 1,
            },
            ("tick", Some(_)) => {
                if self.block.is_some() {
                    self.bad_lines += 1; // an unfinished block: dropped
                }
                self.block = rest.parse().ok().map(|n| (n, Vec::new()));
            }
            ("ebpf", Some(_)) => {
                let rec = parse_record(rest);
                match (&mut self.block, rec) {
                    (Some((_, recs)), Some(r)) if recs.len() < MAX_RECORDS => recs.push(r),
                    _ => {
                        self.bad_lines += 1;
                        self.block = None;
                    }
                }
            }
            ("counters", Some(_)) => self.counters(rest),
            ("end", Some(_)) => match self.block.take() {
                Some((n, recs)) if rest.parse() == Ok(n) => return self.complete(recs, now),
                _ => self.bad_lines += 1,
            },
            _ => self.bad_lines += 1,
        }
        Vec::new()
    }

    /// The supervisor's status, plus what the helper said about itself when all is well.
    pub fn status(&self, mut sup: SourceStatus) -> SourceStatus {
        sup.health.map_full_bytes = self.lost_before.saturating_add(self.lost_bytes);
        if sup.mode != Mode::PerProcess || !sup.reason.is_empty() {
            return sup;
        }
        let mut notes = Vec::new();
        // hw_send/hw_recv missing alone costs nothing: hw_rcv_space and hw_closing stand
        // in for them (Linux < 6.3); doctor lists them all.
        let costly: Vec<(&String, &String)> = self
            .missing
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "hw_send" | "hw_recv"))
            .collect();
        if let Some((_, why)) = costly.first() {
            let names: Vec<&str> = costly.iter().map(|(n, _)| n.as_str()).collect();
            notes.push(format!(
                "eBPF: {} not attached ({why}); sockets accepted or handed over are not all \
                 attributed",
                names.join(", ")
            ));
        }
        if self.lost_bytes > 0 {
            notes.push(format!(
                "eBPF: the kernel's traffic map is full; {} bytes could not be attributed",
                self.lost_bytes
            ));
        }
        SourceStatus {
            mode: sup.mode,
            reason: notes.join("; "),
            health: sup.health,
        }
    }

    fn ready(&mut self, cookie: u64, now: Mono) -> Vec<Event> {
        let missing = std::mem::take(&mut self.missing); // said before `ready`
        self.reset();
        self.missing = missing;
        self.netns = Some(cookie);
        self.fresh.clear();
        self.by_index = self.names.scan();
        self.devices
            .iter()
            .map(|d| Event::Epoch {
                device: d.clone(),
                at: now,
            })
            .collect()
    }

    fn counters(&mut self, rest: &str) {
        for (k, v) in rest.split(' ').filter_map(|kv| kv.split_once('=')) {
            if k == "lost_bytes" {
                self.lost_bytes = v.parse().unwrap_or(self.lost_bytes);
            }
        }
    }

    /// The device an ifindex of our namespace is, rescanning once on a miss.
    fn device(&mut self, ifindex: u32, rescanned: &mut bool) -> Option<String> {
        if !self.by_index.contains_key(&ifindex) && !*rescanned {
            *rescanned = true;
            self.by_index = self.names.scan();
        }
        self.by_index.get(&ifindex).cloned()
    }

    /// A complete block: adds its deltas up and sends a sample per monitored device.
    fn complete(&mut self, recs: Vec<Record>, now: Mono) -> Vec<Event> {
        let mut out = Vec::new();
        // A (netns, ifindex, tgid) twice in one block is not the helper's.
        let mut keys = HashSet::new();
        if !recs
            .iter()
            .all(|r| keys.insert((r.netns, r.ifindex, r.tgid)))
        {
            self.bad_lines += 1;
            return out;
        }
        let mut fresh = std::mem::take(&mut self.fresh);
        if self.retired.len() >= RETIRED_MAX {
            self.totals.clear();
            self.retired.clear();
            self.kernel.clear();
            fresh = self.devices.clone();
        }
        for device in fresh.into_iter().filter(|d| self.devices.contains(d)) {
            out.push(Event::Epoch { device, at: now });
        }
        let own = self.netns;
        let mut rescanned = false;
        let mut exited = Vec::new();
        for r in recs {
            if Some(r.netns) != own {
                self.other_netns.0 = self.other_netns.0.saturating_add(r.sent);
                self.other_netns.1 = self.other_netns.1.saturating_add(r.recv);
                continue;
            }
            let Some(dev) = self.device(r.ifindex, &mut rescanned) else {
                continue;
            };
            if !self.devices.contains(&dev) {
                continue;
            }
            if r.tgid == 0 {
                let k = self.kernel.entry(dev).or_default();
                k.0 = k.0.saturating_add(r.sent);
                k.1 = k.1.saturating_add(r.recv);
                continue;
            }
            let before = self.retired.remove(&(dev.clone(), r.tgid));
            let c = self
                .totals
                .entry(dev.clone())
                .or_default()
                .entry(r.tgid)
                .or_insert_with(|| {
                    let (sent, recv) = before.unwrap_or_default();
                    Count {
                        uid: r.uid,
                        name: String::new(),
                        sent,
                        recv,
                    }
                });
            c.uid = r.uid;
            c.name = r.comm;
            c.sent = c.sent.saturating_add(r.sent);
            c.recv = c.recv.saturating_add(r.recv);
            if r.exit {
                exited.push((dev, r.tgid));
            }
        }
        for device in &self.devices {
            let processes = self.totals.get(device).map_or_else(Vec::new, |m| {
                m.iter()
                    .map(|(&pid, c)| ProcessCount {
                        pid,
                        uid: c.uid,
                        name: c.name.clone(),
                        sent: c.sent,
                        received: c.recv,
                    })
                    .collect()
            });
            let unattributed = self.kernel.get(device).map_or_else(Vec::new, |k| {
                vec![UnattributedCount {
                    label: NO_PROCESS.to_owned(),
                    sent: k.0,
                    received: k.1,
                }]
            });
            out.push(Event::Sample(DeviceSample {
                device: device.clone(),
                at: now,
                processes,
                unattributed,
            }));
        }
        // Exited processes were in this block's samples; from now on only their totals stay.
        for (dev, pid) in exited {
            if let Some(c) = self.totals.get_mut(&dev).and_then(|m| m.remove(&pid)) {
                self.retired.insert((dev, pid), (c.sent, c.recv));
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
