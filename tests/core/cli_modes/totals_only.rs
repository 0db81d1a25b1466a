//! Totals-only without nethogs (hidden by a bind mount in a private mount namespace) and
//! without privileges (as `nobody`), for `top --json` and `doctor`.

use super::common::{
    all_lines, expect_success, hog_run, no_panic, parse_snapshots, udp_burst, HOGWATCH,
    HOME_PREFIX, NOBODY,
};
use crate::support;
use std::path::Path;
use std::time::Duration;
use support::cli::{hog_argv, nobody_bins, refs, AS_NOBODY, WITHOUT_NETHOGS};
use support::home::Home;
use support::netns::Pair;
use support::{err, require_root_and_nethogs, Child, Deadline, Result};

// -------------------------------------------------------------------------- no nethogs

#[test]
fn totals_only_without_nethogs() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(28));
    let pair = Pair::new("nonh")?;
    let dev = pair.link.dev.clone();
    let hide = WITHOUT_NETHOGS;

    // top --json: totals from /proc/net/dev, and a status that says what to install.
    let home = Home::new(HOME_PREFIX)?;
    let argv = hog_argv(&hide, HOGWATCH, &home, &["top", "--json", "--count", "4"]);
    let mut hog = Child::spawn("top-no-nethogs", Some(pair.h.name()), &refs(&argv))?;
    hog.lines().wait_for(
        "first snapshot",
        deadline.cap(Duration::from_secs(10)),
        |l| l.starts_with('{'),
    )?;
    // Traffic after the first snapshot must show in the device totals even without nethogs.
    let (count, size) = (100u32, 1000u32);
    udp_burst(&pair.h, &pair.link.peer_ip.to_string(), count, size)?;
    let status = hog.wait_exit(deadline.cap(Duration::from_secs(15)))?;
    let lines = all_lines(&mut hog, &deadline)?;
    let stderr = hog.stderr_text();
    if !status.success() || stderr.contains("panicked") {
        return Err(err(format!(
            "top without nethogs: exit {status}; stderr:\n{stderr}"
        )));
    }
    let snaps = parse_snapshots(lines.iter().map(String::as_str), "top without nethogs")?;
    if snaps.len() != 4 {
        return Err(err(format!("--count 4 printed {} snapshots", snaps.len())));
    }
    for (i, s) in snaps.iter().enumerate() {
        let n = i + 1;
        if s.mode != "totals-only" {
            return Err(err(format!(
                "snapshot {n}: mode {:?}, expected totals-only",
                s.mode
            )));
        }
        if !s.status.contains("nethogs is not installed")
            || !s.status.contains("apt install nethogs")
        {
            return Err(err(format!(
                "snapshot {n}: status {:?} does not say `nethogs is not installed` with the fix \
                 `apt install nethogs`",
                s.status
            )));
        }
        if !s.processes.is_empty() {
            return Err(err(format!(
                "snapshot {n}: processes listed without nethogs: {:?}",
                s.processes
            )));
        }
        let names: Vec<&str> = s.devices.iter().map(|d| d.name.as_str()).collect();
        if names != [dev.as_str()] {
            return Err(err(format!(
                "snapshot {n}: devices {names:?}, expected [{dev}]"
            )));
        }
    }
    let last = snaps.last().ok_or("no snapshot")?;
    let d = last.device(&dev).ok_or("device vanished")?;
    let payload = u64::from(count * size);
    if d.usage.up_bytes < payload {
        return Err(err(format!(
            "device {dev} up_bytes {} after a {payload} B UDP burst: totals-only mode must \
             still count device bytes from /proc/net/dev",
            d.usage.up_bytes
        )));
    }
    if last.total.up_bytes != d.usage.up_bytes || last.total.down_bytes != d.usage.down_bytes {
        return Err(err(format!(
            "total {:?} != the only device {:?}",
            last.total, d.usage
        )));
    }

    // doctor, same trick: a FAIL line with the apt fix, non-zero exit.
    let ns_hide: Vec<&str> = ["ip", "netns", "exec", pair.h.name()]
        .into_iter()
        .chain(hide)
        .collect();
    let home = Home::new(HOME_PREFIX)?;
    let out = hog_run(
        &ns_hide,
        HOGWATCH,
        &home,
        &["doctor"],
        deadline.cap(Duration::from_secs(15)),
    )?;
    no_panic(&out, "doctor without nethogs")?;
    if out.status.code() == Some(97) {
        return Err(err(format!(
            "cannot bind-mount over nethogs: {}",
            out.stderr
        )));
    }
    if out.status.success() {
        return Err(err(format!(
            "doctor without nethogs exited 0; stdout:\n{}",
            out.stdout
        )));
    }
    let fail_line = out
        .stdout
        .lines()
        .any(|l| l.starts_with("FAIL") && l.contains("nethogs"));
    let fix_line = out
        .stdout
        .lines()
        .any(|l| l.trim_start().starts_with("fix:") && l.contains("fix: sudo apt install nethogs"));
    if !fail_line || !fix_line {
        return Err(err(format!(
            "doctor without nethogs must print a FAIL line about nethogs and \
             `fix: sudo apt install nethogs`; stdout:\n{}",
            out.stdout
        )));
    }

    // Control: the same doctor with nethogs visible passes (as root in this namespace), so
    // the FAIL above really comes from the missing nethogs.
    let home = Home::new(HOME_PREFIX)?;
    let out = hog_run(
        &["ip", "netns", "exec", pair.h.name()],
        HOGWATCH,
        &home,
        &["doctor"],
        deadline.cap(Duration::from_secs(15)),
    )?;
    no_panic(&out, "doctor with nethogs")?;
    if !out.status.success() || out.stdout.lines().any(|l| l.starts_with("FAIL")) {
        return Err(err(format!(
            "control: doctor as root with nethogs should pass, got {}; stdout:\n{}",
            out.status, out.stdout
        )));
    }
    Ok(())
}

// ----------------------------------------------------------------------- no privileges

#[test]
fn totals_only_without_privileges() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(28));
    let bins = nobody_bins(HOGWATCH)?;
    let exe = bins.hogwatch.to_string_lossy().into_owned();
    let pair = Pair::new("nopriv")?;
    let wrapper: Vec<&str> = ["ip", "netns", "exec", pair.h.name()]
        .into_iter()
        .chain(AS_NOBODY)
        .collect();

    // --elevate auto: pkexec has no agent (no terminal, no agent process of nobody) and
    // `sudo -n` needs a password, so whatever is installed the result is totals-only.
    let home = Home::owned_by(HOME_PREFIX, Some(NOBODY))?;
    let out = hog_run(
        &wrapper,
        &exe,
        &home,
        &["top", "--json", "--count", "4", "--elevate", "auto"],
        deadline.cap(Duration::from_secs(15)),
    )?;
    expect_success(&out, "top as nobody, --elevate auto")?;
    let snaps = parse_snapshots(out.stdout.lines(), "top as nobody, --elevate auto")?;
    if snaps.len() != 4 {
        return Err(err(format!("--count 4 printed {} snapshots", snaps.len())));
    }
    if let Some(s) = snaps
        .iter()
        .find(|s| s.mode == "per-process" || !s.processes.is_empty())
    {
        return Err(err(format!(
            "nobody got per-process data (mode {}, {} processes): is nethogs carrying file \
             capabilities on this machine? status {:?}",
            s.mode,
            s.processes.len(),
            s.status
        )));
    }
    let last = snaps.last().ok_or("no snapshot")?;
    if last.mode != "totals-only" {
        return Err(err(format!(
            "--elevate auto as nobody: last snapshot mode {:?} (status {:?}), expected totals-only",
            last.mode, last.status
        )));
    }
    if !(last.status.contains("setcap") || last.status.contains("sudo")) {
        return Err(err(format!(
            "totals-only status {:?} gives no fix (setcap or sudo)",
            last.status
        )));
    }
    // Where sudo is installed it was tried, and the status says why it failed.
    if Path::new("/usr/bin/sudo").is_file() && !last.status.contains("password") {
        return Err(err(format!(
            "sudo is installed but the status {:?} does not explain that it needs a password",
            last.status
        )));
    }
    if last.status.contains("helper is missing") {
        return Err(err(format!("the helper was not found: {:?}", last.status)));
    }
    if last.device(&pair.link.dev).is_none() {
        return Err(err(format!(
            "device {} not listed: {:?}",
            pair.link.dev, last.devices
        )));
    }

    // --elevate none: totals-only from the first snapshot, and the status says why.
    let home = Home::owned_by(HOME_PREFIX, Some(NOBODY))?;
    let out = hog_run(
        &wrapper,
        &exe,
        &home,
        &["top", "--json", "--count", "2", "--elevate", "none"],
        deadline.cap(Duration::from_secs(15)),
    )?;
    expect_success(&out, "top as nobody, --elevate none")?;
    let snaps = parse_snapshots(out.stdout.lines(), "top as nobody, --elevate none")?;
    if snaps.len() != 2 {
        return Err(err(format!("--count 2 printed {} snapshots", snaps.len())));
    }
    for s in &snaps {
        if s.mode != "totals-only"
            || !s.status.contains("--elevate none")
            || !s.processes.is_empty()
        {
            return Err(err(format!(
                "--elevate none as nobody: mode {:?}, status {:?}, {} processes; expected \
                 totals-only with a status naming --elevate none",
                s.mode,
                s.status,
                s.processes.len()
            )));
        }
    }

    // doctor as nobody: non-zero, and it says how to fix it.
    let home = Home::owned_by(HOME_PREFIX, Some(NOBODY))?;
    let out = hog_run(
        &wrapper,
        &exe,
        &home,
        &["doctor"],
        deadline.cap(Duration::from_secs(15)),
    )?;
    no_panic(&out, "doctor as nobody")?;
    if out.status.success() {
        return Err(err(format!(
            "doctor as nobody exited 0; stdout:\n{}",
            out.stdout
        )));
    }
    if !out
        .stdout
        .lines()
        .any(|l| l.trim_start().starts_with("fix:"))
    {
        return Err(err(format!(
            "doctor as nobody printed no `fix:` line; stdout:\n{}",
            out.stdout
        )));
    }
    if !out.stdout.lines().any(|l| l.starts_with("FAIL")) {
        return Err(err(format!(
            "doctor as nobody printed no FAIL line; stdout:\n{}",
            out.stdout
        )));
    }
    Ok(())
}
