//! Coarse buckets written when they close (`src/store/rollup.rs`), and what a crash
//! leaves: (a) through the library with injected time — each tier's buckets are written
//! exactly when they close, not before, the written part of every tier holds exactly the
//! bytes of its buckets, queries over ranges reaching into buckets not written yet are
//! exact, across reopening (a crash between two writes) and late cells (the clock went
//! back); (b) a real `hogwatch top` SIGKILLed while it writes every 5 s: the history
//! holds exactly what it had counted at one of its refreshes (nothing partial, nothing
//! twice), and a next run adds to it exactly, with every tier agreeing.

use super::common::{
    check_library_totals, kill_and_read, library_totals, long_trace, replay_into, tempdir, Totals,
    HOME_PREFIX,
};
use super::second_writer::{spawn_top, wait_for_lock};
use crate::support;
use hogwatch::store::batch::Batch;
use hogwatch::store::tiers::{Tier, TierMarks, Zone, TIERS};
use hogwatch::store::{Retention, Store};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use support::home::Home;
use support::{err, wait_until, Deadline, Result};

/// 2026-06-01T00:00:00Z.
const BASE: i64 = 1_780_272_000;
const APPS: [&str; 3] = ["/usr/bin/curl", "/usr/lib/firefox/firefox", "/opt/sync"];

/// Rows of `table` at or after `at`, straight from the file.
fn rows_from(dir: &Path, table: &str, at: i64) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("history.sqlite3")).unwrap();
    conn.query_row(
        &format!("SELECT count(*) FROM {table} WHERE ts >= ?1"),
        [at],
        |r| r.get(0),
    )
    .unwrap()
}

/// One minute of traffic ending at `end`: every 10-second bucket, each app a little,
/// its device the sum; its span of coverage.
fn minute(end: i64, k: u64) -> Batch {
    let mut b = Batch::default();
    for ts in (end - 60..end).step_by(10) {
        let mut dev = (0, 0);
        for (i, app) in APPS.iter().enumerate() {
            let v = (k % 7 + i as u64 * 11 + 1, k % 13 * 100 + i as u64);
            b.apps.insert((ts, (*app).into(), "eth0".into()), v);
            b.app_names.insert((*app).into(), (*app).into());
            dev = (dev.0 + v.0, dev.1 + v.1);
        }
        b.devices.insert((ts, "eth0".into()), dev);
    }
    b.spans.push((end - 60, end, true));
    b
}

/// (a) Two days at one write a minute in a zone offset by half an hour (local hours and
/// days are not UTC's), the store dropped and opened again every 97 minutes (as after a
/// crash: only what was written is there), and one late write of cells three hours back.
#[test]
fn coarse_buckets_are_written_when_they_close_and_queries_see_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let zone = Zone::fixed(5 * 3600 + 1800);
    let cfg = super::common::store_config(zone.clone(), Retention::default(), 200 << 20);
    let mut store = Store::open_writer(tmp.path(), cfg.clone()).unwrap();
    // Every 10-second cell written: (ts, app) → (up, down).
    let mut cells: BTreeMap<(i64, String), (u64, u64)> = BTreeMap::new();
    let write = |store: &mut Store, cells: &mut BTreeMap<_, _>, b: &Batch| {
        for ((ts, app, _), v) in &b.apps {
            let e: &mut (u64, u64) = cells.entry((*ts, app.clone())).or_default();
            *e = (e.0 + v.0, e.1 + v.1);
        }
        store.write(b).unwrap();
    };
    let sum = |cells: &BTreeMap<(i64, String), (u64, u64)>, keep: &dyn Fn(i64) -> bool| {
        cells
            .iter()
            .filter(|((ts, _), _)| keep(*ts))
            .fold((0i64, 0i64), |a, (_, v)| {
                (a.0 + v.0 as i64, a.1 + v.1 as i64)
            })
    };
    let mut k = 0u64;
    for m in 1..=(2 * 24 * 60) {
        let now = BASE + 60 * m + 7;
        k += 1;
        let b = minute(now - 7, k);
        write(&mut store, &mut cells, &b);
        if m == 1500 {
            // The clock went back three hours: those minutes and hours are written
            // already, so these cells go straight into them.
            let mut late = minute(now - 3 * 3600 - 7, 999);
            late.spans.clear();
            write(&mut store, &mut cells, &late);
        }
        if m % 97 == 0 {
            drop(store);
            store = Store::open_writer(tmp.path(), cfg.clone()).unwrap();
        }
        if m % 59 != 0 && m != 2 * 24 * 60 {
            continue;
        }
        let marks = store.marks().unwrap();
        let latest = now - 7;
        for t in [Tier::Minute, Tier::Hour, Tier::Day] {
            // Written exactly up to the bucket holding the latest time: every bucket
            // that closed, none that did not.
            let closed = marks.closed(t);
            assert_eq!(closed, t.floor(latest, &zone), "{t:?} at minute {m}");
            for table in ["app", "dev"] {
                assert_eq!(
                    rows_from(tmp.path(), &format!("{table}_{}", t.name()), closed),
                    0,
                    "{table}_{} has rows of buckets not closed (minute {m})",
                    t.name()
                );
            }
            // The written part holds exactly the cells of its buckets.
            let (up, down, _, _) = store.tier_sum(t, i64::MIN, closed).unwrap();
            let want = sum(&cells, &|ts| t.floor(ts, &zone) < closed);
            assert_eq!((up, down), want, "{t:?} written part at minute {m}");
        }
        // Every tier (its open buckets read from the finer ones) agrees with the cells.
        let all = sum(&cells, &|_| true);
        for t in TIERS {
            let (up, down, _, _) = store.tier_sum(t, i64::MIN, i64::MAX).unwrap();
            assert_eq!((up, down), all, "tier {t:?} at minute {m}");
        }
        // Ranges reaching into the open hour and day: exact, per app.
        for (a, b) in [
            (BASE, latest + 1),
            (latest - 3 * 3600 - 30, latest - 50),
            (latest - 90, latest + 3600),
            (zone.day_start(latest) - 610, latest + 86_400),
        ] {
            for app in APPS {
                // From the start of a's 10-second bucket (what a query can resolve).
                let a = a - a.rem_euclid(10);
                let want = cells
                    .iter()
                    .filter(|((ts, key), _)| key == app && (a..b).contains(ts))
                    .fold((0u64, 0u64), |s, (_, v)| (s.0 + v.0, s.1 + v.1));
                let got = store.app_total(a, b, app).unwrap();
                assert_eq!(got, want, "{app} over [{a}, {b}) at minute {m}");
            }
        }
    }
}

/// (b) `top --replay-speed 1` writing every 5 s, SIGKILLed once the history shows its
/// traffic; then the same recording again to its end.
#[test]
fn a_sigkill_loses_only_the_last_unwritten_seconds_and_counts_nothing_twice() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(120));
    let home = Home::new(HOME_PREFIX)?;
    let tmp = tempdir("hogwatch-hist-kill-")?;
    let dir = tmp.path().join("d");
    let long = tmp.path().join("long.txt");
    long_trace(&long, 30)?;
    let mut run = spawn_top(&home, "killed", &long, &dir)?;
    wait_for_lock(&run, &dir, &deadline)?;
    // Once a write made the traffic visible, and a few refreshes later, SIGKILL.
    let written = wait_until(
        "the first write with traffic",
        deadline.cap(Duration::from_secs(30)),
        || {
            library_totals(&dir, "while running")
                .ok()
                .filter(|t| !t.apps.is_empty())
        },
    )?;
    let seen = |run: &mut support::Child| -> Result<usize> {
        while run
            .lines()
            .next_line(Duration::from_millis(100))
            .ok()
            .flatten()
            .is_some()
        {}
        Ok(run.lines().history().len())
    };
    let at_write = seen(&mut run)?;
    wait_until(
        "three more refreshes",
        deadline.cap(Duration::from_secs(20)),
        || (seen(&mut run).ok()? >= at_write + 3).then_some(()),
    )?;
    let states = kill_and_read(&mut run, &deadline)?;

    // What survived is exactly what the run had counted at one of its refreshes — at
    // or after the write seen above, so at most the last write interval is lost.
    let after_kill = library_totals(&dir, "after the SIGKILL")?;
    let same = |t: &Totals| {
        t.apps == after_kill.apps
            && t.devices == after_kill.devices
            && (t.unattributed.0.max(0), t.unattributed.1.max(0)) == after_kill.unattributed
    };
    let at = states.iter().position(same).ok_or_else(|| {
        err(format!(
            "after the SIGKILL the history holds {after_kill:?}, which is no refresh's totals \
             (last: {:?})",
            states.last()
        ))
    })?;
    let first_written = states
        .iter()
        .position(|t| t.apps == written.apps)
        .unwrap_or(0);
    assert!(
        at >= first_written,
        "the history went back: refresh {at} after the kill, {first_written} was written"
    );
    eprintln!(
        "killed after {} refreshes; the history holds refresh {at} (written: {first_written})",
        states.len()
    );

    // A next run adds exactly its own bytes; every tier agrees over everything.
    let (_, next) = replay_into(&home, &long, &dir, "50")?;
    let mut want = states[at].clone();
    want.add(&next);
    check_library_totals(&dir, &want, "after the next run")?;
    let store = Store::open_reader(&dir, Zone::Local).map_err(|e| err(e.to_string()))?;
    let sums: Vec<_> = TIERS
        .iter()
        .map(|&t| store.tier_sum(t, i64::MIN, i64::MAX))
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| err(e.to_string()))?;
    assert!(
        sums.windows(2).all(|w| w[0] == w[1]),
        "tiers disagree: {sums:?}"
    );
    Ok(())
}

/// (c) A file written before schema 4 (every tier at every write, no months, 4 KiB
/// pages): opened, it is rewritten with 1 KiB pages, gets its marks from its data and its
/// months from its days; later writes add to it exactly, and every tier, months included,
/// agrees.
#[test]
fn a_file_from_before_roll_ups_is_upgraded_and_added_to_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let zone = Zone::utc();
    let t0 = BASE + 5 * 86_400 + 3600 + 20; // mid-hour, mid-day
    {
        let mut conn = rusqlite::Connection::open(tmp.path().join("history.sqlite3")).unwrap();
        hogwatch::store::schema::migrate_to(&mut conn, 3).unwrap();
        conn.execute_batch(
            "INSERT INTO apps(id, key, name) VALUES (1, '/usr/bin/curl', 'curl');
             INSERT INTO devices(id, name) VALUES (1, 'eth0');",
        )
        .unwrap();
        for t in [Tier::Fine, Tier::Minute, Tier::Hour, Tier::Day] {
            let ts = t.floor(t0, &zone);
            conn.execute(
                &format!(
                    "INSERT INTO app_{}(ts, app, device, up, down) VALUES (?1, 1, 1, 100, 200)",
                    t.name()
                ),
                [ts],
            )
            .unwrap();
            conn.execute(
                &format!(
                    "INSERT INTO dev_{}(ts, device, up, down) VALUES (?1, 1, 100, 200)",
                    t.name()
                ),
                [ts],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO sessions(start, end, per_process) VALUES (?1, ?2, 1)",
            [t0 - 30, t0 + 5],
        )
        .unwrap();
    }
    let cfg = super::common::store_config(zone.clone(), Retention::default(), 200 << 20);
    let mut store = Store::open_writer(tmp.path(), cfg).unwrap();
    let page: i64 = rusqlite::Connection::open(tmp.path().join("history.sqlite3"))
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(page, 1024, "the old file is rewritten with small pages");
    let marks = store.marks().unwrap();
    for t in [Tier::Minute, Tier::Hour, Tier::Day] {
        assert_eq!(
            marks.closed(t),
            t.next(t.floor(t0 + 5, &zone), &zone),
            "{t:?}"
        );
    }
    assert_eq!(marks.closed(Tier::Month), 0, "no month written yet");
    // More of the same minute (written straight into the old buckets), then a month on.
    let mut b = Batch::default();
    b.apps.insert(
        (t0 - t0 % 10 + 10, "/usr/bin/curl".into(), "eth0".into()),
        (1, 2),
    );
    b.devices.insert((t0 - t0 % 10 + 10, "eth0".into()), (1, 2));
    b.spans.push((t0 + 5, t0 + 15, true));
    store.write(&b).unwrap();
    store.write(&minute(t0 + 30 * 86_400, 1)).unwrap();
    let curl = (100 + 1 + 6 * 2, 200 + 2 + 6 * 100);
    assert_eq!(
        store
            .app_total(0, t0 + 31 * 86_400, "/usr/bin/curl")
            .unwrap(),
        curl
    );
    let sums: Vec<_> = TIERS
        .iter()
        .map(|&t| store.tier_sum(t, i64::MIN, i64::MAX).unwrap())
        .collect();
    assert!(
        sums.windows(2).all(|w| w[0] == w[1]),
        "tiers disagree: {sums:?}"
    );
    // June, before the latest write's month, is written, summed from its days.
    let marks = store.marks().unwrap();
    let july = Tier::Month.floor(t0 + 30 * 86_400 - 7, &zone);
    assert_eq!(marks.closed(Tier::Month), july);
    assert!(Tier::Month.floor(t0, &zone) < july);
    let conn = rusqlite::Connection::open(tmp.path().join("history.sqlite3")).unwrap();
    let june: (i64, i64) = conn
        .query_row(
            "SELECT sum(up), sum(down) FROM app_month WHERE ts < ?1",
            [july],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(june, (101, 202));
}
