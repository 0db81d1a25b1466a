//! `GET /metrics` of a real `hogwatch server` on a two-device replay: Prometheus' own
//! `promtool check metrics` accepts it, the counters name the replay's devices and apps,
//! and a counter never goes down between two scrapes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::dashboard::Server;
use support::tray_app::write_replay;
use support::{err, wait_until, Result};

/// `GET path` with the token; (status, body).
fn get(s: &Server, path: &str) -> Result<(u16, String)> {
    let r = s.get(path)?;
    Ok((r.status, r.body))
}

fn value(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn promtool_accepts_the_metrics_and_counters_only_grow() -> Result<()> {
    let work = tempfile::tempdir()?;
    let replay = write_replay(work.path(), 120)?;
    let hog = Server::start("metrics-server", replay.as_ref(), None)?;
    let series =
        r#"hogwatch_app_bytes_total{app="bigdown",key="/usr/bin/bigdown",direction="down"}"#;
    let first = wait_until("bigdown's counter", Duration::from_secs(15), || {
        let (code, body) = get(&hog, "/metrics").ok()?;
        (code == 200 && value(&body, series).is_some_and(|v| v > 0)).then_some(body)
    })?;
    assert!(first.contains(r#"hogwatch_device_bytes_total{device="wlan0",direction="up"}"#));

    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(format!("promtool (Debian package prometheus): {e}")))?;
    check.stdin.take().unwrap().write_all(first.as_bytes())?;
    let out = check.wait_with_output()?;
    assert!(
        out.status.success(),
        "promtool check metrics failed: {}{}\n{first}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // A later scrape: every counter is at least what it was.
    let later = wait_until("a later scrape", Duration::from_secs(10), || {
        let (_, body) = get(&hog, "/metrics").ok()?;
        (value(&body, series)? > value(&first, series)?).then_some(body)
    })?;
    for line in first.lines().filter(|l| l.contains("_bytes_total{")) {
        let (name, v) = line.rsplit_once(' ').unwrap();
        let before: u64 = v.parse().unwrap();
        let after = value(&later, name).unwrap_or(0);
        assert!(after >= before, "{name} went from {before} to {after}");
    }
    // Without the token: 401.
    let wrong = hog.request(
        &format!(
            "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer wrong",
            hog.port
        ),
        b"",
    )?;
    assert_eq!(wrong.status, 401);
    Ok(())
}
