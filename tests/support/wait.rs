//! Waiting for conditions, never for time: polls with a deadline, a test-wide budget, and
//! the wall clock hogwatch stamps its snapshots with.

use super::{err, Result};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (same clock as hogwatch's `ts`).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A test-wide deadline: every wait of a test is capped by what is left of it, so the
/// whole test stays bounded even when each step has its own generous timeout.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    end: Instant,
    total: Duration,
}

impl Deadline {
    pub fn after(total: Duration) -> Deadline {
        Deadline {
            end: Instant::now() + total,
            total,
        }
    }

    /// Time left (zero once expired).
    pub fn left(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// `step` capped by the time left.
    pub fn cap(&self, step: Duration) -> Duration {
        step.min(self.left())
    }

    /// The overall budget (for messages).
    pub fn total(&self) -> Duration {
        self.total
    }
}

/// Polls `cond` every 20 ms until it returns `Some`, or fails after `timeout`.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> Option<T>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = cond() {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(err(format!(
                "timed out after {timeout:?} waiting for {what}"
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
}
