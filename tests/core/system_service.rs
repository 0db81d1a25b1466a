//! The system service for real, as its packaged unit runs it (systemd does not run here):
//! the unit's exact `ExecStart` (its binary swapped for this build's), as the unit's user —
//! made from the packaged sysusers file — with exactly the unit's ambient and bounding
//! capabilities and no_new_privs (setpriv), in the environment systemd gives it, in a
//! network namespace with a known upload running as root. It collects per-process data
//! with nothing more: root's uploader is attributed by pid with its bytes, and the helper
//! and nethogs it starts run as the unit's user with no capability beyond the unit's. A
//! user's `hogwatch top`, forced to `--elevate pkexec`, takes the service's refreshes over
//! its socket and tries no password route (pkexec and sudo are spied on); a member of group
//! `hogwatch` attaches, anyone else cannot and is told why (and so is `hogwatch doctor`'s
//! reader). It writes nowhere but its state folder (its history and token) and its
//! runtime folder, as `ProtectSystem=strict` will hold it to.

use crate::support;

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::cli::{refs, spy_wrapper};
use support::home::Home;
use support::netns::Pair;
use support::tray_app::HOGWATCH;
use support::{
    err, find_pids, nethogs_pids_for, require_root_and_nethogs, tcp_client, Child, Deadline,
    GenServer, Result,
};

const UNIT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/packaging/systemd/hogwatch.service"
);
const SYSUSERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/packaging/systemd/hogwatch.sysusers"
);
const HELPER: &str = env!("CARGO_BIN_EXE_hogwatch-helper");

/// What the test takes from the unit's `[Service]` section.
#[derive(Debug, Default)]
struct Unit {
    exec_start: Vec<String>,
    user: String,
    group: String,
    ambient: Vec<String>,
    bounding: Vec<String>,
    no_new_privs: bool,
}

fn read_unit() -> Result<Unit> {
    let text = std::fs::read_to_string(UNIT)?;
    let mut u = Unit::default();
    let mut in_service = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
            continue;
        }
        let Some((k, v)) = line.split_once('=').filter(|_| in_service) else {
            continue;
        };
        let words = || v.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        match k.trim() {
            "ExecStart" => u.exec_start = words(),
            "User" => u.user = v.trim().to_owned(),
            "Group" => u.group = v.trim().to_owned(),
            "AmbientCapabilities" => u.ambient = words(),
            "CapabilityBoundingSet" => u.bounding = words(),
            "NoNewPrivileges" => u.no_new_privs = v.trim() == "yes",
            _ => {}
        }
    }
    if u.exec_start.is_empty() || u.user.is_empty() || u.ambient.is_empty() {
        return Err(err(format!(
            "{UNIT}: no ExecStart, User or ambient capabilities"
        )));
    }
    Ok(u)
}

/// `CAP_NET_RAW CAP_…` as setpriv takes them: `-all,+net_raw,…`.
fn setpriv_caps(caps: &[String]) -> String {
    let mut s = "-all".to_owned();
    for c in caps {
        s.push_str(",+");
        s.push_str(&c.to_ascii_lowercase().replace("cap_", ""));
    }
    s
}

/// The capability mask of `caps` (their numbers from linux/capability.h).
fn mask(caps: &[String]) -> Result<u64> {
    caps.iter().try_fold(0u64, |m, c| {
        let bit = match c.as_str() {
            "CAP_DAC_READ_SEARCH" => 2,
            "CAP_NET_RAW" => 13,
            "CAP_SYS_PTRACE" => 19,
            other => {
                return Err(err(format!(
                    "the unit holds {other}, not a nethogs capability"
                )))
            }
        };
        Ok(m | 1 << bit)
    })
}

fn id_of(flag: &str, name: &str) -> Result<u32> {
    let out = std::process::Command::new("id")
        .args([flag, name])
        .output()?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| {
            err(format!(
                "`id {flag} {name}`: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        })
}

/// `/proc/PID/status`'s `field` (e.g. `Uid:` → its first number, `CapEff:` → hex).
fn status_field(pid: u32, field: &str) -> Option<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next().map(str::to_owned))
}

/// A folder of `mode` owned by `owner` (uid, gid).
fn folder(path: &Path, mode: u32, owner: Option<(u32, u32)>) -> Result<PathBuf> {
    std::fs::create_dir_all(path)?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(path.to_path_buf())
}

#[test]
fn the_units_command_collects_per_process_as_its_user_with_its_capabilities_alone() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(90));
    let unit = read_unit()?;
    // The unit's user, as the packages make it (idempotent: it may exist from a past run).
    let made = std::process::Command::new("systemd-sysusers")
        .arg(SYSUSERS)
        .output()
        .map_err(|e| err(format!("systemd-sysusers (package systemd): {e}")))?;
    if !made.status.success() {
        return Err(err(format!(
            "systemd-sysusers {SYSUSERS}: {}",
            String::from_utf8_lossy(&made.stderr)
        )));
    }
    let (uid, gid) = (id_of("-u", &unit.user)?, id_of("-g", &unit.group)?);
    let unit_caps = mask(&unit.ambient)?;
    assert_eq!(unit_caps, mask(&unit.bounding)?, "ambient = bounding");

    // The built programs, where the unit's user can run them from (a checkout may sit in a
    // folder it cannot enter): hogwatch finds the helper beside itself.
    let work = tempfile::Builder::new().prefix("hogwatch-svc-").tempdir()?;
    let top_dir = folder(work.path(), 0o755, None)?;
    let bin = folder(&top_dir.join("bin"), 0o755, None)?;
    for (from, name) in [(HOGWATCH, "hogwatch"), (HELPER, "hogwatch-helper")] {
        std::fs::copy(from, bin.join(name))?;
        std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755))?;
    }
    // What systemd makes: StateDirectory= (0700) and RuntimeDirectory= (0750) of the user;
    // the configuration directory, root's and read only to it (no config.toml: defaults).
    let state = folder(&top_dir.join("state"), 0o700, Some((uid, gid)))?;
    let run = folder(&top_dir.join("run"), 0o750, Some((uid, gid)))?;
    let etc = folder(&top_dir.join("etc"), 0o755, None)?;

    let pair = Pair::new("svc")?;
    let dev = pair.link.dev.clone();
    let gen = GenServer::in_peer("svc-gen", &pair, &["--timeout", "60"])?;

    let caps = setpriv_caps(&unit.ambient);
    let mut argv: Vec<String> = [
        "setpriv",
        "--reuid",
        &unit.user,
        "--regid",
        &unit.group,
        "--init-groups",
        "--inh-caps",
        &caps,
        "--ambient-caps",
        &caps,
        "--bounding-set",
        &caps,
    ]
    .map(str::to_owned)
    .to_vec();
    if unit.no_new_privs {
        argv.push("--no-new-privs".into());
    }
    // systemd's environment for a User= service with these directories.
    argv.extend(
        [
            "/usr/bin/env".to_owned(),
            "-i".to_owned(),
            "PATH=/usr/local/bin:/usr/bin:/bin".to_owned(),
            format!("HOME={}", state.display()),
            format!("USER={}", unit.user),
            format!("STATE_DIRECTORY={}", state.display()),
            format!("CONFIGURATION_DIRECTORY={}", etc.display()),
            format!("RUNTIME_DIRECTORY={}", run.display()),
            bin.join("hogwatch").display().to_string(),
        ]
        .into_iter()
        .chain(unit.exec_start.iter().skip(1).cloned()),
    );
    let mut service = Child::spawn("svc-service", Some(pair.h.name()), &refs(&argv))?;
    let socket = run.join(hogwatch::collect::upstream::SOCKET_NAME);
    service.wait_for_path(&socket, deadline.cap(Duration::from_secs(20)))?;
    service.wait_for(
        "nethogs on the device",
        deadline.cap(Duration::from_secs(20)),
        || (!nethogs_pids_for(&dev).is_empty()).then_some(()),
    )?;

    // The helper and nethogs: the unit's user, the unit's capabilities, nothing more.
    let helpers = find_pids(|a| {
        a.first().is_some_and(|p| p.ends_with("/hogwatch-helper")) && a.contains(&dev)
    });
    let nethogs = nethogs_pids_for(&dev);
    for pid in helpers.iter().chain(&nethogs).chain([&service.pid()]) {
        assert_eq!(
            status_field(*pid, "Uid:"),
            Some(uid.to_string()),
            "pid {pid} runs as {}",
            unit.user
        );
        let eff = status_field(*pid, "CapEff:")
            .and_then(|h| u64::from_str_radix(&h, 16).ok())
            .ok_or_else(|| err(format!("CapEff of {pid}")))?;
        assert_eq!(
            eff & !unit_caps,
            0,
            "pid {pid} holds capabilities beyond the unit's: {eff:x}"
        );
        assert_eq!(
            status_field(*pid, "NoNewPrivs:").as_deref(),
            Some("1"),
            "pid {pid}: no_new_privs"
        );
    }
    assert_eq!(helpers.len(), 1, "one helper: {helpers:?}");

    // A known upload by root, and a user's `top` following the service.
    let mut client = tcp_client(
        "svc-client",
        pair.h.name(),
        &gen.addr(),
        &[
            "--send-bytes",
            "3000000",
            "--rate",
            "300000",
            "--timeout",
            "40",
        ],
    )?;
    let calls = work.path().join("privilege-calls");
    let spy = spy_wrapper(&calls, work.path())?;
    let home = Home::new("hogwatch-svc-")?;
    let mut top_argv = spy.clone();
    top_argv.push("/usr/bin/env".into());
    top_argv.extend(home.env());
    top_argv.push(format!("HOGWATCH_SYSTEM_SOCKET={}", socket.display()));
    top_argv.extend(
        [
            HOGWATCH,
            "top",
            "--json",
            "--count",
            "10",
            "--elevate",
            "pkexec",
            "--no-history",
        ]
        .map(str::to_owned),
    );
    let mut top = Child::spawn("svc-top", None, &refs(&top_argv))?;
    let status = top.wait_exit(deadline.cap(Duration::from_secs(30)))?;
    while top
        .lines()
        .next_line(deadline.cap(Duration::from_secs(5)))?
        .is_some()
    {}
    let snapshots: Vec<Value> = top
        .lines()
        .history()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let top_err = top.stderr_text();
    // Who may attach: `nobody` in group hogwatch does; `nobody` alone cannot connect and
    // collects for itself (here: totals only, as it has no privileges).
    let as_nobody = |groups: &str| -> Result<String> {
        let home = folder(
            &top_dir.join(format!("home-{groups}")),
            0o700,
            Some((65534, 65534)),
        )?;
        let mut argv: Vec<String> = ["setpriv", "--reuid", "65534", "--regid", "65534"]
            .map(str::to_owned)
            .to_vec();
        match groups {
            "" => argv.push("--clear-groups".into()),
            g => argv.extend(["--groups".to_owned(), g.to_owned()]),
        }
        argv.extend([
            "/usr/bin/env".to_owned(),
            "-i".to_owned(),
            format!("HOME={}", home.display()),
            format!("XDG_RUNTIME_DIR={}", home.display()),
            format!("HOGWATCH_SYSTEM_SOCKET={}", socket.display()),
            bin.join("hogwatch").display().to_string(),
        ]);
        argv.extend(
            [
                "top",
                "--json",
                "--count",
                "2",
                "--elevate",
                "none",
                "--no-history",
            ]
            .map(str::to_owned),
        );
        let mut c = Child::spawn(&format!("svc-nobody{groups}"), None, &refs(&argv))?;
        c.wait_exit(deadline.cap(Duration::from_secs(20)))?;
        let mut text = c.stderr_text();
        // And what `hogwatch doctor` tells this user.
        let doctor = argv.len() - 7;
        argv.truncate(doctor);
        argv.push("doctor".into());
        let mut d = Child::spawn(&format!("svc-doctor{groups}"), None, &refs(&argv))?;
        d.wait_exit(deadline.cap(Duration::from_secs(20)))?;
        while d
            .lines()
            .next_line(deadline.cap(Duration::from_secs(5)))?
            .is_some()
        {}
        text.push_str(&d.lines().history().join("\n"));
        Ok(text)
    };
    let member = as_nobody(&gid.to_string())?;
    let stranger = as_nobody("")?;
    client.stop();
    let service_err = service.stderr_text();
    service.stop();

    // ProtectSystem=strict leaves it its state and runtime folders alone to write in (and
    // HOME is the state folder): there it keeps its history and token, nothing else.
    let mut written: Vec<String> = std::fs::read_dir(&state)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    written.sort();
    assert!(
        written
            .iter()
            .all(|n| n.starts_with("history.sqlite3") || n == "token")
            && written.iter().any(|n| n == "token"),
        "the service's state folder holds {written:?}"
    );
    assert!(status.success(), "top: {status}; stderr:\n{top_err}");
    assert!(
        top_err.contains("taking the hogwatch system service's refreshes"),
        "top followed the service:\n{top_err}"
    );
    let called = std::fs::read_to_string(&calls).unwrap_or_default();
    assert!(called.is_empty(), "a password route was tried:\n{called}");
    assert_eq!(snapshots.len(), 10, "top's snapshots:\n{top_err}");
    assert!(
        member.contains("taking the hogwatch system service's refreshes")
            && member.contains("the hogwatch system service runs (pid"),
        "a member of group {} attaches:\n{member}",
        unit.group
    );
    assert!(
        stranger.contains("collecting here")
            && stranger.contains("not in group `hogwatch`")
            && stranger.contains("usermod -aG hogwatch"),
        "a user outside the group cannot connect, and collects for itself:\n{stranger}"
    );
    // Root's uploader, attributed by pid through the service's nethogs, with its bytes.
    let sent = snapshots
        .iter()
        .filter(|s| s["mode"] == "per-process")
        .flat_map(|s| s["processes"].as_array().cloned().unwrap_or_default())
        .filter(|p| p["pid"].as_u64() == Some(u64::from(client.pid())))
        .filter_map(|p| p["up_bytes"].as_u64())
        .max()
        .unwrap_or(0);
    assert!(
        sent > 100_000,
        "the uploader (pid {}) was not attributed: {sent} B up; service stderr:\n{service_err}\nlast snapshot: {}",
        client.pid(),
        snapshots.last().map(Value::to_string).unwrap_or_default()
    );
    eprintln!(
        "the service attributed {sent} B up to root's uploader (pid {})",
        client.pid()
    );
    drop(gen);
    Ok(())
}
