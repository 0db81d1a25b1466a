//! The helper's eBPF backend (`--backend ebpf`, only with `--features ebpf`; issue 13, a
//! spike) against real traffic in network namespaces of the test's own: every process's
//! bytes, from the `ebpf` records, against what the generator sent (the payload; the
//! records count IP packets, so headers come on top: ≤ 6% on a veth), and every device
//! byte against the device counters.
//!
//! Covered: a TCP client's upload and download (the connecting side), the servers that
//! accepted them (the accepting side: sockets cloned in softirq, whose owner is only known
//! at their first send/recv), unconnected UDP (sendto) and its receiver, loopback both ways,
//! processes that exit right after their connection (their last bytes still come, marked
//! `exit`), and a killed helper (its programs are gone from the kernel).
//!
//! Needs root, kernel BTF, the sock_send_length/sock_recv_length tracepoints (Linux ≥ 6.3)
//! and bpftool. The helper runs in the host namespace H of a [`Pair`] (`ip netns exec`,
//! which leaves it without the host's cgroup mounts, so it mounts cgroup v2 privately).
//! Programs on the cgroup root see every process of the machine; records are told apart by
//! pid, so parallel tests do not disturb each other.

mod accounts;
mod container;
mod fd_passing;

use accounts::{all_attributed, device_ip_bytes, on_device};

use super::{Helper, BIN, WAIT};
use crate::support::netns::Pair;
use crate::support::{err, tcp_client, wait_client_done, Child, GenServer, Result};
use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use std::time::Duration;

/// Headers on top of the payload: IPv4 + TCP with timestamps is 52 B per segment of at
/// most 1448 B on the veth (3.6%), plus the handshake and FIN; UDP 28 B per 1000 B.
const SLACK: f64 = 0.06;
/// Headers on loopback, whose segment sizes vary with load (see the loopback check).
const LO_SLACK: f64 = 0.5;
/// An upper bound for one client's transfer (they are unpaced, a few MB).
const CLIENT: Duration = Duration::from_secs(30);

/// What the `ebpf` records said about one process, summed over the blocks.
#[derive(Default, Debug)]
struct Seen {
    sent: u64,
    recv: u64,
    exited: bool,
    /// (netns cookie, ifindex) of every record.
    places: BTreeSet<(u64, u32)>,
    comms: BTreeSet<String>,
}

/// `ebpf <netns> <ifindex> <tgid> <uid> <sent> <recv> <live|exit> <comm>`, summed per tgid.
fn tally(lines: &[String]) -> HashMap<u32, Seen> {
    let mut all: HashMap<u32, Seen> = HashMap::new();
    for line in lines {
        let Some(rest) = line.strip_prefix("ebpf ") else {
            continue;
        };
        let f: Vec<&str> = rest.splitn(8, ' ').collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
        let (Some(netns), Some(ifindex), Some(tgid), Some(sent), Some(recv)) =
            (num(0), num(1), num(2), num(4), num(5))
        else {
            panic!("malformed record {line:?}");
        };
        let seen = all.entry(tgid as u32).or_default();
        seen.sent += sent;
        seen.recv += recv;
        seen.exited |= f.get(6) == Some(&"exit");
        seen.places.insert((netns, ifindex as u32));
        seen.comms.insert(f.get(7).unwrap_or(&"").to_string());
    }
    all
}

fn blocks(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.starts_with("end ")).count()
}

/// Reads what the helper printed so far without waiting.
fn drain(h: &mut Helper) {
    while let Ok(line) = h.out.try_recv() {
        h.seen.push(line);
    }
}

/// Starts `hogwatch-helper --backend ebpf --interval 1` in namespace `ns`; returns it and
/// the cookie of its namespace (from `ready`).
fn start_ebpf(ns: Option<&str>) -> (Helper, u64) {
    start_ebpf_with(ns, &["--interval", "1"])
}

fn start_ebpf_with(ns: Option<&str>, args: &[&str]) -> (Helper, u64) {
    let mut cmd = match ns {
        Some(ns) => {
            let mut cmd = Command::new("ip");
            cmd.args(["netns", "exec", ns, BIN]);
            cmd
        }
        None => Command::new(BIN),
    };
    cmd.args(["--backend", "ebpf"]).args(args);
    let mut h = Helper::start(cmd);
    let cookie = h.wait_until("ready", |s| {
        let line = s.iter().find_map(|l| l.strip_prefix("ready "))?;
        line.parse::<u64>().ok()
    });
    (h, cookie)
}

/// Waits until two more blocks than now have been printed: everything counted before
/// this call has then been read from the maps and reported.
fn settle(h: &mut Helper) {
    drain(h);
    let want = blocks(&h.seen) + 2;
    h.wait_until("two more blocks", |s| (blocks(s) >= want).then_some(()));
}

fn ifindex(ns: &str, dev: &str) -> Result<u32> {
    let text = crate::support::run_ok(&[
        "ip",
        "netns",
        "exec",
        ns,
        "cat",
        &format!("/sys/class/net/{dev}/ifindex"),
    ])?;
    text.trim()
        .parse()
        .map_err(|_| err(format!("ifindex of {dev} in {ns}: {text:?}")))
}

/// `got` is the payload plus at most SLACK of headers.
fn within(what: &str, got: u64, payload: u64) -> Result<()> {
    within_slack(what, got, payload, SLACK)
}

fn within_slack(what: &str, got: u64, payload: u64, slack: f64) -> Result<()> {
    let max = payload + (payload as f64 * slack) as u64;
    let off = (got as f64 / payload as f64 - 1.0) * 100.0;
    eprintln!("{what}: {got} B for {payload} B of payload ({off:+.2}%)");
    if (payload..=max).contains(&got) {
        Ok(())
    } else {
        Err(err(format!(
            "{what}: counted {got} B for a payload of {payload} B ({off:+.2}%), \
             expected {payload}..={max}"
        )))
    }
}

fn seen<'a>(all: &'a HashMap<u32, Seen>, what: &str, pid: u32) -> Result<&'a Seen> {
    all.get(&pid)
        .ok_or_else(|| err(format!("no ebpf record for {what} (pid {pid})")))
}

/// Waits for a tcpgen server's `conn_done` lines (one per connection it served).
fn conns_done(server: &mut GenServer, n: usize) -> Result<()> {
    for _ in 0..n {
        server
            .child
            .lines()
            .wait_for_json("conn_done", CLIENT, |v| {
                v.get("event").and_then(|e| e.as_str()) == Some("conn_done")
            })?;
    }
    Ok(())
}

/// Sends `count` datagrams of 1000 B with sendto(2) on an unconnected socket, then exits.
/// Paced at 1 ms a datagram, so that the receiver's socket buffer never overflows.
const UDP_SENDTO: &str = "import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[3])):
    s.sendto(b'u' * 1000, (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.001)
";

/// Runs a tcpgen client (unpaced, no hold: it exits right after its connection) in `ns`
/// to its end; returns its pid.
fn client(tag: &str, ns: &str, target: &str, extra: &[String]) -> Result<u32> {
    let mut argv = vec!["--rate", "0", "--hold", "0"];
    argv.extend(extra.iter().map(String::as_str));
    let mut child = tcp_client(tag, ns, target, &argv)?;
    Ok(wait_client_done(&mut child, CLIENT)?.pid)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn ebpf_counts_tcp_both_sides_udp_loopback_and_exited_processes() -> Result<()> {
    counts_everything("eb", &[])
}

/// The same with the hooks of a kernel older than 6.3 (Debian 12's 6.1): the accepting
/// side is found by its reads and its close instead of every send and receive.
#[test]
fn ebpf_counts_the_same_with_the_hooks_of_linux_6_1() -> Result<()> {
    counts_everything("eo", &["--without-sock-length"])
}

/// Every kind of traffic at once, through a helper started with `hooks` (extra arguments).
fn counts_everything(tag: &str, hooks: &[&str]) -> Result<()> {
    let pair = Pair::new(tag)?;
    let (h_ns, p_ns) = (pair.h.name(), pair.p.name());
    let peer = pair.link.peer_ip.to_string();
    let (h_if, p_if) = (
        ifindex(h_ns, &pair.link.dev)?,
        ifindex(p_ns, &pair.link.peer_dev)?,
    );
    let (up, down, udp, lo, short, each) = (
        2_000_000u64,
        1_000_000u64,
        300_000u64,
        1_000_000u64,
        20,
        50_000u64,
    );
    let unpaced = ["--rate", "0"];
    let mut up_srv = GenServer::start("ebpf-up-srv", p_ns, "tcp-server", &peer, &unpaced)?;
    let down_args = args(&["--send-bytes", &down.to_string(), "--rate", "0"]);
    let down_args: Vec<&str> = down_args.iter().map(String::as_str).collect();
    let mut down_srv = GenServer::start("ebpf-down-srv", p_ns, "tcp-server", &peer, &down_args)?;
    let mut sink = GenServer::start("ebpf-udp-sink", p_ns, "udp-sink", &peer, &[])?;
    let mut lo_srv = GenServer::start("ebpf-lo-srv", h_ns, "tcp-server", "127.0.0.1", &unpaced)?;

    let mut helper_args = vec!["--interval", "1"];
    helper_args.extend_from_slice(hooks);
    let (mut h, h_cookie) = start_ebpf_with(Some(h_ns), &helper_args);
    let want_old = !hooks.is_empty();
    for name in ["hw_rcv_space", "hw_closing", "hw_recvmsg4", "hw_sendmsg6"] {
        let attached = h
            .seen
            .iter()
            .any(|l| l.starts_with(&format!("prog {name} ")));
        if attached != want_old {
            return Err(err(format!(
                "{name} attached: {attached}, lines {:?}",
                h.seen
            )));
        }
    }

    let to = |port: u16| format!("{peer}:{port}");
    let send = |n: u64| args(&["--send-bytes", &n.to_string()]);
    let dev_before = device_ip_bytes(h_ns, &pair.link.dev)?;
    let lo_before = device_ip_bytes(h_ns, "lo")?;
    let up_pid = client("ebpf-up", h_ns, &to(up_srv.port), &send(up))?;
    let recv = args(&["--recv-bytes", &down.to_string()]);
    let down_pid = client("ebpf-down", h_ns, &to(down_srv.port), &recv)?;
    let lo_to = format!("127.0.0.1:{}", lo_srv.port);
    let lo_pid = client("ebpf-lo", h_ns, &lo_to, &send(lo))?;
    // Short-lived connections: each process connects, sends, closes and exits at once.
    let mut short_pids = Vec::new();
    for i in 0..short {
        let tag = format!("ebpf-short-{i}");
        short_pids.push(client(&tag, h_ns, &to(up_srv.port), &send(each))?);
    }
    let (port, count) = (sink.port.to_string(), (udp / 1000).to_string());
    let argv = ["/usr/bin/python3", "-c", UDP_SENDTO, &peer, &port, &count];
    let mut sender = Child::spawn("ebpf-sendto", Some(h_ns), &argv)?;
    sender.wait_success(CLIENT)?;
    let udp_pid = sender.pid();

    conns_done(&mut up_srv, 1 + short)?;
    conns_done(&mut down_srv, 1)?;
    conns_done(&mut lo_srv, 1)?;
    sink.child.lines().wait_for_json("udp_stats", CLIENT, |v| {
        v.get("received").and_then(|r| r.as_u64()) >= Some(udp)
    })?;
    settle(&mut h);
    let all = tally(&h.seen);
    let dev_after = device_ip_bytes(h_ns, &pair.link.dev)?;

    // H's veth carries only this test's traffic (static ARP, no IPv6): processes must
    // account for all of it, as the device counts it (IP bytes).
    let on_veth = on_device(&h.seen, h_cookie, h_if);
    let veth = (dev_after.0 - dev_before.0, dev_after.1 - dev_before.1);
    all_attributed("H's veth", on_veth, veth, 99.0..=100.0)?;
    // So does H's loopback, which only the loopback pair below uses, within a hair: there
    // the hooks counted up to ~350 B per MB more than lo's own counters (mostly the received
    // side, varying from run to run; not understood yet, left as measured).
    let lo_if = ifindex(h_ns, "lo")?;
    let lo_after = device_ip_bytes(h_ns, "lo")?;
    let lo_dev = (lo_after.0 - lo_before.0, lo_after.1 - lo_before.1);
    let on_lo = on_device(&h.seen, h_cookie, lo_if);
    all_attributed("H's lo", on_lo, lo_dev, 99.9..=100.1)?;

    // The connecting side, on H's veth, in H's namespace, and gone once done.
    let up_seen = seen(&all, "the uploading client", up_pid)?;
    within("upload, client sent", up_seen.sent, up)?;
    let down_seen = seen(&all, "the downloading client", down_pid)?;
    within("download, client received", down_seen.recv, down)?;
    for (what, s) in [("upload client", up_seen), ("download client", down_seen)] {
        let expected = BTreeSet::from([(h_cookie, h_if)]);
        if s.places != expected || !s.exited {
            return Err(err(format!(
                "{what}: {s:?}, expected on {expected:?} and exited"
            )));
        }
    }
    // The accepting side, on P's veth (another namespace).
    let srv = seen(&all, "the upload server", up_srv.child.pid())?;
    let payload = up + short as u64 * each;
    within(
        "upload + short connections, server received",
        srv.recv,
        payload,
    )?;
    let srv_dev: BTreeSet<u32> = srv.places.iter().map(|p| p.1).collect();
    if srv_dev != BTreeSet::from([p_if]) || srv.exited {
        return Err(err(format!(
            "upload server: {srv:?}, expected on ifindex {p_if}, live"
        )));
    }
    let srv = seen(&all, "the download server", down_srv.child.pid())?;
    within("download, server sent", srv.sent, down)?;
    // Loopback: the client's bytes leave, the server's arrive, both on lo. Segments there
    // are as large as the receiver drains them (64 KiB MTU), so headers are no fixed share:
    // under a loaded CI run they came to 11% (segments of ~470 B). lo's own counters,
    // checked above, are the exact account; here each side must own its payload.
    let lo_seen = seen(&all, "the loopback client", lo_pid)?;
    within_slack("loopback, client sent", lo_seen.sent, lo, LO_SLACK)?;
    let lo_srv_seen = seen(&all, "the loopback server", lo_srv.child.pid())?;
    within_slack("loopback, server received", lo_srv_seen.recv, lo, LO_SLACK)?;
    if lo_seen.places != BTreeSet::from([(h_cookie, lo_if)]) {
        return Err(err(format!(
            "loopback client: {lo_seen:?}, expected on lo ({lo_if})"
        )));
    }
    // Short-lived processes: every one's bytes, every one marked gone.
    for (i, pid) in short_pids.iter().enumerate() {
        let s = seen(&all, &format!("short-lived client {i}"), *pid)?;
        within(&format!("short-lived client {i} sent"), s.sent, each)?;
        if !s.exited {
            return Err(err(format!(
                "short-lived client {i} (pid {pid}) not marked exit"
            )));
        }
    }
    // Unconnected UDP, sender and receiver.
    let s = seen(&all, "the sendto process", udp_pid)?;
    within("sendto, sender sent", s.sent, udp)?;
    if !s.exited || !s.comms.contains("python3") {
        return Err(err(format!(
            "sendto process: {s:?}, expected python3, exited"
        )));
    }
    let s = seen(&all, "the UDP sink", sink.child.pid())?;
    within("UDP sink received", s.recv, udp)?;
    let counters = h.seen.iter().rev().find(|l| l.starts_with("counters "));
    eprintln!("last counters: {counters:?}");
    Ok(())
}

/// Whether the kernel still has a BPF program with this id (bpftool says so).
fn prog_exists(id: &str) -> bool {
    let out = Command::new("bpftool")
        .args(["prog", "show", "id", id])
        .output();
    let out = out.unwrap_or_else(|e| panic!("cannot run bpftool (apt-get install bpftool): {e}"));
    out.status.success()
}

#[test]
fn ebpf_helper_drops_root_and_when_killed_leaves_no_program_loaded() -> Result<()> {
    let (mut h, _) = start_ebpf(None);
    let ids: Vec<String> = h
        .seen
        .iter()
        .filter_map(|l| l.strip_prefix("prog "))
        .filter_map(|l| l.split(' ').nth(1))
        .map(String::from)
        .collect();
    if ids.len() < 3 {
        return Err(err(format!("fewer than 3 programs reported: {:?}", h.seen)));
    }
    for id in &ids {
        if !prog_exists(id) {
            return Err(err(format!("program {id} not seen while the helper runs")));
        }
    }
    // Attached: the helper is `nobody` with only cap_bpf (bit 39), and stays so.
    let status = std::fs::read_to_string(format!("/proc/{}/status", h.child.id()))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let seen = [
        field("Uid:"),
        field("Gid:"),
        field("CapEff:"),
        field("CapPrm:"),
        field("NoNewPrivs:"),
    ];
    let want = [
        "65534 65534 65534 65534",
        "65534 65534 65534 65534",
        "0000008000000000",
        "0000008000000000",
        "1",
    ];
    if seen != want {
        return Err(err(format!(
            "the attached helper runs as {seen:?}, expected {want:?}"
        )));
    }
    h.child
        .kill()
        .map_err(|e| err(format!("cannot kill the helper: {e}")))?;
    h.wait_exit(WAIT);
    // The kernel frees programs once their last reference (our fds, the links) is gone;
    // that may take a moment after the process is reaped.
    crate::support::wait_until("the helper's programs to be freed", WAIT, || {
        ids.iter().all(|id| !prog_exists(id)).then_some(())
    })
}

/// Over IPv6 loopback: a server process (forked first), and a client that sends 100 kB,
/// waits until the server has it all (reads `k`), forks, and lets its child read `g` and
/// then send 200 kB on the same socket. Prints `SERVER PARENT CHILD` (pids) at the end.
const INHERITED: &str = "import os, socket
srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
srv.bind(('::1', 0))
srv.listen(1)
server = os.fork()
if server == 0:
    conn, _ = srv.accept()
    got = 0
    for want, reply in ((100_000, b'kg'), (300_000, b'k')):
        while got < want:
            data = conn.recv(65536)
            if not data:
                os._exit(1)
            got += len(data)
        conn.sendall(reply)
    while conn.recv(65536):
        pass
    os._exit(0)
c = socket.create_connection(('::1', srv.getsockname()[1]))
srv.close()
c.sendall(b'p' * 100_000)
c.recv(1)
child = os.fork()
if child == 0:
    c.recv(1)
    c.sendall(b'c' * 200_000)
    c.recv(1)
    os._exit(0)
os.waitpid(child, 0)
c.close()
os.waitpid(server, 0)
print(server, os.getpid(), child, flush=True)
";

/// A socket shared with a child (fork) is charged to the process that last sent or received
/// on it, from the end of that call on (Linux ≥ 6.3; without the send/recv hooks it all
/// goes to the socket's creator): the parent for its 100 kB, the child for its 200 kB once
/// it has read a byte. IPv6 too. Known gap (docs/ebpf.md): had the child sent first,
/// the bytes of that first send would be the parent's (the hook runs after the packets left).
#[test]
fn ebpf_charges_an_inherited_socket_to_the_process_using_it() -> Result<()> {
    let ns = super::Netns::new(false);
    let (mut h, _) = start_ebpf(None);
    let argv = ["/usr/bin/python3", "-c", INHERITED];
    let mut script = Child::spawn("ebpf-inherited", Some(&ns.0), &argv)?;
    script.wait_success(CLIENT)?;
    let line = script.lines().next_line(WAIT)?.unwrap_or_default();
    let pids: Vec<u32> = line.split(' ').filter_map(|p| p.parse().ok()).collect();
    let [server, parent, child] = pids[..] else {
        return Err(err(format!("the script printed {line:?}, not 3 pids")));
    };
    settle(&mut h);
    let all = tally(&h.seen);
    within(
        "parent sent",
        seen(&all, "the parent", parent)?.sent,
        100_000,
    )?;
    within("child sent", seen(&all, "the child", child)?.sent, 200_000)?;
    within(
        "server received",
        seen(&all, "the server", server)?.recv,
        300_000,
    )?;
    Ok(())
}

/// `name=<n>` of the last `counters` line.
fn counter(lines: &[String], name: &str) -> Result<u64> {
    let line = lines.iter().rev().find(|l| l.starts_with("counters "));
    let line = line.ok_or_else(|| err("no counters line"))?;
    let value = line
        .split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")));
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| err(format!("no {name} in {line:?}")))
}

/// A traffic map far too small (`--traffic-entries 4`, drained only at the end): inserts
/// fail and are counted with the bytes they carried (`traffic_full`, `lost_bytes`). What was
/// reported for our processes is never more than they moved, and with the lost bytes it
/// covers both sides of every payload byte (loopback: the client's egress, the server's
/// ingress). Other processes of the machine compete for the 4 entries too; the checks hold
/// whoever gets them.
#[test]
fn ebpf_a_full_traffic_map_is_counted_not_silent() -> Result<()> {
    let ns = super::Netns::new(false);
    let unpaced = ["--rate", "0"];
    let mut srv = GenServer::start("ebpf-full-srv", &ns.0, "tcp-server", "127.0.0.1", &unpaced)?;
    let entries = ["--interval", "60", "--traffic-entries", "4"];
    let (mut h, _) = start_ebpf_with(None, &entries);
    let (n, each) = (12, 100_000u64);
    let target = format!("127.0.0.1:{}", srv.port);
    let mut pids = Vec::new();
    for i in 0..n {
        let send = args(&["--send-bytes", &each.to_string()]);
        pids.push(client(&format!("ebpf-full-{i}"), &ns.0, &target, &send)?);
    }
    conns_done(&mut srv, n)?;
    // Stdin EOF: the helper prints its last block and exits.
    h.stdin = None;
    if !h.wait_exit(WAIT).success() {
        return Err(err(format!("the helper failed: {}", h.stderr())));
    }
    while let Ok(line) = h.out.recv_timeout(Duration::from_millis(500)) {
        h.seen.push(line);
    }
    let all = tally(&h.seen);
    let sent: u64 = pids.iter().filter_map(|p| all.get(p)).map(|s| s.sent).sum();
    let recv = all.get(&srv.child.pid()).map_or(0, |s| s.recv);
    let (full, lost) = (
        counter(&h.seen, "traffic_full")?,
        counter(&h.seen, "lost_bytes")?,
    );
    let payload = n as u64 * each;
    eprintln!("reported: clients sent {sent} B, server received {recv} B; {full} failed inserts, {lost} B lost");
    if full == 0 || lost == 0 {
        return Err(err(format!(
            "a full map went unnoticed: traffic_full={full} lost_bytes={lost}"
        )));
    }
    let max = payload + (payload as f64 * SLACK) as u64;
    if sent > max || recv > max {
        return Err(err(format!(
            "over-reported: sent {sent}, received {recv}, at most {max}"
        )));
    }
    if sent + recv + lost < 2 * payload {
        return Err(err(format!(
            "bytes vanished: {sent} sent + {recv} received + {lost} lost < 2 × {payload}"
        )));
    }
    Ok(())
}
