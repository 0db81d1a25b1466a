//! The machine's power as the rest of hogwatch sees it: on battery or on mains, and when
//! the system is about to sleep. Where it comes from lives beside this — `bus` (UPower
//! and logind on the system bus), `sysfs` (/sys/class/power_supply, where UPower does not
//! answer); consumers only read a `PowerWatch`, and the collector asks `Power::read` at
//! each refresh.

pub mod bus;
pub mod sysfs;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// One reading of the machine's power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PowerState {
    /// Running on battery: the refresh may stretch and history batches grow.
    pub on_battery: bool,
    /// Goes up by one each time the system is about to sleep (logind's
    /// `PrepareForSleep(true)`): whoever holds data in memory writes it out when it changes.
    pub sleeps: u64,
}

/// The current power state and its changes; `PowerState::default()` (on mains, never
/// slept) where nothing tells hogwatch otherwise.
pub type PowerWatch = tokio::sync::watch::Receiver<PowerState>;

/// Seconds between refreshes: on battery the interval stretches to `battery_s` (it never
/// shortens one that is longer already).
pub fn refresh_interval_s(state: PowerState, normal_s: u64, battery_s: u64) -> u64 {
    if state.on_battery {
        normal_s.max(battery_s)
    } else {
        normal_s
    }
}

/// Where this run's power state comes from, and its watch.
pub struct Power {
    state: Arc<watch::Sender<PowerState>>,
    /// UPower answers: its word stands, sysfs is not read.
    followed: Arc<AtomicBool>,
    /// The sysfs fallback's folder; `None`: nothing to read (a fixed state).
    sysfs: Option<PathBuf>,
}

impl Power {
    /// Follows UPower and logind on the system bus (in tasks on this runtime), with
    /// `/sys/class/power_supply` read at each `read` while UPower does not answer.
    pub fn start() -> Power {
        let p = Power::fixed(PowerState::default());
        bus::spawn(Arc::clone(&p.state), Arc::clone(&p.followed));
        Power {
            sysfs: Some(PathBuf::from("/sys/class/power_supply")),
            ..p
        }
    }

    /// A state nothing changes (replays, tests).
    pub fn fixed(state: PowerState) -> Power {
        Power {
            state: Arc::new(watch::channel(state).0),
            followed: Arc::new(AtomicBool::new(false)),
            sysfs: None,
        }
    }

    pub fn watch(&self) -> PowerWatch {
        self.state.subscribe()
    }

    /// The power now, for a refresh: UPower's latest word when it answers, else what
    /// sysfs says at this moment (watchers are told when that changed).
    pub fn read(&self) -> PowerState {
        if let (false, Some(root)) = (self.followed.load(Ordering::SeqCst), &self.sysfs) {
            bus::set_on_battery(&self.state, sysfs::on_battery(&sysfs::read(root)));
        }
        *self.state.borrow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_battery_the_refresh_stretches_and_never_shortens() {
        let mains = PowerState::default();
        let battery = PowerState {
            on_battery: true,
            ..mains
        };
        assert_eq!(refresh_interval_s(mains, 1, 2), 1);
        assert_eq!(refresh_interval_s(battery, 1, 2), 2);
        assert_eq!(refresh_interval_s(battery, 5, 2), 5);
        assert_eq!(refresh_interval_s(mains, 5, 2), 5);
    }

    #[test]
    fn a_fixed_power_reads_as_given() {
        let p = Power::fixed(PowerState {
            on_battery: true,
            sleeps: 3,
        });
        assert!(p.read().on_battery);
        assert_eq!(p.watch().borrow().sleeps, 3);
    }
}
