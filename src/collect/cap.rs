//! The device cap: processes on a device are never credited more than the device moved.
//!
//! Per sample, what the device's processes claim (the growth of their cumulative counts)
//! may not exceed the device's own growth (`/proc/net/dev`) since the previous sample,
//! plus what the last few samples' growth left unclaimed (`SLACK_INTERVALS`, and all of
//! the last `SLACK_MS`, for a backlog arriving at once after a freeze). The slack
//! is there because the two clocks differ: counters are read when a sample arrives, and
//! a busy source reports bytes late, so bytes the device counted in one interval can be
//! claimed in the next. Slack is device growth nobody claimed, never excess. A claim over
//! the limit is scaled down, every process alike; the excess is dropped (never carried
//! into a later interval) and stays in the device's unattributed share.

use crate::clock::Mono;

/// How many intervals back unclaimed device growth may still be claimed: a busy source
/// (nethogs reading its capture late under load) reports bytes an interval or more after
/// the device counted them. A few seconds, never further back.
pub const SLACK_INTERVALS: usize = 5;
/// Growth this recent stays claimable however many samples came since: after a freeze
/// (hogwatch stopped while its helper ran on) the helper's backlog — one sample per
/// frozen second — arrives within milliseconds, claiming growth the device counters
/// showed at once, in its first sample.
pub const SLACK_MS: u64 = 5_000;
/// Entries kept at most (a burst of thousands of samples): the oldest fold into the next.
const MAX_ENTRIES: usize = 256;

/// One device's cap state.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeviceCap {
    up: Slack,
    down: Slack,
}

/// One direction: what each of the last samples' growth left unclaimed, with the sample's
/// time, oldest first.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Slack(std::collections::VecDeque<(Mono, u64)>);

impl Slack {
    /// Takes `claimed` out of `grew` and then out of the slack, oldest first; returns
    /// what could not be covered (the excess). The sample's own leftover joins the slack;
    /// entries go once they are both `SLACK_INTERVALS` samples and `SLACK_MS` old.
    fn claim(&mut self, claimed: u64, grew: u64, at: Mono) -> u64 {
        let mut need = claimed.saturating_sub(grew);
        for (_, s) in self.0.iter_mut() {
            let take = need.min(*s);
            *s -= take;
            need -= take;
        }
        self.0.push_back((at, grew.saturating_sub(claimed)));
        while self.0.len() > SLACK_INTERVALS
            && self
                .0
                .front()
                .is_some_and(|(t, _)| at.since(*t) >= SLACK_MS)
        {
            self.0.pop_front();
        }
        if self.0.len() > MAX_ENTRIES {
            if let Some((_, oldest)) = self.0.pop_front() {
                if let Some((_, next)) = self.0.front_mut() {
                    *next = next.saturating_add(oldest);
                }
            }
        }
        need
    }
}

impl DeviceCap {
    /// Limits `deltas` (each process's claim in a sample at `at`) to `grew` plus the
    /// slack; returns the excess.
    pub fn limit(&mut self, deltas: &mut [(u64, u64)], grew: (u64, u64), at: Mono) -> (u64, u64) {
        let claimed = deltas.iter().fold((0u64, 0u64), |(u, d), x| {
            (u.saturating_add(x.0), d.saturating_add(x.1))
        });
        let excess = (
            self.up.claim(claimed.0, grew.0, at),
            self.down.claim(claimed.1, grew.1, at),
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

    /// Samples one second apart.
    fn tick(t: &mut u64) -> Mono {
        *t += 1000;
        Mono(*t)
    }

    #[test]
    fn claims_within_the_growth_are_untouched() {
        let mut c = DeviceCap::default();
        let mut t = 0;
        let mut d = vec![(300, 10), (700, 0)];
        assert_eq!(c.limit(&mut d, (1000, 10), tick(&mut t)), (0, 0));
        assert_eq!(d, vec![(300, 10), (700, 0)]);
    }

    #[test]
    fn the_excess_is_dropped_by_scaling_every_claim_alike() {
        let mut c = DeviceCap::default();
        let mut t = 0;
        let mut d = vec![(1_000, 0), (3_000, 500)];
        assert_eq!(c.limit(&mut d, (2_000, 500), tick(&mut t)), (2_000, 0));
        assert_eq!(d, vec![(500, 0), (1_500, 500)]);
        // Nothing of the excess comes back: the next interval has only its own growth.
        let mut d = vec![(4_000, 0)];
        assert_eq!(c.limit(&mut d, (1_000, 0), tick(&mut t)), (3_000, 0));
        assert_eq!(d, vec![(1_000, 0)]);
    }

    #[test]
    fn late_bytes_are_allowed_once_and_only_for_a_few_intervals() {
        let mut c = DeviceCap::default();
        let mut t = 0;
        // The device grew 10k, processes claimed 6k: 4k unclaimed (the source reported
        // them late).
        assert_eq!(
            c.limit(&mut [(6_000, 0)], (10_000, 0), tick(&mut t)),
            (0, 0)
        );
        let mut d = [(4_000, 0)];
        assert_eq!(
            c.limit(&mut d, (0, 0), tick(&mut t)),
            (0, 0),
            "the late bytes are allowed"
        );
        let mut d = [(4_000, 0)];
        assert_eq!(
            c.limit(&mut d, (0, 0), tick(&mut t)),
            (4_000, 0),
            "but only once"
        );
        assert_eq!(d, [(0, 0)]);
        // Unclaimed growth expires after SLACK_INTERVALS intervals.
        let mut c = DeviceCap::default();
        let mut t = 0;
        c.limit(&mut [], (1_000, 0), tick(&mut t));
        for _ in 0..SLACK_INTERVALS {
            c.limit(&mut [], (0, 0), tick(&mut t));
        }
        assert_eq!(c.limit(&mut [(1_000, 0)], (0, 0), tick(&mut t)), (1_000, 0));
        // Within the horizon it adds up, oldest first.
        let mut c = DeviceCap::default();
        let mut t = 0;
        for _ in 0..SLACK_INTERVALS {
            c.limit(&mut [], (1_000, 0), tick(&mut t));
        }
        assert_eq!(c.limit(&mut [(6_000, 0)], (0, 0), tick(&mut t)), (1_000, 0));
    }

    #[test]
    fn a_burst_of_late_samples_claims_growth_seen_at_once() {
        // Frozen 300 s: the first sample of the backlog comes with all of the device's
        // growth, the 299 after it within milliseconds claim their share of it.
        let mut c = DeviceCap::default();
        assert_eq!(c.limit(&mut [(1_000, 0)], (300_000, 0), Mono(0)), (0, 0));
        for i in 1..300 {
            let mut d = [(1_000, 0)];
            assert_eq!(c.limit(&mut d, (0, 0), Mono(i)), (0, 0), "sample {i}");
        }
        // All of it claimed: nothing more.
        assert_eq!(c.limit(&mut [(1_000, 0)], (0, 0), Mono(300)), (1_000, 0));
        // Claimable growth is bounded in entries, not lost.
        let mut c = DeviceCap::default();
        for i in 0..10 * MAX_ENTRIES as u64 {
            c.limit(&mut [], (1, 0), Mono(i));
        }
        assert!(c.up.0.len() <= MAX_ENTRIES);
        let held: u64 = c.up.0.iter().map(|e| e.1).sum();
        assert_eq!(held, 10 * MAX_ENTRIES as u64);
    }

    #[test]
    fn huge_figures_do_not_overflow() {
        let mut c = DeviceCap::default();
        let mut t = 0;
        let mut d = [(u64::MAX, u64::MAX), (u64::MAX, 1)];
        let excess = c.limit(&mut d, (u64::MAX / 2, 0), tick(&mut t));
        assert_eq!(excess.1, u64::MAX);
        assert!(d[0].0 <= u64::MAX / 2 && d[1].0 <= u64::MAX / 2);
        assert_eq!(d, [(d[0].0, 0), (d[1].0, 0)]);
    }
}
