//! Retention and the size cap: each tier's old data dropped by age, then, while the file
//! is over its cap, the oldest data of the finest tier that can spare it — never a tier's
//! newest data, never what a coarser tier has not summed yet (`rollup`).

use super::db::{sqlite_err, Store, StoreError};
use super::fold;
use super::rollup::TierState;
use super::tiers::Tier;
use rusqlite::{params, Connection};

/// What the size cap leaves of each tier however far over the cap the file is: its newest
/// data, this many seconds back from now. The day tier keeps the current billing month
/// (quotas read it after a restart); each finer tier keeps less than the next coarser
/// one, and the cap cuts a tier only when every finer one is down to what it keeps, so
/// days are cut only where no finer tier holds data (which `fold::forget_unused_apps`
/// relies on). With app keys bounded per day, what is kept is bounded too.
pub const CAP_KEEPS: [(Tier, i64); 5] = [
    (Tier::Fine, 3600),
    (Tier::Minute, 86_400),
    (Tier::Hour, 7 * 86_400),
    (Tier::Day, 35 * 86_400),
    (Tier::Month, 10 * 366 * 86_400),
];

impl Store {
    /// Bytes of live data (pages in use), the measure the size cap applies to.
    pub fn live_bytes(&self) -> u64 {
        let q = |p: &str| -> i64 {
            self.conn
                .query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                .unwrap_or(0)
        };
        let used = q("page_count") - q("freelist_count");
        (used.max(0) as u64) * (q("page_size").max(0) as u64)
    }

    /// The oldest bucket a tier holds, if any.
    pub fn oldest(&self, t: Tier) -> Option<i64> {
        self.conn
            .query_row(&format!("SELECT min(ts) FROM dev_{}", t.name()), [], |r| {
                r.get(0)
            })
            .ok()
            .flatten()
    }

    /// Drops data past each tier's retention, then, while the live data is over the cap,
    /// the oldest data of the finest tier that has any older than what it keeps under the
    /// cap (`CAP_KEEPS`) — never the newest data, and never everything; forgets apps no
    /// bucket refers to; returns pages to the file system.
    pub fn enforce_limits(&mut self, now: i64) -> Result<(), StoreError> {
        let path = self.path.clone();
        let r = self.cfg.retention;
        let before = self.marks().map_err(sqlite_err(&path))?;
        let mut marks = before;
        // Cuts tier `t` before `before` — but never what a coarser tier has not summed
        // yet (`rollup`) — and remembers where, for queries.
        let cut = |conn: &Connection,
                   marks: &mut TierState,
                   t: Tier,
                   before: i64|
         -> rusqlite::Result<()> {
            let before = marks.may_cut_before(t, before);
            conn.execute(
                &format!("DELETE FROM app_{} WHERE ts < ?1", t.name()),
                params![before],
            )?;
            conn.execute(
                &format!("DELETE FROM dev_{} WHERE ts < ?1", t.name()),
                params![before],
            )?;
            marks.cut(t, before);
            Ok(())
        };
        let mut capped = false;
        let res = (|| -> rusqlite::Result<()> {
            cut(&self.conn, &mut marks, Tier::Fine, now - r.fine)?;
            cut(&self.conn, &mut marks, Tier::Minute, now - r.minute)?;
            cut(&self.conn, &mut marks, Tier::Hour, now - r.hour)?;
            fold::forget_unused_apps(&self.conn, &marks)?;
            let mut guard = 0;
            while self.live_bytes() > self.cfg.max_bytes && guard < 100_000 {
                guard += 1;
                let next = CAP_KEEPS.iter().find_map(|&(t, keep)| {
                    let floor = now.saturating_sub(keep);
                    self.oldest(t).filter(|&o| o < floor).map(|o| (t, o, floor))
                });
                let Some((t, oldest, floor)) = next else {
                    if !self.over_cap_said {
                        self.over_cap_said = true;
                        tracing::warn!(
                            "history {} holds {} bytes, over its cap of {}, with only its newest \
                             data left (the last hour by 10 s, day by minute, week by hour, 35 \
                             days by day); raise the cap (--history-max-mb)",
                            path.display(),
                            self.live_bytes(),
                            self.cfg.max_bytes
                        );
                    }
                    break;
                };
                // A slice of the oldest data: an hour of fine or minute data, a day of
                // hours, a month of days.
                let slice = match t {
                    Tier::Fine | Tier::Minute => 3600,
                    Tier::Hour => 86_400,
                    Tier::Day => 30 * 86_400,
                    Tier::Month => 366 * 86_400,
                };
                capped = true;
                cut(&self.conn, &mut marks, t, (oldest + slice).min(floor))?;
                if t >= Tier::Day {
                    fold::forget_unused_apps(&self.conn, &marks)?;
                }
            }
            marks.save(&self.conn, &before)?;
            // Pages that retention freed are reused by the next writes; giving them back to
            // the file system moves pages from the end of the file into the holes — worth
            // its writes only when the cap had to cut, or a quarter of the file is free.
            let q = |p: &str| -> i64 {
                self.conn
                    .query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                    .unwrap_or(0)
            };
            if capped || q("freelist_count") * 4 > q("page_count") {
                // Each step of this pragma frees one page: step it to the end.
                let mut vacuum = self.conn.prepare("PRAGMA incremental_vacuum")?;
                let mut rows = vacuum.query([])?;
                while rows.next()?.is_some() {}
                drop(rows);
                drop(vacuum);
                // And the WAL into the file, emptied: the file shrinks on disk now.
                self.conn
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            }
            Ok(())
        })();
        // Forgotten apps' ids may be handed out again: what is cached about apps is read
        // again; so are the marks.
        self.app_ids.clear();
        self.days.clear();
        self.marks = None;
        res.map_err(sqlite_err(&path))
    }
}
