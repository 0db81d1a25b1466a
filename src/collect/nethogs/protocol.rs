//! The helper's stdout protocol (see `src/bin/hogwatch-helper.rs`), parsed on the
//! unprivileged side. One record per line, fields separated by one space.

/// One line from `hogwatch-helper`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelperEvent {
    /// `hello 1 <version>`: the helper is up.
    Hello { version: String },
    /// `start <dev> <pid>`: a nethogs for `dev` began; its totals start at zero.
    Start { dev: String, pid: u32 },
    /// `line <dev> <nethogs stdout line>`.
    Line { dev: String, line: String },
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
        "hello" => HelperEvent::Hello {
            version: two().1.to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        assert_eq!(
            parse_helper_line("hello 1 0.1.0"),
            HelperEvent::Hello {
                version: "0.1.0".into()
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
        ] {
            assert!(
                matches!(parse_helper_line(bad), HelperEvent::Unknown(_)),
                "{bad:?}"
            );
        }
    }
}
