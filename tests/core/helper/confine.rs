//! What nethogs gets from the root helper: only a binary root alone can have put in place,
//! run as uid 65534 with cap_net_raw, cap_dac_read_search and cap_sys_ptrace and nothing
//! else, no_new_privs, stdin from /dev/null; read from /proc while the real helper runs real
//! nethogs in a namespace.
//!
//! The path tests put a staged `/usr/sbin` in place for the helper alone: a tmpfs (root's,
//! 0755) filled by a setup script, bind-mounted over /usr/sbin in a private mount
//! namespace (`unshare -m`) inside the test's network namespace.

use super::{is_nethogs, position, refreshed, started, Helper, Netns, BIN, VERSION, WAIT};
use std::process::Command;
use std::time::Duration;

/// cap_dac_read_search (2), cap_net_raw (13), cap_sys_ptrace (19).
const THREE_CAPS: &str = "0000000000082004";

/// `Key:` fields of /proc/PID/status, whitespace collapsed.
fn status_of(pid: u32, keys: &[&str]) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"));
    let text = text.unwrap_or_else(|e| panic!("cannot read /proc/{pid}/status: {e}"));
    keys.iter()
        .map(|&k| {
            let value = text.lines().find_map(|l| l.strip_prefix(&format!("{k}:")));
            let value = value.unwrap_or_else(|| panic!("no {k} in /proc/{pid}/status"));
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            (k.to_owned(), value)
        })
        .collect()
}

fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
    want.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn nethogs_runs_as_nobody_with_only_its_three_capabilities() {
    let ns = Netns::new(true);
    let mut h = Helper::in_ns(&ns, &["lo", "d0"]);
    let pids = h.wait_until("start lines", |s| started(s, "lo").zip(started(s, "d0")));
    // Both work as they are: they capture and refresh.
    h.wait_until("a refresh from lo", |s| refreshed(s, "lo"));
    h.wait_until("a refresh from d0", |s| refreshed(s, "d0"));
    let keys = [
        "Uid",
        "Gid",
        "Groups",
        "CapInh",
        "CapPrm",
        "CapEff",
        "CapBnd",
        "CapAmb",
        "NoNewPrivs",
    ];
    let want = pairs(&[
        ("Uid", "65534 65534 65534 65534"),
        ("Gid", "65534 65534 65534 65534"),
        ("Groups", ""),
        ("CapInh", THREE_CAPS),
        ("CapPrm", THREE_CAPS),
        ("CapEff", THREE_CAPS),
        ("CapBnd", THREE_CAPS),
        ("CapAmb", THREE_CAPS),
        ("NoNewPrivs", "1"),
    ]);
    for pid in [pids.0, pids.1] {
        assert!(is_nethogs(pid), "{pid} is not a live nethogs");
        assert_eq!(status_of(pid, &keys), want, "nethogs {pid}");
        let stdin = std::fs::read_link(format!("/proc/{pid}/fd/0"));
        let stdin = stdin.unwrap_or_else(|e| panic!("nethogs {pid}'s stdin: {e}"));
        assert_eq!(
            stdin.to_string_lossy(),
            "/dev/null",
            "nethogs {pid}'s stdin"
        );
    }
}

/// The helper `bin` in `ns`, seeing a `/usr/sbin` that `setup` (shell, run in the staged
/// folder) made; `then` is run before the helper (e.g. `setpriv … --`). The stage comes
/// first so that the helper, dropped first, is gone when the stage is removed.
fn staged(ns: &Netns, setup: &str, then: &[&str], bin: &str) -> (tempfile::TempDir, Helper) {
    let stage = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let script = format!(
        "set -e; S='{}'; mount -t tmpfs -o mode=755 hwt \"$S\"; cd \"$S\"; {setup}; cd /; \
         mount --bind \"$S\" /usr/sbin; exec \"$0\" \"$@\"",
        stage.path().display()
    );
    let mut cmd = Command::new("ip");
    cmd.args([
        "netns",
        "exec",
        &ns.0,
        "unshare",
        "-m",
        "--propagation",
        "private",
    ]);
    cmd.args(["sh", "-c", &script]).args(then);
    cmd.args([bin, "--interval", "1", "lo"]);
    (stage, Helper::start(cmd))
}

#[test]
fn a_nethogs_that_others_could_have_written_is_refused() {
    let ns = Netns::new(false);
    let cases = [
        (
            "world-writable file",
            "cp /usr/sbin/nethogs nethogs; chmod 777 nethogs",
            "writable by its group or others",
        ),
        (
            "group-writable file",
            "cp /usr/sbin/nethogs nethogs; chmod 775 nethogs",
            "writable by its group or others",
        ),
        (
            "file not root's",
            "cp /usr/sbin/nethogs nethogs; chown 65534 nethogs",
            "owned by uid 65534",
        ),
        (
            "world-writable folder",
            "cp /usr/sbin/nethogs nethogs; chmod 777 .",
            "writable by its group or others",
        ),
        (
            "group-writable folder",
            "cp /usr/sbin/nethogs nethogs; chmod 775 .",
            "writable by its group or others",
        ),
        (
            "symlink into a world-writable folder",
            "mkdir -m 777 open; cp /usr/sbin/nethogs open/nethogs; ln -s open/nethogs nethogs",
            "/usr/sbin/open is writable by its group or others",
        ),
        (
            "symlink not root's",
            "mkdir real; cp /usr/sbin/nethogs real/nethogs; ln -s real/nethogs nethogs; \
             chown -h 65534 nethogs",
            "/usr/sbin/nethogs is owned by uid 65534",
        ),
    ];
    for (what, setup, why) in cases {
        let (_stage, mut h) = staged(&ns, setup, &[], BIN);
        h.stdin = None;
        let status = h.wait_exit(WAIT);
        let stderr = h.stderr();
        let pids = h.pids();
        assert_eq!(
            status.code(),
            Some(6),
            "{what}: {status}, stderr {stderr:?}"
        );
        assert!(
            stderr.contains("refusing to run /usr/sbin/nethogs") && stderr.contains(why),
            "{what}: stderr {stderr:?}"
        );
        assert!(pids.is_empty(), "{what}: nethogs started: {pids:?}");
    }
}

#[test]
fn a_nethogs_behind_root_owned_symlinks_runs_from_where_they_lead() {
    let ns = Netns::new(false);
    let setup = "mkdir -p real/bin; cp /usr/sbin/nethogs real/bin/nethogs; ln -s real/bin link; \
                 ln -s link/nethogs nethogs";
    let (_stage, mut h) = staged(&ns, setup, &[], BIN);
    h.wait_until("hello", |s| position(s, &format!("hello 3 {VERSION}")));
    let pid = h.wait_until("start lo", |s| started(s, "lo"));
    h.wait_until("a refresh", |s| refreshed(s, "lo"));
    let argv0 = super::cmdline(pid);
    assert!(
        argv0.starts_with("/usr/sbin/real/bin/nethogs "),
        "the resolved path runs: {argv0}"
    );
}

/// Where nethogs carries file capabilities, `hogwatch` runs the helper as the user; the
/// helper then has nothing to take away, and must not take nethogs' own capabilities
/// (no_new_privs would).
#[test]
fn a_helper_that_is_not_root_leaves_nethogs_its_file_capabilities() {
    let ns = Netns::new(false);
    let setup = "cp /usr/sbin/nethogs nethogs; \
                 /usr/sbin/setcap cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep nethogs";
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
    ];
    let bins = crate::support::cli::nobody_bins(env!("CARGO_BIN_EXE_hogwatch"));
    let bins = bins.unwrap_or_else(|e| panic!("{e}"));
    let helper = bins.hogwatch.with_file_name("hogwatch-helper");
    let (_stage, mut h) = staged(&ns, setup, &nobody, &helper.to_string_lossy());
    let pid = h.wait_until("start lo", |s| started(s, "lo"));
    h.wait_until("a refresh", |s| refreshed(s, "lo"));
    let keys = ["Uid", "CapPrm", "CapEff", "NoNewPrivs"];
    let want = pairs(&[
        ("Uid", "65534 65534 65534 65534"),
        ("CapPrm", THREE_CAPS),
        ("CapEff", THREE_CAPS),
        ("NoNewPrivs", "0"),
    ]);
    assert_eq!(status_of(pid, &keys), want, "nethogs {pid}");
    h.stdin = None;
    let status = h.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status}, stderr {:?}", h.stderr());
}
