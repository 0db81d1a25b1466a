//! `hogwatch history` in table, CSV and JSON, hostile names in CSV, days and billing
//! months, and bad arguments.

use super::common::{
    expect_success, fixture, history_json, hog, json_apps, no_panic, python_csv, raw_trace,
    replay_into, str_at, tempdir, u64_at, Totals, FAST, HOGWATCH, HOME_PREFIX,
};
use crate::support;
use hogwatch::store::tiers::billing_month_start;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::home::Home;
use support::{err, run, Result};

/// `history.sqlite3` of one replay of `fixture`, and that run's last snapshot totals.
fn one_run(home: &Home, fix: &Path) -> Result<(tempfile::TempDir, PathBuf, Totals)> {
    let tmp = tempdir("hogwatch-hist-out-")?;
    let dir = tmp.path().join("d");
    let (_, t) = replay_into(home, fix, &dir, FAST)?;
    Ok((tmp, dir, t))
}

#[test]
fn history_prints_tables_csv_and_json() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let (_tmp, dir, want) = one_run(&home, &fixture("trace_v2_names_spaces_uid.txt"))?;
    let d = dir.to_string_lossy();
    assert!(want.apps.len() >= 2, "{want:?}");

    // JSON.
    let v = history_json(&home, &dir, &[])?;
    for a in v["apps"].as_array().ok_or("no apps")? {
        for k in ["app", "name", "up_bytes", "down_bytes"] {
            assert!(a.get(k).is_some(), "app entry without {k}: {a}");
        }
    }
    assert_eq!(json_apps(&v)?, want.apps, "JSON apps");
    assert!(v["from"].is_string() && v["to"].is_string(), "{v}");

    // Table: the header and each app's display name and key.
    let out = hog(
        &home,
        &["history", "--data-dir", &d],
        Duration::from_secs(20),
    )?;
    expect_success(&out, "history table")?;
    let header = out
        .stdout
        .lines()
        .find(|l| l.contains("NAME"))
        .ok_or_else(|| err(format!("no header in the table:\n{}", out.stdout)))?;
    for col in ["NAME", "UP", "DOWN", "TOTAL", "APP"] {
        assert!(header.contains(col), "header {header:?} lacks {col}");
    }
    for name in [
        "my prog",
        "cli",
        "/opt/demo/we ird/my prog",
        "./relative/cli",
    ] {
        assert!(
            out.stdout.contains(name),
            "table lacks {name:?}:\n{}",
            out.stdout
        );
    }

    // CSV, read by python's csv module: header, one row per app, then unattributed.
    let out = hog(
        &home,
        &["history", "--data-dir", &d, "--format", "csv"],
        Duration::from_secs(20),
    )?;
    expect_success(&out, "history csv")?;
    let rows = python_csv(&out.stdout, ',', true)?;
    assert_eq!(
        rows.first().map(|r| r.join(",")),
        Some("app,name,up_bytes,down_bytes,total_bytes".to_owned()),
        "CSV header"
    );
    let mut apps = BTreeMap::new();
    let mut unattributed = None;
    for r in &rows[1..] {
        assert_eq!(r.len(), 5, "CSV row {r:?}");
        let n = |i: usize| r[i].parse::<u64>().expect("a number");
        assert_eq!(n(2) + n(3), n(4), "total of {r:?}");
        if r[0] == "(unattributed)" {
            unattributed = Some((n(2), n(3)));
        } else {
            assert!(
                apps.insert(r[0].clone(), (n(2), n(3))).is_none(),
                "two rows for {r:?}"
            );
        }
    }
    assert_eq!(apps, want.apps, "CSV rows");
    assert_eq!(
        unattributed,
        Some(want.unattributed_reported()),
        "CSV unattributed"
    );
    Ok(())
}

#[test]
fn history_csv_quotes_and_defuses_hostile_names() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let tmp = tempdir("hogwatch-hist-evil-")?;
    // No `/`: the display name (the last path segment) is the whole name too.
    let name = "=cmd|' -C calc'!A0,\"quoted\", x";
    let fix = tmp.path().join("evil.txt");
    raw_trace(&fix, name, &[(100, 200), (3_000, 5_000), (7_000, 11_000)])?;
    let (_t, dir, want) = one_run(&home, &fix)?;
    assert_eq!(
        want.apps.get(name),
        Some(&(7_000, 11_000)),
        "the replay should show the hostile name as the app: {want:?}"
    );
    let d = dir.to_string_lossy();
    let out = hog(
        &home,
        &["history", "--data-dir", &d, "--format", "csv"],
        Duration::from_secs(20),
    )?;
    expect_success(&out, "history csv")?;
    // RFC 4180: the cell is quoted, quotes doubled; the `'` guard keeps a spreadsheet from
    // running it as a formula.
    let cell = format!("\"'{}\"", name.replace('"', "\"\""));
    assert!(
        out.stdout
            .lines()
            .any(|l| l == format!("{cell},{cell},7000,11000,18000")),
        "no correctly quoted row for {name:?} ({cell}) in:\n{}",
        out.stdout
    );
    let rows = python_csv(&out.stdout, ',', true)?;
    let guarded = format!("'{name}");
    let row = rows
        .iter()
        .find(|r| r.first() == Some(&guarded))
        .ok_or_else(|| {
            err(format!(
                "python reads no row with app {guarded:?}: {rows:?}"
            ))
        })?;
    assert_eq!(
        row,
        &vec![
            guarded.clone(),
            guarded.clone(),
            "7000".to_owned(),
            "11000".to_owned(),
            "18000".to_owned()
        ]
    );
    assert_eq!(rows.len(), 3, "header, the app, unattributed: {rows:?}");
    Ok(())
}

#[test]
fn history_by_day_and_billing_month_cover_today() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let before = chrono::Local::now().date_naive();
    let (_tmp, dir, want) = one_run(&home, &fixture("trace_multidev_both.txt"))?;
    let up: u64 = want.apps.values().map(|v| v.0).sum();
    let down: u64 = want.apps.values().map(|v| v.1).sum();
    let dev_up: u64 = want.devices.values().map(|v| v.0).sum();
    let dev_down: u64 = want.devices.values().map(|v| v.1).sum();
    assert_eq!(
        (up, down),
        (dev_up, dev_down),
        "replay: devices carry the apps' bytes"
    );

    let by_day = history_json(&home, &dir, &["--by", "day"])?;
    let by_month = history_json(&home, &dir, &["--by", "month", "--billing-day", "15"])?;
    let after = chrono::Local::now().date_naive();
    let days = [before, after];
    let periods = |v: &Value| -> Result<Vec<(String, u64, u64, bool)>> {
        v["periods"]
            .as_array()
            .ok_or_else(|| err(format!("no periods in {v}")))?
            .iter()
            .map(|p| {
                Ok((
                    str_at(p, "start")?.to_owned(),
                    u64_at(p, "up_bytes")?,
                    u64_at(p, "down_bytes")?,
                    p["covered"]
                        .as_bool()
                        .ok_or_else(|| err(format!("no covered in {p}")))?,
                ))
            })
            .collect()
    };
    let check = |v: &Value, starts: Vec<String>, what: &str| -> Result<()> {
        let ps = periods(v)?;
        let covered: Vec<_> = ps.iter().filter(|p| p.3).collect();
        let today = covered
            .iter()
            .find(|p| starts.contains(&p.0))
            .ok_or_else(|| {
                err(format!(
                    "{what}: no covered period starting {starts:?}: {ps:?}"
                ))
            })?;
        if covered.len() != 1 || (today.1, today.2) != (up, down) {
            return Err(err(format!(
                "{what}: covered periods {covered:?}, expected one starting {starts:?} with \
                 ({up}, {down}) bytes"
            )));
        }
        if ps.len() < 2 {
            return Err(err(format!(
                "{what}: the default 30-day range should list the earlier periods too: {ps:?}"
            )));
        }
        Ok(())
    };
    check(
        &by_day,
        days.iter().map(|d| d.to_string()).collect(),
        "--by day",
    )?;
    check(
        &by_month,
        days.iter()
            .map(|d| billing_month_start(*d, 15).to_string())
            .collect(),
        "--by month --billing-day 15",
    )?;
    // CSV says the same.
    let d = dir.to_string_lossy();
    let out = hog(
        &home,
        &[
            "history",
            "--data-dir",
            &d,
            "--by",
            "day",
            "--format",
            "csv",
        ],
        Duration::from_secs(20),
    )?;
    expect_success(&out, "history --by day --format csv")?;
    let rows = python_csv(&out.stdout, ',', true)?;
    assert_eq!(
        rows[0].join(","),
        "day,up_bytes,down_bytes,total_bytes,covered"
    );
    assert!(
        rows.iter()
            .any(|r| days.iter().any(|d| r[0] == d.to_string())
                && r[4] == "true"
                && r[1] == up.to_string()),
        "CSV by day: {rows:?}"
    );
    Ok(())
}

#[test]
fn history_refuses_bad_arguments_clearly() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let (_tmp, dir, _) = one_run(&home, &fixture("trace_multidev_both.txt"))?;
    let d = dir.to_string_lossy();
    let missing = dir.join("nothing-here");
    let m = missing.to_string_lossy();
    let cases: [(&[&str], &str); 10] = [
        (&["history", "--data-dir", &d, "--range", "5x"], "5x"),
        (
            &["history", "--data-dir", &d, "--since", "garbage"],
            "garbage",
        ),
        (
            &["history", "--data-dir", &d, "--by", "nonsense"],
            "nonsense",
        ),
        (
            &[
                "history",
                "--data-dir",
                &d,
                "--since",
                "2026-01-02",
                "--until",
                "2026-01-01",
            ],
            "--since",
        ),
        (
            &["history", "--data-dir", &d, "--app", "no-such-app"],
            "no-such-app",
        ),
        (&["history", "--data-dir", &m], "history"),
        // Times past the ends of i64 arithmetic and of the calendar, spans too long.
        (
            &[
                "history",
                "--data-dir",
                &d,
                "--since",
                "@-9223372036854775808",
            ],
            "-9223372036854775808",
        ),
        (
            &[
                "history",
                "--data-dir",
                &d,
                "--by",
                "day",
                "--since",
                "@9223372036854775806",
                "--until",
                "@9223372036854775807",
            ],
            "9223372036854775806",
        ),
        (
            &[
                "history",
                "--data-dir",
                &d,
                "--by",
                "month",
                "--since",
                "@0",
                "--until",
                "@253402300799",
            ],
            "hundred years",
        ),
        (&["history", "--data-dir", &d, "--since", "@-1"], "--since"),
    ];
    let mut failures = Vec::new();
    for (args, needle) in cases {
        let out = hog(&home, args, Duration::from_secs(20))?;
        let what = format!("{args:?}");
        if let Err(e) = no_panic(&out, &what) {
            failures.push(e.0);
            continue;
        }
        if out.status.success() || out.status.code().is_none() {
            failures.push(format!(
                "{what}: exited with {} (stdout {})",
                out.status, out.stdout
            ));
        } else if !out.stderr.contains(needle) {
            failures.push(format!(
                "{what}: stderr does not name {needle:?}: {}",
                out.stderr
            ));
        }
    }
    // No history directory at all: neither --data-dir nor HOME nor XDG_DATA_HOME.
    let out = run(
        &[
            "/usr/bin/env",
            "-i",
            "RUST_BACKTRACE=0",
            HOGWATCH,
            "history",
        ],
        Duration::from_secs(20),
    )?;
    no_panic(&out, "history without HOME")?;
    if out.status.success() || !out.stderr.contains("--data-dir") {
        failures.push(format!(
            "history without HOME: {} / {}",
            out.status, out.stderr
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
