//! Collection: from the privileged helper's lines (or a replay) to snapshots.
//!
//! `trace` parses nethogs lines, `blocks` frames them into refreshes, `accountant`
//! turns cumulative totals into per-process deltas and rates (where bytes become
//! rates), `rate` keeps the windows, `app` groups processes into apps, `procfs` reads
//! /proc and /sys, `protocol` parses the helper's output, `privilege` + `probe` choose
//! how the helper runs, `launch` starts it, `record` writes and reads replays,
//! `pipeline` ties the pure parts together and `collector` runs it on tokio.

pub mod accountant;
pub mod app;
pub mod blocks;
pub mod collector;
pub mod launch;
pub mod pipeline;
pub mod privilege;
pub mod probe;
pub mod procfs;
pub mod protocol;
pub mod rate;
pub mod record;
pub mod trace;
