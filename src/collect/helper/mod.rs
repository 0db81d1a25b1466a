//! The privileged helper, as every backend that needs root starts it: `hogwatch-helper`
//! runs nethogs (`--interval N DEV…`) or loads the kernel program (`--backend ebpf`), and
//! this folder is the part of starting it that does not depend on which.
//!
//! - `probe` — facts about this machine (root, pkexec, sudo, a polkit agent, the helper);
//! - `privilege` — which route gives the helper root, and plain words for its exit codes;
//! - `launch` — starts the helper by a route and streams its lines;
//! - `supervise` — its lifecycle as a pure state machine (fallback, backoff, fatal exits);
//! - `conduct` — how much a helper may write, and how much of it may be nonsense.

pub mod conduct;
pub mod launch;
pub mod privilege;
pub mod probe;
pub mod supervise;
