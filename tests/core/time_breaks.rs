//! Breaks in time through the whole refresh path, with injected clocks: hogwatch frozen
//! for five minutes while its helper runs on (SIGSTOP: the backlog arrives in one burst
//! on resume), the machine asleep for two hours (the monotonic clock stands still, the
//! wall clock jumps), and the wall clock set back across midnight. The real pipeline,
//! history batcher, day totals and alert engine see every refresh; a simulated network
//! knows the truth. No rate may spike, every byte counts once, the breaks are gaps in
//! history, the day totals stay right, and no rate alert fires on a resume refresh.

#![allow(clippy::expect_used)]

use hogwatch::alerts::engine::{Engine, Inputs, Persisted};
use hogwatch::alerts::rules::{AlertConfig, Direction, Kind, Rule, Subject};
use hogwatch::clock::Mono;
use hogwatch::collect::accountant::AccountantConfig;
use hogwatch::collect::lookup::ProcLookup;
use hogwatch::collect::pipeline::{Counters, Pipeline};
use hogwatch::collect::sample::{
    DevCounters, DeviceSample, Event, ProcDetails, ProcessCount, SourceStatus,
};
use hogwatch::model::{Mode, PeriodTotals, Refresh, Totals};
use hogwatch::store::batch::{Batch, Batcher};
use hogwatch::store::tiers::Zone;
use std::sync::{Arc, Mutex};

/// The uploader's pace and what headers add on the wire.
const PACE: u64 = 100_000;
const HEADERS: u64 = 2_000;
/// A day's 23:40:00 UTC: the clock set back later crosses midnight.
const WALL0: u64 = 1_764_114_000_000;

/// One process (pid 7) uploading at `PACE` on eth0, as nethogs and the kernel count it.
#[derive(Default)]
struct World {
    /// nethogs' cumulative count for the uploader.
    sent: u64,
    /// eth0's transmit counter.
    tx: u64,
}

impl World {
    fn second(&mut self) {
        self.sent += PACE;
        self.tx += PACE + HEADERS;
    }
}

struct Uploader;

impl ProcLookup for Uploader {
    fn start_time(&mut self, pid: u32) -> Option<u64> {
        (pid == 7).then_some(100)
    }
    fn details(&mut self, pid: u32) -> Option<ProcDetails> {
        (pid == 7).then(|| ProcDetails {
            start_time: 100,
            exe: "/usr/bin/curl".into(),
            argv: vec!["curl".into()],
        })
    }
    fn user_name(&mut self, _: u32) -> Option<String> {
        Some("alice".into())
    }
}

/// The refresh path with its consumers, and both clocks.
struct Run {
    world: Arc<Mutex<World>>,
    p: Pipeline,
    mono: u64,
    wall: u64,
    refreshes: Vec<Refresh>,
    batcher: Batcher,
    batch: Batch,
    today: PeriodTotals,
    alerts: Engine,
    /// Monotonic times of the refreshes that fired an alert, and of every refresh.
    fired: Vec<u64>,
    monos: Vec<u64>,
}

impl Run {
    fn new() -> Run {
        let world = Arc::new(Mutex::new(World::default()));
        let w = Arc::clone(&world);
        let counters = Counters::Live(Box::new(move || {
            let tx = w.lock().map(|w| w.tx).unwrap_or(0);
            Some(vec![DevCounters {
                name: "eth0".into(),
                rx_bytes: 0,
                tx_bytes: tx,
            }])
        }));
        let mut p = Pipeline::new(AccountantConfig::default(), Box::new(Uploader), counters);
        p.set_devices(vec!["eth0".into()]);
        p.apply(
            Event::Epoch {
                device: "eth0".into(),
                at: Mono(0),
            },
            Mono(0),
        );
        p.read_counters(Mono(0));
        // "Uploads above 50 kB/s for 60 s": the uploader always is.
        let rule = Rule {
            name: "Uploader".into(),
            kind: Kind::Rate {
                above: 50_000.0,
                for_s: 60,
            },
            subject: Subject::AnyApp,
            direction: Direction::Up,
            cooldown_s: 0,
        };
        let cfg = AlertConfig {
            enabled: true,
            max_per_minute: 100,
            rules: vec![rule],
        };
        let alerts = Engine::new(cfg, Zone::utc(), 1, Persisted::default(), None, Mono(0));
        let today = PeriodTotals::new(Totals::default(), Zone::utc().date(day_s(WALL0)));
        Run {
            world,
            p,
            mono: 0,
            wall: WALL0,
            refreshes: Vec::new(),
            batcher: Batcher::default(),
            batch: Batch::default(),
            today,
            alerts,
            fired: Vec::new(),
            monos: Vec::new(),
        }
    }

    fn sample(&mut self, at: u64, sent: u64) {
        let s = DeviceSample {
            device: "eth0".into(),
            at: Mono(at),
            processes: vec![ProcessCount {
                pid: 7,
                uid: 1000,
                name: "curl".into(),
                sent,
                received: 0,
            }],
            unattributed: Vec::new(),
        };
        self.p.apply(Event::Sample(s), Mono(at));
    }

    /// A refresh now, through every consumer.
    fn refresh(&mut self) {
        let status = SourceStatus {
            mode: Mode::PerProcess,
            reason: String::new(),
            health: Default::default(),
        };
        let r = self.p.refresh(Mono(self.mono), self.wall, &status);
        self.batcher.add(&r, &mut self.batch);
        let day = Zone::utc().date(r.unix_s());
        let totals = self.today.add(&r.moved, day).clone();
        let inp = Inputs {
            snapshot: &r.snapshot,
            day: &totals,
            month: &totals,
            now: Mono(self.mono),
            now_s: r.unix_s(),
            gap_ms: r.gap_ms,
        };
        if !self.alerts.observe(&inp).is_empty() {
            self.fired.push(self.mono);
        }
        self.refreshes.push(r);
        self.monos.push(self.mono);
    }

    /// `n` ordinary seconds: the world moves, nethogs samples, hogwatch refreshes.
    fn seconds(&mut self, n: u64) {
        for _ in 0..n {
            self.world.lock().expect("world").second();
            self.mono += 1000;
            self.wall += 1000;
            let sent = self.world.lock().expect("world").sent;
            self.sample(self.mono, sent);
            self.refresh();
        }
    }

    /// hogwatch frozen `secs` while the helper runs on; on resume the helper's backlog —
    /// one sample per frozen second — comes within milliseconds, and the refresh rides it
    /// (`timer_first`: the timer's refresh comes before the backlog). Returns the index of
    /// the resume refresh.
    fn frozen(&mut self, secs: u64, timer_first: bool) -> usize {
        let mut backlog = Vec::new();
        for _ in 0..secs {
            self.world.lock().expect("world").second();
            backlog.push(self.world.lock().expect("world").sent);
        }
        self.mono += secs * 1000;
        self.wall += secs * 1000;
        let resume = self.refreshes.len();
        if timer_first {
            self.refresh();
        }
        for sent in backlog {
            self.mono += 1;
            self.wall += 1;
            self.sample(self.mono, sent);
        }
        if !timer_first {
            self.refresh();
        }
        resume
    }

    fn sent(&self) -> u64 {
        self.world.lock().map(|w| w.sent).unwrap_or(0)
    }
}

fn day_s(wall_ms: u64) -> i64 {
    (wall_ms / 1000) as i64
}

#[test]
fn freezes_suspends_and_clock_sets_spike_nothing_and_count_every_byte_once() {
    let mut run = Run::new();
    run.seconds(20);
    let froze_at = day_s(run.wall);
    let resume = run.frozen(300, false);
    run.seconds(70);
    let resume_timer_first = run.frozen(150, true);
    run.seconds(30);
    // Asleep two hours: nothing moves, the monotonic clock does not count it.
    let slept_at = day_s(run.wall);
    run.wall += 2 * 3_600_000;
    let woke = run.refreshes.len();
    run.seconds(10);
    // Early next day: set back to 23:58 of the day before, then on past midnight.
    let set_back = run.refreshes.len();
    let midnight = Zone::utc().start_of(Zone::utc().date(day_s(run.wall)));
    run.wall = (midnight as u64 - 120) * 1000;
    run.seconds(300);

    // No spike: every refresh's rates within the pace and its headers (+ 5% for the
    // window's edges).
    let most = (PACE + HEADERS) as f64 * 1.05;
    for (i, r) in run.refreshes.iter().enumerate() {
        let s = &r.snapshot;
        let procs = s.processes.iter().map(|p| p.usage.up_rate);
        let devs = s.devices.iter().map(|d| d.usage.up_rate);
        for rate in procs.chain(devs).chain([s.total.up_rate]) {
            assert!(
                rate.is_finite() && rate <= most,
                "refresh {i} (gap {} ms): a rate of {rate:.0} B/s, the pace is {PACE}",
                r.gap_ms
            );
        }
    }
    // Each byte once: what the refreshes moved adds up to the truth, and so do the
    // history's cells.
    let moved_up: u64 = run
        .refreshes
        .iter()
        .flat_map(|r| r.moved.apps.iter())
        .map(|a| a.up)
        .sum();
    assert_eq!(moved_up, run.sent(), "the uploader's bytes, each once");
    let dev_up: u64 = run.refreshes.iter().map(|r| r.moved.total().0).sum();
    assert_eq!(dev_up, run.world.lock().expect("world").tx, "eth0's bytes");
    let cells: u64 = run.batch.apps.values().map(|v| v.0).sum();
    assert_eq!(cells, run.sent(), "the history's cells hold each byte once");

    // The breaks, and only they, are marked.
    let gaps: Vec<usize> = (0..run.refreshes.len())
        .filter(|&i| run.refreshes[i].gap_ms > 0)
        .collect();
    assert_eq!(gaps, vec![resume, resume_timer_first, woke, set_back]);

    // In history the frozen minutes and the hours asleep are gaps, not zeros.
    let covered = |t: i64| run.batch.spans.iter().any(|s| s.0 < t && t < s.1);
    for t in [froze_at + 60, froze_at + 240, slept_at + 3600] {
        assert!(!covered(t), "{t} is in a gap: {:?}", run.batch.spans);
    }
    assert!(covered(froze_at - 5) && covered(slept_at - 5));

    // No rate alert on a resume refresh: after the freeze the rule fires once 60 s have
    // been seen whole, not at once (it had held 20 s before and 320 s by the clock).
    let at = run.monos[resume];
    assert!(!run.fired.contains(&at), "fired on the resume refresh");
    let next = run.fired.iter().find(|&&t| t >= at).copied();
    assert_eq!(next, Some(at + 60_000), "fired at {:?}", run.fired);

    // Today's totals hold every byte of today, from before the clock was set back and
    // after it came past midnight again.
    let last = run.refreshes.last().expect("refreshes");
    let today = Zone::utc().date(last.unix_s());
    let of_today = |rs: &[Refresh]| -> u64 {
        rs.iter()
            .filter(|r| Zone::utc().date(r.unix_s()) == today)
            .map(|r| r.moved.total().0)
            .sum()
    };
    let all_today = of_today(&run.refreshes);
    assert!(all_today > of_today(&run.refreshes[set_back..]));
    assert_eq!(run.today.totals().total.0, all_today);
}
