//! Test harness for integration tests that need real traffic, network namespaces and
//! background processes. Each suite's `main.rs` (`tests/core/`, `tests/web/`,
//! `tests/desktop/`) declares it once with `#[path = "../support/mod.rs"] mod support;`, and
//! its modules reach it as `crate::support`. The suites' tests run on parallel threads
//! of one process: what a helper creates (namespaces, devices, displays, ports, HOMEs) is
//! unique per call across the whole process, not per test file.
//!
//! * [`netns`]: [`netns::Netns`] guards (unique names, deleted on drop, also on panic),
//!   veth pairs with static ARP and link-local /30 addresses, and the two-device
//!   [`netns::Topology`] (namespace H with devices A and B, peers P1 and P2).
//! * [`process`]: [`Child`], a background process (optionally inside a namespace) that is
//!   stopped and reaped on drop, and [`run`]/[`run_ok`], one-shot commands, always bounded
//!   by `timeout(1)`.
//! * [`lines`]: [`LineReader`], a child's stdout read line by line on a thread.
//! * [`procfs`]: processes and device counters as /proc shows them ([`pid_alive`],
//!   [`find_pids`], [`parse_proc_net_dev`], …).
//! * [`wait`]: [`wait_until`] a condition, and a test-wide [`Deadline`].
//! * [`requirements`]: [`require_root_and_nethogs`], for the tests that need both.
//! * [`tcpgen`]: the paced TCP/UDP generator `tests/support/tcpgen.py`.
//! * [`home`]: [`home::Home`], a temporary HOME with its own XDG directories.
//! * [`cli`]: running hogwatch: [`cli::hog_argv`], [`cli::AS_NOBODY`], the replay
//!   fixtures, output checks, and [`cli::nobody_bins`] (the binaries where `nobody` can
//!   run them).
//! * [`snapshot`]: the `top --json` snapshot contract ([`snapshot::Snapshot`]).
//! * [`netns::Pair`]: one host namespace with one veth toward a peer namespace.
//! * [`container`]: a container namespace behind a pair's host namespace, which forwards.
//! * [`desktop`]: a private X display, session bus and tray host ([`desktop::Desktop`])
//!   and a D-Bus client of the tray applet's menu ([`desktop::TrayClient`]).
//! * [`notifications`]: a test-owned desktop notification server on a private bus
//!   ([`notifications::NotificationServer`]): records every `Notify`, emits
//!   `ActionInvoked` as if the user clicked a button, and can be stopped mid-test.
//! * [`dashboard`]: a real `hogwatch server` on a replay ([`dashboard::Server`]) and raw
//!   HTTP requests to it.
//! * [`screenshots`]: the README's screenshots, written into `docs/` by the tests that take
//!   them, each with a file of the labels it shows, so that a stale one fails its test.
//!
//! This file holds [`Error`] and [`Result`], what every helper returns, and re-exports the
//! helpers that tests call as `support::NAME`.
//!
//! Nothing here sleeps to pace a test: waits are for a condition, with a deadline.
#![allow(dead_code)]

pub mod cli;
pub mod container;
pub mod dashboard;
pub mod desktop;
pub mod home;
pub mod lines;
pub mod netns;
pub mod notifications;
pub mod power;
pub mod process;
pub mod procfs;
pub mod replay;
pub mod requirements;
pub mod screenshots;
pub mod snapshot;
pub mod tcpgen;
pub mod tray_app;
pub mod wait;

use std::fmt;

// Every test module reaches these as `support::NAME`.
#[allow(unused_imports)]
pub use lines::LineReader;
#[allow(unused_imports)]
pub use netns::{Netns, Topology, VethLink};
#[allow(unused_imports)]
pub use process::{run, run_ok, signal_pid, Child, CmdOutput, CMD_TIMEOUT};
#[allow(unused_imports)]
pub use procfs::{
    find_pids, nethogs_pids_for, parse_proc_net_dev, pid_alive, proc_cmdline, DevCounters,
};
#[allow(unused_imports)]
pub use requirements::{require_root_and_nethogs, NETHOGS};
#[allow(unused_imports)]
pub use tcpgen::{
    copy_python_to, json_u64, parse_event, real_python, tcp_client, tcpgen_path, wait_client_done,
    GenDone, GenServer,
};
#[allow(unused_imports)]
pub use wait::{unix_ms, wait_until, Deadline};

/// Error type for tests: a message whose `Debug` is the message itself, so a test
/// returning `Result<(), Error>` fails with a readable text.
pub struct Error(pub String);

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Error {
    fn from(s: String) -> Self {
        Error(s)
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Self {
        Error(s.to_owned())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error(format!("I/O error: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error(format!("JSON error: {e}"))
    }
}

/// `bail!(...)`-like helper: `return Err(err(format!(...)))`.
pub fn err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}
