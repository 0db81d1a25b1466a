//! The tray's async side, on the tokio runtime (never on the GUI thread): it follows the
//! core through a `Link` — the core this process runs, or the one it is attached to — and
//! hands each update to the GUI (`Sink`: the event loop's proxy), and it does what only
//! the tray needs: "Start at login", the dashboard's window process (`dashboard`), opening
//! URLs in the browser, and the check that some tray host shows the icon. When the core it
//! is attached to stops, it takes over: it runs the core itself, or attaches to whichever
//! hogwatch runs now.

use super::browser;
use super::env;
use crate::app::{self, About, Link, Notice, Opened};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the GUI gets each refresh.
#[derive(Debug, Clone)]
pub struct Update {
    pub core: Arc<app::Update>,
    /// "Start at login" is on; `None` when there is no config directory.
    pub autostart: Option<bool>,
}

/// Something the bridge tells the GUI besides refreshes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Someone asked for the dashboard (a second `hogwatch`, a notification).
    OpenDashboard,
    /// A core is there: this process's (`local`) or the one attached to.
    Connected { about: About, local: bool },
    /// No tray host shows the icon (the message says what to do).
    NoTrayHost(String),
}

/// The GUI, as the bridge sees it. Each call returns false when the GUI is gone.
pub trait Sink: Send + 'static {
    fn update(&self, u: Update) -> bool;
    fn event(&self, e: Event) -> bool;
    /// The core stopped (or the tray detached): the GUI may exit.
    fn stopped(&self);
}

/// What the GUI asks of the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// "Enable per-process monitoring…": try the helper through pkexec again.
    EnablePerProcess,
    /// "Pause alerts" (true) / "Resume alerts" (false).
    PauseAlerts(bool),
    /// "Start at login" on or off.
    SetAutostart(bool),
    /// Open this URL in the user's browser.
    OpenUrl(String),
    /// Open the dashboard (this URL, with its key) in the user's browser.
    BrowseDashboard(String),
    /// Show the dashboard (this URL, with its key) in its window (`dashboard`).
    ShowDashboard(String),
    Quit,
}

/// A way to find the core again when the one attached to stops.
pub type Reopen =
    Box<dyn Fn() -> futures_util::future::BoxFuture<'static, anyhow::Result<Opened>> + Send>;

/// Follows `link` (and its successors) until Quit, the end of the core, or the GUI going
/// away; stops the core (or detaches) before `sink.stopped()`.
pub async fn run(
    link: Link,
    reopen: Reopen,
    sink: impl Sink,
    mut requests: mpsc::UnboundedReceiver<Request>,
    probe_tray_after: Duration,
) -> anyhow::Result<()> {
    let mut link = link;
    sink.event(Event::Connected {
        about: link.about.clone(),
        local: link.local,
    });
    let bus = zbus::Connection::session().await.ok();
    let probe = tokio::time::sleep(probe_tray_after);
    tokio::pin!(probe);
    let mut probed = false;
    let mut signals = app::signals::StopSignals::new();
    let mut window = super::dashboard::Window::new();
    let mut autostart = tokio::task::spawn_blocking(|| {
        super::autostart::entry_path().map(|p| super::autostart::enabled(&p))
    })
    .await
    .unwrap_or(None);

    loop {
        tokio::select! {
            u = link.updates.recv() => match u {
                Some(core) => {
                    if !sink.update(Update { core, autostart }) {
                        break;
                    }
                }
                // This process's core stopped (a signal): so does the tray.
                None if link.local => break,
                None => {
                    tracing::info!("the hogwatch this tray was attached to stopped; taking over");
                    match reopen().await {
                        Ok(Opened::Local(l) | Opened::Attached(l)) => {
                            link = l;
                            sink.event(Event::Connected {
                                about: link.about.clone(),
                                local: link.local,
                            });
                        }
                        Ok(Opened::HandedOver(answer)) => {
                            tracing::info!(
                                "another hogwatch took over: {}",
                                crate::web::links::without_fragments(&answer)
                            );
                            break;
                        }
                        Err(e) => {
                            tracing::warn!("cannot run or find a hogwatch core: {e:#}");
                            break;
                        }
                    }
                }
            },
            Some(n) = link.notices.recv() => {
                if n == Notice::OpenDashboard {
                    sink.event(Event::OpenDashboard);
                }
            }
            req = requests.recv() => match req {
                Some(Request::EnablePerProcess) => {
                    let _ = link.requests.send(app::Request::EnablePerProcess);
                }
                Some(Request::PauseAlerts(p)) => {
                    let _ = link.requests.send(app::Request::PauseAlerts(p));
                }
                Some(Request::SetAutostart(on)) => autostart = set_autostart(on).await,
                Some(Request::OpenUrl(url)) => browser::open_url(&url),
                Some(Request::BrowseDashboard(url)) => browser::browse_dashboard(&url),
                Some(Request::ShowDashboard(url)) => window.show(&url).await,
                Some(Request::Quit) | None => break,
            },
            () = window.ended() => {}
            _ = &mut probe, if !probed => {
                probed = true;
                if env::tray_host(bus.as_ref()).await == env::TrayHost::None {
                    let desktop = std::env::var("XDG_CURRENT_DESKTOP").unwrap_or_default();
                    let mut msg = env::no_host_message(&desktop);
                    if let Some(url) = &link.about.dashboard {
                        // Without an icon, the dashboard is the way in. Its address only:
                        // this goes to the log and a notification, no place for the key.
                        msg.push_str(&format!(
                            "; the dashboard is at {} (run `hogwatch` again to open it)",
                            crate::web::links::bare(url)
                        ));
                    }
                    tracing::warn!("{msg}");
                    let body = msg.clone();
                    // Its own task: a slow notification server must not hold up refreshes.
                    tokio::spawn(async move {
                        crate::notify::show("hogwatch: no tray to show its icon", &body).await;
                    });
                    sink.event(Event::NoTrayHost(msg));
                }
            }
            // A core of this process stops on signals itself (its updates then end); a
            // tray attached to another's stops here.
            _ = signals.recv(), if !link.local => break,
        }
    }
    // Its stdin closed, the window closes at once; the core may take a moment to stop.
    drop(window);
    let stopped = link.stop().await;
    sink.stopped();
    stopped
}

/// Writes or removes the autostart entry; the state after (logged when it failed).
async fn set_autostart(on: bool) -> Option<bool> {
    tokio::task::spawn_blocking(move || {
        let path = super::autostart::entry_path()?;
        // `hogwatch`, not this program (`hogwatch-tray`, which `hogwatch` runs).
        let exe = crate::exe::launcher();
        let packaged = std::path::Path::new(super::autostart::PACKAGED);
        if let Err(e) = super::autostart::set(&path, on, packaged, &exe) {
            tracing::warn!("cannot change {}: {e}", path.display());
        }
        Some(super::autostart::enabled(&path))
    })
    .await
    .unwrap_or(None)
}
