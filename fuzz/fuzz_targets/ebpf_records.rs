//! The eBPF helper's output as the eBPF backend decodes it (src/collect/ebpf/decode.rs):
//! each input line goes to the decoder, a few of them changing the monitored devices or
//! resetting it as a helper restart does. Must never panic; what it sends must hold the
//! seam's promises: samples only of monitored devices, processes in pid order once each,
//! names bounded, and counts that never go down until the device's next epoch.
#![no_main]

use hogwatch::clock::Mono;
use hogwatch::collect::ebpf::decode::{Decoder, DeviceNames};
use hogwatch::collect::sample::Event;
use hogwatch::text::MAX_NAME;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

/// Four devices by ifindex (1..=4); a fifth, 5, appears only on a rescan.
struct Names(u32);

impl DeviceNames for Names {
    fn scan(&mut self) -> HashMap<u32, String> {
        self.0 += 1;
        let mut m: HashMap<u32, String> = ["lo", "eth0", "wlan0", "tun0"]
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u32 + 1, n.to_string()))
            .collect();
        if self.0 % 2 == 0 {
            m.insert(5, "br0".into());
        }
        m
    }
}

const SETS: [&[&str]; 4] = [&["eth0", "lo"], &["eth0"], &["wlan0", "br0", "lo"], &[]];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut d = Decoder::new(Box::new(Names(0)));
    let mut devices: Vec<String> = SETS[0].iter().map(|s| s.to_string()).collect();
    d.set_devices(&devices);
    // Per device, the last counts sent per pid (and tgid 0's) since its last epoch.
    let mut last: HashMap<String, (HashMap<u32, (u64, u64)>, (u64, u64))> = HashMap::new();
    let mut now = 0u64;
    for line in text.lines() {
        now += 1 + line.len() as u64 % 3;
        // Harness lines: what the backend's task does around the decoder.
        if let Some(i) = line.strip_prefix("#set ") {
            let set = SETS[i.len() % SETS.len()];
            devices = set.iter().map(|s| s.to_string()).collect();
            d.set_devices(&devices);
            last.retain(|dev, _| devices.contains(dev)); // leaving forgets, joining is an epoch
            continue;
        }
        if line == "#reset" {
            d.reset();
            continue;
        }
        for ev in d.line(line, Mono(now)) {
            match ev {
                Event::Epoch { device, at } => {
                    assert_eq!(at, Mono(now));
                    assert!(devices.contains(&device), "epoch of {device}");
                    last.insert(device, Default::default());
                }
                Event::Sample(s) => {
                    assert_eq!(s.at, Mono(now));
                    assert!(devices.contains(&s.device), "sample of {}", s.device);
                    let (pids, kernel) = last
                        .get_mut(&s.device)
                        .unwrap_or_else(|| panic!("sample of {} before its epoch", s.device));
                    assert!(s.processes.windows(2).all(|w| w[0].pid < w[1].pid));
                    for p in &s.processes {
                        assert_ne!(p.pid, 0);
                        assert!(p.name.len() <= MAX_NAME, "{} bytes", p.name.len());
                        if let Some(&(sent, recv)) = pids.get(&p.pid) {
                            assert!(
                                p.sent >= sent && p.received >= recv,
                                "pid {} went down",
                                p.pid
                            );
                        }
                        pids.insert(p.pid, (p.sent, p.received));
                    }
                    assert!(s.unattributed.len() <= 1);
                    for u in &s.unattributed {
                        assert!(u.sent >= kernel.0 && u.received >= kernel.1);
                        *kernel = (u.sent, u.received);
                    }
                }
                other => panic!("unexpected event {other:?}"),
            }
        }
    }
    let _ = d.status(hogwatch::collect::sample::SourceStatus {
        mode: hogwatch::model::Mode::PerProcess,
        reason: String::new(),
        health: Default::default(),
    });
});
