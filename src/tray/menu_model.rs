//! The tray menu as plain data, rebuilt from each snapshot: a totals header, the top
//! talkers (apps or processes) in an order stable enough to click, their details, the
//! unattributed share, the device filter's choices and a status line. The GTK wiring turns
//! a `MenuModel` into menu items and updates them in place; everything that decides what
//! those items say lives here, tested without a display.
//!
//! Every string in the model is safe to show: process names, users, paths, device names
//! and the status come from other programs and go through `text::printable`/`truncate`.
//! Labels are plain text — the menu toolkit's own markup (muda's `&` mnemonics) is the
//! wiring's to escape.

use super::title::{sane, usage_of};
use crate::clock::Mono;
use crate::model::{Mode, ProcessUsage, Snapshot, Usage};
use crate::text;
use crate::units;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Rows shown by default.
pub const DEFAULT_TOP_N: usize = 5;
/// Longest name in a row's label, in characters.
pub const NAME_CHARS: usize = 28;
/// A row overtakes the one above it at once when its sort key is this many times larger.
pub const OVERTAKE_RATIO: f64 = 1.2;
/// … or when it has been larger for this long without a break.
pub const OVERTAKE_AFTER_MS: u64 = 3000;
/// The unattributed line shows from this share of the total …
pub const UNATTRIBUTED_SHARE: f64 = 0.10;
/// … and from this rate (bytes/s) or amount (bytes).
pub const UNATTRIBUTED_MIN: f64 = 1024.0;

/// Alert lines shown at most (the rest are summed up in the last line).
pub const MAX_ALERTS: usize = 5;
const ALERT_CHARS: usize = 90;
const DETAIL_CHARS: usize = 80;
const PATH_CHARS: usize = 60;
const DEVICE_CHARS: usize = 15;
const USER_CHARS: usize = 32;
const STATUS_CHARS: usize = 120;
const MAX_PIDS: usize = 8;
const MAX_USERS: usize = 4;

/// What orders the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    /// Current rate, both directions.
    #[default]
    Rate,
    /// Bytes moved since hogwatch started (since first seen, for a process).
    SessionTotal,
    /// Bytes moved today, from `MenuSettings::app_today`; the session total for rows
    /// without one (processes, apps history does not know yet, a device filter).
    Today,
}

/// What one row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Group {
    /// All processes of one program (the snapshot's `app` key), summed.
    #[default]
    Apps,
    /// Each process on its own.
    Processes,
}

/// The user's choices for the menu. The collector's mode comes with the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuSettings {
    /// How many rows at most.
    pub top_n: usize,
    pub sort: Sort,
    pub group: Group,
    /// Show one device's traffic only (rows, header, unattributed share).
    pub device: Option<String>,
    /// The display is paused (the header says so; the Pause item reads "Resume").
    pub paused: bool,
    /// Today's (up, down) bytes per app key, from history, for `Sort::Today`. Empty when
    /// history is not available: that sort then falls back to the session totals.
    pub app_today: HashMap<String, (u64, u64)>,
    /// The alerts that are current (the alert engine's lines).
    pub alerts: Vec<String>,
    /// Notifications are paused ("Pause alerts").
    pub alerts_paused: bool,
    /// "Start at login" is on; `None` while unknown.
    pub autostart: Option<bool>,
}

impl Default for MenuSettings {
    fn default() -> Self {
        MenuSettings {
            top_n: DEFAULT_TOP_N,
            sort: Sort::default(),
            group: Group::default(),
            device: None,
            paused: false,
            app_today: HashMap::new(),
            alerts: Vec::new(),
            alerts_paused: false,
            autostart: None,
        }
    }
}

/// A row's identity across refreshes: the app key, or the process's run-unique id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowId {
    App(String),
    Process(u64),
}

/// `app:KEY` or `proc:ID`, usable as a menu item id (not meant for display: the key is
/// raw text).
impl fmt::Display for RowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowId::App(key) => write!(f, "app:{key}"),
            RowId::Process(id) => write!(f, "proc:{id}"),
        }
    }
}

/// One top talker.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: RowId,
    /// "name  ↓ 340 KiB/s ↑ 1.20 MiB/s" — rates, or amounts when sorted by an amount.
    pub label: String,
    /// The display name alone (printable, truncated).
    pub name: String,
    /// This row's figures (only the filtered device's when filtering).
    pub usage: Usage,
    /// Today's (up, down) bytes, when history knows them.
    pub today: Option<(u64, u64)>,
    pub pids: Vec<u32>,
    /// The app key, raw, for "Show in dashboard" links; not for display.
    pub app: String,
    /// Lines for the row's submenu: pid(s), user, executable, device(s), rate, totals.
    pub details: Vec<String>,
}

/// One entry of the device filter submenu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceChoice {
    /// `None` for "All devices"; else the device name, raw, to store in the settings.
    pub device: Option<String>,
    pub label: String,
    pub selected: bool,
}

/// Everything the tray menu shows, for one refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuModel {
    /// The first (disabled) line: "↓ 340 KiB/s ↑ 1.20 MiB/s · today ↓ 1.20 GiB ↑ 200 MiB".
    pub header: String,
    /// The top talkers, in display order.
    pub rows: Vec<Row>,
    /// A (disabled) line saying why there are no rows, when there are none.
    pub placeholder: Option<String>,
    /// "Unattributed (23%)  ↓ … ↑ …" when that share is significant.
    pub unattributed: Option<String>,
    /// The device filter submenu: "All devices", then each device.
    pub devices: Vec<DeviceChoice>,
    /// What the user should know about the collector (totals only, starting, restarting …).
    pub status: Option<String>,
    /// Show "Enable per-process monitoring…" (totals-only mode).
    pub offer_enable_per_process: bool,
    /// "Pause" or "Resume".
    pub pause_label: &'static str,
    /// "⚠ firefox: upload 6.20 MiB/s (Heavy upload)", at most `MAX_ALERTS`.
    pub alerts: Vec<String>,
    /// "Pause alerts" or "Resume alerts".
    pub alerts_pause_label: &'static str,
    /// The "Start at login" check: `None` while unknown (shown unchecked, disabled).
    pub autostart: Option<bool>,
}

/// Remembers the rows' order between refreshes so the menu does not jump: a row passes
/// the one above it only when its sort key is at least 20% larger, or has been larger
/// for 3 s without a break. Rows new to the top N enter at their value's place; rows
/// that fall out of it leave. Changing the sort, grouping, filter or N starts afresh.
#[derive(Debug, Clone, Default)]
pub struct Ordering {
    context: Option<(Sort, Group, Option<String>, usize)>,
    order: Vec<RowId>,
    /// (a, b) → since when a's key has been larger than b's, continuously.
    ahead_since: HashMap<(RowId, RowId), Mono>,
}

impl Ordering {
    pub fn new() -> Self {
        Ordering::default()
    }

    /// The rows' order after the last `build`.
    pub fn order(&self) -> &[RowId] {
        &self.order
    }

    /// Orders the top `n` of `ranked` (sorted by key, largest first).
    fn arrange(&mut self, ranked: &[(RowId, f64)], n: usize, now: Mono) -> Vec<RowId> {
        let members = &ranked[..n.min(ranked.len())];
        let key: HashMap<&RowId, f64> = members.iter().map(|(id, k)| (id, *k)).collect();

        let mut ahead = HashMap::new();
        for (a, ka) in members {
            for (b, kb) in members {
                if ka > kb {
                    let pair = (a.clone(), b.clone());
                    let since = self.ahead_since.get(&pair).copied().unwrap_or(now);
                    ahead.insert(pair, since);
                }
            }
        }
        self.ahead_since = ahead;

        let mut order: Vec<RowId> = self
            .order
            .iter()
            .filter(|id| key.contains_key(id))
            .cloned()
            .collect();
        for (id, k) in members {
            if !order.contains(id) {
                let at = order
                    .iter()
                    .position(|o| key.get(o).is_some_and(|ko| ko < k))
                    .unwrap_or(order.len());
                order.insert(at, id.clone());
            }
        }

        let overtakes = |lower: &RowId, upper: &RowId| -> bool {
            let k = |id: &RowId| key.get(id).copied().unwrap_or(0.0);
            let (kl, ku) = (k(lower), k(upper));
            kl > ku
                && (kl >= ku * OVERTAKE_RATIO
                    || self
                        .ahead_since
                        .get(&(lower.clone(), upper.clone()))
                        .is_some_and(|since| now.since(*since) >= OVERTAKE_AFTER_MS))
        };
        // Each swap removes one inversion, so this ends.
        loop {
            let mut swapped = false;
            for i in 1..order.len() {
                if overtakes(&order[i], &order[i - 1]) {
                    order.swap(i, i - 1);
                    swapped = true;
                }
            }
            if !swapped {
                break;
            }
        }
        self.order = order.clone();
        order
    }
}

/// A row before ordering: summed figures and what the details list.
struct Candidate {
    id: RowId,
    name: String,
    usage: Usage,
    today: Option<(u64, u64)>,
    pids: BTreeSet<u32>,
    users: BTreeSet<String>,
    exes: BTreeSet<String>,
    devices: BTreeSet<String>,
    app: String,
    cmdline: Option<String>,
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

fn candidates(s: &Snapshot, settings: &MenuSettings) -> Vec<Candidate> {
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

fn sort_key(c: &Candidate, sort: Sort) -> f64 {
    match sort {
        Sort::Rate => c.usage.rate(),
        Sort::SessionTotal => c.usage.bytes() as f64,
        Sort::Today => match c.today {
            Some((up, down)) => up.saturating_add(down) as f64,
            None => c.usage.bytes() as f64,
        },
    }
}

fn rates(u: &Usage) -> String {
    format!(
        "↓ {} ↑ {}",
        units::rate(u.down_rate),
        units::rate(u.up_rate)
    )
}

fn amounts(up: u64, down: u64) -> String {
    format!("↓ {} ↑ {}", units::bytes(down), units::bytes(up))
}

/// The figures a row's label shows under a sort: rates, session amounts or today's.
fn figures(c: &Candidate, sort: Sort) -> String {
    match (sort, c.today) {
        (Sort::Rate, _) => rates(&c.usage),
        (Sort::Today, Some((up, down))) => amounts(up, down),
        _ => amounts(c.usage.up_bytes, c.usage.down_bytes),
    }
}

/// `printable`, keeping the end of a long path (the file name) rather than its start.
fn truncate_left(s: &str, max: usize) -> String {
    let p = text::printable(s);
    let n = p.chars().count();
    if n <= max {
        return p.into_owned();
    }
    let mut out = String::from("…");
    out.extend(p.chars().skip(n + 1 - max));
    out
}

/// "a, b, c, … (12)": the first `max` items, and the count when there are more.
fn listing<I: ExactSizeIterator<Item = String>>(items: I, max: usize) -> String {
    let n = items.len();
    let mut shown: Vec<String> = items.take(max).collect();
    if n > max {
        shown.push(format!("… ({n})"));
    }
    shown.join(", ")
}

fn details(c: &Candidate) -> Vec<String> {
    let mut out = Vec::new();
    let pids = listing(c.pids.iter().map(u32::to_string), MAX_PIDS);
    out.push(if c.pids.len() == 1 {
        format!("PID: {pids}")
    } else {
        format!("PIDs: {pids}")
    });
    let users = listing(
        c.users.iter().map(|u| text::truncate(u, USER_CHARS)),
        MAX_USERS,
    );
    out.push(if c.users.len() == 1 {
        format!("User: {users}")
    } else {
        format!("Users: {users}")
    });
    match c.exes.len() {
        0 => out.push("Executable: unknown".to_string()),
        1 => out.extend(
            c.exes
                .iter()
                .map(|e| format!("Executable: {}", truncate_left(e, PATH_CHARS))),
        ),
        n => out.extend(c.exes.iter().next().map(|e| {
            format!(
                "Executables: {} (+{} more)",
                truncate_left(e, PATH_CHARS),
                n - 1
            )
        })),
    }
    if let Some(cmd) = c.cmdline.as_deref().filter(|c| !c.is_empty()) {
        out.push(format!(
            "Command: {}",
            text::truncate(cmd, DETAIL_CHARS - 9)
        ));
    }
    if !c.devices.is_empty() {
        let devices = c.devices.iter().map(|d| text::truncate(d, DEVICE_CHARS));
        out.push(format!(
            "{}: {}",
            if c.devices.len() == 1 {
                "Device"
            } else {
                "Devices"
            },
            listing(devices, 8)
        ));
    }
    out.push(format!("Rate: {}", rates(&c.usage)));
    out.push(format!(
        "Session: {}",
        amounts(c.usage.up_bytes, c.usage.down_bytes)
    ));
    if let Some((up, down)) = c.today {
        out.push(format!("Today: {}", amounts(up, down)));
    }
    out
}

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

fn unattributed_line(s: &Snapshot, settings: &MenuSettings) -> Option<String> {
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

fn header(s: &Snapshot, settings: &MenuSettings, today: Option<(u64, u64)>) -> String {
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

fn device_choices(s: &Snapshot, selected: Option<&str>) -> Vec<DeviceChoice> {
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

fn status_line(s: &Snapshot) -> Option<String> {
    if !s.status.trim().is_empty() {
        return Some(text::truncate(s.status.trim(), STATUS_CHARS));
    }
    match s.mode {
        Mode::TotalsOnly => Some("Totals only: per-process monitoring is off".to_string()),
        Mode::Starting => Some("Starting…".to_string()),
        Mode::PerProcess | Mode::Replay => None,
    }
}

fn placeholder(s: &Snapshot, device: Option<&str>) -> String {
    match s.mode {
        Mode::TotalsOnly => "No per-process data".to_string(),
        Mode::Starting => "Waiting for the first measurement…".to_string(),
        Mode::PerProcess | Mode::Replay => match device {
            Some(d) => format!("No process traffic on {}", text::truncate(d, DEVICE_CHARS)),
            None => "No process traffic".to_string(),
        },
    }
}

/// Builds the menu for this refresh. `today` is the day's (up, down) bytes for what the
/// menu shows (the filtered device's when filtering), when history knows them; `prev`
/// carries the rows' order from the last refresh; `now` is the monotonic time.
pub fn build(
    s: &Snapshot,
    settings: &MenuSettings,
    today: Option<(u64, u64)>,
    prev: &mut Ordering,
    now: Mono,
) -> MenuModel {
    let context = (
        settings.sort,
        settings.group,
        settings.device.clone(),
        settings.top_n,
    );
    if prev.context.as_ref() != Some(&context) {
        *prev = Ordering {
            context: Some(context),
            ..Ordering::default()
        };
    }

    let mut cands = candidates(s, settings);
    let mut ranked: Vec<(RowId, f64)> = cands
        .iter()
        .map(|c| (c.id.clone(), sort_key(c, settings.sort)))
        .filter(|(_, k)| *k > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let order = prev.arrange(&ranked, settings.top_n, now);

    let mut by_id: HashMap<RowId, Candidate> = cands.drain(..).map(|c| (c.id.clone(), c)).collect();
    let rows: Vec<Row> = order
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|c| Row {
            label: format!("{}  {}", c.name, figures(&c, settings.sort)),
            details: details(&c),
            id: c.id,
            name: c.name,
            usage: c.usage,
            today: c.today,
            pids: c.pids.into_iter().collect(),
            app: c.app,
        })
        .collect();

    MenuModel {
        header: header(s, settings, today),
        placeholder: rows
            .is_empty()
            .then(|| placeholder(s, settings.device.as_deref())),
        rows,
        unattributed: unattributed_line(s, settings),
        devices: device_choices(s, settings.device.as_deref()),
        status: status_line(s),
        offer_enable_per_process: s.mode == Mode::TotalsOnly,
        pause_label: if settings.paused { "Resume" } else { "Pause" },
        alerts: alert_lines(&settings.alerts),
        autostart: settings.autostart,
        alerts_pause_label: if settings.alerts_paused {
            "Resume alerts"
        } else {
            "Pause alerts"
        },
    }
}

fn alert_lines(alerts: &[String]) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeviceUsage;

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
            .map(|(i, &(app, r))| {
                process(i as u64 + 1, 100 + i as u32, app, &[("eth0", r, 0.0, 0, 0)])
            })
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

    #[test]
    fn alerts_show_as_lines_and_many_are_summed_up() {
        let s = snapshot(Vec::new(), Usage::default());
        let mut settings = MenuSettings {
            alerts: vec!["firefox: upload 6.20 MiB/s (Heavy upload)".to_string()],
            ..MenuSettings::default()
        };
        let m = build(&s, &settings, None, &mut Ordering::new(), Mono(0));
        assert_eq!(
            m.alerts,
            vec!["⚠ firefox: upload 6.20 MiB/s (Heavy upload)"]
        );
        assert_eq!(m.alerts_pause_label, "Pause alerts");
        settings.alerts = (0..8).map(|i| format!("rule {i}\u{1b}[31m")).collect();
        settings.alerts_paused = true;
        let m = build(&s, &settings, None, &mut Ordering::new(), Mono(0));
        assert_eq!(m.alerts.len(), MAX_ALERTS);
        assert_eq!(m.alerts[MAX_ALERTS - 1], "⚠ … and 4 more alerts");
        assert!(
            m.alerts.iter().all(|a| !a.contains('\u{1b}')),
            "{:?}",
            m.alerts
        );
        assert_eq!(m.alerts_pause_label, "Resume alerts");
    }

    #[test]
    fn header_and_labels_use_binary_units() {
        let s = snapshot(
            vec![process(
                1,
                42,
                "firefox",
                &[("eth0", 340.0 * KIB, 1_258_291.0, 5 * GIB, 3 * 1024 * 1024)],
            )],
            Usage::default(),
        );
        let m = build(
            &s,
            &MenuSettings::default(),
            Some((200 * 1024 * 1024, GIB * 6 / 5)),
            &mut Ordering::new(),
            Mono(0),
        );
        assert_eq!(
            m.header,
            "↓ 340 KiB/s ↑ 1.20 MiB/s · today ↓ 1.20 GiB ↑ 200 MiB"
        );
        assert_eq!(m.rows.len(), 1);
        let r = &m.rows[0];
        assert_eq!(r.label, "firefox  ↓ 340 KiB/s ↑ 1.20 MiB/s");
        assert_eq!(r.id, RowId::App("/usr/bin/firefox".into()));
        assert_eq!(r.id.to_string(), "app:/usr/bin/firefox");
        assert_eq!(r.pids, vec![42]);
        assert_eq!(
            r.details,
            vec![
                "PID: 42",
                "User: alice",
                "Executable: /usr/bin/firefox",
                "Device: eth0",
                "Rate: ↓ 340 KiB/s ↑ 1.20 MiB/s",
                "Session: ↓ 5.00 GiB ↑ 3.00 MiB",
            ]
        );
        assert_eq!(m.placeholder, None);
        assert_eq!(m.unattributed, None);
        assert_eq!(m.status, None);
        assert!(!m.offer_enable_per_process);
        assert_eq!(m.pause_label, "Pause");
        // Without history the header has no "today".
        let m = build(
            &s,
            &MenuSettings::default(),
            None,
            &mut Ordering::new(),
            Mono(0),
        );
        assert_eq!(m.header, "↓ 340 KiB/s ↑ 1.20 MiB/s");
    }

    #[test]
    fn top_n_by_rate() {
        let s = talkers(&[
            ("a", 10.0 * KIB),
            ("b", 70.0 * KIB),
            ("c", 30.0 * KIB),
            ("d", 50.0 * KIB),
            ("e", 20.0 * KIB),
            ("f", 60.0 * KIB),
            ("g", 40.0 * KIB),
        ]);
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["b", "f", "d", "g", "c"]);
        let three = MenuSettings {
            top_n: 3,
            ..MenuSettings::default()
        };
        let m = build_at(&s, &three, &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["b", "f", "d"]);
        let none = MenuSettings {
            top_n: 0,
            ..MenuSettings::default()
        };
        let m = build_at(&s, &none, &mut Ordering::new(), 0);
        assert!(m.rows.is_empty());
    }

    #[test]
    fn idle_processes_are_not_listed() {
        let s = talkers(&[("busy", 5.0 * KIB), ("quiet", 0.0)]);
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["busy"]);
        let s = talkers(&[("quiet", 0.0)]);
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert!(m.rows.is_empty());
        assert_eq!(m.placeholder.as_deref(), Some("No process traffic"));
    }

    #[test]
    fn apps_group_their_processes() {
        let s = snapshot(
            vec![
                process(1, 11, "firefox", &[("eth0", 100.0 * KIB, KIB, 1000, 10)]),
                process(2, 12, "firefox", &[("wlan0", 50.0 * KIB, KIB, 500, 20)]),
                process(3, 13, "curl", &[("eth0", 120.0 * KIB, 0.0, 3000, 0)]),
            ],
            Usage::default(),
        );
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["firefox", "curl"]);
        let ff = &m.rows[0];
        assert_eq!(ff.pids, vec![11, 12]);
        assert_eq!(ff.usage, usage(150.0 * KIB, 2.0 * KIB, 1500, 30));
        assert_eq!(ff.label, "firefox  ↓ 150 KiB/s ↑ 2.00 KiB/s");
        assert!(ff.details.contains(&"PIDs: 11, 12".to_string()));
        assert!(ff.details.contains(&"Devices: eth0, wlan0".to_string()));

        let procs = MenuSettings {
            group: Group::Processes,
            ..MenuSettings::default()
        };
        let m = build_at(&s, &procs, &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["curl (13)", "firefox (11)", "firefox (12)"]);
        assert_eq!(m.rows[0].id, RowId::Process(3));
        assert_eq!(m.rows[0].id.to_string(), "proc:3");
        assert!(m.rows[1]
            .details
            .contains(&"Command: firefox --flag".to_string()));
        assert!(m.rows[1].details.contains(&"PID: 11".to_string()));
    }

    #[test]
    fn sorting_by_amounts() {
        let s = snapshot(
            vec![
                process(1, 11, "fast", &[("eth0", 900.0 * KIB, 0.0, 10 * 1024, 0)]),
                process(2, 12, "big", &[("eth0", 2.0 * KIB, 0.0, 3 * GIB, 1024)]),
                process(3, 13, "mid", &[("eth0", 20.0 * KIB, 0.0, GIB, 0)]),
            ],
            Usage::default(),
        );
        let by_session = MenuSettings {
            sort: Sort::SessionTotal,
            ..MenuSettings::default()
        };
        let m = build_at(&s, &by_session, &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["big", "mid", "fast"]);
        // Sorted by amount, the labels show amounts.
        assert_eq!(m.rows[0].label, "big  ↓ 3.00 GiB ↑ 1.00 KiB");

        // Today's totals from history decide where known; the session elsewhere.
        let mut by_today = MenuSettings {
            sort: Sort::Today,
            ..MenuSettings::default()
        };
        by_today
            .app_today
            .insert("/usr/bin/fast".into(), (0, 8 * GIB));
        let m = build_at(&s, &by_today, &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["fast", "big", "mid"]);
        assert_eq!(m.rows[0].label, "fast  ↓ 8.00 GiB ↑ 0 B");
        assert_eq!(m.rows[0].today, Some((0, 8 * GIB)));
        assert!(m.rows[0]
            .details
            .contains(&"Today: ↓ 8.00 GiB ↑ 0 B".to_string()));
        assert_eq!(m.rows[1].label, "big  ↓ 3.00 GiB ↑ 1.00 KiB");

        // Without history, Today is the session order.
        let plain_today = MenuSettings {
            sort: Sort::Today,
            ..MenuSettings::default()
        };
        let m = build_at(&s, &plain_today, &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["big", "mid", "fast"]);
    }

    #[test]
    fn device_filter_changes_rows_and_figures() {
        let s = snapshot(
            vec![
                process(
                    1,
                    11,
                    "firefox",
                    &[
                        ("eth0", 100.0 * KIB, KIB, 1000, 10),
                        ("wlan0", 5.0 * KIB, 0.0, 50, 0),
                    ],
                ),
                process(2, 12, "steam", &[("wlan0", 900.0 * KIB, 0.0, 9000, 0)]),
                process(3, 13, "ssh", &[("eth0", 3.0 * KIB, 2.0 * KIB, 30, 20)]),
            ],
            Usage::default(),
        );
        let all = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(names(&all), ["steam", "firefox", "ssh"]);
        assert_eq!(all.devices.len(), 3);
        assert_eq!(all.devices[0].label, "All devices");
        assert!(all.devices[0].selected);
        assert!(all.devices[1..].iter().all(|d| !d.selected));

        let eth = MenuSettings {
            device: Some("eth0".into()),
            ..MenuSettings::default()
        };
        let m = build_at(&s, &eth, &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["firefox", "ssh"]);
        // Only eth0's share of firefox.
        assert_eq!(m.rows[0].usage, usage(100.0 * KIB, KIB, 1000, 10));
        assert!(m.rows[0].details.contains(&"Device: eth0".to_string()));
        assert!(
            m.header.starts_with("eth0: ↓ 103 KiB/s ↑ 3.00 KiB/s"),
            "{}",
            m.header
        );
        let selected: Vec<&str> = m
            .devices
            .iter()
            .filter(|d| d.selected)
            .map(|d| d.label.as_str())
            .collect();
        assert_eq!(selected, ["eth0"]);

        let wlan = MenuSettings {
            device: Some("wlan0".into()),
            ..MenuSettings::default()
        };
        let m = build_at(&s, &wlan, &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["steam", "firefox"]);
        assert_eq!(m.rows[1].usage, usage(5.0 * KIB, 0.0, 50, 0));

        // A device that went away: no rows, and the choice stays to undo it.
        let gone = MenuSettings {
            device: Some("usb0".into()),
            ..MenuSettings::default()
        };
        let m = build_at(&s, &gone, &mut Ordering::new(), 0);
        assert!(m.rows.is_empty());
        assert_eq!(m.placeholder.as_deref(), Some("No process traffic on usb0"));
        let last = m.devices.last().expect("choices");
        assert_eq!(last.label, "usb0 (absent)");
        assert!(last.selected);
        assert!(!m.devices[0].selected);
    }

    #[test]
    fn small_fluctuations_do_not_reshuffle() {
        let settings = MenuSettings::default();
        let mut ord = Ordering::new();
        let m = build_at(
            &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]),
            &settings,
            &mut ord,
            0,
        );
        assert_eq!(names(&m), ["a", "b"]);
        // b edges past a by 5–15%, but never for 3 s without a break.
        let wobble = [105.0, 95.0, 115.0, 98.0, 110.0, 99.0, 112.0];
        for (i, b) in wobble.iter().enumerate() {
            let t = 1000 * (i as u64 + 1);
            let s = talkers(&[("a", 100.0 * KIB), ("b", b * KIB)]);
            let m = build_at(&s, &settings, &mut ord, t);
            assert_eq!(names(&m), ["a", "b"], "at {t} ms with b = {b}");
        }
        assert_eq!(
            ord.order(),
            [
                RowId::App("/usr/bin/a".into()),
                RowId::App("/usr/bin/b".into())
            ]
        );
    }

    #[test]
    fn a_sustained_lead_wins_after_three_seconds() {
        let settings = MenuSettings::default();
        let mut ord = Ordering::new();
        build_at(
            &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]),
            &settings,
            &mut ord,
            0,
        );
        let lead = talkers(&[("a", 100.0 * KIB), ("b", 110.0 * KIB)]);
        for t in [1000, 2000, 3000, 3999] {
            let m = build_at(&lead, &settings, &mut ord, t);
            assert_eq!(names(&m), ["a", "b"], "at {t} ms");
        }
        // Ahead since 1000 ms: at 4000 ms that is 3 s.
        let m = build_at(&lead, &settings, &mut ord, 4000);
        assert_eq!(names(&m), ["b", "a"]);
        // And it stays, even though a is back ahead by a little.
        let back = talkers(&[("a", 105.0 * KIB), ("b", 100.0 * KIB)]);
        let m = build_at(&back, &settings, &mut ord, 5000);
        assert_eq!(names(&m), ["b", "a"]);
    }

    #[test]
    fn a_break_restarts_the_clock() {
        let settings = MenuSettings::default();
        let mut ord = Ordering::new();
        let behind = talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]);
        let lead = talkers(&[("a", 100.0 * KIB), ("b", 110.0 * KIB)]);
        build_at(&behind, &settings, &mut ord, 0);
        build_at(&lead, &settings, &mut ord, 1000);
        build_at(&lead, &settings, &mut ord, 2000);
        build_at(&behind, &settings, &mut ord, 3000);
        let m = build_at(&lead, &settings, &mut ord, 4000);
        assert_eq!(names(&m), ["a", "b"]);
        let m = build_at(&lead, &settings, &mut ord, 6999);
        assert_eq!(names(&m), ["a", "b"]);
        let m = build_at(&lead, &settings, &mut ord, 7000);
        assert_eq!(names(&m), ["b", "a"]);
    }

    #[test]
    fn a_big_jump_overtakes_at_once() {
        let settings = MenuSettings::default();
        let mut ord = Ordering::new();
        let m = build_at(
            &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB), ("c", 80.0 * KIB)]),
            &settings,
            &mut ord,
            0,
        );
        assert_eq!(names(&m), ["a", "b", "c"]);
        // c is 20% above b and 20% above a: straight to the top.
        let m = build_at(
            &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB), ("c", 120.0 * KIB)]),
            &settings,
            &mut ord,
            500,
        );
        assert_eq!(names(&m), ["c", "a", "b"]);
        // 19% is not enough.
        let m = build_at(
            &talkers(&[("a", 100.0 * KIB), ("b", 119.0 * KIB), ("c", 150.0 * KIB)]),
            &settings,
            &mut ord,
            1000,
        );
        assert_eq!(names(&m), ["c", "a", "b"]);
    }

    #[test]
    fn new_rows_enter_by_value_and_dropped_rows_leave() {
        let settings = MenuSettings {
            top_n: 3,
            ..MenuSettings::default()
        };
        let mut ord = Ordering::new();
        build_at(
            &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB), ("c", 50.0 * KIB)]),
            &settings,
            &mut ord,
            0,
        );
        // b wobbles above a (kept below: hysteresis); d arrives between b and c by value;
        // c falls out of the top 3.
        let m = build_at(
            &talkers(&[
                ("a", 100.0 * KIB),
                ("b", 101.0 * KIB),
                ("c", 50.0 * KIB),
                ("d", 60.0 * KIB),
            ]),
            &settings,
            &mut ord,
            1000,
        );
        assert_eq!(names(&m), ["a", "b", "d"]);
        // A newcomer bigger than everyone enters at the top; the smallest leaves.
        let m = build_at(
            &talkers(&[
                ("a", 100.0 * KIB),
                ("b", 101.0 * KIB),
                ("d", 60.0 * KIB),
                ("e", 99.0 * MIB),
            ]),
            &settings,
            &mut ord,
            1500,
        );
        assert_eq!(names(&m), ["e", "a", "b"]);
        // A process that ended is gone at the next refresh.
        let m = build_at(
            &talkers(&[("b", 101.0 * KIB), ("e", 99.0 * MIB)]),
            &settings,
            &mut ord,
            2000,
        );
        assert_eq!(names(&m), ["e", "b"]);
    }

    #[test]
    fn changing_the_view_starts_afresh() {
        let mut ord = Ordering::new();
        let rate = MenuSettings::default();
        build_at(
            &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]),
            &rate,
            &mut ord,
            0,
        );
        let s = talkers(&[("a", 100.0 * KIB), ("b", 110.0 * KIB)]);
        assert_eq!(names(&build_at(&s, &rate, &mut ord, 1000)), ["a", "b"]);
        let procs = MenuSettings {
            group: Group::Processes,
            ..MenuSettings::default()
        };
        assert_eq!(
            names(&build_at(&s, &procs, &mut ord, 1100)),
            ["b (101)", "a (100)"]
        );
        assert_eq!(names(&build_at(&s, &rate, &mut ord, 1200)), ["b", "a"]);
    }

    #[test]
    fn unattributed_line_when_significant() {
        let procs = || {
            vec![process(
                1,
                11,
                "firefox",
                &[("eth0", 90.0 * KIB, 0.0, 9 * 1024, 0)],
            )]
        };
        // 10 KiB/s of 100: 10% and over 1 KiB/s.
        let s = snapshot(procs(), usage(10.0 * KIB, 0.0, 0, 0));
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(
            m.unattributed.as_deref(),
            Some("Unattributed (10%)  ↓ 10.0 KiB/s ↑ 0 B/s")
        );
        // 5%: not shown.
        let s = snapshot(procs(), usage(4.0 * KIB, 0.5 * KIB, 0, 0));
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(m.unattributed, None);
        // A large share of almost nothing: not shown.
        let s = snapshot(
            vec![process(1, 11, "x", &[("eth0", 100.0, 0.0, 0, 0)])],
            usage(900.0, 0.0, 0, 0),
        );
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(m.unattributed, None);
        // By amounts, the byte share counts.
        let s = snapshot(procs(), usage(0.0, 0.0, 3 * 1024, 1024));
        let by_session = MenuSettings {
            sort: Sort::SessionTotal,
            ..MenuSettings::default()
        };
        let m = build_at(&s, &by_session, &mut Ordering::new(), 0);
        assert_eq!(
            m.unattributed.as_deref(),
            Some("Unattributed (31%)  ↓ 3.00 KiB ↑ 1.00 KiB")
        );
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(m.unattributed, None);
    }

    #[test]
    fn unattributed_follows_the_device_filter() {
        // eth0 carries 50 KiB/s nobody claims; wlan0 is fully attributed.
        let s = snapshot(
            vec![
                process(1, 11, "a", &[("eth0", 50.0 * KIB, 0.0, 0, 0)]),
                process(2, 12, "b", &[("wlan0", 500.0 * KIB, 0.0, 0, 0)]),
            ],
            usage(50.0 * KIB, 0.0, 0, 0),
        );
        let eth = MenuSettings {
            device: Some("eth0".into()),
            ..MenuSettings::default()
        };
        let m = build_at(&s, &eth, &mut Ordering::new(), 0);
        assert_eq!(
            m.unattributed.as_deref(),
            Some("Unattributed (50%)  ↓ 50.0 KiB/s ↑ 0 B/s")
        );
        let wlan = MenuSettings {
            device: Some("wlan0".into()),
            ..MenuSettings::default()
        };
        let m = build_at(&s, &wlan, &mut Ordering::new(), 0);
        assert_eq!(m.unattributed, None);
    }

    #[test]
    fn totals_only_says_so_and_offers_the_retry() {
        let mut s = Snapshot::empty(Mode::TotalsOnly, "");
        s.total = usage(300.0 * KIB, 10.0 * KIB, 0, 0);
        s.unattributed = s.total;
        s.devices = vec![DeviceUsage {
            name: "eth0".into(),
            usage: s.total,
        }];
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert!(m.offer_enable_per_process);
        assert_eq!(
            m.status.as_deref(),
            Some("Totals only: per-process monitoring is off")
        );
        assert_eq!(m.unattributed, None);
        assert!(m.rows.is_empty());
        assert_eq!(m.placeholder.as_deref(), Some("No per-process data"));
        assert_eq!(m.header, "↓ 300 KiB/s ↑ 10.0 KiB/s");

        s.status = "nethogs is not installed:\n\x1b[31mapt install nethogs".into();
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(
            m.status.as_deref(),
            Some("nethogs is not installed:\u{FFFD}\u{FFFD}[31mapt install nethogs")
        );

        let starting = Snapshot::empty(Mode::Starting, "");
        let m = build_at(&starting, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(m.status.as_deref(), Some("Starting…"));
        assert!(!m.offer_enable_per_process);

        let mut restarting = talkers(&[("a", KIB)]);
        restarting.status = "helper exited; restarting in 2 s".into();
        let m = build_at(
            &restarting,
            &MenuSettings::default(),
            &mut Ordering::new(),
            0,
        );
        assert_eq!(
            m.status.as_deref(),
            Some("helper exited; restarting in 2 s")
        );
        assert!(!m.offer_enable_per_process);
    }

    #[test]
    fn paused_shows_in_header_and_item() {
        let s = talkers(&[("a", KIB)]);
        let paused = MenuSettings {
            paused: true,
            ..MenuSettings::default()
        };
        let m = build(&s, &paused, Some((0, 0)), &mut Ordering::new(), Mono(0));
        assert_eq!(
            m.header,
            "↓ 1.00 KiB/s ↑ 0 B/s · today ↓ 0 B ↑ 0 B · paused"
        );
        assert_eq!(m.pause_label, "Resume");
    }

    #[test]
    fn untrusted_text_is_neutralised() {
        let evil = "evil\x1b]0;pwned\x07\nname\u{202E}gpj.exe\r\t";
        let mut p = process(1, 66, "x", &[("eth\n0", 5.0 * KIB, 0.0, 1, 1)]);
        p.name = evil.into();
        p.app_name = evil.into();
        p.app = evil.into();
        p.exe = format!("/tmp/{evil}/{}", "d".repeat(200));
        p.cmdline = format!("{evil} {}", "--x ".repeat(100));
        p.user = format!("bob\x1b[2J{evil}");
        let mut s = snapshot(vec![p], Usage::default());
        s.status = evil.into();
        for group in [Group::Apps, Group::Processes] {
            let device = [None, Some("eth\n0".to_string())];
            for device in device {
                let settings = MenuSettings {
                    group,
                    device,
                    ..MenuSettings::default()
                };
                let m = build_at(&s, &settings, &mut Ordering::new(), 0);
                assert_eq!(m.rows.len(), 1);
                for line in all_strings(&m) {
                    assert!(
                        !line.chars().any(|c| c.is_control()
                            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
                        "{line:?}"
                    );
                    assert!(line.chars().count() <= 130, "{line:?}");
                }
                let name = &m.rows[0].name;
                let limit = match group {
                    Group::Apps => NAME_CHARS,
                    Group::Processes => NAME_CHARS + " (66)".len(),
                };
                assert!(name.chars().count() <= limit, "{name:?}");
                assert!(name.starts_with("evil\u{FFFD}]0;pwned"), "{name:?}");
                // Long paths keep their end.
                let exe = m.rows[0]
                    .details
                    .iter()
                    .find(|d| d.starts_with("Executable: "))
                    .expect("executable line");
                assert!(exe.ends_with("dddd"), "{exe}");
                assert!(exe.contains('…'), "{exe}");
            }
        }
    }

    #[test]
    fn nan_and_negative_rates_do_not_panic() {
        let mut s = snapshot(
            vec![
                process(1, 11, "nan", &[("eth0", f64::NAN, f64::NAN, 10, 10)]),
                process(
                    2,
                    12,
                    "endless",
                    &[("eth0", f64::INFINITY, f64::NEG_INFINITY, 10, 10)],
                ),
                process(3, 13, "neg", &[("eth0", -5.0, -1e9, 0, 0)]),
                process(4, 14, "ok", &[("eth0", 2.0 * KIB, 0.0, 5, 5)]),
            ],
            usage(f64::NAN, -3.0, 0, 0),
        );
        s.total = usage(f64::NAN, f64::INFINITY, 0, 0);
        let mut ord = Ordering::new();
        for sort in [Sort::Rate, Sort::SessionTotal, Sort::Today] {
            for device in [None, Some("eth0".to_string())] {
                let settings = MenuSettings {
                    sort,
                    device,
                    ..MenuSettings::default()
                };
                for t in 0..5 {
                    let m = build_at(&s, &settings, &mut ord, t * 1000);
                    for line in all_strings(&m) {
                        assert!(!line.contains("NaN") && !line.contains("inf"), "{line}");
                    }
                    if sort == Sort::Rate {
                        assert_eq!(names(&m), ["ok"]);
                    }
                }
            }
        }
    }

    #[test]
    fn long_lists_are_capped() {
        let procs = (0..20)
            .map(|i| {
                let mut p = process(i, 1000 + i as u32, "chrome", &[("eth0", KIB, 0.0, 0, 0)]);
                p.user = format!("user{}", i % 6);
                p
            })
            .collect();
        let s = snapshot(procs, Usage::default());
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(m.rows.len(), 1);
        let r = &m.rows[0];
        assert_eq!(r.pids.len(), 20);
        assert_eq!(r.label, "chrome  ↓ 20.0 KiB/s ↑ 0 B/s");
        assert!(r
            .details
            .contains(&"PIDs: 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, … (20)".to_string()));
        assert!(r
            .details
            .contains(&"Users: user0, user1, user2, user3, … (6)".to_string()));
    }

    #[test]
    fn ties_are_ordered_deterministically() {
        let s = talkers(&[("b", KIB), ("a", KIB), ("c", KIB)]);
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(names(&m), ["a", "b", "c"]);
    }

    #[test]
    fn missing_names_and_exes_have_stand_ins() {
        let mut p = process(1, 7, "x", &[("eth0", KIB, 0.0, 0, 0)]);
        p.app_name.clear();
        p.app.clear();
        p.exe.clear();
        p.name = "/opt/tool/bin/worker".into();
        let s = snapshot(vec![p], Usage::default());
        let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
        assert_eq!(m.rows[0].name, "worker");
        assert_eq!(m.rows[0].id, RowId::App("/opt/tool/bin/worker".into()));
        assert!(m.rows[0]
            .details
            .contains(&"Executable: unknown".to_string()));
    }
}
