//! hogwatch frozen mid-transfer — SIGSTOP, as a suspended session or a debugger leaves it —
//! and continued: the helper and nethogs ran on, so the first refreshes after SIGCONT carry
//! everything moved while it was frozen. No rate may spike from that catch-up, and every
//! byte is counted once.

use super::checks::{check_devices, pct, Checks};
use super::clients::paced_upload;
use super::top::Hogwatch;
use super::wedged::SignalOnDrop;
use super::TEST_BUDGET;
use crate::support;
use std::time::{Duration, Instant};
use support::snapshot::Snapshot;
use support::{require_root_and_nethogs, unix_ms, Deadline, GenServer, Result, Topology};

#[test]
fn a_frozen_hogwatch_shows_no_spike_and_counts_each_byte_once_after_sigcont() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(TEST_BUDGET);
    let topo = Topology::new()?;
    let a = topo.a.dev.clone();
    let p1 = topo.a.peer_ip.to_string();
    // 300 kB/s for ~16 s; hogwatch is frozen for about half of it.
    let (payload, rate) = (4_800_000u64, 300_000u64);
    let sink = GenServer::start("sink-P1", topo.p1.name(), "tcp-server", &p1, &[])?;
    let before = topo.h.proc_net_dev()?;
    let mut hog = Hogwatch::start(topo.h.name(), &[&a], 60, deadline)?;
    hog.wait_ready()?;
    let (mut client, pid) = paced_upload(
        topo.h.name(),
        &a,
        &format!("{p1}:{}", sink.port),
        payload,
        rate,
        deadline.cap(Duration::from_secs(10)),
    )?;
    hog.wait_snapshot("the uploader attributed", Duration::from_secs(10), |s| {
        s.process(pid).is_some_and(|p| p.usage.up_bytes > 0)
    })?;

    // Frozen while the uploader sends a third of its payload (about 5 s at its rate).
    let at_stop = client.sent_so_far().unwrap_or(0);
    support::signal_pid(hog.pid(), "STOP")?;
    let frozen = SignalOnDrop(hog.pid(), "CONT");
    let stopped_ms = unix_ms();
    let t0 = Instant::now();
    let mut last_sent = at_stop;
    support::wait_until(
        "the uploader to send a third of its payload meanwhile",
        deadline.cap(Duration::from_secs(15)),
        || {
            last_sent = client.sent_so_far().unwrap_or(last_sent).max(last_sent);
            (last_sent >= at_stop + payload / 3).then_some(())
        },
    )?;
    drop(frozen);
    eprintln!(
        "hogwatch was frozen {:?} while the uploader sent {} B",
        t0.elapsed(),
        last_sent - at_stop
    );

    client.finish(deadline.cap(Duration::from_secs(30)))?;
    let last = hog.refreshes_after(unix_ms(), 3)?;
    let after = topo.h.proc_net_dev()?;

    let mut checks = Checks::default();
    // The rate of the uploader and of device A, in every snapshot from the freeze on: at
    // most its pace and what headers add, never the frozen seconds' bytes over the burst's
    // milliseconds.
    let bound = (rate * 3 / 2) as f64;
    let peaks = |s: &Snapshot| {
        let proc_up = s.process(pid).map_or(0.0, |p| p.usage.up_rate);
        let dev_up = s.device(&a).map_or(0.0, |d| d.usage.up_rate);
        (proc_up, dev_up)
    };
    let after_freeze: Vec<&Snapshot> = hog.snaps.iter().filter(|s| s.ts >= stopped_ms).collect();
    let (mut max_proc, mut max_dev) = (0.0f64, 0.0f64);
    for s in &after_freeze {
        let (p, d) = peaks(s);
        max_proc = max_proc.max(p);
        max_dev = max_dev.max(d);
    }
    eprintln!(
        "{} snapshots after the freeze; highest rates: uploader {max_proc:.0} B/s, device \
         {max_dev:.0} B/s (pace {rate} B/s)",
        after_freeze.len()
    );
    checks.check(
        max_proc <= bound,
        format!("the uploader's rate stayed ≤ {bound:.0} B/s (saw {max_proc:.0})"),
    );
    checks.check(
        max_dev <= bound,
        format!("device {a}'s rate stayed ≤ {bound:.0} B/s (saw {max_dev:.0})"),
    );
    let final_up = hog.last_with_pid(pid).map_or(0, |(_, p)| p.usage.up_bytes);
    eprintln!(
        "uploader: payload {payload} B, attributed {final_up} B ({:+.2}%)",
        pct(final_up, payload)
    );
    checks.check(
        final_up >= payload && u128::from(final_up) * 100 <= u128::from(payload) * 105,
        format!("the uploader's bytes counted once: {final_up} in [payload, payload × 1.05]"),
    );
    check_devices(&mut checks, &hog.snaps, &last, &[&a], &before, &after)?;
    drop(client);
    hog.stop();
    checks.finish()
}
