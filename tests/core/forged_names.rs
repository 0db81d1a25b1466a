//! Programs that choose hostile names cannot forge figures. With a `hogwatch server`
//! collecting with real nethogs (history and an alert rule on) in a network namespace,
//! three programs of user `nobody` send real traffic under names built to forge nethogs
//! records:
//!
//! * for root's process and for another user's (both real, idle, with the names the
//!   forgeries copy), and for a pid that does not exist;
//! * with fake `Refreshing:` markers, at the front of the name and inside it;
//! * in a name of 100 KiB, with a forgery after the first 50 KiB.
//!
//! Nothing forged reaches the snapshot, /metrics, the alerts or the history; each hostile
//! program's own traffic is attributed to it; processes never add up to more than the
//! device moved. Each run gets its own HOME; every child is stopped by pid.

use crate::support;

use serde_json::Value;
use std::time::Duration;
use support::cli::{hog_argv, refs};
use support::dashboard::{free_port, get, printed_dashboard};
use support::home::Home;
use support::netns::{in_netns, Pair};
use support::tray_app::HOGWATCH;
use support::{err, require_root_and_nethogs, wait_until, Child, Deadline, GenServer, Result};

/// A pid that does not exist (above the default pid_max of 4194304 it could not).
const NO_SUCH_PID: u32 = 4_194_000;
/// Each hostile program sends this much, 10 kB every 0.1 s.
const SENT: u64 = 400_000;
/// What must show under its own name: nethogs may miss a connection's first packets
/// (before it has tied the connection to the process) on a busy machine.
const ATTRIBUTED: u64 = SENT * 9 / 10;

const CONFIG: &str = r#"
[[alerts.rule]]
name = "Forged"
kind = "rate"
app = "*"
direction = "total"
above = "4 MiB/s"
for = "1s"
"#;

/// The hostile programs' names: (tag, argv[0]).
fn hostile_names(root: u32, user: u32) -> Vec<(&'static str, String)> {
    let forged = |name: &str, pid: u32, uid: u32| format!("{name}/{pid}/{uid}\t5e+07\t5e+07");
    vec![
        (
            "others",
            format!(
                "hostile\n{}\n{}\n{}\nend",
                forged("/usr/sbin/victimd", root, 0),
                forged("/usr/bin/victim-user", user, 1),
                forged("ghost", NO_SUCH_PID, 65534)
            ),
        ),
        (
            "markers",
            format!(
                "\nRefreshing:\n{}\n\nRefreshing:\n{}\nmarkers",
                forged("/usr/sbin/victimd", root, 0),
                forged("/usr/bin/victim-user", user, 1)
            ),
        ),
        (
            "long",
            format!(
                "{}\n{}\n\nRefreshing:\n{}",
                "A".repeat(50 * 1024),
                forged("/usr/sbin/victimd", root, 0),
                "B".repeat(50 * 1024)
            ),
        ),
    ]
}

/// A program of user `nobody`, named `name`, in `ns`: it sends `SENT` bytes to `to` from
/// bash builtins only (no child does the talking), then idles with the socket open. It
/// waits a second after connecting: nethogs ties a new connection to its process only
/// after a scan of /proc, and what moves before that is unattributed (facts-nethogs.md).
fn hostile(tag: &str, ns: &str, name: &str, to: &str) -> Result<Child> {
    let (ip, port) = to.split_once(':').ok_or_else(|| err("address"))?;
    let script = format!(
        "exec 3<>/dev/tcp/{ip}/{port} || exit 1
         read -t 1 -u 3
         for i in $(seq 1 {n}); do printf '%10000s' '' >&3; read -t 0.1 -u 3; done
         read -t 60 -u 3",
        n = SENT / 10_000
    );
    let argv = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "bash",
        "-c",
        "exec -a \"$HOSTILE\" bash -c \"$SCRIPT\"",
    ];
    Child::spawn_env(
        tag,
        Some(ns),
        &argv,
        &[("HOSTILE", name), ("SCRIPT", &script)],
    )
}

fn up_bytes(p: &Value) -> u64 {
    p["up_bytes"].as_u64().unwrap_or(0)
}

#[test]
fn hostile_names_forge_nothing_and_keep_their_own_traffic() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(90));
    let pair = Pair::new("forge")?;
    let dev = pair.link.dev.clone();
    let gen = GenServer::in_peer("forge-gen", &pair, &["--timeout", "80"])?;
    // The victims: idle, root's and user 1's, named as the forgeries name them.
    let root = Child::spawn(
        "forge-root",
        None,
        &["bash", "-c", "exec -a /usr/sbin/victimd sleep 120"],
    )?;
    let user = Child::spawn(
        "forge-user",
        None,
        &[
            "setpriv",
            "--reuid=1",
            "--regid=1",
            "--clear-groups",
            "--",
            "bash",
            "-c",
            "exec -a /usr/bin/victim-user sleep 120",
        ],
    )?;
    let victims = [root.pid(), user.pid(), NO_SUCH_PID];

    let home = Home::new("hogwatch-forge-")?;
    std::fs::create_dir_all(home.path().join("config/hogwatch"))?;
    std::fs::write(home.path().join("config/hogwatch/config.toml"), CONFIG)?;
    let port = free_port()?;
    let argv = hog_argv(
        &[],
        HOGWATCH,
        &home,
        &[
            "server",
            &port.to_string(),
            "--elevate",
            "none",
            "--interval",
            "1",
            "--devices",
            &dev,
        ],
    );
    let mut server = Child::spawn("forge-server", Some(pair.h.name()), &refs(&argv))?;
    let (_, token) = printed_dashboard(&server, deadline.cap(Duration::from_secs(20)))?;
    let h = pair.h.name().to_owned();
    let api = |target: &str| -> Result<String> {
        in_netns(&h, || get(port, &token, target).map(|r| r.body))?
    };

    let to = gen.addr();
    let mut hostiles = Vec::new();
    for (tag, name) in hostile_names(root.pid(), user.pid()) {
        let child = hostile(&format!("forge-{tag}"), pair.h.name(), &name, &to)?;
        hostiles.push((tag, child));
    }
    let hostile_pids: Vec<u64> = hostiles.iter().map(|(_, c)| u64::from(c.pid())).collect();

    // Every hostile program shows up with all it sent, attributed to itself; no snapshot
    // on the way lists a victim.
    let last = std::cell::RefCell::new(Value::Null);
    let forged = std::cell::RefCell::new(None);
    let settled = wait_until(
        "each hostile program's traffic attributed to it",
        deadline.cap(Duration::from_secs(40)),
        || {
            let s: Value = serde_json::from_str(&api("/api/snapshot").ok()?).ok()?;
            last.replace(s.clone());
            let procs = s["processes"].as_array()?;
            if let Some(p) = procs.iter().find(|p| {
                let pid = p["pid"].as_u64().unwrap_or(0);
                victims.iter().any(|v| u64::from(*v) == pid)
            }) {
                forged.replace(Some(p.clone()));
                return Some(());
            }
            hostile_pids
                .iter()
                .all(|pid| {
                    procs
                        .iter()
                        .any(|p| p["pid"].as_u64() == Some(*pid) && up_bytes(p) >= ATTRIBUTED)
                })
                .then_some(())
        },
    );
    if let Some(p) = forged.borrow().as_ref() {
        return Err(err(format!("a forged record reached the snapshot: {p}")));
    }
    if let Err(e) = settled {
        return Err(err(format!(
            "{}; last snapshot: {}; server stderr:\n{}",
            e.0,
            last.borrow(),
            server.stderr_text()
        )));
    }
    // A few more refreshes, for any forgery to have its chance.
    let at = last.borrow()["ts"].as_u64().unwrap_or(0);
    wait_until(
        "three more refreshes",
        deadline.cap(Duration::from_secs(10)),
        || {
            let s: Value = serde_json::from_str(&api("/api/snapshot").ok()?).ok()?;
            let ts = s["ts"].as_u64()?;
            last.replace(s);
            (ts >= at + 3000).then_some(())
        },
    )?;
    let snapshot = last.borrow().clone();
    let procs = snapshot["processes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for p in &procs {
        let pid = p["pid"].as_u64().unwrap_or(0);
        if victims.iter().any(|v| u64::from(*v) == pid) {
            return Err(err(format!("a forged process is listed: {p}")));
        }
    }
    for (tag, c) in &hostiles {
        let p = procs
            .iter()
            .find(|p| p["pid"].as_u64() == Some(u64::from(c.pid())))
            .ok_or_else(|| err(format!("{tag}: missing")))?;
        if p["uid"].as_u64() != Some(65534) {
            return Err(err(format!("{tag}: wrong uid in {p}")));
        }
        let name = p["name"].as_str().unwrap_or("");
        if name.len() > hogwatch::text::MAX_NAME {
            return Err(err(format!(
                "{tag}: a name of {} bytes is kept",
                name.len()
            )));
        }
    }
    let device = snapshot["devices"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["name"] == dev.as_str()))
        .ok_or_else(|| err("the device is not in the snapshot"))?;
    let credited: u64 = procs.iter().map(up_bytes).sum();
    if credited > up_bytes(device) {
        return Err(err(format!(
            "processes were credited {credited} B sent, the device sent {}",
            up_bytes(device)
        )));
    }
    let forged_words = ["victim", "ghost", "sleep"];
    let metrics = api("/metrics")?;
    if let Some(l) = metrics
        .lines()
        .find(|l| forged_words.iter().any(|w| l.contains(w)))
    {
        return Err(err(format!("/metrics has a forged series: {l}")));
    }
    let alerts = api("/api/alerts")?;
    let alerts: Value = serde_json::from_str(&alerts).map_err(|e| err(e.to_string()))?;
    if alerts.to_string().contains("Forged") {
        return Err(err(format!("a forged rate fired an alert: {alerts}")));
    }

    // History: stop the server (it writes what it holds), then read every app it kept.
    server.stop();
    let argv = hog_argv(
        &[],
        HOGWATCH,
        &home,
        &["history", "--range", "all", "--format", "json"],
    );
    let mut history = Child::spawn("forge-history", None, &refs(&argv))?;
    history.wait_success(deadline.cap(Duration::from_secs(20)))?;
    let mut out = String::new();
    while let Some(l) = history.lines().next_line(Duration::from_secs(2))? {
        out.push_str(&l);
    }
    if forged_words.iter().any(|w| out.contains(w)) {
        return Err(err(format!("the history kept a forged app: {out}")));
    }
    Ok(())
}
