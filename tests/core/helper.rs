//! Integration tests for `hogwatch-helper`, the privileged nethogs runner.
//!
//! They need root, `ip` and nethogs (CI has all three) and fail loudly without them. Each
//! test that runs nethogs makes its own network namespace (`hwh-<pid>-<n>`) with `lo` and,
//! when asked, a veth device `d0`, and runs the helper in it with `ip netns exec` (which
//! execs, so the child we hold is the helper itself). Guards delete the namespace and kill
//! every process we started, also when a test panics. Waits are bounded by deadlines; no
//! test sleeps to pace itself.
//!
//! `limits` holds the tests of its bounds (stdin, restarts) and `confine` those of what
//! nethogs gets (its path, capabilities, uid); both use the harness below, and so does
//! `ebpf`, the `--backend ebpf` mode (only with `--features ebpf`).

mod confine;
#[cfg(feature = "ebpf")]
mod ebpf;
mod limits;
mod wedged;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hogwatch-helper");
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Upper bound for any single wait.
const WAIT: Duration = Duration::from_secs(10);

fn require_root_and_nethogs() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
    let euid = euid.and_then(|ids| ids.split_whitespace().nth(1));
    assert_eq!(
        euid,
        Some("0"),
        "these tests must run as root (netns + nethogs)"
    );
    let nethogs = [
        "/usr/sbin/nethogs",
        "/usr/bin/nethogs",
        "/usr/local/sbin/nethogs",
    ];
    assert!(
        nethogs.iter().any(|p| Path::new(p).is_file()),
        "nethogs is not installed (apt-get install nethogs); these tests need it"
    );
}

fn ip(args: &[&str]) {
    let status = Command::new("ip").args(args).status();
    let status = status.unwrap_or_else(|e| panic!("cannot run `ip` (iproute2 needed): {e}"));
    assert!(status.success(), "`ip {}` failed: {status}", args.join(" "));
}

/// A network namespace, deleted on drop.
struct Netns(String);

impl Netns {
    /// `lo` is up; with `with_d0`, a veth device `d0` (peer `d0p`) is up too. (veth, not
    /// dummy: some kernels, including the one this was written on, lack the dummy driver.)
    fn new(with_d0: bool) -> Netns {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        require_root_and_nethogs();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let ns = Netns(format!("hwh-{}-{n}", std::process::id()));
        ip(&["netns", "add", &ns.0]);
        ip(&["-n", &ns.0, "link", "set", "lo", "up"]);
        if with_d0 {
            ip(&[
                "-n", &ns.0, "link", "add", "d0", "type", "veth", "peer", "name", "d0p",
            ]);
            ip(&["-n", &ns.0, "link", "set", "d0", "up"]);
            ip(&["-n", &ns.0, "link", "set", "d0p", "up"]);
        }
        ns
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.0])
            .status();
    }
}

/// True while `pid` is a live (not zombie) nethogs; a recycled pid won't look like one.
fn is_nethogs(pid: u32) -> bool {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
    argv0.ends_with(b"nethogs")
}

fn cmdline(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&raw)
        .trim_end_matches('\0')
        .replace('\0', " ")
}

fn kill(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "kill {signal} {pid} failed"
    );
}

/// `start <dev> <pid>` → (dev, pid).
fn parse_start(line: &str) -> Option<(&str, u32)> {
    let mut words = line.strip_prefix("start ")?.split(' ');
    let dev = words.next()?;
    let pid = words.next()?.parse().ok()?;
    Some((dev, pid))
}

/// The pid of the first `start <dev>` in `lines`.
fn started(lines: &[String], dev: &str) -> Option<u32> {
    lines
        .iter()
        .find_map(|l| parse_start(l).filter(|s| s.0 == dev).map(|s| s.1))
}

fn position(lines: &[String], line: &str) -> Option<usize> {
    lines.iter().position(|l| l == line)
}

/// The first `rec` of `dev` that holds a refresh marker (nethogs glues it to the front of
/// the refresh's first record; the helper escapes the newlines around it).
fn refreshed(lines: &[String], dev: &str) -> Option<usize> {
    let head = format!("rec {dev} ");
    lines
        .iter()
        .position(|l| l.starts_with(&head) && l.contains("\\x0aRefreshing:\\x0a"))
}

/// A running helper. Its stdout lines are collected by a thread; drop kills it and every
/// nethogs it reported.
struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Receiver<String>,
    err: Receiver<String>,
    seen: Vec<String>,
}

impl Helper {
    fn spawn(ns: Option<&Netns>, args: &[&str]) -> Helper {
        let mut cmd = match ns {
            Some(ns) => {
                let mut cmd = Command::new("ip");
                cmd.args(["netns", "exec", &ns.0, BIN]);
                cmd
            }
            None => Command::new(BIN),
        };
        cmd.args(args);
        Helper::start(cmd)
    }

    /// Runs `cmd`, which must exec the helper (its pid is the helper's).
    fn start(mut cmd: Command) -> Helper {
        // The helper must not pass this on (see `child_environment_is_empty`).
        cmd.env("HWH_TEST_SECRET", "leak");
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
        let (out_tx, out) = mpsc::channel();
        let (err_tx, err) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
                    if out_tx
                        .send(String::from_utf8_lossy(&line).into_owned())
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        if let Some(mut stderr) = child.stderr.take() {
            thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                let _ = err_tx.send(text);
            });
        }
        let stdin = child.stdin.take();
        Helper {
            child,
            stdin,
            out,
            err,
            seen: Vec::new(),
        }
    }

    fn in_ns(ns: &Netns, devs: &[&str]) -> Helper {
        let mut h = Helper::spawn(Some(ns), &[&["--interval", "1"], devs].concat());
        h.wait_until("hello", |s| position(s, &format!("hello 3 {VERSION}")));
        h
    }

    /// Collects stdout lines until `check(all lines so far)` gives a value, or panics after
    /// `WAIT` with what was seen.
    fn wait_until<T>(&mut self, what: &str, check: impl Fn(&[String]) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(found) = check(&self.seen) {
                return found;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "no {what} within {WAIT:?}; stdout was:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn send(&mut self, line: &[u8]) {
        let stdin = self
            .stdin
            .as_mut()
            .unwrap_or_else(|| panic!("stdin already closed"));
        let written = stdin.write_all(line).and_then(|()| stdin.flush());
        written.unwrap_or_else(|e| panic!("cannot write to the helper: {e}"));
    }

    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                Ok(None) => panic!("helper still running after {timeout:?}"),
                Err(e) => panic!("cannot wait for the helper: {e}"),
            }
        }
    }

    /// The helper's whole stderr (call after it exited).
    fn stderr(&self) -> String {
        self.err
            .recv_timeout(WAIT)
            .unwrap_or_else(|e| panic!("no stderr EOF: {e}"))
    }

    /// Every nethogs pid reported so far (reads pending stdout first).
    fn pids(&mut self) -> Vec<u32> {
        while let Ok(line) = self.out.try_recv() {
            self.seen.push(line);
        }
        self.seen
            .iter()
            .filter_map(|l| parse_start(l))
            .map(|s| s.1)
            .collect()
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // Stop it the normal way (stdin EOF) if it is still running, then for sure.
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(3);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in self.pids() {
            if is_nethogs(pid) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}

/// Runs the helper with `args` (outside any namespace) and returns (exit status, stderr, stdout).
fn run_to_end(args: &[&str]) -> (ExitStatus, String, Vec<String>) {
    let mut h = Helper::spawn(None, args);
    h.stdin = None;
    let status = h.wait_exit(WAIT);
    let stderr = h.stderr();
    while let Ok(line) = h.out.recv_timeout(Duration::from_millis(200)) {
        h.seen.push(line);
    }
    (status, stderr, std::mem::take(&mut h.seen))
}

#[test]
fn invalid_arguments_exit_2_with_a_message() {
    let cases: &[&[&str]] = &[
        &["--interval", "0", "lo"],
        &["--interval", "61", "lo"],
        &["--interval", "abc", "lo"],
        &["--interval", "", "lo"],
        &["--interval", "1", "../x"],
        // These resolve to /sys/class/net/lo: only the charset check rejects them.
        &["--interval", "1", "../net/lo"],
        &["--interval", "1", "./lo"],
        &["--interval", "1", "abcdefghijklmnop"],
        &["--interval", "1", "eth0;rm"],
        &["--interval", "1", ""],
        &["--interval", "1", "."],
        &["--interval", "1", "hwhnosuchdev0"],
        &["--interval", "1", "lo", "lo"],
        &["--interval", "1"],
        &["--interval"],
        &["lo"],
        &[],
    ];
    for args in cases {
        let (status, stderr, stdout) = run_to_end(args);
        assert_eq!(
            status.code(),
            Some(2),
            "{args:?}: {status}, stderr {stderr:?}"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: want one line, got {stderr:?}"
        );
        assert!(stdout.is_empty(), "{args:?}: printed {stdout:?}");
    }
}

#[test]
fn version_prints_the_crate_version() {
    let (status, stderr, stdout) = run_to_end(&["--version"]);
    assert_eq!(status.code(), Some(0), "stderr {stderr:?}");
    assert_eq!(stdout, [format!("hogwatch-helper {VERSION}")]);
}

#[test]
fn starts_one_nethogs_per_device() {
    let ns = Netns::new(true);
    let mut h = Helper::in_ns(&ns, &["lo", "d0"]);
    let (lo, d0) = h.wait_until("start lines", |s| started(s, "lo").zip(started(s, "d0")));
    assert_ne!(lo, d0);
    for (dev, pid) in [("lo", lo), ("d0", d0)] {
        assert!(is_nethogs(pid), "{dev}: pid {pid} is not a live nethogs");
        let cmd = cmdline(pid);
        assert!(cmd.contains(" -t -v 2 -C -d 1 "), "{dev}: {cmd}");
        assert!(cmd.ends_with(&format!(" {dev}")), "{dev}: {cmd}");
        assert_eq!(
            cmd.contains(" -a "),
            dev == "lo",
            "{dev}: -a only for loopback: {cmd}"
        );
    }
    h.wait_until("a refresh from lo", |s| refreshed(s, "lo"));
    let starts = h.seen.iter().filter(|l| l.starts_with("start ")).count();
    assert_eq!(starts, 2, "one nethogs per device: {:?}", h.seen);
    // Each refresh's records are followed by `quiet lo` (protocol 3) before the next one's
    // marker: hogwatch knows a block is complete without a timer.
    let first = refreshed(&h.seen, "lo").unwrap_or_default();
    let quiet = h.wait_until("quiet after lo's refresh", |s| {
        s[first..]
            .iter()
            .position(|l| l == "quiet lo")
            .map(|i| first + i)
    });
    let lo_lines: Vec<&String> = h.seen[first..quiet]
        .iter()
        .filter(|l| l.contains(" lo "))
        .collect();
    assert!(
        lo_lines.iter().all(|l| l.starts_with("rec lo ")),
        "between a refresh and its quiet only records: {lo_lines:?}"
    );
    assert!(
        refreshed(&h.seen[first + 1..quiet], "lo").is_none(),
        "one refresh, then quiet: {lo_lines:?}"
    );
}

/// Stops the helper with `stop`, then checks it exits 0 within 2 s leaving no nethogs.
fn stops_cleanly(stop: impl FnOnce(&mut Helper)) {
    let ns = Netns::new(true);
    let mut h = Helper::in_ns(&ns, &["lo", "d0"]);
    h.wait_until("start lines", |s| started(s, "lo").zip(started(s, "d0")));
    // Let both get past startup, so they are stopped while running.
    h.wait_until("refreshes", |s| refreshed(s, "lo"));
    h.wait_until("refreshes", |s| refreshed(s, "d0"));
    let pids = h.pids();
    let t0 = Instant::now();
    stop(&mut h);
    let status = h.wait_exit(Duration::from_secs(5));
    let took = t0.elapsed();
    let alive: Vec<u32> = pids.into_iter().filter(|&p| is_nethogs(p)).collect();
    assert_eq!(status.code(), Some(0), "{status}, stderr {:?}", h.stderr());
    assert!(alive.is_empty(), "nethogs left running: {alive:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    for dev in ["lo", "d0"] {
        let exit = format!("exit {dev} code:0 0");
        h.wait_until("exit lines", |s| position(s, &exit));
    }
}

#[test]
fn stdin_eof_stops_everything() {
    stops_cleanly(|h| h.stdin = None);
}

#[test]
fn sigterm_stops_everything() {
    stops_cleanly(|h| {
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", h.child.id()));
        assert_eq!(
            comm.unwrap_or_default().trim(),
            "hogwatch-helper",
            "ip did not exec"
        );
        kill("-TERM", h.child.id());
    });
}

#[test]
fn a_killed_nethogs_is_restarted() {
    let ns = Netns::new(true);
    let mut h = Helper::in_ns(&ns, &["lo", "d0"]);
    let old = h.wait_until("start d0", |s| started(s, "d0"));
    kill("-KILL", old);
    let exit = h.wait_until("exit d0", |s| {
        let at = s.iter().position(|l| l.starts_with("exit d0 "))?;
        Some((at, s[at].clone()))
    });
    assert_eq!(exit.1, "exit d0 signal:9 1000", "first restart after 1 s");
    let new = h.wait_until("a new start d0", |s| started(&s[exit.0..], "d0"));
    assert_ne!(new, old);
    assert!(is_nethogs(new) && !is_nethogs(old));
}

#[test]
fn restart_and_devices_commands() {
    let ns = Netns::new(true);
    let mut h = Helper::in_ns(&ns, &["lo", "d0"]);
    let old = h.wait_until("start lines", |s| started(s, "lo").zip(started(s, "d0")));

    h.send(b"restart\n");
    let at = h.wait_until("restart request", |s| position(s, "restart request"));
    let new = h.wait_until("new starts", |s| {
        started(&s[at..], "lo").zip(started(&s[at..], "d0"))
    });
    assert!(new.0 != old.0 && new.1 != old.1, "old {old:?}, new {new:?}");
    assert!(
        !is_nethogs(old.0) && !is_nethogs(old.1),
        "old nethogs still running"
    );

    // Sent within 5 s of that restart, the device set waits for its turn (restarts are
    // rate-limited) but is not lost.
    h.send(b"devices lo\n");
    let at = h.wait_until("restart devices", |s| position(s, "restart devices"));
    let lo = h.wait_until("start lo", |s| started(&s[at..], "lo"));
    assert!(lo != new.0 && is_nethogs(lo));
    // Everything the `devices` restart does is printed before the helper stops.
    h.stdin = None;
    let status = h.wait_exit(WAIT);
    assert_eq!(status.code(), Some(0), "{status}, stderr {:?}", h.stderr());
    while let Ok(line) = h.out.recv_timeout(WAIT) {
        h.seen.push(line);
    }
    assert_eq!(
        started(&h.seen[at..], "d0"),
        None,
        "d0 restarted: {:?}",
        h.seen
    );
    assert!(!is_nethogs(new.1), "d0's nethogs still running");
}

#[test]
fn invalid_commands_exit_4_and_stop_nethogs() {
    let ns = Netns::new(false);
    let long = [vec![b'a'; 2000], b"\n".to_vec()].concat();
    let cases: [&[u8]; 7] = [
        b"foo\n",
        b"devices ../etc\n",
        b"devices ./lo\n", // resolves to /sys/class/net/lo, but the charset forbids it
        b"devices nosuchdev\n",
        b"devices lo,lo\n",
        &long,
        b"\n",
    ];
    for cmd in cases {
        let mut h = Helper::in_ns(&ns, &["lo"]);
        let pid = h.wait_until("start lo", |s| started(s, "lo"));
        h.send(cmd);
        let status = h.wait_exit(Duration::from_secs(5));
        let shown = String::from_utf8_lossy(&cmd[..cmd.len().min(40)]).into_owned();
        assert_eq!(status.code(), Some(4), "{shown:?}: {status}");
        assert!(
            !h.stderr().trim().is_empty(),
            "{shown:?}: no message on stderr"
        );
        assert!(!is_nethogs(pid), "{shown:?}: nethogs {pid} left running");
    }
}

#[test]
fn child_environment_is_empty() {
    let ns = Netns::new(false);
    let mut h = Helper::in_ns(&ns, &["lo"]);
    let pid = h.wait_until("start lo", |s| started(s, "lo"));
    let environ = std::fs::read(format!("/proc/{pid}/environ"));
    let environ = environ.unwrap_or_else(|e| panic!("cannot read environ of {pid}: {e}"));
    assert_eq!(
        String::from_utf8_lossy(&environ),
        "",
        "nethogs' environment"
    );
}

#[test]
fn nethogs_dies_with_a_killed_helper() {
    let ns = Netns::new(true);
    // With -d 10 nethogs writes nothing for 10 s after its startup lines and first (idle)
    // refresh, so SIGPIPE from the closed pipe cannot be what kills it within the 2 s below.
    let mut h = Helper::spawn(Some(&ns), &["--interval", "10", "lo", "d0"]);
    let pids = h.wait_until("start lines", |s| started(s, "lo").zip(started(s, "d0")));
    for dev in ["lo", "d0"] {
        // One write each: the refresh's last two records, escaped by the helper.
        for last in [
            "unknown UDP/0/0\\x090\\x090\\x0a",
            "unknown TCP/0/0\\x090\\x090\\x0a",
        ] {
            let head = format!("rec {dev} ");
            h.wait_until("the first refresh", |s| {
                s.iter()
                    .position(|l| l.starts_with(&head) && l.ends_with(last))
            });
        }
    }
    kill("-KILL", h.child.id());
    h.wait_exit(Duration::from_secs(5));
    // PR_SET_PDEATHSIG: the kernel kills them; nothing of ours runs any more.
    let deadline = Instant::now() + Duration::from_secs(2);
    while (is_nethogs(pids.0) || is_nethogs(pids.1)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    assert!(
        !is_nethogs(pids.0) && !is_nethogs(pids.1),
        "nethogs outlived the helper"
    );
}
