//! The desktop itself: the private session bus and the panel on an Xvfb display, the
//! environment every process here gets, and the teardown that stops all of them.

use super::super::home::Home;
use super::super::{err, pid_alive, run, signal_pid, wait_until, Child, CmdOutput, Result};
use super::bus::{bus_connect, call, dbus_call};
use super::tray_client::WATCHER;
use super::x11::XSession;
use super::xvfb::start_xvfb;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};
use zbus::zvariant::{OwnedValue, Value};

pub(super) const BUS_TIMEOUT: Duration = Duration::from_secs(20);
const PANEL_TIMEOUT: Duration = Duration::from_secs(30);
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

/// One panel at the top, full width, 32 px high, holding only the Status Tray plugin.
/// Keys that matter: `configver` 2 (else the panel runs its migration and asks on
/// screen), `plugin-ids` listing the plugin; the plugin's `icon-size` (int) 24 and
/// `square-icons` keep a 22 px icon unscaled and readable; `single-row` keeps icons in a
/// row at this height. The systray plugin of 4.18 hosts StatusNotifierItems (it owns
/// `org.kde.StatusNotifierWatcher`) and XEmbed icons alike, and runs out of process
/// (`wrapper-2.0`, a bus peer).
const PANEL_XML: &str = include_str!("../xfce4-panel.xml");

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
