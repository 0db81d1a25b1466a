//! The recording format: `top --record FILE` writes one, `--source replay:FILE` plays one
//! back (with its timing), so demos, tests and benchmarks run without root.
//!
//! JSON Lines: a header, then what the collector received, each with its time in ms since
//! the recording began. Version 2 records the seam's events (epochs, samples), whatever the
//! backend; version 1 recorded the nethogs helper's lines, which still replay (decoded as
//! the nethogs backend does). A file that is not JSON Lines is read as raw nethogs trace
//! output (one device, one refresh per interval), so captured nethogs output replays too.

use crate::collect::procfs::DevCounters;
use crate::collect::sample::{ProcessCount, UnattributedCount};
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, Write};

pub const FORMAT_VERSION: u32 = 2;

/// One line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Item {
    Header {
        version: u32,
        interval_ms: u64,
        devices: Vec<String>,
    },
    /// Version 1: a line of the nethogs helper's protocol, verbatim (lossy UTF-8).
    Helper { t: u64, line: String },
    /// A source's counts for `device` start again from zero.
    Epoch { t: u64, device: String },
    /// One device's cumulative counts, as the source reported them: applied at `t`,
    /// sampled by the source at `at`.
    Sample {
        t: u64,
        at: u64,
        device: String,
        processes: Vec<ProcessCount>,
        unattributed: Vec<UnattributedCount>,
    },
    /// /proc/net/dev counters of the monitored devices: (name, rx_bytes, tx_bytes).
    Netdev {
        t: u64,
        counters: Vec<(String, u64, u64)>,
    },
    /// What /proc said about a process when it was first seen.
    Proc {
        t: u64,
        pid: u32,
        start_time: u64,
        exe: String,
        argv: Vec<String>,
    },
}

impl Item {
    /// Time of the item (the header is at 0).
    pub fn t(&self) -> u64 {
        match self {
            Item::Header { .. } => 0,
            Item::Helper { t, .. }
            | Item::Epoch { t, .. }
            | Item::Sample { t, .. }
            | Item::Netdev { t, .. }
            | Item::Proc { t, .. } => *t,
        }
    }

    /// What the collector applies after the counters and /proc facts of the same instant
    /// (it reads those first, see `read_recording`).
    fn comes_last(&self) -> bool {
        matches!(
            self,
            Item::Helper { .. } | Item::Epoch { .. } | Item::Sample { .. }
        )
    }
}

impl Item {
    /// Moves the item to `new` (a sample's own sampling time moves with it).
    fn set_t(&mut self, new: u64) {
        match self {
            Item::Header { .. } => {}
            Item::Sample { t, at, .. } => {
                *at = at.saturating_sub(t.saturating_sub(new));
                *t = new;
            }
            Item::Helper { t, .. }
            | Item::Epoch { t, .. }
            | Item::Netdev { t, .. }
            | Item::Proc { t, .. } => *t = new,
        }
    }
}

pub fn netdev_item(t: u64, counters: &[DevCounters]) -> Item {
    Item::Netdev {
        t,
        counters: counters
            .iter()
            .map(|c| (c.name.clone(), c.rx_bytes, c.tx_bytes))
            .collect(),
    }
}

/// A recording read into memory, and how many lines were skipped as unreadable.
#[derive(Debug, Default)]
pub struct Recording {
    pub interval_ms: u64,
    pub devices: Vec<String>,
    pub items: Vec<Item>,
    pub skipped: usize,
}

/// Reads a recording (JSON Lines) or raw nethogs output (anything else). `raw_device`
/// names the device of raw output; `interval_ms` spaces its refreshes.
pub fn read_recording(
    r: impl BufRead,
    raw_device: &str,
    interval_ms: u64,
) -> io::Result<Recording> {
    let mut rec = Recording {
        interval_ms,
        ..Recording::default()
    };
    let mut raw: Option<u64> = None; // Some(t) once the input is known to be raw nethogs output
    for line in r.split(b'\n') {
        let line = String::from_utf8_lossy(&line?).into_owned();
        let first = raw.is_none() && rec.items.is_empty() && rec.skipped == 0;
        if first && !line.trim().is_empty() && !line.trim_start().starts_with('{') {
            raw = Some(0);
            rec.devices = vec![raw_device.to_owned()];
            rec.items.push(Item::Helper {
                t: 0,
                line: format!("start {raw_device} 0"),
            });
        }
        if let Some(t) = raw.as_mut() {
            if line == "Refreshing:" {
                *t += interval_ms;
            }
            rec.items.push(Item::Helper {
                t: *t,
                line: format!("line {raw_device} {line}"),
            });
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Item>(&line) {
            Ok(Item::Header {
                interval_ms,
                devices,
                ..
            }) => {
                rec.interval_ms = interval_ms.clamp(100, 60_000);
                rec.devices = devices;
            }
            Ok(item) => rec.items.push(item),
            Err(_) => rec.skipped += 1,
        }
    }
    // Items must be in time order for the replay clock. At one instant the live collector
    // reads counters and /proc before it applies the sample (or the block a helper line
    // completes), so those go first; a stable sort keeps the rest in file order.
    rec.items.sort_by_key(|i| (i.t(), i.comes_last()));
    close_long_gaps(&mut rec.items, rec.interval_ms);
    Ok(rec)
}

/// A gap longer than this replays as one refresh (a recording left paused, or a bogus
/// timestamp, must not stall a replay for hours).
pub const MAX_GAP_MS: u64 = 3_600_000;

fn close_long_gaps(items: &mut [Item], interval_ms: u64) {
    let mut shift = 0u64;
    let mut prev = 0u64;
    for item in items {
        let t = item.t();
        if t.saturating_sub(prev) > MAX_GAP_MS {
            shift = shift.saturating_add(t - prev - interval_ms);
        }
        prev = t;
        item.set_t(t.saturating_sub(shift));
    }
}

/// Writes a recording, line by line.
pub struct Recorder {
    out: Box<dyn Write + Send>,
    pub failed: bool,
}

impl Recorder {
    pub fn new(
        mut out: Box<dyn Write + Send>,
        interval_ms: u64,
        devices: &[String],
    ) -> io::Result<Self> {
        let header = Item::Header {
            version: FORMAT_VERSION,
            interval_ms,
            devices: devices.to_vec(),
        };
        writeln!(
            out,
            "{}",
            serde_json::to_string(&header).map_err(io::Error::other)?
        )?;
        Ok(Recorder { out, failed: false })
    }

    /// Appends an item; a write error is remembered (and logged once), never fatal.
    pub fn write(&mut self, item: &Item) {
        if self.failed {
            return;
        }
        let res = serde_json::to_string(item)
            .map_err(io::Error::other)
            .and_then(|s| writeln!(self.out, "{s}"));
        if let Err(e) = res {
            tracing::warn!("recording stopped: {e}");
            self.failed = true;
        }
    }

    pub fn flush(&mut self) {
        if !self.failed && self.out.flush().is_err() {
            self.failed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_gaps_replay_as_one_refresh() {
        let text = format!(
            "{{\"kind\":\"helper\",\"t\":1000,\"line\":\"a\"}}\n{{\"kind\":\"helper\",\"t\":{},\"line\":\"b\"}}\n{{\"kind\":\"helper\",\"t\":{},\"line\":\"c\"}}\n",
            u64::MAX - 5,
            u64::MAX
        );
        let rec = read_recording(text.as_bytes(), "x", 1000).expect("reads");
        let ts: Vec<u64> = rec.items.iter().map(Item::t).collect();
        assert_eq!(ts, vec![1000, 2000, 2005]);
    }

    #[test]
    fn raw_nethogs_output_replays() {
        let text = "Adding local address: 1.2.3.4\n\nRefreshing:\n/bin/x/5/0\t1\t2\n\nRefreshing:\n/bin/x/5/0\t3\t4\n";
        let rec = read_recording(text.as_bytes(), "eth0", 1000).expect("reads");
        assert_eq!(rec.devices, vec!["eth0"]);
        assert_eq!(rec.items.first().map(Item::t), Some(0));
        assert_eq!(rec.items.last().map(Item::t), Some(2000));
        assert!(matches!(&rec.items[0], Item::Helper { line, .. } if line == "start eth0 0"));
    }

    #[test]
    fn round_trip_and_bad_lines() {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        {
            let out = file.reopen().expect("reopen");
            let mut r = Recorder::new(Box::new(out), 500, &["a".into()]).expect("header");
            r.write(&Item::Helper {
                t: 7,
                line: "start a 1".into(),
            });
            r.write(&netdev_item(
                3,
                &[DevCounters {
                    name: "a".into(),
                    rx_bytes: 1,
                    tx_bytes: 2,
                }],
            ));
            r.flush();
        }
        let mut text = std::fs::read(file.path()).expect("read back");
        text.extend(b"{broken\n");
        let rec = read_recording(&text[..], "x", 1000).expect("reads");
        assert_eq!(rec.interval_ms, 500);
        assert_eq!(rec.devices, vec!["a"]);
        assert_eq!(rec.skipped, 1);
        assert_eq!(rec.items.len(), 2);
        assert_eq!(rec.items[0].t(), 3, "sorted by time");
    }
}
