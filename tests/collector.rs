//! One collector, many consumers: every subscriber sees every snapshot, in order.

use hogwatch::collect::accountant::AccountantConfig;
use hogwatch::collect::collector::{self, Options, Source};
use hogwatch::collect::privilege::Elevate;
use hogwatch::model::Snapshot;
use std::path::PathBuf;
use std::sync::Arc;

fn replay_options(fixture: &str) -> Options {
    Options {
        source: Source::Replay(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/nethogs")
                .join(fixture),
        ),
        devices: Some(vec!["eth0".into()]),
        include_loopback: false,
        interval_s: 1,
        elevate: Elevate::None,
        record: None,
        replay_speed: 0.0,
        accountant: AccountantConfig::default(),
    }
}

async fn drain(mut rx: tokio::sync::broadcast::Receiver<Arc<Snapshot>>) -> Vec<Arc<Snapshot>> {
    let mut out = Vec::new();
    loop {
        match rx.recv().await {
            Ok(s) => out.push(s),
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return out,
            Err(e) => panic!("consumer lost snapshots: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_consumer_gets_every_snapshot() {
    let mut opts = replay_options("trace_multidev_both.txt");
    // 20× speed: ~0.6 s in all, so consumers that join a moment late still see most of it.
    opts.replay_speed = 20.0;
    let mut c = collector::start(opts).expect("starts");
    let consumers: Vec<_> = (0..5).map(|_| tokio::spawn(drain(c.subscribe()))).collect();
    let latest = c.latest.clone();
    let mut seen = Vec::new();
    for h in consumers {
        seen.push(h.await.expect("consumer task"));
    }
    let first = &seen[0];
    assert!(first.len() >= 5, "{} snapshots", first.len());
    // The first subscriber exists before the collector starts; later ones join while it
    // runs. Each gets every snapshot published after it subscribed: a suffix of the first's.
    for other in &seen[1..] {
        assert!(!other.is_empty() && other.len() <= first.len());
        let tail = &first[first.len() - other.len()..];
        for (a, b) in tail.iter().zip(other) {
            assert!(
                Arc::ptr_eq(a, b),
                "the very same snapshot, in order, none missed"
            );
        }
    }
    // The latest-value channel ends on the last published snapshot.
    let last = first.last().expect("some");
    let now = latest.borrow().clone();
    assert!(
        Arc::ptr_eq(&now, last),
        "latest {:?} vs last {:?}",
        (now.ts, now.processes.len()),
        (last.ts, last.processes.len())
    );
    // Three python3 processes, each with its final cumulative totals from the trace.
    let mut pids: Vec<u32> = last.processes.iter().map(|p| p.pid).collect();
    pids.sort();
    assert_eq!(pids, vec![30514, 30515, 30516]);
    drop(c);
}

#[tokio::test]
async fn stop_ends_a_replay_early() {
    let mut opts = replay_options("trace_v5_gbps.txt");
    opts.replay_speed = 1.0; // ~30 s of recorded time: stop must not wait for it
    let mut c = collector::start(opts).expect("starts");
    let mut rx = c.subscribe();
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await;
    assert!(
        matches!(first, Ok(Ok(_))),
        "a snapshot within the first recorded second"
    );
    tokio::time::timeout(std::time::Duration::from_secs(5), c.stop())
        .await
        .expect("stop returns promptly")
        .expect("the collector ran without failing");
}
