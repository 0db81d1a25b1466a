//! The menu's lines around the rows: the totals header, the unattributed share, the
//! device filter's choices, the status line, the placeholder when there are no rows, and
//! the alert lines.

use super::labels::{amounts, rates};
use super::{
    DeviceChoice, MenuSettings, Sort, ALERT_CHARS, DEVICE_CHARS, MAX_ALERTS, STATUS_CHARS,
    UNATTRIBUTED_MIN, UNATTRIBUTED_SHARE,
};
use crate::model::{Mode, Snapshot, Usage};
use crate::text;
use crate::tray::title::{sane, usage_of};

/// Unattributed figures for what the menu shows: the snapshot's, or for one device that
/// device's figures less its processes'.
fn unattributed_usage(s: &Snapshot, device: Option<&str>) -> Usage {
    let Some(dev) = device else {
        return s.unattributed;
    };
    let mut rest = usage_of(s, device);
    rest.up_rate = sane(rest.up_rate);
    rest.down_rate = sane(rest.down_rate);
    for p in &s.processes {
        for d in p.devices.iter().filter(|d| d.name == dev) {
            rest.up_rate -= sane(d.usage.up_rate);
            rest.down_rate -= sane(d.usage.down_rate);
            rest.up_bytes = rest.up_bytes.saturating_sub(d.usage.up_bytes);
            rest.down_bytes = rest.down_bytes.saturating_sub(d.usage.down_bytes);
        }
    }
    rest.up_rate = rest.up_rate.max(0.0);
    rest.down_rate = rest.down_rate.max(0.0);
    rest
}

pub(super) fn unattributed_line(s: &Snapshot, settings: &MenuSettings) -> Option<String> {
    if !matches!(s.mode, Mode::PerProcess | Mode::Replay) {
        return None;
    }
    let device = settings.device.as_deref();
    let ua = unattributed_usage(s, device);
    let total = usage_of(s, device);
    let (part, whole, shown) = match settings.sort {
        Sort::Rate => {
            let part = sane(ua.up_rate) + sane(ua.down_rate);
            let whole = sane(total.up_rate) + sane(total.down_rate);
            (part, whole, rates(&ua))
        }
        Sort::SessionTotal | Sort::Today => (
            ua.bytes() as f64,
            total.bytes() as f64,
            amounts(ua.up_bytes, ua.down_bytes),
        ),
    };
    if part < UNATTRIBUTED_MIN || whole <= 0.0 || part < UNATTRIBUTED_SHARE * whole {
        return None;
    }
    let percent = (100.0 * part / whole).round().min(100.0);
    Some(format!("Unattributed ({percent:.0}%)  {shown}"))
}

pub(super) fn header(s: &Snapshot, settings: &MenuSettings, today: Option<(u64, u64)>) -> String {
    let device = settings.device.as_deref();
    let u = usage_of(s, device);
    let mut out = String::new();
    if let Some(d) = device {
        out.push_str(&text::truncate(d, DEVICE_CHARS));
        out.push_str(": ");
    }
    out.push_str(&rates(&u));
    if let Some((up, down)) = today {
        out.push_str(" · today ");
        out.push_str(&amounts(up, down));
    }
    if settings.paused {
        out.push_str(" · paused");
    }
    out
}

pub(super) fn device_choices(s: &Snapshot, selected: Option<&str>) -> Vec<DeviceChoice> {
    let mut out = vec![DeviceChoice {
        device: None,
        label: "All devices".to_string(),
        selected: selected.is_none(),
    }];
    for d in &s.devices {
        out.push(DeviceChoice {
            device: Some(d.name.clone()),
            label: text::truncate(&d.name, DEVICE_CHARS),
            selected: selected == Some(d.name.as_str()),
        });
    }
    // A filter on a device that went away stays visible, so it can be seen and undone.
    if let Some(sel) = selected {
        if !s.devices.iter().any(|d| d.name == sel) {
            out.push(DeviceChoice {
                device: Some(sel.to_string()),
                label: format!("{} (absent)", text::truncate(sel, DEVICE_CHARS)),
                selected: true,
            });
        }
    }
    out
}

pub(super) fn status_line(s: &Snapshot) -> Option<String> {
    if !s.status.trim().is_empty() {
        return Some(text::truncate(s.status.trim(), STATUS_CHARS));
    }
    match s.mode {
        Mode::TotalsOnly => Some("Totals only: per-process monitoring is off".to_string()),
        Mode::Starting => Some("Starting…".to_string()),
        Mode::PerProcess | Mode::Replay => None,
    }
}

pub(super) fn power_line(s: &Snapshot) -> Option<String> {
    s.battery_refresh_s
        .map(|every| format!("On battery: refreshing every {every} s"))
}

pub(super) fn placeholder(s: &Snapshot, device: Option<&str>) -> String {
    match s.mode {
        Mode::TotalsOnly => "No per-process data".to_string(),
        Mode::Starting => "Waiting for the first measurement…".to_string(),
        Mode::PerProcess | Mode::Replay => match device {
            Some(d) => format!("No process traffic on {}", text::truncate(d, DEVICE_CHARS)),
            None => "No process traffic".to_string(),
        },
    }
}

pub(super) fn alert_lines(alerts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = alerts
        .iter()
        .take(MAX_ALERTS)
        .map(|a| format!("⚠ {}", text::truncate(a, ALERT_CHARS)))
        .collect();
    if alerts.len() > MAX_ALERTS {
        out.pop();
        out.push(format!(
            "⚠ … and {} more alerts",
            alerts.len() - MAX_ALERTS + 1
        ));
    }
    out
}
