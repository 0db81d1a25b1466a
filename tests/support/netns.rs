//! Network namespaces and veth pairs for real-traffic tests.
//!
//! Names are unique per test process and per call: `hwt<pid hex>x<counter hex>`, so
//! tests running in parallel (threads or processes) never collide. Device names derived
//! from that base stay ≤ 15 characters. Addresses are link-local `169.254.X.Y/30` with X
//! and Y derived from the pid and a per-process link counter; ARP is static and IPv6 is
//! disabled, so the only traffic on a veth is the traffic a test generates.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

use super::{err, parse_proc_net_dev, pid_alive, run, run_ok, DevCounters, Result, CMD_TIMEOUT};

/// Prefix of every namespace and device name created by this harness.
pub const PREFIX: &str = "hwt";

/// Longest interface name Linux accepts (IFNAMSIZ - 1).
pub const MAX_IFNAME: usize = 15;

static NS_COUNTER: AtomicU32 = AtomicU32::new(0);
static LINK_COUNTER: AtomicU32 = AtomicU32::new(0);
static STALE_CLEANUP: Once = Once::new();

/// A fresh unique base name: `hwt<pid hex>x<counter hex>` (at most 3+6+1+3 chars for
/// pid ≤ 2^22 and < 4096 namespaces per process).
pub fn unique_base() -> String {
    let n = NS_COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{PREFIX}{:x}x{:x}", std::process::id(), n)
}

/// Deletes namespaces left behind by earlier test processes that died without running
/// their destructors (SIGKILL, abort): names with our prefix whose pid no longer runs.
fn cleanup_stale_namespaces() {
    let Ok(out) = run(&["ip", "netns", "list"], CMD_TIMEOUT) else {
        return;
    };
    let me = std::process::id();
    for line in out.stdout.lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let Some((pid_hex, _)) = rest.split_once('x') else {
            continue;
        };
        let Ok(pid) = u32::from_str_radix(pid_hex, 16) else {
            continue;
        };
        if pid != me && !pid_alive(pid) {
            eprintln!("[netns] removing stale namespace {name} (pid {pid} is gone)");
            let _ = run(&["ip", "netns", "del", name], CMD_TIMEOUT);
        }
    }
}

/// A network namespace, deleted (with the veths it owns) when dropped — also on panic.
/// Processes still running inside it when it is dropped are killed by pid (they were
/// started by the test and leaked) and reported on stderr.
pub struct Netns {
    base: String,
    name: String,
    owned_links: Vec<String>,
}

impl Netns {
    /// Creates namespace `<unique base>-<role>` with `lo` up and IPv6 disabled.
    pub fn new(role: &str) -> Result<Netns> {
        STALE_CLEANUP.call_once(cleanup_stale_namespaces);
        let base = unique_base();
        let name = format!("{base}-{role}");
        run_ok(&["ip", "netns", "add", &name])?;
        // From here on the guard exists, so any failure below still deletes the namespace.
        let ns = Netns {
            base,
            name,
            owned_links: Vec::new(),
        };
        ns.disable_ipv6()?;
        run_ok(&["ip", "-n", &ns.name, "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    fn disable_ipv6(&self) -> Result<()> {
        let res = self.exec(&[
            "sysctl",
            "-q",
            "-w",
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ]);
        match res {
            Ok(_) => Ok(()),
            Err(e) => {
                // Without IPv6 in the kernel the sysctls do not exist: nothing to disable.
                if self.exec(&["test", "-d", "/proc/sys/net/ipv6"]).is_err() {
                    Ok(())
                } else {
                    Err(e)
                }
            }
        }
    }

    /// The namespace's name (for `ip netns exec`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The unique base the namespace name was built from (`hwt…`), usable as a prefix
    /// for device names.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A device name `<base><suffix>`, checked against the 15-character limit.
    pub fn dev_name(&self, suffix: &str) -> Result<String> {
        let name = format!("{}{}", self.base, suffix);
        if name.len() > MAX_IFNAME {
            return Err(err(format!(
                "device name {name} is longer than {MAX_IFNAME} characters"
            )));
        }
        Ok(name)
    }

    /// Runs `argv` inside the namespace (bounded), returning stdout; fails on non-zero
    /// exit.
    pub fn exec(&self, argv: &[&str]) -> Result<String> {
        let mut full = vec!["ip", "netns", "exec", self.name.as_str()];
        full.extend_from_slice(argv);
        run_ok(&full)
    }

    /// Byte counters of every device, read from `/proc/net/dev` inside the namespace.
    pub fn proc_net_dev(&self) -> Result<HashMap<String, DevCounters>> {
        let text = self.exec(&["cat", "/proc/net/dev"])?;
        Ok(parse_proc_net_dev(&text))
    }

    /// Counters of one device inside the namespace.
    pub fn dev_counters(&self, dev: &str) -> Result<DevCounters> {
        self.proc_net_dev()?
            .get(dev)
            .copied()
            .ok_or_else(|| err(format!("no device {dev} in /proc/net/dev of {}", self.name)))
    }

    /// Pids of processes running inside the namespace.
    pub fn pids(&self) -> Vec<u32> {
        match run(&["ip", "netns", "pids", &self.name], CMD_TIMEOUT) {
            Ok(out) => out
                .stdout
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for pid in self.pids() {
            let argv = super::proc_cmdline(pid);
            eprintln!(
                "[netns {}] process {pid} {argv:?} still running at teardown: SIGKILL",
                self.name
            );
            let _ = super::signal_pid(pid, "KILL");
        }
        for dev in &self.owned_links {
            let _ = run(&["ip", "-n", &self.name, "link", "del", dev], CMD_TIMEOUT);
        }
        match run(&["ip", "netns", "del", &self.name], CMD_TIMEOUT) {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "[netns] cannot delete namespace {}: {}",
                self.name,
                out.stderr.trim()
            ),
            Err(e) => eprintln!("[netns] cannot delete namespace {}: {e}", self.name),
        }
    }
}

/// One veth pair between two namespaces.
#[derive(Clone, Debug)]
pub struct VethLink {
    /// Device name in the first namespace.
    pub dev: String,
    /// Device name in the peer namespace.
    pub peer_dev: String,
    pub ip: Ipv4Addr,
    pub peer_ip: Ipv4Addr,
    pub mac: String,
    pub peer_mac: String,
}

/// Creates a veth pair `a_dev` (in `a`) ↔ `b_dev` (in `b`) with fixed `02:…` MACs,
/// addresses `169.254.X.Y+1/30` and `169.254.X.Y+2/30`, static ARP both ways, links up.
/// The pair is owned by `a` (deleted with it).
pub fn veth_pair(a: &mut Netns, a_dev: &str, b: &Netns, b_dev: &str) -> Result<VethLink> {
    for d in [a_dev, b_dev] {
        if d.len() > MAX_IFNAME {
            return Err(err(format!("device name {d} is longer than {MAX_IFNAME}")));
        }
    }
    let n = LINK_COUNTER.fetch_add(1, Ordering::SeqCst);
    // 254 * 64 /30 subnets in 169.254.1.0 - 169.254.254.255.
    let k = (u64::from(std::process::id()) * 37 + u64::from(n)) % (254 * 64);
    let x = 1 + (k / 64) as u8;
    let y = ((k % 64) * 4) as u8;
    let ip = Ipv4Addr::new(169, 254, x, y + 1);
    let peer_ip = Ipv4Addr::new(169, 254, x, y + 2);
    let mac = format!("02:68:77:{x:02x}:{y:02x}:01");
    let peer_mac = format!("02:68:77:{x:02x}:{y:02x}:02");

    run_ok(&[
        "ip",
        "link",
        "add",
        a_dev,
        "netns",
        a.name(),
        "address",
        &mac,
        "type",
        "veth",
        "peer",
        "name",
        b_dev,
        "netns",
        b.name(),
        "address",
        &peer_mac,
    ])?;
    a.owned_links.push(a_dev.to_owned());
    let link = VethLink {
        dev: a_dev.to_owned(),
        peer_dev: b_dev.to_owned(),
        ip,
        peer_ip,
        mac,
        peer_mac,
    };
    for (ns, dev, addr, other_ip, other_mac) in [
        (a.name(), a_dev, ip, peer_ip, &link.peer_mac),
        (b.name(), b_dev, peer_ip, ip, &link.mac),
    ] {
        let cidr = format!("{addr}/30");
        run_ok(&["ip", "-n", ns, "addr", "add", &cidr, "dev", dev])?;
        run_ok(&["ip", "-n", ns, "link", "set", dev, "up"])?;
        run_ok(&[
            "ip",
            "-n",
            ns,
            "neigh",
            "replace",
            &other_ip.to_string(),
            "lladdr",
            other_mac,
            "dev",
            dev,
            "nud",
            "permanent",
        ])?;
    }
    Ok(link)
}

/// The standard two-device topology:
///
/// ```text
///   P1 [peer_dev] ──veth── [A] H [B] ──veth── [peer_dev] P2
/// ```
///
/// H is the "host under test" (run hogwatch and clients there), P1 and P2 run servers.
/// Fields drop in declaration order: H first (taking both veth pairs with it).
pub struct Topology {
    pub h: Netns,
    pub p1: Netns,
    pub p2: Netns,
    pub a: VethLink,
    pub b: VethLink,
}

impl Topology {
    pub fn new() -> Result<Topology> {
        let mut h = Netns::new("h")?;
        let p1 = Netns::new("p1")?;
        let p2 = Netns::new("p2")?;
        let a_dev = h.dev_name("a")?;
        let b_dev = h.dev_name("b")?;
        let pa_dev = h.dev_name("pa")?;
        let pb_dev = h.dev_name("pb")?;
        let a = veth_pair(&mut h, &a_dev, &p1, &pa_dev)?;
        let b = veth_pair(&mut h, &b_dev, &p2, &pb_dev)?;
        Ok(Topology { h, p1, p2, a, b })
    }
}

/// A host namespace H with one veth device toward a peer namespace P. Fields drop in
/// order: H (with its veth) first.
pub struct Pair {
    pub h: Netns,
    pub p: Netns,
    pub link: VethLink,
}

impl Pair {
    pub fn new(role: &str) -> Result<Pair> {
        let mut h = Netns::new(role)?;
        let p = Netns::new(&format!("{role}p"))?;
        let dev = h.dev_name("a")?;
        let peer = h.dev_name("p")?;
        let link = veth_pair(&mut h, &dev, &p, &peer)?;
        Ok(Pair { h, p, link })
    }
}

/// Runs `f` on a thread of its own that has joined network namespace `ns` (created by
/// `ip netns add`, so named in /run/netns): for talking to a server that listens on the
/// namespace's loopback. The test's other threads stay where they are.
pub fn in_netns<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> Result<T> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(format!("/run/netns/{ns}"))?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                #[allow(unsafe_code)]
                // SAFETY: setns(2) takes a file descriptor we own (open for the whole call)
                // and a namespace type; it changes only the calling thread's network
                // namespace, and this thread is ours, ending with the scope.
                let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
                if rc != 0 {
                    return Err(err(format!(
                        "setns into {ns}: {}",
                        std::io::Error::last_os_error()
                    )));
                }
                Ok(f())
            })
            .join()
            .map_err(|_| err(format!("the thread in {ns} panicked")))?
    })
}
