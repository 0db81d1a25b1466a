//! The eBPF backend's maps, read every interval and printed as one block of records:
//! numbers and escaped names only, never raw text a process chose.
//!
//! - `tick <seq>`: a block begins.
//! - `ebpf <netns> <ifindex> <tgid> <uid> <sent> <recv> <live|exit> <comm>`: bytes (IP
//!   packets, headers included, no link-layer header) of process tgid on device ifindex of
//!   namespace netns (a cookie; 0 unknown) since the previous block; only entries that moved
//!   or ended. tgid 0: packets of no socket, or of a socket whose owner was never known.
//!   `exit`: the process is gone, this is its last record (its entry is then dropped). comm
//!   is the name the process had when the entry was made, escaped as `rec` lines are.
//! - `counters <name>=<n> …`: the kernel program's counters since it was loaded: failed
//!   inserts (`*_full`: bytes lost or charged to tgid 0, never silently), packets without a
//!   socket, packets parked until their socket's owner was known, sockets adopted by
//!   send/recv, the bytes lost with `traffic_full`; and `traffic=<entries>`, the traffic
//!   map's fill (of 16384, or `--traffic-entries`).
//! - `end <seq>`: the block is complete.
//!
//! The block is written with one write(2), so a reader sees it whole or not at all.
//!
//! Between blocks, `new <tgid>` lines (from the kernel's `news` ring buffer, read as soon as
//! it has something): a process owns a socket for the first time, so that the caller reads
//! its executable and command line from /proc with its own rights while it still runs.

use super::emit;
use super::records::escape_into;
use aya::maps::{HashMap, MapData, PerCpuArray, RingBuf};
use aya::{Ebpf, Pod};
use std::collections::{HashMap as StdMap, HashSet};
use std::error::Error;
use std::fmt::Write as _;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;

/// `struct tkey` of hogwatch.bpf.c.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TKey {
    netns: u64,
    tgid: u32,
    ifindex: u32,
}

/// `struct tval` of hogwatch.bpf.c.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TVal {
    sent: u64,
    recv: u64,
    uid: u32,
    _pad: u32,
    comm: [u8; 16],
}

// SAFETY: both are repr(C) with the C structs' layout (u64, u32, u32 = 16 bytes; u64, u64,
// u32, u32, [u8; 16] = 40 bytes): no padding, and every bit pattern is a valid value.
#[allow(unsafe_code)]
unsafe impl Pod for TKey {}
// SAFETY: see TKey.
#[allow(unsafe_code)]
unsafe impl Pod for TVal {}

/// Names of `counters`' slots, in the order of the C enum.
const COUNTERS: [&str; 9] = [
    "owner_full",
    "traffic_full",
    "pending_full",
    "no_socket",
    "parked",
    "adopted",
    "exit_full",
    "lost_bytes",
    "news_lost",
];

/// The slot of `exit_full` in `counters`.
const EXIT_FULL: u32 = 6;
const _: () = assert!(matches!(
    COUNTERS[EXIT_FULL as usize].as_bytes(),
    b"exit_full"
));

type AnyError = Box<dyn Error>;

pub struct Reporter {
    traffic: HashMap<MapData, TKey, TVal>,
    exited: HashMap<MapData, u32, u8>,
    counters: PerCpuArray<MapData, u64>,
    news: RingBuf<MapData>,
    /// The exit hook is attached: its marks are the truth, unless some were lost.
    exits: bool,
    /// What each entry held at the previous block: records carry the difference.
    last: StdMap<TKey, (u64, u64)>,
    seq: u64,
}

impl Reporter {
    pub fn new(ebpf: &mut Ebpf, exits: bool) -> Result<Reporter, AnyError> {
        let mut take = |name: &str| ebpf.take_map(name).ok_or(format!("no map {name}"));
        Ok(Reporter {
            traffic: HashMap::try_from(take("traffic")?)?,
            exited: HashMap::try_from(take("exited")?)?,
            counters: PerCpuArray::try_from(take("counters")?)?,
            news: RingBuf::try_from(take("news")?)?,
            exits,
            last: StdMap::new(),
            seq: 0,
        })
    }

    /// The ring buffer's descriptor: readable when the kernel has news.
    pub fn news_fd(&self) -> RawFd {
        self.news.as_raw_fd()
    }

    /// Prints a `new` line for each process the kernel announced since the last call.
    pub fn news(&mut self) {
        let mut out = String::new();
        while let Some(item) = self.news.next() {
            if let Ok(bytes) = <[u8; 4]>::try_from(&*item) {
                let _ = writeln!(out, "new {}", u32::from_ne_bytes(bytes));
            }
        }
        if let Some(lines) = out.strip_suffix('\n') {
            emit(lines, b"");
        }
    }

    /// Prints one block, and drops the entries of processes that have exited.
    pub fn report(&mut self) -> Result<(), AnyError> {
        self.seq += 1;
        // Exits first: an entry made after this read is still there next time.
        let exited: HashSet<u32> = self.exited.keys().collect::<Result<_, _>>()?;
        let entries: Vec<(TKey, TVal)> = self.traffic.iter().collect::<Result<_, _>>()?;
        let exit_full: u64 = self.counters.get(&EXIT_FULL, 0)?.iter().sum();
        let look_in_proc = !self.exits || exit_full > 0;
        let mut out = format!("tick {}\n", self.seq);
        let mut gone = Vec::new();
        for (key, val) in &entries {
            let (sent0, recv0) = self.last.get(key).copied().unwrap_or((0, 0));
            // Smaller than before: the entry was dropped and made anew meanwhile.
            let sent = val.sent.checked_sub(sent0).unwrap_or(val.sent);
            let recv = val.recv.checked_sub(recv0).unwrap_or(val.recv);
            // Without the exit hook, or once a mark was lost (map full), /proc says who is
            // gone (a zombie still has its entry). Not otherwise: with hidepid, the helper
            // (`nobody` by now) would find every other user's process gone. A process that
            // exits between our two reads is marked next time.
            let ended = key.tgid != 0
                && (exited.contains(&key.tgid)
                    || (look_in_proc && !Path::new(&format!("/proc/{}", key.tgid)).exists()));
            if sent == 0 && recv == 0 && !ended {
                continue;
            }
            let state = if ended { "exit" } else { "live" };
            let mut comm = Vec::new();
            let name = val.comm.split(|&b| b == 0).next().unwrap_or_default();
            escape_into(name, &mut comm);
            let _ = writeln!(
                out,
                "ebpf {} {} {} {} {sent} {recv} {state} {}",
                key.netns,
                key.ifindex,
                key.tgid,
                val.uid,
                String::from_utf8_lossy(&comm)
            );
            if ended {
                gone.push(*key);
            } else {
                self.last.insert(*key, (val.sent, val.recv));
            }
        }
        for key in &gone {
            self.last.remove(key);
            let _ = self.traffic.remove(key); // already gone: nothing to drop
        }
        for tgid in &exited {
            let _ = self.exited.remove(tgid);
        }
        // Entries that vanished without an exit (none should) must not pin memory here.
        if self.last.len() > entries.len() {
            let present: HashSet<TKey> = entries.iter().map(|(k, _)| *k).collect();
            self.last.retain(|k, _| present.contains(k));
        }
        out.push_str("counters");
        for (i, name) in (0u32..).zip(COUNTERS) {
            let total: u64 = self.counters.get(&i, 0)?.iter().sum();
            let _ = write!(out, " {name}={total}");
        }
        let _ = write!(out, " traffic={}\nend {}", entries.len(), self.seq);
        emit(&out, b"");
        Ok(())
    }
}
