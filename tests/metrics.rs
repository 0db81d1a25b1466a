//! `GET /metrics` of a real `hogwatch server` on a two-device replay: Prometheus' own
//! `promtool check metrics` accepts it, the counters name the replay's devices and apps,
//! and a counter never goes down between two scrapes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::cli::{hog_argv, refs};
use support::home::Home;
use support::tray_app::{write_replay, HOGWATCH};
use support::{err, wait_until, Child, Result};

/// A free loopback port (bound and released; the server takes it right after).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `GET path` with the token; (status, body).
fn get(port: u16, path: &str, token: &str) -> Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| err(format!("no HTTP status in {out:?}")))?;
    let body = out.split_once("\r\n\r\n").map(|b| b.1).unwrap_or("");
    Ok((status, body.to_string()))
}

fn value(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn promtool_accepts_the_metrics_and_counters_only_grow() -> Result<()> {
    let home = Home::new("hogwatch-metrics-")?;
    let work = tempfile::tempdir()?;
    let source = format!("replay:{}", write_replay(work.path(), 120)?);
    let port = free_port()?.to_string();
    let argv = hog_argv(
        &[],
        HOGWATCH,
        &home,
        &[
            "server",
            &port,
            "--source",
            &source,
            "--replay-speed",
            "1",
            "--no-history",
        ],
    );
    let hog = Child::spawn("metrics-server", None, &refs(&argv))?;
    let url = wait_until("the dashboard URL", Duration::from_secs(20), || {
        hog.stderr_text()
            .lines()
            .find_map(|l| l.strip_prefix("hogwatch: dashboard at "))
            .map(str::to_string)
    })?;
    let token = url.split("token=").nth(1).unwrap().trim().to_string();
    let port: u16 = port.parse().unwrap();

    let series =
        r#"hogwatch_app_bytes_total{app="bigdown",key="/usr/bin/bigdown",direction="down"}"#;
    let first = wait_until("bigdown's counter", Duration::from_secs(15), || {
        let (code, body) = get(port, "/metrics", &token).ok()?;
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
        let (_, body) = get(port, "/metrics", &token).ok()?;
        (value(&body, series)? > value(&first, series)?).then_some(body)
    })?;
    for line in first.lines().filter(|l| l.contains("_bytes_total{")) {
        let (name, v) = line.rsplit_once(' ').unwrap();
        let before: u64 = v.parse().unwrap();
        let after = value(&later, name).unwrap_or(0);
        assert!(after >= before, "{name} went from {before} to {after}");
    }
    // Without the token: 401.
    assert_eq!(get(port, "/metrics", "wrong")?.0, 401);
    Ok(())
}
