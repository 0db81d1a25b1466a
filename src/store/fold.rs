//! Which apps a local day of history keeps apart. Any local user can start thousands of
//! uniquely named processes; each would otherwise get a row in `apps` and rows in every
//! tier, growing the file until the size cap deletes real history. So a day keeps at most
//! `MAX_APPS_PER_DAY` app keys; the bytes of the others go to app id `OTHER_ID` ("other
//! apps"), in every tier alike, so every total — the day's, a month's, any range's — stays
//! exact and the tiers still agree.
//!
//! Who keeps a key: while the day has room, every app. When it is full, an app that moved
//! more in one batch than the smallest kept app did in the whole day takes its place, and
//! that app's rows of the day move to "other" (`move_to_other`, in the same transaction):
//! a flood of small processes early in the day cannot push out an app that later moves
//! real traffic. At most `MAX_MOVES_PER_WRITE` such moves happen per write, which bounds
//! what a write costs. Decisions are pure (`DayApps`); the SQL is at the bottom.

use super::batch::Batch;
use super::rollup::TierState;
use super::tiers::{Tier, TierMarks, Zone, TIERS};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::{btree_map, BTreeMap, HashMap, HashSet};

/// App keys one local day keeps apart at most (`OTHER_ID` not counted).
pub const MAX_APPS_PER_DAY: usize = 500;
/// App id of "other apps" in the tier tables; no row of `apps` has it (ids start at 1).
pub const OTHER_ID: i64 = 0;
/// Display name of "other apps" in query results (whose key is `model::OTHER_APPS`).
pub const OTHER_NAME: &str = "(other apps)";
/// Kept apps replaced per write at most; each move rewrites a day of one app's rows.
pub const MAX_MOVES_PER_WRITE: usize = 8;

/// Where an app's bytes of a day go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Its own rows.
    Own,
    /// "Other apps".
    Other,
    /// Its own rows, in place of this kept app, whose rows of the day move to "other".
    Replaces(String),
}

/// The apps one day keeps apart, with their bytes (up + down) that day.
#[derive(Debug, Clone, Default)]
pub struct DayApps {
    kept: HashMap<String, u64>,
    /// The smallest kept app, while known (a lookup is a scan of the day's apps).
    smallest: Option<(String, u64)>,
}

impl DayApps {
    /// The day as history holds it: (app key, bytes) of each kept app.
    pub fn from_rows(rows: impl IntoIterator<Item = (String, u64)>) -> Self {
        DayApps {
            kept: rows.into_iter().collect(),
            smallest: None,
        }
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Decides where `bytes` more of app `key` go and counts them there. `may_replace`:
    /// whether this write may still move a kept app to "other". The empty key is "other"
    /// itself (see `model::OTHER_APPS`).
    pub fn place(&mut self, key: &str, bytes: u64, may_replace: bool) -> Place {
        if key.is_empty() {
            return Place::Other;
        }
        if let Some(v) = self.kept.get_mut(key) {
            *v = v.saturating_add(bytes);
            if self.smallest.as_ref().is_some_and(|(k, _)| k == key) {
                self.smallest = None;
            }
            return Place::Own;
        }
        if self.kept.len() < MAX_APPS_PER_DAY {
            self.kept.insert(key.to_owned(), bytes);
            self.smallest = None;
            return Place::Own;
        }
        if !may_replace {
            return Place::Other;
        }
        if self.smallest.is_none() {
            self.smallest = self
                .kept
                .iter()
                .map(|(k, v)| (*v, k))
                .min()
                .map(|(v, k)| (k.clone(), v));
        }
        match self.smallest.take() {
            Some((victim, v)) if bytes > v => {
                self.kept.remove(&victim);
                self.kept.insert(key.to_owned(), bytes);
                Place::Replaces(victim)
            }
            keep => {
                self.smallest = keep;
                Place::Other
            }
        }
    }
}

/// Days whose kept apps a writer remembers (the one being written, and a few before it
/// for late or backlogged batches); older ones are read again when needed.
const DAYS_REMEMBERED: usize = 3;

/// Decides, per local day of `batch`, which apps keep their own rows (see above):
/// largest first, so within a write the bigger apps win; moves the rows of apps that
/// lose their place to "other". Returns the (day, app key) pairs whose bytes go to
/// "other".
pub fn fold_batch<'b>(
    tx: &Transaction,
    days: &mut BTreeMap<i64, DayApps>,
    batch: &'b Batch,
    zone: &Zone,
    marks: &TierState,
) -> rusqlite::Result<HashSet<(i64, &'b str)>> {
    let mut per_day: BTreeMap<i64, HashMap<&str, u64>> = BTreeMap::new();
    for ((ts, app, _), (up, down)) in &batch.apps {
        let e = per_day
            .entry(Tier::Day.floor(*ts, zone))
            .or_default()
            .entry(app.as_str())
            .or_default();
        *e = e.saturating_add(up.saturating_add(*down));
    }
    let mut other = HashSet::new();
    let mut moves = 0;
    for (day, apps) in per_day {
        let kept = match days.entry(day) {
            btree_map::Entry::Occupied(e) => e.into_mut(),
            btree_map::Entry::Vacant(e) => {
                e.insert(load_day(tx, day, Tier::Day.next(day, zone), marks)?)
            }
        };
        let mut order: Vec<(&str, u64)> = apps.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (key, bytes) in order {
            match kept.place(key, bytes, moves < MAX_MOVES_PER_WRITE) {
                Place::Own => {}
                Place::Other => {
                    other.insert((day, key));
                }
                Place::Replaces(victim) => {
                    moves += 1;
                    let id: Option<i64> = tx
                        .query_row("SELECT id FROM apps WHERE key = ?1", params![victim], |r| {
                            r.get(0)
                        })
                        .optional()?;
                    if let Some(id) = id {
                        move_to_other(tx, id, (day, Tier::Day.next(day, zone)), zone, marks)?;
                    }
                }
            }
        }
    }
    while days.len() > DAYS_REMEMBERED {
        days.pop_first();
    }
    Ok(other)
}

/// The kept apps of the day `[day, next_day)`, by key: its `app_day` rows once the day
/// is written, else what the finer tiers hold of it so far (see `rollup`).
pub fn load_day(
    tx: &Transaction,
    day: i64,
    next_day: i64,
    marks: &TierState,
) -> rusqlite::Result<DayApps> {
    let mut sums: HashMap<String, u64> = HashMap::new();
    for (t, a, b) in written_parts(day, next_day, marks) {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT a.key, sum(d.up) + sum(d.down) FROM app_{} d JOIN apps a ON a.id = d.app
             WHERE d.ts >= ?1 AND d.ts < ?2 AND d.app != ?3 GROUP BY d.app",
            t.name()
        ))?;
        let rows = stmt.query_map(params![a, b, OTHER_ID], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })?;
        for row in rows {
            let (k, v) = row?;
            let e = sums.entry(k).or_default();
            *e = e.saturating_add(v);
        }
    }
    Ok(DayApps::from_rows(sums))
}

/// Where the bytes of `[day, next_day)` are: the day tier once it is written, else the
/// hours written so far, the minutes after them and the 10-second buckets after those.
fn written_parts(day: i64, next_day: i64, marks: &TierState) -> Vec<(Tier, i64, i64)> {
    if next_day <= marks.closed(Tier::Day) {
        return vec![(Tier::Day, day, next_day)];
    }
    let hours = marks.closed(Tier::Hour).clamp(day, next_day);
    let minutes = marks.closed(Tier::Minute).clamp(hours, next_day);
    vec![
        (Tier::Hour, day, hours),
        (Tier::Minute, hours, minutes),
        (Tier::Fine, minutes, next_day),
    ]
}

/// Moves app `id`'s rows of the day `[day, next_day)` to "other" in every tier, adding
/// them to what "other" already has there.
pub fn move_to_other(
    tx: &Transaction,
    id: i64,
    (day, next_day): (i64, i64),
    zone: &Zone,
    marks: &TierState,
) -> rusqlite::Result<()> {
    // A month already written holds the day's bytes among the rest of the month's: they
    // move by difference, the day's own rows telling how much (a month is written only
    // after all its days).
    let month = Tier::Month.floor(day, zone);
    if month < marks.closed(Tier::Month) {
        let rows: Vec<(i64, i64, i64)> = tx
            .prepare_cached("SELECT device, up, down FROM app_day WHERE app = ?1 AND ts = ?2")?
            .query_map(params![id, day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (device, up, down) in rows {
            tx.prepare_cached(
                "UPDATE app_month SET up = up - ?4, down = down - ?5
                 WHERE ts = ?1 AND app = ?2 AND device = ?3",
            )?
            .execute(params![month, id, device, up, down])?;
            tx.prepare_cached(
                "INSERT INTO app_month(ts, app, device, up, down) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(ts, app, device) DO UPDATE SET up = up + excluded.up, down = down + excluded.down",
            )?
            .execute(params![month, OTHER_ID, device, up, down])?;
        }
    }
    // The hour tier is indexed by app: its first and last written hour bound where the
    // finer tiers' rows can be, so those (indexed by time only) are not scanned for a
    // whole day. After the last written hour, the finer tiers hold what is not summed
    // into hours yet: the rest of the day is read there.
    let (first, last): (Option<i64>, Option<i64>) = tx.query_row(
        "SELECT min(ts), max(ts) FROM app_hour WHERE app = ?1 AND ts >= ?2 AND ts < ?3",
        params![id, day, next_day],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let open = marks.closed(Tier::Hour).clamp(day, next_day);
    let finer = match (first, last) {
        (Some(f), Some(l)) if marks.reaches(Tier::Hour, day) => (
            f.min(open),
            if open < next_day {
                next_day
            } else {
                l + Tier::Hour.secs()
            },
        ),
        (None, None) if marks.reaches(Tier::Hour, day) => (open, next_day),
        // Hours cut (a retention shorter for hours than for minutes): the whole day.
        _ => (day, next_day),
    };
    for t in TIERS.into_iter().filter(|&t| t != Tier::Month) {
        let (a, b) = match t {
            Tier::Day => (day, next_day),
            _ => finer,
        };
        tx.prepare_cached(&format!(
            "INSERT INTO app_{0}(ts, app, device, up, down)
             SELECT ts, ?2, device, up, down FROM app_{0} WHERE app = ?1 AND ts >= ?3 AND ts < ?4
             ON CONFLICT(ts, app, device) DO UPDATE SET up = up + excluded.up, down = down + excluded.down",
            t.name()
        ))?
        .execute(params![id, OTHER_ID, a, b])?;
        tx.prepare_cached(&format!(
            "DELETE FROM app_{} WHERE app = ?1 AND ts >= ?2 AND ts < ?3",
            t.name()
        ))?
        .execute(params![id, a, b])?;
    }
    Ok(())
}

/// Deletes the `apps` rows no tier refers to any more (their days were dropped by the
/// size cap, or they were moved to "other"). The day and hour tiers hold every app that
/// a finer tier holds before those tiers' `closed` marks (retention never cuts days, and
/// the size cap cuts days only where the finer tiers hold nothing: see
/// `Store::enforce_limits`); after them, the minutes and 10-second buckets not summed
/// yet are looked at too.
pub fn forget_unused_apps(
    conn: &rusqlite::Connection,
    marks: &TierState,
) -> rusqlite::Result<usize> {
    // Month, day and hour by their by-app indexes; the recent rows once (a few thousand).
    conn.execute(
        "DELETE FROM apps WHERE NOT EXISTS (SELECT 1 FROM app_month WHERE app = apps.id)
                            AND NOT EXISTS (SELECT 1 FROM app_day WHERE app = apps.id)
                            AND NOT EXISTS (SELECT 1 FROM app_hour WHERE app = apps.id)
                            AND id NOT IN (SELECT app FROM app_minute WHERE ts >= ?1
                                           UNION SELECT app FROM app_fine WHERE ts >= ?2)",
        params![marks.closed(Tier::Hour), marks.closed(Tier::Minute)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_day() -> DayApps {
        DayApps::from_rows((0..MAX_APPS_PER_DAY as u64).map(|i| (format!("/flood/{i}"), 10 + i)))
    }

    #[test]
    fn room_then_other_then_a_bigger_app_replaces_the_smallest() {
        let mut d = DayApps::default();
        assert_eq!(d.place("/usr/bin/a", 5, false), Place::Own);
        assert_eq!(d.place("/usr/bin/a", 5, false), Place::Own);
        assert_eq!(d.place("", 5, true), Place::Other, "the empty key is other");
        let mut d = full_day();
        // Not more than the smallest (10 bytes): other.
        assert_eq!(d.place("/late/small", 10, true), Place::Other);
        // More: it replaces the smallest, then the next smallest, …
        assert_eq!(
            d.place("/usr/lib/firefox/firefox", 1 << 20, true),
            Place::Replaces("/flood/0".into())
        );
        assert_eq!(
            d.place("/usr/bin/curl", 12, true),
            Place::Replaces("/flood/1".into())
        );
        assert_eq!(d.place("/usr/lib/firefox/firefox", 1, true), Place::Own);
        // No moves left in this write: other, however big.
        assert_eq!(d.place("/usr/bin/rsync", 1 << 30, false), Place::Other);
        assert_eq!(d.len(), MAX_APPS_PER_DAY);
        // A kept app that grows is no longer the smallest.
        let mut d = full_day();
        d.place("/flood/0", 1000, true);
        assert_eq!(
            d.place("/new", 12, true),
            Place::Replaces("/flood/1".into())
        );
    }
}
