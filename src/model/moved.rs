//! What moved during one refresh interval: the bytes between the previous snapshot and
//! this one, per process, app (with its split by device), device, and unattributed.
//!
//! The accountant computes it once, beside the snapshot, from the same deltas that make the
//! snapshot's cumulative figures; the collector publishes both as one `Refresh`. Every
//! consumer that adds bytes up (history, today's and the billing month's totals, alerts,
//! `/metrics`) adds these figures, so they all agree and none re-derives them.
//!
//! Invariants: for a process or a device, the sum of `Moved` over every refresh equals its
//! cumulative bytes in the last snapshot; entries that moved nothing are left out.

use super::snapshot::Snapshot;
use serde::{Deserialize, Serialize};

/// Bytes up (sent) and down (received) on one device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceMoved {
    pub name: String,
    pub up: u64,
    pub down: u64,
}

/// One process's bytes in this interval (all its devices); its name, app and user are
/// the snapshot's entry with the same `id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessMoved {
    /// The process's `id` in the snapshot (unique within a run).
    pub id: u64,
    pub pid: u32,
    pub up: u64,
    pub down: u64,
}

/// One app's bytes in this interval: all its processes, in all and per device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppMoved {
    /// The app key (stable across restarts).
    pub app: String,
    /// Its display name. Untrusted text.
    pub name: String,
    pub up: u64,
    pub down: u64,
    pub devices: Vec<DeviceMoved>,
}

/// Everything that moved since the previous refresh.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// Processes that moved bytes, in the snapshot's order.
    pub processes: Vec<ProcessMoved>,
    /// Apps that moved bytes, by key.
    pub apps: Vec<AppMoved>,
    /// What the device counters say moved, per device (devices that moved bytes).
    pub devices: Vec<DeviceMoved>,
    /// The change of the unattributed figure (device bytes no process accounts for), up
    /// and down. Signed: it shrinks when a backend attributes bytes a moment after the
    /// device counted them; over any run of refreshes the changes add up exactly.
    pub unattributed_up: i64,
    pub unattributed_down: i64,
}

impl Moved {
    /// Bytes moved on all devices (up, down).
    pub fn total(&self) -> (u64, u64) {
        self.devices.iter().fold((0, 0), |(u, d), m| {
            (u.saturating_add(m.up), d.saturating_add(m.down))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.processes.is_empty()
            && self.apps.is_empty()
            && self.devices.is_empty()
            && self.unattributed_up == 0
            && self.unattributed_down == 0
    }
}

/// One refresh as the collector publishes it: the snapshot and what moved since the
/// previous one. Serialized as `{"snapshot": …, "moved": …}` where it crosses a socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refresh {
    pub snapshot: Snapshot,
    pub moved: Moved,
    /// 0, or the break in time before this refresh (ms): the collector was frozen, the
    /// machine slept or the wall clock was set (`collect::gap`). What moved across it is
    /// counted, but it is no rate: alert holds and history spans do not reach across it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gap_ms: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Refresh {
    /// Wall-clock seconds of the refresh (for day and month boundaries).
    pub fn unix_s(&self) -> i64 {
        (self.snapshot.ts / 1000) as i64
    }
}
