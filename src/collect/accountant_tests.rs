//! Accountant tests: injected time, a fake /proc, hand-written blocks.

use super::*;
use crate::collect::trace::Record;
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

fn rec(name: &str, pid: u32, sent: f64, received: f64) -> Record {
    Record {
        name: name.into(),
        pid,
        uid: 1000,
        sent,
        received,
    }
}

fn block(at: u64, processes: Vec<Record>) -> Block {
    Block {
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
    a.generation_start("eth0", Mono(0));
    a.apply_block(
        "eth0",
        &block(1000, vec![rec("curl", 7, 1000.0, 5000.0)]),
        &mut p,
    );
    a.apply_block(
        "eth0",
        &block(2000, vec![rec("curl", 7, 3000.0, 15000.0)]),
        &mut p,
    );
    let s = a.snapshot(Mono(2000), 0);
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
    a.generation_start("eth0", Mono(0));
    a.apply_block(
        "eth0",
        &block(1000, vec![rec("curl", 7, 1000.0, 0.0)]),
        &mut p,
    );
    a.apply_block(
        "eth0",
        &block(2000, vec![rec("curl", 7, 4000.0, 0.0)]),
        &mut p,
    );
    // nethogs restarted: its totals begin again at zero.
    a.generation_start("eth0", Mono(2500));
    a.apply_block(
        "eth0",
        &block(3000, vec![rec("curl", 7, 500.0, 0.0)]),
        &mut p,
    );
    a.apply_block(
        "eth0",
        &block(4000, vec![rec("curl", 7, 500.0, 0.0)]),
        &mut p,
    );
    let s = a.snapshot(Mono(4000), 0);
    assert_eq!(proc_of(&s, 7).map(|p| p.usage.up_bytes), Some(4500));
}

#[test]
fn counter_going_down_is_a_reset_not_a_negative_delta() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.apply_block(
        "eth0",
        &block(1000, vec![rec("x", 7, 1000.0, 900.0)]),
        &mut p,
    );
    a.apply_block(
        "eth0",
        &block(2000, vec![rec("x", 7, 200.0, 950.0)]),
        &mut p,
    );
    let s = a.snapshot(Mono(2000), 0);
    let x = proc_of(&s, 7).expect("listed");
    assert_eq!((x.usage.up_bytes, x.usage.down_bytes), (1200, 950));
}

#[test]
fn pid_reuse_is_a_new_process() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/usr/bin/old");
    a.apply_block(
        "eth0",
        &block(1000, vec![rec("old", 7, 1000.0, 0.0)]),
        &mut p,
    );
    // Same pid, new start time: another program got the pid.
    p = p.with(7, 555, "/usr/bin/new");
    a.apply_block(
        "eth0",
        &block(2000, vec![rec("old", 7, 1600.0, 0.0)]),
        &mut p,
    );
    // Same pid, another nethogs name: also a new process.
    a.apply_block(
        "eth0",
        &block(3000, vec![rec("third", 7, 1700.0, 0.0)]),
        &mut p,
    );
    let s = a.snapshot(Mono(3000), 0);
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
    a.apply_block("eth0", &block(1000, vec![rec("x", 7, 100.0, 0.0)]), &mut p);
    a.apply_block("wlan0", &block(1100, vec![rec("x", 7, 0.0, 300.0)]), &mut p);
    let s = a.snapshot(Mono(1100), 0);
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
    a.apply_block("eth0", &block(1000, vec![rec("x", 7, 100.0, 0.0)]), &mut p);
    for t in 2..=12 {
        a.apply_block(
            "eth0",
            &block(t * 1000, vec![rec("x", 7, 100.0, 0.0)]),
            &mut p,
        );
    }
    assert!(
        proc_of(&a.snapshot(Mono(11_000), 0), 7).is_some(),
        "idle 10 s: kept"
    );
    assert!(
        proc_of(&a.snapshot(Mono(11_001), 0), 7).is_none(),
        "evicted"
    );
    // nethogs keeps printing the unchanged total: it must not come back.
    a.apply_block(
        "eth0",
        &block(13_000, vec![rec("x", 7, 100.0, 0.0)]),
        &mut p,
    );
    assert!(proc_of(&a.snapshot(Mono(13_000), 0), 7).is_none());
    assert_eq!(a.live_processes(), 0);
    // New traffic brings it back with only the new bytes.
    a.apply_block(
        "eth0",
        &block(14_000, vec![rec("x", 7, 150.0, 0.0)]),
        &mut p,
    );
    let s = a.snapshot(Mono(14_000), 0);
    assert_eq!(proc_of(&s, 7).map(|p| p.usage.up_bytes), Some(50));
}

#[test]
fn idle_rate_decays_to_zero() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.generation_start("eth0", Mono(0));
    a.apply_block(
        "eth0",
        &block(1000, vec![rec("x", 7, 10_000.0, 0.0)]),
        &mut p,
    );
    assert!(proc_of(&a.snapshot(Mono(1000), 0), 7).is_some_and(|p| p.usage.up_rate > 0.0));
    for t in 2..=5 {
        a.apply_block(
            "eth0",
            &block(t * 1000, vec![rec("x", 7, 10_000.0, 0.0)]),
            &mut p,
        );
    }
    let s = a.snapshot(Mono(5000), 0);
    assert_eq!(proc_of(&s, 7).map(|p| p.usage.up_rate), Some(0.0));
}

#[test]
fn unattributed_is_device_minus_attributed_never_negative() {
    let mut a = acct();
    let mut p = FakeProcs::default().with(7, 100, "/x");
    a.observe_counters("eth0", 10_000, 20_000, Mono(0));
    a.observe_counters("eth0", 10_000 + 5_000, 20_000 + 3_000, Mono(1000));
    a.apply_block(
        "eth0",
        &block(1000, vec![rec("x", 7, 1_000.0, 4_000.0)]),
        &mut p,
    );
    let s = a.snapshot(Mono(1000), 0);
    let eth0 = s.devices.iter().find(|d| d.name == "eth0").expect("eth0");
    assert_eq!((eth0.usage.up_bytes, eth0.usage.down_bytes), (3_000, 5_000));
    // Up: 3000 on the device, 1000 attributed → 2000 unattributed. Down: nethogs saw
    // more than the counter moved (headers) → 0, never negative.
    assert_eq!(
        (s.unattributed.up_bytes, s.unattributed.down_bytes),
        (2_000, 1_000)
    );
    a.apply_block(
        "eth0",
        &block(2000, vec![rec("x", 7, 9_000.0, 4_000.0)]),
        &mut p,
    );
    let s = a.snapshot(Mono(2000), 0);
    assert_eq!(s.unattributed.up_bytes, 0);
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
    let mut b = block(1000, vec![rec("x", 7, 100.0, 0.0)]);
    b.unattributed.push(rec("unknown TCP", 0, 50.0, 25.0));
    a.apply_block("eth0", &b, &mut p);
    let s = a.snapshot(Mono(1000), 0);
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
    let mut lines: Vec<Record> = Vec::new();
    let (mut max_live, mut max_tracked) = (0, 0);
    for i in 0..2_000u32 {
        let t = u64::from(i) * 1000;
        if i % 600 == 0 {
            a.generation_start("eth0", Mono(t));
            lines.clear();
        }
        for k in 0..20 {
            let pid = 10_000 + i * 20 + k;
            lines.push(rec(&format!("/usr/bin/job{k}"), pid, 1000.0, 500.0));
        }
        a.apply_block("eth0", &block(t, lines.clone()), &mut p);
        a.snapshot(Mono(t), 0);
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
                0 => { a.generation_start("eth0", Mono(t)); cum = 0; }
                _ => { cum += u64::from(n); expected += u64::from(n); }
            }
            a.apply_block("eth0", &block(t, vec![rec("x", 7, cum as f64, 0.0)]), &mut p);
            let s = a.snapshot(Mono(t), 0);
            let got = proc_of(&s, 7).map_or(0, |p| p.usage.up_bytes);
            prop_assert_eq!(got, expected);
            prop_assert!(s.processes.iter().all(|p| p.usage.up_rate >= 0.0 && p.usage.up_rate.is_finite()));
        }
    }
}
