//! Volume quotas: which period a moment belongs to (a local day, or a billing month
//! starting on the billing day), which warning levels a total has newly crossed, and
//! where the current pace leads ("at this pace you reach 50 GB on Dec 21"). Pure.

use super::rules::Period;
use crate::store::tiers::{billing_month_start, next_billing_month, Zone};
use chrono::{Datelike, NaiveDate};

/// One period: `[start, end)` in Unix seconds, and a key naming it ("2026-11-25" for a
/// day, "month 2026-11-15" for the billing month that starts on Nov 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: i64,
    pub end: i64,
    pub first_day: NaiveDate,
    pub key: String,
}

/// The period of `period` that contains `now_s`.
pub fn span(period: Period, now_s: i64, zone: &Zone, billing_day: u32) -> Span {
    let today = zone.date(now_s);
    let (first, next) = match period {
        Period::Day => (today, today.succ_opt().unwrap_or(today)),
        Period::Month => {
            let first = billing_month_start(today, billing_day);
            (first, next_billing_month(first))
        }
    };
    let key = match period {
        Period::Day => first.format("%Y-%m-%d").to_string(),
        Period::Month => format!("month {}", first.format("%Y-%m-%d")),
    };
    Span {
        start: zone.start_of(first),
        end: zone.start_of(next),
        first_day: first,
        key,
    }
}

/// The warning levels (percent of `limit`) that `used` has reached and that have not
/// fired yet in this period, lowest first.
pub fn newly_crossed(used: u64, limit: u64, warn_at: &[u32], fired: &[u32]) -> Vec<u32> {
    warn_at
        .iter()
        .copied()
        .filter(|p| !fired.contains(p))
        .filter(|p| (used as u128) * 100 >= (limit as u128) * (*p as u128))
        .collect()
}

/// Where the pace of this period leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// The limit is already reached.
    Reached,
    /// At this pace the limit is reached on that day (local).
    ReachOn(NaiveDate),
    /// At this pace the period ends below the limit, at about this many bytes.
    StaysUnder(u64),
    /// Too little of the period has passed (or nothing moved) to say.
    TooEarly,
}

/// Less than this much of a period gives no projection (a burst in the first minutes
/// would project nonsense).
pub const MIN_ELAPSED_S: i64 = 600;

/// Projects `used` bytes at `now_s` in `span` linearly to the period's end.
pub fn project(used: u64, limit: u64, span: &Span, now_s: i64, zone: &Zone) -> Projection {
    if used >= limit {
        return Projection::Reached;
    }
    let elapsed = now_s - span.start;
    if elapsed < MIN_ELAPSED_S || used == 0 {
        return Projection::TooEarly;
    }
    let pace = used as f64 / elapsed as f64;
    let at_end = used as f64 + pace * (span.end - now_s).max(0) as f64;
    if at_end < limit as f64 {
        return Projection::StaysUnder(at_end as u64);
    }
    let reach = now_s as f64 + (limit - used) as f64 / pace;
    Projection::ReachOn(zone.date(reach.min(i64::MAX as f64) as i64))
}

/// "Dec 21" (with the year when it is not the year of `today`).
pub fn short_date(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        d.format("%b %-d").to_string()
    } else {
        d.format("%b %-d %Y").to_string()
    }
}

/// The projection in words, for a notification's body.
pub fn projection_text(p: &Projection, limit: u64, span: &Span, today: NaiveDate) -> String {
    let limit = crate::units::bytes(limit);
    match p {
        Projection::Reached => format!("The limit of {limit} is reached."),
        Projection::ReachOn(d) => {
            format!(
                "At this pace you reach {limit} on {}.",
                short_date(*d, today)
            )
        }
        Projection::StaysUnder(b) => format!(
            "At this pace you stay under {limit} (about {} by the end of the period).",
            crate::units::bytes(*b)
        ),
        Projection::TooEarly => format!(
            "Too early in the period (since {}) to project.",
            short_date(span.first_day, today)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const GB: u64 = 1_000_000_000;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn days_and_billing_months() {
        let z = Zone::utc();
        let now = z.start_of(ymd(2026, 11, 25)) + 3600;
        let d = span(Period::Day, now, &z, 1);
        assert_eq!(
            (d.start, d.end - d.start),
            (z.start_of(ymd(2026, 11, 25)), DAY)
        );
        assert_eq!(d.key, "2026-11-25");
        let m = span(Period::Month, now, &z, 15);
        assert_eq!(m.first_day, ymd(2026, 11, 15));
        assert_eq!(m.end, z.start_of(ymd(2026, 12, 15)));
        assert_eq!(m.key, "month 2026-11-15");
        let m = span(Period::Month, z.start_of(ymd(2026, 11, 10)), &z, 15);
        assert_eq!(m.first_day, ymd(2026, 10, 15));
        // A local zone east of UTC: the day starts at local midnight.
        let east = Zone::fixed(5 * 3600);
        let d = span(Period::Day, z.start_of(ymd(2026, 11, 25)) - 3600, &east, 1);
        assert_eq!(d.first_day, ymd(2026, 11, 25));
        assert_eq!(d.start, z.start_of(ymd(2026, 11, 25)) - 5 * 3600);
    }

    #[test]
    fn levels_fire_once_each() {
        let warn = [80, 100];
        assert_eq!(
            newly_crossed(39 * GB, 50 * GB, &warn, &[]),
            Vec::<u32>::new()
        );
        assert_eq!(newly_crossed(40 * GB, 50 * GB, &warn, &[]), vec![80]);
        assert_eq!(
            newly_crossed(45 * GB, 50 * GB, &warn, &[80]),
            Vec::<u32>::new()
        );
        assert_eq!(newly_crossed(60 * GB, 50 * GB, &warn, &[80]), vec![100]);
        // Both at once (a restart after a big day): both, lowest first.
        assert_eq!(newly_crossed(60 * GB, 50 * GB, &warn, &[]), vec![80, 100]);
        // No overflow near u64::MAX.
        assert_eq!(newly_crossed(u64::MAX, u64::MAX, &[100], &[]), vec![100]);
    }

    #[test]
    fn projection_maths() {
        let z = Zone::utc();
        let start = z.start_of(ymd(2026, 12, 1));
        let m = Span {
            start,
            end: z.start_of(ymd(2026, 12, 31)),
            first_day: ymd(2026, 12, 1),
            key: "month 2026-12-01".into(),
        };
        // 10 GB in 5 days = 2 GB/day: 50 GB is reached 20 days later, on Dec 26.
        let now = start + 5 * DAY;
        assert_eq!(
            project(10 * GB, 50 * GB, &m, now, &z),
            Projection::ReachOn(ymd(2026, 12, 26))
        );
        // 5 GB in 5 days: 30 GB by the end, under the limit.
        assert_eq!(
            project(5 * GB, 50 * GB, &m, now, &z),
            Projection::StaysUnder(30 * GB)
        );
        assert_eq!(project(50 * GB, 50 * GB, &m, now, &z), Projection::Reached);
        assert_eq!(
            project(GB, 50 * GB, &m, start + 60, &z),
            Projection::TooEarly
        );
        let text = projection_text(
            &Projection::ReachOn(ymd(2026, 12, 26)),
            50 * GB,
            &m,
            ymd(2026, 12, 6),
        );
        assert_eq!(text, "At this pace you reach 46.6 GiB on Dec 26.");
    }
}
