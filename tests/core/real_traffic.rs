//! Acceptance tests for per-process accounting with real traffic.
//!
//! Each test builds its own namespaces (see `support::netns::Topology`):
//!
//! ```text
//!   P1 (servers) ──veth── [A] H [B] ──veth── P2 (servers)
//! ```
//!
//! and runs the real product inside H:
//! `hogwatch top --json --elevate none --interval 1 --devices A,B --count N`
//! (as root `--elevate none` runs `hogwatch-helper` directly, which runs one nethogs per
//! device). Clients in H move known payloads with `tests/support/tcpgen.py`; the test
//! compares hogwatch's per-process and per-device figures with the payloads and with
//! H's `/proc/net/dev`.
//!
//! Requires root, nethogs, iproute2 and python3 (panics otherwise; never skips).

use crate::support;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use support::home::Home;
use support::snapshot::{ProcUsage, Snapshot};
use support::{
    err, json_u64, nethogs_pids_for, parse_event, require_root_and_nethogs, tcpgen_path, unix_ms,
    wait_client_done, wait_until, Child, Deadline, DevCounters, GenDone, GenServer, Result,
    Topology,
};

// ------------------------------------------------------------------------------ hogwatch

/// `hogwatch top --json` running inside H, with every snapshot read so far.
struct Hogwatch {
    child: Child,
    snaps: Vec<Snapshot>,
    devices: Vec<String>,
    /// The test's deadline: caps every wait.
    deadline: Deadline,
    _home: Home,
}

impl Hogwatch {
    /// Starts hogwatch in `ns` on `devices` for at most `count` refreshes, with a fresh
    /// temporary HOME (its own XDG directories, so its own collector: tests running in
    /// parallel never attach to each other).
    fn start(ns: &str, devices: &[&str], count: u32, deadline: Deadline) -> Result<Hogwatch> {
        let home = Home::new("hogwatch-traffic-")?;
        let pairs = home.env();
        let env: Vec<(&str, &str)> = pairs.iter().filter_map(|kv| kv.split_once('=')).collect();
        let devs = devices.join(",");
        let count = count.to_string();
        let argv = [
            env!("CARGO_BIN_EXE_hogwatch"),
            "top",
            "--json",
            "--elevate",
            "none",
            "--interval",
            "1",
            "--devices",
            devs.as_str(),
            "--count",
            count.as_str(),
        ];
        eprintln!("starting in {ns}: {}", argv.join(" "));
        let child = Child::spawn_env("hogwatch", Some(ns), &argv, &env)?;
        Ok(Hogwatch {
            child,
            snaps: Vec::new(),
            devices: devices.iter().map(|d| (*d).to_owned()).collect(),
            deadline,
            _home: home,
        })
    }

    /// The next snapshot (non-JSON lines are logged and skipped).
    fn next(&mut self, timeout: Duration) -> Result<&Snapshot> {
        let timeout = self.deadline.cap(timeout);
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.child.lines().next_line(left) {
                Ok(Some(line)) => line,
                Ok(None) => {
                    let status = self.child.wait_exit(Duration::from_secs(5));
                    return Err(err(format!(
                        "hogwatch's output ended after {} snapshots (exit: {status:?}); \
                         stderr:\n{}",
                        self.snaps.len(),
                        self.child.stderr_text()
                    )));
                }
                Err(e) => {
                    return Err(err(format!(
                        "no snapshot from hogwatch within {timeout:?} ({e}; {:?} left of the \
                         test's {:?} budget); stderr:\n{}",
                        self.deadline.left(),
                        self.deadline.total(),
                        self.child.stderr_text()
                    )))
                }
            };
            let trimmed = line.trim();
            if !trimmed.starts_with('{') {
                eprintln!("[hogwatch stdout, not JSON] {line}");
                continue;
            }
            let snap: Snapshot = serde_json::from_str(trimmed).map_err(|e| {
                err(format!(
                    "hogwatch printed a line that does not follow the snapshot contract \
                     ({e}):\n{line}"
                ))
            })?;
            self.snaps.push(snap);
            return self
                .snaps
                .last()
                .ok_or_else(|| err("internal: snapshot vanished"));
        }
    }

    /// Reads snapshots until one satisfies `pred`.
    fn wait_snapshot(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&Snapshot) -> bool,
    ) -> Result<Snapshot> {
        let timeout = self.deadline.cap(timeout);
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(err(format!(
                    "timed out after {timeout:?} waiting for a snapshot with {what}; last: {}",
                    self.last_summary()
                )));
            }
            let snap = self
                .next(left)
                .map_err(|e| err(format!("waiting for a snapshot with {what}: {e}")))?;
            if pred(snap) {
                return Ok(snap.clone());
            }
        }
    }

    /// Waits until hogwatch attributes per process: a first snapshot, one in
    /// `per-process` mode with both nethogs running, then two more refreshes so that
    /// nethogs has surely opened its capture before any test traffic starts.
    fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        self.next(Duration::from_secs(20))
            .map_err(|e| err(format!("first snapshot: {e}")))?;
        eprintln!("first snapshot after {:?}", started.elapsed());
        let devices = self.devices.clone();
        self.wait_snapshot("mode per-process", Duration::from_secs(20), |s| {
            s.mode == "per-process"
        })?;
        for dev in &devices {
            wait_until(
                &format!("a nethogs process for {dev}"),
                self.deadline.cap(Duration::from_secs(10)),
                || (!nethogs_pids_for(dev).is_empty()).then_some(()),
            )?;
        }
        for _ in 0..2 {
            self.next(Duration::from_secs(10))?;
        }
        eprintln!("hogwatch ready after {:?}", started.elapsed());
        Ok(())
    }

    /// Reads snapshots until `n` of them have `ts` strictly after `after_ms`; returns the
    /// last one.
    fn refreshes_after(&mut self, after_ms: u64, n: usize) -> Result<Snapshot> {
        let mut seen = 0;
        let deadline = Instant::now() + Duration::from_secs(5 * n as u64 + 5);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let snap = self.next(left)?;
            if snap.ts > after_ms {
                seen += 1;
                if seen == n {
                    return Ok(snap.clone());
                }
            }
        }
    }

    /// The last snapshot that lists `pid`, if any.
    fn last_with_pid(&self, pid: u32) -> Option<(&Snapshot, &ProcUsage)> {
        self.snaps
            .iter()
            .rev()
            .find_map(|s| s.process(pid).map(|p| (s, p)))
    }

    fn last_summary(&self) -> String {
        match self.snaps.last() {
            Some(s) => format!(
                "ts {} (interval {} ms) mode {} status {:?}, {} processes, devices {:?}",
                s.ts,
                s.interval_ms,
                s.mode,
                s.status,
                s.processes.len(),
                s.devices
                    .iter()
                    .map(|d| (&d.name, d.usage.up_bytes, d.usage.down_bytes))
                    .collect::<Vec<_>>()
            ),
            None => "none".to_owned(),
        }
    }

    /// Stops hogwatch and reports (without failing) any nethogs it left behind.
    fn stop(mut self) {
        self.child.stop();
        for dev in &self.devices {
            let left = wait_until(
                &format!("nethogs for {dev} to exit after hogwatch stopped"),
                Duration::from_secs(5),
                || nethogs_pids_for(dev).is_empty().then_some(()),
            );
            if let Err(e) = left {
                eprintln!("WARNING: {e}: still running {:?}", nethogs_pids_for(dev));
            }
        }
    }
}

// ------------------------------------------------------------------------------- clients

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Up,
    Down,
}

/// A tcpgen client with what it must show in hogwatch.
struct Client {
    tag: &'static str,
    child: Child,
    /// argv[0] hogwatch must report as the process name.
    name: String,
    device: String,
    dir: Dir,
    payload: u64,
    done: Option<GenDone>,
}

impl Client {
    #[allow(clippy::too_many_arguments)]
    fn start(
        tag: &'static str,
        ns: &str,
        prog: &str,
        device: &str,
        dir: Dir,
        payload: u64,
        sub: &str,
        args: &[String],
    ) -> Result<Client> {
        let script = tcpgen_path().to_string_lossy().into_owned();
        let mut argv: Vec<&str> = vec![prog, script.as_str(), sub];
        argv.extend(args.iter().map(String::as_str));
        argv.extend(["--timeout", "40"]);
        let child = Child::spawn(tag, Some(ns), &argv)?;
        Ok(Client {
            tag,
            child,
            name: prog.to_owned(),
            device: device.to_owned(),
            dir,
            payload,
            done: None,
        })
    }

    /// Waits for the client's result and checks it moved exactly its payload.
    fn finish(&mut self, timeout: Duration) -> Result<()> {
        let done = wait_client_done(&mut self.child, timeout)?;
        let moved = match self.dir {
            Dir::Up => done.sent,
            Dir::Down => done.received,
        };
        if moved != self.payload {
            return Err(err(format!(
                "{}: tcpgen moved {moved} B instead of {} B: {done:?}",
                self.tag, self.payload
            )));
        }
        self.done = Some(done);
        Ok(())
    }
}

// ---------------------------------------------------------------------------- assertions

/// Collects failed checks so that every figure is printed before the test fails.
#[derive(Default)]
struct Checks {
    failures: Vec<String>,
}

impl Checks {
    fn check(&mut self, ok: bool, msg: String) {
        if ok {
            eprintln!("  ok    {msg}");
        } else {
            eprintln!("  FAIL  {msg}");
            self.failures.push(msg);
        }
    }

    fn finish(self) -> Result<()> {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(err(format!(
                "{} check(s) failed:\n  {}",
                self.failures.len(),
                self.failures.join("\n  ")
            )))
        }
    }
}

fn pct(reported: u64, truth: u64) -> f64 {
    if truth == 0 {
        if reported == 0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        (reported as f64 - truth as f64) * 100.0 / truth as f64
    }
}

/// `payload ≤ reported ≤ payload × 1.05`.
fn within_plus_5pct(reported: u64, payload: u64) -> bool {
    reported >= payload && u128::from(reported) * 100 <= u128::from(payload) * 105
}

/// `|reported − truth| ≤ 0.1 % of truth`.
fn within_0_1pct(reported: u64, truth: u64) -> bool {
    u128::from(reported.abs_diff(truth)) * 1000 <= u128::from(truth)
}

fn dev_delta(
    before: &HashMap<String, DevCounters>,
    after: &HashMap<String, DevCounters>,
    dev: &str,
) -> Result<DevCounters> {
    let (Some(b), Some(a)) = (before.get(dev), after.get(dev)) else {
        return Err(err(format!("device {dev} missing from /proc/net/dev")));
    };
    Ok(DevCounters {
        rx_bytes: a.rx_bytes.saturating_sub(b.rx_bytes),
        tx_bytes: a.tx_bytes.saturating_sub(b.tx_bytes),
    })
}

/// Device totals of the final snapshot against `/proc/net/dev` deltas (0.1 %), the
/// internal consistency of the snapshot (total = Σ devices, attributed + unattributed =
/// total, 0.1 %), and sane rates in every snapshot.
fn check_devices(
    checks: &mut Checks,
    snaps: &[Snapshot],
    last: &Snapshot,
    devices: &[&str],
    before: &HashMap<String, DevCounters>,
    after: &HashMap<String, DevCounters>,
) -> Result<()> {
    eprintln!("device totals (hogwatch last snapshot vs /proc/net/dev delta in H):");
    for dev in devices {
        let delta = dev_delta(before, after, dev)?;
        let Some(rep) = last.device(dev) else {
            checks.check(
                false,
                format!("device {dev} missing from the last snapshot"),
            );
            continue;
        };
        for (dir, reported, truth) in [
            ("up", rep.usage.up_bytes, delta.tx_bytes),
            ("down", rep.usage.down_bytes, delta.rx_bytes),
        ] {
            checks.check(
                within_0_1pct(reported, truth),
                format!(
                    "device {dev} {dir:<4}: hogwatch {reported:>9} B, /proc/net/dev {truth:>9} B \
                     ({:+.4}%, allowed ±0.1%)",
                    pct(reported, truth)
                ),
            );
        }
    }
    let mut bad_rates = Vec::new();
    for s in snaps {
        let usages = [("total", &s.total), ("unattributed", &s.unattributed)]
            .into_iter()
            .chain(s.devices.iter().map(|d| (d.name.as_str(), &d.usage)))
            .chain(s.processes.iter().map(|p| (p.name.as_str(), &p.usage)));
        for (what, u) in usages {
            for r in [u.up_rate, u.down_rate] {
                if !(r.is_finite() && r >= 0.0) {
                    bad_rates.push(format!("ts {} {what}: {r}", s.ts));
                }
            }
        }
    }
    checks.check(
        bad_rates.is_empty(),
        format!(
            "every rate in {} snapshots is finite and ≥ 0 {bad_rates:?}",
            snaps.len()
        ),
    );
    let sum_up: u64 = last.devices.iter().map(|d| d.usage.up_bytes).sum();
    let sum_down: u64 = last.devices.iter().map(|d| d.usage.down_bytes).sum();
    let att_up: u64 = last.processes.iter().map(|p| p.usage.up_bytes).sum();
    let att_down: u64 = last.processes.iter().map(|p| p.usage.down_bytes).sum();
    eprintln!(
        "snapshot consistency: total up {} down {}; Σ devices up {sum_up} down {sum_down}; \
         attributed up {att_up} down {att_down}; unattributed up {} down {}",
        last.total.up_bytes,
        last.total.down_bytes,
        last.unattributed.up_bytes,
        last.unattributed.down_bytes
    );
    for (dir, total, sum, att, unatt) in [
        (
            "up",
            last.total.up_bytes,
            sum_up,
            att_up,
            last.unattributed.up_bytes,
        ),
        (
            "down",
            last.total.down_bytes,
            sum_down,
            att_down,
            last.unattributed.down_bytes,
        ),
    ] {
        checks.check(
            within_0_1pct(total, sum),
            format!("total.{dir}_bytes {total} = Σ devices {sum}"),
        );
        checks.check(
            within_0_1pct(att + unatt, total),
            format!(
                "{dir}: attributed {att} + unattributed {unatt} = {} vs total {total} ({:+.4}%)",
                att + unatt,
                pct(att + unatt, total)
            ),
        );
    }
    Ok(())
}

/// One client's attribution: present, right name, exactly its device, bytes within
/// +0..+5 % of the payload.
fn check_client(checks: &mut Checks, hog: &Hogwatch, c: &Client) {
    let Some(done) = &c.done else {
        checks.check(false, format!("{}: never finished", c.tag));
        return;
    };
    let pid = done.pid;
    let Some((snap, p)) = hog.last_with_pid(pid) else {
        checks.check(
            false,
            format!(
                "{} (pid {pid}, {:?} {} B on {}): not in any of {} snapshots",
                c.tag,
                c.dir,
                c.payload,
                c.device,
                hog.snaps.len()
            ),
        );
        return;
    };
    let dev = p.devices.iter().find(|d| d.name == c.device);
    let reported = dev.map_or(0, |d| match c.dir {
        Dir::Up => d.usage.up_bytes,
        Dir::Down => d.usage.down_bytes,
    });
    eprintln!(
        "{:<10} pid {pid:>7} {:<4} on {}: payload {:>9} B, hogwatch {:>9} B ({:+.3}%) \
         [snapshot ts {}; name {:?}; exe {:?}; devices {:?}]",
        c.tag,
        format!("{:?}", c.dir).to_lowercase(),
        c.device,
        c.payload,
        reported,
        pct(reported, c.payload),
        snap.ts,
        p.name,
        p.exe,
        p.devices
            .iter()
            .map(|d| (&d.name, d.usage.up_bytes, d.usage.down_bytes))
            .collect::<Vec<_>>()
    );
    checks.check(
        p.name == c.name,
        format!("{} name {:?} == {:?}", c.tag, p.name, c.name),
    );
    let names: Vec<&str> = p.devices.iter().map(|d| d.name.as_str()).collect();
    checks.check(
        names == [c.device.as_str()],
        format!("{} devices {names:?} == [{:?}]", c.tag, c.device),
    );
    checks.check(
        within_plus_5pct(reported, c.payload),
        format!(
            "{} {:?} bytes on {}: {reported} within +0..+5% of {} ({:+.3}%)",
            c.tag,
            c.dir,
            c.device,
            c.payload,
            pct(reported, c.payload)
        ),
    );
}

// ------------------------------------------------------------------------------- helpers

fn client_args(pairs: &[(&str, String)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(k, v)| [(*k).to_owned(), v.clone()])
        .collect()
}

/// Copies the real python binary to `<dir>/we ird/my prog`.
fn weird_python(dir: &Path) -> Result<String> {
    let path = dir.join("we ird").join("my prog");
    support::copy_python_to(&path)?;
    Ok(path.to_string_lossy().into_owned())
}

// ---------------------------------------------------------------------------------- tests

/// Wall-clock budget of each test (setup to last assertion); every wait is capped by it.
const TEST_BUDGET: Duration = Duration::from_secs(55);

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

/// SIGKILL the nethogs of device A in the middle of an upload: the helper restarts it,
/// the client's bytes are not counted twice and the bytes nethogs never saw end up
/// unattributed, so device totals still equal the kernel's counters.
#[test]
fn nethogs_killed_mid_transfer_is_restarted_without_double_counting() -> Result<()> {
    require_root_and_nethogs();
    let t0 = Instant::now();
    let deadline = Deadline::after(TEST_BUDGET);
    let topo = Topology::new()?;
    let (a, b) = (topo.a.dev.clone(), topo.b.dev.clone());
    eprintln!("topology: H={} A={a} B={b}", topo.h.name());
    let p1 = topo.a.peer_ip.to_string();
    let payload = 4_000_000u64;
    let sink = GenServer::start("sink-P1", topo.p1.name(), "tcp-server", &p1, &[])?;

    let before = topo.h.proc_net_dev()?;
    let mut hog = Hogwatch::start(topo.h.name(), &[&a, &b], 50, deadline)?;
    hog.wait_ready()?;
    let old = wait_until(
        "exactly one nethogs for A",
        deadline.cap(Duration::from_secs(10)),
        || match nethogs_pids_for(&a).as_slice() {
            [pid] => Some(*pid),
            _ => None,
        },
    )?;

    let mut client = Client::start(
        "upload-A",
        topo.h.name(),
        "/usr/bin/python3",
        &a,
        Dir::Up,
        payload,
        "tcp-client",
        &client_args(&[
            ("--connect", format!("{p1}:{}", sink.port)),
            ("--send-bytes", payload.to_string()),
            ("--rate", "800000".to_owned()),
            ("--progress", "0.1".to_owned()),
        ]),
    )?;
    let connected = client.child.lines().wait_for_json(
        "connected",
        deadline.cap(Duration::from_secs(10)),
        |v| v.get("event").and_then(|e| e.as_str()) == Some("connected"),
    )?;
    let pid = json_u64(&connected, "pid")
        .and_then(|p| u32::try_from(p).ok())
        .ok_or_else(|| err(format!("no pid in {connected}")))?;

    // Kill only once the first nethogs has attributed part of the upload.
    let seen = hog.wait_snapshot(
        "the uploader attributed on A",
        Duration::from_secs(10),
        |s| {
            s.process(pid)
                .and_then(|p| p.devices.iter().find(|d| d.name == a))
                .is_some_and(|d| d.usage.up_bytes > 0)
        },
    )?;
    let before_kill = seen
        .process(pid)
        .and_then(|p| p.devices.iter().find(|d| d.name == a))
        .map_or(0, |d| d.usage.up_bytes);
    let progress = client
        .child
        .lines()
        .drain_now()
        .iter()
        .filter_map(|l| parse_event(l))
        .filter_map(|v| json_u64(&v, "sent"))
        .max()
        .unwrap_or(0);
    if progress >= payload * 3 / 4 {
        return Err(err(format!(
            "the upload was already at {progress} of {payload} B before the kill: \
             hogwatch attributed it too late to test a restart in the middle"
        )));
    }
    eprintln!(
        "killing nethogs {old} of {a}: uploader had sent ~{progress} B, hogwatch showed \
         {before_kill} B"
    );
    support::signal_pid(old, "KILL")?;
    let killed_at = Instant::now();
    let new = wait_until(
        "the helper to restart nethogs for A",
        deadline.cap(Duration::from_secs(15)),
        || nethogs_pids_for(&a).into_iter().find(|p| *p != old),
    )?;
    let restarted_ms = unix_ms();
    eprintln!(
        "nethogs for {a} restarted as pid {new} after {:?}",
        killed_at.elapsed()
    );

    client.finish(deadline.cap(Duration::from_secs(30)))?;
    let done_ms = unix_ms();
    let last = hog.refreshes_after(done_ms, 3)?;
    let after = topo.h.proc_net_dev()?;
    eprintln!(
        "{} snapshots read; last: {}",
        hog.snaps.len(),
        hog.last_summary()
    );

    let a_up = |s: &Snapshot| {
        s.process(pid)
            .and_then(|p| p.devices.iter().find(|d| d.name == a))
            .map(|d| d.usage.up_bytes)
    };
    // The first snapshot taken after the new nethogs started, and the last one with the
    // uploader: what grew in between was attributed by the restarted nethogs only.
    let first_after_restart = hog
        .snaps
        .iter()
        .find(|s| s.ts >= restarted_ms)
        .and_then(a_up)
        .unwrap_or(0);
    let mut checks = Checks::default();
    let final_up = hog
        .last_with_pid(pid)
        .and_then(|(s, _)| a_up(s))
        .unwrap_or(0);
    eprintln!(
        "uploader pid {pid}: payload {payload} B; hogwatch up on {a}: {before_kill} B before \
         the kill, {first_after_restart} B right after the restart, {final_up} B at the end \
         ({:+.3}% vs payload)",
        pct(final_up, payload)
    );
    checks.check(
        final_up > 0 && u128::from(final_up) * 100 <= u128::from(payload) * 105,
        format!(
            "attributed up bytes {final_up} ≤ payload × 1.05 = {} (no double counting)",
            payload * 105 / 100
        ),
    );
    checks.check(
        final_up > first_after_restart,
        format!(
            "the restarted nethogs attributed the rest of the upload ({first_after_restart} → \
             {final_up} B)"
        ),
    );
    let dev_a_up = last.device(&a).map_or(0, |d| d.usage.up_bytes);
    let att_a_up: u64 = last
        .processes
        .iter()
        .flat_map(|p| p.devices.iter())
        .filter(|d| d.name == a)
        .map(|d| d.usage.up_bytes)
        .sum();
    let delta_b = dev_delta(&before, &after, &b)?;
    eprintln!(
        "A up: attributed {att_a_up} B + unattributed {} B (B idle: tx {} rx {}) vs device \
         {dev_a_up} B; {:.2}% of the device's bytes unattributed",
        last.unattributed.up_bytes,
        delta_b.tx_bytes,
        delta_b.rx_bytes,
        100.0 * last.unattributed.up_bytes as f64 / dev_a_up.max(1) as f64
    );
    check_devices(&mut checks, &hog.snaps, &last, &[&a, &b], &before, &after)?;
    drop(client);
    hog.stop();
    eprintln!("test took {:?}", t0.elapsed());
    checks.finish()
}
