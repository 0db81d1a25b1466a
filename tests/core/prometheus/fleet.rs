//! A fleet of two: two network namespaces stand for two hosts, each with a real `hogwatch
//! server` (real nethogs on the host's device, listening on a link-local address with
//! `--insecure-http`) and two known paced uploads by two apps (copies of python under
//! names of their own). A real `prometheus`, in a third namespace linked to both, scrapes
//! them every second with the shipped scrape job (bearer token, the host label) and the
//! shipped rules. Through its HTTP API:
//!
//! * each host's busiest app is its faster upload, at its pace within 10%, and its user
//!   (root) at the sum of both paces;
//! * every panel query of the shipped Grafana dashboard returns data for each host;
//! * hogwatch stopped on one host: `HogwatchDown` (its `for:` cut to 2 s) fires for it,
//!   and for it only, and reaches a real Alertmanager.
//!
//! Meanwhile headless Chromium takes the docs' fleet screenshot: Prometheus' graph page
//! with each host's apps. The scrapes go over a device hogwatch does not monitor, so the
//! only traffic counted is the uploads. Every process is stopped by pid (`Child`), also on
//! failure; the namespaces go last.

use super::prom::{
    alerting_config, config_from_shipped, promtool, read_packaging, Alertmanager, Prometheus, Setup,
};
use super::shipped::panel_queries;
use crate::support;

use serde_json::Value;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};
use support::cli::{hog_argv, refs};
use support::home::Home;
use support::netns::{veth_pair, Pair, VethLink};
use support::screenshots::keep_in_docs;
use support::tray_app::HOGWATCH;
use support::{
    copy_python_to, err, require_root_and_nethogs, tcpgen_path, wait_until, Child, Deadline,
    GenServer, Netns, Result,
};

const BUDGET: Duration = Duration::from_secs(90);
/// The port of the system service (`hogwatch service`), as in the shipped scrape job.
const PORT: &str = "9736";
/// The window of the rates checked: every sample in it taken while the uploads ran.
const WINDOW_S: u64 = 20;

/// One host: its namespace (with the monitored device toward its peer) and the link to
/// Prometheus' namespace.
struct Host {
    name: &'static str,
    pair: Pair,
    to_prom: VethLink,
    /// (app name, bytes per second) of its two uploads, busiest first.
    uploads: [(&'static str, u64); 2],
}

impl Host {
    /// The `host` label Prometheus gives it: its address without the port.
    fn label(&self) -> String {
        self.to_prom.ip.to_string()
    }
}

/// A token of the kind hogwatch makes (32 random bytes in hex).
fn new_token() -> Result<String> {
    let mut buf = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes `token` where hogwatch keeps it for `home` (0600): one token for the fleet, as
/// docs/prometheus.md describes for one scrape job.
fn give_token(home: &Home, token: &str) -> Result<()> {
    let dir = home.path().join("config/hogwatch");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("token");
    std::fs::write(&file, format!("{token}\n"))?;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

/// An upload of `rate` bytes/s from a copy of python named `app`, in `ns`, to `to`.
fn upload(bin: &Path, app: &str, ns: &str, to: &str, rate: u64) -> Result<Child> {
    let exe = bin.join(app);
    if !exe.exists() {
        copy_python_to(&exe)?;
    }
    let exe = exe.display().to_string();
    let script = tcpgen_path().display().to_string();
    let payload = (rate * 80).to_string();
    let rate = rate.to_string();
    let argv = [
        exe.as_str(),
        script.as_str(),
        "tcp-client",
        "--connect",
        to,
        "--send-bytes",
        &payload,
        "--rate",
        &rate,
        "--timeout",
        "85",
    ];
    Child::spawn(app, Some(ns), &argv)
}

/// The first value of `expr` whose `label` is `value`.
fn value_for(rows: &[(Value, f64)], label: &str, value: &str) -> Option<f64> {
    rows.iter()
        .find(|(m, _)| m[label] == value)
        .map(|(_, v)| *v)
}

#[test]
fn prometheus_scrapes_two_hosts_finds_their_busiest_apps_and_fires_an_alert() -> Result<()> {
    require_root_and_nethogs();
    let started = Instant::now();
    let deadline = Deadline::after(BUDGET);
    let work = tempfile::Builder::new()
        .prefix("hogwatch-fleet-")
        .tempdir()?;

    // The network: Prometheus' namespace linked to each host's; each host's device toward
    // its peer carries the uploads (and is all hogwatch monitors).
    let prom_ns = Netns::new("prom")?;
    let mut hosts = Vec::new();
    for (name, uploads) in [
        ("a", [("fleet-a-big", 400_000), ("fleet-a-small", 80_000)]),
        ("b", [("fleet-b-big", 250_000), ("fleet-b-small", 50_000)]),
    ] {
        let mut pair = Pair::new(&format!("fleet{name}"))?;
        let (here, there) = (pair.h.dev_name("m")?, pair.h.dev_name("q")?);
        let to_prom = veth_pair(&mut pair.h, &here, &prom_ns, &there)?;
        hosts.push(Host {
            name,
            pair,
            to_prom,
            uploads,
        });
    }

    // One token for the fleet; each host its own HOME.
    let token = new_token()?;
    let token_file = work.path().join("token");
    std::fs::write(&token_file, &token)?;
    let bin = work.path().join("bin");
    // Processes drop (are stopped) before the namespaces and HOMEs declared above them.
    let mut homes = Vec::new();
    for h in &hosts {
        let home = Home::new(&format!("hogwatch-fleet-{}-", h.name))?;
        give_token(&home, &token)?;
        homes.push(home);
    }
    let mut gens = Vec::new();
    let mut hogs = Vec::new();
    let mut clients = Vec::new();
    for (h, home) in hosts.iter().zip(&homes) {
        let bind = h.label();
        let argv = hog_argv(
            &[],
            HOGWATCH,
            home,
            &[
                "server",
                PORT,
                "--bind",
                &bind,
                "--insecure-http",
                "--elevate",
                "none",
                "--interval",
                "1",
                "--devices",
                &h.pair.link.dev,
                "--no-history",
            ],
        );
        hogs.push(Child::spawn(
            &format!("fleet-hog-{}", h.name),
            Some(h.pair.h.name()),
            &refs(&argv),
        )?);
        let gen = GenServer::in_peer(
            &format!("fleet-gen-{}", h.name),
            &h.pair,
            &["--timeout", "88"],
        )?;
        for (app, rate) in h.uploads {
            clients.push(upload(&bin, app, h.pair.h.name(), &gen.addr(), rate)?);
        }
        gens.push(gen);
    }

    // Prometheus with the shipped job and rules; HogwatchDown's `for:` cut to 2 s.
    let rules = read_packaging("prometheus/hogwatch.rules.yml")?;
    let down = "expr: up{job=\"hogwatch\"} == 0\n        for: 5m";
    if !rules.contains(down) {
        return Err(err(
            "the shipped rules changed: HogwatchDown is not as expected",
        ));
    }
    let rules = rules.replace(down, "expr: up{job=\"hogwatch\"} == 0\n        for: 2s");
    let rules_file = work.path().join("hogwatch.rules.yml");
    std::fs::write(&rules_file, rules)?;
    let targets: Vec<String> = hosts
        .iter()
        .map(|h| format!("{}:{PORT}", h.label()))
        .collect();
    let mut config = config_from_shipped(&Setup {
        interval: "1s",
        rules: &rules_file,
        token: &token_file,
        targets: &targets,
    })?;
    config.push_str(&alerting_config());
    let alertmanager = Alertmanager::start(prom_ns.name(), work.path())?;
    let prom = Prometheus::start(prom_ns.name(), work.path(), &config)?;
    let checked = promtool(&["check", "config", "prometheus.yml"], work.path())?;
    assert!(checked.contains("SUCCESS"), "{checked}");

    // Both hosts scraped, and each host's uploads flowing for the whole window: every
    // sample of the window there, the busy app's counter above zero at its start.
    let steady = wait_until(
        "both hosts scraped with the uploads running for the whole window",
        deadline.cap(Duration::from_secs(60)),
        || {
            let q = format!(
                "min by (host) (min_over_time(hogwatch_app_bytes_total{{direction=\"up\", \
                 app=~\"fleet-.-big\"}}[{}s])) > 0 and on (host) min by (host) \
                 (count_over_time(hogwatch_app_bytes_total{{direction=\"up\", \
                 app=~\"fleet-.-big\"}}[{}s])) >= {}",
                WINDOW_S + 2,
                WINDOW_S + 2,
                WINDOW_S
            );
            let rows = prom.query(&q).ok()?;
            hosts
                .iter()
                .all(|h| value_for(&rows, "host", &h.label()).is_some())
                .then_some(())
        },
    );
    if let Err(e) = steady {
        let metrics = prom
            .query("hogwatch_app_bytes_total{direction=\"up\"}")
            .map(|r| format!("{r:?}"))
            .unwrap_or_else(|e| e.0);
        return Err(err(format!(
            "{}; targets: {}; app series: {metrics}; prometheus' stderr:\n{}",
            e.0,
            prom.targets(),
            prom.child.stderr_text()
        )));
    }

    // Each host's busiest app, and its rate against the pace.
    let busiest = prom.query(&format!(
        "topk by (host) (1, sum by (host, app) (rate(hogwatch_app_bytes_total{{direction=\"up\", \
         app!=\"other\"}}[{WINDOW_S}s])))"
    ))?;
    for h in &hosts {
        let row = busiest
            .iter()
            .find(|(m, _)| m["host"] == h.label().as_str())
            .ok_or_else(|| err(format!("no busiest app for host {}: {busiest:?}", h.name)))?;
        let (app, truth) = h.uploads[0];
        let off = (row.1 - truth as f64) / truth as f64 * 100.0;
        eprintln!(
            "[fleet] host {} ({}): busiest app {} at {:.0} B/s, truth {truth} B/s ({off:+.1}%)",
            h.name,
            h.label(),
            row.0["app"],
            row.1
        );
        assert_eq!(row.0["app"], app, "host {}'s busiest app", h.name);
        assert!(
            off.abs() <= 10.0,
            "host {}: {app} at {:.0} B/s against a pace of {truth} ({off:+.1}%)",
            h.name,
            row.1
        );
    }
    // Per user: both uploads run as root, so root's rate is their sum.
    let users = prom.query(&format!(
        "sum by (host, user) (rate(hogwatch_user_bytes_total{{direction=\"up\", \
         user!=\"other\"}}[{WINDOW_S}s]))"
    ))?;
    for h in &hosts {
        let truth = (h.uploads[0].1 + h.uploads[1].1) as f64;
        let root = users
            .iter()
            .find(|(m, _)| m["host"] == h.label().as_str() && m["user"] == "root")
            .map(|(_, v)| *v)
            .ok_or_else(|| err(format!("no user root on host {}: {users:?}", h.name)))?;
        let off = (root - truth) / truth * 100.0;
        eprintln!(
            "[fleet] host {}: user root at {root:.0} B/s, truth {truth:.0} B/s ({off:+.1}%)",
            h.name
        );
        assert!(
            off.abs() <= 10.0,
            "host {}: root at {root:.0} B/s ({off:+.1}%)",
            h.name
        );
    }
    // Backend and mode as the fleet sees them.
    let backends = prom.query("hogwatch_backend_info{backend=\"nethogs\"} == 1")?;
    let per_process = prom.query("hogwatch_per_process == 1")?;
    for h in &hosts {
        assert!(
            value_for(&backends, "host", &h.label()).is_some(),
            "{backends:?}"
        );
        assert!(
            value_for(&per_process, "host", &h.label()).is_some(),
            "{per_process:?}"
        );
    }

    // Every panel query of the dashboard, for each host.
    let dash: Value = serde_json::from_str(&read_packaging("grafana/hogwatch-fleet.json")?)?;
    let queries = panel_queries(&dash);
    let mut empty = Vec::new();
    for h in &hosts {
        for (title, expr) in &queries {
            let q = expr
                .replace("$host", &h.label())
                .replace("$__rate_interval", &format!("{WINDOW_S}s"));
            match prom.query(&q) {
                Ok(rows) if !rows.is_empty() => {}
                Ok(_) => empty.push(format!("{title} (host {}): no data from {q}", h.name)),
                Err(e) => empty.push(format!("{title} (host {}): {e}", h.name)),
            }
        }
    }
    assert!(
        empty.is_empty(),
        "panel queries without data:\n{}",
        empty.join("\n")
    );
    eprintln!(
        "[fleet] {} panel queries × {} hosts returned data",
        queries.len(),
        hosts.len()
    );

    screenshot(&prom, &hosts, work.path(), deadline)?;

    // Host b's hogwatch stops: HogwatchDown fires for b, and for b only.
    let b = &hosts[1];
    hogs[1].stop();
    let fired = wait_until(
        "HogwatchDown firing for host b",
        deadline.cap(Duration::from_secs(30)),
        || {
            let alerts = prom.alerts().ok()?;
            let down: Vec<&Value> = alerts
                .iter()
                .filter(|a| a["labels"]["alertname"] == "HogwatchDown")
                .collect();
            down.iter()
                .any(|a| a["state"] == "firing" && a["labels"]["host"] == b.label().as_str())
                .then(|| down.iter().map(|a| (*a).clone()).collect::<Vec<Value>>())
        },
    )?;
    assert!(
        fired
            .iter()
            .all(|a| a["labels"]["host"] == b.label().as_str()),
        "HogwatchDown for another host: {fired:?}"
    );
    assert!(hogs[0].try_status().is_none(), "host a's hogwatch runs on");
    // Prometheus sent it on: the Alertmanager holds it, active.
    wait_until(
        "HogwatchDown for host b in the Alertmanager",
        deadline.cap(Duration::from_secs(20)),
        || {
            let alerts = alertmanager.alerts().ok()?;
            alerts
                .iter()
                .any(|a| {
                    a["labels"]["alertname"] == "HogwatchDown"
                        && a["labels"]["host"] == b.label().as_str()
                        && a["status"]["state"] == "active"
                })
                .then_some(())
        },
    )
    .map_err(|e| {
        err(format!(
            "{}; the alertmanager's stderr:\n{}",
            e.0,
            alertmanager.child.stderr_text()
        ))
    })?;
    eprintln!(
        "[fleet] HogwatchDown firing for host b in Prometheus and in the Alertmanager; \
         whole test {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(clients);
    drop(prom);
    drop(alertmanager);
    drop(hogs);
    drop(gens);
    Ok(())
}

/// docs/fleet.png: Prometheus' graph page in headless Chromium (in Prometheus' namespace)
/// with each host's apps; its labels are the query and the busiest app of each host.
fn screenshot(prom: &Prometheus, hosts: &[Host], dir: &Path, deadline: Deadline) -> Result<()> {
    // A short rate window: the lines reach each pace within seconds of the start.
    let expr = "sum by (host, app) (rate(hogwatch_app_bytes_total{app!=\"other\"}[5s]))".to_owned();
    let url = format!(
        "http://127.0.0.1:{}/graph?g0.expr={}&g0.tab=0&g0.range_input=1m&g0.stacked=0&g0.show_exemplars=0",
        prom.port,
        super::prom::encode(&expr)
    );
    let png = dir.join("fleet.png");
    let shot = format!("--screenshot={}", png.display());
    let profile = format!("--user-data-dir={}", dir.join("chromium").display());
    let argv = [
        "ip",
        "netns",
        "exec",
        prom.ns.as_str(),
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1280,860",
        "--virtual-time-budget=10000",
        profile.as_str(),
        shot.as_str(),
        url.as_str(),
    ];
    let out = support::run(&argv, deadline.cap(Duration::from_secs(60)))?;
    let bytes = std::fs::read(&png).map_err(|e| {
        err(format!(
            "chromium wrote no screenshot ({e}; {}):\n{}",
            out.status, out.stderr
        ))
    })?;
    let mut labels = vec![expr];
    labels.extend(
        hosts
            .iter()
            .map(|h| format!("busiest on host {}: {}", h.name, h.uploads[0].0)),
    );
    keep_in_docs("fleet.png", &bytes, "fleet.labels", &labels)
}
