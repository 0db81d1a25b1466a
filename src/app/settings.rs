//! What a run of hogwatch is set to do: the command line over the config file, resolved
//! once (flags win, then the file, then the defaults) into the options the core and the
//! front ends use.

use crate::alerts::rules::AlertConfig;
use crate::cli::Global;
use crate::collect::accountant::AccountantConfig;
use crate::collect::collector;
use crate::config::Config;
use crate::store::{Retention, StoreConfig};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    pub collector: collector::Options,
    /// Where history is kept (read), whether or not this run writes it.
    pub data_dir: Option<PathBuf>,
    /// Where this run writes history: live runs do unless --no-history; replays only into
    /// an explicit --data-dir (never into the user's real history).
    pub history_dir: Option<PathBuf>,
    pub store: StoreConfig,
    pub history_max_mb: u64,
    /// The history's crash-safety point: how often the writer writes what it keeps in
    /// memory (on mains; longer on battery). What a crash can lose: docs/history.md.
    pub history_write_every: Duration,
    pub billing_day: u32,
    pub alerts: AlertConfig,
    /// The config file's settings (the tray's menu settings among them).
    pub file: Config,
    /// Take the system service's refreshes where it runs and this user may attach
    /// (`--source` not given): no helper of our own, no password dialog.
    pub follow_service: bool,
}

impl Settings {
    pub fn new(g: &Global) -> Settings {
        let file = g.file.clone();
        let history_max_mb = g.history_max_mb.unwrap_or(file.history_max_mb);
        let data_dir = g
            .data_dir
            .clone()
            .or_else(|| crate::config::xdg_dir("XDG_DATA_HOME", ".local/share"));
        let source = g.source.clone().unwrap_or_else(|| file.backend.clone());
        let history_dir = match (g.no_history, source.is_live()) {
            (true, _) => None,
            (false, true) => data_dir.clone(),
            (false, false) => g.data_dir.clone(),
        };
        let devices = match &g.devices {
            Some(d) => Some(d.0.clone()),
            None if !file.devices.is_empty() => Some(file.devices.clone()),
            None => None,
        };
        let collector = collector::Options {
            source,
            devices,
            include_loopback: g.include_loopback || file.include_loopback,
            interval_s: g.interval.unwrap_or(file.interval),
            battery_interval_s: g.battery_interval.unwrap_or(file.battery_interval),
            elevate: g.elevate,
            record: None,
            replay_speed: g.replay_speed,
            accountant: AccountantConfig {
                idle_evict_ms: g.idle_evict * 1000,
                ..AccountantConfig::default()
            },
        };
        let store = StoreConfig {
            retention: g.history_retention.unwrap_or(Retention {
                fine: file.retention.0,
                minute: file.retention.1,
                hour: file.retention.2,
            }),
            max_bytes: history_max_mb.saturating_mul(1024 * 1024),
            zone: crate::store::tiers::Zone::Local,
        };
        Settings {
            collector,
            data_dir,
            history_dir,
            store,
            history_max_mb,
            history_write_every: Duration::from_secs(
                g.history_write_every.unwrap_or(file.history_write_every),
            ),
            billing_day: g.billing_day.unwrap_or(file.billing_day),
            alerts: file.alerts.clone(),
            follow_service: g.source.is_none(),
            file,
        }
    }

    /// The history writer's options, when this run writes history.
    pub fn writer(&self) -> Option<crate::store::writer::WriterOptions> {
        Some(crate::store::writer::WriterOptions {
            dir: self.history_dir.clone()?,
            store: self.store.clone(),
            flush_every: self.history_write_every,
            power: None,
        })
    }

    /// Collects from this machine (not a recording): the run that does is the user's one
    /// collector, which every other front end attaches to.
    pub fn live(&self) -> bool {
        self.collector.source.is_live()
    }
}
