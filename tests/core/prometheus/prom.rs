//! The shipped Prometheus files, a configuration made from them for a test, and a real
//! `prometheus` process in a network namespace, asked through its HTTP API (`/api/v1/…`),
//! with a real Alertmanager it sends its alerts to. The processes are stopped by pid
//! when dropped, also when a test fails.

use crate::support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::netns::in_netns;
use support::{err, wait_until, Child, Result};

/// `packaging/<rel>` in the source tree.
pub fn packaging(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("packaging")
        .join(rel)
}

pub fn read_packaging(rel: &str) -> Result<String> {
    let p = packaging(rel);
    std::fs::read_to_string(&p).map_err(|e| err(format!("{}: {e}", p.display())))
}

/// `text` with `from` replaced by `to`, which must be there: the test follows the shipped
/// file's structure, so a change to it shows here rather than as a silently odd config.
fn replace(text: &str, from: &str, to: &str) -> Result<String> {
    if !text.contains(from) {
        return Err(err(format!("the shipped file no longer has {from:?}")));
    }
    Ok(text.replace(from, to))
}

/// What a configuration made from the shipped scrape job points at.
pub struct Setup<'a> {
    /// Scrape and rule evaluation interval ("1s" in the fleet test).
    pub interval: &'a str,
    pub rules: &'a Path,
    pub token: &'a Path,
    /// `host:port` of each hogwatch.
    pub targets: &'a [String],
}

/// The shipped `scrape.yml` with its intervals, rule file, token file and targets
/// replaced by `s`'s; all else (the job, bearer auth, the host label) as shipped.
pub fn config_from_shipped(s: &Setup<'_>) -> Result<String> {
    let text = read_packaging("prometheus/scrape.yml")?;
    let text = replace(
        &text,
        "scrape_interval: 15s",
        &format!("scrape_interval: {}", s.interval),
    )?;
    let text = replace(
        &text,
        "evaluation_interval: 15s",
        &format!("evaluation_interval: {}", s.interval),
    )?;
    let text = replace(
        &text,
        "/usr/share/hogwatch/prometheus/hogwatch.rules.yml",
        &s.rules.display().to_string(),
    )?;
    let text = replace(
        &text,
        "/etc/prometheus/hogwatch.token",
        &s.token.display().to_string(),
    )?;
    let targets: String = s
        .targets
        .iter()
        .map(|t| format!("          - {t}\n"))
        .collect();
    replace(
        &text,
        "          - laptop-1.example.lan:9736\n          - desktop-2.example.lan:9736\n",
        &targets,
    )
}

/// `promtool ARGS…` (bounded); Ok(stdout and stderr) when it exits 0.
pub fn promtool(args: &[&str], dir: &Path) -> Result<String> {
    let out = std::process::Command::new("/usr/bin/timeout")
        .args(["-k", "2", "60", "promtool"])
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| err(format!("promtool (Debian package prometheus): {e}")))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(err(format!(
            "promtool {} failed ({}):\n{text}",
            args.join(" "),
            out.status
        )));
    }
    Ok(text)
}

/// `s` percent-encoded for a query string (RFC 3986 unreserved characters kept).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET target` from 127.0.0.1:`port` in network namespace `ns`, over HTTP/1.0 (so the
/// answer is never chunked).
fn get_in(ns: &str, port: u16, target: &str) -> Result<support::dashboard::Response> {
    in_netns(ns, || {
        support::dashboard::request(
            port,
            &format!("GET {target} HTTP/1.0\r\nHost: 127.0.0.1:{port}"),
            b"",
        )
    })?
}

/// Waits until `child`, listening on `port` in `ns`, answers `/-/ready` with 200.
fn wait_ready(child: &mut Child, ns: &str, port: u16) -> Result<()> {
    let tag = child.tag().to_owned();
    let ready = wait_until(
        &format!("{tag} to be ready"),
        Duration::from_secs(20),
        || {
            if let Some(st) = child.try_status() {
                return Some(Err(err(format!(
                    "{tag} exited ({st}):\n{}",
                    child.stderr_text()
                ))));
            }
            let r = get_in(ns, port, "/-/ready").ok()?;
            (r.status == 200).then_some(Ok(()))
        },
    );
    ready?
}

/// Port of the Alertmanager in the test's namespace.
pub const ALERTMANAGER_PORT: u16 = 9093;

/// `alerting:` for a Prometheus configuration: to the Alertmanager below.
pub fn alerting_config() -> String {
    format!(
        "\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: \
         ['127.0.0.1:{ALERTMANAGER_PORT}']\n"
    )
}

/// Debian's Alertmanager (`prometheus-alertmanager`) on 127.0.0.1:9093 of `ns`, one
/// receiver that sends nowhere (what arrives is read back through its API), no cluster.
pub struct Alertmanager {
    pub child: Child,
    pub ns: String,
}

impl Alertmanager {
    pub fn start(ns: &str, dir: &Path) -> Result<Alertmanager> {
        let file = dir.join("alertmanager.yml");
        std::fs::write(
            &file,
            "route:\n  receiver: test\n  group_wait: 0s\n  group_interval: 1s\n  \
             repeat_interval: 1h\nreceivers:\n  - name: test\n",
        )?;
        let args = [
            "prometheus-alertmanager".to_owned(),
            format!("--config.file={}", file.display()),
            format!("--storage.path={}", dir.join("alertmanager").display()),
            format!("--web.listen-address=127.0.0.1:{ALERTMANAGER_PORT}"),
            "--cluster.listen-address=".to_owned(),
            "--log.level=warn".to_owned(),
        ];
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = Child::spawn("alertmanager", Some(ns), &argv)?;
        wait_ready(&mut child, ns, ALERTMANAGER_PORT)?;
        Ok(Alertmanager {
            child,
            ns: ns.to_owned(),
        })
    }

    /// `/api/v2/alerts`: the alerts it holds.
    pub fn alerts(&self) -> Result<Vec<Value>> {
        let r = get_in(&self.ns, ALERTMANAGER_PORT, "/api/v2/alerts")?;
        let v: Value = serde_json::from_str(&r.body)
            .map_err(|e| err(format!("alertmanager: {} {e}: {}", r.status, r.body)))?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }
}

/// A `prometheus` server listening on 127.0.0.1:9090 of network namespace `ns`, with its
/// data in a temporary folder.
pub struct Prometheus {
    pub child: Child,
    pub ns: String,
    pub port: u16,
}

impl Prometheus {
    /// Starts it with `config` (written into `dir`) and waits until it is ready.
    pub fn start(ns: &str, dir: &Path, config: &str) -> Result<Prometheus> {
        let file = dir.join("prometheus.yml");
        std::fs::write(&file, config)?;
        let data = dir.join("data");
        let port = 9090;
        let args = [
            "prometheus".to_owned(),
            format!("--config.file={}", file.display()),
            format!("--storage.tsdb.path={}", data.display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--storage.tsdb.retention.time=1h".to_owned(),
            "--log.level=warn".to_owned(),
        ];
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = Child::spawn("prometheus", Some(ns), &argv)?;
        wait_ready(&mut child, ns, port)?;
        Ok(Prometheus {
            child,
            ns: ns.to_owned(),
            port,
        })
    }

    pub fn get(&self, target: &str) -> Result<support::dashboard::Response> {
        get_in(&self.ns, self.port, target)
    }

    /// The `data` of a successful API answer at `target`.
    fn api(&self, target: &str) -> Result<Value> {
        let r = self.get(target)?;
        let v: Value = serde_json::from_str(&r.body)
            .map_err(|e| err(format!("GET {target}: {} {e}: {}", r.status, r.body)))?;
        if v["status"] != "success" {
            return Err(err(format!("GET {target}: {} {}", r.status, r.body)));
        }
        Ok(v["data"].clone())
    }

    /// The instant vector `expr` evaluates to now: each element's labels and value.
    pub fn query(&self, expr: &str) -> Result<Vec<(Value, f64)>> {
        let data = self.api(&format!("/api/v1/query?query={}", encode(expr)))?;
        let rows = data["result"].as_array().cloned().unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| {
                let v = r["value"][1]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(f64::NAN);
                (r["metric"].clone(), v)
            })
            .collect())
    }

    /// `/api/v1/alerts`: every pending and firing alert.
    pub fn alerts(&self) -> Result<Vec<Value>> {
        let data = self.api("/api/v1/alerts")?;
        Ok(data["alerts"].as_array().cloned().unwrap_or_default())
    }

    /// `/api/v1/targets`, for messages: each target's health and last error.
    pub fn targets(&self) -> String {
        self.api("/api/v1/targets")
            .map(|d| {
                d["activeTargets"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|t| {
                                format!("{} {} {}", t["scrapeUrl"], t["health"], t["lastError"])
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_else(|e| e.0)
    }
}
