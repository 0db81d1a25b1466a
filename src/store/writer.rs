//! The history writer: a task that takes every refresh of the collector, keeps what each
//! moved in memory, and writes it at each crash-safety point (every minute; every five on
//! battery; at once when the system is about to sleep, and when the collector ends — quit,
//! SIGTERM, SIGINT) on a blocking thread — never on the collector's path. Only 10-second
//! buckets are written then; minute, hour and day buckets are written once, when they
//! close (`rollup`). A crash loses at most what came since the last safety point. If the
//! file cannot be written (read-only, disk full, another writer), it keeps the data in
//! memory (bounded), retries, and says so; it never stops the app.

use super::batch::{Batch, Batcher};
use super::db::{Store, StoreConfig, StoreError};
use super::fold::MAX_APPS_PER_DAY;
use crate::model::Refresh;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Cells kept in memory while the file is unavailable before they are coarsened to hours.
const MAX_PENDING_CELLS: usize = 200_000;
/// Flushes between retention/size-cap passes (with the default 90 s flushes: every 1.5 h).
const LIMITS_EVERY: u32 = 60;
/// How much longer batches grow on battery: fewer writes wake the disk less.
const BATTERY_FACTOR: u32 = 5;

#[derive(Debug, Clone)]
pub struct WriterOptions {
    pub dir: PathBuf,
    pub store: StoreConfig,
    /// The crash-safety point: how often what is in memory is written (on mains).
    pub flush_every: Duration,
    /// The machine's power (on battery: batches grow; about to sleep: flush at once).
    /// `None`: always on mains, never sleeps (replays, tests).
    pub power: Option<crate::power::PowerWatch>,
}

/// What the writer is doing, for the UI and logs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryStatus {
    /// Empty when all is well; else one line saying what is wrong and what happens.
    pub problem: String,
    /// Set once if a corrupt file was moved aside on open.
    pub recovered_from: Option<PathBuf>,
}

pub struct Writer {
    pub status: watch::Receiver<HistoryStatus>,
    task: JoinHandle<()>,
}

impl Writer {
    /// Waits for the final flush (the collector must have stopped, closing the channel).
    pub async fn finish(self) {
        let _ = self.task.await;
    }
}

/// The writer's next problem report ("" when it recovered); never resolves without a
/// writer, or once the writer is gone (for a `select!` arm).
pub async fn next_problem(status: &mut Option<watch::Receiver<HistoryStatus>>) -> Option<String> {
    next_change(status).await.map(|s| s.problem)
}

/// The next value of a watch; never resolves without one, or once its sender is gone
/// (then `None` once, and the watch is dropped).
async fn next_change<T: Clone>(watch: &mut Option<watch::Receiver<T>>) -> Option<T> {
    match watch {
        Some(rx) => match rx.changed().await {
            Ok(()) => Some(rx.borrow_and_update().clone()),
            Err(_) => {
                *watch = None;
                None
            }
        },
        None => std::future::pending().await,
    }
}

/// Starts writing what `rx` receives (every refresh: see `Collector::subscribe`) into the
/// history in `opts.dir`.
pub fn spawn(rx: mpsc::Receiver<Arc<Refresh>>, opts: WriterOptions) -> Writer {
    let (tx, status) = watch::channel(HistoryStatus::default());
    let task = tokio::spawn(run(rx, opts, tx));
    Writer { status, task }
}

struct State {
    store: Option<Store>,
    pending: Batch,
    flushes: u32,
    retry_at: Option<tokio::time::Instant>,
    backoff: Duration,
    /// Another hogwatch holds the writer lock: it records this machine, so what this one
    /// sees meanwhile is dropped, never written later (that would count it twice).
    blocked: bool,
    /// The power watch's sleep count last acted on.
    sleeps: u64,
}

/// The time between writes: `flush_every` on mains, `BATTERY_FACTOR` times that on battery.
fn write_interval(flush_every: Duration, on_battery: bool) -> Duration {
    if on_battery {
        flush_every * BATTERY_FACTOR
    } else {
        flush_every
    }
}

/// When to write next after a write: only while something waits (cells, or a file not
/// open yet), one interval on, or at the retry time if a failure set a later one.
fn next_due(st: &State, every: Duration) -> Option<tokio::time::Instant> {
    (st.pending.cells() > 0 || st.store.is_none()).then(|| {
        let now = tokio::time::Instant::now();
        st.retry_at.unwrap_or(now).max(now + every)
    })
}

/// Waits until `at`; never, without a deadline (for a `select!` arm).
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn run(
    mut rx: mpsc::Receiver<Arc<Refresh>>,
    opts: WriterOptions,
    status: watch::Sender<HistoryStatus>,
) {
    let mut batcher = Batcher::default();
    let mut st = State {
        store: None,
        pending: Batch::default(),
        flushes: 0,
        retry_at: None,
        backoff: Duration::from_secs(5),
        blocked: false,
        sleeps: opts.power.as_ref().map_or(0, |p| p.borrow().sleeps),
    };
    let mut power = opts.power.clone();
    let mut on_battery = power.as_ref().is_some_and(|p| p.borrow().on_battery);
    let every = |on_battery: bool| write_interval(opts.flush_every, on_battery);
    // One timer, armed only while something waits to be written: an idle machine's
    // writer does not wake at all. At once first: the file is opened (and its lock
    // taken, a corrupt file moved aside) when hogwatch starts, not with the first bytes.
    let mut due: Option<tokio::time::Instant> = Some(tokio::time::Instant::now());
    let mut last_now = 0i64;
    loop {
        let deadline = due;
        tokio::select! {
            r = rx.recv() => match r {
                Some(r) => {
                    last_now = r.unix_s();
                    batcher.add(&r, &mut st.pending);
                    if st.blocked {
                        st.pending = Batch::default();
                    }
                    // Coverage alone (an idle machine) waits for the next bytes, or the end.
                    if due.is_none() && st.pending.cells() > 0 {
                        due = Some(tokio::time::Instant::now() + every(on_battery));
                    }
                }
                None => break,
            },
            _ = sleep_until(deadline) => {
                flush(&mut st, &opts, &status, last_now).await;
                due = next_due(&st, every(on_battery));
            }
            Some(p) = next_change(&mut power) => {
                if p.sleeps != st.sleeps {
                    // About to sleep: write now (the machine may not wake, or wake
                    // somewhere the disk is gone).
                    st.sleeps = p.sleeps;
                    st.retry_at = None;
                    flush(&mut st, &opts, &status, last_now).await;
                    due = next_due(&st, every(on_battery));
                }
                if p.on_battery != on_battery {
                    on_battery = p.on_battery;
                    if let Some(d) = due.as_mut() {
                        *d = tokio::time::Instant::now() + every(on_battery);
                    }
                }
            }
        }
    }
    // The collector stopped (quit, SIGTERM, SIGINT): write everything that is left.
    if st.blocked {
        return;
    }
    st.retry_at = None;
    flush(&mut st, &opts, &status, last_now).await;
    if !st.pending.is_empty() {
        tracing::warn!(
            "history: {} cells could not be written and are lost",
            st.pending.cells()
        );
    }
}

async fn flush(
    st: &mut State,
    opts: &WriterOptions,
    status: &watch::Sender<HistoryStatus>,
    now: i64,
) {
    if st.pending.is_empty() && st.store.is_some() {
        return;
    }
    if st.retry_at.is_some_and(|t| tokio::time::Instant::now() < t) {
        bound_memory(&mut st.pending);
        return;
    }
    let store = st.store.take();
    let batch = std::mem::take(&mut st.pending);
    let dir = opts.dir.clone();
    let cfg = opts.store.clone();
    let limits = st.flushes.is_multiple_of(LIMITS_EVERY);
    let result = tokio::task::spawn_blocking(move || {
        let mut store = match store {
            Some(s) => s,
            None => match Store::open_writer(&dir, cfg) {
                Ok(s) => s,
                Err(e) => return (None, batch, Err(e)),
            },
        };
        let res = store.write(&batch).and_then(|()| {
            if limits {
                store.enforce_limits(now)
            } else {
                Ok(())
            }
        });
        match res {
            Ok(()) => (Some(store), Batch::default(), Ok(())),
            Err(e) => (Some(store), batch, Err(e)),
        }
    })
    .await;
    let (store, unwritten, res) = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("history writer thread failed: {e}");
            return;
        }
    };
    st.store = store;
    st.pending.merge(unwritten);
    match res {
        Ok(()) => {
            st.blocked = false;
            st.flushes = st.flushes.wrapping_add(1);
            st.backoff = Duration::from_secs(5);
            let recovered = st.store.as_ref().and_then(|s| s.recovered_from.clone());
            status.send_if_modified(|s| {
                let changed = !s.problem.is_empty() || s.recovered_from != recovered;
                if !s.problem.is_empty() {
                    tracing::info!("history: writing again");
                }
                s.problem.clear();
                s.recovered_from = recovered;
                changed
            });
        }
        Err(e) => {
            let problem = match &e {
                StoreError::Busy { .. } => format!("{e}; this one keeps no history"),
                _ => format!(
                    "{e}; keeping data in memory and retrying in {} s",
                    st.backoff.as_secs()
                ),
            };
            if matches!(e, StoreError::Busy { .. }) {
                // Another writer records the same machine: retry rarely, keep nothing.
                st.pending = Batch::default();
                st.blocked = true;
                st.backoff = Duration::from_secs(60);
            }
            status.send_if_modified(|s| {
                let changed = s.problem != problem;
                if changed {
                    tracing::warn!("history: {problem}");
                }
                s.problem = problem;
                changed
            });
            st.retry_at = Some(tokio::time::Instant::now() + st.backoff);
            st.backoff = (st.backoff * 2).min(Duration::from_secs(60));
            bound_memory(&mut st.pending);
        }
    }
}

fn bound_memory(pending: &mut Batch) {
    if pending.cells() > MAX_PENDING_CELLS {
        pending.coarsen();
    }
    // Still too many: many apps rather than much time. Only the biggest keep their keys.
    if pending.cells() > MAX_PENDING_CELLS {
        pending.fold_apps(MAX_APPS_PER_DAY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::power::PowerState;

    /// With a safety point an hour away, what was counted is written when the system
    /// says it is about to sleep — not an hour later.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn about_to_sleep_writes_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (power_tx, power) = watch::channel(PowerState::default());
        let (tx, rx) = mpsc::channel(8);
        let opts = WriterOptions {
            dir: dir.path().to_owned(),
            store: StoreConfig {
                zone: crate::store::tiers::Zone::utc(),
                ..StoreConfig::default()
            },
            flush_every: Duration::from_secs(3600),
            power: Some(power),
        };
        let writer = spawn(rx, opts);
        let r =
            super::super::batch::tests::refresh(1_795_000_000, &[("/usr/bin/a", 1234)], 1234, 0);
        tx.send(Arc::new(r)).await.expect("send");
        let read = || {
            Store::open_reader(dir.path(), crate::store::tiers::Zone::utc())
                .ok()
                .and_then(|s| s.top_apps(0, 1_800_000_000, 10).ok())
                .unwrap_or_default()
        };
        power_tx.send_modify(|p| p.sleeps += 1);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let mut apps = read();
        while apps.is_empty() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            apps = read();
        }
        assert_eq!(apps.first().map(|a| a.up_bytes), Some(1234), "{apps:?}");
        drop(tx);
        writer.finish().await;
    }

    #[test]
    fn batches_grow_on_battery() {
        let every = Duration::from_secs(60);
        assert_eq!(write_interval(every, false), every);
        assert_eq!(write_interval(every, true), every * BATTERY_FACTOR);
    }

    /// While the file cannot be written, a flood of 250,000 uniquely named apps in one
    /// quarter hour (which coarsening cannot shrink): the batch keeps at most
    /// `MAX_APPS_PER_DAY` apps apart, plus "other apps", and every byte.
    #[test]
    fn memory_stays_bounded_under_a_flood_of_apps() {
        let mut b = Batch::default();
        let mut all = (0u64, 0u64);
        for i in 0..250_000u64 {
            let key = format!("/tmp/flood/{i}");
            b.apps.insert(
                (900 + 10 * (i % 90) as i64, key.clone(), "eth0".into()),
                (i % 7, 100 + i % 5),
            );
            b.app_names.insert(key, format!("{i}"));
            all = (all.0 + i % 7, all.1 + 100 + i % 5);
        }
        bound_memory(&mut b);
        let apps: std::collections::HashSet<&str> =
            b.apps.keys().map(|(_, a, _)| a.as_str()).collect();
        assert!(
            apps.len() <= MAX_APPS_PER_DAY + 1 && b.app_names.len() <= MAX_APPS_PER_DAY,
            "{} apps ({} names) held in memory",
            apps.len(),
            b.app_names.len()
        );
        let sum = b.apps.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
        assert_eq!(sum, all);
    }
}
