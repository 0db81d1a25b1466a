//! 10,000 processes: the table stays quick and keeps only the rows in view in the DOM; a
//! hostile process name stays text.

use super::browser::{check, wd, Browser};
use super::page::{page, wait_page};
use crate::support;
use fantoccini::Client;
use hogwatch::collect::replay::format::Item;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::dashboard::Server;
use support::Result;

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
    crate::support::replay::preamble(&mut put, &["eth0"])?;
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
