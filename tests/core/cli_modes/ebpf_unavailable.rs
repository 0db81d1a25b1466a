//! `--source ebpf` (and `monitor.backend = "ebpf"`) where the eBPF backend cannot run: the
//! status says exactly why, and nethogs stands in for it.
//! Without `--features ebpf` (`--no-default-features`) the helper answers exit 7 (not built
//! in); with it, `--elevate none` as `nobody` has no route to root. Either way nethogs takes
//! over (`ebpf_fallback` shows it working); as `nobody` it cannot run either.

use super::common::{parse_snapshots, HOGWATCH, HOME_PREFIX};
use crate::support;
use std::time::Duration;
use support::home::Home;
use support::{err, Child, Result};

/// Runs `hogwatch top --json --devices lo --count 3 ARGS…` (wrapped) to its end and
/// returns the mode and status of its last snapshot.
fn last_status(wrapper: &[&str], home: &Home, args: &[&str]) -> Result<(String, String)> {
    let mut top = vec![
        "top",
        "--json",
        "--elevate",
        "none",
        "--devices",
        "lo",
        "--count",
        "3",
        "--no-history",
    ];
    top.extend_from_slice(args);
    let argv = support::cli::hog_argv(wrapper, HOGWATCH, home, &top);
    let mut hog = Child::spawn("top-ebpf-off", None, &support::cli::refs(&argv))?;
    let status = hog.wait_exit(Duration::from_secs(20))?;
    let mut lines = Vec::new();
    while let Ok(Some(l)) = hog.lines().next_line(Duration::from_secs(1)) {
        lines.push(l);
    }
    let stderr = hog.stderr_text();
    if !status.success() || stderr.contains("panicked") {
        return Err(err(format!(
            "top --source ebpf: exit {status}; stderr:\n{stderr}"
        )));
    }
    let snaps = parse_snapshots(lines.iter().map(String::as_str), "top --source ebpf")?;
    let last = snaps.last().ok_or_else(|| err("no snapshot"))?;
    Ok((last.mode.clone(), last.status.clone()))
}

/// As root, nethogs runs in its place and the status says why.
#[cfg(not(feature = "ebpf"))]
#[test]
fn ebpf_not_built_in_says_so_from_the_flag_and_from_the_config() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let want = (
        "per-process".to_owned(),
        "eBPF unavailable, using nethogs: this hogwatch-helper was built without the eBPF \
         backend (cargo feature `ebpf`)"
            .to_owned(),
    );
    let got = last_status(&[], &home, &["--source", "ebpf"])?;
    if got != want {
        return Err(err(format!("{got:?}, expected {want:?}")));
    }
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[monitor]\nbackend = \"ebpf\"\n")?;
    let path = config.to_string_lossy().into_owned();
    let got = last_status(&[], &home, &["--config", &path])?;
    if got != want {
        return Err(err(format!(
            "monitor.backend = \"ebpf\": {got:?}, expected {want:?}"
        )));
    }
    Ok(())
}

/// No route to root for eBPF: nethogs takes over, and as `nobody` without capabilities it
/// cannot run either, so the status says both, nethogs' reason first.
#[cfg(feature = "ebpf")]
#[test]
fn ebpf_without_root_falls_back_to_nethogs_and_says_why() -> Result<()> {
    let home = Home::owned_by(HOME_PREFIX, Some(65534))?;
    let (mode, got) = last_status(&support::cli::AS_NOBODY, &home, &["--source", "ebpf"])?;
    if mode != "totals-only" {
        return Err(err(format!(
            "mode {mode}, status {got:?}: expected totals-only"
        )));
    }
    let want = "per-process monitoring is off: --elevate none, and nethogs has no capabilities \
                — fix: run as root, use --elevate auto, or sudo setcap \
                cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep /usr/sbin/nethogs (eBPF \
                unavailable: --elevate none, and the eBPF backend needs root — fix: run as \
                root, or use --elevate auto)";
    if got != want {
        return Err(err(format!("status {got:?}, expected {want:?}")));
    }
    Ok(())
}
