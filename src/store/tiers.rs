//! Time buckets of the history tiers, local days, billing months, and how a time range
//! is cut into the coarsest buckets that fit it exactly. Pure: the zone is injected.

use chrono::{DateTime, Datelike, FixedOffset, Local, LocalResult, NaiveDate, Offset, TimeZone};

/// The history tiers, finest first. Each holds the same bytes in coarser buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// 10-second buckets.
    Fine,
    Minute,
    Hour,
    /// Local calendar days (23, 24 or 25 hours).
    Day,
    /// Local calendar months (from the 1st, 00:00): what makes a query over years read
    /// a few rows per app and month, not one per app and day.
    Month,
}

pub const TIERS: [Tier; 5] = [Tier::Fine, Tier::Minute, Tier::Hour, Tier::Day, Tier::Month];
pub const FINE_SECS: i64 = 10;

impl Tier {
    /// The table-name suffix.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Fine => "fine",
            Tier::Minute => "minute",
            Tier::Hour => "hour",
            Tier::Day => "day",
            Tier::Month => "month",
        }
    }

    /// Nominal bucket length in seconds (a day may be an hour longer or shorter).
    pub fn secs(self) -> i64 {
        match self {
            Tier::Fine => FINE_SECS,
            Tier::Minute => 60,
            Tier::Hour => 3600,
            Tier::Day => 86_400,
            Tier::Month => 30 * 86_400,
        }
    }

    /// Start of the bucket holding `ts` (Unix seconds).
    pub fn floor(self, ts: i64, zone: &Zone) -> i64 {
        match self {
            Tier::Day => zone.day_start(ts),
            Tier::Month => zone.start_of(zone.date(ts).with_day(1).unwrap_or_default()),
            // Local hours: in zones offset by a fraction of an hour (+5:30, +5:45) UTC
            // hours would straddle local midnight, and a day would share bytes with an
            // hour bucket outside it.
            Tier::Hour => ts - (ts + i64::from(zone.offset_secs(ts))).rem_euclid(3600),
            t => ts - ts.rem_euclid(t.secs()),
        }
    }

    /// Start of the first bucket at or after `ts`.
    pub fn ceil(self, ts: i64, zone: &Zone) -> i64 {
        let f = self.floor(ts, zone);
        if f == ts {
            f
        } else {
            self.next(f, zone)
        }
    }

    /// Start of the bucket after the one starting at `start`.
    pub fn next(self, start: i64, zone: &Zone) -> i64 {
        match self {
            // 26 h from a midnight always lands in the next day, whatever DST does.
            Tier::Day => zone.day_start(start + 26 * 3600),
            // 32 days from the 1st always lands in the next month.
            Tier::Month => Tier::Month.floor(start + 32 * 86_400, zone),
            t => start + t.secs(),
        }
    }
}

/// The time zone that local days and billing months follow.
#[derive(Debug, Clone)]
pub enum Zone {
    /// The system's zone (TZ, /etc/localtime).
    Local,
    /// A fixed offset in seconds east of UTC (tests, servers in UTC).
    Fixed(FixedOffset),
}

impl Zone {
    pub fn utc() -> Zone {
        Zone::fixed(0)
    }

    /// A fixed zone; an offset beyond ±24 h is clamped to UTC.
    pub fn fixed(secs_east: i32) -> Zone {
        Zone::Fixed(FixedOffset::east_opt(secs_east).unwrap_or(chrono::Utc.fix()))
    }

    /// Seconds east of UTC at `ts`.
    pub fn offset_secs(&self, ts: i64) -> i32 {
        match self {
            Zone::Local => local_dt(&Local, ts).offset().fix().local_minus_utc(),
            Zone::Fixed(z) => z.local_minus_utc(),
        }
    }

    /// The local date at `ts`.
    pub fn date(&self, ts: i64) -> NaiveDate {
        match self {
            Zone::Local => local_dt(&Local, ts).date_naive(),
            Zone::Fixed(z) => local_dt(z, ts).date_naive(),
        }
    }

    /// Unix time of the local midnight starting `date` (the first instant of that day when
    /// DST skips midnight).
    pub fn start_of(&self, date: NaiveDate) -> i64 {
        match self {
            Zone::Local => start_of_in(&Local, date),
            Zone::Fixed(z) => start_of_in(z, date),
        }
    }

    /// Start of the local day holding `ts`.
    pub fn day_start(&self, ts: i64) -> i64 {
        self.start_of(self.date(ts))
    }
}

fn local_dt<Tz: TimeZone>(tz: &Tz, ts: i64) -> DateTime<Tz> {
    match tz.timestamp_opt(ts, 0) {
        LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => d,
        // Out of chrono's range: clamp to the epoch rather than fail.
        LocalResult::None => DateTime::<chrono::Utc>::UNIX_EPOCH.with_timezone(tz),
    }
}

fn start_of_in<Tz: TimeZone>(tz: &Tz, date: NaiveDate) -> i64 {
    // Midnight may not exist (DST gap): walk forward in 15-minute steps to the first
    // instant of that date.
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    for step in 0..=8 {
        let t = midnight + chrono::Duration::minutes(15 * step);
        if let Some(d) = tz.from_local_datetime(&t).earliest() {
            return d.timestamp();
        }
    }
    midnight.and_utc().timestamp()
}

/// First day of the billing month holding `date`, when months start on `billing_day`
/// (1–28).
pub fn billing_month_start(date: NaiveDate, billing_day: u32) -> NaiveDate {
    let day = billing_day.clamp(1, 28);
    let (y, m) = if date.day() >= day {
        (date.year(), date.month())
    } else if date.month() == 1 {
        (date.year() - 1, 12)
    } else {
        (date.year(), date.month() - 1)
    };
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(date)
}

/// First day of the next billing month after the one starting at `start`.
pub fn next_billing_month(start: NaiveDate) -> NaiveDate {
    let (y, m) = if start.month() == 12 {
        (start.year() + 1, 1)
    } else {
        (start.year(), start.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, start.day()).unwrap_or(start)
}

/// What a query needs to know of the file's tiers: whether a tier's data still reaches
/// back to a time (retention and the size cap drop old fine data first), and where its
/// buckets not written yet start (coarse buckets are written when they close: before
/// that, their bytes are in the finer tiers). The file's marks (`rollup::TierState`).
pub trait TierMarks {
    fn reaches(&self, t: Tier, at: i64) -> bool;
    fn closed(&self, t: Tier) -> i64;
}

/// Cuts `[from, to)` into segments `(tier, a, b)` meaning "buckets of `tier` whose start
/// lies in `[a, b)`", using the coarsest written tier that fits each part exactly. Where
/// a finer tier does not reach back far enough, the coarser bucket is used whole; where
/// a coarse tier's buckets are not written yet, the finer tiers are read.
pub fn decompose(from: i64, to: i64, zone: &Zone, marks: &dyn TierMarks) -> Vec<(Tier, i64, i64)> {
    let mut out = Vec::new();
    if from < to {
        split(from, to, TIERS.len() - 1, zone, marks, &mut out);
    }
    out
}

fn split(
    from: i64,
    to: i64,
    level: usize,
    zone: &Zone,
    marks: &dyn TierMarks,
    out: &mut Vec<(Tier, i64, i64)>,
) {
    let t = TIERS[level];
    let finer = level.checked_sub(1).map(|l| TIERS[l]);
    let refine = |at: i64| finer.filter(|f| marks.reaches(*f, at));
    let a = t.ceil(from, zone);
    // Whole buckets only as far as the tier is written; after that the finer tiers.
    let b = t.floor(to, zone).min(marks.closed(t)).max(a.min(to));
    if a >= b {
        // No whole bucket of `t` inside: a finer tier, or the containing bucket(s).
        match refine(from) {
            Some(_) => split(from, to, level - 1, zone, marks, out),
            None => out.push((t, t.floor(from, zone), to)),
        }
        return;
    }
    if from < a {
        match refine(from) {
            Some(_) => split(from, a, level - 1, zone, marks, out),
            None => out.push((t, t.floor(from, zone), a)),
        }
    }
    out.push((t, a, b));
    if b < to {
        match refine(b) {
            Some(_) => split(b, to, level - 1, zone, marks, out),
            None => out.push((t, b, to)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_local_days() {
        let utc = Zone::utc();
        assert_eq!(Tier::Fine.floor(1_000_005, &utc), 1_000_000);
        assert_eq!(Tier::Minute.ceil(120, &utc), 120);
        assert_eq!(Tier::Minute.ceil(121, &utc), 180);
        // 2026-11-25 00:00 UTC = 1795564800.
        let midnight = 1_795_564_800;
        assert_eq!(Tier::Day.floor(midnight + 5000, &utc), midnight);
        let india = Zone::fixed(5 * 3600 + 1800);
        // 00:00 UTC is 05:30 in India: that local day began 5.5 h earlier.
        assert_eq!(
            Tier::Day.floor(midnight, &india),
            midnight - 5 * 3600 - 1800
        );
        assert_eq!(Tier::Day.next(midnight, &utc), midnight + 86_400);
    }

    #[test]
    fn billing_months() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid");
        assert_eq!(billing_month_start(d(2026, 11, 25), 1), d(2026, 11, 1));
        assert_eq!(billing_month_start(d(2026, 11, 25), 26), d(2026, 10, 26));
        assert_eq!(billing_month_start(d(2026, 1, 3), 15), d(2025, 12, 15));
        assert_eq!(
            billing_month_start(d(2026, 3, 31), 31),
            d(2026, 3, 28),
            "clamped to 28"
        );
        assert_eq!(next_billing_month(d(2025, 12, 15)), d(2026, 1, 15));
    }

    /// Every tier written; tiers from `from` up reach back to any time.
    struct Kept {
        from: Tier,
    }

    impl TierMarks for Kept {
        fn reaches(&self, t: Tier, _: i64) -> bool {
            t >= self.from
        }
        fn closed(&self, _: Tier) -> i64 {
            i64::MAX
        }
    }

    #[test]
    fn decomposition_uses_coarsest_exact_buckets() {
        let utc = Zone::utc();
        let day = 1_795_564_800;
        let from = day - 3 * 3600 - 125; // 20:57:55 the day before
        let to = day + 2 * 86_400 + 3600 + 70; // 01:01:10 two days later
        let segs = decompose(from, to, &utc, &Kept { from: Tier::Fine });
        let total: i64 = segs.iter().map(|(_, a, b)| b - a).sum();
        assert_eq!(segs.first().map(|s| s.0), Some(Tier::Fine));
        assert!(segs.contains(&(Tier::Day, day, day + 2 * 86_400)));
        assert!(segs.contains(&(Tier::Hour, day - 3 * 3600, day)));
        assert!(segs.contains(&(Tier::Minute, day - 3 * 3600 - 120, day - 3 * 3600)));
        // Contiguous and covering: only the leftmost fine bucket starts before `from`.
        assert_eq!(total, to - Tier::Fine.floor(from, &utc));
        for w in segs.windows(2) {
            assert_eq!(w[0].2, w[1].1, "{segs:?}");
        }
        // Without fine or minute data for old times, whole hours are used.
        let segs = decompose(from, to, &utc, &Kept { from: Tier::Hour });
        assert_eq!(
            segs.first(),
            Some(&(Tier::Hour, day - 4 * 3600, day - 3 * 3600))
        );
    }
}
