//! A nethogs killed mid-transfer is restarted, and no byte is counted twice.

use super::checks::{check_devices, dev_delta, pct, Checks};
use super::clients::paced_upload;
use super::top::Hogwatch;
use super::TEST_BUDGET;
use crate::support;
use std::time::{Duration, Instant};
use support::snapshot::Snapshot;
use support::{
    err, nethogs_pids_for, require_root_and_nethogs, unix_ms, wait_until, Deadline, GenServer,
    Result, Topology,
};

/// SIGKILL the nethogs of device A in the middle of an upload: the helper restarts it,
/// the client's bytes are not counted twice and the bytes nethogs never saw end up
/// unattributed, so device totals still equal the kernel's counters.
#[test]
fn nethogs_killed_mid_transfer_is_restarted_without_double_counting() -> Result<()> {
    require_root_and_nethogs();
    let t0 = Instant::now();
    let deadline = Deadline::after(TEST_BUDGET);
    let topo = Topology::new()?;
    let (a, b) = (topo.a.dev.clone(), topo.b.dev.clone());
    eprintln!("topology: H={} A={a} B={b}", topo.h.name());
    let p1 = topo.a.peer_ip.to_string();
    let payload = 4_000_000u64;
    let sink = GenServer::start("sink-P1", topo.p1.name(), "tcp-server", &p1, &[])?;

    let before = topo.h.proc_net_dev()?;
    let mut hog = Hogwatch::start(topo.h.name(), &[&a, &b], 50, deadline)?;
    hog.wait_ready()?;
    let old = wait_until(
        "exactly one nethogs for A",
        deadline.cap(Duration::from_secs(10)),
        || match nethogs_pids_for(&a).as_slice() {
            [pid] => Some(*pid),
            _ => None,
        },
    )?;

    let (mut client, pid) = paced_upload(
        topo.h.name(),
        &a,
        &format!("{p1}:{}", sink.port),
        payload,
        800_000,
        deadline.cap(Duration::from_secs(10)),
    )?;

    // Kill only once the first nethogs has attributed part of the upload.
    let seen = hog.wait_snapshot(
        "the uploader attributed on A",
        Duration::from_secs(10),
        |s| {
            s.process(pid)
                .and_then(|p| p.devices.iter().find(|d| d.name == a))
                .is_some_and(|d| d.usage.up_bytes > 0)
        },
    )?;
    let before_kill = seen
        .process(pid)
        .and_then(|p| p.devices.iter().find(|d| d.name == a))
        .map_or(0, |d| d.usage.up_bytes);
    let progress = client.sent_so_far().unwrap_or(0);
    if progress >= payload * 3 / 4 {
        return Err(err(format!(
            "the upload was already at {progress} of {payload} B before the kill: \
             hogwatch attributed it too late to test a restart in the middle"
        )));
    }
    eprintln!(
        "killing nethogs {old} of {a}: uploader had sent ~{progress} B, hogwatch showed \
         {before_kill} B"
    );
    support::signal_pid(old, "KILL")?;
    let killed_at = Instant::now();
    let new = wait_until(
        "the helper to restart nethogs for A",
        deadline.cap(Duration::from_secs(15)),
        || nethogs_pids_for(&a).into_iter().find(|p| *p != old),
    )?;
    let restarted_ms = unix_ms();
    eprintln!(
        "nethogs for {a} restarted as pid {new} after {:?}",
        killed_at.elapsed()
    );

    client.finish(deadline.cap(Duration::from_secs(30)))?;
    let done_ms = unix_ms();
    let last = hog.refreshes_after(done_ms, 3)?;
    let after = topo.h.proc_net_dev()?;
    eprintln!(
        "{} snapshots read; last: {}",
        hog.snaps.len(),
        hog.last_summary()
    );

    let a_up = |s: &Snapshot| {
        s.process(pid)
            .and_then(|p| p.devices.iter().find(|d| d.name == a))
            .map(|d| d.usage.up_bytes)
    };
    // The first snapshot taken after the new nethogs started, and the last one with the
    // uploader: what grew in between was attributed by the restarted nethogs only.
    let first_after_restart = hog
        .snaps
        .iter()
        .find(|s| s.ts >= restarted_ms)
        .and_then(a_up)
        .unwrap_or(0);
    let mut checks = Checks::default();
    let final_up = hog
        .last_with_pid(pid)
        .and_then(|(s, _)| a_up(s))
        .unwrap_or(0);
    eprintln!(
        "uploader pid {pid}: payload {payload} B; hogwatch up on {a}: {before_kill} B before \
         the kill, {first_after_restart} B right after the restart, {final_up} B at the end \
         ({:+.3}% vs payload)",
        pct(final_up, payload)
    );
    checks.check(
        final_up > 0 && u128::from(final_up) * 100 <= u128::from(payload) * 105,
        format!(
            "attributed up bytes {final_up} ≤ payload × 1.05 = {} (no double counting)",
            payload * 105 / 100
        ),
    );
    checks.check(
        final_up > first_after_restart,
        format!(
            "the restarted nethogs attributed the rest of the upload ({first_after_restart} → \
             {final_up} B)"
        ),
    );
    let dev_a_up = last.device(&a).map_or(0, |d| d.usage.up_bytes);
    let att_a_up: u64 = last
        .processes
        .iter()
        .flat_map(|p| p.devices.iter())
        .filter(|d| d.name == a)
        .map(|d| d.usage.up_bytes)
        .sum();
    let delta_b = dev_delta(&before, &after, &b)?;
    eprintln!(
        "A up: attributed {att_a_up} B + unattributed {} B (B idle: tx {} rx {}) vs device \
         {dev_a_up} B; {:.2}% of the device's bytes unattributed",
        last.unattributed.up_bytes,
        delta_b.tx_bytes,
        delta_b.rx_bytes,
        100.0 * last.unattributed.up_bytes as f64 / dev_a_up.max(1) as f64
    );
    check_devices(&mut checks, &hog.snaps, &last, &[&a, &b], &before, &after)?;
    drop(client);
    hog.stop();
    eprintln!("test took {:?}", t0.elapsed());
    checks.finish()
}
