//! The panel label ("↓ 340 KiB/s ↑ 1.20 MiB/s") for hosts that draw one, and the icon's
//! state, both from a snapshot and the device filter.

use super::icon::{IconMode, IconState};
use crate::model::{Mode, Snapshot, Usage};
use crate::text;
use crate::units;

/// Below this many bytes per second in both directions the icon looks idle (1 KiB/s).
pub const IDLE_RATE: f64 = 1024.0;

/// Longest device name shown in the label.
const DEVICE_CHARS: usize = 15;

/// A rate that is a number of bytes per second: NaN, infinities and negatives are 0.
pub(crate) fn sane(rate: f64) -> f64 {
    if rate.is_finite() && rate > 0.0 {
        rate
    } else {
        0.0
    }
}

/// The figures the tray shows: the total, or one device's when filtered (zero when that
/// device is not in the snapshot, e.g. unplugged).
pub fn usage_of(s: &Snapshot, device: Option<&str>) -> Usage {
    match device {
        None => s.total,
        Some(name) => s
            .devices
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.usage)
            .unwrap_or_default(),
    }
}

/// "↓ 340 KiB/s ↑ 1.20 MiB/s": total rates, or "wlan0: ↓ … ↑ …" for one device; " (totals
/// only)" is appended when there is no per-process data.
pub fn title(s: &Snapshot, device: Option<&str>) -> String {
    let u = usage_of(s, device);
    let mut out = String::new();
    if let Some(d) = device {
        out.push_str(&text::truncate(d, DEVICE_CHARS));
        out.push_str(": ");
    }
    out.push_str(&units::rates(u.down_rate, u.up_rate));
    if s.mode == Mode::TotalsOnly {
        out.push_str(" (totals only)");
    }
    out
}

/// The icon for this snapshot: paused wins, then totals-only, then idle when both
/// directions are below `IDLE_RATE`, else active.
pub fn icon_state(s: &Snapshot, device: Option<&str>, paused: bool) -> IconState {
    let u = usage_of(s, device);
    let (up_rate, down_rate) = (sane(u.up_rate), sane(u.down_rate));
    let mode = if paused {
        IconMode::Paused
    } else if s.mode == Mode::TotalsOnly {
        IconMode::TotalsOnly
    } else if up_rate < IDLE_RATE && down_rate < IDLE_RATE {
        IconMode::Idle
    } else {
        IconMode::Active
    };
    IconState {
        up_rate,
        down_rate,
        mode,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeviceUsage;

    fn usage(up_rate: f64, down_rate: f64) -> Usage {
        Usage {
            up_rate,
            down_rate,
            up_bytes: 0,
            down_bytes: 0,
        }
    }

    fn snap(mode: Mode) -> Snapshot {
        let mut s = Snapshot::empty(mode, "");
        s.total = usage(1_258_291.0, 340.0 * 1024.0);
        s.devices = vec![
            DeviceUsage {
                name: "eth0".into(),
                usage: usage(1_258_291.0, 300.0 * 1024.0),
            },
            DeviceUsage {
                name: "wlan0".into(),
                usage: usage(0.0, 40.0 * 1024.0),
            },
        ];
        s
    }

    #[test]
    fn total_title_uses_binary_units_down_first() {
        assert_eq!(
            title(&snap(Mode::PerProcess), None),
            "↓ 340 KiB/s ↑ 1.20 MiB/s"
        );
    }

    #[test]
    fn filtered_title_names_the_device() {
        let s = snap(Mode::PerProcess);
        assert_eq!(title(&s, Some("wlan0")), "wlan0: ↓ 40.0 KiB/s ↑ 0 B/s");
        assert_eq!(title(&s, Some("eth0")), "eth0: ↓ 300 KiB/s ↑ 1.20 MiB/s");
        // A device that left the snapshot reads as zero, not as the total.
        assert_eq!(title(&s, Some("usb0")), "usb0: ↓ 0 B/s ↑ 0 B/s");
    }

    #[test]
    fn totals_only_says_so() {
        assert_eq!(
            title(&snap(Mode::TotalsOnly), None),
            "↓ 340 KiB/s ↑ 1.20 MiB/s (totals only)"
        );
    }

    #[test]
    fn device_names_are_made_printable() {
        let mut s = snap(Mode::PerProcess);
        s.devices[0].name = "e\x1b[31mth\n0".into();
        let t = title(&s, Some("e\x1b[31mth\n0"));
        assert!(!t.chars().any(char::is_control), "{t:?}");
        assert!(
            t.starts_with("e\u{FFFD}[31mth\u{FFFD}0: ↓ 300 KiB/s"),
            "{t:?}"
        );
    }

    #[test]
    fn nan_rates_show_as_zero() {
        let mut s = snap(Mode::PerProcess);
        s.total = usage(f64::NAN, f64::NEG_INFINITY);
        assert_eq!(title(&s, None), "↓ 0 B/s ↑ 0 B/s");
        let st = icon_state(&s, None, false);
        assert_eq!(st.mode, IconMode::Idle);
        assert_eq!((st.up_rate, st.down_rate), (0.0, 0.0));
    }

    #[test]
    fn icon_state_modes() {
        let s = snap(Mode::PerProcess);
        assert_eq!(icon_state(&s, None, false).mode, IconMode::Active);
        assert_eq!(icon_state(&s, None, true).mode, IconMode::Paused);
        let t = snap(Mode::TotalsOnly);
        assert_eq!(icon_state(&t, None, false).mode, IconMode::TotalsOnly);
        assert_eq!(icon_state(&t, None, true).mode, IconMode::Paused);

        let mut quiet = snap(Mode::PerProcess);
        quiet.total = usage(1023.0, 100.0);
        assert_eq!(icon_state(&quiet, None, false).mode, IconMode::Idle);
        quiet.total = usage(0.0, 1024.0);
        assert_eq!(icon_state(&quiet, None, false).mode, IconMode::Active);
        // Starting: nothing measured yet, so calm.
        let starting = Snapshot::empty(Mode::Starting, "");
        assert_eq!(icon_state(&starting, None, false).mode, IconMode::Idle);
    }

    #[test]
    fn icon_state_follows_the_filter() {
        let s = snap(Mode::PerProcess);
        let all = icon_state(&s, None, false);
        assert_eq!((all.up_rate, all.down_rate), (1_258_291.0, 340.0 * 1024.0));
        let wlan = icon_state(&s, Some("wlan0"), false);
        assert_eq!((wlan.up_rate, wlan.down_rate), (0.0, 40.0 * 1024.0));
        assert_eq!(wlan.mode, IconMode::Active);
        let gone = icon_state(&s, Some("usb0"), false);
        assert_eq!(gone.mode, IconMode::Idle);
    }
}
