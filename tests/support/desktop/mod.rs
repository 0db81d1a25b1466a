//! End-to-end desktop tests of the tray applet: a private X display, session bus and tray
//! host, and a client that reads and clicks the applet's menu over D-Bus like a tray host.
//!
//! * [`Desktop`]: Xvfb on a free display, a private `dbus-daemon --session` whose activated
//!   services (xfconfd, …) live in the test's [`Home`], and on request an xfce4-panel 4.18
//!   with the Status Tray plugin ([`Desktop::start_panel`]), which owns
//!   `org.kde.StatusNotifierWatcher` and draws StatusNotifierItems and XEmbed icons.
//!   [`Desktop::screenshot`] saves the screen; [`Desktop::open_tray_menu`] right-clicks the
//!   first tray icon (XTEST, through x11rb) so the menu shows in the next screenshot.
//!   Run the app with [`Desktop::spawn`] (or [`Desktop::env`]/[`Desktop::command`]).
//!   Everything is stopped by pid on drop, also on panic: the panel, every other process
//!   connected to the private bus (D-Bus activated services are reparented to init, so
//!   they are found through the bus, not the process tree), the bus, the X server.
//! * [`TrayClient`]: finds the StatusNotifierItem that a given pid exports on the private
//!   bus (libayatana: `/org/ayatana/NotificationItem/<id>`, menu at `…/Menu`), reads its
//!   menu (`com.canonical.dbusmenu.GetLayout`) as a [`MenuNode`] tree, clicks items and
//!   reads the item's properties (`XAyatanaLabel`, `IconName`, …).
//!
//! Declare the [`Home`] before the [`Desktop`] (the desktop borrows it) and the app's
//! [`Child`] after the desktop, so the app stops first. The blocking D-Bus calls here must
//! not run on a tokio runtime thread (zbus's blocking API runs its own runtime).
//!
//! One file per concern: `session` (the desktop's processes, their environment and their
//! teardown), `xvfb` (a free display), `screen` (screenshots, the tray menu opened and
//! closed with real input), `x11` (X requests, XTEST, pixels), `bus` (bounded blocking
//! D-Bus calls), `tray_client` (the StatusNotifierItem and dbusmenu client), `menu` (the
//! menu tree and its queries).

mod bus;
mod menu;
mod screen;
mod session;
mod tray_client;
mod x11;
mod xvfb;

#[allow(unused_imports)]
pub use menu::{strip_mnemonics, MenuNode};
#[allow(unused_imports)]
pub use session::{Desktop, ENV_REMOVE};
#[allow(unused_imports)]
pub use tray_client::TrayClient;
#[allow(unused_imports)]
pub use x11::Rect;
#[allow(unused_imports)]
pub use xvfb::SCREEN;

use super::{err, Error, Result};
use std::fmt::Display;
use std::path::{Path, PathBuf};

/// An error mapper that says what was being done (`.map_err(ctx("X11 GetImage"))`).
fn ctx<E: Display>(what: impl Display) -> impl FnOnce(E) -> Error {
    move |e| err(format!("{what}: {e}"))
}

/// `target/test-artifacts` (next to the test binaries' profile directory), created.
pub fn artifacts_dir() -> Result<PathBuf> {
    // The test binary is target/<profile>/deps/<name>: three levels up is target/.
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
