//! What a front end holds: a `Link` to the core — its own (this process runs the
//! collector) or another process's (attached over the per-user socket). Both give the same
//! `Update`s, take the same `Request`s and say the same `Notice`s, so a front end never
//! knows, or cares, which it has.

use crate::model::{Refresh, Totals};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What every front end gets each refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Update {
    /// The snapshot and what moved since the previous one.
    pub refresh: Arc<Refresh>,
    /// Today's totals (history before this run plus this run); `None` without history.
    pub today: Option<Totals>,
    /// Current alerts, one line each.
    pub alerts: Vec<String>,
    /// The history writer's problem, if any ("" when fine).
    pub history_problem: String,
}

/// Something the core tells its front ends besides refreshes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Notice {
    /// Someone asked for the dashboard (a second `hogwatch`, a notification's button).
    OpenDashboard,
}

/// What a front end may ask of the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    /// "Enable per-process monitoring…": try the helper through pkexec again.
    EnablePerProcess,
    /// "Pause alerts" (true) / "Resume alerts" (false).
    PauseAlerts(bool),
    /// Show the dashboard in the front ends that have a window.
    OpenDashboard,
    /// Stop the core (only its own front end may; an attached one just detaches).
    Quit,
}

/// Which front end a process is: it decides what the core serves and what a second
/// hogwatch is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The tray applet.
    Tray,
    /// `hogwatch server`, or `hogwatch` where no tray can be shown.
    Server,
    /// `hogwatch top`.
    Top,
    /// `hogwatch service`: the machine's collector, run by systemd (docs/service.md).
    Service,
}

impl Role {
    /// The front end, for "attached to …".
    pub fn name(self) -> &'static str {
        match self {
            Role::Tray => "hogwatch in the tray",
            Role::Server => "`hogwatch server`",
            Role::Top => "`hogwatch top`",
            Role::Service => "the hogwatch system service",
        }
    }

    /// What a second hogwatch is told this one is.
    pub fn running_as(self) -> &'static str {
        match self {
            Role::Tray => "hogwatch is running in the tray",
            Role::Server => "hogwatch is running without a tray",
            Role::Top => "hogwatch is running as `hogwatch top`",
            Role::Service => "hogwatch is running as the system service",
        }
    }
}

/// Who runs the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    pub pid: u32,
    pub version: String,
    pub role: Role,
    /// The dashboard's URL (with its token), when the core serves it.
    pub dashboard: Option<String>,
    /// The history the core writes, if any (an attached server reads it).
    pub history: Option<PathBuf>,
    /// A tray shows the core's figures (its own front end, or one attached).
    pub tray: bool,
    /// `--source` of the core: "nethogs", "ebpf", or "replay".
    pub source: String,
}

impl About {
    /// "hogwatch is running in the tray (pid 42); dashboard: URL" — what a second
    /// hogwatch prints.
    pub fn line(&self) -> String {
        match &self.dashboard {
            Some(u) => format!(
                "{} (pid {}); dashboard: {u}",
                self.role.running_as(),
                self.pid
            ),
            None => format!("{} (pid {})", self.role.running_as(), self.pid),
        }
    }
}

/// A front end's connection to the core.
pub struct Link {
    pub about: About,
    /// This process runs the core (else it is attached to another's).
    pub local: bool,
    /// Every refresh (an attached front end may miss some when it falls behind).
    pub updates: mpsc::Receiver<Arc<Update>>,
    pub notices: mpsc::UnboundedReceiver<Notice>,
    pub requests: mpsc::UnboundedSender<Request>,
    pub(super) done: JoinHandle<anyhow::Result<()>>,
}

impl Link {
    /// Stops the core (local) or detaches from it (attached), and waits for the end.
    pub async fn stop(self) -> anyhow::Result<()> {
        if self.local {
            let _ = self.requests.send(Request::Quit);
            drop(self.updates);
            self.done
                .await
                .map_err(|e| anyhow::anyhow!("the core failed: {e}"))?
        } else {
            self.done.abort();
            Ok(())
        }
    }

    /// Waits until the core ends by itself (a replay is over, a signal, the attached
    /// core stopped).
    pub async fn finish(self) -> anyhow::Result<()> {
        drop(self.updates);
        self.done
            .await
            .map_err(|e| anyhow::anyhow!("the core failed: {e}"))?
    }
}
