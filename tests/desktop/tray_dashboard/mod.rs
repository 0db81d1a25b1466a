//! The dashboard window end to end, under Xvfb with a private D-Bus session bus (the
//! harness of `tests/desktop/tray.rs`): the menu is clicked over `com.canonical.dbusmenu` as a
//! tray host would, the window is found and closed over X11 (x11rb) as a window manager
//! would, the window's process and WebKit's are found in /proc.
//!
//! * "Open dashboard" starts one window process (`hogwatch-window`, a child of the tray;
//!   the tray itself maps no WebKit library) with one top-level window titled "hogwatch"
//!   (about 1100×750) whose webview loads the dashboard and shows its live figures (saved
//!   as `target/test-artifacts/dashboard-window.png`; under this machine's C.UTF-8 locale,
//!   which WebKit alone would hand the page as language "C"); the key is on no command
//!   line; opening again, or "Show in dashboard" of a row, raises the same window of the
//!   same process (the latter loads its URL); closing it (WM_DELETE_WINDOW) removes it, and
//!   the window process and WebKit's exit; Quit exits in < 3 s, the window with it.
//!   The tray's RSS before, with the window and after is printed.
//! * [`crash`]: SIGKILL of the window process leaves the tray running; it says so, and the
//!   next "Open dashboard" opens a new window.
//! * `--browser`: "Open dashboard" runs `xdg-open URL` (a stand-in that records its
//!   command line: the only test double, everything else is real) and makes no window.
//!   That command line, which any local user can read, has neither the token nor the key
//!   but a one-time code, which opens the dashboard's key once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::path::Path;
use std::time::Duration;
use support::desktop::{artifacts_dir, Desktop, MenuNode, TrayClient};
use support::home::Home;
use support::tray_app::{item, quit, replay_argv, start_tray, write_replay, HOGWATCH};
use support::{err, find_pids, pid_alive, wait_until, Result};

mod crash;
mod x;
use x::X;

/// The window's title (the dashboard page's <title> too).
const TITLE: &str = "hogwatch";
/// What the app logs (at info) when the webview has loaded the page.
const LOADED: &str = "dashboard window: loaded http://127.0.0.1:";
/// What the app logs (at info) when "Open dashboard" finds the window open.
const RAISED: &str = "dashboard window: raised";
/// The window process (argv[0] ends so), a child of the tray.
const WINDOW_PROCESS: &str = "hogwatch-window";
/// WebKit's helper processes (argv[0] ends so), children of the window process.
const WEB_PROCESS: &str = "WebKitWebProcess";
const NETWORK_PROCESS: &str = "WebKitNetworkProcess";

/// Generous for a first WebKit start on a busy 2-core machine.
const WINDOW_TIMEOUT: Duration = Duration::from_secs(30);
/// "Within a few seconds" after the window closes.
const EXIT_TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn one_dashboard_window_and_closing_it_ends_webkit() -> Result<()> {
    let home = Home::new("hogwatch-dash-")?;
    let mut s = Setup::start(&home, "dash-window")?;
    let pid = s.hog.pid();

    let menu = wait_dashboard_enabled(&s.tray)?;
    let rss_before = rss(pid)?;
    assert!(
        mapped_libraries(pid, &["libwebkit2gtk", "libjavascriptcoregtk"]).is_empty(),
        "the tray maps WebKit"
    );
    assert!(
        children(pid, WINDOW_PROCESS).is_empty(),
        "no window process before Open dashboard"
    );

    // Open dashboard: one window process, one window, the page loaded and drawn.
    let t0 = std::time::Instant::now();
    s.tray.click(item(&menu, "Open dashboard")?.id)?;
    let (wpid, win) = wait_window(&s.hog, &s.x, pid)?;
    let mapped = t0.elapsed();
    let (w, h) = (win.width, win.height);
    assert!(
        (1000..=1200).contains(&w) && (680..=800).contains(&h),
        "window size {w}×{h}, expected about 1100×750"
    );
    // The URL and its key reach it on its stdin: its command line is its name alone.
    let argv = support::proc_cmdline(wpid);
    assert!(
        argv.len() == 1 && argv[0].ends_with(WINDOW_PROCESS),
        "the window's command line: {argv:?}"
    );
    wait_until("the page to load", WINDOW_TIMEOUT, || {
        s.hog.stderr_text().contains(LOADED).then_some(())
    })
    .map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", s.hog.stderr_text())))?;
    let loaded = t0.elapsed();
    // Drawn: a blank webview (or a window not yet painted) is one colour; text is many.
    let colours = wait_until("the page to be drawn", WINDOW_TIMEOUT, || {
        s.x.distinct_colours(&win).ok().filter(|&n| n >= 16)
    })
    .map_err(|e| {
        err(format!(
            "{e} (colours: {:?})",
            s.x.distinct_colours(&win).ok()
        ))
    })?;
    let drawn = t0.elapsed();
    s.x.wait_live(&win)
        .map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", s.hog.stderr_text())))?;
    let live = t0.elapsed();
    let web = wait_until("WebKit's web process", WINDOW_TIMEOUT, || {
        let p = children(wpid, WEB_PROCESS);
        (!p.is_empty()).then_some(p)
    })?;
    let network = children(wpid, NETWORK_PROCESS);
    s.desktop
        .screenshot(&artifacts_dir()?.join("dashboard-window.png"))?;
    let rss_open = rss(pid)?;
    let rss_window = rss(wpid)?;
    let rss_web: u64 = web
        .iter()
        .filter_map(|&p| rss(p).ok())
        .map(|r| r.total)
        .sum();
    let rss_network: u64 = network
        .iter()
        .filter_map(|&p| rss(p).ok())
        .map(|r| r.total)
        .sum();

    // Open dashboard again: the same window of the same process, raised.
    let menu = s.tray.layout()?;
    s.tray.click(item(&menu, "Open dashboard")?.id)?;
    wait_until("the window to be raised", Duration::from_secs(10), || {
        (s.hog.stderr_text().matches(RAISED).count() >= 1).then_some(())
    })?;
    assert_eq!(children(pid, WINDOW_PROCESS), [wpid], "one window process");
    let wins = s.x.windows_titled(wpid)?;
    assert_eq!(wins.len(), 1, "one window after opening twice: {wins:?}");
    assert_eq!(wins[0].id, win.id, "the same window");

    // "Show in dashboard" of a row: the same window, now on that app's URL.
    click_show_in_dashboard(&s.tray)?;
    wait_until("the row's page to load", WINDOW_TIMEOUT, || {
        let s = s.hog.stderr_text();
        (s.matches(RAISED).count() >= 2 && s.matches(LOADED).count() >= 2).then_some(())
    })
    .map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", s.hog.stderr_text())))?;
    assert_eq!(children(pid, WINDOW_PROCESS), [wpid], "one window process");
    let wins = s.x.windows_titled(wpid)?;
    assert_eq!(
        wins.len(),
        1,
        "one window after Show in dashboard: {wins:?}"
    );
    assert_eq!(wins[0].id, win.id, "the same window");

    // Close it as a window manager does: the window goes, its process, and WebKit's.
    let t1 = std::time::Instant::now();
    s.x.delete_window(win.id)?;
    wait_until("the window to go", EXIT_TIMEOUT, || {
        s.x.windows_titled(wpid).ok()?.is_empty().then_some(())
    })?;
    wait_until("the window process to exit", EXIT_TIMEOUT, || {
        (!pid_alive(wpid)).then_some(())
    })?;
    wait_until("WebKit's web process to exit", EXIT_TIMEOUT, || {
        web.iter().all(|&p| !pid_alive(p)).then_some(())
    })
    .map_err(|e| err(format!("{e}: still running {web:?}")))?;
    let web_gone = t1.elapsed();
    let network_gone = wait_until("WebKit's network process to exit", EXIT_TIMEOUT, || {
        network
            .iter()
            .all(|&p| !pid_alive(p))
            .then_some(t1.elapsed())
    });
    assert!(pid_alive(pid), "hogwatch keeps running without its window");
    let closed = wait_until("the tray to see it closed", EXIT_TIMEOUT, || {
        s.hog
            .stderr_text()
            .contains(&format!("dashboard window: closed (pid {wpid})"))
            .then_some(())
    });
    // Let the GUI thread settle before measuring.
    let menu = s.tray.layout()?;
    let rss_after = rss(pid)?;

    eprintln!(
        "[dashboard] window mapped after {mapped:?}, page loaded after {loaded:?}, drawn \
         after {drawn:?} ({colours} colours), live after {live:?}; size {w}×{h}"
    );
    eprintln!(
        "[dashboard] tray VmRSS: before {rss_before}; window open {rss_open}; after \
         closing {rss_after}. \
         Window process {rss_window} (+ web process {rss_web} KiB, network process \
         {rss_network} KiB)"
    );
    eprintln!(
        "[dashboard] after closing: window process and web process gone in {web_gone:?}; \
         network process {network:?} {}",
        match &network_gone {
            Ok(d) => format!("gone in {d:?}"),
            Err(_) => format!("still running after {EXIT_TIMEOUT:?}"),
        }
    );
    network_gone?;
    closed.map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", s.hog.stderr_text())))?;
    assert!(
        !s.hog.stderr_text().contains("crashed"),
        "a closed window is no crash"
    );

    // Opening again after closing works (a new window process), and Quit still exits in
    // < 3 s with it open, the window process and WebKit's with it.
    s.tray.click(item(&menu, "Open dashboard")?.id)?;
    let (wpid2, _) = wait_window(&s.hog, &s.x, pid)?;
    assert_ne!(wpid2, wpid, "a new window process");
    let webkit = wait_until("WebKit's processes again", WINDOW_TIMEOUT, || {
        let web = children(wpid2, WEB_PROCESS);
        let network = children(wpid2, NETWORK_PROCESS);
        (!web.is_empty() && !network.is_empty()).then(|| [web, network].concat())
    })?;
    quit(&s.tray, &mut s.hog)?;
    wait_until(
        "the window and WebKit's processes to exit after Quit",
        EXIT_TIMEOUT,
        || (webkit.iter().all(|&p| !pid_alive(p)) && !pid_alive(wpid2)).then_some(()),
    )?;
    Ok(())
}

/// A tray on a desktop of its own, replaying the two devices, logging at info (the window
/// process's lines too, on the same stderr), and an X connection to find its windows.
/// Dropped in field order: the tray stops before its desktop goes.
struct Setup<'a> {
    hog: support::Child,
    tray: TrayClient,
    x: X,
    desktop: Desktop<'a>,
    _work: tempfile::TempDir,
}

impl<'a> Setup<'a> {
    /// In `home` (a fresh one per test).
    fn start(home: &'a Home, tag: &str) -> Result<Setup<'a>> {
        let desktop = Desktop::start(home)?;
        let work = tempfile::tempdir()?;
        let source = format!("replay:{}", write_replay(work.path(), 300)?);
        let mut argv = vec!["/usr/bin/env", "HOGWATCH_LOG=hogwatch=info"];
        argv.extend(replay_argv(&source));
        let (hog, tray) = start_tray(&desktop, tag, &argv)?;
        let x = X::connect(desktop.display())?;
        Ok(Setup {
            hog,
            tray,
            x,
            desktop,
            _work: work,
        })
    }
}

/// The tray's window process once it runs, and its window once it is mapped.
fn wait_window(hog: &support::Child, x: &X, tray: u32) -> Result<(u32, x::TopLevel)> {
    wait_until("the dashboard window", WINDOW_TIMEOUT, || {
        let wpid = *children(tray, WINDOW_PROCESS).first()?;
        let win = x.windows_titled(wpid).ok()?.into_iter().next()?;
        Some((wpid, win))
    })
    .map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", hog.stderr_text())))
}

/// The libraries of `libs` that `pid` maps.
fn mapped_libraries(pid: u32, libs: &[&str]) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut found: Vec<String> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|path| libs.iter().any(|l| path.contains(l)))
        .map(str::to_owned)
        .collect();
    found.dedup();
    found
}

#[test]
fn with_browser_open_dashboard_runs_xdg_open_and_makes_no_window() -> Result<()> {
    let home = Home::new("hogwatch-dash-br-")?;
    let desktop = Desktop::start(&home)?;
    let work = tempfile::tempdir()?;
    let source = format!("replay:{}", write_replay(work.path(), 300)?);
    // The browser's stand-in: records the URL it was given, one line per call.
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin)?;
    let record = work.path().join("xdg-open.txt");
    fake_xdg_open(&bin.join("xdg-open"), &record)?;
    let path = format!(
        "PATH={}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut argv = vec!["/usr/bin/env", path.as_str(), HOGWATCH, "--browser"];
    argv.extend(replay_argv(&source).into_iter().skip(1));
    let (mut hog, tray) = start_tray(&desktop, "dash-browser", &argv)?;
    let pid = hog.pid();
    let x = X::connect(desktop.display())?;

    let menu = wait_dashboard_enabled(&tray)?;
    tray.click(item(&menu, "Open dashboard")?.id)?;
    let urls = wait_until("xdg-open to be run", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&record).ok()?;
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        (!lines.is_empty()).then_some(lines)
    })
    .map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", hog.stderr_text())))?;
    assert_eq!(urls.len(), 1, "one call: {urls:?}");
    let url = &urls[0];
    // xdg-open's command line, which every local user can read, has no credential but a
    // one-time code.
    let token = std::fs::read_to_string(home.path().join("config/hogwatch/token"))?;
    let token = token.trim();
    assert!(
        !url.contains(token),
        "xdg-open's command line carries the dashboard's token: {url:?}"
    );
    let (base, code) = url.split_once("#code=").ok_or_else(|| {
        err(format!(
            "xdg-open got {url:?}, not the dashboard with a code"
        ))
    })?;
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with('/'),
        "xdg-open got {url:?}"
    );
    // The tray names the dashboard's address, never its key.
    let stderr = hog.stderr_text();
    assert!(
        stderr.contains(&format!("hogwatch: dashboard at {base} ")) && !stderr.contains("#key="),
        "{base} is the dashboard's address; stderr:\n{stderr}"
    );
    // The code opens the page once, and what it opens is the key to the data.
    let port: u16 = base
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .map_err(|_| err(format!("no port in {base}")))?;
    let (status, body) = trade(port, code)?;
    assert_eq!(status, 200, "the code from xdg-open: {body}");
    let key: serde_json::Value = serde_json::from_str(&body)?;
    let key = key["key"].as_str().unwrap_or_default().to_owned();
    assert!(!key.is_empty() && !url.contains(&key), "{body}");
    assert_eq!(trade(port, code)?.0, 401, "the code opened a second time");
    let snap = support::dashboard::get(port, &key, "/api/snapshot")?;
    assert_eq!(snap.status, 200, "{}", snap.body);

    // "Show in dashboard": the browser again, with the app.
    click_show_in_dashboard(&tray)?;
    let urls = wait_until("xdg-open to be run again", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&record).ok()?;
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        (lines.len() >= 2).then_some(lines)
    })?;
    let (shown, code2) = urls[1].split_once("#code=").unwrap_or_default();
    assert!(
        shown.starts_with(&format!("{base}?app=")) && !code2.is_empty() && code2 != code,
        "Show in dashboard opened {:?}",
        urls[1]
    );
    assert!(!urls[1].contains(token) && !urls[1].contains(&key));
    assert_eq!(trade(port, code2)?.0, 200, "the second code");

    // No window process, so no window and no WebKit: the GUI thread had decided before
    // the backend ran xdg-open.
    assert!(
        children(pid, WINDOW_PROCESS).is_empty(),
        "no window process with --browser"
    );
    assert!(
        x.windows_titled(pid)?.is_empty(),
        "no window with --browser"
    );
    quit(&tray, &mut hog)
}

/// Waits until the menu's "Open dashboard" is enabled (the server listens).
fn wait_dashboard_enabled(tray: &support::desktop::TrayClient) -> Result<MenuNode> {
    tray.wait_layout(Duration::from_secs(15), |m| {
        m.find_text("Open dashboard").is_some_and(|n| n.enabled)
    })
}

/// `POST /api/session` with the one-time `code` on loopback `port`; (status, body).
fn trade(port: u16, code: &str) -> Result<(u16, String)> {
    let r = support::dashboard::request(
        port,
        &format!(
            "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
             Authorization: Code {code}"
        ),
        b"",
    )?;
    Ok((r.status, r.body))
}

/// A shell script at `path` that appends its whole command line to `record`.
fn fake_xdg_open(path: &Path, record: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n",
        record.display()
    );
    std::fs::write(path, script)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// Resident memory of a process, KiB: `VmRSS`, and its anonymous and file-backed parts
/// (mapped libraries count in the latter).
struct Rss {
    total: u64,
    anon: u64,
    file: u64,
}

impl std::fmt::Display for Rss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} KiB (anon {} KiB, file {} KiB)",
            self.total, self.anon, self.file
        )
    }
}

fn rss(pid: u32) -> Result<Rss> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| err(format!("no {name} for pid {pid}")))
    };
    Ok(Rss {
        total: field("VmRSS")?,
        anon: field("RssAnon")?,
        file: field("RssFile")?,
    })
}

/// The parent of a process.
fn parent(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Live children of `pid` whose argv[0] ends with `name`.
fn children(pid: u32, name: &str) -> Vec<u32> {
    find_pids(|argv| argv[0].ends_with(name))
        .into_iter()
        .filter(|&p| parent(p) == Some(pid))
        .collect()
}

/// Clicks the first row's "Show in dashboard" once the dashboard server enabled it.
fn click_show_in_dashboard(tray: &TrayClient) -> Result<()> {
    let enabled_show = |m: &MenuNode| {
        m.find(|n| n.text() == "Show in dashboard" && n.enabled)
            .map(|n| n.id)
    };
    let menu = tray.wait_layout(Duration::from_secs(15), |m| enabled_show(m).is_some())?;
    tray.click(enabled_show(&menu).ok_or_else(|| err("no enabled Show in dashboard"))?)
}
