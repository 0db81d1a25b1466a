//! 2. Two synthetic years of 500 apps, then the history queries against them.

use super::util::*;
use super::*;
use hogwatch::store::batch::Batch;
use hogwatch::store::db::FILE_NAME;
use hogwatch::store::query::Subject;
use hogwatch::store::tiers::{Tier, Zone};
use hogwatch::store::{Store, StoreConfig};
use std::collections::HashSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(crate) const YEAR_APPS: usize = 500;
/// Apps active every hour of the year.
pub(crate) const YEAR_BUSY: usize = 20;
/// Other apps active in an hour.
pub(crate) const YEAR_OCCASIONAL: usize = 40;
/// Fine cells per busy app per hour (one every 5 minutes).
pub(crate) const BUSY_CELLS: i64 = 12;
/// 2025-11-25 13:00:00 UTC: the year starts mid-day, so ranges ending at `now` have
/// minute and hour edges, not only whole days.
pub(crate) const YEAR_START: i64 = 1_764_075_600;
/// Two years (issue 14's aim: queries over all of two years of 500 apps ≤ 50 ms), ending
/// at 13:37:20, mid-hour, mid-minute.
pub(crate) const YEARS: i64 = 2;
pub(crate) const YEAR_LEN: i64 = YEARS * 365 * DAY + 37 * 60 + 20;
/// Retention and the size cap run once a simulated day while building (the writer runs
/// them hourly; the file they leave is the same but for an hour of fine data).
const LIMITS_EVERY: u64 = 24;

/// What the build produced (kept next to the cached file).
#[derive(Debug, Clone, Default)]
pub(crate) struct YearMeta {
    pub(crate) now: i64,
    pub(crate) busy_app: String,
    pub(crate) batches: u64,
    pub(crate) cells: u64,
    pub(crate) upserts: u64,
    pub(crate) build: Duration,
    pub(crate) write: Duration,
    pub(crate) limits: Duration,
    pub(crate) db_bytes: u64,
    pub(crate) wal_bytes: u64,
}

impl YearMeta {
    pub(crate) fn to_text(&self) -> String {
        format!(
            "now={}\nbusy_app={}\nbatches={}\ncells={}\nupserts={}\nbuild_ms={}\nwrite_ms={}\nlimits_ms={}\ndb_bytes={}\nwal_bytes={}\n",
            self.now,
            self.busy_app,
            self.batches,
            self.cells,
            self.upserts,
            self.build.as_millis(),
            self.write.as_millis(),
            self.limits.as_millis(),
            self.db_bytes,
            self.wal_bytes
        )
    }

    pub(crate) fn from_text(text: &str) -> Option<YearMeta> {
        let mut m = YearMeta::default();
        let mut seen = 0;
        for line in text.lines() {
            let (k, v) = line.split_once('=')?;
            let n = || v.parse::<u64>().ok();
            let d = || n().map(Duration::from_millis);
            match k {
                "now" => m.now = v.parse().ok()?,
                "busy_app" => m.busy_app = v.to_owned(),
                "batches" => m.batches = n()?,
                "cells" => m.cells = n()?,
                "upserts" => m.upserts = n()?,
                "build_ms" => m.build = d()?,
                "write_ms" => m.write = d()?,
                "limits_ms" => m.limits = d()?,
                "db_bytes" => m.db_bytes = n()?,
                "wal_bytes" => m.wal_bytes = n()?,
                _ => continue,
            }
            seen += 1;
        }
        (seen == 10).then_some(m)
    }
}

/// One simulated stretch `[start, start + len)` (an hour, or the last partial hour):
/// cells in fine buckets for the busy apps and ~40 others, spread over it.
pub(crate) fn year_batch(rng: &mut Rng, start: i64, len: i64, apps: &[(String, String)]) -> Batch {
    let mut b = Batch::default();
    let fine = Tier::Fine.secs();
    let buckets = (len / fine).max(1) as u64;
    let add = |b: &mut Batch, i: usize, ts: i64, up: u64, down: u64| {
        let (key, name) = &apps[i];
        let e = b
            .apps
            .entry((ts, key.clone(), DEVICE.to_owned()))
            .or_default();
        *e = (e.0 + up, e.1 + down);
        let d = b.devices.entry((ts, DEVICE.to_owned())).or_default();
        *d = (d.0 + up, d.1 + down);
        b.app_names
            .entry(key.clone())
            .or_insert_with(|| name.clone());
    };
    // Busy apps: a cell every 5 minutes (at a random 10 s bucket within each 5 minutes).
    let every = 3600 / BUSY_CELLS;
    for i in 0..YEAR_BUSY {
        for slot in (0..len).step_by(every as usize) {
            let window = (len - slot).min(every) / fine;
            let ts = start + slot + rng.below(window as u64) as i64 * fine;
            let (up, down) = (rng.range(10_000, 2_000_000), rng.range(100_000, 60_000_000));
            add(&mut b, i, ts, up, down);
        }
    }
    // Occasional apps: skewed popularity (low indices far more often), 1–6 cells each.
    let mut chosen = HashSet::new();
    while chosen.len() < YEAR_OCCASIONAL {
        let x = rng.unit();
        let i = YEAR_BUSY + (x * x * (YEAR_APPS - YEAR_BUSY) as f64) as usize;
        chosen.insert(i.min(YEAR_APPS - 1));
    }
    let mut chosen: Vec<usize> = chosen.into_iter().collect();
    chosen.sort_unstable();
    for i in chosen {
        for _ in 0..rng.range(1, 7) {
            let ts = start + rng.below(buckets) as i64 * fine;
            add(
                &mut b,
                i,
                ts,
                rng.range(100, 500_000),
                rng.range(1_000, 20_000_000),
            );
        }
    }
    // Unattributed: a few small signed cells.
    for _ in 0..rng.below(4) {
        let ts = start + rng.below(buckets) as i64 * fine;
        let e = b.unattributed.entry(ts).or_default();
        *e = (
            e.0 + rng.range(0, 5_000) as i64,
            e.1 + rng.range(0, 50_000) as i64 - 10_000,
        );
    }
    b.spans.push((start, start + len, true));
    b
}

pub(crate) fn build_year(dir: &Path) -> YearMeta {
    let zone = Zone::Local;
    let apps: Vec<(String, String)> = (0..YEAR_APPS).map(app_key).collect();
    let mut store = Store::open_writer(dir, StoreConfig::default()).unwrap();
    let mut rng = Rng(0x7EA2_5EED);
    let mut m = YearMeta {
        now: YEAR_START + YEAR_LEN,
        busy_app: apps[0].0.clone(),
        ..YearMeta::default()
    };
    let mut bookkeeping = Duration::ZERO;
    let started = Instant::now();
    let mut t = YEAR_START;
    while t < m.now {
        let len = (m.now - t).min(3600);
        let batch = year_batch(&mut rng, t, len, &apps);
        let tb = Instant::now();
        m.cells += batch.cells() as u64;
        m.upserts += upserts(&batch, &zone);
        bookkeeping += tb.elapsed();
        let tw = Instant::now();
        store.write(&batch).unwrap();
        m.write += tw.elapsed();
        t += len;
        m.batches += 1;
        if m.batches.is_multiple_of(LIMITS_EVERY) || t >= m.now {
            let tl = Instant::now();
            store.enforce_limits(t).unwrap();
            m.limits += tl.elapsed();
        }
        if m.batches.is_multiple_of(24 * 30) {
            eprintln!(
                "  … built {} of {} days ({})",
                m.batches / 24,
                YEARS * 365,
                secs(started.elapsed())
            );
        }
    }
    m.build = started.elapsed() - bookkeeping;
    drop(store);
    (m.db_bytes, m.wal_bytes) = file_sizes(dir);
    m
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The synthetic year's directory, built now or reused: (dir, meta, built now).
pub(crate) fn year_db() -> (PathBuf, YearMeta, bool) {
    // Local days depend on the zone: a file built under another offset is not reused.
    let offset = Zone::Local.day_start(YEAR_START) - YEAR_START.div_euclid(DAY) * DAY;
    let root = target_dir().join("bench-history-year");
    let dir = root.join(format!("v{YEAR_VERSION}-off{offset}"));
    let meta_path = dir.join("meta.txt");
    let rebuild = std::env::var("HISTORY_BENCH_REBUILD").is_ok_and(|v| v == "1");
    if !rebuild {
        if let Some(m) = std::fs::read_to_string(&meta_path)
            .ok()
            .and_then(|t| YearMeta::from_text(&t))
        {
            if dir.join(FILE_NAME).exists() {
                return (dir, m, false);
            }
        }
    }
    // Build aside, then move into place: an interrupted build is never reused.
    let building = root.join(format!("v{YEAR_VERSION}-off{offset}.building"));
    let _ = std::fs::remove_dir_all(&building);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "  building the synthetic year in {} (cached for later runs)…",
        building.display()
    );
    let m = build_year(&building);
    std::fs::write(building.join("meta.txt"), m.to_text()).unwrap();
    std::fs::rename(&building, &dir).unwrap();
    (dir, m, true)
}

pub(crate) struct Timing {
    pub(crate) name: String,
    pub(crate) first: Duration,
    pub(crate) median: Duration,
    pub(crate) min: Duration,
    pub(crate) max: Duration,
    /// Result size (apps or points), as a sanity check.
    pub(crate) size: usize,
    pub(crate) aim: Option<Duration>,
}

/// One untimed-for-the-median first call (statement compilation, cold caches), then
/// `RUNS` timed calls.
pub(crate) fn time_query(
    name: &str,
    aim: Option<Duration>,
    mut f: impl FnMut() -> usize,
) -> Timing {
    let t = Instant::now();
    let size = black_box(f());
    let first = t.elapsed();
    let mut v: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    v.sort();
    Timing {
        name: name.to_owned(),
        first,
        median: v[v.len() / 2],
        min: v[0],
        max: v[v.len() - 1],
        size,
        aim,
    }
}

pub(crate) fn run_queries(store: &Store, m: &YearMeta) -> Vec<Timing> {
    let now = m.now;
    let first = store.first_ts().unwrap().unwrap_or(now);
    let month = now - 30 * DAY;
    let app = Subject::App(m.busy_app.clone());
    vec![
        time_query("top_apps(30 d, 20)", Some(AIM), || {
            store.top_apps(month, now, 20).unwrap().len()
        }),
        time_query("series(App, 30 d, 720)", Some(AIM), || {
            store.series(&app, month, now, 720).unwrap().points.len()
        }),
        time_query("series(Total, 30 d, 720)", None, || {
            store
                .series(&Subject::Total, month, now, 720)
                .unwrap()
                .points
                .len()
        }),
        time_query("top_apps(24 h, 20)", None, || {
            store.top_apps(now - DAY, now, 20).unwrap().len()
        }),
        time_query("top_apps(all, 20)", Some(AIM), || {
            store.top_apps(first, now + 1, 20).unwrap().len()
        }),
        time_query("app_total(all)", None, || {
            let (up, down) = store.app_total(first, now + 1, &m.busy_app).unwrap();
            usize::from(up + down > 0)
        }),
        time_query("series(App, all, 720)", None, || {
            store
                .series(&app, first, now + 1, 720)
                .unwrap()
                .points
                .len()
        }),
    ]
}

/// SQLite's plan for the statements behind the main queries (the SQL as `query.rs`
/// builds it; keep in step with it).
pub(crate) fn print_plans(dir: &Path, m: &YearMeta) {
    let conn = read_only(dir);
    let app_id: i64 = conn
        .query_row("SELECT id FROM apps WHERE key = ?1", [&m.busy_app], |r| {
            r.get(0)
        })
        .unwrap();
    let month = m.now - 30 * DAY;
    let plans: Vec<(String, String, Option<i64>)> = vec![
        (
            "top_apps segment (day tier)".into(),
            "SELECT app, sum(up), sum(down) FROM app_day WHERE ts >= ?1 AND ts < ?2 AND ?3 IS NULL GROUP BY app".into(),
            None,
        ),
        (
            "top_apps segment (hour tier)".into(),
            "SELECT app, sum(up), sum(down) FROM app_hour WHERE ts >= ?1 AND ts < ?2 AND ?3 IS NULL GROUP BY app".into(),
            None,
        ),
        (
            "app_total segment (day tier)".into(),
            "SELECT app, sum(up), sum(down) FROM app_day WHERE ts >= ?1 AND ts < ?2 AND app = ?3 GROUP BY app".into(),
            Some(app_id),
        ),
        (
            "series App (hour tier)".into(),
            "SELECT ts, sum(up), sum(down) FROM app_hour WHERE app = ?3 AND ts >= ?1 AND ts < ?2 GROUP BY ts".into(),
            Some(app_id),
        ),
        (
            "series Total (hour tier)".into(),
            "SELECT ts, sum(up), sum(down) FROM dev_hour WHERE device != 0 AND ts >= ?1 AND ts < ?2 AND ?3 IS NULL GROUP BY ts".into(),
            None,
        ),
    ];
    println!("\n  EXPLAIN QUERY PLAN (SQL as query.rs builds it):");
    for (label, sql, key) in plans {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let mut rows = stmt.query(rusqlite::params![month, m.now, key]).unwrap();
        let mut details = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            details.push(row.get::<_, String>(3).unwrap());
        }
        println!("    {label}: {}", details.join(" | "));
    }
}

pub(crate) fn print_year(dir: &Path, m: &YearMeta, built_now: bool, timings: &[Timing]) {
    println!(
        "\n== 2. {YEARS} synthetic years, {YEAR_APPS} apps ({YEAR_BUSY} busy every hour + {YEAR_OCCASIONAL} others an hour), default retention and cap"
    );
    println!("  file: {}", dir.join(FILE_NAME).display());
    println!(
        "  build {}: {} (Store::write {}, enforce_limits every {LIMITS_EVERY} batches {})",
        if built_now {
            "(this run)"
        } else {
            "(cached; figures from the run that built it, HISTORY_BENCH_REBUILD=1 to redo)"
        },
        secs(m.build),
        secs(m.write),
        secs(m.limits)
    );
    println!(
        "  {} hourly batches, {} fine cells, {} upserts",
        thousands(m.batches),
        thousands(m.cells),
        thousands(m.upserts)
    );
    println!(
        "  size after the build: {} + WAL {} = {}",
        mib(m.db_bytes),
        mib(m.wal_bytes),
        mib(m.db_bytes + m.wal_bytes)
    );
    print_rows(&row_counts(dir));
    println!(
        "  queries, now = end of the year, busy app {}; first call, then {RUNS} runs:",
        m.busy_app
    );
    println!(
        "    {:<26} {:>10} {:>10} {:>10} {:>10} {:>7}  aim",
        "query", "first", "median", "min", "max", "size"
    );
    for t in timings {
        let aim = match t.aim {
            Some(a) if t.median <= a => format!("≤ {} ok", ms(a)),
            Some(a) => format!("≤ {} MISSED", ms(a)),
            None => String::new(),
        };
        println!(
            "    {:<26} {:>10} {:>10} {:>10} {:>10} {:>7}  {aim}",
            t.name,
            ms(t.first),
            ms(t.median),
            ms(t.min),
            ms(t.max),
            t.size
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. Summary
