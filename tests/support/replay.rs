//! Recordings for `--source replay:FILE`, written with the crate's own `Item` type so
//! they are the format the collector reads, with rates a test can predict.
//!
//! A `Talker` moves a constant number of bytes per second on one device; the device
//! counters are the sum of the talkers on it plus `background` bytes that no process
//! owns (the unattributed share).

use hogwatch::collect::replay::format::{Item, FORMAT_VERSION};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Talker {
    pub pid: u32,
    /// Full path: nethogs' name, and /proc's exe.
    pub exe: &'static str,
    pub device: &'static str,
    pub up_per_s: u64,
    pub down_per_s: u64,
}

/// What every recording starts with: its header (1 s refreshes on `devices`), the
/// helper's hello, and a nethogs start per device (pids 100, 101, …).
pub fn preamble<E>(put: &mut impl FnMut(Item) -> Result<(), E>, devices: &[&str]) -> Result<(), E> {
    put(Item::Header {
        version: FORMAT_VERSION,
        interval_ms: 1000,
        devices: devices.iter().map(|d| d.to_string()).collect(),
    })?;
    put(Item::Helper {
        t: 0,
        line: "hello 1 replay".into(),
    })?;
    for (i, d) in devices.iter().enumerate() {
        put(Item::Helper {
            t: 0,
            line: format!("start {d} {}", 100 + i),
        })?;
    }
    Ok(())
}

/// Writes a recording of `seconds` refreshes (1 s apart) of `talkers` on `devices`.
/// `background` = (up, down) bytes per second per device that no process owns.
pub fn write(
    path: &Path,
    devices: &[&str],
    talkers: &[Talker],
    seconds: u64,
    background: (u64, u64),
) -> std::io::Result<()> {
    let from_start: Vec<(Talker, u64)> = talkers.iter().map(|t| (t.clone(), 0)).collect();
    write_staggered(path, devices, &from_start, seconds, background)
}

/// [`write`], with each talker first heard of after its second (`(talker, 0)`: from
/// the start): before it, nethogs does not list it and it moves nothing.
pub fn write_staggered(
    path: &Path,
    devices: &[&str],
    talkers: &[(Talker, u64)],
    seconds: u64,
    background: (u64, u64),
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut put = |item: Item| -> std::io::Result<()> {
        let json = serde_json::to_string(&item).map_err(std::io::Error::other)?;
        writeln!(out, "{json}")
    };
    preamble(&mut put, devices)?;
    for (t, _) in talkers {
        let name = t.exe.rsplit('/').next().unwrap_or(t.exe);
        put(Item::Proc {
            t: 0,
            pid: t.pid,
            start_time: 1000 + u64::from(t.pid),
            exe: t.exe.to_string(),
            argv: vec![name.to_string(), "--test".to_string()],
        })?;
    }
    for s in 1..=seconds {
        let ms = s * 1000;
        for d in devices {
            put(Item::Helper {
                t: ms,
                line: format!("line {d} Refreshing:"),
            })?;
            for (t, after) in talkers.iter().filter(|(t, a)| t.device == *d && s > *a) {
                // nethogs -t -v 2: "NAME/PID/UID<TAB>SENT<TAB>RECEIVED", cumulative bytes.
                put(Item::Helper {
                    t: ms,
                    line: format!(
                        "line {d} {}/{}/1000\t{}\t{}",
                        t.exe,
                        t.pid,
                        t.up_per_s * (s - after),
                        t.down_per_s * (s - after)
                    ),
                })?;
            }
        }
        let counters = devices
            .iter()
            .map(|d| {
                let (up, down) = talkers.iter().filter(|(t, _)| t.device == *d).fold(
                    (background.0 * s, background.1 * s),
                    |(u, dn), (t, a)| {
                        let secs = s.saturating_sub(*a);
                        (u + t.up_per_s * secs, dn + t.down_per_s * secs)
                    },
                );
                // /proc/net/dev order: (name, rx, tx).
                (d.to_string(), down, up)
            })
            .collect();
        put(Item::Netdev {
            t: ms + 10,
            counters,
        })?;
    }
    out.flush()
}
