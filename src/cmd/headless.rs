//! hogwatch without a tray: `hogwatch server`, and plain `hogwatch` where no tray can be
//! shown (no display, no tray library). The collector, history, alerts and the dashboard
//! server run as in the tray; the collector's status changes go to the log.

use crate::cli::Global;
use crate::instance::Instance;
use crate::tray::backend::{self, Notice, Sink, Update};
use std::process::ExitCode;
use std::sync::Mutex;

/// Logs what the tray would show in its status line, when it changes.
#[derive(Default)]
struct LogSink {
    last_status: Mutex<String>,
}

impl Sink for LogSink {
    fn update(&self, u: Update) -> bool {
        if let Ok(mut last) = self.last_status.lock() {
            if *last != u.snapshot.status {
                if !u.snapshot.status.is_empty() {
                    eprintln!("hogwatch: {}", crate::text::printable(&u.snapshot.status));
                }
                last.clone_from(&u.snapshot.status);
            }
        }
        true
    }
    fn notice(&self, n: Notice) -> bool {
        if n == Notice::OpenDashboard {
            tracing::info!("the dashboard was asked for: its URL is in the log above");
        }
        true
    }
    fn stopped(&self) {}
}

/// Runs until SIGTERM/Ctrl-C (or the end of a replay).
pub async fn run(
    global: Global,
    instance: Option<Instance>,
    server: Option<backend::ServerOptions>,
) -> anyhow::Result<ExitCode> {
    // Nothing sends requests here; the sender lives until the end.
    let (_requests, rx) = tokio::sync::mpsc::unbounded_channel();
    backend::run(
        global,
        LogSink::default(),
        rx,
        instance,
        backend::Options {
            probe_tray_after: None,
            running_as: "hogwatch is running without a tray".into(),
            exit_when_source_ends: true,
            server,
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
