//! The GUI stays in the GUI programs, checked on what was built and what runs:
//!
//! - each binary's dynamic section (`DT_NEEDED`, read with readelf): `hogwatch` needs no
//!   GTK, GDK, WebKit, JavaScriptCore or appindicator library, `hogwatch-tray` no WebKit
//!   or JavaScriptCore, and `hogwatch-window` does need WebKitGTK (so the check can fail);
//! - `hogwatch top` and `hogwatch server`, running on a replay, map none of those
//!   libraries (`/proc/PID/maps`); their peak RSS (VmHWM) is printed.
//!
//! `tests/core/architecture.rs` keeps the source that way; this checks that the linker
//! did (it drops a library no code of the binary reaches: `--as-needed`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;
use std::time::Duration;
use support::cli::{hog_argv, refs, replay_top};
use support::dashboard::Server;
use support::home::Home;
use support::tray_app::{write_replay, HOGWATCH};
use support::{err, run_ok, Child, Result};

const TRAY: &str = env!("CARGO_BIN_EXE_hogwatch-tray");
const WINDOW: &str = env!("CARGO_BIN_EXE_hogwatch-window");

/// Library name starts no GUI-free program may need or map.
const GUI: [&str; 6] = [
    "libgtk",
    "libgdk",
    "libwebkit",
    "libjavascriptcore",
    "libayatana",
    "libappindicator",
];
const WEBKIT: [&str; 2] = ["libwebkit", "libjavascriptcore"];

/// The `DT_NEEDED` entries of the ELF file `path`.
fn needed(path: &str) -> Result<Vec<String>> {
    let out = run_ok(&["readelf", "-d", path])?;
    // "0x… (NEEDED)  Shared library: [libgtk-3.so.0]"
    Ok(out
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once('[')?.1.split_once(']')?.0.to_owned()))
        .collect())
}

fn matching(libs: &[String], starts: &[&str]) -> Vec<String> {
    libs.iter()
        .filter(|l| starts.iter().any(|s| l.starts_with(s)))
        .cloned()
        .collect()
}

#[test]
fn only_the_window_links_webkit_and_hogwatch_links_no_gui() -> Result<()> {
    let hogwatch = needed(HOGWATCH)?;
    let tray = needed(TRAY)?;
    let window = needed(WINDOW)?;
    eprintln!("[gui-free] hogwatch NEEDED: {hogwatch:?}");
    eprintln!("[gui-free] hogwatch-tray NEEDED: {tray:?}");
    eprintln!("[gui-free] hogwatch-window NEEDED: {window:?}");
    assert!(
        !hogwatch.is_empty() && hogwatch.iter().any(|l| l.starts_with("libc.so")),
        "readelf found no NEEDED in hogwatch: {hogwatch:?}"
    );
    assert_eq!(matching(&hogwatch, &GUI), Vec::<String>::new(), "hogwatch");
    assert_eq!(
        matching(&tray, &WEBKIT),
        Vec::<String>::new(),
        "hogwatch-tray"
    );
    assert!(
        tray.iter().any(|l| l.starts_with("libgtk-3")),
        "hogwatch-tray does not need GTK: {tray:?}"
    );
    assert!(
        window.iter().any(|l| l.starts_with("libwebkit2gtk-4.1")),
        "hogwatch-window does not need WebKitGTK: {window:?}"
    );
    Ok(())
}

/// The mapped files of `pid` whose name starts with one of `starts`, and its VmHWM (KiB).
fn gui_maps(pid: u32) -> Result<(Vec<String>, u64)> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))?;
    let mut found: Vec<String> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or_default();
            GUI.iter().any(|s| name.starts_with(s))
        })
        .map(str::to_owned)
        .collect();
    found.dedup();
    // A program that maps anything maps its own executable: the maps were read.
    if !maps.contains("hogwatch") {
        return Err(err(format!("/proc/{pid}/maps shows no hogwatch:\n{maps}")));
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| err(format!("no VmHWM for {pid}")))?;
    Ok((found, hwm))
}

#[test]
fn top_and_server_map_no_gui_library() -> Result<()> {
    let work = tempfile::tempdir()?;
    let replay = write_replay(work.path(), 60)?;
    let source = format!("replay:{replay}");

    // `hogwatch top --json` on the replay: measured once it printed a snapshot.
    let home = Home::new("hogwatch-guifree-")?;
    let argv = hog_argv(
        &[],
        HOGWATCH,
        &home,
        &[&replay_top(&source, "1")[..], &["--no-history"]].concat(),
    );
    let mut top = Child::spawn("gui-free-top", None, &refs(&argv))?;
    top.lines()
        .wait_for("a snapshot", Duration::from_secs(20), |l| {
            l.starts_with('{')
        })?;
    let (top_gui, top_hwm) = gui_maps(top.pid())?;
    top.stop();

    // `hogwatch server` on the same replay: measured once it serves.
    let server = Server::start("gui-free-server", std::path::Path::new(&replay), None)?;
    let (server_gui, server_hwm) = gui_maps(server.child.pid())?;

    eprintln!("[gui-free] VmHWM: hogwatch top {top_hwm} KiB, hogwatch server {server_hwm} KiB");
    assert_eq!(
        top_gui,
        Vec::<String>::new(),
        "hogwatch top maps GUI libraries"
    );
    assert_eq!(
        server_gui,
        Vec::<String>::new(),
        "hogwatch server maps GUI libraries"
    );
    Ok(())
}
