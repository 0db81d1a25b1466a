//! Human-readable bytes and rates. hogwatch uses binary units everywhere (KiB, MiB/s).

/// Formats a byte count with binary prefixes: `512 B`, `1.5 KiB`, `12.3 MiB`.
pub fn bytes(n: u64) -> String {
    scaled(n as f64, "B")
}

/// Formats a rate in bytes per second with binary prefixes: `0 B/s`, `1.2 MiB/s`.
pub fn rate(bytes_per_sec: f64) -> String {
    let v = if bytes_per_sec.is_finite() && bytes_per_sec > 0.0 {
        bytes_per_sec
    } else {
        0.0
    };
    scaled(v, "B/s")
}

fn scaled(v: f64, unit: &str) -> String {
    const PREFIXES: [&str; 6] = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
    if v < 1024.0 {
        return format!("{v:.0} {unit}");
    }
    let mut v = v;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < PREFIXES.len() {
        v /= 1024.0;
        i += 1;
    }
    // Three significant digits keep columns narrow: 1.23, 12.3, 123.
    let digits = if v < 10.0 {
        2
    } else if v < 100.0 {
        1
    } else {
        0
    };
    format!("{v:.digits$} {}{unit}", PREFIXES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.00 KiB");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(bytes(10 * 1024 * 1024), "10.0 MiB");
        assert_eq!(bytes(300 * 1024 * 1024 * 1024), "300 GiB");
        assert_eq!(rate(1_258_291.0), "1.20 MiB/s");
        assert_eq!(rate(-5.0), "0 B/s");
        assert_eq!(rate(f64::NAN), "0 B/s");
    }
}
