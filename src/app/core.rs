//! The core: the one collector and everything that consumes its refreshes — the history
//! writer, today's totals, the alert engine, the dashboard server — plus the per-user
//! socket other front ends attach to, and the signals that stop it. One task, one
//! `select!`; each refresh is turned into an `Update` once and handed to this process's
//! front end and to every attached one.

use super::dashboard::{self, Dashboard, ServerOptions};
use super::instance::Instance;
use super::link::{About, Link, Notice, Request, Role, Update};
use super::protocol::{self, Served};
use super::settings::Settings;
use crate::alerts::notifier::Reply;
use crate::alerts::watch::Alerts;
use crate::clock::{Clock, SystemClock};
use crate::collect::collector::{Collector, Command};
use crate::collect::sample::Elevate;
use crate::model::{PeriodTotals, Refresh};
use crate::power::{Power, PowerState};
use crate::store::tiers::Zone;
use crate::web::server::Feed;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, watch};

/// How this process runs the core.
#[derive(Debug, Clone)]
pub struct CoreOptions {
    pub role: Role,
    /// Serve the dashboard.
    pub server: Option<ServerOptions>,
    /// Evaluate alert rules and notify (`top` does not).
    pub alerts: bool,
    /// Stop when the source ends (a replay is over); else keep showing the last refresh.
    pub exit_when_source_ends: bool,
}

/// Starts the core on this runtime: collector, history, alerts, server and socket. The
/// returned link is this process's front end's. Fails only when the source or the
/// dashboard's address cannot be opened.
pub async fn start(
    settings: Settings,
    instance: Option<Instance>,
    opts: CoreOptions,
) -> Result<Link, dashboard::StartError> {
    let now_s = chrono::Utc::now().timestamp();
    let (dir, billing_day) = (settings.history_dir.clone(), settings.billing_day);
    let (prior_day, prior) =
        tokio::task::spawn_blocking(move || super::prior::load(dir.as_deref(), billing_day, now_s))
            .await
            .map_err(anyhow::Error::from)?;

    let mut collector = Collector::new(settings.collector.clone())?;
    // Live collection follows the machine's power (the refresh stretches on battery, the
    // history writer flushes before a sleep); a replay is not this machine's.
    let power = match settings.live() {
        true => Power::start(),
        false => Power::fixed(PowerState::default()),
    };
    let power_watch = power.watch();
    collector.follow_power(power);
    let refreshes = collector.subscribe();
    let writer = settings.writer().map(|mut w| {
        w.power = Some(power_watch);
        crate::store::writer::spawn(collector.subscribe(), w)
    });
    let (alerts_tx, alerts_rx) = watch::channel(Vec::new());
    let mut server = None;
    if let Some(so) = &opts.server {
        let feed = Feed {
            latest: collector.latest(),
            updates: collector.watch(),
            every: collector.subscribe(),
            alerts: alerts_rx,
        };
        server = Some(dashboard::start(so, feed, settings.history_dir.clone()).await?);
    }
    let clock = SystemClock::default();
    let alerts = opts.alerts.then(|| {
        Alerts::start(
            settings.alerts.clone(),
            settings.billing_day,
            settings.history_dir.clone(),
            prior,
            clock.mono(),
            now_s,
        )
    });
    let about = About {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        role: opts.role,
        dashboard: server.as_ref().map(|s| s.url.clone()),
        history: settings.history_dir.clone(),
        tray: opts.role == Role::Tray,
        source: settings.collector.source.name().to_owned(),
    };
    if let Some(url) = &about.dashboard {
        // `hogwatch server` is run to be given this URL; the tray's stderr is a log (a
        // session's or the journal), so it names the address only: its menu opens it.
        if matches!(opts.role, Role::Server | Role::Service) {
            eprintln!("hogwatch: dashboard at {url}");
        } else {
            eprintln!(
                "hogwatch: dashboard at {} (open it from the menu, or run `hogwatch` again)",
                crate::web::links::bare(url)
            );
        }
    }
    let running = collector.start();
    let (updates_tx, updates) = mpsc::channel(256);
    let (notices_tx, notices) = mpsc::unbounded_channel();
    let (requests, requests_rx) = mpsc::unbounded_channel();
    let (about_tx, about_rx) = watch::channel(about.clone());
    let (latest_tx, latest_rx) = watch::channel(None);
    let core = Core {
        today: PeriodTotals::new(prior_day, Zone::Local.date(now_s)),
        history: settings.history_dir.is_some(),
        history_problem: String::new(),
        alerts_tx,
        front: updates_tx,
        live: settings.live(),
        front_notices: notices_tx,
        about: about_tx,
        latest: latest_tx,
        served: Served {
            about: about_rx,
            latest: latest_rx,
            updates: broadcast::channel(16).0,
            notices: broadcast::channel(16).0,
            // The system service's socket is open to a group of users: none of them may
            // steer the machine's collector (restart its helper, pause anything), so
            // their requests go nowhere. A user's own socket is the user's alone.
            requests: match opts.role {
                Role::Service => mpsc::unbounded_channel().0,
                _ => requests.clone(),
            },
            trays: Arc::new(AtomicUsize::new(0)),
        },
        clock,
    };
    let done = tokio::spawn(run(
        core,
        Parts {
            running,
            refreshes,
            writer,
            alerts,
            server,
            instance,
            requests: requests_rx,
            exit_when_source_ends: opts.exit_when_source_ends,
        },
    ));
    Ok(Link {
        about,
        local: true,
        updates,
        notices,
        requests,
        done,
    })
}

/// The core's state between refreshes.
struct Core {
    today: PeriodTotals,
    history: bool,
    history_problem: String,
    alerts_tx: watch::Sender<Vec<String>>,
    /// This process's front end. A replay waits for it (it gets every update); live
    /// collection never does: a front end that stops reading (a `top` whose terminal is
    /// paused) misses updates instead of holding up the collector and the history.
    front: mpsc::Sender<Arc<Update>>,
    live: bool,
    front_notices: mpsc::UnboundedSender<Notice>,
    /// Who runs the core, and the latest update: what attached front ends are told first.
    about: watch::Sender<About>,
    latest: watch::Sender<Option<Arc<Update>>>,
    /// What attached front ends are served.
    served: Served,
    clock: SystemClock,
}

/// What the core task owns.
struct Parts {
    running: crate::collect::collector::Running,
    refreshes: mpsc::Receiver<Arc<Refresh>>,
    writer: Option<crate::store::writer::Writer>,
    alerts: Option<(Alerts, mpsc::UnboundedReceiver<Reply>)>,
    server: Option<Dashboard>,
    instance: Option<Instance>,
    requests: mpsc::UnboundedReceiver<Request>,
    exit_when_source_ends: bool,
}

impl Core {
    /// One refresh: today's totals, the alerts, and the update for every front end.
    /// False when this process's front end is gone.
    async fn refresh(&mut self, r: Arc<Refresh>, alerts: Option<&mut Alerts>) -> bool {
        let date = Zone::Local.date(r.unix_s());
        let today = self.today.add(&r.moved, date);
        let active = match alerts {
            Some(a) => {
                a.observe(&r, today, self.clock.mono());
                a.active(r.unix_s())
            }
            None => Vec::new(),
        };
        self.alerts_tx.send_if_modified(|a| {
            let changed = *a != active;
            if changed {
                a.clone_from(&active);
            }
            changed
        });
        let u = Arc::new(Update {
            today: self.history.then(|| today.clone()),
            alerts: active,
            history_problem: self.history_problem.clone(),
            refresh: r,
        });
        self.latest.send_replace(Some(Arc::clone(&u)));
        let _ = self.served.updates.send(Arc::clone(&u));
        if !self.live {
            return self.front.send(u).await.is_ok();
        }
        match self.front.try_send(u) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::debug!("the front end is behind: it misses a refresh");
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    fn notice(&self, n: Notice) {
        let _ = self.front_notices.send(n.clone());
        let _ = self.served.notices.send(n);
    }
}

async fn run(mut core: Core, p: Parts) -> anyhow::Result<()> {
    let Parts {
        running,
        mut refreshes,
        writer,
        mut alerts,
        server,
        instance,
        mut requests,
        exit_when_source_ends,
    } = p;
    let listener = instance
        .as_ref()
        .and_then(|i| i.listener.try_clone().ok())
        .and_then(|l| {
            l.set_nonblocking(true).ok()?;
            tokio::net::UnixListener::from_std(l).ok()
        });
    let mut history_status = writer.as_ref().map(|w| w.status.clone());
    let mut signals = super::signals::StopSignals::new();
    let mut source_open = true;
    let (mut replies, mut engine) = match alerts.take() {
        Some((a, r)) => (Some(r), Some(a)),
        None => (None, None),
    };
    loop {
        tokio::select! {
            r = refreshes.recv(), if source_open => match r {
                Some(r) => {
                    if !core.refresh(r, engine.as_mut()).await {
                        break;
                    }
                }
                // A replay is over (a live collector ends only when stopped).
                None if exit_when_source_ends => break,
                None => source_open = false,
            },
            req = requests.recv() => match req {
                Some(Request::EnablePerProcess) => running.command(Command::Retry(Elevate::Pkexec)).await,
                Some(Request::PauseAlerts(paused)) => {
                    if let Some(a) = engine.as_mut() {
                        a.set_paused(paused);
                    }
                }
                Some(Request::OpenDashboard) => core.notice(Notice::OpenDashboard),
                Some(Request::Quit) | None => break,
            },
            Some(reply) = next_reply(&mut replies) => {
                if reply == Reply::OpenDashboard {
                    core.notice(Notice::OpenDashboard);
                }
                if let Some(a) = engine.as_mut() {
                    a.reply(reply, chrono::Utc::now().timestamp());
                }
            }
            Some(problem) = crate::store::writer::next_problem(&mut history_status) => {
                if !problem.is_empty() {
                    tracing::warn!("history: {}", crate::text::printable(&problem));
                }
                core.history_problem = problem;
            }
            conn = accept(&listener) => {
                if let Some(stream) = conn {
                    let trays = core.served.trays.load(Ordering::SeqCst);
                    core.about.send_modify(|a| {
                        a.tray = a.role == Role::Tray || trays > 0;
                    });
                    tokio::spawn(protocol::serve(stream, core.served.clone()));
                }
            }
            _ = signals.recv() => break,
        }
    }
    if let Some(s) = server {
        s.stop();
    }
    let stopped = running.stop().await;
    if let Some(w) = writer {
        w.finish().await;
    }
    drop(instance);
    stopped
}

async fn next_reply(r: &mut Option<mpsc::UnboundedReceiver<Reply>>) -> Option<Reply> {
    match r {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

async fn accept(l: &Option<tokio::net::UnixListener>) -> Option<tokio::net::UnixStream> {
    match l {
        Some(l) => l.accept().await.ok().map(|(s, _)| s),
        None => std::future::pending().await,
    }
}
