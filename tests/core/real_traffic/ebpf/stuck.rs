//! The eBPF helper stopped with SIGSTOP: hogwatch notices that its once-a-refresh batches
//! stopped, replaces it, says why, and counts per process again.

use super::{spawn_top, until};
use crate::real_traffic::wedged::{children_named, stop_the_helper};
use crate::support::home::Home;
use crate::support::netns::Pair;
use crate::support::{err, Result};
use std::time::{Duration, Instant};

#[test]
fn ebpf_a_stopped_helper_is_replaced_and_the_status_says_why() -> Result<()> {
    let pair = Pair::new("ew")?;
    let home = Home::new("hogwatch-ebpf-stuck-")?;
    let mut hw = spawn_top(
        "hogwatch-ebpf-stuck",
        pair.h.name(),
        &home,
        &[],
        &pair.link.dev,
        90,
    )?;
    let mut snaps = Vec::new();
    let per_process = |s: &crate::support::snapshot::Snapshot| s.mode == "per-process";
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(30),
        "mode per-process",
        per_process,
    )?;
    let stopped = stop_the_helper(hw.pid())?;
    let helper = stopped.0;
    let t0 = Instant::now();
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(30),
        "the stuck helper in the status",
        |s| s.status.contains("wrote nothing for") && s.status.contains("stopped or stuck"),
    )?;
    eprintln!("noticed after {:?}", t0.elapsed());
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(30),
        "per-process again",
        |s| s.mode == "per-process" && s.status.is_empty(),
    )?;
    let now = children_named(hw.pid(), "hogwatch-helper");
    if now.len() != 1 || now.contains(&helper) {
        return Err(err(format!(
            "helpers after the restart: {now:?} (old {helper})"
        )));
    }
    hw.stop();
    Ok(())
}
