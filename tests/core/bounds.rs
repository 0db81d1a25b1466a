//! What other programs choose is kept bounded: real processes with a 100 KiB argv[0] and a
//! command line of hundreds of KiB, read through /proc by the lookup the collector uses
//! (`ProcFs`), keep a command line of at most 4 KiB, and an app key and name of at most
//! 256 B, each cut at a char boundary and ending in `…`; the accountant's snapshot of
//! such a process shows the same. Needs nothing but /proc.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hogwatch::clock::Mono;
use hogwatch::collect::accountant::{Accountant, AccountantConfig};
use hogwatch::collect::app::app_of;
use hogwatch::collect::lookup::ProcLookup;
use hogwatch::collect::procfs::ProcFs;
use hogwatch::collect::sample::{DeviceSample, ProcessCount};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The bounds the issue sets (the library's constants are not used here, so that a
/// bound that grew would fail).
const CMDLINE: usize = 4096;
const NAME: usize = 256;
const CUT: char = '…';

/// A `/bin/sh -s ARGS…` named `argv0`, waiting on its stdin; killed and reaped on drop
/// (by its pid), also when the test fails.
struct Sh(std::process::Child);

impl Sh {
    fn spawn(argv0: &str, args: &[String]) -> Sh {
        let child = Command::new("/bin/sh")
            .arg0(argv0)
            .arg("-s")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn /bin/sh");
        let sh = Sh(child);
        // spawn returns once the exec has begun; the kernel sets the new command line up
        // a moment later (until then /proc/PID/cmdline reads empty).
        let path = format!("/proc/{}/cmdline", sh.pid());
        crate::support::wait_until("the child's command line", Duration::from_secs(5), || {
            std::fs::read(&path)
                .ok()
                .filter(|c| !c.is_empty())
                .map(|_| ())
        })
        .expect("the child's command line in /proc");
        sh
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Sh {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Cut and marked: at most `max` bytes, ends in `…`, no replacement char (a cut through a
/// char would leave one), and what is left is the start of `whole`.
fn assert_cut(what: &str, kept: &str, whole: &str, max: usize) {
    assert!(
        kept.len() <= max,
        "{what}: {} bytes kept, at most {max} expected",
        kept.len()
    );
    assert!(
        kept.ends_with(CUT),
        "{what}: the cut is not marked: …{:?}",
        &kept[kept.len().saturating_sub(40)..]
    );
    assert!(
        !kept.contains('\u{FFFD}'),
        "{what}: cut through a char (U+FFFD)"
    );
    let body = kept.strip_suffix(CUT).unwrap_or(kept);
    assert!(
        whole.starts_with(body),
        "{what}: the kept text is not a prefix of the real one"
    );
    assert!(
        body.len() + 4 + CUT.len_utf8() > max,
        "{what}: cut shorter than needed ({} bytes)",
        body.len()
    );
}

#[test]
fn a_100_kib_argv0_and_a_huge_command_line_are_read_and_kept_bounded() {
    // "€" is 3 bytes and "/tmp/" 5: byte 4096 falls inside a char.
    let argv0 = format!("/tmp/{}", "€".repeat(100 * 1024 / 3));
    assert!(argv0.len() >= 100 * 1024);
    let args: Vec<String> = (0..30)
        .map(|i| format!("{i}{}", "a".repeat(10_000)))
        .collect();
    let child = Sh::spawn(&argv0, &args);
    let mut procs = ProcFs::default();
    let d = procs.details(child.pid()).expect("the child's /proc entry");
    let joined = d.argv.join(" ");
    let whole = std::iter::once(argv0.clone())
        .chain(["-s".to_owned()])
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        d.argv.len() <= 1,
        "argv[0] alone fills 4 KiB: {}",
        d.argv.len()
    );
    assert_cut("the command line", &joined, &whole, CMDLINE);
    assert_eq!(d.exe, "/usr/bin/dash", "sh is dash here");

    // nethogs' name for it is argv[0] verbatim; for another user's process (no exe) that
    // is the app key.
    let a = app_of("", &argv0, &d.argv);
    assert_cut("the app key from argv[0]", &a.key, &argv0, NAME);
    let base = argv0.rsplit('/').next().unwrap();
    assert_cut("the app name from argv[0]", &a.name, base, NAME);

    // In the snapshot: the command line and the app as kept.
    let mut acct = Accountant::new(AccountantConfig::default());
    let sample = DeviceSample {
        device: "eth0".into(),
        at: Mono(1_000),
        processes: vec![ProcessCount {
            pid: child.pid(),
            uid: 0,
            name: argv0.clone(),
            sent: 1_000,
            received: 2_000,
        }],
        unattributed: Vec::new(),
    };
    acct.set_devices(&["eth0".to_string()]);
    acct.apply(&sample, &mut procs);
    let r = acct.refresh(Mono(2_000), 1_700_000_000_000);
    let p = r
        .snapshot
        .processes
        .iter()
        .find(|p| p.pid == child.pid())
        .expect("the child in the snapshot");
    assert_cut("the snapshot's cmdline", &p.cmdline, &whole, CMDLINE);
    assert!(p.app.len() <= NAME && p.app_name.len() <= NAME, "{p:?}");
}

#[test]
fn an_interpreters_long_script_argument_makes_a_bounded_app_key() {
    // sh is an interpreter: its first argument that is no option (here after -s) joins
    // the key. "ü" is 2 bytes, "/usr/bin/dash /srv/x" 20: byte 253 falls inside a char.
    let script = format!("/srv/x{}", "ü".repeat(1000));
    let filler: Vec<String> = (0..4).map(|i| format!("{i}{}", "z".repeat(5000))).collect();
    let mut args = vec![script.clone()];
    args.extend(filler.iter().cloned());
    let child = Sh::spawn("sh", &args);
    let d = ProcFs::default()
        .details(child.pid())
        .expect("the child's /proc entry");
    let whole = format!("sh -s {script} {}", filler.join(" "));
    let joined = d.argv.join(" ");
    assert_cut("the command line", &joined, &whole, CMDLINE);
    assert_eq!(
        d.argv[..3],
        ["sh", "-s", script.as_str()],
        "whole arguments kept"
    );

    let a = app_of(&d.exe, "sh", &d.argv);
    assert_cut(
        "the app key",
        &a.key,
        &format!("/usr/bin/dash {script}"),
        NAME,
    );
    assert_cut(
        "the app name",
        &a.name,
        &format!("{} (dash)", script.trim_start_matches("/srv/")),
        NAME,
    );
}

#[test]
fn short_command_lines_and_names_are_kept_whole() {
    let child = Sh::spawn("sh", &["/srv/x.sh".to_owned(), "--flag".to_owned()]);
    let d = ProcFs::default()
        .details(child.pid())
        .expect("the child's /proc entry");
    assert_eq!(d.argv, ["sh", "-s", "/srv/x.sh", "--flag"]);
    let a = app_of(&d.exe, "sh", &d.argv);
    assert_eq!(a.key, "/usr/bin/dash /srv/x.sh");
    assert_eq!(a.name, "x.sh (dash)");
}
