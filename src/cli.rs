//! The command line (clap). Parsing and validation only: `main.rs` dispatches, and
//! `app::settings` resolves the flags over the config file.

use crate::collect::procfs::valid_device_name;
use crate::collect::sample::Elevate;
use crate::collect::source::SourceSpec;
use crate::store::Retention;
use crate::units::parse_duration;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "hogwatch",
    version,
    about = "Per-process network bandwidth monitor",
    long_about = "Per-process network bandwidth monitor.\n\n\
        With no command, hogwatch puts an icon in the tray that shows the download and \
        upload rates, with a menu of the programs using the network (per process, app and \
        device); it records history and raises alerts. The commands are terminal front ends.\n\n\
        The data comes from nethogs, run by hogwatch-helper, the only part that runs as root \
        (through pkexec or sudo). `hogwatch doctor` tells what works and how to fix the rest."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// Options every subcommand accepts.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Devices to monitor, comma-separated (default: every up, non-loopback device).
    #[arg(long, global = true, value_parser = parse_devices, value_name = "DEV,DEV")]
    pub devices: Option<Devices>,
    /// Also monitor loopback (nethogs counts loopback traffic only as sent).
    #[arg(long, global = true)]
    pub include_loopback: bool,
    /// How the privileged helper is started.
    #[arg(long, global = true, value_enum, default_value_t = Elevate::Auto)]
    pub elevate: Elevate,
    /// Where data comes from: `nethogs`, `ebpf` (a kernel program, loaded by the helper), or
    /// `replay:FILE` (a recording or raw nethogs output) [config: monitor.backend, default
    /// nethogs].
    #[arg(long, global = true, value_parser = parse_source)]
    pub source: Option<SourceSpec>,
    /// Refresh interval in whole seconds (1–60) [config: monitor.interval, default 1].
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub interval: Option<u64>,
    /// Refresh interval on battery, in whole seconds (1–60; never below --interval)
    /// [config: monitor.battery_interval, default 2].
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub battery_interval: Option<u64>,
    /// Replay speed factor for `--source replay:` (0 = as fast as possible).
    #[arg(long, global = true, default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    pub replay_speed: f64,
    /// Seconds without traffic after which a process leaves the live table.
    #[arg(long, global = true, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_evict: u64,
    /// Where history is kept (default: $XDG_DATA_HOME/hogwatch). Replays write history
    /// only when this is given.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Do not write history.
    #[arg(long, global = true)]
    pub no_history: bool,
    /// Size cap of the history file in MiB; the oldest fine data goes first
    /// [config: history.max_mb, default 200].
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub history_max_mb: Option<u64>,
    /// How long 10-second, minute and hour buckets are kept, e.g. `1d,30d,365d`
    /// [config: history.retention].
    #[arg(long, global = true, value_parser = parse_retention)]
    pub history_retention: Option<Retention>,
    /// Seconds between history writes (the crash-safety point: a crash loses at most
    /// this much; five times longer on battery) [config: history.write_every, default 90].
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub history_write_every: Option<u64>,
    /// Day of the month (1–28) on which a billing month starts [config: history.billing_day].
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..=28))]
    pub billing_day: Option<u32>,
    /// Config file (default: $XDG_CONFIG_HOME/hogwatch/config.toml, written on first run).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Open the dashboard in the web browser (xdg-open) instead of a window of its own.
    #[arg(long, global = true)]
    pub browser: bool,
    /// The config file's settings, read by `main` (flags above override them).
    #[arg(skip)]
    pub file: crate::config::Config,
}

fn parse_retention(s: &str) -> Result<Retention, String> {
    let parts: Vec<&str> = s.split(',').collect();
    let [fine, minute, hour] = parts[..] else {
        return Err(format!(
            "expected three durations FINE,MINUTE,HOUR like 1d,30d,365d, got {s:?}"
        ));
    };
    Ok(Retention {
        fine: parse_duration(fine)?,
        minute: parse_duration(minute)?,
        hour: parse_duration(hour)?,
    })
}

/// A validated device list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Devices(pub Vec<String>);

fn parse_devices(s: &str) -> Result<Devices, String> {
    let list: Vec<String> = s
        .split(',')
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    if list.is_empty() {
        return Err("no device named".into());
    }
    if let Some(bad) = list.iter().find(|d| !valid_device_name(d)) {
        return Err(format!(
            "invalid device name {bad:?}: 1–15 characters of letters, digits and _ . : @ -"
        ));
    }
    Ok(Devices(list))
}

fn parse_source(s: &str) -> Result<SourceSpec, String> {
    s.parse()
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a number from 0 to 1000, got {s:?}")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Live per-process table in the terminal (or JSON snapshots with --json).
    Top(TopArgs),
    /// Check nethogs, privileges, devices and history, and print the fix for each problem.
    Doctor,
    /// Totals from the history: per app, device, day or billing month, over any range.
    History(HistoryArgs),
    /// Collect and serve the dashboard to a browser (default http://127.0.0.1:6432).
    Server(ServerArgs),
    /// The machine's collector, as the packaged systemd unit runs it: state in
    /// $STATE_DIRECTORY, config $CONFIGURATION_DIRECTORY/config.toml, socket in
    /// $RUNTIME_DIRECTORY for desktops of group `hogwatch`, dashboard and /metrics on
    /// http://127.0.0.1:9736 (docs/service.md).
    Service(ServiceArgs),
}

/// The system service's default port (the per-user dashboard keeps 6432, so both can run).
pub const SERVICE_PORT: u16 = 9736;

#[derive(Debug, Clone, Args)]
pub struct ServiceArgs {
    /// Port for the dashboard, the API and /metrics (default 9736).
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to listen on; anything but loopback needs --insecure-http (a fleet's
    /// Prometheus scraping over the LAN: docs/prometheus.md).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Serve a non-loopback --bind over plain HTTP (no TLS): anyone on the network path
    /// can read the figures and the token.
    #[arg(long)]
    pub insecure_http: bool,
}

/// Default dashboard port.
pub const DEFAULT_PORT: u16 = 6432;

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Port to listen on (`hogwatch server 8010` as with the old tool).
    pub port: Option<u16>,
    /// Address to listen on; anything but loopback needs --insecure-http.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Serve a non-loopback --bind over plain HTTP (no TLS): anyone on the network path
    /// can read the figures and the dashboard's key.
    #[arg(long)]
    pub insecure_http: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GroupBy {
    #[default]
    App,
    Device,
    Day,
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// How far back from now: 5m, 30m, 1h, 24h, 7d, 30d, all (or any like 90m, 2w).
    #[arg(long, default_value = "30d", conflicts_with = "since")]
    pub range: String,
    /// Start: `2026-11-01`, `2026-11-01 08:00`, RFC 3339, or a duration ago like `3h`.
    #[arg(long)]
    pub since: Option<String>,
    /// End (default: now), in the same forms as --since.
    #[arg(long, requires = "since")]
    pub until: Option<String>,
    /// Group totals by app, device, local day or billing month.
    #[arg(long, value_enum, default_value_t = GroupBy::App)]
    pub by: GroupBy,
    /// Only this app (its key or its name as listed).
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Rows at most for --by app.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SortBy {
    /// Current rate, up + down.
    #[default]
    Rate,
    /// Bytes moved since first seen.
    Total,
}

#[derive(Debug, Clone, Args, Default)]
pub struct TopArgs {
    /// Print one JSON snapshot per line per refresh instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Stop after N refreshes.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Sort processes by current rate or by total transferred.
    #[arg(long, value_enum, default_value_t = SortBy::Rate)]
    pub sort: SortBy,
    /// Rows to show in the table (default: what fits the terminal).
    #[arg(long, value_name = "N")]
    pub rows: Option<usize>,
    /// Record what the collector receives to FILE, for `--source replay:FILE`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}
