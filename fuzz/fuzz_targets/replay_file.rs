//! Replay files (src/collect/replay/format.rs): the input is read as a recording, JSON
//! Lines or raw nethogs output, as `--source replay:FILE` reads one. Must never panic; the
//! items come out in time order with no gap over `MAX_GAP_MS`, a header's interval is
//! clamped; and what was read, written back with the `Recorder` and read again, is the
//! same recording (the format round-trips).
#![no_main]

use hogwatch::collect::replay::format::{read_recording, Item, Recorder, MAX_GAP_MS};
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A `Write + Send` the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let rec = read_recording(data, "eth0", 1000).expect("in memory");
    for pair in rec.items.windows(2) {
        let (a, b) = (pair[0].t(), pair[1].t());
        assert!(a <= b, "out of order: {a} then {b}");
        assert!(b - a <= MAX_GAP_MS, "gap of {} ms", b - a);
    }
    assert!(rec.interval_ms == 1000 || (100..=60_000).contains(&rec.interval_ms));
    assert!(!rec.items.iter().any(|i| matches!(i, Item::Header { .. })));

    let out = Shared::default();
    let mut w =
        Recorder::new(Box::new(out.clone()), rec.interval_ms, &rec.devices).expect("header");
    for item in &rec.items {
        w.write(item);
    }
    w.flush();
    assert!(!w.failed);
    let text = out.0.lock().expect("not poisoned").clone();
    let again = read_recording(&text[..], "other", 5).expect("in memory");
    assert_eq!(again.skipped, 0);
    assert_eq!(again.interval_ms, rec.interval_ms);
    assert_eq!(again.devices, rec.devices);
    assert_eq!(again.items, rec.items);
});
