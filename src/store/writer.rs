//! The history writer: a task that takes every refresh of the collector, batches what
//! each moved, and writes it at most every few seconds on a blocking thread — never on
//! the collector's path. If the file cannot be written (read-only, disk full, another
//! writer), it keeps the data in memory (bounded), retries, and says so; it never stops
//! the app. When the collector ends it flushes everything.

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
/// Flushes between retention/size-cap passes (with 5 s flushes: every 5 minutes).
const LIMITS_EVERY: u32 = 60;

#[derive(Debug, Clone)]
pub struct WriterOptions {
    pub dir: PathBuf,
    pub store: StoreConfig,
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
    match status {
        Some(rx) => match rx.changed().await {
            Ok(()) => Some(rx.borrow_and_update().problem.clone()),
            Err(_) => {
                *status = None;
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
    };
    let mut tick = tokio::time::interval(opts.flush_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_now = 0i64;
    loop {
        tokio::select! {
            r = rx.recv() => match r {
                Some(r) => {
                    last_now = r.unix_s();
                    batcher.add(&r, &mut st.pending);
                    if st.blocked {
                        st.pending = Batch::default();
                    }
                }
                None => break,
            },
            _ = tick.tick() => flush(&mut st, &opts, &status, last_now).await,
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
