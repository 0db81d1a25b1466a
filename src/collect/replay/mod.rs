//! Replay: a recording played back as a source like any other, with its own clock (its
//! recorded times, at `--replay-speed`, or as fast as the consumers take it). It brings
//! what a live source leaves to the collector: device counters, /proc facts, and the
//! refresh ticks, so a replay needs neither root nor this machine's devices.
//!
//! - `format` — the recording format (read and written; `top --record`);
//! - this file — the player, and the process lookup a recording answers.

pub mod format;

use super::lookup::ProcLookup;
use super::nethogs::decode::Decoder;
use super::sample::{Event, ProcDetails, SourceCommand, SourceStatus};
use crate::clock::Mono;
use crate::model::{Health, Mode};
use anyhow::Context;
use format::{read_recording, Item, Recording};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A recording, read and ready to play.
pub struct Replay {
    rec: Recording,
    speed: f64,
}

impl Replay {
    /// Reads `path`; raw nethogs output is replayed on `raw_device`, one refresh each
    /// `interval_ms`. Unreadable lines are skipped (and said).
    pub fn open(
        path: &Path,
        raw_device: &str,
        interval_ms: u64,
        speed: f64,
    ) -> anyhow::Result<Self> {
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open replay file {}", path.display()))?;
        let rec = read_recording(std::io::BufReader::new(file), raw_device, interval_ms)
            .with_context(|| format!("cannot read replay file {}", path.display()))?;
        if rec.skipped > 0 {
            tracing::warn!(
                "{}: skipped {} unreadable lines",
                path.display(),
                rec.skipped
            );
        }
        Ok(Replay { rec, speed })
    }

    pub fn devices(&self) -> &[String] {
        &self.rec.devices
    }

    /// Plays the recording: each item at its time, a `Tick` every interval, until two
    /// ticks past the last item (so the last block completes and rates settle).
    pub async fn run(
        self,
        events: mpsc::Sender<Event>,
        mut commands: mpsc::Receiver<SourceCommand>,
    ) {
        let Replay { rec, speed } = self;
        let replay = || SourceStatus {
            mode: Mode::Replay,
            reason: String::new(),
            health: Health::NONE.of("replay"),
        };
        let mut sent = replay();
        if events.send(Event::Status(sent.clone())).await.is_err() {
            return;
        }
        // Version 1 recordings hold the nethogs helper's lines: decode them as it would.
        let mut decoder = Decoder::default();
        decoder.set_devices(&rec.devices);
        let interval = rec.interval_ms.max(100);
        let start = Instant::now();
        let wait = |t: u64| async move {
            if speed > 0.0 {
                let at = start + Duration::from_secs_f64(t as f64 / 1000.0 / speed);
                tokio::time::sleep_until(at).await;
            } else {
                tokio::task::yield_now().await;
            }
        };
        let mut next_tick = interval;
        let last_t = rec.items.last().map_or(0, Item::t);
        let end = last_t.saturating_add(2 * interval);
        let mut items = rec.items.into_iter().peekable();
        loop {
            let next_item_t = items.peek().map(Item::t);
            let tick_due = next_item_t.is_none_or(|t| next_tick <= t);
            if tick_due && next_tick > end {
                break;
            }
            let t = if tick_due {
                next_tick
            } else {
                next_item_t.unwrap_or(next_tick)
            };
            tokio::select! {
                _ = wait(t) => {}
                cmd = commands.recv() => match cmd {
                    Some(SourceCommand::Stop) | None => return,
                    Some(_) => continue,
                },
            }
            let now = Mono(t);
            let mut out = Vec::new();
            // Blocks of raw output complete by silence before a tick or the next line.
            let helper_line = matches!(items.peek(), Some(Item::Helper { .. }));
            if tick_due || helper_line {
                out.extend(decoder.poll(now));
            }
            if tick_due {
                out.push(Event::Tick { at: now });
                next_tick = next_tick.saturating_add(interval);
            } else if let Some(item) = items.next() {
                out.extend(event_of(item, now, &mut decoder));
            }
            // A version 1 recording carries nethogs' complaints: they are the status.
            let status = decoder.status(replay());
            if status != sent {
                sent = status.clone();
                out.insert(0, Event::Status(status));
            }
            for e in out {
                if events.send(e).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// One recorded item as the events it stands for.
fn event_of(item: Item, now: Mono, decoder: &mut Decoder) -> Vec<Event> {
    match item {
        Item::Helper { line, .. } => decoder.line(&line, now),
        Item::Epoch { device, .. } => vec![Event::Epoch { device, at: now }],
        Item::Sample {
            at,
            device,
            processes,
            unattributed,
            ..
        } => vec![Event::Sample(super::sample::DeviceSample {
            device,
            at: Mono(at),
            processes,
            unattributed,
        })],
        Item::Netdev { counters, .. } => vec![Event::Counters {
            at: now,
            counters: counters
                .into_iter()
                .map(|(name, rx_bytes, tx_bytes)| super::procfs::DevCounters {
                    name,
                    rx_bytes,
                    tx_bytes,
                })
                .collect(),
        }],
        Item::Proc {
            pid,
            start_time,
            exe,
            argv,
            ..
        } => vec![Event::Proc {
            pid,
            details: ProcDetails {
                start_time,
                exe,
                argv,
            },
        }],
        Item::Header { .. } => Vec::new(),
    }
}

/// Process details learned from a recording, as the accountant's lookup. User names
/// come from this machine's passwd (the recording holds uids only).
#[derive(Debug, Default)]
pub struct ReplayProcs {
    known: HashMap<u32, ProcDetails>,
    users: super::procfs::ProcFs,
}

impl ProcLookup for ReplayProcs {
    fn start_time(&mut self, pid: u32) -> Option<u64> {
        self.known.get(&pid).map(|d| d.start_time)
    }
    fn details(&mut self, pid: u32) -> Option<ProcDetails> {
        self.known.get(&pid).cloned()
    }
    fn user_name(&mut self, uid: u32) -> Option<String> {
        self.users.user_name(uid)
    }
    fn learn(&mut self, pid: u32, details: ProcDetails) {
        // A recording is a file like any other: kept as /proc's answers are.
        self.known
            .insert(pid, super::procfs::bound_details(details));
    }
}
