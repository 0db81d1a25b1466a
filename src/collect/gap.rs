//! Breaks in time between two refreshes: the process frozen (SIGSTOP, a debugger, a
//! frozen cgroup), the machine suspended, or the wall clock set. Whatever moved across a
//! break is real and counted, but no rate, alert hold or history span may reach across it:
//! its bytes could have moved at any moment of the break.
//!
//! Two clocks tell them apart. The monotonic one runs on while a process is frozen but
//! stops while the machine sleeps; the wall clock runs through both and jumps when set. So
//! a long monotonic step is a freeze, and wall time that disagrees with monotonic time by
//! more than the slack is a suspend (wall ahead) or a clock set (either way). Pure.

use crate::clock::Mono;

/// Least monotonic step between refreshes that is a break, whatever the interval: several
/// 1-s refreshes missed, never the jitter of a busy machine.
pub const MIN_BREAK_MS: u64 = 10_000;
/// A break is also any step of more than this many refresh intervals.
pub const BREAK_INTERVALS: u64 = 4;
/// How far the wall clock may drift from the monotonic one between two refreshes before
/// it counts as set or the machine as suspended (NTP slews by far less).
pub const WALL_SLACK_MS: u64 = 5_000;

/// Remembers the previous refresh's times.
#[derive(Debug, Clone, Default)]
pub struct Continuity {
    last: Option<(Mono, u64)>,
}

impl Continuity {
    /// The break before a refresh at `now` / `wall_ms` (refreshes due every `interval_ms`):
    /// 0 when time ran on as expected; else its length in ms, at least 1 (the larger of
    /// the monotonic and the wall-clock step, or the size of a jump back).
    pub fn step(&mut self, now: Mono, wall_ms: u64, interval_ms: u64) -> u64 {
        let last = self.last.replace((now, wall_ms));
        let Some((mono0, wall0)) = last else {
            return 0;
        };
        let mono = now.since(mono0);
        let wall = i128::from(wall_ms) - i128::from(wall0);
        let limit = MIN_BREAK_MS.max(interval_ms.saturating_mul(BREAK_INTERVALS));
        let drift = (wall - i128::from(mono)).unsigned_abs();
        if mono <= limit && drift <= u128::from(WALL_SLACK_MS) {
            return 0;
        }
        let wall = u64::try_from(wall.unsigned_abs()).unwrap_or(u64::MAX);
        mono.max(wall).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps a fresh continuity through (mono ms, wall ms) refreshes 1 s apart.
    fn breaks(steps: &[(u64, u64)]) -> Vec<u64> {
        let mut c = Continuity::default();
        steps
            .iter()
            .map(|&(m, w)| c.step(Mono(m), w, 1000))
            .collect()
    }

    const W: u64 = 1_700_000_000_000;

    #[test]
    fn refreshes_on_time_or_late_by_a_busy_second_are_no_break() {
        assert_eq!(
            breaks(&[(0, W), (1000, W + 1000), (3500, W + 3510), (4400, W + 4390)]),
            vec![0, 0, 0, 0]
        );
    }

    #[test]
    fn a_frozen_process_is_a_break_as_long_as_the_freeze() {
        // SIGSTOP for 5 minutes: both clocks ran on.
        assert_eq!(
            breaks(&[(0, W), (1000, W + 1000), (301_000, W + 301_000)]),
            vec![0, 0, 300_000]
        );
    }

    #[test]
    fn a_suspend_is_a_break_though_the_monotonic_clock_stood_still() {
        // Two hours asleep: CLOCK_MONOTONIC does not count them.
        assert_eq!(
            breaks(&[(0, W), (1000, W + 1000), (2000, W + 7_202_000)]),
            vec![0, 0, 7_201_000]
        );
    }

    #[test]
    fn the_wall_clock_set_back_or_forward_is_a_break() {
        assert_eq!(
            breaks(&[(0, W), (1000, W - 299_000), (2000, W - 298_000)]),
            vec![0, 299_000, 0]
        );
        assert_eq!(
            breaks(&[(0, W), (1000, W + 3 * 3_600_000 + 1000)]),
            vec![0, 3 * 3_600_000 + 1000]
        );
    }

    #[test]
    fn long_intervals_stretch_the_limit() {
        let mut c = Continuity::default();
        assert_eq!(c.step(Mono(0), W, 5000), 0);
        // 18 s at a 5 s interval (on battery, a late refresh): not yet a break.
        assert_eq!(c.step(Mono(18_000), W + 18_000, 5000), 0);
        assert_eq!(c.step(Mono(40_000), W + 40_000, 5000), 22_000);
    }
}
