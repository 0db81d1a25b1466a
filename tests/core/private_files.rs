//! Files other local users must not read or steer, with the real binary: the history and
//! alert state (folder 0700, files 0600, looser modes tightened, another user's file in
//! the folder refused), and the runtime folder of the lock and socket (never inside an
//! `$XDG_RUNTIME_DIR` that is not ours; the `/tmp` fallback refused when another user
//! squats it, as a folder or a symlink). "Another user" is `nobody`, and the steps it takes
//! run as `nobody` (setpriv); `/tmp` is played by a sticky 1777 folder of the test's own
//! (`TMPDIR`). Needs root.

use crate::support;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::cli::{fixture_dir, hog_argv, refs, AS_NOBODY};
use support::dashboard::free_port;
use support::home::Home;
use support::tray_app::{write_replay, HOGWATCH};
use support::{err, run, wait_until, Child, Result};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).map_or(0, |m| m.mode() & 0o7777)
}

fn chmod(p: &Path, m: u32) -> Result<()> {
    Ok(std::fs::set_permissions(
        p,
        std::fs::Permissions::from_mode(m),
    )?)
}

/// Runs `script` with `sh -c` as `nobody`, the other local user.
fn as_nobody(script: &str) -> Result<()> {
    let argv: Vec<&str> = AS_NOBODY
        .iter()
        .copied()
        .chain(["sh", "-c", script])
        .collect();
    let out = run(&argv, Duration::from_secs(10))?;
    if !out.status.success() {
        return Err(err(format!("as nobody `{script}`: {}", out.stderr)));
    }
    Ok(())
}

/// A stand-in for /tmp: root's, 1777.
fn sticky_tmp() -> Result<tempfile::TempDir> {
    let t = tempfile::Builder::new().prefix("hogwatch-tmp-").tempdir()?;
    chmod(t.path(), 0o1777)?;
    Ok(t)
}

/// Names in `dir` with their modes (octal) and owners, for messages.
fn listing(dir: &Path) -> Vec<(String, String, u32)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<(String, String, u32)> = entries
        .flatten()
        .filter_map(|e| {
            let m = std::fs::symlink_metadata(e.path()).ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            Some((name, format!("{:o}", m.mode() & 0o7777), m.uid()))
        })
        .collect();
    v.sort();
    v
}

/// `hogwatch top --json` over a fixture replay into `data`, umask 022 (what most sessions
/// have: files would be 0644 and folders 0755 unless hogwatch says otherwise).
fn top_into(data: &Path) -> Result<support::CmdOutput> {
    let home = Home::new("hogwatch-modes-")?;
    let source = format!(
        "replay:{}",
        fixture_dir().join("trace_multidev_both.txt").display()
    );
    let d = data.to_string_lossy();
    let umask: [&str; 3] = ["sh", "-c", "umask 022; exec \"$0\" \"$@\""];
    let args = [
        "top",
        "--json",
        "--source",
        &source,
        "--replay-speed",
        "0",
        "--data-dir",
        &d,
    ];
    let argv = hog_argv(&umask, HOGWATCH, &home, &args);
    let out = run(&refs(&argv), Duration::from_secs(30))?;
    if !out.status.success() {
        return Err(err(format!("top into {d}: {}\n{}", out.status, out.stderr)));
    }
    Ok(out)
}

/// The data folder is 0700 and every file in it 0600.
fn all_private(data: &Path) -> Result<()> {
    let list = listing(data);
    let loose = mode(data) != 0o700
        || list.iter().any(|(_, m, _)| m != "600")
        || !list.iter().any(|(n, _, _)| n == "history.sqlite3");
    if loose {
        return Err(err(format!(
            "{} is {:o}, holding {list:?}: want a 0700 folder of 0600 files, the history \
             among them",
            data.display(),
            mode(data)
        )));
    }
    Ok(())
}

#[test]
fn history_and_alert_state_are_private_and_looser_modes_tightened() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    std::fs::create_dir(&data)?;
    chmod(&data, 0o755)?;
    top_into(&data)?;
    all_private(&data)?;

    // Loosened (a copy, a chmod, an older hogwatch): the next run tightens everything,
    // the alert state and whatever else is in the folder included.
    std::fs::write(data.join("alerts.json"), "{}")?;
    std::fs::write(data.join("notes.txt"), "mine")?;
    for (name, _, _) in listing(&data) {
        chmod(&data.join(name), 0o644)?;
    }
    chmod(&data, 0o755)?;
    top_into(&data)?;
    all_private(&data)
}

#[test]
fn a_history_file_another_user_planted_is_not_written() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    chmod(tmp.path(), 0o755)?;
    let data = tmp.path().join("data");
    std::fs::create_dir(&data)?;
    // A folder left open for a while: another user planted an empty database (an empty
    // file is a valid one) that anyone may write and its owner may read.
    chmod(&data, 0o777)?;
    let planted = data.join("history.sqlite3");
    as_nobody(&format!(
        "touch '{0}' && chmod 666 '{0}'",
        planted.display()
    ))?;
    let out = top_into(&data)?;
    let size = std::fs::metadata(&planted)?.len();
    if size != 0 {
        return Err(err(format!(
            "hogwatch wrote {size} bytes of history into {}, which belongs to nobody",
            planted.display()
        )));
    }
    if !out.stderr.contains("belongs to uid 65534") {
        return Err(err(format!("no word of the planted file:\n{}", out.stderr)));
    }
    Ok(())
}

/// `env` arguments for hogwatch with `home`, `XDG_RUNTIME_DIR` = `runtime` (unset if None)
/// and `TMPDIR` = `tmpdir`.
fn env_argv(home: &Home, runtime: Option<&Path>, tmpdir: &Path) -> Vec<String> {
    let mut v: Vec<String> = ["/usr/bin/env", "-u", "XDG_RUNTIME_DIR"]
        .map(String::from)
        .to_vec();
    v.extend(
        home.env()
            .into_iter()
            .filter(|kv| !kv.starts_with("XDG_RUNTIME_DIR=")),
    );
    if let Some(r) = runtime {
        v.push(format!("XDG_RUNTIME_DIR={}", r.display()));
    }
    v.push(format!("TMPDIR={}", tmpdir.display()));
    v
}

/// `hogwatch server` on a replay, started with `env`; returns once it serves.
fn server(tag: &str, env: &[String], replay: &Path) -> Result<Child> {
    let (port, source) = (
        free_port()?.to_string(),
        format!("replay:{}", replay.display()),
    );
    let mut argv = env.to_vec();
    argv.extend(
        [
            HOGWATCH,
            "server",
            &port,
            "--source",
            &source,
            "--replay-speed",
            "1",
        ]
        .map(String::from),
    );
    argv.push("--no-history".into());
    let mut child = Child::spawn(tag, None, &refs(&argv))?;
    wait_until("the dashboard URL", Duration::from_secs(20), || {
        let text = child.stderr_text();
        (text.contains("dashboard at") || child.try_status().is_some()).then_some(())
    })?;
    if child.try_status().is_some() {
        return Err(err(format!("[{tag}] exited:\n{}", child.stderr_text())));
    }
    Ok(child)
}

#[test]
fn an_xdg_runtime_dir_of_another_user_is_not_used() -> Result<()> {
    let tmp = sticky_tmp()?;
    let work = tempfile::tempdir()?;
    let replay = PathBuf::from(write_replay(work.path(), 120)?);
    // `XDG_RUNTIME_DIR` left pointing at another user's folder (after `su`, say), open to us.
    let theirs = tmp.path().join("their-run");
    as_nobody(&format!("mkdir -m 777 '{}'", theirs.display()))?;
    let home = Home::new("hogwatch-run-")?;
    let env = env_argv(&home, Some(&theirs), tmp.path());
    let mut first = server("xdg-first", &env, &replay)?;
    // Ours is the fallback: made 0700 in (our stand-in for) /tmp, found by a second one.
    let ours = tmp.path().join("hogwatch-0");
    let socket = ours.join("instance.sock");
    wait_until("the instance socket", Duration::from_secs(10), || {
        socket.exists().then_some(())
    })
    .map_err(|e| {
        err(format!(
            "{}; {:?}; {:?}",
            e.0,
            listing(tmp.path()),
            listing(&theirs)
        ))
    })?;
    if !listing(&theirs).is_empty() {
        return Err(err(format!(
            "hogwatch put {:?} in another user's folder",
            listing(&theirs)
        )));
    }
    let meta = std::fs::symlink_metadata(&ours)?;
    if !meta.is_dir() || meta.uid() != 0 || mode(&ours) != 0o700 {
        return Err(err(format!(
            "{} is {:o} of uid {}",
            ours.display(),
            mode(&ours),
            meta.uid()
        )));
    }
    let mut second = server("xdg-second", &env, &replay)?;
    let said = second.stderr_text();
    if !said.contains("no collector of its own") {
        return Err(err(format!(
            "the second server did not find the first:\n{said}"
        )));
    }
    second.stop();
    first.stop();
    Ok(())
}

/// Another user took `/tmp/hogwatch-0` first, as a folder of theirs or as a symlink to
/// one: hogwatch refuses it, says so and runs on, and puts nothing there.
#[test]
fn a_squatted_runtime_fallback_is_refused() -> Result<()> {
    let work = tempfile::tempdir()?;
    let replay = PathBuf::from(write_replay(work.path(), 120)?);
    for planted in ["folder", "symlink"] {
        let tmp = sticky_tmp()?;
        let (squat, theirs) = (tmp.path().join("hogwatch-0"), tmp.path().join("theirs"));
        let script = match planted {
            "folder" => format!("mkdir -m 777 '{}'", squat.display()),
            _ => format!(
                "mkdir -m 777 '{1}' && ln -s '{1}' '{0}'",
                squat.display(),
                theirs.display()
            ),
        };
        as_nobody(&script)?;
        let home = Home::new("hogwatch-run-")?;
        let mut hog = server(
            &format!("squat-{planted}"),
            &env_argv(&home, None, tmp.path()),
            &replay,
        )?;
        let said = hog.stderr_text();
        if !said.contains("cannot make sure only one hogwatch runs") {
            return Err(err(format!(
                "{planted}: no word of the refused folder:\n{said}"
            )));
        }
        let inside = [listing(&squat), listing(&theirs)].concat();
        if !inside.is_empty() {
            return Err(err(format!(
                "{planted}: hogwatch put {inside:?} in their folder"
            )));
        }
        hog.stop();
    }
    Ok(())
}
