//! The exposition text of `Metrics`: HELP and TYPE lines, then the samples; label values
//! escaped (names are untrusted text) and bounded (`slots`).

use super::slots::Slots;
use super::Metrics;
use crate::model::{Mode, UpDown};
use std::fmt::Write as _;

/// A label value: `\`, `"` and newlines escaped.
pub fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The text, one family at a time.
struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    /// A sample; `labels` is `a="x",b="y",` (already escaped) or empty.
    fn sample(&mut self, name: &str, labels: &str, v: impl std::fmt::Display) {
        let labels = labels.trim_end_matches(',');
        if labels.is_empty() {
            let _ = writeln!(self.0, "{name} {v}");
        } else {
            let _ = writeln!(self.0, "{name}{{{labels}}} {v}");
        }
    }

    fn up_down(&mut self, name: &str, labels: &str, (up, down): UpDown) {
        self.sample(name, &format!("{labels}direction=\"up\","), up);
        self.sample(name, &format!("{labels}direction=\"down\","), down);
    }

    /// The series of `slots` labelled `name_label` and `key_label`, then "other".
    fn slots(&mut self, name: &str, slots: &Slots, name_label: &str, key_label: &str) {
        for (key, shown, v) in slots.series() {
            let labels = format!(
                "{name_label}=\"{}\",{key_label}=\"{}\",",
                label(shown),
                label(&key)
            );
            self.up_down(name, &labels, v);
        }
        let other = format!("{name_label}=\"other\",{key_label}=\"\",");
        self.up_down(name, &other, slots.other());
    }
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::PerProcess => "per-process",
        Mode::TotalsOnly => "totals-only",
        Mode::Replay => "replay",
        Mode::Starting => "starting",
    }
}

impl Metrics {
    /// The exposition text.
    pub fn render(&self) -> String {
        let mut o = Out(String::new());
        o.family(
            "hogwatch_device_bytes_total",
            "counter",
            "Bytes sent (up) and received (down) on a network device since hogwatch started.",
        );
        for (d, v) in &self.devices {
            o.up_down(
                "hogwatch_device_bytes_total",
                &format!("device=\"{}\",", label(d)),
                *v,
            );
        }
        o.family(
            "hogwatch_app_bytes_total",
            "counter",
            "Bytes an app sent (up) and received (down) since hogwatch started; the busiest apps by name, the rest as app=\"other\".",
        );
        o.slots("hogwatch_app_bytes_total", &self.apps, "app", "key");
        o.family(
            "hogwatch_user_bytes_total",
            "counter",
            "Bytes the processes of a user sent (up) and received (down) since hogwatch started; the busiest users, the rest as user=\"other\".",
        );
        o.slots("hogwatch_user_bytes_total", &self.users, "user", "uid");
        o.family(
            "hogwatch_unattributed_bytes",
            "gauge",
            "Device bytes no process accounts for, since hogwatch started (a gauge: it shrinks when a backend attributes bytes a moment late).",
        );
        o.up_down("hogwatch_unattributed_bytes", "", self.unattributed);
        o.family(
            "hogwatch_rate_bytes_per_second",
            "gauge",
            "Current total rate over all monitored devices.",
        );
        let (up, down) = self.rates;
        o.sample("hogwatch_rate_bytes_per_second", "direction=\"up\"", up);
        o.sample("hogwatch_rate_bytes_per_second", "direction=\"down\"", down);
        o.family(
            "hogwatch_per_process",
            "gauge",
            "1 when per-process data is collected, 0 in totals-only mode.",
        );
        let per_process = matches!(self.mode, Mode::PerProcess | Mode::Replay);
        o.sample("hogwatch_per_process", "", u8::from(per_process));
        o.family(
            "hogwatch_mode",
            "gauge",
            "1 for the collector's mode: per-process, totals-only, replay or starting.",
        );
        o.sample(
            "hogwatch_mode",
            &format!("mode=\"{}\"", mode_name(self.mode)),
            1,
        );
        let h = &self.health;
        if !h.backend.is_empty() {
            o.family(
                "hogwatch_backend_info",
                "gauge",
                "1 for the collection backend in use: nethogs, ebpf or replay.",
            );
            let backend = crate::text::truncate(&h.backend, super::slots::MAX_LABEL);
            o.sample(
                "hogwatch_backend_info",
                &format!("backend=\"{}\"", label(&backend)),
                1,
            );
        }
        o.family(
            "hogwatch_helper_starts_total",
            "counter",
            "Privileged helpers started (the first one and every restart) since hogwatch started.",
        );
        o.sample("hogwatch_helper_starts_total", "", h.helper_starts);
        o.family(
            "hogwatch_helper_dropped_lines_total",
            "counter",
            "Lines of the helper's output that could not be parsed and were dropped.",
        );
        o.sample("hogwatch_helper_dropped_lines_total", "", h.dropped_lines);
        o.family(
            "hogwatch_ebpf_map_full_bytes_total",
            "counter",
            "Bytes the eBPF backend could not attribute because the kernel's traffic map was full.",
        );
        o.sample("hogwatch_ebpf_map_full_bytes_total", "", h.map_full_bytes);
        o.family(
            "hogwatch_build_info",
            "gauge",
            "1, labelled with the version of hogwatch.",
        );
        o.sample(
            "hogwatch_build_info",
            &format!("version=\"{}\"", label(env!("CARGO_PKG_VERSION"))),
            1,
        );
        o.0
    }
}
