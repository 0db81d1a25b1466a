//! The history schema and its migrations. `PRAGMA user_version` is the schema version;
//! each migration upgrades a file one version, in place, inside a transaction.

use rusqlite::Connection;

/// The tiers of schema versions 1 to 3 (months came with 4): migrations are frozen.
const FIRST_TIERS: [&str; 4] = ["fine", "minute", "hour", "day"];

/// The schema this build writes.
pub const VERSION: i64 = 4;

/// Migration `n` takes a file from version `n` to `n + 1`.
fn migration(from: i64) -> Option<String> {
    match from {
        0 => {
            let mut sql = String::from(
                "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE apps(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
                 CREATE TABLE devices(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                 -- Spans of time the collector ran: what is not covered is a gap, not zero.
                 CREATE TABLE sessions(id INTEGER PRIMARY KEY, start INTEGER NOT NULL,
                                       end INTEGER NOT NULL, per_process INTEGER NOT NULL);",
            );
            for t in FIRST_TIERS {
                // Bytes per bucket; ts = bucket start (Unix seconds). Device 0 in dev_*
                // is "unattributed" (signed deltas); real devices have ids from 1.
                sql.push_str(&format!(
                    "CREATE TABLE app_{t}(ts INTEGER NOT NULL, app INTEGER NOT NULL, device INTEGER NOT NULL,
                                          up INTEGER NOT NULL, down INTEGER NOT NULL,
                                          PRIMARY KEY(ts, app, device)) WITHOUT ROWID;
                     CREATE TABLE dev_{t}(ts INTEGER NOT NULL, device INTEGER NOT NULL,
                                          up INTEGER NOT NULL, down INTEGER NOT NULL,
                                          PRIMARY KEY(ts, device)) WITHOUT ROWID;"
                ));
            }
            Some(sql)
        }
        // Version 2: one app's series is read by app, not by time.
        1 => Some(
            FIRST_TIERS
                .iter()
                .map(|t| format!("CREATE INDEX app_{t}_by_app ON app_{t}(app, ts);"))
                .collect(),
        ),
        // Version 3: by-app indexes on the 10-second and minute tiers cost a page write per
        // active app per flush (measured: 2.7 GiB written per day for a 12 MiB file) and
        // those tiers' reads are short time ranges anyway. Hour and day keep theirs.
        2 => Some("DROP INDEX app_fine_by_app; DROP INDEX app_minute_by_app;".into()),
        // Version 4: coarse buckets are written when they close (`rollup`); each tier's
        // marks. A file without rows here gets them from its data on first open.
        // and a tier of local months (queries over years read months, not days).
        3 => Some(
            "CREATE TABLE tier_state(tier TEXT PRIMARY KEY, closed INTEGER NOT NULL,
                                     horizon INTEGER NOT NULL) WITHOUT ROWID;
             CREATE TABLE app_month(ts INTEGER NOT NULL, app INTEGER NOT NULL, device INTEGER NOT NULL,
                                    up INTEGER NOT NULL, down INTEGER NOT NULL,
                                    PRIMARY KEY(ts, app, device)) WITHOUT ROWID;
             CREATE TABLE dev_month(ts INTEGER NOT NULL, device INTEGER NOT NULL,
                                    up INTEGER NOT NULL, down INTEGER NOT NULL,
                                    PRIMARY KEY(ts, device)) WITHOUT ROWID;
             CREATE INDEX app_month_by_app ON app_month(app, ts);"
                .into(),
        ),
        _ => None,
    }
}

/// Upgrades `conn` to `target` (≤ VERSION). A file newer than this build is an error.
pub fn migrate_to(conn: &mut Connection, target: i64) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > VERSION {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "history schema version {current} is newer than this hogwatch understands ({VERSION})"
        )));
    }
    if current == 0 {
        // Only takes effect on an empty file (callers that switch to WAL set it first):
        // lets the size cap give pages back to the file system (incremental_vacuum).
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL;")?;
    }
    for v in current..target {
        let Some(sql) = migration(v) else { break };
        let tx = conn.transaction()?;
        tx.execute_batch(&sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {};", v + 1))?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indexes(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'app_%' ORDER BY name")
            .expect("prepare");
        let rows = stmt.query_map([], |r| r.get(0)).expect("query");
        rows.collect::<rusqlite::Result<_>>().expect("rows")
    }

    #[test]
    fn an_older_file_is_upgraded_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.sqlite3");
        {
            let mut conn = Connection::open(&path).expect("open");
            migrate_to(&mut conn, 1).expect("version 1");
            conn.execute(
                "INSERT INTO apps(id, key, name) VALUES (1, '/bin/x', 'x')",
                [],
            )
            .expect("app");
            conn.execute("INSERT INTO app_day VALUES (86400, 1, 1, 10, 20)", [])
                .expect("row");
            assert!(indexes(&conn).is_empty());
        }
        let mut conn = Connection::open(&path).expect("reopen");
        migrate_to(&mut conn, VERSION).expect("upgrade");
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, VERSION);
        assert_eq!(
            indexes(&conn),
            vec!["app_day_by_app", "app_hour_by_app", "app_month_by_app"]
        );
        let kept: i64 = conn
            .query_row("SELECT up + down FROM app_day", [], |r| r.get(0))
            .expect("data");
        assert_eq!(kept, 30, "data survives the upgrade");
        // Running the migrations again is a no-op.
        migrate_to(&mut conn, VERSION).expect("idempotent");
        // A file from a newer hogwatch is refused, not damaged.
        conn.execute_batch("PRAGMA user_version = 99")
            .expect("bump");
        assert!(migrate_to(&mut conn, VERSION).is_err());
    }
}
