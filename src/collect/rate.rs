//! Rates from cumulative byte counters sampled against our own monotonic clock.
//!
//! nethogs' own KB/s mode jumps ±20% and freezes when idle; its refreshes land 0.7–1.4 s
//! apart. So we keep (time, cumulative) samples and divide the bytes moved by the time
//! measured between the oldest and newest sample inside a short window.

use crate::clock::Mono;
use std::collections::VecDeque;

/// Default window over which rates are averaged.
pub const DEFAULT_WINDOW_MS: u64 = 2_500;

/// Samples of a pair of cumulative counters (up, down).
#[derive(Debug, Clone, Default)]
pub struct RateWindow {
    samples: VecDeque<(Mono, u64, u64)>,
}

impl RateWindow {
    /// Records the cumulative totals at `at`. Samples must come in time order;
    /// an out-of-order one replaces nothing and is dropped.
    pub fn push(&mut self, at: Mono, up: u64, down: u64, window_ms: u64) {
        if let Some(&(last, ..)) = self.samples.back() {
            if at < last {
                return;
            }
            if at == last {
                self.samples.pop_back();
            }
        }
        self.samples.push_back((at, up, down));
        // Keep one sample at or before the window start as the base of the difference.
        while self.samples.len() > 2 {
            match self.samples.get(1) {
                Some(&(t, ..)) if at.since(t) >= window_ms => {
                    self.samples.pop_front();
                }
                _ => break,
            }
        }
    }

    /// Bytes per second (up, down) at `now`; zero when the newest sample is older than
    /// the window (the source went quiet or stopped).
    pub fn rates(&self, now: Mono, window_ms: u64) -> (f64, f64) {
        let (Some(&(t0, u0, d0)), Some(&(t1, u1, d1))) =
            (self.samples.front(), self.samples.back())
        else {
            return (0.0, 0.0);
        };
        let span = t1.since(t0);
        if span == 0 || now.since(t1) > window_ms {
            return (0.0, 0.0);
        }
        let secs = span as f64 / 1000.0;
        (
            u1.saturating_sub(u0) as f64 / secs,
            d1.saturating_sub(d0) as f64 / secs,
        )
    }

    /// Time of the newest sample.
    pub fn last_at(&self) -> Option<Mono> {
        self.samples.back().map(|s| s.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u64 = 2_500;

    #[test]
    fn rate_uses_measured_time() {
        let mut w = RateWindow::default();
        w.push(Mono(0), 0, 0, W);
        w.push(Mono(700), 700, 0, W);
        w.push(Mono(2100), 2100, 1400, W);
        let (up, down) = w.rates(Mono(2100), W);
        assert!((up - 1000.0).abs() < 1e-9, "{up}");
        assert!((down - 666.666).abs() < 0.01, "{down}");
    }

    #[test]
    fn idle_decays_to_zero_and_stale_is_zero() {
        let mut w = RateWindow::default();
        w.push(Mono(0), 0, 0, W);
        w.push(Mono(1000), 5000, 0, W);
        for t in 2..=5 {
            w.push(Mono(t * 1000), 5000, 0, W);
        }
        assert_eq!(w.rates(Mono(5000), W), (0.0, 0.0));
        let mut w = RateWindow::default();
        w.push(Mono(0), 0, 0, W);
        w.push(Mono(1000), 5000, 0, W);
        assert!(w.rates(Mono(1000), W).0 > 0.0);
        assert_eq!(w.rates(Mono(10_000), W), (0.0, 0.0), "stale source");
    }

    #[test]
    fn out_of_order_samples_are_dropped() {
        let mut w = RateWindow::default();
        w.push(Mono(1000), 10, 0, W);
        w.push(Mono(500), 0, 0, W);
        assert_eq!(w.rates(Mono(1000), W), (0.0, 0.0));
    }
}
