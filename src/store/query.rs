//! Reading history: totals over any range from the coarsest exact buckets, series with a
//! bounded number of points (gaps as gaps), days and billing months in local time.
//!
//! Ranges come from the command line and the dashboard's API: every reader takes any
//! `i64` and any `usize` without overflowing, and bounded work. Times are clamped to
//! [`FIRST_TS`]..=[`LAST_TS`] (nothing was recorded outside, and calendar maths holds
//! inside), the bucket arithmetic saturates, and a series covers at most
//! [`MAX_SERIES_SPAN`] in at most [`MAX_SERIES_POINTS`] points (callers check their
//! ranges against these first: the API allows ten years, the command line a hundred).

use super::db::Store;
use super::fold::{OTHER_ID, OTHER_NAME};
use super::tiers::{billing_month_start, decompose, next_billing_month, Tier, TierMarks, TIERS};
use crate::model::OTHER_APPS;
use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;
use std::collections::HashMap;

/// Up and down bytes of one app over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppTotal {
    pub app: String,
    pub name: String,
    pub up_bytes: u64,
    pub down_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceTotal {
    pub device: String,
    pub up_bytes: u64,
    pub down_bytes: u64,
}

/// Device totals and the unattributed share over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceTotals {
    pub devices: Vec<DeviceTotal>,
    pub unattributed_up: u64,
    pub unattributed_down: u64,
}

/// What a series or a calendar total is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// All devices together.
    Total,
    App(String),
    Device(String),
    /// One app's traffic on one device.
    AppOnDevice {
        app: String,
        device: String,
    },
}

/// One point of a series: `None` where hogwatch was not collecting (a gap, not zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Point {
    pub ts: i64,
    pub up_bytes: Option<u64>,
    pub down_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    /// Nominal length of each point's bucket, seconds.
    pub bucket_secs: i64,
    pub tier: &'static str,
    pub points: Vec<Point>,
}

/// A calendar period's total (local day or billing month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodTotal {
    pub start: NaiveDate,
    pub up_bytes: u64,
    pub down_bytes: u64,
    /// False when hogwatch never ran in the period (no data is not zero traffic).
    pub covered: bool,
}

fn pos(v: i64) -> u64 {
    v.max(0) as u64
}

/// The earliest time a query may name: the Unix epoch (no history is older).
pub const FIRST_TS: i64 = 0;
/// The latest: the last second of the year 9999 (calendar maths holds up to there).
pub const LAST_TS: i64 = 253_402_300_799;

/// Longest span of a series: a hundred years (the last ones before its end).
pub const MAX_SERIES_SPAN: i64 = 100 * 366 * 86_400;
/// Most points of a series: one per day of [`MAX_SERIES_SPAN`], and the partial ones at
/// its ends.
pub const MAX_SERIES_POINTS: usize = 100 * 366 + 2;

/// `[from, to)` within [`FIRST_TS`]..=[`LAST_TS`] (empty when `to` ≤ `from`).
pub(super) fn clamp(from: i64, to: i64) -> (i64, i64) {
    (from.clamp(FIRST_TS, LAST_TS), to.clamp(FIRST_TS, LAST_TS))
}

impl Store {
    /// Adds up `(key, up, down)` rows of `sql(tier)` — `?1`/`?2` bound to each segment of
    /// the range's decomposition, `?3` to `extra` — per key.
    fn sum_over(
        &self,
        from: i64,
        to: i64,
        extra: Option<i64>,
        sql: impl Fn(Tier) -> String,
    ) -> rusqlite::Result<HashMap<i64, (i64, i64)>> {
        let (from, to) = clamp(from, to);
        let marks = self.marks()?;
        self.sum_segments(&marks, from, to, extra, &sql)
    }

    /// Per-app totals over `[from, to)`, largest first, at most `limit`. The apps a day
    /// did not keep apart (see `fold`) are one entry, key `OTHER_APPS` ("") and name
    /// `OTHER_NAME`.
    pub fn top_apps(&self, from: i64, to: i64, limit: usize) -> rusqlite::Result<Vec<AppTotal>> {
        self.app_totals(from, to, None, limit)
    }

    fn app_totals(
        &self,
        from: i64,
        to: i64,
        only: Option<&str>,
        limit: usize,
    ) -> rusqlite::Result<Vec<AppTotal>> {
        let app_id = match only {
            Some(key) => match self.app_id(key)? {
                Some(id) => Some(id),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let filter = if app_id.is_some() {
            "AND app = ?3"
        } else {
            "AND ?3 IS NULL"
        };
        let sums = self.sum_over(from, to, app_id, |t| {
            format!(
                "SELECT app, sum(up), sum(down) FROM app_{} WHERE ts >= ?1 AND ts < ?2 {filter} GROUP BY app",
                t.name()
            )
        })?;
        let names = self.app_names()?;
        let mut out: Vec<AppTotal> = sums
            .into_iter()
            .filter_map(|(id, (up, down))| {
                let (key, name) = names.get(&id)?.clone();
                Some(AppTotal {
                    app: key,
                    name,
                    up_bytes: pos(up),
                    down_bytes: pos(down),
                })
            })
            .filter(|a| a.up_bytes + a.down_bytes > 0)
            .collect();
        out.sort_by(|x, y| {
            (y.up_bytes + y.down_bytes)
                .cmp(&(x.up_bytes + x.down_bytes))
                .then(x.app.cmp(&y.app))
        });
        out.truncate(limit);
        Ok(out)
    }

    /// One app's total over a range (zero when it moved nothing or is unknown).
    pub fn app_total(&self, from: i64, to: i64, key: &str) -> rusqlite::Result<(u64, u64)> {
        let t = self.app_totals(from, to, Some(key), 1)?;
        Ok(t.first().map_or((0, 0), |a| (a.up_bytes, a.down_bytes)))
    }

    /// Key and display name per app id, "other apps" included.
    fn app_names(&self) -> rusqlite::Result<HashMap<i64, (String, String)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, key, name FROM apps")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        let mut names: HashMap<i64, (String, String)> = rows.collect::<rusqlite::Result<_>>()?;
        names.insert(OTHER_ID, (OTHER_APPS.to_owned(), OTHER_NAME.to_owned()));
        Ok(names)
    }

    /// The id of app `key`; the empty key is "other apps".
    fn app_id(&self, key: &str) -> rusqlite::Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        if key == OTHER_APPS {
            return Ok(Some(OTHER_ID));
        }
        self.conn
            .query_row("SELECT id FROM apps WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
    }

    fn device_id(&self, name: &str) -> rusqlite::Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT id FROM devices WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
    }

    /// Every app key history has seen (for "new app" alerts).
    pub fn app_keys(&self) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached("SELECT key FROM apps")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect()
    }

    /// Apps whose key or display name matches `query` exactly, for `--app NAME`.
    pub fn find_apps(&self, query: &str) -> rusqlite::Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, name FROM apps WHERE key = ?1 OR name = ?1 ORDER BY key",
        )?;
        let rows = stmt.query_map(params![query], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Device totals and unattributed bytes over `[from, to)`.
    pub fn device_totals(&self, from: i64, to: i64) -> rusqlite::Result<DeviceTotals> {
        let mut sums = self.sum_over(from, to, None, |t| {
            format!(
                "SELECT device, sum(up), sum(down) FROM dev_{} WHERE ts >= ?1 AND ts < ?2 AND ?3 IS NULL GROUP BY device",
                t.name()
            )
        })?;
        let mut stmt = self.conn.prepare_cached("SELECT id, name FROM devices")?;
        let names: HashMap<i64, String> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let un = sums.remove(&0).unwrap_or_default();
        let mut devices: Vec<DeviceTotal> = sums
            .into_iter()
            .filter_map(|(id, (up, down))| {
                Some(DeviceTotal {
                    device: names.get(&id)?.clone(),
                    up_bytes: pos(up),
                    down_bytes: pos(down),
                })
            })
            .collect();
        devices.sort_by(|a, b| a.device.cmp(&b.device));
        Ok(DeviceTotals {
            devices,
            unattributed_up: pos(un.0),
            unattributed_down: pos(un.1),
        })
    }

    /// Sessions overlapping `[from, to)`: (start, end, per_process).
    pub fn sessions(&self, from: i64, to: i64) -> rusqlite::Result<Vec<(i64, i64, bool)>> {
        let (from, to) = clamp(from, to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT start, end, per_process FROM sessions WHERE end >= ?1 AND start < ?2 ORDER BY start",
        )?;
        let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect()
    }

    /// The first moment anything was recorded (for the range "all").
    pub fn first_ts(&self) -> rusqlite::Result<Option<i64>> {
        self.conn
            .query_row("SELECT min(start) FROM sessions", [], |r| r.get(0))
    }

    /// `subject` over `[from, to)` in at most `max_points` points. The finest tier that
    /// still holds `from` and needs no more than `max_points` buckets is read, and its
    /// buckets are grouped `k` at a time. A point no session covers is a gap (`None`);
    /// for an app, so is one covered only by totals-only time.
    pub fn series(
        &self,
        subject: &Subject,
        from: i64,
        to: i64,
        max_points: usize,
    ) -> rusqlite::Result<Series> {
        let zone = self.zone().clone();
        let marks = self.marks()?;
        let (from, to) = clamp(from, to);
        let from = from.max(to - MAX_SERIES_SPAN);
        let span = (to - from).max(1);
        // Within MAX_SERIES_POINTS, so an i64 (and the products below stay small).
        let max_points = max_points.clamp(1, MAX_SERIES_POINTS) as i64;
        // Months only where days would be grouped a month at a time anyway: a chart of
        // two years in 720 points keeps its days (two at a time), not 25 months.
        let usable = |t: &Tier| *t != Tier::Month || span > 30 * Tier::Day.secs() * max_points;
        let tier = TIERS
            .iter()
            .copied()
            .filter(usable)
            .find(|t| t.secs() * max_points >= span && marks.reaches(*t, from))
            .or_else(|| {
                TIERS
                    .iter()
                    .copied()
                    .filter(usable)
                    .rev()
                    .find(|t| marks.reaches(*t, from))
            })
            .unwrap_or(Tier::Day);
        let points_secs = tier.secs() * max_points;
        let k = (span / points_secs + i64::from(span % points_secs != 0)).max(1);
        // ?3 and ?4: the app's or device's id (-1 when unknown: no rows), or NULL.
        let (key, device) = match subject {
            Subject::Total => (None, None),
            Subject::Device(d) => (Some(self.device_id(d)?.unwrap_or(-1)), None),
            Subject::App(a) => (Some(self.app_id(a)?.unwrap_or(-1)), None),
            Subject::AppOnDevice { app, device } => (
                Some(self.app_id(app)?.unwrap_or(-1)),
                Some(self.device_id(device)?.unwrap_or(-1)),
            ),
        };
        let sql = |t: Tier| subject_sql(subject, t);
        let start = tier.floor(from, &zone);
        let mut rows: HashMap<i64, (i64, i64)> = HashMap::new();
        let mut add = |stmt_tier: Tier, at: Option<i64>, a: i64, b: i64| -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare_cached(&sql(stmt_tier))?;
            let mut q = stmt.query(params![a, b, key, device])?;
            while let Some(r) = q.next()? {
                let (ts, up, down): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                let e = rows.entry(at.unwrap_or(ts)).or_default();
                *e = (e.0.saturating_add(up), e.1.saturating_add(down));
            }
            Ok(())
        };
        // Nothing is recorded before the first session: no open buckets to read there.
        let first = self.first_ts()?.unwrap_or(to);
        let open = marks.closed(tier).max(start).max(tier.floor(first, &zone));
        add(tier, None, start, open.min(to))?;
        // Buckets of this tier not written yet (the current hour, today…): their bytes
        // are in the finer tiers (`rollup`), read there bucket by bucket.
        let mut b = tier.floor(open, &zone);
        while b < to {
            let next = tier.next(b, &zone);
            for (t, x, y) in decompose(b.max(start), next.min(to), &zone, &marks) {
                add(t, Some(b), x, y)?;
            }
            b = next;
        }
        let sessions = self.sessions(start, to)?;
        let needs_per_process = matches!(subject, Subject::App(_) | Subject::AppOnDevice { .. });
        let covered = |a: i64, b: i64| {
            sessions
                .iter()
                .any(|&(s, e, pp)| s < b && e >= a && (pp || !needs_per_process))
        };
        let mut points = Vec::new();
        let mut b = start;
        while b < to && points.len() < max_points as usize {
            let mut end = b;
            let (mut up, mut down) = (0i64, 0i64);
            for _ in 0..k {
                if let Some((u, d)) = rows.get(&end) {
                    up = up.saturating_add(*u);
                    down = down.saturating_add(*d);
                }
                end = tier.next(end, &zone);
            }
            let has = covered(b, end) || up != 0 || down != 0;
            points.push(Point {
                ts: b,
                up_bytes: has.then_some(pos(up)),
                down_bytes: has.then_some(pos(down)),
            });
            b = end;
        }
        Ok(Series {
            bucket_secs: tier.secs() * k,
            tier: tier.name(),
            points,
        })
    }

    /// Local-day totals of `subject` for the days touching `[from, to)`.
    pub fn days(
        &self,
        subject: &Subject,
        from: i64,
        to: i64,
    ) -> rusqlite::Result<Vec<PeriodTotal>> {
        let zone = self.zone().clone();
        let (from, to) = clamp(from, to);
        let first = Tier::Day.floor(from, &zone);
        let n = usize::try_from((to - first) / 86_400 + 2).unwrap_or(1);
        let s = self.series(subject, first, to, n.max(1))?;
        Ok(s.points
            .into_iter()
            .map(|p| PeriodTotal {
                start: zone.date(p.ts),
                up_bytes: p.up_bytes.unwrap_or(0),
                down_bytes: p.down_bytes.unwrap_or(0),
                covered: p.up_bytes.is_some(),
            })
            .collect())
    }

    /// Billing-month totals (months start on `billing_day`, local time) touching `[from, to)`.
    pub fn months(
        &self,
        subject: &Subject,
        from: i64,
        to: i64,
        billing_day: u32,
    ) -> rusqlite::Result<Vec<PeriodTotal>> {
        let zone = self.zone().clone();
        let (from, to) = clamp(from, to);
        let first = billing_month_start(zone.date(from), billing_day);
        let days = self.days(subject, zone.start_of(first), to)?;
        let mut out: Vec<PeriodTotal> = Vec::new();
        let mut month = first;
        let mut next = next_billing_month(month);
        out.push(PeriodTotal {
            start: month,
            up_bytes: 0,
            down_bytes: 0,
            covered: false,
        });
        for d in days {
            while d.start >= next {
                month = next;
                next = next_billing_month(month);
                out.push(PeriodTotal {
                    start: month,
                    up_bytes: 0,
                    down_bytes: 0,
                    covered: false,
                });
            }
            if let Some(m) = out.last_mut() {
                m.up_bytes = m.up_bytes.saturating_add(d.up_bytes);
                m.down_bytes = m.down_bytes.saturating_add(d.down_bytes);
                m.covered |= d.covered;
            }
        }
        Ok(out)
    }
}

/// The rows `(ts, up, down)` of `subject` in tier `t`, buckets starting in `[?1, ?2)`;
/// `?3` and `?4` the app's or device's id, or NULL.
fn subject_sql(subject: &Subject, t: Tier) -> String {
    let t = t.name();
    match subject {
        Subject::Total => format!("SELECT ts, sum(up), sum(down) FROM dev_{t} WHERE device != 0 AND ts >= ?1 AND ts < ?2 AND ?3 IS NULL AND ?4 IS NULL GROUP BY ts"),
        Subject::Device(_) => format!("SELECT ts, up, down FROM dev_{t} WHERE ts >= ?1 AND ts < ?2 AND device = ?3 AND ?4 IS NULL"),
        Subject::App(_) => format!("SELECT ts, sum(up), sum(down) FROM app_{t} WHERE app = ?3 AND ts >= ?1 AND ts < ?2 AND ?4 IS NULL GROUP BY ts"),
        Subject::AppOnDevice { .. } => format!("SELECT ts, up, down FROM app_{t} WHERE app = ?3 AND ts >= ?1 AND ts < ?2 AND device = ?4"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::batch::Batch;
    use crate::store::tiers::Zone;
    use crate::store::StoreConfig;

    /// A store in `dir` holding 10 minutes of one app's traffic an hour before `now`.
    fn store(dir: &std::path::Path, now: i64, zone: Zone) -> Store {
        let cfg = StoreConfig {
            zone,
            ..StoreConfig::default()
        };
        let mut s = Store::open_writer(dir, cfg).expect("open");
        let at = now - 3600 - now.rem_euclid(900);
        let mut b = Batch::default();
        b.apps
            .insert((at, "/usr/bin/curl".into(), "eth0".into()), (100, 200));
        b.app_names.insert("/usr/bin/curl".into(), "curl".into());
        b.devices.insert((at, "eth0".into()), (100, 200));
        b.spans.push((at, at + 600, true));
        s.write(&b).expect("write");
        s
    }

    #[test]
    fn any_range_and_any_number_of_points_without_overflow() {
        let now = 1_795_600_000;
        for zone in [Zone::utc(), Zone::fixed(14 * 3600), Zone::fixed(-12 * 3600)] {
            let dir = tempfile::tempdir().expect("tempdir");
            let s = store(dir.path(), now, zone);
            let subjects = [
                Subject::Total,
                Subject::App("/usr/bin/curl".into()),
                Subject::Device("eth0".into()),
            ];
            let (min, max) = (i64::MIN, i64::MAX);
            for (from, to) in [
                (min, max),
                (min, min + 1),
                (max - 1, max),
                (max, min),
                (min, 1),
                (-86_400, 86_400),
                (LAST_TS - 86_400, max),
            ] {
                for (subject, points) in subjects.iter().zip([1, 2000, usize::MAX]) {
                    let r = s.series(subject, from, to, points).expect("series");
                    assert!(r.points.len() <= points.min(MAX_SERIES_POINTS));
                    assert!(r.bucket_secs > 0, "{from}..{to}: {r:?}");
                }
                s.top_apps(from, to, usize::MAX).expect("top_apps");
                s.device_totals(from, to).expect("device_totals");
                s.sessions(from, to).expect("sessions");
                s.days(&Subject::Total, from, to).expect("days");
                s.months(&Subject::Total, from, to, 28).expect("months");
            }
            // What lies inside the bounds is still counted exactly.
            let all = s.top_apps(min, max, usize::MAX).expect("top_apps");
            assert_eq!((all[0].up_bytes, all[0].down_bytes), (100, 200));
            let series = s
                .series(&Subject::Total, now - 7200, now, usize::MAX)
                .expect("series");
            let down: u64 = series.points.iter().filter_map(|p| p.down_bytes).sum();
            assert_eq!(down, 200);
        }
    }
}
