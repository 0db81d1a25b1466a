//! A helper that misbehaves — floods its stdout, writes one endless line, writes garbage,
//! or exits right after its hello, again and again — is stopped and restarted with
//! growing pauses, the reason is in the status, and hogwatch's CPU and memory stay
//! bounded meanwhile.
//!
//! The real `hogwatch top` runs from a copy of its binary in a temporary directory, where
//! a stand-in `hogwatch-helper` (a Python script) sits beside it: hogwatch takes the
//! helper next to its own binary. The real helper does none of this, so a stand-in it
//! must be. Each start of the stand-in is logged with its time, to see the backoff. Needs
//! root (hogwatch runs the helper directly) and python3, as the rest of the suite.

use crate::support;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};
use support::home::Home;
use support::snapshot::{Health, Snapshot};
use support::{err, Child, Result};

/// How long hogwatch runs with the stand-in.
const RUN: Duration = Duration::from_secs(24);

/// What every stand-in does first: log its start, say hello (protocol 3).
const PROLOGUE: &str = r#"#!/usr/bin/python3
import sys, time
with open(sys.argv[0] + ".starts", "a") as log:
    log.write(f"{time.monotonic()}\n")
out = sys.stdout.buffer
out.write(b"hello 3 0.0.0\n")
out.flush()
"#;

/// What a run showed.
struct Seen {
    statuses: Vec<String>,
    /// Seconds between the stand-in's starts.
    gaps: Vec<f64>,
    /// hogwatch's CPU time over the run, as a share of the run's wall time.
    cpu_share: f64,
    /// hogwatch's peak resident memory, KiB.
    peak_kib: u64,
    /// The last snapshot's health (helper starts and dropped lines, for /metrics).
    health: Health,
}

/// Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux).
fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of `pid`, in seconds.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| err(format!("/proc/{pid}/stat: {e}")))?;
    let tail = stat.rsplit_once(')').map(|t| t.1).unwrap_or_default();
    let f: Vec<&str> = tail.split_whitespace().collect();
    // After the comm: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
    let num = |i: usize| {
        f.get(i - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((num(14) + num(15)) as f64 / ticks_per_second())
}

fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `hogwatch top` with the stand-in `body` (after `PROLOGUE`) for `RUN`.
fn run_with(tag: &str, body: &str) -> Result<Seen> {
    let home = Home::new(&format!("hogwatch-misbehave-{tag}-"))?;
    let dir = home.path().join("bin");
    std::fs::create_dir_all(&dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
    let hogwatch = dir.join("hogwatch");
    std::fs::copy(env!("CARGO_BIN_EXE_hogwatch"), &hogwatch)
        .map_err(|e| err(format!("copying hogwatch: {e}")))?;
    let helper = dir.join("hogwatch-helper");
    std::fs::write(&helper, format!("{PROLOGUE}{body}"))
        .and_then(|()| std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)))
        .map_err(|e| err(format!("{}: {e}", helper.display())))?;

    let pairs = home.env();
    let env: Vec<(&str, &str)> = pairs.iter().filter_map(|kv| kv.split_once('=')).collect();
    let prog = hogwatch.to_string_lossy().into_owned();
    let argv = [
        prog.as_str(),
        "top",
        "--json",
        "--elevate",
        "none",
        "--interval",
        "1",
        "--devices",
        "lo",
    ];
    let mut hog = Child::spawn_env(&format!("hogwatch-{tag}"), None, &argv, &env)?;
    let started = Instant::now();
    let cpu0 = cpu_seconds(hog.pid())?;
    let mut statuses = Vec::new();
    let mut health = Health::default();
    while started.elapsed() < RUN {
        let left = RUN.saturating_sub(started.elapsed());
        match hog.lines().next_line(left) {
            Ok(Some(line)) if line.trim_start().starts_with('{') => {
                let s: Snapshot = serde_json::from_str(line.trim())
                    .map_err(|e| err(format!("not a snapshot ({e}): {line}")))?;
                if statuses.last() != Some(&s.status) {
                    eprintln!("[{tag}] status: {}", s.status);
                    statuses.push(s.status);
                }
                health = s.health;
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(err(format!(
                    "hogwatch ended early: {}",
                    hog.stderr_text()
                        .lines()
                        .rev()
                        .take(5)
                        .collect::<Vec<_>>()
                        .join("\n")
                )))
            }
            Err(_) => break,
        }
    }
    let cpu = cpu_seconds(hog.pid())? - cpu0;
    let peak = peak_kib(hog.pid());
    let wall = started.elapsed().as_secs_f64();
    hog.stop();
    let starts: Vec<f64> = std::fs::read_to_string(format!("{}.starts", helper.display()))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let gaps: Vec<f64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let seen = Seen {
        statuses,
        gaps,
        cpu_share: cpu / wall,
        peak_kib: peak,
        health,
    };
    eprintln!(
        "[{tag}] {} starts, gaps {:?} s; hogwatch used {:.1}% of a core, peak RSS {} KiB; \
         health {:?}",
        seen.gaps.len() + 1,
        seen.gaps
            .iter()
            .map(|g| (g * 10.0).round() / 10.0)
            .collect::<Vec<_>>(),
        100.0 * seen.cpu_share,
        seen.peak_kib,
        seen.health
    );
    Ok(seen)
}

/// What every misbehaving stand-in must show: the reason (`says`) in the status, restarts
/// with growing pauses, and hogwatch within a third of a core and 100 MiB meanwhile.
fn check(seen: &Seen, says: &str) -> Result<()> {
    let mut problems = Vec::new();
    if !seen
        .statuses
        .iter()
        .any(|s| s.contains(says) && s.contains("restarting in"))
    {
        problems.push(format!(
            "no status says “{says}” and when it restarts: {:?}",
            seen.statuses
        ));
    }
    // Backoff 1, 2, 4, 8 s (plus detecting and stopping, up to 3 s for a stand-in that
    // does not stop when asked): 3 to 6 starts in the run, each pause longer by a second
    // or more.
    let starts = seen.gaps.len() + 1;
    if !(3..=6).contains(&starts) {
        problems.push(format!("{starts} starts in {RUN:?}: {:?}", seen.gaps));
    }
    if seen.gaps.windows(2).any(|w| w[1] < w[0] + 0.8) {
        problems.push(format!("the pauses do not grow: {:?}", seen.gaps));
    }
    if seen.cpu_share > 0.33 {
        problems.push(format!(
            "hogwatch used {:.0}% of a core",
            100.0 * seen.cpu_share
        ));
    }
    if seen.peak_kib > 100 * 1024 {
        problems.push(format!("hogwatch's peak RSS was {} KiB", seen.peak_kib));
    }
    // The snapshots (hence /metrics) count the starts: the last one read may precede the
    // last start.
    let counted = seen.health.helper_starts;
    if !(starts.saturating_sub(1) as u64..=starts as u64).contains(&counted) {
        problems.push(format!(
            "the snapshot counts {counted} helper starts, the stand-in {starts}"
        ));
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(err(problems.join("\n"))),
    }
}

#[test]
fn a_flooding_helper_is_restarted_with_backoff_and_costs_little() -> Result<()> {
    support::require_root_and_nethogs();
    // Lines hogwatch understands (nethogs' stderr, as the helper passes it on), endlessly.
    let seen = run_with(
        "flood",
        "chunk = (b'err lo ' + b'x' * 1017 + b'\\n') * 64\nwhile True:\n    out.write(chunk)\n",
    )?;
    check(&seen, "within a second")
}

#[test]
fn an_endless_line_is_read_in_pieces_and_the_helper_restarted() -> Result<()> {
    support::require_root_and_nethogs();
    let seen = run_with(
        "endless",
        "chunk = b'x' * 65536\nwhile True:\n    out.write(chunk)\n",
    )?;
    check(&seen, "does not understand")
}

#[test]
fn a_helper_writing_garbage_is_restarted_with_backoff() -> Result<()> {
    support::require_root_and_nethogs();
    let seen = run_with(
        "garbage",
        "n = 0\nwhile True:\n    n += 1\n    out.write(b'\\x1b[31mnot a record %d\\n' % n)\n    \
         out.flush()\n    time.sleep(0.002)\n",
    )?;
    check(&seen, "does not understand")?;
    // Each line it did not understand is counted as dropped (for /metrics).
    assert!(
        seen.health.dropped_lines > 0,
        "no dropped lines counted: {:?}",
        seen.health
    );
    Ok(())
}

#[test]
fn a_helper_exiting_after_its_hello_is_restarted_with_backoff() -> Result<()> {
    support::require_root_and_nethogs();
    let seen = run_with("exits", "sys.exit(70)\n")?;
    check(&seen, "helper stopped")
}
