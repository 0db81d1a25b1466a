//! Frames one device's nethogs lines into refresh blocks.
//!
//! nethogs prints `Refreshing:` then the records of that refresh in one burst, and no
//! end marker: a block is complete at the next `Refreshing:` or after a short silence.

use super::trace::{parse_line, Record, TraceLine};
use crate::clock::Mono;

/// Silence after which an open block counts as complete (nethogs writes a block in one burst).
pub const BLOCK_SILENCE_MS: u64 = 200;

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
    /// Lines that matched no known shape (diagnostics).
    pub malformed: u64,
}

impl BlockAssembler {
    /// Feeds one line; returns the previous block when this line starts a new one.
    pub fn feed(&mut self, line: &str, now: Mono) -> Option<Block> {
        self.last_line = now;
        match parse_line(line) {
            TraceLine::Refreshing => self.open.replace(Block {
                at: now,
                processes: Vec::new(),
                unattributed: Vec::new(),
            }),
            TraceLine::Process(r) => {
                if let Some(b) = self.open.as_mut() {
                    b.processes.push(r);
                }
                None
            }
            TraceLine::Unattributed(r) => {
                if let Some(b) = self.open.as_mut() {
                    b.unattributed.push(r);
                }
                None
            }
            TraceLine::Noise => None,
            TraceLine::Malformed => {
                self.malformed += 1;
                None
            }
        }
    }

    /// Completes the open block once nethogs has been silent long enough.
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
        assert!(a.poll(Mono(1100)).is_none(), "too early");
        let b = a.poll(Mono(1202)).expect("silence completes the block");
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
}
