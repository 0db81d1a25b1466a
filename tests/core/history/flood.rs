//! A flood of uniquely named, short-lived processes against the history: 20,000 apps
//! with long names, each moving a few hundred bytes in one refresh, in the first hours of
//! a day that follows seven weeks of history; then the machine's real apps. Driven through
//! the writer's own parts (`Batcher` per refresh, a `Store::write` per 5 refreshes, the
//! limits every 60 writes and at the end, a restart of the writer halfway) under a 4 MiB
//! cap. The older days stay, the day's and the month's totals are exact — per app,
//! "other apps" included, and through what quotas read after a restart
//! (`app::prior::load`) — the file stays under its cap, and the app keys are bounded.

use super::common::{store_config, FILE};
use hogwatch::app::prior;
use hogwatch::model::{AppMoved, DeviceMoved, Mode, Moved, Refresh, Snapshot};
use hogwatch::model::{MAX_APPS, OTHER_APPS};
use hogwatch::store::batch::{Batch, Batcher};
use hogwatch::store::fold::MAX_APPS_PER_DAY;
use hogwatch::store::tiers::{Tier, Zone, TIERS};
use hogwatch::store::{Retention, Store};
use std::collections::BTreeMap;

const CAP: u64 = 4 * 1024 * 1024;
const FLOOD: u64 = 20_000;
/// The machine's own apps: key and bytes down per second while they run.
const REAL: [(&str, u64); 3] = [
    ("/usr/lib/firefox/firefox", 1_500_000),
    ("/usr/bin/rsync", 400_000),
    ("/usr/bin/curl", 20_000),
];

fn key_of_flood(i: u64) -> String {
    // Long names, as a program can choose its own (argv[0], or a path it creates).
    format!("/tmp/.x/{}{i:05}", "f".repeat(180))
}

/// One refresh at `ts` that moved `apps` (key, up, down) on eth0, all attributed.
fn refresh(ts: i64, apps: &[(String, u64, u64)]) -> Refresh {
    let mut snapshot = Snapshot::empty(Mode::PerProcess, "");
    snapshot.ts = ts as u64 * 1000;
    snapshot.interval_ms = 1000;
    let (up, down) = apps.iter().fold((0, 0), |a, x| (a.0 + x.1, a.1 + x.2));
    Refresh {
        snapshot,
        moved: Moved {
            apps: apps
                .iter()
                .map(|(k, up, down)| AppMoved {
                    app: k.clone(),
                    name: k.rsplit('/').next().unwrap_or(k).to_owned(),
                    up: *up,
                    down: *down,
                    devices: vec![DeviceMoved {
                        name: "eth0".into(),
                        up: *up,
                        down: *down,
                    }],
                })
                .collect(),
            devices: vec![DeviceMoved {
                name: "eth0".into(),
                up,
                down,
            }],
            ..Moved::default()
        },
        gap_ms: 0,
    }
}

/// The writer's loop without its task: refreshes into a batch, a write every 5, the
/// limits every 60 writes.
struct Writer {
    store: Option<Store>,
    batcher: Batcher,
    batch: Batch,
    refreshes: u64,
    writes: u64,
    now: i64,
    /// What was written, per local day: app → (up, down), and the device's bytes.
    apps: BTreeMap<(i64, String), (u64, u64)>,
    device: BTreeMap<i64, (u64, u64)>,
}

impl Writer {
    fn add(&mut self, r: &Refresh, zone: &Zone) {
        let day = Tier::Day.floor(r.unix_s(), zone);
        for a in &r.moved.apps {
            let e = self.apps.entry((day, a.app.clone())).or_default();
            *e = (e.0 + a.up, e.1 + a.down);
        }
        let (u, d) = r.moved.total();
        let e = self.device.entry(day).or_default();
        *e = (e.0 + u, e.1 + d);
        self.batcher.add(r, &mut self.batch);
        self.now = r.unix_s();
        self.refreshes += 1;
        if self.refreshes.is_multiple_of(5) {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let store = self.store.as_mut().expect("a store");
        store.write(&batch).expect("write");
        self.writes += 1;
        if self.writes.is_multiple_of(60) {
            store.enforce_limits(self.now).expect("limits");
        }
    }
}

fn sum<'a>(it: impl IntoIterator<Item = &'a (u64, u64)>) -> (u64, u64) {
    it.into_iter().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1))
}

#[test]
fn a_flood_of_unique_apps_keeps_history_quotas_and_the_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Local time, as `prior::load` (what quotas start from after a restart) reads it.
    let zone = Zone::Local;
    let cfg = || store_config(Zone::Local, Retention::default(), CAP);
    let date = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let today = zone.start_of(date(3, 20));
    let month = zone.start_of(date(3, 1));
    let first = zone.start_of(date(2, 1));
    let mut w = Writer {
        store: Some(Store::open_writer(dir, cfg()).unwrap()),
        batcher: Batcher::default(),
        batch: Batch::default(),
        refreshes: 0,
        writes: 0,
        now: first,
        apps: BTreeMap::new(),
        device: BTreeMap::new(),
    };

    // Seven weeks of history: the real apps a minute every hour.
    let mut day = first;
    while day < today {
        for hour in 0..24 {
            for s in 0..6 {
                let ts = day + hour * 3600 + s * 10;
                let apps: Vec<(String, u64, u64)> = REAL
                    .iter()
                    .map(|(k, down)| (k.to_string(), down / 100, *down))
                    .collect();
                w.add(&refresh(ts, &apps), &zone);
            }
        }
        day = Tier::Day.next(day, &zone);
    }

    // The flood: from 00:00, ten new apps a second, each for one refresh; the writer
    // restarts halfway (what the day kept is read back from the file).
    for i in 0..FLOOD / 10 {
        let apps: Vec<(String, u64, u64)> = (0..10)
            .map(|j| (key_of_flood(i * 10 + j), 40 + j, 300 + (i + j) % 200))
            .collect();
        w.add(&refresh(today + i as i64, &apps), &zone);
        if i == FLOOD / 20 {
            w.flush();
            drop(w.store.take());
            w.store = Some(Store::open_writer(dir, cfg()).unwrap());
        }
    }
    // From 09:00, the real apps, half an hour.
    for s in 0..1800 {
        let apps: Vec<(String, u64, u64)> = REAL
            .iter()
            .map(|(k, down)| (k.to_string(), down / 50, *down))
            .collect();
        w.add(&refresh(today + 9 * 3600 + s, &apps), &zone);
    }
    w.flush();
    let now = w.now + 1;
    let mut store = w.store.take().unwrap();
    store.enforce_limits(now).unwrap();
    let live = store.live_bytes();
    drop(store);

    let store = Store::open_reader(dir, Zone::Local).unwrap();
    let mut problems: Vec<String> = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };

    // The older days: every one still there, per device and per app.
    let mut d = first;
    let mut days_lost = 0;
    while d < today {
        let next = Tier::Day.next(d, &zone);
        let dev = store.device_totals(d, next).unwrap();
        let got = dev
            .devices
            .iter()
            .fold((0, 0), |a, x| (a.0 + x.up_bytes, a.1 + x.down_bytes));
        if got != w.device[&d] {
            days_lost += 1;
        }
        for (k, _) in REAL {
            if store.app_total(d, next, k).unwrap() != w.apps[&(d, k.to_string())] {
                days_lost += 1;
            }
        }
        d = next;
    }
    check(
        days_lost == 0,
        format!(
            "{days_lost} per-device or per-app totals of the older days are not what was written"
        ),
    );

    // Today and this month: exact per device and per app, "other apps" included.
    for (what, from) in [("today", today), ("this month", month)] {
        let dev = store.device_totals(from, now).unwrap();
        let device: (u64, u64) = sum(w.device.range(from..).map(|(_, v)| v));
        let got_dev = dev
            .devices
            .iter()
            .fold((0, 0), |a, x| (a.0 + x.up_bytes, a.1 + x.down_bytes));
        check(
            got_dev == device,
            format!("{what}: device bytes {got_dev:?}, written {device:?}"),
        );
        let top = store.top_apps(from, now, usize::MAX).unwrap();
        let written: (u64, u64) = sum(w.apps.range((from, String::new())..).map(|(_, v)| v));
        let got = top
            .iter()
            .fold((0, 0), |a, x| (a.0 + x.up_bytes, a.1 + x.down_bytes));
        check(
            got == written,
            format!("{what}: the apps add up to {got:?}, written {written:?}"),
        );
        for (k, _) in REAL {
            let want = sum(w
                .apps
                .range((from, String::new())..)
                .filter(|((_, a), _)| a == k)
                .map(|(_, v)| v));
            let got = store.app_total(from, now, k).unwrap();
            check(
                got == want,
                format!("{what}: {k} {got:?}, written {want:?}"),
            );
        }
        let per_day = top.iter().filter(|a| a.app != OTHER_APPS).count();
        if from == today {
            check(
                per_day <= MAX_APPS_PER_DAY,
                format!("{what}: {per_day} apps kept apart, at most {MAX_APPS_PER_DAY} expected"),
            );
            check(
                top.iter().any(|a| a.app == OTHER_APPS && a.down_bytes > 0),
                format!("{what}: no \"other apps\" entry"),
            );
        }
    }

    // What quotas start from after a restart: exact totals, a bounded table.
    let (day_t, p) = prior::load(Some(dir), 1, now);
    for (what, t, from) in [("today", &day_t, today), ("this month", &p.month, month)] {
        let device: (u64, u64) = sum(w.device.range(from..).map(|(_, v)| v));
        check(
            t.total == device,
            format!("prior {what}: total {:?}, written {device:?}", t.total),
        );
        let written: (u64, u64) = sum(w.apps.range((from, String::new())..).map(|(_, v)| v));
        let got = sum(t.apps.values());
        check(
            got == written,
            format!("prior {what}: apps add up to {got:?}, written {written:?}"),
        );
        check(
            t.apps.len() <= MAX_APPS + 1,
            format!(
                "prior {what}: {} app keys, at most {MAX_APPS} + other expected",
                t.apps.len()
            ),
        );
        let ff = REAL[0].0;
        let want = sum(w
            .apps
            .range((from, String::new())..)
            .filter(|((_, a), _)| a == ff)
            .map(|(_, v)| v));
        check(
            t.apps.get(ff) == Some(&want),
            format!(
                "prior {what}: firefox {:?}, written {want:?}",
                t.apps.get(ff)
            ),
        );
    }
    let known = p.known_apps.map_or(0, |k| k.len());
    let keys = store.app_keys().unwrap().len();
    check(
        keys <= MAX_APPS_PER_DAY + REAL.len() && known == keys,
        format!(
            "the history holds {keys} app keys (the new-app rule {known}); at most {} expected",
            MAX_APPS_PER_DAY + REAL.len()
        ),
    );

    // The tiers that fit days agree on today; the file is under its cap.
    let sums: Vec<(i64, i64, i64, i64)> = TIERS
        .iter()
        .filter(|&&t| t <= Tier::Day)
        .map(|&t| store.tier_sum(t, today, now).unwrap())
        .collect();
    check(
        sums.windows(2).all(|p| p[0] == p[1]) && sums[0].0 == sums[0].2,
        format!("today's sums per tier (apps up, down, devices up, down): {sums:?}"),
    );
    let file = std::fs::metadata(dir.join(FILE)).map_or(0, |m| m.len());
    check(
        live <= CAP && file <= CAP + 64 * 1024,
        format!("{live} live bytes, a {file}-byte file: over the {CAP}-byte cap"),
    );
    assert!(
        problems.is_empty(),
        "after the flood:\n  {}",
        problems.join("\n  ")
    );
}
