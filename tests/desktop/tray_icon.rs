//! Golden images of the tray icon: each state below, drawn at 16, 22, 24 and 32 px, must
//! equal `tests/golden/icon_<name>_<size>.png` pixel for pixel.
//!
//! After an intended design change, rewrite the goldens and look at them:
//! `HOGWATCH_BLESS=1 cargo test --test desktop tray_icon`.
//! A scaled-up contact sheet on light, dark and coloured panels:
//! `HOGWATCH_CONTACT_SHEET=/tmp/hogwatch-icons.png cargo test --test desktop tray_icon::contact_sheet`.

use hogwatch::tray::icon::{render, IconMode, IconState};
use image::{Rgba, RgbaImage};
use std::path::PathBuf;

const SIZES: [u32; 4] = [16, 22, 24, 32];
const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * 1024.0;

fn state(down_rate: f64, up_rate: f64, mode: IconMode) -> IconState {
    IconState {
        up_rate,
        down_rate,
        mode,
    }
}

/// The states held by golden images: name, state.
fn cases() -> Vec<(&'static str, IconState)> {
    vec![
        ("active_zero", state(0.0, 0.0, IconMode::Active)),
        (
            "active_trickle",
            state(3.0 * KIB, 1.0 * KIB, IconMode::Active),
        ),
        (
            "active_download",
            state(4.0 * MIB, 60.0 * KIB, IconMode::Active),
        ),
        (
            "active_upload",
            state(120.0 * KIB, 12.0 * MIB, IconMode::Active),
        ),
        (
            "active_full",
            state(500.0 * MIB, 200.0 * MIB, IconMode::Active),
        ),
        ("idle", state(100.0, 20.0, IconMode::Idle)),
        ("paused", state(4.0 * MIB, 60.0 * KIB, IconMode::Paused)),
        (
            "totals_only",
            state(4.0 * MIB, 60.0 * KIB, IconMode::TotalsOnly),
        ),
        ("totals_only_idle", state(0.0, 0.0, IconMode::TotalsOnly)),
    ]
}

fn golden_path(name: &str, size: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("icon_{name}_{size}.png"))
}

fn blessing() -> bool {
    std::env::var_os("HOGWATCH_BLESS").is_some_and(|v| v == "1")
}

#[test]
fn icons_match_golden_images() {
    let bless = blessing();
    let mut failures = Vec::new();
    for (name, st) in cases() {
        for size in SIZES {
            let img = render(&st, size);
            assert_eq!(img.dimensions(), (size, size));
            let path = golden_path(name, size);
            if bless {
                img.save(&path).expect("write golden image");
                continue;
            }
            let golden = match image::open(&path) {
                Ok(g) => g.to_rgba8(),
                Err(e) => {
                    failures.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            if golden != img {
                let actual = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                    .join(format!("icon_{name}_{size}.actual.png"));
                img.save(&actual).expect("write actual image");
                let differing = if golden.dimensions() == img.dimensions() {
                    golden
                        .pixels()
                        .zip(img.pixels())
                        .filter(|(a, b)| a != b)
                        .count()
                } else {
                    usize::MAX
                };
                failures.push(format!(
                    "{}: {differing} pixels differ (drawn: {})",
                    path.display(),
                    actual.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "icons differ from their golden images (HOGWATCH_BLESS=1 rewrites them after an \
         intended change):\n{}",
        failures.join("\n")
    );
}

/// Every golden image on disk belongs to a case (no stale files after renames).
#[test]
fn no_stale_golden_images() {
    if blessing() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let known: Vec<String> = cases()
        .iter()
        .flat_map(|(name, _)| SIZES.map(|s| format!("icon_{name}_{s}.png")))
        .collect();
    for entry in std::fs::read_dir(dir).expect("tests/golden") {
        let file = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if file.starts_with("icon_") {
            assert!(known.contains(&file), "stale golden image {file}");
        }
    }
}

/// Composites `img` over an opaque background.
fn over(img: &RgbaImage, bg: [u8; 3]) -> RgbaImage {
    RgbaImage::from_fn(img.width(), img.height(), |x, y| {
        let p = img.get_pixel(x, y).0;
        let a = u32::from(p[3]);
        let mix = |i: usize| ((u32::from(p[i]) * a + u32::from(bg[i]) * (255 - a)) / 255) as u8;
        Rgba([mix(0), mix(1), mix(2), 255])
    })
}

/// Draws the cases (columns) at every size (rows) on the given panels, scaled up `scale`×
/// with nearest-neighbour sampling.
fn sheet(panels: &[[u8; 3]], scale: u32) -> RgbaImage {
    let cases = cases();
    let cell = 32 * scale + 16;
    let width = cell * cases.len() as u32;
    let height = cell * (SIZES.len() * panels.len()) as u32;
    let mut sheet = RgbaImage::from_pixel(width, height, Rgba([128, 128, 128, 255]));
    for (ci, (_, st)) in cases.iter().enumerate() {
        for (pi, bg) in panels.iter().enumerate() {
            for (si, &size) in SIZES.iter().enumerate() {
                let img = over(&render(st, size), *bg);
                let x0 = cell * ci as u32;
                let y0 = cell * (pi * SIZES.len() + si) as u32;
                for y in 0..cell - 4 {
                    for x in 0..cell - 4 {
                        sheet.put_pixel(x0 + x, y0 + y, Rgba([bg[0], bg[1], bg[2], 255]));
                    }
                }
                for y in 0..size * scale {
                    for x in 0..size * scale {
                        let p = *img.get_pixel(x / scale, y / scale);
                        sheet.put_pixel(x0 + 6 + x, y0 + 6 + y, p);
                    }
                }
            }
        }
    }
    sheet
}

const PANELS: [[u8; 3]; 3] = [[240, 240, 240], [43, 43, 43], [52, 101, 164]];

/// Writes contact sheets to the path in `HOGWATCH_CONTACT_SHEET` (skipped without it):
/// every case (columns) at every size (rows), scaled up 6×, on a light, a dark and a blue
/// panel; plus one sheet per panel beside it (`-light`, `-dark`, `-blue`).
#[test]
fn contact_sheet() {
    let Some(path) = std::env::var_os("HOGWATCH_CONTACT_SHEET") else {
        return;
    };
    let path = PathBuf::from(path);
    sheet(&PANELS, 6).save(&path).expect("write contact sheet");
    let stem = path.with_extension("");
    for (panel, name) in PANELS.iter().zip(["light", "dark", "blue"]) {
        let one = PathBuf::from(format!("{}-{name}.png", stem.display()));
        sheet(&[*panel], 6).save(one).expect("write contact sheet");
    }
}

/// The same cases at real size (1:1 and 2×) on the three panels, as a panel would show them.
#[test]
fn contact_sheet_actual_size() {
    let Some(path) = std::env::var_os("HOGWATCH_CONTACT_SHEET") else {
        return;
    };
    let path = PathBuf::from(path).with_extension("1x.png");
    let cases = cases();
    let width = 40 * cases.len() as u32;
    let height = 40 * (SIZES.len() as u32 * PANELS.len() as u32);
    let mut sheet = RgbaImage::from_pixel(width, height, Rgba([0, 0, 0, 255]));
    for (ci, (_, st)) in cases.iter().enumerate() {
        for (pi, bg) in PANELS.iter().enumerate() {
            for (si, &size) in SIZES.iter().enumerate() {
                let img = over(&render(st, size), *bg);
                let x0 = 40 * ci as u32;
                let y0 = 40 * (pi as u32 * SIZES.len() as u32 + si as u32);
                for y in 0..40 {
                    for x in 0..40 {
                        sheet.put_pixel(x0 + x, y0 + y, Rgba([bg[0], bg[1], bg[2], 255]));
                    }
                }
                for y in 0..size {
                    for x in 0..size {
                        sheet.put_pixel(x0 + 4 + x, y0 + 4 + y, *img.get_pixel(x, y));
                    }
                }
            }
        }
    }
    sheet.save(&path).expect("write contact sheet");
}
