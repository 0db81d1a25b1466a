//! hogwatch: per-process network bandwidth monitor for the Linux desktop.
//!
//! The pipeline, one module a stage:
//! - `collect` — helper (root) → nethogs lines → parser → accountant → `Snapshot`,
//!   plus /proc and device counters; one collector feeds every consumer.
//! - `model` — the snapshot every consumer reads (the public JSON shape).
//! - `store` — history in tiered SQLite buckets, written from the snapshots.
//! - `cmd` — the terminal front ends: `top`, `doctor`, `history`.
//! - `tray` — the tray applet; its pure view-model: icon pixels, title, menu model.
//! - `cli` — the command line; `units` and `text` format numbers and untrusted names;
//!   `clock` is the injected time.
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod cmd;
pub mod collect;
pub mod config;
pub mod model;
pub mod store;
pub mod text;
pub mod tray;
pub mod units;
