//! Today's totals for the tray, live: what history held for today before this session
//! started (read once), plus what each snapshot moved since the previous one. No query
//! per refresh and no lag behind the writer's flushes; at local midnight it starts over.

use crate::collect::accountant::counter_delta as delta;
use crate::model::Snapshot;
use chrono::NaiveDate;
use std::collections::HashMap;

/// (up, down) bytes.
pub type UpDown = (u64, u64);

/// Today's bytes: all devices, per device, per app (all devices).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Today {
    pub total: UpDown,
    pub devices: HashMap<String, UpDown>,
    pub apps: HashMap<String, UpDown>,
}

impl Today {
    /// The figures the tray shows: all devices, or one device's.
    pub fn for_device(&self, device: Option<&str>) -> UpDown {
        match device {
            None => self.total,
            Some(d) => self.devices.get(d).copied().unwrap_or_default(),
        }
    }
}

fn add(to: &mut UpDown, up: u64, down: u64) {
    to.0 = to.0.saturating_add(up);
    to.1 = to.1.saturating_add(down);
}

/// Follows snapshots and keeps `Today` current.
#[derive(Debug)]
pub struct TodayTracker {
    date: NaiveDate,
    today: Today,
    /// Last cumulative (up, down) per process id and per device.
    procs: HashMap<u64, UpDown>,
    devices: HashMap<String, UpDown>,
}

impl TodayTracker {
    /// `prior`: what history holds for `date` from before this session (empty without
    /// history).
    pub fn new(prior: Today, date: NaiveDate) -> Self {
        TodayTracker {
            date,
            today: prior,
            procs: HashMap::new(),
            devices: HashMap::new(),
        }
    }

    pub fn today(&self) -> &Today {
        &self.today
    }

    /// Adds what `s` moved since the previous snapshot; `date` is the local date of `s`.
    /// A new date starts today afresh (the refresh that straddles midnight counts for
    /// the new day).
    pub fn observe(&mut self, s: &Snapshot, date: NaiveDate) -> &Today {
        if date != self.date {
            self.date = date;
            self.today = Today::default();
        }
        let mut procs = HashMap::with_capacity(s.processes.len());
        for p in &s.processes {
            let now = (p.usage.up_bytes, p.usage.down_bytes);
            let prev = self.procs.get(&p.id).copied().unwrap_or_default();
            let (up, down) = (delta(prev.0, now.0), delta(prev.1, now.1));
            if up > 0 || down > 0 {
                add(self.today.apps.entry(p.app.clone()).or_default(), up, down);
            }
            procs.insert(p.id, now);
        }
        // Processes gone from the snapshot (exited, evicted) are forgotten: their bytes
        // are already counted.
        self.procs = procs;
        for d in &s.devices {
            let now = (d.usage.up_bytes, d.usage.down_bytes);
            let prev = self.devices.get(&d.name).copied().unwrap_or_default();
            let (up, down) = (delta(prev.0, now.0), delta(prev.1, now.1));
            add(
                self.today.devices.entry(d.name.clone()).or_default(),
                up,
                down,
            );
            add(&mut self.today.total, up, down);
            self.devices.insert(d.name.clone(), now);
        }
        &self.today
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceUsage, Mode, ProcessUsage, Usage};

    fn u(up: u64, down: u64) -> Usage {
        Usage {
            up_bytes: up,
            down_bytes: down,
            ..Usage::default()
        }
    }

    fn snap(procs: &[(u64, &str, u64, u64)], devs: &[(&str, u64, u64)]) -> Snapshot {
        let mut s = Snapshot::empty(Mode::PerProcess, "");
        s.processes = procs
            .iter()
            .map(|&(id, app, up, down)| ProcessUsage {
                id,
                pid: id as u32,
                app: app.to_string(),
                usage: u(up, down),
                ..ProcessUsage::default()
            })
            .collect();
        s.devices = devs
            .iter()
            .map(|&(name, up, down)| DeviceUsage {
                name: name.to_string(),
                usage: u(up, down),
            })
            .collect();
        s
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    #[test]
    fn prior_history_plus_live_deltas() {
        let prior = Today {
            total: (1000, 5000),
            devices: HashMap::from([("eth0".to_string(), (1000, 5000))]),
            apps: HashMap::from([("/usr/bin/curl".to_string(), (10, 20))]),
        };
        let mut t = TodayTracker::new(prior, day(25));
        t.observe(
            &snap(&[(1, "/usr/bin/curl", 100, 200)], &[("eth0", 150, 300)]),
            day(25),
        );
        let today = t.observe(
            &snap(
                &[(1, "/usr/bin/curl", 110, 260), (2, "/usr/bin/curl", 5, 5)],
                &[("eth0", 170, 400)],
            ),
            day(25),
        );
        assert_eq!(today.apps["/usr/bin/curl"], (10 + 110 + 5, 20 + 260 + 5));
        assert_eq!(today.total, (1170, 5400));
        assert_eq!(today.for_device(Some("eth0")), (1170, 5400));
        assert_eq!(today.for_device(Some("wlan0")), (0, 0));
    }

    #[test]
    fn an_evicted_process_keeps_its_bytes_in_its_app() {
        let mut t = TodayTracker::new(Today::default(), day(25));
        t.observe(&snap(&[(1, "a", 100, 100)], &[]), day(25));
        t.observe(&snap(&[], &[]), day(25));
        let today = t.observe(&snap(&[(2, "a", 50, 0)], &[]), day(25));
        assert_eq!(today.apps["a"], (150, 100));
    }

    #[test]
    fn midnight_starts_a_new_day() {
        let mut t = TodayTracker::new(Today::default(), day(25));
        t.observe(&snap(&[(1, "a", 100, 100)], &[("eth0", 100, 100)]), day(25));
        let today = t.observe(&snap(&[(1, "a", 130, 100)], &[("eth0", 140, 100)]), day(26));
        assert_eq!(today.apps["a"], (30, 0));
        assert_eq!(today.total, (40, 0));
    }

    #[test]
    fn a_counter_that_goes_back_counts_what_it_shows() {
        let mut t = TodayTracker::new(Today::default(), day(25));
        t.observe(&snap(&[], &[("eth0", 1000, 1000)]), day(25));
        let today = t.observe(&snap(&[], &[("eth0", 10, 20)]), day(25));
        assert_eq!(today.total, (1010, 1020));
    }
}
