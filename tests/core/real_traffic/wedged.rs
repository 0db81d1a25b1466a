//! A helper that is alive but silent — stopped with SIGSTOP, as a debugger or a frozen
//! cgroup leaves it — is noticed by hogwatch, stopped and restarted, with the reason in
//! the status, and per-process data comes back.

use super::top::Hogwatch;
use super::TEST_BUDGET;
use crate::support;
use std::time::{Duration, Instant};
use support::{err, nethogs_pids_for, require_root_and_nethogs, wait_until, Deadline, Result};

/// The children of `parent` named `comm` (from /proc/PID/stat).
pub(super) fn children_named(parent: u32, comm: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid …: comm may hold anything, so split at its last ')'.
            let Some((head, tail)) = stat.rsplit_once(')') else {
                return false;
            };
            let ppid = tail.split_whitespace().nth(1).and_then(|p| p.parse().ok());
            head.ends_with(&format!("({comm}")) && ppid == Some(parent)
        })
        .collect()
}

/// Sends a process a signal on drop (a stopped process must not outlive, or stay stopped
/// after, a failed test).
pub(super) struct SignalOnDrop(pub(super) u32, pub(super) &'static str);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        let _ = support::signal_pid(self.0, self.1);
    }
}

/// SIGSTOPs the one helper of hogwatch `parent`; it is SIGKILLed when the guard drops.
pub(super) fn stop_the_helper(parent: u32) -> Result<SignalOnDrop> {
    let helper = match children_named(parent, "hogwatch-helper").as_slice() {
        [pid] => *pid,
        other => return Err(err(format!("expected one helper, found {other:?}"))),
    };
    let guard = SignalOnDrop(helper, "KILL");
    support::signal_pid(helper, "STOP")
        .map_err(|e| err(format!("cannot SIGSTOP the helper {helper}: {e}")))?;
    Ok(guard)
}

#[test]
fn a_stopped_helper_is_replaced_and_the_status_says_why() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(TEST_BUDGET);
    let topo = support::Topology::new()?;
    let a = topo.a.dev.clone();
    let mut hog = Hogwatch::start(topo.h.name(), &[&a], 90, deadline)?;
    hog.wait_ready()?;
    let stopped = stop_the_helper(hog.pid())?;
    let helper = stopped.0;
    let t0 = Instant::now();
    // Ten 1-s refreshes (12 s at the least), then the stop's grace; snapshots go on meanwhile.
    let said = hog.wait_snapshot(
        "the stuck helper in the status",
        Duration::from_secs(30),
        |s| s.status.contains("wrote nothing for") && s.status.contains("stopped or stuck"),
    )?;
    eprintln!("noticed after {:?}: {}", t0.elapsed(), said.status);
    let noticed = t0.elapsed();
    if noticed < Duration::from_secs(11) {
        return Err(err(format!("noticed after only {noticed:?}")));
    }
    hog.wait_snapshot("per-process data again", Duration::from_secs(20), |s| {
        s.mode == "per-process" && s.status.is_empty()
    })?;
    let new = children_named(hog.pid(), "hogwatch-helper");
    if new.len() != 1 || new.contains(&helper) {
        return Err(err(format!(
            "helpers after the restart: {new:?} (old {helper})"
        )));
    }
    wait_until("the stopped helper gone", Duration::from_secs(5), || {
        (!std::path::Path::new(&format!("/proc/{helper}")).exists()).then_some(())
    })?;
    wait_until("one nethogs for A", Duration::from_secs(10), || {
        (nethogs_pids_for(&a).len() == 1).then_some(())
    })?;
    hog.stop();
    Ok(())
}
