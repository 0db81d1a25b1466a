//! A flood of uniquely named, short-lived processes through a real `hogwatch server`
//! (`--source replay:FILE`, history in a `--data-dir`): 3,000 processes, 250 new ones a
//! second for 12 s, each in two refreshes, besides one steady downloader that goes on
//! (so the server runs on while the test looks). `/metrics` keeps at most 21 app series
//! (`TOP_APPS` and "other") whose sum is every byte the flood moved, and the history the
//! server writes keeps at most `MAX_APPS_PER_DAY` apps apart a day, with the rest as
//! "other apps", the same exact sum, and the steady downloader apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use hogwatch::collect::replay::format::Item;
use hogwatch::store::fold::MAX_APPS_PER_DAY;
use hogwatch::web::metrics::TOP_APPS;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use support::dashboard::Server;
use support::{err, wait_until, Result};

const FLOOD_SECONDS: u64 = 12;
/// The whole recording: the steady downloader alone after the flood.
const SECONDS: u64 = 120;
const NEW_PER_SECOND: u64 = 250;
const STEADY: &str = "/usr/bin/steadydown";

/// Writes the flood's recording; returns the (up, down) bytes the flood's processes moved.
fn write_flood(path: &Path) -> Result<(u64, u64)> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut put = |item: Item| -> Result<()> {
        writeln!(out, "{}", serde_json::to_string(&item)?)?;
        Ok(())
    };
    crate::support::replay::preamble(&mut put, &["eth0"])?;
    // Process n: pid 10000 + n, first seen in second n / NEW_PER_SECOND + 1, in two
    // refreshes, moving (up, down) = (3 + n % 5, 200 + n % 300) bytes in each.
    let exe = |n: u64| format!("/opt/flood/{}{n:05}", "x".repeat(40));
    let per_refresh = |n: u64| (3 + n % 5, 200 + n % 300);
    let mut device = (0u64, 0u64);
    let mut total = (0u64, 0u64);
    for s in 1..=SECONDS {
        let ms = s * 1000;
        let born = if s <= FLOOD_SECONDS {
            (s - 1) * NEW_PER_SECOND..s * NEW_PER_SECOND
        } else {
            0..0
        };
        for n in born.clone() {
            put(Item::Proc {
                t: ms,
                pid: 10_000 + n as u32,
                start_time: 5_000 + n,
                exe: exe(n),
                argv: vec![format!("flood{n}")],
            })?;
        }
        if s == 1 {
            put(Item::Proc {
                t: ms,
                pid: 4242,
                start_time: 1000,
                exe: STEADY.into(),
                argv: vec!["steadydown".into(), "--test".into()],
            })?;
        }
        put(Item::Helper {
            t: ms,
            line: "line eth0 Refreshing:".into(),
        })?;
        // nethogs -t -v 2: "NAME/PID/UID<TAB>SENT<TAB>RECEIVED", cumulative bytes.
        let alive = s.saturating_sub(2) * NEW_PER_SECOND..s.min(FLOOD_SECONDS) * NEW_PER_SECOND;
        for n in alive.clone() {
            let (u, d) = per_refresh(n);
            let k = if born.contains(&n) { 1 } else { 2 };
            put(Item::Helper {
                t: ms,
                line: format!(
                    "line eth0 {}/{}/1000\t{}\t{}",
                    exe(n),
                    10_000 + n,
                    u * k,
                    d * k
                ),
            })?;
        }
        put(Item::Helper {
            t: ms,
            line: format!(
                "line eth0 {STEADY}/4242/1000\t{}\t{}",
                1000 * s,
                100_000 * s
            ),
        })?;
        // Every process's bytes of this second, and all on the device's counters.
        let flood = alive
            .map(per_refresh)
            .fold((0, 0), |a, (u, d)| (a.0 + u, a.1 + d));
        total = (total.0 + flood.0, total.1 + flood.1);
        device = (device.0 + flood.0 + 1000, device.1 + flood.1 + 100_000);
        put(Item::Netdev {
            t: ms + 10,
            counters: vec![("eth0".into(), device.1, device.0)],
        })?;
    }
    out.flush()?;
    drop(out);
    Ok(total)
}

/// (app label, value) of each `hogwatch_app_bytes_total` series of `direction`.
fn app_series(text: &str, direction: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter(|l| l.starts_with("hogwatch_app_bytes_total{"))
        .filter(|l| l.contains(&format!("direction=\"{direction}\"")))
        .filter_map(|l| {
            let app = l.split("app=\"").nth(1)?.split('"').next()?.to_owned();
            Some((app, l.rsplit_once(' ')?.1.parse().ok()?))
        })
        .collect()
}

fn local_days(from: i64, to: i64) -> usize {
    use chrono::TimeZone;
    let date = |t: i64| {
        chrono::Local
            .timestamp_opt(t, 0)
            .earliest()
            .map(|d| d.date_naive())
    };
    if date(from) == date(to) {
        1
    } else {
        2
    }
}

#[test]
fn a_flood_of_unique_apps_keeps_metrics_and_history_bounded() -> Result<()> {
    let work = tempfile::tempdir()?;
    let replay = work.path().join("flood.jsonl");
    let (up, down) = write_flood(&replay)?;
    let data = work.path().join("data");
    let started = chrono::Utc::now().timestamp();
    let mut hog = Server::start("flood-server", &replay, Some(&data))?;

    // /metrics: every byte the flood moved, in at most TOP_APPS + 1 series.
    let text = wait_until("every byte in /metrics", Duration::from_secs(40), || {
        let r = hog.get("/metrics").ok()?;
        let sum = |d| {
            app_series(&r.body, d)
                .iter()
                .filter(|s| s.0 != "steadydown")
                .map(|s| s.1)
                .sum::<u64>()
        };
        (sum("up") == up && sum("down") == down).then_some(r.body)
    })
    .map_err(|e| err(format!("{e} (the flood moved {up} up, {down} down)")))?;
    let labels: BTreeSet<String> = app_series(&text, "down").into_iter().map(|s| s.0).collect();
    assert!(
        labels.len() <= TOP_APPS + 1 && labels.contains("other"),
        "{} distinct app labels in /metrics: {labels:?}",
        labels.len()
    );

    // The history: the same sum; at most MAX_APPS_PER_DAY apps apart a day, and "other".
    let mut last = (0, 0, 0);
    let apps = wait_until("every byte in the history", Duration::from_secs(30), || {
        let v = hog.get_json("/api/apps?range=1h&limit=10000").ok()?;
        let apps = v["apps"].as_array()?.clone();
        let sum = |k: &str| {
            apps.iter()
                .filter(|a| a["app"] != STEADY)
                .filter_map(|a| a[k].as_u64())
                .sum::<u64>()
        };
        last = (apps.len(), sum("up_bytes"), sum("down_bytes"));
        (last.1 == up && last.2 == down).then_some(apps)
    })
    .map_err(|e| {
        err(format!(
            "{e} (the flood moved {up} up, {down} down; the history has {} apps, {} up, {} \
             down); the server said:\n{}",
            last.0,
            last.1,
            last.2,
            support::cli::tail(&hog.child.stderr_text(), 3000)
        ))
    })?;
    hog.expect_alive("the flood")?;
    let days = local_days(started, chrono::Utc::now().timestamp());
    let apart = apps.iter().filter(|a| a["app"] != "").count();
    assert!(
        apart <= days * MAX_APPS_PER_DAY,
        "the history keeps {apart} apps apart over {days} day(s), at most {} expected",
        days * MAX_APPS_PER_DAY
    );
    assert!(
        apps.iter()
            .any(|a| a["app"] == "" && a["name"] == "(other apps)"),
        "no \"other apps\" in the history"
    );
    assert!(
        apps.iter().any(|a| a["app"] == STEADY),
        "the steady downloader has no entry of its own"
    );
    Ok(())
}
