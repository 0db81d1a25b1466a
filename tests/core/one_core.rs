//! One collector per user, whatever the front ends: with a `hogwatch server` collecting
//! with real nethogs and real traffic in a network namespace,
//!
//! * `hogwatch top --json --count 5` attaches to it: it prints 5 snapshots, each equal to
//!   the server's `/api/snapshot` of the same refresh, and says on stderr that it is
//!   attached; a second `hogwatch server` on another port serves the same refreshes;
//!   during all of it there is exactly one helper and one nethogs for the device, and no
//!   privilege route is even attempted (pkexec and sudo are replaced, in the front ends'
//!   private mount namespace, by a script that records any call: none comes);
//! * when nothing runs, `top` collects by itself and says so.
//!
//! (A tray attaching to a running server is in the desktop suite: `tray_attach`.) Each run
//! gets its own HOME and runtime folder; every child is stopped by pid.

use crate::support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::cli::{hog_argv, refs, spy_wrapper};
use support::dashboard::{free_port, get, printed_dashboard};
use support::home::Home;
use support::netns::{in_netns, Pair};
use support::tray_app::HOGWATCH;
use support::{
    err, find_pids, nethogs_pids_for, require_root_and_nethogs, tcp_client, wait_until, Child,
    Deadline, GenServer, Result,
};

/// Helpers for `dev` (its name is in their argv): other tests run helpers of their own.
fn helper_pids(dev: &str) -> Vec<u32> {
    find_pids(|argv| {
        argv.first()
            .is_some_and(|a| a.ends_with("/hogwatch-helper"))
            && argv.iter().any(|a| a == dev)
    })
}

/// A thread that adds to a `T` every `every` until finished (in network namespace `ns`
/// when given, for servers listening there).
struct Watch<T> {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<T>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<T: Default + Clone + Send + 'static> Watch<T> {
    fn start(
        ns: Option<&str>,
        every: Duration,
        mut look: impl FnMut(&mut T) + Send + 'static,
    ) -> Watch<T> {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(T::default()));
        let (s, v, ns) = (Arc::clone(&stop), Arc::clone(&seen), ns.map(str::to_owned));
        let thread = std::thread::spawn(move || {
            let mut run = || {
                while !s.load(Ordering::SeqCst) {
                    if let Ok(mut v) = v.lock() {
                        look(&mut v);
                    }
                    std::thread::sleep(every);
                }
            };
            match ns {
                Some(ns) => {
                    let _ = in_netns(&ns, run);
                }
                None => run(),
            }
        });
        Watch {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> T {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// (helpers, nethogs for `dev`) every 50 ms.
fn census(dev: &str) -> Watch<Vec<(usize, usize)>> {
    let dev = dev.to_owned();
    Watch::start(
        None,
        Duration::from_millis(50),
        move |v: &mut Vec<(usize, usize)>| {
            v.push((helper_pids(&dev).len(), nethogs_pids_for(&dev).len()))
        },
    )
}

/// Every refresh `/api/snapshot` of the server on `port` in `ns` served, by `ts`, read
/// every 100 ms.
fn served(ns: &str, port: u16, token: &str) -> Watch<BTreeMap<u64, Value>> {
    let token = token.to_owned();
    Watch::start(
        Some(ns),
        Duration::from_millis(100),
        move |v: &mut BTreeMap<u64, Value>| {
            let snap = get(port, &token, "/api/snapshot")
                .ok()
                .and_then(|r| serde_json::from_str::<Value>(&r.body).ok());
            if let Some(snap) = snap {
                if let Some(ts) = snap["ts"].as_u64() {
                    v.insert(ts, snap);
                }
            }
        },
    )
}

#[test]
fn top_and_a_second_server_attach_to_the_running_collector() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(80));
    let pair = Pair::new("one")?;
    let dev = pair.link.dev.clone();
    let gen = GenServer::in_peer("one-gen", &pair, &["--timeout", "60"])?;
    let work = tempfile::Builder::new().prefix("hogwatch-one-").tempdir()?;
    let record = work.path().join("privilege-calls");
    let spy = spy_wrapper(&record, work.path())?;
    let spy: Vec<&str> = refs(&spy);

    // The collector: `hogwatch server` running nethogs directly (as root).
    let home = Home::new("hogwatch-one-")?;
    let port = free_port()?.to_string();
    let argv = hog_argv(
        &[],
        HOGWATCH,
        &home,
        &[
            "server",
            &port,
            "--elevate",
            "none",
            "--interval",
            "1",
            "--devices",
            &dev,
            "--no-history",
        ],
    );
    let mut server = Child::spawn("one-server", Some(pair.h.name()), &refs(&argv))?;
    let (_, token) = printed_dashboard(&server, deadline.cap(Duration::from_secs(20)))?;
    let port: u16 = port.parse().map_err(|_| err("port"))?;
    let h = pair.h.name().to_owned();
    // The servers listen on H's loopback.
    let h_get = |port: u16, token: &str| -> Option<String> {
        in_netns(&h, || {
            get(port, token, "/api/snapshot").ok().map(|r| r.body)
        })
        .ok()
        .flatten()
    };
    wait_until(
        "nethogs on the device",
        deadline.cap(Duration::from_secs(15)),
        || (!nethogs_pids_for(&dev).is_empty()).then_some(()),
    )?;
    // Traffic for the whole test, so the snapshots have a talker.
    let mut client = tcp_client(
        "one-client",
        pair.h.name(),
        &gen.addr(),
        &[
            "--send-bytes",
            "4000000",
            "--rate",
            "200000",
            "--timeout",
            "40",
        ],
    )?;
    let last = std::cell::RefCell::new(String::new());
    let waited = wait_until(
        "a per-process refresh with the client",
        deadline.cap(Duration::from_secs(15)),
        || {
            let body = h_get(port, &token).unwrap_or_default();
            last.replace(body.clone());
            let s: Value = serde_json::from_str(&body).ok()?;
            (s["mode"] == "per-process" && s["processes"].as_array().is_some_and(|p| !p.is_empty()))
                .then_some(())
        },
    );
    if let Err(e) = waited {
        return Err(err(format!(
            "{}; the last snapshot: {}; server stderr:\n{}",
            e.0,
            last.borrow(),
            server.stderr_text()
        )));
    }

    let census = census(&dev);
    let served = served(pair.h.name(), port, &token);

    // top, with pkexec forced: were it to collect, pkexec (the spy) would be called.
    let argv = hog_argv(
        &spy,
        HOGWATCH,
        &home,
        &[
            "top",
            "--json",
            "--count",
            "5",
            "--elevate",
            "pkexec",
            "--devices",
            &dev,
        ],
    );
    let mut top = Child::spawn("one-top", Some(pair.h.name()), &refs(&argv))?;
    let status = top.wait_exit(deadline.cap(Duration::from_secs(20)))?;
    while top
        .lines()
        .next_line(deadline.cap(Duration::from_secs(5)))?
        .is_some()
    {}
    let top_lines: Vec<String> = top
        .lines()
        .history()
        .iter()
        .filter(|l| l.starts_with('{'))
        .cloned()
        .collect();
    let top_err = top.stderr_text();

    // A second server on another port, also with pkexec forced.
    let port2 = free_port()?;
    let port2_s = port2.to_string();
    let argv = hog_argv(
        &spy,
        HOGWATCH,
        &home,
        &["server", &port2_s, "--elevate", "pkexec"],
    );
    let mut second = Child::spawn("one-server2", Some(pair.h.name()), &refs(&argv))?;
    let (_, token2) = printed_dashboard(&second, deadline.cap(Duration::from_secs(20)))?;
    let mut second_seen: BTreeMap<u64, Value> = BTreeMap::new();
    wait_until(
        "3 refreshes from the second server",
        deadline.cap(Duration::from_secs(15)),
        || {
            if let Some(body) = h_get(port2, &token2) {
                if let Ok(s) = serde_json::from_str::<Value>(&body) {
                    if let Some(ts) = s["ts"].as_u64().filter(|t| *t > 0) {
                        second_seen.insert(ts, s);
                    }
                }
            }
            (second_seen.len() >= 3).then_some(())
        },
    )?;
    let second_err = second.stderr_text();
    second.stop();
    let served = served.finish();
    let counts = census.finish();

    // top: 5 snapshots, attached, each the server's own refresh.
    assert!(status.success(), "top: {status}; stderr:\n{top_err}");
    assert!(
        top_err.contains(&format!(
            "attached to `hogwatch server` (pid {}): no collector of its own",
            server.pid()
        )),
        "top's stderr:\n{top_err}"
    );
    assert_eq!(top_lines.len(), 5, "top printed:\n{}", top_lines.join("\n"));
    for line in &top_lines {
        let snap: Value = serde_json::from_str(line)?;
        let ts = snap["ts"].as_u64().ok_or("no ts")?;
        let theirs = served.get(&ts).ok_or_else(|| {
            err(format!(
                "top printed refresh {ts}, which /api/snapshot never served ({:?})",
                served.keys().collect::<Vec<_>>()
            ))
        })?;
        assert_eq!(
            &snap, theirs,
            "top's snapshot {ts} differs from /api/snapshot"
        );
    }
    assert!(
        top_lines
            .iter()
            .any(|l| l.contains("\"per-process\"") && l.contains("\"pid\"")),
        "top saw per-process data"
    );
    // The second server: attached, serving the same refreshes.
    assert!(
        second_err.contains("no collector of its own"),
        "second server's stderr:\n{second_err}"
    );
    for (ts, snap) in &second_seen {
        if let Some(theirs) = served.get(ts) {
            assert_eq!(snap, theirs, "the second server's snapshot {ts} differs");
        }
    }
    assert!(
        second_seen.keys().any(|ts| served.contains_key(ts)),
        "the two servers never showed the same refresh"
    );
    // One helper, one nethogs, the whole time; no privilege route tried.
    assert!(counts.len() > 20, "census: {} samples", counts.len());
    let wrong: Vec<&(usize, usize)> = counts.iter().filter(|c| **c != (1, 1)).collect();
    assert!(
        wrong.is_empty(),
        "(helpers, nethogs) other than (1, 1) seen {} times: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
    let calls = std::fs::read_to_string(&record).unwrap_or_default();
    assert!(calls.is_empty(), "pkexec/sudo were called:\n{calls}");
    // The collector lives on.
    assert!(server.try_status().is_none(), "the server is still running");
    client.stop();
    server.stop();
    Ok(())
}

#[test]
fn top_collects_by_itself_when_nothing_runs() -> Result<()> {
    let home = Home::new("hogwatch-one-alone-")?;
    let fixture = support::cli::fixture_dir().join("trace_v2_names_spaces_uid.txt");
    let source = format!("replay:{}", fixture.display());
    let argv = hog_argv(
        &[],
        HOGWATCH,
        &home,
        &[
            "top",
            "--source",
            &source,
            "--replay-speed",
            "0",
            "--rows",
            "3",
        ],
    );
    let out = support::run(&refs(&argv), Duration::from_secs(30))?;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.lines().nth(1) == Some("collecting here (replay)"),
        "the header says where the figures come from:\n{}",
        out.stdout
    );
    Ok(())
}
