//! When a live refresh falls due. A refresh rides the source's own data: it is made when a
//! helper's block has been applied and the interval has (nearly) passed, so the collector
//! wakes once per block instead of once for the block and once more for a timer of its
//! own. A fallback deadline refreshes when no data comes (totals only, a helper
//! restarting, a quiet eBPF map). On battery the interval stretches (see `power`). Pure:
//! time comes in as arguments.

use crate::clock::Mono;
use crate::power::{self, PowerState};

/// A block this much before the interval is up still refreshes: the helper's blocks land
/// 0.7–1.4 s apart around a 1 s interval, and waiting for the next one would make the
/// refresh a whole block late.
pub const EARLY_MS: u64 = 250;
/// Past the interval, the fallback refreshes without data after this much more — while
/// data comes (a late block is waited for a little); without data, right at the interval.
pub const LATE_MS: u64 = 500;

#[derive(Debug, Clone)]
pub struct Cadence {
    normal_s: u64,
    battery_s: u64,
    every_s: u64,
    last: Option<Mono>,
    on_battery: bool,
    /// When the source's data last arrived.
    last_data: Option<Mono>,
}

impl Cadence {
    pub fn new(normal_s: u64, battery_s: u64) -> Cadence {
        let normal_s = normal_s.max(1);
        Cadence {
            normal_s,
            battery_s,
            every_s: normal_s,
            last: None,
            on_battery: false,
            last_data: None,
        }
    }

    /// Seconds between refreshes now.
    pub fn every_s(&self) -> u64 {
        self.every_s
    }

    /// On battery: the stretched interval, for the snapshot.
    pub fn battery_refresh_s(&self) -> Option<u64> {
        self.on_battery.then_some(self.every_s)
    }

    /// Data (a helper's block) arrived at `now`.
    pub fn data(&mut self, now: Mono) {
        self.last_data = Some(now);
    }

    /// Data just arrived at `now`: refresh with it?
    pub fn due_with_data(&self, now: Mono) -> bool {
        match self.last {
            None => true,
            Some(l) => now.since(l) + EARLY_MS >= self.every_s * 1000,
        }
    }

    /// When the fallback refreshes without data: at once before the first refresh.
    pub fn fallback(&self) -> Mono {
        match self.last {
            None => Mono(0),
            Some(l) if self.data_flows(l) => l.plus_ms(self.every_s * 1000 + LATE_MS),
            Some(l) => l.plus_ms(self.every_s * 1000),
        }
    }

    /// Data came within an interval before the refresh at `last`, or since: the next
    /// refresh waits for the next block (a little late is fine), so that refreshes fall in
    /// step with the blocks instead of landing just before each.
    fn data_flows(&self, last: Mono) -> bool {
        self.last_data
            .is_some_and(|d| d.plus_ms(self.every_s * 1000 + LATE_MS) > last)
    }

    /// A refresh was made at `now` with the power in `state`: the next interval follows it.
    pub fn refreshed(&mut self, now: Mono, state: PowerState) {
        self.last = Some(now);
        self.on_battery = state.on_battery;
        self.every_s = power::refresh_interval_s(state, self.normal_s, self.battery_s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAINS: PowerState = PowerState {
        on_battery: false,
        sleeps: 0,
    };
    const BATTERY: PowerState = PowerState {
        on_battery: true,
        sleeps: 0,
    };

    #[test]
    fn the_first_data_refreshes_then_each_block_about_an_interval_later() {
        let mut c = Cadence::new(1, 2);
        assert!(c.due_with_data(Mono(5)));
        assert_eq!(c.fallback(), Mono(0));
        c.data(Mono(1000));
        c.refreshed(Mono(1000), MAINS);
        assert!(!c.due_with_data(Mono(1500)), "half an interval: wait");
        assert!(
            c.due_with_data(Mono(1800)),
            "a block a little early still counts"
        );
        assert!(c.due_with_data(Mono(2300)));
        assert_eq!(c.fallback(), Mono(2500), "no data: the fallback refreshes");
        assert_eq!(c.battery_refresh_s(), None);
    }

    #[test]
    fn on_battery_two_one_second_blocks_make_one_refresh() {
        let mut c = Cadence::new(1, 2);
        c.data(Mono(0));
        c.refreshed(Mono(0), BATTERY);
        assert_eq!(c.every_s(), 2);
        assert_eq!(c.battery_refresh_s(), Some(2));
        assert!(
            !c.due_with_data(Mono(1000)),
            "the first block is merged into the next"
        );
        assert!(c.due_with_data(Mono(2000)));
        assert_eq!(c.fallback(), Mono(2500));
        c.data(Mono(2000));
        c.refreshed(Mono(2000), MAINS);
        assert_eq!((c.every_s(), c.battery_refresh_s()), (1, None));
        assert!(c.due_with_data(Mono(3000)));
    }

    #[test]
    fn a_longer_interval_than_the_battery_one_stays() {
        let mut c = Cadence::new(5, 2);
        c.refreshed(Mono(0), BATTERY);
        assert_eq!((c.every_s(), c.battery_refresh_s()), (5, Some(5)));
        assert!(!c.due_with_data(Mono(2000)));
    }

    #[test]
    fn without_data_the_fallback_keeps_the_interval() {
        let mut c = Cadence::new(1, 2);
        c.refreshed(Mono(0), MAINS);
        assert_eq!(c.fallback(), Mono(1000), "totals only: every second");
        c.refreshed(Mono(1000), BATTERY);
        assert_eq!(c.fallback(), Mono(3000));
    }

    #[test]
    fn refreshes_fall_in_step_with_blocks_that_come_just_after_the_fallback() {
        // The first refresh (before any data) at 0; blocks come at 93 ms past each second.
        let mut c = Cadence::new(1, 2);
        c.refreshed(Mono(0), MAINS);
        c.data(Mono(93));
        assert!(!c.due_with_data(Mono(93)), "just refreshed");
        assert_eq!(
            c.fallback(),
            Mono(1500),
            "blocks come: the fallback waits for one"
        );
        c.data(Mono(1093));
        assert!(c.due_with_data(Mono(1093)));
        c.refreshed(Mono(1093), MAINS);
        assert_eq!(c.fallback(), Mono(2593));
        // The blocks stop (the helper exits): after one late fallback, every second.
        c.refreshed(Mono(2593), MAINS);
        assert_eq!(c.fallback(), Mono(3593));
    }
}
