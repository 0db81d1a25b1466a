//! Running the tray applet in tests: a two-device replay whose rates are known, the
//! rates in a menu label, finding rows and items, starting `hogwatch` on a desktop and
//! finding its tray item, and quitting it through the menu.

use super::desktop::{Desktop, MenuNode, TrayClient};
use super::replay::{self, Talker};
use super::{err, Child, Result};
use std::path::Path;
use std::time::Duration;

pub const HOGWATCH: &str = env!("CARGO_BIN_EXE_hogwatch");
pub const MIB: f64 = 1024.0 * 1024.0;
pub const KIB: f64 = 1024.0;

/// The replay's talkers: a big downloader on eth0, an uploader on wlan0, a small one on
/// eth0. Plus 40 KiB/s down per device that no process owns.
pub fn talkers() -> Vec<Talker> {
    vec![
        Talker {
            pid: 4242,
            exe: "/usr/bin/bigdown",
            device: "eth0",
            up_per_s: 10 * 1024,
            down_per_s: 2 * 1024 * 1024,
        },
        Talker {
            pid: 4343,
            exe: "/usr/bin/uploader",
            device: "wlan0",
            up_per_s: 512 * 1024,
            down_per_s: 4 * 1024,
        },
        Talker {
            pid: 4444,
            exe: "/usr/lib/small/chatty",
            device: "eth0",
            up_per_s: 3 * 1024,
            down_per_s: 5 * 1024,
        },
    ]
}

pub fn write_replay(dir: &Path, seconds: u64) -> Result<String> {
    let path = dir.join("two-devices.jsonl");
    replay::write(
        &path,
        &["eth0", "wlan0"],
        &talkers(),
        seconds,
        (0, 40 * 1024),
    )?;
    Ok(path.to_string_lossy().into_owned())
}

/// "↓ 2.00 MiB/s ↑ 10.0 KiB/s" anywhere in `label` → (down, up) bytes per second.
pub fn rates(label: &str) -> Option<(f64, f64)> {
    let value = |arrow: char| -> Option<f64> {
        let rest = label.split(arrow).nth(1)?.trim_start();
        let mut it = rest.split_whitespace();
        let n: f64 = it.next()?.parse().ok()?;
        let unit = match it.next()? {
            "B/s" => 1.0,
            "KiB/s" => KIB,
            "MiB/s" => MIB,
            "GiB/s" => MIB * 1024.0,
            _ => return None,
        };
        Some(n * unit)
    };
    Some((value('↓')?, value('↑')?))
}

pub fn near(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= expected * tolerance
}

/// The row whose label starts with `name` (rows are the submenus that carry rates).
pub fn row<'a>(menu: &'a MenuNode, name: &str) -> Option<&'a MenuNode> {
    menu.find(|n| n.submenu && n.text().starts_with(name) && rates(&n.text()).is_some())
}

/// The header: the first item of the menu.
pub fn header(menu: &MenuNode) -> String {
    menu.children
        .first()
        .map(MenuNode::text)
        .unwrap_or_default()
}

pub fn item<'a>(menu: &'a MenuNode, text: &str) -> Result<&'a MenuNode> {
    menu.find_text(text)
        .ok_or_else(|| err(format!("no item {text:?} in the menu:\n{}", menu.dump())))
}

/// `hogwatch --source replay:SOURCE --replay-speed 1 --no-history`.
pub fn replay_argv(source: &str) -> [&str; 6] {
    [
        HOGWATCH,
        "--source",
        source,
        "--replay-speed",
        "1",
        "--no-history",
    ]
}

/// Starts `hogwatch ARGS…` on the desktop and finds its tray item.
pub fn start_tray(desktop: &Desktop, tag: &str, argv: &[&str]) -> Result<(Child, TrayClient)> {
    let hog = desktop.spawn(tag, argv)?;
    let tray = TrayClient::find(desktop.bus_address(), hog.pid(), Duration::from_secs(20))
        .map_err(|e| err(format!("{e}; hogwatch stderr:\n{}", hog.stderr_text())))?;
    Ok((hog, tray))
}

/// Clicks Quit and expects hogwatch to exit with status 0 within 3 s.
pub fn quit(tray: &TrayClient, hog: &mut Child) -> Result<()> {
    let menu = tray.layout()?;
    tray.click(item(&menu, "Quit")?.id)?;
    let status = hog.wait_exit(Duration::from_secs(3))?;
    if !status.success() {
        return Err(err(format!(
            "hogwatch exited with {status} after Quit; stderr:\n{}",
            hog.stderr_text()
        )));
    }
    Ok(())
}
