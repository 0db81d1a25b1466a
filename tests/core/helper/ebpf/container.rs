//! The helper's records when a container (another network namespace, and its own pid
//! namespace) sends through the host: the kernel program charges the container's process
//! in the container's namespace (its netns cookie, its own ifindex), never in the host's;
//! the packets the host forwards on its device have no local socket, so no host process
//! is charged for them. With the decoder's rule (records of other namespaces are dropped,
//! docs/ebpf-spike.md), that makes the container's traffic unattributed on the host's
//! device, counted once.
//!
//! Topology: `support::container::Container` (C → H → P, H forwarding). The helper runs in
//! H; a client in C and one in H upload to a server in P at the same time.

use super::{
    conns_done, device_ip_bytes, ifindex, on_device, seen, settle, start_ebpf, tally, within,
    CLIENT,
};
use crate::support::container::Container;
use crate::support::{err, tcp_client, tcpgen_path, wait_client_done, GenServer, Result};

#[test]
fn ebpf_a_containers_traffic_is_charged_in_its_own_namespace_never_on_the_hosts() -> Result<()> {
    let boxed = Container::new("ebc")?;
    let (h_ns, c_ns) = (boxed.pair.h.name(), boxed.c.name());
    let dev = boxed.pair.link.dev.as_str();
    let (h_if, c_if) = (ifindex(h_ns, dev)?, ifindex(c_ns, &boxed.link.dev)?);
    let mut srv = GenServer::in_peer("ebc-srv", &boxed.pair, &["--rate", "0"])?;
    let (mut h, h_cookie) = start_ebpf(Some(h_ns));
    let before = device_ip_bytes(h_ns, dev)?;

    let (c_payload, h_payload) = (1_000_000u64, 500_000u64);
    let script = tcpgen_path().to_string_lossy().into_owned();
    let c_argv = [
        "/usr/bin/python3",
        script.as_str(),
        "tcp-client",
        "--connect",
        &srv.addr(),
        "--send-bytes",
        "1000000",
        "--rate",
        "0",
        "--hold",
        "0",
    ];
    let mut contained = boxed.spawn("ebc-contained", &c_argv)?;
    let h_args = ["--send-bytes", "500000", "--rate", "0", "--hold", "0"];
    let mut host = tcp_client("ebc-host", h_ns, &srv.addr(), &h_args)?;
    let c_done = wait_client_done(&mut contained.child, CLIENT)?;
    let h_pid = wait_client_done(&mut host, CLIENT)?.pid;
    // tcpgen reports the pid it sees: 1, in the container's pid namespace.
    if c_done.pid != 1 || c_done.sent != c_payload {
        return Err(err(format!("the contained client: {c_done:?}")));
    }
    conns_done(&mut srv, 2)?;
    settle(&mut h);
    let all = tally(&h.seen);
    let after = device_ip_bytes(h_ns, dev)?;

    // The container's process: charged, in C's namespace, on C's device.
    let c_pid = contained.host_pid;
    let c_seen = seen(&all, "the contained client (host pid)", c_pid)?;
    eprintln!("contained client, pid {c_pid} on the host: {c_seen:?}");
    if c_seen.places.iter().any(|&(netns, _)| netns == h_cookie) {
        return Err(err(format!(
            "the contained client has a record in H's namespace ({h_cookie}): {c_seen:?}"
        )));
    }
    let c_cookie = c_seen.places.iter().next().map_or(0, |p| p.0);
    if c_seen.places.iter().any(|&(_, i)| i != c_if) {
        return Err(err(format!(
            "the contained client is not only on C's device ({c_if}): {c_seen:?}"
        )));
    }
    within("contained client sent, in C", c_seen.sent, c_payload)?;

    // H's device: the host's client only, under its pid; the forwarded bytes are on the
    // device's counters and on no process.
    let h_seen = seen(&all, "the host's client", h_pid)?;
    if h_seen.places != [(h_cookie, h_if)].into() {
        return Err(err(format!(
            "the host's client: {h_seen:?}, expected on H's device"
        )));
    }
    within("host client sent", h_seen.sent, h_payload)?;
    let (procs_sent, _) = on_device(&h.seen, h_cookie, h_if);
    let kernel_sent = kernel_on_device(&h.seen, h_cookie, h_if);
    let dev_sent = after.0 - before.0;
    eprintln!(
        "H's veth sent {dev_sent} IP bytes: processes {procs_sent}, no process {kernel_sent}, \
         C's payload {c_payload}; C's records under netns {c_cookie}, H's {h_cookie}"
    );
    if procs_sent != h_seen.sent {
        return Err(err(format!(
            "H's device: processes sent {procs_sent} B, the host's client {} B",
            h_seen.sent
        )));
    }
    if dev_sent < procs_sent + c_payload {
        return Err(err(format!(
            "H's device sent {dev_sent} B, less than the host's client ({procs_sent} B) and \
             the container's payload ({c_payload} B): the forwarded bytes are not on it"
        )));
    }
    Ok(())
}

/// Bytes sent on one device of one namespace by no process (tgid 0).
fn kernel_on_device(lines: &[String], netns: u64, ifindex: u32) -> u64 {
    let want = [
        "ebpf".to_owned(),
        netns.to_string(),
        ifindex.to_string(),
        "0".to_owned(),
    ];
    lines
        .iter()
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .filter(|f| f.len() > 5 && f[..4] == want)
        .filter_map(|f| f[5].parse::<u64>().ok())
        .sum()
}
