//! The user's choices for the tray menu: how many rows, what orders them, what a row
//! stands for, the device filter, pause, and what history, alerts and autostart add.

use super::DEFAULT_TOP_N;
use std::collections::HashMap;

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
