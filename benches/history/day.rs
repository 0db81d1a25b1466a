//! 1. A simulated day at 1 Hz through the history writer's path.

use super::util::*;
use super::*;
use hogwatch::model::{AppMoved, DeviceMoved, Mode, Moved, Refresh, Snapshot};
use hogwatch::store::batch::{Batch, Batcher};
use hogwatch::store::{Store, StoreConfig};
use std::time::{Duration, Instant};

/// A simulated desktop: its apps, how many move bytes every second (the others move
/// some now and then), and the writer's crash-safety point.
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) name: &'static str,
    pub(crate) apps: usize,
    pub(crate) busy: usize,
    pub(crate) flush_secs: i64,
    /// Bytes written a day before issue 14 (5-second batches rewriting four tiers), and
    /// where that figure comes from.
    pub(crate) before: (&'static str, &'static str),
}

/// A typical desktop (20 apps, 3 busy) and a crowded machine (200 apps, 20 busy), both
/// with the writer's default safety point (90 s).
pub(crate) const SHAPES: [Shape; 2] = [
    Shape {
        name: "typical desktop",
        apps: 20,
        busy: 3,
        flush_secs: 90,
        before: (
            "~700 MiB",
            "issue 14: `hogwatch server` replaying such a desktop, /proc/PID/io",
        ),
    },
    Shape {
        name: "200 apps",
        apps: 200,
        busy: 20,
        flush_secs: 90,
        before: ("917 MiB", "this bench at commit 0b7866b, 5 s flushes"),
    },
];
/// Chance per second that an idle app starts a burst (about one burst per 10 minutes).
pub(crate) const BURST_CHANCE: f64 = 1.0 / 600.0;
pub(crate) const LIMITS_EVERY: u64 = 60;
/// 2026-11-24 00:00:00 UTC.
pub(crate) const DAY_START: i64 = 1_795_478_400;

#[derive(Default)]
pub(crate) struct DayReport {
    pub(crate) wall: Duration,
    pub(crate) generate: Duration,
    pub(crate) observe: Duration,
    pub(crate) write: Duration,
    pub(crate) limits: Duration,
    pub(crate) final_limits: Duration,
    pub(crate) snapshots: u64,
    pub(crate) flushes: u64,
    pub(crate) limits_calls: u64,
    /// Per flush: median, p99, max of `Store::write`.
    pub(crate) write_spread: (Duration, Duration, Duration),
    pub(crate) limits_spread: (Duration, Duration, Duration),
    pub(crate) app_cells: u64,
    pub(crate) dev_cells: u64,
    pub(crate) unattributed_cells: u64,
    /// Mean apps moving bytes per second.
    pub(crate) active_per_sec: f64,
    pub(crate) rows: Vec<(&'static str, u64, u64)>,
    pub(crate) db_bytes: u64,
    pub(crate) wal_bytes: u64,
    pub(crate) live_bytes: u64,
    /// Flushes whose `Store::write` took over `SLOW_FLUSH`, and their total time.
    pub(crate) slow_flushes: (u64, Duration),
    /// Bytes passed to write(2) during the day, when known.
    pub(crate) written: Option<u64>,
}

/// A flush slower than this (WAL auto-checkpoint and its fsyncs, usually).
pub(crate) const SLOW_FLUSH: Duration = Duration::from_millis(2);

pub(crate) fn simulate_day(shape: Shape) -> DayReport {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open_writer(tmp.path(), StoreConfig::default()).unwrap();
    let mut rng = Rng(0xDA7_5EED);
    let mut r = DayReport::default();

    // One refresh, rebuilt in place every simulated second: what each app moved (the
    // collector computes it; the writer only adds it up).
    let names: Vec<(String, String)> = (0..shape.apps).map(app_key).collect();
    let mut refresh = Refresh {
        snapshot: Snapshot::empty(Mode::PerProcess, ""),
        moved: Moved::default(),
        gap_ms: 0,
    };
    refresh.snapshot.interval_ms = 1000;
    let mut burst = vec![0u64; shape.apps];
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
            let (up, down) = if i < shape.busy {
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

        if (s + 1) % shape.flush_secs == 0 {
            let tb = Instant::now();
            r.app_cells += batch.apps.len() as u64;
            r.dev_cells += batch.devices.len() as u64;
            r.unattributed_cells += batch.unattributed.len() as u64;
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

pub(crate) fn print_day(shape: Shape, r: &DayReport) {
    println!(
        "\n== 1. One day at 1 Hz, {}: {} apps, 1 device, Zone::Local, default StoreConfig",
        shape.name, shape.apps
    );
    println!(
        "  {} snapshots, {:.1} apps moving bytes per second on average ({} always)",
        thousands(r.snapshots),
        r.active_per_sec,
        shape.busy
    );
    println!(
        "  {} flushes (every {} s), enforce_limits {} times (every {LIMITS_EVERY} flushes) + once at the end",
        thousands(r.flushes),
        shape.flush_secs,
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
    if let Some(w) = r.written {
        println!(
            "  bytes written (write(2): WAL frames + checkpoints): {} = {:.0} KiB per flush \
             (before: {}, {})",
            mib(w),
            w as f64 / 1024.0 / r.flushes.max(1) as f64,
            shape.before.0,
            shape.before.1
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
