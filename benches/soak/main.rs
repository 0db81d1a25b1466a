//! Soak (issue 15): a synthetic week through the whole application at an accelerated
//! clock, with figures per simulated day. `make soak` (`cargo bench --bench soak`); not in
//! CI, not part of `make test`.
//!
//! One process wires the real components (`rig`): the collector's pipeline fed by a
//! synthetic machine (`workload`: 500 long-lived apps, 20,000 short-lived processes a
//! week, a device that comes and goes), the history writer on a real SQLite file in a
//! temporary folder, today's totals, the alert engine (quotas over a billing month that
//! rolls over during the week, a rate rule, new apps), the dashboard server on a loopback
//! port with three WebSocket clients reading every update (`clients`, on a thread of their
//! own), and the tray's menu model, icon and label built each refresh. Refreshes come
//! every simulated second, as fast as the machine goes; the clients are never more than
//! a few refreshes behind (the soak waits for them), so they receive every update, as
//! they would at one a second.
//!
//! Each simulated day prints a row (`probe`): RSS (sampled hourly) and peak RSS, CPU per
//! refresh (the
//! median of the day's hours; the clients' thread not counted), the history file against
//! its cap, the 30-day top-apps and series queries through the dashboard's API (median
//! of 5), WebSocket messages per client, processes in the accountant. Then the aims'
//! verdicts: figures, not a test (the machine is usually shared).
//!
//! Knobs: `SOAK_DAYS` (7), `SOAK_REFRESH_MS` (1000; should divide an hour), `SOAK_SEED`;
//! `SOAK_HOURLY=1` prints each simulated hour's figures to stderr.
//!
//! Without `--bench` (`cargo test --bench soak`) it checks itself instead, quickly: the
//! workload is deterministic and what it says it is, and an hour through the rig reaches
//! every consumer (every update to every client, every byte into the history).

// A benchmark binary: a failed setup step aborts it with the step named.
#![allow(clippy::expect_used)]

mod clients;
#[path = "../common/live_ws.rs"]
mod live_ws;
mod probe;
mod rig;
mod rng;
mod workload;

use clients::Clients;
use hogwatch::clock::Mono;
use hogwatch::store::tiers::Zone;
use probe::Row;
use rig::Rig;
use std::process::ExitCode;
use std::time::Instant;
use workload::{Shape, Workload, DAY_MS};

/// The soak's settings: the defaults, a billing month starting on the 15th, and alert
/// rules that fire during the week (a monthly quota reached before the billing month
/// rolls over and again after it, a daily one, busy apps, new apps).
const CONFIG: &str = r#"
[history]
billing_day = 15

[[alerts.rule]]
name = "Monthly plan"
kind = "quota"
period = "month"
limit = "100 GB"
warn_at = [50, 80, 100]

[[alerts.rule]]
name = "Daily data"
kind = "quota"
period = "day"
limit = "35 GB"

[[alerts.rule]]
name = "Busy app"
kind = "rate"
app = "*"
direction = "total"
above = "200 KiB/s"
for = "20s"

[[alerts.rule]]
name = "New app"
kind = "new_app"
"#;

/// The week starts three days before the billing day (Nov 12; the month rolls over on
/// Nov 15 at local midnight).
const START: (i32, u32, u32) = (2026, 11, 12);
const CLIENTS: usize = 3;
/// How many refreshes a WebSocket client may be behind (the viewers' broadcast holds 16).
const CLIENT_LAG: u64 = 8;
/// Timed runs of each query.
const QUERY_RUNS: usize = 5;

fn env_num(k: &str, d: u64) -> u64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn start_s() -> i64 {
    let date = chrono::NaiveDate::from_ymd_opt(START.0, START.1, START.2).expect("a date");
    Zone::Local.start_of(date)
}

/// Where the day being measured began.
struct Mark {
    at: Instant,
    step: u64,
    messages: Vec<u64>,
    moved: u64,
    short_started: u64,
}

/// What a run gives back besides its rows.
struct Outcome {
    rows: Vec<Row>,
    /// Device bytes every refresh said moved (up + down), and what the history holds.
    moved_devices: u64,
    history_devices: u64,
    /// Messages each client received after its first, and the refreshes made.
    messages: Vec<u64>,
    refreshes: u64,
    usb_sessions: usize,
}

/// Runs `shape` through the rig; `print`: each day's row as it comes.
fn run(shape: &Shape, print: bool) -> anyhow::Result<Outcome> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("history");
    std::fs::create_dir_all(&dir)?;
    let (cfg, problems) = hogwatch::config::parse(CONFIG, "the soak's config");
    anyhow::ensure!(problems.is_empty(), "config: {problems:?}");
    let mut w = Workload::new(shape.clone());
    let usb_sessions = w.usb_sessions();
    let start = start_s();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let step_ms = shape.step_ms;
    let hourly = print && std::env::var_os("SOAK_HOURLY").is_some();
    let per_hour = (3_600_000 / step_ms).max(1);
    let per_day = (DAY_MS / step_ms).max(1);
    let (out, clients) = rt.block_on(async {
        let mut rig = Rig::start(Box::new(w.lookup()), w.devices(), &dir, &cfg, start).await?;
        let port: u16 = rig
            .url
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no port in {}", rig.url))?;
        let key = hogwatch::web::links::fragment_value(&rig.url, "key")
            .ok_or_else(|| anyhow::anyhow!("no key in the dashboard's URL"))?
            .to_owned();
        let clients = Clients::start(port, &key, CLIENTS)?;
        clients.wait_for(0).await;
        let first_messages = clients.messages();

        let mut rows = Vec::new();
        let mut hours = Vec::new();
        let mut rss_hours = Vec::new();
        let mut k = 0u64;
        let mark = |k: u64, w: &Workload, c: &Clients| Mark {
            at: Instant::now(),
            step: k,
            messages: c.messages(),
            moved: w.moved,
            short_started: w.started_short,
        };
        let mut day_start = mark(k, &w, &clients);
        let mut hour_ticks = probe::cpu_ticks(clients.tid());
        let mut day_ticks = (hour_ticks, probe::cpu_ticks(0).saturating_sub(hour_ticks));
        let mut live_max = 0;
        let mut moved_devices = 0u64;
        while let Some(s) = w.next() {
            if k >= CLIENT_LAG {
                clients
                    .wait_for(rig.wall_ms(Mono((k - CLIENT_LAG) * step_ms)))
                    .await;
            }
            let last_at = s.at;
            moved_devices += rig.step(s).await;
            k += 1;
            live_max = live_max.max(rig.live_processes());
            let day_end = k.is_multiple_of(per_day) || k == shape.steps();
            if k.is_multiple_of(per_hour) || day_end {
                let t = probe::cpu_ticks(clients.tid());
                let n = match k % per_hour {
                    0 => per_hour,
                    r => r,
                };
                hours.push(probe::per_refresh_us(t.saturating_sub(hour_ticks), n));
                hour_ticks = t;
                rss_hours.push(probe::status_kb("VmRSS:") as f64);
                if hourly {
                    eprintln!(
                        "soak: hour {}: RSS {} kB, {:.0} µs/refresh, {} live processes, {} \
                         tracked counts",
                        k / per_hour,
                        probe::status_kb("VmRSS:"),
                        hours.last().copied().unwrap_or(0.0),
                        rig.live_processes(),
                        rig.tracked_lines()
                    );
                }
            }
            if !day_end {
                continue;
            }
            // Every client has every refresh of the day before it is counted.
            clients.wait_for(rig.wall_ms(last_at)).await;
            let refreshes = k - day_start.step;
            let all_ticks = probe::cpu_ticks(0);
            let mine = probe::cpu_ticks(clients.tid());
            let theirs = all_ticks.saturating_sub(mine);
            let now_s = (rig.wall_ms(last_at) / 1000) as i64;
            let mut row = Row {
                day: rows.len() as u64 + 1,
                date: Zone::Local.date(now_s - 1).format("%a %b %-d").to_string(),
                refreshes,
                rss_kb: probe::status_kb("VmRSS:"),
                rss_median_kb: probe::median(&rss_hours) as u64,
                rss_max_kb: rss_hours.iter().copied().fold(0.0, f64::max) as u64,
                rss_late_kb: probe::median(&rss_hours[rss_hours.len().saturating_sub(3)..]) as u64,
                hwm_kb: probe::status_kb("VmHWM:"),
                cpu_us: probe::median(&hours),
                cpu_day_us: probe::per_refresh_us(mine.saturating_sub(day_ticks.0), refreshes),
                clients_us: probe::per_refresh_us(theirs.saturating_sub(day_ticks.1), refreshes),
                file_bytes: probe::history_bytes(&dir),
                cap_bytes: cfg.history_max_mb * 1024 * 1024,
                ws: clients
                    .messages()
                    .iter()
                    .zip(&day_start.messages)
                    .map(|(a, b)| a - b)
                    .collect(),
                live_end: rig.live_processes(),
                live_max,
                tracked: rig.tracked_lines(),
                moved_bytes: w.moved - day_start.moved,
                short_started: w.started_short - day_start.short_started,
                alerts: rig.active.clone(),
                history_problem: rig.history_problem().to_owned(),
                ..Row::default()
            };
            let (d, p, k2) = (dir.clone(), port, key.clone());
            let from = now_s - 30 * 86_400;
            let (live, apps, series) = tokio::task::spawn_blocking(move || {
                let live = hogwatch::store::Store::open_reader(&d, Zone::Local)
                    .map(|s| s.live_bytes())
                    .unwrap_or(0);
                let apps = clients::median_get(
                    p,
                    &k2,
                    &format!("/api/apps?from={from}&to={now_s}&limit=100"),
                    QUERY_RUNS,
                );
                let series = clients::median_get(
                    p,
                    &k2,
                    &format!("/api/history?from={from}&to={now_s}&points=300"),
                    QUERY_RUNS,
                );
                (live, apps, series)
            })
            .await?;
            row.live_bytes = live;
            row.apps_ms = apps?.as_secs_f64() * 1000.0;
            row.series_ms = series?.as_secs_f64() * 1000.0;
            row.wall_s = day_start.at.elapsed().as_secs_f64();
            if print {
                print!("{}", probe::line(&row));
            }
            rows.push(row);
            // The queries' CPU is not the refreshes'.
            hour_ticks = probe::cpu_ticks(clients.tid());
            day_ticks = (hour_ticks, probe::cpu_ticks(0).saturating_sub(hour_ticks));
            hours.clear();
            rss_hours.clear();
            live_max = 0;
            day_start = mark(k, &w, &clients);
        }
        let messages = clients
            .messages()
            .iter()
            .zip(&first_messages)
            .map(|(a, b)| a - b)
            .collect();
        rig.finish().await;
        let history_devices = tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
            let store = hogwatch::store::Store::open_reader(&dir, Zone::Local)?;
            let t = store.device_totals(0, i64::MAX / 2)?;
            Ok(t.devices.iter().map(|d| d.up_bytes + d.down_bytes).sum())
        })
        .await??;
        anyhow::Ok((
            Outcome {
                rows,
                moved_devices,
                history_devices,
                messages,
                refreshes: k,
                usb_sessions,
            },
            clients,
        ))
    })?;
    clients.join();
    Ok(out)
}

fn machine() -> String {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("Linux {}, {cores} cores", kernel.trim())
}

fn full() -> anyhow::Result<()> {
    let days = env_num("SOAK_DAYS", 7).max(1);
    let step_ms = env_num("SOAK_REFRESH_MS", 1000).max(1);
    let seed = env_num("SOAK_SEED", 15);
    let shape = Shape::week(seed, days, step_ms);
    println!(
        "soak: {days} simulated days from {}-{:02}-{:02} 00:00 (local), a refresh every {step_ms} \
         ms ({} refreshes), seed {seed}; {} apps ({} streaming), {} short-lived processes, \
         eth0 + wlan0 + usb0 coming and going; billing day 15; {CLIENTS} WebSocket clients; {}",
        START.0,
        START.1,
        START.2,
        shape.steps(),
        shape.apps,
        shape.steady_apps,
        shape.short_lived,
        machine()
    );
    let t0 = Instant::now();
    print!("{}", probe::header());
    let out = run(&shape, true)?;
    println!();
    println!("{}", probe::table(&out.rows));
    println!(
        "{} refreshes in {:.1} min; usb0 appeared {} times; WebSocket messages per client: \
         {:?}; device bytes: {} refreshed, {} in the history",
        out.refreshes,
        t0.elapsed().as_secs_f64() / 60.0,
        out.usb_sessions,
        out.messages,
        out.moved_devices,
        out.history_devices
    );
    println!("Alerts at the end of each day:");
    for r in &out.rows {
        println!("  day {} ({}): {:?}", r.day, r.date, r.alerts);
        if !r.history_problem.is_empty() {
            println!("    history problem: {}", r.history_problem);
        }
    }
    println!("Aims (figures on a shared machine, not a test):");
    for (ok, what) in probe::verdicts(&out.rows) {
        println!("  {} {what}", if ok { "PASS" } else { "FAIL" });
    }
    println!(
        "WebSocket clients' own CPU per refresh (not counted above): {:.0} µs (median of days)",
        probe::median(&out.rows.iter().map(|r| r.clients_us).collect::<Vec<_>>())
    );
    Ok(())
}

/// `cargo test --bench soak`: the workload and the wiring checked, no timings.
fn self_test() -> anyhow::Result<()> {
    // The same seed gives the same steps; another seed, other steps.
    let steps = |seed: u64| -> Vec<workload::Step> {
        Workload::new(Shape::week(seed, 1, 1000))
            .take(600)
            .collect()
    };
    anyhow::ensure!(steps(15) == steps(15), "the workload is not deterministic");
    anyhow::ensure!(steps(15) != steps(16), "the seed changes nothing");

    // A day at 10 s steps: a seventh of the week's short-lived processes, each a new pid;
    // usb0 comes and goes; every nethogs restarts then, and hourly; counters always cover
    // what processes claim.
    let mut w = Workload::new(Shape::week(15, 1, 10_000));
    let (mut appeared, mut restarts, mut pids) = (0, 0, std::collections::HashSet::new());
    for s in w.by_ref() {
        if let Some(d) = &s.devices {
            appeared += usize::from(d.iter().any(|d| d == "usb0"));
            anyhow::ensure!(s.epochs == *d, "a new device set without restarts");
        }
        restarts += usize::from(!s.epochs.is_empty());
        for sample in &s.samples {
            let c = s
                .counters
                .iter()
                .find(|c| c.name == sample.device)
                .ok_or_else(|| anyhow::anyhow!("no counters for {}", sample.device))?;
            let claimed = sample.processes.iter().fold((0, 0), |a, p| {
                pids.insert(p.pid);
                (a.0 + p.sent, a.1 + p.received)
            });
            anyhow::ensure!(
                claimed.0 <= c.tx_bytes && claimed.1 <= c.rx_bytes,
                "{} claims {claimed:?}, more than its counters",
                sample.device
            );
        }
    }
    anyhow::ensure!(
        w.started_short == workload::SHORT_LIVED_PER_WEEK / 7,
        "{} short-lived processes started in a day",
        w.started_short
    );
    anyhow::ensure!(
        appeared >= 2 && appeared == w.usb_sessions(),
        "usb0 appeared {appeared} times"
    );
    anyhow::ensure!(pids.len() > 2_000, "only {} pids seen", pids.len());
    anyhow::ensure!(
        (23..=23 + 2 * appeared).contains(&restarts),
        "{restarts} restarts in a day"
    );

    // An hour through the rig: every update reaches every client, every byte the history.
    let hour = Shape {
        length_ms: 3_600_000,
        short_lived: workload::SHORT_LIVED_PER_WEEK / (7 * 24),
        ..Shape::week(15, 1, 1000)
    };
    let out = run(&hour, false)?;
    anyhow::ensure!(
        out.messages.iter().all(|&m| m == out.refreshes),
        "WebSocket clients received {:?} of {} updates",
        out.messages,
        out.refreshes
    );
    anyhow::ensure!(
        out.moved_devices > 0 && out.history_devices == out.moved_devices,
        "the history holds {} device bytes of {}",
        out.history_devices,
        out.moved_devices
    );
    let row = out.rows.first().ok_or_else(|| anyhow::anyhow!("no row"))?;
    anyhow::ensure!(
        row.file_bytes > 0 && row.apps_ms > 0.0 && row.live_end > 0,
        "{row:?}"
    );
    println!(
        "soak self-test: ok ({} steps, {} WebSocket messages per client, {} device bytes \
         in the history)",
        out.refreshes, out.refreshes, out.history_devices
    );
    Ok(())
}

fn main() -> ExitCode {
    // Before any thread: one malloc arena (see `arenas`), as the long-running programs do.
    hogwatch::arenas::limit();
    // The dashboard's token goes to a private folder, not the user's config.
    let config = tempfile::tempdir().expect("a temporary folder");
    std::env::set_var("XDG_CONFIG_HOME", config.path());
    let bench = std::env::args().any(|a| a == "--bench");
    let result = if bench { full() } else { self_test() };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("soak: {e:#}");
            ExitCode::FAILURE
        }
    }
}
