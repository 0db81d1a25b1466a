//! Units, in one place: sizes, rates and durations parsed from what people type (config
//! file, flags, API parameters) and formatted for what they read. hogwatch writes binary
//! units everywhere (KiB, MiB/s) and always puts down before up: "↓ 340 KiB/s ↑ 1.20 MiB/s".

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

/// "↓ DOWN ↑ UP": the one order in which hogwatch shows a pair of figures (panel label,
/// menu, terminal, page), received before sent.
pub fn down_up(down: &str, up: &str) -> String {
    format!("{DOWN} {down} {UP} {up}")
}

/// The arrows, for column headings that name one direction.
pub const DOWN: &str = "↓";
pub const UP: &str = "↑";

/// Both rates of a pair, down first: "↓ 340 KiB/s ↑ 1.20 MiB/s".
pub fn rates(down: f64, up: f64) -> String {
    down_up(&rate(down), &rate(up))
}

/// Both byte counts of a pair, down first: "↓ 1.20 GiB ↑ 200 MiB".
pub fn sizes(down: u64, up: u64) -> String {
    down_up(&bytes(down), &bytes(up))
}

/// A duration like `90s`, `5m`, `24h`, `30d`, `1w`, in seconds (1 s to 100 years).
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("expected a duration like 30m, 24h or 7d, got {s:?}"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("unknown unit in {s:?}: use s, m, h, d or w")),
    };
    n.checked_mul(mult)
        .filter(|v| *v > 0 && *v <= 100 * 365 * 86_400)
        .ok_or_else(|| format!("duration out of range: {s:?}"))
}

/// "50 GB", "1.5 GiB", "700 kB", "123" (bytes) → bytes: decimal (kB, MB, GB, TB) and
/// binary (KiB … TiB) units are both read, since people type both. With `rate`, a
/// trailing "/s" is allowed (and expected). The result is finite and more than zero.
pub fn parse_size(text: &str, rate: bool) -> Result<f64, String> {
    let t = text.trim();
    let t = if rate {
        t.strip_suffix("/s").unwrap_or(t).trim_end()
    } else {
        t
    };
    // A leading sign is read, so "-5 MB" says "more than zero" rather than "no number".
    let split = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')))
        .map_or(t.len(), |(i, _)| i);
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| "no number".to_string())?;
    let mult = match unit.trim() {
        "" | "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        u => return Err(format!("unknown unit {u:?}")),
    };
    let v = n * mult;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err("must be more than zero".into())
    }
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
        assert_eq!(rates(348_160.0, 1_258_291.0), "↓ 340 KiB/s ↑ 1.20 MiB/s");
        assert_eq!(sizes(1024, 0), "↓ 1.00 KiB ↑ 0 B");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration(" 5m "), Ok(300));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400));
        for bad in ["", "5", "5x", "m", "-5m", "0s", "101000d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sizes_and_rates() {
        assert_eq!(parse_size("50 GB", false), Ok(50e9));
        assert_eq!(parse_size("1.5 GiB", false), Ok(1.5 * 1073741824.0));
        assert_eq!(parse_size("700kB", false), Ok(700e3));
        assert_eq!(parse_size("123", false), Ok(123.0));
        assert_eq!(parse_size("5 MiB/s", true), Ok(5.0 * 1048576.0));
        assert!(parse_size("5 MiB/s", false).is_err());
        assert!(parse_size("5 GBB", false)
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_size("-5 GB", false).is_err());
        assert!(parse_size("0 GB", false).is_err());
        assert!(parse_size("GB", false).is_err());
        assert!(parse_size("1e999", false).is_err());
    }
}
