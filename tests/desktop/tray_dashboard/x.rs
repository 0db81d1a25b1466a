//! The test's X11 side, doing what a window manager would: finds a pid's mapped top-level
//! windows with the dashboard's title, reads their pixels (waiting until the page is live,
//! counting colours, grabbing a screenshot) and closes one (WM_DELETE_WINDOW).

use crate::support;

use super::{TITLE, WINDOW_TIMEOUT};
use std::time::Duration;
use support::{err, Result};
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, ImageFormat, MapState,
    Window,
};
use x11rb::rust_connection::RustConnection;

/// A mapped top-level window.
#[derive(Debug, Clone)]
pub(super) struct TopLevel {
    pub(super) id: Window,
    pub(super) x: i16,
    pub(super) y: i16,
    pub(super) width: u16,
    pub(super) height: u16,
}

/// An X connection to the test's display, doing what a window manager would.
pub(super) struct X {
    pub(super) conn: RustConnection,
    pub(super) root: Window,
    pub(super) net_wm_name: Atom,
    pub(super) net_wm_pid: Atom,
    utf8: Atom,
    pub(super) wm_protocols: Atom,
    pub(super) wm_delete: Atom,
}

impl X {
    pub(super) fn connect(display: &str) -> Result<X> {
        let (conn, screen) = x11rb::connect(Some(display))
            .map_err(|e| err(format!("cannot connect to {display}: {e}")))?;
        let root = conn.setup().roots[screen].root;
        let atom = |name: &str| -> Result<Atom> {
            Ok(conn
                .intern_atom(false, name.as_bytes())
                .map_err(|e| err(format!("InternAtom {name}: {e}")))?
                .reply()
                .map_err(|e| err(format!("InternAtom {name}: {e}")))?
                .atom)
        };
        Ok(X {
            net_wm_name: atom("_NET_WM_NAME")?,
            net_wm_pid: atom("_NET_WM_PID")?,
            utf8: atom("UTF8_STRING")?,
            wm_protocols: atom("WM_PROTOCOLS")?,
            wm_delete: atom("WM_DELETE_WINDOW")?,
            conn,
            root,
        })
    }

    /// Mapped top-level windows of process `pid` (`_NET_WM_PID`) titled [`TITLE`]
    /// (`_NET_WM_NAME`). No window manager runs: top-level windows are the root's children.
    pub(super) fn windows_titled(&self, pid: u32) -> Result<Vec<TopLevel>> {
        let e = |what: &'static str| move |e: String| err(format!("X11 {what}: {e}"));
        let tree = self
            .conn
            .query_tree(self.root)
            .map_err(|x| e("QueryTree")(x.to_string()))?
            .reply()
            .map_err(|x| e("QueryTree")(x.to_string()))?;
        let mut out = Vec::new();
        for w in tree.children {
            // A window may go between QueryTree and these requests: skip it.
            let Ok(Ok(attrs)) = self.conn.get_window_attributes(w).map(|c| c.reply()) else {
                continue;
            };
            if attrs.map_state != MapState::VIEWABLE {
                continue;
            }
            let Ok(Ok(name)) = self
                .conn
                .get_property(false, w, self.net_wm_name, self.utf8, 0, 1024)
                .map(|c| c.reply())
            else {
                continue;
            };
            if String::from_utf8_lossy(&name.value) != TITLE {
                continue;
            }
            let Ok(Ok(owner)) = self
                .conn
                .get_property(false, w, self.net_wm_pid, AtomEnum::CARDINAL, 0, 1)
                .map(|c| c.reply())
            else {
                continue;
            };
            if owner.value32().and_then(|mut v| v.next()) != Some(pid) {
                continue;
            }
            let Ok(Ok(geo)) = self.conn.get_geometry(w).map(|c| c.reply()) else {
                continue;
            };
            out.push(TopLevel {
                id: w,
                x: geo.x,
                y: geo.y,
                width: geo.width,
                height: geo.height,
            });
        }
        Ok(out)
    }

    /// Distinct colours in the window's area of the screen.
    pub(super) fn distinct_colours(&self, w: &TopLevel) -> Result<usize> {
        let colours: std::collections::HashSet<[u8; 3]> = self
            .grab(w)?
            .chunks_exact(4)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Ok(colours.len())
    }

    /// Waits until the page in `w` shows live figures: its pixels change twice after it
    /// is drawn. A page that does not get the live feed is still once it has loaded (the
    /// dashboard has no animation), while each refresh of the replay redraws figures.
    pub(super) fn wait_live(&self, w: &TopLevel) -> Result<()> {
        let start = std::time::Instant::now();
        let mut last = self.grab(w)?;
        let mut changes = 0;
        while changes < 2 {
            if start.elapsed() > WINDOW_TIMEOUT {
                return Err(err(format!(
                    "the page did not change twice within {WINDOW_TIMEOUT:?} (changes: \
                     {changes}): it does not get the live feed"
                )));
            }
            // A refresh a second: no need to read 3 MB from the X server every 20 ms.
            std::thread::sleep(Duration::from_millis(200));
            let now = self.grab(w)?;
            if now != last {
                changes += 1;
                last = now;
            }
        }
        Ok(())
    }

    /// The pixels of the window's area of the screen, 4 bytes each.
    pub(super) fn grab(&self, w: &TopLevel) -> Result<Vec<u8>> {
        let screen = &self.conn.setup().roots[0];
        let x = w.x.max(0);
        let y = w.y.max(0);
        let width = w.width.min(screen.width_in_pixels.saturating_sub(x as u16));
        let height = w
            .height
            .min(screen.height_in_pixels.saturating_sub(y as u16));
        let img = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, self.root, x, y, width, height, !0)
            .map_err(|e| err(format!("X11 GetImage: {e}")))?
            .reply()
            .map_err(|e| err(format!("X11 GetImage: {e}")))?;
        // Depth 24 at 32 bits per pixel (Xvfb): the fourth byte is padding.
        let mut data = img.data;
        data.chunks_exact_mut(4).for_each(|p| p[3] = 0);
        Ok(data)
    }

    /// What a window manager sends when the user closes a window: WM_DELETE_WINDOW.
    pub(super) fn delete_window(&self, w: Window) -> Result<()> {
        let event = ClientMessageEvent::new(
            32,
            w,
            self.wm_protocols,
            [self.wm_delete, x11rb::CURRENT_TIME, 0, 0, 0],
        );
        self.conn
            .send_event(false, w, EventMask::NO_EVENT, event)
            .map_err(|e| err(format!("X11 SendEvent: {e}")))?;
        self.conn
            .flush()
            .map_err(|e| err(format!("X11 flush: {e}")))?;
        Ok(())
    }
}
