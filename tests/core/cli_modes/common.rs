//! What the command-line tests share: the JSON contract every snapshot keeps, hogwatch
//! run to its end with a private HOME (and its panics told apart), UDP bursts, a child's
//! whole output, and replays run at full speed.

use crate::support;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::cli::{expect_exit_zero, expect_no_panic, hog_argv, refs, tail};
use support::home::Home;
use support::snapshot::Snapshot;
use support::{err, run, Child, CmdOutput, Deadline, Netns, Result};

pub(super) const HOGWATCH: &str = env!("CARGO_BIN_EXE_hogwatch");
pub(super) const NOBODY: u32 = 65534;
/// Prefix of each test's temporary HOME.
pub(super) const HOME_PREFIX: &str = "hogwatch-cli-";

// ------------------------------------------------------------------------- JSON contract

/// Every `*_rate` anywhere in `v` must be a JSON number ≥ 0 (serde_json writes NaN and
/// ±inf as `null`, so a number is always finite).
pub(super) fn check_rates(v: &Value, path: &str) -> Result<()> {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let here = format!("{path}.{k}");
                if k.ends_with("_rate") {
                    match x.as_f64() {
                        Some(r) if r.is_finite() && r >= 0.0 => {}
                        _ => return Err(err(format!("{here} is {x}: not a finite rate ≥ 0"))),
                    }
                }
                check_rates(x, &here)?;
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                check_rates(x, &format!("{path}[{i}]"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Parses `top --json` output: every non-blank line must be one snapshot that follows
/// the contract and has sane rates.
pub(super) fn parse_snapshots<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> Result<Vec<Snapshot>> {
    let mut snaps = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let short: String = line.chars().take(300).collect();
        let v: Value = serde_json::from_str(line).map_err(|e| {
            err(format!(
                "{what}: stdout line {} is not JSON ({e}): {short}",
                i + 1
            ))
        })?;
        check_rates(&v, &format!("{what}: snapshot {}", snaps.len() + 1))?;
        let s: Snapshot = serde_json::from_value(v).map_err(|e| {
            err(format!(
                "{what}: stdout line {} breaks the snapshot contract ({e}): {short}",
                i + 1
            ))
        })?;
        snaps.push(s);
    }
    Ok(snaps)
}

// ---------------------------------------------------------------------------- running it

/// Runs hogwatch to its end under `timeout(1)` (a hang fails the test).
pub(super) fn hog_run(
    wrapper: &[&str],
    exe: &str,
    home: &Home,
    args: &[&str],
    limit: Duration,
) -> Result<CmdOutput> {
    let argv = hog_argv(wrapper, exe, home, args);
    eprintln!("running: {}", argv.join(" "));
    run(&refs(&argv), limit)
}

/// No panic: neither the exit status of a panicking main (101) nor a panic message from
/// any thread (a panicking collector task does not change the exit status).
pub(super) fn no_panic(out: &CmdOutput, what: &str) -> Result<()> {
    expect_no_panic(out, what, panic_lines)
}

/// The `panicked at` lines of stderr with the message after each.
pub(super) fn panic_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains("panicked") {
            out.push(*l);
            out.extend(lines.get(i + 1));
        }
    }
    if out.is_empty() {
        tail(stderr, 2000).to_owned()
    } else {
        out.join("\n")
    }
}

pub(super) fn expect_success(out: &CmdOutput, what: &str) -> Result<()> {
    no_panic(out, what)?;
    expect_exit_zero(out, what)
}

/// Sends `count` UDP datagrams of `size` bytes from namespace `ns` to `ip` (discard port;
/// nothing listens, the bytes still leave through the veth).
pub(super) fn udp_burst(ns: &Netns, ip: &str, count: u32, size: u32) -> Result<()> {
    let script = format!(
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         for _ in range({count}):\n    s.sendto(b'x' * {size}, ('{ip}', 9))\n"
    );
    ns.exec(&["/usr/bin/python3", "-c", &script]).map(|_| ())
}

/// Reads a spawned hogwatch to the end of its stdout (after it exited).
pub(super) fn all_lines(child: &mut Child, deadline: &Deadline) -> Result<Vec<String>> {
    while child
        .lines()
        .next_line(deadline.cap(Duration::from_secs(5)))?
        .is_some()
    {}
    Ok(child.lines().history().to_vec())
}

/// `top --json --source replay:PATH --replay-speed 0 EXTRA…`, run to its end.
pub(super) fn replay_run(path: &Path, extra: &[&str], limit: Duration) -> Result<CmdOutput> {
    let home = Home::new(HOME_PREFIX)?;
    let source = format!("replay:{}", path.display());
    let mut args = vec![
        "top",
        "--json",
        "--source",
        source.as_str(),
        "--replay-speed",
        "0",
    ];
    args.extend_from_slice(extra);
    hog_run(&[], HOGWATCH, &home, &args, limit)
}

/// [`replay_run`] that must succeed without panic and print valid snapshots.
pub(super) fn replay_json(
    path: &Path,
    extra: &[&str],
    limit: Duration,
) -> Result<(CmdOutput, Vec<Snapshot>)> {
    let out = replay_run(path, extra, limit)?;
    let what = format!("replay of {}", path.display());
    expect_success(&out, &what)?;
    let snaps = parse_snapshots(out.stdout.lines(), &what)?;
    Ok((out, snaps))
}
