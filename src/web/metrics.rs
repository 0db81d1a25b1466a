//! `GET /metrics` in the Prometheus text format (version 0.0.4), so an existing Prometheus
//! can scrape a fleet. Counters are bytes since hogwatch started, per device, per app and
//! unattributed, kept monotonic across process exits and idle eviction (what each refresh
//! moved is added up, as for today's totals). Cardinality is bounded: the first
//! `TOP_APPS` apps to be among the busiest get their own series and keep it; every other
//! app's bytes go to `app="other"`. So is the state behind it: a counter per exported app
//! and one for "other" — nothing per app that has no series, however many apps come and
//! go (any local user can start thousands of uniquely named processes). Pure.

use crate::model::{Mode, Refresh, UpDown, OTHER_APPS};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Apps with their own series at most.
pub const TOP_APPS: usize = 20;

/// Follows refreshes and renders the metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Bytes since start per monitored device.
    devices: BTreeMap<String, UpDown>,
    /// Apps with their own series: key → (display name, bytes since start).
    exported: BTreeMap<String, (String, UpDown)>,
    /// Bytes of the apps without a series of their own (up, down).
    other: UpDown,
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

fn add(to: &mut UpDown, up: u64, down: u64) {
    *to = (to.0.saturating_add(up), to.1.saturating_add(down));
}

impl Metrics {
    pub fn observe(&mut self, r: &Refresh) {
        let s = &r.snapshot;
        for d in &r.moved.devices {
            add(
                self.devices.entry(d.name.clone()).or_default(),
                d.up,
                d.down,
            );
        }
        // Every monitored device has its series from the first scrape on, moving or not.
        for d in &s.devices {
            self.devices.entry(d.name.clone()).or_default();
        }
        // Fill free series slots with this refresh's busiest apps not yet exported. (Slots
        // are free only until TOP_APPS apps have moved bytes: an app not exported then
        // never was, so "other" holds all of its bytes and none is counted twice.)
        if self.exported.len() < TOP_APPS {
            let mut busiest: Vec<(&str, &str, u64)> = r
                .moved
                .apps
                .iter()
                .filter(|a| a.app != OTHER_APPS && !self.exported.contains_key(&a.app))
                .map(|a| (a.app.as_str(), a.name.as_str(), a.up.saturating_add(a.down)))
                .collect();
            busiest.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
            for (k, name, _) in busiest.into_iter().take(TOP_APPS - self.exported.len()) {
                self.exported.insert(
                    k.to_owned(),
                    (crate::text::truncate(name, 60), UpDown::default()),
                );
            }
        }
        for a in &r.moved.apps {
            match self.exported.get_mut(&a.app) {
                Some((_, v)) => add(v, a.up, a.down),
                None => add(&mut self.other, a.up, a.down),
            }
        }
        self.unattributed = (s.unattributed.up_bytes, s.unattributed.down_bytes);
        self.rates = (finite(s.total.up_rate), finite(s.total.down_rate));
        self.per_process = matches!(s.mode, Mode::PerProcess | Mode::Replay);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
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
        counter(
            "hogwatch_device_bytes_total",
            "Bytes sent (up) and received (down) on a network device since hogwatch started.",
            self.devices
                .iter()
                .flat_map(|(d, v)| both(&format!("device=\"{}\",", label(d)), *v))
                .collect(),
        );
        let mut apps: Vec<(String, u64)> = self
            .exported
            .iter()
            .flat_map(|(k, (name, v))| {
                both(
                    &format!("app=\"{}\",key=\"{}\",", label(name), label(k)),
                    *v,
                )
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
            gap_ms: 0,
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

    /// A flood of 5,000 uniquely named apps, 500 a refresh: 21 app series (20 and
    /// "other") whose sum is every byte the apps moved, and a state that holds no app
    /// without a series. (What the state holds shows in its `Debug` form: the flood's keys
    /// are counted there.)
    #[test]
    fn a_flood_of_apps_keeps_series_and_state_bounded() {
        let mut m = Metrics::default();
        let mut all = 0u64;
        for r in 0..10u64 {
            let apps: Vec<(String, u64)> = (0..500)
                .map(|i| (format!("flood-{r}-{i}"), 1 + (r * 500 + i) % 97))
                .collect();
            all += apps.iter().map(|a| a.1).sum::<u64>();
            let refs: Vec<(&str, u64)> = apps.iter().map(|(n, b)| (n.as_str(), *b)).collect();
            m.observe(&refresh(&refs, 0));
        }
        let text = m.render();
        let series: Vec<u64> = text
            .lines()
            .filter(|l| l.starts_with("hogwatch_app_bytes_total{") && l.contains("\"down\""))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse().ok())
            .collect();
        assert_eq!(series.len(), TOP_APPS + 1);
        assert_eq!(
            series.iter().sum::<u64>(),
            all,
            "named series + other = all"
        );
        let held = format!("{m:?}").matches("/usr/bin/flood-").count();
        assert!(
            held <= TOP_APPS,
            "the metrics' state holds {held} keys of flood apps; only the {TOP_APPS} with a \
             series should be kept"
        );
    }
}
