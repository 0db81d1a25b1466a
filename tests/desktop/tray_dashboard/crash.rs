//! The window process dies (SIGKILL, as a WebKit crash or the OOM killer would do it): the
//! tray runs on, says so (its log; a notification too), still answers its menu, and the
//! next "Open dashboard" opens a new window in a new process.

use super::{children, wait_dashboard_enabled, wait_window, EXIT_TIMEOUT, WINDOW_PROCESS};
use crate::support;
use std::time::Duration;
use support::home::Home;
use support::tray_app::{item, quit};
use support::{err, pid_alive, signal_pid, wait_until, Result};

#[test]
fn a_killed_window_leaves_the_tray_running_and_opens_again() -> Result<()> {
    let home = Home::new("hogwatch-dash-kill-")?;
    let mut s = super::Setup::start(&home, "dash-kill")?;
    let (hog, tray, x) = (&mut s.hog, &s.tray, &s.x);
    let pid = hog.pid();

    let menu = wait_dashboard_enabled(tray)?;
    tray.click(item(&menu, "Open dashboard")?.id)?;
    let (wpid, _) = wait_window(hog, x, pid)?;

    signal_pid(wpid, "KILL")?;
    let said = format!("the dashboard window (pid {wpid}) crashed (killed by signal 9)");
    wait_until("the tray to say the window crashed", EXIT_TIMEOUT, || {
        hog.stderr_text().contains(&said).then_some(())
    })
    .map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", hog.stderr_text())))?;
    assert!(pid_alive(pid), "the tray died with its window");
    assert!(!pid_alive(wpid), "the window process still runs");
    assert!(
        x.windows_titled(wpid)?.is_empty(),
        "the killed process's window is still mapped"
    );
    // The tray still works: its menu answers, its rates move on.
    let menu = tray.wait_layout(Duration::from_secs(5), |m| {
        m.find_text("Open dashboard").is_some_and(|n| n.enabled)
    })?;

    // The next "Open dashboard": a new window process, a new window.
    tray.click(item(&menu, "Open dashboard")?.id)?;
    let (wpid2, _) = wait_window(hog, x, pid)?;
    assert_ne!(wpid2, wpid, "a new window process");
    assert_eq!(children(pid, WINDOW_PROCESS), [wpid2], "one window process");
    quit(tray, hog)?;
    wait_until("the window to exit after Quit", EXIT_TIMEOUT, || {
        (!pid_alive(wpid2)).then_some(())
    })?;
    Ok(())
}
