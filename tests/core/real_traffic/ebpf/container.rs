//! `hogwatch top --json --source ebpf` on a host that forwards a container's traffic: the
//! decision of docs/ebpf-spike.md, "other network namespaces are not attributed", end to
//! end. A client in a container (namespace C, its own pid namespace) uploads to P through
//! H, while a client in H uploads to P as well; hogwatch watches H's device toward P.
//!
//! Every snapshot: the container's process (by the pid the host knows it by) is nowhere,
//! the processes on the device never exceed it. At the end: the device counted both
//! uploads, the host's client has its payload (+0…6%), and the unattributed line holds at
//! least the container's payload. The container's device in C has the same ifindex as the
//! watched device in H, so a decoder that took C's records for H's would show the
//! container's process on the watched device.

use super::attached::wait_attached;
use super::{until, within};
use crate::support::container::Container;
use crate::support::home::Home;
use crate::support::snapshot::Snapshot;
use crate::support::{err, tcp_client, tcpgen_path, unix_ms, wait_client_done, GenServer, Result};
use std::time::Duration;

/// Bytes the processes of `snap` have on `dev`, (up, down).
fn on_device(snap: &Snapshot, dev: &str) -> (u64, u64) {
    let on_dev = snap
        .processes
        .iter()
        .flat_map(|p| p.devices.iter().filter(|d| d.name == dev));
    on_dev.fold((0, 0), |(up, down), d| {
        (up + d.usage.up_bytes, down + d.usage.down_bytes)
    })
}

#[test]
fn ebpf_top_shows_a_containers_traffic_unattributed_on_the_hosts_device() -> Result<()> {
    let boxed = Container::new("etc")?;
    let (h_ns, c_dev) = (boxed.pair.h.name(), boxed.link.dev.as_str());
    let dev = boxed.pair.link.dev.clone();
    let index = |ns: &crate::support::Netns, d: &str| {
        ns.exec(&["cat", &format!("/sys/class/net/{d}/ifindex")])
            .map(|s| s.trim().to_owned())
    };
    let (h_if, c_if) = (index(&boxed.pair.h, &dev)?, index(&boxed.c, c_dev)?);
    if h_if != c_if {
        return Err(err(format!(
            "setup: C's device has ifindex {c_if}, H's watched one {h_if}; the test needs \
             them equal to tell a decoder that mixes namespaces up"
        )));
    }
    let srv = GenServer::in_peer("etc-srv", &boxed.pair, &["--rate", "0"])?;

    let home = Home::new("hogwatch-ebpf-container-")?;
    let mut hw = super::spawn_top("hogwatch-etc", h_ns, &home, &[], &dev, 40)?;
    let mut snaps = Vec::new();
    let per_process = |s: &Snapshot| s.mode == "per-process";
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(30),
        "per-process",
        per_process,
    )?;
    // Not before the helper's programs are attached (see `attached`).
    wait_attached(hw.pid(), Duration::from_secs(30))?;

    // Both paced at 400 kB/s: they live across a few refreshes.
    let (c_payload, h_payload) = (1_000_000u64, 1_000_000u64);
    let paced = ["--send-bytes", "1000000", "--rate", "400000", "--hold", "1"];
    let script = tcpgen_path().to_string_lossy().into_owned();
    let mut c_argv = vec!["/usr/bin/python3", &script, "tcp-client", "--connect"];
    let to = srv.addr();
    c_argv.push(&to);
    c_argv.extend(paced);
    let mut contained = boxed.spawn("etc-contained", &c_argv)?;
    let mut host = tcp_client("etc-host", h_ns, &to, &paced)?;
    let c_done = wait_client_done(&mut contained.child, Duration::from_secs(30))?;
    let h_pid = wait_client_done(&mut host, Duration::from_secs(30))?.pid;
    if c_done.pid != 1 || c_done.sent != c_payload {
        return Err(err(format!("the contained client: {c_done:?}")));
    }
    let done_ms = unix_ms();
    let mut after = 0;
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(15),
        "two refreshes after",
        |s| {
            after += u32::from(s.ts > done_ms);
            after >= 2
        },
    )?;

    // The container's process, by its host pid (or unshare's): in no snapshot.
    let c_pids = [contained.host_pid, contained.child.pid()];
    for snap in &snaps {
        if let Some(p) = snap.processes.iter().find(|p| c_pids.contains(&p.pid)) {
            return Err(err(format!(
                "the container's process (host pid {}) is listed at ts {}: {p:?}",
                contained.host_pid, snap.ts
            )));
        }
        let Some(d) = snap.device(&dev) else { continue };
        let (up, down) = on_device(snap, &dev);
        if up > d.usage.up_bytes || down > d.usage.down_bytes {
            return Err(err(format!(
                "processes above the device at ts {}: up {up} > {} or down {down} > {}",
                snap.ts, d.usage.up_bytes, d.usage.down_bytes
            )));
        }
    }
    let last = snaps.last().ok_or_else(|| err("no snapshot"))?;
    let p = last
        .process(h_pid)
        .ok_or_else(|| err(format!("the host's client (pid {h_pid}) is not listed")))?;
    within("host client, up", p.usage.up_bytes, h_payload)?;
    let d = last
        .device(&dev)
        .ok_or_else(|| err(format!("{dev} not in the last snapshot")))?;
    let (procs_up, _) = on_device(last, &dev);
    let unattributed = last.unattributed.up_bytes;
    eprintln!(
        "{dev}: up {} B; processes {procs_up} B; unattributed {unattributed} B; \
         the container's payload {c_payload} B ({:.1}% of the unattributed)",
        d.usage.up_bytes,
        c_payload as f64 / unattributed.max(1) as f64 * 100.0
    );
    if d.usage.up_bytes < c_payload + h_payload {
        return Err(err(format!(
            "{dev} counted {} B up, less than both uploads ({} B)",
            d.usage.up_bytes,
            c_payload + h_payload
        )));
    }
    if unattributed < c_payload || unattributed + procs_up > d.usage.up_bytes {
        return Err(err(format!(
            "unattributed up {unattributed} B: it should cover the container's {c_payload} B \
             and be the device ({} B) less the processes ({procs_up} B)",
            d.usage.up_bytes
        )));
    }
    drop(hw);
    Ok(())
}
