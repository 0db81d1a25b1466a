//! What a row says: its figures under the current sort (rates or amounts) and the
//! detail lines of its submenu, capped and made printable.

use super::rows::Candidate;
use super::{Sort, DETAIL_CHARS, DEVICE_CHARS, MAX_PIDS, MAX_USERS, PATH_CHARS, USER_CHARS};
use crate::model::Usage;
use crate::text;
use crate::units;

pub(super) fn rates(u: &Usage) -> String {
    format!(
        "↓ {} ↑ {}",
        units::rate(u.down_rate),
        units::rate(u.up_rate)
    )
}

pub(super) fn amounts(up: u64, down: u64) -> String {
    format!("↓ {} ↑ {}", units::bytes(down), units::bytes(up))
}

/// The figures a row's label shows under a sort: rates, session amounts or today's.
pub(super) fn figures(c: &Candidate, sort: Sort) -> String {
    match (sort, c.today) {
        (Sort::Rate, _) => rates(&c.usage),
        (Sort::Today, Some((up, down))) => amounts(up, down),
        _ => amounts(c.usage.up_bytes, c.usage.down_bytes),
    }
}

/// `printable`, keeping the end of a long path (the file name) rather than its start.
fn truncate_left(s: &str, max: usize) -> String {
    let p = text::printable(s);
    let n = p.chars().count();
    if n <= max {
        return p.into_owned();
    }
    let mut out = String::from("…");
    out.extend(p.chars().skip(n + 1 - max));
    out
}

/// "a, b, c, … (12)": the first `max` items, and the count when there are more.
fn listing<I: ExactSizeIterator<Item = String>>(items: I, max: usize) -> String {
    let n = items.len();
    let mut shown: Vec<String> = items.take(max).collect();
    if n > max {
        shown.push(format!("… ({n})"));
    }
    shown.join(", ")
}

pub(super) fn details(c: &Candidate) -> Vec<String> {
    let mut out = Vec::new();
    let pids = listing(c.pids.iter().map(u32::to_string), MAX_PIDS);
    out.push(if c.pids.len() == 1 {
        format!("PID: {pids}")
    } else {
        format!("PIDs: {pids}")
    });
    let users = listing(
        c.users.iter().map(|u| text::truncate(u, USER_CHARS)),
        MAX_USERS,
    );
    out.push(if c.users.len() == 1 {
        format!("User: {users}")
    } else {
        format!("Users: {users}")
    });
    match c.exes.len() {
        0 => out.push("Executable: unknown".to_string()),
        1 => out.extend(
            c.exes
                .iter()
                .map(|e| format!("Executable: {}", truncate_left(e, PATH_CHARS))),
        ),
        n => out.extend(c.exes.iter().next().map(|e| {
            format!(
                "Executables: {} (+{} more)",
                truncate_left(e, PATH_CHARS),
                n - 1
            )
        })),
    }
    if let Some(cmd) = c.cmdline.as_deref().filter(|c| !c.is_empty()) {
        out.push(format!(
            "Command: {}",
            text::truncate(cmd, DETAIL_CHARS - 9)
        ));
    }
    if !c.devices.is_empty() {
        let devices = c.devices.iter().map(|d| text::truncate(d, DEVICE_CHARS));
        out.push(format!(
            "{}: {}",
            if c.devices.len() == 1 {
                "Device"
            } else {
                "Devices"
            },
            listing(devices, 8)
        ));
    }
    out.push(format!("Rate: {}", rates(&c.usage)));
    out.push(format!(
        "Session: {}",
        amounts(c.usage.up_bytes, c.usage.down_bytes)
    ));
    if let Some((up, down)) = c.today {
        out.push(format!("Today: {}", amounts(up, down)));
    }
    out
}
