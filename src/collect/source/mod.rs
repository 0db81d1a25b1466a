//! The collection seam: where data comes from. Every source runs as a task that sends
//! the collector `Event`s (cumulative per-process, per-device counts with process
//! identity; see `sample`) and takes `SourceCommand`s; the collector, the accountant and
//! everything above never know which one it is.
//!
//! Adding a backend: a folder beside `nethogs/` and `ebpf/` with a `run` task, and a variant in
//! `SourceSpec` and `Source` here. `fallback` runs nethogs where eBPF cannot run.

mod fallback;

use super::ebpf;
use super::lookup::ProcLookup;
use super::nethogs;
use super::replay::{self, Replay};
use super::sample::{Elevate, Event, SourceCommand};
use crate::clock::SystemClock;
use std::path::PathBuf;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// `--source nethogs|ebpf|service|replay:FILE`.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    Nethogs,
    Ebpf,
    Replay(PathBuf),
    /// The system service's refreshes, taken whole from its socket (`upstream`): not a
    /// source of events but a collector above this one's.
    Service(PathBuf),
}

impl std::str::FromStr for SourceSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nethogs" => Ok(SourceSpec::Nethogs),
            "ebpf" => Ok(SourceSpec::Ebpf),
            "service" => Ok(SourceSpec::Service(super::upstream::system_socket())),
            _ => match s.strip_prefix("replay:") {
                Some(p) if !p.is_empty() => Ok(SourceSpec::Replay(PathBuf::from(p))),
                _ => Err(format!(
                    "expected `nethogs`, `ebpf`, `service` or `replay:FILE`, got {s:?}"
                )),
            },
        }
    }
}

impl SourceSpec {
    /// Live data of this machine (not a recording).
    pub fn is_live(&self) -> bool {
        !matches!(self, SourceSpec::Replay(_))
    }

    /// The source's name, as `--source` and `hogwatch top` say it.
    pub fn name(&self) -> &'static str {
        match self {
            SourceSpec::Nethogs => "nethogs",
            SourceSpec::Ebpf => "ebpf",
            SourceSpec::Replay(_) => "replay",
            SourceSpec::Service(_) => "service",
        }
    }
}

/// What opening a source needs.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// The devices to monitor now (live sources).
    pub devices: Vec<String>,
    pub interval_s: u64,
    pub elevate: Elevate,
    /// Replay speed factor; 0 replays as fast as the consumers take it.
    pub replay_speed: f64,
    /// The device raw nethogs output (a capture without a header) is replayed on.
    pub replay_device: String,
}

/// A source, opened and ready to run.
pub enum Source {
    Nethogs(nethogs::Options),
    Ebpf(ebpf::Options),
    Replay(Replay),
}

impl Source {
    /// Opens the source `spec` names (a replay reads its file now: a bad file fails here).
    pub fn open(spec: &SourceSpec, opts: &SourceOptions) -> anyhow::Result<Source> {
        Ok(match spec {
            SourceSpec::Nethogs => Source::Nethogs(nethogs::Options {
                interval_s: opts.interval_s,
                elevate: opts.elevate,
                devices: opts.devices.clone(),
            }),
            SourceSpec::Ebpf => Source::Ebpf(ebpf::Options {
                interval_s: opts.interval_s,
                elevate: opts.elevate,
                devices: opts.devices.clone(),
            }),
            SourceSpec::Service(_) => {
                anyhow::bail!("the system service is the collector's upstream, not a source")
            }
            SourceSpec::Replay(path) => Source::Replay(Replay::open(
                path,
                &opts.replay_device,
                opts.interval_s * 1000,
                opts.replay_speed,
            )?),
        })
    }

    /// A live source: the collector ticks, reads /proc/net/dev, follows the device set
    /// and asks /proc about processes. A replay brings all of that itself.
    pub fn is_live(&self) -> bool {
        !matches!(self, Source::Replay(_))
    }

    /// The devices the source starts with.
    pub fn devices(&self) -> Vec<String> {
        match self {
            Source::Nethogs(o) => o.devices.clone(),
            Source::Ebpf(o) => o.devices.clone(),
            Source::Replay(r) => r.devices().to_vec(),
        }
    }

    /// Where the accountant learns about processes.
    pub fn lookup(&self) -> Box<dyn ProcLookup> {
        match self {
            Source::Nethogs(_) | Source::Ebpf(_) => Box::new(super::procfs::ProcFs::default()),
            Source::Replay(_) => Box::new(replay::ReplayProcs::default()),
        }
    }

    /// Runs the source as a task; it ends on `Stop`, when `commands` closes, when the
    /// collector drops `events`, or (a replay) when it has nothing more to say.
    pub fn spawn(
        self,
        clock: SystemClock,
        events: mpsc::Sender<Event>,
        commands: mpsc::Receiver<SourceCommand>,
    ) -> JoinHandle<()> {
        match self {
            Source::Nethogs(o) => tokio::spawn(nethogs::run(o, clock, events, commands)),
            Source::Ebpf(o) => tokio::spawn(fallback::ebpf_or_nethogs(o, clock, events, commands)),
            Source::Replay(r) => tokio::spawn(r.run(events, commands)),
        }
    }
}
