//! From a snapshot's processes to candidate rows: one per app or per process, summed,
//! on the filtered device only, with what the details list and the key rows sort by.

use super::{Group, MenuSettings, RowId, Sort, NAME_CHARS};
use crate::model::{ProcessUsage, Snapshot, Usage};
use crate::text;
use crate::tray::title::sane;
use std::collections::{BTreeSet, HashMap};

/// A row before ordering: summed figures and what the details list.
pub(super) struct Candidate {
    pub(super) id: RowId,
    pub(super) name: String,
    pub(super) usage: Usage,
    pub(super) today: Option<(u64, u64)>,
    pub(super) pids: BTreeSet<u32>,
    pub(super) users: BTreeSet<String>,
    pub(super) exes: BTreeSet<String>,
    pub(super) devices: BTreeSet<String>,
    pub(super) app: String,
    pub(super) cmdline: Option<String>,
}

fn basename(path: &str) -> &str {
    path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path)
}

/// A process's display name: its app's short name, else the last part of argv[0].
fn display_name(p: &ProcessUsage) -> &str {
    if !p.app_name.is_empty() {
        &p.app_name
    } else if !p.name.is_empty() {
        basename(&p.name)
    } else {
        "?"
    }
}

/// A process's figures on `device` (all of them when `None`); `None` when it has none there.
fn filtered(p: &ProcessUsage, device: Option<&str>) -> Option<(Usage, BTreeSet<String>)> {
    let mut u = Usage::default();
    let mut names = BTreeSet::new();
    match device {
        None => {
            u = p.usage;
            names.extend(p.devices.iter().map(|d| d.name.clone()));
        }
        Some(dev) => {
            let mut found = false;
            for d in p.devices.iter().filter(|d| d.name == dev) {
                u.add(&d.usage);
                found = true;
            }
            if !found {
                return None;
            }
            names.insert(dev.to_string());
        }
    }
    u.up_rate = sane(u.up_rate);
    u.down_rate = sane(u.down_rate);
    Some((u, names))
}

pub(super) fn candidates(s: &Snapshot, settings: &MenuSettings) -> Vec<Candidate> {
    let device = settings.device.as_deref();
    let mut out: Vec<Candidate> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for p in &s.processes {
        let Some((usage, devices)) = filtered(p, device) else {
            continue;
        };
        let app = if p.app.is_empty() {
            p.name.clone()
        } else {
            p.app.clone()
        };
        let at = match settings.group {
            Group::Processes => None,
            Group::Apps => index.get(&app).copied(),
        };
        let c = match at {
            Some(i) => &mut out[i],
            None => {
                let (id, name, cmdline) = match settings.group {
                    Group::Apps => (
                        RowId::App(app.clone()),
                        text::truncate(display_name(p), NAME_CHARS),
                        None,
                    ),
                    Group::Processes => (
                        RowId::Process(p.id),
                        format!(
                            "{} ({})",
                            text::truncate(display_name(p), NAME_CHARS),
                            p.pid
                        ),
                        Some(p.cmdline.clone()),
                    ),
                };
                let today = match (settings.group, device) {
                    (Group::Apps, None) => settings.app_today.get(&app).copied(),
                    _ => None,
                };
                index.insert(app.clone(), out.len());
                out.push(Candidate {
                    id,
                    name,
                    usage: Usage::default(),
                    today,
                    pids: BTreeSet::new(),
                    users: BTreeSet::new(),
                    exes: BTreeSet::new(),
                    devices: BTreeSet::new(),
                    app,
                    cmdline,
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        c.usage.add(&usage);
        c.pids.insert(p.pid);
        c.users.insert(p.user.clone());
        if !p.exe.is_empty() {
            c.exes.insert(p.exe.clone());
        }
        c.devices.extend(devices);
    }
    out
}

pub(super) fn sort_key(c: &Candidate, sort: Sort) -> f64 {
    match sort {
        Sort::Rate => c.usage.rate(),
        Sort::SessionTotal => c.usage.bytes() as f64,
        Sort::Today => match c.today {
            Some((up, down)) => up.saturating_add(down) as f64,
            None => c.usage.bytes() as f64,
        },
    }
}
