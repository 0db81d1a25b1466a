#![allow(clippy::unwrap_used, clippy::expect_used)]
//! History store benchmark (no criterion: a few long scenarios, figures printed).
//! `cargo bench --bench history`.
//!
//! 1. A simulated day of 1 Hz refreshes, for a typical desktop (20 apps, 3 busy) and for
//!    200 apps, through `Batcher` into batches written every 90 s of simulated time
//!    (the writer's crash-safety point) with `Store::write`, and `enforce_limits` every
//!    60 writes — the history writer's work, minus tokio.
//! 2. Two synthetic years for 500 apps (batches built directly, one per simulated hour),
//!    then the history queries against them, `now` = the end of the second. The years'
//!    file is cached in `target/bench-history-year/` (keyed by `YEAR_VERSION` and the
//!    local UTC offset); `HISTORY_BENCH_REBUILD=1` builds it again.
//! 3. A summary table for the README.
//!
//! The machine these run on is usually shared: figures are medians with min and max,
//! nothing passes or fails. `HISTORY_BENCH_PLANS=1` prints SQLite's query plans for the
//! main queries (they are printed anyway when a query misses its aim).

use hogwatch::store::tiers::Zone;
use hogwatch::store::Store;
use std::fmt::Write as _;
use std::time::Duration;

const DAY: i64 = 86_400;
/// Bump when the synthetic year's shape changes: cached files of other versions are
/// not reused.
const YEAR_VERSION: u32 = 2;
/// Timed runs per query.
const RUNS: usize = 15;
/// What the two main dashboard queries should take at most.
const AIM: Duration = Duration::from_millis(50);
const DEVICE: &str = "wlan0";

mod day;
mod util;
mod year;
use day::*;
use util::*;
use year::*;

fn summary(days: &[(Shape, DayReport)], year: &YearMeta, timings: &[Timing]) -> String {
    let mut s = String::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(
        s,
        "History store (`cargo bench --bench history`, {cores} cores, shared machine):\n"
    );
    let _ = writeln!(
        s,
        "| Write path (1 simulated day at 1 Hz) | Figure | Before |"
    );
    let _ = writeln!(s, "|---|---|---|");
    for (shape, day) in days {
        let name = format!(
            "{}, {} apps ({:.0} active/s)",
            shape.name, shape.apps, day.active_per_sec
        );
        let _ = writeln!(s, "| {name}: wall | {} | |", secs(day.wall));
        let _ = writeln!(
            s,
            "| … `Store::write` ({} writes, every {} s) | {} (median {} per write) | |",
            thousands(day.flushes),
            shape.flush_secs,
            secs(day.write),
            ms(day.write_spread.0)
        );
        let _ = writeln!(
            s,
            "| … `enforce_limits` ({} calls) | {} | |",
            day.limits_calls + 1,
            secs(day.limits + day.final_limits)
        );
        if let Some(w) = day.written {
            let _ = writeln!(
                s,
                "| … bytes written in the day (WAL + checkpoints) | {} | {} |",
                mib(w),
                shape.before.0
            );
        }
        let _ = writeln!(
            s,
            "| … file after the day (db + WAL) | {} | |",
            mib(day.db_bytes + day.wal_bytes)
        );
    }
    let _ = writeln!(
        s,
        "| {YEARS} synthetic years, {YEAR_APPS} apps: build / file | {} / {} |",
        secs(year.build),
        mib(year.db_bytes + year.wal_bytes)
    );
    let _ = writeln!(
        s,
        "\n| Query ({YEARS}-year file, now = its end) | Median | Min | Max |"
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

    let days: Vec<(Shape, DayReport)> = SHAPES
        .iter()
        .map(|&shape| {
            let day = simulate_day(shape);
            print_day(shape, &day);
            (shape, day)
        })
        .collect();

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
    print!("{}", summary(&days, &year, &timings));
}
