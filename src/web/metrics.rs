//! `GET /metrics` in the Prometheus text format (version 0.0.4), so an existing Prometheus
//! can scrape a fleet. Counters are bytes since hogwatch started, per device, per app and
//! unattributed, kept monotonic across process exits and idle eviction (what each refresh
//! moved is added up, as for today's totals). Cardinality is bounded: the first
//! `TOP_APPS` apps to be among the busiest get their own series and keep it; every other
//! app's bytes go to `app="other"`. Pure.

use crate::model::{Mode, Refresh, Totals};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Apps with their own series at most.
pub const TOP_APPS: usize = 20;

/// Follows refreshes and renders the metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Bytes since start: one never-ending period.
    totals: Totals,
    /// Apps with their own series: key → display name.
    exported: BTreeMap<String, String>,
    /// Bytes of the apps without a series of their own (up, down).
    other: (u64, u64),
    last_apps: HashMap<String, (u64, u64)>,
    /// From the latest snapshot: unattributed (up, down) bytes, total (up, down) rate,
    /// per-process data or not.
    unattributed: (u64, u64),
    rates: (f64, f64),
    per_process: bool,
}

/// A label value: `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn finite(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

impl Metrics {
    pub fn observe(&mut self, r: &Refresh) {
        let s = &r.snapshot;
        self.totals.add(&r.moved);
        // Every monitored device has its series from the first scrape on, moving or not.
        for d in &s.devices {
            self.totals.devices.entry(d.name.clone()).or_default();
        }
        let t = &self.totals;
        let names: HashMap<&str, &str> = r
            .moved
            .apps
            .iter()
            .map(|a| (a.app.as_str(), a.name.as_str()))
            .collect();
        // Fill free series slots with the busiest apps not yet exported.
        if self.exported.len() < TOP_APPS {
            let mut busiest: Vec<(&String, u64)> = t
                .apps
                .iter()
                .filter(|(k, _)| !self.exported.contains_key(*k))
                .map(|(k, v)| (k, v.0.saturating_add(v.1)))
                .collect();
            busiest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            for (k, _) in busiest.into_iter().take(TOP_APPS - self.exported.len()) {
                let name = names.get(k.as_str()).copied().unwrap_or(k.as_str());
                self.exported
                    .insert(k.clone(), crate::text::truncate(name, 60));
            }
        }
        for (k, v) in &t.apps {
            if self.exported.contains_key(k) {
                continue;
            }
            let prev = self.last_apps.get(k).copied().unwrap_or_default();
            self.other.0 = self.other.0.saturating_add(v.0.saturating_sub(prev.0));
            self.other.1 = self.other.1.saturating_add(v.1.saturating_sub(prev.1));
        }
        self.last_apps.clone_from(&t.apps);
        self.unattributed = (s.unattributed.up_bytes, s.unattributed.down_bytes);
        self.rates = (finite(s.total.up_rate), finite(s.total.down_rate));
        self.per_process = matches!(s.mode, Mode::PerProcess | Mode::Replay);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let t = &self.totals;
        let mut counter = |name: &str, help: &str, rows: Vec<(String, u64)>| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (labels, v) in rows {
                let _ = writeln!(out, "{name}{{{labels}}} {v}");
            }
        };
        let both = |labels: &str, (up, down): (u64, u64)| {
            vec![
                (format!("{labels}direction=\"up\""), up),
                (format!("{labels}direction=\"down\""), down),
            ]
        };
        let devices: BTreeMap<&String, &(u64, u64)> = t.devices.iter().collect();
        counter(
            "hogwatch_device_bytes_total",
            "Bytes sent (up) and received (down) on a network device since hogwatch started.",
            devices
                .into_iter()
                .flat_map(|(d, v)| both(&format!("device=\"{}\",", label(d)), *v))
                .collect(),
        );
        let mut apps: Vec<(String, u64)> = self
            .exported
            .iter()
            .flat_map(|(k, name)| {
                let v = t.apps.get(k).copied().unwrap_or_default();
                both(&format!("app=\"{}\",key=\"{}\",", label(name), label(k)), v)
            })
            .collect();
        apps.extend(both("app=\"other\",key=\"\",", self.other));
        counter(
            "hogwatch_app_bytes_total",
            "Bytes an app sent (up) and received (down) since hogwatch started; the busiest apps by name, the rest as app=\"other\".",
            apps,
        );
        let (un_up, un_down) = self.unattributed;
        let _ = writeln!(out, "# HELP hogwatch_unattributed_bytes Device bytes no process accounts for, since hogwatch started.");
        let _ = writeln!(out, "# TYPE hogwatch_unattributed_bytes gauge");
        let _ = writeln!(
            out,
            "hogwatch_unattributed_bytes{{direction=\"up\"}} {un_up}"
        );
        let _ = writeln!(
            out,
            "hogwatch_unattributed_bytes{{direction=\"down\"}} {un_down}"
        );
        let _ = writeln!(
            out,
            "# HELP hogwatch_rate_bytes_per_second Current total rate over all monitored devices."
        );
        let _ = writeln!(out, "# TYPE hogwatch_rate_bytes_per_second gauge");
        let (up, down) = self.rates;
        let _ = writeln!(
            out,
            "hogwatch_rate_bytes_per_second{{direction=\"up\"}} {up}"
        );
        let _ = writeln!(
            out,
            "hogwatch_rate_bytes_per_second{{direction=\"down\"}} {down}"
        );
        let per_process = self.per_process;
        let _ = writeln!(out, "# HELP hogwatch_per_process 1 when per-process data is collected, 0 in totals-only mode.");
        let _ = writeln!(out, "# TYPE hogwatch_per_process gauge");
        let _ = writeln!(out, "hogwatch_per_process {}", u8::from(per_process));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppMoved, DeviceMoved, Moved, Snapshot};

    /// A refresh that moved `apps` (name, bytes down) and `dev` bytes down on eth0.
    fn refresh(apps: &[(&str, u64)], dev: u64) -> Refresh {
        Refresh {
            snapshot: Snapshot::empty(Mode::PerProcess, ""),
            moved: Moved {
                apps: apps
                    .iter()
                    .map(|&(app, down)| AppMoved {
                        app: format!("/usr/bin/{app}"),
                        name: app.to_string(),
                        down,
                        ..AppMoved::default()
                    })
                    .collect(),
                devices: vec![DeviceMoved {
                    name: "eth0".into(),
                    up: 0,
                    down: dev,
                }],
                ..Moved::default()
            },
        }
    }

    fn value(text: &str, series: &str) -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse().ok())
    }

    #[test]
    fn counters_stay_monotonic_when_processes_leave() {
        let mut m = Metrics::default();
        // Two curl processes moved 100 and 50, then one of them 20 more.
        m.observe(&refresh(&[("curl", 150)], 200));
        m.observe(&refresh(&[("curl", 20)], 100));
        let text = m.render();
        assert_eq!(
            value(
                &text,
                r#"hogwatch_app_bytes_total{app="curl",key="/usr/bin/curl",direction="down"}"#
            ),
            Some(170)
        );
        assert_eq!(
            value(
                &text,
                r#"hogwatch_device_bytes_total{device="eth0",direction="down"}"#
            ),
            Some(300)
        );
        assert!(text.contains("# TYPE hogwatch_app_bytes_total counter"));
    }

    #[test]
    fn cardinality_is_bounded_and_the_rest_is_other() {
        let mut m = Metrics::default();
        let apps: Vec<(String, u64)> = (0..50).map(|i| (format!("app{i:02}"), 1000 + i)).collect();
        let refs: Vec<(&str, u64)> = apps.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        m.observe(&refresh(&refs, 0));
        let text = m.render();
        let series = text
            .lines()
            .filter(|l| l.starts_with("hogwatch_app_bytes_total{") && l.contains("\"down\""))
            .count();
        assert_eq!(series, TOP_APPS + 1);
        // The 20 busiest (app30..app49) have series; the other 30 sum up.
        assert!(text.contains("app=\"app49\""));
        assert!(!text.contains("app=\"app29\""));
        let other: u64 = (0..30).map(|i| 1000 + i).sum();
        assert_eq!(
            value(
                &text,
                r#"hogwatch_app_bytes_total{app="other",key="",direction="down"}"#
            ),
            Some(other)
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let mut m = Metrics::default();
        m.observe(&refresh(&[("we\"ird\\name\nx", 5)], 5));
        let text = m.render();
        // The display name is made printable (a control character becomes U+FFFD); the
        // key is kept as it is, escaped.
        assert!(
            text.contains("app=\"we\\\"ird\\\\name\u{fffd}x\""),
            "{text}"
        );
        assert!(
            text.contains(r#"key="/usr/bin/we\"ird\\name\nx""#),
            "{text}"
        );
        assert!(text.lines().all(|l| !l.is_empty()));
    }
}
