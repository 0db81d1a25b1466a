//! The device cap: processes on a device are never credited more than the device moved.
//!
//! Per sample, what the device's processes claim (the growth of their cumulative counts)
//! may not exceed the device's own growth (`/proc/net/dev`) since the previous sample,
//! plus what the last few intervals' growth left unclaimed (`SLACK_INTERVALS`). The slack
//! is there because the two clocks differ: counters are read when a sample arrives, and
//! a busy source reports bytes late, so bytes the device counted in one interval can be
//! claimed in the next. Slack is device growth nobody claimed, never excess. A claim over
//! the limit is scaled down, every process alike; the excess is dropped (never carried
//! into a later interval) and stays in the device's unattributed share.

/// How many intervals back unclaimed device growth may still be claimed: a busy source
/// (nethogs reading its capture late under load) reports bytes an interval or more after
/// the device counted them. A few seconds, never further back.
pub const SLACK_INTERVALS: usize = 5;

/// One device's cap state.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeviceCap {
    up: Slack,
    down: Slack,
}

/// One direction: what each of the last intervals' growth left unclaimed, oldest first.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Slack(std::collections::VecDeque<u64>);

impl Slack {
    /// Takes `claimed` out of `grew` and then out of the slack, oldest first; returns
    /// what could not be covered (the excess). The interval's own leftover joins the slack.
    fn claim(&mut self, claimed: u64, grew: u64) -> u64 {
        let mut need = claimed.saturating_sub(grew);
        for s in self.0.iter_mut() {
            let take = need.min(*s);
            *s -= take;
            need -= take;
        }
        self.0.push_back(grew.saturating_sub(claimed));
        while self.0.len() > SLACK_INTERVALS {
            self.0.pop_front();
        }
        need
    }
}

impl DeviceCap {
    /// Limits `deltas` (each process's claim) to `grew` plus the slack; returns the excess.
    pub fn limit(&mut self, deltas: &mut [(u64, u64)], grew: (u64, u64)) -> (u64, u64) {
        let claimed = deltas.iter().fold((0u64, 0u64), |(u, d), x| {
            (u.saturating_add(x.0), d.saturating_add(x.1))
        });
        let excess = (
            self.up.claim(claimed.0, grew.0),
            self.down.claim(claimed.1, grew.1),
        );
        for delta in deltas.iter_mut() {
            if excess.0 > 0 {
                delta.0 = scale(delta.0, claimed.0 - excess.0, claimed.0);
            }
            if excess.1 > 0 {
                delta.1 = scale(delta.1, claimed.1 - excess.1, claimed.1);
            }
        }
        excess
    }
}

/// `v × num / den` without overflow, rounded down (`num < den`; 0 when `den` is 0).
fn scale(v: u64, num: u64, den: u64) -> u64 {
    if den == 0 {
        return 0;
    }
    let x = u128::from(v) * u128::from(num) / u128::from(den);
    u64::try_from(x).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_within_the_growth_are_untouched() {
        let mut c = DeviceCap::default();
        let mut d = vec![(300, 10), (700, 0)];
        assert_eq!(c.limit(&mut d, (1000, 10)), (0, 0));
        assert_eq!(d, vec![(300, 10), (700, 0)]);
    }

    #[test]
    fn the_excess_is_dropped_by_scaling_every_claim_alike() {
        let mut c = DeviceCap::default();
        let mut d = vec![(1_000, 0), (3_000, 500)];
        assert_eq!(c.limit(&mut d, (2_000, 500)), (2_000, 0));
        assert_eq!(d, vec![(500, 0), (1_500, 500)]);
        // Nothing of the excess comes back: the next interval has only its own growth.
        let mut d = vec![(4_000, 0)];
        assert_eq!(c.limit(&mut d, (1_000, 0)), (3_000, 0));
        assert_eq!(d, vec![(1_000, 0)]);
    }

    #[test]
    fn late_bytes_are_allowed_once_and_only_for_a_few_intervals() {
        let mut c = DeviceCap::default();
        // The device grew 10k, processes claimed 6k: 4k unclaimed (the source reported
        // them late).
        assert_eq!(c.limit(&mut [(6_000, 0)], (10_000, 0)), (0, 0));
        let mut d = [(4_000, 0)];
        assert_eq!(
            c.limit(&mut d, (0, 0)),
            (0, 0),
            "the late bytes are allowed"
        );
        let mut d = [(4_000, 0)];
        assert_eq!(c.limit(&mut d, (0, 0)), (4_000, 0), "but only once");
        assert_eq!(d, [(0, 0)]);
        // Unclaimed growth expires after SLACK_INTERVALS intervals.
        let mut c = DeviceCap::default();
        c.limit(&mut [], (1_000, 0));
        for _ in 0..SLACK_INTERVALS {
            c.limit(&mut [], (0, 0));
        }
        assert_eq!(c.limit(&mut [(1_000, 0)], (0, 0)), (1_000, 0));
        // Within the horizon it adds up, oldest first.
        let mut c = DeviceCap::default();
        for _ in 0..SLACK_INTERVALS {
            c.limit(&mut [], (1_000, 0));
        }
        assert_eq!(c.limit(&mut [(6_000, 0)], (0, 0)), (1_000, 0));
    }

    #[test]
    fn huge_figures_do_not_overflow() {
        let mut c = DeviceCap::default();
        let mut d = [(u64::MAX, u64::MAX), (u64::MAX, 1)];
        let excess = c.limit(&mut d, (u64::MAX / 2, 0));
        assert_eq!(excess.1, u64::MAX);
        assert!(d[0].0 <= u64::MAX / 2 && d[1].0 <= u64::MAX / 2);
        assert_eq!(d, [(d[0].0, 0), (d[1].0, 0)]);
    }
}
