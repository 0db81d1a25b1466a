//! hogwatch: per-process network bandwidth monitor for the Linux desktop.
//!
//! Top to bottom (each layer imports only the ones below it):
//! - front ends — `tray` (the applet, and the dashboard window's process), `cmd` (`top`,
//!   `server`, `doctor`, `history`);
//! - `app` — the running core, once per user: collector, history writer, totals, alerts,
//!   dashboard server and the socket other front ends attach to;
//! - consumers — `store` (history in tiered SQLite buckets), `alerts` (rules →
//!   notifications), `web` (the dashboard's HTTP API, WebSocket and /metrics);
//! - `collect` — the collection seam and its backends (`collect/nethogs/`, replay):
//!   counts → accountant (where bytes become rates) → `Refresh` (snapshot + what moved);
//! - `power` — on battery or not, and sleeps (UPower and logind on the system bus,
//!   /sys/class/power_supply), read by the collector and the history writer;
//! - pure parts — `model` (snapshot, what moved, period totals), `units` (sizes, rates,
//!   durations; down before up), `text` (untrusted names made safe), `clock` (injected
//!   time), `config` (the file), `cli` (the command line), `notify` (notifications),
//!   `private_fs` (0700 folders, 0600 files, fresh private folders), `exe` (where
//!   hogwatch's programs are), `startup` (each program's log and config), `arenas`
//!   (malloc for months), `wire` (the core socket's bounded lines, read by both ends).
// Denied, not forbidden: `arenas` alone allows it, for one documented libc call.
#![deny(unsafe_code)]

pub mod alerts;
pub mod app;
pub mod arenas;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod collect;
pub mod config;
pub mod exe;
pub mod model;
pub mod notify;
pub mod power;
pub mod private_fs;
pub mod startup;
pub mod store;
pub mod text;
pub mod tray;
pub mod units;
pub mod web;
pub mod wire;
