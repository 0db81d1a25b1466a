//! nethogs' output, as the helper forwards it: each input is split into writes (at 0xff
//! bytes), every one fed to the block assembler as a whole write, a long write's head,
//! or a line, with the helper's `quiet` and silence polls between. Must never panic; a
//! block's records come from what was fed.
#![no_main]

use hogwatch::clock::Mono;
use hogwatch::collect::nethogs::blocks::BlockAssembler;
use hogwatch::collect::nethogs::trace::parse_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut a = BlockAssembler::default();
    let mut now = 0u64;
    for (i, write) in data.split(|&b| b == 0xff).enumerate() {
        now += u64::from(write.first().copied().unwrap_or(0)) * 3;
        let at = Mono(now);
        let done = match i % 4 {
            0 => a.feed_message(write, at),
            1 => a.feed_long(&write[..write.len().min(16)], at),
            2 => a.feed(&String::from_utf8_lossy(write), at),
            _ => a.quiet().or_else(|| a.poll(at)),
        };
        if let Some(block) = done {
            assert!(block.at.0 <= now);
        }
        let _ = parse_line(&String::from_utf8_lossy(write));
    }
});
