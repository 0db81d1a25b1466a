//! `top --record` with real nethogs and real traffic, then the replay of that recording:
//! the same totals.

use super::common::{all_lines, parse_snapshots, replay_json, HOGWATCH, HOME_PREFIX};
use crate::support;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use support::cli::{hog_argv, refs};
use support::home::Home;
use support::netns::Pair;
use support::snapshot::{Snapshot, Usage};
use support::{
    err, nethogs_pids_for, require_root_and_nethogs, tcp_client, wait_client_done, wait_until,
    Child, Deadline, GenServer, Result,
};

#[test]
fn recording_replays_to_the_same_totals() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(29));
    let pair = Pair::new("rec")?;
    let dev = pair.link.dev.clone();
    let server = GenServer::in_peer(
        "rec-server",
        &pair,
        &[
            "--send-bytes",
            "300000",
            "--rate",
            "1000000",
            "--timeout",
            "40",
        ],
    )?;

    let work = tempfile::Builder::new().prefix("hogwatch-rec-").tempdir()?;
    let recording = work.path().join("live.jsonl");
    let rec_arg = recording.to_string_lossy().into_owned();
    let home = Home::new(HOME_PREFIX)?;
    // 14 refreshes: ~3 s to be ready, ~3 s of traffic and hold, then ≥ 5 quiet refreshes.
    let argv = hog_argv(
        &[],
        HOGWATCH,
        &home,
        &[
            "top",
            "--json",
            "--count",
            "14",
            "--interval",
            "1",
            "--elevate",
            "none",
            "--devices",
            &dev,
            "--record",
            &rec_arg,
        ],
    );
    let mut hog = Child::spawn("rec-hogwatch", Some(pair.h.name()), &refs(&argv))?;
    hog.lines().wait_for_json(
        "a per-process snapshot",
        deadline.cap(Duration::from_secs(10)),
        |v| v.get("mode").and_then(Value::as_str) == Some("per-process"),
    )?;
    wait_until(
        "nethogs on the device",
        deadline.cap(Duration::from_secs(5)),
        || (!nethogs_pids_for(&dev).is_empty()).then_some(()),
    )?;
    // Two more refreshes: nethogs has opened its capture before the traffic starts.
    for _ in 0..2 {
        hog.lines()
            .wait_for("a refresh", deadline.cap(Duration::from_secs(5)), |l| {
                l.starts_with('{')
            })?;
    }

    let connect = server.addr();
    let mut client = tcp_client(
        "rec-client",
        pair.h.name(),
        &connect,
        &[
            "--send-bytes",
            "400000",
            "--recv-bytes",
            "300000",
            "--rate",
            "1000000",
            "--hold",
            "2.5",
            "--timeout",
            "15",
        ],
    )?;
    let done = wait_client_done(&mut client, deadline.cap(Duration::from_secs(10)))?;
    let status = hog.wait_exit(deadline.cap(Duration::from_secs(20)))?;
    let lines = all_lines(&mut hog, &deadline)?;
    let stderr = hog.stderr_text();
    if !status.success() || stderr.contains("panicked") {
        return Err(err(format!("live run: exit {status}; stderr:\n{stderr}")));
    }
    let live = parse_snapshots(lines.iter().map(String::as_str), "live run")?;
    if live.len() != 14 {
        return Err(err(format!("--count 14 printed {} snapshots", live.len())));
    }
    let last_live = live.last().ok_or("no live snapshot")?;
    let client_live = last_live.process(done.pid).ok_or_else(|| {
        err(format!(
            "client pid {} not in the live run's last snapshot: {:?}",
            done.pid,
            last_live.proc_bytes()
        ))
    })?;
    // The client holds its socket 2.5 s so that it still runs when nethogs first reports
    // it and hogwatch reads its /proc details; without them the identity check below
    // would compare empty strings.
    if client_live.exe.is_empty() || client_live.cmdline.is_empty() {
        return Err(err(format!(
            "test precondition: the live run has no exe/cmdline for the client ({client_live:?}); \
             it exited before nethogs reported it?"
        )));
    }
    if client_live.usage.up_bytes < done.sent || client_live.usage.down_bytes < done.received {
        return Err(err(format!(
            "live run: client up/down {:?} below its payload {}/{}; stderr:\n{stderr}",
            (client_live.usage.up_bytes, client_live.usage.down_bytes),
            done.sent,
            done.received
        )));
    }

    // Which comparison is exact: cumulative bytes (per pid, per device, totals) are a
    // pure function of the recorded items consumed so far — helper lines (nethogs'
    // cumulative totals, framed into blocks by the same timestamps) and /proc/net/dev
    // readings. The replay's final snapshot has consumed every item of the recording;
    // the live run's last snapshot only the items up to its last tick (hogwatch records a
    // little more before it stops). Intermediate snapshots do not line up: replay ticks
    // fall on exact multiples of the interval, live ticks a few ms later and drifting, so
    // an item can land on different sides of a tick. The max over snapshots is the same as
    // the last one (cumulative counters never decrease), so it adds nothing. The two ends
    // coincide exactly when nothing moved after the live run's last tick. The traffic
    // stopped seconds before the end and nothing else sends on these namespaces (static
    // ARP, no IPv6), and the live run's last three snapshots agree, so both ends
    // describe the same quiet state.
    let tail3 = &live[live.len() - 3..];
    for s in tail3 {
        if s.proc_bytes() != last_live.proc_bytes() || s.dev_bytes() != last_live.dev_bytes() {
            return Err(err(format!(
                "test precondition: bytes still moved during the live run's last 3 refreshes \
                 ({:?} {:?} vs {:?} {:?}); the traffic should have ended seconds earlier",
                s.proc_bytes(),
                s.dev_bytes(),
                last_live.proc_bytes(),
                last_live.dev_bytes()
            )));
        }
    }

    let (_, replay) = replay_json(&recording, &[], deadline.cap(Duration::from_secs(10)))?;
    let last_replay = replay.last().ok_or("the replay printed no snapshot")?;
    if let Some(s) = replay.iter().find(|s| s.mode != "replay") {
        return Err(err(format!("replay snapshot in mode {:?}", s.mode)));
    }
    let mut diffs = Vec::new();
    if last_replay.proc_bytes() != last_live.proc_bytes() {
        diffs.push(format!(
            "per-pid (up, down) bytes: live {:?}, replay {:?}",
            last_live.proc_bytes(),
            last_replay.proc_bytes()
        ));
    }
    if last_replay.dev_bytes() != last_live.dev_bytes() {
        diffs.push(format!(
            "device (up, down) bytes: live {:?}, replay {:?}",
            last_live.dev_bytes(),
            last_replay.dev_bytes()
        ));
    }
    let bytes = |u: &Usage| (u.up_bytes, u.down_bytes);
    if bytes(&last_replay.total) != bytes(&last_live.total) {
        diffs.push(format!(
            "total bytes: live {:?}, replay {:?}",
            bytes(&last_live.total),
            bytes(&last_replay.total)
        ));
    }
    if !diffs.is_empty() {
        return Err(err(format!(
            "the replay of {} does not end where the live run ended:\n  {}",
            recording.display(),
            diffs.join("\n  ")
        )));
    }
    // The recording also carries what /proc said about each process (`proc` items), so
    // the replay must show the same identity: name, exe, cmdline, app, uid.
    let identity = |s: &Snapshot| -> BTreeMap<u32, (String, String, String, String, u32)> {
        s.processes
            .iter()
            .map(|p| {
                (
                    p.pid,
                    (
                        p.name.clone(),
                        p.exe.clone(),
                        p.cmdline.clone(),
                        p.app.clone(),
                        p.uid,
                    ),
                )
            })
            .collect()
    };
    if identity(last_replay) != identity(last_live) {
        return Err(err(format!(
            "PRODUCT BUG: byte totals of live run and replay agree, but the replay lost what \
             /proc said about the processes (recorded as `proc` items).\n  live:   {:?}\n  \
             replay: {:?}\n(likely cause: `proc` items are recorded while the sample that \
             needs them is applied, at the same t and after it, so the replay applies the \
             sample before it learns the details; see src/collect/replay/format.rs \
             `comes_last` and src/collect/pipeline.rs RecordingLookup)",
            identity(last_live),
            identity(last_replay)
        )));
    }
    eprintln!(
        "live == replay: pids {:?}, devices {:?}",
        last_live.proc_bytes(),
        last_live.dev_bytes()
    );
    drop(server);
    Ok(())
}
