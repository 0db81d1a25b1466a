//! The applet's async side, on the tokio runtime (never on the GUI thread): the one
//! collector, the history writer, today's totals, the single-instance socket, signals and
//! the tray-host probe. It hands each refresh to a front end (`Sink`: the tray's event
//! loop, or the log when there is no display) and takes its commands back.

use super::env;
use super::today::{Today, TodayTracker};
use crate::alerts::watch::{Alerts, Prior};
use crate::cli::Global;
use crate::clock::{Clock, SystemClock};
use crate::collect::collector::{self, Command};
use crate::collect::privilege::Elevate;
use crate::instance::{self, Instance};
use crate::model::Snapshot;
use crate::store::tiers::billing_month_start;
use crate::store::tiers::Zone;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

/// What the front end gets each refresh.
#[derive(Debug, Clone)]
pub struct Update {
    pub snapshot: Arc<Snapshot>,
    /// Today's totals (history before this session plus this session); `None` when the
    /// history is off.
    pub today: Option<Today>,
    /// The history writer's problem, if any ("" when fine).
    pub history_problem: String,
    /// Current alerts, one menu line each.
    pub alerts: Vec<String>,
    /// "Start at login" is on; `None` when there is no config directory.
    pub autostart: Option<bool>,
}

/// Something the backend tells the front end besides refreshes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Another `hogwatch` asked this one to open its dashboard.
    OpenDashboard,
    /// No tray host shows the icon (the message says what to do).
    NoTrayHost(String),
    /// The dashboard server listens here (URL with the token).
    Dashboard(String),
}

/// The front end, as the backend sees it. Each call returns false when the front end is
/// gone (the backend then stops).
pub trait Sink: Send + 'static {
    fn update(&self, u: Update) -> bool;
    fn notice(&self, n: Notice) -> bool;
    /// The backend stopped the collector and flushed the history: the front end may exit.
    fn stopped(&self);
}

/// What the front end asks of the backend.
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
    Quit,
}

/// How the backend runs.
pub struct Options {
    /// Probe for a tray host after this long (None: no tray, no probe).
    pub probe_tray_after: Option<Duration>,
    /// Said to a second instance.
    pub running_as: String,
    /// Stop when a replay ends (headless); the tray keeps showing its last refresh.
    pub exit_when_source_ends: bool,
    /// Serve the dashboard.
    pub server: Option<ServerOptions>,
}

/// Where the dashboard server listens.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub addr: std::net::SocketAddr,
    /// Take any free port when `addr`'s is taken (the tray; `hogwatch server` fails).
    pub any_port_if_taken: bool,
}

/// Starts the dashboard server on `c`'s snapshots; returns the URL with the token, and
/// the switch that stops it.
async fn start_server(
    global: &Global,
    so: &ServerOptions,
    c: &mut crate::collect::collector::Collector,
    alerts: tokio::sync::watch::Receiver<Vec<String>>,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let dir = crate::config::xdg_dir("XDG_CONFIG_HOME", ".config")
        .ok_or_else(|| anyhow::anyhow!("no config directory for the dashboard token (set HOME)"))?;
    let token =
        tokio::task::spawn_blocking(move || crate::web::token::load_or_create(&dir)).await??;
    let listener = match tokio::net::TcpListener::bind(so.addr).await {
        Ok(l) => l,
        Err(e) if so.any_port_if_taken && e.kind() == std::io::ErrorKind::AddrInUse => {
            tokio::net::TcpListener::bind((so.addr.ip(), 0)).await?
        }
        Err(e) => return Err(anyhow::anyhow!("cannot listen on {}: {e}", so.addr)),
    };
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        tracing::warn!(
            "the dashboard listens on {addr}: anyone on the network who has the token sees which programs use the network"
        );
        eprintln!(
            "hogwatch: WARNING: listening on {addr}, not loopback: the data is visible on the network to anyone with the token"
        );
    }
    let host = if addr.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let url = format!("http://{host}/?token={token}");
    let state = crate::web::server::AppState::new(
        token,
        c.latest.clone(),
        c.subscribe(),
        global.history_dir(),
        alerts,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        if let Err(e) = crate::web::server::serve(listener, state, shutdown).await {
            tracing::warn!("the dashboard server stopped: {e}");
        }
    });
    Ok((url, stop))
}

/// Totals over `[from, to)` from history, in the shape of `Today`.
fn totals(store: &crate::store::Store, from: i64, to: i64) -> Today {
    let mut t = Today::default();
    if let Ok(d) = store.device_totals(from, to) {
        for dev in d.devices {
            t.total.0 += dev.up_bytes;
            t.total.1 += dev.down_bytes;
            t.devices.insert(dev.device, (dev.up_bytes, dev.down_bytes));
        }
    }
    if let Ok(apps) = store.top_apps(from, to, usize::MAX) {
        for a in apps {
            t.apps.insert(a.app, (a.up_bytes, a.down_bytes));
        }
    }
    t
}

/// What history already holds from before this session — today's and this billing
/// month's totals, the apps it knows — read once at start, before the writer adds
/// anything, so nothing is counted twice. Empty without history.
fn load_prior(global: &Global, now_s: i64) -> (Today, Prior) {
    let none = || {
        (
            Today::default(),
            Prior {
                month: Today::default(),
                known_apps: None,
            },
        )
    };
    let Some(dir) = global.history_dir() else {
        return none();
    };
    let Ok(store) = crate::store::Store::open_reader(&dir, Zone::Local) else {
        // No history yet (first run): every app is new, but none is "new" to report.
        return (
            Today::default(),
            Prior {
                month: Today::default(),
                known_apps: Some(Default::default()),
            },
        );
    };
    let day_start = Zone::Local.day_start(now_s);
    let month_first = billing_month_start(Zone::Local.date(now_s), global.billing_day());
    let month_start = Zone::Local.start_of(month_first);
    let known = store.app_keys().ok().map(|k| k.into_iter().collect());
    (
        totals(&store, day_start, now_s),
        Prior {
            month: totals(&store, month_start, now_s),
            known_apps: known,
        },
    )
}

/// Runs until `Request::Quit`, SIGTERM/SIGINT, the end of a replay (the collector ends) or
/// the front end going away; stops the collector (and so the helper) and flushes history
/// before `sink.stopped()`.
pub async fn run(
    global: Global,
    sink: impl Sink,
    mut requests: mpsc::UnboundedReceiver<Request>,
    instance: Option<Instance>,
    opts: Options,
) -> anyhow::Result<()> {
    let history = global.history_dir().is_some();
    let now_s = chrono::Utc::now().timestamp();
    let g = global.clone();
    let (prior_day, prior) = tokio::task::spawn_blocking(move || load_prior(&g, now_s))
        .await
        .unwrap_or_else(|_| {
            (
                Today::default(),
                Prior {
                    month: Today::default(),
                    known_apps: None,
                },
            )
        });
    let clock = SystemClock::default();
    let (mut alerts, mut replies) = Alerts::start(
        global.file.alerts.clone(),
        global.billing_day(),
        global.history_dir(),
        prior,
        clock.mono(),
        now_s,
    );
    let started = collector::start(global.collector_options(None));
    let mut c = match started {
        Ok(c) => c,
        Err(e) => {
            sink.stopped();
            return Err(e);
        }
    };
    let mut rx = c.subscribe();
    let writer = global.spawn_history(&mut c);
    let (alerts_tx, alerts_rx) = tokio::sync::watch::channel(Vec::new());
    let mut server_stop = None;
    let mut dashboard_url = None;
    if let Some(so) = &opts.server {
        match start_server(&global, so, &mut c, alerts_rx).await {
            Ok((url, stop)) => {
                eprintln!("hogwatch: dashboard at {url}");
                dashboard_url = Some(url.clone());
                sink.notice(Notice::Dashboard(url));
                server_stop = Some(stop);
            }
            Err(e) => {
                let _ = c.stop().await;
                sink.stopped();
                return Err(e);
            }
        }
    }
    let mut history_status = writer.as_ref().map(|w| w.status.clone());
    let mut history_problem = String::new();
    let mut today = TodayTracker::new(prior_day, Zone::Local.date(now_s));

    let listener = instance
        .as_ref()
        .and_then(|i| i.listener.try_clone().ok())
        .and_then(|l| {
            l.set_nonblocking(true).ok()?;
            tokio::net::UnixListener::from_std(l).ok()
        });
    let bus = if opts.probe_tray_after.is_some() {
        zbus::Connection::session().await.ok()
    } else {
        None
    };
    let probe_at = opts
        .probe_tray_after
        .map(|d| tokio::time::Instant::now() + d);
    let mut probed = probe_at.is_none();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let mut source_open = true;
    let mut autostart = tokio::task::spawn_blocking(|| {
        super::autostart::entry_path().map(|p| super::autostart::enabled(&p))
    })
    .await
    .unwrap_or(None);

    loop {
        tokio::select! {
            r = rx.recv(), if source_open => match r {
                Ok(s) => {
                    let date = Zone::Local.date((s.ts / 1000) as i64);
                    let t = today.observe(&s, date);
                    alerts.observe(&s, t, clock.mono());
                    let active = alerts.active((s.ts / 1000) as i64);
                    alerts_tx.send_if_modified(|a| {
                        let changed = *a != active;
                        if changed {
                            a.clone_from(&active);
                        }
                        changed
                    });
                    let u = Update {
                        today: history.then(|| t.clone()),
                        alerts: active,
                        autostart,
                        snapshot: s,
                        history_problem: history_problem.clone(),
                    };
                    if !sink.update(u) {
                        break;
                    }
                }
                Err(RecvError::Lagged(n)) => tracing::warn!("the tray fell {n} refreshes behind"),
                // A replay is over (a live collector ends only when stopped).
                Err(RecvError::Closed) if opts.exit_when_source_ends => break,
                Err(RecvError::Closed) => source_open = false,
            },
            req = requests.recv() => match req {
                Some(Request::EnablePerProcess) => c.command(Command::Retry(Elevate::Pkexec)).await,
                Some(Request::PauseAlerts(paused)) => alerts.set_paused(paused),
                Some(Request::SetAutostart(on)) => autostart = set_autostart(on).await,
                Some(Request::OpenUrl(url)) => open_url(&url),
                Some(Request::Quit) | None => break,
            },
            Some(reply) = replies.recv() => {
                if reply == crate::alerts::notifier::Reply::OpenDashboard {
                    sink.notice(Notice::OpenDashboard);
                }
                alerts.reply(reply, chrono::Utc::now().timestamp());
            }
            Some(problem) = crate::store::writer::next_problem(&mut history_status) => {
                if !problem.is_empty() {
                    tracing::warn!("history: {}", crate::text::printable(&problem));
                }
                history_problem = problem;
            }
            conn = accept(&listener) => {
                if let Some(mut stream) = conn {
                    let answer = match &dashboard_url {
                        Some(u) => format!("{} (pid {}); dashboard: {u}\n", opts.running_as, std::process::id()),
                        None => format!("{} (pid {})\n", opts.running_as, std::process::id()),
                    };
                    if instance::read_request(&mut stream, Duration::from_secs(2)).await.as_deref()
                        == Some(instance::OPEN_DASHBOARD)
                    {
                        sink.notice(Notice::OpenDashboard);
                    }
                    let _ = tokio::io::AsyncWriteExt::write_all(&mut stream, answer.as_bytes()).await;
                }
            }
            _ = collector::sleep_until_opt(probe_at), if !probed => {
                probed = true;
                if env::tray_host(bus.as_ref()).await == env::TrayHost::None {
                    let desktop = std::env::var("XDG_CURRENT_DESKTOP").unwrap_or_default();
                    let mut msg = env::no_host_message(&desktop);
                    if let Some(url) = &dashboard_url {
                        // Without an icon, the dashboard is the way in.
                        msg.push_str(&format!("; the dashboard is at {url}"));
                    }
                    tracing::warn!("{msg}");
                    let body = msg.clone();
                    // Its own task: a slow notification server must not hold up refreshes.
                    tokio::spawn(async move {
                        crate::notify::show("hogwatch: no tray to show its icon", &body).await;
                    });
                    sink.notice(Notice::NoTrayHost(msg));
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = recv_term(&mut term) => break,
        }
    }
    if let Some(stop) = server_stop {
        let _ = stop.send(());
    }
    let stopped = c.stop().await;
    if let Some(w) = writer {
        w.finish().await;
    }
    sink.stopped();
    stopped
}

/// Opens `url` with xdg-open (reaped by tokio; failures logged).
fn open_url(url: &str) {
    match tokio::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(false)
        .spawn()
    {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(e) => tracing::warn!("cannot open the dashboard in a browser (xdg-open: {e})"),
    }
}

/// Writes or removes the autostart entry; the state after (logged when it failed).
async fn set_autostart(on: bool) -> Option<bool> {
    tokio::task::spawn_blocking(move || {
        let path = super::autostart::entry_path()?;
        let exe = std::env::current_exe().unwrap_or_else(|_| "hogwatch".into());
        let packaged = std::path::Path::new(super::autostart::PACKAGED);
        if let Err(e) = super::autostart::set(&path, on, packaged, &exe) {
            tracing::warn!("cannot change {}: {e}", path.display());
        }
        Some(super::autostart::enabled(&path))
    })
    .await
    .unwrap_or(None)
}

async fn accept(l: &Option<tokio::net::UnixListener>) -> Option<tokio::net::UnixStream> {
    match l {
        Some(l) => l.accept().await.ok().map(|(s, _)| s),
        None => std::future::pending().await,
    }
}

async fn recv_term(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
