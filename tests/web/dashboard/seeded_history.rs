//! The history under the dashboard: a day and two hours of the replay's apps, with a
//! two-hour gap.

use crate::support;
use hogwatch::store::batch::Batch;
use hogwatch::store::{Store, StoreConfig};
use std::collections::BTreeMap;
use std::path::Path;
use support::{err, Result};

/// A day and two hours of the replay's apps up to `now` (Unix seconds), the hogwatch of
/// that time not running from 9 h to 7 h ago: a cell every 10 s for the last 35 minutes
/// (the 10-second tier reads smooth there), a cell a minute before. The rates peak now at
/// the replay's, so the live chart continues the history where the server takes over.
pub(super) fn seed_history(dir: &Path, now: f64) -> Result<()> {
    let mut store =
        Store::open_writer(dir, StoreConfig::default()).map_err(|e| err(e.to_string()))?;
    let end = now as i64;
    let mut b = Batch::default();
    let (gap_from, gap_to) = (end - 9 * 3600, end - 7 * 3600);
    let mut t = end - 26 * 3600;
    t -= t.rem_euclid(60);
    let start = t;
    while (t as f64) < now {
        let step = if end - t <= 35 * 60 { 10 } else { 60 };
        // The newest cell ends now: the server adds the rest of its bucket.
        let len = (step as f64).min(now - t as f64);
        if t >= gap_from && t < gap_to {
            t += step;
            continue;
        }
        let x = now - t as f64;
        // 1 now, down to 0 and back every `period` seconds; busier by day than by night.
        let c = |period: f64| 0.5 + 0.5 * (std::f64::consts::TAU * x / period).cos();
        let day = 0.55 + 0.45 * c(86_400.0);
        // bigdown: downloads that come and go; uploader: a backup every 40 minutes;
        // chatty: a little, always. Bytes per second.
        let talk = [
            (
                "/usr/bin/bigdown",
                "bigdown",
                "eth0",
                10_240.0 * c(900.0),
                2_097_152.0 * (0.2 + 0.8 * c(1500.0).powi(2)) * day,
            ),
            (
                "/usr/bin/uploader",
                "uploader",
                "wlan0",
                524_288.0 * c(2400.0).powi(3) * day,
                4096.0,
            ),
            (
                "/usr/lib/small/chatty",
                "chatty",
                "eth0",
                3072.0 * c(300.0),
                5120.0 * c(420.0),
            ),
        ];
        let mut dev: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (key, name, device, up, down) in talk {
            let (up, down) = ((up * len) as u64, (down * len) as u64);
            b.apps
                .insert((t, key.to_string(), device.to_string()), (up, down));
            b.app_names.insert(key.to_string(), name.to_string());
            let e = dev.entry(device).or_default();
            *e = (e.0 + up, e.1 + down);
        }
        // 40 KiB/s down per device that no process owns, as in the replay.
        for (device, (up, down)) in dev {
            let un = (40.0 * 1024.0 * len) as u64;
            b.devices.insert((t, device.to_string()), (up, down + un));
            let e = b.unattributed.entry(t).or_default();
            e.1 += un as i64;
        }
        t += step;
    }
    b.spans.push((start, gap_from, true));
    b.spans.push((gap_to, end, true));
    store.write(&b).map_err(|e| err(e.to_string()))
}
