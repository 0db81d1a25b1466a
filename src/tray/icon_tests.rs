//! Icon drawing tests: levels on the log scale, states, sizes (the golden images are in
//! tests/tray_icon.rs).

use super::*;

const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * 1024.0;
const MODES: [IconMode; 4] = [
    IconMode::Active,
    IconMode::Idle,
    IconMode::Paused,
    IconMode::TotalsOnly,
];

fn st(down_rate: f64, up_rate: f64, mode: IconMode) -> IconState {
    IconState {
        up_rate,
        down_rate,
        mode,
    }
}

#[test]
fn log2_is_exact_to_a_256th_of_an_octave() {
    assert_eq!(log2_q8(1), 0);
    assert_eq!(log2_q8(2), 256);
    assert_eq!(log2_q8(1024), 10 * 256);
    for x in [3u64, 5, 1000, 1536, 123_456, 104_857_600, u64::MAX] {
        let exact = (x as f64).log2() * 256.0;
        let got = f64::from(log2_q8(x));
        assert!(
            got <= exact + 1e-6 && exact - got <= 1.0,
            "{x}: {got} vs {exact}"
        );
    }
}

#[test]
fn level_scale_points() {
    assert_eq!(level(0.0), 0);
    assert_eq!(level(0.9), 0);
    // Anything from 1 B/s shows, below the 1 KiB/s mark.
    assert!(level(1.0) >= 1);
    assert!(level(1023.0) < LEVEL_STUB);
    assert_eq!(level(KIB), LEVEL_STUB);
    assert_eq!(level(100.0 * MIB), LEVEL_FULL);
    assert_eq!(level(5e12), LEVEL_FULL);
    // A log scale: every doubling in the range adds about the same.
    let (a, b, c) = (level(64.0 * KIB), level(128.0 * KIB), level(256.0 * KIB));
    assert!((i64::from(b) - i64::from(a) - (i64::from(c) - i64::from(b))).abs() <= 1);
    assert!(b > a && c > b);
}

#[test]
fn level_is_monotonic() {
    let mut prev = 0;
    let mut r = 0.0;
    while r < 1e13 {
        let l = level(r);
        assert!(l >= prev, "level({r}) = {l} < {prev}");
        assert!(l <= LEVEL_FULL);
        prev = l;
        r = r * 1.01 + 0.37;
    }
    // Neighbouring integers too, across the points where the formula changes.
    for base in [1u64, 1023, 1024, 1025, 104_857_599, 104_857_600] {
        for x in base.saturating_sub(3)..base + 3 {
            assert!(level(x as f64) <= level((x + 1) as f64), "{x}");
        }
    }
}

#[test]
fn bad_rates_count_as_zero() {
    for bad in [f64::NAN, -1.0, -1e300, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(level(bad), 0, "{bad}");
        for mode in MODES {
            for size in [16, 22, 32] {
                let zero = render(&st(0.0, 0.0, mode), size);
                assert_eq!(render(&st(bad, bad, mode), size), zero, "{bad} {mode:?}");
                assert_eq!(render(&st(bad, 0.0, mode), size), zero, "{bad} {mode:?}");
            }
        }
    }
}

#[test]
fn different_rates_draw_different_pixels() {
    let rates = [
        0.0,
        500.0,
        2.0 * KIB,
        40.0 * KIB,
        900.0 * KIB,
        8.0 * MIB,
        200.0 * MIB,
    ];
    for size in [16, 22, 24, 32] {
        for mode in [IconMode::Active, IconMode::TotalsOnly] {
            let images: Vec<RgbaImage> = rates
                .iter()
                .map(|&r| render(&st(r, 0.0, mode), size))
                .collect();
            for i in 1..images.len() {
                assert_ne!(images[i - 1], images[i], "down {} at {size}", rates[i]);
            }
            let ups: Vec<RgbaImage> = rates
                .iter()
                .map(|&r| render(&st(0.0, r, mode), size))
                .collect();
            for i in 1..ups.len() {
                assert_ne!(ups[i - 1], ups[i], "up {} at {size}", rates[i]);
            }
            // Up and down are told apart.
            assert_ne!(
                render(&st(MIB, 0.0, mode), size),
                render(&st(0.0, MIB, mode), size)
            );
        }
    }
}

/// Counts the pixels of the down (left) column that carry its fill colour.
fn filled(img: &RgbaImage, fill: Colour) -> usize {
    img.pixels()
        .filter(|p| p.0 == fill || p.0 == DOWN_CAP)
        .count()
}

#[test]
fn higher_rates_fill_more() {
    for size in [16, 22, 24, 32, 48, 64] {
        let mut prev = 0;
        for r in [0.0, 10.0, KIB, 16.0 * KIB, MIB, 30.0 * MIB, 100.0 * MIB] {
            let n = filled(&render(&st(r, 0.0, IconMode::Active), size), DOWN_FILL);
            assert!(n >= prev, "{r} at {size}: {n} < {prev}");
            if r > 0.0 {
                assert!(n > 0, "a non-zero rate shows at {size}");
            }
            prev = n;
        }
    }
}

#[test]
fn modes_look_different() {
    for size in [16, 22, 24, 32] {
        let looks: Vec<RgbaImage> = MODES
            .iter()
            .map(|&m| render(&st(4.0 * MIB, 60.0 * KIB, m), size))
            .collect();
        for i in 0..looks.len() {
            for j in i + 1..looks.len() {
                assert_ne!(looks[i], looks[j], "{:?} vs {:?}", MODES[i], MODES[j]);
            }
        }
        // Idle has no colour: every opaque pixel is grey.
        let idle = render(&st(0.0, 0.0, IconMode::Idle), size);
        assert!(idle
            .pixels()
            .all(|p| p[0] == p[1] || p[3] == 0 || p[2] >= p[0]));
        assert!(!idle.pixels().any(|p| p.0 == DOWN_FILL || p.0 == UP_FILL));
    }
}

#[test]
fn every_size_renders_within_bounds() {
    for size in 0..80 {
        for mode in MODES {
            let img = render(&st(MIB, 300.0 * MIB, mode), size);
            let side = size.clamp(MIN_SIZE, MAX_SIZE);
            assert_eq!(img.dimensions(), (side, side));
            // The border stays clear except for the totals-only marker at the top.
            let clear_edges = (0..side).all(|i| img.get_pixel(i, side - 1)[3] == 0)
                && (0..side).all(|i| img.get_pixel(0, i)[3] == 0)
                && (0..side).all(|i| img.get_pixel(side - 1, i)[3] == 0);
            assert!(clear_edges, "size {size} {mode:?}");
            // Something is drawn.
            assert!(img.pixels().filter(|p| p[3] > 0).count() > 2 * side as usize);
        }
    }
}

#[test]
fn columns_are_symmetric_in_layout() {
    for size in MIN_SIZE..=MAX_SIZE {
        let g = Geometry::new(size);
        assert_eq!(g.left(), size - (g.right() + g.width), "size {size}");
        assert!(g.width >= 6, "size {size}");
        assert!(g.gap >= 2, "size {size}");
    }
}

#[test]
fn rendering_is_deterministic() {
    let s = st(1234.5, 98765.4, IconMode::Active);
    assert_eq!(render(&s, 22), render(&s, 22));
}

#[test]
fn blend_is_source_over() {
    let mut img = RgbaImage::new(1, 1);
    blend(&mut img, 0, 0, [10, 20, 30, 255]);
    assert_eq!(img.get_pixel(0, 0).0, [10, 20, 30, 255]);
    blend(&mut img, 0, 0, [255, 255, 255, 0]);
    assert_eq!(img.get_pixel(0, 0).0, [10, 20, 30, 255]);
    let mut clear = RgbaImage::new(1, 1);
    blend(&mut clear, 0, 0, [200, 100, 50, 128]);
    assert_eq!(clear.get_pixel(0, 0).0, [200, 100, 50, 128]);
    blend(&mut clear, 0, 0, [0, 0, 0, 255]);
    assert_eq!(clear.get_pixel(0, 0).0, [0, 0, 0, 255]);
    // Out of bounds is ignored.
    blend(&mut clear, 5, 5, [0, 0, 0, 255]);
}
