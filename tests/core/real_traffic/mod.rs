//! Acceptance tests for per-process accounting with real traffic.
//!
//! Each test builds its own namespaces (see `support::netns::Topology`):
//!
//! ```text
//!   P1 (servers) ──veth── [A] H [B] ──veth── P2 (servers)
//! ```
//!
//! and runs the real product inside H:
//! `hogwatch top --json --elevate none --interval 1 --devices A,B --count N`
//! (as root `--elevate none` runs `hogwatch-helper` directly, which runs one nethogs per
//! device). Clients in H move known payloads with `tests/support/tcpgen.py`; the test
//! compares hogwatch's per-process and per-device figures with the payloads and with
//! H's `/proc/net/dev`.
//!
//! Requires root, nethogs, iproute2 and python3 (panics otherwise; never skips).
//!
//! The tests: [`accounting`] (two devices, every client attributed), [`nethogs_restart`]
//! (a nethogs killed mid-transfer), `ebpf` (`--source ebpf`) and `ebpf_fallback` (nethogs
//! where eBPF cannot run); what they use: [`top`] (hogwatch in H), [`clients`]
//! (tcpgen clients with known payloads) and [`checks`] (the figures against the truth).

use std::time::Duration;

mod accounting;
mod checks;
mod clients;
#[cfg(feature = "ebpf")]
mod ebpf;
#[cfg(feature = "ebpf")]
mod ebpf_fallback;
mod frozen;
mod nethogs_restart;
mod top;
mod wedged;

/// Wall-clock budget of each test (setup to last assertion); every wait is capped by it.
const TEST_BUDGET: Duration = Duration::from_secs(55);
