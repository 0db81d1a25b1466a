//! The collection seam's vocabulary: what every source (a backend such as nethogs, or a
//! replay) hands the collector, in the source's own time, and what the collector may ask
//! of it. Backend-neutral: cumulative byte counts per process and device with the
//! process's identity, never a backend's text.

use crate::clock::Mono;
use crate::model::{Health, Mode};
use serde::{Deserialize, Serialize};

/// One process's cumulative bytes on one device, as a source counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessCount {
    pub pid: u32,
    pub uid: u32,
    /// The source's name for the process (nethogs: its argv[0] verbatim). Untrusted text.
    pub name: String,
    /// Bytes sent (up) and received (down) since the source's epoch for this device began.
    pub sent: u64,
    pub received: u64,
}

/// Bytes a source saw on a device but could not tie to a process, cumulative, under a
/// label of the source's (nethogs: `unknown TCP`, a connection's addresses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnattributedCount {
    pub label: String,
    pub sent: u64,
    pub received: u64,
}

/// One refresh of one device: the source's cumulative counts at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSample {
    pub device: String,
    /// When the source sampled its counts (for nethogs, its `Refreshing:` line).
    pub at: Mono,
    pub processes: Vec<ProcessCount>,
    pub unattributed: Vec<UnattributedCount>,
}

/// One device's counters as /proc/net/dev has them (received = down, transmitted = up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevCounters {
    pub name: String,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
}

/// What /proc said about a process when it was first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcDetails {
    pub start_time: u64,
    pub exe: String,
    pub argv: Vec<String>,
}

/// How the source is doing, for the snapshot's `mode` and `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub mode: Mode,
    /// One line a person can act on; empty when all is well.
    pub reason: String,
    /// The backend's name and trouble counters, passed on in each snapshot.
    pub health: Health,
}

/// What a source tells the collector.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The source's counts for `device` start again from zero (a new nethogs run): what
    /// it reports next is not compared with what it reported before.
    Epoch { device: String, at: Mono },
    /// One device's cumulative counts.
    Sample(DeviceSample),
    /// Device counters the source carries itself (a replay: the ones recorded). Live
    /// sources leave them to the collector, which reads /proc/net/dev.
    Counters {
        at: Mono,
        counters: Vec<DevCounters>,
    },
    /// What /proc said about a process (a replay: what was recorded).
    Proc { pid: u32, details: ProcDetails },
    /// Time for a refresh, for sources that keep their own time (a replay).
    Tick { at: Mono },
    /// The source's status changed.
    Status(SourceStatus),
}

/// `--elevate auto|pkexec|sudo|none`: how a source that needs root may get it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Elevate {
    Auto,
    Pkexec,
    Sudo,
    None,
}

/// What the collector may ask of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCommand {
    /// The monitored device set changed (live sources).
    Devices(Vec<String>),
    /// Try the privilege routes again ("Enable per-process monitoring…").
    Retry(Elevate),
    Stop,
}
