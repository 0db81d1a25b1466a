//! Self-test of the desktop harness (tests/support/desktop/), without the app: Xvfb, the
//! private bus and xfce4-panel start, the panel hosts StatusNotifierItems, a screenshot
//! shows it, and every process is gone after the desktop drops. The screenshot is kept in
//! `target/test-artifacts/desktop_harness_panel.png`.

use crate::support;

use std::time::Duration;
use support::desktop::{artifacts_dir, strip_mnemonics, Desktop, MenuNode, TrayClient};
use support::home::Home;
use support::{err, pid_alive, Result};

#[test]
fn desktop_with_panel_starts_and_stops_without_leftovers() -> Result<()> {
    let home = Home::new("hogwatch-desktop-")?;
    let mut desktop = Desktop::start(&home)?;
    let display = desktop.display().to_owned();
    desktop.start_panel()?;

    // The watcher is on the private bus, not on any other.
    let out = desktop.run(
        &[
            "gdbus",
            "call",
            "--address",
            desktop.bus_address(),
            "--dest",
            "org.freedesktop.DBus",
            "--object-path",
            "/org/freedesktop/DBus",
            "--method",
            "org.freedesktop.DBus.NameHasOwner",
            "org.kde.StatusNotifierWatcher",
        ],
        Duration::from_secs(10),
    )?;
    if out.stdout.trim() != "(true,)" {
        return Err(err(format!(
            "StatusNotifierWatcher not owned on the private bus: {} {}",
            out.stdout, out.stderr
        )));
    }

    let shot = artifacts_dir()?.join("desktop_harness_panel.png");
    desktop.screenshot(&shot)?;
    let img = image::open(&shot)
        .map_err(|e| err(format!("cannot read {}: {e}", shot.display())))?
        .to_rgb8();
    if img.dimensions() != (1280, 800) {
        return Err(err(format!("screenshot is {:?}", img.dimensions())));
    }
    // The panel is a light bar across the top of an otherwise black root window.
    let (panel, below) = (img.get_pixel(640, 10).0, img.get_pixel(640, 400).0);
    if panel == [0, 0, 0] || below != [0, 0, 0] {
        return Err(err(format!(
            "no panel in {}: pixel at the top {panel:?}, below {below:?}",
            shot.display()
        )));
    }

    // The panel hosts items but exports none: find fails in time, saying why.
    let panel = desktop.panel_pid().ok_or_else(|| err("no panel pid"))?;
    match TrayClient::find(desktop.bus_address(), panel, Duration::from_millis(300)) {
        Ok(_) => return Err(err("TrayClient::find found an item of the panel")),
        Err(e) if e.0.contains("export no item") => {}
        Err(e) => return Err(err(format!("unexpected TrayClient::find error: {e}"))),
    }

    let procs = desktop.processes();
    for name in ["Xvfb", "dbus-daemon", "xfce4-panel", "xfconfd"] {
        if !procs.iter().any(|(n, _)| n == name) {
            return Err(err(format!(
                "no {name} among the desktop's processes {procs:?}"
            )));
        }
    }
    drop(desktop);
    let left: Vec<_> = procs.iter().filter(|(_, pid)| pid_alive(*pid)).collect();
    if !left.is_empty() {
        return Err(err(format!("still running after drop: {left:?}")));
    }
    let socket = format!("/tmp/.X11-unix/X{}", display.trim_start_matches(':'));
    if std::path::Path::new(&socket).exists() {
        return Err(err(format!("{socket} left behind")));
    }
    Ok(())
}

fn node(id: i32, label: &str, children: Vec<MenuNode>) -> MenuNode {
    MenuNode {
        id,
        label: label.to_owned(),
        enabled: true,
        visible: true,
        kind: "standard".to_owned(),
        toggle_type: String::new(),
        toggle_state: None,
        submenu: !children.is_empty(),
        children,
    }
}

#[test]
fn menu_nodes_strip_mnemonics_and_search_depth_first() {
    assert_eq!(strip_mnemonics("_Quit"), "Quit");
    assert_eq!(strip_mnemonics("wlan__0"), "wlan_0");
    assert_eq!(strip_mnemonics("__Devices"), "_Devices");
    assert_eq!(strip_mnemonics("a_"), "a_");

    let mut rates = node(1, "↓ 1 KiB/s ↑ 2 KiB/s", vec![]);
    rates.enabled = false;
    let mut eth = node(4, "eth__0", vec![]);
    eth.toggle_type = "checkmark".to_owned();
    eth.toggle_state = Some(1);
    let root = node(
        0,
        "",
        vec![
            rates,
            node(3, "_Devices", vec![eth]),
            node(5, "_Quit", vec![]),
        ],
    );
    assert_eq!(root.find_text("Quit").map(|n| n.id), Some(5));
    assert_eq!(root.find_label_prefix("↓").map(|n| n.enabled), Some(false));
    assert_eq!(
        root.find_text("eth_0").and_then(MenuNode::checked),
        Some(true)
    );
    assert_eq!(
        root.flatten().iter().map(|n| n.id).collect::<Vec<_>>(),
        [0, 1, 3, 4, 5]
    );
    assert!(root.find(|n| n.id == 9).is_none());
    let dump = root.dump();
    assert!(
        dump.contains("  3 \"Devices\" (raw \"_Devices\") >"),
        "{dump}"
    );
    assert!(
        dump.contains("    4 \"eth_0\" (raw \"eth__0\") [checkmark: on]"),
        "{dump}"
    );
    assert!(
        dump.contains("1 \"↓ 1 KiB/s ↑ 2 KiB/s\" disabled"),
        "{dump}"
    );
}
