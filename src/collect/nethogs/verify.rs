//! Believes a nethogs record only when it agrees with the kernel's view of its process.
//!
//! A record says "pid P, uid U, named N, sent S, received R". The helper's framing
//! (`blocks`) already makes P and U the ones nethogs wrote, not text a name chose. This is
//! the second, independent check: P must exist now, `/proc/P` must be owned by U (nethogs
//! takes the uid from the same place) and P's argv[0] (the bytes of `/proc/P/cmdline` up to
//! the first NUL, as nethogs reads them) must be exactly N. A record that fails is dropped
//! from the sample, counted and logged; its bytes stay in the device's unattributed share
//! (device counters − what processes are credited), so nothing is lost from the totals.
//!
//! Once a record checked out, later records for the same pid with the same uid and name
//! are believed without asking again — also after the process exits, since nethogs keeps
//! printing its final totals. That is sound because only nethogs' own fields choose the
//! pid a record is for: a record of P can only come from P (or a later process reusing
//! P's number, whose name or uid then differ, which is asked again).
//!
//! A name of 1 KiB or more reaches us only as its end (`Record::continued`; the helper
//! forwards long writes by length). Its record is believed when the process's argv[0]
//! ends with that end, and it is then shown by the start of its argv[0], cut.
//!
//! What this gives up: a process that exits before its first record arrives (under about a
//! second) cannot be checked, so its bytes show as unattributed.

use super::blocks::Block;
use crate::clock::Mono;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Longest argv[0] read from /proc for a record read whole (the helper forwards writes
/// under 1 KiB only), and for one that was not (what a single argument can hold).
const MAX_ARGV0: usize = 1024;
const MAX_LONG_ARGV0: usize = 128 * 1024;
/// A pid not seen in any block for this long is forgotten (its nethogs restarted since).
const FORGET_MS: u64 = 2 * 3600 * 1000;
/// At most this many refused records are logged per pruning period (the rest are counted).
const LOG_LIMIT: u32 = 20;

/// A process as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The owner of `/proc/PID` (what nethogs prints as the uid).
    pub uid: u32,
    /// argv[0] as nethogs reads it, UTF-8 lossily like the record's name.
    pub argv0: String,
}

/// Where identities come from: `/proc` live, a table in tests.
pub trait Kernel {
    /// `pid`'s identity, or None if it does not exist or its argv[0] is over `max` bytes.
    fn identity(&mut self, pid: u32, max: usize) -> Option<Identity>;
}

/// The live kernel view.
#[derive(Debug, Default)]
pub struct ProcKernel;

impl Kernel for ProcKernel {
    fn identity(&mut self, pid: u32, max: usize) -> Option<Identity> {
        let dir = format!("/proc/{pid}");
        let uid = std::fs::metadata(&dir).ok()?.uid();
        let cmdline = format!("{dir}/cmdline");
        let raw = crate::collect::procfs::read_prefix(Path::new(&cmdline), max + 1).ok()?;
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        if end > max {
            return None; // longer than any name a believed record can carry
        }
        Some(Identity {
            uid,
            argv0: String::from_utf8_lossy(&raw[..end]).into_owned(),
        })
    }
}

/// Why a record was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such process (never was, or exited before it could be checked).
    Gone,
    /// `/proc/PID` belongs to another uid than the record says.
    Uid,
    /// The process's argv[0] is not the record's name.
    Name,
}

/// Counts of what was refused, for diagnostics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub gone: u64,
    pub uid: u64,
    pub name: u64,
}

/// A pid whose record checked out.
#[derive(Debug)]
struct Known {
    uid: u32,
    /// The name as records carry it (for a long name: its end).
    name: String,
    /// The name the process is shown by (for a long name: its start, cut).
    shown: String,
    seen: Mono,
}

/// Checks the records of each block.
#[derive(Debug, Default)]
pub struct Verifier {
    known: HashMap<u32, Known>,
    pub refused: Refused,
    logged: u32,
    pruned_at: Mono,
}

impl Verifier {
    /// Keeps the block's records that check out; drops (counts, logs) the others.
    pub fn check(&mut self, block: &mut Block, kernel: &mut dyn Kernel) {
        let at = block.at;
        block.processes.retain_mut(|r| {
            if let Some(k) = self.known.get_mut(&r.pid) {
                if k.uid == r.uid && k.name == r.name {
                    k.seen = at;
                    r.name.clone_from(&k.shown);
                    return true;
                }
            }
            let max = if r.continued {
                MAX_LONG_ARGV0
            } else {
                MAX_ARGV0
            };
            let refusal = match kernel.identity(r.pid, max) {
                None => Refusal::Gone,
                Some(id) if id.uid != r.uid => Refusal::Uid,
                Some(id) if !names_agree(&id.argv0, r) => Refusal::Name,
                Some(id) => {
                    // A long name is shown by the start of argv[0], cut like every name.
                    let shown = if id.argv0 == r.name {
                        id.argv0
                    } else {
                        crate::text::bound_name(&id.argv0).into_owned()
                    };
                    let known = Known {
                        uid: r.uid,
                        name: std::mem::replace(&mut r.name, shown.clone()),
                        shown,
                        seen: at,
                    };
                    self.known.insert(r.pid, known);
                    return true;
                }
            };
            let n = match refusal {
                Refusal::Gone => &mut self.refused.gone,
                Refusal::Uid => &mut self.refused.uid,
                Refusal::Name => &mut self.refused.name,
            };
            *n += 1;
            if self.logged < LOG_LIMIT {
                self.logged += 1;
                tracing::warn!(
                    pid = r.pid,
                    uid = r.uid,
                    ?refusal,
                    "a nethogs record does not match /proc; its bytes stay unattributed ({})",
                    crate::text::printable(&r.name)
                );
            }
            false
        });
        if at.since(self.pruned_at) >= FORGET_MS {
            self.known.retain(|_, k| at.since(k.seen) < FORGET_MS);
            self.pruned_at = at;
            self.logged = 0;
        }
    }
}

/// A record read whole names exactly argv[0]; the end of a long one is argv[0]'s end.
fn names_agree(argv0: &str, r: &super::trace::Record) -> bool {
    argv0 == r.name || (r.continued && argv0.len() > r.name.len() && argv0.ends_with(&r.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::nethogs::trace::Record;

    struct Table(HashMap<u32, Identity>);

    impl Kernel for Table {
        fn identity(&mut self, pid: u32, max: usize) -> Option<Identity> {
            self.0.get(&pid).filter(|id| id.argv0.len() <= max).cloned()
        }
    }

    fn id(uid: u32, argv0: &str) -> Identity {
        Identity {
            uid,
            argv0: argv0.into(),
        }
    }

    fn rec(name: &str, pid: u32, uid: u32) -> Record {
        Record {
            name: name.into(),
            pid,
            uid,
            sent: 100.0,
            received: 5.0,
            continued: false,
        }
    }

    fn block(at: u64, processes: Vec<Record>) -> Block {
        Block {
            at: Mono(at),
            processes,
            unattributed: Vec::new(),
        }
    }

    fn pids(b: &Block) -> Vec<u32> {
        b.processes.iter().map(|r| r.pid).collect()
    }

    #[test]
    fn keeps_what_checks_out_and_refuses_the_rest() {
        let mut k = Table(HashMap::from([
            (10, id(1000, "/usr/bin/curl")),
            (11, id(0, "/usr/sbin/sshd")),
            (12, id(1000, "evil\nsshd/11/0\t1e9\t0\nx")),
        ]));
        let mut v = Verifier::default();
        let mut b = block(
            1000,
            vec![
                rec("/usr/bin/curl", 10, 1000),
                rec("sshd", 11, 0),              // wrong name for pid 11
                rec("/usr/sbin/sshd", 11, 1000), // wrong uid for pid 11
                rec("ghost", 99, 1000),          // no such pid
                rec("evil\nsshd/11/0\t1e9\t0\nx", 12, 1000), // a hostile name, its own pid
            ],
        );
        v.check(&mut b, &mut k);
        assert_eq!(pids(&b), vec![10, 12]);
        assert_eq!(
            v.refused,
            Refused {
                gone: 1,
                uid: 1,
                name: 1
            }
        );
    }

    #[test]
    fn a_checked_process_stays_believed_after_it_exits_until_its_pid_changes_hands() {
        let mut k = Table(HashMap::from([(10, id(1000, "curl"))]));
        let mut v = Verifier::default();
        let mut b = block(1000, vec![rec("curl", 10, 1000)]);
        v.check(&mut b, &mut k);
        k.0.clear(); // curl exits; nethogs still prints its totals
        let mut b = block(2000, vec![rec("curl", 10, 1000)]);
        v.check(&mut b, &mut k);
        assert_eq!(pids(&b), vec![10]);
        // The pid is reused by another program: asked again, and it is not there now.
        let mut b = block(3000, vec![rec("wget", 10, 1000)]);
        v.check(&mut b, &mut k);
        assert!(b.processes.is_empty());
        assert_eq!(v.refused.gone, 1);
    }

    #[test]
    fn forgets_pids_not_seen_for_hours() {
        let mut k = Table(HashMap::from([(10, id(1000, "curl"))]));
        let mut v = Verifier::default();
        v.check(&mut block(1000, vec![rec("curl", 10, 1000)]), &mut k);
        v.check(&mut block(1000 + FORGET_MS * 2, vec![]), &mut k);
        assert!(v.known.is_empty());
    }

    #[test]
    fn reads_this_process_from_proc() {
        let me = std::process::id();
        let id = ProcKernel
            .identity(me, MAX_ARGV0)
            .expect("our own /proc entry");
        let argv0 = std::env::args().next().unwrap_or_default();
        assert_eq!(id.argv0, argv0);
        assert_eq!(id.uid, std::fs::metadata("/proc/self").unwrap().uid());
        assert_eq!(ProcKernel.identity(u32::MAX, MAX_ARGV0), None);
        assert_eq!(ProcKernel.identity(me, 1), None, "longer than allowed");
    }

    #[test]
    fn a_long_name_is_believed_by_its_end_and_shown_by_its_start() {
        let long = format!("{}{}", "A".repeat(5000), "tail");
        let mut k = Table(HashMap::from([
            (20, id(65534, &long)),
            (21, id(0, "/sbin/init")),
        ]));
        let mut v = Verifier::default();
        let tail = |pid, uid| Record {
            continued: true,
            ..rec("AAtail", pid, uid)
        };
        let mut b = block(1000, vec![tail(20, 65534), tail(21, 0)]);
        v.check(&mut b, &mut k);
        assert_eq!(pids(&b), vec![20]);
        assert_eq!(b.processes[0].name, crate::text::bound_name(&long));
        let mut b = block(2000, vec![tail(20, 65534)]);
        v.check(&mut b, &mut k);
        assert_eq!(b.processes[0].name, crate::text::bound_name(&long));
    }
}
