//! The dashboard page in a real browser: Debian's headless Chromium driven over WebDriver
//! (chromedriver, fantoccini) against a real `hogwatch server` replaying two devices with
//! known rates, over a history seeded with a day of traffic and a two-hour gap.
//!
//! One walk through the page checks what a user sees: the table's figures are the server's
//! snapshot's (compared at the same refresh, formatted by the crate's own `units`), the
//! chart draws both series, each range asks `/api/history` for itself (history ranges in
//! bytes per bucket, with the gap), clicking an app charts it and a second click returns
//! to all traffic, sorting, the device filter, the process view, pause and drag-zoom; no
//! page error (nor a blocked resource) appears. It leaves a screenshot for the README in
//! `target/test-artifacts/dashboard.png` and `docs/dashboard.png`, with the page's visible
//! headings and controls in `docs/dashboard.labels.txt`: when they differ from the
//! committed ones, the committed picture was stale and the test fails (commit both files).
//!
//! A second test replays 10,000 processes: the table stays quick and keeps only the rows
//! in view in the DOM.
//!
//! Chromium and chromedriver are stopped by pid (their process group and every process of
//! the test's own profile), also when a test fails.

use crate::support;

use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, ClientBuilder, Locator};
use hogwatch::collect::replay::format::{Item, FORMAT_VERSION};
use hogwatch::store::batch::Batch;
use hogwatch::store::{Store, StoreConfig};
use hogwatch::units;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::dashboard::{free_port, Server};
use support::screenshots;
use support::tray_app::write_replay;
use support::{err, find_pids, signal_pid, wait_until, Error, Result};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 900;

// --------------------------------------------------------------------------- the browser

/// chromedriver and the Chromium it starts, with a profile of their own.
struct Browser {
    client: Option<Client>,
    driver: std::process::Child,
    /// chromedriver's port and the WebDriver session, to end it from `drop`.
    port: u16,
    session: Option<String>,
    profile: tempfile::TempDir,
}

impl Browser {
    /// `dark`: the system prefers a dark colour scheme.
    async fn start(dark: bool) -> Result<Browser> {
        let mut last = String::new();
        // The free port may be taken before chromedriver binds it: try again.
        for _ in 0..3 {
            let profile = tempfile::Builder::new()
                .prefix("hogwatch-chromium-")
                .tempdir()?;
            let port = free_port()?;
            let log = profile.path().join("chromedriver.log");
            let driver = Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group: Chromium and its helpers join it, and are
                // stopped with it.
                .process_group(0)
                .spawn()
                .map_err(|e| err(format!("chromedriver (apt install chromium-driver): {e}")))?;
            let mut b = Browser {
                client: None,
                driver,
                port,
                session: None,
                profile,
            };
            match b.connect(port, dark).await {
                Ok(()) => return Ok(b),
                // Dropping `b` stops what it started.
                Err(e) => last = e.0,
            }
        }
        Err(err(format!(
            "could not start chromedriver and Chromium: {last}"
        )))
    }

    async fn connect(&mut self, port: u16, dark: bool) -> Result<()> {
        let listening = wait_until("chromedriver to listen", Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        });
        if listening.is_err() {
            return Err(err(format!(
                "chromedriver did not listen on {port}: {}",
                std::fs::read_to_string(self.profile.path().join("chromedriver.log"))
                    .unwrap_or_default()
            )));
        }
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--hide-scrollbars".into(),
            "--force-device-scale-factor=1".into(),
            format!("--window-size={WIDTH},{HEIGHT}"),
            format!(
                "--user-data-dir={}",
                self.profile.path().join("profile").display()
            ),
        ];
        if dark {
            args.push("--force-dark-mode".into());
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
        });
        let caps = caps.as_object().cloned().unwrap_or_default();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| err(format!("WebDriver session: {e}")))?;
        self.session = client.session_id().await.map_err(wd)?;
        self.client = Some(client);
        Ok(())
    }

    fn client(&self) -> &Client {
        match &self.client {
            Some(c) => c,
            None => unreachable!("a Browser always has its client once started"),
        }
    }

    /// Ends the session (chromedriver quits Chromium and reaps it), then stops
    /// chromedriver. Drop kills whatever is left.
    async fn close(mut self) {
        if let Some(c) = self.client.take() {
            if tokio::time::timeout(Duration::from_secs(10), c.close())
                .await
                .is_ok_and(|r| r.is_ok())
            {
                self.session = None;
            }
        }
    }

    /// The same without the client (a test that panicked): `DELETE /session/ID`.
    fn end_session(&mut self) {
        let Some(id) = self.session.take() else {
            return;
        };
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            // chromedriver answers once Chromium is gone (it may keep the connection).
            if s.write_all(req.as_bytes()).is_ok() {
                let _ = std::io::Read::read(&mut s, &mut [0u8; 4096]);
            }
        }
    }

    fn kill_all(&mut self) {
        self.end_session();
        let driver = self.driver.id();
        let _ = signal_pid(driver, "TERM");
        let _ = wait_until("chromedriver to exit", Duration::from_secs(3), || {
            self.driver.try_wait().ok().flatten()
        });
        let profile = self.profile.path().display().to_string();
        // Chromium's processes: in chromedriver's process group, below it, or (if one left
        // both) with our profile directory on its command line. Each is killed by pid.
        let mut pids = processes(|pid, ppid_pgrp| ppid_pgrp.1 == driver && pid != driver);
        for p in descendants(driver) {
            if !pids.contains(&p) {
                pids.push(p);
            }
        }
        pids.extend(find_pids(|argv| argv.iter().any(|a| a.contains(&profile))));
        for pid in pids {
            let _ = signal_pid(pid, "KILL");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// Pids whose (parent pid, process group) satisfy `pred`, from /proc.
fn processes(mut pred: impl FnMut(u32, (u32, u32)) -> bool) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // After the parenthesised name: state, ppid, pgrp.
        let mut f = stat
            .rfind(')')
            .map(|i| stat[i + 1..].split_whitespace().skip(1))
            .into_iter()
            .flatten()
            .map(|v| v.parse::<u32>().ok());
        if let (Some(Some(ppid)), Some(Some(pgrp))) = (f.next(), f.next()) {
            if pred(pid, (ppid, pgrp)) {
                out.push(pid);
            }
        }
    }
    out
}

/// Every process below `root` (by parent pid).
fn descendants(root: u32) -> Vec<u32> {
    let mut out = processes(|_, (ppid, _)| ppid == root);
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        for c in processes(|_, (ppid, _)| ppid == p) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        i += 1;
    }
    out
}

fn wd(e: impl std::fmt::Display) -> Error {
    err(format!("WebDriver: {e}"))
}

fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(err(msg()))
    }
}

// ----------------------------------------------------------------------- the page's state

/// What the page shows, read in one script (one moment).
#[derive(Debug, Deserialize, Clone)]
struct Page {
    ts: u64,
    rows: Vec<Row>,
    count: String,
    unattributed: Option<[String; 3]>,
    title: String,
    unit: String,
    chart: BTreeMap<String, String>,
    error: String,
    alerts: Vec<String>,
    paused: bool,
    mode: String,
    status: String,
    dom_rows: usize,
    sort: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, Clone)]
struct Row {
    key: String,
    kind: String,
    index: usize,
    name: String,
    pid: String,
    devices: String,
    down: String,
    up: String,
    total: String,
    focused: bool,
}

const READ_PAGE: &str = r#"
const $ = (id) => document.getElementById(id);
const text = (el) => el.textContent;
const table = $('table');
const rows = [...table.tBodies[0].rows].filter((r) => r.dataset.index !== undefined).map((r) => ({
  key: r.dataset.key, kind: r.dataset.kind, index: Number(r.dataset.index),
  name: text(r.cells[0]), pid: text(r.cells[1]), devices: text(r.cells[3]),
  down: text(r.cells[4].children[0]), up: text(r.cells[4].children[1]),
  total: text(r.cells[5]), focused: r.classList.contains('focused'),
}));
const un = $('unattributed');
return {
  ts: Number(table.dataset.ts || 0),
  rows,
  count: text($('count')),
  unattributed: un.hidden ? null : [text($('un-rate-down')), text($('un-rate-up')), text($('un-total'))],
  title: text($('chart-title')),
  unit: text($('chart-unit')),
  chart: { ...$('chart').dataset },
  error: $('error').hidden ? '' : text($('error')),
  alerts: $('alerts').hidden ? [] : [...$('alerts-list').children].map(text),
  paused: document.body.classList.contains('paused'),
  mode: text($('mode')),
  status: $('status').hidden ? '' : text($('status')),
  dom_rows: table.tBodies[0].rows.length,
  sort: Object.fromEntries([...document.querySelectorAll('th[data-sort]')].map((th) => [th.dataset.sort, th.getAttribute('aria-sort')])),
};
"#;

/// Pixels of the chart's canvas near the down and up colours (the series' strokes).
const CHART_PIXELS: &str = r#"
const c = document.querySelector('#chart canvas');
if (!c) return { down: 0, up: 0, len: 0 };
const css = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim();
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const [down, up] = [rgb(css('--down')), rgb(css('--up'))];
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
const near = (i, [r, g, b]) => Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 60 && d[i + 3] > 200;
let n = { down: 0, up: 0, len: c.toDataURL().length };
for (let i = 0; i < d.length; i += 4) {
  if (near(i, down)) n.down++;
  else if (near(i, up)) n.up++;
}
return n;
"#;

async fn page(c: &Client) -> Result<Page> {
    let v = c.execute(READ_PAGE, vec![]).await.map_err(wd)?;
    serde_json::from_value(v).map_err(|e| err(format!("reading the page: {e}")))
}

/// Waits until the page satisfies `pred` (checked every 100 ms); the last state on timeout.
async fn wait_page(
    c: &Client,
    what: &str,
    timeout: Duration,
    mut pred: impl FnMut(&Page) -> bool,
) -> Result<Page> {
    let end = Instant::now() + timeout;
    loop {
        let p = page(c).await?;
        if !p.error.is_empty() {
            return Err(err(format!("the page shows an error: {}", p.error)));
        }
        if pred(&p) {
            return Ok(p);
        }
        if Instant::now() >= end {
            return Err(err(format!(
                "timed out after {timeout:?} waiting for {what}; the page: {p:#?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, css: &str) -> Result<()> {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| err(format!("{css}: {e}")))?
        .click()
        .await
        .map_err(|e| err(format!("click {css}: {e}")))
}

/// "12.3 MiB" → bytes (as shown: three significant digits).
fn parse_bytes(s: &str) -> Option<f64> {
    let (n, unit) = s.trim().split_once(' ')?;
    let k = ["B", "KiB", "MiB", "GiB", "TiB"]
        .iter()
        .position(|u| *u == unit)?;
    Some(n.parse::<f64>().ok()? * 1024f64.powi(k as i32))
}

fn app_row<'a>(p: &'a Page, name: &str) -> Option<&'a Row> {
    p.rows.iter().find(|r| r.kind == "app" && r.name == name)
}

// ------------------------------------------------------------------- seeded history

/// A day and two hours of the replay's apps up to `now` (Unix seconds), the hogwatch of
/// that time not running from 9 h to 7 h ago: a cell every 10 s for the last 35 minutes
/// (the 10-second tier reads smooth there), a cell a minute before. The rates peak now at
/// the replay's, so the live chart continues the history where the server takes over.
fn seed_history(dir: &Path, now: f64) -> Result<()> {
    let mut store =
        Store::open_writer(dir, StoreConfig::default()).map_err(|e| err(e.to_string()))?;
    let end = now as i64;
    let mut b = Batch::default();
    let (gap_from, gap_to) = (end - 9 * 3600, end - 7 * 3600);
    let mut t = end - 26 * 3600;
    t -= t.rem_euclid(60);
    let start = t;
    while (t as f64) < now {
        let step = if end - t <= 35 * 60 { 10 } else { 60 };
        // The newest cell ends now: the server adds the rest of its bucket.
        let len = (step as f64).min(now - t as f64);
        if t >= gap_from && t < gap_to {
            t += step;
            continue;
        }
        let x = now - t as f64;
        // 1 now, down to 0 and back every `period` seconds; busier by day than by night.
        let c = |period: f64| 0.5 + 0.5 * (std::f64::consts::TAU * x / period).cos();
        let day = 0.55 + 0.45 * c(86_400.0);
        // bigdown: downloads that come and go; uploader: a backup every 40 minutes;
        // chatty: a little, always. Bytes per second.
        let talk = [
            (
                "/usr/bin/bigdown",
                "bigdown",
                "eth0",
                10_240.0 * c(900.0),
                2_097_152.0 * (0.2 + 0.8 * c(1500.0).powi(2)) * day,
            ),
            (
                "/usr/bin/uploader",
                "uploader",
                "wlan0",
                524_288.0 * c(2400.0).powi(3) * day,
                4096.0,
            ),
            (
                "/usr/lib/small/chatty",
                "chatty",
                "eth0",
                3072.0 * c(300.0),
                5120.0 * c(420.0),
            ),
        ];
        let mut dev: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (key, name, device, up, down) in talk {
            let (up, down) = ((up * len) as u64, (down * len) as u64);
            b.apps
                .insert((t, key.to_string(), device.to_string()), (up, down));
            b.app_names.insert(key.to_string(), name.to_string());
            let e = dev.entry(device).or_default();
            *e = (e.0 + up, e.1 + down);
        }
        // 40 KiB/s down per device that no process owns, as in the replay.
        for (device, (up, down)) in dev {
            let un = (40.0 * 1024.0 * len) as u64;
            b.devices.insert((t, device.to_string()), (up, down + un));
            let e = b.unattributed.entry(t).or_default();
            e.1 += un as i64;
        }
        t += step;
    }
    b.spans.push((start, gap_from, true));
    b.spans.push((gap_to, end, true));
    store.write(&b).map_err(|e| err(e.to_string()))
}

// --------------------------------------------------------------------- the walk-through

/// The table at one refresh equals the snapshot of that refresh, formatted by `units`.
fn compare_with_snapshot(p: &Page, snap: &serde_json::Value) -> Result<()> {
    let mut apps: BTreeMap<String, (String, f64, f64, u64)> = BTreeMap::new();
    for proc in snap["processes"].as_array().into_iter().flatten() {
        let e = apps
            .entry(proc["app"].as_str().unwrap_or_default().to_string())
            .or_insert_with(|| {
                (
                    proc["app_name"].as_str().unwrap_or_default().to_string(),
                    0.0,
                    0.0,
                    0,
                )
            });
        e.1 += proc["down_rate"].as_f64().unwrap_or(0.0);
        e.2 += proc["up_rate"].as_f64().unwrap_or(0.0);
        e.3 += proc["down_bytes"].as_u64().unwrap_or(0) + proc["up_bytes"].as_u64().unwrap_or(0);
    }
    check(apps.len() == p.rows.len(), || {
        format!("{} apps in the snapshot, rows {:#?}", apps.len(), p.rows)
    })?;
    for (key, (name, down, up, total)) in &apps {
        let row = p
            .rows
            .iter()
            .find(|r| &r.key == key)
            .ok_or_else(|| err(format!("no row for {key}: {:#?}", p.rows)))?;
        let want = (
            name.as_str(),
            format!("↓ {}", units::rate(*down)),
            format!("↑ {}", units::rate(*up)),
            units::bytes(*total),
        );
        let got = (
            row.name.as_str(),
            row.down.clone(),
            row.up.clone(),
            row.total.clone(),
        );
        check(got == want, || {
            format!("{key}: the table shows {got:?}, the snapshot {want:?}")
        })?;
    }
    let un = &snap["unattributed"];
    let want = [
        format!("↓ {}", units::rate(un["down_rate"].as_f64().unwrap_or(0.0))),
        format!("↑ {}", units::rate(un["up_rate"].as_f64().unwrap_or(0.0))),
        units::bytes(un["down_bytes"].as_u64().unwrap_or(0) + un["up_bytes"].as_u64().unwrap_or(0)),
    ];
    check(p.unattributed.as_ref() == Some(&want), || {
        format!(
            "unattributed: the table {:?}, the snapshot {want:?}",
            p.unattributed
        )
    })
}

async fn table_matches_the_snapshot(c: &Client, s: &Server) -> Result<()> {
    // The page draws each snapshot as it comes; catch one moment where the page and the
    // API hold the same refresh.
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let before = s.get_json("/api/snapshot")?;
        let p = page(c).await?;
        let after = s.get_json("/api/snapshot")?;
        for snap in [&before, &after] {
            if snap["ts"].as_u64() == Some(p.ts) {
                return compare_with_snapshot(&p, snap);
            }
        }
        if Instant::now() > end {
            return Err(err(format!(
                "the page never showed the API's refresh: page ts {}, API {} and {}",
                p.ts, before["ts"], after["ts"]
            )));
        }
    }
}

async fn chart_is_drawn(c: &Client, what: &str) -> Result<()> {
    let mut last = json!(null);
    for _ in 0..50 {
        let n = c.execute(CHART_PIXELS, vec![]).await.map_err(wd)?;
        if n["down"].as_u64() > Some(100) && n["up"].as_u64() > Some(100) {
            return Ok(());
        }
        last = n;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(err(format!(
        "{what}: the chart's canvas shows no series: {last}"
    )))
}

async fn choose_range(c: &Client, range: &str) -> Result<Page> {
    click(c, &format!("button[data-range='{range}']")).await?;
    let live = range == "5m" || range == "30m";
    // What is drawn came from this range's request (live ranges: once backfilled).
    let p = wait_page(
        c,
        &format!("the {range} chart"),
        Duration::from_secs(10),
        |p| {
            p.chart.get("range").map(String::as_str) == Some(range)
                && p.chart.get("source").map(String::as_str)
                    == Some(if live { "live" } else { "history" })
                && p.chart
                    .get("drawn")
                    .is_some_and(|u| u.contains(&format!("range={range}&")))
                && p.chart.get("points").is_some_and(|n| n != "0")
        },
    )
    .await?;
    let unit_ok = if live {
        p.unit == "bytes per second"
    } else {
        let n = p
            .unit
            .strip_prefix("bytes per ")
            .and_then(|r| r.strip_suffix(" bucket"));
        n.is_some_and(|n| {
            let (k, unit) = n.split_once('-').unwrap_or(("", ""));
            k.parse::<u32>().is_ok() && ["second", "minute", "hour", "day"].contains(&unit)
        })
    };
    check(unit_ok, || {
        format!("{range}: the chart's unit says {:?}", p.unit)
    })?;
    Ok(p)
}

async fn walk_through(c: &Client, s: &mut Server) -> Result<()> {
    let t0 = Instant::now();
    c.goto(&s.url).await.map_err(wd)?;
    // The token went into the cookie and out of the address bar.
    let url = c.current_url().await.map_err(wd)?;
    check(!url.as_str().contains("token"), || {
        format!("the address bar still has the token: {url}")
    })?;

    // The replay's apps, with their known rates once the 2.5 s rate window is full.
    let p = wait_page(
        c,
        "the replay's apps at their rates",
        Duration::from_secs(20),
        |p| {
            let has = |n: &str, down: &str, up: &str| {
                app_row(p, n).is_some_and(|r| r.down == down && r.up == up)
            };
            has("bigdown", "↓ 2.00 MiB/s", "↑ 10.0 KiB/s")
                && has("uploader", "↓ 4.00 KiB/s", "↑ 512 KiB/s")
                && has("chatty", "↓ 5.00 KiB/s", "↑ 3.00 KiB/s")
        },
    )
    .await?;
    check(p.count == "3 apps", || format!("count {:?}", p.count))?;
    // The helper's mode, and no problem to report.
    check(p.mode == "replay" && p.status.is_empty(), || {
        format!("mode {:?}, status {:?}", p.mode, p.status)
    })?;
    check(p.title == "All traffic", || format!("title {:?}", p.title))?;
    eprintln!("[dashboard] apps at their rates after {:?}", t0.elapsed());
    table_matches_the_snapshot(c, s).await?;

    // The live chart, backfilled from history, draws both directions.
    wait_page(c, "the 5m chart backfilled", Duration::from_secs(10), |p| {
        p.chart
            .get("drawn")
            .is_some_and(|u| u.starts_with("api/history?range=5m&"))
    })
    .await?;
    chart_is_drawn(c, "5m").await?;

    // Every range asks for itself; the long ones are bytes per bucket with the gap.
    for range in ["30m", "1h", "24h", "7d", "30d", "all", "5m"] {
        let p = choose_range(c, range).await?;
        if range == "24h" {
            let gaps: usize = p
                .chart
                .get("gaps")
                .and_then(|g| g.parse().ok())
                .unwrap_or(0);
            // Two hours not recorded, in minute buckets.
            check(gaps >= 110, || {
                let api = s.get_json("/api/history?range=24h&points=2000");
                format!("24h: {gaps} gaps drawn, the history has a 2 h gap; the API: {api:?}")
            })?;
            check(p.unit == "bytes per 1-minute bucket", || {
                format!("24h unit {:?}", p.unit)
            })?;
            chart_is_drawn(c, "24h").await?;
        }
    }
    eprintln!("[dashboard] ranges checked after {:?}", t0.elapsed());

    // Clicking an app charts it; clicking it again charts everything.
    click(c, "tr[data-key='/usr/bin/bigdown']").await?;
    let p = wait_page(c, "bigdown charted", Duration::from_secs(10), |p| {
        p.title == "bigdown"
            && app_row(p, "bigdown").is_some_and(|r| r.focused)
            && p.chart.get("drawn").is_some_and(|u| {
                u.contains("range=5m&") && u.contains("app=%2Fusr%2Fbin%2Fbigdown")
            })
    })
    .await?;
    check(p.rows.iter().filter(|r| r.focused).count() == 1, || {
        "one focused row".into()
    })?;
    // A long range of the focused app comes from its history.
    let p = choose_range(c, "24h").await?;
    check(
        p.title == "bigdown"
            && p.chart
                .get("drawn")
                .is_some_and(|u| u.contains("app=%2Fusr%2Fbin%2Fbigdown")),
        || format!("24h of bigdown: {p:#?}"),
    )?;
    click(c, "tr[data-key='/usr/bin/bigdown']").await?;
    wait_page(c, "all traffic again", Duration::from_secs(10), |p| {
        p.title == "All traffic"
            && p.rows.iter().all(|r| !r.focused)
            && p.chart.get("drawn").is_some_and(|u| !u.contains("app="))
    })
    .await?;
    choose_range(c, "5m").await?;

    // Sorting: by total, largest first; by name; the header says which.
    click(c, "th[data-sort='total']").await?;
    let p = wait_page(c, "sorted by total", Duration::from_secs(5), |p| {
        p.sort.get("total").map(String::as_str) == Some("descending")
    })
    .await?;
    let totals: Vec<f64> = p
        .rows
        .iter()
        .filter_map(|r| parse_bytes(&r.total))
        .collect();
    check(
        totals.len() == 3 && totals.windows(2).all(|w| w[0] >= w[1]),
        || format!("totals not descending: {:?}", p.rows),
    )?;
    click(c, "th[data-sort='name']").await?;
    let p = wait_page(c, "sorted by name", Duration::from_secs(5), |p| {
        p.sort.get("name").map(String::as_str) == Some("ascending")
    })
    .await?;
    let names: Vec<&str> = p.rows.iter().map(|r| r.name.as_str()).collect();
    check(names == ["bigdown", "chatty", "uploader"], || {
        format!("by name: {names:?}")
    })?;
    click(c, "th[data-sort='name']").await?;
    let p = wait_page(c, "sorted by name, reversed", Duration::from_secs(5), |p| {
        p.sort.get("name").map(String::as_str) == Some("descending")
    })
    .await?;
    let names: Vec<&str> = p.rows.iter().map(|r| r.name.as_str()).collect();
    check(names == ["uploader", "chatty", "bigdown"], || {
        format!("by name, reversed: {names:?}")
    })?;
    click(c, "th[data-sort='rate']").await?;

    // The device filter: wlan0 carries only the uploader (and its share of unattributed).
    let select = c.find(Locator::Id("device")).await.map_err(wd)?;
    select.select_by_value("wlan0").await.map_err(wd)?;
    // Its unattributed rate is the replay's 40 KiB/s that no process owns; the snapshot
    // has no per-device unattributed bytes.
    let p = wait_page(c, "only wlan0", Duration::from_secs(10), |p| {
        p.rows.len() == 1
            && p.rows[0].name == "uploader"
            && p.title == "All traffic on wlan0"
            && p.chart
                .get("drawn")
                .is_some_and(|u| u.contains("device=wlan0"))
            && p.unattributed
                .as_ref()
                .is_some_and(|u| u[0] == "↓ 40.0 KiB/s" && u[2] == "–")
    })
    .await?;
    check(p.count == "1 app on wlan0", || {
        format!("count {:?}", p.count)
    })?;
    select.select_by_value("").await.map_err(wd)?;
    wait_page(c, "all devices again", Duration::from_secs(10), |p| {
        p.rows.len() == 3
    })
    .await?;

    // Processes: one row per pid, with nethogs' names.
    click(c, "button[data-view='processes']").await?;
    let p = wait_page(c, "the processes", Duration::from_secs(5), |p| {
        p.rows.len() == 3 && p.rows.iter().all(|r| r.kind == "process")
    })
    .await?;
    let mut pids: Vec<&str> = p.rows.iter().map(|r| r.pid.as_str()).collect();
    pids.sort_unstable();
    check(pids == ["4242", "4343", "4444"], || {
        format!("pids {pids:?}")
    })?;
    check(
        p.rows
            .iter()
            .any(|r| r.name == "/usr/bin/uploader" && r.devices == "wlan0"),
        || format!("the uploader process: {:#?}", p.rows),
    )?;
    check(p.count == "3 processes", || format!("count {:?}", p.count))?;
    click(c, "button[data-view='apps']").await?;
    wait_page(c, "the apps", Duration::from_secs(5), |p| {
        p.rows.iter().all(|r| r.kind == "app")
    })
    .await?;

    // Pause holds the view while the server goes on; resume catches up.
    click(c, "#pause").await?;
    let held = wait_page(c, "paused", Duration::from_secs(5), |p| p.paused).await?;
    let moved = wait_until(
        "the server's next refreshes",
        Duration::from_secs(10),
        || {
            s.get_json("/api/snapshot")
                .ok()
                .filter(|v| v["ts"].as_u64() > Some(held.ts + 1500))
        },
    )?;
    let still = page(c).await?;
    check(still.ts == held.ts, || {
        format!(
            "paused, but the table moved from {} to {}",
            held.ts, still.ts
        )
    })?;
    click(c, "#pause").await?;
    wait_page(c, "resumed", Duration::from_secs(5), |p| {
        !p.paused && moved["ts"].as_u64().is_some_and(|t| p.ts >= t)
    })
    .await?;
    // Drag-zooming the chart pauses too (or the next refresh would undo the zoom).
    let over = c.find(Locator::Css("#chart .u-over")).await.map_err(wd)?;
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: over,
            duration: None,
            x: -200.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(200)),
            x: 250.0,
            y: 0.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    c.perform_actions(drag).await.map_err(wd)?;
    wait_page(c, "paused by the zoom", Duration::from_secs(5), |p| {
        p.paused
    })
    .await?;
    click(c, "#pause").await?;
    wait_page(c, "resumed", Duration::from_secs(5), |p| !p.paused).await?;
    eprintln!("[dashboard] interactions checked after {:?}", t0.elapsed());

    // The alert of the config's rule (bigdown above 1 MiB/s for 3 s) is listed.
    let p = wait_page(c, "the active alert", Duration::from_secs(15), |p| {
        !p.alerts.is_empty()
    })
    .await?;
    check(p.alerts.iter().any(|a| a.contains("Big download")), || {
        format!("alerts {:?}", p.alerts)
    })?;

    // The tray's "Show in dashboard" opens `/?app=KEY`: that app is charted (and the
    // parameter leaves the address bar). The cookie is enough from now on.
    c.goto(&format!(
        "http://127.0.0.1:{}/?app=%2Fusr%2Fbin%2Fuploader",
        s.port
    ))
    .await
    .map_err(wd)?;
    wait_page(
        c,
        "the uploader, asked for by the URL",
        Duration::from_secs(10),
        |p| {
            p.title == "uploader"
                && app_row(p, "uploader").is_some_and(|r| r.focused)
                && p.chart
                    .get("drawn")
                    .is_some_and(|u| u.contains("app=%2Fusr%2Fbin%2Fuploader"))
        },
    )
    .await?;
    let url = c.current_url().await.map_err(wd)?;
    check(url.query().is_none(), || format!("the address bar: {url}"))?;

    // The README's picture: half an hour, history then live. A reload starts the live
    // part with settled rates.
    c.goto(&format!("http://127.0.0.1:{}/", s.port))
        .await
        .map_err(wd)?;
    wait_page(c, "the reloaded page", Duration::from_secs(10), |p| {
        p.rows.len() == 3
    })
    .await?;
    choose_range(c, "30m").await?;
    chart_is_drawn(c, "30m").await?;
    table_matches_the_snapshot(c, s).await?;
    let png = c.screenshot().await.map_err(wd)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let artifacts = root.join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts)?;
    std::fs::write(artifacts.join("dashboard.png"), &png)?;
    // The README's copy, and whether the committed one showed this page; reported at the
    // end, so a stale picture does not hide another failure.
    let docs = screenshots::keep_in_docs(
        "dashboard.png",
        &png,
        "dashboard.labels.txt",
        &shown_controls(c).await?,
    );

    // The page's policy blocks inline script (what an injected name would need), and the
    // page says so.
    let ran = c
        .execute(
            "const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1'; \
             document.body.append(s); return window.inlineRan === 1;",
            vec![],
        )
        .await
        .map_err(wd)?;
    check(ran == json!(false), || "an inline script ran".into())?;
    let mut shown = String::new();
    for _ in 0..20 {
        shown = page(c).await?.error;
        if shown.contains("blocked by the page's policy") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check(shown.contains("blocked by the page's policy"), || {
        format!("the page's error line: {shown:?}")
    })?;
    eprintln!("[dashboard] done after {:?}", t0.elapsed());
    s.expect_alive("the walk-through")?;
    docs
}

/// The page's visible headings and controls, in page order, as "tag: text" ("button: 30m
/// (pressed)", "option: eth0"): what the screenshot shows besides figures and rows.
async fn shown_controls(c: &Client) -> Result<Vec<String>> {
    let found = c
        .execute(
            "const shown = el => el.getClientRects().length > 0; \
             const own = el => [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE) \
               .map(n => n.textContent).join(' '); \
             const out = []; \
             for (const el of document.querySelectorAll('h1, h2, h3, button, th, label, option')) { \
               if (!shown(el.tagName === 'OPTION' ? el.parentElement : el)) continue; \
               const raw = el.tagName === 'LABEL' ? own(el) : el.textContent; \
               const text = raw.replace(/\\s+/g, ' ').trim(); \
               if (!text) continue; \
               const pressed = el.getAttribute('aria-pressed') === 'true' ? ' (pressed)' : ''; \
               out.push(`${el.tagName.toLowerCase()}: ${text}${pressed}`); \
             } \
             return out;",
            vec![],
        )
        .await
        .map_err(wd)?;
    serde_json::from_value(found).map_err(|e| err(format!("the page's controls: {e}")))
}

const ALERT_CONFIG: &str = r#"
[[alerts.rule]]
name = "Big download"
kind = "rate"
app = "*"
direction = "down"
above = "1 MiB/s"
for = "3s"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_what_the_server_knows() -> Result<()> {
    let work = tempfile::tempdir()?;
    let data = work.path().join("data");
    // The seeded past runs until the server's history takes over (for the picture: no
    // notch where they meet): a replay's first second is the counters' baseline, and a
    // snapshot records the bytes counted a second before it.
    seed_history(&data, support::unix_ms() as f64 / 1000.0 + 2.1)?;
    let replay = write_replay(work.path(), 600)?;
    let mut server =
        Server::start_with_config("dash", replay.as_ref(), Some(&data), Some(ALERT_CONFIG))?;
    let browser = Browser::start(false).await?;
    let result = walk_through(browser.client(), &mut server).await;
    browser.close().await;
    result
}

// ------------------------------------------------------------------------ 10,000 rows

const HOSTILE: &str = "<img src=x onerror=window.pwned=1>";
const HOSTILE_AT: u32 = 5000;

/// A replay of `n` processes on eth0, each reported in the first two refreshes (then idle,
/// so they stay in the table until the idle eviction), for `seconds`.
fn write_crowd(path: &Path, n: u32, seconds: u64) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut put = |item: Item| -> Result<()> {
        writeln!(out, "{}", serde_json::to_string(&item)?)?;
        Ok(())
    };
    put(Item::Header {
        version: FORMAT_VERSION,
        interval_ms: 1000,
        devices: vec!["eth0".into()],
    })?;
    put(Item::Helper {
        t: 0,
        line: "hello 1 replay".into(),
    })?;
    put(Item::Helper {
        t: 0,
        line: "start eth0 100".into(),
    })?;
    let mut total = 0u64;
    for s in 1..=seconds {
        let ms = s * 1000;
        put(Item::Helper {
            t: ms,
            line: "line eth0 Refreshing:".into(),
        })?;
        if s <= 2 {
            for i in 0..n {
                // Distinct names (one app each) and distinct totals, in no particular order.
                // One name is markup: a program chooses its own argv[0].
                let bytes = u64::from((i * 7919) % 100_000 + 1) * s;
                let name = if i == HOSTILE_AT {
                    HOSTILE.to_string()
                } else {
                    format!("p{i:05}")
                };
                put(Item::Helper {
                    t: ms,
                    line: format!(
                        "line eth0 /opt/crowd/{name}/{}/1000\t{bytes}\t{}",
                        10_000 + i,
                        bytes * 3
                    ),
                })?;
            }
        }
        if s == 2 {
            total = (0..n)
                .map(|i| u64::from((i * 7919) % 100_000 + 1) * 2 * 4)
                .sum();
        }
        put(Item::Netdev {
            t: ms + 10,
            counters: vec![("eth0".into(), total * 3 / 4, total / 4)],
        })?;
    }
    out.flush()?;
    Ok(())
}

async fn measure_crowd(c: &Client, s: &Server) -> Result<()> {
    c.goto(&s.url).await.map_err(wd)?;
    let p = wait_page(c, "10,000 apps", Duration::from_secs(60), |p| {
        p.count == "10000 apps"
    })
    .await?;
    // This browser prefers dark: so does the page (its background, the chart's axes).
    let dark = c
        .execute(
            "return [matchMedia('(prefers-color-scheme: dark)').matches, getComputedStyle(document.body).backgroundColor];",
            vec![],
        )
        .await
        .map_err(wd)?;
    check(dark == json!([true, "rgb(20, 23, 29)"]), || {
        format!("dark scheme: {dark}")
    })?;
    // Only the rows in view (and a few either side) are in the DOM.
    check(p.dom_rows < 80, || {
        format!("{} rows in the DOM for 10,000 apps", p.dom_rows)
    })?;
    // Each refresh rebuilds, sorts and draws the table: time a few.
    let mut times = Vec::new();
    let mut ts = p.ts;
    while times.len() < 5 {
        let p = wait_page(c, "the next refresh", Duration::from_secs(10), |q| {
            q.ts > ts
        })
        .await?;
        ts = p.ts;
        let v = c
            .execute(
                "return Number(document.getElementById('table').dataset.updateMs)",
                vec![],
            )
            .await
            .map_err(wd)?;
        times.push(v.as_f64().unwrap_or(f64::MAX));
    }
    times.sort_by(f64::total_cmp);
    eprintln!("[dashboard] 10,000 rows: update times {times:?} ms");
    check(times[2] < 100.0 && times[4] < 250.0, || {
        format!("table updates too slow: {times:?} ms")
    })?;
    // Sorting by name is one click away, and quick.
    let v = c
        .execute(
            "const t = performance.now(); document.querySelector(\"th[data-sort='name']\").click(); return performance.now() - t;",
            vec![],
        )
        .await
        .map_err(wd)?;
    let sort_ms = v.as_f64().unwrap_or(f64::MAX);
    eprintln!("[dashboard] 10,000 rows: sort by name {sort_ms:.1} ms");
    check(sort_ms < 250.0, || {
        format!("sorting 10,000 rows took {sort_ms} ms")
    })?;
    // The markup name sorts first (symbols before letters) and is shown as text: no
    // element was made of it, no handler ran.
    let p = page(c).await?;
    let names: Vec<&str> = p.rows.iter().take(3).map(|r| r.name.as_str()).collect();
    check(names == [HOSTILE, "p00000", "p00001"], || {
        format!("first by name: {names:?}")
    })?;
    let injected = c
        .execute(
            "return document.querySelectorAll('main img').length + (window.pwned === undefined ? 0 : 100);",
            vec![],
        )
        .await
        .map_err(wd)?;
    check(injected == json!(0), || {
        format!("a process name became markup: {injected}")
    })?;
    // Scrolled to the end, the last rows are drawn.
    c.execute(
        "const s = document.getElementById('scroller'); s.scrollTop = s.scrollHeight;",
        vec![],
    )
    .await
    .map_err(wd)?;
    let p = wait_page(c, "the last rows", Duration::from_secs(5), |p| {
        p.rows.iter().any(|r| r.index == 9999 && r.name == "p09999")
    })
    .await?;
    check(p.dom_rows < 80, || {
        format!("{} rows in the DOM at the end", p.dom_rows)
    })?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_processes_stay_quick() -> Result<()> {
    let work = tempfile::tempdir()?;
    let replay: PathBuf = work.path().join("crowd.jsonl");
    write_crowd(&replay, 10_000, 90)?;
    let mut server = Server::start("crowd", &replay, None)?;
    let browser = Browser::start(true).await?;
    let result = measure_crowd(browser.client(), &server).await;
    browser.close().await;
    server.expect_alive("10,000 processes")?;
    result
}
