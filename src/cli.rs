//! The command line (clap). Parsing and validation only; `main.rs` dispatches.

use crate::collect::accountant::AccountantConfig;
use crate::collect::collector::{Options, Source};
use crate::collect::privilege::Elevate;
use crate::collect::procfs::valid_device_name;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "hogwatch", version, about = "Per-process network bandwidth monitor", long_about = None)]
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
    /// Where data comes from: `nethogs`, or `replay:FILE` (a recording or raw nethogs output).
    #[arg(long, global = true, default_value = "nethogs", value_parser = parse_source)]
    pub source: Source,
    /// Refresh interval in whole seconds (1–60).
    #[arg(long, global = true, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub interval: u64,
    /// Replay speed factor for `--source replay:` (0 = as fast as possible).
    #[arg(long, global = true, default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    pub replay_speed: f64,
    /// Seconds without traffic after which a process leaves the live table.
    #[arg(long, global = true, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_evict: u64,
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

fn parse_source(s: &str) -> Result<Source, String> {
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
    /// Check nethogs, privileges and devices, and print the fix for each problem.
    Doctor,
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

impl Global {
    /// Collector options from the command line.
    pub fn collector_options(&self, record: Option<PathBuf>) -> Options {
        Options {
            source: self.source.clone(),
            devices: self.devices.as_ref().map(|d| d.0.clone()),
            include_loopback: self.include_loopback,
            interval_s: self.interval,
            elevate: self.elevate,
            record,
            replay_speed: self.replay_speed,
            accountant: AccountantConfig {
                idle_evict_ms: self.idle_evict * 1000,
                ..AccountantConfig::default()
            },
        }
    }
}
