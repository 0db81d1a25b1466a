//! Time as the cores see it: a monotonic millisecond count and a wall clock, injected.
//!
//! Cores never read the system clock themselves; the edges pass `Mono` values in, so
//! tests and replays drive time explicitly.

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
