//! End-to-end desktop tests of the tray applet: a private X display, session bus and tray
//! host, and a client that reads and clicks the applet's menu over D-Bus like a tray host.
//!
//! * [`Desktop`]: Xvfb on a free display, a private `dbus-daemon --session` whose activated
//!   services (xfconfd, …) live in the test's [`Home`], and on request an xfce4-panel 4.18
//!   with the Status Tray plugin ([`Desktop::start_panel`]), which owns
//!   `org.kde.StatusNotifierWatcher` and draws StatusNotifierItems and XEmbed icons.
//!   [`Desktop::screenshot`] saves the screen; [`Desktop::open_tray_menu`] right-clicks the
//!   first tray icon (XTEST, through x11rb) so the menu shows in the next screenshot.
//!   Run the app with [`Desktop::spawn`] (or [`Desktop::env`]/[`Desktop::command`]).
//!   Everything is stopped by pid on drop, also on panic: the panel, every other process
//!   connected to the private bus (D-Bus activated services are reparented to init, so
//!   they are found through the bus, not the process tree), the bus, the X server.
//! * [`TrayClient`]: finds the StatusNotifierItem that a given pid exports on the private
//!   bus (libayatana: `/org/ayatana/NotificationItem/<id>`, menu at `…/Menu`), reads its
//!   menu (`com.canonical.dbusmenu.GetLayout`) as a [`MenuNode`] tree, clicks items and
//!   reads the item's properties (`XAyatanaLabel`, `IconName`, …).
//!
//! Declare the [`Home`] before the [`Desktop`] (the desktop borrows it) and the app's
//! [`Child`] after the desktop, so the app stops first. The blocking D-Bus calls here must
//! not run on a tokio runtime thread (zbus's blocking API runs its own runtime).

use super::home::Home;
use super::{err, pid_alive, run, signal_pid, wait_until, Child, CmdOutput, Error, Result};
use std::collections::{HashMap, HashSet};
use std::fmt::{Display, Write as _};
use std::io::IoSlice;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};
use x11rb::connection::{Connection as _, RequestConnection as _};
use x11rb::properties::WmClass;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, MapState, Window};
use x11rb::rust_connection::RustConnection;
use zbus::zvariant::{OwnedValue, Value};

/// Screen of the virtual X server: wide enough for a full-width panel and an open menu.
pub const SCREEN: &str = "1280x800x24";

/// First X display number tried, clear of real sessions (:0, :1). Numbers in use (socket
/// or lock file present) are skipped; a race lost to another server moves on.
const FIRST_DISPLAY: u32 = 90;
/// How many display numbers are tried before giving up.
const DISPLAY_TRIES: u32 = 200;

const XVFB_TIMEOUT: Duration = Duration::from_secs(20);
const BUS_TIMEOUT: Duration = Duration::from_secs(20);
const PANEL_TIMEOUT: Duration = Duration::from_secs(30);
const ICON_TIMEOUT: Duration = Duration::from_secs(20);
const MENU_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound of one D-Bus method call, so a hung peer fails a test instead of stalling it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Bound of an Introspect call while looking for an app's item (GDBus answers at once).
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// When a connection that did not answer Introspect is asked again.
const SILENT_RETRY: Duration = Duration::from_secs(5);
/// Grace between SIGTERM and SIGKILL when stopping bus peers.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Inherited variables that would point clients at the real session (a Wayland
/// compositor, the user's bus, X cookie or session manager) or make the app believe it
/// runs under a particular desktop. They are removed for every process started here.
pub const ENV_REMOVE: &[&str] = &[
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "XAUTHORITY",
    "SESSION_MANAGER",
    "XDG_SESSION_TYPE",
    "XDG_CURRENT_DESKTOP",
    "XDG_SESSION_DESKTOP",
    "DESKTOP_SESSION",
];

/// Menu properties asked from `GetLayout` (an empty list would mean "all").
const LAYOUT_PROPS: &[&str] = &[
    "label",
    "enabled",
    "visible",
    "type",
    "toggle-type",
    "toggle-state",
    "children-display",
];

const SNI_IFACE: &str = "org.kde.StatusNotifierItem";
const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const DBUSMENU_IFACE: &str = "com.canonical.dbusmenu";
const AYATANA_ROOT: &str = "/org/ayatana/NotificationItem";
/// Where pure-Rust items (ksni) export themselves.
const KSNI_PATH: &str = "/StatusNotifierItem";

// ------------------------------------------------------------------------------- desktop

/// A private X display, session bus and (optionally) tray host. See the module docs.
pub struct Desktop<'h> {
    home_dir: PathBuf,
    home_env: Vec<(String, String)>,
    runtime_dir: PathBuf,
    display: String,
    bus_address: String,
    // Stopped in this order on drop (see `Drop`): panel, bus peers, bus, X server.
    panel: Option<Child>,
    bus: Option<Child>,
    xvfb: Option<Child>,
    _home: PhantomData<&'h Home>,
}

impl<'h> Desktop<'h> {
    /// Starts Xvfb on a free display and a private session bus whose activated services
    /// see `home` as HOME and its XDG directories. Takes well under a second.
    pub fn start(home: &'h Home) -> Result<Desktop<'h>> {
        let home_env: Vec<(String, String)> = home
            .env()
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let home_dir = home_env
            .iter()
            .find(|(k, _)| k == "HOME")
            .map(|(_, v)| PathBuf::from(v))
            .ok_or_else(|| err("Home::env has no HOME"))?;
        // XDG_RUNTIME_DIR inside the Home: GTK, tray-icon (it writes the icon PNGs there)
        // and activated services use it, and it must not be the real session's.
        let runtime_dir = home_dir.join("runtime");
        std::fs::create_dir_all(&runtime_dir)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime_dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let (xvfb, display) = start_xvfb()?;
        let mut desktop = Desktop {
            home_dir,
            home_env,
            runtime_dir,
            display,
            bus_address: String::new(),
            panel: None,
            bus: None,
            xvfb: Some(xvfb),
            _home: PhantomData,
        };
        desktop.start_bus()?;
        Ok(desktop)
    }

    /// The X display, e.g. `:90`.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The private bus, e.g. `unix:path=/tmp/…/runtime/bus-90,guid=…`.
    pub fn bus_address(&self) -> &str {
        &self.bus_address
    }

    /// The HOME every process here runs with.
    pub fn home_dir(&self) -> &Path {
        &self.home_dir
    }

    /// Environment for a process on this desktop: the Home's variables (HOME, XDG_*, …),
    /// XDG_RUNTIME_DIR inside it, DISPLAY, DBUS_SESSION_BUS_ADDRESS, GDK_BACKEND=x11 and
    /// NO_AT_BRIDGE=1 (else GTK activates the accessibility bus: at-spi-bus-launcher, its
    /// own dbus-daemon and at-spi2-registryd for every desktop). Also remove
    /// [`ENV_REMOVE`] from the inherited environment ([`Desktop::command`],
    /// [`Desktop::spawn`] and [`Desktop::run`] do both).
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = self.base_env();
        env.push((
            "DBUS_SESSION_BUS_ADDRESS".to_owned(),
            self.bus_address.clone(),
        ));
        env
    }

    fn base_env(&self) -> Vec<(String, String)> {
        let mut env = self.home_env.clone();
        env.push((
            "XDG_RUNTIME_DIR".to_owned(),
            self.runtime_dir.display().to_string(),
        ));
        env.push(("DISPLAY".to_owned(), self.display.clone()));
        env.push(("GDK_BACKEND".to_owned(), "x11".to_owned()));
        env.push(("NO_AT_BRIDGE".to_owned(), "1".to_owned()));
        env
    }

    /// A `Command` for `program` with this desktop's environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for k in ENV_REMOVE {
            cmd.env_remove(k);
        }
        cmd.envs(self.env());
        cmd
    }

    /// `argv` prefixed with `env -u … NAME=value …`: env(1) execs the program, so a
    /// [`Child`] of it has the program's pid.
    fn with_env(&self, env: &[(String, String)], argv: &[&str]) -> Vec<String> {
        let mut full = vec!["/usr/bin/env".to_owned()];
        for k in ENV_REMOVE {
            full.push("-u".to_owned());
            full.push((*k).to_owned());
        }
        full.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        full.extend(argv.iter().map(|a| (*a).to_owned()));
        full
    }

    /// Starts `argv` in the background on this desktop (stopped when the `Child` drops).
    pub fn spawn(&self, tag: &str, argv: &[&str]) -> Result<Child> {
        self.spawn_with(tag, &self.env(), argv)
    }

    fn spawn_with(&self, tag: &str, env: &[(String, String)], argv: &[&str]) -> Result<Child> {
        let full = self.with_env(env, argv);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        Child::spawn(tag, None, &refs)
    }

    /// Runs a one-shot command on this desktop, bounded like [`super::run`].
    pub fn run(&self, argv: &[&str], limit: Duration) -> Result<CmdOutput> {
        let full = self.with_env(&self.env(), argv);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        run(&refs, limit)
    }

    fn start_bus(&mut self) -> Result<()> {
        // A socket file (not the abstract socket of `--session`'s default): it is
        // reachable from processes inside network namespaces too. Named after the
        // display, which is unique while this desktop runs.
        let socket = self
            .runtime_dir
            .join(format!("bus-{}", self.display.trim_start_matches(':')));
        let socket = socket.display().to_string();
        if socket.len() > 100 {
            return Err(err(format!(
                "bus socket path {socket} is too long for a unix socket; use a shorter TMPDIR"
            )));
        }
        let address = format!("--address=unix:path={socket}");
        // The daemon's environment is what activated services (xfconfd) get.
        let mut bus = self.spawn_with(
            "dbus",
            &self.base_env(),
            &[
                "dbus-daemon",
                "--session",
                "--nofork",
                "--nopidfile",
                &address,
                "--print-address=1",
            ],
        )?;
        let line = bus
            .lines()
            .wait_for("the bus address", BUS_TIMEOUT, |l| l.starts_with("unix:"))
            .map_err(|e| err(format!("{e}; stderr: {}", bus.stderr_text().trim())))?;
        self.bus_address = line.trim().to_owned();
        self.bus = Some(bus);
        // The address is printed once the daemon listens; prove it answers.
        let conn = bus_connect(&self.bus_address)?;
        dbus_call::<String, _>(&conn, "GetId", &())?;
        Ok(())
    }

    /// Starts xfce4-panel 4.18 with one full-width panel at the top holding only the
    /// Status Tray plugin, and waits until it hosts StatusNotifierItems
    /// (`org.kde.StatusNotifierWatcher` on the private bus reports a registered host) and
    /// its window is mapped. About 0.3 s on an idle machine.
    pub fn start_panel(&mut self) -> Result<()> {
        if self.panel.is_some() {
            return Err(err("start_panel: the panel already runs"));
        }
        let dir = self
            .home_dir
            .join("config/xfce4/xfconf/xfce-perchannel-xml");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("xfce4-panel.xml"), PANEL_XML)?;
        let panel = self.spawn(
            "xfce4-panel",
            &["xfce4-panel", "--disable-wm-check", "--sm-client-disable"],
        )?;
        self.panel = Some(panel);
        let conn = bus_connect(&self.bus_address)?;
        let x = XSession::connect(&self.display)?;
        let mut last: String;
        let started = Instant::now();
        loop {
            if let Some(panel) = self.panel.as_mut() {
                if let Some(st) = panel.try_status() {
                    return Err(err(format!(
                        "xfce4-panel exited ({st}) while starting; stderr: {}",
                        panel.stderr_text().trim()
                    )));
                }
            }
            match panel_ready(&conn, &x) {
                Ok(None) => return Ok(()),
                Ok(Some(why)) => last = why,
                Err(e) => last = e.0,
            }
            if started.elapsed() >= PANEL_TIMEOUT {
                let stderr = self
                    .panel
                    .as_ref()
                    .map(|p| p.stderr_text())
                    .unwrap_or_default();
                return Err(err(format!(
                    "xfce4-panel not ready within {PANEL_TIMEOUT:?}: {last}; stderr: {}",
                    stderr.trim()
                )));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Pid of the panel, if started.
    pub fn panel_pid(&self) -> Option<u32> {
        self.panel.as_ref().map(Child::pid)
    }

    /// Saves the whole screen as PNG (`import -window root`), creating parent directories.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let out = path.display().to_string();
        // An old file must not pass for a new screenshot.
        let _ = std::fs::remove_file(path);
        let res = self.run(
            &["import", "-display", &self.display, "-window", "root", &out],
            Duration::from_secs(20),
        )?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if !res.status.success() || size == 0 {
            return Err(err(format!(
                "screenshot to {out} failed ({}): {}",
                res.status,
                res.stderr.trim()
            )));
        }
        Ok(())
    }

    /// Right-clicks the first icon of the panel's tray (waiting until one is drawn) and
    /// waits until its menu is mapped and drawn; returns the menu's rectangle (root
    /// coordinates), e.g. to crop a screenshot. Needs [`Desktop::start_panel`].
    ///
    /// The right button: in xfce's tray it opens an item's menu whatever the item
    /// supports (the left button calls the item's Activate unless the item says it is
    /// only a menu). The click is real input (XTEST), so the menu gets its pointer grab.
    /// Until the tray has loaded the item's menu, a right click shows the panel's own
    /// plugin menu instead; so a popup counts only if the tray also asked the app about
    /// its menu (a dbusmenu AboutToShow or Event call, seen with dbus-monitor), else it
    /// is closed and the click repeated.
    pub fn open_tray_menu(&self) -> Result<Rect> {
        if self.panel.is_none() {
            return Err(err("open_tray_menu: start the panel first"));
        }
        let x = XSession::connect(&self.display)?;
        let mut monitor = self.spawn(
            "dbus-monitor",
            &[
                "dbus-monitor",
                "--address",
                &self.bus_address,
                "type='method_call',interface='com.canonical.dbusmenu'",
            ],
        )?;
        // The bus takes the monitor's name away once it monitors.
        monitor
            .lines()
            .wait_for("dbus-monitor to start", BUS_TIMEOUT, |l| {
                l.contains("member=NameLost")
            })?;
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let icon = poll("a tray icon drawn in the panel", ICON_TIMEOUT, || {
                x.first_tray_icon()
            })?;
            let before: HashSet<Window> = x.popups()?.into_iter().map(|(w, _)| w).collect();
            let (cx, cy) = icon.center();
            x.fake_motion(cx, cy)?;
            x.fake_button(3, true)?;
            x.fake_button(3, false)?;
            x.sync()?;
            let rect = poll("a menu to be mapped and drawn", MENU_TIMEOUT, || {
                for (w, rect) in x.popups()? {
                    if !before.contains(&w) && x.distinct_colours(rect)? >= 3 {
                        return Ok(Some(rect));
                    }
                }
                Ok(None)
            })
            .map_err(|e| err(format!("{e} (after a right click on the icon at {icon:?})")))?;
            let asked = monitor.lines().wait_for(
                "the tray to ask the app's menu",
                Duration::from_secs(2),
                |l| l.contains("member=AboutToShow") || l.contains("member=Event"),
            );
            if asked.is_ok() {
                return Ok(rect);
            }
            if start.elapsed() >= MENU_TIMEOUT {
                return Err(err(format!(
                    "after {attempts} right clicks on the tray icon at {icon:?} within \
                     {MENU_TIMEOUT:?}, the menus shown were not the app's: the tray never \
                     called the app's com.canonical.dbusmenu (AboutToShow/Event)"
                )));
            }
            eprintln!(
                "[desktop] the menu shown after a right click on the tray icon is not the \
                 app's (the tray has not loaded it yet?): closing it and clicking again"
            );
            close_menus(&x)?;
        }
    }

    /// Closes open menus (Escape, one level at a time) and waits until none is mapped.
    pub fn close_tray_menu(&self) -> Result<()> {
        close_menus(&XSession::connect(&self.display)?)
    }

    /// The processes of this desktop, as (name, pid): Xvfb, dbus-daemon, the panel and
    /// every other process connected to the private bus (activated services such as
    /// xfconfd, the panel's plugin wrapper, the app under test). All are stopped on drop.
    pub fn processes(&self) -> Vec<(String, u32)> {
        let mut pids: Vec<u32> = [&self.xvfb, &self.bus, &self.panel]
            .into_iter()
            .flatten()
            .map(Child::pid)
            .collect();
        pids.extend(self.bus_peers());
        pids.sort_unstable();
        pids.dedup();
        pids.into_iter()
            .filter_map(|pid| ProcId::of(pid).map(|p| (p.name, pid)))
            .collect()
    }

    /// Pids of the processes connected to the private bus, except this test process.
    fn bus_peers(&self) -> Vec<u32> {
        if self.bus_address.is_empty() {
            return Vec::new();
        }
        let Ok(conn) = bus_connect(&self.bus_address) else {
            return Vec::new();
        };
        let Ok(names) = dbus_call::<Vec<String>, _>(&conn, "ListNames", &()) else {
            return Vec::new();
        };
        let me = std::process::id();
        let mut pids: Vec<u32> = names
            .iter()
            .filter(|n| n.starts_with(':'))
            .filter_map(|n| dbus_call::<u32, _>(&conn, "GetConnectionUnixProcessID", &(n,)).ok())
            .filter(|&p| p != me)
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }
}

impl Drop for Desktop<'_> {
    fn drop(&mut self) {
        // Ask the bus before anything stops: D-Bus activated services are reparented to
        // init, the bus is the only place that still knows them.
        let peers: Vec<ProcId> = self
            .bus_peers()
            .into_iter()
            .filter_map(ProcId::of)
            .collect();
        drop(self.panel.take());
        stop_all(&peers);
        drop(self.bus.take());
        drop(self.xvfb.take());
    }
}

/// Starts Xvfb on the first free display from [`FIRST_DISPLAY`]. Race-safe across threads
/// and processes: Xvfb binds `/tmp/.X11-unix/X<n>` itself and exits when another server
/// holds it, and `-displayfd` reports readiness (written once it accepts connections).
fn start_xvfb() -> Result<(Child, String)> {
    let mut skipped = Vec::new();
    for n in FIRST_DISPLAY..FIRST_DISPLAY + DISPLAY_TRIES {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let display = format!(":{n}");
        let mut xvfb = Child::spawn(
            &format!("Xvfb{display}"),
            None,
            &[
                "Xvfb",
                &display,
                "-displayfd",
                "1",
                "-screen",
                "0",
                SCREEN,
                "-nolisten",
                "tcp",
                // No server reset when the last client disconnects (e.g. between a
                // readiness probe and the first real client).
                "-noreset",
            ],
        )?;
        match xvfb.lines().next_line(XVFB_TIMEOUT) {
            Ok(Some(line)) if line.trim() == n.to_string() => {
                // Prove it: one X connection.
                wait_until("an X connection", XVFB_TIMEOUT, || {
                    x11rb::connect(Some(&display)).ok()
                })?;
                return Ok((xvfb, display));
            }
            Ok(Some(line)) => {
                return Err(err(format!(
                    "Xvfb {display} reported display {line:?}; stderr: {}",
                    xvfb.stderr_text().trim()
                )))
            }
            Ok(None) => {
                // Lost the race for this number (or it is taken without a socket
                // file we could see): try the next one.
                let _ = xvfb.wait_exit(Duration::from_secs(5));
                // Its stderr is read by a thread that may lag behind the exit.
                let _ = wait_until("Xvfb's error message", Duration::from_secs(2), || {
                    xvfb.stderr_text()
                        .contains("Fatal server error")
                        .then_some(())
                });
                let stderr = xvfb.stderr_text();
                if !stderr.contains("already") && !stderr.contains("listening sockets") {
                    return Err(err(format!(
                        "Xvfb {display} exited ({:?}): {}",
                        xvfb.try_status(),
                        stderr.trim()
                    )));
                }
                skipped.push(n);
            }
            Err(e) => {
                return Err(err(format!(
                    "Xvfb {display} not ready: {e}; stderr: {}",
                    xvfb.stderr_text().trim()
                )))
            }
        }
    }
    Err(err(format!(
        "no free X display in :{FIRST_DISPLAY}..:{} (busy: {skipped:?})",
        FIRST_DISPLAY + DISPLAY_TRIES
    )))
}

/// One panel at the top, full width, 32 px high, holding only the Status Tray plugin.
/// Keys that matter: `configver` 2 (else the panel runs its migration and asks on
/// screen), `plugin-ids` listing the plugin; the plugin's `icon-size` (int) 24 and
/// `square-icons` keep a 22 px icon unscaled and readable; `single-row` keeps icons in a
/// row at this height. The systray plugin of 4.18 hosts StatusNotifierItems (it owns
/// `org.kde.StatusNotifierWatcher`) and XEmbed icons alike, and runs out of process
/// (`wrapper-2.0`, a bus peer).
const PANEL_XML: &str = include_str!("xfce4-panel.xml");

/// Escape until no popup is mapped (one menu level per key).
fn close_menus(x: &XSession) -> Result<()> {
    let escape = x.keycode(ESCAPE_KEYSYM)?;
    for _ in 0..5 {
        let open: HashSet<Window> = x.popups()?.into_iter().map(|(w, _)| w).collect();
        if open.is_empty() {
            return Ok(());
        }
        x.fake_key(escape, true)?;
        x.fake_key(escape, false)?;
        x.sync()?;
        poll("an open menu to close", MENU_TIMEOUT, || {
            let now: HashSet<Window> = x.popups()?.into_iter().map(|(w, _)| w).collect();
            Ok((now.len() < open.len() || !now.is_subset(&open)).then_some(()))
        })?;
    }
    Err(err("menus still open after 5 × Escape"))
}

/// `None` once the panel is ready, else what is still missing.
fn panel_ready(conn: &zbus::blocking::Connection, x: &XSession) -> Result<Option<String>> {
    if !dbus_call::<bool, _>(conn, "NameHasOwner", &(WATCHER,))? {
        return Ok(Some(format!("{WATCHER} has no owner on the private bus")));
    }
    let host: OwnedValue = call(
        conn,
        WATCHER,
        "/StatusNotifierWatcher",
        "org.freedesktop.DBus.Properties",
        "Get",
        &(WATCHER, "IsStatusNotifierHostRegistered"),
    )?;
    if !matches!(&*host, Value::Bool(true)) {
        return Ok(Some("no StatusNotifierHost registered yet".to_owned()));
    }
    if x.panel_window()?.is_none() {
        return Ok(Some("no mapped xfce4-panel window".to_owned()));
    }
    Ok(None)
}

/// A process identified by pid and start time, so a recycled pid is never signalled.
struct ProcId {
    pid: u32,
    start: u64,
    name: String,
}

impl ProcId {
    fn of(pid: u32) -> Option<ProcId> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let name = stat.get(open + 1..close)?.to_owned();
        // Fields after the command: state is field 3, starttime field 22.
        let start = stat
            .get(close + 1..)?
            .split_whitespace()
            .nth(19)?
            .parse()
            .ok()?;
        Some(ProcId { pid, start, name })
    }

    fn alive(&self) -> bool {
        pid_alive(self.pid) && ProcId::of(self.pid).is_some_and(|p| p.start == self.start)
    }
}

/// SIGTERM to every live process of `procs`, up to [`STOP_GRACE`] for them to exit,
/// then SIGKILL.
fn stop_all(procs: &[ProcId]) {
    for p in procs.iter().filter(|p| p.alive()) {
        let _ = signal_pid(p.pid, "TERM");
    }
    let gone = wait_until("bus peers to exit", STOP_GRACE, || {
        (!procs.iter().any(ProcId::alive)).then_some(())
    });
    if gone.is_err() {
        for p in procs.iter().filter(|p| p.alive()) {
            eprintln!(
                "[desktop] {} ({}) still running after SIGTERM: SIGKILL",
                p.name, p.pid
            );
            let _ = signal_pid(p.pid, "KILL");
        }
    }
}

/// Polls `f` every 20 ms until it returns `Ok(Some(_))`. Errors count as "not yet" (a
/// window can vanish between two X requests) but the last one is reported on timeout.
fn poll<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Result<Option<T>>) -> Result<T> {
    let start = Instant::now();
    let mut last: Option<Error> = None;
    loop {
        match f() {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last = Some(e),
        }
        if start.elapsed() >= timeout {
            let last = last
                .map(|e| format!("; last error: {e}"))
                .unwrap_or_default();
            return Err(err(format!(
                "timed out after {timeout:?} waiting for {what}{last}"
            )));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

// ------------------------------------------------------------------------------------ X11

/// A rectangle in root-window coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    pub fn center(&self) -> (i32, i32) {
        (
            self.x + (self.width / 2) as i32,
            self.y + (self.height / 2) as i32,
        )
    }
}

const ESCAPE_KEYSYM: u32 = 0xff1b;

/// One X connection to the desktop's display.
struct XSession {
    conn: RustConnection,
    root: Window,
}

impl XSession {
    fn connect(display: &str) -> Result<XSession> {
        let (conn, screen) = x11rb::connect(Some(display))
            .map_err(|e| err(format!("cannot connect to X display {display}: {e}")))?;
        let root = conn
            .setup()
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or_else(|| err(format!("X display {display} has no screen {screen}")))?;
        Ok(XSession { conn, root })
    }

    /// (window, viewable, override-redirect, rectangle in root coordinates, WM_CLASS
    /// instance) of the children of `parent`, bottom to top.
    fn children(&self, parent: Window) -> Result<Vec<XWin>> {
        let tree = self
            .conn
            .query_tree(parent)
            .map_err(ctx("X11 QueryTree"))?
            .reply()
            .map_err(ctx("X11 QueryTree"))?;
        let mut out = Vec::new();
        for w in tree.children {
            // A window may vanish between QueryTree and these requests: skip it.
            let Ok(attrs) = self.conn.get_window_attributes(w).map(|c| c.reply()) else {
                continue;
            };
            let Ok(attrs) = attrs else { continue };
            let Ok(Ok(geo)) = self.conn.get_geometry(w).map(|c| c.reply()) else {
                continue;
            };
            let Ok(Ok(pos)) = self
                .conn
                .translate_coordinates(w, self.root, 0, 0)
                .map(|c| c.reply())
            else {
                continue;
            };
            let class = match WmClass::get(&self.conn, w).map(|c| c.reply()) {
                Ok(Ok(Some(c))) => String::from_utf8_lossy(c.instance()).into_owned(),
                _ => String::new(),
            };
            out.push(XWin {
                id: w,
                viewable: attrs.map_state == MapState::VIEWABLE,
                override_redirect: attrs.override_redirect,
                rect: Rect {
                    x: i32::from(pos.dst_x),
                    y: i32::from(pos.dst_y),
                    width: u32::from(geo.width),
                    height: u32::from(geo.height),
                },
                class,
            });
        }
        Ok(out)
    }

    /// The mapped panel bar (WM_CLASS instance "xfce4-panel", wider than high).
    fn panel_window(&self) -> Result<Option<XWin>> {
        Ok(self
            .children(self.root)?
            .into_iter()
            .find(|w| w.viewable && w.class == "xfce4-panel" && w.rect.width > 2 * w.rect.height))
    }

    /// Mapped windows below `top` whose WM_CLASS instance is `class`, depth first.
    fn find_below(&self, top: Window, class: &str, out: &mut Vec<XWin>) -> Result<()> {
        for w in self.children(top)? {
            if !w.viewable {
                continue;
            }
            if w.class == class {
                out.push(w.clone());
            }
            self.find_below(w.id, class, out)?;
        }
        Ok(())
    }

    /// Bounding box (root coordinates) of the first icon drawn in the panel's tray, if
    /// any: the tray plugin runs in `wrapper-2.0`, whose plug window is embedded in the
    /// panel; the first run of columns that differ from its background is the first icon.
    fn first_tray_icon(&self) -> Result<Option<Rect>> {
        let Some(panel) = self.panel_window()? else {
            return Ok(None);
        };
        let mut plugs = Vec::new();
        self.find_below(panel.id, "wrapper-2.0", &mut plugs)?;
        for plug in plugs {
            let img = self.image(plug.rect)?;
            if let Some(b) = img.first_blob() {
                // The image starts at the plug's corner clipped to the screen.
                return Ok(Some(Rect {
                    x: plug.rect.x.max(0) + b.x,
                    y: plug.rect.y.max(0) + b.y,
                    width: b.width,
                    height: b.height,
                }));
            }
        }
        Ok(None)
    }

    /// Mapped override-redirect top-level windows bigger than 1×1: menus and tooltips
    /// (GTK also keeps 1×1 helper windows at -1,-1).
    fn popups(&self) -> Result<Vec<(Window, Rect)>> {
        Ok(self
            .children(self.root)?
            .into_iter()
            .filter(|w| w.viewable && w.override_redirect && w.rect.width > 1 && w.rect.height > 1)
            .map(|w| (w.id, w.rect))
            .collect())
    }

    /// What the screen shows in `rect` (clipped to the screen). Read from the root
    /// window: GetImage of a window fails (BadMatch) unless all of it is on screen, and
    /// GTK menus can reach past an edge.
    fn image(&self, rect: Rect) -> Result<XImage> {
        let screen = self
            .conn
            .setup()
            .roots
            .iter()
            .find(|s| s.root == self.root)
            .ok_or_else(|| err("X11: no screen for the root window"))?;
        let x0 = rect.x.clamp(0, i32::from(screen.width_in_pixels));
        let y0 = rect.y.clamp(0, i32::from(screen.height_in_pixels));
        let x1 = (rect.x + rect.width as i32).clamp(x0, i32::from(screen.width_in_pixels));
        let y1 = (rect.y + rect.height as i32).clamp(y0, i32::from(screen.height_in_pixels));
        let (Ok(x), Ok(y), Ok(width), Ok(height)) = (
            i16::try_from(x0),
            i16::try_from(y0),
            u16::try_from(x1 - x0),
            u16::try_from(y1 - y0),
        ) else {
            return Err(err(format!("rectangle {rect:?} out of range")));
        };
        if width == 0 || height == 0 {
            return Ok(XImage {
                width: 0,
                height: 0,
                pixels: Vec::new(),
            });
        }
        let reply = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                x,
                y,
                width,
                height,
                u32::MAX,
            )
            .map_err(ctx("X11 GetImage"))?
            .reply()
            .map_err(ctx("X11 GetImage"))?;
        let format = self
            .conn
            .setup()
            .pixmap_formats
            .iter()
            .find(|f| f.depth == reply.depth)
            .ok_or_else(|| err(format!("no pixmap format for depth {}", reply.depth)))?;
        if format.bits_per_pixel != 32 {
            return Err(err(format!(
                "unsupported {} bits per pixel (Xvfb at depth 24 uses 32)",
                format.bits_per_pixel
            )));
        }
        let (width, height) = (usize::from(width), usize::from(height));
        let pad = usize::from(format.scanline_pad).max(8);
        let stride = (width * 32).div_ceil(pad) * pad / 8;
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let i = y * stride + x * 4;
                let px = reply
                    .data
                    .get(i..i + 4)
                    .ok_or_else(|| err("GetImage reply too short"))?;
                // Only equality matters: the byte order of the pixel is irrelevant.
                pixels.push(u32::from_ne_bytes([px[0], px[1], px[2], 0]));
            }
        }
        Ok(XImage {
            width,
            height,
            pixels,
        })
    }

    /// Number of distinct colours in a window (a freshly mapped, undrawn window has one).
    fn distinct_colours(&self, rect: Rect) -> Result<usize> {
        let img = self.image(rect)?;
        Ok(img.pixels.iter().collect::<HashSet<_>>().len())
    }

    fn keycode(&self, keysym: u32) -> Result<u8> {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .map_err(ctx("X11 GetKeyboardMapping"))?
            .reply()
            .map_err(ctx("X11 GetKeyboardMapping"))?;
        let per = usize::from(map.keysyms_per_keycode).max(1);
        map.keysyms
            .chunks(per)
            .position(|syms| syms.contains(&keysym))
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| min + i)
            .ok_or_else(|| err(format!("no keycode for keysym {keysym:#x}")))
    }

    /// XTEST FakeInput, encoded by hand: x11rb is built without its `xtest` feature and
    /// the request is fixed (36 bytes): opcode, minor 2, length 9, type, detail, time,
    /// root, root x/y, device id. Real input, unlike SendEvent, so popups can grab.
    fn fake_input(&self, kind: u8, detail: u8, x: i16, y: i16) -> Result<()> {
        let ext = self
            .conn
            .extension_information("XTEST")
            .map_err(ctx("X11 QueryExtension"))?
            .ok_or_else(|| err("the X server has no XTEST extension"))?;
        let mut req = [0u8; 36];
        req[0] = ext.major_opcode;
        req[1] = 2; // FakeInput
        req[2..4].copy_from_slice(&9u16.to_ne_bytes());
        req[4] = kind;
        req[5] = detail;
        // time (8..12) = CurrentTime
        req[12..16].copy_from_slice(&self.root.to_ne_bytes());
        req[24..26].copy_from_slice(&x.to_ne_bytes());
        req[26..28].copy_from_slice(&y.to_ne_bytes());
        // device id (35) = 0: the core pointer/keyboard
        self.conn
            .send_request_without_reply(&[IoSlice::new(&req)], Vec::new())
            .map_err(ctx("X11 XTEST FakeInput"))?;
        Ok(())
    }

    fn fake_motion(&self, x: i32, y: i32) -> Result<()> {
        let (Ok(x), Ok(y)) = (i16::try_from(x), i16::try_from(y)) else {
            return Err(err(format!("pointer position {x},{y} out of range")));
        };
        // MotionNotify, detail 0 = absolute position
        self.fake_input(6, 0, x, y)
    }

    fn fake_button(&self, button: u8, press: bool) -> Result<()> {
        self.fake_input(if press { 4 } else { 5 }, button, 0, 0)
    }

    fn fake_key(&self, keycode: u8, press: bool) -> Result<()> {
        self.fake_input(if press { 2 } else { 3 }, keycode, 0, 0)
    }

    /// Round trip: every request sent so far has been processed.
    fn sync(&self) -> Result<()> {
        self.conn
            .get_input_focus()
            .map_err(ctx("X11 GetInputFocus"))?
            .reply()
            .map_err(ctx("X11 GetInputFocus"))?;
        Ok(())
    }
}

#[derive(Clone, Debug)]
struct XWin {
    id: Window,
    viewable: bool,
    override_redirect: bool,
    rect: Rect,
    class: String,
}

struct XImage {
    width: usize,
    height: usize,
    pixels: Vec<u32>,
}

impl XImage {
    /// The first run (left to right) of at least 4 columns holding a pixel that differs
    /// from the background (the most common colour), with the rows it spans.
    fn first_blob(&self) -> Option<Rect> {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for p in &self.pixels {
            *counts.entry(*p).or_default() += 1;
        }
        let bg = counts.into_iter().max_by_key(|(_, n)| *n)?.0;
        let at = |x: usize, y: usize| self.pixels.get(y * self.width + x).copied();
        let column_used = |x: usize| (0..self.height).any(|y| at(x, y).is_some_and(|p| p != bg));
        let mut x = 0;
        while x < self.width {
            if !column_used(x) {
                x += 1;
                continue;
            }
            let x0 = x;
            while x < self.width && column_used(x) {
                x += 1;
            }
            if x - x0 < 4 {
                continue;
            }
            let rows: Vec<usize> = (0..self.height)
                .filter(|&y| (x0..x).any(|cx| at(cx, y).is_some_and(|p| p != bg)))
                .collect();
            let (y0, y1) = (*rows.first()?, *rows.last()?);
            return Some(Rect {
                x: i32::try_from(x0).ok()?,
                y: i32::try_from(y0).ok()?,
                width: u32::try_from(x - x0).ok()?,
                height: u32::try_from(y1 + 1 - y0).ok()?,
            });
        }
        None
    }
}

// ---------------------------------------------------------------------------------- D-Bus

fn ctx<E: Display>(what: impl Display) -> impl FnOnce(E) -> Error {
    move |e| err(format!("{what}: {e}"))
}

fn bus_connect(address: &str) -> Result<zbus::blocking::Connection> {
    bus_connect_with(address, CALL_TIMEOUT)
}

fn bus_connect_with(address: &str, timeout: Duration) -> Result<zbus::blocking::Connection> {
    zbus::blocking::connection::Builder::address(address)
        .and_then(|b| b.method_timeout(timeout).build())
        .map_err(ctx(format!("cannot connect to the bus at {address}")))
}

/// Calls `iface.method(body)` on `dest` at `path` and deserializes the reply body.
fn call<R, B>(
    conn: &zbus::blocking::Connection,
    dest: &str,
    path: &str,
    iface: &str,
    method: &str,
    body: &B,
) -> Result<R>
where
    R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    let what = format!("D-Bus {iface}.{method} on {dest} {path}");
    let msg = conn
        .call_method(Some(dest), path, Some(iface), method, body)
        .map_err(ctx(&what))?;
    msg.body().deserialize::<R>().map_err(ctx(&what))
}

/// A method of the bus itself (org.freedesktop.DBus).
fn dbus_call<R, B>(conn: &zbus::blocking::Connection, method: &str, body: &B) -> Result<R>
where
    R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    call(
        conn,
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        method,
        body,
    )
}

/// Names of the child nodes in an introspection document (`<node name="x"/>`).
fn child_nodes(xml: &str) -> Vec<String> {
    xml.split("<node name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .map(str::to_owned)
        .collect()
}

/// Where an app's item is: unique bus name, item path, menu path.
struct FoundItem {
    name: String,
    item: String,
    menu: String,
}

/// A client of one StatusNotifierItem and its dbusmenu, as a tray host sees them.
pub struct TrayClient {
    conn: zbus::blocking::Connection,
    name: String,
    pid: u32,
    item_path: String,
    menu_path: String,
}

impl TrayClient {
    /// Connects to the bus at `bus_address` and waits up to `timeout` for process `pid`
    /// to export a StatusNotifierItem: libayatana's `/org/ayatana/NotificationItem/<id>`
    /// or ksni's `/StatusNotifierItem` (the first in name order if there are several).
    /// The menu path is the item's `Menu` property. Fails early if the process exits.
    pub fn find(bus_address: &str, pid: u32, timeout: Duration) -> Result<TrayClient> {
        let conn = bus_connect(bus_address)?;
        let probe = bus_connect_with(bus_address, PROBE_TIMEOUT)?;
        let mut silent = HashMap::new();
        let start = Instant::now();
        let mut last: String;
        loop {
            match TrayClient::try_find(&conn, &probe, pid, &mut silent) {
                Ok(Ok(found)) => {
                    return Ok(TrayClient {
                        conn,
                        name: found.name,
                        pid,
                        item_path: found.item,
                        menu_path: found.menu,
                    })
                }
                Ok(Err(why)) => last = why,
                Err(e) => last = e.0,
            }
            if !pid_alive(pid) {
                return Err(err(format!(
                    "process {pid} exited before exporting a tray item ({last})"
                )));
            }
            if start.elapsed() >= timeout {
                return Err(err(format!(
                    "no tray item of process {pid} on {bus_address} within {timeout:?}: {last}"
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// `Ok(Ok(item))`, or `Ok(Err(what is missing))`. The item is looked up like a tray
    /// host does, in the watcher's `RegisteredStatusNotifierItems`, when a watcher runs;
    /// else by introspecting each of the pid's connections. `silent` remembers when a
    /// connection did not answer Introspect (a zbus connection without an object server
    /// never does): it is asked again only after [`SILENT_RETRY`], so it does not cost
    /// [`PROBE_TIMEOUT`] every round (and a GDBus connection that was only busy is not
    /// given up).
    fn try_find(
        conn: &zbus::blocking::Connection,
        probe: &zbus::blocking::Connection,
        pid: u32,
        silent: &mut HashMap<String, Instant>,
    ) -> Result<std::result::Result<FoundItem, String>> {
        let names: Vec<String> = dbus_call(conn, "ListNames", &())?;
        // Never our own connections: they would have to answer their own Introspect.
        let ours: Vec<String> = [conn, probe]
            .iter()
            .filter_map(|c| c.unique_name().map(|n| n.to_string()))
            .collect();
        let mut owned = Vec::new();
        for n in names
            .iter()
            .filter(|n| n.starts_with(':') && !ours.contains(n))
        {
            // A connection may close between ListNames and this call.
            if dbus_call::<u32, _>(conn, "GetConnectionUnixProcessID", &(n,)).ok() == Some(pid) {
                owned.push(n.clone());
            }
        }
        if owned.is_empty() {
            return Ok(Err(format!(
                "no connection of pid {pid} on the bus ({} connections)",
                names.iter().filter(|n| n.starts_with(':')).count()
            )));
        }
        owned.sort();
        let mut candidates: Vec<(String, String)> = Vec::new();
        if names.iter().any(|n| n == WATCHER) {
            let registered: OwnedValue = call(
                conn,
                WATCHER,
                "/StatusNotifierWatcher",
                "org.freedesktop.DBus.Properties",
                "Get",
                &(WATCHER, "RegisteredStatusNotifierItems"),
            )?;
            let registered: Vec<String> = match &*registered {
                Value::Array(a) => a
                    .iter()
                    .filter_map(|v| match variant_inner(v) {
                        Value::Str(s) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for entry in registered {
                // libayatana registers "<unique name><path>", ksni a well-known name
                // (its item is then at /StatusNotifierItem).
                let (service, path) = match entry.find('/') {
                    Some(i) => (entry[..i].to_owned(), entry[i..].to_owned()),
                    None => (entry.clone(), KSNI_PATH.to_owned()),
                };
                let owner = if service.starts_with(':') {
                    Some(service)
                } else {
                    dbus_call::<String, _>(conn, "GetNameOwner", &(service.as_str(),)).ok()
                };
                if let Some(owner) = owner.filter(|o| owned.contains(o)) {
                    candidates.push((owner, path));
                }
            }
        }
        if candidates.is_empty() {
            for name in &owned {
                if silent.get(name).is_some_and(|t| t.elapsed() < SILENT_RETRY) {
                    continue;
                }
                let introspect = |path: &str| -> Result<String> {
                    call(
                        probe,
                        name,
                        path,
                        "org.freedesktop.DBus.Introspectable",
                        "Introspect",
                        &(),
                    )
                };
                let Ok(ayatana) = introspect(AYATANA_ROOT) else {
                    silent.insert(name.clone(), Instant::now());
                    continue;
                };
                silent.remove(name);
                for id in child_nodes(&ayatana) {
                    candidates.push((name.clone(), format!("{AYATANA_ROOT}/{id}")));
                }
                if introspect(KSNI_PATH).is_ok_and(|x| x.contains(SNI_IFACE)) {
                    candidates.push((name.clone(), KSNI_PATH.to_owned()));
                }
            }
        }
        candidates.sort();
        let Some((name, item)) = candidates.into_iter().next() else {
            let silent: Vec<&String> = owned.iter().filter(|n| silent.contains_key(*n)).collect();
            return Ok(Err(format!(
                "connections {owned:?} of pid {pid} export no item under {AYATANA_ROOT} or \
                 at {KSNI_PATH} (not answering Introspect: {silent:?})"
            )));
        };
        let menu: OwnedValue = call(
            conn,
            &name,
            &item,
            "org.freedesktop.DBus.Properties",
            "Get",
            &(SNI_IFACE, "Menu"),
        )?;
        let menu = match &*menu {
            Value::ObjectPath(p) => p.as_str().to_owned(),
            other => return Err(err(format!("{item}: Menu property is {other:?}"))),
        };
        Ok(Ok(FoundItem { name, item, menu }))
    }

    /// The app's unique bus name.
    pub fn bus_name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// e.g. `/org/ayatana/NotificationItem/tray_icon_tray_app_1234_1`.
    pub fn item_path(&self) -> &str {
        &self.item_path
    }

    /// e.g. `/org/ayatana/NotificationItem/tray_icon_tray_app_1234_1/Menu`.
    pub fn menu_path(&self) -> &str {
        &self.menu_path
    }

    /// The whole menu (`GetLayout(0, -1, …)`); the root node holds the top-level items.
    pub fn layout(&self) -> Result<MenuNode> {
        let (_revision, (id, props, children)): RawLayout = call(
            &self.conn,
            &self.name,
            &self.menu_path,
            DBUSMENU_IFACE,
            "GetLayout",
            &(0i32, -1i32, LAYOUT_PROPS.to_vec()),
        )?;
        let props: Vec<(&str, &Value<'_>)> = props
            .iter()
            .map(|(k, v)| (k.as_str(), variant_inner(v)))
            .collect();
        let children: Vec<&Value<'_>> = children.iter().map(|v| &**v).collect();
        MenuNode::from_parts(id, &props, &children)
    }

    /// Polls [`TrayClient::layout`] until `pred` holds; on timeout the error shows the
    /// last layout (or the last error).
    pub fn wait_layout(
        &self,
        timeout: Duration,
        pred: impl Fn(&MenuNode) -> bool,
    ) -> Result<MenuNode> {
        let start = Instant::now();
        let mut last: String;
        loop {
            match self.layout() {
                Ok(menu) if pred(&menu) => return Ok(menu),
                Ok(menu) => last = format!("last layout:\n{}", menu.dump()),
                Err(e) => last = format!("last error: {e}"),
            }
            if start.elapsed() >= timeout {
                return Err(err(format!(
                    "menu of pid {} did not reach the expected state within {timeout:?}; {last}",
                    self.pid
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends a dbusmenu event to item `id` (`Event(id, event, <int32 0>, 0)`).
    /// An app that exits while handling the event (Quit) cannot reply: the bus answers
    /// NoReply for it, which counts as delivered.
    pub fn event(&self, id: i32, event: &str) -> Result<()> {
        let res = self.conn.call_method(
            Some(self.name.as_str()),
            self.menu_path.as_str(),
            Some(DBUSMENU_IFACE),
            "Event",
            &(id, event, Value::I32(0), 0u32),
        );
        match res {
            Ok(_) => Ok(()),
            Err(zbus::Error::MethodError(name, _, _))
                if name.as_str() == "org.freedesktop.DBus.Error.NoReply" =>
            {
                Ok(())
            }
            Err(e) => Err(err(format!(
                "dbusmenu Event({id}, {event:?}) on {} {}: {e}",
                self.name, self.menu_path
            ))),
        }
    }

    /// Clicks item `id`, as a tray host does when the user picks it: the app receives
    /// the menu event (muda's `MenuEvent`; a CheckMenuItem toggles itself first).
    pub fn click(&self, id: i32) -> Result<()> {
        self.event(id, "clicked")
    }

    /// What a host does before showing (sub)menu `id`: `AboutToShow(id)` then the
    /// "opened" event. Not needed to read a libayatana/muda menu (GetLayout returns
    /// submenus complete); for apps that fill submenus lazily. Returns AboutToShow's
    /// "needs update".
    pub fn open_submenu(&self, id: i32) -> Result<bool> {
        let needs_update: bool = call(
            &self.conn,
            &self.name,
            &self.menu_path,
            DBUSMENU_IFACE,
            "AboutToShow",
            &(id,),
        )?;
        self.event(id, "opened")?;
        Ok(needs_update)
    }

    /// All `org.kde.StatusNotifierItem` properties (Id, Title, Status, IconName,
    /// IconThemePath, Menu, XAyatanaLabel, …).
    pub fn properties(&self) -> Result<HashMap<String, OwnedValue>> {
        call(
            &self.conn,
            &self.name,
            &self.item_path,
            "org.freedesktop.DBus.Properties",
            "GetAll",
            &(SNI_IFACE,),
        )
    }

    /// A string property of the item (`None` if absent or not a string).
    pub fn property_string(&self, name: &str) -> Result<Option<String>> {
        Ok(self.properties()?.get(name).and_then(|v| match &**v {
            Value::Str(s) => Some(s.to_string()),
            Value::ObjectPath(p) => Some(p.as_str().to_owned()),
            _ => None,
        }))
    }

    /// The item's label (libayatana's `XAyatanaLabel`, set by tray-icon's `set_title`).
    pub fn label(&self) -> Result<String> {
        self.property_string("XAyatanaLabel")?.ok_or_else(|| {
            err(format!(
                "item {} of pid {} has no XAyatanaLabel",
                self.item_path, self.pid
            ))
        })
    }

    /// Polls [`TrayClient::properties`] until `pred` holds, e.g. for a label change.
    pub fn wait_properties(
        &self,
        timeout: Duration,
        pred: impl Fn(&HashMap<String, OwnedValue>) -> bool,
    ) -> Result<HashMap<String, OwnedValue>> {
        let start = Instant::now();
        let mut last: String;
        loop {
            match self.properties() {
                Ok(p) if pred(&p) => return Ok(p),
                Ok(p) => {
                    let mut keys: Vec<_> = p.iter().collect();
                    keys.sort_by(|a, b| a.0.cmp(b.0));
                    // Icon pixmaps are large and say little: show their type only.
                    let shown: Vec<String> = keys
                        .into_iter()
                        .map(|(k, v)| match &**v {
                            Value::Array(_) => format!("{k}: <array>"),
                            other => format!("{k}: {other:?}"),
                        })
                        .collect();
                    last = format!("last properties: {}", shown.join(", "));
                }
                Err(e) => last = format!("last error: {e}"),
            }
            if start.elapsed() >= timeout {
                return Err(err(format!(
                    "item properties of pid {} not as expected within {timeout:?}; {last}",
                    self.pid
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `GetLayout`'s reply: the layout revision and the root item, `(ia{sv}av)`.
type RawLayout = (u32, (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>));

fn variant_inner<'a, 'v>(v: &'a Value<'v>) -> &'a Value<'v> {
    let mut v = v;
    while let Value::Value(inner) = v {
        v = inner;
    }
    v
}

/// One item of a dbusmenu layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuNode {
    pub id: i32,
    /// The label as sent: `_` marks a mnemonic, `__` is a literal underscore (muda turns
    /// `&` into the mnemonic and escapes `_`). See [`MenuNode::text`].
    pub label: String,
    /// Absent means true.
    pub enabled: bool,
    /// Absent means true.
    pub visible: bool,
    /// "standard" or "separator".
    pub kind: String,
    /// "checkmark", "radio" or "" (none).
    pub toggle_type: String,
    /// 1 checked, 0 unchecked, -1 indeterminate; `None` when not a toggle.
    pub toggle_state: Option<i32>,
    /// Has a submenu (`children-display` = "submenu", or children).
    pub submenu: bool,
    pub children: Vec<MenuNode>,
}

impl MenuNode {
    fn from_parts(id: i32, props: &[(&str, &Value<'_>)], children: &[&Value<'_>]) -> Result<Self> {
        let get = |key: &str| props.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let string = |key: &str| match get(key) {
            Some(Value::Str(s)) => Some(s.to_string()),
            _ => None,
        };
        let boolean = |key: &str| match get(key) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        };
        let children = children
            .iter()
            .map(|c| MenuNode::from_value(c))
            .collect::<Result<Vec<_>>>()?;
        Ok(MenuNode {
            id,
            label: string("label").unwrap_or_default(),
            enabled: boolean("enabled").unwrap_or(true),
            visible: boolean("visible").unwrap_or(true),
            kind: string("type").unwrap_or_else(|| "standard".to_owned()),
            toggle_type: string("toggle-type").unwrap_or_default(),
            toggle_state: match get("toggle-state") {
                Some(Value::I32(s)) => Some(*s),
                _ => None,
            },
            submenu: string("children-display").as_deref() == Some("submenu")
                || !children.is_empty(),
            children,
        })
    }

    /// A child of a layout: a variant holding `(ia{sv}av)`.
    fn from_value(v: &Value<'_>) -> Result<Self> {
        let v = variant_inner(v);
        let bad = || err(format!("dbusmenu: unexpected layout item {v:?}"));
        let Value::Structure(s) = v else {
            return Err(bad());
        };
        let [id, props, children] = s.fields() else {
            return Err(bad());
        };
        let (Value::I32(id), Value::Dict(props), Value::Array(children)) = (
            variant_inner(id),
            variant_inner(props),
            variant_inner(children),
        ) else {
            return Err(bad());
        };
        let props: Vec<(String, &Value<'_>)> = props
            .iter()
            .filter_map(|(k, v)| match variant_inner(k) {
                Value::Str(k) => Some((k.to_string(), variant_inner(v))),
                _ => None,
            })
            .collect();
        let props: Vec<(&str, &Value<'_>)> = props.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let children: Vec<&Value<'_>> = children.iter().collect();
        MenuNode::from_parts(*id, &props, &children)
    }

    /// The label as shown: mnemonic markers removed (`_Quit` → `Quit`, `a__b` → `a_b`).
    pub fn text(&self) -> String {
        strip_mnemonics(&self.label)
    }

    pub fn is_separator(&self) -> bool {
        self.kind == "separator"
    }

    /// `Some(true)` for a checked toggle item, `None` if not a toggle.
    pub fn checked(&self) -> Option<bool> {
        self.toggle_state.map(|s| s == 1)
    }

    /// First node (this one included), depth first in menu order, for which `pred` holds.
    pub fn find(&self, pred: impl Fn(&MenuNode) -> bool) -> Option<&MenuNode> {
        self.find_dyn(&pred)
    }

    fn find_dyn(&self, pred: &dyn Fn(&MenuNode) -> bool) -> Option<&MenuNode> {
        if pred(self) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find_dyn(pred))
    }

    /// First node whose [`MenuNode::text`] is exactly `text`.
    pub fn find_text(&self, text: &str) -> Option<&MenuNode> {
        self.find(|n| n.text() == text)
    }

    /// First node whose [`MenuNode::text`] starts with `prefix`.
    pub fn find_label_prefix(&self, prefix: &str) -> Option<&MenuNode> {
        self.find(|n| n.text().starts_with(prefix))
    }

    /// This node and all below it, depth first in menu order.
    pub fn flatten(&self) -> Vec<&MenuNode> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.flatten());
        }
        out
    }

    /// An indented tree, one item a line, for error messages.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        self.dump_into(&mut out, 0);
        out
    }

    fn dump_into(&self, out: &mut String, depth: usize) {
        let _ = write!(out, "{:indent$}{}", "", self.id, indent = depth * 2);
        if self.is_separator() {
            out.push_str(" ----");
        } else {
            let _ = write!(out, " {:?}", self.text());
            if self.text() != self.label {
                let _ = write!(out, " (raw {:?})", self.label);
            }
        }
        if !self.enabled {
            out.push_str(" disabled");
        }
        if !self.visible {
            out.push_str(" hidden");
        }
        match (self.toggle_type.as_str(), self.checked()) {
            ("", _) => {}
            (t, Some(true)) => {
                let _ = write!(out, " [{t}: on]");
            }
            (t, _) => {
                let _ = write!(out, " [{t}: off]");
            }
        }
        if self.submenu {
            out.push_str(" >");
        }
        out.push('\n');
        for c in &self.children {
            c.dump_into(out, depth + 1);
        }
    }
}

/// Removes GTK mnemonic markers: `_x` → `x`, `__` → `_` (a trailing `_` stays).
pub fn strip_mnemonics(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut chars = label.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '_' {
            match chars.next() {
                Some(next) => out.push(next),
                None => out.push('_'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `target/test-artifacts` (next to the test binaries' profile directory), created.
pub fn artifacts_dir() -> Result<PathBuf> {
    // The test binary is target/<profile>/deps/<name>: three levels up is target/.
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
