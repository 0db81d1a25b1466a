//! How much a helper may write, and how much of it may be nonsense: a helper that floods
//! its stdout or writes lines no decoder understands (a bug, a wrong binary, memory gone
//! bad) is stopped and restarted with backoff, the reason in the status, before reading
//! it costs hogwatch a core or its memory. Pure: each line's size, whether it was
//! understood and the time come in.
//!
//! The limits sit far above what any real helper writes. nethogs' helper sends one
//! `rec` line per nethogs write (a few hundred bytes per process and refresh, 4 KiB at
//! the most, escaped to 16 KiB): 1,000 processes on two devices are ~0.5 MiB a second.
//! The eBPF helper writes one line per connection and refresh: 10,000 busy connections a
//! second are ~1 MiB. Neither writes a line hogwatch cannot read, short of a version
//! mismatch, which costs a line or two per refresh.

use crate::clock::Mono;
use crate::units;

/// Bytes a helper may write in one second, each line counting at least `LINE_FLOOR`
/// (reading a line costs something however short it is). Far below what hogwatch could
/// read in a second, so that a flood is noticed, not just endured.
pub const FLOOD_BYTES: u64 = 4 * 1024 * 1024;
pub const LINE_FLOOR: u64 = 64;
/// Lines not understood within `GARBAGE_WINDOW_MS` that make a helper misbehaving.
pub const GARBAGE_LINES: u32 = 200;
pub const GARBAGE_WINDOW_MS: u64 = 10_000;
/// How much of a bad line the status quotes.
const QUOTE_CHARS: usize = 40;

/// What the helper has written lately.
#[derive(Debug, Clone, Default)]
pub struct Conduct {
    second: Option<Mono>,
    bytes: u64,
    garbage_since: Option<Mono>,
    garbage: u32,
}

impl Conduct {
    /// A new helper: nothing counted against it.
    pub fn reset(&mut self) {
        *self = Conduct::default();
    }

    /// The helper wrote `line` (its newline not counted) at `now`; `understood`: the
    /// decoder made something of it. Returns why the helper misbehaves, once it does.
    pub fn line(&mut self, line: &str, now: Mono, understood: bool) -> Option<String> {
        let len = (line.len() as u64 + 1).max(LINE_FLOOR);
        match self.second {
            Some(t) if now.since(t) < 1000 => self.bytes = self.bytes.saturating_add(len),
            _ => {
                self.second = Some(now);
                self.bytes = len;
            }
        }
        if self.bytes > FLOOD_BYTES {
            let why = format!(
                "it wrote over {} within a second, far more than any refresh needs",
                units::bytes(FLOOD_BYTES)
            );
            self.reset();
            return Some(why);
        }
        if understood {
            return None;
        }
        match self.garbage_since {
            Some(t) if now.since(t) < GARBAGE_WINDOW_MS => self.garbage += 1,
            _ => {
                self.garbage_since = Some(now);
                self.garbage = 1;
            }
        }
        if self.garbage >= GARBAGE_LINES {
            let why = format!(
                "it wrote {} lines hogwatch does not understand within {} s, such as “{}”",
                self.garbage,
                GARBAGE_WINDOW_MS / 1000,
                crate::text::printable(&crate::text::truncate(line, QUOTE_CHARS))
            );
            self.reset();
            return Some(why);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_but_sane_helper_is_never_stopped() {
        let mut c = Conduct::default();
        // 20,000 lines of 100 bytes a second for a minute (2 MB/s), a bad line per second.
        for s in 0..60u64 {
            for i in 0..20_000u64 {
                let line = "x".repeat(99);
                assert_eq!(c.line(&line, Mono(s * 1000 + i / 20), true), None);
            }
            assert_eq!(
                c.line("hello from the future", Mono(s * 1000 + 999), false),
                None
            );
        }
    }

    #[test]
    fn a_flood_is_stopped_within_a_second() {
        let mut c = Conduct::default();
        let line = "y".repeat(1023);
        let mut stopped = None;
        for i in 0..100_000u64 {
            if let Some(why) = c.line(&line, Mono(i / 100), true) {
                stopped = Some((i, why));
                break;
            }
        }
        let (i, why) = stopped.expect("a flood is stopped");
        assert_eq!(i + 1, FLOOD_BYTES / 1024 + 1, "{why}");
        assert!(why.contains("4.00 MiB within a second"), "{why}");
    }

    #[test]
    fn empty_lines_flood_too() {
        let mut c = Conduct::default();
        let n = (0..u64::MAX)
            .find(|&i| c.line("", Mono(i / 1000), true).is_some())
            .unwrap_or(0);
        assert_eq!(n + 1, FLOOD_BYTES / LINE_FLOOR + 1);
    }

    #[test]
    fn garbage_is_stopped_with_an_escaped_sample_of_it() {
        let mut c = Conduct::default();
        let bad = "\u{1b}[31mrm -rf /\u{7} and a long tail that the status does not need";
        for i in 0..GARBAGE_LINES - 1 {
            assert_eq!(c.line(bad, Mono(u64::from(i) * 40), false), None);
        }
        let why = c.line(bad, Mono(9_000), false).expect("garbage is stopped");
        assert!(
            why.contains("200 lines hogwatch does not understand"),
            "{why}"
        );
        assert!(!why.contains('\u{1b}') && !why.contains('\u{7}'), "{why}");
        assert!(!why.contains("does not need"), "quoted in part: {why}");
        // Spread out thinly, bad lines never add up.
        let mut c = Conduct::default();
        for i in 0..10 * u64::from(GARBAGE_LINES) {
            assert_eq!(c.line(bad, Mono(i * 100), false), None);
        }
    }
}
