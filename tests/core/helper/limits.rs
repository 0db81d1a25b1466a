//! The helper's bounds against its caller: a command line of any length costs it no memory
//! (measured as the kernel sees it, VmHWM), and `restart` cannot make it kill and start
//! nethogs in a loop. Real helper, real nethogs, in a namespace of the test's own.

use super::{is_nethogs, parse_start, started, Helper, Netns, WAIT};
use std::time::{Duration, Instant};

const MIB: usize = 1024 * 1024;

/// The helper's peak resident memory so far, in KiB.
fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"));
    let status = status.unwrap_or_else(|e| panic!("cannot read /proc/{pid}/status: {e}"));
    let kib = status.lines().find_map(|l| l.strip_prefix("VmHWM:"));
    let kib = kib.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
    kib.unwrap_or_else(|| panic!("no VmHWM in /proc/{pid}/status"))
}

#[test]
fn a_200_mib_line_without_newline_keeps_memory_bounded() {
    let ns = Netns::new(false);
    let mut h = Helper::in_ns(&ns, &["lo"]);
    let nethogs = h.wait_until("start lo", |s| started(s, "lo"));
    let pid = h.child.id();
    let before = vm_hwm_kib(pid);
    // 200 MiB and no newline. write_all returns once all but a pipe's worth (64 KiB) is
    // read, so by then the helper has taken in (and must have dropped) nearly all of it.
    let chunk = vec![b'a'; MIB];
    for _ in 0..200 {
        h.send(&chunk);
    }
    let after = vm_hwm_kib(pid);
    let grown_mib = after.saturating_sub(before) / 1024;
    assert!(
        grown_mib < 16,
        "the helper's peak memory grew by {grown_mib} MiB (VmHWM {before} → {after} KiB) \
         reading one 200 MiB line"
    );
    // The line ends: it is an invalid (too long) command, like any other.
    h.send(b"\n");
    let status = h.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(4), "{status}");
    let stderr = h.stderr();
    assert!(
        stderr.contains("longer than 1024 bytes"),
        "stderr {stderr:?}"
    );
    assert!(!is_nethogs(nethogs), "nethogs {nethogs} left running");
}

#[test]
fn restart_requests_are_rate_limited() {
    const ASKED: usize = 100;
    const GAP: Duration = Duration::from_secs(5);
    let ns = Netns::new(false);
    let mut h = Helper::in_ns(&ns, &["lo"]);
    h.wait_until("start lo", |s| started(s, "lo"));
    let first = h.seen.len();
    let t0 = Instant::now();
    // All at once, then EOF: the helper handles every queued command before it stops.
    h.send(&b"restart\n".repeat(ASKED));
    h.stdin = None;
    let (mut restarts, mut starts) = (0, 0);
    // Every line to EOF; the bound is checked at each one, so a helper that restarts on
    // every request fails here long before it is done.
    let deadline = Instant::now() + 4 * WAIT;
    while let Ok(line) = h
        .out
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        restarts += usize::from(line == "restart request");
        starts += usize::from(parse_start(&line).is_some());
        // Our window holds the helper's, so it cannot have earned more than this.
        let allowed = 1 + (t0.elapsed().as_secs_f64() / GAP.as_secs_f64()) as usize;
        assert!(
            restarts <= allowed,
            "{restarts} restarts of {ASKED} requests within {:?} (at most one per {GAP:?}): \
             {:?}",
            t0.elapsed(),
            &h.seen[first..]
        );
        h.seen.push(line);
    }
    let status = h.wait_exit(WAIT);
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(restarts >= 1, "the first request is honoured: {:?}", h.seen);
    assert_eq!(
        starts, restarts,
        "one nethogs started per restart: {:?}",
        h.seen
    );
    let stderr = h.stderr();
    let ignored = stderr.matches("restart ignored").count();
    assert_eq!(
        ignored,
        ASKED - restarts,
        "each ignored request is said: {stderr:?}"
    );
}
