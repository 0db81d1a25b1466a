//! Where the bytes of a range are read: the coarsest written buckets that fit it, and for
//! buckets not written yet (the current minute, hour, day, month — see `rollup`) the finer
//! tiers that hold them. The queries in `query.rs` read through here.

use super::db::Store;
use super::query::{clamp, FIRST_TS, LAST_TS};
use super::rollup::{finer, TierState};
use super::tiers::{decompose, Tier, TierMarks};
use rusqlite::params;
use std::collections::HashMap;

impl Store {
    /// The segments `(tier, a, b)` a total over `[from, to)` reads (for tests' messages).
    pub fn segments(&self, from: i64, to: i64) -> rusqlite::Result<Vec<(Tier, i64, i64)>> {
        let (from, to) = clamp(from, to);
        Ok(decompose(from, to, self.zone(), &self.marks()?))
    }

    pub(super) fn sum_segments(
        &self,
        marks: &TierState,
        from: i64,
        to: i64,
        extra: Option<i64>,
        sql: &dyn Fn(Tier) -> String,
    ) -> rusqlite::Result<HashMap<i64, (i64, i64)>> {
        let mut sums: HashMap<i64, (i64, i64)> = HashMap::new();
        for (t, a, b) in decompose(from, to, self.zone(), marks) {
            let mut stmt = self.conn.prepare_cached(&sql(t))?;
            let rows = stmt.query_map(params![a, b, extra], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (key, up, down) = row?;
                let e = sums.entry(key).or_default();
                *e = (e.0.saturating_add(up), e.1.saturating_add(down));
            }
        }
        Ok(sums)
    }

    /// Sum of one tier over buckets starting in `[from, to)`, all apps and devices
    /// (for checking that tiers agree). Buckets of the tier not written yet count what the
    /// finer tiers hold for them (see `rollup`): what the tier will hold when they close.
    pub fn tier_sum(&self, t: Tier, from: i64, to: i64) -> rusqlite::Result<(i64, i64, i64, i64)> {
        let marks = self.marks()?;
        self.tier_sum_in(&marks, t, from, to)
    }

    fn tier_sum_in(
        &self,
        marks: &TierState,
        t: Tier,
        from: i64,
        to: i64,
    ) -> rusqlite::Result<(i64, i64, i64, i64)> {
        let closed = marks.closed(t);
        let mut sum = (0i64, 0i64, 0i64, 0i64);
        let add = |sum: &mut (i64, i64, i64, i64), s: (i64, i64, i64, i64)| {
            sum.0 = sum.0.saturating_add(s.0);
            sum.1 = sum.1.saturating_add(s.1);
            sum.2 = sum.2.saturating_add(s.2);
            sum.3 = sum.3.saturating_add(s.3);
        };
        let q = |sql: &str, a: i64, b: i64| -> rusqlite::Result<(i64, i64)> {
            self.conn
                .query_row(sql, params![a, b], |r| Ok((r.get(0)?, r.get(1)?)))
        };
        let (a, b) = (from, to.min(closed));
        if a < b {
            let apps = q(&format!("SELECT coalesce(sum(up),0), coalesce(sum(down),0) FROM app_{} WHERE ts >= ?1 AND ts < ?2", t.name()), a, b)?;
            let devs = q(&format!("SELECT coalesce(sum(up),0), coalesce(sum(down),0) FROM dev_{} WHERE ts >= ?1 AND ts < ?2", t.name()), a, b)?;
            add(&mut sum, (apps.0, apps.1, devs.0, devs.1));
        }
        // Open buckets starting in [max(from, closed), to): the finer tier's bytes whose
        // bucket of `t` starts there.
        if let Some(f) = finer(t) {
            let zone = self.zone();
            let a = t.ceil(from.max(closed).max(FIRST_TS), zone);
            let b = t.ceil(to.min(LAST_TS), zone);
            if a < b {
                add(&mut sum, self.tier_sum_in(marks, f, a, b)?);
            }
        }
        Ok(sum)
    }
}
