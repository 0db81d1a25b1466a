//! Frames one device's nethogs output into refresh blocks.
//!
//! nethogs prints `Refreshing:` then the records of that refresh in one burst, and no
//! end marker: a block is complete when the helper says nethogs fell quiet (`quiet`), at
//! the next `Refreshing:`, or after a short silence of our own.
//!
//! Live output comes as messages, one per write(2) of nethogs (the helper's `rec`), and
//! nethogs writes each record with one flush: so a message is at most one record, whose
//! last fields — `/PID/UID<TAB>SENT<TAB>RECV` — nethogs wrote, whatever the name before
//! them holds. A message therefore never yields a record for a pid other than the one
//! nethogs printed, which is why a name with newlines cannot forge records (`feed_message`).
//! The marker itself comes glued to the front of the block's first record
//! (`"\nRefreshing:\n" + record`); a name may start with the same bytes, so a marker is
//! believed only at the front of a message that follows a silence (a block's records come
//! in one burst). Getting that wrong can only merge two refreshes or split one — never
//! create a record — and the accountant handles both. Recordings and raw traces are framed
//! by lines (`feed`): they come from files the user chose, not from other users.

use super::trace::{parse_line, parse_record, Record, TraceLine, NOISE_PREFIXES};
use crate::clock::Mono;

/// Silence after which an open block counts as complete (nethogs writes a block in one
/// burst, its records microseconds apart). Under 64 ms on purpose: tokio's timer wheel
/// wakes once for a deadline that close and twice (its 64 ms slot, then the millisecond)
/// for one further out — 200 ms cost an idle hogwatch an extra wakeup per block. A burst
/// cut short only delays its last records to the next block (counts are cumulative).
pub const BLOCK_SILENCE_MS: u64 = 60;

/// Silence before a message that a marker at its front needs to start a block: far less
/// than nethogs' refresh interval (≥ 1 s), far more than a gap within one burst.
pub const MARKER_SILENCE_MS: u64 = 100;

/// The bytes nethogs writes for a marker (`"\nRefreshing:\n"`), in front of a record.
const MARKER: &str = "\nRefreshing:\n";

/// One complete refresh of one nethogs.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// When its `Refreshing:` line arrived: the moment nethogs sampled its totals.
    pub at: Mono,
    pub processes: Vec<Record>,
    pub unattributed: Vec<Record>,
}

/// Assembles blocks for one device.
#[derive(Debug, Default)]
pub struct BlockAssembler {
    open: Option<Block>,
    last_line: Mono,
    /// A marker was seen since this nethogs started (before it, only nethogs writes).
    started: bool,
    /// Lines that matched no known shape (diagnostics).
    pub malformed: u64,
    /// Writes too long to read whole (`long`).
    pub long: u64,
    /// The last message was such a write: the next one ends its record.
    continued: bool,
}

impl BlockAssembler {
    /// Feeds one line; returns the previous block when this line starts a new one.
    pub fn feed(&mut self, line: &str, now: Mono) -> Option<Block> {
        self.last_line = now;
        match parse_line(line) {
            TraceLine::Refreshing => return self.open_block(now),
            TraceLine::Process(r) | TraceLine::Unattributed(r) => self.add(r),
            TraceLine::Noise => {}
            TraceLine::Malformed => self.malformed += 1,
        }
        None
    }

    /// Feeds one whole write of nethogs (without the helper's escaping); returns the
    /// previous block when this message starts a new one.
    pub fn feed_message(&mut self, msg: &[u8], now: Mono) -> Option<Block> {
        let text = String::from_utf8_lossy(msg);
        let (done, rest) = self.front(&text, now);
        let continued = std::mem::take(&mut self.continued);
        let rest = rest.strip_suffix('\n').unwrap_or(rest);
        if !self.started || rest.is_empty() {
            return done;
        }
        match parse_record(rest) {
            Some(r) => self.add(Record { continued, ..r }),
            None if NOISE_PREFIXES.iter().any(|p| rest.starts_with(p)) => {}
            None => self.malformed += 1,
        }
        done
    }

    /// A write too long to read whole, by its first bytes: it may start a block; the
    /// next message ends its record. Returns the previous block if it starts one.
    pub fn feed_long(&mut self, head: &[u8], now: Mono) -> Option<Block> {
        self.long += 1;
        let (done, _) = self.front(&String::from_utf8_lossy(head), now);
        self.continued = true;
        done
    }

    /// A message's front: a marker (opening a block, returning the previous one) or not,
    /// and what follows it.
    fn front<'a>(&mut self, text: &'a str, now: Mono) -> (Option<Block>, &'a str) {
        let quiet = self.open.is_none() || now.since(self.last_line) >= MARKER_SILENCE_MS;
        self.last_line = now;
        let (marker, rest) = if !self.started {
            // Before the first refresh only nethogs writes (start-up chatter), so its first
            // marker is genuine wherever it sits in the message.
            match text.split_once(MARKER) {
                Some((_, rest)) => (true, rest),
                None => (false, text),
            }
        } else {
            match text.strip_prefix(MARKER) {
                Some(rest) if quiet => (true, rest),
                _ => (false, text),
            }
        };
        if !marker {
            return (None, rest);
        }
        self.started = true;
        (self.open_block(now), rest)
    }

    /// Opens a new block at `at`; returns the one it completes.
    fn open_block(&mut self, at: Mono) -> Option<Block> {
        self.open.replace(Block {
            at,
            processes: Vec::new(),
            unattributed: Vec::new(),
        })
    }

    /// Adds a record to the open block (none is open before the first marker).
    fn add(&mut self, r: Record) {
        if let Some(b) = self.open.as_mut() {
            if r.pid == 0 {
                b.unattributed.push(r);
            } else {
                b.processes.push(r);
            }
        }
    }

    /// The helper saw nethogs fall silent after its last message (`quiet`): the open block
    /// is complete, without waiting for a silence of our own.
    pub fn quiet(&mut self) -> Option<Block> {
        self.open.take()
    }

    /// Completes the open block once nethogs has been silent long enough (a helper older
    /// than protocol 3, which says no `quiet`, and recordings made with one).
    pub fn poll(&mut self, now: Mono) -> Option<Block> {
        if self.open.is_some() && now.since(self.last_line) >= BLOCK_SILENCE_MS {
            return self.open.take();
        }
        None
    }

    /// When `poll` may next complete a block, if one is open.
    pub fn deadline(&self) -> Option<Mono> {
        self.open
            .as_ref()
            .map(|_| self.last_line.plus_ms(BLOCK_SILENCE_MS))
    }

    /// Drops any partial block (its nethogs has exited; a new generation starts).
    pub fn reset(&mut self) {
        self.open = None;
        self.started = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_blocks_by_marker_and_silence() {
        let mut a = BlockAssembler::default();
        assert!(a.feed("Adding local address: 1.2.3.4", Mono(0)).is_none());
        assert!(a.feed("", Mono(1)).is_none());
        assert!(a.feed("Refreshing:", Mono(1000)).is_none());
        assert!(a.feed("/bin/x/5/0\t10\t20", Mono(1001)).is_none());
        assert!(a.feed("unknown TCP/0/0\t0\t0", Mono(1002)).is_none());
        assert!(
            a.poll(Mono(1002 + BLOCK_SILENCE_MS - 1)).is_none(),
            "too early"
        );
        let b = a
            .poll(Mono(1002 + BLOCK_SILENCE_MS))
            .expect("silence completes the block");
        assert_eq!(b.at, Mono(1000));
        assert_eq!(b.processes.len(), 1);
        assert_eq!(b.unattributed.len(), 1);
        assert!(a.poll(Mono(5000)).is_none());
        // A marker completes a still-open block.
        a.feed("Refreshing:", Mono(2000));
        a.feed("/bin/x/5/0\t11\t20", Mono(2001));
        let b = a.feed("Refreshing:", Mono(2100)).expect("marker completes");
        assert_eq!(b.processes[0].sent_bytes(), 11);
    }

    #[test]
    fn records_before_first_marker_are_ignored() {
        let mut a = BlockAssembler::default();
        a.feed("/bin/x/5/0\t10\t20", Mono(0));
        assert!(a.poll(Mono(1000)).is_none());
    }

    fn pids(b: &Block) -> Vec<(u32, String)> {
        b.processes
            .iter()
            .map(|r| (r.pid, r.name.clone()))
            .collect()
    }

    #[test]
    fn messages_frame_one_record_each_whatever_the_name_holds() {
        let mut a = BlockAssembler::default();
        let first = b"Adding local address: 169.254.1.1\nEthernet link detected\n\nRefreshing:\n/usr/bin/curl/40/1000\t10\t20\n";
        assert!(a.feed_message(first, Mono(1000)).is_none());
        // A name built to look like a record for root's pid 1, a marker and another record:
        // through a pipe that would be three lines; as one write it is one record, pid 41.
        let evil = "x/1/0\t1e+09\t0\nRefreshing:\nsshd/1/0\t5e+08\t0\nfake";
        let msg = format!("{evil}/41/1000\t7\t8\n");
        assert!(a.feed_message(msg.as_bytes(), Mono(1001)).is_none());
        assert!(a
            .feed_message(b"unknown TCP/0/0\t3\t0\n", Mono(1002))
            .is_none());
        // Next refresh, after a silence: the genuine marker at the front of a write.
        let b = a
            .feed_message(
                b"\nRefreshing:\n/usr/bin/curl/40/1000\t11\t20\n",
                Mono(2000),
            )
            .expect("a marker after a silence completes the block");
        assert_eq!(
            pids(&b),
            vec![(40, "/usr/bin/curl".into()), (41, evil.into())]
        );
        assert_eq!(b.unattributed.len(), 1);
        assert_eq!(b.at, Mono(1000));
    }

    #[test]
    fn a_marker_in_the_middle_of_a_burst_is_part_of_a_name() {
        let mut a = BlockAssembler::default();
        a.feed_message(b"\nRefreshing:\n/bin/a/5/0\t1\t1\n", Mono(1000));
        // Written 1 ms after the previous record: a name that starts like a marker.
        let msg = b"\nRefreshing:\nfoo/42/1000\t9\t9\n";
        assert!(a.feed_message(msg, Mono(1001)).is_none(), "no split");
        let b = a.poll(Mono(1300)).expect("silence completes it");
        assert_eq!(
            pids(&b),
            vec![(5, "/bin/a".into()), (42, "\nRefreshing:\nfoo".into())]
        );
    }

    #[test]
    fn a_long_write_continues_into_the_next_whose_pid_is_nethogs_own() {
        let mut a = BlockAssembler::default();
        a.feed_message(b"\nRefreshing:\n/bin/a/5/0\t1\t1\n", Mono(1000));
        a.feed_long(b"x/1/0\t9\t9\nAAAAA", Mono(1001));
        // The tail of the long record still ends in nethogs' own fields: its pid.
        a.feed_message(b"AAAA/43/1000\t5\t5\n", Mono(1002));
        a.feed_message(b"/bin/b/6/0\t1\t1\n", Mono(1003));
        let b = a.poll(Mono(1300)).expect("complete");
        assert_eq!(a.long, 1);
        assert_eq!(
            pids(&b),
            vec![
                (5, "/bin/a".into()),
                (43, "AAAA".into()),
                (6, "/bin/b".into())
            ]
        );
        let continued: Vec<bool> = b.processes.iter().map(|r| r.continued).collect();
        assert_eq!(continued, vec![false, true, false]);
        // A long write at the front of a refresh still starts it (the marker is in its head).
        assert!(a.feed_long(b"\nRefreshing:\nAAA", Mono(3000)).is_none());
        a.feed_message(b"AAAA/43/1000\t6\t5\n", Mono(3001));
        let b = a.poll(Mono(3300)).expect("the long write opened a block");
        assert_eq!(pids(&b), vec![(43, "AAAA".into())]);
    }

    #[test]
    fn chatter_before_the_first_marker_and_garbage_are_not_records() {
        let mut a = BlockAssembler::default();
        assert!(a.feed_message(b"x/7/0\t1\t1\n", Mono(0)).is_none());
        a.feed_message(b"\nRefreshing:\n", Mono(1000));
        a.feed_message(b"Unknown connection: 1.2.3.4:5-6.7.8.9:10\n", Mono(1001));
        a.feed_message(b"garbage\n", Mono(1002));
        let b = a.poll(Mono(1300)).expect("complete");
        assert!(b.processes.is_empty());
        assert_eq!(a.malformed, 1);
    }
}
