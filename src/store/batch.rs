//! From snapshots to history deltas: what moved since the previous snapshot, per app ×
//! device, per device, and unattributed, gathered into fine buckets until a flush.
//! Pure: snapshots in, a batch out.

use super::tiers::{Tier, Zone, FINE_SECS};
// Cumulative figures never go down within a run; if one did, count what it shows.
use crate::collect::accountant::counter_delta as delta;
use crate::model::{Mode, Snapshot};
use std::collections::{BTreeMap, HashMap};

/// Key of an app row: (fine bucket start, app key, device).
pub type AppCell = (i64, String, String);

/// Bytes waiting to be written, in fine buckets.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Batch {
    pub apps: BTreeMap<AppCell, (u64, u64)>,
    /// Display names of the apps in `apps`.
    pub app_names: HashMap<String, String>,
    pub devices: BTreeMap<(i64, String), (u64, u64)>,
    /// Unattributed deltas; signed, because unattributed is a difference that can shrink
    /// when nethogs catches up. Sums over a range telescope to the exact value.
    pub unattributed: BTreeMap<i64, (i64, i64)>,
    /// Coverage: (start, end, per_process) spans of seconds the collector ran.
    pub spans: Vec<(i64, i64, bool)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.apps.is_empty()
            && self.devices.is_empty()
            && self.unattributed.is_empty()
            && self.spans.is_empty()
    }

    /// Cells held (for the in-memory bound while the disk is unavailable).
    pub fn cells(&self) -> usize {
        self.apps.len() + self.devices.len() + self.unattributed.len()
    }

    /// Adds `other` into this batch (a failed flush keeps its batch and merges new data).
    pub fn merge(&mut self, other: Batch) {
        for (k, v) in other.apps {
            let e = self.apps.entry(k).or_default();
            *e = (e.0.saturating_add(v.0), e.1.saturating_add(v.1));
        }
        self.app_names.extend(other.app_names);
        for (k, v) in other.devices {
            let e = self.devices.entry(k).or_default();
            *e = (e.0.saturating_add(v.0), e.1.saturating_add(v.1));
        }
        for (k, v) in other.unattributed {
            let e = self.unattributed.entry(k).or_default();
            *e = (e.0.saturating_add(v.0), e.1.saturating_add(v.1));
        }
        for s in other.spans {
            self.add_span(s.0, s.1, s.2);
        }
    }

    /// Moves every cell to the start of its quarter hour (UTC): local hour, day and range
    /// totals stay exact in every zone (all offsets are multiples of 15 minutes), finer
    /// detail is lost. Used to bound memory during a long disk outage.
    pub fn coarsen(&mut self) {
        let hour = |ts: i64| ts - ts.rem_euclid(900);
        let apps = std::mem::take(&mut self.apps);
        for ((ts, app, dev), v) in apps {
            let e = self.apps.entry((hour(ts), app, dev)).or_default();
            *e = (e.0.saturating_add(v.0), e.1.saturating_add(v.1));
        }
        let devs = std::mem::take(&mut self.devices);
        for ((ts, dev), v) in devs {
            let e = self.devices.entry((hour(ts), dev)).or_default();
            *e = (e.0.saturating_add(v.0), e.1.saturating_add(v.1));
        }
        let un = std::mem::take(&mut self.unattributed);
        for (ts, v) in un {
            let e = self.unattributed.entry(hour(ts)).or_default();
            *e = (e.0.saturating_add(v.0), e.1.saturating_add(v.1));
        }
    }

    fn add_span(&mut self, start: i64, end: i64, per_process: bool) {
        match self.spans.last_mut() {
            Some(last) if last.2 == per_process && start <= last.1 + 2 * FINE_SECS => {
                last.1 = last.1.max(end);
            }
            _ => self.spans.push((start, end, per_process)),
        }
    }
}

/// Remembers the previous snapshot's cumulative figures to turn the next into deltas.
#[derive(Debug, Default)]
pub struct DeltaTracker {
    procs: HashMap<(u64, String), (u64, u64)>,
    devices: HashMap<String, (u64, u64)>,
    unattributed: (u64, u64),
    last_ts: Option<i64>,
}

impl DeltaTracker {
    /// Adds what `snap` moved since the previous snapshot into `batch`.
    pub fn observe(&mut self, snap: &Snapshot, batch: &mut Batch) {
        let ts = (snap.ts / 1000) as i64;
        let bucket = Tier::Fine.floor(ts, &Zone::utc());
        let mut seen = HashMap::with_capacity(self.procs.len());
        for p in &snap.processes {
            for d in &p.devices {
                let key = (p.id, d.name.clone());
                let prev = self.procs.get(&key).copied().unwrap_or((0, 0));
                let (du, dd) = (
                    delta(prev.0, d.usage.up_bytes),
                    delta(prev.1, d.usage.down_bytes),
                );
                if du > 0 || dd > 0 {
                    let e = batch
                        .apps
                        .entry((bucket, p.app.clone(), d.name.clone()))
                        .or_default();
                    *e = (e.0.saturating_add(du), e.1.saturating_add(dd));
                    batch
                        .app_names
                        .entry(p.app.clone())
                        .or_insert_with(|| p.app_name.clone());
                }
                seen.insert(key, (d.usage.up_bytes, d.usage.down_bytes));
            }
        }
        // Processes that left the live table moved nothing since (they were idle).
        self.procs = seen;
        for d in &snap.devices {
            let prev = self.devices.get(&d.name).copied().unwrap_or((0, 0));
            let (du, dd) = (
                delta(prev.0, d.usage.up_bytes),
                delta(prev.1, d.usage.down_bytes),
            );
            if du > 0 || dd > 0 {
                let e = batch.devices.entry((bucket, d.name.clone())).or_default();
                *e = (e.0.saturating_add(du), e.1.saturating_add(dd));
            }
            self.devices
                .insert(d.name.clone(), (d.usage.up_bytes, d.usage.down_bytes));
        }
        let u = (snap.unattributed.up_bytes, snap.unattributed.down_bytes);
        let du = u.0 as i64 - self.unattributed.0 as i64;
        let dd = u.1 as i64 - self.unattributed.1 as i64;
        if du != 0 || dd != 0 {
            let e = batch.unattributed.entry(bucket).or_default();
            *e = (e.0.saturating_add(du), e.1.saturating_add(dd));
        }
        self.unattributed = u;
        // Coverage: from the previous snapshot (or this one's interval) to this one.
        let start = self
            .last_ts
            .filter(|&l| ts - l <= 2 * FINE_SECS.max((snap.interval_ms / 1000) as i64))
            .unwrap_or(ts - (snap.interval_ms / 1000) as i64);
        let per_process = matches!(snap.mode, Mode::PerProcess | Mode::Replay);
        batch.add_span(start.min(ts), ts, per_process);
        self.last_ts = Some(ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceUsage, ProcessUsage, Usage};

    fn usage(up: u64, down: u64) -> Usage {
        Usage {
            up_bytes: up,
            down_bytes: down,
            ..Usage::default()
        }
    }

    fn snap(ts_s: u64, procs: &[(u64, &str, u64)], dev_up: u64, un_up: u64) -> Snapshot {
        let mut s = Snapshot::empty(Mode::PerProcess, "");
        s.ts = ts_s * 1000;
        s.interval_ms = 1000;
        s.processes = procs
            .iter()
            .map(|&(id, app, up)| ProcessUsage {
                id,
                pid: id as u32,
                name: app.into(),
                exe: String::new(),
                cmdline: String::new(),
                uid: 0,
                user: "root".into(),
                app: app.into(),
                app_name: app.into(),
                devices: vec![DeviceUsage {
                    name: "eth0".into(),
                    usage: usage(up, 0),
                }],
                usage: usage(up, 0),
            })
            .collect();
        s.devices = vec![DeviceUsage {
            name: "eth0".into(),
            usage: usage(dev_up, 0),
        }];
        s.unattributed = usage(un_up, 0);
        s
    }

    #[test]
    fn deltas_per_app_device_and_unattributed() {
        let mut t = DeltaTracker::default();
        let mut b = Batch::default();
        t.observe(
            &snap(1000, &[(1, "/a", 100), (2, "/a", 50)], 200, 50),
            &mut b,
        );
        t.observe(
            &snap(1001, &[(1, "/a", 150), (3, "/b", 10)], 300, 40),
            &mut b,
        );
        // Process 2 left the table; process 3 is new. Same fine bucket (1000..1010).
        assert_eq!(
            b.apps.get(&(1000, "/a".into(), "eth0".into())),
            Some(&(200, 0))
        );
        assert_eq!(
            b.apps.get(&(1000, "/b".into(), "eth0".into())),
            Some(&(10, 0))
        );
        assert_eq!(b.devices.get(&(1000, "eth0".into())), Some(&(300, 0)));
        assert_eq!(b.unattributed.get(&1000), Some(&(40, 0)), "50 then −10");
        assert_eq!(b.spans, vec![(999, 1001, true)]);
    }

    #[test]
    fn coarsen_keeps_hour_totals() {
        let mut b = Batch::default();
        b.apps.insert((3600 + 10, "/a".into(), "e".into()), (1, 2));
        b.apps.insert((3600 + 890, "/a".into(), "e".into()), (3, 4));
        b.coarsen();
        assert_eq!(b.apps.len(), 1);
        assert_eq!(b.apps.get(&(3600, "/a".into(), "e".into())), Some(&(4, 6)));
    }
}
