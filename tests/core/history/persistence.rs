//! Persistence: replays into one `--data-dir`, then the CLI and the library report
//! exactly the sum of each run's last snapshot, per app and per device (and every
//! full-speed replay reaches the history at all).

use super::common::{
    check_cli_totals, check_library_totals, fixture, now_s, replay_into, tempdir, Totals,
    HOME_PREFIX,
};
use crate::support;
use hogwatch::store::tiers::Zone;
use hogwatch::store::Store;
use support::home::Home;
use support::{err, Result};

/// Acceptance: three replays into one directory; the history holds, byte for byte, the
/// sum over the runs of each run's last snapshot (per app and per device).
#[test]
fn history_sums_the_last_snapshot_of_every_run() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let tmp = tempdir("hogwatch-hist-persist-")?;
    let dir = tmp.path().join("d");
    let mut want = Totals::default();
    for (i, name) in [
        "trace_multidev_both.txt",
        "trace_v2_names_spaces_uid.txt",
        "trace_multidev_both.txt",
    ]
    .iter()
    .enumerate()
    {
        let (_, t) = replay_into(&home, &fixture(name), &dir, "0")?;
        eprintln!("run {} ({name}): last snapshot {t:?}", i + 1);
        want.add(&t);
        // After every run, not only the last: each run's data is on disk when it ends.
        check_library_totals(&dir, &want, &format!("after run {}", i + 1))?;
    }
    assert!(
        want.apps.len() >= 3,
        "fixtures should give 3 apps: {want:?}"
    );
    check_cli_totals(&home, &dir, &want, "after three runs")?;
    check_library_totals(&dir, &want, "after three runs")?;
    // Every run recorded when it ran, with per-process data.
    let store = Store::open_reader(&dir, Zone::Local).map_err(|e| err(e.to_string()))?;
    let sessions = store.sessions(0, now_s() + 86_400).unwrap();
    assert!(
        !sessions.is_empty() && sessions.iter().all(|s| s.2 && s.0 <= s.1),
        "sessions: {sessions:?}"
    );
    Ok(())
}

/// `top --replay-speed 0` replays a fixture within milliseconds. `top` subscribes to the
/// collector first and the history writer second (src/cmd/top.rs); only the first
/// subscriber gets the snapshots published since the start, a later one only those
/// published after it subscribed (`Collector::subscribe`: `resubscribe()`). When the
/// replay is over by then, the writer sees nothing and the run leaves an empty history
/// (the file exists, no session, no bytes) — silently. 120 runs, 8 at a time (about
/// 5 % of runs hit it on a 2-core machine).
#[test]
fn every_full_speed_replay_reaches_the_history() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let fix = fixture("trace_multidev_both.txt");
    let one = |i: usize| -> Result<()> {
        let tmp = tempdir("hogwatch-hist-race-")?;
        let dir = tmp.path().join("d");
        let (_, want) = replay_into(&home, &fix, &dir, "0")?;
        check_library_totals(&dir, &want, &format!("run {i}"))
    };
    let results: Vec<Result<()>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let one = &one;
                s.spawn(move || (0..15).map(|i| one(w * 15 + i)).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err(err("worker panicked"))])
            })
            .collect()
    });
    let failed: Vec<String> = results
        .into_iter()
        .filter_map(|r| r.err())
        .map(|e| e.0)
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 120 replays at --replay-speed 0 left no (or not all) history: the history \
         writer subscribes to the collector after the replay may have ended and then never \
         sees a snapshot (src/cmd/top.rs: `c.subscribe()` for the writer after `top`'s own; \
         src/collect/collector.rs: `subscribe` = `resubscribe()` for all but the first \
         call):\n{}",
        failed.len(),
        failed.join("\n")
    );
    Ok(())
}
