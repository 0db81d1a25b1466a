//! Test harness for integration tests that need real traffic, network namespaces and
//! background processes. Use it from a test file with `mod support;`.
//!
//! * [`netns`]: [`netns::Netns`] guards (unique names, deleted on drop, also on panic),
//!   veth pairs with static ARP and link-local /30 addresses, and the two-device
//!   [`netns::Topology`] (namespace H with devices A and B, peers P1 and P2).
//! * [`Child`]: a background process (optionally inside a namespace) that is stopped and
//!   reaped on drop; its stdout is read line by line on a thread ([`LineReader`]).
//! * [`run`]/[`run_ok`]: one-shot commands, always bounded by `timeout(1)`.
//! * [`tcpgen`]: the paced TCP/UDP generator `tests/support/tcpgen.py`.
//! * [`home`]: [`home::Home`], a temporary HOME with its own XDG directories.
//! * [`cli`]: running hogwatch: [`cli::hog_argv`], [`cli::AS_NOBODY`], the replay
//!   fixtures, output checks, and [`cli::nobody_bins`] (the binaries where `nobody` can
//!   run them).
//! * [`snapshot`]: the `top --json` snapshot contract ([`snapshot::Snapshot`]).
//! * [`netns::Pair`]: one host namespace with one veth toward a peer namespace.
//! * [`desktop`]: a private X display, session bus and tray host ([`desktop::Desktop`])
//!   and a D-Bus client of the tray applet's menu ([`desktop::TrayClient`]).
//! * [`notifications`]: a test-owned desktop notification server on a private bus
//!   ([`notifications::NotificationServer`]): records every `Notify`, emits
//!   `ActionInvoked` as if the user clicked a button, and can be stopped mid-test.
//! * [`dashboard`]: a real `hogwatch server` on a replay ([`dashboard::Server`]) and raw
//!   HTTP requests to it.
//!
//! Nothing here sleeps to pace a test: waits are for a condition, with a deadline.
#![allow(dead_code)]

pub mod cli;
pub mod dashboard;
pub mod desktop;
pub mod home;
pub mod netns;
pub mod notifications;
pub mod replay;
pub mod snapshot;
pub mod tray_app;

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
pub use netns::{Netns, Topology, VethLink};

/// Where nethogs is expected (Debian package).
pub const NETHOGS: &str = "/usr/sbin/nethogs";

/// Default bound for one-shot commands (`ip`, `sysctl`, `cat`, ...).
pub const CMD_TIMEOUT: Duration = Duration::from_secs(10);

// ------------------------------------------------------------------------------------ errors

/// Error type for tests: a message whose `Debug` is the message itself, so a test
/// returning `Result<(), Error>` fails with a readable text.
pub struct Error(pub String);

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Error {
    fn from(s: String) -> Self {
        Error(s)
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Self {
        Error(s.to_owned())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error(format!("I/O error: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error(format!("JSON error: {e}"))
    }
}

/// `bail!(...)`-like helper: `return Err(err(format!(...)))`.
pub fn err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

// ------------------------------------------------------------------------------ environment

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Panics with a clear message unless running as root with nethogs, `ip` and python3
/// installed. Real-traffic tests never skip silently: CI always has all of them.
pub fn require_root_and_nethogs() {
    match effective_uid() {
        Some(0) => {}
        Some(uid) => panic!(
            "real-traffic tests must run as root (they create network namespaces and run \
             nethogs); effective uid is {uid}. Run them as root, e.g. `sudo -E cargo test`."
        ),
        None => panic!("cannot determine the effective uid from /proc/self/status"),
    }
    for (path, what) in [
        (NETHOGS, "nethogs (apt-get install -y nethogs)"),
        ("/usr/bin/python3", "python3"),
    ] {
        if !executable(Path::new(path)) {
            panic!("{what} is required for real-traffic tests but {path} is missing");
        }
    }
    let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];
    if !ip.iter().any(|p| executable(Path::new(p))) {
        panic!("iproute2 (`ip`) is required for real-traffic tests but was not found");
    }
    if !executable(Path::new("/usr/bin/timeout")) {
        panic!("coreutils `timeout` is required for real-traffic tests");
    }
}

/// Milliseconds since the Unix epoch (same clock as hogwatch's `ts`).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

// ------------------------------------------------------------------------- one-shot commands

/// Output of a bounded command.
pub struct CmdOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

fn describe(argv: &[&str]) -> String {
    argv.iter()
        .map(|a| {
            if a.contains(' ') || a.is_empty() {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `argv` under `timeout -k 2 <limit>` and returns its output (any exit status).
pub fn run(argv: &[&str], limit: Duration) -> Result<CmdOutput> {
    let Some((prog, args)) = argv.split_first() else {
        return Err(err("run: empty command"));
    };
    let secs = format!("{:.1}", limit.as_secs_f64().max(0.1));
    let out = Command::new("/usr/bin/timeout")
        .args(["-k", "2", &secs, prog])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| err(format!("cannot run `{}`: {e}", describe(argv))))?;
    let res = CmdOutput {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    if res.status.code() == Some(124) || res.status.code() == Some(137) {
        return Err(err(format!(
            "`{}` did not finish within {secs} s (stderr: {})",
            describe(argv),
            res.stderr.trim()
        )));
    }
    Ok(res)
}

/// Like [`run`] with [`CMD_TIMEOUT`], failing unless the command exits with status 0.
/// Returns stdout.
pub fn run_ok(argv: &[&str]) -> Result<String> {
    let out = run(argv, CMD_TIMEOUT)?;
    if !out.status.success() {
        return Err(err(format!(
            "`{}` failed ({}): {}{}",
            describe(argv),
            out.status,
            out.stderr.trim(),
            out.stdout.trim()
        )));
    }
    Ok(out.stdout)
}

/// Sends `signal` (e.g. "TERM", "KILL") to one process by pid, using kill(1).
pub fn signal_pid(pid: u32, signal: &str) -> Result<()> {
    run_ok(&["/usr/bin/kill", &format!("-{signal}"), &pid.to_string()]).map(|_| ())
}

/// Whether `/proc/<pid>` exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // state is the first field after the parenthesised comm
            let state = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().next());
            !matches!(state, Some("Z") | Some("X") | None)
        }
        Err(_) => false,
    }
}

/// argv of a process from `/proc/<pid>/cmdline` (empty if gone).
pub fn proc_cmdline(pid: u32) -> Vec<String> {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) => raw
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Pids of live processes whose argv matches `pred`.
pub fn find_pids(mut pred: impl FnMut(&[String]) -> bool) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let argv = proc_cmdline(pid);
        if !argv.is_empty() && pred(&argv) && pid_alive(pid) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

/// Pids of running nethogs processes that monitor `device` (argv[0] ends in "nethogs"
/// and one argument equals the device name).
pub fn nethogs_pids_for(device: &str) -> Vec<u32> {
    find_pids(|argv| {
        argv[0].rsplit('/').next() == Some("nethogs") && argv[1..].iter().any(|a| a == device)
    })
}

/// A test-wide deadline: every wait of a test is capped by what is left of it, so the
/// whole test stays bounded even when each step has its own generous timeout.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    end: Instant,
    total: Duration,
}

impl Deadline {
    pub fn after(total: Duration) -> Deadline {
        Deadline {
            end: Instant::now() + total,
            total,
        }
    }

    /// Time left (zero once expired).
    pub fn left(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// `step` capped by the time left.
    pub fn cap(&self, step: Duration) -> Duration {
        step.min(self.left())
    }

    /// The overall budget (for messages).
    pub fn total(&self) -> Duration {
        self.total
    }
}

/// Polls `cond` every 20 ms until it returns `Some`, or fails after `timeout`.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> Option<T>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = cond() {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(err(format!(
                "timed out after {timeout:?} waiting for {what}"
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

// ------------------------------------------------------------------------- /proc/net/dev

/// Byte counters of one device as seen from inside its namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DevCounters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
}

/// Parses the text of `/proc/net/dev`.
pub fn parse_proc_net_dev(text: &str) -> HashMap<String, DevCounters> {
    let mut map = HashMap::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let fields: Vec<u64> = rest
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if fields.len() >= 16 {
            map.insert(
                name.trim().to_owned(),
                DevCounters {
                    rx_bytes: fields[0],
                    tx_bytes: fields[8],
                },
            );
        }
    }
    map
}

// ------------------------------------------------------------------------------ line reader

enum LineMsg {
    Line(String),
    Eof,
}

/// Lines of a child's stdout, read on a thread and delivered through a channel.
pub struct LineReader {
    tag: String,
    rx: Receiver<LineMsg>,
    eof: bool,
    history: Vec<String>,
}

impl LineReader {
    /// Starts a thread reading `source` line by line.
    pub fn spawn(tag: &str, source: impl Read + Send + 'static) -> LineReader {
        let (tx, rx) = mpsc::channel();
        let thread_tag = tag.to_owned();
        let spawned = thread::Builder::new()
            .name(format!("stdout-{tag}"))
            .spawn(move || {
                let mut reader = BufReader::new(source);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.read_until(b'\n', &mut buf) {
                        Ok(0) => break,
                        Ok(_) => {
                            while buf.last() == Some(&b'\n') || buf.last() == Some(&b'\r') {
                                buf.pop();
                            }
                            let line = String::from_utf8_lossy(&buf).into_owned();
                            if tx.send(LineMsg::Line(line)).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            eprintln!("[{thread_tag}] stdout read error: {e}");
                            break;
                        }
                    }
                }
                let _ = tx.send(LineMsg::Eof);
            });
        if let Err(e) = spawned {
            panic!("cannot spawn reader thread for {tag}: {e}");
        }
        LineReader {
            tag: tag.to_owned(),
            rx,
            eof: false,
            history: Vec::new(),
        }
    }

    /// Every line received so far.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Whether the stream has ended.
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// Next line within `timeout`; `Ok(None)` at end of stream; error on timeout.
    pub fn next_line(&mut self, timeout: Duration) -> Result<Option<String>> {
        if self.eof {
            return Ok(None);
        }
        match self.rx.recv_timeout(timeout) {
            Ok(LineMsg::Line(l)) => {
                self.history.push(l.clone());
                Ok(Some(l))
            }
            Ok(LineMsg::Eof) | Err(RecvTimeoutError::Disconnected) => {
                self.eof = true;
                Ok(None)
            }
            Err(RecvTimeoutError::Timeout) => Err(err(format!(
                "[{}] no output line within {timeout:?}",
                self.tag
            ))),
        }
    }

    /// Lines already received, without waiting.
    pub fn drain_now(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while !self.eof {
            match self.rx.try_recv() {
                Ok(LineMsg::Line(l)) => {
                    self.history.push(l.clone());
                    out.push(l);
                }
                Ok(LineMsg::Eof) | Err(mpsc::TryRecvError::Disconnected) => self.eof = true,
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        out
    }

    /// Reads lines until one satisfies `pred` (returned), failing at end of stream or
    /// when `timeout` elapses.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(
                    self.context_err(&format!("timed out after {timeout:?} waiting for {what}"))
                );
            }
            match self.next_line(left) {
                Ok(Some(line)) => {
                    if pred(&line) {
                        return Ok(line);
                    }
                }
                Ok(None) => {
                    return Err(self.context_err(&format!("output ended while waiting for {what}")))
                }
                Err(_) => {
                    return Err(self
                        .context_err(&format!("timed out after {timeout:?} waiting for {what}")))
                }
            }
        }
    }

    /// Like [`LineReader::wait_for`] over lines that parse as JSON objects (other lines
    /// are skipped).
    pub fn wait_for_json(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&serde_json::Value) -> bool,
    ) -> Result<serde_json::Value> {
        let mut found = None;
        self.wait_for(what, timeout, |line| {
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v) if v.is_object() && pred(&v) => {
                    found = Some(v);
                    true
                }
                _ => false,
            }
        })?;
        found.ok_or_else(|| err("wait_for_json: internal error"))
    }

    fn context_err(&self, msg: &str) -> Error {
        let tail: Vec<&String> = self.history.iter().rev().take(5).collect();
        let tail: Vec<String> = tail.into_iter().rev().map(|l| truncate(l, 400)).collect();
        err(format!(
            "[{}] {msg}; last stdout lines: {:#?}",
            self.tag, tail
        ))
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

// ------------------------------------------------------------------------------------ child

/// A background process, stopped (SIGTERM, short wait, SIGKILL) and reaped on drop.
pub struct Child {
    tag: String,
    argv: Vec<String>,
    child: std::process::Child,
    pid: u32,
    stdout: Option<LineReader>,
    stderr: Arc<Mutex<String>>,
    status: Option<ExitStatus>,
}

impl Child {
    /// Spawns `argv` (inside namespace `ns` via `ip netns exec`, which execs: the pid is
    /// the program's). stdout is read by a [`LineReader`]; stderr is collected (see
    /// [`Child::stderr_text`]) and echoed with the tag prefixed.
    pub fn spawn(tag: &str, ns: Option<&str>, argv: &[&str]) -> Result<Child> {
        Child::spawn_env(tag, ns, argv, &[])
    }

    /// [`Child::spawn`] with extra environment variables.
    pub fn spawn_env(
        tag: &str,
        ns: Option<&str>,
        argv: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Child> {
        let mut full: Vec<String> = Vec::new();
        if let Some(ns) = ns {
            full.extend(["ip", "netns", "exec", ns].map(String::from));
        }
        full.extend(argv.iter().map(|s| (*s).to_owned()));
        let Some((prog, args)) = full.split_first() else {
            return Err(err("Child::spawn: empty command"));
        };
        let mut child = Command::new(prog)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| err(format!("[{tag}] cannot spawn {full:?}: {e}")))?;
        let pid = child.id();
        let stdout = child.stdout.take().map(|s| LineReader::spawn(tag, s));
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            let t = tag.to_owned();
            let _ = thread::Builder::new()
                .name(format!("stderr-{tag}"))
                .spawn(move || {
                    for line in BufReader::new(pipe).lines() {
                        let Ok(line) = line else { break };
                        eprintln!("[{t} stderr] {line}");
                        if let Ok(mut s) = sink.lock() {
                            if s.len() < 1 << 20 {
                                s.push_str(&line);
                                s.push('\n');
                            }
                        }
                    }
                });
        }
        Ok(Child {
            tag: tag.to_owned(),
            argv: full,
            child,
            pid,
            stdout,
            stderr,
            status: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The stdout line reader.
    pub fn lines(&mut self) -> &mut LineReader {
        match self.stdout.as_mut() {
            Some(l) => l,
            None => panic!("[{}] stdout is not captured", self.tag),
        }
    }

    /// stderr collected so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Exit status if the process has exited (reaps it).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Some(st)) = self.child.try_wait() {
                self.status = Some(st);
            }
        }
        self.status
    }

    /// Waits for the process to exit on its own, at most `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let tag = self.tag.clone();
        wait_until(&format!("[{tag}] to exit"), timeout, || self.try_status()).map_err(|e| {
            err(format!(
                "{e}; argv {:?}; stderr: {}",
                self.argv,
                self.stderr_text().trim()
            ))
        })
    }

    /// Waits for exit status 0 within `timeout`.
    pub fn wait_success(&mut self, timeout: Duration) -> Result<()> {
        let st = self.wait_exit(timeout)?;
        if st.success() {
            Ok(())
        } else {
            Err(err(format!(
                "[{}] exited with {st}; argv {:?}; stderr: {}",
                self.tag,
                self.argv,
                self.stderr_text().trim()
            )))
        }
    }

    /// SIGTERM, up to 3 s of grace, then SIGKILL; always reaps.
    pub fn stop(&mut self) {
        if self.try_status().is_some() {
            return;
        }
        let _ = signal_pid(self.pid, "TERM");
        if wait_until("exit after SIGTERM", Duration::from_secs(3), || {
            self.try_status()
        })
        .is_ok()
        {
            return;
        }
        eprintln!("[{}] still running 3 s after SIGTERM: SIGKILL", self.tag);
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(st) => self.status = Some(st),
            Err(e) => eprintln!("[{}] wait after SIGKILL failed: {e}", self.tag),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop();
    }
}

// ----------------------------------------------------------------------------------- tcpgen

/// Path of `tests/support/tcpgen.py`.
pub fn tcpgen_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tcpgen.py")
}

/// The real python interpreter behind `/usr/bin/python3` (e.g. `/usr/bin/python3.11`).
pub fn real_python() -> Result<PathBuf> {
    std::fs::canonicalize("/usr/bin/python3")
        .map_err(|e| err(format!("cannot resolve /usr/bin/python3: {e}")))
}

/// Copies the real python interpreter to `path` (creating parent directories), so that a
/// process can run with an unusual argv[0] such as `/tmp/x/we ird/my prog`.
pub fn copy_python_to(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let src = real_python()?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(&src, path).map_err(|e| {
        err(format!(
            "cannot copy {} to {}: {e}",
            src.display(),
            path.display()
        ))
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// Parses one JSON line printed by tcpgen.py.
pub fn parse_event(line: &str) -> Option<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .filter(|v| v.get("event").is_some())
}

/// Field `key` of a JSON object as u64.
pub fn json_u64(v: &serde_json::Value, key: &str) -> Option<u64> {
    v.get(key).and_then(|x| x.as_u64())
}

/// A tcpgen server running inside a namespace, with the port it reported.
pub struct GenServer {
    pub child: Child,
    pub port: u16,
}

/// Starts `python3 tcpgen.py tcp-client --connect CONNECT <args…>` in namespace `ns`.
pub fn tcp_client(tag: &str, ns: &str, connect: &str, args: &[&str]) -> Result<Child> {
    let script = tcpgen_path().to_string_lossy().into_owned();
    let mut argv = vec![
        "/usr/bin/python3",
        script.as_str(),
        "tcp-client",
        "--connect",
        connect,
    ];
    argv.extend_from_slice(args);
    Child::spawn(tag, Some(ns), &argv)
}

impl GenServer {
    /// Starts `tcpgen.py <sub> --bind <ip> --timeout 120 <extra…>` in `ns` and waits for
    /// its `listening` line.
    pub fn start(tag: &str, ns: &str, sub: &str, bind: &str, extra: &[&str]) -> Result<GenServer> {
        let script = tcpgen_path();
        let script = script.to_string_lossy().into_owned();
        // Servers outlive every test step; a later `--timeout` in `extra` overrides this.
        let mut argv = vec![
            "/usr/bin/python3",
            script.as_str(),
            sub,
            "--bind",
            bind,
            "--timeout",
            "120",
        ];
        argv.extend_from_slice(extra);
        let mut child = Child::spawn(tag, Some(ns), &argv)?;
        let ev = child
            .lines()
            .wait_for_json("listening", Duration::from_secs(10), |v| {
                v.get("event").and_then(|e| e.as_str()) == Some("listening")
            })?;
        let port = json_u64(&ev, "port")
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| err(format!("[{tag}] bad listening line {ev}")))?;
        Ok(GenServer { child, port })
    }
}

/// Result line (`"event": "done"`) of a tcpgen client.
#[derive(Clone, Debug)]
pub struct GenDone {
    pub pid: u32,
    pub sent: u64,
    pub received: u64,
    pub finished_ms: u64,
}

/// Waits for a tcpgen client's `done` line and its successful exit.
pub fn wait_client_done(child: &mut Child, timeout: Duration) -> Result<GenDone> {
    let tag = child.tag().to_owned();
    let ev = child
        .lines()
        .wait_for_json("done", timeout, |v| {
            v.get("event").and_then(|e| e.as_str()) == Some("done")
        })
        .map_err(|e| err(format!("{e}; stderr: {}", child.stderr_text().trim())))?;
    child.wait_success(Duration::from_secs(5))?;
    let get = |k: &str| json_u64(&ev, k).ok_or_else(|| err(format!("[{tag}] no {k} in {ev}")));
    Ok(GenDone {
        pid: u32::try_from(get("pid")?).map_err(|_| err("pid out of range"))?,
        sent: get("sent")?,
        received: get("received")?,
        finished_ms: unix_ms(),
    })
}
