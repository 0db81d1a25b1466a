//! "per-process" means counting: `hogwatch top --source ebpf` must not say per-process
//! before its eBPF helper has attached its programs, or traffic of that moment is lost
//! while the status says every byte is attributed. Loading takes 0.1 s on an idle machine
//! and seconds on a busy one; the test makes it last by stopping the helper (SIGSTOP)
//! after it said hello and before it attached anything, and reads three refreshes.

use super::attached::{cgroup_links, helpers_of};
use super::until;
use crate::support::home::Home;
use crate::support::{err, signal_pid, Netns, Result};
use std::time::{Duration, Instant};

/// Sends SIGCONT to the stopped helper when dropped (also when the test fails), so that
/// it can stop normally.
struct Stopped(u32);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = signal_pid(self.0, "CONT");
    }
}

/// Bytes the process wrote so far (`wchar` of /proc/PID/io).
fn written(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    io.lines()
        .find_map(|l| l.strip_prefix("wchar: ")?.parse().ok())
        .unwrap_or(0)
}

/// Stops `parent`'s helper once it has written something (its hello) and before it holds
/// a cgroup link; `None` when the window was missed.
fn stop_before_attach(parent: u32) -> Result<Option<Stopped>> {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        let helpers = helpers_of(parent);
        if let [(pid, _)] = helpers[..] {
            if written(pid) > 0 {
                signal_pid(pid, "STOP")?;
                let stopped = Stopped(pid);
                return Ok((cgroup_links(pid) == 0).then_some(stopped));
            }
        }
        // Tight: the window between hello and attach is about 0.1 s here.
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(err(format!(
        "no helper of {parent} wrote anything within 20 s"
    )))
}

#[test]
fn ebpf_top_says_per_process_only_once_the_programs_are_attached() -> Result<()> {
    let ns = Netns::new("ean")?;
    let home = Home::new("hogwatch-ebpf-announce-")?;
    // The window can be missed (the helper attached before we looked): a few tries.
    for attempt in 1..=5 {
        let mut hw = super::spawn_top("hogwatch-ean", ns.name(), &home, &[], "lo", 30)?;
        let Some(stopped) = stop_before_attach(hw.pid())? else {
            eprintln!("attempt {attempt}: the helper attached before it was stopped");
            continue;
        };
        let mut snaps = Vec::new();
        let mut n = 0;
        until(
            &mut hw,
            &mut snaps,
            Duration::from_secs(10),
            "3 refreshes",
            |_| {
                n += 1;
                n >= 3
            },
        )?;
        let links = cgroup_links(stopped.0);
        let modes: Vec<&str> = snaps.iter().map(|s| s.mode.as_str()).collect();
        eprintln!("helper stopped before attaching ({links} links): modes {modes:?}");
        if links != 0 || modes.contains(&"per-process") {
            return Err(err(format!(
                "hogwatch said per-process while its helper had attached {links} programs to \
                 the cgroup: modes {modes:?}"
            )));
        }
        drop(stopped);
        let per_process = |s: &crate::support::snapshot::Snapshot| s.mode == "per-process";
        return until(
            &mut hw,
            &mut snaps,
            Duration::from_secs(30),
            "per-process",
            per_process,
        );
    }
    Err(err(
        "the helper attached before it could be stopped, 5 times",
    ))
}
