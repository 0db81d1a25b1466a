//! One collector, many consumers: every consumer that subscribed before the start gets
//! every refresh, in order, none skipped — even when the source (a replay at full speed)
//! could outrun them; viewers that join later get what comes after; what each refresh
//! moved adds up to the snapshots' cumulative figures; `stop` ends a replay early.

use hogwatch::collect::accountant::AccountantConfig;
use hogwatch::collect::collector::{Collector, Options};
use hogwatch::collect::sample::Elevate;
use hogwatch::collect::source::SourceSpec;
use hogwatch::model::Refresh;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn replay_options(fixture: &str, speed: f64) -> Options {
    Options {
        source: SourceSpec::Replay(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/nethogs")
                .join(fixture),
        ),
        devices: Some(vec!["eth0".into()]),
        include_loopback: false,
        interval_s: 1,
        battery_interval_s: 2,
        elevate: Elevate::None,
        record: None,
        replay_speed: speed,
        accountant: AccountantConfig::default(),
    }
}

async fn drain(mut rx: tokio::sync::mpsc::Receiver<Arc<Refresh>>) -> Vec<Arc<Refresh>> {
    let mut out = Vec::new();
    while let Some(r) = rx.recv().await {
        out.push(r);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_consumer_gets_every_refresh_even_from_a_full_speed_replay() {
    // Speed 0: the replay runs as fast as the consumers take it; one of them is slow.
    let mut c = Collector::new(replay_options("trace_multidev_both.txt", 0.0)).expect("opens");
    let fast: Vec<_> = (0..4).map(|_| tokio::spawn(drain(c.subscribe()))).collect();
    let mut slow_rx = c.subscribe();
    let slow = tokio::spawn(async move {
        let mut out = Vec::new();
        while let Some(r) = slow_rx.recv().await {
            tokio::task::yield_now().await;
            out.push(r);
        }
        out
    });
    let latest = c.latest();
    let running = c.start();
    let mut seen = Vec::new();
    for h in fast {
        seen.push(h.await.expect("consumer task"));
    }
    seen.push(slow.await.expect("slow consumer"));
    let first = &seen[0];
    assert!(first.len() >= 5, "{} refreshes", first.len());
    for other in &seen[1..] {
        assert_eq!(other.len(), first.len(), "none skipped");
        for (a, b) in first.iter().zip(other) {
            assert!(Arc::ptr_eq(a, b), "the very same refresh, in order");
        }
    }
    // The latest-value channel ends on the last published refresh.
    let last = first.last().expect("some");
    assert!(Arc::ptr_eq(&latest.borrow().clone(), last));
    // Three python3 processes with their final totals from the trace, and what moved
    // adds up to them, refresh after refresh.
    let mut pids: Vec<u32> = last.snapshot.processes.iter().map(|p| p.pid).collect();
    pids.sort();
    assert_eq!(pids, vec![30514, 30515, 30516]);
    let mut moved: HashMap<u64, (u64, u64)> = HashMap::new();
    let mut dev_moved = (0u64, 0u64);
    for r in first {
        for m in &r.moved.processes {
            let e = moved.entry(m.id).or_default();
            *e = (e.0 + m.up, e.1 + m.down);
        }
        for d in &r.moved.devices {
            dev_moved = (dev_moved.0 + d.up, dev_moved.1 + d.down);
        }
    }
    for p in &last.snapshot.processes {
        assert_eq!(
            moved.get(&p.id).copied().unwrap_or_default(),
            (p.usage.up_bytes, p.usage.down_bytes),
            "pid {}",
            p.pid
        );
    }
    assert_eq!(
        dev_moved,
        (last.snapshot.total.up_bytes, last.snapshot.total.down_bytes)
    );
    running.stop().await.expect("ran without failing");
}

#[tokio::test]
async fn a_late_viewer_gets_what_comes_after() {
    let c = Collector::new(replay_options("trace_v5_gbps.txt", 4.0)).expect("opens");
    let running = c.start();
    let mut viewer = running.watch();
    let first = tokio::time::timeout(Duration::from_secs(5), viewer.recv()).await;
    assert!(
        matches!(first, Ok(Ok(_))),
        "a refresh within the first seconds"
    );
    running.stop().await.expect("ran without failing");
}

#[tokio::test]
async fn stop_ends_a_replay_early() {
    // ~30 s of recorded time: stop must not wait for it.
    let mut c = Collector::new(replay_options("trace_v5_gbps.txt", 1.0)).expect("opens");
    let mut rx = c.subscribe();
    let running = c.start();
    let first = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
    assert!(
        matches!(first, Ok(Some(_))),
        "a refresh within the first recorded second"
    );
    // The consumer stops reading; the collector must not wait for it to stop.
    tokio::time::timeout(Duration::from_secs(5), running.stop())
        .await
        .expect("stop returns promptly")
        .expect("the collector ran without failing");
}

#[tokio::test]
async fn a_missing_replay_file_fails_at_once() {
    let e = Collector::new(replay_options("no-such-fixture.txt", 1.0))
        .err()
        .expect("an error");
    assert!(
        format!("{e:#}").contains("cannot open replay file"),
        "{e:#}"
    );
}
