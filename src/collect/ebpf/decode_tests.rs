//! The eBPF decoder's tests: deltas → cumulative counts, devices by ifindex, exits,
//! other namespaces, and hostile lines.

use super::*;

struct Names(Vec<(u32, &'static str)>);

impl DeviceNames for Names {
    fn scan(&mut self) -> HashMap<u32, String> {
        self.0.iter().map(|(i, n)| (*i, (*n).to_owned())).collect()
    }
}

const NS: u64 = 4096;

fn decoder() -> Decoder {
    let mut d = Decoder::new(Box::new(Names(vec![(1, "lo"), (2, "eth0"), (3, "wlan0")])));
    d.set_devices(&["eth0".to_owned(), "wlan0".to_owned()]);
    d
}

fn feed(d: &mut Decoder, text: &str, t: u64) -> Vec<Event> {
    text.lines().flat_map(|l| d.line(l, Mono(t))).collect()
}

/// (device, pid, sent, received) of every process in the samples.
fn counts(events: &[Event]) -> Vec<(String, u32, u64, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Sample(s) => Some(s),
            _ => None,
        })
        .flat_map(|s| {
            s.processes
                .iter()
                .map(|p| (s.device.clone(), p.pid, p.sent, p.received))
        })
        .collect()
}

fn block(n: u64, recs: &[&str]) -> String {
    let mut s = format!("tick {n}\n");
    for r in recs {
        s.push_str(&format!("ebpf {r}\n"));
    }
    s.push_str(&format!(
        "counters owner_full=0 lost_bytes=0 traffic=1\nend {n}\n"
    ));
    s
}

#[test]
fn ready_starts_an_epoch_on_every_monitored_device() {
    let mut d = decoder();
    assert!(feed(&mut d, "hello 2 0.1.0\nprog hw_egress 12", 0).is_empty());
    // Before `ready` no block is believed.
    assert!(feed(&mut d, &block(1, &[&format!("{NS} 2 10 0 5 5 live a")]), 1).is_empty());
    let ev = feed(&mut d, &format!("ready {NS}"), 2);
    assert_eq!(
        ev,
        vec![
            Event::Epoch {
                device: "eth0".into(),
                at: Mono(2)
            },
            Event::Epoch {
                device: "wlan0".into(),
                at: Mono(2)
            },
        ]
    );
}

#[test]
fn deltas_add_up_per_device_and_pid() {
    let mut d = decoder();
    feed(&mut d, &format!("ready {NS}"), 0);
    let ev = feed(
        &mut d,
        &block(
            1,
            &[
                &format!("{NS} 2 10 1000 100 50 live curl"),
                &format!("{NS} 3 10 1000 7 0 live curl"),
            ],
        ),
        1,
    );
    assert_eq!(
        counts(&ev),
        vec![("eth0".into(), 10, 100, 50), ("wlan0".into(), 10, 7, 0)]
    );
    let ev = feed(
        &mut d,
        &block(2, &[&format!("{NS} 2 10 1000 1 2 live curl")]),
        2,
    );
    // Cumulative, and the idle wlan0 flow still listed with its total.
    assert_eq!(
        counts(&ev),
        vec![("eth0".into(), 10, 101, 52), ("wlan0".into(), 10, 7, 0)]
    );
    let Some(Event::Sample(s)) = ev.first() else {
        panic!("no sample: {ev:?}");
    };
    assert_eq!(
        (s.processes[0].uid, s.processes[0].name.as_str()),
        (1000, "curl")
    );
    assert_eq!(s.at, Mono(2));
}

#[test]
fn other_namespaces_unmonitored_devices_and_no_process() {
    let mut d = decoder();
    feed(&mut d, &format!("ready {NS}"), 0);
    let ev = feed(
        &mut d,
        &block(
            1,
            &[
                "77 2 20 0 500 600 live container", // another netns: its ifindex 2 is not our eth0
                &format!("{NS} 1 21 0 9 9 live lo-only"), // lo is not monitored
                &format!("{NS} 9 22 0 9 9 live gone-dev"), // no such device
                &format!("{NS} 2 0 0 40 60 live "), // tgid 0: no process
            ],
        ),
        1,
    );
    assert!(counts(&ev).is_empty(), "{ev:?}");
    assert_eq!(d.other_netns, (500, 600));
    let Some(Event::Sample(s)) = ev
        .iter()
        .find(|e| matches!(e, Event::Sample(s) if s.device == "eth0"))
    else {
        panic!("no eth0 sample: {ev:?}");
    };
    assert_eq!(
        s.unattributed,
        vec![UnattributedCount {
            label: NO_PROCESS.into(),
            sent: 40,
            received: 60
        }]
    );
}

#[test]
fn an_exited_process_is_reported_once_then_retired() {
    let mut d = decoder();
    feed(&mut d, &format!("ready {NS}"), 0);
    let ev = feed(
        &mut d,
        &block(1, &[&format!("{NS} 2 30 0 50000 800 exit short")]),
        1,
    );
    assert_eq!(counts(&ev), vec![("eth0".into(), 30, 50000, 800)]);
    let ev = feed(&mut d, &block(2, &[]), 2);
    assert!(counts(&ev).is_empty(), "retired, not listed: {ev:?}");
    // The pid comes back (reused): it continues from the old total, so no baseline goes back.
    let ev = feed(
        &mut d,
        &block(3, &[&format!("{NS} 2 30 0 10 0 live new")]),
        3,
    );
    assert_eq!(counts(&ev), vec![("eth0".into(), 30, 50010, 800)]);
}

#[test]
fn many_retired_processes_start_a_new_epoch() {
    let mut d = decoder();
    feed(&mut d, &format!("ready {NS}"), 0);
    for i in 0..RETIRED_MAX as u64 {
        let ev = feed(
            &mut d,
            &block(i + 1, &[&format!("{NS} 2 {} 0 1 1 exit x", 100 + i)]),
            1,
        );
        assert!(!ev.iter().any(|e| matches!(e, Event::Epoch { .. })));
    }
    let ev = feed(
        &mut d,
        &block(99_999, &[&format!("{NS} 2 7 0 3 4 live y")]),
        2,
    );
    assert!(
        matches!(&ev[0], Event::Epoch { device, .. } if device == "eth0"),
        "{ev:?}"
    );
    assert_eq!(counts(&ev), vec![("eth0".into(), 7, 3, 4)]);
}

#[test]
fn a_device_that_joins_starts_its_epoch_and_one_that_leaves_is_forgotten() {
    let mut d = decoder();
    feed(&mut d, &format!("ready {NS}"), 0);
    feed(&mut d, &block(1, &[&format!("{NS} 1 5 0 9 9 live a")]), 1);
    d.set_devices(&["eth0".to_owned(), "lo".to_owned()]);
    let ev = feed(&mut d, &block(2, &[&format!("{NS} 1 5 0 1 1 live a")]), 2);
    assert_eq!(
        ev[0],
        Event::Epoch {
            device: "lo".into(),
            at: Mono(2)
        }
    );
    assert_eq!(counts(&ev), vec![("lo".into(), 5, 1, 1)]);
}

#[test]
fn hostile_lines_are_counted_and_dropped() {
    let mut d = decoder();
    feed(&mut d, &format!("ready {NS}"), 0);
    let bad = [
        format!("{NS} 2 10 0 5 5 alive x"),                      // state
        format!("{NS} 2 10 0 -5 5 live x"),                      // sign
        format!("{NS} 2 10 0 5 99999999999999999999999 live x"), // overflow
        format!("{NS} 2 4294967296 0 5 5 live x"),               // tgid > u32
        format!("{NS} 2 10 0 5 5 live bad\\q"),                  // escape
        format!("{NS} 2 10 0 5 5 live"),                         // no comm field
    ];
    for (i, r) in bad.iter().enumerate() {
        let ev = feed(
            &mut d,
            &block(i as u64 + 1, &[&format!("{NS} 2 11 0 1 1 live ok"), r]),
            1,
        );
        assert!(ev.is_empty(), "{r:?} → {ev:?}");
    }
    // A duplicate record, an end without its tick, a mismatched end.
    let dup = format!("{NS} 2 11 0 1 1 live ok");
    assert!(feed(&mut d, &block(50, &[&dup, &dup]), 2).is_empty());
    assert!(feed(&mut d, "end 51", 2).is_empty());
    assert!(feed(&mut d, &format!("tick 52\nebpf {dup}\nend 53"), 2).is_empty());
    assert!(d.bad_lines >= 9, "{}", d.bad_lines);
    // A name with escapes and spaces comes out as text.
    let ev = feed(
        &mut d,
        &block(60, &[&format!("{NS} 2 11 0 1 1 live Web Content\\x1b")]),
        3,
    );
    let Some(Event::Sample(s)) = ev.first() else {
        panic!("{ev:?}");
    };
    assert_eq!(s.processes[0].name, "Web Content\u{1b}");
    assert_eq!(
        counts(&ev),
        vec![("eth0".into(), 11, 1, 1)],
        "only the good block counted"
    );
}

#[test]
fn status_says_what_the_helper_could_not_do() {
    let mut d = decoder();
    feed(
        &mut d,
        "missing hw_send unknown\\x20tracepoint\nmissing hw_recv x\n\
         missing hw_rcv_space unknown\\x20tracepoint\nmissing hw_closing y",
        0,
    );
    feed(&mut d, &format!("ready {NS}"), 0);
    feed(
        &mut d,
        "tick 1\ncounters traffic_full=3 lost_bytes=1234 traffic=16384\nend 1",
        1,
    );
    let ok = SourceStatus {
        mode: Mode::PerProcess,
        reason: String::new(),
        health: Default::default(),
    };
    let st = d.status(ok);
    assert_eq!(st.mode, Mode::PerProcess);
    assert!(
        st.reason
            .contains("eBPF: hw_closing, hw_rcv_space not attached (y)"),
        "{}",
        st.reason
    );
    assert!(st.reason.contains("1234 bytes"), "{}", st.reason);
    assert_eq!(st.health.map_full_bytes, 1234, "for /metrics");
    let off = SourceStatus {
        mode: Mode::TotalsOnly,
        reason: "helper gone".into(),
        health: Default::default(),
    };
    let st = d.status(off.clone());
    assert_eq!((st.mode, &st.reason), (off.mode, &off.reason));
    // The helper gone, what it lost stays counted: the counter never goes down.
    d.reset();
    assert_eq!(d.status(off).health.map_full_bytes, 1234);
}

#[test]
fn the_older_kernels_hooks_standing_in_are_not_a_problem() {
    let mut d = decoder();
    feed(&mut d, "missing hw_send no\nmissing hw_recv no", 0);
    feed(&mut d, &format!("ready {NS}"), 0);
    let ok = SourceStatus {
        mode: Mode::PerProcess,
        reason: String::new(),
        health: Default::default(),
    };
    assert_eq!(d.status(ok.clone()), ok);
}

/// A process table of one pid, counting the questions.
struct OneProc(u32, std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl crate::collect::lookup::ProcLookup for OneProc {
    fn start_time(&mut self, _: u32) -> Option<u64> {
        None
    }
    fn details(&mut self, pid: u32) -> Option<crate::collect::sample::ProcDetails> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (pid == self.0).then(|| crate::collect::sample::ProcDetails {
            start_time: 42,
            exe: "/usr/bin/curl".into(),
            argv: vec!["curl".into(), "-s".into()],
        })
    }
    fn user_name(&mut self, _: u32) -> Option<String> {
        None
    }
}

#[test]
fn a_new_process_is_looked_up_at_once() {
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut d = decoder().with_procs(Box::new(OneProc(77, asked.clone())));
    let ev = feed(&mut d, "new 77\nnew 78", 0);
    assert_eq!(ev.len(), 1, "{ev:?}");
    match &ev[0] {
        Event::Proc { pid: 77, details } => {
            assert_eq!(
                (details.exe.as_str(), details.start_time),
                ("/usr/bin/curl", 42)
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 2);
    // Hostile or broken lines are counted, and ask nothing.
    for bad in [
        "new",
        "new 0",
        "new -1",
        "new 12345678901",
        "new 7 7",
        "new ../1",
        "new 4294967296",
    ] {
        let before = d.bad_lines;
        assert!(feed(&mut d, bad, 0).is_empty(), "{bad}");
        assert_eq!(d.bad_lines, before + 1, "{bad}");
    }
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 2);
}
