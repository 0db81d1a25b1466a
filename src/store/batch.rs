//! From refreshes to history cells: what each refresh moved (per app × device, per
//! device, unattributed — computed once by the collector) gathered into fine buckets
//! until a flush, and the spans of time the collector ran. Pure: refreshes in, a batch out.

use super::tiers::{Tier, Zone, FINE_SECS};
use crate::model::{Mode, Refresh, OTHER_APPS};
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

    /// The latest time the batch knows of: the end of its last span, or its latest
    /// cell. Coarse buckets that closed before it can be written (`rollup`).
    pub fn latest(&self) -> Option<i64> {
        let cells = [
            self.apps.keys().map(|k| k.0).max(),
            self.devices.keys().map(|k| k.0).max(),
            self.unattributed.keys().max().copied(),
        ];
        let spans = self.spans.iter().map(|s| s.1).max();
        cells.into_iter().chain([spans]).flatten().max()
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

    /// Puts the bytes of every app but the `keep` biggest of the batch under "other apps"
    /// (`OTHER_APPS`): totals stay exact. Coarsening bounds the time buckets held during a
    /// long disk outage, this the apps (a flood of uniquely named processes meanwhile).
    pub fn fold_apps(&mut self, keep: usize) {
        let mut size: HashMap<&str, u64> = HashMap::new();
        for ((_, app, _), v) in &self.apps {
            let e = size.entry(app.as_str()).or_default();
            *e = e.saturating_add(v.0.saturating_add(v.1));
        }
        if size.len() <= keep {
            return;
        }
        let mut order: Vec<(&str, u64)> = size.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let kept: std::collections::HashSet<String> = order
            .iter()
            .take(keep)
            .map(|(k, _)| (*k).to_owned())
            .collect();
        let apps = std::mem::take(&mut self.apps);
        for ((ts, app, dev), v) in apps {
            let app = if kept.contains(&app) {
                app
            } else {
                OTHER_APPS.to_owned()
            };
            let e = self.apps.entry((ts, app, dev)).or_default();
            *e = (e.0.saturating_add(v.0), e.1.saturating_add(v.1));
        }
        self.app_names.retain(|k, _| kept.contains(k));
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

/// Adds refreshes to batches; remembers when the previous one came, for coverage.
#[derive(Debug, Default)]
pub struct Batcher {
    last_ts: Option<i64>,
}

fn add(to: &mut (u64, u64), up: u64, down: u64) {
    *to = (to.0.saturating_add(up), to.1.saturating_add(down));
}

impl Batcher {
    /// Adds what `r` moved into `batch`, in the fine bucket of its time.
    pub fn add(&mut self, r: &Refresh, batch: &mut Batch) {
        let snap = &r.snapshot;
        let ts = r.unix_s();
        let bucket = Tier::Fine.floor(ts, &Zone::utc());
        for a in &r.moved.apps {
            for d in &a.devices {
                add(
                    batch
                        .apps
                        .entry((bucket, a.app.clone(), d.name.clone()))
                        .or_default(),
                    d.up,
                    d.down,
                );
            }
            batch
                .app_names
                .entry(a.app.clone())
                .or_insert_with(|| a.name.clone());
        }
        for d in &r.moved.devices {
            add(
                batch.devices.entry((bucket, d.name.clone())).or_default(),
                d.up,
                d.down,
            );
        }
        let (du, dd) = (r.moved.unattributed_up, r.moved.unattributed_down);
        if du != 0 || dd != 0 {
            let e = batch.unattributed.entry(bucket).or_default();
            *e = (e.0.saturating_add(du), e.1.saturating_add(dd));
        }
        // Coverage: from the previous refresh (or this one's interval) to this one. A
        // longer silence is a gap, not zero traffic; so is a break in time (`gap_ms`:
        // hogwatch frozen, the machine asleep, the clock set), however short, whose
        // interval spans the break: nothing before this refresh is covered. What moved
        // across it counts where it was seen, never spread over the break.
        let start = match r.gap_ms {
            0 => self
                .last_ts
                .filter(|&l| ts - l <= 2 * FINE_SECS.max((snap.interval_ms / 1000) as i64))
                .unwrap_or(ts - (snap.interval_ms / 1000) as i64),
            _ => ts,
        };
        let per_process = matches!(snap.mode, Mode::PerProcess | Mode::Replay);
        batch.add_span(start.min(ts), ts, per_process);
        self.last_ts = Some(ts);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{AppMoved, DeviceMoved, Moved, Snapshot};

    fn dev(name: &str, up: u64) -> DeviceMoved {
        DeviceMoved {
            name: name.into(),
            up,
            down: 0,
        }
    }

    /// A refresh at `ts_s` that moved `apps` (key, up on eth0), `dev_up` on eth0 and
    /// changed unattributed by `un_up`.
    pub(crate) fn refresh(ts_s: u64, apps: &[(&str, u64)], dev_up: u64, un_up: i64) -> Refresh {
        let mut snapshot = Snapshot::empty(Mode::PerProcess, "");
        snapshot.ts = ts_s * 1000;
        snapshot.interval_ms = 1000;
        Refresh {
            snapshot,
            moved: Moved {
                apps: apps
                    .iter()
                    .map(|&(app, up)| AppMoved {
                        app: app.into(),
                        name: app.into(),
                        up,
                        down: 0,
                        devices: vec![dev("eth0", up)],
                    })
                    .collect(),
                devices: vec![dev("eth0", dev_up)],
                unattributed_up: un_up,
                ..Moved::default()
            },
            gap_ms: 0,
        }
    }

    #[test]
    fn what_moved_lands_in_fine_buckets() {
        let mut t = Batcher::default();
        let mut b = Batch::default();
        t.add(&refresh(1000, &[("/a", 150)], 200, 50), &mut b);
        t.add(&refresh(1001, &[("/a", 50), ("/b", 10)], 100, -10), &mut b);
        t.add(&refresh(1010, &[("/b", 5)], 5, 0), &mut b);
        // The first two in one fine bucket (1000..1010), the third in the next.
        assert_eq!(
            b.apps.get(&(1000, "/a".into(), "eth0".into())),
            Some(&(200, 0))
        );
        assert_eq!(
            b.apps.get(&(1000, "/b".into(), "eth0".into())),
            Some(&(10, 0))
        );
        assert_eq!(
            b.apps.get(&(1010, "/b".into(), "eth0".into())),
            Some(&(5, 0))
        );
        assert_eq!(b.devices.get(&(1000, "eth0".into())), Some(&(300, 0)));
        assert_eq!(b.unattributed.get(&1000), Some(&(40, 0)), "50 then −10");
        assert_eq!(b.unattributed.get(&1010), None, "no change, no cell");
        assert_eq!(b.spans, vec![(999, 1010, true)]);
    }

    #[test]
    fn a_break_in_time_is_a_gap_in_coverage_and_its_bytes_count_once() {
        let mut t = Batcher::default();
        let mut b = Batch::default();
        t.add(&refresh(1000, &[("/a", 10)], 10, 0), &mut b);
        t.add(&refresh(1001, &[("/a", 10)], 10, 0), &mut b);
        // Frozen five minutes; the helper ran on, so the first refresh carries them (its
        // interval spans the freeze).
        let mut resumed = refresh(1301, &[("/a", 3000)], 3000, 0);
        resumed.snapshot.interval_ms = 300_000;
        resumed.gap_ms = 300_000;
        t.add(&resumed, &mut b);
        t.add(&refresh(1302, &[("/a", 10)], 10, 0), &mut b);
        assert_eq!(b.spans, vec![(999, 1001, true), (1301, 1302, true)]);
        let total: u64 = b.apps.values().map(|v| v.0).sum();
        assert_eq!(total, 3030, "every byte once");
        assert_eq!(b.devices.get(&(1300, "eth0".into())), Some(&(3010, 0)));
        assert!(
            !b.devices.keys().any(|k| (1010..1300).contains(&k.0)),
            "nothing spread over the break"
        );
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
