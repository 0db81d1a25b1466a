//! A `hogwatch` tray started while a `hogwatch server` runs for the user attaches to it:
//! no collector and no dashboard server of its own, its menu shows the server's talkers
//! and offers the server's dashboard; a second `hogwatch` then hands over (a tray shows the
//! core), and the attached tray's Quit leaves the server running and serving. Under Xvfb
//! with a private D-Bus session bus, the menu read and clicked over dbusmenu.

use crate::support;
use std::time::Duration;
use support::dashboard::{free_port, get, printed_dashboard};
use support::desktop::Desktop;
use support::home::Home;
use support::tray_app::{item, quit, row, start_tray, HOGWATCH};
use support::{err, require_root_and_nethogs, wait_until, Deadline, Result};

#[test]
fn a_tray_attaches_to_a_running_server_and_quits_alone() -> Result<()> {
    require_root_and_nethogs();
    let deadline = Deadline::after(Duration::from_secs(60));
    let home = Home::new("hogwatch-one-tray-")?;
    let desktop = Desktop::start(&home)?;
    let work = tempfile::tempdir()?;
    let source = format!(
        "replay:{}",
        support::tray_app::write_replay(work.path(), 120)?
    );
    let port = free_port()?.to_string();
    let server_argv = [
        HOGWATCH,
        "server",
        &port,
        "--source",
        &source,
        "--replay-speed",
        "1",
        "--no-history",
    ];
    let mut server = desktop.spawn("attach-server", &server_argv)?;
    let (_, token) = printed_dashboard(&server, deadline.cap(Duration::from_secs(20)))?;
    let port: u16 = port.parse().map_err(|_| err("port"))?;

    // The tray: no collector of its own; the menu shows the server's talkers.
    let (mut tray_hog, tray) = start_tray(&desktop, "attach-tray", &[HOGWATCH, "--no-history"])?;
    tray.wait_layout(deadline.cap(Duration::from_secs(15)), |m| {
        row(m, "bigdown").is_some()
    })?;
    assert!(
        !tray_hog.stderr_text().contains("dashboard at"),
        "the attached tray started a server of its own:\n{}",
        tray_hog.stderr_text()
    );
    let layout = tray.layout()?;
    assert!(
        item(&layout, "Open dashboard")?.enabled,
        "the server's dashboard"
    );

    // A second `hogwatch` hands over: a tray shows the core already.
    let second = desktop.run(&[HOGWATCH], Duration::from_secs(15))?;
    assert!(
        second
            .stdout
            .starts_with("hogwatch is already running: hogwatch is running without a tray"),
        "second: {:?} {}",
        second.stdout,
        second.stderr
    );

    // Quit in the attached tray: the tray goes, the server stays and keeps serving.
    quit(&tray, &mut tray_hog)?;
    let before = get(port, &token, "/api/snapshot")?.body;
    wait_until(
        "a newer refresh from the server",
        deadline.cap(Duration::from_secs(5)),
        || {
            let now = get(port, &token, "/api/snapshot").ok()?.body;
            (now != before).then_some(())
        },
    )?;
    assert!(
        server.try_status().is_none(),
        "the server outlives the tray"
    );
    server.stop();
    Ok(())
}
