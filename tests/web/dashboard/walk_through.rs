//! One walk through the page against a server replaying two devices over a seeded history:
//! the table, the chart, the ranges, app and device filters, sorting, pause, drag-zoom, no
//! page error; the README's screenshot and its labels.

use super::browser::{check, wd, Browser};
use super::page::{
    app_row, click, page, parse_bytes, shown_controls, wait_page, Page, CHART_PIXELS,
};
use super::seeded_history::seed_history;
use crate::support;
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, Locator};
use hogwatch::units;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use support::dashboard::Server;
use support::screenshots;
use support::tray_app::write_replay;
use support::{err, wait_until, Result};

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
    // The key went into the page and out of the address bar.
    let url = c.current_url().await.map_err(wd)?;
    check(
        !url.as_str().contains(&s.key) && url.fragment().is_none(),
        || format!("the address bar still has the key: {url}"),
    )?;

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
