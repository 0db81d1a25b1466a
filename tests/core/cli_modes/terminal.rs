//! The terminal table, and untrusted names that carry terminal escapes: none reaches
//! stdout or stderr raw.

use super::common::{expect_success, hog_run, replay_json, HOGWATCH, HOME_PREFIX};
use crate::support;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::cli::{fixture_dir, tail};
use support::home::Home;
use support::{err, Result};

#[test]
fn table_mode_prints_the_table() -> Result<()> {
    let fixture = fixture_dir().join("trace_v2_names_spaces_uid.txt");
    let source = format!("replay:{}", fixture.display());
    let home = Home::new(HOME_PREFIX)?;
    let out = hog_run(
        &[],
        HOGWATCH,
        &home,
        &[
            "top",
            "--source",
            &source,
            "--replay-speed",
            "0",
            "--count",
            "2",
        ],
        Duration::from_secs(15),
    )?;
    expect_success(&out, "table mode")?;
    let headers = out
        .stdout
        .lines()
        .filter(|l| l.contains("PID") && l.contains("NAME"))
        .count();
    let unattributed = out.stdout.matches("(unattributed)").count();
    if headers != 2 || unattributed != 2 {
        return Err(err(format!(
            "--count 2 table: {headers} header lines with PID and NAME and {unattributed} \
             `(unattributed)` rows, expected 2 each; stdout:\n{}",
            out.stdout
        )));
    }
    if out.stdout.trim_start().starts_with('{') {
        return Err(err("table mode printed JSON"));
    }
    Ok(())
}

/// A raw trace whose process name carries a terminal escape (clear screen).
const EVIL: &str = "evil\x1b[2Jname";

fn evil_fixture(dir: &Path) -> Result<PathBuf> {
    let path = dir.join("evil.txt");
    let text = format!(
        "Ethernet link detected\n\nRefreshing:\n{EVIL}/4242/0\t1000\t2000\nunknown TCP/0/0\t0\t0\n\n\
         Refreshing:\n{EVIL}/4242/0\t3000\t4000\nunknown TCP/0/0\t0\t0\n\n\
         Refreshing:\n{EVIL}/4242/0\t5000\t6000\nunknown TCP/0/0\t0\t0\n"
    );
    std::fs::write(&path, text)?;
    Ok(path)
}

#[test]
fn escape_sequences_in_names_never_reach_stdout() -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("hogwatch-evil-")
        .tempdir()?;
    let fixture = evil_fixture(dir.path())?;
    let source = format!("replay:{}", fixture.display());

    // Table mode: the row is there, made printable; no raw ESC byte anywhere.
    let home = Home::new(HOME_PREFIX)?;
    let out = hog_run(
        &[],
        HOGWATCH,
        &home,
        &["top", "--source", &source, "--replay-speed", "0"],
        Duration::from_secs(15),
    )?;
    expect_success(&out, "table with an escape in a name")?;
    if out.stdout.contains('\x1b') {
        return Err(err(format!(
            "table mode wrote a raw ESC (0x1b) to stdout: {:?}",
            out.stdout.lines().find(|l| l.contains('\x1b'))
        )));
    }
    if !out
        .stdout
        .lines()
        .any(|l| l.contains("4242") && l.contains("evil") && l.contains("name"))
    {
        return Err(err(format!(
            "the process row (pid 4242) is missing; stdout:\n{}",
            out.stdout
        )));
    }

    // JSON mode: escaped as \u001b, and it decodes to the exact name.
    let (out, snaps) = replay_json(&fixture, &[], Duration::from_secs(15))?;
    if out.stdout.contains('\x1b') {
        return Err(err("--json wrote a raw ESC (0x1b) to stdout"));
    }
    if !out.stdout.contains("evil\\u001b[2Jname") {
        return Err(err(format!(
            "--json did not escape the name as \\u001b: {}",
            tail(&out.stdout, 600)
        )));
    }
    let p = snaps
        .last()
        .and_then(|s| s.process(4242))
        .ok_or("pid 4242 missing from the JSON")?;
    if p.name != EVIL {
        return Err(err(format!("JSON name {:?}, expected {EVIL:?}", p.name)));
    }
    Ok(())
}

/// Escapes in every untrusted field of a recording (device name, process name, /proc
/// exe and argv, a nethogs error line that becomes the status) never reach stdout in
/// table mode.
#[test]
fn escape_sequences_from_a_recording_never_reach_stdout() -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("hogwatch-evilrec-")
        .tempdir()?;
    let path = dir.path().join("evil.jsonl");
    let dev = "ev\\u001bil0";
    let name = "x\\u001b]0;pwned\\u0007";
    let text = format!(
        "{{\"kind\":\"header\",\"version\":1,\"interval_ms\":1000,\"devices\":[\"{dev}\"]}}\n\
         {{\"kind\":\"proc\",\"t\":500,\"pid\":77,\"start_time\":5,\"exe\":\"/bin/\\u001b[2J\",\"argv\":[\"a\\u001b[2Jb\"]}}\n\
         {{\"kind\":\"helper\",\"t\":0,\"line\":\"start {dev} 1\"}}\n\
         {{\"kind\":\"helper\",\"t\":1000,\"line\":\"line {dev} Refreshing:\"}}\n\
         {{\"kind\":\"helper\",\"t\":1000,\"line\":\"line {dev} {name}/77/0\\t10\\t20\"}}\n\
         {{\"kind\":\"helper\",\"t\":1500,\"line\":\"err {dev} bad\\u001b[31m thing\"}}\n\
         {{\"kind\":\"helper\",\"t\":2500,\"line\":\"line {dev} Refreshing:\"}}\n\
         {{\"kind\":\"helper\",\"t\":2500,\"line\":\"line {dev} {name}/77/0\\t30\\t40\"}}\n"
    );
    std::fs::write(&path, text)?;
    let source = format!("replay:{}", path.display());
    let home = Home::new(HOME_PREFIX)?;
    let out = hog_run(
        &[],
        HOGWATCH,
        &home,
        &["top", "--source", &source, "--replay-speed", "0"],
        Duration::from_secs(15),
    )?;
    expect_success(&out, "table from a recording with escapes")?;
    if out.stdout.contains('\x1b') || out.stdout.contains('\x07') {
        return Err(err(format!(
            "table mode wrote a raw ESC/BEL to stdout: {:?}",
            out.stdout
                .lines()
                .find(|l| l.contains('\x1b') || l.contains('\x07'))
        )));
    }
    if !out
        .stdout
        .lines()
        .any(|l| l.contains("77") && l.contains("pwned"))
    {
        return Err(err(format!(
            "the process row (pid 77) is missing; stdout:\n{}",
            out.stdout
        )));
    }
    Ok(())
}

/// The status (built from nethogs' stderr lines, or from a recording's `err` items) is
/// echoed to stderr when stdout is not a terminal: it must be made printable there too,
/// or a crafted recording writes terminal escapes to the user's terminal.
#[test]
fn status_echoed_on_stderr_carries_no_raw_escapes() -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("hogwatch-evilerr-")
        .tempdir()?;
    let path = dir.path().join("evil.jsonl");
    let text = "{\"kind\":\"header\",\"version\":1,\"interval_ms\":1000,\"devices\":[\"eth0\"]}\n\
         {\"kind\":\"helper\",\"t\":0,\"line\":\"start eth0 1\"}\n\
         {\"kind\":\"helper\",\"t\":500,\"line\":\"err eth0 bad\\u001b[31m thing\\u001b]0;pwned\\u0007\"}\n\
         {\"kind\":\"helper\",\"t\":2500,\"line\":\"line eth0 Refreshing:\"}\n";
    std::fs::write(&path, text)?;
    let source = format!("replay:{}", path.display());
    let home = Home::new(HOME_PREFIX)?;
    let out = hog_run(
        &[],
        HOGWATCH,
        &home,
        &["top", "--source", &source, "--replay-speed", "0"],
        Duration::from_secs(15),
    )?;
    expect_success(&out, "table from a recording with an escape in an err line")?;
    if out.stdout.contains('\x1b') {
        return Err(err("table mode wrote a raw ESC (0x1b) to stdout"));
    }
    if !out.stdout.contains("bad") {
        return Err(err(format!(
            "the status is not shown in the table; stdout:\n{}",
            out.stdout
        )));
    }
    // tracing's own colour codes are ESC bytes too: look for the recording's bytes only.
    let raw: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("bad\x1b[31m") || l.contains("\x1b]0;pwned"))
        .collect();
    if !raw.is_empty() {
        return Err(err(format!(
            "PRODUCT BUG: untrusted status text reached stderr with raw escape sequences \
             (src/cmd/top.rs: `eprintln!(\"hogwatch: {{}}\", snap.status)` prints it unfiltered; \
             use crate::text::printable): {raw:?}"
        )));
    }
    Ok(())
}
