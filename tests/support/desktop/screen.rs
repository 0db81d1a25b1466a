//! What the screen shows: screenshots, and the tray icon's menu opened and closed with
//! real input (XTEST), as a user does it.

use super::super::{err, Error, Result};
use super::session::{Desktop, BUS_TIMEOUT};
use super::x11::{Rect, XSession, ESCAPE_KEYSYM};
use std::collections::HashSet;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};
use x11rb::protocol::xproto::Window;

const ICON_TIMEOUT: Duration = Duration::from_secs(20);
const MENU_TIMEOUT: Duration = Duration::from_secs(10);

impl Desktop<'_> {
    /// Saves the whole screen as PNG (`import -window root`), creating parent directories.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let out = path.display().to_string();
        // An old file must not pass for a new screenshot.
        let _ = std::fs::remove_file(path);
        let res = self.run(
            &[
                "import",
                "-display",
                self.display(),
                "-window",
                "root",
                &out,
            ],
            Duration::from_secs(20),
        )?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if !res.status.success() || size == 0 {
            return Err(err(format!(
                "screenshot to {out} failed ({}): {}",
                res.status,
                res.stderr.trim()
            )));
        }
        Ok(())
    }

    /// Right-clicks the first icon of the panel's tray (waiting until one is drawn) and
    /// waits until its menu is mapped and drawn; returns the menu's rectangle (root
    /// coordinates), e.g. to crop a screenshot. Needs [`Desktop::start_panel`].
    ///
    /// The right button: in xfce's tray it opens an item's menu whatever the item
    /// supports (the left button calls the item's Activate unless the item says it is
    /// only a menu). The click is real input (XTEST), so the menu gets its pointer grab.
    /// Until the tray has loaded the item's menu, a right click shows the panel's own
    /// plugin menu instead; so a popup counts only if the tray also asked the app about
    /// its menu (a dbusmenu AboutToShow or Event call, seen with dbus-monitor), else it
    /// is closed and the click repeated.
    pub fn open_tray_menu(&self) -> Result<Rect> {
        if self.panel_pid().is_none() {
            return Err(err("open_tray_menu: start the panel first"));
        }
        let x = XSession::connect(self.display())?;
        let mut monitor = self.spawn(
            "dbus-monitor",
            &[
                "dbus-monitor",
                "--address",
                self.bus_address(),
                "type='method_call',interface='com.canonical.dbusmenu'",
            ],
        )?;
        // The bus takes the monitor's name away once it monitors.
        monitor
            .lines()
            .wait_for("dbus-monitor to start", BUS_TIMEOUT, |l| {
                l.contains("member=NameLost")
            })?;
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let icon = poll("a tray icon drawn in the panel", ICON_TIMEOUT, || {
                x.first_tray_icon()
            })?;
            let before: HashSet<Window> = x.popups()?.into_iter().map(|(w, _)| w).collect();
            let (cx, cy) = icon.center();
            x.fake_motion(cx, cy)?;
            x.fake_button(3, true)?;
            x.fake_button(3, false)?;
            x.sync()?;
            let rect = poll("a menu to be mapped and drawn", MENU_TIMEOUT, || {
                for (w, rect) in x.popups()? {
                    if !before.contains(&w) && x.distinct_colours(rect)? >= 3 {
                        return Ok(Some(rect));
                    }
                }
                Ok(None)
            })
            .map_err(|e| err(format!("{e} (after a right click on the icon at {icon:?})")))?;
            let asked = monitor.lines().wait_for(
                "the tray to ask the app's menu",
                Duration::from_secs(2),
                |l| l.contains("member=AboutToShow") || l.contains("member=Event"),
            );
            if asked.is_ok() {
                return Ok(rect);
            }
            if start.elapsed() >= MENU_TIMEOUT {
                return Err(err(format!(
                    "after {attempts} right clicks on the tray icon at {icon:?} within \
                     {MENU_TIMEOUT:?}, the menus shown were not the app's: the tray never \
                     called the app's com.canonical.dbusmenu (AboutToShow/Event)"
                )));
            }
            eprintln!(
                "[desktop] the menu shown after a right click on the tray icon is not the \
                 app's (the tray has not loaded it yet?): closing it and clicking again"
            );
            close_menus(&x)?;
        }
    }

    /// Closes open menus (Escape, one level at a time) and waits until none is mapped.
    pub fn close_tray_menu(&self) -> Result<()> {
        close_menus(&XSession::connect(self.display())?)
    }
}

/// Escape until no popup is mapped (one menu level per key).
fn close_menus(x: &XSession) -> Result<()> {
    let escape = x.keycode(ESCAPE_KEYSYM)?;
    for _ in 0..5 {
        let open: HashSet<Window> = x.popups()?.into_iter().map(|(w, _)| w).collect();
        if open.is_empty() {
            return Ok(());
        }
        x.fake_key(escape, true)?;
        x.fake_key(escape, false)?;
        x.sync()?;
        poll("an open menu to close", MENU_TIMEOUT, || {
            let now: HashSet<Window> = x.popups()?.into_iter().map(|(w, _)| w).collect();
            Ok((now.len() < open.len() || !now.is_subset(&open)).then_some(()))
        })?;
    }
    Err(err("menus still open after 5 × Escape"))
}

/// Polls `f` every 20 ms until it returns `Ok(Some(_))`. Errors count as "not yet" (a
/// window can vanish between two X requests) but the last one is reported on timeout.
fn poll<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Result<Option<T>>) -> Result<T> {
    let start = Instant::now();
    let mut last: Option<Error> = None;
    loop {
        match f() {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last = Some(e),
        }
        if start.elapsed() >= timeout {
            let last = last
                .map(|e| format!("; last error: {e}"))
                .unwrap_or_default();
            return Err(err(format!(
                "timed out after {timeout:?} waiting for {what}{last}"
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
}
