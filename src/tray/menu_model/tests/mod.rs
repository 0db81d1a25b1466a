//! Unit tests of the menu model, by part; this file holds the snapshots and helpers
//! they share.

mod hostile;
mod lines;
mod ordering;
mod rows;

use super::*;
use crate::model::{DeviceUsage, ProcessUsage};

const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * 1024.0;
const GIB: u64 = 1024 * 1024 * 1024;

/// One device's figures: name, down rate, up rate, down bytes, up bytes.
type Dev<'a> = (&'a str, f64, f64, u64, u64);

fn usage(down_rate: f64, up_rate: f64, down_bytes: u64, up_bytes: u64) -> Usage {
    Usage {
        up_rate,
        down_rate,
        up_bytes,
        down_bytes,
    }
}

fn process(id: u64, pid: u32, app: &str, devs: &[Dev]) -> ProcessUsage {
    let mut total = Usage::default();
    let devices = devs
        .iter()
        .map(|&(name, dr, ur, db, ub)| {
            let u = usage(dr, ur, db, ub);
            total.add(&u);
            DeviceUsage {
                name: name.to_string(),
                usage: u,
            }
        })
        .collect();
    ProcessUsage {
        id,
        pid,
        name: format!("/usr/bin/{app}"),
        exe: format!("/usr/bin/{app}"),
        cmdline: format!("{app} --flag"),
        uid: 1000,
        user: "alice".to_string(),
        app: format!("/usr/bin/{app}"),
        app_name: app.to_string(),
        devices,
        usage: total,
    }
}

/// A snapshot of `processes`, with totals and devices summed from them plus `extra`
/// unattributed traffic on eth0.
fn snapshot(processes: Vec<ProcessUsage>, extra: Usage) -> Snapshot {
    let mut s = Snapshot::empty(Mode::PerProcess, "");
    let mut devices: Vec<DeviceUsage> = Vec::new();
    for p in &processes {
        for d in &p.devices {
            match devices.iter_mut().find(|x| x.name == d.name) {
                Some(x) => x.usage.add(&d.usage),
                None => devices.push(d.clone()),
            }
        }
        s.total.add(&p.usage);
    }
    if extra != Usage::default() {
        match devices.iter_mut().find(|x| x.name == "eth0") {
            Some(x) => x.usage.add(&extra),
            None => devices.push(DeviceUsage {
                name: "eth0".into(),
                usage: extra,
            }),
        }
        s.total.add(&extra);
    }
    s.unattributed = extra;
    s.devices = devices;
    s.processes = processes;
    s
}

/// Processes moving `down` bytes/s each on eth0, one per (id, app).
fn talkers(rates: &[(&str, f64)]) -> Snapshot {
    let procs = rates
        .iter()
        .enumerate()
        .map(|(i, &(app, r))| process(i as u64 + 1, 100 + i as u32, app, &[("eth0", r, 0.0, 0, 0)]))
        .collect();
    snapshot(procs, Usage::default())
}

fn names(m: &MenuModel) -> Vec<&str> {
    m.rows.iter().map(|r| r.name.as_str()).collect()
}

fn all_strings(m: &MenuModel) -> Vec<String> {
    let mut out = vec![m.header.clone(), m.pause_label.to_string()];
    out.extend(m.placeholder.clone());
    out.extend(m.unattributed.clone());
    out.extend(m.status.clone());
    for r in &m.rows {
        out.push(r.label.clone());
        out.push(r.name.clone());
        out.extend(r.details.iter().cloned());
    }
    out.extend(m.devices.iter().map(|d| d.label.clone()));
    out
}

fn build_at(s: &Snapshot, settings: &MenuSettings, ord: &mut Ordering, ms: u64) -> MenuModel {
    build(s, settings, None, ord, Mono(ms))
}
