//! X11 requests on the desktop's display (x11rb): the window tree, the panel and its
//! tray icon, popups, pixels, and XTEST input encoded by hand.

use super::super::{err, Result};
use super::ctx;
use std::collections::{HashMap, HashSet};
use std::io::IoSlice;
use x11rb::connection::{Connection as _, RequestConnection as _};
use x11rb::properties::WmClass;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, MapState, Window};
use x11rb::rust_connection::RustConnection;

/// A rectangle in root-window coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    pub fn center(&self) -> (i32, i32) {
        (
            self.x + (self.width / 2) as i32,
            self.y + (self.height / 2) as i32,
        )
    }
}

pub(super) const ESCAPE_KEYSYM: u32 = 0xff1b;

/// One X connection to the desktop's display.
pub(super) struct XSession {
    conn: RustConnection,
    root: Window,
}

impl XSession {
    pub(super) fn connect(display: &str) -> Result<XSession> {
        let (conn, screen) = x11rb::connect(Some(display))
            .map_err(|e| err(format!("cannot connect to X display {display}: {e}")))?;
        let root = conn
            .setup()
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or_else(|| err(format!("X display {display} has no screen {screen}")))?;
        Ok(XSession { conn, root })
    }

    /// (window, viewable, override-redirect, rectangle in root coordinates, WM_CLASS
    /// instance) of the children of `parent`, bottom to top.
    fn children(&self, parent: Window) -> Result<Vec<XWin>> {
        let tree = self
            .conn
            .query_tree(parent)
            .map_err(ctx("X11 QueryTree"))?
            .reply()
            .map_err(ctx("X11 QueryTree"))?;
        let mut out = Vec::new();
        for w in tree.children {
            // A window may vanish between QueryTree and these requests: skip it.
            let Ok(attrs) = self.conn.get_window_attributes(w).map(|c| c.reply()) else {
                continue;
            };
            let Ok(attrs) = attrs else { continue };
            let Ok(Ok(geo)) = self.conn.get_geometry(w).map(|c| c.reply()) else {
                continue;
            };
            let Ok(Ok(pos)) = self
                .conn
                .translate_coordinates(w, self.root, 0, 0)
                .map(|c| c.reply())
            else {
                continue;
            };
            let class = match WmClass::get(&self.conn, w).map(|c| c.reply()) {
                Ok(Ok(Some(c))) => String::from_utf8_lossy(c.instance()).into_owned(),
                _ => String::new(),
            };
            out.push(XWin {
                id: w,
                viewable: attrs.map_state == MapState::VIEWABLE,
                override_redirect: attrs.override_redirect,
                rect: Rect {
                    x: i32::from(pos.dst_x),
                    y: i32::from(pos.dst_y),
                    width: u32::from(geo.width),
                    height: u32::from(geo.height),
                },
                class,
            });
        }
        Ok(out)
    }

    /// The mapped panel bar (WM_CLASS instance "xfce4-panel", wider than high).
    pub(super) fn panel_window(&self) -> Result<Option<XWin>> {
        Ok(self
            .children(self.root)?
            .into_iter()
            .find(|w| w.viewable && w.class == "xfce4-panel" && w.rect.width > 2 * w.rect.height))
    }

    /// Mapped windows below `top` whose WM_CLASS instance is `class`, depth first.
    fn find_below(&self, top: Window, class: &str, out: &mut Vec<XWin>) -> Result<()> {
        for w in self.children(top)? {
            if !w.viewable {
                continue;
            }
            if w.class == class {
                out.push(w.clone());
            }
            self.find_below(w.id, class, out)?;
        }
        Ok(())
    }

    /// Bounding box (root coordinates) of the first icon drawn in the panel's tray, if
    /// any: the tray plugin runs in `wrapper-2.0`, whose plug window is embedded in the
    /// panel; the first run of columns that differ from its background is the first icon.
    pub(super) fn first_tray_icon(&self) -> Result<Option<Rect>> {
        let Some(panel) = self.panel_window()? else {
            return Ok(None);
        };
        let mut plugs = Vec::new();
        self.find_below(panel.id, "wrapper-2.0", &mut plugs)?;
        for plug in plugs {
            let img = self.image(plug.rect)?;
            if let Some(b) = img.first_blob() {
                // The image starts at the plug's corner clipped to the screen.
                return Ok(Some(Rect {
                    x: plug.rect.x.max(0) + b.x,
                    y: plug.rect.y.max(0) + b.y,
                    width: b.width,
                    height: b.height,
                }));
            }
        }
        Ok(None)
    }

    /// Mapped override-redirect top-level windows bigger than 1×1: menus and tooltips
    /// (GTK also keeps 1×1 helper windows at -1,-1).
    pub(super) fn popups(&self) -> Result<Vec<(Window, Rect)>> {
        Ok(self
            .children(self.root)?
            .into_iter()
            .filter(|w| w.viewable && w.override_redirect && w.rect.width > 1 && w.rect.height > 1)
            .map(|w| (w.id, w.rect))
            .collect())
    }

    /// What the screen shows in `rect` (clipped to the screen). Read from the root
    /// window: GetImage of a window fails (BadMatch) unless all of it is on screen, and
    /// GTK menus can reach past an edge.
    fn image(&self, rect: Rect) -> Result<XImage> {
        let screen = self
            .conn
            .setup()
            .roots
            .iter()
            .find(|s| s.root == self.root)
            .ok_or_else(|| err("X11: no screen for the root window"))?;
        let x0 = rect.x.clamp(0, i32::from(screen.width_in_pixels));
        let y0 = rect.y.clamp(0, i32::from(screen.height_in_pixels));
        let x1 = (rect.x + rect.width as i32).clamp(x0, i32::from(screen.width_in_pixels));
        let y1 = (rect.y + rect.height as i32).clamp(y0, i32::from(screen.height_in_pixels));
        let (Ok(x), Ok(y), Ok(width), Ok(height)) = (
            i16::try_from(x0),
            i16::try_from(y0),
            u16::try_from(x1 - x0),
            u16::try_from(y1 - y0),
        ) else {
            return Err(err(format!("rectangle {rect:?} out of range")));
        };
        if width == 0 || height == 0 {
            return Ok(XImage {
                width: 0,
                height: 0,
                pixels: Vec::new(),
            });
        }
        let reply = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                x,
                y,
                width,
                height,
                u32::MAX,
            )
            .map_err(ctx("X11 GetImage"))?
            .reply()
            .map_err(ctx("X11 GetImage"))?;
        let format = self
            .conn
            .setup()
            .pixmap_formats
            .iter()
            .find(|f| f.depth == reply.depth)
            .ok_or_else(|| err(format!("no pixmap format for depth {}", reply.depth)))?;
        if format.bits_per_pixel != 32 {
            return Err(err(format!(
                "unsupported {} bits per pixel (Xvfb at depth 24 uses 32)",
                format.bits_per_pixel
            )));
        }
        let (width, height) = (usize::from(width), usize::from(height));
        let pad = usize::from(format.scanline_pad).max(8);
        let stride = (width * 32).div_ceil(pad) * pad / 8;
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let i = y * stride + x * 4;
                let px = reply
                    .data
                    .get(i..i + 4)
                    .ok_or_else(|| err("GetImage reply too short"))?;
                // Only equality matters: the byte order of the pixel is irrelevant.
                pixels.push(u32::from_ne_bytes([px[0], px[1], px[2], 0]));
            }
        }
        Ok(XImage {
            width,
            height,
            pixels,
        })
    }

    /// Number of distinct colours in a window (a freshly mapped, undrawn window has one).
    pub(super) fn distinct_colours(&self, rect: Rect) -> Result<usize> {
        let img = self.image(rect)?;
        Ok(img.pixels.iter().collect::<HashSet<_>>().len())
    }

    pub(super) fn keycode(&self, keysym: u32) -> Result<u8> {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .map_err(ctx("X11 GetKeyboardMapping"))?
            .reply()
            .map_err(ctx("X11 GetKeyboardMapping"))?;
        let per = usize::from(map.keysyms_per_keycode).max(1);
        map.keysyms
            .chunks(per)
            .position(|syms| syms.contains(&keysym))
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| min + i)
            .ok_or_else(|| err(format!("no keycode for keysym {keysym:#x}")))
    }

    /// XTEST FakeInput, encoded by hand: x11rb is built without its `xtest` feature and
    /// the request is fixed (36 bytes): opcode, minor 2, length 9, type, detail, time,
    /// root, root x/y, device id. Real input, unlike SendEvent, so popups can grab.
    fn fake_input(&self, kind: u8, detail: u8, x: i16, y: i16) -> Result<()> {
        let ext = self
            .conn
            .extension_information("XTEST")
            .map_err(ctx("X11 QueryExtension"))?
            .ok_or_else(|| err("the X server has no XTEST extension"))?;
        let mut req = [0u8; 36];
        req[0] = ext.major_opcode;
        req[1] = 2; // FakeInput
        req[2..4].copy_from_slice(&9u16.to_ne_bytes());
        req[4] = kind;
        req[5] = detail;
        // time (8..12) = CurrentTime
        req[12..16].copy_from_slice(&self.root.to_ne_bytes());
        req[24..26].copy_from_slice(&x.to_ne_bytes());
        req[26..28].copy_from_slice(&y.to_ne_bytes());
        // device id (35) = 0: the core pointer/keyboard
        self.conn
            .send_request_without_reply(&[IoSlice::new(&req)], Vec::new())
            .map_err(ctx("X11 XTEST FakeInput"))?;
        Ok(())
    }

    pub(super) fn fake_motion(&self, x: i32, y: i32) -> Result<()> {
        let (Ok(x), Ok(y)) = (i16::try_from(x), i16::try_from(y)) else {
            return Err(err(format!("pointer position {x},{y} out of range")));
        };
        // MotionNotify, detail 0 = absolute position
        self.fake_input(6, 0, x, y)
    }

    pub(super) fn fake_button(&self, button: u8, press: bool) -> Result<()> {
        self.fake_input(if press { 4 } else { 5 }, button, 0, 0)
    }

    pub(super) fn fake_key(&self, keycode: u8, press: bool) -> Result<()> {
        self.fake_input(if press { 2 } else { 3 }, keycode, 0, 0)
    }

    /// Round trip: every request sent so far has been processed.
    pub(super) fn sync(&self) -> Result<()> {
        self.conn
            .get_input_focus()
            .map_err(ctx("X11 GetInputFocus"))?
            .reply()
            .map_err(ctx("X11 GetInputFocus"))?;
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub(super) struct XWin {
    id: Window,
    viewable: bool,
    override_redirect: bool,
    rect: Rect,
    class: String,
}

struct XImage {
    width: usize,
    height: usize,
    pixels: Vec<u32>,
}

impl XImage {
    /// The first run (left to right) of at least 4 columns holding a pixel that differs
    /// from the background (the most common colour), with the rows it spans.
    fn first_blob(&self) -> Option<Rect> {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for p in &self.pixels {
            *counts.entry(*p).or_default() += 1;
        }
        let bg = counts.into_iter().max_by_key(|(_, n)| *n)?.0;
        let at = |x: usize, y: usize| self.pixels.get(y * self.width + x).copied();
        let column_used = |x: usize| (0..self.height).any(|y| at(x, y).is_some_and(|p| p != bg));
        let mut x = 0;
        while x < self.width {
            if !column_used(x) {
                x += 1;
                continue;
            }
            let x0 = x;
            while x < self.width && column_used(x) {
                x += 1;
            }
            if x - x0 < 4 {
                continue;
            }
            let rows: Vec<usize> = (0..self.height)
                .filter(|&y| (x0..x).any(|cx| at(cx, y).is_some_and(|p| p != bg)))
                .collect();
            let (y0, y1) = (*rows.first()?, *rows.last()?);
            return Some(Rect {
                x: i32::try_from(x0).ok()?,
                y: i32::try_from(y0).ok()?,
                width: u32::try_from(x - x0).ok()?,
                height: u32::try_from(y1 + 1 - y0).ok()?,
            });
        }
        None
    }
}
