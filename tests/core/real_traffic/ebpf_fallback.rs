//! `--source ebpf` where a kernel feature the eBPF backend needs is missing: hogwatch runs
//! nethogs instead, the status line says why, and processes are still attributed.
//!
//! The missing feature is real as far as hogwatch can tell: `hogwatch top` runs in a
//! private mount namespace of its own (`unshare -m`) where an empty file is bind-mounted
//! over /sys/kernel/btf/vmlinux, so the helper it starts finds no kernel BTF, the kernel
//! program cannot be loaded (helper exit 8), and nethogs (which needs no BTF) takes over.

use super::ebpf::until;
use crate::support::home::Home;
use crate::support::netns::Pair;
use crate::support::{err, tcp_client, wait_client_done, GenServer, Result};
use std::time::Duration;

/// Masks the kernel's BTF for the command it then execs (same pid: the test's guard stops it).
const NO_BTF: &str = "mount --bind \"$1\" /sys/kernel/btf/vmlinux && shift && exec \"$@\"";

#[test]
fn ebpf_without_kernel_btf_falls_back_to_nethogs_and_says_why() -> Result<()> {
    let pair = Pair::new("ef")?;
    let (h_ns, p_ns) = (pair.h.name(), pair.p.name());
    let (dev, peer) = (pair.link.dev.clone(), pair.link.peer_ip.to_string());
    let srv = GenServer::start("fallback-srv", p_ns, "tcp-server", &peer, &["--rate", "0"])?;

    let home = Home::new("hogwatch-fallback-")?;
    let empty = home.path().join("empty-btf");
    std::fs::write(&empty, b"")?;
    let empty = empty.to_string_lossy().into_owned();
    let no_btf = ["unshare", "-m", "sh", "-c", NO_BTF, "sh", &empty];
    let mut hw = super::ebpf::spawn_top("hogwatch-fallback", h_ns, &home, &no_btf, &dev, 40)?;
    let mut snaps = Vec::new();
    let want = "eBPF unavailable, using nethogs: the eBPF program cannot run here: no kernel BTF";
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(30),
        "per-process mode and the fallback's reason",
        |s| s.mode == "per-process" && s.status.starts_with(want),
    )?;
    let status = &snaps.last().ok_or_else(|| err("no snapshot"))?.status;
    eprintln!("status: {status}");

    // nethogs attributes a client that lives across refreshes (it misses a connection's
    // first packets until it has scanned /proc: at least 80% of the payload).
    let payload = 600_000u64;
    let args = ["--send-bytes", "600000", "--rate", "300000", "--hold", "2"];
    let mut client = tcp_client(
        "fallback-client",
        h_ns,
        &format!("{peer}:{}", srv.port),
        &args,
    )?;
    let pid = wait_client_done(&mut client, Duration::from_secs(30))?.pid;
    until(
        &mut hw,
        &mut snaps,
        Duration::from_secs(15),
        "the client under its pid",
        |s| {
            s.process(pid)
                .is_some_and(|p| p.usage.up_bytes * 10 >= payload * 8)
        },
    )?;
    let last = snaps.last().ok_or_else(|| err("no snapshot"))?;
    let up = last.process(pid).map(|p| p.usage.up_bytes).unwrap_or(0);
    eprintln!("client up {up} B of {payload}; status {:?}", last.status);
    if up > payload + payload * 6 / 100 || !last.status.starts_with(want) {
        return Err(err(format!(
            "client up {up} B for {payload} B, status {:?}",
            last.status
        )));
    }
    Ok(())
}
