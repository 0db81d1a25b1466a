//! Load on the dashboard server: 50 WebSocket clients on `/api/live` of one `hogwatch
//! server` for 60 s (LOAD_SECONDS, LOAD_CLIENTS to change). Prints, for the README:
//! whether every client received every snapshot (by their `ts`), how many nethogs ran
//! (one per device in total, however many clients), and hogwatch's CPU (% of one core,
//! utime+stime from /proc) and peak RSS (VmHWM) over the window.
//!
//! Source: real nethogs on this machine's devices when run as root (`--elevate none`),
//! else (or with LOAD_REPLAY=FILE) a replay. Everything started is stopped by pid.

// A benchmark binary: a failed setup step aborts it with the step named.
#![allow(clippy::expect_used)]

#[path = "common/live_ws.rs"]
mod live_ws;

use futures_util::StreamExt;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HOGWATCH: &str = env!("CARGO_BIN_EXE_hogwatch");

struct Stop(Child);
impl Drop for Stop {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn status_kb(pid: u32, key: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Processes named `comm` whose parent is one of `parents`.
fn children_named(parents: &[u32], comm: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == comm)
                && status_kb(*p, "PPid:").is_some_and(|pp| parents.contains(&(pp as u32)))
        })
        .collect()
}

/// nethogs processes of this hogwatch (its helper's children).
fn nethogs_count(hogwatch: u32) -> usize {
    let helpers = children_named(&[hogwatch], "hogwatch-helper");
    children_named(&helpers, "nethogs").len()
}

fn env_num(k: &str, d: u64) -> u64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn main() {
    let seconds = env_num("LOAD_SECONDS", 60);
    let clients = env_num("LOAD_CLIENTS", 50) as usize;
    let home = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    });
    let mut args = vec![
        "server".to_string(),
        port.to_string(),
        "--no-history".into(),
    ];
    match std::env::var("LOAD_REPLAY") {
        Ok(f) => args.extend([
            "--source".into(),
            format!("replay:{f}"),
            "--replay-speed".into(),
            "1".into(),
        ]),
        Err(_) if root => args.extend(["--elevate".into(), "none".into()]),
        Err(_) => {
            eprintln!("ws_load: run as root for real nethogs, or set LOAD_REPLAY=FILE");
            std::process::exit(1);
        }
    }
    let mut child = Command::new(HOGWATCH)
        .args(&args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hogwatch server");
    let pid = child.id();
    let stderr = child.stderr.take().expect("stderr");
    let hog = Stop(child);
    let mut url = None;
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if let Some(u) = line.strip_prefix("hogwatch: dashboard at ") {
            url = Some(u.to_string());
            break;
        }
    }
    let url = url.expect("the server's URL on stderr");
    let token = url.split("token=").nth(1).expect("token").to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let results = rt.block_on(async {
        let until = tokio::time::Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let req = live_ws::request(port, &token).expect("request");
            tasks.push(tokio::spawn(async move {
                let (mut ws, _) = tokio_tungstenite::connect_async(req)
                    .await
                    .expect("connect");
                let mut seen = BTreeSet::new();
                while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(until, ws.next()).await {
                    if let Ok(text) = msg.into_text() {
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                            if let Some(ts) = v.get("ts").and_then(|t| t.as_u64()) {
                                seen.insert(ts);
                            }
                        }
                    }
                }
                seen
            }));
        }
        // The window starts once every client is connected (the first message arrived).
        tokio::time::sleep(Duration::from_secs(2)).await;
        let t0 = (Instant::now(), ticks(pid));
        let nethogs = nethogs_count(pid);
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap_or_default());
        }
        (t0, nethogs, all)
    });
    let ((start, start_ticks), nethogs, all) = results;
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (start_ticks, ticks(pid)) {
        (Some(a), Some(b)) => (b - a) as f64 / 100.0 / wall * 100.0,
        _ => f64::NAN,
    };
    let hwm = status_kb(pid, "VmHWM:").unwrap_or(0) as f64 / 1024.0;
    drop(hog);
    let union: BTreeSet<u64> = all.iter().flatten().copied().collect();
    // Snapshots published while every client was connected: the union minus each
    // client's first and last (connect/disconnect edges).
    let complete = all
        .iter()
        .filter(|s| {
            let (Some(lo), Some(hi)) = (s.first(), s.last()) else {
                return false;
            };
            union.range(lo..=hi).all(|t| s.contains(t))
        })
        .count();
    let counts: Vec<usize> = all.iter().map(BTreeSet::len).collect();
    println!(
        "ws_load: {clients} WebSocket clients on one `hogwatch server`, {seconds} s ({})",
        if std::env::var("LOAD_REPLAY").is_ok() {
            "replay"
        } else {
            "real nethogs"
        }
    );
    println!(
        "  snapshots published: {}; per client: min {} max {}",
        union.len(),
        counts.iter().min().unwrap_or(&0),
        counts.iter().max().unwrap_or(&0)
    );
    println!(
        "  clients that received every snapshot between their first and last: {complete}/{clients}"
    );
    println!("  nethogs processes while serving: {nethogs} (one per monitored device)");
    println!("  hogwatch: {cpu:.2} % of one core over {wall:.0} s, peak RSS {hwm:.1} MiB");
}
