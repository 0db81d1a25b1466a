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
//!
//! This file holds the model's types, its tunables and `build`, which ties the parts
//! together:
//! - `settings` — the user's choices (`MenuSettings`, `Sort`, `Group`);
//! - `rows` — snapshot processes → candidate rows (grouping, device filter, sort key);
//! - `ordering` — the rows' order across refreshes, with hysteresis (`Ordering`);
//! - `labels` — a row's label figures and its detail lines;
//! - `lines` — the header, unattributed share, device choices, status, placeholder and
//!   alert lines.
//! - `tests` — the unit tests, one file per part, on snapshots built in `tests/mod.rs`.

mod labels;
mod lines;
mod ordering;
mod rows;
mod settings;
#[cfg(test)]
mod tests;

pub use ordering::Ordering;
pub use settings::{Group, MenuSettings, Sort};

use crate::clock::Mono;
use crate::model::{Mode, Snapshot, Usage};
use rows::Candidate;
use std::collections::HashMap;
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
    /// "On battery: refreshing every 2 s" while the refresh is stretched for the battery.
    pub power: Option<String>,
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
    prev.restart_if_changed(context);

    let mut cands = rows::candidates(s, settings);
    let mut ranked: Vec<(RowId, f64)> = cands
        .iter()
        .map(|c| (c.id.clone(), rows::sort_key(c, settings.sort)))
        .filter(|(_, k)| *k > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let order = prev.arrange(&ranked, settings.top_n, now);

    let mut by_id: HashMap<RowId, Candidate> = cands.drain(..).map(|c| (c.id.clone(), c)).collect();
    let rows: Vec<Row> = order
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|c| Row {
            label: format!("{}  {}", c.name, labels::figures(&c, settings.sort)),
            details: labels::details(&c),
            id: c.id,
            name: c.name,
            usage: c.usage,
            today: c.today,
            pids: c.pids.into_iter().collect(),
            app: c.app,
        })
        .collect();

    MenuModel {
        header: lines::header(s, settings, today),
        placeholder: rows
            .is_empty()
            .then(|| lines::placeholder(s, settings.device.as_deref())),
        rows,
        unattributed: lines::unattributed_line(s, settings),
        devices: lines::device_choices(s, settings.device.as_deref()),
        status: lines::status_line(s),
        power: lines::power_line(s),
        offer_enable_per_process: s.mode == Mode::TotalsOnly,
        pause_label: if settings.paused { "Resume" } else { "Pause" },
        alerts: lines::alert_lines(&settings.alerts),
        autostart: settings.autostart,
        alerts_pause_label: if settings.alerts_paused {
            "Resume alerts"
        } else {
            "Pause alerts"
        },
    }
}
