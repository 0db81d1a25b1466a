//! `GET /metrics` in the Prometheus text format (version 0.0.4), so an existing Prometheus
//! can scrape a fleet. Counters are bytes since hogwatch started, per device, per app, per
//! user and unattributed, kept monotonic across process exits and idle eviction (what each
//! refresh moved is added up, as for today's totals); beside them the backend and its
//! health counters, the mode and the build.
//!
//! Cardinality is bounded: the first `TOP_APPS` apps (and `TOP_USERS` users) to be among
//! the busiest get their own series and keep it; every other app's bytes go to
//! `app="other"` (`user="other"`). So is the state behind it (`slots`). There are no
//! per-process series: pids come and go by the thousand, and each would be a series for
//! the Prometheus server to keep for weeks; the dashboard's own API has the processes.
//! Pure:
//! - `slots` — the bounded top-N series with their "other";
//! - `render` — the exposition text.

mod render;
mod slots;
#[cfg(test)]
mod tests;

use crate::model::{Health, Mode, ProcessUsage, Refresh, UpDown, OTHER_APPS};
use slots::Slots;
use std::collections::{BTreeMap, HashMap};

/// Apps with their own series at most.
pub const TOP_APPS: usize = 20;
/// Users with their own series at most.
pub const TOP_USERS: usize = 10;

/// Follows refreshes and renders the metrics.
#[derive(Debug)]
pub struct Metrics {
    /// Bytes since start per monitored device.
    devices: BTreeMap<String, UpDown>,
    apps: Slots,
    /// Keyed by uid; the label is the user's name.
    users: Slots,
    /// From the latest snapshot: unattributed (up, down) bytes, total (up, down) rate,
    /// the mode, the backend and its counters.
    unattributed: (u64, u64),
    rates: (f64, f64),
    mode: Mode,
    health: Health,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            devices: BTreeMap::new(),
            apps: Slots::new(TOP_APPS),
            users: Slots::new(TOP_USERS),
            unattributed: (0, 0),
            rates: (0.0, 0.0),
            mode: Mode::Starting,
            health: Health::default(),
        }
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

impl Metrics {
    pub fn observe(&mut self, r: &Refresh) {
        let s = &r.snapshot;
        for d in &r.moved.devices {
            let v = self.devices.entry(d.name.clone()).or_default();
            *v = (v.0.saturating_add(d.up), v.1.saturating_add(d.down));
        }
        // Every monitored device has its series from the first scrape on, moving or not.
        for d in &s.devices {
            self.devices.entry(d.name.clone()).or_default();
        }
        let apps: Vec<slots::Moved<'_>> = r
            .moved
            .apps
            .iter()
            .filter(|a| a.app != OTHER_APPS)
            .map(|a| (a.app.as_str(), a.name.as_str(), a.up, a.down))
            .collect();
        self.apps.observe(&apps);
        // What moved is per process; who runs it is in the snapshot's entry of the same id.
        let by_id: HashMap<u64, &ProcessUsage> = s.processes.iter().map(|p| (p.id, p)).collect();
        let mut by_uid: BTreeMap<u32, (&str, u64, u64)> = BTreeMap::new();
        for m in &r.moved.processes {
            if let Some(p) = by_id.get(&m.id) {
                let v = by_uid.entry(p.uid).or_insert((p.user.as_str(), 0, 0));
                v.1 = v.1.saturating_add(m.up);
                v.2 = v.2.saturating_add(m.down);
            }
        }
        // Keyed by uid; a user without a name is shown by it.
        let uids: Vec<(String, &str, u64, u64)> = by_uid
            .into_iter()
            .map(|(uid, (name, up, down))| (uid.to_string(), name, up, down))
            .collect();
        let users: Vec<slots::Moved<'_>> = uids
            .iter()
            .map(|(uid, name, up, down)| {
                let shown = if name.is_empty() { uid.as_str() } else { name };
                (uid.as_str(), shown, *up, *down)
            })
            .collect();
        self.users.observe(&users);
        self.unattributed = (s.unattributed.up_bytes, s.unattributed.down_bytes);
        self.rates = (finite(s.total.up_rate), finite(s.total.down_rate));
        self.mode = s.mode;
        self.health.clone_from(&s.health);
    }
}
