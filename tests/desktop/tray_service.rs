//! With the system service running (`hogwatch service`, here replaying a recording, in
//! folders of its own as systemd would give it), a desktop user's `hogwatch` tray takes the
//! service's refreshes: its menu shows the service's talkers, it serves its own dashboard
//! (history and alerts stay the user's), and no password route is tried — pkexec and sudo
//! are replaced, in the tray's private mount namespace, by a script that records any call,
//! and the tray is even told `--elevate pkexec`. Its Quit leaves the service running.
//! Under Xvfb with a private D-Bus session bus, the menu read over dbusmenu.

use crate::support;
use std::time::Duration;
use support::cli::spy_wrapper;
use support::dashboard::free_port;
use support::desktop::Desktop;
use support::home::Home;
use support::tray_app::{item, quit, row, start_tray, HOGWATCH};
use support::{err, require_root_and_nethogs, Child, Deadline, Result};

#[test]
fn a_tray_takes_the_system_services_refreshes_without_a_password() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(60));
    let home = Home::new("hogwatch-svc-tray-")?;
    let desktop = Desktop::start(&home)?;
    let work = tempfile::tempdir()?;
    let source = format!(
        "replay:{}",
        support::tray_app::write_replay(work.path(), 120)?
    );
    let (state, run, etc) = (
        work.path().join("state"),
        work.path().join("run"),
        work.path().join("etc"),
    );
    for d in [&state, &etc] {
        std::fs::create_dir(d)?;
    }
    let port = free_port()?.to_string();
    let service_env = [
        ("STATE_DIRECTORY", state.to_string_lossy().into_owned()),
        ("RUNTIME_DIRECTORY", run.to_string_lossy().into_owned()),
        (
            "CONFIGURATION_DIRECTORY",
            etc.to_string_lossy().into_owned(),
        ),
    ];
    let env: Vec<(&str, &str)> = service_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut service = Child::spawn_env(
        "svc-tray-service",
        None,
        &[
            HOGWATCH,
            "service",
            "--port",
            &port,
            "--source",
            &source,
            "--replay-speed",
            "1",
        ],
        &env,
    )?;
    let socket = run.join(hogwatch::collect::upstream::SOCKET_NAME);
    service.wait_for_path(&socket, deadline.cap(Duration::from_secs(20)))?;

    let calls = work.path().join("privilege-calls");
    let mut argv = spy_wrapper(&calls, work.path())?;
    argv.extend([
        "/usr/bin/env".to_owned(),
        format!("HOGWATCH_SYSTEM_SOCKET={}", socket.display()),
        "HOGWATCH_LOG=hogwatch::app=info".to_owned(),
        HOGWATCH.to_owned(),
        "--elevate".to_owned(),
        "pkexec".to_owned(),
    ]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let (mut tray_hog, tray) = start_tray(&desktop, "svc-tray", &argv)?;
    tray.wait_layout(deadline.cap(Duration::from_secs(20)), |m| {
        row(m, "bigdown").is_some()
    })
    .map_err(|e| err(format!("{e}; tray stderr:\n{}", tray_hog.stderr_text())))?;
    let layout = tray.layout()?;
    let stderr = tray_hog.stderr_text();
    assert!(
        stderr.contains("the hogwatch system service runs")
            && stderr.contains("taking its refreshes"),
        "the tray followed the service:\n{stderr}"
    );
    assert!(
        item(&layout, "Open dashboard")?.enabled,
        "the tray serves its own dashboard:\n{stderr}"
    );
    quit(&tray, &mut tray_hog)?;
    let called = std::fs::read_to_string(&calls).unwrap_or_default();
    assert!(called.is_empty(), "a password route was tried:\n{called}");
    assert!(
        service.try_status().is_none(),
        "the service outlives the tray:\n{}",
        service.stderr_text()
    );
    service.stop();
    Ok(())
}
