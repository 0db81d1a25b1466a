//! Per-process accounting on two devices: every client's bytes attributed to its pid,
//! name and device; device totals equal to the kernel's counters.

use super::checks::{check_client, check_devices, Checks};
use super::clients::{client_args, weird_python, Client, Dir};
use super::top::Hogwatch;
use super::TEST_BUDGET;
use crate::support;
use std::time::{Duration, Instant};
use support::{require_root_and_nethogs, unix_ms, Deadline, GenServer, Result, Topology};

/// Four TCP clients and one connected-UDP sender on two devices; every client's bytes
/// must be attributed to its pid, name and device, and device totals must equal the
/// kernel's counters.
#[test]
fn per_process_accounting_on_two_devices() -> Result<()> {
    require_root_and_nethogs();
    let t0 = Instant::now();
    let deadline = Deadline::after(TEST_BUDGET);
    let topo = Topology::new()?;
    let (a, b) = (topo.a.dev.clone(), topo.b.dev.clone());
    eprintln!(
        "topology: H={} A={a} ({}↔{}) B={b} ({}↔{})",
        topo.h.name(),
        topo.a.ip,
        topo.a.peer_ip,
        topo.b.ip,
        topo.b.peer_ip
    );
    let tmp = tempfile::tempdir()?;
    let weird = weird_python(tmp.path())?;
    let python = "/usr/bin/python3";

    let p1 = topo.a.peer_ip.to_string();
    let p2 = topo.b.peer_ip.to_string();
    let (up_a, down_a, up_b, down_b, udp_b) = (
        2_000_000u64,
        3_000_000u64,
        1_500_000u64,
        2_500_000u64,
        1_000_000u64,
    );
    let rate = "2000000".to_owned();
    let sink1 = GenServer::start("sink-P1", topo.p1.name(), "tcp-server", &p1, &[])?;
    let src1 = GenServer::start(
        "source-P1",
        topo.p1.name(),
        "tcp-server",
        &p1,
        &["--send-bytes", &down_a.to_string(), "--rate", &rate],
    )?;
    let sink2 = GenServer::start("sink-P2", topo.p2.name(), "tcp-server", &p2, &[])?;
    let src2 = GenServer::start(
        "source-P2",
        topo.p2.name(),
        "tcp-server",
        &p2,
        &["--send-bytes", &down_b.to_string(), "--rate", &rate],
    )?;
    let udp2 = GenServer::start("udp-sink-P2", topo.p2.name(), "udp-sink", &p2, &[])?;

    let before = topo.h.proc_net_dev()?;
    let mut hog = Hogwatch::start(topo.h.name(), &[&a, &b], 50, deadline)?;
    hog.wait_ready()?;

    let h = topo.h.name();
    let mut clients = vec![
        Client::start(
            "upload-A",
            h,
            &weird,
            &a,
            Dir::Up,
            up_a,
            "tcp-client",
            &client_args(&[
                ("--connect", format!("{p1}:{}", sink1.port)),
                ("--send-bytes", up_a.to_string()),
                ("--rate", rate.clone()),
            ]),
        )?,
        Client::start(
            "download-A",
            h,
            python,
            &a,
            Dir::Down,
            down_a,
            "tcp-client",
            &client_args(&[
                ("--connect", format!("{p1}:{}", src1.port)),
                ("--recv-bytes", down_a.to_string()),
            ]),
        )?,
        Client::start(
            "upload-B",
            h,
            python,
            &b,
            Dir::Up,
            up_b,
            "tcp-client",
            &client_args(&[
                ("--connect", format!("{p2}:{}", sink2.port)),
                ("--send-bytes", up_b.to_string()),
                ("--rate", rate.clone()),
            ]),
        )?,
        Client::start(
            "download-B",
            h,
            python,
            &b,
            Dir::Down,
            down_b,
            "tcp-client",
            &client_args(&[
                ("--connect", format!("{p2}:{}", src2.port)),
                ("--recv-bytes", down_b.to_string()),
            ]),
        )?,
        Client::start(
            "udp-B",
            h,
            python,
            &b,
            Dir::Up,
            udp_b,
            "udp-client",
            &client_args(&[
                ("--connect", format!("{p2}:{}", udp2.port)),
                ("--send-bytes", udp_b.to_string()),
                ("--datagram", "1400".to_owned()),
                ("--rate", "1000000".to_owned()),
            ]),
        )?,
    ];
    for c in &mut clients {
        c.finish(deadline.cap(Duration::from_secs(30)))?;
    }
    let done_ms = unix_ms();
    eprintln!("all clients done after {:?}", t0.elapsed());

    let last = hog.refreshes_after(done_ms, 3)?;
    let after = topo.h.proc_net_dev()?;
    eprintln!(
        "{} snapshots read; last: {}",
        hog.snaps.len(),
        hog.last_summary()
    );

    let mut checks = Checks::default();
    eprintln!("per-process attribution:");
    for c in &clients {
        check_client(&mut checks, &hog, c);
    }
    check_devices(&mut checks, &hog.snaps, &last, &[&a, &b], &before, &after)?;
    drop(clients);
    hog.stop();
    eprintln!("test took {:?}", t0.elapsed());
    checks.finish()
}
