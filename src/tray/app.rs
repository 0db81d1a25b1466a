//! `hogwatch` with no subcommand: the tray applet. Checks where it can live first (a
//! display, libayatana, GTK) and falls back to running without a tray, saying why, rather
//! than letting GTK or libayatana abort. It runs the core, or attaches to the hogwatch that
//! runs for this user — or, when that one has a tray already, asks it to open its
//! dashboard and exits. Then tao's event loop (a GTK main loop) runs on this thread and
//! the bridge on a tokio runtime beside it: refreshes come in through an
//! `EventLoopProxy`, menu clicks go out through a channel. "Open dashboard" goes to the
//! bridge, which shows the dashboard in a window process of its own (`dashboard`): this
//! process never loads WebKit. Nothing on this thread waits on D-Bus, the disk or the
//! collector.

use super::actions::{self, Action};
use super::bridge::{self, Event as BridgeEvent, Request, Sink, Update};
use super::env;
use super::icon;
use super::menu::{MenuView, MAX_ROWS};
use super::menu_model::{self, Group, MenuSettings, Ordering, Sort};
use super::title;
use crate::app::dashboard::ServerOptions;
use crate::app::{self, CoreOptions, Opened, Role, Settings, WhenRunning};
use crate::cli::{Global, DEFAULT_PORT};
use crate::clock::{Clock, SystemClock};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy};
use tao::platform::run_return::EventLoopExtRunReturn;
use tokio::sync::mpsc;
use tray_icon::menu::MenuEvent;
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

/// Edge of the icon image handed to the tray host, pixels (hosts scale it to their size;
/// 24 is the common panel size, and the drawing is designed for 16–24).
const ICON_SIZE: u32 = 24;
/// How long after start to check that some tray host shows the icon (panels may start
/// after hogwatch at login).
const PROBE_TRAY_AFTER: Duration = Duration::from_secs(5);
/// If the core has not finished stopping by then, quit anyway.
const QUIT_DEADLINE: Duration = Duration::from_secs(5);

#[derive(Debug)]
enum UserEvent {
    Menu(MenuEvent),
    Update(Box<Update>),
    Bridge(BridgeEvent),
    /// The bridge stopped (the core — collector, helper, history — is done, or detached).
    Stopped,
}

struct ProxySink(EventLoopProxy<UserEvent>);

impl Sink for ProxySink {
    fn update(&self, u: Update) -> bool {
        self.0.send_event(UserEvent::Update(Box::new(u))).is_ok()
    }
    fn event(&self, e: BridgeEvent) -> bool {
        self.0.send_event(UserEvent::Bridge(e)).is_ok()
    }
    fn stopped(&self) {
        let _ = self.0.send_event(UserEvent::Stopped);
    }
}

/// The core as the tray runs it: the dashboard on loopback (any free port when 6432 is
/// taken, e.g. by another user's hogwatch), alerts on, the last refresh kept on screen
/// when a replay ends.
fn core_options() -> CoreOptions {
    CoreOptions {
        role: Role::Tray,
        server: Some(ServerOptions::loopback(DEFAULT_PORT, true)),
        alerts: true,
        exit_when_source_ends: false,
    }
}

/// A tray hands over to a running hogwatch that a tray shows already.
fn has_tray(about: &app::About) -> bool {
    about.tray
}

/// The menu's settings from the config file.
fn settings_of(global: &Global) -> MenuSettings {
    MenuSettings {
        top_n: global.file.top_n.clamp(1, MAX_ROWS),
        sort: match global.file.sort {
            crate::config::Sort::Rate => Sort::Rate,
            crate::config::Sort::Session => Sort::SessionTotal,
            crate::config::Sort::Today => Sort::Today,
        },
        group: if global.file.group_apps {
            Group::Apps
        } else {
            Group::Processes
        },
        ..MenuSettings::default()
    }
}

/// Runs the applet until Quit (or a signal). Never returns an error for a missing
/// display, tray or library: it says so and runs without a tray instead.
pub fn run(global: Global) -> anyhow::Result<ExitCode> {
    let settings = Settings::new(&global);
    let Some(screen) = env::display(|k| std::env::var(k).ok()) else {
        return headless(
            settings,
            "no display (neither WAYLAND_DISPLAY nor DISPLAY is set)",
            false,
        );
    };
    if env::appindicator().is_none() {
        let why = format!(
            "libayatana-appindicator is not installed, so the tray icon cannot be shown — fix: {}",
            env::APPINDICATOR_FIX
        );
        return headless(settings, &why, true);
    }
    if let Err(e) = gtk::init() {
        let why = format!("cannot open the display {screen}: {e}");
        return headless(settings, &why, false);
    }
    tracing::info!("tray on {screen}");
    tray(global, settings)
}

/// The core and its dashboard without a tray (as `hogwatch server`); when a hogwatch runs
/// already, this one only says so.
fn headless(settings: Settings, why: &str, notify: bool) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    // As `hogwatch server`: a replay's end is the end.
    let opts = CoreOptions {
        role: Role::Server,
        exit_when_source_ends: true,
        ..core_options()
    };
    rt.block_on(async move {
        match app::open(settings, opts, WhenRunning::HandOverIf(|_| true)).await? {
            Opened::HandedOver(answer) => println!("hogwatch is already running: {answer}"),
            Opened::Local(link) | Opened::Attached(link) => {
                let msg = format!(
                    "{why}: running without the tray, as `hogwatch server` (collecting, recording \
                     history, serving the dashboard); `hogwatch top` shows the live table. Stop \
                     with Ctrl-C or SIGTERM."
                );
                eprintln!("hogwatch: {msg}");
                if notify {
                    crate::notify::show("hogwatch cannot show its tray icon", &msg).await;
                }
                app::headless::run(link).await?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hogwatch-rt")
        .enable_all()
        .build()?)
}

/// The GUI thread's state.
struct Gui {
    view: MenuView,
    tray: Option<TrayIcon>,
    settings: MenuSettings,
    ordering: Ordering,
    clock: SystemClock,
    /// The refresh on screen (frozen while paused) and the newest one.
    shown: Option<Update>,
    latest: Option<Update>,
    last_icon: Vec<u8>,
    last_title: String,
    requests: mpsc::UnboundedSender<Request>,
    quitting: Option<Instant>,
    /// The dashboard's URL (with the token) once its server listens.
    dashboard: Option<String>,
    /// `--browser`: the dashboard in the browser, never in a window.
    browser_only: bool,
}

impl Gui {
    fn refresh(&mut self) {
        let Some(u) = &self.shown else {
            return;
        };
        let device = self.settings.device.clone();
        let core = &u.core;
        self.settings.app_today = core
            .today
            .as_ref()
            .map(|t| t.apps.clone())
            .unwrap_or_default();
        self.settings.alerts.clone_from(&core.alerts);
        self.settings.autostart = u.autostart;
        let today = core.today.as_ref().map(|t| t.for_device(device.as_deref()));
        let snapshot = &core.refresh.snapshot;
        let model = menu_model::build(
            snapshot,
            &self.settings,
            today,
            &mut self.ordering,
            self.clock.mono(),
        );
        self.view.apply(&model, &self.settings);

        let state = title::icon_state(snapshot, device.as_deref(), self.settings.paused);
        let img = icon::render(&state, ICON_SIZE);
        let mut label = title::title(snapshot, device.as_deref());
        if self.settings.paused {
            label.push_str(" (paused)");
        }
        let Some(tray) = &self.tray else {
            return;
        };
        // The icon goes to the host as a file (libayatana): only when its pixels change.
        if img.as_raw() != &self.last_icon {
            let (w, h) = img.dimensions();
            self.last_icon = img.as_raw().clone();
            match Icon::from_rgba(img.into_raw(), w, h) {
                Ok(i) => {
                    if let Err(e) = tray.set_icon(Some(i)) {
                        tracing::warn!("cannot update the tray icon: {e}");
                    }
                }
                Err(e) => tracing::warn!("bad icon image: {e}"),
            }
        }
        if label != self.last_title {
            tray.set_title(Some(&label));
            self.last_title = label;
        }
    }

    fn on_menu(&mut self, id: &str) {
        let Some(action) = actions::parse(id) else {
            // Labels and details: a click restores nothing but check states.
            return;
        };
        match &action {
            Action::Quit => self.quit(),
            Action::EnablePerProcess => {
                let _ = self.requests.send(Request::EnablePerProcess);
            }
            Action::ToggleAutostart => {
                if let Some(on) = self.settings.autostart {
                    let _ = self.requests.send(Request::SetAutostart(!on));
                }
            }
            Action::ToggleAlerts => {
                let _ = self
                    .requests
                    .send(Request::PauseAlerts(!self.settings.alerts_paused));
            }
            Action::OpenDashboard => self.open_dashboard(None),
            Action::ShowRow(slot) => {
                let app = self.view.row_apps.get(*slot).cloned();
                self.open_dashboard(app);
            }
            _ => {}
        }
        let was_paused = self.settings.paused;
        actions::apply(&action, &mut self.settings);
        if was_paused && !self.settings.paused {
            self.shown.clone_from(&self.latest);
        }
        // Always: a clicked check item toggled itself and must show the model's state.
        self.refresh();
    }

    /// Shows the dashboard (focused on `app`) in its window, or in the browser.
    fn open_dashboard(&mut self, app: Option<String>) {
        let Some(url) = &self.dashboard else {
            return;
        };
        let url = match app {
            Some(a) => crate::web::links::with_app(url, &a),
            None => url.clone(),
        };
        let request = if self.browser_only {
            Request::BrowseDashboard(url)
        } else {
            Request::ShowDashboard(url)
        };
        let _ = self.requests.send(request);
    }

    fn quit(&mut self) {
        // The bridge closes the window at once; the core may take a moment to stop.
        if self.quitting.is_none() {
            self.quitting = Some(Instant::now() + QUIT_DEADLINE);
            let _ = self.requests.send(Request::Quit);
        }
    }

    fn build_tray(&mut self, dir: &std::path::Path) -> anyhow::Result<()> {
        let state = icon::IconState {
            up_rate: 0.0,
            down_rate: 0.0,
            mode: icon::IconMode::Idle,
        };
        let img = icon::render(&state, ICON_SIZE);
        let (w, h) = img.dimensions();
        self.last_icon = img.as_raw().clone();
        let tray = TrayIconBuilder::new()
            .with_id("hogwatch")
            .with_menu(Box::new(self.view.menu.clone()))
            .with_icon(Icon::from_rgba(img.into_raw(), w, h)?)
            .with_title("hogwatch")
            .with_tooltip("hogwatch")
            .with_temp_dir_path(dir)
            .build()?;
        self.tray = Some(tray);
        Ok(())
    }
}

fn tray(global: Global, settings: Settings) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let first = settings.clone();
    let link = match rt.block_on(app::open(
        first,
        core_options(),
        WhenRunning::HandOverIf(has_tray),
    ))? {
        Opened::HandedOver(answer) => {
            println!("hogwatch is already running: {answer}");
            return Ok(ExitCode::SUCCESS);
        }
        Opened::Local(link) | Opened::Attached(link) => link,
    };
    let mut event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    let menu_proxy = proxy.clone();
    MenuEvent::set_event_handler(Some(move |e| {
        let _ = menu_proxy.send_event(UserEvent::Menu(e));
    }));

    let menu_settings = settings_of(&global);
    let browser_only = global.browser;
    let view = MenuView::new(&menu_settings)?;
    // tray-icon writes the icon PNGs by name (libayatana takes a file path): into a fresh
    // folder of random name, made 0700 by one mkdir, never where another user could have
    // planted a symlink. In the private runtime folder when there is one (it goes at logout).
    let icon_base = app::instance::private_runtime_dir().unwrap_or_else(std::env::temp_dir);
    let icon_dir = crate::private_fs::FreshDir::new_in(&icon_base, "hogwatch-icons-")
        .map_err(|e| anyhow::anyhow!("cannot make a folder for the tray icon: {e}"))?;
    let (requests, requests_rx) = mpsc::unbounded_channel();
    // When the hogwatch this tray is attached to stops, the tray runs (or finds) the
    // core again with the same settings.
    let reopen: bridge::Reopen = Box::new(move || {
        let s = settings.clone();
        Box::pin(
            async move { app::open(s, core_options(), WhenRunning::HandOverIf(has_tray)).await },
        )
    });
    let bridge = rt.spawn(bridge::run(
        link,
        reopen,
        ProxySink(proxy),
        requests_rx,
        PROBE_TRAY_AFTER,
    ));

    let mut gui = Gui {
        view,
        tray: None,
        settings: menu_settings,
        ordering: Ordering::new(),
        clock: SystemClock::default(),
        shown: None,
        latest: None,
        last_icon: Vec::new(),
        last_title: String::new(),
        browser_only,
        requests,
        quitting: None,
        dashboard: None,
    };
    let mut failed = false;
    event_loop.run_return(|event, _, flow| {
        *flow = match gui.quitting {
            Some(deadline) => ControlFlow::WaitUntil(deadline),
            None => ControlFlow::Wait,
        };
        match event {
            Event::NewEvents(StartCause::Init) => {
                if let Err(e) = gui.build_tray(icon_dir.path()) {
                    eprintln!("hogwatch: cannot create the tray icon: {e}");
                    failed = true;
                    gui.quit();
                }
            }
            Event::NewEvents(StartCause::ResumeTimeReached { .. }) if gui.quitting.is_some() => {
                tracing::warn!("the core did not stop in time; quitting anyway");
                *flow = ControlFlow::Exit;
            }
            Event::UserEvent(UserEvent::Update(u)) => {
                gui.latest = Some(*u);
                if !gui.settings.paused || gui.shown.is_none() {
                    gui.shown.clone_from(&gui.latest);
                    gui.refresh();
                }
            }
            Event::UserEvent(UserEvent::Menu(e)) => gui.on_menu(e.id.as_ref()),
            Event::UserEvent(UserEvent::Bridge(e)) => match e {
                BridgeEvent::OpenDashboard => gui.open_dashboard(None),
                BridgeEvent::Connected { about, local } => {
                    if !local {
                        tracing::info!("attached to {} (pid {})", about.role.name(), about.pid);
                    }
                    if let Some(url) = about.dashboard {
                        gui.dashboard = Some(url);
                        gui.view.enable_dashboard();
                    }
                }
                BridgeEvent::NoTrayHost(msg) => tracing::warn!("{msg}"),
            },
            Event::UserEvent(UserEvent::Stopped) => {
                // Drop the icon first: the host removes it at once.
                gui.tray = None;
                *flow = ControlFlow::Exit;
            }
            _ => {}
        }
    });
    MenuEvent::set_event_handler(None::<fn(MenuEvent)>);
    let result = rt.block_on(async {
        match tokio::time::timeout(QUIT_DEADLINE, bridge).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(anyhow::anyhow!("the tray's bridge failed: {e}")),
            Err(_) => Err(anyhow::anyhow!("the core did not stop in time")),
        }
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    result?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
