//! `hogwatch-helper`: the only part of hogwatch that runs as root (via pkexec or sudo).
//! It runs one `nethogs -t -v 2 -C -d N [-a] -- DEV` per device and forwards the output,
//! tagged with the device, one nethogs write per record. It parses nothing: parsing
//! happens on the unprivileged side.
//!
//! Usage: `hogwatch-helper --interval N DEV [DEV ...]`, `--version`, `--help`; and, built
//! with the `ebpf` feature, `hogwatch-helper --backend ebpf --interval N` (helper/ebpf.rs:
//! a kernel program instead of nethogs, its own records); `--backend ebpf --check` says
//! whether that is built in (exit 0) or not (7), loading nothing.
//! N is 1..=60 seconds. DEV is 1..=15 chars of `[A-Za-z0-9_.:@-]`, not `.` or `..`, with no
//! duplicates, at most 32 of them, and `/sys/class/net/DEV` must exist.
//! (helper/args.rs checks argv and the stdin commands below.)
//!
//! Stdout: one record per line, fields separated by one space, the first word is the kind.
//! - `hello 3 <version>`: the first line (protocol 3).
//! - `start <dev> <pid>`: a nethogs for dev started; its cumulative totals begin at zero.
//! - `rec <dev> <escaped>`: one write(2) of that nethogs to its stdout, whole, escaped so
//!   that it is one line of printable ASCII: bytes 0x20..=0x7e other than `\` as they are,
//!   every other byte as `\xHH`. Only writes shorter than 1024 bytes are forwarded.
//! - `long <dev> <len> <escaped>`: a write of `len` ≥ 1024 bytes, of which only the first
//!   16 bytes are forwarded, escaped (enough to see a `Refreshing:` marker; see below).
//! - `quiet <dev>` (protocol 3): that nethogs has written nothing for 50 ms since the `rec`
//!   or `long` lines before it — its refresh is complete. A refresh's lines and its `quiet`
//!   come in one write (at most 64 KiB, else in several).
//! - `stall <dev> <ms>` (protocol 3): that nethogs, alive, wrote nothing for `ms` ms (five
//!   of its refreshes, at least 6 s: stopped or stuck); it is killed, and its `exit`
//!   follows, then a restart as for any exit.
//! - `err <dev> <raw>`: one line of that nethogs' stderr, raw bytes (maybe not UTF-8)
//!   without the `\n` and a trailing `\r`, cut at 4096 bytes.
//! - `exit <dev> code:N|signal:N <retry_ms>`: a nethogs ended; it is started again after
//!   retry_ms (0: not on its own, because everything is stopping or restarting).
//! - `restart devices|hourly|request`: every nethogs is restarted; `exit`s and `start`s follow.
//!
//! All lines of one nethogs come after its `start` and before its `exit`. A nethogs that
//! dies is restarted after 1, 2, 4 … 30 s (back to 1 s once one has run 60 s); all are
//! restarted hourly, because nethogs' memory grows without bound in total mode.
//!
//! Stdin, one command per line of at most 1024 bytes: `devices DEV[,DEV...]` (a new device
//! set, checked like argv) or `restart`. Stdin EOF or SIGTERM/SIGINT/SIGHUP: stop every
//! nethogs (SIGINT, SIGKILL after 1 s) and exit. Both commands restart every nethogs, at
//! most once per 5 s: a `restart` sooner is ignored, a `devices` sooner is kept (the latest
//! one) and applied when the 5 s are up; either is said on stderr.
//!
//! Exit codes: 0 stopped normally, 2 invalid arguments, 3 nethogs not found,
//! 4 invalid stdin command, 5 internal error (signal handlers, threads), 6 nethogs found but
//! refused (not root's, or a path to it writable by others), 7 `--backend ebpf` not built in,
//! 8 the eBPF program cannot be loaded or attached on this machine (why: on stderr).
//!
//! Precautions, and why:
//! - Our environment is cleared; nethogs runs only from fixed absolute paths, with an empty
//!   environment, stdin from /dev/null, in `/`, and devices follow `--`: nothing the
//!   unprivileged caller controls reaches root except checked device names, and those can be
//!   neither paths nor options.
//! - nethogs runs only if root alone can have put it there: the file, every directory on the
//!   way and every symlink followed are root's and not writable by group or others; the
//!   resolved path is what runs (`confine::trusted`).
//! - nethogs gets only what it uses: uid/gid 65534 without groups, cap_net_raw,
//!   cap_dac_read_search and cap_sys_ptrace and no other capability (bounding, permitted,
//!   effective, inheritable, ambient), and no_new_privs; so a flaw in its packet parsing
//!   does not get root (`confine::confine`; a helper that is not root leaves nethogs' own
//!   file capabilities alone).
//! - Device names are checked against the charset before touching the filesystem.
//! - SIGPIPE is reset to default (pkexec and Rust's runtime ignore it): if our reader goes
//!   away, writing kills us, and `PR_SET_PDEATHSIG` then kills every nethogs (it works even
//!   when we are SIGKILLed; the caller cannot signal a pkexec'd process itself).
//! - Signal handlers only set a flag; the main loop looks at it at least every second (`POLL`).
//! - Lines and commands are cut at fixed lengths, and the rest of a longer line is skipped
//!   without being kept: memory stays bounded on any input, however long a line.
//! - Restarts asked for on stdin are rate-limited (above): a caller cannot make us kill
//!   and start nethogs in a loop.
//! - nethogs' stdout is a `SOCK_SEQPACKET` socket, not a pipe, so each of its write(2)s
//!   arrives as one message. nethogs prints a record as `argv[0]/PID/UID\tSENT\tRECV` and
//!   flushes it (`std::endl`), so a message is one record — a process whose argv[0] holds
//!   newlines, tabs or a fake `Refreshing:` still yields one message, ending in the pid and
//!   uid nethogs wrote. Through a pipe those bytes would be indistinguishable from other
//!   records. A record longer than stdio's buffer (4096 B with glibc, 1024 B with musl)
//!   reaches us in several writes whose boundaries the name's owner can place, so writes of
//!   1024 bytes or more are forwarded by length and first bytes only (`long`): no record
//!   is ever read from them.
//! - No panics: errors become messages on stderr and exit codes.

use libc::{c_int, SIGHUP, SIGINT, SIGKILL, SIGPIPE, SIGTERM, SIG_DFL, SIG_ERR};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError::*, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

#[path = "helper/args.rs"]
mod args;
#[path = "helper/confine.rs"]
mod confine;
#[cfg(feature = "ebpf")]
#[path = "helper/ebpf.rs"]
mod ebpf;
#[cfg(feature = "ebpf")]
#[path = "helper/ebpf_report.rs"]
mod ebpf_report;
#[path = "helper/records.rs"]
mod records;
use args::{parse_args, parse_command, read_capped, Cmd, Invocation, MAX_CMD, USAGE};
use records::{forward_records, record_socket};

const NETHOGS: [&str; 3] = [
    "/usr/sbin/nethogs",
    "/usr/bin/nethogs",
    "/usr/local/sbin/nethogs",
];
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The stdout protocol's version, in `hello` (3: `quiet` and `stall` lines).
const PROTOCOL: u32 = 3;
const MAX_LINE: usize = 4096;
/// Writes this long or longer may be pieces of one record (see the module comment).
const MAX_RECORD: usize = 1024;
/// How much of a longer write is forwarded: its head may hold the refresh marker.
const LONG_HEAD: usize = 16;
/// Send buffer of nethogs' stdout socket: a write larger than it fails with EMSGSIZE, and
/// a failed write would silence nethogs' stdout for good. argv[0] can be ~2 MiB.
const RECORD_SNDBUF: libc::c_int = 8 << 20;
const IFF_LOOPBACK: u32 = 0x8;
const HOURLY: Duration = Duration::from_secs(3600);
/// A nethogs that writes nothing for this many refreshes (and `STALL_MIN`) is killed and
/// restarted (`stall`).
const STALL_REFRESHES: u64 = 5;
const STALL_MIN: Duration = Duration::from_secs(6);
/// At most one restart asked for on stdin per this long.
const RESTART_GAP: Duration = Duration::from_secs(5);
/// The longest the supervision loop sleeps: a nethogs that exits on its own, or a signal,
/// is noticed within it (stdin closing, how hogwatch stops the helper, at once). It was
/// 100 ms, ten wakeups a second of an idle machine.
const POLL: Duration = Duration::from_secs(1);

/// Set by SIGTERM/SIGINT/SIGHUP, or when stdout fails.
static STOP: AtomicBool = AtomicBool::new(false);

/// One device and its nethogs.
struct Mon {
    dev: String,
    child: Option<Child>, // None: waiting until `due` to start one
    readers: Vec<JoinHandle<()>>,
    started: Instant,
    /// When its nethogs last wrote, in ms after `started` (its reader thread sets it).
    heard: Arc<AtomicU64>,
    due: Instant,
    backoff: u64, // seconds to wait after the next unexpected exit
}

fn main() -> ExitCode {
    ExitCode::from(run())
}

fn run() -> u8 {
    if !set_signals() {
        return fail(5, "cannot install signal handlers");
    }
    // Before any thread exists: changing the environment is only sound single-threaded.
    std::env::vars_os().for_each(|(key, _)| std::env::remove_var(key));
    let argv: Vec<_> = std::env::args_os().skip(1).collect();
    // Non-UTF-8 becomes "", which every check below rejects.
    let args: Vec<&str> = argv.iter().map(|a| a.to_str().unwrap_or("")).collect();
    let (n, devs) = match parse_args(&args, &device_exists) {
        Err(msg) => return fail(2, &msg),
        Ok(Invocation::Version) => return emit(&format!("hogwatch-helper {VERSION}"), b""),
        Ok(Invocation::Help) => return emit(USAGE, b""),
        Ok(Invocation::CheckEbpf) => return check_ebpf(),
        Ok(Invocation::Ebpf {
            interval,
            entries,
            old_hooks,
        }) => return run_ebpf(interval, entries, old_hooks),
        Ok(Invocation::Nethogs { interval, devices }) => (interval, devices),
    };
    let is_file = |p: &&str| std::fs::metadata(p).is_ok_and(|m| m.is_file());
    let Some(nethogs) = NETHOGS.into_iter().find(is_file) else {
        return fail(3, &format!("nethogs not found in {NETHOGS:?}"));
    };
    if let Err(why) = confine::trusted(Path::new(nethogs)) {
        return fail(6, &format!("refusing to run {nethogs}: {why}"));
    }
    let (tx, rx) = mpsc::channel();
    let stdin_thread = thread::Builder::new().spawn(move || read_commands(&tx));
    if stdin_thread.is_err() {
        return fail(5, "cannot start a thread");
    }
    emit(&format!("hello {PROTOCOL} {VERSION}"), b"");
    let mut mons: Vec<Mon> = devs.into_iter().map(new_mon).collect();
    let mut since = Instant::now();
    // The last restart asked for on stdin, and a device set waiting for RESTART_GAP.
    let (mut asked, mut pending): (Option<Instant>, Option<Vec<String>>) = (None, None);
    loop {
        for mon in &mut mons {
            kill_if_silent(mon, u64::from(n));
            reap(mon);
            if mon.child.is_none() && mon.due <= Instant::now() {
                start(nethogs, n, mon);
            }
        }
        let wait = asked.map_or(Duration::ZERO, |t| RESTART_GAP.saturating_sub(t.elapsed()));
        let (reason, devs) = match rx.recv_timeout(next_wake(&mons, wait, pending.is_some())) {
            _ if STOP.load(SeqCst) => return stop_all(&mut mons, 0),
            Err(Disconnected) => return stop_all(&mut mons, 0),
            Ok(Err(msg)) => return stop_all(&mut mons, fail(4, &msg)),
            Ok(Ok(None)) if !wait.is_zero() => {
                say(&format!("restart ignored: at most one per {RESTART_GAP:?}"));
                continue;
            }
            Ok(Ok(Some(devs))) if !wait.is_zero() => {
                say(&format!(
                    "devices deferred {wait:.1?}: at most one restart per {RESTART_GAP:?}"
                ));
                pending = Some(devs);
                continue;
            }
            // A device set asked for meanwhile comes with the restart.
            Ok(Ok(None)) => ("request", pending.take()),
            Ok(Ok(devs)) => ("devices", devs),
            Err(Timeout) if wait.is_zero() && pending.is_some() => ("devices", pending.take()),
            Err(Timeout) if since.elapsed() >= HOURLY => ("hourly", None),
            Err(Timeout) => continue,
        };
        emit(&format!("restart {reason}"), b"");
        stop_all(&mut mons, 0); // sets every `due` to now: the loop starts them at once
        mons = devs.map_or(mons, |devs| devs.into_iter().map(new_mon).collect());
        since = Instant::now();
        if reason != "hourly" {
            asked = Some(since);
        }
    }
}

/// `--backend ebpf --check` (for `hogwatch doctor`, any user): 0 when the eBPF backend is
/// built in, 7 when not. Loads nothing.
fn check_ebpf() -> u8 {
    if cfg!(feature = "ebpf") {
        emit("ebpf built in", b"")
    } else {
        fail(7, "--backend ebpf: not built in (cargo feature `ebpf`)")
    }
}

/// The eBPF backend (options checked by `args`): 7 when this helper was built without it.
fn run_ebpf(n: u32, entries: u32, old_hooks: bool) -> u8 {
    #[cfg(feature = "ebpf")]
    {
        emit(&format!("hello {PROTOCOL} {VERSION}"), b"");
        ebpf::run(n, entries, old_hooks)
    }
    #[cfg(not(feature = "ebpf"))]
    fail(
        7,
        &format!(
            "--backend ebpf (interval {n}, {entries} entries, old hooks {old_hooks}): not built \
             in (cargo feature `ebpf`)"
        ),
    )
}

/// Whether `/sys/class/net/NAME` exists; `args` asks only about valid device names.
fn device_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

fn read_commands(tx: &Sender<Cmd>) {
    let (mut stdin, mut buf) = (io::stdin().lock(), Vec::new());
    // EOF or a read error returns, dropping `tx`: the main loop sees that and stops.
    while let Ok(Some(fits)) = read_capped(&mut stdin, &mut buf, MAX_CMD) {
        let cmd = parse_command(&buf, fits, &device_exists);
        let bad = cmd.is_err();
        if tx.send(cmd).is_err() || bad {
            return;
        }
    }
}

/// Writes `lines` (whole lines) to stdout in one go, flushed, and empties it; the lock
/// keeps lines from interleaving. A failed write stops the helper (`STOP`).
fn emit_all(lines: &mut Vec<u8>) {
    if lines.is_empty() {
        return;
    }
    let mut out = io::stdout().lock();
    if out.write_all(lines).and_then(|()| out.flush()).is_err() {
        STOP.store(true, SeqCst);
    }
    lines.clear();
}

/// Writes one whole record (`head`, `raw`, a newline) as `emit_all` does.
/// Returns 0, the exit code of `--version` and `--help`.
fn emit(head: &str, raw: &[u8]) -> u8 {
    emit_all(&mut [head.as_bytes(), raw, b"\n"].concat());
    0
}

/// How long the supervision loop may wait for a command: until the next nethogs is due to
/// start, a deferred device set may go (`wait`), or `POLL` at the most.
fn next_wake(mons: &[Mon], wait: Duration, pending: bool) -> Duration {
    let now = Instant::now();
    let due = mons
        .iter()
        .filter(|m| m.child.is_none())
        .map(|m| m.due.saturating_duration_since(now));
    let deferred = pending.then_some(wait);
    due.chain(deferred).fold(POLL, Duration::min)
}

/// Prints a message on stderr; never panics, unlike `eprintln!`.
fn say(msg: &str) {
    let _ = writeln!(io::stderr(), "hogwatch-helper: {msg}");
}

fn fail(code: u8, msg: &str) -> u8 {
    say(msg);
    code
}

fn new_mon(dev: String) -> Mon {
    let now = Instant::now();
    Mon {
        dev,
        child: None,
        readers: Vec::new(),
        started: now,
        heard: Arc::new(AtomicU64::new(0)),
        due: now,
        backoff: 1,
    }
}

fn is_loopback(dev: &str) -> bool {
    let flags = std::fs::read_to_string(format!("/sys/class/net/{dev}/flags"));
    let flags = flags.unwrap_or_default();
    let hex = flags.trim().trim_start_matches("0x");
    u32::from_str_radix(hex, 16).is_ok_and(|f| f & IFF_LOOPBACK != 0)
}

/// Starts nethogs for `mon.dev`; runs on the main thread only (see `tie_to_helper`).
fn start(nethogs: &str, interval: u32, mon: &mut Mon) {
    // Checked again at every start: what runs is the path resolved now.
    let path = match confine::trusted(Path::new(nethogs)) {
        Ok(path) => path,
        Err(why) => {
            say(&format!("refusing to run {nethogs}: {why}"));
            schedule(mon);
            return;
        }
    };
    let mut cmd = Command::new(path);
    cmd.args(["-t", "-v", "2", "-C", "-d", &interval.to_string()]);
    if is_loopback(&mon.dev) {
        cmd.arg("-a"); // nethogs skips loopback devices without it
    }
    cmd.arg("--").arg(&mon.dev).current_dir("/");
    cmd.env_clear().stdin(Stdio::null());
    let (ours, theirs) = match record_socket() {
        Ok(pair) => pair,
        Err(e) => {
            say(&format!(
                "cannot create a socket for nethogs on {}: {e}",
                mon.dev
            ));
            schedule(mon);
            return;
        }
    };
    cmd.stdout(Stdio::from(theirs)).stderr(Stdio::piped());
    confine::confine(&mut cmd); // first: the uid change resets what tie_to_helper sets
    tie_to_helper(&mut cmd);
    mon.started = Instant::now();
    let spawned = cmd.spawn();
    drop(cmd); // closes our copy of nethogs' end: its exit is then our end's EOF
    match spawned {
        Ok(mut child) => {
            emit(&format!("start {} {}", mon.dev, child.id()), b"");
            mon.heard = Arc::new(AtomicU64::new(0)); // a detached old reader keeps its own
            let out = forward_records(mon.dev.clone(), ours, mon.heard.clone(), mon.started);
            let err = pump(format!("err {} ", mon.dev), child.stderr.take());
            if out.is_none() || err.is_none() {
                let _ = child.kill(); // an unread pipe would block it; it is reaped and retried
            }
            mon.readers = out.into_iter().chain(err).collect();
            mon.child = Some(child);
        }
        Err(e) => {
            say(&format!("cannot start {nethogs} for {}: {e}", mon.dev));
            schedule(mon);
        }
    }
}

/// Forwards every line of `src`, prefixed with `head`, from a new thread.
fn pump<R: Read + Send + 'static>(head: String, src: Option<R>) -> Option<JoinHandle<()>> {
    let mut r = BufReader::new(src?);
    let body = move || {
        let mut buf = Vec::new();
        while let Ok(Some(_)) = read_capped(&mut r, &mut buf, MAX_LINE) {
            emit(&head, &buf);
        }
    };
    thread::Builder::new().spawn(body).ok()
}

/// Sets when a dead nethogs is started again and returns that delay in ms.
fn schedule(mon: &mut Mon) -> u64 {
    if mon.started.elapsed() >= Duration::from_secs(60) {
        mon.backoff = 1;
    }
    let delay = mon.backoff;
    mon.backoff = (delay * 2).min(30);
    mon.due = Instant::now() + Duration::from_secs(delay);
    delay * 1000
}

/// Kills a nethogs that is alive but has written nothing for `STALL_REFRESHES` of its
/// refreshes (at least `STALL_MIN`): stopped (SIGSTOP), or stuck. `reap` then reports its
/// exit and restarts it with backoff. nethogs writes at least its `Refreshing:` marker
/// every refresh, traffic or not; so silence means it is not refreshing.
fn kill_if_silent(mon: &mut Mon, interval_s: u64) {
    let Some(child) = mon.child.as_mut() else {
        return;
    };
    let limit = STALL_MIN.max(Duration::from_secs(interval_s * STALL_REFRESHES));
    let heard = Duration::from_millis(mon.heard.load(SeqCst));
    let silent = mon.started.elapsed().saturating_sub(heard);
    if silent >= limit {
        emit(&format!("stall {} {}", mon.dev, silent.as_millis()), b"");
        let _ = child.kill(); // SIGKILL ends a stopped process too
        let _ = child.wait();
    }
}

/// Reports a nethogs that exited on its own and schedules its restart.
fn reap(mon: &mut Mon) {
    if let Some(Ok(Some(status))) = mon.child.as_mut().map(Child::try_wait) {
        mon.child = None;
        wait_readers(mon, Instant::now() + Duration::from_millis(500));
        let (retry, status) = (schedule(mon), status_text(Ok(status)));
        emit(&format!("exit {} {status} {retry}", mon.dev), b"");
    }
}

/// Stops every nethogs: SIGINT, SIGKILL after 1 s, reap; returns `code` for convenience.
fn stop_all(mons: &mut [Mon], code: u8) -> u8 {
    mons.iter()
        .filter_map(|m| m.child.as_ref())
        .for_each(interrupt);
    let deadline = Instant::now() + Duration::from_secs(1);
    for mon in mons.iter_mut() {
        mon.due = Instant::now();
        let Some(mut child) = mon.child.take() else {
            continue;
        };
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => break child.kill().and_then(|()| child.wait()),
            }
        };
        wait_readers(mon, deadline + Duration::from_millis(400));
        emit(&format!("exit {} {} 0", mon.dev, status_text(status)), b"");
    }
    code
}

/// Readers end at EOF, right after their nethogs exits, so its `exit` follows its last line.
/// The deadline only matters if someone else holds the pipe; such readers are left detached.
fn wait_readers(mon: &mut Mon, deadline: Instant) {
    while mon.readers.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    mon.readers.clear();
}

fn status_text(status: io::Result<ExitStatus>) -> String {
    match status.map(|s| (s.code(), s.signal())) {
        Ok((Some(code), _)) => format!("code:{code}"),
        Ok((None, Some(sig))) => format!("signal:{sig}"),
        _ => "code:-1".into(),
    }
}

extern "C" fn on_signal(_: c_int) {
    STOP.store(true, SeqCst);
}

#[allow(unsafe_code)]
fn set_signals() -> bool {
    let on = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
    // SAFETY: a valid signal number and SIG_DFL; no handler code is involved.
    let mut ok = unsafe { libc::signal(SIGPIPE, SIG_DFL) } != SIG_ERR;
    for sig in [SIGTERM, SIGINT, SIGHUP] {
        // SAFETY: a valid signal number; `on_signal` is a `'static` extern "C" fn whose only
        // work, an atomic store, is async-signal-safe.
        ok &= unsafe { libc::signal(sig, on) } != SIG_ERR;
    }
    ok
}

/// SIGINT makes nethogs exit 0 at once (SIGTERM would kill it without cleanup).
#[allow(unsafe_code)]
fn interrupt(child: &Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) touches no memory of ours. `child` has not been reaped (we drop a
        // Child once try_wait/wait returns its status), so its pid cannot have been reused.
        unsafe { libc::kill(pid, SIGINT) };
    }
}

/// Makes the kernel SIGKILL the child when the thread that forked it dies (always the main
/// thread, so: when the helper dies), and undoes an inherited SIG_IGN for SIGPIPE.
#[allow(unsafe_code)]
fn tie_to_helper(cmd: &mut Command) {
    let helper = libc::pid_t::try_from(std::process::id()).unwrap_or(-1);
    // SAFETY: the closure runs in the forked child before exec. It only calls prctl, getppid
    // and signal, which are async-signal-safe, and does not allocate (a raw OS error doesn't).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, SIGKILL as libc::c_ulong) != 0 {
                return Err(io::Error::last_os_error());
            }
            // If the helper died before prctl, nothing would ever kill this nethogs.
            if libc::getppid() != helper || libc::signal(SIGPIPE, SIG_DFL) == SIG_ERR {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}
