//! What the tray and its dashboard window process (`hogwatch-window`) say to each other.
//! Pure: both sides format and parse here.
//!
//! - Tray → window, on the window's stdin: one line per "Open dashboard", the URL to show
//!   (with its key: stdin, unlike the command line, is for the two processes only). The
//!   first line opens the window; a later one raises it, loading the URL if it differs.
//!   The end of stdin (the tray quit, or died) closes the window.
//! - Window → tray, on its stdout: `open-url URL` for a link that leaves the dashboard
//!   (the tray runs the browser; the window has decided already that it may go there).
//! - The window's exit status: 0 when its window was closed (or stdin ended),
//!   [`EXIT_NO_WINDOW`] when it could make no window (no display, WebKit would not start):
//!   the tray then opens the browser instead. Anything else — another status, a signal —
//!   is a crash: the tray says so and starts a new window on the next "Open dashboard".

use std::process::ExitStatus;

/// The exit status of a window process that could not make its window.
pub const EXIT_NO_WINDOW: u8 = 3;
/// The start of a window's stdout line that asks the tray to open a URL in the browser.
const OPEN_URL: &str = "open-url ";

/// The line (without its newline) asking the tray to open `url` in the browser.
pub fn open_url_line(url: &str) -> String {
    format!("{OPEN_URL}{url}")
}

/// The URL of an `open-url` line; `None` for any other line.
pub fn parse_open_url(line: &str) -> Option<&str> {
    line.strip_prefix(OPEN_URL).filter(|u| !u.is_empty())
}

/// A URL as one stdin line: `None` if it holds a line break (it would be two lines).
pub fn url_line(url: &str) -> Option<String> {
    (!url.contains(['\n', '\r'])).then(|| format!("{url}\n"))
}

/// How a window process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Its window was closed, or the tray closed its stdin.
    Closed,
    /// It could not make a window: the browser instead.
    NoWindow,
    /// Anything else: the exit status or the signal, for the user.
    Crashed(String),
}

/// Classifies `status` (a child's exit status).
pub fn ended(status: ExitStatus) -> Ended {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(0), _) => Ended::Closed,
        (Some(c), _) if c == i32::from(EXIT_NO_WINDOW) => Ended::NoWindow,
        (Some(c), _) => Ended::Crashed(format!("exit status {c}")),
        (None, Some(s)) => Ended::Crashed(format!("killed by signal {s}")),
        (None, None) => Ended::Crashed("ended in an unknown way".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;

    #[test]
    fn open_url_lines_round_trip_and_nothing_else_parses() {
        let url = "https://example.org/a?b#c";
        assert_eq!(parse_open_url(&open_url_line(url)), Some(url));
        assert_eq!(parse_open_url("open-url "), None);
        assert_eq!(parse_open_url("https://example.org/"), None);
        assert_eq!(parse_open_url("OPEN-URL https://example.org/"), None);
    }

    #[test]
    fn a_url_is_one_line_or_none() {
        assert_eq!(
            url_line("http://127.0.0.1:6432/#key=k").as_deref(),
            Some("http://127.0.0.1:6432/#key=k\n")
        );
        assert_eq!(url_line("http://h/\nhttp://evil/"), None);
        assert_eq!(url_line("http://h/\r"), None);
    }

    #[test]
    fn exit_statuses_are_closed_no_window_or_a_crash() {
        // A wait status: exit code in bits 8–15, or the signal in the low bits.
        let exit = |c: i32| ExitStatus::from_raw(c << 8);
        assert_eq!(ended(exit(0)), Ended::Closed);
        assert_eq!(ended(exit(i32::from(EXIT_NO_WINDOW))), Ended::NoWindow);
        assert_eq!(ended(exit(101)), Ended::Crashed("exit status 101".into()));
        assert_eq!(
            ended(ExitStatus::from_raw(9)),
            Ended::Crashed("killed by signal 9".into())
        );
        assert_eq!(
            ended(ExitStatus::from_raw(11)),
            Ended::Crashed("killed by signal 11".into())
        );
    }
}
