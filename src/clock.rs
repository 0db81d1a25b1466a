//! Time as the cores see it: a monotonic millisecond count and a wall clock, injected.
//!
//! Cores never read the system clock themselves; the edges pass `Mono` values in, so
//! tests and replays drive time explicitly. `sleep_until_opt` is the edges' optional timer.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Monotonic time in milliseconds since an arbitrary origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mono(pub u64);

impl Mono {
    /// Milliseconds from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: Mono) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    pub fn plus_ms(self, ms: u64) -> Mono {
        Mono(self.0.saturating_add(ms))
    }
}

/// A source of time for the edges.
pub trait Clock: Send + Sync {
    fn mono(&self) -> Mono;
    /// Wall-clock milliseconds since the Unix epoch.
    fn wall_ms(&self) -> u64;
}

/// The real clocks of this machine.
#[derive(Debug, Clone)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl SystemClock {
    /// The instant a `Mono` of this clock names (for timers).
    pub fn instant(&self, m: Mono) -> Instant {
        self.origin + std::time::Duration::from_millis(m.0)
    }
}

impl Clock for SystemClock {
    fn mono(&self) -> Mono {
        Mono(self.origin.elapsed().as_millis() as u64)
    }

    fn wall_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// Sleeps until `t`; forever when `None` (an optional timer as a `select!` arm).
pub async fn sleep_until_opt(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
