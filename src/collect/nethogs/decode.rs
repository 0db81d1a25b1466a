//! The helper's lines → the seam's events: protocol lines are parsed (`protocol`), each
//! device's nethogs lines framed into refresh blocks (`blocks`, `trace`), and each complete
//! block becomes one `DeviceSample`. nethogs' own complaints become status lines. Pure:
//! time comes in as an argument; events go out through the caller's closure.

use super::blocks::{Block, BlockAssembler};
use super::protocol::{parse_helper_line, HelperEvent};
use super::trace::Record;
use super::verify::{Kernel, Verifier};
use crate::clock::Mono;
use crate::collect::helper::privilege::explain_nethogs_error;
use crate::collect::sample::{DeviceSample, Event, ProcessCount, SourceStatus, UnattributedCount};
use std::collections::{BTreeMap, BTreeSet};

/// How long the status tells of a nethogs killed for silence (after it works again too).
const STALL_NOTE_MS: u64 = 60_000;
/// What the status quotes of a nethogs error at most (its stderr is any text).
const MAX_ERROR_CHARS: usize = 200;

/// Decodes one helper's output, for every device it runs a nethogs on.
#[derive(Default)]
pub struct Decoder {
    assemblers: BTreeMap<String, BlockAssembler>,
    devices: Vec<String>,
    /// Per device: the last thing nethogs complained about, until a block arrives.
    errors: BTreeMap<String, String>,
    /// Per device: when its nethogs was last killed for silence, and what to say about it
    /// (kept for `STALL_NOTE_MS`, so the status shows it after the restart too).
    stalls: BTreeMap<String, (Mono, String)>,
    /// Devices whose nethogs started and has not exited: their output is expected.
    running: BTreeSet<String>,
    /// Helper lines of no known kind (diagnostics).
    pub unknown_lines: u64,
    /// Live: only protocol-2 records (`rec`) are believed; `line`s, whose framing a
    /// process name can forge, are dropped. Recordings and traces are framed by lines.
    live: bool,
    /// Live: every block's records are checked against the kernel's view.
    verify: Option<(Verifier, Box<dyn Kernel + Send>)>,
}

impl Decoder {
    /// A decoder for a live helper (see `live`), checking records against `kernel`.
    pub fn live(kernel: Box<dyn Kernel + Send>) -> Self {
        Decoder {
            live: true,
            verify: Some((Verifier::default(), kernel)),
            ..Decoder::default()
        }
    }

    /// The devices the helper monitors now; what others report is old news.
    pub fn set_devices(&mut self, devices: &[String]) {
        // Warnings and partial blocks of devices that left the set would otherwise stay
        // in the status forever (veths of containers come and go).
        self.errors
            .retain(|d, _| d.is_empty() || devices.contains(d));
        self.assemblers.retain(|d, _| devices.contains(d));
        self.stalls.retain(|d, _| devices.contains(d));
        self.running.retain(|d| devices.contains(d));
        self.devices = devices.to_vec();
    }

    /// One line from the helper, received at `now`; returns the events it completes.
    pub fn line(&mut self, raw: &str, now: Mono) -> Vec<Event> {
        let mut out = Vec::new();
        match parse_helper_line(raw) {
            HelperEvent::Hello { protocol, version } => {
                tracing::debug!(protocol, ?version, "helper is up");
                if self.live && protocol < 2 {
                    self.errors.insert(
                        String::new(),
                        format!(
                            "the helper is older than this hogwatch (protocol {protocol}); \
                             its records are not believed: reinstall hogwatch"
                        ),
                    );
                }
            }
            HelperEvent::Start { dev, .. } => {
                self.assembler(&dev).reset();
                self.running.insert(dev.clone());
                out.push(Event::Epoch {
                    device: dev,
                    at: now,
                });
            }
            HelperEvent::Line { .. } if self.live => self.unknown_lines += 1,
            HelperEvent::Line { dev, line } => {
                if let Some(block) = self.assembler(&dev).feed(&line, now) {
                    out.push(self.complete(&dev, block));
                }
            }
            HelperEvent::Rec { dev, bytes } => {
                if let Some(block) = self.assembler(&dev).feed_message(&bytes, now) {
                    out.push(self.complete(&dev, block));
                }
            }
            HelperEvent::Long { dev, len, head } => {
                tracing::debug!(%dev, len, "a nethogs write too long to read whole");
                if let Some(block) = self.assembler(&dev).feed_long(&head, now) {
                    out.push(self.complete(&dev, block));
                }
            }
            HelperEvent::Quiet { dev } => {
                if let Some(block) = self.assembler(&dev).quiet() {
                    out.push(self.complete(&dev, block));
                }
            }
            HelperEvent::Stall { dev, silent_ms } => {
                let msg = format!(
                    "nethogs on {dev} wrote nothing for {} s (stopped or stuck); the helper \
                     killed and restarted it",
                    silent_ms.div_ceil(1000)
                );
                tracing::warn!("{}", crate::text::printable(&msg));
                self.stalls.insert(dev, (now, msg));
            }
            // A device that just left the set may still report its end: not news.
            HelperEvent::Err { dev, .. } | HelperEvent::Exit { dev, .. }
                if !self.devices.contains(&dev) => {}
            HelperEvent::Err { dev, line } => {
                if let Some(msg) = explain_nethogs_error(&dev, &line) {
                    // Bounded (nethogs' stderr is any text) and logged once, not per line.
                    let msg = crate::text::truncate(&msg, MAX_ERROR_CHARS);
                    if self.errors.get(&dev) != Some(&msg) {
                        tracing::warn!("{}", crate::text::printable(&msg));
                        self.errors.insert(dev, msg);
                    }
                }
            }
            HelperEvent::Exit {
                dev,
                status,
                retry_ms,
            } => {
                self.assembler(&dev).reset();
                self.running.remove(&dev);
                if retry_ms > 0 {
                    let msg = format!(
                        "nethogs on {dev} stopped ({status}); restarting in {} s",
                        retry_ms.div_ceil(1000)
                    );
                    tracing::warn!("{}", crate::text::printable(&msg));
                    self.errors.entry(dev).or_insert(msg);
                }
            }
            HelperEvent::Restart { reason } => tracing::info!(?reason, "helper restarts nethogs"),
            HelperEvent::Unknown(line) => {
                self.unknown_lines += 1;
                tracing::debug!(?line, "unknown helper line");
            }
        }
        out
    }

    /// Completes the blocks whose nethogs went quiet.
    pub fn poll(&mut self, now: Mono) -> Vec<Event> {
        let done: Vec<(String, Block)> = self
            .assemblers
            .iter_mut()
            .filter_map(|(dev, a)| a.poll(now).map(|b| (dev.clone(), b)))
            .collect();
        done.into_iter()
            .map(|(dev, block)| self.complete(&dev, block))
            .collect()
    }

    /// The earliest time `poll` has work to do.
    pub fn next_deadline(&self) -> Option<Mono> {
        self.assemblers
            .values()
            .filter_map(BlockAssembler::deadline)
            .min()
    }

    /// The helper is gone: partial blocks will never complete.
    pub fn reset(&mut self) {
        for a in self.assemblers.values_mut() {
            a.reset();
        }
        self.running.clear();
    }

    /// Whether some nethogs runs, so that the helper should write every refresh.
    pub fn expects_output(&self) -> bool {
        !self.running.is_empty()
    }

    /// What nethogs complains about now, one line per device; empty when nothing.
    pub fn errors(&self) -> impl Iterator<Item = &str> {
        let stalls = self.stalls.values().map(|(_, msg)| msg.as_str());
        stalls.chain(self.errors.values().map(String::as_str))
    }

    /// `base` (the source's own status) with nethogs' complaints added to its reason.
    pub fn status(&self, base: SourceStatus) -> SourceStatus {
        let mut lines: Vec<&str> = Vec::new();
        if !base.reason.is_empty() {
            lines.push(&base.reason);
        }
        lines.extend(self.errors());
        SourceStatus {
            reason: lines.join("; "),
            mode: base.mode,
            health: base.health,
        }
    }

    fn assembler(&mut self, dev: &str) -> &mut BlockAssembler {
        self.assemblers.entry(dev.to_owned()).or_default()
    }

    fn complete(&mut self, dev: &str, mut block: Block) -> Event {
        self.errors.remove(dev);
        self.stalls
            .retain(|_, (at, _)| block.at.since(*at) < STALL_NOTE_MS);
        if let Some((verifier, kernel)) = self.verify.as_mut() {
            verifier.check(&mut block, kernel.as_mut());
        }
        Event::Sample(sample_of(dev, block))
    }
}

/// A nethogs block as the seam's sample: byte counts rounded to whole bytes.
pub fn sample_of(dev: &str, block: Block) -> DeviceSample {
    DeviceSample {
        device: dev.to_owned(),
        at: block.at,
        processes: block
            .processes
            .into_iter()
            .map(|r| ProcessCount {
                pid: r.pid,
                uid: r.uid,
                sent: r.sent_bytes(),
                received: r.received_bytes(),
                // Checked whole against /proc (verify) before; kept cut, like every name.
                name: crate::text::bound_name(&r.name).into_owned(),
            })
            .collect(),
        unattributed: block
            .unattributed
            .into_iter()
            .map(|r: Record| UnattributedCount {
                sent: r.sent_bytes(),
                received: r.received_bytes(),
                label: r.name,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(events: &[Event]) -> Vec<&DeviceSample> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Sample(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lines_become_epochs_and_samples() {
        let mut d = Decoder::default();
        d.set_devices(&["eth0".into()]);
        assert_eq!(d.line("hello 1 0.1.0", Mono(0)), vec![]);
        assert_eq!(
            d.line("start eth0 42", Mono(5)),
            vec![Event::Epoch {
                device: "eth0".into(),
                at: Mono(5)
            }]
        );
        assert!(d.line("line eth0 Refreshing:", Mono(1000)).is_empty());
        assert!(d
            .line("line eth0 /bin/we ird/9/1000\t1.5\t2e+06", Mono(1001))
            .is_empty());
        assert!(d
            .line("line eth0 unknown TCP/0/0\t7\t0", Mono(1002))
            .is_empty());
        assert_eq!(
            d.next_deadline(),
            Some(Mono(1002 + super::super::blocks::BLOCK_SILENCE_MS))
        );
        let done = d.poll(Mono(1300));
        let s = samples(&done);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].at, Mono(1000));
        assert_eq!(
            s[0].processes,
            vec![ProcessCount {
                pid: 9,
                uid: 1000,
                name: "/bin/we ird".into(),
                sent: 2,
                received: 2_000_000
            }]
        );
        assert_eq!(s[0].unattributed[0].label, "unknown TCP");
        assert_eq!(s[0].unattributed[0].sent, 7);
    }

    #[test]
    fn quiet_completes_a_block_at_once_and_leaves_no_deadline() {
        /// The kernel knows pid 9 as /bin/x of uid 1000.
        struct Nine;
        impl Kernel for Nine {
            fn identity(&mut self, pid: u32, _: usize) -> Option<super::super::verify::Identity> {
                (pid == 9).then(|| super::super::verify::Identity {
                    uid: 1000,
                    argv0: "/bin/x".into(),
                })
            }
        }
        let mut d = Decoder::live(Box::new(Nine));
        d.set_devices(&["eth0".into()]);
        d.line("hello 3 0.1.0", Mono(0));
        d.line("start eth0 42", Mono(0));
        // One write of the helper: a refresh's records, then `quiet`, all read at once.
        let burst = [
            "rec eth0 \\x0aRefreshing:\\x0a/bin/x/9/1000\\x091\\x092\\x0a",
            "rec eth0 unknown TCP/0/0\\x093\\x090\\x0a",
        ];
        for line in burst {
            assert!(d.line(line, Mono(1000)).is_empty());
        }
        assert!(d.next_deadline().is_some(), "open until the helper says");
        let done = d.line("quiet eth0", Mono(1000));
        let s = samples(&done);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].at, s[0].processes.len()), (Mono(1000), 1));
        assert_eq!(s[0].unattributed[0].sent, 3);
        assert_eq!(d.next_deadline(), None, "no timer for a complete block");
        assert!(d.line("quiet eth0", Mono(1001)).is_empty(), "nothing open");
        // The next refresh's marker, a second later, opens the next block.
        d.line(burst[0], Mono(2000));
        assert_eq!(samples(&d.line("quiet eth0", Mono(2000))).len(), 1);
    }

    #[test]
    fn a_stalled_nethogs_is_in_the_status_for_a_minute_after_its_restart() {
        let mut d = Decoder::default();
        d.set_devices(&["eth0".into()]);
        let block = |d: &mut Decoder, at: u64| {
            d.line("line eth0 Refreshing:", Mono(at));
            d.line("line eth0 /bin/x/9/1000\t1\t2", Mono(at + 1));
            samples(&d.poll(Mono(at + 1000))).len()
        };
        d.line("start eth0 42", Mono(0));
        assert_eq!(block(&mut d, 1000), 1);
        assert_eq!(d.errors().count(), 0);
        d.line("stall eth0 6012", Mono(9000));
        d.line("exit eth0 signal:9 1000", Mono(9001));
        d.line("start eth0 43", Mono(10_000));
        let said: Vec<&str> = d.errors().collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].contains("nethogs on eth0 wrote nothing for 7 s (stopped or stuck)"),
            "{said:?}"
        );
        assert_eq!(block(&mut d, 11_000), 1, "the new nethogs reports");
        let said: Vec<&str> = d.errors().collect();
        assert_eq!(
            said.len(),
            1,
            "the exit is old news, the stall not yet: {said:?}"
        );
        assert_eq!(block(&mut d, 68_000), 1);
        assert_eq!(d.errors().count(), 1, "59 s after");
        assert_eq!(block(&mut d, 70_000), 1);
        assert_eq!(d.errors().count(), 0, "a minute after the stall");
    }

    #[test]
    fn nethogs_errors_are_status_until_a_block_arrives() {
        let mut d = Decoder::default();
        d.set_devices(&["eth0".into(), "wlan0".into()]);
        d.line("err eth0 Error opening handler for device eth0", Mono(0));
        d.line("exit wlan0 code:1 2000", Mono(0));
        d.line("err gone0 whatever", Mono(0));
        let errors: Vec<&str> = d.errors().collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("no permission"));
        assert!(errors[1].contains("restarting in 2 s"));
        d.line("line eth0 Refreshing:", Mono(10));
        d.line("line eth0 Refreshing:", Mono(20));
        assert_eq!(d.errors().count(), 1, "eth0 works again");
        d.set_devices(&["eth0".into()]);
        assert_eq!(d.errors().count(), 0, "wlan0 left the set");
    }
}
