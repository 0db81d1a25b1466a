//! The history file: opening it (single writer, corruption recovery), writing batches to
//! every tier, retention and the size cap. Queries live in `query.rs`.

use super::batch::Batch;
use super::fold::{self, DayApps, OTHER_ID};
use super::rollup::TierState;
use super::schema;
use super::tiers::{Tier, TierMarks, Zone, TIERS};
use crate::private_fs;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "history.sqlite3";

/// Page size of a new file. Every write rewrites whole pages (into the WAL, then the
/// file): each safety point touches the tail page of a few tables, so small pages write
/// less.
const PAGE_SIZE: i64 = 1024;

/// Pages of WAL between two checkpoints.
const WAL_PAGES: i64 = 4000;

/// How long each tier keeps data (seconds); days stay until the size cap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    pub fine: i64,
    pub minute: i64,
    pub hour: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            fine: 86_400,
            minute: 30 * 86_400,
            hour: 365 * 86_400,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub retention: Retention,
    /// Live data above this many bytes is trimmed, oldest fine data first.
    pub max_bytes: u64,
    pub zone: Zone,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            retention: Retention::default(),
            max_bytes: 200 * 1024 * 1024,
            zone: Zone::Local,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "another hogwatch (pid {pid}) is writing the history at {path}: only one writer at a time"
    )]
    Busy { pid: String, path: PathBuf },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An open history file.
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    pub(super) cfg: StoreConfig,
    pub(super) app_ids: HashMap<String, i64>,
    dev_ids: HashMap<String, i64>,
    /// The apps kept apart on the days written lately, by day start (see `fold`).
    pub(super) days: BTreeMap<i64, DayApps>,
    /// The size cap could not be met without cutting into `limits::CAP_KEEPS` (said once).
    pub(super) over_cap_said: bool,
    /// The session row this writer extends: (id, per_process, end).
    session: Option<(i64, bool, i64)>,
    /// Each tier's marks as this writer last wrote them (read on first use).
    pub(super) marks: Option<TierState>,
    _lock: Option<File>,
    /// Where a corrupt file was moved on open, if it was.
    pub recovered_from: Option<PathBuf>,
}

pub(super) fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// Damage SQLite reports for a file that is not (or no longer) a database.
fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

/// Takes the single-writer lock next to the database, or says who holds it.
fn lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(format!("{FILE_NAME}.lock"));
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let mut f = private_fs::open_private(&path).map_err(io)?;
    match f.try_lock() {
        Ok(()) => {
            f.set_len(0).map_err(io)?;
            writeln!(f, "{}", std::process::id()).map_err(io)?;
            Ok(f)
        }
        Err(fs::TryLockError::WouldBlock) => Err(StoreError::Busy {
            pid: fs::read_to_string(&path)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            path: dir.join(FILE_NAME),
        }),
        Err(fs::TryLockError::Error(e)) => Err(io(e)),
    }
}

impl Store {
    /// Opens (creating or upgrading) the history in `dir` for writing. A corrupt file is
    /// moved aside with a timestamp and a new one is started.
    ///
    /// The folder is made private (0700) and everything in it 0600 (see `private_fs`): the
    /// history shows what every user's programs did. The database is created 0600 before
    /// SQLite opens it, and SQLite gives its -wal and -shm the database's mode.
    pub fn open_writer(dir: &Path, cfg: StoreConfig) -> Result<Store, StoreError> {
        private_fs::private_dir(dir)
            .and_then(|()| private_fs::tighten_contents(dir))
            .map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        let lock = lock(dir)?;
        let path = dir.join(FILE_NAME);
        let (conn, recovered_from) = match Self::open_checked(&path) {
            Ok(c) => (c, None),
            Err(e) if is_corruption(&e) => {
                let aside = move_aside(&path)?;
                tracing::warn!(
                    "history {} was corrupt ({e}); moved to {} and started a new one",
                    path.display(),
                    aside.display()
                );
                let conn = Self::open_checked(&path).map_err(sqlite_err(&path))?;
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('recovered_from', ?1)",
                    params![aside.to_string_lossy()],
                )
                .map_err(sqlite_err(&path))?;
                (conn, Some(aside))
            }
            Err(e) => return Err(sqlite_err(&path)(e)),
        };
        // Each tier's marks (`rollup`): a new file, or one from before schema 4, gets them
        // once, from its data.
        let marked: i64 = conn
            .query_row("SELECT count(*) FROM tier_state", [], |r| r.get(0))
            .map_err(sqlite_err(&path))?;
        if marked < TIERS.len() as i64 {
            TierState::load(&conn, &cfg.zone)
                .and_then(|m| m.save_all(&conn))
                .map_err(sqlite_err(&path))?;
        }
        Ok(Store {
            conn,
            path,
            cfg,
            app_ids: HashMap::new(),
            dev_ids: HashMap::new(),
            days: BTreeMap::new(),
            over_cap_said: false,
            session: None,
            marks: None,
            _lock: Some(lock),
            recovered_from,
        })
    }

    /// Opens the database for writing, creating it 0600 first when missing.
    fn open_checked(path: &Path) -> rusqlite::Result<Connection> {
        private_fs::open_private(path).map_err(|e| {
            let code = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN);
            rusqlite::Error::SqliteFailure(code, Some(format!("{}: {e}", path.display())))
        })?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // auto_vacuum must be chosen before anything else touches a new file (switching to
        // WAL writes the header), or the size cap could never give pages back.
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        if pages == 0 {
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode: a power cut may lose the last transaction, never corrupts.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints copy every page changed since the last one into the file; the hot
        // pages (each table's last) change at every write. Rare checkpoints copy them
        // rarely: one every ~4,000 pages of WAL (about 7 hours of a busy desktop's writes).
        conn.pragma_update(None, "wal_autocheckpoint", WAL_PAGES)?;
        conn.pragma_update(None, "journal_size_limit", WAL_PAGES * 2 * PAGE_SIZE)?;
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(check),
            ));
        }
        schema::migrate_to(&mut conn, schema::VERSION)?;
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        if size != PAGE_SIZE {
            repage(&conn, path, size)?;
        }
        Ok(conn)
    }

    /// Opens the history read-only (works while a writer writes: WAL).
    pub fn open_reader(dir: &Path, zone: Zone) -> Result<Store, StoreError> {
        let path = dir.join(FILE_NAME);
        if !path.exists() {
            return Err(StoreError::Io {
                path,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no history yet"),
            });
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_err(&path))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sqlite_err(&path))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sqlite_err(&path))?;
        if version < schema::VERSION {
            return Err(sqlite_err(&path)(rusqlite::Error::InvalidParameterName(
                format!("schema version {version}: start hogwatch once to upgrade it"),
            )));
        }
        Ok(Store {
            conn,
            path,
            cfg: StoreConfig {
                zone,
                ..StoreConfig::default()
            },
            app_ids: HashMap::new(),
            dev_ids: HashMap::new(),
            days: BTreeMap::new(),
            over_cap_said: false,
            session: None,
            marks: None,
            _lock: None,
            recovered_from: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn zone(&self) -> &Zone {
        &self.cfg.zone
    }

    /// A stored note (e.g. `recovered_from`).
    pub fn meta(&self, key: &str) -> Option<String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .ok()
            .flatten()
    }

    fn id_of(
        conn: &Connection,
        cache: &mut HashMap<String, i64>,
        table: &str,
        col: &str,
        key: &str,
        name: Option<&str>,
    ) -> rusqlite::Result<i64> {
        if let Some(&id) = cache.get(key) {
            return Ok(id);
        }
        match name {
            Some(n) => conn.execute(
                &format!("INSERT OR IGNORE INTO {table}({col}, name) VALUES (?1, ?2)"),
                params![key, n],
            )?,
            None => conn.execute(
                &format!("INSERT OR IGNORE INTO {table}({col}) VALUES (?1)"),
                params![key],
            )?,
        };
        let id = conn.query_row(
            &format!("SELECT id FROM {table} WHERE {col} = ?1"),
            params![key],
            |r| r.get(0),
        )?;
        cache.insert(key.to_owned(), id);
        Ok(id)
    }

    /// Writes a batch into every tier in one transaction: all of it, or nothing.
    pub fn write(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.write_inner(batch).map_err(|e| {
            // The transaction rolled back: ids cached during it may not exist, nor the
            // apps the days kept during it.
            self.app_ids.clear();
            self.dev_ids.clear();
            self.days.clear();
            self.session = None;
            self.marks = None;
            sqlite_err(&path)(e)
        })
    }

    /// Each tier's marks (see `rollup`), as the file holds them: as this writer last
    /// wrote them, else read from the file (a reader, or a writer after a failed write).
    pub fn marks(&self) -> rusqlite::Result<TierState> {
        match self.marks {
            Some(m) => Ok(m),
            None => TierState::load(&self.conn, &self.cfg.zone),
        }
    }

    /// Writes the batch's 10-second cells; a cell whose minute, hour or day was already
    /// written (late: the clock went back, or a backlog) goes into those tiers directly.
    /// Then writes every coarse bucket that closed by the batch's latest time.
    fn write_inner(&mut self, batch: &Batch) -> rusqlite::Result<()> {
        let zone = self.cfg.zone.clone();
        let before = self.marks()?;
        let mut marks = before;
        let tx = self.conn.transaction()?;
        let folded = fold::fold_batch(&tx, &mut self.days, batch, &zone, &marks)?;
        let written = |t: Tier, ts: i64| t == Tier::Fine || ts < marks.closed(t);
        let mut apps: HashMap<(Tier, i64, i64, i64), (i64, i64)> = HashMap::new();
        for ((ts, app, dev), (up, down)) in &batch.apps {
            let a = if folded.contains(&(Tier::Day.floor(*ts, &zone), app.as_str())) {
                OTHER_ID
            } else {
                let name = batch.app_names.get(app).map(String::as_str).unwrap_or(app);
                Self::id_of(&tx, &mut self.app_ids, "apps", "key", app, Some(name))?
            };
            let d = Self::id_of(&tx, &mut self.dev_ids, "devices", "name", dev, None)?;
            for t in TIERS.into_iter().filter(|&t| written(t, *ts)) {
                let e = apps.entry((t, t.floor(*ts, &zone), a, d)).or_default();
                *e = (
                    e.0.saturating_add(clamp(*up)),
                    e.1.saturating_add(clamp(*down)),
                );
            }
        }
        let mut devs: HashMap<(Tier, i64, i64), (i64, i64)> = HashMap::new();
        for ((ts, dev), (up, down)) in &batch.devices {
            let d = Self::id_of(&tx, &mut self.dev_ids, "devices", "name", dev, None)?;
            for t in TIERS.into_iter().filter(|&t| written(t, *ts)) {
                let e = devs.entry((t, t.floor(*ts, &zone), d)).or_default();
                *e = (
                    e.0.saturating_add(clamp(*up)),
                    e.1.saturating_add(clamp(*down)),
                );
            }
        }
        for (ts, (up, down)) in &batch.unattributed {
            for t in TIERS.into_iter().filter(|&t| written(t, *ts)) {
                let e = devs.entry((t, t.floor(*ts, &zone), 0)).or_default();
                *e = (e.0.saturating_add(*up), e.1.saturating_add(*down));
            }
        }
        for t in TIERS {
            let mut app_stmt = tx.prepare_cached(&format!(
                "INSERT INTO app_{0}(ts, app, device, up, down) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(ts, app, device) DO UPDATE SET up = up + excluded.up, down = down + excluded.down",
                t.name()
            ))?;
            for ((_, ts, a, d), (up, down)) in apps.iter().filter(|(k, _)| k.0 == t) {
                app_stmt.execute(params![ts, a, d, up, down])?;
            }
            let mut dev_stmt = tx.prepare_cached(&format!(
                "INSERT INTO dev_{0}(ts, device, up, down) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(ts, device) DO UPDATE SET up = up + excluded.up, down = down + excluded.down",
                t.name()
            ))?;
            for ((_, ts, d), (up, down)) in devs.iter().filter(|(k, _)| k.0 == t) {
                dev_stmt.execute(params![ts, d, up, down])?;
            }
        }
        for &(start, end, per_process) in &batch.spans {
            match self.session {
                Some((id, pp, last_end)) if pp == per_process && start <= last_end + 30 => {
                    tx.execute(
                        "UPDATE sessions SET end = max(end, ?2) WHERE id = ?1",
                        params![id, end],
                    )?;
                    self.session = Some((id, pp, last_end.max(end)));
                }
                _ => {
                    tx.execute(
                        "INSERT INTO sessions(start, end, per_process) VALUES (?1, ?2, ?3)",
                        params![start, end, per_process],
                    )?;
                    self.session = Some((tx.last_insert_rowid(), per_process, end));
                }
            }
        }
        if let Some(now) = batch.latest() {
            marks.roll_up(&tx, now, &zone)?;
        }
        marks.save(&tx, &before)?;
        tx.commit()?;
        self.marks = Some(marks);
        Ok(())
    }
}

/// Rewrites a file made with another page size (4 KiB, before issue 14) with
/// `PAGE_SIZE` pages, once: a write then costs a quarter of the bytes. The page size of a
/// WAL file cannot change, so this runs in rollback-journal mode (a crash meanwhile rolls
/// back: the file stays as it was). If it cannot (a reader holds the file, no room for
/// the copy), the file keeps its pages — it only costs more writes — and says so.
fn repage(conn: &Connection, path: &Path, size: i64) -> rusqlite::Result<()> {
    let res = conn
        .pragma_update(None, "journal_mode", "DELETE")
        .and_then(|()| conn.pragma_update(None, "page_size", PAGE_SIZE))
        .and_then(|()| conn.execute_batch("VACUUM"));
    match res {
        Ok(()) => tracing::info!(
            "history {}: rewritten with {PAGE_SIZE}-byte pages (was {size}): fewer bytes a write",
            path.display()
        ),
        Err(e) => tracing::warn!(
            "history {}: keeps its {size}-byte pages ({e}); it works, writing more",
            path.display()
        ),
    }
    conn.pragma_update(None, "journal_mode", "WAL")
}

/// Byte counts in SQLite's signed 64-bit integers.
fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Moves a corrupt database (and its WAL files) aside as `…corrupt-YYYYMMDDTHHMMSS`.
fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = chrono::Local::now().format("%Y%m%dT%H%M%S");
    let aside = path.with_file_name(format!("{FILE_NAME}.corrupt-{stamp}"));
    fs::rename(path, &aside).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })?;
    for ext in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{ext}", path.display()));
        if side.exists() {
            let _ = fs::rename(&side, PathBuf::from(format!("{}{ext}", aside.display())));
        }
    }
    Ok(aside)
}
