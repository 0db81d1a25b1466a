//! A nethogs that is alive but silent — stopped (SIGSTOP, as a debugger or a frozen cgroup
//! does) — is noticed by the helper within a few refreshes, killed and restarted, and said
//! (`stall`) so that hogwatch's status can tell why. Real helper, real nethogs.

use super::{is_nethogs, kill, started, Helper, Netns};
use std::time::Instant;

#[test]
fn a_stopped_nethogs_is_killed_and_restarted_within_a_few_refreshes() {
    let ns = Netns::new(true);
    let mut h = Helper::in_ns(&ns, &["lo", "d0"]);
    let old = h.wait_until("start d0", |s| started(s, "d0"));
    h.wait_until("a refresh of d0", |s| {
        s.iter().position(|l| l == "quiet d0")
    });
    kill("-STOP", old);
    let stopped = Instant::now();
    let stall = h.wait_until("stall d0", |s| {
        s.iter().position(|l| l.starts_with("stall d0 "))
    });
    let took = stopped.elapsed();
    let silent_ms: u64 = h.seen[stall]["stall d0 ".len()..]
        .parse()
        .unwrap_or_else(|_| panic!("bad stall line {:?}", h.seen[stall]));
    // Five 1-s refreshes, at least 6 s, noticed within the helper's 1 s loop.
    assert!((6000..9000).contains(&silent_ms), "{}", h.seen[stall]);
    eprintln!("stopped nethogs noticed after {took:?} (silent for {silent_ms} ms)");
    let exit = h.wait_until("exit d0", |s| {
        s[stall..]
            .iter()
            .position(|l| l.starts_with("exit d0 "))
            .map(|i| stall + i)
    });
    assert_eq!(
        h.seen[exit], "exit d0 signal:9 1000",
        "killed, restarted after 1 s"
    );
    let new = h.wait_until("a new start d0", |s| started(&s[exit..], "d0"));
    assert!(is_nethogs(new) && new != old && !is_nethogs(old));
    h.wait_until("a refresh of the new d0", |s| {
        s[exit..].iter().position(|l| l == "quiet d0")
    });
    // lo's nethogs was not disturbed.
    assert!(
        !h.seen
            .iter()
            .any(|l| l.starts_with("stall lo") || l.starts_with("exit lo")),
        "{:?}",
        h.seen
    );
}
