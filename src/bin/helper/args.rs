//! The helper's argv and stdin commands, checked: everything root reads from its caller
//! before acting on it. Pure — the one filesystem question, whether a device exists, is
//! asked through an injected `exists` — so it can be fuzzed as it is.
//!
//! Included with `#[path]` by the helper (src/bin/hogwatch-helper.rs) and by the fuzz
//! target `helper_args` (fuzz/fuzz_targets/helper_args.rs), rather than moved into the
//! library: the helper runs as root and links none of the library's code on purpose (what
//! root runs stays this small and auditable), and the library has no use for it. One file
//! compiled into both means the fuzzer runs exactly the helper's checks.

use std::io::{self, BufRead, Read};

pub const USAGE: &str = "usage: hogwatch-helper --interval N DEV [DEV ...] | --backend ebpf \
                         --interval N [--traffic-entries M] [--without-sock-length] | --backend \
                         ebpf --check | --version | --help";
/// Longest stdin command, in bytes.
pub const MAX_CMD: usize = 1024;
pub const MAX_DEVS: usize = 32;
/// The eBPF backend's traffic map holds at most this many entries (its default).
pub const MAX_ENTRIES: u32 = 16384;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    Version,
    Help,
    /// `--backend ebpf --check`
    CheckEbpf,
    /// `--backend ebpf --interval N [--traffic-entries M] [--without-sock-length]`
    Ebpf {
        interval: u32,
        entries: u32,
        old_hooks: bool,
    },
    /// `--interval N DEV [DEV ...]`
    Nethogs {
        interval: u32,
        devices: Vec<String>,
    },
}

/// A stdin command: a new device set, or None to restart the current one; Err ends the
/// helper (exit 4).
pub type Cmd = Result<Option<Vec<String>>, String>;

/// Parses argv (without argv[0]; non-UTF-8 arguments passed as "", which every check
/// rejects). Err is the message of exit code 2.
pub fn parse_args(args: &[&str], exists: &dyn Fn(&str) -> bool) -> Result<Invocation, String> {
    match args {
        ["--version"] => Ok(Invocation::Version),
        ["--help"] => Ok(Invocation::Help),
        ["--backend", "ebpf", "--check"] => Ok(Invocation::CheckEbpf),
        ["--backend", "ebpf", "--interval", n, rest @ ..] => parse_ebpf(n, rest),
        ["--interval", n, devs @ ..] => {
            let interval = parse_interval(n)?;
            let devices = check_devices(devs, exists)?;
            Ok(Invocation::Nethogs { interval, devices })
        }
        _ => Err(USAGE.into()),
    }
}

/// The eBPF backend's options after the interval, each at most once: `--traffic-entries
/// M`, the size of its traffic map, 1..=16384 (smaller only to test a full map; it only
/// hurts the caller's own figures, as every helper loads its own copy of the program);
/// `--without-sock-length`, attach the hooks of a kernel older than 6.3 even where the
/// newer ones exist (tests and comparisons).
fn parse_ebpf(n: &str, rest: &[&str]) -> Result<Invocation, String> {
    let interval = parse_interval(n)?;
    let (mut entries, mut old_hooks) = (None, false);
    let mut rest = rest.iter();
    while let Some(&flag) = rest.next() {
        match flag {
            "--traffic-entries" if entries.is_none() => {
                let m = rest.next().copied().unwrap_or("");
                match parse_bounded(m, 5, 1..=MAX_ENTRIES) {
                    Some(e) => entries = Some(e),
                    None => {
                        return Err(format!("invalid traffic entries {m:?} (1..={MAX_ENTRIES})"))
                    }
                }
            }
            "--without-sock-length" if !old_hooks => old_hooks = true,
            _ => return Err(USAGE.into()),
        }
    }
    Ok(Invocation::Ebpf {
        interval,
        entries: entries.unwrap_or(MAX_ENTRIES),
        old_hooks,
    })
}

/// N seconds between refreshes, 1..=60.
fn parse_interval(s: &str) -> Result<u32, String> {
    parse_bounded(s, 2, 1..=60).ok_or_else(|| format!("invalid interval {s:?} (1..=60)"))
}

/// 1..=`max_digits` ASCII digits (no sign, no space) whose value is in `range`.
fn parse_bounded(s: &str, max_digits: usize, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    let digits = (1..=max_digits).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    s.parse().ok().filter(|n| digits && range.contains(n))
}

/// 1..=15 chars of `[A-Za-z0-9_.:@-]`, not `.` or `..`: never a path (nor an option:
/// devices follow `--` on nethogs' command line).
pub fn valid_device_name(name: &str) -> bool {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"_.:@-".contains(&b);
    (1..=15).contains(&name.len()) && name.bytes().all(ok) && !matches!(name, "." | "..")
}

/// 1..=`MAX_DEVS` distinct valid device names that `exists`, which is asked only about
/// names already known valid (it looks at the filesystem).
pub fn check_devices(names: &[&str], exists: &dyn Fn(&str) -> bool) -> Result<Vec<String>, String> {
    let mut devs: Vec<String> = Vec::new();
    for &name in names {
        if !valid_device_name(name) {
            return Err(format!("invalid device name {name:?}"));
        } else if devs.iter().any(|d| d == name) {
            return Err(format!("duplicate device {name:?}"));
        } else if devs.len() == MAX_DEVS {
            return Err(format!("more than {MAX_DEVS} devices"));
        }
        // Only now, with a name that cannot be a path, look at the filesystem.
        if !exists(name) {
            return Err(format!("no such device {name:?}"));
        }
        devs.push(name.to_owned());
    }
    if devs.is_empty() {
        return Err("no devices given".into());
    }
    Ok(devs)
}

/// One stdin line as `read_capped` returned it (`fits`: it was not cut): `restart`, or
/// `devices DEV[,DEV...]` checked like argv.
pub fn parse_command(line: &[u8], fits: bool, exists: &dyn Fn(&str) -> bool) -> Cmd {
    match std::str::from_utf8(line) {
        _ if !fits => Err(format!("command longer than {MAX_CMD} bytes")),
        Ok("restart") => Ok(None),
        Ok(s) => match s.strip_prefix("devices ") {
            Some(list) => check_devices(&list.split(',').collect::<Vec<_>>(), exists).map(Some),
            None => Err(format!("invalid command {s:?}")),
        },
        Err(_) => Err("command is not UTF-8".into()),
    }
}

/// Reads one line into `buf` without `\n` and a trailing `\r`, keeping at most `max` bytes
/// and discarding the rest of a longer line. Ok(None) at EOF, Ok(Some(false)) if cut.
pub fn read_capped(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    if r.by_ref().take(max as u64 + 1).read_until(b'\n', buf)? == 0 {
        return Ok(None);
    }
    let fits = buf.last() == Some(&b'\n') || buf.len() <= max;
    if !fits {
        skip_line(r)?;
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    buf.truncate(max);
    Ok(Some(fits))
}

/// Discards input up to and including the next `\n`, or to EOF, keeping none of it: only
/// the reader's own fixed buffer ever holds it, so a line of any length costs no memory.
fn skip_line(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let chunk = match r.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(end) => {
                r.consume(end + 1);
                return Ok(());
            }
            None => {
                let n = chunk.len();
                r.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: &str) -> bool {
        true
    }

    #[test]
    fn argv() {
        let nethogs = parse_args(&["--interval", "60", "eth0", "lo"], &all);
        let devices = vec!["eth0".to_string(), "lo".to_string()];
        assert_eq!(
            nethogs,
            Ok(Invocation::Nethogs {
                interval: 60,
                devices
            })
        );
        let ebpf = [
            "--backend",
            "ebpf",
            "--interval",
            "1",
            "--traffic-entries",
            "16384",
        ];
        let expected = Invocation::Ebpf {
            interval: 1,
            entries: 16384,
            old_hooks: false,
        };
        assert_eq!(parse_args(&ebpf, &all), Ok(expected));
        for bad in [
            &["--interval", "0", "eth0"][..],
            &["--interval", "61", "eth0"],
            &["--interval", "+1", "eth0"],
            &["--interval", "1"],
            &["--interval", "1", "eth0", "eth0"],
            &["--interval", "1", ".."],
            &["--interval", "1", "a/b"],
            &["--interval", "1", ""],
            &["--interval", "1", "sixteen_chars_xx"],
            &[
                "--backend",
                "ebpf",
                "--interval",
                "1",
                "--traffic-entries",
                "16385",
            ],
            &["--backend", "ebpf", "--interval", "1", "--traffic-entries"],
            &[
                "--backend",
                "ebpf",
                "--interval",
                "1",
                "--without-sock-length",
                "--without-sock-length",
            ],
            &["--version", "--help"],
            &[],
        ] {
            assert!(parse_args(bad, &all).is_err(), "{bad:?}");
        }
        let many: Vec<String> = (0..=MAX_DEVS).map(|i| format!("d{i}")).collect();
        let mut argv = vec!["--interval", "1"];
        argv.extend(many.iter().map(String::as_str));
        assert!(parse_args(&argv[..argv.len() - 1], &all).is_ok());
        assert!(parse_args(&argv, &all).is_err());
        assert!(parse_args(&["--interval", "1", "eth0"], &|_| false).is_err());
        // Not an option to nethogs: devices follow `--` on its command line.
        assert!(parse_args(&["--interval", "1", "-i"], &all).is_ok());
    }

    #[test]
    fn commands_are_cut_and_checked() {
        let input = b"restart\r\ndevices eth0,lo\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\ndevices a,a";
        let mut r = io::BufReader::with_capacity(4, &input[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(fits) = read_capped(&mut r, &mut buf, 16).expect("in memory") {
            got.push((String::from_utf8_lossy(&buf).into_owned(), fits));
            assert!(buf.len() <= 16);
        }
        let cut = "x".repeat(16);
        assert_eq!(
            got,
            [
                ("restart".into(), true),
                ("devices eth0,lo".into(), true),
                (cut, false),
                ("devices a,a".into(), true),
            ]
        );
        assert_eq!(parse_command(b"restart", true, &all), Ok(None));
        assert_eq!(
            parse_command(b"restart", false, &all),
            Err("command longer than 1024 bytes".into())
        );
        let devs = parse_command(b"devices eth0,lo", true, &all);
        assert_eq!(devs, Ok(Some(vec!["eth0".into(), "lo".into()])));
        for bad in [
            &b"devices a,a"[..],
            b"devices ",
            b"devices a,,b",
            b"restart ",
            b"\xff",
        ] {
            assert!(parse_command(bad, true, &all).is_err(), "{bad:?}");
        }
    }
}
