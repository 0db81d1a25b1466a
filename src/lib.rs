//! hogwatch: per-process network bandwidth monitor for the Linux desktop.
//!
//! The pipeline, one module a stage:
//! - `collect` — helper (root) → nethogs lines → parser → accountant → `Snapshot`,
//!   plus /proc and device counters; one collector feeds every consumer.
//! - `model` — the snapshot every consumer reads (the public JSON shape).
//! - `store` — history in tiered SQLite buckets, written from the snapshots.
//! - `cmd` — the terminal front ends: `top`, `doctor`, `history`.
//! - `tray` — the tray applet: pure view-model (icon pixels, title, menu model) and the
//!   tao/tray-icon wiring around it; `cmd::headless` runs the same backend without a tray.
//! - `instance` — one hogwatch per user; `notify` — desktop notifications.
//! - `cli` — the command line; `units` and `text` format numbers and untrusted names;
//!   `clock` is the injected time.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod collect;
pub mod config;
pub mod instance;
pub mod model;
pub mod notify;
pub mod store;
pub mod text;
pub mod tray;
pub mod units;
pub mod web;
