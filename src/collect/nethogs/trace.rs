//! nethogs trace-mode lines → typed records. Pure; never panics on any input.
//!
//! Format (nethogs 0.8.7 `-t`): a record is `NAME/PID/UID<TAB>SENT<TAB>RECEIVED`, where
//! NAME is the process's argv[0] verbatim (spaces, slashes, anything) — so we split from
//! the right. Numbers are floats with six significant digits (`1.00532e+07`). pid-0
//! lines (`unknown TCP/0/0`, `IP:port-IP:port/0/0`) are traffic nethogs could not tie
//! to a process. Blocks start at `Refreshing:` and have no end marker.

/// One parsed stdout line of nethogs.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceLine {
    /// `Refreshing:` — a new block of records follows.
    Refreshing,
    /// A per-process record (pid > 0).
    Process(Record),
    /// A pid-0 record: traffic nethogs saw but could not attribute.
    Unattributed(Record),
    /// Start-up chatter, blank lines, `Unknown connection: …`: nothing to count.
    Noise,
    /// A line that fits no known shape (kept for diagnostics, never counted).
    Malformed,
}

/// A cumulative record: bytes sent and received since nethogs first saw this process.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Untrusted: another user's program may have chosen it.
    pub name: String,
    pub pid: u32,
    pub uid: u32,
    pub sent: f64,
    pub received: f64,
    /// The record's start came in earlier writes, too long to read (see `blocks`): `name`
    /// is only the end of the real name.
    pub continued: bool,
}

impl Record {
    /// Sent bytes as an integer (nethogs prints 6 significant digits; round to nearest).
    pub fn sent_bytes(&self) -> u64 {
        to_bytes(self.sent)
    }

    pub fn received_bytes(&self) -> u64 {
        to_bytes(self.received)
    }
}

fn to_bytes(v: f64) -> u64 {
    // `parse_amount` already guarantees finite and non-negative; the cast saturates.
    v.round() as u64
}

/// Noise prefixes nethogs prints on stdout (see facts-nethogs.md).
pub(super) const NOISE_PREFIXES: [&str; 4] = [
    "Adding local address",
    "Unknown connection:",
    "No PPP or Ethernet link",
    "Ethernet link detected",
];

/// Parses one line (without its newline).
pub fn parse_line(line: &str) -> TraceLine {
    let line = line.strip_suffix('\r').unwrap_or(line);
    // `Unknown linktype N` is printed without a newline, so it may prefix the next line.
    let line = strip_linktype_prefix(line);
    if line == "Refreshing:" {
        return TraceLine::Refreshing;
    }
    if line.trim().is_empty() || NOISE_PREFIXES.iter().any(|p| line.starts_with(p)) {
        return TraceLine::Noise;
    }
    match parse_record(line) {
        Some(r) if r.pid == 0 => TraceLine::Unattributed(r),
        Some(r) => TraceLine::Process(r),
        None => TraceLine::Malformed,
    }
}

fn strip_linktype_prefix(line: &str) -> &str {
    match line.strip_prefix("Unknown linktype ") {
        Some(rest) => rest.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => line,
    }
}

/// A record from the right: the last two tabs and the two `/` before them are nethogs'
/// own; everything before them is the name, whatever it holds (newlines included).
pub(super) fn parse_record(line: &str) -> Option<Record> {
    let (rest, received) = line.rsplit_once('\t')?;
    let (ident, sent) = rest.rsplit_once('\t')?;
    let (rest, uid) = ident.rsplit_once('/')?;
    let (name, pid) = rest.rsplit_once('/')?;
    Some(Record {
        name: name.to_owned(),
        pid: parse_id(pid)?,
        uid: parse_id(uid)?,
        sent: parse_amount(sent)?,
        received: parse_amount(received)?,
        continued: false,
    })
}

fn parse_id(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A non-negative finite float as nethogs prints it (`0`, `491.572`, `1.00532e+07`).
fn parse_amount(s: &str) -> Option<f64> {
    // Rust's f64 parser also accepts "inf", "NaN" and "+5"; nethogs never prints those,
    // so only digits, '.', 'e', '+', '-' are allowed and the result must be finite.
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: &str) -> Record {
        match parse_line(line) {
            TraceLine::Process(r) | TraceLine::Unattributed(r) => r,
            other => panic!("{line:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn splits_from_the_right() {
        let r = rec("/opt/demo/we ird/my prog/460/0\t470\t0");
        assert_eq!(r.name, "/opt/demo/we ird/my prog");
        assert_eq!((r.pid, r.uid), (460, 0));
        assert_eq!((r.sent_bytes(), r.received_bytes()), (470, 0));
        let r = rec("./relative/cli/540/1001\t1.99068e+06\t2.01053e+06");
        assert_eq!(r.name, "./relative/cli");
        assert_eq!(r.uid, 1001);
        assert_eq!(r.sent_bytes(), 1_990_680);
        assert_eq!(r.received_bytes(), 2_010_530);
    }

    #[test]
    fn pid_zero_is_unattributed() {
        assert!(matches!(
            parse_line("unknown TCP/0/0\t0\t0"),
            TraceLine::Unattributed(_)
        ));
        let r = rec("127.0.0.1:41101-127.0.0.1:42104/0/0\t1320\t0");
        assert_eq!(r.name, "127.0.0.1:41101-127.0.0.1:42104");
    }

    #[test]
    fn noise_and_markers() {
        assert_eq!(parse_line("Refreshing:"), TraceLine::Refreshing);
        assert_eq!(parse_line("Refreshing:\r"), TraceLine::Refreshing);
        assert_eq!(
            parse_line("Unknown linktype 12Refreshing:"),
            TraceLine::Refreshing
        );
        for l in [
            "",
            "Adding local address: 127.0.0.1",
            "Ethernet link detected",
            "No PPP or Ethernet link: 12",
            "Unknown connection: 127.0.0.1:41009-127.0.0.1:49884",
        ] {
            assert_eq!(parse_line(l), TraceLine::Noise, "{l:?}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for l in [
            "garbage",
            "a/1/2\t3",
            "a/x/2\t3\t4",
            "a/1/2\tinf\t4",
            "a/1/2\tNaN\t4",
            "a/1/2\t-3\t4",
            "a/1/2\t3\t1e999",
            "a/99999999999/2\t3\t4",
            "a/+1/2\t3\t4",
        ] {
            assert_eq!(parse_line(l), TraceLine::Malformed, "{l:?}");
        }
    }
}
