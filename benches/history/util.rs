//! Helpers of the history benchmark: a deterministic RNG, formatting, file and row counts.

use hogwatch::store::batch::Batch;
use hogwatch::store::db::FILE_NAME;
use hogwatch::store::tiers::{Tier, Zone, TIERS};
use rusqlite::{Connection, OpenFlags};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// SplitMix64: deterministic, dependency-free, good enough for a workload.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// In `[lo, hi)`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Key and display name of app `i`, shaped like real ones (an executable path).
pub(crate) fn app_key(i: usize) -> (String, String) {
    let name = format!("app{i:03}");
    (format!("/usr/lib/{name}/bin/{name}"), name)
}

pub(crate) fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub(crate) fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1000.0;
    if m < 10.0 {
        format!("{m:.2} ms")
    } else {
        format!("{m:.1} ms")
    }
}

pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Median, p99 and max of a sample (sorted in place).
pub(crate) fn spread(v: &mut [Duration]) -> (Duration, Duration, Duration) {
    if v.is_empty() {
        return Default::default();
    }
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), v[v.len() - 1])
}

/// Sizes of the history file and its WAL.
pub(crate) fn file_sizes(dir: &Path) -> (u64, u64) {
    let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    (
        size(dir.join(FILE_NAME)),
        size(dir.join(format!("{FILE_NAME}-wal"))),
    )
}

pub(crate) fn read_only(dir: &Path) -> Connection {
    Connection::open_with_flags(
        dir.join(FILE_NAME),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap()
}

/// Bytes this process has passed to write(2) so far (Linux `/proc/self/io` wchar): the
/// WAL frames and checkpoint copies SQLite writes.
pub(crate) fn bytes_written() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/io").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("wchar:"))?
        .trim()
        .parse()
        .ok()
}

/// Rows in each tier's tables: (tier, app rows, device rows).
pub(crate) fn row_counts(dir: &Path) -> Vec<(&'static str, u64, u64)> {
    let conn = read_only(dir);
    let count = |table: String| -> u64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64
    };
    TIERS
        .iter()
        .map(|t| {
            (
                t.name(),
                count(format!("app_{}", t.name())),
                count(format!("dev_{}", t.name())),
            )
        })
        .collect()
}

pub(crate) fn print_rows(rows: &[(&str, u64, u64)]) {
    for (t, a, d) in rows {
        println!(
            "    rows in {t:<6}  apps {:>10}   devices {:>8}",
            thousands(*a),
            thousands(*d)
        );
    }
}

/// Upserts `Store::write` runs for a batch: distinct keys per tier after it folds the
/// batch's fine cells into every tier.
pub(crate) fn upserts(batch: &Batch, zone: &Zone) -> u64 {
    let mut apps: HashSet<(Tier, i64, &str, &str)> = HashSet::new();
    for (ts, app, dev) in batch.apps.keys() {
        for t in TIERS {
            apps.insert((t, t.floor(*ts, zone), app, dev));
        }
    }
    let mut devs: HashSet<(Tier, i64, Option<&str>)> = HashSet::new();
    for (ts, dev) in batch.devices.keys() {
        for t in TIERS {
            devs.insert((t, t.floor(*ts, zone), Some(dev)));
        }
    }
    for ts in batch.unattributed.keys() {
        for t in TIERS {
            devs.insert((t, t.floor(*ts, zone), None));
        }
    }
    (apps.len() + devs.len()) as u64
}
