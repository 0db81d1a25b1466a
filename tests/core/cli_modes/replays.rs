//! `--source replay:` of every nethogs fixture (the last values exactly the fixture's), of
//! garbage and of hostile recordings (never a panic).

use super::common::{no_panic, parse_snapshots, replay_json, replay_run};
use crate::support;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::cli::{fixture_dir, tail};
use support::snapshot::Snapshot;
use support::{err, Deadline, Result};

// ------------------------------------------------------------------------ the fixtures

/// Last cumulative record per pid in raw nethogs trace output: pid → (name, uid, sent,
/// received). Parsed from the right like nethogs prints it
/// (`NAME/PID/UID<TAB>SENT<TAB>RECEIVED`); pid 0 and other lines are skipped.
fn last_records(text: &str) -> HashMap<u32, (String, u32, f64, f64)> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let Some((rest, recv)) = line.rsplit_once('\t') else {
            continue;
        };
        let Some((ident, sent)) = rest.rsplit_once('\t') else {
            continue;
        };
        let Some((rest, uid)) = ident.rsplit_once('/') else {
            continue;
        };
        let Some((name, pid)) = rest.rsplit_once('/') else {
            continue;
        };
        let (Ok(pid), Ok(uid), Ok(sent), Ok(recv)) = (
            pid.parse::<u32>(),
            uid.parse::<u32>(),
            sent.parse::<f64>(),
            recv.parse::<f64>(),
        ) else {
            continue;
        };
        if pid > 0 {
            out.insert(pid, (name.to_owned(), uid, sent, recv));
        }
    }
    out
}

/// nethogs prints 6 significant digits; hogwatch rounds to the nearest byte.
fn bytes_of(v: f64) -> u64 {
    v.round() as u64
}

/// Checks that the replay's last snapshot shows each of `pids` with the last cumulative
/// bytes of the fixture (and its exact name and uid).
fn check_last_values(fixture: &Path, snaps: &[Snapshot], pids: &[u32]) -> Result<()> {
    let text = std::fs::read_to_string(fixture)?;
    let expect = last_records(&text);
    let last = snaps.last().ok_or("no snapshot")?;
    for pid in pids {
        let (name, uid, sent, recv) = expect
            .get(pid)
            .ok_or_else(|| err(format!("fixture {} has no pid {pid}", fixture.display())))?;
        let p = last.process(*pid).ok_or_else(|| {
            err(format!(
                "{}: pid {pid} missing from the last snapshot; pids: {:?}",
                fixture.display(),
                last.proc_bytes()
            ))
        })?;
        if &p.name != name || p.uid != *uid {
            return Err(err(format!(
                "pid {pid}: name {:?} uid {}, expected {name:?} uid {uid}",
                p.name, p.uid
            )));
        }
        let want = (bytes_of(*sent), bytes_of(*recv));
        if (p.usage.up_bytes, p.usage.down_bytes) != want {
            return Err(err(format!(
                "{}: pid {pid} ({name}) up/down bytes {:?}, expected the last cumulative values \
                 {want:?}",
                fixture.display(),
                (p.usage.up_bytes, p.usage.down_bytes)
            )));
        }
    }
    Ok(())
}

#[test]
fn every_fixture_replays() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(28));
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(fixture_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    fixtures.sort();
    if fixtures.len() < 10 {
        return Err(err(format!(
            "expected the nethogs fixtures, found {fixtures:?}"
        )));
    }
    for f in &fixtures {
        let (_, snaps) = replay_json(f, &[], deadline.cap(Duration::from_secs(10)))?;
        if snaps.is_empty() {
            return Err(err(format!(
                "replay of {} printed no snapshot",
                f.display()
            )));
        }
        if let Some(s) = snaps.iter().find(|s| s.mode != "replay") {
            return Err(err(format!(
                "{}: mode {:?} during a replay",
                f.display(),
                s.mode
            )));
        }
        eprintln!("ok {}: {} snapshots", f.display(), snaps.len());
    }

    let names = fixture_dir().join("trace_v2_names_spaces_uid.txt");
    let (_, snaps) = replay_json(&names, &[], deadline.cap(Duration::from_secs(10)))?;
    check_last_values(&names, &snaps, &[460, 540])?;
    let last = snaps.last().ok_or("no snapshot")?;
    let p460 = last.process(460).ok_or("no pid 460")?;
    let p540 = last.process(540).ok_or("no pid 540")?;
    if p460.name != "/opt/demo/we ird/my prog" || p540.name != "./relative/cli" || p540.uid != 1001
    {
        return Err(err(format!(
            "names/uid: {:?} {:?} uid {}",
            p460.name, p540.name, p540.uid
        )));
    }
    // Raw output has no device name: the first of --devices, else eth0.
    for p in [p460, p540] {
        let devs: Vec<&str> = p.devices.iter().map(|d| d.name.as_str()).collect();
        if devs != ["eth0"] {
            return Err(err(format!(
                "pid {}: devices {devs:?}, expected [eth0]",
                p.pid
            )));
        }
    }
    let (_, snaps) = replay_json(
        &names,
        &["--devices", "wlx9,eth7"],
        deadline.cap(Duration::from_secs(10)),
    )?;
    let last = snaps.last().ok_or("no snapshot")?;
    let devs: Vec<&str> = last.devices.iter().map(|d| d.name.as_str()).collect();
    if devs != ["wlx9"]
        || last
            .process(460)
            .is_none_or(|p| p.devices.first().is_none_or(|d| d.name != "wlx9"))
    {
        return Err(err(format!(
            "--devices wlx9,eth7: devices {devs:?}; expected raw output on wlx9"
        )));
    }

    let multi = fixture_dir().join("trace_multidev_both.txt");
    let (_, snaps) = replay_json(&multi, &[], deadline.cap(Duration::from_secs(10)))?;
    check_last_values(&multi, &snaps, &[30514, 30515, 30516])?;
    Ok(())
}

// --------------------------------------------------------- garbage and hostile replays

/// splitmix64: a fixed-seed generator, so a failure replays identically.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "470",
    "491.572",
    "1.00532e+07",
    "2.01053e+06",
    "1e999",
    "-1e999",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "infinity",
    "-1",
    "-0",
    "-5.5",
    "1e300",
    "1.8e19",
    "1.8446744073709552e19",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "3.4e38",
    "1e-300",
    "5e-324",
    "+5",
    "0x10",
    "",
    " ",
    "1e",
    "e5",
    ".",
    "1..2",
    "--1",
    "1e+",
    "0.0000001",
];
const NAMES: &[&str] = &[
    "/usr/bin/python3",
    "unknown TCP",
    "unknown UDP",
    "a b/c d",
    "",
    "/",
    "//",
    "\t",
    "x\0y",
    "evil\x1b[2J",
    "127.0.0.1:1-127.0.0.1:2",
    "ünïcödé",
    "\u{202e}rtl",
    "./rel",
    "Refreshing:",
];
const IDS: &[&str] = &[
    "0",
    "1",
    "42",
    "4294967295",
    "4294967296",
    "-1",
    "",
    "x",
    "007",
    "99999999999999999999",
    "1e3",
];
const MARKERS: &[&str] = &[
    "Refreshing:",
    "Refreshing:\r",
    "Unknown linktype 12Refreshing:",
    "Refreshing: ",
    "refreshing:",
    "Refreshing:Refreshing:",
    "Unknown linktype 99",
    "Adding local address: ::1",
    "Unknown connection: 1.2.3.4:5-6.7.8.9:10",
    "No PPP or Ethernet link: 12",
    "Ethernet link detected",
];

/// ~300 KB of hostile "nethogs output": random bytes (NULs, tabs, invalid UTF-8),
/// markers, records with absurd numbers and ids, counter resets from huge values, and
/// two 100 KB lines.
fn garbage(seed: u64) -> Vec<u8> {
    let mut r = Rng(seed);
    let mut out: Vec<u8> = b"Adding local address: 10.0.0.1\nEthernet link detected\n".to_vec();
    let record = |r: &mut Rng, out: &mut Vec<u8>| {
        let line = format!(
            "{}/{}/{}\t{}\t{}",
            r.pick(NAMES),
            r.pick(IDS),
            r.pick(IDS),
            r.pick(NUMBERS),
            r.pick(NUMBERS)
        );
        out.extend_from_slice(line.as_bytes());
        if r.below(8) == 0 {
            out.extend_from_slice(format!("\t{}", r.pick(NUMBERS)).as_bytes());
        }
        out.push(b'\n');
    };
    let mut huge_done = false;
    while out.len() < 100_000 {
        match r.below(12) {
            0 | 1 => out.extend_from_slice(b"\nRefreshing:\n"),
            2..=5 => record(&mut r, &mut out),
            6 => {
                let n = r.below(300);
                out.extend((0..n).map(|_| r.next() as u8));
            }
            7 => {
                let n = r.below(100);
                out.extend((0..n).map(|_| [0u8, b'\t', b'/', b'\n', b'\r'][r.below(5)]));
            }
            8 => {
                out.extend_from_slice(r.pick(MARKERS).as_bytes());
                out.push(b'\n');
            }
            9 => {
                // Valid records of a few pids with plausible, growing numbers.
                let pid = 100 + r.below(5);
                let v = r.next() % 10_000_000;
                out.extend_from_slice(
                    format!("/usr/bin/app/{pid}/1000\t{v}\t{}\n", v / 3).as_bytes(),
                );
            }
            _ if !huge_done && out.len() > 40_000 => {
                // Huge cumulative values, several pids at once, then counter resets: sums
                // of these overflow u64 unless the accountant saturates.
                huge_done = true;
                for round in 0..6 {
                    let v = if round % 2 == 0 { "1.8e19" } else { "1" };
                    out.extend_from_slice(b"\nRefreshing:\n");
                    for pid in 7..10 {
                        out.extend_from_slice(format!("big/{pid}/0\t{v}\t{v}\n").as_bytes());
                    }
                    out.extend_from_slice(format!("unknown TCP/0/0\t{v}\t{v}\n").as_bytes());
                    out.extend_from_slice(
                        format!("1.2.3.4:5-6.7.8.9:{round}/0/0\t{v}\t{v}\n").as_bytes(),
                    );
                }
            }
            _ => record(&mut r, &mut out),
        }
    }
    // A 100 KB process name in a well-formed record, and a 100 KB line of random bytes.
    out.extend_from_slice(b"\nRefreshing:\n");
    out.extend(std::iter::repeat_n(b'N', 100_000));
    out.extend_from_slice(b"/4242/0\t1000\t2000\n");
    out.extend((0..100_000).map(|_| match r.next() as u8 {
        b'\n' => b'\t',
        b => b,
    }));
    out.extend_from_slice(b"\nRefreshing:\nunknown TCP/0/0\t0\t0\n");
    out
}

#[test]
fn garbage_replays_without_panic() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(28));
    let dir = tempfile::Builder::new()
        .prefix("hogwatch-garbage-")
        .tempdir()?;
    let data = garbage(0x5EED_CAFE);
    let mut failures = Vec::new();
    for (name, bytes) in [
        ("garbage.txt", data.clone()),
        // The same bytes behind a `{` line take the JSON Lines path instead.
        ("garbage.jsonl", [b"{not json\n".as_slice(), &data].concat()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes)?;
        // A hang is an error here (timeout); everything else is collected and reported.
        let out = replay_run(
            &path,
            &["--idle-evict", "30"],
            deadline.cap(Duration::from_secs(12)),
        )?;
        if let Err(e) = no_panic(&out, name) {
            failures.push(e.0);
        }
        if !out.status.success() {
            failures.push(format!(
                "{name}: exit {}; stderr: {}",
                out.status,
                tail(&out.stderr, 1000)
            ));
        }
        // Rates are checked in whatever was printed, even before a failure.
        match parse_snapshots(out.stdout.lines(), name) {
            Ok(snaps) if snaps.is_empty() => failures.push(format!("{name}: no snapshot")),
            Ok(snaps) => eprintln!("{name} ({} bytes): {} snapshots", bytes.len(), snaps.len()),
            Err(e) => failures.push(e.0),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(err(failures.join("\n")))
    }
}

/// A JSON Lines recording with hostile values: times and counters at u64::MAX, counter
/// resets, a zero interval. Bounded with `--count` so a replay that would take forever
/// still ends; it must not panic.
#[test]
fn hostile_recording_replays_without_panic() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(25));
    let dir = tempfile::Builder::new()
        .prefix("hogwatch-hostile-")
        .tempdir()?;
    let max = u64::MAX;
    let cases: Vec<(&str, String)> = vec![
        (
            "counters",
            format!(
                "{{\"kind\":\"header\",\"version\":1,\"interval_ms\":0,\"devices\":[\"eth0\"]}}\n\
                 {{\"kind\":\"netdev\",\"t\":1,\"counters\":[[\"eth0\",0,0]]}}\n\
                 {{\"kind\":\"netdev\",\"t\":2,\"counters\":[[\"eth0\",{max},{max}]]}}\n\
                 {{\"kind\":\"netdev\",\"t\":3,\"counters\":[[\"eth0\",5,5]]}}\n\
                 {{\"kind\":\"netdev\",\"t\":4,\"counters\":[[\"eth0\",{max},{max}]]}}\n"
            ),
        ),
        (
            "time",
            format!(
                "{{\"kind\":\"header\",\"version\":1,\"interval_ms\":1000,\"devices\":[\"eth0\"]}}\n\
                 {{\"kind\":\"helper\",\"t\":0,\"line\":\"start eth0 1\"}}\n\
                 {{\"kind\":\"helper\",\"t\":{max},\"line\":\"line eth0 Refreshing:\"}}\n"
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (name, text) in &cases {
        let path = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&path, text)?;
        match replay_json(
            &path,
            &["--count", "5"],
            deadline.cap(Duration::from_secs(10)),
        ) {
            Ok((_, snaps)) if !snaps.is_empty() => {
                eprintln!("ok {name}: {} snapshots", snaps.len())
            }
            Ok(_) => failures.push(format!("{name}: no snapshot")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(err(failures.join("\n\n")))
    }
}
