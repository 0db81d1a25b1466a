//! Running the hogwatch binary from a test: the argv builder [`hog_argv`] (and the
//! [`AS_NOBODY`] wrapper), the replay fixtures ([`fixture_dir`]), the output helpers
//! [`refs`], [`tail`], [`expect_no_panic`] and [`expect_exit_zero`], and
//! [`nobody_bins`], the binaries where `nobody` can run them.

use super::home::Home;
use super::{err, CmdOutput, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Drops to nobody:nogroup without supplementary groups (stdin stays /dev/null).
pub const AS_NOBODY: [&str; 5] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--",
];

/// Shell prologue that hides nethogs in a private mount namespace, then execs its
/// arguments. A bind-mounted /dev/null is not a regular file, which the probe treats as
/// "not installed". Exits 97 if a mount fails, so a broken trick cannot pass silently.
pub const HIDE_NETHOGS: &str =
    "for p in /usr/sbin/nethogs /usr/bin/nethogs /usr/local/sbin/nethogs; \
     do if [ -e \"$p\" ]; then mount --bind /dev/null \"$p\" || exit 97; fi; done; \
     exec \"$0\" \"$@\"";

/// A command line's prefix that runs the rest with nethogs hidden (`HIDE_NETHOGS` in a
/// private mount namespace): hogwatch then collects totals only, refreshed by its own
/// deadline.
pub const WITHOUT_NETHOGS: [&str; 7] = private_mounts(HIDE_NETHOGS);

/// `top --json` replaying `source` (`replay:FILE`) at `speed`: the arguments most tests
/// of a replaying run start with.
pub const fn replay_top<'a>(source: &'a str, speed: &'a str) -> [&'a str; 6] {
    ["top", "--json", "--source", source, "--replay-speed", speed]
}

/// A command line's prefix that runs `script` (a shell prologue that mounts over files,
/// then execs its arguments) in a private mount namespace.
pub const fn private_mounts(script: &str) -> [&str; 7] {
    [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
    ]
}

/// The nethogs trace fixtures (`tests/fixtures/nethogs`), sources for `--source replay:`.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nethogs")
}

/// `wrapper… env HOME=… XDG_…=… EXE args…`: every element execs the next, so the pid
/// of a spawned command is hogwatch's own.
pub fn hog_argv(wrapper: &[&str], exe: &str, home: &Home, args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = wrapper.iter().map(|s| (*s).to_owned()).collect();
    v.push("/usr/bin/env".to_owned());
    v.extend(home.env());
    v.push(exe.to_owned());
    v.extend(args.iter().map(|s| (*s).to_owned()));
    v
}

/// Replaces pkexec and sudo, in a private mount namespace, with a script that appends
/// its command line to `record` and fails; then execs its arguments.
pub fn spy_wrapper(record: &std::path::Path, dir: &std::path::Path) -> Result<Vec<String>> {
    let spy = dir.join("spy.sh");
    std::fs::write(
        &spy,
        format!(
            "#!/bin/sh\necho \"$0 $*\" >> '{}'\nexit 1\n",
            record.display()
        ),
    )?;
    std::fs::set_permissions(&spy, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let script = format!(
        "mount --bind '{0}' /usr/bin/pkexec && mount --bind '{0}' /usr/bin/sudo || exit 97; \
         exec \"$0\" \"$@\"",
        spy.display()
    );
    Ok(["unshare", "-m", "--propagation", "private", "sh", "-c"]
        .iter()
        .map(|s| s.to_string())
        .chain([script])
        .collect())
}

pub fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The last `max` bytes of `s` at most (from a char boundary).
pub fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// No panic: neither the exit status of a panicking main (101) nor a panic message on
/// stderr; otherwise an error that shows `detail(stderr)`.
pub fn expect_no_panic(
    out: &CmdOutput,
    what: &str,
    detail: impl FnOnce(&str) -> String,
) -> Result<()> {
    if out.status.code() == Some(101) || out.stderr.contains("panicked") {
        return Err(err(format!(
            "{what}: hogwatch panicked ({}):\n{}",
            out.status,
            detail(&out.stderr)
        )));
    }
    Ok(())
}

/// The run exited with status 0; otherwise an error with the status and the tail of
/// stderr.
pub fn expect_exit_zero(out: &CmdOutput, what: &str) -> Result<()> {
    if !out.status.success() {
        return Err(err(format!(
            "{what}: exited with {} instead of 0; stderr:\n{}",
            out.status,
            tail(&out.stderr, 3000)
        )));
    }
    Ok(())
}

/// hogwatch and hogwatch-helper where `nobody` can run them: the build tree if every
/// directory on the way is world-traversable and both binaries world-executable,
/// else copies (0755) in a 0755 temporary directory.
pub struct NobodyBins {
    pub hogwatch: PathBuf,
    _copy: Option<tempfile::TempDir>,
}

fn world_exec(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
}

fn world_readable_exec(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o005 == 0o005)
}

/// [`NobodyBins`] for the `hogwatch` binary at `hogwatch` (its helper beside it).
pub fn nobody_bins(hogwatch: &str) -> Result<NobodyBins> {
    let exe = PathBuf::from(hogwatch);
    let dir = exe
        .parent()
        .ok_or("hogwatch binary has no parent directory")?;
    let helper = dir.join("hogwatch-helper");
    if !helper.is_file() {
        return Err(err(format!(
            "{} is missing (cargo builds it with the tests)",
            helper.display()
        )));
    }
    if dir.ancestors().all(world_exec) && world_readable_exec(&exe) && world_readable_exec(&helper)
    {
        return Ok(NobodyBins {
            hogwatch: exe,
            _copy: None,
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix("hogwatch-bins-")
        .tempdir()?;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))?;
    for (src, name) in [(&exe, "hogwatch"), (&helper, "hogwatch-helper")] {
        let dst = tmp.path().join(name);
        std::fs::copy(src, &dst)?;
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755))?;
    }
    if !tmp.path().ancestors().all(world_exec) {
        return Err(err(format!(
            "{} is not world-traversable",
            tmp.path().display()
        )));
    }
    eprintln!(
        "build tree not usable by nobody: copied the binaries to {}",
        tmp.path().display()
    );
    Ok(NobodyBins {
        hogwatch: tmp.path().join("hogwatch"),
        _copy: Some(tmp),
    })
}
