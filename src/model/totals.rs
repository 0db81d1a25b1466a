//! Bytes per period — today, this billing month, since start — added up from what each
//! refresh moved. No query per refresh and no lag behind the history writer: a period
//! starts from what history held before this run (read once) and adds each `Moved`.

use super::moved::Moved;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// (up, down) bytes.
pub type UpDown = (u64, u64);

fn add(to: &mut UpDown, up: u64, down: u64) {
    to.0 = to.0.saturating_add(up);
    to.1 = to.1.saturating_add(down);
}

/// Bytes of one period: all devices, per device, per app (all devices).
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
        for a in &m.apps {
            add(self.apps.entry(a.app.clone()).or_default(), a.up, a.down);
        }
    }
}

/// A period's totals that start over when the period changes (a new local day, a new
/// billing month). A period is named by a date (its first day, or the day itself).
#[derive(Debug, Clone)]
pub struct PeriodTotals {
    period: NaiveDate,
    totals: Totals,
}

impl PeriodTotals {
    /// `prior`: what history holds for `period` from before this run (empty without
    /// history).
    pub fn new(prior: Totals, period: NaiveDate) -> Self {
        PeriodTotals {
            period,
            totals: prior,
        }
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Adds what moved in a refresh of `period`; a new period starts afresh (the refresh
    /// that straddles the boundary counts for the new one).
    pub fn add(&mut self, m: &Moved, period: NaiveDate) -> &Totals {
        if period != self.period {
            self.period = period;
            self.totals = Totals::default();
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
}
