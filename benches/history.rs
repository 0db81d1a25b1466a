#![allow(clippy::unwrap_used, clippy::expect_used)]
//! History store benchmark (no criterion: a few long scenarios, figures printed).
//! `cargo bench --bench history`.
//!
//! 1. A simulated day of 1 Hz refreshes for 200 apps, through `Batcher` into
//!    batches flushed every 5 s of simulated time with `Store::write`, and
//!    `enforce_limits` every 60 flushes — the history writer's work, minus tokio.
//! 2. A synthetic year for 500 apps (batches built directly, one per simulated hour),
//!    then the history queries against it, `now` = the end of that year. The year's
//!    file is cached in `target/bench-history-year/` (keyed by `YEAR_VERSION` and the
//!    local UTC offset); `HISTORY_BENCH_REBUILD=1` builds it again.
//! 3. A summary table for the README.
//!
//! The machine these run on is usually shared: figures are medians with min and max,
//! nothing passes or fails. `HISTORY_BENCH_PLANS=1` prints SQLite's query plans for the
//! main queries (they are printed anyway when a query misses its aim).

use hogwatch::model::{AppMoved, DeviceMoved, Mode, Moved, Refresh, Snapshot};
use hogwatch::store::batch::{Batch, Batcher};
use hogwatch::store::db::FILE_NAME;
use hogwatch::store::query::Subject;
use hogwatch::store::tiers::{Tier, Zone, TIERS};
use hogwatch::store::{Store, StoreConfig};
use rusqlite::{Connection, OpenFlags};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DAY: i64 = 86_400;
/// Bump when the synthetic year's shape changes: cached files of other versions are
/// not reused.
const YEAR_VERSION: u32 = 1;
/// Timed runs per query.
const RUNS: usize = 15;
/// What the two main dashboard queries should take at most.
const AIM: Duration = Duration::from_millis(50);
const DEVICE: &str = "wlan0";

// ---------------------------------------------------------------------------------------
// Helpers

/// SplitMix64: deterministic, dependency-free, good enough for a workload.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// In `[lo, hi)`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Key and display name of app `i`, shaped like real ones (an executable path).
fn app_key(i: usize) -> (String, String) {
    let name = format!("app{i:03}");
    (format!("/usr/lib/{name}/bin/{name}"), name)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1000.0;
    if m < 10.0 {
        format!("{m:.2} ms")
    } else {
        format!("{m:.1} ms")
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Median, p99 and max of a sample (sorted in place).
fn spread(v: &mut [Duration]) -> (Duration, Duration, Duration) {
    if v.is_empty() {
        return Default::default();
    }
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), v[v.len() - 1])
}

/// Sizes of the history file and its WAL.
fn file_sizes(dir: &Path) -> (u64, u64) {
    let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    (
        size(dir.join(FILE_NAME)),
        size(dir.join(format!("{FILE_NAME}-wal"))),
    )
}

fn read_only(dir: &Path) -> Connection {
    Connection::open_with_flags(
        dir.join(FILE_NAME),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap()
}

/// Bytes this process has passed to write(2) so far (Linux `/proc/self/io` wchar): the
/// WAL frames and checkpoint copies SQLite writes.
fn bytes_written() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/io").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("wchar:"))?
        .trim()
        .parse()
        .ok()
}

/// Rows in each tier's tables: (tier, app rows, device rows).
fn row_counts(dir: &Path) -> Vec<(&'static str, u64, u64)> {
    let conn = read_only(dir);
    let count = |table: String| -> u64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64
    };
    TIERS
        .iter()
        .map(|t| {
            (
                t.name(),
                count(format!("app_{}", t.name())),
                count(format!("dev_{}", t.name())),
            )
        })
        .collect()
}

fn print_rows(rows: &[(&str, u64, u64)]) {
    for (t, a, d) in rows {
        println!(
            "    rows in {t:<6}  apps {:>10}   devices {:>8}",
            thousands(*a),
            thousands(*d)
        );
    }
}

/// Upserts `Store::write` runs for a batch: distinct keys per tier after it folds the
/// batch's fine cells into every tier.
fn upserts(batch: &Batch, zone: &Zone) -> u64 {
    let mut apps: HashSet<(Tier, i64, &str, &str)> = HashSet::new();
    for (ts, app, dev) in batch.apps.keys() {
        for t in TIERS {
            apps.insert((t, t.floor(*ts, zone), app, dev));
        }
    }
    let mut devs: HashSet<(Tier, i64, Option<&str>)> = HashSet::new();
    for (ts, dev) in batch.devices.keys() {
        for t in TIERS {
            devs.insert((t, t.floor(*ts, zone), Some(dev)));
        }
    }
    for ts in batch.unattributed.keys() {
        for t in TIERS {
            devs.insert((t, t.floor(*ts, zone), None));
        }
    }
    (apps.len() + devs.len()) as u64
}

// ---------------------------------------------------------------------------------------
// 1. A day at 1 Hz through the writer's path

const DAY_APPS: usize = 200;
/// Apps moving bytes every second; the others move some now and then.
const DAY_BUSY: usize = 20;
/// Chance per second that an idle app starts a burst (about one burst per 10 minutes).
const BURST_CHANCE: f64 = 1.0 / 600.0;
const FLUSH_SECS: i64 = 5;
const LIMITS_EVERY: u64 = 60;
/// 2026-11-24 00:00:00 UTC.
const DAY_START: i64 = 1_795_478_400;

#[derive(Default)]
struct DayReport {
    wall: Duration,
    generate: Duration,
    observe: Duration,
    write: Duration,
    limits: Duration,
    final_limits: Duration,
    snapshots: u64,
    flushes: u64,
    limits_calls: u64,
    /// Per flush: median, p99, max of `Store::write`.
    write_spread: (Duration, Duration, Duration),
    limits_spread: (Duration, Duration, Duration),
    app_cells: u64,
    dev_cells: u64,
    unattributed_cells: u64,
    upserts: u64,
    /// Mean apps moving bytes per second.
    active_per_sec: f64,
    rows: Vec<(&'static str, u64, u64)>,
    db_bytes: u64,
    wal_bytes: u64,
    live_bytes: u64,
    /// Flushes whose `Store::write` took over `SLOW_FLUSH`, and their total time.
    slow_flushes: (u64, Duration),
    /// Bytes passed to write(2) during the day, when known.
    written: Option<u64>,
}

/// A flush slower than this (WAL auto-checkpoint and its fsyncs, usually).
const SLOW_FLUSH: Duration = Duration::from_millis(2);

fn simulate_day() -> DayReport {
    let tmp = tempfile::tempdir().unwrap();
    let zone = Zone::Local;
    let mut store = Store::open_writer(tmp.path(), StoreConfig::default()).unwrap();
    let mut rng = Rng(0xDA7_5EED);
    let mut r = DayReport::default();

    // One refresh, rebuilt in place every simulated second: what each app moved (the
    // collector computes it; the writer only adds it up).
    let names: Vec<(String, String)> = (0..DAY_APPS).map(app_key).collect();
    let mut refresh = Refresh {
        snapshot: Snapshot::empty(Mode::PerProcess, ""),
        moved: Moved::default(),
    };
    refresh.snapshot.interval_ms = 1000;
    let mut burst = vec![0u64; DAY_APPS];
    let mut batcher = Batcher::default();
    let mut batch = Batch::default();
    let mut write_times = Vec::new();
    let mut limit_times = Vec::new();
    let mut bookkeeping = Duration::ZERO;
    let mut active_total = 0u64;

    let written_before = bytes_written();
    let start = Instant::now();
    for s in 0..DAY {
        let ts = DAY_START + s;
        let t0 = Instant::now();
        refresh.snapshot.ts = ts as u64 * 1000;
        let m = &mut refresh.moved;
        m.apps.clear();
        let (mut dev_up, mut dev_down) = (0u64, 0u64);
        for (i, (app, name)) in names.iter().enumerate() {
            let (up, down) = if i < DAY_BUSY {
                (rng.range(200, 20_000), rng.range(1_000, 400_000))
            } else if burst[i] > 0 {
                burst[i] -= 1;
                (rng.range(100, 50_000), rng.range(500, 2_000_000))
            } else {
                if rng.chance(BURST_CHANCE) {
                    burst[i] = rng.range(5, 60);
                }
                (0, 0)
            };
            if up + down == 0 {
                continue;
            }
            active_total += 1;
            (dev_up, dev_down) = (dev_up + up, dev_down + down);
            m.apps.push(AppMoved {
                app: app.clone(),
                name: name.clone(),
                up,
                down,
                devices: vec![DeviceMoved {
                    name: DEVICE.into(),
                    up,
                    down,
                }],
            });
        }
        // Unattributed: a little now and then, sometimes shrinking (nethogs caught up).
        (m.unattributed_up, m.unattributed_down) = (0, 0);
        if rng.chance(0.05) {
            m.unattributed_up = rng.below(2_000) as i64;
            m.unattributed_down = rng.below(20_000) as i64;
        } else if rng.chance(0.005) {
            m.unattributed_down = -(rng.below(5_000) as i64);
        }
        dev_up += m.unattributed_up.max(0) as u64;
        dev_down += m.unattributed_down.max(0) as u64;
        m.devices = vec![DeviceMoved {
            name: DEVICE.into(),
            up: dev_up,
            down: dev_down,
        }];
        r.generate += t0.elapsed();

        let t1 = Instant::now();
        batcher.add(&refresh, &mut batch);
        r.observe += t1.elapsed();
        r.snapshots += 1;

        if (s + 1) % FLUSH_SECS == 0 {
            let tb = Instant::now();
            r.app_cells += batch.apps.len() as u64;
            r.dev_cells += batch.devices.len() as u64;
            r.unattributed_cells += batch.unattributed.len() as u64;
            r.upserts += upserts(&batch, &zone);
            bookkeeping += tb.elapsed();

            // As the writer: limits on the first flush and every 60th after it.
            let limits = r.flushes.is_multiple_of(LIMITS_EVERY);
            let tw = Instant::now();
            store.write(&batch).unwrap();
            let dw = tw.elapsed();
            r.write += dw;
            write_times.push(dw);
            if limits {
                let tl = Instant::now();
                store.enforce_limits(ts).unwrap();
                let dl = tl.elapsed();
                r.limits += dl;
                limit_times.push(dl);
                r.limits_calls += 1;
            }
            r.flushes += 1;
            batch = Batch::default();
        }
    }
    let now = DAY_START + DAY - 1;
    let tl = Instant::now();
    store.enforce_limits(now).unwrap();
    r.final_limits = tl.elapsed();
    r.wall = start.elapsed() - bookkeeping;
    r.written = written_before
        .zip(bytes_written())
        .map(|(a, b)| b.saturating_sub(a));
    let slow: Vec<&Duration> = write_times.iter().filter(|d| **d > SLOW_FLUSH).collect();
    r.slow_flushes = (slow.len() as u64, slow.into_iter().sum());

    r.write_spread = spread(&mut write_times);
    r.limits_spread = spread(&mut limit_times);
    r.active_per_sec = active_total as f64 / DAY as f64;
    r.live_bytes = store.live_bytes();
    r.rows = row_counts(tmp.path());
    (r.db_bytes, r.wal_bytes) = file_sizes(tmp.path());
    drop(store);
    r
}

fn print_day(r: &DayReport) {
    println!(
        "\n== 1. One day at 1 Hz, {DAY_APPS} apps, 1 device, Zone::Local, default StoreConfig"
    );
    println!(
        "  {} snapshots, {:.1} apps moving bytes per second on average ({DAY_BUSY} always)",
        thousands(r.snapshots),
        r.active_per_sec
    );
    println!(
        "  {} flushes (every {FLUSH_SECS} s), enforce_limits {} times (every {LIMITS_EVERY} flushes) + once at the end",
        thousands(r.flushes),
        r.limits_calls
    );
    println!(
        "  wall total            {}   (excluding the bench's own counting)",
        secs(r.wall)
    );
    println!("    building snapshots  {}", secs(r.generate));
    println!("    Batcher             {}", secs(r.observe));
    println!(
        "    Store::write        {}   per flush: median {}, p99 {}, max {}",
        secs(r.write),
        ms(r.write_spread.0),
        ms(r.write_spread.1),
        ms(r.write_spread.2)
    );
    println!(
        "      flushes over {}: {} ({:.1} %), {} of the write time",
        ms(SLOW_FLUSH),
        thousands(r.slow_flushes.0),
        r.slow_flushes.0 as f64 * 100.0 / r.flushes.max(1) as f64,
        secs(r.slow_flushes.1)
    );
    println!(
        "    enforce_limits      {}   per call: median {}, p99 {}, max {}; final {}",
        secs(r.limits),
        ms(r.limits_spread.0),
        ms(r.limits_spread.1),
        ms(r.limits_spread.2),
        ms(r.final_limits)
    );
    println!(
        "  cells in batches      {} (app × device {}, device {}, unattributed {})",
        thousands(r.app_cells + r.dev_cells + r.unattributed_cells),
        thousands(r.app_cells),
        thousands(r.dev_cells),
        thousands(r.unattributed_cells)
    );
    println!(
        "  upserts (all tiers)   {}   = {:.1} µs each in Store::write",
        thousands(r.upserts),
        r.write.as_secs_f64() * 1e6 / r.upserts.max(1) as f64
    );
    if let Some(w) = r.written {
        println!(
            "  bytes written (write(2): WAL frames + checkpoints): {} = {:.0} KiB per flush",
            mib(w),
            w as f64 / 1024.0 / r.flushes.max(1) as f64
        );
    }
    print_rows(&r.rows);
    println!(
        "  on disk after final enforce_limits (+ checkpoint): {} + WAL {} = {} (live data {})",
        mib(r.db_bytes),
        mib(r.wal_bytes),
        mib(r.db_bytes + r.wal_bytes),
        mib(r.live_bytes)
    );
}

// ---------------------------------------------------------------------------------------
// 2. A synthetic year, then the queries

const YEAR_APPS: usize = 500;
/// Apps active every hour of the year.
const YEAR_BUSY: usize = 20;
/// Other apps active in an hour.
const YEAR_OCCASIONAL: usize = 40;
/// Fine cells per busy app per hour (one every 5 minutes).
const BUSY_CELLS: i64 = 12;
/// 2025-11-25 13:00:00 UTC: the year starts mid-day, so ranges ending at `now` have
/// minute and hour edges, not only whole days.
const YEAR_START: i64 = 1_764_075_600;
/// The year ends at 13:37:20, mid-hour, mid-minute.
const YEAR_LEN: i64 = 365 * DAY + 37 * 60 + 20;

/// What the build produced (kept next to the cached file).
#[derive(Debug, Clone, Default)]
struct YearMeta {
    now: i64,
    busy_app: String,
    batches: u64,
    cells: u64,
    upserts: u64,
    build: Duration,
    write: Duration,
    limits: Duration,
    db_bytes: u64,
    wal_bytes: u64,
}

impl YearMeta {
    fn to_text(&self) -> String {
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

    fn from_text(text: &str) -> Option<YearMeta> {
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
fn year_batch(rng: &mut Rng, start: i64, len: i64, apps: &[(String, String)]) -> Batch {
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

fn build_year(dir: &Path) -> YearMeta {
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
        let tl = Instant::now();
        store.enforce_limits(t).unwrap();
        m.limits += tl.elapsed();
        m.batches += 1;
        if m.batches.is_multiple_of(24 * 30) {
            eprintln!(
                "  … built {} of 365 days ({})",
                m.batches / 24,
                secs(started.elapsed())
            );
        }
    }
    m.build = started.elapsed() - bookkeeping;
    drop(store);
    (m.db_bytes, m.wal_bytes) = file_sizes(dir);
    m
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The synthetic year's directory, built now or reused: (dir, meta, built now).
fn year_db() -> (PathBuf, YearMeta, bool) {
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

struct Timing {
    name: String,
    first: Duration,
    median: Duration,
    min: Duration,
    max: Duration,
    /// Result size (apps or points), as a sanity check.
    size: usize,
    aim: Option<Duration>,
}

/// One untimed-for-the-median first call (statement compilation, cold caches), then
/// `RUNS` timed calls.
fn time_query(name: &str, aim: Option<Duration>, mut f: impl FnMut() -> usize) -> Timing {
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

fn run_queries(store: &Store, m: &YearMeta) -> Vec<Timing> {
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
        time_query("top_apps(all, 20)", None, || {
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
fn print_plans(dir: &Path, m: &YearMeta) {
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

fn print_year(dir: &Path, m: &YearMeta, built_now: bool, timings: &[Timing]) {
    println!(
        "\n== 2. A synthetic year, {YEAR_APPS} apps ({YEAR_BUSY} busy every hour + {YEAR_OCCASIONAL} others an hour), default retention and cap"
    );
    println!("  file: {}", dir.join(FILE_NAME).display());
    println!(
        "  build {}: {} (Store::write {}, enforce_limits after every batch {})",
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

fn summary(day: &DayReport, year: &YearMeta, timings: &[Timing]) -> String {
    let mut s = String::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(
        s,
        "History store (`cargo bench --bench history`, {cores} cores, shared machine):\n"
    );
    let _ = writeln!(s, "| Write path | Figure |");
    let _ = writeln!(s, "|---|---|");
    let _ = writeln!(
        s,
        "| 1 day at 1 Hz, {DAY_APPS} apps ({:.0} active/s): wall | {} |",
        day.active_per_sec,
        secs(day.wall)
    );
    let _ = writeln!(
        s,
        "| … of which `Store::write` ({} flushes) | {} (median {} per flush) |",
        thousands(day.flushes),
        secs(day.write),
        ms(day.write_spread.0)
    );
    let _ = writeln!(
        s,
        "| … of which `enforce_limits` ({} calls) | {} |",
        day.limits_calls + 1,
        secs(day.limits + day.final_limits)
    );
    let _ = writeln!(
        s,
        "| Cells / upserts written | {} / {} |",
        thousands(day.app_cells + day.dev_cells + day.unattributed_cells),
        thousands(day.upserts)
    );
    if let Some(w) = day.written {
        let _ = writeln!(
            s,
            "| Bytes written in the day (WAL + checkpoints) | {} |",
            mib(w)
        );
    }
    let _ = writeln!(
        s,
        "| File after 1 day (db + WAL) | {} |",
        mib(day.db_bytes + day.wal_bytes)
    );
    let _ = writeln!(
        s,
        "| Synthetic year, {YEAR_APPS} apps: build / file | {} / {} |",
        secs(year.build),
        mib(year.db_bytes + year.wal_bytes)
    );
    let _ = writeln!(
        s,
        "\n| Query (year file, now = its end) | Median | Min | Max |"
    );
    let _ = writeln!(s, "|---|---|---|---|");
    for t in timings {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            t.name,
            ms(t.median),
            ms(t.min),
            ms(t.max)
        );
    }
    s
}

fn main() {
    // `cargo bench` passes `--bench` (and any filter); this program takes no options.
    println!("hogwatch history bench (figures only; the machine may be shared and noisy)");

    let day = simulate_day();
    print_day(&day);

    let (dir, year, built_now) = year_db();
    let store = Store::open_reader(&dir, Zone::Local).unwrap();
    let timings = run_queries(&store, &year);
    drop(store);
    print_year(&dir, &year, built_now, &timings);
    let missed = timings.iter().any(|t| t.aim.is_some_and(|a| t.median > a));
    if missed || std::env::var("HISTORY_BENCH_PLANS").is_ok_and(|v| v == "1") {
        print_plans(&dir, &year);
    }

    println!("\n== 3. Summary\n");
    print!("{}", summary(&day, &year, &timings));
}
