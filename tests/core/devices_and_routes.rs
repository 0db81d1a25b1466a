//! End-to-end tests of which devices hogwatch follows and of the privilege routes that
//! fail, run against the real binary:
//!
//! * loopback is followed only with `--include-loopback` (and its nethogs gets `-a`);
//! * a device that comes up while hogwatch runs is picked up (the helper restarts every
//!   nethogs with the new set), and one that goes away leaves the helper's set;
//! * as `nobody`, `--elevate pkexec` and `--elevate sudo` run the real pkexec / sudo,
//!   which fail here (no polkit daemon or agent, sudo needs a password): hogwatch ends up
//!   totals-only with a status that says why, and leaves no helper or nethogs behind.
//!
//! Every hogwatch run gets its own temporary HOME and XDG directories and runs inside its
//! own network namespace; nethogs processes are told apart by namespace, so tests running
//! in parallel never see each other's. Every child is bounded by a deadline and stopped by
//! pid when the test ends, also on failure. The tests need root (namespaces, nethogs) and
//! panic with a clear message otherwise: they never skip silently.

use crate::support;

use serde_json::Value;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};
use support::cli::{hog_argv, nobody_bins, refs, tail, AS_NOBODY};
use support::home::Home;
use support::netns::{veth_pair, Pair};
use support::{
    err, find_pids, nethogs_pids_for, proc_cmdline, require_root_and_nethogs, run, run_ok,
    signal_pid, wait_until, Child, CmdOutput, Deadline, Netns, Result,
};

const HOGWATCH: &str = env!("CARGO_BIN_EXE_hogwatch");
const NOBODY: u32 = 65534;
/// Prefix of each test's temporary HOME.
const HOME_PREFIX: &str = "hogwatch-dev-";

// ------------------------------------------------------------------ processes by netns

/// Inode of a named network namespace (what `/proc/PID/ns/net` links to).
fn netns_inode(ns: &Netns) -> Result<u64> {
    let path = format!("/run/netns/{}", ns.name());
    std::fs::metadata(&path)
        .map(|m| m.ino())
        .map_err(|e| err(format!("cannot stat {path}: {e}")))
}

fn in_netns(pid: u32, ino: u64) -> bool {
    std::fs::read_link(format!("/proc/{pid}/ns/net"))
        .is_ok_and(|l| l.to_str() == Some(format!("net:[{ino}]").as_str()))
}

/// Pids of nethogs processes for `dev` inside the namespace with inode `ino`.
fn ns_nethogs(ino: u64, dev: &str) -> Vec<u32> {
    nethogs_pids_for(dev)
        .into_iter()
        .filter(|p| in_netns(*p, ino))
        .collect()
}

/// Every live process inside the namespace, with its argv.
fn ns_processes(ino: u64) -> Vec<(u32, Vec<String>)> {
    find_pids(|_| true)
        .into_iter()
        .filter(|p| in_netns(*p, ino))
        .map(|p| (p, proc_cmdline(p)))
        .filter(|(_, argv)| !argv.is_empty())
        .collect()
}

/// Waits until nothing runs in the namespace any more (the helper and its nethogs were
/// stopped with hogwatch), failing with the list of leftovers.
fn expect_ns_empty(ino: u64, what: &str, timeout: Duration) -> Result<()> {
    wait_until(what, timeout, || ns_processes(ino).is_empty().then_some(())).map_err(|e| {
        err(format!(
            "{e}: processes left running in the namespace after hogwatch exited: {:?}",
            ns_processes(ino)
        ))
    })
}

// ---------------------------------------------------------------------- snapshot fields

fn mode(s: &Value) -> &str {
    s.get("mode").and_then(Value::as_str).unwrap_or("")
}

fn status(s: &Value) -> &str {
    s.get("status").and_then(Value::as_str).unwrap_or("")
}

/// Device names of a snapshot, sorted.
fn dev_names(s: &Value) -> Vec<String> {
    let mut v: Vec<String> = s
        .get("devices")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|d| d.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn short(s: &Value) -> String {
    let text = s.to_string();
    tail(&text, 400).to_owned()
}

// ---------------------------------------------------------------- a live hogwatch (root)

/// `hogwatch top --json …` running as root inside a namespace. Dropping it sends SIGINT
/// (hogwatch then stops its helper, which stops every nethogs) and, if it is still
/// running after 5 s, the [`Child`] guard's SIGTERM/SIGKILL.
struct LiveHog {
    child: Child,
    snaps: Vec<Value>,
    _home: Home,
}

impl LiveHog {
    fn start(tag: &str, ns: &Netns, args: &[&str]) -> Result<LiveHog> {
        let home = Home::new(HOME_PREFIX)?;
        let mut all = vec!["top", "--json"];
        all.extend_from_slice(args);
        let argv = hog_argv(&[], HOGWATCH, &home, &all);
        eprintln!("[{tag}] running in {}: {}", ns.name(), argv.join(" "));
        let child = Child::spawn(tag, Some(ns.name()), &refs(&argv))?;
        Ok(LiveHog {
            child,
            snaps: Vec::new(),
            _home: home,
        })
    }

    fn context(&self, msg: &str) -> support::Error {
        let last: Vec<String> = self.snaps.iter().rev().take(3).rev().map(short).collect();
        err(format!(
            "[{}] {msg}; last snapshots: {last:#?}; stderr tail: {}",
            self.child.tag(),
            tail(&self.child.stderr_text(), 1500)
        ))
    }

    /// Reads snapshots until `cond(latest snapshot, snapshots so far)` returns `Some`.
    /// `cond` is also evaluated between lines (at least every 100 ms), so it may watch
    /// processes too. Fails when `timeout` elapses or hogwatch ends.
    fn wait_live<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut cond: impl FnMut(&Value, usize) -> Option<T>,
    ) -> Result<T> {
        let end = Instant::now() + timeout;
        loop {
            if let Some(last) = self.snaps.last() {
                if let Some(v) = cond(last, self.snaps.len()) {
                    return Ok(v);
                }
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(
                    self.context(&format!("timed out after {timeout:?} waiting for {what}"))
                );
            }
            match self
                .child
                .lines()
                .next_line(left.min(Duration::from_millis(100)))
            {
                Ok(Some(line)) => match serde_json::from_str::<Value>(&line) {
                    Ok(v) if v.is_object() => self.snaps.push(v),
                    _ => {
                        return Err(self.context(&format!("stdout line is not a snapshot: {line}")))
                    }
                },
                Ok(None) => {
                    let st = self.child.wait_exit(Duration::from_secs(3));
                    return Err(
                        self.context(&format!("hogwatch ended ({st:?}) while waiting for {what}"))
                    );
                }
                Err(_) => {} // no line in this slice: look at the condition again
            }
        }
    }

    /// Fails if any snapshot from index `from` on is not per-process.
    fn all_per_process_since(&self, from: usize, what: &str) -> Result<()> {
        match self
            .snaps
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, s)| mode(s) != "per-process")
        {
            Some((i, s)) => Err(self.context(&format!(
                "{what}: snapshot {} has mode {:?} (status {:?}), expected per-process \
                 throughout",
                i + 1,
                mode(s),
                status(s)
            ))),
            None => Ok(()),
        }
    }

    /// SIGINT, then a clean exit (status 0, no panic) within `timeout`.
    fn finish(&mut self, timeout: Duration) -> Result<()> {
        signal_pid(self.child.pid(), "INT")?;
        let st = self.child.wait_exit(timeout)?;
        let stderr = self.child.stderr_text();
        if !st.success() || stderr.contains("panicked") {
            return Err(self.context(&format!("after SIGINT hogwatch exited with {st}")));
        }
        Ok(())
    }
}

impl Drop for LiveHog {
    fn drop(&mut self) {
        if self.child.try_status().is_none() {
            let _ = signal_pid(self.child.pid(), "INT");
            let _ = wait_until(
                "hogwatch to exit after SIGINT",
                Duration::from_secs(5),
                || self.child.try_status(),
            );
        }
        // The Child guard (dropped next) sends SIGTERM/SIGKILL if it still runs.
    }
}

// --------------------------------------------------------------- 1. loopback on request

#[test]
fn loopback_only_when_asked() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(38));
    let pair = Pair::new("lo")?;
    let ino = netns_inode(&pair.h)?;
    let veth = pair.link.dev.clone();

    // Default: every up, non-loopback device — the veth only.
    let mut hog = LiveHog::start(
        "lo-default",
        &pair.h,
        &["--count", "60", "--interval", "1", "--elevate", "none"],
    )?;
    hog.wait_live(
        "a per-process snapshot and a nethogs on the veth",
        deadline.cap(Duration::from_secs(12)),
        |s, _| (mode(s) == "per-process" && !ns_nethogs(ino, &veth).is_empty()).then_some(()),
    )?;
    // One more refresh, so the check below is not only about the very first moment.
    let seen = hog.snaps.len();
    hog.wait_live(
        "one more snapshot",
        deadline.cap(Duration::from_secs(5)),
        |_, n| (n > seen).then_some(()),
    )?;
    for (i, s) in hog.snaps.iter().enumerate() {
        let names = dev_names(s);
        if names != [veth.as_str()] && !(mode(s) == "starting" && names.is_empty()) {
            return Err(hog.context(&format!(
                "default devices: snapshot {} lists {names:?}, expected exactly [{veth}] \
                 (no lo without --include-loopback)",
                i + 1
            )));
        }
    }
    let lo_nethogs = ns_nethogs(ino, "lo");
    if !lo_nethogs.is_empty() {
        let argv: Vec<Vec<String>> = lo_nethogs.iter().map(|p| proc_cmdline(*p)).collect();
        return Err(hog.context(&format!(
            "a nethogs for lo runs without --include-loopback: {argv:?}"
        )));
    }
    hog.finish(deadline.cap(Duration::from_secs(8)))?;
    drop(hog);
    expect_ns_empty(
        ino,
        "the default run's helper and nethogs to stop",
        deadline.cap(Duration::from_secs(5)),
    )?;

    // --include-loopback: lo as well, and its nethogs is told to accept loopback (-a).
    let mut hog = LiveHog::start(
        "lo-include",
        &pair.h,
        &[
            "--count",
            "60",
            "--interval",
            "1",
            "--elevate",
            "none",
            "--include-loopback",
        ],
    )?;
    let mut want = vec![veth.clone(), "lo".to_owned()];
    want.sort();
    let lo_argv = hog.wait_live(
        "a per-process snapshot listing lo and the veth, with a nethogs for each",
        deadline.cap(Duration::from_secs(12)),
        |s, _| {
            if mode(s) != "per-process" || dev_names(s) != want {
                return None;
            }
            if ns_nethogs(ino, &veth).is_empty() {
                return None;
            }
            ns_nethogs(ino, "lo").first().map(|p| proc_cmdline(*p))
        },
    )?;
    if !lo_argv.iter().any(|a| a == "-a") {
        return Err(hog.context(&format!(
            "the nethogs for lo runs without -a (nethogs ignores loopback devices without it): \
             {lo_argv:?}"
        )));
    }
    hog.finish(deadline.cap(Duration::from_secs(8)))?;
    drop(hog);
    expect_ns_empty(
        ino,
        "the loopback run's helper and nethogs to stop",
        deadline.cap(Duration::from_secs(5)),
    )?;
    Ok(())
}

// ------------------------------------------------------------ 2. devices come and go

#[test]
fn new_device_is_picked_up() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(39));
    let mut pair = Pair::new("add")?;
    let ino = netns_inode(&pair.h)?;
    let a = pair.link.dev.clone();

    let mut hog = LiveHog::start(
        "add",
        &pair.h,
        &["--count", "90", "--interval", "1", "--elevate", "none"],
    )?;
    let a_before = hog.wait_live(
        "a per-process snapshot and a nethogs on the first device",
        deadline.cap(Duration::from_secs(12)),
        |s, _| {
            let pids = ns_nethogs(ino, &a);
            (mode(s) == "per-process" && !pids.is_empty()).then_some(pids)
        },
    )?;
    let per_process_from = hog.snaps.len() - 1;

    // A second veth pair into H, brought up while hogwatch runs.
    let b = pair.h.dev_name("b")?;
    let q = pair.h.dev_name("q")?;
    let added = Instant::now();
    veth_pair(&mut pair.h, &b, &pair.p, &q)?;
    let (b_pids, a_after_add) = hog
        .wait_live(
            "the new device in a snapshot, a nethogs on it, and the first device's nethogs \
         restarted",
            deadline.cap(Duration::from_secs(15)),
            |s, _| {
                if !dev_names(s).contains(&b) {
                    return None;
                }
                let bp = ns_nethogs(ino, &b);
                let ap = ns_nethogs(ino, &a);
                let restarted = !ap.is_empty() && ap.iter().all(|p| !a_before.contains(p));
                (!bp.is_empty() && restarted).then_some((bp, ap))
            },
        )
        .map_err(|e| {
            err(format!(
                "{e}\nnow: nethogs on {a} {:?} (before: {a_before:?}), on {b} {:?}",
                ns_nethogs(ino, &a),
                ns_nethogs(ino, &b)
            ))
        })?;
    eprintln!(
        "picked up {b} after {:?}: nethogs {b_pids:?}; {a}: {a_before:?} -> {a_after_add:?}",
        added.elapsed()
    );
    hog.all_per_process_since(per_process_from, "while a device was added")?;

    // The second device goes away: it must leave the helper's set. The helper restarts
    // every nethogs on a new set, so the first device's nethogs is restarted again; the
    // snapshot list may keep the device while it carries bytes, so look at processes.
    let removed = Instant::now();
    run_ok(&["ip", "-n", pair.h.name(), "link", "del", &b])?;
    let n_removed = hog
        .wait_live(
            "no nethogs on the removed device, and the first device's nethogs restarted",
            deadline.cap(Duration::from_secs(15)),
            |_, n| {
                let ap = ns_nethogs(ino, &a);
                let restarted = !ap.is_empty() && ap.iter().all(|p| !a_after_add.contains(p));
                (restarted && ns_nethogs(ino, &b).is_empty()).then_some(n)
            },
        )
        .map_err(|e| {
            err(format!(
                "{e}\nnow: nethogs on {a} {:?} (after the add: {a_after_add:?}), on the \
                 removed {b} {:?}",
                ns_nethogs(ino, &a),
                ns_nethogs(ino, &b)
            ))
        })?;
    eprintln!("{b} left the helper's set after {:?}", removed.elapsed());
    // And it stays out for two more refreshes.
    let back = hog.wait_live(
        "two more snapshots without a nethogs on the removed device",
        deadline.cap(Duration::from_secs(6)),
        |_, n| {
            let bp = ns_nethogs(ino, &b);
            if !bp.is_empty() {
                Some(Some(bp))
            } else {
                (n >= n_removed + 2).then_some(None)
            }
        },
    )?;
    if let Some(pids) = back {
        return Err(hog.context(&format!(
            "a nethogs for the removed device {b} runs again: {:?}",
            pids.iter().map(|p| proc_cmdline(*p)).collect::<Vec<_>>()
        )));
    }
    if ns_nethogs(ino, &a).is_empty() {
        return Err(hog.context(&format!("no nethogs on {a} after {b} was removed")));
    }
    // Its end ("device … disappeared") is not news once it left the set: the status
    // must not keep naming it.
    if let Some(last) = hog.snaps.last() {
        if status(last).contains(b.as_str()) {
            return Err(hog.context(&format!(
                "the status still names the removed device {b}: {:?}",
                status(last)
            )));
        }
    }
    hog.all_per_process_since(per_process_from, "while a device came and went")?;
    hog.finish(deadline.cap(Duration::from_secs(8)))?;
    drop(hog);
    expect_ns_empty(
        ino,
        "the helper and nethogs to stop",
        deadline.cap(Duration::from_secs(5)),
    )?;
    Ok(())
}

// ------------------------------------------------- 3. pkexec and sudo that cannot work

/// Runs `top --json --count 4 --elevate <route>` as nobody (stdin /dev/null, so no
/// terminal for a text agent) in a fresh namespace with one veth; the real `program`
/// must fail, and hogwatch must end totals-only with a status containing `words`.
fn failing_route_as_nobody(route: &str, program: &str, package: &str, words: &str) -> Result<()> {
    require_root_and_nethogs();
    if !Path::new(program).is_file() {
        return Err(err(format!(
            "{program} is missing: this test runs the real {route}. Add the Debian package \
             `{package}` to the `packages=(…)` list in .ci/deps (and install it: \
             apt-get install -y {package})"
        )));
    }
    let deadline = Deadline::after(Duration::from_secs(30));
    let bins = nobody_bins(HOGWATCH)?;
    let exe = bins.hogwatch.to_string_lossy().into_owned();
    let pair = Pair::new(&route[..2])?;
    let ino = netns_inode(&pair.h)?;
    let dev = pair.link.dev.clone();
    let wrapper: Vec<&str> = ["ip", "netns", "exec", pair.h.name()]
        .into_iter()
        .chain(AS_NOBODY)
        .collect();
    let home = Home::owned_by(HOME_PREFIX, Some(NOBODY))?;
    let argv = hog_argv(
        &wrapper,
        &exe,
        &home,
        &[
            "top",
            "--json",
            "--count",
            "4",
            "--interval",
            "1",
            "--elevate",
            route,
        ],
    );
    eprintln!("running: {}", argv.join(" "));
    let out: CmdOutput = run(&refs(&argv), deadline.cap(Duration::from_secs(20)))?;
    let what = format!("top as nobody, --elevate {route}");
    if out.status.code() == Some(101) || out.stderr.contains("panicked") {
        return Err(err(format!(
            "{what}: hogwatch panicked ({}):\n{}",
            out.status,
            tail(&out.stderr, 3000)
        )));
    }
    if !out.status.success() {
        return Err(err(format!(
            "{what}: exited with {}; stderr:\n{}",
            out.status,
            tail(&out.stderr, 3000)
        )));
    }
    let mut snaps = Vec::new();
    for line in out.stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| err(format!("{what}: stdout line is not JSON ({e}): {line}")))?;
        snaps.push(v);
    }
    let all: Vec<String> = snaps
        .iter()
        .map(|s| format!("{} {:?}", mode(s), status(s)))
        .collect();
    if snaps.len() != 4 {
        return Err(err(format!(
            "{what}: --count 4 printed {} snapshots: {all:#?}",
            snaps.len()
        )));
    }
    if let Some(s) = snaps.iter().find(|s| {
        mode(s) == "per-process"
            || s.get("processes")
                .and_then(Value::as_array)
                .is_some_and(|p| !p.is_empty())
    }) {
        return Err(err(format!(
            "{what}: nobody got per-process data (did {program} succeed?): {}",
            short(s)
        )));
    }
    let last = snaps.last().ok_or("no snapshot")?;
    if mode(last) != "totals-only" || !status(last).contains(words) {
        return Err(err(format!(
            "{what}: within 4 refreshes expected mode totals-only with a status containing \
             {words:?} (privilege::explain_exit for the failed {route}); got {all:#?}\n\
             stderr:\n{}",
            tail(&out.stderr, 2000)
        )));
    }
    if !dev_names(last).contains(&dev) {
        return Err(err(format!(
            "{what}: device {dev} not listed in totals-only mode: {}",
            short(last)
        )));
    }

    // Nothing of this run may still be running: no helper, no nethogs, nothing in H.
    let leftovers = || {
        let mut v: Vec<(u32, Vec<String>)> = find_pids(|argv| {
            argv.iter().any(|a| a.ends_with("hogwatch-helper")) && argv.iter().any(|a| a == &dev)
        })
        .into_iter()
        .chain(nethogs_pids_for(&dev))
        .map(|p| (p, proc_cmdline(p)))
        .collect();
        v.extend(ns_processes(ino));
        v
    };
    wait_until(
        "no helper or nethogs left",
        deadline.cap(Duration::from_secs(3)),
        || leftovers().is_empty().then_some(()),
    )
    .map_err(|e| {
        err(format!(
            "{what}: {e}; still running after hogwatch exited: {:?}",
            leftovers()
        ))
    })?;
    eprintln!("{what}: {:?}", status(last));
    Ok(())
}

#[test]
fn pkexec_without_polkit_explains_itself() -> Result<()> {
    failing_route_as_nobody(
        "pkexec",
        "/usr/bin/pkexec",
        "pkexec",
        "not authorised, or no polkit authentication agent",
    )
}

#[test]
fn sudo_without_password_explains_itself() -> Result<()> {
    failing_route_as_nobody("sudo", "/usr/bin/sudo", "sudo", "sudo needs a password")
}
