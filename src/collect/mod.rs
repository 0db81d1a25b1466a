//! Collection: from a source's counts to refreshes (snapshot + what moved).
//!
//! The seam: `source` — where data comes from, one variant per backend, each a task that
//! sends `sample::Event`s (cumulative per-process, per-device counts with identity).
//! Backends and recordings, one folder each: `nethogs/` (the privileged helper running
//! nethogs), `ebpf/` (the helper's kernel program), `replay/` (recordings, and their
//! format). `helper/` starts the privileged helper for either (routes, supervision).
//! Backend-neutral: `pipeline` applies events, `accountant` turns counts into deltas,
//! rates and what moved (where bytes become rates), `gap` finds breaks in time (freeze,
//! suspend, clock set) no rate may span, `cap` keeps processes within what
//! their device moved, `rate` keeps the windows, `app`
//! groups processes into apps, `lookup` + `procfs` ask /proc and /sys, `cadence` says
//! when a live refresh falls due, and `collector` runs it all on tokio and publishes each
//! refresh to every consumer — or, where the system service runs, takes its refreshes
//! whole (`upstream`).

pub mod accountant;
pub mod app;
pub mod cadence;
pub mod cap;
pub mod collector;
pub mod ebpf;
pub mod gap;
pub mod helper;
pub mod lookup;
pub mod nethogs;
pub mod pipeline;
pub mod procfs;
pub mod rate;
pub mod replay;
pub mod sample;
pub mod source;
pub mod upstream;
