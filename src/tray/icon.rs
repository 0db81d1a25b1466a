//! The tray icon, drawn from two numbers: pure pixel work, no fonts, integer maths only,
//! so the same state gives the same pixels on every machine (the golden images in
//! `tests/golden/` hold it to that).
//!
//! Design (see `tests/golden/icon_*.png`): two arrow-shaped columns on a transparent
//! square. The left column points down (received, blue), the right one points up (sent,
//! orange); each fills from the bottom to a log-scale level of its rate — 1 KiB/s is a
//! one-row stub, 100 MiB/s and more fills the column, anything from 1 B/s shows at least
//! one row. Every column has a 1-px dark outline (for light panels) around a faintly light
//! track (for dark panels), and the fill's top row is a lighter cap.
//! - `Idle`: grey outlines, no fill, a grey dot at the foot of each column.
//! - `Paused`: the idle look's empty grey columns under a white pause sign with a dark
//!   outline (the levels would be stale).
//! - `TotalsOnly`: desaturated, hollow fills — a solid contour around a see-through body
//!   (device totals, no per-process data) — and a small amber marker at the top between
//!   the columns.

use image::{Rgba, RgbaImage};

/// What the icon shows: rates in bytes per second (anything not finite or negative
/// counts as 0) and the mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IconState {
    pub up_rate: f64,
    pub down_rate: f64,
    pub mode: IconMode,
}

/// The look of the icon besides its levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IconMode {
    /// Live per-process monitoring with traffic.
    Active,
    /// Live, but both directions below the idle threshold.
    Idle,
    /// The display is paused (levels frozen, faded, pause sign).
    Paused,
    /// Device totals only: no per-process attribution.
    TotalsOnly,
}

/// Smallest and largest icon edge `render` draws; other sizes are clamped into this range.
pub const MIN_SIZE: u32 = 16;
pub const MAX_SIZE: u32 = 64;

/// `level` of a full column.
pub const LEVEL_FULL: u32 = 1000;
/// `level` at the bottom of the log scale (1 KiB/s); smaller non-zero rates lie below it.
pub const LEVEL_STUB: u32 = 40;

/// log2 of the rate at the bottom of the scale (1 KiB/s), in 1/256 octaves.
const LOW_Q8: u32 = 10 * 256;
/// log2 of the rate that fills a column (100 MiB/s), in 1/256 octaves.
const HIGH_Q8: u32 = log2_q8(100 * 1024 * 1024);

/// log2(x) in 1/256 octaves (fixed point, exact to the last bit it keeps); 0 for x = 0.
const fn log2_q8(x: u64) -> u32 {
    if x == 0 {
        return 0;
    }
    let int = 63 - x.leading_zeros();
    // x / 2^int in [1, 2), as a Q62 fixed-point number; squaring it yields the fraction's
    // bits one by one.
    let mut y: u128 = ((x as u128) << 62) >> int;
    let mut frac = 0u32;
    let mut i = 0;
    while i < 8 {
        y = (y * y) >> 62;
        frac <<= 1;
        if y >= (2u128 << 62) {
            frac |= 1;
            y >>= 1;
        }
        i += 1;
    }
    int * 256 + frac
}

/// A rate as whole bytes per second: NaN, infinities and negatives are 0.
fn whole_rate(rate: f64) -> u64 {
    if !rate.is_finite() || rate <= 0.0 {
        0
    } else if rate >= 1e15 {
        1_000_000_000_000_000
    } else {
        rate as u64
    }
}

/// How high a column stands for `rate` bytes/s, from 0 (nothing, below 1 B/s) to
/// `LEVEL_FULL` (100 MiB/s and more): log scale, `LEVEL_STUB` at 1 KiB/s, 1..`LEVEL_STUB`
/// for 1 B/s … 1 KiB/s. Monotonic; NaN, infinite or negative rates are 0.
pub fn level(rate: f64) -> u32 {
    let r = whole_rate(rate);
    if r == 0 {
        return 0;
    }
    let l = log2_q8(r);
    if l < LOW_Q8 {
        1 + l * (LEVEL_STUB - 1) / LOW_Q8
    } else if l >= HIGH_Q8 {
        LEVEL_FULL
    } else {
        LEVEL_STUB + (l - LOW_Q8) * (LEVEL_FULL - LEVEL_STUB) / (HIGH_Q8 - LOW_Q8)
    }
}

/// Filled rows out of `rows` for a level: rounded up, so any non-zero level shows.
fn filled_rows(level: u32, rows: u32) -> u32 {
    if level == 0 || rows == 0 {
        0
    } else {
        (level.min(LEVEL_FULL) * rows).div_ceil(LEVEL_FULL).max(1)
    }
}

type Colour = [u8; 4];

const OUTLINE: Colour = [24, 24, 28, 235];
const TRACK: Colour = [255, 255, 255, 56];
const DOWN_FILL: Colour = [40, 150, 255, 255];
const DOWN_CAP: Colour = [150, 205, 255, 255];
const UP_FILL: Colour = [255, 140, 26, 255];
const UP_CAP: Colour = [255, 210, 140, 255];
const IDLE_OUTLINE: Colour = [146, 146, 152, 235];
const IDLE_DOT: Colour = [166, 166, 172, 255];
const CLEAR: Colour = [0, 0, 0, 0];
const DOWN_MUTED: Colour = [140, 170, 200, 255];
const UP_MUTED: Colour = [200, 160, 125, 255];
const MARKER: Colour = [255, 200, 40, 255];
const PAUSE: Colour = [250, 250, 250, 255];

/// A column's pixels: `shape` is the whole arrow, `inner` what lies inside its outline.
struct Column {
    shape: Vec<bool>,
    inner: Vec<bool>,
    inner_top: u32,
    inner_bottom: u32,
}

/// Which way a column's arrow head points.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Head {
    Up,
    Down,
}

/// Layout for one icon size.
struct Geometry {
    size: u32,
    /// Transparent border on every side.
    pad: u32,
    /// Outer width of a column.
    width: u32,
    /// Space between the columns.
    gap: u32,
}

impl Geometry {
    fn new(size: u32) -> Self {
        let pad = (size / 16).max(1);
        let gap = size / 8;
        let width = (size - 2 * pad - gap) / 2;
        // What does not divide evenly widens the gap, keeping the columns symmetric.
        let gap = size - 2 * pad - 2 * width;
        Geometry {
            size,
            pad,
            width,
            gap,
        }
    }

    fn left(&self) -> u32 {
        self.pad
    }

    fn right(&self) -> u32 {
        self.pad + self.width + self.gap
    }

    /// An arrow-shaped column at `x0`: a shaft `width` wide from top to bottom padding,
    /// narrowing at 45° to a point at its `head` end.
    fn column(&self, x0: u32, head: Head) -> Column {
        let s = self.size;
        let w = self.width;
        let top = self.pad;
        let bottom = s - self.pad;
        let mut shape = vec![false; (s * s) as usize];
        for y in top..bottom {
            // Rows from the pointed end: the tip row is 1 or 2 px wide, each row 2 px more.
            let from_tip = match head {
                Head::Up => y - top,
                Head::Down => bottom - 1 - y,
            };
            let span = (2 - w % 2 + 2 * from_tip).min(w);
            let x_start = x0 + (w - span) / 2;
            for x in x_start..x_start + span {
                shape[(y * s + x) as usize] = true;
            }
        }
        let at = |x: i64, y: i64| -> bool {
            x >= 0
                && y >= 0
                && x < s as i64
                && y < s as i64
                && shape[(y as u32 * s + x as u32) as usize]
        };
        let mut inner = vec![false; (s * s) as usize];
        let (mut inner_top, mut inner_bottom) = (s, 0);
        for y in 0..s {
            for x in 0..s {
                let (xi, yi) = (x as i64, y as i64);
                if at(xi, yi)
                    && at(xi - 1, yi)
                    && at(xi + 1, yi)
                    && at(xi, yi - 1)
                    && at(xi, yi + 1)
                {
                    inner[(y * s + x) as usize] = true;
                    inner_top = inner_top.min(y);
                    inner_bottom = inner_bottom.max(y + 1);
                }
            }
        }
        Column {
            shape,
            inner,
            inner_top,
            inner_bottom,
        }
    }
}

/// Source-over compositing of `c` onto the pixel at (x, y), in integers.
fn blend(img: &mut RgbaImage, x: u32, y: u32, c: Colour) {
    if x >= img.width() || y >= img.height() || c[3] == 0 {
        return;
    }
    let d = img.get_pixel(x, y).0;
    let sa = u32::from(c[3]);
    let da = u32::from(d[3]);
    // Output alpha, scaled by 255.
    let oa = sa * 255 + da * (255 - sa);
    let mut out = [0u8; 4];
    for i in 0..3 {
        let num = u32::from(c[i]) * sa * 255 + u32::from(d[i]) * da * (255 - sa);
        out[i] = ((num + oa / 2) / oa) as u8;
    }
    out[3] = ((oa + 127) / 255) as u8;
    img.put_pixel(x, y, Rgba(out));
}

/// `c` with its alpha scaled by `num / den`.
fn faded(c: Colour, num: u32, den: u32) -> Colour {
    [c[0], c[1], c[2], (u32::from(c[3]) * num / den) as u8]
}

/// The colours one column is drawn in.
struct Paint {
    outline: Colour,
    track: Colour,
    fill: Colour,
    cap: Colour,
    /// Only the fill's contour is drawn (totals-only).
    hollow: bool,
}

/// Grey outlines around nothing: idle and paused columns.
const CALM: Paint = Paint {
    outline: IDLE_OUTLINE,
    track: CLEAR,
    fill: IDLE_DOT,
    cap: IDLE_DOT,
    hollow: false,
};

fn draw_column(img: &mut RgbaImage, col: &Column, level: u32, paint: &Paint) {
    let s = img.width();
    let rows = col.inner_bottom.saturating_sub(col.inner_top);
    let filled = filled_rows(level, rows);
    let fill_top = col.inner_bottom - filled;
    let is_fill = |x: u32, y: u32| col.inner[(y * s + x) as usize] && y >= fill_top;
    for y in 0..s {
        for x in 0..s {
            let i = (y * s + x) as usize;
            if !col.shape[i] {
                continue;
            }
            if !col.inner[i] {
                blend(img, x, y, paint.outline);
            } else if !is_fill(x, y) {
                blend(img, x, y, paint.track);
            } else if paint.hollow {
                let edge = y == fill_top
                    || y + 1 == col.inner_bottom
                    || !is_fill(x - 1, y)
                    || !is_fill(x + 1, y)
                    || !is_fill(x, y + 1);
                let body = faded(paint.fill, 2, 5);
                blend(img, x, y, if edge { paint.fill } else { body });
            } else if y == fill_top && filled > 1 {
                blend(img, x, y, paint.cap);
            } else {
                blend(img, x, y, paint.fill);
            }
        }
    }
}

/// Fills the rectangle [x0, x1) × [y0, y1) with `c`.
fn rect(img: &mut RgbaImage, x0: u32, y0: u32, x1: u32, y1: u32, c: Colour) {
    for y in y0..y1 {
        for x in x0..x1 {
            blend(img, x, y, c);
        }
    }
}

/// A rectangle with a 1-px outline of `edge` around a `body` interior.
fn framed(img: &mut RgbaImage, x0: u32, y0: u32, x1: u32, y1: u32, edge: Colour, body: Colour) {
    rect(img, x0, y0, x1, y1, edge);
    rect(img, x0 + 1, y0 + 1, x1 - 1, y1 - 1, body);
}

/// The grey dot at the foot of an idle column: a square a third of the column wide (at
/// least 2 px, odd for odd widths so it sits on the axis), clipped to the column's inside.
fn idle_dot(img: &mut RgbaImage, g: &Geometry, x0: u32, col: &Column) {
    let s = img.width();
    let third = (g.width / 3).max(2);
    let side = if third % 2 == g.width % 2 {
        third
    } else {
        third + 1
    };
    let left = x0 + (g.width - side) / 2;
    for y in col.inner_bottom.saturating_sub(side)..col.inner_bottom {
        for x in left..left + side {
            if col.inner[(y * s + x) as usize] {
                blend(img, x, y, IDLE_DOT);
            }
        }
    }
}

/// The pause sign: two framed white bars in the middle, half the icon high.
fn pause_sign(img: &mut RgbaImage, g: &Geometry) {
    let s = g.size;
    let bar = (s / 8).max(2) + 2;
    let gap = (s / 8).max(2);
    let height = s / 2 + s / 8;
    let x0 = (s - 2 * bar - gap) / 2;
    let y0 = (s - height) / 2;
    for x in [x0, x0 + bar + gap] {
        framed(img, x, y0, x + bar, y0 + height, OUTLINE, PAUSE);
    }
}

/// The totals-only marker: a small framed amber square centred between the columns' tops.
fn totals_marker(img: &mut RgbaImage, g: &Geometry) {
    let s = g.size;
    let side = (s / 6).max(4);
    let x0 = (s - side) / 2;
    let y0 = g.pad;
    framed(img, x0, y0, x0 + side, y0 + side, OUTLINE, MARKER);
}

/// Draws the icon for `state` at `size` × `size` pixels (clamped to 16..=64) on a
/// transparent background.
pub fn render(state: &IconState, size: u32) -> RgbaImage {
    let size = size.clamp(MIN_SIZE, MAX_SIZE);
    let g = Geometry::new(size);
    let mut img = RgbaImage::new(size, size);
    let down = g.column(g.left(), Head::Down);
    let up = g.column(g.right(), Head::Up);
    let (down_level, up_level) = (level(state.down_rate), level(state.up_rate));
    let live = |fill: Colour, cap: Colour| Paint {
        outline: OUTLINE,
        track: TRACK,
        fill,
        cap,
        hollow: false,
    };
    match state.mode {
        IconMode::Active => {
            draw_column(&mut img, &down, down_level, &live(DOWN_FILL, DOWN_CAP));
            draw_column(&mut img, &up, up_level, &live(UP_FILL, UP_CAP));
        }
        IconMode::Idle => {
            draw_column(&mut img, &down, 0, &CALM);
            draw_column(&mut img, &up, 0, &CALM);
            idle_dot(&mut img, &g, g.left(), &down);
            idle_dot(&mut img, &g, g.right(), &up);
        }
        IconMode::Paused => {
            // Frozen levels would be stale: calm, empty columns under the sign.
            draw_column(&mut img, &down, 0, &CALM);
            draw_column(&mut img, &up, 0, &CALM);
            pause_sign(&mut img, &g);
        }
        IconMode::TotalsOnly => {
            for (col, lvl, fill) in [(&down, down_level, DOWN_MUTED), (&up, up_level, UP_MUTED)] {
                let paint = Paint {
                    outline: OUTLINE,
                    track: TRACK,
                    fill,
                    cap: fill,
                    hollow: true,
                };
                draw_column(&mut img, col, lvl, &paint);
            }
            totals_marker(&mut img, &g);
        }
    }
    img
}

#[cfg(test)]
#[path = "icon_tests.rs"]
mod tests;
