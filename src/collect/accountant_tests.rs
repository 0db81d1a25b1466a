//! Accountant tests: injected time, a fake /proc, hand-written samples.

use super::*;
use crate::collect::lookup::ProcDetails;
use crate::collect::sample::UnattributedCount;
use proptest::prelude::*;

#[derive(Default)]
struct FakeProcs {
    procs: HashMap<u32, ProcDetails>,
}

impl FakeProcs {
    fn with(mut self, pid: u32, start_time: u64, exe: &str) -> Self {
        self.procs.insert(
            pid,
            ProcDetails {
                start_time,
                exe: exe.into(),
                argv: vec![exe.into()],
            },
        );
        self
    }
}

impl ProcLookup for FakeProcs {
    fn start_time(&mut self, pid: u32) -> Option<u64> {
        self.procs.get(&pid).map(|d| d.start_time)
    }
    fn details(&mut self, pid: u32) -> Option<ProcDetails> {
        self.procs.get(&pid).cloned()
    }
    fn user_name(&mut self, uid: u32) -> Option<String> {
        (uid == 1000).then(|| "alice".to_owned())
    }
}

fn rec(name: &str, pid: u32, sent: u64, received: u64) -> ProcessCount {
    ProcessCount {
        name: name.into(),
        pid,
        uid: 1000,
        sent,
        received,
    }
}

/// One sample of eth0 (`on` names another device).
fn block(at: u64, processes: Vec<ProcessCount>) -> DeviceSample {
    on("eth0", at, processes)
}

fn on(device: &str, at: u64, processes: Vec<ProcessCount>) -> DeviceSample {
    DeviceSample {
        device: device.into(),
        at: Mono(at),
        processes,
        unattributed: Vec::new(),
    }
}

fn acct() -> Accountant {
    let mut a = Accountant::new(AccountantConfig {
        rate_window_ms: 2_500,
        idle_evict_ms: 10_000,
    });
    a.set_devices(&["eth0".into(), "wlan0".into()]);
    a
}

fn proc_of(s: &Snapshot, pid: u32) -> Option<&ProcessUsage> {
    s.processes.iter().find(|p| p.pid == pid)
}

#[test]
fn deltas_and_rates_from_cumulative_totals() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/usr/bin/curl");
    a.epoch("eth0", Mono(0));
    a.apply(&block(1000, vec![rec("curl", 7, 1000, 5000)]), &mut p);
    a.apply(&block(2000, vec![rec("curl", 7, 3000, 15000)]), &mut p);
    let s = a.refresh(Mono(2000), 0).snapshot;
    let c = proc_of(&s, 7).expect("curl listed");
    assert_eq!((c.usage.up_bytes, c.usage.down_bytes), (3000, 15000));
    assert_eq!(c.user, "alice");
    assert_eq!(c.exe, "/usr/bin/curl");
    assert_eq!(c.app_name, "curl");
    // Rate over the measured 2 s since the generation started.
    assert!(
        (c.usage.up_rate - 1500.0).abs() < 1e-6,
        "{}",
        c.usage.up_rate
    );
    assert!((c.usage.down_rate - 7500.0).abs() < 1e-6);
}

#[test]
fn restart_carries_totals_without_double_counting() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/usr/bin/curl");
    a.epoch("eth0", Mono(0));
    a.apply(&block(1000, vec![rec("curl", 7, 1000, 0)]), &mut p);
    a.apply(&block(2000, vec![rec("curl", 7, 4000, 0)]), &mut p);
    // nethogs restarted: its totals begin again at zero.
    a.epoch("eth0", Mono(2500));
    a.apply(&block(3000, vec![rec("curl", 7, 500, 0)]), &mut p);
    a.apply(&block(4000, vec![rec("curl", 7, 500, 0)]), &mut p);
    let s = a.refresh(Mono(4000), 0).snapshot;
    assert_eq!(proc_of(&s, 7).map(|p| p.usage.up_bytes), Some(4500));
}

#[test]
fn counter_going_down_is_a_reset_not_a_negative_delta() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.apply(&block(1000, vec![rec("x", 7, 1000, 900)]), &mut p);
    a.apply(&block(2000, vec![rec("x", 7, 200, 950)]), &mut p);
    let s = a.refresh(Mono(2000), 0).snapshot;
    let x = proc_of(&s, 7).expect("listed");
    assert_eq!((x.usage.up_bytes, x.usage.down_bytes), (1200, 950));
}

#[test]
fn pid_reuse_is_a_new_process() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/usr/bin/old");
    a.apply(&block(1000, vec![rec("old", 7, 1000, 0)]), &mut p);
    // Same pid, new start time: another program got the pid.
    p = p.with(7, 555, "/usr/bin/new");
    a.apply(&block(2000, vec![rec("old", 7, 1600, 0)]), &mut p);
    // Same pid, another nethogs name: also a new process.
    a.apply(&block(3000, vec![rec("third", 7, 1700, 0)]), &mut p);
    let s = a.refresh(Mono(3000), 0).snapshot;
    let mut mine: Vec<(String, u64)> = s
        .processes
        .iter()
        .filter(|p| p.pid == 7)
        .map(|p| (p.exe.clone(), p.usage.up_bytes))
        .collect();
    mine.sort();
    assert_eq!(
        mine,
        vec![
            ("/usr/bin/new".to_owned(), 100),
            ("/usr/bin/new".to_owned(), 600),
            ("/usr/bin/old".to_owned(), 1000),
        ]
    );
}

#[test]
fn one_process_on_two_devices() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.apply(&block(1000, vec![rec("x", 7, 100, 0)]), &mut p);
    a.apply(&on("wlan0", 1100, vec![rec("x", 7, 0, 300)]), &mut p);
    let s = a.refresh(Mono(1100), 0).snapshot;
    let x = proc_of(&s, 7).expect("listed");
    assert_eq!(s.processes.len(), 1);
    let devs: Vec<(&str, u64, u64)> = x
        .devices
        .iter()
        .map(|d| (d.name.as_str(), d.usage.up_bytes, d.usage.down_bytes))
        .collect();
    assert_eq!(devs, vec![("eth0", 100, 0), ("wlan0", 0, 300)]);
    assert_eq!((x.usage.up_bytes, x.usage.down_bytes), (100, 300));
}

#[test]
fn idle_processes_are_evicted_and_do_not_return_unchanged() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.apply(&block(1000, vec![rec("x", 7, 100, 0)]), &mut p);
    for t in 2..=12 {
        a.apply(&block(t * 1000, vec![rec("x", 7, 100, 0)]), &mut p);
    }
    assert!(
        proc_of(&a.refresh(Mono(11_000), 0).snapshot, 7).is_some(),
        "idle 10 s: kept"
    );
    assert!(
        proc_of(&a.refresh(Mono(11_001), 0).snapshot, 7).is_none(),
        "evicted"
    );
    // nethogs keeps printing the unchanged total: it must not come back.
    a.apply(&block(13_000, vec![rec("x", 7, 100, 0)]), &mut p);
    assert!(proc_of(&a.refresh(Mono(13_000), 0).snapshot, 7).is_none());
    assert_eq!(a.live_processes(), 0);
    // New traffic brings it back with only the new bytes.
    a.apply(&block(14_000, vec![rec("x", 7, 150, 0)]), &mut p);
    let s = a.refresh(Mono(14_000), 0).snapshot;
    assert_eq!(proc_of(&s, 7).map(|p| p.usage.up_bytes), Some(50));
}

#[test]
fn idle_rate_decays_to_zero() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.epoch("eth0", Mono(0));
    a.apply(&block(1000, vec![rec("x", 7, 10_000, 0)]), &mut p);
    assert!(proc_of(&a.refresh(Mono(1000), 0).snapshot, 7).is_some_and(|p| p.usage.up_rate > 0.0));
    for t in 2..=5 {
        a.apply(&block(t * 1000, vec![rec("x", 7, 10_000, 0)]), &mut p);
    }
    let s = a.refresh(Mono(5000), 0).snapshot;
    assert_eq!(proc_of(&s, 7).map(|p| p.usage.up_rate), Some(0.0));
}

#[test]
fn unattributed_is_device_minus_attributed_never_negative() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.observe_counters("eth0", 10_000, 20_000, Mono(0));
    a.observe_counters("eth0", 10_000 + 5_000, 20_000 + 3_000, Mono(1000));
    a.apply(&block(1000, vec![rec("x", 7, 1_000, 4_000)]), &mut p);
    let s = a.refresh(Mono(1000), 0).snapshot;
    let eth0 = s.devices.iter().find(|d| d.name == "eth0").expect("eth0");
    assert_eq!((eth0.usage.up_bytes, eth0.usage.down_bytes), (3_000, 5_000));
    // Up: 3000 on the device, 1000 attributed → 2000 unattributed. Down: nethogs saw
    // more than the counter moved (headers) → 0, never negative.
    assert_eq!(
        (s.unattributed.up_bytes, s.unattributed.down_bytes),
        (2_000, 1_000)
    );
    // 8000 more claimed while the device moved nothing: capped, never negative.
    a.apply(&block(2000, vec![rec("x", 7, 9_000, 4_000)]), &mut p);
    let s = a.refresh(Mono(2000), 0).snapshot;
    assert_eq!(s.unattributed.up_bytes, 2_000);
    assert_eq!(proc_of(&s, 7).map(|p| p.usage.up_bytes), Some(1_000));
    assert_eq!(a.capped, (8_000, 0));
    assert!(s.unattributed.up_rate >= 0.0);
    assert_eq!(
        s.total.up_bytes, 3_000,
        "total comes from the device counter"
    );
}

#[test]
fn without_counters_devices_add_up_from_nethogs() {
    let mut a = acct();
    let mut p = FakeProcs::default();
    let mut b = block(1000, vec![rec("x", 7, 100, 0)]);
    b.unattributed.push(UnattributedCount {
        label: "unknown TCP".into(),
        sent: 50,
        received: 25,
    });
    a.apply(&b, &mut p);
    let s = a.refresh(Mono(1000), 0).snapshot;
    assert_eq!((s.total.up_bytes, s.total.down_bytes), (150, 25));
    assert_eq!(
        (s.unattributed.up_bytes, s.unattributed.down_bytes),
        (50, 25)
    );
    // Processes without /proc details still get a name, an app and a user.
    let x = proc_of(&s, 7).expect("listed");
    assert_eq!((x.app.as_str(), x.user.as_str()), ("x", "alice"));
}

#[test]
fn memory_stays_flat_under_process_churn() {
    // 2,000 refreshes; every refresh 20 new short-lived processes talk once and exit.
    // nethogs keeps their lines until its hourly restart (every 600 refreshes here).
    let mut a = acct();
    let mut p = FakeProcs::default();
    let mut lines: Vec<ProcessCount> = Vec::new();
    let (mut max_live, mut max_tracked) = (0, 0);
    for i in 0..2_000u32 {
        let t = u64::from(i) * 1000;
        if i % 600 == 0 {
            a.epoch("eth0", Mono(t));
            lines.clear();
        }
        for k in 0..20 {
            let pid = 10_000 + i * 20 + k;
            lines.push(rec(&format!("/usr/bin/job{k}"), pid, 1000, 500));
        }
        a.apply(&block(t, lines.clone()), &mut p);
        a.refresh(Mono(t), 0);
        max_live = max_live.max(a.live_processes());
        max_tracked = max_tracked.max(a.tracked_lines());
    }
    // Idle eviction after 10 s: at most 11 refreshes' worth of processes are live.
    assert!(max_live <= 11 * 20, "live table grew to {max_live}");
    assert!(
        max_tracked <= 600 * 20,
        "tracked lines grew to {max_tracked}"
    );
    assert!(a.live_processes() <= 11 * 20);
}

proptest! {
    /// Whatever the interleaving of growth, restarts and resets, a process's total is
    /// the sum of what each nethogs generation reported last — counted once.
    #[test]
    fn totals_are_sums_of_generations(steps in proptest::collection::vec((0u8..4, 0u32..5000), 1..60)) {
        // Eviction off: this property is about counting, not the live table.
        let mut a = Accountant::new(AccountantConfig { rate_window_ms: 2_500, idle_evict_ms: u64::MAX / 2 });
        let mut p = FakeProcs::default().with(7, 1, "/x");
        let mut cum = 0u64;      // nethogs' current cumulative value
        let mut expected = 0u64; // bytes that really moved
        let mut t = 0u64;
        for (op, n) in steps {
            t += 1000;
            match op {
                0 => { a.epoch("eth0", Mono(t)); cum = 0; }
                _ => { cum += u64::from(n); expected += u64::from(n); }
            }
            a.apply(&block(t, vec![rec("x", 7, cum, 0)]), &mut p);
            let s = a.refresh(Mono(t), 0).snapshot;
            let got = proc_of(&s, 7).map_or(0, |p| p.usage.up_bytes);
            prop_assert_eq!(got, expected);
            prop_assert!(s.processes.iter().all(|p| p.usage.up_rate >= 0.0 && p.usage.up_rate.is_finite()));
        }
    }
}

#[test]
fn what_moved_is_reported_once_per_refresh() {
    let mut a = acct();
    let mut p = FakeProcs::default()
        .with(7, 100, "/usr/bin/curl")
        .with(8, 100, "/usr/bin/curl")
        .with(9, 100, "/usr/bin/ssh");
    a.observe_counters("eth0", 0, 0, Mono(0));
    a.epoch("eth0", Mono(0));
    a.observe_counters("eth0", 5_000, 2_000, Mono(1000));
    a.apply(
        &block(
            1000,
            vec![rec("curl", 7, 1_000, 3_000), rec("curl", 8, 500, 0)],
        ),
        &mut p,
    );
    a.apply(&on("wlan0", 1000, vec![rec("ssh", 9, 10, 20)]), &mut p);
    let r = a.refresh(Mono(1000), 0);
    let m = &r.moved;
    let curl = m
        .apps
        .iter()
        .find(|a| a.app == "/usr/bin/curl")
        .expect("curl");
    assert_eq!(
        (curl.up, curl.down),
        (1_500, 3_000),
        "both processes of the app"
    );
    assert_eq!(curl.devices.len(), 1);
    let ssh = m
        .apps
        .iter()
        .find(|a| a.app == "/usr/bin/ssh")
        .expect("ssh");
    assert_eq!(
        (ssh.devices[0].name.as_str(), ssh.up, ssh.down),
        ("wlan0", 10, 20)
    );
    assert_eq!(m.processes.len(), 3);
    assert_eq!(
        m.devices,
        vec![
            crate::model::DeviceMoved {
                name: "eth0".into(),
                up: 2_000,
                down: 5_000
            },
            crate::model::DeviceMoved {
                name: "wlan0".into(),
                up: 10,
                down: 20
            }
        ]
    );
    // Up: 2000 on eth0, 1500 attributed → 500 unattributed; down: 5000 − 3000 = 2000.
    assert_eq!((m.unattributed_up, m.unattributed_down), (500, 2_000));

    // Nothing new: nothing moved. Then curl's process 7 sends 100 more, which eth0 counts.
    let r = a.refresh(Mono(1500), 0);
    assert!(r.moved.is_empty(), "{:?}", r.moved);
    a.observe_counters("eth0", 5_000, 2_100, Mono(2000));
    a.apply(
        &block(
            2000,
            vec![rec("curl", 7, 1_100, 3_000), rec("curl", 8, 500, 0)],
        ),
        &mut p,
    );
    let r = a.refresh(Mono(2000), 0);
    assert_eq!(r.moved.processes.len(), 1);
    assert_eq!(
        (r.moved.processes[0].pid, r.moved.processes[0].up),
        (7, 100)
    );
    assert_eq!((r.moved.unattributed_up, r.moved.unattributed_down), (0, 0));
}

#[test]
fn a_late_attribution_shrinks_unattributed() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.observe_counters("eth0", 0, 0, Mono(0));
    a.epoch("eth0", Mono(0));
    a.observe_counters("eth0", 0, 1_000, Mono(1000));
    a.apply(&block(1000, vec![]), &mut p);
    assert_eq!(a.refresh(Mono(1000), 0).moved.unattributed_up, 1_000);
    // The backend attributes those bytes a refresh later.
    a.apply(&block(2000, vec![rec("x", 7, 1_000, 0)]), &mut p);
    let r = a.refresh(Mono(2000), 0);
    assert_eq!(r.moved.unattributed_up, -1_000);
    assert_eq!(r.snapshot.unattributed.up_bytes, 0);
}

proptest! {
    /// Whatever happens — growth on two devices, epochs, evictions — the bytes reported as
    /// moved add up to each device's and each process's cumulative figures.
    #[test]
    fn moved_adds_up_to_the_cumulative_figures(
        steps in proptest::collection::vec((0u8..5, 0u32..3000, 0u32..3000), 1..80)
    ) {
        let mut a = acct();
        let mut p = FakeProcs::default().with(7, 1, "/x").with(8, 1, "/y");
        let (mut c7, mut c8, mut dev) = (0u64, 0u64, 0u64);
        let mut moved_dev = 0u64;
        let mut moved_procs: HashMap<u64, u64> = HashMap::new();
        let mut last: HashMap<u64, u64> = HashMap::new();
        let mut t = 0u64;
        for (op, n, k) in steps {
            t += 1000;
            match op {
                0 => { a.epoch("eth0", Mono(t)); c7 = 0; c8 = 0; }
                1 => { t += 20_000; } // long idle: evictions
                _ => { c7 += u64::from(n); c8 += u64::from(k); dev += u64::from(n) + u64::from(k) / 2; }
            }
            a.observe_counters("eth0", 0, dev, Mono(t));
            a.apply(&block(t, vec![rec("x", 7, c7, 0), rec("y", 8, c8, 0)]), &mut p);
            let r = a.refresh(Mono(t), 0);
            moved_dev += r.moved.devices.iter().map(|d| d.up).sum::<u64>();
            for m in &r.moved.processes {
                *moved_procs.entry(m.id).or_default() += m.up;
            }
            for s in &r.snapshot.processes {
                last.insert(s.id, s.usage.up_bytes);
            }
            prop_assert_eq!(moved_dev, r.snapshot.total.up_bytes);
            for s in &r.snapshot.processes {
                prop_assert_eq!(moved_procs.get(&s.id).copied().unwrap_or(0), s.usage.up_bytes);
            }
        }
        // Evicted processes too: what they moved was reported before they left.
        for (id, up) in last {
            prop_assert_eq!(moved_procs.get(&id).copied().unwrap_or(0), up);
        }
    }
}

#[test]
fn processes_are_never_credited_more_than_their_device_moved() {
    let mut a = acct();
    let mut p = FakeProcs::default()
        .with(7, 100, "/usr/bin/curl")
        .with(8, 100, "/usr/bin/wget");
    a.observe_counters("eth0", 0, 0, Mono(0));
    a.epoch("eth0", Mono(10));
    // The device sent 10 kB; the two processes claim 40 kB between them.
    a.observe_counters("eth0", 0, 10_000, Mono(1000));
    a.apply(
        &block(
            1000,
            vec![rec("curl", 7, 30_000, 0), rec("wget", 8, 10_000, 0)],
        ),
        &mut p,
    );
    let r = a.refresh(Mono(1000), 1);
    let up = |pid| proc_of(&r.snapshot, pid).map(|p| p.usage.up_bytes);
    assert_eq!((up(7), up(8)), (Some(7_500), Some(2_500)), "scaled alike");
    assert_eq!(r.snapshot.unattributed.up_bytes, 0);
    assert_eq!(a.capped, (30_000, 0));
    let moved: u64 = r.moved.processes.iter().map(|m| m.up).sum();
    assert_eq!(moved, 10_000, "what moved is capped too");
    // Next interval: the device sends 5 kB and curl really sends them. The 30 kB
    // dropped before never come back.
    a.observe_counters("eth0", 0, 15_000, Mono(2000));
    a.apply(
        &block(
            2000,
            vec![rec("curl", 7, 35_000, 0), rec("wget", 8, 10_000, 0)],
        ),
        &mut p,
    );
    let r = a.refresh(Mono(2000), 2);
    assert_eq!(
        proc_of(&r.snapshot, 7).map(|p| p.usage.up_bytes),
        Some(12_500)
    );
    assert_eq!(r.snapshot.total.up_bytes, 15_000);
    assert_eq!(a.capped, (30_000, 0));
}
