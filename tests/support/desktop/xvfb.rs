//! A free X display: Xvfb started on the first display number nobody holds.

use super::super::{err, wait_until, Child, Result};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Screen of the virtual X server: wide enough for a full-width panel and an open menu.
pub const SCREEN: &str = "1280x800x24";

/// First X display number tried, clear of real sessions (:0, :1). Numbers in use (socket
/// or lock file present) are skipped; a race lost to another server moves on.
const FIRST_DISPLAY: u32 = 90;
/// How many display numbers are tried before giving up.
const DISPLAY_TRIES: u32 = 200;

const XVFB_TIMEOUT: Duration = Duration::from_secs(20);

/// Where this process's next search starts: one past the last display it was given,
/// counted without wrapping (the display is `FIRST_DISPLAY + NEXT % DISPLAY_TRIES`). The
/// tests of a suite run on threads of one process, so without it a display one test has
/// just released would be the first free number for the next, whose new socket would then
/// look like a leftover of the first (the desktop harness checks that none is left).
static NEXT: AtomicU32 = AtomicU32::new(0);

/// Starts Xvfb on the first free display from where this process's last one was (see
/// [`NEXT`]), from [`FIRST_DISPLAY`] at first. Race-safe across threads and processes: Xvfb
/// binds `/tmp/.X11-unix/X<n>` itself and exits when another server holds it, and
/// `-displayfd` reports readiness (written once it accepts connections).
pub(super) fn start_xvfb() -> Result<(Child, String)> {
    let mut skipped = Vec::new();
    let first = NEXT.load(Ordering::SeqCst);
    for k in first..first + DISPLAY_TRIES {
        let n = FIRST_DISPLAY + k % DISPLAY_TRIES;
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let display = format!(":{n}");
        let mut xvfb = Child::spawn(
            &format!("Xvfb{display}"),
            None,
            &[
                "Xvfb",
                &display,
                "-displayfd",
                "1",
                "-screen",
                "0",
                SCREEN,
                "-nolisten",
                "tcp",
                // No server reset when the last client disconnects (e.g. between a
                // readiness probe and the first real client).
                "-noreset",
            ],
        )?;
        match xvfb.lines().next_line(XVFB_TIMEOUT) {
            Ok(Some(line)) if line.trim() == n.to_string() => {
                // Prove it: one X connection.
                wait_until("an X connection", XVFB_TIMEOUT, || {
                    x11rb::connect(Some(&display)).ok()
                })?;
                NEXT.fetch_max(k + 1, Ordering::SeqCst);
                return Ok((xvfb, display));
            }
            Ok(Some(line)) => {
                return Err(err(format!(
                    "Xvfb {display} reported display {line:?}; stderr: {}",
                    xvfb.stderr_text().trim()
                )))
            }
            Ok(None) => {
                // Lost the race for this number (or it is taken without a socket
                // file we could see): try the next one.
                let _ = xvfb.wait_exit(Duration::from_secs(5));
                // Its stderr is read by a thread that may lag behind the exit.
                let _ = wait_until("Xvfb's error message", Duration::from_secs(2), || {
                    xvfb.stderr_text()
                        .contains("Fatal server error")
                        .then_some(())
                });
                let stderr = xvfb.stderr_text();
                if !stderr.contains("already") && !stderr.contains("listening sockets") {
                    return Err(err(format!(
                        "Xvfb {display} exited ({:?}): {}",
                        xvfb.try_status(),
                        stderr.trim()
                    )));
                }
                skipped.push(n);
            }
            Err(e) => {
                return Err(err(format!(
                    "Xvfb {display} not ready: {e}; stderr: {}",
                    xvfb.stderr_text().trim()
                )))
            }
        }
    }
    Err(err(format!(
        "no free X display in :{FIRST_DISPLAY}..:{} (busy: {skipped:?})",
        FIRST_DISPLAY + DISPLAY_TRIES
    )))
}
