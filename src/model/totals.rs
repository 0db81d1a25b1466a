//! Bytes per period — today, this billing month, since start — added up from what each
//! refresh moved. No query per refresh and no lag behind the history writer: a period
//! starts from what history held before this run (read once) and adds each `Moved`.
//!
//! The apps kept apart are bounded: any local user can start thousands of uniquely named
//! processes, and every one would otherwise stay in today's and the month's table (and in
//! every update sent to the front ends) until the period ends. At most `MAX_APPS` keys
//! are kept; the rest add up under `OTHER_APPS`, so the sum over `apps` stays exact. When
//! the table is full, a newcomer that moved more in one refresh than the smallest kept app
//! did in the whole period takes its place (the smallest one's bytes go to "other"): a
//! flood of small processes cannot push out an app that moves real traffic.

use super::moved::Moved;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// (up, down) bytes.
pub type UpDown = (u64, u64);

/// App keys a period's totals keep apart at most (`OTHER_APPS` not counted).
pub const MAX_APPS: usize = 500;

/// The key that the apps beyond `MAX_APPS` add up under: "other apps". An app whose key
/// is empty (nothing could name it) adds up there too, so no app can pose as "other".
pub const OTHER_APPS: &str = "";

fn add(to: &mut UpDown, up: u64, down: u64) {
    to.0 = to.0.saturating_add(up);
    to.1 = to.1.saturating_add(down);
}

fn sum((up, down): UpDown) -> u64 {
    up.saturating_add(down)
}

/// Bytes of one period: all devices, per device, per app (all devices; at most
/// `MAX_APPS` keys plus `OTHER_APPS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub total: UpDown,
    pub devices: HashMap<String, UpDown>,
    pub apps: HashMap<String, UpDown>,
}

impl Totals {
    /// The figures for all devices, or for one device.
    pub fn for_device(&self, device: Option<&str>) -> UpDown {
        match device {
            None => self.total,
            Some(d) => self.devices.get(d).copied().unwrap_or_default(),
        }
    }

    /// Adds one refresh's bytes.
    pub fn add(&mut self, m: &Moved) {
        for d in &m.devices {
            add(
                self.devices.entry(d.name.clone()).or_default(),
                d.up,
                d.down,
            );
            add(&mut self.total, d.up, d.down);
        }
        // The smallest kept app, looked up once and kept while it stays the smallest: a
        // flood of newcomers costs a comparison each, not a scan.
        let mut smallest = None;
        for a in &m.apps {
            self.add_app_with(&a.app, a.up, a.down, &mut smallest);
        }
    }

    /// Adds an app's bytes: to its own entry if it has one or there is room (or it moved
    /// more than the smallest kept app, which then goes to "other"), else to "other".
    pub fn add_app(&mut self, key: &str, up: u64, down: u64) {
        self.add_app_with(key, up, down, &mut None);
    }

    /// Apps kept apart (not counting "other").
    pub fn kept_apps(&self) -> usize {
        self.apps.len() - usize::from(self.apps.contains_key(OTHER_APPS))
    }

    fn add_app_with(
        &mut self,
        key: &str,
        up: u64,
        down: u64,
        smallest: &mut Option<(String, u64)>,
    ) {
        if key == OTHER_APPS {
            add(
                self.apps.entry(OTHER_APPS.to_owned()).or_default(),
                up,
                down,
            );
            return;
        }
        if let Some(v) = self.apps.get_mut(key) {
            add(v, up, down);
            if smallest.as_ref().is_some_and(|(k, _)| k == key) {
                *smallest = None;
            }
            return;
        }
        if self.kept_apps() < MAX_APPS {
            self.apps.insert(key.to_owned(), (up, down));
            // A new entry may be the new smallest.
            *smallest = None;
            return;
        }
        if smallest.is_none() {
            *smallest = self
                .apps
                .iter()
                .filter(|(k, _)| k.as_str() != OTHER_APPS)
                .map(|(k, v)| (sum(*v), k))
                .min()
                .map(|(v, k)| (k.clone(), v));
        }
        let other = match smallest.take() {
            Some((k, v)) if up.saturating_add(down) > v => {
                let gone = self.apps.remove(&k).unwrap_or_default();
                self.apps.insert(key.to_owned(), (up, down));
                gone
            }
            keep => {
                *smallest = keep;
                (up, down)
            }
        };
        add(
            self.apps.entry(OTHER_APPS.to_owned()).or_default(),
            other.0,
            other.1,
        );
    }
}

/// A period's totals that start over when the period changes (a new local day, a new
/// billing month). A period is named by a date (its first day, or the day itself).
///
/// Periods left are kept (`HELD_PERIODS`): a wall clock set back across the boundary (NTP
/// after a resume, a user fixing the time) counts its bytes into the earlier period, as
/// the history does, and the later one is found intact when the clock comes forward again.
#[derive(Debug, Clone)]
pub struct PeriodTotals {
    period: NaiveDate,
    totals: Totals,
    held: Vec<(NaiveDate, Totals)>,
}

/// Periods left that are kept: the clock set back, then forward, finds them.
const HELD_PERIODS: usize = 2;

impl PeriodTotals {
    /// `prior`: what history holds for `period` from before this run (empty without
    /// history).
    pub fn new(prior: Totals, period: NaiveDate) -> Self {
        PeriodTotals {
            period,
            totals: prior,
            held: Vec::new(),
        }
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Adds what moved in a refresh of `period`; a new period starts afresh (the refresh
    /// that straddles the boundary counts for the new one), the one before is kept.
    pub fn add(&mut self, m: &Moved, period: NaiveDate) -> &Totals {
        if period != self.period {
            // A period never seen in this run starts from what comes now (the history
            // holds what earlier runs saw of it).
            let back = match self.held.iter().position(|(p, _)| *p == period) {
                Some(i) => self.held.remove(i).1,
                None => Totals::default(),
            };
            let left = std::mem::replace(&mut self.totals, back);
            self.held.push((self.period, left));
            // The latest periods stay.
            self.held.sort_by_key(|(p, _)| std::cmp::Reverse(*p));
            self.held.truncate(HELD_PERIODS);
            self.period = period;
        }
        self.totals.add(m);
        &self.totals
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppMoved, DeviceMoved};

    fn moved(apps: &[(&str, u64, u64)], devs: &[(&str, u64, u64)]) -> Moved {
        Moved {
            apps: apps
                .iter()
                .map(|&(app, up, down)| AppMoved {
                    app: app.into(),
                    name: app.into(),
                    up,
                    down,
                    devices: Vec::new(),
                })
                .collect(),
            devices: devs
                .iter()
                .map(|&(name, up, down)| DeviceMoved {
                    name: name.into(),
                    up,
                    down,
                })
                .collect(),
            ..Moved::default()
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    #[test]
    fn prior_history_plus_what_moved() {
        let prior = Totals {
            total: (1000, 5000),
            devices: HashMap::from([("eth0".to_string(), (1000, 5000))]),
            apps: HashMap::from([("/usr/bin/curl".to_string(), (10, 20))]),
        };
        let mut t = PeriodTotals::new(prior, day(25));
        t.add(
            &moved(&[("/usr/bin/curl", 100, 200)], &[("eth0", 150, 300)]),
            day(25),
        );
        let now = t.add(
            &moved(&[("/usr/bin/curl", 15, 65)], &[("eth0", 20, 100)]),
            day(25),
        );
        assert_eq!(now.apps["/usr/bin/curl"], (125, 285));
        assert_eq!(now.total, (1170, 5400));
        assert_eq!(now.for_device(Some("eth0")), (1170, 5400));
        assert_eq!(now.for_device(Some("wlan0")), (0, 0));
    }

    #[test]
    fn a_new_period_starts_over() {
        let mut t = PeriodTotals::new(Totals::default(), day(25));
        t.add(&moved(&[("a", 100, 100)], &[("eth0", 100, 100)]), day(25));
        let now = t.add(&moved(&[("a", 30, 0)], &[("eth0", 40, 0)]), day(26));
        assert_eq!(now.apps["a"], (30, 0));
        assert_eq!(now.total, (40, 0));
    }

    #[test]
    fn a_clock_set_back_across_the_boundary_and_forward_again_loses_nothing() {
        let prior = Totals {
            total: (1000, 0),
            ..Totals::default()
        };
        let mut t = PeriodTotals::new(prior, day(26));
        t.add(&moved(&[], &[("eth0", 10, 0)]), day(26));
        // Set back into yesterday, and two days further, then right again.
        assert_eq!(t.add(&moved(&[], &[("eth0", 5, 0)]), day(25)).total, (5, 0));
        assert_eq!(t.add(&moved(&[], &[("eth0", 7, 0)]), day(23)).total, (7, 0));
        assert_eq!(
            t.add(&moved(&[], &[("eth0", 1, 0)]), day(26)).total,
            (1011, 0)
        );
        assert_eq!(t.add(&moved(&[], &[("eth0", 2, 0)]), day(25)).total, (7, 0));
        assert_eq!(t.add(&moved(&[], &[("eth0", 3, 0)]), day(27)).total, (3, 0));
        assert_eq!(
            t.add(&moved(&[], &[("eth0", 4, 0)]), day(26)).total,
            (1015, 0)
        );
    }

    /// A flood: 20 refreshes of 1000 new, uniquely named apps each (a few bytes apiece),
    /// and from the 10th on a real app moving a MiB a refresh. The table stays within
    /// `MAX_APPS` + "other", every byte is counted once, and the real app keeps its own,
    /// exact entry although the flood filled the table first.
    #[test]
    fn a_flood_of_apps_stays_bounded_and_exact() {
        let mut t = PeriodTotals::new(Totals::default(), day(25));
        let mut all = (0u64, 0u64);
        let mut firefox = (0u64, 0u64);
        for r in 0..20u64 {
            let keys: Vec<String> = (0..1000).map(|i| format!("/tmp/flood/{r}-{i}")).collect();
            let mut apps: Vec<(&str, u64, u64)> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.as_str(), 1 + (i as u64 % 7), 10 + (i as u64 % 13)))
                .collect();
            if r >= 10 {
                apps.push(("/usr/lib/firefox/firefox", 20_000, 1 << 20));
                firefox = (firefox.0 + 20_000, firefox.1 + (1 << 20));
            }
            for a in &apps {
                all = (all.0 + a.1, all.1 + a.2);
            }
            t.add(&moved(&apps, &[("eth0", 0, 0)]), day(25));
        }
        let now = t.totals();
        assert!(
            now.apps.len() <= MAX_APPS + 1,
            "{} app keys kept, at most {} (+ other) expected",
            now.apps.len(),
            MAX_APPS
        );
        let sum = now
            .apps
            .values()
            .fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
        assert_eq!(sum, all, "every app byte counted once, \"other\" included");
        assert_eq!(now.apps.get("/usr/lib/firefox/firefox"), Some(&firefox));
        assert!(now.apps.get(OTHER_APPS).is_some_and(|o| o.0 > 0));
    }

    #[test]
    fn an_empty_key_is_other() {
        let mut t = Totals::default();
        t.add(&moved(&[("", 5, 6), ("/usr/bin/a", 1, 1)], &[]));
        assert_eq!(t.kept_apps(), 1);
        assert_eq!(t.apps.get(OTHER_APPS), Some(&(5, 6)));
    }
}
