//! The `top --json` snapshot contract, as the tests parse it: one [`Snapshot`] a line.
//! Every contract field is parsed (and so required), not every test checks each one.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Up/down figures: rates in bytes/s, cumulative bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct Usage {
    pub up_rate: f64,
    pub down_rate: f64,
    pub up_bytes: u64,
    pub down_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DevUsage {
    pub name: String,
    #[serde(flatten)]
    pub usage: Usage,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProcUsage {
    pub pid: u32,
    pub name: String,
    pub exe: String,
    pub cmdline: String,
    pub uid: u32,
    pub user: String,
    pub app: String,
    pub app_name: String,
    pub devices: Vec<DevUsage>,
    #[serde(flatten)]
    pub usage: Usage,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    pub ts: u64,
    pub interval_ms: u64,
    pub mode: String,
    pub status: String,
    /// On battery: the refresh interval it stretched to, in seconds.
    #[serde(default)]
    pub battery_refresh_s: Option<u64>,
    pub total: Usage,
    pub unattributed: Usage,
    pub devices: Vec<DevUsage>,
    pub processes: Vec<ProcUsage>,
    /// The backend and its trouble counters (optional; each field left out while empty).
    #[serde(default)]
    pub health: Health,
}

/// The snapshot's `health`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Health {
    #[serde(default)]
    pub backend: String,
    #[serde(default)]
    pub helper_starts: u64,
    #[serde(default)]
    pub dropped_lines: u64,
    #[serde(default)]
    pub map_full_bytes: u64,
}

impl Snapshot {
    pub fn process(&self, pid: u32) -> Option<&ProcUsage> {
        self.processes.iter().find(|p| p.pid == pid)
    }

    pub fn device(&self, name: &str) -> Option<&DevUsage> {
        self.devices.iter().find(|d| d.name == name)
    }

    /// pid → (up_bytes, down_bytes).
    pub fn proc_bytes(&self) -> BTreeMap<u32, (u64, u64)> {
        self.processes
            .iter()
            .map(|p| (p.pid, (p.usage.up_bytes, p.usage.down_bytes)))
            .collect()
    }

    /// device → (up_bytes, down_bytes).
    pub fn dev_bytes(&self) -> BTreeMap<String, (u64, u64)> {
        self.devices
            .iter()
            .map(|d| (d.name.clone(), (d.usage.up_bytes, d.usage.down_bytes)))
            .collect()
    }
}
