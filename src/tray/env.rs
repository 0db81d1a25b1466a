//! Where the tray can live, checked before GTK or libayatana get a chance to abort: a
//! display, libayatana-appindicator (tray-icon loads it with dlopen and aborts the process
//! when it is missing), and a tray host to show the icon (a StatusNotifier watcher on the
//! session bus, or an XEmbed system tray on the X screen).

use std::path::{Path, PathBuf};

/// The libraries tray-icon tries, in its order.
pub const APPINDICATOR_LIBS: &[&str] = &[
    "libayatana-appindicator3.so.1",
    "libappindicator3.so.1",
    "libayatana-appindicator3.so",
    "libappindicator3.so",
];

/// What to install when none is found.
pub const APPINDICATOR_FIX: &str =
    "sudo apt install libayatana-appindicator3-1 (Fedora: sudo dnf install libayatana-appindicator-gtk3)";

/// The display the session offers ("X11 :0", "Wayland wayland-0"), or `None`. `var`
/// reads an environment variable (injected for tests).
pub fn display(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let set = |k: &str| var(k).filter(|v| !v.is_empty());
    if let Some(w) = set("WAYLAND_DISPLAY") {
        return Some(format!("Wayland {w}"));
    }
    set("DISPLAY").map(|d| format!("X11 {d}"))
}

/// Directories the dynamic loader searches, in its order: LD_LIBRARY_PATH, the
/// directories named in /etc/ld.so.conf(.d), then the defaults.
pub fn library_dirs(ld_library_path: Option<&str>, etc: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ld_library_path
        .unwrap_or_default()
        .split([':', ';'])
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    let mut confs = vec![etc.join("ld.so.conf")];
    if let Ok(rd) = std::fs::read_dir(etc.join("ld.so.conf.d")) {
        let mut more: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "conf"))
            .collect();
        more.sort();
        confs.extend(more);
    }
    for conf in confs {
        let Ok(text) = std::fs::read_to_string(&conf) else {
            continue;
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            // `include` lines point at the .d directory already read.
            if line.starts_with('/') {
                dirs.push(PathBuf::from(line));
            }
        }
    }
    for d in ["/lib", "/usr/lib", "/lib64", "/usr/lib64"] {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

/// The first appindicator library found in `dirs` (a regular, non-empty file).
pub fn find_appindicator(dirs: &[PathBuf]) -> Option<PathBuf> {
    APPINDICATOR_LIBS.iter().find_map(|lib| {
        dirs.iter()
            .map(|d| d.join(lib))
            .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() > 0))
    })
}

/// `find_appindicator` on this machine.
pub fn appindicator() -> Option<PathBuf> {
    let ld = std::env::var("LD_LIBRARY_PATH").ok();
    find_appindicator(&library_dirs(ld.as_deref(), Path::new("/etc")))
}

/// Who shows tray icons in this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayHost {
    /// A StatusNotifier host (KDE, xfce4-panel, GNOME's AppIndicator extension …).
    StatusNotifier,
    /// Only an XEmbed system tray (trayer, older panels): libayatana falls back to it.
    XEmbed,
    None,
}

/// What to tell the user when there is no tray host, by desktop (`XDG_CURRENT_DESKTOP`).
pub fn no_host_message(desktop: &str) -> String {
    let fix = if desktop.to_ascii_uppercase().contains("GNOME") {
        "GNOME shows tray icons only with the AppIndicator extension: sudo apt install \
         gnome-shell-extension-appindicator, then log out and in"
    } else {
        "start a panel with a system tray or StatusNotifier area"
    };
    format!(
        "no tray host is running, so hogwatch's icon cannot be shown — {fix}. hogwatch keeps \
         collecting and recording history; `hogwatch top` shows the live table"
    )
}

/// Is a StatusNotifier host registered on the session bus?
pub async fn status_notifier_host(conn: &zbus::Connection) -> bool {
    let Ok(dbus) = zbus::fdo::DBusProxy::new(conn).await else {
        return false;
    };
    let Ok(name) = zbus::names::BusName::try_from("org.kde.StatusNotifierWatcher") else {
        return false;
    };
    if !dbus.name_has_owner(name).await.unwrap_or(false) {
        return false;
    }
    let Ok(props) = zbus::fdo::PropertiesProxy::builder(conn)
        .destination("org.kde.StatusNotifierWatcher")
        .and_then(|b| b.path("/StatusNotifierWatcher"))
    else {
        return false;
    };
    let Ok(props) = props.build().await else {
        return false;
    };
    let Ok(iface) = zbus::names::InterfaceName::try_from("org.kde.StatusNotifierWatcher") else {
        return false;
    };
    match props.get(iface, "IsStatusNotifierHostRegistered").await {
        Ok(v) => bool::try_from(v).unwrap_or(true),
        // A watcher without the property: trust that it has a host.
        Err(_) => true,
    }
}

/// Does the X screen have an XEmbed system tray (`_NET_SYSTEM_TRAY_Sn` owned)?
/// Blocking (an X connection): call it off the GUI thread.
pub fn xembed_tray() -> bool {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::ConnectionExt as _;
    let Ok((conn, screen)) = x11rb::connect(None) else {
        return false;
    };
    let atom = format!("_NET_SYSTEM_TRAY_S{screen}");
    let owner = conn
        .intern_atom(false, atom.as_bytes())
        .ok()
        .and_then(|c| c.reply().ok())
        .and_then(|a| conn.get_selection_owner(a.atom).ok())
        .and_then(|c| c.reply().ok())
        .map(|r| r.owner);
    let _ = conn.flush();
    owner.is_some_and(|o| o != x11rb::NONE)
}

/// Probes the session for a tray host: StatusNotifier first, then XEmbed.
pub async fn tray_host(bus: Option<&zbus::Connection>) -> TrayHost {
    if let Some(conn) = bus {
        if status_notifier_host(conn).await {
            return TrayHost::StatusNotifier;
        }
    }
    match tokio::task::spawn_blocking(xembed_tray).await {
        Ok(true) => TrayHost::XEmbed,
        _ => TrayHost::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn wayland_then_x11_then_nothing() {
        assert_eq!(
            display(vars(&[("WAYLAND_DISPLAY", "wayland-0"), ("DISPLAY", ":0")])),
            Some("Wayland wayland-0".into())
        );
        assert_eq!(
            display(vars(&[("WAYLAND_DISPLAY", ""), ("DISPLAY", ":1")])),
            Some("X11 :1".into())
        );
        assert_eq!(display(vars(&[("DISPLAY", "")])), None);
        assert_eq!(display(vars(&[])), None);
    }

    #[test]
    fn finds_the_library_where_the_loader_would() {
        let root = tempfile::tempdir().unwrap();
        let etc = root.path().join("etc");
        let lib = root.path().join("opt/lib");
        let empty = root.path().join("empty");
        std::fs::create_dir_all(etc.join("ld.so.conf.d")).unwrap();
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::create_dir_all(&empty).unwrap();
        std::fs::write(etc.join("ld.so.conf"), "include /etc/ld.so.conf.d/*.conf\n").unwrap();
        std::fs::write(
            etc.join("ld.so.conf.d/x.conf"),
            format!("# comment\n{}\n", lib.display()),
        )
        .unwrap();
        let dirs = library_dirs(Some(&format!("{}:", empty.display())), &etc);
        assert_eq!(dirs[0], empty);
        assert_eq!(dirs[1], lib);
        assert_eq!(find_appindicator(&dirs[..2]), None);

        // An empty file (or /dev/null bound over the library) is not a library.
        std::fs::write(lib.join("libayatana-appindicator3.so.1"), "").unwrap();
        assert_eq!(find_appindicator(&dirs[..2]), None);
        std::fs::write(lib.join("libappindicator3.so.1"), "ELF").unwrap();
        assert_eq!(
            find_appindicator(&dirs[..2]),
            Some(lib.join("libappindicator3.so.1"))
        );
    }

    #[test]
    fn the_gnome_message_names_the_extension() {
        assert!(no_host_message("ubuntu:GNOME").contains("AppIndicator extension"));
        assert!(!no_host_message("XFCE").contains("AppIndicator"));
        assert!(no_host_message("").contains("keeps collecting"));
    }
}
