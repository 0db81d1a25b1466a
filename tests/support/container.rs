//! [`Container`]: a "container" behind the host namespace of a [`Pair`], for tests of
//! traffic that other network namespaces send through the host (issue 13: what the eBPF
//! backend does with containers).
//!
//! ```text
//!   C [c] ──veth── [h] H [dev] ──veth── [peer_dev] P
//!   (container)    (forwards)            (servers)
//! ```
//!
//! H forwards between C and P (`net.ipv4.ip_forward=1` inside H only); C's default route
//! is H, P reaches C's address through H. All addresses are link-local (the [`Pair`]'s
//! /30s), ARP is static and IPv6 off, so the devices carry only the test's traffic.
//! [`Container::spawn`] runs a program in C inside its own pid namespace as well
//! (`unshare --pid --fork`), as a container runtime would, and finds the pid the host
//! knows it by.

use super::netns::{veth_pair, Netns, Pair, VethLink};
use super::{err, wait_until, Child, Result};
use std::time::Duration;

/// H and P (the pair) and the container namespace C with its veth toward H.
pub struct Container {
    /// The container's namespace; it owns the C ↔ H veth (deleted with it).
    pub c: Netns,
    /// `dev` in C, `peer_dev` in H; `ip` is the container's address.
    pub link: VethLink,
    pub pair: Pair,
}

/// A program running in the container, in its own pid namespace.
pub struct Contained {
    /// `unshare`, in the host's pid namespace; stopping it kills the program
    /// (`--kill-child`).
    pub child: Child,
    /// The program's pid in the host's pid namespace (it is 1 in its own).
    pub host_pid: u32,
}

impl Container {
    pub fn new(role: &str) -> Result<Container> {
        let pair = Pair::new(role)?;
        let mut c = Netns::new(&format!("{role}c"))?;
        let (c_dev, h_dev) = (c.dev_name("c")?, c.dev_name("h")?);
        let link = veth_pair(&mut c, &c_dev, &pair.h, &h_dev)?;
        pair.h
            .exec(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])?;
        let via_h = link.peer_ip.to_string();
        c.exec(&[
            "ip", "route", "add", "default", "via", &via_h, "dev", &c_dev,
        ])?;
        let (to_c, via_h) = (format!("{}/32", link.ip), pair.link.ip.to_string());
        let p_dev = pair.link.peer_dev.as_str();
        pair.p
            .exec(&["ip", "route", "add", &to_c, "via", &via_h, "dev", p_dev])?;
        Ok(Container { c, link, pair })
    }

    /// Runs `argv` in C under `unshare --pid --fork --kill-child` and waits (bounded) until
    /// the program exists, to learn its host pid.
    pub fn spawn(&self, tag: &str, argv: &[&str]) -> Result<Contained> {
        let mut full = vec!["unshare", "--pid", "--fork", "--kill-child"];
        full.extend_from_slice(argv);
        let child = Child::spawn(tag, Some(self.c.name()), &full)?;
        let unshare = child.pid();
        let host_pid = wait_until(
            &format!("[{tag}] the program under unshare"),
            Duration::from_secs(10),
            || {
                let path = format!("/proc/{unshare}/task/{unshare}/children");
                let text = std::fs::read_to_string(path).ok()?;
                text.split_whitespace().next()?.parse::<u32>().ok()
            },
        )?;
        // Its own pid namespace: the host's pid first, then 1 (NSpid in /proc).
        let status = std::fs::read_to_string(format!("/proc/{host_pid}/status"))?;
        let nspid = status.lines().find_map(|l| l.strip_prefix("NSpid:"));
        let nspid: Vec<&str> = nspid.map_or_else(Vec::new, |l| l.split_whitespace().collect());
        if nspid != [host_pid.to_string().as_str(), "1"] {
            return Err(err(format!(
                "[{tag}] pid {host_pid} is not pid 1 of a pid namespace of its own: NSpid {nspid:?}"
            )));
        }
        Ok(Contained { child, host_pid })
    }
}
