//! Coarse buckets written once, when they close. Only the 10-second tier is written at
//! every crash-safety point; a minute, hour or local-day bucket is written when time has
//! passed its end, summed from the next finer tier (minutes from 10-second buckets, hours
//! from minutes, days from hours, months from days). Until then its bytes are in the finer tiers, which is
//! where queries read an open bucket from (`query.rs`), so nothing is missing and
//! nothing counted twice — and a crash loses only what was not yet in the 10-second tier.
//!
//! Why: rewriting the current hour's and day's rows at every flush rewrote the same
//! pages in four tiers (and two indexes) every few seconds; written when they close, the
//! hour and day tiers cost a few pages an hour.
//!
//! Per tier the file keeps two marks (table `tier_state`): `closed`, the start of its
//! first bucket not written yet (everything before it is in the tier), and `horizon`, the
//! time before which retention or the size cap has cut it (a query does not read the
//! tier before that).

use super::tiers::{Tier, TierMarks, Zone, TIERS};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;

/// The marks of every tier; see the module's doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierState {
    closed: [i64; 5],
    horizon: [i64; 5],
}

fn idx(t: Tier) -> usize {
    match t {
        Tier::Fine => 0,
        Tier::Minute => 1,
        Tier::Hour => 2,
        Tier::Day => 3,
        Tier::Month => 4,
    }
}

/// The tier a coarse tier is summed from.
pub fn finer(t: Tier) -> Option<Tier> {
    match t {
        Tier::Fine => None,
        Tier::Minute => Some(Tier::Fine),
        Tier::Hour => Some(Tier::Minute),
        Tier::Day => Some(Tier::Hour),
        Tier::Month => Some(Tier::Day),
    }
}

/// The tier summed from this one.
pub fn coarser(t: Tier) -> Option<Tier> {
    match t {
        Tier::Fine => Some(Tier::Minute),
        Tier::Minute => Some(Tier::Hour),
        Tier::Hour => Some(Tier::Day),
        Tier::Day => Some(Tier::Month),
        Tier::Month => None,
    }
}

impl Default for TierState {
    /// A new file: nothing closed, nothing cut.
    fn default() -> Self {
        TierState {
            closed: [i64::MAX, 0, 0, 0, 0],
            horizon: [i64::MIN; 5],
        }
    }
}

impl TierMarks for TierState {
    /// Whether the tier holds its data at `at` (not cut there).
    fn reaches(&self, t: Tier, at: i64) -> bool {
        at >= self.horizon(t)
    }

    /// Start of the tier's first bucket that is not written yet (10-second buckets are
    /// always written: `i64::MAX`).
    fn closed(&self, t: Tier) -> i64 {
        self.closed[idx(t)]
    }
}

impl TierState {
    /// Before this time the tier's data was cut (retention, size cap).
    pub fn horizon(&self, t: Tier) -> i64 {
        self.horizon[idx(t)]
    }

    /// Retention or the cap cut tier `t` before `before`.
    pub fn cut(&mut self, t: Tier, before: i64) {
        let h = &mut self.horizon[idx(t)];
        *h = (*h).max(before);
    }

    /// The latest time a cut of tier `t` may reach: what a coarser tier has not summed
    /// yet must stay.
    pub fn may_cut_before(&self, t: Tier, before: i64) -> i64 {
        match coarser(t) {
            Some(c) => before.min(self.closed(c)),
            None => before,
        }
    }

    /// Reads the marks; a file without them (written before schema 4, when every tier
    /// was written at once) gets them from its data: each coarse tier is closed after the
    /// bucket of the last data, and a tier that no longer reaches back to the first
    /// session was cut before its oldest bucket.
    pub fn load(conn: &Connection, zone: &Zone) -> rusqlite::Result<TierState> {
        let mut st = TierState::default();
        let mut stmt = conn.prepare_cached("SELECT tier, closed, horizon FROM tier_state")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut found = 0;
        for row in rows {
            let (name, closed, horizon) = row?;
            if let Some(&t) = TIERS.iter().find(|t| t.name() == name) {
                if t != Tier::Fine {
                    st.closed[idx(t)] = closed;
                }
                st.horizon[idx(t)] = horizon;
                found += 1;
            }
        }
        if found == TIERS.len() {
            return Ok(st);
        }
        let last: Option<i64> = conn.query_row(
            "SELECT max(m) FROM (SELECT max(end) AS m FROM sessions UNION ALL SELECT max(ts) FROM dev_fine)",
            [],
            |r| r.get(0),
        )?;
        let first: Option<i64> =
            conn.query_row("SELECT min(start) FROM sessions", [], |r| r.get(0))?;
        for t in TIERS {
            // Months came with schema 4: none is written; the first write sums them
            // from the days.
            if let (Some(last), true) = (last, !matches!(t, Tier::Fine | Tier::Month)) {
                st.closed[idx(t)] = t.next(t.floor(last, zone), zone);
            }
            let oldest: Option<i64> = conn
                .query_row(&format!("SELECT min(ts) FROM dev_{}", t.name()), [], |r| {
                    r.get(0)
                })
                .optional()?
                .flatten();
            st.horizon[idx(t)] = match (oldest, first, last) {
                (Some(o), Some(f), _) if o > t.floor(f, zone) => o,
                (None, Some(_), Some(l)) => l,
                _ => i64::MIN,
            };
        }
        Ok(st)
    }

    /// Writes every tier's marks (on open: a file from before schema 4, or a new one,
    /// gets them once, from its data).
    pub fn save_all(&self, conn: &Connection) -> rusqlite::Result<()> {
        let none = TierState {
            closed: [i64::MIN; 5],
            horizon: [i64::MAX; 5],
        };
        self.save(conn, &none)
    }

    /// Writes the marks that differ from `before`.
    pub fn save(&self, tx: &Connection, before: &TierState) -> rusqlite::Result<()> {
        for t in TIERS {
            let i = idx(t);
            if self.closed[i] != before.closed[i] || self.horizon[i] != before.horizon[i] {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO tier_state(tier, closed, horizon) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![t.name(), self.closed[i], self.horizon[i]])?;
            }
        }
        Ok(())
    }

    /// Writes every tier's buckets that closed by `now`: from the minute up, each from
    /// the tier below, up to where that one is complete.
    pub fn roll_up(&mut self, tx: &Connection, now: i64, zone: &Zone) -> rusqlite::Result<()> {
        for t in [Tier::Minute, Tier::Hour, Tier::Day, Tier::Month] {
            let Some(f) = finer(t) else { continue };
            let lo = self.closed(t);
            let complete = self.closed(f).min(now);
            let hi = t.floor(complete, zone);
            if hi <= lo {
                continue;
            }
            for table in [Table::App, Table::Dev] {
                sum_into(tx, table, (t, f), (lo, hi), zone)?;
            }
            self.closed[idx(t)] = hi;
        }
        Ok(())
    }
}

/// The two kinds of tier tables: bytes per app × device (`app_*`) and per device
/// (`dev_*`). Rows are read as (ts, key, key, up, down); a device row's second key is 0.
#[derive(Debug, Clone, Copy)]
enum Table {
    App,
    Dev,
}

impl Table {
    fn select(self, f: Tier) -> String {
        let (table, keys) = match self {
            Table::App => ("app", "app, device"),
            Table::Dev => ("dev", "device, 0"),
        };
        format!(
            "SELECT ts, {keys}, up, down FROM {table}_{} WHERE ts >= ?1 AND ts < ?2",
            f.name()
        )
    }

    /// Adds a row (`?1` ts, `?2` and `?3` the keys, `?4` up, `?5` down; a device row
    /// leaves `?3` unused).
    fn upsert(self, t: Tier) -> String {
        let t = t.name();
        match self {
            Table::App => format!(
                "INSERT INTO app_{t}(ts, app, device, up, down) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(ts, app, device) DO UPDATE SET up = up + excluded.up, down = down + excluded.down"
            ),
            Table::Dev => format!(
                "INSERT INTO dev_{t}(ts, device, up, down) VALUES (?1, ?2, ?4, ?5)
                 ON CONFLICT(ts, device) DO UPDATE SET up = up + excluded.up, down = down + excluded.down"
            ),
        }
    }
}

/// Adds the rows of tier `f` in `[lo, hi)` into tier `t`, by `t`'s buckets.
fn sum_into(
    tx: &Connection,
    table: Table,
    (t, f): (Tier, Tier),
    (lo, hi): (i64, i64),
    zone: &Zone,
) -> rusqlite::Result<()> {
    let mut sums: HashMap<(i64, i64, i64), (i64, i64)> = HashMap::new();
    {
        let mut stmt = tx.prepare_cached(&table.select(f))?;
        let mut rows = stmt.query(params![lo, hi])?;
        while let Some(r) = rows.next()? {
            let (ts, k1, k2, up, down): (i64, i64, i64, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let e = sums.entry((t.floor(ts, zone), k1, k2)).or_default();
            *e = (e.0.saturating_add(up), e.1.saturating_add(down));
        }
    }
    // In key order: the rows of a bucket land on neighbouring pages.
    let mut cells: Vec<_> = sums.into_iter().collect();
    cells.sort_unstable();
    let mut stmt = tx.prepare_cached(&table.upsert(t))?;
    for ((ts, k1, k2), (up, down)) in &cells {
        stmt.execute(params![ts, k1, k2, up, down])?;
    }
    Ok(())
}
