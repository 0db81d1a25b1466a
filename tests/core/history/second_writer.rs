//! A second writer: refused; readers work during writes; nothing of what it saw while the
//! first wrote is recorded when it outlives the first.

use super::common::{
    check_cli_totals, check_library_totals, fixture, hog, json_apps, last_totals, long_trace,
    no_panic, now_s, raw_trace, snapshot_totals, snapshots, tempdir, FILE, HOGWATCH, HOME_PREFIX,
};
use crate::support;
use hogwatch::store::tiers::Zone;
use hogwatch::store::Store;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use support::cli::{hog_argv, refs, replay_top};
use support::home::Home;
use support::{err, wait_until, Child, Deadline, Result};

/// `top --json --source replay:FIX --replay-speed 1 --data-dir DIR` in the background.
pub(super) fn spawn_top(home: &Home, tag: &str, fix: &Path, dir: &Path) -> Result<Child> {
    let source = format!("replay:{}", fix.display());
    let d = dir.to_string_lossy();
    let argv = hog_argv(
        &[],
        HOGWATCH,
        home,
        &[
            &replay_top(&source, "1")[..],
            // Writes every 5 s (not every minute): readers see the writes while it runs.
            &["--data-dir", &d, "--history-write-every", "5"],
        ]
        .concat(),
    );
    Child::spawn(tag, None, &refs(&argv))
}

/// Waits until `writer` holds the history lock in `dir` (its pid is in the lock file).
pub(super) fn wait_for_lock(writer: &Child, dir: &Path, deadline: &Deadline) -> Result<()> {
    let lock = dir.join(format!("{FILE}.lock"));
    wait_until(
        "the first writer's lock file",
        deadline.cap(Duration::from_secs(10)),
        || {
            std::fs::read_to_string(&lock)
                .ok()
                .filter(|s| s.trim() == writer.pid().to_string())
        },
    )
    .map(|_| ())
    .map_err(|e| err(format!("{e}; stderr: {}", writer.stderr_text())))
}

/// Reads a finished child's stdout to its end and returns the snapshots.
fn all_snapshots(child: &mut Child, deadline: &Deadline) -> Result<Vec<Value>> {
    while child
        .lines()
        .next_line(deadline.cap(Duration::from_secs(5)))?
        .is_some()
    {}
    let tag = child.tag().to_owned();
    snapshots(child.lines().history().iter().map(String::as_str), &tag)
}

/// (d) A second writer: refused with a clear message naming the first, it keeps showing
/// snapshots and exits 0; readers work while the first writes; the history holds the
/// first run only.
#[test]
fn second_writer_is_refused_and_readers_work_during_writes() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(90));
    let home = Home::new(HOME_PREFIX)?;
    let tmp = tempdir("hogwatch-hist-two-")?;
    let dir = tmp.path().join("d");
    let d = dir.to_string_lossy();
    let long = tmp.path().join("long.txt");
    long_trace(&long, 24)?;
    // First: 24 refreshes (~26 s); second: 10 refreshes (~12 s), both at speed 1.
    let mut first = spawn_top(&home, "first", &long, &dir)?;
    wait_for_lock(&first, &dir, &deadline)?;
    let mut second = spawn_top(
        &home,
        "second",
        &fixture("trace_v2_names_spaces_uid.txt"),
        &dir,
    )?;

    // Readers during writes: once the file answers, every read must succeed, and the
    // first run's traffic shows up while it still runs.
    let mut reads = 0;
    let mut answered = false;
    let t0 = Instant::now();
    loop {
        if t0.elapsed() > Duration::from_secs(15) {
            return Err(err(format!(
                "no history read showed the first run's traffic within 15 s ({reads} reads)"
            )));
        }
        let alive = first.try_status().is_none();
        let out = hog(
            &home,
            &[
                "history",
                "--data-dir",
                &d,
                "--range",
                "all",
                "--format",
                "json",
            ],
            deadline.cap(Duration::from_secs(10)),
        )?;
        no_panic(&out, "history during a write")?;
        if !out.status.success() {
            if answered {
                return Err(err(format!(
                    "history failed while the first run writes: {}",
                    out.stderr
                )));
            }
            continue;
        }
        answered = true;
        reads += 1;
        let v: Value = serde_json::from_str(out.stdout.trim())?;
        if !json_apps(&v)?.is_empty() {
            if !alive || first.try_status().is_some() {
                return Err(err("the first run ended before a read saw its traffic"));
            }
            break;
        }
    }

    let msg = wait_until(
        "the second writer's message",
        deadline.cap(Duration::from_secs(10)),
        || {
            second
                .stderr_text()
                .lines()
                .find(|l| l.contains("only one writer"))
                .map(str::to_owned)
        },
    )
    .map_err(|e| err(format!("{e}; stderr: {}", second.stderr_text())))?;
    if !msg.contains(&format!("pid {}", first.pid())) {
        return Err(err(format!(
            "the message does not name the first writer (pid {}): {msg}",
            first.pid()
        )));
    }
    second.wait_success(deadline.cap(Duration::from_secs(30)))?;
    let first_still_running = first.try_status().is_none();
    while second
        .lines()
        .next_line(deadline.cap(Duration::from_secs(5)))?
        .is_some()
    {}
    let snaps = snapshots(
        second.lines().history().iter().map(String::as_str),
        "second writer",
    )?;
    if snaps.len() < 8 {
        return Err(err(format!(
            "the second run printed {} snapshots, expected one per refresh",
            snaps.len()
        )));
    }
    last_totals(
        second.lines().history().iter().map(String::as_str),
        "second writer",
    )?;
    if second.stderr_text().contains("panicked") {
        return Err(err(format!("second: {}", second.stderr_text())));
    }

    first.wait_success(deadline.cap(Duration::from_secs(40)))?;
    while first
        .lines()
        .next_line(deadline.cap(Duration::from_secs(5)))?
        .is_some()
    {}
    let want = last_totals(
        first.lines().history().iter().map(String::as_str),
        "first writer",
    )?;
    if !first_still_running {
        return Err(err(
            "the first run ended before the second: the check that the second kept no \
             history does not apply (machine too slow?)",
        ));
    }
    // The second kept no history: the file holds the first run exactly.
    check_library_totals(&dir, &want, "after two writers")?;
    check_cli_totals(&home, &dir, &want, "after two writers")?;
    eprintln!("{reads} history reads during the first run's writes; second said: {msg}");
    Ok(())
}

/// Cumulative bytes (up + down) of all apps in a snapshot.
fn snapshot_bytes(s: &Value) -> Result<u64> {
    Ok(snapshot_totals(s)?.apps.values().map(|v| v.0 + v.1).sum())
}

/// (d') A second writer that outlives the first. While the first holds the lock, the
/// second "keeps no history" (its message says so): the first records the machine then.
/// In live use both watch the same traffic, so whatever the second writes once the lock
/// is free must have moved after the first stopped; anything earlier is counted twice.
/// Here the first replays 16 refreshes (~18 s), the second 30 (~32 s), both at speed 1.
#[test]
fn second_writer_keeps_nothing_from_while_the_first_wrote() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(90));
    let home = Home::new(HOME_PREFIX)?;
    let tmp = tempdir("hogwatch-hist-takeover-")?;
    let dir = tmp.path().join("d");
    let long = tmp.path().join("long.txt");
    long_trace(&long, 30)?;
    let short = tmp.path().join("short.txt");
    let blocks: Vec<(u64, u64)> = (1..=16).map(|i| (100 * i, 40_000 * i)).collect();
    raw_trace(&short, "/usr/bin/wget", &blocks)?;
    let mut first = spawn_top(&home, "first", &short, &dir)?;
    wait_for_lock(&first, &dir, &deadline)?;
    let mut second = spawn_top(&home, "second", &long, &dir)?;
    wait_until(
        "the second writer's message",
        deadline.cap(Duration::from_secs(10)),
        || {
            second
                .stderr_text()
                .contains("only one writer")
                .then_some(())
        },
    )
    .map_err(|e| err(format!("{e}; stderr: {}", second.stderr_text())))?;
    first.wait_success(deadline.cap(Duration::from_secs(30)))?;
    let first_snaps = all_snapshots(&mut first, &deadline)?;
    if second.try_status().is_some() {
        return Err(err(
            "the second run ended before the first (machine too slow?)",
        ));
    }
    second.wait_success(deadline.cap(Duration::from_secs(40)))?;
    let second_snaps = all_snapshots(&mut second, &deadline)?;
    let first_app_totals = last_totals(
        first.lines().history().iter().map(String::as_str),
        "first writer",
    )?;
    let second_totals = last_totals(
        second.lines().history().iter().map(String::as_str),
        "second writer",
    )?;
    // The first's last snapshot is the end of what it recorded; allow one fine bucket.
    let first_end_ms = first_snaps
        .last()
        .and_then(|s| s["ts"].as_u64())
        .ok_or("first: no ts")?;
    let before_end = second_snaps
        .iter()
        .rfind(|s| s["ts"].as_u64().is_some_and(|t| t + 10_000 <= first_end_ms))
        .map_or(Ok(0), snapshot_bytes)?;
    let second_total: u64 = second_totals.apps.values().map(|v| v.0 + v.1).sum();
    let allowed = second_total - before_end;
    let store = Store::open_reader(&dir, Zone::Local).map_err(|e| err(e.to_string()))?;
    let top = store
        .top_apps(0, now_s() + 86_400, 1000)
        .map_err(|e| err(e.to_string()))?;
    let recorded: u64 = top
        .iter()
        .filter(|a| second_totals.apps.contains_key(&a.app))
        .map(|a| a.up_bytes + a.down_bytes)
        .sum();
    for (app, v) in &first_app_totals.apps {
        let got = top
            .iter()
            .find(|a| &a.app == app)
            .map(|a| (a.up_bytes, a.down_bytes));
        if got != Some(*v) {
            return Err(err(format!(
                "first run's {app}: {got:?} recorded, expected {v:?}"
            )));
        }
    }
    eprintln!(
        "second writer: recorded {recorded} B; its run {second_total} B, {before_end} B \
         before the first stopped (first's last snapshot at {first_end_ms} ms)"
    );
    if recorded > allowed {
        return Err(err(format!(
            "the second writer recorded {recorded} B of its run, but only {allowed} B moved \
             after the first writer stopped (its run: {second_total} B, {before_end} B of them \
             while the first still wrote): data seen while another writer held the lock is \
             written once the lock is free — in live use the same traffic counted twice \
             (src/store/writer.rs: after a Busy error `pending` is emptied once, then keeps \
             filling until the next attempt, which writes it)"
        )));
    }
    Ok(())
}
