//! Invalid input is refused with a message naming it, never a panic.

use super::common::{hog_run, no_panic, HOGWATCH, HOME_PREFIX};
use crate::support;
use std::time::Duration;
use support::cli::tail;
use support::home::Home;
use support::{err, Deadline, Result};

#[test]
fn invalid_input_is_refused_with_a_message() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(25));
    // (arguments after `top --json --count 1`, text stderr must contain)
    let cases: &[(&[&str], &str)] = &[
        (&["--interval", "0"], "'0'"),
        (&["--interval", "61"], "61"),
        (&["--interval", "abc"], "abc"),
        (&["--devices", "eth0;rm"], "eth0;rm"),
        (&["--devices", ""], "--devices"),
        (&["--devices", ",,"], "--devices"),
        (
            &["--devices", "a-device-name-too-long"],
            "a-device-name-too-long",
        ),
        (&["--source", "bogus"], "bogus"),
        (&["--source", "replay:"], "replay:"),
        (
            &["--source", "replay:/nonexistent/file"],
            "/nonexistent/file",
        ),
        (&["--replay-speed", "-1"], "-1"),
        (&["--replay-speed=-1"], "-1"),
        (&["--replay-speed", "NaN"], "NaN"),
        (&["--replay-speed", "inf"], "inf"),
        (&["--elevate", "root"], "root"),
        (&["--idle-evict", "0"], "--idle-evict"),
    ];
    let mut failures = Vec::new();
    for (args, needle) in cases {
        let home = Home::new(HOME_PREFIX)?;
        let mut all = vec!["top", "--json", "--count", "1"];
        all.extend_from_slice(args);
        let out = hog_run(
            &[],
            HOGWATCH,
            &home,
            &all,
            deadline.cap(Duration::from_secs(10)),
        )?;
        let what = format!("{args:?}");
        if let Err(e) = no_panic(&out, &what) {
            failures.push(e.0);
            continue;
        }
        if out.status.success() {
            failures.push(format!(
                "{what}: exited 0; stdout: {}",
                tail(&out.stdout, 300)
            ));
        } else if !out.stderr.contains(needle) {
            failures.push(format!(
                "{what}: stderr does not name {needle:?}: {}",
                out.stderr.trim()
            ));
        } else if !out.stdout.trim().is_empty() {
            failures.push(format!(
                "{what}: printed on stdout: {}",
                tail(&out.stdout, 300)
            ));
        } else {
            eprintln!(
                "ok {what}: {}",
                out.stderr.lines().next().unwrap_or_default()
            );
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(err(failures.join("\n")))
    }
}
