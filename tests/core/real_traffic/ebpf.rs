//! `hogwatch top --json --source ebpf` end to end (only with `--features ebpf`; as root):
//! hogwatch in namespace H starts `hogwatch-helper --backend ebpf` directly
//! (`--elevate none`), and a TCP client in H uploads to a server in P over H's veth while a
//! short-lived client connects, sends and exits between two refreshes. The snapshots must
//! show each under its own pid with its payload plus at most 6% (the records count IP
//! packets, headers included), the short-lived one after it is gone (with its executable,
//! command line and app, as the live one has them), and on the device the
//! processes never above what the device moved (unattributed = device − processes ≥ 0).
//!
//! Needs what `helper::ebpf` needs: root, kernel BTF, Linux ≥ 6.3, iproute2, python3.

mod announce;
mod app;
mod attached;
mod container;
mod stuck;

use crate::support::home::Home;
use crate::support::netns::Pair;
use crate::support::snapshot::Snapshot;
use crate::support::{err, tcp_client, wait_client_done, Child, GenServer, Result};
use std::time::{Duration, Instant};

/// Headers on top of the payload (IPv4 + TCP with timestamps: 52 B per ≤ 1448 B segment).
const SLACK: f64 = 0.06;

/// Reads snapshot lines of `hw` until `pred` holds for one (or `limit` passes).
pub(super) fn until(
    hw: &mut Child,
    snaps: &mut Vec<Snapshot>,
    limit: Duration,
    what: &str,
    mut pred: impl FnMut(&Snapshot) -> bool,
) -> Result<()> {
    let end = Instant::now() + limit;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let line = match hw.lines().next_line(left) {
            Ok(Some(line)) => line,
            Ok(None) | Err(_) => {
                return Err(err(format!(
                    "no snapshot with {what} ({} read, last {:?}); stderr:\n{}",
                    snaps.len(),
                    snaps.last().map(|s| (&s.mode, &s.status)),
                    hw.stderr_text()
                )))
            }
        };
        if !line.trim_start().starts_with('{') {
            continue;
        }
        let snap: Snapshot = serde_json::from_str(line.trim())
            .map_err(|e| err(format!("not a snapshot ({e}): {line}")))?;
        let done = pred(&snap);
        snaps.push(snap);
        if done {
            return Ok(());
        }
    }
}

/// Starts `hogwatch top --json --source ebpf --elevate none --interval 1 --devices DEV
/// --count N` (after `wrapper`, a command that execs it) in namespace `ns`, with `home`'s
/// environment.
pub(super) fn spawn_top(
    tag: &str,
    ns: &str,
    home: &Home,
    wrapper: &[&str],
    dev: &str,
    count: u32,
) -> Result<Child> {
    let pairs = home.env();
    let env: Vec<(&str, &str)> = pairs.iter().filter_map(|kv| kv.split_once('=')).collect();
    let count = count.to_string();
    let mut argv = wrapper.to_vec();
    argv.extend([
        env!("CARGO_BIN_EXE_hogwatch"),
        "top",
        "--json",
        "--source",
        "ebpf",
        "--elevate",
        "none",
        "--interval",
        "1",
        "--devices",
        dev,
        "--count",
        &count,
    ]);
    eprintln!("starting in {ns}: {}", argv.join(" "));
    Child::spawn_env(tag, Some(ns), &argv, &env)
}

fn within(what: &str, got: u64, payload: u64) -> Result<()> {
    let max = payload + (payload as f64 * SLACK) as u64;
    let off = (got as f64 / payload as f64 - 1.0) * 100.0;
    eprintln!("{what}: {got} B for {payload} B of payload ({off:+.2}%)");
    if (payload..=max).contains(&got) {
        Ok(())
    } else {
        Err(err(format!(
            "{what}: {got} B for a payload of {payload} B ({off:+.2}%), expected {payload}..={max}"
        )))
    }
}

#[test]
fn ebpf_top_shows_a_tcp_client_and_a_process_that_exited_between_refreshes() -> Result<()> {
    let pair = Pair::new("et")?;
    let (h_ns, p_ns) = (pair.h.name(), pair.p.name());
    let (dev, peer) = (pair.link.dev.clone(), pair.link.peer_ip.to_string());
    let srv = GenServer::start("ebpf-top-srv", p_ns, "tcp-server", &peer, &["--rate", "0"])?;
    let to = format!("{peer}:{}", srv.port);

    let home = Home::new("hogwatch-ebpf-")?;
    let mut hw = spawn_top("hogwatch-ebpf", h_ns, &home, &[], &dev, 40)?;
    let mut snaps = Vec::new();
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(30),
        "mode per-process",
        |s| s.mode == "per-process",
    )?;
    // One refresh more: the helper has attached and printed its first block.
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(10),
        "one more refresh",
        |_| true,
    )?;

    // The TCP client lives across refreshes (paced 400 kB/s, holds 2 s after sending); the
    // short-lived one sends unpaced and exits at once, well within one interval.
    let (long_payload, short_payload) = (1_000_000u64, 50_000u64);
    let long_args = ["--send-bytes", "1000000", "--rate", "400000", "--hold", "2"];
    let mut long = tcp_client("ebpf-top-long", h_ns, &to, &long_args)?;
    // 0.3 s after its send, still gone before the next refresh: hogwatch reads /proc when
    // the process makes its socket, and under load that may take more than the few ms
    // a client needs to send 50 kB and exit (docs/ebpf.md).
    let short_args = ["--send-bytes", "50000", "--rate", "0", "--hold", "0.3"];
    let mut short = tcp_client("ebpf-top-short", h_ns, &to, &short_args)?;
    let short_pid = wait_client_done(&mut short, Duration::from_secs(20))?.pid;
    let long_pid = wait_client_done(&mut long, Duration::from_secs(30))?.pid;
    let done_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    // Two refreshes after both ended: their last bytes have been read from the maps.
    let mut after = 0;
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(15),
        "two refreshes after the clients",
        |s| {
            after += u32::from(s.ts > done_ms);
            after >= 2
        },
    )?;
    assert!(snaps.len() <= 40, "hogwatch stops after --count 40");
    let last = snaps.last().ok_or_else(|| err("no snapshot"))?;
    eprintln!("last: mode {} status {:?}", last.mode, last.status);

    let find = |pid: u32| snaps.iter().rev().find_map(|s| s.process(pid));
    let p = find(long_pid)
        .ok_or_else(|| err(format!("the TCP client (pid {long_pid}) is in no snapshot")))?;
    within("TCP client, up", p.usage.up_bytes, long_payload)?;
    if !p.devices.iter().any(|d| d.name == dev) {
        return Err(err(format!(
            "the TCP client is not on {dev}: {:?}",
            p.devices
        )));
    }
    let s = find(short_pid).ok_or_else(|| {
        err(format!(
            "the short-lived client (pid {short_pid}) is in no snapshot"
        ))
    })?;
    within("short-lived client, up", s.usage.up_bytes, short_payload)?;
    if std::path::Path::new(&format!("/proc/{short_pid}")).exists() {
        return Err(err("the short-lived client is still running"));
    }
    // Gone before the next refresh, yet with the executable and command line it had (read
    // from /proc when it made its socket), so its app is the one a live client gets.
    let python = std::fs::canonicalize("/usr/bin/python3")?;
    eprintln!(
        "short-lived client: exe {:?}, app {:?}, cmdline {:?}",
        s.exe, s.app, s.cmdline
    );
    if s.exe != python.to_string_lossy() || !s.cmdline.contains("tcpgen.py") || s.app != p.app {
        return Err(err(format!(
            "short-lived client: exe {:?}, cmdline {:?}, app {:?} (the live client's: {:?}); \
             expected exe {python:?} and tcpgen.py",
            s.exe, s.cmdline, s.app, p.app
        )));
    }

    // The device cap: processes never above the device; the rest is unattributed.
    for snap in &snaps {
        let Some(d) = snap.device(&dev) else { continue };
        let on_dev = |up: bool| -> u64 {
            snap.processes
                .iter()
                .flat_map(|p| p.devices.iter().filter(|x| x.name == dev))
                .map(|x| {
                    if up {
                        x.usage.up_bytes
                    } else {
                        x.usage.down_bytes
                    }
                })
                .sum()
        };
        if on_dev(true) > d.usage.up_bytes || on_dev(false) > d.usage.down_bytes {
            return Err(err(format!(
                "processes above the device at ts {}: up {} > {} or down {} > {}",
                snap.ts,
                on_dev(true),
                d.usage.up_bytes,
                on_dev(false),
                d.usage.down_bytes
            )));
        }
    }
    let d = last
        .device(&dev)
        .ok_or_else(|| err(format!("{dev} not in the last snapshot")))?;
    let ours = p.usage.up_bytes + s.usage.up_bytes;
    eprintln!(
        "{dev}: up {} B, the two clients {ours} B, unattributed up {} B",
        d.usage.up_bytes, last.unattributed.up_bytes
    );
    if ours * 100 < d.usage.up_bytes * 90 {
        return Err(err(format!(
            "only {ours} of {dev}'s {} B up attributed",
            d.usage.up_bytes
        )));
    }
    drop(hw);
    Ok(())
}
