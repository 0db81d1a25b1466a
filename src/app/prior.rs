//! What history already holds from before this run — today's and this billing month's
//! totals, the apps it knows — read once at start, before the writer adds anything, so
//! that the live totals continue them and nothing is counted twice.

use crate::alerts::watch::Prior;
use crate::model::Totals;
use crate::store::tiers::{billing_month_start, Zone};
use crate::store::Store;
use std::path::Path;

/// Totals over `[from, to)` from history.
fn totals(store: &Store, from: i64, to: i64) -> Totals {
    let mut t = Totals::default();
    if let Ok(d) = store.device_totals(from, to) {
        for dev in d.devices {
            t.total.0 += dev.up_bytes;
            t.total.1 += dev.down_bytes;
            t.devices.insert(dev.device, (dev.up_bytes, dev.down_bytes));
        }
    }
    // Largest first: the apps the bounded table keeps apart are the period's biggest;
    // the rest (and history's own "other apps") add up under "other".
    if let Ok(apps) = store.top_apps(from, to, usize::MAX) {
        for a in apps {
            t.add_app(&a.app, a.up_bytes, a.down_bytes);
        }
    }
    t
}

/// Today's totals and the alerts' prior (this billing month, the apps seen) from the
/// history in `dir` at `now_s`. Empty without history; on a first run (no file yet) every
/// app is known to be new, but none is "new" to report.
pub fn load(dir: Option<&Path>, billing_day: u32, now_s: i64) -> (Totals, Prior) {
    let Some(dir) = dir else {
        return (
            Totals::default(),
            Prior {
                month: Totals::default(),
                known_apps: None,
            },
        );
    };
    let Ok(store) = Store::open_reader(dir, Zone::Local) else {
        return (
            Totals::default(),
            Prior {
                month: Totals::default(),
                known_apps: Some(Default::default()),
            },
        );
    };
    let day_start = Zone::Local.day_start(now_s);
    let month_first = billing_month_start(Zone::Local.date(now_s), billing_day);
    let month_start = Zone::Local.start_of(month_first);
    let known = store.app_keys().ok().map(|k| k.into_iter().collect());
    (
        totals(&store, day_start, now_s),
        Prior {
            month: totals(&store, month_start, now_s),
            known_apps: known,
        },
    )
}
