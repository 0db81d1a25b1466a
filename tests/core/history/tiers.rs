//! A property test of the tiers (every tier agrees on local days, in several fixed zones)
//! and of range queries over arbitrary unaligned ranges; old partial days in zones offset
//! by a fraction of an hour.

use super::common::{store_config, Rng};
use hogwatch::store::batch::Batch;
use hogwatch::store::tiers::{Tier, Zone, TIERS};
use hogwatch::store::{Retention, Store};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

// ------------------------------------------------------------------- the property test

const APP_KEYS: [&str; 4] = [
    "/usr/lib/firefox/firefox",
    "/usr/bin/python3 /srv/sync.py",
    "=weird,\"app\"",
    "/opt/日本語/アプリ",
];
const DEVICES: [&str; 3] = ["eth0", "wlp3s0", "tun0"];
/// 2026-03-01T00:00:00Z.
const PROP_BASE: i64 = 1_772_323_200;
/// Fine buckets in the property test's ~3 days.
const PROP_BUCKETS: i64 = 3 * 8640;

type AppCellSpec = (i64, usize, usize, u64, u64);
type DevCellSpec = (i64, usize, u64, u64);
type UnCellSpec = (i64, i64, i64);

#[derive(Debug, Clone)]
struct BatchSpec {
    apps: Vec<AppCellSpec>,
    devices: Vec<DevCellSpec>,
    unattributed: Vec<UnCellSpec>,
}

fn bytes() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        1u64..5_000,
        1_000_000u64..10_000_000_000,
        // Large, yet sums of a few hundred stay inside SQLite's signed 64 bits.
        (1u64 << 40)..(1u64 << 50),
    ]
}

fn bucket() -> impl Strategy<Value = i64> {
    (0..PROP_BUCKETS).prop_map(|k| PROP_BASE + 10 * k)
}

fn batch_spec() -> impl Strategy<Value = BatchSpec> {
    (
        prop::collection::vec(
            (
                bucket(),
                0..APP_KEYS.len(),
                0..DEVICES.len(),
                bytes(),
                bytes(),
            ),
            0..40,
        ),
        prop::collection::vec((bucket(), 0..DEVICES.len(), bytes(), bytes()), 0..20),
        prop::collection::vec(
            (
                bucket(),
                -(1i64 << 40)..(1i64 << 40),
                -(1i64 << 40)..(1i64 << 40),
            ),
            0..8,
        ),
    )
        .prop_map(|(apps, devices, unattributed)| BatchSpec {
            apps,
            devices,
            unattributed,
        })
}

/// Offsets east of UTC: whole hours, and half- and quarter-hour zones.
const OFFSETS: [i32; 6] = [0, 19_800, -28_800, 20_700, 46_800, -34_200];

/// Every cell written, summed per key (the in-memory model of the store).
#[derive(Debug, Default)]
struct Model {
    apps: BTreeMap<(i64, usize, usize), (u64, u64)>,
    devices: BTreeMap<(i64, usize), (u64, u64)>,
    unattributed: BTreeMap<i64, (i64, i64)>,
}

impl Model {
    fn batch(&mut self, spec: &BatchSpec) -> Batch {
        let mut b = Batch::default();
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        // As the writer's batches (what moved, per app on a device): an app's bytes also moved on its
        // device, which may carry more (other apps, unattributed traffic).
        let app_devices = spec
            .apps
            .iter()
            .map(|&(ts, _, dev, up, down)| (ts, dev, up, down));
        for &(ts, app, dev, up, down) in &spec.apps {
            let e = b
                .apps
                .entry((ts, APP_KEYS[app].to_owned(), DEVICES[dev].to_owned()))
                .or_default();
            *e = (e.0 + up, e.1 + down);
            b.app_names.insert(APP_KEYS[app].to_owned(), app_name(app));
            let m = self.apps.entry((ts, app, dev)).or_default();
            *m = (m.0 + up, m.1 + down);
            (lo, hi) = (lo.min(ts), hi.max(ts));
        }
        for (ts, dev, up, down) in app_devices.chain(spec.devices.iter().copied()) {
            let e = b.devices.entry((ts, DEVICES[dev].to_owned())).or_default();
            *e = (e.0 + up, e.1 + down);
            let m = self.devices.entry((ts, dev)).or_default();
            *m = (m.0 + up, m.1 + down);
            (lo, hi) = (lo.min(ts), hi.max(ts));
        }
        for &(ts, up, down) in &spec.unattributed {
            let e = b.unattributed.entry(ts).or_default();
            *e = (e.0 + up, e.1 + down);
            let m = self.unattributed.entry(ts).or_default();
            *m = (m.0 + up, m.1 + down);
            (lo, hi) = (lo.min(ts), hi.max(ts));
        }
        if lo <= hi {
            b.spans.push((lo, hi + 10, true));
        }
        b
    }

    fn timestamps(&self) -> BTreeSet<i64> {
        let mut s: BTreeSet<i64> = self.apps.keys().map(|k| k.0).collect();
        s.extend(self.devices.keys().map(|k| k.0));
        s.extend(self.unattributed.keys());
        s
    }

    /// What `tier_sum(t, a, b)` must return: cells whose `t` bucket starts in `[a, b)`.
    fn tier_sum(&self, t: Tier, zone: &Zone, a: i64, b: i64) -> (i64, i64, i64, i64) {
        let inside = |ts: i64| (a..b).contains(&t.floor(ts, zone));
        let mut s = (0i64, 0i64, 0i64, 0i64);
        for (k, v) in &self.apps {
            if inside(k.0) {
                s.0 += v.0 as i64;
                s.1 += v.1 as i64;
            }
        }
        for (k, v) in &self.devices {
            if inside(k.0) {
                s.2 += v.0 as i64;
                s.3 += v.1 as i64;
            }
        }
        for (k, v) in &self.unattributed {
            if inside(*k) {
                s.2 += v.0;
                s.3 += v.1;
            }
        }
        s
    }
}

fn app_name(i: usize) -> String {
    format!("name {i} of {}", APP_KEYS[i])
}

const KEEP_ALL: Retention = Retention {
    fine: 100 * 365 * 86_400,
    minute: 100 * 365 * 86_400,
    hour: 100 * 365 * 86_400,
};

fn check_rollups(
    offset: i32,
    specs: &[BatchSpec],
    ranges: &[(i64, i64)],
    strict_hours: bool,
) -> std::result::Result<(), TestCaseError> {
    let zone = Zone::fixed(offset);
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open_writer(
        tmp.path(),
        store_config(zone.clone(), KEEP_ALL, u64::MAX / 4),
    )
    .unwrap();
    let mut model = Model::default();
    for spec in specs {
        let b = model.batch(spec);
        store.write(&b).unwrap();
    }
    // Limits with everything kept: must delete nothing.
    store.enforce_limits(PROP_BASE + 4 * 86_400).unwrap();
    let stamps = model.timestamps();
    let (Some(&lo), Some(&hi)) = (stamps.first(), stamps.last()) else {
        return Ok(());
    };

    // (a) Local days. Each day, every pair of days, and all days with a margin. A range
    // aligned to local midnights holds whole fine, minute and day buckets, so those three
    // tiers agree with each other and with the model. Hour buckets are UTC hours
    // (`Tier::floor`): they nest in local days only when the zone's offset is a whole
    // number of hours; in +5:30 or +5:45 an hour bucket straddles local midnight. Unless
    // `strict_hours`, the hour tier is then checked against its own bucketing, and
    // against the others only on the range covering all data with a day's margin.
    // (`tiers_agree_across_local_midnight_in_every_zone` is strict: the straddling is
    // what makes old partial days count twice.)
    let whole_hours = strict_hours || offset % 3600 == 0;
    let first_day = Tier::Day.floor(lo, &zone);
    let mut days = vec![first_day];
    while *days.last().unwrap() <= hi {
        let next = Tier::Day.next(*days.last().unwrap(), &zone);
        days.push(next);
    }
    let mut day_ranges: Vec<(i64, i64)> = days.windows(2).map(|w| (w[0], w[1])).collect();
    for i in 0..days.len() {
        for j in i + 2..days.len() {
            day_ranges.push((days[i], days[j]));
        }
    }
    for &(a, b) in &day_ranges {
        let fine = store.tier_sum(Tier::Fine, a, b).unwrap();
        prop_assert_eq!(
            fine,
            model.tier_sum(Tier::Fine, &zone, a, b),
            "fine tier vs model on local days [{}, {}) (offset {})",
            a,
            b,
            offset
        );
        for t in TIERS {
            let got = store.tier_sum(t, a, b).unwrap();
            prop_assert_eq!(
                got,
                model.tier_sum(t, &zone, a, b),
                "tier {:?} vs its buckets in the model on [{}, {}) (offset {})",
                t,
                a,
                b,
                offset
            );
            // Months do not fit days: they are checked against the model above and
            // against everything below.
            if t <= Tier::Day && (t != Tier::Hour || whole_hours) {
                prop_assert_eq!(
                    got,
                    fine,
                    "tier {:?} differs from the fine tier on local days [{}, {}) (offset {})",
                    t,
                    a,
                    b,
                    offset
                );
            }
        }
    }
    let (a, b) = (first_day - 86_400, *days.last().unwrap() + 86_400);
    let all = model.tier_sum(Tier::Fine, &zone, i64::MIN, i64::MAX);
    for t in TIERS {
        // A month bucket may start weeks before the first day.
        let (a, b) = if t == Tier::Month {
            (i64::MIN, i64::MAX)
        } else {
            (a, b)
        };
        prop_assert_eq!(
            store.tier_sum(t, a, b).unwrap(),
            all,
            "tier {:?} over everything (offset {})",
            t,
            offset
        );
    }

    // (b) Unaligned ranges. `decompose` documents its segments as "buckets of `tier`
    // whose start lies in [a, b)", contiguous from `Tier::Fine.floor(from)` to `to` (its
    // unit test: "only the leftmost fine bucket starts before `from`"). With every tier
    // kept, a query over [from, to) therefore sums exactly the cells whose fine bucket
    // starts in [Fine.floor(from), Fine.ceil(to)) — the bucket holding `from` counts
    // whole, a bucket starting at or after `to` does not.
    for &(from, to) in ranges {
        let (fa, fb) = (Tier::Fine.floor(from, &zone), Tier::Fine.ceil(to, &zone));
        let inside = |ts: i64| (fa..fb).contains(&ts);
        let mut apps: BTreeMap<String, (String, u64, u64)> = BTreeMap::new();
        for (&(ts, app, _), &(up, down)) in &model.apps {
            if inside(ts) {
                let e = apps
                    .entry(APP_KEYS[app].to_owned())
                    .or_insert_with(|| (app_name(app), 0, 0));
                e.1 += up;
                e.2 += down;
            }
        }
        apps.retain(|_, v| v.1 + v.2 > 0);
        let got: BTreeMap<String, (String, u64, u64)> = store
            .top_apps(from, to, 100)
            .unwrap()
            .into_iter()
            .map(|a| (a.app, (a.name, a.up_bytes, a.down_bytes)))
            .collect();
        prop_assert_eq!(
            &got,
            &apps,
            "top_apps [{}, {}) (offset {}); segments {:?}",
            from,
            to,
            offset,
            segments(&store, from, to)
        );
        for key in APP_KEYS.iter().chain(["/not/recorded"].iter()) {
            let want = apps.get(*key).map_or((0, 0), |v| (v.1, v.2));
            prop_assert_eq!(
                store.app_total(from, to, key).unwrap(),
                want,
                "app_total {:?} [{}, {}) (offset {})",
                key,
                from,
                to,
                offset
            );
        }
        let mut devs: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for (&(ts, dev), &(up, down)) in &model.devices {
            if inside(ts) {
                let e = devs.entry(DEVICES[dev].to_owned()).or_default();
                *e = (e.0 + up, e.1 + down);
            }
        }
        devs.retain(|_, v| *v != (0, 0));
        let un = model
            .unattributed
            .iter()
            .filter(|(ts, _)| inside(**ts))
            .fold((0i64, 0i64), |s, (_, v)| (s.0 + v.0, s.1 + v.1));
        let dt = store.device_totals(from, to).unwrap();
        let got: BTreeMap<String, (u64, u64)> = dt
            .devices
            .iter()
            .map(|d| (d.device.clone(), (d.up_bytes, d.down_bytes)))
            .filter(|(_, v)| *v != (0, 0))
            .collect();
        prop_assert_eq!(
            &got,
            &devs,
            "device_totals [{}, {}) (offset {})",
            from,
            to,
            offset
        );
        prop_assert_eq!(
            (dt.unattributed_up, dt.unattributed_down),
            (un.0.max(0) as u64, un.1.max(0) as u64),
            "unattributed [{}, {}) (offset {})",
            from,
            to,
            offset
        );
    }
    Ok(())
}

/// The segments a query over `[from, to)` reads, for failure messages.
fn segments(store: &Store, from: i64, to: i64) -> Vec<(Tier, i64, i64)> {
    store.segments(from, to).unwrap_or_default()
}

fn ranges() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec(
        (0i64..5 * 86_400, 1i64..3 * 86_400).prop_map(|(off, len)| {
            let a = PROP_BASE - 86_400 + off;
            (a, a + len)
        }),
        1..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        // A failure is reported with its minimal case; no regression file in tests/.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Roll-ups: every tier holds the same bytes, and range totals are exact.
    #[test]
    fn tiers_agree_and_ranges_sum_exactly(
        offset in prop::sample::select(OFFSETS.to_vec()),
        specs in prop::collection::vec(batch_spec(), 1..6),
        ranges in ranges(),
    ) {
        check_rollups(offset, &specs, &ranges, false)?;
    }
}

/// The zones of the property test, each with one fixed set of batches crossing local
/// midnights, and the strict property: on every range of whole local days, all four
/// tiers hold the same bytes — also in +5:30, +5:45 and -9:30, where it needs hour
/// buckets that nest in local days.
#[test]
fn tiers_agree_across_local_midnight_in_every_zone() {
    let mut failures = Vec::new();
    for offset in OFFSETS {
        let zone = Zone::fixed(offset);
        let mut apps = Vec::new();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ offset as u64);
        for day in 0..3 {
            let midnight = Tier::Day.floor(PROP_BASE + day * 86_400 + 43_200, &zone);
            for d in [-3600, -1800, -10, 0, 10, 1790, 1800, 3590] {
                let ts = midnight + d;
                apps.push((
                    ts - ts.rem_euclid(10),
                    rng.below(4) as usize,
                    rng.below(3) as usize,
                    rng.below(1 << 40),
                    rng.below(1000),
                ));
            }
        }
        let spec = BatchSpec {
            apps,
            devices: vec![(PROP_BASE + 86_400, 1, 5, 6)],
            unattributed: vec![(PROP_BASE + 86_400 - 10, -7, 9)],
        };
        let ranges = [
            (PROP_BASE - 3_600, PROP_BASE + 3 * 86_400),
            (PROP_BASE + 86_395, PROP_BASE + 2 * 86_400 + 5),
        ];
        if let Err(e) = check_rollups(offset, &[spec], &ranges, true) {
            failures.push(format!("offset {offset:+} s: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "tiers disagree on whole local days (hour buckets are UTC hours, \
         src/store/tiers.rs `Tier::floor`, so in zones offset by a fraction of an hour an \
         hour bucket straddles local midnight):\n{}",
        failures.join("\n")
    );
}

// ------------------------------------------------- coarse-only ranges, half-hour zones

/// Once minute data has expired, a range starting or ending inside an old day is cut into
/// whole hours up to a local midnight, then whole days. Each byte must still count once,
/// in every zone — also where local midnight is not a UTC hour (+5:30, +5:45).
#[test]
fn old_partial_days_count_each_byte_once_in_every_zone() {
    let mut failures = Vec::new();
    for offset in [0, -28_800, 19_800, 20_700] {
        let zone = Zone::fixed(offset);
        let tmp = tempfile::tempdir().unwrap();
        let mut store = Store::open_writer(
            tmp.path(),
            store_config(zone.clone(), Retention::default(), u64::MAX / 4),
        )
        .unwrap();
        // Day D is 50 local days before "now": its minute and fine data are gone.
        let now = Tier::Day.floor(PROP_BASE, &zone) + 60 * 86_400 + 43_200;
        let d = Tier::Day.floor(now, &zone) - 50 * 86_400;
        let d1 = Tier::Day.next(d, &zone);
        let fine = |ts: i64| ts - ts.rem_euclid(10);
        // 00:10 and 23:45 local on day D, noon the day before and after, and today.
        // The hour tier reaches back before the ranges below (a cell 2 days before D).
        let cells = [
            (fine(d - 2 * 86_400 + 43_200), 600_000),
            (fine(d + 600), 1_000u64),
            (fine(d1 - 900), 20_000),
            (fine(d - 43_200), 300_000),
            (fine(d1 + 43_200), 4_000_000),
            (fine(now - 3_600), 50_000_000),
        ];
        let mut b = Batch::default();
        for &(ts, up) in &cells {
            b.apps
                .insert((ts, "/usr/bin/app".into(), "eth0".into()), (up, 0));
            b.devices.insert((ts, "eth0".into()), (up, 0));
        }
        b.spans.push((d - 86_400, now, true));
        store.write(&b).unwrap();
        store.enforce_limits(now).unwrap();
        assert!(
            store.oldest(Tier::Minute).is_none_or(|o| o > d1 + 86_400),
            "minute data of day D should be gone"
        );
        // From 10:30 or 11:00 local on the day before D (a whole UTC hour in each zone),
        // to the same on the day after: no cell lies near either end.
        let start = Tier::Day.floor(d - 43_200, &zone);
        let from = start + 10 * 3600 + (offset.rem_euclid(3600) as i64);
        let from = from - from.rem_euclid(3600);
        let to = from + 2 * 86_400;
        for (what, a, b) in [
            ("left edge", from, now + 1),
            ("right edge", d - 86_400 + 1, to),
        ] {
            let want: u64 = cells
                .iter()
                .filter(|c| (a..b).contains(&c.0))
                .map(|c| c.1)
                .sum();
            let app = store.app_total(a, b, "/usr/bin/app").unwrap().0;
            let dev = store.device_totals(a, b).unwrap();
            let dev = dev.devices.first().map_or(0, |x| x.up_bytes);
            if app != want || dev != want {
                failures.push(format!(
                    "offset {offset:+} s, {what}: [{a}, {b}) app_total {app}, device total \
                     {dev}, expected {want} (cells {cells:?}, segments {:?})",
                    segments(&store, a, b)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "bytes counted twice (or lost) where minute data has expired:\n{}",
        failures.join("\n")
    );
}
