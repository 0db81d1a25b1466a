//! The nethogs trace parser over every captured fixture, and on arbitrary input.
#![allow(clippy::expect_used)] // test helpers outside #[test] fns

use hogwatch::clock::Mono;
use hogwatch::collect::nethogs::blocks::BlockAssembler;
use hogwatch::collect::nethogs::trace::{parse_line, Record, TraceLine};
use proptest::prelude::*;
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nethogs")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).expect("fixture readable")
}

fn parse_all(text: &str) -> Vec<TraceLine> {
    text.lines().map(parse_line).collect()
}

fn records(text: &str) -> Vec<Record> {
    parse_all(text)
        .into_iter()
        .filter_map(|l| match l {
            TraceLine::Process(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn every_fixture_parses_cleanly() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 14, "fixtures copied: {files:?}");
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let text = std::fs::read_to_string(&f).expect("readable");
        let lines = parse_all(&text);
        let blocks = lines
            .iter()
            .filter(|l| **l == TraceLine::Refreshing)
            .count();
        let malformed = lines.iter().filter(|l| **l == TraceLine::Malformed).count();
        assert!(blocks >= 3, "{name}: {blocks} blocks");
        if name.contains("_l_cmdline") {
            // `-l` breaks records across lines (we never pass -l): the broken halves
            // are rejected, not misread as numbers.
            assert!(malformed > 0, "{name}");
        } else {
            assert_eq!(malformed, 0, "{name}: every line is understood");
        }
        // Each block carries at least nethogs' own `unknown TCP` line.
        let unattributed = lines
            .iter()
            .filter(|l| matches!(l, TraceLine::Unattributed(_)))
            .count();
        assert!(unattributed >= blocks - 1, "{name}");
    }
}

#[test]
fn names_with_spaces_slashes_and_uids() {
    let r = records(&fixture("trace_v2_names_spaces_uid.txt"));
    let weird = r.iter().rfind(|r| r.pid == 460).expect("pid 460");
    assert_eq!(weird.name, "/opt/demo/we ird/my prog");
    assert_eq!(weird.uid, 0);
    let rel = r.iter().rfind(|r| r.pid == 540).expect("pid 540");
    assert_eq!(rel.name, "./relative/cli");
    assert_eq!(rel.uid, 1001);
    assert_eq!(rel.sent_bytes(), 2_010_530, "1.99068e+06 style exponents");
}

#[test]
fn exponents_small_and_large() {
    let r = records(&fixture("trace_v5_gbps.txt"));
    assert!(
        r.iter().any(|r| r.sent > 0.0 && r.sent < 1e-6),
        "1.36718e-07 parses"
    );
    let multi = records(&fixture("trace_multidev_both.txt"));
    let pids: std::collections::BTreeSet<u32> = multi.iter().map(|r| r.pid).collect();
    assert_eq!(
        pids.into_iter().collect::<Vec<_>>(),
        vec![30514, 30515, 30516]
    );
    assert!(multi.iter().any(|r| r.received_bytes() == 2_469_000));
}

#[test]
fn connection_named_and_unknown_lines_are_unattributed() {
    let lines = parse_all(&fixture("trace_capnetraw_only_hash_names.txt"));
    let conn = lines.iter().find_map(|l| match l {
        TraceLine::Unattributed(r) if r.name.contains("-127.0.0.1:") => Some(r),
        _ => None,
    });
    assert_eq!(
        conn.map(|r| r.name.as_str()),
        Some("127.0.0.1:41101-127.0.0.1:42104")
    );
    let udp = parse_all(&fixture("trace_v2_C_udp_unconnected.txt"));
    assert!(udp.iter().any(
        |l| matches!(l, TraceLine::Unattributed(r) if r.name == "unknown UDP" && r.received > 0.0)
    ));
}

#[test]
fn blocks_from_a_fixture_match_refreshes() {
    let text = fixture("trace_multidev_both.txt");
    let mut a = BlockAssembler::default();
    let mut blocks = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Lines of one refresh arrive together; refreshes a second apart.
        let t = if line == "Refreshing:" {
            i as u64 * 1000
        } else {
            i as u64 * 1000 + 1
        };
        blocks.extend(a.feed(line, Mono(t)));
    }
    blocks.extend(a.poll(Mono(u64::MAX / 2)));
    let refreshes = text.lines().filter(|l| *l == "Refreshing:").count();
    assert_eq!(blocks.len(), refreshes);
    assert!(blocks.iter().all(|b| !b.unattributed.is_empty()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        for line in text.split('\n') {
            let _ = parse_line(line);
        }
    }

    #[test]
    fn never_panics_on_near_miss_lines(
        name in "[ -~\t/]{0,40}",
        pid in "[0-9+\\-e.x]{0,12}",
        nums in "[0-9e+\\-.naifNI]{0,14}",
    ) {
        let _ = parse_line(&format!("{name}/{pid}/0\t{nums}\t{nums}"));
        let _ = parse_line(&format!("Unknown linktype {pid}{name}"));
    }

    /// Any record nethogs could print comes back exactly, whatever the name holds.
    #[test]
    fn records_round_trip(
        name in "[^\n\r]{0,60}",
        pid in 1u32..=4_194_304,
        uid in any::<u32>(),
        sent in 0u64..10_000_000_000,
        received in 0u64..10_000_000_000,
    ) {
        let line = format!("{name}/{pid}/{uid}\t{sent}\t{received}");
        // A name ending in a tab-free `…/digits/digits` shape is still split from the right.
        match parse_line(&line) {
            TraceLine::Process(r) => {
                prop_assert_eq!(r.pid, pid);
                prop_assert_eq!(r.uid, uid);
                prop_assert_eq!(r.sent_bytes(), sent);
                prop_assert_eq!(r.received_bytes(), received);
                prop_assert_eq!(r.name, name);
            }
            TraceLine::Refreshing | TraceLine::Noise => {
                // Names that are themselves noise prefixes; nethogs never prints those as names.
            }
            other => prop_assert!(name.contains('\t') || name.starts_with("Unknown linktype "), "{:?}", other),
        }
    }

    #[test]
    fn assembler_never_panics(lines in proptest::collection::vec("[ -~\t]{0,30}|Refreshing:", 0..100), gaps in proptest::collection::vec(0u64..500, 100)) {
        let mut a = BlockAssembler::default();
        let mut t = 0u64;
        for (l, g) in lines.iter().zip(gaps.iter()) {
            t += g;
            let _ = a.feed(l, Mono(t));
            let _ = a.poll(Mono(t));
        }
    }
}
