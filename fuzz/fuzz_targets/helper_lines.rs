//! The helper's stdout as hogwatch reads it: each input line goes through the protocol
//! parser and the live decoder (blocks, verification against a kernel that knows no
//! process, status). Must never panic, whatever the lines.
#![no_main]

use hogwatch::clock::Mono;
use hogwatch::collect::nethogs::decode::Decoder;
use hogwatch::collect::nethogs::protocol::parse_helper_line;
use hogwatch::collect::nethogs::verify::{Identity, Kernel};
use hogwatch::collect::sample::SourceStatus;
use hogwatch::model::Mode;
use libfuzzer_sys::fuzz_target;

/// No process exists: every record is refused, as a forged one would be.
struct Empty;

impl Kernel for Empty {
    fn identity(&mut self, _: u32, _: usize) -> Option<Identity> {
        None
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut d = Decoder::live(Box::new(Empty));
    d.set_devices(&["eth0".into(), "lo".into()]);
    let mut now = 0u64;
    for line in text.lines() {
        now += 7;
        let _ = parse_helper_line(line);
        let _ = d.line(line, Mono(now));
        if line.len() % 5 == 0 {
            let _ = d.poll(Mono(now + 1000));
        }
    }
    let _ = d.status(SourceStatus {
        mode: Mode::PerProcess,
        reason: String::new(),
        health: Default::default(),
    });
});
