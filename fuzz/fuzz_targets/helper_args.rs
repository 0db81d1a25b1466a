//! The privileged helper's argv and stdin commands (src/bin/helper/args.rs, the helper's
//! own file: see its module comment for why it is included rather than linked). The
//! input, split at NUL bytes, is the argv; whole, it is the helper's stdin, read line by
//! line through a small buffer and compared with a plain model of the cut, each line then
//! parsed as a command. Must never panic; what is accepted is within the documented
//! bounds; the filesystem is asked only about names that cannot be paths or options.
#![no_main]

#[path = "../../src/bin/helper/args.rs"]
#[allow(dead_code)]
mod args;

use args::{Invocation, MAX_CMD, MAX_DEVS, MAX_ENTRIES};
use libfuzzer_sys::fuzz_target;
use std::io::BufReader;

/// Stands in for `/sys/class/net/NAME`: asserts the name is one the helper may look up
/// (no path; a leading `-` is fine: devices follow `--` on nethogs' command line).
fn exists(name: &str) -> bool {
    assert!(
        args::valid_device_name(name),
        "filesystem asked about {name:?}"
    );
    assert!(
        !name.contains('/') && name != "." && name != "..",
        "{name:?}"
    );
    !name.starts_with('x') // some names exist, some do not
}

/// The devices of an accepted set: valid, distinct, as many as allowed.
fn check_set(devices: &[String]) {
    assert!((1..=MAX_DEVS).contains(&devices.len()));
    for (i, d) in devices.iter().enumerate() {
        assert!(args::valid_device_name(d) && !d.starts_with('x'), "{d:?}");
        assert!(!devices[..i].contains(d), "duplicate {d:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    // argv: as the helper does, a non-UTF-8 argument becomes "".
    let argv: Vec<&str> = data
        .split(|&b| b == 0)
        .map(|a| std::str::from_utf8(a).unwrap_or(""))
        .collect();
    match args::parse_args(&argv, &exists) {
        Ok(Invocation::Nethogs { interval, devices }) => {
            assert!((1..=60).contains(&interval));
            check_set(&devices);
            assert_eq!(argv.len(), devices.len() + 2);
        }
        Ok(Invocation::Ebpf {
            interval,
            entries,
            old_hooks: _,
        }) => {
            assert!((1..=60).contains(&interval));
            assert!((1..=MAX_ENTRIES).contains(&entries));
        }
        Ok(Invocation::Version | Invocation::Help | Invocation::CheckEbpf) => {
            assert!(argv.len() <= 3)
        }
        Err(msg) => assert!(!msg.is_empty()),
    }

    // stdin: a cap from the first byte (small ones reach the cut often), or the real one.
    let max = match data.first() {
        Some(&b) if b < 0x80 => usize::from(b % 40) + 1,
        _ => MAX_CMD,
    };
    let capacity = usize::from(data.get(1).copied().unwrap_or(0) % 16) + 1;
    let mut reader = BufReader::with_capacity(capacity, data);
    // The model: lines split at `\n` (none after a final one); one that fits (at most
    // `max` bytes, its `\r` included) loses one trailing `\r`, a longer one is cut to `max`.
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        lines.pop();
    }
    let mut buf = Vec::new();
    for line in lines {
        let fits = args::read_capped(&mut reader, &mut buf, max).expect("in memory");
        let fits = fits.expect("a line is left");
        assert_eq!(fits, line.len() <= max);
        let want = match line {
            l if l.len() > max => &l[..max],
            [head @ .., b'\r'] => head,
            l => l,
        };
        assert_eq!(buf, want);
        match args::parse_command(&buf, fits, &exists) {
            Ok(Some(devices)) => check_set(&devices),
            Ok(None) => assert!(fits && buf == b"restart"),
            Err(msg) => assert!(!msg.is_empty()),
        }
    }
    let end = args::read_capped(&mut reader, &mut buf, max).expect("in memory");
    assert_eq!(end, None, "more lines than the model");
});
