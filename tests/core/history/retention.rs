//! Retention by age; a synthetic year of 500 apps under a small size cap; a cap too small
//! for anything, which still leaves each tier's newest data.

use super::common::{store_config, Rng, FILE};
use hogwatch::store::batch::Batch;
use hogwatch::store::tiers::{Tier, Zone, TIERS};
use hogwatch::store::{Retention, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// 2025-01-01T00:00:00Z.
const YEAR_START: i64 = 1_735_689_600;
const YEAR_APPS: u64 = 500;

/// A year of days for 500 apps under an 8 MiB cap with default retention (10 s for a
/// day, minutes for 30 days, hours for a year).
///
/// Each hour 100 apps are active, drawn from the day's pool of 150 (a core of 50 that
/// every day has, plus 100 from a window that slides 5 apps a day over the other 450, so
/// all 500 occur), each with one fine bucket in that hour. A day is one batch.
#[test]
fn a_year_of_500_apps_stays_under_the_cap_and_keeps_every_day() {
    const CAP: u64 = 8 * 1024 * 1024;
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let zone = Zone::utc();
    let mut store = Store::open_writer(
        tmp.path(),
        store_config(zone.clone(), Retention::default(), CAP),
    )
    .unwrap();
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let mut per_app: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut per_dev: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut all = (0i64, 0i64);
    let mut max_live = 0u64;
    let mut cells = 0usize;
    let key = |a: u64| format!("/opt/app{a:03}/bin/app{a:03}");
    for day in 0..365i64 {
        let day_start = YEAR_START + day * 86_400;
        let mut pool: Vec<u64> = (0..50).collect();
        pool.extend((0..100).map(|j| 50 + (day as u64 * 5 + j) % (YEAR_APPS - 50)));
        let mut b = Batch::default();
        for hour in 0..24 {
            // A partial Fisher–Yates shuffle picks 100 distinct apps of the pool.
            for i in 0..100 {
                let j = i + rng.below((pool.len() - i) as u64) as usize;
                pool.swap(i, j);
            }
            for &app in &pool[..100] {
                let ts = day_start + hour * 3600 + 10 * rng.below(360) as i64;
                let dev = if app % 7 == 0 { "wlan0" } else { "eth0" };
                let (up, down) = (rng.below(200_000), rng.below(5_000_000));
                let e = b.apps.entry((ts, key(app), dev.into())).or_default();
                *e = (e.0 + up, e.1 + down);
                b.app_names.insert(key(app), format!("app{app:03}"));
                let e = b.devices.entry((ts, dev.into())).or_default();
                *e = (e.0 + up, e.1 + down);
                let e = per_app.entry(key(app)).or_default();
                *e = (e.0 + up, e.1 + down);
                let e = per_dev.entry(dev.into()).or_default();
                *e = (e.0 + up, e.1 + down);
                all = (all.0 + up as i64, all.1 + down as i64);
            }
        }
        cells += b.apps.len();
        b.spans.push((day_start, day_start + 86_400, true));
        store.write(&b).unwrap();
        let now = day_start + 86_400;
        store.enforce_limits(now).unwrap();
        let live = store.live_bytes();
        max_live = max_live.max(live);
        assert!(
            live <= CAP,
            "day {day}: {live} live bytes after enforce_limits, cap {CAP}"
        );
    }
    let now = YEAR_START + 365 * 86_400;
    let path = tmp.path().join(FILE);
    let file_len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let (db_len, wal_len, live) = (file_len(&path), file_len(&wal), store.live_bytes());
    let oldest: Vec<(Tier, Option<i64>)> = TIERS.iter().map(|&t| (t, store.oldest(t))).collect();
    eprintln!(
        "year: {cells} app cells written in {:?}; live {live} B (max {max_live} B), file \
         {db_len} B, wal {wal_len} B, cap {CAP} B; oldest bucket per tier (s before the \
         end): {:?}",
        started.elapsed(),
        oldest
            .iter()
            .map(|(t, o)| (t.name(), o.map(|o| now - o)))
            .collect::<Vec<_>>()
    );

    // Retention: nothing fine older than a day, nothing by the minute older than 30 days.
    assert_eq!(
        store.tier_sum(Tier::Fine, i64::MIN, now - 86_400).unwrap(),
        (0, 0, 0, 0),
        "fine data older than 24 h"
    );
    assert_eq!(
        store
            .tier_sum(Tier::Minute, i64::MIN, now - 30 * 86_400)
            .unwrap(),
        (0, 0, 0, 0),
        "minute data older than 30 days"
    );
    // The cap drops the finest tiers first; at this size it never reaches the days, so
    // the day tier still holds every byte of the year.
    assert_eq!(
        store.oldest(Tier::Day),
        Some(YEAR_START),
        "the size cap dropped days"
    );
    assert_eq!(
        store.tier_sum(Tier::Day, i64::MIN, i64::MAX).unwrap(),
        (all.0, all.1, all.0, all.1),
        "day tier totals of the year"
    );
    // And queries over the year (whole days) give every app and device exactly.
    let top: BTreeMap<String, (u64, u64)> = store
        .top_apps(YEAR_START, now, 1000)
        .unwrap()
        .into_iter()
        .map(|a| (a.app, (a.up_bytes, a.down_bytes)))
        .collect();
    assert_eq!(top.len(), YEAR_APPS as usize, "every app of the year");
    assert!(
        top == per_app,
        "top_apps over the year differ from what was written"
    );
    for app in [0, 49, 50, 273, 499] {
        assert_eq!(
            store.app_total(YEAR_START, now, &key(app)).unwrap(),
            per_app[&key(app)],
            "app_total of {}",
            key(app)
        );
    }
    let dev: BTreeMap<String, (u64, u64)> = store
        .device_totals(YEAR_START - 3600, now + 3600)
        .unwrap()
        .devices
        .into_iter()
        .map(|d| (d.device, (d.up_bytes, d.down_bytes)))
        .collect();
    assert_eq!(dev, per_dev, "device totals over the year");

    // On disk. The cap applies to live pages; enforce_limits then runs
    // `PRAGMA incremental_vacuum` (returns free pages to the file system) and a TRUNCATE
    // checkpoint (empties the WAL into the file). So the file should hold the live pages
    // and hardly more: 16 pages (64 KiB) of slack for the WAL checkpoint and page-level
    // rounding. That is a fraction of one day's batch (2,400 cells in four tiers, about
    // 300 KiB): a file that keeps its free pages (high-water mark of cap + a batch) fails.
    const SLACK: u64 = 64 * 1024;
    assert!(
        wal_len == 0,
        "the WAL should be empty after the checkpoint in enforce_limits: {wal_len} B"
    );
    assert!(
        db_len <= CAP + SLACK && db_len <= live + SLACK,
        "history file is {db_len} B on disk with {live} B live (cap {CAP} B, slack {SLACK} \
         B): free pages are not given back to the file system (is auto_vacuum \
         INCREMENTAL in effect? PRAGMA incremental_vacuum does nothing otherwise)"
    );
    // How long the year took is printed above, not asserted: timings belong in the
    // benches (this machine is shared; under load the year took 124 s once).
}

/// Retention alone (no cap pressure): 40 days of hourly cells for 10 apps, limits after
/// each day. Each tier keeps exactly its period — fine data of the last 24 h, minute
/// data of the last 30 days, hours and days all — and not less.
#[test]
fn retention_drops_each_tier_by_age_and_keeps_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let zone = Zone::utc();
    let mut store = Store::open_writer(
        tmp.path(),
        store_config(zone.clone(), Retention::default(), u64::MAX / 4),
    )
    .unwrap();
    let mut rng = Rng(7);
    let mut cells: Vec<(i64, u64, u64)> = Vec::new();
    let days = 40;
    for day in 0..days {
        let day_start = YEAR_START + day * 86_400;
        let mut b = Batch::default();
        for hour in 0..24 {
            for app in 0..10 {
                let ts = day_start + hour * 3600 + 10 * rng.below(360) as i64;
                let (up, down) = (rng.below(100_000), rng.below(1_000_000));
                let key = format!("/usr/bin/app{app}");
                let e = b.apps.entry((ts, key.clone(), "eth0".into())).or_default();
                *e = (e.0 + up, e.1 + down);
                b.app_names.insert(key, format!("app{app}"));
                let e = b.devices.entry((ts, "eth0".into())).or_default();
                *e = (e.0 + up, e.1 + down);
                cells.push((ts, up, down));
            }
        }
        b.spans.push((day_start, day_start + 86_400, true));
        store.write(&b).unwrap();
        store.enforce_limits(day_start + 86_400).unwrap();
    }
    let now = YEAR_START + days * 86_400;
    let sum = |t: Tier, from: i64| {
        let (u, d) = cells
            .iter()
            .filter(|c| t.floor(c.0, &zone) >= from)
            .fold((0i64, 0i64), |s, c| (s.0 + c.1 as i64, s.1 + c.2 as i64));
        (u, d, u, d)
    };
    for (t, keep) in [(Tier::Fine, 86_400), (Tier::Minute, 30 * 86_400)] {
        let cut = now - keep;
        assert_eq!(
            store.tier_sum(t, i64::MIN, cut).unwrap(),
            (0, 0, 0, 0),
            "{t:?} data older than {keep} s is left"
        );
        assert_eq!(
            store.tier_sum(t, cut, i64::MAX).unwrap(),
            sum(t, cut),
            "{t:?} data of the last {keep} s is not all there"
        );
    }
    for t in [Tier::Hour, Tier::Day] {
        assert_eq!(
            store.tier_sum(t, i64::MIN, i64::MAX).unwrap(),
            sum(t, i64::MIN),
            "{t:?} tier lost data within its retention"
        );
    }
}

/// A cap far below what any history needs (1 byte): the cap takes old data, finest tier
/// first, and stops at what each tier keeps under it (`CAP_KEEPS`: the last hour by 10 s,
/// the last day by minute, the last week by hour, the last 35 days by day), so the
/// newest data and this billing month's totals are never deleted, however big the file.
#[test]
fn a_cap_too_small_for_anything_keeps_the_newest_data() {
    use hogwatch::store::limits::CAP_KEEPS;
    let tmp = tempfile::tempdir().unwrap();
    let zone = Zone::utc();
    let mut store = Store::open_writer(
        tmp.path(),
        store_config(zone.clone(), Retention::default(), 1),
    )
    .unwrap();
    // 60 days of one cell at the start of every hour, for two apps.
    let days = 60;
    let mut cells: Vec<(i64, u64, u64)> = Vec::new();
    for day in 0..days {
        let day_start = YEAR_START + day * 86_400;
        let mut b = Batch::default();
        for hour in 0..24 {
            let ts = day_start + hour * 3600;
            for app in ["/usr/bin/a", "/usr/bin/b"] {
                let (up, down) = (1000 + hour as u64, 50_000 + day as u64);
                b.apps.insert((ts, app.into(), "eth0".into()), (up, down));
                let e = b.devices.entry((ts, "eth0".into())).or_default();
                *e = (e.0 + up, e.1 + down);
                cells.push((ts, up, down));
            }
        }
        b.spans.push((day_start, day_start + 86_400, true));
        store.write(&b).unwrap();
    }
    let now = YEAR_START + days * 86_400;
    store.enforce_limits(now).unwrap();
    for (t, keep) in CAP_KEEPS {
        let floor = now - keep;
        let (u, d) = cells
            .iter()
            .filter(|c| c.0 >= floor)
            .fold((0i64, 0i64), |s, c| (s.0 + c.1 as i64, s.1 + c.2 as i64));
        assert_eq!(
            store.tier_sum(t, floor, i64::MAX).unwrap(),
            (u, d, u, d),
            "{t:?}: the last {keep} s are not all there after the size cap"
        );
        assert_eq!(
            store.tier_sum(t, i64::MIN, floor).unwrap(),
            (0, 0, 0, 0),
            "{t:?}: data older than {keep} s is left although the file is over its cap"
        );
    }
}
