//! When a hogwatch's eBPF helper has attached its programs, seen from /proc: the helper is
//! a child of that hogwatch (`--backend ebpf` in its argv) and holds one BPF link per
//! program (`link_type: cgroup` in the fdinfo of its links, for the three programs every
//! kernel needs).
//!
//! Tests that need every byte of their traffic counted start it only then. The status
//! says per-process from the helper's `ready` on (`announce` tests that), but this is seen
//! from outside hogwatch, and also tells that it is the eBPF helper that runs.

use crate::support::{err, proc_cmdline, wait_until, Result};
use std::time::Duration;

/// The programs attached to the cgroup root: sock_create, egress, ingress.
const CGROUP_PROGRAMS: usize = 3;

/// The children of `pid` (any of its threads may have started them).
fn children(pid: u32) -> Vec<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| {
            c.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// The argv of every `hogwatch-helper` child of `parent`.
pub fn helpers_of(parent: u32) -> Vec<(u32, Vec<String>)> {
    children(parent)
        .into_iter()
        .map(|pid| (pid, proc_cmdline(pid)))
        .filter(|(_, argv)| {
            argv.first()
                .is_some_and(|a| a.ends_with("/hogwatch-helper"))
        })
        .collect()
}

/// BPF links to a cgroup that `pid` holds.
pub fn cgroup_links(pid: u32) -> usize {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fdinfo"))
        .into_iter()
        .flatten();
    fds.flatten()
        .filter_map(|fd| std::fs::read_to_string(fd.path()).ok())
        .filter(|info| info.lines().any(|l| l == "link_type:\tcgroup"))
        .count()
}

/// Waits until `parent` runs one eBPF helper and that helper has attached its cgroup
/// programs; returns the helper's pid.
pub fn wait_attached(parent: u32, timeout: Duration) -> Result<u32> {
    let found = wait_until("the eBPF helper's programs attached", timeout, || {
        let helpers = helpers_of(parent);
        let [(pid, argv)] = &helpers[..] else {
            return None;
        };
        let ebpf = argv.windows(2).any(|w| w == ["--backend", "ebpf"]);
        (ebpf && cgroup_links(*pid) >= CGROUP_PROGRAMS).then_some(*pid)
    });
    found.map_err(|e| {
        err(format!(
            "{}: the helpers of {parent}: {:?}",
            e.0,
            helpers_of(parent)
        ))
    })
}
