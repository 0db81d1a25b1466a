//! Crash consistency of the quota state (issue 15): a real `hogwatch server` — the core
//! with its alert engine — replays into one history with a monthly download quota
//! warning at 25, 50, 75 and 100%, and is SIGKILLed 20 times after 3 to 11 refreshes
//! (seeded). After every kill `alerts.json` parses, keeps every level it held, and holds
//! each level the history shows crossed before that run; across all runs no level is
//! notified twice (the notifier logs each alert: there is no session bus here).

use super::common::{library_totals, long_trace, tempdir, Totals};
use crate::support;
use std::collections::BTreeMap;
use std::time::Duration;
use support::dashboard::Server;
use support::{err, wait_until, Deadline, Result};

const KILLS: u64 = 20;
const LIMIT: u64 = 16_000_000;
const LEVELS: [u64; 4] = [25, 50, 75, 100];

const CONFIG: &str = r#"
[alerts]
max_per_minute = 10

[[alerts.rule]]
name = "Plan"
kind = "quota"
period = "month"
direction = "down"
limit = "16 MB"
warn_at = [25, 50, 75, 100]
"#;

/// What moved down in all, as the history has it.
fn down(t: &Totals) -> u64 {
    t.devices.values().map(|v| v.1).sum()
}

/// The levels `alerts.json` in `dir` holds for the rule (none without the file).
fn levels(dir: &std::path::Path, after: &str) -> Result<Vec<u64>> {
    let path = dir.join("alerts.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err(format!("{after}: {}: {e}", path.display()))),
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "{after}: alerts.json does not parse ({e}):\n{text}"
        ))
    })?;
    Ok(v["quotas"]["Plan"][1]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect())
        .unwrap_or_default())
}

#[test]
fn twenty_sigkills_keep_the_quota_state_and_notify_no_level_twice() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(400));
    let tmp = tempdir("hogwatch-quota-crash-")?;
    let dir = tmp.path().join("d");
    let trace = tmp.path().join("long.txt");
    long_trace(&trace, 40)?;
    let mut held: Vec<u64> = Vec::new();
    let mut kept = Totals::default();
    let mut notified: BTreeMap<u64, u32> = BTreeMap::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for k in 0..KILLS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = 3 + (seed % 9) as usize;
        let mut server = Server::start_with_config(
            &format!("quota-crash-{k}"),
            &trace,
            Some(&dir),
            Some(CONFIG),
        )?;
        let mut seen = std::collections::BTreeSet::new();
        wait_until(
            &format!("run {k}: {after} refreshes"),
            deadline.cap(Duration::from_secs(30)),
            || {
                if let Some(ts) = server.get_json("/api/snapshot").ok()?.get("ts")?.as_u64() {
                    seen.insert(ts);
                }
                (seen.len() > after).then_some(())
            },
        )?;
        support::signal_pid(server.child.pid(), "KILL")?;
        server
            .child
            .wait_exit(deadline.cap(Duration::from_secs(10)))?;
        for line in server.child.stderr_text().lines() {
            let Some(said) = line.split_once("alert: Monthly data: ").map(|s| s.1) else {
                continue;
            };
            let level = said.split('%').next().and_then(|l| l.parse().ok());
            let level = level.ok_or_else(|| err(format!("run {k}: an odd alert: {line}")))?;
            *notified.entry(level).or_default() += 1;
        }

        let what = format!("after kill {k}");
        let now = levels(&dir, &what)?;
        if let Some(lost) = held.iter().find(|l| !now.contains(l)) {
            return Err(err(format!("{what}: level {lost} was held, now {now:?}")));
        }
        // Crossed by what the history held when this run started: known at its first
        // refresh, saved long before the kill.
        let before = down(&kept);
        for level in LEVELS.iter().filter(|l| before * 100 >= LIMIT * *l) {
            if !now.contains(level) {
                return Err(err(format!(
                    "{what}: the history held {before} B ({}%) before the run, yet level \
                     {level} is not in {now:?}",
                    before * 100 / LIMIT
                )));
            }
        }
        kept = match library_totals(&dir, &what) {
            Ok(t) => t,
            Err(e) if e.to_string().contains("no session recorded") => kept,
            Err(e) => return Err(e),
        };
        eprintln!(
            "kill {k} after {after} refreshes: history {} B down, levels {now:?}",
            down(&kept)
        );
        held = now;
    }
    eprintln!("notified: {notified:?}; held at the end: {held:?}");
    if let Some((level, n)) = notified.iter().find(|(_, n)| **n > 1) {
        return Err(err(format!("level {level} was notified {n} times")));
    }
    let crossed = LEVELS
        .iter()
        .filter(|l| down(&kept) * 100 >= LIMIT * *l)
        .count();
    if crossed < 3 {
        return Err(err(format!(
            "only {crossed} levels crossed in {} B: the test did not test much",
            down(&kept)
        )));
    }
    Ok(())
}
