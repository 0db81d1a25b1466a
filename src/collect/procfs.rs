//! Readers of /proc and /sys: process details, user names, device counters and the
//! device list. Everything here is untrusted input: unreadable or odd files give `None`
//! or are skipped, never a panic.
//!
//! A command line is another program's choice and may be megabytes long: it is read
//! bounded (never more than [`MAX_CMDLINE`] and a few bytes into memory) and kept to
//! [`MAX_CMDLINE`] bytes joined, with the cut marked ([`crate::text::CUT`] on the last
//! argument kept). The executable's path is kept to the same length.

use super::lookup::{ProcDetails, ProcLookup};
pub use crate::text::MAX_CMDLINE;
use crate::text::{cut, mark_cut, CUT};
use std::collections::HashMap;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Start time (field 22, clock ticks after boot) from the text of /proc/PID/stat.
/// `comm` (field 2) may hold spaces and parentheses, so fields are counted after the
/// last `)`.
pub fn parse_stat_start_time(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After ')' come field 3 (state) onwards; field 22 is the 20th of them.
    rest.split_ascii_whitespace().nth(19)?.parse().ok()
}

/// argv from the NUL-separated text of /proc/PID/cmdline (or its first bytes): empty
/// arguments dropped, invalid UTF-8 replaced, and kept to [`MAX_CMDLINE`] bytes joined
/// by spaces. Text past that (in `raw`, or `raw` itself being longer than that) is cut
/// at a char boundary and the last argument kept ends in [`CUT`].
pub fn parse_cmdline(raw: &[u8]) -> Vec<String> {
    // The kernel ends every argument with a NUL, the last one too.
    let content = raw.strip_suffix(&[0u8]).unwrap_or(raw);
    let partial = content.len() > MAX_CMDLINE;
    let content = if partial {
        whole_chars(&content[..MAX_CMDLINE])
    } else {
        content
    };
    let argv = content
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned());
    bound_argv(argv, partial)
}

/// `bytes` without an incomplete UTF-8 sequence at its end (where a cut split a char).
fn whole_chars(bytes: &[u8]) -> &[u8] {
    // A char is at most 4 bytes: its lead byte is among the last 4.
    for back in 1..=bytes.len().min(4) {
        let i = bytes.len() - back;
        let b = bytes[i];
        if b & 0xC0 == 0x80 {
            continue; // a continuation byte: the lead is further back
        }
        let width = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if back < width { &bytes[..i] } else { bytes };
    }
    bytes
}

/// Arguments kept to [`MAX_CMDLINE`] bytes joined by spaces: the first that does not fit
/// is cut (or, with no room left for a piece of it, the one before is marked) and the
/// rest dropped. `partial`: the arguments are known to go on (read in part); the last
/// one kept is marked even if everything fits.
pub fn bound_argv(argv: impl IntoIterator<Item = String>, partial: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut used = 0usize;
    let mut cut_off = partial;
    for a in argv {
        let sep = usize::from(!out.is_empty());
        if used + sep + a.len() <= MAX_CMDLINE {
            used += sep + a.len();
            out.push(a);
            continue;
        }
        let room = MAX_CMDLINE - used;
        if room > sep + CUT.len_utf8() {
            out.push(mark_cut(&a, room - sep));
            return out;
        }
        cut_off = true;
        break;
    }
    if cut_off {
        match out.pop() {
            // The room the last argument had, plus what was left after it.
            Some(last) => {
                let room = MAX_CMDLINE - used + last.len();
                out.push(mark_cut(&last, room));
            }
            None => out.push(CUT.to_string()),
        }
    }
    out
}

/// The first `max` bytes of a file (all of it if shorter): what another program wrote
/// there never takes more memory than that.
pub fn read_prefix(path: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::with_capacity(max.min(256));
    fs::File::open(path)?
        .take(max as u64)
        .read_to_end(&mut raw)?;
    Ok(raw)
}

/// Reads /proc/PID/cmdline (`path`) bounded: at most [`MAX_CMDLINE`] + 2 bytes are read,
/// enough to tell whether there is more than can be kept.
pub fn read_cmdline(path: &Path) -> std::io::Result<Vec<String>> {
    Ok(parse_cmdline(&read_prefix(path, MAX_CMDLINE + 2)?))
}

/// Process details as kept, whatever told them (/proc, a recording): the command line
/// bounded as [`bound_argv`] does, the executable's path to [`MAX_CMDLINE`] bytes.
pub fn bound_details(d: ProcDetails) -> ProcDetails {
    ProcDetails {
        start_time: d.start_time,
        exe: cut(&d.exe, MAX_CMDLINE).into_owned(),
        argv: bound_argv(d.argv, false),
    }
}

/// uid → name from the text of /etc/passwd (malformed lines are skipped).
pub fn parse_passwd(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let uid = f.nth(1)?.parse().ok()?;
            (!name.is_empty()).then(|| (uid, name.to_owned()))
        })
        .collect()
}

pub use super::sample::DevCounters;

/// Parses /proc/net/dev: two header lines, then `name: rx_bytes … (8 rx fields) tx_bytes …`.
pub fn parse_net_dev(text: &str) -> Vec<DevCounters> {
    text.lines()
        .skip(2)
        .filter_map(|l| {
            let colon = l.rfind(':')?;
            let name = l[..colon].trim();
            let mut nums = l[colon + 1..].split_ascii_whitespace();
            let rx_bytes = nums.next()?.parse().ok()?;
            let tx_bytes = nums.nth(7)?.parse().ok()?;
            (!name.is_empty()).then(|| DevCounters {
                name: name.to_owned(),
                rx_bytes,
                tx_bytes,
            })
        })
        .collect()
}

/// Reads /proc/net/dev of this process's network namespace.
pub fn read_net_dev() -> std::io::Result<Vec<DevCounters>> {
    Ok(parse_net_dev(&fs::read_to_string("/proc/net/dev")?))
}

/// A network device as /sys/class/net describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetDevice {
    pub name: String,
    pub up: bool,
    pub loopback: bool,
}

const IFF_UP: u32 = 0x1;
const IFF_LOOPBACK: u32 = 0x8;

/// Lists devices under `sys_class_net` (normally /sys/class/net), sorted by name.
pub fn list_devices(sys_class_net: &Path) -> Vec<NetDevice> {
    let Ok(entries) = fs::read_dir(sys_class_net) else {
        return Vec::new();
    };
    let mut devs: Vec<NetDevice> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            let flags = fs::read_to_string(e.path().join("flags")).ok()?;
            let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).ok()?;
            Some(NetDevice {
                name,
                up: flags & IFF_UP != 0,
                loopback: flags & IFF_LOOPBACK != 0,
            })
        })
        .collect();
    devs.sort_by(|a, b| a.name.cmp(&b.name));
    devs
}

/// The helper's rule for device names (see hogwatch-helper): 1–15 of `[A-Za-z0-9_.:@-]`.
pub fn valid_device_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'@' | b'-'))
}

/// One uid of a /proc/PID/status text (`Uid: real effective saved fs`; 0 = real).
pub fn status_uid(status: &str, which: usize) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_ascii_whitespace().nth(1 + which)?.parse().ok()
}

/// The effective uid, from /proc/self/status.
pub fn effective_uid() -> Option<u32> {
    status_uid(&fs::read_to_string("/proc/self/status").ok()?, 1)
}

/// Processes learned from a source (`learn`) and kept for when /proc no longer has them.
const LEARNED_MAX: usize = 4096;

/// /proc-backed process lookup with a cached user table. What a source teaches it (the
/// eBPF backend reads /proc the moment a process gets its first socket) answers for a
/// process that has exited since: its executable and command line as they were.
#[derive(Debug)]
pub struct ProcFs {
    root: PathBuf,
    users: Option<HashMap<u32, String>>,
    learned: HashMap<u32, ProcDetails>,
    /// Learning order, oldest first: the oldest is forgotten beyond `LEARNED_MAX`.
    order: std::collections::VecDeque<u32>,
}

impl Default for ProcFs {
    fn default() -> Self {
        ProcFs::new("/proc")
    }
}

impl ProcFs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ProcFs {
            root: root.into(),
            users: None,
            learned: HashMap::new(),
            order: std::collections::VecDeque::new(),
        }
    }

    fn pid_path(&self, pid: u32, file: &str) -> PathBuf {
        self.root.join(pid.to_string()).join(file)
    }
}

impl ProcFs {
    fn read_start_time(&self, pid: u32) -> Option<u64> {
        parse_stat_start_time(&fs::read_to_string(self.pid_path(pid, "stat")).ok()?)
    }
}

impl ProcLookup for ProcFs {
    fn start_time(&mut self, pid: u32) -> Option<u64> {
        let learned = || self.learned.get(&pid).map(|d| d.start_time);
        self.read_start_time(pid).or_else(learned)
    }

    /// /proc, or what was learned about the pid when /proc no longer has it.
    fn details(&mut self, pid: u32) -> Option<ProcDetails> {
        let Some(start_time) = self.read_start_time(pid) else {
            return self.learned.get(&pid).cloned();
        };
        // exe of another user's process is unreadable without privileges: leave it empty.
        // (The kernel bounds a link's target to PATH_MAX; bound_details cuts it anyway.)
        let exe = fs::read_link(self.pid_path(pid, "exe"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let argv = read_cmdline(&self.pid_path(pid, "cmdline")).unwrap_or_default();
        Some(bound_details(ProcDetails {
            start_time,
            exe,
            argv,
        }))
    }

    fn learn(&mut self, pid: u32, details: ProcDetails) {
        if self.learned.insert(pid, details).is_none() {
            self.order.push_back(pid);
        }
        while self.order.len() > LEARNED_MAX {
            if let Some(old) = self.order.pop_front() {
                self.learned.remove(&old);
            }
        }
    }

    fn user_name(&mut self, uid: u32) -> Option<String> {
        let users = self.users.get_or_insert_with(|| {
            fs::read_to_string("/etc/passwd")
                .map(|t| parse_passwd(&t))
                .unwrap_or_default()
        });
        users.get(&uid).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_start_time_survives_odd_comm() {
        let stat = "1234 (we) ird (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50";
        assert_eq!(parse_stat_start_time(stat), Some(987654));
        assert_eq!(parse_stat_start_time("garbage"), None);
        assert_eq!(parse_stat_start_time("1 (x) S 1"), None);
    }

    #[test]
    fn net_dev_columns() {
        let text = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:  1000      10    0    0    0     0          0         0     2000      10    0    0    0     0       0          0\n  eth0:12345 1 0 0 0 0 0 0 67890 1 0 0 0 0 0 0\nbroken line\n";
        let d = parse_net_dev(text);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].name, "lo");
        assert_eq!((d[0].rx_bytes, d[0].tx_bytes), (1000, 2000));
        assert_eq!((d[1].rx_bytes, d[1].tx_bytes), (12345, 67890));
    }

    #[test]
    fn passwd_and_cmdline() {
        let p = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nbad\nalice:x:1000:1000::/home/a:/bin/sh\n",
        );
        assert_eq!(p.get(&0).map(String::as_str), Some("root"));
        assert_eq!(p.get(&1000).map(String::as_str), Some("alice"));
        assert_eq!(
            parse_cmdline(b"/usr/bin/x\0-a\0b c\0"),
            vec!["/usr/bin/x", "-a", "b c"]
        );
    }

    #[test]
    fn command_lines_are_kept_bounded_and_cuts_marked() {
        let joined = |v: &[String]| v.join(" ");
        // Exactly the bound (with the kernel's trailing NUL): whole, unmarked.
        let full = format!("{}\0{}\0", "a".repeat(2000), "b".repeat(MAX_CMDLINE - 2001));
        let v = parse_cmdline(full.as_bytes());
        assert_eq!(joined(&v).len(), MAX_CMDLINE);
        assert!(!joined(&v).ends_with(CUT));
        // One byte more: cut and marked.
        let over = format!("{}\0{}\0", "a".repeat(2000), "b".repeat(MAX_CMDLINE - 2000));
        let v = parse_cmdline(over.as_bytes());
        assert!(
            joined(&v).len() <= MAX_CMDLINE && joined(&v).ends_with(CUT),
            "{v:?}"
        );
        assert_eq!(v[0], "a".repeat(2000));
        // Read in part, a split char at the end is dropped, not replaced.
        let mut raw = vec![b'x'; MAX_CMDLINE - 1];
        raw.extend("€€".as_bytes());
        let v = parse_cmdline(&raw);
        assert!(
            !v[0].contains('\u{FFFD}') && v[0].ends_with(CUT),
            "{:?}",
            &v[0][4080..]
        );
        // Nothing but separators past the bound: what is known to go on is still marked.
        let mut raw = b"prog\0".to_vec();
        raw.extend(vec![0u8; 10_000]);
        raw.extend(b"hidden\0");
        assert_eq!(parse_cmdline(&raw), vec!["prog…"]);
        assert_eq!(parse_cmdline(&[0u8; 10_000]), vec!["…"]);
        // Invalid UTF-8 that grows when replaced still stays within the bound.
        let v = parse_cmdline(&[0xFFu8; MAX_CMDLINE]);
        assert!(joined(&v).len() <= MAX_CMDLINE && joined(&v).ends_with(CUT));
        // Many short arguments: the first one that does not fit is cut, the rest dropped.
        let many: Vec<String> = (0..2000).map(|i| format!("arg{i}")).collect();
        let v = bound_argv(many.clone(), false);
        assert!(joined(&v).len() <= MAX_CMDLINE && joined(&v).ends_with(CUT));
        assert_eq!(v[..10], many[..10]);
        // With no room left for a piece of the next, the one before carries the mark.
        let tight = vec!["a".repeat(MAX_CMDLINE - 2), "bbbbbbbb".to_owned()];
        assert_eq!(
            bound_argv(tight, false),
            vec![format!("{}…", "a".repeat(MAX_CMDLINE - 3))]
        );
    }

    #[test]
    fn reading_a_command_line_takes_only_its_first_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cmdline");
        let mut raw = b"/usr/bin/prog\0".to_vec();
        raw.extend(vec![b'y'; 8 << 20]);
        std::fs::write(&path, &raw).expect("write");
        let v = read_cmdline(&path).expect("read");
        assert_eq!(v[0], "/usr/bin/prog");
        assert!(v.join(" ").len() <= MAX_CMDLINE && v[1].ends_with(CUT));
        assert!(read_cmdline(&dir.path().join("gone")).is_err());
    }

    #[test]
    fn what_was_learned_answers_once_proc_has_forgotten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live = dir.path().join("7");
        std::fs::create_dir(&live).expect("mkdir");
        std::fs::write(
            live.join("stat"),
            "7 (x) S 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 555 1 1",
        )
        .expect("stat");
        let mut procs = ProcFs::new(dir.path());
        let learned = |exe: &str, start_time| ProcDetails {
            start_time,
            exe: exe.into(),
            argv: vec![exe.into(), "script.py".into()],
        };
        procs.learn(7, learned("/usr/bin/stale", 1));
        procs.learn(8, learned("/usr/bin/python3.11", 900));
        // /proc first while it has the pid; what was learned once it has not.
        assert_eq!(procs.start_time(7), Some(555));
        assert_eq!(procs.details(7).map(|d| d.start_time), Some(555));
        assert_eq!(procs.details(8), Some(learned("/usr/bin/python3.11", 900)));
        assert_eq!(procs.start_time(8), Some(900));
        assert_eq!(procs.details(9), None);
        // Bounded: the oldest are forgotten.
        for pid in 100..100 + LEARNED_MAX as u32 {
            procs.learn(pid, learned("/bin/x", 1));
        }
        assert_eq!(procs.details(8), None);
        assert!(procs.learned.len() <= LEARNED_MAX && procs.order.len() <= LEARNED_MAX);
    }

    #[test]
    fn device_names() {
        assert!(valid_device_name("eth0"));
        assert!(valid_device_name("wlp3s0:1@x-y_z."));
        for bad in ["", ".", "..", "a/b", "eth0;rm", "0123456789abcdef", "é"] {
            assert!(!valid_device_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn reads_this_process() {
        let mut p = ProcFs::default();
        let d = p.details(std::process::id()).expect("own /proc entry");
        assert!(d.start_time > 0);
        assert!(!d.exe.is_empty());
        assert_eq!(p.user_name(0).as_deref(), Some("root"));
    }
}
