//! One refresh, as every consumer reads it: totals, devices and processes with their rates
//! and cumulative bytes.
//!
//! Field names are part of the public interface (`top --json`, `GET /api/snapshot`):
//! change them only with a version bump noted in the README.

use serde::{Deserialize, Serialize};

/// Up (sent) and down (received) figures: rates in bytes per second, cumulative bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub up_rate: f64,
    pub down_rate: f64,
    pub up_bytes: u64,
    pub down_bytes: u64,
}

impl Usage {
    /// Adds another usage into this one (rates and bytes alike).
    pub fn add(&mut self, other: &Usage) {
        self.up_rate += other.up_rate;
        self.down_rate += other.down_rate;
        self.up_bytes = self.up_bytes.saturating_add(other.up_bytes);
        self.down_bytes = self.down_bytes.saturating_add(other.down_bytes);
    }

    /// Total rate in both directions, the usual sort key.
    pub fn rate(&self) -> f64 {
        self.up_rate + self.down_rate
    }

    /// Total bytes in both directions.
    pub fn bytes(&self) -> u64 {
        self.up_bytes.saturating_add(self.down_bytes)
    }
}

/// One network device's figures (from /proc/net/dev, or from nethogs when replaying).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceUsage {
    pub name: String,
    #[serde(flatten)]
    pub usage: Usage,
}

/// One process (one pid with one start time) and what it moved on each device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessUsage {
    /// Unique for this process within one hogwatch run (pids are reused; ids are not).
    pub id: u64,
    pub pid: u32,
    /// nethogs' name for the process: its argv[0] verbatim. Untrusted text.
    pub name: String,
    /// /proc/PID/exe when readable, else empty.
    pub exe: String,
    /// /proc/PID/cmdline joined with spaces, when readable, else empty.
    pub cmdline: String,
    pub uid: u32,
    /// User name for `uid`, or the number when no passwd entry exists.
    pub user: String,
    /// The app key grouping the processes of one program (stable across restarts).
    pub app: String,
    /// Short display name of the app.
    pub app_name: String,
    pub devices: Vec<DeviceUsage>,
    #[serde(flatten)]
    pub usage: Usage,
}

impl ProcessUsage {
    /// The executable's path, or nethogs' name when /proc did not say.
    pub fn exe_or_name(&self) -> String {
        if self.exe.is_empty() {
            self.name.clone()
        } else {
            self.exe.clone()
        }
    }

    /// The usual order: current rate, then bytes moved, then pid (a stable tie-break).
    pub fn by_rate(a: &ProcessUsage, b: &ProcessUsage) -> std::cmp::Ordering {
        b.usage
            .rate()
            .total_cmp(&a.usage.rate())
            .then(b.usage.bytes().cmp(&a.usage.bytes()))
            .then(a.pid.cmp(&b.pid))
    }
}

/// How the collector obtains per-process data right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// nethogs runs through the helper: full per-process attribution.
    PerProcess,
    /// No per-process data (no nethogs or no privileges): device totals only.
    TotalsOnly,
    /// Replaying a recorded helper stream.
    Replay,
    /// Not started yet, or the helper is being (re)started.
    Starting,
}

/// Everything one refresh knows. `ts` is wall-clock ms since the Unix epoch;
/// `interval_ms` the measured time since the previous snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub ts: u64,
    pub interval_ms: u64,
    pub mode: Mode,
    /// One line a person can act on (why totals-only, helper restarting …); empty when all is well.
    pub status: String,
    /// On battery: the refresh interval, in seconds, it stretched to (`monitor.
    /// battery_interval`); absent on mains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_refresh_s: Option<u64>,
    pub total: Usage,
    pub unattributed: Usage,
    pub devices: Vec<DeviceUsage>,
    pub processes: Vec<ProcessUsage>,
    /// Which backend collects and its counters (for `/metrics`). Left out while all of it
    /// is empty, and empty when absent, so older recordings and clients read as before.
    #[serde(default, skip_serializing_if = "Health::is_empty")]
    pub health: Health,
}

/// The collection backend's name and its trouble counters since hogwatch started: what a
/// fleet's monitoring alerts on. Each field is left out while empty or zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `nethogs`, `ebpf` or `replay`; empty before a source has said.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub backend: String,
    /// Helpers started (the first one and every restart).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub helper_starts: u64,
    /// Helper lines the decoder did not understand and skipped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_lines: u64,
    /// Bytes the eBPF backend could not attribute because the kernel's map was full.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub map_full_bytes: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Health {
    /// Nothing known yet (a `const`, for the collector's status before any source spoke).
    pub const NONE: Health = Health {
        backend: String::new(),
        helper_starts: 0,
        dropped_lines: 0,
        map_full_bytes: 0,
    };

    pub fn is_empty(&self) -> bool {
        *self == Health::NONE
    }

    /// This health with `backend` as its backend's name.
    pub fn of(mut self, backend: &str) -> Health {
        backend.clone_into(&mut self.backend);
        self
    }
}

impl Snapshot {
    /// An empty snapshot for consumers that start before the first refresh.
    pub fn empty(mode: Mode, status: impl Into<String>) -> Self {
        Snapshot {
            ts: 0,
            interval_ms: 0,
            mode,
            status: status.into(),
            battery_refresh_s: None,
            total: Usage::default(),
            unattributed: Usage::default(),
            devices: Vec::new(),
            processes: Vec::new(),
            health: Health::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Snapshots from before `health` (recordings, older clients) read as before, and a
    /// snapshot without health writes none.
    #[test]
    fn health_is_optional_both_ways() {
        let mut s = Snapshot::empty(Mode::PerProcess, "");
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert!(!json.contains("health"), "{json}");
        let back: Option<Snapshot> = serde_json::from_str(&json).ok();
        assert_eq!(back.as_ref(), Some(&s));
        s.health = Health {
            helper_starts: 2,
            ..Health::NONE
        }
        .of("nethogs");
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert!(
            json.contains(r#""health":{"backend":"nethogs","helper_starts":2}"#),
            "{json}"
        );
        let back: Option<Snapshot> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(s));
    }
}
