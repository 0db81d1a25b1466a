//! The helper's stdout protocol (see `src/bin/hogwatch-helper.rs`), parsed on the
//! unprivileged side. One record per line, fields separated by one space.

/// One line from `hogwatch-helper`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelperEvent {
    /// `hello <protocol> <version>`: the helper is up.
    Hello { protocol: u32, version: String },
    /// `start <dev> <pid>`: a nethogs for `dev` began; its totals start at zero.
    Start { dev: String, pid: u32 },
    /// `line <dev> <nethogs stdout line>` (protocol 1, and recordings made with it).
    Line { dev: String, line: String },
    /// `rec <dev> <escaped>` (protocol 2): one whole write of nethogs to its stdout.
    Rec { dev: String, bytes: Vec<u8> },
    /// `long <dev> <len> <escaped head>` (protocol 2): a write too long to be believed,
    /// by length and its first bytes only.
    Long {
        dev: String,
        len: u64,
        head: Vec<u8>,
    },
    /// `quiet <dev>` (protocol 3): that nethogs finished writing its refresh.
    Quiet { dev: String },
    /// `stall <dev> <ms>` (protocol 3): that nethogs wrote nothing for `ms` ms while alive;
    /// the helper killed it (its `exit` follows) and restarts it.
    Stall { dev: String, silent_ms: u64 },
    /// `err <dev> <nethogs stderr line>`.
    Err { dev: String, line: String },
    /// `exit <dev> <status> <retry_ms>`: a nethogs ended.
    Exit {
        dev: String,
        status: String,
        retry_ms: u64,
    },
    /// `restart <reason>`: every nethogs is being restarted.
    Restart { reason: String },
    /// Anything else (kept for diagnostics).
    Unknown(String),
}

/// Parses one helper line (without its newline).
pub fn parse_helper_line(line: &str) -> HelperEvent {
    let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
    let two = || rest.split_once(' ').unwrap_or((rest, ""));
    let unknown = || HelperEvent::Unknown(line.to_owned());
    match kind {
        "hello" => {
            let (protocol, version) = two();
            HelperEvent::Hello {
                protocol: protocol.parse().unwrap_or(0),
                version: version.to_owned(),
            }
        }
        "rec" => match two() {
            (dev, text) if !dev.is_empty() => match unescape(text) {
                Some(bytes) => HelperEvent::Rec {
                    dev: dev.to_owned(),
                    bytes,
                },
                None => unknown(),
            },
            _ => unknown(),
        },
        "long" => {
            let mut f = rest.splitn(3, ' ');
            match (f.next(), f.next().map(str::parse), f.next().map(unescape)) {
                (Some(dev), Some(Ok(len)), Some(Some(head))) if !dev.is_empty() => {
                    HelperEvent::Long {
                        dev: dev.to_owned(),
                        len,
                        head,
                    }
                }
                _ => unknown(),
            }
        }
        "quiet" if !rest.is_empty() && !rest.contains(' ') => HelperEvent::Quiet {
            dev: rest.to_owned(),
        },
        "stall" => match two() {
            (dev, ms) if !dev.is_empty() => match ms.parse() {
                Ok(silent_ms) => HelperEvent::Stall {
                    dev: dev.to_owned(),
                    silent_ms,
                },
                Err(_) => unknown(),
            },
            _ => unknown(),
        },
        "start" => {
            let (dev, pid) = two();
            match pid.parse() {
                Ok(pid) if !dev.is_empty() => HelperEvent::Start {
                    dev: dev.to_owned(),
                    pid,
                },
                _ => unknown(),
            }
        }
        "line" | "err" => {
            let (dev, text) = two();
            if dev.is_empty() {
                return unknown();
            }
            let (dev, line) = (dev.to_owned(), text.to_owned());
            if kind == "line" {
                HelperEvent::Line { dev, line }
            } else {
                HelperEvent::Err { dev, line }
            }
        }
        "exit" => {
            let mut f = rest.split(' ');
            match (f.next(), f.next(), f.next().and_then(|r| r.parse().ok())) {
                (Some(dev), Some(status), Some(retry_ms)) if !dev.is_empty() => HelperEvent::Exit {
                    dev: dev.to_owned(),
                    status: status.to_owned(),
                    retry_ms,
                },
                _ => unknown(),
            }
        }
        "restart" => HelperEvent::Restart {
            reason: rest.to_owned(),
        },
        _ => unknown(),
    }
}

pub use crate::text::unescape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        assert_eq!(
            parse_helper_line("hello 2 0.1.0"),
            HelperEvent::Hello {
                protocol: 2,
                version: "0.1.0".into()
            }
        );
        assert_eq!(
            parse_helper_line("rec eth0 a b\\x0a/5/0\\x09\\x5c1\\x0a"),
            HelperEvent::Rec {
                dev: "eth0".into(),
                bytes: b"a b\n/5/0\t\\1\n".to_vec()
            }
        );
        assert_eq!(
            parse_helper_line("long eth0 4096 \\x0aRefreshing:\\x0aab"),
            HelperEvent::Long {
                dev: "eth0".into(),
                len: 4096,
                head: b"\nRefreshing:\nab".to_vec()
            }
        );
        assert_eq!(
            parse_helper_line("start eth0 123"),
            HelperEvent::Start {
                dev: "eth0".into(),
                pid: 123
            }
        );
        assert_eq!(
            parse_helper_line("line eth0 /opt/we ird/x/5/0\t1\t2"),
            HelperEvent::Line {
                dev: "eth0".into(),
                line: "/opt/we ird/x/5/0\t1\t2".into()
            }
        );
        assert_eq!(
            parse_helper_line("line eth0 "),
            HelperEvent::Line {
                dev: "eth0".into(),
                line: String::new()
            }
        );
        assert_eq!(
            parse_helper_line("exit eth0 signal:9 1000"),
            HelperEvent::Exit {
                dev: "eth0".into(),
                status: "signal:9".into(),
                retry_ms: 1000
            }
        );
        assert_eq!(
            parse_helper_line("quiet eth0"),
            HelperEvent::Quiet { dev: "eth0".into() }
        );
        assert_eq!(
            parse_helper_line("stall eth0 6012"),
            HelperEvent::Stall {
                dev: "eth0".into(),
                silent_ms: 6012
            }
        );
        assert_eq!(
            parse_helper_line("restart hourly"),
            HelperEvent::Restart {
                reason: "hourly".into()
            }
        );
        for bad in [
            "",
            "start eth0 x",
            "start",
            "exit eth0 code:1",
            "line",
            "what",
            "rec eth0 a\\b",
            "rec eth0 a\\x0",
            "rec eth0 a\\xzz",
            "rec eth0 a\\x+f",
            "rec eth0 \u{e9}",
            "long eth0 -1 x",
            "long eth0 4096",
            "quiet",
            "quiet eth0 x",
            "stall eth0",
            "stall eth0 -5",
            "stall  5",
        ] {
            assert!(
                matches!(parse_helper_line(bad), HelperEvent::Unknown(_)),
                "{bad:?}"
            );
        }
    }
}
