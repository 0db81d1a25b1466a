//! The running application, below every front end: one core per user (the collector and
//! all that consumes it), which the tray, `hogwatch server`, `hogwatch top` and a second
//! `hogwatch` either run or attach to — never a second collector.
//!
//! - `settings` — the command line over the config file, resolved once;
//! - `core` — the collector, history writer, today's totals, alerts, dashboard server,
//!   socket and signals, as one task that turns each refresh into an `Update`;
//! - `link` — what a front end holds: updates in, requests out, local or attached;
//! - `instance` + `protocol` — the per-user lock and socket, and what is said over it;
//! - `dashboard` — starting the dashboard server on a feed of refreshes;
//! - `prior` — history's totals from before this run;
//! - `headless` — the front end with no screen: status to the log; `signals` — what stops it;
//! - `system` — whether the system service runs here and this user may take its data;
//! - this file — `open`: run the core here, or attach to the one that runs.

pub mod core;
pub mod dashboard;
pub mod headless;
pub mod instance;
pub mod link;
pub mod prior;
pub mod protocol;
pub mod settings;
pub mod signals;
pub mod system;

pub use self::core::CoreOptions;
pub use link::{About, Link, Notice, Request, Role, Update};
pub use settings::Settings;

use instance::Claim;
use system::Found;

/// What `open` found.
pub enum Opened {
    /// This process runs the core.
    Local(Link),
    /// Another hogwatch runs it; this one is attached to its stream.
    Attached(Link),
    /// Another hogwatch runs it and took over ("open-dashboard"); its answer.
    HandedOver(String),
}

/// Whether a front end attaches to, or hands over to, a core that runs already.
pub enum WhenRunning {
    /// Attach to it (`top`, `server`, a tray where no tray shows it yet).
    Attach,
    /// Hand over when `hand_over(about)` says so (a tray, when one shows it already),
    /// else attach.
    HandOverIf(fn(&About) -> bool),
}

/// Where the system service runs and this user may reach its socket (a member of group
/// `hogwatch`), this user's core takes the service's refreshes instead of starting a
/// helper: no password route is tried. Otherwise — no service, not a member, `--source`
/// given, a recording asked for — nothing changes.
async fn follow_service(mut settings: Settings) -> Settings {
    if !settings.follow_service || settings.collector.record.is_some() {
        return settings;
    }
    match system::find().await {
        Found::Runs { about, socket } => {
            tracing::info!(
                "the hogwatch system service runs (pid {}): taking its refreshes from {}",
                about.pid,
                socket.display()
            );
            settings.collector.source = crate::collect::source::SourceSpec::Service(socket);
        }
        Found::NotMember => tracing::warn!(
            "the hogwatch system service runs here, but this user is not in group \
             `hogwatch`: collecting here instead (an administrator can run \
             `sudo usermod -aG hogwatch $USER`; docs/service.md)"
        ),
        Found::NotService { about, socket } => tracing::warn!(
            "{} is not the system service's socket ({}); collecting here",
            socket.display(),
            about.line()
        ),
        Found::Unanswered { why, socket } => tracing::info!(
            "the system service's socket {} cannot be used ({why}); collecting here",
            socket.display()
        ),
        Found::Absent => {}
    }
    settings
}

/// Runs the core in this process, or finds the one that runs for this user and attaches
/// (or hands over). `top` replaying a recording runs its own core and claims nothing: it is
/// not the user's collector (every other run claims, so that a second one finds it).
pub async fn open(
    settings: Settings,
    opts: CoreOptions,
    when_running: WhenRunning,
) -> anyhow::Result<Opened> {
    if !settings.live() && opts.role == Role::Top {
        return Ok(Opened::Local(core::start(settings, None, opts).await?));
    }
    // Twice at most: a core that stops between our claim and our attach is replaced by us.
    for _ in 0..2 {
        let (dir, uid) = instance::user_dir();
        let claimed = tokio::task::spawn_blocking(move || instance::claim(&dir, uid)).await?;
        let socket = match claimed {
            Ok(Claim::First(i)) => {
                let settings = follow_service(settings).await;
                return Ok(Opened::Local(core::start(settings, Some(i), opts).await?));
            }
            Err(e) => {
                tracing::warn!("cannot make sure only one hogwatch runs: {e}");
                let settings = follow_service(settings).await;
                return Ok(Opened::Local(core::start(settings, None, opts).await?));
            }
            Ok(Claim::Running(socket)) => socket,
        };
        if settings.collector.record.is_some() {
            let who = protocol::info(&socket)
                .await
                .map(|a| a.line())
                .unwrap_or_else(|_| "another hogwatch".into());
            anyhow::bail!(
                "cannot record: {who} already collects for this user, and a recording needs                  the collector's own input — stop it first"
            );
        }
        let about = match protocol::info(&socket).await {
            Ok(a) => a,
            // A hogwatch that does not speak `info` (an older one): what it said.
            Err(protocol::InfoError::Old(answer)) => return Ok(Opened::HandedOver(answer)),
            Err(protocol::InfoError::Io(e)) => {
                tracing::info!("the running hogwatch does not answer ({e}); trying again");
                continue;
            }
        };
        if let WhenRunning::HandOverIf(hand_over) = &when_running {
            if hand_over(&about) {
                let answer = protocol::open_dashboard(&socket)
                    .await
                    .unwrap_or_else(|_| about.line());
                return Ok(Opened::HandedOver(answer));
            }
        }
        match protocol::attach(&socket, opts.role).await {
            Ok(link) => return Ok(Opened::Attached(link)),
            Err(e) => tracing::info!("the running hogwatch went away ({e}); trying again"),
        }
    }
    anyhow::bail!("another hogwatch holds the lock but does not answer on its socket")
}
