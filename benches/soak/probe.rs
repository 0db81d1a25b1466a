//! What the soak measures of itself, and how it prints it: memory (/proc/self/status),
//! CPU (/proc/self/stat, less the WebSocket clients' thread), the history file, and the
//! figures of each simulated day as a table, with the aims' verdicts at the end.

use std::fmt::Write as _;
use std::path::Path;

/// /proc reports CPU times in USER_HZ, 100 a second on Linux.
const TICK_US: f64 = 10_000.0;

/// A `Key:   123 kB` line of /proc/self/status, in kB.
pub fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// utime + stime of a /proc stat file, in ticks.
fn stat_ticks(path: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(path) else {
        return 0;
    };
    let Some(rest) = stat.rfind(')').and_then(|i| stat.get(i + 2..)) else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    n(11) + n(12)
}

/// CPU ticks of this process (every thread, live or gone) less those of thread `tid`.
pub fn cpu_ticks(without_tid: u32) -> u64 {
    let all = stat_ticks("/proc/self/stat");
    let clients = match without_tid {
        0 => 0,
        t => stat_ticks(&format!("/proc/self/task/{t}/stat")),
    };
    all.saturating_sub(clients)
}

/// Microseconds of CPU per refresh.
pub fn per_refresh_us(ticks: u64, refreshes: u64) -> f64 {
    ticks as f64 * TICK_US / refreshes.max(1) as f64
}

/// The history file and its write-ahead log, bytes.
pub fn history_bytes(dir: &Path) -> u64 {
    let name = hogwatch::store::db::FILE_NAME;
    [name.to_owned(), format!("{name}-wal")]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One simulated day's figures.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub day: u64,
    pub date: String,
    pub refreshes: u64,
    /// At the end of the day; the median and the largest of the day's hourly samples.
    pub rss_kb: u64,
    pub rss_median_kb: u64,
    pub rss_max_kb: u64,
    /// The median of the day's last three hourly samples: where the day ended.
    pub rss_late_kb: u64,
    pub hwm_kb: u64,
    /// Median over the day's hours, and the whole day's mean.
    pub cpu_us: f64,
    pub cpu_day_us: f64,
    /// The WebSocket clients' own CPU, per refresh (not in `cpu_us`).
    pub clients_us: f64,
    pub file_bytes: u64,
    /// Pages in use: what the cap applies to.
    pub live_bytes: u64,
    pub cap_bytes: u64,
    pub apps_ms: f64,
    pub series_ms: f64,
    /// Messages each client received that day.
    pub ws: Vec<u64>,
    pub live_end: usize,
    pub live_max: usize,
    pub tracked: usize,
    pub moved_bytes: u64,
    pub short_started: u64,
    pub wall_s: f64,
    pub alerts: Vec<String>,
    pub history_problem: String,
}

const MIB: f64 = 1024.0 * 1024.0;

/// The table's head.
pub fn header() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| day | date | refreshes | RSS MiB (hourly: median, max; end) | peak RSS MiB \
         | CPU µs/refresh (median of hours; day) \
         | history MiB (file+WAL; in use) / cap | 30-day apps ms | 30-day series ms \
         | WS messages per client | live processes (end; max) | tracked counts \
         | short-lived started | moved GiB | wall s |"
    );
    let _ = writeln!(s, "|{}", "---|".repeat(15));
    s
}

/// One day's line of the table.
pub fn line(r: &Row) -> String {
    let ws_min = r.ws.iter().min().copied().unwrap_or(0);
    let ws_max = r.ws.iter().max().copied().unwrap_or(0);
    let ws = if ws_min == ws_max {
        format!("{ws_min} × {}", r.ws.len())
    } else {
        format!("{ws_min} – {ws_max}")
    };
    format!(
        "| {} | {} | {} | {:.1}, {:.1}; {:.1} | {:.1} | {:.0}; {:.0} | {:.1}; {:.1} / {:.0} \
         | {:.1} | {:.1} \
         | {ws} | {}; {} | {} | {} | {:.1} | {:.0} |\n",
        r.day,
        r.date,
        r.refreshes,
        r.rss_median_kb as f64 / 1024.0,
        r.rss_max_kb as f64 / 1024.0,
        r.rss_kb as f64 / 1024.0,
        r.hwm_kb as f64 / 1024.0,
        r.cpu_us,
        r.cpu_day_us,
        r.file_bytes as f64 / MIB,
        r.live_bytes as f64 / MIB,
        r.cap_bytes as f64 / MIB,
        r.apps_ms,
        r.series_ms,
        r.live_end,
        r.live_max,
        r.tracked,
        r.short_started,
        r.moved_bytes as f64 / MIB / 1024.0,
        r.wall_s,
    )
}

/// The whole table.
pub fn table(rows: &[Row]) -> String {
    let mut s = header();
    for r in rows {
        s.push_str(&line(r));
    }
    s
}

/// The aims of issue 15, as verdicts with the figures behind them.
pub fn verdicts(rows: &[Row]) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return out;
    };
    if rows.len() >= 2 {
        // Day 1 warms up (caches, the day's tables fill): where it ended is the base.
        // Hourly samples, and medians of them: one sample can catch the allocator between
        // a peak and giving pages back.
        let base = first.rss_late_kb as f64;
        let worst = rows[1..]
            .iter()
            .map(|r| (r.rss_median_kb as f64 - base) / base * 100.0)
            .fold(0.0f64, |a, d| if d.abs() > a.abs() { d } else { a });
        out.push((
            worst.abs() <= 5.0,
            format!(
                "RSS flat within 5% after day 1: day 1 ended at {:.1} MiB (median of its \
                 last 3 hourly samples); the medians of each later day's hourly samples \
                 depart from it by at most {worst:+.1}%, last day {:.1} MiB (peak RSS of the \
                 run {:.1} MiB)",
                base / 1024.0,
                last.rss_median_kb as f64 / 1024.0,
                last.hwm_kb as f64 / 1024.0
            ),
        ));
    }
    if let Some(second) = rows.get(1) {
        let d = (last.cpu_us - second.cpu_us) / second.cpu_us * 100.0;
        out.push((
            d.abs() <= 20.0,
            format!(
                "CPU per refresh flat (last day within 20% of day 2): day 2 {:.0} µs, last \
                 day {:.0} µs ({d:+.1}%)",
                second.cpu_us, last.cpu_us
            ),
        ));
    }
    let over: Vec<u64> = rows
        .iter()
        .filter(|r| r.file_bytes > r.cap_bytes || r.live_bytes > r.cap_bytes)
        .map(|r| r.day)
        .collect();
    let biggest = rows.iter().map(|r| r.file_bytes).max().unwrap_or(0);
    out.push((
        over.is_empty(),
        format!(
            "history under its cap of {:.0} MiB: largest file + WAL {:.1} MiB{}",
            last.cap_bytes as f64 / MIB,
            biggest as f64 / MIB,
            if over.is_empty() {
                String::new()
            } else {
                format!(", over on days {over:?}")
            }
        ),
    ));
    let slowest = rows
        .iter()
        .map(|r| r.apps_ms.max(r.series_ms))
        .fold(0.0f64, f64::max);
    out.push((
        slowest <= 50.0,
        format!(
            "30-day queries <= 50 ms: slowest daily median {slowest:.1} ms (last day: apps \
             {:.1} ms, series {:.1} ms)",
            last.apps_ms, last.series_ms
        ),
    ));
    out
}
